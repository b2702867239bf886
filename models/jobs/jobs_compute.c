/* Compute that depends on the network: streamed datasets and training by iterations, on one
 * center or split over several (docs/models-jobs.md, "Streamed datasets" and "Training across
 * centers"; DESIGN.md §4.6, §4.10).  The job holds open-ended requests at its centers
 * (cpn_center_finish() ends them) while this file drives its progress with timers and flows. */
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/jobs/jobs_impl.h"
#include "sim/error.h"

enum { TIMER_COMPUTE = 0, TIMER_COMM = 1, TIMER_FINISH = 2 };

static int on_timer(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler compute_handler = {on_timer, "jobs_compute", 0};

/* The engine argument of a timer: slot, timer kind and part. */
static uint64_t timer_arg(uint32_t slot, unsigned kind, uint32_t part)
{
    return (uint64_t)slot | (uint64_t)kind << 32 | (uint64_t)part << 34;
}

static int set_timer(struct cpn_jobs *jobs, uint32_t slot, unsigned kind, double at)
{
    struct jobs_compute *cmp = job_at(jobs, slot)->cmp;
    return cpn_engine_schedule(jobs->cfg.engine, at, &compute_handler, jobs,
                               timer_arg(slot, kind, 0), &cmp->timer[kind]);
}

int cpn_jobs_compute_new_(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    const struct cpn_job_spec *s = &j->s;
    int split = s->n_split >= 2, iterated = s->training.iterations > 0;
    if (!split && !iterated && s->access != CPN_ACCESS_STREAM)
        return CPN_OK;
    struct jobs_compute *cmp = calloc(1, sizeof *cmp);
    uint32_t n = split ? s->n_split : 1;
    if (!cmp || !(cmp->parts = calloc(n, sizeof *cmp->parts))) {
        free(cmp);
        return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory for a job's compute");
    }
    cmp->stream = s->access == CPN_ACCESS_STREAM;
    cmp->n_parts = n;
    cmp->timer[0] = cmp->timer[1] = CPN_EVH_NONE;
    cmp->n_iter = s->training.iterations;
    cmp->convergence = NAN;
    cmp->t_first = NAN;
    cmp->next_ck = INFINITY;
    for (uint32_t k = 0; k < n; k++)
        cmp->parts[k] = (struct jobs_part){.center = split ? s->split_centers[k] : CPN_NONE,
                                           .pool = CPN_NONE,
                                           .units = split ? s->split_units[k] : s->units,
                                           .handle = CPN_NONE};
    /* What a policy and the queues see of an iterated job: its work at peak speed, so that the
     * run time rule gives its compute time (iterations x F / (units x speed x MFU)). */
    if (iterated && !(s->work > 0) && !(s->duration > 0))
        j->s.work = (double)s->training.iterations * s->training.iteration_flop / s->training.mfu;
    j->cmp = cmp;
    return CPN_OK;
}

int cpn_jobs_compute_split_(struct cpn_jobs *jobs, uint32_t slot, uint32_t n,
                            const uint32_t *centers, const uint32_t *units)
{
    struct jobs_compute *cmp = job_at(jobs, slot)->cmp;
    CPN_ASSERT(cmp && n >= 2 && n <= CPN_JOBS_MAX_SPLIT);
    struct jobs_part *parts = calloc(n, sizeof *parts);
    if (!parts)
        return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory for a split");
    for (uint32_t k = 0; k < n; k++)
        parts[k] = (struct jobs_part){
            .center = centers[k], .pool = CPN_NONE, .units = units[k], .handle = CPN_NONE};
    free(cmp->parts);
    cmp->parts = parts;
    cmp->n_parts = n;
    return CPN_OK;
}

void cpn_jobs_compute_free_(struct cpn_jobs *jobs, struct jobs_compute *cmp)
{
    (void)jobs;
    if (!cmp)
        return;
    free(cmp->parts);
    cpn_array_release(&cmp->flows);
    cpn_array_release(&cmp->times);
    free(cmp);
}

/* The pool a part uses at its center: the largest one of the job's type that fits it. */
static uint32_t part_pool(struct cpn_jobs *jobs, const struct jobs_job *j, uint32_t c,
                          uint32_t units)
{
    uint32_t best = CPN_NONE, nc = cpn_center_npools(jobs->centers.items[c].center);
    for (uint32_t p = 0; p < nc; p++) {
        const struct cpn_pool_spec *ps = cpn_center_pool(jobs->centers.items[c].center, p);
        uint32_t type = jobs->pool_type_of.items[jobs->centers.items[c].first_pool + p];
        if ((j->s.pool_type != CPN_NONE && type != j->s.pool_type) || ps->units < units)
            continue;
        if (best == CPN_NONE ||
            ps->flops > cpn_center_pool(jobs->centers.items[c].center, best)->flops)
            best = p;
    }
    return best;
}

int cpn_jobs_compute_queue_(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    struct jobs_compute *cmp = j->cmp;
    double now = now_of(jobs);
    /* Open-ended requests: the compute ends them; the walltime limit, when given, as is. */
    double walltime = j->s.walltime > 0 ? j->s.walltime : INFINITY;
    for (uint32_t k = 0; k < cmp->n_parts; k++) {
        struct jobs_part *p = &cmp->parts[k];
        p->pool = part_pool(jobs, j, p->center, p->units);
        if (p->pool == CPN_NONE)
            return cpn_jobs_end_(jobs, slot, CPN_JOB_FAILED,
                                 "a center of its split has no pool that fits its part");
    }
    j->queued = now;
    j->phase = PHASE_QUEUED;
    j->walltime = walltime;
    j->pool = cmp->parts[0].pool;
    /* Its compute time without the network: the slowest part sets an iteration's pace. */
    double tc = 0;
    for (uint32_t k = 0; k < cmp->n_parts; k++) {
        const struct jobs_part *p = &cmp->parts[k];
        double speed = cpn_center_pool(jobs->centers.items[p->center].center, p->pool)->flops;
        tc = fmax(tc,
                  j->s.training.iteration_flop / ((double)j->s.units * speed * j->s.training.mfu));
    }
    j->runtime = (double)(cmp->n_iter - cmp->iter) * tc; /* the iterations left */
    for (uint32_t k = 0; k < cmp->n_parts; k++) {
        struct jobs_part *p = &cmp->parts[k];
        struct jobs_center *jc = &jobs->centers.items[p->center];
        jc->queued_units += p->units;
        struct cpn_request req = {slot, p->pool, p->units, INFINITY, walltime, 0};
        int rc = cpn_center_submit(jc->center, &req);
        if (rc != CPN_OK)
            return rc;
    }
    return CPN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Progress */

static int compute_complete(struct cpn_jobs *jobs, uint32_t slot, int killed);
static int compute_abort(struct cpn_jobs *jobs, uint32_t slot);
static void compute_stop(struct cpn_jobs *jobs, struct jobs_job *j);

/* Start the flows of @p bytes from @p src to @p dst; counted in cmp->pending. */
static int comm_flow(struct cpn_jobs *jobs, uint32_t slot, uint32_t src, uint32_t dst, double bytes,
                     uint32_t src_site, double cap)
{
    struct jobs_job *j = job_at(jobs, slot);
    uint32_t before = j->pending;
    cpn_flowh h = CPN_FLOWH_NONE;
    int rc = cpn_jobs_transfer_(jobs, slot, src, dst, bytes, 1, src_site, CPN_NONE, cap, &h);
    if (rc != CPN_OK)
        return rc;
    j = job_at(jobs, slot);
    j->cmp->pending += j->pending - before;
    if (h != CPN_FLOWH_NONE && cpn_array_push(&j->cmp->flows, h) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory for a job's flows");
    return CPN_OK;
}

/* The current iteration synchronises gradients (DP, every sync_every iterations). */
static int is_sync(const struct jobs_job *j)
{
    uint32_t h = j->s.training.sync_every ? j->s.training.sync_every : 1;
    return (j->cmp->iter + 1) % h == 0;
}

static int start_iteration(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    struct jobs_compute *cmp = j->cmp;
    double now = now_of(jobs);
    const struct cpn_training *tr = &j->s.training;
    cmp->t_iter = now;
    cmp->comp_done = 0;
    int sync = is_sync(j), split = cmp->n_parts > 1;
    int wan = split && (tr->parallelism == CPN_PARALLEL_PP || sync);
    cmp->comm = wan || (sync && cmp->intra > 0) ? 1 : 0;
    int rc = set_timer(jobs, slot, TIMER_COMPUTE, now + cmp->tc);
    if (rc == CPN_OK && cmp->comm)
        rc = set_timer(jobs, slot, TIMER_COMM, now + (1 - tr->overlap) * cmp->tc);
    return rc;
}

/* The communication's flows are done (or there were none): the intra-center part, then done. */
static int comm_tail(struct cpn_jobs *jobs, uint32_t slot);
static int check_iteration(struct cpn_jobs *jobs, uint32_t slot);

static int comm_start(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    struct jobs_compute *cmp = j->cmp;
    const struct cpn_training *tr = &j->s.training;
    uint32_t n = cmp->n_parts;
    cmp->comm = 2;
    cmp->flows.len = 0;
    int rc = CPN_OK;
    if (n > 1 && tr->parallelism == CPN_PARALLEL_DP && is_sync(j)) {
        /* Ring all-reduce of the shards across the centers: each center sends 2 (n-1)/n S to
         * the next (reference §2.4: T = 2 (d - 1) / d x S / B). */
        double bytes = 2.0 * (n - 1) / n * tr->gradient_bytes;
        for (uint32_t k = 0; k < n && rc == CPN_OK; k++)
            rc = comm_flow(jobs, slot, center_node(jobs, cmp->parts[k].center),
                           center_node(jobs, cmp->parts[(k + 1) % n].center), bytes, CPN_NONE, 0);
    } else if (n > 1 && tr->parallelism == CPN_PARALLEL_PP) {
        /* Activations forward and their gradients backward across every stage boundary. */
        for (uint32_t b = 0; b + 1 < n && rc == CPN_OK; b++) {
            uint32_t x = center_node(jobs, cmp->parts[b].center);
            uint32_t y = center_node(jobs, cmp->parts[b + 1].center);
            rc = comm_flow(jobs, slot, x, y, tr->activation_bytes, CPN_NONE, 0);
            if (rc == CPN_OK)
                rc = comm_flow(jobs, slot, y, x, tr->activation_bytes, CPN_NONE, 0);
        }
    }
    if (rc != CPN_OK)
        return rc;
    j = job_at(jobs, slot);
    return j->cmp->pending ? CPN_OK : comm_tail(jobs, slot);
}

static int comm_tail(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    struct jobs_compute *cmp = j->cmp;
    if (is_sync(j) && cmp->intra > 0) {
        cmp->comm = 3;
        return set_timer(jobs, slot, TIMER_COMM, now_of(jobs) + cmp->intra);
    }
    cmp->comm = 4;
    return check_iteration(jobs, slot);
}

static int check_iteration(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    struct jobs_compute *cmp = j->cmp;
    if (!cmp->comp_done || (cmp->comm != 0 && cmp->comm != 4))
        return CPN_OK;
    double now = now_of(jobs);
    if (cmp->next_ck <= now) {
        /* A checkpoint fell during this iteration: it saved the state before it (the
         * iterations done by the iteration's start). */
        cmp->ck_iter = cmp->iter;
        cmp->ck_times = cmp->times.len;
        cmp->ck_sum_tc = cmp->sum_tc;
        cmp->ck_sum_ideal = cmp->sum_ideal;
        cmp->ck_time = cmp->t_iter - cmp->t0;
        double c = j->s.checkpoint;
        cmp->next_ck = cmp->t0 + c * (floor((now - cmp->t0) / c) + 1);
    }
    if (cpn_array_push(&cmp->times, now - cmp->t_iter) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory for iteration times");
    cmp->sum_tc += cmp->tc;
    cmp->sum_ideal += is_sync(j) ? cmp->single_sync : cmp->single_plain;
    if (++cmp->iter >= cmp->n_iter)
        return compute_complete(jobs, slot, 0);
    return start_iteration(jobs, slot);
}

/* Bottleneck capacity of the shortest path between two nodes [B/s] (INFINITY for one node). */
static double bottleneck(struct cpn_jobs *jobs, uint32_t a, uint32_t b)
{
    const struct cpn_path *p;
    if (a == b || cpn_route_shortest(jobs->cfg.router, a, b, &p) != CPN_OK)
        return a == b ? INFINITY : 0;
    double c = INFINITY;
    for (uint32_t h = 0; h < p->hops; h++)
        c = fmin(c, cpn_topo_link(jobs->cfg.topo, cpn_topo_dlink_link(p->dlinks[h]))->capacity);
    return c;
}

/* Every part runs: set the iteration constants and start, or start the stream. */
static int compute_begin(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    struct jobs_compute *cmp = j->cmp;
    double now = now_of(jobs);
    cmp->t0 = j->start = now;
    j->phase = PHASE_RUNNING;
    if (cmp->stream) {
        /* The computation consumes its input uniformly over its ideal run time; the stream
         * flow is capped at that rate, the prefetch buffer holds what stage-in brought. */
        cmp->ideal = j->runtime;
        double rest = fmax(j->s.bytes_in - fmin(j->s.prefetch, j->s.bytes_in), 0);
        double rate = cmp->ideal > 0 ? j->s.bytes_in / cmp->ideal : INFINITY;
        uint32_t src = input_node_of(jobs, j);
        int rc = set_timer(jobs, slot, TIMER_COMPUTE, now + cmp->ideal);
        if (rc == CPN_OK && rest > 0) {
            j->in_asked += rest;
            rc = comm_flow(jobs, slot, src, center_node(jobs, j->center), rest, j->s.dataset_site,
                           isfinite(rate) ? rate : 0);
        }
        if (rc != CPN_OK)
            return rc;
        j = job_at(jobs, slot);
        j->cmp->stream_done = j->cmp->pending == 0;
        return CPN_OK;
    }
    const struct cpn_training *tr = &j->s.training;
    double units = (double)j->s.units;
    /* What a failure now would keep: the iterations of the runs before (docs/models-dynamics.md,
     * "Center failures"); the first checkpoint of this run is due one interval from now. */
    if (isnan(cmp->t_first))
        cmp->t_first = now;
    cmp->ck_iter = cmp->iter;
    cmp->ck_times = cmp->times.len;
    cmp->ck_sum_tc = cmp->sum_tc;
    cmp->ck_sum_ideal = cmp->sum_ideal;
    cmp->ck_time = 0;
    cmp->next_ck = j->s.checkpoint > 0 ? now + j->s.checkpoint : INFINITY;
    cmp->tc = 0;
    cmp->intra = 0;
    for (uint32_t k = 0; k < cmp->n_parts; k++) {
        const struct jobs_part *p = &cmp->parts[k];
        /* Each part computes its share of the batch (DP) or of the layers (PP), units / U. */
        cmp->tc = fmax(cmp->tc, tr->iteration_flop / (units * p->speed * tr->mfu));
        double share = tr->parallelism == CPN_PARALLEL_PP ? p->units / units : 1.0;
        if (isfinite(tr->intra_bandwidth) && p->units > 1)
            cmp->intra = fmax(cmp->intra, 2.0 * (p->units - 1) / p->units * tr->gradient_bytes *
                                              share / (p->units * tr->intra_bandwidth));
    }
    /* The same job in one center, on part 0's units' speed. */
    double single = tr->iteration_flop / (units * cmp->parts[0].speed * tr->mfu);
    double intra1 =
        isfinite(tr->intra_bandwidth) && units > 1
            ? 2.0 * (units - 1) / units * tr->gradient_bytes / (units * tr->intra_bandwidth)
            : 0;
    cmp->single_plain = single;
    cmp->single_sync = fmax(single, (1 - tr->overlap) * single + intra1);
    if (cmp->n_parts > 1 && isfinite(tr->intra_bandwidth)) {
        double inter = bottleneck(jobs, center_node(jobs, cmp->parts[0].center),
                                  center_node(jobs, cmp->parts[1].center));
        cmp->convergence = cmp->parts[0].units * tr->intra_bandwidth / inter;
    }
    return start_iteration(jobs, slot);
}

/* The stream's compute is over when both its time has passed and its data has arrived. */
static int stream_check(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_compute *cmp = job_at(jobs, slot)->cmp;
    if (cmp->compute_done && cmp->stream_done)
        return compute_complete(jobs, slot, 0);
    return CPN_OK;
}

int cpn_jobs_compute_flow_done_(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_compute *cmp = job_at(jobs, slot)->cmp;
    CPN_ASSERT(cmp && cmp->pending > 0);
    if (--cmp->pending > 0)
        return CPN_OK;
    cmp->flows.len = 0;
    if (cmp->stream) {
        cmp->stream_done = 1;
        return stream_check(jobs, slot);
    }
    return comm_tail(jobs, slot);
}

static int on_timer(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    struct cpn_jobs *jobs = ctx;
    uint32_t slot = (uint32_t)arg;
    unsigned kind = (unsigned)(arg >> 32) & 3;
    struct jobs_job *j = job_at(jobs, slot);
    if (kind == TIMER_FINISH) { /* a part that started after its job ended: release it */
        uint32_t part = (uint32_t)(arg >> 34);
        struct jobs_part *p = &j->cmp->parts[part];
        return cpn_center_finish(jobs->centers.items[p->center].center, p->handle);
    }
    struct jobs_compute *cmp = j->cmp;
    cmp->timer[kind] = CPN_EVH_NONE;
    if (kind == TIMER_COMPUTE) {
        if (cmp->stream) {
            cmp->compute_done = 1;
            return stream_check(jobs, slot);
        }
        cmp->comp_done = 1;
        return check_iteration(jobs, slot);
    }
    if (cmp->comm == 1)
        return comm_start(jobs, slot);
    cmp->comm = 4; /* the intra-center tail is over */
    return check_iteration(jobs, slot);
}

/* ---------------------------------------------------------------------------------------------
 * Start and end of the parts */

/* The compute is over (or the walltime limit stopped it): write its record, stop its timers and
 * flows, and end the parts still running.  The job goes on when its last part has ended
 * (cpn_jobs_compute_on_end_()); @p slot must not be used after the last cpn_center_finish(). */
static int compute_complete(struct cpn_jobs *jobs, uint32_t slot, int killed)
{
    struct jobs_job *j = job_at(jobs, slot);
    struct jobs_compute *cmp = j->cmp;
    double now = now_of(jobs);
    compute_stop(jobs, j);
    size_t n = cmp->times.len;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += cmp->times.items[i];
    double p95 = NAN;
    if (n) {
        double *sorted = malloc(n * sizeof *sorted);
        if (!sorted)
            return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory");
        memcpy(sorted, cmp->times.items, n * sizeof *sorted);
        gsl_sort(sorted, 1, n);
        p95 = gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.95);
        free(sorted);
    }
    /* From its first start: a run cut by a center failure and placed again counts whole. */
    double actual =
        cmp->started == cmp->n_parts ? now - (isnan(cmp->t_first) ? cmp->t0 : cmp->t_first) : 0;
    double ideal = cmp->stream ? cmp->ideal : cmp->sum_ideal;
    struct cpn_compute_record rec = {
        .ideal = ideal,
        .actual = actual,
        .efficiency = actual > 0 ? ideal / actual : NAN,
        .iter_mean = n ? sum / (double)n : NAN,
        .iter_p95 = p95,
        .exposed = n && sum > 0 ? 1 - cmp->sum_tc / sum : NAN,
        .convergence = cmp->convergence,
        .iterations = cmp->iter,
        .job = j->id,
        .centers = cmp->n_parts,
        .streamed = (uint8_t)cmp->stream,
        .killed = (uint8_t)(killed != 0),
    };
    j->killed |= killed;
    cmp->n_iter = 0; /* done: parts that start from now on are released at once */
    int rc = cpn_observe_compute_end(jobs->cfg.observer, &rec);
    if (rc != CPN_OK)
        return rc;
    /* End the running parts; the last end moves the job on (and may free the slot). */
    struct cpn_center *centers[CPN_JOBS_MAX_SPLIT];
    uint32_t handles[CPN_JOBS_MAX_SPLIT], m = 0;
    for (uint32_t k = 0; k < cmp->n_parts; k++)
        if (cmp->parts[k].handle != CPN_NONE) {
            centers[m] = jobs->centers.items[cmp->parts[k].center].center;
            handles[m++] = cmp->parts[k].handle;
        }
    cmp->ending = 1;
    for (uint32_t i = 0; i < m && rc == CPN_OK; i++)
        rc = cpn_center_finish(centers[i], handles[i]);
    return rc;
}

/* Stop the compute's timers and flows. */
static void compute_stop(struct cpn_jobs *jobs, struct jobs_job *j)
{
    struct jobs_compute *cmp = j->cmp;
    for (int k = 0; k < 2; k++)
        if (cmp->timer[k] != CPN_EVH_NONE) {
            cpn_engine_cancel(jobs->cfg.engine, cmp->timer[k]);
            cmp->timer[k] = CPN_EVH_NONE;
        }
    for (size_t i = 0; i < cmp->flows.len; i++)
        cpn_flow_cancel(cpn_network_flows(jobs->cfg.network), cmp->flows.items[i]);
    CPN_ASSERT(j->pending >= cmp->pending);
    j->pending -= cmp->pending;
    cmp->pending = 0;
    cmp->flows.len = 0;
}

/* A center of the running compute failed: stop it and end the parts still running, to be
 * placed again when the last has ended. */
static int compute_abort(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    struct jobs_compute *cmp = j->cmp;
    compute_stop(jobs, j);
    cmp->requeue = 1;
    cmp->ending = 1;
    struct cpn_center *centers[CPN_JOBS_MAX_SPLIT];
    uint32_t handles[CPN_JOBS_MAX_SPLIT], m = 0;
    for (uint32_t k = 0; k < cmp->n_parts; k++)
        if (cmp->parts[k].handle != CPN_NONE) {
            centers[m] = jobs->centers.items[cmp->parts[k].center].center;
            handles[m++] = cmp->parts[k].handle;
        }
    cmp->lost_at = now_of(jobs);
    int rc = CPN_OK;
    for (uint32_t i = 0; i < m && rc == CPN_OK; i++)
        rc = cpn_center_finish(centers[i], handles[i]);
    return rc;
}

void cpn_jobs_compute_rewind_(struct cpn_jobs *jobs, uint32_t slot, double *lost)
{
    struct jobs_job *j = job_at(jobs, slot);
    struct jobs_compute *cmp = j->cmp;
    *lost = (double)j->s.units * fmax(0, cmp->lost_at - cmp->t0 - cmp->ck_time);
    cmp->iter = cmp->ck_iter;
    cmp->times.len = cmp->ck_times;
    cmp->sum_tc = cmp->ck_sum_tc;
    cmp->sum_ideal = cmp->ck_sum_ideal;
    cmp->requeue = 0;
    cmp->ending = 0;
    cmp->started = 0;
    cmp->comp_done = 0;
    cmp->comm = 0;
    cmp->next_ck = INFINITY;
    for (uint32_t k = 0; k < cmp->n_parts; k++) {
        cmp->parts[k].handle = CPN_NONE;
        cmp->parts[k].started = 0;
    }
}

/* The part of job @p j at @p center (by the center object: the parts are at distinct centers). */
static uint32_t part_of(struct cpn_jobs *jobs, const struct jobs_compute *cmp,
                        const struct cpn_center *center)
{
    for (uint32_t k = 0; k < cmp->n_parts; k++)
        if (jobs->centers.items[cmp->parts[k].center].center == center)
            return k;
    return CPN_NONE;
}

int cpn_jobs_compute_on_start_(struct cpn_jobs *jobs, uint32_t slot, struct cpn_center *center,
                               const struct cpn_request_event *ev)
{
    struct jobs_job *j = job_at(jobs, slot);
    struct jobs_compute *cmp = j->cmp;
    uint32_t k = part_of(jobs, cmp, center);
    CPN_ASSERT(k != CPN_NONE);
    struct jobs_part *p = &cmp->parts[k];
    struct jobs_center *jc = &jobs->centers.items[p->center];
    jc->queued_units -= p->units;
    p->handle = ev->handle;
    p->started = 1;
    p->speed = cpn_center_pool(center, ev->pool)->flops;
    double end = ev->start + (isfinite(ev->walltime) ? ev->walltime : j->runtime);
    p->run_work = p->units * end;
    jc->run_units += p->units;
    jc->run_end_sum += p->run_work;
    cmp->started++;
    if (cmp->ending) /* the job ended while this part waited: release it at once */
        return cpn_engine_schedule_in(jobs->cfg.engine, 0, &compute_handler, jobs,
                                      timer_arg(slot, TIMER_FINISH, k), NULL);
    if (cmp->started < cmp->n_parts)
        return CPN_OK; /* the parts start together: the first ones wait, holding their units */
    return compute_begin(jobs, slot);
}

int cpn_jobs_compute_on_end_(struct cpn_jobs *jobs, uint32_t slot, struct cpn_center *center,
                             const struct cpn_request_event *ev, int *whole)
{
    struct jobs_job *j = job_at(jobs, slot);
    struct jobs_compute *cmp = j->cmp;
    uint32_t k = part_of(jobs, cmp, center);
    CPN_ASSERT(k != CPN_NONE);
    struct jobs_part *p = &cmp->parts[k];
    struct jobs_center *jc = &jobs->centers.items[p->center];
    jc->run_units -= p->units;
    jc->run_end_sum -= p->run_work;
    p->handle = CPN_NONE;
    j->run_end = ev->end;
    *whole = 0;
    uint32_t running = 0, waiting = 0;
    for (uint32_t i = 0; i < cmp->n_parts; i++) {
        running += cmp->parts[i].handle != CPN_NONE;
        waiting += !cmp->parts[i].started;
    }
    if (!cmp->ending && ev->failed && !cmp->stream && cmp->started == cmp->n_parts &&
        (jobs->cfg.policy || j->s.center != CPN_NONE || j->s.n_split >= 2)) {
        /* A center of its running compute failed: stop the compute without a record and end
         * the other parts; the last end places it again with what its checkpoint kept
         * (cpn_jobs_compute_rewind_()). */
        *whole = running == 0 && waiting == 0;
        return compute_abort(jobs, slot);
    }
    if (!cmp->ending) {
        /* The walltime limit, before the compute was over: stop it and end the other parts.
         * When other parts run, the last of their ends moves the job on (and may free the
         * slot); otherwise this end does. */
        *whole = running == 0 && waiting == 0;
        return compute_complete(jobs, slot, 1);
    }
    *whole = running == 0 && waiting == 0;
    return CPN_OK;
}
