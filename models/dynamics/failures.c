/* Random link failures: alternating renewal processes (see failures.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/dynamics/failures.h"
#include "models/net/topology.h"
#include "sim/error.h"

struct process {
    struct cpn_failure_spec spec;
    gsl_rng *rng; /* "failures/link/ID" (owned by the run's stream set) */
};

struct cpn_failures {
    struct cpn_engine *eng;
    struct cpn_links *links;
    struct cpn_jobs *jobs;
    const struct cpn_observer *obs;
    struct process *p;
    size_t n;
    uint64_t count;
    int started;
};

static int on_fail(struct cpn_engine *eng, void *ctx, uint64_t arg);
static int on_repair(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler fail_handler = {on_fail, "failure_link_down", 0};
static const struct cpn_handler repair_handler = {on_repair, "failure_link_up", 0};

int cpn_failures_new(struct cpn_engine *eng, struct cpn_links *links, struct cpn_jobs *jobs,
                     const struct cpn_observer *obs, struct cpn_rng *rng,
                     const struct cpn_failure_spec *specs, size_t n, struct cpn_failures **out)
{
    if (!eng || !links || !rng || !out || (!specs && n))
        return CPN_ERROR(CPN_EINVAL, "cpn_failures_new: NULL argument");
    *out = NULL;
    const struct cpn_topo *topo = cpn_network_topology(cpn_links_network(links));
    struct cpn_failures *f = calloc(1, sizeof *f);
    if (!f || !(f->p = calloc(n ? n : 1, sizeof *f->p))) {
        free(f);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    *f = (struct cpn_failures){eng, links, jobs, obs, f->p, n, 0, 0};
    int rc = CPN_OK;
    for (size_t i = 0; i < n && rc == CPN_OK; i++) {
        const struct cpn_failure_spec *s = &specs[i];
        int center = s->center != CPN_NONE, span = s->span != CPN_NONE;
        int node = s->node != CPN_NONE;
        const char *what = center ? "center" : span ? "span" : node ? "node" : "link";
        uint32_t index = center ? s->center : span ? s->span : node ? s->node : s->link;
        if ((center ? !jobs || s->center >= cpn_jobs_ncenters(jobs)
             : span ? !cpn_links_span_name(links, s->span)
             : node ? s->node >= cpn_topo_node_count(topo)
                    : s->link >= cpn_topo_link_count(topo)) ||
            !s->mtbf || !s->mttr) {
            rc = CPN_ERROR(CPN_EINVAL, "failures: process %zu: no %s %u or no distribution", i,
                           what, index);
            break;
        }
        const char *id = center ? cpn_center_describe(cpn_jobs_center(jobs, s->center))->id
                         : span ? cpn_links_span_name(links, s->span)
                         : node ? cpn_topo_node(topo, s->node)->id
                                : cpn_topo_link(topo, s->link)->id;
        for (size_t j = 0; j < i; j++) {
            const struct cpn_failure_spec *o = &specs[j];
            if (center ? o->center == s->center
                : span ? o->span == s->span
                : node ? o->node == s->node
                       : o->center == CPN_NONE && o->span == CPN_NONE && o->node == CPN_NONE &&
                             o->link == s->link)
                rc = CPN_ERROR(CPN_EINVAL, "failures: %s \"%s\" is given twice", what, id);
        }
        char name[512];
        snprintf(name, sizeof name, "failures/%s/%s", what, id);
        f->p[i].spec = *s;
        if (rc == CPN_OK)
            rc = cpn_rng_stream(rng, name, &f->p[i].rng);
    }
    if (rc != CPN_OK) {
        cpn_failures_free(f);
        return rc;
    }
    *out = f;
    return CPN_OK;
}

/* A drawn duration, at least 0 (a distribution may give 0, never a negative time). */
static double draw(const struct cpn_dist *d, gsl_rng *r)
{
    double x = cpn_dist_sample(d, r);
    return x > 0 && isfinite(x) ? x : 0;
}

/* Take process @p i's link or center down or up now, and report it. */
static int set(struct cpn_failures *f, size_t i, int up)
{
    const struct cpn_failure_spec *s = &f->p[i].spec;
    if (s->span != CPN_NONE)
        return cpn_links_set_span(f->links, s->span, up, s->restore);
    if (s->node != CPN_NONE)
        return cpn_links_set_node(f->links, s->node, up, s->restore);
    if (s->center == CPN_NONE)
        return cpn_links_set(f->links, s->link, up, s->restore, up ? "repaired" : "random failure");
    struct cpn_event_record ev = {.time = cpn_engine_now(f->eng),
                                  .kind = up ? CPN_EVENT_CENTER_UP : CPN_EVENT_CENTER_DOWN,
                                  .subject = s->center,
                                  .detail = up ? "repaired" : "random failure"};
    int rc = cpn_observe_event(f->obs, &ev); /* first: the re-placements come after it */
    return rc == CPN_OK ? cpn_jobs_set_center_up(f->jobs, s->center, up) : rc;
}

static int on_fail(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct cpn_failures *f = ctx;
    f->count++;
    int rc = set(f, arg, 0);
    if (rc != CPN_OK)
        return rc;
    return cpn_engine_schedule_in(eng, draw(f->p[arg].spec.mttr, f->p[arg].rng), &repair_handler, f,
                                  arg, NULL);
}

static int on_repair(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    struct cpn_failures *f = ctx;
    int rc = set(f, arg, 1);
    if (rc != CPN_OK)
        return rc;
    return cpn_engine_schedule_in(eng, draw(f->p[arg].spec.mtbf, f->p[arg].rng), &fail_handler, f,
                                  arg, NULL);
}

int cpn_failures_start(struct cpn_failures *f)
{
    if (!f || f->started)
        return CPN_ERROR(CPN_ESTATE, "cpn_failures_start: %s", f ? "already started" : "NULL");
    f->started = 1;
    for (size_t i = 0; i < f->n; i++) {
        int rc = cpn_engine_schedule_in(f->eng, draw(f->p[i].spec.mtbf, f->p[i].rng), &fail_handler,
                                        f, i, NULL);
        if (rc != CPN_OK)
            return rc;
    }
    return CPN_OK;
}

uint64_t cpn_failures_count(const struct cpn_failures *f)
{
    return f ? f->count : 0;
}

void cpn_failures_free(struct cpn_failures *f)
{
    if (!f)
        return;
    free(f->p);
    free(f);
}
