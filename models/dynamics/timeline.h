/**
 * @file models/dynamics/timeline.h
 * @brief Timelines: changes of the network and the centers at given simulated times (a link's
 *        capacity, a link down or up, a center's electricity price and carbon intensity).
 *
 * The scenario's `<timeline>` (docs/scenario-format.md, docs/models-dynamics.md; DESIGN.md §4.9)
 * becomes a list of changes.  Each is applied by an engine event at its time, in the order given
 * among changes of the same time, before the jobs that arrive at that instant (arrivals are late
 * events, sim/engine.h).  Every change is reported to the observer as an event (/events): link
 * down and up as CPN_EVENT_LINK_DOWN / CPN_EVENT_LINK_UP, the others as CPN_EVENT_OTHER with a
 * detail.
 */
#ifndef CPN_MODELS_DYNAMICS_TIMELINE_H
#define CPN_MODELS_DYNAMICS_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "models/dynamics/links.h"
#include "models/jobs/jobs.h"
#include "models/observer.h"
#include "sim/engine.h"

/** What a change does. */
enum cpn_change_kind {
    CPN_CHANGE_LINK_CAPACITY = 0, /**< link @c index gets capacity @c value [B/s] */
    CPN_CHANGE_LINK_DOWN = 1,     /**< link @c index goes down (its flows stall; rerouted after
                                       @c restore when finite) */
    CPN_CHANGE_LINK_UP = 2,       /**< link @c index comes back up (its flows resume) */
    CPN_CHANGE_CENTER_TARIFF = 3, /**< center @c index gets electricity price @c value
                                       [currency/J] and carbon intensity @c value2 [kg/J];
                                       NaN keeps the value it had */
    CPN_CHANGE_CENTER_DOWN = 4,   /**< center @c index fails (cpn_jobs_set_center_up()) */
    CPN_CHANGE_CENTER_UP = 5,     /**< center @c index is repaired */
    CPN_CHANGE_SPAN_DOWN = 6,     /**< fibre span @c index is cut: the links over it go down
                                       (cpn_links_set_span(); rerouted after @c restore) */
    CPN_CHANGE_SPAN_UP = 7,       /**< fibre span @c index is repaired */
    CPN_CHANGE_NODE_DOWN = 8,     /**< node @c index fails: the links at it go down
                                       (cpn_links_set_node(); rerouted after @c restore) */
    CPN_CHANGE_NODE_UP = 9,       /**< node @c index is repaired */
    CPN_CHANGE_POOL_UNITS = 10,   /**< pool @c pool of center @c index gets @c value units
                                       (cpn_jobs_set_pool_units()) */
    CPN_CHANGE_NKINDS             /**< number of kinds (not a kind) */
};

/** One change at a given time. */
struct cpn_change {
    double time;               /**< when [s], finite >= 0 */
    enum cpn_change_kind kind; /**< what */
    uint32_t index;            /**< the link, center, span or node index */
    double value;              /**< capacity [B/s] or electricity price [currency/J] */
    double value2;             /**< carbon intensity [kg/J] (tariffs only) */
    double restore;            /**< link down: restoration delay [s] (links.h), NaN for none */
    uint32_t pool;             /**< POOL_UNITS: the pool's index in its center */
};

/** A timeline (opaque). */
struct cpn_timeline;

/**
 * Create a timeline of @p n changes (copied and sorted by time, stably: changes of the same
 * time keep their order).
 * @param eng the engine (borrowed); @param links the link states (borrowed; NULL when no change
 *        is a link's); @param jobs the jobs layer (borrowed; NULL when no change is a center's);
 *        @param obs the observer of the tariff events (borrowed; may be NULL; link events go
 *        to the links' observer).
 * @param out receives the timeline (caller frees with cpn_timeline_free()).
 * @return CPN_OK; CPN_EINVAL for a change with a bad time, kind, value or index (the message
 *         names it), or a link (center) change without a network (jobs layer); CPN_ENOMEM.
 */
int cpn_timeline_new(struct cpn_engine *eng, struct cpn_links *links, struct cpn_jobs *jobs,
                     const struct cpn_observer *obs, const struct cpn_change *changes, size_t n,
                     struct cpn_timeline **out);

/**
 * Schedule the first change (each change schedules the next).  Changes dated before the engine's
 * time are applied at once, in order, at the current time.
 * @return CPN_OK; CPN_ESTATE when already started; CPN_ENOMEM.
 */
int cpn_timeline_start(struct cpn_timeline *tl);

/** Number of changes applied so far. */
size_t cpn_timeline_applied(const struct cpn_timeline *tl);

/** Free the timeline; accepts NULL.  Its pending event, if any, must not fire afterwards. */
void cpn_timeline_free(struct cpn_timeline *tl);

#endif /* CPN_MODELS_DYNAMICS_TIMELINE_H */
