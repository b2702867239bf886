/* Synthetic workload: distribution expressions and arrival processes (see workload.h). */
#include "models/workload/workload.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "sim/error.h"

/* Most arguments of a fixed-arity family (pareto has 3). */
#define DIST_MAX_ARGS 3

/* Copy [s, e) without surrounding blanks into buf (size CPN_DIST_MAX_TEXT + 1). */
static void copy_trimmed(const char *s, const char *e, char *buf)
{
    while (s < e && isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    size_t n = (size_t)(e - s);
    if (n > CPN_DIST_MAX_TEXT)
        n = CPN_DIST_MAX_TEXT;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

/* A finite decimal number filling the whole of text. */
static int parse_number(const char *text, double *out)
{
    char *end;
    if (!*text || isspace((unsigned char)*text))
        return -1;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Convert a quantity argument through the caller's function, or as a plain number. */
static int parse_arg(const char *family, int index, const char *text,
                     cpn_quantity_parse_fn *parse_quantity, void *ctx, double *out, char *why,
                     size_t whylen)
{
    if (!*text)
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "%s: argument %d is empty", family, index);
    if (!parse_quantity) {
        if (parse_number(text, out) != 0)
            return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                                 "%s: argument %d \"%s\" is not a number", family, index, text);
        return CPN_OK;
    }
    char reason[512] = "";
    if (parse_quantity(text, ctx, out, reason, sizeof reason) != 0)
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "%s: argument %d: %s", family, index,
                             reason);
    if (!isfinite(*out))
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "%s: argument %d \"%s\" is not finite",
                             family, index, text);
    return CPN_OK;
}

/* A dimensionless argument (alpha, mu, sigma, a weight). */
static int parse_plain(const char *family, const char *name, const char *text, double *out,
                       char *why, size_t whylen)
{
    if (parse_number(text, out) != 0)
        return CPN_ERROR_WHY(
            CPN_ESCENARIO, why, whylen,
            "%s: %s \"%s\" is not a number (it is dimensionless: write it without a unit)", family,
            name, text);
    return CPN_OK;
}

/* Split the argument list [s, e) at top-level commas into trimmed copies. */
static int split_args(const char *s, const char *e, char args[][CPN_DIST_MAX_TEXT + 1], int max,
                      int *nargs)
{
    int n = 0;
    const char *p = s;
    for (;;) {
        const char *c = memchr(p, ',', (size_t)(e - p));
        const char *stop = c ? c : e;
        if (n == max)
            return -1;
        copy_trimmed(p, stop, args[n++]);
        if (!c)
            break;
        p = c + 1;
    }
    *nargs = n;
    return 0;
}

static const char *const FORMS =
    "const(x), uniform(a,b), exp(mean), lognormal(mu,sigma), pareto(alpha,min,max), "
    "weibull(scale,shape) or choice(v1:w1,v2:w2,...)";

