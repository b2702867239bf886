/**
 * @file models/net/flow.h
 * @brief Fluid flows with weighted max-min fair sharing over directed-link resources.
 *
 * Model (DESIGN.md §4.2; SimGrid CM02 with TCP-gamma 0, cross-traffic off, latency applied once:
 * Casanova & Marchal 2002, Velho & Legrand SIMUTools 2009): a flow of @c size bytes over a path of
 * resources (directed links, each direction of a full-duplex link its own constraint) is created
 * at time @c start, waits the path's one-way latency without using bandwidth, then shares
 * bandwidth from @c start + latency on.  While sharing, the per-flow rates are the weighted max-min
 * fair allocation (progressive filling; Bertsekas & Gallager, Data Networks, 2nd ed., §6.5.2)
 * over the resource capacities, each flow's rate also bounded by its cap.  Rates are recomputed
 * whenever a flow joins, finishes or is cancelled, or a capacity changes; a flow finishes when its
 * bytes are drained, and its owner's callback is called from the engine event at that time.
 *
 * Speed (docs/models-network.md §1.3): flows with equal (path, cap, weight) form a class whose
 * members always have equal rates, their finish points in a min-heap on the class's cumulative
 * per-flow service.  Classes whose rate is set by the same bottleneck resource form a group, all
 * at that resource's level theta (rate / weight); their service is kept on the group's virtual
 * time (integral of theta dt), so a change of theta moves one timer whatever the number of
 * classes, and the filling works on per-(group, resource) weight sums.  Joins, finishes and
 * capacity changes mark classes and resources dirty; one engine event per network (the "tick",
 * rescheduled in place) fires the due joins and completions and then re-solves once per instant,
 * only the groups that the changes can reach through resources that can bind and whose level is
 * not below the lowest level the changes can affect.  Storage is pooled.
 *
 * The module knows nothing of topology: resources are numbered 0..n-1 by the caller (cpnsim's
 * glue uses the directed link id d = 2*l + dir of models/net/topology.h).
 */
#ifndef CPN_MODELS_NET_FLOW_H
#define CPN_MODELS_NET_FLOW_H

#include <stddef.h>
#include <stdint.h>

struct cpn_engine;
struct cpn_flownet;

/** Handle of a flow: slot (low 32 bits) and generation (high 32 bits); stale handles are
 *  recognised (CPN_ENOENT) after the flow finished or was cancelled. */
typedef uint64_t cpn_flowh;

/** The handle that names no flow (generation 0 is never used). */
#define CPN_FLOWH_NONE ((cpn_flowh)0)

/** What a completion callback learns about the finished flow. */
struct cpn_flow_done {
    cpn_flowh flow; /**< the finished flow's handle (already stale when the callback runs) */
    uint64_t id;    /**< the owner's id given at start */
    uint32_t src;   /**< source node (as given at start) */
    uint32_t dst;   /**< destination node (as given at start) */
    double size;    /**< bytes delivered [B] */
    double start;   /**< creation time [s] */
    double end;     /**< completion time [s] (= the engine's now) */
};

/**
 * Completion callback, called from the engine event at the completion time.  It may start and
 * cancel flows and change capacities.
 * @param net the flow network.
 * @param ctx the owner's context given at start (borrowed).
 * @param done facts about the finished flow (valid during the call only).
 * @return CPN_OK, or an error code that stops the engine's run.
 */
typedef int cpn_flow_done_fn(struct cpn_flownet *net, void *ctx, const struct cpn_flow_done *done);

