/* Tests of the jobs layer (models/jobs/jobs.h): life cycle, placement, awareness, transfers,
 * inference queues, accounting and invariants.  Times are computed by hand in the comments. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/jobs/jobs.h"
#include "models/net/optical.h"
#include "models/net/traffic.h"
#include "sim/array.h"
#include "sim/engine.h"
#include "sim/error.h"
#include "sim/rng.h"
#include "tests/unit/suites.h"

/* Relative tolerance of times computed by the fluid model: sums of a few doubles. */
#define TIME_TOL 1e-9

/* ------------------------------------------------------------------------------------------
 * A fixture: topology, network, engine, policy, observer that records everything. */

struct recorder {
    CPN_ARRAY(struct cpn_job_record) records;
    CPN_ARRAY(struct cpn_job_times) times;
    CPN_ARRAY(double) latency;
    CPN_ARRAY(double) req_time; /* arrival of each request record [s] */
    CPN_ARRAY(int) slo_met;
    uint64_t flows, samples;
    float first_center[2], first_pool[4]; /* the first sample's center and pool columns */
    size_t n_pool_cols;
    double flow_bytes;
    uint64_t events[CPN_EVENT_NKINDS];
    int ended;
    double energy[4], cost[4], carbon[4], busy[8];
    CPN_ARRAY(struct cpn_compute_record) computes;
};

struct fx {
    struct cpn_engine *eng;
    struct cpn_topo *topo;
    struct cpn_router *router;
    struct cpn_network *net;
    struct cpn_rng *rng;
    struct cpn_policy *policy;
    struct cpn_jobs *jobs;
    struct cpn_observer obs;
    struct recorder r;
    uint32_t site_nodes[4]; /* storage sites of fx_sites() */
    uint32_t n_sites;
};

struct link_def {
    uint32_t a, b;
    double latency;  /* [s] */
    double capacity; /* [B/s] */
};

static int rec_job(void *ctx, const struct cpn_job_record *rec)
{
    struct recorder *r = ctx;
    return cpn_array_push(&r->records, *rec);
}

static int rec_flow(void *ctx, const struct cpn_flow_record *rec)
{
    struct recorder *r = ctx;
    r->flows++;
    r->flow_bytes += rec->bytes;
    return CPN_OK;
}

static int rec_compute(void *ctx, const struct cpn_compute_record *rec)
{
    struct recorder *r = ctx;
    return cpn_array_push(&r->computes, *rec);
}

static int rec_request(void *ctx, const struct cpn_request_record *rec)
{
    struct recorder *r = ctx;
    if (cpn_array_push(&r->latency, rec->latency) != CPN_OK ||
        cpn_array_push(&r->req_time, rec->time) != CPN_OK)
        return CPN_ENOMEM;
    return cpn_array_push(&r->slo_met, (int)rec->slo_met);
}

static int rec_event(void *ctx, const struct cpn_event_record *rec)
{
    struct recorder *r = ctx;
    r->events[rec->kind]++;
    return CPN_OK;
}

static int rec_sample(void *ctx, double time, const float *link_util, size_t n_link_dirs,
                      const float *center_util, size_t n_centers, const float *pool_util,
                      size_t n_pools)
{
    (void)time, (void)link_util, (void)n_link_dirs;
    struct recorder *r = ctx;
    if (r->samples++ == 0) {
        for (size_t c = 0; c < n_centers && c < 2; c++)
            r->first_center[c] = center_util[c];
        for (size_t p = 0; p < n_pools && p < 4; p++)
            r->first_pool[p] = pool_util[p];
        r->n_pool_cols = n_pools;
    }
    return CPN_OK;
}

static int rec_end(void *ctx, int complete, const struct cpn_run_totals *t)
{
    struct recorder *r = ctx;
    r->ended = complete ? 1 : 2;
    for (size_t c = 0; c < t->n_centers && c < 4; c++) {
        r->energy[c] = t->center_energy[c];
        r->cost[c] = t->center_cost[c];
        r->carbon[c] = t->center_carbon[c];
    }
    for (size_t p = 0; p < t->n_pools && p < 8; p++)
        r->busy[p] = t->pool_busy[p];
    return CPN_OK;
}

static void rec_hook(void *ctx, const struct cpn_job_times *t)
{
    struct recorder *r = ctx;
    CU_ASSERT_FATAL(cpn_array_push(&r->times, *t) == CPN_OK);
}

/* Build @p n nodes "n0".."n{n-1}" and the links. */
static void fx_init(struct fx *f, uint32_t n, const struct link_def *links, size_t n_links)
{
    memset(f, 0, sizeof *f);
    f->eng = cpn_engine_new();
    f->topo = cpn_topo_new();
    CU_ASSERT_FATAL(f->eng && f->topo);
    char id[16], a[16], b[16];
    for (uint32_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "n%u", i);
        CU_ASSERT_FATAL(cpn_topo_add_node(f->topo, id, NAN, NAN, NULL) == CPN_OK);
    }
    for (size_t l = 0; l < n_links; l++) {
        struct cpn_link_spec s;
        cpn_link_spec_init(&s);
        snprintf(id, sizeof id, "l%zu", l);
        snprintf(a, sizeof a, "n%u", links[l].a);
        snprintf(b, sizeof b, "n%u", links[l].b);
        s.id = id;
        s.a = a;
        s.b = b;
        s.latency = links[l].latency;
        s.capacity = links[l].capacity;
        CU_ASSERT_FATAL(cpn_topo_add_link(f->topo, &s, NULL) == CPN_OK);
    }
    f->router = cpn_router_new(f->topo);
    CU_ASSERT_FATAL(f->router != NULL);
    CU_ASSERT_FATAL(cpn_network_new(f->eng, f->topo, f->router, NULL, &f->net) == CPN_OK);
    f->rng = cpn_rng_new(42);
    f->obs = (struct cpn_observer){.ctx = &f->r,
                                   .job_end = rec_job,
                                   .flow_end = rec_flow,
                                   .request_end = rec_request,
                                   .event = rec_event,
                                   .sample = rec_sample,
                                   .end = rec_end,
                                   .compute_end = rec_compute};
}

/* Give the network storage sites at @p nodes with read bandwidths @p read [B/s] (0: none);
 * before fx_jobs(). */
static void fx_sites(struct fx *f, const uint32_t *nodes, const double *read, uint32_t n)
{
    struct cpn_storage_bandwidth b[4];
    for (uint32_t i = 0; i < n; i++) {
        b[i] = (struct cpn_storage_bandwidth){read[i], 0};
        f->site_nodes[i] = nodes[i];
    }
    f->n_sites = n;
    cpn_network_free(f->net);
    struct cpn_network_config cfg = {.sites = b, .n_sites = n};
    CU_ASSERT_FATAL(cpn_network_new(f->eng, f->topo, f->router, &cfg, &f->net) == CPN_OK);
}

/* Create the jobs object with policy @p policy (NULL: none) for @p n_centers centers. */
static void fx_jobs(struct fx *f, const char *policy, uint32_t n_centers,
                    const struct cpn_awareness_config *aw, uint32_t n_paths)
{
    if (policy)
        CU_ASSERT_FATAL(cpn_policy_new(cpn_policy_find(NULL, policy), NULL, 0, f->rng, n_centers,
                                       cpn_topo_node_count(f->topo), &f->policy) == CPN_OK);
    struct cpn_jobs_config cfg = {
        .engine = f->eng,
        .network = f->net,
        .topo = f->topo,
        .router = f->router,
        .policy = f->policy,
        .n_paths = n_paths,
        .observer = &f->obs,
        .rng = f->rng,
        .site_nodes = f->site_nodes,
        .n_sites = f->n_sites,
        .hook = rec_hook,
        .hook_ctx = &f->r,
    };
    if (aw)
        cfg.awareness = *aw;
    CU_ASSERT_FATAL(cpn_jobs_new(&cfg, &f->jobs) == CPN_OK);
}

/* Add a center "cX" at @p node with one pool. */
static uint32_t fx_center(struct fx *f, uint32_t node, uint32_t units, double speed,
                          enum cpn_center_kind kind)
{
    static const char *names[] = {"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"};
    struct cpn_center_spec cs;
    cpn_center_spec_init(&cs);
    cs.id = names[cpn_jobs_ncenters(f->jobs) % 8];
    cs.node = node;
    cs.kind = kind;
    cs.discipline = CPN_QUEUE_FCFS;
    struct cpn_pool_spec ps = {"pool", units, speed, 0, "", 100, 300, 0};
    uint32_t index;
    CU_ASSERT_FATAL(cpn_jobs_add_center(f->jobs, &cs, &ps, 1, &index) == CPN_OK);
    return index;
}

/* One node, no policy, one center at the node with one pool. */
static void fx_simple(struct fx *f, uint32_t units, double speed, enum cpn_center_kind kind)
{
    fx_init(f, 1, NULL, 0);
    fx_jobs(f, NULL, 1, NULL, 1);
    fx_center(f, 0, units, speed, kind);
}

static void fx_run(struct fx *f)
{
    int rc = cpn_engine_run(f->eng, INFINITY);
    if (rc != CPN_OK)
        printf("\nengine: %s\n", cpn_error_message());
    CU_ASSERT_FATAL(rc == CPN_OK);
    CU_ASSERT(cpn_jobs_finish(f->jobs, 1) == CPN_OK);
}

static void fx_free(struct fx *f)
{
    cpn_jobs_free(f->jobs);
    cpn_policy_free(f->policy);
    cpn_network_free(f->net);
    cpn_router_free(f->router);
    cpn_topo_free(f->topo);
    cpn_rng_free(f->rng);
    cpn_engine_free(f->eng);
    cpn_array_release(&f->r.records);
    cpn_array_release(&f->r.times);
    cpn_array_release(&f->r.latency);
    cpn_array_release(&f->r.req_time);
    cpn_array_release(&f->r.slo_met);
    cpn_array_release(&f->r.computes);
}

/* The recorded times of job @p id (fails the test when absent). */
static const struct cpn_job_times *times_of(const struct fx *f, uint32_t id)
{
    for (size_t i = 0; i < f->r.times.len; i++)
        if (f->r.times.items[i].id == id)
            return &f->r.times.items[i];
    CU_FAIL_FATAL("job not reported");
    return NULL;
}

static struct cpn_job_spec job(uint32_t origin, double submit, uint32_t units)
{
    struct cpn_job_spec s;
    cpn_job_spec_init(&s);
    s.origin = origin;
    s.submit = submit;
    s.units = units;
    return s;
}

/* ------------------------------------------------------------------------------------------ */

static void test_kinds_have_names_and_unknown_names_are_enoent(void)
{
    enum cpn_job_kind k;
    CU_ASSERT_STRING_EQUAL(cpn_job_kind_name(CPN_JOB_INFERENCE), "inference");
    CU_ASSERT_STRING_EQUAL(cpn_job_kind_name(CPN_JOB_NKINDS), "?");
    CU_ASSERT(cpn_job_kind_parse("deploy", &k) == CPN_OK && k == CPN_JOB_DEPLOY);
    CU_ASSERT(cpn_job_kind_parse("bulk", &k) == CPN_ENOENT);
    CU_ASSERT(cpn_job_kind_parse(NULL, &k) == CPN_EINVAL);
    size_t n;
    const char *const *names = cpn_job_kind_names(&n);
    CU_ASSERT(n == 6 && strcmp(names[CPN_JOB_VM], "vm") == 0);
}

static void test_a_batch_job_stages_in_runs_and_stages_out_at_hand_computed_times(void)
{
    /* n0 -- n1: 10 ms, 1 GB/s.  Center at n1, 4 units of 1 TFLOP/s.  Job from n0 at t = 1:
     * 2 units, 4e12 FLOP, 1 GB in, 0.5 GB out.
     * stage-in = 0.01 + 1e9 / 1e9 = 1.01 s -> staged at 2.01; runtime = 4e12 / (2 x 1e12) = 2 s
     * -> run end 4.01; stage-out = 0.01 + 0.5e9 / 1e9 = 0.51 s -> done at 4.52. */
    struct fx f;
    struct link_def links[] = {{0, 1, 0.01, 1e9}};
    fx_init(&f, 2, links, 1);
    fx_jobs(&f, NULL, 1, NULL, 1);
    uint32_t c = fx_center(&f, 1, 4, 1e12, CPN_CENTER_HPC);
    struct cpn_job_spec s = job(0, 1, 2);
    s.work = 4e12;
    s.bytes_in = 1e9;
    s.bytes_out = 0.5e9;
    s.center = c;
    s.deadline = 5; /* met: done at 4.52 */
    uint32_t id;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, &id) == CPN_OK);
    CU_ASSERT(id == 0);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    const struct cpn_job_times *t = times_of(&f, 0);
    CU_ASSERT(t->state == CPN_JOB_DONE);
    CPN_ASSERT_REL(t->staged, 2.01, TIME_TOL);
    CPN_ASSERT_REL(t->start, 2.01, TIME_TOL);
    CPN_ASSERT_REL(t->runtime, 2.0, TIME_TOL);
    CPN_ASSERT_REL(t->run_end, 4.01, TIME_TOL);
    CPN_ASSERT_REL(t->done, 4.52, TIME_TOL);
    CU_ASSERT(isnan(t->staleness) && t->attempts == 0);
    CU_ASSERT_FATAL(f.r.records.len == 1);
    const struct cpn_job_record *r = &f.r.records.items[0];
    CU_ASSERT(r->center == c && r->state == CPN_JOB_DONE && r->slo_met == 1);
    CU_ASSERT(r->wait == 0);
    CU_ASSERT(r->bytes_in == 1e9 && r->bytes_out == 0.5e9);
    CU_ASSERT(f.r.flows == 2 && f.r.flow_bytes == 1.5e9);
    CU_ASSERT(f.r.ended == 1);
    fx_free(&f);
}

static void test_two_jobs_on_a_one_unit_pool_run_in_fcfs_order(void)
{
    /* One unit; job 0 (10 s) at t = 0, job 1 (10 s) at t = 1: job 1 waits until 10 (wait 9)
     * and ends at 20.  No transfers (the center is at the origin). */
    struct fx f;
    fx_init(&f, 1, NULL, 0);
    fx_jobs(&f, NULL, 1, NULL, 1);
    uint32_t c = fx_center(&f, 0, 1, 1e9, CPN_CENTER_HPC);
    for (int i = 0; i < 2; i++) {
        struct cpn_job_spec s = job(0, i, 1);
        s.duration = 10;
        s.center = c;
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    }
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CU_ASSERT(times_of(&f, 0)->start == 0 && times_of(&f, 0)->done == 10);
    CU_ASSERT(times_of(&f, 1)->start == 10 && times_of(&f, 1)->done == 20);
    CU_ASSERT_FATAL(f.r.records.len == 2);
    CU_ASSERT(f.r.records.items[1].id == 1 && f.r.records.items[1].wait == 9);
    fx_free(&f);
}

