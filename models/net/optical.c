/* The wavelength layer: spans, their slots, first-fit lightpaths (see optical.h). */
#include "models/net/optical.h"

#include <stdlib.h>
#include <string.h>

#include "sim/error.h"

/** Most slots of a span: 4096 (C+L at 12.5 GHz granularity is under 1000). */
#define CPN_OPTICAL_MAX_SLOTS 4096

struct span {
    uint8_t *lit; /* per slot: 1 when a lightpath uses it */
    uint32_t total, used, peak;
};

struct cpn_optical {
    struct span *spans;
    uint32_t n, cap;
};

struct cpn_optical *cpn_optical_new(void)
{
    return calloc(1, sizeof(struct cpn_optical));
}

void cpn_optical_free(struct cpn_optical *o)
{
    if (!o)
        return;
    for (uint32_t i = 0; i < o->n; i++)
        free(o->spans[i].lit);
    free(o->spans);
    free(o);
}

int cpn_optical_add_span(struct cpn_optical *o, uint32_t wavelengths, uint32_t *index)
{
    if (!o || !index || wavelengths == 0 || wavelengths > CPN_OPTICAL_MAX_SLOTS)
        return CPN_ERROR(CPN_EINVAL, "optical: a span needs 1 to %d wavelengths",
                         CPN_OPTICAL_MAX_SLOTS);
    if (o->n == o->cap) {
        uint32_t cap = o->cap ? 2 * o->cap : 8;
        struct span *p = realloc(o->spans, cap * sizeof *p);
        if (!p)
            return CPN_ERROR(CPN_ENOMEM, NULL);
        o->spans = p;
        o->cap = cap;
    }
    uint8_t *lit = calloc(wavelengths, 1);
    if (!lit)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    o->spans[o->n] = (struct span){lit, wavelengths, 0, 0};
    *index = o->n++;
    return CPN_OK;
}

/* Check a span list: known spans, none twice, k > 0. */
static int check_spans(const struct cpn_optical *o, const uint32_t *spans, uint32_t k)
{
    if (!o || !spans || k == 0)
        return CPN_ERROR(CPN_EINVAL, "optical: a lightpath needs at least one span");
    for (uint32_t i = 0; i < k; i++) {
        if (spans[i] >= o->n)
            return CPN_ERROR(CPN_EINVAL, "optical: no span %u", spans[i]);
        for (uint32_t j = 0; j < i; j++)
            if (spans[j] == spans[i])
                return CPN_ERROR(CPN_EINVAL, "optical: span %u twice on a lightpath", spans[i]);
    }
    return CPN_OK;
}

static void set_slot(struct cpn_optical *o, const uint32_t *spans, uint32_t k, uint32_t w,
                     uint8_t lit)
{
    for (uint32_t i = 0; i < k; i++) {
        struct span *s = &o->spans[spans[i]];
        s->lit[w] = lit;
        if (lit && ++s->used > s->peak)
            s->peak = s->used;
        else if (!lit)
            s->used--;
    }
}

int cpn_optical_light(struct cpn_optical *o, const uint32_t *spans, uint32_t k, uint32_t n,
                      uint32_t *slots, int *granted)
{
    int rc = check_spans(o, spans, k);
    if (rc != CPN_OK)
        return rc;
    if (!granted || (n && !slots))
        return CPN_ERROR(CPN_EINVAL, "optical: light: NULL argument");
    *granted = 0;
    uint32_t width = o->spans[spans[0]].total; /* a slot must exist on every span */
    for (uint32_t i = 1; i < k; i++)
        if (o->spans[spans[i]].total < width)
            width = o->spans[spans[i]].total;
    uint32_t got = 0;
    for (uint32_t w = 0; w < width && got < n; w++) {
        int free_all = 1;
        for (uint32_t i = 0; i < k && free_all; i++)
            free_all = !o->spans[spans[i]].lit[w];
        if (free_all) {
            set_slot(o, spans, k, w, 1);
            slots[got++] = w;
        }
    }
    if (got < n) { /* not enough: give back what was taken */
        for (uint32_t g = 0; g < got; g++)
            set_slot(o, spans, k, slots[g], 0);
        return CPN_OK;
    }
    *granted = 1;
    return CPN_OK;
}

int cpn_optical_darken(struct cpn_optical *o, const uint32_t *spans, uint32_t k, uint32_t n,
                       const uint32_t *slots)
{
    int rc = check_spans(o, spans, k);
    if (rc != CPN_OK)
        return rc;
    for (uint32_t g = 0; g < n; g++)
        for (uint32_t i = 0; i < k; i++)
            if (!slots || slots[g] >= o->spans[spans[i]].total || !o->spans[spans[i]].lit[slots[g]])
                return CPN_ERROR(CPN_EINVAL, "optical: slot %u of span %u is not lit",
                                 slots ? slots[g] : 0, spans[i]);
    for (uint32_t g = 0; g < n; g++)
        set_slot(o, spans, k, slots[g], 0);
    return CPN_OK;
}

uint32_t cpn_optical_spans(const struct cpn_optical *o)
{
    return o ? o->n : 0;
}

int cpn_optical_span_state(const struct cpn_optical *o, uint32_t span, uint32_t *total,
                           uint32_t *used, uint32_t *peak)
{
    if (!o || span >= o->n)
        return CPN_ERROR(CPN_EINVAL, "optical: no span %u", span);
    if (total)
        *total = o->spans[span].total;
    if (used)
        *used = o->spans[span].used;
    if (peak)
        *peak = o->spans[span].peak;
    return CPN_OK;
}
