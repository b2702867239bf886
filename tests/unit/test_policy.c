/* Suite "policy": the contract checks, the registry, the built-ins on hand-built views, and the
 * plug-in loader (models/policy.h, models/world.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/policy.h"
#include "sim/error.h"
#include "sim/rng.h"
#include "tests/unit/suites.h"

/* Tolerance of computed times and scores: a few ulps of the values involved. */
#define REL 1e-12

#define MAX_C 4
#define MAX_O 2
#define MAX_P 4

/* A hand-built view: every center has one pool of 10 units at 1 TFLOP/s each, idle; every
 * origin is at node o; RTT 10 ms and 1.25 GB/s on every (origin, center, path count). */
struct fixture {
    struct cpn_world_pool pools[MAX_C];
    struct cpn_world_center centers[MAX_C];
    uint32_t origin_node[MAX_O], origin_region[MAX_O];
    double rtt[MAX_O * MAX_C];
    double bandwidth[MAX_O * MAX_C * MAX_P];
    struct cpn_world w;
};

static const char *const names[MAX_C] = {"c0", "c1", "c2", "c3"};

static void fixture_init(struct fixture *f, uint32_t n_centers, uint32_t n_paths)
{
    memset(f, 0, sizeof *f);
    for (uint32_t c = 0; c < n_centers; c++) {
        f->pools[c] = (struct cpn_world_pool){.type = 0,
                                              .units = 10,
                                              .free = 10,
                                              .speed = 1e12,
                                              .memory = 8e10,
                                              .power_idle = 100,
                                              .power_peak = 500};
        f->centers[c] = (struct cpn_world_center){.name = names[c],
                                                  .node = 100 + c,
                                                  .region = c,
                                                  .up = 1,
                                                  .n_pools = 1,
                                                  .pools = &f->pools[c],
                                                  .price = 1,
                                                  .carbon = 1e-7,
                                                  .pue = 1.2};
    }
    for (uint32_t o = 0; o < MAX_O; o++) {
        f->origin_node[o] = o;
        f->origin_region[o] = o;
    }
    for (size_t i = 0; i < MAX_O * MAX_C; i++)
        f->rtt[i] = 0.01;
    for (size_t i = 0; i < MAX_O * MAX_C * MAX_P; i++)
        f->bandwidth[i] = 1.25e9;
    f->w = (struct cpn_world){.time = 0,
                              .n_centers = n_centers,
                              .centers = f->centers,
                              .n_origins = MAX_O,
                              .origin_node = f->origin_node,
                              .origin_region = f->origin_region,
                              .n_paths = n_paths,
                              .rtt = f->rtt,
                              .bandwidth = f->bandwidth};
}

/* A 4-unit job of 4e15 FLOP from origin 0: 1000 s on 4 units of 1 TFLOP/s. */
static struct cpn_world_job job4(void)
{
    return (struct cpn_world_job){.id = 7,
                                  .kind = CPN_WORLD_JOB_BATCH,
                                  .origin = 0,
                                  .pool_type = CPN_NONE,
                                  .units = 4,
                                  .work = 4e15,
                                  .input_origin = CPN_NONE};
}

