/* Compute centers: pools, FCFS / EASY local queues, energy and cost accounting (see center.h). */
#include "models/centers/center.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_heapsort.h>

#include "sim/array.h"
#include "sim/engine.h"
#include "sim/error.h"

/* A submitted request: one slot of the center's request table (slots are reused). */
struct request {
    uint32_t id;         /* owner's id */
    uint32_t pool;       /* pool index */
    uint32_t units;      /* units wanted */
    int backfilled;      /* started ahead of an earlier-submitted request */
    double runtime;      /* actual runtime [s] */
    double walltime;     /* estimate used by the scheduler [s] */
    double submit;       /* [s] */
    double start;        /* [s], NaN while queued */
    double expected_end; /* start + walltime [s] */
    double end_time;     /* when its end event fires: start + duration [s] (while pending) */
    double reservation;  /* earliest reservation held as blocked head [s] */
    cpn_evh end_event;   /* pending end event while running */
    uint32_t milli;      /* share of a unit in 1/1000 on a shareable pool (1..999); 0: whole */
    uint32_t shared;     /* while running with a share: the shared unit it is on */
    uint32_t took;       /* units it took from the free ones when it started */
};

/* A running request in the pool's set, sorted by expected end. */
struct running {
    double end;     /* expected end = start + walltime [s] */
    uint32_t slot;  /* request slot */
    uint32_t units; /* units held */
};

/* A future release of units in the start-time projection. */
struct release {
    double time;    /* [s] */
    uint32_t units; /* released at `time`; after the projection, the free units from `time` */
};

struct pool {
    struct cpn_pool_spec spec;         /* name and accelerator owned by the pool */
    uint32_t free_units;               /* units free now */
    CPN_ARRAY(uint32_t) queue;         /* request slots in submission order; CPN_NONE = removed */
    size_t head;                       /* index of the first entry that may be live */
    size_t queued;                     /* live entries */
    size_t holes;                      /* CPN_NONE entries at index >= head */
    double queued_work;                /* sum of units x walltime of live entries with a finite
                                          walltime [unit s] */
    size_t queued_unbounded;           /* live entries whose walltime is infinite */
    CPN_ARRAY(struct running) running; /* sorted by (end, insertion order) */
    int in_pass;                       /* a scheduling pass is running on this pool */
    /* Result of the last pass, valid until a request ends: the blocked head and its
     * reservation (EASY's shadow time and extra units; also FCFS's expected head start). */
    int pass_valid;
    uint32_t head_slot; /* CPN_NONE when the queue is empty */
    double shadow;      /* [s] */
    uint32_t extra;     /* [units] */
    /* Accounting, integrated up to last_time. */
    double last_time;         /* [s] */
    double busy_unit_seconds; /* [unit s] */
    double it_energy;         /* [J] */
    uint64_t submitted, rejected, started, backfilled, completed, killed, failed, withdrawn;
    /* GPU sharing (spec.shareable): per shared unit, the thousandths of it used by the
     * requests with a share on it (0: not shared now, counted in free_units when free); how
     * many are in use; the thousandths used in all. */
    uint16_t *shared_used;
    uint32_t shared_active;
    double shared_milli;
    uint32_t shared_cap; /* length of shared_used (the most units the pool has had) */
    /* Resizing (cpn_center_set_pool_units): units removed while running requests held them,
     * leaving as those requests end; the integral of the units present [unit s]. */
    uint32_t owed;
    double capacity_seconds;
    uint32_t max_units; /* the most units the pool has had */
    /* Start-time projection (cpn_center_estimate_start), cached until the pool changes. */
    int projection_valid;
    double projection_now;              /* time it was built at [s] */
    double projection_cursor;           /* start of the last queued request [s] */
    uint32_t projection_free;           /* units free at the cursor */
    CPN_ARRAY(struct release) releases; /* heap while building; sorted + cumulative after */
    /* The backfill index of an EASY pool (bf_build()): nodes 1 .. 2 bf_size - 1 of a min
     * segment tree over queue positions, leaf bf_size + i for position i. */
    size_t bf_size;     /* leaves: a power of two at least queue.len; 0 until the first entry */
    uint32_t *bf_units; /* per node: the fewest units an entry below can take [units] */
    double *bf_wall;    /* per node: the shortest walltime of an entry below [s] */
};

struct cpn_center {
    struct cpn_center_spec spec; /* id owned */
    struct cpn_engine *eng;      /* borrowed */
    struct cpn_center_hooks hooks;
    double created; /* engine time at creation [s] */
    CPN_ARRAY(struct pool) pools;
    CPN_ARRAY(struct request) requests;
    CPN_ARRAY(uint32_t) free_slots;
    CPN_ARRAY(uint32_t) ending;                /* requests ending at this instant (scratch) */
    CPN_ARRAY(struct cpn_request_event) ended; /* their end events, for the owner (scratch) */
    int sealed;                                /* a request was submitted: no more pools */
    /* Tariff changes (cpn_center_set_tariff): electricity cost and carbon of the facility
     * energy before the last change, and that energy [currency, kg, J]. */
    double cost_folded, carbon_folded, energy_folded;
    int down; /* cpn_center_set_up(): nothing starts while down */
};

/* Compact the queue once removed entries outnumber live ones (and the array is not tiny):
 * removal is O(1), compaction O(len) amortised over at least len/2 removals. */
#define QUEUE_COMPACT_MIN 64

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void cpn_center_spec_init(struct cpn_center_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->kind = CPN_CENTER_HPC;
    spec->lat = NAN;
    spec->lon = NAN;
    spec->node = CPN_NONE;
    spec->pue = 1.0;
    spec->discipline = CPN_QUEUE_EASY;
    spec->walltime = CPN_WALLTIME_KILL;
}

/* Check a quantity: >= 0, not NaN, and finite unless allow_infinite. */
static int check_quantity(const char *center, const char *what, const char *field, double v,
                          int allow_infinite)
{
    if (v >= 0 && (allow_infinite || isfinite(v)))
        return CPN_OK;
    return CPN_ERROR(CPN_ESCENARIO, "center \"%s\"%s: %s %.15g is invalid (use a %snumber >= 0)",
                     center, what, field, v, allow_infinite ? "" : "finite ");
}

static int check_spec(const struct cpn_center_spec *s)
{
    if (!s->id || !*s->id)
        return CPN_ERROR(CPN_ESCENARIO, "center: the id is empty (give every center a name)");
    if (!(s->pue >= 1) || !isfinite(s->pue))
        return CPN_ERROR(CPN_ESCENARIO, "center \"%s\": pue %.15g is invalid (use a number >= 1)",
                         s->id, s->pue);
    int rc;
    if ((rc = check_quantity(s->id, "", "storage capacity [B]", s->storage_capacity, 1)) ||
        (rc = check_quantity(s->id, "", "storage read bandwidth [B/s]", s->storage_read_bandwidth,
                             1)) ||
        (rc = check_quantity(s->id, "", "storage write bandwidth [B/s]", s->storage_write_bandwidth,
                             1)) ||
        (rc = check_quantity(s->id, "", "electricity price [currency/J]", s->electricity_price,
                             0)) ||
        (rc = check_quantity(s->id, "", "unit price [currency/(unit s)]", s->unit_price, 0)) ||
        (rc = check_quantity(s->id, "", "carbon intensity [kg/J]", s->carbon_intensity, 0)))
        return rc;
    return CPN_OK;
}