static int parse_choice(const char *s, const char *e, cpn_quantity_parse_fn *parse_quantity,
                        void *ctx, struct cpn_dist *d, char *why, size_t whylen)
{
    size_t n = 1;
    for (const char *p = s; p < e; p++)
        n += *p == ',';
    if (n > CPN_DIST_MAX_CHOICES)
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                             "choice: %zu values, at most %d are accepted", n,
                             CPN_DIST_MAX_CHOICES);
    d->values = malloc(n * sizeof *d->values);
    d->weights = malloc(n * sizeof *d->weights);
    if (!d->values || !d->weights)
        return CPN_ERROR_WHY(CPN_ENOMEM, why, whylen, "choice: out of memory");
    d->n = n;
    char item[CPN_DIST_MAX_TEXT + 1];
    double total = 0.0;
    const char *p = s;
    for (size_t i = 0; i < n; i++) {
        const char *c = memchr(p, ',', (size_t)(e - p));
        const char *stop = c ? c : e;
        copy_trimmed(p, stop, item);
        char *colon = strrchr(item, ':');
        if (!colon)
            return CPN_ERROR_WHY(
                CPN_ESCENARIO, why, whylen,
                "choice: item %zu \"%s\" has no weight (write value:weight, e.g. 8:0.1)", i + 1,
                item);
        *colon = '\0';
        char value[CPN_DIST_MAX_TEXT + 1], weight[CPN_DIST_MAX_TEXT + 1];
        copy_trimmed(item, colon, value);
        copy_trimmed(colon + 1, colon + 1 + strlen(colon + 1), weight);
        int rc =
            parse_arg("choice", (int)i + 1, value, parse_quantity, ctx, &d->values[i], why, whylen);
        if (rc != CPN_OK)
            return rc;
        if ((rc = parse_plain("choice", "weight", weight, &d->weights[i], why, whylen)) != CPN_OK)
            return rc;
        if (d->weights[i] < 0)
            return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "choice: weight \"%s\" is negative",
                                 weight);
        total += d->weights[i];
        p = stop + 1;
    }
    if (!(total > 0))
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                             "choice: all weights are 0 (give one > 0)");
    d->table = gsl_ran_discrete_preproc(n, d->weights);
    if (!d->table)
        return CPN_ERROR_WHY(CPN_ENOMEM, why, whylen, "choice: cannot build the alias table");
    return CPN_OK;
}

/* Check the arity of a family. */
static int want_args(const char *family, const char *names, int want, int got, char *why,
                     size_t whylen)
{
    if (got == want)
        return CPN_OK;
    return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "%s(%s) takes %d argument%s, got %d", family,
                         names, want, want == 1 ? "" : "s", got);
}

static int parse_family(const char *name, const char *s, const char *e, cpn_quantity_parse_fn *pq,
                        void *ctx, struct cpn_dist *d, char *why, size_t whylen)
{
    char args[DIST_MAX_ARGS][CPN_DIST_MAX_TEXT + 1];
    int n = 0, rc;
    if (strcmp(name, "choice") == 0) {
        d->kind = CPN_DIST_CHOICE;
        return parse_choice(s, e, pq, ctx, d, why, whylen);
    }
    if (split_args(s, e, args, DIST_MAX_ARGS, &n) != 0)
        n = DIST_MAX_ARGS + 1;
    if (strcmp(name, "const") == 0) {
        d->kind = CPN_DIST_CONST;
        if ((rc = want_args(name, "x", 1, n, why, whylen)) != CPN_OK)
            return rc;
        return parse_arg(name, 1, args[0], pq, ctx, &d->a, why, whylen);
    }
    if (strcmp(name, "uniform") == 0) {
        d->kind = CPN_DIST_UNIFORM;
        if ((rc = want_args(name, "a,b", 2, n, why, whylen)) != CPN_OK ||
            (rc = parse_arg(name, 1, args[0], pq, ctx, &d->a, why, whylen)) != CPN_OK ||
            (rc = parse_arg(name, 2, args[1], pq, ctx, &d->b, why, whylen)) != CPN_OK)
            return rc;
        if (d->a > d->b)
            return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                                 "uniform(a,b): a \"%s\" is greater than b \"%s\" (use a <= b)",
                                 args[0], args[1]);
        return CPN_OK;
    }
    if (strcmp(name, "exp") == 0) {
        d->kind = CPN_DIST_EXP;
        if ((rc = want_args(name, "mean", 1, n, why, whylen)) != CPN_OK ||
            (rc = parse_arg(name, 1, args[0], pq, ctx, &d->a, why, whylen)) != CPN_OK)
            return rc;
        if (!(d->a > 0))
            return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                                 "exp(mean): mean \"%s\" is not positive", args[0]);
        return CPN_OK;
    }
    if (strcmp(name, "lognormal") == 0) {
        d->kind = CPN_DIST_LOGNORMAL;
        if ((rc = want_args(name, "mu,sigma", 2, n, why, whylen)) != CPN_OK ||
            (rc = parse_plain(name, "mu", args[0], &d->a, why, whylen)) != CPN_OK ||
            (rc = parse_plain(name, "sigma", args[1], &d->b, why, whylen)) != CPN_OK)
            return rc;
        if (!(d->b > 0))
            return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                                 "lognormal(mu,sigma): sigma \"%s\" is not positive", args[1]);
        return CPN_OK;
    }
    if (strcmp(name, "pareto") == 0) {
        d->kind = CPN_DIST_PARETO;
        if ((rc = want_args(name, "alpha,min,max", 3, n, why, whylen)) != CPN_OK ||
            (rc = parse_plain(name, "alpha", args[0], &d->alpha, why, whylen)) != CPN_OK ||
            (rc = parse_arg(name, 2, args[1], pq, ctx, &d->a, why, whylen)) != CPN_OK ||
            (rc = parse_arg(name, 3, args[2], pq, ctx, &d->b, why, whylen)) != CPN_OK)
            return rc;
        if (!(d->alpha > 0))
            return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                                 "pareto(alpha,min,max): alpha \"%s\" is not positive", args[0]);
        if (!(d->a > 0 && d->a < d->b))
            return CPN_ERROR_WHY(
                CPN_ESCENARIO, why, whylen,
                "pareto(alpha,min,max): needs 0 < min < max, got min \"%s\", max \"%s\"", args[1],
                args[2]);
        return CPN_OK;
    }
    if (strcmp(name, "weibull") == 0) {
        d->kind = CPN_DIST_WEIBULL;
        if ((rc = want_args(name, "scale,shape", 2, n, why, whylen)) != CPN_OK ||
            (rc = parse_arg(name, 1, args[0], pq, ctx, &d->a, why, whylen)) != CPN_OK ||
            (rc = parse_plain(name, "shape", args[1], &d->b, why, whylen)) != CPN_OK)
            return rc;
        if (!(d->a > 0) || !(d->b > 0))
            return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                                 "weibull(scale,shape): needs scale > 0 and shape > 0, got "
                                 "\"%s\", \"%s\"",
                                 args[0], args[1]);
        return CPN_OK;
    }
    return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "\"%s\" is not a distribution (use %s)", name,
                         FORMS);
}

