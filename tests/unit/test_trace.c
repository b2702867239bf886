/* Suite "trace": the HDF5 trace writer (output/trace.h) through the observer contract. */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>

#include "output/h5util.h"
#include "output/report.h"
#include "output/summary.h"
#include "output/trace.h"
#include "tests/unit/suites.h"

static char dir[64];

static const char *tmp(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static int exists(const char *p)
{
    return access(p, F_OK) == 0;
}

/* ---- a small synthetic run ----------------------------------------------------------------- */

static const char *const kinds[] = {"batch", "training", "inference"};
static const struct cpn_run_param params[] = {{"alpha", "0.5"}, {"period", "30s"}};
static const struct cpn_run_node nodes[] = {
    {"shanghai", 31.2, 121.5}, {"ningxia-gw", 37.5, 105.2}, {"beijing", NAN, NAN}};
static const struct cpn_run_link links[] = {{"sh-nx", "rdma", 0, 1, 12.5e9, 0.0147},
                                            {"bj-nx", "ip", 2, 1, 1.25e9, 0.006}};
static const struct cpn_run_center centers[] = {{"zhongwei-ai", "ai", 1, 4096, 1.2},
                                                {"sh-hpc", "hpc", 0, 100, NAN}};
static const struct cpn_run_pool pools[] = {{0, 4000, 989e12, 80e9, 90, 700},
                                            {0, 96, 312e12, 40e9, 60, 400},
                                            {1, 100, 3e12, 256e9, 200, 500}};

static struct cpn_run_info info(void)
{
    return (struct cpn_run_info){.program_version = "0.1.0",
                                 .scenario_path = "scenarios/tiny.xml",
                                 .scenario_text = "abc",
                                 .scenario_length = 3,
                                 .scenario_sha256 = NULL,
                                 .seed = 42,
                                 .policy = "earliest_finish",
                                 .policy_params = params,
                                 .n_policy_params = 2,
                                 .awareness = "centralized",
                                 .command_line = "cpnsim run tiny.xml",
                                 .wall_clock_start = "2026-11-21T13:33:12Z",
                                 .sample_interval = 300,
                                 .until = 86400,
                                 .currency = "CNY",
                                 .job_kinds = kinds,
                                 .n_job_kinds = 3,
                                 .nodes = nodes,
                                 .n_nodes = 3,
                                 .links = links,
                                 .n_links = 2,
                                 .centers = centers,
                                 .n_centers = 2,
                                 .pools = pools,
                                 .n_pools = 3};
}

static struct cpn_flow_record flow(uint32_t i)
{
    return (struct cpn_flow_record){.start = i * 1.5,
                                    .end = i * 1.5 + 2.0 + i * 0.001,
                                    .bytes = 1e9 + i,
                                    .id = 1000000000000ull + i,
                                    .job = i % 3 ? i / 3 : CPN_NONE,
                                    .src = i % 3,
                                    .dst = (i + 1) % 3,
                                    .path = i % 5,
                                    .klass = i % 7,
                                    .mean_rate = (float)((1e9 + i) / (2.0 + i * 0.001))};
}

static struct cpn_job_record job(uint32_t i)
{
    return (struct cpn_job_record){.submit = 10.0 * i,
                                   .start = 10.0 * i + 1,
                                   .end = 10.0 * i + 30,
                                   .wait = 1,
                                   .bytes_in = 1e12,
                                   .bytes_out = 1e6,
                                   .staleness = 0.25 * i,
                                   .id = i,
                                   .origin = i % 3,
                                   .center = i == 2 ? CPN_NONE : i % 2,
                                   .units = 8 * (i + 1),
                                   .kind = (uint8_t)(i % 3),
                                   .state = i == 2 ? CPN_JOB_REJECTED : CPN_JOB_DONE,
                                   .slo_met = (int8_t)(i % 3 - 1)};
}

enum { N_FLOWS = 10, N_JOBS = 5, N_SAMPLES = 3 };

/* Write the synthetic run through @p obs; @p complete is passed to end(). */
static int feed(const struct cpn_observer *obs, int complete, int do_end)
{
    struct cpn_run_info in = info();
    int rc = cpn_observe_begin(obs, &in);
    for (uint32_t i = 0; rc == CPN_OK && i < N_FLOWS; i++) {
        struct cpn_flow_record f = flow(i);
        rc = cpn_observe_flow_end(obs, &f);
    }
    for (uint32_t i = 0; rc == CPN_OK && i < N_JOBS; i++) {
        struct cpn_job_record j = job(i);
        rc = cpn_observe_job_end(obs, &j);
    }
    struct cpn_request_record req = {.time = 5, .latency = 0.02, .job = 2, .slo_met = 1};
    if (rc == CPN_OK)
        rc = cpn_observe_request_end(obs, &req);
    struct cpn_event_record ev[2] = {
        {.time = 1, .kind = CPN_EVENT_DECISION, .subject = 0, .detail = "center=zhongwei-ai"},
        {.time = 2, .kind = CPN_EVENT_LINK_DOWN, .subject = 1, .detail = NULL}};
    for (int i = 0; rc == CPN_OK && i < 2; i++)
        rc = cpn_observe_event(obs, &ev[i]);
    for (int s = 0; rc == CPN_OK && s < N_SAMPLES; s++) {
        float lu[4] = {0.1f * s, 0.2f, 0.3f, 0.4f}, cu[2] = {0.5f, 0.25f * s};
        float pu[3] = {0.5f, 0.125f * s, 1.0f};
        rc = cpn_observe_sample(obs, 300.0 * s, lu, 4, cu, 2, pu, 3);
    }
    if (rc == CPN_OK && do_end)
        rc = cpn_observe_end(obs, complete, NULL);
    return rc;
}

static int write_run(const char *path, enum cpn_trace_level level, int complete, size_t chunk)
{
    struct cpn_summary *s = NULL;
    struct cpn_trace *t = NULL;
    struct cpn_observer obs;
    int rc = cpn_summary_new(&s);
    struct cpn_trace_options opt = {.path = path,
                                    .level = level,
                                    .force = 1,
                                    .chunk_records = chunk,
                                    .deflate = -1,
                                    .summary = s};
    if (rc == CPN_OK)
        rc = cpn_trace_open(&opt, &t);
    if (rc == CPN_OK) {
        cpn_trace_observer(t, &obs);
        rc = feed(&obs, complete, 1);
    }
    cpn_trace_free(t);
    cpn_summary_free(s);
    return rc;
}

/* Open HDF5 objects of any file: files, groups, datasets, named datatypes, attributes (HDF5
 * 1.10 has no public count of dataspaces and property lists; those are checked by review). */
static long open_ids(void)
{
    return (long)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
}

static long rows(hid_t f, const char *name)
{
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT), sp = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    H5Sget_simple_extent_dims(sp, dims, NULL);
    H5Sclose(sp);
    H5Dclose(d);
    return (long)dims[0];
}

