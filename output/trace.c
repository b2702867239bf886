/*
 * The HDF5 trace writer (output/trace.h; layout in docs/output-format.md).
 *
 * Record tables are 1-D extendible compound datasets, chunked (chunk = chunk_records rows),
 * shuffled and deflated; rows are buffered in memory and appended one chunk per H5Dwrite.
 * The in-memory record structs of models/observer.h are the HDF5 memory types (HOFFSET); the
 * file types are the same compounds packed, so the flow table (no padding) needs no conversion.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <pthread.h>
#include <signal.h>
#include <nettle/sha2.h>
#include <zlib.h>

#include "output/trace.h"
#include "output/atomic.h"
#include "output/h5util.h"
#include "sim/array.h"

/* Field types of a record table. */
enum ftype { F_F64, F_F32, F_U64, F_U32, F_U8, F_I8, F_KIND, F_STATE, F_EVENT, F_VSTR };

struct field {
    const char *name; /* on disk */
    size_t offset;    /* in the memory struct */
    enum ftype type;
    const char *unit; /* "" for indices, enums and text */
};

/* The row of /events in memory: the detail string points into the trace's arena at flush. */
struct event_row {
    double time;
    uint32_t subject;
    uint8_t kind;
    const char *detail;
};

#define FIELD(s, m, t, u)                                                                          \
    {                                                                                              \
#m, offsetof(struct s, m), t, u                                                            \
    }

static const struct field job_fields[] = {
    FIELD(cpn_job_record, submit, F_F64, "s"),    FIELD(cpn_job_record, start, F_F64, "s"),
    FIELD(cpn_job_record, end, F_F64, "s"),       FIELD(cpn_job_record, wait, F_F64, "s"),
    FIELD(cpn_job_record, bytes_in, F_F64, "B"),  FIELD(cpn_job_record, bytes_out, F_F64, "B"),
    FIELD(cpn_job_record, staleness, F_F64, "s"), FIELD(cpn_job_record, ideal_transfer, F_F64, "s"),
    FIELD(cpn_job_record, id, F_U32, ""),         FIELD(cpn_job_record, origin, F_U32, ""),
    FIELD(cpn_job_record, center, F_U32, ""),     FIELD(cpn_job_record, units, F_U32, "1"),
    FIELD(cpn_job_record, kind, F_KIND, ""),      FIELD(cpn_job_record, state, F_STATE, ""),
    FIELD(cpn_job_record, slo_met, F_I8, ""),
};

static const struct field flow_fields[] = {
    FIELD(cpn_flow_record, start, F_F64, "s"),
    FIELD(cpn_flow_record, end, F_F64, "s"),
    FIELD(cpn_flow_record, bytes, F_F64, "B"),
    FIELD(cpn_flow_record, id, F_U64, ""),
    FIELD(cpn_flow_record, job, F_U32, ""),
    FIELD(cpn_flow_record, src, F_U32, ""),
    FIELD(cpn_flow_record, dst, F_U32, ""),
    FIELD(cpn_flow_record, path, F_U32, ""),
    {"class", offsetof(struct cpn_flow_record, klass), F_U32, ""},
    FIELD(cpn_flow_record, mean_rate, F_F32, "B/s"),
};

static const struct field request_fields[] = {
    FIELD(cpn_request_record, time, F_F64, "s"),  FIELD(cpn_request_record, latency, F_F64, "s"),
    FIELD(cpn_request_record, job, F_U32, ""),    FIELD(cpn_request_record, source, F_U32, ""),
    FIELD(cpn_request_record, slo_met, F_I8, ""),
};

static const struct field compute_fields[] = {
    FIELD(cpn_compute_record, ideal, F_F64, "s"),
    FIELD(cpn_compute_record, actual, F_F64, "s"),
    FIELD(cpn_compute_record, efficiency, F_F64, "1"),
    FIELD(cpn_compute_record, iter_mean, F_F64, "s"),
    FIELD(cpn_compute_record, iter_p95, F_F64, "s"),
    FIELD(cpn_compute_record, exposed, F_F64, "1"),
    FIELD(cpn_compute_record, convergence, F_F64, "1"),
    FIELD(cpn_compute_record, iterations, F_U64, "1"),
    FIELD(cpn_compute_record, job, F_U32, ""),
    FIELD(cpn_compute_record, centers, F_U32, "1"),
    FIELD(cpn_compute_record, streamed, F_U8, ""),
    FIELD(cpn_compute_record, killed, F_U8, ""),
};

static const struct field event_fields[] = {
    FIELD(event_row, time, F_F64, "s"),
    FIELD(event_row, kind, F_EVENT, ""),
    FIELD(event_row, subject, F_U32, ""),
    FIELD(event_row, detail, F_VSTR, ""),
};

#define NFIELDS(a) (sizeof a / sizeof a[0])

static const char *const state_names[CPN_JOB_NSTATES] = {"done", "rejected", "failed"};
static const char *const event_names[CPN_EVENT_NKINDS] = {
    "decision", "link_down", "link_up", "center_down", "center_up", "reroute", "requeue", "other"};
static const char *const level_names[CPN_TRACE_NLEVELS] = {"summary", "jobs", "flows", "full"};

/* Chunks queued for the writer thread at most; a full queue makes the run wait (back-pressure). */
#define TRACE_QUEUE 8

/* An appendable record table.  Full buffers go to the writer thread; the ones it has written
 * come back as spares (at most TRACE_QUEUE + 1 buffers per table exist). */
struct table {
    hid_t dset, memtype;
    size_t rec_size, n_buf;
    hsize_t n_written;
    unsigned char *buf;
    unsigned char *spare[TRACE_QUEUE + 1];
    size_t n_spare;
};

/* One chunk of records for the writer thread. */
struct wjob {
    struct table *tab;
    unsigned char *buf;
    hsize_t start, count;
};

struct cpn_trace {
    char *path, *partial, *lock; /* PATH, PATH.partial, PATH.lock */
    int lock_fd;                 /* holds an exclusive flock on PATH.lock, or -1 */
    const char *where;           /* path or partial: where the file is now */
    enum cpn_trace_level level;
    int force, deflate;
    size_t chunk, n_kinds;
    hid_t file;
    int begun, ended, failed;
    int measured;                     /* measures given (cpn_trace_set_measures) */
    struct cpn_run_measures measures; /* written at end() */
    struct cpn_summary *summary;
    struct cpn_observer sobs;
    hid_t kind_type, state_type, event_type;
    struct table jobs, flows, requests, events, compute;
    CPN_ARRAY(char) arena; /* event details of the buffered events */
    size_t *detail_off;
    /* series */
    hid_t s_time, s_link, s_center, s_pool;
    size_t n_link_dirs, n_centers, n_pools, s_rows, s_buf;
    hsize_t s_written;
    double *s_tbuf;
    float *s_lbuf, *s_cbuf, *s_pbuf;
    /* The writer thread: compression and H5Dwrite of full record chunks run there, beside the
     * simulation.  The HDF5 library (serial build) is only ever entered by one thread at a
     * time: the main thread calls it only while the queue is drained and the writer idle. */
    int writer_on;
    pthread_t writer;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    struct wjob q[TRACE_QUEUE];
    size_t q_head, q_len;
    int w_busy, w_stop, w_failed;
    char w_msg[512];
};

/* ---- errors ------------------------------------------------------------------------------- */

/* Raise CPN_EIO with HDF5's own message; touches nothing of @p t (the writer thread calls it). */
static int h5error(const struct cpn_trace *t, const char *what)
{
    char msg[512];
    cpn_h5_error_text(msg, sizeof msg);
    return CPN_ERROR(CPN_EIO, "%s: cannot %s: %s", t->where, what, msg);
}

/* As h5error(), and mark the trace failed (main thread only). */
static int h5fail(struct cpn_trace *t, const char *what)
{
    t->failed = CPN_EIO;
    return h5error(t, what);
}

/* ---- small HDF5 helpers -------------------------------------------------------------------- */

