/* Suite "awareness": views and staleness under oracle, centralized, distributed and hybrid
 * compute awareness (models/policy/awareness.h). */
#include <math.h>
#include <string.h>

#include "models/policy/awareness.h"
#include "sim/error.h"
#include "tests/unit/suites.h"

/* Times here are sums of a few decimal values: compare to 1e-12 relative. */
#define REL 1e-12

/* Exact world: 2 centers of one 10-unit pool; 2 origins; origin o and center c in region o
 * (resp. c); RTT 50 ms everywhere. */
struct exact {
    struct cpn_world_pool pools[2];
    struct cpn_world_center centers[2];
    uint32_t origin_node[2], origin_region[2];
    double rtt[4], bandwidth[4];
    struct cpn_world w;
};

static void exact_init(struct exact *e, double time)
{
    memset(e, 0, sizeof *e);
    for (uint32_t c = 0; c < 2; c++) {
        e->pools[c] = (struct cpn_world_pool){.units = 10, .free = 10, .speed = 1e12};
        e->centers[c] = (struct cpn_world_center){.name = c ? "c1" : "c0",
                                                  .node = 10 + c,
                                                  .region = c,
                                                  .up = 1,
                                                  .n_pools = 1,
                                                  .pools = &e->pools[c],
                                                  .pue = 1};
        e->origin_node[c] = c;
        e->origin_region[c] = c;
    }
    for (int i = 0; i < 4; i++) {
        e->rtt[i] = 0.05;
        e->bandwidth[i] = 1e9;
    }
    e->w = (struct cpn_world){.time = time,
                              .n_centers = 2,
                              .centers = e->centers,
                              .n_origins = 2,
                              .origin_node = e->origin_node,
                              .origin_region = e->origin_region,
                              .n_paths = 1,
                              .rtt = e->rtt,
                              .bandwidth = e->bandwidth};
}

/* Advance the exact world to @p t with @p free units free at center 1 and report both. */
static void report_at(struct cpn_awareness *aw, struct exact *e, double t, uint32_t free)
{
    e->w.time = t;
    e->pools[1].free = free;
    CU_ASSERT_EQUAL(cpn_awareness_report_all(aw, &e->w), CPN_OK);
}

/* The view at @p now from @p origin, checked to succeed. */
static const struct cpn_world *view_at(struct cpn_awareness *aw, struct exact *e, uint32_t origin,
                                       double now)
{
    const struct cpn_world *v = NULL;
    e->w.time = now;
    CU_ASSERT_EQUAL(cpn_awareness_view(aw, origin, now, &e->w, &v), CPN_OK);
    return v;
}

/* Centralized awareness, period 30 s, delay 20 ms, over a fresh exact world registered at 0. */
static struct cpn_awareness *centralized_30s_20ms(struct exact *e)
{
    struct cpn_awareness_config cfg = {
        .mode = CPN_AWARENESS_CENTRALIZED, .period = 30, .delay = 0.02};
    struct cpn_awareness *aw = NULL;
    exact_init(e, 0);
    CU_ASSERT_EQUAL(cpn_awareness_new(&cfg, &e->w, &aw), CPN_OK);
    return aw;
}

static void test_modes_parse_by_name_and_unknown_names_are_enoent(void)
{
    static const char *const names[] = {"oracle", "centralized", "distributed", "hybrid"};
    for (int i = 0; i < 4; i++) {
        enum cpn_awareness_mode m;
        CU_ASSERT_EQUAL(cpn_awareness_mode_parse(names[i], &m), CPN_OK);
        CU_ASSERT_EQUAL((int)m, i);
        CU_ASSERT_STRING_EQUAL(cpn_awareness_mode_name(m), names[i]);
    }
    enum cpn_awareness_mode m;
    CU_ASSERT_EQUAL(cpn_awareness_mode_parse("central", &m), CPN_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "oracle, centralized, distributed, hybrid"));
    CU_ASSERT_STRING_EQUAL(cpn_awareness_mode_name((enum cpn_awareness_mode)9), "?");
}

