/* Suite "center": pools, FCFS and EASY queues, gang allocation, walltime limits, energy, cost,
 * carbon, start estimates, errors, and invariants over random and real (SWF) workloads. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/centers/center.h"
#include "models/workload/wlog.h"
#include "sim/engine.h"
#include "sim/error.h"
#include "tests/unit/suites.h"

/* Times in the hand cases are sums of small integers: exact in double. */
#define EXACT 0.0
/* Sums of many products: relative rounding error well below this. */
#define SUM_TOL 1e-9

struct job {
    double submit;   /* [s] */
    uint32_t pool;   /* pool index */
    uint32_t units;  /* units wanted */
    double runtime;  /* [s] */
    double walltime; /* [s] */
};

struct outcome {
    double start, end;  /* [s] */
    double reservation; /* from the event [s] */
    double observed;    /* smallest shadow time seen for it as blocked head [s] */
    double estimate;    /* cpn_center_estimate_start() just before its submission [s] */
    int starts, ends, killed, backfilled;
};

#define MAX_POOLS 4

/* One replay: an engine, a center, the jobs, what happened, and the invariants checked on the
 * way (counted as violations, asserted at the end so a failure does not flood the output). */
struct harness {
    struct cpn_engine *eng;
    struct cpn_center *c;
    const struct job *jobs;
    size_t n;
    struct outcome *out;
    uint32_t in_use[MAX_POOLS]; /* units held according to the callbacks */
    uint32_t units[MAX_POOLS];  /* pool sizes */
    unsigned violations;        /* invariant failures */
    unsigned rejected;          /* submissions refused with CPN_ERANGE */
    double busy_unit_seconds;   /* sum of units x (end - start) [unit s] */
};

static int on_start(void *ctx, struct cpn_center *c, const struct cpn_request_event *ev)
{
    struct harness *h = ctx;
    struct outcome *o = &h->out[ev->id];
    (void)c;
    o->start = ev->start;
    o->starts++;
    o->reservation = ev->reservation;
    o->backfilled = ev->backfilled;
    h->in_use[ev->pool] += ev->units;
    if (h->in_use[ev->pool] > h->units[ev->pool])
        h->violations++; /* more units in use than the pool has */
    if (ev->start < h->jobs[ev->id].submit)
        h->violations++; /* started before its submission */
    if (ev->start > ev->reservation || ev->start > o->observed)
        h->violations++; /* started after its reservation */
    if (ev->start != cpn_engine_now(h->eng))
        h->violations++;
    return CPN_OK;
}

static int on_end(void *ctx, struct cpn_center *c, const struct cpn_request_event *ev)
{
    struct harness *h = ctx;
    struct outcome *o = &h->out[ev->id];
    (void)c;
    o->end = ev->end;
    o->ends++;
    o->killed = ev->killed;
    h->in_use[ev->pool] -= ev->units;
    h->busy_unit_seconds += ev->units * (ev->end - ev->start);
    return CPN_OK;
}

/* Arrival: submit job `arg`, then note the head's reservation the pool now reports. */
static int on_arrival(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct harness *h = ctx;
    const struct job *j = &h->jobs[arg];
    struct cpn_request req = {(uint32_t)arg, j->pool, j->units, j->runtime, j->walltime, 0};
    if (j->units <= h->units[j->pool] &&
        cpn_center_estimate_start(h->c, j->pool, j->units, j->walltime, cpn_engine_now(eng),
                                  &h->out[arg].estimate) != CPN_OK)
        h->violations++;
    int rc = cpn_center_submit(h->c, &req);
    if (rc == CPN_ERANGE) {
        h->rejected++;
        return CPN_OK;
    }
    if (rc != CPN_OK)
        return rc;
    struct cpn_pool_state st;
    CPN_ASSERT(cpn_center_pool_state(h->c, j->pool, &st) == CPN_OK);
    if (st.head != CPN_NONE && st.shadow_time < h->out[st.head].observed)
        h->out[st.head].observed = st.shadow_time;
    return CPN_OK;
}

/* Late, as the job layer's arrivals: after the ends of the same instant. */
static const struct cpn_handler arrival_handler = {on_arrival, "test_arrival", 1};

/* Build an engine and a center with the given pools (power and prices from `spec`). */
static void harness_open(struct harness *h, const struct cpn_center_spec *spec,
                         const uint32_t *units, size_t npools, const struct job *jobs, size_t n)
{
    memset(h, 0, sizeof *h);
    h->eng = cpn_engine_new();
    CU_ASSERT_FATAL(h->eng != NULL);
    struct cpn_center_hooks hooks = {on_start, on_end, h};
    CU_ASSERT_FATAL(cpn_center_new(spec, h->eng, &hooks, &h->c) == CPN_OK);
    for (size_t i = 0; i < npools; i++) {
        struct cpn_pool_spec ps = {NULL, units[i], 1e12, 1e9, "", 100.0, 300.0, 0};
        uint32_t index;
        CU_ASSERT_FATAL(cpn_center_add_pool(h->c, &ps, &index) == CPN_OK);
        CU_ASSERT(index == i);
        h->units[i] = units[i];
    }
    h->jobs = jobs;
    h->n = n;
    h->out = calloc(n ? n : 1, sizeof *h->out);
    CU_ASSERT_FATAL(h->out != NULL);
    for (size_t i = 0; i < n; i++) {
        h->out[i].start = h->out[i].end = NAN;
        h->out[i].observed = INFINITY;
        CU_ASSERT_FATAL(cpn_engine_schedule(h->eng, jobs[i].submit, &arrival_handler, h, i, NULL) ==
                        CPN_OK);
    }
}

static void harness_close(struct harness *h)
{
    cpn_center_free(h->c);
    cpn_engine_free(h->eng);
    free(h->out);
}

/* Run jobs on one center to the end and check that every accepted job started and ended
 * exactly once and that no invariant was violated. */
static void run_jobs(struct harness *h, enum cpn_queue_discipline discipline,
                     enum cpn_walltime_policy walltime, const uint32_t *units, size_t npools,
                     const struct job *jobs, size_t n)
{
    struct cpn_center_spec spec;
    cpn_center_spec_init(&spec);
    spec.id = "test";
    spec.discipline = discipline;
    spec.walltime = walltime;
    harness_open(h, &spec, units, npools, jobs, n);
    CU_ASSERT_FATAL(cpn_engine_run(h->eng, INFINITY) == CPN_OK);
    unsigned wrong = 0;
    for (size_t i = 0; i < n; i++)
        if (h->jobs[i].units <= h->units[h->jobs[i].pool] &&
            (h->out[i].starts != 1 || h->out[i].ends != 1))
            wrong++;
    CU_ASSERT(wrong == 0);
    CU_ASSERT(h->violations == 0);
    for (size_t p = 0; p < npools; p++)
        CU_ASSERT(h->in_use[p] == 0);
}

static void assert_schedule(const struct harness *h, const double (*expected)[2], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        CPN_ASSERT_REL(h->out[i].start, expected[i][0], EXACT);
        CPN_ASSERT_REL(h->out[i].end, expected[i][1], EXACT);
    }
}

/* Run a one-pool job set under a discipline (walltime kill) and compare every start and end. */
static void expect_schedule(enum cpn_queue_discipline discipline, uint32_t units,
                            const struct job *jobs, size_t n, const double (*expected)[2])
{
    struct harness h;
    run_jobs(&h, discipline, CPN_WALLTIME_KILL, &units, 1, jobs, n);
    assert_schedule(&h, expected, n);
    harness_close(&h);
}

/* Set A, one pool of 4 units:
 *   J0 t=0 2u run 10 wall 10: starts at 0 (4 free), ends 10.
 *   J1 t=1 4u run 5 wall 5: 2 free -> blocked head.  Shadow time 10 (J0's expected end frees 2,
 *      giving 4), extra units 4 - 4 = 0.
 *   J2 t=2 2u run 20 wall 20: fits now (2 free) but would end at 22 > 10 and needs 2 > 0 extra:
 *      backfilling refused (it would delay J1).  Starts after J1: at 15, ends 35.
 *   J3 t=3 1u run 5 wall 6: fits now and ends by 3 + 6 = 9 <= 10: backfilled at 3, ends 8.
 *   At 10: J0 ends, J1 takes all 4 units until 15; then J2 [15, 35].
 * FCFS on the same set: J0 [0,10], J1 [10,15], then J2 and J3 both start at 15 (2 + 1 <= 4):
 *   J2 [15,35], J3 [15,20]. */
static const struct job set_a[] = {
    {0, 0, 2, 10, 10}, {1, 0, 4, 5, 5}, {2, 0, 2, 20, 20}, {3, 0, 1, 5, 6}};