int cpn_center_new(const struct cpn_center_spec *spec, struct cpn_engine *eng,
                   const struct cpn_center_hooks *hooks, struct cpn_center **out)
{
    if (!spec || !eng || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_center_new: spec, engine and out must not be NULL");
    *out = NULL;
    if ((unsigned)spec->kind >= CPN_CENTER_NKINDS ||
        (unsigned)spec->discipline >= CPN_QUEUE_NDISCIPLINES ||
        (unsigned)spec->walltime >= CPN_WALLTIME_NPOLICIES)
        return CPN_ERROR(CPN_EINVAL,
                         "cpn_center_new: kind %d, discipline %d or walltime policy "
                         "%d out of range",
                         (int)spec->kind, (int)spec->discipline, (int)spec->walltime);
    int rc = check_spec(spec);
    if (rc != CPN_OK)
        return rc;
    struct cpn_center *c = calloc(1, sizeof *c);
    if (!c)
        return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", spec->id);
    c->spec = *spec;
    c->spec.id = copy_string(spec->id);
    if (!c->spec.id)
        goto fail;
    c->eng = eng;
    if (hooks)
        c->hooks = *hooks;
    c->created = cpn_engine_now(eng);
    *out = c;
    return CPN_OK;
fail:
    cpn_center_free(c);
    return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", spec->id);
}

void cpn_center_free(struct cpn_center *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->pools.len; i++) {
        struct pool *p = &c->pools.items[i];
        for (size_t k = 0; k < p->running.len; k++)
            cpn_engine_cancel(c->eng, c->requests.items[p->running.items[k].slot].end_event);
        free((char *)p->spec.name);
        free((char *)p->spec.accelerator);
        cpn_array_release(&p->queue);
        cpn_array_release(&p->running);
        cpn_array_release(&p->releases);
        free(p->shared_used);
        free(p->bf_units);
        free(p->bf_wall);
    }
    cpn_array_release(&c->pools);
    cpn_array_release(&c->requests);
    cpn_array_release(&c->free_slots);
    cpn_array_release(&c->ending);
    cpn_array_release(&c->ended);
    free((char *)c->spec.id);
    free(c);
}

int cpn_center_add_pool(struct cpn_center *c, const struct cpn_pool_spec *pool, uint32_t *index)
{
    if (!c || !pool)
        return CPN_ERROR(CPN_EINVAL, "cpn_center_add_pool: center and pool must not be NULL");
    const char *id = c->spec.id;
    if (c->sealed)
        return CPN_ERROR(CPN_ESTATE,
                         "center \"%s\": pools must be added before the first "
                         "request",
                         id);
    char name[64];
    if (pool->name && *pool->name)
        snprintf(name, sizeof name, "%s", pool->name);
    else
        snprintf(name, sizeof name, "pool %zu", c->pools.len);
    char what[96];
    snprintf(what, sizeof what, " pool \"%s\"", name);
    if (pool->units == 0)
        return CPN_ERROR(CPN_ESCENARIO, "center \"%s\"%s: units 0 is invalid (use at least 1)", id,
                         what);
    int rc;
    if ((rc = check_quantity(id, what, "flops [FLOP/s]", pool->flops, 0)) ||
        (rc = check_quantity(id, what, "memory [B]", pool->memory, 0)) ||
        (rc = check_quantity(id, what, "idle power [W]", pool->idle_power, 0)) ||
        (rc = check_quantity(id, what, "peak power [W]", pool->peak_power, 0)))
        return rc;
    if (pool->idle_power > pool->peak_power)
        return CPN_ERROR(CPN_ESCENARIO,
                         "center \"%s\"%s: idle power %.15g W exceeds peak power "
                         "%.15g W (use idle <= peak)",
                         id, what, pool->idle_power, pool->peak_power);
    if (c->pools.len >= CPN_NONE - 1 || cpn_array_reserve(&c->pools, c->pools.len + 1))
        return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", id);
    struct pool p;
    memset(&p, 0, sizeof p);
    p.spec = *pool;
    p.spec.name = copy_string(pool->name && *pool->name ? pool->name : name);
    p.spec.accelerator = copy_string(pool->accelerator ? pool->accelerator : "");
    if (!p.spec.name || !p.spec.accelerator) {
        free((char *)p.spec.name);
        free((char *)p.spec.accelerator);
        return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", id);
    }
    p.free_units = pool->units;
    p.shared_cap = pool->units;
    p.max_units = pool->units;
    if (pool->shareable && !(p.shared_used = calloc(pool->units, sizeof *p.shared_used))) {
        free((char *)p.spec.name);
        free((char *)p.spec.accelerator);
        return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", id);
    }
    p.head_slot = CPN_NONE;
    p.shadow = INFINITY;
    p.pass_valid = 1;
    p.last_time = c->created; /* idle energy counts from the center's creation */
    if (index)
        *index = (uint32_t)c->pools.len;
    c->pools.items[c->pools.len++] = p;
    return CPN_OK;
}

/* Units in use now for the utilisation: whole units held, plus the used fraction of each
 * shared unit (docs/models-centers.md, "GPU sharing"). */
static double busy_units(const struct pool *p)
{
    return (double)(p->spec.units + p->owed - p->free_units - p->shared_active) +
           p->shared_milli / 1000.0;
}

/* Units physically present: the pool's size plus the removed ones still held. */
static uint32_t present_units(const struct pool *p)
{
    return p->spec.units + p->owed;
}

/* Units given back (a request ended, a shared unit emptied): they pay what a shrink still owes,
 * the rest is free. */
static void give_back(struct pool *p, uint32_t units)
{
    uint32_t pay = units < p->owed ? units : p->owed;
    p->owed -= pay;
    p->free_units += units - pay;
}

/* Integrate busy unit-seconds and IT energy up to `now` (piecewise constant since last_time).
 * Assumption: a shared unit draws its peak power however little of it is used. */
static void pool_advance(struct pool *p, double now)
{
    double dt = now - p->last_time;
    if (dt > 0) {
        double powered = (double)(present_units(p) - p->free_units);
        p->busy_unit_seconds += busy_units(p) * dt;
        p->capacity_seconds += (double)present_units(p) * dt;
        p->it_energy += (powered * p->spec.peak_power + p->free_units * p->spec.idle_power) * dt;
        p->last_time = now;
    }
}

