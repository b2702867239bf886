/*
 * End-of-run metrics (output/summary.h): records accumulate into arrays, statistics come from
 * GSL (gsl_stats_mean, gsl_stats_max, gsl_stats_select + gsl_stats_quantile_from_sorted_data;
 * gsl_rstat beyond the exact store).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rstat.h>
#include <gsl/gsl_statistics_double.h>

#include "output/summary.h"
#include "output/atomic.h"
#include "sim/array.h"

typedef CPN_ARRAY(double) double_array;

/* The quantiles every population reports (add_stats(), add_mean_p95_max()).  The first is the
 * median, which a running population takes from gsl_rstat's own P-square estimator
 * (gsl_rstat_add() feeds one, gsl_rstat_median() reads it): a separate estimator of the median
 * would be fed the same values and give the same figure (one P-square update in four saved). */
static const double quantile_f[] = {0.50, 0.95, 0.99};
#define N_QUANTILES (sizeof quantile_f / sizeof *quantile_f)
#define Q_OWN       1 /* quantile_f[Q_OWN ..] have estimators of their own (struct pop) */

/* One population of values (JCTs of a kind, flow completion times, ...): kept exactly while it
 * has at most `exact_max` values, then summarised by GSL's running statistics (mean, max) and
 * P-square quantile estimators (Jain and Chlamtac 1985), fed every value in arrival order, so
 * that memory stays bounded however long the run (docs/metrics.md, "Estimators"). */
struct pop {
    double_array v;                               /* the values while exact */
    gsl_rstat_workspace *rs;                      /* after: mean and max */
    gsl_rstat_quantile_workspace *q[N_QUANTILES]; /* after: quantile_f[i], i >= Q_OWN */
};

/* Per job kind (and one more slot for "all"). */
struct kind_acc {
    char *name;
    size_t count, completed, rejected, failed;
    size_t slo_known, slo_violated;
    struct pop jct, wait, bsld, tsld; /* tsld: transfer slowdown of transfer-only jobs */
};

/* Per inference source (service): its requests. */
struct service_acc {
    char *id;
    size_t count, slo_known, slo_violated;
    struct pop latency;
};

struct center_acc {
    char *id;
    uint32_t units;
};

struct cpn_summary {
    int begun, ended, complete;
    char *currency;
    struct kind_acc *kinds; /* n_kinds + 1: the last is "all" */
    size_t n_kinds;
    struct center_acc *centers;
    size_t n_centers;
    char **link_ids; /* per link (availability rows) */
    size_t n_links;
    struct service_acc *services; /* per source; id NULL for sources that are not inference */
    size_t n_services;
    struct cpn_run_pool *pools;
    size_t n_pools;
    /* records */
    struct pop fct, staleness, req_latency;
    /* compute records: efficiency of streamed and of iterated jobs, iteration times, exposure */
    struct pop eff_stream, eff_train, iter_mean, exposed, convergence;
    size_t exact_max; /* values kept per population for exact percentiles */
    size_t computes;
    /* headlines: name, metric (NULL: a flow's rate), scale or per, flow id, observed rate */
    struct headline {
        char *name, *metric;
        double scale, per, rate; /* rate: sum of the mean rates of its flows seen so far */
        uint64_t *flows;         /* its flows' record ids */
        size_t n_flows, seen;    /* flows, of which finished */
    } * heads;
    size_t n_heads;
    size_t flows, req_slo_known, req_slo_violated, requests;
    double bytes;
    /* sample sums */
    double *link_sum, *center_sum;
    size_t n_link_dirs, n_samples;
    /* totals (copied at end) */
    double time_end;
    double events;
    double *pool_busy, *center_energy, *center_cost, *center_carbon, *center_charge, *link_util;
    double *pool_capacity; /* units present integrated per pool [unit s] (NULL: fixed sizes) */
    double *link_down;     /* per link: time down so far [s], when the totals gave it */
    double *center_down;   /* per center: time down so far [s], likewise */
    double *job_submitted; /* per kind, when the totals gave them (else NULL) */
    double wlog_skipped;   /* NaN without totals */
    double wlog_cancelled; /* NaN without totals */
    double wlog_rows, wlog_malformed, wlog_outside, wlog_filtered, wlog_replayed,
        wlog_after_until;            /* NaN without totals */
    double decisions, conflicts;     /* NaN without totals */
    double requeued, lost_work;      /* center failures (NaN without totals) */
    double migrated, migrated_bytes; /* migrations (NaN without totals) */
    double bw_granted, bw_refused;   /* elastic bandwidth requests (NaN without totals) */
    double bw_setup;                 /* their summed set-up times [s] (NaN without totals) */
    /* the statistics window (docs/metrics.md, "Window"): [warmup, its close] */
    double warmup;     /* from the run info */
    uint64_t first_id; /* jobs with a smaller id were submitted before the window opened */
    struct snap {
        int have;
        double time, decisions, conflicts, requeued, lost_work, bw_granted, bw_refused;
        double migrated, migrated_bytes, bw_setup;
        double *pool_busy, *energy, *cost, *carbon, *charge, *link_util, *submitted, *link_down;
        double *center_down, *pool_capacity;
    } open, close; /* the totals when the window opened and closed (have = 0: not seen) */
    /* computed table */
    CPN_ARRAY(struct cpn_metric) rows;
    int dirty;
};

static char *dup_or(const char *s, const char *fallback)
{
    return strdup(s ? s : fallback);
}

static void pop_release(struct pop *p)
{
    cpn_array_release(&p->v);
    if (p->rs) /* GSL's free functions do not accept NULL */
        gsl_rstat_free(p->rs);
    for (size_t i = 0; i < N_QUANTILES; i++)
        if (p->q[i])
            gsl_rstat_quantile_free(p->q[i]);
    *p = (struct pop){0};
}

static void snap_release(struct snap *w)
{
    free(w->pool_busy);
    free(w->energy);
    free(w->cost);
    free(w->carbon);
    free(w->charge);
    free(w->link_util);
    free(w->submitted);
    free(w->link_down);
    free(w->center_down);
    free(w->pool_capacity);
    *w = (struct snap){0};
}

static void free_rows(struct cpn_summary *s)
{
    for (size_t i = 0; i < s->rows.len; i++)
        free((char *)s->rows.items[i].name);
    s->rows.len = 0;
}

void cpn_summary_free(struct cpn_summary *s)
{
    if (!s)
        return;
    for (size_t k = 0; s->kinds && k <= s->n_kinds; k++) {
        free(s->kinds[k].name);
        pop_release(&s->kinds[k].jct);
        pop_release(&s->kinds[k].wait);
        pop_release(&s->kinds[k].bsld);
        pop_release(&s->kinds[k].tsld);
    }
    free(s->kinds);
    for (size_t c = 0; s->centers && c < s->n_centers; c++)
        free(s->centers[c].id);
    free(s->centers);
    for (size_t i = 0; s->services && i < s->n_services; i++) {
        free(s->services[i].id);
        pop_release(&s->services[i].latency);
    }
    free(s->services);
    free(s->pools);
    free(s->currency);
    pop_release(&s->fct);
    pop_release(&s->staleness);
    pop_release(&s->req_latency);
    for (size_t i = 0; i < s->n_heads; i++) {
        free(s->heads[i].name);
        free(s->heads[i].metric);
        free(s->heads[i].flows);
    }
    free(s->heads);
    pop_release(&s->eff_stream);
    pop_release(&s->eff_train);
    pop_release(&s->iter_mean);
    pop_release(&s->exposed);
    pop_release(&s->convergence);
    free(s->link_sum);
    free(s->center_sum);
    free(s->pool_busy);
    free(s->pool_capacity);
    free(s->center_energy);
    free(s->center_cost);
    free(s->center_carbon);
    free(s->center_charge);
    free(s->job_submitted);
    free(s->link_util);
    free(s->link_down);
    free(s->center_down);
    for (size_t i = 0; s->link_ids && i < s->n_links; i++)
        free(s->link_ids[i]);
    free(s->link_ids);
    snap_release(&s->open);
    snap_release(&s->close);
    free_rows(s);
    cpn_array_release(&s->rows);
    free(s);
}

