/**
 * @file models/net/route.h
 * @brief Routes over a topology: shortest path by latency, k shortest simple paths (Yen),
 *        ECMP sets and explicit (loose source-routed) paths.
 *
 * A path is a sequence of **directed link ids** (models/net/topology.h: d = 2*l + dir) with its
 * one-way latency (sum of link latencies [s]) and hop count.  Links that are down are never
 * used.  Cost = latency only (capacity plays no part).
 *
 * Paths are interned by the router: each distinct link sequence gets one dense path id
 * (0, 1, 2, ... in order of first computation), and the `struct cpn_path` behind an id is
 * immutable and lives until cpn_router_free(), so flows may keep `const struct cpn_path *`
 * pointers and the trace may store path ids.  Shortest paths come from **route trees**: the
 * first query from a source builds its whole shortest-path tree (one Dijkstra), which then
 * answers every destination (a path is walked and interned once, then found by direct index);
 * the trees hold at most 64 MiB (beyond, all are dropped and rebuilt as asked).  k-shortest
 * and ECMP results are cached per (src, dst, kind, k).  Trees and cache are dropped when the
 * topology version changes (a link added, brought up or down: cpn_topo_set_link_up()) or on
 * cpn_router_invalidate().  Recomputing the same path after a drop returns the same path id.
 * Measured (tests/bench/bench_routes.c, 754-node graph): 89,700 pairs in 0.054 s, 14.6x
 * faster than a Dijkstra per pair; all 567,762 pairs in 0.24 s.
 *
 * Deterministic tie-break (shortest path): Dijkstra settles nodes in increasing (distance,
 * node index) order and scans each node's directed links in increasing id order.  Two
 * candidate distances are "equal" when they differ by at most CPN_ROUTE_TOLERANCE relative
 * (plus CPN_ROUTE_TOLERANCE_ABS).  Among equal-cost predecessors of a node, the one with the
 * smallest node index wins, then the smallest directed link id.  With strictly positive
 * latencies this means: every node's predecessor on the returned path is the smallest-index
 * node among all its shortest-path predecessors.  (With zero-latency links, a predecessor
 * settled after the node cannot replace the one chosen before.)
 *
 * The router borrows the topology, which must outlive it.  Not thread-safe (one router per
 * thread; they may share a topology that nobody modifies).
 *
 * Sources: E. W. Dijkstra, "A note on two problems in connexion with graphs", Numerische
 * Mathematik 1:269-271, 1959 (with a binary heap: O((V + E) log V)); J. Y. Yen, "Finding the
 * K shortest loopless paths in a network", Management Science 17(11):712-716, 1971;
 * ECMP: RFC 2992 (Analysis of an Equal-Cost Multi-Path Algorithm, 2000); loose source routing:
 * RFC 8402 §4 (Segment Routing: a segment list of nodes, each reached by the shortest path)
 * and RFC 8986 (SRv6).
 */
#ifndef CPN_MODELS_NET_ROUTE_H
#define CPN_MODELS_NET_ROUTE_H

#include <stdint.h>

#include "models/net/topology.h"

/**
 * Relative tolerance under which two path latencies are equal (tie-break and ECMP)
 * [dimensionless].  Assumption: 1e-9 absorbs floating-point summation order (sums of < 1e4
 * terms of relative error 1.1e-16 each) while no two engineered latencies differ by that little.
 */
#define CPN_ROUTE_TOLERANCE 1e-9

/** Absolute tolerance added to CPN_ROUTE_TOLERANCE [s]: 1 ps, far below any link latency. */
#define CPN_ROUTE_TOLERANCE_ABS 1e-12

/** An immutable path (interned by the router). */
struct cpn_path {
    uint32_t id;       /**< path id, dense per router */
    uint32_t src;      /**< source node index */
    uint32_t dst;      /**< destination node index */
    uint32_t hops;     /**< number of directed links (0 when src == dst) */
    double latency;    /**< one-way latency [s]: sum of the links' latencies, plus half of
                            each end node's equipment delay (the links hold the rest; see
                            cpn_topo_set_node_delay()) */
    uint32_t dlinks[]; /**< directed link ids, @c hops of them, from src to dst */
};

