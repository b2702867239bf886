/* The flow network's solver (see flow.h, flow_internal.h): which groups a change can affect,
 * progressive filling over them, and the new levels applied. */
#include <math.h>
#include <string.h>
#include <stdlib.h>

#include "models/net/flow_internal.h"
#include "sim/error.h"

#define NOMEM() CPN_ERROR(CPN_ENOMEM, "flow: out of memory")

/* ---------------------------------------------------------------------------------------- */
/* The solve: collect what is in play, fill, apply */

static void new_stamp(struct cpn_flownet *net)
{
    if (++net->stamp < FILL_COUNTED) /* (stamps stay below the bit of FILL_COUNTED) */
        return;
    for (uint32_t r = 0; r < net->n_res; r++) /* wrapped: clear every mark once */
        net->res[r].stamp = net->groups[r].stamp = net->groups[r].fstamp = net->groups[r].flist = 0;
    for (size_t i = 0; i < net->classes.len; i++)
        net->classes.items[i].stamp = net->classes.items[i].fstamp = 0;
    net->stamp = 1;
}

/* Start a solve: a new stamp, and the lists of what is in play, reached and moved emptied. */
static void solve_begin(struct cpn_flownet *net)
{
    new_stamp(net);
    net->play.len = net->loose.len = net->reached.len = 0;
    net->moves.len = net->garbage.len = 0;
}

/* Reach resource @p r of @p res, unless it is slack and was so when last reached: then it
 * neither links groups nor constrains the filling.  Appends it to the reached resources
 * @p items[0 .. len) and returns their new number.  The caller reserved room for every
 * resource, and one more (the slot past the end is written either way).  (The solve's stamp
 * and the list are the caller's locals: kept in the network, they would be reloaded after
 * every store.) */
static inline size_t reach(struct cpn_flow_resource *res, uint32_t *items, size_t len, uint32_t r,
                           uint32_t stamp)
{
    struct cpn_flow_resource *x = &res[r];
    /* (Without branches: whether a hop is reached is as good as random.) */
    uint32_t take = (x->stamp != stamp) & res_reachable(x);
    items[len] = r;
    x->stamp ^= (x->stamp ^ stamp) & (0u - take);
    return len + take;
}

/* Put resource group @p r in play (room for every group was reserved in net->play). */
static void visit_group(struct cpn_flownet *net, uint32_t r)
{
    struct cpn_flow_group *g = &net->groups[r];
    const uint32_t stamp = net->stamp;
    if (g->stamp == stamp)
        return;
    g->stamp = g->flist = stamp;
    g->fhead = CPN_NONE;
    net->play.items[net->play.len++] = r;
    const struct cpn_flow_gref *pairs = g->pairs;
    uint32_t *items = net->reached.items, n = g->plen;
    size_t len = net->reached.len;
    for (uint32_t k = 0; k < n; k++)
        len = reach(net->res, items, len, pairs[k].r, stamp);
    net->reached.len = len;
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
    uint32_t *items = net->reached.items, stamp = net->stamp;
    size_t len = net->reached.len;
    for (uint32_t i = 0; i < n; i++)
        len = reach(net->res, items, len, hops[i], stamp);
    net->reached.len = len;
    return CPN_OK;
}

/* Rounds of the refinement in res_bound() (each gives a valid bound; more are tighter).  On
 * national.xml x10 arrivals for a day (2026-12-06): 26.55 resources reached a solve with 2
 * rounds, 26.54 with 4 or 32, 26.92 with 1, 29.71 with none. */
#define FLOW_KEEP_ROUNDS 2

/* A lower bound on the level at which resource @p r (C_r, W_r the weight of all flows crossing
 * it) saturates in the new filling, below which the filling runs as the last one did (see
 * grown_bound()).  Start from x = C_r / W_r (at a level y, r carries at most W_r y).  Then:
 * the groups crossing r whose old level theta is below x are frozen at theta, so r's load at a
 * level y >= x is at most F + U y (F the rate of those, U the rest of the weight), and r cannot
 * saturate below x' = (C_r - F) / U >= x; repeat with x'.  The pairs of class @p c's own group
 * count as unfrozen (their weight grew), as do the classes in no group yet (not in any pair),
 * which only lowers the bound. */
static double res_bound(const struct cpn_flownet *net, const struct cpn_flow_resource *r,
                        const struct cpn_flow_class *c)
{
    double x = r->capacity / r->wsum, own = c->n * c->weight;
    for (int round = 0; round < FLOW_KEEP_ROUNDS; round++) {
        double f = 0, a = 0;
        for (uint32_t k = 0; k < r->plen; k++) {
            uint32_t g = r->pairs[k].g;
            double theta;
            if (g < net->n_res) {
                theta = net->groups[g].theta;
            } else {
                const struct cpn_flow_class *b = &net->classes.items[g - net->n_res];
                theta = b->brate / b->weight;
            }
            if (theta < x && g != c->grp) {
                double pa = net->pairs.items[r->pairs[k].pair].a;
                f += pa * theta;
                a += pa;
            }
        }
        /* (The unfrozen weight is at least c's own, whatever the rounding of W_r - a.) */
        double next = (r->capacity - f) / max2(r->wsum - a, own);
        if (!(next > x))
            break;
        x = next;
    }
    return x;
}