static char *units_of(hid_t f, const char *dset, const char *field)
{
    char name[64];
    snprintf(name, sizeof name, "units:%s", field);
    hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
    char *u = d >= 0 ? cpn_h5_attr_read_str(d, name, 0) : NULL;
    if (d >= 0)
        H5Dclose(d);
    return u;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_records_read_back_equal_with_the_hdf5_api(void)
{
    const char *p = tmp("a.h5");
    /* chunk_records = 4: 10 flows take three appends (4 + 4 + 2 at end). */
    CU_ASSERT_EQUAL_FATAL(write_run(p, CPN_TRACE_FULL, 1, 4), CPN_OK);
    CU_ASSERT_EQUAL(open_ids(), 0); /* every file, dataset, group and attribute closed */
    CU_ASSERT_FALSE(exists(tmp("a.h5.partial")));
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    CU_ASSERT_EQUAL(rows(f, "flows"), N_FLOWS);
    CU_ASSERT_EQUAL(rows(f, "jobs"), N_JOBS);
    CU_ASSERT_EQUAL(rows(f, "requests"), 1);
    CU_ASSERT_EQUAL(rows(f, "events"), 2);
    CU_ASSERT_EQUAL(rows(f, "series/time"), N_SAMPLES);
    CU_ASSERT_EQUAL(rows(f, "series/link_util"), N_SAMPLES);
    CU_ASSERT_EQUAL(rows(f, "links"), 2);
    CU_ASSERT_EQUAL(rows(f, "pools"), 3);

    /* Flows: read with a memory type built here, independently of the writer. */
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(struct cpn_flow_record));
    H5Tinsert(mt, "start", HOFFSET(struct cpn_flow_record, start), H5T_NATIVE_DOUBLE);
    H5Tinsert(mt, "end", HOFFSET(struct cpn_flow_record, end), H5T_NATIVE_DOUBLE);
    H5Tinsert(mt, "bytes", HOFFSET(struct cpn_flow_record, bytes), H5T_NATIVE_DOUBLE);
    H5Tinsert(mt, "id", HOFFSET(struct cpn_flow_record, id), H5T_NATIVE_UINT64);
    H5Tinsert(mt, "job", HOFFSET(struct cpn_flow_record, job), H5T_NATIVE_UINT32);
    H5Tinsert(mt, "src", HOFFSET(struct cpn_flow_record, src), H5T_NATIVE_UINT32);
    H5Tinsert(mt, "dst", HOFFSET(struct cpn_flow_record, dst), H5T_NATIVE_UINT32);
    H5Tinsert(mt, "path", HOFFSET(struct cpn_flow_record, path), H5T_NATIVE_UINT32);
    H5Tinsert(mt, "class", HOFFSET(struct cpn_flow_record, klass), H5T_NATIVE_UINT32);
    H5Tinsert(mt, "mean_rate", HOFFSET(struct cpn_flow_record, mean_rate), H5T_NATIVE_FLOAT);
    struct cpn_flow_record got[N_FLOWS];
    hid_t d = H5Dopen2(f, "flows", H5P_DEFAULT);
    CU_ASSERT(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, got) >= 0);
    H5Dclose(d);
    H5Tclose(mt);
    for (uint32_t i = 0; i < N_FLOWS; i++) {
        struct cpn_flow_record w = flow(i);
        CU_ASSERT(memcmp(&got[i], &w, sizeof w) == 0); /* no padding: exact bytes */
    }
    /* The file record is the packed compound of 56 bytes (the <= 48 B target is after
     * compression; see tests/bench/bench_trace). */
    d = H5Dopen2(f, "flows", H5P_DEFAULT);
    hid_t ft = H5Dget_type(d);
    CU_ASSERT_EQUAL(H5Tget_size(ft), 56);
    H5Tclose(ft);
    H5Dclose(d);

    /* Jobs: a few fields, including the enum through its names. */
    struct jrow {
        double end;
        uint32_t center;
        int8_t slo;
        uint8_t state;
    };
    mt = H5Tcreate(H5T_COMPOUND, sizeof(struct jrow));
    H5Tinsert(mt, "end", HOFFSET(struct jrow, end), H5T_NATIVE_DOUBLE);
    H5Tinsert(mt, "center", HOFFSET(struct jrow, center), H5T_NATIVE_UINT32);
    H5Tinsert(mt, "slo_met", HOFFSET(struct jrow, slo), H5T_NATIVE_INT8);
    hid_t st = H5Tenum_create(H5T_NATIVE_UINT8);
    uint8_t v0 = 0, v1 = 1, v2 = 2;
    H5Tenum_insert(st, "done", &v0);
    H5Tenum_insert(st, "rejected", &v1);
    H5Tenum_insert(st, "failed", &v2);
    H5Tinsert(mt, "state", HOFFSET(struct jrow, state), st);
    struct jrow jr[N_JOBS];
    d = H5Dopen2(f, "jobs", H5P_DEFAULT);
    CU_ASSERT(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, jr) >= 0);
    H5Dclose(d);
    H5Tclose(st);
    H5Tclose(mt);
    for (uint32_t i = 0; i < N_JOBS; i++) {
        struct cpn_job_record w = job(i);
        CU_ASSERT_EQUAL(jr[i].end, w.end);
        CU_ASSERT_EQUAL(jr[i].center, w.center);
        CU_ASSERT_EQUAL(jr[i].slo, w.slo_met);
        CU_ASSERT_EQUAL(jr[i].state, w.state);
    }

    /* Units on every field; provenance at the root. */
    char *u;
    CU_ASSERT_STRING_EQUAL((u = units_of(f, "flows", "mean_rate")), "B/s");
    free(u);
    CU_ASSERT_STRING_EQUAL((u = units_of(f, "flows", "start")), "s");
    free(u);
    CU_ASSERT_STRING_EQUAL((u = units_of(f, "flows", "class")), "");
    free(u);
    CU_ASSERT_STRING_EQUAL((u = units_of(f, "jobs", "bytes_in")), "B");
    free(u);
    CU_ASSERT_STRING_EQUAL((u = units_of(f, "links", "capacity")), "B/s");
    free(u);
    CU_ASSERT_STRING_EQUAL((u = units_of(f, "pools", "unit_flops")), "FLOP/s");
    free(u);
    CU_ASSERT_STRING_EQUAL((u = units_of(f, "events", "time")), "s");
    free(u);
    /* SHA-256("abc") = ba7816bf...15ad: FIPS 180-2, appendix B.1. */
    CU_ASSERT_STRING_EQUAL((u = cpn_h5_attr_read_str(f, "scenario_sha256", 0)),
                           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    free(u);
    CU_ASSERT_STRING_EQUAL((u = cpn_h5_attr_read_str(f, "policy_params", 1)), "period=30s");
    free(u);
    CU_ASSERT_STRING_EQUAL((u = cpn_h5_attr_read_str(f, "scenario_text", 0)), "abc");
    free(u);
    double complete = -1, seed = 0;
    CU_ASSERT_EQUAL(cpn_h5_attr_read_f64(f, "complete", &complete), 0);
    CU_ASSERT_EQUAL(complete, 1);
    CU_ASSERT_EQUAL(cpn_h5_attr_read_f64(f, "seed", &seed), 0);
    CU_ASSERT_EQUAL(seed, 42);

    /* Series: row s of link_util is {0.1 s, 0.2, 0.3, 0.4}. */
    float lu[N_SAMPLES][4];
    d = H5Dopen2(f, "series/link_util", H5P_DEFAULT);
    CU_ASSERT(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, lu) >= 0);
    H5Dclose(d);
    CU_ASSERT_EQUAL(lu[2][0], 0.1f * 2);
    CU_ASSERT_EQUAL(lu[1][3], 0.4f);
    /* pool_util: row s is {0.5, 0.125 s, 1}, one column per /pools row. */
    float pu[N_SAMPLES][3];
    CU_ASSERT_EQUAL(rows(f, "series/pool_util"), N_SAMPLES);
    d = H5Dopen2(f, "series/pool_util", H5P_DEFAULT);
    CU_ASSERT(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, pu) >= 0);
    H5Dclose(d);
    CU_ASSERT_EQUAL(pu[2][1], 0.125f * 2);
    CU_ASSERT_EQUAL(pu[1][2], 1.0f);
    H5Fclose(f);
}

