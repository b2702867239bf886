/* Compute awareness: per-center snapshot rings and the views built from them (awareness.h). */
#include "models/policy/awareness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/error.h"

/* Most snapshots kept per center.  Approximation: when a delay exceeds about
 * MAX_RING x period, views fall back to the oldest kept snapshot, which is fresher than the
 * one the delay implies (staleness then reads lower than the model's). */
#define MAX_RING 4096u

struct snapshot {
    double measured;                /* when the state was measured [s] */
    struct cpn_world_center center; /* the state; its pools live in snap_pools */
};

struct cpn_awareness {
    enum cpn_awareness_mode mode;
    double period; /* [s] */
    double t0;     /* registration time [s] */
    uint32_t n_centers, n_origins;
    uint32_t total_pools;
    uint32_t *pool_offset;             /* n_centers: first pool of each center in a pool block */
    uint32_t *n_pools;                 /* n_centers: pools of each center (fixed at registration) */
    double *delay;                     /* n_centers: controller's one-way delay [s] */
    uint32_t ring;                     /* snapshots kept per center */
    struct snapshot *snaps;            /* n_centers x ring */
    struct cpn_world_pool *snap_pools; /* ring x total_pools: slot s at s * total_pools */
    uint32_t *head;                    /* n_centers: slot of the newest snapshot */
    uint32_t *count;                   /* n_centers: snapshots kept (1..ring) */
    struct cpn_world view;             /* the last view handed out */
    struct cpn_world_center *view_centers; /* n_centers */
    struct cpn_world_pool *view_pools;     /* total_pools */
    uint64_t decisions, holds, conflicts;
    double staleness_sum, staleness_max; /* [s] */
};

static const char *const mode_names[] = {"oracle", "centralized", "distributed", "hybrid"};
#define N_MODES (sizeof mode_names / sizeof mode_names[0])

const char *cpn_awareness_mode_name(enum cpn_awareness_mode mode)
{
    return (unsigned)mode < N_MODES ? mode_names[mode] : "?";
}

int cpn_awareness_mode_parse(const char *name, enum cpn_awareness_mode *out)
{
    for (unsigned i = 0; name && i < N_MODES; i++)
        if (strcmp(name, mode_names[i]) == 0) {
            *out = (enum cpn_awareness_mode)i;
            return CPN_OK;
        }
    return CPN_ERROR(CPN_ENOENT,
                     "awareness \"%s\" is not a mode (accepted: oracle, centralized, "
                     "distributed, hybrid)",
                     name ? name : "(null)");
}

void cpn_awareness_free(struct cpn_awareness *aw)
{
    if (!aw)
        return;
    free(aw->pool_offset);
    free(aw->n_pools);
    free(aw->delay);
    free(aw->snaps);
    free(aw->snap_pools);
    free(aw->head);
    free(aw->count);
    free(aw->view_centers);
    free(aw->view_pools);
    free(aw);
}

/* The largest delay a snapshot of any center is seen with [s]. */
static double max_delay(const struct cpn_awareness *aw, const struct cpn_world *w)
{
    double d = 0;
    if (aw->mode == CPN_AWARENESS_DISTRIBUTED) {
        for (size_t i = 0; i < (size_t)w->n_origins * w->n_centers; i++)
            if (isfinite(w->rtt[i]) && w->rtt[i] > d)
                d = w->rtt[i];
    } else {
        for (uint32_t c = 0; c < aw->n_centers; c++)
            d = aw->delay[c] > d ? aw->delay[c] : d;
    }
    return d;
}

/* Copy @p state and its pools into slot @p slot of center @p c. */
static void store(struct cpn_awareness *aw, uint32_t c, uint32_t slot,
                  const struct cpn_world_center *state, double measured)
{
    struct snapshot *s = &aw->snaps[(size_t)c * aw->ring + slot];
    s->measured = measured;
    s->center = *state;
    s->center.pools = NULL; /* the pools are copied below; the borrowed pointer is not kept */
    memcpy(&aw->snap_pools[(size_t)slot * aw->total_pools + aw->pool_offset[c]], state->pools,
           aw->n_pools[c] * sizeof *state->pools);
}

