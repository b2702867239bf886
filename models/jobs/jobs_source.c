/* Jobs: synthetic generators and workload log replays (see jobs.h).  One pending arrival event per
 * source; a job is made when its arrival fires. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/jobs/jobs_impl.h"
#include "sim/error.h"
#include "sim/log.h"
#include "sim/rng.h"

void cpn_generator_spec_init(struct cpn_generator_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    cpn_job_spec_init(&spec->base);
    cpn_arrivals_init_poisson(&spec->arrivals, 0);
    spec->stop = INFINITY;
}

void cpn_wlog_source_spec_init(struct cpn_wlog_source_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    cpn_job_spec_init(&spec->base);
    spec->cpu_pool_type = CPN_NONE;
}

void cpn_jobs_source_release_(struct jobs_source *src)
{
    free(src->id);
    free(src->origins);
    if (src->origin_table)
        gsl_ran_discrete_free(src->origin_table);
    memset(src, 0, sizeof *src);
}

/* Register a source: copy its id, open its stream "workload/ID". */
static int source_open(struct cpn_jobs *jobs, const char *id, struct jobs_source *src)
{
    if (!id || !*id)
        return CPN_ERROR(CPN_EINVAL, "jobs: a source needs a non-empty id");
    for (size_t i = 0; i < jobs->sources.len; i++)
        if (strcmp(jobs->sources.items[i].id, id) == 0)
            return CPN_ERROR(CPN_EINVAL, "jobs: two sources have the id \"%s\"", id);
    if (jobs->started)
        return CPN_ERROR(CPN_ESTATE, "jobs: source \"%s\" added after the start", id);
    if (!jobs->cfg.rng)
        return CPN_ERROR(CPN_EINVAL, "jobs: source \"%s\" needs the run's random streams", id);
    char name[256];
    if ((size_t)snprintf(name, sizeof name, "workload/%s", id) >= sizeof name)
        return CPN_ERROR(CPN_EINVAL, "jobs: source id \"%s\" is too long", id);
    int rc = cpn_rng_stream(jobs->cfg.rng, name, &src->rng);
    if (rc != CPN_OK)
        return rc;
    if (!(src->id = strdup(id)))
        return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory");
    return CPN_OK;
}

/* Append a prepared source, or release it when memory runs out. */
static int source_commit(struct cpn_jobs *jobs, struct jobs_source *src)
{
    if (cpn_array_push(&jobs->sources, *src) == CPN_OK)
        return CPN_OK;
    cpn_jobs_source_release_(src);
    return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory");
}

