/* Suite "workload": distribution expressions, sampling and arrival processes
 * (models/workload/workload.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "models/workload/workload.h"
#include "sim/error.h"
#include "sim/rng.h"
#include "tests/unit/suites.h"

/* Draws for the mean checks: the standard error is then sd / 316. */
#define DRAWS 100000

/* Allowed deviation of a sample statistic from its expectation [standard errors]: the chance
 * that a correct implementation fails is about 6e-7 per check (normal tail beyond 5 sigma). */
#define SIGMAS 5.0

/*
 * A small stand-in for scenarios/units.h (models/ must not depend on it): "Ns" -> N seconds,
 * "Nmin" -> 60 N, "NGB" -> 1e9 N; anything else is rejected with a reason.
 */
static int test_quantity(const char *text, void *ctx, double *out, char *why, size_t whylen)
{
    int *calls = ctx;
    double v;
    char unit[16];
    if (calls)
        (*calls)++;
    if (sscanf(text, "%lf%15s", &v, unit) != 2) {
        snprintf(why, whylen, "\"%s\" has no unit (use e.g. \"5s\")", text);
        return CPN_ESCENARIO;
    }
    if (strcmp(unit, "s") == 0)
        *out = v;
    else if (strcmp(unit, "min") == 0)
        *out = 60.0 * v;
    else if (strcmp(unit, "GB") == 0)
        *out = 1e9 * v;
    else {
        snprintf(why, whylen, "unit \"%s\" is unknown", unit);
        return CPN_ESCENARIO;
    }
    return CPN_OK;
}

