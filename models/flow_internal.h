/* Internal state of the flow network, shared by models/flow.c (API, pools, timers, events) and
 * models/flowsolve.c (component collection and progressive filling).  Not a public header. */
#ifndef CPN_MODELS_FLOW_INTERNAL_H
#define CPN_MODELS_FLOW_INTERNAL_H

#include <stdint.h>

#include "models/flow.h"
#include "sim/array.h"
#include "sim/evq.h"

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

/* A solve keeps frozen, at their old rates, the classes whose level (rate / weight) lies below
 * the lowest level the pending changes can affect (see cpn_flow_solve_()).  That level is
 * estimated from below; this relative margin keeps the estimate below the rounding of the
 * weight sums it is computed from (~1e-13 relative), so only classes that are certainly
 * unaffected are kept. */
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

/* Up to this many entries (coupled resources + class bounds) the filling sorts its entries once
 * instead of keeping a heap (WAN benchmark, 1e6 flows: 99.9% of the fillings have at most 64
 * entries, 10 on average, and one in ten pops finds a stale key). */
#define FLOW_SORTED 64

#define CAP_ITEM 0x80000000u /* solver heap item tag: a class's cap instead of a resource */

enum { FLOW_FREE = 0, FLOW_PENDING, FLOW_ACTIVE };

/* Why a class awaits the solve (bits of its dirty field). */
enum { DIRTY_CHANGED = 1, DIRTY_GREW = 2 };

struct cpn_flow_rec {
    double size;            /* bytes [B] */
    double start;           /* creation time [s] */
    cpn_flow_done_fn *done; /* owner's callback */
    void *ctx;              /* owner's context */
    uint64_t id;            /* owner's id */
    uint32_t pos;  /* pending: position of its join timer (else CPN_NONE); sharing: position in
                    * its class's member heap */
    uint32_t gen;  /* generation of the slot (never 0) */
    uint32_t cls;  /* class; next free slot when free */
    uint32_t src, dst; /* endpoints (not interpreted) */
    uint8_t state; /* FLOW_* */
};

struct cpn_flow_member {
    double finish; /* finish point on the class's cumulative service [B] */
    uint32_t flow; /* flow slot */
};

struct cpn_flow_class {
    /* What the solve reads of every class it meets comes first (one cache line). */
    uint32_t stamp, fstamp; /* component and frozen marks of the current solve */
    uint32_t n;       /* sharing members */
    uint32_t path;
    uint32_t slot;    /* its index in the solve's component (valid while stamp is current) */
    uint32_t min_res; /* a hop of smallest capacity (CPN_NONE for an empty path) */
    double weight;    /* max-min weight */
    double bound;     /* min(cap, min_capacity / n) [B/s] */
    double rate;      /* current per-flow rate [B/s] */
    double cap;       /* per-flow rate bound [B/s] */
    uint8_t dirty;    /* DIRTY_* bits: queued for the next solve */
    double service;   /* cumulative per-flow service at t_service [B] */
    double t_service; /* [s] */
    double min_capacity; /* smallest capacity on the path (INFINITY for none) [B/s] */
    struct cpn_flow_member *heap; /* min-heap of members' finish points */
    uint32_t *pos;       /* pos[i]: index of this class in the list of hop i */
    uint32_t hlen, hcap, pcap;
    uint32_t refs;
    uint32_t tpos;    /* position of its completion timer, else CPN_NONE; next free class when free */
};

/* What the solve keeps per component class. */
struct cpn_flow_scratch {
    double new_rate;     /* the filling's result [B/s] */
    uint32_t xoff, xlen; /* its hops that are in the filling, in net->xhops */
};

struct cpn_flow_resource {
    /* What component collection and the filling read comes first (one cache line). */
    double capacity; /* [B/s] */
    double demand;   /* sum over crossing classes of n x bound [B/s] (kept incrementally) */
    double wsum;     /* sum over crossing classes of n x weight (kept incrementally) */
    double weight;   /* solver: weight of unfrozen flows */
    double frozen;   /* solver: sum of frozen rates [B/s] */
    uint32_t *list; /* the classes crossing it (a class crossing it twice is listed twice) */
    uint32_t len, cnt;
    uint32_t stamp, xstamp; /* xstamp: expanded in this solve */
    uint8_t dirty;
    uint8_t coupled; /* not slack at the last visit (see collect()) */
    double weight_base; /* solver: last exact weight */
    double load;     /* [B/s] */
    double bytes;    /* [B] */
    double busy;     /* [s] */
    double util;     /* integral of load / capacity up to the bytes mark [s] */
    double bytes_mark; /* bytes carried at the last capacity change [B] */
    double t_acct;   /* accounting integrated up to here [s] */
    uint32_t cap, nflows;
};

struct cpn_flow_path {
    uint32_t off, len; /* hops in the arena */
    uint64_t hash;
};

