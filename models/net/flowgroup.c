/* The flow network's bottleneck groups (see flow_internal.h): pairs (group, resource), each
 * group's heap of classes on its virtual time, classes entering and leaving groups, and the
 * internal timers (joins, group and capped-class completions). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/net/flow_internal.h"
#include "sim/error.h"

#define NOMEM() CPN_ERROR(CPN_ENOMEM, "flow: out of memory")

/* ---------------------------------------------------------------------------------------- */
/* Pairs: (group, resource) with the weight the group puts on the resource */

/* The pair of resource group @p g on resource @p r, or CPN_NONE (a scan of r's list: a few
 * groups cross a resource, a few hundred on the busiest). */
static uint32_t pair_find(const struct cpn_flownet *net, uint32_t g, uint32_t r)
{
    const struct cpn_flow_resource *res = &net->res[r];
    for (uint32_t k = 0; k < res->plen; k++)
        if (res->pairs[k].g == g)
            return res->pairs[k].pair;
    return CPN_NONE;
}

/* Grow an array with a 32-bit capacity to hold @p need items (sim/array.h's growth). */
static int grow32(void **items, uint32_t *cap, size_t size, uint32_t need)
{
    size_t c = *cap;
    if (cpn_array_grow_(items, &c, size, need) != CPN_OK || c > UINT32_MAX)
        return CPN_ENOMEM;
    *cap = (uint32_t)c;
    return CPN_OK;
}

/* Make room for @p k new pairs of group @p g over the resources @p hops[0..k), so that creating
 * them cannot fail. */
static int pair_reserve(struct cpn_flownet *net, uint32_t g, const uint32_t *hops, uint32_t k)
{
    if (cpn_array_reserve(&net->pairs, net->pairs.len + k) != CPN_OK)
        return NOMEM();
    for (uint32_t i = 0; i < k; i++) {
        struct cpn_flow_resource *r = &net->res[hops[i]];
        if (r->plen + k > r->pcap &&
            grow32((void **)&r->pairs, &r->pcap, sizeof *r->pairs, r->plen + k) != CPN_OK)
            return NOMEM();
    }
    if (g < net->n_res) {
        struct cpn_flow_group *gr = &net->groups[g];
        if (gr->plen + k > gr->pcap &&
            grow32((void **)&gr->pairs, &gr->pcap, sizeof *gr->pairs, gr->plen + k) != CPN_OK)
            return NOMEM();
    }
    return CPN_OK;
}

/* Create the (empty) pair of group @p g on resource @p r; room was reserved. */
static uint32_t pair_create(struct cpn_flownet *net, uint32_t g, uint32_t r)
{
    uint32_t id = net->free_pair;
    if (id != CPN_NONE)
        net->free_pair = net->pairs.items[id].r;
    else
        id = (uint32_t)net->pairs.len++;
    struct cpn_flow_resource *res = &net->res[r];
    struct cpn_flow_pair *p = &net->pairs.items[id];
    *p = (struct cpn_flow_pair){0, 0, g, r, 0, CPN_NONE, res->plen, CPN_NONE};
    res->pairs[res->plen++] = (struct cpn_flow_ref){id, g};
    if (g < net->n_res) {
        struct cpn_flow_group *gr = &net->groups[g];
        p->gi = gr->plen;
        gr->pairs[gr->plen++] = (struct cpn_flow_gref){id, r};
    }
    return id;
}

/* Take pair @p p out of its group's list (a resource group's; a class at its bound keeps its
 * pairs in the class). */
static void group_unlist(struct cpn_flownet *net, const struct cpn_flow_pair *p)
{
    if (p->g >= net->n_res)
        return;
    struct cpn_flow_group *gr = &net->groups[p->g];
    struct cpn_flow_gref last = gr->pairs[--gr->plen];
    gr->pairs[p->gi] = last; /* (when p was last: rewrites itself, without a branch) */
    net->pairs.items[last.pair].gi = p->gi;
}

/* Free an empty pair: out of its resource's list, and out of its group's unless @p listed is 0
 * (the caller empties that list at once). */
