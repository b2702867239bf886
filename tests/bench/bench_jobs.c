/* Benchmark: a generated workload of N batch jobs with stage-in and stage-out flows, placed by a
 * policy on 8 centers of a 24-node ring with chords; print wall time, jobs/s, events/s and
 * peak RSS.
 *
 * Usage: bench_jobs [N [POLICY [LOAD]]]   (default N = 100000, POLICY = earliest_finish,
 *        LOAD = 0.7: offered work / capacity)
 *
 * Reference measured in the same run: as many jobs of the same distributions, from one generator
 * per center with that center fixed (rates in proportion to the centers' capacities), no bytes to
 * move and no policy, so the ratio full / reference shows the cost of placement (world view, Yen
 * rows, policy) and flows, independently of the machine's speed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "models/jobs/jobs.h"
#include "sim/engine.h"
#include "sim/error.h"
#include "sim/rng.h"

#define NODES   24
#define CENTERS 8

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

struct result {
    double seconds, sim_end;
    uint64_t events;
    struct cpn_jobs_stats st;
};

static int run(uint64_t n, const char *policy_name, double load, int full, struct result *out)
{
    struct cpn_engine *eng = cpn_engine_new();
    struct cpn_topo *topo = cpn_topo_new();
    struct cpn_rng *rng = cpn_rng_new(7);
    char id[16], a[16], b[16];
    for (int i = 0; i < NODES; i++) {
        snprintf(id, sizeof id, "n%d", i);
        cpn_topo_add_node(topo, id, NAN, NAN, NULL);
    }
    /* A ring (100 Gb/s, 2-6 ms) plus chords i -> i + 7 (40 Gb/s, 8 ms). */
    for (int i = 0, l = 0; i < NODES; i++) {
        for (int chord = 0; chord < 2; chord++) {
            struct cpn_link_spec s;
            cpn_link_spec_init(&s);
            snprintf(id, sizeof id, "l%d", l++);
            snprintf(a, sizeof a, "n%d", i);
            snprintf(b, sizeof b, "n%d", (i + (chord ? 7 : 1)) % NODES);
            s.id = id;
            s.a = a;
            s.b = b;
            s.capacity = chord ? 5e9 : 12.5e9;
            s.latency = chord ? 0.008 : 0.002 + 0.001 * (i % 5);
            cpn_topo_add_link(topo, &s, NULL);
        }
    }
    struct cpn_router *router = cpn_router_new(topo);
    struct cpn_network *net;
    struct cpn_policy *policy = NULL;
    struct cpn_jobs *jobs;
    if (cpn_network_new(eng, topo, router, NULL, &net) != CPN_OK)
        return 1;
    if (full && cpn_policy_new(cpn_policy_find(NULL, policy_name), NULL, 0, rng, CENTERS, NODES,
                               &policy) != CPN_OK) {
        fprintf(stderr, "bench_jobs: %s\n", cpn_error_message());
        return 1;
    }
    struct cpn_jobs_config cfg = {.engine = eng,
                                  .network = net,
                                  .topo = topo,
                                  .router = router,
                                  .policy = policy,
                                  .n_paths = 2,
                                  .rng = rng};
    if (cpn_jobs_new(&cfg, &jobs) != CPN_OK)
        return 1;
    for (int c = 0; c < CENTERS; c++) {
        struct cpn_center_spec cs;
        cpn_center_spec_init(&cs);
        snprintf(id, sizeof id, "c%d", c);
        cs.id = id;
        cs.node = (uint32_t)(3 * c);
        struct cpn_pool_spec ps = {
            "p", 64 + 32 * (uint32_t)(c % 3), 1e12 * (1 + c % 2), 0, "", 100, 400, 0};
        if (cpn_jobs_add_center(jobs, &cs, &ps, 1, NULL) != CPN_OK)
            return 1;
    }
    struct cpn_dist units, work, bytes;
    cpn_dist_parse("choice(1:0.5,4:0.3,16:0.15,32:0.05)", NULL, NULL, &units, NULL, 0);
    cpn_dist_parse("exp(2e15)", NULL, NULL, &work, NULL, 0);
    cpn_dist_parse("lognormal(21,1.5)", NULL, NULL, &bytes, NULL, 0);
    uint32_t origins[NODES];
    for (int i = 0; i < NODES; i++)
        origins[i] = (uint32_t)i;
    /* Mean work 2e15 FLOP; the centers serve `total` FLOP/s (1.2e15): rate = load x total /
     * 2e15 jobs/s (0.42 at load 0.7).  The reference splits the same rate over one generator
     * per center (fixed center, no bytes). */
    double capacity[CENTERS], total = 0; /* [FLOP/s] per center */
    for (int c = 0; c < CENTERS; c++)
        total += capacity[c] = (64 + 32 * (c % 3)) * 1e12 * (1 + c % 2);
    for (int k = 0; k < (full ? 1 : CENTERS); k++) {
        struct cpn_generator_spec g;
        cpn_generator_spec_init(&g);
        snprintf(id, sizeof id, "batch%d", k);
        g.id = id;
        double share = full ? 1 : capacity[k] / total; /* each center equally loaded */
        cpn_arrivals_init_poisson(&g.arrivals, load * total / 2e15 * share);
        g.max_jobs = (uint64_t)llround((double)n * share);
        g.n_origins = NODES;
        g.origins = origins;
        g.units = &units;
        g.work = &work;
        if (full) {
            g.bytes_in = &bytes;
            g.bytes_out = &bytes;
        } else {
            g.base.center = (uint32_t)k;
        }
        if (cpn_jobs_add_generator(jobs, &g) != CPN_OK)
            return 1;
    }
    if (cpn_jobs_start(jobs) != CPN_OK)
        return 1;
    double t0 = wall();
    int rc = cpn_engine_run(eng, INFINITY);
    out->seconds = wall() - t0;
    if (rc != CPN_OK) {
        fprintf(stderr, "bench_jobs: %s\n", cpn_error_message());
        return 1;
    }
    cpn_jobs_finish(jobs, 1);
    cpn_jobs_stats(jobs, &out->st);
    out->events = cpn_engine_events(eng);
    out->sim_end = cpn_engine_now(eng);
    cpn_jobs_free(jobs);
    cpn_policy_free(policy);
    cpn_network_free(net);
    cpn_router_free(router);
    cpn_topo_free(topo);
    cpn_rng_free(rng);
    cpn_engine_free(eng);
    cpn_dist_release(&units);
    cpn_dist_release(&work);
    cpn_dist_release(&bytes);
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    const char *policy = argc > 2 ? argv[2] : "earliest_finish";
    double load = argc > 3 ? strtod(argv[3], NULL) : 0.7;
    struct result ref, full;
    if (run(n, policy, load, 0, &ref) || run(n, policy, load, 1, &full))
        return 1;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("jobs %llu, policy %s, load %.2f, %d nodes, %d centers, 2 paths, oracle awareness\n",
           (unsigned long long)n, policy, load, NODES, CENTERS);
    printf("reference (fixed center, no flows): %.3f s, %.0f jobs/s, %llu events\n", ref.seconds,
           n / ref.seconds, (unsigned long long)ref.events);
    printf("full (policy + stage-in/out flows):  %.3f s, %.0f jobs/s, %.0f events/s, %llu "
           "flows, %llu done, %llu rejected, %llu held decisions, %llu conflicts, sim end "
           "%.0f s\n",
           full.seconds, n / full.seconds, full.events / full.seconds,
           (unsigned long long)full.st.flows, (unsigned long long)full.st.done,
           (unsigned long long)full.st.rejected, (unsigned long long)full.st.holds,
           (unsigned long long)full.st.conflicts, full.sim_end);
    printf("ratio full / reference: %.2f; peak RSS %.1f MB\n", full.seconds / ref.seconds,
           ru.ru_maxrss / 1024.0);
    return 0;
}
