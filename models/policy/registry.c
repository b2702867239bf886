/*
 * The policy registry (built-ins listed in one explicit table, plus loaded plug-ins), parameter
 * validation, and policy instances (see models/policy.h).
 */
#include "models/policy.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/array.h"
#include "sim/error.h"
#include "sim/rng.h"

/* The built-in policies, in the order `cpnsim policies` lists them. */
static const struct cpn_policy_ops *const builtins[] = {
    &cpn_policy_random,          &cpn_policy_round_robin, &cpn_policy_least_loaded,
    &cpn_policy_nearest,         &cpn_policy_min_cost,    &cpn_policy_greenest,
    &cpn_policy_earliest_finish, &cpn_policy_balanced,
};
#define N_BUILTINS (sizeof builtins / sizeof builtins[0])

/* Longest policy or parameter name accepted [characters]; keeps stream names and tables tidy. */
#define NAME_MAX_LEN 63

struct plugin {
    const struct cpn_policy_ops *ops; /* lives in the plug-in */
    char *path;                       /* owned copy of the file name */
    void *handle;                     /* dlopen handle, owned */
};

struct cpn_policy_registry {
    CPN_ARRAY(struct plugin) plugins;
};

struct cpn_policy {
    const struct cpn_policy_ops *ops; /* borrowed (built-in or plug-in) */
    struct cpn_policy_ctx ctx;
    double *params; /* owned: ctx.params points here */
    int created;    /* 1 once ops->create succeeded or was absent */
    int bound;      /* 1: a host-made table's instance (cpn_policy_bind) */
};

struct cpn_policy_registry *cpn_policy_registry_new(void)
{
    return calloc(1, sizeof(struct cpn_policy_registry));
}

void cpn_policy_registry_free(struct cpn_policy_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->plugins.len; i++) {
        cpn_policy_plugin_close(reg->plugins.items[i].handle);
        free(reg->plugins.items[i].path);
    }
    cpn_array_release(&reg->plugins);
    free(reg);
}

int cpn_policy_registry_load(struct cpn_policy_registry *reg, const char *path)
{
    if (!reg || !path)
        return CPN_ERROR(CPN_EINVAL, "policy plug-in: NULL registry or path");
    const struct cpn_policy_ops *ops;
    void *handle;
    int rc = cpn_policy_plugin_open(path, &ops, &handle);
    if (rc != CPN_OK)
        return rc;
    for (size_t i = 0; i < cpn_policy_registry_count(reg); i++) {
        const char *other_path;
        const struct cpn_policy_ops *other = cpn_policy_registry_at(reg, i, &other_path);
        if (strcmp(other->name, ops->name) == 0) {
            char other_desc[512];
            if (other_path)
                snprintf(other_desc, sizeof other_desc, "the plug-in %s", other_path);
            else
                snprintf(other_desc, sizeof other_desc, "a built-in policy");
            /* The message first: ops->name lives in the plug-in being unloaded. */
            rc = CPN_ERROR(CPN_EPLUGIN,
                           "%s: policy name \"%s\" is already taken by %s "
                           "(rename the plug-in's policy)",
                           path, ops->name, other_desc);
            cpn_policy_plugin_close(handle);
            return rc;
        }
    }
    struct plugin pl = {ops, strdup(path), handle};
    if (!pl.path || cpn_array_push(&reg->plugins, pl) != CPN_OK) {
        free(pl.path);
        cpn_policy_plugin_close(handle);
        return CPN_ERROR(CPN_ENOMEM, "%s: out of memory", path);
    }
    return CPN_OK;
}

int cpn_policy_registry_add(struct cpn_policy_registry *reg, const struct cpn_policy_ops *ops,
                            const char *origin)
{
    if (!reg || !ops || !origin)
        return CPN_ERROR(CPN_EINVAL, "cpn_policy_registry_add: NULL argument");
    int rc = cpn_policy_check(ops);
    if (rc != CPN_OK)
        return rc;
    if (cpn_policy_find(reg, ops->name))
        return CPN_ERROR(CPN_EPLUGIN,
                         "%s: policy name \"%s\" is already taken (by a built-in policy, a "
                         "plug-in or another external policy)",
                         origin, ops->name);
    struct plugin pl = {ops, strdup(origin), NULL};
    if (!pl.path || cpn_array_push(&reg->plugins, pl) != CPN_OK) {
        free(pl.path);
        return CPN_ERROR(CPN_ENOMEM, "%s: out of memory", origin);
    }
    return CPN_OK;
}

size_t cpn_policy_registry_count(const struct cpn_policy_registry *reg)
{
    return N_BUILTINS + (reg ? reg->plugins.len : 0);
}