int cpn_awareness_new(const struct cpn_awareness_config *cfg, const struct cpn_world *initial,
                      struct cpn_awareness **out)
{
    int rc;
    if (!cfg || !initial || !out)
        return CPN_ERROR(CPN_EINVAL, "awareness: NULL argument");
    *out = NULL;
    if ((unsigned)cfg->mode >= N_MODES)
        return CPN_ERROR(CPN_EINVAL, "awareness: unknown mode %d", (int)cfg->mode);
    if (cfg->mode != CPN_AWARENESS_ORACLE && !(cfg->period > 0 && isfinite(cfg->period)))
        return CPN_ERROR(CPN_EINVAL, "awareness %s: period %g s must be > 0", mode_names[cfg->mode],
                         cfg->period);
    if (!(cfg->delay >= 0 && isfinite(cfg->delay)))
        return CPN_ERROR(CPN_EINVAL, "awareness %s: delay %g s must be >= 0", mode_names[cfg->mode],
                         cfg->delay);
    struct cpn_awareness *aw = calloc(1, sizeof *aw);
    if (!aw)
        return CPN_ERROR(CPN_ENOMEM, "awareness: out of memory");
    uint32_t nc = initial->n_centers;
    aw->mode = cfg->mode;
    aw->period = cfg->period;
    aw->t0 = initial->time;
    aw->n_centers = nc;
    aw->n_origins = initial->n_origins;
    aw->pool_offset = calloc(nc ? nc : 1, sizeof *aw->pool_offset);
    aw->n_pools = calloc(nc ? nc : 1, sizeof *aw->n_pools);
    aw->delay = calloc(nc ? nc : 1, sizeof *aw->delay);
    aw->head = calloc(nc ? nc : 1, sizeof *aw->head);
    aw->count = calloc(nc ? nc : 1, sizeof *aw->count);
    aw->view_centers = calloc(nc ? nc : 1, sizeof *aw->view_centers);
    if (!aw->pool_offset || !aw->n_pools || !aw->delay || !aw->head || !aw->count ||
        !aw->view_centers) {
        rc = CPN_ERROR(CPN_ENOMEM, "awareness: out of memory");
        goto fail;
    }
    for (uint32_t c = 0; c < nc; c++) {
        double d = cfg->center_delay ? cfg->center_delay[c] : cfg->delay;
        if (!(d >= 0 && isfinite(d))) {
            rc = CPN_ERROR(CPN_EINVAL, "awareness: delay %g s of center %u must be >= 0", d, c);
            goto fail;
        }
        aw->delay[c] = d;
        aw->pool_offset[c] = aw->total_pools;
        aw->n_pools[c] = initial->centers[c].n_pools;
        aw->total_pools += initial->centers[c].n_pools;
    }
    aw->ring = 1;
    if (cfg->mode != CPN_AWARENESS_ORACLE) {
        double slots = ceil(max_delay(aw, initial) / aw->period) + 2;
        aw->ring = slots < MAX_RING ? (uint32_t)slots : MAX_RING;
    }
    size_t tp = aw->total_pools ? aw->total_pools : 1;
    aw->snaps = calloc((size_t)nc * aw->ring + 1, sizeof *aw->snaps);
    aw->snap_pools = calloc(tp * aw->ring, sizeof *aw->snap_pools);
    aw->view_pools = calloc(tp, sizeof *aw->view_pools);
    if (!aw->snaps || !aw->snap_pools || !aw->view_pools) {
        rc = CPN_ERROR(CPN_ENOMEM, "awareness: out of memory for %u snapshots", aw->ring);
        goto fail;
    }
    for (uint32_t c = 0; c < nc; c++) {
        store(aw, c, 0, &initial->centers[c], initial->time);
        aw->count[c] = 1;
    }
    *out = aw;
    return CPN_OK;
fail:
    cpn_awareness_free(aw);
    return rc;
}

