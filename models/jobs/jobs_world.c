/* Jobs: the exact world the policy's view is made from (see jobs.h, "placement"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/jobs/jobs_impl.h"
#include "models/net/route.h"
#include "sim/error.h"

static void fill_bandwidth(const struct cpn_world *w, uint32_t o, uint32_t c);

int cpn_jobs_world_build_(struct cpn_jobs *jobs)
{
    uint32_t nc = (uint32_t)jobs->centers.len;
    size_t rows = (size_t)jobs->n_nodes * nc;
    jobs->wcenters = calloc(nc, sizeof *jobs->wcenters);
    jobs->wpools = calloc(jobs->n_wpools, sizeof *jobs->wpools);
    jobs->rtt = calloc(rows ? rows : 1, sizeof *jobs->rtt);
    jobs->bandwidth = calloc(rows ? rows * jobs->cfg.n_paths : 1, sizeof *jobs->bandwidth);
    jobs->center_sample = calloc(nc, sizeof *jobs->center_sample);
    jobs->pool_sample = calloc(jobs->n_wpools ? jobs->n_wpools : 1, sizeof *jobs->pool_sample);
    if (!jobs->wcenters || !jobs->wpools || !jobs->rtt || !jobs->bandwidth ||
        !jobs->center_sample || !jobs->pool_sample)
        return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory for the world view");
    for (uint32_t c = 0; c < nc; c++) {
        const struct jobs_center *jc = &jobs->centers.items[c];
        const struct cpn_center_spec *cs = cpn_center_describe(jc->center);
        struct cpn_world_center *wc = &jobs->wcenters[c];
        wc->name = cs->id;
        wc->node = cs->node;
        wc->region = jobs->origin_region[cs->node];
        wc->up = 1;
        wc->n_pools = cpn_center_npools(jc->center);
        wc->pools = &jobs->wpools[jc->first_pool];
        wc->price = cs->unit_price;
        wc->carbon = cs->carbon_intensity;
        wc->pue = cs->pue;
        for (uint32_t p = 0; p < wc->n_pools; p++) {
            const struct cpn_pool_spec *ps = cpn_center_pool(jc->center, p);
            struct cpn_world_pool *wp = &jobs->wpools[jc->first_pool + p];
            wp->type = jobs->pool_type_of.items[jc->first_pool + p];
            wp->units = ps->units;
            wp->free = ps->units;
            wp->speed = ps->flops;
            wp->memory = ps->memory;
            wp->power_idle = ps->idle_power;
            wp->power_peak = ps->peak_power;
        }
    }
    struct cpn_world *w = &jobs->world;
    w->n_centers = nc;
    w->centers = jobs->wcenters;
    w->n_origins = jobs->n_nodes;
    w->origin_node = jobs->origin_node;
    w->origin_region = jobs->origin_region;
    w->n_paths = jobs->cfg.n_paths;
    w->rtt = jobs->rtt;
    w->bandwidth = jobs->bandwidth;
    w->fill_bandwidth = fill_bandwidth;
    w->fill_ctx = jobs;
    for (size_t i = 0; i < rows * jobs->cfg.n_paths; i++)
        jobs->bandwidth[i] = NAN; /* filled when read (cpn_world_bandwidth) */
    return CPN_OK;
}

/* Bring center @p c of the exact world up to the engine's time. */
void cpn_jobs_world_center_(struct cpn_jobs *jobs, uint32_t c)
{
    const struct jobs_center *jc = &jobs->centers.items[c];
    struct cpn_world_center *wc = &jobs->wcenters[c];
    double now = now_of(jobs);
    wc->queue_length = 0;
    wc->queued_work = 0;
    for (uint32_t p = 0; p < wc->n_pools; p++) {
        struct cpn_pool_state ps;
        int rc = cpn_center_pool_state(jc->center, p, &ps);
        CPN_ASSERT(rc == CPN_OK);
        jobs->wpools[jc->first_pool + p].free = ps.free_units;
        /* Resized pools: the most units they have had (a job up to it is accepted and waits
         * while the pool is smaller; free says what there is now). */
        jobs->wpools[jc->first_pool + p].units = ps.max_units;
        wc->queue_length += (uint32_t)ps.queued;
        wc->queued_work += ps.queued_work;
    }
    wc->queued_units = jc->queued_units;
    double running = jc->run_end_sum - jc->run_units * now;
    wc->running_work = running > 0 ? running : 0;
    wc->measured = now;
}

void cpn_jobs_world_refresh_(struct cpn_jobs *jobs)
{
    for (uint32_t c = 0; c < jobs->centers.len; c++)
        cpn_jobs_world_center_(jobs, c);
    jobs->world.time = now_of(jobs);
}

int cpn_jobs_rtt_row_(struct cpn_jobs *jobs, uint32_t node)
{
    if (jobs->rtt_valid[node])
        return CPN_OK;
    double *row = &jobs->rtt[(size_t)node * jobs->centers.len];
    for (uint32_t c = 0; c < jobs->centers.len; c++) {
        const struct cpn_path *path;
        int rc = cpn_route_shortest(jobs->cfg.router, node, center_node(jobs, c), &path);
        if (rc == CPN_EUNREACH)
            row[c] = INFINITY;
        else if (rc != CPN_OK)
            return rc;
        else
            row[c] = 2 * path->latency;
    }
    jobs->rtt_valid[node] = 1;
    return CPN_OK;
}

/* Fill the bandwidth entries of @p node to center @p c: entry k = sum of the offers of the k+1
 * best paths. */
