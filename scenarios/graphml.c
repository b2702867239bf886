/* Internet Topology Zoo GraphML import.  See scenarios/graphml.h. */
#include "scenarios/graphml.h"

#include <errno.h>
#include <sys/stat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "scenarios/units.h"
#include "sim/array.h"
#include "sim/error.h"

/* The GraphML attributes we read, resolved to <key> ids. */
enum attr { A_LABEL, A_LAT, A_LON, A_SPEED, A_LINKLABEL, A_COUNT };
static const char *const attr_names[A_COUNT] = {"label", "Latitude", "Longitude", "LinkSpeedRaw",
                                                "LinkLabel"};
static const char *const attr_for[A_COUNT] = {"node", "node", "node", "edge", "edge"};

struct node_rec {
    char *name;     /* topology id (prefix + unique label), owned */
    uint32_t index; /* topology node index, CPN_NONE when dropped */
};

struct edge_rec {
    uint32_t a, b;   /* node records, in the edge's source/target order */
    uint32_t lo, hi; /* min/max of a, b: the merge key */
    uint32_t order;  /* position among kept edges (file order) */
    double capacity; /* [B/s], NaN when the edge has no LinkSpeedRaw */
    long line;
    char link_label[32]; /* LinkLabel, truncated, for messages ("" when absent) */
};

struct import {
    struct cpn_topo *t;
    const char *path;
    const struct cpn_graphml_options *opt;
    struct cpn_diag *diag;
    struct cpn_graphml_stats *st;
    char *keys[A_COUNT];    /* key ids, owned, NULL when the file lacks the attribute */
    struct cpn_topo *gids;  /* GraphML node id -> record index (a name set) */
    struct cpn_topo *names; /* topology names used by this import (a name set) */
    CPN_ARRAY(struct node_rec) nodes;
    CPN_ARRAY(struct edge_rec) edges;
};

