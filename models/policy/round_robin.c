/*
 * Policy "round_robin": centers in turn, skipping those that are down or can never fit the
 * job; load is ignored (the job waits in the chosen center's queue).  "hold" only when no
 * center that is up can ever fit the job.
 *
 * Parameters: none.  State: the index after the last chosen center.
 * Complexity: O(centers x pools) per job in the worst case, O(pools) when the next center fits.
 * Source: the classic round-robin baseline (no model to cite).
 */
#include <stdlib.h>

#include "models/policy.h"

struct round_robin {
    uint32_t next; /* center index to try first */
};

static int round_robin_create(struct cpn_policy_ctx *ctx)
{
    ctx->state = calloc(1, sizeof(struct round_robin));
    return ctx->state ? 0 : 1;
}

static void round_robin_destroy(struct cpn_policy_ctx *ctx)
{
    free(ctx->state);
    ctx->state = NULL;
}

static int round_robin_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                             const struct cpn_world *world, struct cpn_policy_decision *out)
{
    struct round_robin *rr = ctx->state;
    for (uint32_t i = 0; i < world->n_centers; i++) {
        uint32_t c = (uint32_t)(((uint64_t)rr->next + i) % world->n_centers);
        if (cpn_world_fit_pool(&world->centers[c], job, CPN_WORLD_FIT_EVER) == CPN_NONE)
            continue;
        out->center = c;
        rr->next = (c + 1) % world->n_centers;
        return 0;
    }
    return 0; /* hold */
}

const struct cpn_policy_ops cpn_policy_round_robin = {
    .abi = CPN_POLICY_ABI,
    .name = "round_robin",
    .doc = "centers in turn, skipping those that can never fit the job",
    .create = round_robin_create,
    .destroy = round_robin_destroy,
    .place = round_robin_place,
};
