/* The pending-event set: an implicit d-ary min-heap over a slot pool (see evq.h). */
#include "sim/evq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/array.h"
#include "sim/engine.h" /* struct cpn_handler: its late flag */
#include "sim/error.h"

/* Children per heap node.  4 was chosen by measurement (evq.h "Structure"); the macro lets the
 * benchmark be rebuilt with another arity (-DCPN_EVQ_ARITY=2) to repeat the comparison. */
#ifndef CPN_EVQ_ARITY
#define CPN_EVQ_ARITY 4
#endif

#define DEFAULT_CAPACITY 1024

/* Below this many pending events the heap and the pool stay in the L1/L2 caches, where the
 * prefetches only cost instructions (hold model at 1e3 events, 2e7 steps: 1.61 s with them,
 * 1.41-1.49 s without, plain heap 1.26 s). */
#define PREFETCH_MIN 16384

/* A hint to start loading a cache line; the figures in evq.h were measured with it. */
#if defined(__GNUC__)
#define PREFETCH(address) __builtin_prefetch(address)
#else
#define PREFETCH(address) ((void)(address))
#endif

/* One heap entry: 16 bytes, so the 4 children of a node span 64 bytes, one cache line (the heap
 * is offset so that every group of siblings starts on a line).  The sequence number lives in the
 * pool and is read only when two times are equal, which keeps the entry small. */
struct heap_entry {
    uint64_t key;   /* firing time as an order-preserving integer (time_key()) */
    uint32_t slot;  /* pool slot of the event */
    uint32_t track; /* where moves record the heap index: pos[slot + 1] for an event whose handle
                     * was handed out, pos[0] (a scratch cell, never read) for one without: such
                     * an event can never be cancelled or rescheduled, and a store to one hot
                     * cell does not miss the cache as a store into a large position array
                     * does, at every level of a sift, and needs no branch */
};

_Static_assert(sizeof(struct heap_entry) == 16, "4 heap entries must fill one cache line");

/* A pool slot.  gen is odd while the slot holds a pending event and even while it is free, so
 * generation 0 (CPN_EVH_NONE) never names a pending event. */
struct slot {
    struct cpn_event event; /* the event while pending */
    uint32_t gen;           /* generation, bumped at every allocation and every release */
    uint32_t next_free;     /* next free slot (or CPN_NONE) while free */
};

#define CACHE_LINE 64
/* Entries before the root so that the children 4i+1..4i+4 of node i sit at buffer indices
 * 4i+4..4i+7, i.e. on one cache line. */
#define HEAP_OFFSET (CACHE_LINE / sizeof(struct heap_entry) - 1)

/* Deferred removal of the root: pop takes the root's event and leaves heap[0] vacant (hole = 1)
 * instead of moving the last entry there and sifting it down.  A discrete-event simulation
 * almost always schedules an event after firing one, and that push then fills the hole with a
 * single sift-down from the root: one sift per hold step instead of a sift-down plus a
 * sift-up, and the last entry stays where it is.  Any other operation first settles the hole
 * the ordinary way (settle()), and peek looks at the root's children, so the hole is invisible
 * behind the API.  Invariant: hole implies len >= 2 (the vacant root and a pending event). */

struct cpn_evq {
    struct heap_entry *heap;   /* the heap (root at heap[0]), len entries */
    struct heap_entry *buffer; /* cache-line aligned allocation; heap = buffer + HEAP_OFFSET */
    size_t len, heap_cap;      /* heap entries including a vacant root; capacity [entries] */
    size_t hole;               /* 1 while heap[0] is vacant (deferred removal), else 0 */
    struct slot *slots;        /* the pool, n_slots used */
    uint32_t *pos;             /* pos[slot + 1]: heap index of every pending slot with a handle;
                                * pos[0]: scratch.  A dense array, because a sift updates one
                                * entry per level */
    size_t n_slots;            /* slots ever allocated */
    size_t slots_cap, pos_cap; /* capacities [slots], [cells] */
    uint32_t free_head;        /* first free slot or CPN_NONE */
    uint64_t next_seq;         /* sequence number of the next push or reschedule */
    size_t limit;              /* maximum pending events (cpn_evq_set_limit) */
};

