/* Internal state of the flow network, shared by models/net/flow.c (API, pools, classes, events),
 * models/net/flowgroup.c (bottleneck groups, pairs, timers) and models/net/flowsolve.c (what a
 * change can affect, progressive filling).  Not a public header.
 *
 * Vocabulary (docs/models-network.md §1.3):
 * - a class: flows with equal (path, cap, weight), which always have equal rates;
 * - a level: a class's per-flow rate divided by its weight;
 * - a class's bound: its cap, and its path's smallest capacity shared by its n flows;
 * - a group: the classes whose rate is set by one bottleneck.  Group r (r < n_res) holds the
 *   classes bottlenecked at resource r, all at r's level theta_r; a class at its own bound forms
 *   a group alone, numbered n_res + class id;
 * - a pair (g, r): what group g puts on resource r: the sum of n x weight over its classes'
 *   hops on r.  A resource's list of pairs says which groups cross it; a group's list says which
 *   resources it crosses. */
#ifndef CPN_MODELS_NET_FLOW_INTERNAL_H
#define CPN_MODELS_NET_FLOW_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "models/net/flow.h"
#include "sim/array.h"
#include "sim/engine.h"
#include "sim/error.h"

/* Two resource shares within this relative distance are a tie: progressive filling freezes the
 * flows of both at the lower level.  Far above the rounding of one share (~1e-16) and far below
 * the 1e-9 agreement asked of completion times. */
#define FLOW_TIE_REL 1e-12

/* A member whose remaining service is below what double arithmetic resolves is finished: its
 * remaining service is below FLOW_DONE_REL of its finish point (the rounding of the cumulative
 * service or virtual time), or it would finish within FLOW_DONE_REL x now seconds (the rounding
 * of the clock).  It may thus finish at most ~1e-12 relative early; the test also guarantees
 * progress. */
#define FLOW_DONE_REL 1e-12

/* The unfrozen weight of a resource is kept by subtraction while groups freeze; when the filling
 * reads it and it has fallen below this fraction of the last exact sum, it is recomputed, so that
 * cancellation costs at most ~1e-16 / FLOW_REWEIGH relative. */
#define FLOW_REWEIGH 1e-4

/* A solve keeps, at their old rates, the groups whose level lies below the lowest level the
 * pending changes can affect (see collect() in flowsolve.c).  That level is estimated from
 * below; this relative margin keeps the estimate below the rounding of the weight sums it is
 * computed from (~1e-13 relative), so only groups that are certainly unaffected are kept. */
#define FLOW_PRUNE_MARGIN 1e-6

/* Minimum and maximum without libm's NaN handling (no NaN reaches them; they inline). */
static inline double min2(double a, double b)
{
    return b < a ? b : a;
}
static inline double max2(double a, double b)
{
    return b > a ? b : a;
}

/* @p c ? @p a : @p b, without a branch (for outcomes as good as random). */
static inline double pick(int c, double a, double b)
{
    uint64_t x, y, m = 0 - (uint64_t)(c != 0);
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    x = (x & m) | (y & ~m);
    memcpy(&a, &x, sizeof a);
    return a;
}

/* Up to this many entries (resources + bounds) a filling buckets its entries into a buffer on
 * the stack, more into net->bucketed (flowsolve.c's fq_bucket()).  (Named FLOW_SORTED until
 * 2026-12-08: it was the largest filling sorted rather than kept in a heap: 64 while the sort was
 * an insertion sort; 256 against 64 with the merge sort and the risen entries' heap (alternated
 * runs, 2026-12-06): fat tree 1e6 flows 3.14 s against 3.37 s, national.xml x10 arrivals for a
 * day 9.9-10.8 s against 10.9-11.2 s.  Since 2026-12-07 every filling is bucketed.) */
#define FLOW_STACK_ENTRIES 256

/* The seqs of a filling's entries (struct cpn_flow_sentry): FLOW_SEQ0 + their place when made;
 * an entry whose key rises takes FLOW_SEQ0 - 1, - 2, ...  Assumption: a filling makes fewer
 * than 2^29 entries and rekeys fewer than 2^29 times (each rekey follows a freeze of a class
 * crossing the entry's resource: the fillings of the overloaded WAN benchmark, 9,204 flows in
 * flight, make and rekey far fewer); beyond, seqs would wrap, which changes only the order of
 * entries of equal key and rank. */