enum cpn_awareness_mode cpn_awareness_mode_of(const struct cpn_awareness *aw)
{
    return aw->mode;
}

double cpn_awareness_next_report_time(const struct cpn_awareness *aw, double now)
{
    if (aw->mode == CPN_AWARENESS_ORACLE)
        return INFINITY;
    double k = floor((now - aw->t0) / aw->period) + 1;
    if (k < 1)
        k = 1;
    /* Rounding of the division can leave t0 + k x period at or below now: step once more. */
    while (aw->t0 + k * aw->period <= now)
        k++;
    return aw->t0 + k * aw->period;
}

int cpn_awareness_report(struct cpn_awareness *aw, uint32_t center,
                         const struct cpn_world_center *state, double measured)
{
    if (center >= aw->n_centers)
        return CPN_ERROR(CPN_EINVAL, "awareness: report of center %u, only %u centers", center,
                         aw->n_centers);
    if (state->n_pools != aw->n_pools[center])
        return CPN_ERROR(CPN_EINVAL, "awareness: center %u reports %u pools, registered with %u",
                         center, state->n_pools, aw->n_pools[center]);
    double last = aw->snaps[(size_t)center * aw->ring + aw->head[center]].measured;
    if (measured < last)
        return CPN_ERROR(CPN_EINVAL,
                         "awareness: center %u: report measured at %g s is older "
                         "than the last one (%g s)",
                         center, measured, last);
    uint32_t slot = (aw->head[center] + 1) % aw->ring;
    store(aw, center, slot, state, measured);
    aw->head[center] = slot;
    if (aw->count[center] < aw->ring)
        aw->count[center]++;
    return CPN_OK;
}

int cpn_awareness_report_all(struct cpn_awareness *aw, const struct cpn_world *exact)
{
    if (exact->n_centers != aw->n_centers)
        return CPN_ERROR(CPN_EINVAL, "awareness: the world has %u centers, registered %u",
                         exact->n_centers, aw->n_centers);
    for (uint32_t c = 0; c < aw->n_centers; c++) {
        int rc = cpn_awareness_report(aw, c, &exact->centers[c], exact->time);
        if (rc != CPN_OK)
            return rc;
    }
    return CPN_OK;
}

/* The newest snapshot of center @p c visible @p delay after its measurement at @p now, else
 * the oldest kept. */
static const struct snapshot *visible(const struct cpn_awareness *aw, uint32_t c, double now,
                                      double delay, uint32_t *slot_out)
{
    uint32_t slot = aw->head[c];
    for (uint32_t j = 0; j < aw->count[c]; j++) {
        slot = (aw->head[c] + aw->ring - j) % aw->ring;
        const struct snapshot *s = &aw->snaps[(size_t)c * aw->ring + slot];
        if (s->measured + delay <= now)
            break;
    }
    *slot_out = slot; /* the loop leaves the oldest kept slot when none is visible */
    return &aw->snaps[(size_t)c * aw->ring + slot];
}

/* How late origin @p origin sees center @p c [s]; negative: exactly. */
static double view_delay(const struct cpn_awareness *aw, const struct cpn_world *exact,
                         uint32_t origin, uint32_t c)
{
    int local = exact->origin_region[origin] == exact->centers[c].region;
    switch (aw->mode) {
    case CPN_AWARENESS_ORACLE:
        return -1;
    case CPN_AWARENESS_CENTRALIZED:
        return aw->delay[c];
    case CPN_AWARENESS_DISTRIBUTED:
        return local ? -1 : cpn_world_rtt(exact, origin, c);
    case CPN_AWARENESS_HYBRID:
        return local ? -1 : aw->delay[c];
    }
    return aw->delay[c];
}

int cpn_awareness_exact(const struct cpn_awareness *aw, const struct cpn_world *exact,
                        uint32_t origin, uint32_t c)
{
    if (origin >= aw->n_origins || c >= aw->n_centers)
        return 0;
    return view_delay(aw, exact, origin, c) < 0;
}

