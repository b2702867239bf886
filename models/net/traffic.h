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
 *
 * Streamed sources (cpn_traffic_add_source()) give their flows one at a time in start order,
 * read as the run reaches them: memory is then O(flows in flight), plus 8 bytes per flow when
 * their finish times are kept for the caller.
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

/**
 * Flow @p i (0 .. n - 1) of a replay whose flows the caller keeps (cpn_traffic_new_from()):
 * fills @p f.  Called when the flow starts and when it finishes; the same @p i must give the same
 * flow every time.
 */
typedef void (*cpn_traffic_get_fn)(const void *ctx, size_t i, struct cpn_traffic_flow *f);

/** The start time [s] of flow @p i of such a replay (the same as cpn_traffic_get_fn gives). */
typedef double (*cpn_traffic_start_fn)(const void *ctx, size_t i);

/**
 * Prepare the replay of @p n flows that the caller keeps (a scenario's loaded flows, in whatever
 * compact form it stores them) and schedule the first start, as cpn_traffic_new() does, without
 * a copy: the replay keeps 1 byte per flow (the parts of a split flow still moving), 4 more when
 * the flows are not in start order (their order by start and index), and 8 more with
 * @p keep_finish (the finish times for cpn_traffic_finish()).
 * @param get, start_of, ctx read flow i (borrowed; @p ctx and what it reads outlive the replay).
 * @param keep_finish nonzero: keep every finish time (cpn_traffic_finish() is NaN otherwise).
 * @return CPN_OK; CPN_EINVAL for NULL @p eng, @p net or @p out, NULL @p get or @p start_of
 *         with @p n > 0, a flow cpn_traffic_new() would refuse, or a flow whose start_of differs
 *         from the start get gives; CPN_ENOMEM.  Every flow is read once here to be checked.
 *         O(n) when the flows are in start order, O(n log n) otherwise.  Side effect: schedules
 *         the first arrival event on @p eng.
 */
int cpn_traffic_new_from(struct cpn_engine *eng, struct cpn_network *net,
                         const struct cpn_observer *obs, size_t n, cpn_traffic_get_fn get,
                         cpn_traffic_start_fn start_of, const void *ctx, int keep_finish,
                         struct cpn_traffic **out);

/**
 * Reads the next flow of a streamed source into @p f (*more = 1), or says the source has ended
 * (*more = 0).  Flows come in non-decreasing start time.
 * @return CPN_OK, or an error code that stops the run (the reader reports it).
 */
typedef int (*cpn_traffic_next_fn)(void *ctx, struct cpn_traffic_flow *f, int *more);

/**
 * Add a streamed source to a replay: its flows get the ids @p first .. first + count - 1 in the
 * order read, are started at their start times (those before the engine's now at once) and
 * reported to the observer like the replay's own.  The first flow is read now; each later one
 * when the previous has started (one pending arrival event per source).  A source's flows
 * starting at the same time as another source's or the replay's own start in the engine's
 * event order (deterministic: the order the arrival events were scheduled).
 * @param t the replay; @param next the reader and @p ctx its context (borrowed; outlives the
 *        replay's run).
 * @param first id of its first flow, >= the replay's n and past every other source's ids.
 * @param count flows the source gives; first + count <= 2^32.
 * @param keep_finish nonzero: keep every finish time for cpn_traffic_finish() (8 B per flow).
 * @return CPN_OK; CPN_EINVAL for a NULL argument, ids beyond 2^32, a flow out of start order
 *         or more flows than @p count, a bad size, start or weight, or a split flow (paths or
 *         k_paths > 1: a streamed flow takes one path) — the source's flows from then on are
 *         not started and the run stops with the error; CPN_ENOMEM; the reader's error.
 */
int cpn_traffic_add_source(struct cpn_traffic *t, cpn_traffic_next_fn next, void *ctx, size_t first,
                           size_t count, int keep_finish);

/** Free the replay (its flows still in the network are left there); accepts NULL. */
void cpn_traffic_free(struct cpn_traffic *t);

/** Finish time of flow @p i [s], or NaN when it has not finished, is not a flow of the
 *  replay, or is a streamed source's flow whose finish times are not kept. */
double cpn_traffic_finish(const struct cpn_traffic *t, size_t i);

/**
 * How far the finish times of flow @p i's part of the ids are final: the replay's own flows
 * (ids 0 .. n - 1) or the streamed source whose ids hold @p i.  Returns the id s such that
 * every flow from the part's first id up to s - 1 has finished (s is the part's first id when
 * its first flow has not, or when finish times are not kept); cpn_traffic_finish() of those
 * flows never changes again.  @p i beyond every part: @p i.
 * Safe to call from another thread while the run goes on (for a writer that formats the
 * finished flows meanwhile: cli/flows_out.c): the bound is published after the finish times
 * below it are written (C11 release and acquire), and nothing else of the replay changes.
 * O(sources).
 */
size_t cpn_traffic_settled(const struct cpn_traffic *t, size_t i);

/** Number of flows started so far (the replay's and its sources'). */
size_t cpn_traffic_started(const struct cpn_traffic *t);

/** Number of flows finished so far. */
size_t cpn_traffic_finished(const struct cpn_traffic *t);

/** Latest finish time so far [s] (0 when none finished). */
double cpn_traffic_makespan(const struct cpn_traffic *t);

#endif /* CPN_MODELS_NET_TRAFFIC_H */