static hid_t enum_type(const char *const *names, size_t n)
{
    if (n == 0) /* HDF5 refuses an enum without members */
        return H5Tcopy(H5T_NATIVE_UINT8);
    hid_t e = H5Tenum_create(H5T_NATIVE_UINT8);
    for (size_t i = 0; e >= 0 && i < n; i++) {
        uint8_t v = (uint8_t)i;
        if (H5Tenum_insert(e, names[i], &v) < 0) {
            H5Tclose(e);
            e = H5I_INVALID_HID;
        }
    }
    return e;
}

static hid_t member_type(const struct cpn_trace *t, enum ftype ft)
{
    switch (ft) {
    case F_F64:
        return H5T_NATIVE_DOUBLE;
    case F_F32:
        return H5T_NATIVE_FLOAT;
    case F_U64:
        return H5T_NATIVE_UINT64;
    case F_U32:
        return H5T_NATIVE_UINT32;
    case F_U8:
        return H5T_NATIVE_UINT8;
    case F_I8:
        return H5T_NATIVE_INT8;
    case F_KIND:
        return t->kind_type;
    case F_STATE:
        return t->state_type;
    case F_EVENT:
        return t->event_type;
    case F_VSTR:
        return cpn_h5_vstr_type();
    }
    return H5I_INVALID_HID;
}

static hid_t compound_type(const struct cpn_trace *t, const struct field *f, size_t nf, size_t size)
{
    hid_t c = H5Tcreate(H5T_COMPOUND, size);
    for (size_t i = 0; c >= 0 && i < nf; i++) {
        hid_t m = member_type(t, f[i].type);
        herr_t e = m < 0 ? -1 : H5Tinsert(c, f[i].name, f[i].offset, m);
        if (f[i].type == F_VSTR && m >= 0)
            H5Tclose(m);
        if (e < 0) {
            H5Tclose(c);
            c = H5I_INVALID_HID;
        }
    }
    return c;
}

/* Dataset creation properties: no timestamps (byte-identical files), optional chunking and
 * compression. */
static hid_t make_dcpl(const struct cpn_trace *t, int rank, const hsize_t *chunk)
{
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    if (p < 0)
        return p;
    herr_t e = H5Pset_obj_track_times(p, 0);
    if (e >= 0 && chunk) {
        e = H5Pset_chunk(p, rank, chunk);
        if (e >= 0 && t->deflate > 0)
            e = H5Pset_shuffle(p);
        if (e >= 0 && t->deflate > 0)
            e = H5Pset_deflate(p, (unsigned)t->deflate);
    }
    if (e < 0) {
        H5Pclose(p);
        return H5I_INVALID_HID;
    }
    return p;
}

static int write_units(hid_t obj, const struct field *f, size_t nf)
{
    char name[96];
    for (size_t i = 0; i < nf; i++) {
        snprintf(name, sizeof name, "units:%s", f[i].name);
        if (cpn_h5_attr_str(obj, name, f[i].unit) < 0)
            return -1;
    }
    return 0;
}

/* ---- record tables -------------------------------------------------------------------------- */

static int table_create(struct cpn_trace *t, struct table *tab, const char *name,
                        const struct field *f, size_t nf, size_t rec_size)
{
    hsize_t dims = 0, maxdims = H5S_UNLIMITED, chunk = t->chunk;
    hid_t ftype = H5I_INVALID_HID, space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
    hid_t dapl = H5I_INVALID_HID;
    tab->rec_size = rec_size;
    tab->dset = tab->memtype = H5I_INVALID_HID;
    tab->buf = malloc(t->chunk * rec_size);
    if (!tab->buf)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    int rc = CPN_OK;
    tab->memtype = compound_type(t, f, nf, rec_size);
    if (tab->memtype < 0 || (ftype = H5Tcopy(tab->memtype)) < 0 || H5Tpack(ftype) < 0 ||
        (space = H5Screate_simple(1, &dims, &maxdims)) < 0 ||
        (dcpl = make_dcpl(t, 1, &chunk)) < 0 || (dapl = H5Pcreate(H5P_DATASET_ACCESS)) < 0 ||
        /* No chunk cache: records are appended a whole chunk at a time and never read back, so
         * each chunk is compressed and written in its H5Dwrite (on the writer thread) instead of
         * waiting in the cache until evicted, and the close has no dirty chunks to compress on
         * the main thread after the run (HDF5 User's Guide, "Chunking in HDF5": a chunk larger
         * than the cache bypasses it). */
        H5Pset_chunk_cache(dapl, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0, H5D_CHUNK_CACHE_W0_DEFAULT) <
            0 ||
        (tab->dset = H5Dcreate2(t->file, name, ftype, space, H5P_DEFAULT, dcpl, dapl)) < 0 ||
        write_units(tab->dset, f, nf) < 0)
        rc = h5fail(t, "create a record table");
    if (ftype >= 0)
        H5Tclose(ftype);
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (dapl >= 0)
        H5Pclose(dapl);
    return rc;
}

/* Append @p count records of @p buf at row @p start (HDF5 calls; one thread at a time). */
static int table_write(struct cpn_trace *t, struct table *tab, const unsigned char *buf,
                       hsize_t start, hsize_t count)
{
    hsize_t total = start + count;
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    int rc = CPN_OK;
    if (H5Dset_extent(tab->dset, &total) < 0 || (fspace = H5Dget_space(tab->dset)) < 0 ||
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0 ||
        (mspace = H5Screate_simple(1, &count, NULL)) < 0 ||
        H5Dwrite(tab->dset, tab->memtype, mspace, fspace, H5P_DEFAULT, buf) < 0)
        rc = h5error(t, "append records");
    if (fspace >= 0)
        H5Sclose(fspace);
    if (mspace >= 0)
        H5Sclose(mspace);
    return rc;
}