static inline void pair_free(struct cpn_flownet *net, uint32_t id, int listed)
{
    struct cpn_flow_pair *p = &net->pairs.items[id];
    struct cpn_flow_resource *res = &net->res[p->r];
    struct cpn_flow_ref last = res->pairs[--res->plen];
    res->pairs[p->ri] = last; /* (when p was last: rewrites itself, without a branch) */
    net->pairs.items[last.pair].ri = p->ri;
    if (listed)
        group_unlist(net, p);
    p->g = CPN_NONE;
    p->r = net->free_pair;
    net->free_pair = id;
}

void cpn_flow_pair_delete_(struct cpn_flownet *net, uint32_t id)
{
    pair_free(net, id, 1);
}

/* ---------------------------------------------------------------------------------------- */
/* A group's heap of classes, keyed by the virtual time of their earliest member's finish */

static inline double class_key(const struct cpn_flow_class *c)
{
    return c->anchor + class_members_c(c)->finish / c->weight;
}

static inline void gheap_place(struct cpn_flownet *net, struct cpn_flow_group *g, uint32_t i,
                               struct cpn_flow_gentry e)
{
    g->heap[i] = e;
    net->classes.items[e.cls].gpos = i;
}

static void gheap_restore(struct cpn_flownet *net, struct cpn_flow_group *g, uint32_t i,
                          struct cpn_flow_gentry e)
{
    struct cpn_flow_gentry *h = g->heap;
    while (i > 0 && e.key < h[(i - 1) / 2].key) {
        gheap_place(net, g, i, h[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    for (;;) {
        uint32_t l = 2 * i + 1;
        if (l >= g->hlen)
            break;
        if (l + 1 < g->hlen && h[l + 1].key < h[l].key)
            l++;
        if (!(h[l].key < e.key))
            break;
        gheap_place(net, g, i, h[l]);
        i = l;
    }
    gheap_place(net, g, i, e);
}

static void gheap_remove(struct cpn_flownet *net, struct cpn_flow_group *g, uint32_t i)
{
    struct cpn_flow_gentry last = g->heap[--g->hlen];
    if (i < g->hlen)
        gheap_restore(net, g, i, last);
}

/* ---------------------------------------------------------------------------------------- */
/* Classes in groups */

/* Give the empty pair @p pid (not yet freed) to group @p g: cheaper than freeing it and creating
 * another on the same resource.  Room in g's list was reserved. */
static void pair_retag(struct cpn_flownet *net, uint32_t pid, uint32_t g)
{
    struct cpn_flow_pair *p = &net->pairs.items[pid];
    group_unlist(net, p);
    p->g = g;
    net->res[p->r].pairs[p->ri].g = g;
    if (g < net->n_res) {
        struct cpn_flow_group *gr = &net->groups[g];
        p->gi = gr->plen;
        gr->pairs[gr->plen++] = (struct cpn_flow_gref){pid, p->r};
    }
}

/* A pair for class @p c's hop @p i in group @p g: the group's own on that resource (looked up
 * when @p find), else the class's pair in its previous group if it was emptied (when @p reuse),
 * else a new one. */
static inline uint32_t pair_for(struct cpn_flownet *net, const struct cpn_flow_class *c, uint32_t i,
                                uint32_t hop, uint32_t g, int find, int reuse)
{
    uint32_t pid = find ? pair_find(net, g, hop) : CPN_NONE;
    if (pid != CPN_NONE)
        return pid;
    if (reuse) {
        uint32_t old = c->pp[i];
        const struct cpn_flow_pair *p = &net->pairs.items[old];
        if (p->g != CPN_NONE && p->r == hop && p->cnt == 0) {
            pair_retag(net, old, g);
            return old;
        }
    }
    return pair_create(net, g, hop);
}

int cpn_flow_group_enter_(struct cpn_flownet *net, uint32_t cid, uint32_t dest, double now,
                          int reuse)
{
    struct cpn_flow_class *c = &net->classes.items[cid];
    uint32_t n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    if (pair_reserve(net, dest, hops, n) != CPN_OK)
        return CPN_ENOMEM;
    double nw = c->n * c->weight;
    if (dest < net->n_res) {
        struct cpn_flow_group *g = &net->groups[dest];
        if (grow32((void **)&g->heap, &g->hcap, sizeof *g->heap, g->hlen + 1) != CPN_OK)
            return NOMEM();
        group_advance(g, now);
        c->anchor = g->vtime - c->service / c->weight;
        /* A group without pairs (the common case at light load: a group of one class) has none
         * to find, unless the path repeats a resource (its second hop finds the first's). */
        int find = g->plen > 0 || !net->paths.items[c->path].distinct;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t pid = pair_for(net, c, i, hops[i], dest, find, reuse);
            struct cpn_flow_pair *p = &net->pairs.items[pid];
            pair_fold(net, p, g->vtime);
            p->a += nw;
            p->cnt++;
            c->pp[i] = pid;
        }
        c->grp = dest;
        g->hlen++;
        if (g->bvalid) /* the smallest bound / weight, kept (group_bmin()): a min is exact */
            g->bmin = min2(g->bmin, class_bound(net, c, c->n) / c->weight);
        gheap_restore(net, g, g->hlen - 1, (struct cpn_flow_gentry){class_key(c), cid});
    } else {
        /* At its bound: a group of its own, one pair per hop (never looked up). */
        double v = c->service / c->weight;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t pid = pair_for(net, c, i, hops[i], dest, 0, reuse);
            net->pairs.items[pid].a = nw;
            net->pairs.items[pid].vmark = v;
            net->pairs.items[pid].cnt = 1;
            c->pp[i] = pid;
        }
        c->grp = dest;
        c->t_service = now;
    }
    return CPN_OK;
}

void cpn_flow_group_leave_(struct cpn_flownet *net, uint32_t cid, double now, int defer)
{
    struct cpn_flow_class *c = &net->classes.items[cid];
    double service = class_service(net, c, now);
    double v = c->grp != GRP_NONE ? pair_clock(net, c->grp, now) : 0;
    uint32_t n;
    path_hops(net, c->path, &n);
    struct cpn_flow_group *whole = NULL; /* a group whose pairs all go: its list is emptied */
    if (c->grp < net->n_res) {
        struct cpn_flow_group *g = &net->groups[c->grp];
        gheap_remove(net, g, c->gpos);
        if (g->bvalid && class_bound(net, c, c->n) / c->weight <= g->bmin)
            g->bvalid = 0;            /* it may have been the smallest */
        if (g->hlen == 0 && !defer) { /* rebase the empty group's clock */
            g->vtime = 0;
            g->t_v = now;
            /* Its only class, over distinct resources, held every pair of it (one each). */
            if (g->plen == n && net->paths.items[c->path].distinct)
                whole = g;
        }
    } else if (c->grp != GRP_NONE) {
        cpn_flow_timer_remove_(net, c->grp);
    }
    if (c->grp != GRP_NONE) {
        double nw = c->n * c->weight;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t pid = c->pp[i];
            struct cpn_flow_pair *p = &net->pairs.items[pid];
            if (p->g == CPN_NONE)
                continue; /* a repeated hop's pair, already freed */
            pair_fold(net, p, v);
            p->a -= nw;
            if (--p->cnt == 0) {
                p->a = 0; /* exact: no drift survives an empty pair */
                if (!defer)
                    pair_free(net, pid, !whole);
                else if (cpn_array_push(&net->garbage, pid) != CPN_OK)
                    continue; /* kept empty (a = 0, harmless) rather than fail here */
            }
        }
        if (whole)
            whole->plen = 0;
    }
    c->service = service;
    c->t_service = now;
    c->grp = GRP_NONE;
}

