/* Suite "summary": end-of-run metrics (output/summary.h) from hand-made records. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_rstat.h>

#include "output/atomic.h"
#include "output/summary.h"
#include "tests/unit/suites.h"

/* Relative tolerance of hand-computed values: they are exact to ~1e-15 in double, and written
 * below with 9-10 significant digits. */
#define TOL 1e-8

static const char *const kinds[] = {"batch", "ai"};
static const struct cpn_run_center centers[] = {{"c0", "ai", 0, 40, 1.1}};
static const struct cpn_run_pool pools[] = {{0, 10, 1e12, 1e9, 50, 300},
                                            {0, 30, 1e12, 1e9, 50, 300}};

static struct cpn_run_info info(void)
{
    return (struct cpn_run_info){.job_kinds = kinds,
                                 .n_job_kinds = 2,
                                 .centers = centers,
                                 .n_centers = 1,
                                 .pools = pools,
                                 .n_pools = 2,
                                 .currency = "CNY",
                                 .n_links = 1};
}

/* Five done batch jobs, given out of order: JCT {40, 10, 100, 30, 20} s, wait = JCT / 10. */
static void feed_jobs(const struct cpn_observer *o)
{
    static const double jct[] = {40, 10, 100, 30, 20};
    static const int8_t slo[] = {1, 0, 1, -1, 1};
    for (uint32_t i = 0; i < 5; i++) {
        double w = jct[i] / 10;
        struct cpn_job_record r = {.submit = 0,
                                   .start = w,
                                   .end = jct[i],
                                   .wait = w,
                                   .staleness = i < 2 ? 0.1 * (i + 1) : NAN,
                                   .id = i,
                                   .center = 0,
                                   .units = 1,
                                   .kind = 0,
                                   .state = CPN_JOB_DONE,
                                   .slo_met = slo[i]};
        CU_ASSERT_EQUAL(cpn_observe_job_end(o, &r), CPN_OK);
    }
    struct cpn_job_record rej = {.submit = 5,
                                 .start = NAN,
                                 .end = 5,
                                 .wait = NAN,
                                 .staleness = NAN,
                                 .id = 5,
                                 .center = CPN_NONE,
                                 .kind = 0,
                                 .state = CPN_JOB_REJECTED,
                                 .slo_met = -1};
    struct cpn_job_record fail = {.submit = 1,
                                  .start = 2,
                                  .end = 3,
                                  .wait = 1,
                                  .staleness = 0.3,
                                  .id = 6,
                                  .center = 0,
                                  .kind = 1,
                                  .state = CPN_JOB_FAILED,
                                  .slo_met = 0};
    CU_ASSERT_EQUAL(cpn_observe_job_end(o, &rej), CPN_OK);
    CU_ASSERT_EQUAL(cpn_observe_job_end(o, &fail), CPN_OK);
}

static void feed_rest(const struct cpn_observer *o)
{
    for (int i = 1; i <= 4; i++) { /* FCT i s, 100 i B */
        struct cpn_flow_record f = {.start = 10, .end = 10 + i, .bytes = 100.0 * i};
        CU_ASSERT_EQUAL(cpn_observe_flow_end(o, &f), CPN_OK);
    }
    for (int i = 1; i <= 3; i++) {
        struct cpn_request_record q = {.time = i, .latency = 0.01 * i, .slo_met = i < 3};
        CU_ASSERT_EQUAL(cpn_observe_request_end(o, &q), CPN_OK);
    }
    float l1[2] = {0.2f, 0.4f}, l2[2] = {0.4f, 0.8f}, c1[1] = {0.5f}, c2[1] = {1.0f};
    CU_ASSERT_EQUAL(cpn_observe_sample(o, 0, l1, 2, c1, 1, NULL, 0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_observe_sample(o, 300, l2, 2, c2, 1, NULL, 0), CPN_OK);
}

static struct cpn_summary *make(int with_totals)
{
    struct cpn_summary *s = NULL;
    CU_ASSERT_EQUAL_FATAL(cpn_summary_new(&s), CPN_OK);
    struct cpn_observer o;
    cpn_summary_observer(s, &o);
    struct cpn_run_info in = info();
    CU_ASSERT_EQUAL(cpn_observe_begin(&o, &in), CPN_OK);
    feed_jobs(&o);
    feed_rest(&o);
    double busy[2] = {500, 1500}, energy[1] = {3.6e9}, cost[1] = {120}, carbon[1] = {350};
    double charge[1] = {80};
    uint64_t submitted[2] = {8, 2}; /* batch, ai */
    struct cpn_run_totals t = {.time_end = 100,
                               .events = 1234,
                               .pool_busy = busy,
                               .n_pools = 2,
                               .center_energy = energy,
                               .center_cost = cost,
                               .center_carbon = carbon,
                               .center_charge = charge,
                               .n_centers = 1,
                               .job_submitted = submitted,
                               .n_job_kinds = 2,
                               .wlog_skipped = 4,
                               .decisions = 10,
                               .conflicts = 2,
                               .have_decisions = 1};
    CU_ASSERT_EQUAL(cpn_observe_end(&o, 1, with_totals ? &t : NULL), CPN_OK);
    return s;
}

static void test_job_percentiles_match_hand_sorted_values(void)
{
    struct cpn_summary *s = make(1);
    /* Sorted JCT {10, 20, 30, 40, 100}; GSL interpolates at index (n-1) f = 4 f:
     * p50 -> x[2] = 30; p95 -> x[3] + 0.8 (x[4] - x[3]) = 40 + 48 = 88;
     * p99 -> 40 + 0.96 * 60 = 97.6; mean 200 / 5 = 40. */
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.jct.mean"), 40.0, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.jct.p50"), 30.0, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.jct.p95"), 88.0, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.jct.p99"), 97.6, TOL);
    /* Wait = JCT / 10: sorted {1, 2, 3, 4, 10}: mean 4, p95 4 + 0.8 * 6 = 8.8. */
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.wait.mean"), 4.0, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.wait.p95"), 8.8, TOL);
    /* BSLD = max(1, JCT / max(run, 10)) with run = 0.9 JCT:
     * JCT 10: run 9 < tau -> 10/10 = 1;  JCT 20, 30, 40: 1/0.9 = 1.111111111;  JCT 100: 1/0.9 too.
     * All but the first are 1/0.9; sorted {1, 1/0.9 x4}: mean (1 + 4/0.9)/5 = 1.088888889,
     * p50 = 1/0.9. */
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.bsld.mean"), (1 + 4 / 0.9) / 5, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.bsld.p50"), 1 / 0.9, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.bsld.p99"), 1 / 0.9, TOL);
    cpn_summary_free(s);
}

