/* Jobs: life cycle and placement (see jobs.h); the world view in jobs_world.c, periodic events
 * and totals in jobs_periodic.c, sources in jobs_source.c, inference in jobs_inference.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/jobs/jobs_impl.h"
#include "models/net/route.h"
#include "sim/engine.h"
#include "sim/error.h"

static const char *const kind_names[CPN_JOB_NKINDS] = {"batch",  "training",  "ingest",
                                                       "deploy", "inference", "vm"};

const char *cpn_job_kind_name(enum cpn_job_kind kind)
{
    return (unsigned)kind < CPN_JOB_NKINDS ? kind_names[kind] : "?";
}

const char *const *cpn_job_kind_names(size_t *n)
{
    if (n)
        *n = CPN_JOB_NKINDS;
    return kind_names;
}

int cpn_job_kind_parse(const char *name, enum cpn_job_kind *out)
{
    if (!name || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_job_kind_parse: NULL argument");
    for (unsigned i = 0; i < CPN_JOB_NKINDS; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (enum cpn_job_kind)i;
            return CPN_OK;
        }
    return CPN_ERROR(CPN_ENOENT,
                     "job kind \"%s\" is unknown (accepted: batch, training, ingest, deploy, "
                     "inference, vm)",
                     name);
}

void cpn_job_spec_init(struct cpn_job_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->kind = CPN_JOB_BATCH;
    spec->origin = CPN_NONE;
    spec->units = 1;
    spec->pool_type = CPN_NONE;
    spec->data_node = CPN_NONE;
    spec->center = CPN_NONE;
    spec->transport = CPN_NONE;
    spec->dataset_site = CPN_NONE;
    spec->training.mfu = 1;
    spec->training.sync_every = 1;
    spec->training.intra_bandwidth = INFINITY;
    spec->targets = 1;
    spec->target_kind = CPN_CENTER_NKINDS;
}

/* ---------------------------------------------------------------------------------------------
 * Object, centers */

int cpn_jobs_new(const struct cpn_jobs_config *cfg, struct cpn_jobs **out)
{
    if (!cfg || !out || !cfg->engine || !cfg->network || !cfg->topo || !cfg->router)
        return CPN_ERROR(CPN_EINVAL, "cpn_jobs_new: NULL argument");
    *out = NULL;
    if (cfg->n_paths > CPN_NETWORK_MAX_PATHS)
        return CPN_ERROR(CPN_EINVAL, "jobs: %u paths asked (use 1 to %d)", cfg->n_paths,
                         CPN_NETWORK_MAX_PATHS);
    if (!(cfg->sample_interval >= 0 && isfinite(cfg->sample_interval)))
        return CPN_ERROR(CPN_EINVAL, "jobs: sample interval %g s must be finite and >= 0",
                         cfg->sample_interval);
    struct cpn_jobs *jobs = calloc(1, sizeof *jobs);
    if (!jobs)
        return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory");
    jobs->cfg = *cfg;
    if (jobs->cfg.n_paths == 0)
        jobs->cfg.n_paths = 1;
    jobs->free_head = CPN_NONE;
    jobs->n_nodes = cpn_topo_node_count(cfg->topo);
    jobs->n_dlinks = cpn_network_dlinks(cfg->network);
    size_t nn = jobs->n_nodes ? jobs->n_nodes : 1;
    jobs->origin_node = malloc(nn * sizeof *jobs->origin_node);
    jobs->origin_region = malloc(nn * sizeof *jobs->origin_region);
    jobs->rtt_valid = calloc(nn, 1);
    jobs->link_sample = calloc(jobs->n_dlinks ? jobs->n_dlinks : 1, sizeof *jobs->link_sample);
    if (!jobs->origin_node || !jobs->origin_region || !jobs->rtt_valid || !jobs->link_sample) {
        cpn_jobs_free(jobs);
        return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory");
    }
    for (uint32_t n = 0; n < jobs->n_nodes; n++) {
        jobs->origin_node[n] = n;
        jobs->origin_region[n] = cfg->node_region ? cfg->node_region[n] : n;
    }
    *out = jobs;
    return CPN_OK;
}

void cpn_jobs_free(struct cpn_jobs *jobs)
{
    if (!jobs)
        return;
    for (size_t i = 0; i < jobs->slots.len; i++) {
        cpn_jobs_service_free_(jobs, jobs->slots.items[i].svc);
        cpn_jobs_compute_free_(jobs, jobs->slots.items[i].cmp);
    }
    for (size_t c = 0; c < jobs->centers.len; c++)
        cpn_center_free(jobs->centers.items[c].center);
    for (size_t t = 0; t < jobs->types.len; t++)
        free(jobs->types.items[t]);
    for (size_t s = 0; s < jobs->sources.len; s++)
        cpn_jobs_source_release_(&jobs->sources.items[s]);
    cpn_array_release(&jobs->centers);
    cpn_array_release(&jobs->types);
    cpn_array_release(&jobs->pool_type_of);
    cpn_array_release(&jobs->slots);
    cpn_array_release(&jobs->sources);
    for (size_t i = 0; i < jobs->reasons.len; i++)
        free(jobs->reasons.items[i]);
    cpn_array_release(&jobs->reasons);
    cpn_array_release(&jobs->held);
    cpn_array_release(&jobs->held_swap);
    cpn_awareness_free(jobs->aw);
    free(jobs->wcenters);
    free(jobs->wpools);
    free(jobs->origin_node);
    free(jobs->origin_region);
    free(jobs->rtt);
    free(jobs->bandwidth);
    free(jobs->rtt_valid);
    free(jobs->link_sample);
    free(jobs->center_sample);
    free(jobs->pool_sample);
    free(jobs);
}

int cpn_jobs_set_center_site(struct cpn_jobs *jobs, uint32_t center, uint32_t site)
{
    if (!jobs || center >= jobs->centers.len || site >= jobs->cfg.n_sites)
        return CPN_ERROR(CPN_EINVAL, "jobs: center %u or storage site %u unknown", center, site);
    jobs->centers.items[center].site = site;
    return CPN_OK;
}

uint32_t cpn_jobs_pool_type(const struct cpn_jobs *jobs, const char *accelerator)
{
    const char *name = accelerator ? accelerator : "";
    for (size_t t = 0; t < jobs->types.len; t++)
        if (strcmp(jobs->types.items[t], name) == 0)
            return (uint32_t)t;
    return CPN_NONE;
}

static int center_on_start(void *ctx, struct cpn_center *center,
                           const struct cpn_request_event *ev);
static int center_on_end(void *ctx, struct cpn_center *center, const struct cpn_request_event *ev);