const struct cpn_policy_ops *cpn_policy_registry_at(const struct cpn_policy_registry *reg, size_t i,
                                                    const char **path)
{
    CPN_ASSERT(i < cpn_policy_registry_count(reg));
    if (i < N_BUILTINS) {
        if (path)
            *path = NULL;
        return builtins[i];
    }
    const struct plugin *pl = &reg->plugins.items[i - N_BUILTINS];
    if (path)
        *path = pl->path;
    return pl->ops;
}

const struct cpn_policy_ops *cpn_policy_find(const struct cpn_policy_registry *reg,
                                             const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < cpn_policy_registry_count(reg); i++) {
        const struct cpn_policy_ops *ops = cpn_policy_registry_at(reg, i, NULL);
        if (strcmp(ops->name, name) == 0)
            return ops;
    }
    return NULL;
}

/* 1 when @p s is a non-empty [a-z0-9_]+ word of at most NAME_MAX_LEN characters. */
static int valid_name(const char *s)
{
    size_t n = 0;
    if (!s || !*s)
        return 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
            return 0;
    return n <= NAME_MAX_LEN;
}

/* Whether parameter @p pa takes whole numbers only (unit "count") or 0 and 1 only ("flag"). */
static int param_is(const struct cpn_policy_param *pa, const char *unit)
{
    return strcmp(pa->unit, unit) == 0;
}

int cpn_policy_check(const struct cpn_policy_ops *ops)
{
    if (!ops)
        return CPN_ERROR(CPN_EPLUGIN, "policy table is NULL");
    if (ops->abi != CPN_POLICY_ABI)
        return CPN_ERROR(CPN_EPLUGIN,
                         "policy ABI %u, but this cpnsim expects %u (rebuild the "
                         "policy against the installed cpnsim headers)",
                         ops->abi, CPN_POLICY_ABI);
    if (!valid_name(ops->name))
        return CPN_ERROR(CPN_EPLUGIN,
                         "policy name \"%s\" is not a word of 1 to %d characters "
                         "[a-z0-9_]",
                         ops->name ? ops->name : "(null)", NAME_MAX_LEN);
    if (!ops->doc || !ops->place)
        return CPN_ERROR(CPN_EPLUGIN, "policy \"%s\": the table has no %s", ops->name,
                         !ops->doc ? "doc string" : "place callback");
    if (ops->n_params > 0 && !ops->params)
        return CPN_ERROR(CPN_EPLUGIN, "policy \"%s\": n_params is %u but params is NULL", ops->name,
                         ops->n_params);
    if (!(ops->tick_period >= 0) || (ops->tick_period > 0 && !ops->on_tick && !ops->migrate))
        return CPN_ERROR(CPN_EPLUGIN,
                         "policy \"%s\": tick_period %g needs on_tick or migrate and must be "
                         ">= 0",
                         ops->name, ops->tick_period);
    for (uint32_t i = 0; i < ops->n_params; i++) {
        const struct cpn_policy_param *pa = &ops->params[i];
        if (!valid_name(pa->name) || !pa->unit || !*pa->unit || !pa->doc)
            return CPN_ERROR(CPN_EPLUGIN,
                             "policy \"%s\": parameter %u needs a [a-z0-9_] name, "
                             "a unit and a doc string",
                             ops->name, i);
        if (!(pa->min <= pa->def && pa->def <= pa->max))
            return CPN_ERROR(CPN_EPLUGIN,
                             "policy \"%s\": parameter \"%s\": default %g is not "
                             "in [%g, %g]",
                             ops->name, pa->name, pa->def, pa->min, pa->max);
        int count = param_is(pa, "count"), flag = param_is(pa, "flag");
        if ((count && (pa->def != floor(pa->def) || pa->min != ceil(pa->min) ||
                       pa->max != floor(pa->max))) ||
            (flag && (pa->min != 0 || pa->max != 1 || (pa->def != 0 && pa->def != 1))))
            return CPN_ERROR(CPN_EPLUGIN,
                             "policy \"%s\": parameter \"%s\": a %s needs %s (default %g, "
                             "range %g to %g)",
                             ops->name, pa->name, pa->unit,
                             count ? "a whole default and a range of whole numbers"
                                   : "default 0 or 1 and range 0 to 1",
                             pa->def, pa->min, pa->max);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(ops->params[j].name, pa->name) == 0)
                return CPN_ERROR(CPN_EPLUGIN, "policy \"%s\": parameter \"%s\" is listed twice",
                                 ops->name, pa->name);
    }
    return CPN_OK;
}

