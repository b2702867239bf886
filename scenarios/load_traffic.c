/* Scenario loader: the <traffic> elements and the whole-scenario checks (see load.h). */
#include <errno.h>
#include <float.h>
#include <sys/stat.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/load_impl.h"
#include "scenarios/numparse.h"
#include "sim/error.h"
#include "sim/tempfile.h"

/* The exact header line of a flows CSV file, and the one with a path column. */
#define LD_CSV_HEADER      "id,src,dst,bytes,start_time"
#define LD_CSV_HEADER_PATH LD_CSV_HEADER ",path"

/* Check a flow's src or dst; returns the node index or CPN_NONE (reported). */
static uint32_t ld_flow_node(struct cpn_ld *L, xmlNode *elem, const char *attr)
{
    const char *id = cpn_ld_attr(elem, attr);
    return id ? cpn_ld_node_ref(L, elem, attr, id) : CPN_NONE;
}

int cpn_ld_flow(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_scenario *s = L->s;
    const char *id = cpn_ld_attr(elem, "id");
    if (!cpn_ld_check_id(L, elem, id))
        return CPN_OK;
    struct cpn_scen_flow f = {.id = id, /* copied by cpn_ld_keep_flow() */
                              .src = ld_flow_node(L, elem, "src"),
                              .dst = ld_flow_node(L, elem, "dst"),
                              .path = CPN_NONE,
                              .pathset = CPN_NONE,
                              .transport = 0,
                              .weight = 1,
                              .file = cpn_ld_file_name(elem),
                              .line = xmlGetLineNo(elem)};
    int ok = f.src != CPN_NONE && f.dst != CPN_NONE;
    if (ok && f.src == f.dst) {
        cpn_ld_error(L, elem, "src and dst are both \"%s\" (a flow joins two different nodes)",
                     cpn_ld_attr(elem, "src"));
        ok = 0;
    }
    if (cpn_ld_quantity(L, elem, "size", CPN_Q_SIZE, &f.size) < 0)
        ok = 0;
    if (cpn_ld_quantity(L, elem, "start", CPN_Q_TIME, &f.start) < 0)
        ok = 0;
    const char *path = cpn_ld_attr(elem, "path");
    if (path) {
        f.path = cpn_scen_find_path(s, path);
        if (f.path == CPN_NONE) {
            cpn_ld_error(L, elem,
                         "path \"%s\" is not defined (define it in <topology> with "
                         "<path id=\"%s\" via=\"SRC ... DST\"/>, or leave path out for "
                         "the shortest path)",
                         path, path);
            ok = 0;
        }
    }
    const char *routing = cpn_ld_attr(elem, "routing");
    f.ecmp = routing && strcmp(routing, "ecmp") == 0; /* the schema allows shortest, ecmp */
    int r_paths = cpn_ld_paths_ref(L, elem, &f.k_paths, &f.pathset);
    if (f.ecmp && (path || r_paths == 1)) {
        cpn_ld_error(L, elem,
                     "routing=\"ecmp\" and %s are both given (ecmp chooses the route of a flow "
                     "without one: leave out one of them)",
                     path ? "path" : "paths");
        ok = 0;
    }
    if (r_paths < 0)
        ok = 0;
    else if (r_paths == 1 && path) {
        cpn_ld_error(L, elem,
                     "path and paths are both given (give path for one explicit path, or paths "
                     "for a split over several)");
        ok = 0;
    }
    /* transport= names the profile; profile= is its older name, still accepted. */
    if (cpn_ld_attr(elem, "transport") && cpn_ld_attr(elem, "profile")) {
        cpn_ld_error(L, elem,
                     "transport and profile are both given (profile is the older name of "
                     "transport: give transport only)");
        ok = 0;
    } else if (cpn_ld_transport_ref(L, elem, cpn_ld_attr(elem, "profile") ? "profile" : "transport",
                                    &f.transport) < 0)
        ok = 0;
    int r = cpn_ld_number(L, elem, "weight", 0, &f.weight);
    if (r < 0)
        ok = 0;
    else if (r == 1 && !(f.weight > 0)) {
        cpn_ld_error(L, elem, "weight \"%s\" is not positive (use a number > 0, e.g. 1 or 2.5)",
                     cpn_ld_attr(elem, "weight"));
        ok = 0;
    }
    if (!ok) {
        cpn_ld_defined_badly(L, "flow", id);
        return CPN_OK;
    }
    char length[32];
    if (f.start > cpn_ld_until(L))
        cpn_ld_warning(L, elem, "start %g s is after until (%s): this flow never starts", f.start,
                       cpn_ld_duration_text(L->s->until, length, sizeof length));
    return cpn_ld_keep_flow(L, &f);
}

/* ---- loaded flows, kept compact ------------------------------------------------------------ */

static uint64_t spec_hash(const struct cpn_scen_flowspec *p)
{
    uint64_t w;
    memcpy(&w, &p->weight, sizeof w);
    uint64_t h = (uint64_t)(uintptr_t)p->file * 0x9e3779b97f4a7c15ull;
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ ((uint64_t)p->path << 32 | p->transport)) * 0x94d049bb133111ebull;
    h = (h ^ ((uint64_t)p->k_paths << 32 | p->pathset)) * 0x9e3779b97f4a7c15ull;
    h ^= (uint64_t)p->ecmp << 1 | p->csv;
    return h ^ (h >> 29);
}

static int spec_equal(const struct cpn_scen_flowspec *a, const struct cpn_scen_flowspec *b)
{
    return a->file == b->file && a->weight == b->weight && a->path == b->path &&
           a->transport == b->transport && a->k_paths == b->k_paths && a->pathset == b->pathset &&
           a->ecmp == b->ecmp && a->csv == b->csv;
}

/* The index of @p p in s->flowspecs, added when new (CPN_NONE: out of memory). */
static uint32_t ld_spec(struct cpn_ld *L, const struct cpn_scen_flowspec *p)
{
    struct cpn_scenario *s = L->s;
    if ((s->flowspecs.len + 1) * 2 > L->spec_size) { /* grow, at most half full */
        size_t size = L->spec_size ? L->spec_size * 2 : 64;
        uint32_t *slots = malloc(size * sizeof *slots);
        if (!slots)
            return CPN_NONE;
        memset(slots, 0xff, size * sizeof *slots);
        for (size_t i = 0; i < s->flowspecs.len; i++) {
            size_t j = (size_t)spec_hash(&s->flowspecs.items[i]) & (size - 1);
            while (slots[j] != CPN_NONE)
                j = (j + 1) & (size - 1);
            slots[j] = (uint32_t)i;
        }
        free(L->spec_slots);
        L->spec_slots = slots;
        L->spec_size = size;
    }
    size_t j = (size_t)spec_hash(p) & (L->spec_size - 1);
    for (; L->spec_slots[j] != CPN_NONE; j = (j + 1) & (L->spec_size - 1))
        if (spec_equal(&s->flowspecs.items[L->spec_slots[j]], p))
            return L->spec_slots[j];
    if (cpn_array_push(&s->flowspecs, *p) != CPN_OK)
        return CPN_NONE;
    return L->spec_slots[j] = (uint32_t)(s->flowspecs.len - 1);
}