static void test_counts_and_slo_violation_rate_per_kind_and_overall(void)
{
    struct cpn_summary *s = make(1);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.batch.count"), 6);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.batch.completed"), 5);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.batch.rejected"), 1);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.ai.failed"), 1);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.all.count"), 7);
    /* Submitted from the totals: batch 8 (6 ended: unfinished 2), ai 2 (1 ended: 1), all 10
     * (7 ended: 3); records skipped when a workload log was read: 4. */
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.batch.submitted"), 8);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.batch.unfinished"), 2);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.ai.unfinished"), 1);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.all.submitted"), 10);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.all.unfinished"), 3);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.all.skipped.unknown_runtime"), 4);
    /* Decisions from the totals: 2 conflicts in 10 placements. */
    CU_ASSERT_EQUAL(cpn_summary_value(s, "decision.count"), 10);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "decision.conflicts"), 2);
    CPN_ASSERT_REL(cpn_summary_value(s, "decision.conflict_rate"), 0.2, TOL);
    /* batch SLOs {1, 0, 1, n/a, 1} and the rejected job n/a: 1 violated of 4 known. */
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.slo_violation_rate"), 0.25, TOL);
    /* all: the failed ai job violated too: 2 of 5. */
    CPN_ASSERT_REL(cpn_summary_value(s, "job.all.slo_violation_rate"), 0.4, TOL);
    /* ai has no done job: its JCT statistics are undefined. */
    CU_ASSERT(isnan(cpn_summary_value(s, "job.ai.jct.mean")));
    /* Requests: latencies {0.01, 0.02, 0.03} s, SLOs {1, 1, 0}. */
    CPN_ASSERT_REL(cpn_summary_value(s, "request.latency.mean"), 0.02, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "request.slo_violation_rate"), 1.0 / 3, TOL);
    /* Staleness {0.1, 0.2, 0.3}: mean 0.2, p95 = 0.2 + 0.9 * 0.1 = 0.29, max 0.3. */
    CPN_ASSERT_REL(cpn_summary_value(s, "decision.staleness.mean"), 0.2, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "decision.staleness.p95"), 0.29, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "decision.staleness.max"), 0.3, TOL);
    CU_ASSERT(isnan(cpn_summary_value(s, "no.such.metric")));
    cpn_summary_free(s);
}

/* docs/metrics.md: wait and bsld cover every job that executed (start finite), killed at the
 * walltime (state failed) included; JCT covers done jobs; a transfer-only job (no start) has a
 * JCT but no bsld (before, its run time NaN made max(NaN, 10 s) = 10 s its divisor). */
