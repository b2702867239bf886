/* Suite "engine": clock, scheduling, the run loop, stop requests and handler errors. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/engine.h"
#include "sim/error.h"
#include "tests/unit/suites.h"

/* What the handlers record: the (arg, time) of every firing. */
struct trace {
    size_t n;
    uint64_t args[64];
    double times[64]; /* clock seen by the handler [s] */
    cpn_evh handles[64];
};

static int record(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct trace *tr = ctx;
    if (tr->n < 64) {
        tr->args[tr->n] = arg;
        tr->times[tr->n] = cpn_engine_now(eng);
    }
    tr->n++;
    return CPN_OK;
}

static const struct cpn_handler record_handler = {record, "record", 0};

static int record_then_stop(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    cpn_engine_stop(eng);
    return record(eng, ctx, arg);
}

static const struct cpn_handler stop_handler = {record_then_stop, "stopper", 0};

static int record_then_raise_flag(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    *cpn_engine_stop_flag(eng) = 1; /* what a SIGINT handler would do */
    return record(eng, ctx, arg);
}

static const struct cpn_handler flag_handler = {record_then_raise_flag, "signal", 0};

static int fail_with_range(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng, (void)ctx, (void)arg;
    return CPN_ERROR(CPN_ERANGE, "capacity -1 B/s is negative");
}

static const struct cpn_handler failing_handler = {fail_with_range, "bad_link", 0};

/* Schedules two events at the current time: they go behind earlier-scheduled equal-time ones. */
static int schedule_two_now(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    int rc = record(eng, ctx, arg);
    if (rc == CPN_OK)
        rc = cpn_engine_schedule_in(eng, 0.0, &record_handler, ctx, 100 + arg, NULL);
    if (rc == CPN_OK)
        rc = cpn_engine_schedule(eng, cpn_engine_now(eng), &record_handler, ctx, 200 + arg, NULL);
    return rc;
}

static const struct cpn_handler spawner = {schedule_two_now, "spawner", 0};

/* Schedule record (arg 1) at times[0], @p middle (arg 2) at times[1], record (arg 3) at
 * times[2]. */
static void schedule_three(struct cpn_engine *eng, struct trace *tr, const double times[3],
                           const struct cpn_handler *middle)
{
    const struct cpn_handler *handlers[3] = {&record_handler, middle, &record_handler};
    for (uint64_t k = 0; k < 3; k++)
        CU_ASSERT_EQUAL_FATAL(cpn_engine_schedule(eng, times[k], handlers[k], tr, k + 1, NULL),
                              CPN_OK);
}

static void test_events_fire_in_time_order_and_ties_in_scheduling_order(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    struct trace tr = {0};
    const double times[] = {2.0, 1.0, 2.0, 0.5, 1.0};
    for (uint64_t i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(cpn_engine_schedule(eng, times[i], &record_handler, &tr, i, NULL), CPN_OK);
    /* Scheduled after #1 at t=1: fires after it, then its two children (t=1) after #4. */
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 1.0, &spawner, &tr, 9, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 6);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_OK);
    /* By hand: 0.5 #3; 1.0 #1, #4, #9, then #109, #209 (scheduled during the run); 2.0 #0, #2. */
    const uint64_t expected[] = {3, 1, 4, 9, 109, 209, 0, 2};
    const double expected_time[] = {0.5, 1, 1, 1, 1, 1, 2, 2};
    CU_ASSERT_EQUAL_FATAL(tr.n, 8);
    for (size_t k = 0; k < 8; k++) {
        CU_ASSERT_EQUAL(tr.args[k], expected[k]);
        CU_ASSERT_EQUAL(tr.times[k], expected_time[k]);
    }
    CU_ASSERT_EQUAL(cpn_engine_events(eng), 8);
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 0);
    CU_ASSERT_EQUAL(cpn_engine_now(eng),
                    2.0); /* infinite until: the clock stays at the last event */
    cpn_engine_free(eng);
}