int cpn_awareness_view(struct cpn_awareness *aw, uint32_t origin, double now,
                       const struct cpn_world *exact, const struct cpn_world **out)
{
    if (exact->n_centers != aw->n_centers || exact->n_origins != aw->n_origins)
        return CPN_ERROR(CPN_EINVAL,
                         "awareness: the world has %u centers and %u origins, "
                         "registered %u and %u",
                         exact->n_centers, exact->n_origins, aw->n_centers, aw->n_origins);
    if (origin >= aw->n_origins)
        return CPN_ERROR(CPN_EINVAL, "awareness: origin %u out of range (%u origins)", origin,
                         aw->n_origins);
    for (uint32_t c = 0; c < aw->n_centers; c++) {
        const struct cpn_world_center *ex = &exact->centers[c];
        if (ex->n_pools != aw->n_pools[c])
            return CPN_ERROR(CPN_EINVAL, "awareness: center %u has %u pools, registered with %u", c,
                             ex->n_pools, aw->n_pools[c]);
        struct cpn_world_pool *pools = &aw->view_pools[aw->pool_offset[c]];
        double delay = view_delay(aw, exact, origin, c);
        if (delay < 0) { /* exact */
            aw->view_centers[c] = *ex;
            aw->view_centers[c].measured = now;
            memcpy(pools, ex->pools, aw->n_pools[c] * sizeof *pools);
        } else {
            uint32_t slot;
            const struct snapshot *s = visible(aw, c, now, delay, &slot);
            aw->view_centers[c] = s->center;
            aw->view_centers[c].name = ex->name; /* names do not change; the exact one lives */
            aw->view_centers[c].measured = s->measured;
            memcpy(pools, &aw->snap_pools[(size_t)slot * aw->total_pools + aw->pool_offset[c]],
                   aw->n_pools[c] * sizeof *pools);
        }
        aw->view_centers[c].pools = pools;
    }
    aw->view = *exact;
    aw->view.time = now;
    aw->view.centers = aw->view_centers;
    *out = &aw->view;
    return CPN_OK;
}

int cpn_awareness_record_decision(struct cpn_awareness *aw, const struct cpn_world *view,
                                  const struct cpn_world_job *job,
                                  const struct cpn_policy_decision *decision,
                                  struct cpn_awareness_decision *rec)
{
    struct cpn_awareness_decision r = {0, 0};
    if (decision->center == CPN_POLICY_HOLD) {
        aw->holds++;
    } else {
        if (decision->center >= view->n_centers)
            return CPN_ERROR(CPN_EINVAL, "awareness: decision for center %u, only %u centers",
                             decision->center, view->n_centers);
        const struct cpn_world_center *c = &view->centers[decision->center];
        r.staleness = view->time - c->measured;
        r.expected_free = cpn_world_fit_pool(c, job, CPN_WORLD_FIT_NOW) != CPN_NONE;
        aw->decisions++;
        aw->staleness_sum += r.staleness;
        if (r.staleness > aw->staleness_max)
            aw->staleness_max = r.staleness;
    }
    if (rec)
        *rec = r;
    return CPN_OK;
}

int cpn_awareness_arrival(struct cpn_awareness *aw, const struct cpn_awareness_decision *rec,
                          const struct cpn_world_center *exact, const struct cpn_world_job *job)
{
    if (!rec->expected_free || cpn_world_fit_pool(exact, job, CPN_WORLD_FIT_NOW) != CPN_NONE)
        return 0;
    aw->conflicts++;
    return 1;
}

void cpn_awareness_count_conflict(struct cpn_awareness *aw)
{
    aw->conflicts++;
}

void cpn_awareness_stats(const struct cpn_awareness *aw, struct cpn_awareness_stats *out)
{
    out->decisions = aw->decisions;
    out->holds = aw->holds;
    out->conflicts = aw->conflicts;
    out->staleness_mean = aw->decisions ? aw->staleness_sum / (double)aw->decisions : 0;
    out->staleness_max = aw->staleness_max;
}