int cpn_ld_keep_flow(struct cpn_ld *L, const struct cpn_scen_flow *f)
{
    struct cpn_scenario *s = L->s;
    struct cpn_scen_flowspec p = {f->file,    f->weight,  f->path, f->transport,
                                  f->k_paths, f->pathset, f->ecmp, f->csv};
    uint32_t spec = ld_spec(L, &p);
    if (spec == CPN_NONE)
        return CPN_ENOMEM;
    size_t at = s->flow_ids.len, len = strlen(f->id) + 1;
    if (at + len > UINT32_MAX) {
        cpn_diag_error(L->diag, f->file, f->line,
                       "the ids of the loaded flows pass 4 GiB (load fewer flows, or read the "
                       "file during the run with stream=\"yes\")");
        return CPN_OK;
    }
    if (cpn_array_reserve(&s->flow_ids, at + len) != CPN_OK)
        return CPN_ENOMEM;
    memcpy(s->flow_ids.items + at, f->id, len);
    s->flow_ids.len = at + len;
    struct cpn_scen_flowrow row = {
        .size = f->size,
        .start = f->start,
        .src = f->src,
        .dst = f->dst,
        .id = (uint32_t)at,
        .route = f->route ? f->route->id : CPN_NONE,
        .spec = spec,
        .line = f->line <= 0                          ? 0
                : (unsigned long)f->line > UINT32_MAX ? UINT32_MAX
                                                      : (uint32_t)f->line,
    };
    return cpn_array_push(&s->flows, row);
}

const char *cpn_scen_flow_id(const struct cpn_scenario *s, size_t i)
{
    return s->flow_ids.items + s->flows.items[i].id;
}

void cpn_scen_flow_get(const struct cpn_scenario *s, size_t i, struct cpn_scen_flow *f)
{
    const struct cpn_scen_flowrow *row = &s->flows.items[i];
    const struct cpn_scen_flowspec *p = &s->flowspecs.items[row->spec];
    *f = (struct cpn_scen_flow){
        .id = s->flow_ids.items + row->id,
        .src = row->src,
        .dst = row->dst,
        .size = row->size,
        .start = row->start,
        .path = p->path,
        .transport = p->transport,
        .k_paths = p->k_paths,
        .pathset = p->pathset,
        .weight = p->weight,
        .route = row->route == CPN_NONE ? NULL : cpn_route_path(s->router, row->route),
        .ecmp = p->ecmp,
        .csv = p->csv,
        .file = p->file,
        .line = row->line,
    };
}

/* ------------------------------------------------------------------------------------------ */

static const char *const ld_csv_fields[] = {"id", "src", "dst", "bytes", "start_time", "path"};

/* The path column of a data row: empty (the file's routing), the id of a topology path, or the
 * nodes of the route separated by blanks (loose source routing, route.h), whose look-up in
 * s->route_texts uses @p token (cpn_idmap_find_token()).  Reports and returns 0 when bad (*oom
 * set when out of memory). */
static int ld_csv_path(struct cpn_scenario *s, struct cpn_router *r, struct cpn_diag *diag,
                       const char *file, long line, const char *text, uint64_t token,
                       struct cpn_scen_flow *f, int *oom)
{
    if (!*text)
        return 1;
    if (!strpbrk(text, " \t")) {
        f->path = cpn_scen_find_path(s, text);
        if (f->path == CPN_NONE) {
            cpn_diag_error(diag, file, line,
                           "field 6 \"path\": \"%s\" is not a path of the topology (give a "
                           "<path id> of <topology>, the route's nodes separated by blanks, or "
                           "nothing for the shortest path)",
                           text);
            return 0;
        }
        return 1;
    }
    /* Rows of one pair mostly repeat one route: build each distinct text once. */
    uint32_t known = r ? cpn_idmap_find_token(&s->route_texts, text, token) : CPN_NONE;
    if (known != CPN_NONE) {
        f->route = cpn_route_path(r, known);
        return 1;
    }
    int rc = r ? cpn_route_explicit_ids(r, text, &f->route) : CPN_ENOMEM;
    char *key = NULL;
    if (rc == CPN_OK && (!(key = strdup(text)) || cpn_array_push(&s->route_keys, key) != CPN_OK ||
                         cpn_idmap_insert(&s->route_texts, key, f->route->id) != CPN_OK)) {
        if (!s->route_keys.len || s->route_keys.items[s->route_keys.len - 1] != key)
            free(key);
        rc = CPN_ENOMEM;
    }
    if (rc == CPN_ENOMEM) {
        *oom = 1;
        return 0;
    }
    if (rc != CPN_OK) {
        cpn_diag_error(diag, file, line,
                       "field 6 \"path\": %s (give the nodes of a route from src to dst "
                       "separated by blanks)",
                       cpn_error_message());
        return 0;
    }
    return 1;
}

/* A number column of a data row, as cpn_units_parse_number() reads it (flags 0).  Nearly every
 * such field is a plain number that it accepts as it is, with nothing to trim: those are read
 * at once (the whole field one number, finite, and 0 or at least DBL_MIN: the value
 * cpn_units_parse_number() gives, -0 as +0); the others go through cpn_units_parse_number(),
 * which also words the error.  (Through cpn_units_parse_number() alone, the 2e5 numbers of a
 * 1e5-row file took 108e6 instructions, 6% of a `cpnsim run` of the fat tree benchmark.) */
static int csv_number(const char *text, double *out, char *why, size_t whylen)
{
    size_t n = strlen(text);
    double v;
    /* (Up to 63 bytes: well below the longest number the unit parser reads, so that it is the
     * one to refuse a text too long to be a number, as it words that.) */
    int plain = n && n < 64 && cpn_numparse(text, n, &v) == 0;
    if (plain && isfinite(v) && (v == 0 || v >= DBL_MIN)) { /* (so not negative) */
        *out = v == 0 ? 0.0 : v;
        return CPN_OK;
    }
    return cpn_units_parse_number(text, 0, out, why, whylen);
}

int cpn_scen_csv_flow(struct cpn_scenario *s, struct cpn_router *r, struct cpn_diag *diag,
                      const char *file, long line, char *text, int columns, uint64_t path_token,
                      struct cpn_scen_flow *f, int *oom)
{
    char *field[6];
    int n = 0;
    for (char *q = text;; q++) {
        if (n < 6)
            field[n] = q;
        n++;
        q = strchr(q, ',');
        if (!q)
            break;
        *q = '\0';
    }
    if (n != columns) {
        cpn_diag_error(diag, file, line, "%d field%s (use %d: %s)", n, n == 1 ? "" : "s", columns,
                       columns == 6 ? LD_CSV_HEADER_PATH : LD_CSV_HEADER);
        return 0;
    }
    char why[256];
    int ok = 1;
    /* (a quote: a spreadsheet's quoted field, whose quotes would become part of the id and of
     * --flows-out's row; the file's fields are plain) */
    if (!*field[0] || strpbrk(field[0], " \t\"")) {
        cpn_diag_error(diag, file, line,
                       "field 1 \"id\": \"%s\" is not accepted (use a "
                       "non-empty name without blanks or quotes: the fields are plain, not "
                       "quoted)",
                       field[0]);
        ok = 0;
    }
    for (int k = 1; k <= 2; k++) {
        uint32_t node = cpn_topo_find_node(s->topo, field[k]);
        if (node == CPN_NONE) {
            cpn_diag_error(diag, file, line,
                           "field %d \"%s\": node \"%s\" is not defined (use a node id of the "
                           "topology)",
                           k + 1, ld_csv_fields[k], field[k]);
            ok = 0;
        }
        *(k == 1 ? &f->src : &f->dst) = node;
    }
    if (ok && f->src == f->dst) {
        cpn_diag_error(diag, file, line,
                       "src and dst are both \"%s\" (a flow joins two different nodes)", field[1]);
        ok = 0;
    }
    for (int k = 3; k <= 4; k++) {
        double v;
        if (csv_number(field[k], &v, why, sizeof why) != CPN_OK) {
            char *paren = strstr(why, " (");
            if (paren)
                *paren = '\0';
            cpn_diag_error(diag, file, line,
                           "field %d \"%s\": %s (use %s as a non-negative "
                           "number)",
                           k + 1, ld_csv_fields[k], why, k == 3 ? "bytes" : "seconds");
            ok = 0;
        } else
            *(k == 3 ? &f->size : &f->start) = v;
    }
    if (columns == 6 && field[5][0] && (f->k_paths || f->pathset != CPN_NONE)) {
        cpn_diag_error(diag, file, line,
                       "field 6 \"path\" is given and the file's paths= splits "
                       "every flow (leave out one of them)");
        ok = 0;
    } else if (columns == 6 && ok &&
               !ld_csv_path(s, r, diag, file, line, field[5], path_token, f, oom)) {
        ok = 0;
    }
    if (ok && (f->path != CPN_NONE || f->route))
        f->ecmp = 0; /* its path wins over the file's routing */
    f->id = field[0];
    return ok;
}