/* Records the time of the next pending event as this firing sees it (in place of its clock). */
static int record_next_time(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct trace *tr = ctx;
    int rc = record(eng, ctx, arg);
    if (tr->n <= 64)
        tr->times[tr->n - 1] = cpn_engine_next_time(eng);
    return rc;
}

static const struct cpn_handler next_time_handler = {record_next_time, "next_time", 0};

static void test_next_time_is_the_earliest_pending_event(void)
{
    /* Events at 1, 1 and 2 s, and one at 3 s cancelled.  By hand: before the run the earliest is
     * at 1; the first firing at 1 sees the other at 1, the second sees 2, the one at 2 sees none
     * (the cancelled event is not pending): INFINITY. */
    struct cpn_engine *eng = cpn_engine_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    CU_ASSERT(isinf(cpn_engine_next_time(eng))); /* nothing pending */
    struct trace tr = {0};
    cpn_evh late;
    const double times[] = {2.0, 1.0, 1.0};
    for (uint64_t i = 0; i < 3; i++)
        CU_ASSERT_EQUAL_FATAL(cpn_engine_schedule(eng, times[i], &next_time_handler, &tr, i, NULL),
                              CPN_OK);
    CU_ASSERT_EQUAL_FATAL(cpn_engine_schedule(eng, 3.0, &record_handler, &tr, 9, &late), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_next_time(eng), 1.0);
    CU_ASSERT_EQUAL(cpn_engine_cancel(eng, late), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(tr.n, 3);
    CU_ASSERT(tr.args[0] == 1 && tr.times[0] == 1.0);
    CU_ASSERT(tr.args[1] == 2 && tr.times[1] == 2.0);
    CU_ASSERT(tr.args[2] == 0 && isinf(tr.times[2]));
    cpn_engine_free(eng);
}

/* A clock: records its firing, then schedules itself again one period (arg [s]) later while
 * that is at most 6 s. */
static int tick_again(struct cpn_engine *eng, void *ctx, uint64_t arg);

static const struct cpn_handler tick_handler = {tick_again, "tick", 0};

static int tick_again(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    int rc = record(eng, ctx, arg);
    double next = cpn_engine_now(eng) + (double)arg;
    if (rc == CPN_OK && next <= 6.0)
        rc = cpn_engine_schedule(eng, next, &tick_handler, ctx, arg, NULL);
    return rc;
}

static void test_handlers_that_schedule_their_next_firing_keep_ties_in_scheduling_order(void)
{
    /* The hold pattern (each firing schedules one event): clocks of period 1, 2 and 3 s, all
     * first scheduled at t=0 in that order.  By hand, with the sequence numbers of the
     * reschedules: t=0: 1, 2, 3 (scheduled first); t=1: 1; t=2: 2 (scheduled at t=0) before 1
     * (scheduled at t=1); t=3: 3 (t=0) before 1 (t=2); t=4: 2 (t=2) before 1 (t=3); t=5: 1;
     * t=6: 3 (scheduled at t=3), 2 (t=4), 1 (t=5). */
    struct cpn_engine *eng = cpn_engine_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    struct trace tr = {0};
    for (uint64_t period = 1; period <= 3; period++)
        CU_ASSERT_EQUAL_FATAL(cpn_engine_schedule(eng, 0.0, &tick_handler, &tr, period, NULL),
                              CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_OK);
    const uint64_t expected[] = {1, 2, 3, 1, 2, 1, 3, 1, 2, 1, 1, 3, 2, 1};
    const double expected_time[] = {0, 0, 0, 1, 2, 2, 3, 3, 4, 4, 5, 6, 6, 6};
    CU_ASSERT_EQUAL_FATAL(tr.n, 14);
    for (size_t k = 0; k < 14; k++) {
        CU_ASSERT_EQUAL(tr.args[k], expected[k]);
        CU_ASSERT_EQUAL(tr.times[k], expected_time[k]);
    }
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 0);
    cpn_engine_free(eng);
}

static const struct cpn_handler late_record_handler = {record, "late_record", 1};

