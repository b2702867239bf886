/**
 * @file models/net/topology.h
 * @brief The network: nodes (optionally geolocated) and full-duplex links.
 *
 * Nodes and links are dense `uint32_t` indices in the order they were added; each has a string
 * id owned by the topology and found by id in O(1) expected time (hash table).
 *
 * A link joins nodes a and b and is full duplex: each direction is its own capacity constraint.
 * **Directed links** are numbered `d = 2*l + dir` with dir 0 = a->b and dir 1 = b->a
 * (cpn_topo_dlink() and friends); the flow model and the router use directed link ids only.
 *
 * One-way latency of a link is, in order of preference (DESIGN.md §4.1):
 *  1. the explicit latency given by the caller;
 *  2. length x CPN_FIBRE_DELAY (4.9 us/km) when a fibre length is given;
 *  3. great-circle distance of the endpoints x route factor (default CPN_ROUTE_FACTOR = 1.5)
 *     x CPN_FIBRE_DELAY when both endpoints have coordinates;
 *  otherwise adding the link fails.
 *
 * Every validation error is CPN_ESCENARIO with a message (cpn_error_message()) that names the
 * entity, the bad value (in SI units) and what is accepted; the scenario loader prefixes
 * `file:line`.  The topology is not thread-safe; readers may share it while nobody writes.
 *
 * This header includes no libxml2 (models/ layer).
 */
#ifndef CPN_MODELS_NET_TOPOLOGY_H
#define CPN_MODELS_NET_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>

/**
 * Mean Earth radius [m]: R1 = 6371.0088 km of the IUGG (Moritz, "Geodetic Reference System
 * 1980", Bulletin Géodésique 54:395-405, 1980; mean radius R1 = (2a + b)/3 of WGS 84).
 */
#define CPN_EARTH_RADIUS 6371008.8

/**
 * One-way propagation delay of optical fibre [s/m]: 4.9 us/km, i.e. c / n with group index
 * n ~ 1.468 of standard single-mode fibre (ITU-T G.652); shared/reference/network-models.md §6.1.
 */
#define CPN_FIBRE_DELAY 4.9e-9

/**
 * Default route factor (fibre length / great-circle distance) [dimensionless]: 1.5, after
 * MIIT et al., 算力基础设施高质量发展行动计划 (2023): direct links between hub clusters "not
 * above 1.5x the theoretical latency"; network-models.md §6.1.  Assumption: applied to every
 * link whose length is derived from coordinates (measured routes can be longer: Shanghai-
 * Zhongwei is ~2.0).
 */
#define CPN_ROUTE_FACTOR 1.5

/** Default MTU [B]: Ethernet payload, IEEE 802.3 (1500 B). */
#define CPN_DEFAULT_MTU 1500u

/** Link kinds (DESIGN.md §4.1). */
enum cpn_link_kind {
    CPN_LINK_IP,      /**< WAN IP link */
    CPN_LINK_OPTICAL, /**< a wavelength or OTN channel */
    CPN_LINK_RDMA,    /**< lossless RDMA segment */
    CPN_LINK_DC,      /**< intra-center fabric */
    CPN_LINK_NKINDS   /**< number of kinds (not a kind) */
};

/** Flow-control mode of a link. */
enum cpn_flow_control {
    CPN_FC_NONE,   /**< lossy: drops when the buffer is full */
    CPN_FC_PFC,    /**< priority flow control, IEEE 802.1Qbb (pause frames) */
    CPN_FC_CREDIT, /**< credit-based (InfiniBand CBFC, OTN lossless flow control) */
    CPN_FC_NMODES  /**< number of modes (not a mode) */
};

/** A node.  Read-only for users (cpn_topo_node()). */
struct cpn_node {
    const char *id; /**< unique id (owned by the topology) */
    double lat;     /**< latitude [degree], -90..90; NaN when has_coords is 0 */
    double lon;     /**< longitude [degree], -180..180; NaN when has_coords is 0 */
    int has_coords; /**< nonzero when lat/lon are set */
    double delay;   /**< equipment delay of the node (routers, OTN/ROADM equipment) [s], >= 0,
                         paid once by every path through or from or to the node (see
                         cpn_topo_set_node_delay()) */
};

