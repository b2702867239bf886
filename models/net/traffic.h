/**
 * @file models/net/traffic.h
 * @brief Replay of a given set of flows (a scenario's `<traffic>`) on the network.
 *
 * Each flow starts at its start time on its path (explicit, or the shortest path by latency), or
 * split over several paths (the k shortest, or a given path set with shares: an SRv6-style
 * policy), shares bandwidth by weighted max-min fairness under its transport (models/net/
 * network.h), and is reported to the observer when its last byte is delivered (a split flow:
 * when its last part is; one record per flow).  Flows are started in the order
 * (start time, index), so a run does not depend on the order of the input rows beyond ties.
 * One arrival event is pending at a time (the next start), so memory is O(flows) for the
 * results and O(1) events for the arrivals.
 */
#ifndef CPN_MODELS_NET_TRAFFIC_H
#define CPN_MODELS_NET_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

#include "models/net/network.h"
#include "models/observer.h"

struct cpn_engine;
struct cpn_traffic;

/** One flow to replay. */
struct cpn_traffic_flow {
    uint32_t src;                /**< source node index */
    uint32_t dst;                /**< destination node index */
    double size;                 /**< bytes [B], >= 0 */
    double start;                /**< start time [s], >= 0 */
    const struct cpn_path *path; /**< explicit path (borrowed from the router) or NULL */
    uint32_t profile;            /**< transport profile: index into the network's profile table */
    double weight;               /**< max-min weight, > 0 */
    uint32_t k_paths;            /**< > 1: split over the k shortest paths
                                      (cpn_network_transfer_multipath(), shares by the
                                      rates offered); 0 or 1: one path */
    const struct cpn_path *const *paths; /**< a path set to split over (borrowed, outlives the
                                              replay), or NULL; overrides path and k_paths */
    const double *shares;                /**< shares of the path set (borrowed), length n_paths */
    uint32_t n_paths;                    /**< length of @ref paths, 1..CPN_NETWORK_MAX_PATHS */
};

/**
 * Prepare the replay of @p n flows and schedule the first start.
 * @param eng engine (borrowed); @param net network (borrowed); both outlive the replay.
 * @param obs observer told of every finished flow (flow_end; borrowed; may be NULL).
 * @param flows the flows, length n (copied).
 * @param out receives the replay (caller frees with cpn_traffic_free()).
 * @return CPN_OK; CPN_EINVAL for NULL arguments or a flow with a negative or non-finite size or
 *         start, a non-positive weight, more than CPN_NETWORK_MAX_PATHS paths or a path set
 *         without shares; CPN_ENOMEM.  O(n log n) (sorting by start time).
 *         Side effect: schedules the first arrival event on @p eng.
 */
int cpn_traffic_new(struct cpn_engine *eng, struct cpn_network *net, const struct cpn_observer *obs,
                    const struct cpn_traffic_flow *flows, size_t n, struct cpn_traffic **out);

/** Free the replay (its flows still in the network are left there); accepts NULL. */
void cpn_traffic_free(struct cpn_traffic *t);

/** Finish time of flow @p i [s], or NaN when it has not finished (i < n). */
double cpn_traffic_finish(const struct cpn_traffic *t, size_t i);

/** Number of flows started so far. */
size_t cpn_traffic_started(const struct cpn_traffic *t);

/** Number of flows finished so far. */
size_t cpn_traffic_finished(const struct cpn_traffic *t);

/** Latest finish time so far [s] (0 when none finished). */
double cpn_traffic_makespan(const struct cpn_traffic *t);

#endif /* CPN_MODELS_NET_TRAFFIC_H */