#define FLOW_SEQ0 (1u << 29)

#define CAP_ITEM 0x80000000u /* solver queue item tag: a class's bound entry (item = class) */

/* The frozen mark (fstamp) of a class or group whose bound entry is in the filling's queue and
 * still live: net->stamp | FILL_COUNTED, which no stamp equals (stamps stay below 2^31 and
 * wrap there, flowsolve.c's new_stamp()); such a class or group is unfrozen. */
#define FILL_COUNTED 0x80000000u

/* Group of a class that is in none: a class whose first member joined since the last solve. */
#define GRP_NONE CPN_NONE

enum { FLOW_FREE = 0, FLOW_PENDING, FLOW_ACTIVE };

/* Why a class awaits the solve (bits of its dirty field). */
enum { DIRTY_CHANGED = 1, DIRTY_GREW = 2 };

struct cpn_flow_rec {
    double size;            /* bytes [B] */
    double start;           /* creation time [s] */
    cpn_flow_done_fn *done; /* owner's callback */
    void *ctx;              /* owner's context */
    uint64_t id;            /* owner's id */
    uint32_t pos;      /* pending: position of its join timer (else CPN_NONE); sharing: position in
                        * its class's member heap */
    uint32_t gen;      /* generation of the slot (never 0) */
    uint32_t cls;      /* class; next free slot when free */
    uint32_t src, dst; /* endpoints (not interpreted) */
    uint8_t state;     /* FLOW_* */
    uint16_t tag;      /* owner's data (spec.tag) */
};

struct cpn_flow_member {
    double finish; /* finish point on the class's cumulative per-flow service [B] */
    uint32_t flow; /* flow slot */
};

struct cpn_flow_class {
    double weight; /* max-min weight */
    double cap;    /* per-flow rate bound [B/s] (INFINITY: none) */
    union {
        double anchor;  /* in a resource group g: per-flow service = weight x (V_g - anchor) */
        double service; /* otherwise: cumulative per-flow service at t_service [B] */
    };
    double t_service; /* [s] */
    double brate;     /* at its bound: its per-flow rate, set by the last solve [B/s] */
    union {           /* min-heap of members' finish points: see class_members() */
        struct cpn_flow_member *heap; /* hcap > 1: allocated */
        struct cpn_flow_member one;   /* hcap <= 1: in place (a class of one flow is the
                                       * common case: no allocation) */
    };
    uint32_t *pp; /* pp[i]: the pair of hop i in its group (none in no group) */
    uint32_t n;   /* sharing members */
    uint32_t path;
    uint32_t grp;  /* group: a resource id (its bottleneck), n_res + own id (at its bound), or
                    * GRP_NONE */
    uint32_t gpos; /* position in its resource group's heap */
    uint32_t tpos; /* at its bound: position of its completion timer, else CPN_NONE; next free
                    * class when free */
    uint32_t stamp, fstamp; /* in play and frozen marks of the current solve */
    uint32_t hlen, hcap, pcap, refs;
    uint8_t dirty; /* DIRTY_* bits: queued for the next solve */
};

/* An entry of a group's list of pairs: the pair and its resource (kept here, so that the walk
 * of a group's resources in a solve reads one contiguous array, not the pairs). */
struct cpn_flow_gref {
    uint32_t pair, r;
};

/* An entry of a group's heap: a class by the virtual time of its earliest member's finish. */
struct cpn_flow_gentry {
    double key; /* anchor + finish / weight [B per unit weight] */
    uint32_t cls;
};

/* The group of the classes bottlenecked at one resource.  They run at weight x theta; their
 * service is kept on the group's virtual time V = integral of theta dt (a processor-sharing
 * clock), so a change of theta moves one timer, whatever the number of classes. */
