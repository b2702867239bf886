/* The flow network's solver (see flow.h, flow_internal.h): bottleneck groups and their pairs,
 * progressive filling over the part of the allocation that pending changes can affect, and the
 * timers that the new levels set. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/flow_internal.h"
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

static int u32_reserve(uint32_t **a, uint32_t *cap, uint32_t need)
{
    if (need <= *cap)
        return CPN_OK;
    uint32_t nc = *cap ? *cap : 4;
    while (nc < need)
        nc *= 2;
    uint32_t *p = realloc(*a, nc * sizeof *p);
    if (!p)
        return CPN_ENOMEM;
    *a = p;
    *cap = nc;
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
        if (r->plen + k > r->pcap) {
            uint32_t nc = r->pcap ? r->pcap : 4;
            while (nc < r->plen + k)
                nc *= 2;
            struct cpn_flow_ref *l = realloc(r->pairs, nc * sizeof *l);
            if (!l)
                return NOMEM();
            r->pairs = l;
            r->pcap = nc;
        }
    }
    if (g < net->n_res) {
        struct cpn_flow_group *gr = &net->groups[g];
        if (u32_reserve(&gr->pairs, &gr->pcap, gr->plen + k) != CPN_OK)
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
    *p = (struct cpn_flow_pair){0, g, r, 0, CPN_NONE, res->plen};
    res->pairs[res->plen++] = (struct cpn_flow_ref){id, g};
    if (g < net->n_res) {
        struct cpn_flow_group *gr = &net->groups[g];
        p->gi = gr->plen;
        gr->pairs[gr->plen++] = id;
    }
    return id;
}

/* Free an empty pair: out of its resource's and group's lists. */
static void pair_delete(struct cpn_flownet *net, uint32_t id)
{
    struct cpn_flow_pair *p = &net->pairs.items[id];
    struct cpn_flow_resource *res = &net->res[p->r];
    struct cpn_flow_ref last = res->pairs[--res->plen];
    if (p->ri != res->plen) {
        res->pairs[p->ri] = last;
        net->pairs.items[last.pair].ri = p->ri;
    }
    if (p->g < net->n_res) {
        struct cpn_flow_group *gr = &net->groups[p->g];
        uint32_t lastg = gr->pairs[--gr->plen];
        if (p->gi != gr->plen) {
            gr->pairs[p->gi] = lastg;
            net->pairs.items[lastg].gi = p->gi;
        }
    }
    p->g = CPN_NONE;
    p->r = net->free_pair;
    net->free_pair = id;
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

static int gheap_reserve(struct cpn_flow_group *g, uint32_t need)
{
    if (need <= g->hcap)
        return CPN_OK;
    uint32_t nc = g->hcap ? g->hcap : 4;
    while (nc < need)
        nc *= 2;
    struct cpn_flow_gentry *h = realloc(g->heap, nc * sizeof *h);
    if (!h)
        return CPN_ENOMEM;
    g->heap = h;
    g->hcap = nc;
    return CPN_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Classes in groups */

/* Give the empty pair @p pid (not yet freed) to group @p g: cheaper than freeing it and creating
 * another on the same resource.  Room in g's list was reserved. */
static void pair_retag(struct cpn_flownet *net, uint32_t pid, uint32_t g)
{
    struct cpn_flow_pair *p = &net->pairs.items[pid];
    if (p->g < net->n_res) {
        struct cpn_flow_group *old = &net->groups[p->g];
        uint32_t last = old->pairs[--old->plen];
        if (p->gi != old->plen) {
            old->pairs[p->gi] = last;
            net->pairs.items[last].gi = p->gi;
        }
    }
    p->g = g;
    net->res[p->r].pairs[p->ri].g = g;
    if (g < net->n_res) {
        struct cpn_flow_group *gr = &net->groups[g];
        p->gi = gr->plen;
        gr->pairs[gr->plen++] = pid;
    }
}

/* A pair for class @p c's hop @p i in group @p g: the group's own on that resource, else the
 * class's pair in its previous group if it was emptied (when @p reuse), else a new one. */
static uint32_t pair_for(struct cpn_flownet *net, const struct cpn_flow_class *c, uint32_t i,
                         uint32_t hop, uint32_t g, int reuse)
{
    uint32_t pid = g < net->n_res ? pair_find(net, g, hop) : CPN_NONE;
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
        if (gheap_reserve(g, g->hlen + 1) != CPN_OK)
            return NOMEM();
        group_advance(g, now);
        c->anchor = g->vtime - c->service / c->weight;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t pid = pair_for(net, c, i, hops[i], dest, reuse);
            struct cpn_flow_pair *p = &net->pairs.items[pid];
            p->a += nw;
            p->cnt++;
            c->pp[i] = pid;
        }
        c->grp = dest;
        g->hlen++;
        gheap_restore(net, g, g->hlen - 1, (struct cpn_flow_gentry){class_key(c), cid});
    } else {
        /* At its bound: a group of its own, one pair per hop (never looked up). */
        for (uint32_t i = 0; i < n; i++) {
            uint32_t pid = pair_for(net, c, i, hops[i], dest, reuse);
            net->pairs.items[pid].a = nw;
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
    if (c->grp < net->n_res) {
        struct cpn_flow_group *g = &net->groups[c->grp];
        gheap_remove(net, g, c->gpos);
        if (g->hlen == 0 && !defer) { /* rebase the empty group's clock */
            g->vtime = 0;
            g->t_v = now;
        }
    } else if (c->grp != GRP_NONE) {
        cpn_flow_timer_remove_(net, c->grp);
    }
    if (c->grp != GRP_NONE) {
        uint32_t n;
        path_hops(net, c->path, &n);
        double nw = c->n * c->weight;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t pid = c->pp[i];
            struct cpn_flow_pair *p = &net->pairs.items[pid];
            if (p->g == CPN_NONE)
                continue; /* a repeated hop's pair, already freed */
            p->a -= nw;
            if (--p->cnt == 0) {
                p->a = 0; /* exact: no drift survives an empty pair */
                if (!defer)
                    pair_delete(net, pid);
                else if (cpn_array_push(&net->garbage, pid) != CPN_OK)
                    continue; /* kept empty (a = 0, harmless) rather than fail here */
            }
        }
    }
    c->service = service;
    c->t_service = now;
    c->grp = GRP_NONE;
}

void cpn_flow_class_resize_(struct cpn_flownet *net, struct cpn_flow_class *c, int64_t dn,
                            double now)
{
    double rate = class_rate(net, c), dw = (double)dn * c->weight;
    double dd = class_demand(net, c, (uint32_t)((int64_t)c->n + dn)) - class_demand(net, c, c->n);
    uint32_t n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    for (uint32_t i = 0; i < n; i++) {
        struct cpn_flow_resource *r = &net->res[hops[i]];
        account(r, now);
        r->nflows = (uint32_t)((int64_t)r->nflows + dn);
        if (r->nflows == 0) { /* exact zeros: no drift survives an idle resource */
            r->load = r->wsum = r->demand = 0;
        } else {
            r->load += (double)dn * rate;
            r->wsum += dw;
            r->demand += dd;
        }
        if (c->grp != GRP_NONE)
            net->pairs.items[c->pp[i]].a += dw;
    }
    c->n = (uint32_t)((int64_t)c->n + dn);
}

/* (Re)set the completion timer of a class at its bound. */
static int cap_schedule(struct cpn_flownet *net, uint32_t cid, double now)
{
    struct cpn_flow_class *c = &net->classes.items[cid];
    uint32_t id = net->n_res + cid;
    if (c->hlen == 0) {
        cpn_flow_timer_remove_(net, id);
        return CPN_OK;
    }
    c->service = class_service(net, c, now);
    c->t_service = now;
    if (!(c->brate > 0)) {
        cpn_flow_timer_remove_(net, id);
        return CPN_OK;
    }
    return cpn_flow_timer_set_(net, id,
                               now + max2(class_members(c)->finish - c->service, 0) / c->brate);
}

int cpn_flow_group_schedule_(struct cpn_flownet *net, uint32_t r, double now)
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
        return cap_schedule(net, cid, now);
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
            rc = cpn_flow_group_schedule_(net, r, now);
    }
    net->retime.len = 0;
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* The solve: collect what is in play, fill, apply */