static void test_easy_refuses_backfill_that_delays_head(void)
{
    static const uint32_t units[] = {4};
    static const double expected[][2] = {{0, 10}, {10, 15}, {15, 35}, {3, 8}};
    struct harness h;
    run_jobs(&h, CPN_QUEUE_EASY, CPN_WALLTIME_KILL, units, 1, set_a, 4);
    assert_schedule(&h, expected, 4);
    CU_ASSERT(h.out[3].backfilled && !h.out[2].backfilled && !h.out[1].backfilled);
    CPN_ASSERT_REL(h.out[1].reservation, 10.0, EXACT); /* J1 held the shadow time 10 */
    struct cpn_center_stats st;
    CU_ASSERT(cpn_center_stats(h.c, CPN_NONE, &st) == CPN_OK);
    CU_ASSERT(st.backfilled == 1 && st.started == 4 && st.completed == 4 && st.killed == 0);
    harness_close(&h);
}

/* A request deep in a long queue that fits is found and backfilled (the backfill index skips
 * the 600 that cannot).  One pool of 4 units, by hand:
 *   J0 t=0 3u 100 s: [0, 100].  J1 t=0.5 1u 10 s: [0.5, 10.5]; no unit is free after it.
 *   J2 t=1 4u 5 s: the blocked head.  When J1 ends at 10.5: 1 unit free, shadow time 100 (J0's
 *      end gives 1 + 3 = 4), extra units 0.
 *   J3..J302 t=2 1u 1000 s: 10.5 + 1000 > 100 and 1 > 0 extra: not backfilled.
 *   J303..J602 t=2 2u 5 s: 2 units > 1 free: not backfilled.
 *   J603 t=3 1u 50 s: 10.5 + 50 <= 100: backfilled at 10.5, ends 60.5 (then, with 1 free, none
 *      of the others fits either).  At 100 J0 ends and J2 takes the 4 units: [100, 105].
 *   Nothing from J3 on starts before 105. */
static void test_easy_backfills_deep_in_a_long_queue(void)
{
    enum { N = 604 };
    static struct job jobs[N];
    jobs[0] = (struct job){0, 0, 3, 100, 100};
    jobs[1] = (struct job){0.5, 0, 1, 10, 10};
    jobs[2] = (struct job){1, 0, 4, 5, 5};
    for (size_t i = 3; i < 303; i++)
        jobs[i] = (struct job){2, 0, 1, 1000, 1000};
    for (size_t i = 303; i < 603; i++)
        jobs[i] = (struct job){2, 0, 2, 5, 5};
    jobs[603] = (struct job){3, 0, 1, 50, 50};
    static const uint32_t units[] = {4};
    struct harness h;
    run_jobs(&h, CPN_QUEUE_EASY, CPN_WALLTIME_KILL, units, 1, jobs, N);
    CPN_ASSERT_REL(h.out[603].start, 10.5, EXACT);
    CPN_ASSERT_REL(h.out[603].end, 60.5, EXACT);
    CU_ASSERT(h.out[603].backfilled);
    CPN_ASSERT_REL(h.out[2].start, 100.0, EXACT);
    CPN_ASSERT_REL(h.out[2].reservation, 100.0, EXACT);
    unsigned early = 0;
    for (size_t i = 3; i < 603; i++)
        early += h.out[i].start < 105;
    CU_ASSERT(early == 0);
    harness_close(&h);
}

/* Withdraw job 1 (the blocked head of set A) at 2.5: what waited behind it starts now. */
static int withdraw_event(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    struct harness *h = ctx;
    return cpn_center_withdraw(h->c, 0, (uint32_t)arg);
}

