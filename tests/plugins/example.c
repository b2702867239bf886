/*
 * Example policy plug-in (docs/policies.md walks through it): the center that runs the job
 * fastest among those that fit now and are at most max_rtt away from the job's origin; "hold"
 * when there is none.  Build out of tree:
 *   cc -shared -fPIC $(pkg-config --cflags cpnsim) example.c -o example.so
 * and run with: cpnsim run scenario.xml --plugin ./example.so --policy example_fastest
 */
#include <models/policy.h>

static const struct cpn_policy_param params[] = {
    {"max_rtt", "s", 0.1, 0, 10, "ignore centers farther than this round-trip time"},
};

/* Lower is better: the run time, or INFINITY (never) beyond max_rtt. */
static double score(const struct cpn_world *w, const struct cpn_world_job *job, uint32_t center,
                    uint32_t pool, void *arg)
{
    const double *max_rtt = arg;
    if (cpn_world_rtt(w, job->origin, center) > *max_rtt)
        return INFINITY;
    return cpn_world_run_time(job, &w->centers[center].pools[pool]);
}

static int place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                 const struct cpn_world *world, struct cpn_policy_decision *out)
{
    double max_rtt = ctx->params[0];
    cpn_policy_place_greedy(world, job, 1, score, &max_rtt, out);
    return 0;
}

static const struct cpn_policy_ops ops = {
    .abi = CPN_POLICY_ABI,
    .name = "example_fastest",
    .doc = "fastest center that fits now within max_rtt of the origin",
    .params = params,
    .n_params = 1,
    .place = place,
};

const struct cpn_policy_ops *cpn_policy_entry(void)
{
    return &ops;
}
