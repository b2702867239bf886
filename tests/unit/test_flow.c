/* Tests of models/flow: hand-computed max-min cases, then randomized workloads against an
 * independent naive reference solver (its own event loop, progressive filling from scratch over
 * all flows at every event, no classes, no laziness). */
#include "models/net/flow.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine.h"
#include "sim/error.h"
#include "tests/unit/flow_reference.h"
#include "tests/unit/suites.h"

#define REL  1e-12 /* hand-computed cases: exact up to a few roundings */
#define GB   1e9   /* 1 GB [B]; capacities below are in GB/s = 1e9 B/s */
#define MAXF 320

struct rec {
    struct cpn_engine *eng;
    struct cpn_flownet *net;
    double end[MAXF];  /* completion time per owner id [s] (-1: not completed) */
    int count;         /* completions seen */
    cpn_flowh h[MAXF]; /* handles per owner id */
};

static int on_done(struct cpn_flownet *net, void *ctx, const struct cpn_flow_done *d)
{
    (void)net;
    struct rec *r = ctx;
    r->end[d->id] = d->end;
    r->count++;
    return CPN_OK;
}

static void setup(struct rec *r, size_t n, const double *cap)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < MAXF; i++)
        r->end[i] = -1;
    r->eng = cpn_engine_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->eng);
    CU_ASSERT_EQUAL_FATAL(cpn_flownet_new(r->eng, n, cap, &r->net), CPN_OK);
}

static void teardown(struct rec *r)
{
    cpn_flownet_free(r->net);
    cpn_engine_free(r->eng);
}

static struct cpn_flow_spec spec(struct rec *r, uint64_t id, double size, const uint32_t *hops,
                                 size_t n, double latency, double weight, double cap)
{
    return (struct cpn_flow_spec){0, 1, size, hops, n, latency, weight, cap, on_done, r, id, 0};
}

static void start(struct rec *r, uint64_t id, double size, const uint32_t *hops, size_t n,
                  double latency, double weight, double cap)
{
    struct cpn_flow_spec s = spec(r, id, size, hops, n, latency, weight, cap);
    CU_ASSERT_EQUAL(cpn_flow_start(r->net, &s, &r->h[id]), CPN_OK);
}

/* The accounting of resource @p res now (asserting the call succeeds). */
static struct cpn_flow_usage usage_of(struct rec *r, uint32_t res)
{
    struct cpn_flow_usage u = {0};
    CU_ASSERT_EQUAL(cpn_flownet_usage(r->net, res, &u), CPN_OK);
    return u;
}

static double rate_of(struct rec *r, uint64_t id)
{
    double x = -1;
    CU_ASSERT_EQUAL(cpn_flow_rate(r->net, r->h[id], &x), CPN_OK);
    return x;
}

static void test_one_flow_on_one_link_takes_size_over_capacity(void)
{
    /* 1 GB at 1 GB/s: done at t = 1 s; with 0.5 s latency at 1.5 s. */
    struct rec r;
    double cap[] = {1 * GB};
    uint32_t p[] = {0};
    setup(&r, 1, cap);
    start(&r, 0, 1 * GB, p, 1, 0, 1, INFINITY);
    start(&r, 1, 1 * GB, p, 1, 10, 1, INFINITY); /* joins after 0 has finished */
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 1.0, REL);
    CPN_ASSERT_REL(r.end[1], 11.0, REL);
    CU_ASSERT_EQUAL(cpn_flownet_flows(r.net), 0);
    CU_ASSERT_EQUAL(cpn_flownet_classes(r.net), 0);
    teardown(&r);
}

static void test_two_flows_on_one_link_each_get_half(void)
{
    struct rec r;
    double cap[] = {1 * GB};
    uint32_t p[] = {0};
    setup(&r, 1, cap);
    start(&r, 0, 1 * GB, p, 1, 0, 1, INFINITY);
    start(&r, 1, 1 * GB, p, 1, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_flownet_classes(r.net), 1); /* same (path, cap, weight): one class */
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 0.5), CPN_OK);
    CPN_ASSERT_REL(rate_of(&r, 0), 0.5 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 1), 0.5 * GB, REL);
    double rem;
    CU_ASSERT_EQUAL(cpn_flow_remaining(r.net, r.h[0], &rem), CPN_OK);
    CPN_ASSERT_REL(rem, 0.75 * GB, REL); /* 0.5 s at 0.5 GB/s */
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 2.0, REL);
    CPN_ASSERT_REL(r.end[1], 2.0, REL);
    teardown(&r);
}

static void test_two_links_in_series_give_the_smaller_capacity(void)
{
    /* 1 GB over 1 GB/s then 0.5 GB/s: rate 0.5 GB/s, done at 2 s. */
    struct rec r;
    double cap[] = {1 * GB, 0.5 * GB};
    uint32_t p[] = {0, 1};
    setup(&r, 2, cap);
    start(&r, 0, 1 * GB, p, 2, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 2.0, REL);
    teardown(&r);
}

static void test_parking_lot_and_a_moving_bottleneck(void)
{
    /* Links A = 1 GB/s, B = 2 GB/s.  f0 crosses A and B, f1 only A, f2 only B.
     * A is the bottleneck: f0 = f1 = 0.5; f2 takes the rest of B: 1.5 GB/s.
     * f1 (0.5 GB) ends at t = 1.  f0 has 0.5 GB left, f2 has 3 - 1.5 = 1.5 GB left; now B is
     * shared by f0 and f2 at 1 GB/s each (f0 is allowed 1 on A): f0 ends at 1.5; f2 has 1 GB
     * left, alone on B at 2 GB/s: ends at 2.0. */
    struct rec r;
    double cap[] = {1 * GB, 2 * GB};
    uint32_t ab[] = {0, 1}, a[] = {0}, b[] = {1};
    setup(&r, 2, cap);
    start(&r, 0, 1 * GB, ab, 2, 0, 1, INFINITY);
    start(&r, 1, 0.5 * GB, a, 1, 0, 1, INFINITY);
    start(&r, 2, 3 * GB, b, 1, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 0.5), CPN_OK);
    CPN_ASSERT_REL(rate_of(&r, 0), 0.5 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 1), 0.5 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 2), 1.5 * GB, REL);
    /* Link accounting at 0.5: A carries 0.5 + 0.5 GB/s, 0.5 GB so far; B 0.5 + 1.5 GB/s, 1 GB. */
    struct cpn_flow_usage u = usage_of(&r, 0);
    CPN_ASSERT_REL(u.load, 1 * GB, REL);
    CPN_ASSERT_REL(u.bytes, 0.5 * GB, REL);
    u = usage_of(&r, 1);
    CPN_ASSERT_REL(u.load, 2 * GB, REL);
    CPN_ASSERT_REL(u.bytes, 1 * GB, REL);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 1.2), CPN_OK);
    CPN_ASSERT_REL(rate_of(&r, 0), 1 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 2), 1 * GB, REL);
    /* At 1.2 (f0 moved from A's group to B's at 1): A 1 GB/s, 1 + 0.2 GB; B 2 GB/s, 2.4 GB. */
    u = usage_of(&r, 0);
    CPN_ASSERT_REL(u.load, 1 * GB, REL);
    CPN_ASSERT_REL(u.bytes, 1.2 * GB, REL);
    u = usage_of(&r, 1);
    CPN_ASSERT_REL(u.load, 2 * GB, REL);
    CPN_ASSERT_REL(u.bytes, 2.4 * GB, REL);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[1], 1.0, REL);
    CPN_ASSERT_REL(r.end[0], 1.5, REL);
    CPN_ASSERT_REL(r.end[2], 2.0, REL);
    /* In all, A carried f0 + f1 = 1.5 GB and was busy until 1.5; B f0 + f2 = 4 GB, until 2. */
    u = usage_of(&r, 0);
    CPN_ASSERT_REL(u.bytes, 1.5 * GB, REL);
    CPN_ASSERT_REL(u.busy, 1.5, REL);
    u = usage_of(&r, 1);
    CPN_ASSERT_REL(u.bytes, 4 * GB, REL);
    CPN_ASSERT_REL(u.busy, 2.0, REL);
    teardown(&r);
}