/* Units request @p r would take from the free ones if it started now: its units; with a share
 * on a shareable pool, 0 when a shared unit has room for it (the first such, *@p unit), else 1
 * (a free unit becomes shared: the first unused index, *@p unit).  O(units). */
static uint32_t takes(const struct pool *p, const struct request *r, uint32_t *unit)
{
    if (!r->milli || !p->shared_used)
        return r->units;
    uint32_t first_unused = CPN_NONE;
    for (uint32_t i = 0; i < p->spec.units; i++) {
        uint32_t used = p->shared_used[i];
        if (used && used + r->milli <= 1000) {
            if (unit)
                *unit = i;
            return 0;
        }
        if (!used && first_unused == CPN_NONE)
            first_unused = i;
    }
    if (unit)
        *unit = first_unused;
    return 1;
}

/* Units in use that no running request gives back by itself: shared units whose takers have
 * ended (GPU sharing); they are free when the last running request ends.  0 without sharing.
 * O(r). */
static uint32_t unaccounted_units(const struct pool *p)
{
    if (!p->shared_used)
        return 0;
    uint64_t held = 0;
    for (size_t k = 0; k < p->running.len; k++)
        held += p->running.items[k].units;
    uint64_t used = present_units(p) - p->free_units;
    return used > held ? (uint32_t)(used - held) : 0;
}

/* First index in the running set whose end is > end (upper bound): O(log r). */
static size_t running_upper(const struct pool *p, double end)
{
    size_t lo = 0, hi = p->running.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->running.items[mid].end <= end)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Insert after equal ends, so equal ends keep start order: O(log r + r) (one memmove). */
static int running_insert(struct pool *p, double end, uint32_t slot, uint32_t units)
{
    if (cpn_array_reserve(&p->running, p->running.len + 1))
        return CPN_ENOMEM;
    size_t at = running_upper(p, end);
    memmove(p->running.items + at + 1, p->running.items + at,
            (p->running.len - at) * sizeof *p->running.items);
    p->running.items[at] = (struct running){end, slot, units};
    p->running.len++;
    return CPN_OK;
}

static void running_remove(struct pool *p, double end, uint32_t slot)
{
    size_t at = running_upper(p, end);
    while (at > 0 && p->running.items[at - 1].slot != slot)
        at--;
    CPN_ASSERT(at > 0 && p->running.items[at - 1].end == end);
    at--;
    memmove(p->running.items + at, p->running.items + at + 1,
            (p->running.len - at - 1) * sizeof *p->running.items);
    p->running.len--;
}

static void fill_event(const struct request *r, struct cpn_request_event *ev)
{
    ev->id = r->id;
    ev->pool = r->pool;
    ev->units = r->units;
    ev->submit = r->submit;
    ev->start = r->start;
    ev->end = NAN;
    ev->walltime = r->walltime;
    ev->reservation = r->reservation;
    ev->killed = 0;
    ev->failed = 0;
    ev->backfilled = r->backfilled;
    ev->handle = CPN_NONE;
}

