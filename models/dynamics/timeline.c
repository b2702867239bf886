/* Timelines: changes at given times (see timeline.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/dynamics/timeline.h"
#include "models/net/topology.h"
#include "sim/error.h"

struct cpn_timeline {
    struct cpn_engine *eng;
    struct cpn_links *links;
    struct cpn_jobs *jobs;
    const struct cpn_observer *obs;
    struct cpn_change *changes; /* sorted by time */
    size_t n, next;             /* changes, and the first not applied */
    int started;
};

static int on_change(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler change_handler = {on_change, "timeline_change", 0};

/* A change and its index in the input, for a stable sort. */
struct indexed {
    struct cpn_change c;
    size_t i;
};

/* Order by time, then by index in the input (changes of one time keep their order). */
static int by_time(const void *a, const void *b)
{
    const struct indexed *x = a, *y = b;
    if (x->c.time != y->c.time)
        return x->c.time < y->c.time ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int cpn_timeline_new(struct cpn_engine *eng, struct cpn_links *links, struct cpn_jobs *jobs,
                     const struct cpn_observer *obs, const struct cpn_change *changes, size_t n,
                     struct cpn_timeline **out)
{
    if (!eng || !out || (!changes && n))
        return CPN_ERROR(CPN_EINVAL, "cpn_timeline_new: NULL argument");
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct cpn_change *c = &changes[i];
        int link = c->kind == CPN_CHANGE_LINK_CAPACITY || c->kind == CPN_CHANGE_LINK_DOWN ||
                   c->kind == CPN_CHANGE_LINK_UP || c->kind == CPN_CHANGE_SPAN_DOWN ||
                   c->kind == CPN_CHANGE_SPAN_UP || c->kind == CPN_CHANGE_NODE_DOWN ||
                   c->kind == CPN_CHANGE_NODE_UP;
        if (!(c->time >= 0) || !isfinite(c->time) || (unsigned)c->kind >= CPN_CHANGE_NKINDS)
            return CPN_ERROR(CPN_EINVAL, "timeline: change %zu: time %g s or kind %d out of range",
                             i, c->time, (int)c->kind);
        if (link && !links)
            return CPN_ERROR(CPN_EINVAL, "timeline: change %zu is a link's, without a network", i);
        if (!link && !jobs)
            return CPN_ERROR(CPN_EINVAL, "timeline: change %zu is a center's, without centers", i);
        if (c->kind == CPN_CHANGE_POOL_UNITS &&
            !(c->value >= 1 && c->value <= UINT32_MAX && c->value == floor(c->value)))
            return CPN_ERROR(CPN_EINVAL,
                             "timeline: change %zu: %g units (need a whole number >= 1)", i,
                             c->value);
        if (c->kind == CPN_CHANGE_LINK_CAPACITY && !(c->value > 0 && isfinite(c->value)))
            return CPN_ERROR(CPN_EINVAL, "timeline: change %zu: capacity %g B/s (need > 0)", i,
                             c->value);
        if (c->kind == CPN_CHANGE_CENTER_TARIFF &&
            ((!isnan(c->value) && !(c->value >= 0 && isfinite(c->value))) ||
             (!isnan(c->value2) && !(c->value2 >= 0 && isfinite(c->value2)))))
            return CPN_ERROR(CPN_EINVAL, "timeline: change %zu: tariff %g, %g (need >= 0, or NaN)",
                             i, c->value, c->value2);
    }
    struct cpn_timeline *tl = calloc(1, sizeof *tl);
    if (!tl || !(tl->changes = malloc((n ? n : 1) * sizeof *tl->changes))) {
        free(tl);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    *tl = (struct cpn_timeline){eng, links, jobs, obs, tl->changes, n, 0, 0};
    struct indexed *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp) {
        cpn_timeline_free(tl);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    for (size_t i = 0; i < n; i++)
        tmp[i] = (struct indexed){changes[i], i};
    qsort(tmp, n, sizeof *tmp, by_time); /* O(n log n): hourly tables of many centers */
    for (size_t i = 0; i < n; i++)
        tl->changes[i] = tmp[i].c;
    free(tmp);
    *out = tl;
    return CPN_OK;
}

/* Apply one change now and report it. */
static int apply(struct cpn_timeline *tl, const struct cpn_change *c)
{
    int rc = CPN_OK;
    char detail[160] = "";
    struct cpn_event_record ev = {.time = cpn_engine_now(tl->eng), .subject = c->index};
    switch (c->kind) {
    case CPN_CHANGE_LINK_CAPACITY:
        return cpn_links_capacity(tl->links, c->index, c->value);
    case CPN_CHANGE_LINK_DOWN:
    case CPN_CHANGE_LINK_UP:
        return cpn_links_set(tl->links, c->index, c->kind == CPN_CHANGE_LINK_UP, c->restore,
                             "timeline");
    case CPN_CHANGE_SPAN_DOWN:
    case CPN_CHANGE_SPAN_UP:
        return cpn_links_set_span(tl->links, c->index, c->kind == CPN_CHANGE_SPAN_UP, c->restore);
    case CPN_CHANGE_NODE_DOWN:
    case CPN_CHANGE_NODE_UP:
        return cpn_links_set_node(tl->links, c->index, c->kind == CPN_CHANGE_NODE_UP, c->restore);
    case CPN_CHANGE_POOL_UNITS:
        return cpn_jobs_set_pool_units(tl->jobs, c->index, c->pool, (uint32_t)c->value);
    case CPN_CHANGE_CENTER_DOWN:
    case CPN_CHANGE_CENTER_UP:
        ev.kind = c->kind == CPN_CHANGE_CENTER_UP ? CPN_EVENT_CENTER_UP : CPN_EVENT_CENTER_DOWN;
        /* Reported first: the re-placements it causes come after it in /events. */
        if ((rc = cpn_observe_event(tl->obs, &ev)) != CPN_OK)
            return rc;
        return cpn_jobs_set_center_up(tl->jobs, c->index, c->kind == CPN_CHANGE_CENTER_UP);
    case CPN_CHANGE_CENTER_TARIFF:
        rc = cpn_jobs_set_center_tariff(tl->jobs, c->index, c->value, c->value2);
        ev.kind = CPN_EVENT_OTHER;
        snprintf(detail, sizeof detail, "center tariff %.17g currency/J, %.17g kg/J", c->value,
                 c->value2);
        break;
    default:
        return CPN_ERROR(CPN_EINVAL, "timeline: unknown change kind %d", (int)c->kind);
    }
    ev.detail = detail[0] ? detail : NULL;
    return rc == CPN_OK ? cpn_observe_event(tl->obs, &ev) : rc;
}

/* Apply every change due now, then schedule the next. */
static int on_change(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    struct cpn_timeline *tl = ctx;
    double now = cpn_engine_now(eng);
    while (tl->next < tl->n && tl->changes[tl->next].time <= now) {
        int rc = apply(tl, &tl->changes[tl->next]);
        if (rc != CPN_OK)
            return rc;
        tl->next++;
    }
    if (tl->next == tl->n)
        return CPN_OK;
    return cpn_engine_schedule(eng, tl->changes[tl->next].time, &change_handler, tl, 0, NULL);
}

int cpn_timeline_start(struct cpn_timeline *tl)
{
    if (!tl || tl->started)
        return CPN_ERROR(CPN_ESTATE, "cpn_timeline_start: %s", tl ? "already started" : "NULL");
    tl->started = 1;
    if (!tl->n)
        return CPN_OK;
    double now = cpn_engine_now(tl->eng);
    double t = tl->changes[0].time > now ? tl->changes[0].time : now;
    return cpn_engine_schedule(tl->eng, t, &change_handler, tl, 0, NULL);
}

size_t cpn_timeline_applied(const struct cpn_timeline *tl)
{
    return tl ? tl->next : 0;
}

void cpn_timeline_free(struct cpn_timeline *tl)
{
    if (!tl)
        return;
    free(tl->changes);
    free(tl);
}
