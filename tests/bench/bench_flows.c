/* Benchmark of the flow solver (models/flow): deterministic workloads on a 40-city national WAN
 * and a k = 8 fat tree, heavy-tailed sizes, Poisson arrivals sized for a target load on the
 * busiest directed link, or a closed loop on the WAN.  Prints wall and CPU time of the run,
 * flows per CPU second, concurrency, groups and resources per solve, solves, timer moves and
 * group changes per flow, and peak RSS.
 *
 * Usage: bench_flows [--case wan|fat|wanhigh|closed|all] [--flows N] [--load RHO]
 *                    [--sessions S] [--runs R] [--seed S] [--check] [--memory] [--export FILE]
 *                    [--export-scenario DIR]
 *   --case closed: the WAN with S sessions (default 1e4), each starting a flow at time 0 and its
 *   next one when a flow of it completes, so that S flows are always in flight.
 *   --check runs the naive reference solver (tests/unit/flow_reference.h) on small cases (WAN at
 *   loads 0.7, 1.0 and 1.5, fat tree at 0.7, a closed loop of 300 sessions) and prints the worst
 *   relative difference of completion times; exit 1 if one exceeds 1e-9.
 *   --memory measures the bytes per concurrent flow: growth of the peak RSS over N sharing
 *   flows (default 2e5) on an 8-hop path, each alone in its class (--case one: all in one class).
 *   --export FILE writes the workload of --case wan|fat|wanhigh for another simulator
 *   (tests/bench/simgrid_flows.cpp; format at export_workload()) and cpnsim's completion times
 *   to FILE.done.
 * Default: every case at its sizes (wan 1e3..1e6, fat 1e3..1e5, wanhigh 1e6, closed 1e6), median
 * of 3 runs.
 */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "models/net/flow.h"
#include "models/net/route.h"
#include "models/net/topology.h"
#include "sim/engine.h"
#include "sim/error.h"
#include "tests/unit/flow_reference.h"

#define GBPS         1.25e8 /* 1 Gbit/s [B/s] */
#define US_PER_KM    5e-6   /* fibre delay used by the workload [s/km] (the task's 5 us/km) */
#define PARETO_ALPHA 1.2
#define SIZE_LO      1e6  /* [B] */
#define SIZE_HI      1e11 /* [B] */

struct bflow {
    double start;                /* [s] */
    double size;                 /* [B] */
    const struct cpn_path *path; /* owned by the router */
};

/* What a run reads per arrival (kept apart from the routes, so the arrival loop streams). */
struct barrival {
    double start;   /* [s] */
    double size;    /* [B] */
    double latency; /* one-way path latency [s] */
    uint32_t path;  /* path id in the flow network (cpn_flownet_path()) */
};

struct workload {
    const char *name;
    struct cpn_topo *topo;
    struct cpn_router *router;
    struct bflow *f;
    size_t n;
};

struct run {
    struct cpn_engine *eng;
    struct cpn_flownet *net;
    const struct workload *w;
    struct barrival *a; /* per flow, with flow-network path ids */
    size_t next, done;
    double sum_active; /* sum over arrivals of the number of sharing flows */
    size_t max_active, max_flows;
    double *end;     /* optional: completion times [s] */
    double *begin;   /* optional: start times [s] (closed loop: known only when run) */
    size_t sessions; /* closed loop: this many flows in flight, each finish starts the next
                      * (0: open loop, Poisson arrivals) */
};

static void die(int rc, const char *what)
{
    fprintf(stderr, "bench_flows: %s: %s (%s)\n", what, cpn_strerror(rc), cpn_error_message());
    exit(1);
}

static double now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* CPU time of this process [s]: the figure that survives other jobs sharing the 2 cores. */
static double now_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

/* Bounded Pareto on [SIZE_LO, SIZE_HI] by inversion of its CDF. */
static double bounded_pareto(gsl_rng *rng)
{
    double u = gsl_rng_uniform(rng), la = pow(SIZE_LO, PARETO_ALPHA),
           ha = pow(SIZE_HI, PARETO_ALPHA);
    return pow(-(u * ha - u * la - ha) / (ha * la), -1 / PARETO_ALPHA);
}

