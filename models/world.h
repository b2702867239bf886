/**
 * @file models/world.h
 * @brief The read-only view of the compute power network that a scheduling policy sees.
 *
 * A policy (models/policy.h) receives a `struct cpn_world` and a `struct cpn_world_job` and
 * chooses a center.  The view is plain data: arrays of centers (each with its resource pools,
 * queue, price, carbon intensity and power), and network matrices indexed [origin][center]
 * (RTT and currently available bandwidth).  The simulation fills it; under imperfect compute
 * awareness (models/policy/awareness.h) the center part may be stale, and each center says when its
 * state was measured.
 *
 * This header is public: `make install` installs it (as `models/world.h` under
 * `$(includedir)/cpnsim`) together with models/policy.h, and a plug-in compiles with these two
 * headers and the C standard library only.  It therefore includes nothing from cpnsim and its
 * helpers are `static inline`: a policy calls no cpnsim function.
 *
 * Units (SI, DESIGN.md §4): s, B, B/s, FLOP, FLOP/s, W, J; "unit" is one schedulable unit of a
 * pool (a node, a GPU, a VM slot).
 */
#ifndef CPN_MODELS_WORLD_H
#define CPN_MODELS_WORLD_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#ifndef CPN_NONE
/** Index meaning "none" (the same definition as in sim/error.h). */
#define CPN_NONE UINT32_MAX
#endif

/** Job kinds (DESIGN.md §4.5). */
enum cpn_world_job_kind {
    CPN_WORLD_JOB_BATCH = 0,     /**< HPC batch job: nodes x walltime or FLOP */
    CPN_WORLD_JOB_TRAINING = 1,  /**< AI training: GPUs, FLOP or duration, dataset */
    CPN_WORLD_JOB_INGEST = 2,    /**< bulk data transfer into a center's storage */
    CPN_WORLD_JOB_DEPLOY = 3,    /**< model pushed to a center */
    CPN_WORLD_JOB_INFERENCE = 4, /**< request serving with a latency SLO */
    CPN_WORLD_JOB_VM = 5,        /**< cloud VM: cores x lifetime */
    CPN_WORLD_JOB_NKINDS = 6     /**< number of kinds (not a kind) */
};

/** What a policy knows about the job it places.  Plain data, filled by the simulation. */
struct cpn_world_job {
    uint64_t id;                  /**< job id (for the policy's own bookkeeping) */
    enum cpn_world_job_kind kind; /**< job kind */
    uint32_t origin;              /**< origin index of the user, in [0, world.n_origins) */
    uint32_t pool_type;           /**< unit type wanted (pool.type), CPN_NONE = any pool */
    uint32_t units;               /**< units needed at once [units], >= 1 */
    double work;                  /**< compute work [FLOP]; 0 when @ref duration is given */
    double duration;              /**< run time independent of speed [s]; 0 when @ref work is */
    double walltime;              /**< requested run-time limit [s]; 0 when unknown */
    double input_bytes;           /**< data to stage in before the run [B]; 0 for none */
    uint32_t input_origin;        /**< origin index where the input lives: the node of the job's
                                       dataset's storage site, else its data node; CPN_NONE =
                                       @ref origin */
    double submit;                /**< submit time [s] */
    double deadline;              /**< absolute deadline [s]; 0 = none */
    double slo;                   /**< latency objective per request [s]; 0 = none */
    uint32_t attempts;            /**< placements so far (> 0 when re-placed after a conflict) */
    uint32_t splittable;          /**< 1 when the job may be split over centers (a training
                                       job by iterations: cpn_policy_decision.n_split), else 0 */
};

/** One resource pool of a center: identical units. */
struct cpn_world_pool {
    uint32_t type;     /**< unit type, a dense index defined by the scenario (e.g. cpu, gpu) */
    uint32_t units;    /**< size of the pool [units] */
    uint32_t free;     /**< units free now (as far as the view knows) [units] */
    double speed;      /**< per-unit speed [FLOP/s] */
    double memory;     /**< per-unit memory [B] */
    double power_idle; /**< per-unit power when idle [W] */
    double power_peak; /**< per-unit power when busy [W] */
};

/** One compute center as the view knows it. */
struct cpn_world_center {
    const char *name;                   /**< center id, for messages (borrowed) */
    uint32_t node;                      /**< topology node the center attaches to */
    uint32_t region;                    /**< region index (distributed awareness, DESIGN §4.8) */
    int up;                             /**< 1 when accepting work, 0 when down */
    uint32_t n_pools;                   /**< number of pools */
    const struct cpn_world_pool *pools; /**< pools[n_pools] */
    uint32_t queue_length;              /**< jobs waiting in the local queue [jobs] */
    double queued_units;                /**< units requested by the waiting jobs [units] */
    double queued_work;                 /**< units x estimated run time of waiting jobs [unit s] */
    double running_work;                /**< remaining units x time of running jobs [unit s] */
    double price;                       /**< price of one unit for one second [currency/(unit s)] */
    double carbon;                      /**< carbon intensity of the electricity [kg/J] */
    double pue;                         /**< power usage effectiveness [1], >= 1 */
    double measured;                    /**< time this state was measured [s] (<= world.time) */
};