int cpn_policy_param_lookup(const struct cpn_policy_ops *ops, const char *name, double value,
                            uint32_t *index)
{
    for (uint32_t i = 0; i < ops->n_params; i++) {
        const struct cpn_policy_param *pa = &ops->params[i];
        if (strcmp(pa->name, name) != 0)
            continue;
        /* (A ratio's unit, "1", is left out: "0 to 1", not "0 to 1 1"; so are "count" and
         * "flag", said in words.) */
        int count = param_is(pa, "count"), flag = param_is(pa, "flag");
        int ratio = param_is(pa, "1") || count || flag;
        if (!(value >= pa->min && value <= pa->max))
            return CPN_ERROR(CPN_ERANGE,
                             "policy \"%s\": parameter \"%s\" = %g is out of range "
                             "(accepted: %s%g to %g%s%s)",
                             ops->name, name, value, count ? "whole numbers from " : "", pa->min,
                             pa->max, ratio ? "" : " ", ratio ? "" : pa->unit);
        if (flag && value != 0 && value != 1)
            return CPN_ERROR(CPN_ERANGE,
                             "policy \"%s\": parameter \"%s\" = %g is not 0 or 1 (a flag: 1 "
                             "on, 0 off)",
                             ops->name, name, value);
        if (count && value != floor(value))
            return CPN_ERROR(CPN_ERANGE,
                             "policy \"%s\": parameter \"%s\" = %g is not a whole number "
                             "(accepted: whole numbers from %g to %g)",
                             ops->name, name, value, pa->min, pa->max);
        if (index)
            *index = i;
        return CPN_OK;
    }
    char names[512] = "";
    size_t used = 0;
    for (uint32_t i = 0; i < ops->n_params && used < sizeof names; i++) {
        int n =
            snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", ops->params[i].name);
        used += n > 0 ? (size_t)n : 0;
    }
    return CPN_ERROR(CPN_ENOENT, "policy \"%s\" has no parameter \"%s\" (accepted: %s)", ops->name,
                     name, ops->n_params ? names : "none");
}

/* The policies' uniform(): GSL's uniform in [0, 1) on the instance's named stream. */
static double draw_uniform(void *rng)
{
    return gsl_rng_uniform(rng);
}

int cpn_policy_new(const struct cpn_policy_ops *ops, const struct cpn_policy_setting *settings,
                   size_t n_settings, struct cpn_rng *streams, uint32_t n_centers,
                   uint32_t n_origins, struct cpn_policy **out)
{
    if (!ops || !out || (n_settings > 0 && !settings))
        return CPN_ERROR(CPN_EINVAL, "cpn_policy_new: NULL argument");
    *out = NULL;
    int rc = cpn_policy_check(ops);
    if (rc != CPN_OK)
        return rc;
    struct cpn_policy *p = calloc(1, sizeof *p);
    if (!p)
        return CPN_ERROR(CPN_ENOMEM, "policy \"%s\": out of memory", ops->name);
    p->ops = ops;
    p->params = calloc(ops->n_params ? ops->n_params : 1, sizeof *p->params);
    if (!p->params) {
        rc = CPN_ERROR(CPN_ENOMEM, "policy \"%s\": out of memory", ops->name);
        goto fail;
    }
    for (uint32_t i = 0; i < ops->n_params; i++)
        p->params[i] = ops->params[i].def;
    for (size_t s = 0; s < n_settings; s++) {
        uint32_t idx;
        rc = cpn_policy_param_lookup(ops, settings[s].name, settings[s].value, &idx);
        if (rc != CPN_OK)
            goto fail;
        p->params[idx] = settings[s].value;
    }
    p->ctx.params = p->params;
    p->ctx.n_centers = n_centers;
    p->ctx.n_origins = n_origins;
    if (streams) {
        char stream[NAME_MAX_LEN + 16];
        gsl_rng *gen;
        snprintf(stream, sizeof stream, "policy/%s", ops->name);
        rc = cpn_rng_stream(streams, stream, &gen);
        if (rc != CPN_OK)
            goto fail;
        p->ctx.uniform = draw_uniform;
        p->ctx.rng = gen;
    }
    if (ops->create && ops->create(&p->ctx) != 0) {
        if (ops->destroy) /* the contract: destroy also runs after a failed create */
            ops->destroy(&p->ctx);
        rc = CPN_ERROR(CPN_EPLUGIN, "policy \"%s\": create() failed", ops->name);
        goto fail;
    }
    p->created = 1;
    *out = p;
    return CPN_OK;
fail:
    cpn_policy_free(p); /* created == 0: destroy is not called again */
    return rc;
}

