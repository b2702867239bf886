/*
 * External-process policies (cli/policy_exec.h; the protocol: docs/policy-protocol.md).
 *
 * The process's standard input and output are one end of a socket pair (so that a write to a
 * process that died fails with EPIPE through MSG_NOSIGNAL, without touching the program's
 * SIGPIPE disposition); its standard error goes to an unlinked temporary file whose last lines
 * a failure quotes.  Messages are built and parsed with Jansson; numbers are written with 17
 * significant digits, so that a double crosses the protocol exactly.
 */
#include "cli/policy_exec.h"

#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "models/net/topology.h"
#include "scenarios/units.h"
#include "sim/engine.h"
#include "sim/error.h"
#include "sim/idmap.h"
#include "sim/rng.h"

extern char **environ;

/* How long read_line() busy-polls for a reply before it blocks [s].  Assumption: 2 ms.  A
 * blocked reader costs a wake-up per reply, 20-40 us on the 2-core VMs the benchmark ran on
 * (tests/bench/policy_exec.sh, a trivial policy on national.xml --until 1d: 11,000 decisions/s
 * blocking, 19,000 with this busy poll, 32,000 with the Python package polling too); most
 * policies answer well within it (sched_yield() lets them run first), and one that does not
 * costs at most this much CPU per decision. */
#define CPN_EXEC_SPIN 0.002

/* Event kinds by enum cpn_policy_event_kind, as the protocol names them. */
static const char *const event_names[] = {"job_finished", "center_changed", "link_changed",
                                          "bandwidth_granted", "bandwidth_refused"};
#define N_EVENTS (sizeof event_names / sizeof event_names[0])

/* Job kinds by enum cpn_world_job_kind. */
static const char *const kind_names[CPN_WORLD_JOB_NKINDS] = {"batch",  "training",  "ingest",
                                                             "deploy", "inference", "vm"};

/* What the process was last sent of a center (the view's deltas). */
struct sent_center {
    int valid;                    /* sent at least once */
    struct cpn_world_center c;    /* its fields (pointers and measured unused) */
    struct cpn_world_pool *pools; /* its pools, c.n_pools of them */
    uint32_t cap;                 /* room in pools */
};

struct cpn_exec_policy {
    struct cpn_policy_ops ops; /* the table the run uses */
    char name[64];
    char stream[80]; /* "policy/NAME", or the stream the hello asks for */
    char *command;
    double timeout; /* [s] */
    pid_t pid;      /* the process, 0 before the start or once reaped */
    int fd;         /* our end of the socket pair, -1 when closed */
    int err_fd;     /* its standard error (an unlinked temporary file), -1 when none */
    char *wbuf;     /* the message being sent */
    size_t wcap;
    char *rbuf; /* bytes read and not yet consumed */
    size_t rlen, rcap;
    uint64_t n;               /* messages sent */
    uint64_t decisions;       /* decisions received */
    unsigned subscribed;      /* bit k: event kind k */
    gsl_rng *gen;             /* stream "policy/STREAM" (owned by the run's streams) */
    int want_bandwidth;       /* the hello asked for the bandwidth rows */
    char reason[128];         /* the reason of the last rejection */
    int regions_sent;         /* the first view carried the nodes' regions */
    struct sent_center *sent; /* per center of the view (n_sent) */
    double *rtt_sent;         /* the RTT rows last sent, n_origins x n_centers (NaN: not sent) */
    uint32_t n_sent;
    const struct cpn_scenario *scen; /* names of nodes, centers, pool types, links */
    struct cpn_idmap centers;        /* center name -> index (the world's names, borrowed), built
                                        at the first decision that names a center */
    int failed;                      /* a failure is recorded in failure */
    char failure[4096];              /* its message, with the stderr tail */
};

/* ---- failures ------------------------------------------------------------------------- */

/* Append the last lines the process wrote to its standard error to @p buf. */
static void stderr_tail(const struct cpn_exec_policy *x, char *buf, size_t size)
{
    if (x->err_fd < 0)
        return;
    char tail[1024];
    off_t end = lseek(x->err_fd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof tail - 1 ? end - (off_t)sizeof tail + 1 : 0;
    ssize_t got = end > 0 ? pread(x->err_fd, tail, (size_t)(end - from), from) : 0;
    size_t len = strlen(buf);
    if (got <= 0) {
        snprintf(buf + len, size - len, " (it wrote nothing to its standard error)");
        return;
    }
    tail[got] = '\0';
    const char *start = tail;
    if (from > 0 && strchr(start, '\n')) /* drop the partial first line */
        start = strchr(start, '\n') + 1;
    int lines = 0; /* at most the last 8 lines */
    for (const char *p = tail + got - 1; p > start; p--)
        if (p[-1] == '\n' && ++lines == 8) {
            start = p;
            break;
        }
    len += (size_t)snprintf(buf + len, size > len ? size - len : 0,
                            "\n  the end of its standard error:");
    for (const char *p = start; *p && len + 8 < size;) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        len += (size_t)snprintf(buf + len, size - len, "\n  | %.*s", n, p);
        p = nl ? nl + 1 : p + n;
    }
}

/* Record a failure (once; later ones keep the first) and return CPN_EPOLICY with it. */
__attribute__((format(printf, 2, 3))) static int fail(struct cpn_exec_policy *x, const char *fmt,
                                                      ...)
{
    if (!x->failed) {
        int len =
            snprintf(x->failure, sizeof x->failure, "policy \"%s\" (%s): ", x->name, x->command);
        va_list ap;
        va_start(ap, fmt);
        if (len > 0 && (size_t)len < sizeof x->failure)
            vsnprintf(x->failure + len, sizeof x->failure - (size_t)len, fmt, ap);
        va_end(ap);
        stderr_tail(x, x->failure, sizeof x->failure);
        x->failed = 1;
    }
    return CPN_ERROR(CPN_EPOLICY, "%s", x->failure);
}

/* fail() for a bad reply: "reply to message N (WHAT): " before the message. */
__attribute__((format(printf, 3, 4))) static int bad_reply(struct cpn_exec_policy *x,
                                                           const char *what, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fail(x, "reply to message %llu (%s): %s", (unsigned long long)x->n, what, msg);
}

/* ---- the process and its socket ----------------------------------------------------------- */

