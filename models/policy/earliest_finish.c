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
 * Complexity: O(centers x (pools + max_paths)) per job, no allocation.
 * Source: the earliest-finish-time rule of HEFT (Topcuoglu, Hariri & Wu, IEEE TPDS 13(3),
 * 2002) applied to one job over compute centers and WAN paths; multipath stage-in after the
 * 4-path SRv6 data-ingestion field test (Yi et al., ZTE Technology Journal 31(2), 2025).
 */
#include "models/policy.h"

enum { P_MAX_PATHS, P_PATH_OVERHEAD, P_OVERLAP, P_ELASTIC, P_ELASTIC_ABOVE };

static const struct cpn_policy_param earliest_finish_params[] = {
    [P_MAX_PATHS] = {"max_paths", "1", 4, 1, 64, "most paths to split the stage-in over (integer)"},
    [P_PATH_OVERHEAD] = {"path_overhead", "s", 0, 0, 3600,
                         "set-up time of each additional stage-in path"},
    [P_OVERLAP] = {"overlap", "1", 0, 0, 1,
                   "1: stage-in overlaps the queue wait; 0: stage-in, then queue, then run"},
    [P_ELASTIC] = {"elastic", "B/s", 0, 0, 1e15,
                   "elastic bandwidth to ask for a large stage-in (0: never)"},
    [P_ELASTIC_ABOVE] = {"elastic_above", "B", 1e12, 0, 1e18,
                         "smallest input that asks for elastic bandwidth"},
};

static int earliest_finish_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                                 const struct cpn_world *world, struct cpn_policy_decision *out)
{
    uint32_t max_paths = (uint32_t)ctx->params[P_MAX_PATHS];
    double path_overhead = ctx->params[P_PATH_OVERHEAD];
    int overlap = ctx->params[P_OVERLAP] >= 0.5;
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
        double start = overlap ? (stage_in > wait ? stage_in : wait) : stage_in + wait;
        double finish = start + cpn_world_run_time(job, &center->pools[pool]);
        if (finish < best) {
            best = finish;
            out->center = c;
            out->paths = paths;
        }
    }
    /* A large input asks for elastic bandwidth on its path (granted when the links allow). */
    if (ctx->params[P_ELASTIC] > 0 && job->input_bytes >= ctx->params[P_ELASTIC_ABOVE])
        out->elastic = ctx->params[P_ELASTIC];
    return 0;
}

const struct cpn_policy_ops cpn_policy_earliest_finish = {
    .abi = CPN_POLICY_ABI,
    .name = "earliest_finish",
    .doc = "minimum stage-in (best paths) + queue wait + run time: joint compute-network",
    .params = earliest_finish_params,
    .n_params = 5,
    .place = earliest_finish_place,
};