void cpn_policy_free(struct cpn_policy *p)
{
    if (!p)
        return;
    if (p->created && p->ops->destroy)
        p->ops->destroy(&p->ctx);
    free(p->params);
    free(p);
}

void cpn_policy_bind(struct cpn_policy *p, void *state)
{
    CPN_ASSERT(!p->ops->create && !p->ops->destroy);
    p->ctx.state = state;
    p->bound = 1;
}

const struct cpn_policy_ops *cpn_policy_ops_of(const struct cpn_policy *p)
{
    return p->ops;
}

double cpn_policy_param_value(const struct cpn_policy *p, uint32_t index)
{
    CPN_ASSERT(index < p->ops->n_params);
    return p->params[index];
}

/* Check a decision that splits @p job over several centers. */
static int check_split(const char *name, const struct cpn_world_job *job,
                       const struct cpn_world *world, const struct cpn_policy_decision *d)
{
    unsigned long long id = (unsigned long long)job->id;
    if (!job->splittable)
        return CPN_ERROR(CPN_EPLUGIN,
                         "policy \"%s\": job %llu cannot be split (only training "
                         "jobs by iterations can)",
                         name, id);
    if (d->n_split < 2 || d->n_split > CPN_POLICY_MAX_SPLIT || d->center != d->split_centers[0])
        return CPN_ERROR(CPN_EPLUGIN,
                         "policy \"%s\": job %llu: a split over %u centers (use 2 to %d, with "
                         "center = split_centers[0])",
                         name, id, d->n_split, CPN_POLICY_MAX_SPLIT);
    uint64_t sum = 0;
    for (uint32_t k = 0; k < d->n_split; k++) {
        uint32_t c = d->split_centers[k];
        struct cpn_world_job part = *job;
        part.units = d->split_units[k];
        int dup = 0;
        for (uint32_t m = 0; m < k; m++)
            dup |= d->split_centers[m] == c;
        if (c >= world->n_centers || dup || part.units == 0 ||
            cpn_world_fit_pool(&world->centers[c], &part, CPN_WORLD_FIT_EVER) == CPN_NONE)
            return CPN_ERROR(CPN_EPLUGIN,
                             "policy \"%s\": job %llu: split part %u (center %u, %u units) is "
                             "out of range, repeated or never fits",
                             name, id, k, c, part.units);
        sum += part.units;
    }
    if (sum != job->units)
        return CPN_ERROR(CPN_EPLUGIN,
                         "policy \"%s\": job %llu: the split's units sum to %llu, "
                         "not %u",
                         name, id, (unsigned long long)sum, job->units);
    return CPN_OK;
}

/* Check the sizes of a view and a job against instance @p p (place and migrate). */
static int check_call(const struct cpn_policy *p, const struct cpn_world_job *job,
                      const struct cpn_world *world)
{
    const char *name = p->ops->name;
    if (world->n_centers != p->ctx.n_centers || world->n_origins != p->ctx.n_origins ||
        world->n_paths < 1)
        return CPN_ERROR(CPN_EINVAL,
                         "policy \"%s\": view has %u centers, %u origins, %u paths; "
                         "the instance was made for %u centers, %u origins, >= 1 path",
                         name, world->n_centers, world->n_origins, world->n_paths, p->ctx.n_centers,
                         p->ctx.n_origins);
    if (job->origin >= world->n_origins ||
        (job->input_origin != CPN_NONE && job->input_origin >= world->n_origins) || job->units < 1)
        return CPN_ERROR(CPN_EINVAL,
                         "policy \"%s\": job %llu: origin %u, input origin %u or "
                         "units %u out of range",
                         name, (unsigned long long)job->id, job->origin, job->input_origin,
                         job->units);
    return CPN_OK;
}