/* Whether the process has exited (reaped then; *status receives its wait status). */
static int exited(struct cpn_exec_policy *x, int *status)
{
    if (x->pid <= 0)
        return 1;
    if (waitpid(x->pid, status, WNOHANG) == x->pid) {
        x->pid = 0;
        return 1;
    }
    return 0;
}

/* Describe how the process ended, for messages ("exited with status 3", "was killed by ..."). */
static void describe_exit(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, size, "ended");
}

/* The process closed its side: say how it ended (waiting a little for it to be reaped). */
static int fail_gone(struct cpn_exec_policy *x, const char *when)
{
    int status = 0;
    for (int i = 0; i < 100 && !exited(x, &status); i++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    char how[128] = "closed its standard output";
    if (x->pid == 0)
        describe_exit(status, how, sizeof how);
    return fail(x, "the process %s %s", how, when);
}

/* Write one message (a JSON object, then '\n'), waiting at most the timeout (the socket's
 * SO_SNDTIMEO wakes the blocking send to check it). */
static int send_message(struct cpn_exec_policy *x, json_t *msg, const char *what)
{
    size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(17) | JSON_ENSURE_ASCII;
    size_t len = json_dumpb(msg, x->wbuf, x->wcap ? x->wcap - 1 : 0, flags);
    if (len + 1 > x->wcap) {
        size_t cap = x->wcap ? x->wcap : 65536;
        while (cap < len + 1)
            cap *= 2;
        char *b = realloc(x->wbuf, cap);
        if (!b) {
            json_decref(msg);
            return CPN_ERROR(CPN_ENOMEM, NULL);
        }
        x->wbuf = b;
        x->wcap = cap;
        len = json_dumpb(msg, x->wbuf, x->wcap - 1, flags);
    }
    json_decref(msg);
    if (len == 0)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    x->wbuf[len++] = '\n';
    double deadline = cpn_wall_seconds() + x->timeout;
    for (size_t off = 0; off < len;) {
        ssize_t w = send(x->fd, x->wbuf + off, len - off, MSG_NOSIGNAL);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (cpn_wall_seconds() >= deadline)
                return fail(x, "it read nothing of message %llu (%s) for %g s (--policy-timeout)",
                            (unsigned long long)x->n, what, x->timeout);
            continue;
        }
        char when[160];
        snprintf(when, sizeof when, "before message %llu (%s) could be sent",
                 (unsigned long long)x->n, what);
        return fail_gone(x, when);
    }
    return CPN_OK;
}

/* Read one line of the process's output into *out (NUL-terminated, in x->rbuf; valid until
 * the next read), waiting at most the timeout (SO_RCVTIMEO wakes the blocking recv). */
static int read_line(struct cpn_exec_policy *x, const char *what, char **out, size_t *out_len)
{
    double deadline = cpn_wall_seconds() + x->timeout;
    for (;;) {
        char *end = x->rlen ? memchr(x->rbuf, '\n', x->rlen) : NULL;
        if (end) {
            *end = '\0';
            *out = x->rbuf;
            *out_len = (size_t)(end - x->rbuf);
            return CPN_OK;
        }
        if (x->rlen + 4096 > x->rcap) {
            size_t cap = x->rcap ? 2 * x->rcap : 65536;
            if (cap > (size_t)64 << 20)
                return fail(x,
                            "its reply to message %llu (%s) is longer than 64 MiB without a "
                            "line end",
                            (unsigned long long)x->n, what);
            char *b = realloc(x->rbuf, cap);
            if (!b)
                return CPN_ERROR(CPN_ENOMEM, NULL);
            x->rbuf = b;
            x->rcap = cap;
        }
        /* Busy-poll for up to CPN_EXEC_SPIN before blocking: a policy that answers within it
         * is read without a wake-up of this process. */
        ssize_t r = recv(x->fd, x->rbuf + x->rlen, x->rcap - x->rlen - 1, MSG_DONTWAIT);
        for (double t0 = -1; r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);) {
            double t = cpn_wall_seconds();
            if (t0 < 0)
                t0 = t;
            if (t - t0 > CPN_EXEC_SPIN) {
                r = recv(x->fd, x->rbuf + x->rlen, x->rcap - x->rlen - 1, 0);
                break;
            }
            sched_yield(); /* the policy first, when it waits for this CPU */
            r = recv(x->fd, x->rbuf + x->rlen, x->rcap - x->rlen - 1, MSG_DONTWAIT);
        }
        if (r > 0) {
            x->rlen += (size_t)r;
            continue;
        }
        if (r == 0 || (r < 0 && errno == ECONNRESET)) { /* it exited, unread data or not */
            char when[160];
            snprintf(when, sizeof when, "instead of answering message %llu (%s)",
                     (unsigned long long)x->n, what);
            return fail_gone(x, when);
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return fail(x, "cannot read its reply to message %llu (%s): %s",
                        (unsigned long long)x->n, what, strerror(errno));
        if (cpn_wall_seconds() >= deadline) /* SO_RCVTIMEO woke the blocking recv */
            return fail(x,
                        "no reply to message %llu (%s) within %g s (--policy-timeout); the "
                        "process was stopped",
                        (unsigned long long)x->n, what, x->timeout);
    }
}

/* Drop the line read_line() returned (and its '\n'). */
static void consume_line(struct cpn_exec_policy *x, size_t len)
{
    size_t used = len + 1;
    memmove(x->rbuf, x->rbuf + used, x->rlen - used);
    x->rlen -= used;
}

/* Read the reply to message x->n: one JSON object of type @p type with "n" = x->n. */
static int read_reply(struct cpn_exec_policy *x, const char *type, const char *what, json_t **out)
{
    char *line = NULL;
    size_t len = 0;
    int rc = read_line(x, what, &line, &len);
    if (rc != CPN_OK)
        return rc;
    json_error_t err;
    json_t *msg = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
    if (!msg || !json_is_object(msg)) {
        rc = fail(x,
                  "its reply to message %llu (%s) is not one JSON object (%s at column %d): "
                  "\"%.200s\"",
                  (unsigned long long)x->n, what, msg ? "another JSON value" : err.text,
                  msg ? 1 : err.column, line);
        json_decref(msg);
        consume_line(x, len);
        return rc;
    }
    consume_line(x, len);
    json_t *t = json_object_get(msg, "type"), *n = json_object_get(msg, "n");
    if (!json_is_string(t) || strcmp(json_string_value(t), type) != 0)
        rc = bad_reply(x, what, "field \"type\": %s (use \"%s\")",
                       json_is_string(t) ? json_string_value(t) : "missing or not a string", type);
    else if (!json_is_integer(n) || (uint64_t)json_integer_value(n) != x->n)
        rc =
            bad_reply(x, what,
                      "field \"n\": %s (use %llu, the number of the "
                      "message it answers)",
                      json_is_integer(n) ? "another message's number" : "missing or not an integer",
                      (unsigned long long)x->n);
    if (rc != CPN_OK) {
        json_decref(msg);
        return rc;
    }
    *out = msg;
    return CPN_OK;
}

