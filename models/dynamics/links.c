/* Link states during a run: down, restoration (reroute), up (see links.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/dynamics/links.h"
#include "sim/error.h"

struct cpn_links {
    struct cpn_engine *eng;
    struct cpn_network *net;
    struct cpn_topo *topo;
    const struct cpn_observer *obs;
    uint32_t *epoch;        /* per link: failures so far (a restoration checks it) */
    uint8_t *routed_around; /* per link: the topology has it down (restored) */
    uint64_t moved, stalled;
    struct cpn_jobs *jobs; /* told of every change (cpn_links_notify), or NULL */
    /* Why a link is down: its own failure, and how many of the spans it rides and of its end
     * nodes are down. */
    uint8_t *own_down;
    uint32_t *spans_down;
    uint8_t *node_down; /* per node */
    uint8_t *span_down; /* per span of the network's wavelength layer */
    uint32_t n_spans;
    const char *const *span_names; /* for the events (borrowed), or NULL */
};

static int on_restore(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler restore_handler = {on_restore, "link_restoration", 0};

int cpn_links_new(struct cpn_engine *eng, struct cpn_network *net, struct cpn_topo *topo,
                  const struct cpn_observer *obs, struct cpn_links **out)
{
    if (!eng || !net || !topo || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_links_new: NULL argument");
    size_t n = cpn_topo_link_count(topo);
    struct cpn_links *l = calloc(1, sizeof *l);
    if (!l || !(l->epoch = calloc(n ? n : 1, sizeof *l->epoch)) ||
        !(l->routed_around = calloc(n ? n : 1, 1)) || !(l->own_down = calloc(n ? n : 1, 1)) ||
        !(l->spans_down = calloc(n ? n : 1, sizeof *l->spans_down)) ||
        !(l->node_down = calloc(cpn_topo_node_count(topo) ? cpn_topo_node_count(topo) : 1, 1))) {
        cpn_links_free(l);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    l->eng = eng;
    l->net = net;
    l->topo = topo;
    l->obs = obs;
    *out = l;
    return CPN_OK;
}

void cpn_links_notify(struct cpn_links *l, struct cpn_jobs *jobs)
{
    l->jobs = jobs;
}

static int report(struct cpn_links *l, enum cpn_event_kind kind, uint32_t link, const char *why)
{
    int rc = cpn_jobs_link_changed(l->jobs, link);
    if (rc != CPN_OK)
        return rc;
    struct cpn_event_record ev = {
        .time = cpn_engine_now(l->eng), .kind = kind, .subject = link, .detail = why};
    return cpn_observe_event(l->obs, &ev);
}

/* Bring link @p link to the state its causes give: up when neither it, nor a span under it,
 * nor an end node is down. */
static int sync_link(struct cpn_links *l, uint32_t link, double restore, const char *why)
{
    double capacity;
    int was_up;
    int rc = cpn_network_link_state(l->net, link, &capacity, &was_up, NULL);
    if (rc != CPN_OK)
        return rc;
    int up = !l->own_down[link] && l->spans_down[link] == 0;
    if (!was_up == !up)
        return CPN_OK; /* no change */
    if ((rc = cpn_network_set_link(l->net, link, capacity, up)) != CPN_OK)
        return rc;
    if (up) {
        if (l->routed_around[link]) { /* routers may use it again */
            l->routed_around[link] = 0;
            rc = cpn_topo_set_link_up(l->topo, link, 1);
        }
    } else {
        l->epoch[link]++;
        if (isfinite(restore))
            rc = cpn_engine_schedule_in(l->eng, restore, &restore_handler, l,
                                        (uint64_t)link | (uint64_t)l->epoch[link] << 32, NULL);
    }
    return rc == CPN_OK ? report(l, up ? CPN_EVENT_LINK_UP : CPN_EVENT_LINK_DOWN, link, why) : rc;
}

int cpn_links_set(struct cpn_links *l, uint32_t link, int up, double restore, const char *why)
{
    if (!l || link >= cpn_topo_link_count(l->topo))
        return CPN_ERROR(CPN_EINVAL, "cpn_links_set: no link %u", link);
    if (!up && restore < 0)
        return CPN_ERROR(CPN_EINVAL, "link \"%s\": restoration delay %g s (need >= 0)",
                         cpn_topo_link(l->topo, link)->id, restore);
    l->own_down[link] = !up;
    return sync_link(l, link, restore, why);
}

int cpn_links_set_span_names(struct cpn_links *l, const char *const *names, uint32_t n)
{
    if (!l || (n && !names))
        return CPN_ERROR(CPN_EINVAL, "cpn_links_set_span_names: bad argument");
    uint8_t *p = realloc(l->span_down, n ? n : 1);
    if (!p)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    if (n > l->n_spans)
        for (uint32_t i = l->n_spans; i < n; i++)
            p[i] = 0;
    l->span_down = p;
    l->n_spans = n;
    l->span_names = names;
    return CPN_OK;
}

int cpn_links_set_node(struct cpn_links *l, uint32_t node, int up, double restore)
{
    if (!l || node >= cpn_topo_node_count(l->topo))
        return CPN_ERROR(CPN_EINVAL, "cpn_links_set_node: no node %u", node);
    const char *id = cpn_topo_node(l->topo, node)->id;
    if (!up && restore < 0)
        return CPN_ERROR(CPN_EINVAL, "node \"%s\": restoration delay %g s (need >= 0)", id,
                         restore);
    if (!l->node_down[node] == !!up)
        return CPN_OK; /* no change */
    l->node_down[node] = !up;
    char why[300];
    snprintf(why, sizeof why, "node \"%s\" %s", id, up ? "repaired" : "down");
    int rc = CPN_OK;
    for (uint32_t link = 0; link < cpn_topo_link_count(l->topo) && rc == CPN_OK; link++) {
        const struct cpn_link *k = cpn_topo_link(l->topo, link);
        if (k->a != node && k->b != node)
            continue;
        l->spans_down[link] += up ? (uint32_t)-1 : 1u;
        rc = sync_link(l, link, restore, why);
    }
    return rc;
}

const char *cpn_links_span_name(const struct cpn_links *l, uint32_t span)
{
    return l && span < l->n_spans ? l->span_names[span] : NULL;
}

int cpn_links_set_span(struct cpn_links *l, uint32_t span, int up, double restore)
{
    if (!l || span >= l->n_spans)
        return CPN_ERROR(CPN_EINVAL, "cpn_links_set_span: no span %u", span);
    if (!up && restore < 0)
        return CPN_ERROR(CPN_EINVAL, "span \"%s\": restoration delay %g s (need >= 0)",
                         l->span_names[span], restore);
    if (!l->span_down[span] == !!up)
        return CPN_OK; /* no change */
    l->span_down[span] = !up;
    char why[300];
    snprintf(why, sizeof why, "span \"%s\" %s", l->span_names[span], up ? "repaired" : "cut");
    int rc = CPN_OK;
    for (uint32_t link = 0; link < cpn_topo_link_count(l->topo) && rc == CPN_OK; link++) {
        const uint32_t *spans;
        uint32_t k;
        if ((rc = cpn_network_link_spans(l->net, link, &spans, &k)) != CPN_OK)
            break;
        for (uint32_t i = 0; i < k; i++)
            if (spans[i] == span) {
                l->spans_down[link] += up ? (uint32_t)-1 : 1u;
                rc = sync_link(l, link, restore, why);
                break;
            }
    }
    return rc;
}

/* The restoration delay of a failure is over: route around the link, move its flows. */
static int on_restore(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    struct cpn_links *l = ctx;
    uint32_t link = (uint32_t)arg, epoch = (uint32_t)(arg >> 32);
    int up;
    int rc = cpn_network_link_state(l->net, link, NULL, &up, NULL);
    if (rc != CPN_OK || up || epoch != l->epoch[link])
        return rc; /* repaired meanwhile (or failed again: that failure restores itself) */
    l->routed_around[link] = 1;
    size_t moved = 0, stalled = 0;
    if ((rc = cpn_topo_set_link_up(l->topo, link, 0)) != CPN_OK ||
        (rc = cpn_network_reroute(l->net, link, &moved, &stalled)) != CPN_OK)
        return rc;
    l->moved += moved;
    l->stalled += stalled;
    char detail[96];
    snprintf(detail, sizeof detail, "restored: %zu flows rerouted, %zu without a route", moved,
             stalled);
    return report(l, CPN_EVENT_REROUTE, link, detail);
}

int cpn_links_capacity(struct cpn_links *l, uint32_t link, double capacity)
{
    int up;
    int rc = cpn_network_link_state(l->net, link, NULL, &up, NULL);
    if (rc == CPN_OK)
        rc = cpn_network_set_link(l->net, link, capacity, up);
    if (rc != CPN_OK)
        return rc;
    char detail[64];
    snprintf(detail, sizeof detail, "link capacity %.17g B/s", capacity);
    return report(l, CPN_EVENT_OTHER, link, detail);
}

struct cpn_network *cpn_links_network(const struct cpn_links *l)
{
    return l->net;
}

void cpn_links_reroutes(const struct cpn_links *l, uint64_t *moved, uint64_t *stalled)
{
    if (moved)
        *moved = l ? l->moved : 0;
    if (stalled)
        *stalled = l ? l->stalled : 0;
}

void cpn_links_free(struct cpn_links *l)
{
    if (!l)
        return;
    free(l->epoch);
    free(l->routed_around);
    free(l->own_down);
    free(l->spans_down);
    free(l->span_down);
    free(l->node_down);
    free(l);
}
