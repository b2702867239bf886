/**
 * @file sim/array.h
 * @brief The one growable-array helper: a typed {items, len, cap} triple with geometric growth.
 *
 * Usage:
 * @code
 *   struct { double *items; size_t len, cap; } xs = {0};
 *   if (cpn_array_push(&xs, 3.5) != CPN_OK) return CPN_ENOMEM;
 *   ...
 *   cpn_array_release(&xs);
 * @endcode
 * Growth doubles the capacity (at least 8 items), so n pushes cost O(n) amortised and
 * O(log n) reallocations.  Pointers into `items` are invalidated by a push that grows.
 */
#ifndef CPN_SIM_ARRAY_H
#define CPN_SIM_ARRAY_H

#include <stdint.h>
#include <stdlib.h>

#include "sim/error.h"

/** Declare an anonymous growable array of T. */
#define CPN_ARRAY(T)                                                                               \
    struct {                                                                                       \
        T *items;                                                                                  \
        size_t len, cap;                                                                           \
    }

/**
 * Grow a buffer so that it holds at least @p need elements of @p size bytes.
 * @param items in/out: the buffer (may be NULL when *cap is 0); replaced on growth.
 * @param cap in/out: capacity in elements.
 * @param size element size [bytes], > 0.
 * @param need minimum capacity wanted [elements].
 * @return CPN_OK, or CPN_ENOMEM (buffer untouched) when allocation fails or the size overflows.
 */
static inline int cpn_array_grow_(void **items, size_t *cap, size_t size, size_t need)
{
    if (need <= *cap)
        return CPN_OK;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return CPN_ENOMEM;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / size)
        return CPN_ENOMEM;
    void *p = realloc(*items, ncap * size);
    if (!p)
        return CPN_ENOMEM;
    *items = p;
    *cap = ncap;
    return CPN_OK;
}

/** Ensure capacity for @p n elements; evaluates to CPN_OK or CPN_ENOMEM. */
#define cpn_array_reserve(a, n)                                                                    \
    cpn_array_grow_((void **)&(a)->items, &(a)->cap, sizeof *(a)->items, (n))

/** Append value @p v; evaluates to CPN_OK or CPN_ENOMEM (array unchanged on failure). */
#define cpn_array_push(a, v)                                                                       \
    (((a)->len < (a)->cap || cpn_array_reserve((a), (a)->len + 1) == CPN_OK)                       \
         ? ((a)->items[(a)->len++] = (v), CPN_OK)                                                  \
         : CPN_ENOMEM)

/** Free the storage and reset to empty. */
#define cpn_array_release(a)                                                                       \
    do {                                                                                           \
        free((a)->items);                                                                          \
        (a)->items = NULL;                                                                         \
        (a)->len = (a)->cap = 0;                                                                   \
    } while (0)

#endif /* CPN_SIM_ARRAY_H */
