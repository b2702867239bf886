/* The flow network's solver (see flow.h, flow_internal.h): progressive filling over the part of
 * the allocation that pending changes can affect, and the timers that the new rates set. */
#include <math.h>
#include <stdlib.h>

#include "models/flow_internal.h"
#include "sim/error.h"

/* Progressive filling over the components touched since the last solve. */

/* A resource is slack when the bounds of the classes crossing it sum to no more than its
 * capacity (demand <= capacity): it can never bind, its constraint is implied by the class
 * bounds (which the filling enforces), so it neither couples its classes nor enters the
 * filling.  Each resource reached is checked once per solve; it is queued for expansion (its
 * classes joined to the component) when it is not slack now, or was not slack at its last check
 * (a departure may release a binding resource, raising its other classes' rates).  The caller
 * has reserved room in comp_res. */
static inline void check_res(struct cpn_flownet *net, uint32_t rid)
{
    struct cpn_flow_resource *r = &net->res[rid];
    if (r->stamp == net->stamp)
        return;
    r->stamp = net->stamp;
    uint8_t coupled = r->demand > r->capacity, was = r->coupled;
    r->coupled = coupled;
    if (coupled | was) {
        r->xstamp = net->stamp;
        net->comp_res.items[net->comp_res.len++] = rid;
    }
}

/* Join class @p id to the component: check its hops and list those to be expanded (xhops).
 * When @p level is not NULL, also lower *level to a bound on the class's new level: no
 * resource r of its path can saturate below C_r / W_r (W_r the weight of all flows crossing r:
 * a flow frozen earlier runs below the level), slack ones not at all, and its rate is at most
 * its bound. */
static int visit_class(struct cpn_flownet *net, uint32_t id, double *level)
{
    struct cpn_flow_class *c = &net->classes.items[id];
    if (c->stamp == net->stamp || c->n == 0)
        return CPN_OK;
    c->stamp = net->stamp;
    uint32_t n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    c->slot = (uint32_t)net->comp_cls.len;
    if (cpn_array_push(&net->comp_cls, id) != CPN_OK ||
        cpn_array_reserve(&net->comp, net->comp_cls.len) != CPN_OK ||
        cpn_array_reserve(&net->xhops, net->xhops.len + n) != CPN_OK ||
        cpn_array_reserve(&net->comp_res, net->comp_res.len + n) != CPN_OK)
        return CPN_ENOMEM;
    uint32_t *x = net->xhops.items + net->xhops.len, k = 0;
    double lv = c->bound / c->weight;
    for (uint32_t i = 0; i < n; i++) {
        const struct cpn_flow_resource *r = &net->res[hops[i]];
        check_res(net, hops[i]);
        if (r->xstamp == net->stamp)
            x[k++] = hops[i];
        if (level && r->coupled)
            lv = min2(lv, r->wsum > 0 ? r->capacity / r->wsum : 0);
    }
    net->comp.items[c->slot] = (struct cpn_flow_scratch){0, (uint32_t)net->xhops.len, k};
    net->comp.len = net->comp_cls.len;
    net->xhops.len += k;
    if (level)
        *level = min2(*level, lv);
    return CPN_OK;
}

/* Join the classes of an expanded resource to the component and set its filling state.  A
 * class whose old level (rate / weight) is below @p keep is not joined: it keeps its rate, which
 * counts as frozen on the resource. */
