/* Scenario loader: <simulation> and the <topology> elements (see load.h, load_impl.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#include "scenarios/graphml.h"
#include "models/net/network.h"
#include "models/net/transport.h"
#include "scenarios/load_impl.h"
#include "sim/error.h"

/* Report "X is defined twice (first at ...)". */
static void ld_twice(struct cpn_ld *L, xmlNode *elem, const xmlNode *first, const char *what,
                     const char *id)
{
    char where[512];
    if (first)
        cpn_ld_where(first, elem, where, sizeof where);
    else
        snprintf(where, sizeof where, "by an <import>");
    cpn_diag_error(L->diag, cpn_ld_file_name(elem), xmlGetLineNo(elem),
                   "%s \"%s\" is defined twice (first %s%s)", what, id, first ? "at " : "", where);
}

/* ------------------------------------------------------------------------------------------ */

int cpn_ld_simulation(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_scenario *s = L->s;
    if (!cpn_ld_once(L, elem, &L->simulation))
        return CPN_OK;
    double until = 0, sample = 60;
    if (cpn_ld_quantity(L, elem, "until", CPN_Q_TIME, &until) == 1 &&
        !(until > 0 && isfinite(until)))
        cpn_ld_error(L, elem, "until \"%s\" is not a positive time (use e.g. \"7d\" or \"3600s\")",
                     cpn_ld_attr(elem, "until"));
    s->until = until;
    double warmup = 0;
    if (cpn_ld_quantity(L, elem, "warmup", CPN_Q_TIME, &warmup) == 1 &&
        !(warmup >= 0 && isfinite(warmup)))
        cpn_ld_error(L, elem,
                     "warmup \"%s\" is not a time >= 0 (the start of the statistics window, "
                     "before until, e.g. \"1d\")",
                     cpn_ld_attr(elem, "warmup"));
    else
        s->warmup = warmup;
    double drain = 0;
    if (cpn_ld_quantity(L, elem, "drain", CPN_Q_TIME, &drain) == 1 &&
        !(drain > 0 && isfinite(drain)))
        cpn_ld_error(L, elem,
                     "drain \"%s\" is not a positive time (the longest run after until for the "
                     "jobs that arrived to end, e.g. \"30d\"; leave it out for none)",
                     cpn_ld_attr(elem, "drain"));
    else
        s->drain = drain;
    if (cpn_ld_quantity(L, elem, "sample", CPN_Q_TIME, &sample) >= 0)
        s->sample = sample;
    /* A sample of microseconds where seconds were meant (a slip of the unit) makes a run that
     * writes a series row per link and per center that many times: warned, not refused. */
    char length[32];
    if (s->until > 0 && s->sample > 0 && s->until / s->sample > CPN_LD_MANY_PERIODS)
        cpn_ld_warning(L, elem,
                       "sample \"%s\" makes %.3g samples of the time series before until (%s), "
                       "each a row of every link and center in the trace: a slip of the unit of "
                       "sample (\"10us\" for \"10s\"?) or of until?",
                       cpn_ld_attr(elem, "sample") ? cpn_ld_attr(elem, "sample") : "1min",
                       s->until / s->sample, cpn_ld_duration_text(s->until, length, sizeof length));
    cpn_ld_transport_ref(L, elem, "transport", &s->transport);
    double fibre = 0;
    int r = cpn_ld_quantity(L, elem, "fibre-delay", CPN_Q_DELAY_PER_LENGTH, &fibre);
    if (r == 1 && !(fibre > 0))
        cpn_ld_error(L, elem, "fibre-delay \"%s\" is not positive (use e.g. \"4.9us/km\")",
                     cpn_ld_attr(elem, "fibre-delay"));
    else if (r == 1)
        s->fibre_delay = fibre;
    const char *seed = cpn_ld_attr(elem, "seed");
    if (seed) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(seed, &end, 10);
        if (errno || end == seed || *end || strchr(seed, '-'))
            cpn_ld_error(L, elem, "seed \"%s\" is not accepted (use an integer 0 to 2^64-1)", seed);
        else
            s->seed = (uint64_t)v;
    }
    return CPN_OK;
}

/* ------------------------------------------------------------------------------------------ */

/* Read lat/lon of a <node>; both NaN when absent.  Returns 0 when bad (reported). */
static int ld_coords(struct cpn_ld *L, xmlNode *elem, double *lat, double *lon)
{
    *lat = *lon = NAN;
    int a = cpn_ld_number(L, elem, "lat", CPN_UNITS_ALLOW_NEGATIVE, lat);
    int b = cpn_ld_number(L, elem, "lon", CPN_UNITS_ALLOW_NEGATIVE, lon);
    return a >= 0 && b >= 0;
}

int cpn_ld_node_collect(struct cpn_ld *L, xmlNode *elem)
{
    const char *id = cpn_ld_attr(elem, "id");
    double lat, lon;
    if (!cpn_ld_check_id(L, elem, id))
        return CPN_OK;
    uint32_t first = cpn_topo_find_node(L->declared, id);
    if (first != CPN_NONE) {
        ld_twice(L, elem, L->declared_elem.items[first], "node", id);
        return CPN_OK;
    }
    int rc = CPN_ESCENARIO;
    if (ld_coords(L, elem, &lat, &lon)) {
        rc = cpn_topo_add_node(L->declared, id, lat, lon, NULL);
        if (rc == CPN_ESCENARIO)
            cpn_ld_error_model(L, elem);
    }
    /* A node with bad coordinates still exists, so links to it raise no second error. */
    if (rc == CPN_ESCENARIO)
        rc = cpn_topo_add_node(L->declared, id, NAN, NAN, NULL);
    if (rc != CPN_OK)
        return rc;
    return cpn_array_push(&L->declared_elem, elem);
}