/* ---- messages out ------------------------------------------------------------------------- */

/* A number, or null when it is not finite (JSON has no infinity). */
static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static const char *node_name(const struct cpn_exec_policy *x, uint32_t node)
{
    return node < cpn_topo_node_count(x->scen->topo) ? cpn_topo_node(x->scen->topo, node)->id
                                                     : NULL;
}

static const char *type_name(const struct cpn_exec_policy *x, uint32_t type)
{
    return type < x->scen->pool_types.len ? x->scen->pool_types.items[type] : NULL;
}

/* A new message {"type": TYPE, "n": next number, "time": TIME}. */
static json_t *message(struct cpn_exec_policy *x, const char *type, double time)
{
    x->n++;
    json_t *m = json_object();
    json_object_set_new(m, "type", json_string(type));
    json_object_set_new(m, "n", json_integer((json_int_t)x->n));
    json_object_set_new(m, "time", num(time));
    return m;
}

static json_t *job_json(const struct cpn_exec_policy *x, const struct cpn_world_job *j)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)j->id));
    json_object_set_new(o, "kind",
                        json_string(j->kind < CPN_WORLD_JOB_NKINDS ? kind_names[j->kind] : "?"));
    json_object_set_new(o, "origin", str_or_null(node_name(x, j->origin)));
    json_object_set_new(
        o, "input_origin",
        str_or_null(node_name(x, j->input_origin == CPN_NONE ? j->origin : j->input_origin)));
    json_object_set_new(o, "pool_type",
                        j->pool_type == CPN_NONE ? json_null()
                                                 : str_or_null(type_name(x, j->pool_type)));
    json_object_set_new(o, "units", json_integer(j->units));
    json_object_set_new(o, "work", num(j->work));
    json_object_set_new(o, "duration", num(j->duration));
    json_object_set_new(o, "walltime", num(j->walltime));
    json_object_set_new(o, "input_bytes", num(j->input_bytes));
    json_object_set_new(o, "submit", num(j->submit));
    json_object_set_new(o, "deadline", num(j->deadline));
    json_object_set_new(o, "slo", num(j->slo));
    json_object_set_new(o, "attempts", json_integer(j->attempts));
    json_object_set_new(o, "splittable", json_boolean(j->splittable));
    return o;
}

/* Whether @p a and @p b differ, bit for bit (NaN included). */
static int differ(double a, double b)
{
    return memcmp(&a, &b, sizeof a) != 0;
}

/* The network rows of origin @p o: "rtt" [s] and, when @p bw, "bandwidth" [B/s] per center and
 * path. */
static void add_rows(json_t *rtt, json_t *bw, struct cpn_exec_policy *x, const struct cpn_world *w,
                     uint32_t o)
{
    const char *name = node_name(x, o);
    if (!name || json_object_get(rtt, name) || (bw && json_object_get(bw, name)))
        return;
    /* The RTT row only when it changed since it was last sent (the process keeps it). */
    double *last = x->rtt_sent ? x->rtt_sent + (size_t)o * w->n_centers : NULL;
    int same = last && last[0] == last[0]; /* NaN: never sent */
    for (uint32_t c = 0; same && c < w->n_centers; c++)
        same = !differ(last[c], cpn_world_rtt(w, o, c));
    json_t *r = same ? NULL : json_array(), *b = bw ? json_array() : NULL;
    for (uint32_t c = 0; c < w->n_centers; c++) {
        if (r) {
            json_array_append_new(r, num(cpn_world_rtt(w, o, c)));
            if (last)
                last[c] = cpn_world_rtt(w, o, c);
        }
        if (!b)
            continue; /* the bandwidth is computed only when read (models/world.h) */
        json_t *paths = json_array();
        for (uint32_t k = 1; k <= w->n_paths; k++)
            json_array_append_new(paths, num(cpn_world_bandwidth(w, o, c, k)));
        json_array_append_new(b, paths);
    }
    if (r)
        json_object_set_new(rtt, name, r);
    if (b)
        json_object_set_new(bw, name, b);
}

/* Whether center @p c of the view differs from what the process was last sent (and remember
 * it as sent).  Its measurement time is not compared: the view's "measured" carries it. */
static int center_changed(struct cpn_exec_policy *x, const struct cpn_world *w, uint32_t c)
{
    const struct cpn_world_center *a = &w->centers[c];
    struct sent_center *b = &x->sent[c];
    int changed =
        !b->valid || a->up != b->c.up || a->region != b->c.region || a->n_pools != b->c.n_pools ||
        a->queue_length != b->c.queue_length || differ(a->queued_units, b->c.queued_units) ||
        differ(a->queued_work, b->c.queued_work) || differ(a->running_work, b->c.running_work) ||
        differ(a->price, b->c.price) || differ(a->carbon, b->c.carbon) || differ(a->pue, b->c.pue);
    for (uint32_t p = 0; p < a->n_pools && !changed; p++) {
        const struct cpn_world_pool *pa = &a->pools[p], *pb = &b->pools[p];
        changed = pa->type != pb->type || pa->units != pb->units || pa->free != pb->free ||
                  differ(pa->speed, pb->speed) || differ(pa->memory, pb->memory) ||
                  differ(pa->power_idle, pb->power_idle) || differ(pa->power_peak, pb->power_peak);
    }
    if (!changed)
        return 0;
    if (a->n_pools > b->cap) {
        struct cpn_world_pool *np = realloc(b->pools, a->n_pools * sizeof *np);
        if (!np) {
            b->valid = 0; /* sent again next time */
            return 1;
        }
        b->pools = np;
        b->cap = a->n_pools;
    }
    b->c = *a;
    memcpy(b->pools, a->pools, a->n_pools * sizeof *b->pools);
    b->valid = 1;
    return 1;
}