/* A late handler that records, then schedules a normal event now (arg + 100). */
static int late_spawn(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    int rc = record(eng, ctx, arg);
    return rc == CPN_OK ? cpn_engine_schedule_in(eng, 0.0, &record_handler, ctx, 100 + arg, NULL)
                        : rc;
}

static const struct cpn_handler late_spawner = {late_spawn, "late_spawner", 1};

/* At t = 5, scheduled in the order L1 (late), N2, L3 (late, spawns a normal 103 at once), N4,
 * and N6 at t = 7 first of all; L5 (late) at t = 4.  Fired: L5 at 4 (a late event still fires
 * in time order), then at 5 the normal N2, N4, then the late L1, L3, and 103 (normal, scheduled
 * by L3 at 5: it comes before any remaining late event of 5, here none), then N6 at 7. */
static void test_late_handlers_fire_after_every_other_event_of_their_time(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    CU_ASSERT_FATAL(eng != NULL);
    struct trace tr = {0};
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 7, &record_handler, &tr, 6, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 5, &late_record_handler, &tr, 1, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 5, &record_handler, &tr, 2, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 5, &late_spawner, &tr, 3, NULL), CPN_OK);
    cpn_evh h;
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 9, &record_handler, &tr, 4, &h), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_reschedule(eng, h, 5), CPN_OK); /* N4: normal, at 5 */
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 4, &late_record_handler, &tr, 5, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_OK);
    static const uint64_t order[] = {5, 2, 4, 1, 3, 103, 6};
    CU_ASSERT_EQUAL_FATAL(tr.n, 7);
    for (size_t k = 0; k < 7; k++)
        CU_ASSERT_EQUAL(tr.args[k], order[k]);
    cpn_engine_free(eng);
}

static void test_run_until_stops_at_until_and_a_second_run_continues(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    struct trace tr = {0};
    schedule_three(eng, &tr, (const double[]){1.0, 3.0, 5.0}, &record_handler);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, 3.0), CPN_OK); /* an event at until fires */
    CU_ASSERT_EQUAL(tr.n, 2);
    CU_ASSERT_EQUAL(cpn_engine_now(eng), 3.0);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, 4.0), CPN_OK); /* nothing in (3, 4]: the clock moves */
    CU_ASSERT_EQUAL(tr.n, 2);
    CU_ASSERT_EQUAL(cpn_engine_now(eng), 4.0);
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 1);
    /* schedule_in counts from the advanced clock: 4 + 0.5. */
    CU_ASSERT_EQUAL(cpn_engine_schedule_in(eng, 0.5, &record_handler, &tr, 4, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, 10.0), CPN_OK); /* queue empties: clock goes to 10 */
    CU_ASSERT_EQUAL_FATAL(tr.n, 4);
    CU_ASSERT_EQUAL(tr.args[2], 4);
    CU_ASSERT_EQUAL(tr.times[2], 4.5);
    CU_ASSERT_EQUAL(tr.args[3], 3);
    CU_ASSERT_EQUAL(tr.times[3], 5.0);
    CU_ASSERT_EQUAL(cpn_engine_now(eng), 10.0);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, 10.0), CPN_OK); /* until == now is allowed */
    cpn_engine_free(eng);
}

static void test_scheduling_in_the_past_and_bad_arguments_are_einval(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    struct trace tr = {0};
    cpn_evh h;
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 6.0, &record_handler, &tr, 0, &h), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, 3.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 2.0, &record_handler, &tr, 0, NULL), CPN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "t=2 s"));
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, NAN, &record_handler, &tr, 0, NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, INFINITY, &record_handler, &tr, 0, NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 4.0, NULL, &tr, 0, NULL), CPN_EINVAL);
    static const struct cpn_handler no_function = {NULL, "empty", 0};
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 4.0, &no_function, &tr, 0, NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_engine_schedule_in(eng, -1e-9, &record_handler, &tr, 0, NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_engine_schedule_in(eng, NAN, &record_handler, &tr, 0, NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_engine_reschedule(eng, h, 2.9), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_engine_reschedule(eng, h, INFINITY), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, 2.0), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, NAN), CPN_EINVAL);
    /* Nothing of that changed the state: one event at 6, clock at 3. */
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 1);
    CU_ASSERT_EQUAL(cpn_engine_now(eng), 3.0);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 3.0, &record_handler, &tr, 0, NULL), CPN_OK); /* now */
    cpn_engine_free(eng);
}