static void test_a_job_too_large_for_every_center_is_rejected_and_reported(void)
{
    struct fx f;
    fx_init(&f, 1, NULL, 0);
    fx_jobs(&f, "nearest", 2, NULL, 1);
    fx_center(&f, 0, 4, 1e9, CPN_CENTER_HPC);
    fx_center(&f, 0, 2, 1e9, CPN_CENTER_HPC);
    struct cpn_job_spec s = job(0, 3, 8); /* 8 units: no pool has more than 4 */
    s.duration = 1;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    s.units = 3; /* fits center 0 but not its fixed center 1 */
    s.center = 1;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    struct cpn_jobs_stats st;
    cpn_jobs_stats(f.jobs, &st);
    CU_ASSERT(st.submitted == 2 && st.rejected == 2 && st.done == 0 && st.active == 0);
    CU_ASSERT_FATAL(f.r.records.len == 2);
    for (int i = 0; i < 2; i++) {
        const struct cpn_job_record *r = &f.r.records.items[i];
        CU_ASSERT(r->state == CPN_JOB_REJECTED && r->center == CPN_NONE && isnan(r->start));
        CU_ASSERT(r->end == 3);
        CU_ASSERT(times_of(&f, r->id)->reason != NULL);
    }
    CU_ASSERT(f.r.events[CPN_EVENT_OTHER] == 2);    /* one "rejected: why" event each */
    CU_ASSERT(f.r.events[CPN_EVENT_DECISION] == 0); /* never placed */
    fx_free(&f);
}

/* Two centers reached from n0: c0 at n1 (RTT 20 ms), c1 at n2 (RTT 100 ms), one unit each. */
static void two_center_fixture(struct fx *f, const char *policy)
{
    struct link_def links[] = {{0, 1, 0.01, 1e9}, {0, 2, 0.05, 1e9}};
    fx_init(f, 3, links, 2);
    fx_jobs(f, policy, 2, NULL, 1);
    fx_center(f, 1, 1, 1e9, CPN_CENTER_HPC);
    fx_center(f, 2, 1, 1e9, CPN_CENTER_HPC);
}

static void test_nearest_places_on_the_lowest_rtt_center(void)
{
    struct fx f;
    two_center_fixture(&f, "nearest");
    struct cpn_job_spec s = job(0, 0, 1);
    s.duration = 5;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    const struct cpn_job_times *t = times_of(&f, 0);
    CU_ASSERT(t->center == 0 && t->attempts == 1 && t->staleness == 0 && t->placed == 0);
    CU_ASSERT(f.r.events[CPN_EVENT_DECISION] == 1);
    fx_free(&f);
}

static void test_earliest_finish_avoids_the_busy_near_center(void)
{
    /* c0 runs a fixed 1000 s job from t = 0; a 10 s job at t = 1 finishes at ~1011 on c0 but
     * at ~11 on c1 (100 ms RTT): earliest_finish picks c1. */
    struct fx f;
    two_center_fixture(&f, "earliest_finish");
    struct cpn_job_spec s = job(0, 0, 1);
    s.duration = 1000;
    s.center = 0;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    s = job(0, 1, 1);
    s.duration = 10;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CU_ASSERT(times_of(&f, 1)->center == 1);
    CU_ASSERT(times_of(&f, 1)->start == 1); /* no input: queued at once, c1 free */
    fx_free(&f);
}

static void test_a_held_job_is_offered_again_when_a_job_ends(void)
{
    /* nearest holds when nothing fits now.  One unit at the origin: job 0 (10 s) from t = 0;
     * job 1 at t = 2 is held, offered again when job 0 ends at 10, starts at 10, ends at 20. */
    struct fx f;
    fx_init(&f, 1, NULL, 0);
    fx_jobs(&f, "nearest", 1, NULL, 1);
    fx_center(&f, 0, 1, 1e9, CPN_CENTER_HPC);
    for (int i = 0; i < 2; i++) {
        struct cpn_job_spec s = job(0, 2 * i, 1);
        s.duration = 10;
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    }
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    CU_ASSERT_FATAL(cpn_engine_run(f.eng, 5) == CPN_OK);
    struct cpn_jobs_stats st;
    cpn_jobs_stats(f.jobs, &st);
    CU_ASSERT(st.held == 1 && st.holds == 1 && st.active == 2);
    fx_run(&f);
    const struct cpn_job_times *t = times_of(&f, 1);
    CU_ASSERT(t->placed == 10 && t->start == 10 && t->done == 20 && t->attempts == 2);
    cpn_jobs_stats(f.jobs, &st);
    CU_ASSERT(st.held == 0 && st.done == 2 && st.decisions == 2);
    fx_free(&f);
}

static void run_depth_case(uint32_t depth, double *start4)
{
    /* Center c0: 1 "cpu" unit; c1: 1 "gpu" unit.  Jobs 0 (c0) and 1 (c1), 10 s each from
     * t = 0; held by nearest: 2 (cpu, t = 1), 3 (cpu, t = 2), 4 (gpu, t = 3).  Both centers
     * free at 10; the re-offer places 2 on c0, holds 3 again; with depth 1 it stops there and 4
     * waits for the next re-offer (job 2's end at 20); with the default depth 4 starts at 10. */
    struct fx f;
    fx_init(&f, 1, NULL, 0);
    if (cpn_policy_new(cpn_policy_find(NULL, "nearest"), NULL, 0, f.rng, 2, 1, &f.policy) != CPN_OK)
        CU_FAIL_FATAL("policy");
    struct cpn_jobs_config cfg = {.engine = f.eng,
                                  .network = f.net,
                                  .topo = f.topo,
                                  .router = f.router,
                                  .policy = f.policy,
                                  .observer = &f.obs,
                                  .rng = f.rng,
                                  .reoffer_depth = depth,
                                  .hook = rec_hook,
                                  .hook_ctx = &f.r};
    CU_ASSERT_FATAL(cpn_jobs_new(&cfg, &f.jobs) == CPN_OK);
    const char *acc[] = {"cpu", "gpu"}, *names[] = {"c0", "c1"};
    for (int c = 0; c < 2; c++) {
        struct cpn_center_spec cs;
        cpn_center_spec_init(&cs);
        cs.id = names[c];
        cs.node = 0;
        struct cpn_pool_spec ps = {"p", 1, 1e9, 0, acc[c], 100, 300, 0};
        CU_ASSERT_FATAL(cpn_jobs_add_center(f.jobs, &cs, &ps, 1, NULL) == CPN_OK);
    }
    const double submit[] = {0, 0, 1, 2, 3};
    const int type[] = {0, 1, 0, 0, 1};
    for (int i = 0; i < 5; i++) {
        struct cpn_job_spec s = job(0, submit[i], 1);
        s.duration = 10;
        s.pool_type = cpn_jobs_pool_type(f.jobs, acc[type[i]]);
        s.center = i < 2 ? (uint32_t)i : CPN_NONE;
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    }
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CU_ASSERT(times_of(&f, 2)->start == 10 && times_of(&f, 3)->start == 20);
    *start4 = times_of(&f, 4)->start;
    fx_free(&f);
}

static void test_a_reoffer_stops_after_depth_jobs_are_held_again(void)
{
    double start4;
    run_depth_case(1, &start4);
    CU_ASSERT(start4 == 20);
    run_depth_case(0, &start4);
    CU_ASSERT(start4 == 10);
}

static void test_centralized_staleness_is_the_report_age_and_a_conflict_is_replaced(void)
{
    /* Centralized: reports every 10 s (t = 10, 20, ...) visible 1 s later.  Two one-unit
     * centers at the origin, round_robin.  Job 0 (fixed c0, 100 s) takes c0 at t = 0.
     * Job 1 at t = 5: the view is the registration at t = 0 (staleness 5), which shows c0 free;
     * round_robin picks c0; c0 is full on arrival: a conflict; re-placed on c1 (staleness 5).
     * Job 2 at t = 12 sees the report of t = 10 (visible at 11): staleness 2; round_robin
     * picks c0 again, known busy: no conflict, it queues and starts at 100. */
    struct fx f;
    fx_init(&f, 1, NULL, 0);
    struct cpn_awareness_config aw = {CPN_AWARENESS_CENTRALIZED, 10, 1, NULL};
    fx_jobs(&f, "round_robin", 2, &aw, 1);
    fx_center(&f, 0, 1, 1e9, CPN_CENTER_HPC);
    fx_center(&f, 0, 1, 1e9, CPN_CENTER_HPC);
    const double submit[] = {0, 5, 12}, duration[] = {100, 10, 10};
    for (int i = 0; i < 3; i++) {
        struct cpn_job_spec s = job(0, submit[i], 1);
        s.duration = duration[i];
        s.center = i == 0 ? 0 : CPN_NONE;
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    }
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    const struct cpn_job_times *t1 = times_of(&f, 1), *t2 = times_of(&f, 2);
    CU_ASSERT(t1->center == 1 && t1->attempts == 2 && t1->start == 5);
    CPN_ASSERT_REL(t1->staleness, 5, TIME_TOL);
    CU_ASSERT(t2->center == 0 && t2->attempts == 1 && t2->start == 100);
    CPN_ASSERT_REL(t2->staleness, 2, TIME_TOL);
    struct cpn_jobs_stats st;
    cpn_jobs_stats(f.jobs, &st);
    CU_ASSERT(st.conflicts == 1 && st.decisions == 3);
    CPN_ASSERT_REL(st.staleness_mean, (5.0 + 5 + 2) / 3, TIME_TOL);
    CU_ASSERT(st.staleness_max == 5);
    fx_free(&f);
}

static void test_ingest_splits_its_bytes_over_two_paths(void)
{
    /* n0 -> n1 directly (10 ms) and through n2 (2 x 10 ms), every link 1 GB/s, all idle: both
     * paths offer 1 GB/s, so 2 GB split 1 + 1 GB.  Direct part: 0.01 + 1 = 1.01 s; the other
     * 0.02 + 1 = 1.02 s: the job is done at 1.02. */
    struct fx f;
    struct link_def links[] = {{0, 1, 0.01, 1e9}, {0, 2, 0.01, 1e9}, {2, 1, 0.01, 1e9}};
    fx_init(&f, 3, links, 3);
    fx_jobs(&f, "nearest", 1, NULL, 2);
    fx_center(&f, 1, 1, 1e9, CPN_CENTER_HPC);
    struct cpn_job_spec s = job(0, 0, 1);
    s.kind = CPN_JOB_INGEST;
    s.bytes_in = 2e9;
    s.paths = 2;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    const struct cpn_job_times *t = times_of(&f, 0);
    CU_ASSERT(t->state == CPN_JOB_DONE && t->center == 0 && isnan(t->start));
    CPN_ASSERT_REL(t->done, 1.02, TIME_TOL);
    CU_ASSERT(f.r.flows == 2);
    CPN_ASSERT_REL(t->bytes_in_done, 2e9, TIME_TOL);
    /* Alone on an empty network it took its ideal time: the longest latency, 0.02 s, plus 2 GB
     * over the two paths' 1 + 1 GB/s: 1.02 s, so its transfer slowdown is 1. */
    CU_ASSERT_FATAL(f.r.records.len == 1);
    CPN_ASSERT_REL(f.r.records.items[0].ideal_transfer, 1.02, TIME_TOL);
    fx_free(&f);
}

static void test_transfer_slowdown_reference_is_the_empty_network_time(void)
{
    /* Two ingest jobs of 1 GB from n0 to the center at n1 over one 1 GB/s, 10 ms link, both at
     * t = 0: they share the link and end at 0.01 + 2 = 2.01 s, while alone each would take
     * 0.01 + 1 = 1.01 s (its ideal time): slowdown 2.01 / 1.01.  A batch job has none. */
    struct fx f;
    struct link_def links[] = {{0, 1, 0.01, 1e9}};
    fx_init(&f, 2, links, 1);
    fx_jobs(&f, "nearest", 1, NULL, 1);
    fx_center(&f, 1, 1, 1e9, CPN_CENTER_HPC);
    for (int i = 0; i < 2; i++) {
        struct cpn_job_spec s = job(0, 0, 1);
        s.kind = CPN_JOB_INGEST;
        s.bytes_in = 1e9;
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    }
    struct cpn_job_spec b = job(0, 0, 1);
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &b, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CU_ASSERT_FATAL(f.r.records.len == 3);
    for (size_t i = 0; i < 3; i++) {
        const struct cpn_job_record *r = &f.r.records.items[i];
        if (r->kind != CPN_JOB_INGEST) {
            CU_ASSERT(isnan(r->ideal_transfer));
            continue;
        }
        CPN_ASSERT_REL(r->end - r->submit, 2.01, TIME_TOL);
        CPN_ASSERT_REL(r->ideal_transfer, 1.01, TIME_TOL);
    }
    fx_free(&f);

    /* A deploy of 1 GB to the two ai centers at n2 and n3 behind the hub n1: both copies cross
     * n0-n1 (1 GB/s, 10 ms), then 10 GB/s, 10 ms links.  Alone they share that link and end
     * together at 0.02 + 2e9 / 1e9 = 2.02 s: its ideal time (not 1.02, a copy alone), so its
     * transfer slowdown is 1. */
    struct link_def hub[] = {{0, 1, 0.01, 1e9}, {1, 2, 0.01, 1e10}, {1, 3, 0.01, 1e10}};
    fx_init(&f, 4, hub, 3);
    fx_jobs(&f, NULL, 2, NULL, 1);
    fx_center(&f, 2, 1, 1e9, CPN_CENTER_AI);
    fx_center(&f, 3, 1, 1e9, CPN_CENTER_AI);
    struct cpn_job_spec d = job(0, 0, 1);
    d.kind = CPN_JOB_DEPLOY;
    d.bytes_in = 1e9;
    d.targets = 2;
    d.target_kind = CPN_CENTER_AI;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &d, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CU_ASSERT_FATAL(f.r.records.len == 1);
    CPN_ASSERT_REL(f.r.records.items[0].end, 2.02, TIME_TOL);
    CPN_ASSERT_REL(f.r.records.items[0].ideal_transfer, 2.02, TIME_TOL);
    fx_free(&f);
}

/* A center failure at 3.5 h, repaired at 5 h (engine events of the test). */
static int fail_c0(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    return cpn_jobs_set_center_up(ctx, 0, (int)arg);
}
static const struct cpn_handler fail_c0_handler = {fail_c0, "test_center_failure", 0};

