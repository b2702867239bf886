/* The CUnit suites of cpnsim: one registration function per module (tests/unit/test_*.c). */
#ifndef CPN_TESTS_SUITES_H
#define CPN_TESTS_SUITES_H

#include <CUnit/CUnit.h>

#include <math.h>

/** Assert |a - b| <= rel * max(|a|, |b|, tiny): a relative tolerance with a stated meaning. */
#define CPN_ASSERT_REL(a, b, rel)                                                                  \
    CU_ASSERT(fabs((double)(a) - (double)(b)) <=                                                  \
              (rel) * fmax(fmax(fabs((double)(a)), fabs((double)(b))), 1e-300))

/* Each returns CUE_SUCCESS or a CUnit error; it adds one suite (or more) to the registry. */
int cpn_test_register_error(void);
int cpn_test_register_diag(void);
int cpn_test_register_log(void);
int cpn_test_register_array(void);
int cpn_test_register_evq(void);
int cpn_test_register_engine(void);
int cpn_test_register_rng(void);
int cpn_test_register_units(void);
int cpn_test_register_topology(void);
int cpn_test_register_route(void);
int cpn_test_register_transport(void);
int cpn_test_register_flow(void);
int cpn_test_register_load(void);
int cpn_test_register_graphml(void);
int cpn_test_register_center(void);
int cpn_test_register_workload(void);
int cpn_test_register_traces(void);
int cpn_test_register_policy(void);
int cpn_test_register_awareness(void);
int cpn_test_register_jobs(void);
int cpn_test_register_trace(void);
int cpn_test_register_summary(void);
int cpn_test_register_report(void);

/**
 * Path of a file under the source tree (tests/..., scenarios/...), from $CPN_SRCDIR or the
 * configure-time source directory.  Returns a pointer to a static buffer (tests are
 * single-threaded).
 */
const char *cpn_test_srcpath(const char *relative);

/**
 * Path of a file under the shared data folder (../shared/data/...), from $CPN_DATADIR, or NULL
 * when that file does not exist (the caller then skips with a message).
 */
const char *cpn_test_datapath(const char *relative);

/** Print "SKIP: why" once; used when shared data is absent. */
void cpn_test_skip(const char *why);

#endif