static void test_parse_forms(void)
{
    struct cpn_dist d;
    char why[512];
    int calls = 0;

    CU_ASSERT_EQUAL(cpn_dist_parse("const(5min)", test_quantity, &calls, &d, why, sizeof why),
                    CPN_OK);
    CU_ASSERT_EQUAL(d.kind, CPN_DIST_CONST);
    CU_ASSERT_EQUAL(d.a, 300.0);
    CU_ASSERT_EQUAL(calls, 1);
    cpn_dist_release(&d);

    /* A bare quantity is a constant. */
    CU_ASSERT_EQUAL(cpn_dist_parse(" 2GB ", test_quantity, NULL, &d, why, sizeof why), CPN_OK);
    CU_ASSERT_EQUAL(d.kind, CPN_DIST_CONST);
    CU_ASSERT_EQUAL(d.a, 2e9);
    cpn_dist_release(&d);

    CU_ASSERT_EQUAL(
        cpn_dist_parse("uniform( 1min , 90s )", test_quantity, NULL, &d, why, sizeof why), CPN_OK);
    CU_ASSERT_EQUAL(d.kind, CPN_DIST_UNIFORM);
    CU_ASSERT_EQUAL(d.a, 60.0);
    CU_ASSERT_EQUAL(d.b, 90.0);
    cpn_dist_release(&d);

    CU_ASSERT_EQUAL(cpn_dist_parse("exp(30s)", test_quantity, NULL, &d, why, sizeof why), CPN_OK);
    CU_ASSERT_EQUAL(d.kind, CPN_DIST_EXP);
    CU_ASSERT_EQUAL(d.a, 30.0);
    cpn_dist_release(&d);

    /* lognormal's mu and sigma are dimensionless: the callback is not called for them. */
    calls = 0;
    CU_ASSERT_EQUAL(cpn_dist_parse("lognormal(3, 1.5)", test_quantity, &calls, &d, why, sizeof why),
                    CPN_OK);
    CU_ASSERT_EQUAL(d.kind, CPN_DIST_LOGNORMAL);
    CU_ASSERT_EQUAL(d.a, 3.0);
    CU_ASSERT_EQUAL(d.b, 1.5);
    CU_ASSERT_EQUAL(calls, 0);
    cpn_dist_release(&d);

    CU_ASSERT_EQUAL(
        cpn_dist_parse("pareto(1.5, 1min, 2min)", test_quantity, NULL, &d, why, sizeof why),
        CPN_OK);
    CU_ASSERT_EQUAL(d.kind, CPN_DIST_PARETO);
    CU_ASSERT_EQUAL(d.alpha, 1.5);
    CU_ASSERT_EQUAL(d.a, 60.0);
    CU_ASSERT_EQUAL(d.b, 120.0);
    cpn_dist_release(&d);

    CU_ASSERT_EQUAL(
        cpn_dist_parse("choice(1s:0.9, 8s : 0.1)", test_quantity, NULL, &d, why, sizeof why),
        CPN_OK);
    CU_ASSERT_EQUAL(d.kind, CPN_DIST_CHOICE);
    CU_ASSERT_EQUAL(d.n, 2);
    CU_ASSERT_EQUAL(d.values[1], 8.0);
    CU_ASSERT_EQUAL(d.weights[1], 0.1);
    CU_ASSERT_PTR_NOT_NULL(d.table);
    cpn_dist_release(&d);
    CU_ASSERT_PTR_NULL(d.values);

    /* Without a callback, arguments are plain numbers (e.g. GPU counts). */
    CU_ASSERT_EQUAL(cpn_dist_parse("choice(1:3,8:1)", NULL, NULL, &d, why, sizeof why), CPN_OK);
    CU_ASSERT_EQUAL(d.values[0], 1.0);
    cpn_dist_release(&d);
    cpn_dist_release(NULL);

    CU_ASSERT_EQUAL(cpn_dist_init_const(&d, 4.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_dist_sample(&d, NULL), 4.0);
    CU_ASSERT_EQUAL(cpn_dist_init_const(&d, NAN), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_dist_init_const(NULL, 1.0), CPN_EINVAL);
}

/* Parse @p text with the unit callback and expect CPN_ESCENARIO with exactly @p msg. */
static void expect_reject(const char *text, cpn_quantity_parse_fn *pq, const char *msg)
{
    struct cpn_dist d;
    char why[2048];
    int rc = cpn_dist_parse(text, pq, NULL, &d, why, sizeof why);
    CU_ASSERT_EQUAL(rc, CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(why, msg);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(), msg);
    if (strcmp(why, msg) != 0)
        printf("\n  for %s\n  got:  %s\n  want: %s\n", text, why, msg);
    CU_ASSERT_PTR_NULL(d.values);
    CU_ASSERT_PTR_NULL(d.table);
}

static void test_parse_rejections(void)
{
    cpn_quantity_parse_fn *q = test_quantity;
    expect_reject("gamma(1,2)", q,
                  "\"gamma\" is not a distribution (use const(x), uniform(a,b), exp(mean), "
                  "lognormal(mu,sigma), pareto(alpha,min,max), weibull(scale,shape) or "
                  "choice(v1:w1,v2:w2,...))");
    expect_reject("", q,
                  "empty distribution (use const(x), uniform(a,b), exp(mean), "
                  "lognormal(mu,sigma), pareto(alpha,min,max), weibull(scale,shape) or "
                  "choice(v1:w1,v2:w2,...))");
    expect_reject("uniform(1s,2s", q, "\"uniform(1s,2s\" lacks a closing \")\"");
    expect_reject("exp(5s) x", q, "unexpected \"x\" after \")\" in \"exp(5s) x\"");
    expect_reject("uniform(1s,2s,3s)", q, "uniform(a,b) takes 2 arguments, got 3");
    expect_reject("exp(1s,2s)", q, "exp(mean) takes 1 argument, got 2");
    expect_reject("const()", q, "const: argument 1 is empty");
    expect_reject("pareto(1,2s)", q, "pareto(alpha,min,max) takes 3 arguments, got 2");
    expect_reject("pareto(1,1s,2s,3s,4s)", q, "pareto(alpha,min,max) takes 3 arguments, got 4");
    expect_reject("uniform(,1s)", q, "uniform: argument 1 is empty");
    expect_reject("uniform(2s,1s)", q,
                  "uniform(a,b): a \"2s\" is greater than b \"1s\" (use a <= b)");
    expect_reject("exp(0s)", q, "exp(mean): mean \"0s\" is not positive");
    expect_reject("exp(5)", q, "exp: argument 1: \"5\" has no unit (use e.g. \"5s\")");
    expect_reject("exp(5parsec)", q, "exp: argument 1: unit \"parsec\" is unknown");
    expect_reject("exp(abc)", NULL, "exp: argument 1 \"abc\" is not a number");
    expect_reject("lognormal(3s,1)", q,
                  "lognormal: mu \"3s\" is not a number (it is dimensionless: write it without "
                  "a unit)");
    expect_reject("lognormal(3,0)", q, "lognormal(mu,sigma): sigma \"0\" is not positive");
    expect_reject("pareto(0,1s,2s)", q, "pareto(alpha,min,max): alpha \"0\" is not positive");
    expect_reject("pareto(1.5,2s,1s)", q,
                  "pareto(alpha,min,max): needs 0 < min < max, got min \"2s\", max \"1s\"");
    expect_reject("pareto(1.5,0s,1s)", q,
                  "pareto(alpha,min,max): needs 0 < min < max, got min \"0s\", max \"1s\"");
    expect_reject("choice(1s, 2s:1)", q,
                  "choice: item 1 \"1s\" has no weight (write value:weight, e.g. 8:0.1)");
    expect_reject("choice(1s:-1, 2s:1)", q, "choice: weight \"-1\" is negative");
    expect_reject("choice(1s:0, 2s:0)", q, "choice: all weights are 0 (give one > 0)");
    expect_reject("choice(1s:x)", q,
                  "choice: weight \"x\" is not a number (it is dimensionless: write it without a "
                  "unit)");
    expect_reject("choice(1:1)", q, "choice: argument 1: \"1\" has no unit (use e.g. \"5s\")");

    /* More than CPN_DIST_MAX_CHOICES values, and an overlong expression. */
    char text[CPN_DIST_MAX_TEXT + 64];
    strcpy(text, "choice(");
    for (int i = 0; i <= CPN_DIST_MAX_CHOICES; i++)
        strcat(text, i ? ",1:1" : "1:1");
    strcat(text, ")");
    expect_reject(text, NULL, "choice: 257 values, at most 256 are accepted");
    memset(text, ' ', CPN_DIST_MAX_TEXT + 1);
    text[CPN_DIST_MAX_TEXT + 1] = '\0';
    char msg[128];
    snprintf(msg, sizeof msg,
             "distribution expression is %d characters long, at most %d are accepted",
             CPN_DIST_MAX_TEXT + 1, CPN_DIST_MAX_TEXT);
    expect_reject(text, NULL, msg);

    struct cpn_dist d;
    CU_ASSERT_EQUAL(cpn_dist_parse(NULL, NULL, NULL, &d, NULL, 0), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_dist_parse("exp(1)", NULL, NULL, NULL, NULL, 0), CPN_EINVAL);
}

/*
 * Draw DRAWS samples of @p text and check the sample mean against @p mean (computed by hand in
 * the caller) within SIGMAS standard errors of the mean, the standard error estimated from the
 * sample; also check cpn_dist_mean() against the same hand value to 1e-12.
 */
static void check_mean(const char *text, double mean, double lo, double hi)
{
    static double x[DRAWS];
    struct cpn_dist d;
    char why[256];
    CU_ASSERT_EQUAL_FATAL(cpn_dist_parse(text, NULL, NULL, &d, why, sizeof why), CPN_OK);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12345);
    int inside = 1;
    for (int i = 0; i < DRAWS; i++) {
        x[i] = cpn_dist_sample(&d, r);
        inside &= x[i] >= lo && x[i] <= hi;
    }
    double m = gsl_stats_mean(x, 1, DRAWS), se = gsl_stats_sd_m(x, 1, DRAWS, m) / sqrt(DRAWS);
    CU_ASSERT(fabs(m - mean) <= SIGMAS * se);
    CU_ASSERT(inside);
    CPN_ASSERT_REL(cpn_dist_mean(&d), mean, 1e-12);
    if (!(fabs(m - mean) <= SIGMAS * se))
        printf("\n  %s: sample mean %g, expected %g +- %g\n", text, m, mean, SIGMAS * se);
    gsl_rng_free(r);
    cpn_dist_release(&d);
}

