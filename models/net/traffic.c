/* Replay of given flows on the network (see traffic.h). */
#include "models/net/traffic.h"

#include <math.h>
#include <stdlib.h>

#include "sim/engine.h"
#include "sim/error.h"

struct cpn_traffic {
    struct cpn_engine *eng;
    struct cpn_network *net;
    const struct cpn_observer *obs;
    struct cpn_traffic_flow *flows; /* copy, input order */
    uint32_t *order;                /* flow indices by (start, index) */
    double *finish;                 /* per flow [s], NaN until finished */
    uint8_t *parts;                 /* per flow: parts still moving (split flows) */
    size_t n, next, finished;
    double makespan;
};

static int by_start(const void *pa, const void *pb, void *ctx)
{
    const struct cpn_traffic_flow *f = ctx;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    if (f[a].start != f[b].start)
        return f[a].start < f[b].start ? -1 : 1;
    return (a > b) - (a < b);
}

static int on_flow_done(struct cpn_flownet *fn, void *ctx, const struct cpn_flow_done *done)
{
    (void)fn;
    struct cpn_traffic *t = ctx;
    const struct cpn_traffic_flow *f = &t->flows[done->id];
    if (--t->parts[done->id] > 0)
        return CPN_OK; /* a split flow completes with its last part */
    t->finish[done->id] = done->end;
    t->finished++;
    if (done->end > t->makespan)
        t->makespan = done->end;
    double dur = done->end - done->start;
    int split = f->paths || f->k_paths > 1;
    const struct cpn_path *path = split ? NULL : f->path;
    double bytes = split ? f->size : done->size;
    struct cpn_flow_record rec = {
        .start = done->start,
        .end = done->end,
        .bytes = bytes,
        .id = done->id,
        .job = CPN_NONE,
        .src = done->src,
        .dst = done->dst,
        .path = path ? path->id : CPN_NONE,
        .klass = CPN_NONE,
        .mean_rate = dur > 0 ? (float)(bytes / dur) : 0.0f,
    };
    return cpn_observe_flow_end(t->obs, &rec);
}

static int on_arrival(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler arrival_handler = {on_arrival, "traffic_arrival", 0};

static int on_arrival(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    struct cpn_traffic *t = ctx;
    double now = cpn_engine_now(eng);
    /* Start every flow due now in one event, then schedule the next start. */
    while (t->next < t->n && t->flows[t->order[t->next]].start <= now) {
        uint32_t i = t->order[t->next++];
        const struct cpn_traffic_flow *f = &t->flows[i];
        struct cpn_transfer tr = {
            .src = f->src,
            .dst = f->dst,
            .size = f->size,
            .path = f->path,
            .profile = f->profile,
            .weight = f->weight,
            .done = on_flow_done,
            .ctx = t,
            .id = i,
            .src_site = CPN_NONE,
            .dst_site = CPN_NONE,
        };
        uint32_t started = 1;
        int rc = f->paths ? cpn_network_transfer_split(t->net, &tr, f->paths, f->n_paths, f->shares,
                                                       NULL, &started)
                 : f->k_paths > 1
                     ? cpn_network_transfer_multipath(t->net, &tr, f->k_paths, NULL, NULL, &started)
                     : cpn_network_transfer(t->net, &tr, NULL);
        if (rc != CPN_OK)
            return rc;
        t->parts[i] = (uint8_t)started;
    }
    if (t->next < t->n)
        return cpn_engine_schedule(eng, t->flows[t->order[t->next]].start, &arrival_handler, t, 0,
                                   NULL);
    return CPN_OK;
}

int cpn_traffic_new(struct cpn_engine *eng, struct cpn_network *net, const struct cpn_observer *obs,
                    const struct cpn_traffic_flow *flows, size_t n, struct cpn_traffic **out)
{
    if (!eng || !net || !out || (!flows && n))
        return CPN_ERROR(CPN_EINVAL, "cpn_traffic_new: NULL argument");
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(flows[i].size) || flows[i].size < 0 || !isfinite(flows[i].start) ||
            flows[i].start < 0 || !(flows[i].weight > 0) || !isfinite(flows[i].weight) ||
            flows[i].k_paths > CPN_NETWORK_MAX_PATHS ||
            (flows[i].paths && (!flows[i].shares || flows[i].n_paths < 1 ||
                                flows[i].n_paths > CPN_NETWORK_MAX_PATHS)))
            return CPN_ERROR(CPN_EINVAL, "traffic flow %zu: bad size, start, weight or paths", i);
    if (n >= UINT32_MAX)
        return CPN_ERROR(CPN_EINVAL, "traffic: too many flows (%zu)", n);
    struct cpn_traffic *t = calloc(1, sizeof *t);
    if (!t)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    size_t m = n ? n : 1;
    t->flows = malloc(m * sizeof *t->flows);
    t->order = malloc(m * sizeof *t->order);
    t->finish = malloc(m * sizeof *t->finish);
    t->parts = calloc(m, sizeof *t->parts);
    if (!t->flows || !t->order || !t->finish || !t->parts) {
        cpn_traffic_free(t);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    t->eng = eng;
    t->net = net;
    t->obs = obs;
    t->n = n;
    for (size_t i = 0; i < n; i++) {
        t->flows[i] = flows[i];
        t->order[i] = (uint32_t)i;
        t->finish[i] = NAN;
    }
    qsort_r(t->order, n, sizeof *t->order, by_start, t->flows);
    if (n) {
        double first = t->flows[t->order[0]].start;
        if (first < cpn_engine_now(eng))
            first = cpn_engine_now(eng);
        int rc = cpn_engine_schedule(eng, first, &arrival_handler, t, 0, NULL);
        if (rc != CPN_OK) {
            cpn_traffic_free(t);
            return rc;
        }
    }
    *out = t;
    return CPN_OK;
}

void cpn_traffic_free(struct cpn_traffic *t)
{
    if (!t)
        return;
    free(t->flows);
    free(t->order);
    free(t->finish);
    free(t->parts);
    free(t);
}

double cpn_traffic_finish(const struct cpn_traffic *t, size_t i)
{
    return i < t->n ? t->finish[i] : NAN;
}

size_t cpn_traffic_started(const struct cpn_traffic *t)
{
    return t->next;
}

size_t cpn_traffic_finished(const struct cpn_traffic *t)
{
    return t->finished;
}

double cpn_traffic_makespan(const struct cpn_traffic *t)
{
    return t->makespan;
}