static struct cpn_policy *make(const char *name, const struct cpn_policy_setting *s, size_t n,
                               struct cpn_rng *rng, uint32_t n_centers)
{
    struct cpn_policy *p = NULL;
    const struct cpn_policy_ops *ops = cpn_policy_find(NULL, name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
    CU_ASSERT_EQUAL_FATAL(cpn_policy_new(ops, s, n, rng, n_centers, MAX_O, &p), CPN_OK);
    return p;
}

/* Place job @p job with policy @p name (settings s[n]) on @p f; returns the center. */
static uint32_t decide(const char *name, const struct cpn_policy_setting *s, size_t n,
                       struct fixture *f, const struct cpn_world_job *job, uint32_t *paths)
{
    struct cpn_policy *p = make(name, s, n, NULL, f->w.n_centers);
    struct cpn_policy_decision d;
    CU_ASSERT_EQUAL(cpn_policy_place(p, job, &f->w, &d), CPN_OK);
    if (paths)
        *paths = d.paths;
    cpn_policy_free(p);
    return d.center;
}

/* ---- registry and parameters ------------------------------------------------------------- */

static void test_registry_lists_the_eight_builtins_by_name(void)
{
    static const char *const expected[] = {"random",          "round_robin", "least_loaded",
                                           "nearest",         "min_cost",    "greenest",
                                           "earliest_finish", "balanced"};
    CU_ASSERT_EQUAL(cpn_policy_registry_count(NULL), 8);
    for (size_t i = 0; i < 8; i++) {
        const char *path = "x";
        const struct cpn_policy_ops *ops = cpn_policy_registry_at(NULL, i, &path);
        CU_ASSERT_STRING_EQUAL(ops->name, expected[i]);
        CU_ASSERT_PTR_NULL(path);
        CU_ASSERT_PTR_EQUAL(cpn_policy_find(NULL, expected[i]), ops);
        CU_ASSERT_EQUAL(cpn_policy_check(ops), CPN_OK);
    }
    CU_ASSERT_PTR_NULL(cpn_policy_find(NULL, "no_such_policy"));
}

static void test_parameters_are_looked_up_and_validated_by_name(void)
{
    const struct cpn_policy_ops *ef = cpn_policy_find(NULL, "earliest_finish");
    uint32_t idx = 99;
    CU_ASSERT_EQUAL(cpn_policy_param_lookup(ef, "path_overhead", 0.5, &idx), CPN_OK);
    CU_ASSERT_EQUAL(idx, 1);
    CU_ASSERT_EQUAL(cpn_policy_param_lookup(ef, "max_paths", 65, NULL), CPN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "1 to 64"));
    CU_ASSERT_EQUAL(cpn_policy_param_lookup(ef, "max_paths", NAN, NULL), CPN_ERANGE);
    CU_ASSERT_EQUAL(cpn_policy_param_lookup(ef, "speed", 1, NULL), CPN_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "max_paths, path_overhead, overlap"));
    /* A count takes whole numbers, a flag 0 or 1; a real ("1") anything in range. */
    CU_ASSERT_EQUAL(cpn_policy_param_lookup(ef, "max_paths", 2, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_policy_param_lookup(ef, "max_paths", 2.5, NULL), CPN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "\"max_paths\" = 2.5 is not a whole number "
                                                       "(accepted: whole numbers from 1 to 64)"));
    CU_ASSERT_EQUAL(cpn_policy_param_lookup(ef, "overlap", 1, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_policy_param_lookup(ef, "overlap", 0, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_policy_param_lookup(ef, "overlap", 0.5, NULL), CPN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "\"overlap\" = 0.5 is not 0 or 1"));
    CU_ASSERT_EQUAL(cpn_policy_param_lookup(ef, "migrate_gain", 0.5, NULL), CPN_OK);

    /* Defaults, then settings in order (the later one wins). */
    struct cpn_policy_setting s[] = {{"max_paths", 2}, {"max_paths", 3}};
    struct cpn_policy *p = make("earliest_finish", s, 2, NULL, 2);
    CU_ASSERT_EQUAL(cpn_policy_param_value(p, 0), 3);
    CU_ASSERT_EQUAL(cpn_policy_param_value(p, 1), 0);
    CU_ASSERT_PTR_EQUAL(cpn_policy_ops_of(p), ef);
    CU_ASSERT_EQUAL(cpn_policy_tick_period(p), 0);
    cpn_policy_free(p);

    struct cpn_policy *q = (struct cpn_policy *)1;
    struct cpn_policy_setting bad[] = {{"hold", 2}};
    CU_ASSERT_EQUAL(cpn_policy_new(cpn_policy_find(NULL, "nearest"), bad, 1, NULL, 2, 2, &q),
                    CPN_ERANGE);
    CU_ASSERT_PTR_NULL(q);
    struct cpn_policy_setting unknown[] = {{"holdd", 1}};
    CU_ASSERT_EQUAL(cpn_policy_new(cpn_policy_find(NULL, "nearest"), unknown, 1, NULL, 2, 2, &q),
                    CPN_ENOENT);
    CU_ASSERT_EQUAL(cpn_policy_new(NULL, NULL, 0, NULL, 2, 2, &q), CPN_EINVAL);
}

/* ---- contract checks on rogue tables ------------------------------------------------------ */

static int rogue_answer; /* what rogue_place does: test-local, reset by each test */
static int destroyed;

static int rogue_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                       const struct cpn_world *world, struct cpn_policy_decision *out)
{
    (void)ctx, (void)job, (void)world;
    switch (rogue_answer) {
    case 0:
        return 3; /* internal failure */
    case 1:
        out->center = 9;
        break;
    case 2:
        out->center = 1;
        break; /* the small center */
    case 3:
        out->center = 0;
        out->paths = 5;
        break;
    case 4:
        out->center = 0;
        out->pool = 1;
        break;
    case 7: /* a rejection that names a center */
        out->center = 0;
        out->reject = "too large";
        break;
    case 8: /* a rejection */
        out->reject = "too large";
        break;
    default:
        out->center = 0;
        break;
    }
    return 0;
}

static int failing_create(struct cpn_policy_ctx *ctx)
{
    (void)ctx;
    return 1;
}

static void count_destroy(struct cpn_policy_ctx *ctx)
{
    (void)ctx;
    destroyed++;
}

static const struct cpn_policy_param dup_params[] = {
    {"a", "s", 1, 0, 2, "first"},
    {"a", "s", 1, 0, 2, "second"},
};
static const struct cpn_policy_param bad_default[] = {{"a", "s", 3, 0, 2, "default above max"}};
static const struct cpn_policy_param bad_whole[][1] = {{{"a", "count", 1.5, 0, 2, "half default"}},
                                                       {{"a", "count", 1, 0, 2.5, "half max"}},
                                                       {{"a", "flag", 1, 0, 2, "flag to 2"}},
                                                       {{"a", "flag", 0.5, 0, 1, "half flag"}}};
static const struct cpn_policy_param good_whole[] = {{"a", "count", 2, 1, 8, "whole"},
                                                     {"b", "flag", 0, 0, 1, "flag"}};