static void test_a_withdrawn_head_lets_the_queue_behind_it_start(void)
{
    /* Set A under EASY, J1 (4 units, the blocked head since 1) taken back at 2.5 (a job its
     * policy moves elsewhere).  By hand: J0 [0, 10] as before; J2 (2 units, 20 s, waiting since
     * 2 behind J1) fits the 2 free units: [2.5, 22.5]; J3 (1 unit at 3) finds none free and
     * becomes the head, shadow 10 (J0's end): [10, 15].  J1 never starts. */
    static const uint32_t units[] = {4};
    struct cpn_center_spec spec;
    cpn_center_spec_init(&spec);
    spec.id = "withdraw";
    spec.discipline = CPN_QUEUE_EASY;
    struct harness h;
    harness_open(&h, &spec, units, 1, set_a, 4);
    static const struct cpn_handler withdraw = {withdraw_event, "test_withdraw", 0};
    CU_ASSERT_FATAL(cpn_engine_schedule(h.eng, 2.5, &withdraw, &h, 1, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_engine_run(h.eng, INFINITY) == CPN_OK);
    static const double expected[][2] = {{0, 10}, {NAN, NAN}, {2.5, 22.5}, {10, 15}};
    for (size_t i = 0; i < 4; i++)
        if (i != 1)
            CU_ASSERT(h.out[i].start == expected[i][0] && h.out[i].end == expected[i][1]);
    CU_ASSERT(h.out[1].starts == 0 && h.out[1].ends == 0);
    CU_ASSERT(h.violations == 0 && h.in_use[0] == 0);
    struct cpn_center_stats st;
    CU_ASSERT(cpn_center_stats(h.c, CPN_NONE, &st) == CPN_OK);
    CU_ASSERT(st.withdrawn == 1 && st.started == 3 && st.completed == 3);
    /* Nothing queued is left: J1 again, a finished job, an unknown pool. */
    CU_ASSERT_EQUAL(cpn_center_withdraw(h.c, 0, 1), CPN_ENOENT);
    CU_ASSERT_EQUAL(cpn_center_withdraw(h.c, 0, 0), CPN_ENOENT);
    CU_ASSERT_EQUAL(cpn_center_withdraw(h.c, 3, 2), CPN_ENOENT);
    harness_close(&h);
}

static void test_fcfs_never_backfills(void)
{
    static const uint32_t units[] = {4};
    static const double expected[][2] = {{0, 10}, {10, 15}, {15, 35}, {15, 20}};
    struct harness h;
    run_jobs(&h, CPN_QUEUE_FCFS, CPN_WALLTIME_KILL, units, 1, set_a, 4);
    assert_schedule(&h, expected, 4);
    struct cpn_center_stats st;
    CU_ASSERT(cpn_center_stats(h.c, CPN_NONE, &st) == CPN_OK);
    CU_ASSERT(st.backfilled == 0);
    harness_close(&h);
}

/* Set B, one pool of 5 units:
 *   J0 t=0 3u run 10 wall 10: [0, 10]; 2 free.
 *   J1 t=1 4u run 5 wall 5: blocked.  Shadow 10 (2 + 3 = 5 units free), extra 5 - 4 = 1.
 *   J2 t=2 1u run 100 wall 100: fits (2 free); ends 102 > 10 but 1 <= 1 extra unit: backfilled
 *      at 2 (a long job allowed because it only uses extra units); extra becomes 0.
 *   J3 t=3 1u run 100 wall 100: fits (1 free), ends after 10 and extra is 0: refused.
 *   At 10: J0 ends, free 1 + 3 = 4: J1 starts [10, 15] (not delayed by J2).  At 15: J3
 *   [15, 115]; J2 ends at 102.
 * FCFS: J0 [0,10]; at 10 J1 (4 of 5 free) and J2 (the last unit) start: J2 [10,110]; J3 waits
 *   for J1's end: [15,115]. */
static const struct job set_b[] = {
    {0, 0, 3, 10, 10}, {1, 0, 4, 5, 5}, {2, 0, 1, 100, 100}, {3, 0, 1, 100, 100}};

static void test_easy_backfills_long_job_on_extra_units(void)
{
    static const uint32_t units[] = {5};
    static const double expected[][2] = {{0, 10}, {10, 15}, {2, 102}, {15, 115}};
    struct harness h;
    run_jobs(&h, CPN_QUEUE_EASY, CPN_WALLTIME_KILL, units, 1, set_b, 4);
    assert_schedule(&h, expected, 4);
    CU_ASSERT(h.out[2].backfilled && !h.out[3].backfilled);
    harness_close(&h);
}

/* Set C, one pool of 6 units: extra units are lent once within a pass (after an end).
 *   J0 t=0 4u run 10 wall 10: [0, 10].  J1 t=0 2u run 5 wall 5: [0, 5].  0 free.
 *   J2 t=1 5u run 5: blocked.  J3, J4 at 2 and 3 (1u, run 100 wall 100): 0 free, they wait.
 *   At 5 J1 ends: 2 free.  Shadow 10 (2 + 4 = 6 >= 5), extra 6 - 5 = 1.  J3 fits and uses the
 *   1 extra unit: starts at 5 [5, 105], extra 0.  J4 fits the last free unit but would end
 *   after 10 with no extra left: refused (else J2 would find 4 < 5 units at 10).
 *   At 10: J2 [10, 15].  At 15: J4 [15, 115]. */
static void test_easy_lends_extra_units_once(void)
{
    static const struct job jobs[] = {{0, 0, 4, 10, 10},
                                      {0, 0, 2, 5, 5},
                                      {1, 0, 5, 5, 5},
                                      {2, 0, 1, 100, 100},
                                      {3, 0, 1, 100, 100}};
    static const double expected[][2] = {{0, 10}, {0, 5}, {10, 15}, {5, 105}, {15, 115}};
    expect_schedule(CPN_QUEUE_EASY, 6, jobs, 5, expected);
}

static void test_fcfs_on_extra_units_set(void)
{
    static const double expected[][2] = {{0, 10}, {10, 15}, {10, 110}, {15, 115}};
    expect_schedule(CPN_QUEUE_FCFS, 5, set_b, 4, expected);
}

/* Gang allocation, one pool of 4 units: three 1-unit jobs end at 10, 20, 30; a 4-unit job
 * submitted at 1 cannot start on part of its units and waits until all 4 are free at 30:
 * [30, 35].  J4 (1 unit, 1 s, at 2): FCFS keeps it behind the gang job: [35, 36]; EASY
 * backfills it at once (ends 3 <= shadow 30): [2, 3]. */
static const struct job set_gang[] = {
    {0, 0, 1, 10, 10}, {0, 0, 1, 20, 20}, {0, 0, 1, 30, 30}, {1, 0, 4, 5, 5}, {2, 0, 1, 1, 1}};

static void test_gang_job_waits_for_all_units(void)
{
    static const double fcfs[][2] = {{0, 10}, {0, 20}, {0, 30}, {30, 35}, {35, 36}};
    static const double easy[][2] = {{0, 10}, {0, 20}, {0, 30}, {30, 35}, {2, 3}};
    expect_schedule(CPN_QUEUE_FCFS, 4, set_gang, 5, fcfs);
    expect_schedule(CPN_QUEUE_EASY, 4, set_gang, 5, easy);
}

/* Two pools of 2 units, EASY: pool 0 is blocked by J1 (2 units, behind J0 until 10), yet J2 in
 * pool 1 starts at once at 2 with a 100 s walltime that would break pool 0's reservation: each
 * pool has its own queue and reservation.  J3 (pool 1, 1 unit, at 3) waits for J2: [102, 103]. */
static void test_pools_have_independent_queues(void)
{
    static const struct job jobs[] = {
        {0, 0, 2, 10, 10}, {1, 0, 2, 5, 5}, {2, 1, 2, 100, 100}, {3, 1, 1, 1, 1}};
    static const uint32_t units[] = {2, 2};
    static const double expected[][2] = {{0, 10}, {10, 15}, {2, 102}, {102, 103}};
    struct harness h;
    run_jobs(&h, CPN_QUEUE_EASY, CPN_WALLTIME_KILL, units, 2, jobs, 4);
    assert_schedule(&h, expected, 4);
    struct cpn_center_stats s0, s1;
    CU_ASSERT(cpn_center_stats(h.c, 0, &s0) == CPN_OK);
    CU_ASSERT(cpn_center_stats(h.c, 1, &s1) == CPN_OK);
    CU_ASSERT(s0.started == 2 && s1.started == 2);
    CPN_ASSERT_REL(s0.busy_unit_seconds, 2 * 10 + 2 * 5, EXACT);
    CPN_ASSERT_REL(s1.busy_unit_seconds, 2 * 100 + 1 * 1, EXACT);
    harness_close(&h);
}

/* Walltime shorter than runtime: KILL ends J0 at its limit 10 (killed); EXTEND lets it run its
 * 20 s.  A runtime of 0 is valid: J1 (submitted at 5, 1 unit free) starts and ends at 5. */
static void test_walltime_limit_kills_or_extends(void)
{
    static const struct job jobs[] = {{0, 0, 1, 20, 10}, {5, 0, 1, 0, 3}};
    static const uint32_t units[] = {2};
    struct harness h;
    run_jobs(&h, CPN_QUEUE_EASY, CPN_WALLTIME_KILL, units, 1, jobs, 2);
    CPN_ASSERT_REL(h.out[0].end, 10.0, EXACT);
    CU_ASSERT(h.out[0].killed == 1 && h.out[1].killed == 0);
    CPN_ASSERT_REL(h.out[1].start, 5.0, EXACT);
    CPN_ASSERT_REL(h.out[1].end, 5.0, EXACT);
    struct cpn_center_stats st;
    CU_ASSERT(cpn_center_stats(h.c, CPN_NONE, &st) == CPN_OK);
    CU_ASSERT(st.killed == 1 && st.completed == 1);
    harness_close(&h);
    run_jobs(&h, CPN_QUEUE_EASY, CPN_WALLTIME_EXTEND, units, 1, jobs, 2);
    CPN_ASSERT_REL(h.out[0].end, 20.0, EXACT);
    CU_ASSERT(h.out[0].killed == 0);
    harness_close(&h);
}

/* A request without an estimate (walltime INFINITY), one pool of 2 units, EASY: J0 (2u, run
 * 10) is never killed; J1 (1u, wall 5) blocks at 1 with a reservation at infinity; J2 (1u,
 * run 3, no estimate) makes the queued work infinite, and a start estimate is then infinite.
 * At 10 both start: J1 [10, 15], J2 [10, 13]; afterwards the queued work is 0 again. */
static void test_request_without_estimate(void)
{
    static const struct job jobs[] = {
        {0, 0, 2, 10, INFINITY}, {1, 0, 1, 5, 5}, {2, 0, 1, 3, INFINITY}};
    static const uint32_t units[] = {2};
    struct cpn_center_spec spec;
    cpn_center_spec_init(&spec);
    spec.id = "unbounded";
    struct harness h;
    harness_open(&h, &spec, units, 1, jobs, 3);
    struct cpn_pool_state ps;
    CU_ASSERT(cpn_engine_run(h.eng, 1.5) == CPN_OK);
    CU_ASSERT(cpn_center_pool_state(h.c, 0, &ps) == CPN_OK);
    CU_ASSERT(ps.head == 1 && isinf(ps.shadow_time) && ps.queued_work == 5);
    CU_ASSERT(cpn_engine_run(h.eng, 2.5) == CPN_OK);
    CU_ASSERT(cpn_center_pool_state(h.c, 0, &ps) == CPN_OK);
    CU_ASSERT(isinf(ps.queued_work) && ps.queued == 2);
    double t = 0;
    CU_ASSERT(cpn_center_estimate_start(h.c, 0, 1, 1, 2.5, &t) == CPN_OK);
    CU_ASSERT(isinf(t));
    CU_ASSERT(cpn_engine_run(h.eng, INFINITY) == CPN_OK);
    static const double expected[][2] = {{0, 10}, {10, 15}, {10, 13}};
    assert_schedule(&h, expected, 3);
    CU_ASSERT(h.out[0].killed == 0 && h.violations == 0);
    CU_ASSERT(cpn_center_pool_state(h.c, 0, &ps) == CPN_OK);
    CU_ASSERT(ps.queued_work == 0 && ps.queued == 0 && ps.free_units == 2);
    harness_close(&h);
}

/* Energy, cost and carbon by hand: 2 units, idle 100 W, peak 300 W, PUE 1.5; one job on 1 unit
 * for 3600 s, horizon 7200 s.
 *   IT energy = 1*300*3600 (busy unit, first hour) + 1*100*3600 (idle unit, first hour)
 *             + 2*100*3600 (both idle, second hour) = 1,080,000 + 360,000 + 720,000
 *             = 2,160,000 J;  facility E = 1.5 * 2,160,000 = 3,240,000 J.
 *   electricity at 0.1 /kWh = 0.1/3.6e6 /J: cost = 3.24e6 * 0.1 / 3.6e6 = 0.09.
 *   user price 2 /unit-hour = 2/3600 /(unit s): charge = 3600 unit s * 2/3600 = 2.
 *   carbon 0.5 kg/kWh = 0.5/3.6e6 kg/J: 3.24e6 * 0.5 / 3.6e6 = 0.45 kg.
 *   utilisation = 3600 / (2 * 7200) = 0.25. */
static void test_energy_cost_carbon_by_hand(void)
{
    static const struct job jobs[] = {{0, 0, 1, 3600, 3600}};
    struct cpn_center_spec spec;
    cpn_center_spec_init(&spec);
    spec.id = "hand";
    spec.pue = 1.5;
    spec.electricity_price = 0.1 / 3.6e6;
    spec.unit_price = 2.0 / 3600;
    spec.carbon_intensity = 0.5 / 3.6e6;
    static const uint32_t units[] = {2};
    struct harness h;
    harness_open(&h, &spec, units, 1, jobs, 1);
    CU_ASSERT(cpn_engine_run(h.eng, 7200) == CPN_OK);
    struct cpn_center_stats st;
    CU_ASSERT(cpn_center_stats(h.c, CPN_NONE, &st) == CPN_OK);
    CPN_ASSERT_REL(st.elapsed, 7200, EXACT);
    CPN_ASSERT_REL(st.it_energy, 2160000.0, SUM_TOL);
    CPN_ASSERT_REL(st.energy, 3240000.0, SUM_TOL);
    CPN_ASSERT_REL(st.electricity_cost, 0.09, SUM_TOL);
    CPN_ASSERT_REL(st.user_charge, 2.0, SUM_TOL);
    CPN_ASSERT_REL(st.carbon, 0.45, SUM_TOL);
    CPN_ASSERT_REL(st.utilisation, 0.25, SUM_TOL);
    CPN_ASSERT_REL(st.busy_unit_seconds, 3600, SUM_TOL);
    /* Read mid-job at 1800 s of a second identical center: integrates to the engine's time.
     * IT = 300*1800 + 100*1800 = 720,000 J, E = 1,080,000 J. */
    harness_close(&h);
    harness_open(&h, &spec, units, 1, jobs, 1);
    CU_ASSERT(cpn_engine_run(h.eng, 1800) == CPN_OK);
    CU_ASSERT(cpn_center_stats(h.c, 0, &st) == CPN_OK);
    CPN_ASSERT_REL(st.energy, 1080000.0, SUM_TOL);
    harness_close(&h);
    /* A tariff change at 3600 s (a timeline): the first hour's 2,160,000 J keep 0.1 CNY/kWh and
     * 0.5 kg/kWh (0.06 CNY, 0.3 kg); the second hour's 1,080,000 J (both units idle) get 0.3
     * CNY/kWh and 0.1 kg/kWh (0.09 CNY, 0.03 kg). */
    harness_open(&h, &spec, units, 1, jobs, 1);
    CU_ASSERT(cpn_engine_run(h.eng, 3600) == CPN_OK);
    CU_ASSERT(cpn_center_set_tariff(h.c, 0.3 / 3.6e6, 0.1 / 3.6e6) == CPN_OK);
    CU_ASSERT(cpn_center_set_tariff(h.c, -1, 0) == CPN_EINVAL);
    CU_ASSERT(cpn_engine_run(h.eng, 7200) == CPN_OK);
    CU_ASSERT(cpn_center_stats(h.c, CPN_NONE, &st) == CPN_OK);
    CPN_ASSERT_REL(st.energy, 3240000.0, SUM_TOL);
    CPN_ASSERT_REL(st.electricity_cost, 0.15, SUM_TOL);
    CPN_ASSERT_REL(st.carbon, 0.33, SUM_TOL);
    harness_close(&h);
}

/* Start estimates, one pool of 4 units, at t=1 with J0 (2u, wall 10) running since 0 and J1
 * (4u, wall 5) queued.  FCFS profile: J1 starts at 10 and holds all units until 15, so any new
 * request starts at 15.  EASY: a 1-unit request with walltime 3 ends by 4 <= shadow 10, so it
 * would start now (1); with walltime 100 it exceeds the shadow and extra is 0: 15. */
static void test_estimate_start_follows_queue(void)
{
    static const struct job jobs[] = {{0, 0, 2, 10, 10}, {0.5, 0, 4, 5, 5}};
    static const uint32_t units[] = {4};
    for (int d = 0; d < 2; d++) {
        struct cpn_center_spec spec;
        cpn_center_spec_init(&spec);
        spec.id = "estimate";
        spec.discipline = d ? CPN_QUEUE_EASY : CPN_QUEUE_FCFS;
        struct harness h;
        harness_open(&h, &spec, units, 1, jobs, 2);
        double t = -1;
        /* Empty center at 0: a request starts now. */
        CU_ASSERT(cpn_center_estimate_start(h.c, 0, 4, 1, 0, &t) == CPN_OK);
        CPN_ASSERT_REL(t, 0.0, EXACT);
        CU_ASSERT(cpn_engine_run(h.eng, 1) == CPN_OK);
        CU_ASSERT(cpn_center_estimate_start(h.c, 0, 1, 3, 1, &t) == CPN_OK);
        CPN_ASSERT_REL(t, d ? 1.0 : 15.0, EXACT);
        CU_ASSERT(cpn_center_estimate_start(h.c, 0, 1, 100, 1, &t) == CPN_OK);
        CPN_ASSERT_REL(t, 15.0, EXACT);
        CU_ASSERT(cpn_center_estimate_start(h.c, 0, 4, 100, 1, &t) == CPN_OK);
        CPN_ASSERT_REL(t, 15.0, EXACT);
        /* Submitted later (after a stage-in): at 12 it still waits for 15; at 20 it starts at
         * once (all units free after 15 in the profile). */
        CU_ASSERT(cpn_center_estimate_start(h.c, 0, 1, 3, 12, &t) == CPN_OK);
        CPN_ASSERT_REL(t, 15.0, EXACT);
        CU_ASSERT(cpn_center_estimate_start(h.c, 0, 4, 3, 20, &t) == CPN_OK);
        CPN_ASSERT_REL(t, 20.0, EXACT);
        CU_ASSERT(cpn_center_estimate_start(h.c, 0, 4, 3, 0.5, &t) == CPN_EINVAL); /* past */
        struct cpn_pool_state ps;
        CU_ASSERT(cpn_center_pool_state(h.c, 0, &ps) == CPN_OK);
        CU_ASSERT(ps.free_units == 2 && ps.queued == 1 && ps.running == 1 && ps.head == 1);
        CPN_ASSERT_REL(ps.queued_work, 4 * 5, EXACT);
        CPN_ASSERT_REL(ps.shadow_time, 10.0, EXACT);
        CU_ASSERT(ps.extra_units == 0);
        harness_close(&h);
    }
}

/* A request for more units than the pool has is refused with CPN_ERANGE and counted; so is an
 * estimate for it.  Every other documented error code of the API is provoked too. */
/* Start and end times of the GPU sharing test, by request id. */
static double share_start[8], share_end[8];

static int share_on_start(void *ctx, struct cpn_center *c, const struct cpn_request_event *ev)
{
    (void)ctx;
    (void)c;
    share_start[ev->id] = ev->start;
    return CPN_OK;
}

static int share_on_end(void *ctx, struct cpn_center *c, const struct cpn_request_event *ev)
{
    (void)ctx;
    (void)c;
    share_end[ev->id] = ev->end;
    return CPN_OK;
}

static void test_fractional_requests_pack_onto_shared_units_first_fit(void)
{
    /* A shareable pool of 2 GPUs (idle 100 W, peak 300 W), EASY, all submitted at 0 in this
     * order: A 0.5 GPU 100 s, B 0.6 GPU 200 s, C 0.5 GPU 100 s, D one whole GPU 50 s, E 0.3 GPU
     * 100 s.  By hand, first fit over the shared units: A takes a free GPU (shared unit 0,
     * 0.5 used), B does not fit there (1.1) and takes the other (unit 1, 0.6), C fits on unit
     * 0 (1.0); D needs a whole free GPU and none is left: it is the blocked head; E fits on
     * unit 1 (0.9) without taking a unit, so EASY backfills it at 0.  At 100 s A, C and E end,
     * unit 0 is free again and D starts; D ends at 150 s, B at 200 s.
     * Utilisation counts the fractions: [0, 100] 0.5 + 0.6 + 0.5 + 0.3 = 1.9 GPUs, [100, 150]
     * 1 + 0.6, [150, 200] 0.6: 190 + 80 + 30 = 300 GPU s.  Energy: a shared GPU draws its peak
     * (Assumption): 2 x 300 W over [0, 150], then 300 + 100 W: 90,000 + 20,000 = 110,000 J.
     * With shareable = 0 every request holds a whole GPU: A and B start at 0, C at 100. */
    for (int shareable = 1; shareable >= 0; shareable--) {
        struct cpn_engine *eng = cpn_engine_new();
        CU_ASSERT_FATAL(eng != NULL);
        struct cpn_center_spec spec;
        cpn_center_spec_init(&spec);
        spec.id = "gpus";
        spec.discipline = CPN_QUEUE_EASY;
        struct cpn_center_hooks hooks = {share_on_start, share_on_end, NULL};
        struct cpn_center *c = NULL;
        CU_ASSERT_FATAL(cpn_center_new(&spec, eng, &hooks, &c) == CPN_OK);
        struct cpn_pool_spec pool = {"gpu", 2, 1e14, 0, "gpu", 100, 300, shareable};
        CU_ASSERT_FATAL(cpn_center_add_pool(c, &pool, NULL) == CPN_OK);
        const struct cpn_request reqs[5] = {{0, 0, 1, 100, 100, 0.5},
                                            {1, 0, 1, 200, 200, 0.6},
                                            {2, 0, 1, 100, 100, 0.5},
                                            {3, 0, 1, 50, 50, 0},
                                            {4, 0, 1, 100, 100, 0.3}};
        for (int i = 0; i < 5; i++) {
            share_start[i] = share_end[i] = NAN;
            CU_ASSERT_FATAL(cpn_center_submit(c, &reqs[i]) == CPN_OK);
        }
        CU_ASSERT_FATAL(cpn_engine_run(eng, INFINITY) == CPN_OK);
        struct cpn_center_stats st;
        CU_ASSERT_FATAL(cpn_center_stats(c, 0, &st) == CPN_OK);
        if (shareable) {
            const double start[5] = {0, 0, 0, 100, 0}, end[5] = {100, 200, 100, 150, 100};
            for (int i = 0; i < 5; i++)
                CU_ASSERT(share_start[i] == start[i] && share_end[i] == end[i]);
            CU_ASSERT_DOUBLE_EQUAL(st.busy_unit_seconds, 300, 1e-9);
            CU_ASSERT_DOUBLE_EQUAL(st.it_energy, 110000, 1e-6);
            CU_ASSERT_DOUBLE_EQUAL(st.elapsed, 200, 0);
        } else {
            CU_ASSERT(share_start[0] == 0 && share_start[1] == 0 && share_start[2] == 100);
        }
        cpn_center_free(c);
        cpn_engine_free(eng);
    }
    /* One shared GPU: A 0.5 for 10 s makes it shared, C 0.5 for 100 s joins it, D (whole, 10 s)
     * waits.  When A ends the GPU is still shared by C, whose request took no unit: the
     * reservation walk and the start-time projection must still find the GPU, free when C ends
     * (100 s): D starts at 100 and ends at 110, and a new 10 s request estimated at 20 s
     * would start after D, at 110. */
    struct cpn_engine *eng = cpn_engine_new();
    CU_ASSERT_FATAL(eng != NULL);
    struct cpn_center_spec spec;
    cpn_center_spec_init(&spec);
    spec.id = "one";
    struct cpn_center_hooks hooks = {share_on_start, share_on_end, NULL};
    struct cpn_center *c = NULL;
    CU_ASSERT_FATAL(cpn_center_new(&spec, eng, &hooks, &c) == CPN_OK);
    struct cpn_pool_spec pool = {"gpu", 1, 1e14, 0, "gpu", 100, 300, 1};
    CU_ASSERT_FATAL(cpn_center_add_pool(c, &pool, NULL) == CPN_OK);
    const struct cpn_request reqs[3] = {
        {0, 0, 1, 10, 10, 0.5}, {1, 0, 1, 100, 100, 0.5}, {2, 0, 1, 10, 10, 0}};
    for (int i = 0; i < 3; i++) {
        share_start[i] = share_end[i] = NAN;
        CU_ASSERT_FATAL(cpn_center_submit(c, &reqs[i]) == CPN_OK);
    }
    CU_ASSERT_FATAL(cpn_engine_run(eng, 20) == CPN_OK);
    double at = NAN;
    CU_ASSERT(cpn_center_estimate_start(c, 0, 1, 10, 20, &at) == CPN_OK && at == 110);
    CU_ASSERT_FATAL(cpn_engine_run(eng, INFINITY) == CPN_OK);
    CU_ASSERT(share_end[0] == 10 && share_end[1] == 100);
    CU_ASSERT(share_start[2] == 100 && share_end[2] == 110);
    cpn_center_free(c);
    cpn_engine_free(eng);
}

/* Resize pool 0 of the center in ctx to arg units (test_a_pool_resized_...). */
static int resize_event(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    return cpn_center_set_pool_units(ctx, 0, (uint32_t)arg);
}

/* A center that never ran a request goes down before its first job (nothing running, nothing
 * ended: under the sanitizers of CI this once copied from an empty array without storage) and
 * comes back up.  J0 (t = 5, 2 of 4 units, run 10) arrives while it is down and waits; the center
 * comes up at 7 and J0 starts then: [7, 17]. */
static void test_a_center_down_before_its_first_job_holds_it_until_up(void)
{
    static const uint32_t units[] = {4};
    static const struct job jobs[] = {{5, 0, 2, 10, 10}};
    struct cpn_center_spec spec;
    cpn_center_spec_init(&spec);
    spec.id = "test";
    struct harness h;
    harness_open(&h, &spec, units, 1, jobs, 1);
    CU_ASSERT(cpn_center_set_up(h.c, 0) == CPN_OK);
    CU_ASSERT(!cpn_center_is_up(h.c));
    CU_ASSERT(cpn_center_set_up(h.c, 0) == CPN_OK); /* down again: no change */
    CU_ASSERT_FATAL(cpn_engine_run(h.eng, 7) == CPN_OK);
    CU_ASSERT(isnan(h.out[0].start)); /* arrived at 5, held */
    CU_ASSERT(cpn_center_set_up(h.c, 1) == CPN_OK);
    CU_ASSERT(cpn_center_is_up(h.c));
    CU_ASSERT_FATAL(cpn_engine_run(h.eng, INFINITY) == CPN_OK);
    CPN_ASSERT_REL(h.out[0].start, 7, EXACT);
    CPN_ASSERT_REL(h.out[0].end, 17, EXACT);
    CU_ASSERT(h.out[0].starts == 1 && h.out[0].ends == 1);
    CU_ASSERT(h.violations == 0);
    harness_close(&h);
}

static void test_a_pool_resized_gives_and_takes_units_without_preemption(void)
{
    /* 4 units (idle 100 W, peak 300 W), FCFS.  At 0: A (3 units, 100 s) starts, B (2 units,
     * 50 s) waits.  At 10 the pool shrinks to 2: its free unit goes at once, one of A's when A
     * ends.  At 100 A ends: 3 units back, 1 pays the shrink, 2 free: B starts, ends at 150.  A
     * request for 5 units at 120 is refused (the pool never had 5; one for 3 would wait).  At
     * 200 the pool grows to 6.
     * Read at 300.  By hand: units present 4 x 10 + 3 x 90 + 2 x 100 + 6 x 100 = 1,110
     * unit s; busy 3 x 100 + 2 x 50 = 400 unit s; IT energy (3 x 300 + 100) x 10 + 900 x 90 +
     * 600 x 50 + 200 x 50 + 600 x 100 = 191,000 J. */
    struct cpn_engine *eng = cpn_engine_new();
    CU_ASSERT_FATAL(eng != NULL);
    struct cpn_center_spec spec;
    cpn_center_spec_init(&spec);
    spec.id = "resize";
    spec.discipline = CPN_QUEUE_FCFS;
    struct cpn_center_hooks hooks = {share_on_start, share_on_end, NULL};
    struct cpn_center *c = NULL;
    CU_ASSERT_FATAL(cpn_center_new(&spec, eng, &hooks, &c) == CPN_OK);
    struct cpn_pool_spec pool = {"cpu", 4, 1e9, 0, "cpu", 100, 300, 0};
    CU_ASSERT_FATAL(cpn_center_add_pool(c, &pool, NULL) == CPN_OK);
    const struct cpn_request a = {0, 0, 3, 100, 100, 0}, b = {1, 0, 2, 50, 50, 0};
    share_start[0] = share_start[1] = NAN;
    CU_ASSERT_FATAL(cpn_center_submit(c, &a) == CPN_OK && cpn_center_submit(c, &b) == CPN_OK);
    static const struct cpn_handler resize = {resize_event, "test_resize", 0};
    CU_ASSERT_FATAL(cpn_engine_schedule(eng, 10, &resize, c, 2, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_engine_schedule(eng, 200, &resize, c, 6, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_engine_run(eng, 120) == CPN_OK);
    const struct cpn_request big = {2, 0, 5, 10, 10, 0};
    CU_ASSERT_EQUAL(cpn_center_submit(c, &big), CPN_ERANGE);
    CU_ASSERT_FATAL(cpn_engine_run(eng, 300) == CPN_OK);
    CU_ASSERT(share_start[0] == 0 && share_end[0] == 100);
    CU_ASSERT(share_start[1] == 100 && share_end[1] == 150);
    struct cpn_center_stats st;
    CU_ASSERT_FATAL(cpn_center_stats(c, 0, &st) == CPN_OK);
    CU_ASSERT_DOUBLE_EQUAL(st.capacity_unit_seconds, 1110, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(st.busy_unit_seconds, 400, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(st.it_energy, 191000, 1e-6);
    struct cpn_pool_state ps;
    CU_ASSERT(cpn_center_pool_state(c, 0, &ps) == CPN_OK && ps.units == 6 && ps.free_units == 6);
    CU_ASSERT_EQUAL(cpn_center_set_pool_units(c, 0, 0), CPN_EINVAL);
    cpn_center_free(c);
    cpn_engine_free(eng);
}

static void test_errors_are_reported(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    CU_ASSERT_FATAL(eng != NULL);
    struct cpn_center_spec spec;
    cpn_center_spec_init(&spec);
    struct cpn_center *c = NULL;
    CU_ASSERT(cpn_center_new(&spec, eng, NULL, &c) == CPN_ESCENARIO); /* no id */
    spec.id = "err";
    spec.pue = 0.9;
    CU_ASSERT(cpn_center_new(&spec, eng, NULL, &c) == CPN_ESCENARIO);
    CU_ASSERT(strstr(cpn_error_message(), "pue 0.9") != NULL);
    spec.pue = 1.2;
    spec.electricity_price = -1;
    CU_ASSERT(cpn_center_new(&spec, eng, NULL, &c) == CPN_ESCENARIO);
    spec.electricity_price = 0;
    spec.discipline = CPN_QUEUE_NDISCIPLINES;
    CU_ASSERT(cpn_center_new(&spec, eng, NULL, &c) == CPN_EINVAL);
    spec.discipline = CPN_QUEUE_EASY;
    CU_ASSERT(cpn_center_new(NULL, eng, NULL, &c) == CPN_EINVAL);
    CU_ASSERT(c == NULL);
    CU_ASSERT_FATAL(cpn_center_new(&spec, eng, NULL, &c) == CPN_OK);

    struct cpn_pool_spec pool = {"gpu", 0, 1e15, 8e10, "H100", 100, 700, 0};
    CU_ASSERT(cpn_center_add_pool(c, &pool, NULL) == CPN_ESCENARIO); /* 0 units */
    pool.units = 4;
    pool.idle_power = 800;
    CU_ASSERT(cpn_center_add_pool(c, &pool, NULL) == CPN_ESCENARIO); /* idle > peak */
    CU_ASSERT(strstr(cpn_error_message(), "pool \"gpu\"") != NULL);
    pool.idle_power = 100;
    CU_ASSERT(cpn_center_add_pool(c, NULL, NULL) == CPN_EINVAL);
    CU_ASSERT(cpn_center_add_pool(c, &pool, NULL) == CPN_OK);
    CU_ASSERT(strcmp(cpn_center_pool(c, 0)->accelerator, "H100") == 0);
    CU_ASSERT(cpn_center_pool(c, 1) == NULL);
    CU_ASSERT(cpn_center_npools(c) == 1);

    struct cpn_request big = {7, 0, 5, 10, 10, 0};
    CU_ASSERT(cpn_center_submit(c, &big) == CPN_ERANGE);
    CU_ASSERT(strstr(cpn_error_message(), "asks for 5 units, the pool has 4") != NULL);
    struct cpn_request bad_pool = {8, 1, 1, 10, 10, 0};
    CU_ASSERT(cpn_center_submit(c, &bad_pool) == CPN_ENOENT);
    struct cpn_request zero = {9, 0, 0, 10, 10, 0};
    CU_ASSERT(cpn_center_submit(c, &zero) == CPN_EINVAL);
    struct cpn_request nan_wall = {9, 0, 1, 10, NAN, 0};
    CU_ASSERT(cpn_center_submit(c, &nan_wall) == CPN_EINVAL);
    CU_ASSERT(cpn_center_submit(c, NULL) == CPN_EINVAL);
    struct cpn_center_stats st;
    CU_ASSERT(cpn_center_stats(c, CPN_NONE, &st) == CPN_OK);
    CU_ASSERT(st.rejected == 1 && st.submitted == 0);
    CU_ASSERT(cpn_center_stats(c, 3, &st) == CPN_ENOENT);
    CU_ASSERT(cpn_center_stats(c, 0, NULL) == CPN_EINVAL);

    double t;
    CU_ASSERT(cpn_center_estimate_start(c, 0, 5, 1, 0, &t) == CPN_ERANGE);
    CU_ASSERT(cpn_center_estimate_start(c, 0, 0, 1, 0, &t) == CPN_ERANGE);
    CU_ASSERT(cpn_center_estimate_start(c, 2, 1, 1, 0, &t) == CPN_ENOENT);
    CU_ASSERT(cpn_center_estimate_start(c, 0, 1, -1, 0, &t) == CPN_EINVAL);
    CU_ASSERT(cpn_center_estimate_start(c, 0, 1, 1, INFINITY, &t) == CPN_EINVAL);
    struct cpn_pool_state ps;
    CU_ASSERT(cpn_center_pool_state(c, 1, &ps) == CPN_ENOENT);
    CU_ASSERT(cpn_center_pool_state(c, 0, NULL) == CPN_EINVAL);

    struct cpn_request ok = {1, 0, 4, 10, 10, 0};
    CU_ASSERT(cpn_center_submit(c, &ok) == CPN_OK);
    CU_ASSERT(cpn_center_add_pool(c, &pool, NULL) == CPN_ESTATE); /* after a submission */
    CU_ASSERT(strcmp(cpn_center_kind_name(CPN_CENTER_AI), "ai") == 0);
    CU_ASSERT(cpn_center_kind_name(CPN_CENTER_NKINDS) == NULL);
    CU_ASSERT(strcmp(cpn_queue_discipline_name(CPN_QUEUE_EASY), "easy") == 0);
    /* Freeing with a running request cancels its end event on the engine. */
    cpn_center_free(c);
    CU_ASSERT(cpn_engine_pending(eng) == 0);
    cpn_center_free(NULL);
    cpn_engine_free(eng);
}

/* A callback that submits: each start of an even id submits id+1 to the same center (a
 * reentrant submission during a pass); every job must still start and end exactly once. */
struct chain {
    struct cpn_center *c;
    unsigned starts, ends;
};

static int chain_start(void *ctx, struct cpn_center *c, const struct cpn_request_event *ev)
{
    struct chain *ch = ctx;
    ch->starts++;
    if (ev->id % 2 == 0 && ev->id < 40) {
        struct cpn_request next = {ev->id + 1, 0, 1 + ev->id % 3, 5, 7, 0};
        return cpn_center_submit(c, &next);
    }
    return CPN_OK;
}

static int chain_end(void *ctx, struct cpn_center *c, const struct cpn_request_event *ev)
{
    struct chain *ch = ctx;
    ch->ends++;
    if (ev->id % 2 == 1 && ev->id < 40) {
        struct cpn_request next = {ev->id + 1, 0, 2, 3, 3, 0};
        return cpn_center_submit(c, &next);
    }
    return CPN_OK;
}

static void test_callbacks_may_submit(void)
{
    for (int d = 0; d < 2; d++) {
        struct cpn_engine *eng = cpn_engine_new();
        struct chain ch = {NULL, 0, 0};
        struct cpn_center_hooks hooks = {chain_start, chain_end, &ch};
        struct cpn_center_spec spec;
        cpn_center_spec_init(&spec);
        spec.id = "chain";
        spec.discipline = d ? CPN_QUEUE_EASY : CPN_QUEUE_FCFS;
        CU_ASSERT_FATAL(cpn_center_new(&spec, eng, &hooks, &ch.c) == CPN_OK);
        struct cpn_pool_spec pool = {"cpu", 3, 1e9, 1e9, NULL, 10, 20, 0};
        CU_ASSERT_FATAL(cpn_center_add_pool(ch.c, &pool, NULL) == CPN_OK);
        struct cpn_request first = {0, 0, 3, 4, 4, 0};
        CU_ASSERT(cpn_center_submit(ch.c, &first) == CPN_OK);
        CU_ASSERT(cpn_engine_run(eng, INFINITY) == CPN_OK);
        /* ids 0..40: 0 starts -> 1 submitted; 1 ends -> 2 submitted; ... 40 ends the chain. */
        CU_ASSERT(ch.starts == 41 && ch.ends == 41);
        cpn_center_free(ch.c);
        cpn_engine_free(eng);
    }
}

/* Open-ended requests (runtime INFINITY) end when the owner says so.  Pool of 2 units, EASY:
 * O0 (2u, open-ended, walltime 10) starts at 0; J1 (1u, run 3, wall 3) queues behind it.  A timer
 * finishes O0 at 4 (through its handle): J1 starts at 4 and ends at 7.  O2 (2u, open-ended,
 * walltime 5) starts at 7 and is never finished by the owner: the limit kills it at 12.  A
 * handle after its request's end (O2's) is ENOENT. */
struct open_case {
    struct cpn_engine *eng;
    struct cpn_center *c;
    uint32_t handle[3];
    double start[3], end[3];
    int killed[3];
};

static int open_start(void *ctx, struct cpn_center *c, const struct cpn_request_event *ev)
{
    struct open_case *o = ctx;
    (void)c;
    o->handle[ev->id] = ev->handle;
    o->start[ev->id] = ev->start;
    return CPN_OK;
}

static int open_end(void *ctx, struct cpn_center *c, const struct cpn_request_event *ev)
{
    struct open_case *o = ctx;
    o->end[ev->id] = ev->end;
    o->killed[ev->id] = ev->killed;
    if (ev->id == 1) {
        struct cpn_request r2 = {2, 0, 2, INFINITY, 5, 0};
        return cpn_center_submit(c, &r2);
    }
    return CPN_OK;
}

static int open_finish(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    (void)arg;
    struct open_case *o = ctx;
    return cpn_center_finish(o->c, o->handle[0]);
}

static void test_open_ended_requests_end_when_the_owner_says(void)
{
    static const struct cpn_handler finish_handler = {open_finish, "test_finish", 0};
    struct open_case o = {0};
    o.eng = cpn_engine_new();
    struct cpn_center_hooks hooks = {open_start, open_end, &o};
    struct cpn_center_spec spec;
    cpn_center_spec_init(&spec);
    spec.id = "open";
    CU_ASSERT_FATAL(cpn_center_new(&spec, o.eng, &hooks, &o.c) == CPN_OK);
    struct cpn_pool_spec pool = {"gpu", 2, 1e12, 0, NULL, 0, 0, 0};
    CU_ASSERT_FATAL(cpn_center_add_pool(o.c, &pool, NULL) == CPN_OK);
    struct cpn_request r0 = {0, 0, 2, INFINITY, 10, 0}, r1 = {1, 0, 1, 3, 3, 0};
    CU_ASSERT(cpn_center_submit(o.c, &r0) == CPN_OK);
    CU_ASSERT(cpn_center_submit(o.c, &r1) == CPN_OK);
    CU_ASSERT(cpn_engine_schedule(o.eng, 4, &finish_handler, &o, 0, NULL) == CPN_OK);
    CU_ASSERT(cpn_engine_run(o.eng, INFINITY) == CPN_OK);
    CPN_ASSERT_REL(o.end[0], 4.0, EXACT);
    CU_ASSERT_EQUAL(o.killed[0], 0);
    CPN_ASSERT_REL(o.start[1], 4.0, EXACT);
    CPN_ASSERT_REL(o.end[1], 7.0, EXACT);
    CPN_ASSERT_REL(o.start[2], 7.0, EXACT);
    CPN_ASSERT_REL(o.end[2], 12.0, EXACT);
    CU_ASSERT_EQUAL(o.killed[2], 1);
    CU_ASSERT_EQUAL(cpn_center_finish(o.c, o.handle[2]), CPN_ENOENT);
    cpn_center_free(o.c);
    cpn_engine_free(o.eng);
}

/* An independent, naive replay used as the reference: at every event (arrival first on equal
 * times, then the earliest end) it runs the textbook pass from scratch (Mu'alem & Feitelson
 * 2001, §2): start queued jobs in order while the first fits; then for EASY sort the running
 * jobs by expected end, find the shadow time and extra units, and scan the rest of the queue.
 * O(n (q + r log r)); it shares no code with the center.  Writes the start times. */
struct naive_running {
    double expected_end, end; /* [s] */
    uint32_t units;
};

static int naive_cmp(const void *a, const void *b)
{
    double x = ((const struct naive_running *)a)->expected_end;
    double y = ((const struct naive_running *)b)->expected_end;
    return (x > y) - (x < y);
}

static void naive_pass(const struct job *jobs, size_t *queue, size_t *nq, struct naive_running *run,
                       size_t *nr, uint32_t *free_units, double now, int easy, double *starts)
{
    size_t q = 0;
    for (; q < *nq && jobs[queue[q]].units <= *free_units; q++) {
        const struct job *j = &jobs[queue[q]];
        starts[queue[q]] = now;
        *free_units -= j->units;
        run[(*nr)++] = (struct naive_running){now + j->walltime,
                                              now + fmin(j->runtime, j->walltime), j->units};
    }
    memmove(queue, queue + q, (*nq - q) * sizeof *queue);
    *nq -= q;
    if (*nq == 0 || !easy)
        return;
    qsort(run, *nr, sizeof *run, naive_cmp);
    uint32_t avail = *free_units, need = jobs[queue[0]].units;
    size_t k = 0;
    while (avail < need)
        avail += run[k++].units;
    double shadow = run[k - 1].expected_end;
    for (; k < *nr && run[k].expected_end == shadow; k++)
        avail += run[k].units;
    uint32_t extra = avail - need;
    size_t kept = 1;
    for (size_t i = 1; i < *nq; i++) {
        const struct job *j = &jobs[queue[i]];
        int ok = j->units <= *free_units && (now + j->walltime <= shadow || j->units <= extra);
        if (!ok) {
            queue[kept++] = queue[i];
            continue;
        }
        if (!(now + j->walltime <= shadow))
            extra -= j->units;
        starts[queue[i]] = now;
        *free_units -= j->units;
        run[(*nr)++] = (struct naive_running){now + j->walltime,
                                              now + fmin(j->runtime, j->walltime), j->units};
    }
    *nq = kept;
}

/* Per instant, as a batch scheduler: at each time t, every job ending at t frees its units,
 * then a pass; then each job submitted at t joins the queue, each followed by a pass. */
static void naive_replay(const struct job *jobs, size_t n, uint32_t units, int easy, double *starts)
{
    size_t *queue = malloc(n * sizeof *queue), nq = 0, nr = 0, next = 0;
    struct naive_running *run = malloc(n * sizeof *run);
    CU_ASSERT_FATAL(queue && run);
    uint32_t free_units = units;
    while (next < n || nr > 0) {
        double now = next < n ? jobs[next].submit : INFINITY;
        for (size_t k = 0; k < nr; k++)
            now = fmin(now, run[k].end);
        size_t ended = 0;
        for (size_t k = 0; k < nr;)
            if (run[k].end == now) {
                free_units += run[k].units;
                run[k] = run[--nr];
                ended++;
            } else {
                k++;
            }
        if (ended)
            naive_pass(jobs, queue, &nq, run, &nr, &free_units, now, easy, starts);
        for (; next < n && jobs[next].submit == now; next++) {
            queue[nq++] = next;
            naive_pass(jobs, queue, &nq, run, &nr, &free_units, now, easy, starts);
        }
    }
    free(queue);
    free(run);
}

/* Invariants over a random workload (fixed seed): 3000 jobs on 64 units, Poisson arrivals,
 * units 2^U(0..6), exponential runtimes, walltime = runtime x U(0.5, 3) (so about one job in
 * five is killed at its limit), some runtimes 0.  Checked in the callbacks: units in use never
 * exceed the pool, no start before submit or after the head's reservation; at the end every job
 * started and ended exactly once, FCFS started jobs in submission order, and the center's busy
 * unit-seconds equal the sum of units x (end - start) of the jobs; and the start times equal
 * those of the naive reference replay above. */
static void check_random(enum cpn_queue_discipline discipline, int exact_walltimes,
                         int whole_seconds)
{
    enum { N = 3000 };
    static struct job jobs[N];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    CU_ASSERT_FATAL(rng != NULL);
    gsl_rng_set(rng, 20261121);
    double t = 0;
    for (size_t i = 0; i < N; i++) {
        t += gsl_ran_exponential(rng, 60.0);
        jobs[i].submit = t;
        jobs[i].pool = 0;
        jobs[i].units = 1u << gsl_rng_uniform_int(rng, 7);
        jobs[i].runtime = gsl_rng_uniform(rng) < 0.02 ? 0 : gsl_ran_exponential(rng, 1200.0);
        jobs[i].walltime = jobs[i].runtime * gsl_ran_flat(rng, 0.5, 3.0);
        if (exact_walltimes)
            jobs[i].walltime = jobs[i].runtime;
        if (whole_seconds) { /* as in workload logs: many ends and arrivals share an instant */
            jobs[i].submit = floor(t / 60) * 60;
            jobs[i].runtime = 60 * round(jobs[i].runtime / 60);
            jobs[i].walltime = 60 * ceil(jobs[i].walltime / 60);
        }
    }
    gsl_rng_free(rng);
    static const uint32_t units[] = {64};
    struct harness h;
    run_jobs(&h, discipline, CPN_WALLTIME_KILL, units, 1, jobs, N);
    unsigned order = 0, duration = 0;
    for (size_t i = 0; i < N; i++) {
        if (discipline == CPN_QUEUE_FCFS && i > 0 && h.out[i].start < h.out[i - 1].start)
            order++;
        double run = fmin(jobs[i].runtime, jobs[i].walltime);
        if (h.out[i].end != h.out[i].start + run ||
            h.out[i].killed != (jobs[i].runtime > jobs[i].walltime))
            duration++;
    }
    CU_ASSERT(order == 0);
    CU_ASSERT(duration == 0);
    /* The same schedule as the naive reference, start for start. */
    static double naive[N];
    naive_replay(jobs, N, units[0], discipline == CPN_QUEUE_EASY, naive);
    unsigned differ = 0;
    for (size_t i = 0; i < N; i++)
        differ += h.out[i].start != naive[i];
    CU_ASSERT(differ == 0);
    /* FCFS with exact walltimes: later submissions never move an earlier job, so the estimate
     * made at submission is the actual start, exactly. */
    if (discipline == CPN_QUEUE_FCFS && exact_walltimes) {
        unsigned estimates = 0;
        for (size_t i = 0; i < N; i++)
            estimates += h.out[i].estimate != h.out[i].start;
        CU_ASSERT(estimates == 0);
    }
    struct cpn_center_stats st;
    CU_ASSERT(cpn_center_stats(h.c, CPN_NONE, &st) == CPN_OK);
    CPN_ASSERT_REL(st.busy_unit_seconds, h.busy_unit_seconds, SUM_TOL);
    CU_ASSERT(st.started == N && st.completed + st.killed == N);
    if (discipline == CPN_QUEUE_EASY)
        CU_ASSERT(st.backfilled > 0); /* the workload is busy enough to backfill */
    harness_close(&h);
}

static void test_random_workload_invariants_fcfs(void)
{
    check_random(CPN_QUEUE_FCFS, 0, 0);
}

static void test_random_workload_invariants_easy(void)
{
    check_random(CPN_QUEUE_EASY, 0, 0);
}

static void test_fcfs_estimate_is_exact_with_exact_walltimes(void)
{
    check_random(CPN_QUEUE_FCFS, 1, 0);
    check_random(CPN_QUEUE_EASY, 1, 0); /* the invariants and the reference, with no kills */
}

/* Whole minutes, as in workload logs: ends and arrivals share instants, and the schedule still
 * equals the per-instant reference start for start (before ends were batched, a backfill
 * candidate could start between two ends of one instant, ahead of the head). */
static void test_simultaneous_ends_and_arrivals_are_one_instant(void)
{
    check_random(CPN_QUEUE_FCFS, 0, 1);
    check_random(CPN_QUEUE_EASY, 0, 1);
}

/* Full replay of SDSC-SP2 (59,715 jobs, 128 processors) with the same invariants.  Jobs with
 * an unknown runtime are skipped; an unknown walltime is taken as the runtime (a perfect
 * estimate).  Assumption of the test only; the job layer decides this for real runs. */
static void check_swf(enum cpn_queue_discipline discipline)
{
    const char *path = cpn_test_datapath("traces/swf/SDSC-SP2-1998-4.2-cln.swf.gz");
    if (!path) {
        cpn_test_skip("traces/swf/SDSC-SP2-1998-4.2-cln.swf.gz absent");
        return;
    }
    struct cpn_diag diag;
    cpn_diag_init(&diag, NULL);
    struct cpn_wlog *tr = NULL;
    CU_ASSERT_FATAL(cpn_wlog_read(path, CPN_WLOG_SWF, NULL, &diag, &tr) == CPN_OK);
    CU_ASSERT(tr->njobs == 59715 - 5681); /* the jobs cancelled before they ran are skipped */
    struct job *jobs = calloc(tr->njobs, sizeof *jobs);
    CU_ASSERT_FATAL(jobs != NULL);
    size_t n = 0;
    for (size_t i = 0; i < tr->njobs; i++) {
        const struct cpn_wlog_job *tj = &tr->jobs[i];
        if (!(tj->runtime >= 0))
            continue;
        jobs[n++] = (struct job){tj->submit, 0, tj->units, tj->runtime,
                                 tj->walltime >= 0 ? tj->walltime : tj->runtime};
    }
    cpn_wlog_free(tr);
    static const uint32_t units[] = {128};
    struct harness h;
    run_jobs(&h, discipline, CPN_WALLTIME_KILL, units, 1, jobs, n);
    CU_ASSERT(h.rejected == 0); /* SDSC-SP2 has 128 processors: every job fits */
    struct cpn_center_stats st;
    CU_ASSERT(cpn_center_stats(h.c, CPN_NONE, &st) == CPN_OK);
    CU_ASSERT(st.started == n && st.completed + st.killed == n);
    CPN_ASSERT_REL(st.busy_unit_seconds, h.busy_unit_seconds, SUM_TOL);
    CU_ASSERT(st.utilisation > 0 && st.utilisation <= 1);
    /* Start for start the per-instant reference (SWF times are whole seconds: ends and
     * arrivals share instants all the time). */
    double *naive = malloc(n * sizeof *naive);
    CU_ASSERT_FATAL(naive != NULL);
    naive_replay(jobs, n, units[0], discipline == CPN_QUEUE_EASY, naive);
    size_t differ = 0;
    for (size_t i = 0; i < n; i++)
        differ += h.out[i].start != naive[i];
    CU_ASSERT(differ == 0);
    free(naive);
    harness_close(&h);
    free(jobs);
}

static void test_swf_replay_invariants_fcfs(void)
{
    check_swf(CPN_QUEUE_FCFS);
}

static void test_swf_replay_invariants_easy(void)
{
    check_swf(CPN_QUEUE_EASY);
}

/* Two simultaneous ends and a backfill candidate, one pool of 4 units, EASY (kill):
 *   J0 t=0 2u run 10 wall 10, J1 t=0 2u run 10 wall 20: both start at 0 and end at 10.
 *   J2 t=1 4u run 5 wall 5: blocked head; shadow 20 (J1's expected end), extra 0.
 *   J3 t=2 2u run 8 wall 8: no unit free.
 * Per instant (now): at 10 both ends free 4 units, J2 starts [10, 15], then J3 [15, 23].
 * One end at a time (before): J0's end frees 2 units, J2 still waits (shadow 20), and J3 ends
 * by 18 <= 20, so it backfilled at 10 into J0's units; J1's end then left J2 waiting until
 * J3's end at 18 — the head delayed by a job submitted after it. */
static void test_two_simultaneous_ends_start_the_head_before_a_backfill(void)
{
    static const struct job set[] = {
        {0, 0, 2, 10, 10}, {0, 0, 2, 10, 20}, {1, 0, 4, 5, 5}, {2, 0, 2, 8, 8}};
    static const double expected[][2] = {{0, 10}, {0, 10}, {10, 15}, {15, 23}};
    expect_schedule(CPN_QUEUE_EASY, 4, set, 4, expected);
}

int cpn_test_register_center(void)
{
    CU_pSuite s = CU_add_suite("center", NULL, NULL);
    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "fractional requests pack onto shared units, first fit; EASY backfills",
                     test_fractional_requests_pack_onto_shared_units_first_fit) ||
        !CU_add_test(s, "a pool resized gives and takes units without preemption",
                     test_a_pool_resized_gives_and_takes_units_without_preemption) ||
        !CU_add_test(s, "two simultaneous ends start the head before a backfill candidate",
                     test_two_simultaneous_ends_start_the_head_before_a_backfill) ||
        !CU_add_test(s, "simultaneous ends and arrivals are one instant, as the reference",
                     test_simultaneous_ends_and_arrivals_are_one_instant) ||
        !CU_add_test(s, "EASY refuses a backfill that would delay the head's reservation",
                     test_easy_refuses_backfill_that_delays_head) ||
        !CU_add_test(s, "FCFS never backfills (same job set)", test_fcfs_never_backfills) ||
        !CU_add_test(s, "EASY backfills the one request that fits deep in a long queue",
                     test_easy_backfills_deep_in_a_long_queue) ||
        !CU_add_test(s, "a withdrawn head lets the queue behind it start",
                     test_a_withdrawn_head_lets_the_queue_behind_it_start) ||
        !CU_add_test(s, "EASY backfills a long job that uses only extra units",
                     test_easy_backfills_long_job_on_extra_units) ||
        !CU_add_test(s, "EASY lends the extra units only once in a pass",
                     test_easy_lends_extra_units_once) ||
        !CU_add_test(s, "FCFS on the extra-units set starts jobs in order",
                     test_fcfs_on_extra_units_set) ||
        !CU_add_test(s, "a 4-unit gang job waits until 4 units are free",
                     test_gang_job_waits_for_all_units) ||
        !CU_add_test(s, "pools have independent queues and reservations",
                     test_pools_have_independent_queues) ||
        !CU_add_test(s, "walltime limit kills (or extends) and runtime 0 is valid",
                     test_walltime_limit_kills_or_extends) ||
        !CU_add_test(s,
                     "a request without walltime estimate is never killed and blocks "
                     "reservations",
                     test_request_without_estimate) ||
        !CU_add_test(s, "energy, cost and carbon match the hand computation",
                     test_energy_cost_carbon_by_hand) ||
        !CU_add_test(s, "open-ended requests end when the owner says, or at the walltime limit",
                     test_open_ended_requests_end_when_the_owner_says) ||
        !CU_add_test(s, "start estimate follows the queue profile",
                     test_estimate_start_follows_queue) ||
        !CU_add_test(s,
                     "oversized requests are rejected with CPN_ERANGE and counted; all "
                     "error codes",
                     test_errors_are_reported) ||
        !CU_add_test(s, "callbacks may submit requests reentrantly", test_callbacks_may_submit) ||
        !CU_add_test(s, "a center down before its first job holds it until it is up",
                     test_a_center_down_before_its_first_job_holds_it_until_up) ||
        !CU_add_test(s, "random workload invariants hold under FCFS",
                     test_random_workload_invariants_fcfs) ||
        !CU_add_test(s, "random workload invariants hold under EASY",
                     test_random_workload_invariants_easy) ||
        !CU_add_test(s, "FCFS start estimate equals the actual start with exact walltimes",
                     test_fcfs_estimate_is_exact_with_exact_walltimes) ||
        !CU_add_test(s, "SDSC-SP2 replay invariants hold under FCFS",
                     test_swf_replay_invariants_fcfs) ||
        !CU_add_test(s, "SDSC-SP2 replay invariants hold under EASY",
                     test_swf_replay_invariants_easy))
        return CU_get_error();
    return CUE_SUCCESS;
}