int cpn_summary_new(struct cpn_summary **out)
{
    if (!out)
        return CPN_ERROR(CPN_EINVAL, "cpn_summary_new: NULL out");
    *out = calloc(1, sizeof **out);
    if (!*out)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    (*out)->dirty = 1;
    (*out)->exact_max = CPN_SUMMARY_EXACT_MAX;
    (*out)->wlog_skipped = NAN; /* until totals say otherwise */
    (*out)->wlog_cancelled = NAN;
    (*out)->wlog_rows = (*out)->wlog_malformed = (*out)->wlog_outside = NAN;
    (*out)->wlog_filtered = (*out)->wlog_replayed = (*out)->wlog_after_until = NAN;
    (*out)->decisions = (*out)->conflicts = NAN;
    (*out)->requeued = (*out)->lost_work = NAN;
    (*out)->migrated = (*out)->migrated_bytes = NAN;
    (*out)->bw_granted = (*out)->bw_refused = (*out)->bw_setup = NAN;
    return CPN_OK;
}

static int summary_begin(void *ctx, const struct cpn_run_info *info)
{
    struct cpn_summary *s = ctx;
    if (s->begun)
        return CPN_ERROR(CPN_ESTATE, "summary: begin called twice");
    if (!info)
        return CPN_ERROR(CPN_EINVAL, "summary: begin without run info");
    s->begun = 1;
    s->dirty = 1;
    s->n_kinds = info->n_job_kinds;
    s->kinds = calloc(s->n_kinds + 1, sizeof *s->kinds);
    s->n_centers = info->n_centers;
    s->centers = calloc(s->n_centers ? s->n_centers : 1, sizeof *s->centers);
    s->n_pools = info->n_pools;
    s->pools = calloc(s->n_pools ? s->n_pools : 1, sizeof *s->pools);
    s->currency = dup_or(info->currency, "1");
    if (!s->kinds || !s->centers || !s->pools || !s->currency)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t k = 0; k < s->n_kinds; k++)
        if (!(s->kinds[k].name = dup_or(info->job_kinds[k], "?")))
            return CPN_ERROR(CPN_ENOMEM, NULL);
    if (!(s->kinds[s->n_kinds].name = strdup("all")))
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t c = 0; c < s->n_centers; c++) {
        s->centers[c].units = info->centers[c].units;
        if (!(s->centers[c].id = dup_or(info->centers[c].id, "?")))
            return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    if (s->n_pools)
        memcpy(s->pools, info->pools, s->n_pools * sizeof *s->pools);
    s->n_links = info->n_links;
    if (!(s->link_ids = calloc(s->n_links ? s->n_links : 1, sizeof *s->link_ids)))
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t i = 0; i < s->n_links; i++)
        if (!(s->link_ids[i] = dup_or(info->links ? info->links[i].id : NULL, "?")))
            return CPN_ERROR(CPN_ENOMEM, NULL);
    /* Requests are reported per inference source too (docs/metrics.md). */
    s->n_services = info->n_sources;
    if (!(s->services = calloc(s->n_services ? s->n_services : 1, sizeof *s->services)))
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t i = 0; i < s->n_services; i++) {
        uint8_t k = info->source_kinds ? info->source_kinds[i] : UINT8_MAX;
        if (k < s->n_kinds && strcmp(s->kinds[k].name, "inference") == 0 &&
            !(s->services[i].id = dup_or(info->sources[i], "?")))
            return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    s->warmup = isfinite(info->warmup) && info->warmup > 0 ? info->warmup : 0;
    s->first_id = s->warmup > 0 ? UINT64_MAX : 0; /* known when the window opens */
    return CPN_OK;
}

static int push(double_array *a, double v)
{
    return cpn_array_push(a, v) == CPN_OK ? CPN_OK : CPN_ERROR(CPN_ENOMEM, NULL);
}

/* Feed @p v to the running statistics of @p p. */
static void pop_stream(struct pop *p, double v)
{
    gsl_rstat_add(v, p->rs); /* (and the median's estimator) */
    for (size_t i = Q_OWN; i < N_QUANTILES; i++)
        gsl_rstat_quantile_add(v, p->q[i]);
}

/* Add a value to a population of the summary @p s (exact up to s->exact_max values). */
static int pop_add(const struct cpn_summary *s, struct pop *p, double v)
{
    if (!p->rs && p->v.len < s->exact_max)
        return push(&p->v, v);
    if (!p->rs) { /* the population outgrows its exact store: summarise what it holds */
        if (!(p->rs = gsl_rstat_alloc()))
            return CPN_ERROR(CPN_ENOMEM, NULL);
        for (size_t i = Q_OWN; i < N_QUANTILES; i++)
            if (!(p->q[i] = gsl_rstat_quantile_alloc(quantile_f[i])))
                return CPN_ERROR(CPN_ENOMEM, NULL);
        for (size_t i = 0; i < p->v.len; i++)
            pop_stream(p, p->v.items[i]);
        cpn_array_release(&p->v);
    }
    pop_stream(p, v);
    return CPN_OK;
}

static int add_job_to(const struct cpn_summary *s, struct kind_acc *k,
                      const struct cpn_job_record *r)
{
    k->count++;
    if (r->slo_met >= 0) {
        k->slo_known++;
        k->slo_violated += r->slo_met == 0;
    }
    if (r->state == CPN_JOB_REJECTED) {
        k->rejected++;
        return CPN_OK;
    }
    int rc = CPN_OK;
    if (isfinite(r->start)) { /* it executed: wait and bsld (docs/metrics.md), killed included */
        double bsld = (r->end - r->submit) / fmax(r->end - r->start, CPN_BSLD_TAU);
        if (isfinite(r->wait))
            rc = pop_add(s, &k->wait, r->wait);
        if (rc == CPN_OK && isfinite(bsld))
            rc = pop_add(s, &k->bsld, fmax(1.0, bsld));
    }
    if (r->state != CPN_JOB_DONE) {
        k->failed++;
        return rc;
    }
    k->completed++;
    if (rc == CPN_OK && r->ideal_transfer > 0) /* NaN for jobs that do not only move data */
        rc = pop_add(s, &k->tsld, (r->end - r->submit) / r->ideal_transfer);
    return rc == CPN_OK ? pop_add(s, &k->jct, r->end - r->submit) : rc;
}