static void new_stamp(struct cpn_flownet *net)
{
    if (++net->stamp != 0)
        return;
    for (uint32_t r = 0; r < net->n_res; r++) /* wrapped: clear every mark once */
        net->res[r].stamp = net->groups[r].stamp = net->groups[r].fstamp = 0;
    for (size_t i = 0; i < net->classes.len; i++)
        net->classes.items[i].stamp = net->classes.items[i].fstamp = 0;
    net->stamp = 1;
}

/* Reach resource @p r, unless it is slack and was so when last reached: then it neither links
 * groups nor constrains the filling.  The caller reserved room for every
 * resource in net->reached. */
static inline void reach(struct cpn_flownet *net, uint32_t r)
{
    struct cpn_flow_resource *res = &net->res[r];
    if (res->stamp != net->stamp && (res->coupled || res_coupled(res))) {
        res->stamp = net->stamp;
        net->reached.items[net->reached.len++] = r;
    }
}

/* Put resource group @p r in play (room for every group was reserved in net->play). */
static void visit_group(struct cpn_flownet *net, uint32_t r)
{
    struct cpn_flow_group *g = &net->groups[r];
    if (g->stamp == net->stamp)
        return;
    g->stamp = net->stamp;
    net->play.items[net->play.len++] = r;
    for (uint32_t k = 0; k < g->plen; k++)
        reach(net, net->pairs.items[g->pairs[k]].r);
}