static void test_wait_and_bsld_cover_every_executed_job(void)
{
    static const char *const two[] = {"batch", "ingest"};
    struct cpn_summary *s = NULL;
    CU_ASSERT_EQUAL_FATAL(cpn_summary_new(&s), CPN_OK);
    struct cpn_observer o;
    cpn_summary_observer(s, &o);
    struct cpn_run_info in = {.job_kinds = two, .n_job_kinds = 2};
    CU_ASSERT_EQUAL(cpn_observe_begin(&o, &in), CPN_OK);
    /* batch, done: submit 0, start 0, end 100: wait 0, bsld max(1, 100 / 100) = 1, JCT 100.
     * batch, killed at its walltime: submit 0, start 20, end 30: wait 20,
     *   bsld max(1, 30 / max(10, 10)) = 3, no JCT.
     * ingest, done, never executed on units: submit 0, end 50: JCT 50, no wait, no bsld. */
    struct cpn_job_record r[3] = {{.submit = 0,
                                   .start = 0,
                                   .end = 100,
                                   .wait = 0,
                                   .staleness = NAN,
                                   .id = 0,
                                   .kind = 0,
                                   .state = CPN_JOB_DONE,
                                   .slo_met = -1},
                                  {.submit = 0,
                                   .start = 20,
                                   .end = 30,
                                   .wait = 20,
                                   .staleness = NAN,
                                   .id = 1,
                                   .kind = 0,
                                   .state = CPN_JOB_FAILED,
                                   .slo_met = -1},
                                  {.submit = 0,
                                   .start = NAN,
                                   .end = 50,
                                   .wait = NAN,
                                   .staleness = NAN,
                                   .ideal_transfer = 20,
                                   .id = 2,
                                   .kind = 1,
                                   .state = CPN_JOB_DONE,
                                   .slo_met = -1}};
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(cpn_observe_job_end(&o, &r[i]), CPN_OK);
    CU_ASSERT_EQUAL(cpn_observe_end(&o, 1, NULL), CPN_OK);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.wait.mean"), 10.0, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.bsld.mean"), 2.0, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.jct.mean"), 100.0, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.ingest.jct.mean"), 50.0, TOL);
    CU_ASSERT(isnan(cpn_summary_value(s, "job.ingest.bsld.mean")));
    CU_ASSERT(isnan(cpn_summary_value(s, "job.ingest.wait.mean")));
    /* Its transfer slowdown instead: JCT 50 s over its ideal transfer time 20 s = 2.5. */
    CPN_ASSERT_REL(cpn_summary_value(s, "job.ingest.transfer_slowdown.mean"), 2.5, TOL);
    CU_ASSERT(isnan(cpn_summary_value(s, "job.batch.transfer_slowdown.mean")));
    /* all: bsld {1, 3} (the ingest job adds none), JCT {100, 50}. */
    CPN_ASSERT_REL(cpn_summary_value(s, "job.all.bsld.mean"), 2.0, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.all.jct.mean"), 75.0, TOL);
    cpn_summary_free(s);
    /* The shared fixture: its failed ai job (submit 1, start 2, end 3, wait 1) executed:
     * ai wait {1}, bsld max(1, 2 / 10) = 1; all waits {1, 2, 3, 4, 10} + {1}: mean 21 / 6. */
    s = make(1);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.ai.wait.mean"), 1.0, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.ai.bsld.mean"), 1.0, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.all.wait.mean"), 3.5, TOL);
    cpn_summary_free(s);
}

static void test_network_and_center_metrics(void)
{
    struct cpn_summary *s = make(1);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "net.flows"), 4);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "net.bytes"), 1000);      /* 100 + 200 + 300 + 400 */
    CPN_ASSERT_REL(cpn_summary_value(s, "net.fct.p50"), 2.5, TOL); /* {1,2,3,4} at 1.5 */
    /* Link directions: mean of two samples {0.2, 0.4} -> 0.3 and {0.4, 0.8} -> 0.6 (float
     * inputs: tolerance 1e-6).  mean 0.45, p95 = 0.3 + 0.95 * 0.3 = 0.585, max 0.6. */
    CPN_ASSERT_REL(cpn_summary_value(s, "net.link_util.mean"), 0.45, 1e-6);
    CPN_ASSERT_REL(cpn_summary_value(s, "net.link_util.p95"), 0.585, 1e-6);
    CPN_ASSERT_REL(cpn_summary_value(s, "net.link_util.max"), 0.6, 1e-6);
    /* Pools: 500 unit s / (10 units x 100 s) = 0.5; 1500 / (30 x 100) = 0.5; center 2000/4000. */
    CPN_ASSERT_REL(cpn_summary_value(s, "center.c0.pool0.util"), 0.5, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "center.c0.pool1.util"), 0.5, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "center.c0.util"), 0.5, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "center.all.energy"), 3.6e9, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "center.c0.electricity_cost"), 120, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "center.c0.charge"), 80, TOL); /* apart from the bill */
    CPN_ASSERT_REL(cpn_summary_value(s, "center.all.charge"), 80, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "center.all.carbon"), 350, TOL);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "run.time_end"), 100);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "run.complete"), 1);
    const struct cpn_metric *rows;
    size_t n;
    CU_ASSERT_EQUAL(cpn_summary_metrics(s, &rows, &n), CPN_OK);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].name, "center.c0.electricity_cost") == 0)
            found = strcmp(rows[i].unit, "CNY") == 0;
    CU_ASSERT_TRUE(found);
    cpn_summary_free(s);

    /* Without totals the center utilisation is the mean of its samples: (0.5 + 1.0) / 2. */
    s = make(0);
    CPN_ASSERT_REL(cpn_summary_value(s, "center.c0.util"), 0.75, 1e-6);
    CU_ASSERT(isnan(cpn_summary_value(s, "center.c0.pool0.util")));
    CU_ASSERT(isnan(cpn_summary_value(s, "center.all.energy")));
    CU_ASSERT(isnan(cpn_summary_value(s, "job.all.submitted"))); /* unknown without totals */
    CU_ASSERT(isnan(cpn_summary_value(s, "job.all.skipped.unknown_runtime")));
    CU_ASSERT(isnan(cpn_summary_value(s, "decision.conflicts")));
    cpn_summary_free(s);
}

/* The statistics window (docs/metrics.md, "Window"): warmup 100 s, closed at 300 s, run ended at
 * 400 s.  Every figure below is computed by hand from the totals at the three times. */