static void test_a_center_failure_keeps_the_work_up_to_the_last_checkpoint(void)
{
    /* Star from n0: c0 at n1 (10 ms), c1 at n2 (20 ms), 1 unit each; a 1-unit batch job of
     * 10 h (36,000 s) from n0, no data.  nearest puts it on c0 at 0.  c0 fails at 3.5 h
     * (12,600 s) and is repaired at 5 h (18,000 s).
     * - checkpoint 1 h: 3 h kept, 0.5 h (1800 unit s) lost; placed again on c1, the 7 h left
     *   end at 12,600 + 25,200 = 37,800 s;
     * - no checkpoint: all 12,600 unit s lost; the whole 10 h on c1: 48,600 s;
     * - fixed at c0, checkpoint 1 h: it waits for the repair, then runs 7 h: 43,200 s. */
    static const struct {
        double checkpoint;
        int fixed;
        double end, lost;
        uint32_t center;
    } cases[] = {{3600, 0, 37800, 1800, 1}, {0, 0, 48600, 12600, 1}, {3600, 1, 43200, 1800, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        struct fx f;
        struct link_def links[] = {{0, 1, 0.01, 1e9}, {0, 2, 0.02, 1e9}};
        fx_init(&f, 3, links, 2);
        fx_jobs(&f, "nearest", 2, NULL, 1);
        fx_center(&f, 1, 1, 1e9, CPN_CENTER_HPC);
        fx_center(&f, 2, 1, 1e9, CPN_CENTER_HPC);
        struct cpn_job_spec s = job(0, 0, 1);
        s.duration = 36000;
        s.checkpoint = cases[k].checkpoint;
        if (cases[k].fixed)
            s.center = 0;
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
        CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
        CU_ASSERT_FATAL(cpn_engine_schedule(f.eng, 12600, &fail_c0_handler, f.jobs, 0, NULL) ==
                        CPN_OK);
        CU_ASSERT_FATAL(cpn_engine_schedule(f.eng, 18000, &fail_c0_handler, f.jobs, 1, NULL) ==
                        CPN_OK);
        fx_run(&f);
        const struct cpn_job_times *t = times_of(&f, 0);
        CU_ASSERT(t->state == CPN_JOB_DONE && t->center == cases[k].center);
        CPN_ASSERT_REL(t->done, cases[k].end, TIME_TOL);
        struct cpn_jobs_stats st;
        cpn_jobs_stats(f.jobs, &st);
        CU_ASSERT_EQUAL(st.requeued, 1);
        CPN_ASSERT_REL(st.lost_work, cases[k].lost, TIME_TOL);
        CU_ASSERT_EQUAL(f.r.events[CPN_EVENT_REQUEUE], 1);
        fx_free(&f);
    }
}

static void test_checkpoints_written_as_flows_count_once_written(void)
{
    /* As above, with c0's storage site at n1 writing 1 GB/s and checkpoints of 1,800 GB every
     * hour: each takes 1,800 s to write.  The one of 1 h is written at 5,400 s, the one of 2 h at
     * 9,000 s; the one of 3 h (10,800 s) is still being written when c0 fails at 12,240 s
     * (3.4 h): it is abandoned, 2 h are kept, 12,240 - 7,200 = 5,040 unit s lost; the 8 h left
     * run on c1 (no site: nothing to write there): done at 12,240 + 28,800 = 41,040 s.  With
     * instant checkpoints (size 0) 3 h are kept: 1,440 unit s lost, done at 37,440 s. */
    for (int sized = 1; sized >= 0; sized--) {
        struct fx f;
        struct link_def links[] = {{0, 1, 0.01, 1e9}, {0, 2, 0.02, 1e9}};
        fx_init(&f, 3, links, 2);
        struct cpn_storage_bandwidth site = {0, 1e9};
        cpn_network_free(f.net);
        struct cpn_network_config nc = {.sites = &site, .n_sites = 1};
        CU_ASSERT_FATAL(cpn_network_new(f.eng, f.topo, f.router, &nc, &f.net) == CPN_OK);
        f.site_nodes[0] = 1;
        f.n_sites = 1;
        fx_jobs(&f, "nearest", 2, NULL, 1);
        fx_center(&f, 1, 1, 1e9, CPN_CENTER_HPC);
        fx_center(&f, 2, 1, 1e9, CPN_CENTER_HPC);
        CU_ASSERT_FATAL(cpn_jobs_set_center_site(f.jobs, 0, 0) == CPN_OK);
        struct cpn_job_spec s = job(0, 0, 1);
        s.duration = 36000;
        s.checkpoint = 3600;
        s.checkpoint_bytes = sized ? 1.8e12 : 0;
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
        CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
        CU_ASSERT_FATAL(cpn_engine_schedule(f.eng, 12240, &fail_c0_handler, f.jobs, 0, NULL) ==
                        CPN_OK);
        CU_ASSERT_FATAL(cpn_engine_schedule(f.eng, 18000, &fail_c0_handler, f.jobs, 1, NULL) ==
                        CPN_OK);
        fx_run(&f);
        const struct cpn_job_times *t = times_of(&f, 0);
        CU_ASSERT(t->state == CPN_JOB_DONE && t->center == 1);
        CPN_ASSERT_REL(t->done, sized ? 41040 : 37440, TIME_TOL);
        struct cpn_jobs_stats st;
        cpn_jobs_stats(f.jobs, &st);
        CPN_ASSERT_REL(st.lost_work, sized ? 5040 : 1440, TIME_TOL);
        fx_free(&f);
    }
}

/* A test policy: everything to c0; from 40 s on, a job at c0 moves to c1 (ticks every 40 s). */
static int mover_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                       const struct cpn_world *world, struct cpn_policy_decision *out)
{
    (void)ctx, (void)job, (void)world;
    out->center = 0;
    return 0;
}

static struct cpn_policy_migrant mover_seen;

static int mover_migrate(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                         const struct cpn_policy_migrant *at, const struct cpn_world *world,
                         struct cpn_policy_decision *out)
{
    (void)ctx, (void)job;
    if (at->center == 0 && world->time >= 40) {
        mover_seen = *at;
        out->center = 1;
    }
    return 0;
}

static const struct cpn_policy_ops mover_ops = {
    .abi = CPN_POLICY_ABI,
    .name = "mover",
    .doc = "test policy: c0, then c1 from 40 s",
    .place = mover_place,
    .migrate = mover_migrate,
    .tick_period = 40,
};

static void test_a_migrated_job_keeps_its_work_and_moves_its_state_as_a_flow(void)
{
    /* Star from n0: c0 at n1 (10 ms, 1 GFLOP/s per unit), c1 at n2 (20 ms, 2 GFLOP/s); a 1-unit
     * job of 1e11 FLOP with a 10 GB state (checkpoint size), no data: 100 s on c0, from 0.  At
     * the 40 s tick the policy moves it: 40% is done; its state crosses n1 -> n0 -> n2 at 1 GB/s
     * (latency 30 ms): 10.03 s, so it queues at c1 at 50.03 s and runs the 60% left at twice the
     * speed, 30 s: done at 80.03 s.  Nothing is lost; c0 was busy 40 unit s, c1 30. */
    struct fx f;
    struct link_def links[] = {{0, 1, 0.01, 1e9}, {0, 2, 0.02, 1e9}};
    fx_init(&f, 3, links, 2);
    CU_ASSERT_FATAL(cpn_policy_new(&mover_ops, NULL, 0, f.rng, 2, 3, &f.policy) == CPN_OK);
    fx_jobs(&f, NULL, 2, NULL, 1);
    fx_center(&f, 1, 1, 1e9, CPN_CENTER_HPC);
    fx_center(&f, 2, 1, 2e9, CPN_CENTER_HPC);
    struct cpn_job_spec s = job(0, 0, 1);
    s.work = 1e11;
    s.checkpoint_bytes = 1e10;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    memset(&mover_seen, 0, sizeof mover_seen);
    fx_run(&f);
    CU_ASSERT(mover_seen.running == 1 && mover_seen.center == 0);
    CPN_ASSERT_REL(mover_seen.left, 0.6, TIME_TOL);
    CPN_ASSERT_REL(mover_seen.remaining, 60, TIME_TOL);
    CPN_ASSERT_REL(mover_seen.state_bytes, 1e10, 0);
    const struct cpn_job_times *t = times_of(&f, 0);
    CU_ASSERT(t->state == CPN_JOB_DONE && t->center == 1);
    CPN_ASSERT_REL(t->start, 50.03, TIME_TOL);
    CPN_ASSERT_REL(t->done, 80.03, TIME_TOL);
    struct cpn_jobs_stats st;
    cpn_jobs_stats(f.jobs, &st);
    CU_ASSERT(st.migrated == 1 && st.requeued == 0 && st.lost_work == 0);
    CPN_ASSERT_REL(st.migrated_bytes, 1e10, 0);
    CPN_ASSERT_REL(f.r.busy[0], 40, TIME_TOL);
    CPN_ASSERT_REL(f.r.busy[1], 30, TIME_TOL);
    fx_free(&f);
}

static void test_earliest_finish_moves_work_waiting_at_a_failed_center(void)
{
    /* c0 at n1 and c1 at n2, 1 unit each: A (50 s) fixed at c0 and C (100 s) fixed at c1 from
     * 0; B (10 s) arrives at 1 and waits at c0 (finish estimate 49 + 10 against 99 + 10).  c0
     * fails at 20, repaired at 500.  With migrate = 1 B moves at once to c1 (staying is
     * unbounded, c1 is estimated at 80 + 10): it starts when C ends, [100, 110].  Without, it
     * waits for the repair: [500, 510] (it is ahead of A, placed again behind it). */
    for (int migrate = 1; migrate >= 0; migrate--) {
        struct fx f;
        struct link_def links[] = {{0, 1, 0.01, 1e9}, {0, 2, 0.02, 1e9}};
        fx_init(&f, 3, links, 2);
        struct cpn_policy_setting set = {"migrate", migrate};
        CU_ASSERT_FATAL(cpn_policy_new(cpn_policy_find(NULL, "earliest_finish"), &set, 1, f.rng, 2,
                                       3, &f.policy) == CPN_OK);
        fx_jobs(&f, NULL, 2, NULL, 1);
        fx_center(&f, 1, 1, 1e9, CPN_CENTER_HPC);
        fx_center(&f, 2, 1, 1e9, CPN_CENTER_HPC);
        struct cpn_job_spec a = job(0, 0, 1), c = job(0, 0, 1), b = job(0, 1, 1);
        a.duration = 50;
        a.center = 0;
        c.duration = 100;
        c.center = 1;
        b.duration = 10;
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &a, NULL) == CPN_OK);
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &c, NULL) == CPN_OK);
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &b, NULL) == CPN_OK);
        CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
        CU_ASSERT_FATAL(cpn_engine_schedule(f.eng, 20, &fail_c0_handler, f.jobs, 0, NULL) ==
                        CPN_OK);
        CU_ASSERT_FATAL(cpn_engine_schedule(f.eng, 500, &fail_c0_handler, f.jobs, 1, NULL) ==
                        CPN_OK);
        fx_run(&f);
        const struct cpn_job_times *t = times_of(&f, 2);
        CU_ASSERT(t->state == CPN_JOB_DONE && t->center == (migrate ? 1u : 0u));
        CPN_ASSERT_REL(t->start, migrate ? 100 : 500, TIME_TOL);
        CPN_ASSERT_REL(t->done, migrate ? 110 : 510, TIME_TOL);
        struct cpn_jobs_stats st;
        cpn_jobs_stats(f.jobs, &st);
        CU_ASSERT_EQUAL(st.migrated, (uint64_t)migrate);
        CU_ASSERT(st.migrated_bytes == 0 && st.requeued == 1); /* A, at its fixed center */
        fx_free(&f);
    }
}

static void test_an_elastic_ingest_gets_its_bandwidth_after_the_setup_time(void)
{
    /* n0 -> n1 over 100 Mbit/s (12.5 MB/s), 10 ms; the link's elastic budget is 8 Gbit/s
     * (1 GB/s) with a 100 ms set-up (OTN ODUflex).  A 10 GB ingest asking "8x1Gbps" at 0 is
     * granted: its flow joins at 0.01 s, moves 0.09 s x 12.5 MB/s = 1.125 MB by 0.1 s, then the
     * rest at 1.0125 GB/s: it ends at 0.1 + (1e10 - 1.125e6) / 1.0125e9 s (about 9.975 s,
     * against 800 s without).  After it the link is back to 12.5 MB/s.  A second run with a
     * budget of 1.5 GB/s and two such ingests: the first is granted, the second refused. */
    for (int two = 0; two <= 1; two++) {
        struct fx f;
        struct link_def links[] = {{0, 1, 0.01, 12.5e6}};
        fx_init(&f, 2, links, 1);
        CU_ASSERT_FATAL(cpn_network_set_elastic(f.net, 0, two ? 1.5e9 : 1e9, 0.1) == CPN_OK);
        fx_jobs(&f, "nearest", 1, NULL, 1);
        fx_center(&f, 1, 1, 1e9, CPN_CENTER_HPC);
        for (int i = 0; i <= two; i++) {
            struct cpn_job_spec s = job(0, 0, 1);
            s.kind = CPN_JOB_INGEST;
            s.bytes_in = 1e10;
            s.elastic = 1e9;
            CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
        }
        CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
        fx_run(&f);
        struct cpn_jobs_stats st;
        cpn_jobs_stats(f.jobs, &st);
        CU_ASSERT_EQUAL(st.bw_granted, 1);
        CU_ASSERT_EQUAL(st.bw_refused, (uint64_t)two);
        if (!two)
            CPN_ASSERT_REL(times_of(&f, 0)->done, 0.1 + (1e10 - 1.125e6) / 1.0125e9, TIME_TOL);
        struct cpn_flow_usage u;
        CU_ASSERT_EQUAL(cpn_flownet_usage(cpn_network_flows(f.net), 0, &u), CPN_OK);
        CU_ASSERT_EQUAL(u.capacity, 12.5e6);
        fx_free(&f);
    }
    /* The policy may ask instead: earliest_finish with elastic = 1 GB/s for inputs of at least
     * 1 GB.  A batch job (10 s) with a 10 GB input: the same stage-in, then its run: done at
     * 0.1 + (1e10 - 1.125e6) / 1.0125e9 + 10 s. */
    struct fx f;
    struct link_def links[] = {{0, 1, 0.01, 12.5e6}};
    fx_init(&f, 2, links, 1);
    CU_ASSERT_FATAL(cpn_network_set_elastic(f.net, 0, 1e9, 0.1) == CPN_OK);
    struct cpn_policy_setting ask[] = {{"elastic", 1e9}, {"elastic_above", 1e9}};
    CU_ASSERT_FATAL(cpn_policy_new(cpn_policy_find(NULL, "earliest_finish"), ask, 2, f.rng, 1, 2,
                                   &f.policy) == CPN_OK);
    fx_jobs(&f, NULL, 1, NULL, 1);
    fx_center(&f, 1, 1, 1e9, CPN_CENTER_HPC);
    struct cpn_job_spec s = job(0, 0, 1);
    s.bytes_in = 1e10;
    s.duration = 10;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    struct cpn_jobs_stats st;
    cpn_jobs_stats(f.jobs, &st);
    CU_ASSERT_EQUAL(st.bw_granted, 1);
    CPN_ASSERT_REL(times_of(&f, 0)->done, 0.1 + (1e10 - 1.125e6) / 1.0125e9 + 10, TIME_TOL);
    fx_free(&f);
}