static void test_cancel_and_reschedule_through_the_engine(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    struct trace tr = {0};
    cpn_evh a, b, c;
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 5.0, &record_handler, &tr, 1, &a), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 6.0, &record_handler, &tr, 2, &b), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 1.0, &record_handler, &tr, 3, &c), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_reschedule(eng, a, 7.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_cancel(eng, b), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_cancel(eng, b), CPN_ENOENT); /* already cancelled */
    CU_ASSERT_EQUAL(cpn_engine_cancel(eng, CPN_EVH_NONE), CPN_ENOENT);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(tr.n, 2);
    CU_ASSERT_EQUAL(tr.args[0], 3);
    CU_ASSERT_EQUAL(tr.args[1], 1);
    CU_ASSERT_EQUAL(tr.times[1], 7.0);
    CU_ASSERT_EQUAL(cpn_engine_cancel(eng, a), CPN_ENOENT); /* already fired */
    CU_ASSERT_EQUAL(cpn_engine_reschedule(eng, a, 9.0), CPN_ENOENT);
    CU_ASSERT_EQUAL(cpn_engine_reschedule(eng, c, 1.0), CPN_ENOENT); /* stale wins over past */
    cpn_engine_free(eng);
}

static void test_a_stop_from_a_handler_ends_the_run_after_that_event(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    struct trace tr = {0};
    schedule_three(eng, &tr, (const double[]){1.0, 2.0, 3.0}, &stop_handler);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, 10.0), CPN_EINTERRUPT);
    CU_ASSERT_EQUAL(tr.n, 2);
    CU_ASSERT_EQUAL(cpn_engine_now(eng), 2.0); /* not advanced to until */
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 1);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, 10.0), CPN_OK); /* the request was consumed */
    CU_ASSERT_EQUAL(tr.n, 3);
    CU_ASSERT_EQUAL(cpn_engine_now(eng), 10.0);
    /* A request made outside a run stops the next run before its first event. */
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 11.0, &record_handler, &tr, 4, NULL), CPN_OK);
    cpn_engine_stop(eng);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, 20.0), CPN_EINTERRUPT);
    CU_ASSERT_EQUAL(tr.n, 3);
    cpn_engine_free(eng);
}

static void test_the_async_stop_flag_ends_the_run_until_cleared(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    struct trace tr = {0};
    volatile sig_atomic_t *flag = cpn_engine_stop_flag(eng);
    CU_ASSERT_EQUAL(*flag, 0);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 1.0, &flag_handler, &tr, 1, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 2.0, &record_handler, &tr, 2, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_EINTERRUPT);
    CU_ASSERT_EQUAL(tr.n, 1);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_EINTERRUPT); /* still set: no event */
    CU_ASSERT_EQUAL(tr.n, 1);
    *flag = 0;
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_OK);
    CU_ASSERT_EQUAL(tr.n, 2);
    cpn_engine_free(eng);
}

static void test_a_handler_error_stops_the_run_with_name_and_time(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    struct trace tr = {0};
    schedule_three(eng, &tr, (const double[]){1.0, 2.5, 3.0}, &failing_handler);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_ERANGE);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(),
                           "handler bad_link at t=2.5 s: capacity -1 B/s is negative");
    CU_ASSERT_EQUAL(cpn_engine_now(eng), 2.5);
    CU_ASSERT_EQUAL(tr.n, 1);
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 1); /* the event at 3 s stays pending */
    CU_ASSERT_EQUAL(cpn_engine_events(eng), 2);
    cpn_engine_free(eng);
}

