/*
 * Policy "nearest": the center with the lowest round-trip time from the job's origin among
 * those where the job fits now (ties: lower index).  When none fits now: "hold" (parameter
 * hold = 1, the default: the job is offered again when something changes), or the nearest
 * center where it can ever fit, waiting in its queue (hold = 0).
 *
 * Parameters: hold [1] in {0, 1}.  Complexity: O(centers x pools) per job.
 * Source: latency-first placement, the usual edge/inference baseline (CCSA TC621 2022 "hot"
 * services; DESIGN.md §9).
 */
#include "models/policy.h"

static const struct cpn_policy_param nearest_params[] = {
    {"hold", "flag", 1, 0, 1, "1: hold the job when no center fits now; 0: queue at the nearest"},
};

static double rtt_score(const struct cpn_world *w, const struct cpn_world_job *job, uint32_t center,
                        uint32_t pool, void *arg)
{
    (void)pool;
    (void)arg;
    return cpn_world_rtt(w, job->origin, center);
}

static int nearest_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                         const struct cpn_world *world, struct cpn_policy_decision *out)
{
    cpn_policy_place_greedy(world, job, ctx->params[0] >= 0.5, rtt_score, NULL, out);
    return 0;
}

const struct cpn_policy_ops cpn_policy_nearest = {
    .abi = CPN_POLICY_ABI,
    .name = "nearest",
    .doc = "lowest RTT from the job's origin among centers that fit now",
    .params = nearest_params,
    .n_params = 1,
    .place = nearest_place,
};
