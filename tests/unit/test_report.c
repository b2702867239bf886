/* Suite "report": tables over runs with 95% confidence intervals (output/report.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "output/report.h"
#include "output/trace.h"
#include "tests/unit/suites.h"

/* Student t quantiles from the tables (e.g. NIST/SEMATECH e-Handbook, 1.3.6.7.2):
 * t(0.975, 2) = 4.302653, t(0.975, 1) = 12.706205; tolerance 1e-6 relative. */
#define TOL 1e-6

/* When set, runs of odd seeds get alpha=0.5 and the others alpha=1 (the test of grouping by a
 * parameter); else every run has alpha=0.5 (runs of one group have the same settings). */
static int alpha_by_parity;

static void add(struct cpn_report *r, const char *policy, uint64_t seed, double jct, double energy,
                const char *version, const char *sha)
{
    struct cpn_metric m[3] = {{"job.all.jct.mean", "s", jct},
                              {"center.all.energy", "J", energy},
                              {"net.fct.p95", "s", 1.0}};
    const char *params[1] = {seed % 2 || !alpha_by_parity ? "alpha=0.5" : "alpha=1"};
    char src[64];
    snprintf(src, sizeof src, "%s-%llu.h5", policy, (unsigned long long)seed);
    struct cpn_report_run run = {.source = src,
                                 .program_version = version,
                                 .scenario_path = "scenarios/tiny.xml",
                                 .scenario_sha256 = sha,
                                 .policy = policy,
                                 .awareness = "oracle",
                                 .seed = seed,
                                 .params = params,
                                 .n_params = 1,
                                 .metrics = m,
                                 .n_metrics = 3};
    CU_ASSERT_EQUAL(cpn_report_add_run(r, &run), CPN_OK);
}

/* Two policies x three seeds:
 *   random:  JCT means {10, 12, 14} s: mean 12, s = 2,       ci = 4.302653 * 2 / sqrt(3) = 4.968275
 *   nearest: JCT means {20, 21, 25} s: mean 22, s = sqrt(7), ci = 4.302653 * sqrt(7) / sqrt(3)
 *                                                                = 6.572411
 *   energy: random {1, NaN, 3} J -> n = 2, mean 2, s = sqrt(2), ci = 12.706205 * sqrt 2 / sqrt 2
 *           nearest {5, 5, 5} -> mean 5, ci 0. */
static struct cpn_report *two_policies_three_seeds(enum cpn_report_format f, const char *metrics)
{
    struct cpn_report *r = NULL;
    struct cpn_report_options o = {.by = NULL, .metrics = metrics, .format = f};
    CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
    /* Added out of order: the table sorts groups by key. */
    add(r, "nearest", 1, 20, 5, "0.1.0", "aa");
    add(r, "random", 3, 14, 3, "0.1.0", "aa");
    add(r, "random", 1, 10, 1, "0.1.0", "aa");
    add(r, "nearest", 2, 21, 5, "0.1.0", "aa");
    add(r, "random", 2, 12, NAN, "0.1.0", "aa");
    add(r, "nearest", 3, 25, 5, "0.1.0", "aa");
    return r;
}

/* Print the report into a string (caller frees).  noinline: GCC 12 -O2 otherwise mistakes the
 * open_memstream buffer for a pointer to a local (-Wdangling-pointer false positive). */
__attribute__((noinline)) static char *render(struct cpn_report *r, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *rc = cpn_report_write(r, f);
    fclose(f);
    return buf;
}

