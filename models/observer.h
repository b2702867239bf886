/**
 * @file models/observer.h
 * @brief The observer contract: what the models report about a run, as plain records.
 *
 * Models never format output (DESIGN.md §2).  They call a `struct cpn_observer`: a table of
 * callbacks and a context pointer that `output/` implements (the HDF5 trace, output/trace.h;
 * the end-of-run summary, output/summary.h).  A NULL callback, or a NULL observer, means "not
 * interested": call through the cpn_observe_*() helpers below, which check both.
 *
 * Call order for one run:
 *   begin (once) -> { job_end | flow_end | request_end | event | sample }* -> end (once).
 * Records are borrowed for the duration of the call only: an observer copies what it keeps.
 * Each callback returns CPN_OK or an error code (typically CPN_EIO when an output file cannot
 * be written); the model stops the run and propagates that code.
 *
 * The record structs are the on-disk row layouts of docs/output-format.md, with the same field
 * names and units.  The flow record has no padding (56 bytes in memory, 56 raw on disk before
 * compression), so the writer copies it without conversion.
 *
 * This header is part of the model layer: it includes no HDF5 or libxml2 header.
 */
#ifndef CPN_MODELS_OBSERVER_H
#define CPN_MODELS_OBSERVER_H

#include <stddef.h>
#include <stdint.h>

#include "sim/error.h"

/** How a job ended (stored as the HDF5 enum `job_state` in /jobs). */
enum cpn_job_state {
    CPN_JOB_DONE = 0,     /**< completed */
    CPN_JOB_REJECTED = 1, /**< never placed: no center could take it, or the policy refused it */
    CPN_JOB_FAILED = 2,   /**< placed, then lost (center failure without requeue, deadline) */
    CPN_JOB_NSTATES       /**< number of states (not a state) */
};

/** What an event record reports (stored as the HDF5 enum `event_kind` in /events). */
enum cpn_event_kind {
    CPN_EVENT_DECISION = 0,    /**< a policy placed a job: subject = job id, detail = decision */
    CPN_EVENT_LINK_DOWN = 1,   /**< subject = link index */
    CPN_EVENT_LINK_UP = 2,     /**< subject = link index */
    CPN_EVENT_CENTER_DOWN = 3, /**< subject = center index */
    CPN_EVENT_CENTER_UP = 4,   /**< subject = center index */
    CPN_EVENT_REROUTE = 5,     /**< a failed link's restoration: subject = link index, detail
                                    = the flows moved to other routes and those left stalled */
    CPN_EVENT_REQUEUE = 6,     /**< subject = job id */
    CPN_EVENT_OTHER = 7,       /**< anything else; detail says what */
    CPN_EVENT_NKINDS           /**< number of kinds (not a kind) */
};

/** One `name=value` parameter of the policy, as given in the scenario (strings borrowed). */
struct cpn_run_param {
    const char *name;  /**< parameter name */
    const char *value; /**< value as text, with its unit if it has one ("30s") */
};

/** A node of the static topology table (/nodes). */
struct cpn_run_node {
    const char *id; /**< node id (borrowed) */
    double lat;     /**< latitude [degree], NaN when unknown */
    double lon;     /**< longitude [degree], NaN when unknown */
};

/** A link of the static topology table (/links); both directions share the row. */
struct cpn_run_link {
    const char *id;   /**< link id (borrowed) */
    const char *kind; /**< "ip", "optical", "rdma" or "dc" (borrowed) */
    uint32_t a;       /**< first endpoint, node index; direction 0 is a->b */
    uint32_t b;       /**< second endpoint, node index */
    double capacity;  /**< capacity per direction [B/s] */
    double latency;   /**< one-way propagation delay [s] */
};

/** A compute center of the static table (/centers). */
struct cpn_run_center {
    const char *id;   /**< center id (borrowed) */
    const char *kind; /**< "hpc", "ai", "cloud" or "edge" (borrowed) */
    uint32_t node;    /**< attachment node index */
    uint32_t units;   /**< units over all its pools */
    double pue;       /**< power usage effectiveness [1], >= 1; NaN when not given */
};

