/**
 * @file sim/engine.h
 * @brief The simulation engine: clock, event scheduling and the run loop.
 *
 * Time is a double in seconds.  Events fire in (time, sequence number) order, so equal-time
 * events fire in the order they were scheduled and a run is a pure function of its inputs;
 * except that a handler marked `late` fires after every other event of its time (the end of an
 * instant: arrivals see every end of that instant applied, as batch-scheduling simulators do),
 * late events of one time among themselves in scheduling order.
 * The clock never goes backwards: scheduling before now() is CPN_EINVAL.
 *
 * Handlers are described by a static `struct cpn_handler` (function plus a name), so an error a
 * handler returns can be reported with the handler's name and the simulated time:
 * @code
 *   static int on_done(struct cpn_engine *e, void *ctx, uint64_t arg) { ... return CPN_OK; }
 *   static const struct cpn_handler done_handler = { on_done, "flow_done", 0 };
 *   cpn_engine_schedule(eng, t, &done_handler, flows, index, &handle);
 * @endcode
 */
#ifndef CPN_SIM_ENGINE_H
#define CPN_SIM_ENGINE_H

#include <signal.h>
#include <stdint.h>

#include "sim/evq.h"
#include "sim/log.h"

struct cpn_engine;

/**
 * An event handler.  Returns CPN_OK, or an error code that stops the run (cpn_engine_run then
 * returns that code after recording "handler NAME at t=T s: MESSAGE").  MESSAGE is the last
 * error message of the thread, so a handler raises its errors with CPN_ERROR (or returns the
 * code of a callee that did).
 */
typedef int cpn_event_fn(struct cpn_engine *eng, void *ctx, uint64_t arg);

/** A named handler; define one per kind of event with static storage duration. */
struct cpn_handler {
    cpn_event_fn *fn; /**< the callback */
    const char *name; /**< name used in error reports and logs */
    int late;         /**< nonzero: fire after every non-late event of the same time */
};

/**
 * Create an engine at time 0 with an empty queue and a logger at level WARN on stderr.
 * @return the engine (caller frees with cpn_engine_free()) or NULL when out of memory.
 */
struct cpn_engine *cpn_engine_new(void);

/** Free the engine and every pending event; accepts NULL. */
void cpn_engine_free(struct cpn_engine *eng);

/** Current simulated time [s]. */
double cpn_engine_now(const struct cpn_engine *eng);

/** The engine's logger (its clock prefix is this engine's time); never NULL. */
struct cpn_log *cpn_engine_log(struct cpn_engine *eng);

/** Number of events fired so far. */
uint64_t cpn_engine_events(const struct cpn_engine *eng);

/**
 * Wall-clock time of the machine [s] (CLOCK_MONOTONIC, from an arbitrary origin), for the
 * program's measurements of itself (wall time, placement time): never part of a result.
 */
double cpn_wall_seconds(void);

/** Number of pending events. */
size_t cpn_engine_pending(const struct cpn_engine *eng);

/**
 * Time of the earliest pending event [s], or INFINITY when none is pending.  Inside a handler,
 * a value above cpn_engine_now() means no other event fires at this instant.  @p eng must not
 * be NULL (as for the other queries).  O(1).
 */
double cpn_engine_next_time(const struct cpn_engine *eng);

/**
 * Cap the number of pending events (see cpn_evq_set_limit()); scheduling beyond it fails with
 * CPN_ENOMEM.  Default: CPN_EVQ_MAX_EVENTS.
 * @param max_pending the cap [events].
 */
void cpn_engine_set_pending_limit(struct cpn_engine *eng, size_t max_pending);

/**
 * Schedule an event at absolute time @p time.
 * @param time firing time [s], >= now and finite.
 * @param handler what to call (borrowed; static storage).
 * @param ctx, arg passed to the handler.
 * @param out receives the handle (may be NULL).
 * @return CPN_OK; CPN_EINVAL when time < now, time is not finite, or handler is NULL;
 *         CPN_ENOMEM when the pool cannot grow or the pending limit is reached.  O(log n).
 */
int cpn_engine_schedule(struct cpn_engine *eng, double time, const struct cpn_handler *handler,
                        void *ctx, uint64_t arg, cpn_evh *out);

/** Schedule at now + @p delay (delay [s] >= 0); errors as cpn_engine_schedule(). */
int cpn_engine_schedule_in(struct cpn_engine *eng, double delay, const struct cpn_handler *handler,
                           void *ctx, uint64_t arg, cpn_evh *out);

/**
 * Cancel a pending event.
 * @return CPN_OK; CPN_ENOENT for CPN_EVH_NONE, an unknown handle, or an event that already fired
 *         or was cancelled.
 */
int cpn_engine_cancel(struct cpn_engine *eng, cpn_evh h);