static void test_the_pending_limit_makes_schedule_fail_with_enomem(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    struct trace tr = {0};
    cpn_engine_set_pending_limit(eng, 2);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 1.0, &record_handler, &tr, 1, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule_in(eng, 1.0, &record_handler, &tr, 2, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 1.0, &record_handler, &tr, 3, NULL), CPN_ENOMEM);
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 2);
    cpn_engine_free(eng);
}

/* ---------------------------------------------------------------------------------------- */
/* Timers (struct cpn_engine_timer) */

/* A timer's handler: records 1000 + the number of its firings so far. */
static int record_timer(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct trace *tr = ctx;
    CU_ASSERT_EQUAL(arg, 0);
    size_t fired = 0;
    for (size_t k = 0; k < tr->n && k < 64; k++)
        fired += tr->args[k] >= 1000;
    return record(eng, ctx, 1000 + fired);
}

static const struct cpn_handler timer_handler = {record_timer, "timer", 0};
static const struct cpn_handler late_timer_handler = {record_timer, "late_timer", 1};
static const struct cpn_handler failing_timer_handler = {fail_with_range, "bad_timer", 0};

/* By hand: N1 at 1, then the timer set at 1, then N2 and the late L3 at 1, and N4 at 0.5.  A run
 * to 0.7 fires N4 alone; setting the timer at 1 again puts it behind N2 (the order of a
 * reschedule): N1, N2, the timer, then L3.  A timer is pending and gives the next time. */
static void test_a_timer_orders_as_an_event_scheduled_by_the_same_call(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    struct trace tr = {0};
    struct cpn_engine_timer t;
    cpn_engine_timer_add(eng, &t, &timer_handler, &tr);
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 0); /* registered, not armed */
    CU_ASSERT(isinf(cpn_engine_next_time(eng)));
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 1.0, &record_handler, &tr, 1, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_timer_set(eng, &t, 1.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 1.0, &record_handler, &tr, 2, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 1.0, &late_record_handler, &tr, 3, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_next_time(eng), 1.0);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 0.5, &record_handler, &tr, 4, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 5);
    CU_ASSERT_EQUAL(cpn_engine_next_time(eng), 0.5);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, 0.7), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_now(eng), 0.7);
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 4);
    CU_ASSERT_EQUAL(cpn_engine_timer_set(eng, &t, 1.0), CPN_OK); /* moved: now behind N2 */
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_OK);
    static const uint64_t order[] = {4, 1, 2, 1000, 3};
    CU_ASSERT_EQUAL_FATAL(tr.n, 5);
    for (size_t k = 0; k < 5; k++)
        CU_ASSERT_EQUAL(tr.args[k], order[k]);
    CU_ASSERT_EQUAL(tr.times[3], 1.0);
    CU_ASSERT_EQUAL(cpn_engine_events(eng), 5);
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 0); /* disarmed when it fired */
    CU_ASSERT(isinf(cpn_engine_next_time(eng)));
    cpn_engine_timer_remove(eng, &t);
    cpn_engine_free(eng);
}

/* By hand: a late timer at 2 set first, then N1 and the late L2 at 2: N1, the timer, L2.  A timer
 * at 3 that is cleared, and one at 2.5 that is removed, never fire; setting one in the past, at
 * infinity or at NaN fails and leaves it as it was. */
