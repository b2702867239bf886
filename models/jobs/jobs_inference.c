/* Jobs: inference services, an explicit M/G/c queue per service (see jobs.h, "inference"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "models/jobs/jobs_impl.h"
#include "models/net/route.h"
#include "sim/error.h"
#include "sim/rng.h"

void cpn_jobs_service_free_(struct cpn_jobs *jobs, struct jobs_service *svc)
{
    if (!svc)
        return;
    if (svc->arrival_event != CPN_EVH_NONE)
        (void)cpn_engine_cancel(jobs->cfg.engine, svc->arrival_event);
    for (uint32_t k = 0; svc->served && k < svc->servers; k++)
        if (svc->served[k] != CPN_EVH_NONE)
            (void)cpn_engine_cancel(jobs->cfg.engine, svc->served[k]);
    free(svc->serving);
    free(svc->served);
    free(svc->idle);
    cpn_array_release(&svc->queue);
    if (svc->rng)
        gsl_rng_free(svc->rng);
    free(svc);
}

static int on_request(struct cpn_engine *eng, void *ctx, uint64_t arg);
static int on_served(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler request_handler = {on_request, "jobs_request", 0};
static const struct cpn_handler served_handler = {on_served, "jobs_request_served", 0};

/* Request @p req of service @p slot failed (its center failed): a record with a NaN latency,
 * an SLO violation when the service has an SLO. */
static int fail_request(struct cpn_jobs *jobs, uint32_t slot, const struct jobs_request *req)
{
    struct jobs_job *j = &jobs->slots.items[slot];
    struct cpn_request_record rec = {.time = req->arrival,
                                     .latency = NAN,
                                     .job = j->id,
                                     .source = j->source,
                                     .slo_met = j->s.slo > 0 ? 0 : -1};
    j->requests++;
    jobs->st.requests++;
    jobs->st.requests_failed++;
    return cpn_observe_request_end(jobs->cfg.observer, &rec);
}

/* Schedule the service's next request after @p now, if it arrives within the lifetime. */
static int next_request(struct cpn_jobs *jobs, uint32_t slot, double now)
{
    struct jobs_job *j = &jobs->slots.items[slot];
    struct jobs_service *svc = j->svc;
    double t;
    svc->arrival_event = CPN_EVH_NONE;
    if (j->s.requests) {
        if (svc->next_request >= j->s.n_requests)
            return CPN_OK;
        t = svc->origin + j->s.requests[svc->next_request].time;
        t = t > now ? t : now;
    } else {
        if (!(j->s.request_rate > 0))
            return CPN_OK;
        t = now + gsl_ran_exponential(svc->rng, 1.0 / j->s.request_rate);
    }
    if (t >= svc->ready + j->runtime)
        return CPN_OK;
    return cpn_engine_schedule(jobs->cfg.engine, t, &request_handler, jobs, slot,
                               &svc->arrival_event);
}

