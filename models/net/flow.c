/* Fluid max-min flows over resources: classes, events and the incremental solver (see flow.h). */
#include "models/net/flow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/array.h"
#include "sim/engine.h"
#include "sim/error.h"
#include "models/net/flow_internal.h"

static int on_tick(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler tick_handler = {on_tick, "flow_tick", 0};

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

static struct cpn_flow_rec *lookup_flow(const struct cpn_flownet *net, cpn_flowh h)
{
    uint32_t slot = (uint32_t)h, gen = (uint32_t)(h >> 32);
    if (gen == 0 || slot >= net->flows.len)
        return NULL;
    struct cpn_flow_rec *f = &net->flows.items[slot];
    return f->state != FLOW_FREE && f->gen == gen ? f : NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* The tick */

/* Put the tick (the network's engine timer, sim/engine.h: moved at almost every event, it costs
 * no sift of the engine's queue) where it is needed: now when a re-solve is pending, else at the
 * earliest timer.  Inside the tick handler this waits until the handler ends. */
static int sync_tick(struct cpn_flownet *net)
{
    if (net->in_tick)
        return CPN_OK;
    const struct cpn_flow_timer *first = cpn_flow_timer_first_(net);
    double want = net->dirty_cls.len || net->dirty_res.len ? cpn_engine_now(net->eng)
                  : first                                  ? first->time
                                                           : INFINITY;
    if (want == INFINITY) {
        cpn_engine_timer_clear(net->eng, &net->tick);
        return CPN_OK;
    }
    if (net->tick.armed && want == net->tick.time)
        return CPN_OK;
    return cpn_engine_timer_set(net->eng, &net->tick, want);
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

/* Queue a class for the next solve; @p why is DIRTY_CHANGED or DIRTY_GREW (it gained flows). */
static int mark_class(struct cpn_flownet *net, uint32_t c, uint8_t why)
{
    if (!net->classes.items[c].dirty) {
        if (cpn_array_push(&net->dirty_cls, c) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
    }
    net->classes.items[c].dirty |= why;
    return CPN_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Paths: identical hop sequences share one id (kept for the network's lifetime). */

static int table_grow(uint32_t **tab, size_t *size, size_t need,
                      uint64_t (*hash_of)(const struct cpn_flownet *, uint32_t),
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
        size_t j = hash_of(net, id) & (ns - 1);
        while (t[j] != CPN_NONE)
            j = (j + 1) & (ns - 1);
        t[j] = id;
    }
    free(*tab);
    *tab = t;
    *size = ns;
    return CPN_OK;
}

static uint64_t path_hash(const struct cpn_flownet *net, uint32_t id)
{
    return net->paths.items[id].hash;
}

/* The hash of a class key (computed, not stored: classes are the bulk of the memory). */
static inline uint64_t class_key_hash(uint32_t pid, double cap, double weight)
{
    return mix64(mix64(mix64(pid) ^ bits_of(cap)) ^ bits_of(weight));
}

static uint64_t class_hash(const struct cpn_flownet *net, uint32_t id)
{
    const struct cpn_flow_class *c = &net->classes.items[id];
    return class_key_hash(c->path, c->cap, c->weight);
}

/* The smallest capacity on path @p pid and a hop that has it. */
static void path_cmin(struct cpn_flownet *net, uint32_t pid)
{
    uint32_t n;
    const uint32_t *hops = path_hops(net, pid, &n);
    struct cpn_flow_path *p = &net->paths.items[pid];
    p->cmin = INFINITY;
    p->min_res = CPN_NONE;
    for (uint32_t i = 0; i < n; i++)
        if (net->res[hops[i]].capacity < p->cmin) {
            p->cmin = net->res[hops[i]].capacity;
            p->min_res = hops[i];
        }
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
            const struct cpn_flow_path *p = &net->paths.items[id];
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
    net->paths.items[net->paths.len++] = (struct cpn_flow_path){
        INFINITY, (uint32_t)net->arena.len, n, CPN_NONE, h, n <= FLOW_DISTINCT};
    for (uint32_t i = 0; i < n && net->paths.items[id].distinct; i++)
        for (uint32_t j = 0; j < i; j++)
            if (hops[j] == hops[i])
                net->paths.items[id].distinct = 0;
    if (n)
        memcpy(net->arena.items + net->arena.len, hops, n * sizeof *hops);
    net->arena.len += n;
    path_cmin(net, id);
    size_t j = h & (net->ptab_size - 1);
    while (net->ptab[j] != CPN_NONE)
        j = (j + 1) & (net->ptab_size - 1);
    net->ptab[j] = id;
    *out = id;
    return CPN_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Classes */

static int class_get(struct cpn_flownet *net, uint32_t pid, double cap, double weight,
                     uint32_t *out)
{
    uint64_t h = class_key_hash(pid, cap, weight);
    if (net->ctab_size) {
        for (size_t j = h & (net->ctab_size - 1);; j = (j + 1) & (net->ctab_size - 1)) {
            uint32_t id = net->ctab[j];
            if (id == CPN_NONE)
                break;
            const struct cpn_flow_class *c = &net->classes.items[id];
            if (c->path == pid && c->cap == cap && c->weight == weight) {
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
        /* Class ids share the timer id space with the resources (n_res + id < TIMER_FLOW). */
        if (net->classes.len >= TIMER_FLOW - 1 - net->n_res)
            return CPN_ERROR(CPN_ERANGE, "flow: too many classes");
        if (cpn_array_reserve(&net->classes, net->classes.len + 1) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
        id = (uint32_t)net->classes.len++;
        memset(&net->classes.items[id], 0, sizeof net->classes.items[id]);
    }
    struct cpn_flow_class *c = &net->classes.items[id];
    if (c->pcap < n_hops) {
        uint32_t *p = realloc(c->pp, n_hops * sizeof *p);
        if (!p) {
            if (id == net->classes.len - 1 && net->free_class != id)
                net->classes.len--;
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
        }
        c->pp = p;
        c->pcap = n_hops;
    }
    if (id == net->free_class)
        net->free_class = c->tpos; /* the free list runs through tpos */
    c->cap = cap;
    c->weight = weight;
    c->anchor = c->service = c->t_service = 0;
    c->brate = 0;
    c->hlen = 0;
    c->path = pid;
    c->n = c->refs = 0;
    c->grp = GRP_NONE;
    c->tpos = CPN_NONE;
    c->dirty = 0;
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
    struct cpn_flow_class *c = &net->classes.items[id];
    if (--c->refs)
        return;
    size_t mask = net->ctab_size - 1, i = class_hash(net, id) & mask;
    while (net->ctab[i] != id)
        i = (i + 1) & mask;
    for (size_t j = (i + 1) & mask; net->ctab[j] != CPN_NONE; j = (j + 1) & mask) {
        size_t home = class_hash(net, net->ctab[j]) & mask;
        /* Move entry j back into the hole i unless its home lies cyclically in (i, j]. */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            net->ctab[i] = net->ctab[j];
            i = j;
        }
    }
    net->ctab[i] = CPN_NONE;
    net->ctab_used--;
    net->live_classes--;
    c->tpos = net->free_class;
    net->free_class = id;
}

/* The level (per-flow rate / weight) of a sharing class before the next solve. */
static inline double class_level(const struct cpn_flownet *net, const struct cpn_flow_class *c)
{
    return class_rate(net, c) / c->weight;
}

static void heap_place(struct cpn_flownet *net, struct cpn_flow_class *c, uint32_t i,
                       struct cpn_flow_member m)
{
    class_members(c)[i] = m;
    net->flows.items[m.flow].pos = i;
}

static void member_up(struct cpn_flownet *net, struct cpn_flow_class *c, uint32_t i,
                      struct cpn_flow_member m)
{
    const struct cpn_flow_member *h = class_members(c);
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (h[p].finish <= m.finish)
            break;
        heap_place(net, c, i, h[p]);
        i = p;
    }
    heap_place(net, c, i, m);
}

static void member_down(struct cpn_flownet *net, struct cpn_flow_class *c, uint32_t i,
                        struct cpn_flow_member m)
{
    const struct cpn_flow_member *h = class_members(c);
    for (;;) {
        uint32_t l = 2 * i + 1;
        if (l >= c->hlen)
            break;
        if (l + 1 < c->hlen && h[l + 1].finish < h[l].finish)
            l++;
        if (m.finish <= h[l].finish)
            break;
        heap_place(net, c, i, h[l]);
        i = l;
    }
    heap_place(net, c, i, m);
}

static void member_remove(struct cpn_flownet *net, struct cpn_flow_class *c, uint32_t i)
{
    const struct cpn_flow_member *h = class_members(c);
    struct cpn_flow_member last = h[--c->hlen];
    if (i == c->hlen)
        return;
    if (i > 0 && last.finish < h[(i - 1) / 2].finish)
        member_up(net, c, i, last);
    else
        member_down(net, c, i, last);
}

/* Class @p cid loses @p dn sharing members (finished or cancelled).  When that empties it, it
 * leaves its group first (its pairs change once), and what it ran through may now run faster:
 * its hops are re-solved. */
static int class_shrink(struct cpn_flownet *net, uint32_t cid, int64_t dn, double now)
{
    struct cpn_flow_class *c = &net->classes.items[cid];
    uint32_t grp = c->grp, n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    /* (A class never solved held no bandwidth: nothing to re-solve.) */
    int empties = (int64_t)c->n == dn && grp != GRP_NONE;
    if (empties) {
        if (cpn_array_reserve(&net->dirty_res, net->dirty_res.len + n) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
        cpn_flow_group_leave_(net, cid, now, 0);
    }
    cpn_flow_class_resize_(net, c, -dn, now);
    if (!empties)
        return CPN_OK;
    for (uint32_t i = 0; i < n; i++) {
        /* A resource slack when last reached and still slack could not bind and cannot now:
         * the departure changes nothing through it.  (Without branches: which hops are slack
         * is as good as random.) */
        struct cpn_flow_resource *r = &net->res[hops[i]];
        uint8_t mark = (uint8_t)(res_reachable(r) & !r->dirty);
        net->dirty_res.items[net->dirty_res.len] = hops[i];
        net->dirty_res.len += mark;
        r->dirty |= mark;
    }
    return grp < net->n_res ? cpn_flow_retime_(net, grp) : CPN_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Flow slots */

static void flow_free(struct cpn_flownet *net, uint32_t slot)
{
    struct cpn_flow_rec *f = &net->flows.items[slot];
    f->state = FLOW_FREE;
    if (++f->gen == 0)
        f->gen = 1;
    f->cls = net->free_flow;
    net->free_flow = slot;
    net->n_flows--;
}

static int flow_join_amount(struct cpn_flownet *net, uint32_t slot, double amount);

static int flow_join(struct cpn_flownet *net, uint32_t slot)
{
    return flow_join_amount(net, slot, net->flows.items[slot].size);
}

/* Join flow @p slot to its class with @p amount bytes to move. */
static int flow_join_amount(struct cpn_flownet *net, uint32_t slot, double amount)
{
    double now = cpn_engine_now(net->eng);
    struct cpn_flow_rec *f = &net->flows.items[slot];
    uint32_t cid = f->cls;
    struct cpn_flow_class *c = &net->classes.items[cid];
    if (c->hlen == c->hcap) { /* up to one member in place, then an allocated heap */
        uint32_t nc = c->hcap ? c->hcap * 2 : 1;
        if (nc > 1) {
            struct cpn_flow_member *h = malloc(nc * sizeof *h);
            if (!h)
                return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
            memcpy(h, class_members(c), c->hlen * sizeof *h);
            if (c->hcap > 1)
                free(c->heap);
            c->heap = h;
        }
        c->hcap = nc;
    }
    if (c->n == 0) { /* rebase the class's service while it is empty */
        c->service = 0;
        c->t_service = now;
    }
    double service = class_service(net, c, now);
    c->hlen++;
    member_up(net, c, c->hlen - 1, (struct cpn_flow_member){service + amount, slot});
    cpn_flow_class_resize_(net, c, 1, now);
    f->state = FLOW_ACTIVE;
    net->n_active++;
    int rc = f->pos == 0 ? cpn_flow_class_rekey_(net, cid, now) : CPN_OK;
    return rc != CPN_OK ? rc : mark_class(net, cid, DIRTY_GREW);
}

/* Take a sharing flow out of its class (cancel). */
static int flow_leave(struct cpn_flownet *net, uint32_t slot)
{
    double now = cpn_engine_now(net->eng);
    struct cpn_flow_rec *f = &net->flows.items[slot];
    uint32_t cid = f->cls;
    struct cpn_flow_class *c = &net->classes.items[cid];
    if (c->grp != GRP_NONE)
        net->low_level = min2(net->low_level, class_level(net, c));
    int top = f->pos == 0;
    member_remove(net, c, f->pos);
    int rc = class_shrink(net, cid, 1, now);
    net->n_active--;
    if (rc == CPN_OK && c->n && top)
        rc = cpn_flow_class_rekey_(net, cid, now);
    if (rc == CPN_OK && c->n)
        rc = mark_class(net, cid, DIRTY_CHANGED);
    class_unref(net, cid);
    flow_free(net, slot);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Events */

static int push_done(struct cpn_flownet *net, uint32_t slot, double now)
{
    const struct cpn_flow_rec *f = &net->flows.items[slot];
    if (cpn_array_reserve(&net->done, net->done.len + 1) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
    net->done.items[net->done.len++] = (struct cpn_flow_donerec){
        {make_handle(slot, f->gen), f->id, f->src, f->dst, f->size, f->start, now},
        f->done,
        f->ctx};
    return CPN_OK;
}

/* A flow's latency is over: it joins its class (a flow of size 0 completes instead). */
static int due_join(struct cpn_flownet *net, uint32_t slot, double now)
{
    struct cpn_flow_rec *f = &net->flows.items[slot];
    if (f->size > 0)
        return flow_join(net, slot);
    int rc = push_done(net, slot, now);
    class_unref(net, f->cls);
    flow_free(net, slot);
    return rc;
}

/* The members of class @p cid whose remaining service (measured by @p left, in the unit of the
 * class's clock, at @p speed units per second) is below what the arithmetic resolves finish:
 * they are popped and reported.  Returns how many, or -1 on error. */
static int64_t pop_finished(struct cpn_flownet *net, uint32_t cid, double now, double clock,
                            double speed)
{
    struct cpn_flow_class *c = &net->classes.items[cid];
    int in_group = c->grp < net->n_res;
    int64_t popped = 0;
    while (c->hlen > 0) {
        /* The same expression as the group heap's key, so that a due key always pops. */
        const struct cpn_flow_member *top = class_members(c);
        double fin = in_group ? c->anchor + top->finish / c->weight : top->finish,
               rem = fin - clock;
        if (!(rem <= FLOW_DONE_REL * fabs(fin) || rem <= speed * FLOW_DONE_REL * now))
            break;
        uint32_t slot = top->flow;
        if (push_done(net, slot, now) != CPN_OK)
            return -1;
        member_remove(net, c, 0);
        flow_free(net, slot);
        popped++;
    }
    return popped;
}

/* The members just popped from class @p cid leave it. */
static int class_finished(struct cpn_flownet *net, uint32_t cid, int64_t popped, double now)
{
    struct cpn_flow_class *c = &net->classes.items[cid];
    net->low_level = min2(net->low_level, class_level(net, c));
    int rc = class_shrink(net, cid, popped, now);
    net->n_active -= (size_t)popped;
    if (rc == CPN_OK && c->n)
        rc = mark_class(net, cid, DIRTY_CHANGED);
    if (rc == CPN_OK && c->n && c->grp < net->n_res) /* its group's heap: the new earliest */
        rc = cpn_flow_class_rekey_(net, cid, now);
    for (int64_t i = 0; i < popped; i++)
        class_unref(net, cid);
    return rc;
}

/* A group's completion timer is due: the classes whose earliest member is done lose their
 * finished members. */
static int due_group(struct cpn_flownet *net, uint32_t r, double now)
{
    struct cpn_flow_group *g = &net->groups[r];
    group_advance(g, now);
    while (g->hlen > 0) {
        uint32_t cid = g->heap[0].cls;
        int64_t popped = pop_finished(net, cid, now, g->vtime, g->theta);
        if (popped < 0)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
        if (popped == 0)
            break; /* rounding: not quite there yet */
        int rc = class_finished(net, cid, popped, now);
        if (rc != CPN_OK)
            return rc;
    }
    return cpn_flow_retime_(net, r);
}

/* A class at its bound is due: its members whose service is complete finish. */
static int due_cap(struct cpn_flownet *net, uint32_t cid, double now)
{
    struct cpn_flow_class *c = &net->classes.items[cid];
    c->service = class_service(net, c, now);
    c->t_service = now;
    int64_t popped = pop_finished(net, cid, now, c->service, c->brate);
    if (popped < 0)
        return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
    if (popped == 0) /* rounding: not quite there yet */
        return cpn_flow_class_rekey_(net, cid, now);
    int rc = class_finished(net, cid, popped, now);
    if (rc == CPN_OK && c->n)
        rc = cpn_flow_class_rekey_(net, cid, now);
    return rc;
}

/* The one engine timer of the network: fire the due timers, call the owners' callbacks, then
 * re-solve once for everything that changed at this time; repeat while something is due. */
static int on_tick(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    struct cpn_flownet *net = ctx;
    double now = cpn_engine_now(eng);
    int rc = CPN_OK;
    net->in_tick = 1;
    for (;;) {
        net->done.len = 0;
        const struct cpn_flow_timer *first;
        while (rc == CPN_OK && (first = cpn_flow_timer_first_(net)) && first->time <= now) {
            uint32_t id = cpn_flow_timer_pop_(net, (first->id & TIMER_FLOW) != 0);
            rc = id & TIMER_FLOW   ? due_join(net, id & ~TIMER_FLOW, now)
                 : id < net->n_res ? due_group(net, id, now)
                                   : due_cap(net, id - net->n_res, now);
        }
        /* Callbacks run before the re-solve, so the flows they start join the same solve. */
        for (size_t i = 0; rc == CPN_OK && i < net->done.len; i++) {
            struct cpn_flow_donerec d = net->done.items[i];
            if (d.fn)
                rc = d.fn(net, d.ctx, &d.info);
        }
        if (rc == CPN_OK && (net->dirty_cls.len || net->dirty_res.len))
            rc = cpn_flow_solve_(net, now);
        if (rc == CPN_OK)
            rc = cpn_flow_retime_flush_(net, now);
        first = cpn_flow_timer_first_(net);
        if (rc != CPN_OK || !first || first->time > now)
            break;
    }
    net->in_tick = 0;
    int rc2 = sync_tick(net);
    return rc != CPN_OK ? rc : rc2;
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
    cpn_engine_timer_add(eng, &net->tick, &tick_handler, net);
    net->n_res = (uint32_t)n_resources;
    net->free_flow = net->free_class = CPN_NONE;
    net->low_level = INFINITY;
    net->free_pair = CPN_NONE;
    net->res = calloc(n_resources ? n_resources : 1, sizeof *net->res);
    net->groups = calloc(n_resources ? n_resources : 1, sizeof *net->groups);
    if (!net->res || !net->groups)
        goto fail;
    double now = cpn_engine_now(eng);
    for (size_t i = 0; i < n_resources; i++) {
        net->res[i].capacity = capacity[i];
        net->res[i].t_busy = now;
        net->groups[i].tpos = CPN_NONE;
        net->groups[i].t_v = now;
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
    cpn_engine_timer_remove(net->eng, &net->tick);
    for (size_t i = 0; i < net->classes.len; i++) {
        if (net->classes.items[i].hcap > 1)
            free(net->classes.items[i].heap);
        free(net->classes.items[i].pp);
    }
    for (uint32_t r = 0; r < net->n_res; r++) {
        if (net->res)
            free(net->res[r].pairs);
        if (net->groups) {
            free(net->groups[r].heap);
            free(net->groups[r].pairs);
        }
    }
    free(net->res);
    free(net->groups);
    cpn_array_release(&net->pairs);
    cpn_array_release(&net->flows);
    cpn_array_release(&net->classes);
    cpn_array_release(&net->arena);
    cpn_array_release(&net->paths);
    free(net->ptab);
    free(net->ctab);
    cpn_array_release(&net->dirty_cls);
    cpn_array_release(&net->dirty_res);
    cpn_array_release(&net->play);
    cpn_array_release(&net->loose);
    cpn_array_release(&net->reached);
    cpn_array_release(&net->retime);
    cpn_array_release(&net->garbage);
    cpn_array_release(&net->pick);
    cpn_array_release(&net->moves);
    cpn_array_release(&net->heap);
    cpn_array_release(&net->risen);
    cpn_array_release(&net->bucketed);
    cpn_array_release(&net->done);
    cpn_array_release(&net->timers[0]);
    cpn_array_release(&net->timers[1]);
    free(net);
}

size_t cpn_flownet_resources(const struct cpn_flownet *net)
{
    return net->n_res;
}

/* Bytes carried by resource @p rid up to @p now [B].  O(its pairs). */
static double res_bytes(const struct cpn_flownet *net, uint32_t rid, double now)
{
    const struct cpn_flow_resource *r = &net->res[rid];
    double b = r->bytes;
    for (uint32_t k = 0; k < r->plen; k++) {
        const struct cpn_flow_pair *p = &net->pairs.items[r->pairs[k].pair];
        if (p->cnt)
            b += p->a * (pair_clock(net, p->g, now) - p->vmark);
    }
    return b;
}

/* The current load of resource @p rid: the sum of the rates of the flows crossing it [B/s].
 * O(its pairs). */
static double res_load(const struct cpn_flownet *net, uint32_t rid)
{
    const struct cpn_flow_resource *r = &net->res[rid];
    double load = 0;
    for (uint32_t k = 0; k < r->plen; k++) {
        const struct cpn_flow_pair *p = &net->pairs.items[r->pairs[k].pair];
        if (!p->cnt)
            continue;
        if (p->g < net->n_res) {
            load += net->groups[p->g].theta * p->a;
        } else {
            const struct cpn_flow_class *c = &net->classes.items[p->g - net->n_res];
            load += c->brate * (p->a / c->weight);
        }
    }
    return load;
}

/* Close the utilisation interval of resource @p rid at @p now before its capacity changes: while
 * the capacity is constant the integral of load / capacity is (bytes - mark) / capacity. */
static void account_capacity(struct cpn_flownet *net, uint32_t rid, double now, double capacity)
{
    struct cpn_flow_resource *r = &net->res[rid];
    double bytes = res_bytes(net, rid, now);
    if (r->capacity > 0)
        r->util += (bytes - r->bytes_mark) / r->capacity;
    r->bytes_mark = bytes;
    r->capacity = capacity;
}

int cpn_flownet_set_capacity(struct cpn_flownet *net, uint32_t resource, double capacity)
{
    if (resource >= net->n_res)
        return CPN_ERROR(CPN_ERANGE, "flow: resource %u out of range (%u resources)", resource,
                         net->n_res);
    if (!(capacity >= 0) || !isfinite(capacity))
        return CPN_ERROR(CPN_EINVAL, "flow: resource %u: capacity %g B/s (need finite >= 0)",
                         resource, capacity);
    account_capacity(net, resource, cpn_engine_now(net->eng), capacity);
    net->low_level = 0; /* any level may change: no group is kept */
    /* The smallest capacity of the paths through it may change, hence the demand of every
     * resource they cross: recomputed from scratch (capacity changes are rare). */
    for (uint32_t i = 0; i < net->n_res; i++)
        net->res[i].demand = 0;
    for (uint32_t pid = 0; pid < net->paths.len; pid++)
        path_cmin(net, pid);
    for (uint32_t i = 0; i < net->n_res; i++)
        net->groups[i].bvalid = 0;
    for (size_t i = 0; i < net->classes.len; i++) {
        struct cpn_flow_class *c = &net->classes.items[i];
        if (c->refs == 0)
            continue; /* free */
        uint32_t n;
        const uint32_t *hops = path_hops(net, c->path, &n);
        for (uint32_t k = 0; k < n; k++)
            net->res[hops[k]].demand += class_demand(net, c, c->n);
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
    const struct cpn_flow_resource *r = &net->res[resource];
    double now = cpn_engine_now(net->eng), bytes = res_bytes(net, resource, now);
    *out = (struct cpn_flow_usage){
        r->capacity,
        max2(res_load(net, resource), 0),
        bytes,
        r->busy + (r->nflows ? now - r->t_busy : 0),
        r->util + (r->capacity > 0 ? (bytes - r->bytes_mark) / r->capacity : 0),
        r->nflows};
    return CPN_OK;
}

static int check_hops(const struct cpn_flownet *net, const uint32_t *hops, size_t n_hops)
{
    if (!hops && n_hops)
        return CPN_ERROR(CPN_EINVAL, "flow: NULL path");
    if (n_hops >= CAP_ITEM)
        return CPN_ERROR(CPN_ERANGE, "flow: path of %zu hops", n_hops);
    for (size_t i = 0; i < n_hops; i++)
        if (hops[i] >= net->n_res)
            return CPN_ERROR(CPN_ERANGE, "flow: hop %zu: resource %u out of range (%u resources)",
                             i, hops[i], net->n_res);
    return CPN_OK;
}

int cpn_flownet_path(struct cpn_flownet *net, const uint32_t *hops, size_t n_hops, uint32_t *path)
{
    if (!path)
        return CPN_ERROR(CPN_EINVAL, "flow: NULL path output");
    int rc = check_hops(net, hops, n_hops);
    return rc != CPN_OK ? rc : path_intern(net, hops, (uint32_t)n_hops, path);
}

static int check_spec(const struct cpn_flow_spec *s, int has_hops)
{
    if (!(s->size >= 0) || !isfinite(s->size))
        return CPN_ERROR(CPN_EINVAL, "flow: size %g B (need finite >= 0)", s->size);
    if (!(s->latency >= 0) || !isfinite(s->latency))
        return CPN_ERROR(CPN_EINVAL, "flow: latency %g s (need finite >= 0)", s->latency);
    if (!(s->weight > 0) || !isfinite(s->weight))
        return CPN_ERROR(CPN_EINVAL, "flow: weight %g (need finite > 0)", s->weight);
    if (!(s->cap > 0))
        return CPN_ERROR(CPN_EINVAL, "flow: cap %g B/s (need > 0, INFINITY for none)", s->cap);
    if (!has_hops && !isfinite(s->cap))
        return CPN_ERROR(CPN_EINVAL, "flow: an empty path needs a finite cap");
    return CPN_OK;
}

int cpn_flow_start(struct cpn_flownet *net, const struct cpn_flow_spec *s, cpn_flowh *out)
{
    if (!s)
        return CPN_ERROR(CPN_EINVAL, "flow: NULL flow specification");
    uint32_t pid = CPN_NONE;
    int rc = check_hops(net, s->hops, s->n_hops);
    if (rc == CPN_OK)
        rc = check_spec(s, s->n_hops > 0);
    if (rc == CPN_OK)
        rc = path_intern(net, s->hops, (uint32_t)s->n_hops, &pid);
    return rc != CPN_OK ? rc : cpn_flow_start_path(net, pid, s, out);
}

int cpn_flow_start_path(struct cpn_flownet *net, uint32_t pid, const struct cpn_flow_spec *s,
                        cpn_flowh *out)
{
    if (!s)
        return CPN_ERROR(CPN_EINVAL, "flow: NULL flow specification");
    if (pid >= net->paths.len)
        return CPN_ERROR(CPN_ENOENT, "flow: no path with id %u", pid);
    int rc = check_spec(s, net->paths.items[pid].len > 0);
    uint32_t cid = CPN_NONE;
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
    struct cpn_flow_rec *f = &net->flows.items[slot];
    double now = cpn_engine_now(net->eng);
    f->size = s->size;
    f->start = now;
    f->done = s->done;
    f->ctx = s->ctx;
    f->id = s->id;
    f->pos = CPN_NONE;
    f->cls = cid;
    f->src = s->src;
    f->dst = s->dst;
    f->tag = s->tag;
    f->state = FLOW_PENDING;
    net->n_flows++;
    cpn_flowh h = make_handle(slot, f->gen);
    if (s->latency > 0 || s->size == 0)
        rc = cpn_flow_timer_set_(net, TIMER_FLOW | slot, now + s->latency);
    else
        rc = flow_join(net, slot);
    if (rc == CPN_OK)
        rc = sync_tick(net);
    if (rc != CPN_OK) {
        if (net->flows.items[slot].state == FLOW_PENDING) {
            cpn_flow_timer_remove_(net, TIMER_FLOW | slot);
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
    struct cpn_flow_rec *f = lookup_flow(net, flow);
    if (!f)
        return CPN_ERROR(CPN_ENOENT, "flow: no flow with handle %#llx", (unsigned long long)flow);
    uint32_t slot = (uint32_t)flow;
    if (f->state == FLOW_PENDING) {
        cpn_flow_timer_remove_(net, TIMER_FLOW | slot);
        class_unref(net, f->cls);
        flow_free(net, slot);
        return sync_tick(net);
    }
    int rc = flow_leave(net, slot);
    if (rc == CPN_OK)
        rc = cpn_flow_retime_flush_(net, cpn_engine_now(net->eng));
    return rc != CPN_OK ? rc : sync_tick(net);
}

int cpn_flow_info(const struct cpn_flownet *net, cpn_flowh flow, struct cpn_flow_info *out)
{
    if (!out)
        return CPN_ERROR(CPN_EINVAL, "flow: NULL info output");
    const struct cpn_flow_rec *f = lookup_flow(net, flow);
    if (!f)
        return CPN_ERROR(CPN_ENOENT, "flow: no flow with handle %#llx", (unsigned long long)flow);
    const struct cpn_flow_class *c = &net->classes.items[f->cls];
    *out = (struct cpn_flow_info){.src = f->src,
                                  .dst = f->dst,
                                  .path = c->path,
                                  .tag = f->tag,
                                  .weight = c->weight,
                                  .cap = c->cap,
                                  .id = f->id};
    return cpn_flow_remaining(net, flow, &out->remaining);
}

int cpn_flownet_flows_on(const struct cpn_flownet *net, uint32_t resource, cpn_flowh *out,
                         size_t cap, size_t *n)
{
    if (!n || (!out && cap))
        return CPN_ERROR(CPN_EINVAL, "flow: NULL output");
    if (resource >= net->n_res)
        return CPN_ERROR(CPN_ERANGE, "flow: resource %u out of range (%u resources)", resource,
                         net->n_res);
    *n = 0;
    for (uint32_t slot = 0; slot < net->flows.len; slot++) {
        const struct cpn_flow_rec *f = &net->flows.items[slot];
        if (f->state == FLOW_FREE)
            continue;
        uint32_t nh;
        const uint32_t *hops = path_hops(net, net->classes.items[f->cls].path, &nh);
        for (uint32_t k = 0; k < nh; k++)
            if (hops[k] == resource) {
                if (*n < cap)
                    out[*n] = make_handle(slot, f->gen);
                (*n)++;
                break;
            }
    }
    return CPN_OK;
}

int cpn_flow_move(struct cpn_flownet *net, cpn_flowh flow, uint32_t path, double cap)
{
    struct cpn_flow_rec *f = lookup_flow(net, flow);
    if (!f)
        return CPN_ERROR(CPN_ENOENT, "flow: no flow with handle %#llx", (unsigned long long)flow);
    if (path >= net->paths.len)
        return CPN_ERROR(CPN_ENOENT, "flow: no path with id %u", path);
    if (!(cap > 0))
        return CPN_ERROR(CPN_EINVAL, "flow: cap %g B/s (need > 0)", cap);
    uint32_t slot = (uint32_t)flow, old = f->cls;
    double weight = net->classes.items[old].weight, left;
    int rc = cpn_flow_remaining(net, flow, &left);
    uint32_t cid = CPN_NONE;
    if (rc == CPN_OK)
        rc = class_get(net, path, cap, weight, &cid);
    if (rc != CPN_OK)
        return rc;
    net->classes.items[cid].refs++;
    double now = cpn_engine_now(net->eng);
    f = &net->flows.items[slot];
    if (f->state == FLOW_PENDING) { /* still in its latency: it joins the new class then */
        f->cls = cid;
        class_unref(net, old);
        return sync_tick(net);
    }
    /* Take it out of its class as a cancel would, without freeing it; then join the new one. */
    struct cpn_flow_class *c = &net->classes.items[old];
    if (c->grp != GRP_NONE)
        net->low_level = min2(net->low_level, class_level(net, c));
    int top = f->pos == 0;
    member_remove(net, c, f->pos);
    rc = class_shrink(net, old, 1, now);
    net->n_active--;
    if (rc == CPN_OK && c->n && top)
        rc = cpn_flow_class_rekey_(net, old, now);
    if (rc == CPN_OK && c->n)
        rc = mark_class(net, old, DIRTY_CHANGED);
    class_unref(net, old);
    f = &net->flows.items[slot];
    f->cls = cid;
    f->pos = CPN_NONE;
    if (rc == CPN_OK)
        rc = flow_join_amount(net, slot, left);
    if (rc == CPN_OK)
        rc = cpn_flow_retime_flush_(net, now);
    return rc != CPN_OK ? rc : sync_tick(net);
}

int cpn_flow_rate(const struct cpn_flownet *net, cpn_flowh flow, double *rate)
{
    if (!rate)
        return CPN_ERROR(CPN_EINVAL, "flow: NULL rate output");
    const struct cpn_flow_rec *f = lookup_flow(net, flow);
    if (!f)
        return CPN_ERROR(CPN_ENOENT, "flow: no flow with handle %#llx", (unsigned long long)flow);
    *rate = f->state == FLOW_ACTIVE ? class_rate(net, &net->classes.items[f->cls]) : 0;
    return CPN_OK;
}

int cpn_flow_remaining(const struct cpn_flownet *net, cpn_flowh flow, double *bytes)
{
    if (!bytes)
        return CPN_ERROR(CPN_EINVAL, "flow: NULL bytes output");
    const struct cpn_flow_rec *f = lookup_flow(net, flow);
    if (!f)
        return CPN_ERROR(CPN_ENOENT, "flow: no flow with handle %#llx", (unsigned long long)flow);
    if (f->state == FLOW_PENDING) {
        *bytes = f->size;
        return CPN_OK;
    }
    const struct cpn_flow_class *c = &net->classes.items[f->cls];
    *bytes = max2(
        class_members_c(c)[f->pos].finish - class_service(net, c, cpn_engine_now(net->eng)), 0);
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
        const struct cpn_flow_resource *r = &net->res[hops[i]];
        double o = max2(r->capacity - res_load(net, hops[i]), r->capacity / (r->nflows + 1.0));
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

const uint32_t *cpn_flownet_path_hops(const struct cpn_flownet *net, uint32_t path, uint32_t *n)
{
    if (path >= net->paths.len) {
        *n = 0;
        return NULL;
    }
    return path_hops(net, path, n);
}