/* Read the next line of a CSV file into *buf (grown by getline) without its "\n" or "\r\n".
 * Returns 0 at the end of the file or on a read error (the caller checks ferror). */
static int ld_csv_line(char **buf, size_t *cap, FILE *in)
{
    ssize_t got = getline(buf, cap, in);
    if (got < 0)
        return 0;
    char *end = *buf + got;
    if (end > *buf && end[-1] == '\n')
        *--end = '\0';
    if (end > *buf && end[-1] == '\r')
        end[-1] = '\0';
    return 1;
}

/* The lines of a flow file, two read ahead (ld_lines_next()), with hints for the look-ups of
 * their path texts: the id table's slot of the line after next, and of the next line (whose
 * slot has come in by then) the stored key's text and the path it names.  On files with thousands
 * of routes those look-ups are cache misses, one waiting on the other, and were the streamed run's
 * main wait (docs/models-network.md §3.4).  A line read ahead is only read: the caller parses and
 * checks it, and reports its errors at its line, when its turn comes.  A line that cannot be read
 * now is read again when its turn comes (and the caller's ferror() check words the error). */
struct ld_lines {
    FILE *in;
    char *buf; /* the current line */
    size_t cap;
    uint64_t buf_token; /* its path text's cpn_idmap_prefetch() token (its text after the last
                         * comma), or 0 */
    char *ahead[2];     /* the next lines: n_ahead of them */
    size_t ahead_cap[2];
    uint64_t token[2]; /* their path texts' cpn_idmap_prefetch() tokens */
    int n_ahead;
    const struct cpn_idmap *paths;   /* the path texts' table to hint; NULL: no read-ahead */
    const struct cpn_router *router; /* their paths' router (hints), or NULL */
};

/* The next line into L->buf (without its end of line); 0 at the end of the file or on a read
 * error. */
static int ld_lines_next(struct ld_lines *L)
{
    if (!L->n_ahead) {
        L->buf_token = 0;
        if (!ld_csv_line(&L->buf, &L->cap, L->in))
            return 0;
    } else {
        char *b = L->buf;
        size_t c = L->cap;
        L->buf = L->ahead[0];
        L->cap = L->ahead_cap[0];
        L->buf_token = L->token[0];
        L->ahead[0] = L->ahead[1];
        L->ahead_cap[0] = L->ahead_cap[1];
        L->token[0] = L->token[1];
        L->ahead[1] = b;
        L->ahead_cap[1] = c;
        L->n_ahead--;
    }
    while (L->paths && L->n_ahead < 2) {
        int k = L->n_ahead;
        if (!ld_csv_line(&L->ahead[k], &L->ahead_cap[k], L->in))
            break;
        L->n_ahead++;
        /* (The text after the last comma: a line of other fields fails its parse later, and
         * its hint was only wasted.) */
        const char *path = strrchr(L->ahead[k], ',');
        L->token[k] = path ? cpn_idmap_prefetch(L->paths, path + 1) : 0;
    }
    if (L->n_ahead) /* (its path too: the text's index is its path's id) */
        cpn_route_prefetch(L->router, cpn_idmap_prefetch_key(L->paths, L->token[0]));
    return 1;
}

static void ld_lines_free(struct ld_lines *L)
{
    free(L->buf);
    free(L->ahead[0]);
    free(L->ahead[1]);
}

/* ---- streamed flow files, read during the run ---------------------------------------------- */

/*
 * The checked copy of a streamed file's rows (struct cpn_scen_flowfile's copy_fd): what the run
 * needs of each row that the load parsed and checked, in file order, as a struct copy_row and
 * then the id's bytes and a NUL.  Native byte order: the copy lives only as long as the
 * scenario, in an unlinked temporary file.  The run reads it instead of parsing the file again
 * (on the 1e6-flow WAN benchmark, the second parse was a tenth of the run's CPU time), and a
 * file that changes after the load no longer changes the run.
 */
struct copy_row {
    double size, start; /* [B], [s] */
    uint32_t src, dst;  /* nodes */
    uint32_t path;      /* a named path (cpn_scenario.paths), or CPN_NONE */
    uint32_t route;     /* its path column's route (the router's path id), or CPN_NONE */
    uint32_t dline;     /* its line in the file less the previous row's (the first: its line) */
    uint32_t idlen;     /* bytes of its id (then the id and a NUL) */
};

/* Append checked row @p f to the copy @p o; @p line: the line of the row put before (0 for
 * none), updated. */
static void copy_row_put(struct cpn_tempfile *o, long *line, const struct cpn_scen_flow *f)
{
    if (o->err || o->fd < 0)
        return;
    size_t idlen = strlen(f->id);
    if (idlen > UINT32_MAX - 1 || f->line - *line > (long)UINT32_MAX) {
        o->err = EOVERFLOW;
        return;
    }
    struct copy_row r = {f->size,
                         f->start,
                         f->src,
                         f->dst,
                         f->path,
                         f->route ? f->route->id : CPN_NONE,
                         (uint32_t)(f->line - *line),
                         (uint32_t)idlen};
    *line = f->line;
    cpn_tempfile_write(o, &r, sizeof r);
    cpn_tempfile_write(o, f->id, idlen + 1);
}

size_t cpn_scen_flow_count(const struct cpn_scenario *s)
{
    size_t n = s->flows.len;
    for (size_t k = 0; k < s->flowfiles.len; k++)
        n += s->flowfiles.items[k].rows;
    return n;
}

struct cpn_scen_flow_reader {
    struct cpn_scenario *s;
    const struct cpn_scen_flowfile *ff;
    struct cpn_diag *diag;
    struct cpn_tempfile_reader copy; /* from the checked copy (ff->copy_fd >= 0: copy.buf is
                                      * not NULL); else from the file: */
    struct ld_lines lines;           /* the file's lines (hinting the path texts' look-ups: a path
                                      * column) */
    long line;
    double last; /* start time of the previous row [s] */
    int route;   /* route ECMP flows */
    size_t rows; /* rows given so far */
};