/* Put class @p cid in play on its own (no group yet, or at its bound). */
static int visit_loose(struct cpn_flownet *net, uint32_t cid)
{
    struct cpn_flow_class *c = &net->classes.items[cid];
    if (c->stamp == net->stamp)
        return CPN_OK;
    c->stamp = net->stamp;
    if (cpn_array_push(&net->loose, cid) != CPN_OK)
        return NOMEM();
    uint32_t n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    for (uint32_t i = 0; i < n; i++)
        reach(net, hops[i]);
    return CPN_OK;
}

/* A lower bound on the new level of a class that gained flows: no resource r of its path can
 * saturate below C_r / W_r (W_r the weight of all flows crossing r: a flow frozen earlier runs
 * below the level), and it runs at most at its bound. */
static double grown_bound(const struct cpn_flownet *net, const struct cpn_flow_class *c)
{
    double lv = class_bound(net, c, c->n) / c->weight;
    uint32_t n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    for (uint32_t i = 0; i < n; i++) {
        const struct cpn_flow_resource *r = &net->res[hops[i]];
        lv = min2(lv, r->wsum > 0 ? r->capacity / r->wsum : 0);
    }
    return lv;
}

/* Is resource @p r a constraint of the current filling (reached, and not slack or changed)? */
static inline int in_fill(const struct cpn_flownet *net, const struct cpn_flow_resource *r)
{
    return r->stamp == net->stamp && r->infill;
}

/* Is group @p g (resource group or class at its bound) in play? */
static inline int in_play(const struct cpn_flownet *net, uint32_t g)
{
    return g < net->n_res ? net->groups[g].stamp == net->stamp
                          : net->classes.items[g - net->n_res].stamp == net->stamp;
}

static inline int class_frozen(const struct cpn_flownet *net, const struct cpn_flow_class *c)
{
    return c->fstamp == net->stamp ||
           (c->grp < net->n_res && net->groups[c->grp].fstamp == net->stamp);
}

/*
 * What is in play: the groups whose level may change and the classes handled on their own.
 * Starting from the changes (dirty classes and resources), a breadth-first walk over resources
 * joins every group that crosses a reached resource, unless its level lies below the lowest
 * level the changes can affect (the keep level: such groups keep their rates, which count as
 * frozen on the resources); a joined group reaches the resources it crosses.  A resource's own
 * group always joins (in exact arithmetic implied: a group crossing it runs at or below its
 * level).  A resource that is slack now and was slack when last reached joins nothing: it
 * cannot bind, so what changes on it changes nothing for the groups crossing it.  (It is still
 * a constraint of the filling when reached: that is what bounds its classes.)
 */