/** Parameters of cpn_flow_start(). */
struct cpn_flow_spec {
    uint32_t src;           /**< source node (kept for the callback; not interpreted) */
    uint32_t dst;           /**< destination node (kept for the callback; not interpreted) */
    double size;            /**< bytes to move [B], finite, >= 0 */
    const uint32_t *hops;   /**< resource ids of the path, length n_hops (borrowed, copied) */
    size_t n_hops;          /**< number of resources on the path (0 allowed with a finite cap) */
    double latency;         /**< one-way path latency [s], finite, >= 0 */
    double weight;          /**< max-min weight, finite, > 0 (1 for plain max-min) */
    double cap;             /**< per-flow rate bound [B/s], > 0; INFINITY for none */
    cpn_flow_done_fn *done; /**< completion callback (may be NULL) */
    void *ctx;              /**< passed to @c done (borrowed) */
    uint64_t id;            /**< owner's id, passed to @c done */
    uint16_t tag;           /**< owner's data kept with the flow (cpn_flow_info()), e.g. the
                                 network's transport profile; 0 when unused */
};

/** What a live flow is, for its owner (cpn_flow_info()). */
struct cpn_flow_info {
    uint32_t src, dst; /**< endpoints, as given */
    uint32_t path;     /**< interned path id (cpn_flownet_path()) */
    uint16_t tag;      /**< the spec's tag */
    double weight;     /**< max-min weight */
    double cap;        /**< per-flow cap [B/s] */
    double remaining;  /**< bytes still to move [B] */
    uint64_t id;       /**< owner's id */
};

/** Per-resource accounting for utilisation sampling (integrals since the network's creation). */
struct cpn_flow_usage {
    double capacity; /**< current capacity [B/s] */
    double load;     /**< current sum of the rates of the flows crossing it [B/s] */
    double bytes;    /**< bytes carried since creation, integral of load [B] */
    double busy;     /**< time with at least one sharing flow crossing it since creation [s]
                      *   (the time with load > 0, unless a zero capacity stalled them all) */
    double util;     /**< integral of load / capacity (capacity > 0) [s] */
    uint32_t flows;  /**< number of sharing flows crossing it */
};

/**
 * Create a flow network of @p n_resources resources.
 * @param eng the engine (borrowed; must outlive the network).
 * @param n_resources number of resources, < 2^31.
 * @param capacity capacities [B/s], length n_resources, each finite and >= 0 (copied).
 * @param out receives the network (caller frees with cpn_flownet_free()).
 * @return CPN_OK; CPN_EINVAL for a NULL argument (capacity may be NULL only when n_resources is
 *         0) or a negative, NaN or infinite capacity; CPN_ERANGE when n_resources >= 2^31;
 *         CPN_ENOMEM.  O(n_resources).
 */
int cpn_flownet_new(struct cpn_engine *eng, size_t n_resources, const double *capacity,
                    struct cpn_flownet **out);

/** Free the network, its flows (no callbacks are called) and its pending tick; accepts NULL. */
void cpn_flownet_free(struct cpn_flownet *net);

/** Number of resources. */
size_t cpn_flownet_resources(const struct cpn_flownet *net);

/**
 * Change the capacity of a resource from now on; the rates are re-solved at the current time.
 * @param resource resource id < cpn_flownet_resources().
 * @param capacity new capacity [B/s], finite, >= 0 (0 stalls the flows crossing it).
 * @return CPN_OK; CPN_ERANGE for an unknown resource; CPN_EINVAL for a bad capacity;
 *         CPN_ENOMEM.  Side effect: moves the tick to now (re-solve).  O(hops of all interned
 *         paths + hops of all live classes): every path's smallest capacity and every
 *         resource's demand are recomputed (capacity changes are rare events).
 */
int cpn_flownet_set_capacity(struct cpn_flownet *net, uint32_t resource, double capacity);

/**
 * Read the accounting of a resource, brought up to the current time.
 * @return CPN_OK; CPN_ERANGE for an unknown resource; CPN_EINVAL for NULL @p out.  O(groups
 * crossing the resource): the accounting is lazy (bytes are folded when a group's weight on the
 * resource changes, not when its rate does).  Rates are those of the last solve (a solve runs at
 * the current time after the events of that time that were already scheduled).  util is the
 * integral of load / capacity [s].
 */