static uint32_t add_node(struct cpn_topo *t, const char *prefix, int i)
{
    char id[32];
    uint32_t n;
    snprintf(id, sizeof id, "%s%d", prefix, i);
    int rc = cpn_topo_add_node(t, id, NAN, NAN, &n);
    if (rc != CPN_OK)
        die(rc, "add node");
    return n;
}

static void add_link(struct cpn_topo *t, uint32_t a, uint32_t b, double capacity, double latency)
{
    char id[32];
    struct cpn_link_spec s;
    cpn_link_spec_init(&s);
    snprintf(id, sizeof id, "l%u", cpn_topo_link_count(t));
    s.id = id;
    s.a = cpn_topo_node(t, a)->id;
    s.b = cpn_topo_node(t, b)->id;
    s.capacity = capacity;
    s.latency = latency;
    int rc = cpn_topo_add_link(t, &s, NULL);
    if (rc != CPN_OK)
        die(rc, "add link");
}

/* 40 cities uniform in a 4000 x 3000 km box, linked within 600 km plus a Euclidean minimum
 * spanning tree (Prim), 100/200/400 Gbit/s at 5 us/km; 90 hosts on 10-80 km 100G access links.
 * Returns the host node ids in *hosts. */
static void build_wan(struct workload *w, gsl_rng *rng, uint32_t *hosts)
{
    enum { CITIES = 40, HOSTS = 90 };
    double x[CITIES], y[CITIES];
    uint32_t city[CITIES];
    int linked[CITIES][CITIES] = {{0}};
    struct cpn_topo *t = w->topo;
    const double choice[] = {100, 200, 400};
    for (int i = 0; i < CITIES; i++) {
        x[i] = 4000 * gsl_rng_uniform(rng);
        y[i] = 3000 * gsl_rng_uniform(rng);
        city[i] = add_node(t, "c", i);
    }
    int in[CITIES] = {1};
    double best[CITIES];
    int from[CITIES];
    for (int i = 0; i < CITIES; i++) {
        best[i] = hypot(x[i] - x[0], y[i] - y[0]);
        from[i] = 0;
    }
    for (int k = 1; k < CITIES; k++) { /* Prim */
        int v = -1;
        for (int i = 0; i < CITIES; i++)
            if (!in[i] && (v < 0 || best[i] < best[v]))
                v = i;
        in[v] = 1;
        linked[v][from[v]] = linked[from[v]][v] = 1;
        for (int i = 0; i < CITIES; i++) {
            double d = hypot(x[i] - x[v], y[i] - y[v]);
            if (!in[i] && d < best[i]) {
                best[i] = d;
                from[i] = v;
            }
        }
    }
    for (int i = 0; i < CITIES; i++)
        for (int j = i + 1; j < CITIES; j++) {
            double d = hypot(x[i] - x[j], y[i] - y[j]);
            if (d < 600 || linked[i][j])
                add_link(t, city[i], city[j], choice[gsl_rng_uniform_int(rng, 3)] * GBPS,
                         d * US_PER_KM);
        }
    for (int h = 0; h < HOSTS; h++) {
        hosts[h] = add_node(t, "h", h);
        add_link(t, hosts[h], city[gsl_rng_uniform_int(rng, CITIES)], 100 * GBPS,
                 (10 + 70 * gsl_rng_uniform(rng)) * US_PER_KM);
    }
}

/* k = 8 three-tier fat tree: 8 pods of 4 edge + 4 aggregation switches, 16 core switches, 128
 * hosts; host-edge and edge-aggregation 100G, aggregation-core 50G (2:1 at the core); 1 us per
 * link.  Node ids: host h = 16 p + 4 e + i. */
enum { K = 8, HALF = K / 2, FT_HOSTS = K * K * K / 4 };
struct fattree {
    uint32_t host[FT_HOSTS], edge[K][HALF], agg[K][HALF], core[HALF][HALF];
};