static void *writer_main(void *arg)
{
    struct cpn_trace *t = arg;
    pthread_mutex_lock(&t->mu);
    for (;;) {
        while (t->q_len == 0 && !t->w_stop)
            pthread_cond_wait(&t->cv_work, &t->mu);
        if (t->q_len == 0)
            break;
        struct wjob j = t->q[t->q_head];
        t->q_head = (t->q_head + 1) % TRACE_QUEUE;
        t->q_len--;
        t->w_busy = 1;
        int skip = t->w_failed;
        pthread_mutex_unlock(&t->mu);
        int rc = skip ? CPN_OK : table_write(t, j.tab, j.buf, j.start, j.count);
        pthread_mutex_lock(&t->mu);
        if (rc != CPN_OK && !t->w_failed) {
            t->w_failed = rc;
            snprintf(t->w_msg, sizeof t->w_msg, "%s", cpn_error_message());
        }
        j.tab->spare[j.tab->n_spare++] = j.buf;
        t->w_busy = 0;
        pthread_cond_broadcast(&t->cv_done);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

/* Report a failure of the writer thread in this thread (its message is thread-local there). */
static int writer_failed(struct cpn_trace *t)
{
    t->failed = t->w_failed;
    return CPN_ERROR(t->w_failed, "%s", t->w_msg);
}

/* Wait until the writer has written every queued chunk; then the main thread may call HDF5. */
static int writer_drain(struct cpn_trace *t)
{
    if (!t->writer_on)
        return CPN_OK;
    pthread_mutex_lock(&t->mu);
    while (t->q_len > 0 || t->w_busy)
        pthread_cond_wait(&t->cv_done, &t->mu);
    int failed = t->w_failed;
    pthread_mutex_unlock(&t->mu);
    return failed ? writer_failed(t) : CPN_OK;
}

/* Drain and end the writer thread (idempotent). */
static int writer_stop(struct cpn_trace *t)
{
    if (!t->writer_on)
        return CPN_OK;
    int rc = writer_drain(t);
    pthread_mutex_lock(&t->mu);
    t->w_stop = 1;
    pthread_cond_signal(&t->cv_work);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->writer, NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv_work);
    pthread_cond_destroy(&t->cv_done);
    t->writer_on = 0;
    return rc;
}

/* Start the writer thread with every signal blocked (signals stay with the main thread).  When
 * no thread can be made, the writes stay synchronous. */
static void writer_start(struct cpn_trace *t)
{
    if (pthread_mutex_init(&t->mu, NULL) != 0)
        return;
    if (pthread_cond_init(&t->cv_work, NULL) != 0) {
        pthread_mutex_destroy(&t->mu);
        return;
    }
    if (pthread_cond_init(&t->cv_done, NULL) != 0) {
        pthread_cond_destroy(&t->cv_work);
        pthread_mutex_destroy(&t->mu);
        return;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    t->writer_on = pthread_create(&t->writer, NULL, writer_main, t) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!t->writer_on) {
        pthread_cond_destroy(&t->cv_done);
        pthread_cond_destroy(&t->cv_work);
        pthread_mutex_destroy(&t->mu);
    }
}

/* Write the buffered records of @p tab: queued to the writer thread when it runs, else now. */
static int table_flush(struct cpn_trace *t, struct table *tab)
{
    if (tab->n_buf == 0 || tab->dset < 0)
        return CPN_OK;
    hsize_t start = tab->n_written, count = tab->n_buf;
    tab->n_buf = 0;
    tab->n_written = start + count;
    if (!t->writer_on) {
        int rc = table_write(t, tab, tab->buf, start, count);
        if (rc != CPN_OK)
            t->failed = rc;
        return rc;
    }
    pthread_mutex_lock(&t->mu);
    while (t->q_len == TRACE_QUEUE && !t->w_failed)
        pthread_cond_wait(&t->cv_done, &t->mu);
    if (t->w_failed) {
        pthread_mutex_unlock(&t->mu);
        return writer_failed(t);
    }
    t->q[(t->q_head + t->q_len++) % TRACE_QUEUE] = (struct wjob){tab, tab->buf, start, count};
    unsigned char *next = tab->n_spare ? tab->spare[--tab->n_spare] : NULL;
    pthread_cond_signal(&t->cv_work);
    pthread_mutex_unlock(&t->mu);
    tab->buf = next ? next : malloc(t->chunk * tab->rec_size);
    return tab->buf ? CPN_OK : CPN_ERROR(CPN_ENOMEM, NULL);
}

static int table_append(struct cpn_trace *t, struct table *tab, const void *rec)
{
    memcpy(tab->buf + tab->n_buf * tab->rec_size, rec, tab->rec_size);
    if (++tab->n_buf == t->chunk)
        return table_flush(t, tab);
    return CPN_OK;
}

static void table_close(struct table *tab)
{
    if (tab->dset > 0)
        H5Dclose(tab->dset);
    if (tab->memtype > 0)
        H5Tclose(tab->memtype);
    tab->dset = tab->memtype = H5I_INVALID_HID;
    free(tab->buf);
    tab->buf = NULL;
    for (size_t i = 0; i < tab->n_spare; i++)
        free(tab->spare[i]);
    tab->n_spare = 0;
}

/* ---- static tables ----------------------------------------------------------------------------
 */

/* A column of a static table: F_F64, F_U32 or a fixed string (F_VSTR here means "fixed string
 * of width `width`"); offsets are packed. */
struct col {
    const char *name;
    enum ftype type;
    const char *unit;
    size_t width, offset;
};

static size_t layout(struct col *c, size_t nc)
{
    size_t off = 0;
    for (size_t i = 0; i < nc; i++) {
        c[i].offset = off;
        off += c[i].type == F_F64 ? 8 : c[i].type == F_U32 ? 4 : c[i].width;
    }
    return off;
}

static size_t max_len(const void *base, size_t stride, size_t n, size_t member)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = *(const char *const *)((const char *)base + i * stride + member);
        size_t l = s ? strlen(s) : 0;
        m = l > m ? l : m;
    }
    return m + 1;
}

static void put_str(unsigned char *p, const char *s, size_t width)
{
    memset(p, 0, width);
    if (s)
        memcpy(p, s, strnlen(s, width - 1));
}

/* Write a static table of @p n rows from a packed buffer. */
static int write_static(struct cpn_trace *t, const char *name, struct col *c, size_t nc,
                        size_t size, size_t n, const void *buf)
{
    hid_t type = H5Tcreate(H5T_COMPOUND, size), space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
    hid_t dset = H5I_INVALID_HID;
    hsize_t dims = n;
    int ok = type >= 0;
    for (size_t i = 0; ok && i < nc; i++) {
        hid_t m = c[i].type == F_F64   ? H5T_NATIVE_DOUBLE
                  : c[i].type == F_U32 ? H5T_NATIVE_UINT32
                                       : cpn_h5_str_type(c[i].width);
        ok = m >= 0 && H5Tinsert(type, c[i].name, c[i].offset, m) >= 0;
        if (c[i].type == F_VSTR && m >= 0)
            H5Tclose(m);
    }
    ok = ok && (space = H5Screate_simple(1, &dims, NULL)) >= 0 &&
         (dcpl = make_dcpl(t, 1, NULL)) >= 0 &&
         (dset = H5Dcreate2(t->file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) >= 0 &&
         (n == 0 || H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    char an[96];
    for (size_t i = 0; ok && i < nc; i++) {
        snprintf(an, sizeof an, "units:%s", c[i].name);
        ok = cpn_h5_attr_str(dset, an, c[i].unit) >= 0;
    }
    if (dset >= 0)
        H5Dclose(dset);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return ok ? CPN_OK : h5fail(t, "write a static table");
}

#define ROW(buf, size, r, col) ((buf) + (r) * (size) + (col).offset)

static void put_f64(unsigned char *p, double v)
{
    memcpy(p, &v, sizeof v);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, sizeof v);
}

static int write_nodes(struct cpn_trace *t, const struct cpn_run_info *in)
{
    struct col c[] = {
        {"id", F_VSTR, "",
         max_len(in->nodes, sizeof *in->nodes, in->n_nodes, offsetof(struct cpn_run_node, id)), 0},
        {"lat", F_F64, "degree", 0, 0},
        {"lon", F_F64, "degree", 0, 0}};
    size_t size = layout(c, 3), n = in->n_nodes;
    unsigned char *buf = calloc(n ? n : 1, size);
    if (!buf)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t r = 0; r < n; r++) {
        put_str(ROW(buf, size, r, c[0]), in->nodes[r].id, c[0].width);
        put_f64(ROW(buf, size, r, c[1]), in->nodes[r].lat);
        put_f64(ROW(buf, size, r, c[2]), in->nodes[r].lon);
    }
    int rc = write_static(t, "nodes", c, 3, size, n, buf);
    free(buf);
    return rc;
}

static int write_links(struct cpn_trace *t, const struct cpn_run_info *in)
{
    const size_t st = sizeof *in->links;
    struct col c[] = {{"id", F_VSTR, "",
                       max_len(in->links, st, in->n_links, offsetof(struct cpn_run_link, id)), 0},
                      {"kind", F_VSTR, "",
                       max_len(in->links, st, in->n_links, offsetof(struct cpn_run_link, kind)), 0},
                      {"a", F_U32, "", 0, 0},
                      {"b", F_U32, "", 0, 0},
                      {"capacity", F_F64, "B/s", 0, 0},
                      {"latency", F_F64, "s", 0, 0}};
    size_t size = layout(c, 6), n = in->n_links;
    unsigned char *buf = calloc(n ? n : 1, size);
    if (!buf)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t r = 0; r < n; r++) {
        const struct cpn_run_link *l = &in->links[r];
        put_str(ROW(buf, size, r, c[0]), l->id, c[0].width);
        put_str(ROW(buf, size, r, c[1]), l->kind, c[1].width);
        put_u32(ROW(buf, size, r, c[2]), l->a);
        put_u32(ROW(buf, size, r, c[3]), l->b);
        put_f64(ROW(buf, size, r, c[4]), l->capacity);
        put_f64(ROW(buf, size, r, c[5]), l->latency);
    }
    int rc = write_static(t, "links", c, 6, size, n, buf);
    free(buf);
    return rc;
}

