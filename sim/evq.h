/**
 * @file sim/evq.h
 * @brief The pending-event set: a priority queue of events ordered by (time, sequence number),
 *        with schedule, cancel and reschedule by handle, all O(log n), and no malloc per event.
 *
 * Structure: an implicit 4-ary min-heap (Johnson, Inf. Proc. Letters 4(3), 1975) of 16-byte
 * entries (time, slot, position cell), offset so that the 4 children of a node share one 64-byte
 * cache line (LaMarca & Ladner, ACM J. Exp. Algorithmics 1, 1996).  The time is stored as an
 * order-preserving 64-bit integer (the double's bits, sign-folded), so a sift compares integers;
 * the sequence number is read from the pool only when two times are equal.  The heap position
 * of each event whose handle was handed out (push with a non-NULL @p out) is kept in a dense
 * uint32_t array, updated at every move, which gives cancel and reschedule in O(log n); moves of
 * events without a handle write one scratch cell instead (no branch, no cache miss).  Pop
 * defers the removal of the root: it leaves the root vacant, and the next push fills it with a
 * single sift-down from the top; every other operation first fills it the ordinary way (last
 * entry to the root, sift down).  A simulation schedules an event after firing one at almost
 * every step, so a hold step costs one sift instead of a sift-down plus a sift-up.  Above 16384
 * pending events, pop prefetches the slot of the next earliest event and every sift level
 * prefetches the grandchildren, because past ~1e5 events the sifts are bound by memory latency,
 * not comparisons.
 *
 * Chosen by measurement with the hold model (Vaucher & Duval, CACM 18(4), 1975) against a plain
 * binary heap in the same run (tests/bench/bench_evq.c); the variants tried, the figures and
 * why this structure won are in docs/evq.md.  Pairing heaps and calendar/ladder queues were not
 * measured.
 * Memory: 68 B per event of capacity (16 B heap entry, 48 B pool slot, 4 B position); the pool
 * never shrinks.
 *
 * Events live in a pool owned by the queue; a handle names a pool slot plus a generation
 * counter, so a handle of an event that already fired or was cancelled is recognised as stale
 * (CPN_ENOENT), never confused with a newer event that reuses the slot.
 */
#ifndef CPN_SIM_EVQ_H
#define CPN_SIM_EVQ_H

#include <stddef.h>
#include <stdint.h>

/** Handle of a pending event: slot index (low 32 bits) and generation (high 32 bits). */
typedef uint64_t cpn_evh;

/** The handle that names no event (generation 0 is never used). */
#define CPN_EVH_NONE ((cpn_evh)0)

struct cpn_handler;

/** Bit of cpn_event.seq set for the events of a late handler (struct cpn_handler.late). */
#define CPN_EVQ_LATE (UINT64_C(1) << 63)

/** What the queue stores for one event (returned by cpn_evq_pop). */
struct cpn_event {
    double time;  /**< firing time [s] */
    uint64_t seq; /**< scheduling sequence number (tie-break), with bit 63 (CPN_EVQ_LATE) set
                       for a late handler, which so sorts after every other event of its time */
    const struct cpn_handler *handler; /**< what to call (borrowed, static storage) */
    void *ctx;                         /**< handler context (borrowed) */
    uint64_t arg;                      /**< handler argument */
};

struct cpn_evq;

/**
 * Create an empty queue.
 * @param initial_capacity events the pool holds before it first grows (0 for a default of
 *        1024); the pool then doubles as needed.
 * @return the queue (caller frees with cpn_evq_free()), or NULL when out of memory or when
 *         @p initial_capacity exceeds CPN_EVQ_MAX_EVENTS.
 */
struct cpn_evq *cpn_evq_new(size_t initial_capacity);

/** Free a queue and all pending events; accepts NULL. */
void cpn_evq_free(struct cpn_evq *q);

/** Number of pending events. */
size_t cpn_evq_size(const struct cpn_evq *q);

/** Most events a queue can hold pending (slot indices and heap positions are uint32_t). */
#define CPN_EVQ_MAX_EVENTS ((size_t)UINT32_MAX - 1)

/**
 * Cap the number of pending events (a memory budget: a runaway model then fails cleanly with
 * CPN_ENOMEM instead of exhausting memory).
 * @param q the queue.
 * @param max_events the cap [events]; values above CPN_EVQ_MAX_EVENTS (the default) are clamped.
 *        A cap below the current size only refuses further pushes.
 */
void cpn_evq_set_limit(struct cpn_evq *q, size_t max_events);

/**
 * Insert an event.  Its sequence number is the queue's running count, so equal-time events pop
 * in insertion order.
 * @param q the queue.
 * @param time firing time [s]; must be finite (not NaN or infinite).
 * @param handler callback descriptor (borrowed; must outlive the event).
 * @param ctx, arg passed to the handler.
 * @param out receives the handle (may be NULL).
 * @return CPN_OK; CPN_EINVAL when time is not finite or handler is NULL; CPN_ENOMEM when the pool
 *         cannot grow or the limit of cpn_evq_set_limit() is reached.  O(log n) amortised.
 */
int cpn_evq_push(struct cpn_evq *q, double time, const struct cpn_handler *handler, void *ctx,
                 uint64_t arg, cpn_evh *out);

/**
 * Look at the earliest event without removing it.
 * @return a pointer valid until the next modifying call, or NULL when the queue is empty.
 */
const struct cpn_event *cpn_evq_peek(const struct cpn_evq *q);

/**
 * Remove the earliest event (smallest time, then smallest sequence number).
 * @param q the queue.
 * @param out receives a copy of the event.
 * @return CPN_OK; CPN_ENOENT when the queue is empty.  O(log n).
 */
int cpn_evq_pop(struct cpn_evq *q, struct cpn_event *out);

/**
 * Cancel a pending event.
 * @return CPN_OK; CPN_ENOENT when @p h is CPN_EVH_NONE, unknown, or names an event that already
 *         fired or was cancelled.  O(log n).
 */
int cpn_evq_cancel(struct cpn_evq *q, cpn_evh h);

/**
 * Change the time of a pending event in place.  The event gets a new sequence number, as if it
 * had been cancelled and scheduled again now (so ties keep "scheduling order").
 * @param time new firing time [s]; must be finite.
 * @return CPN_OK; CPN_ENOENT for a stale or unknown handle; CPN_EINVAL for a non-finite time.
 *         O(log n).
 */
int cpn_evq_reschedule(struct cpn_evq *q, cpn_evh h, double time);

/**
 * Tell whether a handle names a pending event.
 * @return nonzero when pending.
 */
int cpn_evq_pending(const struct cpn_evq *q, cpn_evh h);

/**
 * Take the sequence number the next push or reschedule would take, for an event kept outside
 * the queue (sim/engine.h's timers), so that it orders among the queue's events exactly as if
 * it had been pushed now.  O(1).
 * @return that sequence number (without the CPN_EVQ_LATE bit, which the caller adds for a late
 *   handler); the queue's next push or reschedule takes the one after.
 */
uint64_t cpn_evq_take_seq(struct cpn_evq *q);

/**
 * Read the time of a pending event.
 * @param time receives the firing time [s].
 * @return CPN_OK or CPN_ENOENT for a stale or unknown handle.
 */
int cpn_evq_time(const struct cpn_evq *q, cpn_evh h, double *time);

#endif /* CPN_SIM_EVQ_H */