/** A resource pool of a center (/pools); a center has one or more. */
struct cpn_run_pool {
    uint32_t center;    /**< owning center index */
    uint32_t units;     /**< number of units (nodes, GPUs, VM slots) */
    double unit_flops;  /**< peak per unit [FLOP/s] */
    double unit_memory; /**< memory per unit [B] */
    double idle_power;  /**< power per idle unit [W] */
    double peak_power;  /**< power per fully busy unit [W] */
};

/**
 * Provenance and static tables of a run, handed to begin().  Everything is borrowed for the
 * duration of begin() only.  Optional strings may be NULL (written as "").
 */
struct cpn_run_info {
    const char *program_version; /**< e.g. PACKAGE_VERSION "0.1.0" */
    const char *scenario_path;   /**< path as given on the command line */
    const char *scenario_text;   /**< full scenario text (may contain NULs: see length) */
    size_t scenario_length;      /**< bytes of scenario_text [B] */
    const char *scenario_sha256; /**< 64 lowercase hex digits, or NULL: the observer
                                      computes it from scenario_text */
    uint64_t seed;               /**< the run's seed */
    const char *policy;          /**< policy name */
    const struct cpn_run_param *policy_params; /**< length n_policy_params (may be NULL if 0) */
    size_t n_policy_params;                    /**< number of policy parameters */
    const char *const *overrides;              /**< the run's --set overrides as "TARGET=VALUE", in
                                                    the order applied (may be NULL if 0; borrowed) */
    size_t n_overrides;                        /**< number of overrides */
    const char *awareness;                     /**< awareness mode: "oracle", "centralized", ... */
    const char *command_line;                  /**< the command line, words joined by spaces */
    const char *wall_clock_start;              /**< ISO 8601 UTC, e.g. "2026-11-21T13:33:12Z" (the
                                                    only non-reproducible value) */
    double sample_interval;                    /**< series sampling interval [s]; 0 = no series */
    double until;                              /**< simulated horizon [s] (INFINITY = none) */
    double warmup;                             /**< start of the statistics window [s]
                                                    (`<simulation warmup>`, 0 = from the start;
                                                    docs/metrics.md, "Window") */
    const char *currency;                      /**< unit of costs, e.g. "CNY"; NULL = "1" */
    const char *const *job_kinds;              /**< names of job kinds, indexed by record.kind;
                                                    length n_job_kinds <= 255 */
    size_t n_job_kinds;                        /**< number of job kinds */
    const struct cpn_run_node *nodes;          /**< length n_nodes */
    size_t n_nodes;                            /**< number of nodes */
    const struct cpn_run_link *links;          /**< length n_links; link i owns series columns 2i
                                                    (a->b) and 2i+1 (b->a) */
    size_t n_links;                            /**< number of links */
    const struct cpn_run_center *centers;      /**< length n_centers */
    size_t n_centers;                          /**< number of centers */
    const struct cpn_run_pool *pools;          /**< length n_pools */
    size_t n_pools;                            /**< number of pools over all centers */
    const char *const *sources;                /**< ids of the workload sources (generators and
                                                    workload logs) in the order of their index
                                                    in records; length n_sources */
    const uint8_t *source_kinds;               /**< job kind of each source, length n_sources */
    size_t n_sources;                          /**< number of sources */
};

