/* The --flows-out table (see flows_out.h). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/flows_out.h"
#include "cli/numtext.h"
#include "output/atomic.h"
#include "sim/error.h"

enum {
    FO_CHUNK = 256 << 10, /* bytes of records handed to the writer at a time */
    FO_CHUNKS = 8,        /* chunks in all: the main thread waits when every one is full */
    FO_OUT = 1 << 20,     /* the table's own output buffer [bytes] */
};

/* A streamed row as copied for the writer: this header, then idlen bytes of id, padded to 8. */
struct fo_rec {
    uint32_t k, src, dst, idlen;
    double size, start;
};

struct fo_chunk {
    size_t used;
    char data[FO_CHUNK];
};

struct cpn_flows_out {
    const struct cpn_scenario *scen;
    size_t nstreams;
    FILE **spool;     /* one per stream (tmpfile) */
    int *spool_error; /* errno of its first failed write, else 0 (the writer's until joined) */
    /* The writer thread and its queue of full chunks (FIFO) and free ones. */
    pthread_t writer;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct fo_chunk *chunks[FO_CHUNKS];
    int full[FO_CHUNKS], free_[FO_CHUNKS];
    size_t nfull, full_head, nfree;
    int cur;  /* the chunk being filled by the main thread, -1 when none */
    int busy; /* the writer is formatting a chunk */
    int done; /* no more chunks will come */
    char *row;
    size_t row_cap; /* the writer's row buffer (the main thread's after the join) */
};

/* ---- one row's text ----------------------------------------------------------------------- */

/* Make @p *buf hold at least @p need bytes. */
static int reserve(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return CPN_OK;
    char *grown = realloc(*buf, need);
    if (!grown)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    *buf = grown;
    *cap = need;
    return CPN_OK;
}

/* "id,src,dst,bytes,start_time," into @p buf (room: prefix_room()); returns its length. */
static size_t prefix(char *buf, const struct cpn_scenario *scen, const char *id, size_t idlen,
                     uint32_t src, uint32_t dst, double size, double start)
{
    size_t n = idlen;
    memcpy(buf, id, idlen);
    buf[n++] = ',';
    const char *names[2] = {cpn_topo_node(scen->topo, src)->id, cpn_topo_node(scen->topo, dst)->id};
    for (int k = 0; k < 2; k++) {
        size_t len = strlen(names[k]);
        memcpy(buf + n, names[k], len);
        n += len;
        buf[n++] = ',';
    }
    n += cpn_numtext(size, buf + n);
    buf[n++] = ',';
    n += cpn_numtext(start, buf + n);
    buf[n++] = ',';
    return n;
}

/* Room prefix() needs, and a finish time and the line's end after it [bytes]. */
static size_t row_room(const struct cpn_scenario *scen, size_t idlen, uint32_t src, uint32_t dst)
{
    return idlen + strlen(cpn_topo_node(scen->topo, src)->id) +
           strlen(cpn_topo_node(scen->topo, dst)->id) + 6 + 3 * CPN_NUMTEXT_MAX;
}

/* Spool streamed row @p r (its id at @p id) of stream r->k, on whichever thread owns the
 * spools and fo->row. */
static void spool_row(struct cpn_flows_out *fo, const struct fo_rec *r, const char *id)
{
    if (fo->spool_error[r->k])
        return;
    if (reserve(&fo->row, &fo->row_cap, row_room(fo->scen, r->idlen, r->src, r->dst)) != CPN_OK) {
        fo->spool_error[r->k] = ENOMEM;
        return;
    }
    size_t n = prefix(fo->row, fo->scen, id, r->idlen, r->src, r->dst, r->size, r->start);
    fo->row[n++] = '\n';
    if (fwrite(fo->row, 1, n, fo->spool[r->k]) != n)
        fo->spool_error[r->k] = errno ? errno : EIO;
}

static size_t rec_size(uint32_t idlen)
{
    return (sizeof(struct fo_rec) + idlen + 7) & ~(size_t)7;
}

static void spool_chunk(struct cpn_flows_out *fo, const struct fo_chunk *c)
{
    for (size_t at = 0; at < c->used;) {
        struct fo_rec r;
        memcpy(&r, c->data + at, sizeof r);
        spool_row(fo, &r, c->data + at + sizeof r);
        at += rec_size(r.idlen);
    }
}