static int collect(struct cpn_flownet *net)
{
    new_stamp(net);
    net->play.len = net->loose.len = net->reached.len = 0;
    net->moves.len = net->garbage.len = 0;
    if (cpn_array_reserve(&net->reached, net->n_res) != CPN_OK ||
        cpn_array_reserve(&net->play, net->n_res) != CPN_OK)
        return NOMEM();
    /* The lowest level the changes can affect: the old level of a class that lost flows, or
     * the new level of a class that gained flows (bounded from below). */
    double keep = net->low_level;
    net->low_level = INFINITY;
    for (size_t i = 0; i < net->dirty_cls.len; i++) {
        const struct cpn_flow_class *c = &net->classes.items[net->dirty_cls.items[i]];
        if (c->n && (c->dirty & DIRTY_GREW))
            keep = min2(keep, grown_bound(net, c));
    }
    keep *= 1 - FLOW_PRUNE_MARGIN;
    for (size_t i = 0; i < net->dirty_cls.len; i++) {
        uint32_t cid = net->dirty_cls.items[i];
        struct cpn_flow_class *c = &net->classes.items[cid];
        c->dirty = 0;
        if (c->n == 0)
            continue;
        if (c->grp < net->n_res)
            visit_group(net, c->grp);
        else if (visit_loose(net, cid) != CPN_OK)
            return CPN_ENOMEM;
    }
    for (size_t i = 0; i < net->dirty_res.len; i++) { /* reached whatever their demand */
        struct cpn_flow_resource *r = &net->res[net->dirty_res.items[i]];
        if (r->stamp != net->stamp) {
            r->stamp = net->stamp;
            net->reached.items[net->reached.len++] = net->dirty_res.items[i];
        }
    }
    net->dirty_cls.len = net->dirty_res.len = 0;
    for (size_t i = 0; i < net->reached.len; i++) {
        uint32_t rid = net->reached.items[i];
        struct cpn_flow_resource *r = &net->res[rid];
        if (net->groups[rid].hlen)
            visit_group(net, rid);
        /* A changed resource (a capacity change, a departure) is expanded and filled even if
         * slack now: the bounds of the classes crossing it may have changed with it. */
        uint8_t was = r->coupled, changed = r->dirty;
        r->dirty = 0;
        r->coupled = (uint8_t)res_coupled(r);
        r->infill = r->coupled | changed;
        if (!(was | r->infill))
            continue;
        for (uint32_t k = 0; k < r->plen; k++) {
            uint32_t g = r->pairs[k].g;
            if (g < net->n_res) {
                if (net->groups[g].stamp != net->stamp && net->groups[g].theta >= keep)
                    visit_group(net, g);
            } else {
                const struct cpn_flow_class *c = &net->classes.items[g - net->n_res];
                if (c->stamp != net->stamp && c->brate / c->weight >= keep &&
                    visit_loose(net, g - net->n_res) != CPN_OK)
                    return CPN_ENOMEM;
            }
        }
    }
    return CPN_OK;
}

/* The unfrozen weight and frozen rate of every reached resource that can bind.  A slack one
 * (reached because it was not slack before) stays out of the filling: the bounds of its
 * classes imply its constraint, and the filling enforces them (fill_entries()). */
static void init_resources(struct cpn_flownet *net)
{
    for (size_t i = 0; i < net->reached.len; i++) {
        struct cpn_flow_resource *r = &net->res[net->reached.items[i]];
        if (!r->infill)
            continue;
        double u = 0, frozen = 0;
        uint32_t ucnt = 0;
        for (uint32_t k = 0; k < r->plen; k++) {
            const struct cpn_flow_pair *p = &net->pairs.items[r->pairs[k].pair];
            if (in_play(net, p->g)) {
                u += p->a;
                ucnt += p->cnt;
            } else if (p->g < net->n_res) {
                frozen += net->groups[p->g].theta * p->a;
            } else {
                const struct cpn_flow_class *c = &net->classes.items[p->g - net->n_res];
                frozen += c->n * c->brate;
            }
        }
        r->u = u;
        r->ucnt = ucnt;
        r->lcnt = 0;
        r->frozen = frozen;
    }
    for (size_t i = 0; i < net->loose.len; i++) {
        const struct cpn_flow_class *c = &net->classes.items[net->loose.items[i]];
        if (c->grp != GRP_NONE)
            continue; /* at its bound: counted through its pairs */
        uint32_t n;
        const uint32_t *hops = path_hops(net, c->path, &n);
        for (uint32_t k = 0; k < n; k++) {
            struct cpn_flow_resource *r = &net->res[hops[k]];
            if (in_fill(net, r)) {
                r->u += c->n * c->weight;
                r->ucnt++;
                r->lcnt++;
            }
        }
    }
    for (size_t i = 0; i < net->reached.len; i++) {
        struct cpn_flow_resource *r = &net->res[net->reached.items[i]];
        r->u_base = r->u;
    }
}

