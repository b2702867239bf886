/* Suite "evq": the pending-event set (ordering, handles, pool growth, differential test). */
#include <float.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include "sim/engine.h"
#include "sim/error.h"
#include "sim/evq.h"
#include "tests/unit/suites.h"

static int never_called(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng, (void)ctx, (void)arg;
    return CPN_EINTERNAL;
}

static const struct cpn_handler test_handler = {never_called, "test", 0};

static void test_earlier_times_pop_first_and_ties_pop_in_insertion_order(void)
{
    struct cpn_evq *q = cpn_evq_new(0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    /* arg = insertion index.  By hand, sorted by (time, index): t=0 #5; t=1 #1, #3; t=2 #2;
     * t=3 #0, #4. */
    const double times[] = {3, 1, 2, 1, 3, 0};
    const uint64_t expected[] = {5, 1, 3, 2, 0, 4};
    for (uint64_t i = 0; i < 6; i++)
        CU_ASSERT_EQUAL_FATAL(cpn_evq_push(q, times[i], &test_handler, NULL, i, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_size(q), 6);
    for (int k = 0; k < 6; k++) {
        const struct cpn_event *top = cpn_evq_peek(q);
        CU_ASSERT_PTR_NOT_NULL_FATAL(top);
        CU_ASSERT_EQUAL(top->arg, expected[k]);
        struct cpn_event ev;
        CU_ASSERT_EQUAL_FATAL(cpn_evq_pop(q, &ev), CPN_OK);
        CU_ASSERT_EQUAL(ev.arg, expected[k]);
        CU_ASSERT_EQUAL(ev.time, times[expected[k]]);
        CU_ASSERT_EQUAL(ev.seq, expected[k]); /* sequence numbers count the pushes from 0 */
        CU_ASSERT_PTR_EQUAL(ev.handler, &test_handler);
    }
    CU_ASSERT_PTR_NULL(cpn_evq_peek(q));
    cpn_evq_free(q);
}

static void test_negative_zero_tiny_and_huge_times_pop_in_numeric_order(void)
{
    /* Inside, times are compared as integers mapped from the doubles' bits; this checks the
     * mapping against the order of the numbers themselves, across signs, the two zeros (equal
     * as numbers, so they pop in insertion order), subnormals and the largest finite values.
     * Sorted by hand (arg = index in times[]): -DBL_MAX #0; -1 #1; -DBL_TRUE_MIN #2; the zeros
     * -0.0 #3, +0.0 #4, -0.0 #9, equal, so in insertion order (below); DBL_TRUE_MIN #5; 1 #6;
     * 2 #7; DBL_MAX #8. */
    struct cpn_evq *q = cpn_evq_new(0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    const double times[] = {-DBL_MAX,     -1.0, -DBL_TRUE_MIN, -0.0,    0.0,
                            DBL_TRUE_MIN, 1.0,  2.0,           DBL_MAX, -0.0};
    const int order[] = {8, 4, 0, 7, 2, 9, 5, 1, 6, 3}; /* a shuffled insertion */
    cpn_evh h[10];
    for (int k = 0; k < 10; k++)
        CU_ASSERT_EQUAL_FATAL(
            cpn_evq_push(q, times[order[k]], &test_handler, NULL, (uint64_t)order[k], &h[order[k]]),
            CPN_OK);
    /* The two zeros #4 and #3 were inserted in the order 4 (k=1), 9 (k=5), 3 (k=9). */
    const uint64_t expected[] = {0, 1, 2, 4, 9, 3, 5, 6, 7, 8};
    struct cpn_event ev;
    for (int k = 0; k < 10; k++) {
        CU_ASSERT_EQUAL_FATAL(cpn_evq_pop(q, &ev), CPN_OK);
        CU_ASSERT_EQUAL(ev.arg, expected[k]);
        CU_ASSERT_EQUAL(ev.time, times[expected[k]]);
    }
    /* Rescheduling uses the same mapping: #10 moves from 5 to -1, the earliest; #11 moves from
     * -0.5 to +0.0, which ties with #12 at -0.0 and goes behind it (rescheduled later). */
    cpn_evh a, b, c;
    CU_ASSERT_EQUAL(cpn_evq_push(q, 5.0, &test_handler, NULL, 10, &a), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_push(q, -0.5, &test_handler, NULL, 11, &b), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_push(q, -0.0, &test_handler, NULL, 12, &c), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_reschedule(q, a, -1.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_reschedule(q, b, 0.0), CPN_OK);
    const uint64_t expected2[] = {10, 12, 11};
    for (int k = 0; k < 3; k++) {
        CU_ASSERT_EQUAL_FATAL(cpn_evq_pop(q, &ev), CPN_OK);
        CU_ASSERT_EQUAL(ev.arg, expected2[k]);
    }
    cpn_evq_free(q);
}

static void test_cancel_removes_exactly_that_event(void)
{
    struct cpn_evq *q = cpn_evq_new(4);
    cpn_evh h[5];
    for (uint64_t i = 0; i < 5; i++)
        CU_ASSERT_EQUAL_FATAL(cpn_evq_push(q, (double)i, &test_handler, NULL, i, &h[i]), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_cancel(q, h[2]), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_cancel(q, h[0]), CPN_OK); /* the root */
    CU_ASSERT_EQUAL(cpn_evq_cancel(q, h[4]), CPN_OK); /* the last entry */
    CU_ASSERT_FALSE(cpn_evq_pending(q, h[2]));
    CU_ASSERT_TRUE(cpn_evq_pending(q, h[1]));
    CU_ASSERT_EQUAL(cpn_evq_size(q), 2);
    struct cpn_event ev;
    CU_ASSERT_EQUAL(cpn_evq_pop(q, &ev), CPN_OK);
    CU_ASSERT_EQUAL(ev.arg, 1);
    CU_ASSERT_EQUAL(cpn_evq_pop(q, &ev), CPN_OK);
    CU_ASSERT_EQUAL(ev.arg, 3);
    CU_ASSERT_EQUAL(cpn_evq_pop(q, &ev), CPN_ENOENT); /* empty */
    cpn_evq_free(q);
}

static void test_stale_unknown_and_none_handles_are_enoent(void)
{
    struct cpn_evq *q = cpn_evq_new(0);
    cpn_evh fired, cancelled, reused;
    CU_ASSERT_EQUAL_FATAL(cpn_evq_push(q, 1.0, &test_handler, NULL, 0, &fired), CPN_OK);
    struct cpn_event ev;
    CU_ASSERT_EQUAL_FATAL(cpn_evq_pop(q, &ev), CPN_OK);
    /* The next push reuses the freed slot: the old handle must not reach the new event. */
    CU_ASSERT_EQUAL_FATAL(cpn_evq_push(q, 2.0, &test_handler, NULL, 1, &reused), CPN_OK);
    CU_ASSERT_EQUAL((uint32_t)reused, (uint32_t)fired); /* same slot ... */
    CU_ASSERT_NOT_EQUAL(reused, fired);                 /* ... other generation */
    CU_ASSERT_EQUAL_FATAL(cpn_evq_push(q, 3.0, &test_handler, NULL, 2, &cancelled), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_cancel(q, cancelled), CPN_OK);

    double t = -1;
    const cpn_evh bad[] = {fired,
                           cancelled,
                           CPN_EVH_NONE,
                           (cpn_evh)1 << 32 | 999,
                           reused + ((cpn_evh)2 << 32),
                           reused + ((cpn_evh)1 << 32)};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(cpn_evq_cancel(q, bad[i]), CPN_ENOENT);
        CU_ASSERT_EQUAL(cpn_evq_reschedule(q, bad[i], 5.0), CPN_ENOENT);
        CU_ASSERT_EQUAL(cpn_evq_time(q, bad[i], &t), CPN_ENOENT);
        CU_ASSERT_FALSE(cpn_evq_pending(q, bad[i]));
    }
    CU_ASSERT_EQUAL(t, -1); /* untouched on error */
    /* None of that disturbed the live event. */
    CU_ASSERT_EQUAL(cpn_evq_size(q), 1);
    CU_ASSERT_EQUAL(cpn_evq_time(q, reused, &t), CPN_OK);
    CU_ASSERT_EQUAL(t, 2.0);
    cpn_evq_free(q);
}

static void test_reschedule_moves_in_place_and_goes_behind_equal_times(void)
{
    struct cpn_evq *q = cpn_evq_new(0);
    cpn_evh h[4];
    for (uint64_t i = 0; i < 4; i++) /* times 10, 20, 30, 40 */
        CU_ASSERT_EQUAL_FATAL(
            cpn_evq_push(q, 10.0 * (double)(i + 1), &test_handler, NULL, i, &h[i]), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_reschedule(q, h[3], 5.0), CPN_OK);  /* earlier: becomes first */
    CU_ASSERT_EQUAL(cpn_evq_reschedule(q, h[0], 35.0), CPN_OK); /* later */
    CU_ASSERT_EQUAL(cpn_evq_reschedule(q, h[1], 30.0), CPN_OK); /* tie with #2: goes after it */
    double t;
    CU_ASSERT_EQUAL(cpn_evq_time(q, h[0], &t), CPN_OK);
    CU_ASSERT_EQUAL(t, 35.0);
    CU_ASSERT_EQUAL(cpn_evq_size(q), 4);
    /* By hand: #3 at 5, #2 at 30 (seq 2), #1 at 30 (rescheduled later, higher seq), #0 at 35. */
    const uint64_t expected[] = {3, 2, 1, 0};
    const double expected_time[] = {5, 30, 30, 35};
    for (int k = 0; k < 4; k++) {
        struct cpn_event ev;
        CU_ASSERT_EQUAL_FATAL(cpn_evq_pop(q, &ev), CPN_OK);
        CU_ASSERT_EQUAL(ev.arg, expected[k]);
        CU_ASSERT_EQUAL(ev.time, expected_time[k]);
    }
    cpn_evq_free(q);
}

static void test_invalid_arguments_are_einval(void)
{
    struct cpn_evq *q = cpn_evq_new(0);
    cpn_evh h = CPN_EVH_NONE;
    CU_ASSERT_EQUAL(cpn_evq_push(q, NAN, &test_handler, NULL, 0, &h), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_evq_push(q, INFINITY, &test_handler, NULL, 0, &h), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_evq_push(q, 1.0, NULL, NULL, 0, &h), CPN_EINVAL);
    CU_ASSERT_EQUAL(h, CPN_EVH_NONE);
    CU_ASSERT_EQUAL(cpn_evq_size(q), 0);
    CU_ASSERT_EQUAL_FATAL(cpn_evq_push(q, 1.0, &test_handler, NULL, 0, &h), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_reschedule(q, h, -INFINITY), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_evq_reschedule(q, h, NAN), CPN_EINVAL);
    double t;
    CU_ASSERT_EQUAL(cpn_evq_time(q, h, &t), CPN_OK);
    CU_ASSERT_EQUAL(t, 1.0); /* unchanged */
    /* A pool beyond what uint32_t slot indices can address is refused. */
    CU_ASSERT_PTR_NULL(cpn_evq_new(CPN_EVQ_MAX_EVENTS + 1));
    cpn_evq_free(q);
    cpn_evq_free(NULL);
}

static void test_the_limit_makes_push_fail_with_enomem(void)
{
    struct cpn_evq *q = cpn_evq_new(2);
    cpn_evq_set_limit(q, 3);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(cpn_evq_push(q, 1.0, &test_handler, NULL, 0, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_push(q, 1.0, &test_handler, NULL, 0, NULL), CPN_ENOMEM);
    CU_ASSERT_EQUAL(cpn_evq_size(q), 3);
    struct cpn_event ev;
    CU_ASSERT_EQUAL(cpn_evq_pop(q, &ev), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_push(q, 1.0, &test_handler, NULL, 0, NULL), CPN_OK); /* room again */
    cpn_evq_free(q);
}

static void test_a_million_random_events_pop_sorted_with_ties_in_order(void)
{
    enum { N = 1000000 };
    struct cpn_evq *q = cpn_evq_new(0); /* starts small: the pool grows about 10 times */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rng);
    gsl_rng_set(rng, 7);
    /* Integer times in [0, 1000): about 1000 events share each time, so ties are everywhere. */
    int ok = 1;
    for (uint64_t i = 0; i < N; i++)
        ok &= cpn_evq_push(q, (double)gsl_rng_uniform_int(rng, 1000), &test_handler, NULL, i,
                           NULL) == CPN_OK;
    CU_ASSERT_TRUE_FATAL(ok);
    CU_ASSERT_EQUAL(cpn_evq_size(q), N);
    struct cpn_event prev = {-1, 0, NULL, NULL, 0}, ev;
    size_t popped = 0, in_order = 0;
    while (cpn_evq_pop(q, &ev) == CPN_OK) {
        /* Nondecreasing time; at equal times, increasing insertion index. */
        in_order += ev.time > prev.time || (ev.time == prev.time && ev.arg > prev.arg);
        prev = ev;
        popped++;
    }
    CU_ASSERT_EQUAL(popped, N);
    CU_ASSERT_EQUAL(in_order, N);
    gsl_rng_free(rng);
    cpn_evq_free(q);
}

static void test_a_push_after_a_pop_takes_its_place_in_time_then_scheduling_order(void)
{
    /* The hold step (pop, then push) fills the root vacated by the pop.  By hand: pending
     * #0 t=1, #1 t=2, #2 t=2, #3 t=3; pop #0; push #4 at t=2 (seq 4, so behind #1 and #2, which
     * share its time); then the order is #1, #2, #4, #3.  A push at t=0.5, earlier than all,
     * must stay at the root: #5 next. */
    struct cpn_evq *q = cpn_evq_new(0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    const double times[] = {1, 2, 2, 3};
    for (uint64_t i = 0; i < 4; i++)
        CU_ASSERT_EQUAL_FATAL(cpn_evq_push(q, times[i], &test_handler, NULL, i, NULL), CPN_OK);
    struct cpn_event ev;
    CU_ASSERT_EQUAL_FATAL(cpn_evq_pop(q, &ev), CPN_OK);
    CU_ASSERT_EQUAL(ev.arg, 0);
    CU_ASSERT_EQUAL(cpn_evq_size(q), 3);
    CU_ASSERT_EQUAL(cpn_evq_push(q, 2.0, &test_handler, NULL, 4, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_size(q), 4);
    CU_ASSERT_EQUAL(cpn_evq_pop(q, &ev), CPN_OK);
    CU_ASSERT_EQUAL(ev.arg, 1);
    CU_ASSERT_EQUAL(cpn_evq_push(q, 0.5, &test_handler, NULL, 5, NULL), CPN_OK);
    const uint64_t expected[] = {5, 2, 4, 3};
    const uint64_t expected_seq[] = {5, 2, 4, 3}; /* pushes counted from 0 */
    for (int k = 0; k < 4; k++) {
        CU_ASSERT_EQUAL_FATAL(cpn_evq_pop(q, &ev), CPN_OK);
        CU_ASSERT_EQUAL(ev.arg, expected[k]);
        CU_ASSERT_EQUAL(ev.seq, expected_seq[k]);
    }
    CU_ASSERT_EQUAL(cpn_evq_size(q), 0);
    CU_ASSERT_PTR_NULL(cpn_evq_peek(q));
    CU_ASSERT_EQUAL(cpn_evq_pop(q, &ev), CPN_ENOENT);
    cpn_evq_free(q);
}

static void test_between_a_pop_and_a_push_the_popped_event_is_gone_for_every_call(void)
{
    /* After a pop and before the next push, the root is vacant inside the queue; every other
     * call must see the queue without the popped event.  Pending (by hand): #0 t=1, #1 t=2,
     * #2 t=3, #3 t=4, #4 t=5, #5 t=6. */
    struct cpn_evq *q = cpn_evq_new(0);
    cpn_evh h[6];
    for (uint64_t i = 0; i < 6; i++)
        CU_ASSERT_EQUAL_FATAL(cpn_evq_push(q, (double)(i + 1), &test_handler, NULL, i, &h[i]),
                              CPN_OK);
    struct cpn_event ev;
    CU_ASSERT_EQUAL_FATAL(cpn_evq_pop(q, &ev), CPN_OK); /* #0 */
    CU_ASSERT_EQUAL(cpn_evq_size(q), 5);
    CU_ASSERT_FALSE(cpn_evq_pending(q, h[0]));
    CU_ASSERT_EQUAL(cpn_evq_cancel(q, h[0]), CPN_ENOENT);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cpn_evq_peek(q));
    CU_ASSERT_EQUAL(cpn_evq_peek(q)->arg, 1);
    double t = 0;
    CU_ASSERT_EQUAL(cpn_evq_time(q, h[3], &t), CPN_OK);
    CU_ASSERT_EQUAL(t, 4.0);
    /* Cancel the earliest pending one (#1) while the root is vacant: #2 is next. */
    CU_ASSERT_EQUAL(cpn_evq_cancel(q, h[1]), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_peek(q)->arg, 2);
    CU_ASSERT_EQUAL_FATAL(cpn_evq_pop(q, &ev), CPN_OK); /* #2, root vacant again */
    CU_ASSERT_EQUAL(ev.arg, 2);
    /* Reschedule #5 from t=6 to t=0 while the root is vacant: it becomes the earliest. */
    CU_ASSERT_EQUAL(cpn_evq_reschedule(q, h[5], 0.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_peek(q)->arg, 5);
    CU_ASSERT_EQUAL_FATAL(cpn_evq_pop(q, &ev), CPN_OK); /* #5 */
    CU_ASSERT_EQUAL(ev.arg, 5);
    /* Two pops in a row (the second with the root vacant): #3 goes, #4 (t=5) is left; a new
     * #6 at t=4.5 then comes before #4. */
    CU_ASSERT_EQUAL_FATAL(cpn_evq_pop(q, &ev), CPN_OK);
    CU_ASSERT_EQUAL(ev.arg, 3);
    CU_ASSERT_EQUAL(cpn_evq_size(q), 1);
    CU_ASSERT_EQUAL(cpn_evq_push(q, 4.5, &test_handler, NULL, 6, NULL), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(cpn_evq_pop(q, &ev), CPN_OK);
    CU_ASSERT_EQUAL(ev.arg, 6);
    CU_ASSERT_EQUAL_FATAL(cpn_evq_pop(q, &ev), CPN_OK); /* the last one: the queue is empty */
    CU_ASSERT_EQUAL(ev.arg, 4);
    CU_ASSERT_EQUAL(cpn_evq_size(q), 0);
    CU_ASSERT_PTR_NULL(cpn_evq_peek(q));
    CU_ASSERT_EQUAL(cpn_evq_push(q, 7.0, &test_handler, NULL, 7, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_peek(q)->arg, 7);
    cpn_evq_free(q);
}

static void test_the_limit_counts_pending_events_between_a_pop_and_a_push(void)
{
    /* With the limit reached, a pop makes room for exactly one push. */
    struct cpn_evq *q = cpn_evq_new(0);
    cpn_evq_set_limit(q, 2);
    CU_ASSERT_EQUAL(cpn_evq_push(q, 1.0, &test_handler, NULL, 0, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_push(q, 2.0, &test_handler, NULL, 1, NULL), CPN_OK);
    struct cpn_event ev;
    CU_ASSERT_EQUAL(cpn_evq_pop(q, &ev), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_push(q, 3.0, &test_handler, NULL, 2, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_evq_push(q, 4.0, &test_handler, NULL, 3, NULL), CPN_ENOMEM);
    CU_ASSERT_EQUAL(cpn_evq_size(q), 2);
    cpn_evq_free(q);
}

/* ---- differential test against a naive array ------------------------------------------- */

struct ref_event {
    double time;  /* [s] */
    uint64_t seq; /* reference's own sequence number */
    uint64_t id;  /* the arg given to the queue */
    cpn_evh handle;
};

static size_t ref_min(const struct ref_event *ref, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (ref[i].time < ref[best].time ||
            (ref[i].time == ref[best].time && ref[i].seq < ref[best].seq))
            best = i;
    return best;
}

/* End a differential run: pop the n events left in q, which must come out in the reference's
 * order, then check that nothing mismatched and that each of the n_kinds kinds of operation was
 * exercised many times. */
static void ref_finish(struct cpn_evq *q, struct ref_event *ref, size_t n, size_t mismatches,
                       const size_t *counts, size_t n_kinds)
{
    while (n > 0) {
        size_t m = ref_min(ref, n);
        struct cpn_event ev;
        mismatches += cpn_evq_pop(q, &ev) != CPN_OK || ev.arg != ref[m].id;
        ref[m] = ref[--n];
    }
    CU_ASSERT_EQUAL(cpn_evq_size(q), 0);
    CU_ASSERT_EQUAL(mismatches, 0);
    for (size_t k = 0; k < n_kinds; k++)
        CU_ASSERT(counts[k] > 1000);
}

static void test_random_operations_match_a_naive_reference(void)
{
    enum { OPS = 60000, MAX = 2000 };
    struct cpn_evq *q = cpn_evq_new(1);
    struct ref_event *ref = malloc(MAX * sizeof *ref);
    cpn_evh *dead = malloc(OPS * sizeof *dead); /* handles of fired or cancelled events */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    CU_ASSERT_FATAL(q && ref && dead && rng);
    gsl_rng_set(rng, 2026);
    size_t n = 0, n_dead = 0, mismatches = 0, counts[5] = {0};
    uint64_t seq = 0, next_id = 0;
    for (int op = 0; op < OPS; op++) {
        unsigned kind = (unsigned)gsl_rng_uniform_int(rng, 100);
        /* Half the times are small integers (ties), half continuous. */
        double t = gsl_rng_uniform(rng) < 0.5 ? (double)gsl_rng_uniform_int(rng, 20)
                                              : 20.0 * gsl_rng_uniform(rng);
        if ((kind < 40 || n == 0) && n < MAX) { /* push */
            struct ref_event r = {t, seq++, next_id++, CPN_EVH_NONE};
            mismatches += cpn_evq_push(q, t, &test_handler, NULL, r.id, &r.handle) != CPN_OK;
            ref[n++] = r;
            counts[0]++;
        } else if (kind < 65 && n > 0) { /* pop */
            size_t m = ref_min(ref, n);
            struct cpn_event ev;
            mismatches += cpn_evq_pop(q, &ev) != CPN_OK;
            mismatches += ev.arg != ref[m].id || ev.time != ref[m].time;
            dead[n_dead++] = ref[m].handle;
            ref[m] = ref[--n];
            counts[1]++;
        } else if (kind < 80 && n > 0) { /* cancel */
            size_t m = gsl_rng_uniform_int(rng, n);
            mismatches += cpn_evq_cancel(q, ref[m].handle) != CPN_OK;
            dead[n_dead++] = ref[m].handle;
            ref[m] = ref[--n];
            counts[2]++;
        } else if (kind < 95 && n > 0) { /* reschedule: new time, new sequence number */
            size_t m = gsl_rng_uniform_int(rng, n);
            mismatches += cpn_evq_reschedule(q, ref[m].handle, t) != CPN_OK;
            ref[m].time = t;
            ref[m].seq = seq++;
            counts[3]++;
        } else if (n_dead > 0) { /* stale handle */
            cpn_evh h = dead[gsl_rng_uniform_int(rng, n_dead)];
            mismatches += cpn_evq_cancel(q, h) != CPN_ENOENT;
            mismatches += cpn_evq_reschedule(q, h, t) != CPN_ENOENT;
            counts[4]++;
        }
        mismatches += cpn_evq_size(q) != n;
        if (n > 0) {
            size_t m = gsl_rng_uniform_int(rng, n);
            double qt = NAN;
            mismatches += cpn_evq_time(q, ref[m].handle, &qt) != CPN_OK || qt != ref[m].time;
            mismatches += cpn_evq_peek(q)->arg != ref[ref_min(ref, n)].id;
        }
    }
    ref_finish(q, ref, n, mismatches, counts, 5);
    gsl_rng_free(rng);
    free(dead);
    free(ref);
    cpn_evq_free(q);
}

static void test_random_hold_steps_with_and_without_handles_match_a_naive_reference(void)
{
    /* The engine's pattern: pop, then usually push (one hold step), mixed with pushes whose
     * handle is not kept (out = NULL), cancels and reschedules of kept handles, and peeks
     * between a pop and the next push.  Times are small integers half of the time (ties). */
    enum { OPS = 60000, MAX = 3000 };
    struct cpn_evq *q = cpn_evq_new(1);
    struct ref_event *ref = malloc(MAX * sizeof *ref);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    CU_ASSERT_FATAL(q && ref && rng);
    gsl_rng_set(rng, 1975);
    size_t n = 0, mismatches = 0, counts[4] = {0};
    uint64_t seq = 0, next_id = 0;
    double now = 0;
    for (int op = 0; op < OPS; op++) {
        unsigned kind = (unsigned)gsl_rng_uniform_int(rng, 100);
        if ((kind < 60 && n > 0) || n == MAX) { /* pop, peek, then push 9 times in 10 */
            size_t m = ref_min(ref, n);
            struct cpn_event ev;
            mismatches += cpn_evq_pop(q, &ev) != CPN_OK || ev.arg != ref[m].id;
            now = ref[m].time;
            ref[m] = ref[--n];
            mismatches += cpn_evq_size(q) != n;
            if (n > 0)
                mismatches += cpn_evq_peek(q)->arg != ref[ref_min(ref, n)].id;
            counts[0]++;
            if (gsl_rng_uniform_int(rng, 10) == 9)
                continue;
        } else if (kind < 75 && n > 0) { /* cancel or reschedule a kept handle, if any */
            size_t m = gsl_rng_uniform_int(rng, n);
            if (ref[m].handle == CPN_EVH_NONE)
                continue;
            if (kind < 67) {
                mismatches += cpn_evq_cancel(q, ref[m].handle) != CPN_OK;
                ref[m] = ref[--n];
                counts[1]++;
            } else {
                double t = now + (double)gsl_rng_uniform_int(rng, 5);
                mismatches += cpn_evq_reschedule(q, ref[m].handle, t) != CPN_OK;
                ref[m].time = t;
                ref[m].seq = seq++;
                counts[2]++;
            }
            continue;
        }
        /* push at now + 0..4 (ties) or now + U(0, 5), keeping the handle half of the time */
        double t = now + (gsl_rng_uniform(rng) < 0.5 ? (double)gsl_rng_uniform_int(rng, 5)
                                                     : 5.0 * gsl_rng_uniform(rng));
        struct ref_event r = {t, seq++, next_id++, CPN_EVH_NONE};
        int keep = gsl_rng_uniform(rng) < 0.5;
        mismatches +=
            cpn_evq_push(q, t, &test_handler, NULL, r.id, keep ? &r.handle : NULL) != CPN_OK;
        ref[n++] = r;
        counts[3]++;
    }
    ref_finish(q, ref, n, mismatches, counts, 4);
    gsl_rng_free(rng);
    free(ref);
    cpn_evq_free(q);
}

int cpn_test_register_evq(void)
{
    CU_pSuite s = CU_add_suite("evq", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "earlier times pop first and ties pop in insertion order",
                     test_earlier_times_pop_first_and_ties_pop_in_insertion_order) ||
        !CU_add_test(s, "negative, zero, tiny and huge times pop in numeric order",
                     test_negative_zero_tiny_and_huge_times_pop_in_numeric_order) ||
        !CU_add_test(s, "cancel removes exactly that event",
                     test_cancel_removes_exactly_that_event) ||
        !CU_add_test(s, "fired, cancelled, unknown and NONE handles are CPN_ENOENT",
                     test_stale_unknown_and_none_handles_are_enoent) ||
        !CU_add_test(s, "reschedule moves in place and goes behind equal times",
                     test_reschedule_moves_in_place_and_goes_behind_equal_times) ||
        !CU_add_test(s, "invalid times and handlers are CPN_EINVAL",
                     test_invalid_arguments_are_einval) ||
        !CU_add_test(s, "the pending limit makes push fail with CPN_ENOMEM",
                     test_the_limit_makes_push_fail_with_enomem) ||
        !CU_add_test(s, "a push after a pop takes its place in time, then scheduling order",
                     test_a_push_after_a_pop_takes_its_place_in_time_then_scheduling_order) ||
        !CU_add_test(s, "between a pop and a push the popped event is gone for every call",
                     test_between_a_pop_and_a_push_the_popped_event_is_gone_for_every_call) ||
        !CU_add_test(s, "the limit counts pending events between a pop and a push",
                     test_the_limit_counts_pending_events_between_a_pop_and_a_push) ||
        !CU_add_test(s, "a million random events pop sorted with ties in insertion order",
                     test_a_million_random_events_pop_sorted_with_ties_in_order) ||
        !CU_add_test(s, "random push/pop/cancel/reschedule match a naive reference",
                     test_random_operations_match_a_naive_reference) ||
        !CU_add_test(s, "random hold steps with and without handles match a naive reference",
                     test_random_hold_steps_with_and_without_handles_match_a_naive_reference))
        return CU_get_error();
    return CUE_SUCCESS;
}