static void test_window_subtracts_the_warmup_and_stops_at_its_close(void)
{
    struct cpn_summary *s = NULL;
    CU_ASSERT_EQUAL_FATAL(cpn_summary_new(&s), CPN_OK);
    struct cpn_observer o;
    cpn_summary_observer(s, &o);
    struct cpn_run_info in = info();
    in.warmup = 100;
    CU_ASSERT_EQUAL(cpn_observe_begin(&o, &in), CPN_OK);
    /* Before the opening: job 0 (submitted at 10) ends; a flow and a request. */
    struct cpn_job_record j = {.submit = 10,
                               .start = 20,
                               .end = 90,
                               .wait = 10,
                               .staleness = NAN,
                               .id = 0,
                               .kind = 0,
                               .state = CPN_JOB_DONE,
                               .slo_met = -1};
    CU_ASSERT_EQUAL(cpn_observe_job_end(&o, &j), CPN_OK);
    struct cpn_flow_record f = {.start = 50, .end = 60, .bytes = 1000};
    CU_ASSERT_EQUAL(cpn_observe_flow_end(&o, &f), CPN_OK);
    struct cpn_request_record q = {.time = 99, .latency = 1, .slo_met = 0};
    CU_ASSERT_EQUAL(cpn_observe_request_end(&o, &q), CPN_OK);
    /* The opening at 100 s: jobs 0 and 1 were submitted (kind batch); pool busy 200 and 300
     * unit s, energy 1000 J, link directions' time means since 0: 0.5 and 0.1. */
    double busy0[2] = {200, 300}, e0[1] = {1000}, zero[1] = {0}, link0[2] = {0.5, 0.1};
    uint64_t sub0[2] = {2, 0};
    struct cpn_run_totals t0 = {.time_end = 100,
                                .pool_busy = busy0,
                                .n_pools = 2,
                                .center_energy = e0,
                                .center_cost = zero,
                                .center_carbon = zero,
                                .center_charge = zero,
                                .n_centers = 1,
                                .link_util = link0,
                                .n_link_dirs = 2,
                                .job_submitted = sub0,
                                .n_job_kinds = 2,
                                .decisions = 2,
                                .conflicts = 1,
                                .have_decisions = 1};
    CU_ASSERT_EQUAL(cpn_observe_window(&o, 0, &t0), CPN_OK);
    /* In the window: job 1 (submitted before it: left out), jobs 2 and 3 (counted), a flow. */
    for (uint32_t id = 1; id <= 3; id++) {
        j = (struct cpn_job_record){.submit = id == 1 ? 50 : 100 + 10 * id,
                                    .start = 150 + id,
                                    .end = 200 + id,
                                    .wait = 5 * id,
                                    .staleness = NAN,
                                    .id = id,
                                    .kind = 0,
                                    .state = CPN_JOB_DONE,
                                    .slo_met = -1};
        CU_ASSERT_EQUAL(cpn_observe_job_end(&o, &j), CPN_OK);
    }
    f = (struct cpn_flow_record){.start = 150, .end = 152, .bytes = 500};
    CU_ASSERT_EQUAL(cpn_observe_flow_end(&o, &f), CPN_OK);
    /* The closing at 300 s: busy 600 and 1500, energy 3000 J, links 0.4 and 0.1 since 0. */
    double busy1[2] = {600, 1500}, e1[1] = {3000}, link1[2] = {0.4, 0.1};
    uint64_t sub1[2] = {5, 1};
    struct cpn_run_totals t1 = t0;
    t1.time_end = 300;
    t1.pool_busy = busy1;
    t1.center_energy = e1;
    t1.link_util = link1;
    t1.job_submitted = sub1;
    CU_ASSERT_EQUAL(cpn_observe_window(&o, 1, &t1), CPN_OK);
    /* The end at 400 s: more busy time and energy (after the window: not counted). */
    double busy2[2] = {700, 1900}, e2[1] = {4000}, link2[2] = {0.3, 0.1};
    uint64_t sub2[2] = {5, 1};
    struct cpn_run_totals t2 = t1;
    t2.time_end = 400;
    t2.pool_busy = busy2;
    t2.center_energy = e2;
    t2.link_util = link2;
    t2.job_submitted = sub2;
    t2.decisions = 7;
    t2.conflicts = 2;
    CU_ASSERT_EQUAL(cpn_observe_end(&o, 1, &t2), CPN_OK);

    CPN_ASSERT_REL(cpn_summary_value(s, "run.window_start"), 100.0, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "run.window_end"), 300.0, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "run.time_end"), 400.0, TOL);
    /* Submitted in the window: (5 + 1) - (2 + 0) = 4, of which jobs 2 and 3 ended: 2 left. */
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.all.submitted"), 4);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.batch.submitted"), 3);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.all.count"), 2);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.all.unfinished"), 2);
    /* Waits of jobs 2 and 3: {10, 15}; JCT {202 - 120, 203 - 130} = {82, 73}. */
    CPN_ASSERT_REL(cpn_summary_value(s, "job.all.wait.mean"), 12.5, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.all.jct.mean"), 77.5, TOL);
    /* Pools: (600 - 200) / (10 x 200) = 0.2, (1500 - 300) / (30 x 200) = 0.2. */
    CPN_ASSERT_REL(cpn_summary_value(s, "center.c0.pool0.util"), 0.2, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "center.c0.pool1.util"), 0.2, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "center.c0.util"), 0.2, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "center.c0.energy"), 2000.0, TOL);
    /* Links: (0.4 x 300 - 0.5 x 100) / 200 = 0.35 and (0.1 x 300 - 0.1 x 100) / 200 = 0.1. */
    CPN_ASSERT_REL(cpn_summary_value(s, "net.link_util.max"), 0.35, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "net.link_util.mean"), 0.225, TOL);
    /* One flow and no request started in the window; decisions 7 - 2, conflicts 2 - 1. */
    CU_ASSERT_EQUAL(cpn_summary_value(s, "net.flows"), 1);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "net.bytes"), 500);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "request.count"), 0);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "decision.count"), 5);
    CPN_ASSERT_REL(cpn_summary_value(s, "decision.conflict_rate"), 0.2, TOL);
    cpn_summary_free(s);
}

