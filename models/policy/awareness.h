/**
 * @file models/policy/awareness.h
 * @brief Compute awareness (算力感知): what the global scheduler knows of each center, and when.
 *
 * The simulation keeps the exact state of every center in a `struct cpn_world` (models/world.h).
 * This module turns it into the view one scheduler sees under a mode (DESIGN.md §4.8):
 *
 * - `oracle`: the exact state (the usual simulator assumption).
 * - `centralized`: every center reports its state to one controller every `period` seconds
 *   (at t0 + k x period, k >= 1, t0 the time of the registration world given to
 *   cpn_awareness_new()); a report measured at t becomes visible at t + d_c, with d_c the
 *   controller's one-way network delay from center c (`delay`, or per center).
 * - `distributed`: the scheduler at origin o sees the centers of its own region exactly, and
 *   every other center c through advertisements sent every `period` and visible RTT(o, c)
 *   later (Assumption: the scheduler pulls the advertisement, a request and its answer, one
 *   RTT; IETF CATS metric distribution, draft-ietf-cats-framework, leaves push or pull open).
 * - `hybrid`: the centralized controller's view for centers outside the origin's region, and
 *   the exact state of the centers in it (the local scheduler knows its own region, the
 *   controller the rest; Assumption: one reading of the "hybrid" awareness named by Yi et al.,
 *   ZTE Technology Journal 31(2), 2025, which does not define it further).
 *
 * Only the center part of the view is subject to awareness; the network part (RTT, available
 * bandwidth) is passed through exactly (network awareness is another question).
 *
 * Engine integration (the lead's side), in full:
 * @code
 *   cpn_awareness_new(&cfg, &exact_world_at_t0, &aw);            // registration at t0
 *   // an event at cpn_awareness_next_report_time(aw, now) calls
 *   cpn_awareness_report_all(aw, &exact_world_now);              // and reschedules itself
 *   // to place a job from origin o:
 *   cpn_awareness_view(aw, o, now, &exact_world_now, &view);
 *   cpn_policy_place(policy, &job, view, &decision);
 *   cpn_awareness_record_decision(aw, view, &job, &decision, &rec);  // rec.staleness -> trace
 *   // when the job reaches the center (after stage-in):
 *   if (cpn_awareness_arrival(aw, &rec, &exact_world_now.centers[decision.center], &job))
 *       re-place the job (a conflict: the view said it fits now, the center is full)
 * @endcode
 * Held jobs may be re-offered at report events: a report is visible d_c (or an RTT) later.
 *
 * Memory: snapshots are kept in a ring per center sized at creation
 * (ceil(max delay / period) + 2 entries); no allocation after cpn_awareness_new().
 */
#ifndef CPN_MODELS_POLICY_AWARENESS_H
#define CPN_MODELS_POLICY_AWARENESS_H

#include <stddef.h>
#include <stdint.h>

#include "models/policy.h"
#include "models/world.h"

/** Awareness modes (DESIGN.md §4.8). */
enum cpn_awareness_mode {
    CPN_AWARENESS_ORACLE = 0,      /**< exact state */
    CPN_AWARENESS_CENTRALIZED = 1, /**< periodic reports to one controller, one-way delay */
    CPN_AWARENESS_DISTRIBUTED = 2, /**< own region exact, others by advertisements (RTT) */
    CPN_AWARENESS_HYBRID = 3       /**< own region exact, others through the controller */
};

/** Configuration of cpn_awareness_new(). */
struct cpn_awareness_config {
    enum cpn_awareness_mode mode; /**< the mode */
    double period;                /**< report / advertisement period [s], > 0 unless oracle */
    double delay;                 /**< controller's one-way delay from every center [s], >= 0 */
    /**
     * Optional per-center one-way delays to the controller [s], n_centers entries, >= 0
     * (borrowed during cpn_awareness_new(), copied); NULL = @ref delay for every center.
     */
    const double *center_delay;
};

/** Counters since creation. */
struct cpn_awareness_stats {
    uint64_t decisions;    /**< placements on a center recorded */
    uint64_t holds;        /**< "hold" decisions recorded */
    uint64_t conflicts;    /**< arrivals that found the chosen center full (re-placed) */
    double staleness_mean; /**< mean staleness of the placements [s] (0 when none) */
    double staleness_max;  /**< largest staleness of a placement [s] */
};

/** What cpn_awareness_record_decision() remembers of one decision (the caller keeps it). */
struct cpn_awareness_decision {
    double staleness;  /**< now - time the chosen center's state was measured [s]; 0 for hold */
    int expected_free; /**< 1 when the view said the job fits the chosen center now */
};

struct cpn_awareness;

/**
 * Return the name of @p mode ("oracle", "centralized", "distributed", "hybrid"), or "?".
 */
const char *cpn_awareness_mode_name(enum cpn_awareness_mode mode);

/**
 * Parse a mode name as written in a scenario (`awareness="centralized"`).
 * @return CPN_OK; CPN_ENOENT when @p name is not a mode (the message lists them).
 */
int cpn_awareness_mode_parse(const char *name, enum cpn_awareness_mode *out);