static void test_malformed_tables_are_refused_with_eplugin(void)
{
    struct cpn_policy_ops ops = {
        .abi = CPN_POLICY_ABI, .name = "rogue", .doc = "d", .place = rogue_place};
    CU_ASSERT_EQUAL(cpn_policy_check(&ops), CPN_OK);
    ops.abi = 0;
    CU_ASSERT_EQUAL(cpn_policy_check(&ops), CPN_EPLUGIN);
    ops.abi = CPN_POLICY_ABI;
    ops.name = "Rogue Policy";
    CU_ASSERT_EQUAL(cpn_policy_check(&ops), CPN_EPLUGIN);
    ops.name = "rogue";
    ops.place = NULL;
    CU_ASSERT_EQUAL(cpn_policy_check(&ops), CPN_EPLUGIN);
    ops.place = rogue_place;
    ops.params = dup_params;
    ops.n_params = 2;
    CU_ASSERT_EQUAL(cpn_policy_check(&ops), CPN_EPLUGIN);
    ops.params = bad_default;
    ops.n_params = 1;
    CU_ASSERT_EQUAL(cpn_policy_check(&ops), CPN_EPLUGIN);
    for (size_t i = 0; i < sizeof bad_whole / sizeof bad_whole[0]; i++) {
        ops.params = bad_whole[i];
        CU_ASSERT_EQUAL(cpn_policy_check(&ops), CPN_EPLUGIN);
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "parameter \"a\": a flag needs default 0 "
                                                       "or 1 and range 0 to 1 (default 0.5"));
    ops.params = good_whole;
    ops.n_params = 2;
    CU_ASSERT_EQUAL(cpn_policy_check(&ops), CPN_OK);
    ops.n_params = 1;
    ops.params = NULL;
    CU_ASSERT_EQUAL(cpn_policy_check(&ops), CPN_EPLUGIN);
    ops.n_params = 0;
    ops.tick_period = 5; /* no on_tick */
    CU_ASSERT_EQUAL(cpn_policy_check(&ops), CPN_EPLUGIN);
    CU_ASSERT_EQUAL(cpn_policy_check(NULL), CPN_EPLUGIN);

    /* create() failing: EPLUGIN, and destroy() still runs once. */
    struct cpn_policy_ops failing = {.abi = CPN_POLICY_ABI,
                                     .name = "failing",
                                     .doc = "d",
                                     .place = rogue_place,
                                     .create = failing_create,
                                     .destroy = count_destroy};
    struct cpn_policy *p;
    destroyed = 0;
    CU_ASSERT_EQUAL(cpn_policy_new(&failing, NULL, 0, NULL, 2, 2, &p), CPN_EPLUGIN);
    CU_ASSERT_EQUAL(destroyed, 1);
}

static void test_bad_decisions_are_caught_before_the_simulation_sees_them(void)
{
    struct fixture f;
    fixture_init(&f, 2, 4);
    f.pools[1].units = f.pools[1].free = 2; /* center 1 can never fit 4 units */
    struct cpn_policy_ops ops = {
        .abi = CPN_POLICY_ABI, .name = "rogue", .doc = "d", .place = rogue_place};
    struct cpn_policy *p;
    CU_ASSERT_EQUAL_FATAL(cpn_policy_new(&ops, NULL, 0, NULL, 2, MAX_O, &p), CPN_OK);
    struct cpn_world_job job = job4();
    struct cpn_policy_decision d;
    for (rogue_answer = 0; rogue_answer <= 4; rogue_answer++)
        CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_EPLUGIN);
    rogue_answer = 7;
    CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_EPLUGIN);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(cpn_error_message(), "a rejection (\"too large\") names no center"));
    rogue_answer = 8;
    CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_OK);
    CU_ASSERT(d.center == CPN_POLICY_HOLD && d.reject && strcmp(d.reject, "too large") == 0);
    rogue_answer = 5;
    CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_OK);
    CU_ASSERT_EQUAL(d.center, 0);
    CU_ASSERT_PTR_NULL(d.reject); /* pre-set to NULL for every call */
    CU_ASSERT_EQUAL(d.paths, 1);  /* 0 is normalised to 1 */
    f.centers[0].up = 0;          /* a down center is refused */
    CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_EPLUGIN);
    f.centers[0].up = 1;
    job.origin = MAX_O; /* out of range */
    CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_EINVAL);
    job = job4();
    f.w.n_centers = 1; /* not the size the instance was made for */
    CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_EINVAL);
    cpn_policy_free(p);
    cpn_policy_free(NULL);
}

/* A migrate callback answering as rogue_place does (5: center 0), or splitting (6). */
static int rogue_migrate(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                         const struct cpn_policy_migrant *at, const struct cpn_world *world,
                         struct cpn_policy_decision *out)
{
    (void)at;
    if (rogue_answer == 6) {
        out->center = 0;
        out->n_split = 2;
        return 0;
    }
    return rogue_place(ctx, job, world, out);
}

