/* Loader: <timeline> changes and tariff tables (docs/scenario-format.md, "<timeline>"). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "scenarios/load_impl.h"
#include "sim/error.h"

/* The index of center @p id, or CPN_NONE (the error names the element). */
static uint32_t ld_center(struct cpn_ld *L, xmlNode *elem, const char *id)
{
    for (size_t i = 0; i < L->s->centers.len; i++)
        if (strcmp(L->s->centers.items[i].spec.id, id) == 0)
            return (uint32_t)i;
    cpn_ld_error(L, elem, "center \"%s\" is not a center of the scenario", id);
    return CPN_NONE;
}

/* Report that @p name is not a @p kind ("link", "span", "node") of the scenario, unless it was
 * defined with errors (reported there). */
static void ld_unknown(struct cpn_ld *L, xmlNode *elem, const char *kind, const char *name)
{
    cpn_ld_error_undefined(L, elem, kind, name, "%s \"%s\" is not a %s of the scenario", kind, name,
                           kind);
}

/* Warn once per element about a change after until: it never happens. */
static void ld_after_until(struct cpn_ld *L, xmlNode *elem, double t)
{
    if (t > cpn_ld_until(L))
        cpn_ld_warning(L, elem, "time %g s is after until (%g s): this change never happens", t,
                       L->s->until);
}