static void test_csv_means_and_cis_match_hand_computed_values(void)
{
    struct cpn_report *r =
        two_policies_three_seeds(CPN_REPORT_CSV, "job.all.jct.mean,center.all.energy");
    int rc;
    char *out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_OK);
    char *save = NULL, *line = strtok_r(out, "\n", &save);
    CU_ASSERT_STRING_EQUAL(line, "scenario,policy,runs,job.all.jct.mean [s],job.all.jct.mean ci95 "
                                 "[s],job.all.jct.mean n,center.all.energy [J],"
                                 "center.all.energy ci95 [J],center.all.energy n");
    char scen[32], pol[32];
    double m1, c1, m2, c2;
    unsigned runs, n1, n2;
    line = strtok_r(NULL, "\n", &save);
    CU_ASSERT_EQUAL(sscanf(line, "%31[^,],%31[^,],%u,%lf,%lf,%u,%lf,%lf,%u", scen, pol, &runs, &m1,
                           &c1, &n1, &m2, &c2, &n2),
                    9);
    CU_ASSERT_STRING_EQUAL(scen, "tiny.xml");
    CU_ASSERT_STRING_EQUAL(pol, "nearest");
    CU_ASSERT_EQUAL(runs, 3);
    CPN_ASSERT_REL(m1, 22, TOL);
    CPN_ASSERT_REL(c1, 6.572411, TOL);
    CPN_ASSERT_REL(m2, 5, TOL);
    CU_ASSERT_EQUAL(c2, 0);
    line = strtok_r(NULL, "\n", &save);
    CU_ASSERT_EQUAL(sscanf(line, "%31[^,],%31[^,],%u,%lf,%lf,%u,%lf,%lf,%u", scen, pol, &runs, &m1,
                           &c1, &n1, &m2, &c2, &n2),
                    9);
    CU_ASSERT_STRING_EQUAL(pol, "random");
    CPN_ASSERT_REL(m1, 12, TOL);
    CPN_ASSERT_REL(c1, 4.968275, TOL);
    CU_ASSERT_EQUAL(n1, 3);
    CPN_ASSERT_REL(m2, 2, TOL);
    CPN_ASSERT_REL(c2, 12.706205, TOL);
    CU_ASSERT_EQUAL(n2, 2);
    CU_ASSERT_PTR_NULL(strtok_r(NULL, "\n", &save));
    free(out);
    cpn_report_free(r);
}

/* A metric without a unit (a cost where the scenario names no currency) has no "[]" after its
 * name, in either format; the others keep theirs. */
static void test_a_metric_without_unit_has_no_brackets(void)
{
    const enum cpn_report_format formats[] = {CPN_REPORT_CSV, CPN_REPORT_MD};
    const char *const want[] = {
        "scenario,policy,runs,center.all.electricity_cost,center.all.electricity_cost ci95,"
        "center.all.electricity_cost n,net.fct.p95 [s],net.fct.p95 ci95 [s],net.fct.p95 n\n",
        "| scenario | policy | runs | center.all.electricity_cost | net.fct.p95 [s] |\n"};
    for (int k = 0; k < 2; k++) {
        struct cpn_report *r = NULL;
        struct cpn_report_options o = {
            .by = NULL, .metrics = "center.all.electricity_cost,net.fct.p95", .format = formats[k]};
        CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
        struct cpn_metric m[2] = {{"center.all.electricity_cost", "", 0},
                                  {"net.fct.p95", "s", 1.5}};
        struct cpn_report_run run = {.source = "a.h5",
                                     .program_version = "0.1.0",
                                     .scenario_path = "t3.xml",
                                     .scenario_sha256 = "aa",
                                     .policy = "nearest",
                                     .awareness = "oracle",
                                     .seed = 1,
                                     .metrics = m,
                                     .n_metrics = 2};
        CU_ASSERT_EQUAL(cpn_report_add_run(r, &run), CPN_OK);
        int rc;
        char *out = render(r, &rc);
        CU_ASSERT_EQUAL(rc, CPN_OK);
        CU_ASSERT_EQUAL(strncmp(out, want[k], strlen(want[k])), 0);
        CU_ASSERT_PTR_NULL(strstr(out, "[]"));
        free(out);
        cpn_report_free(r);
    }
}

static void test_markdown_and_latex_show_mean_ci_units_and_partial_n(void)
{
    struct cpn_report *r = two_policies_three_seeds(CPN_REPORT_MD, "job.all.*,center.all.energy");
    int rc;
    char *out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "| scenario | policy | runs | job.all.jct.mean [s] | "
                                       "center.all.energy [J] |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "| tiny.xml | random | 3 | 12 ± 5 | 2 ± 13 (n=2) |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "| tiny.xml | nearest | 3 | 22 ± 6.6 | 5 ± 0 |"));
    free(out);
    cpn_report_free(r);
    r = two_policies_three_seeds(CPN_REPORT_TEX, "job.all.jct.mean");
    out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\\begin{tabular}{llrr}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "job.all.jct.mean [s]")); /* header keeps dots */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "tiny.xml & random & 3 & $\\num{12} \\pm \\num{5}$ \\\\"));
    free(out);
    cpn_report_free(r);
}