/* Grow the aligned heap buffer to at least need entries (doubling). */
static int heap_grow(struct cpn_evq *q, size_t need)
{
    if (need <= q->heap_cap)
        return CPN_OK;
    if (need > SIZE_MAX / 2 / sizeof(struct heap_entry) - HEAP_OFFSET)
        return CPN_ENOMEM;
    size_t cap = q->heap_cap ? q->heap_cap : 8;
    while (cap < need)
        cap *= 2;
    size_t bytes = (cap + HEAP_OFFSET) * sizeof(struct heap_entry);
    bytes = (bytes + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE; /* aligned_alloc wants a multiple */
    struct heap_entry *buffer = aligned_alloc(CACHE_LINE, bytes);
    if (!buffer)
        return CPN_ENOMEM;
    if (q->len)
        memcpy(buffer + HEAP_OFFSET, q->heap, q->len * sizeof *q->heap);
    free(q->buffer);
    q->buffer = buffer;
    q->heap = buffer + HEAP_OFFSET;
    q->heap_cap = cap;
    return CPN_OK;
}

struct cpn_evq *cpn_evq_new(size_t initial_capacity)
{
    struct cpn_evq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->free_head = CPN_NONE;
    q->limit = CPN_EVQ_MAX_EVENTS;
    size_t cap = initial_capacity ? initial_capacity : DEFAULT_CAPACITY;
    if (cap > CPN_EVQ_MAX_EVENTS)
        goto fail;
    if (heap_grow(q, cap) != CPN_OK ||
        cpn_array_grow_((void **)&q->slots, &q->slots_cap, sizeof *q->slots, cap) != CPN_OK ||
        cpn_array_grow_((void **)&q->pos, &q->pos_cap, sizeof *q->pos, cap + 1) != CPN_OK)
        goto fail;
    return q;
fail:
    cpn_evq_free(q);
    return NULL;
}

void cpn_evq_free(struct cpn_evq *q)
{
    if (!q)
        return;
    free(q->buffer);
    free(q->slots);
    free(q->pos);
    free(q);
}

size_t cpn_evq_size(const struct cpn_evq *q)
{
    return q->len - q->hole;
}

void cpn_evq_set_limit(struct cpn_evq *q, size_t max_events)
{
    q->limit = max_events < CPN_EVQ_MAX_EVENTS ? max_events : CPN_EVQ_MAX_EVENTS;
}

/* Map a finite time to an integer of the same order, so that the sifts compare integers (one
 * compare and a conditional move) rather than doubles (an unordered-compare and its parity
 * branch).  Adding +0.0 turns -0.0 into +0.0, which ties with it as doubles do.  Positive
 * doubles order like their bit patterns; negative ones in reverse, hence the complement. */
static inline uint64_t time_key(double time)
{
    double t = time + 0.0;
    uint64_t bits;
    memcpy(&bits, &t, sizeof bits);
    return bits >> 63 ? ~bits : bits | UINT64_C(1) << 63;
}

/* Strict (time, seq) order.  Sequence numbers are unique, so no two events compare equal. */
static inline int before(const struct cpn_evq *q, struct heap_entry a, struct heap_entry b)
{
    if (a.key != b.key)
        return a.key < b.key;
    return q->slots[a.slot].event.seq < q->slots[b.slot].event.seq;
}

static inline void place(struct cpn_evq *q, size_t i, struct heap_entry e)
{
    q->heap[i] = e;
    q->pos[e.track] = (uint32_t)i;
}

/* Move the hole at i up until e fits; return the final index. */
static size_t sift_up(struct cpn_evq *q, size_t i, struct heap_entry e)
{
    while (i > 0) {
        size_t parent = (i - 1) / CPN_EVQ_ARITY;
        if (!before(q, e, q->heap[parent]))
            break;
        place(q, i, q->heap[parent]);
        i = parent;
    }
    place(q, i, e);
    return i;
}

/* Index of the earliest of the children first..end-1 (first < end). */
static inline size_t min_child(const struct cpn_evq *q, size_t first, size_t end)
{
    size_t best = first;
    for (size_t c = first + 1; c < end; c++)
        if (before(q, q->heap[c], q->heap[best]))
            best = c;
    return best;
}

/* Index of the earliest of all CPN_EVQ_ARITY children from first.  For 4 children, a tournament
 * of two independent pairs: the compiler makes each pair branch-free (set-on-compare, the tie
 * test aside) and the two pairs run in parallel, where a linear scan is a chain of 3 dependent
 * compare-and-branch steps (measured in evq.h "Structure"). */
static inline size_t min_children(const struct cpn_evq *q, size_t first)
{
#if CPN_EVQ_ARITY == 4
    const struct heap_entry *h = q->heap;
    size_t a = first + (size_t)before(q, h[first + 1], h[first]);
    size_t b = first + 2 + (size_t)before(q, h[first + 3], h[first + 2]);
    return before(q, h[b], h[a]) ? b : a;
#else
    return min_child(q, first, first + CPN_EVQ_ARITY);
#endif
}

/* Move the hole at i down until e fits. */
static void sift_down(struct cpn_evq *q, size_t i, struct heap_entry e)
{
    size_t n = q->len;
    for (;;) {
        size_t first = CPN_EVQ_ARITY * i + 1, best;
        if (first + CPN_EVQ_ARITY <= n) {
            /* Start loading the grandchildren's lines while the children are compared: the
             * sift is bound by memory latency once the heap outgrows the L2 cache (1e5). */
            if (n > PREFETCH_MIN)
                for (size_t c = first; c < first + CPN_EVQ_ARITY && CPN_EVQ_ARITY * c + 1 < n; c++)
                    PREFETCH(&q->heap[CPN_EVQ_ARITY * c + 1]);
            best = min_children(q, first);
        } else if (first < n) {
            best = min_child(q, first, n);
        } else {
            break;
        }
        if (!before(q, q->heap[best], e))
            break;
        place(q, i, q->heap[best]);
        i = best;
    }
    place(q, i, e);
}

/* Put e (whose key changed or which replaces a removed entry) at a valid place from index i. */
static void restore(struct cpn_evq *q, size_t i, struct heap_entry e)
{
    if (sift_up(q, i, e) == i)
        sift_down(q, i, e);
}

/* Fill a vacant root the ordinary way: the last entry moves there and sifts down. */
static void settle(struct cpn_evq *q)
{
    if (!q->hole)
        return;
    q->hole = 0;
    struct heap_entry last = q->heap[--q->len];
    sift_down(q, 0, last);
}

/* Start loading a slot: both of its lines, since a 48-byte slot may straddle two. */
static inline void prefetch_slot(const struct slot *slot)
{
    PREFETCH(slot);
    PREFETCH((const char *)(slot + 1) - 1);
}

/* Start loading the next event to pop: the engine pops it next, and in a large queue it is a
 * cache miss otherwise. */
static inline void prefetch_top(const struct cpn_evq *q)
{
    if (q->len > PREFETCH_MIN)
        prefetch_slot(&q->slots[q->heap[0].slot]);
}

static void release_slot(struct cpn_evq *q, uint32_t slot)
{
    q->slots[slot].gen++; /* odd -> even: every handle to this event is now stale */
    q->slots[slot].next_free = q->free_head;
    q->free_head = slot;
}

/* Remove the entry at heap index i of a settled heap (the caller releases its slot). */
static void remove_at(struct cpn_evq *q, size_t i)
{
    struct heap_entry last = q->heap[--q->len];
    if (i < q->len)
        restore(q, i, last);
}

static int lookup(const struct cpn_evq *q, cpn_evh h, uint32_t *slot)
{
    uint32_t s = (uint32_t)h, gen = (uint32_t)(h >> 32);
    if (s >= q->n_slots || (gen & 1u) == 0 || q->slots[s].gen != gen)
        return 0;
    *slot = s;
    return 1;
}

/* Take a free slot, growing the pool geometrically when none is left. */
static int acquire_slot(struct cpn_evq *q, uint32_t *slot)
{
    if (q->len - q->hole >= q->limit)
        return CPN_ERROR(CPN_ENOMEM, "event queue: limit of %zu pending events reached", q->limit);
    if (q->free_head == CPN_NONE) {
        size_t need = q->n_slots + 1;
        if (cpn_array_grow_((void **)&q->slots, &q->slots_cap, sizeof *q->slots, need) ||
            cpn_array_grow_((void **)&q->pos, &q->pos_cap, sizeof *q->pos, need + 1) ||
            heap_grow(q, need))
            return CPN_ERROR(CPN_ENOMEM, "event queue: cannot grow the pool beyond %zu events",
                             q->n_slots);
        q->slots[q->n_slots].gen = 0;
        q->slots[q->n_slots].next_free = CPN_NONE;
        q->free_head = (uint32_t)q->n_slots++;
    }
    uint32_t s = q->free_head;
    q->free_head = q->slots[s].next_free;
    q->slots[s].gen++; /* even -> odd: pending */
    *slot = s;
    return CPN_OK;
}

int cpn_evq_push(struct cpn_evq *q, double time, const struct cpn_handler *handler, void *ctx,
                 uint64_t arg, cpn_evh *out)
{
    if (!isfinite(time))
        return CPN_ERROR(CPN_EINVAL, "event queue: event time %g s is not finite", time);
    if (!handler)
        return CPN_ERROR(CPN_EINVAL, "event queue: event at t=%.15g s has no handler", time);
    uint32_t s = CPN_NONE;
    int rc = acquire_slot(q, &s);
    if (rc != CPN_OK)
        return rc;
    uint64_t seq = q->next_seq++ | (handler->late ? CPN_EVQ_LATE : 0);
    q->slots[s].event = (struct cpn_event){time, seq, handler, ctx, arg};
    struct heap_entry e = {time_key(time), s, out ? s + 1 : 0};
    if (q->hole) { /* the pop-then-push of a hold step: one sift-down from the vacant root */
        q->hole = 0;
        sift_down(q, 0, e);
    } else {
        q->len++;
        sift_up(q, q->len - 1, e);
    }
    prefetch_top(q);
    if (out)
        *out = (cpn_evh)q->slots[s].gen << 32 | s;
    return CPN_OK;
}

const struct cpn_event *cpn_evq_peek(const struct cpn_evq *q)
{
    if (q->hole) { /* the earliest pending event is the earliest child of the vacant root */
        size_t end = q->len < 1 + CPN_EVQ_ARITY ? q->len : 1 + CPN_EVQ_ARITY;
        return &q->slots[q->heap[min_child(q, 1, end)].slot].event;
    }
    return q->len ? &q->slots[q->heap[0].slot].event : NULL;
}

int cpn_evq_pop(struct cpn_evq *q, struct cpn_event *out)
{
    if (q->len == 0)
        return CPN_ERROR(CPN_ENOENT, "event queue: pop from an empty queue");
    settle(q);
    uint32_t s = q->heap[0].slot;
    /* The next event to pop is (almost always) the earliest child of the root: start loading
     * its slot now, so the miss overlaps this pop's sift instead of stalling the next pop. */
    if (q->len > PREFETCH_MIN)
        prefetch_slot(&q->slots[q->heap[min_children(q, 1)].slot]);
    *out = q->slots[s].event;
    release_slot(q, s);
    if (q->len == 1)
        q->len = 0; /* a vacant root over an empty heap would break the invariant */
    else
        q->hole = 1;
    return CPN_OK;
}

int cpn_evq_cancel(struct cpn_evq *q, cpn_evh h)
{
    uint32_t s;
    if (!lookup(q, h, &s))
        return CPN_ERROR(CPN_ENOENT, "event queue: cancel: handle %#llx names no pending event",
                         (unsigned long long)h);
    settle(q);
    size_t i = q->pos[s + 1];
    release_slot(q, s);
    remove_at(q, i);
    prefetch_top(q);
    return CPN_OK;
}

int cpn_evq_reschedule(struct cpn_evq *q, cpn_evh h, double time)
{
    uint32_t s;
    if (!lookup(q, h, &s))
        return CPN_ERROR(CPN_ENOENT, "event queue: reschedule: handle %#llx names no pending event",
                         (unsigned long long)h);
    if (!isfinite(time))
        return CPN_ERROR(CPN_EINVAL, "event queue: reschedule to t=%g s: time is not finite", time);
    settle(q);
    q->slots[s].event.time = time;
    q->slots[s].event.seq = q->next_seq++ | (q->slots[s].event.handler->late ? CPN_EVQ_LATE : 0);
    restore(q, q->pos[s + 1], (struct heap_entry){time_key(time), s, s + 1});
    prefetch_top(q);
    return CPN_OK;
}

uint64_t cpn_evq_take_seq(struct cpn_evq *q)
{
    return q->next_seq++;
}

int cpn_evq_pending(const struct cpn_evq *q, cpn_evh h)
{
    uint32_t s;
    return lookup(q, h, &s);
}

int cpn_evq_time(const struct cpn_evq *q, cpn_evh h, double *time)
{
    uint32_t s;
    if (!lookup(q, h, &s))
        return CPN_ERROR(CPN_ENOENT, "event queue: handle %#llx names no pending event",
                         (unsigned long long)h);
    *time = q->slots[s].event.time;
    return CPN_OK;
}
