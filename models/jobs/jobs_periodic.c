/* Jobs: periodic events (awareness reports, policy ticks, samples) and the end-of-run totals
 * (see jobs.h). */
#include <math.h>
#include <stdlib.h>

#include "models/jobs/jobs_impl.h"
#include "sim/error.h"

/* Work remains: a job not ended (pending ones included) or a source with arrivals left. */
static int work_left(const struct cpn_jobs *jobs)
{
    return jobs->st.active > 0 || jobs->n_pending > 0 || cpn_jobs_sources_live_(jobs);
}

static int on_report(struct cpn_engine *eng, void *ctx, uint64_t arg);
static int on_tick(struct cpn_engine *eng, void *ctx, uint64_t arg);
static int on_sample(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler report_handler = {on_report, "jobs_report", 0};
static const struct cpn_handler tick_handler = {on_tick, "jobs_policy_tick", 0};
static const struct cpn_handler sample_handler = {on_sample, "jobs_sample", 0};

/* Keep the periodic events going, or let them stop when no work is left. */
static int periodic_next(struct cpn_jobs *jobs, const struct cpn_handler *h, double time)
{
    if (!work_left(jobs) && !(h == &sample_handler && jobs->cfg.sample_always)) {
        jobs->periodic_live &= ~(h == &report_handler ? 1 : h == &tick_handler ? 2 : 4);
        return CPN_OK;
    }
    return cpn_engine_schedule(jobs->cfg.engine, time, h, jobs, 0, NULL);
}

static int on_report(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    struct cpn_jobs *jobs = ctx;
    cpn_jobs_world_refresh_(jobs);
    int rc = cpn_awareness_report_all(jobs->aw, &jobs->world);
    if (rc == CPN_OK)
        rc = cpn_jobs_schedule_reoffer_(jobs);
    if (rc != CPN_OK)
        return rc;
    return periodic_next(jobs, &report_handler,
                         cpn_awareness_next_report_time(jobs->aw, cpn_engine_now(eng)));
}

static int on_tick(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    struct cpn_jobs *jobs = ctx;
    cpn_jobs_world_refresh_(jobs);
    cpn_policy_tick(jobs->cfg.policy, &jobs->world);
    int rc = cpn_jobs_schedule_migrations_(jobs);
    if (rc != CPN_OK)
        return rc;
    return periodic_next(jobs, &tick_handler,
                         cpn_engine_now(eng) + cpn_policy_tick_period(jobs->cfg.policy));
}

int cpn_jobs_take_sample_(struct cpn_jobs *jobs)
{
    int rc = cpn_network_sample(jobs->cfg.network, jobs->link_sample, jobs->n_dlinks);
    if (rc != CPN_OK)
        return rc;
    cpn_jobs_world_refresh_(jobs);
    for (uint32_t c = 0; c < jobs->centers.len; c++) {
        const struct cpn_world_center *wc = &jobs->wcenters[c];
        double units = 0, busy = 0;
        for (uint32_t p = 0; p < wc->n_pools; p++) {
            units += wc->pools[p].units;
            busy += wc->pools[p].units - wc->pools[p].free;
        }
        jobs->center_sample[c] = units > 0 ? (float)(busy / units) : 0.0f;
    }
    for (uint32_t p = 0; p < jobs->n_wpools; p++) { /* the pools, in the centers' order */
        const struct cpn_world_pool *wp = &jobs->wpools[p];
        jobs->pool_sample[p] =
            wp->units > 0 ? (float)((double)(wp->units - wp->free) / wp->units) : 0.0f;
    }
    jobs->last_sample = now_of(jobs);
    return cpn_observe_sample(jobs->cfg.observer, jobs->last_sample, jobs->link_sample,
                              jobs->n_dlinks, jobs->center_sample, jobs->centers.len,
                              jobs->pool_sample, jobs->n_wpools);
}

static int on_sample(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    struct cpn_jobs *jobs = ctx;
    int rc = cpn_jobs_take_sample_(jobs);
    if (rc != CPN_OK)
        return rc;
    return periodic_next(jobs, &sample_handler, cpn_engine_now(eng) + jobs->cfg.sample_interval);
}

void cpn_jobs_work_changed_(struct cpn_jobs *jobs)
{
    if (!jobs->started)
        return;
    double now = now_of(jobs);
    /* Failures to schedule leave the timer off; the run continues without it. */
    if (!(jobs->periodic_live & 1) && cpn_awareness_mode_of(jobs->aw) != CPN_AWARENESS_ORACLE &&
        cpn_engine_schedule(jobs->cfg.engine, cpn_awareness_next_report_time(jobs->aw, now),
                            &report_handler, jobs, 0, NULL) == CPN_OK)
        jobs->periodic_live |= 1;
    if (!(jobs->periodic_live & 2) && jobs->cfg.policy &&
        cpn_policy_tick_period(jobs->cfg.policy) > 0 &&
        cpn_engine_schedule(jobs->cfg.engine, now + cpn_policy_tick_period(jobs->cfg.policy),
                            &tick_handler, jobs, 0, NULL) == CPN_OK)
        jobs->periodic_live |= 2;
    if (!(jobs->periodic_live & 4) && jobs->cfg.sample_interval > 0 &&
        cpn_engine_schedule(jobs->cfg.engine, now + jobs->cfg.sample_interval, &sample_handler,
                            jobs, 0, NULL) == CPN_OK)
        jobs->periodic_live |= 4;
}

/* Compute the totals so far and hand them to the observer: its end(@p complete) when @p what
 * is -1, else its window(@p what). */
static int jobs_totals(struct cpn_jobs *jobs, int what, int complete)
{
    size_t nc = jobs->centers.len, nd = jobs->n_dlinks, nl = nd / 2;
    double *buf = calloc(2 * jobs->n_wpools + 5 * nc + nd + nl + 1, sizeof *buf);
    if (!buf)
        return CPN_ERROR(CPN_ENOMEM, "jobs: out of memory for the totals");
    double *busy = buf, *energy = busy + jobs->n_wpools, *cost = energy + nc, *carbon = cost + nc,
           *charge = carbon + nc, *link = charge + nc, *down = link + nd, *cdown = down + nl,
           *capacity = cdown + nc;
    for (size_t c = 0; c < nc; c++) {
        const struct jobs_center *jc = &jobs->centers.items[c];
        struct cpn_center_stats cs;
        uint32_t np = cpn_center_npools(jc->center);
        for (uint32_t p = 0; p < np; p++) {
            cpn_center_stats(jc->center, p, &cs);
            busy[jc->first_pool + p] = cs.busy_unit_seconds;
            capacity[jc->first_pool + p] = cs.capacity_unit_seconds;
        }
        cpn_center_stats(jc->center, CPN_NONE, &cs);
        energy[c] = cs.energy;
        cost[c] = cs.electricity_cost;
        carbon[c] = cs.carbon;
        charge[c] = cs.user_charge;
        cdown[c] = jc->down_time + (isnan(jc->down_since) ? 0 : now_of(jobs) - jc->down_since);
    }
    /* Workload-log records not reached yet: at the end, those after until. */
    jobs->st.wlog_after_until = 0;
    for (size_t i = 0; i < jobs->sources.len; i++) {
        const struct jobs_source *src = &jobs->sources.items[i];
        if (src->is_wlog && src->wlog.log && src->next < src->wlog.log->njobs)
            jobs->st.wlog_after_until += src->wlog.log->njobs - src->next;
    }
    int rc = cpn_network_totals(jobs->cfg.network, link, NULL, NULL);
    for (size_t l = 0; rc == CPN_OK && l < nl; l++)
        rc = cpn_network_link_state(jobs->cfg.network, (uint32_t)l, NULL, NULL, &down[l]);
    struct cpn_run_totals totals = {
        .time_end = now_of(jobs),
        .events = cpn_engine_events(jobs->cfg.engine),
        .pool_busy = busy,
        .n_pools = jobs->n_wpools,
        .center_energy = energy,
        .center_cost = cost,
        .center_carbon = carbon,
        .center_charge = charge,
        .n_centers = nc,
        .link_util = link,
        .n_link_dirs = nd,
        .link_down = down,
        .n_links = nl,
        .center_down = cdown,
        .job_submitted = jobs->submitted_by_kind,
        .n_job_kinds = CPN_JOB_NKINDS,
        .wlog_skipped = jobs->st.wlog_skipped,
        .wlog_cancelled = jobs->st.wlog_cancelled,
        .wlog_rows = jobs->st.wlog_rows,
        .wlog_malformed = jobs->st.wlog_malformed,
        .wlog_outside = jobs->st.wlog_outside,
        .wlog_filtered = jobs->st.wlog_filtered,
        .wlog_replayed = jobs->st.wlog_replayed,
        .wlog_after_until = jobs->st.wlog_after_until,
        .pool_capacity = jobs->resized ? capacity : NULL, /* fixed sizes: units x time */
        .decisions = jobs->st.decisions,
        .conflicts = jobs->st.conflicts,
        .have_decisions = 1,
        .requeued = jobs->st.requeued,
        .lost_work = jobs->st.lost_work,
        .migrated = jobs->st.migrated,
        .migrated_bytes = jobs->st.migrated_bytes,
        .bw_granted = jobs->st.bw_granted,
        .bw_refused = jobs->st.bw_refused,
        .bw_setup = jobs->st.bw_setup,
    };
    if (rc == CPN_OK)
        rc = what < 0 ? cpn_observe_end(jobs->cfg.observer, complete, &totals)
                      : cpn_observe_window(jobs->cfg.observer, what, &totals);
    free(buf);
    return rc;
}

int cpn_jobs_window(struct cpn_jobs *jobs, int closes)
{
    if (jobs->window > (closes ? 1 : 0))
        return CPN_OK; /* already opened (closed) */
    if (!closes && jobs->window == 0 && now_of(jobs) == 0) {
        jobs->window = 1; /* opens at 0: nothing to subtract */
        return CPN_OK;
    }
    jobs->window = closes ? 2 : 1;
    return jobs_totals(jobs, closes, 0);
}

int cpn_jobs_window_workload_ended_(struct cpn_jobs *jobs)
{
    if (jobs->window != 1 || jobs->cfg.sample_always || work_left(jobs))
        return CPN_OK;
    return cpn_jobs_window(jobs, 1);
}

int cpn_jobs_finish(struct cpn_jobs *jobs, int complete)
{
    int rc;
    if (jobs->started && jobs->cfg.sample_interval > 0 && now_of(jobs) > jobs->last_sample &&
        (rc = cpn_jobs_take_sample_(jobs)) != CPN_OK)
        return rc;
    return jobs_totals(jobs, -1, complete);
}

void cpn_jobs_stats(const struct cpn_jobs *jobs, struct cpn_jobs_stats *out)
{
    *out = jobs->st;
    out->staleness_mean = jobs->st.decisions ? jobs->staleness_sum / (double)jobs->st.decisions : 0;
}