/* Beyond the exact store, a population is estimated: feed the JCTs 1..20000 s in a scrambled
 * order (v = 1 + 7919 i mod 20000, 7919 prime to 20000: a permutation) with 1000 values kept.
 * Exact figures by (n - 1) f interpolation: p50 = 1 + 19999 x 0.5 = 10000.5, p95 = 19000.05,
 * p99 = 19800.01; mean 10000.5 and max 20000 stay exact (running statistics); the P-square
 * estimates are within 1%. */
static void test_large_populations_are_estimated_in_bounded_memory(void)
{
    struct cpn_summary *s = NULL;
    CU_ASSERT_EQUAL_FATAL(cpn_summary_new(&s), CPN_OK);
    CU_ASSERT_EQUAL(cpn_summary_set_exact_max(s, 0), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_summary_set_exact_max(s, 1000), CPN_OK);
    struct cpn_observer o;
    cpn_summary_observer(s, &o);
    struct cpn_run_info in = info();
    CU_ASSERT_EQUAL(cpn_observe_begin(&o, &in), CPN_OK);
    CU_ASSERT_EQUAL(cpn_summary_set_exact_max(s, 10), CPN_ESTATE);
    for (uint32_t i = 0; i < 20000; i++) {
        double v = 1 + (double)((7919ull * i) % 20000);
        struct cpn_job_record r = {.submit = 0,
                                   .start = 0,
                                   .end = v,
                                   .wait = 0,
                                   .staleness = NAN,
                                   .id = i,
                                   .kind = 0,
                                   .state = CPN_JOB_DONE,
                                   .slo_met = -1};
        CU_ASSERT_EQUAL(cpn_observe_job_end(&o, &r), CPN_OK);
    }
    CU_ASSERT_EQUAL(cpn_observe_end(&o, 1, NULL), CPN_OK);
    /* The median is gsl_rstat's own estimate: the same figure as a P-square estimator of the
     * median fed the same values (exactly: the same algorithm on the same values). */
    gsl_rstat_quantile_workspace *median = gsl_rstat_quantile_alloc(0.5);
    CU_ASSERT_PTR_NOT_NULL_FATAL(median);
    for (uint32_t i = 0; i < 20000; i++)
        gsl_rstat_quantile_add(1 + (double)((7919ull * i) % 20000), median);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "job.all.jct.p50"), gsl_rstat_quantile_get(median));
    gsl_rstat_quantile_free(median);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.all.jct.mean"), 10000.5, 1e-12);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.all.jct.p50"), 10000.5, 0.01);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.all.jct.p95"), 19000.05, 0.01);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.all.jct.p99"), 19800.01, 0.01);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.batch.jct.p95"), 19000.05, 0.01);
    CPN_ASSERT_REL(cpn_summary_value(s, "job.all.bsld.p99"), 1.0, 1e-12);
    /* jct, wait and bsld of batch and of all: 6 estimated populations. */
    CU_ASSERT_EQUAL(cpn_summary_value(s, "run.estimated_populations"), 6);
    cpn_summary_free(s);
    /* Below the store, the same figures are exact and nothing is estimated. */
    s = make(1);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "run.estimated_populations"), 0);
    cpn_summary_free(s);
}

/* Requests per inference source: source 0 ("chat", inference) gets latencies {0.1, 0.3} s, one
 * of two over its SLO; source 1 is a batch generator (no rows); a request of a job submitted
 * directly (CPN_NONE) counts in the totals only. */
static void test_requests_are_reported_per_inference_source(void)
{
    static const char *const kinds3[] = {"batch", "inference"};
    static const char *const ids[] = {"chat", "hpc"};
    static const uint8_t skinds[] = {1, 0};
    struct cpn_summary *s = NULL;
    CU_ASSERT_EQUAL_FATAL(cpn_summary_new(&s), CPN_OK);
    struct cpn_observer o;
    cpn_summary_observer(s, &o);
    struct cpn_run_info in = info();
    in.job_kinds = kinds3;
    in.sources = ids;
    in.source_kinds = skinds;
    in.n_sources = 2;
    CU_ASSERT_EQUAL(cpn_observe_begin(&o, &in), CPN_OK);
    struct cpn_request_record q[3] = {
        {.time = 1, .latency = 0.1, .source = 0, .slo_met = 1},
        {.time = 2, .latency = 0.3, .source = 0, .slo_met = 0},
        {.time = 3, .latency = 0.2, .source = CPN_NONE, .slo_met = 1}};
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(cpn_observe_request_end(&o, &q[i]), CPN_OK);
    CU_ASSERT_EQUAL(cpn_observe_end(&o, 1, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "request.count"), 3);
    CU_ASSERT_EQUAL(cpn_summary_value(s, "request.chat.count"), 2);
    CPN_ASSERT_REL(cpn_summary_value(s, "request.chat.slo_violation_rate"), 0.5, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "request.chat.latency.mean"), 0.2, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "request.chat.latency.p50"), 0.2, TOL);
    CPN_ASSERT_REL(cpn_summary_value(s, "request.slo_violation_rate"), 1.0 / 3, TOL);
    CU_ASSERT(isnan(cpn_summary_value(s, "request.hpc.count"))); /* not a row: unknown name */
    cpn_summary_free(s);
}