static void test_grouping_by_a_policy_parameter_and_by_seed(void)
{
    struct cpn_report *r = NULL;
    struct cpn_report_options o = {
        .by = "alpha", .metrics = "job.all.jct.mean", .format = CPN_REPORT_CSV, .mix = 0};
    CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
    alpha_by_parity = 1;
    add(r, "random", 1, 10, 1, "0.1.0", "aa"); /* odd seeds: alpha=0.5 */
    add(r, "random", 2, 12, 1, "0.1.0", "aa");
    add(r, "random", 3, 14, 1, "0.1.0", "aa");
    int rc;
    char *out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_OK);
    /* alpha=0.5: {10, 14} mean 12; alpha=1: {12} mean 12 with an undefined CI. */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0.5,2,12,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n1,1,12,nan,1\n"));
    CU_ASSERT(strstr(out, "\n0.5,") < strstr(out, "\n1,")); /* by text */
    free(out);
    /* An order given for the key (a batch's sweep values as the experiment lists them) puts
     * its rows in that order, a key not grouped by is ignored, and NULL is refused. */
    const char *const order[] = {"1", "0.5"};
    CU_ASSERT_EQUAL(cpn_report_order(r, "alpha", order, 2), CPN_OK);
    CU_ASSERT_EQUAL(cpn_report_order(r, "beta", order, 2), CPN_OK);
    CU_ASSERT_EQUAL(cpn_report_order(r, NULL, order, 2), CPN_EINVAL);
    out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n1,1,12,nan,1\n0.5,2,12,"));
    free(out);
    const char *const partial[] = {"1"}; /* listed values first, the others after */
    CU_ASSERT_EQUAL(cpn_report_order(r, "alpha", partial, 1), CPN_OK);
    out = render(r, &rc);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n1,1,12,nan,1\n0.5,2,12,"));
    free(out);
    cpn_report_free(r);
    /* The same runs grouped by policy alone would fold alpha=0.5 and alpha=1 into one row:
     * refused unless --mix, naming the setting and the key to add. */
    o.by = "policy";
    CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
    add(r, "random", 1, 10, 1, "0.1.0", "aa");
    add(r, "random", 2, 12, 1, "0.1.0", "aa");
    out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "random-1.h5 was made with alpha=0.5 and "
                                                       "random-2.h5 was not"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "--by alpha"));
    free(out);
    cpn_report_free(r);
    o.mix = 1;
    CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
    add(r, "random", 1, 10, 1, "0.1.0", "aa");
    add(r, "random", 2, 12, 1, "0.1.0", "aa");
    out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_OK);
    free(out);
    cpn_report_free(r);
    alpha_by_parity = 0;
}

/* Paired against random, same seeds 1..3 (the fixture above):
 *   JCT: nearest - random = {20-10, 21-12, 25-14} = {10, 9, 11}: mean 10, s_d = 1,
 *        ci = 4.302653 / sqrt 3 = 2.484138; relative 10 / mean{10, 12, 14} = 10 / 12.
 *   energy: random's seed 2 is NaN, so 2 pairs: {5-1, 5-3} = {4, 2}: mean 3, s_d = sqrt 2,
 *        ci = 12.706205 sqrt 2 / sqrt 2 = 12.706205; relative 3 / mean{1, 3} = 1.5.
 * The unpaired intervals of the same rows (6.57 and 4.97 around 22 and 12) are wider. */
