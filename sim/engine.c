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
    struct cpn_engine_timer *timers; /* registered timers (cpn_engine_timer_add()) */
    struct cpn_engine_timer *first;  /* the earliest armed one, or NULL */
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
    size_t n = cpn_evq_size(eng->queue);
    for (const struct cpn_engine_timer *t = eng->timers; t; t = t->next)
        n += t->armed != 0;
    return n;
}

/* The queue's order: (time @p ta, sequence number @p sa) before (@p tb, @p sb)? */
static inline int fires_before(double ta, uint64_t sa, double tb, uint64_t sb)
{
    return ta < tb || (ta == tb && sa < sb);
}

/* Does armed timer @p t fire before queued event @p e (NULL: none)? */
static inline int timer_first(const struct cpn_engine_timer *t, const struct cpn_event *e)
{
    return !e || fires_before(t->time, t->seq, e->time, e->seq);
}

double cpn_engine_next_time(const struct cpn_engine *eng)
{
    const struct cpn_event *next = cpn_evq_peek(eng->queue);
    if (eng->first && timer_first(eng->first, next))
        return eng->first->time;
    return next ? next->time : INFINITY;
}

/* Find the earliest armed timer again. */
static void timers_scan(struct cpn_engine *eng)
{
    struct cpn_engine_timer *best = NULL;
    for (struct cpn_engine_timer *t = eng->timers; t; t = t->next)
        if (t->armed && (!best || fires_before(t->time, t->seq, best->time, best->seq)))
            best = t;
    eng->first = best;
}

/* Timer @p t was armed or disarmed: the earliest is @p t or none when it is the only timer
 * registered (a flow network's tick, the common case), else found by a scan. */
static inline void timers_changed(struct cpn_engine *eng, struct cpn_engine_timer *t)
{
    if (eng->timers == t && !t->next)
        eng->first = t->armed ? t : NULL;
    else
        timers_scan(eng);
}

void cpn_engine_timer_add(struct cpn_engine *eng, struct cpn_engine_timer *t,
                          const struct cpn_handler *handler, void *ctx)
{
    *t = (struct cpn_engine_timer){0, 0, handler, ctx, eng->timers, 0};
    eng->timers = t;
}

int cpn_engine_timer_set(struct cpn_engine *eng, struct cpn_engine_timer *t, double time)
{
    if (!(time >= eng->now) || !isfinite(time))
        return CPN_ERROR(CPN_EINVAL,
                         "timer %s to t=%.15g s: time must be finite and >= now (t=%.15g s)",
                         t->handler->name ? t->handler->name : "(unnamed)", time, eng->now);
    t->time = time;
    t->seq = cpn_evq_take_seq(eng->queue) | (t->handler->late ? CPN_EVQ_LATE : 0);
    t->armed = 1;
    timers_changed(eng, t);
    return CPN_OK;
}

void cpn_engine_timer_clear(struct cpn_engine *eng, struct cpn_engine_timer *t)
{
    if (!t->armed)
        return;
    t->armed = 0;
    timers_changed(eng, t);
}

void cpn_engine_timer_remove(struct cpn_engine *eng, struct cpn_engine_timer *t)
{
    for (struct cpn_engine_timer **p = &eng->timers; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            break;
        }
    t->armed = 0;
    timers_scan(eng);
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
        struct cpn_engine_timer *t = eng->first;
        int timer = t && timer_first(t, next);
        if (timer ? t->time > until : !next || next->time > until) {
            if (isfinite(until))
                eng->now = until;
            return CPN_OK;
        }
        struct cpn_event ev;
        if (timer) {
            ev = (struct cpn_event){t->time, t->seq, t->handler, t->ctx, 0};
            t->armed = 0;
            timers_changed(eng, t);
        } else {
            cpn_evq_pop(eng->queue, &ev); /* cannot fail: the queue is not empty */
        }
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