static void test_migrations_are_checked_as_placements(void)
{
    /* The checks of place apply to migrate; a split is refused; choosing the center the job is
     * at, or a policy without migrate, means "stay" (hold).  A migrate-only policy may tick. */
    struct fixture f;
    fixture_init(&f, 2, 4);
    f.pools[1].units = f.pools[1].free = 2; /* center 1 can never fit 4 units */
    struct cpn_policy_ops ops = {.abi = CPN_POLICY_ABI,
                                 .name = "rogue",
                                 .doc = "d",
                                 .place = rogue_place,
                                 .migrate = rogue_migrate,
                                 .tick_period = 60};
    struct cpn_policy *p;
    CU_ASSERT_EQUAL_FATAL(cpn_policy_new(&ops, NULL, 0, NULL, 2, MAX_O, &p), CPN_OK);
    CU_ASSERT(cpn_policy_migrates(p));
    struct cpn_world_job job = job4();
    struct cpn_policy_migrant at = {1, 1, 0.5, 100, 1e9};
    struct cpn_policy_decision d;
    for (rogue_answer = 0; rogue_answer <= 4; rogue_answer++)
        CU_ASSERT_EQUAL(cpn_policy_migrate(p, &job, &at, &f.w, &d), CPN_EPLUGIN);
    rogue_answer = 6;
    CU_ASSERT_EQUAL(cpn_policy_migrate(p, &job, &at, &f.w, &d), CPN_EPLUGIN);
    rogue_answer = 8; /* a migration cannot reject */
    CU_ASSERT_EQUAL(cpn_policy_migrate(p, &job, &at, &f.w, &d), CPN_EPLUGIN);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "migrate() rejected it"));
    rogue_answer = 5; /* center 0: a move */
    CU_ASSERT_EQUAL(cpn_policy_migrate(p, &job, &at, &f.w, &d), CPN_OK);
    CU_ASSERT(d.center == 0 && d.paths == 1);
    at.center = 0; /* where it is: stay */
    CU_ASSERT_EQUAL(cpn_policy_migrate(p, &job, &at, &f.w, &d), CPN_OK);
    CU_ASSERT_EQUAL(d.center, CPN_POLICY_HOLD);
    at.center = 2; /* no such center */
    CU_ASSERT_EQUAL(cpn_policy_migrate(p, &job, &at, &f.w, &d), CPN_EINVAL);
    cpn_policy_free(p);
    ops.migrate = NULL;
    CU_ASSERT_EQUAL(cpn_policy_check(&ops), CPN_EPLUGIN); /* a tick with nothing to call */
    ops.tick_period = 0;
    CU_ASSERT_EQUAL_FATAL(cpn_policy_new(&ops, NULL, 0, NULL, 2, MAX_O, &p), CPN_OK);
    CU_ASSERT(!cpn_policy_migrates(p));
    at.center = 1;
    CU_ASSERT_EQUAL(cpn_policy_migrate(p, &job, &at, &f.w, &d), CPN_OK);
    CU_ASSERT_EQUAL(d.center, CPN_POLICY_HOLD);
    cpn_policy_free(p);
    /* earliest_finish asks to be left out of the passes unless its parameter turns moves on. */
    const struct cpn_policy_ops *ef = cpn_policy_find(NULL, "earliest_finish");
    CU_ASSERT_EQUAL_FATAL(cpn_policy_new(ef, NULL, 0, NULL, 2, MAX_O, &p), CPN_OK);
    CU_ASSERT(!cpn_policy_migrates(p));
    cpn_policy_free(p);
    struct cpn_policy_setting on = {"migrate", 1};
    CU_ASSERT_EQUAL_FATAL(cpn_policy_new(ef, &on, 1, NULL, 2, MAX_O, &p), CPN_OK);
    CU_ASSERT(cpn_policy_migrates(p));
    cpn_policy_free(p);
}

static uint32_t split_units0; /* split_place: units at center 0 (the rest at center 1) */

static int split_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                       const struct cpn_world *world, struct cpn_policy_decision *out)
{
    (void)ctx, (void)world;
    out->center = 0;
    out->n_split = 2;
    out->split_centers[0] = 0;
    out->split_centers[1] = 1;
    out->split_units[0] = split_units0;
    out->split_units[1] = job->units - split_units0;
    return 0;
}

static void test_splits_are_checked_part_by_part(void)
{
    /* Two centers of 10 units.  A 4-unit job split 2 + 2: accepted when splittable, refused
     * otherwise; 0 + 4 (an empty part) and 12 + 2 on a 14-unit job (12 > 10) are refused;
     * a split whose center is not split_centers[0] is refused. */
    struct fixture f;
    fixture_init(&f, 2, 1);
    struct cpn_policy_ops ops = {
        .abi = CPN_POLICY_ABI, .name = "split", .doc = "d", .place = split_place};
    struct cpn_policy *p;
    CU_ASSERT_EQUAL_FATAL(cpn_policy_new(&ops, NULL, 0, NULL, 2, MAX_O, &p), CPN_OK);
    struct cpn_world_job job = job4();
    struct cpn_policy_decision d;
    split_units0 = 2;
    CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_EPLUGIN); /* not splittable */
    job.splittable = 1;
    CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_OK);
    CU_ASSERT(d.n_split == 2 && d.split_units[0] == 2 && d.split_units[1] == 2);
    split_units0 = 0;
    CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_EPLUGIN);
    job.units = 14;
    split_units0 = 12;
    CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_EPLUGIN);
    split_units0 = 7;
    CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_OK);
    cpn_policy_free(p);
}

static int events_seen, ticks_seen;

static void count_event(struct cpn_policy_ctx *ctx, const struct cpn_policy_event *event,
                        const struct cpn_world *world)
{
    (void)ctx, (void)world;
    events_seen += event->kind == CPN_POLICY_EVENT_CENTER_CHANGED;
}

static void count_tick(struct cpn_policy_ctx *ctx, const struct cpn_world *world)
{
    (void)ctx, (void)world;
    ticks_seen++;
}

static void test_events_and_ticks_reach_policies_that_want_them(void)
{
    struct fixture f;
    fixture_init(&f, 2, 1);
    struct cpn_policy_ops ops = {.abi = CPN_POLICY_ABI,
                                 .name = "observer",
                                 .doc = "d",
                                 .place = rogue_place,
                                 .on_event = count_event,
                                 .on_tick = count_tick,
                                 .tick_period = 10};
    struct cpn_policy *p, *plain = make("nearest", NULL, 0, NULL, 2);
    CU_ASSERT_EQUAL_FATAL(cpn_policy_new(&ops, NULL, 0, NULL, 2, MAX_O, &p), CPN_OK);
    struct cpn_policy_event ev = {CPN_POLICY_EVENT_CENTER_CHANGED, 5, 0, 1, CPN_NONE};
    events_seen = ticks_seen = 0;
    cpn_policy_notify(p, &ev, &f.w);
    cpn_policy_tick(p, &f.w);
    cpn_policy_tick(p, &f.w);
    cpn_policy_notify(plain, &ev, &f.w); /* nearest has neither: nothing happens */
    cpn_policy_tick(plain, &f.w);
    CU_ASSERT_EQUAL(events_seen, 1);
    CU_ASSERT_EQUAL(ticks_seen, 2);
    CU_ASSERT_EQUAL(cpn_policy_tick_period(p), 10);
    cpn_policy_free(p);
    cpn_policy_free(plain);
}

