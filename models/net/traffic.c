/* Replay of given flows on the network (see traffic.h). */
#include "models/net/traffic.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

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
    _Atomic size_t settled;      /* its first flows that have finished (cpn_traffic_settled()) */
    struct traffic_source *link; /* the replay's next source */
};

struct cpn_traffic {
    struct cpn_engine *eng;
    struct cpn_network *net;
    const struct cpn_observer *obs;
    cpn_traffic_get_fn get;             /* flow i */
    cpn_traffic_start_fn start_of;      /* its start [s] */
    const void *ctx;                    /* what get and start_of read */
    struct cpn_traffic_flow *own;       /* cpn_traffic_new(): its copy of the flows (ctx) */
    uint32_t *order;                    /* flow indices by (start, index); NULL: in order */
    double *finish;                     /* per flow [s], NaN until finished; NULL: not kept */
    _Atomic size_t settled;             /* the first flows that have finished (their count) */
    uint8_t *parts;                     /* per flow: parts still moving (split flows) */
    size_t n, next, finished, streamed; /* streamed: flows the sources started */
    struct cpn_traffic_flow soon[2];    /* the flows at start-order positions soon_at, + 1 */
    size_t soon_at, soon_n;             /* (soon_n of them: fetched once, prefetch_ahead()) */
    double makespan;
    struct traffic_source *sources; /* in the order added */
};

/* The replay's i-th flow in start order. */
static inline size_t in_order(const struct cpn_traffic *t, size_t k)
{
    return t->order ? t->order[k] : k;
}

/* cpn_traffic_new()'s flows: its own copy. */
static void get_own(const void *ctx, size_t i, struct cpn_traffic_flow *f)
{
    *f = ((const struct cpn_traffic_flow *)ctx)[i];
}

static double start_own(const void *ctx, size_t i)
{
    return ((const struct cpn_traffic_flow *)ctx)[i].start;
}