static void test_print_and_tsv_write_every_metric(void)
{
    struct cpn_summary *s = make(1);
    char path[] = "/tmp/cpn-summary-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    CU_ASSERT_EQUAL(cpn_summary_write_tsv(s, path), CPN_OK);
    FILE *f = fopen(path, "r");
    char line[256];
    size_t lines = 0;
    int header = 0, jct = 0;
    while (fgets(line, sizeof line, f)) {
        if (lines++ == 0)
            header = strcmp(line, "metric\tvalue\tunit\n") == 0;
        jct |= strcmp(line, "job.batch.jct.p50\t30\ts\n") == 0;
    }
    fclose(f);
    const struct cpn_metric *rows;
    size_t n;
    cpn_summary_metrics(s, &rows, &n);
    CU_ASSERT_TRUE(header);
    CU_ASSERT_TRUE(jct);
    CU_ASSERT_EQUAL(lines, n + 1);
    f = fopen(path, "w+");
    CU_ASSERT_EQUAL(cpn_summary_print(s, f), CPN_OK);
    rewind(f);
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f));
    CU_ASSERT_PTR_NOT_NULL(strstr(line, "metric"));
    fclose(f);
    unlink(path);
    /* Errors: a directory that does not exist; a stream that cannot be written. */
    CU_ASSERT_EQUAL(cpn_summary_write_tsv(s, "/nonexistent-dir/s.tsv"), CPN_EOUTPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "/nonexistent-dir/s.tsv"));
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        CU_ASSERT_EQUAL(cpn_summary_print(s, full), CPN_EIO);
        fclose(full);
    }
    cpn_summary_free(s);
}

/* The grouped view of the shared fixture, every figure by hand:
 *   batch: submitted 8, ended 6 (5 done, 1 rejected), unfinished 2, JCT mean 40, wait mean 4,
 *          bsld mean (1 + 4/0.9)/5 = 1.08889;
 *   ai: submitted 2, ended 1 (failed), unfinished 1, no JCT, wait 1, bsld 1;
 *   all: 10, 7, 5, 1, 1, 3, JCT 40, wait 21/6 = 3.5, bsld (1 + 4/0.9 + 1)/6 = 1.07407;
 *   centers: util 0.5, energy 3.6e9 J, electricity 120 CNY, charge 80 CNY, carbon 350 kg;
 *   network: 4 flows, 1000 B, FCT p95 of {1,2,3,4} = 3 + 0.85 = 3.85 s, link mean 0.45 max 0.6;
 *   requests: 3, latency p95 of {0.01, 0.02, 0.03} = 0.029 s, 1 of 3 violated. */
static void test_grouped_view_fits_a_screen(void)
{
    struct cpn_summary *s = make(1);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_EQUAL(cpn_summary_print_grouped(s, f), CPN_OK);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\nbatch               8          6          5         1 "
                                       "       0          2           40           4   1.08889\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\nai                  2          1          0         0 "
                                       "       1          1            -           1         1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\nall                10          7          5         1 "
                                       "       1          3           40         3.5   1.07407\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf,
                                  "centers    util 0.5, energy 3.6e+09 J, electricity 120 CNY, "
                                  "charge 80 CNY, carbon 350 kg\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "network    4 flows, 1000 B, fct p95 3.85 s, link "
                                       "utilisation mean 0.45 max 0.6\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "requests   3, latency p95 0.029 s, SLO violated 0.3333\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(buf, "decisions  10, staleness mean 0.2 s, max 0.3 s, conflicts 2\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "run        t = 100 s, complete"));
    size_t lines = 0;
    for (char *p = buf; *p; p++)
        lines += *p == '\n';
    CU_ASSERT(lines <= 12); /* against the full table's rows */
    free(buf);
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        CU_ASSERT_EQUAL(cpn_summary_print_grouped(s, full), CPN_EIO);
        fclose(full);
    }
    cpn_summary_free(s);
}