/**
 * Create the awareness state of a run, registering every center with its state in @p initial
 * (measured at initial->time; this registration is what the scheduler knows until the first
 * report becomes visible).
 * @param cfg the configuration (borrowed for the call).
 * @param initial the exact world at the start (borrowed for the call); fixes the shape: number
 *        of centers, of origins and the pools of each center, which later worlds must keep.
 *        Its RTT matrix sizes the snapshot ring in the distributed mode.
 * @param out receives the state (caller frees with cpn_awareness_free()).
 * @return CPN_OK; CPN_EINVAL when the mode is unknown, period <= 0 (not oracle), a delay is
 *         negative or not finite, or an argument is NULL; CPN_ENOMEM.
 *         O(centers x pools x ring + origins x centers).
 */
int cpn_awareness_new(const struct cpn_awareness_config *cfg, const struct cpn_world *initial,
                      struct cpn_awareness **out);

/** Free the state; accepts NULL. */
void cpn_awareness_free(struct cpn_awareness *aw);

/** Return the mode of @p aw. */
enum cpn_awareness_mode cpn_awareness_mode_of(const struct cpn_awareness *aw);

/**
 * Return the first report time strictly after @p now [s]: t0 + k x period for the smallest
 * integer k >= 1 with that time > now; INFINITY in the oracle mode (no reports).
 */
double cpn_awareness_next_report_time(const struct cpn_awareness *aw, double now);

/**
 * Record the state of center @p center measured at @p measured (a report or advertisement).
 * @param state the center's exact state (borrowed; copied with its pools).
 * @return CPN_OK; CPN_EINVAL when @p center is out of range, the number of pools differs from
 *         the registration, or @p measured is earlier than the center's last report.
 *         O(pools).
 */
int cpn_awareness_report(struct cpn_awareness *aw, uint32_t center,
                         const struct cpn_world_center *state, double measured);

/**
 * Record every center of @p exact, measured at exact->time (the report event's work).
 * @return as cpn_awareness_report(); CPN_EINVAL also when the number of centers differs.
 *         O(centers x pools).
 */
int cpn_awareness_report_all(struct cpn_awareness *aw, const struct cpn_world *exact);

/**
 * Build the view the scheduler at origin @p origin has at time @p now: a copy of @p exact whose
 * centers are replaced by the newest snapshot visible at @p now for that origin (see the modes
 * above; when no snapshot is visible yet, the oldest kept, at first the registration).  Each
 * center's `measured` says when its state was measured (now for exact ones); the view's
 * `time` is @p now.
 * @param exact the exact world at @p now (borrowed; its network arrays are shared by the view).
 * @param out receives the view: owned by @p aw, valid until the next call of
 *        cpn_awareness_view(), cpn_awareness_report*() or cpn_awareness_free(), and until
 *        @p exact changes.
 * @return CPN_OK; CPN_EINVAL when @p origin is out of range or @p exact's shape differs from
 *         the registration.  O(centers x (pools + ring)), no allocation.
 */
int cpn_awareness_view(struct cpn_awareness *aw, uint32_t origin, double now,
                       const struct cpn_world *exact, const struct cpn_world **out);

/**
 * Whether the view of origin @p origin shows center @p c exactly (oracle; the origin's own
 * region in distributed and hybrid), so that the caller needs @p exact's center @p c up to
 * date before cpn_awareness_view(); the other centers are read from snapshots.
 * @return 1 or 0 (0 as well for an origin or center out of range).  O(1).
 */
int cpn_awareness_exact(const struct cpn_awareness *aw, const struct cpn_world *exact,
                        uint32_t origin, uint32_t c);

/**
 * Record a decision taken on @p view and return its staleness: for a placement,
 * view->time - view->centers[center].measured (the age of the information it used).
 * @param rec receives what cpn_awareness_arrival() needs later (may be NULL).
 * @return CPN_OK; CPN_EINVAL when the decision's center is out of range of @p view.
 */
int cpn_awareness_record_decision(struct cpn_awareness *aw, const struct cpn_world *view,
                                  const struct cpn_world_job *job,
                                  const struct cpn_policy_decision *decision,
                                  struct cpn_awareness_decision *rec);

/**
 * Check a job's arrival at the center it was placed on: a conflict is a decision whose view
 * said the job fits now (rec->expected_free) while the center, at arrival, has no pool that
 * fits it now.  Conflicts are counted; the caller re-places the job.
 * @param exact the chosen center's exact state at arrival (borrowed).
 * @return 1 for a conflict, 0 otherwise.  O(pools).
 */
int cpn_awareness_arrival(struct cpn_awareness *aw, const struct cpn_awareness_decision *rec,
                          const struct cpn_world_center *exact, const struct cpn_world_job *job);

/** Count one conflict detected by the caller (when it does not use cpn_awareness_arrival()). */
void cpn_awareness_count_conflict(struct cpn_awareness *aw);

/** Fill @p out with the counters since creation. */
void cpn_awareness_stats(const struct cpn_awareness *aw, struct cpn_awareness_stats *out);

#endif /* CPN_MODELS_POLICY_AWARENESS_H */
