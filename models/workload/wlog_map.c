/* Column-mapped CSV workload logs (format "csv"; wlog.h, struct cpn_wlog_columns): the header
 * names the columns, the scenario maps them to job fields.  Rows are split by libcsv. */
#include <csv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/workload/wlog_reader.h"
#include "sim/error.h"

/* Largest epoch time accepted [s]: 1e12 s is 31,700 years, beyond any log and far inside a
 * long long. */
#define CPN_WLOG_EPOCH_MAX 1e12

/* The mapped fields, in the order of cpn_wlog_reader.col. */
enum { F_SUBMIT, F_START, F_END, F_DURATION, F_UNITS, F_GROUP, F_STATUS, F_COUNT };

static const char *field_column(const struct cpn_wlog_columns *c, int f)
{
    const char *const v[F_COUNT] = {c->submit, c->start, c->end,   c->duration,
                                    c->units,  c->group, c->status};
    return v[f];
}

static const char *const FIELD_NAMES[F_COUNT] = {"submit", "start", "end",   "duration",
                                                 "units",  "group", "status"};

/* libcsv callbacks: collect the cells of one row. */
static void on_cell(void *s, size_t len, void *data)
{
    struct cpn_wlog_reader *r = data;
    if (r->n_cells == r->cap_cells) {
        size_t cap = r->cap_cells ? 2 * r->cap_cells : 32;
        char **p = realloc(r->cells, cap * sizeof *p);
        if (!p)
            return; /* detected below: fewer cells than columns, or the strdup failing */
        r->cells = p;
        r->cap_cells = cap;
    }
    char *copy = NULL; /* an empty unquoted cell stays NULL: unknown (CSV_EMPTY_IS_NULL) */
    if (s && !(copy = malloc(len + 1)))
        return;
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    r->cells[r->n_cells++] = copy;
}

static void clear_cells(struct cpn_wlog_reader *r)
{
    for (size_t i = 0; i < r->n_cells; i++)
        free(r->cells[i]);
    r->n_cells = 0;
}

void cpn_wlog_mapped_release(struct cpn_wlog_reader *r)
{
    clear_cells(r);
    free(r->cells);
    r->cells = NULL;
    r->cap_cells = 0;
}

/* Split @p line into r->cells; 0, or -1 when it is not one CSV row (reported or counted). */
static int split_row(struct cpn_wlog_reader *r, const char *line)
{
    clear_cells(r);
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_EMPTY_IS_NULL) != 0)
        return -2;
    size_t len = strlen(line);
    int ok =
        csv_parse(&p, line, len, on_cell, NULL, r) == len && csv_fini(&p, on_cell, NULL, r) == 0;
    const char *why = ok ? NULL : csv_strerror(csv_error(&p));
    csv_free(&p);
    if (!ok) {
        cpn_wlog_bad(r, "not a CSV row: %s", why);
        return -1;
    }
    return 0;
}

/* Whether @p value is one of the comma-separated @p list. */
static int in_list(const char *value, const char *list)
{
    size_t n = strlen(value);
    for (const char *p = list; p && *p;) {
        size_t w = strcspn(p, ",");
        if (w == n && strncmp(p, value, n) == 0)
            return 1;
        p += w + (p[w] == ',');
    }
    return 0;
}

/* The header: find every mapped column. */
static int read_header(struct cpn_wlog_reader *r, const struct cpn_wlog_columns *c)
{
    if (split_row(r, r->buf) != 0)
        return CPN_ESCENARIO;
    int rc = CPN_OK;
    for (int f = 0; f < F_COUNT; f++) {
        r->col[f] = -1;
        const char *name = field_column(c, f);
        if (!name)
            continue;
        for (size_t i = 0; i < r->n_cells && r->col[f] < 0; i++)
            if (r->cells[i] && strcmp(r->cells[i], name) == 0)
                r->col[f] = (int)i;
        if (r->col[f] < 0) {
            char list[1024] = "";
            for (size_t i = 0; i < r->n_cells; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                         r->cells[i] ? r->cells[i] : "");
            cpn_diag_error(r->diag, r->path, r->line,
                           "the %s column \"%s\" is not in the header (its columns: %s)",
                           FIELD_NAMES[f], name, list);
            rc = CPN_ESCENARIO;
        }
    }
    if (!c->duration && (!c->start || !c->end)) {
        cpn_diag_error(r->diag, r->path, r->line,
                       "the run time needs a duration column, or both start and end");
        rc = CPN_ESCENARIO;
    }
    r->header_seen = 1;
    return rc;
}

