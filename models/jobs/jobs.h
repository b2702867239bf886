/**
 * @file models/jobs/jobs.h
 * @brief Jobs: the life cycle of every job kind (DESIGN.md §4.5, issue 5) and its placement by a
 *        scheduling policy through compute awareness (§4.7, §4.8, issue 6).
 *
 * The jobs layer owns the compute centers of a run and drives them, the network and the policy
 * from the engine.  Jobs come from three kinds of source: single jobs (cpn_jobs_submit()),
 * synthetic generators (cpn_jobs_add_generator(), lazy: one pending arrival event per source)
 * and workload log replays (cpn_jobs_add_wlog()).
 *
 * **Life cycle of a batch or training job** (timestamps in struct cpn_job_times):
 *  1. *submit*: the job arrives at its origin node.  A job that no center can ever fit (no pool
 *     of its type with enough units, or its fixed center cannot) is **rejected** at once with a
 *     reason: a job record with state CPN_JOB_REJECTED and an event of kind CPN_EVENT_OTHER
 *     whose detail says why.  Jobs are never dropped silently.
 *  2. *placement*: the policy places it on the view of the world that the scheduler at the
 *     job's origin has (models/policy/awareness.h), unless the job has a fixed center.  The view's
 *     network part is exact and computed for the job's origin row only: RTT = 2 x latency of
 *     the shortest path (by latency) from the origin to each center's node, and bandwidth[k] =
 *     the sum of cpn_flownet_path_offer() over the k+1 shortest simple paths (Yen), k < the
 *     configured number of paths.  Every placement emits an event of kind CPN_EVENT_DECISION
 *     (subject = job id, detail "center=NAME pool=P paths=K staleness=S").  "Hold" puts the job
 *     at the tail of a global FIFO queue; the held jobs are offered again, in order, whenever a
 *     job ends on a center and at every awareness report event, until reoffer_depth of them
 *     were held again (the others wait, in order, for the next re-offer).
 *  3. *stage-in*: bytes_in move from the job's data node to the center's node (one flow over
 *     the shortest path, or a multipath transfer over k paths when the decision, or the job,
 *     asks for k > 1).  Nothing moves when bytes_in is 0 or the data already sits at the
 *     center's node.
 *  4. *arrival*: cpn_awareness_arrival() checks for a conflict (the view said the job fits now,
 *     the center is full).  A conflict re-places the job (attempts + 1); when the new decision
 *     is the same center, or after CPN_JOBS_MAX_ATTEMPTS placements, the job joins that
 *     center's local queue; on another center it stages in again from its data node
 *     (Assumption: the data is fetched from its source again, not forwarded).
 *  5. *queue and run*: cpn_center_submit() on the chosen pool (the decision's pool, else the
 *     fastest pool that fits now, else the fastest that ever fits), with the run time at that
 *     pool's speed (rule below) and the walltime estimate scaled the same way.
 *  6. *stage-out*: bytes_out move from the center's node back to the origin (same path rule).
 *  7. *done*: a job record (state CPN_JOB_DONE) goes to the observer.
 *
 * **Run time rule.**  Written once, in docs/models-jobs.md ("Run time"): a job's run time on a
 * pool follows from its work or its duration on reference hardware, and its walltime estimate
 * scales with it.  Implemented by runtime_at() and ref_runtime() in jobs.c; the policies' view
 * (jobs_world.c) hands the same job to cpn_world_run_time() (models/world.h) as work
 * W = D x units x ref_speed, so both give the same figure.
 * A job that outruns its estimate is ended by the center at the estimate
 * (CPN_WALLTIME_KILL, as Slurm does) and reported FAILED ("killed at the walltime limit"),
 * without stage-out; under CPN_WALLTIME_EXTEND it completes.
 *
 * **Other kinds.**
 *  - `ingest`: a pure transfer of bytes_in from the data node into the storage of the center
 *    that the policy (or the job) chooses, split over k paths (multipath).  The policy sees the
 *    job as 1 unit of work 0 (so it needs a center with a pool that is up); no unit is held.
 *    The job is done when its last byte arrives.  Storage capacity and write bandwidth are not
 *    modelled yet.
 *  - `deploy`: one model of bytes_in [B] pushed from the data node to N target centers: the N
 *    centers of kind target_kind (any kind when CPN_CENTER_NKINDS) with the lowest RTT from the
 *    data node (ties by center index), or the fixed center alone; N flows (each split over k
 *    paths when k > 1).  No policy, no unit held.  Done when every copy has arrived; the job
 *    record names the nearest target.  Fewer than N eligible centers: all of them are used
 *    (at least one, else the job is rejected).
 *  - `vm`: holds `units` units for its lifetime (duration, speed-independent), after stage-in.
 *  - `inference`: a service placed like a batch job holds `units` servers of a pool for its
 *    lifetime (duration [s], speed-independent).  While it is up, requests arrive: Poisson at
 *    request_rate, or from a request workload log (times relative to the moment the service is up).
 *    Each request waits FCFS for one of the c = units servers (an explicit M/G/c queue per
 *    service) and is served for request FLOP / per-unit speed.  Its latency = RTT(origin,
 *    center) + request_bytes / (rate the shortest path offers at the request's arrival) +
 *    queueing + service, reported through the observer's request_end with slo_met against the
 *    job's SLO.  Approximation: requests are not flows (too small to load the links); a request
 *    joins the queue at its arrival time (a constant one-way delay shifts a Poisson stream
 *    without changing its queue; the request-size term is ignored for the queue order).
 *    Requests still queued when the lifetime ends are served (drained) before the service
 *    ends; the center accounts the units only for the lifetime.  The job's slo_met is 1 when at
 *    least CPN_JOBS_SLO_FRACTION of its requests met the SLO.
 *
 * **Job record fields** (models/observer.h): wait = start - arrival at the center (after
 * stage-in and any conflict); bytes_in/bytes_out = bytes delivered; staleness = that of the last
 * placement decision (NaN for fixed-center, deploy and rejected jobs); slo_met = 1/0 against the
 * absolute deadline (done <= deadline) or, for inference, the request SLO; -1 when none.
 *
 * **Randomness**: generator "ID" draws everything (arrivals, origins, attributes) on the stream
 * "workload/ID"; a workload log source with byte distributions on "workload/ID"; each inference
 * service on "jobs/inference/JOBID" (sim/rng.h), so adding a source disturbs no other.
 *
 * **Memory**: jobs live in a pool of slots reused after they end (no malloc per job in steady
 * state); job ids are dense indices in submission order (the order of cpn_jobs_submit() calls,
 * then of arrivals).  An inference service allocates its queue (grown geometrically).
 *
 * **Periodic events** (awareness reports, policy ticks, samples) run only while work remains
 * (a source has arrivals left, or a job is not finished), so cpn_engine_run(eng, INFINITY)
 * returns when the workload is done.
 */