/** A full-duplex link.  Read-only for users (cpn_topo_link()); change it through the API. */
struct cpn_link {
    const char *id;                     /**< unique id (owned by the topology) */
    uint32_t a;                         /**< first endpoint (node index); direction 0 is a->b */
    uint32_t b;                         /**< second endpoint (node index), != a */
    enum cpn_link_kind kind;            /**< ip, optical, rdma or dc */
    double capacity;                    /**< capacity per direction [B/s], > 0 */
    double latency;                     /**< one-way propagation delay [s], >= 0 */
    double length;                      /**< fibre length [m]: given, or derived from the
                                             coordinates (great circle x route factor); NaN
                                             when the latency was given and no length */
    double buffer;                      /**< buffer per direction [B], >= 0; 0 = not given */
    double loss;                        /**< packet loss probability, in [0, 1) */
    enum cpn_flow_control flow_control; /**< none, pfc or credit */
    uint32_t mtu;                       /**< maximum transmission unit [B], > 0 */
    int up;                             /**< nonzero when the link is up (usable) */
};

/**
 * What the caller knows about a new link; fill with cpn_link_spec_init() first, then set
 * fields.  Strings are borrowed for the duration of cpn_topo_add_link() only (copied).
 */
struct cpn_link_spec {
    const char *id;                     /**< link id, non-empty, unique among links */
    const char *a;                      /**< id of the first endpoint (an existing node) */
    const char *b;                      /**< id of the second endpoint, != a */
    enum cpn_link_kind kind;            /**< default CPN_LINK_IP */
    double capacity;                    /**< per direction [B/s], must be > 0; default NaN
                                             (must be set) */
    double latency;                     /**< one-way [s], >= 0, or NaN (default) = derive */
    double length;                      /**< fibre length [m], >= 0, or NaN (default) = none */
    double route_factor;                /**< fibre/great-circle ratio, >= 1, used only when
                                             the latency comes from coordinates; default
                                             CPN_ROUTE_FACTOR */
    double fibre_delay;                 /**< one-way fibre delay [s/m], > 0, used when the
                                             latency comes from a length or coordinates;
                                             default CPN_FIBRE_DELAY */
    double buffer;                      /**< per direction [B], >= 0; default 0 = not given */
    double loss;                        /**< loss probability in [0, 1); default 0 */
    enum cpn_flow_control flow_control; /**< default CPN_FC_NONE */
    uint32_t mtu;                       /**< [B], > 0; default CPN_DEFAULT_MTU */
    int up;                             /**< initial state; default 1 (up) */
};

/** A topology (opaque). */
struct cpn_topo;

/**
 * Create an empty topology.
 * @return the topology (caller frees with cpn_topo_free()), or NULL when out of memory.
 */
struct cpn_topo *cpn_topo_new(void);

/** Free a topology and every id string it owns.  Accepts NULL. */
void cpn_topo_free(struct cpn_topo *t);

/**
 * Set a link spec to the defaults listed in struct cpn_link_spec (ids NULL, capacity NaN).
 * @param s the spec (caller-owned storage).
 */
void cpn_link_spec_init(struct cpn_link_spec *s);

/**
 * Add a node.
 * @param t the topology.
 * @param id the node id, non-empty (borrowed; copied).
 * @param lat latitude [degree] in [-90, 90], or NaN for "no coordinates".
 * @param lon longitude [degree] in [-180, 180], or NaN; lat and lon are both NaN or both set.
 * @param out receives the node index (may be NULL).
 * @return CPN_OK; CPN_ESCENARIO when @p id is empty or already a node (`node "x" is defined
 *   twice`), when a coordinate is out of range or only one of the two is given;
 *   CPN_ENOMEM; CPN_EINVAL when @p t or @p id is NULL.  O(1) amortised.
 */
int cpn_topo_add_node(struct cpn_topo *t, const char *id, double lat, double lon, uint32_t *out);