void cpn_flow_class_resize_(struct cpn_flownet *net, struct cpn_flow_class *c, int64_t dn,
                            double now)
{
    double dw = (double)dn * c->weight;
    double dd = class_demand(net, c, (uint32_t)((int64_t)c->n + dn)) - class_demand(net, c, c->n);
    double v = c->grp != GRP_NONE ? pair_clock(net, c->grp, now) : 0;
    uint32_t n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    for (uint32_t i = 0; i < n; i++) {
        struct cpn_flow_resource *r = &net->res[hops[i]];
        /* (Without branches: whether a resource starts or ends a busy period is as good as
         * random.) */
        r->t_busy = pick(r->nflows == 0, now, r->t_busy); /* a busy period starts */
        r->nflows = (uint32_t)((int64_t)r->nflows + dn);
        int idle = r->nflows == 0; /* exact zeros: no drift survives an idle resource */
        r->wsum = pick(idle, 0, r->wsum + dw);
        r->demand = pick(idle, 0, r->demand + dd);
        r->busy += pick(idle, now - r->t_busy, 0);
        if (c->grp != GRP_NONE) {
            struct cpn_flow_pair *p = &net->pairs.items[c->pp[i]];
            pair_fold(net, p, v);
            p->a += dw;
        }
    }
    uint32_t was_n = c->n;
    c->n = (uint32_t)((int64_t)c->n + dn);
    if (c->grp < net->n_res && net->groups[c->grp].bvalid) {
        /* The group's smallest bound / weight (group_bmin()) follows this class's: kept when
         * the bound falls or another class holds the minimum, recomputed otherwise. */
        struct cpn_flow_group *g = &net->groups[c->grp];
        double was = class_bound(net, c, was_n) / c->weight;
        double is = class_bound(net, c, c->n) / c->weight;
        if (is < was)
            g->bmin = min2(g->bmin, is);
        else if (is > was && was <= g->bmin)
            g->bvalid = 0;
    }
}