static void test_bad_configurations_are_einval(void)
{
    struct exact e;
    exact_init(&e, 0);
    struct cpn_awareness *aw;
    struct cpn_awareness_config cfg = {.mode = CPN_AWARENESS_CENTRALIZED, .period = 0};
    CU_ASSERT_EQUAL(cpn_awareness_new(&cfg, &e.w, &aw), CPN_EINVAL);
    cfg.period = 30;
    cfg.delay = -1;
    CU_ASSERT_EQUAL(cpn_awareness_new(&cfg, &e.w, &aw), CPN_EINVAL);
    double delays[2] = {0.01, NAN};
    cfg.delay = 0;
    cfg.center_delay = delays;
    CU_ASSERT_EQUAL(cpn_awareness_new(&cfg, &e.w, &aw), CPN_EINVAL);
    cfg.center_delay = NULL;
    cfg.mode = (enum cpn_awareness_mode)7;
    CU_ASSERT_EQUAL(cpn_awareness_new(&cfg, &e.w, &aw), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_awareness_new(NULL, &e.w, &aw), CPN_EINVAL);
    cpn_awareness_free(NULL);
}

static void test_oracle_views_are_exact_with_zero_staleness(void)
{
    struct exact e;
    exact_init(&e, 0);
    struct cpn_awareness_config cfg = {.mode = CPN_AWARENESS_ORACLE};
    struct cpn_awareness *aw;
    CU_ASSERT_EQUAL_FATAL(cpn_awareness_new(&cfg, &e.w, &aw), CPN_OK);
    CU_ASSERT_EQUAL(cpn_awareness_mode_of(aw), CPN_AWARENESS_ORACLE);
    CU_ASSERT(isinf(cpn_awareness_next_report_time(aw, 5)));
    e.pools[1].free = 3;
    const struct cpn_world *v = view_at(aw, &e, 0, 12.5);
    CU_ASSERT_EQUAL(v->centers[1].pools[0].free, 3);
    CU_ASSERT_EQUAL(v->time, 12.5);
    CU_ASSERT_EQUAL(v->centers[1].measured, 12.5);
    CU_ASSERT_PTR_EQUAL(v->rtt, e.rtt); /* the network part is passed through */
    struct cpn_world_job job = {.units = 2, .pool_type = CPN_NONE, .input_origin = CPN_NONE};
    struct cpn_policy_decision d = {.center = 1, .pool = CPN_NONE, .paths = 1};
    struct cpn_awareness_decision rec;
    CU_ASSERT_EQUAL(cpn_awareness_record_decision(aw, v, &job, &d, &rec), CPN_OK);
    CU_ASSERT_EQUAL(rec.staleness, 0);
    CU_ASSERT_EQUAL(rec.expected_free, 1);
    cpn_awareness_free(aw);
}

static void test_report_times_are_multiples_of_the_period_after_registration(void)
{
    struct exact e;
    exact_init(&e, 100); /* registered at t0 = 100 s */
    struct cpn_awareness_config cfg = {
        .mode = CPN_AWARENESS_CENTRALIZED, .period = 30, .delay = 0.02};
    struct cpn_awareness *aw;
    CU_ASSERT_EQUAL_FATAL(cpn_awareness_new(&cfg, &e.w, &aw), CPN_OK);
    CU_ASSERT_EQUAL(cpn_awareness_next_report_time(aw, 100), 130);
    CU_ASSERT_EQUAL(cpn_awareness_next_report_time(aw, 129.9), 130);
    CU_ASSERT_EQUAL(cpn_awareness_next_report_time(aw, 130), 160);
    CU_ASSERT_EQUAL(cpn_awareness_next_report_time(aw, 0), 130); /* before t0: the first */
    cpn_awareness_free(aw);
}

/* Period 30 s, delay 20 ms, registration at 0; reports at 30 and 60 s.  The report measured at
 * t is seen from t + 0.02 s on, so the staleness at `now` is now - (newest t with t + 0.02 <=
 * now), and the registration (t = 0) before the first report arrives. */
