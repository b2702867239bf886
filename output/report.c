/*
 * `cpnsim report` tables and `cpnsim info` (output/report.h).
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <nettle/sha2.h>

#include "output/h5util.h"
#include "output/report.h"
#include "output/trace.h"
#include "sim/array.h"
#include "sim/idmap.h"

struct run {
    char *source, *version, *scenario, *sha, *policy, *awareness;
    uint64_t seed;
    char **params;
    size_t n_params;
    struct cpn_metric *metrics; /* names and units owned */
    size_t n_metrics;
    char **keys; /* one value per grouping key, filled by cpn_report_write */
    char *id;    /* run_id(): what same_run() compares, hashed (the key of `seen`) */
};

struct words {
    char **items;
    size_t len, cap;
};

struct cpn_report {
    struct words by, metrics;
    enum cpn_report_format format;
    int mix;
    size_t paired_key;  /* index in `by` of the key of --paired, or SIZE_MAX for none */
    char *paired_value; /* the baseline's value of that key (owned) */
    CPN_ARRAY(struct run) runs;
    struct cpn_idmap seen; /* the runs by their id (run_id()) */
    struct words *order;   /* per `by` key (by.len of them, or NULL): its values in the order
                            * given by cpn_report_order(), before the others */
};

static void words_release(struct words *w)
{
    for (size_t i = 0; i < w->len; i++)
        free(w->items[i]);
    cpn_array_release(w);
}

/* Split a comma-separated list into words (empty words are skipped). */
static int split(const char *list, struct words *out)
{
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n) {
            char *w = strndup(p, n);
            if (!w || cpn_array_push(out, w) != CPN_OK) {
                free(w);
                return CPN_ERROR(CPN_ENOMEM, NULL);
            }
        }
        p += n + (p[n] == ',');
    }
    return CPN_OK;
}

int cpn_report_format_parse(const char *name, enum cpn_report_format *out)
{
    static const char *const names[] = {"md", "csv", "tex"};
    for (int i = 0; name && out && i < 3; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (enum cpn_report_format)i;
            return CPN_OK;
        }
    return CPN_ERROR(CPN_EINVAL, "unknown format \"%s\" (use md, csv or tex)", name ? name : "");
}

static void run_release(struct run *r)
{
    free(r->source);
    free(r->version);
    free(r->scenario);
    free(r->sha);
    free(r->policy);
    free(r->awareness);
    for (size_t i = 0; i < r->n_params; i++)
        free(r->params[i]);
    free(r->params);
    for (size_t i = 0; i < r->n_metrics; i++) {
        free((char *)r->metrics[i].name);
        free((char *)r->metrics[i].unit);
    }
    free(r->metrics);
    free(r->keys);
    free(r->id);
}

void cpn_report_free(struct cpn_report *r)
{
    if (!r)
        return;
    for (size_t k = 0; r->order && k < r->by.len; k++) /* (one list per `by` key: before them) */
        words_release(&r->order[k]);
    free(r->order);
    words_release(&r->by);
    words_release(&r->metrics);
    free(r->paired_value);
    cpn_idmap_release(&r->seen);
    for (size_t i = 0; i < r->runs.len; i++)
        run_release(&r->runs.items[i]);
    cpn_array_release(&r->runs);
    free(r);
}

int cpn_report_order(struct cpn_report *r, const char *key, const char *const *values, size_t n)
{
    if (!r || !key || (!values && n))
        return CPN_ERROR(CPN_EINVAL, "cpn_report_order: NULL argument");
    size_t k = 0;
    while (k < r->by.len && strcmp(r->by.items[k], key) != 0)
        k++;
    if (k == r->by.len)
        return CPN_OK; /* not a grouping key: nothing to order */
    if (!r->order && !(r->order = calloc(r->by.len, sizeof *r->order)))
        return CPN_ERROR(CPN_ENOMEM, "report: out of memory");
    words_release(&r->order[k]);
    for (size_t i = 0; i < n; i++) {
        char *v = strdup(values[i] && *values[i] ? values[i] : "-");
        if (!v || cpn_array_push(&r->order[k], v) != CPN_OK) {
            free(v);
            return CPN_ERROR(CPN_ENOMEM, "report: out of memory");
        }
    }
    return CPN_OK;
}

/* --paired VALUE (a value of the key "policy") or KEY=VALUE (KEY one of the --by keys). */
static int parse_paired(struct cpn_report *r, const char *spec)
{
    const char *eq = strchr(spec, '=');
    size_t kl = eq ? (size_t)(eq - spec) : strlen("policy");
    const char *key = eq ? spec : "policy", *value = eq ? eq + 1 : spec;
    for (size_t k = 0; k < r->by.len; k++)
        if (strlen(r->by.items[k]) == kl && strncmp(r->by.items[k], key, kl) == 0)
            r->paired_key = k;
    if (r->paired_key == SIZE_MAX || !*value)
        return CPN_ERROR(CPN_ERANGE,
                         "--paired \"%s\": give BASELINE (a policy, with policy among the --by "
                         "keys) or KEY=BASELINE with KEY one of the --by keys",
                         spec);
    if (!(r->paired_value = strdup(value)))
        return CPN_ERROR(CPN_ENOMEM, NULL);
    return CPN_OK;
}