/* A lower bound on the new level of a class that gained flows.  Below that level the filling
 * runs as the last one did, so the groups whose levels lie below it keep them
 * (docs/models-network.md §1.4): the class runs at most at its bound, and no resource r of its
 * path saturates below res_bound().  A slack resource (the bounds of its classes sum to at most
 * C_r) binds no class below its bound, so only the others count. */
static double grown_bound(const struct cpn_flownet *net, const struct cpn_flow_class *c)
{
    double lv = class_bound(net, c, c->n) / c->weight;
    uint32_t n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    for (uint32_t i = 0; i < n; i++) {
        const struct cpn_flow_resource *r = &net->res[hops[i]];
        if (res_coupled(r) && r->capacity / r->wsum < lv)
            lv = min2(lv, res_bound(net, r, c));
    }
    return lv;
}

/* Is resource @p r a constraint of the filling of the solve stamped @p stamp (reached, and not
 * slack or changed)?  (The stamp a caller's local: loops that store to resources would reload
 * net->stamp after every store, which may alias it.) */
static inline uint32_t in_fill(const struct cpn_flow_resource *r, uint32_t stamp)
{
    return r->fill == stamp;
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
 * level).  A resource that is slack now and was slack when last reached is not reached: it
 * cannot bind, so what changes on it changes nothing for the groups crossing it, and the bounds
 * of its classes imply its constraint.  A changed resource (a departure, a capacity change) is
 * reached and filled whatever its demand.
 */