/** One finished (or rejected, or failed) job: a row of /jobs. */
struct cpn_job_record {
    double submit;         /**< submission time [s] */
    double start;          /**< time it started running on its units [s]; NaN if never */
    double end;            /**< completion, rejection or failure time [s] */
    double wait;           /**< time spent queued at the center [s]; NaN if never queued */
    double bytes_in;       /**< bytes moved to the center (stage-in) [B] */
    double bytes_out;      /**< bytes moved back (stage-out, results) [B] */
    double staleness;      /**< age of the state the placement decision saw [s]; NaN if none */
    double ideal_transfer; /**< ingest and deploy jobs: the time their data would take to move
                                alone on an empty network (cpn_network_ideal_time(); the longest
                                of a deploy's copies) [s]; NaN for other kinds or when nothing
                                moved */
    uint32_t id;           /**< job id (dense index in submission order) */
    uint32_t origin;       /**< origin node index */
    uint32_t center;       /**< center index; CPN_NONE when rejected */
    uint32_t units;        /**< units allocated (GPUs, nodes, VM slots) */
    uint8_t kind;          /**< job kind, index into cpn_run_info.job_kinds */
    uint8_t state;         /**< enum cpn_job_state */
    int8_t slo_met;        /**< 1 met, 0 violated, -1 no SLO or deadline */
};

/** One finished flow: a row of /flows (56 bytes, no padding). */
struct cpn_flow_record {
    double start;    /**< creation time [s] */
    double end;      /**< time its last byte was delivered [s] */
    double bytes;    /**< bytes delivered [B] */
    uint64_t id;     /**< flow id */
    uint32_t job;    /**< owning job id; CPN_NONE if none */
    uint32_t src;    /**< source node index */
    uint32_t dst;    /**< destination node index */
    uint32_t path;   /**< path id (route cache index); CPN_NONE if unknown */
    uint32_t klass;  /**< flow class id of the solver; CPN_NONE if unknown ("class" on disk) */
    float mean_rate; /**< bytes / (end - start) [B/s] (float32: 7 significant digits) */
};

/** One finished inference request: a row of /requests. */
struct cpn_request_record {
    double time;     /**< arrival time [s] */
    double latency;  /**< end-to-end latency: network RTT + queueing + service [s] */
    uint32_t job;    /**< the inference job (service) it belongs to */
    uint32_t source; /**< index of the service's source (cpn_run_info.sources), CPN_NONE when
                          its job was submitted directly */
    int8_t slo_met;  /**< 1 met, 0 violated, -1 no SLO */
};

/**
 * How the computation of a job whose speed depends on the network went (a streamed dataset, or
 * training by iterations, split or not): a row of /compute, written when its run ends.
 * Definitions: docs/metrics.md ("Compute efficiency").
 */
struct cpn_compute_record {
    double ideal;        /**< its compute time without network stalls [s]: streamed, the run
                              time rule; training, iterations x the iteration time of the same
                              job in one center (compute + intra-center all-reduce) */
    double actual;       /**< time from its start on its units to the end of its compute [s] */
    double efficiency;   /**< ideal / actual [1] */
    double iter_mean;    /**< mean iteration time [s]; NaN without iterations */
    double iter_p95;     /**< 95th percentile of the iteration times [s]; NaN without */
    double exposed;      /**< exposed-communication fraction: 1 - (sum of compute times) /
                              (sum of iteration times) [1]; NaN without iterations */
    double convergence;  /**< convergence ratio of a split job: per-center intra bandwidth
                              (units x per-unit bandwidth) over the inter-center bottleneck
                              bandwidth [1]; NaN when not split */
    uint64_t iterations; /**< iterations done */
    uint32_t job;        /**< job id */
    uint32_t centers;    /**< centers it ran on (>= 1) */
    uint8_t streamed;    /**< 1 when it streamed its input, else 0 */
    uint8_t killed;      /**< 1 when the walltime limit ended it first */
};

/** One notable event: a row of /events. */
struct cpn_event_record {
    double time;        /**< simulated time [s] */
    uint32_t kind;      /**< enum cpn_event_kind */
    uint32_t subject;   /**< index of the entity concerned (see enum cpn_event_kind) */
    const char *detail; /**< free text, may be NULL (borrowed for the call) */
};

/**
 * End-of-run totals that only the models know, handed to end().  Arrays may be NULL when
 * unknown (the summary then leaves those metrics out or, for link utilisation, uses the
 * series samples).  Borrowed for the duration of end() only.
 */