/**
 * Move a pending event to a new time (>= now), in place.
 * @return CPN_OK; CPN_ENOENT for a stale handle; CPN_EINVAL when time < now or not finite.
 */
int cpn_engine_reschedule(struct cpn_engine *eng, cpn_evh h, double time);

/**
 * A timer: a pending firing of a handler that the engine keeps beside its queue, for a model's
 * single "next internal event" that moves at almost every event (the flow network's tick,
 * models/net/flow.c).  Arming or moving one costs O(k) for the k registered timers (one per flow
 * network: k is 1 in a cpnsim run), where rescheduling a queued event costs a sift of the heap;
 * the run loop compares the earliest timer with the queue's head.  A timer is ordered exactly as
 * an event scheduled by the same call would be: by time, then by a sequence number taken from
 * the queue's (cpn_evq_take_seq(); late handlers after every other event of their time), so
 * replacing an event the model kept rescheduled by a timer changes no result.  A firing counts
 * in cpn_engine_events(); an armed timer counts in cpn_engine_pending() and
 * cpn_engine_next_time() (but not against the pending limit).  Its handler is called with
 * argument 0.  The fields are the engine's: the owner allocates the struct and keeps it from
 * cpn_engine_timer_add() until cpn_engine_timer_remove() (or until the engine is freed; no timer
 * call may follow cpn_engine_free()).
 */
struct cpn_engine_timer {
    double time;                       /* firing time [s] while armed */
    uint64_t seq;                      /* sequence number (sim/evq.h's, with CPN_EVQ_LATE) */
    const struct cpn_handler *handler; /* what to call (static storage) */
    void *ctx;                         /* its context */
    struct cpn_engine_timer *next;     /* the engine's list of registered timers */
    int armed;                         /* nonzero while pending */
};

/**
 * Register timer @p t, disarmed, to call @p handler (not NULL; static storage) with @p ctx.
 * O(1).
 */
void cpn_engine_timer_add(struct cpn_engine *eng, struct cpn_engine_timer *t,
                          const struct cpn_handler *handler, void *ctx);

/**
 * Arm registered timer @p t at @p time, or move it there: it then fires after the events
 * scheduled at that time before this call and before those scheduled after it (late handler:
 * the same among late events), as a cpn_engine_reschedule() would place an event.  Disarmed
 * when it fires (before its handler is called).
 * @param time firing time [s], >= now and finite.
 * @return CPN_OK; CPN_EINVAL when @p time is below now or not finite (the timer is unchanged).
 */
int cpn_engine_timer_set(struct cpn_engine *eng, struct cpn_engine_timer *t, double time);

/** Disarm timer @p t; no effect when it is not armed.  O(k). */
void cpn_engine_timer_clear(struct cpn_engine *eng, struct cpn_engine_timer *t);

/**
 * Unregister timer @p t, armed or not (it never fires after this); no effect when it is not
 * registered.  O(k).
 */
void cpn_engine_timer_remove(struct cpn_engine *eng, struct cpn_engine_timer *t);

/**
 * Fire events (and timers) in order while the earliest pending time is <= @p until.
 * The run ends when nothing is pending or the next event lies after @p until (in both cases the
 * clock is then advanced to @p until if it is finite; later events stay pending and a further
 * run continues them), when a handler calls cpn_engine_stop(), when the stop flag
 * (cpn_engine_stop_flag()) is set, or when a handler returns an error.  After a stop or an
 * error the clock stays at the time of the last fired event.
 * Each event costs O(log n) (one pop) plus its handler; a timer's firing, O(k) (struct
 * cpn_engine_timer) plus its handler.
 * @param until end time [s] (INFINITY: until nothing is pending); must be >= now.
 * @return CPN_OK when nothing was left pending or @p until was reached; CPN_EINTERRUPT after a stop
 *         request; the handler's code after a handler error (message: "handler NAME at t=T s:
 *         ..."); CPN_EINVAL when until < now or is NaN.
 */
int cpn_engine_run(struct cpn_engine *eng, double until);

/**
 * Ask the running loop to return CPN_EINTERRUPT after the current event (callable from a
 * handler).  The request is consumed by the run that honours it; made outside a run, it stops
 * the next run before its first event.
 */
void cpn_engine_stop(struct cpn_engine *eng);

/**
 * Return the engine's asynchronous stop flag: a signal handler may set it to nonzero to make
 * cpn_engine_run() return CPN_EINTERRUPT at the next event.  The engine never clears it: the
 * owner resets it to 0 before running again.  The pointer lives as long as the engine.
 */
volatile sig_atomic_t *cpn_engine_stop_flag(struct cpn_engine *eng);

#endif /* CPN_SIM_ENGINE_H */
