/*
 * Event-queue benchmark: the classic hold model (Vaucher & Duval, CACM 18(4), 1975; Jones,
 * CACM 29(4), 1986).  N events are pending; each hold step removes the earliest one and inserts
 * one at now + Exp(1).  The same run times a plain array binary heap of (time, seq) without
 * handles as the reference, so the figures are ratios measured under the same machine load.
 * A hold step of the cpnsim queue makes the calls cpn_engine_run() makes for an event whose
 * handler schedules one event: cpn_evq_pop(), then cpn_evq_push() (with out = NULL, as the
 * plain heap keeps no handles either).
 *
 * Variant "resched": one step in four reschedules a random pending event to now + Exp(1) (the
 * fluid flow model's pattern) instead of a hold; live handles are kept in an array.
 *
 * The exponential increments (GSL, mean 1 s) and the random indices are generated before timing
 * into arrays that every structure reads in the same way, so RNG cost is excluded equally.
 * Steps per N: max(10 N, 2e6); the table shows the median of REPS repetitions [ns per step],
 * run in alternating order.  The fill of the N initial events is not timed.
 *
 * Usage: bench_evq [REPS [MAX_N [MIN_N]]]   (defaults: 5 repetitions, N from 1e3 to 1e6; a
 * single N, e.g. `bench_evq 1 10000 10000`, suits `valgrind --tool=callgrind`)
 */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/engine.h"
#include "sim/evq.h"

#define N_DRAWS (1u << 20) /* pre-generated increments, cycled (power of two: index mask) */

/* ---- reference: plain binary heap of (time, seq), no handles ---------------------------- */

struct plain_entry {
    double time;  /* [s] */
    uint64_t seq; /* tie-break */
};

struct plain_heap {
    struct plain_entry *items;
    size_t len;
    uint64_t next_seq;
};

static inline int plain_before(struct plain_entry a, struct plain_entry b)
{
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
}

static void plain_push(struct plain_heap *h, double time)
{
    struct plain_entry e = {time, h->next_seq++};
    size_t i = h->len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!plain_before(e, h->items[parent]))
            break;
        h->items[i] = h->items[parent];
        i = parent;
    }
    h->items[i] = e;
}

static double plain_pop(struct plain_heap *h)
{
    double top = h->items[0].time;
    struct plain_entry e = h->items[--h->len];
    size_t n = h->len, i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && plain_before(h->items[c + 1], h->items[c]))
            c++;
        if (!plain_before(h->items[c], e))
            break;
        h->items[i] = h->items[c];
        i = c;
    }
    if (n)
        h->items[i] = e;
    return top;
}

/* ---- timing ------------------------------------------------------------------------------ */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int bench_fn(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng, (void)ctx, (void)arg;
    return 0;
}

static const struct cpn_handler bench_handler = {bench_fn, "bench", 0};

struct inputs {
    const double *draws;     /* Exp(1) increments [s], N_DRAWS */
    const uint32_t *indices; /* uniform indices in [0, n), N_DRAWS */
    size_t n, steps;
};

/* Each function returns ns per step and stores the final clock in *end (a cross-check). */

static double run_plain(const struct inputs *in, double *end)
{
    /* Cache-line aligned, root at index 1 of the buffer: the two children of every node then
     * share a 32-byte half line, whatever malloc's alignment happens to be. */
    size_t bytes = ((in->n + 1) * sizeof(struct plain_entry) + 63) / 64 * 64;
    struct plain_entry *buffer = aligned_alloc(64, bytes);
    if (!buffer)
        exit(2);
    struct plain_heap h = {buffer + 1, 0, 0};
    for (size_t i = 0; i < in->n; i++)
        plain_push(&h, in->draws[i & (N_DRAWS - 1)]);
    double now = 0, t0 = seconds();
    for (size_t k = 0; k < in->steps; k++) {
        now = plain_pop(&h);
        plain_push(&h, now + in->draws[(k + in->n) & (N_DRAWS - 1)]);
    }
    double dt = seconds() - t0;
    free(buffer);
    *end = now;
    return 1e9 * dt / (double)in->steps;
}

