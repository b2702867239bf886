/* The --flows-out table (see flows_out.h). */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/flows_out.h"
#include "cli/numtext.h"
#include "output/atomic.h"
#include "sim/error.h"

enum { FO_OUT = 1 << 20 }; /* the table's output buffer [bytes] */

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

/* The table's output: rows assembled in a buffer of FO_OUT bytes, written when full. */
struct fo_out {
    FILE *f;
    char *buf;
    size_t used, cap;
    size_t name; /* the longest node id [bytes] */
};

/* The longest node id of @p scen's topology [bytes]. */
static size_t longest_name(const struct cpn_scenario *scen)
{
    size_t most = 0;
    for (uint32_t v = 0; v < cpn_topo_node_count(scen->topo); v++) {
        size_t len = strlen(cpn_topo_node(scen->topo, v)->id);
        most = len > most ? len : most;
    }
    return most;
}

static void out_flush(struct fo_out *o)
{
    if (o->used)                          /* (the buffer is NULL before its first row) */
        fwrite(o->buf, 1, o->used, o->f); /* an error is the atomic file's: seen at commit */
    o->used = 0;
}

/* Room for @p n more bytes in @p o (@p n <= FO_OUT, or the buffer grows). */
static int out_room(struct fo_out *o, size_t n)
{
    if (o->used + n > o->cap)
        out_flush(o);
    return reserve(&o->buf, &o->cap, n);
}

/* End a row of @p o: its finish time (nothing when NaN) and the line's end. */
static void out_finish(struct fo_out *o, double finish)
{
    if (!isnan(finish))
        o->used += cpn_numtext(finish, o->buf + o->used);
    o->buf[o->used++] = '\n';
}

/* One row: flow @p id from @p src to @p dst, @p size bytes from @p start, and its finish time. */
static int out_row(struct fo_out *o, const struct cpn_scenario *scen, const char *id, uint32_t src,
                   uint32_t dst, double size, double start, double finish)
{
    /* (room for prefix(), a finish time and the line's end) */
    size_t idlen = strlen(id);
    int rc = out_room(o, idlen + 2 * o->name + 6 + 3 * CPN_NUMTEXT_MAX);
    if (rc != CPN_OK)
        return rc;
    o->used += prefix(o->buf + o->used, scen, id, idlen, src, dst, size, start);
    out_finish(o, finish);
    return CPN_OK;
}

/* ---- the rows, in flow order --------------------------------------------------------------- */

/* What a writer waits for: the run's progress, when the table is written during the run. */
struct fo_wait {
    const struct cpn_traffic *traffic;
    _Atomic int *state;  /* FO_RUNNING, FO_OVER or FO_CANCEL; NULL: after the run (no wait) */
    size_t limit;        /* the flows of the part being written below it have finished */
    pthread_mutex_t *mu; /* with cv: the end of the run wakes the writer (writer_stop()) */
    pthread_cond_t *cv;
    long nap; /* the next look's delay [ns], FO_NAP_MIN to FO_NAP_MAX */
};

enum { FO_RUNNING, FO_OVER, FO_CANCEL };

/* The writer's delays between two looks at the run's progress [ns]: halved (down to 1 ms) when
 * rows came, doubled (up to 16 ms) while none come.  (A fixed 1 ms made 2,200-2,700 wake-ups on
 * a 4 s run of the 1e6-flow WAN benchmark; these about 800.)  The end of the run wakes it at
 * once. */
enum { FO_NAP_MIN = 1000000, FO_NAP_MAX = 16000000 };

/* Wait until flow @p id's finish time is final (cpn_traffic_settled()) or the run is over.
 * @return CPN_OK; CPN_EINTERRUPT when the table is cancelled (cpn_flows_out_cancel()). */