int cpn_jobs_service_start_(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = &jobs->slots.items[slot];
    uint32_t node = cpn_center_describe(jobs->centers.items[j->center].center)->node;
    struct jobs_service *svc = calloc(1, sizeof *svc);
    if (!svc)
        return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory for a service");
    j->svc = svc;
    svc->servers = j->s.units;
    svc->serving = calloc(svc->servers, sizeof *svc->serving);
    svc->served = malloc(svc->servers * sizeof *svc->served);
    svc->idle = malloc(svc->servers * sizeof *svc->idle);
    if (!svc->serving || !svc->served || !svc->idle)
        return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory for a service of %u servers",
                         svc->servers);
    for (uint32_t s = 0; s < svc->servers; s++) {
        svc->idle[s] = svc->servers - 1 - s; /* server 0 on top */
        svc->served[s] = CPN_EVH_NONE;
    }
    svc->n_idle = svc->servers;
    svc->speed = cpn_center_pool(jobs->centers.items[j->center].center, j->pool)->flops;
    char name[64];
    snprintf(name, sizeof name, "jobs/inference/%u", j->id);
    int rc = cpn_rng_stream_new(jobs->cfg.rng, name, &svc->rng); /* freed with the service */
    if (rc != CPN_OK)
        return rc;
    if ((rc = cpn_jobs_rtt_row_(jobs, j->s.origin)) != CPN_OK)
        return rc;
    svc->rtt = jobs->rtt[(size_t)j->s.origin * jobs->centers.len + j->center];
    if (j->s.request_bytes > 0 && node != j->s.origin &&
        (rc = cpn_route_shortest(jobs->cfg.router, j->s.origin, node, &svc->path)) != CPN_OK &&
        rc != CPN_EUNREACH)
        return rc;
    svc->up = 1;
    svc->ready = cpn_engine_now(jobs->cfg.engine);
    /* Deployed again after a failure: its request log goes on where it stopped; the requests
     * due while it was down failed (docs/models-dynamics.md, "Center failures"). */
    if (isnan(j->svc_origin))
        j->svc_origin = svc->ready;
    svc->origin = j->svc_origin;
    svc->next_request = j->svc_next;
    while (j->s.requests && svc->next_request < j->s.n_requests &&
           svc->origin + j->s.requests[svc->next_request].time < svc->ready) {
        struct jobs_request lost = {svc->origin + j->s.requests[svc->next_request].time, 0, 0};
        svc->next_request++;
        if ((rc = fail_request(jobs, slot, &lost)) != CPN_OK)
            return rc;
    }
    /* A Poisson stream went on arriving while it was away: those requests failed too, drawn
     * from the service's stream from the failure on (memoryless: the next one after the
     * restart is drawn afresh). */
    if (!j->s.requests && j->s.request_rate > 0 && !isnan(j->svc_down)) {
        for (double t = j->svc_down + gsl_ran_exponential(svc->rng, 1.0 / j->s.request_rate);
             t < svc->ready && rc == CPN_OK;
             t += gsl_ran_exponential(svc->rng, 1.0 / j->s.request_rate)) {
            struct jobs_request lost = {t, 0, 0};
            rc = fail_request(jobs, slot, &lost);
        }
        if (rc != CPN_OK)
            return rc;
    }
    j->svc_down = NAN;
    return next_request(jobs, slot, svc->ready);
}

int cpn_jobs_service_fail_(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = &jobs->slots.items[slot];
    struct jobs_service *svc = j->svc;
    if (!svc)
        return CPN_OK;
    int rc = CPN_OK;
    for (uint32_t k = 0; k < svc->servers && rc == CPN_OK; k++)
        if (svc->served[k] != CPN_EVH_NONE) {
            (void)cpn_engine_cancel(jobs->cfg.engine, svc->served[k]);
            svc->served[k] = CPN_EVH_NONE;
            rc = fail_request(jobs, slot, &svc->serving[k]);
        }
    for (size_t q = svc->queue_head; q < svc->queue.len && rc == CPN_OK; q++)
        rc = fail_request(jobs, slot, &svc->queue.items[q]);
    j->svc_next = svc->next_request;
    j->svc_down = cpn_engine_now(jobs->cfg.engine);
    cpn_jobs_service_free_(jobs, svc); /* cancels its next arrival */
    j->svc = NULL;
    return rc;
}

/* Put @p req on server @p server now. */
static int begin(struct cpn_jobs *jobs, uint32_t slot, uint32_t server,
                 const struct jobs_request *req)
{
    struct jobs_service *svc = jobs->slots.items[slot].svc;
    svc->serving[server] = *req;
    return cpn_engine_schedule_in(jobs->cfg.engine, req->service, &served_handler, jobs,
                                  (uint64_t)slot | (uint64_t)server << 32, &svc->served[server]);
}

