/*
 * Policy "greenest": the center with the lowest carbon emitted by the job,
 *   emissions = carbon intensity [kg/J] x PUE x units x per-unit peak power [W] x run time [s]
 * (cpn_world_energy()), among those where the job fits now (ties: lower index).  For a job
 * given in FLOP this ranks centers by carbon per unit of work, carbon x PUE x power / speed
 * [kg/FLOP].  When none fits now: "hold" (hold = 1, default) or the greenest center where the
 * job can ever fit, waiting in its queue (hold = 0).
 *
 * Parameters: hold [1] in {0, 1}.  Complexity: O(centers x pools) per job.
 * Source: carbon-aware geographic load shifting (Radovanovic et al., "Carbon-aware computing
 * for datacenters", IEEE Trans. Power Systems 38(2), 2023); "East Data, West Computing"
 * (DESIGN.md §1) moves work to regions with greener electricity.
 */
#include "models/policy.h"

static const struct cpn_policy_param greenest_params[] = {
    {"hold", "flag", 1, 0, 1, "1: hold the job when no center fits now; 0: queue at the greenest"},
};

static double carbon_score(const struct cpn_world *w, const struct cpn_world_job *job,
                           uint32_t center, uint32_t pool, void *arg)
{
    const struct cpn_world_center *c = &w->centers[center];
    (void)arg;
    return c->carbon * cpn_world_energy(c, &c->pools[pool], job);
}

static int greenest_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                          const struct cpn_world *world, struct cpn_policy_decision *out)
{
    cpn_policy_place_greedy(world, job, ctx->params[0] >= 0.5, carbon_score, NULL, out);
    return 0;
}

const struct cpn_policy_ops cpn_policy_greenest = {
    .abi = CPN_POLICY_ABI,
    .name = "greenest",
    .doc = "lowest carbon emitted by the job (intensity x PUE x energy) among centers that fit now",
    .params = greenest_params,
    .n_params = 1,
    .place = greenest_place,
};
