/* Benchmark: replay an SWF trace on one center under FCFS and EASY; print wall time, jobs/s,
 * peak RSS, mean wait and mean bounded slowdown.
 *
 * Usage: bench_replay [TRACE.swf.gz [UNITS]]
 *   default trace: $CPN_DATADIR/traces/swf/SDSC-SP2-1998-4.2-cln.swf.gz (CPN_DATADIR defaults
 *   to ../shared/data); default units 128 (the SP2's processors).
 *
 * Reference measured in the same run: "engine only", the same arrivals and end events
 * (end = submit + runtime, no queue) on the same engine, so the ratio replay / reference shows
 * the cost of the center itself independently of the machine's speed.
 *
 * Bounded slowdown with tau = 10 s: max(1, (wait + run) / max(run, tau)) (Feitelson, Rudolph,
 * Schwiegelshohn, Sevcik & Wong, "Theory and practice in parallel job scheduling", JSSPP 1997,
 * LNCS 1291, §2.1).  run = the time the job held its units (after a walltime kill).
 * Jobs with an unknown runtime are skipped; an unknown walltime is taken as the runtime.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "models/centers/center.h"
#include "models/workload/wlog.h"
#include "sim/diag.h"
#include "sim/engine.h"
#include "sim/error.h"

/* Threshold of the bounded slowdown [s] (Feitelson et al. 1997 use 10 s). */
#define BSLD_TAU 10.0

struct job {
    double submit, runtime, walltime; /* [s] */
    uint32_t units;
    double start, end; /* [s], filled by the replay */
};

struct replay {
    struct cpn_center *c;
    struct job *jobs;
    size_t n, next;
};

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int on_start(void *ctx, struct cpn_center *c, const struct cpn_request_event *ev)
{
    struct replay *r = ctx;
    (void)c;
    r->jobs[ev->id].start = ev->start;
    return CPN_OK;
}

static int on_end(void *ctx, struct cpn_center *c, const struct cpn_request_event *ev)
{
    struct replay *r = ctx;
    (void)c;
    r->jobs[ev->id].end = ev->end;
    return CPN_OK;
}

/* Arrivals are chained: each submits its job and schedules the next one (one pending arrival). */
static int on_arrival(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler arrival = {on_arrival, "bench_arrival", 0};

static int on_reference_end(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct replay *r = ctx;
    r->jobs[arg].end = cpn_engine_now(eng);
    return CPN_OK;
}
static const struct cpn_handler reference_end = {on_reference_end, "bench_reference_end", 0};

static int on_arrival(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct replay *r = ctx;
    struct job *j = &r->jobs[arg];
    int rc;
    if (r->c) {
        struct cpn_request req = {(uint32_t)arg, 0, j->units, j->runtime, j->walltime, 0};
        rc = cpn_center_submit(r->c, &req);
    } else {
        j->start = cpn_engine_now(eng);
        rc = cpn_engine_schedule(eng, j->start + j->runtime, &reference_end, r, arg, NULL);
    }
    if (rc == CPN_OK && arg + 1 < r->n)
        rc = cpn_engine_schedule(eng, r->jobs[arg + 1].submit, &arrival, r, arg + 1, NULL);
    return rc;
}

/* Replay the jobs; discipline < 0 runs the engine-only reference.  Prints one line. */
static int replay(struct job *jobs, size_t n, uint32_t units, int discipline)
{
    struct cpn_engine *eng = cpn_engine_new();
    struct replay r = {NULL, jobs, n, 0};
    int rc = CPN_ENOMEM;
    if (!eng)
        goto out;
    double t0 = seconds();
    if (discipline >= 0) {
        struct cpn_center_spec spec;
        cpn_center_spec_init(&spec);
        spec.id = "sp2";
        spec.discipline = (enum cpn_queue_discipline)discipline;
        struct cpn_center_hooks hooks = {on_start, on_end, &r};
        struct cpn_pool_spec pool = {"nodes", units, 0, 0, NULL, 0, 0, 0};
        if ((rc = cpn_center_new(&spec, eng, &hooks, &r.c)) != CPN_OK ||
            (rc = cpn_center_add_pool(r.c, &pool, NULL)) != CPN_OK)
            goto out;
    }
    if ((rc = cpn_engine_schedule(eng, jobs[0].submit, &arrival, &r, 0, NULL)) != CPN_OK ||
        (rc = cpn_engine_run(eng, INFINITY)) != CPN_OK)
        goto out;
    double wall = seconds() - t0;
    double wait = 0, bsld = 0;
    for (size_t i = 0; i < n; i++) {
        double w = jobs[i].start - jobs[i].submit, run = jobs[i].end - jobs[i].start;
        wait += w;
        bsld += fmax(1.0, (w + run) / fmax(run, BSLD_TAU));
    }
    printf("%-12s %8.3f s %12.0f jobs/s %10.0f events/s   mean wait %10.1f s   mean bsld "
           "%8.2f\n",
           discipline < 0 ? "engine-only" : cpn_queue_discipline_name(discipline), wall, n / wall,
           cpn_engine_events(eng) / wall, wait / n, bsld / n);
out:
    if (rc != CPN_OK)
        fprintf(stderr, "bench_replay: %s\n", cpn_error_message());
    cpn_center_free(r.c);
    cpn_engine_free(eng);
    return rc;
}

int main(int argc, char **argv)
{
    char fallback[4096];
    const char *path = argc > 1 ? argv[1] : NULL;
    if (!path) {
        const char *dir = getenv("CPN_DATADIR");
        snprintf(fallback, sizeof fallback, "%s/traces/swf/SDSC-SP2-1998-4.2-cln.swf.gz",
                 dir && *dir ? dir : "../shared/data");
        path = fallback;
    }
    uint32_t units = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 128;
    struct cpn_diag diag;
    cpn_diag_init(&diag, NULL);
    struct cpn_wlog *tr = NULL;
    double t0 = seconds();
    if (cpn_wlog_read(path, CPN_WLOG_SWF, NULL, &diag, &tr) != CPN_OK) {
        fprintf(stderr, "bench_replay: cannot read %s: %s\n", path, cpn_error_message());
        return 1;
    }
    double read = seconds() - t0;
    struct job *jobs = calloc(tr->njobs ? tr->njobs : 1, sizeof *jobs);
    if (!jobs)
        return 1;
    size_t n = 0, skipped = 0, too_big = 0;
    for (size_t i = 0; i < tr->njobs; i++) {
        const struct cpn_wlog_job *tj = &tr->jobs[i];
        if (!(tj->runtime >= 0)) {
            skipped++;
            continue;
        }
        if (tj->units > units) {
            too_big++;
            continue;
        }
        jobs[n++] =
            (struct job){tj->submit, tj->runtime, tj->walltime >= 0 ? tj->walltime : tj->runtime,
                         tj->units,  NAN,         NAN};
    }
    cpn_wlog_free(tr);
    printf("trace %s: %zu jobs replayed (%zu without runtime, %zu wider than %u units "
           "skipped), read in %.3f s\n",
           path, n, skipped, too_big, units, read);
    if (n == 0)
        return 1;
    int rc = replay(jobs, n, units, -1);
    if (rc == CPN_OK)
        rc = replay(jobs, n, units, CPN_QUEUE_FCFS);
    if (rc == CPN_OK)
        rc = replay(jobs, n, units, CPN_QUEUE_EASY);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.1f MiB\n", ru.ru_maxrss / 1024.0);
    free(jobs);
    return rc == CPN_OK ? 0 : 1;
}