struct cpn_flow_group {
    double theta;                 /* level [B/s per unit weight] */
    double vtime;                 /* V at t_v [B per unit weight] */
    double t_v;                   /* [s] */
    double theta_new;             /* solver: level found by the filling */
    struct cpn_flow_gentry *heap; /* classes by next completion */
    struct cpn_flow_gref *pairs;  /* its pairs, with their resources */
    uint32_t hlen, hcap, plen, pcap;
    uint32_t tpos;          /* position of its completion timer, else CPN_NONE */
    uint32_t stamp, fstamp; /* in play and frozen marks of the current solve */
    uint32_t fhead;         /* solver: its pairs on the resources of the filling (linked by
                             * their fnext), valid while flist equals the solve's stamp */
    uint32_t flist;         /* solver: the stamp of the solve that listed them (init_resources()) */
    uint8_t retime;         /* listed in net->retime */
    uint8_t bvalid;         /* bmin is up to date */
    double bmin;            /* smallest bound / weight of its classes (when bvalid) */
};

/* What a group puts on a resource. */
struct cpn_flow_pair {
    double a;       /* sum over the group's classes' hops on the resource of n x weight */
    double vmark;   /* its group's clock when a last changed (bytes up to then are in the
                     * resource's bytes): see pair_fold() [B per unit weight] */
    uint32_t g;     /* group (CPN_NONE: free, next free pair in r) */
    uint32_t r;     /* resource */
    uint32_t cnt;   /* number of (class, hop) incidences behind a */
    uint32_t gi;    /* index in the group's pair list (resource groups) */
    uint32_t ri;    /* index in the resource's pair list */
    uint32_t fnext; /* solver: the next of its group's pairs on the resources of the filling
                     * (struct cpn_flow_group's fhead) */
};

/* An entry of a resource's list of pairs: the pair and its group (kept here, so that finding
 * a group's pair on a resource scans one contiguous array). */
struct cpn_flow_ref {
    uint32_t pair, g;
};

struct cpn_flow_resource {
    /* What the solve reads comes first. */
    double capacity;            /* [B/s] */
    double u;                   /* solver: weight of the unfrozen classes crossing it */
    double u_base;              /* solver: last exact u */
    double frozen;              /* solver: sum of frozen rates [B/s] */
    struct cpn_flow_ref *pairs; /* pairs (g, this resource) */
    uint32_t plen, pcap;
    uint32_t ucnt;  /* solver: unfrozen (class, hop) incidences */
    uint32_t lcnt;  /* solver: of which by classes in no group */
    uint32_t stamp; /* reached in this solve */
    uint32_t fill;  /* solver: equal to the solve's stamp when a constraint of its filling (not
                     * slack, or changed) */
    uint8_t dirty;
    uint8_t coupled;   /* not slack when last reached */
    double demand;     /* sum over crossing classes of min(n x cap, cmin) [B/s] (kept
                        * incrementally) */
    double wsum;       /* sum over crossing classes of n x weight (kept incrementally) */
    double bytes;      /* bytes carried up to its pairs' marks (res_bytes() adds the rest) [B] */
    double busy;       /* length of the busy periods that ended [s] */
    double t_busy;     /* start of the current busy period (nflows > 0) [s] */
    double util;       /* integral of load / capacity up to the bytes mark [s] */
    double bytes_mark; /* bytes carried at the last capacity change [B] */
    uint32_t nflows;
};

struct cpn_flow_path {
    double cmin;       /* smallest capacity on it (INFINITY for none) [B/s] */
    uint32_t off, len; /* hops in the arena */
    uint32_t min_res;  /* a hop of smallest capacity (CPN_NONE for none) */
    uint64_t hash;
    uint8_t distinct; /* its hops are distinct resources (checked up to FLOW_DISTINCT hops) */
};

/* Paths up to this many hops are checked for repeated resources when interned (O(hops^2)
 * once); longer ones count as repeating (a slower but general way into groups). */
#define FLOW_DISTINCT 64

/* Kinds of the filling's entries, also their order at equal keys (higher first). */
enum { ENTRY_BOUND = 0, ENTRY_GROUP_BOUND = 1, ENTRY_RES = 2, ENTRY_RES_GROUP = 3 };