static void test_paired_differences_match_hand_computed_values(void)
{
    struct cpn_report *r = NULL;
    struct cpn_report_options o = {.metrics = "job.all.jct.mean,center.all.energy",
                                   .format = CPN_REPORT_CSV,
                                   .paired = "random"};
    CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
    add(r, "nearest", 1, 20, 5, "0.1.0", "aa");
    add(r, "random", 3, 14, 3, "0.1.0", "aa");
    add(r, "random", 1, 10, 1, "0.1.0", "aa");
    add(r, "nearest", 2, 21, 5, "0.1.0", "aa");
    add(r, "random", 2, 12, NAN, "0.1.0", "aa");
    add(r, "nearest", 3, 25, 5, "0.1.0", "aa");
    add(r, "greenest", 7, 30, 5, "0.1.0", "aa"); /* no seed in common with the baseline */
    int rc;
    char *out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_OK);
    char *save = NULL, *line = strtok_r(out, "\n", &save);
    CU_ASSERT_STRING_EQUAL(line, "scenario,policy,runs,job.all.jct.mean diff [s],"
                                 "job.all.jct.mean diff ci95 [s],job.all.jct.mean rel,"
                                 "job.all.jct.mean pairs,center.all.energy diff [J],"
                                 "center.all.energy diff ci95 [J],center.all.energy rel,"
                                 "center.all.energy pairs");
    char pol[32];
    double d1, c1, r1, d2, c2, r2;
    unsigned runs, n1, n2;
    line = strtok_r(NULL, "\n", &save); /* greenest: sorted first, no pair */
    CU_ASSERT_PTR_NOT_NULL(strstr(line, "tiny.xml,greenest,1,nan,nan,nan,0,nan,nan,nan,0"));
    line = strtok_r(NULL, "\n", &save);
    CU_ASSERT_EQUAL(sscanf(line, "tiny.xml,%31[^,],%u,%lf,%lf,%lf,%u,%lf,%lf,%lf,%u", pol, &runs,
                           &d1, &c1, &r1, &n1, &d2, &c2, &r2, &n2),
                    10);
    CU_ASSERT_STRING_EQUAL(pol, "nearest");
    CPN_ASSERT_REL(d1, 10, TOL);
    CPN_ASSERT_REL(c1, 2.484138, TOL);
    CPN_ASSERT_REL(r1, 10.0 / 12, TOL);
    CU_ASSERT_EQUAL(n1, 3);
    CPN_ASSERT_REL(d2, 3, TOL);
    CPN_ASSERT_REL(c2, 12.706205, TOL);
    CPN_ASSERT_REL(r2, 1.5, TOL);
    CU_ASSERT_EQUAL(n2, 2);
    CU_ASSERT_PTR_NULL(strtok_r(NULL, "\n", &save)); /* the baseline row is not printed */
    free(out);
    cpn_report_free(r);
    /* Markdown: signed difference, interval, relative difference in per cent, pairs. */
    o.format = CPN_REPORT_MD;
    o.metrics = "job.all.jct.mean";
    o.paired = "policy=random";
    CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
    add(r, "nearest", 1, 20, 5, "0.1.0", "aa");
    add(r, "random", 1, 10, 1, "0.1.0", "aa");
    add(r, "nearest", 2, 21, 5, "0.1.0", "aa");
    add(r, "random", 2, 12, 1, "0.1.0", "aa");
    add(r, "nearest", 3, 25, 5, "0.1.0", "aa");
    add(r, "random", 3, 14, 1, "0.1.0", "aa");
    out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "| tiny.xml | nearest | 3 | +10 ± 2.5 (+83.3%) (n=3) |"));
    free(out);
    cpn_report_free(r);
    /* A baseline no run has, and a key not among --by, are refused. */
    o.paired = "fifo";
    CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
    add(r, "random", 1, 10, 1, "0.1.0", "aa");
    out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "no run has policy = fifo"));
    free(out);
    cpn_report_free(r);
    o.paired = "seed=1";
    CU_ASSERT_EQUAL(cpn_report_new(&o, &r), CPN_ERANGE);
}

static void test_an_unknown_grouping_key_is_refused(void)
{
    /* "polcy" is no built-in key and no run has it as a parameter: refused, nothing printed,
     * and the message lists the keys accepted for these runs (the built-ins and "alpha").
     * "alpha" is accepted because the runs carry it. */
    struct cpn_report *r = NULL;
    struct cpn_report_options o = {.by = "policy,polcy", .format = CPN_REPORT_MD};
    CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
    add(r, "random", 1, 10, 1, "0.1.0", "aa");
    add(r, "nearest", 2, 12, 1, "0.1.0", "aa");
    int rc;
    char *out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_ERANGE);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_STRING_EQUAL(cpn_error_message(),
                           "--by key \"polcy\" is not known (use scenario, policy, awareness, "
                           "seed, version, alpha)");
    free(out);
    cpn_report_free(r);
    o.by = "alpha,seed";
    CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
    add(r, "random", 1, 10, 1, "0.1.0", "aa");
    out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_OK);
    free(out);
    cpn_report_free(r);
}

