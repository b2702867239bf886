/* The network: nodes, full-duplex links, id lookup, geography.  See models/net/topology.h. */
#include "models/net/topology.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/array.h"
#include "sim/idmap.h"
#include "sim/error.h"

/* ------------------------------------------------------------------------------------------ */

typedef CPN_ARRAY(uint32_t) cpn_u32_array;

struct cpn_topo {
    CPN_ARRAY(struct cpn_node) nodes;
    CPN_ARRAY(struct cpn_link) links;
    CPN_ARRAY(cpn_u32_array) out; /* per node: outgoing directed links, increasing id */
    struct cpn_idmap node_ids;
    struct cpn_idmap link_ids;
    uint64_t version;
};

static const char *const kind_names[CPN_LINK_NKINDS] = {"ip", "optical", "rdma", "dc"};
static const char *const fc_names[CPN_FC_NMODES] = {"none", "pfc", "credit"};

struct cpn_topo *cpn_topo_new(void)
{
    return calloc(1, sizeof(struct cpn_topo));
}

void cpn_topo_free(struct cpn_topo *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nodes.len; i++)
        free((char *)t->nodes.items[i].id);
    for (size_t i = 0; i < t->links.len; i++)
        free((char *)t->links.items[i].id);
    for (size_t i = 0; i < t->out.len; i++)
        cpn_array_release(&t->out.items[i]);
    cpn_array_release(&t->nodes);
    cpn_array_release(&t->links);
    cpn_array_release(&t->out);
    cpn_idmap_release(&t->node_ids);
    cpn_idmap_release(&t->link_ids);
    free(t);
}

void cpn_link_spec_init(struct cpn_link_spec *s)
{
    memset(s, 0, sizeof *s);
    s->kind = CPN_LINK_IP;
    s->capacity = NAN;
    s->latency = NAN;
    s->length = NAN;
    s->route_factor = CPN_ROUTE_FACTOR;
    s->fibre_delay = CPN_FIBRE_DELAY;
    s->buffer = 0;
    s->loss = 0;
    s->flow_control = CPN_FC_NONE;
    s->mtu = CPN_DEFAULT_MTU;
    s->up = 1;
}

static int check_coords(const char *id, double lat, double lon)
{
    if (isnan(lat) != isnan(lon))
        return CPN_ERROR(CPN_ESCENARIO, "node \"%s\": %s given without %s (give both or neither)",
                         id, isnan(lat) ? "longitude" : "latitude",
                         isnan(lat) ? "latitude" : "longitude");
    if (isnan(lat))
        return CPN_OK;
    if (!(lat >= -90.0 && lat <= 90.0))
        return CPN_ERROR(CPN_ESCENARIO,
                         "node \"%s\": latitude %g is out of range (use -90 to 90 degrees)", id,
                         lat);
    if (!(lon >= -180.0 && lon <= 180.0))
        return CPN_ERROR(CPN_ESCENARIO,
                         "node \"%s\": longitude %g is out of range (use -180 to 180 degrees)", id,
                         lon);
    return CPN_OK;
}

int cpn_topo_add_node(struct cpn_topo *t, const char *id, double lat, double lon, uint32_t *out)
{
    if (!t || !id)
        return CPN_ERROR(CPN_EINVAL, "cpn_topo_add_node: NULL argument");
    if (!*id)
        return CPN_ERROR(CPN_ESCENARIO, "node id is empty");
    if (cpn_idmap_find(&t->node_ids, id) != CPN_NONE)
        return CPN_ERROR(CPN_ESCENARIO, "node \"%s\" is defined twice", id);
    int rc = check_coords(id, lat, lon);
    if (rc != CPN_OK)
        return rc;
    if (t->nodes.len >= CPN_NONE - 1)
        return CPN_ERROR(CPN_ENOMEM, "too many nodes");
    if (cpn_array_reserve(&t->nodes, t->nodes.len + 1) != CPN_OK ||
        cpn_array_reserve(&t->out, t->out.len + 1) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "out of memory adding node \"%s\"", id);
    char *copy = strdup(id);
    if (!copy)
        return CPN_ERROR(CPN_ENOMEM, "out of memory adding node \"%s\"", id);
    uint32_t n = (uint32_t)t->nodes.len;
    if ((rc = cpn_idmap_insert(&t->node_ids, copy, n)) != CPN_OK) {
        free(copy);
        return rc;
    }
    int placed = !isnan(lat);
    t->nodes.items[t->nodes.len++] = (struct cpn_node){
        .id = copy, .lat = placed ? lat : NAN, .lon = placed ? lon : NAN, .has_coords = placed};
    t->out.items[t->out.len++] = (cpn_u32_array){0};
    t->version++;
    if (out)
        *out = n;
    return CPN_OK;
}