static int have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* Run @p cmd and return 1 when its output contains @p needle. */
static int output_has(const char *cmd, const char *needle)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return 0;
    char line[1024];
    int found = 0;
    while (fgets(line, sizeof line, p))
        found |= strstr(line, needle) != NULL;
    pclose(p);
    return found;
}

static void test_h5dump_reads_units_enums_and_records(void)
{
    if (!have("h5dump")) {
        cpn_test_skip("h5dump not installed (Debian: hdf5-tools)");
        return;
    }
    const char *p = tmp("dump.h5");
    CU_ASSERT_EQUAL_FATAL(write_run(p, CPN_TRACE_FULL, 1, 0), CPN_OK);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "h5dump -a '/flows/units:mean_rate' %s", p);
    CU_ASSERT(output_has(cmd, "\"B/s\""));
    snprintf(cmd, sizeof cmd, "h5dump -d /jobs %s", p);
    CU_ASSERT(output_has(cmd, "training")); /* the kind enum prints its names */
    CU_ASSERT(output_has(cmd, "rejected"));
    snprintf(cmd, sizeof cmd, "h5dump -d /events %s", p);
    CU_ASSERT(output_has(cmd, "center=zhongwei-ai"));
    snprintf(cmd, sizeof cmd, "h5dump -a /complete %s", p);
    CU_ASSERT(output_has(cmd, "(0): 1"));
}