/**
 * The view handed to a policy.  Every pointer is borrowed from the simulation (or from the
 * awareness module) and valid only during the call that received the view.
 */
struct cpn_world {
    double time;                            /**< simulated time the view was taken [s] */
    uint32_t n_centers;                     /**< number of centers */
    const struct cpn_world_center *centers; /**< centers[n_centers], index = center index */
    uint32_t n_origins;                     /**< number of origins (job sources, data sites) */
    const uint32_t *origin_node;            /**< origin_node[n_origins]: topology node */
    const uint32_t *origin_region;          /**< origin_region[n_origins]: region index */
    uint32_t n_paths;                       /**< path counts described by bandwidth, >= 1 */
    const double *rtt;                      /**< [s], n_origins x n_centers, row-major */
    /**
     * Currently available bandwidth [B/s], n_origins x n_centers x n_paths, row-major: entry k
     * is the total over the k+1 best paths (so non-decreasing in k, and shared bottlenecks
     * already accounted for by the simulation); 0 when unreachable.  Read it through
     * cpn_world_bandwidth(): the simulation fills an (origin, center) entry when it is first
     * read (NaN until then), so a placement pays only for the rows its policy reads.
     */
    const double *bandwidth;
    /**
     * Fills the n_paths entries of (origin @p o, center @p c) of @ref bandwidth, or NULL when
     * every entry is filled already (views built by hand, tests).  Set by the simulation.
     */
    void (*fill_bandwidth)(const struct cpn_world *w, uint32_t o, uint32_t c);
    void *fill_ctx; /**< the simulation's context for fill_bandwidth (opaque to policies) */
};

/** Return the round-trip time from origin @p o to center @p c [s].  O(1), no check. */
static inline double cpn_world_rtt(const struct cpn_world *w, uint32_t o, uint32_t c)
{
    return w->rtt[(size_t)o * w->n_centers + c];
}

/**
 * Return the available bandwidth from origin @p o to center @p c when a transfer is split over
 * @p paths paths [B/s].  @p paths in [1, w->n_paths].  O(1), no check; the first read of an
 * (origin, center) entry in a placement computes it (O(n_paths x hops)).
 */
static inline double cpn_world_bandwidth(const struct cpn_world *w, uint32_t o, uint32_t c,
                                         uint32_t paths)
{
    size_t i = ((size_t)o * w->n_centers + c) * w->n_paths + (paths - 1);
    if (w->fill_bandwidth && isnan(w->bandwidth[i]))
        w->fill_bandwidth(w, o, c); /* first read of the entry since the network changed */
    return w->bandwidth[i];
}

/** Which fit cpn_world_fit_pool() asks for. */
enum cpn_world_fit {
    CPN_WORLD_FIT_EVER = 0, /**< the pool is large enough (the job can run there some day) */
    CPN_WORLD_FIT_NOW = 1   /**< enough units are free now */
};

/**
 * Find the pool of center @p c where @p job fits: the fastest pool of the wanted type with
 * enough units (@p fit = CPN_WORLD_FIT_EVER) or enough free units (CPN_WORLD_FIT_NOW); ties go
 * to the lower pool index.
 * @return the pool index, or CPN_NONE when none fits or the center is down.  O(pools).
 */
static inline uint32_t cpn_world_fit_pool(const struct cpn_world_center *c,
                                          const struct cpn_world_job *job, enum cpn_world_fit fit)
{
    uint32_t best = CPN_NONE;
    if (!c->up)
        return CPN_NONE;
    for (uint32_t p = 0; p < c->n_pools; p++) {
        const struct cpn_world_pool *pool = &c->pools[p];
        uint32_t have = fit == CPN_WORLD_FIT_NOW ? pool->free : pool->units;
        if ((job->pool_type != CPN_NONE && pool->type != job->pool_type) || have < job->units)
            continue;
        if (best == CPN_NONE || pool->speed > c->pools[best].speed)
            best = p;
    }
    return best;
}

/** Return the total size of the pools of center @p c that @p job may use [units].  O(pools). */
static inline double cpn_world_eligible_units(const struct cpn_world_center *c,
                                              const struct cpn_world_job *job)
{
    double units = 0;
    for (uint32_t p = 0; p < c->n_pools; p++)
        if (job->pool_type == CPN_NONE || c->pools[p].type == job->pool_type)
            units += c->pools[p].units;
    return units;
}

/**
 * Return the run time of @p job on pool @p pool [s]: its duration when given, else
 * work / (units x per-unit speed); INFINITY when the pool has no speed.  This is the run time
 * rule of docs/models-jobs.md ("Run time"), with its assumption that work divides perfectly
 * over the units; a job given as a duration on reference hardware reaches a policy as work.
 */
static inline double cpn_world_run_time(const struct cpn_world_job *job,
                                        const struct cpn_world_pool *pool)
{
    if (job->duration > 0)
        return job->duration;
    if (pool->speed <= 0)
        return INFINITY;
    return job->work / ((double)job->units * pool->speed);
}