#ifndef CPN_MODELS_JOBS_JOBS_H
#define CPN_MODELS_JOBS_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "models/policy/awareness.h"
#include "models/centers/center.h"
#include "models/net/network.h"
#include "models/observer.h"
#include "models/policy.h"
#include "models/workload/wlog.h"
#include "models/workload/workload.h"
#include "models/world.h"

struct cpn_engine;
struct cpn_rng;
struct cpn_jobs;

/**
 * Default re-offer depth: each re-offer of the hold queue stops once this many jobs were held
 * again (the rest keep their order) [jobs].  Source: Slurm's main scheduling loop tests at most
 * `default_queue_depth` = 100 jobs per pass (slurm.conf(5), SchedulerParameters).
 */
#define CPN_JOBS_REOFFER_DEPTH 100

/** Placements of one job before it is queued where it is (conflict re-placements) [count]. */
#define CPN_JOBS_MAX_ATTEMPTS 4

/**
 * Fraction of an inference service's requests that must meet the SLO for the job's slo_met
 * [1].  Assumption: a p99 latency objective, the common form of serving SLOs.
 */
#define CPN_JOBS_SLO_FRACTION 0.99

/** Job kinds (DESIGN.md §4.5); the same numbers as enum cpn_world_job_kind (checked). */
enum cpn_job_kind {
    CPN_JOB_BATCH = 0,     /**< HPC batch job: units x run time, stage-in/out */
    CPN_JOB_TRAINING = 1,  /**< AI training: GPUs, FLOP or duration, dataset, checkpoint */
    CPN_JOB_INGEST = 2,    /**< bulk transfer into a center's storage (multipath) */
    CPN_JOB_DEPLOY = 3,    /**< a model pushed to N target centers */
    CPN_JOB_INFERENCE = 4, /**< a service answering requests under a latency SLO */
    CPN_JOB_VM = 5,        /**< cloud VM: cores x lifetime */
    CPN_JOB_NKINDS = 6     /**< number of kinds (not a kind) */
};

_Static_assert(CPN_JOB_BATCH == (int)CPN_WORLD_JOB_BATCH &&
                   CPN_JOB_TRAINING == (int)CPN_WORLD_JOB_TRAINING &&
                   CPN_JOB_INGEST == (int)CPN_WORLD_JOB_INGEST &&
                   CPN_JOB_DEPLOY == (int)CPN_WORLD_JOB_DEPLOY &&
                   CPN_JOB_INFERENCE == (int)CPN_WORLD_JOB_INFERENCE &&
                   CPN_JOB_VM == (int)CPN_WORLD_JOB_VM &&
                   CPN_JOB_NKINDS == (int)CPN_WORLD_JOB_NKINDS,
               "enum cpn_job_kind must match enum cpn_world_job_kind");

/** Most centers a training job may be split over. */
#define CPN_JOBS_MAX_SPLIT 16

/** How a job reaches its input (DESIGN.md §4.10). */
enum cpn_data_access {
    CPN_ACCESS_STAGE = 0, /**< copy the whole input to the center before queueing (default) */
    CPN_ACCESS_STREAM     /**< read it during the run (docs/models-jobs.md, "Streamed datasets") */
};