/* Coordinates the scenario's <node> elements give (graphml.h lookup). */
static int ld_lookup(void *ctx, const char *id, double *lat, double *lon)
{
    struct cpn_ld *L = ctx;
    uint32_t n = cpn_topo_find_node(L->declared, id);
    if (n == CPN_NONE || !cpn_topo_node(L->declared, n)->has_coords)
        return 0;
    *lat = cpn_topo_node(L->declared, n)->lat;
    *lon = cpn_topo_node(L->declared, n)->lon;
    return 1;
}

/* Parse "true"/"false" (the schema restricts the values; the default is @p dflt). */
static int ld_bool(xmlNode *elem, const char *name, int dflt)
{
    const char *v = cpn_ld_attr(elem, name);
    return v ? strcmp(v, "true") == 0 : dflt;
}

/* Parse kind= into a link kind; 0 when bad (reported). */
static int ld_kind(struct cpn_ld *L, xmlNode *elem, enum cpn_link_kind *kind)
{
    const char *v = cpn_ld_attr(elem, "kind");
    if (v && cpn_link_kind_parse(v, kind) != CPN_OK) {
        cpn_ld_error(L, elem, "kind \"%s\" is not accepted (use ip, optical, rdma or dc)", v);
        return 0;
    }
    return 1;
}

/* Parse route-factor= (>= 1); 0 when bad (reported). */
static int ld_route_factor(struct cpn_ld *L, xmlNode *elem, double *out)
{
    int r = cpn_ld_number(L, elem, "route-factor", 0, out);
    if (r == 1 && !(*out >= 1.0)) {
        cpn_ld_error(L, elem,
                     "route-factor \"%s\" is below 1 (fibre is never shorter than the "
                     "great circle; use e.g. 1.5)",
                     cpn_ld_attr(elem, "route-factor"));
        return 0;
    }
    return r >= 0;
}

int cpn_ld_import(struct cpn_ld *L, xmlNode *elem)
{
    const char *graphml = cpn_ld_attr(elem, "graphml");
    struct cpn_graphml_options o;
    int ok = 1;
    cpn_graphml_options_init(&o);
    if (!graphml)
        return CPN_OK;
    const char *path = cpn_ld_resolve(L, elem, graphml);
    if (!path)
        return CPN_ENOMEM;
    int readable = access(path, R_OK) == 0;
    if (!readable)
        cpn_ld_error(L, elem, "graphml \"%s\": cannot read \"%s\": %s", graphml, path,
                     strerror(errno));
    if (cpn_ld_quantity(L, elem, "capacity", CPN_Q_RATE, &o.link.capacity) < 0)
        ok = 0;
    else if (!(o.link.capacity > 0)) {
        cpn_ld_error(L, elem, "capacity \"%s\" is not positive (use e.g. \"100Gbps\")",
                     cpn_ld_attr(elem, "capacity"));
        ok = 0;
    }
    ok &= ld_kind(L, elem, &o.link.kind);
    ok &= ld_route_factor(L, elem, &o.link.route_factor);
    o.link.fibre_delay = L->s->fibre_delay;
    o.drop_unplaced = ld_bool(elem, "drop-unplaced", 0);
    o.lookup = ld_lookup;
    o.lookup_ctx = L;
    if (!readable)
        return CPN_OK;
    if (!ok) {
        /* Imported all the same, the bad link values replaced (the load fails on them): so that
         * its nodes exist and each reference to one adds no error of its own. */
        struct cpn_graphml_options d;
        cpn_graphml_options_init(&d);
        o.link = d.link;
        o.link.capacity = 1;
        o.link.fibre_delay = L->s->fibre_delay;
    }
    if (cpn_array_push(&L->s->files, path) != CPN_OK)
        return CPN_ENOMEM;
    int rc = cpn_graphml_import(L->s->topo, path, &o, L->diag, NULL);
    return rc == CPN_ENOMEM || rc == CPN_EINVAL ? rc : CPN_OK; /* other errors are reported */
}

int cpn_ld_node_add(struct cpn_ld *L, xmlNode *elem)
{
    const char *id = cpn_ld_attr(elem, "id");
    uint32_t d = cpn_topo_find_node(L->declared, id);
    if (d == CPN_NONE || L->declared_elem.items[d] != elem)
        return CPN_OK; /* bad or a duplicate: reported in CPN_LD_NODES */
    uint32_t index = cpn_topo_find_node(L->s->topo, id);
    if (index == CPN_NONE) { /* not imported (an imported one got its coordinates already) */
        const struct cpn_node *n = cpn_topo_node(L->declared, d);
        int rc = cpn_topo_add_node(L->s->topo, id, n->lat, n->lon, &index);
        if (rc == CPN_ESCENARIO) {
            cpn_ld_error_model(L, elem);
            return CPN_OK;
        }
        if (rc != CPN_OK)
            return rc;
    }
    double delay;
    if (cpn_ld_quantity(L, elem, "delay", CPN_Q_TIME, &delay) == 1 &&
        cpn_topo_set_node_delay(L->s->topo, index, delay) == CPN_ESCENARIO)
        cpn_ld_error_model(L, elem);
    return CPN_OK;
}