static void test_mixing_versions_or_scenarios_is_refused_unless_asked(void)
{
    struct cpn_report *r = two_policies_three_seeds(CPN_REPORT_MD, NULL);
    add(r, "random", 4, 11, 1, "0.2.0", "aa");
    int rc;
    char *out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "0.2.0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "--mix"));
    free(out);
    cpn_report_free(r);

    r = two_policies_three_seeds(CPN_REPORT_MD, NULL);
    add(r, "nearest", 4, 11, 1, "0.1.0", "bb");
    out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "different scenarios"));
    free(out);
    cpn_report_free(r);

    /* Two runs of one scenario whose statistics windows start apart (a --set warmup that the
     * report cannot see as a setting here): refused, naming both starts. */
    for (int mix = 0; mix <= 1; mix++) {
        struct cpn_report_options ow = {.format = CPN_REPORT_MD, .mix = mix};
        CU_ASSERT_EQUAL_FATAL(cpn_report_new(&ow, &r), CPN_OK);
        for (int k = 0; k < 2; k++) {
            struct cpn_metric m[2] = {{"run.window_start", "s", k ? 86400 : 0},
                                      {"job.all.jct.mean", "s", 10 + k}};
            struct cpn_report_run run = {.source = k ? "w1.h5" : "w0.h5",
                                         .program_version = "0.1.0",
                                         .scenario_path = "scenarios/tiny.xml",
                                         .scenario_sha256 = "aa",
                                         .policy = "random",
                                         .awareness = "oracle",
                                         .seed = 1 + (uint64_t)k,
                                         .metrics = m,
                                         .n_metrics = 2};
            CU_ASSERT_EQUAL(cpn_report_add_run(r, &run), CPN_OK);
        }
        out = render(r, &rc);
        CU_ASSERT_EQUAL(rc, mix ? CPN_OK : CPN_ESCENARIO);
        if (!mix)
            CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "t = 0 s and from t = 86400 s"));
        free(out);
        cpn_report_free(r);
    }

    struct cpn_report_options o = {.format = CPN_REPORT_MD, .mix = 1};
    CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
    add(r, "random", 1, 10, 1, "0.1.0", "aa");
    add(r, "random", 2, 12, 1, "0.2.0", "bb");
    out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_OK);
    free(out);
    cpn_report_free(r);
}

static void test_invalid_reports_are_refused(void)
{
    struct cpn_report *r = NULL;
    struct cpn_report_options o = {.by = ",", .format = CPN_REPORT_MD};
    CU_ASSERT_EQUAL(cpn_report_new(&o, &r), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_report_new(NULL, &r), CPN_EINVAL);
    o.by = "seed,policy,seed"; /* a key twice: two equal columns */
    CU_ASSERT_EQUAL(cpn_report_new(&o, &r), CPN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "--by names \"seed\" twice"));
    enum cpn_report_format f;
    CU_ASSERT_EQUAL(cpn_report_format_parse("tex", &f), CPN_OK);
    CU_ASSERT_EQUAL(f, CPN_REPORT_TEX);
    CU_ASSERT_EQUAL(cpn_report_format_parse("html", &f), CPN_EINVAL);
    o.by = NULL;
    o.metrics = "nothing.matches";
    CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
    int rc;
    char *out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_ESTATE); /* no run */
    free(out);
    CU_ASSERT_EQUAL(cpn_report_add_run(r, NULL), CPN_EINVAL);
    add(r, "random", 1, 10, 1, "0.1.0", "aa");
    out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_ESCENARIO); /* no metric matches */
    free(out);
    CU_ASSERT_EQUAL(cpn_report_add_file(r, "/nonexistent.h5"), CPN_ENOINPUT);
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        o.metrics = NULL;
        struct cpn_report *r2 = two_policies_three_seeds(CPN_REPORT_MD, NULL);
        CU_ASSERT_EQUAL(cpn_report_write(r2, full), CPN_EIO);
        cpn_report_free(r2);
        fclose(full);
    }
    cpn_report_free(r);
}