static void test_an_ingest_lights_a_wavelength_after_the_roadm_setup(void)
{
    /* n0 -> n1: an IP link of one 8 Gbit/s (1 GB/s) wavelength, 10 ms, over one fibre span of 2
     * slots; one more lightpath takes 60 s to set up (ROADM).  A 100 GB ingest asking 1 GB/s:
     * ceil(1 / 1) = 1 wavelength, free on the span: granted.  Its flow joins at 0.01 s and moves
     * 59.99 GB by 60 s at 1 GB/s, then 40.01 GB at 2 GB/s: done at 60 + 20.005 = 80.005 s.  A
     * second ingest asking 1.5 GB/s at the same time needs 2 wavelengths, the span has 1 left:
     * refused (first come, first served), and nothing is lit for it.  After both, the
     * wavelength is dark again: 1 slot in use (the link's own), 2 at the peak. */
    for (int two = 0; two <= 1; two++) {
        struct fx f;
        struct link_def links[] = {{0, 1, 0.01, 1e9}};
        fx_init(&f, 2, links, 1);
        uint32_t span, slots = 0, used = 0, peak = 0;
        CU_ASSERT_FATAL(cpn_network_add_span(f.net, 2, &span) == CPN_OK);
        CU_ASSERT_FATAL(cpn_network_set_lightpaths(f.net, 0, &span, 1, 1e9, 60) == CPN_OK);
        fx_jobs(&f, "nearest", 1, NULL, 1);
        fx_center(&f, 1, 1, 1e9, CPN_CENTER_HPC);
        for (int i = 0; i <= two; i++) {
            struct cpn_job_spec s = job(0, 0, 1);
            s.kind = CPN_JOB_INGEST;
            s.bytes_in = 1e11;
            s.elastic = i ? 1.5e9 : 1e9;
            CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
        }
        CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
        fx_run(&f);
        struct cpn_jobs_stats st;
        cpn_jobs_stats(f.jobs, &st);
        CU_ASSERT_EQUAL(st.bw_granted, 1);
        CU_ASSERT_EQUAL(st.bw_refused, (uint64_t)two);
        if (!two)
            CPN_ASSERT_REL(times_of(&f, 0)->done, 80.005, TIME_TOL);
        CU_ASSERT_EQUAL(cpn_network_span_state(f.net, span, &slots, &used, &peak), CPN_OK);
        CU_ASSERT_EQUAL(slots, 2);
        CU_ASSERT_EQUAL(used, 1);
        CU_ASSERT_EQUAL(peak, 2);
        struct cpn_flow_usage u;
        CU_ASSERT_EQUAL(cpn_flownet_usage(cpn_network_flows(f.net), 0, &u), CPN_OK);
        CU_ASSERT_EQUAL(u.capacity, 1e9);
        fx_free(&f);
    }
}

static void test_lightpaths_take_the_first_slot_free_on_every_span(void)
{
    /* Wavelength continuity, first fit (models/net/optical.h): spans A (4 slots), B (3 slots).
     * A lightpath over A lit alone takes slot 0 of A; one over B takes slot 0 of B; then two
     * over A and B need slots free on both: 1 and 2.  One more over A and B: A has 3 free, B
     * none: refused, nothing changes.  Darkening slot 1 makes it the next one over A and B. */
    struct cpn_optical *o = cpn_optical_new();
    CU_ASSERT_FATAL(o != NULL);
    uint32_t a, b, got[3] = {99, 99, 99};
    int ok = 0;
    CU_ASSERT_FATAL(cpn_optical_add_span(o, 4, &a) == CPN_OK);
    CU_ASSERT_FATAL(cpn_optical_add_span(o, 3, &b) == CPN_OK);
    CU_ASSERT_EQUAL(cpn_optical_add_span(o, 0, &b), CPN_EINVAL);
    uint32_t ab[] = {a, b};
    CU_ASSERT(cpn_optical_light(o, &a, 1, 1, got, &ok) == CPN_OK && ok && got[0] == 0);
    CU_ASSERT(cpn_optical_light(o, &b, 1, 1, got, &ok) == CPN_OK && ok && got[0] == 0);
    CU_ASSERT(cpn_optical_light(o, ab, 2, 2, got, &ok) == CPN_OK && ok);
    CU_ASSERT(got[0] == 1 && got[1] == 2);
    got[0] = 99;
    CU_ASSERT(cpn_optical_light(o, ab, 2, 1, got, &ok) == CPN_OK && !ok && got[0] == 99);
    uint32_t used = 0, peak = 0;
    CU_ASSERT(cpn_optical_span_state(o, a, NULL, &used, &peak) == CPN_OK && used == 3 && peak == 3);
    uint32_t one = 1;
    CU_ASSERT_EQUAL(cpn_optical_darken(o, ab, 2, 1, &one), CPN_OK);
    CU_ASSERT_EQUAL(cpn_optical_darken(o, ab, 2, 1, &one), CPN_EINVAL); /* not lit */
    CU_ASSERT(cpn_optical_light(o, ab, 2, 1, got, &ok) == CPN_OK && ok && got[0] == 1);
    uint32_t twice[] = {a, a};
    CU_ASSERT_EQUAL(cpn_optical_light(o, twice, 2, 1, got, &ok), CPN_EINVAL);
    cpn_optical_free(o);
}

static void test_deploy_reaches_the_n_nearest_centers_of_the_kind(void)
{
    /* Star from n0: n1 (10 ms), n2 (20 ms), n3 (30 ms), n4 (5 ms), 1 GB/s each.  Centers: c0 at
     * n1 (ai), c1 at n2 (ai), c2 at n3 (ai), c3 at n4 (hpc).  Deploy 100 MB to 2 "ai" targets:
     * c0 and c1, done at max(0.01, 0.02) + 0.1 = 0.12 s; c3 is nearer but not ai. */
    struct fx f;
    struct link_def links[] = {
        {0, 1, 0.01, 1e9}, {0, 2, 0.02, 1e9}, {0, 3, 0.03, 1e9}, {0, 4, 0.005, 1e9}};
    fx_init(&f, 5, links, 4);
    fx_jobs(&f, NULL, 4, NULL, 1);
    fx_center(&f, 1, 1, 1e9, CPN_CENTER_AI);
    fx_center(&f, 2, 1, 1e9, CPN_CENTER_AI);
    fx_center(&f, 3, 1, 1e9, CPN_CENTER_AI);
    fx_center(&f, 4, 1, 1e9, CPN_CENTER_HPC);
    struct cpn_job_spec s = job(0, 0, 1);
    s.kind = CPN_JOB_DEPLOY;
    s.bytes_in = 1e8;
    s.targets = 2;
    s.target_kind = CPN_CENTER_AI;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    const struct cpn_job_times *t = times_of(&f, 0);
    CU_ASSERT(t->state == CPN_JOB_DONE && t->center == 0);
    CPN_ASSERT_REL(t->done, 0.12, TIME_TOL);
    CU_ASSERT(f.r.flows == 2 && t->bytes_in_asked == 2e8 && t->bytes_in_done == 2e8);
    /* Its ideal time: the longer copy alone, 0.02 + 0.1 = 0.12 s (it had the links to itself). */
    CU_ASSERT_FATAL(f.r.records.len == 1);
    CPN_ASSERT_REL(f.r.records.items[0].ideal_transfer, 0.12, TIME_TOL);
    fx_free(&f);
}

static void test_an_idle_inference_request_pays_rtt_plus_service(void)
{
    /* Center at n1, RTT 2 x 10 ms; requests of 1e8 FLOP on 1e9 FLOP/s: 0.1 s service; at
     * 0.01 requests/s over 1e4 s (about 100 requests) a request almost never waits:
     * latency = 0.02 + 0.1 = 0.12 s unless it arrives within 0.1 s of the previous one. */
    struct fx f;
    struct link_def links[] = {{0, 1, 0.01, 1e9}};
    fx_init(&f, 2, links, 1);
    fx_jobs(&f, NULL, 1, NULL, 1);
    fx_center(&f, 1, 1, 1e9, CPN_CENTER_EDGE);
    struct cpn_job_spec s = job(0, 0, 1);
    s.kind = CPN_JOB_INFERENCE;
    s.center = 0;
    s.duration = 1e4;
    s.request_rate = 0.01;
    s.request_flop = 1e8;
    s.slo = 0.15;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CU_ASSERT_FATAL(f.r.latency.len > 50);
    size_t exact = 0;
    for (size_t i = 0; i < f.r.latency.len; i++)
        exact += fabs(f.r.latency.items[i] - 0.12) < 1e-9;
    CU_ASSERT(exact >= f.r.latency.len - 2);
    const struct cpn_job_times *t = times_of(&f, 0);
    CU_ASSERT(t->requests == f.r.latency.len && t->requests_slo_met >= t->requests - 2);
    CU_ASSERT(f.r.records.items[0].slo_met == 1); /* >= 99 % within 0.15 s */
    CU_ASSERT(t->run_end == 1e4 && t->done >= 1e4);
    fx_free(&f);
}