static int bandwidth_entry(struct cpn_jobs *jobs, uint32_t node, uint32_t c)
{
    uint32_t np = jobs->cfg.n_paths;
    double *entry = &jobs->bandwidth[((size_t)node * jobs->centers.len + c) * np];
    const struct cpn_path *const *paths;
    uint32_t n = 0;
    int rc = cpn_route_k_shortest(jobs->cfg.router, node, center_node(jobs, c), np, &paths, &n);
    if (rc != CPN_OK && rc != CPN_EUNREACH)
        return rc;
    double sum = 0;
    for (uint32_t k = 0; k < np; k++) {
        if (k < n && rc == CPN_OK) {
            double offer = INFINITY;
            if (paths[k]->hops > 0 &&
                (rc = cpn_flownet_path_offer(cpn_network_flows(jobs->cfg.network), paths[k]->dlinks,
                                             paths[k]->hops, &offer)) != CPN_OK)
                return rc;
            sum += offer;
        }
        entry[k] = sum;
    }
    return CPN_OK;
}

/* cpn_world's fill_bandwidth: an entry read for the first time since the rows were marked.  An
 * error cannot go through the policy's read: it is kept and returned after the policy's call
 * (cpn_jobs_fill_error_()), and the entry reads 0 (unreachable) meanwhile. */
static void fill_bandwidth(const struct cpn_world *w, uint32_t o, uint32_t c)
{
    struct cpn_jobs *jobs = w->fill_ctx;
    if (o >= jobs->n_nodes || c >= jobs->centers.len)
        return;
    int rc = bandwidth_entry(jobs, o, c);
    if (rc != CPN_OK) {
        double *entry = &jobs->bandwidth[((size_t)o * jobs->centers.len + c) * jobs->cfg.n_paths];
        for (uint32_t k = 0; k < jobs->cfg.n_paths; k++)
            entry[k] = 0;
        if (jobs->fill_error == CPN_OK)
            jobs->fill_error = rc;
    }
}

int cpn_jobs_fill_error_(struct cpn_jobs *jobs)
{
    int rc = jobs->fill_error;
    jobs->fill_error = CPN_OK;
    return rc;
}

/* The network rows a placement of @p j reads: its origin and the node its input comes from (its
 * dataset's storage site, else its data node).  Their RTTs are
 * filled now (they change only with the topology); their bandwidths are marked to be computed
 * when the policy reads them (the network has moved on since the last placement). */
int cpn_jobs_network_rows_(struct cpn_jobs *jobs, const struct jobs_job *j)
{
    uint32_t nodes[2] = {j->s.origin, input_node_of(jobs, j)};
    size_t row = jobs->centers.len * (size_t)jobs->cfg.n_paths;
    for (int i = 0; i < (nodes[1] == nodes[0] ? 1 : 2); i++) {
        int rc = cpn_jobs_rtt_row_(jobs, nodes[i]);
        if (rc != CPN_OK)
            return rc;
        for (size_t k = 0; k < row; k++)
            jobs->bandwidth[nodes[i] * row + k] = NAN;
    }
    return CPN_OK;
}

void cpn_jobs_world_job_(const struct cpn_jobs *jobs, const struct jobs_job *j,
                         struct cpn_world_job *wj)
{
    const struct cpn_job_spec *s = &j->s;
    memset(wj, 0, sizeof *wj);
    wj->id = j->id;
    wj->kind = (enum cpn_world_job_kind)s->kind;
    wj->origin = s->origin;
    wj->pool_type = s->pool_type;
    wj->units = s->units;
    if (s->kind == CPN_JOB_INGEST || s->kind == CPN_JOB_DEPLOY) {
        wj->units = 1; /* a transfer holds no unit; the policy needs a center that is up */
        wj->pool_type = CPN_NONE;
    } else if (s->kind == CPN_JOB_VM || s->kind == CPN_JOB_INFERENCE) {
        wj->duration = s->duration;
    } else if (s->work > 0) {
        wj->work = s->work;
    } else if (s->ref_speed > 0) {
        wj->work = s->duration * s->units * s->ref_speed;
    } else {
        wj->duration = s->duration;
    }
    wj->walltime = s->walltime;
    wj->splittable =
        s->kind == CPN_JOB_TRAINING && s->training.iterations > 0 && s->access != CPN_ACCESS_STREAM;
    wj->input_bytes = s->bytes_in;
    /* Where the input really comes from: a dataset's site, as the stage-in reads it (not the
     * origin, which the policy would take for CPN_NONE). */
    wj->input_origin = s->dataset_site != CPN_NONE ? input_node_of(jobs, j) : s->data_node;
    wj->submit = s->submit;
    wj->deadline = s->deadline;
    wj->slo = s->slo;
    wj->attempts = j->attempts;
}

int cpn_jobs_set_center_tariff(struct cpn_jobs *jobs, uint32_t center, double electricity_price,
                               double carbon_intensity)
{
    if (center >= jobs->centers.len)
        return CPN_ERROR(CPN_EINVAL, "jobs: no center %u (%zu centers)", center, jobs->centers.len);
    struct cpn_center *c = jobs->centers.items[center].center;
    const struct cpn_center_spec *spec = cpn_center_describe(c);
    if (isnan(electricity_price))
        electricity_price = spec->electricity_price;
    if (isnan(carbon_intensity))
        carbon_intensity = spec->carbon_intensity;
    int rc = cpn_center_set_tariff(c, electricity_price, carbon_intensity);
    if (rc == CPN_OK && jobs->wcenters)
        jobs->wcenters[center].carbon = carbon_intensity;
    if (rc == CPN_OK) /* a policy may move work to where it is now cheaper or greener */
        rc = cpn_jobs_schedule_migrations_(jobs);
    return rc;
}