static void test_sample_means(void)
{
    check_mean("const(7)", 7.0, 7.0, 7.0);
    check_mean("uniform(2,6)", 4.0, 2.0, 6.0);
    check_mean("exp(3)", 3.0, 0.0, INFINITY);
    /* E = exp(mu + sigma^2 / 2) = exp(1 + 0.125). */
    check_mean("lognormal(1,0.5)", exp(1.125), 0.0, INFINITY);
    /* E = (1*3 + 8*1) / 4. */
    check_mean("choice(1:3,8:1)", 2.75, 1.0, 8.0);
    /* Bounded Pareto alpha 1.5 on [1, 100]: E = alpha L^a (H^(1-a) - L^(1-a)) / ((1-a)(1-(L/H)^a))
     * = 1.5 (0.1 - 1) / (-0.5 * (1 - 0.001)) = 1.35 / 0.4995. */
    check_mean("pareto(1.5,1,100)", 1.35 / 0.4995, 1.0, 100.0);
    /* alpha = 1 on [1, 10]: E = ln(H/L) L H / (H - L) = ln(10) * 10 / 9. */
    check_mean("pareto(1,1,10)", log(10.0) * 10.0 / 9.0, 1.0, 10.0);
    /* Weibull scale 2, shape 1: the exponential of mean 2 (Gamma(2) = 1); shape 0.5:
     * E = 3 Gamma(3) = 6. */
    check_mean("weibull(2,1)", 2.0, 0.0, INFINITY);
    check_mean("weibull(3,0.5)", 6.0, 0.0, INFINITY);
    /* A heavy tail (alpha 0.5) still stays within [min, max]. */
    check_mean("pareto(0.5,1,1e6)", 0.5 * (1e3 - 1.0) / (0.5 * (1.0 - 1e-3)), 1.0, 1e6);
}

