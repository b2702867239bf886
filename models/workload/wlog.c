/* Readers of real workload logs and the origin mapping (see workload logs.h).  The per-format line
 * parsers are in trace_swf.c and trace_csv.c (models/workload/wlog_reader.h). */
#include "models/workload/wlog.h"

#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_heapsort.h>
#include <gsl/gsl_randist.h>
#include <zlib.h>

#include "models/workload/wlog_reader.h"
#include "sim/error.h"
#include "sim/tempfile.h"

/* zlib read buffer [B]: large enough that inflating is not dominated by call overhead. */
#define GZ_BUFFER (256u * 1024u)

/* ------------------------------------------------------------------------------------------ */
/* Helpers shared with the format parsers */

/* Report a malformed line (or count it under on-error=skip).  Always returns 1. */
int cpn_wlog_bad(struct cpn_wlog_reader *r, const char *fmt, ...)
{
    r->t->stats.malformed++;
    if (!r->first_bad)
        r->first_bad = r->line;
    if (r->opt->on_error == CPN_WLOG_FAIL) {
        va_list ap;
        va_start(ap, fmt);
        cpn_diag_verror(r->diag, r->path, r->line, fmt, ap);
        va_end(ap);
    }
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Field parsers.  Each returns 0 when the whole token is a valid value. */

int cpn_wlog_parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

int cpn_wlog_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Lines and groups */

/*
 * Read the next line into r->buf without its line end.  Returns 1 for a line, 0 at the end of
 * the file, -1 on a read error (reported).  An overlong line is consumed and reported as
 * malformed; 2 is returned for it.
 */
/* Report a zlib read error, if any; returns -1 when there was one. */
static int read_error(struct cpn_wlog_reader *r, long line)
{
    int err;
    const char *msg = gzerror(r->gz, &err);
    if (err == Z_OK || err == Z_STREAM_END)
        return 0;
    size_t n = strlen(r->path);
    if (strncmp(msg, r->path, n) == 0 && strncmp(msg + n, ": ", 2) == 0)
        msg += n + 2; /* zlib prefixes the path; diag already does */
    cpn_diag_error(r->diag, r->path, line, "cannot read: %s", msg);
    return -1;
}

static int next_line(struct cpn_wlog_reader *r)
{
    if (!gzgets(r->gz, r->buf, (int)sizeof r->buf))
        return read_error(r, r->line + 1);
    r->line++;
    r->t->stats.lines++;
    size_t n = strlen(r->buf);
    if (n && r->buf[n - 1] != '\n' && read_error(r, r->line) != 0)
        return -1; /* a line cut by a damaged file is not parsed */
    if (n == sizeof r->buf - 1 && r->buf[n - 1] != '\n') {
        /* Consume the rest of the overlong line. */
        char skip[1024];
        while (gzgets(r->gz, skip, (int)sizeof skip) && skip[strlen(skip) - 1] != '\n')
            ;
        cpn_wlog_bad(r, "line is longer than %d characters", CPN_WLOG_MAX_LINE);
        return 2;
    }
    while (n && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r'))
        r->buf[--n] = '\0';
    return 1;
}

static int is_blank(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

int cpn_wlog_push_job(struct cpn_wlog_reader *r, const struct cpn_wlog_job *j)
{
    if (r->count_only) {
        /* (Bounds over the records pushed: stats.records also counts the cancelled ones that
         * never ran, which are not pushed and must not set the time origin.) */
        r->tmin = fmin(r->tmin, j->submit);
        r->tmax = fmax(r->tmax, j->submit);
        r->t->stats.records++;
        return CPN_OK;
    }
    if (cpn_array_push(&r->jobs, *j) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "out of memory for trace jobs");
    r->t->stats.records++;
    return CPN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Reading */

/* Read and handle one line (*done = 1 at the end of the file); returns CPN_OK or a fatal code
 * (ENOMEM, a read error or a bad header). */
static int read_one(struct cpn_wlog_reader *r, int *done)
{
    static const char *const headers[CPN_WLOG_NFORMATS] = {
        NULL, CPN_WLOG_PHILLY_HEADER, CPN_WLOG_ALIBABA_HEADER, CPN_WLOG_AZURE_HEADER};
    static const char *const names[CPN_WLOG_NFORMATS] = {"SWF", "Philly", "Alibaba pod",
                                                         "Azure LLM inference"};
    enum cpn_wlog_format fmt = r->t->format;
    int got = next_line(r);
    if (got == 0) {
        *done = 1;
        return CPN_OK;
    }
    if (got < 0)
        return CPN_ESCENARIO;
    if (got == 2 || is_blank(r->buf))
        return CPN_OK;
    char *s = r->buf;
    int rc = CPN_OK;
    if (fmt == CPN_WLOG_SWF) {
        const char *p = s;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == ';')
            rc = cpn_wlog_swf_header(r, p);
        else
            cpn_wlog_swf_line(r, &rc);
    } else if (fmt == CPN_WLOG_CSV) {
        if (strncmp(s, "\xEF\xBB\xBF", 3) == 0 && !r->header_seen)
            s += 3;
        rc = cpn_wlog_mapped_line(r, s);
    } else if (!r->header_seen) {
        if (strncmp(s, "\xEF\xBB\xBF", 3) == 0) /* a UTF-8 byte order mark */
            s += 3;
        if (strcmp(s, headers[fmt]) != 0) {
            cpn_diag_error(r->diag, r->path, r->line,
                           "header \"%s\" is not the %s CSV header (expected \"%s\")", s,
                           names[fmt], headers[fmt]);
            return CPN_ESCENARIO;
        }
        r->header_seen = 1;
    } else if (fmt == CPN_WLOG_PHILLY) {
        cpn_wlog_philly_line(r, &rc);
    } else if (fmt == CPN_WLOG_ALIBABA) {
        cpn_wlog_alibaba_line(r, &rc);
    } else {
        cpn_wlog_azure_line(r, &rc);
    }
    return rc;
}

/* Read every line; returns CPN_OK or a fatal code (ENOMEM, a read error or a bad header). */
static int read_all(struct cpn_wlog_reader *r)
{
    int done = 0, rc = CPN_OK;
    while (!done && rc == CPN_OK)
        rc = read_one(r, &done);
    return rc;
}

static int cmp_job(const void *a, const void *b)
{
    const struct cpn_wlog_job *x = a, *y = b;
    if (x->submit != y->submit)
        return x->submit < y->submit ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static int cmp_request(const void *a, const void *b)
{
    const struct cpn_wlog_request *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/*
 * Sort n records of @p size bytes at *base by (time, line) unless already in that order (SWF
 * logs usually are).  gsl_heapsort_index permutes indices only (moving 64-byte records inside
 * the heap was 5x slower on the Philly workload log); the records are then copied once into a new
 * buffer that replaces *base, with capacity *cap = n.  CPN_OK or CPN_ENOMEM (*base untouched).
 */
static int sort_records(void **base, size_t *cap, size_t n, size_t size, gsl_comparison_fn_t cmp)
{
    const char *p = *base;
    size_t i = 1;
    while (i < n && cmp(p + (i - 1) * size, p + i * size) <= 0)
        i++;
    if (i >= n)
        return CPN_OK;
    size_t *perm = malloc(n * sizeof *perm);
    char *sorted = malloc(n * size);
    if (!perm || !sorted) {
        free(perm);
        free(sorted);
        return CPN_ERROR(CPN_ENOMEM, "out of memory sorting trace records");
    }
    gsl_heapsort_index(perm, *base, n, size, cmp);
    for (i = 0; i < n; i++)
        memcpy(sorted + i * size, p + perm[i] * size, size);
    free(perm);
    free(*base);
    *base = sorted;
    *cap = n;
    return CPN_OK;
}

/* Time of the earliest record as read, which becomes workload log time 0 (every format: a log's
 * own span starts at its first job, docs/models-workload.md "Time bases"). */
static double time_origin(const struct cpn_wlog_reader *r)
{
    if (r->count_only)
        return isfinite(r->tmin) ? r->tmin : 0.0;
    double m = INFINITY;
    for (size_t i = 0; i < r->jobs.len; i++)
        m = fmin(m, r->jobs.items[i].submit);
    for (size_t i = 0; i < r->requests.len; i++)
        m = fmin(m, r->requests.items[i].time);
    return isfinite(m) ? m : 0.0;
}

/* Simulated time of log time @p tt inside the window of @p t (set: window_t0). */
static double map_time(const struct cpn_wlog *t, const struct cpn_wlog_options *o, double tt)
{
    return o->offset + o->time_scale * (tt - t->window_t0);
}

/* Map job @p j of log @p t (time_origin and window set) by the options: 1 when kept (its submit
 * time moved to simulated time), 0 when a filter drops it, -1 when outside the window.  One
 * place for cpn_wlog_read() and the streams, so both give the same times bit for bit. */
static int map_job(const struct cpn_wlog *t, const struct cpn_wlog_options *o,
                   struct cpn_wlog_job *j)
{
    double tt = j->submit - t->time_origin;
    if (!(tt >= t->window_t0 && tt < t->window_t1))
        return -1;
    if (j->units < o->min_units || j->units > o->max_units ||
        (o->completed_only && j->status != CPN_WLOG_UNKNOWN && j->status != CPN_WLOG_COMPLETED))
        return 0;
    j->submit = map_time(t, o, tt);
    return 1;
}

/* Apply window, shift, scale and filters in place; sort; cut to max_records.  CPN_OK or
 * CPN_ENOMEM. */
static int apply_options(struct cpn_wlog_reader *r)
{
    const struct cpn_wlog_options *o = r->opt;
    struct cpn_wlog *t = r->t;
    double origin = time_origin(r), last = r->count_only ? r->tmax : -INFINITY;
    for (size_t i = 0; i < r->jobs.len; i++)
        last = fmax(last, r->jobs.items[i].submit);
    for (size_t i = 0; i < r->requests.len; i++)
        last = fmax(last, r->requests.items[i].time);
    t->stats.span = isfinite(last) ? last - origin : 0.0;
    /* The epoch time of log time 0: the date-time formats' first record; SWF's UnixStartTime
     * plus the first submit time; SWF submit times that are themselves epoch seconds (no
     * UnixStartTime, or 0, and a first submit after 1973-03-03, 1e8 s: no log spans three
     * years before its first job) are their own epoch (Assumption). */
    if (r->have_base)
        t->unix_start = (double)r->base + origin;
    else if (t->format == CPN_WLOG_SWF && isfinite(t->unix_start) && t->unix_start != 0)
        t->unix_start += origin;
    else if (t->format == CPN_WLOG_SWF && origin >= CPN_WLOG_EPOCH_FLOOR)
        t->unix_start = origin;
    else
        t->unix_start = NAN;
    double t0 = o->t0, t1 = o->t1;
    if (!isnan(o->t0_date) || !isnan(o->t1_date)) {
        if (isnan(t->unix_start)) { /* the caller reports it where the window was given */
            t->stats.dates_unplaced = 1;
            t0 = INFINITY;
            t1 = INFINITY;
        }
        if (!isnan(o->t0_date))
            t0 = o->t0_date - t->unix_start;
        if (!isnan(o->t1_date))
            t1 = o->t1_date - t->unix_start;
        if (!t->stats.dates_unplaced && !(t1 > t0)) {
            cpn_diag_error(r->diag, r->path, 0,
                           "the window [%.17g s, %.17g s) of log time is empty (window-end must "
                           "be after window-start)",
                           t0, t1);
            return CPN_ESCENARIO;
        }
    }
    t->time_origin = origin;
    t->window_t0 = t0;
    t->window_t1 = t1;
    if (r->count_only)
        return CPN_OK; /* cpn_wlog_scan() counts the kept records by a stream */
    size_t k = 0, outside = 0;
    for (size_t i = 0; i < r->jobs.len; i++) {
        struct cpn_wlog_job j = r->jobs.items[i];
        int kept = map_job(t, o, &j);
        outside += kept < 0;
        if (kept > 0)
            r->jobs.items[k++] = j;
    }
    r->jobs.len = k;
    /* Kept in file order (lines increase): in time order when the submit times do not fall. */
    t->file_order = 1;
    for (size_t i = 1; i < r->jobs.len && t->file_order; i++)
        t->file_order = r->jobs.items[i - 1].submit <= r->jobs.items[i].submit;
    k = 0;
    for (size_t i = 0; i < r->requests.len; i++) {
        struct cpn_wlog_request q = r->requests.items[i];
        double tt = q.time - origin;
        if (!(tt >= t0 && tt < t1)) {
            outside++;
            continue;
        }
        q.time = map_time(t, o, tt);
        r->requests.items[k++] = q;
    }
    r->requests.len = k;
    int rc = sort_records((void **)&r->jobs.items, &r->jobs.cap, r->jobs.len, sizeof *r->jobs.items,
                          cmp_job);
    if (rc == CPN_OK)
        rc = sort_records((void **)&r->requests.items, &r->requests.cap, r->requests.len,
                          sizeof *r->requests.items, cmp_request);
    if (rc != CPN_OK)
        return rc;
    if (o->max_records) {
        if (r->jobs.len > o->max_records) {
            outside += r->jobs.len - o->max_records;
            r->jobs.len = o->max_records;
        }
        if (r->requests.len > o->max_records) {
            outside += r->requests.len - o->max_records;
            r->requests.len = o->max_records;
        }
    }
    t->stats.kept = r->jobs.len + r->requests.len;
    if (r->jobs.len) {
        t->first_submit = r->jobs.items[0].submit;
        t->last_submit = r->jobs.items[r->jobs.len - 1].submit;
    }
    for (size_t i = 0; i < r->jobs.len; i++)
        t->cpu_only += r->jobs.items[i].units == 0 && r->jobs.items[i].cpus > 0;
    t->stats.outside = outside;
    t->stats.filtered = t->stats.records - t->stats.kept - t->stats.cancelled - outside;
    return CPN_OK;
}

void cpn_wlog_options_default(struct cpn_wlog_options *o)
{
    *o = (struct cpn_wlog_options){.t0 = 0.0,
                                   .t1 = INFINITY,
                                   .offset = 0.0,
                                   .time_scale = 1.0,
                                   .min_units = 0,
                                   .max_units = UINT32_MAX,
                                   .completed_only = 0,
                                   .max_records = 0,
                                   .on_error = CPN_WLOG_FAIL,
                                   .parameters = NAN,
                                   .t0_date = NAN,
                                   .t1_date = NAN};
}

static const char *const FORMAT_NAMES[CPN_WLOG_NFORMATS] = {"swf", "philly", "alibaba", "azure",
                                                            "csv"};

int cpn_wlog_format_parse(const char *name, enum cpn_wlog_format *out)
{
    if (!name || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_wlog_format_parse: NULL argument");
    for (int f = 0; f < CPN_WLOG_NFORMATS; f++)
        if (strcmp(name, FORMAT_NAMES[f]) == 0) {
            *out = (enum cpn_wlog_format)f;
            return CPN_OK;
        }
    return CPN_ERROR(CPN_ENOENT,
                     "trace format \"%s\" is unknown (use swf, philly, alibaba, azure or csv)",
                     name);
}

const char *cpn_wlog_format_name(enum cpn_wlog_format f)
{
    return (unsigned)f < CPN_WLOG_NFORMATS ? FORMAT_NAMES[f] : "?";
}

const char *cpn_wlog_format_kind(enum cpn_wlog_format f)
{
    static const char *const kinds[CPN_WLOG_NFORMATS] = {"batch", "training", "training",
                                                         "inference", "batch"};
    return (unsigned)f < CPN_WLOG_NFORMATS ? kinds[f] : "batch";
}

static int check_options(const struct cpn_wlog_options *o)
{
    if (!(o->t1 > o->t0) || isnan(o->t0) || !isfinite(o->offset))
        return CPN_ERROR(CPN_EINVAL, "trace window [%g s, %g s) is empty or offset %g s invalid",
                         o->t0, o->t1, o->offset);
    if (!(o->time_scale > 0) || !isfinite(o->time_scale))
        return CPN_ERROR(CPN_EINVAL, "trace time scale %g is not a finite number > 0",
                         o->time_scale);
    if (o->min_units > o->max_units)
        return CPN_ERROR(CPN_EINVAL, "trace filter min units %u > max units %u",
                         (unsigned)o->min_units, (unsigned)o->max_units);
    if ((unsigned)o->on_error > CPN_WLOG_SKIP)
        return CPN_ERROR(CPN_EINVAL, "trace on-error mode %d is unknown", (int)o->on_error);
    return CPN_OK;
}

/* cpn_wlog_read(), or with @p count_only the first pass of cpn_wlog_scan(). */
static int read_file(const char *path, enum cpn_wlog_format format,
                     const struct cpn_wlog_options *opt, struct cpn_diag *diag, int count_only,
                     struct cpn_wlog **out)
{
    struct cpn_wlog_options defaults;
    if (out)
        *out = NULL;
    if (!path || !diag || !out || (unsigned)format >= CPN_WLOG_NFORMATS)
        return CPN_ERROR(CPN_EINVAL, "cpn_wlog_read: NULL argument or unknown format");
    if (!opt) {
        cpn_wlog_options_default(&defaults);
        opt = &defaults;
    }
    int rc = check_options(opt);
    if (rc != CPN_OK)
        return rc;
    if (format == CPN_WLOG_CSV && (!opt->columns || !opt->columns->submit))
        return CPN_ERROR(CPN_EINVAL, "a column-mapped CSV log needs its columns (submit at least)");
    struct cpn_wlog_reader *r = calloc(1, sizeof *r);
    struct cpn_wlog *t = calloc(1, sizeof *t);
    if (!r || !t) {
        rc = CPN_ERROR(CPN_ENOMEM, "out of memory reading %s", path);
        goto fail;
    }
    t->copy_fd = -1;
    t->format = format;
    t->kind = cpn_wlog_format_kind(format);
    t->unix_start = NAN;
    t->max_procs = -1;
    r->path = path;
    r->diag = diag;
    r->opt = opt;
    r->t = t;
    r->count_only = count_only;
    r->tmin = INFINITY; /* no record pushed yet */
    r->tmax = -INFINITY;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        cpn_diag_error(diag, path, 0,
                       "cannot open: not a regular file (a folder, a device or a FIFO: give a "
                       "file)");
        rc = CPN_ERROR(CPN_ENOINPUT, "workload log %s is not a regular file", path);
        goto fail;
    }
    errno = 0;
    r->gz = gzopen(path, "rb");
    if (!r->gz) {
        cpn_diag_error(diag, path, 0, "cannot open: %s", errno ? strerror(errno) : "out of memory");
        rc = CPN_ERROR(CPN_ENOINPUT, "cannot open trace %s", path);
        goto fail;
    }
    gzbuffer(r->gz, GZ_BUFFER);
    rc = read_all(r);
    if (rc == CPN_OK && format != CPN_WLOG_SWF && !r->header_seen) {
        cpn_diag_error(diag, path, 0, "file is empty (expected the %s CSV header first)",
                       cpn_wlog_format_name(format));
        rc = CPN_ESCENARIO;
    }
    if (rc == CPN_ESCENARIO) {
        rc = CPN_ERROR(CPN_ESCENARIO, "%s: cannot read the trace", path);
        goto fail;
    }
    if (rc != CPN_OK)
        goto fail;
    if (t->stats.malformed && opt->on_error == CPN_WLOG_FAIL) {
        rc = CPN_ERROR(CPN_ESCENARIO, "%s: %zu malformed line%s", path, t->stats.malformed,
                       t->stats.malformed == 1 ? "" : "s");
        goto fail;
    }
    if (t->stats.malformed)
        cpn_diag_warning(diag, path, 0, "%zu malformed line%s skipped (the first at line %ld)",
                         t->stats.malformed, t->stats.malformed == 1 ? "" : "s", r->first_bad);
    if ((rc = apply_options(r)) != CPN_OK)
        goto fail;
    t->jobs = r->jobs.items;
    t->njobs = r->jobs.len;
    t->requests = r->requests.items;
    t->nrequests = r->requests.len;
    t->groups = r->groups.items;
    t->ngroups = r->groups.len;
    gzclose(r->gz);
    cpn_array_release(&r->partition);
    cpn_wlog_mapped_release(r);
    free(r);
    *out = t;
    return CPN_OK;
fail:
    if (r) {
        if (r->gz)
            gzclose(r->gz);
        for (size_t i = 0; i < r->groups.len; i++)
            free(r->groups.items[i]);
        cpn_array_release(&r->groups);
        cpn_array_release(&r->jobs);
        cpn_array_release(&r->requests);
        cpn_array_release(&r->partition);
        cpn_wlog_mapped_release(r);
    }
    free(r);
    free(t);
    return rc;
}

void cpn_wlog_free(struct cpn_wlog *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ngroups; i++)
        free(t->groups[i]);
    free(t->groups);
    free(t->jobs);
    free(t->requests);
    free(t->units);
    free(t->group_first);
    if (t->copy_fd >= 0)
        close(t->copy_fd);
    free(t);
}

/* ------------------------------------------------------------------------------------------ */
/* Origins */

uint32_t cpn_wlog_origin_of(const struct cpn_wlog_origin_map *map, const struct cpn_wlog_job *job,
                            size_t i, gsl_rng *rng, const gsl_ran_discrete_t *table)
{
    switch (map->rule) {
    case CPN_WLOG_BY_GROUP: {
        uint32_t g = job->group;
        uint32_t o = g != CPN_NONE && g < map->ngroups ? map->group_origin[g] : CPN_NONE;
        return o == CPN_NONE ? map->default_origin : o;
    }
    case CPN_WLOG_ROUND_ROBIN:
        return (uint32_t)(i % map->norigins);
    case CPN_WLOG_WEIGHTED:
        return (uint32_t)gsl_ran_discrete(rng, table);
    }
    return CPN_NONE;
}

int cpn_wlog_assign_origins(const struct cpn_wlog_job *jobs, size_t n,
                            const struct cpn_wlog_origin_map *map, gsl_rng *rng, uint32_t *origins)
{
    if (!map || (n && !origins) || map->norigins == 0)
        return CPN_ERROR(CPN_EINVAL, "cpn_wlog_assign_origins: NULL argument or no origins");
    switch (map->rule) {
    case CPN_WLOG_BY_GROUP:
        if ((n && !jobs) || (map->ngroups && !map->group_origin))
            return CPN_ERROR(CPN_EINVAL, "origin by group needs the jobs and the group table");
        if (map->default_origin != CPN_NONE && map->default_origin >= map->norigins)
            return CPN_ERROR(CPN_ERANGE, "default origin %u is not below %u origins",
                             (unsigned)map->default_origin, (unsigned)map->norigins);
        for (size_t i = 0; i < map->ngroups; i++)
            if (map->group_origin[i] != CPN_NONE && map->group_origin[i] >= map->norigins)
                return CPN_ERROR(CPN_ERANGE, "origin %u of group %zu is not below %u origins",
                                 (unsigned)map->group_origin[i], i, (unsigned)map->norigins);
        for (size_t i = 0; i < n; i++) {
            uint32_t o = cpn_wlog_origin_of(map, &jobs[i], i, NULL, NULL);
            if (o == CPN_NONE)
                return CPN_ERROR(CPN_ENOENT,
                                 "trace line %u: group %u has no origin and no default is given",
                                 (unsigned)jobs[i].line, (unsigned)jobs[i].group);
            origins[i] = o;
        }
        return CPN_OK;
    case CPN_WLOG_ROUND_ROBIN:
        for (size_t i = 0; i < n; i++)
            origins[i] = cpn_wlog_origin_of(map, NULL, i, NULL, NULL);
        return CPN_OK;
    case CPN_WLOG_WEIGHTED: {
        if (!map->weights || !rng)
            return CPN_ERROR(CPN_EINVAL, "weighted origins need weights and a generator");
        double total = 0.0;
        for (uint32_t i = 0; i < map->norigins; i++) {
            if (!(map->weights[i] >= 0) || !isfinite(map->weights[i]))
                return CPN_ERROR(CPN_ERANGE, "origin weight %u is %g, not a finite number >= 0",
                                 (unsigned)i, map->weights[i]);
            total += map->weights[i];
        }
        if (!(total > 0))
            return CPN_ERROR(CPN_ERANGE, "origin weights are all 0");
        gsl_ran_discrete_t *table = gsl_ran_discrete_preproc(map->norigins, map->weights);
        if (!table)
            return CPN_ERROR(CPN_ENOMEM, "cannot build the origin alias table");
        for (size_t i = 0; i < n; i++)
            origins[i] = cpn_wlog_origin_of(map, NULL, i, rng, table);
        gsl_ran_discrete_free(table);
        return CPN_OK;
    }
    }
    return CPN_ERROR(CPN_EINVAL, "origin rule %d is unknown", (int)map->rule);
}

int cpn_wlog_read(const char *path, enum cpn_wlog_format format, const struct cpn_wlog_options *opt,
                  struct cpn_diag *diag, struct cpn_wlog **out)
{
    return read_file(path, format, opt, diag, 0, out);
}

/* ------------------------------------------------------------------------------------------ */
/* Streamed replay (see wlog.h) */

struct cpn_wlog_stream {
    struct cpn_tempfile_reader copy; /* from the checked copy (log->copy_fd >= 0: copy.buf is
                                      * not NULL); else from the file: */
    struct cpn_wlog_reader r;        /* the re-read (r.t points to counts, below) */
    struct cpn_wlog counts;          /* the re-read's own counts and groups */
    const struct cpn_wlog *log;      /* the load's log */
    size_t pos;                      /* next job of r.jobs to map */
    size_t given;                    /* records given */
    double last;                     /* submit time of the last one given [s] */
    int eof, failed, finished;
    int counting;   /* cpn_wlog_scan(): count, check nothing against the log's counts */
    int unordered;  /* counting: a kept record came before the one before it */
    size_t outside; /* counting: outside the window or beyond max_records */
};

static int stream_open(const char *path, const struct cpn_wlog *log,
                       const struct cpn_wlog_options *opt, struct cpn_diag *diag, int counting,
                       struct cpn_wlog_stream **out)
{
    struct cpn_wlog_stream *s = calloc(1, sizeof *s);
    if (!s)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    s->counting = counting;
    s->log = log;
    s->last = -INFINITY;
    s->counts.format = log->format;
    s->counts.kind = log->kind;
    s->counts.unix_start = NAN;
    s->counts.max_procs = -1;
    s->r.path = path;
    s->r.diag = diag;
    s->r.opt = opt;
    s->r.t = &s->counts;
    errno = 0;
    if (!(s->r.gz = gzopen(path, "rb"))) {
        int e = errno;
        free(s);
        return e == 0 || e == ENOMEM
                   ? CPN_ERROR(CPN_ENOMEM, NULL)
                   : CPN_ERROR(CPN_ENOINPUT, "%s: cannot read it any more: %s", path, strerror(e));
    }
    gzbuffer(s->r.gz, GZ_BUFFER);
    *out = s;
    return CPN_OK;
}

int cpn_wlog_stream_open(const char *path, const struct cpn_wlog *log,
                         const struct cpn_wlog_options *opt, struct cpn_diag *diag,
                         struct cpn_wlog_stream **out)
{
    if (out)
        *out = NULL;
    if (!path || !log || !opt || !diag || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_wlog_stream_open: NULL argument");
    if (log->nrequests || !log->file_order)
        return CPN_ERROR(CPN_EINVAL, "%s: only a job log in time order can be streamed", path);
    if (log->copy_fd < 0)
        return stream_open(path, log, opt, diag, 0, out);
    struct cpn_wlog_stream *s = calloc(1, sizeof *s);
    if (!s ||
        cpn_tempfile_reader_open(&s->copy, log->copy_fd,
                                 (uint64_t)log->njobs * sizeof(struct cpn_wlog_job)) != CPN_OK) {
        free(s);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    s->log = log;
    s->r.path = path;
    s->r.diag = diag;
    s->r.opt = opt;
    *out = s;
    return CPN_OK;
}

/* The next job of the checked copy (cpn_wlog_stream_next()). */
static int copy_next(struct cpn_wlog_stream *s, struct cpn_wlog_job *rec, int *more)
{
    struct cpn_tempfile_reader *c = &s->copy;
    int e = cpn_tempfile_reader_fill(c, sizeof *rec);
    if (e == ENOMEM)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    if (e || (c->len > c->pos && c->len - c->pos < sizeof *rec)) {
        s->failed = 1;
        return CPN_ERROR(CPN_EIO, "%s: cannot read the checked copy of its jobs back: %s",
                         s->r.path, e > 0 ? strerror(e) : "it ends early");
    }
    if (c->pos == c->len) {
        s->finished = 1;
        return CPN_OK;
    }
    memcpy(rec, c->buf + c->pos, sizeof *rec);
    c->pos += sizeof *rec;
    s->given++;
    *more = 1;
    return CPN_OK;
}

/* Add a kept job of @p units (0 counted as 1) at @p line to the unit summary of @p t. */
static int count_units(struct cpn_wlog *t, size_t *cap, uint32_t units, uint32_t line)
{
    uint32_t u = units ? units : 1;
    size_t lo = 0, hi = t->nunits;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->units[mid].units < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->nunits && t->units[lo].units == u) {
        t->units[lo].count++;
        return CPN_OK;
    }
    if (t->nunits == *cap) {
        size_t ncap = *cap ? 2 * *cap : 16;
        struct cpn_wlog_units *grown = realloc(t->units, ncap * sizeof *grown);
        if (!grown)
            return CPN_ERROR(CPN_ENOMEM, NULL);
        t->units = grown;
        *cap = ncap;
    }
    memmove(t->units + lo + 1, t->units + lo, (t->nunits - lo) * sizeof *t->units);
    t->units[lo] = (struct cpn_wlog_units){u, line, 1};
    t->nunits++;
    return CPN_OK;
}

int cpn_wlog_scan(const char *path, enum cpn_wlog_format format, const struct cpn_wlog_options *opt,
                  struct cpn_diag *diag, struct cpn_wlog **out)
{
    struct cpn_wlog_options defaults;
    if (out)
        *out = NULL;
    if (format == CPN_WLOG_AZURE)
        return CPN_ERROR(CPN_EINVAL, "%s: a request log is read whole", path ? path : "");
    if (!opt) {
        cpn_wlog_options_default(&defaults);
        opt = &defaults;
    }
    struct cpn_wlog *t = NULL;
    int rc = read_file(path, format, opt, diag, 1, &t);
    if (rc != CPN_OK)
        return rc;
    struct cpn_wlog_stream *s = NULL;
    if (t->ngroups && !(t->group_first = calloc(t->ngroups, sizeof *t->group_first)))
        rc = CPN_ERROR(CPN_ENOMEM, NULL);
    if (rc == CPN_OK)
        rc = stream_open(path, t, opt, diag, 1, &s);
    struct cpn_tempfile copy = {.fd = -1};
    if (rc == CPN_OK && !opt->no_copy)
        rc = cpn_tempfile_open(&copy);
    size_t cap = 0;
    struct cpn_wlog_job j;
    int more = 1;
    while (rc == CPN_OK && (rc = cpn_wlog_stream_next(s, &j, &more)) == CPN_OK && more) {
        cpn_tempfile_write(&copy, &j, sizeof j);
        if (!t->njobs)
            t->first_submit = j.submit;
        t->last_submit = j.submit;
        t->njobs++;
        t->cpu_only += j.units == 0 && j.cpus > 0;
        if (j.group != CPN_NONE && j.group < t->ngroups && !t->group_first[j.group])
            t->group_first[j.group] = j.line;
        else if (j.group == CPN_NONE && !t->nogroup_first)
            t->nogroup_first = j.line;
        rc = count_units(t, &cap, j.units, j.line);
    }
    if (rc == CPN_OK) {
        t->file_order = !s->unordered;
        /* The copy serves a log in file order (the one that can be streamed). */
        if (t->file_order && !(t->copy_err = cpn_tempfile_finish(&copy))) {
            t->copy_fd = copy.fd;
            copy.fd = -1;
        }
        t->stats.kept = t->njobs;
        t->stats.outside = s->outside;
        t->stats.filtered = t->stats.records - t->stats.kept - t->stats.cancelled - s->outside;
    }
    cpn_wlog_stream_free(s);
    cpn_tempfile_close(&copy);
    if (rc != CPN_OK) {
        cpn_wlog_free(t);
        return rc;
    }
    t->scanned = 1;
    *out = t;
    return CPN_OK;
}

/* Stop the stream at its current line: the file is not the one loaded. */
static int stream_changed(struct cpn_wlog_stream *s, long line, const char *what)
{
    s->failed = 1;
    if (!what) { /* the reader reported the line; say why it differs from the load */
        line = s->r.line;
        what = "this line was not so when the file was loaded";
    }
    cpn_diag_error(s->r.diag, s->r.path, line, "%s (the file changed since it was loaded)", what);
    return CPN_ERROR(CPN_ESCENARIO, "%s:%ld: the workload log changed since it was loaded",
                     s->r.path, line);
}

int cpn_wlog_stream_next(struct cpn_wlog_stream *s, struct cpn_wlog_job *rec, int *more)
{
    if (!s || !rec || !more)
        return CPN_ERROR(CPN_EINVAL, "cpn_wlog_stream_next: NULL argument");
    *more = 0;
    if (s->failed && s->copy.buf)
        return CPN_ERROR(CPN_EIO, "%s: the checked copy of its jobs could not be read back",
                         s->r.path);
    if (s->failed)
        return CPN_ERROR(CPN_ESCENARIO, "%s: the workload log changed since it was loaded",
                         s->r.path);
    if (s->finished)
        return CPN_OK;
    if (s->copy.buf)
        return copy_next(s, rec, more);
    const struct cpn_wlog *log = s->log;
    const struct cpn_wlog_options *o = s->r.opt;
    for (;;) {
        while (s->pos < s->r.jobs.len) {
            struct cpn_wlog_job j = s->r.jobs.items[s->pos++];
            int kept = map_job(log, o, &j); /* as cpn_wlog_read() */
            s->outside += kept < 0;
            if (kept <= 0)
                continue;
            if (j.submit < s->last && s->counting) {
                /* (beyond max_records too: the load keeps the earliest, not the first) */
                s->unordered = 1;
                s->finished = 1;
                return CPN_OK;
            }
            if (o->max_records && s->given == o->max_records) {
                if (s->counting) { /* counted as the load counts them */
                    s->last = j.submit;
                    s->outside++;
                    continue;
                }
                s->finished = 1; /* the earliest max_records were kept */
                return CPN_OK;
            }
            if (!s->counting && s->given == log->njobs)
                return stream_changed(s, (long)j.line, "a record beyond those loaded");
            if (j.submit < s->last)
                return stream_changed(s, (long)j.line, "a record earlier than the one before");
            s->last = j.submit;
            s->given++;
            *rec = j;
            *more = 1;
            return CPN_OK;
        }
        s->r.jobs.len = 0;
        s->pos = 0;
        if (s->eof) {
            if (!s->counting && s->given != log->njobs)
                return stream_changed(s, s->r.line, "the file ends early");
            s->finished = 1;
            return CPN_OK;
        }
        size_t bad = s->counts.stats.malformed;
        int rc = read_one(&s->r, &s->eof);
        if (rc == CPN_ENOMEM)
            return rc;
        if (rc != CPN_OK || (s->counts.stats.malformed != bad && o->on_error == CPN_WLOG_FAIL))
            return stream_changed(s, 0, NULL); /* reported at its line by the reader */
    }
}

void cpn_wlog_stream_free(struct cpn_wlog_stream *s)
{
    if (!s)
        return;
    if (s->r.gz)
        gzclose(s->r.gz);
    for (size_t i = 0; i < s->r.groups.len; i++)
        free(s->r.groups.items[i]);
    cpn_array_release(&s->r.groups);
    cpn_array_release(&s->r.jobs);
    cpn_array_release(&s->r.requests);
    cpn_array_release(&s->r.partition);
    cpn_wlog_mapped_release(&s->r);
    cpn_tempfile_reader_close(&s->copy);
    free(s);
}