static int on_request(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct cpn_jobs *jobs = ctx;
    uint32_t slot = (uint32_t)arg;
    struct jobs_job *j = &jobs->slots.items[slot];
    struct jobs_service *svc = j->svc;
    double now = cpn_engine_now(eng);
    double flop = j->s.request_flop;
    if (j->s.requests && isfinite(j->s.requests[svc->next_request].flop))
        flop = j->s.requests[svc->next_request].flop;
    else if (j->s.request_flop_dist)
        flop = cpn_dist_sample(j->s.request_flop_dist, svc->rng);
    if (j->s.requests)
        svc->next_request++;
    struct jobs_request req = {now, svc->rtt, flop > 0 ? flop / svc->speed : 0};
    if (svc->path && svc->path->hops > 0) {
        double offer;
        int rc = cpn_flownet_path_offer(cpn_network_flows(jobs->cfg.network), svc->path->dlinks,
                                        svc->path->hops, &offer);
        if (rc != CPN_OK)
            return rc;
        req.network += offer > 0 ? j->s.request_bytes / offer : INFINITY;
    }
    int rc;
    if (svc->n_idle > 0) {
        svc->busy++;
        rc = begin(jobs, slot, svc->idle[--svc->n_idle], &req);
    } else {
        if (svc->queue_head > 0 && svc->queue.len == svc->queue.cap) {
            size_t n = svc->queue.len - svc->queue_head;
            memmove(svc->queue.items, svc->queue.items + svc->queue_head, n * sizeof req);
            svc->queue.len = n;
            svc->queue_head = 0;
        }
        rc = cpn_array_push(&svc->queue, req) == CPN_OK
                 ? CPN_OK
                 : CPN_ERROR(CPN_ENOMEM, "jobs: out of memory for a request queue");
    }
    if (rc != CPN_OK)
        return rc;
    return next_request(jobs, slot, now);
}

static int on_served(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct cpn_jobs *jobs = ctx;
    uint32_t slot = (uint32_t)(arg & 0xffffffffu), server = (uint32_t)(arg >> 32);
    struct jobs_job *j = &jobs->slots.items[slot];
    struct jobs_service *svc = j->svc;
    double now = cpn_engine_now(eng);
    svc->served[server] = CPN_EVH_NONE;
    const struct jobs_request *req = &svc->serving[server];
    struct cpn_request_record rec = {.time = req->arrival,
                                     .latency = now - req->arrival + req->network,
                                     .job = j->id,
                                     .source = j->source,
                                     .slo_met = -1};
    if (j->s.slo > 0)
        rec.slo_met = rec.latency <= j->s.slo;
    j->requests++;
    jobs->st.requests++;
    if (rec.slo_met == 1) {
        j->requests_met++;
        jobs->st.requests_slo_met++;
    }
    int rc = cpn_observe_request_end(jobs->cfg.observer, &rec);
    if (rc != CPN_OK)
        return rc;
    if (svc->queue_head < svc->queue.len) {
        struct jobs_request next = svc->queue.items[svc->queue_head++];
        if (svc->queue_head == svc->queue.len)
            svc->queue.len = svc->queue_head = 0;
        return begin(jobs, slot, server, &next);
    }
    svc->idle[svc->n_idle++] = server;
    svc->busy--;
    if (!svc->up && svc->busy == 0)
        return cpn_jobs_stage_out_(jobs, slot);
    return CPN_OK;
}

int cpn_jobs_service_stop_(struct cpn_jobs *jobs, uint32_t slot)
{
    struct jobs_job *j = &jobs->slots.items[slot];
    struct jobs_service *svc = j->svc;
    j->phase = PHASE_DRAIN;
    if (!svc) /* the center ended it before it started (cannot happen: runtime > 0 or not) */
        return cpn_jobs_stage_out_(jobs, slot);
    svc->up = 0;
    if (svc->arrival_event != CPN_EVH_NONE) {
        (void)cpn_engine_cancel(jobs->cfg.engine, svc->arrival_event);
        svc->arrival_event = CPN_EVH_NONE;
    }
    if (svc->busy == 0)
        return cpn_jobs_stage_out_(jobs, slot);
    return CPN_OK;
}