/** A router with its route cache and workspace (opaque). */
struct cpn_router;

/**
 * Create a router over a topology.
 * @param t the topology (borrowed; must outlive the router; may grow afterwards).
 * @return the router (caller frees with cpn_router_free()), or NULL when out of memory or
 *   @p t is NULL.
 */
struct cpn_router *cpn_router_new(const struct cpn_topo *t);

/** Free a router and every path it interned.  Accepts NULL. */
void cpn_router_free(struct cpn_router *r);

/**
 * Drop the route cache now (paths and their ids stay valid).  Routers also drop it by
 * themselves when cpn_topo_version() changes.
 */
void cpn_router_invalidate(struct cpn_router *r);

/**
 * Return the shortest path by latency from @p src to @p dst (tie-break: file comment).
 * @param r the router.
 * @param src, dst node indices (src == dst gives the empty path of 0 hops, 0 s).
 * @param out receives the path (owned by the router, valid until cpn_router_free()).
 * @return CPN_OK; CPN_EUNREACH when no path of up links joins them (message names both node
 *   ids); CPN_EINVAL for a bad node index or NULL argument; CPN_ENOMEM.
 *   O((V + E) log V) for the first query from @p src (its route tree), then O(hops) for the
 *   first query of a pair and O(1) for the next ones.
 */
int cpn_route_shortest(struct cpn_router *r, uint32_t src, uint32_t dst,
                       const struct cpn_path **out);

/**
 * Return up to @p k shortest simple (loopless) paths by Yen's algorithm, in increasing
 * latency; equal latencies (within CPN_ROUTE_TOLERANCE) are ordered by fewer hops, then by
 * the lexicographically smaller directed-link sequence.  The first path is cpn_route_shortest().
 * @param r the router.
 * @param src, dst node indices (src == dst gives one path: the empty one, as
 *   cpn_route_shortest()).
 * @param k number of paths wanted, >= 1.
 * @param paths receives an array of @p *n path pointers (the array is owned by the router and
 *   valid until the next cpn_route_* call on @p r; the paths themselves until
 *   cpn_router_free()).
 * @param n receives the number of paths found, 1 <= n <= k (fewer when fewer simple paths exist).
 * @return CPN_OK; CPN_EUNREACH when no path exists; CPN_EINVAL for bad indices, k == 0 or
 *   NULL arguments; CPN_ENOMEM.
 *   O(k V (V + E) log V) on a cache miss.
 */
int cpn_route_k_shortest(struct cpn_router *r, uint32_t src, uint32_t dst, uint32_t k,
                         const struct cpn_path *const **paths, uint32_t *n);

/**
 * Return the ECMP set: all shortest paths whose latency is within CPN_ROUTE_TOLERANCE of the
 * minimum, at most @p max_paths of them, in lexicographic order of their directed-link
 * sequences (depth-first, links in increasing id order).  Paths are simple.
 * @param r the router.
 * @param src, dst node indices (src == dst gives the empty path only).
 * @param max_paths bound on the set size, >= 1 (e.g. 16 or 64 as in common router ECMP
 *   limits; the enumeration stops there).
 * @param paths, n as in cpn_route_k_shortest().
 * @return CPN_OK; CPN_EUNREACH; CPN_EINVAL for bad indices, max_paths == 0 or NULL
 *   arguments; CPN_ENOMEM.  O((V + E) log V + max_paths V) on a cache miss.
 */
int cpn_route_ecmp(struct cpn_router *r, uint32_t src, uint32_t dst, uint32_t max_paths,
                   const struct cpn_path *const **paths, uint32_t *n);

