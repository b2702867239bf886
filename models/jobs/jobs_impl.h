/*
 * Internal header of the jobs layer (models/jobs*.c): the object's layout and the functions
 * the files share.  Not part of the public API.
 */
#ifndef CPN_MODELS_JOBS_JOBS_IMPL_H
#define CPN_MODELS_JOBS_JOBS_IMPL_H

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "models/jobs/jobs.h"
#include "sim/array.h"
#include "sim/engine.h"

/* Where a job slot is in its life. */
enum job_phase {
    PHASE_FREE = 0,  /* slot unused */
    PHASE_PENDING,   /* submitted, arrival event not fired yet */
    PHASE_HELD,      /* in the global hold queue */
    PHASE_STAGE_IN,  /* input moving to the center */
    PHASE_QUEUED,    /* in the center's local queue */
    PHASE_RUNNING,   /* holding its units */
    PHASE_DRAIN,     /* inference: lifetime over, requests still served */
    PHASE_STAGE_OUT, /* results moving back */
    PHASE_TRANSFER   /* ingest, deploy: the transfer itself */
};

/* One inference request in a service's queue or on a server. */
struct jobs_request {
    double arrival; /* arrival time at the origin [s] */
    double network; /* RTT + payload transfer time [s] */
    double service; /* service time [s] */
};

/* An inference service (M/G/c queue), allocated when the service starts. */
struct jobs_service {
    gsl_rng *rng;                 /* stream "jobs/inference/ID" (owned: cpn_rng_stream_new) */
    uint32_t servers;             /* c [servers] */
    uint32_t busy;                /* servers busy [servers] */
    double speed;                 /* per-server speed [FLOP/s] */
    double rtt;                   /* RTT origin <-> center [s] */
    const struct cpn_path *path;  /* origin -> center shortest path (payload rate) */
    int up;                       /* 1 while requests arrive */
    size_t next_request;          /* next record of the request workload log */
    double ready;                 /* service start [s] */
    cpn_evh arrival_event;        /* pending arrival, CPN_EVH_NONE when none */
    struct jobs_request *serving; /* [servers]: request on each server */
    cpn_evh *served;              /* [servers]: its end-of-service event, or CPN_EVH_NONE */
    double origin;                /* time 0 of its request workload log [s] (its first start) */
    uint32_t *idle;               /* [servers]: stack of idle server indices */
    uint32_t n_idle;              /* entries in idle */
    CPN_ARRAY(struct jobs_request) queue; /* FIFO from queue_head */
    size_t queue_head;                    /* first waiting request in queue.items */
};

/* One part of a job's compute: a center's units (a split training job has one per center). */
struct jobs_part {
    uint32_t center; /* center index */
    uint32_t pool;   /* pool used */
    uint32_t units;  /* units held there */
    uint32_t handle; /* the center's handle of the running request, CPN_NONE when not running */
    double speed;    /* per-unit speed of the pool [FLOP/s] */
    double run_work; /* units x estimated end added to the center's running sum [unit s] */
    int started;     /* its request started */
};

/* The compute of a job whose speed depends on the network (jobs_compute.c): a streamed input,
 * or training by iterations on one or several centers. */
struct jobs_compute {
    int stream;                 /* 1: streamed input (one part, no iterations) */
    uint32_t n_parts;           /* 1, or the centers of a split */
    struct jobs_part *parts;    /* [n_parts] (owned) */
    uint32_t started;           /* parts started */
    double t0;                  /* compute start: every part running [s] */
    double ideal;               /* compute time without network stalls [s] */
    cpn_evh timer[2];           /* compute end, communication start or tail; CPN_EVH_NONE */
    CPN_ARRAY(cpn_flowh) flows; /* flows of the running stream or communication */
    uint32_t pending;           /* of which not finished */
    /* stream */
    int compute_done, stream_done;
    /* iterations */
    uint64_t iter, n_iter;            /* current iteration (from 0), iterations to run */
    double t_iter;                    /* start of the current iteration [s] */
    double tc;                        /* compute time of an iteration [s] */
    double intra;                     /* intra-center all-reduce time of a synchronisation [s] */
    double single_sync, single_plain; /* iteration time in one center, with / without sync [s] */
    int comp_done;                    /* the current iteration's compute is over */
    int comm;                         /* 0 none this iteration, 1 waiting to start, 2 flows running,
                                         3 intra tail, 4 done */
    double convergence;               /* convergence ratio [1], NaN when not split */
    CPN_ARRAY(double) times;          /* iteration times [s] */
    double sum_tc, sum_ideal;         /* [s] */
    int ending;                       /* the compute is over: its parts are being ended */
    /* Center failures (docs/models-dynamics.md, "Center failures"): the state its last
     * checkpoint saved (iterations done, their times and sums, the run time it covers), when
     * the next checkpoint is due, the first start of its compute, and whether the parts are
     * ending to be placed again. */
    uint64_t ck_iter;
    size_t ck_times;
    double ck_sum_tc, ck_sum_ideal, ck_time, next_ck, t_first;
    double lost_at; /* when the failure stopped it [s] */
    int requeue;
};