static int write_centers(struct cpn_trace *t, const struct cpn_run_info *in)
{
    const size_t st = sizeof *in->centers;
    struct col c[] = {
        {"id", F_VSTR, "",
         max_len(in->centers, st, in->n_centers, offsetof(struct cpn_run_center, id)), 0},
        {"kind", F_VSTR, "",
         max_len(in->centers, st, in->n_centers, offsetof(struct cpn_run_center, kind)), 0},
        {"node", F_U32, "", 0, 0},
        {"units", F_U32, "1", 0, 0},
        {"pue", F_F64, "1", 0, 0}};
    size_t size = layout(c, 5), n = in->n_centers;
    unsigned char *buf = calloc(n ? n : 1, size);
    if (!buf)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t r = 0; r < n; r++) {
        const struct cpn_run_center *x = &in->centers[r];
        put_str(ROW(buf, size, r, c[0]), x->id, c[0].width);
        put_str(ROW(buf, size, r, c[1]), x->kind, c[1].width);
        put_u32(ROW(buf, size, r, c[2]), x->node);
        put_u32(ROW(buf, size, r, c[3]), x->units);
        put_f64(ROW(buf, size, r, c[4]), x->pue);
    }
    int rc = write_static(t, "centers", c, 5, size, n, buf);
    free(buf);
    if (rc != CPN_OK)
        return rc;
    struct col p[] = {{"center", F_U32, "", 0, 0},           {"units", F_U32, "1", 0, 0},
                      {"unit_flops", F_F64, "FLOP/s", 0, 0}, {"unit_memory", F_F64, "B", 0, 0},
                      {"idle_power", F_F64, "W", 0, 0},      {"peak_power", F_F64, "W", 0, 0}};
    size = layout(p, 6);
    n = in->n_pools;
    if (!(buf = calloc(n ? n : 1, size)))
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t r = 0; r < n; r++) {
        const struct cpn_run_pool *x = &in->pools[r];
        put_u32(ROW(buf, size, r, p[0]), x->center);
        put_u32(ROW(buf, size, r, p[1]), x->units);
        put_f64(ROW(buf, size, r, p[2]), x->unit_flops);
        put_f64(ROW(buf, size, r, p[3]), x->unit_memory);
        put_f64(ROW(buf, size, r, p[4]), x->idle_power);
        put_f64(ROW(buf, size, r, p[5]), x->peak_power);
    }
    rc = write_static(t, "pools", p, 6, size, n, buf);
    free(buf);
    return rc;
}

static int write_summary(struct cpn_trace *t)
{
    const struct cpn_metric *m;
    size_t n;
    int rc = cpn_summary_metrics(t->summary, &m, &n);
    if (rc != CPN_OK)
        return rc;
    struct col c[] = {
        {"metric", F_VSTR, "", max_len(m, sizeof *m, n, offsetof(struct cpn_metric, name)), 0},
        {"value", F_F64, "see field unit", 0, 0},
        {"unit", F_VSTR, "", max_len(m, sizeof *m, n, offsetof(struct cpn_metric, unit)), 0}};
    size_t size = layout(c, 3);
    unsigned char *buf = calloc(n ? n : 1, size);
    if (!buf)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t r = 0; r < n; r++) {
        put_str(ROW(buf, size, r, c[0]), m[r].name, c[0].width);
        put_f64(ROW(buf, size, r, c[1]), m[r].value);
        put_str(ROW(buf, size, r, c[2]), m[r].unit, c[2].width);
    }
    rc = write_static(t, "summary", c, 3, size, n, buf);
    free(buf);
    return rc;
}

/* ---- series -----------------------------------------------------------------------------------
 */

static hid_t series_create(struct cpn_trace *t, hid_t group, const char *name, size_t cols,
                           const char *unit, const char *doc)
{
    hsize_t dims[2] = {0, cols}, maxdims[2] = {H5S_UNLIMITED, cols}, chunk[2] = {t->s_rows, cols};
    int rank = cols ? 2 : 1;
    hid_t type = cols ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
    if (!cols)
        chunk[0] = t->s_rows;
    hid_t space = H5Screate_simple(rank, dims, maxdims);
    hid_t dcpl = make_dcpl(t, rank, chunk);
    hid_t d = H5I_INVALID_HID;
    if (space >= 0 && dcpl >= 0)
        d = H5Dcreate2(group, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d >= 0 &&
        (cpn_h5_attr_str(d, "units", unit) < 0 || cpn_h5_attr_str(d, "columns", doc) < 0)) {
        H5Dclose(d);
        d = H5I_INVALID_HID;
    }
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    return d;
}

