/*
 * Policy "earliest_finish": joint compute and network scheduling (算网一体调度).  For every
 * center where the job can ever fit, estimate its finish time
 *   T = stage-in + queue wait + run                        (overlap = 0, the default)
 *   T = max(stage-in, queue wait) + run                    (overlap = 1: the input moves
 *                                                           while the job waits)
 * with
 *   stage-in = RTT + (k - 1) x path_overhead + input bytes / available bandwidth over the k
 *              best paths, k in [1, max_paths] chosen to minimise it (cpn_world_stage_in_time;
 *              0 when the input already sits at the center),
 *   queue wait = cpn_world_wait_estimate() (0 when a pool fits now and the queue is empty),
 *   run = cpn_world_run_time() on the fastest pool that fits now (else that can ever fit),
 * and choose the minimum (ties: lower index); the decision carries k as the number of stage-in
 * paths.  A farther idle center wins over a near busy one exactly when its extra transfer time
 * is smaller than the wait it saves.  "hold" when no estimate is finite (no center can ever fit,
 * or no path has bandwidth: the job is offered again when a link or center changes).
 *
 * Parameters: max_paths [1], path_overhead [s], overlap [1], elastic [B/s] and
 * elastic_above [B]: an input of at least elastic_above asks for elastic bandwidth (the
 * links' optical layer adds it after its set-up time when its budget allows;
 * docs/models-dynamics.md), 0 = never (default).  The estimate above does not count on it.
 *
 * Migration (migrate = 1; docs/models-dynamics.md, "Migration"): after a center or link change
 * the policy re-plans the jobs that can move.  Staying costs the time left where the job is
 * (queue wait + run time for a waiting job, the run time left for a running one), unbounded
 * while that center is down (Assumption: the repair time is unknown to a scheduler); moving to
 * center c costs the estimate above for the work left, plus the state's transfer,
 * state_bytes / bandwidth(origin -> c) (Assumption: the view gives bandwidth from the origins,
 * not between centers, so the path from the job's origin stands in for the old center's).  The
 * job moves to the best c when that saves more than migrate_gain of staying: every job waiting
 * at a failed center moves when another can take it.
 * Complexity: O(centers x (pools + max_paths)) per job, no allocation.
 * Source: the earliest-finish-time rule of HEFT (Topcuoglu, Hariri & Wu, IEEE TPDS 13(3),
 * 2002) applied to one job over compute centers and WAN paths; multipath stage-in after the
 * 4-path SRv6 data-ingestion field test (Yi et al., ZTE Technology Journal 31(2), 2025).
 */
#include <math.h>

#include "models/policy.h"

enum { P_MAX_PATHS, P_PATH_OVERHEAD, P_OVERLAP, P_ELASTIC, P_ELASTIC_ABOVE, P_MIGRATE, P_GAIN };

static const struct cpn_policy_param earliest_finish_params[] = {
    [P_MAX_PATHS] = {"max_paths", "count", 4, 1, 64, "most paths to split the stage-in over"},
    [P_PATH_OVERHEAD] = {"path_overhead", "s", 0, 0, 3600,
                         "set-up time of each additional stage-in path"},
    [P_OVERLAP] = {"overlap", "flag", 0, 0, 1,
                   "1: stage-in overlaps the queue wait; 0: stage-in, then queue, then run"},
    [P_ELASTIC] = {"elastic", "B/s", 0, 0, 1e15,
                   "elastic bandwidth to ask for a large stage-in (0: never)"},
    [P_ELASTIC_ABOVE] = {"elastic_above", "B", 1e12, 0, 1e18,
                         "smallest input that asks for elastic bandwidth"},
    [P_MIGRATE] = {"migrate", "flag", 0, 0, 1,
                   "1: move jobs off failed centers, or when another finishes them sooner"},
    [P_GAIN] = {"migrate_gain", "1", 0.25, 0, 1,
                "fraction of the time left a move must save (0: any saving)"},
};

/* The earliest estimated finish of @p job over the centers, its work scaled by @p left and
 * @p state_bytes moving first; the center (CPN_POLICY_HOLD when none) and paths into @p out. */
static double earliest(const struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                       const struct cpn_world *world, double left, double state_bytes,
                       struct cpn_policy_decision *out)
{
    uint32_t max_paths = (uint32_t)ctx->params[P_MAX_PATHS];
    double path_overhead = ctx->params[P_PATH_OVERHEAD];
    int overlap = ctx->params[P_OVERLAP] >= 0.5;
    uint32_t origin = job->input_origin != CPN_NONE ? job->input_origin : job->origin;
    double best = INFINITY;
    for (uint32_t c = 0; c < world->n_centers; c++) {
        const struct cpn_world_center *center = &world->centers[c];
        uint32_t pool = cpn_world_fit_pool(center, job, CPN_WORLD_FIT_NOW);
        if (pool == CPN_NONE)
            pool = cpn_world_fit_pool(center, job, CPN_WORLD_FIT_EVER);
        if (pool == CPN_NONE)
            continue;
        uint32_t paths;
        double stage_in = cpn_world_stage_in_time(world, job, c, max_paths, path_overhead, &paths);
        double wait = cpn_world_wait_estimate(center, job);
        if (state_bytes > 0)
            stage_in += state_bytes / cpn_world_bandwidth(world, origin, c, 1);
        double start = overlap ? (stage_in > wait ? stage_in : wait) : stage_in + wait;
        double finish = start + left * cpn_world_run_time(job, &center->pools[pool]);
        if (finish < best) {
            best = finish;
            out->center = c;
            out->paths = paths;
        }
    }
    return best;
}

static int earliest_finish_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                                 const struct cpn_world *world, struct cpn_policy_decision *out)
{
    earliest(ctx, job, world, 1, 0, out);
    /* A large input asks for elastic bandwidth on its path (granted when the links allow). */
    if (ctx->params[P_ELASTIC] > 0 && job->input_bytes >= ctx->params[P_ELASTIC_ABOVE])
        out->elastic = ctx->params[P_ELASTIC];
    return 0;
}

/* Without migration, cpnsim need not ask about every job at every change. */
static int earliest_finish_create(struct cpn_policy_ctx *ctx)
{
    ctx->no_migrate = ctx->params[P_MIGRATE] < 0.5;
    return 0;
}

static int earliest_finish_migrate(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                                   const struct cpn_policy_migrant *at,
                                   const struct cpn_world *world, struct cpn_policy_decision *out)
{
    const struct cpn_world_center *here = &world->centers[at->center];
    double stay = INFINITY; /* a down center: its repair time is unknown */
    if (here->up)
        stay = at->remaining + (at->running ? 0 : cpn_world_wait_estimate(here, job));
    struct cpn_policy_decision d = *out;
    double move = earliest(ctx, job, world, at->left, at->state_bytes, &d);
    int saves = isfinite(stay) ? move < (1 - ctx->params[P_GAIN]) * stay : isfinite(move);
    if (d.center != CPN_POLICY_HOLD && d.center != at->center && saves)
        *out = d;
    return 0;
}

const struct cpn_policy_ops cpn_policy_earliest_finish = {
    .abi = CPN_POLICY_ABI,
    .name = "earliest_finish",
    .doc = "minimum stage-in (best paths) + queue wait + run time: joint compute-network",
    .params = earliest_finish_params,
    .n_params = 7,
    .create = earliest_finish_create,
    .place = earliest_finish_place,
    .migrate = earliest_finish_migrate,
};
