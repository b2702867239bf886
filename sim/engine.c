/* The simulation engine: clock, scheduling and the run loop (see engine.h). */
#include "sim/engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/error.h"

struct cpn_engine {
    struct cpn_evq *queue;           /* pending events (owned) */
    double now;                      /* simulated clock [s] */
    uint64_t fired;                  /* events fired so far */
    int stop_requested;              /* set by cpn_engine_stop(), consumed by the run loop */
    volatile sig_atomic_t stop_flag; /* set asynchronously (signal handler); never cleared here */
    struct cpn_log log;              /* logger whose clock is `now` */
};

struct cpn_engine *cpn_engine_new(void)
{
    struct cpn_engine *eng = calloc(1, sizeof *eng);
    if (!eng)
        return NULL;
    eng->queue = cpn_evq_new(0);
    if (!eng->queue)
        goto fail;
    cpn_log_init(&eng->log, NULL, &eng->now);
    return eng;
fail:
    cpn_engine_free(eng);
    return NULL;
}

void cpn_engine_free(struct cpn_engine *eng)
{
    if (!eng)
        return;
    cpn_evq_free(eng->queue);
    free(eng);
}

double cpn_engine_now(const struct cpn_engine *eng)
{
    return eng->now;
}

struct cpn_log *cpn_engine_log(struct cpn_engine *eng)
{
    return &eng->log;
}

uint64_t cpn_engine_events(const struct cpn_engine *eng)
{
    return eng->fired;
}

size_t cpn_engine_pending(const struct cpn_engine *eng)
{
    return cpn_evq_size(eng->queue);
}

double cpn_engine_next_time(const struct cpn_engine *eng)
{
    const struct cpn_event *next = cpn_evq_peek(eng->queue);
    return next ? next->time : INFINITY;
}

void cpn_engine_set_pending_limit(struct cpn_engine *eng, size_t max_pending)
{
    cpn_evq_set_limit(eng->queue, max_pending);
}

static const char *handler_name(const struct cpn_handler *handler)
{
    return handler->name ? handler->name : "(unnamed)";
}

int cpn_engine_schedule(struct cpn_engine *eng, double time, const struct cpn_handler *handler,
                        void *ctx, uint64_t arg, cpn_evh *out)
{
    if (!handler || !handler->fn)
        return CPN_ERROR(CPN_EINVAL, "schedule at t=%.15g s: no handler function", time);
    if (!(time >= eng->now) || !isfinite(time))
        return CPN_ERROR(CPN_EINVAL,
                         "schedule %s at t=%.15g s: time must be finite and >= now (t=%.15g s)",
                         handler_name(handler), time, eng->now);
    return cpn_evq_push(eng->queue, time, handler, ctx, arg, out);
}

int cpn_engine_schedule_in(struct cpn_engine *eng, double delay, const struct cpn_handler *handler,
                           void *ctx, uint64_t arg, cpn_evh *out)
{
    if (!(delay >= 0))
        return CPN_ERROR(CPN_EINVAL, "schedule %s in %g s: the delay must be >= 0",
                         handler ? handler_name(handler) : "(no handler)", delay);
    return cpn_engine_schedule(eng, eng->now + delay, handler, ctx, arg, out);
}

int cpn_engine_cancel(struct cpn_engine *eng, cpn_evh h)
{
    return cpn_evq_cancel(eng->queue, h);
}

int cpn_engine_reschedule(struct cpn_engine *eng, cpn_evh h, double time)
{
    if (!cpn_evq_pending(eng->queue, h))
        return cpn_evq_reschedule(eng->queue, h, time); /* raises CPN_ENOENT */
    if (!(time >= eng->now) || !isfinite(time))
        return CPN_ERROR(CPN_EINVAL,
                         "reschedule to t=%.15g s: time must be finite and >= now (t=%.15g s)",
                         time, eng->now);
    return cpn_evq_reschedule(eng->queue, h, time);
}

int cpn_engine_run(struct cpn_engine *eng, double until)
{
    if (!(until >= eng->now))
        return CPN_ERROR(CPN_EINVAL, "run until t=%.15g s: must be >= now (t=%.15g s)", until,
                         eng->now);
    for (;;) {
        if (eng->stop_requested || eng->stop_flag) {
            eng->stop_requested = 0;
            return CPN_ERROR(CPN_EINTERRUPT, "run stopped at t=%.15g s by a stop request",
                             eng->now);
        }
        const struct cpn_event *next = cpn_evq_peek(eng->queue);
        if (!next || next->time > until) {
            if (isfinite(until))
                eng->now = until;
            return CPN_OK;
        }
        struct cpn_event ev;
        cpn_evq_pop(eng->queue, &ev); /* cannot fail: the queue is not empty */
        eng->now = ev.time;
        eng->fired++;
        int rc = ev.handler->fn(eng, ev.ctx, ev.arg);
        if (rc != CPN_OK) {
            /* Copy first: CPN_ERROR overwrites the buffer the handler's message lives in. */
            char message[1024];
            snprintf(message, sizeof message, "%s", cpn_error_message());
            return CPN_ERROR(rc, "handler %s at t=%.15g s: %s", handler_name(ev.handler), ev.time,
                             message);
        }
    }
}

void cpn_engine_stop(struct cpn_engine *eng)
{
    eng->stop_requested = 1;
}

volatile sig_atomic_t *cpn_engine_stop_flag(struct cpn_engine *eng)
{
    return &eng->stop_flag;
}

double cpn_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