static void test_changes_re_solve_from_their_level_up(void)
{
    /* A = resource 0 (1 GB/s), B = resource 1 (10 GB/s); f0 on A, f1 on A+B, f2 and f3 on B.
     * A gives f0 and f1 0.5 (level 0.5); B gives the rest (10 - 0.5) / 2 = 4.75 to f2 and f3.
     * f2 (4.75 GB) ends at t = 1: only the level 4.75 changes (f3 to 9.5); f0 and f1 keep 0.5.
     * f4 joins A at t = 2 (latency): A's level drops to 1/3 for f0, f1, f4, which frees B:
     * f3 rises to 10 - 1/3. */
    struct rec r;
    double cap[] = {1 * GB, 10 * GB};
    uint32_t a[] = {0}, ab[] = {0, 1}, b[] = {1};
    setup(&r, 2, cap);
    start(&r, 0, 100 * GB, a, 1, 0, 1, INFINITY);
    start(&r, 1, 100 * GB, ab, 2, 0, 1, INFINITY);
    start(&r, 2, 4.75 * GB, b, 1, 0, 1, INFINITY);
    start(&r, 3, 100 * GB, b, 1, 0, 1, INFINITY);
    start(&r, 4, 100 * GB, a, 1, 2, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 0.5), CPN_OK);
    CPN_ASSERT_REL(rate_of(&r, 0), 0.5 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 1), 0.5 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 3), 4.75 * GB, REL);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 1.5), CPN_OK);
    CPN_ASSERT_REL(r.end[2], 1, REL);
    CPN_ASSERT_REL(rate_of(&r, 0), 0.5 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 1), 0.5 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 3), 9.5 * GB, REL);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 2.5), CPN_OK);
    CPN_ASSERT_REL(rate_of(&r, 0), GB / 3, REL);
    CPN_ASSERT_REL(rate_of(&r, 1), GB / 3, REL);
    CPN_ASSERT_REL(rate_of(&r, 4), GB / 3, REL);
    CPN_ASSERT_REL(rate_of(&r, 3), 10 * GB - GB / 3, REL);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CU_ASSERT_EQUAL(r.count, 5);
    teardown(&r);
}

static void test_an_arrival_keeps_the_levels_below_its_own(void)
{
    /* A (1 GB/s), B (10 GB/s), C (2.5 GB/s).  f0 and f1 on A+B: A gives them 0.5 each; f2 on C+B:
     * C gives it 2.5; f3 on B: B gives it the rest, 10 - 1 - 2.5 = 6.5.  f4 joins f3 on B at
     * t = 1: B's 6.5 is shared, 3.25 each; f0-f2 keep their rates.  B's fair share C / W is
     * 10 / 5 = 2 < 2.5, so the bound C / W alone would re-solve f2's group too; the refined
     * bound (B's load with the groups below a level frozen at their levels: from x = 2, A's
     * 1 GB/s frozen gives (10 - 1) / 3 = 3, then C's too gives (10 - 3.5) / 2 = 3.25) keeps
     * it: the join's solve re-solves B's group alone (docs/models-network.md §1.4). */
    struct rec r;
    double cap[] = {1 * GB, 10 * GB, 2.5 * GB};
    uint32_t ab[] = {0, 1}, cb[] = {2, 1}, b[] = {1};
    setup(&r, 3, cap);
    start(&r, 0, 100 * GB, ab, 2, 0, 1, INFINITY);
    start(&r, 1, 100 * GB, ab, 2, 0, 1, INFINITY);
    start(&r, 2, 100 * GB, cb, 2, 0, 1, INFINITY);
    start(&r, 3, 100 * GB, b, 1, 0, 1, INFINITY);
    start(&r, 4, 100 * GB, b, 1, 1, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 0.5), CPN_OK);
    CPN_ASSERT_REL(rate_of(&r, 0), 0.5 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 2), 2.5 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 3), 6.5 * GB, REL);
    struct cpn_flow_stats before, after;
    cpn_flownet_stats(r.net, &before);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 1.5), CPN_OK);
    cpn_flownet_stats(r.net, &after);
    CU_ASSERT_EQUAL(after.solves - before.solves, 1);
    CU_ASSERT_EQUAL(after.solved_classes - before.solved_classes, 1);
    CPN_ASSERT_REL(rate_of(&r, 0), 0.5 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 1), 0.5 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 2), 2.5 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 3), 3.25 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 4), 3.25 * GB, REL);
    teardown(&r);
}

static void test_one_class_finishes_members_in_size_order(void)
{
    /* Three flows of 1, 2, 3 GB on one 1 GB/s link (one class): 1/3 each until t = 3 (1 GB
     * each delivered); then 1/2 each: the 2-GB flow ends at 5; the last at 5 + 1 = 6. */
    struct rec r;
    double cap[] = {1 * GB};
    uint32_t p[] = {0};
    setup(&r, 1, cap);
    start(&r, 2, 3 * GB, p, 1, 0, 1, INFINITY);
    start(&r, 0, 1 * GB, p, 1, 0, 1, INFINITY);
    start(&r, 1, 2 * GB, p, 1, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 3.0, REL);
    CPN_ASSERT_REL(r.end[1], 5.0, REL);
    CPN_ASSERT_REL(r.end[2], 6.0, REL);
    teardown(&r);
}

static void test_weights_share_in_proportion(void)
{
    /* Weights 1 and 2 on 3 GB/s: 1 and 2 GB/s.  2 GB each: the heavy one ends at 1 s; the other
     * has 1 GB left, alone at 3 GB/s: ends at 1 + 1/3. */
    struct rec r;
    double cap[] = {3 * GB};
    uint32_t p[] = {0};
    setup(&r, 1, cap);
    start(&r, 0, 2 * GB, p, 1, 0, 1, INFINITY);
    start(&r, 1, 2 * GB, p, 1, 0, 2, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 0.5), CPN_OK);
    CPN_ASSERT_REL(rate_of(&r, 0), 1 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 1), 2 * GB, REL);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[1], 1.0, REL);
    CPN_ASSERT_REL(r.end[0], 1.0 + 1.0 / 3, REL);
    teardown(&r);
}

static void test_weights_far_apart_keep_the_light_flows_share(void)
{
    /* f0 (weight 1e16) crosses r0 (1 GB/s) and r1 (3 GB/s); f1 (weight 1) crosses r1 only.
     * Filling: f0's level is capped first by r0 at 1e9 / 1e16 = 1e-7, so f0 takes 1 GB/s and f1
     * the rest of r1: 2 GB/s (its level, 2e9, is far above r1's first share 3e9 / (1e16 + 1)).
     * In doubles 1e16 + 1 rounds to 1e16, so r1's unfrozen weight kept by subtraction would fall
     * to 0 when f0 freezes: the solver must recompute it (1, exactly).  f0 (1 GB) ends at 1 s;
     * f1 (4 GB) has 2 GB left, then alone at 3 GB/s: ends at 1 + 2/3. */
    struct rec r;
    double cap[] = {1 * GB, 3 * GB};
    uint32_t a[] = {0, 1}, b[] = {1};
    setup(&r, 2, cap);
    start(&r, 0, 1 * GB, a, 2, 0, 1e16, INFINITY);
    start(&r, 1, 4 * GB, b, 1, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 0.5), CPN_OK);
    CPN_ASSERT_REL(rate_of(&r, 0), 1 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 1), 2 * GB, REL);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 1.0, REL);
    CPN_ASSERT_REL(r.end[1], 1.0 + 2.0 / 3, REL);
    teardown(&r);
}