static void test_late_cleared_and_removed_timers_and_bad_times(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    struct trace tr = {0}, other = {0};
    struct cpn_engine_timer late, cleared, removed;
    cpn_engine_timer_add(eng, &late, &late_timer_handler, &tr);
    cpn_engine_timer_add(eng, &cleared, &timer_handler, &other);
    cpn_engine_timer_add(eng, &removed, &timer_handler, &other);
    CU_ASSERT_EQUAL(cpn_engine_timer_set(eng, &late, 2.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 2.0, &record_handler, &tr, 1, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 2.0, &late_record_handler, &tr, 2, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_timer_set(eng, &cleared, 3.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_timer_set(eng, &removed, 2.5), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 5);
    cpn_engine_timer_clear(eng, &cleared);
    cpn_engine_timer_clear(eng, &cleared); /* not armed: no effect */
    cpn_engine_timer_remove(eng, &removed);
    cpn_engine_timer_remove(eng, &removed); /* not registered: no effect */
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 3);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, 1.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_timer_set(eng, &cleared, 0.5), CPN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "timer"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "t=0.5 s"));
    CU_ASSERT_EQUAL(cpn_engine_timer_set(eng, &late, INFINITY), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_engine_timer_set(eng, &late, NAN), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 3); /* the late timer is still armed at 2 */
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_OK);
    static const uint64_t order[] = {1, 1000, 2};
    CU_ASSERT_EQUAL_FATAL(tr.n, 3);
    for (size_t k = 0; k < 3; k++) {
        CU_ASSERT_EQUAL(tr.args[k], order[k]);
        CU_ASSERT_EQUAL(tr.times[k], 2.0);
    }
    CU_ASSERT_EQUAL(other.n, 0);
    CU_ASSERT_EQUAL(cpn_engine_now(eng), 2.0);
    cpn_engine_free(eng); /* (registered timers need no removal before the engine goes) */
}

static void test_a_timer_handler_error_stops_the_run_with_name_and_time(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    struct trace tr = {0};
    struct cpn_engine_timer t;
    cpn_engine_timer_add(eng, &t, &failing_timer_handler, NULL);
    CU_ASSERT_EQUAL(cpn_engine_timer_set(eng, &t, 1.5), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 2.0, &record_handler, &tr, 1, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_ERANGE);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(),
                           "handler bad_timer at t=1.5 s: capacity -1 B/s is negative");
    CU_ASSERT_EQUAL(cpn_engine_now(eng), 1.5);
    CU_ASSERT_EQUAL(tr.n, 0);
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 1);
    cpn_engine_free(eng);
}

/*
 * The equivalence a timer promises: a scripted run in which two things (one with a late handler)
 * each keep one pending firing and move it (to now, or later) or drop it, while every firing
 * schedules a plain event (every third late), all at a few instants so that ties abound, fires
 * in the same order at the same times whether the two keep engine timers or queued events moved
 * by cpn_engine_reschedule() (the flow network's tick before it became a timer).
 */
enum { SCRIPT_STEPS = 24 };

struct script;

struct mover {
    int as_timer;              /* 1: an engine timer; 0: a queued event */
    struct cpn_engine_timer t; /* as a timer */
    cpn_evh h;                 /* as an event: its handle, or CPN_EVH_NONE */
    const struct cpn_handler *handler;
    struct script *sc;
};

struct script {
    struct trace tr;
    size_t step;
    struct mover m[2];
};

/* The script's steps, in a cycle: move mover `which` to now + dt, or drop it; then a plain event
 * at now + at. */
enum script_op { OP_MOVE, OP_DROP };
static const struct {
    enum script_op op;
    int which;
    double dt, at; /* [s] */
} script_ops[] = {
    {OP_MOVE, 0, 0, 0}, {OP_MOVE, 1, 0, 0.5}, {OP_MOVE, 0, 0.5, 0}, {OP_DROP, 1, 0, 1},
    {OP_MOVE, 1, 1, 0}, {OP_MOVE, 0, 0, 0.5}, {OP_DROP, 0, 0, 0},   {OP_MOVE, 0, 1, 0.5},
    {OP_MOVE, 1, 0, 0}, {OP_MOVE, 0, 0, 1},   {OP_MOVE, 1, 0.5, 0},
};