static int summary_job_end(void *ctx, const struct cpn_job_record *r)
{
    struct cpn_summary *s = ctx;
    if (!s->begun)
        return CPN_ERROR(CPN_ESTATE, "summary: job record before begin");
    if (r->kind >= s->n_kinds)
        return CPN_ERROR(CPN_EINVAL, "summary: job %u has kind %u, only %zu kinds", r->id,
                         (unsigned)r->kind, s->n_kinds);
    if (s->warmup > 0 && !(r->submit > s->warmup))
        return CPN_OK; /* submitted before the window opened (arrivals at the warmup instant
                          arrived before it: the opening counts them as submitted) */
    s->dirty = 1;
    int rc = add_job_to(s, &s->kinds[r->kind], r);
    if (rc == CPN_OK)
        rc = add_job_to(s, &s->kinds[s->n_kinds], r);
    if (rc == CPN_OK && isfinite(r->staleness))
        rc = pop_add(s, &s->staleness, r->staleness);
    return rc;
}

static int summary_flow_end(void *ctx, const struct cpn_flow_record *r)
{
    struct cpn_summary *s = ctx;
    if (r->start < s->warmup)
        return CPN_OK; /* started before the window opened */
    s->dirty = 1;
    s->flows++;
    s->bytes += r->bytes;
    for (size_t i = 0; r->job == CPN_NONE && i < s->n_heads; i++)
        for (size_t k = 0; k < s->heads[i].n_flows; k++)
            if (r->id == s->heads[i].flows[k] && r->end > r->start) {
                s->heads[i].rate += r->bytes / (r->end - r->start);
                s->heads[i].seen++;
            }
    return pop_add(s, &s->fct, r->end - r->start);
}