/** How a split training job cuts its model over its centers (DESIGN.md §4.6). */
enum cpn_parallelism {
    CPN_PARALLEL_DP = 0, /**< data parallel: every center holds the model; gradients are
                              all-reduced every sync_every iterations */
    CPN_PARALLEL_PP      /**< pipeline parallel: each center holds consecutive stages;
                              activations and their gradients cross every stage boundary */
};

/**
 * The iterations of a training job (docs/models-jobs.md, "Training across centers").  A job with
 * iterations 0 is not modelled by iterations (its run time follows the run time rule).
 */
struct cpn_training {
    uint64_t iterations;   /**< iterations to run; 0 = no iteration model */
    double iteration_flop; /**< work of one iteration of the whole job [FLOP], > 0 */
    double mfu;            /**< model FLOP utilisation in (0, 1]: achieved / peak speed */
    enum cpn_parallelism parallelism; /**< how a split cuts the model */
    double gradient_bytes;            /**< DP: gradients all-reduced per synchronisation, S [B] */
    double activation_bytes;          /**< PP: bytes crossing each stage boundary per iteration in
                                           each direction (activations forward, their gradients
                                           backward) [B] */
    double overlap;                   /**< fraction of an iteration's compute during which its
                                           communication may proceed, in [0, 1] */
    uint32_t sync_every;              /**< DP: synchronise every H iterations (local SGD), >= 1 */
    double intra_bandwidth;           /**< per-unit bandwidth inside a center for the hierarchical
                                           all-reduce [B/s], > 0; INFINITY = free.  The all-reduce of
                                           a center of u units moves 2 (u - 1) / u x S through the u
                                           units' links together (Assumption: the model is sharded
                                           over the units, tensor and pipeline parallelism inside the
                                           center; the bandwidth-optimal all-reduce, Patarasuk & Yuan,
                                           JPDC 69(2), 2009), so it takes 2 (u - 1) / u x S / (u B) */
};

/**
 * One job.  Fill with cpn_job_spec_init(), then set fields.  Pointers are borrowed and must
 * outlive the jobs object (a generator's or workload log source's template is copied, its pointers
 * are not).
 */
struct cpn_job_spec {
    enum cpn_job_kind kind;      /**< kind; default CPN_JOB_BATCH */
    uint32_t origin;             /**< origin node index (user, result destination); required */
    double submit;               /**< submit time [s], >= the engine's time at cpn_jobs_submit();
                                      ignored in generator and trace templates */
    uint32_t units;              /**< units needed at once [units], >= 1; default 1 */
    double share;                /**< fraction of its one unit it uses, in (0, 1), on a shareable
                                      pool (GPU sharing: Alibaba gpu_milli / 1000); 0: whole
                                      units (default) */
    uint32_t pool_type;          /**< pool type wanted: cpn_jobs_pool_type() of an accelerator name;
                                      CPN_NONE (default) = any pool */
    double work;                 /**< compute work [FLOP], >= 0; 0 = use @ref duration */
    double duration;             /**< run time on the reference hardware [s], >= 0; the lifetime of
                                      a vm or inference job (speed-independent) */
    double ref_speed;            /**< per-unit speed of the reference hardware [FLOP/s], >= 0;
                                      0 = @ref duration is speed-independent (default) */
    double walltime;             /**< walltime estimate on the reference hardware [s], >= 0;
                                      0 = the exact run time (perfect estimate); default 0 */
    double elastic;              /**< elastic bandwidth asked for its input's transfer [B/s],
                                      >= 0 (e.g. "8x1Gbps" = 1e9 B/s): added to every link of
                                      its path after their set-up time while the transfer lasts,
                                      when their budgets allow (cpn_network_request_bandwidth);
                                      0 = none */
    double checkpoint;           /**< checkpoint interval of its run [s], >= 0: when its center
                                      fails, the work since its last checkpoint is lost and the
                                      rest is kept (docs/models-dynamics.md); 0 = none (all of
                                      its run is lost) */
    double checkpoint_bytes;     /**< size of one checkpoint [B], >= 0: with a checkpoint
                                      interval and a storage site at its center, each checkpoint
                                      is a flow to that site's write bandwidth and counts only
                                      once written; 0 (or no site): checkpoints are instant */
    double bytes_in;             /**< input to stage in (ingest: bytes to move; deploy: model size)
                                      [B], >= 0 */
    uint32_t data_node;          /**< node where the input lives; CPN_NONE (default) = origin */
    double bytes_out;            /**< results/checkpoint moved back to the origin after the run
                                      [B], >= 0 */
    double deadline;             /**< absolute deadline [s]; 0 (default) = none */
    double slo;                  /**< inference: latency objective per request [s]; 0 = none */
    uint32_t paths;              /**< paths to split transfers over, 0..CPN_NETWORK_MAX_PATHS;
                                      0 (default) = the policy's choice (1 without a policy) */
    uint32_t center;             /**< fixed center index (`<placement center=".."/>`); CPN_NONE
                                      (default) = the policy decides */
    uint32_t transport;          /**< transport profile of its transfers: index into the network's
                                      profile table; CPN_NONE (default) = cpn_jobs_config.profile */
    uint32_t dataset_site;       /**< storage site holding its input (bytes_in): index into
                                      cpn_jobs_config.site_nodes; CPN_NONE (default) = at data_node
                                      (or the origin), outside any site */
    enum cpn_data_access access; /**< stage (default) or stream the input */
    double prefetch;             /**< stream: bytes staged before the run into the prefetch buffer
                                      [B], >= 0 (at most bytes_in) */
    uint32_t n_split;            /**< training split over this many centers (>= 2), with
                                      split_centers and split_units; 0 (default) = one center */
    const uint32_t *split_centers; /**< centers of the split, length n_split, distinct
                                        (borrowed; outlives the jobs object) */
    const uint32_t *split_units;   /**< units at each, length n_split, >= 1 each, summing to
                                        @ref units (borrowed) */
    struct cpn_training training;  /**< iteration model (training kind; iterations 0 = none) */
    /* inference */
    double request_rate; /**< Poisson request rate [1/s], >= 0 (unused with a workload log) */
    double request_flop; /**< work of one request [FLOP], >= 0 (when no distribution) */
    const struct cpn_dist *request_flop_dist; /**< distribution of a request's work [FLOP]
                                                   drawn per request, or NULL (borrowed) */
    double request_bytes;                     /**< request payload sent to the service [B], >= 0 */
    const struct cpn_wlog_request *requests;  /**< request workload log (times [s] relative to the
                                                     service start; flop used when not NaN), or
                                                     NULL (borrowed, sorted by time) */
    size_t n_requests;                        /**< length of @ref requests */
    /* deploy */
    uint32_t targets;                 /**< number of target centers N, >= 1; default 1 */
    enum cpn_center_kind target_kind; /**< kind of the targets; CPN_CENTER_NKINDS (default) =
                                           any kind */
};