/* ---- built-ins ----------------------------------------------------------------------------- */

static void test_random_same_seed_gives_same_decisions_and_only_fitting_centers(void)
{
    struct fixture f;
    fixture_init(&f, 4, 1);
    f.pools[2].units = f.pools[2].free = 3; /* never fits 4 units: never chosen */
    struct cpn_rng *r1 = cpn_rng_new(42), *r2 = cpn_rng_new(42), *r3 = cpn_rng_new(43);
    struct cpn_policy *a = make("random", NULL, 0, r1, 4), *b = make("random", NULL, 0, r2, 4);
    struct cpn_policy *c = make("random", NULL, 0, r3, 4);
    struct cpn_world_job job = job4();
    int same = 1, differ = 0, seen[4] = {0};
    for (int i = 0; i < 60; i++) {
        struct cpn_policy_decision da, db, dc;
        CU_ASSERT_EQUAL(cpn_policy_place(a, &job, &f.w, &da), CPN_OK);
        CU_ASSERT_EQUAL(cpn_policy_place(b, &job, &f.w, &db), CPN_OK);
        CU_ASSERT_EQUAL(cpn_policy_place(c, &job, &f.w, &dc), CPN_OK);
        same &= da.center == db.center;
        differ |= da.center != dc.center;
        CU_ASSERT_FATAL(da.center < 4);
        seen[da.center]++;
    }
    CU_ASSERT(same);
    /* Another seed gives another sequence: equal by chance with probability 3^-60. */
    CU_ASSERT(differ);
    CU_ASSERT_EQUAL(seen[2], 0);
    /* Each of the 3 candidates is drawn with p = 1/3: P(missed in 60 draws) < 3e-10. */
    CU_ASSERT(seen[0] > 0 && seen[1] > 0 && seen[3] > 0);

    /* None fits now: only among those that ever fit (0, 1, 3); none ever fits: hold. */
    for (int i = 0; i < 4; i++)
        f.pools[i].free = 1;
    struct cpn_policy_decision d;
    for (int i = 0; i < 20; i++) {
        CU_ASSERT_EQUAL(cpn_policy_place(a, &job, &f.w, &d), CPN_OK);
        CU_ASSERT(d.center == 0 || d.center == 1 || d.center == 3);
    }
    job.units = 11;
    CU_ASSERT_EQUAL(cpn_policy_place(a, &job, &f.w, &d), CPN_OK);
    CU_ASSERT_EQUAL(d.center, CPN_POLICY_HOLD);
    cpn_policy_free(a);
    cpn_policy_free(b);
    cpn_policy_free(c);
    /* Without random streams random cannot draw: place() fails, reported as EPLUGIN. */
    struct cpn_policy *norng = make("random", NULL, 0, NULL, 4);
    CU_ASSERT_EQUAL(cpn_policy_place(norng, &job, &f.w, &d), CPN_EPLUGIN);
    cpn_policy_free(norng);
    cpn_rng_free(r1);
    cpn_rng_free(r2);
    cpn_rng_free(r3);
}

static void test_round_robin_cycles_and_skips_centers_that_never_fit(void)
{
    struct fixture f;
    fixture_init(&f, 3, 1);
    f.pools[1].units = f.pools[1].free = 2;
    f.pools[2].free = 0; /* full now, but round robin ignores load */
    struct cpn_policy *p = make("round_robin", NULL, 0, NULL, 3);
    struct cpn_world_job job = job4();
    static const uint32_t expected[] = {0, 2, 0, 2, 0};
    for (size_t i = 0; i < 5; i++) {
        struct cpn_policy_decision d;
        CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_OK);
        CU_ASSERT_EQUAL(d.center, expected[i]);
    }
    cpn_policy_free(p);
}

static void test_least_loaded_counts_busy_and_queued_units_over_size(void)
{
    struct fixture f;
    fixture_init(&f, 3, 1);
    /* loads: c0 (10-6+0)/10 = 0.4; c1 (20-20+10)/20 = 0.5 ... */
    f.pools[0].free = 6;
    f.pools[1].units = 20;
    f.pools[1].free = 20;
    f.centers[1].queued_units = 10;
    /* ... c2 (10-7+0)/10 = 0.3: the least loaded. */
    f.pools[2].free = 7;
    f.centers[2].queued_units = 0;
    struct cpn_world_job job = job4();
    CU_ASSERT_EQUAL(decide("least_loaded", NULL, 0, &f, &job, NULL), 2);
    f.centers[2].queued_units = 2; /* c2 (3+2)/10 = 0.5 > c0 0.4 */
    CU_ASSERT_EQUAL(decide("least_loaded", NULL, 0, &f, &job, NULL), 0);
}

static void test_nearest_takes_the_lowest_rtt_that_fits_now_else_holds(void)
{
    struct fixture f;
    fixture_init(&f, 3, 1);
    f.rtt[0 * 3 + 0] = 0.030; /* origin 0: c0 30 ms, c1 5 ms, c2 12 ms */
    f.rtt[0 * 3 + 1] = 0.005;
    f.rtt[0 * 3 + 2] = 0.012;
    struct cpn_world_job job = job4();
    CU_ASSERT_EQUAL(decide("nearest", NULL, 0, &f, &job, NULL), 1);
    f.pools[1].free = 3; /* c1 cannot take 4 units now: next nearest is c2 */
    CU_ASSERT_EQUAL(decide("nearest", NULL, 0, &f, &job, NULL), 2);
    f.pools[0].free = f.pools[2].free = 0; /* nothing fits now */
    CU_ASSERT_EQUAL(decide("nearest", NULL, 0, &f, &job, NULL), CPN_POLICY_HOLD);
    struct cpn_policy_setting queue[] = {{"hold", 0}};
    CU_ASSERT_EQUAL(decide("nearest", queue, 1, &f, &job, NULL), 1);
}