static void build_fat(struct workload *w, struct fattree *ft)
{
    struct cpn_topo *t = w->topo;
    for (int j = 0; j < HALF; j++)
        for (int m = 0; m < HALF; m++)
            ft->core[j][m] = add_node(t, "core", j * HALF + m);
    for (int p = 0; p < K; p++) {
        for (int j = 0; j < HALF; j++) {
            ft->agg[p][j] = add_node(t, "agg", p * HALF + j);
            for (int m = 0; m < HALF; m++)
                add_link(t, ft->agg[p][j], ft->core[j][m], 50 * GBPS, 1e-6);
        }
        for (int e = 0; e < HALF; e++) {
            ft->edge[p][e] = add_node(t, "edge", p * HALF + e);
            for (int j = 0; j < HALF; j++)
                add_link(t, ft->edge[p][e], ft->agg[p][j], 100 * GBPS, 1e-6);
            for (int i = 0; i < HALF; i++) {
                int h = (p * HALF + e) * HALF + i;
                ft->host[h] = add_node(t, "h", h);
                add_link(t, ft->host[h], ft->edge[p][e], 100 * GBPS, 1e-6);
            }
        }
    }
}

/* Explicit up/down route between hosts a != b by D-mod-k (destination-mod-k) routing: the
 * upward port at each level is chosen by the destination's index, aggregation switch
 * j = b mod (k/2) and core switch m = (b / (k/2)) mod (k/2); the way down is then unique.  Source:
 * E. Zahavi, "D-Mod-K routing providing non-blocking traffic for shift permutations on real life
 * fat trees", CCIT Report 776, Technion, 2010.  Every pair thus has one route, which SimGrid's
 * full-routing zone can hold. */
static const struct cpn_path *fat_route(struct workload *w, const struct fattree *ft, int a, int b)
{
    int pa = a / (HALF * HALF), ea = a / HALF % HALF, pb = b / (HALF * HALF), eb = b / HALF % HALF;
    int j = b % HALF, m = b / HALF % HALF;
    uint32_t nodes[7];
    uint32_t n = 0;
    nodes[n++] = ft->host[a];
    nodes[n++] = ft->edge[pa][ea];
    if (pa != pb || ea != eb) {
        nodes[n++] = ft->agg[pa][j];
        if (pa != pb) {
            nodes[n++] = ft->core[j][m];
            nodes[n++] = ft->agg[pb][j];
        }
        nodes[n++] = ft->edge[pb][eb];
    }
    nodes[n++] = ft->host[b];
    const struct cpn_path *path;
    int rc = cpn_route_explicit(w->router, nodes, n, &path);
    if (rc != CPN_OK)
        die(rc, "explicit route");
    return path;
}

/* Sizes, paths and Poisson arrivals whose rate puts load @p rho on the busiest directed link. */
static void make_flows(struct workload *w, const char *kind, size_t n, double rho,
                       unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    w->topo = cpn_topo_new();
    if (!w->topo)
        die(CPN_ENOMEM, "topology");
    uint32_t hosts[FT_HOSTS];
    int n_hosts;
    static struct fattree ft;
    int fat = strcmp(kind, "fat") == 0;
    if (fat) {
        build_fat(w, &ft);
        n_hosts = FT_HOSTS;
    } else {
        build_wan(w, rng, hosts);
        n_hosts = 90;
    }
    w->router = cpn_router_new(w->topo);
    w->f = malloc(n * sizeof *w->f);
    if (!w->router || !w->f)
        die(CPN_ENOMEM, "workload");
    w->n = n;
    uint32_t n_dl = 2 * cpn_topo_link_count(w->topo);
    double *bytes = calloc(n_dl, sizeof *bytes);
    for (size_t i = 0; i < n; i++) {
        int a = (int)gsl_rng_uniform_int(rng, n_hosts);
        int b = (a + 1 + (int)gsl_rng_uniform_int(rng, n_hosts - 1)) % n_hosts;
        struct bflow *f = &w->f[i];
        f->size = bounded_pareto(rng);
        if (fat) {
            f->path = fat_route(w, &ft, a, b);
        } else {
            int rc = cpn_route_shortest(w->router, hosts[a], hosts[b], &f->path);
            if (rc != CPN_OK)
                die(rc, "route");
        }
        for (uint32_t h = 0; h < f->path->hops; h++)
            bytes[f->path->dlinks[h]] += f->size;
    }
    double horizon = 0; /* time over which the bytes arrive [s] */
    for (uint32_t d = 0; d < n_dl; d++)
        horizon = fmax(horizon, bytes[d] / (rho * cpn_topo_link(w->topo, d / 2)->capacity));
    double t = 0;
    for (size_t i = 0; i < n; i++) {
        t += gsl_ran_exponential(rng, horizon / n);
        w->f[i].start = t;
    }
    free(bytes);
    gsl_rng_free(rng);
}