/* One job slot. */
struct jobs_job {
    struct cpn_job_spec s; /* the job as submitted (after sampling) */
    enum job_phase phase;
    uint32_t id;       /* job id */
    uint32_t center;   /* chosen center, CPN_NONE before */
    uint32_t pool;     /* pool used (or the decision's hint before queueing) */
    uint32_t paths;    /* paths of its transfers */
    uint32_t attempts; /* placement decisions */
    uint32_t pending;  /* flows not finished */
    uint32_t nearest;  /* deploy: nearest target */
    uint32_t source;   /* index of its source in jobs->sources, CPN_NONE when submitted */
    double progress;   /* fraction of its work kept across center failures (checkpoints) */
    /* Checkpoint writes as flows (cpn_job_spec.checkpoint_bytes): the next checkpoint's event,
     * the write in flight, the run time the last written checkpoint covers and the one the
     * write in flight will cover [s] (NaN: none). */
    cpn_evh ckpt_timer;
    cpn_flowh ckpt_flow;
    double ckpt_kept, ckpt_pending;
    uint32_t grant;       /* its elastic bandwidth grant (network), CPN_NONE when none */
    double elastic;       /* elastic bandwidth its policy asked for its stage-in [B/s] */
    size_t svc_next;      /* inference: next record of its request log (across redeployments) */
    double svc_origin;    /* inference: time 0 of its request log [s], NaN before it serves */
    double svc_down;      /* inference: when its center failed under it [s], NaN otherwise */
    uint32_t handle;      /* plain job: the center's handle of its running request */
    int migrating;        /* its run is being ended by a migration (cpn_center_finish()) */
    int center_failed;    /* its run ended because its center failed */
    int killed;           /* ended by the walltime limit */
    int placed_by_policy; /* the arrival is checked for a conflict */
    struct cpn_awareness_decision rec;
    double placed, staged, queued, start, run_end; /* [s] */
    double runtime;                                /* at the chosen pool [s] */
    double walltime;                               /* estimate given to the center [s] */
    double run_work;  /* units x estimated end added to the center's running sum [unit s] */
    double staleness; /* [s] */
    double in_asked, in_done, out_asked, out_done; /* [B] */
    double ideal_transfer; /* transfer-only jobs: the longest ideal time of their transfers [s] */
    uint64_t requests, requests_met;
    struct jobs_service *svc; /* inference only (owned) */
    struct jobs_compute *cmp; /* streamed or iterated compute (owned), NULL otherwise */
    uint32_t next_free;       /* free list link */
};

/* A job source (generator or workload log). */
struct jobs_source {
    int is_wlog;
    char *id;                         /* owned copy */
    struct cpn_generator_spec gen;    /* generator (origins arrays replaced by owned copies) */
    struct cpn_wlog_source_spec wlog; /* workload log (origins replaced by an owned copy) */
    uint32_t *origins;                /* owned copy of the origin table / per-record origins */
    gsl_ran_discrete_t *origin_table; /* weighted origin choice (owned) */
    gsl_rng *rng;                     /* stream "workload/ID" */
    uint64_t count;                   /* jobs made */
    size_t next;                      /* workload log: next record */
    double next_time;                 /* next arrival [s], INFINITY when exhausted */
    int warned;                       /* workload log: skip warning given */
    /* A streamed workload log (wlog.next): the record read ahead and its origin. */
    struct cpn_wlog_job ahead;
    uint32_t ahead_origin;
    int have_ahead;
};