static void test_interrupted_run_leaves_readable_partial_file_with_complete_0(void)
{
    const char *p = tmp("int.h5"), *pp = tmp("int.h5.partial");
    CU_ASSERT_EQUAL_FATAL(write_run(p, CPN_TRACE_FLOWS, 0, 4), CPN_OK);
    CU_ASSERT_FALSE(exists(p));
    CU_ASSERT_TRUE(exists(pp));
    hid_t f = H5Fopen(pp, H5F_ACC_RDONLY, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    double complete = -1;
    CU_ASSERT_EQUAL(cpn_h5_attr_read_f64(f, "complete", &complete), 0);
    CU_ASSERT_EQUAL(complete, 0);
    CU_ASSERT_EQUAL(rows(f, "flows"), N_FLOWS); /* buffered records were flushed */
    CU_ASSERT_EQUAL(rows(f, "summary") > 0, 1);
    H5Fclose(f);
    unlink(pp);
}

static void test_free_without_end_also_leaves_a_readable_partial_file(void)
{
    const char *p = tmp("crash.h5"), *pp = tmp("crash.h5.partial");
    struct cpn_trace *t = NULL;
    struct cpn_trace_options opt = {.path = p, .level = CPN_TRACE_FLOWS, .deflate = -1};
    CU_ASSERT_EQUAL_FATAL(cpn_trace_open(&opt, &t), CPN_OK);
    CU_ASSERT_STRING_EQUAL(cpn_trace_path(t), pp);
    struct cpn_observer obs;
    cpn_trace_observer(t, &obs);
    CU_ASSERT_EQUAL(feed(&obs, 0, 0), CPN_OK);
    cpn_trace_free(t);
    hid_t f = H5Fopen(pp, H5F_ACC_RDONLY, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    double complete = -1;
    cpn_h5_attr_read_f64(f, "complete", &complete);
    CU_ASSERT_EQUAL(complete, 0);
    CU_ASSERT_EQUAL(rows(f, "flows"), N_FLOWS);
    CU_ASSERT_EQUAL(rows(f, "summary"), -1); /* no summary attached */
    H5Fclose(f);
    unlink(pp);
    /* Freed before begin (the run failed while being set up): nothing recorded, no file. */
    CU_ASSERT_EQUAL_FATAL(cpn_trace_open(&opt, &t), CPN_OK);
    CU_ASSERT_EQUAL(access(pp, F_OK), 0);
    cpn_trace_free(t);
    CU_ASSERT_NOT_EQUAL(access(pp, F_OK), 0);
    CU_ASSERT_NOT_EQUAL(access(p, F_OK), 0);
}

static void test_existing_output_is_not_overwritten_without_force(void)
{
    const char *p = tmp("keep.h5");
    FILE *fp = fopen(p, "w");
    CU_ASSERT_FATAL(fp != NULL);
    fputs("precious", fp);
    fclose(fp);
    struct cpn_trace *t = NULL;
    struct cpn_trace_options opt = {.path = p, .level = CPN_TRACE_JOBS, .deflate = -1};
    CU_ASSERT_EQUAL(cpn_trace_open(&opt, &t), CPN_EOUTPUT);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "keep.h5"));
    CU_ASSERT_FALSE(exists(tmp("keep.h5.partial")));
    char buf[16] = {0};
    fp = fopen(p, "r");
    CU_ASSERT_PTR_NOT_NULL(fgets(buf, sizeof buf, fp));
    fclose(fp);
    CU_ASSERT_STRING_EQUAL(buf, "precious");

    /* A leftover .partial is protected as well. */
    const char *q = tmp("left.h5"), *qp = tmp("left.h5.partial");
    fp = fopen(qp, "w");
    fclose(fp);
    opt.path = q;
    CU_ASSERT_EQUAL(cpn_trace_open(&opt, &t), CPN_EOUTPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "left.h5.partial"));
    unlink(qp);

    /* With force the file is replaced by a complete trace. */
    CU_ASSERT_EQUAL(write_run(p, CPN_TRACE_SUMMARY, 1, 0), CPN_OK);
    CU_ASSERT(H5Fis_hdf5(p) > 0);

    /* A file that appears during the run is not replaced either: the trace stays .partial. */
    const char *r = tmp("race.h5");
    opt.path = r;
    opt.force = 0;
    CU_ASSERT_EQUAL_FATAL(cpn_trace_open(&opt, &t), CPN_OK);
    struct cpn_observer obs;
    cpn_trace_observer(t, &obs);
    CU_ASSERT_EQUAL(feed(&obs, 1, 0), CPN_OK);
    fp = fopen(r, "w");
    fclose(fp);
    CU_ASSERT_EQUAL(cpn_observe_end(&obs, 1, NULL), CPN_EOUTPUT);
    CU_ASSERT_TRUE(exists(tmp("race.h5.partial")));
    cpn_trace_free(t);
    unlink(r);
    unlink(tmp("race.h5.partial"));
}