int cpn_scen_flow_reader_open(struct cpn_scenario *s, size_t k, struct cpn_diag *diag, int route,
                              struct cpn_scen_flow_reader **out)
{
    if (!s || k >= s->flowfiles.len || !diag || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_scen_flow_reader_open: bad argument");
    struct cpn_scen_flow_reader *rd = calloc(1, sizeof *rd);
    if (!rd)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    rd->s = s;
    rd->ff = &s->flowfiles.items[k];
    rd->diag = diag;
    rd->route = route;
    rd->last = -INFINITY;
    if (rd->ff->copy_fd >= 0) {
        if (cpn_tempfile_reader_open(&rd->copy, rd->ff->copy_fd, rd->ff->copy_bytes) != CPN_OK) {
            free(rd);
            return CPN_ENOMEM;
        }
        *out = rd;
        return CPN_OK;
    }
    rd->lines.paths = rd->ff->columns == 6 ? &s->route_texts : NULL;
    rd->lines.router = s->router;
    int err = cpn_ld_open(rd->ff->file, &rd->lines.in);
    if (err) {
        free(rd);
        return err == ENOMEM ? CPN_ERROR(CPN_ENOMEM, NULL)
                             : CPN_ERROR(CPN_ESCENARIO, "%s: cannot read it any more: %s",
                                         s->flowfiles.items[k].file, cpn_ld_strerror(err));
    }
    *out = rd;
    return CPN_OK;
}

/* Make at least @p need bytes of the checked copy available (cpn_tempfile_reader_fill()). */
static int copy_fill(struct cpn_scen_flow_reader *rd, size_t need)
{
    int e = cpn_tempfile_reader_fill(&rd->copy, need);
    if (e == ENOMEM)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    if (e)
        return CPN_ERROR(CPN_EIO, "%s: cannot read the checked copy of its rows back: %s",
                         rd->ff->file, e < 0 ? "it ends early" : strerror(e));
    return CPN_OK;
}

/* The next row of the checked copy into @p f (*more = 0 at its end). */
static int copy_next(struct cpn_scen_flow_reader *rd, struct cpn_scen_flow *f, int *more)
{
    const struct cpn_scen_flowfile *ff = rd->ff;
    struct cpn_tempfile_reader *c = &rd->copy;
    int rc = copy_fill(rd, sizeof(struct copy_row));
    if (rc != CPN_OK || c->pos == c->len)
        return rc; /* (the end: *more stays 0) */
    struct copy_row r;
    if (c->len - c->pos < sizeof r)
        return CPN_ERROR(CPN_EIO, "%s: the checked copy of its rows ends inside a row", ff->file);
    memcpy(&r, c->buf + c->pos, sizeof r);
    size_t need = sizeof r + (size_t)r.idlen + 1;
    if ((rc = copy_fill(rd, need)) != CPN_OK)
        return rc;
    if (c->len - c->pos < need || c->buf[c->pos + need - 1] != '\0')
        return CPN_ERROR(CPN_EIO, "%s: the checked copy of its rows is damaged", ff->file);
    /* (Without rd->route nothing of the router is read: cpn_scen_flow_reader_open().) */
    const struct cpn_path *route =
        rd->route && r.route != CPN_NONE ? cpn_route_path(rd->s->router, r.route) : NULL;
    rd->line += (long)r.dline;
    *f = (struct cpn_scen_flow){.id = c->buf + c->pos + sizeof r,
                                .src = r.src,
                                .dst = r.dst,
                                .size = r.size,
                                .start = r.start,
                                .path = r.path,
                                .transport = ff->transport,
                                .pathset = CPN_NONE,
                                .weight = 1,
                                .route = route,
                                .ecmp = ff->ecmp && r.path == CPN_NONE && r.route == CPN_NONE,
                                .csv = 1,
                                .file = ff->file,
                                .line = rd->line};
    c->pos += need;
    /* (The next row's route, fetched while this one starts: on files of thousands of routes
     * its look-up is a cache miss.) */
    if (rd->route && c->len - c->pos >= sizeof r) {
        memcpy(&r, c->buf + c->pos, sizeof r);
        cpn_route_prefetch(rd->s->router, r.route);
    }
    *more = 1;
    return CPN_OK;
}

/* Route row @p f as the load routed it (ECMP, over the links up now) and count it. */
static int reader_finish_row(struct cpn_scen_flow_reader *rd, struct cpn_scen_flow *f)
{
    const struct cpn_scen_flowfile *ff = rd->ff;
    if (rd->route && f->ecmp && !f->route && f->path == CPN_NONE) {
        int rc = cpn_route_ecmp_hash(rd->s->router, f->src, f->dst, cpn_route_flow_hash(f->id),
                                     &f->route);
        if (rc != CPN_OK) {
            cpn_diag_error(rd->diag, ff->file, f->line, "flow \"%s\": %s", f->id,
                           cpn_error_message());
            return rc == CPN_ENOMEM
                       ? rc
                       : CPN_ERROR(CPN_ESCENARIO, "%s:%ld: no route", ff->file, f->line);
        }
    }
    if (++rd->rows > ff->rows)
        return CPN_ERROR(CPN_ESCENARIO,
                         "%s:%ld: the file has more rows than the %zu it had when loaded (it "
                         "changed since)",
                         ff->file, f->line, ff->rows);
    return CPN_OK;
}

int cpn_scen_flow_reader_next(struct cpn_scen_flow_reader *rd, struct cpn_scen_flow *f, int *more)
{
    const struct cpn_scen_flowfile *ff = rd->ff;
    *more = 0;
    if (rd->copy.buf) {
        int rc = copy_next(rd, f, more);
        if (rc == CPN_OK && *more && (rc = reader_finish_row(rd, f)) != CPN_OK)
            *more = 0;
        if (rc == CPN_OK && !*more && rd->rows != ff->rows)
            rc = CPN_ERROR(CPN_EIO,
                           "%s: the checked copy of its rows ends after %zu of its %zu rows",
                           ff->file, rd->rows, ff->rows);
        return rc;
    }
    while (ld_lines_next(&rd->lines)) {
        char *text = rd->lines.buf;
        if (++rd->line == 1 || !*text)
            continue; /* the header (checked at load), blank lines */
        *f = (struct cpn_scen_flow){.path = CPN_NONE,
                                    .transport = ff->transport,
                                    .pathset = CPN_NONE,
                                    .weight = 1,
                                    .ecmp = ff->ecmp,
                                    .csv = 1,
                                    .file = ff->file,
                                    .line = rd->line};
        int oom = 0;
        if (!cpn_scen_csv_flow(rd->s, rd->s->router, rd->diag, ff->file, rd->line, text,
                               ff->columns, rd->lines.buf_token, f, &oom))
            return oom ? CPN_ERROR(CPN_ENOMEM, NULL)
                       : CPN_ERROR(CPN_ESCENARIO, "%s:%ld: the row changed since it was loaded",
                                   ff->file, rd->line);
        if (f->start < rd->last) {
            cpn_diag_error(rd->diag, ff->file, rd->line,
                           "start_time %.17g s comes before the previous row's (the file changed "
                           "since it was loaded)",
                           f->start);
            return CPN_ERROR(CPN_ESCENARIO, "%s:%ld: rows out of order", ff->file, rd->line);
        }
        rd->last = f->start;
        int rc = reader_finish_row(rd, f);
        if (rc != CPN_OK)
            return rc;
        *more = 1;
        return CPN_OK;
    }
    if (ferror(rd->lines.in))
        return CPN_ERROR(CPN_ESCENARIO, "%s: cannot read it after line %ld: %s", ff->file, rd->line,
                         strerror(errno ? errno : EIO));
    if (rd->rows != ff->rows)
        return CPN_ERROR(CPN_ESCENARIO,
                         "%s:%ld: the file ends after this line, with %zu rows, not the %zu it "
                         "had when loaded (it changed since)",
                         ff->file, rd->line, rd->rows, ff->rows);
    return CPN_OK;
}

void cpn_scen_flow_reader_free(struct cpn_scen_flow_reader *rd)
{
    if (!rd)
        return;
    if (rd->lines.in)
        fclose(rd->lines.in);
    ld_lines_free(&rd->lines);
    cpn_tempfile_reader_close(&rd->copy);
    free(rd);
}

static int ld_route_flow(struct cpn_ld *L, struct cpn_router *r, struct cpn_scen_flow *f);
static int ld_tie(struct cpn_router *r, const struct cpn_scen_flow *f, int *tie);

/* ld_flows_pass(): a streamed file (stream="auto") whose rows are not sorted. */
#define LD_UNSORTED 1

/* One pass over a flows file: every row parsed and checked; stored in s->flows, or (@p ff, a
 * streamed file) only counted, checked for sorted start times, routed and checked as the run
 * will, and put in the checked copy @p copy.  Returns CPN_OK, LD_UNSORTED when a streamed file
 * (stream="auto") turns out unsorted (the caller loads it whole instead), or an internal
 * error. */
static int ld_flows_pass(struct cpn_ld *L, xmlNode *elem, const char *name, const char *file,
                         FILE *in, const struct cpn_scen_flow *proto, struct cpn_scen_flowfile *ff,
                         struct cpn_tempfile *copy, int forced)
{
    struct cpn_scenario *s = L->s;
    struct cpn_router *router = cpn_ld_router(L);
    if (!router)
        return CPN_ENOMEM;
    int rc = CPN_OK, columns = 5, oom = 0; /* 6 columns with the path column */
    long line = 0, copy_line = 0, late_line = 0;
    size_t good = 0, late = 0; /* rows read; rows starting after until */
    double last = -INFINITY, until = cpn_ld_until(L);
    /* Routed only over a topology loaded without errors (cpn_ld_finish() routes the loaded
     * flows when nothing at all failed; a streamed file's rows are not kept until then). */
    int can_route = L->errors_run == L->errors0;
    struct ld_lines lines = {.in = in};
    while (rc == CPN_OK && ld_lines_next(&lines)) {
        char *p = lines.buf;
        line++;
        if (line == 1) {
            if (strncmp(p, "\xEF\xBB\xBF", 3) == 0) /* a UTF-8 byte order mark (Excel's) */
                p += 3;
            if (strcmp(p, LD_CSV_HEADER_PATH) == 0) {
                columns = 6;
                lines.paths = &s->route_texts; /* (hints for the path texts' look-ups) */
                lines.router = router;
            } else if (strcmp(p, LD_CSV_HEADER) != 0) {
                cpn_diag_error(L->diag, file, 1,
                               "header \"%.80s\" is not accepted (the first line "
                               "must be exactly \"" LD_CSV_HEADER "\" or \"" LD_CSV_HEADER_PATH
                               "\")",
                               p);
                break;
            }
            continue;
        }
        if (!*p)
            continue;
        struct cpn_scen_flow f = *proto;
        f.line = line;
        if (!cpn_scen_csv_flow(s, router, L->diag, file, line, p, columns, lines.buf_token, &f,
                               &oom)) {
            if (oom)
                rc = CPN_ENOMEM;
            continue;
        }
        good++;
        if (f.start > until && !late++)
            late_line = line;
        if (!ff) {
            rc = cpn_ld_keep_flow(L, &f);
            continue;
        }
        /* Streamed: read in start order during the run. */
        if (f.start < last) {
            if (!forced) {
                rc = LD_UNSORTED;
                break;
            }
            cpn_diag_error(L->diag, file, line,
                           "start_time %.17g s comes before the previous row's %.17g s (a "
                           "streamed file is read in order: sort its rows by start_time, or set "
                           "stream=\"no\" to load it whole)",
                           f.start, last);
            continue;
        }
        last = f.start;
        ff->rows++;
        copy_row_put(copy, &copy_line, &f); /* (its route from the path column; ECMP is chosen by
                                             * the run) */
        unsigned e0 = L->diag->errors;
        if (!can_route || (rc = ld_route_flow(L, router, &f)) != CPN_OK || L->diag->errors != e0)
            continue;
        int tie = 0;
        if ((rc = ld_tie(router, &f, &tie)) == CPN_OK && tie && !ff->ties++) {
            ff->tie_line = line;
            ff->tie_src = f.src;
            ff->tie_dst = f.dst;
        }
    }
    if (rc == CPN_OK && ferror(in))
        cpn_ld_error(L, elem, "file \"%s\": cannot read \"%s\" after line %ld: %s", name, file,
                     line, strerror(errno ? errno : EIO));
    else if (rc == CPN_OK && line == 0)
        cpn_diag_error(L->diag, file, 0,
                       "the file is empty (the first line must be \"" LD_CSV_HEADER "\")");
    char length[32];
    if (rc == CPN_OK && late) /* (at its first such row) */
        cpn_diag_warning(L->diag, file, late_line,
                         "%zu of the file's %zu rows start after until (%s): they never "
                         "start",
                         late, good, cpn_ld_duration_text(s->until, length, sizeof length));
    if (ff)
        ff->columns = columns;
    ld_lines_free(&lines);
    return rc;
}

int cpn_ld_flows(struct cpn_ld *L, xmlNode *elem)
{
    const char *name = cpn_ld_attr(elem, "file");
    uint32_t transport = 0, k_paths = 0, pathset = CPN_NONE;
    const char *routing = cpn_ld_attr(elem, "routing"), *stream = cpn_ld_attr(elem, "stream");
    int ecmp = routing && strcmp(routing, "ecmp") == 0, r_paths;
    if (!name || cpn_ld_transport_ref(L, elem, "transport", &transport) < 0 ||
        (r_paths = cpn_ld_paths_ref(L, elem, &k_paths, &pathset)) < 0)
        return CPN_OK;
    if (ecmp && r_paths == 1) {
        cpn_ld_error(L, elem,
                     "routing=\"ecmp\" and paths are both given (ecmp routes each flow on one "
                     "path: leave out one of them)");
        return CPN_OK;
    }
    int forced = stream && strcmp(stream, "yes") == 0; /* the schema: auto, yes, no */
    if (forced && r_paths == 1) {
        cpn_ld_error(L, elem,
                     "stream=\"yes\" and paths are both given (a streamed file routes each flow "
                     "on one path: leave out paths, or set stream=\"no\")");
        return CPN_OK;
    }
    const char *file = cpn_ld_resolve(L, elem, name);
    if (!file)
        return CPN_ENOMEM;
    /* Line by line: a million flows need not sit in memory twice (text and flows). */
    FILE *in = NULL;
    int err = cpn_ld_open(file, &in);
    if (err) {
        if (err == ENOMEM)
            return CPN_ENOMEM;
        cpn_ld_error(L, elem, "file \"%s\": cannot read \"%s\": %s", name, file,
                     cpn_ld_strerror(err));
        return CPN_OK;
    }
    struct stat st = {0};
    int streamed =
        forced || (!(stream && strcmp(stream, "no") == 0) && r_paths != 1 &&
                   fstat(fileno(in), &st) == 0 && st.st_size >= CPN_LD_FLOWS_STREAM_AUTO);
    int rc = cpn_array_push(&L->s->files, file);
    struct cpn_scen_flow proto = {.path = CPN_NONE,
                                  .transport = transport,
                                  .k_paths = k_paths,
                                  .pathset = pathset,
                                  .weight = 1,
                                  .ecmp = (unsigned char)ecmp,
                                  .csv = 1,
                                  .file = file};
    struct cpn_scen_flowfile ff = {.file = file,
                                   .transport = transport,
                                   .ecmp = (unsigned char)ecmp,
                                   .tie_src = CPN_NONE,
                                   .tie_dst = CPN_NONE,
                                   .copy_fd = -1};
    struct cpn_tempfile copy = {.fd = -1};
    if (rc == CPN_OK && streamed && !L->check_only)
        rc = cpn_tempfile_open(&copy);
    unsigned e0 = L->diag->errors;
    if (rc == CPN_OK)
        rc = ld_flows_pass(L, elem, name, file, in, &proto, streamed ? &ff : NULL, &copy, forced);
    if (rc == LD_UNSORTED && L->diag->errors != e0) { /* reported: the load fails anyway */
        rc = CPN_OK;
    } else if (rc == LD_UNSORTED) { /* stream="auto" over unsorted rows: load it whole */
        cpn_diag_warning(L->diag, file, 0,
                         "its rows are not sorted by start_time, so the whole file is loaded "
                         "(%lld bytes); sorted, it would be read during the run",
                         (long long)st.st_size);
        rewind(in);
        rc = ld_flows_pass(L, elem, name, file, in, &proto, NULL, NULL, 0);
    } else if (rc == CPN_OK && streamed && L->diag->errors == e0) {
        if (cpn_tempfile_finish(&copy)) {
            char cost[64];
            snprintf(cost, sizeof cost, "about %zu bytes a row and its id",
                     sizeof(struct copy_row) + 1);
            cpn_ld_warn_no_copy(L, file, copy.err, "rows", cost, "file", "row");
        } else {
            ff.copy_fd = copy.fd;
            ff.copy_bytes = copy.bytes;
            copy.fd = -1;
        }
        rc = cpn_array_push(&L->s->flowfiles, ff);
        if (rc != CPN_OK && ff.copy_fd >= 0)
            close(ff.copy_fd);
    }
    cpn_tempfile_close(&copy);
    fclose(in);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */

static void ld_where_line(const char *first_file, long first_line, const char *file, char *buf,
                          size_t len)
{
    if (strcmp(first_file, file) == 0)
        snprintf(buf, len, "line %ld", first_line);
    else
        snprintf(buf, len, "%s:%ld", first_file, first_line);
}

/* A table of the loaded flows' ids: flow indices, 4 bytes a slot and 1.5 slots a flow (open
 * addressing with linear probing over the FNV-1a hash of the id, cpn_route_flow_hash(); the
 * size is no power of two), so that it adds 6 bytes per loaded flow while it lives (hsearch_r's
 * took 36).  Each id keeps its first flow. */
struct ld_ids {
    uint32_t *slot;
    size_t size;
};

/* The slot of @p id in @p t: where its first flow is, or the empty slot where it would go. */
static size_t ld_ids_slot(const struct cpn_scenario *s, const struct ld_ids *t, const char *id)
{
    size_t j = (size_t)(cpn_route_flow_hash(id) % t->size);
    while (t->slot[j] != CPN_NONE && strcmp(cpn_scen_flow_id(s, t->slot[j]), id) != 0)
        j = j + 1 == t->size ? 0 : j + 1;
    return j;
}

/* Build the table; with @p L, report every flow id used more than once, at each later use.
 * Returns CPN_OK or CPN_ENOMEM.  O(flows) expected. */
static int ld_ids_build(struct cpn_ld *L, int report, struct ld_ids *t)
{
    const struct cpn_scenario *s = L->s;
    size_t n = s->flows.len;
    t->size = n + n / 2 + 1;
    if (!(t->slot = malloc(t->size * sizeof *t->slot)))
        return CPN_ENOMEM;
    memset(t->slot, 0xff, t->size * sizeof *t->slot);
    for (size_t i = 0; i < n; i++) {
        size_t j = ld_ids_slot(s, t, cpn_scen_flow_id(s, i));
        if (t->slot[j] == CPN_NONE) {
            t->slot[j] = (uint32_t)i;
            continue;
        }
        if (!report)
            continue;
        struct cpn_scen_flow f, f0;
        cpn_scen_flow_get(s, i, &f);
        cpn_scen_flow_get(s, t->slot[j], &f0);
        char where[512];
        ld_where_line(f0.file, f0.line, f.file, where, sizeof where);
        cpn_diag_error(L->diag, f.file, f.line, "flow \"%s\" is defined twice (first at %s)", f.id,
                       where);
    }
    return CPN_OK;
}

/* Report every flow id used more than once, at each later use. */
static int ld_unique_flows(struct cpn_ld *L)
{
    if (L->s->flows.len < 2)
        return CPN_OK;
    struct ld_ids t;
    int rc = ld_ids_build(L, 1, &t);
    free(t.slot);
    return rc;
}

/* Flows of a flow file routed by shortest path over pairs with several shortest routes. */
struct ld_ties {
    const char *file;  /* the flow file */
    long line;         /* its first such flow */
    size_t flows;      /* such flows */
    size_t total;      /* flows of the file */
    uint32_t src, dst; /* the first such pair */
};

/* Whether flow @p f is routed by shortest path over a pair with several shortest routes. */
static int ld_tie(struct cpn_router *r, const struct cpn_scen_flow *f, int *tie)
{
    *tie = 0;
    if (f->path != CPN_NONE || f->route || f->ecmp || f->k_paths > 1 || f->pathset != CPN_NONE)
        return CPN_OK;
    const struct cpn_path *const *ps;
    uint32_t n = 0;
    int q = cpn_route_ecmp(r, f->src, f->dst, 2, &ps, &n);
    if (q == CPN_ENOMEM)
        return q;
    *tie = q == CPN_OK && n >= 2;
    return CPN_OK;
}

static void ld_tie_warning(struct cpn_ld *L, const char *file, long line, size_t flows,
                           size_t total, uint32_t src, uint32_t dst)
{
    const struct cpn_scenario *s = L->s;
    cpn_diag_warning(L->diag, file, line,
                     "%zu of the file's %zu flows join nodes with several shortest "
                     "routes (the first: \"%s\" to \"%s\"): each takes the one through "
                     "the lowest node indices; give their routes in a path column, or "
                     "routing=\"ecmp\" on <flows> to spread them as switches do",
                     flows, total, cpn_topo_node(s->topo, src)->id,
                     cpn_topo_node(s->topo, dst)->id);
}

/* Warn once per flow file whose flows are routed over ties without a path or ECMP: they all
 * take one route (the lowest node indices), which is rarely what a workload with per-flow
 * routes (a fat tree's D-mod-k) meant. */
static int ld_warn_ties(struct cpn_ld *L, struct cpn_router *r)
{
    struct cpn_scenario *s = L->s;
    CPN_ARRAY(struct ld_ties) ties = {0};
    int rc = CPN_OK;
    for (size_t i = 0; i < s->flows.len && rc == CPN_OK; i++) {
        struct cpn_scen_flow whole;
        const struct cpn_scen_flow *f = &whole;
        cpn_scen_flow_get(s, i, &whole);
        /* only the flows of CSV files (an inline flow names its path if it means one) */
        if (!f->csv)
            continue;
        size_t k = 0;
        while (k < ties.len && ties.items[k].file != f->file)
            k++;
        if (k == ties.len) {
            struct ld_ties t = {f->file, 0, 0, 0, CPN_NONE, CPN_NONE};
            if ((rc = cpn_array_push(&ties, t)) != CPN_OK)
                break;
        }
        struct ld_ties *t = &ties.items[k];
        t->total++;
        int tie = 0;
        if ((rc = ld_tie(r, f, &tie)) != CPN_OK || !tie)
            continue;
        if (!t->flows++) {
            t->line = f->line;
            t->src = f->src;
            t->dst = f->dst;
        }
    }
    for (size_t k = 0; k < ties.len && rc == CPN_OK; k++) {
        const struct ld_ties *t = &ties.items[k];
        if (t->flows)
            ld_tie_warning(L, t->file, t->line, t->flows, t->total, t->src, t->dst);
    }
    for (size_t k = 0; k < s->flowfiles.len && rc == CPN_OK; k++) {
        const struct cpn_scen_flowfile *ff = &s->flowfiles.items[k];
        if (ff->ties)
            ld_tie_warning(L, ff->file, ff->tie_line, ff->ties, ff->rows, ff->tie_src, ff->tie_dst);
    }
    cpn_array_release(&ties);
    return rc;
}

/* Route flow @p f as the run will (its ECMP route into f->route) and check the route; errors go
 * to the diagnostics.  Returns CPN_OK or an internal error. */
static int ld_route_flow(struct cpn_ld *L, struct cpn_router *r, struct cpn_scen_flow *f)
{
    struct cpn_scenario *s = L->s;
    const char *what = "flow";
    do {
        if (f->ecmp && !f->route && f->path == CPN_NONE) {
            int rc = cpn_route_ecmp_hash(r, f->src, f->dst, cpn_route_flow_hash(f->id), &f->route);
            if (rc == CPN_EUNREACH) {
                cpn_diag_error(L->diag, f->file, f->line,
                               "flow \"%s\": %s (add a link or check that the links on the way "
                               "are up)",
                               f->id, cpn_error_message());
                continue;
            }
            if (rc != CPN_OK)
                return rc;
        }
        if (f->route) {
            const struct cpn_path *p = f->route;
            if (p->src != f->src || p->dst != f->dst) {
                cpn_diag_error(
                    L->diag, f->file, f->line,
                    "flow \"%s\": its path goes from \"%s\" to \"%s\", not from "
                    "\"%s\" to \"%s\" (give a route from the flow's src to its dst)",
                    f->id, cpn_topo_node(s->topo, p->src)->id, cpn_topo_node(s->topo, p->dst)->id,
                    cpn_topo_node(s->topo, f->src)->id, cpn_topo_node(s->topo, f->dst)->id);
                continue;
            }
            int rc =
                cpn_ld_transport_check_route(L, f->file, f->line, what, f->id, f->transport, p);
            if (rc != CPN_OK)
                return rc;
            continue;
        }
        if (f->pathset != CPN_NONE) {
            const struct cpn_scen_pathset *set = &s->pathsets.items[f->pathset];
            if (set->routes[0]->src != f->src || set->routes[0]->dst != f->dst) {
                cpn_diag_error(L->diag, f->file, f->line,
                               "flow \"%s\": path set \"%s\" goes from \"%s\" to \"%s\", not "
                               "from \"%s\" to \"%s\" (use a set of paths with the flow's src "
                               "and dst)",
                               f->id, set->id, cpn_topo_node(s->topo, set->routes[0]->src)->id,
                               cpn_topo_node(s->topo, set->routes[0]->dst)->id,
                               cpn_topo_node(s->topo, f->src)->id,
                               cpn_topo_node(s->topo, f->dst)->id);
                continue;
            }
            for (uint32_t k = 0; k < set->n; k++) {
                unsigned e0 = L->diag->errors;
                int rc = cpn_ld_transport_check_route(L, f->file, f->line, what, f->id,
                                                      f->transport, set->routes[k]);
                if (rc != CPN_OK)
                    return rc;
                if (L->diag->errors != e0)
                    break;
            }
            continue;
        }
        if (f->path != CPN_NONE) {
            const struct cpn_scen_path *p = &s->paths.items[f->path];
            if (p->route && p->route->src == f->src && p->route->dst == f->dst) {
                int rc = cpn_ld_transport_check_route(L, f->file, f->line, what, f->id,
                                                      f->transport, p->route);
                if (rc != CPN_OK)
                    return rc;
            }
            if (p->route && (p->route->src != f->src || p->route->dst != f->dst))
                cpn_diag_error(L->diag, f->file, f->line,
                               "flow \"%s\": path \"%s\" goes from \"%s\" to \"%s\", not from "
                               "\"%s\" to \"%s\" (use a path with the flow's src and dst)",
                               f->id, p->id, cpn_topo_node(s->topo, p->route->src)->id,
                               cpn_topo_node(s->topo, p->route->dst)->id,
                               cpn_topo_node(s->topo, f->src)->id,
                               cpn_topo_node(s->topo, f->dst)->id);
            continue;
        }
        const struct cpn_path *route;
        int rc = cpn_route_shortest(r, f->src, f->dst, &route);
        if (rc == CPN_EUNREACH)
            cpn_diag_error(L->diag, f->file, f->line,
                           "flow \"%s\": %s (add a link or check that "
                           "the links on the way are up)",
                           f->id, cpn_error_message());
        else if (rc != CPN_OK)
            return rc;
        else if ((rc = cpn_ld_transport_check_route(L, f->file, f->line, what, f->id, f->transport,
                                                    route)) != CPN_OK)
            return rc;
    } while (0);
    return CPN_OK;
}

/* Check that every flow can be routed; route the ECMP flows by the hash of their id. */
static int ld_route_flows(struct cpn_ld *L)
{
    struct cpn_router *r = cpn_ld_router(L);
    if (!r)
        return CPN_ENOMEM;
    for (size_t i = 0; i < L->s->flows.len; i++) {
        struct cpn_scen_flow f;
        cpn_scen_flow_get(L->s, i, &f);
        int rc = ld_route_flow(L, r, &f);
        if (rc != CPN_OK)
            return rc;
        L->s->flows.items[i].route = f.route ? f.route->id : CPN_NONE; /* its ECMP choice */
    }
    return CPN_OK;
}

static void ld_headline_flows(struct cpn_ld *L);

/* Union-find root of node @p x (path halving). */
static uint32_t uf_root(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x)
        x = parent[x] = parent[parent[x]];
    return x;
}

/* A network in pieces is reported, never silent: how many connected components, which nodes are
 * isolated (the first ten), and every pair of centers (the first ten) that no route joins.  A
 * warning: a source or flow that needs such a route is an error of its own (ld_reach). */
static int ld_components(struct cpn_ld *L)
{
    const struct cpn_scenario *s = L->s;
    uint32_t n = (uint32_t)cpn_topo_node_count(s->topo);
    if (n < 2)
        return CPN_OK;
    uint32_t *parent = malloc(n * sizeof *parent), *degree = calloc(n, sizeof *degree);
    if (!parent || !degree) {
        free(parent);
        free(degree);
        return CPN_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++)
        parent[i] = i;
    for (uint32_t l = 0; l < cpn_topo_link_count(s->topo); l++) {
        const struct cpn_link *k = cpn_topo_link(s->topo, l);
        degree[k->a]++;
        degree[k->b]++;
        parent[uf_root(parent, k->a)] = uf_root(parent, k->b);
    }
    uint32_t components = 0, isolated = 0;
    char iso[512] = "";
    for (uint32_t i = 0; i < n; i++) {
        components += uf_root(parent, i) == i;
        if (!degree[i] && isolated++ < 10)
            snprintf(iso + strlen(iso), sizeof iso - strlen(iso), "%s\"%s\"",
                     isolated > 1 ? ", " : "", cpn_topo_node(s->topo, i)->id);
    }
    if (components > 1) {
        char pairs[1024] = "";
        size_t np = 0;
        for (size_t a = 0; a < s->centers.len; a++)
            for (size_t b = a + 1; b < s->centers.len; b++) {
                uint32_t na = s->centers.items[a].spec.node, nb = s->centers.items[b].spec.node;
                if (na == CPN_NONE || nb == CPN_NONE ||
                    uf_root(parent, na) == uf_root(parent, nb) || np++ >= 10)
                    continue;
                snprintf(pairs + strlen(pairs), sizeof pairs - strlen(pairs), "%s\"%s\"-\"%s\"",
                         np > 1 ? ", " : "", s->centers.items[a].spec.id,
                         s->centers.items[b].spec.id);
            }
        const struct cpn_ld_file *f = L->xml.items[0];
        cpn_diag_warning(L->diag, f->name, xmlGetLineNo(xmlDocGetRootElement(f->doc)),
                         "the network is in %u pieces (connected components): %u isolated "
                         "node(s)%s%s%s; %zu pair(s) of centers no route joins%s%s%s",
                         components, isolated, isolated ? " (" : "", iso,
                         isolated > 10 ? ", ...)"
                         : isolated    ? ")"
                                       : "",
                         np, np ? " (" : "", pairs,
                         np > 10 ? ", ...)"
                         : np    ? ")"
                                 : "");
    }
    free(parent);
    free(degree);
    return CPN_OK;
}

int cpn_ld_finish(struct cpn_ld *L)
{
    const struct cpn_ld_file *main_file = L->xml.items[0];
    xmlNode *root = xmlDocGetRootElement(main_file->doc);
    if (!L->simulation)
        cpn_diag_error(L->diag, main_file->name, xmlGetLineNo(root),
                       "no <simulation> element (add one, e.g. <simulation until=\"1d\" "
                       "seed=\"1\"/>)");
    ld_headline_flows(L);
    int rc = L->diag->errors == L->errors0 ? ld_components(L) : CPN_OK;
    if (rc == CPN_OK)
        rc = ld_unique_flows(L);
    if (rc == CPN_OK && L->diag->errors == L->errors0)
        rc = ld_route_flows(L);
    if (rc == CPN_OK && L->diag->errors == L->errors0)
        rc = ld_warn_ties(L, cpn_ld_router(L));
    /* The streamed files' flows come after the loaded ones, in file order (their ids). */
    size_t first = L->s->flows.len;
    for (size_t k = 0; k < L->s->flowfiles.len; k++) {
        L->s->flowfiles.items[k].first = first;
        first += L->s->flowfiles.items[k].rows;
    }
    if (rc == CPN_OK)
        rc = cpn_ld_finish_workload(L);
    const struct cpn_scenario *s = L->s;
    if (rc == CPN_OK && L->diag->errors == L->errors0 && !s->generators.len && !s->wlogs.len &&
        !s->flows.len && !s->flowfiles.len) /* (its summary would be all 0 and NaN) */
        cpn_diag_warning(L->diag, main_file->name, xmlGetLineNo(root),
                         "the scenario has no job source and no flow: nothing would run (add "
                         "<generator> or <trace> to <workload>, or <flow>s to <traffic>)");
    return rc;
}

/* ------------------------------------------------------------------------------------------ */

int cpn_ld_headline(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_scenario *s = L->s;
    const char *id = cpn_ld_attr(elem, "id");
    if (!cpn_ld_check_id(L, elem, id))
        return CPN_OK;
    for (size_t i = 0; i < s->headlines.len; i++)
        if (strcmp(s->headlines.items[i].id, id) == 0) {
            cpn_ld_error(L, elem, "headline \"%s\" is defined twice (first at %s:%ld)", id,
                         s->headlines.items[i].file, s->headlines.items[i].line);
            return CPN_OK;
        }
    const char *metric = cpn_ld_attr(elem, "metric"), *flow = cpn_ld_attr(elem, "flow");
    struct cpn_scen_headline h = {.id = cpn_ld_strdup(L, id, strlen(id)),
                                  .scale = 1,
                                  .file = cpn_ld_file_name(elem),
                                  .line = xmlGetLineNo(elem)};
    if (!h.id)
        return CPN_ENOMEM;
    int ok = 1;
    if (!metric == !flow) {
        cpn_ld_error(L, elem,
                     "give exactly one of metric (a summary metric, e.g. "
                     "\"compute.training.efficiency.mean\") and flow (a flow whose mean rate is "
                     "divided by per)");
        ok = 0;
    } else if (metric) {
        if (!(h.metric = cpn_ld_strdup(L, metric, strlen(metric))))
            return CPN_ENOMEM;
        if (cpn_ld_number(L, elem, "scale", CPN_UNITS_ALLOW_NEGATIVE, &h.scale) < 0)
            ok = 0;
        if (cpn_ld_attr(elem, "per")) {
            cpn_ld_error(L, elem, "per is for a flow's rate (a metric takes scale)");
            ok = 0;
        }
    } else {
        /* The flow is looked up when every flow is read (cpn_ld_finish()). */
        if (!(h.metric = cpn_ld_strdup(L, flow, strlen(flow))))
            return CPN_ENOMEM;
        int r = cpn_ld_quantity(L, elem, "per", CPN_Q_RATE, &h.per);
        if (r == 0 || (r == 1 && !(h.per > 0))) {
            cpn_ld_error(L, elem,
                         "a flow's headline needs per, a positive rate to divide its mean rate by "
                         "(e.g. per=\"10Gbps\", the port's rate: a utilisation)");
            ok = 0;
        } else if (r < 0)
            ok = 0;
        if (cpn_ld_attr(elem, "scale")) {
            cpn_ld_error(L, elem, "scale is for a metric (a flow's rate takes per)");
            ok = 0;
        }
    }
    if (!ok)
        return CPN_OK;
    return cpn_array_push(&s->headlines, h);
}

/* Resolve the flows of the flow headlines (h.metric holds the flow ids until then). */
static void ld_headline_flows(struct cpn_ld *L)
{
    struct cpn_scenario *s = L->s;
    struct ld_ids table = {NULL, 0}; /* built for the first flow headline */
    for (size_t i = 0; i < s->headlines.len; i++) {
        struct cpn_scen_headline *h = &s->headlines.items[i];
        if (!(h->per > 0))
            continue;
        const char *ids = h->metric;
        h->metric = NULL;
        size_t words = 0;
        for (const char *p = ids; *p;) {
            size_t n = strcspn(p, " \t\r\n");
            words += n > 0;
            p += n ? n : 1;
        }
        if (!(h->flows = calloc(words ? words : 1, sizeof *h->flows)) ||
            (!table.slot && ld_ids_build(L, 0, &table) != CPN_OK)) {
            free(table.slot);
            L->oom = 1;
            return;
        }
        char name[256];
        for (const char *p = ids; *p;) {
            size_t n = strcspn(p, " \t\r\n");
            if (!n) {
                p++;
                continue;
            }
            snprintf(name, sizeof name, "%.*s", (int)n, p);
            p += n;
            uint32_t f = table.slot[ld_ids_slot(s, &table, name)];
            if (f == CPN_NONE && cpn_ld_defined_badly_p(L, "flow", name))
                continue; /* (reported at the flow; the load fails) */
            if (f == CPN_NONE)
                cpn_diag_error(L->diag, h->file, h->line,
                               "headline \"%s\": flow \"%s\" is not defined (give the ids of "
                               "<flow>s of <traffic>%s)",
                               h->id, name,
                               s->flowfiles.len ? "; the flows of a streamed file cannot be "
                                                  "named: load it with stream=\"no\""
                                                : "");
            else
                h->flows[h->n_flows++] = f;
        }
    }
    free(table.slot);
}
