/*
 * Policy "min_cost": the center where the job costs least,
 *   cost = price [currency/(unit s)] x units x run time at that pool's speed [s],
 * among those where the job fits now (ties: lower index); a faster but dearer center can win.
 * When none fits now: "hold" (hold = 1, default) or the cheapest center where the job can ever
 * fit, waiting in its queue (hold = 0).  Transfer costs are not counted.
 *
 * Parameters: hold [1] in {0, 1}.  Complexity: O(centers x pools) per job.
 * Source: price-driven placement across regions (CCSA TC621 2023 white paper, compute
 * metering and trading; DESIGN.md §9).
 */
#include "models/policy.h"

static const struct cpn_policy_param min_cost_params[] = {
    {"hold", "flag", 1, 0, 1, "1: hold the job when no center fits now; 0: queue at the cheapest"},
};

static double cost_score(const struct cpn_world *w, const struct cpn_world_job *job,
                         uint32_t center, uint32_t pool, void *arg)
{
    const struct cpn_world_center *c = &w->centers[center];
    (void)arg;
    return c->price * (double)job->units * cpn_world_run_time(job, &c->pools[pool]);
}

static int min_cost_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                          const struct cpn_world *world, struct cpn_policy_decision *out)
{
    cpn_policy_place_greedy(world, job, ctx->params[0] >= 0.5, cost_score, NULL, out);
    return 0;
}

const struct cpn_policy_ops cpn_policy_min_cost = {
    .abi = CPN_POLICY_ABI,
    .name = "min_cost",
    .doc = "lowest price x units x run time among centers that fit now",
    .params = min_cost_params,
    .n_params = 1,
    .place = min_cost_place,
};