int cpn_ld_timeline_at(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_change c = {.index = CPN_NONE, .value = NAN, .value2 = NAN, .restore = NAN};
    if (cpn_ld_quantity(L, elem, "time", CPN_Q_TIME, &c.time) != 1)
        return CPN_OK; /* reported (the schema requires it) */
    if (!(c.time >= 0) || !isfinite(c.time)) {
        cpn_ld_error(L, elem, "time \"%s\" is not a time >= 0 (e.g. \"2h\")",
                     cpn_ld_attr(elem, "time"));
        return CPN_OK;
    }
    const char *link = cpn_ld_attr(elem, "link"), *center = cpn_ld_attr(elem, "center");
    const char *span = cpn_ld_attr(elem, "span"), *node = cpn_ld_attr(elem, "node");
    const char *state = cpn_ld_attr(elem, "state");
    int has_cap = cpn_ld_attr(elem, "capacity") != NULL;
    int has_tariff = cpn_ld_attr(elem, "electricity") || cpn_ld_attr(elem, "carbon");
    if ((link != NULL) + (center != NULL) + (span != NULL) + (node != NULL) != 1) {
        cpn_ld_error(L, elem,
                     "give exactly one of link, span, node and center (the element changed)");
        return CPN_OK;
    }
    if (span || node) {
        if (has_tariff || has_cap || !state) {
            cpn_ld_error(L, elem,
                         "a %s's change is its state (down, with an optional restore; or up)",
                         span ? "span" : "node");
            return CPN_OK;
        }
        c.index = span ? cpn_scen_find_span(L->s, span) : cpn_topo_find_node(L->s->topo, node);
        if (c.index == CPN_NONE) {
            ld_unknown(L, elem, span ? "span" : "node", span ? span : node);
            return CPN_OK;
        }
        int down = strcmp(state, "down") == 0;
        c.kind = span ? (down ? CPN_CHANGE_SPAN_DOWN : CPN_CHANGE_SPAN_UP)
                      : (down ? CPN_CHANGE_NODE_DOWN : CPN_CHANGE_NODE_UP);
        if (cpn_ld_attr(elem, "restore") && !down) {
            cpn_ld_error(L, elem,
                         "restore is the restoration delay of a failure: it goes with "
                         "state=\"down\"");
            return CPN_OK;
        }
        if (down && cpn_ld_quantity(L, elem, "restore", CPN_Q_TIME, &c.restore) < 0)
            return CPN_OK;
        ld_after_until(L, elem, c.time);
        return cpn_array_push(&L->s->changes, c);
    }
    if (link) {
        if (has_tariff || has_cap == (state != NULL)) {
            cpn_ld_error(L, elem,
                         "a link's change is exactly one of capacity (e.g. \"200Gbps\") and "
                         "state (down or up)");
            return CPN_OK;
        }
        c.index = cpn_topo_find_link(L->s->topo, link);
        if (c.index == CPN_NONE) {
            ld_unknown(L, elem, "link", link);
            return CPN_OK;
        }
        if (state)
            c.kind = strcmp(state, "down") == 0 ? CPN_CHANGE_LINK_DOWN : CPN_CHANGE_LINK_UP;
        if (cpn_ld_attr(elem, "restore") && c.kind != CPN_CHANGE_LINK_DOWN) {
            cpn_ld_error(L, elem,
                         "restore is the restoration delay of a failure: it goes with "
                         "state=\"down\"");
            return CPN_OK;
        }
        if (c.kind == CPN_CHANGE_LINK_DOWN &&
            cpn_ld_quantity(L, elem, "restore", CPN_Q_TIME, &c.restore) < 0)
            return CPN_OK;
        if (!state) {
            c.kind = CPN_CHANGE_LINK_CAPACITY;
            if (cpn_ld_quantity(L, elem, "capacity", CPN_Q_RATE, &c.value) != 1)
                return CPN_OK;
            if (!(c.value > 0) || !isfinite(c.value)) {
                cpn_ld_error(L, elem,
                             "capacity \"%s\" is not a positive rate (use state=\"down\" to "
                             "take the link down)",
                             cpn_ld_attr(elem, "capacity"));
                return CPN_OK;
            }
        }
    } else if (cpn_ld_attr(elem, "pool") || cpn_ld_attr(elem, "units")) {
        /* A pool's size: <at center pool units>. */
        const char *pool = cpn_ld_attr(elem, "pool");
        if (!pool || !cpn_ld_attr(elem, "units") || has_cap || state || has_tariff ||
            cpn_ld_attr(elem, "restore")) {
            cpn_ld_error(L, elem,
                         "a pool's change is pool (its name) and units (a whole number >= 1), "
                         "nothing else");
            return CPN_OK;
        }
        if ((c.index = ld_center(L, elem, center)) == CPN_NONE)
            return CPN_OK;
        const struct cpn_scen_center *sc = &L->s->centers.items[c.index];
        c.pool = CPN_NONE;
        char names[512] = "";
        for (uint32_t p = 0; p < sc->npools; p++) {
            const char *name = L->s->pools.items[sc->pool0 + p].spec.name;
            if (name && strcmp(name, pool) == 0)
                c.pool = p;
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s\"%s\"", p ? ", " : "",
                     name ? name : "");
        }
        if (c.pool == CPN_NONE) {
            cpn_ld_error(L, elem, "pool \"%s\" is not a pool of center \"%s\" (its pools: %s)",
                         pool, center, names);
            return CPN_OK;
        }
        double u;
        if (cpn_ld_whole(L, elem, "units", 1, UINT32_MAX, &u) != 1)
            return CPN_OK;
        c.kind = CPN_CHANGE_POOL_UNITS;
        c.value = u;
    } else {
        if (has_cap || !state == !has_tariff || cpn_ld_attr(elem, "restore")) {
            cpn_ld_error(L, elem,
                         "a center's change is either state (down or up) or a tariff: "
                         "electricity and/or carbon (e.g. electricity=\"0.3CNY/kWh\" "
                         "carbon=\"0.2kg/kWh\"); not capacity or restore");
            return CPN_OK;
        }
        if ((c.index = ld_center(L, elem, center)) == CPN_NONE)
            return CPN_OK;
        if (state) {
            c.kind = strcmp(state, "down") == 0 ? CPN_CHANGE_CENTER_DOWN : CPN_CHANGE_CENTER_UP;
            ld_after_until(L, elem, c.time);
            return cpn_array_push(&L->s->changes, c);
        }
        c.kind = CPN_CHANGE_CENTER_TARIFF;
        if (cpn_ld_attr(elem, "electricity") &&
            cpn_ld_price(L, elem, "electricity", CPN_Q_ENERGY_PRICE, &c.value) != 1)
            return CPN_OK;
        if (cpn_ld_attr(elem, "carbon") &&
            cpn_ld_quantity(L, elem, "carbon", CPN_Q_CARBON, &c.value2) != 1)
            return CPN_OK;
    }
    ld_after_until(L, elem, c.time);
    return cpn_array_push(&L->s->changes, c);
}

