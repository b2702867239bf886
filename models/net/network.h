/**
 * @file models/net/network.h
 * @brief The network as the rest of cpnsim sees it: topology + routes + transport caps + fluid
 *        flows, behind one "transfer these bytes from A to B" call.
 *
 * A transfer picks its path (an explicit path, or the shortest path by latency from
 * models/net/route.h), computes its per-flow cap from the path's hops and its transport profile
 * (models/net/transport.h), and starts a fluid flow (models/net/flow.h) over the path's
 * resources; both are computed once per (path, profile) and cached.  Resources of the flow model:
 * - directed links, id d = 2 x link + direction (models/net/topology.h), ids 0 .. 2L-1;
 * - lossless segments: one per direction of a pfc or credit link whose
 *   cpn_transport_segment_rate() is below the link's capacity, crossed by the lossless flows
 *   only (so that the buffer bounds their aggregate, not each flow's rate);
 * - eta resources: for every distinct eta < 1 among the profiles, eta x C of every directed
 *   link, crossed by the flows of the profiles with that eta (so that they share eta x C);
 * - storage sites: the read and the write bandwidth of each, crossed by the transfers that read
 *   from or write to it (struct cpn_transfer src_site, dst_site).
 * Flows that use none of these cross only their links: the extra resources cost them nothing.
 * A multipath transfer splits its bytes over the k shortest simple paths (Yen) in proportion to the
 * rates they currently offer (cpn_flownet_path_offer) or to given ratios.
 *
 * The network also samples link utilisation for the time series: the mean utilisation of each
 * directed link since the previous sample, from the flow model's exact integrals.
 */
#ifndef CPN_MODELS_NET_NETWORK_H
#define CPN_MODELS_NET_NETWORK_H

#include <stddef.h>
#include <stdint.h>

#include "models/net/flow.h"
#include "models/net/route.h"
#include "models/net/topology.h"
#include "models/net/transport.h"

struct cpn_engine;
struct cpn_network;

/** Most paths a multipath transfer may use (bounded so that its workspace is on the stack). */
#define CPN_NETWORK_MAX_PATHS 16

/** One transfer (parameters of cpn_network_transfer()). */
struct cpn_transfer {
    uint32_t src;                /**< source node index */
    uint32_t dst;                /**< destination node index (== src: completes at once) */
    double size;                 /**< bytes [B], finite, >= 0 */
    const struct cpn_path *path; /**< explicit path from src to dst, or NULL: shortest */
    uint32_t profile;            /**< index into the network's profile table (with the
                                      default table, the cpn_transport_kind: 0 = ideal) */
    double weight;               /**< max-min weight, > 0 (1 for plain max-min) */
    cpn_flow_done_fn *done;      /**< completion callback (may be NULL) */
    void *ctx;                   /**< passed to @c done (borrowed) */
    uint64_t id;                 /**< owner's id, passed to @c done */
    uint32_t src_site;           /**< storage site read from (its read bandwidth is a
                                      resource of the flow), or CPN_NONE; 0 is a site, so
                                      set it explicitly */
    uint32_t dst_site;           /**< storage site written to (its write bandwidth), or
                                      CPN_NONE */
    double cap;                  /**< a further per-flow cap [B/s] (a consumer's rate), or 0
                                      for none */
};

/** Read and write bandwidth of a storage site [B/s]; 0 or INFINITY = not a limit. */
struct cpn_storage_bandwidth {
    double read;  /**< [B/s], >= 0 */
    double write; /**< [B/s], >= 0 */
};

/** What cpn_network_new() needs besides the topology; every field may be left 0. */
struct cpn_network_config {
    const struct cpn_transport *profiles;      /**< the transport profiles transfers name by index,
                                                    length n_profiles (copied); NULL for the default
                                                    table: cpn_transport_default() of each
                                                    cpn_transport_kind, index = kind */
    size_t n_profiles;                         /**< length of @ref profiles */
    const struct cpn_storage_bandwidth *sites; /**< storage sites, by index, length n_sites
                                                    (copied): their bandwidths become resources
                                                    shared by the flows that read or write there */
    size_t n_sites;                            /**< length of @ref sites */
};