int cpn_dist_parse(const char *text, cpn_quantity_parse_fn *parse_quantity, void *ctx,
                   struct cpn_dist *out, char *why, size_t whylen)
{
    if (why && whylen)
        why[0] = '\0';
    if (!text || !out)
        return CPN_ERROR_WHY(CPN_EINVAL, why, whylen, "cpn_dist_parse: NULL argument");
    memset(out, 0, sizeof *out);
    size_t len = strlen(text);
    if (len > CPN_DIST_MAX_TEXT)
        return CPN_ERROR_WHY(
            CPN_ESCENARIO, why, whylen,
            "distribution expression is %zu characters long, at most %d are accepted", len,
            CPN_DIST_MAX_TEXT);
    const char *open = strchr(text, '(');
    char name[CPN_DIST_MAX_TEXT + 1];
    int rc;
    if (!open) {
        /* A bare quantity is a constant. */
        copy_trimmed(text, text + len, name);
        if (!*name)
            return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "empty distribution (use %s)", FORMS);
        out->kind = CPN_DIST_CONST;
        rc = parse_arg("const", 1, name, parse_quantity, ctx, &out->a, why, whylen);
    } else {
        const char *close = strrchr(text, ')');
        copy_trimmed(text, open, name);
        if (!close || close < open) {
            rc = CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "\"%s\" lacks a closing \")\"", text);
        } else {
            const char *tail = close + 1;
            while (isspace((unsigned char)*tail))
                tail++;
            if (*tail)
                rc = CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                                   "unexpected \"%s\" after \")\" in \"%s\"", tail, text);
            else
                rc = parse_family(name, open + 1, close, parse_quantity, ctx, out, why, whylen);
        }
    }
    if (rc != CPN_OK)
        cpn_dist_release(out);
    return rc;
}