/* ---- tariff tables: libcsv callbacks ------------------------------------------------------ */

struct tariff_reader {
    struct cpn_ld *L;
    xmlNode *elem;
    const char *file;
    uint32_t center;
    long row;  /* 1 = the header */
    int field; /* in the current row */
    int bad;   /* this row has an error */
    struct cpn_change c;
    double last; /* time of the previous row [s] */
    int oom;
    int stop; /* the header was wrong: the rows are not read */
};

static const char *const tariff_header[] = {"time", "electricity", "carbon"};

static void tariff_field(void *data, size_t len, void *ctx)
{
    struct tariff_reader *r = ctx;
    char text[128];
    int k = r->field++;
    if (r->stop)
        return;
    if (r->row == 1) {
        if (k == 0 && len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 BOM */
            data = (char *)data + 3;
            len -= 3;
        }
        if (k >= 3 || len != strlen(tariff_header[k]) || memcmp(data, tariff_header[k], len) != 0)
            r->bad = 1;
        return;
    }
    if (k >= 3 || r->bad)
        return;
    if (len >= sizeof text) {
        cpn_diag_error(r->L->diag, r->file, r->row, "field %d is too long (%zu bytes)", k + 1, len);
        r->bad = 1;
        return;
    }
    memcpy(text, data, len);
    text[len] = '\0';
    if (len == 0 && k > 0)
        return; /* empty: keep the value before (NaN) */
    static const enum cpn_quantity q[] = {CPN_Q_TIME, CPN_Q_ENERGY_PRICE, CPN_Q_CARBON};
    static const char *const eg[] = {"13h", "0.45CNY/kWh", "0.52kg/kWh"};
    double v;
    char why[256];
    double *dst[] = {&r->c.time, &r->c.value, &r->c.value2};
    char currency[CPN_CURRENCY_LEN] = "";
    if (cpn_units_parse_ex(text, q[k], 0, &v, currency, why, sizeof why) != CPN_OK || !(v >= 0) ||
        !isfinite(v)) {
        cpn_diag_error(r->L->diag, r->file, r->row,
                       "%s \"%s\" is not accepted (%s; give a value >= 0 with its unit, e.g. "
                       "\"%s\")",
                       tariff_header[k], text, len ? why : "empty", eg[k]);
        r->bad = 1;
        return;
    }
    if (k == 1 && currency[0] && r->L->s->currency[0] && strcmp(currency, r->L->s->currency) != 0) {
        cpn_diag_error(r->L->diag, r->file, r->row,
                       "electricity \"%s\" is in %s, but the scenario's prices are in %s (a "
                       "scenario uses one currency)",
                       text, currency, r->L->s->currency);
        r->bad = 1;
        return;
    }
    *dst[k] = v;
}

static void tariff_row(int end, void *ctx)
{
    (void)end;
    struct tariff_reader *r = ctx;
    if (r->stop) { /* the header was wrong: the rows are skipped */
    } else if (r->row == 1) {
        if ((r->stop = r->bad || r->field != 3))
            cpn_diag_error(r->L->diag, r->file, 1,
                           "header is not accepted (the first line must be exactly "
                           "\"time,electricity,carbon\")");
    } else if (!r->bad && r->field != 3) {
        cpn_diag_error(r->L->diag, r->file, r->row, "%d field%s (use 3: time,electricity,carbon)",
                       r->field, r->field == 1 ? "" : "s");
    } else if (!r->bad && r->c.time < r->last) {
        cpn_diag_error(r->L->diag, r->file, r->row,
                       "time %g s is before the previous row's (%g s): rows go in time order",
                       r->c.time, r->last);
    } else if (!r->bad) {
        r->last = r->c.time;
        if (cpn_array_push(&r->L->s->changes, r->c) != CPN_OK)
            r->oom = 1;
    }
    r->row++;
    r->field = 0;
    r->bad = 0;
    r->c = (struct cpn_change){.kind = CPN_CHANGE_CENTER_TARIFF,
                               .index = r->center,
                               .value = NAN,
                               .value2 = NAN,
                               .restore = NAN};
}