struct cpn_run_totals {
    double time_end;               /**< simulated time when the run stopped [s] */
    uint64_t events;               /**< number of kernel events processed */
    const double *pool_busy;       /**< busy integral per pool [unit s], length n_pools */
    size_t n_pools;                /**< length of pool_busy */
    const double *center_energy;   /**< energy per center incl. PUE [J], length n_centers */
    const double *center_cost;     /**< electricity cost per center [currency], length n_centers */
    const double *center_carbon;   /**< emissions per center [kg CO2e], length n_centers */
    const double *center_charge;   /**< user charge per center (unit price x busy unit-seconds)
                                        [currency], length n_centers; may be NULL */
    size_t n_centers;              /**< length of the center arrays */
    const double *link_util;       /**< time-mean utilisation per link direction [1] */
    const double *link_down;       /**< time each link was down so far [s], length n_links; may
                                        be NULL (timelines, docs/models-dynamics.md) */
    const double *center_down;     /**< time each center was down so far [s], length
                                        n_centers; may be NULL */
    size_t n_links;                /**< length of link_down */
    size_t n_link_dirs;            /**< length of link_util (2 x links) */
    const uint64_t *job_submitted; /**< jobs submitted (arrived) per kind, length n_job_kinds;
                                        may be NULL */
    size_t n_job_kinds;            /**< length of job_submitted (the run's job kinds) */
    uint64_t wlog_cancelled;       /**< workload-log records of jobs cancelled before they ran
                                        (SWF status 5), skipped when read */
    uint64_t wlog_skipped;         /**< workload-log records skipped when read because their
                                        run time is unknown */
    uint64_t decisions;            /**< placements of a job on a center by the policy */
    uint64_t conflicts;            /**< of them, placements whose view said the job fits now
                                        while the center had no room when it arrived
                                        (docs/policies.md §5); the job was placed again */
    int have_decisions;            /**< 1 when decisions and conflicts are given */
    uint64_t requeued;             /**< runs ended by a center failure and placed again */
    double lost_work;              /**< unit-seconds of those runs lost (since their last
                                        checkpoint) [unit s] */
    uint64_t migrated;             /**< jobs moved to another center by their policy */
    double migrated_bytes;         /**< state those moves carried between centers [B] */
    uint64_t bw_granted;           /**< elastic bandwidth requests granted */
    uint64_t bw_refused;           /**< elastic bandwidth requests refused */
    double bw_setup;               /**< sum of the set-up times of the granted requests [s] */
    /* Every data row of the job workload logs (docs/metrics.md, "Workload-log rows"):
     * rows = replayed + wlog_skipped + wlog_cancelled + malformed + outside + filtered +
     * after_until.  0 without logs. */
    uint64_t wlog_rows;          /**< data rows read (well-formed records + malformed rows) */
    uint64_t wlog_malformed;     /**< malformed rows dropped (on-error="skip") */
    uint64_t wlog_outside;       /**< records outside their window, or beyond max-jobs */
    uint64_t wlog_filtered;      /**< records left out by min/max-units or completed-only */
    uint64_t wlog_replayed;      /**< records submitted as jobs */
    uint64_t wlog_after_until;   /**< records not reached: their arrival came after until */
    const double *pool_capacity; /**< units present integrated per pool [unit s], length
                                      n_pools (pool sizes change with timelines); NULL: the
                                      sizes are fixed */
};