static int collect(struct cpn_flownet *net)
{
    solve_begin(net);
    if (cpn_array_reserve(&net->reached, net->n_res + 1) != CPN_OK ||
        cpn_array_reserve(&net->play, net->n_res) != CPN_OK)
        return NOMEM();
    /* The lowest level the changes can affect: the old level of a class that lost flows, or
     * the new level of a class that gained flows (bounded from below). */
    double keep = net->low_level;
    net->low_level = INFINITY;
    for (size_t i = 0; i < net->dirty_cls.len; i++) {
        uint32_t cid = net->dirty_cls.items[i];
        struct cpn_flow_class *c = &net->classes.items[cid];
        int grew = c->dirty & DIRTY_GREW;
        c->dirty = 0;
        if (c->n == 0)
            continue;
        if (grew)
            keep = min2(keep, grown_bound(net, c));
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
    keep *= 1 - FLOW_PRUNE_MARGIN;
    const uint32_t stamp = net->stamp; /* (a local: the stores to cand[] may alias it) */
    for (size_t i = 0; i < net->reached.len; i++) {
        uint32_t rid = net->reached.items[i];
        struct cpn_flow_resource *r = &net->res[rid];
        if (cpn_array_reserve(&net->pick, (size_t)r->plen + 1) != CPN_OK)
            return NOMEM();
        /* The groups to join are listed first, without branches (which join is as good as
         * random), then visited. */
        uint32_t *cand = net->pick.items, nc = 0;
        cand[nc] = rid;
        nc += (net->groups[rid].hlen > 0) & (net->groups[rid].stamp != stamp);
        /* A changed resource (a capacity change, a departure) is expanded and filled even if
         * slack now: the bounds of the classes crossing it may have changed with it. */
        uint8_t was = r->coupled, changed = r->dirty;
        r->dirty = 0;
        r->coupled = (uint8_t)res_coupled(r);
        r->fill = r->coupled | changed ? stamp : 0;
        for (uint32_t k = 0; (was | r->coupled | changed) && k < r->plen; k++) {
            uint32_t g = r->pairs[k].g;
            if (g < net->n_res) {
                const struct cpn_flow_group *h = &net->groups[g];
                cand[nc] = g;
                nc += (h->stamp != stamp) & (h->theta >= keep);
            } else {
                const struct cpn_flow_class *c = &net->classes.items[g - net->n_res];
                if (c->stamp != stamp && c->brate / c->weight >= keep &&
                    visit_loose(net, g - net->n_res) != CPN_OK)
                    return CPN_ENOMEM;
            }
        }
        for (uint32_t k = 0; k < nc; k++)
            visit_group(net, cand[k]);
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
        if (!in_fill(r, net->stamp))
            continue;
        double u = 0, frozen = 0;
        uint32_t ucnt = 0;
        for (uint32_t k = 0; k < r->plen; k++) {
            /* (The group from the reference, not the pair: the two loads start together.) */
            uint32_t g = r->pairs[k].g, pid = r->pairs[k].pair;
            struct cpn_flow_pair *p = &net->pairs.items[pid];
            if (in_play(net, g)) {
                u += p->a;
                ucnt += p->cnt;
                if (g < net->n_res) { /* (the pairs freeze_group() walks) */
                    struct cpn_flow_group *h = &net->groups[g];
                    p->fnext = h->fhead;
                    h->fhead = pid;
                }
            } else if (g < net->n_res) {
                frozen += net->groups[g].theta * p->a;
            } else {
                const struct cpn_flow_class *c = &net->classes.items[g - net->n_res];
                frozen += c->n * c->brate;
            }
        }
        r->u = r->u_base = u;
        r->ucnt = ucnt;
        r->lcnt = 0;
        r->frozen = frozen;
        net->fill_live += ucnt;
    }
    for (size_t i = 0; i < net->loose.len; i++) {
        const struct cpn_flow_class *c = &net->classes.items[net->loose.items[i]];
        if (c->grp != GRP_NONE)
            continue; /* at its bound: counted through its pairs */
        uint32_t n;
        const uint32_t *hops = path_hops(net, c->path, &n);
        double nw = c->n * c->weight;
        const uint32_t stamp = net->stamp;
        size_t live = 0;
        for (uint32_t k = 0; k < n; k++) { /* (without branches, as in res_freeze()) */
            struct cpn_flow_resource *r = &net->res[hops[k]];
            uint32_t in = in_fill(r, stamp);
            r->u += (double)in * nw;
            r->u_base += (double)in * nw; /* (the same sums: u_base is the exact u) */
            r->ucnt += in;
            r->lcnt += in;
            live += in;
        }
        net->fill_live += live;
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

/* Weight @p a of @p cnt incidences on resource @p rid freezes, adding rate @p rate.  Returns
 * how many unfrozen incidences of the filling that took (the caller takes them from
 * net->fill_live). */
static inline uint32_t res_freeze(struct cpn_flow_resource *res, uint32_t stamp, uint32_t rid,
                                  double a, uint32_t cnt, double rate)
{
    struct cpn_flow_resource *r = &res[rid];
    /* Only a resource in the filling (its fill mark the solve's @p stamp) changes.  Without
     * branches (whether it is in the filling is as good as random): the others get zeros added,
     * and their solver fields are unused.  The cancellation in u is checked where u is used
     * (fill()). */
    uint32_t in = in_fill(r, stamp);
    r->frozen += (double)in * rate;
    r->ucnt -= in * cnt;
    r->u -= (double)in * a;
    return in * cnt;
}

/* Pair @p p of a group freezing at level @p x: its weight on its resource (res_freeze()). */
static inline uint32_t pair_freeze(struct cpn_flow_resource *res, uint32_t stamp,
                                   const struct cpn_flow_pair *p, double x)
{
    return p->cnt ? res_freeze(res, stamp, p->r, p->a, p->cnt, x * p->a) : 0;
}

/* Freeze the whole group of resource @p s at level @p x.  Only its pairs on resources of the
 * filling change anything (res_freeze()): a group in play since the walk of collect() has them
 * listed (init_resources()); one put in play during the filling walks all its pairs. */
static void freeze_group(struct cpn_flownet *net, uint32_t s, double x)
{
    struct cpn_flow_group *g = &net->groups[s];
    net->fill_bounds -= g->fstamp == (net->stamp | FILL_COUNTED);
    g->fstamp = net->stamp;
    g->theta_new = x;
    size_t took = 0;
    const uint32_t stamp = net->stamp;
    const struct cpn_flow_pair *pairs = net->pairs.items;
    if (g->flist == stamp) {
        for (uint32_t pid = g->fhead; pid != CPN_NONE; pid = pairs[pid].fnext)
            took += pair_freeze(net->res, stamp, &pairs[pid], x);
    } else {
        for (uint32_t k = 0; k < g->plen; k++)
            took += pair_freeze(net->res, stamp, &pairs[g->pairs[k].pair], x);
    }
    net->fill_live -= took;
}

/* Freeze class @p cid on its own at per-flow @p rate; it goes to group @p dest (a resource, or
 * n_res + cid for its bound).  Leaving its old group happens now (its pairs must not count when
 * that group freezes); entering the new one after the filling. */
static int freeze_class(struct cpn_flownet *net, uint32_t cid, double rate, uint32_t dest,
                        double now)
{
    struct cpn_flow_class *c = &net->classes.items[cid];
    net->fill_bounds -= c->fstamp == (net->stamp | FILL_COUNTED);
    c->fstamp = net->stamp;
    uint32_t n;
    const uint32_t *hops = path_hops(net, c->path, &n);
    double nw = c->n * c->weight, nr = c->n * rate;
    int none = c->grp == GRP_NONE;
    size_t took = 0;
    const uint32_t stamp = net->stamp;
    for (uint32_t i = 0; i < n; i++) {
        net->res[hops[i]].lcnt -= (uint32_t)none & in_fill(&net->res[hops[i]], stamp);
        took += res_freeze(net->res, stamp, hops[i], nw, 1, nr);
    }
    net->fill_live -= took;
    if (dest == c->grp && rate == class_rate(net, c))
        return CPN_OK; /* stays at its bound */
    if (cpn_array_reserve(&net->moves, net->moves.len + 1) != CPN_OK)
        return NOMEM();
    if (c->grp < net->n_res && cpn_flow_retime_(net, c->grp) != CPN_OK)
        return CPN_ENOMEM;
    if (!none && dest != c->grp) /* (at its bound with a new rate, it stays in its group) */
        cpn_flow_group_leave_(net, cid, now, 1);
    net->moves.items[net->moves.len++] = (struct cpn_flow_move){rate, cid, dest, (uint8_t)!none};
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

/* The group class @p cid (@p c) goes to at its bound @p bound: at its cap (or on a path without
 * resources) a group of its own, n_res + cid; else the group of its path's smallest resource. */
static inline uint32_t bound_group(const struct cpn_flownet *net, const struct cpn_flow_class *c,
                                   uint32_t cid, double bound)
{
    uint32_t m = net->paths.items[c->path].min_res;
    return !(bound < c->cap) || m == CPN_NONE ? net->n_res + cid : m;
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
    uint32_t m = bound_group(net, c, cid, bound);
    if (m >= net->n_res)
        return freeze_class(net, cid, bound, m, now);
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

/* An entry for @p item of rank @p rank (ENTRY_*) at @p key >= 0, with tie-break @p seq (below
 * 2^30; among entries of equal key and rank, the lower seq first).  (+ 0.0 turns a -0 into +0,
 * whose bits order before every positive key's.) */
static inline struct cpn_flow_sentry entry_make(double key, uint32_t item, uint32_t rank,
                                                uint32_t seq)
{
    return (struct cpn_flow_sentry){item, (3 - rank) << 30 | (seq & 0x3fffffffu), key + 0.0};
}

static inline uint32_t entry_rank(const struct cpn_flow_sentry *e)
{
    return 3 - (e->order >> 30);
}

#if defined(__SIZEOF_INT128__) && defined(__BYTE_ORDER__) &&                                       \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
__extension__ typedef unsigned __int128 entry_word;
/* The filling's order: by key; at equal keys a resource that is a group's bottleneck first, so
 * that a tie keeps classes in their group instead of moving them to an equal bottleneck; then
 * by seq.  The entry read as one 128-bit integer (key bits, order, item).  Total on the
 * entries of a filling, whose seqs differ. */
static inline int entry_less(const struct cpn_flow_sentry *a, const struct cpn_flow_sentry *b)
{
    entry_word x, y;
    memcpy(&x, a, sizeof x);
    memcpy(&y, b, sizeof y);
    return x < y;
}
#else
static inline int entry_less(const struct cpn_flow_sentry *a, const struct cpn_flow_sentry *b)
{
    uint64_t ka, kb;
    memcpy(&ka, &a->key, sizeof ka);
    memcpy(&kb, &b->key, sizeof kb);
    return (ka < kb) | ((ka == kb) & (a->order < b->order));
}
#endif

/* Sift r[i] down in the binary heap r[0 .. len) of risen entries (entry_less() order). */
static void sift_down(struct cpn_flow_sentry *r, size_t len, size_t i)
{
    struct cpn_flow_sentry e = r[i];
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= len)
            break;
        if (l + 1 < len)
            l = entry_less(&r[l + 1], &r[l]) ? l + 1 : l;
        if (!entry_less(&r[l], &e))
            break;
        r[i] = r[l];
        i = l;
    }
    r[i] = e;
}

/* Sort the few entries h[0 .. len) (at most FQ_FEW, below) by entry_less(): insertion sort,
 * without a bound check: h[-1] is before every entry (fill_entries()).  (Larger fillings are
 * bucketed, fq_bucket(); before that, sorted by runs of 32 and merges.) */
static void sort_entries(struct cpn_flow_sentry *h, size_t len)
{
    for (size_t i = 1; i < len; i++) {
        struct cpn_flow_sentry e = h[i];
        size_t j = i;
        for (; entry_less(&e, &h[j - 1]); j--)
            h[j] = h[j - 1];
        h[j] = e;
    }
}

/*
 * The filling's queue.  A filling sorts its entries (up to FQ_FEW at once, more bucket by
 * bucket) and takes them from the front, h[head .. end); an entry whose key rose goes to a
 * binary heap r[0 .. rlen) (both in entry_less() order), and the first entry is the lesser of
 * h[head] and r[0].  (Moving a risen entry back into the sorted entries by bisection and
 * memmove cost 3.6% of national.xml x10 arrivals for a week in its memmove alone.  Fillings of
 * more than 256 entries kept a binary heap of all their entries until 2026-12-07: its sifts
 * were 22% of the overloaded WAN benchmark, whose fillings are that large.)
 */
struct fqueue {
    struct cpn_flow_sentry *h, *r;
    size_t head, end, rlen;        /* h[head .. end) is sorted and next (see below) */
    uint32_t seq;                  /* the seq of the next risen entry, counting down (FLOW_SEQ0) */
    uint64_t pending;              /* bucketed: the buckets not reached yet that hold entries */
    const uint32_t *bs, *be;       /* bucketed: bucket b holds h[bs[b] .. be[b]) */
    struct cpn_flow_sentry *spare; /* bucketed: room for a bucket's merges (len entries) */
};

/*
 * Sorted fillings of more than FQ_FEW entries are bucketed instead of sorted whole: up to
 * FQ_BUCKETS buckets by the top bits of the key (its exponent and the first bits of its
 * significand, in key order since keys are >= +0): keys of 0 in the first, the others from the
 * smallest positive key's, four buckets an octave when the keys span at most 15 octaves, else
 * coarser, so that every key has a bucket of its own range.  A bucket is sorted only when the
 * queue reaches it, so the entries after the filling's end (a third on national.xml x10) are
 * never sorted.  The order taken is entry_less()'s all the same.  h[head .. end) is the current
 * bucket's sorted rest; when it runs out the next bucket of `pending` is sorted and taken.
 * (Sorted whole, in runs of 32 and merges, the sort was 10% of a x10 national day.)
 */
enum { FQ_BUCKETS = 64, FQ_FEW = 16, FQ_RUN = 32 };

/* The top 14 bits of key >= 0: its exponent and the first two bits of its significand. */
static inline uint32_t key_top(double key)
{
    uint64_t bits;
    memcpy(&bits, &key, sizeof bits);
    return (uint32_t)(bits >> 50);
}

/* The bucket of @p key: 0 for a key of 0, else 1 + its top bits' distance from @p lo (the
 * smallest positive key's), in steps of 2^@p shift. */
static inline uint32_t fq_bucket_of(double key, uint32_t lo, uint32_t shift)
{
    uint32_t t = key_top(key);
    return t ? ((t - lo) >> shift) + 1 : 0;
}

/* Place the @p len entries of @p h into @p out by bucket; @p bs and @p be (FQ_BUCKETS each)
 * receive where each bucket that holds entries starts and ends. */
static void fq_bucket(struct fqueue *q, struct cpn_flow_sentry *h, size_t len,
                      struct cpn_flow_sentry *out, uint32_t *bs, uint32_t *be)
{
    uint32_t lo = UINT32_MAX, hi = 0, cnt[FQ_BUCKETS] = {0}, at = 0, shift = 0;
    uint64_t used = 0;
    for (size_t i = 0; i < len; i++) {
        uint32_t t = key_top(h[i].key);
        lo = t && t < lo ? t : lo; /* (the smallest positive key's: a 0 has a bucket apart) */
        hi = t > hi ? t : hi;
    }
    while (lo <= hi && (hi - lo) >> shift >= FQ_BUCKETS - 1)
        shift++;
    for (size_t i = 0; i < len; i++) {
        uint32_t b = fq_bucket_of(h[i].key, lo, shift);
        cnt[b]++;
        used |= (uint64_t)1 << b;
    }
    for (uint64_t m = used; m; m &= m - 1) { /* (only the buckets that hold entries) */
        uint32_t b = (uint32_t)__builtin_ctzll(m);
        bs[b] = be[b] = at;
        at += cnt[b];
    }
    for (size_t i = 0; i < len; i++) /* (the bucket found again, not kept: no array per entry) */
        out[be[fq_bucket_of(h[i].key, lo, shift)]++] = h[i];
    q->spare = h; /* (its entries are all in out now) */
    q->h = out;
    q->pending = used;
    q->bs = bs;
    q->be = be;
}

/* Sort h[lo .. hi) by entry_less(): insertion sort (a few entries). */
static inline void insertion_sort(struct cpn_flow_sentry *h, size_t lo, size_t hi)
{
    for (size_t i = lo + 1; i < hi; i++) {
        struct cpn_flow_sentry e = h[i];
        size_t j = i;
        for (; j > lo && entry_less(&e, &h[j - 1]); j--)
            h[j] = h[j - 1];
        h[j] = e;
    }
}

/* Sort h[0 .. n) by entry_less(): insertion sort of runs of FQ_RUN, then merges through
 * @p spare (n entries); their seqs are unique, so the order is total. */
static void sort_runs(struct cpn_flow_sentry *h, size_t n, struct cpn_flow_sentry *spare)
{
    for (size_t lo = 0; lo < n; lo += FQ_RUN)
        insertion_sort(h, lo, lo + FQ_RUN < n ? lo + FQ_RUN : n);
    for (size_t w = FQ_RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo + w < n; lo += 2 * w) {
            size_t mid = lo + w, hi = lo + 2 * w < n ? lo + 2 * w : n;
            if (!entry_less(&h[mid], &h[mid - 1]))
                continue; /* already in order */
            memcpy(spare, h + lo, w * sizeof *h);
            size_t a = 0, b = mid, k = lo;
            while (a < w && b < hi) /* the right run's entry goes first only when before */
                h[k++] = entry_less(&h[b], &spare[a]) ? h[b++] : spare[a++];
            while (a < w)
                h[k++] = spare[a++];
        }
    }
}

/* When the current bucket has run out, sort the next one and make it current. */
static inline void fq_settle(struct fqueue *q)
{
    if (q->head < q->end || !q->pending)
        return;
    uint32_t b = (uint32_t)__builtin_ctzll(q->pending);
    q->pending &= q->pending - 1;
    struct cpn_flow_sentry *h = q->h;
    size_t lo = q->head = q->bs[b];
    q->end = q->be[b];
    if (q->end - lo > FQ_RUN) { /* (many keys within a quarter octave, or a large filling) */
        sort_runs(h + lo, q->end - lo, q->spare);
        return;
    }
    /* (insertion_sort() written out: called here, it kept GCC 12 from inlining fq_pop() and
     * fq_rekey() into fill(), 1.2% more instructions on 2 h of national.xml x10.) */
    for (size_t i = lo + 1; i < q->end; i++) {
        struct cpn_flow_sentry e = h[i];
        size_t j = i;
        for (; j > lo && entry_less(&e, &h[j - 1]); j--)
            h[j] = h[j - 1];
        h[j] = e;
    }
}

/* Sift r[i] up in the heap of risen entries r[0 ..) (entry_less() order). */
static void risen_up(struct cpn_flow_sentry *r, size_t i)
{
    struct cpn_flow_sentry e = r[i];
    for (size_t p; i > 0 && entry_less(&e, &r[p = (i - 1) / 2]); i = p)
        r[i] = r[p];
    r[i] = e;
}

/* Where the first entry is: 1 in r[0], 0 in h[head] (h[0] for a heap). */
static inline int fq_in_r(const struct fqueue *q)
{
    return q->rlen && (q->head == q->end || entry_less(&q->r[0], &q->h[q->head]));
}

/* Remove the first entry (in r[0] when @p in_r). */
static inline void fq_pop(struct fqueue *q, int in_r)
{
    if (in_r) {
        q->r[0] = q->r[--q->rlen];
        sift_down(q->r, q->rlen, 0);
    } else {
        q->head++;
        fq_settle(q);
    }
}

/* The key of the first entry (in r[0] when @p in_r) rose to @p key: it takes a seq below every
 * other, so that it goes before the entries of equal key and rank (and after the others). */
static inline void fq_rekey(struct fqueue *q, int in_r, double key)
{
    struct cpn_flow_sentry *e = in_r ? &q->r[0] : &q->h[q->head];
    struct cpn_flow_sentry t = entry_make(key, e->item, entry_rank(e), --q->seq);
    if (in_r) {
        q->r[0] = t;
        sift_down(q->r, q->rlen, 0);
    } else {
        q->head++;
        fq_settle(q);
        q->r[q->rlen++] = t;
        risen_up(q->r, q->rlen - 1);
    }
}

/* The smallest bound / weight of the classes of group @p r (cached until they change). */
static double group_bmin(struct cpn_flownet *net, uint32_t r)
{
    struct cpn_flow_group *g = &net->groups[r];
    if (!g->bvalid) {
        double m = INFINITY;
        for (uint32_t j = 0; j < g->hlen; j++) {
            const struct cpn_flow_class *c = &net->classes.items[g->heap[j].cls];
            m = min2(m, class_bound(net, c, c->n) / c->weight);
        }
        g->bmin = m;
        g->bvalid = 1;
    }
    return g->bmin;
}

/* The bound of class @p c that the filling must enforce by an entry [B/s] (INFINITY: none): its
 * bound, unless that is its path's smallest capacity shared by its flows and that resource is in
 * the filling (its share then freezes the class first; the cap, higher, cannot bind either). */
static inline double entry_bound(const struct cpn_flownet *net, const struct cpn_flow_class *c)
{
    double bound = class_bound(net, c, c->n);
    uint32_t min_res = net->paths.items[c->path].min_res;
    return bound < c->cap && min_res != CPN_NONE && in_fill(&net->res[min_res], net->stamp)
               ? INFINITY
               : bound;
}

/* Append to the filling's entries h[0 .. *len) an entry whose seq is its place. */
static inline void entry_push(struct cpn_flow_sentry *h, size_t *len, double key, uint32_t item,
                              uint32_t rank)
{
    h[*len] = entry_make(key, item, rank, FLOW_SEQ0 + (uint32_t)*len);
    ++*len;
}

/* The entries of the filling: reached resources that can bind, the bounds of the classes in
 * play on their own, and one bound entry per group in play: the smallest bound / weight of its
 * classes (a lower bound of what needs enforcing; see group_bound_due()). */
static int fill_entries(struct cpn_flownet *net, size_t *out)
{
    size_t need = net->reached.len + net->loose.len + net->play.len;
    net->heap.len = 0;
    if (cpn_array_reserve(&net->heap, need + 1) != CPN_OK)
        return NOMEM();
    /* h[-1]: all zero bits, before every entry (a key >= +0, an order >= 1: seqs are positive),
     * the sentinel of sort_entries(). */
    net->heap.items[0] = (struct cpn_flow_sentry){0, 0, 0.0};
    struct cpn_flow_sentry *h = net->heap.items + 1;
    size_t len = 0;
    for (size_t i = 0; i < net->reached.len; i++) {
        uint32_t rid = net->reached.items[i];
        const struct cpn_flow_resource *r = &net->res[rid];
        if (in_fill(r, net->stamp) && r->ucnt)
            entry_push(h, &len, max2(r->capacity - r->frozen, 0) / r->u, rid,
                       net->groups[rid].hlen > 0 ? ENTRY_RES_GROUP : ENTRY_RES);
    }
    for (size_t i = 0; i < net->loose.len; i++) {
        uint32_t cid = net->loose.items[i];
        struct cpn_flow_class *c = &net->classes.items[cid];
        double bound = entry_bound(net, c);
        if (isfinite(bound)) {
            entry_push(h, &len, bound / c->weight, CAP_ITEM | cid, ENTRY_BOUND);
            c->fstamp = net->stamp | FILL_COUNTED;
            net->fill_bounds++;
        }
    }
    for (size_t i = 0; i < net->play.len; i++) {
        uint32_t rid = net->play.items[i];
        double b = net->groups[rid].hlen ? group_bmin(net, rid) : INFINITY;
        if (isfinite(b)) {
            entry_push(h, &len, b, rid, ENTRY_GROUP_BOUND);
            net->groups[rid].fstamp = net->stamp | FILL_COUNTED;
            net->fill_bounds++;
        }
    }
    *out = len;
    return CPN_OK;
}

/* The group bound entry of group @p r came first at level @p x: its unfrozen classes whose bound
 * (as the filling enforces it) is reached freeze at it.  Returns the smallest bound / weight of
 * those left, where the entry goes next (INFINITY: none). */
static int group_bound_due(struct cpn_flownet *net, uint32_t r, double x, double now, double *next)
{
    const struct cpn_flow_group *g = &net->groups[r];
    double m = INFINITY;
    net->pick.len = 0;
    for (uint32_t j = 0; j < g->hlen; j++) {
        uint32_t cid = g->heap[j].cls;
        const struct cpn_flow_class *c = &net->classes.items[cid];
        if (c->fstamp == net->stamp)
            continue;
        double b = entry_bound(net, c) / c->weight;
        if (b <= x * (1 + FLOW_TIE_REL)) {
            if (cpn_array_push(&net->pick, cid) != CPN_OK)
                return NOMEM();
        } else {
            m = min2(m, b);
        }
    }
    for (size_t j = 0; j < net->pick.len; j++) {
        int rc = freeze_bound(net, net->pick.items[j], now);
        if (rc != CPN_OK)
            return rc;
    }
    *next = m;
    return CPN_OK;
}

/* Progressive filling over what is in play: the level rises; the resource whose share
 * (capacity - frozen) / unfrozen weight is smallest saturates and freezes every unfrozen class
 * crossing it (its own group at once, others one by one); a class whose bound / weight is
 * reached freezes at its bound. */
static int fill(struct cpn_flownet *net, double now)
{
    size_t len = 0;
    net->fill_live = 0;
    net->fill_bounds = 0;
    init_resources(net);
    int rc = fill_entries(net, &len);
    if (rc != CPN_OK)
        return rc;
    /* The queue of entries by key (struct fqueue); h[-1] is the sentinel of sort_entries(). */
    struct fqueue q = {.h = net->heap.items + 1, .end = len, .seq = FLOW_SEQ0};
    struct cpn_flow_sentry tmp[FLOW_STACK_ENTRIES];
    uint32_t bs[FQ_BUCKETS], be[FQ_BUCKETS];
    if (cpn_array_reserve(&net->risen, len) != CPN_OK ||
        (len > FLOW_STACK_ENTRIES && cpn_array_reserve(&net->bucketed, len) != CPN_OK))
        return NOMEM();
    if (len > FQ_FEW) {
        fq_bucket(&q, q.h, len, len > FLOW_STACK_ENTRIES ? net->bucketed.items : tmp, bs, be);
        q.end = 0;
        fq_settle(&q);
    } else {
        sort_entries(q.h, len);
    }
    q.r = net->risen.items;
    double level = 0;
    /* Once no unfrozen incidence and no live bound entry is left, what the queue holds is
     * dead: the filling is over (on national.xml x10, a third of the entries). */
    while ((q.head < q.end || q.rlen) && (net->fill_live || net->fill_bounds)) {
        int in_r = fq_in_r(&q);
        const struct cpn_flow_sentry *first = in_r ? &q.r[0] : &q.h[q.head];
        uint32_t item = first->item;
        double key = first->key;
        if (entry_rank(first) == ENTRY_GROUP_BOUND) {
            double next = INFINITY;
            if (net->groups[item].fstamp != net->stamp) {
                level = key <= level * (1 + FLOW_TIE_REL) ? level : key;
                rc = group_bound_due(net, item, key, now, &next);
                if (rc != CPN_OK)
                    return rc;
            }
            struct cpn_flow_group *g = &net->groups[item];
            if (isfinite(next) && g->fstamp != net->stamp) {
                fq_rekey(&q, in_r, next); /* the group's next bound */
            } else {
                fq_pop(&q, in_r);
                if (g->fstamp == (net->stamp | FILL_COUNTED)) { /* no bound left to enforce */
                    g->fstamp = 0;
                    net->fill_bounds--;
                }
            }
            continue;
        }
        if (item & CAP_ITEM) {
            uint32_t cid = item & ~CAP_ITEM;
            fq_pop(&q, in_r);
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
            fq_pop(&q, in_r);
            continue;
        }
        if (r->u < FLOW_REWEIGH * r->u_base)
            reweigh(net, r, item); /* u kept by subtraction lost too many digits */
        double share = max2(r->capacity - r->frozen, 0) / r->u;
        if (share > key) { /* stale key: the share rose as other classes froze */
            fq_rekey(&q, in_r, share);
            continue;
        }
        fq_pop(&q, in_r);
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
        g->theta = g->theta_new;
        if (cpn_flow_retime_(net, rid) != CPN_OK)
            return CPN_ENOMEM;
    }
    for (size_t i = 0; i < net->moves.len; i++) {
        struct cpn_flow_move m = net->moves.items[i];
        struct cpn_flow_class *c = &net->classes.items[m.cls];
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
                                     : cpn_flow_cap_schedule_(net, m.cls, now);
        if (rc != CPN_OK)
            return rc;
    }
    for (size_t i = 0; i < net->garbage.len; i++) {
        uint32_t pid = net->garbage.items[i];
        const struct cpn_flow_pair *p = &net->pairs.items[pid];
        if (p->g != CPN_NONE && p->cnt == 0)
            cpn_flow_pair_delete_(net, pid);
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

/*
 * A solve of one class that gained flows and is in no group yet (its first flows, as a rule),
 * alone on resources that are slack now and were slack when last reached, with nothing else
 * pending: collect() would reach no resource and put no group in play, and the filling would
 * only freeze the class at its bound (freeze_bound()), into the group of its path's smallest
 * resource (empty here: otherwise the general solve runs) or at its cap into a group of its
 * own.  This sets up what they would leave for apply() (the class in play, that group frozen at
 * the class's level, the class's move), without the walk, the filling's setup and its queue: on
 * the WAN benchmark at load 0.7 a quarter of the solves.  Returns 1 when set up, 0 when the case
 * does not apply (nothing changed), or -1 when out of memory (CPN_ENOMEM recorded; status codes
 * are positive, so the caller cannot take it for "set up").
 */
static int collect_alone(struct cpn_flownet *net)
{
    if (net->dirty_cls.len != 1 || net->dirty_res.len)
        return 0;
    uint32_t cid = net->dirty_cls.items[0];
    struct cpn_flow_class *c = &net->classes.items[cid];
    if (c->grp != GRP_NONE || c->n == 0)
        return 0;
    uint32_t n, slack = 1;
    const uint32_t *hops = path_hops(net, c->path, &n);
    for (uint32_t i = 0; i < n; i++) {
        const struct cpn_flow_resource *r = &net->res[hops[i]];
        slack &= !res_reachable(r);
    }
    double bound = class_bound(net, c, c->n);
    uint32_t dest = bound_group(net, c, cid, bound);
    if (!slack || !isfinite(bound) ||
        (dest < net->n_res && (net->groups[dest].hlen || net->groups[dest].plen)))
        return 0;
    if (cpn_array_reserve(&net->play, 1) != CPN_OK || cpn_array_reserve(&net->loose, 1) != CPN_OK ||
        cpn_array_reserve(&net->moves, 1) != CPN_OK) {
        (void)NOMEM();
        return -1;
    }
    solve_begin(net);
    c->dirty = 0;
    net->dirty_cls.len = 0;
    net->low_level = INFINITY;
    c->stamp = c->fstamp = net->stamp;
    net->loose.items[net->loose.len++] = cid;
    double rate = bound;
    if (dest < net->n_res) {
        struct cpn_flow_group *g = &net->groups[dest];
        g->stamp = g->fstamp = net->stamp;
        g->theta_new = bound / c->weight;
        net->play.items[net->play.len++] = dest;
        rate = c->weight * g->theta_new;
    }
    net->moves.items[0] = (struct cpn_flow_move){rate, cid, dest, 0};
    net->moves.len = 1;
    return 1;
}

int cpn_flow_solve_(struct cpn_flownet *net, double now)
{
    int alone = collect_alone(net);
    if (alone < 0)
        return CPN_ENOMEM;
    int rc = alone ? CPN_OK : collect(net);
    /* With no group and no class in play (a departure whose reached resources no group above
     * the keep level crosses), the filling has no entry and nothing to apply: only collect()'s
     * marks of the reached resources change. */
    int idle = net->play.len == 0 && net->loose.len == 0;
    if (rc == CPN_OK && !idle && !alone)
        rc = fill(net, now);
    if (rc == CPN_OK && !idle)
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
