/* The --flows-out table (see flows_out.h). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int out_row(struct fo_out *o, const struct cpn_scenario *scen, const struct cpn_scen_flow *f,
                   double finish)
{
    /* (room for prefix(), a finish time and the line's end) */
    size_t idlen = strlen(f->id);
    int rc = out_room(o, idlen + 2 * o->name + 6 + 3 * CPN_NUMTEXT_MAX);
    if (rc != CPN_OK)
        return rc;
    o->used += prefix(o->buf + o->used, scen, f->id, idlen, f->src, f->dst, f->size, f->start);
    out_finish(o, finish);
    return CPN_OK;
}

/* Streamed file @p k's rows, read again from the start (its checked copy), each with the
 * finish time of flow *id (then the next id). */
static int out_stream(struct cpn_scenario *scen, struct cpn_diag *diag, size_t k, struct fo_out *o,
                      const struct cpn_traffic *traffic, size_t *id)
{
    struct cpn_scen_flow_reader *rd;
    int rc = cpn_scen_flow_reader_open(scen, k, diag, 0, &rd), more = 1;
    struct cpn_scen_flow row;
    while (rc == CPN_OK && (rc = cpn_scen_flow_reader_next(rd, &row, &more)) == CPN_OK && more)
        rc = out_row(o, scen, &row, cpn_traffic_finish(traffic, (*id)++));
    cpn_scen_flow_reader_free(rd);
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
    static const char header[] = "id,src,dst,bytes,start_time,finish_time\n";
    if ((rc = out_room(&o, FO_OUT)) == CPN_OK) {
        memcpy(o.buf, header, sizeof header - 1);
        o.used = sizeof header - 1;
    }
    for (size_t i = 0; rc == CPN_OK && i < scen->flows.len; i++) {
        struct cpn_scen_flow f;
        cpn_scen_flow_get(scen, i, &f);
        rc = out_row(&o, scen, &f, cpn_traffic_finish(traffic, i));
    }
    for (size_t k = 0; rc == CPN_OK && k < scen->flowfiles.len; k++) {
        size_t id = scen->flowfiles.items[k].first;
        if (failed && failed[k])
            rc = CPN_ERROR(CPN_ESCENARIO, "%s could not be read to its end during the run",
                           scen->flowfiles.items[k].file);
        else
            rc = out_stream(scen, diag, k, &o, traffic, &id);
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