static long file_bytes(const char *p, unsigned char **out)
{
    FILE *f = fopen(p, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    *out = malloc((size_t)n + 1);
    if (fread(*out, 1, (size_t)n, f) != (size_t)n)
        n = -1;
    fclose(f);
    return n;
}

static void test_same_records_give_byte_identical_files(void)
{
    const char *a = tmp("same1.h5"), *b = tmp("same2.h5");
    CU_ASSERT_EQUAL_FATAL(write_run(a, CPN_TRACE_FULL, 1, 4), CPN_OK);
    sleep(1); /* HDF5 object timestamps have a 1 s resolution: make them differ if written */
    CU_ASSERT_EQUAL_FATAL(write_run(b, CPN_TRACE_FULL, 1, 4), CPN_OK);
    unsigned char *x = NULL, *y = NULL;
    long nx = file_bytes(a, &x), ny = file_bytes(b, &y);
    CU_ASSERT(nx > 0);
    CU_ASSERT_EQUAL(nx, ny);
    CU_ASSERT(nx == ny && nx > 0 && memcmp(x, y, (size_t)nx) == 0);
    free(x);
    free(y);
}

/* CRC-32 (ISO 3309: reflected polynomial 0xEDB88320, initial and final value all ones) bit by
 * bit: the independent reference of the checksum that zlib computes for the writer. */
static uint32_t crc32_bitwise(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

static void write_bytes(const char *p, const unsigned char *b, long n)
{
    FILE *f = fopen(p, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fwrite(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
}

/* Every trace carries in its 512-byte user block the CRC-32 and the length of the bytes after
 * it (checked here bit by bit); a byte changed after the block, or a file cut short, is refused
 * by cpn_trace_check() and cpn_result_verify() with CPN_EIO before HDF5 reads it (HDF5 1.10
 * crashed, looped or read wrong values on such files); a user block without the checksum (a
 * trace of an older cpnsim) passes unchecked and the file reads as before. */
static void test_a_damaged_trace_is_refused_by_its_checksum(void)
{
    CU_ASSERT_EQUAL(crc32_bitwise((const unsigned char *)"123456789", 9), 0xCBF43926u);
    const char *p = tmp("sum.h5"), *q = tmp("sum-bad.h5");
    CU_ASSERT_EQUAL_FATAL(write_run(p, CPN_TRACE_FULL, 1, 4), CPN_OK);
    unsigned char *b = NULL;
    long n = file_bytes(p, &b);
    CU_ASSERT_FATAL(n > CPN_TRACE_USERBLOCK + 1000);
    char want[128];
    snprintf(want, sizeof want, "cpnsim-trace-checksum 1\ncrc32 %08x\nbytes %ld\n",
             (unsigned)crc32_bitwise(b + CPN_TRACE_USERBLOCK, (size_t)(n - CPN_TRACE_USERBLOCK)),
             n - CPN_TRACE_USERBLOCK);
    CU_ASSERT(memcmp(b, want, strlen(want)) == 0);
    CU_ASSERT(b[strlen(want)] == 0 && b[CPN_TRACE_USERBLOCK - 1] == 0);
    uint32_t crc = 0;
    uint64_t covered = 0;
    int has = 0;
    CU_ASSERT_EQUAL(cpn_trace_checksum(p, &has, &crc, &covered), CPN_OK);
    CU_ASSERT_EQUAL(has, 1);
    CU_ASSERT_EQUAL(crc, crc32_bitwise(b + CPN_TRACE_USERBLOCK, (size_t)(n - CPN_TRACE_USERBLOCK)));
    CU_ASSERT_EQUAL(covered, (uint64_t)(n - CPN_TRACE_USERBLOCK));
    CU_ASSERT_EQUAL(cpn_trace_check(p), CPN_OK);
    CU_ASSERT_EQUAL(cpn_result_verify(p), CPN_OK);
    b[n / 2] ^= 0x10; /* one bit, in the HDF5 data */
    write_bytes(q, b, n);
    CU_ASSERT_EQUAL(cpn_trace_check(q), CPN_EIO);
    CU_ASSERT(strstr(cpn_error_message(), "sum-bad.h5: damaged: its CRC-32 is") != NULL);
    CU_ASSERT_EQUAL(cpn_result_verify(q), CPN_EIO);
    b[n / 2] ^= 0x10;
    write_bytes(q, b, n - 100); /* cut short */
    CU_ASSERT_EQUAL(cpn_trace_check(q), CPN_EIO);
    snprintf(want, sizeof want,
             "damaged: %ld bytes after its checksum block, where cpnsim wrote %ld",
             n - 100 - CPN_TRACE_USERBLOCK, n - CPN_TRACE_USERBLOCK);
    CU_ASSERT(strstr(cpn_error_message(), want) != NULL);
    memset(b, 0, CPN_TRACE_USERBLOCK); /* no checksum: an older trace */
    write_bytes(q, b, n);
    CU_ASSERT_EQUAL(cpn_trace_checksum(q, &has, &crc, &covered), CPN_OK);
    CU_ASSERT_EQUAL(has, 0);
    CU_ASSERT_EQUAL(cpn_trace_check(q), CPN_OK);
    CU_ASSERT_EQUAL(cpn_result_verify(q), CPN_OK);
    CU_ASSERT_EQUAL(cpn_trace_check(tmp("no-such.h5")), CPN_ENOINPUT);
    CU_ASSERT_EQUAL(cpn_trace_checksum(tmp("no-such.h5"), &has, &crc, &covered), CPN_ENOINPUT);
    CU_ASSERT_EQUAL(cpn_trace_checksum(NULL, &has, &crc, &covered), CPN_EINVAL);
    free(b);
    unlink(q);
}

static void test_full_disk_is_reported_as_eio_naming_the_file(void)
{
    /* RLIMIT_FSIZE makes write(2) fail with EFBIG past 64 KiB, like a full disk; done in a
     * child process so that the limit cannot touch the test runner's log. */
    const char *p = tmp("full.h5");
    fflush(NULL); /* the child exits through exit(): do not print the runner's buffers twice */
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {64 * 1024, 64 * 1024};
        setrlimit(RLIMIT_FSIZE, &rl);
        struct cpn_trace *t = NULL;
        struct cpn_trace_options opt = {
            .path = p, .level = CPN_TRACE_FLOWS, .force = 1, .deflate = 0, .chunk_records = 256};
        if (cpn_trace_open(&opt, &t) != CPN_OK)
            _exit(10);
        struct cpn_observer obs;
        cpn_trace_observer(t, &obs);
        struct cpn_run_info in = info();
        int rc = cpn_observe_begin(&obs, &in);
        for (uint32_t i = 0; rc == CPN_OK && i < 100000; i++) {
            struct cpn_flow_record f = flow(i);
            rc = cpn_observe_flow_end(&obs, &f);
        }
        if (rc == CPN_OK)
            rc = cpn_observe_end(&obs, 1, NULL);
        int named = strstr(cpn_error_message(), "full.h5.partial") != NULL;
        /* Later calls keep failing with the same code. */
        struct cpn_flow_record f = flow(0);
        int again = cpn_observe_flow_end(&obs, &f);
        cpn_trace_free(t);
        /* Our handles are closed; HDF5 itself keeps the file it could not flush. */
        int closed = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_ATTR |
                                                       H5F_OBJ_DATATYPE) == 0;
        /* exit(), not _exit(): HDF5 must not crash at exit on the file it failed to close. */
        exit(rc == CPN_EIO && named && again == CPN_EIO && closed ? 0 : 20 + rc);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFEXITED(status));
    CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
    CU_ASSERT_FALSE(exists(p));
    unlink(tmp("full.h5.partial"));
}

static void test_trace_levels_choose_the_datasets(void)
{
    static const struct {
        enum cpn_trace_level level;
        long jobs, flows, events, series;
    } c[] = {{CPN_TRACE_SUMMARY, -1, -1, -1, -1},
             {CPN_TRACE_JOBS, N_JOBS, -1, -1, N_SAMPLES},
             {CPN_TRACE_FLOWS, N_JOBS, N_FLOWS, -1, N_SAMPLES},
             {CPN_TRACE_FULL, N_JOBS, N_FLOWS, 2, N_SAMPLES}};
    for (size_t i = 0; i < 4; i++) {
        const char *p = tmp("level.h5");
        CU_ASSERT_EQUAL_FATAL(write_run(p, c[i].level, 1, 0), CPN_OK);
        hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
        CU_ASSERT_EQUAL(rows(f, "jobs"), c[i].jobs);
        CU_ASSERT_EQUAL(rows(f, "flows"), c[i].flows);
        CU_ASSERT_EQUAL(rows(f, "events"), c[i].events);
        CU_ASSERT_EQUAL(H5Lexists(f, "series", H5P_DEFAULT) > 0 ? rows(f, "series/time") : -1,
                        c[i].series);
        CU_ASSERT(rows(f, "summary") > 10);
        CU_ASSERT_EQUAL(rows(f, "centers"), 2);
        H5Fclose(f);
        unlink(p);
    }
    enum cpn_trace_level l;
    CU_ASSERT_EQUAL(cpn_trace_level_parse("flows", &l), CPN_OK);
    CU_ASSERT_EQUAL(l, CPN_TRACE_FLOWS);
    CU_ASSERT_EQUAL(cpn_trace_level_parse("everything", &l), CPN_EINVAL);
    CU_ASSERT_STRING_EQUAL(cpn_trace_level_name(CPN_TRACE_FULL), "full");
    CU_ASSERT_STRING_EQUAL(cpn_trace_level_name((enum cpn_trace_level)9), "?");
}

static void test_invalid_calls_are_refused(void)
{
    struct cpn_trace *t = NULL;
    struct cpn_trace_options opt = {.path = NULL, .deflate = -1};
    CU_ASSERT_EQUAL(cpn_trace_open(&opt, &t), CPN_EINVAL);
    opt.path = tmp("bad.h5");
    opt.deflate = 10;
    CU_ASSERT_EQUAL(cpn_trace_open(&opt, &t), CPN_EINVAL);
    opt.deflate = -1;
    opt.path = "/nonexistent-dir/x.h5";
    CU_ASSERT_EQUAL(cpn_trace_open(&opt, &t), CPN_EOUTPUT);
    opt.path = tmp("bad.h5");
    opt.level = CPN_TRACE_FULL;
    CU_ASSERT_EQUAL_FATAL(cpn_trace_open(&opt, &t), CPN_OK);
    struct cpn_observer obs;
    cpn_trace_observer(t, &obs);
    struct cpn_flow_record f = flow(1);
    CU_ASSERT_EQUAL(cpn_observe_flow_end(&obs, &f), CPN_ESTATE); /* before begin */
    struct cpn_run_info in = info();
    CU_ASSERT_EQUAL(cpn_observe_begin(&obs, &in), CPN_OK);
    CU_ASSERT_EQUAL(cpn_observe_begin(&obs, &in), CPN_ESTATE);
    float lu[3] = {0}, cu[2] = {0};
    float pu[3] = {0};
    CU_ASSERT_EQUAL(cpn_observe_sample(&obs, 0, lu, 3, cu, 2, pu, 3), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_observe_sample(&obs, 0, lu, 4, cu, 2, pu, 2), CPN_EINVAL); /* pools */
    struct cpn_job_record j = job(0);
    j.kind = 3;
    CU_ASSERT_EQUAL(cpn_observe_job_end(&obs, &j), CPN_EINVAL);
    struct cpn_event_record e = {.time = 0, .kind = CPN_EVENT_NKINDS};
    CU_ASSERT_EQUAL(cpn_observe_event(&obs, &e), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_observe_end(&obs, 1, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_observe_end(&obs, 1, NULL), CPN_ESTATE);
    CU_ASSERT_EQUAL(cpn_observe_flow_end(&obs, &f), CPN_ESTATE); /* after end */
    cpn_trace_free(t);
    unlink(tmp("bad.h5"));

    /* Duplicate job kind names cannot form the HDF5 enum. */
    static const char *const dup[] = {"batch", "batch"};
    opt.path = tmp("dup.h5");
    CU_ASSERT_EQUAL_FATAL(cpn_trace_open(&opt, &t), CPN_OK);
    cpn_trace_observer(t, &obs);
    in.job_kinds = dup;
    in.n_job_kinds = 2;
    CU_ASSERT_EQUAL(cpn_observe_begin(&obs, &in), CPN_EINVAL);
    cpn_trace_free(t);
    unlink(tmp("dup.h5.partial"));
    CU_ASSERT_EQUAL(open_ids(), 0); /* error paths close their handles too */
}

static void test_sha256_of_empty_and_abc_match_fips_180(void)
{
    char hex[65];
    cpn_sha256_hex(NULL, 0, hex); /* FIPS 180-4 examples / NIST CAVP: SHA-256("") */
    CU_ASSERT_STRING_EQUAL(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cpn_sha256_hex("abc", 3, hex);
    CU_ASSERT_STRING_EQUAL(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_python_h5py_snippet_of_the_docs_reads_the_file(void)
{
    if (system("python3 -c 'import h5py, pandas' >/dev/null 2>&1") != 0) {
        cpn_test_skip("python3 with h5py and pandas not installed");
        return;
    }
    const char *p = tmp("py.h5");
    CU_ASSERT_EQUAL_FATAL(write_run(p, CPN_TRACE_FULL, 1, 0), CPN_OK);
    /* The snippet of docs/output-format.md, "Reading it from Python". */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "python3 -c '\n"
             "import h5py, pandas as pd\n"
             "with h5py.File(\"%s\", \"r\") as f:\n"
             "    assert f.attrs[\"complete\"] == 1\n"
             "    flows = pd.DataFrame(f[\"flows\"][()])\n"
             "    units = {k[6:]: v for k, v in f[\"flows\"].attrs.items() if "
             "k.startswith(\"units:\")}\n"
             "    summary = {r[\"metric\"].decode(): r[\"value\"] for r in f[\"summary\"][()]}\n"
             "assert len(flows) == %d and units[\"mean_rate\"] == \"B/s\"\n"
             "assert summary[\"net.flows\"] == %d\n'",
             p, N_FLOWS, N_FLOWS);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static int suite_init(void)
{
    cpn_h5_quiet(); /* before any other HDF5 call, as the program does (see h5util.h) */
    snprintf(dir, sizeof dir, "/tmp/cpn-trace-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int suite_clean(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int cpn_test_register_trace(void)
{
    CU_pSuite s = CU_add_suite("trace", suite_init, suite_clean);
    if (!s ||
        !CU_add_test(s, "records written through the observer read back equal with the HDF5 API",
                     test_records_read_back_equal_with_the_hdf5_api) ||
        !CU_add_test(s, "h5dump reads the unit attributes, enum names and records",
                     test_h5dump_reads_units_enums_and_records) ||
        !CU_add_test(s, "an interrupted run leaves OUT.partial readable with complete = 0",
                     test_interrupted_run_leaves_readable_partial_file_with_complete_0) ||
        !CU_add_test(s,
                     "freeing the writer without end also leaves a readable partial file (before "
                     "begin: none)",
                     test_free_without_end_also_leaves_a_readable_partial_file) ||
        !CU_add_test(s, "an existing output is never overwritten without force",
                     test_existing_output_is_not_overwritten_without_force) ||
        !CU_add_test(s, "the same records give byte-identical files",
                     test_same_records_give_byte_identical_files) ||
        !CU_add_test(s, "a full disk is reported as CPN_EIO naming the file",
                     test_full_disk_is_reported_as_eio_naming_the_file) ||
        !CU_add_test(s, "trace levels choose the datasets",
                     test_trace_levels_choose_the_datasets) ||
        !CU_add_test(s, "invalid calls are refused with their documented codes",
                     test_invalid_calls_are_refused) ||
        !CU_add_test(s, "a damaged trace is refused by its checksum before HDF5 reads it",
                     test_a_damaged_trace_is_refused_by_its_checksum) ||
        !CU_add_test(s, "SHA-256 of \"\" and \"abc\" match FIPS 180",
                     test_sha256_of_empty_and_abc_match_fips_180) ||
        !CU_add_test(s, "the Python snippet of the docs reads the file (h5py, pandas)",
                     test_python_h5py_snippet_of_the_docs_reads_the_file))
        return CU_get_error();
    return CUE_SUCCESS;
}
