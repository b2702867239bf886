/**
 * @file models/centers/center.h
 * @brief Compute centers: resource pools, a local queue per pool (FCFS or EASY backfilling,
 *        gang allocation), and energy, cost and carbon accounting (DESIGN.md §4.4).
 *
 * A center owns one or more **pools** of identical units (CPU nodes, GPUs, VM slots).  Its owner
 * submits **requests** to a pool: an opaque `uint32_t` id chosen by the owner, the units wanted,
 * the actual runtime [s] and the walltime estimate [s].  The center knows nothing of jobs or of
 * the network: it queues the request, starts it when its discipline allows, schedules its end on
 * the engine itself, and tells the owner through two callbacks (start, end).
 *
 * **Gang allocation.**  Every request is all-or-nothing: it starts when all the units it asks for
 * are free at once, never with part of them (the rule for multi-accelerator jobs; units of a
 * pool are interchangeable, there is no placement inside the pool).
 *
 * **Disciplines** (per pool; each pool has its own queue and its own head):
 *  - `CPN_QUEUE_FCFS`: start queued requests strictly in submission order; the first one that
 *    does not fit blocks all behind it.
 *  - `CPN_QUEUE_EASY`: EASY backfilling (Lifka, "The ANL/IBM SP scheduling system", JSSPP 1995,
 *    LNCS 949; Mu'alem & Feitelson, "Utilization, predictability, workloads, and user runtime
 *    estimates in scheduling the IBM SP2 with backfilling", IEEE TPDS 12(6):529-543, 2001, §2).
 *    When the head cannot start, it gets a reservation at the *shadow time* (earliest time
 *    enough units are free, counting running requests as ending at start + walltime); the
 *    *extra units* are the units free at the shadow time beyond the head's need.  A later request
 *    starts now if it fits in the units free now AND (it ends, by its walltime, no later than
 *    the shadow time OR it uses no more than the extra units, which then decrease).
 *
 * **Simultaneous ends.**  The requests of a pool whose end events fall at the same instant end
 * together, before the owner is told and before one scheduling pass (docs/models-centers.md §2),
 * so EASY sees every unit freed at that instant at once.
 *
 * **Walltime.**  Traces hold requests whose runtime exceeds the walltime estimate.  Policy
 * `CPN_WALLTIME_KILL` (default) ends such a request at start + walltime, as Slurm does at the
 * time limit (sbatch(1), option --time); the end event says `killed`.  Policy
 * `CPN_WALLTIME_EXTEND` raises the estimate to max(runtime, walltime) at submission (the request
 * then always completes).  Under both, a running request never outlives its estimate, so an EASY
 * reservation is never broken.  Runtime 0 is valid (the request starts and ends at once).
 *
 * **Energy** (facility energy, piecewise exact integral over the intervals between state
 * changes): E = PUE * sum_intervals (busy * P_peak + (units - busy) * P_idle) * dt, per pool;
 * a busy unit draws its peak power, an idle unit its idle power (the linear power model of
 * Fan, Weber & Barroso, "Power provisioning for a warehouse-sized computer", ISCA 2007, §4.1,
 * at utilisation 0 or 1 per unit); PUE = facility energy / IT energy (The Green Grid, White
 * Paper #49, 2012; ISO/IEC 30134-2:2016).  Electricity cost = price x E; user charge = unit
 * price x busy unit-seconds; carbon = E x carbon intensity (location-based Scope 2 emissions,
 * GHG Protocol Scope 2 Guidance, WRI 2015, ch. 6).  Accounting starts when the center is created
 * (engine time then) and runs to the engine's current time.
 *
 * A center is not thread-safe; it lives in one simulation and one engine.
 */
#ifndef CPN_MODELS_CENTERS_CENTER_H
#define CPN_MODELS_CENTERS_CENTER_H

#include <stddef.h>
#include <stdint.h>

struct cpn_engine;
struct cpn_center;

/** Center kinds (DESIGN.md §4.4). */
enum cpn_center_kind {
    CPN_CENTER_HPC,   /**< supercomputing: CPU nodes, FP64 */
    CPN_CENTER_AI,    /**< intelligent computing: GPU/NPU accelerators */
    CPN_CENTER_CLOUD, /**< VM slots: cores and memory */
    CPN_CENTER_EDGE,  /**< small pools close to users */
    CPN_CENTER_NKINDS /**< number of kinds (not a kind) */
};

