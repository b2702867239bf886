/**
 * @file models/net/optical.h
 * @brief The wavelength layer under IP links: fibre spans with a wavelength budget, lightpaths
 *        assigned first-fit with wavelength continuity (docs/models-dynamics.md, "Wavelengths").
 *
 * Model (../shared/reference/network-models.md §4.3, the recommended model; DESIGN.md §4.9): a
 * fibre span carries W wavelength slots (C band about 40 at 150 GHz or 80 at 75 GHz, C+L twice
 * that, reference §4.1).  A lightpath over spans s_1..s_k uses the same slot on every span
 * (wavelength continuity, no converters); the slot is the lowest index free on all of them
 * (first fit, the usual baseline of routing and wavelength assignment: Zang, Jue and Mukherjee,
 * "A review of routing and wavelength assignment approaches for wavelength-routed optical WDM
 * networks", Optical Networks Magazine 1(1), 2000).  Rates, reach and set-up times are the IP
 * link's (models/net/network.h, cpn_network_set_lightpaths()).
 */
#ifndef CPN_MODELS_NET_OPTICAL_H
#define CPN_MODELS_NET_OPTICAL_H

#include <stdint.h>

/** Spans and their wavelength slots (opaque). */
struct cpn_optical;

/**
 * Create an empty wavelength layer.
 * @return the object (free with cpn_optical_free()), or NULL when out of memory.
 */
struct cpn_optical *cpn_optical_new(void);

/** Free the layer; accepts NULL. */
void cpn_optical_free(struct cpn_optical *o);

/**
 * Add a span with @p wavelengths slots (1 to 4096).
 * @param index receives its index (spans are numbered 0, 1, ... in order of addition).
 * @return CPN_OK; CPN_EINVAL for a slot count out of range or NULL arguments; CPN_ENOMEM.
 */
int cpn_optical_add_span(struct cpn_optical *o, uint32_t wavelengths, uint32_t *index);

/**
 * Light @p n lightpaths over spans @p spans[0..k): each takes the lowest slot free on every
 * one of them, in turn; all @p n or none.
 * @param slots receives the @p n slots taken, ascending (length >= n); untouched when refused.
 * @param granted receives 1 when they were lit, 0 when the spans have not @p n common free
 *        slots (nothing changes).
 * @return CPN_OK (lit or refused); CPN_EINVAL for an unknown span, k = 0, a span listed twice
 *         or NULL arguments.  O(n x W x k) for W slots.
 */
int cpn_optical_light(struct cpn_optical *o, const uint32_t *spans, uint32_t k, uint32_t n,
                      uint32_t *slots, int *granted);

/**
 * Darken the @p n lightpaths of cpn_optical_light() (same spans, the slots it gave).
 * @return CPN_OK; CPN_EINVAL for an unknown span or a slot that is not lit.
 */
int cpn_optical_darken(struct cpn_optical *o, const uint32_t *spans, uint32_t k, uint32_t n,
                       const uint32_t *slots);

/** Number of spans. */
uint32_t cpn_optical_spans(const struct cpn_optical *o);

/**
 * Span @p span's slots: @p total, lit now @p used and the most lit at once so far @p peak
 * (each may be NULL).
 * @return CPN_OK; CPN_EINVAL for an unknown span.
 */
int cpn_optical_span_state(const struct cpn_optical *o, uint32_t span, uint32_t *total,
                           uint32_t *used, uint32_t *peak);

#endif /* CPN_MODELS_NET_OPTICAL_H */