static void free_workload(struct workload *w)
{
    cpn_router_free(w->router);
    cpn_topo_free(w->topo);
    free(w->f);
}

static int on_done(struct cpn_flownet *net, void *ctx, const struct cpn_flow_done *d);

/* Start flow r->next now and record the concurrency it sees. */
static int start_next(struct run *r)
{
    const struct barrival *f = &r->a[r->next];
    struct cpn_flow_spec s = {0, 0,        f->size, NULL, 0,       f->latency,
                              1, INFINITY, on_done, r,    r->next, 0};
    int rc = cpn_flow_start_path(r->net, f->path, &s, NULL);
    if (rc != CPN_OK)
        return rc;
    if (r->begin)
        r->begin[r->next] = cpn_engine_now(r->eng);
    r->next++;
    size_t active = cpn_flownet_active(r->net), flows = cpn_flownet_flows(r->net);
    r->sum_active += active;
    if (active > r->max_active)
        r->max_active = active;
    if (flows > r->max_flows)
        r->max_flows = flows;
    return CPN_OK;
}

static int on_done(struct cpn_flownet *net, void *ctx, const struct cpn_flow_done *d)
{
    (void)net;
    struct run *r = ctx;
    r->done++;
    if (r->end)
        r->end[d->id] = d->end;
    if (r->sessions && r->next < r->w->n) /* closed loop: the session starts its next flow */
        return start_next(r);
    return CPN_OK;
}

static int on_arrival(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    struct run *r = ctx;
    if (r->sessions) { /* closed loop: every session starts its first flow at time 0 */
        int rc = CPN_OK;
        while (rc == CPN_OK && r->next < r->sessions && r->next < r->w->n)
            rc = start_next(r);
        return rc;
    }
    int rc = start_next(r);
    if (rc != CPN_OK)
        return rc;
    static const struct cpn_handler arrival = {on_arrival, "bench_arrival", 0};
    if (r->next < r->w->n)
        return cpn_engine_schedule(eng, r->a[r->next].start, &arrival, r, 0, NULL);
    return CPN_OK;
}