int cpn_summary_add_headline(struct cpn_summary *s, const char *name, const char *metric,
                             double scale, const uint64_t *flows, size_t n_flows, double per)
{
    if (!s || !name || (!metric && (!(per > 0) || !flows || !n_flows)))
        return CPN_ERROR(CPN_EINVAL, "cpn_summary_add_headline: bad argument");
    struct headline *h = realloc(s->heads, (s->n_heads + 1) * sizeof *h);
    if (!h)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    s->heads = h;
    h = &s->heads[s->n_heads];
    *h = (struct headline){strdup(name), metric ? strdup(metric) : NULL, scale, per, 0,
                           NULL,         metric ? 0 : n_flows,           0};
    if (!metric && (h->flows = malloc(n_flows * sizeof *h->flows)))
        memcpy(h->flows, flows, n_flows * sizeof *flows);
    if (!h->name || (metric && !h->metric) || (!metric && !h->flows)) {
        free(h->name);
        free(h->metric);
        free(h->flows);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    s->n_heads++;
    s->dirty = 1;
    return CPN_OK;
}

static int summary_compute_end(void *ctx, const struct cpn_compute_record *r)
{
    struct cpn_summary *s = ctx;
    if (r->job < s->first_id)
        return CPN_OK; /* its job was submitted before the window opened */
    s->dirty = 1;
    s->computes++;
    int rc = CPN_OK;
    if (r->streamed)
        rc = pop_add(s, &s->eff_stream, r->efficiency);
    if (rc == CPN_OK && r->iterations > 0) {
        rc = pop_add(s, &s->eff_train, r->efficiency);
        if (rc == CPN_OK)
            rc = pop_add(s, &s->iter_mean, r->iter_mean);
        if (rc == CPN_OK)
            rc = pop_add(s, &s->exposed, r->exposed);
        if (rc == CPN_OK && isfinite(r->convergence))
            rc = pop_add(s, &s->convergence, r->convergence);
    }
    return rc;
}

static int summary_request_end(void *ctx, const struct cpn_request_record *r)
{
    struct cpn_summary *s = ctx;
    if (r->time < s->warmup)
        return CPN_OK; /* arrived before the window opened */
    s->dirty = 1;
    s->requests++;
    if (r->slo_met >= 0) {
        s->req_slo_known++;
        s->req_slo_violated += r->slo_met == 0;
    }
    if (r->source < s->n_services && s->services[r->source].id) {
        struct service_acc *v = &s->services[r->source];
        v->count++;
        if (r->slo_met >= 0) {
            v->slo_known++;
            v->slo_violated += r->slo_met == 0;
        }
        int rc = isnan(r->latency) ? CPN_OK : pop_add(s, &v->latency, r->latency);
        if (rc != CPN_OK)
            return rc;
    }
    /* A failed request (its service's center failed) has no latency: counted, not timed. */
    return isnan(r->latency) ? CPN_OK : pop_add(s, &s->req_latency, r->latency);
}

static int summary_sample(void *ctx, double time, const float *link_util, size_t n_link_dirs,
                          const float *center_util, size_t n_centers, const float *pool_util,
                          size_t n_pools)
{
    struct cpn_summary *s = ctx;
    (void)time, (void)pool_util, (void)n_pools; /* the pools' figures come from the totals */
    if (!s->begun)
        return CPN_ERROR(CPN_ESTATE, "summary: sample before begin");
    if (!s->link_sum) {
        s->n_link_dirs = n_link_dirs;
        s->link_sum = calloc(n_link_dirs ? n_link_dirs : 1, sizeof *s->link_sum);
        s->center_sum = calloc(s->n_centers ? s->n_centers : 1, sizeof *s->center_sum);
        if (!s->link_sum || !s->center_sum)
            return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    if (n_link_dirs != s->n_link_dirs || n_centers != s->n_centers)
        return CPN_ERROR(CPN_EINVAL,
                         "summary: sample with %zu link directions and %zu centers, "
                         "expected %zu and %zu",
                         n_link_dirs, n_centers, s->n_link_dirs, s->n_centers);
    if ((s->warmup > 0 && time <= s->warmup) || (s->close.have && time > s->close.time))
        return CPN_OK; /* outside the window (the first sample covers the interval before it) */
    s->dirty = 1;
    s->n_samples++;
    for (size_t i = 0; i < n_link_dirs; i++)
        s->link_sum[i] += link_util[i];
    for (size_t i = 0; i < n_centers; i++)
        s->center_sum[i] += center_util[i];
    return CPN_OK;
}

/* Copy an optional totals array of @p n doubles. */
static int copy_totals(double **dst, const double *src, size_t n)
{
    free(*dst);
    *dst = NULL;
    if (!src || n == 0)
        return CPN_OK;
    if (!(*dst = malloc(n * sizeof **dst)))
        return CPN_ERROR(CPN_ENOMEM, NULL);
    memcpy(*dst, src, n * sizeof **dst);
    return CPN_OK;
}

/* Keep the totals of @p t that the window subtracts (docs/metrics.md, "Window"). */
static int snap_take(struct cpn_summary *s, struct snap *w, const struct cpn_run_totals *t)
{
    snap_release(w);
    w->have = 1;
    w->time = t->time_end;
    w->decisions = t->have_decisions ? (double)t->decisions : NAN;
    w->conflicts = t->have_decisions ? (double)t->conflicts : NAN;
    w->requeued = t->have_decisions ? (double)t->requeued : NAN;
    w->lost_work = t->have_decisions ? t->lost_work : NAN;
    w->migrated = t->have_decisions ? (double)t->migrated : NAN;
    w->migrated_bytes = t->have_decisions ? t->migrated_bytes : NAN;
    w->bw_granted = t->have_decisions ? (double)t->bw_granted : NAN;
    w->bw_refused = t->have_decisions ? (double)t->bw_refused : NAN;
    w->bw_setup = t->have_decisions ? t->bw_setup : NAN;
    int rc = CPN_OK;
    if (t->pool_busy && t->n_pools == s->n_pools)
        rc = copy_totals(&w->pool_busy, t->pool_busy, s->n_pools);
    if (rc == CPN_OK && t->pool_capacity && t->n_pools == s->n_pools)
        rc = copy_totals(&w->pool_capacity, t->pool_capacity, s->n_pools);
    if (rc == CPN_OK && t->n_centers == s->n_centers) {
        rc = copy_totals(&w->energy, t->center_energy, s->n_centers);
        if (rc == CPN_OK)
            rc = copy_totals(&w->cost, t->center_cost, s->n_centers);
        if (rc == CPN_OK)
            rc = copy_totals(&w->carbon, t->center_carbon, s->n_centers);
        if (rc == CPN_OK)
            rc = copy_totals(&w->charge, t->center_charge, s->n_centers);
    }
    if (rc == CPN_OK && t->link_util && t->n_link_dirs == s->n_link_dirs)
        rc = copy_totals(&w->link_util, t->link_util, s->n_link_dirs);
    if (rc == CPN_OK && t->link_down && t->n_links == s->n_links)
        rc = copy_totals(&w->link_down, t->link_down, s->n_links);
    if (rc == CPN_OK && t->center_down && t->n_centers == s->n_centers)
        rc = copy_totals(&w->center_down, t->center_down, s->n_centers);
    if (rc == CPN_OK && t->job_submitted && t->n_job_kinds == s->n_kinds) {
        if (!(w->submitted = malloc((s->n_kinds ? s->n_kinds : 1) * sizeof *w->submitted)))
            return CPN_ERROR(CPN_ENOMEM, NULL);
        for (size_t k = 0; k < s->n_kinds; k++)
            w->submitted[k] = (double)t->job_submitted[k];
    }
    return rc;
}

static int summary_window(void *ctx, int closes, const struct cpn_run_totals *t)
{
    struct cpn_summary *s = ctx;
    if (!s->begun)
        return CPN_ERROR(CPN_ESTATE, "summary: window before begin");
    if (!t)
        return CPN_ERROR(CPN_EINVAL, "summary: window without totals");
    if (s->n_link_dirs == 0)
        s->n_link_dirs = t->n_link_dirs;
    s->dirty = 1;
    if (closes)
        return snap_take(s, &s->close, t);
    /* Job ids are dense in submission order: those submitted so far are before the window. */
    s->first_id = 0;
    for (size_t k = 0; t->job_submitted && k < t->n_job_kinds; k++)
        s->first_id += t->job_submitted[k];
    s->warmup = t->time_end;
    return snap_take(s, &s->open, t);
}

static int summary_end(void *ctx, int complete, const struct cpn_run_totals *t)
{
    struct cpn_summary *s = ctx;
    if (!s->begun)
        return CPN_ERROR(CPN_ESTATE, "summary: end before begin");
    s->ended = 1;
    s->complete = complete != 0;
    s->dirty = 1;
    if (!t)
        return CPN_OK;
    if ((t->pool_busy && t->n_pools != s->n_pools) ||
        ((t->center_energy || t->center_cost || t->center_carbon) && t->n_centers != s->n_centers))
        return CPN_ERROR(CPN_EINVAL,
                         "summary: totals for %zu pools and %zu centers, the run has "
                         "%zu and %zu",
                         t->n_pools, t->n_centers, s->n_pools, s->n_centers);
    s->time_end = t->time_end;
    s->events = (double)t->events;
    int rc = copy_totals(&s->pool_busy, t->pool_busy, s->n_pools);
    if (rc == CPN_OK && t->pool_capacity)
        rc = copy_totals(&s->pool_capacity, t->pool_capacity, s->n_pools);
    if (rc == CPN_OK)
        rc = copy_totals(&s->center_energy, t->center_energy, s->n_centers);
    if (rc == CPN_OK)
        rc = copy_totals(&s->center_cost, t->center_cost, s->n_centers);
    if (rc == CPN_OK)
        rc = copy_totals(&s->center_carbon, t->center_carbon, s->n_centers);
    if (rc == CPN_OK && t->center_charge)
        rc = copy_totals(&s->center_charge, t->center_charge, s->n_centers);
    s->wlog_skipped = (double)t->wlog_skipped;
    s->wlog_cancelled = (double)t->wlog_cancelled;
    s->wlog_rows = (double)t->wlog_rows;
    s->wlog_malformed = (double)t->wlog_malformed;
    s->wlog_outside = (double)t->wlog_outside;
    s->wlog_filtered = (double)t->wlog_filtered;
    s->wlog_replayed = (double)t->wlog_replayed;
    s->wlog_after_until = (double)t->wlog_after_until;
    if (t->have_decisions) {
        s->decisions = (double)t->decisions;
        s->conflicts = (double)t->conflicts;
        s->requeued = (double)t->requeued;
        s->lost_work = t->lost_work;
        s->migrated = (double)t->migrated;
        s->migrated_bytes = t->migrated_bytes;
        s->bw_granted = (double)t->bw_granted;
        s->bw_refused = (double)t->bw_refused;
        s->bw_setup = t->bw_setup;
    }
    if (rc == CPN_OK && t->job_submitted && t->n_job_kinds == s->n_kinds) {
        free(s->job_submitted);
        if (!(s->job_submitted = malloc((s->n_kinds + 1) * sizeof *s->job_submitted)))
            rc = CPN_ERROR(CPN_ENOMEM, NULL);
        for (size_t k = 0; rc == CPN_OK && k < s->n_kinds; k++)
            s->job_submitted[k] = (double)t->job_submitted[k];
    }
    if (rc == CPN_OK && t->link_util) {
        s->n_link_dirs = t->n_link_dirs;
        rc = copy_totals(&s->link_util, t->link_util, t->n_link_dirs);
    }
    if (rc == CPN_OK && t->link_down && t->n_links == s->n_links)
        rc = copy_totals(&s->link_down, t->link_down, s->n_links);
    if (rc == CPN_OK && t->center_down && t->n_centers == s->n_centers)
        rc = copy_totals(&s->center_down, t->center_down, s->n_centers);
    return rc;
}

void cpn_summary_observer(struct cpn_summary *s, struct cpn_observer *obs)
{
    *obs = (struct cpn_observer){
        .ctx = s,
        .begin = summary_begin,
        .job_end = summary_job_end,
        .flow_end = summary_flow_end,
        .request_end = summary_request_end,
        .compute_end = summary_compute_end,
        .event = NULL,
        .sample = summary_sample,
        .end = summary_end,
        .window = summary_window,
    };
}

/* ---- the table ----------------------------------------------------------------------------- */

static int add_row(struct cpn_summary *s, const char *unit, double value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int add_row(struct cpn_summary *s, const char *unit, double value, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *name = NULL;
    int len = vasprintf(&name, fmt, ap);
    va_end(ap);
    if (len < 0)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    struct cpn_metric m = {.name = name, .unit = unit, .value = value};
    if (cpn_array_push(&s->rows, m) != CPN_OK) {
        free(name);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    return CPN_OK;
}

/* The mean, the quantiles quantile_f[] and the maximum of @p p into @p mean, @p q (length
 * N_QUANTILES) and @p max (NaN when empty): exact from the values (reordered in place), else
 * the running estimates. */
static void pop_stats(struct pop *p, double *mean, double *q, double *max)
{
    size_t n = p->v.len;
    if (p->rs) {
        *mean = gsl_rstat_mean(p->rs);
        q[0] = gsl_rstat_median(p->rs);
        for (size_t i = Q_OWN; i < N_QUANTILES; i++)
            q[i] = gsl_rstat_quantile_get(p->q[i]);
        *max = gsl_rstat_max(p->rs);
    } else if (n) {
        double *v = p->v.items;
        *mean = gsl_stats_mean(v, 1, n); /* in arrival order, before the selections */
        *max = gsl_stats_max(v, 1, n);
        for (size_t i = 0; i < N_QUANTILES; i++) {
            /* gsl_stats_quantile_from_sorted_data reads the order statistics lhs and lhs + 1
             * only, lhs = floor(f (n - 1)): Hoare's selection (gsl_stats_select) puts them in
             * place in O(n), where sorting took O(n log n); the figure is the same. */
            size_t lhs = (size_t)(quantile_f[i] * (double)(n - 1));
            gsl_stats_select(v, 1, n, lhs);
            if (lhs + 1 < n)
                gsl_stats_select(v + lhs + 1, 1, n - lhs - 1, 0);
            q[i] = gsl_stats_quantile_from_sorted_data(v, 1, n, quantile_f[i]);
        }
    } else {
        *mean = *max = NAN;
        for (size_t i = 0; i < N_QUANTILES; i++)
            q[i] = NAN;
    }
}

/* Add NAME.mean, .p50, .p95, .p99 of @p p (NaN for an empty set). */
static int add_stats(struct cpn_summary *s, struct pop *p, const char *unit, const char *name)
{
    static const char *const suffix[N_QUANTILES] = {"p50", "p95", "p99"};
    double mean, q[N_QUANTILES], max;
    pop_stats(p, &mean, q, &max);
    int rc = add_row(s, unit, mean, "%s.mean", name);
    for (size_t i = 0; rc == CPN_OK && i < N_QUANTILES; i++)
        rc = add_row(s, unit, q[i], "%s.%s", name, suffix[i]);
    return rc;
}

/* Add NAME.mean, .p95 and .max of @p p (NaN for an empty set). */
static int add_mean_p95_max(struct cpn_summary *s, struct pop *p, const char *unit,
                            const char *name)
{
    double mean, q[N_QUANTILES], max;
    pop_stats(p, &mean, q, &max);
    int rc = add_row(s, unit, mean, "%s.mean", name);
    if (rc == CPN_OK)
        rc = add_row(s, unit, q[1], "%s.p95", name); /* quantile_f[1] = 0.95 */
    if (rc == CPN_OK)
        rc = add_row(s, unit, max, "%s.max", name);
    return rc;
}

/* How many populations outgrew their exact store (their figures are estimates). */
static size_t estimated(const struct cpn_summary *s)
{
    const struct pop *all[] = {&s->fct,       &s->staleness, &s->req_latency, &s->eff_stream,
                               &s->eff_train, &s->iter_mean, &s->exposed,     &s->convergence};
    size_t n = 0;
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        n += all[i]->rs != NULL;
    for (size_t i = 0; i < s->n_services; i++)
        n += s->services[i].latency.rs != NULL;
    for (size_t k = 0; k <= s->n_kinds; k++)
        n += (s->kinds[k].jct.rs != NULL) + (s->kinds[k].wait.rs != NULL) +
             (s->kinds[k].bsld.rs != NULL) + (s->kinds[k].tsld.rs != NULL);
    return n;
}

int cpn_summary_set_exact_max(struct cpn_summary *s, size_t n)
{
    if (!s || n == 0)
        return CPN_ERROR(CPN_EINVAL, "cpn_summary_set_exact_max: %s",
                         s ? "keep at least one value" : "NULL summary");
    if (s->begun)
        return CPN_ERROR(CPN_ESTATE, "cpn_summary_set_exact_max: the run has begun");
    s->exact_max = n;
    return CPN_OK;
}

/* The statistics window (docs/metrics.md, "Window"): from the warmup to its closing (at until,
 * or when the workload ended), else to the end of the run. */
static double window_start(const struct cpn_summary *s)
{
    return s->warmup;
}

static double window_end(const struct cpn_summary *s)
{
    return s->close.have ? s->close.time : s->time_end;
}

/* Element @p i of a total over the window: its value when the window closed (@p hi: at the
 * closing, else at the end) minus its value when it opened (@p lo; NULL: opened at 0).  NaN
 * when not given. */
static double windowed(const double *hi, const double *lo, size_t i)
{
    return hi ? hi[i] - (lo ? lo[i] : 0) : NAN;
}

/* The array @p member of the totals at the window's closing, else at the end (@p at_end). */
#define AT_CLOSE(s, member, at_end) ((s)->close.have ? (s)->close.member : (at_end))

static double ratio(size_t num, size_t den)
{
    return den ? (double)num / (double)den : NAN;
}

static int add_jobs(struct cpn_summary *s)
{
    int rc = CPN_OK;
    char name[512];
    for (size_t k = 0; rc == CPN_OK && k <= s->n_kinds; k++) {
        struct kind_acc *a = &s->kinds[k];
        const char *kn = a->name;
        /* Submitted (arrived) jobs and those still held, moving, queued or running at the end:
         * from the totals (NaN without them); the last accumulator is "all". */
        double submitted = s->job_submitted ? 0 : NAN;
        for (size_t i = 0; s->job_submitted && i < s->n_kinds; i++)
            if (i == k || k == s->n_kinds)
                submitted += s->job_submitted[i] - (s->open.submitted ? s->open.submitted[i] : 0);
        rc = add_row(s, "1", submitted, "job.%s.submitted", kn);
        if (rc == CPN_OK)
            rc = add_row(s, "1", submitted - (double)a->count, "job.%s.unfinished", kn);
        if (rc == CPN_OK)
            rc = add_row(s, "1", (double)a->count, "job.%s.count", kn);
        if (rc == CPN_OK)
            rc = add_row(s, "1", (double)a->completed, "job.%s.completed", kn);
        if (rc == CPN_OK)
            rc = add_row(s, "1", (double)a->rejected, "job.%s.rejected", kn);
        if (rc == CPN_OK)
            rc = add_row(s, "1", (double)a->failed, "job.%s.failed", kn);
        if (rc == CPN_OK)
            rc = add_row(s, "1", ratio(a->slo_violated, a->slo_known), "job.%s.slo_violation_rate",
                         kn);
        snprintf(name, sizeof name, "job.%s.jct", kn);
        if (rc == CPN_OK)
            rc = add_stats(s, &a->jct, "s", name);
        snprintf(name, sizeof name, "job.%s.wait", kn);
        if (rc == CPN_OK)
            rc = add_stats(s, &a->wait, "s", name);
        snprintf(name, sizeof name, "job.%s.bsld", kn);
        if (rc == CPN_OK)
            rc = add_stats(s, &a->bsld, "1", name);
        snprintf(name, sizeof name, "job.%s.transfer_slowdown", kn);
        if (rc == CPN_OK)
            rc = add_stats(s, &a->tsld, "1", name);
    }
    if (rc == CPN_OK)
        rc = add_row(s, "1", s->wlog_skipped, "job.all.skipped.unknown_runtime");
    if (rc == CPN_OK)
        rc = add_row(s, "1", s->wlog_cancelled, "job.all.skipped.cancelled");
    /* Every data row of the job workload logs, over the whole logs (not windowed). */
    if (rc == CPN_OK && s->wlog_rows > 0) {
        const struct {
            const char *name;
            double v;
        } rows[] = {{"job.all.skipped.malformed", s->wlog_malformed},
                    {"job.all.skipped.outside_window", s->wlog_outside},
                    {"job.all.skipped.filtered", s->wlog_filtered},
                    {"job.all.skipped.after_until", s->wlog_after_until},
                    {"job.all.log_replayed", s->wlog_replayed},
                    {"job.all.log_rows", s->wlog_rows}};
        for (size_t i = 0; i < sizeof rows / sizeof rows[0] && rc == CPN_OK; i++)
            rc = add_row(s, "1", rows[i].v, "%s", rows[i].name);
    }
    /* Runs ended by center failures in the window, and the work they lost. */
    if (rc == CPN_OK)
        rc = add_row(s, "1", s->requeued - (s->open.have ? s->open.requeued : 0),
                     "job.all.requeued");
    if (rc == CPN_OK)
        rc = add_row(s, "unit s", s->lost_work - (s->open.have ? s->open.lost_work : 0),
                     "job.all.lost_work");
    /* Moves of jobs between centers by their policy in the window, and the state they carried. */
    if (rc == CPN_OK)
        rc = add_row(s, "1", s->migrated - (s->open.have ? s->open.migrated : 0),
                     "job.all.migrated");
    if (rc == CPN_OK)
        rc = add_row(s, "B", s->migrated_bytes - (s->open.have ? s->open.migrated_bytes : 0),
                     "job.all.migrated_bytes");
    return rc;
}

static int add_centers(struct cpn_summary *s)
{
    int rc = CPN_OK;
    double len = window_end(s) - window_start(s); /* the window's length [s] */
    double all_busy = 0, all_units = 0;
    double sum_e = 0, sum_c = 0, sum_k = 0, sum_u = 0;
    for (size_t c = 0; rc == CPN_OK && c < s->n_centers; c++) {
        const char *id = s->centers[c].id;
        double busy = 0, units = 0;
        size_t local = 0;
        for (size_t p = 0; rc == CPN_OK && p < s->n_pools; p++) {
            if (s->pools[p].center != c)
                continue;
            double u = NAN,
                   b = windowed(AT_CLOSE(s, pool_busy, s->pool_busy), s->open.pool_busy, p);
            /* Unit-seconds of capacity: the units present over the window (they change with
             * <at center pool units>), else the fixed size times the window. */
            double cap = s->pool_capacity ? windowed(AT_CLOSE(s, pool_capacity, s->pool_capacity),
                                                     s->open.pool_capacity, p)
                                          : s->pools[p].units * len;
            if (isfinite(b) && len > 0 && cap > 0)
                u = b / cap;
            if (isfinite(b)) {
                busy += b;
                units += !s->pool_capacity ? s->pools[p].units : len > 0 ? cap / len : 0;
            }
            rc = add_row(s, "1", u, "center.%s.pool%zu.util", id, local++);
        }
        double util = NAN;
        if (units > 0 && len > 0)
            util = busy / (units * len);
        else if (s->n_samples)
            util = s->center_sum[c] / (double)s->n_samples; /* Approximation: equal intervals */
        double weight = s->pool_capacity && units > 0 ? units : s->centers[c].units;
        all_busy += isfinite(util) ? util * weight : 0;
        all_units += isfinite(util) ? weight : 0;
        if (rc == CPN_OK)
            rc = add_row(s, "1", util, "center.%s.util", id);
        double e = windowed(AT_CLOSE(s, energy, s->center_energy), s->open.energy, c);
        double co = windowed(AT_CLOSE(s, cost, s->center_cost), s->open.cost, c);
        double ca = windowed(AT_CLOSE(s, carbon, s->center_carbon), s->open.carbon, c);
        double ch = windowed(AT_CLOSE(s, charge, s->center_charge), s->open.charge, c);
        sum_e += e, sum_c += co, sum_k += ca, sum_u += ch;
        if (rc == CPN_OK)
            rc = add_row(s, "J", e, "center.%s.energy", id);
        if (rc == CPN_OK)
            rc = add_row(s, s->currency, co, "center.%s.electricity_cost", id);
        if (rc == CPN_OK)
            rc = add_row(s, s->currency, ch, "center.%s.charge", id);
        if (rc == CPN_OK)
            rc = add_row(s, "kg", ca, "center.%s.carbon", id);
        /* Availability, for a center that was down in the window (docs/models-dynamics.md). */
        double down = windowed(AT_CLOSE(s, center_down, s->center_down), s->open.center_down, c);
        if (rc == CPN_OK && down > 0 && len > 0)
            rc = add_row(s, "1", 1 - down / len, "center.%s.availability", id);
    }
    /* An empty sum is 0 only when the totals were given (no centers: nothing consumed). */
    if (rc == CPN_OK)
        rc = add_row(s, "1", all_units > 0 ? all_busy / all_units : NAN, "center.all.util");
    if (rc == CPN_OK)
        rc = add_row(s, "J", s->n_centers ? sum_e : NAN, "center.all.energy");
    if (rc == CPN_OK)
        rc = add_row(s, s->currency, s->n_centers ? sum_c : NAN, "center.all.electricity_cost");
    if (rc == CPN_OK)
        rc = add_row(s, s->currency, s->n_centers ? sum_u : NAN, "center.all.charge");
    if (rc == CPN_OK)
        rc = add_row(s, "kg", s->n_centers ? sum_k : NAN, "center.all.carbon");
    return rc;
}

static int add_network(struct cpn_summary *s)
{
    int rc = add_row(s, "1", (double)s->flows, "net.flows");
    if (rc == CPN_OK)
        rc = add_row(s, "B", s->bytes, "net.bytes");
    if (rc == CPN_OK)
        rc = add_stats(s, &s->fct, "s", "net.fct");
    /* Time-mean utilisation per link direction over the window: from the totals (time means
     * since 0, so u(E) E - u(W) W is the integral over the window), else from the samples. */
    struct pop u = {0};
    double w0 = window_start(s), w1 = window_end(s);
    const double *u1 = s->close.have ? s->close.link_util : s->link_util;
    const double *u0 = s->open.have ? s->open.link_util : NULL;
    for (size_t i = 0; rc == CPN_OK && i < s->n_link_dirs; i++) {
        double v = NAN;
        if (u1 && w1 > w0)
            v = (u1[i] * w1 - (u0 ? u0[i] * w0 : 0)) / (w1 - w0);
        else if (!u1 && s->n_samples)
            v = s->link_sum[i] / (double)s->n_samples;
        if (isfinite(v))
            rc = pop_add(s, &u, v);
    }
    if (rc == CPN_OK)
        rc = add_mean_p95_max(s, &u, "1", "net.link_util");
    pop_release(&u);
    /* Elastic bandwidth requests of the window (docs/models-dynamics.md). */
    if (rc == CPN_OK)
        rc = add_row(s, "1", s->bw_granted - (s->open.have ? s->open.bw_granted : 0),
                     "net.bandwidth.granted");
    if (rc == CPN_OK)
        rc = add_row(s, "1", s->bw_refused - (s->open.have ? s->open.bw_refused : 0),
                     "net.bandwidth.refused");
    /* Mean set-up time of the grants of the window (NaN without any). */
    double granted = s->bw_granted - (s->open.have ? s->open.bw_granted : 0);
    double setup = s->bw_setup - (s->open.have ? s->open.bw_setup : 0);
    if (rc == CPN_OK)
        rc = add_row(s, "s", granted > 0 ? setup / granted : NAN, "net.bandwidth.setup.mean");
    /* Availability of the links that were down in the window (timelines). */
    for (size_t l = 0; rc == CPN_OK && l < s->n_links && w1 > w0; l++) {
        double down = windowed(AT_CLOSE(s, link_down, s->link_down), s->open.link_down, l);
        if (down > 0)
            rc = add_row(s, "1", 1 - down / (w1 - w0), "link.%s.availability", s->link_ids[l]);
    }
    return rc;
}

int cpn_summary_metrics(struct cpn_summary *s, const struct cpn_metric **rows, size_t *n)
{
    if (!s || !rows || !n)
        return CPN_ERROR(CPN_EINVAL, "cpn_summary_metrics: NULL argument");
    if (!s->begun)
        return CPN_ERROR(CPN_ESTATE, "cpn_summary_metrics: no run was observed (begin missing)");
    if (s->dirty) {
        free_rows(s);
        int rc = add_row(s, "s", s->time_end, "run.time_end");
        if (rc == CPN_OK)
            rc = add_row(s, "1", s->events, "run.events");
        if (rc == CPN_OK)
            rc = add_row(s, "1", s->complete, "run.complete");
        if (rc == CPN_OK)
            rc = add_row(s, "s", window_start(s), "run.window_start");
        if (rc == CPN_OK)
            rc = add_row(s, "s", s->begun && (s->ended || s->close.have) ? window_end(s) : NAN,
                         "run.window_end");
        if (rc == CPN_OK)
            rc = add_row(s, "1", (double)estimated(s), "run.estimated_populations");
        if (rc == CPN_OK)
            rc = add_jobs(s);
        if (rc == CPN_OK)
            rc = add_row(s, "1", (double)s->requests, "request.count");
        if (rc == CPN_OK)
            rc = add_stats(s, &s->req_latency, "s", "request.latency");
        if (rc == CPN_OK)
            rc = add_row(s, "1", ratio(s->req_slo_violated, s->req_slo_known),
                         "request.slo_violation_rate");
        for (size_t i = 0; rc == CPN_OK && i < s->n_services; i++) {
            struct service_acc *v = &s->services[i];
            if (!v->id)
                continue;
            char name[512];
            rc = add_row(s, "1", (double)v->count, "request.%s.count", v->id);
            if (rc == CPN_OK)
                rc = add_row(s, "1", ratio(v->slo_violated, v->slo_known),
                             "request.%s.slo_violation_rate", v->id);
            snprintf(name, sizeof name, "request.%s.latency", v->id);
            if (rc == CPN_OK)
                rc = add_stats(s, &v->latency, "s", name);
        }
        if (rc == CPN_OK)
            rc = add_centers(s);
        if (rc == CPN_OK)
            rc = add_network(s);
        if (rc == CPN_OK)
            rc = add_mean_p95_max(s, &s->staleness, "s", "decision.staleness");
        /* Placements and conflicts of the window: at the end minus when it opened. */
        double dec = s->decisions - (s->open.have ? s->open.decisions : 0);
        double con = s->conflicts - (s->open.have ? s->open.conflicts : 0);
        if (rc == CPN_OK)
            rc = add_row(s, "1", dec, "decision.count");
        if (rc == CPN_OK)
            rc = add_row(s, "1", con, "decision.conflicts");
        if (rc == CPN_OK)
            rc = add_row(s, "1", dec > 0 ? con / dec : NAN, "decision.conflict_rate");
        if (rc == CPN_OK && s->computes) { /* only runs with streamed or iterated jobs */
            rc = add_row(s, "1", (double)s->computes, "compute.count");
            if (rc == CPN_OK)
                rc = add_stats(s, &s->eff_stream, "1", "compute.stream.efficiency");
            if (rc == CPN_OK)
                rc = add_stats(s, &s->eff_train, "1", "compute.training.efficiency");
            if (rc == CPN_OK)
                rc = add_stats(s, &s->iter_mean, "s", "compute.training.iteration");
            if (rc == CPN_OK)
                rc = add_stats(s, &s->exposed, "1", "compute.training.exposed_comm");
            if (rc == CPN_OK)
                rc = add_stats(s, &s->convergence, "1", "compute.training.convergence");
        }
        size_t n_rows = s->rows.len; /* headlines read the rows above */
        for (size_t h = 0; rc == CPN_OK && h < s->n_heads; h++) {
            const struct headline *hd = &s->heads[h];
            double v = NAN;
            const char *unit = "1";
            if (hd->metric) {
                for (size_t i = 0; i < n_rows; i++)
                    if (strcmp(s->rows.items[i].name, hd->metric) == 0) {
                        v = s->rows.items[i].value * hd->scale;
                        unit = hd->scale == 1 ? s->rows.items[i].unit : "1";
                    }
            } else if (hd->seen == hd->n_flows) {
                v = hd->rate / hd->per;
            }
            rc = add_row(s, unit, v, "headline.%s", hd->name);
        }
        if (rc != CPN_OK) {
            free_rows(s);
            return rc;
        }
        s->dirty = 0;
    }
    *rows = s->rows.items;
    *n = s->rows.len;
    return CPN_OK;
}

double cpn_summary_value(struct cpn_summary *s, const char *name)
{
    const struct cpn_metric *rows;
    size_t n;
    if (!name || cpn_summary_metrics(s, &rows, &n) != CPN_OK)
        return NAN;
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].name, name) == 0)
            return rows[i].value;
    return NAN;
}

int cpn_summary_print(struct cpn_summary *s, FILE *out)
{
    const struct cpn_metric *rows;
    size_t n;
    if (!out)
        return CPN_ERROR(CPN_EINVAL, "cpn_summary_print: NULL stream");
    int rc = cpn_summary_metrics(s, &rows, &n);
    if (rc != CPN_OK)
        return rc;
    int width = 6;
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(rows[i].name) > width)
            width = (int)strlen(rows[i].name);
    int bad = fprintf(out, "%-*s  %14s  %s\n", width, "metric", "value", "unit") < 0;
    size_t undefined = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        if (isnan(rows[i].value))
            undefined++;
        else
            bad = fprintf(out, "%-*s  %14.6g  %s\n", width, rows[i].name, rows[i].value,
                          rows[i].unit) < 0;
    }
    if (!bad && undefined)
        bad = fprintf(out,
                      "(%zu metrics undefined in this run, e.g. percentiles of empty sets, "
                      "are not shown)\n",
                      undefined) < 0;
    if (bad || fflush(out) != 0)
        return CPN_ERROR(CPN_EIO, "cannot write the summary: %s", strerror(errno));
    return CPN_OK;
}