/* ------------------------------------------------------------------------------------------ */

/* Check that attribute @p attr of @p elem names a node; 0 when not (reported). */
static int ld_node_ref(struct cpn_ld *L, xmlNode *elem, const char *attr, const char *id)
{
    if (!id)
        return 0;
    if (cpn_topo_find_node(L->s->topo, id) == CPN_NONE) {
        cpn_ld_error(L, elem,
                     "%s: node \"%s\" is not defined (define it with <node id=\"%s\"/> "
                     "or check the spelling)",
                     attr, id, id);
        return 0;
    }
    return 1;
}

/* Warn when a lossless link's buffer is below what line rate needs: a PFC link's headroom
 * (reference §1.2), a credit link's bytes in flight over its round trip; its lossless flows then
 * share the lower rate of cpn_transport_segment_rate(). */
static void ld_lossless_buffer(struct cpn_ld *L, xmlNode *elem, const struct cpn_link *l)
{
    if (l->flow_control == CPN_FC_CREDIT) {
        /* Credits bound the bytes in flight over the hop's round trip: rate = Buf / (2 d)
         * (models/net/transport.h, cpn_transport_segment_rate()). */
        struct cpn_hop h = {l->capacity, l->latency,    l->loss,
                            l->buffer,   CPN_FC_CREDIT, (double)l->mtu};
        double need = 2 * l->capacity * l->latency, rate = cpn_transport_segment_rate(&h);
        if (!(rate < l->capacity))
            return;
        cpn_ld_warning(L, elem,
                       "credit buffer %.4g MB is below the %.4g MB that %.4g Gbit/s has in "
                       "flight over a round trip of %.4g ms (2 C d); its lossless flows share "
                       "%.4g Gbit/s of it (%.1f%% of the link) (give buffer=\"%.0fMB\" or more "
                       "for line rate)",
                       l->buffer / 1e6, need / 1e6, l->capacity * 8 / 1e9, 2 * l->latency * 1e3,
                       rate * 8 / 1e9, 100 * rate / l->capacity, ceil(need / 1e6));
        return;
    }
    if (l->flow_control != CPN_FC_PFC)
        return;
    struct cpn_hop h = {l->capacity, l->latency, l->loss, l->buffer, CPN_FC_PFC, (double)l->mtu};
    double need = cpn_transport_pfc_headroom(l->capacity, l->latency, (double)l->mtu);
    if (l->buffer >= need)
        return;
    double rate = cpn_transport_segment_rate(&h);
    cpn_ld_warning(L, elem,
                   "PFC buffer %.4g MB is below the headroom %.4g MB that %.4g Gbit/s needs over "
                   "a one-way delay of %.4g ms (2 C d + 2 MTU + PFC frame + C x response "
                   "delay); its lossless flows share %.4g Gbit/s of it (%.1f%% of the link) "
                   "(give buffer=\"%.0fMB\" or more for line rate)",
                   l->buffer / 1e6, need / 1e6, l->capacity * 8 / 1e9, l->latency * 1e3,
                   rate * 8 / 1e9, 100 * rate / l->capacity, ceil(need / 1e6));
}