/* Check one non-negative optional quantity of a link: NaN allowed when @p optional. */
static int check_nonneg(const char *id, const char *what, const char *unit, double v, int optional)
{
    if (optional && isnan(v))
        return CPN_OK;
    if (!isfinite(v) || v < 0)
        return CPN_ERROR(CPN_ESCENARIO, "link \"%s\": %s %g %s is %s (use a finite value >= 0)", id,
                         what, v, unit, isfinite(v) ? "negative" : "not finite");
    return CPN_OK;
}

static int check_link_spec(const struct cpn_topo *t, const struct cpn_link_spec *s, uint32_t *a,
                           uint32_t *b)
{
    const char *id = s->id;
    if (!*id)
        return CPN_ERROR(CPN_ESCENARIO, "link id is empty");
    if (cpn_idmap_find(&t->link_ids, id) != CPN_NONE)
        return CPN_ERROR(CPN_ESCENARIO, "link \"%s\" is defined twice", id);
    *a = cpn_idmap_find(&t->node_ids, s->a);
    if (*a == CPN_NONE)
        return CPN_ERROR(CPN_ESCENARIO, "link \"%s\": node \"%s\" is not defined", id, s->a);
    *b = cpn_idmap_find(&t->node_ids, s->b);
    if (*b == CPN_NONE)
        return CPN_ERROR(CPN_ESCENARIO, "link \"%s\": node \"%s\" is not defined", id, s->b);
    if (*a == *b)
        return CPN_ERROR(
            CPN_ESCENARIO,
            "link \"%s\": both ends are node \"%s\" (a link joins two different nodes)", id, s->a);
    if ((unsigned)s->kind >= CPN_LINK_NKINDS)
        return CPN_ERROR(CPN_ESCENARIO,
                         "link \"%s\": kind %d is unknown (use ip, optical, rdma or dc)", id,
                         (int)s->kind);
    if ((unsigned)s->flow_control >= CPN_FC_NMODES)
        return CPN_ERROR(CPN_ESCENARIO,
                         "link \"%s\": flow-control mode %d is unknown (use none, pfc or credit)",
                         id, (int)s->flow_control);
    if (!(s->capacity > 0) || !isfinite(s->capacity))
        return CPN_ERROR(CPN_ESCENARIO,
                         "link \"%s\": capacity %g B/s is not a positive finite rate "
                         "(use e.g. \"100Gbps\")",
                         id, s->capacity);
    int rc;
    if ((rc = check_nonneg(id, "latency", "s", s->latency, 1)) != CPN_OK ||
        (rc = check_nonneg(id, "length", "m", s->length, 1)) != CPN_OK ||
        (rc = check_nonneg(id, "buffer", "B", s->buffer, 0)) != CPN_OK)
        return rc;
    if (!(s->route_factor >= 1.0) || !isfinite(s->route_factor))
        return CPN_ERROR(CPN_ESCENARIO,
                         "link \"%s\": route factor %g is below 1 or not finite (fibre is never "
                         "shorter than the great circle; use e.g. 1.5)",
                         id, s->route_factor);
    if (!(s->fibre_delay > 0) || !isfinite(s->fibre_delay))
        return CPN_ERROR(CPN_ESCENARIO,
                         "link \"%s\": fibre delay %g s/m is not a positive finite delay per "
                         "length (use e.g. 4.9 us/km)",
                         id, s->fibre_delay);
    if (!(s->loss >= 0.0 && s->loss < 1.0))
        return CPN_ERROR(CPN_ESCENARIO, "link \"%s\": loss rate %g is outside [0, 1)", id, s->loss);
    if (s->mtu == 0)
        return CPN_ERROR(CPN_ESCENARIO, "link \"%s\": MTU 0 B is not positive (use e.g. 1500)", id);
    return CPN_OK;
}