int cpn_dist_init_const(struct cpn_dist *d, double x)
{
    if (!d || !isfinite(x))
        return CPN_ERROR(CPN_EINVAL, "cpn_dist_init_const: NULL distribution or non-finite value");
    memset(d, 0, sizeof *d);
    d->kind = CPN_DIST_CONST;
    d->a = x;
    return CPN_OK;
}

void cpn_dist_release(struct cpn_dist *d)
{
    if (!d)
        return;
    free(d->values);
    free(d->weights);
    if (d->table)
        gsl_ran_discrete_free(d->table);
    memset(d, 0, sizeof *d);
}

double cpn_dist_sample(const struct cpn_dist *d, gsl_rng *r)
{
    switch (d->kind) {
    case CPN_DIST_CONST:
        return d->a;
    case CPN_DIST_UNIFORM:
        return gsl_ran_flat(r, d->a, d->b);
    case CPN_DIST_EXP:
        return gsl_ran_exponential(r, d->a);
    case CPN_DIST_LOGNORMAL:
        return gsl_ran_lognormal(r, d->a, d->b);
    case CPN_DIST_PARETO: {
        double lo = d->a, hi = d->b, u = gsl_rng_uniform(r);
        double x = lo * pow(1.0 - u * (1.0 - pow(lo / hi, d->alpha)), -1.0 / d->alpha);
        return fmin(fmax(x, lo), hi);
    }
    case CPN_DIST_CHOICE:
        return d->values[gsl_ran_discrete(r, d->table)];
    case CPN_DIST_WEIBULL:
        return gsl_ran_weibull(r, d->a, d->b);
    }
    CPN_ASSERT(!"unknown distribution kind");
    return NAN;
}

double cpn_dist_mean(const struct cpn_dist *d)
{
    switch (d->kind) {
    case CPN_DIST_CONST:
        return d->a;
    case CPN_DIST_UNIFORM:
        return 0.5 * (d->a + d->b);
    case CPN_DIST_EXP:
        return d->a;
    case CPN_DIST_LOGNORMAL:
        return exp(d->a + 0.5 * d->b * d->b);
    case CPN_DIST_PARETO: {
        double lo = d->a, hi = d->b, al = d->alpha;
        double norm = 1.0 - pow(lo / hi, al);
        if (al == 1.0)
            return log(hi / lo) * lo * hi / (hi - lo);
        return al * pow(lo, al) * (pow(hi, 1.0 - al) - pow(lo, 1.0 - al)) / ((1.0 - al) * norm);
    }
    case CPN_DIST_WEIBULL: /* scale x Gamma(1 + 1/shape) */
        return d->a * gsl_sf_gamma(1.0 + 1.0 / d->b);
    case CPN_DIST_CHOICE: {
        double sum = 0.0, total = 0.0;
        for (size_t i = 0; i < d->n; i++) {
            sum += d->values[i] * d->weights[i];
            total += d->weights[i];
        }
        return sum / total;
    }
    }
    CPN_ASSERT(!"unknown distribution kind");
    return NAN;
}

/* ------------------------------------------------------------------------------------------ */
/* Arrivals */

int cpn_arrivals_init_poisson(struct cpn_arrivals *a, double rate)
{
    if (!a)
        return CPN_ERROR(CPN_EINVAL, "cpn_arrivals_init_poisson: NULL process");
    if (!(rate >= 0) || !isfinite(rate))
        return CPN_ERROR(CPN_ERANGE, "arrival rate %g/s is not a finite rate >= 0", rate);
    memset(a, 0, sizeof *a);
    a->kind = CPN_ARRIVAL_POISSON;
    a->rate = a->rate_max = rate;
    return CPN_OK;
}