static int script_event(struct cpn_engine *eng, void *ctx, uint64_t arg);
static int mover_event(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler script_handler = {script_event, "script", 0};
static const struct cpn_handler late_script_handler = {script_event, "late_script", 1};
static const struct cpn_handler mover_handler = {mover_event, "mover", 0};
static const struct cpn_handler late_mover_handler = {mover_event, "late_mover", 1};

static int mover_move(struct cpn_engine *eng, struct mover *m, double time)
{
    if (m->as_timer)
        return cpn_engine_timer_set(eng, &m->t, time);
    if (m->h != CPN_EVH_NONE)
        return cpn_engine_reschedule(eng, m->h, time);
    return cpn_engine_schedule(eng, time, m->handler, m, 0, &m->h);
}

static void mover_drop(struct cpn_engine *eng, struct mover *m)
{
    if (m->as_timer) {
        cpn_engine_timer_clear(eng, &m->t);
    } else if (m->h != CPN_EVH_NONE) {
        CU_ASSERT_EQUAL(cpn_engine_cancel(eng, m->h), CPN_OK);
        m->h = CPN_EVH_NONE;
    }
}

/* Every firing records itself and applies the script's next step (while steps remain). */
static int script_next(struct cpn_engine *eng, struct script *sc, uint64_t arg)
{
    int rc = record(eng, &sc->tr, arg);
    if (rc != CPN_OK || sc->step >= SCRIPT_STEPS)
        return rc;
    size_t k = sc->step % (sizeof script_ops / sizeof script_ops[0]);
    double now = cpn_engine_now(eng);
    uint64_t id = 100 + sc->step;
    const struct cpn_handler *plain = sc->step % 3 == 2 ? &late_script_handler : &script_handler;
    sc->step++;
    if (script_ops[k].op == OP_MOVE)
        rc = mover_move(eng, &sc->m[script_ops[k].which], now + script_ops[k].dt);
    else
        mover_drop(eng, &sc->m[script_ops[k].which]);
    return rc != CPN_OK ? rc
                        : cpn_engine_schedule(eng, now + script_ops[k].at, plain, sc, id, NULL);
}

static int script_event(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    return script_next(eng, ctx, arg);
}

static int mover_event(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct mover *m = ctx;
    CU_ASSERT_EQUAL(arg, 0);
    m->h = CPN_EVH_NONE; /* (a queued event that fired: its handle is stale) */
    return script_next(eng, m->sc, m == &m->sc->m[0] ? 10 : 11);
}

static void run_script(struct script *sc, int as_timer, uint64_t *events)
{
    struct cpn_engine *eng = cpn_engine_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
    memset(sc, 0, sizeof *sc);
    for (int i = 0; i < 2; i++) {
        struct mover *m = &sc->m[i];
        m->as_timer = as_timer;
        m->h = CPN_EVH_NONE;
        m->handler = i ? &late_mover_handler : &mover_handler;
        m->sc = sc;
        if (as_timer)
            cpn_engine_timer_add(eng, &m->t, m->handler, m);
    }
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 0, &script_handler, sc, 1, NULL), CPN_OK);
    CU_ASSERT_EQUAL(mover_move(eng, &sc->m[1], 0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 0, &late_script_handler, sc, 2, NULL), CPN_OK);
    CU_ASSERT_EQUAL(mover_move(eng, &sc->m[0], 1), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 1, &script_handler, sc, 3, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_pending(eng), 0);
    *events = cpn_engine_events(eng);
    cpn_engine_free(eng);
}

static void test_timers_fire_as_the_queued_events_they_replace(void)
{
    static struct script queued, timed;
    uint64_t e_queued, e_timed;
    run_script(&queued, 0, &e_queued);
    run_script(&timed, 1, &e_timed);
    CU_ASSERT_EQUAL(queued.step, SCRIPT_STEPS); /* the script ran to its end */
    CU_ASSERT_FATAL(queued.tr.n <= 64);
    CU_ASSERT_EQUAL_FATAL(timed.tr.n, queued.tr.n);
    CU_ASSERT_EQUAL(e_timed, e_queued);
    CU_ASSERT_EQUAL(e_queued, queued.tr.n);
    size_t fired[2] = {0, 0}, tied = 0;
    for (size_t k = 0; k < queued.tr.n; k++) {
        CU_ASSERT_EQUAL(timed.tr.args[k], queued.tr.args[k]);
        CU_ASSERT_EQUAL(timed.tr.times[k], queued.tr.times[k]);
        fired[0] += queued.tr.args[k] == 10;
        fired[1] += queued.tr.args[k] == 11;
        tied += k > 0 && queued.tr.times[k] == queued.tr.times[k - 1];
    }
    /* (The script exercises what it is for: both movers fire, the plain one often, among ties:
     * 35 firings, 8 and 1 of the movers, 31 at the time of the one before.) */
    CU_ASSERT(fired[0] >= 5 && fired[1] >= 1);
    CU_ASSERT(tied >= queued.tr.n / 2);
}