int cpn_topo_add_link(struct cpn_topo *t, const struct cpn_link_spec *spec, uint32_t *out)
{
    if (!t || !spec || !spec->id || !spec->a || !spec->b)
        return CPN_ERROR(CPN_EINVAL, "cpn_topo_add_link: NULL argument");
    uint32_t a = CPN_NONE, b = CPN_NONE;
    int rc = check_link_spec(t, spec, &a, &b);
    if (rc != CPN_OK)
        return rc;

    double latency = spec->latency, length = spec->length;
    if (isnan(latency)) {
        if (isnan(length)) {
            const struct cpn_node *na = &t->nodes.items[a], *nb = &t->nodes.items[b];
            if (!na->has_coords || !nb->has_coords)
                return CPN_ERROR(CPN_ESCENARIO,
                                 "link \"%s\": no latency, length or endpoint coordinates "
                                 "(node \"%s\" has none)",
                                 spec->id, na->has_coords ? nb->id : na->id);
            length = cpn_topo_great_circle(na->lat, na->lon, nb->lat, nb->lon) * spec->route_factor;
        }
        latency = length * spec->fibre_delay;
    }
    latency += (t->nodes.items[a].delay + t->nodes.items[b].delay) / 2;

    if (t->links.len >= CPN_NONE / 2 - 1)
        return CPN_ERROR(CPN_ENOMEM, "too many links");
    cpn_u32_array *oa = &t->out.items[a], *ob = &t->out.items[b];
    if (cpn_array_reserve(&t->links, t->links.len + 1) != CPN_OK ||
        cpn_array_reserve(oa, oa->len + 1) != CPN_OK ||
        cpn_array_reserve(ob, ob->len + 1) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "out of memory adding link \"%s\"", spec->id);
    char *copy = strdup(spec->id);
    if (!copy)
        return CPN_ERROR(CPN_ENOMEM, "out of memory adding link \"%s\"", spec->id);
    uint32_t l = (uint32_t)t->links.len;
    if ((rc = cpn_idmap_insert(&t->link_ids, copy, l)) != CPN_OK) {
        free(copy);
        return rc;
    }
    t->links.items[t->links.len++] = (struct cpn_link){
        .id = copy,
        .a = a,
        .b = b,
        .kind = spec->kind,
        .capacity = spec->capacity,
        .latency = latency,
        .length = length,
        .buffer = spec->buffer,
        .loss = spec->loss,
        .flow_control = spec->flow_control,
        .mtu = spec->mtu,
        .up = spec->up != 0,
    };
    /* Links are appended in increasing index, so each out list stays sorted by dlink id. */
    oa->items[oa->len++] = cpn_topo_dlink(l, 0);
    ob->items[ob->len++] = cpn_topo_dlink(l, 1);
    t->version++;
    if (out)
        *out = l;
    return CPN_OK;
}

int cpn_topo_set_node_coords(struct cpn_topo *t, uint32_t node, double lat, double lon)
{
    if (!t || node >= t->nodes.len)
        return CPN_ERROR(CPN_EINVAL, "cpn_topo_set_node_coords: no node %u", (unsigned)node);
    struct cpn_node *n = &t->nodes.items[node];
    int rc = check_coords(n->id, lat, lon);
    if (rc != CPN_OK)
        return rc;
    n->has_coords = !isnan(lat);
    n->lat = lat;
    n->lon = lon;
    return CPN_OK;
}

int cpn_topo_set_node_delay(struct cpn_topo *t, uint32_t node, double delay)
{
    if (!t || node >= t->nodes.len)
        return CPN_ERROR(CPN_EINVAL, "cpn_topo_set_node_delay: no node %u", (unsigned)node);
    struct cpn_node *n = &t->nodes.items[node];
    if (!(delay >= 0) || !isfinite(delay))
        return CPN_ERROR(CPN_ESCENARIO,
                         "node \"%s\": delay %g s is not a finite time >= 0 (use e.g. \"0.5ms\")",
                         n->id, delay);
    double change = (delay - n->delay) / 2;
    n->delay = delay;
    const cpn_u32_array *out = &t->out.items[node];
    for (size_t i = 0; i < out->len; i++)
        t->links.items[cpn_topo_dlink_link(out->items[i])].latency += change;
    t->version++;
    return CPN_OK;
}

int cpn_topo_set_link_up(struct cpn_topo *t, uint32_t link, int up)
{
    if (!t || link >= t->links.len)
        return CPN_ERROR(CPN_EINVAL, "cpn_topo_set_link_up: no link %u", (unsigned)link);
    struct cpn_link *k = &t->links.items[link];
    if ((k->up != 0) != (up != 0)) {
        k->up = up != 0;
        t->version++;
    }
    return CPN_OK;
}