/* An entry of the filling.  Laid out so that its 16 bytes, read as one unsigned 128-bit
 * integer (little-endian: key in the high half), order entries as the filling takes them: by
 * key (a non-negative double, whose bits order as its value), at equal keys by rank (higher
 * first), then by seq (see entry_make() in flowsolve.c). */
struct cpn_flow_sentry {
    uint32_t item;  /* resource, group (its resource id), or CAP_ITEM | class */
    uint32_t order; /* (3 - rank) << 30 | seq: rank ENTRY_*, what item is */
    double key;     /* level [B/s per unit weight], >= 0 (not -0) */
};

/* A class that the filling froze on its own, and where it goes. */
struct cpn_flow_move {
    double new_rate; /* per flow [B/s] */
    uint32_t cls;
    uint32_t dest; /* resource group, or n_res + cls (its bound) */
    uint8_t reuse; /* it left a group in this solve: its emptied pairs may be given to dest */
};

/* An internal timer: a flow's join (latency over), a group's or a class's at its bound
 * next completion.  Timers live in two min-heaps ordered by (time, seq), joins apart from
 * completions, served by one engine event, the "tick", scheduled at the earliest timer (or
 * now, when a re-solve is pending).  Ids: TIMER_FLOW | flow slot, a resource id (its group),
 * or n_res + class id (a class at its cap). */
#define TIMER_FLOW 0x80000000u
struct cpn_flow_timer {
    double time;  /* [s] */
    uint64_t seq; /* tie-break: order of setting */
    uint32_t id;
};

/* A growable heap of timers (the layout of CPN_ARRAY, so that its macros apply). */
struct cpn_flow_timerheap {
    struct cpn_flow_timer *items;
    size_t len, cap;
};

struct cpn_flow_donerec {
    struct cpn_flow_done info;
    cpn_flow_done_fn *fn;
    void *ctx;
};

struct cpn_flownet {
    struct cpn_engine *eng;
    struct cpn_flow_resource *res;
    struct cpn_flow_group *groups; /* one per resource */
    uint32_t n_res;
    CPN_ARRAY(struct cpn_flow_rec) flows;
    uint32_t free_flow;
    CPN_ARRAY(struct cpn_flow_class) classes;
    uint32_t free_class, live_classes;
    CPN_ARRAY(struct cpn_flow_pair) pairs;
    uint32_t free_pair;
    CPN_ARRAY(uint32_t) arena;
    CPN_ARRAY(struct cpn_flow_path) paths;
    uint32_t *ptab, *ctab; /* open-addressing tables of path and class ids */
    size_t ptab_size, ctab_size, ctab_used;
    CPN_ARRAY(uint32_t) dirty_cls;
    CPN_ARRAY(uint32_t) dirty_res;
    /* Solver workspace. */
    CPN_ARRAY(uint32_t) play;    /* resource groups in play */
    CPN_ARRAY(uint32_t) loose;   /* classes in play on their own (no group, or at their bound) */
    CPN_ARRAY(uint32_t) reached; /* resources reached */
    CPN_ARRAY(uint32_t) retime;  /* resource groups whose timer must be set again */
    CPN_ARRAY(uint32_t) garbage; /* pairs emptied during the solve */
    CPN_ARRAY(uint32_t) pick;    /* members of a group leaving it; groups a walk joins */
    CPN_ARRAY(struct cpn_flow_move) moves;
    CPN_ARRAY(struct cpn_flow_sentry) heap;
    CPN_ARRAY(struct cpn_flow_sentry) risen;    /* the entries whose key rose (flowsolve.c) */
    CPN_ARRAY(struct cpn_flow_sentry) bucketed; /* a large filling's entries by bucket */
    CPN_ARRAY(struct cpn_flow_donerec) done;
    size_t n_flows, n_active;
    uint32_t stamp;
    size_t fill_live;     /* filling: unfrozen incidences on resources in the filling (sum of
                           * their ucnt) */
    uint32_t fill_bounds; /* filling: live bound entries in its queue (classes and groups
                           * marked FILL_COUNTED) */
    struct cpn_flow_timerheap timers[2]; /* completions, joins */
    uint64_t timer_seq;
    struct cpn_engine_timer tick; /* the tick (sim/engine.h's timer) */
    int in_tick;                  /* the tick handler is running (callbacks included) */
    double low_level; /* lowest old level of a class that lost flows since the last solve, 0
                       * after a capacity change [B/s]; INFINITY when none */
    struct cpn_flow_stats stats;
};