/* Recompute the unfrozen weight of a resource from its pairs and classes in no group. */
static void reweigh(struct cpn_flownet *net, struct cpn_flow_resource *r, uint32_t rid)
{
    double u = 0;
    for (uint32_t k = 0; k < r->plen; k++) {
        const struct cpn_flow_pair *p = &net->pairs.items[r->pairs[k].pair];
        if (p->g < net->n_res) {
            const struct cpn_flow_group *g = &net->groups[p->g];
            if (g->stamp == net->stamp && g->fstamp != net->stamp)
                u += p->a;
        } else {
            const struct cpn_flow_class *c = &net->classes.items[p->g - net->n_res];
            if (c->stamp == net->stamp && c->fstamp != net->stamp)
                u += p->a;
        }
    }
    for (size_t i = 0; r->lcnt && i < net->loose.len; i++) {
        const struct cpn_flow_class *c = &net->classes.items[net->loose.items[i]];
        if (c->grp != GRP_NONE || c->fstamp == net->stamp)
            continue;
        uint32_t n;
        const uint32_t *hops = path_hops(net, c->path, &n);
        for (uint32_t k = 0; k < n; k++)
            if (hops[k] == rid)
                u += c->n * c->weight;
    }
    r->u = r->u_base = u;
}

/* Weight @p a of @p cnt incidences on resource @p rid freezes, adding rate @p rate. */
static inline void res_freeze(struct cpn_flownet *net, uint32_t rid, double a, uint32_t cnt,
                              double rate)
{
    struct cpn_flow_resource *r = &net->res[rid];
    if (!in_fill(net, r))
        return; /* not in the filling */
    r->frozen += rate;
    r->ucnt -= cnt;
    if (r->ucnt == 0) {
        r->u = 0;
    } else {
        r->u -= a;
        if (r->u < FLOW_REWEIGH * r->u_base)
            reweigh(net, r, rid);
    }
}

/* Freeze the whole group of resource @p s at level @p x. */
static void freeze_group(struct cpn_flownet *net, uint32_t s, double x)
{
    struct cpn_flow_group *g = &net->groups[s];
    g->fstamp = net->stamp;
    g->theta_new = x;
    for (uint32_t k = 0; k < g->plen; k++) {
        const struct cpn_flow_pair *p = &net->pairs.items[g->pairs[k]];
        if (p->cnt)
            res_freeze(net, p->r, p->a, p->cnt, x * p->a);
    }
}

/* Freeze class @p cid on its own at per-flow @p rate; it goes to group @p dest (a resource, or
 * n_res + cid for its bound).  Leaving its old group happens now (its pairs must not count when
 * that group freezes); entering the new one after the filling. */
static int freeze_class(struct cpn_flownet *net, uint32_t cid, double rate, uint32_t dest,
                        double now)
{
    struct cpn_flow_class *c = &net->classes.items[cid];
    c->fstamp = net->stamp;
    uint32_t n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    double nw = c->n * c->weight, nr = c->n * rate;
    int none = c->grp == GRP_NONE;
    for (uint32_t i = 0; i < n; i++) {
        if (none && in_fill(net, &net->res[hops[i]]))
            net->res[hops[i]].lcnt--;
        res_freeze(net, hops[i], nw, 1, nr);
    }
    double old = class_rate(net, c);
    if (dest == c->grp && rate == old)
        return CPN_OK; /* stays at its bound */
    if (cpn_array_reserve(&net->moves, net->moves.len + 1) != CPN_OK)
        return NOMEM();
    if (c->grp < net->n_res && cpn_flow_retime_(net, c->grp) != CPN_OK)
        return CPN_ENOMEM;
    if (!none && dest != c->grp) /* (at its bound with a new rate, it stays in its group) */
        cpn_flow_group_leave_(net, cid, now, 1);
    net->moves.items[net->moves.len++] =
        (struct cpn_flow_move){old, rate, cid, dest, (uint8_t)!none};
    return CPN_OK;
}