/** Local queue disciplines. */
enum cpn_queue_discipline {
    CPN_QUEUE_FCFS,        /**< first come, first served, no backfilling */
    CPN_QUEUE_EASY,        /**< EASY backfilling (Lifka 1995) */
    CPN_QUEUE_NDISCIPLINES /**< number of disciplines (not one) */
};

/** What happens to a request whose runtime exceeds its walltime estimate. */
enum cpn_walltime_policy {
    CPN_WALLTIME_KILL,     /**< end it at start + walltime, marked killed (Slurm's behaviour) */
    CPN_WALLTIME_EXTEND,   /**< raise the estimate to max(runtime, walltime): it completes */
    CPN_WALLTIME_NPOLICIES /**< number of policies (not one) */
};

/**
 * A center's fixed description.  Fill with cpn_center_spec_init(), then set fields.  Strings
 * are borrowed by cpn_center_new() only for the call (copied).
 */
struct cpn_center_spec {
    const char *id;                       /**< unique name, non-empty */
    enum cpn_center_kind kind;            /**< default CPN_CENTER_HPC */
    double lat;                           /**< latitude [degree], NaN (default) when unknown */
    double lon;                           /**< longitude [degree], NaN (default) when unknown */
    uint32_t node;                        /**< attachment node index in the topology, or
                                               CPN_NONE (default) */
    double storage_capacity;              /**< storage capacity [B], >= 0; default 0 */
    double storage_read_bandwidth;        /**< storage read bandwidth [B/s], >= 0; default 0 */
    double storage_write_bandwidth;       /**< storage write bandwidth [B/s], >= 0; default 0 */
    double pue;                           /**< power usage effectiveness, >= 1; default 1 */
    double electricity_price;             /**< [currency/J], >= 0; default 0 */
    double unit_price;                    /**< price charged to users [currency/(unit s)],
                                               >= 0; default 0 */
    double carbon_intensity;              /**< of the region's electricity [kg/J], >= 0;
                                               default 0 */
    enum cpn_queue_discipline discipline; /**< default CPN_QUEUE_EASY */
    enum cpn_walltime_policy walltime;    /**< default CPN_WALLTIME_KILL */
};

/** One pool of identical units.  Strings are borrowed for cpn_center_add_pool() only. */
struct cpn_pool_spec {
    const char *name;        /**< pool name (for messages), NULL or "" = "pool N" */
    uint32_t units;          /**< number of units, >= 1 */
    double flops;            /**< peak speed per unit [FLOP/s], >= 0 */
    double memory;           /**< memory per unit [B], >= 0 */
    const char *accelerator; /**< accelerator type, e.g. "A100", or NULL/"" for none */
    double idle_power;       /**< power of an idle unit [W], >= 0 */
    double peak_power;       /**< power of a busy unit [W], >= idle_power */
    int shareable;           /**< nonzero: requests with a share (cpn_request.share) pack onto
                                  shared units, first fit (docs/models-centers.md, "GPU
                                  sharing"); 0: every request holds whole units */
};

/** A request: what the owner submits to a pool. */
struct cpn_request {
    uint32_t id;     /**< the owner's opaque id (echoed in callbacks; need not be unique) */
    uint32_t pool;   /**< pool index in the center */
    uint32_t units;  /**< units wanted, >= 1 (all at once: gang allocation) */
    double runtime;  /**< actual runtime [s], >= 0 (0 is valid); INFINITY = open-ended: the
                          owner ends it with cpn_center_finish() (or the walltime limit does) */
    double walltime; /**< walltime estimate [s], >= 0; INFINITY = no estimate (never killed;
                          backfilled only on extra units) */
    double share;    /**< fraction of one unit used, in (0, 1), by a one-unit request on a
                          shareable pool (Alibaba gpu_milli / 1000); 0 (or 1, or on a pool
                          that is not shareable): whole units.  Kept to 1/1000. */
};

/** What a callback is told about a request. */
struct cpn_request_event {
    uint32_t id;        /**< the owner's id */
    uint32_t pool;      /**< pool index */
    uint32_t units;     /**< units held */
    double submit;      /**< submission time [s] */
    double start;       /**< start time [s] */
    double end;         /**< end time [s] (NaN in a start event) */
    double walltime;    /**< estimate used by the scheduler [s] (after CPN_WALLTIME_EXTEND) */
    double reservation; /**< earliest EASY/FCFS reservation the request held while blocked at
                             the head of its queue [s]; INFINITY when it never was */
    int killed;         /**< nonzero in an end event when the walltime limit ended it */
    int failed;         /**< nonzero in an end event when the center failed under it
                             (cpn_center_set_up()) */
    uint32_t handle;    /**< the center's name of the running request, for cpn_center_finish()
                             (valid from its start event to its end event) */
    int backfilled;     /**< nonzero when it started ahead of an earlier-submitted request */
};