/**
 * Create the network of a topology.
 * @param eng engine (borrowed; outlives the network).
 * @param topo topology (borrowed; outlives the network; its links' capacities are read now).
 * @param router router over @p topo (borrowed; outlives the network).
 * @param cfg profiles and storage sites (borrowed, copied), or NULL for the defaults.
 * @param out receives the network (caller frees with cpn_network_free()).
 * @return CPN_OK; CPN_EINVAL for NULL arguments, a profile whose eta is outside (0, 1] or a
 *         negative storage bandwidth; CPN_ENOMEM.  O(links x (1 + distinct etas) + sites).
 *         Links that are down get capacity 0 (flows crossing them stall).
 */
int cpn_network_new(struct cpn_engine *eng, const struct cpn_topo *topo, struct cpn_router *router,
                    const struct cpn_network_config *cfg, struct cpn_network **out);

/** Free the network and its flows (no callbacks); accepts NULL. */
void cpn_network_free(struct cpn_network *net);

/** The fluid flow model underneath (borrowed; lives as long as the network). */
struct cpn_flownet *cpn_network_flows(struct cpn_network *net);

/** Profile @p profile of the table, or NULL for an index out of range (borrowed). */
const struct cpn_transport *cpn_network_profile(const struct cpn_network *net, uint32_t profile);

/**
 * Compute the per-flow transport cap of profile @p profile on @p path.
 * @param cap receives the cap [B/s] (INFINITY when nothing binds or the path is empty).
 * @return CPN_OK; CPN_EINVAL for NULL arguments, an unknown profile or a path not from this
 *         network's router; CPN_ESCENARIO when a lossless profile that refuses lossy hops meets
 *         a hop without flow control (the message names the link and both remedies).
 *         O(hops) the first time per (path, profile), O(1) afterwards (cached).
 */
int cpn_network_cap(struct cpn_network *net, const struct cpn_path *path, uint32_t profile,
                    double *cap);

/**
 * Break the transport limits of profile @p profile on @p path down (models/net/transport.h):
 * per-flow terms, the shared segment and eta limits, the RTT and the path loss.
 * @return as cpn_network_cap().  O(hops), not cached.
 */
int cpn_network_path_terms(struct cpn_network *net, const struct cpn_path *path, uint32_t profile,
                           struct cpn_transport_terms *terms);

/**
 * Start a transfer now.
 * @param out receives the flow handle (may be NULL).
 * @return CPN_OK; CPN_EUNREACH when no path joins src and dst (message names both nodes);
 *         CPN_EINVAL for a bad size or weight, an unknown node or profile, or a path whose ends
 *         are not src and dst; CPN_ESCENARIO as cpn_network_cap(); CPN_ENOMEM.  Side effects:
 *         starts a flow (schedules its events).
 */
int cpn_network_transfer(struct cpn_network *net, const struct cpn_transfer *t, cpn_flowh *out);

/**
 * Hint that a transfer on @p path under transport profile @p profile starts soon: the processor
 * starts fetching what cpn_network_transfer() reads first for it after the path (the path's
 * transport terms, cached per path and profile), so that the start need not wait for memory.
 * A hint only: nothing is computed or changed, and every result is the same with or without it.
 * It reads @p path's id, so it pays off when the path itself was fetched a little earlier (as
 * models/net/traffic.c does, one start ahead).  NULL arguments and a profile outside the
 * network's table are ignored; a path beyond the cache's present size fetches nothing.  No
 * errors.
 */
void cpn_network_prefetch(const struct cpn_network *net, const struct cpn_path *path,
                          uint32_t profile);