static void test_min_cost_weighs_price_against_speed(void)
{
    struct fixture f;
    fixture_init(&f, 2, 1);
    /* c0: 1 per unit-s, 1 TFLOP/s: 4 units x 1000 s x 1 = 4000.
     * c1: 1.5 per unit-s, 2 TFLOP/s: 4 units x 500 s x 1.5 = 3000: dearer but cheaper. */
    f.centers[1].price = 1.5;
    f.pools[1].speed = 2e12;
    struct cpn_world_job job = job4();
    CU_ASSERT_EQUAL(decide("min_cost", NULL, 0, &f, &job, NULL), 1);
    f.centers[1].price = 2.1; /* 4 x 500 x 2.1 = 4200 > 4000 */
    CU_ASSERT_EQUAL(decide("min_cost", NULL, 0, &f, &job, NULL), 0);
}

static void test_greenest_ranks_carbon_per_unit_of_work(void)
{
    struct fixture f;
    fixture_init(&f, 3, 1);
    /* kg/FLOP = carbon x PUE x power / speed:
     * c0: 1e-7 x 1.2 x 500 / 1e12 = 6.0e-17
     * c1: 0.5e-7 x 1.5 x 500 / 1e12 = 3.75e-17
     * c2: 0.5e-7 x 1.2 x 900 / 2e12 = 2.7e-17  (a faster, hungrier accelerator): the greenest */
    f.centers[1].carbon = 0.5e-7;
    f.centers[1].pue = 1.5;
    f.centers[2].carbon = 0.5e-7;
    f.pools[2].power_peak = 900;
    f.pools[2].speed = 2e12;
    struct cpn_world_job job = job4();
    CU_ASSERT_EQUAL(decide("greenest", NULL, 0, &f, &job, NULL), 2);
    /* emissions of the job on c2: 2.7e-17 kg/FLOP x 4e15 FLOP = 0.108 kg */
    CPN_ASSERT_REL(f.centers[2].carbon * cpn_world_energy(&f.centers[2], &f.pools[2], &job), 0.108,
                   REL);
    f.pools[2].free = 0; /* not now: c1 */
    CU_ASSERT_EQUAL(decide("greenest", NULL, 0, &f, &job, NULL), 1);
}

/* Near busy center c0 (10 GB/s, RTT 2 ms) against far idle center c1 (1 Gbit/s = 1.25e8 B/s
 * per path, RTT 50 ms) for a job with 100 GB of input at origin 0 and 1000 s of run time on
 * either.  Stage-in: c0 0.002 + 1e11/1e10 = 10.002 s; c1 0.05 + 1e11/1.25e8 = 800.05 s.
 * c0's wait is running_work / 10 units.  Break-even wait: 800.05 - 10.002 = 790.048 s. */
static void far_and_near(struct fixture *f, double wait_c0)
{
    fixture_init(f, 2, 4);
    f->rtt[0] = 0.002;
    f->rtt[1] = 0.05;
    for (uint32_t k = 0; k < 4; k++) {
        f->bandwidth[(0 * 2 + 0) * 4 + k] = 1e10;
        f->bandwidth[(0 * 2 + 1) * 4 + k] = 1.25e8 * (k + 1); /* k+1 disjoint paths */
    }
    f->pools[0].free = 0;
    f->centers[0].running_work = wait_c0 * 10;
}

static void test_earliest_finish_goes_far_exactly_when_the_transfer_is_worth_it(void)
{
    struct fixture f;
    struct cpn_world_job job = job4();
    job.input_bytes = 1e11;
    struct cpn_policy_setting one_path[] = {{"max_paths", 1}};
    far_and_near(&f, 780); /* 10.002 + 780 = 790.002 < 800.05: stay near and wait */
    CU_ASSERT_EQUAL(decide("earliest_finish", one_path, 1, &f, &job, NULL), 0);
    far_and_near(&f, 800); /* 810.002 > 800.05: go far */
    CU_ASSERT_EQUAL(decide("earliest_finish", one_path, 1, &f, &job, NULL), 1);
    CPN_ASSERT_REL(cpn_world_wait_estimate(&f.centers[0], &job), 800, REL);
    CPN_ASSERT_REL(cpn_world_stage_in_time(&f.w, &job, 1, 1, 0, NULL), 800.05, REL);

    /* Four paths: c1's stage-in is 0.05 + 1e11 / 5e8 = 200.05 s, so a 300 s wait near
     * (310.002 s) loses to it; with one path (800.05 s) it wins. */
    uint32_t paths = 0;
    far_and_near(&f, 300);
    CU_ASSERT_EQUAL(decide("earliest_finish", NULL, 0, &f, &job, &paths), 1);
    CU_ASSERT_EQUAL(paths, 4);
    CU_ASSERT_EQUAL(decide("earliest_finish", one_path, 1, &f, &job, NULL), 0);

    /* 100 s to set up each extra path: c1's stage-in with k = 1..4 paths is 800.05, 500.05,
     * 466.717, 500.05 s, so its best is 3 paths at 466.717 s: worse than c0 after a 300 s wait
     * (310.002 s), better than c0 after a 600 s wait (610.002 s). */
    struct cpn_policy_setting overhead[] = {{"path_overhead", 100}};
    CU_ASSERT_EQUAL(decide("earliest_finish", overhead, 1, &f, &job, NULL), 0);
    far_and_near(&f, 600);
    CU_ASSERT_EQUAL(decide("earliest_finish", overhead, 1, &f, &job, &paths), 1);
    CU_ASSERT_EQUAL(paths, 3);
    CPN_ASSERT_REL(cpn_world_stage_in_time(&f.w, &job, 1, 4, 100, NULL), 0.05 + 200 + 1e11 / 3.75e8,
                   REL);

    /* overlap = 1: the input moves while the job waits.  Near: max(10.002, 600) = 600 s;
     * far with 4 paths: 200.05 s.  Far still wins; at a 150 s wait near it loses. */
    struct cpn_policy_setting ov[] = {{"overlap", 1}};
    CU_ASSERT_EQUAL(decide("earliest_finish", ov, 1, &f, &job, NULL), 1);
    far_and_near(&f, 150);
    CU_ASSERT_EQUAL(decide("earliest_finish", ov, 1, &f, &job, NULL), 0);

    /* No bandwidth anywhere: no finite estimate, hold. */
    for (size_t i = 0; i < MAX_O * MAX_C * MAX_P; i++)
        f.bandwidth[i] = 0;
    CU_ASSERT_EQUAL(decide("earliest_finish", NULL, 0, &f, &job, NULL), CPN_POLICY_HOLD);
    /* Input already at the center's node: no transfer (origin 0 sits at node 0). */
    f.centers[1].node = 0;
    CU_ASSERT_EQUAL(cpn_world_stage_in_time(&f.w, &job, 1, 4, 0, &paths), 0);
    CU_ASSERT_EQUAL(paths, 1);
}

