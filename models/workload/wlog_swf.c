/* SWF (Standard Workload Format) line parsers of the workload log reader (see workload logs.h). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/workload/wlog_reader.h"
#include "sim/error.h"

/* Fields of an SWF job line (swf.html). */
#define SWF_FIELDS 18

static const char *const SWF_NAMES[SWF_FIELDS] = {"job",
                                                  "submit",
                                                  "wait",
                                                  "runtime",
                                                  "procs",
                                                  "cpu time",
                                                  "memory",
                                                  "requested procs",
                                                  "requested time",
                                                  "requested memory",
                                                  "status",
                                                  "user",
                                                  "group",
                                                  "executable",
                                                  "queue",
                                                  "partition",
                                                  "preceding job",
                                                  "think time"};

/* Fields that are counts or ids (1-based: 1, 5, 8, 11-17): integers. */
static const int SWF_INTEGER[SWF_FIELDS] = {1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0};

/* Group of SWF partition number p, named @p name (NULL: named by its number). */
static int swf_partition(struct cpn_wlog_reader *r, long p, const char *name, uint32_t *out)
{
    if (p >= (long)r->partition.len) {
        size_t old = r->partition.len;
        if (cpn_array_reserve(&r->partition, (size_t)p + 1) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "out of memory for SWF partitions");
        memset(r->partition.items + old, 0, ((size_t)p + 1 - old) * sizeof(uint32_t));
        r->partition.len = (size_t)p + 1;
    }
    uint32_t *slot = &r->partition.items[p];
    if (*slot && !name) {
        *out = *slot - 1;
        return CPN_OK;
    }
    char number[32];
    if (!name) {
        snprintf(number, sizeof number, "%ld", p);
        name = number;
    }
    char *copy = strdup(name);
    if (!copy)
        return CPN_ERROR(CPN_ENOMEM, "out of memory for SWF partition names");
    if (*slot) { /* a later header line renames the partition */
        free(r->groups.items[*slot - 1]);
        r->groups.items[*slot - 1] = copy;
    } else {
        if (cpn_array_push(&r->groups, copy) != CPN_OK) {
            free(copy);
            return CPN_ERROR(CPN_ENOMEM, "out of memory for SWF partition names");
        }
        *slot = (uint32_t)r->groups.len;
    }
    *out = *slot - 1;
    return CPN_OK;
}

int cpn_wlog_swf_header(struct cpn_wlog_reader *r, const char *s)
{
    while (*s == ';' || isspace((unsigned char)*s))
        s++;
    const char *colon = strchr(s, ':');
    if (!colon)
        return CPN_OK;
    size_t klen = (size_t)(colon - s);
    const char *v = colon + 1;
    char *end;
    if (klen == 13 && strncmp(s, "UnixStartTime", klen) == 0) {
        double x = strtod(v, &end);
        if (end != v && isfinite(x))
            r->t->unix_start = x;
    } else if (klen == 8 && strncmp(s, "MaxProcs", klen) == 0) {
        long x = strtol(v, &end, 10);
        if (end != v)
            r->t->max_procs = x;
    } else if (klen == 9 && strncmp(s, "Partition", klen) == 0) {
        long p = strtol(v, &end, 10);
        if (end == v || p < 0 || p > CPN_WLOG_MAX_PARTITION)
            return CPN_OK; /* a comment we cannot use is not an error */
        char name[CPN_WLOG_MAX_LINE + 1];
        while (isspace((unsigned char)*end))
            end++;
        size_t n = strlen(end);
        while (n && isspace((unsigned char)end[n - 1]))
            n--;
        memcpy(name, end, n);
        name[n] = '\0';
        uint32_t g;
        return swf_partition(r, p, n ? name : NULL, &g);
    }
    return CPN_OK;
}

/* A time/size field: -1 is unknown (NAN); other negatives are errors. */
static int swf_amount(struct cpn_wlog_reader *r, int f, const char *tok, double v, double *out)
{
    if (v == -1.0) {
        *out = NAN;
        return 0;
    }
    if (v < 0)
        return cpn_wlog_bad(
            r, "field %d \"%s\": \"%s\" is negative (use a value >= 0 or -1 for unknown)", f + 1,
            SWF_NAMES[f], tok);
    *out = v;
    return 0;
}