int cpn_ld_bandwidth(struct cpn_ld *L, xmlNode *elem, const char *name, double *out)
{
    const char *v = cpn_ld_attr(elem, name);
    if (!v)
        return 0;
    const char *x = strchr(v, 'x');
    unsigned long count = 1;
    const char *rate = v;
    if (x) {
        char *end;
        errno = 0;
        count = strtoul(v, &end, 10);
        if (errno || end != x || count == 0 || count > 1000000 || *v == '-') {
            cpn_ld_error(L, elem,
                         "%s \"%s\" is not accepted (use COUNTxRATE, e.g. \"8x1Gbps\", with a "
                         "whole count 1 to 1000000, or a rate, e.g. \"8Gbps\")",
                         name, v);
            return -1;
        }
        rate = x + 1;
    }
    double r;
    char why[256];
    if (cpn_units_parse(rate, CPN_Q_RATE, &r, why, sizeof why) != CPN_OK || !(r > 0) ||
        !isfinite(r)) {
        cpn_ld_error(L, elem,
                     "%s \"%s\": the rate \"%s\" is not accepted (%s; use e.g. "
                     "\"8x1Gbps\")",
                     name, v, rate, r > 0 ? why : "it must be positive");
        return -1;
    }
    *out = (double)count * r;
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* The wavelength layer (models/net/optical.h, docs/models-dynamics.md "Wavelengths").          */

int cpn_ld_span(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_scenario *s = L->s;
    const char *id = cpn_ld_attr(elem, "id"), *a = cpn_ld_attr(elem, "a");
    const char *b = cpn_ld_attr(elem, "b"), *w = cpn_ld_attr(elem, "wavelengths");
    if (!cpn_ld_check_id(L, elem, id))
        return CPN_OK;
    uint32_t first = cpn_scen_find_span(s, id);
    if (first != CPN_NONE) {
        cpn_ld_error(L, elem, "span \"%s\" is defined twice (first at %s:%ld)", id,
                     s->spans.items[first].file, s->spans.items[first].line);
        return CPN_OK;
    }
    int ok = ld_node_ref(L, elem, "a", a) & ld_node_ref(L, elem, "b", b);
    if (ok && strcmp(a, b) == 0) {
        cpn_ld_error(L, elem, "a and b are the same node \"%s\" (a span joins two nodes)", a);
        ok = 0;
    }
    struct cpn_scen_span sp = {.id = cpn_ld_strdup(L, id, strlen(id)),
                               .file = cpn_ld_file_name(elem),
                               .line = xmlGetLineNo(elem)};
    int r = cpn_ld_quantity(L, elem, "length", CPN_Q_LENGTH, &sp.length);
    if (r == 0)
        cpn_ld_error(L, elem, "length is required (the fibre length, e.g. \"400km\")");
    else if (r == 1 && !(sp.length > 0)) {
        cpn_ld_error(L, elem, "length \"%s\" is not positive", cpn_ld_attr(elem, "length"));
        r = -1;
    }
    double v = 0;
    if (!w || cpn_units_parse_number(w, 0, &v, NULL, 0) != CPN_OK || v != floor(v) || v < 1 ||
        v > 4096) {
        cpn_ld_error(L, elem,
                     "wavelengths \"%s\" is not accepted (a whole number of wavelength slots, "
                     "1 to 4096: C band about 40 at 150 GHz or 80 at 75 GHz, C+L twice that)",
                     w ? w : "");
        ok = 0;
    }
    if (!ok || r != 1) {
        cpn_ld_defined_badly(L, "span", id);
        return CPN_OK;
    }
    sp.a = cpn_topo_find_node(s->topo, a);
    sp.b = cpn_topo_find_node(s->topo, b);
    sp.wavelengths = (uint32_t)v;
    uint32_t index;
    if (!L->optical && !(L->optical = cpn_optical_new()))
        return CPN_ENOMEM;
    int rc = cpn_optical_add_span(L->optical, sp.wavelengths, &index);
    if (rc != CPN_OK)
        return rc;
    return cpn_array_push(&s->spans, sp);
}

int cpn_ld_reach(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_ld_reach e;
    int r1 = cpn_ld_quantity(L, elem, "rate", CPN_Q_RATE, &e.rate);
    int r2 = cpn_ld_quantity(L, elem, "distance", CPN_Q_LENGTH, &e.distance);
    if (r1 != 1 || r2 != 1 || !(e.rate > 0) || !(e.distance > 0)) {
        if (r1 >= 0 && r2 >= 0)
            cpn_ld_error(L, elem,
                         "<reach> needs rate and distance, both positive (e.g. rate=\"800Gbps\" "
                         "distance=\"1200km\")");
        return CPN_OK;
    }
    for (size_t i = 0; i < L->reach.len; i++)
        if (L->reach.items[i].rate == e.rate) {
            cpn_ld_error(L, elem, "a reach for %s is already given", cpn_ld_attr(elem, "rate"));
            return CPN_OK;
        }
    return cpn_array_push(&L->reach, e);
}

/* The reach of wavelength rate @p rate [B/s]: a <reach> of that rate, else the defaults of
 * reference network-models.md §4.1 (400G QPSK 6000 km: the 6028 km live-network record; 800G
 * PCS-16QAM 1200 km: China Telecom's 800G/400G over more than 1200 km of G.652), else none
 * (Assumption: other rates are not limited unless the scenario says so). */
static double ld_reach(const struct cpn_ld *L, double rate)
{
    for (size_t i = 0; i < L->reach.len; i++)
        if (L->reach.items[i].rate == rate)
            return L->reach.items[i].distance;
    if (rate == 400e9 / 8)
        return 6000e3;
    if (rate == 800e9 / 8)
        return 1200e3;
    return INFINITY;
}

/* Read <link over lambda lambda-setup>: the spans, chained from a to b, into @p lp; their total
 * length into *length.  Returns 1 when the link rides lightpaths, 0 when not, -1 on an error
 * (reported). */
static int ld_link_spans(struct cpn_ld *L, xmlNode *elem, const char *a, const char *b,
                         struct cpn_scen_lightpaths *lp, double *length)
{
    const struct cpn_scenario *s = L->s;
    const char *over = cpn_ld_attr(elem, "over");
    *lp = (struct cpn_scen_lightpaths){.setup = 60};
    if (!over) {
        if (cpn_ld_attr(elem, "lambda") || cpn_ld_attr(elem, "lambda-setup")) {
            cpn_ld_error(L, elem,
                         "lambda and lambda-setup go with over (the fibre spans the link's "
                         "lightpaths follow)");
            return -1;
        }
        return 0;
    }
    int ok = 1;
    if (cpn_ld_attr(elem, "elastic")) {
        cpn_ld_error(L, elem,
                     "elastic and over exclude each other (a link on lightpaths gets more "
                     "bandwidth by lighting wavelengths on its spans)");
        ok = 0;
    }
    int r = cpn_ld_quantity(L, elem, "lambda", CPN_Q_RATE, &lp->lambda);
    if (r == 0) {
        cpn_ld_error(L, elem, "over needs lambda, the rate of one wavelength (e.g. \"400Gbps\")");
        ok = 0;
    } else if (r == 1 && !(lp->lambda > 0)) {
        cpn_ld_error(L, elem,
                     "lambda \"%s\" is not positive (the rate of one wavelength, e.g. "
                     "\"400Gbps\")",
                     cpn_ld_attr(elem, "lambda"));
        ok = 0;
    } else if (r < 0)
        ok = 0;
    if (cpn_ld_quantity(L, elem, "lambda-setup", CPN_Q_TIME, &lp->setup) < 0)
        ok = 0;
    uint32_t at = a ? cpn_topo_find_node(s->topo, a) : CPN_NONE;
    uint32_t end = b ? cpn_topo_find_node(s->topo, b) : CPN_NONE;
    *length = 0;
    size_t n = 0, listed = 0;
    for (const char *p = over; *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        size_t w = strcspn(p, " \t\n");
        if (!w)
            break;
        char id[256];
        snprintf(id, sizeof id, "%.*s", (int)(w < 255 ? w : 255), p);
        p += w;
        listed++;
        uint32_t k = cpn_scen_find_span(s, id);
        uint32_t *spans = realloc(lp->spans, (n + 1) * sizeof *spans);
        if (!spans) {
            L->oom = 1;
            return -1;
        }
        lp->spans = spans;
        if (k == CPN_NONE) {
            cpn_ld_error_undefined(L, elem, "span", id,
                                   "over: span \"%s\" is not defined (define it with <span "
                                   "id=\"%s\" a b length wavelengths/>)",
                                   id, id);
            ok = 0;
            continue;
        }
        for (size_t j = 0; j < n; j++)
            if (lp->spans[j] == k) {
                cpn_ld_error(L, elem, "over: span \"%s\" is listed twice", id);
                ok = 0;
            }
        const struct cpn_scen_span *sp = &s->spans.items[k];
        if (at != CPN_NONE && sp->a != at && sp->b != at) {
            cpn_ld_error(L, elem,
                         "over: span \"%s\" (%s - %s) does not start at node \"%s\", where the "
                         "spans before it end (list the spans in order from a to b)",
                         id, cpn_topo_node(s->topo, sp->a)->id, cpn_topo_node(s->topo, sp->b)->id,
                         cpn_topo_node(s->topo, at)->id);
            ok = 0;
            at = CPN_NONE;
        } else if (at != CPN_NONE)
            at = sp->a == at ? sp->b : sp->a;
        *length += sp->length;
        lp->spans[n++] = k;
    }
    lp->k = (uint32_t)n;
    if (n == 0 && !listed) { /* (its spans listed but bad were reported) */
        cpn_ld_error(L, elem, "over is empty (give the ids of the spans from a to b)");
        ok = 0;
    } else if (ok && at != end && at != CPN_NONE && end != CPN_NONE) {
        /* (at is CPN_NONE when a is not a node: reported by the caller, nothing to follow) */
        cpn_ld_error(L, elem, "over: the spans end at node \"%s\", not at b \"%s\"",
                     cpn_topo_node(s->topo, at)->id, b);
        ok = 0;
    }
    if (ok && !(*length <= ld_reach(L, lp->lambda))) {
        cpn_ld_error(L, elem,
                     "over: %.6g km of spans exceed the reach of %.6g Gbit/s wavelengths, "
                     "%.6g km (split the link at a regeneration site, use a slower rate, or "
                     "give <reach rate distance/>)",
                     *length / 1e3, lp->lambda * 8 / 1e9, ld_reach(L, lp->lambda) / 1e3);
        ok = 0;
    }
    if (!ok) {
        free(lp->spans);
        lp->spans = NULL;
        return -1;
    }
    return 1;
}

/* Light link @p index's lightpaths on the scratch layer, as the run will (first fit, file
 * order): a capacity that is not whole wavelengths, or wavelengths that do not fit, is an
 * error here. */
static int ld_light(struct cpn_ld *L, xmlNode *elem, const struct cpn_link *l,
                    const struct cpn_scen_lightpaths *lp)
{
    double n = round(l->capacity / lp->lambda);
    if (n < 1 || fabs(n * lp->lambda - l->capacity) > 1e-9 * l->capacity) {
        cpn_ld_error(L, elem,
                     "capacity %.6g Gbit/s is not a whole number of %.6g Gbit/s wavelengths "
                     "(give a multiple of lambda)",
                     l->capacity * 8 / 1e9, lp->lambda * 8 / 1e9);
        return 0;
    }
    uint32_t *slots = malloc((size_t)n * sizeof *slots);
    int granted = 0;
    if (!slots ||
        cpn_optical_light(L->optical, lp->spans, lp->k, (uint32_t)n, slots, &granted) != CPN_OK) {
        free(slots);
        L->oom = !slots;
        return 0;
    }
    free(slots);
    if (!granted) {
        char list[512] = "";
        for (uint32_t i = 0; i < lp->k; i++) {
            uint32_t total = 0, used = 0;
            cpn_optical_span_state(L->optical, lp->spans[i], &total, &used, NULL);
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\" %u of %u",
                     i ? ", " : "", L->s->spans.items[lp->spans[i]].id, used, total);
        }
        cpn_ld_error(L, elem,
                     "its %.0f wavelengths do not fit on its spans (first fit with wavelength "
                     "continuity; slots lit by the links before it: %s): give the spans more "
                     "wavelengths or the link less capacity",
                     n, list);
        return 0;
    }
    return 1;
}