/**
 * Estimate how long @p job would wait in the local queue of center @p c [s]: 0 when the queue
 * is empty and a pool fits the job now; otherwise (queued_work + running_work) / eligible units.
 * Approximation: the center is treated as a work-conserving fluid of unit-seconds (perfect
 * packing, FCFS order); fragmentation and backfilling make the real wait longer or shorter.
 * @return the estimate [s]; INFINITY when the center has no eligible unit.  O(pools).
 */
static inline double cpn_world_wait_estimate(const struct cpn_world_center *c,
                                             const struct cpn_world_job *job)
{
    if (c->queue_length == 0 && cpn_world_fit_pool(c, job, CPN_WORLD_FIT_NOW) != CPN_NONE)
        return 0;
    double units = cpn_world_eligible_units(c, job);
    if (units <= 0)
        return INFINITY;
    return (c->queued_work + c->running_work) / units;
}

/**
 * Estimate the stage-in time of @p job's input to center @p c [s], splitting over the number of
 * paths k in [1, min(max_paths, w->n_paths)] that minimises
 * RTT + (k - 1) x path_overhead + input_bytes / bandwidth(k).
 * Zero when the job has no input or the input already sits at the center's node.
 * @param path_overhead set-up time of each additional path [s], >= 0.
 * @param paths_out receives the chosen k (1 when there is nothing to transfer); may be NULL.
 * @return the time [s]; INFINITY when no path has bandwidth.  O(max_paths).
 * Approximation: the transfer runs at today's available bandwidth for its whole duration
 * (a fluid estimate, DESIGN.md §4.2), after one RTT of connection set-up.
 */
static inline double cpn_world_stage_in_time(const struct cpn_world *w,
                                             const struct cpn_world_job *job, uint32_t c,
                                             uint32_t max_paths, double path_overhead,
                                             uint32_t *paths_out)
{
    uint32_t src = job->input_origin == CPN_NONE ? job->origin : job->input_origin;
    uint32_t kmax = max_paths < w->n_paths ? max_paths : w->n_paths;
    double best = INFINITY;
    uint32_t best_k = 1;
    if (job->input_bytes <= 0 || w->origin_node[src] == w->centers[c].node) {
        best = 0;
        kmax = 0;
    }
    for (uint32_t k = 1; k <= kmax; k++) {
        double bandwidth = cpn_world_bandwidth(w, src, c, k);
        if (bandwidth <= 0)
            continue;
        double t =
            cpn_world_rtt(w, src, c) + (k - 1) * path_overhead + job->input_bytes / bandwidth;
        if (t < best) {
            best = t;
            best_k = k;
        }
    }
    if (paths_out)
        *paths_out = best_k;
    return best;
}

/**
 * Estimate the energy @p job draws on pool @p pool of center @p c [J]:
 * PUE x units x per-unit peak power x run time.
 * Assumption: a busy unit draws its peak power for the whole run and the job is charged the
 * facility overhead through the PUE (The Green Grid, "PUE: a comprehensive examination of the
 * metric", WP#49, 2012).
 */
static inline double cpn_world_energy(const struct cpn_world_center *c,
                                      const struct cpn_world_pool *pool,
                                      const struct cpn_world_job *job)
{
    return c->pue * (double)job->units * pool->power_peak * cpn_world_run_time(job, pool);
}

/**
 * A score of placing @p job on pool @p pool of center @p center (lower is better), for
 * cpn_world_argmin().  Non-finite scores mean "never choose".
 */
typedef double cpn_world_score_fn(const struct cpn_world *w, const struct cpn_world_job *job,
                                  uint32_t center, uint32_t pool, void *arg);

/**
 * Find the center with the lowest finite @p score among those where @p job fits (@p fit, as
 * cpn_world_fit_pool(); the score is given the pool that function picks).  Ties go to the lower
 * center index, so the result is deterministic.
 * @param arg passed to @p score.
 * @param pool_out receives the pool of the chosen center (CPN_NONE when none); may be NULL.
 * @return the center index, or CPN_NONE when no center fits or no score is finite.
 *         O(centers x (pools + cost of score)).
 */
static inline uint32_t cpn_world_argmin(const struct cpn_world *w, const struct cpn_world_job *job,
                                        enum cpn_world_fit fit, cpn_world_score_fn *score,
                                        void *arg, uint32_t *pool_out)
{
    uint32_t best = CPN_NONE, best_pool = CPN_NONE;
    double best_score = INFINITY;
    for (uint32_t c = 0; c < w->n_centers; c++) {
        uint32_t pool = cpn_world_fit_pool(&w->centers[c], job, fit);
        if (pool == CPN_NONE)
            continue;
        double s = score(w, job, c, pool, arg);
        if (isfinite(s) && (best == CPN_NONE || s < best_score)) {
            best = c;
            best_pool = pool;
            best_score = s;
        }
    }
    if (pool_out)
        *pool_out = best_pool;
    return best;
}

#endif /* CPN_MODELS_WORLD_H */