/**
 * Start a transfer split over up to @p k paths: the k shortest simple paths by latency (Yen),
 * each carrying bytes in proportion to @p ratio (length k; NULL: in proportion to the rates
 * the paths offer now, cpn_flownet_path_offer).  Each part is its own flow with the same
 * callback and id; the caller counts completions.  A part of 0 bytes is not started.
 * @param k paths wanted, 1..CPN_NETWORK_MAX_PATHS (fewer exist: fewer are used).
 * @param flows receives the handles (length k; CPN_FLOWH_NONE for unused parts; may be NULL).
 * @param n_started receives the number of flows started (the callbacks to expect).
 * @return as cpn_network_transfer(); CPN_ERANGE for k outside 1..CPN_NETWORK_MAX_PATHS.
 */
int cpn_network_transfer_multipath(struct cpn_network *net, const struct cpn_transfer *t,
                                   uint32_t k, const double *ratio, cpn_flowh *flows,
                                   uint32_t *n_started);

/**
 * Start a transfer split over the given paths (an SRv6-style policy: explicit paths and the
 * share of each), as cpn_network_transfer_multipath() does over the k shortest.
 * @param paths the paths, each from t->src to t->dst (borrowed), length n in
 *        1..CPN_NETWORK_MAX_PATHS.
 * @param ratio shares >= 0, length n (the bytes split in proportion, cpn_flow_split()), or NULL:
 *        in proportion to the rates the paths offer now (cpn_flownet_path_offer()).
 * @param flows receives the handles (length n; may be NULL).
 * @param n_started receives the number of flows started (the callbacks to expect).
 * @return as cpn_network_transfer(); CPN_ERANGE for n outside 1..CPN_NETWORK_MAX_PATHS;
 *         CPN_EINVAL for a path with other ends or a bad share.
 */
int cpn_network_transfer_split(struct cpn_network *net, const struct cpn_transfer *t,
                               const struct cpn_path *const *paths, uint32_t n, const double *ratio,
                               cpn_flowh *flows, uint32_t *n_started);

/**
 * The time transfer @p t would take alone on an empty network [s], the reference of the
 * transfer slowdown (docs/metrics.md): over one path, the one-way latency of its path plus its
 * size over the rate it would get alone, the smallest of its per-flow transport cap
 * (cpn_network_cap(), and t->cap) and the capacity of every resource it crosses (links,
 * lossless segments and eta limits at their current capacity, its storage sites): exact for
 * the fluid model.  Over @p k > 1 paths (the k shortest, as cpn_network_transfer_multipath()),
 * its size split in proportion to the paths' rates alone, the parts taken as a set started
 * together (cpn_network_ideal_time_set()), so that paths sharing an access link are not
 * counted twice.
 * @param t the transfer (its path, or the shortest; src == dst without a storage site: 0).
 * @param k paths, 1 to CPN_NETWORK_MAX_PATHS.
 * @param time receives the time [s].
 * @return CPN_OK; CPN_EINVAL for NULL arguments or an unknown profile; CPN_ERANGE for a bad
 *         @p k; CPN_EUNREACH when no path joins its ends; CPN_ESCENARIO as cpn_network_cap();
 *         CPN_ENOMEM.  O(k hops) with cached paths.  No side effect on the flows.
 */
int cpn_network_ideal_time(struct cpn_network *net, const struct cpn_transfer *t, uint32_t k,
                           double *time);

/**
 * The time a set of @p n transfers started together would take at the least on an empty
 * network [s] (the reference of a deploy's copies, docs/metrics.md): the longest of their
 * cpn_network_ideal_time() over one path each, or, when they share a resource, the shortest
 * latency plus the bytes that cross the busiest resource over its capacity, whichever is
 * larger.  Assumption: a lower bound of the makespan (no schedule moves the bytes of a shared
 * resource faster than its capacity), exact when the copies are equal and share one bottleneck
 * (e.g. the source's access link), as max-min fairness then ends them together.
 * @param t the transfers, length @p n (their paths, or the shortest).
 * @param time receives the time [s] (0 when nothing crosses a resource).
 * @return as cpn_network_ideal_time(); CPN_ENOMEM.  O(n x hops x resources crossed).
 */
int cpn_network_ideal_time_set(struct cpn_network *net, const struct cpn_transfer *t, size_t n,
                               double *time);