static void test_centralized_staleness_follows_period_and_delay(void)
{
    struct exact e;
    struct cpn_awareness *aw = centralized_30s_20ms(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(aw);
    struct cpn_world_job job = {.units = 4, .pool_type = CPN_NONE, .input_origin = CPN_NONE};
    struct cpn_policy_decision d = {.center = 1, .pool = CPN_NONE, .paths = 1};
    struct cpn_awareness_decision rec;
    static const struct {
        double now, staleness;
        uint32_t free_seen;
    } cases[] = {
        {10, 10, 10},       /* registration at 0 */
        {30.01, 30.01, 10}, /* the report of 30 is still in flight (arrives 30.02) */
        {30.03, 0.03, 6},   /* ... now it is in: 6 free at 30 */
        {59.99, 29.99, 6},  {60.025, 0.025, 2}, /* the report of 60 arrived at 60.02 */
        {75, 15, 2},
    };
    int reported = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (reported < 1 && cases[i].now >= 30) {
            report_at(aw, &e, 30, 6); /* 6 free at 30 s */
            reported = 1;
        }
        if (reported < 2 && cases[i].now >= 60) {
            report_at(aw, &e, 60, 2); /* 2 free at 60 s */
            reported = 2;
        }
        e.pools[1].free = 9; /* the exact state now, which a stale view must not show */
        const struct cpn_world *v = view_at(aw, &e, 0, cases[i].now);
        CU_ASSERT_EQUAL(v->centers[1].pools[0].free, cases[i].free_seen);
        CU_ASSERT_EQUAL(cpn_awareness_record_decision(aw, v, &job, &d, &rec), CPN_OK);
        CPN_ASSERT_REL(rec.staleness, cases[i].staleness, REL);
    }
    struct cpn_awareness_stats st;
    cpn_awareness_stats(aw, &st);
    CU_ASSERT_EQUAL(st.decisions, 6);
    /* mean of 10, 30.01, 0.03, 29.99, 0.025, 15 = 85.055 / 6 */
    CPN_ASSERT_REL(st.staleness_mean, 85.055 / 6, REL);
    CPN_ASSERT_REL(st.staleness_max, 30.01, REL);
    cpn_awareness_free(aw);
}

/* Delay longer than the period (25 s, period 10 s): reports at 10, 20, 30, 40; at 45 s the
 * newest visible is the one of 20 (20 + 25 = 45), staleness 25 s. */
static void test_delays_longer_than_the_period_keep_enough_history(void)
{
    struct exact e;
    exact_init(&e, 0);
    double delays[2] = {0, 25}; /* center 0 reports at once, center 1 25 s late */
    struct cpn_awareness_config cfg = {
        .mode = CPN_AWARENESS_CENTRALIZED, .period = 10, .center_delay = delays};
    struct cpn_awareness *aw;
    CU_ASSERT_EQUAL_FATAL(cpn_awareness_new(&cfg, &e.w, &aw), CPN_OK);
    for (int k = 1; k <= 4; k++)
        report_at(aw, &e, 10.0 * k, (uint32_t)k);
    const struct cpn_world *v = view_at(aw, &e, 0, 45);
    CU_ASSERT_EQUAL(v->centers[1].pools[0].free, 2);
    CU_ASSERT_EQUAL(v->centers[1].measured, 20);
    CU_ASSERT_EQUAL(v->centers[0].measured, 40); /* center 0 reports with no delay */
    cpn_awareness_free(aw);
}

/* Distributed: origin 0 sees center 0 (its region) exactly and center 1 through advertisements
 * one RTT (50 ms) late; origin 1 the other way round.  Hybrid: exact own region, the
 * controller's delay (20 ms) for the other. */