int cpn_arrivals_init_sinusoid(struct cpn_arrivals *a, double rate, double amplitude, double phase)
{
    if (!a)
        return CPN_ERROR(CPN_EINVAL, "cpn_arrivals_init_sinusoid: NULL process");
    if (!(rate >= 0) || !isfinite(rate))
        return CPN_ERROR(CPN_ERANGE, "arrival rate %g/s is not a finite rate >= 0", rate);
    if (!(amplitude >= 0 && amplitude <= 1))
        return CPN_ERROR(CPN_ERANGE, "diurnal amplitude %g is outside [0, 1]", amplitude);
    if (!isfinite(phase))
        return CPN_ERROR(CPN_ERANGE, "diurnal phase %g s is not finite", phase);
    memset(a, 0, sizeof *a);
    a->kind = CPN_ARRIVAL_SINUSOID;
    a->rate = rate;
    a->amplitude = amplitude;
    a->phase = phase;
    a->rate_max = rate * (1.0 + amplitude);
    return CPN_OK;
}

int cpn_arrivals_init_hourly(struct cpn_arrivals *a, const double hourly[CPN_HOURS_PER_DAY],
                             double phase)
{
    if (!a || !hourly)
        return CPN_ERROR(CPN_EINVAL, "cpn_arrivals_init_hourly: NULL argument");
    if (!isfinite(phase))
        return CPN_ERROR(CPN_ERANGE, "diurnal phase %g s is not finite", phase);
    double max = 0.0, sum = 0.0;
    for (int h = 0; h < CPN_HOURS_PER_DAY; h++) {
        if (!(hourly[h] >= 0) || !isfinite(hourly[h]))
            return CPN_ERROR(CPN_ERANGE, "hourly rate %d is %g/s, not a finite rate >= 0", h,
                             hourly[h]);
        max = fmax(max, hourly[h]);
        sum += hourly[h];
    }
    memset(a, 0, sizeof *a);
    a->kind = CPN_ARRIVAL_HOURLY;
    memcpy(a->hourly, hourly, sizeof a->hourly);
    a->phase = phase;
    a->rate = sum / CPN_HOURS_PER_DAY;
    a->rate_max = max;
    return CPN_OK;
}

double cpn_arrivals_rate(const struct cpn_arrivals *a, double t)
{
    switch (a->kind) {
    case CPN_ARRIVAL_POISSON:
        return a->rate;
    case CPN_ARRIVAL_SINUSOID:
        return a->rate * (1.0 + a->amplitude * sin(2.0 * M_PI * (t - a->phase) / CPN_DAY));
    case CPN_ARRIVAL_HOURLY: {
        double s = fmod(t - a->phase, CPN_DAY);
        if (s < 0)
            s += CPN_DAY;
        int h = (int)(s / 3600.0);
        return a->hourly[h < CPN_HOURS_PER_DAY ? h : CPN_HOURS_PER_DAY - 1];
    }
    }
    CPN_ASSERT(!"unknown arrival kind");
    return NAN;
}

int cpn_arrivals_next(const struct cpn_arrivals *a, double now, gsl_rng *r, double *t_next)
{
    if (!a || !r || !t_next || !isfinite(now))
        return CPN_ERROR(CPN_EINVAL, "cpn_arrivals_next: NULL argument or non-finite time");
    if (!(a->rate_max > 0)) {
        *t_next = INFINITY;
        return CPN_OK;
    }
    double t = now;
    if (a->kind == CPN_ARRIVAL_POISSON) {
        *t_next = t + gsl_ran_exponential(r, 1.0 / a->rate);
        return CPN_OK;
    }
    /* Thinning: candidates of the homogeneous process at rate_max, kept w.p. lambda(t)/rate_max. */
    for (;;) {
        t += gsl_ran_exponential(r, 1.0 / a->rate_max);
        if (gsl_rng_uniform(r) * a->rate_max < cpn_arrivals_rate(a, t)) {
            *t_next = t;
            return CPN_OK;
        }
    }
}