/* Population variance of the loads after adding @p delta to center @p c: the brute-force
 * check of balanced's incremental formula. */
static double variance_after(const double *u, int n, int c, double delta)
{
    double mean = 0, var = 0;
    for (int i = 0; i < n; i++)
        mean += (u[i] + (i == c ? delta : 0)) / n;
    for (int i = 0; i < n; i++) {
        double x = u[i] + (i == c ? delta : 0) - mean;
        var += x * x / n;
    }
    return var;
}

static void test_balanced_trades_utilisation_variance_against_energy(void)
{
    struct fixture f;
    fixture_init(&f, 3, 1);
    /* Loads 0.5, 0.2, 0.8; the 4-unit job adds 0.4 to any one of them. */
    double u[3] = {0.5, 0.2, 0.8};
    f.pools[0].free = 5;
    f.pools[1].free = 8;
    f.pools[2].free = 2; /* c2 cannot run the job now, but it can ever: a candidate */
    struct cpn_world_job job = job4();
    /* Equal energy everywhere: the least variance after placement wins, by brute force: */
    int best = 0;
    for (int c = 1; c < 3; c++)
        if (variance_after(u, 3, c, 0.4) < variance_after(u, 3, best, 0.4))
            best = c;
    CU_ASSERT_EQUAL(best, 1);
    CU_ASSERT_EQUAL(decide("balanced", NULL, 0, &f, &job, NULL), 1);
    /* c1 draws twice the power: relative energy excess 1.  Variance increase differences:
     * Var(c0) - Var(c1) = [(2 x 0.5 x 0.4) - (2 x 0.2 x 0.4)] / 3 = 0.08, so c1 stays best for
     * energy_weight < 0.08 and c0 wins above it. */
    f.pools[1].power_peak = 1000;
    CPN_ASSERT_REL(variance_after(u, 3, 0, 0.4) - variance_after(u, 3, 1, 0.4), 0.08, 1e-9);
    struct cpn_policy_setting w_lo[] = {{"energy_weight", 0.07}};
    struct cpn_policy_setting w_hi[] = {{"energy_weight", 0.09}};
    CU_ASSERT_EQUAL(decide("balanced", w_lo, 1, &f, &job, NULL), 1);
    CU_ASSERT_EQUAL(decide("balanced", w_hi, 1, &f, &job, NULL), 0);
    /* A center that is down is not chosen (c0 was the choice at this weight). */
    f.centers[0].up = 0;
    CU_ASSERT_EQUAL(decide("balanced", w_hi, 1, &f, &job, NULL), 1);
}

static void test_pool_type_restricts_the_pools_a_job_may_use(void)
{
    struct fixture f;
    fixture_init(&f, 2, 1);
    f.pools[0].type = 1; /* c0 has only type-1 units (say GPUs) */
    struct cpn_world_job job = job4();
    job.pool_type = 0;
    CU_ASSERT_EQUAL(cpn_world_fit_pool(&f.centers[0], &job, CPN_WORLD_FIT_EVER), CPN_NONE);
    CU_ASSERT_EQUAL(decide("nearest", NULL, 0, &f, &job, NULL), 1);
    job.pool_type = 1;
    CU_ASSERT_EQUAL(decide("nearest", NULL, 0, &f, &job, NULL), 0);
}

/* ---- plug-ins ------------------------------------------------------------------------------ */

static const char *plugin_path(const char *file)
{
    static char buf[4096];
    const char *dir = getenv("CPN_BUILDDIR");
    snprintf(buf, sizeof buf, "%s/tests/plugins/%s", dir && *dir ? dir : ".", file);
    return buf;
}

static int have_plugins(void)
{
    FILE *fp = fopen(plugin_path("example.so"), "rb");
    if (fp)
        fclose(fp);
    else
        CU_FAIL("tests/plugins/*.so are missing: run the tests through `make check`");
    return fp != NULL;
}