int cpn_flownet_usage(struct cpn_flownet *net, uint32_t resource, struct cpn_flow_usage *out);

/**
 * Start a flow at the engine's current time.  It joins bandwidth sharing after spec->latency
 * (at once when the latency is 0).  A flow of size 0 completes when it would join.
 * @param spec the flow (borrowed; the path is copied into the network's interned path table).
 * @param out receives the handle (may be NULL).
 * @return CPN_OK; CPN_EINVAL for NULL @p spec, a NULL @c hops with n_hops > 0, a bad size,
 *         latency, weight or cap, or an empty path with an infinite cap; CPN_ERANGE for a hop
 *         id >= the number of resources or a path longer than 2^31 hops; CPN_ENOMEM.
 *         Side effects: sets the flow's join timer (latency > 0 or size 0) or joins it at once
 *         (a re-solve at now); the network's tick event is moved accordingly.
 *         O(n_hops) to intern the path, O(1) expected for the class lookup, O(log n) for the
 *         class heap (n: members of the class).
 */
int cpn_flow_start(struct cpn_flownet *net, const struct cpn_flow_spec *spec, cpn_flowh *out);

/**
 * Intern a path: identical hop sequences share one id, kept for the network's lifetime.
 * Callers that start many flows over the same routes intern each route once and start flows
 * with cpn_flow_start_path(), which skips hashing the hops.
 * @param hops resource ids, length n_hops (borrowed, copied); n_hops may be 0.
 * @param path receives the path id.
 * @return CPN_OK; CPN_EINVAL for NULL @p path or NULL @p hops with n_hops > 0; CPN_ERANGE for
 *         a hop id >= the number of resources or too many distinct paths; CPN_ENOMEM.
 *         O(n_hops) expected.
 */
int cpn_flownet_path(struct cpn_flownet *net, const uint32_t *hops, size_t n_hops, uint32_t *path);

/**
 * Start a flow over an interned path, as cpn_flow_start() (spec->hops and spec->n_hops are
 * ignored).
 * @return as cpn_flow_start(); also CPN_ENOENT for an unknown path id.
 */
int cpn_flow_start_path(struct cpn_flownet *net, uint32_t path, const struct cpn_flow_spec *spec,
                        cpn_flowh *out);

/**
 * Cancel a flow (pending or sharing); its callback is not called and the bytes not delivered
 * are lost.
 * @return CPN_OK; CPN_ENOENT for a stale or unknown handle.  O(log n) plus the re-solve.
 */
int cpn_flow_cancel(struct cpn_flownet *net, cpn_flowh flow);

/**
 * Read a flow's current per-flow rate (as of the last solve; 0 during the latency phase).
 * @return CPN_OK; CPN_ENOENT for a stale handle; CPN_EINVAL for NULL @p rate.  O(1).
 */
int cpn_flow_rate(const struct cpn_flownet *net, cpn_flowh flow, double *rate);

/**
 * Read the bytes a flow has still to deliver at the current time [B].
 * @return CPN_OK; CPN_ENOENT for a stale handle; CPN_EINVAL for NULL @p bytes.  O(1).
 */
int cpn_flow_remaining(const struct cpn_flownet *net, cpn_flowh flow, double *bytes);

/** Number of flows started and not yet finished or cancelled (pending + sharing). */
size_t cpn_flownet_flows(const struct cpn_flownet *net);

/** Number of flows currently sharing bandwidth (past their latency phase). */
size_t cpn_flownet_active(const struct cpn_flownet *net);

/** Number of live classes (distinct (path, cap, weight) among started flows). */
size_t cpn_flownet_classes(const struct cpn_flownet *net);

/** Counters of the solver's work, for benchmarks. */
struct cpn_flow_stats {
    uint64_t solves;           /**< solve events run */
    uint64_t solved_classes;   /**< sum over solves of bottleneck groups and single classes
                                *   re-solved */
    uint64_t solved_resources; /**< sum over solves of resources reached */
    uint64_t reschedules;      /**< join and completion timers set or moved */
    uint64_t moved_classes;    /**< classes that changed bottleneck group in a solve */
};