static void test_a_binding_cap_frees_capacity_for_others(void)
{
    /* 1 GB/s shared by f0 (cap 0.2 GB/s) and f1: f0 = 0.2, f1 = 0.8.  A cap of 0.8 on f2 and
     * f3 sharing another 1 GB/s link does not bind: 0.5 each. */
    struct rec r;
    double cap[] = {1 * GB, 1 * GB};
    uint32_t a[] = {0}, b[] = {1};
    setup(&r, 2, cap);
    start(&r, 0, 1 * GB, a, 1, 0, 1, 0.2 * GB);
    start(&r, 1, 1 * GB, a, 1, 0, 1, INFINITY);
    start(&r, 2, 1 * GB, b, 1, 0, 1, 0.8 * GB);
    start(&r, 3, 1 * GB, b, 1, 0, 1, 0.8 * GB);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 0.1), CPN_OK);
    CPN_ASSERT_REL(rate_of(&r, 0), 0.2 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 1), 0.8 * GB, REL);
    CPN_ASSERT_REL(rate_of(&r, 2), 0.5 * GB, REL);
    /* f1 ends at 1.25; then f0 alone is still capped at 0.2: 1 - 0.25 = 0.75 GB left at 1.25
     * -> ends at 1.25 + 3.75 = 5.  f2, f3 end at 2. */
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[1], 1.25, REL);
    CPN_ASSERT_REL(r.end[0], 5.0, REL);
    CPN_ASSERT_REL(r.end[2], 2.0, REL);
    teardown(&r);
}

static void test_latency_phase_uses_no_bandwidth(void)
{
    /* f0 (1 GB) starts at once; f1 (0.25 GB) has 0.5 s latency: f0 alone until 0.5 (0.5 GB
     * done), then 0.5 GB/s each: f1 ends at 1.0; f0 has 0.25 GB left, alone: ends at 1.25.
     * f2 of size 0 with 0.3 s latency completes at 0.3; its rate is 0 meanwhile. */
    struct rec r;
    double cap[] = {1 * GB};
    uint32_t p[] = {0};
    setup(&r, 1, cap);
    start(&r, 0, 1 * GB, p, 1, 0, 1, INFINITY);
    start(&r, 1, 0.25 * GB, p, 1, 0.5, 1, INFINITY);
    start(&r, 2, 0, p, 1, 0.3, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 0.25), CPN_OK);
    CPN_ASSERT_REL(rate_of(&r, 0), 1 * GB, REL);
    CU_ASSERT_EQUAL(rate_of(&r, 1), 0);
    double rem = 0;
    CU_ASSERT_EQUAL(cpn_flow_remaining(r.net, r.h[1], &rem), CPN_OK);
    CU_ASSERT_EQUAL(rem, 0.25 * GB);
    CU_ASSERT_EQUAL(cpn_flownet_active(r.net), 1);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[2], 0.3, REL);
    CPN_ASSERT_REL(r.end[1], 1.0, REL);
    CPN_ASSERT_REL(r.end[0], 1.25, REL);
    teardown(&r);
}

static void test_empty_path_runs_at_its_cap(void)
{
    /* No resource: 1 GB at its 0.25 GB/s cap takes 4 s. */
    struct rec r;
    setup(&r, 0, NULL);
    start(&r, 0, 1 * GB, NULL, 0, 0, 1, 0.25 * GB);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 4.0, REL);
    teardown(&r);
}

static void test_multipath_split_by_ratio_and_by_offer(void)
{
    /* By ratio 1:3, 1 GB -> 0.25 + 0.75 GB; on disjoint paths of 1 and 3 GB/s both halves end
     * together at 0.25 s. */
    double parts[2], ratio[] = {1, 3};
    CU_ASSERT_EQUAL(cpn_flow_split(1 * GB, 2, ratio, parts), CPN_OK);
    CPN_ASSERT_REL(parts[0], 0.25 * GB, REL);
    CU_ASSERT_EQUAL(parts[0] + parts[1], 1 * GB);
    struct rec r;
    double cap[] = {1 * GB, 3 * GB, 1 * GB};
    uint32_t a[] = {0}, b[] = {1}, c[] = {2};
    setup(&r, 3, cap);
    start(&r, 0, parts[0], a, 1, 0, 1, INFINITY);
    start(&r, 1, parts[1], b, 1, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 0.25, REL);
    CPN_ASSERT_REL(r.end[1], 0.25, REL);
    /* By offer: a background flow saturates link 0 (1 GB/s, one flow): a newcomer's offer is
     * max(0, 1/2) = 0.5 GB/s; link 2 is idle: 1 GB/s.  3 GB split 1:2. */
    start(&r, 2, 100 * GB, a, 1, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 1), CPN_OK);
    double offer[2];
    CU_ASSERT_EQUAL(cpn_flownet_path_offer(r.net, a, 1, &offer[0]), CPN_OK);
    CU_ASSERT_EQUAL(cpn_flownet_path_offer(r.net, c, 1, &offer[1]), CPN_OK);
    CPN_ASSERT_REL(offer[0], 0.5 * GB, REL);
    CPN_ASSERT_REL(offer[1], 1 * GB, REL);
    CU_ASSERT_EQUAL(cpn_flow_split(3 * GB, 2, offer, parts), CPN_OK);
    CPN_ASSERT_REL(parts[0], 1 * GB, REL);
    CPN_ASSERT_REL(parts[1], 2 * GB, REL);
    /* All shares 0: equal split. */
    double zero[3] = {0, 0, 0}, p3[3];
    CU_ASSERT_EQUAL(cpn_flow_split(3, 3, zero, p3), CPN_OK);
    CU_ASSERT_EQUAL(p3[0] + p3[1] + p3[2], 3);
    CPN_ASSERT_REL(p3[0], 1, REL);
    teardown(&r);
}

static void test_interned_paths_start_like_hop_lists(void)
{
    /* The same two-flow case through cpn_flownet_path() + cpn_flow_start_path(): identical
     * hops give one id; both flows share one class and end at 2 s. */
    struct rec r;
    double cap[] = {1 * GB, 2 * GB};
    uint32_t p[] = {0, 1}, id, id2, bad[] = {5};
    setup(&r, 2, cap);
    CU_ASSERT_EQUAL(cpn_flownet_path(r.net, p, 2, &id), CPN_OK);
    CU_ASSERT_EQUAL(cpn_flownet_path(r.net, p, 2, &id2), CPN_OK);
    CU_ASSERT_EQUAL(id, id2);
    CU_ASSERT_EQUAL(cpn_flownet_path(r.net, bad, 1, &id2), CPN_ERANGE);
    CU_ASSERT_EQUAL(cpn_flownet_path(r.net, p, 2, NULL), CPN_EINVAL);
    struct cpn_flow_spec s = spec(&r, 0, 1 * GB, NULL, 0, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_flow_start_path(r.net, id, &s, &r.h[0]), CPN_OK);
    s.id = 1;
    CU_ASSERT_EQUAL(cpn_flow_start_path(r.net, id, &s, &r.h[1]), CPN_OK);
    CU_ASSERT_EQUAL(cpn_flow_start_path(r.net, 99, &s, NULL), CPN_ENOENT);
    CU_ASSERT_EQUAL(cpn_flow_start_path(r.net, id, NULL, NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_flownet_classes(r.net), 1);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 2.0, REL);
    CPN_ASSERT_REL(r.end[1], 2.0, REL);
    teardown(&r);
}

static int cancel_h1(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    (void)arg;
    struct rec *r = ctx;
    double rem = 0;
    CU_ASSERT_EQUAL(cpn_flow_remaining(r->net, r->h[1], &rem), CPN_OK);
    CPN_ASSERT_REL(rem, 0.75 * GB, REL); /* 0.5 s at 0.5 GB/s */
    return cpn_flow_cancel(r->net, r->h[1]);
}
static const struct cpn_handler cancel_handler = {cancel_h1, "test_cancel", 0};