/* The view: the centers that changed since the last message, by name (all of them in the first
 * view), and the network rows of the job's origins (bandwidth only when the hello asked). */
static json_t *view_json(struct cpn_exec_policy *x, const struct cpn_world *w,
                         const struct cpn_world_job *j)
{
    json_t *v = json_object(), *centers = json_object();
    json_object_set_new(v, "time", num(w->time));
    for (uint32_t c = 0; c < w->n_centers; c++) {
        if (!center_changed(x, w, c))
            continue;
        const struct cpn_world_center *wc = &w->centers[c];
        json_t *o = json_object(), *pools = json_array();
        json_object_set_new(o, "region", json_integer(wc->region));
        json_object_set_new(o, "up", json_boolean(wc->up));
        for (uint32_t p = 0; p < wc->n_pools; p++) { /* the rest of a pool is in the hello */
            const struct cpn_world_pool *wp = &wc->pools[p];
            json_t *po = json_object();
            json_object_set_new(po, "units", json_integer(wp->units));
            json_object_set_new(po, "free", json_integer(wp->free));
            json_array_append_new(pools, po);
        }
        json_object_set_new(o, "pools", pools);
        json_object_set_new(o, "queue_length", json_integer(wc->queue_length));
        json_object_set_new(o, "queued_units", num(wc->queued_units));
        json_object_set_new(o, "queued_work", num(wc->queued_work));
        json_object_set_new(o, "running_work", num(wc->running_work));
        json_object_set_new(o, "price", num(wc->price));
        json_object_set_new(o, "carbon", num(wc->carbon));
        json_object_set_new(o, "pue", num(wc->pue));
        json_object_set_new(centers, wc->name, o);
    }
    json_object_set_new(v, "centers", centers);
    if (!x->regions_sent && w->origin_region) { /* once: the region of every node */
        json_t *regions = json_array();
        for (uint32_t o = 0; o < w->n_origins; o++)
            json_array_append_new(regions, json_integer(w->origin_region[o]));
        json_object_set_new(v, "node_regions", regions);
        x->regions_sent = 1;
    }
    /* When each center's state was measured: null when all now (exact awareness), one time
     * when all share it (a periodic refresh), else one per center. */
    int all_now = 1, all_same = 1;
    for (uint32_t c = 0; c < w->n_centers; c++) {
        all_now &= w->centers[c].measured == w->time;
        all_same &= w->centers[c].measured == w->centers[0].measured;
    }
    json_t *measured;
    if (all_now) {
        measured = json_null();
    } else if (all_same) {
        measured = num(w->centers[0].measured); /* all_now holds without centers */
    } else {
        measured = json_array();
        for (uint32_t c = 0; c < w->n_centers; c++)
            json_array_append_new(measured, num(w->centers[c].measured));
    }
    json_object_set_new(v, "measured", measured);
    json_object_set_new(v, "n_paths", json_integer(w->n_paths));
    if (j) {
        json_t *rtt = json_object(), *bw = x->want_bandwidth ? json_object() : NULL;
        add_rows(rtt, bw, x, w, j->origin);
        if (j->input_origin != CPN_NONE)
            add_rows(rtt, bw, x, w, j->input_origin);
        json_object_set_new(v, "rtt", rtt);
        if (bw)
            json_object_set_new(v, "bandwidth", bw);
    }
    return v;
}

/* ---- decisions in ------------------------------------------------------------------------- */

/* The index of the center named by @p v, or CPN_NONE (after recording the failure). */
static uint32_t center_of(struct cpn_exec_policy *x, const struct cpn_world *w, json_t *v,
                          const char *field, const char *what, int *rc)
{
    if (!json_is_string(v)) {
        *rc = bad_reply(x, what, "field \"%s\": not a string (a center's name)", field);
        return CPN_NONE;
    }
    const char *name = json_string_value(v);
    for (uint32_t c = (uint32_t)x->centers.len; c < w->n_centers; c++) /* once per run */
        if (cpn_idmap_find(&x->centers, w->centers[c].name) == CPN_NONE &&
            cpn_idmap_insert(&x->centers, w->centers[c].name, c) != CPN_OK) {
            *rc = CPN_ERROR(CPN_ENOMEM, NULL);
            return CPN_NONE;
        }
    uint32_t found = cpn_idmap_find(&x->centers, name);
    if (found != CPN_NONE)
        return found;
    char names[512] = "";
    size_t len = 0;
    for (uint32_t c = 0; c < w->n_centers && len + 80 < sizeof names; c++)
        len += (size_t)snprintf(names + len, sizeof names - len, "%s\"%s\"", c ? ", " : "",
                                w->centers[c].name);
    *rc = bad_reply(x, what, "field \"%s\": \"%.100s\" is not a center (use %s%s)", field, name,
                    names, len + 80 >= sizeof names ? ", ..." : "");
    return CPN_NONE;
}

/* A whole number in [lo, hi] from field @p field, or record the failure. */
static int whole(struct cpn_exec_policy *x, json_t *v, const char *field, const char *what,
                 long long lo, long long hi, uint32_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        char got[64];
        if (json_is_integer(v))
            snprintf(got, sizeof got, "%lld", (long long)json_integer_value(v));
        else
            snprintf(got, sizeof got, "not an integer");
        return bad_reply(x, what,
                         "field \"%s\": %s (use a whole number from "
                         "%lld to %lld)",
                         field, got, lo, hi);
    }
    *out = (uint32_t)json_integer_value(v);
    return CPN_OK;
}