/* ---- the writer thread ------------------------------------------------------------------ */

static void *writer_main(void *arg)
{
    struct cpn_flows_out *fo = arg;
    pthread_mutex_lock(&fo->mu);
    for (;;) {
        while (!fo->nfull && !fo->done)
            pthread_cond_wait(&fo->cv, &fo->mu);
        if (!fo->nfull)
            break;
        int c = fo->full[fo->full_head];
        fo->full_head = (fo->full_head + 1) % FO_CHUNKS;
        fo->nfull--;
        fo->busy = 1;
        pthread_mutex_unlock(&fo->mu);
        spool_chunk(fo, fo->chunks[c]);
        fo->chunks[c]->used = 0;
        pthread_mutex_lock(&fo->mu);
        fo->busy = 0;
        fo->free_[fo->nfree++] = c;
        pthread_cond_broadcast(&fo->cv);
    }
    pthread_mutex_unlock(&fo->mu);
    return NULL;
}

/* Hand the chunk being filled to the writer (called with fo->mu held). */
static void submit_locked(struct cpn_flows_out *fo)
{
    if (fo->cur < 0)
        return;
    fo->full[(fo->full_head + fo->nfull) % FO_CHUNKS] = fo->cur;
    fo->nfull++;
    fo->cur = -1;
    pthread_cond_broadcast(&fo->cv);
}

/* Hand over what is filled and wait until the writer has spooled everything. */
static void drain(struct cpn_flows_out *fo)
{
    pthread_mutex_lock(&fo->mu);
    submit_locked(fo);
    while (fo->nfull || fo->busy)
        pthread_cond_wait(&fo->cv, &fo->mu);
    pthread_mutex_unlock(&fo->mu);
}

static void stop_writer(struct cpn_flows_out *fo)
{
    if (!fo->started)
        return;
    pthread_mutex_lock(&fo->mu);
    submit_locked(fo);
    fo->done = 1;
    pthread_cond_broadcast(&fo->cv);
    pthread_mutex_unlock(&fo->mu);
    pthread_join(fo->writer, NULL);
    pthread_mutex_destroy(&fo->mu);
    pthread_cond_destroy(&fo->cv);
    fo->started = 0;
}

/* ---- API -------------------------------------------------------------------------------- */

