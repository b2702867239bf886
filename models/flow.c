/* Fluid max-min flows over resources: classes, events and the incremental solver (see flow.h). */
#include "models/flow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/array.h"
#include "sim/engine.h"
#include "sim/error.h"

/* Two resource shares within this relative distance are a tie: progressive filling freezes the
 * flows of both at the lower level.  Far above the rounding of one share (~1e-16) and far below
 * the 1e-9 agreement asked of completion times. */
#define FLOW_TIE_REL 1e-12

/* A member whose remaining service is below what double arithmetic resolves is finished: its
 * remaining bytes are below FLOW_DONE_REL of its finish point (the rounding of the cumulative
 * service), or it would finish within FLOW_DONE_REL x now seconds (the rounding of the clock).
 * It may thus finish at most ~1e-12 relative early; the test also guarantees progress. */
#define FLOW_DONE_REL 1e-12

/* The weight sum of a resource is kept by subtraction while classes freeze; when it has fallen
 * below this fraction of the last exact sum it is recomputed, so that cancellation costs at most
 * ~1e-16 / FLOW_REWEIGH relative. */
#define FLOW_REWEIGH 1e-4

/* Minimum and maximum without libm's NaN handling (no NaN reaches them; they inline). */
static inline double min2(double a, double b)
{
    return b < a ? b : a;
}
static inline double max2(double a, double b)
{
    return b > a ? b : a;
}

/* Up to this many entries (coupled resources + class bounds) the filling finds its minimum by
 * a linear scan instead of a heap (measured faster for the WAN components of the benchmark). */
#define FLOW_SMALL 32

#define CAP_ITEM 0x80000000u /* solver heap item tag: a class's cap instead of a resource */

enum { FLOW_FREE = 0, FLOW_PENDING, FLOW_ACTIVE };

struct flow {
    double size;            /* bytes [B] */
    double start;           /* creation time [s] */
    cpn_flow_done_fn *done; /* owner's callback */
    void *ctx;              /* owner's context */
    uint64_t id;            /* owner's id */
    uint32_t tpos;          /* position of its join timer (latency phase), else CPN_NONE */
    uint32_t gen;           /* generation of the slot (never 0) */
    uint32_t cls;           /* class; next free slot when free */
    uint32_t hpos;          /* position in the class heap (active) */
    uint32_t src, dst;      /* endpoints (not interpreted) */
    uint8_t state;          /* FLOW_* */
};

struct member {
    double finish; /* finish point on the class's cumulative service [B] */
    uint32_t flow; /* flow slot */
};

struct fclass {
    double cap;       /* per-flow rate bound [B/s] */
    double weight;    /* max-min weight */
    double rate;      /* current per-flow rate [B/s] */
    double service;   /* cumulative per-flow service at t_service [B] */
    double t_service; /* [s] */
    double new_rate;  /* solver result [B/s] */
    double bound;     /* solver: min(cap, min_capacity / n) [B/s] */
    double min_capacity; /* smallest capacity on the path (INFINITY for none) [B/s] */
    uint64_t hash;
    struct member *heap; /* min-heap of members' finish points */
    uint32_t *pos;       /* pos[i]: index of this class in the list of hop i */
    uint32_t hlen, hcap, pcap;
    uint32_t path, n, refs;
    uint32_t stamp, fstamp; /* component and frozen marks of the current solve */
    uint32_t xoff, xlen;    /* its expanded hops in the solve's scratch list */
    uint32_t next_free;
    uint32_t tpos; /* position of its completion timer, else CPN_NONE */
    uint8_t dirty;
};

struct rentry {
    uint32_t cls; /* class crossing the resource */
    uint32_t hop; /* index of the resource in the class's path */
};

struct resource {
    double capacity; /* [B/s] */
    double load;     /* [B/s] */
    double bytes;    /* [B] */
    double busy;     /* [s] */
    double util;     /* [s] */
    double t_acct;   /* accounting integrated up to here [s] */
    double weight;   /* solver: weight of unfrozen flows */
    double weight_base; /* solver: last exact weight */
    double frozen;   /* solver: sum of frozen rates [B/s] */
    double demand;   /* sum over crossing classes of n x bound [B/s] (kept incrementally) */
    struct rentry *list;
    uint32_t len, cap;
    uint32_t cnt, nflows, stamp, xstamp; /* xstamp: expanded in this solve */
    uint8_t dirty;
    uint8_t coupled; /* not slack at the last visit (see collect()) */
};

struct path {
    uint32_t off, len; /* hops in the arena */
    uint64_t hash;
};

struct sentry {
    double key;    /* share level [B/s per unit weight] */
    uint32_t item; /* resource, or CAP_ITEM | class */
};

/* An internal timer: a flow's join (latency over) or a class's next completion.  All timers
 * share one min-heap ordered by (time, seq) and one engine event, the "tick", scheduled at the
 * earliest timer (or now, when a re-solve is pending). */
#define TIMER_FLOW 0x80000000u
struct timer {
    double time;  /* [s] */
    uint64_t seq; /* tie-break: order of setting */
    uint32_t id;  /* class id, or TIMER_FLOW | flow slot */
};

struct done_rec {
    struct cpn_flow_done info;
    cpn_flow_done_fn *fn;
    void *ctx;
};

struct cpn_flownet {
    struct cpn_engine *eng;
    struct resource *res;
    uint32_t n_res;
    CPN_ARRAY(struct flow) flows;
    uint32_t free_flow;
    CPN_ARRAY(struct fclass) classes;
    uint32_t free_class, live_classes;
    CPN_ARRAY(uint32_t) arena;
    CPN_ARRAY(struct path) paths;
    uint32_t *ptab, *ctab; /* open-addressing tables of path and class ids */
    size_t ptab_size, ctab_size, ctab_used;
    CPN_ARRAY(uint32_t) dirty_cls;
    CPN_ARRAY(uint32_t) dirty_res;
    CPN_ARRAY(uint32_t) comp_cls;
    CPN_ARRAY(uint32_t) comp_res;
    CPN_ARRAY(uint32_t) xhops; /* per component class: its expanded hops */
    CPN_ARRAY(struct sentry) heap;
    CPN_ARRAY(struct done_rec) done;
    size_t n_flows, n_active;
    uint32_t stamp;
    CPN_ARRAY(struct timer) timers;
    uint64_t timer_seq;
    cpn_evh tick_ev;  /* the pending tick, or CPN_EVH_NONE */
    double tick_time; /* its time [s] */
    int in_tick;      /* the tick handler is running (callbacks included) */
    struct cpn_flow_stats stats;
};