int cpn_ld_timeline_tariffs(struct cpn_ld *L, xmlNode *elem)
{
    const char *center = cpn_ld_attr(elem, "center"), *name = cpn_ld_attr(elem, "file");
    if (!center || !name)
        return CPN_OK; /* the schema reported it */
    uint32_t index = ld_center(L, elem, center);
    const char *file = cpn_ld_resolve(L, elem, name);
    if (!file)
        return CPN_ENOMEM;
    if (index == CPN_NONE)
        return CPN_OK;
    char *text = NULL;
    size_t len = 0;
    int err = cpn_ld_read(file, &text, &len);
    if (err) {
        if (err == ENOMEM)
            return CPN_ENOMEM;
        cpn_ld_error(L, elem, "file \"%s\": cannot read \"%s\": %s", name, file,
                     cpn_ld_strerror(err));
        return CPN_OK;
    }
    int rc = cpn_array_push(&L->s->files, file);
    struct tariff_reader r = {.L = L, .elem = elem, .file = file, .center = index, .row = 1};
    r.c = (struct cpn_change){.kind = CPN_CHANGE_CENTER_TARIFF,
                              .index = index,
                              .value = NAN,
                              .value2 = NAN,
                              .restore = NAN};
    struct csv_parser p;
    if (rc == CPN_OK && csv_init(&p, CSV_STRICT) != 0)
        rc = CPN_ENOMEM;
    else if (rc == CPN_OK) {
        if (csv_parse(&p, text, len, tariff_field, tariff_row, &r) != len ||
            csv_fini(&p, tariff_field, tariff_row, &r) != 0)
            cpn_diag_error(L->diag, file, r.row, "not a valid CSV file here: %s",
                           csv_strerror(csv_error(&p)));
        csv_free(&p);
        if (r.row == 1)
            cpn_diag_error(L->diag, file, 0,
                           "the file is empty (the first line must be \"time,electricity,"
                           "carbon\")");
        if (r.oom)
            rc = CPN_ENOMEM;
    }
    free(text);
    if (rc == CPN_OK && r.last > 0)
        ld_after_until(L, elem, r.last);
    return rc;
}

/* ---- random failures ---------------------------------------------------------------------- */

/* What a failure process is of: a link, a center, a span or a node (the others CPN_NONE). */
struct ld_failing {
    uint32_t link, center, span, node;
};

/* Give @p w the failure distributions @p d and restoration delay @p restore, unless it has some
 * already (an error). */
static int ld_failure_add(struct cpn_ld *L, xmlNode *elem, struct ld_failing w, struct cpn_dist *d,
                          double restore)
{
    const char *what = w.center != CPN_NONE ? "center"
                       : w.span != CPN_NONE ? "span"
                       : w.node != CPN_NONE ? "node"
                                            : "link";
    for (size_t i = 0; i < L->s->failures.len; i++) {
        const struct cpn_scen_failure *o = &L->s->failures.items[i];
        if (o->link == w.link && o->center == w.center && o->span == w.span && o->node == w.node) {
            cpn_ld_error(L, elem, "%s \"%s\" already has random failures (line %ld)", what,
                         w.center != CPN_NONE ? L->s->centers.items[w.center].spec.id
                         : w.span != CPN_NONE ? L->s->spans.items[w.span].id
                         : w.node != CPN_NONE ? cpn_topo_node(L->s->topo, w.node)->id
                                              : cpn_topo_link(L->s->topo, w.link)->id,
                         o->line);
            return CPN_OK;
        }
    }
    struct cpn_scen_failure f = {w.link,
                                 w.center,
                                 w.span,
                                 w.node,
                                 d,
                                 0,
                                 restore,
                                 cpn_ld_file_name(elem),
                                 xmlGetLineNo(elem)};
    return cpn_array_push(&L->s->failures, f);
}