static void test_same_seed_same_sequence(void)
{
    struct cpn_rng *a = cpn_rng_new(42), *b = cpn_rng_new(42), *c = cpn_rng_new(43);
    gsl_rng *ra, *rb, *rc;
    CU_ASSERT_FATAL(a && b && c);
    CU_ASSERT_EQUAL(cpn_rng_stream(a, "workload/gen", &ra), CPN_OK);
    CU_ASSERT_EQUAL(cpn_rng_stream(b, "workload/gen", &rb), CPN_OK);
    CU_ASSERT_EQUAL(cpn_rng_stream(c, "workload/gen", &rc), CPN_OK);
    struct cpn_arrivals p;
    struct cpn_dist d;
    CU_ASSERT_EQUAL(cpn_arrivals_init_sinusoid(&p, 0.01, 0.5, 0.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_dist_parse("lognormal(2,1)", NULL, NULL, &d, NULL, 0), CPN_OK);
    double ta = 0, tb = 0, tc = 0;
    int same = 1, differ = 0;
    for (int i = 0; i < 1000; i++) {
        cpn_arrivals_next(&p, ta, ra, &ta);
        cpn_arrivals_next(&p, tb, rb, &tb);
        cpn_arrivals_next(&p, tc, rc, &tc);
        double xa = cpn_dist_sample(&d, ra), xb = cpn_dist_sample(&d, rb);
        same &= ta == tb && xa == xb;
        differ |= ta != tc;
        (void)cpn_dist_sample(&d, rc);
    }
    CU_ASSERT(same);
    CU_ASSERT(differ);
    cpn_dist_release(&d);
    cpn_rng_free(a);
    cpn_rng_free(b);
    cpn_rng_free(c);
}

static void test_poisson_count(void)
{
    /* lambda 0.5/s over 2e5 s: N ~ Poisson(1e5), sd sqrt(1e5) = 316. */
    struct cpn_arrivals p;
    CU_ASSERT_EQUAL(cpn_arrivals_init_poisson(&p, 0.5), CPN_OK);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    double t = 0, horizon = 2e5, expected = 0.5 * horizon;
    long n = 0;
    int rc = CPN_OK;
    for (;;) {
        rc |= cpn_arrivals_next(&p, t, r, &t);
        if (t >= horizon)
            break;
        n++;
    }
    CU_ASSERT_EQUAL(rc, CPN_OK);
    CU_ASSERT(fabs(n - expected) <= SIGMAS * sqrt(expected));
    CU_ASSERT_EQUAL(cpn_arrivals_rate(&p, 123.0), 0.5);

    /* Rate 0: no arrival ever. */
    CU_ASSERT_EQUAL(cpn_arrivals_init_poisson(&p, 0.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_arrivals_next(&p, 5.0, r, &t), CPN_OK);
    CU_ASSERT(isinf(t) && t > 0);
    gsl_rng_free(r);
}

/* Count arrivals per hour of the day over @p days; compare with @p expected_per_day[h] x days
 * within SIGMAS Poisson standard deviations. */
static void check_hour_profile(const struct cpn_arrivals *p, int days,
                               const double expected_per_day[CPN_HOURS_PER_DAY])
{
    long count[CPN_HOURS_PER_DAY] = {0};
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 99);
    double t = 0, horizon = days * CPN_DAY;
    for (;;) {
        cpn_arrivals_next(p, t, r, &t);
        if (t >= horizon)
            break;
        count[(int)(fmod(t, CPN_DAY) / 3600.0)]++;
    }
    for (int h = 0; h < CPN_HOURS_PER_DAY; h++) {
        double e = expected_per_day[h] * days;
        int ok = fabs(count[h] - e) <= SIGMAS * sqrt(e) || (e == 0 && count[h] == 0);
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  hour %d: %ld arrivals, expected %g\n", h, count[h], e);
    }
    gsl_rng_free(r);
}

static void test_diurnal_sinusoid_profile(void)
{
    /* lambda(t) = 0.2 (1 + 0.8 sin(2 pi t / day)): the expected count in hour h of one day is the
     * integral 0.2 (3600 + 0.8 day / (2 pi) (cos(2 pi h / 24) - cos(2 pi (h+1) / 24))). */
    struct cpn_arrivals p;
    CU_ASSERT_EQUAL(cpn_arrivals_init_sinusoid(&p, 0.2, 0.8, 0.0), CPN_OK);
    double e[CPN_HOURS_PER_DAY];
    for (int h = 0; h < CPN_HOURS_PER_DAY; h++)
        e[h] = 0.2 * (3600.0 + 0.8 * CPN_DAY / (2 * M_PI) *
                                   (cos(2 * M_PI * h / 24.0) - cos(2 * M_PI * (h + 1) / 24.0)));
    check_hour_profile(&p, 30, e);
    /* Peak at a quarter day, trough at three quarters, mean at the phase. */
    CPN_ASSERT_REL(cpn_arrivals_rate(&p, CPN_DAY / 4), 0.36, 1e-12);
    CPN_ASSERT_REL(cpn_arrivals_rate(&p, 3 * CPN_DAY / 4), 0.04, 1e-12);
    CPN_ASSERT_REL(cpn_arrivals_rate(&p, 0.0), 0.2, 1e-12);
    /* A 6 h phase moves the peak to 12:00. */
    CU_ASSERT_EQUAL(cpn_arrivals_init_sinusoid(&p, 0.2, 0.8, 6 * 3600.0), CPN_OK);
    CPN_ASSERT_REL(cpn_arrivals_rate(&p, 12 * 3600.0), 0.36, 1e-12);
}

static void test_diurnal_hourly_profile(void)
{
    /* Rate (h+1)/100 per second in hour h, none at all in hour 3. */
    double rates[CPN_HOURS_PER_DAY], e[CPN_HOURS_PER_DAY];
    for (int h = 0; h < CPN_HOURS_PER_DAY; h++)
        rates[h] = h == 3 ? 0.0 : (h + 1) / 100.0;
    struct cpn_arrivals p;
    CU_ASSERT_EQUAL(cpn_arrivals_init_hourly(&p, rates, 0.0), CPN_OK);
    for (int h = 0; h < CPN_HOURS_PER_DAY; h++)
        e[h] = rates[h] * 3600.0;
    check_hour_profile(&p, 30, e);
    CU_ASSERT_EQUAL(p.rate_max, 0.24);
    /* Phase 1 h: hour 0 of the profile starts at 01:00; negative times wrap to the day before. */
    CU_ASSERT_EQUAL(cpn_arrivals_init_hourly(&p, rates, 3600.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_arrivals_rate(&p, 1.5 * 3600.0), rates[0]);
    CU_ASSERT_EQUAL(cpn_arrivals_rate(&p, 0.5 * 3600.0), rates[23]);
    CU_ASSERT_EQUAL(cpn_arrivals_rate(&p, -CPN_DAY + 1.5 * 3600.0), rates[0]);
}

static void test_arrival_errors(void)
{
    struct cpn_arrivals p;
    double rates[CPN_HOURS_PER_DAY] = {0};
    double t;
    CU_ASSERT_EQUAL(cpn_arrivals_init_poisson(NULL, 1.0), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_arrivals_init_poisson(&p, -1.0), CPN_ERANGE);
    CU_ASSERT_EQUAL(cpn_arrivals_init_poisson(&p, INFINITY), CPN_ERANGE);
    CU_ASSERT_EQUAL(cpn_arrivals_init_sinusoid(NULL, 1.0, 0.5, 0), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_arrivals_init_sinusoid(&p, 1.0, 1.5, 0), CPN_ERANGE);
    CU_ASSERT_EQUAL(cpn_arrivals_init_sinusoid(&p, -1.0, 0.5, 0), CPN_ERANGE);
    CU_ASSERT_EQUAL(cpn_arrivals_init_sinusoid(&p, 1.0, 0.5, NAN), CPN_ERANGE);
    CU_ASSERT_EQUAL(cpn_arrivals_init_hourly(NULL, rates, 0), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_arrivals_init_hourly(&p, rates, INFINITY), CPN_ERANGE);
    rates[5] = -1.0;
    CU_ASSERT_EQUAL(cpn_arrivals_init_hourly(&p, rates, 0), CPN_ERANGE);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(), "hourly rate 5 is -1/s, not a finite rate >= 0");
    CU_ASSERT_EQUAL(cpn_arrivals_init_poisson(&p, 1.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_arrivals_next(&p, NAN, NULL, &t), CPN_EINVAL);
    /* An all-zero hourly profile never produces an arrival (and does not loop). */
    rates[5] = 0.0;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    CU_ASSERT_EQUAL(cpn_arrivals_init_hourly(&p, rates, 0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_arrivals_next(&p, 0.0, r, &t), CPN_OK);
    CU_ASSERT(isinf(t));
    gsl_rng_free(r);
}

int cpn_test_register_workload(void)
{
    CU_pSuite s = CU_add_suite("workload", NULL, NULL);
    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "each distribution form parses to its parameters in SI units",
                     test_parse_forms) ||
        !CU_add_test(s, "each malformed expression is rejected with its exact reason",
                     test_parse_rejections) ||
        !CU_add_test(s,
                     "sample means match the analytic means within 5 standard errors and "
                     "bounded Pareto stays in [min, max]",
                     test_sample_means) ||
        !CU_add_test(s, "the same seed and stream name give the same arrivals and samples",
                     test_same_seed_same_sequence) ||
        !CU_add_test(s, "a Poisson process at 0.5/s gives 1e5 +- 5 sd arrivals in 2e5 s",
                     test_poisson_count) ||
        !CU_add_test(s, "sinusoidal thinning follows lambda(t) hour by hour",
                     test_diurnal_sinusoid_profile) ||
        !CU_add_test(s, "hourly-profile thinning follows the profile, zero hours stay empty",
                     test_diurnal_hourly_profile) ||
        !CU_add_test(s, "invalid arrival parameters are rejected", test_arrival_errors))
        return CU_get_error();
    return CUE_SUCCESS;
}