int cpn_ld_link(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_link_spec spec;
    double v;
    int ok = 1, r;
    cpn_link_spec_init(&spec);
    spec.id = cpn_ld_attr(elem, "id");
    spec.a = cpn_ld_attr(elem, "a");
    spec.b = cpn_ld_attr(elem, "b");
    if (!cpn_ld_check_id(L, elem, spec.id))
        return CPN_OK;
    uint32_t first = cpn_topo_find_link(L->s->topo, spec.id);
    if (first != CPN_NONE) {
        ld_twice(L, elem, first < L->link_elem.len ? L->link_elem.items[first] : NULL, "link",
                 spec.id);
        return CPN_OK;
    }
    ok &= ld_node_ref(L, elem, "a", spec.a);
    ok &= ld_node_ref(L, elem, "b", spec.b);
    ok &= ld_kind(L, elem, &spec.kind);
    if ((r = cpn_ld_quantity(L, elem, "capacity", CPN_Q_RATE, &spec.capacity)) < 0)
        ok = 0;
    if ((r = cpn_ld_quantity(L, elem, "latency", CPN_Q_TIME, &spec.latency)) < 0)
        ok = 0;
    int has_latency = r == 1;
    if ((r = cpn_ld_quantity(L, elem, "length", CPN_Q_LENGTH, &spec.length)) < 0)
        ok = 0;
    if (has_latency && r == 1) {
        cpn_ld_error(L, elem,
                     "latency and length are both given (give one: the latency, or "
                     "the fibre length it is computed from)");
        ok = 0;
    }
    int has_length = r == 1;
    ok &= ld_route_factor(L, elem, &spec.route_factor);
    if ((has_length || has_latency) && cpn_ld_attr(elem, "route-factor")) {
        cpn_ld_error(L, elem,
                     "route-factor \"%s\" has no effect with %s (the route factor turns the "
                     "great-circle distance between the end nodes into a fibre length; give "
                     "either %s or route-factor)",
                     cpn_ld_attr(elem, "route-factor"),
                     has_length ? "length, the fibre length" : "an explicit latency",
                     has_length ? "length" : "latency");
        ok = 0;
    }
    spec.fibre_delay = L->s->fibre_delay;
    if (cpn_ld_quantity(L, elem, "buffer", CPN_Q_SIZE, &spec.buffer) < 0)
        ok = 0;
    const char *loss = cpn_ld_attr(elem, "loss");
    if (loss) {
        char why[256];
        if (cpn_units_parse_ratio(loss, &spec.loss, why, sizeof why) != CPN_OK) {
            cpn_ld_error(L, elem, "loss %s", why);
            ok = 0;
        } else if (spec.loss >= 1.0) {
            cpn_ld_error(L, elem,
                         "loss \"%s\" is not below 1 (use a probability in [0, 1), "
                         "e.g. \"0.001\" or \"0.1%%\")",
                         loss);
            ok = 0;
        }
    }
    const char *fc = cpn_ld_attr(elem, "flow-control");
    if (fc && cpn_flow_control_parse(fc, &spec.flow_control) != CPN_OK) {
        cpn_ld_error(L, elem, "flow-control \"%s\" is not accepted (use none, pfc or credit)", fc);
        ok = 0;
    }
    if ((r = cpn_ld_quantity(L, elem, "mtu", CPN_Q_SIZE, &v)) < 0)
        ok = 0;
    else if (r == 1) {
        if (!(v >= 1 && v <= UINT32_MAX && v == floor(v))) {
            cpn_ld_error(L, elem,
                         "mtu \"%s\" is not a whole positive number of bytes (use e.g. "
                         "\"1500B\" or \"9000B\")",
                         cpn_ld_attr(elem, "mtu"));
            ok = 0;
        } else
            spec.mtu = (uint32_t)v;
    }
    spec.up = ld_bool(elem, "up", 1);
    struct cpn_scen_lightpaths lp;
    double span_length = 0;
    int on_spans = ld_link_spans(L, elem, spec.a, spec.b, &lp, &span_length);
    if (on_spans < 0)
        ok = 0;
    else if (on_spans == 1 && !has_length && !has_latency)
        spec.length = span_length; /* the lightpaths' fibre */
    if (!ok || !spec.a || !spec.b) {
        free(lp.spans);
        cpn_ld_defined_badly(L, "link", spec.id);
        return CPN_OK;
    }
    uint32_t index;
    int rc = cpn_topo_add_link(L->s->topo, &spec, &index);
    if (rc == CPN_ESCENARIO) {
        cpn_ld_error_model(L, elem);
        cpn_ld_defined_badly(L, "link", spec.id);
    }
    if (rc != CPN_OK ||
        (on_spans == 1 && !ld_light(L, elem, cpn_topo_link(L->s->topo, index), &lp))) {
        free(lp.spans);
        return rc == CPN_ESCENARIO ? CPN_OK : rc;
    }
    if (on_spans == 1) {
        lp.link = index;
        if ((rc = cpn_array_push(&L->s->lightpaths, lp)) != CPN_OK) {
            free(lp.spans);
            return rc;
        }
    }
    ld_lossless_buffer(L, elem, cpn_topo_link(L->s->topo, index));
    /* Elastic bandwidth on demand (models/net/network.h, cpn_network_set_elastic). */
    struct cpn_scen_elastic el = {index, 0, 0.1};
    int has = cpn_ld_bandwidth(L, elem, "elastic", &el.budget);
    if (has == 1 && cpn_ld_quantity(L, elem, "elastic-setup", CPN_Q_TIME, &el.setup) >= 0 &&
        (rc = cpn_array_push(&L->s->elastic, el)) != CPN_OK)
        return rc;
    if (has == 0 && cpn_ld_attr(elem, "elastic-setup"))
        cpn_ld_error(L, elem,
                     "elastic-setup goes with elastic (a bandwidth budget, e.g. "
                     "\"64x1Gbps\")");
    while (L->link_elem.len < index)
        if (cpn_array_push(&L->link_elem, NULL) != CPN_OK)
            return CPN_ENOMEM;
    return cpn_array_push(&L->link_elem, elem);
}