/**
 * Mean utilisation of every directed link since the previous call (or since the start): for
 * directed link d, (integral of load/capacity over the interval) / interval length.
 * @param util receives 2 x links values in [0, 1] (0 for a zero-length interval).
 * @param n length of @p util; must be 2 x the topology's link count.
 * @return CPN_OK; CPN_EINVAL for NULL @p util or a wrong @p n.  O(links).
 */
int cpn_network_sample(struct cpn_network *net, float *util, size_t n);

/**
 * Totals over the run so far (from time 0 to now).
 * @param link_util receives the time-mean utilisation of every directed link [1], length
 *        2 x links (may be NULL); 0 at time 0.
 * @param link_bytes receives the bytes carried summed over directed links [B] (may be NULL).
 * @param mean_util receives the mean of @p link_util over directed links [1] (may be NULL).
 * @return CPN_OK.  O(links).
 */
int cpn_network_totals(struct cpn_network *net, double *link_util, double *link_bytes,
                       double *mean_util);

/**
 * Change link @p link from now on (a timeline entry, docs/models-dynamics.md): its capacity and
 * whether it is up.  Both directions of the link, its lossless segments and its eta limits
 * follow: a link that is down carries nothing, so the flows crossing it stall (rate 0) and
 * resume when it is up again (no rerouting yet).  Assumption: the per-flow transport caps of
 * the paths (window, Mathis, go-back-N, a flow's eta share) keep the scenario's capacities;
 * only the shared limits change, and lossless segments are those of the scenario's capacities.
 * @param capacity the link's capacity when up [B/s], finite > 0.
 * @param up 1 up, 0 down.
 * @return CPN_OK; CPN_EINVAL for an unknown link or a bad capacity; CPN_ENOMEM.  O(cost of
 *         cpn_flownet_set_capacity() x (2 + 2 etas)).
 */
int cpn_network_set_link(struct cpn_network *net, uint32_t link, double capacity, int up);

/**
 * Read link @p link's state now: its capacity when up [B/s], whether it is up, and its total
 * down time since the start [s] (any argument may be NULL).
 * @return CPN_OK; CPN_EINVAL for an unknown link.  O(1).
 */
int cpn_network_link_state(const struct cpn_network *net, uint32_t link, double *capacity, int *up,
                           double *down_time);

/**
 * Reroute the flows crossing link @p link (either direction) onto the router's shortest path
 * between their ends now (docs/models-dynamics.md, "Restoration"): call it once the topology has
 * the link down (cpn_topo_set_link_up(), so that the router avoids it).  Each flow keeps its
 * handle, owner and bytes left (cpn_flow_move()); its transport profile's resources and cap are
 * those of the new path, with its storage sites kept.  A flow whose ends no path joins any more
 * stays where it is, stalled, and resumes when the link is up.  Assumption: a flow's own cap is
 * never raised by the move (fmin of the new path's cap and its cap before), and records keep
 * the path the flow started on.
 * @param moved, stalled receive the flows moved and left stalled (may be NULL).
 * @return CPN_OK; CPN_EINVAL for an unknown link; CPN_ESCENARIO as cpn_network_cap() for the
 *         new path; CPN_ENOMEM.  O(live flows x hops + moved flows x route).
 */
int cpn_network_reroute(struct cpn_network *net, uint32_t link, size_t *moved, size_t *stalled);

/**
 * Give link @p link an elastic bandwidth budget (docs/models-dynamics.md, "Elastic
 * bandwidth"): up to @p budget [B/s] may be added to its capacity on request, each grant after
 * @p setup [s], the set-up time of its layer (reference network-models.md §4.2: OCS about
 * 10 ms, OTN ODUflex about 100 ms, ROADM wavelengths 60 to 300 s).  0 budget: none (default).
 * @return CPN_OK; CPN_EINVAL for an unknown link or a negative or infinite figure.  O(1).
 */
int cpn_network_set_elastic(struct cpn_network *net, uint32_t link, double budget, double setup);