int cpn_jobs_add_generator(struct cpn_jobs *jobs, const struct cpn_generator_spec *gen)
{
    if (!jobs || !gen)
        return CPN_ERROR(CPN_EINVAL, "cpn_jobs_add_generator: NULL argument");
    struct jobs_source src = {0};
    int rc = source_open(jobs, gen->id, &src);
    if (rc != CPN_OK)
        goto fail;
    struct cpn_job_spec base = gen->base;
    if (gen->n_origins > 0) {
        if (!gen->origins) {
            rc = CPN_ERROR(CPN_EINVAL, "generator \"%s\": %u origins but no table", gen->id,
                           gen->n_origins);
            goto fail;
        }
        base.origin = gen->origins[0];
    }
    if ((rc = cpn_jobs_check_spec_(jobs, &base, gen->id)) != CPN_OK)
        goto fail;
    if (!(gen->start >= 0 && isfinite(gen->start)) || !(gen->stop >= gen->start)) {
        rc = CPN_ERROR(CPN_EINVAL, "generator \"%s\": need 0 <= start <= stop", gen->id);
        goto fail;
    }
    if (base.kind == CPN_JOB_INFERENCE && !(base.request_rate > 0) && !gen->request_rate &&
        !base.requests) {
        rc = CPN_ERROR(CPN_EINVAL, "generator \"%s\": inference needs a request rate", gen->id);
        goto fail;
    }
    src.gen = *gen;
    src.gen.id = NULL;
    src.gen.origin_weights = NULL;
    if (gen->n_origins > 0) {
        double *w = malloc(gen->n_origins * sizeof *w);
        src.origins = malloc(gen->n_origins * sizeof *src.origins);
        if (!w || !src.origins) {
            free(w);
            rc = CPN_ERROR(CPN_ENOMEM, "jobs: out of memory");
            goto fail;
        }
        double sum = 0;
        for (uint32_t i = 0; i < gen->n_origins; i++) {
            src.origins[i] = gen->origins[i];
            w[i] = gen->origin_weights ? gen->origin_weights[i] : 1.0;
            sum += w[i];
            if (gen->origins[i] >= jobs->n_nodes || !(w[i] >= 0) || !isfinite(w[i]))
                sum = NAN;
        }
        if (!(sum > 0)) {
            free(w);
            rc = CPN_ERROR(CPN_EINVAL,
                           "generator \"%s\": origins must be nodes and weights >= 0 with a "
                           "positive sum",
                           gen->id);
            goto fail;
        }
        src.origin_table = gsl_ran_discrete_preproc(gen->n_origins, w);
        free(w);
        if (!src.origin_table) {
            rc = CPN_ERROR(CPN_ENOMEM, "jobs: out of memory");
            goto fail;
        }
        src.gen.origins = src.origins;
    }
    return source_commit(jobs, &src);
fail:
    cpn_jobs_source_release_(&src);
    return rc;
}

int cpn_jobs_add_wlog(struct cpn_jobs *jobs, const struct cpn_wlog_source_spec *spec)
{
    if (!jobs || !spec || !spec->log)
        return CPN_ERROR(CPN_EINVAL, "cpn_jobs_add_wlog: NULL argument");
    const struct cpn_wlog *tr = spec->log;
    int rc;
    if (tr->njobs == 0 && tr->nrequests > 0) {
        /* A request workload log: one inference service whose requests are the records. */
        struct cpn_job_spec s = spec->base;
        s.kind = CPN_JOB_INFERENCE;
        s.requests = tr->requests;
        s.n_requests = tr->nrequests;
        s.submit = spec->service_submit;
        if (!spec->id || !*spec->id)
            return CPN_ERROR(CPN_EINVAL, "jobs: a source needs a non-empty id");
        if (jobs->started)
            return CPN_ERROR(CPN_ESTATE, "jobs: source \"%s\" added after the start", spec->id);
        /* The service is a source of its own (no arrivals to draw), so that its requests are
         * reported per service (cpn_request_record.source). */
        struct jobs_source svc = {0};
        uint32_t id;
        if ((rc = source_open(jobs, spec->id, &svc)) != CPN_OK) {
            cpn_jobs_source_release_(&svc);
            return rc;
        }
        svc.is_wlog = 1;
        svc.wlog = *spec;
        svc.wlog.id = NULL;
        svc.wlog.origins = NULL;
        svc.next = tr->njobs; /* nothing to replay */
        if ((rc = source_commit(jobs, &svc)) != CPN_OK ||
            (rc = cpn_jobs_submit(jobs, &s, &id)) != CPN_OK)
            return rc;
        for (size_t k = 0; k < jobs->slots.len; k++)
            if (jobs->slots.items[k].id == id && jobs->slots.items[k].phase == PHASE_PENDING)
                jobs->slots.items[k].source = (uint32_t)(jobs->sources.len - 1);
        return CPN_OK;
    }
    /* Every data row of the log is accounted for (docs/metrics.md, "Workload-log rows"). */
    jobs->st.wlog_cancelled += tr->stats.cancelled; /* skipped when read (counted once) */
    jobs->st.wlog_rows += tr->stats.records + tr->stats.malformed;
    jobs->st.wlog_malformed += tr->stats.malformed;
    jobs->st.wlog_outside += tr->stats.outside;
    jobs->st.wlog_filtered += tr->stats.filtered;
    struct jobs_source src = {0};
    if (tr->njobs && !tr->jobs && !spec->next)
        return CPN_ERROR(CPN_EINVAL,
                         "trace \"%s\": its records were not kept (a scanned log) and no stream "
                         "gives them",
                         spec->id ? spec->id : "");
    if ((rc = source_open(jobs, spec->id, &src)) != CPN_OK)
        goto fail;
    if ((rc = cpn_jobs_check_spec_(jobs, &spec->base, spec->id)) != CPN_OK)
        goto fail;
    src.is_wlog = 1;
    src.wlog = *spec;
    src.wlog.id = NULL;
    src.wlog.origins = NULL;
    if (spec->origins) {
        if (!(src.origins = malloc((tr->njobs ? tr->njobs : 1) * sizeof *src.origins))) {
            rc = CPN_ERROR(CPN_ENOMEM, "jobs: out of memory");
            goto fail;
        }
        for (size_t i = 0; i < tr->njobs; i++) {
            if (spec->origins[i] >= jobs->n_nodes) {
                rc = CPN_ERROR(CPN_EINVAL, "trace \"%s\": record %zu: origin node %u out of range",
                               spec->id, i, spec->origins[i]);
                goto fail;
            }
            src.origins[i] = spec->origins[i];
        }
        src.wlog.origins = src.origins;
    }
    return source_commit(jobs, &src);
fail:
    cpn_jobs_source_release_(&src);
    return rc;
}