/* ------------------------------------------------------------------------------------------ */

int cpn_ld_path(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_scenario *s = L->s;
    const char *id = cpn_ld_attr(elem, "id"), *via = cpn_ld_attr(elem, "via");
    if (!cpn_ld_check_id(L, elem, id) || !via)
        return CPN_OK;
    uint32_t first = cpn_scen_find_path(s, id);
    if (first != CPN_NONE) {
        char where[512];
        const struct cpn_scen_path *p = &s->paths.items[first];
        if (strcmp(p->file, cpn_ld_file_name(elem)) == 0)
            snprintf(where, sizeof where, "line %ld", p->line);
        else
            snprintf(where, sizeof where, "%s:%ld", p->file, p->line);
        cpn_diag_error(L->diag, cpn_ld_file_name(elem), xmlGetLineNo(elem),
                       "path \"%s\" is defined twice (first at %s)", id, where);
        return CPN_OK;
    }
    CPN_ARRAY(uint32_t) nodes = {0};
    int ok = 1;
    char name[256];
    for (const char *p = via; *p;) {
        size_t n = strcspn(p, " \t\r\n");
        if (n) {
            snprintf(name, sizeof name, "%.*s", (int)n, p);
            uint32_t node = cpn_topo_find_node(s->topo, name);
            if (node == CPN_NONE) {
                cpn_ld_error(L, elem,
                             "via: node \"%s\" is not defined (define it with <node "
                             "id=\"%s\"/> or check the spelling)",
                             name, name);
                ok = 0;
            } else if (cpn_array_push(&nodes, node) != CPN_OK) {
                cpn_array_release(&nodes);
                return CPN_ENOMEM;
            }
            p += n;
        } else
            p++;
    }
    if (ok && nodes.len < 2) {
        cpn_ld_error(L, elem,
                     "via \"%s\" names %zu node%s (use at least two: source and "
                     "destination)",
                     via, nodes.len, nodes.len == 1 ? "" : "s");
        ok = 0;
    }
    const struct cpn_path *route = NULL;
    /* Routing only when nothing is wrong so far: a bad link would make every path fail. */
    if (ok && L->diag->errors == L->errors0) {
        struct cpn_router *r = cpn_ld_router(L);
        if (!r) {
            cpn_array_release(&nodes);
            return CPN_ENOMEM;
        }
        int rc = cpn_route_explicit(r, nodes.items, (uint32_t)nodes.len, &route);
        if (rc == CPN_ESCENARIO || rc == CPN_EUNREACH)
            cpn_ld_error_model(L, elem);
        else if (rc != CPN_OK) {
            cpn_array_release(&nodes);
            return rc;
        }
    }
    cpn_array_release(&nodes);
    struct cpn_scen_path path = {cpn_ld_strdup(L, id, strlen(id)), route, cpn_ld_file_name(elem),
                                 xmlGetLineNo(elem)};
    if (!path.id || cpn_idmap_insert(&s->path_ids, path.id, (uint32_t)s->paths.len) != CPN_OK)
        return CPN_ENOMEM;
    return cpn_array_push(&s->paths, path);
}

