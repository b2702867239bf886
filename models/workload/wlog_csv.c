/* CSV line parsers of the workload log reader: Philly, Alibaba GPU 2023 pods, Azure LLM inference
 * (see workload logs.h). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/workload/wlog_reader.h"
#include "sim/error.h"

/* Most comma-separated fields of a CSV line we read (Alibaba has 11). */
#define CSV_MAX_FIELDS 16

/* Seconds per day [s]. */
#define SECONDS_PER_DAY 86400

/* n decimal digits at s. */
static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = 10 * v + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/*
 * Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian).  Source: H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms", days_from_civil (public domain), 2013.
 */
static long long days_from_civil(long long y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD hh:mm:ss[.fff]" (or 'T' as separator) in UTC -> whole epoch seconds + fraction. */
static int parse_datetime(const char *s, long long *whole, double *frac)
{
    int y, mo, d, h, mi, se;
    if (strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != ' ' && s[10] != 'T') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    *frac = 0.0;
    if (s[19] != '\0') {
        if (s[19] != '.' || !isdigit((unsigned char)s[20]))
            return -1;
        for (const char *p = s + 20; *p; p++)
            if (!isdigit((unsigned char)*p))
                return -1;
        *frac = strtod(s + 19, NULL);
    }
    *whole = days_from_civil(y, mo, d) * SECONDS_PER_DAY + h * 3600LL + mi * 60LL + se;
    return 0;
}

/* Index of the group named s (added when new), or CPN_NONE for an empty name. */
static int find_group(struct cpn_wlog_reader *r, const char *s, uint32_t *out)
{
    if (!*s) {
        *out = CPN_NONE;
        return CPN_OK;
    }
    if (r->last_group < r->groups.len && strcmp(r->groups.items[r->last_group], s) == 0) {
        *out = (uint32_t)r->last_group;
        return CPN_OK;
    }
    for (size_t i = 0; i < r->groups.len; i++)
        if (strcmp(r->groups.items[i], s) == 0) {
            r->last_group = i;
            *out = (uint32_t)i;
            return CPN_OK;
        }
    char *copy = strdup(s);
    if (!copy || cpn_array_push(&r->groups, copy) != CPN_OK) {
        free(copy);
        return CPN_ERROR(CPN_ENOMEM, "out of memory for trace group names");
    }
    r->last_group = r->groups.len - 1;
    *out = (uint32_t)r->last_group;
    return CPN_OK;
}

/* Split r->buf at commas in place; returns the number of fields (may exceed max). */
static int csv_split(char *s, char **f, int max)
{
    int n = 0;
    for (;;) {
        if (n < max)
            f[n] = s;
        n++;
        char *c = strchr(s, ',');
        if (!c)
            break;
        *c = '\0';
        s = c + 1;
    }
    return n;
}

/* Split the line into exactly @p want fields; 0, or 1 when the count is wrong (reported). */
static int csv_fields(struct cpn_wlog_reader *r, char **f, int want, const char *what,
                      const char *header)
{
    int n = csv_split(r->buf, f, CSV_MAX_FIELDS);
    if (n != want)
        return cpn_wlog_bad(r, "line has %d fields (the %s CSV has %d: %s)", n, what, want, header);
    return 0;
}

int cpn_wlog_datetime(struct cpn_wlog_reader *r, int col, const char *name, const char *s,
                      double *out)
{
    long long whole;
    double frac;
    if (parse_datetime(s, &whole, &frac) != 0)
        return cpn_wlog_bad(r,
                            "field %d \"%s\": \"%s\" is not a date-time (use YYYY-MM-DD hh:mm:ss)",
                            col, name, s);
    if (!r->have_base) {
        r->base = whole;
        r->have_base = 1;
    }
    *out = (double)(whole - r->base) + frac;
    return 0;
}

static int csv_count(struct cpn_wlog_reader *r, int col, const char *name, const char *s,
                     uint32_t *out)
{
    long x;
    if (cpn_wlog_parse_long(s, &x) != 0 || x < 0 || x > (long)UINT32_MAX)
        return cpn_wlog_bad(r, "field %d \"%s\": \"%s\" is not a count (use a whole number >= 0)",
                            col, name, s);
    *out = (uint32_t)x;
    return 0;
}

static int csv_seconds(struct cpn_wlog_reader *r, int col, const char *name, const char *s,
                       double *out)
{
    if (cpn_wlog_parse_double(s, out) != 0 || *out < 0)
        return cpn_wlog_bad(r, "field %d \"%s\": \"%s\" is not a time >= 0 in seconds", col, name,
                            s);
    return 0;
}

int cpn_wlog_push_csv_job(struct cpn_wlog_reader *r, struct cpn_wlog_job *j, const char *group)
{
    int rc = find_group(r, group, &j->group);
    if (rc != CPN_OK)
        return rc;
    j->line = (uint32_t)r->line;
    j->id = (uint32_t)(r->t->stats.records + 1);
    return cpn_wlog_push_job(r, j);
}

int cpn_wlog_philly_line(struct cpn_wlog_reader *r, int *rc)
{
    char *f[CSV_MAX_FIELDS];
    if (csv_fields(r, f, 5, "Philly", CPN_WLOG_PHILLY_HEADER))
        return 1;
    struct cpn_wlog_job j = {
        .walltime = NAN, .memory = NAN, .cpus = NAN, .unit_share = 1.0, .status = CPN_WLOG_UNKNOWN};
    double gpu_time = 0.0;
    if (cpn_wlog_datetime(r, 1, "timestamp", f[0], &j.submit) ||
        csv_seconds(r, 2, "duration", f[1], &j.runtime) ||
        csv_count(r, 3, "num_gpus", f[2], &j.units) ||
        csv_seconds(r, 4, "gpu_time", f[3], &gpu_time))
        return 1;
    *rc = cpn_wlog_push_csv_job(r, &j, f[4]);
    return 0;
}

int cpn_wlog_alibaba_line(struct cpn_wlog_reader *r, int *rc)
{
    char *f[CSV_MAX_FIELDS];
    if (csv_fields(r, f, 11, "Alibaba pod", CPN_WLOG_ALIBABA_HEADER))
        return 1;
    struct cpn_wlog_job j = {.walltime = NAN, .runtime = NAN};
    uint32_t cpu_milli = 0, memory_mib = 0, gpu_milli = 0;
    double deletion = NAN, scheduled = NAN;
    if (csv_count(r, 2, "cpu_milli", f[1], &cpu_milli) ||
        csv_count(r, 3, "memory_mib", f[2], &memory_mib) ||
        csv_count(r, 4, "num_gpu", f[3], &j.units) ||
        csv_count(r, 5, "gpu_milli", f[4], &gpu_milli) ||
        csv_seconds(r, 9, "creation_time", f[8], &j.submit) ||
        (*f[9] && csv_seconds(r, 10, "deletion_time", f[9], &deletion)) ||
        (*f[10] && csv_seconds(r, 11, "scheduled_time", f[10], &scheduled)))
        return 1;
    if (gpu_milli > 1000)
        return cpn_wlog_bad(r, "field 5 \"gpu_milli\": \"%s\" is above 1000 (one whole GPU)", f[4]);
    if (deletion < scheduled)
        return cpn_wlog_bad(r, "field 10 \"deletion_time\": \"%s\" is before scheduled_time \"%s\"",
                            f[9], f[10]);
    if (!isnan(deletion) && !isnan(scheduled))
        j.runtime = deletion - scheduled;
    j.cpus = cpu_milli / 1000.0;
    j.memory = memory_mib * 1048576.0;
    j.unit_share = gpu_milli / 1000.0;
    const char *ph = f[7];
    if (strcmp(ph, "Succeeded") == 0)
        j.status = CPN_WLOG_COMPLETED;
    else if (strcmp(ph, "Failed") == 0)
        j.status = CPN_WLOG_FAILED;
    else if (strcmp(ph, "Running") == 0)
        j.status = CPN_WLOG_RUNNING;
    else if (strcmp(ph, "Pending") == 0)
        j.status = CPN_WLOG_PENDING;
    else if (*ph == '\0')
        j.status = CPN_WLOG_UNKNOWN;
    else
        return cpn_wlog_bad(
            r,
            "field 8 \"pod_phase\": \"%s\" is not a pod phase (use Succeeded, Failed, "
            "Running, Pending or nothing)",
            ph);
    *rc = cpn_wlog_push_csv_job(r, &j, f[6]);
    return 0;
}

int cpn_wlog_azure_line(struct cpn_wlog_reader *r, int *rc)
{
    char *f[CSV_MAX_FIELDS];
    if (csv_fields(r, f, 3, "Azure LLM inference", CPN_WLOG_AZURE_HEADER))
        return 1;
    struct cpn_wlog_request q = {0};
    if (cpn_wlog_datetime(r, 1, "TIMESTAMP", f[0], &q.time) ||
        csv_count(r, 2, "ContextTokens", f[1], &q.context_tokens) ||
        csv_count(r, 3, "GeneratedTokens", f[2], &q.generated_tokens))
        return 1;
    double np = r->opt->parameters;
    q.flop = np > 0 && isfinite(np)
                 ? 2.0 * np * ((double)q.context_tokens + (double)q.generated_tokens)
                 : NAN;
    q.line = (uint32_t)r->line;
    if (cpn_array_push(&r->requests, q) != CPN_OK) {
        *rc = CPN_ERROR(CPN_ENOMEM, "out of memory for workload log requests");
        return 0;
    }
    r->t->stats.records++;
    return 0;
}