int cpn_flows_out_new(const struct cpn_scenario *scen, size_t nstreams, struct cpn_flows_out **out)
{
    if (!scen || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_flows_out_new: NULL argument");
    *out = NULL;
    struct cpn_flows_out *fo = calloc(1, sizeof *fo);
    if (!fo)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    fo->scen = scen;
    fo->nstreams = nstreams;
    fo->cur = -1;
    if (nstreams && (!(fo->spool = calloc(nstreams, sizeof *fo->spool)) ||
                     !(fo->spool_error = calloc(nstreams, sizeof *fo->spool_error)))) {
        cpn_flows_out_free(fo);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    for (size_t k = 0; k < nstreams; k++)
        if (!(fo->spool[k] = tmpfile())) {
            int e = errno;
            cpn_flows_out_free(fo);
            return CPN_ERROR(CPN_EIO, "a temporary file for --flows-out's rows of %s: %s",
                             scen->flowfiles.items[k].file, strerror(e));
        }
    if (nstreams) {
        for (int c = 0; c < FO_CHUNKS; c++) {
            if (!(fo->chunks[c] = malloc(sizeof *fo->chunks[c]))) {
                cpn_flows_out_free(fo);
                return CPN_ERROR(CPN_ENOMEM, NULL);
            }
            fo->chunks[c]->used = 0;
            fo->free_[fo->nfree++] = c;
        }
        /* Without a thread (a failure here), rows are spooled on the caller's thread. */
        if (pthread_mutex_init(&fo->mu, NULL) == 0) {
            if (pthread_cond_init(&fo->cv, NULL) != 0)
                pthread_mutex_destroy(&fo->mu);
            else if (pthread_create(&fo->writer, NULL, writer_main, fo) != 0) {
                pthread_cond_destroy(&fo->cv);
                pthread_mutex_destroy(&fo->mu);
            } else
                fo->started = 1;
        }
    }
    *out = fo;
    return CPN_OK;
}

int cpn_flows_out_streamed(struct cpn_flows_out *fo, size_t k, const struct cpn_scen_flow *f)
{
    if (!fo || !f || k >= fo->nstreams)
        return CPN_ERROR(CPN_EINVAL, "cpn_flows_out_streamed: bad argument");
    size_t idlen = strlen(f->id);
    if (idlen > UINT32_MAX)
        return CPN_ERROR(CPN_ENOMEM, "a flow id of %zu bytes", idlen);
    struct fo_rec r = {(uint32_t)k, f->src, f->dst, (uint32_t)idlen, f->size, f->start};
    size_t need = rec_size(r.idlen);
    if (!fo->started || need > FO_CHUNK) { /* on this thread, once the writer is idle */
        if (fo->started)
            drain(fo);
        spool_row(fo, &r, f->id);
        return CPN_OK;
    }
    struct fo_chunk *c = fo->cur >= 0 ? fo->chunks[fo->cur] : NULL;
    if (!c || c->used + need > FO_CHUNK) {
        pthread_mutex_lock(&fo->mu);
        submit_locked(fo);
        while (!fo->nfree)
            pthread_cond_wait(&fo->cv, &fo->mu);
        fo->cur = fo->free_[--fo->nfree];
        pthread_mutex_unlock(&fo->mu);
        c = fo->chunks[fo->cur];
    }
    memcpy(c->data + c->used, &r, sizeof r);
    memcpy(c->data + c->used + sizeof r, f->id, idlen);
    c->used += need;
    return CPN_OK;
}

/* The table's output: rows assembled in a buffer of FO_OUT bytes, written when full. */
struct fo_out {
    FILE *f;
    char *buf;
    size_t used;
};

static void out_flush(struct fo_out *o)
{
    if (o->used)                          /* (the buffer is NULL before its first row) */
        fwrite(o->buf, 1, o->used, o->f); /* an error is the atomic file's: seen at commit */
    o->used = 0;
}

/* Room for @p n more bytes in @p o (@p n <= FO_OUT, or the buffer grows). */
static int out_room(struct fo_out *o, size_t n, size_t *cap)
{
    if (o->used + n > *cap)
        out_flush(o);
    return reserve(&o->buf, cap, n);
}

/* End a row of @p o: its finish time (nothing when NaN) and the line's end. */
static void out_finish(struct fo_out *o, double finish)
{
    if (!isnan(finish))
        o->used += cpn_numtext(finish, o->buf + o->used);
    o->buf[o->used++] = '\n';
}

static int out_row(struct fo_out *o, size_t *cap, const struct cpn_scenario *scen,
                   const struct cpn_scen_flow *f, double finish)
{
    size_t idlen = strlen(f->id);
    int rc = out_room(o, row_room(scen, idlen, f->src, f->dst), cap);
    if (rc != CPN_OK)
        return rc;
    o->used += prefix(o->buf + o->used, scen, f->id, idlen, f->src, f->dst, f->size, f->start);
    out_finish(o, finish);
    return CPN_OK;
}

/* Copy spool @p k's lines to @p o, each completed with the finish time of flow *id (then
 * the next id). */
static int out_spool(struct cpn_flows_out *fo, size_t k, struct fo_out *o, size_t *cap,
                     const struct cpn_traffic *traffic, size_t *id)
{
    const char *file = fo->scen->flowfiles.items[k].file;
    FILE *s = fo->spool[k];
    if (fo->spool_error[k])
        return CPN_ERROR(CPN_EIO, "the temporary file of %s's rows: %s", file,
                         strerror(fo->spool_error[k]));
    if (fflush(s) || fseek(s, 0, SEEK_SET))
        return CPN_ERROR(CPN_EIO, "the temporary file of %s's rows: %s", file, strerror(errno));
    size_t incap = FO_OUT, have = 0, got;
    char *in = malloc(incap);
    if (!in)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    int rc = CPN_OK;
    while (rc == CPN_OK && (got = fread(in + have, 1, incap - have, s)) > 0) {
        have += got;
        size_t at = 0;
        for (char *nl; rc == CPN_OK && (nl = memchr(in + at, '\n', have - at));
             at = (size_t)(nl - in) + 1) {
            size_t len = (size_t)(nl - (in + at));
            if ((rc = out_room(o, len + CPN_NUMTEXT_MAX + 1, cap)) != CPN_OK)
                break;
            memcpy(o->buf + o->used, in + at, len);
            o->used += len;
            out_finish(o, cpn_traffic_finish(traffic, (*id)++));
        }
        memmove(in, in + at, have - at);
        have -= at;
        if (rc == CPN_OK && have == incap) { /* a line longer than the buffer */
            char *grown = realloc(in, 2 * incap);
            if (!grown)
                rc = CPN_ERROR(CPN_ENOMEM, NULL);
            else {
                in = grown;
                incap *= 2;
            }
        }
    }
    if (rc == CPN_OK && (ferror(s) || have))
        rc = CPN_ERROR(CPN_EIO, "the temporary file of %s's rows: cannot read it back", file);
    free(in);
    return rc;
}

int cpn_flows_out_write(struct cpn_flows_out *fo, const char *path, int force,
                        const struct cpn_traffic *traffic,
                        struct cpn_scen_flow_reader *const *readers, const int *failed)
{
    if (!fo || !path || !traffic) {
        fprintf(stderr, "cpnsim: cpn_flows_out_write: NULL argument\n");
        return cpn_exit_code(CPN_EINVAL);
    }
    stop_writer(fo);
    const struct cpn_scenario *scen = fo->scen;
    struct cpn_atomic a;
    int rc = cpn_atomic_open(&a, path, force);
    if (rc != CPN_OK) {
        fprintf(stderr, "cpnsim: %s\n", cpn_error_message());
        return cpn_exit_code(rc);
    }
    struct fo_out o = {a.f, NULL, 0};
    size_t cap = 0;
    static const char header[] = "id,src,dst,bytes,start_time,finish_time\n";
    if ((rc = out_room(&o, FO_OUT, &cap)) == CPN_OK) {
        memcpy(o.buf, header, sizeof header - 1);
        o.used = sizeof header - 1;
    }
    for (size_t i = 0; rc == CPN_OK && i < scen->flows.len; i++) {
        struct cpn_scen_flow f;
        cpn_scen_flow_get(scen, i, &f);
        rc = out_row(&o, &cap, scen, &f, cpn_traffic_finish(traffic, i));
    }
    for (size_t k = 0; rc == CPN_OK && k < fo->nstreams; k++) {
        size_t id = scen->flowfiles.items[k].first;
        if (failed && failed[k]) {
            rc = CPN_ERROR(CPN_ESCENARIO, "%s could not be read to its end during the run",
                           scen->flowfiles.items[k].file);
            break;
        }
        if ((rc = out_spool(fo, k, &o, &cap, traffic, &id)) != CPN_OK)
            break;
        struct cpn_scen_flow row;
        int more = 1;
        while (rc == CPN_OK && readers && readers[k] &&
               (rc = cpn_scen_flow_reader_next(readers[k], &row, &more)) == CPN_OK && more)
            rc = out_row(&o, &cap, scen, &row, cpn_traffic_finish(traffic, id++));
    }
    if (rc == CPN_OK)
        out_flush(&o);
    free(o.buf);
    if (rc != CPN_OK) {
        fprintf(stderr, "cpnsim: %s\n", cpn_error_message());
        cpn_atomic_abort(&a);
        return cpn_exit_code(rc);
    }
    if ((rc = cpn_atomic_commit(&a)) != CPN_OK) {
        fprintf(stderr, "cpnsim: %s\n", cpn_error_message());
        return cpn_exit_code(rc);
    }
    return 0;
}

void cpn_flows_out_free(struct cpn_flows_out *fo)
{
    if (!fo)
        return;
    stop_writer(fo);
    for (size_t k = 0; fo->spool && k < fo->nstreams; k++)
        if (fo->spool[k])
            fclose(fo->spool[k]);
    for (int c = 0; c < FO_CHUNKS; c++)
        free(fo->chunks[c]);
    free(fo->spool);
    free(fo->spool_error);
    free(fo->row);
    free(fo);
}