static void test_example_plugin_loads_lists_and_places(void)
{
    if (!have_plugins())
        return;
    struct cpn_policy_registry *reg = cpn_policy_registry_new();
    CU_ASSERT_EQUAL_FATAL(cpn_policy_registry_load(reg, plugin_path("example.so")), CPN_OK);
    CU_ASSERT_EQUAL(cpn_policy_registry_count(reg), 9);
    const char *path = NULL;
    const struct cpn_policy_ops *ops = cpn_policy_registry_at(reg, 8, &path);
    CU_ASSERT_STRING_EQUAL(ops->name, "example_fastest");
    CU_ASSERT_STRING_EQUAL(path, plugin_path("example.so"));
    CU_ASSERT_PTR_EQUAL(cpn_policy_find(reg, "example_fastest"), ops);
    CU_ASSERT_PTR_NOT_NULL(cpn_policy_find(reg, "nearest"));
    CU_ASSERT_PTR_NULL(cpn_policy_find(NULL, "example_fastest"));

    /* c1 is the fastest but 200 ms away (beyond max_rtt = 100 ms); c2 is faster than c0. */
    struct fixture f;
    fixture_init(&f, 3, 1);
    f.pools[1].speed = 4e12;
    f.pools[2].speed = 2e12;
    f.rtt[1] = 0.2;
    struct cpn_policy *p;
    CU_ASSERT_EQUAL_FATAL(cpn_policy_new(ops, NULL, 0, NULL, 3, MAX_O, &p), CPN_OK);
    struct cpn_world_job job = job4();
    struct cpn_policy_decision d;
    CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_OK);
    CU_ASSERT_EQUAL(d.center, 2);
    cpn_policy_free(p);
    struct cpn_policy_setting far[] = {{"max_rtt", 0.5}};
    CU_ASSERT_EQUAL_FATAL(cpn_policy_new(ops, far, 1, NULL, 3, MAX_O, &p), CPN_OK);
    CU_ASSERT_EQUAL(cpn_policy_place(p, &job, &f.w, &d), CPN_OK);
    CU_ASSERT_EQUAL(d.center, 1);
    cpn_policy_free(p);

    /* The same plug-in twice: its name is taken by the first copy. */
    CU_ASSERT_EQUAL(cpn_policy_registry_load(reg, plugin_path("example.so")), CPN_EPLUGIN);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "already taken by the plug-in"));
    CU_ASSERT_EQUAL(cpn_policy_registry_count(reg), 9);
    cpn_policy_registry_free(reg);
    cpn_policy_registry_free(NULL);
}

/* Loading @p file fails with EPLUGIN and a message naming the file and containing @p why. */
static void expect_load_error(const char *file, const char *why)
{
    struct cpn_policy_registry *reg = cpn_policy_registry_new();
    char path[4096];
    snprintf(path, sizeof path, "%s", plugin_path(file));
    CU_ASSERT_EQUAL(cpn_policy_registry_load(reg, path), CPN_EPLUGIN);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), path));
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), why));
    CU_ASSERT_EQUAL(cpn_policy_registry_count(reg), 8);
    cpn_policy_registry_free(reg);
}

static void test_bad_plugins_fail_with_a_message_naming_the_file(void)
{
    expect_load_error("does_not_exist.so", "no such plug-in file");
    if (!have_plugins())
        return;
    expect_load_error("bad_abi.so", "policy ABI 4, but this cpnsim expects 3");
    expect_load_error("no_entry.so", "does not define cpn_policy_entry()");
    expect_load_error("dup_name.so", "\"nearest\" is already taken by a built-in policy");
    /* A file that is not a shared object: dlopen's own error, still naming the file. */
    expect_load_error("../../Makefile", "cannot load the plug-in");
    CU_ASSERT_EQUAL(cpn_policy_registry_load(NULL, "x.so"), CPN_EINVAL);
}

int cpn_test_register_policy(void)
{
    static const struct cpn_test tests[] = {
        {"registry lists the eight built-ins by name",
         test_registry_lists_the_eight_builtins_by_name},
        {"parameters are looked up and validated by name",
         test_parameters_are_looked_up_and_validated_by_name},
        {"malformed tables are refused with EPLUGIN",
         test_malformed_tables_are_refused_with_eplugin},
        {"splits are checked part by part", test_splits_are_checked_part_by_part},
        {"bad decisions are caught before the simulation sees them",
         test_bad_decisions_are_caught_before_the_simulation_sees_them},
        {"migrations are checked as placements; staying is hold",
         test_migrations_are_checked_as_placements},
        {"events and ticks reach policies that want them",
         test_events_and_ticks_reach_policies_that_want_them},
        {"random: same seed gives same decisions, only fitting centers",
         test_random_same_seed_gives_same_decisions_and_only_fitting_centers},
        {"round_robin cycles and skips centers that never fit",
         test_round_robin_cycles_and_skips_centers_that_never_fit},
        {"least_loaded counts busy and queued units over size",
         test_least_loaded_counts_busy_and_queued_units_over_size},
        {"nearest takes the lowest RTT that fits now, else holds",
         test_nearest_takes_the_lowest_rtt_that_fits_now_else_holds},
        {"min_cost weighs price against speed", test_min_cost_weighs_price_against_speed},
        {"greenest ranks carbon per unit of work", test_greenest_ranks_carbon_per_unit_of_work},
        {"earliest_finish goes far exactly when the transfer is worth it",
         test_earliest_finish_goes_far_exactly_when_the_transfer_is_worth_it},
        {"balanced trades utilisation variance against energy",
         test_balanced_trades_utilisation_variance_against_energy},
        {"pool type restricts the pools a job may use",
         test_pool_type_restricts_the_pools_a_job_may_use},
        {"example plug-in loads, lists and places", test_example_plugin_loads_lists_and_places},
        {"bad plug-ins fail with a message naming the file",
         test_bad_plugins_fail_with_a_message_naming_the_file},
    };
    return CPN_TEST_SUITE("policy", tests);
}