/**
 * A synthetic job source.  Every job copies @ref base, then the attributes whose distribution
 * is given are drawn (in the order of the fields below) on the stream "workload/ID".
 * Strings and distributions are borrowed and must outlive the jobs object; arrays are copied.
 */
struct cpn_generator_spec {
    const char *id;               /**< source id, non-empty, unique among sources */
    struct cpn_job_spec base;     /**< template: kind, fixed values, placement (copied) */
    struct cpn_arrivals arrivals; /**< arrival process (copied) */
    double start;                 /**< first possible arrival [s]; default 0 */
    double stop;                  /**< no arrival at or after [s]; default INFINITY */
    uint64_t max_jobs;            /**< at most this many jobs; 0 (default) = no limit */
    uint32_t n_origins;           /**< 0 = base.origin; else the origin is drawn among: */
    const uint32_t *origins;      /**< origin node indices, length n_origins (copied) */
    const double *origin_weights; /**< weights >= 0 (sum > 0), length n_origins, or NULL =
                                       equal (copied) */
    /* Distributions (NULL = the base value).  Sampled values are clamped to >= 0. */
    const struct cpn_dist *units;           /**< units [count]; rounded to nearest, at least 1 */
    const struct cpn_dist *work;            /**< work [FLOP] */
    const struct cpn_dist *duration;        /**< duration on reference hardware / lifetime [s] */
    const struct cpn_dist *walltime;        /**< walltime estimate [s] */
    const struct cpn_dist *walltime_factor; /**< walltime = factor x reference run time [1]
                                                 (used when @ref walltime is NULL) */
    const struct cpn_dist *bytes_in;        /**< input / ingest / model bytes [B] */
    const struct cpn_dist *bytes_out;       /**< output bytes [B] */
    const struct cpn_dist *deadline;        /**< relative deadline after submit [s] */
    const struct cpn_dist *request_rate;    /**< inference request rate [1/s] */
};

/**
 * A workload log replay source: one job per workload log job record (struct cpn_wlog_job), in time
 * order; or, for a request workload log (njobs == 0, nrequests > 0), one inference service (base)
 * at time
 * @ref service_submit whose requests are the workload log's records.
 * Job records map as: submit = record.submit; units = record.units (0 -> 1); duration =
 * record.runtime with base.ref_speed as the reference speed; walltime = record.walltime
 * (NaN -> exact); a record with an unknown run time (NaN) is skipped and counted
 * (cpn_jobs_stats.wlog_skipped; one warning per source).
 */
struct cpn_wlog_source_spec {
    const char *id;             /**< source id, non-empty (stream "workload/ID") */
    const struct cpn_wlog *log; /**< the read workload log (borrowed; outlives the jobs object) */
    struct cpn_job_spec base;   /**< template: kind, origin, ref_speed, bytes, placement */
    const uint32_t *origins;    /**< origin node per job record (length workload logs->njobs,
                                     copied), or NULL = base.origin; see
                                     cpn_wlog_assign_origins() */
    const struct cpn_dist *bytes_in;  /**< input bytes per job [B], or NULL = base.bytes_in */
    const struct cpn_dist *bytes_out; /**< output bytes per job [B], or NULL = base.bytes_out */
    double service_submit;            /**< request workload log: submit time of the service [s] */
    uint32_t cpu_pool_type; /**< pool type of the records that ask no unit of base.pool_type
                                 but CPU cores (Alibaba CPU-only pods: num_gpu 0, cpu_milli > 0):
                                 each runs on ceil(cpus) units of it; CPN_NONE (the default):
                                 they run on one unit of base.pool_type */
    /** A streamed job log (log from cpn_wlog_scan(): no records kept): the records come from
     *  @ref next, called as the run reaches them (one record read ahead), in time order, with
     *  their origin node (CPN_NONE: base.origin); log->njobs of them.  NULL: log->jobs.  An
     *  error it returns (the file changed since it was loaded: reported at its line) stops the
     *  run. */
    int (*next)(void *ctx, struct cpn_wlog_job *rec, uint32_t *origin, int *more);
    void *next_ctx; /**< @ref next's context (borrowed; outlives the jobs object) */
};