/* Per-center bookkeeping beside the center object. */
struct jobs_center {
    struct cpn_center *center; /* owned */
    uint32_t first_pool;       /* index of its first pool in the world pool block */
    double queued_units;       /* units of waiting requests [units] */
    double run_units;          /* units running [units] */
    double run_end_sum;        /* sum of units x estimated end over running requests [unit s] */
    uint32_t site;             /* its own storage site (cpn_jobs_set_center_site()), CPN_NONE */
    double down_since;         /* when it went down [s] (NaN while up) */
    double down_time;          /* time down before that [s] */
};

struct cpn_jobs {
    struct cpn_jobs_config cfg;
    uint32_t n_nodes;
    int started;
    int resized; /* a pool's size changed (cpn_jobs_set_pool_units): totals give capacities */
    CPN_ARRAY(struct jobs_center) centers;
    CPN_ARRAY(char *) types;          /* accelerator names, index = pool type */
    CPN_ARRAY(uint32_t) pool_type_of; /* per world pool */
    CPN_ARRAY(struct jobs_job) slots;
    uint32_t free_head; /* free slot list, CPN_NONE when empty */
    uint32_t next_id;
    uint64_t n_pending; /* slots in PHASE_PENDING */
    CPN_ARRAY(struct jobs_source) sources;
    CPN_ARRAY(char *) reasons;     /* the policy's rejection reasons, each kept once (strdup) */
    CPN_ARRAY(uint32_t) held;      /* slots on hold, FIFO */
    CPN_ARRAY(uint32_t) held_swap; /* scratch for re-offering */
    int reoffer_pending;           /* a re-offer event is scheduled */
    int migrate_pending;           /* a migration pass is scheduled */
    int draining;                  /* cpn_jobs_drain(): stop the engine when no job is active */
    int window;                    /* statistics window: 0 before it opens, 1 open, 2 closed */
    /* the exact world */
    struct cpn_world world;
    struct cpn_world_center *wcenters;
    struct cpn_world_pool *wpools;
    uint32_t n_wpools;
    uint32_t *origin_node, *origin_region;
    double *rtt, *bandwidth;
    unsigned char *rtt_valid; /* per origin row */
    int fill_error;           /* an error of a bandwidth entry filled while a policy read it */
    struct cpn_awareness *aw;
    /* periodic events */
    int periodic_live;
    double last_sample; /* [s] */
    float *link_sample, *center_sample, *pool_sample;
    size_t n_dlinks;
    /* counters */
    struct cpn_jobs_stats st;
    uint64_t submitted_by_kind[CPN_JOB_NKINDS]; /* st.submitted by kind */
    double staleness_sum;
};

static inline double now_of(const struct cpn_jobs *jobs)
{
    return cpn_engine_now(jobs->cfg.engine);
}

static inline struct jobs_job *job_at(struct cpn_jobs *jobs, uint32_t slot)
{
    return &jobs->slots.items[slot];
}

static inline uint32_t center_node(const struct cpn_jobs *jobs, uint32_t c)
{
    return cpn_center_describe(jobs->centers.items[c].center)->node;
}

static inline uint32_t data_node_of(const struct jobs_job *j)
{
    return j->s.data_node == CPN_NONE ? j->s.origin : j->s.data_node;
}

/* The node a job's input comes from: its dataset's storage site, else its data node. */
static inline uint32_t input_node_of(const struct cpn_jobs *jobs, const struct jobs_job *j)
{
    return j->s.dataset_site != CPN_NONE ? jobs->cfg.site_nodes[j->s.dataset_site]
                                         : data_node_of(j);
}

/* The handlers shared between files. */
extern const struct cpn_handler cpn_jobs_source_handler_;

/* jobs.c */
int cpn_jobs_alloc_slot_(struct cpn_jobs *jobs, uint32_t *slot);
int cpn_jobs_arrive_(struct cpn_jobs *jobs, uint32_t slot);
int cpn_jobs_check_spec_(const struct cpn_jobs *jobs, const struct cpn_job_spec *s,
                         const char *what);
int cpn_jobs_end_(struct cpn_jobs *jobs, uint32_t slot, enum cpn_job_state state,
                  const char *reason);