static void test_a_request_trace_is_served_fcfs_by_one_service(void)
{
    /* Three requests at 0, 0.05 and 0.1 s after the service starts (t = 5), 1e8 FLOP each on
     * one 1e9 FLOP/s server (0.1 s each), RTT 0: FCFS ends at 0.1, 0.2, 0.3 s, latencies
     * 0.1, 0.15, 0.2 s.  SLO 0.16 s: 2 of 3 met (67 % < 99 %): the job misses its SLO. */
    struct fx f;
    fx_simple(&f, 1, 1e9, CPN_CENTER_EDGE);
    struct cpn_wlog_request reqs[3] = {
        {.time = 0, .flop = 1e8, .line = 2},
        {.time = 0.05, .flop = 1e8, .line = 3},
        {.time = 0.1, .flop = 1e8, .line = 4},
    };
    struct cpn_wlog tr = {
        .format = CPN_WLOG_AZURE, .kind = "inference", .requests = reqs, .nrequests = 3};
    struct cpn_wlog_source_spec src;
    cpn_wlog_source_spec_init(&src);
    src.id = "azure";
    src.log = &tr;
    src.base.origin = 0;
    src.base.center = 0;
    src.base.duration = 60;
    src.base.slo = 0.16;
    src.service_submit = 5;
    CU_ASSERT_FATAL(cpn_jobs_add_wlog(f.jobs, &src) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CU_ASSERT_FATAL(f.r.latency.len == 3);
    const double expect[] = {0.1, 0.15, 0.2};
    for (int i = 0; i < 3; i++) {
        CPN_ASSERT_REL(f.r.latency.items[i], expect[i], TIME_TOL);
        CU_ASSERT(f.r.slo_met.items[i] == (i < 2));
    }
    const struct cpn_job_times *t = times_of(&f, 0);
    CU_ASSERT(t->kind == CPN_JOB_INFERENCE && t->start == 5 && t->done == 65);
    CU_ASSERT(t->requests == 3 && t->requests_slo_met == 2);
    CU_ASSERT(f.r.records.items[0].slo_met == 0);
    fx_free(&f);
}

static void test_a_service_on_a_failed_center_loses_its_requests_in_flight(void)
{
    /* A service from a request log (1e9 FLOP each on one 1e9 FLOP/s server: 1 s each; at 0, 1,
     * 2, 3, 10 and 20 s after it starts; lifetime 60 s; SLO 1.03 s) placed by nearest on c0
     * (RTT 0.02 s) at 0.  c0 fails at 2.5 s: the request of 2 s, in service, fails; the service
     * is deployed again on c1 (RTT 0.04 s) at 2.5 s and serves the rest.  Latencies: 1.02, 1.02,
     * failed (NaN), 1.04, 1.04, 1.04; SLO met by 2 of 6; it ends at its lifetime, 60 s. */
    struct fx f;
    struct link_def links[] = {{0, 1, 0.01, 1e9}, {0, 2, 0.02, 1e9}};
    fx_init(&f, 3, links, 2);
    fx_jobs(&f, "nearest", 2, NULL, 1);
    fx_center(&f, 1, 1, 1e9, CPN_CENTER_EDGE);
    fx_center(&f, 2, 1, 1e9, CPN_CENTER_EDGE);
    struct cpn_wlog_request reqs[6] = {{.time = 0, .flop = 1e9},  {.time = 1, .flop = 1e9},
                                       {.time = 2, .flop = 1e9},  {.time = 3, .flop = 1e9},
                                       {.time = 10, .flop = 1e9}, {.time = 20, .flop = 1e9}};
    struct cpn_wlog tr = {
        .format = CPN_WLOG_AZURE, .kind = "inference", .requests = reqs, .nrequests = 6};
    struct cpn_wlog_source_spec src;
    cpn_wlog_source_spec_init(&src);
    src.id = "chat";
    src.log = &tr;
    src.base.origin = 0;
    src.base.units = 1;
    src.base.duration = 60;
    src.base.slo = 1.03;
    src.service_submit = 0;
    CU_ASSERT_FATAL(cpn_jobs_add_wlog(f.jobs, &src) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    CU_ASSERT_FATAL(cpn_engine_schedule(f.eng, 2.5, &fail_c0_handler, f.jobs, 0, NULL) == CPN_OK);
    fx_run(&f);
    CU_ASSERT_FATAL(f.r.latency.len == 6);
    const double expect[] = {1.02, 1.02, NAN, 1.04, 1.04, 1.04};
    for (int i = 0; i < 6; i++) {
        if (isnan(expect[i])) {
            CU_ASSERT(isnan(f.r.latency.items[i]));
        } else {
            CPN_ASSERT_REL(f.r.latency.items[i], expect[i], TIME_TOL);
        }
        CU_ASSERT(f.r.slo_met.items[i] == (i < 2));
    }
    const struct cpn_job_times *t = times_of(&f, 0);
    CU_ASSERT(t->state == CPN_JOB_DONE && t->center == 1);
    CPN_ASSERT_REL(t->done, 60, TIME_TOL);
    CU_ASSERT(t->requests == 6 && t->requests_slo_met == 2);
    struct cpn_jobs_stats st;
    cpn_jobs_stats(f.jobs, &st);
    CU_ASSERT(st.requeued == 1 && st.requests_failed == 1);
    fx_free(&f);
}

static void test_poisson_requests_arriving_while_a_service_is_redeployed_fail(void)
{
    /* A service of Poisson requests (100/s, 1e6 FLOP each: 1 ms on 1e9 FLOP/s) with a 10 GB
     * model, placed by nearest on c0 (n1, 1 GB/s, 10 ms): up at 10.01 s.  c0 fails at 20 s;
     * the model is staged again to c1 (n2, 20 ms): up at 30.02 s.  The requests of the gap
     * [20, 30.02) fail: every failed record arrived in it (or was in service at 20 s), none of
     * the gap is served, and their number is Poisson with mean 100 x 10.02 = 1,002
     * (within 4 sigma, +-127; the seed is fixed). */
    struct fx f;
    struct link_def links[] = {{0, 1, 0.01, 1e9}, {0, 2, 0.02, 1e9}};
    fx_init(&f, 3, links, 2);
    fx_jobs(&f, "nearest", 2, NULL, 1);
    fx_center(&f, 1, 1, 1e9, CPN_CENTER_EDGE);
    fx_center(&f, 2, 1, 1e9, CPN_CENTER_EDGE);
    struct cpn_job_spec s = job(0, 0, 1);
    s.kind = CPN_JOB_INFERENCE;
    s.duration = 60;
    s.bytes_in = 1e10;
    s.request_rate = 100;
    s.request_flop = 1e6;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    CU_ASSERT_FATAL(cpn_engine_schedule(f.eng, 20, &fail_c0_handler, f.jobs, 0, NULL) == CPN_OK);
    fx_run(&f);
    size_t in_gap = 0, outside = 0, served_in_gap = 0;
    for (size_t i = 0; i < f.r.latency.len; i++) {
        double t = f.r.req_time.items[i];
        int gap = t >= 20 && t < 30.02;
        if (isnan(f.r.latency.items[i])) {
            in_gap += gap;
            outside += !gap && !(t > 19.99 && t < 20);
        } else {
            served_in_gap += gap;
        }
    }
    CU_ASSERT(outside == 0 && served_in_gap == 0);
    CU_ASSERT(in_gap > 1002 - 127 && in_gap < 1002 + 127);
    struct cpn_jobs_stats st;
    cpn_jobs_stats(f.jobs, &st);
    CU_ASSERT(st.requests_failed >= in_gap && st.requests_failed <= in_gap + 1);
    CU_ASSERT(times_of(&f, 0)->center == 1);
    fx_free(&f);
}

static void test_inference_mm1_mean_sojourn_matches_the_analytic_value(void)
{
    /* M/M/1: arrivals Poisson lambda = 5/s, service exp with mean 1e8 FLOP / 1e9 FLOP/s = 0.1 s
     * (mu = 10/s), RTT 0 (center at the origin).  Mean sojourn 1 / (mu - lambda) = 0.2 s
     * (Kleinrock, Queueing Systems I, 1975, eq. 3.26).  Over 2e4 s (1e5 requests) the mean is
     * checked against a 99 % batch-means confidence interval (20 batches, t_{19, 0.995} =
     * 2.861). */
    struct fx f;
    fx_simple(&f, 1, 1e9, CPN_CENTER_EDGE);
    struct cpn_dist flop;
    char why[128];
    CU_ASSERT_FATAL(cpn_dist_parse("exp(1e8)", NULL, NULL, &flop, why, sizeof why) == CPN_OK);
    struct cpn_job_spec s = job(0, 0, 1);
    s.kind = CPN_JOB_INFERENCE;
    s.center = 0;
    s.duration = 2e4;
    s.request_rate = 5;
    s.request_flop_dist = &flop;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    size_t n = f.r.latency.len, b = 20, per = n / b;
    CU_ASSERT_FATAL(n > 90000);
    double means[20];
    for (size_t i = 0; i < b; i++)
        means[i] = gsl_stats_mean(f.r.latency.items + i * per, 1, per);
    double mean = gsl_stats_mean(means, 1, b), sd = gsl_stats_sd(means, 1, b);
    double half = 2.861 * sd / sqrt((double)b);
    CU_ASSERT(fabs(mean - 0.2) <= half);
    CU_ASSERT(half < 0.02);                /* the interval is narrow enough to mean something */
    CU_ASSERT(f.r.slo_met.items[0] == -1); /* no SLO given */
    cpn_dist_release(&flop);
    fx_free(&f);
}

static void test_energy_cost_and_carbon_per_center_match_the_center_model(void)
{
    /* Two units (idle 100 W, peak 300 W), PUE 1.5, 1e-6 currency/J, 1e-7 kg/J.  One 1-unit job
     * of 10 s from t = 0; the run ends at 10.  IT energy = (300 + 100) W x 10 s = 4000 J;
     * facility energy 6000 J; cost 6e-3; carbon 6e-4 kg; busy 10 unit s. */
    struct fx f;
    fx_init(&f, 1, NULL, 0);
    fx_jobs(&f, NULL, 1, NULL, 1);
    struct cpn_center_spec cs;
    cpn_center_spec_init(&cs);
    cs.id = "green";
    cs.node = 0;
    cs.pue = 1.5;
    cs.electricity_price = 1e-6;
    cs.carbon_intensity = 1e-7;
    struct cpn_pool_spec ps = {"cpu", 2, 1e9, 0, "", 100, 300, 0};
    CU_ASSERT_FATAL(cpn_jobs_add_center(f.jobs, &cs, &ps, 1, NULL) == CPN_OK);
    struct cpn_job_spec s = job(0, 0, 1);
    s.duration = 10;
    s.center = 0;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CU_ASSERT(cpn_engine_now(f.eng) == 10);
    CPN_ASSERT_REL(f.r.energy[0], 6000, 1e-12);
    CPN_ASSERT_REL(f.r.cost[0], 6e-3, 1e-12);
    CPN_ASSERT_REL(f.r.carbon[0], 6e-4, 1e-12);
    CPN_ASSERT_REL(f.r.busy[0], 10, 1e-12);
    fx_free(&f);
}

static void test_trace_records_become_jobs_scaled_to_the_pool_speed(void)
{
    /* Three records; the second has no run time (skipped, counted).  Reference speed 1e9, pool
     * 2e9 FLOP/s: the 100 s record runs 50 s, the 40 s one 20 s.  Both on one 4-unit pool at
     * the origin: record 0 (t = 0, 2 units) ends at 50; record 2 (t = 5, 2 units) at 25. */
    struct fx f;
    fx_simple(&f, 4, 2e9, CPN_CENTER_HPC);
    struct cpn_wlog_job recs[3] = {
        {.submit = 0, .runtime = 100, .walltime = 200, .units = 2, .line = 1},
        {.submit = 1, .runtime = NAN, .walltime = NAN, .units = 1, .line = 2},
        {.submit = 5, .runtime = 40, .walltime = NAN, .units = 2, .line = 3},
    };
    struct cpn_wlog tr = {.format = CPN_WLOG_SWF, .kind = "batch", .jobs = recs, .njobs = 3};
    struct cpn_wlog_source_spec src;
    cpn_wlog_source_spec_init(&src);
    src.id = "swf";
    src.log = &tr;
    src.base.origin = 0;
    src.base.center = 0;
    src.base.ref_speed = 1e9;
    CU_ASSERT_FATAL(cpn_jobs_add_wlog(f.jobs, &src) == CPN_OK);
    CU_ASSERT(cpn_jobs_add_wlog(f.jobs, &src) == CPN_EINVAL); /* the id is taken */
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    struct cpn_jobs_stats st;
    cpn_jobs_stats(f.jobs, &st);
    CU_ASSERT(st.done == 2 && st.wlog_skipped == 1);
    CU_ASSERT(times_of(&f, 0)->done == 50 && times_of(&f, 1)->done == 25);
    CU_ASSERT(times_of(&f, 1)->submit == 5);
    fx_free(&f);
}

static void test_distributed_awareness_sees_remote_centers_by_advertisement(void)
{
    /* Distributed, period 10 s, regions = nodes.  One center at n1, 10 ms from n0.  At t = 15
     * a job from n0 sees the advertisement of t = 10 (visible at 10.02): staleness 5; a job
     * from n1, in the center's region, sees it exactly: staleness 0. */
    struct fx f;
    struct link_def links[] = {{0, 1, 0.01, 1e9}};
    fx_init(&f, 2, links, 1);
    struct cpn_awareness_config aw = {CPN_AWARENESS_DISTRIBUTED, 10, 0, NULL};
    fx_jobs(&f, "nearest", 1, &aw, 1);
    fx_center(&f, 1, 4, 1e9, CPN_CENTER_HPC);
    for (uint32_t o = 0; o < 2; o++) {
        struct cpn_job_spec s = job(o, 15, 1);
        s.duration = 1;
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    }
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CPN_ASSERT_REL(times_of(&f, 0)->staleness, 5, TIME_TOL);
    CU_ASSERT(times_of(&f, 1)->staleness == 0);
    fx_free(&f);
}

static void test_a_job_outrunning_its_walltime_is_killed_and_failed(void)
{
    /* Run time 10 s, estimate 4 s: the center ends it at 4 s (CPN_WALLTIME_KILL). */
    struct fx f;
    fx_simple(&f, 1, 1e9, CPN_CENTER_HPC);
    struct cpn_job_spec s = job(0, 0, 1);
    s.duration = 10;
    s.walltime = 4;
    s.center = 0;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    const struct cpn_job_times *t = times_of(&f, 0);
    CU_ASSERT(t->state == CPN_JOB_FAILED && t->done == 4 && t->run_end == 4);
    CU_ASSERT(f.r.records.items[0].state == CPN_JOB_FAILED);
    fx_free(&f);
}

static void test_a_drain_ends_the_run_at_the_last_end_of_the_jobs_that_arrived(void)
{
    /* One 1-unit center (FCFS), arrivals until 50 s: J0 at 0 (100 s) runs [0, 100], J1 at 10
     * (100 s) waits and runs [100, 200]; J2 at 60 s is after the limit and never arrives.  Run
     * to 50, drain: the engine stops when J1 ends, at 200 s, with no job active. */
    struct fx f;
    fx_init(&f, 1, NULL, 0);
    struct cpn_jobs_config cfg = {.engine = f.eng,
                                  .network = f.net,
                                  .topo = f.topo,
                                  .router = f.router,
                                  .observer = &f.obs,
                                  .rng = f.rng,
                                  .arrivals_until = 50,
                                  .hook = rec_hook,
                                  .hook_ctx = &f.r};
    CU_ASSERT_FATAL(cpn_jobs_new(&cfg, &f.jobs) == CPN_OK);
    fx_center(&f, 0, 1, 1e9, CPN_CENTER_HPC);
    const double submit[] = {0, 10, 60};
    for (int i = 0; i < 3; i++) {
        struct cpn_job_spec s = job(0, submit[i], 1);
        s.duration = 100;
        s.center = 0;
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    }
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, 50), CPN_OK);
    CU_ASSERT_EQUAL(cpn_jobs_drain(f.jobs), 0); /* J0 and J1 are active */
    CU_ASSERT_FALSE(cpn_jobs_drained(f.jobs));
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, 1000), CPN_EINTERRUPT); /* the drain's stop */
    CU_ASSERT_TRUE(cpn_jobs_drained(f.jobs));
    CU_ASSERT_EQUAL(cpn_engine_now(f.eng), 200);
    CU_ASSERT(cpn_jobs_finish(f.jobs, 1) == CPN_OK);
    CU_ASSERT_EQUAL(f.r.records.len, 2);
    CU_ASSERT(times_of(&f, 0)->done == 100 && times_of(&f, 1)->done == 200);
    struct cpn_jobs_stats st;
    cpn_jobs_stats(f.jobs, &st);
    CU_ASSERT(st.submitted == 2 && st.active == 0); /* J2 never arrived */
    fx_free(&f);
}

static void test_input_without_a_route_fails_the_job(void)
{
    /* n0 and n1 are not linked; the fixed center at n1 can never receive n0's input. */
    struct fx f;
    fx_init(&f, 2, NULL, 0);
    fx_jobs(&f, NULL, 1, NULL, 1);
    fx_center(&f, 1, 1, 1e9, CPN_CENTER_HPC);
    struct cpn_job_spec s = job(0, 0, 1);
    s.duration = 1;
    s.bytes_in = 1e6;
    s.center = 0;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CU_ASSERT(times_of(&f, 0)->state == CPN_JOB_FAILED && times_of(&f, 0)->reason != NULL);
    fx_free(&f);
}

/* A policy that records what it is told: first center that fits ever; counts ticks and
 * job-finished events in a test-owned record (a policy has no other way out; tests run on one
 * thread). */
struct probe_state {
    int ticks, finished, center_changed, link_changed, granted, refused;
    double last_finish; /* [s] */
};

static struct probe_state probe_seen;

static int probe_create(struct cpn_policy_ctx *ctx)
{
    ctx->state = &probe_seen;
    return 0;
}

static int probe_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                       const struct cpn_world *world, struct cpn_policy_decision *out)
{
    (void)ctx;
    for (uint32_t c = 0; c < world->n_centers; c++)
        if (cpn_world_fit_pool(&world->centers[c], job, CPN_WORLD_FIT_EVER) != CPN_NONE) {
            out->center = c;
            break;
        }
    return 0;
}

static void probe_event(struct cpn_policy_ctx *ctx, const struct cpn_policy_event *ev,
                        const struct cpn_world *world)
{
    struct probe_state *st = ctx->state;
    if (ev->kind == CPN_POLICY_EVENT_JOB_FINISHED) {
        st->finished++;
        st->last_finish = ev->time;
    }
    if (ev->kind == CPN_POLICY_EVENT_CENTER_CHANGED && ev->center == 0)
        st->center_changed += world->centers[0].up ? 10 : 1; /* the world shows the new state */
    if (ev->kind == CPN_POLICY_EVENT_LINK_CHANGED && ev->link == 3)
        st->link_changed++;
    st->granted += ev->kind == CPN_POLICY_EVENT_BANDWIDTH_GRANTED && ev->center == 0;
    st->refused += ev->kind == CPN_POLICY_EVENT_BANDWIDTH_REFUSED && ev->center == 0;
}

static void probe_tick(struct cpn_policy_ctx *ctx, const struct cpn_world *world)
{
    (void)world;
    ((struct probe_state *)ctx->state)->ticks++;
}

static const struct cpn_policy_ops probe_ops = {
    .abi = CPN_POLICY_ABI,
    .name = "probe",
    .doc = "test policy: first fit, counts ticks and events",
    .create = probe_create,
    .place = probe_place,
    .on_event = probe_event,
    .on_tick = probe_tick,
    .tick_period = 10,
};

/* A policy rejecting the jobs of more than one unit, placing the others on center 0.  Its
 * reason lives in a buffer it wipes at every call: the jobs layer must keep its own copy. */
static int picky_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                       const struct cpn_world *world, struct cpn_policy_decision *out)
{
    static char reason[32];
    (void)ctx, (void)world;
    memset(reason, 0, sizeof reason);
    if (job->units > 1) {
        snprintf(reason, sizeof reason, "wants %u units", job->units);
        out->reject = reason;
    } else {
        out->center = 0;
    }
    return 0;
}

static const struct cpn_policy_ops picky_ops = {
    .abi = CPN_POLICY_ABI, .name = "picky", .doc = "test policy", .place = picky_place};