/* Print " " and @p v in @p width columns: a whole number when @p digits is 0, else with
 * @p digits significant digits; "-" when it is undefined. */
static int put_value(FILE *out, int width, int digits, double v)
{
    if (isnan(v))
        return fprintf(out, " %*s", width, "-");
    return digits ? fprintf(out, " %*.*g", width, digits, v) : fprintf(out, " %*.0f", width, v);
}

int cpn_summary_print_grouped(struct cpn_summary *s, FILE *out)
{
    const struct cpn_metric *rows;
    size_t n;
    if (!out)
        return CPN_ERROR(CPN_EINVAL, "cpn_summary_print_grouped: NULL stream");
    int rc = cpn_summary_metrics(s, &rows, &n);
    if (rc != CPN_OK)
        return rc;
    /* The job table, unless the run had no job at all. */
    int any_job =
        cpn_summary_value(s, "job.all.submitted") > 0 || cpn_summary_value(s, "job.all.count") > 0;
    int bad = any_job && fprintf(out, "%-10s %10s %10s %10s %9s %8s %10s %12s %11s %9s\n", "jobs",
                                 "submitted", "ended", "done", "rejected", "failed", "unfinished",
                                 "jct.mean[s]", "wait.mean[s]", "bsld.mean") < 0;
    char name[512];
    for (size_t k = 0; any_job && k <= s->n_kinds && !bad; k++) {
        const char *kn = s->kinds[k].name;
        double v[9];
        static const char *const field[9] = {"submitted", "count",     "completed",
                                             "rejected",  "failed",    "unfinished",
                                             "jct.mean",  "wait.mean", "bsld.mean"};
        for (int f = 0; f < 9; f++) {
            snprintf(name, sizeof name, "job.%s.%s", kn, field[f]);
            v[f] = cpn_summary_value(s, name);
        }
        if (k < s->n_kinds && !(v[0] > 0) && !(v[1] > 0))
            continue; /* a kind without any job */
        bad = fprintf(out, "%-10s", kn) < 0;
        static const int width[9] = {10, 10, 10, 9, 8, 10, 12, 11, 9};
        static const int digits[9] = {0, 0, 0, 0, 0, 0, 6, 6, 6};
        for (int f = 0; f < 9 && !bad; f++)
            bad = put_value(out, width[f], digits[f], v[f]) < 0;
        bad = bad || fputc('\n', out) == EOF;
    }
    /* Jobs that only move data have no bounded slowdown: their transfer slowdown, apart. */
    int first = 1;
    for (size_t k = 0; any_job && k < s->n_kinds && !bad; k++) {
        snprintf(name, sizeof name, "job.%s.transfer_slowdown.mean", s->kinds[k].name);
        double v = cpn_summary_value(s, name);
        if (!isfinite(v))
            continue;
        bad = fprintf(out, "%s%s %.6g",
                      first ? "transfer slowdown (JCT / ideal transfer time), mean: " : ", ",
                      s->kinds[k].name, v) < 0;
        first = 0;
    }
    if (!first && !bad)
        bad = fputc('\n', out) == EOF;
    double skipped = cpn_summary_value(s, "job.all.skipped.unknown_runtime");
    double cancelled = cpn_summary_value(s, "job.all.skipped.cancelled");
    if (!bad && skipped > 0)
        bad = fprintf(out, "(%.0f workload-log records skipped when read: unknown run time)\n",
                      skipped) < 0;
    if (!bad && cancelled > 0)
        bad = fprintf(out,
                      "(%.0f workload-log records skipped when read: cancelled before they "
                      "ran)\n",
                      cancelled) < 0;
    const char *sp = *s->currency ? " " : ""; /* no currency when no price is given */
    if (!bad && s->n_centers)
        bad = fprintf(out,
                      "centers    util %.4g, energy %.4g J, electricity %.6g%s%s, charge %.6g%s%s, "
                      "carbon %.6g kg\n",
                      cpn_summary_value(s, "center.all.util"),
                      cpn_summary_value(s, "center.all.energy"),
                      cpn_summary_value(s, "center.all.electricity_cost"), sp, s->currency,
                      cpn_summary_value(s, "center.all.charge"), sp, s->currency,
                      cpn_summary_value(s, "center.all.carbon")) < 0;
    if (!bad)
        bad =
            fprintf(out,
                    "network    %.0f flows, %.4g B, fct p95 %.4g s, link utilisation mean %.4g "
                    "max %.4g\n",
                    cpn_summary_value(s, "net.flows"), cpn_summary_value(s, "net.bytes"),
                    cpn_summary_value(s, "net.fct.p95"), cpn_summary_value(s, "net.link_util.mean"),
                    cpn_summary_value(s, "net.link_util.max")) < 0;
    if (!bad && cpn_summary_value(s, "request.count") > 0)
        bad = fprintf(out, "requests   %.0f, latency p95 %.4g s, SLO violated %.4g\n",
                      cpn_summary_value(s, "request.count"),
                      cpn_summary_value(s, "request.latency.p95"),
                      cpn_summary_value(s, "request.slo_violation_rate")) < 0;
    if (!bad && !isnan(cpn_summary_value(s, "decision.staleness.mean")))
        bad = fprintf(out, "decisions  %.0f, staleness mean %.4g s, max %.4g s, conflicts %.0f\n",
                      cpn_summary_value(s, "decision.count"),
                      cpn_summary_value(s, "decision.staleness.mean"),
                      cpn_summary_value(s, "decision.staleness.max"),
                      cpn_summary_value(s, "decision.conflicts")) < 0;
    for (size_t i = 0; i < n && !bad; i++) { /* compute: the count and the means */
        const char *m = rows[i].name;
        size_t len = strlen(m);
        int compute =
            strncmp(m, "compute.", 8) == 0 &&
            (strcmp(m, "compute.count") == 0 || (len > 5 && strcmp(m + len - 5, ".mean") == 0));
        if ((compute || strncmp(m, "headline.", 9) == 0) && !isnan(rows[i].value))
            bad = fprintf(out, "%-40s %14.6g  %s\n", m, rows[i].value, rows[i].unit) < 0;
    }
    if (!bad)
        bad = fprintf(out,
                      "run        t = %.6g s, %s (per-center, per-pool and percentile rows: "
                      "--summary=full)\n",
                      cpn_summary_value(s, "run.time_end"),
                      cpn_summary_value(s, "run.complete") == 1 ? "complete" : "INCOMPLETE") < 0;
    if (bad || fflush(out) != 0)
        return CPN_ERROR(CPN_EIO, "cannot write the summary: %s", strerror(errno));
    return CPN_OK;
}

int cpn_summary_write_tsv(struct cpn_summary *s, const char *path)
{
    const struct cpn_metric *rows;
    size_t n;
    if (!path)
        return CPN_ERROR(CPN_EINVAL, "cpn_summary_write_tsv: NULL path");
    int rc = cpn_summary_metrics(s, &rows, &n);
    if (rc != CPN_OK)
        return rc;
    struct cpn_atomic a;
    if ((rc = cpn_atomic_open(&a, path, 1)) != CPN_OK)
        return rc;
    FILE *f = a.f;
    fprintf(f, "metric\tvalue\tunit\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\t%.17g\t%s\n", rows[i].name, rows[i].value, rows[i].unit);
    if ((rc = cpn_atomic_commit(&a)) != CPN_OK)
        return rc;
    return CPN_OK;
}