static void test_distributed_and_hybrid_see_their_own_region_exactly(void)
{
    struct exact e;
    exact_init(&e, 0);
    struct cpn_awareness_config cfg = {
        .mode = CPN_AWARENESS_DISTRIBUTED, .period = 30, .delay = 0.02};
    struct cpn_awareness *aw;
    CU_ASSERT_EQUAL_FATAL(cpn_awareness_new(&cfg, &e.w, &aw), CPN_OK);
    report_at(aw, &e, 30, 6);
    e.pools[1].free = 1;
    const struct cpn_world *v = view_at(aw, &e, 0, 30.04);
    CU_ASSERT_EQUAL(v->centers[0].measured, 30.04); /* own region: exact */
    CU_ASSERT_EQUAL(v->centers[1].measured, 0);     /* 30 + 0.05 > 30.04 */
    CU_ASSERT_EQUAL(v->centers[1].pools[0].free, 10);
    v = view_at(aw, &e, 0, 30.06); /* 30 + 0.05 <= 30.06: the advertisement is in */
    CU_ASSERT_EQUAL(v->centers[1].measured, 30);
    CU_ASSERT_EQUAL(v->centers[1].pools[0].free, 6);
    v = view_at(aw, &e, 1, 30.04); /* origin 1 is in center 1's region */
    CU_ASSERT_EQUAL(v->centers[1].pools[0].free, 1);
    cpn_awareness_free(aw);

    cfg.mode = CPN_AWARENESS_HYBRID;
    exact_init(&e, 0);
    CU_ASSERT_EQUAL_FATAL(cpn_awareness_new(&cfg, &e.w, &aw), CPN_OK);
    report_at(aw, &e, 30, 6);
    e.pools[1].free = 1;
    v = view_at(aw, &e, 0, 30.03); /* 30 + 0.02 <= 30.03: the report is in */
    CU_ASSERT_EQUAL(v->centers[1].pools[0].free, 6);
    CPN_ASSERT_REL(v->time - v->centers[1].measured, 0.03, REL);
    CU_ASSERT_EQUAL(v->centers[0].measured, 30.03);
    cpn_awareness_free(aw);
}