/* Draw a non-negative value of @p d, or return @p fallback when @p d is NULL. */
static double draw(const struct cpn_dist *d, gsl_rng *rng, double fallback)
{
    if (!d)
        return fallback;
    double v = cpn_dist_sample(d, rng);
    return v > 0 && isfinite(v) ? v : 0;
}

/* A new job slot in *slot with spec @p base, submitted now. */
static int new_job(struct cpn_jobs *jobs, const struct jobs_source *src,
                   const struct cpn_job_spec *base, uint32_t *slot)
{
    uint32_t index = (uint32_t)(src - jobs->sources.items); /* before a slot may move */
    int rc = cpn_jobs_alloc_slot_(jobs, slot);
    if (rc != CPN_OK)
        return rc;
    jobs->slots.items[*slot].source = index;
    struct cpn_job_spec *s = &jobs->slots.items[*slot].s;
    *s = *base;
    s->submit = cpn_engine_now(jobs->cfg.engine);
    return CPN_OK;
}

/* The job in @p slot, its spec complete, arrives from source @p src. */
static int submit_job(struct cpn_jobs *jobs, struct jobs_source *src, uint32_t slot)
{
    jobs->slots.items[slot].phase = PHASE_PENDING;
    jobs->n_pending++;
    src->count++;
    return cpn_jobs_arrive_(jobs, slot);
}

/* Make generator @p src's next job, arriving now. */
static int make_generated(struct cpn_jobs *jobs, struct jobs_source *src)
{
    const struct cpn_generator_spec *g = &src->gen;
    uint32_t slot;
    int rc = new_job(jobs, src, &g->base, &slot);
    if (rc != CPN_OK)
        return rc;
    struct cpn_job_spec *s = &jobs->slots.items[slot].s;
    double now = s->submit;
    /* The order of the draws is part of the contract (same seed, same jobs). */
    if (g->n_origins > 0)
        s->origin = g->origins[gsl_ran_discrete(src->rng, src->origin_table)];
    if (g->units) {
        double u = round(draw(g->units, src->rng, 1));
        s->units = u < 1 ? 1 : u > UINT32_MAX - 1.0 ? UINT32_MAX - 1 : (uint32_t)u;
    }
    s->work = draw(g->work, src->rng, s->work);
    s->duration = draw(g->duration, src->rng, s->duration);
    if (g->walltime) {
        s->walltime = draw(g->walltime, src->rng, 0);
    } else if (g->walltime_factor) {
        double f = draw(g->walltime_factor, src->rng, 0);
        double ref = s->work > 0 ? (s->ref_speed > 0 ? s->work / (s->units * s->ref_speed) : 0)
                                 : s->duration;
        s->walltime = f * ref;
    }
    s->bytes_in = draw(g->bytes_in, src->rng, s->bytes_in);
    s->bytes_out = draw(g->bytes_out, src->rng, s->bytes_out);
    if (g->deadline)
        s->deadline = now + draw(g->deadline, src->rng, 0);
    s->request_rate = draw(g->request_rate, src->rng, s->request_rate);
    return submit_job(jobs, src, slot);
}