/* Does the path of class @p c cross resource @p s? */
static int crosses(const struct cpn_flownet *net, const struct cpn_flow_class *c, uint32_t s)
{
    uint32_t n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    for (uint32_t i = 0; i < n; i++)
        if (hops[i] == s)
            return 1;
    return 0;
}

/* Freeze class @p cid at its bound.  At its cap it forms a group of its own.  At its path's
 * smallest capacity shared by its flows it goes to the group of that resource m, at level
 * C_m / (n w): that bound has an entry only when m cannot bind (fill_entries()), so no other
 * class crosses m (another would make m's demand exceed C_m) and the class is m's group alone.
 * (A class whose only constraint is m thus stays in m's group whether or not others come to
 * share m, instead of moving between groups.) */
static int freeze_bound(struct cpn_flownet *net, uint32_t cid, double now)
{
    const struct cpn_flow_class *c = &net->classes.items[cid];
    double bound = class_bound(net, c, c->n);
    const struct cpn_flow_path *path = &net->paths.items[c->path];
    if (!(bound < c->cap) || path->min_res == CPN_NONE)
        return freeze_class(net, cid, bound, net->n_res + cid, now);
    uint32_t m = path->min_res;
    /* Any other hop of that capacity that cannot bind holds the class alone as well: when the
     * class's group is one, it stays there. */
    if (c->grp < net->n_res && c->grp != m && net->res[c->grp].capacity == path->cmin &&
        !res_coupled(&net->res[c->grp]))
        m = c->grp;
    struct cpn_flow_group *g = &net->groups[m];
    if (g->stamp != net->stamp) {
        g->stamp = net->stamp;
        net->play.items[net->play.len++] = m;
    }
    if (g->fstamp != net->stamp)
        freeze_group(net, m, bound / c->weight);
    if (c->grp == m)
        return CPN_OK; /* frozen with its group */
    return freeze_class(net, cid, c->weight * g->theta_new, m, now);
}

/* Freeze class @p cid at level @p x set by resource @p s, or at its bound if that is lower (a
 * tie: the bound's entry would have come first). */
static int freeze_at(struct cpn_flownet *net, uint32_t cid, double x, uint32_t s, double now)
{
    const struct cpn_flow_class *c = &net->classes.items[cid];
    double rate = c->weight * x;
    return rate <= class_bound(net, c, c->n) ? freeze_class(net, cid, rate, s, now)
                                        : freeze_bound(net, cid, now);
}

/* Resource @p s saturates at level @p x with unfrozen classes of other groups (or of none)
 * crossing it: their bottleneck moves to s.  Found through s's pairs, one group at a time. */
static int freeze_others(struct cpn_flownet *net, uint32_t s, double x, double now)
{
    struct cpn_flow_resource *r = &net->res[s];
    for (size_t i = 0; r->lcnt && i < net->loose.len; i++) {
        uint32_t cid = net->loose.items[i];
        const struct cpn_flow_class *c = &net->classes.items[cid];
        if (c->grp != GRP_NONE || c->fstamp == net->stamp || !crosses(net, c, s))
            continue;
        int rc = freeze_at(net, cid, x, s, now);
        if (rc != CPN_OK)
            return rc;
    }
    for (uint32_t k = 0; r->ucnt && k < r->plen; k++) {
        const struct cpn_flow_pair *p = &net->pairs.items[r->pairs[k].pair];
        if (p->cnt == 0 || !in_play(net, p->g))
            continue;
        net->pick.len = 0;
        if (p->g < net->n_res) {
            const struct cpn_flow_group *h = &net->groups[p->g];
            if (h->fstamp == net->stamp)
                continue;
            for (uint32_t j = 0; j < h->hlen; j++)
                if (crosses(net, &net->classes.items[h->heap[j].cls], s) &&
                    cpn_array_push(&net->pick, h->heap[j].cls) != CPN_OK)
                    return NOMEM();
        } else if (net->classes.items[p->g - net->n_res].fstamp != net->stamp &&
                   cpn_array_push(&net->pick, p->g - net->n_res) != CPN_OK) {
            return NOMEM();
        }
        for (size_t j = 0; j < net->pick.len; j++) {
            int rc = freeze_at(net, net->pick.items[j], x, s, now);
            if (rc != CPN_OK)
                return rc;
        }
    }
    return CPN_OK;
}