int cpn_jobs_stage_out_(struct cpn_jobs *jobs, uint32_t slot);
int cpn_jobs_schedule_reoffer_(struct cpn_jobs *jobs);
/* Ask the policy's migrate callback about every job that can move, in an event at the current
 * time (late: after the change of the instant); nothing when the policy has none. */
int cpn_jobs_schedule_migrations_(struct cpn_jobs *jobs);

/* jobs_world.c */
int cpn_jobs_rtt_row_(struct cpn_jobs *jobs, uint32_t node);
int cpn_jobs_world_build_(struct cpn_jobs *jobs);
void cpn_jobs_world_center_(struct cpn_jobs *jobs, uint32_t c);
void cpn_jobs_world_refresh_(struct cpn_jobs *jobs);
int cpn_jobs_network_rows_(struct cpn_jobs *jobs, const struct jobs_job *j);
/* The first error of a bandwidth entry filled during the last policy call (CPN_OK if none),
 * cleared. */
int cpn_jobs_fill_error_(struct cpn_jobs *jobs);
void cpn_jobs_world_job_(const struct cpn_jobs *jobs, const struct jobs_job *j,
                         struct cpn_world_job *wj);

/* jobs_periodic.c */
void cpn_jobs_work_changed_(struct cpn_jobs *jobs);

/* Whether a job due at @p t arrives: not after cfg.arrivals_until (when set). */
int cpn_jobs_arrives_(const struct cpn_jobs *jobs, double t);
int cpn_jobs_take_sample_(struct cpn_jobs *jobs);
/* Close the statistics window now when it is open and the workload has ended (no job left, no
 * arrival to come, no <traffic> of its own): called when a job ends. */
int cpn_jobs_window_workload_ended_(struct cpn_jobs *jobs);

/* jobs_source.c */
int cpn_jobs_sources_start_(struct cpn_jobs *jobs);
int cpn_jobs_sources_live_(const struct cpn_jobs *jobs);
void cpn_jobs_source_release_(struct jobs_source *src);

/* jobs.c: transfers */
int cpn_jobs_transfer_(struct cpn_jobs *jobs, uint32_t slot, uint32_t src, uint32_t dst,
                       double bytes, uint32_t k, uint32_t src_site, uint32_t dst_site, double cap,
                       cpn_flowh *out);
uint32_t cpn_jobs_center_site_(const struct cpn_jobs *jobs, uint32_t center);

/* jobs_compute.c */
int cpn_jobs_compute_new_(struct cpn_jobs *jobs, uint32_t slot);
int cpn_jobs_compute_queue_(struct cpn_jobs *jobs, uint32_t slot);
int cpn_jobs_compute_split_(struct cpn_jobs *jobs, uint32_t slot, uint32_t n,
                            const uint32_t *centers, const uint32_t *units);
int cpn_jobs_compute_on_start_(struct cpn_jobs *jobs, uint32_t slot, struct cpn_center *center,
                               const struct cpn_request_event *ev);
int cpn_jobs_compute_on_end_(struct cpn_jobs *jobs, uint32_t slot, struct cpn_center *center,
                             const struct cpn_request_event *ev, int *whole);
int cpn_jobs_compute_flow_done_(struct cpn_jobs *jobs, uint32_t slot);
void cpn_jobs_compute_free_(struct cpn_jobs *jobs, struct jobs_compute *cmp);
/* After cpn_jobs_compute_on_end_() said *whole with cmp->requeue set: keep the iterations its
 * last checkpoint saved, reset the parts for a new run; *lost receives the unit-seconds lost. */
void cpn_jobs_compute_rewind_(struct cpn_jobs *jobs, uint32_t slot, double *lost);

/* jobs_inference.c */
int cpn_jobs_service_start_(struct cpn_jobs *jobs, uint32_t slot);
int cpn_jobs_service_stop_(struct cpn_jobs *jobs, uint32_t slot);
/* Its center failed: every request in service or queued fails (an SLO violation, latency NaN),
 * arrivals stop, the service is freed (it is deployed again when the job is placed again). */
int cpn_jobs_service_fail_(struct cpn_jobs *jobs, uint32_t slot);
void cpn_jobs_service_free_(struct cpn_jobs *jobs, struct jobs_service *svc);

#endif /* CPN_MODELS_JOBS_JOBS_IMPL_H */