/* Make the workload log job of record @p rec (origin node @p origin, CPN_NONE: the base's),
 * arriving now (a record without a run time is skipped and counted). */
static int make_logged(struct cpn_jobs *jobs, struct jobs_source *src,
                       const struct cpn_wlog_job *rec, uint32_t origin)
{
    if (!isfinite(rec->runtime) || rec->runtime < 0) {
        jobs->st.wlog_skipped++;
        if (!src->warned) {
            CPN_LOG(cpn_engine_log(jobs->cfg.engine), CPN_LOG_WARN, "jobs",
                    "trace \"%s\": records without a run time are skipped (first: line %u)",
                    src->id, rec->line);
            src->warned = 1;
        }
        return CPN_OK;
    }
    uint32_t slot;
    int rc = new_job(jobs, src, &src->wlog.base, &slot);
    if (rc != CPN_OK)
        return rc;
    jobs->st.wlog_replayed++;
    struct cpn_job_spec *s = &jobs->slots.items[slot].s;
    if (origin != CPN_NONE)
        s->origin = origin;
    s->units = rec->units ? rec->units : 1;
    if (rec->units == 1 && rec->unit_share > 0 && rec->unit_share < 1)
        s->share = rec->unit_share; /* a fraction of one GPU (a shareable pool packs it) */
    if (!rec->units && rec->cpus > 0 && src->wlog.cpu_pool_type != CPN_NONE) { /* a CPU job */
        s->pool_type = src->wlog.cpu_pool_type;
        s->units = (uint32_t)ceil(rec->cpus);
    }
    s->work = 0;
    s->duration = rec->runtime;
    s->walltime = isfinite(rec->walltime) && rec->walltime > 0 ? rec->walltime : 0;
    s->bytes_in = draw(src->wlog.bytes_in, src->rng, s->bytes_in);
    s->bytes_out = draw(src->wlog.bytes_out, src->rng, s->bytes_out);
    return submit_job(jobs, src, slot);
}

/* The next record of workload log source @p src into *rec and *origin, 0 when none is left
 * (a streamed log's read ahead: src->ahead). */
static int logged_peek(struct cpn_jobs *jobs, struct jobs_source *src,
                       const struct cpn_wlog_job **rec, uint32_t *origin, int *have)
{
    *have = 0;
    if (src->next >= src->wlog.log->njobs)
        return CPN_OK;
    if (!src->wlog.next) {
        *rec = &src->wlog.log->jobs[src->next];
        *origin = src->wlog.origins ? src->wlog.origins[src->next] : CPN_NONE;
        *have = 1;
        return CPN_OK;
    }
    if (!src->have_ahead) {
        int more = 0;
        uint32_t o = CPN_NONE;
        int rc = src->wlog.next(src->wlog.next_ctx, &src->ahead, &o, &more);
        if (rc != CPN_OK)
            return rc;
        if (!more) /* fewer records than counted: the stream reports it; nothing more here */
            return CPN_ERROR(CPN_ESCENARIO, "trace \"%s\": ends after %zu of its %zu records",
                             src->id, src->next, src->wlog.log->njobs);
        if (o != CPN_NONE && o >= jobs->n_nodes)
            return CPN_ERROR(CPN_EINVAL,
                             "trace \"%s\": record at line %u: origin node %u out "
                             "of range",
                             src->id, src->ahead.line, o);
        src->ahead_origin = o;
        src->have_ahead = 1;
    }
    *rec = &src->ahead;
    *origin = src->ahead_origin;
    *have = 1;
    return CPN_OK;
}