static int await_flow(struct fo_wait *w, size_t id)
{
    while (w->state && id >= w->limit) {
        int st = atomic_load_explicit(w->state, memory_order_acquire);
        if (st == FO_CANCEL)
            return CPN_EINTERRUPT;
        if (st == FO_OVER) { /* (the acquire: every finish time written by the run is seen) */
            w->state = NULL;
            break;
        }
        w->limit = cpn_traffic_settled(w->traffic, id);
        if (id < w->limit) { /* (rows came: look a little sooner next time) */
            w->nap = w->nap / 2 < FO_NAP_MIN ? FO_NAP_MIN : w->nap / 2;
            break;
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += w->nap;
        until.tv_sec += until.tv_nsec / 1000000000;
        until.tv_nsec %= 1000000000;
        pthread_mutex_lock(w->mu);
        if (atomic_load_explicit(w->state, memory_order_relaxed) == FO_RUNNING)
            pthread_cond_timedwait(w->cv, w->mu, &until);
        pthread_mutex_unlock(w->mu);
        w->nap = w->nap * 2 > FO_NAP_MAX ? FO_NAP_MAX : w->nap * 2;
    }
    return CPN_OK;
}

/* Streamed file @p k's rows, read again from the start (its checked copy), each with the
 * finish time of flow *id (then the next id). */
static int out_stream(struct cpn_scenario *scen, struct cpn_diag *diag, size_t k, struct fo_out *o,
                      struct fo_wait *w, size_t *id)
{
    struct cpn_scen_flow_reader *rd;
    int rc = cpn_scen_flow_reader_open(scen, k, diag, 0, &rd), more = 1;
    struct cpn_scen_flow row;
    while (rc == CPN_OK && (rc = cpn_scen_flow_reader_next(rd, &row, &more)) == CPN_OK && more &&
           (rc = await_flow(w, *id)) == CPN_OK)
        rc = out_row(o, scen, row.id, row.src, row.dst, row.size, row.start,
                     cpn_traffic_finish(w->traffic, (*id)++));
    cpn_scen_flow_reader_free(rd);
    return rc;
}

/* The header and every row of @p scen's flows into @p o (its buffer written when full; the
 * last part left in it). */
static int out_rows(struct cpn_scenario *scen, struct cpn_diag *diag, struct fo_out *o,
                    struct fo_wait *w)
{
    static const char header[] = "id,src,dst,bytes,start_time,finish_time\n";
    int rc = out_room(o, FO_OUT);
    if (rc == CPN_OK) {
        memcpy(o->buf, header, sizeof header - 1);
        o->used = sizeof header - 1;
    }
    /* The loaded flows, read where the scenario keeps them (not by cpn_scen_flow_get(), which
     * reads the router: the run may be adding routes to it meanwhile). */
    for (size_t i = 0; rc == CPN_OK && i < scen->flows.len; i++) {
        const struct cpn_scen_flowrow *f = &scen->flows.items[i];
        if ((rc = await_flow(w, i)) == CPN_OK)
            rc = out_row(o, scen, scen->flow_ids.items + f->id, f->src, f->dst, f->size, f->start,
                         cpn_traffic_finish(w->traffic, i));
    }
    for (size_t k = 0; rc == CPN_OK && k < scen->flowfiles.len; k++) {
        size_t id = scen->flowfiles.items[k].first;
        rc = out_stream(scen, diag, k, o, w, &id);
    }
    return rc;
}

int cpn_flows_out_write(struct cpn_scenario *scen, struct cpn_diag *diag, const char *path,
                        int force, const struct cpn_traffic *traffic, const int *failed)
{
    if (!scen || !diag || !path || !traffic) {
        fprintf(stderr, "cpnsim: cpn_flows_out_write: NULL argument\n");
        return cpn_exit_code(CPN_EINVAL);
    }
    struct cpn_atomic a;
    int rc = cpn_atomic_open(&a, path, force);
    if (rc != CPN_OK) {
        fprintf(stderr, "cpnsim: %s\n", cpn_error_message());
        return cpn_exit_code(rc);
    }
    struct fo_out o = {a.f, NULL, 0, 0, longest_name(scen)};
    for (size_t k = 0; failed && k < scen->flowfiles.len && rc == CPN_OK; k++)
        if (failed[k])
            rc = CPN_ERROR(CPN_ESCENARIO, "%s could not be read to its end during the run",
                           scen->flowfiles.items[k].file);
    struct fo_wait w = {traffic, NULL, 0, NULL, NULL, FO_NAP_MIN};
    if (rc == CPN_OK && (rc = out_rows(scen, diag, &o, &w)) == CPN_OK)
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

/* ---- written during the run ------------------------------------------------------------------ */

struct cpn_flows_out {
    struct cpn_scenario *scen;
    struct cpn_atomic file; /* the table's temporary file, beside its final name */
    struct fo_out out;
    struct fo_wait wait;
    struct cpn_diag diag; /* the writer's (a copy that cannot be read back: its rc says so) */
    _Atomic int state;    /* FO_RUNNING, FO_OVER, FO_CANCEL */
    pthread_mutex_t mu;   /* with cv: writer_stop() wakes the writer */
    pthread_cond_t cv;    /* (on CLOCK_MONOTONIC) */
    pthread_t thread;
    int joined; /* the writer has been waited for */
    int rc;     /* the writer's result */
};

/* Free @p fo (its writer stopped or never started). */
static void fo_free(struct cpn_flows_out *fo)
{
    pthread_cond_destroy(&fo->cv);
    pthread_mutex_destroy(&fo->mu);
    free(fo);
}

static void *writer_main(void *arg)
{
    struct cpn_flows_out *fo = arg;
    fo->rc = out_rows(fo->scen, &fo->diag, &fo->out, &fo->wait);
    return NULL;
}

struct cpn_flows_out *cpn_flows_out_begin(struct cpn_scenario *scen, const char *path, int force,
                                          const struct cpn_traffic *traffic)
{
    int stream = 0;
    if (!scen || !path || !traffic || cpn_output_check(path, force, 1, &stream) != CPN_OK || stream)
        return NULL;
    for (size_t k = 0; k < scen->flowfiles.len; k++)
        if (scen->flowfiles.items[k].copy_fd < 0)
            return NULL; /* read from the file itself: its reader shares the load's tables */
    struct cpn_flows_out *fo = calloc(1, sizeof *fo);
    if (!fo)
        return NULL;
    fo->scen = scen;
    fo->wait = (struct fo_wait){traffic, &fo->state, 0, &fo->mu, &fo->cv, FO_NAP_MIN};
    atomic_init(&fo->state, FO_RUNNING);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&fo->mu, NULL);
    pthread_cond_init(&fo->cv, &ca);
    pthread_condattr_destroy(&ca);
    cpn_diag_init(&fo->diag, stderr);
    if (cpn_atomic_open(&fo->file, path, force) != CPN_OK) {
        fo_free(fo);
        return NULL;
    }
    fo->out = (struct fo_out){fo->file.f, NULL, 0, 0, longest_name(scen)};
    /* The writer starts with every signal blocked: they stay with the main thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = pthread_create(&fo->thread, NULL, writer_main, fo);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0) {
        cpn_atomic_abort(&fo->file);
        fo_free(fo);
        return NULL;
    }
    return fo;
}

/* Stop @p fo's writer (@p how: FO_OVER, write the rows left; FO_CANCEL, stop now), wait for
 * it and return its result (the last part of the table is left in its buffer). */
static int writer_stop(struct cpn_flows_out *fo, int how)
{
    if (!fo->joined) {
        pthread_mutex_lock(&fo->mu);
        atomic_store_explicit(&fo->state, how, memory_order_release);
        pthread_cond_signal(&fo->cv);
        pthread_mutex_unlock(&fo->mu);
        pthread_join(fo->thread, NULL);
        fo->joined = 1;
    }
    return fo->rc;
}

int cpn_flows_out_end(struct cpn_flows_out *fo, struct cpn_diag *diag, const char *path, int force,
                      const struct cpn_traffic *traffic, const int *failed)
{
    int rc = writer_stop(fo, FO_OVER);
    struct cpn_scenario *scen = fo->scen;
    for (size_t k = 0; failed && k < scen->flowfiles.len; k++)
        rc = failed[k] ? CPN_ESCENARIO : rc;
    if (rc != CPN_OK) { /* written again after the run, which says why it cannot be */
        cpn_flows_out_cancel(fo);
        return cpn_flows_out_write(scen, diag, path, force, traffic, failed);
    }
    out_flush(&fo->out);
    free(fo->out.buf);
    rc = cpn_atomic_commit(&fo->file);
    fo_free(fo);
    if (rc != CPN_OK) {
        fprintf(stderr, "cpnsim: %s\n", cpn_error_message());
        return cpn_exit_code(rc);
    }
    return 0;
}

void cpn_flows_out_cancel(struct cpn_flows_out *fo)
{
    if (!fo)
        return;
    writer_stop(fo, FO_CANCEL);
    free(fo->out.buf);
    cpn_atomic_abort(&fo->file);
    fo_free(fo);
}