int cpn_policy_decision_check(const char *name, const struct cpn_world_job *job,
                              const struct cpn_world *world, struct cpn_policy_decision *out)
{
    if (out->paths == 0)
        out->paths = 1;
    if (out->paths > world->n_paths)
        return CPN_ERROR(CPN_EPLUGIN, "policy \"%s\": job %llu: %u paths asked, the view has %u",
                         name, (unsigned long long)job->id, out->paths, world->n_paths);
    if (out->reject && (out->center != CPN_POLICY_HOLD || out->n_split))
        return CPN_ERROR(CPN_EPLUGIN,
                         "policy \"%s\": job %llu: a rejection (\"%.80s\") names no center and "
                         "no split",
                         name, (unsigned long long)job->id, out->reject);
    if (out->center == CPN_POLICY_HOLD)
        return CPN_OK;
    if (out->center >= world->n_centers)
        return CPN_ERROR(CPN_EPLUGIN,
                         "policy \"%s\": job %llu: center index %u out of range "
                         "(%u centers)",
                         name, (unsigned long long)job->id, out->center, world->n_centers);
    if (out->n_split)
        return check_split(name, job, world, out);
    const struct cpn_world_center *c = &world->centers[out->center];
    if (cpn_world_fit_pool(c, job, CPN_WORLD_FIT_EVER) == CPN_NONE)
        return CPN_ERROR(CPN_EPLUGIN,
                         "policy \"%s\": job %llu (%u units) placed on center \"%s\""
                         " which is down or can never fit it",
                         name, (unsigned long long)job->id, job->units, c->name ? c->name : "?");
    if (out->pool != CPN_NONE) {
        const struct cpn_world_pool *pool = out->pool < c->n_pools ? &c->pools[out->pool] : NULL;
        if (!pool || pool->units < job->units ||
            (job->pool_type != CPN_NONE && pool->type != job->pool_type))
            return CPN_ERROR(CPN_EPLUGIN,
                             "policy \"%s\": job %llu: pool %u of center \"%s\" "
                             "does not exist or cannot fit the job",
                             name, (unsigned long long)job->id, out->pool, c->name ? c->name : "?");
    }
    return CPN_OK;
}

int cpn_policy_place(struct cpn_policy *p, const struct cpn_world_job *job,
                     const struct cpn_world *world, struct cpn_policy_decision *out)
{
    int rc = check_call(p, job, world);
    if (rc != CPN_OK)
        return rc;
    *out = (struct cpn_policy_decision){.center = CPN_POLICY_HOLD, .pool = CPN_NONE};
    if ((rc = p->ops->place(&p->ctx, job, world, out)) == CPN_EPOLICY && p->bound)
        return rc; /* the external-process bridge recorded its own message */
    if (rc != 0)
        return CPN_ERROR(CPN_EPLUGIN, "policy \"%s\": place() failed (returned %d) for job %llu",
                         p->ops->name, rc, (unsigned long long)job->id);
    return cpn_policy_decision_check(p->ops->name, job, world, out);
}

int cpn_policy_migrates(const struct cpn_policy *p)
{
    return p && p->ops->migrate != NULL && !p->ctx.no_migrate;
}

int cpn_policy_migrate(struct cpn_policy *p, const struct cpn_world_job *job,
                       const struct cpn_policy_migrant *at, const struct cpn_world *world,
                       struct cpn_policy_decision *out)
{
    *out = (struct cpn_policy_decision){.center = CPN_POLICY_HOLD, .pool = CPN_NONE};
    int rc = check_call(p, job, world);
    if (rc != CPN_OK || !cpn_policy_migrates(p))
        return rc;
    if (at->center >= world->n_centers)
        return CPN_ERROR(CPN_EINVAL, "policy \"%s\": job %llu is at center %u of %u", p->ops->name,
                         (unsigned long long)job->id, at->center, world->n_centers);
    if ((rc = p->ops->migrate(&p->ctx, job, at, world, out)) == CPN_EPOLICY && p->bound)
        return rc; /* the external-process bridge recorded its own message */
    if (rc != 0)
        return CPN_ERROR(CPN_EPLUGIN, "policy \"%s\": migrate() failed (returned %d) for job %llu",
                         p->ops->name, rc, (unsigned long long)job->id);
    if (out->n_split || out->reject)
        return CPN_ERROR(CPN_EPLUGIN,
                         "policy \"%s\": job %llu: migrate() %s (a migration moves a job whole, "
                         "or leaves it)",
                         p->ops->name, (unsigned long long)job->id,
                         out->reject ? "rejected it" : "split it");
    if ((rc = cpn_policy_decision_check(p->ops->name, job, world, out)) != CPN_OK)
        return rc;
    if (out->center == at->center)
        *out = (struct cpn_policy_decision){.center = CPN_POLICY_HOLD, .pool = CPN_NONE};
    return CPN_OK;
}

void cpn_policy_notify(struct cpn_policy *p, const struct cpn_policy_event *event,
                       const struct cpn_world *world)
{
    if (p->ops->on_event)
        p->ops->on_event(&p->ctx, event, world);
}

void cpn_policy_tick(struct cpn_policy *p, const struct cpn_world *world)
{
    if (p->ops->on_tick)
        p->ops->on_tick(&p->ctx, world);
}

double cpn_policy_tick_period(const struct cpn_policy *p)
{
    return p->ops->tick_period;
}