/** Copy the work counters into @p out. */
void cpn_flownet_stats(const struct cpn_flownet *net, struct cpn_flow_stats *out);

/**
 * Estimate the rate a new flow would currently get on a path: the minimum over its resources of
 * max(C - load, C / (flows + 1)), i.e. the residual capacity, or the equal share a newcomer would
 * take on a saturated resource, whichever is larger.
 * Assumption: an estimate for splitting decisions (it ignores weights and caps and the
 * re-allocation the newcomer would cause); DESIGN.md §4.2 leaves the rule to the module.
 * @param hops resource ids, length n_hops >= 1 (borrowed).
 * @param offer receives the estimate [B/s].
 * @return CPN_OK; CPN_EINVAL for NULL pointers or n_hops 0; CPN_ERANGE for an unknown resource.
 *         O(groups crossing its resources): loads are summed on demand.
 */
int cpn_flownet_path_offer(const struct cpn_flownet *net, const uint32_t *hops, size_t n_hops,
                           double *offer);

/**
 * Fill @p out with what live flow @p flow is (endpoints, path, tag, weight, cap, bytes left).
 * @return CPN_OK; CPN_ENOENT for a stale or unknown handle; CPN_EINVAL for NULL @p out.  O(1).
 */
int cpn_flow_info(const struct cpn_flownet *net, cpn_flowh flow, struct cpn_flow_info *out);

/**
 * List the live flows (sharing or in their latency) whose path crosses resource @p resource, in
 * slot order: up to @p cap handles into @p out, their number into @p n (which may exceed
 * @p cap: call again with a larger array).
 * @return CPN_OK; CPN_ERANGE for an unknown resource; CPN_EINVAL for NULL @p n, or NULL
 *         @p out with @p cap > 0.  O(live flows x hops): for rare events (a link failure).
 */
int cpn_flownet_flows_on(const struct cpn_flownet *net, uint32_t resource, cpn_flowh *out,
                         size_t cap, size_t *n);

/**
 * The resources of interned path @p path: a pointer to @p *n ids (owned by the flownet, valid
 * until the next path is interned), or NULL for an unknown path.  O(1).
 */
const uint32_t *cpn_flownet_path_hops(const struct cpn_flownet *net, uint32_t path, uint32_t *n);

/**
 * Move live flow @p flow onto interned path @p path with per-flow cap @p cap, keeping its handle,
 * owner, id, size and start: the bytes it has left continue on the new path from now (a reroute
 * after a link failure, docs/models-dynamics.md).  Assumption: the move is instant (the new path's
 * latency is not paid again; bytes in flight on the old path are not sent twice).
 * @return CPN_OK; CPN_ENOENT for a stale handle or an unknown path; CPN_EINVAL for a bad cap;
 *         CPN_ENOMEM.  Side effect: re-solves at the current time.  O(cost of a cancel + a join).
 */
int cpn_flow_move(struct cpn_flownet *net, cpn_flowh flow, uint32_t path, double cap);

/**
 * Split @p size bytes over k paths in proportion to @p share (a given ratio, or the paths'
 * offers from cpn_flownet_path_offer()).  The parts sum to @p size exactly (the last part with
 * a positive share takes the rounding remainder); when every share is 0 the bytes are split
 * equally.
 * @param size bytes to split [B], finite, >= 0.
 * @param k number of paths, >= 1.
 * @param share non-negative finite weights, length k (borrowed).
 * @param parts receives the bytes per path [B], length k.
 * @return CPN_OK; CPN_EINVAL for NULL pointers, k 0, a bad size or a negative or non-finite
 *         share.  O(k).
 */
int cpn_flow_split(double size, size_t k, const double *share, double *parts);

#endif /* CPN_MODELS_NET_FLOW_H */