/* Turn the decision @p msg into @p out and check it against the view. */
static int parse_decision(struct cpn_exec_policy *x, json_t *msg, const struct cpn_world_job *job,
                          const struct cpn_world *w, int may_split, const char *what,
                          struct cpn_policy_decision *out)
{
    static const char *const fields[] = {"type",  "n",       "center", "pool",
                                         "paths", "elastic", "split",  "reject"};
    const char *key;
    json_t *v;
    int rc = CPN_OK;
    json_object_foreach(msg, key, v)
    {
        size_t k = 0;
        while (k < sizeof fields / sizeof *fields && strcmp(fields[k], key) != 0)
            k++;
        if (k == sizeof fields / sizeof *fields)
            return bad_reply(x, what,
                             "field \"%.60s\" is not part of a decision "
                             "(use center, pool, paths, elastic, split, reject)",
                             key);
    }
    json_t *center = json_object_get(msg, "center");
    if (!center)
        return bad_reply(x, what,
                         "field \"center\" is missing (a center's name, "
                         "or null to hold the job)");
    /* Every field is checked, also in a hold (a policy's typo shows at once). */
    if ((v = json_object_get(msg, "paths")) &&
        (rc = whole(x, v, "paths", what, 1, w->n_paths, &out->paths)) != CPN_OK)
        return rc;
    if ((v = json_object_get(msg, "elastic"))) {
        if (!json_is_number(v) || !(json_number_value(v) >= 0) || !isfinite(json_number_value(v)))
            return bad_reply(x, what,
                             "field \"elastic\": not a bandwidth (use a "
                             "number of B/s, >= 0)");
        out->elastic = json_number_value(v);
    }
    if ((v = json_object_get(msg, "reject")) && !json_is_null(v)) {
        if (!json_is_string(v) || !*json_string_value(v))
            return bad_reply(x, what,
                             "field \"reject\": not a reason (use a "
                             "non-empty string, or null)");
        if (!may_split)
            return bad_reply(x, what,
                             "field \"reject\": a migration cannot "
                             "reject a job (use center null: it stays)");
        if (!json_is_null(center))
            return bad_reply(x, what,
                             "field \"reject\": a rejection names no "
                             "center (use center null)");
        snprintf(x->reason, sizeof x->reason, "%s", json_string_value(v));
    }
    if (json_is_null(center)) {
        if ((v = json_object_get(msg, "pool")) && !json_is_null(v))
            return bad_reply(x, what,
                             "field \"pool\": a pool goes with a center "
                             "(the center is null: hold)");
        if (json_object_get(msg, "split"))
            return bad_reply(x, what,
                             "field \"split\": a split goes with a "
                             "center (the center is null: hold)");
        *out = (struct cpn_policy_decision){.center = CPN_POLICY_HOLD, .pool = CPN_NONE};
        if ((v = json_object_get(msg, "reject")) && !json_is_null(v))
            out->reject = x->reason; /* read by the jobs layer during the call */
        x->decisions++;
        return CPN_OK; /* hold, or reject */
    }
    out->center = center_of(x, w, center, "center", what, &rc);
    if (rc != CPN_OK)
        return rc;
    if ((v = json_object_get(msg, "pool")) && !json_is_null(v) &&
        (rc = whole(x, v, "pool", what, 0, w->centers[out->center].n_pools - 1, &out->pool)) !=
            CPN_OK)
        return rc;
    if ((v = json_object_get(msg, "split"))) {
        size_t n = json_is_array(v) ? json_array_size(v) : 0;
        if (!may_split)
            return bad_reply(x, what, "field \"split\": a migration moves a job whole (no split)");
        if (n < 2 || n > CPN_POLICY_MAX_SPLIT)
            return bad_reply(x, what,
                             "field \"split\": not an array of 2 to %d {\"center\", "
                             "\"units\"} objects",
                             CPN_POLICY_MAX_SPLIT);
        out->n_split = (uint32_t)n;
        for (size_t k = 0; k < n; k++) {
            json_t *part = json_array_get(v, k);
            char field[48];
            snprintf(field, sizeof field, "split[%zu].center", k);
            out->split_centers[k] =
                center_of(x, w, json_object_get(part, "center"), field, what, &rc);
            snprintf(field, sizeof field, "split[%zu].units", k);
            if (rc != CPN_OK || (rc = whole(x, json_object_get(part, "units"), field, what, 1,
                                            UINT32_MAX - 1, &out->split_units[k])) != CPN_OK)
                return rc;
        }
    }
    if (cpn_policy_decision_check(x->name, job, w, out) != CPN_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", cpn_error_message());
        return bad_reply(x, what, "%s", why);
    }
    x->decisions++;
    return CPN_OK;
}

/* ---- the policy table's callbacks --------------------------------------------------------- */

/* Send @p m (a place or migrate question, @p type) about @p job and read the decision. */
static int ask(struct cpn_exec_policy *x, json_t *m, const char *type,
               const struct cpn_world_job *job, const struct cpn_world *w,
               struct cpn_policy_decision *out)
{
    char what[64];
    snprintf(what, sizeof what, "%s, job %llu", type, (unsigned long long)job->id);
    json_t *reply = NULL;
    int rc = send_message(x, m, what);
    if (rc == CPN_OK && (rc = read_reply(x, "decision", what, &reply)) == CPN_OK)
        rc = parse_decision(x, reply, job, w, strcmp(type, "place") == 0, what, out);
    json_decref(reply);
    return rc;
}

static int exec_place(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                      const struct cpn_world *w, struct cpn_policy_decision *out)
{
    struct cpn_exec_policy *x = ctx->state;
    if (x->failed)
        return CPN_ERROR(CPN_EPOLICY, "%s", x->failure);
    json_t *m = message(x, "place", w->time);
    json_object_set_new(m, "job", job_json(x, job));
    json_object_set_new(m, "view", view_json(x, w, job));
    json_object_set_new(m, "uniform", x->gen ? json_real(gsl_rng_uniform(x->gen)) : json_null());
    return ask(x, m, "place", job, w, out);
}

static int exec_migrate(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                        const struct cpn_policy_migrant *at, const struct cpn_world *w,
                        struct cpn_policy_decision *out)
{
    struct cpn_exec_policy *x = ctx->state;
    if (x->failed)
        return CPN_ERROR(CPN_EPOLICY, "%s", x->failure);
    json_t *m = message(x, "migrate", w->time);
    json_object_set_new(m, "job", job_json(x, job));
    json_t *a = json_object();
    json_object_set_new(a, "center", json_string(w->centers[at->center].name));
    json_object_set_new(a, "running", json_boolean(at->running));
    json_object_set_new(a, "left", num(at->left));
    json_object_set_new(a, "remaining", num(at->remaining));
    json_object_set_new(a, "state_bytes", num(at->state_bytes));
    json_object_set_new(m, "at", a);
    json_object_set_new(m, "view", view_json(x, w, job));
    return ask(x, m, "migrate", job, w, out);
}