static int on_end_event(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler end_handler = {on_end_event, "center_request_end", 0};

/* Start a request already removed from the queue: take its units, schedule its end, tell the
 * owner.  The owner's callback may submit more requests (growing c->requests), so no request
 * pointer is used after it. */
static int start_request(struct cpn_center *c, struct pool *p, uint32_t slot, int backfilled)
{
    double now = cpn_engine_now(c->eng);
    struct request *r = &c->requests.items[slot];
    double duration =
        c->spec.walltime == CPN_WALLTIME_KILL ? fmin(r->runtime, r->walltime) : r->runtime;
    r->end_event = CPN_EVH_NONE;
    if (isfinite(duration)) { /* else open-ended, no limit: the owner ends it */
        int rc = cpn_engine_schedule(c->eng, now + duration, &end_handler, c, slot, &r->end_event);
        if (rc != CPN_OK)
            return rc;
        r->end_time = now + duration;
    }
    uint32_t unit = CPN_NONE, took = takes(p, r, &unit);
    /* The reservation walk counts a shared unit back when its taker ends (an approximation:
     * it is free only when its last request ends). */
    if (running_insert(p, now + r->walltime, slot, took) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", c->spec.id);
    pool_advance(p, now);
    p->free_units -= took;
    r->took = took;
    if (r->milli && p->shared_used) {
        r->shared = unit;
        p->shared_active += p->shared_used[unit] == 0;
        p->shared_used[unit] = (uint16_t)(p->shared_used[unit] + r->milli);
        p->shared_milli += r->milli;
    }
    r->start = now;
    r->expected_end = now + r->walltime;
    r->backfilled = backfilled;
    p->started++;
    p->backfilled += backfilled != 0;
    p->projection_valid = 0;
    if (!c->hooks.on_start)
        return CPN_OK;
    struct cpn_request_event ev;
    fill_event(r, &ev);
    ev.handle = slot;
    return c->hooks.on_start(c->hooks.ctx, c, &ev);
}

/*
 * The backfill index.  EASY's backfill scan starts, in queue order, every request that fits
 * now: one taking at most the free units that ends by the shadow time or takes at most the
 * extra units (compute_reservation()).  Reading every queued request on every pass costs
 * O(q) a pass, and an overloaded pool holds hundreds of thousands of them while a few units
 * come free at a time (`national.xml` x10: a quarter of the run).  The index keeps, for every
 * subtree of queue positions, the fewest units an entry can take and the shortest walltime;
 * the scan jumps to the next position whose subtree may hold a fitting request, so a pass
 * costs O(log q) a candidate (O(q) at worst, when many subtrees mislead: bf_next()).  A
 * removed position holds (UINT32_MAX, INFINITY).  The scan decides on each candidate exactly
 * as before, and the skipped entries are ones it would have passed over: the schedule is the
 * same.
 */
#define BF_HOLE_UNITS UINT32_MAX
#define BF_MIN_LEAVES 64 /* the smallest index (a queue of a few entries needs no more) */

/* Leaves for an index of at least @p n positions: a power of two, at least BF_MIN_LEAVES. */
static size_t bf_leaves(size_t n)
{
    size_t size = BF_MIN_LEAVES;
    while (size < n)
        size *= 2;
    return size;
}

/* The fewest units request @p r can take when it starts (takes() gives 0 or 1 to a share). */
static uint32_t bf_units_of(const struct pool *p, const struct request *r)
{
    return r->milli && p->shared_used ? 0 : r->units;
}

/* Recompute inner node @p v from its two children; returns whether it changed. */
static int bf_node(struct pool *p, size_t v)
{
    size_t l = 2 * v, r = l + 1;
    uint32_t u = p->bf_units[l] < p->bf_units[r] ? p->bf_units[l] : p->bf_units[r];
    double w = p->bf_wall[l] < p->bf_wall[r] ? p->bf_wall[l] : p->bf_wall[r];
    int changed = u != p->bf_units[v] || w != p->bf_wall[v];
    p->bf_units[v] = u;
    p->bf_wall[v] = w;
    return changed;
}

/* Recompute every inner node, bottom up (after the leaves were rewritten).  O(leaves). */
static void bf_nodes(struct pool *p)
{
    for (size_t v = p->bf_size; v-- > 1;)
        bf_node(p, v);
}

/* Recompute the nodes above leaf @p v, stopping where nothing changes. */
static void bf_pull(struct pool *p, size_t v)
{
    for (v >>= 1; v > 0 && bf_node(p, v); v >>= 1)
        ;
}

/* Set queue position @p i of the index (room was made by bf_build()). */
static void bf_set(struct pool *p, size_t i, uint32_t units, double wall)
{
    size_t v = p->bf_size + i;
    p->bf_units[v] = units;
    p->bf_wall[v] = wall;
    bf_pull(p, v);
}

/* (Re)build the index of pool @p p from its queue, with room for at least @p len positions.
 * O(leaves).  Returns CPN_OK or CPN_ENOMEM (the old index is kept). */
static int bf_build(struct cpn_center *c, struct pool *p, size_t len)
{
    size_t size = bf_leaves(len);
    if (size != p->bf_size) {
        uint32_t *u = realloc(p->bf_units, 2 * size * sizeof *u);
        if (u)
            p->bf_units = u;
        double *w = u ? realloc(p->bf_wall, 2 * size * sizeof *w) : NULL;
        if (!w) /* (the units array, if grown, only holds more than needed) */
            return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", c->spec.id);
        p->bf_wall = w;
        p->bf_size = size;
    }
    for (size_t i = 0; i < size; i++) {
        uint32_t slot = i < p->queue.len ? p->queue.items[i] : CPN_NONE;
        const struct request *r = slot != CPN_NONE ? &c->requests.items[slot] : NULL;
        p->bf_units[size + i] = r ? bf_units_of(p, r) : BF_HOLE_UNITS;
        p->bf_wall[size + i] = r ? r->walltime : INFINITY;
    }
    bf_nodes(p);
    return CPN_OK;
}

/* May a request below node @p v fit now (its units and walltime against the free units, the
 * extra units and the shadow time)?  A necessary condition: the node's smallest units and
 * walltime may come from different requests.  (now + walltime is monotone in walltime.) */
static inline int bf_may_fit(const struct pool *p, size_t v, double now)
{
    uint32_t u = p->bf_units[v];
    return u <= p->free_units && (u <= p->extra || now + p->bf_wall[v] <= p->shadow);
}

/* The first queue position at or after @p from that may hold a request fitting now, or
 * SIZE_MAX.  O(log q) plus the subtrees entered in vain (their smallest units and walltime from
 * different requests); the calls of one pass enter disjoint subtrees, so a pass reading k
 * candidates costs O(q + k log q) at worst, and O(k log q) when few subtrees mislead. */
static size_t bf_next(const struct pool *p, size_t from, double now)
{
    if (from >= p->bf_size)
        return SIZE_MAX;
    size_t v = p->bf_size + from;
    for (;;) {
        if (bf_may_fit(p, v, now)) {
            if (v >= p->bf_size)
                return v - p->bf_size;
            v = 2 * v; /* the left subtree first: queue order */
            continue;
        }
        while (v & 1) /* a right child: its parent's subtree is done */
            v >>= 1;
        if (v == 0)
            return SIZE_MAX;
        v++; /* the next subtree to the right */
    }
}

/* Take the live entry at queue index i out of the queue (the caller then starts it). */
static uint32_t queue_take(struct cpn_center *c, struct pool *p, size_t i)
{
    uint32_t slot = p->queue.items[i];
    const struct request *r = &c->requests.items[slot];
    p->queue.items[i] = CPN_NONE;
    if (p->bf_size)
        bf_set(p, i, BF_HOLE_UNITS, INFINITY);
    if (i == p->head)
        p->head++;
    else
        p->holes++;
    p->queued--;
    if (isfinite(r->walltime))
        p->queued_work -= (double)r->units * r->walltime;
    else
        p->queued_unbounded--;
    return slot;
}

/* The queue was compacted from @p len entries to its first @p n: clear the leaves left behind,
 * shrink the index to at most four times the entries (a queue that was long once keeps no
 * large index) and recompute its nodes.  O(len + leaves). */
static void bf_compact(struct pool *p, size_t n, size_t len)
{
    size_t size = p->bf_size, want = bf_leaves(2 * n);
    for (size_t i = n; i < len; i++) {
        p->bf_units[size + i] = BF_HOLE_UNITS;
        p->bf_wall[size + i] = INFINITY;
    }
    if (want < size) {
        memmove(p->bf_units + want, p->bf_units + size, n * sizeof *p->bf_units);
        memmove(p->bf_wall + want, p->bf_wall + size, n * sizeof *p->bf_wall);
        for (size_t i = n; i < want; i++) {
            p->bf_units[want + i] = BF_HOLE_UNITS;
            p->bf_wall[want + i] = INFINITY;
        }
        size = p->bf_size = want;
        uint32_t *u = realloc(p->bf_units, 2 * size * sizeof *u); /* smaller: may stay put */
        if (u)
            p->bf_units = u;
        double *w = realloc(p->bf_wall, 2 * size * sizeof *w);
        if (w)
            p->bf_wall = w;
    }
    bf_nodes(p);
}

/* Drop removed entries: O(len), done when they are at least half the array. */
static void queue_compact(struct pool *p)
{
    if (p->queued == 0) {
        p->queue.len = p->head = p->holes = 0;
        p->queued_work = 0; /* no drift when empty */
        return;
    }
    if (p->queue.len < QUEUE_COMPACT_MIN || p->head + p->holes < p->queue.len / 2)
        return;
    size_t n = 0, len = p->queue.len, size = p->bf_size;
    for (size_t i = p->head; i < len; i++) {
        if (p->queue.items[i] == CPN_NONE)
            continue;
        p->queue.items[n] = p->queue.items[i];
        if (size) { /* the entry's leaf moves with it */
            p->bf_units[size + n] = p->bf_units[size + i];
            p->bf_wall[size + n] = p->bf_wall[size + i];
        }
        n++;
    }
    p->queue.len = n;
    p->head = p->holes = 0;
    if (size)
        bf_compact(p, n, len);
}

/* The blocked head's reservation: walk running requests by expected end until enough units
 * are free (Mu'alem & Feitelson 2001, §2: shadow time and extra nodes).  O(r). */
static void compute_reservation(struct cpn_center *c, struct pool *p)
{
    struct request *h = &c->requests.items[p->head_slot];
    uint64_t avail = p->free_units;
    size_t k = 0;
    while (avail < h->units && k < p->running.len)
        avail += p->running.items[k++].units;
    /* Shared units whose takers have ended come back when the last request ends (GPU
     * sharing); without sharing the walk always reaches the head's units (units <= pool units
     * is checked at submission). */
    if (avail < h->units)
        avail += unaccounted_units(p);
    if (avail < h->units) { /* larger than the pool is now (it shrank): it waits for it to grow */
        p->shadow = INFINITY;
        p->extra = p->free_units;
        return;
    }
    double shadow = k > 0 ? p->running.items[k - 1].end : cpn_engine_now(c->eng);
    while (k < p->running.len && p->running.items[k].end == shadow)
        avail += p->running.items[k++].units;
    p->shadow = shadow;
    p->extra = (uint32_t)(avail - h->units);
    if (shadow < h->reservation)
        h->reservation = shadow;
}

/* A full scheduling pass on one pool: start heads while they fit, then (EASY) backfill.
 * O(r + k log q) for r running requests and k of the q queue entries read by the backfill
 * scan (the backfill index's candidates; O(r + q) at worst, bf_next()); the scan stops when
 * no unit is free.  Requests submitted by callbacks during the pass are appended and seen by
 * it. */
static int pool_pass(struct cpn_center *c, struct pool *p)
{
    if (c->down) { /* nothing starts while the center is down */
        p->pass_valid = 0;
        return CPN_OK;
    }
    double now = cpn_engine_now(c->eng);
    int rc = CPN_OK;
    p->in_pass = 1;
    p->pass_valid = 0;
    while (p->head < p->queue.len) {
        uint32_t slot = p->queue.items[p->head];
        if (slot == CPN_NONE) {
            p->head++;
            p->holes--;
            continue;
        }
        if (takes(p, &c->requests.items[slot], NULL) > p->free_units)
            break;
        queue_take(c, p, p->head);
        if ((rc = start_request(c, p, slot, 0)) != CPN_OK)
            goto out;
    }
    p->head_slot = CPN_NONE;
    p->shadow = INFINITY;
    p->extra = 0;
    if (p->queued == 0) {
        p->pass_valid = 1;
        goto out;
    }
    p->head_slot = p->queue.items[p->head];
    compute_reservation(c, p);
    if (c->spec.discipline == CPN_QUEUE_EASY) {
        /* Only the entries the backfill index says may fit are read. */
        for (size_t i = bf_next(p, p->head + 1, now); i < p->queue.len && p->free_units > 0;
             i = bf_next(p, i + 1, now)) {
            uint32_t slot = p->queue.items[i];
            if (slot == CPN_NONE)
                continue;
            const struct request *r = &c->requests.items[slot];
            uint32_t t = takes(p, r, NULL);
            if (t > p->free_units)
                continue;
            if (!(now + r->walltime <= p->shadow)) {
                if (t > p->extra)
                    continue;
                p->extra -= t;
            }
            queue_take(c, p, i);
            if ((rc = start_request(c, p, slot, 1)) != CPN_OK)
                goto out;
        }
    }
    p->pass_valid = 1;
out:
    p->in_pass = 0;
    queue_compact(p);
    return rc;
}

/* Take request @p slot off its pool: free its units, count it, append its end event to
 * c->ended (the owner is told later).  The slot is freed with the caller's events.  @p failed:
 * the center failed under it (cpn_center_set_up()). */
static int release_request_ex(struct cpn_center *c, uint32_t slot, int by_event, double now,
                              int failed)
{
    struct request *r = &c->requests.items[slot];
    struct pool *p = &c->pools.items[r->pool];
    pool_advance(p, now);
    running_remove(p, r->expected_end, slot);
    if (r->milli && p->shared_used) {
        p->shared_used[r->shared] = (uint16_t)(p->shared_used[r->shared] - r->milli);
        p->shared_milli -= r->milli;
        if (p->shared_used[r->shared] == 0) { /* its last request left: a free unit again */
            p->shared_active--;
            give_back(p, 1);
        }
    } else {
        give_back(p, r->units);
    }
    struct cpn_request_event ev;
    fill_event(r, &ev);
    ev.end = now;
    ev.handle = slot;
    ev.killed = by_event && c->spec.walltime == CPN_WALLTIME_KILL && r->runtime > r->walltime;
    ev.failed = failed != 0;
    if (ev.failed)
        p->failed++;
    else if (ev.killed)
        p->killed++;
    else
        p->completed++;
    r->end_event = CPN_EVH_NONE;
    r->start = NAN; /* no longer running */
    p->pass_valid = 0;
    p->projection_valid = 0;
    if (cpn_array_push(&c->ended, ev) != CPN_OK || cpn_array_push(&c->free_slots, slot) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", c->spec.id);
    return CPN_OK;
}

static int release_request(struct cpn_center *c, uint32_t slot, int by_event, double now)
{
    return release_request_ex(c, slot, by_event, now, 0);
}

/* Tell the owner of the ends in c->ended (in order), then schedule pool @p p again.  The
 * events are moved out first: a hook may end other requests of this center (re-entering). */
static int notify_and_pass(struct cpn_center *c, struct pool *p)
{
    struct cpn_request_event few[8], *ev = few;
    size_t n = c->ended.len;
    if (n > sizeof few / sizeof *few && !(ev = malloc(n * sizeof *ev)))
        return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", c->spec.id);
    if (n) /* (an empty array may have no storage: memcpy's source must not be NULL) */
        memcpy(ev, c->ended.items, n * sizeof *ev);
    c->ended.len = 0;
    int rc = CPN_OK;
    for (size_t i = 0; i < n && rc == CPN_OK; i++)
        if (c->hooks.on_end)
            rc = c->hooks.on_end(c->hooks.ctx, c, &ev[i]);
    if (ev != few)
        free(ev);
    return rc == CPN_OK ? pool_pass(c, p) : rc;
}

/* The end of a request: free its units, tell the owner, schedule the pool again. */
static int end_request(struct cpn_center *c, uint32_t slot, int by_event)
{
    struct pool *p = &c->pools.items[c->requests.items[slot].pool];
    int rc = release_request(c, slot, by_event, cpn_engine_now(c->eng));
    return rc == CPN_OK ? notify_and_pass(c, p) : rc;
}

/* An end event.  Every other request of the pool whose end event fires at this same instant
 * ends with it, before the owner is told and before the one scheduling pass: EASY then sees
 * all the units freed at that instant at once, as a batch scheduler does (docs/models-centers.md
 * "Simultaneous ends").  The others' end events are cancelled.  O(r) to find them, and only
 * when requests are queued (with an empty queue a pass starts nothing, so ending them one at
 * a time gives the same schedule: a 15% saving on the LCG replay, 10 pools of 400 units) and
 * another event is pending at this instant (none is: no other request ends now). */
static int on_end_event(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct cpn_center *c = ctx;
    uint32_t slot = (uint32_t)arg;
    struct pool *p = &c->pools.items[c->requests.items[slot].pool];
    double now = cpn_engine_now(eng);
    c->ending.len = 0;
    /* (Only when another event fires at this instant can another request end with it.) */
    int others = p->queued > 0 && cpn_engine_next_time(eng) == now;
    for (size_t k = 0; others && k < p->running.len; k++) {
        uint32_t other = p->running.items[k].slot;
        const struct request *o = &c->requests.items[other];
        if (other != slot && o->end_event != CPN_EVH_NONE && o->end_time == now &&
            cpn_array_push(&c->ending, other) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", c->spec.id);
    }
    int rc = release_request(c, slot, 1, now);
    for (size_t i = 0; i < c->ending.len && rc == CPN_OK; i++) {
        uint32_t other = c->ending.items[i];
        if ((rc = cpn_engine_cancel(eng, c->requests.items[other].end_event)) == CPN_OK)
            rc = release_request(c, other, 1, now);
    }
    return rc == CPN_OK ? notify_and_pass(c, p) : rc;
}

int cpn_center_finish(struct cpn_center *c, uint32_t handle)
{
    if (!c || handle >= c->requests.len || isnan(c->requests.items[handle].start))
        return CPN_ERROR(CPN_ENOENT, "center: no running request with handle %u", (unsigned)handle);
    struct request *r = &c->requests.items[handle];
    if (r->end_event != CPN_EVH_NONE) {
        int rc = cpn_engine_cancel(c->eng, r->end_event);
        if (rc != CPN_OK)
            return rc;
    }
    return end_request(c, handle, 0);
}

int cpn_center_withdraw(struct cpn_center *c, uint32_t pool, uint32_t id)
{
    if (!c || pool >= c->pools.len)
        return CPN_ERROR(CPN_ENOENT, "center: no pool %u to withdraw request %u from",
                         (unsigned)pool, (unsigned)id);
    struct pool *p = &c->pools.items[pool];
    size_t i = p->head;
    while (i < p->queue.len &&
           (p->queue.items[i] == CPN_NONE || c->requests.items[p->queue.items[i]].id != id))
        i++;
    if (i == p->queue.len)
        return CPN_ERROR(CPN_ENOENT, "center \"%s\": no queued request %u in pool \"%s\"",
                         c->spec.id, (unsigned)id, p->spec.name);
    uint32_t slot = queue_take(c, p, i);
    queue_compact(p);
    p->withdrawn++;
    p->pass_valid = 0;
    p->projection_valid = 0;
    if (cpn_array_push(&c->free_slots, slot) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", c->spec.id);
    /* It may have been the blocked head: what waited behind it may start now. */
    return p->in_pass ? CPN_OK : pool_pass(c, p);
}

int cpn_center_submit(struct cpn_center *c, const struct cpn_request *req)
{
    if (!c || !req)
        return CPN_ERROR(CPN_EINVAL, "cpn_center_submit: center and request must not be NULL");
    const char *id = c->spec.id;
    if (req->pool >= c->pools.len)
        return CPN_ERROR(CPN_ENOENT,
                         "center \"%s\": request %" PRIu32 " names pool %" PRIu32
                         ", the center has %zu",
                         id, req->id, req->pool, c->pools.len);
    struct pool *p = &c->pools.items[req->pool];
    if (req->units == 0 || !(req->runtime >= 0) || !(req->walltime >= 0))
        return CPN_ERROR(CPN_EINVAL,
                         "center \"%s\": request %" PRIu32 ": units %" PRIu32
                         ", runtime %.15g s, walltime %.15g s (use units >= 1, a runtime >= 0 "
                         "and a walltime >= 0)",
                         id, req->id, req->units, req->runtime, req->walltime);
    if (req->units > p->max_units) { /* more than it ever had (a smaller pool: it waits) */
        p->rejected++;
        return CPN_ERROR(CPN_ERANGE,
                         "center \"%s\" pool \"%s\": request %" PRIu32 " asks for %" PRIu32
                         " units, the pool has %" PRIu32,
                         id, p->spec.name, req->id, req->units, p->max_units);
    }
    /* Room first (the queue's entry, the backfill index's leaf), so that nothing below fails. */
    if (cpn_array_reserve(&p->queue, p->queue.len + 1) != CPN_OK ||
        (c->spec.discipline == CPN_QUEUE_EASY && p->queue.len >= p->bf_size &&
         bf_build(c, p, 2 * (p->queue.len + 1)) != CPN_OK))
        return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", id);
    uint32_t slot;
    if (c->free_slots.len > 0) {
        slot = c->free_slots.items[--c->free_slots.len];
    } else {
        if (c->requests.len >= CPN_NONE - 1 ||
            cpn_array_reserve(&c->requests, c->requests.len + 1) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", id);
        slot = (uint32_t)c->requests.len++;
    }
    p->queue.items[p->queue.len++] = slot;
    double now = cpn_engine_now(c->eng);
    struct request *r = &c->requests.items[slot];
    r->id = req->id;
    r->pool = req->pool;
    r->units = req->units;
    r->backfilled = 0;
    r->runtime = req->runtime;
    r->walltime =
        c->spec.walltime == CPN_WALLTIME_EXTEND ? fmax(req->runtime, req->walltime) : req->walltime;
    r->submit = now;
    r->start = NAN;
    r->expected_end = NAN;
    r->reservation = INFINITY;
    r->end_event = CPN_EVH_NONE;
    r->milli = 0;
    if (p->shared_used && req->units == 1 && req->share > 0 && req->share < 1) {
        long m = lround(req->share * 1000);
        r->milli = (uint32_t)(m < 1 ? 1 : m > 999 ? 999 : m);
    }
    c->sealed = 1;
    p->queued++;
    if (isfinite(r->walltime))
        p->queued_work += (double)r->units * r->walltime;
    else
        p->queued_unbounded++;
    if (p->bf_size)
        bf_set(p, p->queue.len - 1, bf_units_of(p, r), r->walltime);
    p->submitted++;
    p->projection_valid = 0;
    if (p->in_pass)
        return CPN_OK; /* the running pass reaches the new entry */
    if (!p->pass_valid || p->queued == 1)
        return pool_pass(c, p);
    /* The queue was blocked and nothing ended since the last pass: only the new request can
     * change anything, and only by backfilling against the cached reservation. */
    uint32_t t = takes(p, r, NULL);
    if (c->spec.discipline != CPN_QUEUE_EASY || t > p->free_units)
        return CPN_OK;
    if (!(now + r->walltime <= p->shadow)) {
        if (t > p->extra)
            return CPN_OK;
        p->extra -= t;
    }
    queue_take(c, p, p->queue.len - 1);
    queue_compact(p);
    return start_request(c, p, slot, 1);
}

/* Min-heap on release time (sift helpers for the projection). */
static void heap_up(struct release *h, size_t i)
{
    struct release x = h[i];
    while (i > 0 && h[(i - 1) / 2].time > x.time) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = x;
}

static void heap_down(struct release *h, size_t n, size_t i)
{
    struct release x = h[i];
    for (;;) {
        size_t k = 2 * i + 1;
        if (k >= n)
            break;
        if (k + 1 < n && h[k + 1].time < h[k].time)
            k++;
        if (h[k].time >= x.time)
            break;
        h[i] = h[k];
        i = k;
    }
    h[i] = x;
}

static int release_cmp(const void *a, const void *b)
{
    double x = ((const struct release *)a)->time, y = ((const struct release *)b)->time;
    return (x > y) - (x < y);
}

/* Build the projection: place queued requests in order on the release profile (FCFS with
 * walltimes), then keep the remaining releases sorted with cumulative free units.
 * O((q + r) log(q + r)). */
static int build_projection(struct cpn_center *c, struct pool *p, double now)
{
    if (cpn_array_reserve(&p->releases, p->running.len + p->queued + 1) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", c->spec.id);
    struct release *h = p->releases.items;
    size_t n = 0;
    for (size_t k = 0; k < p->running.len; k++) /* sorted, hence already a heap */
        h[n++] = (struct release){p->running.items[k].end, p->running.items[k].units};
    uint32_t extra = unaccounted_units(p); /* shared units: free after the last end */
    if (extra && n) {
        h[n] = (struct release){p->running.items[p->running.len - 1].end, extra};
        heap_up(h, n++);
    }
    double cursor = now;
    uint64_t free_units = p->free_units;
    for (size_t i = p->head; i < p->queue.len; i++) {
        uint32_t slot = p->queue.items[i];
        if (slot == CPN_NONE)
            continue;
        const struct request *r = &c->requests.items[slot];
        if (r->units > p->spec.units) { /* it waits for the pool to grow: so does what follows */
            cursor = INFINITY;
            break;
        }
        while (free_units < r->units) {
            CPN_ASSERT(n > 0);
            cursor = fmax(cursor, h[0].time);
            free_units += h[0].units;
            h[0] = h[--n];
            heap_down(h, n, 0);
        }
        free_units -= r->units;
        h[n] = (struct release){cursor + r->walltime, r->units};
        heap_up(h, n++);
    }
    gsl_heapsort(h, n, sizeof *h, release_cmp);
    uint64_t cumulative = free_units;
    for (size_t k = 0; k < n; k++) {
        cumulative += h[k].units;
        h[k].units = (uint32_t)cumulative;
    }
    p->releases.len = n;
    p->projection_cursor = cursor;
    p->projection_free = (uint32_t)free_units;
    p->projection_now = now;
    p->projection_valid = 1;
    return CPN_OK;
}

int cpn_center_estimate_start(struct cpn_center *c, uint32_t pool, uint32_t units, double walltime,
                              double now, double *start)
{
    if (!c || !start || !(walltime >= 0))
        return CPN_ERROR(CPN_EINVAL,
                         "cpn_center_estimate_start: NULL pointer or walltime %.15g "
                         "s (use >= 0)",
                         walltime);
    double engine_now = cpn_engine_now(c->eng);
    if (!(now >= engine_now) || !isfinite(now))
        return CPN_ERROR(CPN_EINVAL,
                         "center \"%s\": estimate for a submission at t=%.15g s "
                         "(use a finite time >= now, t=%.15g s)",
                         c->spec.id, now, engine_now);
    if (pool >= c->pools.len)
        return CPN_ERROR(CPN_ENOENT, "center \"%s\": no pool %" PRIu32 " (the center has %zu)",
                         c->spec.id, pool, c->pools.len);
    struct pool *p = &c->pools.items[pool];
    if (units == 0 || units > p->max_units)
        return CPN_ERROR(CPN_ERANGE,
                         "center \"%s\" pool \"%s\": estimate for %" PRIu32
                         " units (use 1..%" PRIu32 ")",
                         c->spec.id, p->spec.name, units, p->max_units);
    if (units > p->spec.units) { /* the pool shrank below it: it waits for a growth */
        *start = INFINITY;
        return CPN_OK;
    }
    if (now == engine_now && p->queued == 0 && units <= p->free_units) {
        *start = now;
        return CPN_OK;
    }
    if (now == engine_now && c->spec.discipline == CPN_QUEUE_EASY && p->pass_valid &&
        p->queued > 0 && units <= p->free_units &&
        (now + walltime <= p->shadow || units <= p->extra)) {
        *start = now;
        return CPN_OK;
    }
    if (!p->projection_valid || p->projection_now != engine_now) {
        int rc = build_projection(c, p, engine_now);
        if (rc != CPN_OK)
            return rc;
    }
    /* After the cursor the profile only releases units, so free units never decrease: the
     * first time at or after max(cursor, now) with enough free units is a binary search. */
    double earliest = fmax(p->projection_cursor, now);
    if (p->projection_free >= units) {
        *start = earliest;
        return CPN_OK;
    }
    size_t lo = 0, hi = p->releases.len; /* first release with cumulative free >= units */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->releases.items[mid].units < units)
            lo = mid + 1;
        else
            hi = mid;
    }
    CPN_ASSERT(lo < p->releases.len);
    *start = fmax(earliest, p->releases.items[lo].time);
    return CPN_OK;
}

const struct cpn_center_spec *cpn_center_describe(const struct cpn_center *c)
{
    return &c->spec;
}

uint32_t cpn_center_npools(const struct cpn_center *c)
{
    return (uint32_t)c->pools.len;
}

const struct cpn_pool_spec *cpn_center_pool(const struct cpn_center *c, uint32_t pool)
{
    return pool < c->pools.len ? &c->pools.items[pool].spec : NULL;
}

int cpn_center_set_pool_units(struct cpn_center *c, uint32_t pool, uint32_t units)
{
    if (!c || pool >= c->pools.len || units == 0)
        return CPN_ERROR(CPN_EINVAL, "cpn_center_set_pool_units: no pool %u, or 0 units", pool);
    struct pool *p = &c->pools.items[pool];
    pool_advance(p, cpn_engine_now(c->eng));
    if (p->shared_used && units > p->shared_cap) {
        uint16_t *q = realloc(p->shared_used, units * sizeof *q);
        if (!q)
            return CPN_ERROR(CPN_ENOMEM, "center \"%s\": out of memory", c->spec.id);
        memset(q + p->shared_cap, 0, (units - p->shared_cap) * sizeof *q);
        p->shared_used = q;
        p->shared_cap = units;
    }
    if (units >= p->spec.units) { /* growth cancels what a shrink still owes, then is free */
        uint32_t grow = units - p->spec.units, cancel = grow < p->owed ? grow : p->owed;
        p->owed -= cancel;
        p->free_units += grow - cancel;
    } else { /* free units go at once; held ones when their requests end */
        uint32_t shrink = p->spec.units - units,
                 now_free = shrink < p->free_units ? shrink : p->free_units;
        p->free_units -= now_free;
        p->owed += shrink - now_free;
    }
    p->spec.units = units;
    if (units > p->max_units)
        p->max_units = units;
    p->projection_valid = 0;
    p->pass_valid = 0;
    return p->in_pass ? CPN_OK : pool_pass(c, p);
}

int cpn_center_pool_state(const struct cpn_center *c, uint32_t pool, struct cpn_pool_state *out)
{
    if (!c || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_center_pool_state: NULL pointer");
    if (pool >= c->pools.len)
        return CPN_ERROR(CPN_ENOENT, "center \"%s\": no pool %" PRIu32 " (the center has %zu)",
                         c->spec.id, pool, c->pools.len);
    const struct pool *p = &c->pools.items[pool];
    out->units = p->spec.units;
    out->free_units = p->free_units;
    out->queued = p->queued;
    out->running = p->running.len;
    out->queued_work = p->queued_unbounded ? INFINITY : p->queued_work;
    int blocked = p->pass_valid && p->head_slot != CPN_NONE;
    out->head = blocked ? c->requests.items[p->head_slot].id : CPN_NONE;
    out->shadow_time = blocked ? p->shadow : INFINITY;
    out->extra_units = blocked ? p->extra : 0;
    out->max_units = p->max_units;
    return CPN_OK;
}

/* Add one pool's figures, integrated to `now`, into out (the sums; ratios are made after). */
static void add_pool_stats(const struct pool *p, double now, struct cpn_center_stats *out)
{
    double dt = now - p->last_time > 0 ? now - p->last_time : 0;
    double powered = (double)(present_units(p) - p->free_units);
    out->busy_unit_seconds += p->busy_unit_seconds + busy_units(p) * dt;
    out->capacity_unit_seconds += p->capacity_seconds + (double)present_units(p) * dt;
    out->it_energy +=
        p->it_energy + (powered * p->spec.peak_power + p->free_units * p->spec.idle_power) * dt;
    out->submitted += p->submitted;
    out->rejected += p->rejected;
    out->started += p->started;
    out->backfilled += p->backfilled;
    out->completed += p->completed;
    out->killed += p->killed;
    out->failed += p->failed;
    out->withdrawn += p->withdrawn;
}

int cpn_center_stats(const struct cpn_center *c, uint32_t pool, struct cpn_center_stats *out)
{
    if (!c || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_center_stats: NULL pointer");
    if (pool != CPN_NONE && pool >= c->pools.len)
        return CPN_ERROR(CPN_ENOENT, "center \"%s\": no pool %" PRIu32 " (the center has %zu)",
                         c->spec.id, pool, c->pools.len);
    double now = cpn_engine_now(c->eng);
    memset(out, 0, sizeof *out);
    out->elapsed = now - c->created;
    for (size_t i = 0; i < c->pools.len; i++)
        if (pool == CPN_NONE || pool == i)
            add_pool_stats(&c->pools.items[i], now, out);
    out->utilisation =
        out->capacity_unit_seconds > 0 ? out->busy_unit_seconds / out->capacity_unit_seconds : 0;
    out->energy = c->spec.pue * out->it_energy;
    out->user_charge = c->spec.unit_price * out->busy_unit_seconds;
    if (pool == CPN_NONE) { /* the energy since the last tariff change at today's tariff */
        out->electricity_cost =
            c->cost_folded + c->spec.electricity_price * (out->energy - c->energy_folded);
        out->carbon =
            c->carbon_folded + c->spec.carbon_intensity * (out->energy - c->energy_folded);
    } else { /* Assumption: a pool's share at today's tariff (the center's figure is exact) */
        out->electricity_cost = c->spec.electricity_price * out->energy;
        out->carbon = c->spec.carbon_intensity * out->energy;
    }
    return CPN_OK;
}

int cpn_center_set_up(struct cpn_center *c, int up)
{
    if (!c)
        return CPN_ERROR(CPN_EINVAL, "cpn_center_set_up: NULL center");
    if (!c->down == !!up)
        return CPN_OK; /* no change */
    int rc = CPN_OK;
    if (up) {
        c->down = 0;
        for (size_t i = 0; i < c->pools.len && rc == CPN_OK; i++)
            rc = pool_pass(c, &c->pools.items[i]);
        return rc;
    }
    c->down = 1;
    double now = cpn_engine_now(c->eng);
    for (size_t i = 0; i < c->pools.len && rc == CPN_OK; i++) {
        struct pool *p = &c->pools.items[i];
        /* Every running request ends, in the order of the running set (expected end). */
        while (p->running.len > 0 && rc == CPN_OK) {
            uint32_t slot = p->running.items[0].slot;
            struct request *r = &c->requests.items[slot];
            if (r->end_event != CPN_EVH_NONE)
                rc = cpn_engine_cancel(c->eng, r->end_event);
            if (rc == CPN_OK)
                rc = release_request_ex(c, slot, 0, now, 1);
        }
        if (rc == CPN_OK)
            rc = notify_and_pass(c, p); /* the pass starts nothing: the center is down */
    }
    return rc;
}

int cpn_center_is_up(const struct cpn_center *c)
{
    return c && !c->down;
}

int cpn_center_set_tariff(struct cpn_center *c, double electricity_price, double carbon_intensity)
{
    if (!c || !(electricity_price >= 0) || !isfinite(electricity_price) ||
        !(carbon_intensity >= 0) || !isfinite(carbon_intensity))
        return CPN_ERROR(CPN_EINVAL,
                         "center \"%s\": tariff %g currency/J, %g kg/J (need finite "
                         ">= 0)",
                         c ? c->spec.id : "?", electricity_price, carbon_intensity);
    struct cpn_center_stats st;
    int rc = cpn_center_stats(c, CPN_NONE, &st);
    if (rc != CPN_OK)
        return rc;
    c->cost_folded = st.electricity_cost;
    c->carbon_folded = st.carbon;
    c->energy_folded = st.energy;
    c->spec.electricity_price = electricity_price;
    c->spec.carbon_intensity = carbon_intensity;
    return CPN_OK;
}

const char *cpn_center_kind_name(enum cpn_center_kind kind)
{
    static const char *const names[] = {"hpc", "ai", "cloud", "edge"};
    return (unsigned)kind < CPN_CENTER_NKINDS ? names[kind] : NULL;
}

const char *cpn_queue_discipline_name(enum cpn_queue_discipline discipline)
{
    static const char *const names[] = {"fcfs", "easy"};
    return (unsigned)discipline < CPN_QUEUE_NDISCIPLINES ? names[discipline] : NULL;
}
