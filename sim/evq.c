/* The pending-event set: an implicit d-ary min-heap over a slot pool (see evq.h). */
#include "sim/evq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/array.h"
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
    double time;   /* firing time [s] (copy of slots[slot].event.time) */
    uint32_t slot; /* pool slot of the event */
    uint32_t unused;
};

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

struct cpn_evq {
    struct heap_entry *heap;   /* the heap (root at heap[0]), len entries */
    struct heap_entry *buffer; /* cache-line aligned allocation; heap = buffer + HEAP_OFFSET */
    size_t len, heap_cap;      /* pending events; heap capacity [entries] */
    struct slot *slots;        /* the pool, n_slots used */
    uint32_t *pos;             /* heap index of every pending slot: a dense array, because a
                                * sift updates one entry per level */
    size_t n_slots;            /* slots ever allocated */
    size_t slots_cap, pos_cap; /* capacities [slots] */
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
        cpn_array_grow_((void **)&q->pos, &q->pos_cap, sizeof *q->pos, cap) != CPN_OK)
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
    return q->len;
}

void cpn_evq_set_limit(struct cpn_evq *q, size_t max_events)
{
    q->limit = max_events < CPN_EVQ_MAX_EVENTS ? max_events : CPN_EVQ_MAX_EVENTS;
}

/* Strict (time, seq) order.  Sequence numbers are unique, so no two events compare equal. */
static inline int before(const struct cpn_evq *q, struct heap_entry a, struct heap_entry b)
{
    if (a.time != b.time)
        return a.time < b.time;
    return q->slots[a.slot].event.seq < q->slots[b.slot].event.seq;
}

static inline void place(struct cpn_evq *q, size_t i, struct heap_entry e)
{
    q->heap[i] = e;
    q->pos[e.slot] = (uint32_t)i;
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

/* Move the hole at i down until e fits. */
static void sift_down(struct cpn_evq *q, size_t i, struct heap_entry e)
{
    size_t n = q->len;
    for (;;) {
        size_t first = CPN_EVQ_ARITY * i + 1;
        if (first >= n)
            break;
        /* Start loading the grandchildren's lines while the children are compared: the sift
         * is bound by memory latency once the heap outgrows the L2 cache (1e5 events). */
        if (n > PREFETCH_MIN)
            for (size_t c = first; c < first + CPN_EVQ_ARITY && CPN_EVQ_ARITY * c + 1 < n; c++)
                PREFETCH(&q->heap[CPN_EVQ_ARITY * c + 1]);
        size_t best = min_child(q, first, first + CPN_EVQ_ARITY < n ? first + CPN_EVQ_ARITY : n);
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

/* Remove the entry at heap index i (its slot is released by the caller). */
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
    if (q->len >= q->limit)
        return CPN_ERROR(CPN_ENOMEM, "event queue: limit of %zu pending events reached", q->limit);
    if (q->free_head == CPN_NONE) {
        size_t need = q->n_slots + 1;
        if (cpn_array_grow_((void **)&q->slots, &q->slots_cap, sizeof *q->slots, need) ||
            cpn_array_grow_((void **)&q->pos, &q->pos_cap, sizeof *q->pos, need) ||
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
    q->slots[s].event = (struct cpn_event){time, q->next_seq++, handler, ctx, arg};
    q->len++;
    sift_up(q, q->len - 1, (struct heap_entry){time, s, 0});
    prefetch_top(q);
    if (out)
        *out = (cpn_evh)q->slots[s].gen << 32 | s;
    return CPN_OK;
}

const struct cpn_event *cpn_evq_peek(const struct cpn_evq *q)
{
    return q->len ? &q->slots[q->heap[0].slot].event : NULL;
}

int cpn_evq_pop(struct cpn_evq *q, struct cpn_event *out)
{
    if (!q->len)
        return CPN_ERROR(CPN_ENOENT, "event queue: pop from an empty queue");
    uint32_t s = q->heap[0].slot;
    /* The next event to pop is (almost always) the earliest child of the root: start loading
     * its slot now, so the miss overlaps this pop's sift instead of stalling the next pop. */
    if (q->len > PREFETCH_MIN) {
        size_t end = q->len < 1 + CPN_EVQ_ARITY ? q->len : 1 + CPN_EVQ_ARITY;
        prefetch_slot(&q->slots[q->heap[min_child(q, 1, end)].slot]);
    }
    *out = q->slots[s].event;
    release_slot(q, s);
    remove_at(q, 0);
    prefetch_top(q);
    return CPN_OK;
}

int cpn_evq_cancel(struct cpn_evq *q, cpn_evh h)
{
    uint32_t s;
    if (!lookup(q, h, &s))
        return CPN_ERROR(CPN_ENOENT, "event queue: cancel: handle %#llx names no pending event",
                         (unsigned long long)h);
    size_t i = q->pos[s];
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
    q->slots[s].event.time = time;
    q->slots[s].event.seq = q->next_seq++;
    restore(q, q->pos[s], (struct heap_entry){time, s, 0});
    prefetch_top(q);
    return CPN_OK;
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