/* ------------------------------------------------------------------------------------------ */

int cpn_ld_pathset(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_scenario *s = L->s;
    const char *id = cpn_ld_attr(elem, "id"), *paths = cpn_ld_attr(elem, "paths");
    if (!cpn_ld_check_id(L, elem, id) || !paths)
        return CPN_OK;
    for (size_t i = 0; i < s->pathsets.len; i++)
        if (strcmp(s->pathsets.items[i].id, id) == 0) {
            cpn_ld_error(L, elem, "pathset \"%s\" is defined twice (first at %s:%ld)", id,
                         s->pathsets.items[i].file, s->pathsets.items[i].line);
            return CPN_OK;
        }
    struct cpn_scen_pathset set = {.id = cpn_ld_strdup(L, id, strlen(id)),
                                   .file = cpn_ld_file_name(elem),
                                   .line = xmlGetLineNo(elem)};
    set.routes = calloc(CPN_NETWORK_MAX_PATHS, sizeof *set.routes);
    set.shares = calloc(CPN_NETWORK_MAX_PATHS, sizeof *set.shares);
    if (!set.id || !set.routes || !set.shares) {
        free(set.routes);
        free(set.shares);
        return CPN_ENOMEM;
    }
    int ok = 1;
    double sum = 0;
    char item[256];
    uint32_t listed[CPN_NETWORK_MAX_PATHS]; /* the paths of set.routes[] */
    for (const char *p = paths; *p;) {
        size_t n = strcspn(p, " \t\r\n");
        if (!n) {
            p++;
            continue;
        }
        snprintf(item, sizeof item, "%.*s", (int)n, p);
        p += n;
        char *colon = strrchr(item, ':');
        double share = 1;
        if (colon) {
            char *end;
            *colon = '\0';
            share = strtod(colon + 1, &end);
            if (end == colon + 1 || *end || !(share >= 0) || !isfinite(share)) {
                cpn_ld_error(L, elem,
                             "paths: share \"%s\" of path \"%s\" is not a number >= 0 (use "
                             "e.g. \"%s:2\")",
                             colon + 1, item, item);
                ok = 0;
                continue;
            }
        }
        uint32_t path = cpn_scen_find_path(s, item);
        if (path == CPN_NONE || !s->paths.items[path].route) {
            if (path == CPN_NONE)
                cpn_ld_error(L, elem,
                             "paths: path \"%s\" is not defined (define it with <path "
                             "id=\"%s\" via=\"SRC ... DST\"/>)",
                             item, item);
            ok = 0;
            continue;
        }
        if (set.n == CPN_NETWORK_MAX_PATHS) {
            cpn_ld_error(L, elem, "paths: more than %d paths (a transfer splits over at most %d)",
                         CPN_NETWORK_MAX_PATHS, CPN_NETWORK_MAX_PATHS);
            ok = 0;
            break;
        }
        const struct cpn_path *route = s->paths.items[path].route;
        if (set.n && (route->src != set.routes[0]->src || route->dst != set.routes[0]->dst)) {
            cpn_ld_error(L, elem,
                         "paths: path \"%s\" goes from \"%s\" to \"%s\", the first from \"%s\" "
                         "to \"%s\" (the paths of a set join the same two nodes)",
                         item, cpn_topo_node(s->topo, route->src)->id,
                         cpn_topo_node(s->topo, route->dst)->id,
                         cpn_topo_node(s->topo, set.routes[0]->src)->id,
                         cpn_topo_node(s->topo, set.routes[0]->dst)->id);
            ok = 0;
            continue;
        }
        uint32_t twice = 0;
        while (twice < set.n && set.routes[twice] != route) /* (routes are interned) */
            twice++;
        if (twice < set.n) {
            /* Two parts on one route would each get a fair share there, so the flow would
             * take two shares of that route's bottleneck: not what a split means. */
            if (listed[twice] == path)
                cpn_ld_error(L, elem,
                             "paths: path \"%s\" is listed twice (list it once, with the sum "
                             "of its shares)",
                             item);
            else
                cpn_ld_error(L, elem,
                             "paths: path \"%s\" takes the same route as path \"%s\" (list "
                             "the route once, with the sum of their shares)",
                             item, s->paths.items[listed[twice]].id);
            ok = 0;
            continue;
        }
        listed[set.n] = path;
        set.routes[set.n] = route;
        set.shares[set.n++] = share;
        sum += share;
    }
    if (ok && set.n == 0) {
        cpn_ld_error(L, elem, "paths \"%s\" names no path (use e.g. paths=\"p1:3 p2:1\")", paths);
        ok = 0;
    }
    if (ok && !(sum > 0)) {
        cpn_ld_error(L, elem, "paths: every share is 0 (give at least one a positive share)");
        ok = 0;
    }
    if (!ok)
        cpn_ld_defined_badly(L, "pathset", id);
    if (!ok || cpn_array_push(&s->pathsets, set) != CPN_OK) {
        free(set.routes);
        free(set.shares);
        return ok ? CPN_ENOMEM : CPN_OK;
    }
    return CPN_OK;
}

