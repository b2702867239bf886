/* Test plug-in: takes the name of a built-in policy; the loader must refuse it. */
#include <models/policy.h>

static int place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                 const struct cpn_world *world, struct cpn_policy_decision *out)
{
    (void)ctx, (void)job, (void)world, (void)out;
    return 0;
}

static const struct cpn_policy_ops ops = {
    .abi = CPN_POLICY_ABI,
    .name = "nearest",
    .doc = "a second policy called nearest",
    .place = place,
};

const struct cpn_policy_ops *cpn_policy_entry(void)
{
    return &ops;
}