/* ---- from trace files ----------------------------------------------------------------------- */

static const char *const kinds[] = {"batch"};

static int write_trace(const char *path, const char *policy, uint64_t seed, double jct,
                       int complete)
{
    struct cpn_summary *s = NULL;
    struct cpn_trace *t = NULL;
    int rc = cpn_summary_new(&s);
    struct cpn_trace_options opt = {
        .path = path, .level = CPN_TRACE_JOBS, .force = 1, .deflate = -1, .summary = s};
    if (rc == CPN_OK)
        rc = cpn_trace_open(&opt, &t);
    struct cpn_observer obs;
    if (rc == CPN_OK)
        cpn_trace_observer(t, &obs);
    struct cpn_run_info in = {.program_version = "0.1.0",
                              .scenario_path = "a/b/tiny.xml",
                              .scenario_text = "<cpnsim/>",
                              .scenario_length = 9,
                              .seed = seed,
                              .policy = policy,
                              .job_kinds = kinds,
                              .n_job_kinds = 1};
    struct cpn_job_record j = {.submit = 0,
                               .start = 0,
                               .end = jct,
                               .wait = 0,
                               .center = 0,
                               .kind = 0,
                               .state = CPN_JOB_DONE,
                               .slo_met = -1};
    if (rc == CPN_OK)
        rc = cpn_observe_begin(&obs, &in);
    if (rc == CPN_OK)
        rc = cpn_observe_job_end(&obs, &j);
    if (rc == CPN_OK)
        rc = cpn_observe_end(&obs, complete, NULL);
    cpn_trace_free(t);
    cpn_summary_free(s);
    return rc;
}

/* A result is the run it records: version, scenario hash, policy, seed and overrides.  The
 * hash of "<cpnsim/>" is from coreutils: printf '<cpnsim/>' | sha256sum. */