static double run_evq(const struct inputs *in, int resched, double *end)
{
    struct cpn_evq *q = cpn_evq_new(in->n);
    cpn_evh *live = malloc(in->n * sizeof *live); /* live[i]: handle of the event with arg i */
    if (!q || !live)
        exit(2);
    for (size_t i = 0; i < in->n; i++)
        if (cpn_evq_push(q, in->draws[i & (N_DRAWS - 1)], &bench_handler, NULL, i, &live[i]))
            exit(3);
    double now = 0, t0 = seconds();
    struct cpn_event ev;
    for (size_t k = 0; k < in->steps; k++) {
        double dt = in->draws[(k + in->n) & (N_DRAWS - 1)];
        if (resched && (k & 3) == 3) {
            if (cpn_evq_reschedule(q, live[in->indices[k & (N_DRAWS - 1)]], now + dt))
                exit(3);
            continue;
        }
        cpn_evq_pop(q, &ev);
        now = ev.time;
        /* The plain hold model keeps no handles, so neither does the evq in it. */
        if (cpn_evq_push(q, now + dt, &bench_handler, NULL, ev.arg, resched ? &live[ev.arg] : NULL))
            exit(3);
    }
    double elapsed = seconds() - t0;
    cpn_evq_free(q);
    free(live);
    *end = now;
    return 1e9 * elapsed / (double)in->steps;
}

static double median(double *xs, size_t n)
{
    gsl_sort(xs, 1, n);
    return n % 2 ? xs[n / 2] : 0.5 * (xs[n / 2 - 1] + xs[n / 2]);
}

int main(int argc, char **argv)
{
    size_t reps = argc > 1 ? strtoul(argv[1], NULL, 10) : 5;
    size_t max_n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
    size_t min_n = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;
    if (reps == 0 || reps > 100)
        reps = 5;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    double *draws = malloc(N_DRAWS * sizeof *draws);
    uint32_t *indices = malloc(N_DRAWS * sizeof *indices);
    double *t_plain = malloc(reps * sizeof *t_plain), *t_evq = malloc(reps * sizeof *t_evq),
           *t_resched = malloc(reps * sizeof *t_resched);
    if (!rng || !draws || !indices || !t_plain || !t_evq || !t_resched)
        return 2;
    gsl_rng_set(rng, 1986);
    for (size_t i = 0; i < N_DRAWS; i++)
        draws[i] = gsl_ran_exponential(rng, 1.0);

    printf("hold model, %s, median of %zu repetitions [ns per step]\n",
           "evq = cpnsim queue with handles; plain = binary heap of (time, seq)", reps);
    printf("%9s %10s %9s %9s %7s %13s %13s\n", "N", "steps", "plain", "evq", "ratio", "evq+resched",
           "/plain hold");
    for (size_t n = min_n ? min_n : 1000; n <= max_n; n *= 10) {
        for (size_t i = 0; i < N_DRAWS; i++)
            indices[i] = (uint32_t)gsl_rng_uniform_int(rng, n);
        struct inputs in = {draws, indices, n, n * 10 > 2000000 ? n * 10 : 2000000};
        for (size_t r = 0; r < reps; r++) {
            double end_plain, end_evq, end_resched;
            /* Alternate the order (ABC, CBA, ...) so that a drift of the machine's load during
             * a repetition does not always favour the same structure. */
            if (r % 2 == 0) {
                t_plain[r] = run_plain(&in, &end_plain);
                t_evq[r] = run_evq(&in, 0, &end_evq);
                t_resched[r] = run_evq(&in, 1, &end_resched);
            } else {
                t_resched[r] = run_evq(&in, 1, &end_resched);
                t_evq[r] = run_evq(&in, 0, &end_evq);
                t_plain[r] = run_plain(&in, &end_plain);
            }
            if (end_plain != end_evq) {
                fprintf(stderr, "N=%zu: the queues disagree (final clock %.17g vs %.17g s)\n", n,
                        end_plain, end_evq);
                return 1;
            }
            (void)end_resched;
        }
        double p = median(t_plain, reps), e = median(t_evq, reps), s = median(t_resched, reps);
        printf("%9zu %10zu %9.1f %9.1f %7.2f %13.1f %13.2f\n", n, in.steps, p, e, e / p, s, s / p);
        fflush(stdout);
    }
    free(t_plain);
    free(t_evq);
    free(t_resched);
    free(indices);
    free(draws);
    gsl_rng_free(rng);
    return 0;
}