static void test_a_stale_free_center_found_full_on_arrival_is_a_conflict(void)
{
    struct exact e;
    struct cpn_awareness *aw = centralized_30s_20ms(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(aw);
    struct cpn_world_job job = {.units = 4, .pool_type = CPN_NONE, .input_origin = CPN_NONE};
    e.pools[1].free = 0; /* really full, but the view still shows the registration (10 free) */
    const struct cpn_world *v = view_at(aw, &e, 0, 5);
    struct cpn_policy_decision d = {.center = 1, .pool = CPN_NONE, .paths = 1};
    struct cpn_awareness_decision rec;
    CU_ASSERT_EQUAL(cpn_awareness_record_decision(aw, v, &job, &d, &rec), CPN_OK);
    CU_ASSERT_EQUAL(rec.expected_free, 1);
    CU_ASSERT_EQUAL(cpn_awareness_arrival(aw, &rec, &e.centers[1], &job), 1);
    e.pools[1].free = 4; /* room again: no conflict */
    CU_ASSERT_EQUAL(cpn_awareness_arrival(aw, &rec, &e.centers[1], &job), 0);
    /* A job knowingly queued at a full center is not a conflict. */
    struct cpn_awareness_decision queued = {.staleness = 0, .expected_free = 0};
    e.pools[1].free = 0;
    CU_ASSERT_EQUAL(cpn_awareness_arrival(aw, &queued, &e.centers[1], &job), 0);
    cpn_awareness_count_conflict(aw);
    struct cpn_policy_decision hold = {.center = CPN_POLICY_HOLD, .pool = CPN_NONE, .paths = 1};
    CU_ASSERT_EQUAL(cpn_awareness_record_decision(aw, v, &job, &hold, &rec), CPN_OK);
    CU_ASSERT_EQUAL(rec.staleness, 0);
    struct cpn_awareness_stats st;
    cpn_awareness_stats(aw, &st);
    CU_ASSERT_EQUAL(st.decisions, 1);
    CU_ASSERT_EQUAL(st.holds, 1);
    CU_ASSERT_EQUAL(st.conflicts, 2);
    CPN_ASSERT_REL(st.staleness_mean, 5, REL);
    struct cpn_policy_decision bad = {.center = 7, .pool = CPN_NONE, .paths = 1};
    CU_ASSERT_EQUAL(cpn_awareness_record_decision(aw, v, &job, &bad, &rec), CPN_EINVAL);
    cpn_awareness_free(aw);
}

static void test_reports_and_views_of_the_wrong_shape_are_einval(void)
{
    struct exact e;
    exact_init(&e, 0);
    struct cpn_awareness_config cfg = {.mode = CPN_AWARENESS_CENTRALIZED, .period = 30};
    struct cpn_awareness *aw;
    CU_ASSERT_EQUAL_FATAL(cpn_awareness_new(&cfg, &e.w, &aw), CPN_OK);
    CU_ASSERT_EQUAL(cpn_awareness_report(aw, 2, &e.centers[0], 30), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_awareness_report(aw, 0, &e.centers[0], 30), CPN_OK);
    CU_ASSERT_EQUAL(cpn_awareness_report(aw, 0, &e.centers[0], 29), CPN_EINVAL); /* older */
    struct cpn_world_center two = e.centers[0];
    two.n_pools = 2;
    CU_ASSERT_EQUAL(cpn_awareness_report(aw, 0, &two, 60), CPN_EINVAL);
    const struct cpn_world *v;
    CU_ASSERT_EQUAL(cpn_awareness_view(aw, 2, 60, &e.w, &v), CPN_EINVAL);
    e.centers[1].n_pools = 0;
    CU_ASSERT_EQUAL(cpn_awareness_view(aw, 0, 60, &e.w, &v), CPN_EINVAL);
    e.w.n_centers = 1;
    CU_ASSERT_EQUAL(cpn_awareness_view(aw, 0, 60, &e.w, &v), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_awareness_report_all(aw, &e.w), CPN_EINVAL);
    cpn_awareness_free(aw);
}

static void test_exact_centers_are_those_the_view_measures_now(void)
{
    /* cpn_awareness_exact() must name exactly the centers whose view is the exact state
     * (measured = now): oracle all, centralized none, distributed and hybrid the origin's own
     * region (origin o and center c are in regions o and c). */
    const enum cpn_awareness_mode modes[4] = {CPN_AWARENESS_ORACLE, CPN_AWARENESS_CENTRALIZED,
                                              CPN_AWARENESS_DISTRIBUTED, CPN_AWARENESS_HYBRID};
    for (int m = 0; m < 4; m++) {
        struct exact e;
        exact_init(&e, 0);
        struct cpn_awareness_config cfg = {.mode = modes[m], .period = 30, .delay = 0.02};
        struct cpn_awareness *aw = NULL;
        CU_ASSERT_EQUAL_FATAL(cpn_awareness_new(&cfg, &e.w, &aw), CPN_OK);
        report_at(aw, &e, 30, 4);
        for (uint32_t o = 0; o < 2; o++) {
            const struct cpn_world *v = view_at(aw, &e, o, 45);
            CU_ASSERT_PTR_NOT_NULL_FATAL(v);
            for (uint32_t c = 0; c < 2; c++) {
                int want = m == 0 ? 1 : m == 1 ? 0 : o == c;
                CU_ASSERT_EQUAL(cpn_awareness_exact(aw, &e.w, o, c), want);
                CU_ASSERT_EQUAL(v->centers[c].measured == 45, want);
            }
        }
        CU_ASSERT_EQUAL(cpn_awareness_exact(aw, &e.w, 2, 0), 0); /* out of range */
        CU_ASSERT_EQUAL(cpn_awareness_exact(aw, &e.w, 0, 2), 0);
        cpn_awareness_free(aw);
    }
}

int cpn_test_register_awareness(void)
{
    static const struct cpn_test tests[] = {
        {"modes parse by name and unknown names are ENOENT",
         test_modes_parse_by_name_and_unknown_names_are_enoent},
        {"bad configurations are EINVAL", test_bad_configurations_are_einval},
        {"oracle views are exact with zero staleness",
         test_oracle_views_are_exact_with_zero_staleness},
        {"report times are multiples of the period after registration",
         test_report_times_are_multiples_of_the_period_after_registration},
        {"centralized staleness follows period and delay",
         test_centralized_staleness_follows_period_and_delay},
        {"delays longer than the period keep enough history",
         test_delays_longer_than_the_period_keep_enough_history},
        {"distributed and hybrid see their own region exactly",
         test_distributed_and_hybrid_see_their_own_region_exactly},
        {"a stale free center found full on arrival is a conflict",
         test_a_stale_free_center_found_full_on_arrival_is_a_conflict},
        {"reports and views of the wrong shape are EINVAL",
         test_reports_and_views_of_the_wrong_shape_are_einval},
        {"the centers seen exactly are those the view measures now",
         test_exact_centers_are_those_the_view_measures_now},
    };
    return CPN_TEST_SUITE("awareness", tests);
}