static void exec_event(struct cpn_policy_ctx *ctx, const struct cpn_policy_event *e,
                       const struct cpn_world *w)
{
    struct cpn_exec_policy *x = ctx->state;
    if (x->failed || (unsigned)e->kind >= N_EVENTS || !(x->subscribed & (1u << e->kind)))
        return;
    json_t *m = message(x, "event", e->time);
    json_object_set_new(m, "kind", json_string(event_names[e->kind]));
    int has_job =
        e->kind != CPN_POLICY_EVENT_CENTER_CHANGED && e->kind != CPN_POLICY_EVENT_LINK_CHANGED;
    json_object_set_new(m, "job", has_job ? json_integer((json_int_t)e->job) : json_null());
    json_object_set_new(m, "center",
                        e->center < w->n_centers ? json_string(w->centers[e->center].name)
                                                 : json_null());
    json_object_set_new(m, "link",
                        e->link < cpn_topo_link_count(x->scen->topo)
                            ? json_string(cpn_topo_link(x->scen->topo, e->link)->id)
                            : json_null());
    (void)send_message(x, m, "event"); /* a failure is kept for the next placement */
}

static void exec_tick(struct cpn_policy_ctx *ctx, const struct cpn_world *w)
{
    struct cpn_exec_policy *x = ctx->state;
    if (x->failed)
        return;
    json_t *m = message(x, "tick", w->time);
    json_object_set_new(m, "view", view_json(x, w, NULL));
    (void)send_message(x, m, "tick");
}

/* ---- life cycle --------------------------------------------------------------------------- */

int cpn_exec_option_check(const char *command, const char *option, const char *arg, double *timeout)
{
    if (strcmp(option, "--policy-param") == 0) {
        const char *eq = strchr(arg, '=');
        if (!cpn_exec_name_ok(arg, eq ? (size_t)(eq - arg) : 0))
            return cpn_cli_usage_error(command,
                                       "--policy-param \"%s\" is not NAME=VALUE with a name of "
                                       "a-z, 0-9 and _ (e.g. --policy-param alpha=0.5)",
                                       arg);
        return 0;
    }
    char why[256];
    double v = 0;
    if (arg[0] == '-' || cpn_units_parse(arg, CPN_Q_TIME, &v, why, sizeof why) != CPN_OK ||
        !(v > 0) || !isfinite(v))
        return cpn_cli_usage_error(command,
                                   "--policy-timeout \"%s\" is not a positive time with a unit "
                                   "(e.g. --policy-timeout 30s)",
                                   arg);
    if (timeout)
        *timeout = v;
    return 0;
}

int cpn_exec_name_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return len > 0;
}

