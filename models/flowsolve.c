/* Progressive filling over the flow network's touched components (see flow.h, flow_internal.h). */
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
 * (a departure may release a binding resource, raising its other classes' rates). */
static inline int check_res(struct cpn_flownet *net, uint32_t rid)
{
    struct cpn_flow_resource *r = &net->res[rid];
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
    struct cpn_flow_class *c = &net->classes.items[id];
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
    struct cpn_flow_resource *r = &net->res[rid];
    double demand = 0, w = 0;
    for (uint32_t k = 0; k < r->len; k++) {
        uint32_t id = r->list[k].cls;
        const struct cpn_flow_class *c = &net->classes.items[id];
        demand += c->n * c->bound;
        w += c->n * c->weight;
        if (c->stamp != net->stamp && visit_class(net, id) != CPN_OK)
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

static void sift_down(struct cpn_flow_sentry *h, size_t len, size_t i)
{
    struct cpn_flow_sentry e = h[i];
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
    struct cpn_flow_class *c = &net->classes.items[id];
    c->fstamp = net->stamp;
    c->new_rate = rate;
    const uint32_t *hops = net->xhops.items + c->xoff;
    for (uint32_t i = 0; i < c->xlen; i++) {
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
                const struct cpn_flow_class *o = &net->classes.items[r->list[k].cls];
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
        if (r->coupled && r->len) /* else slack: implied by the class bounds */
            h[len++] = (struct cpn_flow_sentry){r->capacity / r->weight, rid};
    }
    for (size_t i = 0; i < net->comp_cls.len; i++) {
        uint32_t id = net->comp_cls.items[i];
        struct cpn_flow_class *c = &net->classes.items[id];
        if (isfinite(c->bound))
            h[len++] = (struct cpn_flow_sentry){c->bound / c->weight, CAP_ITEM | id};
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
            struct cpn_flow_sentry t = h[0];
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
        struct cpn_flow_resource *r = &net->res[item];
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
        CPN_ASSERT(c->fstamp == net->stamp);
        if (c->new_rate != c->rate || c->dirty) {
            class_advance(c, now);
            double dl = c->n * (c->new_rate - c->rate);
            if (dl != 0) {
                uint32_t n;
                const uint32_t *hops = path_hops(net, c->path, &n);
                for (uint32_t k = 0; k < n; k++) {
                    struct cpn_flow_resource *r = &net->res[hops[k]];
                    account(r, now);
                    r->load += dl;
                }
            }
            c->rate = c->new_rate;
            c->dirty = 0;
            rc = cpn_flow_schedule_(net, c, now);
            if (rc != CPN_OK)
                return rc;
        }
    }
    return CPN_OK;
}