static void test_cancel_mid_transfer_frees_the_share(void)
{
    /* f0, f1 (1 GB each) share 1 GB/s; f1 is cancelled at 0.5: f0 has 0.75 GB left, alone:
     * ends at 1.25; f1's callback never runs.  A pending flow is cancelled before it joins. */
    struct rec r;
    double cap[] = {1 * GB};
    uint32_t p[] = {0};
    setup(&r, 1, cap);
    start(&r, 0, 1 * GB, p, 1, 0, 1, INFINITY);
    start(&r, 1, 1 * GB, p, 1, 0, 1, INFINITY);
    start(&r, 2, 1 * GB, p, 1, 5, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_flow_cancel(r.net, r.h[2]), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(r.eng, 0.5, &cancel_handler, &r, 0, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 1.25, REL);
    CU_ASSERT_EQUAL(r.end[1], -1);
    CU_ASSERT_EQUAL(r.end[2], -1);
    CU_ASSERT_EQUAL(r.count, 1);
    CU_ASSERT_EQUAL(cpn_flow_cancel(r.net, r.h[1]), CPN_ENOENT); /* stale handle */
    /* Link accounting: 0.5 s x 1 GB/s + 0.75 s x 1 GB/s = 1.25 GB carried, busy 1.25 s. */
    struct cpn_flow_usage u = usage_of(&r, 0);
    CPN_ASSERT_REL(u.bytes, 1.25 * GB, REL);
    CPN_ASSERT_REL(u.busy, 1.25, REL);
    CPN_ASSERT_REL(u.util, 1.25, REL);
    CU_ASSERT_EQUAL(u.load, 0);
    teardown(&r);
}

static int double_capacity(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    struct rec *r = ctx;
    return cpn_flownet_set_capacity(r->net, (uint32_t)arg, 2 * GB);
}
static const struct cpn_handler capacity_handler = {double_capacity, "test_capacity", 0};

static void test_capacity_change_resolves_rates(void)
{
    /* 1 GB at 1 GB/s; at 0.5 the link doubles: 0.5 GB left at 2 GB/s -> ends at 0.75. */
    struct rec r;
    double cap[] = {1 * GB};
    uint32_t p[] = {0};
    setup(&r, 1, cap);
    start(&r, 0, 1 * GB, p, 1, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_schedule(r.eng, 0.5, &capacity_handler, &r, 0, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 0.75, REL);
    struct cpn_flow_usage u = usage_of(&r, 0);
    CPN_ASSERT_REL(u.util, 0.75, REL); /* 0.5 s at util 1, 0.25 s at util 1 */
    teardown(&r);
}

static int restore_capacity(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    struct rec *r = ctx;
    return cpn_flownet_set_capacity(r->net, (uint32_t)arg, 1 * GB);
}
static const struct cpn_handler restore_handler = {restore_capacity, "test_restore", 0};

static void test_a_zero_capacity_stalls_the_flows_crossing_it(void)
{
    /* f0 (1 GB) crosses A (1 GB/s) and B (capacity 0): it stalls at rate 0, yet counts as busy
     * on A (a sharing flow crosses it).  At 1 B gets 1 GB/s: f0 ends at 2.  A: 1 GB carried,
     * busy 2 s, utilisation 1 s (load 1 GB/s from 1 to 2). */
    struct rec r;
    double cap[] = {1 * GB, 0};
    uint32_t ab[] = {0, 1};
    setup(&r, 2, cap);
    start(&r, 0, 1 * GB, ab, 2, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_schedule(r.eng, 1, &restore_handler, &r, 1, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 0.5), CPN_OK);
    CU_ASSERT_EQUAL(rate_of(&r, 0), 0);
    struct cpn_flow_usage u = usage_of(&r, 0);
    CU_ASSERT_EQUAL(u.load, 0);
    CU_ASSERT_EQUAL(u.bytes, 0);
    CPN_ASSERT_REL(u.busy, 0.5, REL);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 2.0, REL);
    u = usage_of(&r, 0);
    CPN_ASSERT_REL(u.bytes, 1 * GB, REL);
    CPN_ASSERT_REL(u.busy, 2.0, REL);
    CPN_ASSERT_REL(u.util, 1.0, REL);
    teardown(&r);
}

static void test_bucketed_fillings_take_their_entries_in_key_order(void)
{
    /* One solve of more than FQ_FEW = 16 entries, so bucketed (flowsolve.c).  40 access links
     * a_i of capacities c_i = 2^30 (1 + (39 - i) / 400) B/s, each crossed by two classes (flow
     * 2i over a_i and core C1, flow 2i + 1 over a_i and core C2, 1 GB each; the cores 100 GB/s):
     * their keys c_i / 2 lie within one quarter octave, one bucket of 40 entries (more than
     * FQ_RUN = 32: sorted in runs and merges), made in decreasing key order.  Flow 80 (1 GB)
     * crosses Z, of capacity 0, and a_0: its bound entry has a key of 0, the bucket before all.
     * In key order flow 80 freezes at 0 first, a_0's key rises to c_0 / 2, and every a_i gives
     * its two flows c_i / 2: they end at 2e9 / c_i.  Z is back at 1 GB/s at 0.5 s: a_0 then
     * gives its three flows c_0 / 3 each, so flows 0 and 1 (c_0 / 4 sent) end at
     * 3e9 / c_0 - 0.25, and flow 80, left with c_0 / 4 bytes at 1 GB/s (Z), c_0 / 4e9 later.
     * (Out of key order, the level of a larger key freezes flows above their link's capacity;
     * with the key of 0 last, a_0 binds first and gives flow 80 c_0 / 3 on Z.) */
    enum { K = 40 };
    struct rec r;
    double cap[K + 3];
    for (int i = 0; i < K; i++)
        cap[i] = 1073741824.0 * (1 + (K - 1 - i) / 400.0);
    cap[K] = cap[K + 1] = 100 * GB;
    cap[K + 2] = 0;
    setup(&r, K + 3, cap);
    for (uint32_t i = 0; i < K; i++) {
        uint32_t one[] = {i, K}, two[] = {i, K + 1};
        start(&r, 2 * i, 1 * GB, one, 2, 0, 1, INFINITY);
        start(&r, 2 * i + 1, 1 * GB, two, 2, 0, 1, INFINITY);
    }
    uint32_t z[] = {K + 2, 0};
    start(&r, 2 * K, 1 * GB, z, 2, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_schedule(r.eng, 0.5, &restore_handler, &r, K + 2, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 0.25), CPN_OK);
    CU_ASSERT_EQUAL(rate_of(&r, 2 * K), 0);
    CPN_ASSERT_REL(rate_of(&r, 0), cap[0] / 2, REL);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CU_ASSERT_EQUAL(r.count, 2 * K + 1);
    for (int i = 1; i < K; i++) {
        CPN_ASSERT_REL(r.end[2 * i], 2 * GB / cap[i], REL);
        CPN_ASSERT_REL(r.end[2 * i + 1], 2 * GB / cap[i], REL);
    }
    CPN_ASSERT_REL(r.end[0], 3 * GB / cap[0] - 0.25, REL);
    CPN_ASSERT_REL(r.end[1], 3 * GB / cap[0] - 0.25, REL);
    CPN_ASSERT_REL(r.end[2 * K], 3 * GB / cap[0] - 0.25 + cap[0] / (4 * GB), REL);
    teardown(&r);
}

static void test_a_filling_of_hundreds_of_entries_takes_them_in_key_order(void)
{
    /* One solve of 301 entries (more than 256, above which fillings kept a binary heap of their
     * entries before; bucketed like the others now, flowsolve.c).  300 access links a_i of
     * capacity c_i = (i + 1) 1e8 B/s, flow i (10 GB) over a_i and the shared link S of
     * 25,150e8 B/s.  Each a_i is slack (its one flow's bound is c_i): the entries are the 300
     * flows' bounds c_i and S.  By hand, max-min: S binds at the level θ with
     * sum_i min(c_i, θ) = C_S: θ = 100.5e8 (flows 0..99 at their c_i, 5,050e8 B/s in all, and
     * 200 flows at θ).  Taken out of key order, a flow would freeze at a bound above θ (S over
     * its capacity) or S before a smaller bound (a flow of 0..99 below its c_i). */
    enum { K = 300 };
    struct rec r;
    double cap[K + 1];
    for (int i = 0; i < K; i++)
        cap[i] = (i + 1) * 1e8;
    cap[K] = 25150e8;
    setup(&r, K + 1, cap);
    for (uint32_t i = 0; i < K; i++) {
        uint32_t hops[] = {i, K};
        start(&r, i, 10 * GB, hops, 2, 0, 1, INFINITY);
    }
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 0.01), CPN_OK);
    for (int i = 0; i < K; i++)
        CPN_ASSERT_REL(rate_of(&r, (uint64_t)i), i < 100 ? cap[i] : 100.5e8, REL);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CU_ASSERT_EQUAL(r.count, K);
    /* Flows 100..299 end together at 10 GB / θ; the others run at their c_i throughout. */
    CPN_ASSERT_REL(r.end[150], 10 * GB / 100.5e8, REL);
    CPN_ASSERT_REL(r.end[0], 10 * GB / 1e8, REL);
    teardown(&r);
}

