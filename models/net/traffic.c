/* Replay of given flows on the network (see traffic.h). */
#include "models/net/traffic.h"

#include <math.h>
#include <stdlib.h>

#include "sim/engine.h"
#include "sim/error.h"

/* A streamed source: one flow read ahead, started when the engine reaches its start. */
struct traffic_source {
    struct cpn_traffic *t;
    cpn_traffic_next_fn next;
    void *ctx;
    size_t first, count, read;     /* ids first .. first+count-1; flows read so far */
    struct cpn_traffic_flow ahead; /* the flow read ahead (valid when has_ahead) */
    int has_ahead;
    double *finish;              /* per flow [s], NaN until finished; NULL when not kept */
    struct traffic_source *link; /* the replay's next source */
};

struct cpn_traffic {
    struct cpn_engine *eng;
    struct cpn_network *net;
    const struct cpn_observer *obs;
    struct cpn_traffic_flow *flows;     /* copy, input order */
    uint32_t *order;                    /* flow indices by (start, index) */
    double *finish;                     /* per flow [s], NaN until finished */
    uint8_t *parts;                     /* per flow: parts still moving (split flows) */
    size_t n, next, finished, streamed; /* streamed: flows the sources started */
    double makespan;
    struct traffic_source *sources; /* in the order added */
};

static int by_start(const void *pa, const void *pb, void *ctx)
{
    const struct cpn_traffic_flow *f = ctx;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    if (f[a].start != f[b].start)
        return f[a].start < f[b].start ? -1 : 1;
    return (a > b) - (a < b);
}

/* The transfer that starts flow @p f, reported to @p done with @p ctx and @p id. */
static struct cpn_transfer transfer_of(const struct cpn_traffic_flow *f, cpn_flow_done_fn *done,
                                       void *ctx, uint64_t id)
{
    return (struct cpn_transfer){
        .src = f->src,
        .dst = f->dst,
        .size = f->size,
        .path = f->path,
        .profile = f->profile,
        .weight = f->weight,
        .done = done,
        .ctx = ctx,
        .id = id,
        .src_site = CPN_NONE,
        .dst_site = CPN_NONE,
    };
}

/* Count a finished flow (@p id, @p bytes on path id @p path or CPN_NONE) and report it. */
static int flow_ended(struct cpn_traffic *t, const struct cpn_flow_done *done, uint64_t id,
                      uint32_t path, double bytes)
{
    t->finished++;
    if (done->end > t->makespan)
        t->makespan = done->end;
    double dur = done->end - done->start;
    struct cpn_flow_record rec = {
        .start = done->start,
        .end = done->end,
        .bytes = bytes,
        .id = id,
        .job = CPN_NONE,
        .src = done->src,
        .dst = done->dst,
        .path = path,
        .klass = CPN_NONE,
        .mean_rate = dur > 0 ? (float)(bytes / dur) : 0.0f,
    };
    return cpn_observe_flow_end(t->obs, &rec);
}

static int on_flow_done(struct cpn_flownet *fn, void *ctx, const struct cpn_flow_done *done)
{
    (void)fn;
    struct cpn_traffic *t = ctx;
    const struct cpn_traffic_flow *f = &t->flows[done->id];
    if (--t->parts[done->id] > 0)
        return CPN_OK; /* a split flow completes with its last part */
    t->finish[done->id] = done->end;
    int split = f->paths || f->k_paths > 1;
    const struct cpn_path *path = split ? NULL : f->path;
    return flow_ended(t, done, done->id, path ? path->id : CPN_NONE, split ? f->size : done->size);
}

/* The transfer id of a streamed flow: its index in the source (bits 0-31) and its path id + 1
 * (bits 32-62, 0 for none), so that the record can name the path without a table per flow. */
static int on_stream_done(struct cpn_flownet *fn, void *ctx, const struct cpn_flow_done *done)
{
    (void)fn;
    struct traffic_source *src = ctx;
    struct cpn_traffic *t = src->t;
    size_t k = (size_t)(done->id & 0xffffffffu);
    uint64_t path = (done->id >> 32) & 0x7fffffffu;
    if (src->finish)
        src->finish[k] = done->end;
    return flow_ended(t, done, src->first + k, path ? (uint32_t)(path - 1) : CPN_NONE, done->size);
}

static int traffic_check(const struct cpn_traffic_flow *f)
{
    return isfinite(f->size) && f->size >= 0 && isfinite(f->start) && f->start >= 0 &&
           f->weight > 0 && isfinite(f->weight) && f->k_paths <= CPN_NETWORK_MAX_PATHS &&
           (!f->paths || (f->shares && f->n_paths >= 1 && f->n_paths <= CPN_NETWORK_MAX_PATHS));
}