static int series_begin(struct cpn_trace *t)
{
    size_t widest = t->n_link_dirs > t->n_centers ? t->n_link_dirs : t->n_centers;
    widest = t->n_pools > widest ? t->n_pools : widest;
    /* About 256 KiB per chunk of the widest matrix, at most chunk_records rows. */
    size_t rows = widest ? (256u * 1024u) / (4 * widest) : t->chunk;
    t->s_rows = rows < 1 ? 1 : rows > t->chunk ? t->chunk : rows;
    t->s_tbuf = malloc(t->s_rows * sizeof *t->s_tbuf);
    t->s_lbuf = malloc(t->s_rows * (t->n_link_dirs ? t->n_link_dirs : 1) * sizeof *t->s_lbuf);
    t->s_cbuf = malloc(t->s_rows * (t->n_centers ? t->n_centers : 1) * sizeof *t->s_cbuf);
    t->s_pbuf = malloc(t->s_rows * (t->n_pools ? t->n_pools : 1) * sizeof *t->s_pbuf);
    if (!t->s_tbuf || !t->s_lbuf || !t->s_cbuf || !t->s_pbuf)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    hid_t g = H5I_INVALID_HID;
    if (gcpl >= 0 && H5Pset_obj_track_times(gcpl, 0) >= 0)
        g = H5Gcreate2(t->file, "series", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (gcpl >= 0)
        H5Pclose(gcpl);
    if (g < 0)
        return h5fail(t, "create /series");
    t->s_time = series_create(t, g, "time", 0, "s", "sample time");
    if (t->n_link_dirs)
        t->s_link =
            series_create(t, g, "link_util", t->n_link_dirs, "1",
                          "link i direction a->b at column 2i, b->a at 2i+1 (/links row i)");
    if (t->n_centers)
        t->s_center = series_create(t, g, "center_util", t->n_centers, "1",
                                    "center j at column j (/centers row j): busy units / units");
    if (t->n_pools)
        t->s_pool = series_create(t, g, "pool_util", t->n_pools, "1",
                                  "pool k at column k (/pools row k): busy units / units");
    H5Gclose(g);
    if (t->s_time < 0 || (t->n_link_dirs && t->s_link < 0) || (t->n_centers && t->s_center < 0) ||
        (t->n_pools && t->s_pool < 0))
        return h5fail(t, "create the /series datasets");
    return CPN_OK;
}

static int series_write(struct cpn_trace *t, hid_t d, size_t cols, const void *buf, hid_t type)
{
    hsize_t start[2] = {t->s_written, 0}, count[2] = {t->s_buf, cols};
    hsize_t total[2] = {t->s_written + t->s_buf, cols};
    int rank = cols ? 2 : 1;
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    int ok = H5Dset_extent(d, total) >= 0 && (fspace = H5Dget_space(d)) >= 0 &&
             H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
             (mspace = H5Screate_simple(rank, count, NULL)) >= 0 &&
             H5Dwrite(d, type, mspace, fspace, H5P_DEFAULT, buf) >= 0;
    if (fspace >= 0)
        H5Sclose(fspace);
    if (mspace >= 0)
        H5Sclose(mspace);
    return ok ? CPN_OK : h5fail(t, "append /series samples");
}

static int series_flush(struct cpn_trace *t)
{
    if (t->s_buf == 0 || t->s_time < 0)
        return CPN_OK;
    int rc = writer_drain(t); /* the series are written by this thread */
    if (rc != CPN_OK)
        return rc;
    rc = series_write(t, t->s_time, 0, t->s_tbuf, H5T_NATIVE_DOUBLE);
    if (rc == CPN_OK && t->n_link_dirs)
        rc = series_write(t, t->s_link, t->n_link_dirs, t->s_lbuf, H5T_NATIVE_FLOAT);
    if (rc == CPN_OK && t->n_centers)
        rc = series_write(t, t->s_center, t->n_centers, t->s_cbuf, H5T_NATIVE_FLOAT);
    if (rc == CPN_OK && t->n_pools)
        rc = series_write(t, t->s_pool, t->n_pools, t->s_pbuf, H5T_NATIVE_FLOAT);
    t->s_written += t->s_buf;
    t->s_buf = 0;
    return rc;
}

/* ---- provenance ----------------------------------------------------------------------------- */

static int write_root_attrs(struct cpn_trace *t, const struct cpn_run_info *in)
{
    char sha[65];
    if (in->scenario_sha256)
        snprintf(sha, sizeof sha, "%s", in->scenario_sha256);
    else
        cpn_sha256_hex(in->scenario_text, in->scenario_text ? in->scenario_length : 0, sha);
    char *text = NULL;
    if (in->scenario_text && !(text = strndup(in->scenario_text, in->scenario_length)))
        return CPN_ERROR(CPN_ENOMEM, NULL);
    const char **params = calloc(in->n_policy_params ? in->n_policy_params : 1, sizeof *params);
    int ok = params != NULL;
    for (size_t i = 0; ok && i < in->n_policy_params; i++) {
        char *p = NULL;
        ok = asprintf(&p, "%s=%s", in->policy_params[i].name, in->policy_params[i].value) >= 0;
        params[i] = ok ? p : NULL;
    }
    if (!ok) {
        for (size_t i = 0; params && i < in->n_policy_params; i++)
            free((char *)params[i]);
        free(params);
        free(text);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    hid_t r = t->file;
    ok = cpn_h5_attr_str(r, "format", "cpnsim-trace") >= 0 &&
         cpn_h5_attr_i32(r, "format_version", CPN_TRACE_FORMAT_VERSION) >= 0 &&
         cpn_h5_attr_str(r, "program_version", in->program_version) >= 0 &&
         cpn_h5_attr_str(r, "scenario_path", in->scenario_path) >= 0 &&
         cpn_h5_attr_str(r, "scenario_sha256", sha) >= 0 &&
         cpn_h5_attr_str(r, "scenario_text", text) >= 0 &&
         cpn_h5_attr_u64(r, "seed", in->seed) >= 0 &&
         cpn_h5_attr_str(r, "policy", in->policy) >= 0 &&
         cpn_h5_attr_strs(r, "policy_params", params, in->n_policy_params) >= 0 &&
         cpn_h5_attr_strs(r, "overrides", (const char **)in->overrides, in->n_overrides) >= 0 &&
         cpn_h5_attr_str(r, "awareness", in->awareness) >= 0 &&
         cpn_h5_attr_str(r, "command_line", in->command_line) >= 0 &&
         cpn_h5_attr_str(r, "wall_clock_start", in->wall_clock_start) >= 0 &&
         cpn_h5_attr_f64(r, "sample_interval", in->sample_interval) >= 0 &&
         cpn_h5_attr_str(r, "units:sample_interval", "s") >= 0 &&
         cpn_h5_attr_f64(r, "until", in->until) >= 0 &&
         cpn_h5_attr_str(r, "units:until", "s") >= 0 &&
         cpn_h5_attr_str(r, "currency", in->currency ? in->currency : "1") >= 0 &&
         cpn_h5_attr_strs(r, "job_kinds", (const char **)in->job_kinds, in->n_job_kinds) >= 0 &&
         cpn_h5_attr_str(r, "trace_level", level_names[t->level]) >= 0 &&
         cpn_h5_attr_i32(r, "complete", 0) >= 0;
    for (size_t i = 0; i < in->n_policy_params; i++)
        free((char *)params[i]);
    free(params);
    free(text);
    return ok ? CPN_OK : h5fail(t, "write the root attributes");
}

/* ---- observer callbacks ------------------------------------------------------------------ */

static int check_live(struct cpn_trace *t)
{
    if (t->failed)
        return CPN_ERROR(t->failed, "%s: the trace failed earlier", t->where);
    if (!t->begun || t->ended)
        return CPN_ERROR(CPN_ESTATE, "%s: record outside begin..end", t->where);
    return CPN_OK;
}

static int trace_begin_(struct cpn_trace *t, const struct cpn_run_info *in);

/* A failed begin leaves the tables half made: every later call then fails with its code. */
static int trace_begin(void *ctx, const struct cpn_run_info *in)
{
    struct cpn_trace *t = ctx;
    if (t->begun || t->ended)
        return CPN_ERROR(CPN_ESTATE, "%s: begin called twice", t->where);
    if (!in || in->n_job_kinds > 255)
        return CPN_ERROR(CPN_EINVAL, "%s: begin without run info or with more than 255 job kinds",
                         t->where);
    t->begun = 1;
    int rc = trace_begin_(t, in);
    if (rc != CPN_OK && !t->failed)
        t->failed = rc;
    return rc;
}

static int trace_begin_(struct cpn_trace *t, const struct cpn_run_info *in)
{
    if (t->summary) {
        int rc = cpn_observe_begin(&t->sobs, in);
        if (rc != CPN_OK)
            return rc;
    }
    t->n_link_dirs = 2 * in->n_links;
    t->n_kinds = in->n_job_kinds;
    t->n_centers = in->n_centers;
    t->n_pools = in->n_pools;
    int rc = write_root_attrs(t, in);
    if (rc == CPN_OK)
        rc = write_nodes(t, in);
    if (rc == CPN_OK)
        rc = write_links(t, in);
    if (rc == CPN_OK)
        rc = write_centers(t, in);
    if (rc != CPN_OK)
        return rc;
    t->kind_type = enum_type(in->job_kinds, in->n_job_kinds);
    t->state_type = enum_type(state_names, CPN_JOB_NSTATES);
    t->event_type = enum_type(event_names, CPN_EVENT_NKINDS);
    if (t->kind_type < 0 || t->state_type < 0 || t->event_type < 0) {
        H5Eclear2(H5E_DEFAULT);
        return CPN_ERROR(CPN_EINVAL, "%s: the job kind names are not distinct", t->where);
    }
    if (t->level >= CPN_TRACE_JOBS) {
        rc = table_create(t, &t->jobs, "jobs", job_fields, NFIELDS(job_fields),
                          sizeof(struct cpn_job_record));
        if (rc == CPN_OK)
            rc = table_create(t, &t->requests, "requests", request_fields, NFIELDS(request_fields),
                              sizeof(struct cpn_request_record));
        if (rc == CPN_OK)
            rc = table_create(t, &t->compute, "compute", compute_fields, NFIELDS(compute_fields),
                              sizeof(struct cpn_compute_record));
        if (rc == CPN_OK)
            rc = series_begin(t);
    }
    if (rc == CPN_OK && t->level >= CPN_TRACE_FLOWS)
        rc = table_create(t, &t->flows, "flows", flow_fields, NFIELDS(flow_fields),
                          sizeof(struct cpn_flow_record));
    if (rc == CPN_OK && t->level >= CPN_TRACE_FULL) {
        rc = table_create(t, &t->events, "events", event_fields, NFIELDS(event_fields),
                          sizeof(struct event_row));
        if (rc == CPN_OK && !(t->detail_off = malloc(t->chunk * sizeof *t->detail_off)))
            rc = CPN_ERROR(CPN_ENOMEM, NULL);
    }
    if (rc == CPN_OK && t->level >= CPN_TRACE_JOBS)
        writer_start(t);
    return rc;
}

static int trace_job_end(void *ctx, const struct cpn_job_record *r)
{
    struct cpn_trace *t = ctx;
    int rc = check_live(t);
    if (rc == CPN_OK && t->summary)
        rc = cpn_observe_job_end(&t->sobs, r);
    if (rc != CPN_OK || t->level < CPN_TRACE_JOBS)
        return rc;
    if (r->state >= CPN_JOB_NSTATES || r->kind >= t->n_kinds)
        return CPN_ERROR(CPN_EINVAL, "%s: job %u has invalid state %u or kind %u (%zu kinds)",
                         t->where, r->id, (unsigned)r->state, (unsigned)r->kind, t->n_kinds);
    return table_append(t, &t->jobs, r);
}

static int trace_flow_end(void *ctx, const struct cpn_flow_record *r)
{
    struct cpn_trace *t = ctx;
    int rc = check_live(t);
    if (rc == CPN_OK && t->summary)
        rc = cpn_observe_flow_end(&t->sobs, r);
    if (rc != CPN_OK || t->level < CPN_TRACE_FLOWS)
        return rc;
    return table_append(t, &t->flows, r);
}

static int trace_request_end(void *ctx, const struct cpn_request_record *r)
{
    struct cpn_trace *t = ctx;
    int rc = check_live(t);
    if (rc == CPN_OK && t->summary)
        rc = cpn_observe_request_end(&t->sobs, r);
    if (rc != CPN_OK || t->level < CPN_TRACE_JOBS)
        return rc;
    return table_append(t, &t->requests, r);
}

static int trace_compute_end(void *ctx, const struct cpn_compute_record *r)
{
    struct cpn_trace *t = ctx;
    int rc = check_live(t);
    if (rc == CPN_OK && t->summary)
        rc = cpn_observe_compute_end(&t->sobs, r);
    if (rc != CPN_OK || t->level < CPN_TRACE_JOBS)
        return rc;
    return table_append(t, &t->compute, r);
}

/* Events are written by the main thread after a drain: their details point into the arena,
 * which is reused as soon as they are written. */
static int events_flush(struct cpn_trace *t)
{
    int rc0 = writer_drain(t);
    if (rc0 != CPN_OK)
        return rc0;
    struct event_row *rows = (struct event_row *)t->events.buf;
    for (size_t i = 0; i < t->events.n_buf; i++)
        rows[i].detail = t->arena.items + t->detail_off[i];
    hsize_t start = t->events.n_written, count = t->events.n_buf;
    int rc = count ? table_write(t, &t->events, t->events.buf, start, count) : CPN_OK;
    if (rc != CPN_OK)
        t->failed = rc;
    t->events.n_written = start + count;
    t->events.n_buf = 0;
    t->arena.len = 0;
    return rc;
}

static int trace_event(void *ctx, const struct cpn_event_record *r)
{
    struct cpn_trace *t = ctx;
    int rc = check_live(t);
    if (rc != CPN_OK || t->level < CPN_TRACE_FULL)
        return rc;
    if (r->kind >= CPN_EVENT_NKINDS)
        return CPN_ERROR(CPN_EINVAL, "%s: invalid event kind %u", t->where, r->kind);
    const char *d = r->detail ? r->detail : "";
    size_t len = strlen(d) + 1;
    if (cpn_array_reserve(&t->arena, t->arena.len + len) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    memcpy(t->arena.items + t->arena.len, d, len);
    struct event_row row = {
        .time = r->time, .subject = r->subject, .kind = (uint8_t)r->kind, .detail = NULL};
    t->detail_off[t->events.n_buf] = t->arena.len;
    t->arena.len += len;
    memcpy(t->events.buf + t->events.n_buf * t->events.rec_size, &row, sizeof row);
    if (++t->events.n_buf == t->chunk)
        return events_flush(t);
    return CPN_OK;
}

static int trace_sample(void *ctx, double time, const float *link_util, size_t n_link_dirs,
                        const float *center_util, size_t n_centers, const float *pool_util,
                        size_t n_pools)
{
    struct cpn_trace *t = ctx;
    int rc = check_live(t);
    if (rc == CPN_OK && t->summary)
        rc = cpn_observe_sample(&t->sobs, time, link_util, n_link_dirs, center_util, n_centers,
                                pool_util, n_pools);
    if (rc != CPN_OK || t->level < CPN_TRACE_JOBS)
        return rc;
    if (n_link_dirs != t->n_link_dirs || n_centers != t->n_centers || n_pools != t->n_pools)
        return CPN_ERROR(CPN_EINVAL,
                         "%s: sample with %zu link directions, %zu centers and %zu pools, the "
                         "run has %zu, %zu and %zu",
                         t->where, n_link_dirs, n_centers, n_pools, t->n_link_dirs, t->n_centers,
                         t->n_pools);
    t->s_tbuf[t->s_buf] = time;
    if (n_link_dirs)
        memcpy(t->s_lbuf + t->s_buf * n_link_dirs, link_util, n_link_dirs * sizeof *link_util);
    if (n_centers)
        memcpy(t->s_cbuf + t->s_buf * n_centers, center_util, n_centers * sizeof *center_util);
    if (n_pools)
        memcpy(t->s_pbuf + t->s_buf * n_pools, pool_util, n_pools * sizeof *pool_util);
    if (++t->s_buf == t->s_rows)
        return series_flush(t);
    return CPN_OK;
}

/* Flush every buffer, write `complete` and close the file.  Returns the first error. */
static int finish(struct cpn_trace *t, int complete)
{
    int rc_writer = writer_stop(t); /* no-op when already stopped */
    int rc = t->failed ? t->failed : CPN_OK;
    if (rc == CPN_OK)
        rc = rc_writer;
    if (t->file < 0)
        return rc;
    if (!t->failed) {
        int r[6] = {table_flush(t, &t->jobs),
                    table_flush(t, &t->flows),
                    table_flush(t, &t->requests),
                    t->events.buf ? events_flush(t) : CPN_OK,
                    series_flush(t),
                    table_flush(t, &t->compute)};
        for (int i = 0; i < 6 && rc == CPN_OK; i++)
            rc = r[i];
        if (rc == CPN_OK && t->summary && t->begun)
            rc = write_summary(t);
        /* The row counts let a reader check that every table is whole (cpn_result_verify()). */
        struct table *tabs[] = {&t->jobs, &t->flows, &t->requests, &t->events, &t->compute};
        const char *rows[] = {"rows_jobs", "rows_flows", "rows_requests", "rows_events",
                              "rows_compute"};
        for (int i = 0; i < 5 && rc == CPN_OK; i++)
            if (tabs[i]->dset > 0 && cpn_h5_attr_u64(t->file, rows[i], tabs[i]->n_written) < 0)
                rc = h5fail(t, "write the row counts");
        const struct cpn_run_measures *m = &t->measures;
        if (rc == CPN_OK && t->measured &&
            !(cpn_h5_attr_f64(t->file, "wall_time", m->wall_time) >= 0 &&
              cpn_h5_attr_str(t->file, "units:wall_time", "s") >= 0 &&
              cpn_h5_attr_f64(t->file, "engine_time", m->engine_time) >= 0 &&
              cpn_h5_attr_str(t->file, "units:engine_time", "s") >= 0 &&
              cpn_h5_attr_u64(t->file, "events", m->events) >= 0 &&
              cpn_h5_attr_f64(t->file, "events_per_second",
                              m->engine_time > 0 ? (double)m->events / m->engine_time : NAN) >= 0 &&
              cpn_h5_attr_str(t->file, "units:events_per_second", "1/s") >= 0 &&
              cpn_h5_attr_f64(t->file, "peak_memory", m->peak_memory) >= 0 &&
              cpn_h5_attr_str(t->file, "units:peak_memory", "B") >= 0 &&
              cpn_h5_attr_f64(t->file, "placement_time", m->placement_time) >= 0 &&
              cpn_h5_attr_str(t->file, "units:placement_time", "s") >= 0))
            rc = h5fail(t, "write the measurements");
        if (rc == CPN_OK && cpn_h5_attr_i32(t->file, "complete", complete && rc == CPN_OK) < 0)
            rc = h5fail(t, "write the attribute 'complete'");
    }
    table_close(&t->jobs);
    table_close(&t->flows);
    table_close(&t->requests);
    table_close(&t->events);
    table_close(&t->compute);
    hid_t *h[] = {&t->s_time, &t->s_link, &t->s_center, &t->s_pool};
    for (int i = 0; i < 4; i++)
        if (*h[i] > 0)
            H5Dclose(*h[i]), *h[i] = H5I_INVALID_HID;
    hid_t *ty[] = {&t->kind_type, &t->state_type, &t->event_type};
    for (int i = 0; i < 3; i++)
        if (*ty[i] > 0)
            H5Tclose(*ty[i]), *ty[i] = H5I_INVALID_HID;
    /* Never retry a failed close: HDF5 1.10 leaves a half-destroyed file behind (h5util.h). */
    if (H5Fclose(t->file) < 0 && rc == CPN_OK)
        rc = h5fail(t, "close the file");
    t->file = H5I_INVALID_HID;
    if (rc == CPN_OK)
        rc = cpn_trace_stamp(t->partial);
    return rc;
}

/* The CRC-32 and length of @p f from offset CPN_TRACE_USERBLOCK to its end; 0 or the errno. */
static int sum_after_block(FILE *f, uint32_t *crc, uint64_t *bytes)
{
    enum { BLOCK = 1 << 16 };
    unsigned char *buf = malloc(BLOCK);
    if (!buf)
        return ENOMEM;
    uLong c = crc32(0L, Z_NULL, 0);
    uint64_t n = 0;
    int err = fseeko(f, CPN_TRACE_USERBLOCK, SEEK_SET) != 0 ? (errno ? errno : EIO) : 0;
    for (size_t got; !err && (got = fread(buf, 1, BLOCK, f)) > 0; n += got)
        c = crc32_z(c, buf, got);
    if (!err && ferror(f))
        err = errno ? errno : EIO;
    free(buf);
    *crc = (uint32_t)c;
    *bytes = n;
    return err;
}

int cpn_trace_stamp(const char *path)
{
    if (!path)
        return CPN_ERROR(CPN_EINVAL, "cpn_trace_stamp: NULL path");
    FILE *f = fopen(path, "r+b");
    if (!f)
        return CPN_ERROR(CPN_EOUTPUT, "%s: cannot open to write its checksum: %s", path,
                         strerror(errno));
    uint32_t crc = 0;
    uint64_t bytes = 0;
    int err = sum_after_block(f, &crc, &bytes);
    char block[CPN_TRACE_USERBLOCK] = {0};
    int len =
        snprintf(block, sizeof block,
                 CPN_TRACE_CHECKSUM_MAGIC "crc32 %08" PRIx32 "\nbytes %" PRIu64 "\n", crc, bytes);
    if (!err && (len < 0 || fseeko(f, 0, SEEK_SET) != 0 ||
                 fwrite(block, 1, sizeof block, f) != sizeof block))
        err = errno ? errno : EIO;
    if (fclose(f) != 0 && !err)
        err = errno ? errno : EIO;
    if (err)
        return CPN_ERROR(CPN_EOUTPUT, "%s: cannot write its checksum: %s", path, strerror(err));
    return CPN_OK;
}

/* Parse the user block read from @p f: 1 and the values when it holds a checksum, else 0. */
static int read_block(FILE *f, uint32_t *crc, uint64_t *bytes)
{
    char block[CPN_TRACE_USERBLOCK + 1] = {0};
    size_t magic = sizeof CPN_TRACE_CHECKSUM_MAGIC - 1;
    unsigned long long b = 0;
    unsigned c = 0;
    if (fread(block, 1, CPN_TRACE_USERBLOCK, f) != CPN_TRACE_USERBLOCK ||
        memcmp(block, CPN_TRACE_CHECKSUM_MAGIC, magic) != 0 ||
        sscanf(block + magic, "crc32 %8x\nbytes %llu", &c, &b) != 2)
        return 0;
    *crc = (uint32_t)c;
    *bytes = (uint64_t)b;
    return 1;
}

/* Open trace file @p path for reading: a regular file only (a FIFO would be waited on, a
 * device read for ever).  CPN_ENOINPUT when it is not one or cannot be opened. */
static int open_trace_file(const char *path, FILE **f)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return CPN_ERROR(CPN_ENOINPUT,
                         "%s: not a regular file (a folder, a device or a FIFO: give a trace "
                         "written by cpnsim run -o)",
                         path);
    if (!(*f = fopen(path, "rb")))
        return CPN_ERROR(CPN_ENOINPUT, "%s: cannot read: %s", path, strerror(errno));
    return CPN_OK;
}

int cpn_trace_checksum(const char *path, int *has, uint32_t *crc, uint64_t *bytes)
{
    if (!path || !has || !crc || !bytes)
        return CPN_ERROR(CPN_EINVAL, "cpn_trace_checksum: NULL argument");
    FILE *f;
    int rc = open_trace_file(path, &f);
    if (rc != CPN_OK)
        return rc;
    *has = read_block(f, crc, bytes);
    fclose(f);
    return CPN_OK;
}

int cpn_trace_check(const char *path)
{
    if (!path)
        return CPN_ERROR(CPN_EINVAL, "cpn_trace_check: NULL path");
    FILE *f;
    int rc = open_trace_file(path, &f);
    if (rc != CPN_OK)
        return rc;
    uint32_t want_crc = 0;
    uint64_t want_bytes = 0;
    if (!read_block(f, &want_crc, &want_bytes)) {
        fclose(f);
        return CPN_OK; /* no checksum (an older trace, or not cpnsim's): HDF5 says the rest */
    }
    uint32_t crc = 0;
    uint64_t bytes = 0;
    int err = sum_after_block(f, &crc, &bytes);
    fclose(f);
    if (err)
        return CPN_ERROR(CPN_ENOINPUT, "%s: cannot read: %s", path, strerror(err));
    if (bytes != want_bytes)
        return CPN_ERROR(CPN_EIO,
                         "%s: damaged: %" PRIu64 " bytes after its checksum block, where cpnsim "
                         "wrote %" PRIu64 " (cut short, or changed after cpnsim wrote it: by a "
                         "fault, a copy or another program)",
                         path, bytes, want_bytes);
    if (crc != want_crc)
        return CPN_ERROR(CPN_EIO,
                         "%s: damaged: its CRC-32 is %08" PRIx32 " where cpnsim wrote %08" PRIx32
                         " (the file changed after cpnsim wrote it: by a fault, a copy or another "
                         "program; an HDF5 library reading it could fail or read wrong values)",
                         path, crc, want_crc);
    return CPN_OK;
}

/* Take the exclusive lock of PATH: an open PATH.lock with flock(LOCK_EX | LOCK_NB), checked to
 * be the file that is at PATH.lock now (a holder unlinks it before it lets go, so a lock taken
 * on an unlinked file is taken again on the new one). */
static int take_lock(struct cpn_trace *t)
{
    for (int attempt = 0; attempt < 16; attempt++) {
        int fd = open(t->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0)
            return CPN_ERROR(CPN_EOUTPUT, "%s: cannot create: %s (creating its lock file %s)",
                             t->path, strerror(errno), t->lock);
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int err = errno;
            close(fd);
            if (err == EWOULDBLOCK)
                return CPN_ERROR(CPN_EOUTPUT,
                                 "%s: another cpnsim run is writing it now (it holds %s); wait "
                                 "for it to end, or write elsewhere",
                                 t->path, t->lock);
            return CPN_ERROR(CPN_EOUTPUT, "%s: cannot lock: %s", t->lock, strerror(err));
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(t->lock, &b) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev) {
            t->lock_fd = fd;
            return CPN_OK;
        }
        close(fd); /* the holder removed it while we waited: lock the new one */
    }
    return CPN_ERROR(CPN_EOUTPUT, "%s: cannot take the lock %s (it keeps changing)", t->path,
                     t->lock);
}

/* Let go of the lock: remove PATH.lock while holding it, then close it. */
static void release_lock(struct cpn_trace *t)
{
    if (t->lock_fd < 0)
        return;
    unlink(t->lock);
    close(t->lock_fd);
    t->lock_fd = -1;
}

/* Move PATH.partial to PATH, never replacing PATH unless forced (link() fails on EEXIST). */
static int publish(struct cpn_trace *t)
{
    if (t->force) {
        if (rename(t->partial, t->path) != 0)
            return CPN_ERROR(CPN_EIO, "%s: cannot rename to %s: %s", t->partial, t->path,
                             strerror(errno));
    } else if (link(t->partial, t->path) == 0) {
        unlink(t->partial);
    } else if (errno == EEXIST) {
        return CPN_ERROR(CPN_EOUTPUT,
                         "%s: exists (created during the run); the trace is left in "
                         "%s (use --force to overwrite)",
                         t->path, t->partial);
    } else if (access(t->path, F_OK) == 0 || rename(t->partial, t->path) != 0) {
        /* link() is not supported everywhere (e.g. FAT): fall back to a checked rename. */
        return CPN_ERROR(CPN_EIO, "%s: cannot rename to %s: %s", t->partial, t->path,
                         strerror(errno));
    }
    t->where = t->path;
    return CPN_OK;
}

static int trace_end(void *ctx, int complete, const struct cpn_run_totals *totals)
{
    struct cpn_trace *t = ctx;
    if (!t->begun || t->ended)
        return CPN_ERROR(CPN_ESTATE, "%s: end without begin, or twice", t->where);
    t->ended = 1;
    int rc = CPN_OK;
    if (t->summary)
        rc = cpn_observe_end(&t->sobs, complete, totals);
    int rc2 = finish(t, complete && rc == CPN_OK);
    if (rc2 != CPN_OK)
        unlink(t->partial); /* a file that could not be written whole is no result */
    if (rc == CPN_OK)
        rc = rc2;
    if (rc == CPN_OK && complete)
        rc = publish(t);
    release_lock(t);
    return rc;
}

/* The statistics window is the summary's (the trace keeps every record). */
static int trace_window(void *ctx, int closes, const struct cpn_run_totals *at)
{
    struct cpn_trace *t = ctx;
    int rc = check_live(t);
    return rc == CPN_OK && t->summary ? cpn_observe_window(&t->sobs, closes, at) : rc;
}

void cpn_trace_observer(struct cpn_trace *t, struct cpn_observer *obs)
{
    *obs = (struct cpn_observer){
        .ctx = t,
        .begin = trace_begin,
        .job_end = trace_job_end,
        .flow_end = trace_flow_end,
        .request_end = trace_request_end,
        .compute_end = trace_compute_end,
        .event = trace_event,
        .sample = trace_sample,
        .end = trace_end,
        .window = trace_window,
    };
}

/* ---- life cycle -------------------------------------------------------------------------------
 */

int cpn_trace_level_parse(const char *name, enum cpn_trace_level *out)
{
    for (int i = 0; name && out && i < CPN_TRACE_NLEVELS; i++)
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum cpn_trace_level)i;
            return CPN_OK;
        }
    return CPN_ERROR(CPN_EINVAL, "unknown trace level \"%s\" (use summary, jobs, flows or full)",
                     name ? name : "(null)");
}