static int zero_capacity(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    struct rec *r = ctx;
    return cpn_flownet_set_capacity(r->net, (uint32_t)arg, 0);
}
static const struct cpn_handler zero_handler = {zero_capacity, "test_zero", 0};

static int zero_both(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng, (void)arg;
    struct rec *r = ctx;
    int rc = cpn_flownet_set_capacity(r->net, 0, 0);
    return rc == CPN_OK ? cpn_flownet_set_capacity(r->net, 1, 0) : rc;
}
static int restore_both(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng, (void)arg;
    struct rec *r = ctx;
    int rc = cpn_flownet_set_capacity(r->net, 0, 1 * GB);
    return rc == CPN_OK ? cpn_flownet_set_capacity(r->net, 1, 1 * GB) : rc;
}
static const struct cpn_handler zero_both_handler = {zero_both, "test_zero_both", 0};
static const struct cpn_handler restore_both_handler = {restore_both, "test_restore_both", 0};

static void test_a_flow_stalls_when_its_link_fails_and_resumes(void)
{
    /* 10 GB at 1 GB/s from 0; the link's capacity is 0 from 2 to 5 (a failure): 2 GB before,
     * none for 3 s, 8 GB after: the flow ends at 5 + 8 = 13 (not 10). */
    struct rec r;
    double cap[] = {1 * GB};
    uint32_t p[] = {0};
    setup(&r, 1, cap);
    start(&r, 0, 10 * GB, p, 1, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_schedule(r.eng, 2, &zero_handler, &r, 0, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(r.eng, 5, &restore_handler, &r, 0, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 3), CPN_OK);
    CU_ASSERT_EQUAL(rate_of(&r, 0), 0);
    CPN_ASSERT_REL(usage_of(&r, 0).bytes, 2 * GB, REL);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 13.0, REL);
    CPN_ASSERT_REL(usage_of(&r, 0).bytes, 10 * GB, REL);
    teardown(&r);
    /* The same with both directions of the link changed at once (as cpn_network_set_link()
     * does), the flow on the first, with a latency of 0.01 s: it ends at 13.01. */
    double cap2[] = {1 * GB, 1 * GB};
    setup(&r, 2, cap2);
    start(&r, 0, 10 * GB, p, 1, 0.01, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_engine_schedule(r.eng, 2, &zero_both_handler, &r, 0, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(r.eng, 5, &restore_both_handler, &r, 0, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 13.01, REL);
    teardown(&r);
}

static int move_f0(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    struct rec *r = ctx;
    return cpn_flow_move(r->net, r->h[0], (uint32_t)arg, INFINITY);
}
static const struct cpn_handler move_handler = {move_f0, "test_move", 0};

static void test_a_moved_flow_keeps_its_bytes_and_handle(void)
{
    /* f0 and f1 (10 GB each) share A (1 GB/s): 0.5 GB/s each, 1 GB each by 2 s.  At 2 f0 moves
     * to B (2 GB/s): its 9 GB take 4.5 s (ends 6.5); f1 has A alone, 9 GB at 1 GB/s: ends 11.
     * Before the move both cross A and none B; the handle stays valid; size and start are
     * reported as given. */
    struct rec r;
    double cap[] = {1 * GB, 2 * GB};
    uint32_t a[] = {0}, b[] = {1}, pb;
    setup(&r, 2, cap);
    start(&r, 0, 10 * GB, a, 1, 0, 1, INFINITY);
    start(&r, 1, 10 * GB, a, 1, 0, 1, INFINITY);
    CU_ASSERT_EQUAL_FATAL(cpn_flownet_path(r.net, b, 1, &pb), CPN_OK);
    cpn_flowh on[4];
    size_t n = 0;
    CU_ASSERT_EQUAL(cpn_flownet_flows_on(r.net, 0, on, 4, &n), CPN_OK);
    CU_ASSERT(n == 2 && on[0] == r.h[0] && on[1] == r.h[1]);
    CU_ASSERT_EQUAL(cpn_flownet_flows_on(r.net, 1, on, 4, &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(cpn_engine_schedule(r.eng, 2, &move_handler, &r, pb, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, 3), CPN_OK);
    struct cpn_flow_info info;
    CU_ASSERT_EQUAL(cpn_flow_info(r.net, r.h[0], &info), CPN_OK);
    CU_ASSERT(info.path == pb && info.id == 0);
    CPN_ASSERT_REL(info.remaining, 7 * GB, REL); /* 9 GB at 2 s, 2 GB moved since */
    CU_ASSERT_EQUAL(cpn_flow_move(r.net, r.h[0], 999, INFINITY), CPN_ENOENT);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(r.end[0], 6.5, REL);
    CPN_ASSERT_REL(r.end[1], 11.0, REL);
    CPN_ASSERT_REL(usage_of(&r, 1).bytes, 9 * GB, REL);
    CPN_ASSERT_REL(usage_of(&r, 0).bytes, 11 * GB, REL);
    CU_ASSERT_EQUAL(cpn_flow_info(r.net, r.h[0], &info), CPN_ENOENT);
    teardown(&r);
}

static int chain_done(struct cpn_flownet *net, void *ctx, const struct cpn_flow_done *d)
{
    struct rec *r = ctx;
    r->end[d->id] = d->end;
    r->count++;
    if (d->id == 0) { /* start the next transfer from the callback */
        static const uint32_t p[] = {0};
        struct cpn_flow_spec s = {0, 1, 1 * GB, p, 1, 0.5, 1, INFINITY, chain_done, r, 1, 0};
        return cpn_flow_start(net, &s, &r->h[1]);
    }
    return d->id == 2 ? CPN_ESTATE : CPN_OK;
}

static void test_callbacks_may_start_flows_and_errors_stop_the_run(void)
{
    /* f0 ends at 1; its callback starts f1 (latency 0.5): ends at 1 + 0.5 + 1 = 2.5.  f2 (ends
     * at 10) returns an error, which stops the run with that code. */
    struct rec r;
    double cap[] = {1 * GB, 1 * GB};
    uint32_t p[] = {0}, q[] = {1};
    setup(&r, 2, cap);
    struct cpn_flow_spec s = {0, 1, 1 * GB, p, 1, 0, 1, INFINITY, chain_done, &r, 0, 0};
    CU_ASSERT_EQUAL(cpn_flow_start(r.net, &s, &r.h[0]), CPN_OK);
    s = (struct cpn_flow_spec){0, 1, 10 * GB, q, 1, 0, 1, INFINITY, chain_done, &r, 2, 0};
    CU_ASSERT_EQUAL(cpn_flow_start(r.net, &s, &r.h[2]), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(r.eng, INFINITY), CPN_ESTATE);
    CPN_ASSERT_REL(r.end[0], 1.0, REL);
    CPN_ASSERT_REL(r.end[1], 2.5, REL);
    CPN_ASSERT_REL(r.end[2], 10.0, REL);
    teardown(&r);
}

static void test_every_error_code_is_reported(void)
{
    struct rec r;
    double cap[] = {1 * GB}, bad[] = {-1};
    uint32_t p[] = {0}, out_of_range[] = {7};
    struct cpn_flownet *net = NULL;
    setup(&r, 1, cap);
    CU_ASSERT_EQUAL(cpn_flownet_new(NULL, 1, cap, &net), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_flownet_new(r.eng, 1, bad, &net), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_flownet_new(r.eng, (size_t)1 << 31, cap, &net), CPN_ERANGE);
    CU_ASSERT_PTR_NULL(net);
    struct cpn_flow_spec s = spec(&r, 0, GB, p, 1, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_flow_start(r.net, NULL, NULL), CPN_EINVAL);
    s.size = NAN;
    CU_ASSERT_EQUAL(cpn_flow_start(r.net, &s, NULL), CPN_EINVAL);
    s = spec(&r, 0, GB, p, 1, -1, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_flow_start(r.net, &s, NULL), CPN_EINVAL);
    s = spec(&r, 0, GB, p, 1, 0, 0, INFINITY);
    CU_ASSERT_EQUAL(cpn_flow_start(r.net, &s, NULL), CPN_EINVAL);
    s = spec(&r, 0, GB, p, 1, 0, 1, 0);
    CU_ASSERT_EQUAL(cpn_flow_start(r.net, &s, NULL), CPN_EINVAL);
    s = spec(&r, 0, GB, NULL, 0, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_flow_start(r.net, &s, NULL), CPN_EINVAL);
    s = spec(&r, 0, GB, NULL, 1, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_flow_start(r.net, &s, NULL), CPN_EINVAL);
    s = spec(&r, 0, GB, out_of_range, 1, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_flow_start(r.net, &s, NULL), CPN_ERANGE);
    CU_ASSERT_EQUAL(cpn_flownet_flows(r.net), 0);
    double x;
    CU_ASSERT_EQUAL(cpn_flow_cancel(r.net, CPN_FLOWH_NONE), CPN_ENOENT);
    CU_ASSERT_EQUAL(cpn_flow_rate(r.net, 12345, &x), CPN_ENOENT);
    CU_ASSERT_EQUAL(cpn_flow_remaining(r.net, 12345, &x), CPN_ENOENT);
    start(&r, 0, GB, p, 1, 0, 1, INFINITY);
    CU_ASSERT_EQUAL(cpn_flow_rate(r.net, r.h[0], NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_flow_remaining(r.net, r.h[0], NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_flownet_set_capacity(r.net, 1, GB), CPN_ERANGE);
    CU_ASSERT_EQUAL(cpn_flownet_set_capacity(r.net, 0, -GB), CPN_EINVAL);
    struct cpn_flow_usage u;
    CU_ASSERT_EQUAL(cpn_flownet_usage(r.net, 1, &u), CPN_ERANGE);
    CU_ASSERT_EQUAL(cpn_flownet_usage(r.net, 0, NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_flownet_path_offer(r.net, p, 0, &x), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_flownet_path_offer(r.net, out_of_range, 1, &x), CPN_ERANGE);
    double share[] = {1, -1}, parts[2];
    CU_ASSERT_EQUAL(cpn_flow_split(1, 2, share, parts), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_flow_split(-1, 1, share, parts), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_flow_split(1, 0, share, parts), CPN_EINVAL);
    teardown(&r); /* frees a network with a live flow and pending events */
}

/* ------------------------------------------------------------------------------------------ */
/* Randomized workloads against the independent reference. */

struct workload {
    int n_res, n_flows;
    double *capacity; /* [B/s] per resource */
    struct cpn_ref_flow *f;
    double *end;     /* completion times from cpnsim [s] */
    double *ref_end; /* completion times from the reference [s] */
    struct cpn_engine *eng;
    struct cpn_flownet *net;
    int overload; /* number of times a resource was seen above capacity */
    int max_active;
    size_t max_classes;
    double *joins; /* open: the flows' join times (start + latency), sorted [s] */
    int checked;   /* completion instants whose conservation was checked */
    int sessions;  /* closed loop: each completion starts the next flow (0: open) */
    uint64_t seen_solves, seen_work; /* the solver's counters at the last completion */
    uint64_t max_work; /* most resources reached and groups and classes re-solved by one solve
                        * (seen between two completions): a bound on its filling's entries */
    int next;          /* closed loop: next flow to start */
};

/* Room for @p n_res resources and @p n_flows flows in @p w. */
static void workload_alloc(struct workload *w, int n_res, int n_flows)
{
    w->n_res = n_res;
    w->n_flows = n_flows;
    w->capacity = malloc(n_res * sizeof *w->capacity);
    w->f = calloc(n_flows, sizeof *w->f);
    w->end = malloc(n_flows * sizeof *w->end);
    w->ref_end = malloc(n_flows * sizeof *w->ref_end);
    CU_ASSERT_FATAL(w->capacity && w->f && w->end && w->ref_end);
}

/* A random connected graph of n nodes (random tree + extra edges); path = BFS (fewest hops,
 * lowest node index first); directed resource of link l from its a-end is 2l, else 2l+1. */
static void make_workload(struct workload *w, unsigned long seed, int n_flows, double gap, int ties)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    int n = 8 + (int)(seed % 5), extra = n;
    int link[16][16], la[64], lb[64], nl = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            link[i][j] = -1;
    for (int i = 1; i < n + extra; i++) {
        int a = i < n ? i : (int)gsl_rng_uniform_int(rng, n);
        int b = i < n ? (int)gsl_rng_uniform_int(rng, i) : (int)gsl_rng_uniform_int(rng, n);
        if (a == b || link[a][b] >= 0)
            continue;
        la[nl] = a;
        lb[nl] = b;
        link[a][b] = link[b][a] = nl++;
    }
    workload_alloc(w, 2 * nl, n_flows);
    for (int r = 0; r < w->n_res; r++)
        w->capacity[r] = ties ? 1e9 * (1 << gsl_rng_uniform_int(rng, 3)) /* 1, 2 or 4 GB/s */
                              : 1e8 * pow(100, gsl_rng_uniform(rng));    /* 0.1 .. 10 GB/s */
    double t = 0;
    int hot[4][2];
    for (int k = 0; k < 4; k++) {
        hot[k][0] = (int)gsl_rng_uniform_int(rng, n);
        hot[k][1] = (hot[k][0] + 1 + (int)gsl_rng_uniform_int(rng, n - 1)) % n;
    }
    for (int i = 0; i < n_flows; i++) {
        struct cpn_ref_flow *f = &w->f[i];
        if (gsl_rng_uniform(rng) > (ties ? 0.5 : 0.05)) /* some start with the previous flow */
            t += -log(1 - gsl_rng_uniform(rng)) * gap;
        f->start = t;
        int s, d;
        if (gsl_rng_uniform(rng) < 0.5) { /* hot pairs: identical paths, classes form */
            int k = (int)gsl_rng_uniform_int(rng, 4);
            s = hot[k][0];
            d = hot[k][1];
        } else {
            s = (int)gsl_rng_uniform_int(rng, n);
            d = (s + 1 + (int)gsl_rng_uniform_int(rng, n - 1)) % n;
        }
        int prev[16], queue[16], qh = 0, qt = 0;
        for (int v = 0; v < n; v++)
            prev[v] = -2;
        prev[s] = -1;
        queue[qt++] = s;
        while (qh < qt) {
            int u = queue[qh++];
            for (int v = 0; v < n; v++)
                if (link[u][v] >= 0 && prev[v] == -2) {
                    prev[v] = u;
                    queue[qt++] = v;
                }
        }
        int nodes[16], nn = 0;
        for (int v = d; v != -1; v = prev[v])
            nodes[nn++] = v;
        for (int k = nn - 1; k > 0; k--) {
            int u = nodes[k], v = nodes[k - 1], l = link[u][v];
            f->hops[f->nh++] = (uint32_t)(2 * l + (la[l] == u ? 0 : 1));
        }
        double u = gsl_rng_uniform(rng);
        f->size = u < 0.02 ? 0
                  : ties   ? 1e7 * (1 << gsl_rng_uniform_int(rng, 4)) /* 10 .. 80 MB */
                           : 1e5 * pow(1e4, gsl_rng_uniform(rng));      /* 0.1 MB .. 1 GB */
        u = gsl_rng_uniform(rng);
        f->latency = u < 0.3 ? 0 : 5e-3 * gsl_rng_uniform(rng);
        u = gsl_rng_uniform(rng);
        f->weight = u < 0.5 ? 1 : u < 0.75 || ties ? 2 : 0.5 + 3.5 * gsl_rng_uniform(rng);
        u = gsl_rng_uniform(rng);
        f->cap = u < 0.6 ? INFINITY : u < 0.8 || ties ? 2e8 : 1e7 * pow(500, gsl_rng_uniform(rng));
        (void)lb;
    }
    gsl_rng_free(rng);
}

/* The sorted join times of an open workload (w->joins). */
static void sort_joins(struct workload *w)
{
    w->joins = malloc(w->n_flows * sizeof *w->joins);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w->joins);
    for (int i = 0; i < w->n_flows; i++)
        w->joins[i] = w->f[i].start + w->f[i].latency; /* (as the flow network computes it) */
    qsort(w->joins, w->n_flows, sizeof *w->joins, cpn_test_cmp_double);
}

/* Does a flow of the open workload join at @p t? */
static int joins_at(const struct workload *w, double t)
{
    return w->joins &&
           bsearch(&t, w->joins, w->n_flows, sizeof *w->joins, cpn_test_cmp_double) != NULL;
}

static void free_workload(struct workload *w)
{
    cpn_flownet_free(w->net);
    cpn_engine_free(w->eng);
    free(w->joins);
    free(w->capacity);
    free(w->f);
    free(w->end);
    free(w->ref_end);
}

static int wl_begin(struct workload *w, int i, double now);

static int wl_done(struct cpn_flownet *net, void *ctx, const struct cpn_flow_done *d)
{
    struct workload *w = ctx;
    w->end[d->id] = d->end;
    if (w->sessions && w->next < w->n_flows) {
        int rc = wl_begin(w, w->next++, d->end);
        if (rc != CPN_OK)
            return rc;
    }
    /* Conservation: no resource above its capacity at any completion instant, except where a
     * flow joins at that instant: a joining member runs at its class's old rate until the
     * re-solve at that same instant, so the callbacks may see a load above capacity for zero
     * time (docs/models-network.md §1.3; a size-0 flow completes at its join). */
    if (joins_at(w, d->end))
        return CPN_OK;
    w->checked++;
    for (int r = 0; r < w->n_res; r++) {
        struct cpn_flow_usage u;
        if (cpn_flownet_usage(net, (uint32_t)r, &u) != CPN_OK || u.load > u.capacity * (1 + 1e-9))
            w->overload++;
    }
    struct cpn_flow_stats st;
    cpn_flownet_stats(net, &st);
    uint64_t work = st.solved_resources + st.solved_classes;
    if (st.solves == w->seen_solves + 1 && work - w->seen_work > w->max_work)
        w->max_work = work - w->seen_work;
    w->seen_solves = st.solves;
    w->seen_work = work;
    if ((int)cpn_flownet_active(net) > w->max_active)
        w->max_active = (int)cpn_flownet_active(net);
    if (cpn_flownet_classes(net) > w->max_classes)
        w->max_classes = cpn_flownet_classes(net);
    return CPN_OK;
}

/* Start flow @p i now (closed loop: its start time is known only now). */
static int wl_begin(struct workload *w, int i, double now)
{
    struct cpn_ref_flow *f = &w->f[i];
    f->start = now;
    struct cpn_flow_spec s = {0,         1,      f->size, f->hops, (size_t)f->nh, f->latency,
                              f->weight, f->cap, wl_done, w,       (uint64_t)i,   0};
    return cpn_flow_start(w->net, &s, NULL);
}

static int wl_start(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    return wl_begin(ctx, (int)arg, cpn_engine_now(eng));
}
static const struct cpn_handler wl_start_handler = {wl_start, "test_start", 0};

/* Run open workload @p w (every flow started at its start time) through cpnsim's flow network
 * and through the reference (w->end, w->ref_end). */
static void run_open(struct workload *w)
{
    sort_joins(w);
    w->eng = cpn_engine_new();
    CU_ASSERT_EQUAL_FATAL(cpn_flownet_new(w->eng, w->n_res, w->capacity, &w->net), CPN_OK);
    for (int i = 0; i < w->n_flows; i++) {
        w->end[i] = -1;
        cpn_engine_schedule(w->eng, w->f[i].start, &wl_start_handler, w, i, NULL);
    }
    CU_ASSERT_EQUAL(cpn_engine_run(w->eng, INFINITY), CPN_OK);
    CU_ASSERT_EQUAL(cpn_ref_run(w->n_res, w->capacity, w->n_flows, w->f, w->ref_end), 0);
}

/* The number of flows whose completion time differs from the reference's by more than 1e-9
 * relative; the worst relative difference in *worst. */
static int compare_with_reference(const struct workload *w, double *worst)
{
    int bad = 0;
    *worst = 0;
    for (int i = 0; i < w->n_flows; i++) {
        double e = fabs(w->end[i] - w->ref_end[i]) / fmax(fabs(w->ref_end[i]), 1e-300);
        *worst = fmax(*worst, e);
        bad += !(e <= 1e-9);
    }
    return bad;
}

static void test_random_workloads_match_the_reference_solver(void)
{
    /* Three workloads of each of 12 kinds (seed 1-36, kind (seed - 1) mod 12 + 1).  Kinds 1-5
     * at high load (one big component, hundreds of flows); kinds 6-8 at low load (a few flows in
     * several components, so the component-local re-solve is exercised); kinds 9-12 at high
     * load with ties: capacities, sizes, weights and caps from small sets of powers of two and
     * half of the flows starting together, so that many classes share a level and many changes
     * fall on one instant (the solver's "keep lower levels frozen" rule, its lower bound of a
     * grown class's level and its margin are exercised at equal levels). */
    for (unsigned long seed = 1; seed <= 36; seed++) {
        unsigned long kind = (seed - 1) % 12 + 1;
        struct workload w = {0};
        make_workload(&w, seed, 1000, kind <= 5 || kind >= 9 ? 0.004 : 0.2, kind >= 9);
        run_open(&w);
        double worst, carried = 0, expected = 0;
        int bad = compare_with_reference(&w, &worst);
        for (int i = 0; i < w.n_flows; i++)
            expected += w.f[i].size * w.f[i].nh;
        for (int r = 0; r < w.n_res; r++) {
            struct cpn_flow_usage u;
            cpn_flownet_usage(w.net, (uint32_t)r, &u);
            carried += u.bytes;
        }
        CU_ASSERT_EQUAL(bad, 0);
        CU_ASSERT_EQUAL(w.overload, 0);
        CU_ASSERT(w.checked > w.n_flows / 2);    /* most completion instants had no join */
        CPN_ASSERT_REL(carried, expected, 1e-9); /* bytes in = bytes delivered, per hop */
        if (kind <= 5 || kind >= 9) {
            CU_ASSERT(w.max_active >= 10);                   /* real contention happened */
            CU_ASSERT(w.max_classes < (size_t)w.max_active); /* and classes aggregated flows */
        }
        CU_ASSERT_EQUAL(cpn_flownet_flows(w.net), 0);
        if (getenv("CPN_TEST_VERBOSE"))
            printf("\n  seed %lu: %d resources, max %d active in %zu classes, worst rel %.2e, "
                   "%d instants checked",
                   seed, w.n_res, w.max_active, w.max_classes, worst, w.checked);
        free_workload(&w);
    }
}

/* A closed loop: S sessions each start a flow at time 0 and the next one when it completes, so
 * that classes empty and fill again all the time and their slots are reused by other paths;
 * the start times are recorded and given to the reference afterwards. */
static void test_closed_loops_match_the_reference_solver(void)
{
    for (unsigned long seed = 21; seed <= 26; seed++) {
        struct workload w = {0};
        make_workload(&w, seed, 1500, 0, seed >= 25);
        w.sessions = seed % 2 ? 40 : 150;
        w.eng = cpn_engine_new();
        CU_ASSERT_EQUAL_FATAL(cpn_flownet_new(w.eng, w.n_res, w.capacity, &w.net), CPN_OK);
        for (int i = 0; i < w.n_flows; i++)
            w.end[i] = -1;
        for (w.next = 0; w.next < w.sessions; w.next++)
            cpn_engine_schedule(w.eng, 0, &wl_start_handler, &w, (uint64_t)w.next, NULL);
        CU_ASSERT_EQUAL(cpn_engine_run(w.eng, INFINITY), CPN_OK);
        CU_ASSERT_EQUAL(w.next, w.n_flows);
        CU_ASSERT_EQUAL(cpn_ref_run(w.n_res, w.capacity, w.n_flows, w.f, w.ref_end), 0);
        double worst;
        CU_ASSERT_EQUAL(compare_with_reference(&w, &worst), 0);
        CU_ASSERT(w.max_active >= 20); /* the sessions did overlap */
        if (getenv("CPN_TEST_VERBOSE"))
            printf("\n  closed seed %lu: %d sessions, max %d active in %zu classes, worst %.2e",
                   seed, w.sessions, w.max_active, w.max_classes, worst);
        free_workload(&w);
    }
}

/* Fillings of more than 256 entries (a binary heap then, bucketed since 2026-12-07,
 * flowsolve.c): flows from 200 access resources through one core resource to 200 egress ones,
 * up to about 400 in flight, so that a solve reaches hundreds of coupled resources.  Completion
 * times against the independent reference; no resource above its capacity. */
static void test_large_fillings_match_the_reference_solver(void)
{
    enum { K = 200, FLOWS = 1500 };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 99);
    struct workload w = {0};
    workload_alloc(&w, 1 + 2 * K, FLOWS);
    w.capacity[0] = 5e10; /* the core: 50 GB/s */
    for (int r = 1; r < w.n_res; r++)
        w.capacity[r] = 1e8 * pow(100, gsl_rng_uniform(rng)); /* 0.1 .. 10 GB/s */
    double t = 0;
    for (int i = 0; i < FLOWS; i++) {
        struct cpn_ref_flow *f = &w.f[i];
        t += -log(1 - gsl_rng_uniform(rng)) * 1.2e-3;
        f->start = t;
        f->hops[0] = 1 + (uint32_t)gsl_rng_uniform_int(rng, K);
        f->hops[1] = 0;
        f->hops[2] = 1 + K + (uint32_t)gsl_rng_uniform_int(rng, K);
        f->nh = 3;
        f->size = 1e5 * pow(1e4, gsl_rng_uniform(rng)); /* 0.1 MB .. 1 GB */
        f->latency = gsl_rng_uniform(rng) < 0.3 ? 0 : 5e-3 * gsl_rng_uniform(rng);
        double u = gsl_rng_uniform(rng);
        f->weight = u < 0.5 ? 1 : u < 0.75 ? 2 : 0.5 + 3.5 * gsl_rng_uniform(rng);
        u = gsl_rng_uniform(rng);
        f->cap = u < 0.6 ? INFINITY : 1e7 * pow(500, gsl_rng_uniform(rng));
    }
    gsl_rng_free(rng);
    run_open(&w);
    double worst;
    CU_ASSERT_EQUAL(compare_with_reference(&w, &worst), 0);
    CU_ASSERT_EQUAL(w.overload, 0);
    /* A solve whose resources, groups and classes (a bound on its filling's entries) outnumber
     * 256 (an instrumented build counted 69 such fillings, with 4,239 re-keys there). */
    CU_ASSERT(w.max_work > 256);
    CU_ASSERT(w.max_active >= 300);
    if (getenv("CPN_TEST_VERBOSE"))
        printf("\n  large: max %d active in %zu classes, at most %llu resources and groups a "
               "solve, worst %.2e",
               w.max_active, w.max_classes, (unsigned long long)w.max_work, worst);
    free_workload(&w);
}

int cpn_test_register_flow(void)
{
    CU_pSuite s = CU_add_suite("flow", NULL, NULL);
    if (!s)
        return CU_get_error();
    struct {
        const char *name;
        CU_TestFunc fn;
    } tests[] = {
        {"one flow on one link takes size over capacity, after its latency",
         test_one_flow_on_one_link_takes_size_over_capacity},
        {"two flows on one link each get half the capacity",
         test_two_flows_on_one_link_each_get_half},
        {"two links in series give the smaller capacity",
         test_two_links_in_series_give_the_smaller_capacity},
        {"parking lot: a finish moves the bottleneck and raises the others' rates",
         test_parking_lot_and_a_moving_bottleneck},
        {"members of one class finish in size order",
         test_one_class_finishes_members_in_size_order},
        {"a change re-solves from its level up; lower levels keep their rates",
         test_changes_re_solve_from_their_level_up},
        {"an arrival keeps the levels below its own (refined bound)",
         test_an_arrival_keeps_the_levels_below_its_own},
        {"weights share a link in proportion", test_weights_share_in_proportion},
        {"weights 16 orders of magnitude apart: the light flow keeps its share",
         test_weights_far_apart_keep_the_light_flows_share},
        {"a binding cap frees capacity; a loose cap changes nothing",
         test_a_binding_cap_frees_capacity_for_others},
        {"the latency phase uses no bandwidth; size 0 ends at join",
         test_latency_phase_uses_no_bandwidth},
        {"a flow with an empty path runs at its cap", test_empty_path_runs_at_its_cap},
        {"multipath split by ratio and by path offer", test_multipath_split_by_ratio_and_by_offer},
        {"interned paths start flows like hop lists", test_interned_paths_start_like_hop_lists},
        {"cancel mid-transfer frees the share; link accounting adds up",
         test_cancel_mid_transfer_frees_the_share},
        {"a capacity change re-solves the rates", test_capacity_change_resolves_rates},
        {"a moved flow keeps its bytes and handle; flows are found by resource",
         test_a_moved_flow_keeps_its_bytes_and_handle},
        {"a flow stalls while its link fails and resumes after",
         test_a_flow_stalls_when_its_link_fails_and_resumes},
        {"a zero capacity stalls the flows crossing it; they count as busy",
         test_a_zero_capacity_stalls_the_flows_crossing_it},
        {"callbacks may start flows; a callback error stops the run",
         test_callbacks_may_start_flows_and_errors_stop_the_run},
        {"every documented error code is reported", test_every_error_code_is_reported},
        {"closed loops (each finish starts the next flow) match the reference solver",
         test_closed_loops_match_the_reference_solver},
        {"random workloads match the reference solver to 1e-9; no link above capacity",
         test_random_workloads_match_the_reference_solver},
        {"fillings of more than 256 entries match the reference solver",
         test_large_fillings_match_the_reference_solver},
        {"a filling of 301 entries takes them in key order (bucketed, no heap)",
         test_a_filling_of_hundreds_of_entries_takes_them_in_key_order},
        {"a bucketed filling takes its entries in key order (a key of 0, a bucket of 40)",
         test_bucketed_fillings_take_their_entries_in_key_order},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return CU_get_error();
    return CUE_SUCCESS;
}