/* (Re)set the completion timer of a class at its bound. */
int cpn_flow_cap_schedule_(struct cpn_flownet *net, uint32_t cid, double now)
{
    struct cpn_flow_class *c = &net->classes.items[cid];
    uint32_t id = net->n_res + cid;
    if (c->hlen == 0 || !(c->brate > 0)) {
        cpn_flow_timer_remove_(net, id);
        return CPN_OK;
    }
    c->service = class_service(net, c, now);
    c->t_service = now;
    return cpn_flow_timer_set_(net, id,
                               now + max2(class_members(c)->finish - c->service, 0) / c->brate);
}

/* (Re)set the completion timer of resource group @p r. */
static int group_schedule(struct cpn_flownet *net, uint32_t r, double now)
{
    struct cpn_flow_group *g = &net->groups[r];
    if (g->hlen == 0 || !(g->theta > 0)) {
        cpn_flow_timer_remove_(net, r);
        return CPN_OK;
    }
    group_advance(g, now);
    return cpn_flow_timer_set_(net, r, now + max2(g->heap[0].key - g->vtime, 0) / g->theta);
}

int cpn_flow_class_rekey_(struct cpn_flownet *net, uint32_t cid, double now)
{
    struct cpn_flow_class *c = &net->classes.items[cid];
    if (c->grp == GRP_NONE)
        return CPN_OK;
    if (c->grp >= net->n_res)
        return cpn_flow_cap_schedule_(net, cid, now);
    struct cpn_flow_group *g = &net->groups[c->grp];
    gheap_restore(net, g, c->gpos, (struct cpn_flow_gentry){class_key(c), cid});
    return cpn_flow_retime_(net, c->grp);
}

int cpn_flow_retime_(struct cpn_flownet *net, uint32_t r)
{
    struct cpn_flow_group *g = &net->groups[r];
    if (g->retime)
        return CPN_OK;
    if (cpn_array_push(&net->retime, r) != CPN_OK)
        return NOMEM();
    g->retime = 1;
    return CPN_OK;
}