/**
 * Add a fibre span of the wavelength layer with @p wavelengths slots (models/net/optical.h;
 * docs/models-dynamics.md, "Wavelengths").
 * @param index receives its index (0, 1, ... in order of addition).
 * @return CPN_OK; CPN_EINVAL for a slot count outside 1..4096; CPN_ENOMEM.
 */
int cpn_network_add_span(struct cpn_network *net, uint32_t wavelengths, uint32_t *index);

/**
 * Carry link @p link on lightpaths over spans @p spans[0..k) (copied) of @p lambda [B/s] each:
 * its capacity is lit now as capacity / lambda lightpaths, first fit with wavelength
 * continuity, and its elastic bandwidth comes from lighting more (after @p setup [s], the
 * ROADM's: reference network-models.md §4.2, 60 to 300 s) instead of a budget.
 * @return CPN_OK; CPN_ESCENARIO when the capacity is not a whole number of wavelengths or they
 *         do not fit on the spans (the message names the link); CPN_EINVAL for an unknown link
 *         or span, no span, a span twice, a rate <= 0, a negative or infinite set-up, a link set
 *         twice; CPN_ENOMEM.
 */
int cpn_network_set_lightpaths(struct cpn_network *net, uint32_t link, const uint32_t *spans,
                               uint32_t k, double lambda, double setup);

/**
 * The spans link @p link rides: *@p spans (borrowed; NULL and *@p k = 0 when it is not on the
 * wavelength layer).
 * @return CPN_OK; CPN_EINVAL for an unknown link or NULL arguments.
 */
int cpn_network_link_spans(const struct cpn_network *net, uint32_t link, const uint32_t **spans,
                           uint32_t *k);

/**
 * Span @p span's slots: @p total, lit now @p used, most lit at once @p peak (each may be NULL).
 * @return CPN_OK; CPN_EINVAL for an unknown span.
 */
int cpn_network_span_state(const struct cpn_network *net, uint32_t span, uint32_t *total,
                           uint32_t *used, uint32_t *peak);

/** Wavelengths lit by grant @p grant (0 for an unknown grant or one on budget links only). */
uint32_t cpn_network_grant_wavelengths(const struct cpn_network *net, uint32_t grant);

/**
 * Ask for @p amount [B/s] more on every link of @p path, e.g. an ingest's "8x1Gbps".  On a link
 * with an elastic budget the amount must be left of it; on a link that rides lightpaths
 * (cpn_network_set_lightpaths()) ceil(amount / lambda) more lightpaths must find common free
 * slots on its spans (first fit), and that many whole wavelengths are added.  When every link
 * can, everything is reserved now and added to the links' capacities (shared by every flow on
 * them) after the largest set-up time of the path's links; else the request is refused
 * (*@p grant = CPN_NONE) and nothing changes.  First come, first served.  Assumption: the added
 * capacity is the link's, not the requester's alone.
 * @param grant receives the grant's id, or CPN_NONE when refused.
 * @param setup receives the set-up time [s] (may be NULL).
 * @return CPN_OK (granted or refused); CPN_EINVAL for NULL arguments or a bad amount;
 *         CPN_ENOMEM.  O(hops^2 + wavelengths x slots x spans).
 */
int cpn_network_request_bandwidth(struct cpn_network *net, const struct cpn_path *path,
                                  double amount, uint32_t *grant, double *setup);

/**
 * Give back grant @p grant: its bandwidth leaves the links now (or its set-up is cancelled),
 * its wavelengths go dark.
 * @return CPN_OK; CPN_EINVAL for an unknown or released grant; CPN_ENOMEM.
 */
int cpn_network_release_bandwidth(struct cpn_network *net, uint32_t grant);

/** The topology the network was made from (borrowed). */
const struct cpn_topo *cpn_network_topology(const struct cpn_network *net);

/** Number of directed links (2 x the topology's links): the length of utilisation arrays. */
size_t cpn_network_dlinks(const struct cpn_network *net);

#endif /* CPN_MODELS_NET_NETWORK_H */