/**
 * A center callback.  It may call cpn_center_submit() (on this or another center) and the
 * read-only functions below, but must not free the center.
 * @param ctx the owner's context given in struct cpn_center_hooks.
 * @param center the center (borrowed).
 * @param ev what happened (borrowed, valid during the call).
 * @return CPN_OK, or an error code that is passed on to the caller of the center function (or
 *         stops the engine run when it happens in the center's end event).
 */
typedef int cpn_request_fn(void *ctx, struct cpn_center *center,
                           const struct cpn_request_event *ev);

/** The owner's callbacks; either may be NULL. */
struct cpn_center_hooks {
    cpn_request_fn *on_start; /**< a request started (its units are taken) */
    cpn_request_fn *on_end;   /**< a request ended (its units are free again) */
    void *ctx;                /**< passed to both */
};

/** Instantaneous state of a pool, for policies (cpn_center_pool_state()). */
struct cpn_pool_state {
    uint32_t units;       /**< units of the pool */
    uint32_t free_units;  /**< units free now */
    size_t queued;        /**< requests waiting */
    size_t running;       /**< requests running */
    double queued_work;   /**< sum over waiting requests of units x walltime [unit s]
                               (INFINITY when one has no estimate) */
    uint32_t head;        /**< id of the blocked head request, CPN_NONE when none */
    double shadow_time;   /**< head's reservation [s] (INFINITY when none) */
    uint32_t extra_units; /**< units free at the shadow time beyond the head's need,
                               minus those lent to backfilled requests (EASY) */
    uint32_t max_units;   /**< the most units the pool has had (its size unless resized): a
                               request up to it is accepted and waits while the pool is smaller */
};

/** Accumulated figures of a pool or a whole center, up to the engine's current time. */
struct cpn_center_stats {
    double elapsed;               /**< time since the center was created [s] */
    double busy_unit_seconds;     /**< integral of busy units over time [unit s] */
    double capacity_unit_seconds; /**< units x elapsed [unit s] */
    double utilisation;           /**< busy / capacity unit-seconds (0 when elapsed is 0) */
    double it_energy;             /**< energy of the units, without PUE [J] */
    double energy;                /**< facility energy, PUE x it_energy [J] */
    double electricity_cost;      /**< electricity_price x energy [currency] */
    double user_charge;           /**< unit_price x busy_unit_seconds [currency] */
    double carbon;                /**< carbon_intensity x energy [kg] */
    uint64_t submitted;           /**< requests accepted */
    uint64_t rejected;   /**< requests refused with CPN_ERANGE (more units than the pool) */
    uint64_t started;    /**< requests started */
    uint64_t backfilled; /**< requests started ahead of an earlier-submitted one */
    uint64_t completed;  /**< requests ended after their full runtime */
    uint64_t killed;     /**< requests ended by the walltime limit */
    uint64_t failed;     /**< requests ended by a failure of the center */
    uint64_t withdrawn;  /**< queued requests taken back by their owner (cpn_center_withdraw()) */
};

/**
 * End a running request now, as if its runtime were over (an open-ended request whose work the
 * owner tracks: a streamed dataset, iterations of training).  The units are freed, on_end is
 * called (killed 0) and the pool is scheduled again, all before this returns.
 * @param handle the request's handle from its start event.
 * @return CPN_OK; CPN_ENOENT when @p handle names no running request; the on_end hook's or the
 *         scheduling pass's error.  O(r + q) (the pass).
 */
int cpn_center_finish(struct cpn_center *c, uint32_t handle);

/** Fill @p spec with the defaults documented in struct cpn_center_spec. */
void cpn_center_spec_init(struct cpn_center_spec *spec);

/**
 * Create a center with no pool.
 * @param spec the description (borrowed; strings copied).
 * @param eng the engine the center schedules its end events on (borrowed; must outlive the
 *        center).  Accounting starts at its current time.
 * @param hooks the owner's callbacks (copied), or NULL for none.
 * @param out receives the center (caller frees with cpn_center_free()).
 * @return CPN_OK; CPN_EINVAL when spec, eng or out is NULL or kind, discipline or walltime is
 *         out of its enum; CPN_ESCENARIO when a value is invalid (empty id, PUE < 1 or NaN,
 *         negative or NaN price, intensity or storage figure; the message names the center,
 *         the field, the value and what is accepted); CPN_ENOMEM.
 */