const char *cpn_trace_level_name(enum cpn_trace_level level)
{
    return (unsigned)level < CPN_TRACE_NLEVELS ? level_names[level] : "?";
}

void cpn_trace_set_measures(struct cpn_trace *t, const struct cpn_run_measures *m)
{
    if (t && m) {
        t->measures = *m;
        t->measured = 1;
    }
}

const char *cpn_trace_path(const struct cpn_trace *t)
{
    return t ? t->where : NULL;
}

void cpn_trace_free(struct cpn_trace *t)
{
    if (!t)
        return;
    int never = !t->begun; /* the run failed before it began: nothing was recorded */
    if (t->file >= 0 && (finish(t, 0) != CPN_OK || never))
        unlink(t->partial); /* a file that could not be written whole, or empty, is no result */
    release_lock(t);
    free(t->lock);
    table_close(&t->jobs);
    table_close(&t->flows);
    table_close(&t->requests);
    table_close(&t->events);
    table_close(&t->compute);
    free(t->detail_off);
    cpn_array_release(&t->arena);
    free(t->s_tbuf);
    free(t->s_lbuf);
    free(t->s_cbuf);
    free(t->s_pbuf);
    free(t->path);
    free(t->partial);
    free(t);
}

int cpn_trace_open(const struct cpn_trace_options *opt, struct cpn_trace **out)
{
    if (!opt || !out || !opt->path || !*opt->path)
        return CPN_ERROR(CPN_EINVAL, "cpn_trace_open: no output path");
    if ((unsigned)opt->level >= CPN_TRACE_NLEVELS || opt->deflate < -1 || opt->deflate > 9)
        return CPN_ERROR(CPN_EINVAL, "cpn_trace_open: invalid level %d or deflate level %d",
                         (int)opt->level, opt->deflate);
    *out = NULL;
    int rc = cpn_output_check(opt->path, opt->force, 0, NULL); /* (a regular file or nothing) */
    if (rc != CPN_OK)
        return rc;
    struct cpn_trace *t = calloc(1, sizeof *t);
    if (!t)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    t->file = t->s_time = t->s_link = t->s_center = t->s_pool = H5I_INVALID_HID;
    t->lock_fd = -1;
    t->kind_type = t->state_type = t->event_type = H5I_INVALID_HID;
    struct table *tabs[] = {&t->jobs, &t->flows, &t->requests, &t->events, &t->compute};
    for (int i = 0; i < 5; i++)
        tabs[i]->dset = tabs[i]->memtype = H5I_INVALID_HID;
    t->level = opt->level;
    t->force = opt->force;
    t->deflate = opt->deflate < 0 ? CPN_TRACE_DEFLATE : opt->deflate;
    t->chunk = opt->chunk_records ? opt->chunk_records : CPN_TRACE_CHUNK;
    t->summary = opt->summary;
    if (t->summary)
        cpn_summary_observer(t->summary, &t->sobs);
    t->path = cpn_output_target(opt->path); /* (through a link to a file: its target) */
    if (!t->path || asprintf(&t->partial, "%s.partial", t->path) < 0) {
        t->partial = NULL;
        cpn_trace_free(t);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    t->where = t->partial;
    if (asprintf(&t->lock, "%s.lock", t->path) < 0) {
        t->lock = NULL;
        cpn_trace_free(t);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    /* Nothing is created or replaced before the lock is held: a second run on the same output
     * fails here and leaves the first one's files alone. */
    rc = take_lock(t);
    if (rc == CPN_OK) /* (again: it may have appeared, or changed, before the lock was ours) */
        rc = cpn_output_check(t->path, t->force, 0, NULL);
    if (rc == CPN_OK && access(t->partial, F_OK) == 0) {
        if (!t->force)
            rc = CPN_ERROR(CPN_EOUTPUT,
                           "%s: exists, left by an interrupted run (no run is writing it now); "
                           "use --force to replace it",
                           t->partial);
        else if (unlink(t->partial) != 0)
            rc = CPN_ERROR(CPN_EOUTPUT, "%s: cannot remove: %s", t->partial, strerror(errno));
    }
    /* Create PATH.partial exclusively (the kernel's reason on failure: missing folder, no
     * permission, full disk), then let HDF5 write into that file of ours. */
    if (rc == CPN_OK) {
        int fd = open(t->partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0)
            rc = CPN_ERROR(CPN_EOUTPUT, "%s: cannot create: %s", t->partial, strerror(errno));
        else
            close(fd);
    }
    if (rc != CPN_OK) {
        cpn_trace_free(t);
        return rc;
    }
    cpn_h5_quiet();
    if (opt->hdf5_debug)
        H5Eset_auto2(H5E_DEFAULT, (H5E_auto2_t)H5Eprint2, stderr);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (fapl >= 0 && fcpl >= 0 &&
        H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18) >= 0 &&
        H5Pset_userblock(fcpl, CPN_TRACE_USERBLOCK) >= 0) /* (the checksum's place) */
        t->file = H5Fcreate(t->partial, H5F_ACC_TRUNC, fcpl, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (t->file < 0) {
        char msg[512];
        cpn_h5_error_text(msg, sizeof msg);
        rc = CPN_ERROR(CPN_EOUTPUT, "%s: cannot create: %s", t->partial, msg);
        unlink(t->partial);
        cpn_trace_free(t);
        return rc;
    }
    *out = t;
    return CPN_OK;
}

void cpn_sha256_hex_digest(struct sha256_ctx *ctx, char hex[65])
{
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(ctx, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

void cpn_sha256_hex(const void *data, size_t len, char hex[65])
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    if (len)
        sha256_update(&ctx, len, data);
    cpn_sha256_hex_digest(&ctx, hex);
}