/* Parse one SWF job line (already known not to be a header or blank).  0 ok, 1 malformed. */
int cpn_wlog_swf_line(struct cpn_wlog_reader *r, int *rc)
{
    char *tok[SWF_FIELDS];
    double v[SWF_FIELDS];
    int n = 0;
    for (char *p = r->buf;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (n < SWF_FIELDS)
            tok[n] = p;
        n++;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
    }
    if (n != SWF_FIELDS)
        return cpn_wlog_bad(r,
                            "line has %d fields (an SWF job line has %d numbers, -1 for unknown)",
                            n, SWF_FIELDS);
    for (int f = 0; f < SWF_FIELDS; f++) {
        if (SWF_INTEGER[f]) {
            long x;
            if (cpn_wlog_parse_long(tok[f], &x) != 0)
                return cpn_wlog_bad(
                    r,
                    "field %d \"%s\": \"%s\" is not an integer (use a whole number or "
                    "-1 for unknown)",
                    f + 1, SWF_NAMES[f], tok[f]);
            v[f] = (double)x;
        } else if (cpn_wlog_parse_double(tok[f], &v[f]) != 0) {
            return cpn_wlog_bad(r,
                                "field %d \"%s\": \"%s\" is not a number (use a number or -1 for "
                                "unknown)",
                                f + 1, SWF_NAMES[f], tok[f]);
        }
    }
    struct cpn_wlog_job j = {.cpus = NAN, .unit_share = 1.0, .group = CPN_NONE};
    double submit, procs = v[4], requested = v[7], mem_req = NAN, mem_used = NAN;
    if (v[1] < 0)
        return cpn_wlog_bad(
            r,
            "field 2 \"submit\": \"%s\" is unknown or negative (a job needs a submit "
            "time >= 0)",
            tok[1]);
    submit = v[1];
    if (swf_amount(r, 3, tok[3], v[3], &j.runtime) || swf_amount(r, 8, tok[8], v[8], &j.walltime) ||
        swf_amount(r, 6, tok[6], v[6], &mem_used) || swf_amount(r, 9, tok[9], v[9], &mem_req))
        return 1;
    /* A status outside the codes (any double can be written there) is "other", never cast. */
    switch (v[10] >= -1 && v[10] <= 5 && v[10] == floor(v[10]) ? (int)v[10] : 99) {
    case -1:
        j.status = CPN_WLOG_UNKNOWN;
        break;
    case 0:
        j.status = CPN_WLOG_FAILED;
        break;
    case 1:
        j.status = CPN_WLOG_COMPLETED;
        break;
    case 5:
        j.status = CPN_WLOG_CANCELLED;
        break;
    default:
        j.status = CPN_WLOG_OTHER;
        break;
    }
    /* A job cancelled before it ran (status 5: Feitelson, Tsafrir and Krakov 2014, SWF field
     * 11) has no processors and no run time: nothing to replay; it is counted, not an error. */
    if (j.status == CPN_WLOG_CANCELLED && ((!(procs > 0) && !(requested > 0)) || !(v[3] > 0))) {
        r->t->stats.records++;
        r->t->stats.cancelled++;
        return 0;
    }
    if (requested > 0 && requested <= UINT32_MAX)
        j.units = (uint32_t)requested;
    else if (procs > 0 && procs <= UINT32_MAX)
        j.units = (uint32_t)procs;
    else
        return cpn_wlog_bad(
            r,
            "fields 5 \"procs\" (\"%s\") and 8 \"requested procs\" (\"%s\") give no "
            "processor count (a job needs one of them > 0; on-error=\"skip\" skips such rows)",
            tok[4], tok[7]);
    double kb = mem_req > 0 ? mem_req : mem_used;
    j.memory = kb > 0 ? kb * 1024.0 * j.units : NAN;
    if (v[15] > CPN_WLOG_MAX_PARTITION)
        return cpn_wlog_bad(r, "field 16 \"partition\": \"%s\" is larger than %d", tok[15],
                            CPN_WLOG_MAX_PARTITION);
    if (v[15] >= 0 && (*rc = swf_partition(r, (long)v[15], NULL, &j.group)) != CPN_OK)
        return 0;
    j.submit = submit;
    j.line = (uint32_t)r->line;
    j.id = v[0] >= 0 && v[0] <= UINT32_MAX ? (uint32_t)v[0] : 0;
    *rc = cpn_wlog_push_job(r, &j);
    return 0;
}