/* The filling's order: by key; at equal keys a resource that is a group's bottleneck first, so
 * that a tie keeps classes in their group instead of moving them to an equal bottleneck. */
static inline int entry_before(const struct cpn_flow_sentry *a, const struct cpn_flow_sentry *b)
{
    return a->key < b->key || (a->key == b->key && a->rank > b->rank);
}

static void sift_down(struct cpn_flow_sentry *h, size_t len, size_t i)
{
    struct cpn_flow_sentry e = h[i];
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= len)
            break;
        if (l + 1 < len)
            l = entry_before(&h[l + 1], &h[l]) ? l + 1 : l;
        if (!entry_before(&h[l], &e))
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
        for (; j > 0 && entry_before(&e, &h[j - 1]); j--)
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

/* The bound entry of an in-play class, if it needs one: its bound / weight, unless the bound is
 * its path's smallest capacity and that resource is in the filling (its share never exceeds
 * C / (n w) while the class is unfrozen), or it has none. */
static inline int bound_entry(const struct cpn_flownet *net, uint32_t cid,
                              struct cpn_flow_sentry *e)
{
    const struct cpn_flow_class *c = &net->classes.items[cid];
    double bound = class_bound(net, c, c->n);
    if (!isfinite(bound))
        return 0;
    uint32_t min_res = net->paths.items[c->path].min_res;
    if (bound < c->cap && min_res != CPN_NONE) {
        const struct cpn_flow_resource *m = &net->res[min_res];
        if (in_fill(net, m))
            return 0;
    }
    *e = (struct cpn_flow_sentry){bound / c->weight, CAP_ITEM | cid, 0};
    return 1;
}

/* The entries of the filling: reached resources that can bind, and the bounds of the classes
 * in play that need one. */
static int fill_entries(struct cpn_flownet *net, size_t *out)
{
    size_t need = net->reached.len + net->loose.len;
    for (size_t i = 0; i < net->play.len; i++)
        need += net->groups[net->play.items[i]].hlen;
    net->heap.len = 0;
    if (cpn_array_reserve(&net->heap, need) != CPN_OK)
        return NOMEM();
    struct cpn_flow_sentry *h = net->heap.items;
    size_t len = 0;
    for (size_t i = 0; i < net->reached.len; i++) {
        uint32_t rid = net->reached.items[i];
        const struct cpn_flow_resource *r = &net->res[rid];
        if (r->infill && r->ucnt)
            h[len++] = (struct cpn_flow_sentry){max2(r->capacity - r->frozen, 0) / r->u, rid,
                                                net->groups[rid].hlen > 0};
    }
    for (size_t i = 0; i < net->loose.len; i++)
        len += (size_t)bound_entry(net, net->loose.items[i], &h[len]);
    for (size_t i = 0; i < net->play.len; i++) {
        const struct cpn_flow_group *g = &net->groups[net->play.items[i]];
        for (uint32_t j = 0; j < g->hlen; j++)
            len += (size_t)bound_entry(net, g->heap[j].cls, &h[len]);
    }
    *out = len;
    return CPN_OK;
}

/* Progressive filling over what is in play: the level rises; the resource whose share
 * (capacity - frozen) / unfrozen weight is smallest saturates and freezes every unfrozen class
 * crossing it (its own group at once, others one by one); a class whose bound / weight is
 * reached freezes at its bound. */
static int fill(struct cpn_flownet *net, double now)
{
    size_t len = 0;
    init_resources(net);
    int rc = fill_entries(net, &len);
    if (rc != CPN_OK)
        return rc;
    struct cpn_flow_sentry *h = net->heap.items;
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
            uint32_t cid = item & ~CAP_ITEM;
            queue_pop(h, &head, &len, sorted);
            const struct cpn_flow_class *c = &net->classes.items[cid];
            if (class_frozen(net, c))
                continue;
            level = key <= level * (1 + FLOW_TIE_REL) ? level : key;
            rc = freeze_bound(net, cid, now);
            if (rc != CPN_OK)
                return rc;
            continue;
        }
        struct cpn_flow_resource *r = &net->res[item];
        if (r->ucnt == 0) {
            queue_pop(h, &head, &len, sorted);
            continue;
        }
        double share = max2(r->capacity - r->frozen, 0) / r->u;
        if (share > key) { /* stale key: the share rose as other classes froze */
            h[head].key = share;
            if (sorted)
                for (size_t i = head; i + 1 < len && entry_before(&h[i + 1], &h[i]); i++) {
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
        /* The resource becomes (or stays) a bottleneck: its group takes the level. */
        struct cpn_flow_group *g = &net->groups[item];
        if (g->stamp != net->stamp) {
            g->stamp = net->stamp;
            net->play.items[net->play.len++] = item;
        }
        if (g->fstamp != net->stamp)
            freeze_group(net, item, level);
        if (r->ucnt && (rc = freeze_others(net, item, level, now)) != CPN_OK)
            return rc;
    }
    return CPN_OK;
}

