/* Suite "error": status codes, the error funnel and exit-code mapping. */
#include <string.h>

#include "sim/error.h"
#include "tests/unit/suites.h"

static void test_every_code_has_a_distinct_text(void)
{
    for (int i = 0; i < CPN_NSTATUS; i++) {
        CU_ASSERT_PTR_NOT_NULL(cpn_strerror(i));
        CU_ASSERT_STRING_NOT_EQUAL(cpn_strerror(i), "unknown status code");
        for (int j = 0; j < i; j++)
            CU_ASSERT_STRING_NOT_EQUAL(cpn_strerror(i), cpn_strerror(j));
    }
    CU_ASSERT_STRING_EQUAL(cpn_strerror(-1), "unknown status code");
    CU_ASSERT_STRING_EQUAL(cpn_strerror(CPN_NSTATUS), "unknown status code");
}

static void test_error_funnel_returns_code_and_keeps_message_and_location(void)
{
    int line = __LINE__ + 1;
    int rc = CPN_ERROR(CPN_ERANGE, "value %d is above %s", 42, "the limit");
    CU_ASSERT_EQUAL(rc, CPN_ERANGE);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(), "value 42 is above the limit");
    char where[64];
    snprintf(where, sizeof where, "%d", line);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_where(), "test_error.c:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_where(), where));
    /* NULL format: the message is the code's description. */
    CU_ASSERT_EQUAL(CPN_ERROR(CPN_ENOMEM, NULL), CPN_ENOMEM);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(), "out of memory");
}

static void test_exit_codes_follow_sysexits(void)
{
    /* sysexits(3): EX_DATAERR 65, EX_NOINPUT 66, EX_SOFTWARE 70, EX_CANTCREAT 73, EX_IOERR 74. */
    CU_ASSERT_EQUAL(cpn_exit_code(CPN_OK), 0);
    CU_ASSERT_EQUAL(cpn_exit_code(CPN_ESCENARIO), 65);
    CU_ASSERT_EQUAL(cpn_exit_code(CPN_EUNREACH), 65);
    CU_ASSERT_EQUAL(cpn_exit_code(CPN_ENOINPUT), 66);
    CU_ASSERT_EQUAL(cpn_exit_code(CPN_EPLUGIN), 66);
    CU_ASSERT_EQUAL(cpn_exit_code(CPN_EINTERNAL), 70);
    CU_ASSERT_EQUAL(cpn_exit_code(CPN_EPOLICY), 70);
    CU_ASSERT_EQUAL(cpn_exit_code(CPN_ENOMEM), 70);
    CU_ASSERT_EQUAL(cpn_exit_code(CPN_EOUTPUT), 73);
    CU_ASSERT_EQUAL(cpn_exit_code(CPN_EIO), 74);
    CU_ASSERT_EQUAL(cpn_exit_code(CPN_EINTERRUPT), 130);
}

int cpn_test_register_error(void)
{
    CU_pSuite s = CU_add_suite("error", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "every status code has its own text",
                     test_every_code_has_a_distinct_text) ||
        !CU_add_test(s, "CPN_ERROR returns the code and keeps message and C location",
                     test_error_funnel_returns_code_and_keeps_message_and_location) ||
        !CU_add_test(s, "exit codes follow sysexits(3)", test_exit_codes_follow_sysexits))
        return CU_get_error();
    return CUE_SUCCESS;
}
