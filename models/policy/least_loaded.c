/*
 * Policy "least_loaded": the center with the lowest load, where
 *   load = (busy units + units requested by queued jobs) / total units      [1]
 * over all pools of the center, among the centers where the job can ever fit.  Queued demand
 * counts, so a full center with a long queue ranks behind a full center with none; the job
 * waits in the chosen center's queue when it does not fit now.  Ties go to the lower index.
 * "hold" only when no center that is up can ever fit the job.
 *
 * Parameters: none.  Complexity: O(centers x pools) per job.
 * Source: the join-the-shortest-queue / least-loaded baseline (Winston, J. Appl. Prob. 14(1),
 * 1977, for identical servers); load normalised by size because centers differ in size.
 */
#include "models/policy.h"

static double load_score(const struct cpn_world *w, const struct cpn_world_job *job,
                         uint32_t center, uint32_t pool, void *arg)
{
    const struct cpn_world_center *c = &w->centers[center];
    double total = 0, busy = 0;
    (void)job;
    (void)pool;
    (void)arg;
    for (uint32_t p = 0; p < c->n_pools; p++) {
        total += c->pools[p].units;
        busy += (double)c->pools[p].units - c->pools[p].free;
    }
    return (busy + c->queued_units) / total;
}

static int least_loaded_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                              const struct cpn_world *world, struct cpn_policy_decision *out)
{
    (void)ctx;
    out->center = cpn_world_argmin(world, job, CPN_WORLD_FIT_EVER, load_score, NULL, NULL);
    return 0;
}

const struct cpn_policy_ops cpn_policy_least_loaded = {
    .abi = CPN_POLICY_ABI,
    .name = "least_loaded",
    .doc = "lowest (busy + queued units) / total units among centers that can fit the job",
    .place = least_loaded_place,
};