/**
 * Add a link, deriving its latency as described in the file comment.
 * Increments the topology version (cpn_topo_version()).
 * @param t the topology.
 * @param spec what is known about the link (borrowed).
 * @param out receives the link index (may be NULL).
 * @return CPN_OK; CPN_ESCENARIO when the id is empty or already a link, an endpoint is not a
 *   node, a == b (self-link), capacity is not > 0 (or NaN), latency or length is negative or
 *   infinite, route factor < 1, buffer negative, loss outside [0, 1), mtu 0, kind or
 *   flow-control mode out of range, or when neither latency, length nor both endpoints'
 *   coordinates are available (`link "x": no latency, length or endpoint coordinates`);
 *   CPN_ENOMEM; CPN_EINVAL when an argument is NULL.  O(1) amortised.
 * Sources of the derived latency: see CPN_FIBRE_DELAY, CPN_ROUTE_FACTOR,
 * cpn_topo_great_circle().  The link's latency also holds half of each end node's equipment
 * delay (cpn_topo_set_node_delay()).  A fibre delay that is not > 0 is CPN_ESCENARIO.
 */
int cpn_topo_add_link(struct cpn_topo *t, const struct cpn_link_spec *spec, uint32_t *out);

/**
 * Set or clear a node's coordinates.  Does not recompute the latency of links already added.
 * @param t the topology.
 * @param node node index < cpn_topo_node_count().
 * @param lat, lon as in cpn_topo_add_node().
 * @return CPN_OK; CPN_ESCENARIO for out-of-range coordinates; CPN_EINVAL for a bad index.
 */
int cpn_topo_set_node_coords(struct cpn_topo *t, uint32_t node, double lat, double lon);

/**
 * Set a node's equipment delay (routers, OTN and ROADM equipment on the way) [s].  A path of
 * nodes n0 .. nk pays every node's delay once: each link carries half of each end's delay in
 * its latency (so routes by latency see them, links added later included) and the router adds
 * the halves of the path's two ends (models/net/route.h).  Source: the field RTT of 33 ms over
 * ~3000 km of fibre (29.4 ms at 4.9 us/km) is fibre plus equipment (reference §2.4, §6.1).
 * Increments the topology version.
 * @param delay [s], finite, >= 0.
 * @return CPN_OK; CPN_ESCENARIO for a negative or non-finite delay; CPN_EINVAL for a bad index.
 *         O(degree of the node).
 */
int cpn_topo_set_node_delay(struct cpn_topo *t, uint32_t node, double delay);

/**
 * Bring a link up or down.  When the state changes, increments the topology version so that
 * routers drop their cached routes (models/net/route.h).
 * @param t the topology.
 * @param link link index < cpn_topo_link_count().
 * @param up nonzero for up.
 * @return CPN_OK; CPN_EINVAL for a bad index.
 */
int cpn_topo_set_link_up(struct cpn_topo *t, uint32_t link, int up);

/**
 * Change a link's capacity (elastic bandwidth).  Routing ignores capacity, so the version
 * does not change.
 * @param t the topology.
 * @param link link index.
 * @param capacity new capacity per direction [B/s], > 0.
 * @return CPN_OK; CPN_ESCENARIO when capacity is not > 0 or not finite; CPN_EINVAL for a
 *   bad index.
 */
int cpn_topo_set_link_capacity(struct cpn_topo *t, uint32_t link, double capacity);

/** Return the number of nodes. */
uint32_t cpn_topo_node_count(const struct cpn_topo *t);

/** Return the number of links (the number of directed links is twice this). */
uint32_t cpn_topo_link_count(const struct cpn_topo *t);

/**
 * Return a node.
 * @param t the topology.
 * @param node index < cpn_topo_node_count() (checked with CPN_ASSERT).
 * @return a pointer valid until the next cpn_topo_add_node() or cpn_topo_free().
 */
const struct cpn_node *cpn_topo_node(const struct cpn_topo *t, uint32_t node);