static void test_invalid_use_is_refused(void)
{
    CU_ASSERT_EQUAL(cpn_summary_new(NULL), CPN_EINVAL);
    struct cpn_summary *s = NULL;
    CU_ASSERT_EQUAL_FATAL(cpn_summary_new(&s), CPN_OK);
    const struct cpn_metric *rows;
    size_t n;
    CU_ASSERT_EQUAL(cpn_summary_metrics(s, &rows, &n), CPN_ESTATE);
    CU_ASSERT_EQUAL(cpn_summary_metrics(s, NULL, &n), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_summary_print(s, NULL), CPN_EINVAL);
    struct cpn_observer o;
    cpn_summary_observer(s, &o);
    struct cpn_job_record j = {.kind = 2};
    CU_ASSERT_EQUAL(cpn_observe_job_end(&o, &j), CPN_ESTATE);
    CU_ASSERT_EQUAL(cpn_observe_end(&o, 1, NULL), CPN_ESTATE);
    struct cpn_run_info in = info();
    CU_ASSERT_EQUAL(cpn_observe_begin(&o, &in), CPN_OK);
    CU_ASSERT_EQUAL(cpn_observe_begin(&o, &in), CPN_ESTATE);
    CU_ASSERT_EQUAL(cpn_observe_job_end(&o, &j), CPN_EINVAL); /* kind 2 of 2 kinds */
    float l[2] = {0}, c[1] = {0};
    CU_ASSERT_EQUAL(cpn_observe_sample(&o, 0, l, 2, c, 1, NULL, 0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_observe_sample(&o, 1, l, 1, c, 1, NULL, 0), CPN_EINVAL);
    double busy[3] = {0};
    struct cpn_run_totals t = {.pool_busy = busy, .n_pools = 3};
    CU_ASSERT_EQUAL(cpn_observe_end(&o, 1, &t), CPN_EINVAL);
    cpn_summary_free(s);
    cpn_summary_free(NULL);
}

/* Output paths (output/atomic.h): which name the same file, which may be written, and a
 * character device written straight to (never renamed onto). */
static void test_output_paths_are_checked(void)
{
    char dir[] = "/tmp/cpn_out_XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char a[64], b[64], sub[64], dots[96], hard[64];
    snprintf(a, sizeof a, "%s/a.txt", dir);
    snprintf(b, sizeof b, "%s/b.txt", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(dots, sizeof dots, "%s/sub/../a.txt", dir);
    snprintf(hard, sizeof hard, "%s/hard.txt", dir);
    CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);
    /* Neither exists: compared by canonical name. */
    CU_ASSERT_EQUAL(cpn_output_same(a, dots), 1);
    CU_ASSERT_EQUAL(cpn_output_same(a, b), 0);
    int stream = -1;
    CU_ASSERT_EQUAL(cpn_output_check(a, 0, 0, &stream), CPN_OK);
    CU_ASSERT_EQUAL(stream, 0);
    FILE *f = fopen(a, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    /* Existing: by device and inode (a hard link is the same file); one missing: not. */
    CU_ASSERT_EQUAL_FATAL(link(a, hard), 0);
    CU_ASSERT_EQUAL(cpn_output_same(a, dots), 1);
    CU_ASSERT_EQUAL(cpn_output_same(hard, a), 1);
    CU_ASSERT_EQUAL(cpn_output_same(a, b), 0);
    CU_ASSERT_EQUAL(cpn_output_check(a, 0, 1, &stream), CPN_EOUTPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "already exists (use --force"));
    CU_ASSERT_EQUAL(cpn_output_check(a, 1, 1, &stream), CPN_OK);
    CU_ASSERT_EQUAL(cpn_output_check(sub, 1, 1, &stream), CPN_EOUTPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "is a directory, not a file"));
    /* Nothing there yet: refused now when its folder is missing or is a file (a text output is
     * written at the end of the run, which found out only then), allowed in a folder. */
    char missing[96], under_file[96], in_sub[96];
    snprintf(missing, sizeof missing, "%s/nodir/x.csv", dir);
    snprintf(under_file, sizeof under_file, "%s/x.csv", a);
    snprintf(in_sub, sizeof in_sub, "%s/x.csv", sub);
    CU_ASSERT_EQUAL(cpn_output_check(missing, 1, 1, &stream), CPN_EOUTPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "/nodir/x.csv: cannot create: its folder "));
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "/nodir does not exist (create the folder"));
    CU_ASSERT_EQUAL(cpn_output_check(under_file, 1, 1, &stream), CPN_EOUTPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "/a.txt is a file, not a folder"));
    CU_ASSERT_EQUAL(cpn_output_check(in_sub, 0, 1, &stream), CPN_OK);
    /* A character device: a stream for text, refused for the trace, whatever --force. */
    CU_ASSERT_EQUAL(cpn_output_check("/dev/null", 0, 1, &stream), CPN_OK);
    CU_ASSERT_EQUAL(stream, 1);
    CU_ASSERT_EQUAL(cpn_output_check("/dev/null", 1, 0, &stream), CPN_EOUTPUT);
    CU_ASSERT_EQUAL(stream, 0);
    struct cpn_atomic w;
    CU_ASSERT_EQUAL_FATAL(cpn_atomic_open(&w, "/dev/null", 0), CPN_OK);
    fputs("x\n", w.f);
    CU_ASSERT_EQUAL(cpn_atomic_commit(&w), CPN_OK);
    struct stat st;
    CU_ASSERT(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
    if (access("/dev/full", W_OK) == 0) { /* writes fail there with ENOSPC */
        CU_ASSERT_EQUAL_FATAL(cpn_atomic_open(&w, "/dev/full", 0), CPN_OK);
        fputs("x\n", w.f);
        CU_ASSERT_EQUAL(cpn_atomic_commit(&w), CPN_EIO);
        CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "No space left on device"));
        CU_ASSERT(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode));
    }
    /* A link to a file is written through (its target); a dangling link or a file, as named. */
    char lnk[64], dangling[64];
    snprintf(lnk, sizeof lnk, "%s/lnk.txt", dir);
    snprintf(dangling, sizeof dangling, "%s/dangling.txt", dir);
    CU_ASSERT_EQUAL_FATAL(symlink("a.txt", lnk), 0);
    CU_ASSERT_EQUAL_FATAL(symlink("nowhere.txt", dangling), 0);
    char *t = cpn_output_target(lnk), *real = realpath(a, NULL);
    CU_ASSERT(t && real && strcmp(t, real) == 0);
    free(t);
    free(real);
    t = cpn_output_target(dangling);
    CU_ASSERT(t && strcmp(t, dangling) == 0);
    free(t);
    t = cpn_output_target(a);
    CU_ASSERT(t && strcmp(t, a) == 0);
    free(t);
    unlink(lnk);
    unlink(dangling);
    unlink(hard);
    unlink(a);
    rmdir(sub);
    rmdir(dir);
}