int cpn_report_new(const struct cpn_report_options *opt, struct cpn_report **out)
{
    if (!opt || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_report_new: NULL argument");
    *out = NULL;
    struct cpn_report *r = calloc(1, sizeof *r);
    if (!r)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    r->format = opt->format;
    r->mix = opt->mix;
    int rc = split(opt->by ? opt->by : "scenario,policy", &r->by);
    if (rc == CPN_OK)
        rc = split(opt->metrics ? opt->metrics : CPN_REPORT_DEFAULT_METRICS, &r->metrics);
    if (rc == CPN_OK && (r->by.len == 0 || r->metrics.len == 0))
        rc = CPN_ERROR(CPN_EINVAL, "empty --by or --metrics list");
    for (size_t i = 0; rc == CPN_OK && i < r->by.len; i++)
        for (size_t j = 0; rc == CPN_OK && j < i; j++)
            if (strcmp(r->by.items[i], r->by.items[j]) == 0) /* (two equal columns) */
                rc = CPN_ERROR(CPN_EINVAL, "--by names \"%s\" twice (give each key once)",
                               r->by.items[i]);
    if (rc == CPN_OK && (unsigned)opt->format > CPN_REPORT_TEX)
        rc = CPN_ERROR(CPN_EINVAL, "invalid format %d", (int)opt->format);
    r->paired_key = SIZE_MAX;
    if (rc == CPN_OK && opt->paired)
        rc = parse_paired(r, opt->paired);
    if (rc != CPN_OK) {
        cpn_report_free(r);
        return rc;
    }
    *out = r;
    return CPN_OK;
}

static char *dup0(const char *s)
{
    return strdup(s ? s : "");
}

/* Whether run @p a and @p in are one run given twice: the same program, scenario, seed, policy,
 * awareness and settings, and the same summary to the bit (a run is reproducible, so two such
 * files are copies of one result, which must not count as two samples). */
static int same_run(const struct run *a, const struct cpn_report_run *in)
{
#define SAME(x, y) (strcmp((x) ? (x) : "", (y) ? (y) : "") == 0)
    if (a->seed != in->seed || !SAME(a->version, in->program_version) ||
        !SAME(a->sha, in->scenario_sha256) || !SAME(a->policy, in->policy) ||
        !SAME(a->awareness, in->awareness) || a->n_params != in->n_params ||
        a->n_metrics != in->n_metrics)
        return 0;
    for (size_t i = 0; i < a->n_params; i++)
        if (!SAME(a->params[i], in->params[i]))
            return 0;
    for (size_t i = 0; i < a->n_metrics; i++)
        if (!SAME(a->metrics[i].name, in->metrics[i].name) ||
            memcmp(&a->metrics[i].value, &in->metrics[i].value, sizeof(double)) != 0)
            return 0;
    return 1;
#undef SAME
}

/* Feed @p text and its NUL (so that "ab","c" and "a","bc" differ) to @p h. */
static void id_text(struct sha256_ctx *h, const char *text)
{
    text = text ? text : "";
    sha256_update(h, strlen(text) + 1, (const uint8_t *)text);
}

/* The identity of run @p in, what same_run() compares (program, scenario, seed, policy,
 * awareness, settings, summary names and values to the bit), as the hex text of its SHA-256
 * (nettle): two copies of one run have the same id, so that cpn_report_add_run() finds an
 * earlier copy with one look-up instead of comparing with every earlier run (quadratic in the
 * runs: 5e9 comparisons for 1e5 seeds).  malloc'd; NULL when out of memory. */
static char *run_id(const struct cpn_report_run *in)
{
    struct sha256_ctx h;
    sha256_init(&h);
    id_text(&h, in->program_version);
    id_text(&h, in->scenario_sha256);
    id_text(&h, in->policy);
    id_text(&h, in->awareness);
    uint64_t n[3] = {in->seed, in->n_params, in->n_metrics};
    sha256_update(&h, sizeof n, (const uint8_t *)n);
    for (size_t i = 0; i < in->n_params; i++)
        id_text(&h, in->params[i]);
    for (size_t i = 0; i < in->n_metrics; i++) {
        id_text(&h, in->metrics[i].name);
        sha256_update(&h, sizeof in->metrics[i].value, (const uint8_t *)&in->metrics[i].value);
    }
    char *hex = malloc(65);
    if (hex)
        cpn_sha256_hex_digest(&h, hex);
    return hex;
}

int cpn_report_add_run(struct cpn_report *r, const struct cpn_report_run *in)
{
    if (!r || !in || (in->n_metrics && !in->metrics) || (in->n_params && !in->params))
        return CPN_ERROR(CPN_EINVAL, "cpn_report_add_run: NULL argument");
    char *id = run_id(in);
    if (!id)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    uint32_t copy = cpn_idmap_find(&r->seen, id);
    if (copy != CPN_NONE && same_run(&r->runs.items[copy], in)) { /* (a hash collision: not) */
        free(id);
        return CPN_ERROR(CPN_ESTATE,
                         "%s: the same run as %s (program, scenario, seed, settings and "
                         "summary): counted once",
                         in->source ? in->source : "a run", r->runs.items[copy].source);
    }
    struct run x = {.id = copy == CPN_NONE ? id : NULL};
    if (copy != CPN_NONE)
        free(id); /* (another run holds this id: this one stays out of the map) */
    int ok = (x.source = dup0(in->source)) && (x.version = dup0(in->program_version)) &&
             (x.scenario = dup0(in->scenario_path)) && (x.sha = dup0(in->scenario_sha256)) &&
             (x.policy = dup0(in->policy)) && (x.awareness = dup0(in->awareness)) &&
             (x.params = calloc(in->n_params + 1, sizeof *x.params)) &&
             (x.metrics = calloc(in->n_metrics + 1, sizeof *x.metrics));
    x.seed = in->seed;
    for (size_t i = 0; ok && i < in->n_params; i++, x.n_params++)
        ok = (x.params[i] = dup0(in->params[i])) != NULL;
    for (size_t i = 0; ok && i < in->n_metrics; i++, x.n_metrics++) {
        x.metrics[i].value = in->metrics[i].value;
        ok = (x.metrics[i].name = dup0(in->metrics[i].name)) &&
             (x.metrics[i].unit = dup0(in->metrics[i].unit));
    }
    if (!ok || cpn_array_push(&r->runs, x) != CPN_OK) {
        if (x.metrics && x.n_metrics < in->n_metrics) /* a half-copied row */
            x.n_metrics++;
        run_release(&x);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    if (x.id && cpn_idmap_insert(&r->seen, x.id, (uint32_t)(r->runs.len - 1)) != CPN_OK) {
        r->runs.len--; /* (the map is unchanged) */
        run_release(&x);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    return CPN_OK;
}

/* ---- reading trace files ----------------------------------------------------------------- */

/* Read /summary into rows (names and units malloc'ed). */
static int read_summary(hid_t f, const char *path, struct cpn_metric **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    if (H5Lexists(f, "summary", H5P_DEFAULT) <= 0)
        return CPN_ERROR(CPN_ESCENARIO,
                         "%s: has no /summary (written with an old version, or "
                         "without a summary)",
                         path);
    hid_t d = H5Dopen2(f, "summary", H5P_DEFAULT);
    hid_t ft = d >= 0 ? H5Dget_type(d) : H5I_INVALID_HID;
    hid_t sp = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
    hid_t mt = H5I_INVALID_HID, s1 = H5I_INVALID_HID, s2 = H5I_INVALID_HID;
    int rc = CPN_ERROR(CPN_ESCENARIO, "%s: /summary is not a (metric, value, unit) table", path);
    int im = ft >= 0 ? H5Tget_member_index(ft, "metric") : -1;
    int iu = ft >= 0 ? H5Tget_member_index(ft, "unit") : -1;
    hssize_t rowsn = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    unsigned char *buf = NULL;
    if (im >= 0 && iu >= 0 && rowsn >= 0 && H5Tget_member_index(ft, "value") >= 0) {
        hid_t tm = H5Tget_member_type(ft, (unsigned)im), tu = H5Tget_member_type(ft, (unsigned)iu);
        size_t wm = tm >= 0 ? H5Tget_size(tm) + 1 : 0, wu = tu >= 0 ? H5Tget_size(tu) + 1 : 0;
        if (tm >= 0)
            H5Tclose(tm);
        if (tu >= 0)
            H5Tclose(tu);
        size_t size = wm + 8 + wu;
        s1 = cpn_h5_str_type(wm);
        s2 = cpn_h5_str_type(wu);
        mt = H5Tcreate(H5T_COMPOUND, size);
        buf = calloc((size_t)rowsn + 1, size);
        *rows = calloc((size_t)rowsn + 1, sizeof **rows);
        if (!buf || !*rows) {
            rc = CPN_ERROR(CPN_ENOMEM, NULL);
        } else if (wm > 1 && wu > 1 && s1 >= 0 && s2 >= 0 && mt >= 0 &&
                   H5Tinsert(mt, "metric", 0, s1) >= 0 &&
                   H5Tinsert(mt, "value", wm, H5T_NATIVE_DOUBLE) >= 0 &&
                   H5Tinsert(mt, "unit", wm + 8, s2) >= 0 &&
                   (rowsn == 0 || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0)) {
            rc = CPN_OK;
            for (size_t i = 0; i < (size_t)rowsn && rc == CPN_OK; i++, (*n)++) {
                unsigned char *p = buf + i * size;
                struct cpn_metric *m = &(*rows)[i];
                memcpy(&m->value, p + wm, sizeof m->value);
                if (!(m->name = strdup((char *)p)) || !(m->unit = strdup((char *)p + wm + 8)))
                    rc = CPN_ERROR(CPN_ENOMEM, NULL);
            }
        }
    }
    free(buf);
    hid_t h[] = {mt, s1, s2, ft};
    for (int i = 0; i < 4; i++)
        if (h[i] >= 0)
            H5Tclose(h[i]);
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    if (rc != CPN_OK) {
        for (size_t i = 0; *rows && i <= *n && i < (size_t)(rowsn > 0 ? rowsn : 0); i++) {
            free((char *)(*rows)[i].name);
            free((char *)(*rows)[i].unit);
        }
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

/* Open @p path read-only and check it is a cpnsim trace. */
static int open_trace(const char *path, hid_t *file)
{
    *file = H5I_INVALID_HID;
    /* Before HDF5 reads a damaged file (and refusing a folder, device or FIFO). */
    int rc = cpn_trace_check(path);
    if (rc != CPN_OK)
        return rc;
    cpn_h5_quiet();
    *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*file < 0) {
        char msg[512];
        cpn_h5_error_text(msg, sizeof msg);
        if (strstr(msg, "signature not found")) /* readable, but not HDF5 at all */
            return CPN_ERROR(CPN_ESCENARIO,
                             "%s: not an HDF5 file (no HDF5 signature; a trace is written by "
                             "cpnsim run -o)",
                             path);
        return CPN_ERROR(CPN_ENOINPUT, "%s: cannot open as HDF5: %s", path, msg);
    }
    char *fmt = cpn_h5_attr_read_str(*file, "format", 0);
    int ok = fmt && strcmp(fmt, "cpnsim-trace") == 0;
    free(fmt);
    if (!ok) {
        H5Fclose(*file);
        *file = H5I_INVALID_HID;
        return CPN_ERROR(CPN_ESCENARIO,
                         "%s: not a cpnsim trace (no root attribute "
                         "format = \"cpnsim-trace\")",
                         path);
    }
    return CPN_OK;
}

/* Read every element of dataset @p name (chunk by chunk through HDF5's filters) and return
 * its number of rows in *rows; a negative status when it cannot be read whole. */
static int read_whole(hid_t f, const char *name, hsize_t *rows)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0)
        return -1;
    hid_t sp = H5Dget_space(d), type = H5Dget_type(d);
    int rc = -1;
    hsize_t dims[2] = {0, 0};
    int nd = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
    size_t size = type >= 0 ? H5Tget_size(type) : 0;
    int vlen = type >= 0 && (H5Tdetect_class(type, H5T_VLEN) > 0 || H5Tis_variable_str(type) > 0 ||
                             H5Tdetect_class(type, H5T_STRING) > 0);
    /* Elements that need more bytes than deflate could have packed into the dataset's storage
     * (zlib's ratio is at most about 1032:1) cannot have been written: the sizes are damaged
     * (an unchecked file; reading them would fill gigabytes with the fill value). */
    hsize_t per_row = nd == 2 ? dims[1] : 1;
    double need = (double)dims[0] * (double)per_row * (double)size;
    if (nd >= 1 && nd <= 2 && need > 1100.0 * (double)H5Dget_storage_size(d) + 1048576.0)
        rc = -2;
    else if (nd >= 1 && nd <= 2 && size > 0 && per_row <= SIZE_MAX / size) {
        /* Rows read by blocks of at most 16 MiB (a matrix of many links has wide rows). */
        size_t row_bytes = (size_t)per_row * size;
        hsize_t step =
            row_bytes && row_bytes < ((size_t)16 << 20) ? ((size_t)16 << 20) / row_bytes : 1;
        void *buf = malloc((size_t)step * row_bytes + 1);
        rc = buf ? 0 : -1;
        for (hsize_t at = 0; rc == 0 && at < dims[0]; at += step) {
            hsize_t count[2] = {dims[0] - at < step ? dims[0] - at : step, per_row};
            hsize_t start[2] = {at, 0};
            hid_t mem = H5Screate_simple(nd, count, NULL);
            if (mem < 0 || H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
                H5Dread(d, type, mem, sp, H5P_DEFAULT, buf) < 0)
                rc = -1;
            else if (vlen) /* variable-length strings (/events details) were allocated */
                H5Dvlen_reclaim(type, mem, H5P_DEFAULT, buf);
            if (mem >= 0)
                H5Sclose(mem);
        }
        free(buf);
        *rows = dims[0];
    }
    if (type >= 0)
        H5Tclose(type);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(d);
    return rc;
}

/* cpn_result_verify()'s checks of trace @p f (opened by open_trace(), its checksum checked
 * there; @p path for the messages), the file left open. */
static int verify_tables(hid_t f, const char *path)
{
    double complete = 0;
    if (cpn_h5_attr_read_f64(f, "complete", &complete) != 0 || complete == 0)
        return CPN_ERROR(CPN_ESTATE, "%s: incomplete run (complete = 0)", path);
    int rc = CPN_OK;
    static const struct {
        const char *set, *rows;
    } tables[] = {{"/jobs", "rows_jobs"},
                  {"/flows", "rows_flows"},
                  {"/requests", "rows_requests"},
                  {"/events", "rows_events"},
                  {"/compute", "rows_compute"},
                  {"/nodes", NULL},
                  {"/links", NULL},
                  {"/centers", NULL},
                  {"/pools", NULL},
                  {"/summary", NULL},
                  {"/series/time", NULL},
                  {"/series/link_util", NULL},
                  {"/series/center_util", NULL},
                  {"/series/pool_util", NULL}};
    for (size_t i = 0; rc == CPN_OK && i < sizeof tables / sizeof tables[0]; i++) {
        int exists = strchr(tables[i].set + 1, '/') && H5Lexists(f, "/series", H5P_DEFAULT) <= 0
                         ? 0
                         : H5Lexists(f, tables[i].set, H5P_DEFAULT) > 0;
        H5Eclear2(H5E_DEFAULT);
        if (!exists) {
            uint64_t want;
            if (tables[i].rows && cpn_h5_attr_read_u64(f, tables[i].rows, &want) == 0)
                rc = CPN_ERROR(CPN_EIO, "%s: %s is missing but %s = %llu", path, tables[i].set,
                               tables[i].rows, (unsigned long long)want);
            continue; /* a table the run's trace level does not write */
        }
        hsize_t rows = 0;
        int got = read_whole(f, tables[i].set, &rows);
        if (got == -2) {
            rc = CPN_ERROR(CPN_EIO,
                           "%s: damaged: %s claims more elements than its bytes on disk can hold",
                           path, tables[i].set);
            break;
        }
        if (got != 0) {
            char msg[256];
            cpn_h5_error_text(msg, sizeof msg);
            rc = CPN_ERROR(CPN_EIO, "%s: %s cannot be read: %s", path, tables[i].set, msg);
            break;
        }
        uint64_t want;
        if (tables[i].rows) {
            if (cpn_h5_attr_read_u64(f, tables[i].rows, &want) != 0)
                rc = CPN_ERROR(CPN_EIO,
                               "%s: no row count %s for %s (written by an older cpnsim, or the "
                               "file is damaged)",
                               path, tables[i].rows, tables[i].set);
            else if (want != rows)
                rc = CPN_ERROR(CPN_EIO, "%s: %s has %llu rows, its count says %llu", path,
                               tables[i].set, (unsigned long long)rows, (unsigned long long)want);
        }
    }
    H5Eclear2(H5E_DEFAULT);
    return rc;
}

/* Open @p path (open_trace()) and verify it (verify_tables()); on success the file is left open
 * in *file for the caller to read and close, else closed. */
static int open_verified(const char *path, hid_t *file)
{
    int rc = open_trace(path, file);
    if (rc == CPN_OK && (rc = verify_tables(*file, path)) != CPN_OK) {
        H5Fclose(*file);
        *file = H5I_INVALID_HID;
    }
    return rc;
}

int cpn_result_verify(const char *path)
{
    if (!path)
        return CPN_ERROR(CPN_EINVAL, "cpn_result_verify: NULL path");
    hid_t f;
    int rc = open_verified(path, &f);
    if (rc == CPN_OK)
        H5Fclose(f);
    return rc;
}

int cpn_result_metric(const char *path, const char *metric, double *value, char *unit,
                      size_t unitlen)
{
    if (!path || !metric || !value)
        return CPN_ERROR(CPN_EINVAL, "cpn_result_metric: NULL argument");
    hid_t f;
    int rc = open_verified(path, &f);
    if (rc != CPN_OK)
        return rc;
    struct cpn_metric *rows = NULL;
    size_t n = 0;
    rc = read_summary(f, path, &rows, &n);
    H5Fclose(f);
    if (rc != CPN_OK)
        return rc;
    rc = CPN_ERROR(CPN_ERANGE, "%s: the summary has no metric \"%s\"", path, metric);
    for (size_t i = 0; i < n; i++) {
        if (rc != CPN_OK && strcmp(rows[i].name, metric) == 0) {
            *value = rows[i].value;
            if (unit && unitlen)
                snprintf(unit, unitlen, "%s", rows[i].unit);
            rc = CPN_OK;
        }
        free((char *)rows[i].name);
        free((char *)rows[i].unit);
    }
    free(rows);
    return rc;
}

int cpn_report_add_file(struct cpn_report *r, const char *path)
{
    if (!r || !path)
        return CPN_ERROR(CPN_EINVAL, "cpn_report_add_file: NULL argument");
    hid_t f;
    int rc = open_verified(path, &f);
    if (rc == CPN_ESTATE)
        return CPN_ERROR(CPN_ESTATE, "%s: incomplete run (complete = 0): left out", path);
    if (rc == CPN_EIO) {
        char why[512];
        snprintf(why, sizeof why, "%s", cpn_error_message());
        return CPN_ERROR(CPN_ESTATE, "%s: left out", why);
    }
    if (rc != CPN_OK)
        return rc;
    struct cpn_metric *rows = NULL;
    size_t n = 0;
    rc = read_summary(f, path, &rows, &n);
    char *a[5] = {cpn_h5_attr_read_str(f, "program_version", 0),
                  cpn_h5_attr_read_str(f, "scenario_path", 0),
                  cpn_h5_attr_read_str(f, "scenario_sha256", 0),
                  cpn_h5_attr_read_str(f, "policy", 0), cpn_h5_attr_read_str(f, "awareness", 0)};
    uint64_t seed = 0;
    cpn_h5_attr_read_u64(f, "seed", &seed);
    /* Grouping keys: the policy parameters and the --set overrides, both "KEY=VALUE". */
    long np = cpn_h5_attr_count(f, "policy_params"), no = cpn_h5_attr_count(f, "overrides");
    np = np > 0 ? np : 0;
    no = no > 0 ? no : 0;
    char **params = calloc((size_t)(np + no) + 1, sizeof *params);
    size_t n_params = 0;
    for (long i = 0; params && i < np + no; i++) {
        char *p = cpn_h5_attr_read_str(f, i < np ? "policy_params" : "overrides",
                                       (size_t)(i < np ? i : i - np));
        if (p && *p)
            params[n_params++] = p;
        else
            free(p);
    }
    H5Fclose(f);
    if (rc == CPN_OK && !params)
        rc = CPN_ERROR(CPN_ENOMEM, NULL);
    if (rc == CPN_OK) {
        struct cpn_report_run run = {.source = path,
                                     .program_version = a[0],
                                     .scenario_path = a[1],
                                     .scenario_sha256 = a[2],
                                     .policy = a[3],
                                     .awareness = a[4],
                                     .seed = seed,
                                     .params = (const char *const *)params,
                                     .n_params = n_params,
                                     .metrics = rows,
                                     .n_metrics = n};
        rc = cpn_report_add_run(r, &run);
    }
    for (int i = 0; i < 5; i++)
        free(a[i]);
    for (size_t i = 0; i < n_params; i++)
        free(params[i]);
    free(params);
    for (size_t i = 0; i < n; i++) {
        free((char *)rows[i].name);
        free((char *)rows[i].unit);
    }
    free(rows);
    return rc;
}

/* Compare one recorded string attribute with the wanted value (NULL recorded = ""). */
static int differs(const char *path, const char *what, const char *have, const char *want)
{
    if (strcmp(have ? have : "", want) == 0)
        return CPN_OK;
    return CPN_ERROR(CPN_ESTATE, "%s: recorded %s \"%s\", the experiment now asks \"%s\"", path,
                     what, have ? have : "", want);
}

int cpn_result_matches(const char *path, const struct cpn_result_definition *want)
{
    if (!path || !want || !want->program_version || !want->scenario_sha256 ||
        (want->n_overrides && !want->overrides))
        return CPN_ERROR(CPN_EINVAL, "cpn_result_matches: NULL argument");
    hid_t f;
    int rc = open_trace(path, &f);
    if (rc != CPN_OK)
        return rc;
    char *version = cpn_h5_attr_read_str(f, "program_version", 0);
    char *sha = cpn_h5_attr_read_str(f, "scenario_sha256", 0);
    char *policy = cpn_h5_attr_read_str(f, "policy", 0);
    uint64_t seed = 0;
    int have_seed = cpn_h5_attr_read_u64(f, "seed", &seed) == 0;
    rc = differs(path, "program version", version, want->program_version);
    if (rc == CPN_OK)
        rc = differs(path, "scenario SHA-256", sha, want->scenario_sha256);
    /* A scenario without centers records the policy "none": no policy acts on its result. */
    if (rc == CPN_OK && want->policy && !(policy && strcmp(policy, "none") == 0))
        rc = differs(path, "policy", policy, want->policy);
    if (rc == CPN_OK && (!have_seed || seed != want->seed))
        rc =
            CPN_ERROR(CPN_ESTATE, "%s: recorded seed %" PRIu64 ", the experiment now asks %" PRIu64,
                      path, seed, want->seed);
    long no = cpn_h5_attr_count(f, "overrides");
    size_t have_n = 0; /* non-empty entries (a run without overrides may record one "") */
    for (long i = 0; rc == CPN_OK && i < no; i++) {
        char *o = cpn_h5_attr_read_str(f, "overrides", (size_t)i);
        if (o && *o) {
            char what[32];
            snprintf(what, sizeof what, "override %zu", have_n + 1);
            if (have_n < want->n_overrides)
                rc = differs(path, what, o, want->overrides[have_n]);
            have_n++;
        }
        free(o);
    }
    if (rc == CPN_OK && have_n != want->n_overrides)
        rc = CPN_ERROR(CPN_ESTATE,
                       "%s: recorded %zu --set override(s), the experiment now asks %zu (the "
                       "run was made with other settings)",
                       path, have_n, want->n_overrides);
    H5Fclose(f);
    free(version);
    free(sha);
    free(policy);
    return rc;
}

/* ---- the table ------------------------------------------------------------------------------ */

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The value of grouping key @p key for run @p x (a pointer into x, or into @p buf). */
static const char *key_value_raw(const struct run *x, const char *key, char *buf, size_t n)
{
    if (strcmp(key, "scenario") == 0)
        return base_name(x->scenario);
    if (strcmp(key, "policy") == 0)
        return x->policy;
    if (strcmp(key, "awareness") == 0)
        return x->awareness;
    if (strcmp(key, "version") == 0)
        return x->version;
    if (strcmp(key, "seed") == 0) {
        snprintf(buf, n, "%" PRIu64, x->seed);
        return buf;
    }
    size_t kl = strlen(key);
    for (size_t i = 0; i < x->n_params; i++)
        if (strncmp(x->params[i], key, kl) == 0 && x->params[i][kl] == '=')
            return x->params[i] + kl + 1;
    return "-";
}

/* The value of grouping key @p key for run @p x ("-" when empty or absent). */
static const char *key_value(const struct run *x, const char *key, char *buf, size_t n)
{
    const char *v = key_value_raw(x, key, buf, n);
    return *v ? v : "-";
}

/* The place of @p value in @p order (order->len when it is not there, or there is no order). */
static size_t order_rank(const struct words *order, const char *value)
{
    size_t i = 0;
    while (order && i < order->len && strcmp(order->items[i], value) != 0)
        i++;
    return order ? i : 0;
}

/* Rows by their keys: each key's values in its given order (cpn_report_order()), then by text. */
static int cmp_keys(const struct cpn_report *r, const struct run *a, const struct run *b)
{
    for (size_t k = 0; k < r->by.len; k++) {
        const struct words *order = r->order ? &r->order[k] : NULL;
        size_t ra = order_rank(order, a->keys[k]), rb = order_rank(order, b->keys[k]);
        int c = ra != rb ? (ra < rb ? -1 : 1) : strcmp(a->keys[k], b->keys[k]);
        if (c)
            return c;
    }
    return 0;
}

/* qsort has no context argument: sort an index array with insertion into a stable order. */
static void sort_runs(struct cpn_report *r, size_t *idx)
{
    size_t n = r->runs.len;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t i = 1; i < n; i++) { /* O(R^2) worst case; R is a batch's run count */
        size_t v = idx[i], j = i;
        while (j > 0) {
            const struct run *a = &r->runs.items[idx[j - 1]], *b = &r->runs.items[v];
            int c = cmp_keys(r, a, b);
            if (c < 0 || (c == 0 && a->seed <= b->seed))
                break;
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

struct col {
    const char *name, *unit;
};

struct cols {
    struct col *items;
    size_t len, cap;
};

static const struct cpn_metric *find_metric(const struct run *x, const char *name)
{
    for (size_t i = 0; i < x->n_metrics; i++)
        if (strcmp(x->metrics[i].name, name) == 0)
            return &x->metrics[i];
    return NULL;
}

/* Select metric columns: for each pattern, every metric of any run matching it, first-seen. */
static int select_columns(struct cpn_report *r, struct cols *cols)
{
    for (size_t p = 0; p < r->metrics.len; p++)
        for (size_t i = 0; i < r->runs.len; i++) {
            const struct run *x = &r->runs.items[i];
            for (size_t m = 0; m < x->n_metrics; m++) {
                if (fnmatch(r->metrics.items[p], x->metrics[m].name, 0) != 0)
                    continue;
                int seen = 0;
                for (size_t c = 0; c < cols->len && !seen; c++)
                    seen = strcmp(cols->items[c].name, x->metrics[m].name) == 0;
                struct col c = {x->metrics[m].name, x->metrics[m].unit};
                if (!seen && cpn_array_push(cols, c) != CPN_OK)
                    return CPN_ERROR(CPN_ENOMEM, NULL);
            }
        }
    if (cols->len == 0)
        return CPN_ERROR(CPN_ESCENARIO, "no metric of the runs matches --metrics");
    return CPN_OK;
}

static void put_csv(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\n")) {
        fputc('"', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else {
        fputs(s, out);
    }
}

static void put_tex(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (strchr("_%&#${}", *s))
            fputc('\\', out);
        fputc(*s, out);
    }
}

static void put_text(FILE *out, enum cpn_report_format f, const char *s)
{
    if (f == CPN_REPORT_CSV)
        put_csv(out, s);
    else if (f == CPN_REPORT_TEX)
        put_tex(out, s);
    else
        fputs(s, out);
}

/* " [UNIT]" after a column's name in @p buf (room @p len), or "" for a metric without a unit
 * (a cost in a scenario that names no currency: no price anywhere, so every cost is 0). */
static const char *unit_text(const char *unit, char *buf, size_t len)
{
    if (!unit || !*unit)
        return "";
    snprintf(buf, len, " [%s]", unit);
    return buf;
}

static void print_header(struct cpn_report *r, FILE *out, const struct col *c, size_t nc)
{
    enum cpn_report_format f = r->format;
    const char *sep = f == CPN_REPORT_MD ? " | " : f == CPN_REPORT_CSV ? "," : " & ";
    char buf[512];
    if (f == CPN_REPORT_TEX) {
        fprintf(out, "\\begin{tabular}{");
        for (size_t k = 0; k < r->by.len; k++)
            fputc('l', out);
        fprintf(out, "r");
        for (size_t m = 0; m < nc; m++)
            fputc('r', out);
        fprintf(out, "}\n\\toprule\n");
    }
    if (f == CPN_REPORT_MD)
        fputs("| ", out);
    for (size_t k = 0; k < r->by.len; k++) {
        put_text(out, f, r->by.items[k]);
        fputs(sep, out);
    }
    fputs("runs", out);
    int paired = r->paired_key != SIZE_MAX;
    for (size_t m = 0; m < nc; m++) {
        fputs(sep, out);
        if (paired && f == CPN_REPORT_TEX)
            fputs("$\\Delta$ ", out);
        char ub[128];
        const char *u = unit_text(c[m].unit, ub, sizeof ub);
        snprintf(buf, sizeof buf, "%s%s%s", paired && f == CPN_REPORT_MD ? "Δ " : "", c[m].name, u);
        if (paired && f == CPN_REPORT_CSV)
            snprintf(buf, sizeof buf, "%s diff%s", c[m].name, u);
        put_text(out, f, buf);
        if (paired && f == CPN_REPORT_CSV) {
            snprintf(buf, sizeof buf, "%s diff ci95%s", c[m].name, u);
            fputs(",", out);
            put_csv(out, buf);
            snprintf(buf, sizeof buf, "%s rel", c[m].name);
            fputs(",", out);
            put_csv(out, buf);
            snprintf(buf, sizeof buf, "%s pairs", c[m].name);
            fputs(",", out);
            put_csv(out, buf);
        } else if (f == CPN_REPORT_CSV) {
            snprintf(buf, sizeof buf, "%s ci95%s", c[m].name, u);
            fputs(",", out);
            put_csv(out, buf);
            snprintf(buf, sizeof buf, "%s n", c[m].name);
            fputs(",", out);
            put_csv(out, buf);
        }
    }
    if (f == CPN_REPORT_MD) {
        fputs(" |\n|", out);
        for (size_t k = 0; k < r->by.len; k++)
            fputs(" --- |", out);
        for (size_t m = 0; m <= nc; m++)
            fputs(" ---: |", out);
        fputc('\n', out);
    } else if (f == CPN_REPORT_TEX) {
        fputs(" \\\\\n\\midrule\n", out);
    } else {
        fputc('\n', out);
    }
}

/* Print one cell: mean and CI half-width of the finite values of metric @p name in runs
 * idx[lo..hi). */
static void print_cell(struct cpn_report *r, FILE *out, const size_t *idx, size_t lo, size_t hi,
                       const char *name, double *vals)
{
    size_t n = 0;
    for (size_t i = lo; i < hi; i++) {
        const struct cpn_metric *m = find_metric(&r->runs.items[idx[i]], name);
        if (m && isfinite(m->value))
            vals[n++] = m->value;
    }
    double mean = n ? gsl_stats_mean(vals, 1, n) : NAN;
    double ci = n > 1 ? gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * gsl_stats_sd(vals, 1, n) /
                            sqrt((double)n)
                      : NAN;
    enum cpn_report_format f = r->format;
    if (f == CPN_REPORT_CSV) {
        fprintf(out, ",%.17g,%.17g,%zu", mean, ci, n);
        return;
    }
    fputs(f == CPN_REPORT_MD ? " | " : " & ", out);
    if (n == 0) {
        fputs("-", out);
        return;
    }
    /* TeX: numbers through siunitx's \\num, which typesets 4.264e+12 as 4.264 x 10^12. */
    if (f == CPN_REPORT_TEX && isfinite(ci))
        fprintf(out, "$\\num{%.4g} \\pm \\num{%.2g}$", mean, ci);
    else if (f == CPN_REPORT_TEX)
        fprintf(out, "$\\num{%.4g}$", mean);
    else if (isfinite(ci))
        fprintf(out, "%.4g ± %.2g", mean, ci);
    else
        fprintf(out, "%.4g", mean);
    if (n != hi - lo)
        fprintf(out, " (n=%zu)", n);
}

/* Print one paired cell: over the seeds that runs idx[lo..hi) and the baseline runs
 * idx[blo..bhi) share (first run of each seed, both values finite), the mean difference
 * d = x - b, the half-width of its paired 95% Student t interval t(0.975, n - 1) s_d / sqrt(n),
 * and the relative difference mean(d) / mean(b). */
static void print_paired_cell(struct cpn_report *r, FILE *out, const size_t *idx, size_t lo,
                              size_t hi, size_t blo, size_t bhi, const char *name, double *d,
                              double *b)
{
    size_t n = 0;
    for (size_t i = lo; i < hi; i++) {
        const struct run *x = &r->runs.items[idx[i]];
        if (i > lo && r->runs.items[idx[i - 1]].seed == x->seed)
            continue; /* runs are sorted by seed within a row: first of each seed */
        const struct cpn_metric *mx = find_metric(x, name);
        for (size_t j = blo; j < bhi && mx && isfinite(mx->value); j++) {
            const struct run *y = &r->runs.items[idx[j]];
            if (y->seed != x->seed)
                continue;
            const struct cpn_metric *my = find_metric(y, name);
            if (my && isfinite(my->value)) {
                d[n] = mx->value - my->value;
                b[n++] = my->value;
            }
            break;
        }
    }
    double mean = n ? gsl_stats_mean(d, 1, n) : NAN;
    double ci =
        n > 1 ? gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * gsl_stats_sd(d, 1, n) / sqrt((double)n)
              : NAN;
    double base = n ? gsl_stats_mean(b, 1, n) : NAN;
    double rel = base != 0 ? mean / base : NAN;
    enum cpn_report_format f = r->format;
    if (f == CPN_REPORT_CSV) {
        fprintf(out, ",%.17g,%.17g,%.17g,%zu", mean, ci, rel, n);
        return;
    }
    fputs(f == CPN_REPORT_MD ? " | " : " & ", out);
    if (n == 0) {
        fputs("-", out);
        return;
    }
    if (f == CPN_REPORT_TEX)
        fprintf(out, "$\\num{%+.4g}", mean);
    else
        fprintf(out, "%+.4g", mean);
    if (isfinite(ci))
        fprintf(out, f == CPN_REPORT_MD ? " ± %.2g" : " \\pm \\num{%.2g}", ci);
    if (f == CPN_REPORT_TEX)
        fputc('$', out);
    if (isfinite(rel))
        fprintf(out, f == CPN_REPORT_MD ? " (%+.3g%%)" : " (\\num{%+.3g}\\,\\%%)", 100 * rel);
    fprintf(out, " (n=%zu)", n);
}

/* Whether setting @p kv ("KEY=VALUE", a policy parameter or an override) tells runs of one
 * group apart: not the seed (runs of a group differ by seed) and not a grouping key. */
static int setting_counts(const struct cpn_report *r, const char *kv)
{
    size_t kl = strcspn(kv, "=");
    if (kl == strlen("simulation@seed") && strncmp(kv, "simulation@seed", kl) == 0)
        return 0;
    for (size_t k = 0; k < r->by.len; k++)
        if (strlen(r->by.items[k]) == kl && strncmp(r->by.items[k], kv, kl) == 0)
            return 0;
    return 1;
}

/* The first setting of run @p a that counts and that run @p b has not, or NULL. */
static const char *setting_missing(const struct cpn_report *r, const struct run *a,
                                   const struct run *b)
{
    for (size_t i = 0; i < a->n_params; i++) {
        if (!setting_counts(r, a->params[i]))
            continue;
        int found = 0;
        for (size_t j = 0; j < b->n_params && !found; j++)
            found = strcmp(a->params[i], b->params[j]) == 0;
        if (!found)
            return a->params[i];
    }
    return NULL;
}

/* Refuse a group that mixes program versions, scenario hashes, statistics windows (their start:
 * the window's end is an outcome of each run, docs/metrics.md) or settings (policy parameters
 * and --set overrides that are not grouping keys), unless --mix. */
static int check_mix(struct cpn_report *r, const size_t *idx, size_t lo, size_t hi)
{
    const struct run *a = &r->runs.items[idx[lo]];
    for (size_t i = lo + 1; i < hi && !r->mix; i++) {
        const struct run *b = &r->runs.items[idx[i]];
        if (strcmp(a->version, b->version) != 0)
            return CPN_ERROR(CPN_ESCENARIO,
                             "%s and %s were written by different program "
                             "versions (%s, %s) but fall in one group; refusing to mix them "
                             "(use --mix to allow, or --by version)",
                             a->source, b->source, a->version, b->version);
        if (strcmp(a->sha, b->sha) != 0)
            return CPN_ERROR(CPN_ESCENARIO,
                             "%s and %s ran different scenarios (SHA-256 "
                             "%.12s..., %.12s...) but fall in one group; refusing to mix them "
                             "(use --mix to allow, or group --by scenario)",
                             a->source, b->source, a->sha, b->sha);
        const struct cpn_metric *wa = find_metric(a, "run.window_start"),
                                *wb = find_metric(b, "run.window_start");
        if (wa && wb && wa->value != wb->value)
            return CPN_ERROR(CPN_ESCENARIO,
                             "%s and %s measured different windows (statistics from t = %g s "
                             "and from t = %g s) but fall in one group; refusing to mix them "
                             "(use --mix to allow, or give both the same warmup)",
                             a->source, b->source, wa->value, wb->value);
        const struct run *x = a, *y = b;
        const char *kv = setting_missing(r, a, b);
        if (!kv) {
            x = b, y = a;
            kv = setting_missing(r, b, a);
        }
        if (kv) {
            int kl = (int)strcspn(kv, "=");
            return CPN_ERROR(CPN_ESCENARIO,
                             "%s was made with %s and %s was not, but they fall in one "
                             "group; refusing to mix them (use --mix to allow, or add --by %.*s)",
                             x->source, kv, y->source, kl, kv);
        }
    }
    return CPN_OK;
}

/* Whether some run has parameter or override @p key. */
static int key_known(const struct cpn_report *r, const char *key)
{
    static const char *const builtin[] = {"scenario", "policy", "awareness", "seed", "version"};
    for (size_t i = 0; i < sizeof builtin / sizeof *builtin; i++)
        if (strcmp(key, builtin[i]) == 0)
            return 1;
    size_t kl = strlen(key);
    for (size_t i = 0; i < r->runs.len; i++) {
        const struct run *x = &r->runs.items[i];
        for (size_t k = 0; k < x->n_params; k++)
            if (strncmp(x->params[k], key, kl) == 0 && x->params[k][kl] == '=')
                return 1;
    }
    return 0;
}

/* Refuse a --by key that no run knows (a typo would fold every run into one row).  The
 * message lists what is accepted: the built-in keys and the runs' parameter names. */
static int check_keys(const struct cpn_report *r)
{
    for (size_t k = 0; k < r->by.len; k++) {
        const char *key = r->by.items[k];
        if (key_known(r, key))
            continue;
        char names[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < r->runs.len; i++) {
            const struct run *x = &r->runs.items[i];
            for (size_t j = 0; j < x->n_params; j++) {
                int nl = (int)strcspn(x->params[j], "=");
                char item[160];
                int w = snprintf(item, sizeof item, ", %.*s", nl, x->params[j]);
                if (w <= 0 || (size_t)w >= sizeof item || used + (size_t)w >= sizeof names)
                    continue;
                const char *at = names;
                while ((at = strstr(at, item)) && at[w] != ',' && at[w] != '\0')
                    at += w; /* a longer name with this prefix: look further */
                if (at)
                    continue; /* listed already */
                memcpy(names + used, item, (size_t)w + 1);
                used += (size_t)w;
            }
        }
        return CPN_ERROR(CPN_ERANGE,
                         "--by key \"%s\" is not known (use scenario, policy, "
                         "awareness, seed, version%s)",
                         key,
                         *names ? names
                                : ", or a policy parameter or --set target of "
                                  "the runs: these runs have none");
    }
    return CPN_OK;
}

int cpn_report_write(struct cpn_report *r, FILE *out)
{
    if (!r || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_report_write: NULL argument");
    size_t nr = r->runs.len, nk = r->by.len;
    if (nr == 0)
        return CPN_ERROR(CPN_ESTATE, "no complete run to report");
    int krc = check_keys(r);
    if (krc != CPN_OK)
        return krc;
    struct cols cols = {0};
    size_t *idx = malloc(nr * sizeof *idx);
    double *vals = malloc(2 * nr * sizeof *vals);
    char *keybuf = malloc(nr * nk * 32);
    int rc = idx && vals && keybuf ? CPN_OK : CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t i = 0; rc == CPN_OK && i < nr; i++) {
        struct run *x = &r->runs.items[i];
        free(x->keys);
        if (!(x->keys = malloc(nk * sizeof *x->keys))) {
            rc = CPN_ERROR(CPN_ENOMEM, NULL);
            break;
        }
        for (size_t k = 0; k < nk; k++)
            x->keys[k] = (char *)key_value(x, r->by.items[k], keybuf + (i * nk + k) * 32, 32);
    }
    if (rc == CPN_OK) {
        sort_runs(r, idx);
        rc = select_columns(r, &cols);
    }
    for (size_t lo = 0, hi; rc == CPN_OK && lo < nr; lo = hi) {
        for (hi = lo + 1;
             hi < nr && cmp_keys(r, &r->runs.items[idx[lo]], &r->runs.items[idx[hi]]) == 0; hi++)
            ;
        rc = check_mix(r, idx, lo, hi);
    }
    size_t kb = r->paired_key;
    if (rc == CPN_OK && kb != SIZE_MAX) {
        int found = 0;
        for (size_t i = 0; i < nr && !found; i++)
            found = strcmp(r->runs.items[i].keys[kb], r->paired_value) == 0;
        if (!found)
            rc = CPN_ERROR(CPN_ERANGE, "--paired: no run has %s = %s (the baseline)",
                           r->by.items[kb], r->paired_value);
    }
    if (rc == CPN_OK) {
        enum cpn_report_format f = r->format;
        print_header(r, out, cols.items, cols.len);
        for (size_t lo = 0, hi; lo < nr; lo = hi) {
            const struct run *x = &r->runs.items[idx[lo]];
            for (hi = lo + 1; hi < nr && cmp_keys(r, x, &r->runs.items[idx[hi]]) == 0; hi++)
                ;
            size_t blo = 0, bhi = 0; /* the baseline row: the same keys but the paired one */
            if (kb != SIZE_MAX) {
                if (strcmp(x->keys[kb], r->paired_value) == 0)
                    continue; /* the baseline itself */
                for (size_t i = 0; i < nr; i++) {
                    const struct run *y = &r->runs.items[idx[i]];
                    int same = strcmp(y->keys[kb], r->paired_value) == 0;
                    for (size_t k = 0; k < nk && same; k++)
                        same = k == kb || strcmp(y->keys[k], x->keys[k]) == 0;
                    if (same && bhi == 0)
                        blo = i;
                    if (same)
                        bhi = i + 1;
                }
            }
            if (f == CPN_REPORT_MD)
                fputs("| ", out);
            for (size_t k = 0; k < nk; k++) {
                put_text(out, f, x->keys[k]);
                fputs(f == CPN_REPORT_MD ? " | " : f == CPN_REPORT_CSV ? "," : " & ", out);
            }
            fprintf(out, "%zu", hi - lo);
            for (size_t m = 0; m < cols.len; m++)
                if (kb == SIZE_MAX)
                    print_cell(r, out, idx, lo, hi, cols.items[m].name, vals);
                else
                    print_paired_cell(r, out, idx, lo, hi, blo, bhi, cols.items[m].name, vals,
                                      vals + nr);
            fputs(f == CPN_REPORT_MD ? " |\n" : f == CPN_REPORT_TEX ? " \\\\\n" : "\n", out);
        }
        if (f == CPN_REPORT_TEX)
            fputs("\\bottomrule\n\\end{tabular}\n", out);
        else if (f == CPN_REPORT_MD && kb != SIZE_MAX)
            fprintf(out,
                    "\nMean difference from the row with %s = %s and the same other keys, over "
                    "the seeds both ran (n pairs) ± half-width of the paired 95%% confidence "
                    "interval (Student t, n - 1 degrees of freedom); in brackets the mean "
                    "difference relative to the baseline's mean over the same seeds.\n",
                    r->by.items[kb], r->paired_value);
        else if (f == CPN_REPORT_MD)
            fputs("\nMean ± half-width of the 95% confidence interval over the runs of each row "
                  "(Student t, n - 1 degrees of freedom).\n",
                  out);
        if (ferror(out) || fflush(out) != 0)
            rc = CPN_ERROR(CPN_EIO, "cannot write the table: %s", strerror(errno));
    }
    cpn_array_release(&cols);
    free(idx);
    free(vals);
    free(keybuf);
    return rc;
}

/* ---- info ------------------------------------------------------------------------------------ */

static void info_attr(FILE *out, hid_t f, const char *name)
{
    char *v = cpn_h5_attr_read_str(f, name, 0);
    double d;
    if (v && !*v && strcmp(name, "currency") == 0)
        fprintf(out, "  %-18s none (the scenario gives no price: every cost is 0)\n", name);
    else if (v)
        fprintf(out, "  %-18s %s\n", name, v);
    else if (cpn_h5_attr_read_f64(f, name, &d) == 0)
        fprintf(out, "  %-18s %.17g\n", name, d);
    free(v);
}

static void info_dataset(FILE *out, hid_t f, const char *path)
{
    if (H5Lexists(f, path + 1, H5P_DEFAULT) <= 0)
        return;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0)
        return;
    hid_t sp = H5Dget_space(d), ty = H5Dget_type(d), pl = H5Dget_create_plist(d);
    hsize_t dims[2] = {0, 0};
    int rank = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
    size_t rec = ty >= 0 ? H5Tget_size(ty) : 0;
    if (rank == 2)
        rec *= (size_t)dims[1];
    hsize_t disk = H5Dget_storage_size(d);
    int nf = pl >= 0 ? H5Pget_nfilters(pl) : 0;
    char shape[64];
    if (rank == 2)
        snprintf(shape, sizeof shape, "%llu x %llu", (unsigned long long)dims[0],
                 (unsigned long long)dims[1]);
    else
        snprintf(shape, sizeof shape, "%llu", (unsigned long long)dims[0]);
    fprintf(out, "  %-20s %14s rows  %6zu B/row raw  %12llu B on disk", path, shape, rec,
            (unsigned long long)disk);
    if (dims[0])
        fprintf(out, "  %8.2f B/row", (double)disk / (double)dims[0]);
    fprintf(out, "%s\n", nf > 0 ? "  (deflate)" : "");
    if (pl >= 0)
        H5Pclose(pl);
    if (ty >= 0)
        H5Tclose(ty);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(d);
}

int cpn_report_info(const char *path, FILE *out, int with_scenario)
{
    static const char *const attrs[] = {
        "program_version",  "scenario_path",   "scenario_sha256", "seed",
        "policy",           "awareness",       "trace_level",     "command_line",
        "wall_clock_start", "sample_interval", "until",           "currency"};
    static const char *const sets[] = {"/nodes",
                                       "/links",
                                       "/centers",
                                       "/pools",
                                       "/jobs",
                                       "/requests",
                                       "/flows",
                                       "/events",
                                       "/compute",
                                       "/series/time",
                                       "/series/link_util",
                                       "/series/center_util",
                                       "/series/pool_util",
                                       "/summary"};
    if (!path || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_report_info: NULL argument");
    hid_t f;
    int rc = open_trace(path, &f);
    if (rc != CPN_OK)
        return rc;
    double complete = 0, version = 0;
    cpn_h5_attr_read_f64(f, "complete", &complete);
    cpn_h5_attr_read_f64(f, "format_version", &version);
    int verified = complete != 0 ? verify_tables(f, path) : CPN_ESTATE;
    char why[512] = "";
    if (verified == CPN_EIO)
        snprintf(why, sizeof why, "DAMAGED: %s", cpn_error_message());
    fprintf(out, "%s: cpnsim trace, format %g, %s\n", path, version,
            verified == CPN_OK ? "complete, verified"
            : complete == 0    ? "INCOMPLETE (complete = 0: the run was interrupted or failed)"
                               : why);
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        info_attr(out, f, attrs[i]);
    for (const char *const *key = (const char *const[]){"policy_params", "overrides", NULL}; *key;
         key++) {
        long np = cpn_h5_attr_count(f, *key);
        for (long i = 0; i < np; i++) {
            char *p = cpn_h5_attr_read_str(f, *key, (size_t)i);
            if (p && *p)
                fprintf(out, "  %-18s %s\n", i ? "" : *key, p);
            free(p);
        }
    }
    uint32_t crc = 0;
    uint64_t covered = 0;
    int has = 0;
    if (cpn_trace_checksum(path, &has, &crc, &covered) == CPN_OK && has) /* (checked on open) */
        fprintf(out,
                "  %-18s CRC-32 %08" PRIx32 " of the %" PRIu64 " B after the user block, "
                "matches\n",
                "checksum", crc, covered);
    else
        fprintf(out, "  %-18s none (a trace of a cpnsim before checksums: read unchecked)\n",
                "checksum");
    char *text = cpn_h5_attr_read_str(f, "scenario_text", 0);
    fprintf(out, "  %-18s %zu B%s\n", "scenario_text", text ? strlen(text) : 0,
            with_scenario ? ":" : " (--scenario prints it)");
    if (with_scenario && text)
        fprintf(out, "%s\n", text);
    free(text);
    fprintf(out, "datasets:\n");
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        info_dataset(out, f, sets[i]);
    struct cpn_metric *rows = NULL;
    size_t n = 0;
    if (H5Lexists(f, "summary", H5P_DEFAULT) > 0 && read_summary(f, path, &rows, &n) == CPN_OK) {
        fprintf(out, "summary:\n");
        int w = 6;
        for (size_t i = 0; i < n; i++)
            w = (int)strlen(rows[i].name) > w ? (int)strlen(rows[i].name) : w;
        for (size_t i = 0; i < n; i++) {
            if (!isnan(rows[i].value))
                fprintf(out, "  %-*s  %14.6g  %s\n", w, rows[i].name, rows[i].value, rows[i].unit);
            free((char *)rows[i].name);
            free((char *)rows[i].unit);
        }
        free(rows);
    }
    H5Fclose(f);
    if (ferror(out) || fflush(out) != 0)
        return CPN_ERROR(CPN_EIO, "info: cannot write: %s", strerror(errno));
    return CPN_OK;
}