/** Every timestamp and figure of one finished job (for tests and detailed traces). */
struct cpn_job_times {
    uint32_t id;               /**< job id */
    enum cpn_job_kind kind;    /**< kind */
    enum cpn_job_state state;  /**< CPN_JOB_DONE, CPN_JOB_REJECTED or CPN_JOB_FAILED */
    const char *reason;        /**< why it was rejected or failed (a static string, or a
                                    policy's rejection kept by the jobs object until it is
                                    freed), else NULL */
    uint32_t origin;           /**< origin node */
    uint32_t center;           /**< center (nearest target for deploy), CPN_NONE when rejected */
    uint32_t pool;             /**< pool used, CPN_NONE when none */
    uint32_t units;            /**< units */
    uint32_t attempts;         /**< placement decisions taken (0 for fixed-center jobs) */
    double submit;             /**< submit [s] */
    double placed;             /**< last placement decision [s], NaN when none */
    double staged;             /**< stage-in (ingest, deploy: the transfer) complete [s], NaN */
    double queued;             /**< submitted to the center's queue [s], NaN when never */
    double start;              /**< run start [s], NaN when never */
    double run_end;            /**< run end [s], NaN when never */
    double done;               /**< done, rejected or failed [s] */
    double runtime;            /**< run time at the chosen pool [s], NaN when never computed */
    double staleness;          /**< of the last decision [s], NaN when none */
    double bytes_in_asked;     /**< bytes to stage in (x targets for deploy) [B] */
    double bytes_in_done;      /**< bytes delivered in [B] */
    double bytes_out_asked;    /**< bytes to stage out [B] */
    double bytes_out_done;     /**< bytes delivered out [B] */
    uint64_t requests;         /**< inference: requests served */
    uint64_t requests_slo_met; /**< inference: requests within the SLO */
};

/**
 * Optional per-job hook, called once per job when it ends (before the observer's job_end).
 * @param ctx the hook context of the config.
 * @param t the job (borrowed for the call).
 */
typedef void cpn_jobs_hook_fn(void *ctx, const struct cpn_job_times *t);

/** Configuration of cpn_jobs_new().  Everything is borrowed and must outlive the jobs object. */
struct cpn_jobs_config {
    struct cpn_engine *engine;             /**< engine (required) */
    struct cpn_network *network;           /**< network (required) */
    const struct cpn_topo *topo;           /**< topology of @ref network (required) */
    struct cpn_router *router;             /**< router of @ref network (required) */
    struct cpn_policy *policy;             /**< policy instance, sized for the centers added and
                                                n_origins = node count; NULL: every job needs a fixed
                                                center (others are rejected, reason "no policy") */
    struct cpn_awareness_config awareness; /**< awareness mode (default oracle) */
    uint32_t n_paths;                      /**< paths described in the view's bandwidth (k of Yen),
                                                1..CPN_NETWORK_MAX_PATHS; 0 = 1 */
    uint32_t profile; /**< transport profile of job transfers: index into the network's profile
                           table (0 = ideal with the default table) */
    const uint32_t *site_nodes;  /**< node of each storage site of the network's configuration
                                      (cpn_network_config.sites, same indices), length n_sites */
    uint32_t n_sites;            /**< number of storage sites */
    const uint32_t *node_region; /**< region of every node (length node count), or NULL:
                                      region = node index; a center's region is its node's */
    const struct cpn_observer *observer; /**< observer (may be NULL) */
    struct cpn_rng *rng;    /**< random streams (required with generators, inference) */
    double sample_interval; /**< utilisation sampling period [s]; 0 = no samples */
    int sample_always;      /**< nonzero: sample until the engine stops, even when no job work is
                                 left (flows given outside the jobs layer, such as a scenario's
                                 <traffic>, still load the links); the run must then end at a
                                 finite time */
    uint32_t reoffer_depth; /**< held jobs re-held before a re-offer stops [jobs];
                                 0 = CPN_JOBS_REOFFER_DEPTH */
    double arrivals_until;  /**< no job arrives after this time [s] (a scenario's `until`, so
                                 that a drain only finishes the work submitted before it);
                                 0 = no limit.  Jobs due later never arrive and are not
                                 counted. */
    cpn_jobs_hook_fn *hook; /**< optional per-job hook, or NULL */
    void *hook_ctx;         /**< passed to @ref hook */
};

