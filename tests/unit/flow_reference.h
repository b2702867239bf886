/* An independent reference for models/flow: weighted max-min with per-flow caps recomputed by
 * naive progressive filling from scratch over all flows at every event, with its own event loop
 * (no classes, no laziness, no component tracking).  Shared by tests/unit/test_flow.c and
 * tests/bench/bench_flows.c (--check); not part of libcpn. */
#ifndef CPN_TESTS_FLOW_REFERENCE_H
#define CPN_TESTS_FLOW_REFERENCE_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define CPN_REF_MAXH 32 /* longest path the reference stores [hops] */

/** One flow of a reference workload. */
struct cpn_ref_flow {
    double start;                /**< creation time [s] */
    double latency;              /**< one-way latency before sharing [s] */
    double size;                 /**< [B] */
    double weight;               /**< max-min weight, > 0 */
    double cap;                  /**< per-flow bound [B/s] (INFINITY: none) */
    uint32_t hops[CPN_REF_MAXH]; /**< resource ids */
    int nh;                      /**< number of hops */
};

/* Rates of the active flows act[0..na): each round raises every unfrozen flow to weight x theta,
 * theta the smallest link share or cap/weight, and freezes all flows on links at that minimum or
 * at their cap (ties within 1e-12 relative). */
static void cpn_ref_rates(int n_res, const double *capacity, const struct cpn_ref_flow *f,
                          const int *act, int na, double *rate, double *rem, double *wsum,
                          char *frozen)
{
    for (int r = 0; r < n_res; r++)
        rem[r] = capacity[r];
    for (int k = 0; k < na; k++)
        frozen[k] = 0;
    for (;;) {
        for (int r = 0; r < n_res; r++)
            wsum[r] = 0;
        int left = 0;
        double theta = INFINITY;
        for (int k = 0; k < na; k++) {
            if (frozen[k])
                continue;
            const struct cpn_ref_flow *x = &f[act[k]];
            left = 1;
            for (int h = 0; h < x->nh; h++)
                wsum[x->hops[h]] += x->weight;
            theta = fmin(theta, x->cap / x->weight);
        }
        if (!left)
            return;
        for (int r = 0; r < n_res; r++)
            if (wsum[r] > 0)
                theta = fmin(theta, fmax(rem[r], 0) / wsum[r]);
        double tie = theta * (1 + 1e-12);
        for (int k = 0; k < na; k++) {
            if (frozen[k])
                continue;
            const struct cpn_ref_flow *x = &f[act[k]];
            int stop = x->cap / x->weight <= tie;
            for (int h = 0; h < x->nh && !stop; h++)
                stop = fmax(rem[x->hops[h]], 0) / wsum[x->hops[h]] <= tie;
            if (stop) {
                frozen[k] = 2; /* frozen in this round; subtracted below */
                rate[k] = fmin(x->weight * theta, x->cap);
            }
        }
        for (int k = 0; k < na; k++)
            if (frozen[k] == 2) {
                frozen[k] = 1;
                for (int h = 0; h < f[act[k]].nh; h++)
                    rem[f[act[k]].hops[h]] -= rate[k];
            }
    }
}

static int cpn_ref_by_join(const void *a, const void *b, void *ctx)
{
    const struct cpn_ref_flow *f = ctx, *x = &f[*(const int *)a], *y = &f[*(const int *)b];
    double jx = x->start + x->latency, jy = y->start + y->latency;
    return jx < jy ? -1 : jx > jy ? 1 : *(const int *)a - *(const int *)b;
}

/* Run the n flows to completion; end[i] receives flow i's completion time [s].  Returns 0, or
 * -1 when out of memory. */
static int cpn_ref_run(int n_res, const double *capacity, int n, const struct cpn_ref_flow *f,
                       double *end)
{
    int na = 0, next = 0, rc = -1;
    int *order = malloc((n + 1) * sizeof *order), *act = malloc((n + 1) * sizeof *act);
    double *left = malloc((n + 1) * sizeof *left), *rate = malloc((n + 1) * sizeof *rate);
    double *rem = malloc((n_res + 1) * sizeof *rem), *wsum = malloc((n_res + 1) * sizeof *wsum);
    char *frozen = malloc(n + 1);
    if (!order || !act || !left || !rate || !rem || !wsum || !frozen)
        goto done;
    for (int i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof *order, cpn_ref_by_join, (void *)f);
    double t = 0;
    for (;;) {
        cpn_ref_rates(n_res, capacity, f, act, na, rate, rem, wsum, frozen);
        double tn = next < n ? f[order[next]].start + f[order[next]].latency : INFINITY;
        for (int k = 0; k < na; k++)
            if (rate[k] > 0)
                tn = fmin(tn, t + left[k] / rate[k]);
        if (isinf(tn))
            break;
        for (int k = 0; k < na; k++)
            left[k] -= rate[k] * (tn - t);
        t = tn;
        /* Finished: remaining bytes within rounding of the size, or of the clock. */
        for (int k = 0; k < na; k++)
            if (left[k] <= 1e-12 * f[act[k]].size || left[k] <= rate[k] * 1e-12 * t) {
                end[act[k]] = t;
                act[k] = act[--na];
                left[k] = left[na];
                k--;
            }
        while (next < n && f[order[next]].start + f[order[next]].latency <= t) {
            int i = order[next++];
            if (f[i].size == 0) {
                end[i] = t;
                continue;
            }
            act[na] = i;
            left[na++] = f[i].size;
        }
    }
    rc = 0;
done:
    free(order);
    free(act);
    free(left);
    free(rate);
    free(rem);
    free(wsum);
    free(frozen);
    return rc;
}

#endif /* CPN_TESTS_FLOW_REFERENCE_H */