int cpn_ld_timeline_failures(struct cpn_ld *L, xmlNode *elem)
{
    const char *links = cpn_ld_attr(elem, "links"), *kind = cpn_ld_attr(elem, "kind");
    const char *centers = cpn_ld_attr(elem, "centers"), *spans = cpn_ld_attr(elem, "spans");
    const char *nodes = cpn_ld_attr(elem, "nodes");
    if ((links != NULL) + (kind != NULL) + (centers != NULL) + (spans != NULL) + (nodes != NULL) !=
        1) {
        cpn_ld_error(L, elem,
                     "give exactly one of links (link ids, e.g. \"a-b c-d\"), kind (every "
                     "link of a kind: ip, optical, rdma or dc), spans (fibre span ids), nodes "
                     "(node ids) and centers (center ids)");
        return CPN_OK;
    }
    if (centers && cpn_ld_attr(elem, "restore")) {
        cpn_ld_error(L, elem, "restore is for links (a center's jobs are placed again)");
        return CPN_OK;
    }
    struct cpn_dist *d = calloc(2, sizeof *d);
    if (!d)
        return CPN_ENOMEM;
    int ok = 1;
    static const char *const names[] = {"mtbf", "mttr"};
    for (int k = 0; k < 2; k++) {
        int r = cpn_ld_dist(L, elem, names[k], CPN_Q_TIME, &d[k], NULL);
        if (r == 0)
            cpn_ld_error(L, elem,
                         "%s is missing: give a distribution of time, e.g. \"exp(30d)\" or "
                         "\"weibull(30d,0.7)\"",
                         names[k]);
        ok &= r == 1;
    }
    double restore = NAN;
    if (cpn_ld_quantity(L, elem, "restore", CPN_Q_TIME, &restore) < 0)
        ok = 0;
    const struct cpn_topo *topo = L->s->topo;
    size_t first = L->s->failures.len;
    int rc = CPN_OK;
    enum cpn_link_kind known;
    if (kind && cpn_link_kind_parse(kind, &known) != CPN_OK) {
        cpn_ld_error(L, elem, "kind \"%s\" is not accepted (use ip, optical, rdma or dc)", kind);
        ok = 0;
    }
    if (ok && kind) {
        for (uint32_t l = 0; l < cpn_topo_link_count(topo) && rc == CPN_OK; l++)
            if (strcmp(cpn_link_kind_name(cpn_topo_link(topo, l)->kind), kind) == 0)
                rc = ld_failure_add(L, elem, (struct ld_failing){l, CPN_NONE, CPN_NONE, CPN_NONE},
                                    d, restore);
        if (rc == CPN_OK && L->s->failures.len == first)
            cpn_ld_warning(L, elem, "no link is of kind \"%s\": nothing fails", kind);
    } else if (ok) {
        const char *list = links ? links : centers ? centers : spans ? spans : nodes;
        char *copy = strdup(list), *save = NULL;
        if (!copy)
            rc = CPN_ENOMEM;
        for (char *w = copy ? strtok_r(copy, " \t\n", &save) : NULL; w && rc == CPN_OK;
             w = strtok_r(NULL, " \t\n", &save)) {
            struct ld_failing what = {CPN_NONE, CPN_NONE, CPN_NONE, CPN_NONE};
            uint32_t k = CPN_NONE;
            if (centers) {
                if ((what.center = ld_center(L, elem, w)) == CPN_NONE)
                    continue; /* reported */
            } else if (spans) {
                if ((what.span = k = cpn_scen_find_span(L->s, w)) == CPN_NONE)
                    ld_unknown(L, elem, "span", w);
            } else if (nodes) {
                if ((what.node = k = cpn_topo_find_node(topo, w)) == CPN_NONE)
                    ld_unknown(L, elem, "node", w);
            } else if ((what.link = k = cpn_topo_find_link(topo, w)) == CPN_NONE) {
                ld_unknown(L, elem, "link", w);
            }
            if (centers || k != CPN_NONE)
                rc = ld_failure_add(L, elem, what, d, restore);
        }
        free(copy);
    }
    if (L->s->failures.len > first) {
        L->s->failures.items[first].owner = 1;
        return rc;
    }
    cpn_dist_release(&d[0]);
    cpn_dist_release(&d[1]);
    free(d);
    return rc;
}