static void test_a_policy_rejects_with_its_reason(void)
{
    /* Jobs of 1, 2, 1 and 2 units on a 4-unit center: the two of 2 units are rejected by the
     * policy ("by the policy: wants 2 units", one copy kept for both), the others done. */
    struct fx f;
    fx_init(&f, 1, NULL, 0);
    CU_ASSERT_FATAL(cpn_policy_new(&picky_ops, NULL, 0, f.rng, 1, 1, &f.policy) == CPN_OK);
    fx_jobs(&f, NULL, 1, NULL, 1);
    fx_center(&f, 0, 4, 1e9, CPN_CENTER_HPC);
    uint32_t units[4] = {1, 2, 1, 2};
    for (int i = 0; i < 4; i++) {
        struct cpn_job_spec s = job(0, (double)i, units[i]);
        s.duration = 10;
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    }
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    struct cpn_jobs_stats st;
    cpn_jobs_stats(f.jobs, &st);
    CU_ASSERT_EQUAL(st.rejected, 2);
    CU_ASSERT_EQUAL(st.done, 2);
    CU_ASSERT_EQUAL_FATAL(f.r.times.len, 4);
    const char *first = NULL;
    for (size_t i = 0; i < f.r.times.len; i++) {
        const struct cpn_job_times *t = &f.r.times.items[i];
        if (t->units == 2) {
            CU_ASSERT_EQUAL(t->state, CPN_JOB_REJECTED);
            CU_ASSERT_EQUAL(t->center, CPN_NONE);
            CU_ASSERT_STRING_EQUAL(t->reason, "by the policy: wants 2 units");
            CU_ASSERT(!first || first == t->reason); /* one kept copy */
            first = t->reason;
        } else {
            CU_ASSERT_EQUAL(t->state, CPN_JOB_DONE);
        }
    }
    fx_free(&f);
}

static void test_bandwidth_grants_and_refusals_reach_the_policy(void)
{
    /* Two ingests asking 1 GB/s each over a link whose elastic budget is 1.5 GB/s: the first is
     * granted, the second refused; the policy hears both (center 0, where their data goes). */
    struct fx f;
    memset(&probe_seen, 0, sizeof probe_seen);
    struct link_def links[] = {{0, 1, 0.01, 12.5e6}};
    fx_init(&f, 2, links, 1);
    CU_ASSERT_FATAL(cpn_network_set_elastic(f.net, 0, 1.5e9, 0.1) == CPN_OK);
    CU_ASSERT_FATAL(cpn_policy_new(&probe_ops, NULL, 0, f.rng, 1, 2, &f.policy) == CPN_OK);
    fx_jobs(&f, NULL, 1, NULL, 1);
    fx_center(&f, 1, 1, 1e9, CPN_CENTER_HPC);
    for (int i = 0; i < 2; i++) {
        struct cpn_job_spec s = job(0, 0, 1);
        s.kind = CPN_JOB_INGEST;
        s.bytes_in = 1e10;
        s.elastic = 1e9;
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    }
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CU_ASSERT_EQUAL(probe_seen.granted, 1);
    CU_ASSERT_EQUAL(probe_seen.refused, 1);
    fx_free(&f);
}