int cpn_topo_set_link_capacity(struct cpn_topo *t, uint32_t link, double capacity)
{
    if (!t || link >= t->links.len)
        return CPN_ERROR(CPN_EINVAL, "cpn_topo_set_link_capacity: no link %u", (unsigned)link);
    if (!(capacity > 0) || !isfinite(capacity))
        return CPN_ERROR(CPN_ESCENARIO,
                         "link \"%s\": capacity %g B/s is not a positive finite rate "
                         "(use e.g. \"100Gbps\")",
                         t->links.items[link].id, capacity);
    t->links.items[link].capacity = capacity;
    return CPN_OK;
}

uint32_t cpn_topo_node_count(const struct cpn_topo *t)
{
    return (uint32_t)t->nodes.len;
}

uint32_t cpn_topo_link_count(const struct cpn_topo *t)
{
    return (uint32_t)t->links.len;
}

const struct cpn_node *cpn_topo_node(const struct cpn_topo *t, uint32_t node)
{
    CPN_ASSERT(node < t->nodes.len);
    return &t->nodes.items[node];
}

const struct cpn_link *cpn_topo_link(const struct cpn_topo *t, uint32_t link)
{
    CPN_ASSERT(link < t->links.len);
    return &t->links.items[link];
}

uint32_t cpn_topo_find_node(const struct cpn_topo *t, const char *id)
{
    return cpn_idmap_find(&t->node_ids, id);
}

uint32_t cpn_topo_find_link(const struct cpn_topo *t, const char *id)
{
    return cpn_idmap_find(&t->link_ids, id);
}

const uint32_t *cpn_topo_out_dlinks(const struct cpn_topo *t, uint32_t node, size_t *count)
{
    CPN_ASSERT(node < t->out.len);
    *count = t->out.items[node].len;
    return t->out.items[node].items;
}

uint64_t cpn_topo_version(const struct cpn_topo *t)
{
    return t->version;
}

uint32_t cpn_topo_dlink_from(const struct cpn_topo *t, uint32_t dlink)
{
    const struct cpn_link *k = cpn_topo_link(t, cpn_topo_dlink_link(dlink));
    return cpn_topo_dlink_dir(dlink) ? k->b : k->a;
}

uint32_t cpn_topo_dlink_to(const struct cpn_topo *t, uint32_t dlink)
{
    const struct cpn_link *k = cpn_topo_link(t, cpn_topo_dlink_link(dlink));
    return cpn_topo_dlink_dir(dlink) ? k->a : k->b;
}

double cpn_topo_great_circle(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = M_PI / 180.0;
    double p1 = lat1 * rad, p2 = lat2 * rad;
    double sdp = sin((p2 - p1) / 2), sdl = sin((lon2 - lon1) * rad / 2);
    double h = sdp * sdp + cos(p1) * cos(p2) * sdl * sdl;
    /* Rounding can push h a hair above 1 for antipodal points. */
    if (h > 1.0)
        h = 1.0;
    return 2.0 * CPN_EARTH_RADIUS * asin(sqrt(h));
}

const char *cpn_link_kind_name(enum cpn_link_kind kind)
{
    return (unsigned)kind < CPN_LINK_NKINDS ? kind_names[kind] : "?";
}

int cpn_link_kind_parse(const char *name, enum cpn_link_kind *out)
{
    for (int i = 0; name && i < CPN_LINK_NKINDS; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (enum cpn_link_kind)i;
            return CPN_OK;
        }
    return CPN_ERROR(CPN_ESCENARIO, "link kind \"%s\" is unknown (use ip, optical, rdma or dc)",
                     name ? name : "");
}

const char *cpn_flow_control_name(enum cpn_flow_control mode)
{
    return (unsigned)mode < CPN_FC_NMODES ? fc_names[mode] : "?";
}

int cpn_flow_control_parse(const char *name, enum cpn_flow_control *out)
{
    for (int i = 0; name && i < CPN_FC_NMODES; i++)
        if (strcmp(name, fc_names[i]) == 0) {
            *out = (enum cpn_flow_control)i;
            return CPN_OK;
        }
    return CPN_ERROR(CPN_ESCENARIO, "flow-control mode \"%s\" is unknown (use none, pfc or credit)",
                     name ? name : "");
}