/* The entries of folder @p dir other than "." and "..". */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

/* A text output has no name until its commit (O_TMPFILE, where the file system allows it: here
 * under /tmp): nothing shows in its folder meanwhile, so nothing is left when the process dies
 * before; the commit names it (without force, never over a file that appeared meanwhile; with
 * force, replacing it whole); an abort leaves nothing. */
static void test_a_text_output_has_no_name_until_its_commit(void)
{
    char dir[] = "/tmp/cpn-atomic.XXXXXX", path[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/out.csv", dir);
    /* Whether this file system takes O_TMPFILE (overlayfs before Linux 6.6 does not): then a
     * named temporary file shows beside the output while it is written. */
    int fd = open(dir, O_TMPFILE | O_WRONLY, 0600), unnamed = fd >= 0;
    if (fd >= 0)
        close(fd);
    mode_t mask = umask(022);
    struct cpn_atomic w;
    CU_ASSERT_EQUAL_FATAL(cpn_atomic_open(&w, path, 0), CPN_OK);
    CU_ASSERT_EQUAL(w.unnamed, unnamed);
    CU_ASSERT_EQUAL(w.tmp == NULL, unnamed);
    fputs("a,b\n1,2\n", w.f);
    fflush(w.f);
    CU_ASSERT_EQUAL(entries(dir), !unnamed); /* written, still without a name (or its own) */
    CU_ASSERT_EQUAL(cpn_atomic_commit(&w), CPN_OK);
    CU_ASSERT_EQUAL(entries(dir), 1);
    char buf[64] = "";
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fread(buf, 1, sizeof buf - 1, f), 8);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "a,b\n1,2\n");
    struct stat st;
    CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644); /* 0666 & ~umask */
    /* Without force: a file that appeared meanwhile stays as it was. */
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(cpn_atomic_open(&w, path, 0), CPN_OK);
    fputs("new\n", w.f);
    f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("theirs\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(cpn_atomic_commit(&w), CPN_EOUTPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "out.csv: appeared during the run"));
    CU_ASSERT(stat(path, &st) == 0 && st.st_size == 7);
    CU_ASSERT_EQUAL(entries(dir), 1);
    /* With force: replaced whole, and no name of its own left beside it. */
    CU_ASSERT_EQUAL_FATAL(cpn_atomic_open(&w, path, 1), CPN_OK);
    fputs("mine, longer\n", w.f);
    CU_ASSERT_EQUAL(cpn_atomic_commit(&w), CPN_OK);
    CU_ASSERT(stat(path, &st) == 0 && st.st_size == 13);
    CU_ASSERT_EQUAL(entries(dir), 1);
    /* An abort: nothing new, the file as it was. */
    CU_ASSERT_EQUAL_FATAL(cpn_atomic_open(&w, path, 1), CPN_OK);
    fputs("dropped\n", w.f);
    cpn_atomic_abort(&w);
    CU_ASSERT(stat(path, &st) == 0 && st.st_size == 13);
    CU_ASSERT_EQUAL(entries(dir), 1);
    umask(mask);
    unlink(path);
    rmdir(dir);
}

int cpn_test_register_summary(void)
{
    CU_pSuite s = CU_add_suite("summary", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "JCT, wait and bounded-slowdown percentiles match hand-sorted values",
                     test_job_percentiles_match_hand_sorted_values) ||
        !CU_add_test(s, "counts and SLO violation rates per kind and overall",
                     test_counts_and_slo_violation_rate_per_kind_and_overall) ||
        !CU_add_test(s, "wait and bsld cover every executed job; transfer-only jobs get no bsld",
                     test_wait_and_bsld_cover_every_executed_job) ||
        !CU_add_test(s, "network and center metrics from records, samples and totals",
                     test_network_and_center_metrics) ||
        !CU_add_test(s, "the window subtracts the warmup and stops at its closing, by hand",
                     test_window_subtracts_the_warmup_and_stops_at_its_close) ||
        !CU_add_test(s, "large populations are estimated in bounded memory (P-square)",
                     test_large_populations_are_estimated_in_bounded_memory) ||
        !CU_add_test(s, "requests are reported per inference source",
                     test_requests_are_reported_per_inference_source) ||
        !CU_add_test(s, "print and TSV write every metric; errors name the file",
                     test_print_and_tsv_write_every_metric) ||
        !CU_add_test(s, "the grouped view shows kinds, totals, centers and network by hand values",
                     test_grouped_view_fits_a_screen) ||
        !CU_add_test(s, "invalid use is refused with the documented codes",
                     test_invalid_use_is_refused) ||
        !CU_add_test(
            s, "output paths: the same file, may be written, devices and links written through",
            test_output_paths_are_checked) ||
        !CU_add_test(s, "a text output has no name until its commit (O_TMPFILE), then whole",
                     test_a_text_output_has_no_name_until_its_commit))
        return CU_get_error();
    return CUE_SUCCESS;
}