struct cpn_flow_sentry {
    double key;    /* share level [B/s per unit weight] */
    uint32_t item; /* resource, or CAP_ITEM | class */
};

/* An internal timer: a flow's join (latency over) or a class's next completion.  All timers
 * share one min-heap ordered by (time, seq) and one engine event, the "tick", scheduled at the
 * earliest timer (or now, when a re-solve is pending). */
#define TIMER_FLOW 0x80000000u
struct cpn_flow_timer {
    double time;  /* [s] */
    uint64_t seq; /* tie-break: order of setting */
    uint32_t id;  /* class id, or TIMER_FLOW | flow slot */
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
    uint32_t n_res;
    CPN_ARRAY(struct cpn_flow_rec) flows;
    uint32_t free_flow;
    CPN_ARRAY(struct cpn_flow_class) classes;
    uint32_t free_class, live_classes;
    CPN_ARRAY(uint32_t) arena;
    CPN_ARRAY(struct cpn_flow_path) paths;
    uint32_t *ptab, *ctab; /* open-addressing tables of path and class ids */
    size_t ptab_size, ctab_size, ctab_used;
    CPN_ARRAY(uint32_t) dirty_cls;
    CPN_ARRAY(uint32_t) dirty_res;
    CPN_ARRAY(uint32_t) comp_cls;
    CPN_ARRAY(struct cpn_flow_scratch) comp; /* per component class, same order as comp_cls */
    CPN_ARRAY(uint32_t) comp_res;
    CPN_ARRAY(uint32_t) xhops; /* per component class: its expanded hops */
    CPN_ARRAY(struct cpn_flow_sentry) heap;
    CPN_ARRAY(struct cpn_flow_donerec) done;
    size_t n_flows, n_active;
    uint32_t stamp;
    /* Two min-heaps: the classes' completions (few: one per sharing class) and the flows' joins
     * (one per flow in its latency phase, often many more), so that the frequent moves of
     * completion timers work on a small heap. */
    struct cpn_flow_timerheap timers[2];
    uint64_t timer_seq;
    cpn_evh tick_ev;  /* the pending tick, or CPN_EVH_NONE */
    double tick_time; /* its time [s] */
    int in_tick;      /* the tick handler is running (callbacks included) */
    double low_level; /* lowest old level (rate / weight) of a class that lost flows since the
                       * last solve, 0 after a capacity change [B/s]; INFINITY when none */
    struct cpn_flow_stats stats;
};

static inline void account(struct cpn_flow_resource *r, double now)
{
    double dt = now - r->t_acct;
    if (dt > 0) {
        r->bytes += r->load * dt;
        if (r->load > 0)
            r->busy += dt;
    }
    r->t_acct = now;
}

/* The utilisation integral: while the capacity is constant it is (bytes - mark) / capacity, so
 * the hot path keeps no division; a capacity change closes the interval (account_capacity()). */
static inline double account_util(const struct cpn_flow_resource *r)
{
    return r->util + (r->capacity > 0 ? (r->bytes - r->bytes_mark) / r->capacity : 0);
}

static inline void account_capacity(struct cpn_flow_resource *r, double now, double capacity)
{
    account(r, now);
    r->util = account_util(r);
    r->bytes_mark = r->bytes;
    r->capacity = capacity;
}

static inline const uint32_t *path_hops(const struct cpn_flownet *net, uint32_t pid, uint32_t *n)
{
    const struct cpn_flow_path *p = &net->paths.items[pid];
    *n = p->len;
    return net->arena.items + p->off;
}

static inline void class_advance(struct cpn_flow_class *c, double now)
{
    if (now > c->t_service) {
        c->service += c->rate * (now - c->t_service);
        c->t_service = now;
    }
}

/**
 * Re-solve the components touched since the last solve (dirty classes and resources): collect
 * them, run progressive filling, apply the new rates (resource loads, class timers).
 * @return CPN_OK or CPN_ENOMEM.  O((K + R) log(K + R) + sum of path lengths) for a component of
 *         K classes and R coupled resources.
 */
int cpn_flow_solve_(struct cpn_flownet *net, double now);

/** Set (insert or move) the timer of @p id (a class, or TIMER_FLOW | flow slot) to @p time [s].
 *  @return CPN_OK or CPN_ENOMEM.  O(log T), T the timers of its heap. */
int cpn_flow_timer_set_(struct cpn_flownet *net, uint32_t id, double time);

/** Remove the timer of @p id if it has one.  O(log T). */
void cpn_flow_timer_remove_(struct cpn_flownet *net, uint32_t id);

/** The earliest timer of the network, or NULL when there is none.  O(1). */
const struct cpn_flow_timer *cpn_flow_timer_first_(const struct cpn_flownet *net);

/** (Re)set the completion timer of a class for its earliest member (none at rate 0). */
int cpn_flow_schedule_(struct cpn_flownet *net, struct cpn_flow_class *c, double now);

#endif /* CPN_MODELS_FLOW_INTERNAL_H */
