/* The CUnit suites of cpnsim: one registration function per module (tests/unit/test_*.c). */
#ifndef CPN_TESTS_SUITES_H
#define CPN_TESTS_SUITES_H

#include <CUnit/CUnit.h>

#include <math.h>
#include <stdio.h>

#include "sim/diag.h"

/** Assert |a - b| <= rel * max(|a|, |b|, tiny): a relative tolerance with a stated meaning. */
#define CPN_ASSERT_REL(a, b, rel)                                                                  \
    CU_ASSERT(fabs((double)(a) - (double)(b)) <=                                                   \
              (rel)*fmax(fmax(fabs((double)(a)), fabs((double)(b))), 1e-300))

/** One test of a suite table: the name states the expectation. */
struct cpn_test {
    const char *name; /**< e.g. "two flows on one link each get half the capacity" */
    CU_TestFunc fn;   /**< the test */
};

/**
 * Add suite @p name holding the @p n tests of @p tests, in order.
 * @return CUE_SUCCESS, or the CUnit error when the registry refuses the suite or a test.
 */
int cpn_test_add_suite(const char *name, const struct cpn_test *tests, size_t n);

/** Add suite @p name with every test of the array @p tests. */
#define CPN_TEST_SUITE(name, tests)                                                                \
    cpn_test_add_suite((name), (tests), sizeof(tests) / sizeof((tests)[0]))

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
int cpn_test_register_network(void);
int cpn_test_register_flow(void);
int cpn_test_register_load(void);
int cpn_test_register_graphml(void);
int cpn_test_register_center(void);
int cpn_test_register_workload(void);
int cpn_test_register_traces(void);
int cpn_test_register_policy(void);
int cpn_test_register_awareness(void);
int cpn_test_register_jobs(void);
int cpn_test_register_timeline(void);
int cpn_test_register_trace(void);
int cpn_test_register_summary(void);
int cpn_test_register_report(void);
int cpn_test_register_numtext(void);

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

/** qsort()/bsearch() comparison of two doubles (not NaN): ascending. */
int cpn_test_cmp_double(const void *a, const void *b);

/** A diagnostic sink writing into memory, so tests can compare messages exactly. */
struct cpn_test_sink {
    struct cpn_diag diag; /**< report into this */
    FILE *f;              /**< the memory stream behind @c diag */
    char *text;           /**< what was printed (valid after fflush or fclose of @c f) */
    size_t len;           /**< length of @c text [bytes] */
};

/** Open @p s: an open_memstream() stream and a diag sink on it (fails the test fatally if the
 *  stream cannot be opened).  The caller fcloses s->f and frees s->text. */
void cpn_test_sink_open(struct cpn_test_sink *s);

/** Print "SKIP: why" once; used when shared data is absent. */
void cpn_test_skip(const char *why);

#endif