/* One run; returns the CPU time of cpn_engine_run() [s] and its wall time in *wall. */
static double run_once(const struct workload *w, struct run *r, struct cpn_flow_stats *st,
                       double *wall)
{
    static const struct cpn_handler arrival = {on_arrival, "bench_arrival", 0};
    double *end = r->end, *begin = r->begin;
    size_t sessions = r->sessions;
    memset(r, 0, sizeof *r);
    r->end = end;
    r->begin = begin;
    r->sessions = sessions;
    r->w = w;
    r->a = malloc(w->n * sizeof *r->a);
    r->eng = cpn_engine_new();
    uint32_t n_dl = 2 * cpn_topo_link_count(w->topo);
    double *cap = malloc(n_dl * sizeof *cap);
    for (uint32_t d = 0; d < n_dl; d++)
        cap[d] = cpn_topo_link(w->topo, d / 2)->capacity;
    int rc = r->eng ? cpn_flownet_new(r->eng, n_dl, cap, &r->net) : CPN_ENOMEM;
    free(cap);
    if (rc != CPN_OK || !r->a)
        die(rc, "flownet");
    /* Intern each flow's route (setup, not part of the timed run; cpnsim's glue does the same
     * once per route). */
    for (size_t i = 0; i < w->n; i++) {
        uint32_t id;
        cpn_flownet_path(r->net, w->f[i].path->dlinks, w->f[i].path->hops, &id);
        r->a[i] = (struct barrival){w->f[i].start, w->f[i].size, w->f[i].path->latency, id};
    }
    cpn_engine_schedule(r->eng, r->sessions ? 0 : w->f[0].start, &arrival, r, 0, NULL);
    double t0 = now_wall(), c0 = now_cpu();
    rc = cpn_engine_run(r->eng, INFINITY);
    double cpu = now_cpu() - c0;
    *wall = now_wall() - t0;
    if (rc != CPN_OK)
        die(rc, "run");
    if (r->done != w->n)
        die(CPN_EINTERNAL, "not every flow completed");
    cpn_flownet_stats(r->net, st);
    cpn_flownet_free(r->net);
    free(r->a);
    cpn_engine_free(r->eng);
    return cpu;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void bench(const char *kind, size_t n, double rho, size_t sessions, int runs,
                  unsigned long seed)
{
    struct workload w = {kind, NULL, NULL, NULL, 0};
    make_flows(&w, kind, n, rho, seed);
    double rss0 = peak_rss_mb(), cpus[16], walls[16];
    struct run r = {0};
    r.sessions = sessions;
    struct cpn_flow_stats st = {0};
    for (int i = 0; i < runs; i++)
        cpus[i] = run_once(&w, &r, &st, &walls[i]);
    qsort(cpus, runs, sizeof cpus[0], cmp_double);
    qsort(walls, runs, sizeof walls[0], cmp_double);
    double med = cpus[runs / 2];
    printf("%-8s %8zu %5.2f %9.3f %9.3f %11.0f %9.1f %8zu %8zu %9.1f %9.1f %8.2f %8.1f %8.2f %8.1f "
           "%7.1f\n",
           kind, n, rho, walls[runs / 2], med, n / med, r.sum_active / n, r.max_active, r.max_flows,
           (double)st.solved_classes / fmax(st.solves, 1),
           (double)st.solved_resources / fmax(st.solves, 1), (double)st.solves / n,
           (double)st.reschedules / n, (double)st.moved_classes / n, rss0, peak_rss_mb());
    fflush(stdout);
    free_workload(&w);
}

/* Bytes per sharing flow: the growth of the peak RSS while @p n flows share an 8-hop path and
 * have been solved once, each flow alone in its class (distinct caps) or all in one class.
 * Includes the allocator's headers, the slack of geometric growth and the solve's workspace. */
static void memory_probe(size_t n, int one_class)
{
    enum { HOPS = 8 };
    double cap[HOPS];
    uint32_t hops[HOPS];
    for (int i = 0; i < HOPS; i++) {
        cap[i] = 1e11; /* [B/s] */
        hops[i] = (uint32_t)i;
    }
    struct cpn_engine *eng = cpn_engine_new();
    struct cpn_flownet *net;
    uint32_t pid;
    int rc = eng ? cpn_flownet_new(eng, HOPS, cap, &net) : CPN_ENOMEM;
    if (rc == CPN_OK)
        rc = cpn_flownet_path(net, hops, HOPS, &pid);
    if (rc != CPN_OK)
        die(rc, "memory probe");
    double rss0 = peak_rss_mb();
    for (size_t i = 0; i < n && rc == CPN_OK; i++) {
        /* 1 TB each: nothing finishes; distinct finite caps above any share make distinct
         * classes without binding. */
        struct cpn_flow_spec s = {
            0, 0, 1e12, NULL, 0, 0, 1, one_class ? INFINITY : 1e12 + (double)i, NULL, NULL, i, 0};
        rc = cpn_flow_start_path(net, pid, &s, NULL);
    }
    if (rc == CPN_OK)
        rc = cpn_engine_run(eng, 1e-9); /* one solve */
    if (rc != CPN_OK)
        die(rc, "memory probe");
    double grown = (peak_rss_mb() - rss0) * 1024 * 1024;
    printf("memory: %zu sharing flows on an 8-hop path, %s: %zu classes, %.0f bytes per flow "
           "(peak RSS growth)\n",
           n, one_class ? "one class" : "each alone in its class", cpn_flownet_classes(net),
           grown / (double)n);
    cpn_flownet_free(net);
    cpn_engine_free(eng);
}

/* Write a workload for another simulator (tests/bench/simgrid_flows.cpp): the directed links
 * (capacity [B/s], latency [s]) and the flows (start [s], size [B], hops).  Text:
 *   cpnsim-flows 1
 *   links D            then D lines "capacity latency" (directed link d = 2 l + direction)
 *   flows N            then N lines "start size src dst nhops d0 d1 ..." (src, dst: node ids)
 * Values are printed with %.17g, so they read back exactly. */
static void export_workload(const char *kind, size_t n, double rho, unsigned long seed,
                            const char *file)
{
    struct workload w = {kind, NULL, NULL, NULL, 0};
    make_flows(&w, kind, n, rho, seed);
    FILE *fp = fopen(file, "w");
    if (!fp) {
        perror(file);
        exit(1);
    }
    uint32_t n_dl = 2 * cpn_topo_link_count(w.topo);
    fprintf(fp, "cpnsim-flows 1\nlinks %u\n", n_dl);
    for (uint32_t d = 0; d < n_dl; d++) {
        const struct cpn_link *l = cpn_topo_link(w.topo, d / 2);
        fprintf(fp, "%.17g %.17g\n", l->capacity, l->latency);
    }
    fprintf(fp, "flows %zu\n", n);
    for (size_t i = 0; i < n; i++) {
        const struct cpn_path *p = w.f[i].path;
        fprintf(fp, "%.17g %.17g %u %u %u", w.f[i].start, w.f[i].size, p->src, p->dst, p->hops);
        for (uint32_t h = 0; h < p->hops; h++)
            fprintf(fp, " %u", p->dlinks[h]);
        fputc('\n', fp);
    }
    if (fclose(fp) != 0) {
        perror(file);
        exit(1);
    }
    /* cpnsim's completion times, one per line in flow order, to compare with. */
    struct run r = {0};
    struct cpn_flow_stats st;
    double wall;
    r.end = malloc(n * sizeof *r.end);
    run_once(&w, &r, &st, &wall);
    char done[4096];
    snprintf(done, sizeof done, "%s.done", file);
    fp = fopen(done, "w");
    if (!fp) {
        perror(done);
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        fprintf(fp, "%.17g\n", r.end[i]);
    if (fclose(fp) != 0) {
        perror(done);
        exit(1);
    }
    free(r.end);
    free_workload(&w);
}

/* Write the workload as a cpnsim scenario, for `cpnsim run` end to end
 * (tests/bench/vs_simgrid.sh --run): DIR/scenario.xml (the nodes and links, capacities in B/s,
 * latencies in s, the ideal transport) and DIR/flows.csv with each flow's route in the path
 * column (its nodes), so `cpnsim run` takes exactly the engine's paths (a fat tree's D-mod-k
 * routes too).  Flow i is "f<i>", in flow order (the order of --export's FILE.done). */
static void export_scenario(const char *kind, size_t n, double rho, unsigned long seed,
                            const char *dir)
{
    struct workload w = {kind, NULL, NULL, NULL, 0};
    make_flows(&w, kind, n, rho, seed);
    char path[4096];
    snprintf(path, sizeof path, "%s/scenario.xml", dir);
    FILE *fp = fopen(path, "w");
    if (!fp) {
        perror(path);
        exit(1);
    }
    double last = 0;
    for (size_t i = 0; i < n; i++)
        last = w.f[i].start > last ? w.f[i].start : last;
    fprintf(fp,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- bench_flows case %s, %zu flows, "
            "load %g, seed %lu (tests/bench/bench_flows.c) -->\n<cpnsim version=\"1\">\n"
            "  <simulation until=\"%.17gs\" seed=\"1\"/>\n  <topology>\n",
            kind, n, rho, seed, 1e3 * (last + 1));
    for (uint32_t v = 0; v < cpn_topo_node_count(w.topo); v++)
        fprintf(fp, "    <node id=\"%s\"/>\n", cpn_topo_node(w.topo, v)->id);
    for (uint32_t l = 0; l < cpn_topo_link_count(w.topo); l++) {
        const struct cpn_link *k = cpn_topo_link(w.topo, l);
        fprintf(fp,
                "    <link id=\"%s\" a=\"%s\" b=\"%s\" capacity=\"%.17gB/s\" "
                "latency=\"%.17gs\"/>\n",
                k->id, cpn_topo_node(w.topo, k->a)->id, cpn_topo_node(w.topo, k->b)->id,
                k->capacity, k->latency);
    }
    fprintf(fp, "  </topology>\n  <traffic>\n    <flows file=\"flows.csv\"/>\n  </traffic>\n"
                "</cpnsim>\n");
    if (fclose(fp) != 0) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/flows.csv", dir);
    fp = fopen(path, "w");
    if (!fp) {
        perror(path);
        exit(1);
    }
    fprintf(fp, "id,src,dst,bytes,start_time,path\n");
    for (size_t i = 0; i < n; i++) {
        const struct cpn_path *p = w.f[i].path;
        fprintf(fp, "f%zu,%s,%s,%.17g,%.17g,%s", i, cpn_topo_node(w.topo, p->src)->id,
                cpn_topo_node(w.topo, p->dst)->id, w.f[i].size, w.f[i].start,
                cpn_topo_node(w.topo, p->src)->id);
        for (uint32_t h = 0; h < p->hops; h++)
            fprintf(fp, " %s", cpn_topo_node(w.topo, cpn_topo_dlink_to(w.topo, p->dlinks[h]))->id);
        fputc('\n', fp);
    }
    if (fclose(fp) != 0) {
        perror(path);
        exit(1);
    }
    free_workload(&w);
}

/* Compare with the naive reference on a small case; prints the worst relative difference. */
static int check(const char *kind, size_t n, double rho, size_t sessions, unsigned long seed)
{
    struct workload w = {kind, NULL, NULL, NULL, 0};
    make_flows(&w, kind, n, rho, seed);
    struct run r = {0};
    struct cpn_flow_stats st;
    double wall;
    r.sessions = sessions;
    r.end = malloc(n * sizeof *r.end);
    r.begin = malloc(n * sizeof *r.begin);
    double *ref = malloc(n * sizeof *ref);
    struct cpn_ref_flow *rf = calloc(n, sizeof *rf);
    run_once(&w, &r, &st, &wall);
    for (size_t i = 0; i < n; i++) {
        const struct cpn_path *p = w.f[i].path;
        if (p->hops > CPN_REF_MAXH)
            die(CPN_ERANGE, "path too long for the reference");
        rf[i] = (struct cpn_ref_flow){r.begin[i], p->latency, w.f[i].size, 1,
                                      INFINITY,   {0},        (int)p->hops};
        memcpy(rf[i].hops, p->dlinks, p->hops * sizeof *p->dlinks);
    }
    uint32_t n_dl = 2 * cpn_topo_link_count(w.topo);
    double *cap = malloc(n_dl * sizeof *cap);
    for (uint32_t d = 0; d < n_dl; d++)
        cap[d] = cpn_topo_link(w.topo, d / 2)->capacity;
    double t0 = now_wall();
    if (cpn_ref_run((int)n_dl, cap, (int)n, rf, ref) != 0)
        die(CPN_ENOMEM, "reference");
    double ref_wall = now_wall() - t0, worst = 0;
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs(r.end[i] - ref[i]) / fabs(ref[i]));
    if (sessions)
        printf("check %-8s %6zu flows, closed loop of %zu: worst relative difference of "
               "completion times %.2e (reference %.2f s) %s\n",
               kind, n, sessions, worst, ref_wall, worst <= 1e-9 ? "OK" : "FAIL");
    else
        printf("check %-8s %6zu flows, load %.2f: worst relative difference of completion times "
               "%.2e (reference %.2f s) %s\n",
               kind, n, rho, worst, ref_wall, worst <= 1e-9 ? "OK" : "FAIL");
    free(r.begin);
    free(cap);
    free(rf);
    free(ref);
    free(r.end);
    free_workload(&w);
    return worst <= 1e-9;
}

int main(int argc, char **argv)
{
    const char *which = "all", *export = NULL, *export_dir = NULL;
    size_t flows = 0;
    double load = 0;
    size_t sessions = 10000;
    int runs = 3, do_check = 0, do_memory = 0;
    unsigned long seed = 42;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--case") && i + 1 < argc)
            which = argv[++i];
        else if (!strcmp(argv[i], "--flows") && i + 1 < argc)
            flows = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--load") && i + 1 < argc)
            load = atof(argv[++i]);
        else if (!strcmp(argv[i], "--sessions") && i + 1 < argc)
            sessions = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--export") && i + 1 < argc)
            export = argv[++i];
        else if (!strcmp(argv[i], "--export-scenario") && i + 1 < argc)
            export_dir = argv[++i];
        else if (!strcmp(argv[i], "--check"))
            do_check = 1;
        else if (!strcmp(argv[i], "--memory"))
            do_memory = 1;
        else {
            fprintf(
                stderr,
                "usage: %s [--case wan|fat|wanhigh|closed|all] [--flows N] "
                "[--load RHO] [--sessions S] [--runs R] [--export FILE] [--export-scenario DIR] "
                "[--seed S] [--check] [--memory]\n",
                argv[0]);
            return 64;
        }
    }
    if (runs < 1 || runs > 16)
        runs = 3;
    if (export_dir) {
        if (!strcmp(which, "all") || !strcmp(which, "closed")) {
            fprintf(stderr, "bench_flows: --export-scenario needs --case wan, fat or wanhigh\n");
            return 64;
        }
        export_scenario(which, flows ? flows : 1000,
                        load                        ? load
                        : !strcmp(which, "wanhigh") ? 0.99
                                                    : 0.7,
                        seed, export_dir);
        if (!export)
            return 0;
    }
    if (export) {
        if (!strcmp(which, "all") || !strcmp(which, "closed")) {
            fprintf(stderr, "bench_flows: --export needs --case wan, fat or wanhigh\n");
            return 64;
        }
        export_workload(which, flows ? flows : 1000,
                        load                        ? load
                        : !strcmp(which, "wanhigh") ? 0.99
                                                    : 0.7,
                        seed, export);
        return 0;
    }
    if (do_memory) {
        memory_probe(flows ? flows : 200000, !strcmp(which, "one"));
        return 0;
    }
    if (do_check) {
        int ok = check("wan", 3000, 0.7, 0, seed) & check("fat", 3000, 0.7, 0, seed) &
                 check("wan", 3000, 1.0, 0, seed + 1) & check("wan", 3000, 1.5, 0, seed + 2) &
                 check("closed", 3000, 0.7, 300, seed + 3);
        return ok ? 0 : 1;
    }
    printf("case        flows  load    wall_s     cpu_s  flows/cpu_s mean_act  max_act max_flow "
           "grp/solve res/solve solve/fl resch/fl  move/fl  rss0_MB  rss_MB\n");
    int all = !strcmp(which, "all");
    /* wan at 1e3..1e6 flows, fat at 1e3..1e5, unless --flows says one size */
    const struct {
        const char *kind;
        size_t most;
    } sized[] = {{"wan", 1000000}, {"fat", 100000}};
    for (size_t k = 0; k < sizeof sized / sizeof sized[0]; k++) {
        if (!all && strcmp(which, sized[k].kind))
            continue;
        for (size_t n = flows ? flows : 1000; n <= (flows ? flows : sized[k].most); n *= 10)
            bench(sized[k].kind, n, load ? load : 0.7, 0, runs, seed);
    }
    if (all || !strcmp(which, "wanhigh"))
        bench("wanhigh", flows ? flows : 1000000, load ? load : 0.99, 0, runs, seed);
    if (all || !strcmp(which, "closed"))
        bench("closed", flows ? flows : 1000000, 1, sessions, runs, seed);
    return 0;
}