static int expand(struct cpn_flownet *net, uint32_t rid, double keep)
{
    struct cpn_flow_resource *r = &net->res[rid];
    double demand = 0, w = 0, frozen = 0;
    uint32_t cnt = 0;
    for (uint32_t k = 0; k < r->len; k++) {
        uint32_t id = r->list[k];
        struct cpn_flow_class *c = &net->classes.items[id];
        demand += c->n * c->bound;
        if (c->stamp != net->stamp) {
            if (c->fstamp == net->stamp || c->rate < keep * c->weight) {
                c->fstamp = net->stamp; /* kept at its rate */
                frozen += c->n * c->rate;
                continue;
            }
            if (visit_class(net, id, NULL) != CPN_OK)
                return CPN_ENOMEM;
        }
        w += c->n * c->weight;
        cnt++;
    }
    r->demand = demand; /* exact again */
    r->coupled = demand > r->capacity;
    r->weight = r->weight_base = w;
    r->cnt = cnt;
    r->frozen = frozen;
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
    net->comp_cls.len = net->comp.len = net->comp_res.len = net->xhops.len = 0;
    /* The lowest level the changes can affect: the old level of a class that lost flows, or the
     * new level of a class that gained flows (bounded from below while visiting it). */
    double keep = net->low_level;
    net->low_level = INFINITY;
    for (size_t i = 0; i < net->dirty_cls.len; i++) {
        uint32_t id = net->dirty_cls.items[i];
        struct cpn_flow_class *c = &net->classes.items[id];
        int grew = c->dirty & DIRTY_GREW;
        if (c->n == 0)
            c->dirty = 0;
        else if (visit_class(net, id, grew ? &keep : NULL) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
    }
    keep *= 1 - FLOW_PRUNE_MARGIN;
    if (cpn_array_reserve(&net->comp_res, net->comp_res.len + net->dirty_res.len) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
    for (size_t i = 0; i < net->dirty_res.len; i++) {
        net->res[net->dirty_res.items[i]].dirty = 0;
        check_res(net, net->dirty_res.items[i]);
    }
    net->dirty_cls.len = net->dirty_res.len = 0;
    for (size_t i = 0; i < net->comp_res.len; i++)
        if (expand(net, net->comp_res.items[i], keep) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
    return CPN_OK;
}

static void sift_down(struct cpn_flow_sentry *h, size_t len, size_t i)
{
    struct cpn_flow_sentry e = h[i];
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= len)
            break;
        if (l + 1 < len)
            l = h[l + 1].key < h[l].key ? l + 1 : l;
        if (e.key <= h[l].key)
            break;
        h[i] = h[l];
        i = l;
    }
    h[i] = e;
}

/* Sort a few entries by key (insertion sort: stable, and the fastest for the handful of entries
 * a filling usually has). */
static void insertion_sort(struct cpn_flow_sentry *h, size_t len)
{
    for (size_t i = 1; i < len; i++) {
        struct cpn_flow_sentry e = h[i];
        size_t j = i;
        for (; j > 0 && e.key < h[j - 1].key; j--)
            h[j] = h[j - 1];
        h[j] = e;
    }
}

/* Remove the entry with the smallest key (h[*head]) from the filling's queue. */
static inline void queue_pop(struct cpn_flow_sentry *h, size_t *head, size_t *len, int sorted)
{
    if (sorted) {
        ++*head;
    } else {
        h[0] = h[--*len];
        sift_down(h, *len, 0);
    }
}

static void freeze(struct cpn_flownet *net, uint32_t id, double rate)
{
    struct cpn_flow_class *c = &net->classes.items[id];
    c->fstamp = net->stamp;
    struct cpn_flow_scratch *x = &net->comp.items[c->slot];
    x->new_rate = rate;
    const uint32_t *hops = net->xhops.items + x->xoff;
    for (uint32_t i = 0; i < x->xlen; i++) {
        struct cpn_flow_resource *r = &net->res[hops[i]];
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
                const struct cpn_flow_class *o = &net->classes.items[r->list[k]];
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
    struct cpn_flow_sentry *h = net->heap.items;
    size_t len = 0;
    for (size_t i = 0; i < net->comp_res.len; i++) {
        uint32_t rid = net->comp_res.items[i];
        struct cpn_flow_resource *r = &net->res[rid];
        if (r->coupled && r->cnt) /* else slack (implied by the class bounds) or all kept */
            h[len++] = (struct cpn_flow_sentry){max2(r->capacity - r->frozen, 0) / r->weight, rid};
    }
    for (size_t i = 0; i < net->comp_cls.len; i++) {
        uint32_t id = net->comp_cls.items[i];
        struct cpn_flow_class *c = &net->classes.items[id];
        if (!isfinite(c->bound))
            continue;
        /* A bound set by the smallest capacity is implied when that resource is in the filling:
         * its share (C - frozen) / W never exceeds C / (n w) while the class is unfrozen. */
        const struct cpn_flow_resource *m = c->min_res != CPN_NONE ? &net->res[c->min_res] : NULL;
        if (m && c->bound < c->cap && m->xstamp == net->stamp && m->coupled)
            continue;
        h[len++] = (struct cpn_flow_sentry){c->bound / c->weight, CAP_ITEM | id};
    }
    /* The queue of entries by key: small fillings (the common case) sort their entries once and
     * consume them from the front, a stale key moving back by insertion; large ones keep a
     * binary heap.  Either way h[head] is the entry with the smallest key. */
    int sorted = len <= FLOW_SORTED;
    size_t head = 0;
    if (sorted)
        insertion_sort(h, len);
    else
        for (size_t i = len / 2; i-- > 0;)
            sift_down(h, len, i);
    double level = 0;
    while (head < len) {
        uint32_t item = h[head].item;
        double key = h[head].key;
        if (item & CAP_ITEM) {
            uint32_t id = item & ~CAP_ITEM;
            queue_pop(h, &head, &len, sorted);
            if (net->classes.items[id].fstamp == net->stamp)
                continue;
            level = key <= level * (1 + FLOW_TIE_REL) ? level : key;
            freeze(net, id, net->classes.items[id].bound);
            continue;
        }
        struct cpn_flow_resource *r = &net->res[item];
        if (r->cnt == 0) {
            queue_pop(h, &head, &len, sorted);
            continue;
        }
        double share = max2(r->capacity - r->frozen, 0) / r->weight;
        if (share > key) { /* stale key: the share rose as other flows froze */
            h[head].key = share;
            if (sorted)
                for (size_t i = head; i + 1 < len && h[i + 1].key < h[i].key; i++) {
                    struct cpn_flow_sentry t = h[i];
                    h[i] = h[i + 1];
                    h[i + 1] = t;
                }
            else
                sift_down(h, len, 0);
            continue;
        }
        queue_pop(h, &head, &len, sorted);
        level = share <= level * (1 + FLOW_TIE_REL) ? level : share;
        for (uint32_t k = 0; k < r->len; k++) {
            uint32_t id = r->list[k];
            const struct cpn_flow_class *c = &net->classes.items[id];
            if (c->fstamp != net->stamp)
                freeze(net, id, min2(c->weight * level, c->bound));
        }
    }
    return CPN_OK;
}

int cpn_flow_solve_(struct cpn_flownet *net, double now)
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
        struct cpn_flow_class *c = &net->classes.items[net->comp_cls.items[i]];
        double new_rate = net->comp.items[i].new_rate;
        CPN_ASSERT(c->fstamp == net->stamp);
        if (new_rate != c->rate || c->dirty) {
            class_advance(c, now);
            double dl = c->n * (new_rate - c->rate);
            if (dl != 0) {
                uint32_t n;
                const uint32_t *hops = path_hops(net, c->path, &n);
                for (uint32_t k = 0; k < n; k++) {
                    struct cpn_flow_resource *r = &net->res[hops[k]];
                    account(r, now);
                    r->load += dl;
                }
            }
            c->rate = new_rate;
            c->dirty = 0;
            rc = cpn_flow_schedule_(net, c, now);
            if (rc != CPN_OK)
                return rc;
        }
    }
    return CPN_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Timers: two indexed min-heaps ordered by (time, seq), joins apart from completions */

static inline uint32_t *timer_pos(struct cpn_flownet *net, uint32_t id)
{
    return id & TIMER_FLOW ? &net->flows.items[id & ~TIMER_FLOW].pos
                           : &net->classes.items[id].tpos;
}

static inline int timer_before(const struct cpn_flow_timer *a, const struct cpn_flow_timer *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

/* The heap that holds the timer of @p id: joins apart from completions. */
static inline struct cpn_flow_timerheap *timer_heap(struct cpn_flownet *net, uint32_t id)
{
    return &net->timers[(id & TIMER_FLOW) != 0];
}

static void timer_place(struct cpn_flownet *net, struct cpn_flow_timerheap *heap, uint32_t i,
                        struct cpn_flow_timer t)
{
    heap->items[i] = t;
    *timer_pos(net, t.id) = i;
}

static void timer_restore(struct cpn_flownet *net, struct cpn_flow_timerheap *heap, uint32_t i,
                          struct cpn_flow_timer t)
{
    struct cpn_flow_timer *h = heap->items;
    uint32_t len = (uint32_t)heap->len;
    while (i > 0 && timer_before(&t, &h[(i - 1) / 2])) {
        timer_place(net, heap, i, h[(i - 1) / 2]);
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
        timer_place(net, heap, i, h[l]);
        i = l;
    }
    timer_place(net, heap, i, t);
}

int cpn_flow_timer_set_(struct cpn_flownet *net, uint32_t id, double time)
{
    struct cpn_flow_timerheap *heap = timer_heap(net, id);
    uint32_t pos = *timer_pos(net, id);
    struct cpn_flow_timer t = {time, net->timer_seq++, id};
    net->stats.reschedules++;
    if (pos == CPN_NONE) {
        if (cpn_array_reserve(heap, heap->len + 1) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "flow: out of memory");
        pos = (uint32_t)heap->len++;
    }
    timer_restore(net, heap, pos, t);
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
        timer_restore(net, heap, pos, last);
}

const struct cpn_flow_timer *cpn_flow_timer_first_(const struct cpn_flownet *net)
{
    const struct cpn_flow_timer *a = net->timers[0].len ? &net->timers[0].items[0] : NULL,
                                *b = net->timers[1].len ? &net->timers[1].items[0] : NULL;
    return !a ? b : !b ? a : timer_before(b, a) ? b : a;
}

int cpn_flow_schedule_(struct cpn_flownet *net, struct cpn_flow_class *c, double now)
{
    uint32_t id = (uint32_t)(c - net->classes.items);
    if (c->n == 0 || !(c->rate > 0)) {
        cpn_flow_timer_remove_(net, id);
        return CPN_OK;
    }
    class_advance(c, now);
    return cpn_flow_timer_set_(net, id, now + max2(c->heap[0].finish - c->service, 0) / c->rate);
}