int cpn_center_new(const struct cpn_center_spec *spec, struct cpn_engine *eng,
                   const struct cpn_center_hooks *hooks, struct cpn_center **out);

/**
 * Free a center and cancel its pending end events on the engine (which must still exist);
 * accepts NULL.  Running and queued requests are dropped without callbacks.
 */
void cpn_center_free(struct cpn_center *c);

/**
 * Add a pool (before the first submission).
 * @param c the center.
 * @param pool the description (borrowed; strings copied).
 * @param index receives the pool's index (dense, in order of addition); may be NULL.
 * @return CPN_OK; CPN_EINVAL when pool is NULL; CPN_ESTATE after the first submission;
 *         CPN_ESCENARIO when units is 0, a figure is negative or NaN, or idle > peak power
 *         (message names center, pool, field, value, what is accepted); CPN_ENOMEM.
 */
int cpn_center_add_pool(struct cpn_center *c, const struct cpn_pool_spec *pool, uint32_t *index);

/**
 * Submit a request at the engine's current time.  It is queued, then the pool is scheduled:
 * the request (or others) may start during this call (on_start is called before it returns).
 * @param c the center.
 * @param req the request (copied).
 * @return CPN_OK; CPN_ERANGE when req->units exceeds the pool's units (the request is refused
 *         and counted in `rejected`; nothing else changes); CPN_ENOENT when req->pool is not a
 *         pool index; CPN_EINVAL when req is NULL, units is 0, runtime is negative or not finite,
 *         or walltime is negative or NaN; CPN_ENOMEM; or the code an on_start callback returned.
 * Complexity: O(1) amortised plus O(log r + r) to insert into the running set (r running) for
 * each request started; FCFS adds nothing when the queue is blocked; EASY checks only the new
 * request against the cached reservation when the queue was blocked before (O(1)), and runs a
 * full pass (see below) otherwise.  A full pass (after an end) costs O(r + k log q) (q queued,
 * k of them read by the backfill scan: those its index says may fit; O(r + q) at worst;
 * docs/models-centers.md), stopping early once no unit is free; O(log q) to enter the request
 * in that index.
 */
int cpn_center_submit(struct cpn_center *c, const struct cpn_request *req);

/**
 * Estimate the earliest start of a hypothetical request on a pool, submitted at time @p now
 * (the engine's time, or later, e.g. after a stage-in), under the current state, assuming
 * every running and queued request runs exactly its walltime estimate.
 * Approximation: the queued requests are placed in queue order, each at the earliest time
 * enough units are free and no earlier than the one before (FCFS on a profile of releases);
 * the new request follows them, no earlier than @p now.  Requests submitted between the engine's
 * time and @p now are unknown and ignored.  Under EASY, a request submitted at the engine's
 * time that could backfill then (it fits in the free units and ends by the shadow time or fits
 * in the extra units) gets that time.  The estimate is exact for FCFS with exact walltimes and
 * no other submission; under EASY it ignores the later backfilling of the queued requests and
 * of the new one, so it is usually pessimistic (EASY may also delay a non-head request past its
 * FCFS time, so it is not a strict bound).
 * @param c the center.
 * @param pool pool index.
 * @param units units wanted, 1..pool units.
 * @param walltime estimate [s], >= 0 (INFINITY allowed).
 * @param now submission time [s], finite and >= the engine's time.
 * @param start receives the estimated start [s] (>= @p now; INFINITY when a request ahead has
 *        no walltime estimate).
 * @return CPN_OK; CPN_ENOENT for a bad pool; CPN_ERANGE when units is 0 or above the pool's
 *         units; CPN_EINVAL when start is NULL, walltime is negative or NaN, or now is before
 *         the engine's time or not finite; CPN_ENOMEM.
 * Complexity: O((q + r) log(q + r)) to build the profile, cached per pool until the pool's
 * state or the engine's time changes; O(log(q + r)) per call on a cached profile.
 */
int cpn_center_estimate_start(struct cpn_center *c, uint32_t pool, uint32_t units, double walltime,
                              double now, double *start);

