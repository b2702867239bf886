/**
 * @file scenarios/graphml.h
 * @brief Import an Internet Topology Zoo GraphML file into a topology.
 *
 * Source of the format and data: Knight et al., "The Internet Topology Zoo", IEEE JSAC
 * 29(9):1765-1775, 2011 (CC BY 4.0); GraphML primer, http://graphml.graphdrawing.org/.
 *
 * What is read: `<key>` declarations (their ids are resolved through attr.name and for=,
 * never assumed), nodes with "label", "Latitude", "Longitude" [degree], and edges with
 * "LinkSpeedRaw" [bit/s] (capacity = LinkSpeedRaw / 8 B/s; edges without it get the default
 * capacity of the options) and "LinkLabel" (not interpreted: in the Zoo it is a map colour or a
 * free text such as "OC-192c"; it is quoted in messages).  Everything else is ignored.
 *
 * Import rules, in order:
 *  - Node ids in the topology are the labels, prefixed by options.id_prefix when set.
 *    Duplicate labels are made unique in file order: the second "Shijiazhuang" becomes
 *    "Shijiazhuang-2", the third "-3" (skipping suffixes already used); each renaming is a
 *    warning.  A node without a label uses its GraphML id.
 *  - Coordinates: an override from options.lookup (the scenario's `<node>` elements with the
 *    same id) replaces the file's coordinates, which fixes the Zoo's known geocoding mistakes
 *    (Chinanet "Hong Kong" at 30.13 N 100.52 E; Cernet "Chengdou" at 25.71 N 116.98 E:
 *    shared/reference/network-models.md §7).  A node that has no coordinates after that is
 *    dropped with a warning when options.drop_unplaced is set, else it is an error.
 *  - Edges touching a dropped node are dropped (one warning each).  Self-loops are dropped
 *    with a warning.  Parallel edges between the same two nodes are merged into one link whose
 *    capacity is the sum of theirs.
 *  - Link ids are "A--B" with A, B the node ids in the order of the first edge's source and
 *    target.  Latency comes from the endpoints' coordinates: great circle x route factor x
 *    4.9 us/km (models/net/topology.h).  Other link fields come from options.link.
 *
 * Parsing uses libxml2 with XML_PARSE_NONET | XML_PARSE_BIG_LINES, no entity substitution and
 * no DTD loading.  Every problem is reported into the diagnostic sink with the GraphML file
 * name and line (xmlGetLineNo), and the import goes on to report all of them.
 */
#ifndef CPN_SCENARIOS_GRAPHML_H
#define CPN_SCENARIOS_GRAPHML_H

#include <stdint.h>

#include "models/net/topology.h"
#include "sim/diag.h"

/**
 * Look up coordinates the scenario gives for a node id.
 * @param ctx options.lookup_ctx.
 * @param id the node id as it will be in the topology (after prefix and uniquifying).
 * @param lat, lon receive the coordinates [degree] when found.
 * @return nonzero when the scenario defines coordinates for @p id, else 0.
 */
typedef int cpn_graphml_lookup_fn(void *ctx, const char *id, double *lat, double *lon);

/** Import options; fill with cpn_graphml_options_init(), then set fields. */
struct cpn_graphml_options {
    struct cpn_link_spec link;     /**< template of every imported link: kind, capacity
                                        [B/s] for edges without LinkSpeedRaw, route factor,
                                        buffer, loss, flow control, MTU, up (id, a, b,
                                        latency and length are ignored) */
    const char *id_prefix;         /**< prefix of every node id (borrowed), NULL = none */
    int drop_unplaced;             /**< nonzero: drop nodes without coordinates (warning);
                                        0: they are errors */
    cpn_graphml_lookup_fn *lookup; /**< coordinate overrides, NULL = none */
    void *lookup_ctx;              /**< passed to @c lookup (borrowed) */
};

/** What an import did (counts, for messages and tests). */
struct cpn_graphml_stats {
    uint32_t nodes_read;       /**< `<node>` elements in the file */
    uint32_t nodes_added;      /**< nodes added to the topology */
    uint32_t nodes_dropped;    /**< nodes dropped for lack of coordinates */
    uint32_t nodes_overridden; /**< nodes whose coordinates came from the lookup */
    uint32_t nodes_renamed;    /**< nodes whose label was made unique */
    uint32_t edges_read;       /**< `<edge>` elements in the file */
    uint32_t edges_dropped;    /**< edges dropped (dropped endpoint or self-loop) */
    uint32_t edges_merged;     /**< edges merged into an earlier parallel edge */
    uint32_t edges_default;    /**< kept edges without LinkSpeedRaw (default capacity) */
    uint32_t links_added;      /**< links added to the topology */
};

/**
 * Set options to the defaults: link = cpn_link_spec_init() (capacity NaN: must be set by the
 * caller), no prefix, drop_unplaced 0, no lookup.
 * @param o the options (caller-owned).
 */
void cpn_graphml_options_init(struct cpn_graphml_options *o);

/**
 * Import a GraphML file into @p t (nodes and links are appended).
 * @param t the topology to extend.
 * @param path the GraphML file, as the user gave it (borrowed; used in messages).
 * @param opt import options (borrowed).
 * @param diag sink for located errors and warnings (borrowed).
 * @param stats receives the counts (may be NULL); filled also on error.
 * @return CPN_OK; CPN_ENOINPUT when the file cannot be read (reported to @p diag);
 *   CPN_ESCENARIO when the file is not well-formed GraphML or any error was reported (an
 *   unplaced node without drop_unplaced, a bad LinkSpeedRaw or coordinate, a duplicate id with
 *   an existing node, an edge to an unknown node, the default capacity being needed but not
 *   set); CPN_EINVAL for NULL arguments; CPN_ENOMEM.  After an error @p t may hold part of the
 *   import: the caller discards it.  O(file size + nodes + edges) expected.
 */
int cpn_graphml_import(struct cpn_topo *t, const char *path, const struct cpn_graphml_options *opt,
                       struct cpn_diag *diag, struct cpn_graphml_stats *stats);

#endif /* CPN_SCENARIOS_GRAPHML_H */