static int log_something(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)ctx, (void)arg;
    CPN_LOG(cpn_engine_log(eng), CPN_LOG_INFO, "engine", "fired");
    return CPN_OK;
}

static const struct cpn_handler log_handler = {log_something, "logger", 0};

static void test_the_log_prefix_shows_the_engine_clock(void)
{
    struct cpn_engine *eng = cpn_engine_new();
    FILE *out = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    struct cpn_log *lg = cpn_engine_log(eng);
    lg->out = out;
    CU_ASSERT_EQUAL(cpn_log_parse(lg, "engine:info"), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_schedule(eng, 2.5, &log_handler, NULL, 0, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(eng, INFINITY), CPN_OK);
    char line[256] = "";
    rewind(out);
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, out));
    /* The log's format "[%14.6f s] " applied to 2.5 by hand. */
    CU_ASSERT_STRING_EQUAL(line, "[      2.500000 s] engine: info: fired\n");
    fclose(out);
    cpn_engine_free(eng);
    cpn_engine_free(NULL);
}

int cpn_test_register_engine(void)
{
    CU_pSuite s = CU_add_suite("engine", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "events fire in time order and ties in scheduling order",
                     test_events_fire_in_time_order_and_ties_in_scheduling_order) ||
        !CU_add_test(s, "the next time is the earliest pending event's, INFINITY when none",
                     test_next_time_is_the_earliest_pending_event) ||
        !CU_add_test(s, "handlers that schedule their next firing keep ties in scheduling order",
                     test_handlers_that_schedule_their_next_firing_keep_ties_in_scheduling_order) ||
        !CU_add_test(s, "late handlers fire after every other event of their time",
                     test_late_handlers_fire_after_every_other_event_of_their_time) ||
        !CU_add_test(s, "run(until) stops at until and a second run continues",
                     test_run_until_stops_at_until_and_a_second_run_continues) ||
        !CU_add_test(s, "scheduling in the past and bad arguments are CPN_EINVAL",
                     test_scheduling_in_the_past_and_bad_arguments_are_einval) ||
        !CU_add_test(s, "cancel and reschedule through the engine",
                     test_cancel_and_reschedule_through_the_engine) ||
        !CU_add_test(s, "a stop from a handler ends the run after that event",
                     test_a_stop_from_a_handler_ends_the_run_after_that_event) ||
        !CU_add_test(s, "the async stop flag ends the run until cleared",
                     test_the_async_stop_flag_ends_the_run_until_cleared) ||
        !CU_add_test(s, "a handler error stops the run with its name and time",
                     test_a_handler_error_stops_the_run_with_name_and_time) ||
        !CU_add_test(s, "the pending limit makes schedule fail with CPN_ENOMEM",
                     test_the_pending_limit_makes_schedule_fail_with_enomem) ||
        !CU_add_test(s, "the log prefix shows the engine clock",
                     test_the_log_prefix_shows_the_engine_clock) ||
        !CU_add_test(s, "a timer orders as an event scheduled by the same call",
                     test_a_timer_orders_as_an_event_scheduled_by_the_same_call) ||
        !CU_add_test(s, "late, cleared and removed timers, and bad times",
                     test_late_cleared_and_removed_timers_and_bad_times) ||
        !CU_add_test(s, "a timer handler's error stops the run with its name and time",
                     test_a_timer_handler_error_stops_the_run_with_name_and_time) ||
        !CU_add_test(s, "timers fire as the queued events they replace",
                     test_timers_fire_as_the_queued_events_they_replace))
        return CU_get_error();
    return CUE_SUCCESS;
}