static int on_tick(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler tick_handler = {on_tick, "flow_tick"};

/* SplitMix64 finaliser (Steele, Lea & Flood 2014): a cheap well-mixing hash step. */
static inline uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static inline uint64_t bits_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline cpn_flowh make_handle(uint32_t slot, uint32_t gen)
{
    return ((uint64_t)gen << 32) | slot;
}

static struct flow *lookup_flow(const struct cpn_flownet *net, cpn_flowh h)
{
    uint32_t slot = (uint32_t)h, gen = (uint32_t)(h >> 32);
    if (gen == 0 || slot >= net->flows.len)
        return NULL;
    struct flow *f = &net->flows.items[slot];
    return f->state != FLOW_FREE && f->gen == gen ? f : NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Resources */

static void account(struct resource *r, double now)
{
    double dt = now - r->t_acct;
    if (dt > 0) {
        r->bytes += r->load * dt;
        if (r->load > 0) {
            r->busy += dt;
            if (r->capacity > 0)
                r->util += r->load / r->capacity * dt;
        }
    }
    r->t_acct = now;
}

/* ---------------------------------------------------------------------------------------- */
/* Timers */

static inline uint32_t *timer_pos(struct cpn_flownet *net, uint32_t id)
{
    return id & TIMER_FLOW ? &net->flows.items[id & ~TIMER_FLOW].tpos
                           : &net->classes.items[id].tpos;
}

static inline int timer_before(const struct timer *a, const struct timer *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void timer_place(struct cpn_flownet *net, uint32_t i, struct timer t)
{
    net->timers.items[i] = t;
    *timer_pos(net, t.id) = i;
}

static void timer_restore(struct cpn_flownet *net, uint32_t i, struct timer t)
{
    struct timer *h = net->timers.items;
    uint32_t len = (uint32_t)net->timers.len;
    while (i > 0 && timer_before(&t, &h[(i - 1) / 2])) {
        timer_place(net, i, h[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    for (;;) {
        uint32_t l = 2 * i + 1;
        if (l >= len)
            break;
        if (l + 1 < len && timer_before(&h[l + 1], &h[l]))
            l++;
        if (!timer_before(&h[l], &t))
            break;
        timer_place(net, i, h[l]);
        i = l;
    }
    timer_place(net, i, t);
}

/* Set (insert or move) the timer of @p id to @p time. */
static int timer_set(struct cpn_flownet *net, uint32_t id, double time)
{
    uint32_t pos = *timer_pos(net, id);
    struct timer t = {time, net->timer_seq++, id};
    net->stats.reschedules++;
    if (pos == CPN_NONE) {
        if (cpn_array_reserve(&net->timers, net->timers.len + 1) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
        pos = (uint32_t)net->timers.len++;
    }
    timer_restore(net, pos, t);
    return CPN_OK;
}

static void timer_remove(struct cpn_flownet *net, uint32_t id)
{
    uint32_t *pp = timer_pos(net, id), pos = *pp;
    if (pos == CPN_NONE)
        return;
    *pp = CPN_NONE;
    struct timer last = net->timers.items[--net->timers.len];
    if (pos < net->timers.len)
        timer_restore(net, pos, last);
}

/* Put the tick where it is needed: now when a re-solve is pending, else at the earliest timer.
 * Inside the tick handler this waits until the handler ends. */
static int sync_tick(struct cpn_flownet *net)
{
    if (net->in_tick)
        return CPN_OK;
    double want = net->dirty_cls.len || net->dirty_res.len ? cpn_engine_now(net->eng)
                  : net->timers.len                        ? net->timers.items[0].time
                                                           : INFINITY;
    if (want == INFINITY) {
        if (net->tick_ev != CPN_EVH_NONE)
            cpn_engine_cancel(net->eng, net->tick_ev);
        net->tick_ev = CPN_EVH_NONE;
        return CPN_OK;
    }
    if (net->tick_ev != CPN_EVH_NONE && want == net->tick_time)
        return CPN_OK;
    int rc = net->tick_ev != CPN_EVH_NONE
                 ? cpn_engine_reschedule(net->eng, net->tick_ev, want)
                 : cpn_engine_schedule(net->eng, want, &tick_handler, net, 0, &net->tick_ev);
    net->tick_time = want;
    return rc;
}

static int mark_res(struct cpn_flownet *net, uint32_t r)
{
    if (!net->res[r].dirty) {
        if (cpn_array_push(&net->dirty_res, r) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
        net->res[r].dirty = 1;
    }
    return CPN_OK;
}

static int mark_class(struct cpn_flownet *net, uint32_t c)
{
    if (!net->classes.items[c].dirty) {
        if (cpn_array_push(&net->dirty_cls, c) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
        net->classes.items[c].dirty = 1;
    }
    return CPN_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Paths: identical hop sequences share one id (kept for the network's lifetime). */

static int table_grow(uint32_t **tab, size_t *size, size_t need, const uint64_t *(*hash_of)(
                                                                       const struct cpn_flownet *,
                                                                       uint32_t),
                      const struct cpn_flownet *net)
{
    if (need * 2 <= *size)
        return CPN_OK;
    size_t ns = *size ? *size * 2 : 64;
    while (need * 2 > ns)
        ns *= 2;
    uint32_t *t = malloc(ns * sizeof *t);
    if (!t)
        return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
    memset(t, 0xff, ns * sizeof *t);
    for (size_t i = 0; i < *size; i++) {
        uint32_t id = (*tab)[i];
        if (id == CPN_NONE)
            continue;
        size_t j = *hash_of(net, id) & (ns - 1);
        while (t[j] != CPN_NONE)
            j = (j + 1) & (ns - 1);
        t[j] = id;
    }
    free(*tab);
    *tab = t;
    *size = ns;
    return CPN_OK;
}

static const uint64_t *path_hash(const struct cpn_flownet *net, uint32_t id)
{
    return &net->paths.items[id].hash;
}

static const uint64_t *class_hash(const struct cpn_flownet *net, uint32_t id)
{
    return &net->classes.items[id].hash;
}

static int path_intern(struct cpn_flownet *net, const uint32_t *hops, uint32_t n, uint32_t *out)
{
    uint64_t h = mix64(n);
    for (uint32_t i = 0; i < n; i++)
        h = mix64(h ^ hops[i]);
    if (net->ptab_size) {
        for (size_t j = h & (net->ptab_size - 1);; j = (j + 1) & (net->ptab_size - 1)) {
            uint32_t id = net->ptab[j];
            if (id == CPN_NONE)
                break;
            const struct path *p = &net->paths.items[id];
            if (p->hash == h && p->len == n &&
                memcmp(net->arena.items + p->off, hops, n * sizeof *hops) == 0) {
                *out = id;
                return CPN_OK;
            }
        }
    }
    if (net->paths.len >= CPN_NONE - 1 || net->arena.len + n >= CPN_NONE)
        return CPN_ERROR(CPN_ERANGE, "flow: too many distinct paths");
    int rc = table_grow(&net->ptab, &net->ptab_size, net->paths.len + 1, path_hash, net);
    if (rc != CPN_OK)
        return rc;
    if (cpn_array_reserve(&net->arena, net->arena.len + n) != CPN_OK ||
        cpn_array_reserve(&net->paths, net->paths.len + 1) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
    uint32_t id = (uint32_t)net->paths.len;
    net->paths.items[net->paths.len++] = (struct path){(uint32_t)net->arena.len, n, h};
    if (n)
        memcpy(net->arena.items + net->arena.len, hops, n * sizeof *hops);
    net->arena.len += n;
    size_t j = h & (net->ptab_size - 1);
    while (net->ptab[j] != CPN_NONE)
        j = (j + 1) & (net->ptab_size - 1);
    net->ptab[j] = id;
    *out = id;
    return CPN_OK;
}

static inline const uint32_t *path_hops(const struct cpn_flownet *net, uint32_t pid, uint32_t *n)
{
    const struct path *p = &net->paths.items[pid];
    *n = p->len;
    return net->arena.items + p->off;
}

/* ---------------------------------------------------------------------------------------- */
/* Classes */

static int class_get(struct cpn_flownet *net, uint32_t pid, double cap, double weight,
                     uint32_t *out)
{
    uint64_t h = mix64(mix64(mix64(pid) ^ bits_of(cap)) ^ bits_of(weight));
    if (net->ctab_size) {
        for (size_t j = h & (net->ctab_size - 1);; j = (j + 1) & (net->ctab_size - 1)) {
            uint32_t id = net->ctab[j];
            if (id == CPN_NONE)
                break;
            const struct fclass *c = &net->classes.items[id];
            if (c->hash == h && c->path == pid && c->cap == cap && c->weight == weight) {
                *out = id;
                return CPN_OK;
            }
        }
    }
    uint32_t n_hops;
    path_hops(net, pid, &n_hops);
    int rc = table_grow(&net->ctab, &net->ctab_size, net->ctab_used + 1, class_hash, net);
    if (rc != CPN_OK)
        return rc;
    uint32_t id = net->free_class;
    if (id == CPN_NONE) {
        if (net->classes.len >= CPN_NONE - 1)
            return CPN_ERROR(CPN_ERANGE, "flow: too many classes");
        if (cpn_array_reserve(&net->classes, net->classes.len + 1) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
        id = (uint32_t)net->classes.len++;
        memset(&net->classes.items[id], 0, sizeof net->classes.items[id]);
    }
    struct fclass *c = &net->classes.items[id];
    if (c->pcap < n_hops) {
        uint32_t *p = realloc(c->pos, n_hops * sizeof *p);
        if (!p) {
            if (id == net->classes.len - 1 && net->free_class != id)
                net->classes.len--;
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
        }
        c->pos = p;
        c->pcap = n_hops;
    }
    if (id == net->free_class)
        net->free_class = c->next_free;
    c->cap = cap;
    c->weight = weight;
    c->rate = c->service = c->t_service = c->new_rate = 0;
    c->hash = h;
    c->hlen = 0;
    c->path = pid;
    c->n = c->refs = 0;
    c->tpos = CPN_NONE;
    c->next_free = CPN_NONE;
    size_t j = h & (net->ctab_size - 1);
    while (net->ctab[j] != CPN_NONE)
        j = (j + 1) & (net->ctab_size - 1);
    net->ctab[j] = id;
    net->ctab_used++;
    net->live_classes++;
    *out = id;
    return CPN_OK;
}

/* Drop one reference; free the class (linear-probing delete by backward shift) at zero. */
static void class_unref(struct cpn_flownet *net, uint32_t id)
{
    struct fclass *c = &net->classes.items[id];
    if (--c->refs)
        return;
    size_t mask = net->ctab_size - 1, i = c->hash & mask;
    while (net->ctab[i] != id)
        i = (i + 1) & mask;
    for (size_t j = (i + 1) & mask; net->ctab[j] != CPN_NONE; j = (j + 1) & mask) {
        size_t home = net->classes.items[net->ctab[j]].hash & mask;
        /* Move entry j back into the hole i unless its home lies cyclically in (i, j]. */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            net->ctab[i] = net->ctab[j];
            i = j;
        }
    }
    net->ctab[i] = CPN_NONE;
    net->ctab_used--;
    net->live_classes--;
    c->next_free = net->free_class;
    net->free_class = id;
}

/* Refresh the upper bound of a class's per-flow rate implied by its cap and its own path: n
 * flows of the class share each hop, so none gets more than min_capacity / n. */
static inline void class_set_bound(struct fclass *c)
{
    c->bound = c->n ? min2(c->cap, c->min_capacity / c->n) : c->cap;
}

/* Set a sharing class's member count to @p n_new, keeping its hops' load, demand and flow
 * counts in step (the class's rate is unchanged until the next solve). */
static void class_resize(struct cpn_flownet *net, struct fclass *c, uint32_t n_new, double now)
{
    double old_demand = c->n ? c->n * c->bound : 0; /* bound may be INFINITY at n = 0 */
    double dn = (double)n_new - (double)c->n;
    c->n = n_new;
    class_set_bound(c);
    double dd = (n_new ? n_new * c->bound : 0) - old_demand;
    uint32_t n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    for (uint32_t i = 0; i < n; i++) {
        struct resource *r = &net->res[hops[i]];
        account(r, now);
        r->load += dn * c->rate;
        r->demand += dd;
        r->nflows = (uint32_t)((int64_t)r->nflows + (int64_t)dn);
    }
}

static inline void class_advance(struct fclass *c, double now)
{
    if (now > c->t_service) {
        c->service += c->rate * (now - c->t_service);
        c->t_service = now;
    }
}

static void heap_place(struct cpn_flownet *net, struct fclass *c, uint32_t i, struct member m)
{
    c->heap[i] = m;
    net->flows.items[m.flow].hpos = i;
}

static void member_up(struct cpn_flownet *net, struct fclass *c, uint32_t i, struct member m)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (c->heap[p].finish <= m.finish)
            break;
        heap_place(net, c, i, c->heap[p]);
        i = p;
    }
    heap_place(net, c, i, m);
}

static void member_down(struct cpn_flownet *net, struct fclass *c, uint32_t i, struct member m)
{
    for (;;) {
        uint32_t l = 2 * i + 1;
        if (l >= c->hlen)
            break;
        if (l + 1 < c->hlen && c->heap[l + 1].finish < c->heap[l].finish)
            l++;
        if (m.finish <= c->heap[l].finish)
            break;
        heap_place(net, c, i, c->heap[l]);
        i = l;
    }
    heap_place(net, c, i, m);
}

static void member_remove(struct cpn_flownet *net, struct fclass *c, uint32_t i)
{
    struct member last = c->heap[--c->hlen];
    if (i == c->hlen)
        return;
    if (i > 0 && last.finish < c->heap[(i - 1) / 2].finish)
        member_up(net, c, i, last);
    else
        member_down(net, c, i, last);
}

/* Enter the resource lists (the class gets its first sharing member). */
static int class_activate(struct cpn_flownet *net, uint32_t id, double now)
{
    uint32_t n;
    const uint32_t *hops = path_hops(net, net->classes.items[id].path, &n);
    for (uint32_t i = 0; i < n; i++) {
        struct resource *r = &net->res[hops[i]];
        if (r->len == r->cap) {
            uint32_t nc = r->cap ? r->cap * 2 : 4;
            struct rentry *l = realloc(r->list, nc * sizeof *l);
            if (!l) {
                while (i--) /* undo the entries added so far */
                    net->res[hops[i]].len--;
                return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
            }
            r->list = l;
            r->cap = nc;
        }
        net->classes.items[id].pos[i] = r->len;
        r->list[r->len++] = (struct rentry){id, i};
    }
    struct fclass *c = &net->classes.items[id];
    c->min_capacity = INFINITY;
    for (uint32_t i = 0; i < n; i++)
        c->min_capacity = min2(c->min_capacity, net->res[hops[i]].capacity);
    c->service = 0; /* rebase the virtual time while the class is empty */
    c->t_service = now;
    c->rate = 0;
    return CPN_OK;
}

/* Leave the resource lists (the last sharing member left). */
static int class_deactivate(struct cpn_flownet *net, uint32_t id)
{
    struct fclass *c = &net->classes.items[id];
    uint32_t n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    int rc = CPN_OK;
    for (uint32_t i = 0; i < n; i++) {
        struct resource *r = &net->res[hops[i]];
        uint32_t p = c->pos[i];
        struct rentry last = r->list[--r->len];
        if (p != r->len) {
            r->list[p] = last;
            net->classes.items[last.cls].pos[last.hop] = p;
        }
        if (r->len == 0) /* exact zeros: no drift survives an idle resource */
            r->load = r->demand = 0;
        if (rc == CPN_OK)
            rc = mark_res(net, hops[i]);
    }
    timer_remove(net, id);
    c->rate = 0;
    return rc;
}

/* (Re)schedule the class's completion event for its earliest member. */
static int class_schedule(struct cpn_flownet *net, struct fclass *c, double now)
{
    uint32_t id = (uint32_t)(c - net->classes.items);
    if (c->n == 0 || !(c->rate > 0)) {
        timer_remove(net, id);
        return CPN_OK;
    }
    class_advance(c, now);
    return timer_set(net, id, now + max2(c->heap[0].finish - c->service, 0) / c->rate);
}

/* ---------------------------------------------------------------------------------------- */
/* Flow slots */

static void flow_free(struct cpn_flownet *net, uint32_t slot)
{
    struct flow *f = &net->flows.items[slot];
    f->state = FLOW_FREE;
    if (++f->gen == 0)
        f->gen = 1;
    f->cls = net->free_flow;
    net->free_flow = slot;
    net->n_flows--;
}

static int flow_join(struct cpn_flownet *net, uint32_t slot)
{
    double now = cpn_engine_now(net->eng);
    struct flow *f = &net->flows.items[slot];
    uint32_t cid = f->cls;
    struct fclass *c = &net->classes.items[cid];
    if (c->n == 0) {
        int rc = class_activate(net, cid, now);
        if (rc != CPN_OK)
            return rc;
    } else {
        class_advance(c, now);
    }
    if (c->hlen == c->hcap) {
        uint32_t nc = c->hcap ? c->hcap * 2 : 4;
        struct member *h = realloc(c->heap, nc * sizeof *h);
        if (!h) {
            if (c->n == 0)
                class_deactivate(net, cid);
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
        }
        c->heap = h;
        c->hcap = nc;
    }
    c->hlen++;
    member_up(net, c, c->hlen - 1, (struct member){c->service + f->size, slot});
    class_resize(net, c, c->n + 1, now);
    f->state = FLOW_ACTIVE;
    net->n_active++;
    return mark_class(net, cid);
}

/* Take a sharing flow out of its class (finish or cancel). */
static int flow_leave(struct cpn_flownet *net, uint32_t slot)
{
    struct flow *f = &net->flows.items[slot];
    uint32_t cid = f->cls;
    struct fclass *c = &net->classes.items[cid];
    member_remove(net, c, f->hpos);
    class_resize(net, c, c->n - 1, cpn_engine_now(net->eng));
    net->n_active--;
    int rc = c->n == 0 ? class_deactivate(net, cid) : mark_class(net, cid);
    class_unref(net, cid);
    flow_free(net, slot);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Events */

static int push_done(struct cpn_flownet *net, uint32_t slot, double now)
{
    const struct flow *f = &net->flows.items[slot];
    if (cpn_array_reserve(&net->done, net->done.len + 1) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
    net->done.items[net->done.len++] = (struct done_rec){
        {make_handle(slot, f->gen), f->id, f->src, f->dst, f->size, f->start, now}, f->done,
        f->ctx};
    return CPN_OK;
}

/* A flow's latency is over: it joins its class (a flow of size 0 completes instead). */
static int due_join(struct cpn_flownet *net, uint32_t slot, double now)
{
    struct flow *f = &net->flows.items[slot];
    if (f->size > 0)
        return flow_join(net, slot);
    int rc = push_done(net, slot, now);
    class_unref(net, f->cls);
    flow_free(net, slot);
    return rc;
}

/* A class's completion timer is due: its members whose service is complete finish. */
static int due_class(struct cpn_flownet *net, uint32_t cid, double now)
{
    struct fclass *c = &net->classes.items[cid];
    class_advance(c, now);
    uint32_t popped = 0;
    while (c->hlen > 0) {
        double fin = c->heap[0].finish, rem = fin - c->service;
        if (!(rem <= FLOW_DONE_REL * fabs(fin) || rem <= c->rate * FLOW_DONE_REL * now))
            break;
        uint32_t slot = c->heap[0].flow;
        int rc = push_done(net, slot, now);
        if (rc != CPN_OK)
            return rc;
        member_remove(net, c, 0);
        flow_free(net, slot);
        popped++;
    }
    if (popped == 0)
        return class_schedule(net, c, now); /* rounding: not quite there yet */
    class_resize(net, c, c->n - popped, now);
    net->n_active -= popped;
    int rc = c->n == 0 ? class_deactivate(net, cid) : mark_class(net, cid);
    for (uint32_t i = 0; i < popped; i++)
        class_unref(net, cid);
    return rc;
}

static int solve(struct cpn_flownet *net, double now);

/* The one engine event of the network: fire the due timers, call the owners' callbacks, then
 * re-solve once for everything that changed at this time; repeat while something is due. */
static int on_tick(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    struct cpn_flownet *net = ctx;
    double now = cpn_engine_now(eng);
    int rc = CPN_OK;
    net->tick_ev = CPN_EVH_NONE;
    net->in_tick = 1;
    for (;;) {
        net->done.len = 0;
        while (rc == CPN_OK && net->timers.len && net->timers.items[0].time <= now) {
            uint32_t id = net->timers.items[0].id;
            timer_remove(net, id);
            rc = id & TIMER_FLOW ? due_join(net, id & ~TIMER_FLOW, now) : due_class(net, id, now);
        }
        /* Callbacks run before the re-solve, so the flows they start join the same solve. */
        for (size_t i = 0; rc == CPN_OK && i < net->done.len; i++) {
            struct done_rec d = net->done.items[i];
            if (d.fn)
                rc = d.fn(net, d.ctx, &d.info);
        }
        if (rc == CPN_OK && (net->dirty_cls.len || net->dirty_res.len))
            rc = solve(net, now);
        if (rc != CPN_OK || !net->timers.len || net->timers.items[0].time > now)
            break;
    }
    net->in_tick = 0;
    int rc2 = sync_tick(net);
    return rc != CPN_OK ? rc : rc2;
}

/* ---------------------------------------------------------------------------------------- */
/* Progressive filling over the components touched since the last solve. */

/* A resource is slack when the bounds of the classes crossing it sum to no more than its
 * capacity (demand <= capacity): it can never bind, its constraint is implied by the class
 * bounds (which the filling enforces), so it neither couples its classes nor enters the
 * filling.  Each resource reached is checked once per solve; it is queued for expansion (its
 * classes joined to the component) when it is not slack now, or was not slack at its last check
 * (a departure may release a binding resource, raising its other classes' rates). */
static inline int check_res(struct cpn_flownet *net, uint32_t rid)
{
    struct resource *r = &net->res[rid];
    if (r->stamp == net->stamp)
        return CPN_OK;
    r->stamp = net->stamp;
    uint8_t coupled = r->demand > r->capacity, was = r->coupled;
    r->coupled = coupled;
    if (!(coupled | was))
        return CPN_OK;
    r->xstamp = net->stamp;
    return cpn_array_push(&net->comp_res, rid);
}

static int visit_class(struct cpn_flownet *net, uint32_t id)
{
    struct fclass *c = &net->classes.items[id];
    if (c->stamp == net->stamp || c->n == 0)
        return CPN_OK;
    c->stamp = net->stamp;
    if (cpn_array_push(&net->comp_cls, id) != CPN_OK)
        return CPN_ENOMEM;
    uint32_t n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    if (cpn_array_reserve(&net->xhops, net->xhops.len + n) != CPN_OK)
        return CPN_ENOMEM;
    c->xoff = (uint32_t)net->xhops.len;
    for (uint32_t i = 0; i < n; i++) {
        if (check_res(net, hops[i]) != CPN_OK)
            return CPN_ENOMEM;
        if (net->res[hops[i]].xstamp == net->stamp)
            net->xhops.items[net->xhops.len++] = hops[i];
    }
    c->xlen = (uint32_t)net->xhops.len - c->xoff;
    return CPN_OK;
}

/* Join the classes of an expanded resource to the component and set its filling state. */
static int expand(struct cpn_flownet *net, uint32_t rid)
{
    struct resource *r = &net->res[rid];
    double demand = 0, w = 0;
    for (uint32_t k = 0; k < r->len; k++) {
        uint32_t id = r->list[k].cls;
        const struct fclass *c = &net->classes.items[id];
        demand += c->n * c->bound;
        w += c->n * c->weight;
        if (visit_class(net, id) != CPN_OK)
            return CPN_ENOMEM;
    }
    r->demand = demand; /* exact again */
    r->coupled = demand > r->capacity;
    r->weight = r->weight_base = w;
    r->cnt = r->len;
    r->frozen = 0;
    return CPN_OK;
}

static int collect(struct cpn_flownet *net)
{
    if (++net->stamp == 0) { /* wrapped: clear every mark once */
        for (uint32_t r = 0; r < net->n_res; r++)
            net->res[r].stamp = net->res[r].xstamp = 0;
        for (size_t i = 0; i < net->classes.len; i++)
            net->classes.items[i].stamp = net->classes.items[i].fstamp = 0;
        net->stamp = 1;
    }
    net->comp_cls.len = net->comp_res.len = net->xhops.len = 0;
    for (size_t i = 0; i < net->dirty_cls.len; i++) {
        uint32_t id = net->dirty_cls.items[i];
        if (net->classes.items[id].n == 0)
            net->classes.items[id].dirty = 0;
        else if (visit_class(net, id) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
    }
    for (size_t i = 0; i < net->dirty_res.len; i++) {
        net->res[net->dirty_res.items[i]].dirty = 0;
        if (check_res(net, net->dirty_res.items[i]) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
    }
    net->dirty_cls.len = net->dirty_res.len = 0;
    for (size_t i = 0; i < net->comp_res.len; i++)
        if (expand(net, net->comp_res.items[i]) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
    return CPN_OK;
}

static void sift_down(struct sentry *h, size_t len, size_t i)
{
    struct sentry e = h[i];
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= len)
            break;
        if (l + 1 < len && h[l + 1].key < h[l].key)
            l++;
        if (e.key <= h[l].key)
            break;
        h[i] = h[l];
        i = l;
    }
    h[i] = e;
}

static void freeze(struct cpn_flownet *net, uint32_t id, double rate)
{
    struct fclass *c = &net->classes.items[id];
    c->fstamp = net->stamp;
    c->new_rate = rate;
    const uint32_t *hops = net->xhops.items + c->xoff;
    for (uint32_t i = 0; i < c->xlen; i++) {
        struct resource *r = &net->res[hops[i]];
        if (!r->coupled)
            continue;
        r->frozen += c->n * rate;
        if (--r->cnt == 0) {
            r->weight = 0;
            continue;
        }
        r->weight -= c->n * c->weight;
        if (r->weight < FLOW_REWEIGH * r->weight_base) {
            double w = 0;
            for (uint32_t k = 0; k < r->len; k++) {
                const struct fclass *o = &net->classes.items[r->list[k].cls];
                if (o->fstamp != net->stamp)
                    w += o->n * o->weight;
            }
            r->weight = r->weight_base = w;
        }
    }
}

static int fill(struct cpn_flownet *net)
{
    net->heap.len = 0;
    if (cpn_array_reserve(&net->heap, net->comp_res.len + net->comp_cls.len) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
    struct sentry *h = net->heap.items;
    size_t len = 0;
    for (size_t i = 0; i < net->comp_res.len; i++) {
        uint32_t rid = net->comp_res.items[i];
        struct resource *r = &net->res[rid];
        if (r->coupled && r->len) /* else slack: implied by the class bounds */
            h[len++] = (struct sentry){r->capacity / r->weight, rid};
    }
    for (size_t i = 0; i < net->comp_cls.len; i++) {
        uint32_t id = net->comp_cls.items[i];
        struct fclass *c = &net->classes.items[id];
        if (isfinite(c->bound))
            h[len++] = (struct sentry){c->bound / c->weight, CAP_ITEM | id};
    }
    /* Small components (the common case) pick the minimum by a linear scan; large ones keep a
     * binary heap.  Either way h[0] is the entry with the smallest key. */
    int small = len <= FLOW_SMALL;
    if (!small)
        for (size_t i = len / 2; i-- > 0;)
            sift_down(h, len, i);
    double level = 0;
    while (len > 0) {
        if (small) {
            size_t m = 0;
            for (size_t i = 1; i < len; i++)
                if (h[i].key < h[m].key)
                    m = i;
            struct sentry t = h[0];
            h[0] = h[m];
            h[m] = t;
        }
        uint32_t item = h[0].item;
        double key = h[0].key;
        if (item & CAP_ITEM) {
            uint32_t id = item & ~CAP_ITEM;
            h[0] = h[--len];
            if (!small)
                sift_down(h, len, 0);
            if (net->classes.items[id].fstamp == net->stamp)
                continue;
            level = key <= level * (1 + FLOW_TIE_REL) ? level : key;
            freeze(net, id, net->classes.items[id].bound);
            continue;
        }
        struct resource *r = &net->res[item];
        if (r->cnt == 0) {
            h[0] = h[--len];
            if (!small)
                sift_down(h, len, 0);
            continue;
        }
        double share = max2(r->capacity - r->frozen, 0) / r->weight;
        if (share > key) { /* stale key: the share rose as other flows froze */
            h[0].key = share;
            if (!small)
                sift_down(h, len, 0);
            continue;
        }
        h[0] = h[--len];
        if (!small)
            sift_down(h, len, 0);
        level = share <= level * (1 + FLOW_TIE_REL) ? level : share;
        for (uint32_t k = 0; k < r->len; k++) {
            uint32_t id = r->list[k].cls;
            const struct fclass *c = &net->classes.items[id];
            if (c->fstamp != net->stamp)
                freeze(net, id, min2(c->weight * level, c->bound));
        }
    }
    return CPN_OK;
}

static int solve(struct cpn_flownet *net, double now)
{
    int rc = collect(net);
    if (rc == CPN_OK)
        rc = fill(net);
    if (rc != CPN_OK)
        return rc;
    net->stats.solves++;
    net->stats.solved_classes += net->comp_cls.len;
    net->stats.solved_resources += net->comp_res.len;
    for (size_t i = 0; i < net->comp_cls.len; i++) {
        struct fclass *c = &net->classes.items[net->comp_cls.items[i]];
        CPN_ASSERT(c->fstamp == net->stamp);
        if (c->new_rate != c->rate || c->dirty) {
            class_advance(c, now);
            double dl = c->n * (c->new_rate - c->rate);
            if (dl != 0) {
                uint32_t n;
                const uint32_t *hops = path_hops(net, c->path, &n);
                for (uint32_t k = 0; k < n; k++) {
                    struct resource *r = &net->res[hops[k]];
                    account(r, now);
                    r->load += dl;
                }
            }
            c->rate = c->new_rate;
            c->dirty = 0;
            rc = class_schedule(net, c, now);
            if (rc != CPN_OK)
                return rc;
        }
    }
    return CPN_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Public API */

int cpn_flownet_new(struct cpn_engine *eng, size_t n_resources, const double *capacity,
                    struct cpn_flownet **out)
{
    if (!eng || !out || (!capacity && n_resources))
        return CPN_ERROR(CPN_EINVAL, "flow: NULL argument to cpn_flownet_new");
    if (n_resources >= CAP_ITEM)
        return CPN_ERROR(CPN_ERANGE, "flow: %zu resources (at most 2^31 - 1)", n_resources);
    for (size_t i = 0; i < n_resources; i++)
        if (!(capacity[i] >= 0) || !isfinite(capacity[i]))
            return CPN_ERROR(CPN_EINVAL, "flow: resource %zu: capacity %g B/s (need finite >= 0)",
                             i, capacity[i]);
    struct cpn_flownet *net = calloc(1, sizeof *net);
    if (!net)
        goto fail;
    net->eng = eng;
    net->n_res = (uint32_t)n_resources;
    net->free_flow = net->free_class = CPN_NONE;
    net->res = calloc(n_resources ? n_resources : 1, sizeof *net->res);
    if (!net->res)
        goto fail;
    double now = cpn_engine_now(eng);
    for (size_t i = 0; i < n_resources; i++) {
        net->res[i].capacity = capacity[i];
        net->res[i].t_acct = now;
    }
    *out = net;
    return CPN_OK;
fail:
    cpn_flownet_free(net);
    return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
}

void cpn_flownet_free(struct cpn_flownet *net)
{
    if (!net)
        return;
    if (net->tick_ev != CPN_EVH_NONE)
        cpn_engine_cancel(net->eng, net->tick_ev);
    for (size_t i = 0; i < net->classes.len; i++) {
        free(net->classes.items[i].heap);
        free(net->classes.items[i].pos);
    }
    if (net->res)
        for (uint32_t r = 0; r < net->n_res; r++)
            free(net->res[r].list);
    free(net->res);
    cpn_array_release(&net->flows);
    cpn_array_release(&net->classes);
    cpn_array_release(&net->arena);
    cpn_array_release(&net->paths);
    free(net->ptab);
    free(net->ctab);
    cpn_array_release(&net->dirty_cls);
    cpn_array_release(&net->dirty_res);
    cpn_array_release(&net->comp_cls);
    cpn_array_release(&net->comp_res);
    cpn_array_release(&net->xhops);
    cpn_array_release(&net->heap);
    cpn_array_release(&net->done);
    cpn_array_release(&net->timers);
    free(net);
}

size_t cpn_flownet_resources(const struct cpn_flownet *net)
{
    return net->n_res;
}

int cpn_flownet_set_capacity(struct cpn_flownet *net, uint32_t resource, double capacity)
{
    if (resource >= net->n_res)
        return CPN_ERROR(CPN_ERANGE, "flow: resource %u out of range (%u resources)", resource,
                         net->n_res);
    if (!(capacity >= 0) || !isfinite(capacity))
        return CPN_ERROR(CPN_EINVAL, "flow: resource %u: capacity %g B/s (need finite >= 0)",
                         resource, capacity);
    struct resource *r = &net->res[resource];
    account(r, cpn_engine_now(net->eng));
    r->capacity = capacity;
    /* The crossing classes' bounds change, hence the slackness of their other hops. */
    for (uint32_t k = 0; k < r->len; k++) {
        uint32_t id = r->list[k].cls, n;
        struct fclass *c = &net->classes.items[id];
        const uint32_t *hops = path_hops(net, c->path, &n);
        double old_demand = c->n * c->bound;
        c->min_capacity = INFINITY;
        for (uint32_t i = 0; i < n; i++)
            c->min_capacity = min2(c->min_capacity, net->res[hops[i]].capacity);
        class_set_bound(c);
        for (uint32_t i = 0; i < n; i++)
            net->res[hops[i]].demand += c->n * c->bound - old_demand;
        int rc = mark_class(net, id);
        if (rc != CPN_OK)
            return rc;
    }
    int rc = mark_res(net, resource);
    return rc != CPN_OK ? rc : sync_tick(net);
}

int cpn_flownet_usage(struct cpn_flownet *net, uint32_t resource, struct cpn_flow_usage *out)
{
    if (!out)
        return CPN_ERROR(CPN_EINVAL, "flow: NULL usage output");
    if (resource >= net->n_res)
        return CPN_ERROR(CPN_ERANGE, "flow: resource %u out of range (%u resources)", resource,
                         net->n_res);
    struct resource *r = &net->res[resource];
    account(r, cpn_engine_now(net->eng));
    *out = (struct cpn_flow_usage){r->capacity, max2(r->load, 0), r->bytes, r->busy, r->util,
                                   r->nflows};
    return CPN_OK;
}

int cpn_flow_start(struct cpn_flownet *net, const struct cpn_flow_spec *s, cpn_flowh *out)
{
    if (!s || (!s->hops && s->n_hops))
        return CPN_ERROR(CPN_EINVAL, "flow: NULL flow specification or path");
    if (!(s->size >= 0) || !isfinite(s->size))
        return CPN_ERROR(CPN_EINVAL, "flow: size %g B (need finite >= 0)", s->size);
    if (!(s->latency >= 0) || !isfinite(s->latency))
        return CPN_ERROR(CPN_EINVAL, "flow: latency %g s (need finite >= 0)", s->latency);
    if (!(s->weight > 0) || !isfinite(s->weight))
        return CPN_ERROR(CPN_EINVAL, "flow: weight %g (need finite > 0)", s->weight);
    if (!(s->cap > 0))
        return CPN_ERROR(CPN_EINVAL, "flow: cap %g B/s (need > 0, INFINITY for none)", s->cap);
    if (s->n_hops == 0 && !isfinite(s->cap))
        return CPN_ERROR(CPN_EINVAL, "flow: an empty path needs a finite cap");
    if (s->n_hops >= CAP_ITEM)
        return CPN_ERROR(CPN_ERANGE, "flow: path of %zu hops", s->n_hops);
    for (size_t i = 0; i < s->n_hops; i++)
        if (s->hops[i] >= net->n_res)
            return CPN_ERROR(CPN_ERANGE, "flow: hop %zu: resource %u out of range (%u resources)",
                             i, s->hops[i], net->n_res);
    uint32_t pid = CPN_NONE, cid = CPN_NONE;
    int rc = path_intern(net, s->hops, (uint32_t)s->n_hops, &pid);
    if (rc == CPN_OK)
        rc = class_get(net, pid, s->cap, s->weight, &cid);
    if (rc != CPN_OK)
        return rc;
    net->classes.items[cid].refs++;
    uint32_t slot = net->free_flow;
    if (slot == CPN_NONE) {
        if (net->flows.len >= CPN_NONE - 1 ||
            cpn_array_reserve(&net->flows, net->flows.len + 1) != CPN_OK) {
            class_unref(net, cid);
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
        }
        slot = (uint32_t)net->flows.len++;
        net->flows.items[slot].gen = 1;
    } else {
        net->free_flow = net->flows.items[slot].cls;
    }
    struct flow *f = &net->flows.items[slot];
    double now = cpn_engine_now(net->eng);
    f->size = s->size;
    f->start = now;
    f->done = s->done;
    f->ctx = s->ctx;
    f->id = s->id;
    f->tpos = CPN_NONE;
    f->cls = cid;
    f->hpos = CPN_NONE;
    f->src = s->src;
    f->dst = s->dst;
    f->state = FLOW_PENDING;
    net->n_flows++;
    cpn_flowh h = make_handle(slot, f->gen);
    if (s->latency > 0 || s->size == 0)
        rc = timer_set(net, TIMER_FLOW | slot, now + s->latency);
    else
        rc = flow_join(net, slot);
    if (rc == CPN_OK)
        rc = sync_tick(net);
    if (rc != CPN_OK) {
        if (net->flows.items[slot].state == FLOW_PENDING) {
            timer_remove(net, TIMER_FLOW | slot);
            class_unref(net, cid);
            flow_free(net, slot);
        }
        return rc;
    }
    if (out)
        *out = h;
    return CPN_OK;
}

int cpn_flow_cancel(struct cpn_flownet *net, cpn_flowh flow)
{
    struct flow *f = lookup_flow(net, flow);
    if (!f)
        return CPN_ERROR(CPN_ENOENT, "flow: no flow with handle %#llx", (unsigned long long)flow);
    uint32_t slot = (uint32_t)flow;
    if (f->state == FLOW_PENDING) {
        timer_remove(net, TIMER_FLOW | slot);
        class_unref(net, f->cls);
        flow_free(net, slot);
        return sync_tick(net);
    }
    class_advance(&net->classes.items[f->cls], cpn_engine_now(net->eng));
    int rc = flow_leave(net, slot);
    return rc != CPN_OK ? rc : sync_tick(net);
}

int cpn_flow_rate(const struct cpn_flownet *net, cpn_flowh flow, double *rate)
{
    if (!rate)
        return CPN_ERROR(CPN_EINVAL, "flow: NULL rate output");
    const struct flow *f = lookup_flow(net, flow);
    if (!f)
        return CPN_ERROR(CPN_ENOENT, "flow: no flow with handle %#llx", (unsigned long long)flow);
    *rate = f->state == FLOW_ACTIVE ? net->classes.items[f->cls].rate : 0;
    return CPN_OK;
}

int cpn_flow_remaining(const struct cpn_flownet *net, cpn_flowh flow, double *bytes)
{
    if (!bytes)
        return CPN_ERROR(CPN_EINVAL, "flow: NULL bytes output");
    const struct flow *f = lookup_flow(net, flow);
    if (!f)
        return CPN_ERROR(CPN_ENOENT, "flow: no flow with handle %#llx", (unsigned long long)flow);
    if (f->state == FLOW_PENDING) {
        *bytes = f->size;
        return CPN_OK;
    }
    const struct fclass *c = &net->classes.items[f->cls];
    double s = c->service + c->rate * (cpn_engine_now(net->eng) - c->t_service);
    *bytes = max2(c->heap[f->hpos].finish - s, 0);
    return CPN_OK;
}

size_t cpn_flownet_flows(const struct cpn_flownet *net)
{
    return net->n_flows;
}

size_t cpn_flownet_active(const struct cpn_flownet *net)
{
    return net->n_active;
}

size_t cpn_flownet_classes(const struct cpn_flownet *net)
{
    return net->live_classes;
}

void cpn_flownet_stats(const struct cpn_flownet *net, struct cpn_flow_stats *out)
{
    *out = net->stats;
}

int cpn_flownet_path_offer(const struct cpn_flownet *net, const uint32_t *hops, size_t n_hops,
                           double *offer)
{
    if (!hops || !offer || n_hops == 0)
        return CPN_ERROR(CPN_EINVAL, "flow: path offer needs a non-empty path and an output");
    double best = INFINITY;
    for (size_t i = 0; i < n_hops; i++) {
        if (hops[i] >= net->n_res)
            return CPN_ERROR(CPN_ERANGE, "flow: hop %zu: resource %u out of range", i, hops[i]);
        const struct resource *r = &net->res[hops[i]];
        double o = max2(r->capacity - r->load, r->capacity / (r->nflows + 1.0));
        best = min2(best, o);
    }
    *offer = best;
    return CPN_OK;
}

int cpn_flow_split(double size, size_t k, const double *share, double *parts)
{
    if (!share || !parts || k == 0)
        return CPN_ERROR(CPN_EINVAL, "flow: split needs k >= 1 shares and an output");
    if (!(size >= 0) || !isfinite(size))
        return CPN_ERROR(CPN_EINVAL, "flow: split size %g B (need finite >= 0)", size);
    double total = 0;
    size_t last = k - 1;
    for (size_t i = 0; i < k; i++) {
        if (!(share[i] >= 0) || !isfinite(share[i]))
            return CPN_ERROR(CPN_EINVAL, "flow: split share %zu is %g (need finite >= 0)", i,
                             share[i]);
        total += share[i];
        if (share[i] > 0)
            last = i;
    }
    double sum = 0;
    for (size_t i = 0; i < k; i++) {
        if (i == last)
            continue;
        parts[i] = total > 0 ? size * (share[i] / total) : size / (double)k;
        sum += parts[i];
    }
    parts[last] = max2(size - sum, 0);
    return CPN_OK;
}