static int is_element(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Return a copy of an attribute (malloc'd, caller frees) or NULL when absent or out of memory. */
static char *get_attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *copy = strdup((const char *)v);
    xmlFree(v);
    return copy;
}

static char *get_text(const xmlNode *n)
{
    xmlChar *v = xmlNodeGetContent(n);
    if (!v)
        return NULL;
    char *copy = strdup((const char *)v);
    xmlFree(v);
    return copy;
}

/* Which of our attributes a <data key="..."> element carries (A_COUNT: none of ours). */
static enum attr data_attr(const struct import *im, const xmlNode *data, const char *owner)
{
    xmlChar *key = xmlGetProp(data, (const xmlChar *)"key");
    enum attr found = A_COUNT;
    for (int a = 0; key && a < A_COUNT; a++)
        if (im->keys[a] && strcmp(attr_for[a], owner) == 0 &&
            strcmp(im->keys[a], (const char *)key) == 0)
            found = (enum attr)a;
    xmlFree(key);
    return found;
}

static int read_keys(struct import *im, const xmlNode *root)
{
    for (const xmlNode *k = root->children; k; k = k->next) {
        if (!is_element(k, "key"))
            continue;
        char *name = get_attr(k, "attr.name"), *dom = get_attr(k, "for"), *id = get_attr(k, "id");
        for (int a = 0; name && id && a < A_COUNT; a++)
            if (!im->keys[a] && strcmp(name, attr_names[a]) == 0 &&
                (!dom || strcmp(dom, attr_for[a]) == 0 || strcmp(dom, "all") == 0)) {
                im->keys[a] = id;
                id = NULL;
            }
        free(name);
        free(dom);
        free(id);
    }
    return CPN_OK;
}

/* Parse a numeric <data> value; reports an error and returns NaN when bad. */
static double data_number(struct import *im, const xmlNode *data, const char *what,
                          const char *owner, unsigned flags)
{
    char *text = get_text(data);
    double v = NAN;
    char why[256];
    if (!text || cpn_units_parse_number(text, flags, &v, why, sizeof why) != CPN_OK) {
        cpn_diag_error(im->diag, im->path, xmlGetLineNo(data), "%s: %s %s", owner, what,
                       text ? why : "cannot be read (out of memory)");
        v = NAN;
    }
    free(text);
    return v;
}

/* Choose the unique topology name of a node label (prefix + label [+ "-N"]). */
static int unique_name(struct import *im, const char *label, long line, char **out)
{
    const char *prefix = im->opt->id_prefix ? im->opt->id_prefix : "";
    size_t len = strlen(prefix) + strlen(label) + 16;
    char *name = malloc(len);
    if (!name)
        return CPN_ERROR(CPN_ENOMEM, "out of memory importing GraphML");
    snprintf(name, len, "%s%s", prefix, label);
    for (unsigned n = 2; cpn_topo_find_node(im->names, name) != CPN_NONE; n++)
        snprintf(name, len, "%s%s-%u", prefix, label, n);
    if (strcmp(name + strlen(prefix), label) != 0) {
        im->st->nodes_renamed++;
        cpn_diag_warning(im->diag, im->path, line,
                         "node label \"%s\" is used more than once: this node is imported as "
                         "\"%s\"",
                         label, name);
    }
    int rc = cpn_topo_add_node(im->names, name, NAN, NAN, NULL);
    if (rc != CPN_OK) {
        free(name);
        return rc;
    }
    *out = name;
    return CPN_OK;
}

static int read_node(struct import *im, const xmlNode *n)
{
    long line = xmlGetLineNo(n);
    char *gid = get_attr(n, "id"), *label = NULL, *name = NULL;
    double lat = NAN, lon = NAN;
    int rc = CPN_OK;
    im->st->nodes_read++;
    if (!gid) {
        cpn_diag_error(im->diag, im->path, line, "<node> without an id attribute");
        goto done;
    }
    char owner[160];
    snprintf(owner, sizeof owner, "node \"%s\"", gid);
    for (const xmlNode *d = n->children; d; d = d->next) {
        if (!is_element(d, "data"))
            continue;
        switch (data_attr(im, d, "node")) {
        case A_LABEL:
            free(label);
            label = get_text(d);
            break;
        case A_LAT:
            lat = data_number(im, d, "Latitude", owner, CPN_UNITS_ALLOW_NEGATIVE);
            break;
        case A_LON:
            lon = data_number(im, d, "Longitude", owner, CPN_UNITS_ALLOW_NEGATIVE);
            break;
        default:
            break;
        }
    }
    if (cpn_topo_find_node(im->gids, gid) != CPN_NONE) {
        cpn_diag_error(im->diag, im->path, line, "node id \"%s\" is used twice", gid);
        goto done;
    }
    if ((rc = unique_name(im, label && *label ? label : gid, line, &name)) != CPN_OK)
        goto done;
    if ((rc = cpn_topo_add_node(im->gids, gid, NAN, NAN, NULL)) != CPN_OK ||
        (rc = cpn_array_reserve(&im->nodes, im->nodes.len + 1)) != CPN_OK) {
        free(name);
        goto done;
    }
    struct node_rec *rec = &im->nodes.items[im->nodes.len++];
    rec->name = name;
    rec->index = CPN_NONE;

    double olat, olon;
    if (im->opt->lookup && im->opt->lookup(im->opt->lookup_ctx, name, &olat, &olon)) {
        lat = olat;
        lon = olon;
        im->st->nodes_overridden++;
    }
    if (isnan(lat) || isnan(lon)) {
        if (im->opt->drop_unplaced) {
            im->st->nodes_dropped++;
            cpn_diag_warning(im->diag, im->path, line,
                             "node \"%s\" has no coordinates: dropped with its edges (give it "
                             "lat and lon with a <node id=\"%s\"> element to keep it)",
                             name, name);
        } else {
            cpn_diag_error(im->diag, im->path, line,
                           "node \"%s\" has no coordinates (give it lat and lon with a <node "
                           "id=\"%s\"> element, or drop unplaced nodes)",
                           name, name);
        }
        goto done;
    }
    int arc = cpn_topo_add_node(im->t, name, lat, lon, &rec->index);
    if (arc != CPN_OK) {
        rec->index = CPN_NONE;
        if (arc == CPN_ENOMEM)
            rc = arc;
        else
            cpn_diag_error(im->diag, im->path, line, "%s", cpn_error_message());
        goto done;
    }
    im->st->nodes_added++;
done:
    free(gid);
    free(label);
    return rc == CPN_ENOMEM ? rc : CPN_OK;
}

static uint32_t find_endpoint(struct import *im, const xmlNode *e, const char *which, long line)
{
    char *gid = get_attr(e, which);
    uint32_t r = gid ? cpn_topo_find_node(im->gids, gid) : CPN_NONE;
    if (!gid)
        cpn_diag_error(im->diag, im->path, line, "<edge> without a %s attribute", which);
    else if (r == CPN_NONE)
        cpn_diag_error(im->diag, im->path, line, "edge: %s node \"%s\" is not defined", which, gid);
    free(gid);
    return r;
}

static int read_edge(struct import *im, const xmlNode *e)
{
    long line = xmlGetLineNo(e);
    im->st->edges_read++;
    uint32_t a = find_endpoint(im, e, "source", line), b = find_endpoint(im, e, "target", line);
    if (a == CPN_NONE || b == CPN_NONE)
        return CPN_OK;
    const char *na = im->nodes.items[a].name, *nb = im->nodes.items[b].name;
    char owner[512];
    snprintf(owner, sizeof owner, "edge \"%s\"--\"%s\"", na, nb);
    double speed = NAN;
    char link_label[32] = "";
    for (const xmlNode *d = e->children; d; d = d->next) {
        enum attr which = is_element(d, "data") ? data_attr(im, d, "edge") : A_COUNT;
        if (which == A_LINKLABEL) {
            char *text = get_text(d);
            snprintf(link_label, sizeof link_label, "%s", text ? text : "");
            free(text);
        }
        if (which == A_SPEED) {
            speed = data_number(im, d, "LinkSpeedRaw", owner, 0);
            if (speed == 0) {
                cpn_diag_error(im->diag, im->path, xmlGetLineNo(d),
                               "%s: LinkSpeedRaw 0 bit/s is not a positive rate", owner);
                speed = NAN;
            }
        }
    }
    if (a == b) {
        im->st->edges_dropped++;
        cpn_diag_warning(im->diag, im->path, line, "%s joins a node to itself: dropped", owner);
        return CPN_OK;
    }
    uint32_t ta = im->nodes.items[a].index, tb = im->nodes.items[b].index;
    if (ta == CPN_NONE || tb == CPN_NONE) {
        im->st->edges_dropped++;
        cpn_diag_warning(im->diag, im->path, line, "%s dropped: node \"%s\" is not imported", owner,
                         ta == CPN_NONE ? na : nb);
        return CPN_OK;
    }
    struct edge_rec rec = {.a = a,
                           .b = b,
                           .lo = a < b ? a : b,
                           .hi = a < b ? b : a,
                           .order = (uint32_t)im->edges.len,
                           .capacity = speed / 8,
                           .line = line};
    memcpy(rec.link_label, link_label, sizeof link_label);
    if (cpn_array_push(&im->edges, rec) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "out of memory importing GraphML");
    return CPN_OK;
}

static int by_pair(const void *x, const void *y)
{
    const struct edge_rec *p = x, *q = y;
    if (p->lo != q->lo)
        return p->lo < q->lo ? -1 : 1;
    if (p->hi != q->hi)
        return p->hi < q->hi ? -1 : 1;
    return p->order < q->order ? -1 : p->order > q->order;
}

static int by_order(const void *x, const void *y)
{
    const struct edge_rec *p = x, *q = y;
    return p->order < q->order ? -1 : p->order > q->order;
}

/* Merge parallel edges (capacities added) and add the links in file order. */
static int add_links(struct import *im)
{
    struct edge_rec *e = im->edges.items;
    size_t n = im->edges.len, m = 0;
    if (n)
        qsort(e, n, sizeof *e, by_pair);
    double dflt = im->opt->link.capacity;
    for (size_t i = 0; i < n;) {
        struct edge_rec merged = e[i];
        merged.capacity = 0;
        int missing = 0;
        size_t j = i;
        for (; j < n && e[j].lo == e[i].lo && e[j].hi == e[i].hi; j++) {
            double c = e[j].capacity;
            if (isnan(c)) {
                im->st->edges_default++;
                c = dflt;
                missing |= isnan(dflt);
            }
            merged.capacity += c;
            if (j > i)
                im->st->edges_merged++;
        }
        if (missing) {
            cpn_diag_error(im->diag, im->path, e[i].line,
                           "edge \"%s\"--\"%s\"%s%s%s has no LinkSpeedRaw and the import "
                           "gives no default capacity (set one, e.g. capacity=\"10Gbps\")",
                           im->nodes.items[e[i].a].name, im->nodes.items[e[i].b].name,
                           e[i].link_label[0] ? " (LinkLabel \"" : "", e[i].link_label,
                           e[i].link_label[0] ? "\")" : "");
            merged.capacity = NAN;
        }
        e[m++] = merged;
        i = j;
    }
    if (m)
        qsort(e, m, sizeof *e, by_order);
    for (size_t i = 0; i < m; i++) {
        if (isnan(e[i].capacity))
            continue;
        const char *na = im->nodes.items[e[i].a].name, *nb = im->nodes.items[e[i].b].name;
        size_t len = strlen(na) + strlen(nb) + 3;
        char *id = malloc(len);
        if (!id)
            return CPN_ERROR(CPN_ENOMEM, "out of memory importing GraphML");
        snprintf(id, len, "%s--%s", na, nb);
        struct cpn_link_spec s = im->opt->link;
        s.id = id;
        s.a = na;
        s.b = nb;
        s.capacity = e[i].capacity;
        s.latency = NAN;
        s.length = NAN;
        int rc = cpn_topo_add_link(im->t, &s, NULL);
        free(id);
        if (rc == CPN_ENOMEM)
            return rc;
        if (rc != CPN_OK)
            cpn_diag_error(im->diag, im->path, e[i].line, "%s", cpn_error_message());
        else
            im->st->links_added++;
    }
    return CPN_OK;
}

/* The first XML error of a parse (libxml2 reports every error; the first is the useful one). */
struct first_error {
    int seen;
    int line;
    char message[512];
};

static void on_xml_error(void *user, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = user;
    struct first_error *fe = ctxt ? ctxt->_private : NULL;
    if (!fe || fe->seen || !err || err->level < XML_ERR_ERROR)
        return;
    fe->seen = 1;
    fe->line = err->line;
    snprintf(fe->message, sizeof fe->message, "%s", err->message ? err->message : "?");
    size_t l = strlen(fe->message);
    while (l && (fe->message[l - 1] == '\n' || fe->message[l - 1] == ' '))
        fe->message[--l] = '\0';
}

/* SAX internalSubset: a <!DOCTYPE> is refused, as in scenario files (its entities would be
 * dropped silently, renaming nodes); the parser stops at once. */
static void refuse_doctype(void *user, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    xmlParserCtxtPtr ctxt = user;
    struct first_error *fe = ctxt ? ctxt->_private : NULL;
    if (!fe || fe->seen)
        return;
    fe->seen = 1;
    fe->line = ctxt->input ? ctxt->input->line : 0;
    snprintf(fe->message, sizeof fe->message,
             "DOCTYPE declarations are not allowed (DTDs and entities are refused for safety, "
             "as in scenario files; remove the <!DOCTYPE ...>)");
    xmlStopParser(ctxt);
}

void cpn_graphml_options_init(struct cpn_graphml_options *o)
{
    memset(o, 0, sizeof *o);
    cpn_link_spec_init(&o->link);
}

static int import_doc(struct import *im, const xmlDoc *doc)
{
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !is_element(root, "graphml")) {
        cpn_diag_error(im->diag, im->path, root ? xmlGetLineNo(root) : 0,
                       "not a GraphML file (root element is <%s>, expected <graphml>)",
                       root ? (const char *)root->name : "nothing");
        return CPN_OK;
    }
    read_keys(im, root);
    const xmlNode *graph = NULL;
    for (const xmlNode *g = root->children; g && !graph; g = g->next)
        if (is_element(g, "graph"))
            graph = g;
    if (!graph) {
        cpn_diag_error(im->diag, im->path, xmlGetLineNo(root), "GraphML file has no <graph>");
        return CPN_OK;
    }
    char *edgedefault = get_attr(graph, "edgedefault");
    if (edgedefault && strcmp(edgedefault, "directed") == 0)
        cpn_diag_warning(im->diag, im->path, xmlGetLineNo(graph),
                         "directed graph: each edge is imported as a full-duplex link (edges a->b "
                         "and b->a are merged and their capacities added)");
    free(edgedefault);
    int rc;
    for (const xmlNode *n = graph->children; n; n = n->next)
        if (is_element(n, "node") && (rc = read_node(im, n)) != CPN_OK)
            return rc;
    for (const xmlNode *e = graph->children; e; e = e->next)
        if (is_element(e, "edge") && (rc = read_edge(im, e)) != CPN_OK)
            return rc;
    return add_links(im);
}