/**
 * Return the shortest path from @p src to @p dst that hop-by-hop ECMP forwarding takes for a
 * flow of hash @p hash, as a switch does (RFC 2992 hash-threshold, with a per-node seed so
 * successive hops do not choose alike): at each node u, the candidates are its up directed
 * links d = (u, v) on a shortest path to @p dst (dist(v) + latency(d) equal to dist(u) within
 * CPN_ROUTE_TOLERANCE; distances to @p dst, links being symmetric), in increasing id order, and
 * the flow takes candidate number
 *
 *     cpn_route_ecmp_pick(hash, u) mod (number of candidates)
 *
 * The path is among cpn_route_ecmp()'s set; with a single shortest path it is that path.
 * Assumption: at most the first 64 candidates of a node are used (router ECMP tables hold 16
 * to 64 next hops).
 * @param r the router.
 * @param src, dst node indices (src == dst: the empty path).
 * @param hash the flow's hash (e.g. cpn_route_flow_hash() of its id).
 * @param out receives the path (interned; valid until cpn_router_free()).
 * @return CPN_OK; CPN_EUNREACH when no path joins them; CPN_EINVAL for bad indices or NULL;
 *   CPN_ENOMEM.  O((V + E) log V) for the first query to @p dst (its distances are kept), then
 *   O(hops x degree).
 */
int cpn_route_ecmp_hash(struct cpn_router *r, uint32_t src, uint32_t dst, uint64_t hash,
                        const struct cpn_path **out);

/**
 * The hash of a flow id for cpn_route_ecmp_hash(): 64-bit FNV-1a over the id's bytes
 * (offset basis 14695981039346656037, prime 1099511628211; Fowler, Noll & Vo).
 */
uint64_t cpn_route_flow_hash(const char *id);

/**
 * The value a node @p u draws from a flow hash @p hash (the choice among ECMP candidates is
 * it modulo their number): splitmix64's finaliser (Steele, Lea & Flood, OOPSLA 2014) of
 * hash XOR (u + 1) x 0x9e3779b97f4a7c15.
 */
static inline uint64_t cpn_route_ecmp_pick(uint64_t hash, uint32_t u)
{
    uint64_t z = hash ^ ((uint64_t)u + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/**
 * Build an explicit path through a list of nodes by loose source routing (RFC 8402 §4, SRv6
 * loose segments): between consecutive listed nodes the shortest path of up links is taken
 * (a direct link when it is the shortest).  The result must not use the same directed link
 * twice.
 * @param r the router.
 * @param nodes the node indices, @p count of them (borrowed), count >= 2, no two consecutive
 *   equal.
 * @param count number of nodes.
 * @param out receives the path (valid until cpn_router_free()).
 * @return CPN_OK; CPN_EUNREACH when a segment has no path (message names both nodes);
 *   CPN_ESCENARIO when two consecutive nodes are equal or the path uses a directed link
 *   twice; CPN_EINVAL for bad indices, count < 2 or NULL arguments; CPN_ENOMEM.
 *   O(count (V + E) log V).
 */
int cpn_route_explicit(struct cpn_router *r, const uint32_t *nodes, uint32_t count,
                       const struct cpn_path **out);

/**
 * Build an explicit path from a blank-separated list of node ids ("shanghai guangzhou
 * ningxia"), as cpn_route_explicit().
 * @param r the router.
 * @param text the list (borrowed).
 * @param out receives the path.
 * @return as cpn_route_explicit(); also CPN_ESCENARIO for an unknown node id
 *   (`path "a b": unknown node "b"`) or fewer than two ids.
 */
int cpn_route_explicit_ids(struct cpn_router *r, const char *text, const struct cpn_path **out);

/**
 * Return an interned path by id.
 * @param r the router.
 * @param id path id < cpn_route_path_count().
 * @return the path, or NULL for an unknown id.
 */
const struct cpn_path *cpn_route_path(const struct cpn_router *r, uint32_t id);

/**
 * Hint that path @p id will be read soon: the processor starts fetching it (its header and
 * first links).  A hint only: nothing changes, every result is the same.  NULL or an unknown
 * id: nothing.  No errors.
 */
void cpn_route_prefetch(const struct cpn_router *r, uint32_t id);

/** Return the number of distinct paths interned so far (path ids are 0 .. count-1). */
uint32_t cpn_route_path_count(const struct cpn_router *r);

#endif /* CPN_MODELS_NET_ROUTE_H */
