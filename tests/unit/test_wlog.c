/* Suite "traces": the trace readers and the origin mapping (models/workload/wlog.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "models/workload/wlog.h"
#include "sim/error.h"
#include "tests/unit/suites.h"

/* Allowed deviation of a sampled frequency from its probability [standard deviations]. */
#define SIGMAS 5.0

/* Temporary directory of the fixtures (created by the suite's init, removed by its cleanup). */
static char fixture_dir[64];

/* Path of fixture @p name in the temporary directory (static buffer, one at a time per slot). */
static const char *fixture(const char *name, int slot)
{
    static char buf[4][256];
    snprintf(buf[slot], sizeof buf[slot], "%s/%s", fixture_dir, name);
    return buf[slot];
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static void write_gz(const char *path, const char *text)
{
    gzFile g = gzopen(path, "wb9");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT(gzputs(g, text) == (int)strlen(text));
    gzclose(g);
}

/* Close the sink and return its text (caller frees). */
static char *sink_close(struct cpn_test_sink *s)
{
    fclose(s->f);
    return s->text;
}

/*
 * Read @p path with options @p o (NULL: defaults), expect status @p want_rc and, unless
 * @p want is NULL, exactly the diagnostic text @p want with every '@' replaced by the path.
 * Returns the trace (caller frees) when the read succeeded, else NULL.
 */
static struct cpn_wlog *read_expect(const char *path, enum cpn_wlog_format fmt,
                                    const struct cpn_wlog_options *o, int want_rc, const char *want)
{
    struct cpn_test_sink s;
    struct cpn_wlog *t = (struct cpn_wlog *)&s; /* the reader must reset it */
    cpn_test_sink_open(&s);
    int rc = cpn_wlog_read(path, fmt, o, &s.diag, &t);
    char *text = sink_close(&s);
    CU_ASSERT_EQUAL(rc, want_rc);
    CU_ASSERT(rc == CPN_OK ? t != NULL : t == NULL);
    if (want) {
        char expanded[8192] = "";
        size_t n = 0;
        for (const char *c = want; *c && n + 512 < sizeof expanded; c++)
            n += (size_t)(*c == '@' ? snprintf(expanded + n, sizeof expanded - n, "%s", path)
                                    : snprintf(expanded + n, sizeof expanded - n, "%c", *c));
        CU_ASSERT_STRING_EQUAL(text ? text : "", expanded);
        if (strcmp(text ? text : "", expanded) != 0)
            printf("\n--- got:\n%s--- want:\n%s", text ? text : "", expanded);
    }
    free(text);
    return rc == CPN_OK ? t : NULL;
}

static int init_suite(void)
{
    strcpy(fixture_dir, "/tmp/cpn-traces-XXXXXX");
    return mkdtemp(fixture_dir) ? 0 : -1;
}

static int clean_suite(void)
{
    static const char *const names[] = {"a.swf",        "a.swf.gz",  "bad.swf", "p.csv",
                                        "pbad.csv",     "a.csv",     "z.csv",   "long.swf",
                                        "trunc.swf.gz", "empty.csv", "h.csv"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unlink(fixture(names[i], 0));
    return rmdir(fixture_dir);
}

/* Header keys, -1 fields, a blank line, partitions named by the header or by number. */
static const char *const SWF_FIXTURE =
    "; Version: 2.2\n"
    "; UnixStartTime: 1000000000\n"
    "; MaxProcs: 64\n"
    "; Partition: 1 alpha\n"
    "; Partition: 2 beta  \n"
    "    1     0  5   100   4  -1  -1   8  200  1000  1  1  1 -1 -1  1 -1 -1\n"
    "    2    10 -1    -1   2  -1 500  -1   -1    -1  0  1  1 -1 -1  2 -1 -1\n"
    "\n"
    "    3    20  0  50.5  16  -1  -1  -1   60    -1  5  1  1 -1 -1 -1 -1 -1\n"
    "    4    30  0   300   1  -1  -1   1  400    -1  1  1  1 -1 -1  7 -1 -1\n";

static void test_swf_fields(void)
{
    write_file(fixture("a.swf", 0), SWF_FIXTURE);
    struct cpn_wlog *t = read_expect(fixture("a.swf", 0), CPN_WLOG_SWF, NULL, CPN_OK, "");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL_FATAL(t->njobs, 4);
    CU_ASSERT_STRING_EQUAL(t->kind, "batch");
    CU_ASSERT_EQUAL(t->unix_start, 1e9);
    CU_ASSERT_EQUAL(t->max_procs, 64);
    CU_ASSERT_EQUAL_FATAL(t->ngroups, 3);
    CU_ASSERT_STRING_EQUAL(t->groups[0], "alpha");
    CU_ASSERT_STRING_EQUAL(t->groups[1], "beta");
    CU_ASSERT_STRING_EQUAL(t->groups[2], "7");
    CU_ASSERT_EQUAL(t->stats.lines, 10);
    CU_ASSERT_EQUAL(t->stats.records, 4);
    CU_ASSERT_EQUAL(t->stats.kept, 4);

    const struct cpn_wlog_job *j = t->jobs;
    /* Job 1: requested procs (field 8 = 8) win over allocated (4); memory = requested 1000 KB
     * per processor x 8 x 1024 B. */
    CU_ASSERT_EQUAL(j[0].submit, 0.0);
    CU_ASSERT_EQUAL(j[0].runtime, 100.0);
    CU_ASSERT_EQUAL(j[0].walltime, 200.0);
    CU_ASSERT_EQUAL(j[0].units, 8);
    CU_ASSERT_EQUAL(j[0].memory, 1000.0 * 1024 * 8);
    CU_ASSERT_EQUAL(j[0].status, CPN_WLOG_COMPLETED);
    CU_ASSERT_EQUAL(j[0].group, 0);
    CU_ASSERT_EQUAL(j[0].line, 6);
    CU_ASSERT_EQUAL(j[0].id, 1);
    CU_ASSERT(isnan(j[0].cpus));
    CU_ASSERT_EQUAL(j[0].unit_share, 1.0);
    /* Job 2: -1 runtime, walltime and requested procs; used memory 500 KB x 2 procs. */
    CU_ASSERT_EQUAL(j[1].submit, 10.0);
    CU_ASSERT(isnan(j[1].runtime));
    CU_ASSERT(isnan(j[1].walltime));
    CU_ASSERT_EQUAL(j[1].units, 2);
    CU_ASSERT_EQUAL(j[1].memory, 500.0 * 1024 * 2);
    CU_ASSERT_EQUAL(j[1].status, CPN_WLOG_FAILED);
    CU_ASSERT_EQUAL(j[1].group, 1);
    /* Job 3 (after the blank line 8): fractional runtime, no memory, no partition. */
    CU_ASSERT_EQUAL(j[2].runtime, 50.5);
    CU_ASSERT_EQUAL(j[2].units, 16);
    CU_ASSERT(isnan(j[2].memory));
    CU_ASSERT_EQUAL(j[2].status, CPN_WLOG_CANCELLED);
    CU_ASSERT_EQUAL(j[2].group, CPN_NONE);
    CU_ASSERT_EQUAL(j[2].line, 9);
    /* Job 4: partition 7 is not in the header and is named by its number. */
    CU_ASSERT_EQUAL(j[3].group, 2);
    CU_ASSERT_EQUAL(j[3].line, 10);
    cpn_wlog_free(t);
    cpn_wlog_free(NULL);
}

static void test_swf_gz_equals_plain(void)
{
    write_file(fixture("a.swf", 0), SWF_FIXTURE);
    write_gz(fixture("a.swf.gz", 1), SWF_FIXTURE);
    struct cpn_wlog *a = read_expect(fixture("a.swf", 0), CPN_WLOG_SWF, NULL, CPN_OK, "");
    struct cpn_wlog *b = read_expect(fixture("a.swf.gz", 1), CPN_WLOG_SWF, NULL, CPN_OK, "");
    CU_ASSERT_FATAL(a && b);
    CU_ASSERT_EQUAL_FATAL(a->njobs, b->njobs);
    /* Same bytes, NAN bit patterns included (both come from the same parser). */
    CU_ASSERT(memcmp(a->jobs, b->jobs, a->njobs * sizeof *a->jobs) == 0);
    CU_ASSERT_EQUAL_FATAL(a->ngroups, b->ngroups);
    for (size_t i = 0; i < a->ngroups; i++)
        CU_ASSERT_STRING_EQUAL(a->groups[i], b->groups[i]);
    CU_ASSERT_EQUAL(a->unix_start, b->unix_start);
    cpn_wlog_free(a);
    cpn_wlog_free(b);
}

/* One good line per SWF error kind, then the expected messages. */
static const char *const SWF_BAD = "; UnixStartTime: 0\n"
                                   "1   0 -1 100  4 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                                   "2  10 -1 100 x1 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                                   "3  20 -1 100  4 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1\n"
                                   "4  -1 -1 100  4 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                                   "5  30 -1  -5  4 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                                   "6  40 -1 100 -1 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                                   "7  50 -1  1e  4 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                                   "8  60 -1 100  4 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n";

static void test_swf_malformed_located(void)
{
    const char *p = fixture("bad.swf", 0);
    write_file(p, SWF_BAD);
    read_expect(p, CPN_WLOG_SWF, NULL, CPN_ESCENARIO,
                "cpnsim: @:3: field 5 \"procs\": \"x1\" is not an integer (use a whole number or "
                "-1 for unknown)\n"
                "cpnsim: @:4: line has 17 fields (an SWF job line has 18 numbers, -1 for unknown)\n"
                "cpnsim: @:5: field 2 \"submit\": \"-1\" is unknown or negative (a job needs a "
                "submit time >= 0)\n"
                "cpnsim: @:6: field 4 \"runtime\": \"-5\" is negative (use a value >= 0 or -1 for "
                "unknown)\n"
                "cpnsim: @:7: fields 5 \"procs\" (\"-1\") and 8 \"requested procs\" (\"-1\") give "
                "no processor count (a job needs one of them > 0; on-error=\"skip\" skips such "
                "rows)\n"
                "cpnsim: @:8: field 4 \"runtime\": \"1e\" is not a number (use a number or -1 for "
                "unknown)\n");
}

/* Status 5 (cancelled): a job that never ran (no processors, or no positive run time) is
 * skipped and counted, not an error; a cancelled job that ran is replayed. */
static void test_swf_cancelled_jobs_that_never_ran_are_counted(void)
{
    const char *p = fixture("cancel.swf", 0);
    write_file(p, "; MaxProcs: 8\n"
                  "1 0 0 100 4 -1 -1 4 200 -1 1 1 1 -1 -1 1 -1 -1\n"
                  "2 5 -1 -1 -1 -1 -1 -1 200 -1 5 1 1 -1 -1 1 -1 -1\n"
                  "3 6 0 0 2 -1 -1 2 200 -1 5 1 1 -1 -1 1 -1 -1\n"
                  "4 7 0 30 2 -1 -1 2 200 -1 5 1 1 -1 -1 1 -1 -1\n");
    struct cpn_wlog *t = read_expect(p, CPN_WLOG_SWF, NULL, CPN_OK, "");
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT_EQUAL(t->stats.records, 4);
    CU_ASSERT_EQUAL(t->stats.cancelled, 2);
    CU_ASSERT_EQUAL(t->stats.filtered, 0);
    CU_ASSERT_EQUAL(t->njobs, 2);
    CU_ASSERT(t->jobs[0].id == 1 && t->jobs[1].id == 4 && t->jobs[1].status == CPN_WLOG_CANCELLED);
    cpn_wlog_free(t);
    unlink(p);
}

static void test_swf_time_bases(void)
{
    /* 1. Submit times that are epoch seconds with UnixStartTime 0 (the ALCF Theta 2022
     *    conversion): log time 0 is the first job, its epoch the first submit time
     *    (1641000000 s = 2022-01-01 01:20:00 UTC); CRLF line ends are read like LF. */
    const char *p = fixture("epoch.swf", 0);
    write_file(p, "; UnixStartTime: 0\r\n"
                  "1 1641000000 0 100 4 -1 -1 4 200 -1 1 1 1 -1 -1 1 -1 -1\r\n"
                  "2 1641003600 0 100 4 -1 -1 4 200 -1 1 1 1 -1 -1 1 -1 -1\r\n");
    struct cpn_wlog *t = read_expect(p, CPN_WLOG_SWF, NULL, CPN_OK, "");
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT(t->njobs == 2 && t->jobs[0].submit == 0 && t->jobs[1].submit == 3600);
    CU_ASSERT_EQUAL(t->unix_start, 1641000000.0);
    CU_ASSERT_EQUAL(t->stats.span, 3600.0);
    cpn_wlog_free(t);
    /* A window as dates: from 2022-01-01 01:30:00 UTC (epoch 1641000600) keeps only job 2,
     * at 3600 - 600 = 3000 s after the window start. */
    struct cpn_wlog_options o;
    cpn_wlog_options_default(&o);
    o.t0_date = 1641000600;
    t = read_expect(p, CPN_WLOG_SWF, &o, CPN_OK, "");
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT(t->njobs == 1 && t->jobs[0].id == 2 && t->jobs[0].submit == 3000);
    CU_ASSERT(t->stats.outside == 1 && t->stats.filtered == 0);
    cpn_wlog_free(t);
    unlink(p);
    /* 2. A cleaned log whose first job comes a year (31,536,000 s) after its UnixStartTime:
     *    the replay starts at that job, and the log's start moves with it. */
    p = fixture("late.swf", 0);
    write_file(p, "; UnixStartTime: 1000000000\n"
                  "1 31536000 0 100 4 -1 -1 4 200 -1 1 1 1 -1 -1 1 -1 -1\n"
                  "2 31536050 0 100 4 -1 -1 4 200 -1 1 1 1 -1 -1 1 -1 -1\n");
    t = read_expect(p, CPN_WLOG_SWF, NULL, CPN_OK, "");
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT(t->jobs[0].submit == 0 && t->jobs[1].submit == 50);
    CU_ASSERT_EQUAL(t->unix_start, 1000000000.0 + 31536000.0);
    cpn_wlog_free(t);
    unlink(p);
    /* 3. Relative times without a start: dates cannot be placed; nothing is kept and the flag
     *    says why (the scenario loader reports it at the <trace>). */
    p = fixture("nostart.swf", 0);
    write_file(p, "1 0 0 100 4 -1 -1 4 200 -1 1 1 1 -1 -1 1 -1 -1\n");
    o.t0_date = 1641000600;
    t = read_expect(p, CPN_WLOG_SWF, &o, CPN_OK, "");
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT(t->njobs == 0 && t->stats.dates_unplaced && isnan(t->unix_start));
    cpn_wlog_free(t);
    unlink(p);
}

static void test_swf_skip_counts(void)
{
    struct cpn_wlog_options o;
    const char *p = fixture("bad.swf", 0);
    write_file(p, SWF_BAD);
    cpn_wlog_options_default(&o);
    o.on_error = CPN_WLOG_SKIP;
    struct cpn_wlog *t =
        read_expect(p, CPN_WLOG_SWF, &o, CPN_OK,
                    "cpnsim: @: warning: 6 malformed lines skipped (the first at line 3)\n");
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT_EQUAL(t->njobs, 2);
    CU_ASSERT_EQUAL(t->stats.malformed, 6);
    CU_ASSERT_EQUAL(t->stats.records, 2);
    CU_ASSERT_EQUAL(t->stats.lines, 9);
    CU_ASSERT_EQUAL(t->jobs[1].line, 9);
    cpn_wlog_free(t);
}

/* Read the SWF fixture with @p o; return the submit times [s] in @p submit (at most 4). */
static size_t read_with(const struct cpn_wlog_options *o, double submit[4], uint32_t line[4])
{
    struct cpn_wlog *t = read_expect(fixture("a.swf", 0), CPN_WLOG_SWF, o, CPN_OK, "");
    if (!t)
        return 0;
    size_t n = t->njobs;
    for (size_t i = 0; i < n && i < 4; i++) {
        submit[i] = t->jobs[i].submit;
        line[i] = t->jobs[i].line;
    }
    /* Every record is kept, left out by a filter, or outside the window (or max_records). */
    CU_ASSERT_EQUAL(t->stats.filtered + t->stats.outside, 4 - n);
    cpn_wlog_free(t);
    return n;
}

static void test_mapping_options(void)
{
    struct cpn_wlog_options o;
    double sub[4];
    uint32_t line[4];
    write_file(fixture("a.swf", 0), SWF_FIXTURE);

    /* Window [10, 30) keeps the jobs at 10 and 20 (lines 7, 9); offset 100 and scale 2 move
     * them to 100 + 2 (10 - 10) = 100 and 100 + 2 (20 - 10) = 120. */
    cpn_wlog_options_default(&o);
    o.t0 = 10;
    o.t1 = 30;
    o.offset = 100;
    o.time_scale = 2;
    CU_ASSERT_EQUAL(read_with(&o, sub, line), 2);
    CU_ASSERT_EQUAL(sub[0], 100.0);
    CU_ASSERT_EQUAL(sub[1], 120.0);
    CU_ASSERT_EQUAL(line[0], 7);

    /* Units in [4, 8]: only job 1 (8 units); 2, 16 and 1 are out. */
    cpn_wlog_options_default(&o);
    o.min_units = 4;
    o.max_units = 8;
    CU_ASSERT_EQUAL(read_with(&o, sub, line), 1);
    CU_ASSERT_EQUAL(line[0], 6);

    /* Completed only: jobs 1 and 4 (2 failed, 3 cancelled). */
    cpn_wlog_options_default(&o);
    o.completed_only = 1;
    CU_ASSERT_EQUAL(read_with(&o, sub, line), 2);
    CU_ASSERT_EQUAL(line[1], 10);

    /* At most 3 records: the three earliest. */
    cpn_wlog_options_default(&o);
    o.max_records = 3;
    CU_ASSERT_EQUAL(read_with(&o, sub, line), 3);
    CU_ASSERT_EQUAL(sub[2], 20.0);

    /* Invalid options and arguments: programming errors, nothing in the diag sink. */
    const char *a = fixture("a.swf", 0);
    cpn_wlog_options_default(&o);
    o.t1 = 0;
    read_expect(a, CPN_WLOG_SWF, &o, CPN_EINVAL, "");
    cpn_wlog_options_default(&o);
    o.time_scale = 0;
    read_expect(a, CPN_WLOG_SWF, &o, CPN_EINVAL, "");
    cpn_wlog_options_default(&o);
    o.min_units = 9;
    o.max_units = 8;
    read_expect(a, CPN_WLOG_SWF, &o, CPN_EINVAL, "");
    read_expect(NULL, CPN_WLOG_SWF, NULL, CPN_EINVAL, NULL);
    read_expect(a, CPN_WLOG_NFORMATS, NULL, CPN_EINVAL, "");
}

static void test_philly(void)
{
    const char *p = fixture("p.csv", 0);
    write_file(p, "timestamp,duration,num_gpus,gpu_time,cluster\n"
                  "2017-10-09 07:01:55,66.0,1,66.0,11cb48\n"
                  "2017-10-09 06:13:03,2951.0,2,5902.0,6214e9\n"
                  "2017-10-10 06:13:03,10,4,40,11cb48\n"
                  "\n");
    struct cpn_wlog *t = read_expect(p, CPN_WLOG_PHILLY, NULL, CPN_OK, "");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_STRING_EQUAL(t->kind, "training");
    CU_ASSERT_EQUAL_FATAL(t->njobs, 3);
    /* Sorted, relative to the earliest timestamp 2017-10-09 06:13:03 UTC = 1507529583 s
     * (Python calendar.timegm); 07:01:55 is 48 min 52 s = 2932 s later. */
    CU_ASSERT_EQUAL(t->unix_start, 1507529583.0);
    CU_ASSERT_EQUAL(t->jobs[0].submit, 0.0);
    CU_ASSERT_EQUAL(t->jobs[0].line, 3);
    CU_ASSERT_EQUAL(t->jobs[0].units, 2);
    CU_ASSERT_EQUAL(t->jobs[0].runtime, 2951.0);
    CU_ASSERT_EQUAL(t->jobs[0].status, CPN_WLOG_UNKNOWN);
    CU_ASSERT_EQUAL(t->jobs[1].submit, 2932.0);
    CU_ASSERT_EQUAL(t->jobs[2].submit, 86400.0);
    CU_ASSERT_EQUAL_FATAL(t->ngroups, 2);
    CU_ASSERT_STRING_EQUAL(t->groups[t->jobs[0].group], "6214e9");
    CU_ASSERT_STRING_EQUAL(t->groups[t->jobs[1].group], "11cb48");
    CU_ASSERT_EQUAL(t->jobs[1].group, t->jobs[2].group);
    cpn_wlog_free(t);

    /* A wrong header, a bad date and a bad count. */
    const char *q = fixture("pbad.csv", 1);
    write_file(q, "timestamp,duration,gpus\n");
    read_expect(q, CPN_WLOG_PHILLY, NULL, CPN_ESCENARIO,
                "cpnsim: @:1: header \"timestamp,duration,gpus\" is not the Philly CSV header "
                "(expected \"timestamp,duration,num_gpus,gpu_time,cluster\")\n");

    write_file(q, "timestamp,duration,num_gpus,gpu_time,cluster\n"
                  "2017-13-09 07:01:55,66.0,1,66.0,11cb48\n"
                  "2017-10-09 07:01:55,66.0,one,66.0,11cb48\n"
                  "2017-10-09 07:01:55,66.0,1,66.0\n");
    read_expect(q, CPN_WLOG_PHILLY, NULL, CPN_ESCENARIO,
                "cpnsim: @:2: field 1 \"timestamp\": \"2017-13-09 07:01:55\" is not a date-time "
                "(use YYYY-MM-DD hh:mm:ss)\n"
                "cpnsim: @:3: field 3 \"num_gpus\": \"one\" is not a count (use a whole number "
                ">= 0)\n"
                "cpnsim: @:4: line has 4 fields (the Philly CSV has 5: "
                "timestamp,duration,num_gpus,gpu_time,cluster)\n");

    /* An empty file has no header. */
    const char *e = fixture("empty.csv", 2);
    write_file(e, "\n");
    read_expect(e, CPN_WLOG_PHILLY, NULL, CPN_ESCENARIO,
                "cpnsim: @: file is empty (expected the philly CSV header first)\n");
}

static void test_alibaba(void)
{
    const char *p = fixture("a.csv", 0);
    write_file(p, "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,"
                  "creation_time,deletion_time,scheduled_time\n"
                  "openb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,0\n"
                  "openb-pod-0001,6000,12288,0,0,,BE,Succeeded,100,400,150\n"
                  "openb-pod-0002,3152,5600,8,590,,BE,Pending,200,260,\n"
                  "openb-pod-0003,1,1,1,1,,LS,Exploded,0,1,0\n");
    struct cpn_wlog_options o;
    cpn_wlog_options_default(&o);
    o.on_error = CPN_WLOG_SKIP;
    struct cpn_wlog *t = read_expect(p, CPN_WLOG_ALIBABA, &o, CPN_OK, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(t->stats.malformed, 1);
    CU_ASSERT_EQUAL_FATAL(t->njobs, 3);
    const struct cpn_wlog_job *j = t->jobs;
    /* runtime = deletion - scheduled; memory = MiB x 2^20; cpus = milli / 1000. */
    CU_ASSERT_EQUAL(j[0].runtime, 12537496.0);
    CU_ASSERT_EQUAL(j[0].memory, 16384.0 * 1048576.0);
    CU_ASSERT_EQUAL(j[0].cpus, 12.0);
    CU_ASSERT_EQUAL(j[0].units, 1);
    CU_ASSERT_EQUAL(j[0].unit_share, 1.0);
    CU_ASSERT_EQUAL(j[0].status, CPN_WLOG_RUNNING);
    CU_ASSERT_STRING_EQUAL(t->groups[j[0].group], "LS");
    CU_ASSERT_EQUAL(j[1].submit, 100.0);
    CU_ASSERT_EQUAL(j[1].runtime, 250.0);
    CU_ASSERT_EQUAL(j[1].units, 0);
    CU_ASSERT_EQUAL(j[1].status, CPN_WLOG_COMPLETED);
    CU_ASSERT_STRING_EQUAL(t->groups[j[1].group], "BE");
    CU_ASSERT(isnan(j[2].runtime));
    CU_ASSERT_EQUAL(j[2].units, 8);
    CPN_ASSERT_REL(j[2].unit_share, 0.59, 1e-15);
    CU_ASSERT_EQUAL(j[2].status, CPN_WLOG_PENDING);
    cpn_wlog_free(t);

    o.on_error = CPN_WLOG_FAIL;
    read_expect(p, CPN_WLOG_ALIBABA, &o, CPN_ESCENARIO,
                "cpnsim: @:5: field 8 \"pod_phase\": \"Exploded\" is not a pod phase (use "
                "Succeeded, Failed, Running, Pending or nothing)\n");
}

static void test_azure(void)
{
    const char *p = fixture("z.csv", 0);
    /* CRLF line ends, as in the published file. */
    write_file(p, "TIMESTAMP,ContextTokens,GeneratedTokens\r\n"
                  "2023-11-16 18:15:46.6805900,374,44\r\n"
                  "2023-11-16 18:15:50.9951690,396,109\r\n"
                  "2023-11-16 18:16:46.5,10,-3\r\n");
    struct cpn_wlog_options o;
    cpn_wlog_options_default(&o);
    o.on_error = CPN_WLOG_SKIP;
    o.parameters = 7e9;
    struct cpn_wlog *t =
        read_expect(p, CPN_WLOG_AZURE, &o, CPN_OK,
                    "cpnsim: @: warning: 1 malformed line skipped (the first at line 4)\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_STRING_EQUAL(t->kind, "inference");
    CU_ASSERT_EQUAL(t->njobs, 0);
    CU_ASSERT_EQUAL_FATAL(t->nrequests, 2);
    CU_ASSERT_EQUAL(t->stats.malformed, 1);
    const struct cpn_wlog_request *q = t->requests;
    /* 50.9951690 - 46.6805900 = 4.3145790 s; FLOP = 2 x 7e9 x (374 + 44). */
    CU_ASSERT_EQUAL(q[0].time, 0.0);
    CPN_ASSERT_REL(q[1].time, 4.314579, 1e-9);
    CU_ASSERT_EQUAL(q[0].context_tokens, 374);
    CU_ASSERT_EQUAL(q[0].generated_tokens, 44);
    CPN_ASSERT_REL(q[0].flop, 2 * 7e9 * 418, 1e-15);
    CU_ASSERT_EQUAL(q[1].line, 3);
    /* 2023-11-16 18:15:46 UTC = 1700158546 s (Python calendar.timegm), plus 0.68059 s. */
    CPN_ASSERT_REL(t->unix_start, 1700158546.68059, 1e-15);
    cpn_wlog_free(t);

    /* Without a model size the work is unknown. */
    o.parameters = NAN;
    t = read_expect(p, CPN_WLOG_AZURE, &o, CPN_OK, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT(isnan(t->requests[0].flop));
    cpn_wlog_free(t);
}

static void test_read_failures(void)
{
    /* Missing file. */
    read_expect(fixture("no-such.swf", 0), CPN_WLOG_SWF, NULL, CPN_ENOINPUT,
                "cpnsim: @: cannot open: No such file or directory\n");

    /* A line longer than the buffer is malformed; the lines after it keep their numbers. */
    const char *lp = fixture("long.swf", 1);
    FILE *f = fopen(lp, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (int i = 0; i < CPN_WLOG_MAX_LINE + 100; i++)
        fputc('7', f);
    fputs("\n1 0 -1 100 4 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n", f);
    fclose(f);
    read_expect(lp, CPN_WLOG_SWF, NULL, CPN_ESCENARIO,
                "cpnsim: @:1: line is longer than 4095 characters\n");
    struct cpn_wlog_options o;
    cpn_wlog_options_default(&o);
    o.on_error = CPN_WLOG_SKIP;
    struct cpn_wlog *t = read_expect(lp, CPN_WLOG_SWF, &o, CPN_OK, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(t->njobs, 1);
    CU_ASSERT_EQUAL(t->jobs[0].line, 2);
    cpn_wlog_free(t);

    /* A truncated gzip file is a read error, not a silently short trace. */
    const char *tp = fixture("trunc.swf.gz", 2);
    size_t n = 3000, len = 0;
    char *big = malloc(n * 80);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(big + len, "%zu %zu -1 %zu 4 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n",
                               i + 1, 10 * i, (i * 7919) % 10007);
    write_gz(tp, big);
    free(big);
    f = fopen(tp, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    CU_ASSERT_EQUAL(truncate(tp, size / 2), 0);
    /* The damaged last line is not parsed; only the read error is reported, without zlib's own
     * path prefix. */
    struct cpn_test_sink s;
    cpn_test_sink_open(&s);
    CU_ASSERT_EQUAL(cpn_wlog_read(tp, CPN_WLOG_SWF, NULL, &s.diag, &t), CPN_ESCENARIO);
    char *text = sink_close(&s);
    CU_ASSERT_EQUAL(s.diag.errors, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ": cannot read: unexpected end of file\n"));
    CU_ASSERT_PTR_NULL(strstr(text, "fields"));
    free(text);

    /* Format names. */
    enum cpn_wlog_format fmt;
    CU_ASSERT_EQUAL(cpn_wlog_format_parse("philly", &fmt), CPN_OK);
    CU_ASSERT_EQUAL(fmt, CPN_WLOG_PHILLY);
    CU_ASSERT_EQUAL(cpn_wlog_format_parse("tsv", &fmt), CPN_ENOENT);
    CU_ASSERT_STRING_EQUAL(
        cpn_error_message(),
        "trace format \"tsv\" is unknown (use swf, philly, alibaba, azure or csv)");
    CU_ASSERT_EQUAL(cpn_wlog_format_parse(NULL, &fmt), CPN_EINVAL);
    CU_ASSERT_STRING_EQUAL(cpn_wlog_format_name(CPN_WLOG_AZURE), "azure");
    CU_ASSERT_STRING_EQUAL(cpn_wlog_format_name(CPN_WLOG_NFORMATS), "?");
}

static void test_origins(void)
{
    struct cpn_wlog_job jobs[4] = {{.group = 0, .line = 1},
                                   {.group = 1, .line = 2},
                                   {.group = CPN_NONE, .line = 3},
                                   {.group = 2, .line = 4}};
    uint32_t out[4];
    uint32_t map_groups[3] = {2, CPN_NONE, 0};
    struct cpn_wlog_origin_map m = {.rule = CPN_WLOG_BY_GROUP,
                                    .norigins = 3,
                                    .group_origin = map_groups,
                                    .ngroups = 3,
                                    .default_origin = 1};
    CU_ASSERT_EQUAL(cpn_wlog_assign_origins(jobs, 4, &m, NULL, out), CPN_OK);
    /* group 0 -> 2; group 1 unmapped -> default 1; no group -> default 1; group 2 -> 0. */
    CU_ASSERT(out[0] == 2 && out[1] == 1 && out[2] == 1 && out[3] == 0);
    m.default_origin = CPN_NONE;
    CU_ASSERT_EQUAL(cpn_wlog_assign_origins(jobs, 4, &m, NULL, out), CPN_ENOENT);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(),
                           "trace line 2: group 1 has no origin and no default is given");
    m.default_origin = 3;
    CU_ASSERT_EQUAL(cpn_wlog_assign_origins(jobs, 4, &m, NULL, out), CPN_ERANGE);
    m.default_origin = 0;
    map_groups[0] = 7;
    CU_ASSERT_EQUAL(cpn_wlog_assign_origins(jobs, 4, &m, NULL, out), CPN_ERANGE);
    CU_ASSERT_EQUAL(cpn_wlog_assign_origins(NULL, 4, &m, NULL, out), CPN_EINVAL);

    struct cpn_wlog_origin_map rr = {.rule = CPN_WLOG_ROUND_ROBIN, .norigins = 3};
    CU_ASSERT_EQUAL(cpn_wlog_assign_origins(NULL, 4, &rr, NULL, out), CPN_OK);
    CU_ASSERT(out[0] == 0 && out[1] == 1 && out[2] == 2 && out[3] == 0);
    rr.norigins = 0;
    CU_ASSERT_EQUAL(cpn_wlog_assign_origins(NULL, 4, &rr, NULL, out), CPN_EINVAL);
    rr.norigins = 3;
    rr.rule = (enum cpn_wlog_origin_rule)42;
    CU_ASSERT_EQUAL(cpn_wlog_assign_origins(NULL, 4, &rr, NULL, out), CPN_EINVAL);

    /* Weighted 1:3 over 1e5 records: origin 1 with p = 0.75, sd sqrt(p (1-p) / n) = 0.00137. */
    enum { N = 100000 };
    static uint32_t many[N];
    double w[2] = {1.0, 3.0};
    struct cpn_wlog_origin_map wm = {.rule = CPN_WLOG_WEIGHTED, .norigins = 2, .weights = w};
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    CU_ASSERT_EQUAL(cpn_wlog_assign_origins(NULL, N, &wm, r, many), CPN_OK);
    long ones = 0;
    for (int i = 0; i < N; i++)
        ones += many[i];
    CU_ASSERT(fabs(ones / (double)N - 0.75) <= SIGMAS * sqrt(0.75 * 0.25 / N));
    CU_ASSERT_EQUAL(cpn_wlog_assign_origins(NULL, N, &wm, NULL, many), CPN_EINVAL);
    w[0] = -1;
    CU_ASSERT_EQUAL(cpn_wlog_assign_origins(NULL, N, &wm, r, many), CPN_ERANGE);
    w[0] = w[1] = 0;
    CU_ASSERT_EQUAL(cpn_wlog_assign_origins(NULL, N, &wm, r, many), CPN_ERANGE);
    gsl_rng_free(r);
}

/* ---- real traces (../shared/data/traces, see SOURCES.md); skipped when absent ---- */

/* Read shared-data trace @p rel; NULL (after a skip message) when the file is absent. */
static struct cpn_wlog *read_real(const char *rel, enum cpn_wlog_format fmt)
{
    const char *p = cpn_test_datapath(rel);
    char why[512];
    if (!p) {
        snprintf(why, sizeof why, "traces/%s absent from the shared data folder", rel);
        cpn_test_skip(why);
        return NULL;
    }
    struct cpn_wlog *t = NULL;
    struct cpn_diag d;
    cpn_diag_init(&d, stderr);
    CU_ASSERT_EQUAL(cpn_wlog_read(p, fmt, NULL, &d, &t), CPN_OK);
    CU_ASSERT_EQUAL(d.errors + d.warnings, 0);
    return t;
}

/* Count jobs with each unit count in {0, 1, 2, 4, 8, 16, 32}. */
static void unit_histogram(const struct cpn_wlog *t, size_t hist[7], size_t *other)
{
    static const uint32_t keys[7] = {0, 1, 2, 4, 8, 16, 32};
    *other = 0;
    memset(hist, 0, 7 * sizeof *hist);
    for (size_t i = 0; i < t->njobs; i++) {
        int k = 0;
        while (k < 7 && keys[k] != t->jobs[i].units)
            k++;
        if (k < 7)
            hist[k]++;
        else
            ++*other;
    }
}

static void test_real_swf(void)
{
    /* Job counts from SOURCES.md (checked there with zcat | grep -vc '^;'). */
    struct cpn_wlog *t = read_real("traces/swf/NASA-iPSC-1993-3.1-cln.swf.gz", CPN_WLOG_SWF);
    if (t) {
        CU_ASSERT_EQUAL(t->njobs, 18239);
        cpn_wlog_free(t);
    }
    if ((t = read_real("traces/swf/SDSC-SP2-1998-4.2-cln.swf.gz", CPN_WLOG_SWF))) {
        /* 59,715 rows, of which 5,681 jobs cancelled before they ran (status 5 and a run time
         * <= 0 or no processors: zcat | awk '$11 == 5 && ($4 <= 0 || ($5 <= 0 && $8 <= 0))'). */
        CU_ASSERT_EQUAL(t->stats.records, 59715);
        CU_ASSERT_EQUAL(t->stats.cancelled, 5681);
        CU_ASSERT_EQUAL(t->njobs, 59715 - 5681);
        CU_ASSERT_EQUAL(t->max_procs, 128);
        /* Log time 0 is the first job, 566,129 s after UnixStartTime 893,466,664 (the cleaned
         * log dropped the first week); the last is submitted at 63,582,293 s (awk over the
         * rows that are not cancellations): a span of 63,016,164 s. */
        CU_ASSERT_EQUAL(t->unix_start, 893466664.0 + 566129.0);
        CU_ASSERT_EQUAL(t->stats.span, 63582293.0 - 566129.0);
        CU_ASSERT_EQUAL(t->jobs[0].submit, 0.0);
        cpn_wlog_free(t);
    }
    if ((t = read_real("traces/swf/LCG.swf.gz", CPN_WLOG_SWF))) {
        CU_ASSERT_EQUAL(t->njobs, 188041);
        /* Header: 170 partitions (grid sites), MaxProcs 24515, UnixStartTime 1132444805. */
        CU_ASSERT_EQUAL(t->ngroups, 170);
        CU_ASSERT_EQUAL(t->max_procs, 24515);
        CU_ASSERT_EQUAL(t->unix_start, 1132444805.0);
        /* The first job runs at partition 1, grid.ici.ro; all LCG jobs use one processor. */
        CU_ASSERT_STRING_EQUAL(t->groups[t->jobs[0].group], "grid.ici.ro");
        size_t single = 0;
        for (size_t i = 0; i < t->njobs; i++)
            single += t->jobs[i].units == 1;
        CU_ASSERT_EQUAL(single, 188041);
        cpn_wlog_free(t);
    }
}

static void test_real_gpu(void)
{
    size_t h[7], other;
    struct cpn_wlog *t = read_real("traces/gpu/philly.csv", CPN_WLOG_PHILLY);
    if (t) {
        /* SOURCES.md: 82,247 rows; num_gpus 1:76,627 2:1,818 4:1,870 8:1,643 16:199 32:67.
         * The other 23 rows use 12 (7), 24 (7), 64 (6) or 128 (3) GPUs (counted with awk). */
        CU_ASSERT_EQUAL(t->njobs, 82247);
        CU_ASSERT_EQUAL(t->ngroups, 15);
        unit_histogram(t, h, &other);
        CU_ASSERT(h[0] == 0 && h[1] == 76627 && h[2] == 1818 && h[3] == 1870 && h[4] == 1643 &&
                  h[5] == 199 && h[6] == 67 && other == 23);
        cpn_wlog_free(t);
    }
    if ((t = read_real("traces/gpu/openb_pod_list_default.csv", CPN_WLOG_ALIBABA))) {
        /* SOURCES.md: 8,152 pods; num_gpu 1:6989 0:1088 8:44 2:16 4:15. */
        CU_ASSERT_EQUAL(t->njobs, 8152);
        unit_histogram(t, h, &other);
        CU_ASSERT(h[0] == 1088 && h[1] == 6989 && h[2] == 16 && h[3] == 15 && h[4] == 44 &&
                  h[5] == 0 && h[6] == 0 && other == 0);
        cpn_wlog_free(t);
    }
}

static void test_real_azure(void)
{
    struct cpn_wlog *t =
        read_real("traces/inference/AzureLLMInferenceTrace_conv.csv", CPN_WLOG_AZURE);
    if (!t)
        return;
    /* 19,366 requests from 18:15:46.6805900 to 19:14:08.4025270: 3502 s - 0.278063 s. */
    CU_ASSERT_EQUAL(t->nrequests, 19366);
    CU_ASSERT_EQUAL(t->requests[0].time, 0.0);
    CPN_ASSERT_REL(t->requests[t->nrequests - 1].time, 3501.721937, 1e-9);
    cpn_wlog_free(t);
}

static void test_column_mapped_csv_reads_philly_as_the_philly_reader(void)
{
    /* The column-mapped reader given the Philly columns (timestamp as a UTC date-time, duration,
     * num_gpus, cluster) gives exactly the Philly reader's jobs: every field of every record. */
    const char *p = cpn_test_datapath("traces/gpu/philly.csv");
    if (!p) {
        cpn_test_skip("traces/gpu/philly.csv absent from the shared data folder");
        return;
    }
    struct cpn_wlog_columns c = {.submit = "timestamp",
                                 .duration = "duration",
                                 .units = "num_gpus",
                                 .group = "cluster",
                                 .time_format = CPN_WLOG_TIME_DATETIME};
    struct cpn_wlog_options o;
    cpn_wlog_options_default(&o);
    o.columns = &c;
    struct cpn_wlog *a = NULL, *b = NULL;
    struct cpn_diag d;
    cpn_diag_init(&d, stderr);
    CU_ASSERT_FATAL(cpn_wlog_read(p, CPN_WLOG_PHILLY, NULL, &d, &a) == CPN_OK);
    CU_ASSERT_FATAL(cpn_wlog_read(p, CPN_WLOG_CSV, &o, &d, &b) == CPN_OK);
    CU_ASSERT_EQUAL(d.errors + d.warnings, 0);
    CU_ASSERT_EQUAL(a->njobs, b->njobs);
    CU_ASSERT_EQUAL(a->njobs, 82247);
    CU_ASSERT_EQUAL(a->unix_start, b->unix_start);
    CU_ASSERT_EQUAL(a->stats.span, b->stats.span);
    size_t same = 0;
    for (size_t i = 0; i < a->njobs && i < b->njobs; i++) {
        const struct cpn_wlog_job *x = &a->jobs[i], *y = &b->jobs[i];
        same += x->submit == y->submit && x->runtime == y->runtime && x->units == y->units &&
                x->line == y->line && x->id == y->id && x->status == y->status &&
                x->unit_share == y->unit_share &&
                strcmp(a->groups[x->group], b->groups[y->group]) == 0;
    }
    CU_ASSERT_EQUAL(same, a->njobs);
    cpn_wlog_free(a);
    cpn_wlog_free(b);
}

static void test_column_mapped_csv_statuses_quotes_and_errors(void)
{
    /* Epoch times, end - start as the run time, statuses by value lists, a quoted cell with a
     * comma, an empty cell (unknown run time), a cancelled job that never ran (counted), and a
     * bad count (located). */
    const char *p = fixture("m.csv", 0);
    write_file(p, "id,queue,gpus,state,submitted,started,ended\n"
                  "a,\"vc,1\",8,COMPLETED,1600000000,1600000010,1600000110\n"
                  "b,vc2,2,FAILED,1600000005,1600000020,1600000050\n"
                  "c,vc2,1,CANCELLED,1600000006,,\n"
                  "d,vc2,4,TIMEOUT,1600000007,1600000008,\n");
    struct cpn_wlog_columns c = {.submit = "submitted",
                                 .start = "started",
                                 .end = "ended",
                                 .units = "gpus",
                                 .group = "queue",
                                 .status = "state",
                                 .completed = "COMPLETED",
                                 .failed = "FAILED,NODE_FAIL",
                                 .cancelled = "CANCELLED",
                                 .time_format = CPN_WLOG_TIME_EPOCH};
    struct cpn_wlog_options o;
    cpn_wlog_options_default(&o);
    o.columns = &c;
    struct cpn_wlog *t = read_expect(p, CPN_WLOG_CSV, &o, CPN_OK, "");
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT_EQUAL(t->njobs, 3);
    CU_ASSERT_EQUAL(t->stats.cancelled, 1);
    CU_ASSERT_EQUAL(t->unix_start, 1600000000.0);
    CU_ASSERT(t->jobs[0].submit == 0 && t->jobs[0].runtime == 100 && t->jobs[0].units == 8 &&
              t->jobs[0].status == CPN_WLOG_COMPLETED);
    CU_ASSERT_STRING_EQUAL(t->groups[t->jobs[0].group], "vc,1");
    CU_ASSERT(t->jobs[1].submit == 5 && t->jobs[1].runtime == 30 &&
              t->jobs[1].status == CPN_WLOG_FAILED);
    CU_ASSERT(t->jobs[2].submit == 7 && isnan(t->jobs[2].runtime) &&
              t->jobs[2].status == CPN_WLOG_OTHER);
    cpn_wlog_free(t);
    /* An epoch time too large for any log (found by fuzzing: it overflowed the base). */
    write_file(p, "submitted,started,ended,gpus,queue,state\n1e300,1,2,1,q,COMPLETED\n");
    read_expect(p, CPN_WLOG_CSV, &o, CPN_ESCENARIO,
                "cpnsim: @:2: field 1 \"submitted\": \"1e300\" is not an epoch time (seconds "
                "since 1970, below 1e12 in size)\n");
    write_file(p, "submitted,gpus\n1,x\n");
    struct cpn_wlog_columns bad = {
        .submit = "submitted", .duration = "runtime", .time_format = CPN_WLOG_TIME_SECONDS};
    o.columns = &bad;
    read_expect(p, CPN_WLOG_CSV, &o, CPN_ESCENARIO,
                "cpnsim: @:1: the duration column \"runtime\" is not in the header (its "
                "columns: submitted, gpus)\n");
    bad.duration = NULL;
    bad.start = "submitted";
    bad.end = "submitted";
    bad.units = "gpus";
    read_expect(p, CPN_WLOG_CSV, &o, CPN_ESCENARIO,
                "cpnsim: @:2: field 2 \"gpus\": \"x\" is not a count (use a whole number >= "
                "0)\n");
    unlink(p);
}

static void test_an_swf_status_out_of_range_is_other_not_undefined(void)
{
    /* Found by fuzzing (tests/fuzz/run.sh wlog_swf): a status field of -5.6e12 was cast to int,
     * undefined behaviour.  Any whole number outside the codes is "other"; -1, 0, 1, 5 keep
     * their meaning (3, checkpointing, is "other" too). */
    write_file(fixture("status.swf", 0),
               "1 0 10 100 4 -1 -1 4 200 -1 -5555555555555 1 1 -1 1 -1 -1 -1\n"
               "2 5 10 100 4 -1 -1 4 200 -1 99999999999 1 1 -1 1 -1 -1 -1\n"
               "3 9 10 100 4 -1 -1 4 200 -1 5 1 1 -1 1 -1 -1 -1\n"
               "4 9 10 100 4 -1 -1 4 200 -1 3 1 1 -1 1 -1 -1 -1\n");
    struct cpn_wlog *t = read_expect(fixture("status.swf", 0), CPN_WLOG_SWF, NULL, CPN_OK, NULL);
    CU_ASSERT_FATAL(t != NULL && t->njobs == 4);
    CU_ASSERT_EQUAL(t->jobs[0].status, CPN_WLOG_OTHER);
    CU_ASSERT_EQUAL(t->jobs[1].status, CPN_WLOG_OTHER);
    CU_ASSERT_EQUAL(t->jobs[2].status, CPN_WLOG_CANCELLED);
    CU_ASSERT_EQUAL(t->jobs[3].status, CPN_WLOG_OTHER);
    cpn_wlog_free(t);
    unlink(fixture("status.swf", 0));
}

/* cpn_wlog_scan() with its checked copy (@p copy), or without it (TMPDIR a missing folder:
 * copy_fd -1, copy_err ENOENT). */
static int scan_log(const char *path, enum cpn_wlog_format fmt, const struct cpn_wlog_options *o,
                    struct cpn_diag *d, int copy, struct cpn_wlog **out)
{
    const char *was = getenv("TMPDIR");
    char *saved = was ? strdup(was) : NULL;
    if (!copy)
        setenv("TMPDIR", "/nonexistent-cpn-test-folder", 1);
    int rc = cpn_wlog_scan(path, fmt, o, d, out);
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    if (rc == CPN_OK && (*out)->file_order) {
        CU_ASSERT_EQUAL((*out)->copy_fd >= 0, copy);
        CU_ASSERT_EQUAL((*out)->copy_err, copy ? 0 : ENOENT);
    }
    return rc;
}

/* cpn_wlog_scan() and a cpn_wlog_stream over @p path give what cpn_wlog_read() gives: the same
 * counts, bounds and summary, and (when the log is in file order) the same records, field by
 * field, in the same order.  Returns the number of records compared. */
static size_t stream_equals_read_(const char *path, enum cpn_wlog_format fmt,
                                  const struct cpn_wlog_options *o, int copy)
{
    struct cpn_diag d;
    cpn_diag_init(&d, stderr);
    struct cpn_wlog_options defaults;
    if (!o) { /* the stream needs the read's options: the defaults here */
        cpn_wlog_options_default(&defaults);
        o = &defaults;
    }
    struct cpn_wlog *a = NULL, *b = NULL;
    CU_ASSERT_EQUAL_FATAL(cpn_wlog_read(path, fmt, o, &d, &a), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(scan_log(path, fmt, o, &d, copy, &b), CPN_OK);
    CU_ASSERT_EQUAL(a->file_order, b->file_order);
    size_t n = 0;
    if (a->file_order) {
        CU_ASSERT_EQUAL(b->njobs, a->njobs);
        CU_ASSERT_EQUAL(b->stats.records, a->stats.records);
        CU_ASSERT_EQUAL(b->stats.cancelled, a->stats.cancelled);
        CU_ASSERT_EQUAL(b->stats.malformed, a->stats.malformed);
        CU_ASSERT_EQUAL(b->stats.kept, a->stats.kept);
        CU_ASSERT_EQUAL(b->stats.outside, a->stats.outside);
        CU_ASSERT_EQUAL(b->stats.filtered, a->stats.filtered);
        CU_ASSERT_EQUAL(b->stats.span, a->stats.span);
        CU_ASSERT(b->unix_start == a->unix_start || (isnan(b->unix_start) && isnan(a->unix_start)));
        CU_ASSERT_EQUAL(b->ngroups, a->ngroups);
        CU_ASSERT_EQUAL(b->first_submit, a->first_submit);
        CU_ASSERT_EQUAL(b->last_submit, a->last_submit);
        CU_ASSERT_EQUAL(b->cpu_only, a->cpu_only);
        CU_ASSERT_PTR_NULL(b->jobs);
        /* The unit summary, counted again from the records. */
        size_t total = 0;
        for (size_t u = 0; u < b->nunits; u++) {
            size_t count = 0;
            uint32_t first = 0;
            for (size_t i = 0; i < a->njobs; i++)
                if ((a->jobs[i].units ? a->jobs[i].units : 1) == b->units[u].units) {
                    first = count++ ? first : a->jobs[i].line;
                }
            CU_ASSERT_EQUAL(b->units[u].count, count);
            CU_ASSERT_EQUAL(b->units[u].first_line, first);
            total += count;
        }
        CU_ASSERT_EQUAL(total, a->njobs);
        struct cpn_wlog_stream *st = NULL;
        CU_ASSERT_EQUAL_FATAL(cpn_wlog_stream_open(path, b, o, &d, &st), CPN_OK);
        struct cpn_wlog_job j;
        int more = 1, same = 1;
        while (cpn_wlog_stream_next(st, &j, &more) == CPN_OK && more) {
            if (n >= a->njobs) {
                same = 0;
                break;
            }
            const struct cpn_wlog_job *r = &a->jobs[n++];
            same &= j.submit == r->submit && j.line == r->line && j.units == r->units &&
                    j.group == r->group && j.id == r->id && j.status == r->status &&
                    (j.runtime == r->runtime || (isnan(j.runtime) && isnan(r->runtime))) &&
                    (j.walltime == r->walltime || (isnan(j.walltime) && isnan(r->walltime)));
        }
        CU_ASSERT(same);
        CU_ASSERT_EQUAL(n, a->njobs);
        CU_ASSERT_EQUAL(more, 0);
        cpn_wlog_stream_free(st);
    }
    CU_ASSERT_EQUAL(d.errors, 0);
    cpn_wlog_free(a);
    cpn_wlog_free(b);
    return n;
}

/* stream_equals_read_() over the checked copy and over the file read again: the same count. */
static size_t stream_equals_read(const char *path, enum cpn_wlog_format fmt,
                                 const struct cpn_wlog_options *o)
{
    size_t n = stream_equals_read_(path, fmt, o, 1);
    CU_ASSERT_EQUAL(stream_equals_read_(path, fmt, o, 0), n);
    return n;
}

static void test_streams_give_the_records_read_gives(void)
{
    struct cpn_wlog_options o;
    const char *a = fixture("a.swf", 0);
    write_file(a, SWF_FIXTURE);
    CU_ASSERT_EQUAL(stream_equals_read(a, CPN_WLOG_SWF, NULL), 4);
    cpn_wlog_options_default(&o); /* window, offset and scale (test_mapping_options) */
    o.t0 = 10;
    o.t1 = 30;
    o.offset = 100;
    o.time_scale = 2;
    CU_ASSERT_EQUAL(stream_equals_read(a, CPN_WLOG_SWF, &o), 2);
    cpn_wlog_options_default(&o);
    o.min_units = 4;
    o.max_units = 8;
    CU_ASSERT_EQUAL(stream_equals_read(a, CPN_WLOG_SWF, &o), 1);
    cpn_wlog_options_default(&o);
    o.completed_only = 1;
    CU_ASSERT_EQUAL(stream_equals_read(a, CPN_WLOG_SWF, &o), 2);
    cpn_wlog_options_default(&o);
    o.max_records = 3;
    CU_ASSERT_EQUAL(stream_equals_read(a, CPN_WLOG_SWF, &o), 3);
    /* A record out of order after the first three: the read keeps the earliest three, so
     * neither may call the log streamable (stream_equals_read() compares file_order). */
    const char *late = fixture("order.swf", 1);
    write_file(late, "1 10 -1 5 1 -1 -1 1 -1 -1 1 1 1 -1 -1 1 -1 -1\n"
                     "2 20 -1 5 1 -1 -1 1 -1 -1 1 1 1 -1 -1 1 -1 -1\n"
                     "3 30 -1 5 1 -1 -1 1 -1 -1 1 1 1 -1 -1 1 -1 -1\n"
                     "4 15 -1 5 1 -1 -1 1 -1 -1 1 1 1 -1 -1 1 -1 -1\n");
    CU_ASSERT_EQUAL(stream_equals_read(late, CPN_WLOG_SWF, &o), 0);
    unlink(late);
    /* A first record cancelled before it ran (counted, not kept) does not set the time origin:
     * job 2 is at 0 s, job 3 at 10 s, read or streamed (a scan took 0 s for the origin, the
     * first pushed time's bound before any, so the stream gave 20 s and 30 s: found by
     * fuzzing, tests/fuzz/fuzz_wlog_swf.c). */
    const char *cancelled = fixture("cancelled.swf", 1);
    write_file(cancelled, "1  5 -1 -1 -1 -1 -1 -1 -1 -1 5 1 1 -1 -1 1 -1 -1\n"
                          "2 20 -1  5  1 -1 -1  1 -1 -1 1 1 1 -1 -1 1 -1 -1\n"
                          "3 30 -1  5  1 -1 -1  1 -1 -1 1 1 1 -1 -1 1 -1 -1\n");
    CU_ASSERT_EQUAL(stream_equals_read(cancelled, CPN_WLOG_SWF, NULL), 2);
    struct cpn_diag dc;
    cpn_diag_init(&dc, stderr);
    struct cpn_wlog *sc = NULL;
    cpn_wlog_options_default(&o);
    CU_ASSERT_EQUAL_FATAL(cpn_wlog_scan(cancelled, CPN_WLOG_SWF, &o, &dc, &sc), CPN_OK);
    CU_ASSERT_EQUAL(sc->time_origin, 20);
    CU_ASSERT_EQUAL(sc->first_submit, 0);
    CU_ASSERT_EQUAL(sc->last_submit, 10);
    CU_ASSERT_EQUAL(sc->stats.cancelled, 1);
    cpn_wlog_free(sc);
    unlink(cancelled);
    /* Real logs (SWF logs are in time order; philly.csv is not: neither says file_order). */
    static const struct {
        const char *rel;
        enum cpn_wlog_format fmt;
        size_t n;
    } real[] = {{"traces/swf/NASA-iPSC-1993-3.1-cln.swf.gz", CPN_WLOG_SWF, 18239},
                {"traces/swf/SDSC-SP2-1998-4.2-cln.swf.gz", CPN_WLOG_SWF, 59715 - 5681},
                {"traces/swf/LCG.swf.gz", CPN_WLOG_SWF, 188041},
                {"traces/gpu/philly.csv", CPN_WLOG_PHILLY, 0}};
    for (size_t i = 0; i < sizeof real / sizeof *real; i++) {
        const char *p = cpn_test_datapath(real[i].rel);
        if (!p) {
            cpn_test_skip("a shared workload log is absent (traces/ of the shared data folder)");
            continue;
        }
        CU_ASSERT_EQUAL(stream_equals_read(p, real[i].fmt, NULL), real[i].n);
    }
}

/* A file that changes after the scan: its stream replays the checked copy (the 4 jobs of the
 * scan); without the copy it reads the file again and stops at the line, with what changed. */
static void test_a_stream_stops_where_the_file_changed(void)
{
    static const char *const changed[] = {
        /* line 9 (job 3) now malformed */
        "; Version: 2.2\n; UnixStartTime: 1000000000\n; MaxProcs: 64\n; Partition: 1 alpha\n"
        "; Partition: 2 beta  \n"
        "    1     0  5   100   4  -1  -1   8  200  1000  1  1  1 -1 -1  1 -1 -1\n"
        "    2    10 -1    -1   2  -1 500  -1   -1    -1  0  1  1 -1 -1  2 -1 -1\n"
        "\n"
        "    3    20  0  x  16  -1  -1  -1   60    -1  5  1  1 -1 -1 -1 -1 -1\n"
        "    4    30  0   300   1  -1  -1   1  400    -1  1  1  1 -1 -1  7 -1 -1\n",
        /* job 4 moved before job 3 in time */
        "; Version: 2.2\n; UnixStartTime: 1000000000\n; MaxProcs: 64\n; Partition: 1 alpha\n"
        "; Partition: 2 beta  \n"
        "    1     0  5   100   4  -1  -1   8  200  1000  1  1  1 -1 -1  1 -1 -1\n"
        "    2    10 -1    -1   2  -1 500  -1   -1    -1  0  1  1 -1 -1  2 -1 -1\n"
        "\n"
        "    3    20  0  50.5  16  -1  -1  -1   60    -1  5  1  1 -1 -1 -1 -1 -1\n"
        "    4    15  0   300   1  -1  -1   1  400    -1  1  1  1 -1 -1  7 -1 -1\n",
        /* cut after job 2 */
        "; Version: 2.2\n; UnixStartTime: 1000000000\n; MaxProcs: 64\n; Partition: 1 alpha\n"
        "; Partition: 2 beta  \n"
        "    1     0  5   100   4  -1  -1   8  200  1000  1  1  1 -1 -1  1 -1 -1\n"
        "    2    10 -1    -1   2  -1 500  -1   -1    -1  0  1  1 -1 -1  2 -1 -1\n",
        /* a fifth job */
        "; Version: 2.2\n; UnixStartTime: 1000000000\n; MaxProcs: 64\n; Partition: 1 alpha\n"
        "; Partition: 2 beta  \n"
        "    1     0  5   100   4  -1  -1   8  200  1000  1  1  1 -1 -1  1 -1 -1\n"
        "    2    10 -1    -1   2  -1 500  -1   -1    -1  0  1  1 -1 -1  2 -1 -1\n"
        "\n"
        "    3    20  0  50.5  16  -1  -1  -1   60    -1  5  1  1 -1 -1 -1 -1 -1\n"
        "    4    30  0   300   1  -1  -1   1  400    -1  1  1  1 -1 -1  7 -1 -1\n"
        "    5    40  0   300   1  -1  -1   1  400    -1  1  1  1 -1 -1  7 -1 -1\n"};
    /* given before the stop, and the located message's start */
    static const struct {
        size_t given;
        const char *where;
    } want[] = {{2, ":9: "},
                {3, ":10: a record earlier than the one before"},
                {2, ":7: the file ends early"},
                {4, ":11: a record beyond those loaded"}};
    const char *a = fixture("a.swf", 0);
    for (size_t k = 0; k < sizeof changed / sizeof *changed; k++) {
        write_file(a, SWF_FIXTURE);
        struct cpn_diag d0;
        cpn_diag_init(&d0, stderr);
        struct cpn_wlog *t = NULL;
        struct cpn_wlog_options o;
        cpn_wlog_options_default(&o);
        CU_ASSERT_EQUAL_FATAL(scan_log(a, CPN_WLOG_SWF, &o, &d0, 1, &t), CPN_OK);
        struct cpn_wlog *t2 = NULL; /* without the copy */
        CU_ASSERT_EQUAL_FATAL(scan_log(a, CPN_WLOG_SWF, &o, &d0, 0, &t2), CPN_OK);
        CU_ASSERT_EQUAL(t->njobs, 4);
        write_file(a, changed[k]);
        struct cpn_wlog_stream *sc = NULL;
        CU_ASSERT_EQUAL_FATAL(cpn_wlog_stream_open(a, t, &o, &d0, &sc), CPN_OK);
        struct cpn_wlog_job jc;
        int mc = 1, rcc;
        uint32_t ids = 0, nc = 0;
        while ((rcc = cpn_wlog_stream_next(sc, &jc, &mc)) == CPN_OK && mc)
            ids = ids * 10 + jc.id, nc++;
        CU_ASSERT_EQUAL(rcc, CPN_OK);
        CU_ASSERT_EQUAL(nc, 4);
        CU_ASSERT_EQUAL(ids, 1234); /* jobs 1, 2, 3, 4 as scanned */
        cpn_wlog_stream_free(sc);
        if (k < 2) { /* the copy cut inside job 2, then after job 1: an I/O error (exit 74) */
            CU_ASSERT_EQUAL_FATAL(ftruncate(t->copy_fd, (off_t)sizeof jc + (k == 0 ? 10 : 0)), 0);
            CU_ASSERT_EQUAL_FATAL(cpn_wlog_stream_open(a, t, &o, &d0, &sc), CPN_OK);
            CU_ASSERT_EQUAL(cpn_wlog_stream_next(sc, &jc, &mc), CPN_OK);
            CU_ASSERT_EQUAL(mc, 1);
            CU_ASSERT_EQUAL(cpn_wlog_stream_next(sc, &jc, &mc), CPN_EIO);
            CU_ASSERT_EQUAL(mc, 0);
            const char *msg = strstr(cpn_error_message(), "a.swf");
            CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
            CU_ASSERT_STRING_EQUAL(
                msg, "a.swf: cannot read the checked copy of its jobs back: it ends early");
            CU_ASSERT_EQUAL(cpn_wlog_stream_next(sc, &jc, &mc), CPN_EIO); /* stays stopped */
            cpn_wlog_stream_free(sc);
        }
        cpn_wlog_free(t);
        t = t2;
        struct cpn_test_sink s;
        cpn_test_sink_open(&s);
        struct cpn_wlog_stream *st = NULL;
        CU_ASSERT_EQUAL_FATAL(cpn_wlog_stream_open(a, t, &o, &s.diag, &st), CPN_OK);
        struct cpn_wlog_job j;
        int more = 1, rc;
        size_t given = 0;
        while ((rc = cpn_wlog_stream_next(st, &j, &more)) == CPN_OK && more)
            given++;
        CU_ASSERT_EQUAL(rc, CPN_ESCENARIO);
        CU_ASSERT_EQUAL(given, want[k].given);
        CU_ASSERT_EQUAL(cpn_wlog_stream_next(st, &j, &more), CPN_ESCENARIO); /* stays stopped */
        char *text = sink_close(&s);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, want[k].where));
        CU_ASSERT_PTR_NOT_NULL(strstr(text, "the file changed since it was loaded"));
        if (!strstr(text, want[k].where))
            printf("\n--- case %zu got:\n%s", k, text);
        free(text);
        cpn_wlog_stream_free(st);
        cpn_wlog_free(t);
    }
    write_file(a, SWF_FIXTURE);
}

int cpn_test_register_traces(void)
{
    CU_pSuite s = CU_add_suite("traces", init_suite, clean_suite);
    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "an SWF status out of range is other (found by fuzzing)",
                     test_an_swf_status_out_of_range_is_other_not_undefined) ||
        !CU_add_test(s,
                     "SWF fields map to jobs: requested procs first, -1 is unknown, "
                     "partitions named by the header",
                     test_swf_fields) ||
        !CU_add_test(s, "gzip and plain SWF give identical records", test_swf_gz_equals_plain) ||
        !CU_add_test(s, "every malformed SWF line is a located error with its exact text",
                     test_swf_malformed_located) ||
        !CU_add_test(s, "on-error=skip drops malformed lines and warns once with the count",
                     test_swf_skip_counts) ||
        !CU_add_test(s, "time bases: epoch submit times, a late first job, windows as dates",
                     test_swf_time_bases) ||
        !CU_add_test(s, "cancelled jobs that never ran are skipped and counted",
                     test_swf_cancelled_jobs_that_never_ran_are_counted) ||
        !CU_add_test(s,
                     "window, offset, scale, unit filters, completed-only and max records "
                     "select and move jobs",
                     test_mapping_options) ||
        !CU_add_test(s,
                     "Philly jobs are sorted, relative to the earliest date, grouped by "
                     "cluster; bad lines are located",
                     test_philly) ||
        !CU_add_test(s, "Alibaba pods give GPUs, shares, memory, runtime and phase",
                     test_alibaba) ||
        !CU_add_test(s, "Azure requests get relative times and 2N FLOP per token", test_azure) ||
        !CU_add_test(s, "missing, overlong and truncated inputs fail cleanly; format names",
                     test_read_failures) ||
        !CU_add_test(s, "origins by group, round robin and weighted draws", test_origins) ||
        !CU_add_test(s, "a scan and a stream give what a read gives, record by record",
                     test_streams_give_the_records_read_gives) ||
        !CU_add_test(
            s, "a stream replays its checked copy; read again, it stops where the file changed",
            test_a_stream_stops_where_the_file_changed) ||
        !CU_add_test(s, "real SWF logs give the job counts of SOURCES.md", test_real_swf) ||
        !CU_add_test(s, "a column-mapped CSV reads philly.csv exactly as the Philly reader",
                     test_column_mapped_csv_reads_philly_as_the_philly_reader) ||
        !CU_add_test(s, "column-mapped CSV: statuses, end - start, quotes, located errors",
                     test_column_mapped_csv_statuses_quotes_and_errors) ||
        !CU_add_test(s,
                     "real Philly and Alibaba traces give the counts and GPU histograms of "
                     "SOURCES.md",
                     test_real_gpu) ||
        !CU_add_test(s, "the Azure conversation trace has 19,366 requests over 3501.7 s",
                     test_real_azure))
        return CU_get_error();
    return CUE_SUCCESS;
}