/**
 * Return a link.
 * @param t the topology.
 * @param link index < cpn_topo_link_count() (checked with CPN_ASSERT).
 * @return a pointer valid until the next cpn_topo_add_link() or cpn_topo_free().
 */
const struct cpn_link *cpn_topo_link(const struct cpn_topo *t, uint32_t link);

/**
 * Find a node by id.
 * @return the node index, or CPN_NONE when there is none (or @p id is NULL).  O(1) expected.
 */
uint32_t cpn_topo_find_node(const struct cpn_topo *t, const char *id);

/**
 * Find a link by id.
 * @return the link index, or CPN_NONE when there is none (or @p id is NULL).  O(1) expected.
 */
uint32_t cpn_topo_find_link(const struct cpn_topo *t, const char *id);

/**
 * Return the directed links leaving a node, in increasing directed-link id order (links that
 * are down are included; check cpn_topo_link()->up).
 * @param t the topology.
 * @param node node index.
 * @param count receives the number of directed links.
 * @return an array of @p *count directed link ids, valid until the next cpn_topo_add_link().
 */
const uint32_t *cpn_topo_out_dlinks(const struct cpn_topo *t, uint32_t node, size_t *count);

/**
 * Return the structure version: incremented by every node or link addition and by every
 * up/down change.  Routers compare it to drop stale caches.
 */
uint64_t cpn_topo_version(const struct cpn_topo *t);

/** Return the directed link id of link @p link in direction @p dir (0 = a->b, 1 = b->a). */
static inline uint32_t cpn_topo_dlink(uint32_t link, unsigned dir)
{
    return 2u * link + (dir & 1u);
}

/** Return the (undirected) link index of directed link @p dlink. */
static inline uint32_t cpn_topo_dlink_link(uint32_t dlink)
{
    return dlink >> 1;
}

/** Return the direction of directed link @p dlink: 0 = a->b, 1 = b->a. */
static inline unsigned cpn_topo_dlink_dir(uint32_t dlink)
{
    return dlink & 1u;
}

/** Return the directed link in the opposite direction on the same link. */
static inline uint32_t cpn_topo_dlink_reverse(uint32_t dlink)
{
    return dlink ^ 1u;
}

/** Return the node a directed link leaves (a for dir 0, b for dir 1). */
uint32_t cpn_topo_dlink_from(const struct cpn_topo *t, uint32_t dlink);

/** Return the node a directed link enters (b for dir 0, a for dir 1). */
uint32_t cpn_topo_dlink_to(const struct cpn_topo *t, uint32_t dlink);

/**
 * Return the great-circle distance between two points by the haversine formula on a sphere
 * of radius CPN_EARTH_RADIUS (R. W. Sinnott, "Virtues of the Haversine", Sky and Telescope
 * 68(2):159, 1984).
 * Approximation: the sphere differs from the WGS 84 ellipsoid by up to ~0.5% in distance.
 * @param lat1, lon1, lat2, lon2 coordinates [degree].
 * @return the distance [m].
 */
double cpn_topo_great_circle(double lat1, double lon1, double lat2, double lon2);

/** Return the name of a link kind ("ip", "optical", "rdma", "dc"), or "?" when out of range. */
const char *cpn_link_kind_name(enum cpn_link_kind kind);

/**
 * Find a link kind by name.
 * @param name "ip", "optical", "rdma" or "dc".
 * @param out receives the kind.
 * @return CPN_OK; CPN_ESCENARIO for an unknown name (message lists the accepted ones).
 */
int cpn_link_kind_parse(const char *name, enum cpn_link_kind *out);

/** Return the name of a flow-control mode ("none", "pfc", "credit"), or "?". */
const char *cpn_flow_control_name(enum cpn_flow_control mode);

/**
 * Find a flow-control mode by name.
 * @param name "none", "pfc" or "credit".
 * @param out receives the mode.
 * @return CPN_OK; CPN_ESCENARIO for an unknown name (message lists the accepted ones).
 */
int cpn_flow_control_parse(const char *name, enum cpn_flow_control *out);

#endif /* CPN_MODELS_NET_TOPOLOGY_H */
