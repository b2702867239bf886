/*
 * bench_trace: cost of the HDF5 trace per flow record, and bytes per flow record on disk.
 *
 *   tests/bench/bench_trace [N_FLOWS] [DIR]        (defaults: 1000000, /tmp)
 *
 * The simulation loop is not wired yet, so the benchmark times, in the same run:
 *   baseline   building N flow records (GSL random values shaped like a national run: Poisson
 *              arrivals, exponential durations, log-normal sizes) and calling a no-op observer;
 *   summary    the same records through the trace observer at level "summary" with the summary
 *              attached (what every run pays: the summary keeps one double per flow);
 *   flows/dN   level "flows" with deflate level N (0, 1 = default, 6), which writes /flows.
 * It prints ns per record for each, the extra cost of writing /flows over "summary", and the
 * bytes per flow record on disk (H5Dget_storage_size / N).  Targets (issue 7): tracing costs at
 * most 25% of a run's time, and at most 48 B per flow record on disk.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <hdf5.h>

#include "output/summary.h"
#include "output/trace.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int noop_flow(void *ctx, const struct cpn_flow_record *r)
{
    *(volatile double *)ctx += r->bytes;
    return CPN_OK;
}

static const char *const kinds[] = {"batch", "training", "ingest", "inference"};

/* Feed N generated flows to @p obs; returns elapsed seconds, or -1 on error. */
static double run(const struct cpn_observer *obs, size_t n)
{
    static struct cpn_run_link links[100];
    static struct cpn_run_node nodes[40];
    for (size_t i = 0; i < 40; i++)
        nodes[i] = (struct cpn_run_node){"node", 0, 0};
    for (size_t i = 0; i < 100; i++)
        links[i] = (struct cpn_run_link){"link", "ip", (uint32_t)(i % 40), (uint32_t)((i + 1) % 40),
                                         12.5e9, 0.005};
    struct cpn_run_info in = {.program_version = PACKAGE_VERSION,
                              .scenario_text = "bench",
                              .scenario_length = 5,
                              .policy = "none",
                              .job_kinds = kinds,
                              .n_job_kinds = 4,
                              .nodes = nodes,
                              .n_nodes = 40,
                              .links = links,
                              .n_links = 100};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 42);
    double t0 = now(), t = 0;
    int rc = cpn_observe_begin(obs, &in);
    for (size_t i = 0; rc == CPN_OK && i < n; i++) {
        t += gsl_ran_exponential(rng, 0.6); /* ~1e6 flows per week */
        double d = 0.001 + gsl_ran_exponential(rng, 10.0);
        double bytes = floor(gsl_ran_lognormal(rng, 18.0, 2.0)); /* median ~66 MB */
        struct cpn_flow_record r = {.start = t,
                                    .end = t + d,
                                    .bytes = bytes,
                                    .id = i,
                                    .job = (uint32_t)(i / 10),
                                    .src = (uint32_t)gsl_rng_uniform_int(rng, 40),
                                    .dst = (uint32_t)gsl_rng_uniform_int(rng, 40),
                                    .path = (uint32_t)gsl_rng_uniform_int(rng, 200),
                                    .klass = (uint32_t)gsl_rng_uniform_int(rng, 1000),
                                    .mean_rate = (float)(bytes / d)};
        rc = cpn_observe_flow_end(obs, &r);
    }
    if (rc == CPN_OK)
        rc = cpn_observe_end(obs, 1, NULL);
    double dt = now() - t0;
    gsl_rng_free(rng);
    if (rc != CPN_OK) {
        fprintf(stderr, "bench_trace: %s\n", cpn_error_message());
        return -1;
    }
    return dt;
}

/* One traced run; returns seconds and the bytes of /flows on disk in *disk. */
static double traced(const char *path, enum cpn_trace_level level, int deflate, size_t n,
                     double *disk, double *file_size)
{
    struct cpn_summary *s = NULL;
    struct cpn_trace *t = NULL;
    struct cpn_trace_options o = {.path = path, .level = level, .force = 1, .deflate = deflate};
    if (cpn_summary_new(&s) != CPN_OK)
        return -1;
    o.summary = s;
    if (cpn_trace_open(&o, &t) != CPN_OK) {
        fprintf(stderr, "bench_trace: %s\n", cpn_error_message());
        cpn_summary_free(s);
        return -1;
    }
    struct cpn_observer obs;
    cpn_trace_observer(t, &obs);
    double dt = run(&obs, n);
    cpn_trace_free(t);
    cpn_summary_free(s);
    *disk = 0;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f >= 0) {
        if (H5Lexists(f, "flows", H5P_DEFAULT) > 0) {
            hid_t d = H5Dopen2(f, "flows", H5P_DEFAULT);
            *disk = (double)H5Dget_storage_size(d);
            H5Dclose(d);
        }
        H5Fclose(f);
    }
    FILE *fp = fopen(path, "rb");
    *file_size = 0;
    if (fp) {
        fseek(fp, 0, SEEK_END);
        *file_size = (double)ftell(fp);
        fclose(fp);
    }
    unlink(path);
    return dt;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    char path[4096];
    snprintf(path, sizeof path, "%s/bench_trace_%ld.h5", dir, (long)getpid());
    volatile double sink = 0;
    struct cpn_observer noop = {.ctx = (void *)&sink, .flow_end = noop_flow};
    printf("bench_trace: %zu flow records, file %s, chunk %d records\n", n, path, CPN_TRACE_CHUNK);
    /* Each configuration twice, keeping the faster run (the machine is shared). */
    struct {
        const char *name;
        int traced;
        enum cpn_trace_level level;
        int deflate;
        double best, disk, size;
    } c[] = {
        {"baseline (build records, no-op observer)", 0, CPN_TRACE_SUMMARY, 0, 1e300, 0, 0},
        {"level summary (summary attached)", 1, CPN_TRACE_SUMMARY, -1, 1e300, 0, 0},
        {"level flows, deflate 0 (shuffle off)", 1, CPN_TRACE_FLOWS, 0, 1e300, 0, 0},
        {"level flows, deflate 1 (default)", 1, CPN_TRACE_FLOWS, 1, 1e300, 0, 0},
        {"level flows, deflate 6", 1, CPN_TRACE_FLOWS, 6, 1e300, 0, 0},
    };
    const size_t nc = sizeof c / sizeof c[0];
    for (int rep = 0; rep < 2; rep++)
        for (size_t i = 0; i < nc; i++) {
            double disk = 0, size = 0;
            double dt = c[i].traced ? traced(path, c[i].level, c[i].deflate, n, &disk, &size)
                                    : run(&noop, n);
            if (dt < 0)
                return 1;
            if (dt < c[i].best) {
                c[i].best = dt;
                c[i].disk = disk;
                c[i].size = size;
            }
        }
    printf("%-42s %10s %12s %14s %12s\n", "configuration", "ns/record", "extra ns/rec",
           "/flows B/rec", "file B/rec");
    for (size_t i = 0; i < nc; i++)
        printf("%-42s %10.1f %12.1f %14.2f %12.2f\n", c[i].name, 1e9 * c[i].best / n,
               i ? 1e9 * (c[i].best - c[1].best) / n : 0.0, c[i].disk / n, c[i].size / n);
    double extra = 1e9 * (c[3].best - c[1].best) / n;
    printf("writing /flows (default) costs %.1f ns per flow over level summary; within the 25%% "
           "budget when a run spends >= %.0f ns per flow elsewhere; %.2f B per flow on disk "
           "(target <= 48)\n",
           extra, 4 * extra, c[3].disk / n);
    return 0;
}