static void test_policy_ticks_and_job_ends_reach_the_policy(void)
{
    /* Two 25 s jobs from t = 0 on a 2-unit center; the tick period is 10 s: ticks at 10 and
     * 20 while work remains (the one due at 30 finds none left, or fires after the end: 2 or
     * 3); two JOB_FINISHED events, the last at 25. */
    struct fx f;
    memset(&probe_seen, 0, sizeof probe_seen);
    fx_init(&f, 1, NULL, 0);
    CU_ASSERT_FATAL(cpn_policy_new(&probe_ops, NULL, 0, f.rng, 1, 1, &f.policy) == CPN_OK);
    struct cpn_jobs_config cfg = {.engine = f.eng,
                                  .network = f.net,
                                  .topo = f.topo,
                                  .router = f.router,
                                  .policy = f.policy,
                                  .observer = &f.obs,
                                  .rng = f.rng};
    CU_ASSERT_FATAL(cpn_jobs_new(&cfg, &f.jobs) == CPN_OK);
    fx_center(&f, 0, 2, 1e9, CPN_CENTER_HPC);
    for (int i = 0; i < 2; i++) {
        struct cpn_job_spec s = job(0, 0, 1);
        s.duration = 25;
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    }
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    const struct probe_state *st = &probe_seen;
    CU_ASSERT(st->ticks >= 2 && st->ticks <= 3);
    CU_ASSERT(st->finished == 2 && st->last_finish == 25);
    /* A center failure and repair, and a link change, reach the policy with the world showing
     * the new center state (down: 1, up: 10). */
    CU_ASSERT_EQUAL(cpn_jobs_set_center_up(f.jobs, 0, 0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_jobs_set_center_up(f.jobs, 0, 1), CPN_OK);
    CU_ASSERT_EQUAL(cpn_jobs_link_changed(f.jobs, 3), CPN_OK);
    CU_ASSERT_EQUAL(st->center_changed, 11);
    CU_ASSERT_EQUAL(st->link_changed, 1);
    CU_ASSERT_EQUAL(cpn_jobs_set_center_up(f.jobs, 9, 0), CPN_EINVAL);
    fx_free(&f);
}

/* Invariants over a random mixed workload. */
/* A ring of 6 nodes with chords; 3 centers; generators of every kind until @p stop, placed
 * by @p policy under @p mode.  Every job ends exactly once, none starts before its submit or
 * before its input arrived, bytes delivered = bytes asked. */
static void mixed_workload(const char *policy, enum cpn_awareness_mode mode, double stop,
                           uint64_t min_jobs)
{
    struct fx f;
    struct link_def links[] = {{0, 1, 0.002, 1.25e9}, {1, 2, 0.003, 1.25e9}, {2, 3, 0.004, 2.5e9},
                               {3, 4, 0.002, 1.25e9}, {4, 5, 0.005, 1.25e9}, {5, 0, 0.003, 1.25e9},
                               {0, 3, 0.010, 5e9},    {1, 4, 0.008, 1.25e9}};
    fx_init(&f, 6, links, 8);
    struct cpn_awareness_config aw = {mode, 30, 0.01, NULL};
    fx_jobs(&f, policy, 3, &aw, 2);
    fx_center(&f, 1, 32, 1e12, CPN_CENTER_HPC);
    fx_center(&f, 3, 16, 4e12, CPN_CENTER_AI);
    fx_center(&f, 5, 8, 1e12, CPN_CENTER_EDGE);
    struct cpn_dist units, work, bytes, dur, rate;
    char why[128];
    CU_ASSERT_FATAL(cpn_dist_parse("choice(1:0.5,4:0.3,16:0.15,64:0.05)", NULL, NULL, &units, why,
                                   sizeof why) == CPN_OK);
    CU_ASSERT_FATAL(cpn_dist_parse("exp(1e15)", NULL, NULL, &work, why, sizeof why) == CPN_OK);
    CU_ASSERT_FATAL(cpn_dist_parse("lognormal(20,1.5)", NULL, NULL, &bytes, why, sizeof why) ==
                    CPN_OK);
    CU_ASSERT_FATAL(cpn_dist_parse("uniform(10,600)", NULL, NULL, &dur, why, sizeof why) == CPN_OK);
    CU_ASSERT_FATAL(cpn_dist_parse("uniform(0.1,2)", NULL, NULL, &rate, why, sizeof why) == CPN_OK);
    const uint32_t origins[] = {0, 2, 4};
    const double weights[] = {1, 2, 1};
    const enum cpn_job_kind kinds[] = {CPN_JOB_BATCH,  CPN_JOB_TRAINING,  CPN_JOB_INGEST,
                                       CPN_JOB_DEPLOY, CPN_JOB_INFERENCE, CPN_JOB_VM};
    const char *ids[] = {"batch", "train", "ingest", "deploy", "infer", "vm"};
    const double rates[] = {0.05, 0.02, 0.01, 0.005, 0.001, 0.01};
    for (int k = 0; k < 6; k++) {
        struct cpn_generator_spec g;
        cpn_generator_spec_init(&g);
        g.id = ids[k];
        g.base.kind = kinds[k];
        g.base.request_flop = 1e10;
        g.base.slo = 0.1;
        g.base.targets = 2;
        CU_ASSERT_FATAL(cpn_arrivals_init_poisson(&g.arrivals, rates[k]) == CPN_OK);
        g.stop = stop;
        g.n_origins = 3;
        g.origins = origins;
        g.origin_weights = weights;
        g.units = kinds[k] == CPN_JOB_INFERENCE ? NULL : &units;
        g.work = &work;
        g.duration = &dur;
        g.bytes_in = &bytes;
        g.bytes_out = kinds[k] == CPN_JOB_BATCH ? &bytes : NULL;
        g.request_rate = &rate;
        g.walltime_factor = NULL;
        CU_ASSERT_FATAL(cpn_jobs_add_generator(f.jobs, &g) == CPN_OK);
    }
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    struct cpn_jobs_stats st;
    cpn_jobs_stats(f.jobs, &st);
    CU_ASSERT(st.submitted >= min_jobs);
    CU_ASSERT(st.active == 0 && st.held == 0);
    CU_ASSERT(st.submitted == st.done + st.rejected + st.failed);
    CU_ASSERT(st.rejected > 0); /* 64-unit jobs fit nowhere */
    CU_ASSERT(f.r.times.len == st.submitted && f.r.records.len == st.submitted);
    CPN_ASSERT_REL(st.bytes_delivered, st.bytes_asked, 1e-9);
    unsigned char *seen = calloc(st.submitted, 1);
    CU_ASSERT_FATAL(seen != NULL);
    size_t bad_once = 0, bad_order = 0, bad_bytes = 0;
    for (size_t i = 0; i < f.r.times.len; i++) {
        const struct cpn_job_times *t = &f.r.times.items[i];
        if (t->id >= st.submitted || seen[t->id]++)
            bad_once++;
        if (!isnan(t->start) && (t->start < t->submit || t->start < t->staged))
            bad_order++;
        if (t->done < t->submit)
            bad_order++;
        if (t->state == CPN_JOB_DONE &&
            (fabs(t->bytes_in_done - t->bytes_in_asked) > 1e-6 * t->bytes_in_asked ||
             fabs(t->bytes_out_done - t->bytes_out_asked) > 1e-6 * t->bytes_out_asked))
            bad_bytes++;
    }
    CU_ASSERT(bad_once == 0 && bad_order == 0 && bad_bytes == 0);
    CU_ASSERT(st.requests > 0 && st.requests == f.r.latency.len);
    free(seen);
    cpn_dist_release(&units);
    cpn_dist_release(&work);
    cpn_dist_release(&bytes);
    cpn_dist_release(&dur);
    cpn_dist_release(&rate);
    fx_free(&f);
}

static void test_a_random_mixed_workload_keeps_the_invariants(void)
{
    /* About 0.096 jobs/s over 20000 s: some 1900 jobs. */
    mixed_workload("earliest_finish", CPN_AWARENESS_CENTRALIZED, 20000, 1500);
}

static void test_every_policy_under_every_awareness_mode_keeps_the_invariants(void)
{
    /* The built-in policies through the checks of cpn_policy_place() (a bad decision is an
     * error that stops the run) on the views of every mode; about 280 jobs each. */
    const char *policies[] = {"random",   "round_robin", "least_loaded",    "nearest",
                              "min_cost", "greenest",    "earliest_finish", "balanced"};
    for (size_t p = 0; p < sizeof policies / sizeof policies[0]; p++)
        for (int m = CPN_AWARENESS_ORACLE; m <= CPN_AWARENESS_HYBRID; m++)
            mixed_workload(policies[p], (enum cpn_awareness_mode)m, 3000, 150);
}

static void test_samples_arrive_every_interval_while_work_remains(void)
{
    /* One 100 s job; samples every 10 s: at 10, 20, ..., 100 while the job runs (the sample at
     * 100 fires after the job's end in the same instant or before: 10 samples either way, and
     * none after).  The engine empties: the periodic events stop with the work. */
    struct fx f;
    fx_init(&f, 1, NULL, 0);
    struct cpn_jobs_config cfg = {.engine = f.eng,
                                  .network = f.net,
                                  .topo = f.topo,
                                  .router = f.router,
                                  .observer = &f.obs,
                                  .rng = f.rng,
                                  .sample_interval = 10};
    CU_ASSERT_FATAL(cpn_jobs_new(&cfg, &f.jobs) == CPN_OK);
    fx_center(&f, 0, 1, 1e9, CPN_CENTER_HPC);
    struct cpn_job_spec s = job(0, 0, 1);
    s.duration = 100;
    s.center = 0;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CU_ASSERT(f.r.samples >= 10 && f.r.samples <= 11);
    CU_ASSERT(cpn_engine_pending(f.eng) == 0);
    fx_free(&f);
}

static void test_samples_give_each_pool_its_utilisation(void)
{
    /* A center with two pools of 4 units (1 and 2 GFLOP/s); a 2-unit job of 100 s goes to the
     * faster pool (models/world.h, cpn_world_fit_pool).  The sample at 10 s: pools 0 and 2/4,
     * the center 2/8. */
    struct fx f;
    fx_init(&f, 1, NULL, 0);
    struct cpn_jobs_config cfg = {.engine = f.eng,
                                  .network = f.net,
                                  .topo = f.topo,
                                  .router = f.router,
                                  .observer = &f.obs,
                                  .rng = f.rng,
                                  .sample_interval = 10};
    CU_ASSERT_FATAL(cpn_jobs_new(&cfg, &f.jobs) == CPN_OK);
    struct cpn_center_spec cs;
    cpn_center_spec_init(&cs);
    cs.id = "two";
    cs.node = 0;
    cs.discipline = CPN_QUEUE_FCFS;
    struct cpn_pool_spec ps[2] = {{"slow", 4, 1e9, 0, "", 100, 300, 0},
                                  {"fast", 4, 2e9, 0, "", 100, 300, 0}};
    CU_ASSERT_FATAL(cpn_jobs_add_center(f.jobs, &cs, ps, 2, NULL) == CPN_OK);
    struct cpn_job_spec s = job(0, 0, 2);
    s.duration = 100;
    s.center = 0;
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CU_ASSERT_EQUAL(f.r.n_pool_cols, 2);
    CU_ASSERT_EQUAL(f.r.first_pool[0], 0.0f);
    CU_ASSERT_EQUAL(f.r.first_pool[1], 0.5f);
    CU_ASSERT_EQUAL(f.r.first_center[0], 0.25f);
    fx_free(&f);
}

/* A run of <traffic> only: no center, no job; the links still carry flows, so with
 * sample_always the samples go on every 10 s until the engine stops at t = 100 s (10 samples at
 * 10, 20, ..., 100 s; the finish adds none, the last sample being at the end time). */
static void test_without_centers_samples_go_on_until_the_run_ends(void)
{
    struct fx f;
    fx_init(&f, 1, NULL, 0);
    struct cpn_jobs_config cfg = {.engine = f.eng,
                                  .network = f.net,
                                  .topo = f.topo,
                                  .router = f.router,
                                  .observer = &f.obs,
                                  .rng = f.rng,
                                  .sample_interval = 10,
                                  .sample_always = 1};
    CU_ASSERT_FATAL(cpn_jobs_new(&cfg, &f.jobs) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    CU_ASSERT_FATAL(cpn_engine_run(f.eng, 100) == CPN_OK);
    CU_ASSERT(cpn_jobs_finish(f.jobs, 1) == CPN_OK);
    CU_ASSERT_EQUAL(f.r.samples, 10);
    fx_free(&f);
}

static void test_bad_arguments_and_states_are_reported(void)
{
    struct fx f;
    fx_init(&f, 1, NULL, 0);
    struct cpn_jobs_config cfg = {.engine = f.eng, .network = f.net, .topo = f.topo};
    struct cpn_jobs *jobs;
    CU_ASSERT(cpn_jobs_new(&cfg, &jobs) == CPN_EINVAL); /* no router */
    cfg.router = f.router;
    cfg.n_paths = CPN_NETWORK_MAX_PATHS + 1;
    CU_ASSERT(cpn_jobs_new(&cfg, &jobs) == CPN_EINVAL);
    cfg.n_paths = 1;
    cfg.sample_interval = -1;
    CU_ASSERT(cpn_jobs_new(&cfg, &jobs) == CPN_EINVAL);
    fx_jobs(&f, NULL, 1, NULL, 1);
    struct cpn_center_spec cs;
    cpn_center_spec_init(&cs);
    cs.id = "c";
    cs.node = 7;
    struct cpn_pool_spec ps = {"p", 1, 1e9, 0, "", 1, 2, 0};
    CU_ASSERT(cpn_jobs_add_center(f.jobs, &cs, &ps, 1, NULL) == CPN_EINVAL); /* no node 7 */
    cs.node = 0;
    ps.units = 0;
    CU_ASSERT(cpn_jobs_add_center(f.jobs, &cs, &ps, 1, NULL) == CPN_ESCENARIO);
    ps.units = 1;
    ps.accelerator = "A100";
    CU_ASSERT_FATAL(cpn_jobs_add_center(f.jobs, &cs, &ps, 1, NULL) == CPN_OK);
    CU_ASSERT(cpn_jobs_pool_type(f.jobs, "A100") == 0);
    CU_ASSERT(cpn_jobs_pool_type(f.jobs, "H100") == CPN_NONE);
    struct cpn_job_spec s = job(0, 0, 0);
    CU_ASSERT(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_EINVAL); /* 0 units */
    s = job(3, 0, 1);
    CU_ASSERT(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_EINVAL); /* no node 3 */
    s = job(0, 0, 1);
    s.bytes_in = -1;
    CU_ASSERT(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_EINVAL);
    s = job(0, 0, 1);
    s.kind = CPN_JOB_INFERENCE;
    CU_ASSERT(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_EINVAL); /* no request rate */
    struct cpn_generator_spec g;
    cpn_generator_spec_init(&g);
    g.id = "";
    g.base.origin = 0;
    CU_ASSERT(cpn_jobs_add_generator(f.jobs, &g) == CPN_EINVAL);
    g.id = "g";
    g.stop = -1;
    CU_ASSERT(cpn_jobs_add_generator(f.jobs, &g) == CPN_EINVAL);
    CU_ASSERT(cpn_jobs_add_wlog(f.jobs, NULL) == CPN_EINVAL);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    CU_ASSERT(cpn_jobs_start(f.jobs) == CPN_ESTATE);
    CU_ASSERT(cpn_jobs_add_center(f.jobs, &cs, &ps, 1, NULL) == CPN_ESTATE);
    g.stop = INFINITY;
    CU_ASSERT(cpn_jobs_add_generator(f.jobs, &g) == CPN_ESTATE);
    CU_ASSERT_FATAL(cpn_engine_run(f.eng, 5) == CPN_OK);
    s = job(0, 1, 1);
    CU_ASSERT(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_EINVAL); /* before now (5 s) */
    fx_free(&f);
}

/* ------------------------------------------------------------------------------------------
 * Streamed datasets and training by iterations (jobs_compute.c) */

/* n0 (a storage site, unlimited read) -- n1 (one center of 4 units of 1e12 FLOP/s), 1 ms, link
 * capacity @p cap.  One job streams 10 GB while computing 4e13 FLOP on 4 units: its ideal run
 * time is 10 s, so it consumes 1e9 B/s; 1 GB is prefetched before it queues. */
static void stream_fixture(struct fx *f, double cap)
{
    struct link_def links[] = {{0, 1, 1e-3, cap}};
    fx_init(f, 2, links, 1);
    const uint32_t nodes[] = {0};
    const double read[] = {0};
    fx_sites(f, nodes, read, 1);
    fx_jobs(f, NULL, 1, NULL, 1);
    uint32_t c = fx_center(f, 1, 4, 1e12, CPN_CENTER_AI);
    struct cpn_job_spec s = job(0, 0, 4);
    s.kind = CPN_JOB_TRAINING;
    s.work = 4e13;
    s.bytes_in = 10e9;
    s.access = CPN_ACCESS_STREAM;
    s.prefetch = 1e9;
    s.dataset_site = 0;
    s.center = c;
    CU_ASSERT_FATAL(cpn_jobs_submit(f->jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f->jobs) == CPN_OK);
}

static void test_a_stream_at_the_full_rate_computes_at_full_speed(void)
{
    /* Link 2e9 B/s: the prefetch takes 1 ms + 0.5 s, so the job starts at t0 = 0.501; the
     * stream (9 GB, capped at 1e9 B/s) is in at t0 + 9.001, before the compute's 10 s: the
     * compute ends at t0 + 10 and the efficiency is exactly 1. */
    struct fx f;
    stream_fixture(&f, 2e9);
    fx_run(&f);
    CU_ASSERT_EQUAL_FATAL(f.r.computes.len, 1);
    const struct cpn_compute_record *r = &f.r.computes.items[0];
    CPN_ASSERT_REL(r->ideal, 10.0, TIME_TOL);
    CPN_ASSERT_REL(r->actual, 10.0, TIME_TOL);
    CPN_ASSERT_REL(r->efficiency, 1.0, TIME_TOL);
    CU_ASSERT(r->streamed == 1 && r->iterations == 0 && r->centers == 1);
    const struct cpn_job_times *t = times_of(&f, 0);
    CPN_ASSERT_REL(t->start, 0.501, TIME_TOL);
    CPN_ASSERT_REL(t->done, 10.501, TIME_TOL);
    CPN_ASSERT_REL(t->bytes_in_done, 10e9, TIME_TOL);
    fx_free(&f);
}

static void test_a_stream_at_half_the_rate_computes_at_about_half_speed(void)
{
    /* Link 0.5e9 B/s, half the 1e9 B/s the compute consumes: the prefetch takes 1 ms + 2 s
     * (t0 = 2.001); the other 9 GB arrive at 0.5e9 B/s, at t0 + 0.001 + 18 s.  The compute
     * cannot end before its data: actual 18.001 s for an ideal 10 s, efficiency 10 / 18.001
     * = 0.5555 (without the 1 GB buffer, 10 / 20.001 = 0.49998: the buffer's contribution). */
    struct fx f;
    stream_fixture(&f, 0.5e9);
    fx_run(&f);
    CU_ASSERT_EQUAL_FATAL(f.r.computes.len, 1);
    const struct cpn_compute_record *r = &f.r.computes.items[0];
    CPN_ASSERT_REL(r->actual, 18.001, TIME_TOL);
    CPN_ASSERT_REL(r->efficiency, 10 / 18.001, TIME_TOL);
    CPN_ASSERT_REL(times_of(&f, 0)->start, 2.001, TIME_TOL);
    fx_free(&f);
}

static void test_a_competing_flow_slows_a_stream_past_its_buffer(void)
{
    /* Link 1.5e9 B/s: t0 = 0.001 + 1e9 / 1.5e9.  The stream runs at its 1e9 B/s cap until a
     * competing 6 GB flow joins at t0 + 2.001; both then get 0.75e9 B/s for 8 s (the
     * competitor's 6 GB), so the stream has 2 + 6 = 8 GB at t0 + 10.001, and its last 1 GB at
     * 1e9 B/s arrives at t0 + 11.001.  The deficit (2 GB) is more than the 1 GB buffer:
     * actual 11.001 s, efficiency 10 / 11.001. */
    struct fx f;
    stream_fixture(&f, 1.5e9);
    double t0 = 0.001 + 1e9 / 1.5e9;
    struct cpn_traffic_flow cross = {.src = 0, .dst = 1, .size = 6e9, .start = t0 + 2, .weight = 1};
    struct cpn_traffic *tr = NULL;
    CU_ASSERT_FATAL(cpn_traffic_new(f.eng, f.net, NULL, &cross, 1, &tr) == CPN_OK);
    fx_run(&f);
    CU_ASSERT_EQUAL_FATAL(f.r.computes.len, 1);
    const struct cpn_compute_record *r = &f.r.computes.items[0];
    CPN_ASSERT_REL(r->actual, 11.001, TIME_TOL);
    CPN_ASSERT_REL(r->efficiency, 10 / 11.001, TIME_TOL);
    CPN_ASSERT_REL(cpn_traffic_finish(tr, 0), t0 + 10.001, TIME_TOL);
    cpn_traffic_free(tr);
    fx_free(&f);
}

/* Two centers, c0 at n0 and c1 at n1, each 2 units of 1e12 FLOP/s, joined by one link of
 * 10 ms and 1e9 B/s.  A training job split 2 + 2 over them: 3 iterations of 4e12 FLOP
 * (MFU 1: 1 s of compute each), data parallel, 1 GB of gradients synchronised every
 * iteration, no overlap, free intra-center all-reduce. */
static void training_fixture_ex(struct fx *f, double overlap, enum cpn_parallelism par,
                                uint32_t sync_every, uint64_t iterations);

static void training_fixture(struct fx *f, double overlap)
{
    training_fixture_ex(f, overlap, CPN_PARALLEL_DP, 1, 3);
}

/* Take center 1 down (arg 0) or up (arg 1). */
static int fail_c1(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    return cpn_jobs_set_center_up(ctx, 1, (int)arg);
}
static const struct cpn_handler fail_c1_handler = {fail_c1, "test_center_failure", 0};

static void training_fixture_ex(struct fx *f, double overlap, enum cpn_parallelism par,
                                uint32_t sync_every, uint64_t iterations)
{
    struct link_def links[] = {{0, 1, 0.01, 1e9}};
    fx_init(f, 2, links, 1);
    fx_jobs(f, NULL, 2, NULL, 1);
    fx_center(f, 0, 2, 1e12, CPN_CENTER_AI);
    fx_center(f, 1, 2, 1e12, CPN_CENTER_AI);
    static const uint32_t centers[] = {0, 1}, units[] = {2, 2};
    struct cpn_job_spec s = job(0, 0, 4);
    s.kind = CPN_JOB_TRAINING;
    s.n_split = 2;
    s.split_centers = centers;
    s.split_units = units;
    s.training = (struct cpn_training){.iterations = iterations,
                                       .iteration_flop = 4e12,
                                       .mfu = 1,
                                       .parallelism = par,
                                       .gradient_bytes = 1e9,
                                       .activation_bytes = 0.5e9,
                                       .overlap = overlap,
                                       .sync_every = sync_every,
                                       .intra_bandwidth = INFINITY};
    CU_ASSERT_FATAL(cpn_jobs_submit(f->jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f->jobs) == CPN_OK);
}

static void test_pipeline_activations_and_local_sgd_follow_their_formulas(void)
{
    /* PP over the two centers: 0.5 GB forward and 0.5 GB backward across the one boundary every
     * iteration, both ways at once: 10 ms + 0.5 s after the 1 s of compute: 1.51 s each.
     * DP with sync every 2 iterations (local SGD) over 4 iterations: 1, 2.01, 1, 2.01 s: mean
     * 1.505 s, p95 2.01 s, efficiency 4 / 6.02. */
    struct fx f;
    training_fixture_ex(&f, 0, CPN_PARALLEL_PP, 1, 3);
    fx_run(&f);
    CU_ASSERT_EQUAL_FATAL(f.r.computes.len, 1);
    CPN_ASSERT_REL(f.r.computes.items[0].iter_mean, 1.51, TIME_TOL);
    CU_ASSERT_EQUAL(f.r.flows, 6);
    fx_free(&f);
    training_fixture_ex(&f, 0, CPN_PARALLEL_DP, 2, 4);
    fx_run(&f);
    CU_ASSERT_EQUAL_FATAL(f.r.computes.len, 1);
    const struct cpn_compute_record *r = &f.r.computes.items[0];
    CPN_ASSERT_REL(r->iter_mean, 1.505, TIME_TOL);
    CPN_ASSERT_REL(r->iter_p95, 2.01, TIME_TOL);
    CPN_ASSERT_REL(r->efficiency, 4 / 6.02, TIME_TOL);
    CU_ASSERT_EQUAL(f.r.flows, 4); /* two synchronisations */
    fx_free(&f);
}

static void test_a_split_training_job_resumes_from_its_checkpoint_after_a_center_failure(void)
{
    /* The training fixture with 5 iterations of 2.01 s and a checkpoint every 3 s: the
     * checkpoint at 3 s saves 1 iteration (done at 2.01 s), the one at 6 s saves 2 (done at
     * 4.02 s; the third ends at 6.03 s, after it).  c1 fails at 7 s and is repaired at 8 s:
     * the compute stops, both parts end, 2 iterations are kept and 4 units x (7 - 4.02 s) =
     * 11.92 unit s are lost; the job is queued again at its fixed centers: c0's part starts at
     * once and holds its units, c1's at the repair; the 3 iterations left run from 8 s: done
     * at 8 + 3 x 2.01 = 14.03 s.  Its compute record covers the whole job from its first start:
     * 5 iterations of 2.01 s, actual 14.03 s, ideal 5 s.  Without a checkpoint every
     * iteration is lost: 4 x 7 = 28 unit s, done at 8 + 5 x 2.01 = 18.05 s. */
    for (int ck = 1; ck >= 0; ck--) {
        struct fx f;
        struct link_def links[] = {{0, 1, 0.01, 1e9}};
        fx_init(&f, 2, links, 1);
        fx_jobs(&f, NULL, 2, NULL, 1);
        fx_center(&f, 0, 2, 1e12, CPN_CENTER_AI);
        fx_center(&f, 1, 2, 1e12, CPN_CENTER_AI);
        static const uint32_t centers[] = {0, 1}, units[] = {2, 2};
        struct cpn_job_spec s = job(0, 0, 4);
        s.kind = CPN_JOB_TRAINING;
        s.n_split = 2;
        s.split_centers = centers;
        s.split_units = units;
        s.checkpoint = ck ? 3 : 0;
        s.training = (struct cpn_training){.iterations = 5,
                                           .iteration_flop = 4e12,
                                           .mfu = 1,
                                           .parallelism = CPN_PARALLEL_DP,
                                           .gradient_bytes = 1e9,
                                           .sync_every = 1,
                                           .intra_bandwidth = INFINITY};
        CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
        CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
        CU_ASSERT_FATAL(cpn_engine_schedule(f.eng, 7, &fail_c1_handler, f.jobs, 0, NULL) == CPN_OK);
        CU_ASSERT_FATAL(cpn_engine_schedule(f.eng, 8, &fail_c1_handler, f.jobs, 1, NULL) == CPN_OK);
        fx_run(&f);
        const struct cpn_job_times *t = times_of(&f, 0);
        CU_ASSERT(t->state == CPN_JOB_DONE);
        CPN_ASSERT_REL(t->done, ck ? 14.03 : 18.05, TIME_TOL);
        struct cpn_jobs_stats st;
        cpn_jobs_stats(f.jobs, &st);
        CU_ASSERT_EQUAL(st.requeued, 1);
        CPN_ASSERT_REL(st.lost_work, ck ? 11.92 : 28, TIME_TOL);
        CU_ASSERT_EQUAL_FATAL(f.r.computes.len, 1);
        const struct cpn_compute_record *r = &f.r.computes.items[0];
        CU_ASSERT(r->iterations == 5 && r->killed == 0);
        CPN_ASSERT_REL(r->iter_mean, 2.01, TIME_TOL);
        CPN_ASSERT_REL(r->actual, ck ? 14.03 : 18.05, TIME_TOL);
        CPN_ASSERT_REL(r->ideal, 5, TIME_TOL);
        fx_free(&f);
    }
}

static void test_two_center_data_parallel_training_follows_the_ring_formula(void)
{
    /* Ring all-reduce over d = 2 centers: each sends 2 (d - 1) / d x S = 1 GB to the other,
     * both ways at once on the full-duplex link: 10 ms + 1 s (reference §2.4: T_WAN =
     * 2 (d - 1) / d x S / B).  An iteration is 1 s of compute then 1.01 s of sync: 2.01 s;
     * three take 6.03 s.  In one center the same job computes 1 s per iteration: efficiency
     * 3 / 6.03, exposed communication 1 - 3 / 6.03. */
    struct fx f;
    training_fixture(&f, 0);
    fx_run(&f);
    CU_ASSERT_EQUAL_FATAL(f.r.computes.len, 1);
    const struct cpn_compute_record *r = &f.r.computes.items[0];
    CU_ASSERT(r->iterations == 3 && r->centers == 2 && r->streamed == 0 && r->killed == 0);
    CPN_ASSERT_REL(r->iter_mean, 2.01, TIME_TOL);
    CPN_ASSERT_REL(r->iter_p95, 2.01, TIME_TOL);
    CPN_ASSERT_REL(r->actual, 6.03, TIME_TOL);
    CPN_ASSERT_REL(r->ideal, 3.0, TIME_TOL);
    CPN_ASSERT_REL(r->efficiency, 3 / 6.03, TIME_TOL);
    CPN_ASSERT_REL(r->exposed, 1 - 3 / 6.03, TIME_TOL);
    CU_ASSERT(isnan(r->convergence)); /* no intra bandwidth given */
    const struct cpn_job_times *t = times_of(&f, 0);
    CU_ASSERT_EQUAL(t->state, CPN_JOB_DONE);
    CPN_ASSERT_REL(t->done, 6.03, TIME_TOL);
    CU_ASSERT_EQUAL(f.r.flows, 6); /* two per iteration */
    fx_free(&f);
}

static void test_overlap_hides_communication_behind_compute(void)
{
    /* Overlap 0.5: the sync starts half-way through the compute, at 0.5 s, and ends at
     * 0.5 + 1.01 = 1.51 s: the iteration takes 1.51 s, 0.51 s of it exposed. */
    struct fx f;
    training_fixture(&f, 0.5);
    fx_run(&f);
    const struct cpn_compute_record *r = &f.r.computes.items[0];
    CPN_ASSERT_REL(r->iter_mean, 1.51, TIME_TOL);
    CPN_ASSERT_REL(r->efficiency, 1 / 1.51, TIME_TOL);
    fx_free(&f);
}

static void test_cross_traffic_slows_the_training_by_its_max_min_share(void)
{
    /* A 100 GB flow from n0 to n1 from time 0 shares the n0 -> n1 direction with the
     * gradient flow: each gets 0.5e9 B/s, so that flow takes 10 ms + 2 s (the other direction
     * still 1.01 s): iterations of 1 + 2.01 = 3.01 s, 9.03 s in all. */
    struct fx f;
    training_fixture(&f, 0);
    struct cpn_traffic_flow cross = {.src = 0, .dst = 1, .size = 100e9, .start = 0, .weight = 1};
    struct cpn_traffic *tr = NULL;
    CU_ASSERT_FATAL(cpn_traffic_new(f.eng, f.net, NULL, &cross, 1, &tr) == CPN_OK);
    fx_run(&f);
    const struct cpn_compute_record *r = &f.r.computes.items[0];
    CPN_ASSERT_REL(r->iter_mean, 3.01, TIME_TOL);
    CPN_ASSERT_REL(r->actual, 9.03, TIME_TOL);
    CPN_ASSERT_REL(r->efficiency, 3 / 9.03, TIME_TOL);
    cpn_traffic_free(tr);
    fx_free(&f);
}

/* A policy that splits every splittable job half and half over centers 0 and 1. */
static int halves_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                        const struct cpn_world *world, struct cpn_policy_decision *out)
{
    (void)ctx;
    if (!job->splittable)
        return 1; /* the test submits only splittable jobs */
    if (!world->centers[0].up || !world->centers[1].up) {
        out->center = CPN_POLICY_HOLD; /* until both are up (held jobs are offered again) */
        return 0;
    }
    out->center = 0;
    out->n_split = 2;
    out->split_centers[0] = 0;
    out->split_centers[1] = 1;
    out->split_units[0] = job->units / 2;
    out->split_units[1] = job->units - job->units / 2;
    return 0;
}

static const struct cpn_policy_ops halves_ops = {
    .abi = CPN_POLICY_ABI, .name = "halves", .doc = "split in halves", .place = halves_place};

static void test_a_policy_splits_a_training_job_over_two_centers(void)
{
    /* The training fixture's job, placed by a policy instead of fixed placements: the same
     * 2 + 2 split, so the same 2.01 s iterations (the registry's checks of splits:
     * tests/unit/test_policy.c). */
    struct fx f;
    struct link_def links[] = {{0, 1, 0.01, 1e9}};
    fx_init(&f, 2, links, 1);
    CU_ASSERT_FATAL(cpn_policy_new(&halves_ops, NULL, 0, f.rng, 2, 2, &f.policy) == CPN_OK);
    fx_jobs(&f, NULL, 2, NULL, 1);
    fx_center(&f, 0, 2, 1e12, CPN_CENTER_AI);
    fx_center(&f, 1, 2, 1e12, CPN_CENTER_AI);
    struct cpn_job_spec s = job(0, 0, 4);
    s.kind = CPN_JOB_TRAINING;
    s.training = (struct cpn_training){.iterations = 3,
                                       .iteration_flop = 4e12,
                                       .mfu = 1,
                                       .gradient_bytes = 1e9,
                                       .sync_every = 1,
                                       .intra_bandwidth = INFINITY};
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    fx_run(&f);
    CU_ASSERT_EQUAL_FATAL(f.r.computes.len, 1);
    CU_ASSERT_EQUAL(f.r.computes.items[0].centers, 2);
    CPN_ASSERT_REL(f.r.computes.items[0].iter_mean, 2.01, TIME_TOL);
    fx_free(&f);
}

static void test_a_policy_places_again_a_split_job_stopped_by_a_failure(void)
{
    /* The policy's 2 + 2 split of 5 iterations with a checkpoint every 3 s, c1 failing from 7 s
     * to 8 s: as with fixed placements, 2 iterations are kept; the policy holds the job while
     * c1 is down and splits it again when it is repaired (its third decision): done at
     * 8 + 3 x 2.01 = 14.03 s. */
    struct fx f;
    struct link_def links[] = {{0, 1, 0.01, 1e9}};
    fx_init(&f, 2, links, 1);
    CU_ASSERT_FATAL(cpn_policy_new(&halves_ops, NULL, 0, f.rng, 2, 2, &f.policy) == CPN_OK);
    fx_jobs(&f, NULL, 2, NULL, 1);
    fx_center(&f, 0, 2, 1e12, CPN_CENTER_AI);
    fx_center(&f, 1, 2, 1e12, CPN_CENTER_AI);
    struct cpn_job_spec s = job(0, 0, 4);
    s.kind = CPN_JOB_TRAINING;
    s.checkpoint = 3;
    s.training = (struct cpn_training){.iterations = 5,
                                       .iteration_flop = 4e12,
                                       .mfu = 1,
                                       .gradient_bytes = 1e9,
                                       .sync_every = 1,
                                       .intra_bandwidth = INFINITY};
    CU_ASSERT_FATAL(cpn_jobs_submit(f.jobs, &s, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_jobs_start(f.jobs) == CPN_OK);
    CU_ASSERT_FATAL(cpn_engine_schedule(f.eng, 7, &fail_c1_handler, f.jobs, 0, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_engine_schedule(f.eng, 8, &fail_c1_handler, f.jobs, 1, NULL) == CPN_OK);
    fx_run(&f);
    const struct cpn_job_times *t = times_of(&f, 0);
    CU_ASSERT(t->state == CPN_JOB_DONE && t->attempts == 3);
    CPN_ASSERT_REL(t->done, 14.03, TIME_TOL);
    CU_ASSERT_EQUAL_FATAL(f.r.computes.len, 1);
    CU_ASSERT(f.r.computes.items[0].iterations == 5 && f.r.computes.items[0].centers == 2);
    fx_free(&f);
}

int cpn_test_register_jobs(void)
{
    static const struct cpn_test tests[] = {
        {"kinds have names and unknown names are ENOENT",
         test_kinds_have_names_and_unknown_names_are_enoent},
        {"a stream at the full rate computes at full speed (efficiency 1)",
         test_a_stream_at_the_full_rate_computes_at_full_speed},
        {"a stream at half the rate computes at about half speed (buffer by hand)",
         test_a_stream_at_half_the_rate_computes_at_about_half_speed},
        {"a competing flow slows a stream once its buffer is spent",
         test_a_competing_flow_slows_a_stream_past_its_buffer},
        {"a policy places again a split job stopped by a center failure",
         test_a_policy_places_again_a_split_job_stopped_by_a_failure},
        {"a split training job resumes from its checkpoint after a center failure",
         test_a_split_training_job_resumes_from_its_checkpoint_after_a_center_failure},
        {"two-center data-parallel training on an idle WAN follows the ring formula",
         test_two_center_data_parallel_training_follows_the_ring_formula},
        {"overlap hides communication behind compute",
         test_overlap_hides_communication_behind_compute},
        {"cross traffic slows the training by its max-min share",
         test_cross_traffic_slows_the_training_by_its_max_min_share},
        {"pipeline activations and local SGD follow their formulas",
         test_pipeline_activations_and_local_sgd_follow_their_formulas},
        {"a policy splits a training job over two centers",
         test_a_policy_splits_a_training_job_over_two_centers},
        {"a batch job stages in, runs and stages out at hand-computed times",
         test_a_batch_job_stages_in_runs_and_stages_out_at_hand_computed_times},
        {"two jobs on a one-unit pool run in FCFS order",
         test_two_jobs_on_a_one_unit_pool_run_in_fcfs_order},
        {"a job too large for every center is rejected and reported",
         test_a_job_too_large_for_every_center_is_rejected_and_reported},
        {"nearest places on the lowest-RTT center", test_nearest_places_on_the_lowest_rtt_center},
        {"earliest_finish avoids the busy near center",
         test_earliest_finish_avoids_the_busy_near_center},
        {"a held job is offered again when a job ends",
         test_a_held_job_is_offered_again_when_a_job_ends},
        {"a re-offer stops after depth jobs are held again",
         test_a_reoffer_stops_after_depth_jobs_are_held_again},
        {"centralized staleness is the report age and a conflict is re-placed",
         test_centralized_staleness_is_the_report_age_and_a_conflict_is_replaced},
        {"ingest splits its bytes over two paths", test_ingest_splits_its_bytes_over_two_paths},
        {"the transfer slowdown's reference is the empty-network time",
         test_transfer_slowdown_reference_is_the_empty_network_time},
        {"a center failure keeps the work up to the last checkpoint; the job is placed again",
         test_a_center_failure_keeps_the_work_up_to_the_last_checkpoint},
        {"checkpoints written as flows count once written; one being written is lost",
         test_checkpoints_written_as_flows_count_once_written},
        {"a migrated job keeps its work and moves its state as a flow",
         test_a_migrated_job_keeps_its_work_and_moves_its_state_as_a_flow},
        {"earliest_finish moves work waiting at a failed center (and waits without migrate)",
         test_earliest_finish_moves_work_waiting_at_a_failed_center},
        {"an elastic ingest gets its bandwidth after the set-up time; a spent budget refuses",
         test_an_elastic_ingest_gets_its_bandwidth_after_the_setup_time},
        {"an ingest lights a wavelength after the ROADM set-up; a full span refuses",
         test_an_ingest_lights_a_wavelength_after_the_roadm_setup},
        {"lightpaths take the first slot free on every span of their route",
         test_lightpaths_take_the_first_slot_free_on_every_span},
        {"deploy reaches the N nearest centers of the kind",
         test_deploy_reaches_the_n_nearest_centers_of_the_kind},
        {"an idle inference request pays RTT plus service",
         test_an_idle_inference_request_pays_rtt_plus_service},
        {"a service on a failed center loses its requests in flight and is deployed again",
         test_a_service_on_a_failed_center_loses_its_requests_in_flight},
        {"a request trace is served FCFS by one service",
         test_a_request_trace_is_served_fcfs_by_one_service},
        {"Poisson requests arriving while a service is deployed again fail",
         test_poisson_requests_arriving_while_a_service_is_redeployed_fail},
        {"inference M/M/1 mean sojourn matches the analytic value",
         test_inference_mm1_mean_sojourn_matches_the_analytic_value},
        {"energy, cost and carbon per center match the center model",
         test_energy_cost_and_carbon_per_center_match_the_center_model},
        {"trace records become jobs scaled to the pool speed",
         test_trace_records_become_jobs_scaled_to_the_pool_speed},
        {"distributed awareness sees remote centers by advertisement",
         test_distributed_awareness_sees_remote_centers_by_advertisement},
        {"a job outrunning its walltime is killed and failed",
         test_a_job_outrunning_its_walltime_is_killed_and_failed},
        {"a drain ends the run at the last end of the jobs that arrived",
         test_a_drain_ends_the_run_at_the_last_end_of_the_jobs_that_arrived},
        {"input without a route fails the job", test_input_without_a_route_fails_the_job},
        {"policy ticks, job ends, center and link changes reach the policy",
         test_policy_ticks_and_job_ends_reach_the_policy},
        {"bandwidth grants and refusals reach the policy",
         test_bandwidth_grants_and_refusals_reach_the_policy},
        {"a random mixed workload keeps the invariants",
         test_a_random_mixed_workload_keeps_the_invariants},
        {"every policy under every awareness mode keeps the invariants",
         test_every_policy_under_every_awareness_mode_keeps_the_invariants},
        {"samples give each pool its utilisation", test_samples_give_each_pool_its_utilisation},
        {"samples arrive every interval while work remains",
         test_samples_arrive_every_interval_while_work_remains},
        {"without centers, samples go on until the run ends",
         test_without_centers_samples_go_on_until_the_run_ends},
        {"bad arguments and states are reported", test_bad_arguments_and_states_are_reported},
        {"a policy rejects a job with its reason", test_a_policy_rejects_with_its_reason},
    };
    return CPN_TEST_SUITE("jobs", tests);
}