int cpn_flow_retime_flush_(struct cpn_flownet *net, double now)
{
    int rc = CPN_OK;
    for (size_t i = 0; i < net->retime.len; i++) {
        uint32_t r = net->retime.items[i];
        net->groups[r].retime = 0;
        if (rc == CPN_OK)
            rc = group_schedule(net, r, now);
    }
    net->retime.len = 0;
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Timers: two indexed min-heaps ordered by (time, seq), joins apart from completions */

static inline uint32_t *timer_pos(struct cpn_flownet *net, uint32_t id)
{
    return id & TIMER_FLOW   ? &net->flows.items[id & ~TIMER_FLOW].pos
           : id < net->n_res ? &net->groups[id].tpos
                             : &net->classes.items[id - net->n_res].tpos;
}

/* Timer @p a fires before @p b: the earlier time, then the earlier set.  Compared as one
 * 128-bit integer (the time's bits, then seq): a time is >= +0 (cpn_flow_timer_set_() turns a
 * -0 into +0), and the bits of doubles >= +0, infinity included, order as the doubles do.  (A
 * compare and a borrow, where two double compares cost a branch each.) */
static inline int timer_before(const struct cpn_flow_timer *a, const struct cpn_flow_timer *b)
{
    uint64_t ta, tb;
    memcpy(&ta, &a->time, sizeof ta);
    memcpy(&tb, &b->time, sizeof tb);
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 timer_word;
    return ((timer_word)ta << 64 | a->seq) < ((timer_word)tb << 64 | b->seq);
#else
    return (ta < tb) | ((ta == tb) & (a->seq < b->seq));
#endif
}

/* The heap that holds the timer of @p id: joins apart from completions. */
static inline struct cpn_flow_timerheap *timer_heap(struct cpn_flownet *net, uint32_t id)
{
    return &net->timers[(id & TIMER_FLOW) != 0];
}

static inline void timer_place(struct cpn_flownet *net, struct cpn_flow_timer *h, uint32_t i,
                               struct cpn_flow_timer t)
{
    h[i] = t;
    *timer_pos(net, t.id) = i;
}

/* Put timer @p t at a valid place of @p heap from the hole at @p i: up, or else down (only down
 * when @p down_only, for the root's hole). */
static void timer_restore(struct cpn_flownet *net, struct cpn_flow_timerheap *heap, uint32_t i,
                          struct cpn_flow_timer t, int down_only)
{
    struct cpn_flow_timer *h = heap->items;
    uint32_t len = (uint32_t)heap->len;
    while (!down_only && i > 0 && timer_before(&t, &h[(i - 1) / 2])) {
        timer_place(net, h, i, h[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    for (;;) {
        uint32_t l = 2 * i + 1;
        if (l >= len)
            break;
        if (l + 1 < len) /* the earlier child, without a branch (a coin toss) */
            l += (uint32_t)timer_before(&h[l + 1], &h[l]);
        if (!timer_before(&h[l], &t))
            break;
        timer_place(net, h, i, h[l]);
        i = l;
    }
    timer_place(net, h, i, t);
}

int cpn_flow_timer_set_(struct cpn_flownet *net, uint32_t id, double time)
{
    struct cpn_flow_timerheap *heap = timer_heap(net, id);
    uint32_t pos = *timer_pos(net, id);
    struct cpn_flow_timer t = {time + 0.0, net->timer_seq++, id}; /* (+ 0.0: a -0 as +0) */
    net->stats.reschedules++;
    if (pos == CPN_NONE) {
        if (cpn_array_reserve(heap, heap->len + 1) != CPN_OK)
            return NOMEM();
        pos = (uint32_t)heap->len++;
    }
    timer_restore(net, heap, pos, t, 0);
    return CPN_OK;
}

void cpn_flow_timer_remove_(struct cpn_flownet *net, uint32_t id)
{
    uint32_t *pp = timer_pos(net, id), pos = *pp;
    if (pos == CPN_NONE)
        return;
    *pp = CPN_NONE;
    struct cpn_flow_timerheap *heap = timer_heap(net, id);
    struct cpn_flow_timer last = heap->items[--heap->len];
    if (pos < heap->len)
        timer_restore(net, heap, pos, last, 0);
}

uint32_t cpn_flow_timer_pop_(struct cpn_flownet *net, int join)
{
    struct cpn_flow_timerheap *heap = &net->timers[join];
    uint32_t id = heap->items[0].id;
    *timer_pos(net, id) = CPN_NONE;
    struct cpn_flow_timer last = heap->items[--heap->len];
    if (heap->len)
        timer_restore(net, heap, 0, last, 1);
    return id;
}

const struct cpn_flow_timer *cpn_flow_timer_first_(const struct cpn_flownet *net)
{
    const struct cpn_flow_timer *a = net->timers[0].len ? &net->timers[0].items[0] : NULL,
                                *b = net->timers[1].len ? &net->timers[1].items[0] : NULL;
    return !a ? b : !b ? a : timer_before(b, a) ? b : a;
}