int cpn_jobs_add_center(struct cpn_jobs *jobs, const struct cpn_center_spec *spec,
                        const struct cpn_pool_spec *pools, uint32_t n_pools, uint32_t *index)
{
    if (!jobs || !spec || !pools || n_pools == 0)
        return CPN_ERROR(CPN_EINVAL, "cpn_jobs_add_center: NULL argument or no pool");
    if (jobs->started)
        return CPN_ERROR(CPN_ESTATE, "jobs: center \"%s\" added after the start",
                         spec->id ? spec->id : "");
    if (spec->node >= jobs->n_nodes)
        return CPN_ERROR(CPN_EINVAL, "jobs: center \"%s\": node %u out of range (%u nodes)",
                         spec->id ? spec->id : "", spec->node, jobs->n_nodes);
    if (cpn_array_reserve(&jobs->centers, jobs->centers.len + 1) != CPN_OK ||
        cpn_array_reserve(&jobs->pool_type_of, jobs->pool_type_of.len + n_pools) != CPN_OK ||
        cpn_array_reserve(&jobs->types, jobs->types.len + n_pools) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory");
    struct cpn_center_hooks hooks = {center_on_start, center_on_end, jobs};
    struct cpn_center *center;
    int rc = cpn_center_new(spec, jobs->cfg.engine, &hooks, &center);
    if (rc != CPN_OK)
        return rc;
    for (uint32_t p = 0; p < n_pools; p++)
        if ((rc = cpn_center_add_pool(center, &pools[p], NULL)) != CPN_OK) {
            cpn_center_free(center);
            return rc;
        }
    for (uint32_t p = 0; p < n_pools; p++) {
        const char *name = pools[p].accelerator ? pools[p].accelerator : "";
        uint32_t type = cpn_jobs_pool_type(jobs, name);
        if (type == CPN_NONE) {
            char *copy = strdup(name);
            if (!copy) {
                cpn_center_free(center);
                return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory");
            }
            type = (uint32_t)jobs->types.len;
            jobs->types.items[jobs->types.len++] = copy;
        }
        jobs->pool_type_of.items[jobs->pool_type_of.len++] = type;
    }
    struct jobs_center jc = {center, jobs->n_wpools, 0, 0, 0, CPN_NONE, NAN, 0};
    jobs->n_wpools += n_pools;
    jobs->centers.items[jobs->centers.len++] = jc;
    if (index)
        *index = (uint32_t)jobs->centers.len - 1;
    return CPN_OK;
}

uint32_t cpn_jobs_ncenters(const struct cpn_jobs *jobs)
{
    return (uint32_t)jobs->centers.len;
}

struct cpn_center *cpn_jobs_center(const struct cpn_jobs *jobs, uint32_t i)
{
    return i < jobs->centers.len ? jobs->centers.items[i].center : NULL;
}

struct cpn_awareness *cpn_jobs_awareness(const struct cpn_jobs *jobs)
{
    return jobs->aw;
}

/* ---------------------------------------------------------------------------------------------
 * Slots, ends */

int cpn_jobs_alloc_slot_(struct cpn_jobs *jobs, uint32_t *slot)
{
    if (jobs->free_head != CPN_NONE) {
        *slot = jobs->free_head;
        jobs->free_head = jobs->slots.items[*slot].next_free;
    } else {
        if (jobs->slots.len >= CPN_NONE - 1 ||
            cpn_array_reserve(&jobs->slots, jobs->slots.len + 1) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory for job slots");
        *slot = (uint32_t)jobs->slots.len++;
    }
    struct jobs_job *j = job_at(jobs, *slot);
    memset(j, 0, sizeof *j);
    j->center = CPN_NONE;
    j->pool = CPN_NONE;
    j->nearest = CPN_NONE;
    j->source = CPN_NONE;
    j->grant = CPN_NONE;
    j->svc_origin = NAN;
    j->svc_down = NAN;
    j->placed = j->staged = j->queued = j->start = j->run_end = NAN;
    j->runtime = j->staleness = NAN;
    j->id = jobs->next_id++;
    return CPN_OK;
}

static int emit_event(struct cpn_jobs *jobs, enum cpn_event_kind kind, uint32_t subject,
                      const char *detail)
{
    struct cpn_event_record ev = {now_of(jobs), (uint32_t)kind, subject, detail};
    return cpn_observe_event(jobs->cfg.observer, &ev);
}

static int release_bandwidth(struct cpn_jobs *jobs, uint32_t slot);

int cpn_jobs_end_(struct cpn_jobs *jobs, uint32_t slot, enum cpn_job_state state,
                  const char *reason)
{
    int rc0 = release_bandwidth(jobs, slot); /* an ingest's transfer is over */
    if (rc0 != CPN_OK)
        return rc0;
    struct jobs_job *j = job_at(jobs, slot);
    double now = now_of(jobs);
    int8_t slo_met = -1;
    if (j->s.kind == CPN_JOB_INFERENCE && j->s.slo > 0 && j->requests > 0)
        slo_met = (double)j->requests_met >= CPN_JOBS_SLO_FRACTION * (double)j->requests;
    else if (j->s.deadline > 0)
        slo_met = state == CPN_JOB_DONE && now <= j->s.deadline;
    struct cpn_job_times t = {
        .id = j->id,
        .kind = j->s.kind,
        .state = state,
        .reason = reason,
        .origin = j->s.origin,
        .center = state == CPN_JOB_REJECTED ? CPN_NONE : j->center,
        .pool = j->pool,
        .units = j->s.units,
        .attempts = j->attempts,
        .submit = j->s.submit,
        .placed = j->placed,
        .staged = j->staged,
        .queued = j->queued,
        .start = j->start,
        .run_end = j->run_end,
        .done = now,
        .runtime = j->runtime,
        .staleness = j->staleness,
        .bytes_in_asked = j->in_asked,
        .bytes_in_done = j->in_done,
        .bytes_out_asked = j->out_asked,
        .bytes_out_done = j->out_done,
        .requests = j->requests,
        .requests_slo_met = j->requests_met,
    };
    struct cpn_job_record rec = {
        .submit = j->s.submit,
        .start = j->start,
        .end = now,
        .wait = j->start - j->queued,
        .bytes_in = j->in_done,
        .bytes_out = j->out_done,
        .staleness = j->staleness,
        .ideal_transfer = j->ideal_transfer > 0 ? j->ideal_transfer : NAN,
        .id = j->id,
        .origin = j->s.origin,
        .center = t.center,
        .units = j->s.units,
        .kind = (uint8_t)j->s.kind,
        .state = (uint8_t)state,
        .slo_met = slo_met,
    };
    if (state == CPN_JOB_DONE)
        jobs->st.done++;
    else if (state == CPN_JOB_REJECTED)
        jobs->st.rejected++;
    else
        jobs->st.failed++;
    jobs->st.active--;
    if (jobs->draining && jobs->st.active == 0)
        cpn_engine_stop(jobs->cfg.engine); /* the work submitted before until has ended */
    cpn_jobs_service_free_(jobs, j->svc);
    j->svc = NULL;
    cpn_jobs_compute_free_(jobs, j->cmp);
    j->cmp = NULL;
    j->phase = PHASE_FREE;
    j->next_free = jobs->free_head;
    jobs->free_head = slot;
    if (jobs->cfg.hook)
        jobs->cfg.hook(jobs->cfg.hook_ctx, &t);
    int rc = CPN_OK;
    if (reason) {
        char detail[160];
        snprintf(detail, sizeof detail, "job %u %s: %s", t.id,
                 state == CPN_JOB_REJECTED ? "rejected" : "failed", reason);
        rc = emit_event(jobs, CPN_EVENT_OTHER, t.id, detail);
    }
    if (rc == CPN_OK)
        rc = cpn_observe_job_end(jobs->cfg.observer, &rec);
    if (rc == CPN_OK && jobs->st.active == 0)
        rc = cpn_jobs_window_workload_ended_(jobs);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Transfers */

static int on_flow_done(struct cpn_flownet *fn, void *ctx, const struct cpn_flow_done *done);
static int at_center(struct cpn_jobs *jobs, uint32_t slot);
static int dispatch_split(struct cpn_jobs *jobs, uint32_t slot);

uint32_t cpn_jobs_center_site_(const struct cpn_jobs *jobs, uint32_t center)
{
    return center < jobs->centers.len ? jobs->centers.items[center].site : CPN_NONE;
}

/* Start @p bytes from @p src to @p dst for job @p slot over @p k paths, reading from storage
 * site @p src_site and writing to @p dst_site (CPN_NONE: none), each flow capped at @p cap
 * (0: no cap of its own); counts the flows in j->pending.  Nothing moves for 0 bytes, or for
 * src == dst without a storage site on the way.  @p out receives the flow of a one-path
 * transfer (may be NULL). */
int cpn_jobs_transfer_(struct cpn_jobs *jobs, uint32_t slot, uint32_t src, uint32_t dst,
                       double bytes, uint32_t k, uint32_t src_site, uint32_t dst_site, double cap,
                       cpn_flowh *out)
{
    if (!(bytes > 0) || (src == dst && src_site == CPN_NONE && dst_site == CPN_NONE))
        return CPN_OK;
    struct cpn_transfer t = {
        .src = src,
        .dst = dst,
        .size = bytes,
        .profile = job_at(jobs, slot)->s.transport != CPN_NONE ? job_at(jobs, slot)->s.transport
                                                               : jobs->cfg.profile,
        .weight = 1,
        .done = on_flow_done,
        .ctx = jobs,
        .id = slot,
        .src_site = src_site,
        .dst_site = dst_site,
        .cap = cap,
    };
    uint32_t started = 1;
    int rc;
    struct jobs_job *j = job_at(jobs, slot);
    if (j->s.kind == CPN_JOB_INGEST) { /* the reference of its transfer slowdown */
        double ideal;
        rc = cpn_network_ideal_time(jobs->cfg.network, &t, k < 1 ? 1 : k, &ideal);
        if (rc != CPN_OK && rc != CPN_EUNREACH)
            return rc;
        if (rc == CPN_OK)
            j->ideal_transfer = fmax(j->ideal_transfer, ideal);
    }
    if (k <= 1 || src == dst) {
        const struct cpn_path *path;
        if ((rc = cpn_route_shortest(jobs->cfg.router, src, dst, &path)) != CPN_OK)
            return rc;
        t.path = path;
        t.id |= (uint64_t)(path->id + 1u) << 32; /* the path id travels with the flow */
        rc = cpn_network_transfer(jobs->cfg.network, &t, out);
    } else {
        rc = cpn_network_transfer_multipath(jobs->cfg.network, &t, k, NULL, NULL, &started);
    }
    if (rc != CPN_OK)
        return rc;
    job_at(jobs, slot)->pending += started;
    jobs->st.flows += started;
    jobs->st.bytes_asked += bytes;
    return CPN_OK;
}

static int transfer(struct cpn_jobs *jobs, uint32_t slot, uint32_t src, uint32_t dst, double bytes,
                    uint32_t k, uint32_t src_site, uint32_t dst_site)
{
    return cpn_jobs_transfer_(jobs, slot, src, dst, bytes, k, src_site, dst_site, 0, NULL);
}

static int on_flow_done(struct cpn_flownet *fn, void *ctx, const struct cpn_flow_done *done)
{
    (void)fn;
    struct cpn_jobs *jobs = ctx;
    uint32_t slot = (uint32_t)(done->id & 0xffffffffu);
    uint32_t path = (uint32_t)(done->id >> 32);
    struct jobs_job *j = job_at(jobs, slot);
    double dur = done->end - done->start;
    struct cpn_flow_record rec = {
        .start = done->start,
        .end = done->end,
        .bytes = done->size,
        .id = done->flow,
        .job = j->id,
        .src = done->src,
        .dst = done->dst,
        .path = path ? path - 1 : CPN_NONE,
        .klass = CPN_NONE,
        .mean_rate = dur > 0 ? (float)(done->size / dur) : 0.0f,
    };
    if (j->phase == PHASE_RUNNING && !j->cmp) { /* a plain run's only flows: checkpoints */
        int rc = cpn_observe_flow_end(jobs->cfg.observer, &rec);
        CPN_ASSERT(j->pending > 0);
        j->pending--;
        j->ckpt_flow = CPN_FLOWH_NONE;
        j->ckpt_kept = j->ckpt_pending; /* written: it counts from now on */
        j->ckpt_pending = NAN;
        return rc;
    }
    jobs->st.bytes_delivered += done->size;
    if (j->phase == PHASE_STAGE_OUT)
        j->out_done += done->size;
    else
        j->in_done += done->size;
    int rc = cpn_observe_flow_end(jobs->cfg.observer, &rec);
    CPN_ASSERT(j->pending > 0);
    j->pending--;
    if (rc == CPN_OK && j->phase == PHASE_RUNNING && j->cmp)
        return cpn_jobs_compute_flow_done_(jobs, slot); /* a stream or an iteration's flow */
    if (rc != CPN_OK || j->pending > 0)
        return rc;
    switch (j->phase) {
    case PHASE_STAGE_IN:
        return at_center(jobs, slot);
    case PHASE_STAGE_OUT:
        return cpn_jobs_end_(jobs, slot, CPN_JOB_DONE, NULL);
    case PHASE_TRANSFER:
        j->staged = done->end;
        return cpn_jobs_end_(jobs, slot, CPN_JOB_DONE, NULL);
    default:
        return CPN_ERROR(CPN_EINTERNAL, "jobs: flow of job %u done in phase %d", j->id,
                         (int)j->phase);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Placement */

static int queue_at(struct cpn_jobs *jobs, uint32_t slot);

/* Give back job @p slot's elastic bandwidth, if it holds some. */
static int release_bandwidth(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    if (j->grant == CPN_NONE)
        return CPN_OK;
    uint32_t g = j->grant;
    j->grant = CPN_NONE;
    return cpn_network_release_bandwidth(jobs->cfg.network, g);
}

/* Ask for job @p slot's elastic bandwidth on the shortest path from @p src to @p dst
 * (docs/models-dynamics.md, "Elastic bandwidth"); granted or refused, it is reported. */
static int request_bandwidth(struct cpn_jobs *jobs, uint32_t slot, uint32_t src, uint32_t dst)
{
    struct jobs_job *j = job_at(jobs, slot);
    double amount = j->s.elastic > j->elastic ? j->s.elastic : j->elastic;
    if (!(amount > 0) || src == dst || j->grant != CPN_NONE)
        return CPN_OK;
    const struct cpn_path *path;
    int rc = cpn_route_shortest(jobs->cfg.router, src, dst, &path);
    if (rc == CPN_EUNREACH)
        return CPN_OK; /* the transfer reports it */
    double setup = 0;
    uint32_t grant = CPN_NONE;
    if (rc != CPN_OK || (rc = cpn_network_request_bandwidth(jobs->cfg.network, path, amount, &grant,
                                                            &setup)) != CPN_OK)
        return rc;
    j->grant = grant;
    if (jobs->cfg.policy && cpn_policy_ops_of(jobs->cfg.policy)->on_event && jobs->wcenters) {
        cpn_jobs_world_refresh_(jobs);
        struct cpn_policy_event pe = {grant == CPN_NONE ? CPN_POLICY_EVENT_BANDWIDTH_REFUSED
                                                        : CPN_POLICY_EVENT_BANDWIDTH_GRANTED,
                                      now_of(jobs), j->id, j->center, CPN_NONE};
        cpn_policy_notify(jobs->cfg.policy, &pe, &jobs->world);
        j = job_at(jobs, slot);
    }
    char detail[128];
    if (grant == CPN_NONE) {
        jobs->st.bw_refused++;
        snprintf(detail, sizeof detail, "bandwidth %.17g B/s refused", amount);
    } else {
        jobs->st.bw_granted++;
        jobs->st.bw_setup += setup;
        uint32_t waves = cpn_network_grant_wavelengths(jobs->cfg.network, grant);
        if (waves)
            snprintf(detail, sizeof detail,
                     "bandwidth %.17g B/s granted after %.17g s (%u wavelengths lit)", amount,
                     setup, waves);
        else
            snprintf(detail, sizeof detail, "bandwidth %.17g B/s granted after %.17g s", amount,
                     setup);
    }
    return emit_event(jobs, CPN_EVENT_OTHER, j->id, detail);
}

/* Send job @p slot to center @p c (pool hint, paths of the decision): stage-in or transfer. */
static int dispatch(struct cpn_jobs *jobs, uint32_t slot, uint32_t c, uint32_t pool, uint32_t paths)
{
    struct jobs_job *j = job_at(jobs, slot);
    j->center = c;
    j->pool = pool;
    j->paths = j->s.paths ? j->s.paths : (paths ? paths : 1);
    uint32_t src = input_node_of(jobs, j), dst = center_node(jobs, c);
    j->phase = j->s.kind == CPN_JOB_INGEST ? PHASE_TRANSFER : PHASE_STAGE_IN;
    /* A streamed input is staged only up to the prefetch buffer; the rest flows in the run. */
    double bytes = j->cmp && j->cmp->stream ? fmin(j->s.prefetch, j->s.bytes_in) : j->s.bytes_in;
    if (src != dst)
        j->in_asked += bytes;
    int rc = bytes > 0 ? request_bandwidth(jobs, slot, src, dst) : CPN_OK;
    if (rc != CPN_OK)
        return rc;
    rc = transfer(jobs, slot, src, dst, bytes, j->paths, j->s.dataset_site,
                  cpn_jobs_center_site_(jobs, c));
    j = job_at(jobs, slot);
    if (rc == CPN_EUNREACH)
        return cpn_jobs_end_(jobs, slot, CPN_JOB_FAILED, "no route from the data to the center");
    if (rc != CPN_OK || j->pending > 0)
        return rc;
    j->staged = now_of(jobs);
    if (j->s.kind == CPN_JOB_INGEST)
        return cpn_jobs_end_(jobs, slot, CPN_JOB_DONE, NULL);
    return at_center(jobs, slot);
}

/* A split training job: its input goes to its centers in proportion to their units, then its
 * parts queue there (jobs_compute.c). */
static int dispatch_split(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    const struct jobs_compute *cmp = j->cmp;
    j->center = cmp->parts[0].center;
    j->paths = j->s.paths ? j->s.paths : (j->paths ? j->paths : 1);
    j->phase = PHASE_STAGE_IN;
    uint32_t src = input_node_of(jobs, j);
    for (uint32_t k = 0; k < cmp->n_parts; k++) {
        uint32_t c = j->cmp->parts[k].center, dst = center_node(jobs, c);
        double bytes = j->s.bytes_in * j->cmp->parts[k].units / (double)j->s.units;
        if (src != dst)
            j->in_asked += bytes;
        int rc = transfer(jobs, slot, src, dst, bytes, j->paths, j->s.dataset_site,
                          cpn_jobs_center_site_(jobs, c));
        if (rc == CPN_EUNREACH)
            return cpn_jobs_end_(jobs, slot, CPN_JOB_FAILED, "no route from the data to a center");
        if (rc != CPN_OK)
            return rc;
        j = job_at(jobs, slot);
    }
    if (j->pending > 0)
        return CPN_OK;
    return at_center(jobs, slot);
}

/* "by the policy: REASON", kept by @p jobs until it is freed (each distinct text once, so
 * that job records may point to it); NULL when out of memory.  Assumption: a policy gives few
 * distinct reasons (a handful of rules), so a linear search over them costs little. */
static const char *keep_reason(struct cpn_jobs *jobs, const char *reason)
{
    char text[160];
    snprintf(text, sizeof text, "by the policy: %s", reason);
    for (size_t i = 0; i < jobs->reasons.len; i++)
        if (strcmp(jobs->reasons.items[i], text) == 0)
            return jobs->reasons.items[i];
    char *copy = strdup(text);
    if (!copy || cpn_array_push(&jobs->reasons, copy) != CPN_OK) {
        free(copy);
        return NULL;
    }
    return copy;
}

/* Ask the policy for job @p slot.  @p here: the center where a conflict was just found
 * (CPN_NONE otherwise); choosing it again queues the job there. */
static int place(struct cpn_jobs *jobs, uint32_t slot, uint32_t here)
{
    struct jobs_job *j = job_at(jobs, slot);
    double now = now_of(jobs), wall0 = cpn_wall_seconds();
    struct cpn_world_job wj;
    int rc;
    if ((rc = cpn_jobs_network_rows_(jobs, j)) != CPN_OK)
        return rc;
    /* Only the centers the view shows exactly are brought up to date: the others come from
     * the awareness layer's snapshots (every center under oracle awareness, none centralized). */
    if (cpn_awareness_mode_of(jobs->aw) != CPN_AWARENESS_CENTRALIZED)
        for (uint32_t c = 0; c < jobs->centers.len; c++)
            if (cpn_awareness_exact(jobs->aw, &jobs->world, j->s.origin, c))
                cpn_jobs_world_center_(jobs, c);
    jobs->world.time = now;
    cpn_jobs_world_job_(jobs, j, &wj);
    const struct cpn_world *view;
    if ((rc = cpn_awareness_view(jobs->aw, j->s.origin, now, &jobs->world, &view)) != CPN_OK)
        return rc;
    struct cpn_policy_decision d = {.center = CPN_POLICY_HOLD, .pool = CPN_NONE};
    if ((rc = cpn_policy_place(jobs->cfg.policy, &wj, view, &d)) != CPN_OK ||
        (rc = cpn_jobs_fill_error_(jobs)) != CPN_OK)
        return rc;
    j->attempts++;
    if ((rc = cpn_awareness_record_decision(jobs->aw, view, &wj, &d, &j->rec)) != CPN_OK)
        return rc;
    jobs->st.placement_time += cpn_wall_seconds() - wall0;
    if (d.reject) { /* the policy's own rejection, with its reason */
        const char *why = keep_reason(jobs, d.reject);
        return why ? cpn_jobs_end_(jobs, slot, CPN_JOB_REJECTED, why)
                   : CPN_ERROR(CPN_ENOMEM, "jobs: out of memory for a rejection's reason");
    }
    if (d.center == CPN_POLICY_HOLD) {
        jobs->st.holds++;
        j->phase = PHASE_HELD;
        if (cpn_array_push(&jobs->held, slot) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory for the hold queue");
        jobs->st.held++;
        return CPN_OK;
    }
    jobs->st.decisions++;
    jobs->staleness_sum += j->rec.staleness;
    if (j->rec.staleness > jobs->st.staleness_max)
        jobs->st.staleness_max = j->rec.staleness;
    j->staleness = j->rec.staleness;
    j->placed = now;
    j->placed_by_policy = 1;
    j->elastic = d.elastic > 0 && isfinite(d.elastic) ? d.elastic : 0;
    if (jobs->cfg.observer && jobs->cfg.observer->event) { /* formatted only when recorded */
        char detail[200];
        snprintf(detail, sizeof detail, "center=%s pool=%d paths=%u staleness=%.9g",
                 jobs->wcenters[d.center].name, d.pool == CPN_NONE ? -1 : (int)d.pool,
                 d.paths ? d.paths : 1, j->rec.staleness);
        if ((rc = emit_event(jobs, CPN_EVENT_DECISION, j->id, detail)) != CPN_OK)
            return rc;
    }
    if (d.n_split >= 2) { /* a training job split over centers (checked by the registry) */
        if ((rc = cpn_jobs_compute_split_(jobs, slot, d.n_split, d.split_centers, d.split_units)) !=
            CPN_OK)
            return rc;
        j = job_at(jobs, slot);
        j->paths = d.paths;
        return dispatch_split(jobs, slot);
    }
    if (d.center == here) {
        j->pool = d.pool;
        return queue_at(jobs, slot);
    }
    return dispatch(jobs, slot, d.center, d.pool, d.paths);
}

/* The job's input is at its center: check for a conflict, then queue. */
static int at_center(struct cpn_jobs *jobs, uint32_t slot)
{
    int rc = release_bandwidth(jobs, slot); /* its transfer is over */
    if (rc != CPN_OK)
        return rc;
    struct jobs_job *j = job_at(jobs, slot);
    j->staged = now_of(jobs);
    if (j->cmp && j->cmp->n_parts > 1)
        return cpn_jobs_compute_queue_(jobs, slot);
    if (j->placed_by_policy && j->rec.expected_free) {
        struct cpn_world_job wj;
        cpn_jobs_world_center_(jobs, j->center);
        cpn_jobs_world_job_(jobs, j, &wj);
        if (cpn_awareness_arrival(jobs->aw, &j->rec, &jobs->wcenters[j->center], &wj)) {
            jobs->st.conflicts++;
            if (j->attempts < CPN_JOBS_MAX_ATTEMPTS)
                return place(jobs, slot, j->center);
        }
    }
    return queue_at(jobs, slot);
}

/* Reference run time of a job [s] (NaN when unknown): what walltime estimates are relative to. */
static double ref_runtime(const struct cpn_job_spec *s)
{
    if (s->kind == CPN_JOB_VM || s->kind == CPN_JOB_INFERENCE || !(s->work > 0))
        return s->duration;
    return s->ref_speed > 0 ? s->work / (s->units * s->ref_speed) : NAN;
}

/* Run time of a job on units of speed @p speed [s] (docs/models-jobs.md, "Run time"). */
static double runtime_at(const struct cpn_job_spec *s, double speed)
{
    if (s->kind == CPN_JOB_VM || s->kind == CPN_JOB_INFERENCE)
        return s->duration;
    if (s->work > 0)
        return speed > 0 ? s->work / (s->units * speed) : INFINITY;
    if (s->ref_speed > 0)
        return speed > 0 ? s->duration * s->ref_speed / speed : INFINITY;
    return s->duration;
}

static int queue_at(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    uint32_t c = j->center;
    struct jobs_center *jc = &jobs->centers.items[c];
    struct cpn_world_job wj;
    cpn_jobs_world_center_(jobs, c);
    cpn_jobs_world_job_(jobs, j, &wj);
    /* A center that is down still takes the job into its queue (it waits for the repair):
     * its pools are chosen as if it were up. */
    struct cpn_world_center up = jobs->wcenters[c];
    up.up = 1;
    const struct cpn_world_center *wc = &up;
    uint32_t pool = cpn_world_fit_pool(wc, &wj, CPN_WORLD_FIT_NOW);
    if (pool == CPN_NONE) {
        pool = j->pool;
        if (pool == CPN_NONE || pool >= wc->n_pools || wc->pools[pool].units < j->s.units)
            pool = cpn_world_fit_pool(wc, &wj, CPN_WORLD_FIT_EVER);
    }
    CPN_ASSERT(pool != CPN_NONE); /* checked at arrival, and by cpn_policy_place() */
    double runtime = runtime_at(&j->s, wc->pools[pool].speed);
    if (!isfinite(runtime) || (j->s.kind == CPN_JOB_INFERENCE && !(wc->pools[pool].speed > 0)))
        return cpn_jobs_end_(jobs, slot, CPN_JOB_FAILED, "the pool has no speed");
    double ref = ref_runtime(&j->s), walltime = runtime;
    /* A VM or a service holds its units for its lifetime exactly: never killed early. */
    if (j->s.walltime > 0 && j->s.kind != CPN_JOB_VM && j->s.kind != CPN_JOB_INFERENCE)
        walltime = ref > 0 && isfinite(ref) ? j->s.walltime * runtime / ref : j->s.walltime;
    /* After a center failure, only the work not kept by its checkpoints is left. */
    runtime *= 1 - j->progress;
    walltime *= 1 - j->progress;
    j->pool = pool;
    j->runtime = runtime;
    j->walltime = walltime;
    j->queued = now_of(jobs);
    j->phase = PHASE_QUEUED;
    jc->queued_units += j->s.units;
    struct cpn_request req = {slot, pool, j->s.units, runtime, walltime, j->s.share};
    if (j->cmp) { /* its compute ends it (jobs_compute.c); a limit only when one is given */
        j->cmp->parts[0].center = c;
        j->cmp->parts[0].pool = pool;
        req.runtime = INFINITY;
        req.walltime = j->walltime = j->s.walltime > 0 ? walltime : INFINITY;
    }
    return cpn_center_submit(jc->center, &req);
}

/* ---- checkpoint writes (docs/models-dynamics.md, "Center failures") ---- */

static int on_checkpoint(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler checkpoint_handler = {on_checkpoint, "jobs_checkpoint", 0};

/* Whether job @p j writes its checkpoints as flows: an interval, a size and a site at its
 * center. */
static int writes_checkpoints(const struct cpn_jobs *jobs, const struct jobs_job *j)
{
    return !j->cmp && j->s.checkpoint > 0 && j->s.checkpoint_bytes > 0 &&
           j->s.kind != CPN_JOB_INFERENCE && j->center != CPN_NONE &&
           cpn_jobs_center_site_(jobs, j->center) != CPN_NONE;
}

/* A checkpoint is due: write it (the run time so far) to the center's storage site, unless the
 * previous one is still being written (Assumption: a checkpoint is skipped then, as
 * frameworks do not start a save while one is in progress); then schedule the next. */
static int on_checkpoint(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct cpn_jobs *jobs = ctx;
    uint32_t slot = (uint32_t)arg;
    struct jobs_job *j = job_at(jobs, slot);
    j->ckpt_timer = CPN_EVH_NONE;
    if (j->phase != PHASE_RUNNING)
        return CPN_OK;
    double now = cpn_engine_now(eng);
    if (j->ckpt_flow == CPN_FLOWH_NONE) {
        uint32_t node = center_node(jobs, j->center);
        cpn_flowh h = CPN_FLOWH_NONE;
        j->ckpt_pending = now - j->start;
        int rc = cpn_jobs_transfer_(jobs, slot, node, node, j->s.checkpoint_bytes, 1, CPN_NONE,
                                    cpn_jobs_center_site_(jobs, j->center), 0, &h);
        if (rc != CPN_OK)
            return rc;
        j = job_at(jobs, slot);
        j->ckpt_flow = h;
        if (h == CPN_FLOWH_NONE) { /* nothing to move: written at once */
            j->ckpt_kept = j->ckpt_pending;
            j->ckpt_pending = NAN;
        }
    }
    if (now + j->s.checkpoint < j->start + j->runtime)
        return cpn_engine_schedule_in(eng, j->s.checkpoint, &checkpoint_handler, jobs, slot,
                                      &j->ckpt_timer);
    return CPN_OK;
}

/* The run of job @p slot ends: no more checkpoints; one being written is abandoned. */
static int stop_checkpoints(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    int rc = CPN_OK;
    if (j->ckpt_timer != CPN_EVH_NONE)
        rc = cpn_engine_cancel(jobs->cfg.engine, j->ckpt_timer);
    j->ckpt_timer = CPN_EVH_NONE;
    if (rc == CPN_OK && j->ckpt_flow != CPN_FLOWH_NONE) {
        rc = cpn_flow_cancel(cpn_network_flows(jobs->cfg.network), j->ckpt_flow);
        CPN_ASSERT(j->pending > 0);
        j->pending--;
        j->ckpt_flow = CPN_FLOWH_NONE;
    }
    j->ckpt_pending = NAN;
    return rc;
}

static int center_on_start(void *ctx, struct cpn_center *center, const struct cpn_request_event *ev)
{
    struct cpn_jobs *jobs = ctx;
    struct jobs_job *j = job_at(jobs, ev->id);
    if (j->cmp)
        return cpn_jobs_compute_on_start_(jobs, ev->id, center, ev);
    struct jobs_center *jc = &jobs->centers.items[j->center];
    jc->queued_units -= j->s.units;
    j->start = ev->start;
    j->phase = PHASE_RUNNING;
    j->handle = ev->handle;
    double end = ev->start + (isfinite(ev->walltime) ? ev->walltime : j->runtime);
    j->run_work = j->s.units * end;
    jc->run_units += j->s.units;
    jc->run_end_sum += j->run_work;
    if (j->s.kind == CPN_JOB_INFERENCE)
        return cpn_jobs_service_start_(jobs, ev->id);
    j->ckpt_kept = 0;
    j->ckpt_pending = NAN;
    j->ckpt_flow = CPN_FLOWH_NONE;
    j->ckpt_timer = CPN_EVH_NONE;
    if (writes_checkpoints(jobs, j) && j->s.checkpoint < j->runtime)
        return cpn_engine_schedule_in(jobs->cfg.engine, j->s.checkpoint, &checkpoint_handler, jobs,
                                      ev->id, &j->ckpt_timer);
    return CPN_OK;
}

/* The run of plain job @p slot ended because its center failed at @p now after running
 * @p elapsed seconds: keep the work up to its last checkpoint, count the rest as lost, and place
 * it again (docs/models-dynamics.md, "Center failures"). */
static int requeue_after_failure(struct cpn_jobs *jobs, uint32_t slot, double elapsed)
{
    struct jobs_job *j = job_at(jobs, slot);
    double cp = j->s.checkpoint;
    /* Checkpoints written as flows count once written; instant ones at every interval. */
    double kept = writes_checkpoints(jobs, j) ? j->ckpt_kept
                  : cp > 0                    ? floor(elapsed / cp) * cp
                                              : 0;
    int rc = stop_checkpoints(jobs, slot);
    if (rc != CPN_OK)
        return rc;
    j = job_at(jobs, slot);
    if (j->s.kind == CPN_JOB_INFERENCE)
        kept = elapsed; /* a service's lifetime runs on: it is deployed again for the rest */
    if (kept > j->runtime)
        kept = j->runtime;
    /* j->runtime is the part of the work left at its last start, (1 - progress) of the whole. */
    if (j->runtime > 0)
        j->progress += (1 - j->progress) * kept / j->runtime;
    jobs->st.requeued++;
    jobs->st.lost_work += (double)j->s.units * (elapsed - kept);
    j->start = NAN;
    j->pool = CPN_NONE;
    rc = emit_event(jobs, CPN_EVENT_REQUEUE, j->id, "its center failed");
    if (rc != CPN_OK)
        return rc;
    if (j->s.center != CPN_NONE) /* a fixed center: it waits there for the repair */
        return dispatch(jobs, slot, j->s.center, CPN_NONE, 0);
    if (!jobs->cfg.policy)
        return cpn_jobs_end_(jobs, slot, CPN_JOB_FAILED, "its center failed");
    return place(jobs, slot, CPN_NONE);
}

/* Training by iterations whose compute a center failure stopped (every part has ended): keep
 * the iterations its last checkpoint saved, count the rest as lost, and place it again: at its
 * fixed centers (a failed one's part waits for the repair), or by the policy, which may split
 * it anew (docs/models-dynamics.md, "Center failures"). */
static int requeue_compute(struct cpn_jobs *jobs, uint32_t slot)
{
    double lost = 0;
    cpn_jobs_compute_rewind_(jobs, slot, &lost);
    struct jobs_job *j = job_at(jobs, slot);
    jobs->st.requeued++;
    jobs->st.lost_work += lost;
    j->start = NAN;
    j->pool = CPN_NONE;
    j->center_failed = 0;
    j->killed = 0;
    int rc = emit_event(jobs, CPN_EVENT_REQUEUE, j->id, "a center of its compute failed");
    if (rc != CPN_OK)
        return rc;
    j = job_at(jobs, slot);
    if (j->s.n_split >= 2)
        return dispatch_split(jobs, slot);
    if (j->cmp->n_parts > 1) { /* a policy's split: the policy places it anew */
        struct jobs_part one = {
            .center = CPN_NONE, .pool = CPN_NONE, .units = j->s.units, .handle = CPN_NONE};
        j->cmp->parts[0] = one;
        j->cmp->n_parts = 1;
    }
    if (j->s.center != CPN_NONE)
        return dispatch(jobs, slot, j->s.center, CPN_NONE, 0);
    return place(jobs, slot, CPN_NONE);
}

static int center_on_end(void *ctx, struct cpn_center *center, const struct cpn_request_event *ev)
{
    struct cpn_jobs *jobs = ctx;
    uint32_t slot = ev->id;
    struct jobs_job *j = job_at(jobs, slot);
    int rc;
    if (j->migrating) { /* a migration ends its run: the move goes on in migrate_job() */
        struct jobs_center *jc = &jobs->centers.items[j->center];
        jc->run_units -= j->s.units;
        jc->run_end_sum -= j->run_work;
        return cpn_jobs_schedule_reoffer_(jobs); /* held jobs may fit in its units */
    }
    if (ev->failed)
        j->center_failed = 1;
    if (ev->failed && !j->cmp) {
        struct jobs_center *jc = &jobs->centers.items[j->center];
        jc->run_units -= j->s.units;
        jc->run_end_sum -= j->run_work;
        j->center_failed = 0;
        /* A service's requests in service or queued fail; it is deployed again elsewhere. */
        if (j->s.kind == CPN_JOB_INFERENCE && (rc = cpn_jobs_service_fail_(jobs, slot)) != CPN_OK)
            return rc;
        return requeue_after_failure(jobs, slot, ev->end - ev->start);
    }
    if (j->cmp) {
        int whole = 0;
        if ((rc = cpn_jobs_compute_on_end_(jobs, slot, center, ev, &whole)) != CPN_OK || !whole)
            return rc; /* the job goes on when its last part has ended */
        j = job_at(jobs, slot);
        if (j->cmp->requeue)
            return requeue_compute(jobs, slot);
    } else {
        if ((rc = stop_checkpoints(jobs, slot)) != CPN_OK)
            return rc;
        j = job_at(jobs, slot);
        struct jobs_center *jc = &jobs->centers.items[j->center];
        j->run_end = ev->end;
        j->killed = ev->killed;
        jc->run_units -= j->s.units;
        jc->run_end_sum -= j->run_work;
    }
    if (jobs->cfg.policy && cpn_policy_ops_of(jobs->cfg.policy)->on_event) {
        cpn_jobs_world_refresh_(jobs);
        struct cpn_policy_event pe = {CPN_POLICY_EVENT_JOB_FINISHED, ev->end, j->id, j->center,
                                      CPN_NONE};
        cpn_policy_notify(jobs->cfg.policy, &pe, &jobs->world);
    }
    if ((rc = cpn_jobs_schedule_reoffer_(jobs)) != CPN_OK)
        return rc;
    if (j->s.kind == CPN_JOB_INFERENCE)
        return cpn_jobs_service_stop_(jobs, slot);
    if (j->killed)
        return cpn_jobs_end_(jobs, slot, CPN_JOB_FAILED,
                             j->center_failed ? "its center failed"
                                              : "killed at the walltime limit");
    return cpn_jobs_stage_out_(jobs, slot);
}

/* Tell the policy that center @p center or link @p link changed (docs/policies.md, §2). */
static void notify_change(struct cpn_jobs *jobs, enum cpn_policy_event_kind kind, uint32_t center,
                          uint32_t link)
{
    if (!jobs->cfg.policy || !cpn_policy_ops_of(jobs->cfg.policy)->on_event || !jobs->wcenters)
        return;
    cpn_jobs_world_refresh_(jobs);
    struct cpn_policy_event pe = {kind, now_of(jobs), 0, center, link};
    cpn_policy_notify(jobs->cfg.policy, &pe, &jobs->world);
}

int cpn_jobs_set_pool_units(struct cpn_jobs *jobs, uint32_t center, uint32_t pool, uint32_t units)
{
    if (center >= jobs->centers.len ||
        pool >= cpn_center_npools(jobs->centers.items[center].center) || units == 0)
        return CPN_ERROR(CPN_EINVAL, "jobs: no pool %u of center %u, or 0 units", pool, center);
    jobs->resized = 1;
    int rc = cpn_center_set_pool_units(jobs->centers.items[center].center, pool, units);
    if (rc != CPN_OK)
        return rc;
    struct cpn_pool_state ps;
    if (jobs->wpools &&
        cpn_center_pool_state(jobs->centers.items[center].center, pool, &ps) == CPN_OK)
        jobs->wpools[jobs->centers.items[center].first_pool + pool].units = ps.max_units;
    char detail[96];
    snprintf(detail, sizeof detail, "pool %u: %u units", pool, units);
    if ((rc = emit_event(jobs, CPN_EVENT_OTHER, center, detail)) != CPN_OK)
        return rc;
    notify_change(jobs, CPN_POLICY_EVENT_CENTER_CHANGED, center, CPN_NONE);
    if ((rc = cpn_jobs_schedule_migrations_(jobs)) != CPN_OK)
        return rc;
    return cpn_jobs_schedule_reoffer_(jobs); /* held jobs may fit now */
}

int cpn_jobs_set_center_up(struct cpn_jobs *jobs, uint32_t center, int up)
{
    if (center >= jobs->centers.len)
        return CPN_ERROR(CPN_EINVAL, "jobs: no center %u (%zu centers)", center, jobs->centers.len);
    if (jobs->wcenters)
        jobs->wcenters[center].up = up != 0;
    struct jobs_center *jc = &jobs->centers.items[center];
    int was_up = cpn_center_is_up(jc->center);
    if (was_up && !up)
        jc->down_since = now_of(jobs);
    else if (!was_up && up) {
        jc->down_time += now_of(jobs) - jc->down_since;
        jc->down_since = NAN;
    }
    /* The policy learns of it first, then the runs there end (and are placed again). */
    notify_change(jobs, CPN_POLICY_EVENT_CENTER_CHANGED, center, CPN_NONE);
    int rc = cpn_center_set_up(jobs->centers.items[center].center, up);
    if (rc == CPN_OK && up)
        rc = cpn_jobs_schedule_reoffer_(jobs); /* held jobs may fit there now */
    if (rc == CPN_OK)
        rc = cpn_jobs_schedule_migrations_(jobs);
    return rc;
}

int cpn_jobs_link_changed(struct cpn_jobs *jobs, uint32_t link)
{
    if (!jobs)
        return CPN_OK;
    notify_change(jobs, CPN_POLICY_EVENT_LINK_CHANGED, CPN_NONE, link);
    return cpn_jobs_schedule_migrations_(jobs);
}

/* ---------------------------------------------------------------------------------------------
 * Migration (docs/models-dynamics.md, "Migration") */

static int on_migrations(struct cpn_engine *eng, void *ctx, uint64_t arg);
/* Late: after every change and end of the instant, so the policy sees the state they left. */
static const struct cpn_handler migrations_handler = {on_migrations, "jobs_migrations", 1};

int cpn_jobs_schedule_migrations_(struct cpn_jobs *jobs)
{
    if (jobs->migrate_pending || !jobs->cfg.policy || !cpn_policy_migrates(jobs->cfg.policy) ||
        !jobs->wcenters)
        return CPN_OK;
    jobs->migrate_pending = 1;
    return cpn_engine_schedule_in(jobs->cfg.engine, 0, &migrations_handler, jobs, 0, NULL);
}

/* Whether job @p j can move: a batch, training (without iterations) or VM job its policy
 * placed, running or waiting at one center.  Assumption: streamed and iterated compute, split
 * jobs, services and transfers stay where they are (their state is spread over flows and
 * centers; services are re-deployed only when their center fails). */
static int movable(const struct jobs_job *j)
{
    return (j->phase == PHASE_RUNNING || j->phase == PHASE_QUEUED) && !j->cmp &&
           j->s.center == CPN_NONE && j->center != CPN_NONE &&
           (j->s.kind == CPN_JOB_BATCH || j->s.kind == CPN_JOB_TRAINING || j->s.kind == CPN_JOB_VM);
}

/* Move job @p slot, standing at @p at, to the center of decision @p d: end its run (keeping the
 * work done) or take it out of its queue, send its state from the old center to the new one,
 * and stage its input again from where its data lives; it queues there when all has arrived. */
static int migrate_job(struct cpn_jobs *jobs, uint32_t slot, const struct cpn_policy_migrant *at,
                       const struct cpn_policy_decision *d)
{
    struct jobs_job *j = job_at(jobs, slot);
    uint32_t from = j->center;
    struct jobs_center *jc = &jobs->centers.items[from];
    double now = now_of(jobs);
    int rc;
    if (at->running) {
        double elapsed = now - j->start;
        if ((rc = stop_checkpoints(jobs, slot)) != CPN_OK)
            return rc;
        j = job_at(jobs, slot);
        /* j->runtime is the part of the work left at its start, (1 - progress) of the whole. */
        if (j->runtime > 0)
            j->progress += (1 - j->progress) * fmin(elapsed / j->runtime, 1);
        j->migrating = 1;
        rc = cpn_center_finish(jc->center, j->handle);
        j = job_at(jobs, slot);
        j->migrating = 0;
    } else {
        jc->queued_units -= j->s.units;
        rc = cpn_center_withdraw(jc->center, j->pool, slot);
        j = job_at(jobs, slot);
    }
    if (rc != CPN_OK)
        return rc;
    jobs->st.migrated++;
    jobs->st.migrated_bytes += at->state_bytes;
    j->start = NAN;
    j->pool = CPN_NONE;
    j->rec.expected_free = 0; /* no conflict check at the new center: no view promised room */
    j->elastic = d->elastic > 0 && isfinite(d->elastic) ? d->elastic : 0;
    char detail[200];
    snprintf(detail, sizeof detail, "migrated from %s to %s (%s), state %.17g B",
             jobs->wcenters[from].name, jobs->wcenters[d->center].name,
             at->running ? "running" : "queued", at->state_bytes);
    if ((rc = emit_event(jobs, CPN_EVENT_OTHER, j->id, detail)) != CPN_OK)
        return rc;
    j = job_at(jobs, slot);
    j->center = d->center;
    j->phase = PHASE_STAGE_IN;
    uint32_t src = center_node(jobs, from), dst = center_node(jobs, d->center);
    if (at->state_bytes > 0) {
        uint32_t src_site = cpn_jobs_center_site_(jobs, from);
        uint32_t dst_site = cpn_jobs_center_site_(jobs, d->center);
        if (src != dst || src_site != CPN_NONE || dst_site != CPN_NONE)
            j->in_asked += at->state_bytes;
        rc = transfer(jobs, slot, src, dst, at->state_bytes, 1, src_site, dst_site);
        if (rc == CPN_EUNREACH)
            return cpn_jobs_end_(jobs, slot, CPN_JOB_FAILED,
                                 "no route for its state to the center it moved to");
        if (rc != CPN_OK)
            return rc;
    }
    return dispatch(jobs, slot, d->center, d->pool, d->paths);
}

static int on_migrations(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    struct cpn_jobs *jobs = ctx;
    jobs->migrate_pending = 0;
    double now = cpn_engine_now(eng);
    int rc = CPN_OK, stale = 1;
    for (uint32_t slot = 0; slot < jobs->slots.len && rc == CPN_OK; slot++) {
        struct jobs_job *j = job_at(jobs, slot);
        if (!movable(j))
            continue;
        int running = j->phase == PHASE_RUNNING;
        if (running && !cpn_center_is_up(jobs->centers.items[j->center].center))
            continue; /* its center failed at this instant: the failure ends it */
        double done = running && j->runtime > 0 ? fmin((now - j->start) / j->runtime, 1) : 0;
        struct cpn_policy_migrant at = {
            .center = j->center,
            .running = (uint32_t)running,
            .left = (1 - j->progress) * (1 - done),
            .remaining = j->runtime * (1 - done),
            .state_bytes = running || j->progress > 0 ? j->s.checkpoint_bytes : 0,
        };
        if (!(at.left > 0))
            continue; /* it ends at this instant */
        if ((rc = cpn_jobs_network_rows_(jobs, j)) != CPN_OK)
            break;
        if (stale) /* the first question, or a move changed the centers */
            cpn_jobs_world_refresh_(jobs);
        stale = 0;
        struct cpn_world_job wj;
        cpn_jobs_world_job_(jobs, j, &wj);
        const struct cpn_world *view;
        if ((rc = cpn_awareness_view(jobs->aw, j->s.origin, now, &jobs->world, &view)) != CPN_OK)
            break;
        struct cpn_policy_decision d;
        if ((rc = cpn_policy_migrate(jobs->cfg.policy, &wj, &at, view, &d)) != CPN_OK ||
            (rc = cpn_jobs_fill_error_(jobs)) != CPN_OK)
            break;
        if (d.center != CPN_POLICY_HOLD) {
            rc = migrate_job(jobs, slot, &at, &d);
            stale = 1;
        }
    }
    return rc;
}

int cpn_jobs_stage_out_(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    uint32_t src = center_node(jobs, j->center);
    j->phase = PHASE_STAGE_OUT;
    if (src != j->s.origin)
        j->out_asked += j->s.bytes_out;
    int rc = transfer(jobs, slot, src, j->s.origin, j->s.bytes_out, j->paths,
                      cpn_jobs_center_site_(jobs, j->center), CPN_NONE);
    if (rc == CPN_EUNREACH)
        return cpn_jobs_end_(jobs, slot, CPN_JOB_FAILED, "no route from the center to the origin");
    if (rc != CPN_OK || job_at(jobs, slot)->pending > 0)
        return rc;
    return cpn_jobs_end_(jobs, slot, CPN_JOB_DONE, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Hold queue */

static int on_reoffer(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    (void)arg;
    struct cpn_jobs *jobs = ctx;
    jobs->reoffer_pending = 0;
    /* Offer every held job once, in order; those held again queue up behind in the same order. */
    CPN_ARRAY(uint32_t) tmp = {jobs->held_swap.items, jobs->held_swap.len, jobs->held_swap.cap};
    jobs->held_swap.items = jobs->held.items;
    jobs->held_swap.len = jobs->held.len;
    jobs->held_swap.cap = jobs->held.cap;
    jobs->held.items = tmp.items;
    jobs->held.len = 0;
    jobs->held.cap = tmp.cap;
    uint32_t depth = jobs->cfg.reoffer_depth ? jobs->cfg.reoffer_depth : CPN_JOBS_REOFFER_DEPTH;
    uint32_t again = 0;
    int rc = CPN_OK;
    size_t i = 0;
    for (; i < jobs->held_swap.len && again < depth && rc == CPN_OK; i++) {
        uint32_t slot = jobs->held_swap.items[i];
        jobs->st.held--;
        rc = place(jobs, slot, CPN_NONE);
        again += job_at(jobs, slot)->phase == PHASE_HELD;
    }
    /* The jobs not offered (depth reached, or an error) stay held, in order. */
    for (; i < jobs->held_swap.len; i++)
        if (cpn_array_push(&jobs->held, jobs->held_swap.items[i]) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory for the hold queue");
    jobs->held_swap.len = 0;
    return rc;
}

/* Late: after every end of the instant, so the policy sees all the units freed then. */
static const struct cpn_handler reoffer_handler = {on_reoffer, "jobs_reoffer", 1};

/* Offer the held jobs again, in an event at the current time (after the center's own pass). */
int cpn_jobs_schedule_reoffer_(struct cpn_jobs *jobs)
{
    if (jobs->reoffer_pending || jobs->held.len == 0)
        return CPN_OK;
    jobs->reoffer_pending = 1;
    return cpn_engine_schedule_in(jobs->cfg.engine, 0, &reoffer_handler, jobs, 0, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Arrival */

/* Deploy: choose the targets and start the copies. */
static int deploy(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    uint32_t src = input_node_of(jobs, j), nc = (uint32_t)jobs->centers.len;
    int rc = cpn_jobs_rtt_row_(jobs, src);
    if (rc != CPN_OK)
        return rc;
    const double *rtt = &jobs->rtt[(size_t)src * nc];
    uint32_t chosen = 0, last = CPN_NONE;
    /* Its copies, for the reference of its transfer slowdown (cpn_network_ideal_time_set()). */
    struct cpn_transfer *copies = calloc(nc ? nc : 1, sizeof *copies);
    if (!copies)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    j->phase = PHASE_TRANSFER;
    j->paths = j->s.paths ? j->s.paths : 1;
    /* N rounds of "the nearest eligible center after the previous one in (RTT, index) order". */
    while (chosen < j->s.targets) {
        uint32_t best = CPN_NONE;
        for (uint32_t c = 0; c < nc; c++) {
            if (j->s.center != CPN_NONE && c != j->s.center)
                continue;
            if (j->s.target_kind != CPN_CENTER_NKINDS &&
                cpn_center_describe(jobs->centers.items[c].center)->kind != j->s.target_kind)
                continue;
            if (!isfinite(rtt[c]))
                continue;
            if (last != CPN_NONE && (rtt[c] < rtt[last] || (rtt[c] == rtt[last] && c <= last)))
                continue;
            if (best == CPN_NONE || rtt[c] < rtt[best])
                best = c;
        }
        if (best == CPN_NONE)
            break;
        if (chosen++ == 0)
            j->nearest = j->center = best;
        last = best;
        uint32_t dst = center_node(jobs, best);
        if (dst != src)
            j->in_asked += j->s.bytes_in;
        copies[chosen - 1] = (struct cpn_transfer){
            .src = src,
            .dst = dst,
            .size = j->s.bytes_in,
            .profile = j->s.transport != CPN_NONE ? j->s.transport : jobs->cfg.profile,
            .weight = 1,
            .src_site = j->s.dataset_site,
            .dst_site = cpn_jobs_center_site_(jobs, best),
        };
        if ((rc = transfer(jobs, slot, src, dst, j->s.bytes_in, j->paths, j->s.dataset_site,
                           cpn_jobs_center_site_(jobs, best))) != CPN_OK) {
            free(copies);
            return rc;
        }
        j = job_at(jobs, slot);
    }
    double ideal = 0;
    rc = cpn_network_ideal_time_set(jobs->cfg.network, copies, chosen, &ideal);
    free(copies);
    if (rc != CPN_OK && rc != CPN_EUNREACH)
        return rc;
    j->ideal_transfer = rc == CPN_OK ? ideal : 0;
    if (chosen == 0)
        return cpn_jobs_end_(jobs, slot, CPN_JOB_REJECTED,
                             "no reachable target center of its kind");
    if (j->pending > 0)
        return CPN_OK;
    j->staged = now_of(jobs);
    return cpn_jobs_end_(jobs, slot, CPN_JOB_DONE, NULL);
}

/* Can job @p j ever fit somewhere (its fixed center, or any)? */
static int fits_ever(struct cpn_jobs *jobs, const struct jobs_job *j)
{
    struct cpn_world_job wj;
    cpn_jobs_world_job_(jobs, j, &wj);
    double spread = 0; /* a splittable job may also fit over several centers together */
    for (uint32_t c = 0; c < jobs->centers.len; c++) {
        struct cpn_world_center ever = jobs->wcenters[c];
        ever.up = 1; /* "ever": a center down now may be repaired */
        if ((j->s.center == CPN_NONE || c == j->s.center) &&
            cpn_world_fit_pool(&ever, &wj, CPN_WORLD_FIT_EVER) != CPN_NONE)
            return 1;
        if (wj.splittable && j->s.center == CPN_NONE && jobs->cfg.policy)
            spread += cpn_world_eligible_units(&jobs->wcenters[c], &wj);
    }
    return wj.splittable && spread >= wj.units;
}

int cpn_jobs_arrive_(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = job_at(jobs, slot);
    if (j->phase == PHASE_PENDING)
        jobs->n_pending--;
    jobs->st.submitted++;
    jobs->submitted_by_kind[j->s.kind]++;
    jobs->st.active++;
    if (j->s.kind == CPN_JOB_DEPLOY)
        return deploy(jobs, slot);
    int rc = cpn_jobs_compute_new_(jobs, slot);
    if (rc != CPN_OK)
        return rc;
    j = job_at(jobs, slot);
    if (j->cmp && j->cmp->n_parts > 1)
        return dispatch_split(jobs, slot);
    if (!fits_ever(jobs, j))
        return cpn_jobs_end_(jobs, slot, CPN_JOB_REJECTED,
                             j->s.center == CPN_NONE ? "no center can ever fit it"
                                                     : "its fixed center can never fit it");
    if (j->s.center != CPN_NONE)
        return dispatch(jobs, slot, j->s.center, CPN_NONE, 0);
    if (!jobs->cfg.policy)
        return cpn_jobs_end_(jobs, slot, CPN_JOB_REJECTED, "no policy and no fixed center");
    return place(jobs, slot, CPN_NONE);
}

static int on_job_arrival(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    struct cpn_jobs *jobs = ctx;
    return cpn_jobs_arrive_(jobs, (uint32_t)arg);
}

/* Late: a job arriving at the instant some requests end is placed, and queued, after those
 * ends (docs/models-centers.md, "Simultaneous ends"). */
static const struct cpn_handler job_arrival_handler = {on_job_arrival, "jobs_arrival", 1};

int cpn_jobs_check_spec_(const struct cpn_jobs *jobs, const struct cpn_job_spec *s,
                         const char *what)
{
    if ((unsigned)s->kind >= CPN_JOB_NKINDS)
        return CPN_ERROR(CPN_EINVAL, "%s: job kind %d out of range", what, (int)s->kind);
    if (s->origin >= jobs->n_nodes || (s->data_node != CPN_NONE && s->data_node >= jobs->n_nodes))
        return CPN_ERROR(CPN_EINVAL, "%s: origin or data node out of range (%u nodes)", what,
                         jobs->n_nodes);
    if (s->center != CPN_NONE && s->center >= jobs->centers.len)
        return CPN_ERROR(CPN_EINVAL, "%s: center %u out of range (%zu centers)", what, s->center,
                         jobs->centers.len);
    if (s->units == 0 || s->paths > CPN_NETWORK_MAX_PATHS || s->targets == 0)
        return CPN_ERROR(CPN_EINVAL, "%s: units and targets must be >= 1, paths <= %d", what,
                         CPN_NETWORK_MAX_PATHS);
    const double q[] = {s->work,         s->duration,     s->ref_speed,    s->walltime,
                        s->bytes_in,     s->bytes_out,    s->deadline,     s->slo,
                        s->request_rate, s->request_flop, s->request_bytes};
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
        if (!(q[i] >= 0 && isfinite(q[i])))
            return CPN_ERROR(CPN_EINVAL, "%s: quantity %zu is %g (must be finite and >= 0)", what,
                             i, q[i]);
    if ((unsigned)s->target_kind > CPN_CENTER_NKINDS)
        return CPN_ERROR(CPN_EINVAL, "%s: target kind out of range", what);
    if (s->dataset_site != CPN_NONE && s->dataset_site >= jobs->cfg.n_sites)
        return CPN_ERROR(CPN_EINVAL, "%s: storage site %u out of range (%u sites)", what,
                         s->dataset_site, jobs->cfg.n_sites);
    if ((s->access != CPN_ACCESS_STAGE && s->access != CPN_ACCESS_STREAM) ||
        !(s->prefetch >= 0 && isfinite(s->prefetch)))
        return CPN_ERROR(CPN_EINVAL, "%s: access mode or prefetch (%g B) out of range", what,
                         s->prefetch);
    const struct cpn_training *tr = &s->training;
    if (tr->iterations > 0 &&
        (!(tr->iteration_flop > 0 && isfinite(tr->iteration_flop)) ||
         !(tr->mfu > 0 && tr->mfu <= 1) || !(tr->overlap >= 0 && tr->overlap <= 1) ||
         tr->sync_every < 1 || !(tr->intra_bandwidth > 0) || !(tr->gradient_bytes >= 0) ||
         !(tr->activation_bytes >= 0) || !isfinite(tr->gradient_bytes) ||
         !isfinite(tr->activation_bytes) ||
         (tr->parallelism != CPN_PARALLEL_DP && tr->parallelism != CPN_PARALLEL_PP)))
        return CPN_ERROR(CPN_EINVAL,
                         "%s: training: iteration FLOP > 0, MFU in (0, 1], overlap in [0, 1], "
                         "sync every >= 1, intra bandwidth > 0, bytes >= 0 finite",
                         what);
    if (s->n_split == 1 || s->n_split > CPN_JOBS_MAX_SPLIT ||
        (s->n_split && (!s->split_centers || !s->split_units || tr->iterations == 0 ||
                        s->access == CPN_ACCESS_STREAM)))
        return CPN_ERROR(CPN_EINVAL,
                         "%s: a split needs 2 to %d centers with units, and iterations (not a "
                         "stream)",
                         what, CPN_JOBS_MAX_SPLIT);
    if (tr->iterations > 0 && s->access == CPN_ACCESS_STREAM)
        return CPN_ERROR(CPN_EINVAL, "%s: a streamed input with iterations is not modelled", what);
    uint64_t sum = 0;
    for (uint32_t k = 0; k < s->n_split; k++) {
        if (s->split_centers[k] >= jobs->centers.len || s->split_units[k] == 0)
            return CPN_ERROR(CPN_EINVAL, "%s: split part %u: center %u or units 0", what, k,
                             s->split_centers[k]);
        for (uint32_t m = 0; m < k; m++)
            if (s->split_centers[m] == s->split_centers[k])
                return CPN_ERROR(CPN_EINVAL, "%s: split centers are not distinct", what);
        sum += s->split_units[k];
    }
    if (s->n_split && sum != s->units)
        return CPN_ERROR(CPN_EINVAL, "%s: the split's units sum to %llu, not %u", what,
                         (unsigned long long)sum, s->units);
    return CPN_OK;
}

int cpn_jobs_submit(struct cpn_jobs *jobs, const struct cpn_job_spec *spec, uint32_t *id)
{
    if (!jobs || !spec)
        return CPN_ERROR(CPN_EINVAL, "cpn_jobs_submit: NULL argument");
    int rc = cpn_jobs_check_spec_(jobs, spec, "job");
    if (rc != CPN_OK)
        return rc;
    if (!(spec->submit >= now_of(jobs)) || !isfinite(spec->submit))
        return CPN_ERROR(CPN_EINVAL, "job: submit time %g s is before now (%g s)", spec->submit,
                         now_of(jobs));
    if (spec->kind == CPN_JOB_INFERENCE && !(spec->request_rate > 0) && !spec->requests)
        return CPN_ERROR(CPN_EINVAL, "job: an inference job needs a request rate or a trace");
    uint32_t slot;
    if ((rc = cpn_jobs_alloc_slot_(jobs, &slot)) != CPN_OK)
        return rc;
    struct jobs_job *j = job_at(jobs, slot);
    j->s = *spec;
    j->phase = PHASE_PENDING;
    jobs->n_pending++;
    if (id)
        *id = j->id;
    if (!jobs->started || !cpn_jobs_arrives_(jobs, spec->submit))
        return CPN_OK;
    cpn_jobs_work_changed_(jobs);
    return cpn_engine_schedule(jobs->cfg.engine, spec->submit, &job_arrival_handler, jobs, slot,
                               NULL);
}

int cpn_jobs_arrives_(const struct cpn_jobs *jobs, double t)
{
    return !(jobs->cfg.arrivals_until > 0) || t <= jobs->cfg.arrivals_until;
}

int cpn_jobs_drain(struct cpn_jobs *jobs)
{
    jobs->draining = 1;
    return jobs->st.active == 0;
}

int cpn_jobs_drained(const struct cpn_jobs *jobs)
{
    return jobs->draining && jobs->st.active == 0;
}

/* ---------------------------------------------------------------------------------------------
 * Start, finish, stats */

int cpn_jobs_start(struct cpn_jobs *jobs)
{
    if (!jobs)
        return CPN_ERROR(CPN_EINVAL, "cpn_jobs_start: NULL argument");
    if (jobs->started)
        return CPN_ERROR(CPN_ESTATE, "jobs: already started");
    int rc = cpn_jobs_world_build_(jobs);
    if (rc != CPN_OK)
        return rc;
    cpn_jobs_world_refresh_(jobs);
    if (jobs->cfg.awareness.mode == CPN_AWARENESS_DISTRIBUTED)
        for (uint32_t n = 0; n < jobs->n_nodes; n++)
            if ((rc = cpn_jobs_rtt_row_(jobs, n)) != CPN_OK)
                return rc;
    if ((rc = cpn_awareness_new(&jobs->cfg.awareness, &jobs->world, &jobs->aw)) != CPN_OK)
        return rc;
    jobs->started = 1;
    jobs->last_sample = now_of(jobs);
    for (size_t i = 0; i < jobs->slots.len; i++)
        if (jobs->slots.items[i].phase == PHASE_PENDING &&
            cpn_jobs_arrives_(jobs, jobs->slots.items[i].s.submit) &&
            (rc = cpn_engine_schedule(jobs->cfg.engine, jobs->slots.items[i].s.submit,
                                      &job_arrival_handler, jobs, i, NULL)) != CPN_OK)
            return rc;
    if ((rc = cpn_jobs_sources_start_(jobs)) != CPN_OK)
        return rc;
    cpn_jobs_work_changed_(jobs);
    return CPN_OK;
}