/* Read the source's next flow ahead, checked. */
static int source_read(struct traffic_source *src)
{
    int more = 0;
    struct cpn_traffic_flow f;
    int rc = src->next(src->ctx, &f, &more);
    if (rc != CPN_OK)
        return rc;
    if (!more) {
        src->has_ahead = 0;
        return CPN_OK;
    }
    if (src->read >= src->count)
        return CPN_ERROR(CPN_EINVAL, "traffic source: more flows than the %zu announced",
                         src->count);
    if (!traffic_check(&f) || f.paths || f.k_paths > 1)
        return CPN_ERROR(CPN_EINVAL,
                         "traffic source: flow %zu has a bad size, start or weight, or is split "
                         "(a streamed flow takes one path)",
                         src->first + src->read);
    if (src->has_ahead && f.start < src->ahead.start)
        return CPN_ERROR(CPN_EINVAL,
                         "traffic source: flow %zu starts at %.17g s, before the previous one "
                         "(%.17g s)",
                         src->first + src->read, f.start, src->ahead.start);
    src->ahead = f;
    src->has_ahead = 1;
    return CPN_OK;
}

static int on_source_arrival(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler source_handler = {on_source_arrival, "traffic_stream", 0};

static int on_source_arrival(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    struct traffic_source *src = ctx;
    double now = cpn_engine_now(eng);
    /* Start every flow due now in one event, then schedule the next start. */
    while (src->has_ahead && src->ahead.start <= now) {
        const struct cpn_traffic_flow *f = &src->ahead;
        uint64_t k = src->read++;
        uint64_t path = f->path ? (uint64_t)f->path->id + 1 : 0;
        if (path > 0x7fffffffu)
            return CPN_ERROR(CPN_EINVAL, "traffic source: path id %llu too large",
                             (unsigned long long)(path - 1));
        struct cpn_transfer tr = transfer_of(f, on_stream_done, src, k | path << 32);
        int rc = cpn_network_transfer(src->t->net, &tr, NULL);
        if (rc != CPN_OK)
            return rc;
        src->t->streamed++;
        if ((rc = source_read(src)) != CPN_OK)
            return rc;
    }
    if (src->has_ahead)
        return cpn_engine_schedule(eng, src->ahead.start, &source_handler, src, 0, NULL);
    return CPN_OK;
}

int cpn_traffic_add_source(struct cpn_traffic *t, cpn_traffic_next_fn next, void *ctx, size_t first,
                           size_t count, int keep_finish)
{
    if (!t || !next)
        return CPN_ERROR(CPN_EINVAL, "cpn_traffic_add_source: NULL argument");
    if (first < t->n || count > ((size_t)1 << 32) - first)
        return CPN_ERROR(CPN_EINVAL, "cpn_traffic_add_source: ids %zu + %zu out of range", first,
                         count);
    for (const struct traffic_source *o = t->sources; o; o = o->link)
        if (first < o->first + o->count && o->first < first + count)
            return CPN_ERROR(CPN_EINVAL, "cpn_traffic_add_source: ids %zu + %zu overlap", first,
                             count);
    struct traffic_source *src = calloc(1, sizeof *src);
    if (!src)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    if (keep_finish && count) {
        if (!(src->finish = malloc(count * sizeof *src->finish))) {
            free(src);
            return CPN_ERROR(CPN_ENOMEM, NULL);
        }
        for (size_t k = 0; k < count; k++)
            src->finish[k] = NAN;
    }
    src->t = t;
    src->next = next;
    src->ctx = ctx;
    src->first = first;
    src->count = count;
    struct traffic_source **tail = &t->sources;
    while (*tail)
        tail = &(*tail)->link;
    *tail = src; /* owned by the replay from here, even on error */
    int rc = source_read(src);
    if (rc == CPN_OK && src->has_ahead) {
        double at = src->ahead.start;
        if (at < cpn_engine_now(t->eng))
            at = cpn_engine_now(t->eng);
        rc = cpn_engine_schedule(t->eng, at, &source_handler, src, 0, NULL);
    }
    return rc;
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
        struct cpn_transfer tr = transfer_of(f, on_flow_done, t, i);
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
        if (!traffic_check(&flows[i]))
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
    while (t->sources) {
        struct traffic_source *src = t->sources;
        t->sources = src->link;
        free(src->finish);
        free(src);
    }
    free(t);
}

double cpn_traffic_finish(const struct cpn_traffic *t, size_t i)
{
    if (i < t->n)
        return t->finish[i];
    for (const struct traffic_source *src = t->sources; src; src = src->link)
        if (i >= src->first && i - src->first < src->count)
            return src->finish ? src->finish[i - src->first] : NAN;
    return NAN;
}

size_t cpn_traffic_started(const struct cpn_traffic *t)
{
    return t->next + t->streamed;
}

size_t cpn_traffic_finished(const struct cpn_traffic *t)
{
    return t->finished;
}

double cpn_traffic_makespan(const struct cpn_traffic *t)
{
    return t->makespan;
}