static inline const uint32_t *path_hops(const struct cpn_flownet *net, uint32_t pid, uint32_t *n)
{
    const struct cpn_flow_path *p = &net->paths.items[pid];
    *n = p->len;
    return net->arena.items + p->off;
}

/* Bring a group's virtual time up to @p now (at its current level). */
static inline void group_advance(struct cpn_flow_group *g, double now)
{
    if (now > g->t_v) {
        g->vtime += g->theta * (now - g->t_v);
        g->t_v = now;
    }
}

/* The member heap of a class (hlen entries). */
static inline struct cpn_flow_member *class_members(struct cpn_flow_class *c)
{
    return c->hcap > 1 ? c->heap : &c->one;
}
static inline const struct cpn_flow_member *class_members_c(const struct cpn_flow_class *c)
{
    return c->hcap > 1 ? c->heap : &c->one;
}

/* The most that the n flows of a class can take together: its cap each, and its path's smallest
 * capacity [B/s]. */
static inline double class_demand(const struct cpn_flownet *net, const struct cpn_flow_class *c,
                                  uint32_t n)
{
    return n ? min2(n * c->cap, net->paths.items[c->path].cmin) : 0;
}

/* Can resource @p r bind?  It is slack, and neither links the groups crossing it nor needs
 * re-solving when they change, while the bounds of the classes crossing it (each at most its
 * cap and its own path's smallest capacity shared by its flows) sum to at most its capacity.
 * (A single class filling its path's smallest link is the common case of equality.)  The sum
 * is kept incrementally; its drift (~1e-16 relative per update) could only misjudge a resource
 * whose demand exceeds its capacity by as little, which no rate can exceed by more. */
static inline int res_coupled(const struct cpn_flow_resource *r)
{
    return r->demand > r->capacity;
}

/* Does a solve reach resource @p r (collect())?  When it can bind now (res_coupled()) or could
 * when last reached (r->coupled): a resource slack then and now neither links the groups crossing
 * it nor constrains the filling, and what changes on it changes nothing for them. */
static inline uint32_t res_reachable(const struct cpn_flow_resource *r)
{
    return r->coupled | (uint32_t)res_coupled(r);
}

/* The per-flow bound of a class of @p n flows [B/s]: its cap, and its path's smallest capacity
 * shared by its flows. */
static inline double class_bound(const struct cpn_flownet *net, const struct cpn_flow_class *c,
                                 uint32_t n)
{
    return n ? min2(c->cap, net->paths.items[c->path].cmin / n) : c->cap;
}

/* The current per-flow rate of a class [B/s]: weight x its group's level, its bound as of the
 * last solve, or 0 before its first solve. */
static inline double class_rate(const struct cpn_flownet *net, const struct cpn_flow_class *c)
{
    return c->grp < net->n_res  ? c->weight * net->groups[c->grp].theta
           : c->grp == GRP_NONE ? 0
                                : c->brate;
}

/* A group's virtual time at @p now >= its t_v (what group_advance() would store). */
static inline double group_vtime(const struct cpn_flow_group *g, double now)
{
    return now > g->t_v ? g->vtime + g->theta * (now - g->t_v) : g->vtime;
}

/* The cumulative per-flow service of a class at @p now [B]. */
static inline double class_service(const struct cpn_flownet *net, const struct cpn_flow_class *c,
                                   double now)
{
    if (c->grp < net->n_res)
        return c->weight * (group_vtime(&net->groups[c->grp], now) - c->anchor);
    return now > c->t_service ? c->service + class_rate(net, c) * (now - c->t_service) : c->service;
}

/* The clock of group @p g at @p now [B per unit weight]: a resource group's virtual time, or a
 * class at its bound's per-flow service / weight.  A class of group g crossing a resource puts
 * n x weight x (the clock's advance) bytes on it, so a pair of weight a carries a x (advance). */