int cpn_ld_paths_ref(struct cpn_ld *L, xmlNode *elem, uint32_t *k_paths, uint32_t *pathset)
{
    const char *v = cpn_ld_attr(elem, "paths");
    if (!v)
        return 0;
    char *end;
    errno = 0;
    long k = strtol(v, &end, 10);
    if (end != v && !*end) {
        if (errno || k < 1 || k > CPN_NETWORK_MAX_PATHS) {
            cpn_ld_error(L, elem,
                         "paths \"%s\" is not a number of paths from 1 to %d (or the id of a "
                         "<pathset>)",
                         v, CPN_NETWORK_MAX_PATHS);
            return -1;
        }
        *k_paths = k > 1 ? (uint32_t)k : 0;
        return 1;
    }
    for (size_t i = 0; i < L->s->pathsets.len; i++)
        if (strcmp(L->s->pathsets.items[i].id, v) == 0) {
            *pathset = (uint32_t)i;
            return 1;
        }
    cpn_ld_error_undefined(
        L, elem, "pathset", v,
        "paths \"%s\" is neither a number of shortest paths (1 to %d) nor a path set "
        "(define it with <pathset id=\"%s\" paths=\"P1:SHARE P2:SHARE\"/>)",
        v, CPN_NETWORK_MAX_PATHS, v);
    return -1;
}
