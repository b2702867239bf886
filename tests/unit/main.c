/* The single CUnit runner of cpnsim (`make check` runs it).  Usage: cpn_tests [SUITE-SUBSTRING] */
#include "config.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/suites.h"

static int (*const registrations[])(void) = {
    cpn_test_register_error,    cpn_test_register_diag,      cpn_test_register_log,
    cpn_test_register_array,    cpn_test_register_evq,       cpn_test_register_engine,
    cpn_test_register_rng,      cpn_test_register_units,     cpn_test_register_topology,
    cpn_test_register_route,    cpn_test_register_transport, cpn_test_register_network,
    cpn_test_register_flow,     cpn_test_register_load,      cpn_test_register_graphml,
    cpn_test_register_center,   cpn_test_register_workload,  cpn_test_register_traces,
    cpn_test_register_policy,   cpn_test_register_awareness, cpn_test_register_trace,
    cpn_test_register_summary,  cpn_test_register_report,    cpn_test_register_jobs,
    cpn_test_register_timeline, cpn_test_register_numtext,
};

const char *cpn_test_srcpath(const char *relative)
{
    static char buf[4096];
    const char *dir = getenv("CPN_SRCDIR");
    snprintf(buf, sizeof buf, "%s/%s", dir && *dir ? dir : CPN_ABS_SRCDIR, relative);
    return buf;
}

int cpn_test_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

const char *cpn_test_datapath(const char *relative)
{
    static char buf[4096];
    const char *dir = getenv("CPN_DATADIR");
    if (dir && *dir)
        snprintf(buf, sizeof buf, "%s/%s", dir, relative);
    else
        snprintf(buf, sizeof buf, "%s/../shared/data/%s", CPN_ABS_SRCDIR, relative);
    return access(buf, R_OK) == 0 ? buf : NULL;
}

int cpn_test_add_suite(const char *name, const struct cpn_test *tests, size_t n)
{
    CU_pSuite s = CU_add_suite(name, NULL, NULL);
    if (!s)
        return CU_get_error();
    for (size_t i = 0; i < n; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return CU_get_error();
    return CUE_SUCCESS;
}

void cpn_test_sink_open(struct cpn_test_sink *s)
{
    s->text = NULL;
    s->len = 0;
    s->f = open_memstream(&s->text, &s->len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s->f);
    cpn_diag_init(&s->diag, s->f);
}

void cpn_test_skip(const char *why)
{
    printf("\n  SKIP: %s\n", why);
}

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    for (size_t i = 0; i < sizeof registrations / sizeof registrations[0]; i++)
        if (registrations[i]() != CUE_SUCCESS) {
            fprintf(stderr, "cannot register suite %zu: %s\n", i, CU_get_error_msg());
            CU_cleanup_registry();
            return 99;
        }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    if (argc > 1) {
        /* Run only the suites whose name contains argv[1]. */
        for (CU_pSuite s = CU_get_registry()->pSuite; s; s = s->pNext)
            CU_set_suite_active(s, strstr(s->pName, argv[1]) != NULL);
    }
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    if (run == 0) {
        fprintf(stderr, "no test ran\n");
        return 1;
    }
    return failed ? 1 : 0;
}