/**
 * Take the center down (@p up = 0) or bring it back up, now (a failure and its repair,
 * docs/models-dynamics.md).  Down: every running request ends at once (its units are freed, its
 * end event is cancelled, on_end is called with failed = 1 and killed = 0); the queued requests
 * stay queued, and nothing starts until the center is up again (Assumption: the local queue
 * survives an outage, as a batch system's saved state does; the owner may take its requests
 * elsewhere only through their failure).  Requests may still be submitted: they wait.  Up: each
 * pool is scheduled again.  A second down (up) does nothing.
 * @return CPN_OK; CPN_EINVAL for a NULL center; the on_end hook's or the pass's error.
 *         O(r log r + q) per pool.
 */
int cpn_center_set_up(struct cpn_center *c, int up);

/**
 * Take back the queued (not yet started) request of owner id @p id from pool @p pool: a job
 * its policy moves to another center (docs/models-dynamics.md, "Migration").  Its slot is
 * freed; no hook is called for it; the pool is scheduled again, since what waited behind it
 * (it may have been EASY's blocked head) may start now.  When several queued requests share
 * the id, the earliest submitted is taken.
 * @return CPN_OK; CPN_ENOENT when the pool does not exist or holds no queued request with that
 *         id (a running request is ended with cpn_center_finish() instead); CPN_ENOMEM; a
 *         start's hook error.  O(q) to find it, plus the pass.
 */
int cpn_center_withdraw(struct cpn_center *c, uint32_t pool, uint32_t id);

/**
 * Give pool @p pool @p units units from now (a timeline's `<at center pool units>`;
 * docs/models-dynamics.md, "Pool sizes").  Growing adds free units and starts what then fits;
 * shrinking removes free units at once and the units running requests hold as they end
 * (nothing is preempted).  A request larger than the new size (up to the most units the
 * pool has had) waits for the pool to grow; a larger one is refused (CPN_ERANGE at submission). The
 * utilisation's denominator integrates the units present over time.
 * @return CPN_OK; CPN_EINVAL for an unknown pool or 0 units; CPN_ENOMEM; a start's error.
 */
int cpn_center_set_pool_units(struct cpn_center *c, uint32_t pool, uint32_t units);

/** Whether the center is up (1) or down (0). */
int cpn_center_is_up(const struct cpn_center *c);

/**
 * Change the center's electricity price and carbon intensity from now on (a timeline entry,
 * e.g. an hourly tariff table): the energy used so far keeps the old figures, the energy from
 * now on gets the new ones, so cpn_center_stats() integrates price x power over time.
 * @param electricity_price [currency/J], finite >= 0.
 * @param carbon_intensity [kg/J], finite >= 0.
 * @return CPN_OK; CPN_EINVAL for a NULL center or a bad figure.  O(pools).
 */
int cpn_center_set_tariff(struct cpn_center *c, double electricity_price, double carbon_intensity);

/** Return the center's description (strings owned by the center; lives as long as it). */
const struct cpn_center_spec *cpn_center_describe(const struct cpn_center *c);

/** Return the number of pools. */
uint32_t cpn_center_npools(const struct cpn_center *c);

/**
 * Return a pool's description (strings owned by the center; valid as long as it), or NULL
 * when @p pool is not a pool index.
 */
const struct cpn_pool_spec *cpn_center_pool(const struct cpn_center *c, uint32_t pool);

/**
 * Read a pool's instantaneous state.
 * @return CPN_OK; CPN_ENOENT for a bad pool; CPN_EINVAL when out is NULL.
 */
int cpn_center_pool_state(const struct cpn_center *c, uint32_t pool, struct cpn_pool_state *out);

/**
 * Read accumulated figures up to the engine's current time, for one pool or the whole center.
 * @param pool a pool index, or CPN_NONE for the sum over all pools.
 * @param out receives the figures (utilisation of the whole center is busy over capacity
 *        unit-seconds summed over pools).
 * @return CPN_OK; CPN_ENOENT for a bad pool; CPN_EINVAL when out is NULL.  O(pools).
 */
int cpn_center_stats(const struct cpn_center *c, uint32_t pool, struct cpn_center_stats *out);

/** Return a center kind's name ("hpc", "ai", "cloud", "edge"), or NULL when out of range. */
const char *cpn_center_kind_name(enum cpn_center_kind kind);

/** Return a discipline's name ("fcfs", "easy"), or NULL when out of range. */
const char *cpn_queue_discipline_name(enum cpn_queue_discipline discipline);

#endif /* CPN_MODELS_CENTERS_CENTER_H */