int cpn_exec_policy_new(const char *spec, double timeout, struct cpn_exec_policy **out)
{
    *out = NULL;
    const char *eq = strchr(spec, '='), *cmd = spec;
    size_t nl = 0;
    if (eq) { /* NAME=COMMAND when what comes before '=' is a policy name */
        nl = (size_t)(eq - spec);
        if (cpn_exec_name_ok(spec, nl))
            cmd = eq + 1;
        else
            nl = 0;
    }
    if (nl >= 64)
        return CPN_ERROR(CPN_ERANGE, "the name \"%.*s\" is longer than 63 characters", (int)nl,
                         spec);
    while (*cmd == ' ' || *cmd == '\t')
        cmd++;
    if (!*cmd)
        return CPN_ERROR(CPN_ERANGE,
                         "\"%s\" has no command (use [NAME=]COMMAND, e.g. "
                         "mine=\"python3 mine.py\")",
                         spec);
    struct cpn_exec_policy *x = calloc(1, sizeof *x);
    if (!x || !(x->command = strdup(cmd))) {
        free(x);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    snprintf(x->name, sizeof x->name, "%.*s", (int)(nl ? nl : 4), nl ? spec : "exec");
    x->timeout = timeout;
    x->fd = -1;
    x->err_fd = -1;
    x->ops = (struct cpn_policy_ops){
        .abi = CPN_POLICY_ABI,
        .name = x->name,
        .doc = x->command,
        .place = exec_place,
    };
    *out = x;
    return CPN_OK;
}

const char *cpn_exec_policy_name(const struct cpn_exec_policy *x)
{
    return x->name;
}

const char *cpn_exec_policy_command(const struct cpn_exec_policy *x)
{
    return x->command;
}

const struct cpn_policy_ops *cpn_exec_policy_ops(struct cpn_exec_policy *x)
{
    return &x->ops;
}

/* Spawn `/bin/sh -c COMMAND` on a socket pair, its standard error into a temporary file. */
static int spawn(struct cpn_exec_policy *x)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return fail(x, "cannot make a socket pair: %s", strerror(errno));
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/cpnsim-policy-XXXXXX", dir && *dir ? dir : "/tmp");
    int err_fd = mkostemp(path, O_CLOEXEC);
    if (err_fd >= 0)
        unlink(path);
    posix_spawn_file_actions_t fa;
    int e = posix_spawn_file_actions_init(&fa);
    if (!e)
        e = posix_spawn_file_actions_adddup2(&fa, sv[1], STDIN_FILENO);
    if (!e)
        e = posix_spawn_file_actions_adddup2(&fa, sv[1], STDOUT_FILENO);
    if (!e && err_fd >= 0)
        e = posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
    /* A process group of its own, so that stopping it stops what it started too. */
    posix_spawnattr_t at;
    int have_at = !e && !(e = posix_spawnattr_init(&at));
    if (!e)
        e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    if (!e)
        e = posix_spawnattr_setpgroup(&at, 0);
    /* Its environment: ours, with the Python package first on its PYTHONPATH (so that
     * `python3 -m cpnsim.policies NAME` and `import cpnsim` work as they are).  Built here, not
     * with setenv: the trace's writer thread may be running. */
    size_t n_env = 0;
    while (environ[n_env])
        n_env++;
    char **envp = calloc(n_env + 2, sizeof *envp), *pypath = cpn_cli_python_path(), *entry = NULL;
    if (!e && (!envp || !pypath || asprintf(&entry, "PYTHONPATH=%s", pypath) < 0)) {
        entry = NULL;
        e = ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; envp && i < n_env; i++)
        if (strncmp(environ[i], "PYTHONPATH=", 11) != 0)
            envp[k++] = environ[i];
    if (envp)
        envp[k] = entry;
    char *argv[] = {"sh", "-c", x->command, NULL};
    fflush(NULL);
    if (!e)
        e = posix_spawn(&x->pid, "/bin/sh", &fa, &at, argv, envp);
    free(envp);
    free(pypath);
    free(entry);
    if (have_at)
        posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    x->fd = sv[0];
    /* Blocking send and recv, woken every timeout to check the deadline. */
    struct timeval tv = {(time_t)x->timeout, (suseconds_t)((x->timeout - floor(x->timeout)) * 1e6)};
    if (tv.tv_sec == 0 && tv.tv_usec == 0)
        tv.tv_usec = 1000;
    setsockopt(x->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(x->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    x->err_fd = err_fd;
    if (e) {
        x->pid = 0;
        return fail(x, "cannot start /bin/sh: %s", strerror(e));
    }
    return CPN_OK;
}

/* The static part of cpnsim's hello: nodes, storage sites, links, centers with their pools. */
static void hello_world(const struct cpn_exec_policy *x, json_t *m)
{
    const struct cpn_scenario *s = x->scen;
    json_t *nodes = json_array(), *sites = json_array(), *links = json_array(),
           *centers = json_array(), *types = json_array(), *kinds = json_array();
    for (uint32_t i = 0; i < cpn_topo_node_count(s->topo); i++)
        json_array_append_new(nodes, json_string(cpn_topo_node(s->topo, i)->id));
    for (size_t i = 0; i < s->sites.len; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(s->sites.items[i].id));
        json_object_set_new(o, "node", str_or_null(node_name(x, s->sites.items[i].node)));
        json_object_set_new(o, "center",
                            s->sites.items[i].center == CPN_NONE
                                ? json_null()
                                : json_string(s->centers.items[s->sites.items[i].center].spec.id));
        json_array_append_new(sites, o);
    }
    for (uint32_t i = 0; i < cpn_topo_link_count(s->topo); i++) {
        const struct cpn_link *l = cpn_topo_link(s->topo, i);
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(l->id));
        json_object_set_new(o, "a", json_string(cpn_topo_node(s->topo, l->a)->id));
        json_object_set_new(o, "b", json_string(cpn_topo_node(s->topo, l->b)->id));
        json_object_set_new(o, "capacity", num(l->capacity));
        json_object_set_new(o, "latency", num(l->latency));
        json_array_append_new(links, o);
    }
    for (size_t i = 0; i < s->centers.len; i++) {
        const struct cpn_scen_center *c = &s->centers.items[i];
        json_t *o = json_object(), *pools = json_array();
        json_object_set_new(o, "name", json_string(c->spec.id));
        json_object_set_new(o, "node", str_or_null(node_name(x, c->spec.node)));
        json_object_set_new(o, "pue", num(c->spec.pue));
        for (uint32_t k = 0; k < c->npools; k++) {
            const struct cpn_scen_pool *p = &s->pools.items[c->pool0 + k];
            json_t *po = json_object();
            json_object_set_new(po, "name", str_or_null(p->spec.name));
            json_object_set_new(po, "type", str_or_null(type_name(x, p->type)));
            json_object_set_new(po, "units", json_integer(p->spec.units));
            json_object_set_new(po, "speed", num(p->spec.flops));
            json_object_set_new(po, "memory", num(p->spec.memory));
            json_object_set_new(po, "power_idle", num(p->spec.idle_power));
            json_object_set_new(po, "power_peak", num(p->spec.peak_power));
            json_array_append_new(pools, po);
        }
        json_object_set_new(o, "pools", pools);
        json_array_append_new(centers, o);
    }
    for (size_t i = 0; i < s->pool_types.len; i++)
        json_array_append_new(types, json_string(s->pool_types.items[i]));
    for (size_t i = 0; i < CPN_WORLD_JOB_NKINDS; i++)
        json_array_append_new(kinds, json_string(kind_names[i]));
    json_object_set_new(m, "nodes", nodes);
    json_object_set_new(m, "sites", sites);
    json_object_set_new(m, "links", links);
    json_object_set_new(m, "centers", centers);
    json_object_set_new(m, "pool_types", types);
    json_object_set_new(m, "job_kinds", kinds);
}

/* Read the policy's hello: protocol, subscribe, tick, migrate. */
static int parse_hello(struct cpn_exec_policy *x, json_t *msg)
{
    const char *what = "hello";
    const char *key;
    json_t *v;
    json_object_foreach(msg, key, v)
    {
        if (strcmp(key, "type") && strcmp(key, "n") && strcmp(key, "protocol") &&
            strcmp(key, "subscribe") && strcmp(key, "tick") && strcmp(key, "migrate") &&
            strcmp(key, "name") && strcmp(key, "stream") && strcmp(key, "bandwidth"))
            return bad_reply(x, what,
                             "field \"%.60s\" is not part of a hello (use "
                             "protocol, name, subscribe, tick, migrate, stream, bandwidth)",
                             key);
    }
    if ((v = json_object_get(msg, "name")) && !json_is_string(v))
        return bad_reply(x, what, "field \"name\": not a string");
    v = json_object_get(msg, "stream");
    const char *st = json_is_string(v) ? json_string_value(v) : NULL;
    if (v && (!st || !cpn_exec_name_ok(st, strlen(st)) || strlen(st) > 63))
        return bad_reply(x, what,
                         "field \"stream\": not a stream name (use 1 to "
                         "63 of a-z, 0-9 and _)");
    snprintf(x->stream, sizeof x->stream, "policy/%s", st ? st : x->name);
    v = json_object_get(msg, "protocol");
    if (!json_is_integer(v) || json_integer_value(v) != CPN_EXEC_PROTOCOL)
        return bad_reply(x, what,
                         "field \"protocol\": %s (this cpnsim speaks "
                         "protocol %d)",
                         json_is_integer(v) ? "another version" : "missing or not an integer",
                         CPN_EXEC_PROTOCOL);
    if ((v = json_object_get(msg, "subscribe"))) {
        if (!json_is_array(v))
            return bad_reply(x, what,
                             "field \"subscribe\": not an array of event "
                             "kinds");
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            size_t k = 0;
            while (k < N_EVENTS &&
                   !(json_is_string(e) && strcmp(json_string_value(e), event_names[k]) == 0))
                k++;
            if (k == N_EVENTS)
                return bad_reply(x, what,
                                 "field \"subscribe[%zu]\": %.60s%s%s is "
                                 "not an event kind (use job_finished, center_changed, "
                                 "link_changed, bandwidth_granted, bandwidth_refused)",
                                 i, json_is_string(e) ? "\"" : "",
                                 json_is_string(e) ? json_string_value(e) : "a non-string",
                                 json_is_string(e) ? "\"" : "");
            x->subscribed |= 1u << k;
        }
    }
    if ((v = json_object_get(msg, "tick")) && !json_is_null(v)) {
        if (!json_is_number(v) || !(json_number_value(v) >= 0) || !isfinite(json_number_value(v)))
            return bad_reply(x, what,
                             "field \"tick\": not a period (use a number "
                             "of seconds > 0, or 0 for no ticks)");
        x->ops.tick_period = json_number_value(v);
    }
    if ((v = json_object_get(msg, "bandwidth")) && !json_is_boolean(v))
        return bad_reply(x, what, "field \"bandwidth\": not true or false");
    x->want_bandwidth = json_is_true(v);
    if ((v = json_object_get(msg, "migrate")) && !json_is_boolean(v))
        return bad_reply(x, what, "field \"migrate\": not true or false");
    if (json_is_true(v))
        x->ops.migrate = exec_migrate;
    if (x->subscribed)
        x->ops.on_event = exec_event;
    if (x->ops.tick_period > 0)
        x->ops.on_tick = exec_tick;
    return CPN_OK;
}