/** Counters of a run so far. */
struct cpn_jobs_stats {
    uint64_t submitted;        /**< jobs submitted (arrived) */
    uint64_t done;             /**< jobs done */
    uint64_t rejected;         /**< jobs rejected */
    uint64_t failed;           /**< jobs failed */
    uint64_t active;           /**< jobs arrived and not ended (held, moving, queued, running) */
    uint64_t held;             /**< jobs in the global hold queue now */
    uint64_t decisions;        /**< policy placements on a center */
    uint64_t holds;            /**< "hold" decisions */
    uint64_t conflicts;        /**< arrivals that found the center full (re-placed) */
    uint64_t flows;            /**< flows started */
    uint64_t requests;         /**< inference requests served */
    uint64_t requests_slo_met; /**< of which within the SLO */
    uint64_t wlog_skipped;     /**< workload log records skipped (unknown run time) */
    uint64_t wlog_cancelled;   /**< workload log records of jobs cancelled before they ran */
    uint64_t wlog_rows;        /**< data rows of the job workload logs (records + malformed) */
    uint64_t wlog_malformed;   /**< of them, malformed rows dropped (on-error="skip") */
    uint64_t wlog_outside;     /**< records outside their window, or beyond max-jobs */
    uint64_t wlog_filtered;    /**< records left out by min/max-units or completed-only */
    uint64_t wlog_replayed;    /**< records submitted as jobs */
    uint64_t wlog_after_until; /**< records whose arrival would come after until (set by
                                    cpn_jobs_finish()) */
    uint64_t requeued;         /**< runs ended by a center failure and placed again */
    double lost_work;          /**< unit-seconds of runs lost to center failures (the time
                                    since each run's last checkpoint x its units) [unit s] */
    uint64_t migrated;         /**< jobs moved to another center by their policy (migration) */
    double migrated_bytes;     /**< state those moves carried between centers [B] */
    uint64_t requests_failed;  /**< inference requests failed with their service's center */
    uint64_t bw_granted;       /**< elastic bandwidth requests granted */
    uint64_t bw_refused;       /**< elastic bandwidth requests refused (budget spent) */
    double bw_setup;           /**< sum of the set-up times of the granted requests [s] */
    double staleness_mean;     /**< mean staleness of the placements [s] */
    double staleness_max;      /**< largest staleness [s] */
    double bytes_asked;        /**< bytes of all transfers started [B] */
    double bytes_delivered;    /**< bytes delivered by finished transfers [B] */
    double placement_time;     /**< wall-clock time spent choosing centers [s]: network rows,
                                    view and policy of every placement (not the dispatch that
                                    follows).  A measurement of the program, not a result: it
                                    differs between runs and is never a summary row */
};

/** Return the name of @p kind ("batch", "training", "ingest", "deploy", "inference", "vm"),
 *  or "?" when out of range. */
const char *cpn_job_kind_name(enum cpn_job_kind kind);

/**
 * Return the table of kind names indexed by enum cpn_job_kind (static storage), for
 * cpn_run_info.job_kinds; @p n receives its length CPN_JOB_NKINDS (may be NULL).
 */
const char *const *cpn_job_kind_names(size_t *n);

/**
 * Parse a job kind name as written in a scenario (`kind="training"`).
 * @return CPN_OK; CPN_EINVAL for NULL pointers; CPN_ENOENT for an unknown name (the message
 *         lists the names).
 */
int cpn_job_kind_parse(const char *name, enum cpn_job_kind *out);

/** Fill @p spec with the defaults documented in struct cpn_job_spec (origin CPN_NONE). */
void cpn_job_spec_init(struct cpn_job_spec *spec);

/** Fill @p spec with defaults: base as cpn_job_spec_init(), Poisson rate 0, start 0, stop
 *  INFINITY, no distributions. */
void cpn_generator_spec_init(struct cpn_generator_spec *spec);

/** Fill @p spec with defaults: base as cpn_job_spec_init(), no workload log, service_submit 0. */
void cpn_wlog_source_spec_init(struct cpn_wlog_source_spec *spec);

/**
 * Create the jobs layer of a run (no center, no source yet).
 * @param cfg the configuration (copied; what it points to is borrowed).
 * @param out receives the object (caller frees with cpn_jobs_free()).
 * @return CPN_OK; CPN_EINVAL when a required pointer is NULL, n_paths exceeds
 *         CPN_NETWORK_MAX_PATHS or sample_interval is negative or not finite; CPN_ENOMEM.
 */
int cpn_jobs_new(const struct cpn_jobs_config *cfg, struct cpn_jobs **out);

/**
 * Free the jobs object, its centers and services; accepts NULL.  The engine must still exist
 * (the centers cancel their events on it); events and flows of this object still pending in
 * the engine and the network are not cancelled: do not run the engine again afterwards (free
 * the network and the engine next).
 */
void cpn_jobs_free(struct cpn_jobs *jobs);