static void test_a_result_matches_only_its_own_definition(void)
{
    char dir[] = "/tmp/cpn-match-XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/run.h5", dir);
    CU_ASSERT_EQUAL_FATAL(write_trace(path, "nearest", 3, 10, 1), CPN_OK);
    const char *sha = "aaf491869da7e4ef48cec12709376d23c439a5a591863753abbd4528c09b3a37";
    struct cpn_result_definition want = {
        .program_version = "0.1.0", .scenario_sha256 = sha, .policy = "nearest", .seed = 3};
    CU_ASSERT_EQUAL(cpn_result_matches(path, &want), CPN_OK);
    want.policy = NULL; /* the scenario's own: not compared */
    CU_ASSERT_EQUAL(cpn_result_matches(path, &want), CPN_OK);
    want.seed = 4;
    CU_ASSERT_EQUAL(cpn_result_matches(path, &want), CPN_ESTATE);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(cpn_error_message(), "recorded seed 3, the experiment now asks 4"));
    want.seed = 3;
    want.policy = "random";
    CU_ASSERT_EQUAL(cpn_result_matches(path, &want), CPN_ESTATE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "recorded policy \"nearest\""));
    want.policy = "nearest";
    want.program_version = "0.2.0";
    CU_ASSERT_EQUAL(cpn_result_matches(path, &want), CPN_ESTATE);
    want.program_version = "0.1.0";
    want.scenario_sha256 = "00";
    CU_ASSERT_EQUAL(cpn_result_matches(path, &want), CPN_ESTATE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "scenario SHA-256"));
    want.scenario_sha256 = sha;
    const char *ov[] = {"simulation@until=2h"};
    want.overrides = ov;
    want.n_overrides = 1;
    CU_ASSERT_EQUAL(cpn_result_matches(path, &want), CPN_ESTATE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "recorded 0 --set override(s)"));
    CU_ASSERT_EQUAL(cpn_result_matches("/nonexistent.h5", &want), CPN_ENOINPUT);
    CU_ASSERT_EQUAL(cpn_result_matches(path, NULL), CPN_EINVAL);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_report_and_info_read_trace_files(void)
{
    char dir[] = "/tmp/cpn-report-XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char p[4][128];
    for (int i = 0; i < 4; i++)
        snprintf(p[i], sizeof p[i], "%s/run%d.h5", dir, i);
    CU_ASSERT_EQUAL_FATAL(write_trace(p[0], "random", 1, 10, 1), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(write_trace(p[1], "random", 2, 14, 1), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(write_trace(p[2], "random", 3, 99, 0), CPN_OK); /* interrupted */
    struct cpn_report *r = NULL;
    struct cpn_report_options o = {.metrics = "job.all.jct.mean", .format = CPN_REPORT_CSV};
    CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
    CU_ASSERT_EQUAL(cpn_report_add_file(r, p[0]), CPN_OK);
    CU_ASSERT_EQUAL(cpn_report_add_file(r, p[1]), CPN_OK);
    char partial[160];
    snprintf(partial, sizeof partial, "%s.partial", p[2]);
    CU_ASSERT_EQUAL(cpn_report_add_file(r, partial), CPN_ESTATE);
    /* An HDF5 file that is not a trace; a file that is not HDF5. */
    hid_t f = H5Fcreate(p[3], H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    CU_ASSERT_EQUAL(cpn_report_add_file(r, p[3]), CPN_ESCENARIO);
    CU_ASSERT_EQUAL(cpn_report_info(p[3], stdout, 0), CPN_ESCENARIO);
    char text[170];
    snprintf(text, sizeof text, "%s.txt", p[3]);
    FILE *tf = fopen(text, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(tf);
    fputs("not a trace\n", tf);
    fclose(tf);
    CU_ASSERT_EQUAL(cpn_report_add_file(r, text), CPN_ESCENARIO); /* readable, bad data */
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "not an HDF5 file (no HDF5 signature"));
    remove(text);
    CU_ASSERT_EQUAL(cpn_report_add_file(r, "/"), CPN_ENOINPUT); /* a folder: no input */
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "not a regular file"));
    int rc;
    char *out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_OK);
    /* {10, 14}: mean 12, ci = t(0.975, 1) * sqrt(8) / sqrt(2) = 12.706205 * 2 = 25.41241. */
    double m, c;
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "tiny.xml,random,2,"));
    const char *row = strstr(out, "tiny.xml,random,2,");
    CU_ASSERT(row && sscanf(row, "tiny.xml,random,2,%lf,%lf", &m, &c) == 2);
    CPN_ASSERT_REL(m, 12, TOL);
    CPN_ASSERT_REL(c, 25.41241, TOL);
    free(out);
    cpn_report_free(r);

    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    CU_ASSERT_EQUAL(cpn_report_info(partial, mf, 1), CPN_OK);
    fclose(mf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "INCOMPLETE"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\n  checksum           CRC-32 ")); /* (an interrupted
                                                                            * run's file has one) */
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, " B after the user block, matches\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "/jobs"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<cpnsim/>")); /* with_scenario */
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "job.all.jct.mean"));
    free(buf);
    CU_ASSERT_EQUAL(cpn_report_info("/nonexistent.h5", stdout, 0), CPN_ENOINPUT);
    CU_ASSERT_EQUAL(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0); /* every file closed */
    CU_ASSERT_EQUAL(cpn_report_info(NULL, stdout, 0), CPN_EINVAL);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* A run given twice (the same program, scenario, seed, settings and summary: a copy of one
 * result) is added once, so that the mean over 2 runs of JCT 10 and 14 s stays 12 s with n = 2
 * (not 3); a run differing in its seed only, or in one metric's last bit, is another run. */