int cpn_exec_policy_start(struct cpn_exec_policy *x, const struct cpn_scenario *s,
                          struct cpn_rng *streams, const char *const *params, size_t n_params)
{
    x->scen = s;
    if (!(x->sent = calloc(s->centers.len ? s->centers.len : 1, sizeof *x->sent)))
        return CPN_ERROR(CPN_ENOMEM, NULL);
    x->n_sent = (uint32_t)s->centers.len;
    size_t cells = (size_t)cpn_topo_node_count(s->topo) * (s->centers.len ? s->centers.len : 1);
    if (!(x->rtt_sent = malloc(cells * sizeof *x->rtt_sent)))
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t i = 0; i < cells; i++)
        x->rtt_sent[i] = NAN;
    int rc = spawn(x);
    if (rc != CPN_OK)
        return rc;
    json_t *m = message(x, "hello", 0), *p = json_object();
    json_object_set_new(m, "protocol", json_integer(CPN_EXEC_PROTOCOL));
    json_object_set_new(m, "policy", json_string(x->name));
    json_object_set_new(m, "seed", json_integer((json_int_t)s->seed));
    json_object_set_new(m, "scenario", json_string(s->file));
    for (size_t i = 0; i < n_params; i++) {
        const char *eq = strchr(params[i], '='), *value = eq ? eq + 1 : "";
        char *name = strndup(params[i], eq ? (size_t)(eq - params[i]) : strlen(params[i])), *end;
        double v = strtod(value, &end);
        if (!name) {
            json_decref(m);
            json_decref(p);
            return CPN_ERROR(CPN_ENOMEM, NULL);
        }
        json_object_set_new(p, name,
                            *value && !*end && isfinite(v) ? json_real(v) : json_string(value));
        free(name);
    }
    json_object_set_new(m, "params", p);
    hello_world(x, m);
    json_t *reply = NULL;
    if ((rc = send_message(x, m, "hello")) == CPN_OK &&
        (rc = read_reply(x, "hello", "hello", &reply)) == CPN_OK)
        rc = parse_hello(x, reply);
    json_decref(reply);
    if (rc == CPN_OK && streams)
        rc = cpn_rng_stream(streams, x->stream, &x->gen);
    return rc;
}

int cpn_exec_policy_check(const struct cpn_exec_policy *x)
{
    return x->failed ? CPN_ERROR(CPN_EPOLICY, "%s", x->failure) : CPN_OK;
}

int cpn_exec_policy_finish(struct cpn_exec_policy *x, double time, const struct cpn_metric *rows,
                           size_t n)
{
    if (x->failed)
        return CPN_ERROR(CPN_EPOLICY, "%s", x->failure);
    if (x->fd < 0)
        return CPN_OK;
    json_t *m = message(x, "bye", time), *sum = json_object();
    json_object_set_new(m, "decisions", json_integer((json_int_t)x->decisions));
    for (size_t i = 0; i < n; i++)
        json_object_set_new(sum, rows[i].name, num(rows[i].value));
    json_object_set_new(m, "summary", sum);
    int rc = send_message(x, m, "bye");
    if (rc != CPN_OK)
        return rc;
    shutdown(x->fd, SHUT_WR); /* its standard input ends */
    double deadline = cpn_wall_seconds() + x->timeout;
    int status = 0;
    while (!exited(x, &status)) {
        if (cpn_wall_seconds() > deadline)
            return fail(x, "the process did not exit within %g s of the bye (--policy-timeout)",
                        x->timeout);
        nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char how[128];
        describe_exit(status, how, sizeof how);
        return fail(x, "the process %s after the bye", how);
    }
    return CPN_OK;
}

uint64_t cpn_exec_policy_decisions(const struct cpn_exec_policy *x, uint64_t *messages)
{
    *messages = x->n;
    return x->decisions;
}

void cpn_exec_policy_free(struct cpn_exec_policy *x)
{
    if (!x)
        return;
    if (x->fd >= 0)
        close(x->fd);
    int status;
    if (x->pid > 0 && !exited(x, &status)) {
        kill(-x->pid, SIGTERM); /* its process group */
        for (int i = 0; i < 100 && !exited(x, &status); i++)
            nanosleep(&(struct timespec){0, 10000000}, NULL);
        if (x->pid > 0) {
            kill(-x->pid, SIGKILL);
            waitpid(x->pid, &status, 0);
        }
    }
    if (x->err_fd >= 0)
        close(x->err_fd);
    for (uint32_t c = 0; c < x->n_sent; c++)
        free(x->sent[c].pools);
    free(x->sent);
    free(x->rtt_sent);
    cpn_idmap_release(&x->centers);
    free(x->rbuf);
    free(x->wbuf);
    free(x->command);
    free(x);
}
