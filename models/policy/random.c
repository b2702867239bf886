/*
 * Policy "random": a center drawn uniformly among those where the job fits now; when none fits
 * now, uniformly among those where it can ever fit (the job waits in that center's queue);
 * "hold" only when no center that is up can ever fit it.
 *
 * Parameters: none.  Randomness: one draw of ctx->uniform (stream "policy/random") per placed
 * job.  Complexity: O(centers x pools) per job, no allocation.
 * Source: the usual baseline of scheduling studies (no model to cite).
 */
#include "models/policy.h"

/* Number of centers where @p job fits (@p fit), or the index of the k-th of them when k is
 * not CPN_NONE. */
static uint32_t count_or_pick(const struct cpn_world *w, const struct cpn_world_job *job,
                              enum cpn_world_fit fit, uint32_t k)
{
    uint32_t n = 0;
    for (uint32_t c = 0; c < w->n_centers; c++) {
        if (cpn_world_fit_pool(&w->centers[c], job, fit) == CPN_NONE)
            continue;
        if (n == k)
            return c;
        n++;
    }
    return n;
}

static int random_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                        const struct cpn_world *world, struct cpn_policy_decision *out)
{
    if (!ctx->uniform)
        return 1; /* instance made without random streams: a set-up error of the caller */
    enum cpn_world_fit fit = CPN_WORLD_FIT_NOW;
    uint32_t n = count_or_pick(world, job, fit, CPN_NONE);
    if (n == 0) {
        fit = CPN_WORLD_FIT_EVER;
        n = count_or_pick(world, job, fit, CPN_NONE);
    }
    if (n == 0)
        return 0; /* hold */
    uint32_t k = (uint32_t)(ctx->uniform(ctx->rng) * n);
    out->center = count_or_pick(world, job, fit, k < n ? k : n - 1);
    return 0;
}

const struct cpn_policy_ops cpn_policy_random = {
    .abi = CPN_POLICY_ABI,
    .name = "random",
    .doc = "uniformly random center among those that fit now (else among those that ever fit)",
    .place = random_place,
};
