/*
 * Policy "balanced": keep utilisation even across centers and prefer energy-efficient ones,
 * the objective of ubiquitous computing scheduling (泛在算力调度, DESIGN.md §9: "balanced
 * resource utilisation with high energy efficiency").  With the load of center i
 *   u_i = (busy units + queued units) / total units                              [1]
 * over the n centers that are up, placing the job's d units on center c raises u_c by
 * delta_c = d / total_c and changes the variance of the u_i by
 *   dVar_c = (2 u_c delta_c + delta_c^2) / n - (2 S delta_c + delta_c^2) / n^2,  S = sum u_i.
 * Among the centers where the job can ever fit, choose the minimum of
 *   score_c = dVar_c + energy_weight x (E_c / E_min - 1)
 * where E_c is the job's energy there (cpn_world_energy(): PUE x units x peak power x run time)
 * and E_min the least over the candidates (ties: lower index).  The job waits in the chosen
 * center's queue when it does not fit now (queued units count in the load); "hold" only when no
 * center that is up can ever fit it.
 *
 * Parameters: energy_weight [1].  Complexity: O(centers x pools) per job, no allocation.
 * Comparing dVar_c rather than the variance after placement gives the same ranking (the
 * current variance is common to all candidates) without cancellation.
 * Source: the objective of the ubiquitous computing scheduling architecture (after China
 * Mobile, "Computing power network white paper", 2021); the weighted-sum scalarisation and the
 * default weight are an Assumption (no calibrated value is published).
 */
#include "models/policy.h"

enum { P_ENERGY_WEIGHT };

static const struct cpn_policy_param balanced_params[] = {
    [P_ENERGY_WEIGHT] = {"energy_weight", "1", 0.1, 0, 1e6,
                         "weight of the relative energy excess against the utilisation variance"},
};

/* Load of center @p c and its total units (0 when it has none). */
static double center_load(const struct cpn_world_center *c, double *total)
{
    double busy = 0;
    *total = 0;
    for (uint32_t p = 0; p < c->n_pools; p++) {
        *total += c->pools[p].units;
        busy += (double)c->pools[p].units - c->pools[p].free;
    }
    return *total > 0 ? (busy + c->queued_units) / *total : 0;
}

/* The pool the job would use on @p c: one that fits now, else one that can ever fit. */
static uint32_t job_pool(const struct cpn_world_center *c, const struct cpn_world_job *job)
{
    uint32_t pool = cpn_world_fit_pool(c, job, CPN_WORLD_FIT_NOW);
    return pool != CPN_NONE ? pool : cpn_world_fit_pool(c, job, CPN_WORLD_FIT_EVER);
}

static int balanced_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                          const struct cpn_world *world, struct cpn_policy_decision *out)
{
    double weight = ctx->params[P_ENERGY_WEIGHT];
    double n = 0, sum = 0, e_min = INFINITY, total;
    for (uint32_t c = 0; c < world->n_centers; c++) {
        const struct cpn_world_center *center = &world->centers[c];
        if (!center->up)
            continue;
        double u = center_load(center, &total);
        if (total > 0) {
            n++;
            sum += u;
        }
        uint32_t pool = job_pool(center, job);
        if (pool != CPN_NONE) {
            double e = cpn_world_energy(center, &center->pools[pool], job);
            e_min = e < e_min ? e : e_min;
        }
    }
    double best = INFINITY;
    for (uint32_t c = 0; c < world->n_centers; c++) {
        const struct cpn_world_center *center = &world->centers[c];
        uint32_t pool = job_pool(center, job);
        if (pool == CPN_NONE)
            continue;
        double u = center_load(center, &total);
        double delta = (double)job->units / total;
        double dvar =
            (2 * u * delta + delta * delta) / n - (2 * sum * delta + delta * delta) / (n * n);
        double e = cpn_world_energy(center, &center->pools[pool], job);
        /* e_min == 0 (a job with no run time) makes every centre equally efficient. */
        double excess = e_min > 0 ? e / e_min - 1 : 0;
        double score = dvar + weight * excess;
        if (score < best) {
            best = score;
            out->center = c;
        }
    }
    return 0;
}

const struct cpn_policy_ops cpn_policy_balanced = {
    .abi = CPN_POLICY_ABI,
    .name = "balanced",
    .doc = "least increase of utilisation variance plus weighted energy excess",
    .params = balanced_params,
    .n_params = 1,
    .place = balanced_place,
};
