/**
 * @file models/dynamics/failures.h
 * @brief Random link failures: each link fails after a time to failure drawn from its MTBF
 *        distribution and is repaired after a time drawn from its MTTR distribution, again and
 *        again (an alternating renewal process).
 *
 * Each link draws from its own named random stream "failures/link/ID" (sim/rng.h), so adding or
 * removing failures changes no other draw: the workload's arrivals are the same with and without
 * them (docs/models-dynamics.md, "Random failures").  A failure and a repair are applied as a
 * timeline's link down and up (cpn_links_set(), with the restoration delay of the spec) and
 * reported as CPN_EVENT_LINK_DOWN and CPN_EVENT_LINK_UP.  Assumption: a link that a timeline also
 * takes down or up follows whichever changed it last.  Source of the model: the alternating renewal
 * process of repairable systems with exponential or Weibull lifetimes (e.g. Trivedi, "Probability
 * and Statistics with Reliability, Queuing and Computer Science Applications", 2nd ed., Wiley 2016,
 * §8.4 and §3.4.6).
 */
#ifndef CPN_MODELS_DYNAMICS_FAILURES_H
#define CPN_MODELS_DYNAMICS_FAILURES_H

#include <stddef.h>
#include <stdint.h>

#include "models/dynamics/links.h"
#include "models/jobs/jobs.h"
#include "models/workload/workload.h"
#include "sim/engine.h"
#include "sim/rng.h"

/** The failure process of one link or one center. */
struct cpn_failure_spec {
    uint32_t link;               /**< link index (when @c center is CPN_NONE) */
    uint32_t center;             /**< center index, or CPN_NONE for a link's process: a center
                                      fails as cpn_jobs_set_center_up() takes it down */
    const struct cpn_dist *mtbf; /**< time to failure [s] (borrowed; outlives the object) */
    const struct cpn_dist *mttr; /**< time to repair [s] (borrowed; outlives the object) */
    double restore;              /**< restoration delay of each failure [s] (links.h), NaN
                                      for none (its flows stall until the repair) */
    uint32_t span;               /**< fibre span index (cpn_links_set_span()), or CPN_NONE
                                      for a link's or a center's process; a span's process
                                      cuts it and repairs it, on the stream
                                      "failures/span/ID" */
    uint32_t node;               /**< node index (cpn_links_set_node()), or CPN_NONE; a node's
                                      process takes it down and up, on the stream
                                      "failures/node/ID" */
};

/** Random failures of a run (opaque). */
struct cpn_failures;

/**
 * Create the failure processes of @p n links and centers (copied).
 * @param eng, links the engine and link states of the run (borrowed; link events go to the
 *        links' observer).  @param jobs the jobs layer (borrowed; NULL when no process is a
 *        center's).  @param obs the observer of the center events (borrowed; may be NULL).
 *        @param rng the run's stream set (borrowed): each process's stream is
 *        "failures/link/ID" or "failures/center/ID".
 * @param out receives the object (caller frees with cpn_failures_free()).
 * @return CPN_OK; CPN_EINVAL for NULL arguments, an unknown link or center, one given twice, or
 *         a center's process without the jobs layer; CPN_ENOMEM.
 */
int cpn_failures_new(struct cpn_engine *eng, struct cpn_links *links, struct cpn_jobs *jobs,
                     const struct cpn_observer *obs, struct cpn_rng *rng,
                     const struct cpn_failure_spec *specs, size_t n, struct cpn_failures **out);

/**
 * Draw every link's first time to failure and schedule it (from the engine's time).
 * @return CPN_OK; CPN_ESTATE when already started; CPN_ENOMEM.
 */
int cpn_failures_start(struct cpn_failures *f);

/** Failures (link and center downs) so far. */
uint64_t cpn_failures_count(const struct cpn_failures *f);

/** Free the object; accepts NULL.  Its pending events must not fire afterwards. */
void cpn_failures_free(struct cpn_failures *f);

#endif /* CPN_MODELS_DYNAMICS_FAILURES_H */