static inline double pair_clock(const struct cpn_flownet *net, uint32_t g, double now)
{
    if (g < net->n_res)
        return group_vtime(&net->groups[g], now);
    const struct cpn_flow_class *c = &net->classes.items[g - net->n_res];
    return class_service(net, c, now) / c->weight;
}

/* Bytes carried by pair @p p up to its group's clock @p v go to its resource; its weight may
 * then change.  (Link accounting is lazy: a level change costs nothing here.) */
static inline void pair_fold(const struct cpn_flownet *net, struct cpn_flow_pair *p, double v)
{
    if (p->cnt)
        net->res[p->r].bytes += p->a * (v - p->vmark);
    p->vmark = v;
}

/**
 * Re-solve what changed since the last solve (dirty classes and resources): collect the groups
 * and classes in play, run progressive filling over them, apply the new levels (resource loads,
 * group and class timers, classes that change group).
 * @return CPN_OK or CPN_ENOMEM.  See docs/models-network.md §1.4 for the cost.
 */
int cpn_flow_solve_(struct cpn_flownet *net, double now);

/** Put class @p cid (its service at @p now in c->service, c->t_service = now) into group
 *  @p dest: a resource id, or n_res + cid for its bound (c->brate set).  With @p reuse, the
 *  class left a group in this solve with deferred freeing, and its emptied pairs (c->pp) may be
 *  given to @p dest.  @return CPN_OK or CPN_ENOMEM. */
int cpn_flow_group_enter_(struct cpn_flownet *net, uint32_t cid, uint32_t dest, double now,
                          int reuse);

/** Take class @p cid out of its group: its service at @p now goes to c->service (t_service =
 *  now), its pairs lose it (emptied pairs are freed, or queued on net->garbage when @p defer).
 *  Its group's timer is not moved. */
void cpn_flow_group_leave_(struct cpn_flownet *net, uint32_t cid, double now, int defer);

/** The member count of class @p c changes by @p dn (its rate unchanged until the next solve):
 *  keep loads, weight sums, flow counts and its group's pairs in step. */
void cpn_flow_class_resize_(struct cpn_flownet *net, struct cpn_flow_class *c, int64_t dn,
                            double now);

/** The earliest member of class @p cid changed: move its entry in its group's heap and queue
 *  that group's timer (or set its own timer at its bound).  @return CPN_OK or CPN_ENOMEM. */
int cpn_flow_class_rekey_(struct cpn_flownet *net, uint32_t cid, double now);

/** Free the empty pair @p id (out of its resource's and group's lists).  O(1). */
void cpn_flow_pair_delete_(struct cpn_flownet *net, uint32_t id);

/** (Re)set the completion timer of class @p cid at its bound (rate c->brate).
 *  @return CPN_OK or CPN_ENOMEM. */
int cpn_flow_cap_schedule_(struct cpn_flownet *net, uint32_t cid, double now);

/** Queue the timer of resource group @p r to be set again (once, by cpn_flow_retime_flush_()).
 *  @return CPN_OK or CPN_ENOMEM. */
int cpn_flow_retime_(struct cpn_flownet *net, uint32_t r);

/** Set the timers queued by cpn_flow_retime_().  @return CPN_OK or CPN_ENOMEM. */
int cpn_flow_retime_flush_(struct cpn_flownet *net, double now);

/** Set (insert or move) the timer @p id to @p time [s].  @return CPN_OK or CPN_ENOMEM.
 *  O(log T), T the timers of its heap. */
int cpn_flow_timer_set_(struct cpn_flownet *net, uint32_t id, double time);

/** Remove the timer @p id if it has one.  O(log T). */
void cpn_flow_timer_remove_(struct cpn_flownet *net, uint32_t id);

/** Remove the earliest timer of the joins' heap (@p join 1) or the completions' (0), which must
 *  not be empty; returns its id.  O(log T). */
uint32_t cpn_flow_timer_pop_(struct cpn_flownet *net, int join);

/** The earliest timer of the network, or NULL when there is none.  O(1). */
const struct cpn_flow_timer *cpn_flow_timer_first_(const struct cpn_flownet *net);

#endif /* CPN_MODELS_NET_FLOW_INTERNAL_H */