/** An observer: callbacks plus their context.  Any callback may be NULL (not interested). */
struct cpn_observer {
    void *ctx; /**< passed as first argument to every callback (borrowed) */
    /** Start of a run (once, before any record). */
    int (*begin)(void *ctx, const struct cpn_run_info *info);
    /** A job ended (done, rejected or failed). */
    int (*job_end)(void *ctx, const struct cpn_job_record *rec);
    /** A flow delivered its last byte. */
    int (*flow_end)(void *ctx, const struct cpn_flow_record *rec);
    /** An inference request was served. */
    int (*request_end)(void *ctx, const struct cpn_request_record *rec);
    /** A failure, repair, reroute, decision or other notable event. */
    int (*event)(void *ctx, const struct cpn_event_record *rec);
    /** A utilisation sample at @p time [s]: link directions [1], centers [1] (busy units /
     *  units), then pools [1] (busy units / units, in the order of cpn_run_info.pools); the
     *  lengths are the same at every call (2 x links, centers, pools). */
    int (*sample)(void *ctx, double time, const float *link_util, size_t n_link_dirs,
                  const float *center_util, size_t n_centers, const float *pool_util,
                  size_t n_pools);
    /** End of a run (once).  @p complete is 1 when the run reached its end, 0 when it was
     *  interrupted or failed; @p totals may be NULL. */
    int (*end)(void *ctx, int complete, const struct cpn_run_totals *totals);
    /** The compute of a streamed or iterated job ended (before its job record). */
    int (*compute_end)(void *ctx, const struct cpn_compute_record *rec);
    /** The statistics window opens (@p closes = 0, at the warmup) or closes (@p closes = 1, at
     *  `until` or earlier when the workload has ended): @p at holds the totals so far
     *  (at->time_end is the time), so that time averages cover the window only (docs/metrics.md,
     *  "Window").  Each is called at most once, the opening first; without an opening the window
     *  opens at 0, without a closing it closes at the end of the run. */
    int (*window)(void *ctx, int closes, const struct cpn_run_totals *at);
};

/** Call begin() if present.  @return the callback's status, or CPN_OK. */
static inline int cpn_observe_begin(const struct cpn_observer *o, const struct cpn_run_info *info)
{
    return o && o->begin ? o->begin(o->ctx, info) : CPN_OK;
}

/** Call compute_end() if present.  @return the callback's status, or CPN_OK. */
static inline int cpn_observe_compute_end(const struct cpn_observer *o,
                                          const struct cpn_compute_record *r)
{
    return o && o->compute_end ? o->compute_end(o->ctx, r) : CPN_OK;
}

/** Call job_end() if present.  @return the callback's status, or CPN_OK. */
static inline int cpn_observe_job_end(const struct cpn_observer *o, const struct cpn_job_record *r)
{
    return o && o->job_end ? o->job_end(o->ctx, r) : CPN_OK;
}

/** Call flow_end() if present.  @return the callback's status, or CPN_OK. */
static inline int cpn_observe_flow_end(const struct cpn_observer *o,
                                       const struct cpn_flow_record *r)
{
    return o && o->flow_end ? o->flow_end(o->ctx, r) : CPN_OK;
}

/** Call request_end() if present.  @return the callback's status, or CPN_OK. */
static inline int cpn_observe_request_end(const struct cpn_observer *o,
                                          const struct cpn_request_record *r)
{
    return o && o->request_end ? o->request_end(o->ctx, r) : CPN_OK;
}

/** Call event() if present.  @return the callback's status, or CPN_OK. */
static inline int cpn_observe_event(const struct cpn_observer *o, const struct cpn_event_record *r)
{
    return o && o->event ? o->event(o->ctx, r) : CPN_OK;
}

/** Call sample() if present.  @return the callback's status, or CPN_OK. */
static inline int cpn_observe_sample(const struct cpn_observer *o, double time,
                                     const float *link_util, size_t n_link_dirs,
                                     const float *center_util, size_t n_centers,
                                     const float *pool_util, size_t n_pools)
{
    return o && o->sample ? o->sample(o->ctx, time, link_util, n_link_dirs, center_util, n_centers,
                                      pool_util, n_pools)
                          : CPN_OK;
}

/** Call window() if present.  @return the callback's status, or CPN_OK. */
static inline int cpn_observe_window(const struct cpn_observer *o, int closes,
                                     const struct cpn_run_totals *at)
{
    return o && o->window ? o->window(o->ctx, closes, at) : CPN_OK;
}

/** Call end() if present.  @return the callback's status, or CPN_OK. */
static inline int cpn_observe_end(const struct cpn_observer *o, int complete,
                                  const struct cpn_run_totals *totals)
{
    return o && o->end ? o->end(o->ctx, complete, totals) : CPN_OK;
}

#endif /* CPN_MODELS_OBSERVER_H */