/* Compute the source's next arrival after @p now (INFINITY when exhausted) and schedule it. */
static int source_next(struct cpn_jobs *jobs, uint32_t index, double now)
{
    struct jobs_source *src = &jobs->sources.items[index];
    double t = INFINITY;
    if (src->is_wlog) {
        const struct cpn_wlog_job *rec;
        uint32_t origin;
        int have, rc = logged_peek(jobs, src, &rec, &origin, &have);
        if (rc != CPN_OK)
            return rc;
        if (have) {
            t = rec->submit;
            t = t > now ? t : now;
        }
    } else if (src->gen.max_jobs == 0 || src->count < src->gen.max_jobs) {
        int rc = cpn_arrivals_next(&src->gen.arrivals, now, src->rng, &t);
        if (rc != CPN_OK)
            return rc;
        if (t >= src->gen.stop)
            t = INFINITY;
    }
    if (!cpn_jobs_arrives_(jobs, t)) /* after the scenario's until: none (a drain follows) */
        t = INFINITY;
    src->next_time = t;
    if (!isfinite(t))
        return CPN_OK;
    return cpn_engine_schedule(jobs->cfg.engine, t, &cpn_jobs_source_handler_, jobs, index, NULL);
}

static int on_source(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct cpn_jobs *jobs = ctx;
    struct jobs_source *src = &jobs->sources.items[arg];
    double now = cpn_engine_now(eng);
    int rc;
    if (src->is_wlog) {
        /* Every record due now in one event, in workload log order. */
        const struct cpn_wlog_job *rec;
        uint32_t origin;
        int have;
        while ((rc = logged_peek(jobs, src, &rec, &origin, &have)) == CPN_OK && have &&
               rec->submit <= now) {
            struct cpn_wlog_job copy = *rec;
            src->have_ahead = 0;
            src->next++;
            if ((rc = make_logged(jobs, src, &copy, origin)) != CPN_OK)
                return rc;
        }
        if (rc != CPN_OK)
            return rc;
    } else if ((rc = make_generated(jobs, src)) != CPN_OK) {
        return rc;
    }
    return source_next(jobs, (uint32_t)arg, now);
}

const struct cpn_handler cpn_jobs_source_handler_ = {on_source, "jobs_source", 0};

int cpn_jobs_sources_start_(struct cpn_jobs *jobs)
{
    double now = cpn_engine_now(jobs->cfg.engine);
    for (uint32_t i = 0; i < jobs->sources.len; i++) {
        struct jobs_source *src = &jobs->sources.items[i];
        double from = src->is_wlog || src->gen.start < now ? now : src->gen.start;
        int rc = source_next(jobs, i, from);
        if (rc != CPN_OK)
            return rc;
    }
    return CPN_OK;
}

int cpn_jobs_sources_live_(const struct cpn_jobs *jobs)
{
    for (size_t i = 0; i < jobs->sources.len; i++)
        if (isfinite(jobs->sources.items[i].next_time))
            return 1;
    return 0;
}

size_t cpn_jobs_source_count(const struct cpn_jobs *jobs)
{
    return jobs->sources.len;
}

const char *cpn_jobs_source(const struct cpn_jobs *jobs, size_t i, enum cpn_job_kind *kind)
{
    if (i >= jobs->sources.len)
        return NULL;
    const struct jobs_source *src = &jobs->sources.items[i];
    if (kind)
        *kind = src->is_wlog ? src->wlog.base.kind : src->gen.base.kind;
    return src->id;
}