static void test_a_run_given_twice_counts_once(void)
{
    struct cpn_report_options o = {.metrics = "job.all.jct.mean", .format = CPN_REPORT_CSV};
    struct cpn_report *r = NULL;
    CU_ASSERT_EQUAL_FATAL(cpn_report_new(&o, &r), CPN_OK);
    add(r, "random", 1, 10, 1, "0.1.0", "aa");
    add(r, "random", 2, 14, 1, "0.1.0", "aa");
    struct cpn_metric m[3] = {
        {"job.all.jct.mean", "s", 10}, {"center.all.energy", "J", 1}, {"net.fct.p95", "s", 1.0}};
    const char *params[1] = {"alpha=0.5"};
    struct cpn_report_run copy = {.source = "copy.h5",
                                  .program_version = "0.1.0",
                                  .scenario_path = "scenarios/tiny.xml",
                                  .scenario_sha256 = "aa",
                                  .policy = "random",
                                  .awareness = "oracle",
                                  .seed = 1,
                                  .params = params,
                                  .n_params = 1,
                                  .metrics = m,
                                  .n_metrics = 3};
    CU_ASSERT_EQUAL(cpn_report_add_run(r, &copy), CPN_ESTATE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(),
                                  "copy.h5: the same run as random-1.h5 (program, scenario, seed, "
                                  "settings and summary): counted once"));
    int rc;
    char *out = render(r, &rc);
    CU_ASSERT_EQUAL(rc, CPN_OK);
    /* mean 12, s = sqrt(8), ci = 12.706205 * sqrt(8) / sqrt(2) = 25.41241 */
    CU_ASSERT_PTR_NOT_NULL(out && strstr(out, ",2,12,"));
    free(out);
    m[0].value = nextafter(10, 11); /* one bit apart: another result */
    CU_ASSERT_EQUAL(cpn_report_add_run(r, &copy), CPN_OK);
    copy.seed = 3;
    m[0].value = 10; /* the same summary, another seed: another run */
    CU_ASSERT_EQUAL(cpn_report_add_run(r, &copy), CPN_OK);
    /* Among 3000 more runs (found by their id, not by comparing with each): a copy of the
     * second run, and one of a run in the middle; its parameter alone changed: another run. */
    for (uint64_t seed = 10; seed < 3010; seed++)
        add(r, "nearest", seed, (double)seed, 1, "0.1.0", "aa");
    copy.seed = 2;
    m[0].value = 14;
    copy.source = "copy2.h5";
    CU_ASSERT_EQUAL(cpn_report_add_run(r, &copy), CPN_ESTATE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "copy2.h5: the same run as random-2.h5"));
    copy.policy = "nearest";
    copy.seed = 1234;
    m[0].value = 1234;
    CU_ASSERT_EQUAL(cpn_report_add_run(r, &copy), CPN_ESTATE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "the same run as nearest-1234.h5"));
    params[0] = "alpha=0.25";
    CU_ASSERT_EQUAL(cpn_report_add_run(r, &copy), CPN_OK);
    cpn_report_free(r);
}

int cpn_test_register_report(void)
{
    CU_pSuite s = CU_add_suite("report", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "CSV means and 95% CIs of two policies x three seeds match hand values",
                     test_csv_means_and_cis_match_hand_computed_values) ||
        !CU_add_test(s, "Markdown and LaTeX show mean ± CI, units and a partial n",
                     test_markdown_and_latex_show_mean_ci_units_and_partial_n) ||
        !CU_add_test(s, "a metric without a unit has no brackets",
                     test_a_metric_without_unit_has_no_brackets) ||
        !CU_add_test(s, "runs group by a policy parameter",
                     test_grouping_by_a_policy_parameter_and_by_seed) ||
        !CU_add_test(s, "paired differences, intervals and relative differences match hand values",
                     test_paired_differences_match_hand_computed_values) ||
        !CU_add_test(s, "an unknown --by key is refused with the accepted keys",
                     test_an_unknown_grouping_key_is_refused) ||
        !CU_add_test(s, "mixing program versions, scenarios or windows is refused unless --mix",
                     test_mixing_versions_or_scenarios_is_refused_unless_asked) ||
        !CU_add_test(s, "invalid reports are refused with the documented codes",
                     test_invalid_reports_are_refused) ||
        !CU_add_test(s, "a result matches only the definition it records",
                     test_a_result_matches_only_its_own_definition) ||
        !CU_add_test(s, "report and info read trace files; incomplete ones are left out",
                     test_report_and_info_read_trace_files) ||
        !CU_add_test(s, "a run given twice counts once", test_a_run_given_twice_counts_once))
        return CU_get_error();
    return CUE_SUCCESS;
}