/**
 * Create a center with its pools and add it (before cpn_jobs_start()).  Centers are indexed in
 * order of addition; pool types: a pool's type is the index of its accelerator string among the
 * distinct accelerator strings seen so far ("" or NULL = type of the empty name), see
 * cpn_jobs_pool_type().
 * @param spec the center (borrowed; see cpn_center_new()); spec->node must be a node index.
 * @param pools pools[n_pools], n_pools >= 1 (borrowed).
 * @param index receives the center index (may be NULL).
 * @return CPN_OK; CPN_ESTATE after cpn_jobs_start(); CPN_EINVAL for NULL pointers, no pool or
 *         a node out of range; CPN_ESCENARIO as cpn_center_new()/cpn_center_add_pool();
 *         CPN_ENOMEM.
 */
int cpn_jobs_add_center(struct cpn_jobs *jobs, const struct cpn_center_spec *spec,
                        const struct cpn_pool_spec *pools, uint32_t n_pools, uint32_t *index);

/**
 * Give center @p center its own storage site (the data it stages in is written there, what it
 * stages out or ingests is read or written there: the site's bandwidths are resources of those
 * flows).  Call after cpn_jobs_add_center(), before cpn_jobs_start().
 * @return CPN_OK; CPN_EINVAL for an unknown center or site.
 */
int cpn_jobs_set_center_site(struct cpn_jobs *jobs, uint32_t center, uint32_t site);

/**
 * Return the pool type index of an accelerator name (NULL = ""), as cpn_jobs_add_center()
 * numbers them, or CPN_NONE when no pool has that name.
 */
uint32_t cpn_jobs_pool_type(const struct cpn_jobs *jobs, const char *accelerator);

/** Return the number of centers. */
uint32_t cpn_jobs_ncenters(const struct cpn_jobs *jobs);

/** Return center @p i (owned by @p jobs), or NULL when out of range. */
struct cpn_center *cpn_jobs_center(const struct cpn_jobs *jobs, uint32_t i);

/** Return the awareness state (owned; NULL before cpn_jobs_start()). */
struct cpn_awareness *cpn_jobs_awareness(const struct cpn_jobs *jobs);

/**
 * Add a synthetic source (before cpn_jobs_start()).
 * @param gen the source (copied; its strings and distributions are borrowed).
 * @return CPN_OK; CPN_ESTATE after cpn_jobs_start(); CPN_EINVAL for NULL, an empty or
 *         duplicate id, no random streams in the config, a bad base (see cpn_jobs_submit();
 *         with several origins the first stands for base.origin), an origin out of range, bad
 *         weights, start < 0 or stop < start, an inference kind without a request rate;
 *         CPN_ENOMEM.  Side effect: creates the stream "workload/ID".
 */
int cpn_jobs_add_generator(struct cpn_jobs *jobs, const struct cpn_generator_spec *gen);

/**
 * Add a workload log replay source (before cpn_jobs_start()).
 * @param src the source (copied; the workload log and distributions are borrowed).
 * @return CPN_OK; CPN_ESTATE after cpn_jobs_start(); CPN_EINVAL for NULL pointers, an empty or
 *         duplicate id, a bad base or an origin out of range (a request workload log: as
 *         cpn_jobs_submit()); CPN_ENOMEM.  Side effect: creates the stream "workload/ID" (job
 *         workload logs).
 */
int cpn_jobs_add_wlog(struct cpn_jobs *jobs, const struct cpn_wlog_source_spec *src);

/**
 * Submit one job (before or after cpn_jobs_start()); it arrives at spec->submit.
 * @param spec the job (copied; its pointers are borrowed).
 * @param id receives the job id (may be NULL).
 * @return CPN_OK; CPN_EINVAL when spec is NULL, the kind is out of range, the origin, data node
 *         or fixed center is out of range, units is 0, a quantity is negative or not finite,
 *         paths exceeds CPN_NETWORK_MAX_PATHS, submit is before the engine's time, or an
 *         inference job has neither a rate nor a workload log; CPN_ENOMEM.
 *         Side effect: after cpn_jobs_start(), schedules the arrival.
 */
int cpn_jobs_submit(struct cpn_jobs *jobs, const struct cpn_job_spec *spec, uint32_t *id);

/**
 * Start: register the centers with the awareness module (its t0 = the engine's time), schedule
 * the first arrival of every source and of the submitted jobs, the awareness reports, the
 * policy ticks and the samples.
 * @return CPN_OK; CPN_ESTATE when already started; CPN_EINVAL as
 *         cpn_awareness_new(); CPN_ENOMEM.
 */
int cpn_jobs_start(struct cpn_jobs *jobs);

/**
 * Start draining: from now on, the engine is stopped (cpn_engine_stop()) as soon as no job is
 * active (every job that arrived has ended: done, rejected or failed).  Used after `until`
 * with cpn_jobs_config.arrivals_until, so that the run ends when the work submitted before it
 * has ended (`<simulation drain>`, docs/metrics.md "Window").
 * @return 1 when no job is active now (nothing to drain: do not run on), else 0.
 */
int cpn_jobs_drain(struct cpn_jobs *jobs);

/** Whether a drain started by cpn_jobs_drain() has ended: no job is active. */
int cpn_jobs_drained(const struct cpn_jobs *jobs);