static int by_start(const void *pa, const void *pb, void *ctx)
{
    const struct cpn_traffic *t = ctx;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    double sa = t->start_of(t->ctx, a), sb = t->start_of(t->ctx, b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
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

/* Move @p *settled (the count of leading flows of @p finish, of @p count, whose finish time is
 * set) past the flows finished since, and publish it to another thread (release: the finish
 * times below it are written before it is). */
static void settle(_Atomic size_t *settled, const double *finish, size_t count)
{
    size_t from = atomic_load_explicit(settled, memory_order_relaxed), s = from;
    while (s < count && !isnan(finish[s]))
        s++;
    if (s != from)
        atomic_store_explicit(settled, s, memory_order_release);
}

static int on_flow_done(struct cpn_flownet *fn, void *ctx, const struct cpn_flow_done *done)
{
    (void)fn;
    struct cpn_traffic *t = ctx;
    if (--t->parts[done->id] > 0)
        return CPN_OK; /* a split flow completes with its last part */
    if (t->finish) {
        t->finish[done->id] = done->end;
        settle(&t->settled, t->finish, t->n);
    }
    struct cpn_traffic_flow f;
    t->get(t->ctx, done->id, &f);
    int split = f.paths || f.k_paths > 1;
    const struct cpn_path *path = split ? NULL : f.path;
    return flow_ended(t, done, done->id, path ? path->id : CPN_NONE, split ? f.size : done->size);
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
    if (src->finish) {
        src->finish[k] = done->end;
        settle(&src->settled, src->finish, src->count);
    }
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

/* Hint (cpn_network_prefetch()) the transport terms that flow @p f's start reads, when it starts
 * on one path (a split flow reads those of each of its paths at its start). */
static void prefetch_terms(const struct cpn_network *net, const struct cpn_traffic_flow *f)
{
    if (!f->paths && f->k_paths <= 1)
        cpn_network_prefetch(net, f->path, f->profile);
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
    if (src->has_ahead) {
        /* (A hint, as prefetch_ahead(): the flow read ahead's terms.  Its path was fetched by
         * the flow file's reader a row before, scenarios/load_traffic.c's struct ld_lines; for
         * other sources this waits for the path here instead of at the start.) */
        prefetch_terms(src->t->net, &src->ahead);
        return cpn_engine_schedule(eng, src->ahead.start, &source_handler, src, 0, NULL);
    }
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

/* The flow at start-order position @p k: one of those fetched ahead (prefetch_ahead()), else
 * from get. */
static void flow_at(const struct cpn_traffic *t, size_t k, struct cpn_traffic_flow *f)
{
    if (k >= t->soon_at && k - t->soon_at < t->soon_n)
        *f = t->soon[k - t->soon_at];
    else
        t->get(t->ctx, in_order(t, k), f);
}

/* Fetch ahead, as hints, what the next starts read first, so that they need not wait for memory:
 * the path of the flow after next (in the cache by the time that flow is next), and the next
 * flow's transport terms, whose path was fetched so at the arrival before.  Results are the same
 * without it.  (Those memory waits, each start's path and then its terms, were about a tenth of
 * `cpnsim run` of the fat tree benchmark's 1e5 flows: perf.)  The two flows are kept in
 * t->soon, so that each flow is fetched from get once.  A streamed source fetches the terms of
 * the flow it read ahead (on_source_arrival()). */
static void prefetch_ahead(struct cpn_traffic *t)
{
    struct cpn_traffic_flow next;
    flow_at(t, t->next, &next); /* (the flow after next of the arrival before) */
    t->soon[0] = next;
    t->soon_at = t->next;
    t->soon_n = 1;
    if (t->next + 1 < t->n) {
        t->get(t->ctx, in_order(t, t->next + 1), &t->soon[1]);
        t->soon_n = 2;
        if (t->soon[1].path)
            __builtin_prefetch(t->soon[1].path);
    }
    prefetch_terms(t->net, &next);
}

static int on_arrival(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    struct cpn_traffic *t = ctx;
    double now = cpn_engine_now(eng);
    /* Start every flow due now in one event, then schedule the next start. */
    while (t->next < t->n && t->start_of(t->ctx, in_order(t, t->next)) <= now) {
        size_t i = in_order(t, t->next);
        struct cpn_traffic_flow f;
        flow_at(t, t->next++, &f);
        struct cpn_transfer tr = transfer_of(&f, on_flow_done, t, i);
        uint32_t started = 1;
        int rc = f.paths ? cpn_network_transfer_split(t->net, &tr, f.paths, f.n_paths, f.shares,
                                                      NULL, &started)
                 : f.k_paths > 1
                     ? cpn_network_transfer_multipath(t->net, &tr, f.k_paths, NULL, NULL, &started)
                     : cpn_network_transfer(t->net, &tr, NULL);
        if (rc != CPN_OK)
            return rc;
        t->parts[i] = (uint8_t)started;
    }
    if (t->next < t->n) {
        prefetch_ahead(t);
        return cpn_engine_schedule(eng, t->start_of(t->ctx, in_order(t, t->next)), &arrival_handler,
                                   t, 0, NULL);
    }
    return CPN_OK;
}

int cpn_traffic_new_from(struct cpn_engine *eng, struct cpn_network *net,
                         const struct cpn_observer *obs, size_t n, cpn_traffic_get_fn get,
                         cpn_traffic_start_fn start_of, const void *ctx, int keep_finish,
                         struct cpn_traffic **out)
{
    if (!eng || !net || !out || ((!get || !start_of) && n))
        return CPN_ERROR(CPN_EINVAL, "cpn_traffic_new_from: NULL argument");
    *out = NULL;
    if (n >= UINT32_MAX)
        return CPN_ERROR(CPN_EINVAL, "traffic: too many flows (%zu)", n);
    int sorted = 1;
    double prev = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        struct cpn_traffic_flow f;
        get(ctx, i, &f);
        if (!traffic_check(&f) || f.start != start_of(ctx, i))
            return CPN_ERROR(CPN_EINVAL, "traffic flow %zu: bad size, start, weight or paths", i);
        sorted &= prev <= f.start;
        prev = f.start;
    }
    struct cpn_traffic *t = calloc(1, sizeof *t);
    if (!t)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    size_t m = n ? n : 1;
    t->parts = calloc(m, sizeof *t->parts);
    t->order = sorted ? NULL : malloc(m * sizeof *t->order);
    t->finish = keep_finish ? malloc(m * sizeof *t->finish) : NULL;
    if (!t->parts || (!sorted && !t->order) || (keep_finish && !t->finish)) {
        cpn_traffic_free(t);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    t->eng = eng;
    t->net = net;
    t->obs = obs;
    t->get = get;
    t->start_of = start_of;
    t->ctx = ctx;
    t->n = n;
    for (size_t i = 0; t->finish && i < n; i++)
        t->finish[i] = NAN;
    if (t->order) { /* by (start, index): the file's order within one instant */
        for (size_t i = 0; i < n; i++)
            t->order[i] = (uint32_t)i;
        qsort_r(t->order, n, sizeof *t->order, by_start, t);
    }
    if (n) {
        double first = start_of(ctx, in_order(t, 0));
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

int cpn_traffic_new(struct cpn_engine *eng, struct cpn_network *net, const struct cpn_observer *obs,
                    const struct cpn_traffic_flow *flows, size_t n, struct cpn_traffic **out)
{
    if (!eng || !net || !out || (!flows && n))
        return CPN_ERROR(CPN_EINVAL, "cpn_traffic_new: NULL argument");
    *out = NULL;
    struct cpn_traffic_flow *own = malloc((n ? n : 1) * sizeof *own);
    if (!own)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    if (n)
        memcpy(own, flows, n * sizeof *own);
    int rc = cpn_traffic_new_from(eng, net, obs, n, get_own, start_own, own, 1, out);
    if (rc != CPN_OK) {
        free(own);
        return rc;
    }
    (*out)->own = own;
    return CPN_OK;
}

void cpn_traffic_free(struct cpn_traffic *t)
{
    if (!t)
        return;
    free(t->own);
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
        return t->finish ? t->finish[i] : NAN;
    for (const struct traffic_source *src = t->sources; src; src = src->link)
        if (i >= src->first && i - src->first < src->count)
            return src->finish ? src->finish[i - src->first] : NAN;
    return NAN;
}

size_t cpn_traffic_settled(const struct cpn_traffic *t, size_t i)
{
    if (i < t->n)
        return t->finish ? atomic_load_explicit(&t->settled, memory_order_acquire) : 0;
    for (const struct traffic_source *src = t->sources; src; src = src->link)
        if (i >= src->first && i - src->first < src->count)
            return src->first +
                   (src->finish ? atomic_load_explicit(&src->settled, memory_order_acquire) : 0);
    return i;
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
