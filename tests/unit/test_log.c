/* Suite "log": per-module levels and the simulated-time prefix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/error.h"
#include "sim/log.h"
#include "tests/unit/suites.h"

static void test_module_levels_override_the_default(void)
{
    struct cpn_log lg;
    cpn_log_init(&lg, NULL, NULL);
    CU_ASSERT_TRUE(cpn_log_enabled(&lg, "flow", CPN_LOG_WARN));
    CU_ASSERT_FALSE(cpn_log_enabled(&lg, "flow", CPN_LOG_INFO));
    CU_ASSERT_EQUAL(cpn_log_parse(&lg, "error,flow:debug"), CPN_OK);
    CU_ASSERT_TRUE(cpn_log_enabled(&lg, "flow", CPN_LOG_DEBUG));
    CU_ASSERT_FALSE(cpn_log_enabled(&lg, "flow", CPN_LOG_TRACE));
    CU_ASSERT_FALSE(cpn_log_enabled(&lg, "engine", CPN_LOG_WARN));
    CU_ASSERT_EQUAL(lg.max_level, CPN_LOG_DEBUG);
}

static void test_bad_specs_are_rejected_and_leave_the_logger_unchanged(void)
{
    struct cpn_log lg;
    cpn_log_init(&lg, NULL, NULL);
    CU_ASSERT_EQUAL(cpn_log_parse(&lg, "verbose"), CPN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "use error, warn, info, debug or trace"));
    CU_ASSERT_EQUAL(cpn_log_parse(&lg, "flow:loud"), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_log_parse(&lg, ":debug"), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_log_parse(&lg, "debug,flow:loud"), CPN_EINVAL);
    CU_ASSERT_EQUAL(lg.default_level, CPN_LOG_WARN);
    char spec[2048] = "";
    for (int i = 0; i <= CPN_LOG_MAX_MODULES; i++) {
        char item[32];
        snprintf(item, sizeof item, "%sm%d:info", i ? "," : "", i);
        strcat(spec, item);
    }
    CU_ASSERT_EQUAL(cpn_log_parse(&lg, spec), CPN_ERANGE);
    CU_ASSERT_EQUAL(lg.n_modules, 0);
}

static void test_lines_carry_the_simulated_time(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    double now = 3600.5;
    struct cpn_log lg;
    cpn_log_init(&lg, f, &now);
    CU_ASSERT_EQUAL(cpn_log_parse(&lg, "info"), CPN_OK);
    CPN_LOG(&lg, CPN_LOG_INFO, "flow", "component %d re-solved", 4);
    CPN_LOG(&lg, CPN_LOG_DEBUG, "flow", "not shown");
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "[   3600.500000 s] flow: info: component 4 re-solved\n");
    free(buf);
}

int cpn_test_register_log(void)
{
    CU_pSuite s = CU_add_suite("log", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "module levels override the default",
                     test_module_levels_override_the_default) ||
        !CU_add_test(s, "bad specs are rejected and leave the logger unchanged",
                     test_bad_specs_are_rejected_and_leave_the_logger_unchanged) ||
        !CU_add_test(s, "lines carry the simulated time", test_lines_carry_the_simulated_time))
        return CU_get_error();
    return CUE_SUCCESS;
}