/**
 * Open (@p closes = 0) or close (@p closes = 1) the statistics window now: compute the totals so
 * far (as cpn_jobs_finish()) and hand them to the observer's window() (docs/metrics.md,
 * "Window").  Opening at time 0 only marks the window open (nothing to subtract).  While the
 * window is open, it also closes by itself when the workload has ended: when a job ends, no job
 * is left, no source has an arrival to come, and the run has no `<traffic>` of its own
 * (cpn_jobs_config.sample_always = 0), so that a replay's time averages cover the time its
 * workload ran, not an `until` far beyond.  A second opening or closing does nothing.
 * @return CPN_OK, CPN_ENOMEM, or the observer's error.
 */
int cpn_jobs_window(struct cpn_jobs *jobs, int closes);

/**
 * Finish the run: take a last sample (when sampling and time advanced), compute the totals
 * (per-pool busy unit-seconds, pools numbered over the centers in order of addition and each
 * center's pools in order; per-center energy, electricity cost and carbon from the center
 * model, cpn_center_stats(); link utilisation from cpn_network_totals()) and call the
 * observer's end(@p complete).
 * Jobs not ended are not reported (they are counted in cpn_jobs_stats.active).
 * @return CPN_OK, or the observer's error.  O(centers x pools + links).
 */
int cpn_jobs_finish(struct cpn_jobs *jobs, int complete);

/**
 * Change center @p center's electricity price and carbon intensity from now on
 * (cpn_center_set_tariff(); NaN keeps a figure as it is); the policies see the new carbon intensity
 * in the exact world at once, and through their awareness mode (reports, delays) in their view.
 * @return CPN_OK; CPN_EINVAL for an unknown center or a bad figure.
 */
int cpn_jobs_set_center_tariff(struct cpn_jobs *jobs, uint32_t center, double electricity_price,
                               double carbon_intensity);

/**
 * Take center @p center down (@p up = 0) or bring it back up, now (docs/models-dynamics.md,
 * "Center failures").  The policy's on_event gets CPN_POLICY_EVENT_CENTER_CHANGED first.
 * Down: the policies' exact world marks it down (they see it through their awareness mode: a
 * stale view may still send work there, which then waits in its queue, or is a conflict and
 * placed again); every job running there ends its run (cpn_center_set_up()): a plain job keeps
 * the work up to its last checkpoint (cpn_job_spec.checkpoint), loses the rest, and is placed
 * again (by the policy, or at its fixed center where it waits for the repair); training by
 * iterations (split or not) keeps the iterations its last checkpoint saved and is placed again
 * likewise (a split at its fixed centers or by the policy); a job that streams its input fails
 * ("its center failed"); an inference service loses its requests in flight and is deployed
 * again.  Jobs
 * queued there stay queued.  Up: the center starts work again and the held jobs are offered
 * again.
 * @return CPN_OK; CPN_EINVAL for an unknown center; the errors of the runs' ends.
 */
int cpn_jobs_set_center_up(struct cpn_jobs *jobs, uint32_t center, int up);

/**
 * Give pool @p pool of center @p center @p units units from now (a timeline's
 * `<at center pool units>`; cpn_center_set_pool_units(): growth starts what fits, a shrink takes
 * free units at once and held ones as their runs end, nothing is preempted).  The policies'
 * world shows the most units the pool has had as its units (a job up to that is accepted and
 * waits in the queue while the pool is smaller) and the free units now; their on_event gets
 * CPN_POLICY_EVENT_CENTER_CHANGED; held jobs are offered again; an `/events` row says "pool P: N
 * units"; from then on the summary's utilisation divides by the units present over time.
 * @return CPN_OK; CPN_EINVAL for an unknown center or pool or 0 units; the center's errors.
 */
int cpn_jobs_set_pool_units(struct cpn_jobs *jobs, uint32_t center, uint32_t pool, uint32_t units);

/**
 * Tell the policy that link @p link changed (state or capacity): its on_event gets
 * CPN_POLICY_EVENT_LINK_CHANGED with the exact world (models/policy.h).  Called by the dynamics
 * layer (models/dynamics/links.h); accepts NULL @p jobs (nothing to tell).  A policy with a
 * migrate callback is then asked about the jobs that can move (docs/models-dynamics.md,
 * "Migration"), in an event at this instant.
 * @return CPN_OK; CPN_ENOMEM when that event cannot be scheduled.
 */
int cpn_jobs_link_changed(struct cpn_jobs *jobs, uint32_t link);

/** Number of workload sources (generators and workload logs) added, in order of addition. */
size_t cpn_jobs_source_count(const struct cpn_jobs *jobs);

/**
 * The id and job kind of source @p i (the index carried by struct cpn_request_record.source).
 * @return its id (owned by @p jobs), or NULL when @p i is out of range.
 */
const char *cpn_jobs_source(const struct cpn_jobs *jobs, size_t i, enum cpn_job_kind *kind);

/** Fill @p out with the counters so far. */
void cpn_jobs_stats(const struct cpn_jobs *jobs, struct cpn_jobs_stats *out);

#endif /* CPN_MODELS_JOBS_JOBS_H */