/* Apply the filling: new group levels (loads, timers), classes entering their new groups. */
static int apply(struct cpn_flownet *net, double now)
{
    for (size_t i = 0; i < net->play.len; i++) {
        uint32_t rid = net->play.items[i];
        struct cpn_flow_group *g = &net->groups[rid];
        if (g->fstamp != net->stamp || g->theta_new == g->theta)
            continue;
        group_advance(g, now);
        double d = g->theta_new - g->theta;
        for (uint32_t k = 0; k < g->plen; k++) {
            const struct cpn_flow_pair *p = &net->pairs.items[g->pairs[k]];
            if (p->a != 0) {
                struct cpn_flow_resource *r = &net->res[p->r];
                account(r, now);
                r->load += d * p->a;
            }
        }
        g->theta = g->theta_new;
        if (cpn_flow_retime_(net, rid) != CPN_OK)
            return CPN_ENOMEM;
    }
    for (size_t i = 0; i < net->moves.len; i++) {
        struct cpn_flow_move m = net->moves.items[i];
        struct cpn_flow_class *c = &net->classes.items[m.cls];
        double d = c->n * (m.new_rate - m.old_rate);
        if (d != 0) {
            uint32_t n;
            const uint32_t *hops = path_hops(net, c->path, &n);
            for (uint32_t k = 0; k < n; k++) {
                struct cpn_flow_resource *r = &net->res[hops[k]];
                account(r, now);
                r->load += d;
            }
        }
        int rc = CPN_OK;
        if (m.dest >= net->n_res) { /* at its bound: the new rate from now on */
            c->service = class_service(net, c, now);
            c->t_service = now;
            c->brate = m.new_rate;
        }
        if (m.dest != c->grp)
            rc = cpn_flow_group_enter_(net, m.cls, m.dest, now, m.reuse);
        if (rc == CPN_OK)
            rc = m.dest < net->n_res ? cpn_flow_retime_(net, m.dest)
                                     : cap_schedule(net, m.cls, now);
        if (rc != CPN_OK)
            return rc;
    }
    for (size_t i = 0; i < net->garbage.len; i++) {
        uint32_t pid = net->garbage.items[i];
        const struct cpn_flow_pair *p = &net->pairs.items[pid];
        if (p->g != CPN_NONE && p->cnt == 0)
            pair_delete(net, pid);
    }
    for (size_t i = 0; i < net->play.len; i++) { /* rebase the clocks of emptied groups */
        struct cpn_flow_group *g = &net->groups[net->play.items[i]];
        if (g->hlen == 0) {
            g->vtime = 0;
            g->t_v = now;
        }
    }
    return CPN_OK;
}

int cpn_flow_solve_(struct cpn_flownet *net, double now)
{
    int rc = collect(net);
    if (rc == CPN_OK)
        rc = fill(net, now);
    if (rc == CPN_OK)
        rc = apply(net, now);
    if (rc == CPN_OK)
        rc = cpn_flow_retime_flush_(net, now);
    if (rc != CPN_OK)
        return rc;
    net->stats.solves++;
    net->stats.solved_classes += net->play.len + net->loose.len;
    net->stats.solved_resources += net->reached.len;
    net->stats.moved_classes += net->moves.len;
    return CPN_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Timers: two indexed min-heaps ordered by (time, seq), joins apart from completions */

static inline uint32_t *timer_pos(struct cpn_flownet *net, uint32_t id)
{
    return id & TIMER_FLOW      ? &net->flows.items[id & ~TIMER_FLOW].pos
           : id < net->n_res    ? &net->groups[id].tpos
                                : &net->classes.items[id - net->n_res].tpos;
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
            return NOMEM();
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