/* Cell of field @p f, or NULL when the field is not mapped or the cell is empty. */
static const char *cell(const struct cpn_wlog_reader *r, int f)
{
    int i = r->col[f];
    return i >= 0 && (size_t)i < r->n_cells ? r->cells[i] : NULL;
}

/* A time cell in the log's time format [s]; 0, or 1 when malformed (counted or reported). */
static int map_time(struct cpn_wlog_reader *r, int f, enum cpn_wlog_time_format tf, double *out)
{
    const char *s = cell(r, f);
    int col = r->col[f] + 1;
    if (tf == CPN_WLOG_TIME_DATETIME)
        return cpn_wlog_datetime(r, col, field_column(r->opt->columns, f), s, out);
    double v;
    if (cpn_wlog_parse_double(s, &v) != 0)
        return cpn_wlog_bad(r, "field %d \"%s\": \"%s\" is not a number of seconds", col,
                            field_column(r->opt->columns, f), s);
    if (tf == CPN_WLOG_TIME_EPOCH) {         /* made relative to the first row, like date-times */
        if (!(fabs(v) < CPN_WLOG_EPOCH_MAX)) /* found by fuzzing: 1e300 overflowed the base */
            return cpn_wlog_bad(r,
                                "field %d \"%s\": \"%s\" is not an epoch time (seconds since "
                                "1970, below 1e12 in size)",
                                col, field_column(r->opt->columns, f), s);
        if (!r->have_base) {
            r->base = (long long)floor(v);
            r->have_base = 1;
        }
        v -= (double)r->base;
    }
    *out = v;
    return 0;
}

int cpn_wlog_mapped_line(struct cpn_wlog_reader *r, const char *line)
{
    const struct cpn_wlog_columns *c = r->opt->columns;
    if (line != r->buf)
        memmove(r->buf, line, strlen(line) + 1);
    if (!r->header_seen)
        return read_header(r, c);
    int split = split_row(r, r->buf);
    if (split == -2)
        return CPN_ERROR(CPN_ENOMEM, "out of memory splitting a CSV row");
    if (split != 0)
        return CPN_OK;
    struct cpn_wlog_job j = {.runtime = NAN,
                             .walltime = NAN,
                             .memory = NAN,
                             .cpus = NAN,
                             .unit_share = 1.0,
                             .units = 1,
                             .status = CPN_WLOG_UNKNOWN};
    if (!cell(r, F_SUBMIT)) {
        cpn_wlog_bad(r, "field %d \"%s\" is empty (every job needs its submit time)",
                     r->col[F_SUBMIT] + 1, c->submit);
        return CPN_OK;
    }
    if (map_time(r, F_SUBMIT, c->time_format, &j.submit))
        return CPN_OK;
    if (cell(r, F_DURATION)) {
        double d;
        if (cpn_wlog_parse_double(cell(r, F_DURATION), &d) != 0 || d < 0) {
            cpn_wlog_bad(r, "field %d \"%s\": \"%s\" is not a duration in seconds >= 0",
                         r->col[F_DURATION] + 1, c->duration, cell(r, F_DURATION));
            return CPN_OK;
        }
        j.runtime = d;
    } else if (!c->duration && cell(r, F_START) && cell(r, F_END)) {
        double a, b;
        if (map_time(r, F_START, c->time_format, &a) || map_time(r, F_END, c->time_format, &b))
            return CPN_OK;
        j.runtime = b >= a ? b - a : NAN;
    }
    if (cell(r, F_UNITS)) {
        long u;
        if (cpn_wlog_parse_long(cell(r, F_UNITS), &u) != 0 || u < 0 || u > (long)UINT32_MAX) {
            cpn_wlog_bad(r, "field %d \"%s\": \"%s\" is not a count (use a whole number >= 0)",
                         r->col[F_UNITS] + 1, c->units, cell(r, F_UNITS));
            return CPN_OK;
        }
        j.units = (uint32_t)u;
    }
    const char *st = cell(r, F_STATUS);
    if (st)
        j.status = in_list(st, c->completed)   ? CPN_WLOG_COMPLETED
                   : in_list(st, c->failed)    ? CPN_WLOG_FAILED
                   : in_list(st, c->cancelled) ? CPN_WLOG_CANCELLED
                                               : CPN_WLOG_OTHER;
    /* A job cancelled before it ran replays nothing: counted, as in SWF. */
    if (j.status == CPN_WLOG_CANCELLED && !(j.runtime > 0)) {
        r->t->stats.records++;
        r->t->stats.cancelled++;
        return CPN_OK;
    }
    const char *g = cell(r, F_GROUP);
    return cpn_wlog_push_csv_job(r, &j, g ? g : "");
}
