/* Suite "diag": located user diagnostics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/diag.h"
#include "tests/unit/suites.h"

static void test_errors_are_located_gnu_style_and_counted(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct cpn_diag d;
    cpn_diag_init(&d, f);
    cpn_diag_error(&d, "national.xml", 42, "link \"%s\": capacity is negative", "sh-nx");
    cpn_diag_warning(&d, "national.xml", 7, "node \"%s\" has no coordinates", "x");
    cpn_diag_error(&d, "flows.csv", 0, "cannot be read");
    cpn_diag_error(&d, NULL, 0, "no location");
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "cpnsim: national.xml:42: link \"sh-nx\": capacity is negative\n"
                                "cpnsim: national.xml:7: warning: node \"x\" has no coordinates\n"
                                "cpnsim: flows.csv: cannot be read\n"
                                "cpnsim: no location\n");
    CU_ASSERT_EQUAL(d.errors, 3);
    CU_ASSERT_EQUAL(d.warnings, 1);
    free(buf);
}

static void test_errors_beyond_the_limit_are_counted_not_printed(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct cpn_diag d;
    cpn_diag_init(&d, f);
    d.max_errors = 2;
    for (int i = 1; i <= 5; i++)
        cpn_diag_error(&d, "a.xml", i, "error %d", i);
    cpn_diag_flush(&d);
    cpn_diag_flush(&d); /* idempotent */
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "cpnsim: a.xml:1: error 1\n"
                                "cpnsim: a.xml:2: error 2\n"
                                "cpnsim: 3 more errors not shown\n");
    CU_ASSERT_EQUAL(d.errors, 5);
    free(buf);
}

int cpn_test_register_diag(void)
{
    CU_pSuite s = CU_add_suite("diag", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "errors are located GNU-style and counted",
                     test_errors_are_located_gnu_style_and_counted) ||
        !CU_add_test(s, "errors beyond the limit are counted, not printed",
                     test_errors_beyond_the_limit_are_counted_not_printed))
        return CU_get_error();
    return CUE_SUCCESS;
}