int cpn_graphml_import(struct cpn_topo *t, const char *path, const struct cpn_graphml_options *opt,
                       struct cpn_diag *diag, struct cpn_graphml_stats *stats)
{
    if (!t || !path || !opt || !diag)
        return CPN_ERROR(CPN_EINVAL, "cpn_graphml_import: NULL argument");
    struct cpn_graphml_stats local;
    struct import im = {
        .t = t, .path = path, .opt = opt, .diag = diag, .st = stats ? stats : &local};
    memset(im.st, 0, sizeof *im.st);
    unsigned errors0 = diag->errors;
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    int rc = CPN_OK;

    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        cpn_diag_error(diag, path, 0,
                       "cannot open GraphML file: not a regular file (a folder, a device or a "
                       "FIFO: give a file)");
        return CPN_ERROR(CPN_ENOINPUT, "GraphML file \"%s\" is not a regular file", path);
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        cpn_diag_error(diag, path, 0, "cannot open GraphML file: %s", strerror(e));
        return CPN_ERROR(CPN_ENOINPUT, "cannot open GraphML file \"%s\": %s", path, strerror(e));
    }
    fclose(f);

    im.gids = cpn_topo_new();
    im.names = cpn_topo_new();
    ctxt = xmlNewParserCtxt();
    if (!im.gids || !im.names || !ctxt) {
        rc = CPN_ERROR(CPN_ENOMEM, "out of memory importing GraphML");
        goto fail;
    }
    /* Errors go to on_xml_error (per parser context, no global handler). */
    struct first_error fe = {0};
    ctxt->_private = &fe;
    ctxt->sax->serror = on_xml_error;
    ctxt->sax->internalSubset = refuse_doctype;
    /* No network, no DTD loading, no entity substitution (XML_PARSE_NOENT is not set). */
    doc = xmlCtxtReadFile(ctxt, path, NULL,
                          XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOERROR |
                              XML_PARSE_NOWARNING);
    if (!doc || fe.seen) {
        if (!fe.seen) {
            const xmlError *err = xmlCtxtGetLastError(ctxt);
            on_xml_error(ctxt, (xmlErrorPtr)err);
        }
        if (fe.seen && strncmp(fe.message, "DOCTYPE", 7) == 0)
            cpn_diag_error(diag, path, fe.line, "%s", fe.message);
        else
            cpn_diag_error(diag, path, fe.line, "not well-formed XML: %s",
                           fe.seen ? fe.message : "cannot be parsed");
        goto fail;
    }
    rc = import_doc(&im, doc);
fail:
    if (doc)
        xmlFreeDoc(doc);
    if (ctxt)
        xmlFreeParserCtxt(ctxt);
    for (size_t i = 0; i < im.nodes.len; i++)
        free(im.nodes.items[i].name);
    cpn_array_release(&im.nodes);
    cpn_array_release(&im.edges);
    for (int a = 0; a < A_COUNT; a++)
        free(im.keys[a]);
    cpn_topo_free(im.gids);
    cpn_topo_free(im.names);
    if (rc != CPN_OK)
        return rc;
    if (diag->errors > errors0)
        return CPN_ERROR(CPN_ESCENARIO, "%s: %u error(s) in GraphML import", path,
                         diag->errors - errors0);
    return CPN_OK;
}
