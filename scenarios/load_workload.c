/* Scenario loader: <workload> (generators and workload logs) and the whole-workload checks (see
 * load.h, docs/scenario-format.md). */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenarios/load_impl.h"
#include "sim/error.h"
#include "sim/rng.h"

#include <gsl/gsl_randist.h>

/* Where the project keeps the real workload logs (README of the shared data folder). */
#define LD_SHARED_DATA "../shared/data/"

/* ------------------------------------------------------------------------------------------ */
/* Small parsers                                                                               */

/* Quantity arguments of a distribution: ctx points to the enum cpn_quantity expected. */
static int ld_dist_quantity(const char *text, void *ctx, double *out, char *why, size_t whylen)
{
    return cpn_units_parse(text, *(const enum cpn_quantity *)ctx, out, why, whylen);
}

int cpn_ld_dist(struct cpn_ld *L, xmlNode *elem, const char *name, enum cpn_quantity q,
                struct cpn_dist *d, const struct cpn_dist **ptr)
{
    const char *v = cpn_ld_attr(elem, name);
    char why[CPN_LD_MSG / 2];
    if (!v)
        return 0;
    int rc =
        cpn_dist_parse(v, q == CPN_Q_NQUANTITY ? NULL : ld_dist_quantity, &q, d, why, sizeof why);
    if (rc == CPN_ENOMEM) {
        L->oom = 1;
        return -1;
    }
    if (rc != CPN_OK) {
        cpn_ld_error(L, elem, "%s \"%s\": %s", name, v, why);
        return -1;
    }
    if (ptr)
        *ptr = d;
    return 1;
}

/* Smallest and largest value a distribution can draw; 0 when it is unbounded (exp, lognormal). */
static int ld_dist_bounds(const struct cpn_dist *d, double *lo, double *hi)
{
    switch (d->kind) {
    case CPN_DIST_CONST:
        *lo = *hi = d->a;
        return 1;
    case CPN_DIST_UNIFORM:
    case CPN_DIST_PARETO:
        *lo = d->a;
        *hi = d->b;
        return 1;
    case CPN_DIST_CHOICE:
        *lo = INFINITY;
        *hi = -INFINITY;
        for (size_t i = 0; i < d->n; i++)
            if (d->weights[i] > 0) {
                *lo = fmin(*lo, d->values[i]);
                *hi = fmax(*hi, d->values[i]);
            }
        return 1;
    default:
        return 0;
    }
}

/* Parse "NODE[:WEIGHT] ..." into node indices and weights (weights NULL when none is given).
 * Returns the number of origins, 0 when bad (reported) or out of memory (L->oom). */
static uint32_t ld_origin_list(struct cpn_ld *L, xmlNode *elem, const char *attr, uint32_t **nodes,
                               double **weights)
{
    const char *v = cpn_ld_attr(elem, attr);
    size_t len = strlen(v);
    char *copy = malloc(len + 1);
    CPN_ARRAY(uint32_t) n = {0};
    CPN_ARRAY(double) w = {0};
    int ok = 1, weighted = 0;
    if (!copy) {
        L->oom = 1;
        return 0;
    }
    memcpy(copy, v, len + 1);
    char *save = NULL;
    for (char *tok = strtok_r(copy, " \t\r\n", &save); tok;
         tok = strtok_r(NULL, " \t\r\n", &save)) {
        char *colon = strrchr(tok, ':');
        double weight = 1;
        if (colon) {
            char why[256];
            *colon = '\0';
            weighted = 1;
            if (cpn_units_parse_number(colon + 1, 0, &weight, why, sizeof why) != CPN_OK) {
                cpn_ld_error(L, elem, "%s: weight of \"%s\": %s", attr, tok, why);
                ok = 0;
            }
        }
        uint32_t node = cpn_ld_node_ref(L, elem, attr, tok);
        if (node == CPN_NONE)
            ok = 0;
        if (cpn_array_push(&n, node) != CPN_OK || cpn_array_push(&w, weight) != CPN_OK)
            L->oom = 1;
    }
    free(copy);
    double sum = 0;
    for (size_t i = 0; i < w.len; i++)
        sum += w.items[i];
    if (ok && !L->oom && n.len == 0) {
        cpn_ld_error(L, elem,
                     "%s is empty (give one node id or several, e.g. \"beijing "
                     "shanghai:2\")",
                     attr);
        ok = 0;
    } else if (ok && !(sum > 0)) {
        cpn_ld_error(L, elem, "%s \"%s\": the weights sum to 0 (give at least one weight > 0)",
                     attr, v);
        ok = 0;
    }
    if (!ok || L->oom) {
        cpn_array_release(&n);
        cpn_array_release(&w);
        return 0;
    }
    *nodes = n.items;
    if (weighted)
        *weights = w.items;
    else
        cpn_array_release(&w);
    return (uint32_t)n.len;
}

/* "line 12" or "FILE:12" for a source defined at @p file:@p line, seen from @p elem. */
static void ld_where_source(const char *file, long line, const xmlNode *elem, char *buf, size_t len)
{
    if (strcmp(file, cpn_ld_file_name(elem)) == 0)
        snprintf(buf, len, "line %ld", line);
    else
        snprintf(buf, len, "%s:%ld", file, line);
}

/* Check that a source id is new among generators and workload logs; 0 when taken (reported). */
static int ld_source_id_new(struct cpn_ld *L, xmlNode *elem, const char *id)
{
    const struct cpn_scenario *s = L->s;
    const char *file = NULL, *what = NULL;
    long line = 0;
    for (size_t i = 0; i < s->generators.len && !file; i++)
        if (strcmp(s->generators.items[i].spec.id, id) == 0) {
            file = s->generators.items[i].file;
            line = s->generators.items[i].line;
            what = "generator";
        }
    for (size_t i = 0; i < s->wlogs.len && !file; i++)
        if (strcmp(s->wlogs.items[i].spec.id, id) == 0) {
            file = s->wlogs.items[i].file;
            line = s->wlogs.items[i].line;
            what = "trace";
        }
    if (!file)
        return 1;
    char where[512];
    ld_where_source(file, line, elem, where, sizeof where);
    cpn_diag_error(L->diag, cpn_ld_file_name(elem), xmlGetLineNo(elem),
                   "%s \"%s\": id \"%s\" is already used by the %s at %s (generators and traces "
                   "share one id space)",
                   (const char *)elem->name, id, id, what, where);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* What generators and workload logs share: the job template */

/* Largest pool of type @p type (CPN_NONE = any) in center @p center (CPN_NONE = any);
 * writes the center of that pool in @p where.  0 when none. */
static uint32_t ld_largest_pool(const struct cpn_scenario *s, uint32_t type, uint32_t center,
                                uint32_t *where)
{
    uint32_t best = 0;
    *where = CPN_NONE;
    for (size_t c = 0; c < s->centers.len; c++) {
        const struct cpn_scen_center *sc = &s->centers.items[c];
        if (center != CPN_NONE && c != center)
            continue;
        for (uint32_t p = sc->pool0; p < sc->pool0 + sc->npools; p++)
            if ((type == CPN_NONE || s->pools.items[p].type == type) &&
                s->pools.items[p].spec.units > best) {
                best = s->pools.items[p].spec.units;
                *where = (uint32_t)c;
            }
    }
    return best;
}

/* Words for "the pools jobs of this source may use", for messages. */
static void ld_pool_scope(const struct cpn_scenario *s, const struct cpn_job_spec *base, char *buf,
                          size_t len)
{
    char type[160] = "";
    if (base->pool_type != CPN_NONE)
        snprintf(type, sizeof type, " of accelerator \"%s\"", s->pool_types.items[base->pool_type]);
    if (base->center != CPN_NONE)
        snprintf(buf, len, "any pool%s of center \"%s\"", type,
                 s->centers.items[base->center].spec.id);
    else
        snprintf(buf, len, "any pool%s", type);
}

/* The pools' unit types as "\"cpu\", \"gpu\"" in @p buf (truncated to @p len), or "none". */
static const char *ld_pool_types(const struct cpn_scenario *s, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->pool_types.len && used < len; i++) {
        int n =
            snprintf(buf + used, len - used, "%s\"%s\"", used ? ", " : "", s->pool_types.items[i]);
        used += n > 0 ? (size_t)n : 0;
    }
    return used ? buf : "none";
}

/* The attributes of the job template common to <generator> and <trace>; 0 when one is bad. */
/* Storage, streaming and the training iteration model of a source's jobs. */
static int ld_compute_attrs(struct cpn_ld *L, xmlNode *elem, struct cpn_job_spec *base)
{
    struct cpn_scenario *s = L->s;
    int ok = 1;
    const char *dataset = cpn_ld_attr(elem, "dataset");
    if (dataset && (base->dataset_site = cpn_scen_find_site(s, dataset)) == CPN_NONE) {
        char list[256] = "";
        for (size_t i = 0; i < s->sites.len && strlen(list) < 200; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? ", " : "",
                     s->sites.items[i].id);
        cpn_ld_error_undefined(L, elem, "storage", dataset,
                               "dataset \"%s\" is not a storage site (sites: %s; define one "
                               "with <storage id=\"%s\" node=\"...\"/> in <centers>)",
                               dataset, s->sites.len ? list : "none", dataset);
        ok = 0;
    }
    const char *access = cpn_ld_attr(elem, "access");
    if (access && strcmp(access, "stream") == 0)
        base->access = CPN_ACCESS_STREAM;
    if (cpn_ld_quantity(L, elem, "prefetch", CPN_Q_SIZE, &base->prefetch) < 0)
        ok = 0;
    else if (cpn_ld_attr(elem, "prefetch") && base->access != CPN_ACCESS_STREAM) {
        cpn_ld_error(L, elem, "prefetch is for access=\"stream\" (a staged input is copied whole)");
        ok = 0;
    }
    struct cpn_training *tr = &base->training;
    double it = 0;
    int r = cpn_ld_whole(L, elem, "iterations", 1, 1e15, &it);
    if (r < 0)
        ok = 0;
    tr->iterations = (uint64_t)it;
    static const char *const model[] = {
        "iteration-flop", "mfu",        "parallelism",      "gradient-bytes",
        "overlap",        "sync-every", "activation-bytes", "intra-bandwidth"};
    if (r == 0) {
        for (size_t i = 0; i < sizeof model / sizeof model[0]; i++)
            if (cpn_ld_attr(elem, model[i])) {
                cpn_ld_error(L, elem,
                             "%s is part of the iteration model (give iterations=\"N\" and "
                             "iteration-flop too)",
                             model[i]);
                ok = 0;
            }
        if (base->n_split > 1) {
            cpn_ld_error(L, elem,
                         "a split over several centers runs by iterations (give iterations and "
                         "iteration-flop)");
            ok = 0;
        }
        return ok;
    }
    if (base->kind != CPN_JOB_TRAINING) {
        cpn_ld_error(L, elem, "iterations are for kind=\"training\" (this source has kind \"%s\")",
                     cpn_job_kind_name(base->kind));
        ok = 0;
    }
    r = cpn_ld_quantity(L, elem, "iteration-flop", CPN_Q_FLOP, &tr->iteration_flop);
    if (r == 0) {
        cpn_ld_error(L, elem,
                     "iterations need iteration-flop, the work of one iteration of the whole "
                     "job (e.g. \"5.6EFLOP\")");
        ok = 0;
    } else if (r < 0) { /* (reported) */
        ok = 0;
    } else if (!(tr->iteration_flop > 0)) {
        cpn_ld_error(L, elem,
                     "iteration-flop \"%s\" is not positive (the work of one iteration of the "
                     "whole job, e.g. \"5.6EFLOP\")",
                     cpn_ld_attr(elem, "iteration-flop"));
        ok = 0;
    }
    const char *ratios[] = {"mfu", "overlap"};
    double *dst[] = {&tr->mfu, &tr->overlap};
    for (int i = 0; i < 2; i++) {
        const char *v = cpn_ld_attr(elem, ratios[i]);
        char why[256];
        if (v && cpn_units_parse_ratio(v, dst[i], why, sizeof why) != CPN_OK) {
            cpn_ld_error(L, elem, "%s %s", ratios[i], why);
            ok = 0;
        }
    }
    if (!(tr->mfu > 0)) {
        cpn_ld_error(L, elem, "mfu \"%s\" is not above 0 (use e.g. \"0.45\")",
                     cpn_ld_attr(elem, "mfu"));
        ok = 0;
    }
    const char *par = cpn_ld_attr(elem, "parallelism");
    if (par && strcmp(par, "pp") == 0)
        tr->parallelism = CPN_PARALLEL_PP;
    if (cpn_ld_quantity(L, elem, "gradient-bytes", CPN_Q_SIZE, &tr->gradient_bytes) < 0 ||
        cpn_ld_quantity(L, elem, "activation-bytes", CPN_Q_SIZE, &tr->activation_bytes) < 0 ||
        cpn_ld_count(L, elem, "sync-every", 1, UINT32_MAX, &tr->sync_every) < 0)
        ok = 0;
    r = cpn_ld_quantity(L, elem, "intra-bandwidth", CPN_Q_RATE, &tr->intra_bandwidth);
    if (r < 0)
        ok = 0;
    else if (r == 1 && !(tr->intra_bandwidth > 0)) {
        cpn_ld_error(L, elem,
                     "intra-bandwidth \"%s\" is not positive (use e.g. \"200Gbps\" per "
                     "unit)",
                     cpn_ld_attr(elem, "intra-bandwidth"));
        ok = 0;
    }
    if (base->access == CPN_ACCESS_STREAM) {
        cpn_ld_error(L, elem,
                     "access=\"stream\" with iterations is not modelled (stream a job given by "
                     "its work or duration, or stage the input)");
        ok = 0;
    }
    return ok;
}

/* Warn about the attributes of a job source that its kind of job does not use (models/jobs/:
 * only inference jobs answer requests; only batch and training jobs have a run time that
 * depends on the pool, hence a reference speed and a walltime (a VM or a service holds its
 * units for its lifetime); ingests and deploys hold no units and run nothing to stage out).
 * Ignored without a word, they would make the jobs other than what was written. */
static void ld_unused_attrs(struct cpn_ld *L, xmlNode *elem, enum cpn_job_kind kind)
{
    enum {
        B = 1 << CPN_JOB_BATCH,
        T = 1 << CPN_JOB_TRAINING,
        I = 1 << CPN_JOB_INFERENCE,
        V = 1 << CPN_JOB_VM
    };
    static const struct {
        const char *attr;
        unsigned kinds;
        const char *which;
    } uses[] = {
        {"units", B | T | I | V, "batch, training, inference and vm jobs, which hold units"},
        {"bytes-out", B | T | I | V,
         "batch, training, inference and vm jobs, whose output moves back after the run"},
        {"ref-speed", B | T, "batch and training jobs, whose run time depends on the pool"},
        {"walltime", B | T,
         "batch and training jobs; a vm or service holds its units for its lifetime"},
        {"walltime-factor", B | T,
         "batch and training jobs; a vm or service holds its units for its lifetime"},
        {"slo", I, "inference jobs"},
        {"request-rate", I, "inference jobs"},
        {"request-flop", I, "inference jobs"},
        {"request-bytes", I, "inference jobs"},
    };
    int generator = xmlStrEqual(elem->name, (const xmlChar *)"generator");
    for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++)
        if (!(uses[i].kinds >> kind & 1) && cpn_ld_attr(elem, uses[i].attr) &&
            (generator || strcmp(uses[i].attr, "units") != 0)) /* (a log's units: its own) */
            cpn_ld_warning(L, elem, "%s is not used by %s jobs (only by %s): ignored", uses[i].attr,
                           cpn_job_kind_name(kind), uses[i].which);
}

static int ld_job_base(struct cpn_ld *L, xmlNode *elem, struct cpn_job_spec *base)
{
    struct cpn_scenario *s = L->s;
    int ok = 1;
    const char *kind = cpn_ld_attr(elem, "kind");
    if (kind && cpn_job_kind_parse(kind, &base->kind) != CPN_OK) {
        cpn_ld_error_model(L, elem);
        ok = 0;
    } else {
        ld_unused_attrs(L, elem, base->kind);
    }
    if (cpn_ld_quantity(L, elem, "ref-speed", CPN_Q_FLOPS, &base->ref_speed) < 0)
        ok = 0;
    if (cpn_ld_quantity(L, elem, "slo", CPN_Q_TIME, &base->slo) < 0 ||
        cpn_ld_quantity(L, elem, "checkpoint", CPN_Q_TIME, &base->checkpoint) < 0 ||
        cpn_ld_quantity(L, elem, "checkpoint-size", CPN_Q_SIZE, &base->checkpoint_bytes) < 0 ||
        cpn_ld_bandwidth(L, elem, "elastic", &base->elastic) < 0)
        ok = 0;
    else if (cpn_ld_attr(elem, "elastic") && L->s->elastic.len == 0)
        /* (links come before the workload: CPN_LD_LINKS) */
        cpn_ld_warning(L, elem,
                       "elastic \"%s\": no link has an elastic budget, so every ask is "
                       "refused (give a link of the input's path elastic=\"COUNTxRATE\", e.g. "
                       "elastic=\"64x1Gbps\")",
                       cpn_ld_attr(elem, "elastic"));
    if (cpn_ld_attr(elem, "checkpoint-size") && !cpn_ld_attr(elem, "checkpoint")) {
        cpn_ld_error(L, elem,
                     "checkpoint-size goes with checkpoint (the interval at which checkpoints "
                     "of that size are written)");
        ok = 0;
    }
    if (cpn_ld_quantity(L, elem, "request-bytes", CPN_Q_SIZE, &base->request_bytes) < 0)
        ok = 0;
    if (cpn_ld_count(L, elem, "paths", 1, CPN_NETWORK_MAX_PATHS, &base->paths) < 0 ||
        cpn_ld_count(L, elem, "targets", 1, UINT32_MAX, &base->targets) < 0)
        ok = 0;
    const char *target_kind = cpn_ld_attr(elem, "target-kind");
    for (int k = 0; target_kind && k < CPN_CENTER_NKINDS; k++)
        if (strcmp(target_kind, cpn_center_kind_name((enum cpn_center_kind)k)) == 0)
            base->target_kind = (enum cpn_center_kind)k; /* the schema lists the kinds */
    /* (ignored by other kinds: said, since the jobs would not be what was written) */
    const char *deploy_attr = cpn_ld_attr(elem, "targets") ? "targets"
                              : target_kind                ? "target-kind"
                                                           : NULL;
    if (deploy_attr && base->kind != CPN_JOB_DEPLOY) {
        cpn_ld_error(L, elem, "%s is for kind=\"deploy\" (this source has kind \"%s\")",
                     deploy_attr, cpn_job_kind_name(base->kind));
        ok = 0;
    } else if (deploy_attr && s->centers.len) {
        uint32_t of_kind = 0;
        for (size_t i = 0; i < s->centers.len; i++)
            of_kind += base->target_kind == CPN_CENTER_NKINDS ||
                       s->centers.items[i].spec.kind == base->target_kind;
        if (of_kind < base->targets)
            cpn_ld_warning(L, elem,
                           "targets %u is more than the %u centers%s%s%s: each model goes to "
                           "%s",
                           base->targets, of_kind, target_kind ? " of kind \"" : "",
                           target_kind ? target_kind : "", target_kind ? "\"" : "",
                           of_kind ? "all of them" : "none (its jobs have no target)");
    }
    const char *data = cpn_ld_attr(elem, "data");
    if (data && (base->data_node = cpn_ld_node_ref(L, elem, "data", data)) == CPN_NONE)
        ok = 0;
    if (cpn_ld_transport_ref(L, elem, "transport", &base->transport) < 0)
        ok = 0;
    const char *accel = cpn_ld_attr(elem, "accelerator");
    if (accel && s->centers.len) { /* no centers: reported apart */
        base->pool_type = cpn_ld_names_find(&s->pool_types, accel);
        if (base->pool_type == CPN_NONE) {
            char names[CPN_LD_MSG / 2];
            cpn_ld_error(L, elem,
                         "accelerator \"%s\": no pool has it (accelerators of the pools: %s)",
                         accel, ld_pool_types(s, names, sizeof names));
            ok = 0;
        }
    }
    /* <placement center/>: a fixed center; several, each with units: a split training job. */
    uint32_t n_place = 0, centers[CPN_JOBS_MAX_SPLIT], units[CPN_JOBS_MAX_SPLIT];
    int with_units = 0, undefined = 0;
    for (xmlNode *n = elem->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, (const xmlChar *)"placement"))
            continue;
        const char *center = cpn_ld_attr(n, "center");
        if (!center)
            continue; /* the schema reported it */
        if (n_place == CPN_JOBS_MAX_SPLIT) {
            cpn_ld_error(L, n, "more than %d placements (a job splits over at most %d centers)",
                         CPN_JOBS_MAX_SPLIT, CPN_JOBS_MAX_SPLIT);
            ok = 0;
            break;
        }
        uint32_t c = CPN_NONE;
        for (size_t i = 0; i < s->centers.len; i++)
            if (strcmp(s->centers.items[i].spec.id, center) == 0)
                c = (uint32_t)i;
        if (c == CPN_NONE) {
            cpn_ld_error(L, n,
                         "center \"%s\" is not defined (define it in <centers> or check the "
                         "spelling)",
                         center);
            ok = 0;
            undefined++;
            continue;
        }
        for (uint32_t k = 0; k < n_place; k++)
            if (centers[k] == c) {
                cpn_ld_error(L, n, "center \"%s\" is placed twice (a split uses distinct centers)",
                             center);
                ok = 0;
            }
        uint32_t u = 0;
        int r = cpn_ld_count(L, n, "units", 1, UINT32_MAX, &u);
        if (r < 0)
            ok = 0;
        with_units += r == 1;
        centers[n_place] = c;
        units[n_place++] = u;
    }
    if (n_place == 1 && with_units && !undefined) { /* (not a split missing a center) */
        cpn_ld_error(L, elem,
                     "<placement units> is for a split over two or more centers (one center "
                     "takes the job's units)");
        ok = 0;
    }
    if (n_place == 1)
        base->center = centers[0];
    if (n_place == 1 && deploy_attr && base->kind == CPN_JOB_DEPLOY) {
        cpn_ld_error(L, elem,
                     "%s chooses a deploy's targets, but <placement> fixes its one target (leave "
                     "out one or the other)",
                     deploy_attr);
        ok = 0;
    }
    if (n_place > 1 && (uint32_t)with_units != n_place) {
        cpn_ld_error(L, elem,
                     "a split over %u centers needs units on every <placement> (e.g. <placement "
                     "center=\"a\" units=\"512\"/>)",
                     n_place);
        ok = 0;
    } else if (n_place > 1 && ok) {
        uint32_t *split = malloc(2 * n_place * sizeof *split);
        if (!split) {
            L->oom = 1;
            return 0;
        }
        uint64_t sum = 0;
        for (uint32_t k = 0; k < n_place; k++) {
            split[k] = centers[k];
            split[n_place + k] = units[k];
            sum += units[k];
        }
        base->n_split = n_place;
        base->split_centers = split;
        base->split_units = split + n_place;
        if (sum > UINT32_MAX) {
            cpn_ld_error(L, elem, "the split's units sum to %llu (at most 2^32 - 1)",
                         (unsigned long long)sum);
            ok = 0;
        } else if (cpn_ld_attr(elem, "units")) {
            cpn_ld_error(L, elem,
                         "units \"%s\" is given with a split (leave units out: the placements "
                         "give %llu)",
                         cpn_ld_attr(elem, "units"), (unsigned long long)sum);
            ok = 0;
        }
        base->units = (uint32_t)sum;
    }
    ok &= ld_compute_attrs(L, elem, base);
    return ok;
}

/* Check the units a source's jobs ask for against the pools (issue 5: located at load time).
 * @p d: the units distribution, or NULL for base->units.  Returns 0 when some job can never
 * fit (reported). */
static int ld_check_units(struct cpn_ld *L, xmlNode *elem, const struct cpn_job_spec *base,
                          const struct cpn_dist *d)
{
    const struct cpn_scenario *s = L->s;
    if (base->kind == CPN_JOB_INGEST || base->kind == CPN_JOB_DEPLOY || !s->centers.len)
        return 1; /* no unit is held; no center at all is reported once at the end */
    for (uint32_t k = 0; k < base->n_split; k++) { /* a split: each part at its center */
        struct cpn_job_spec part = *base;
        part.n_split = 0;
        part.center = base->split_centers[k];
        part.units = base->split_units[k];
        if (!ld_check_units(L, elem, &part, NULL))
            return 0;
    }
    if (base->n_split)
        return 1;
    uint32_t where, largest = ld_largest_pool(s, base->pool_type, base->center, &where);
    double lo = base->units, hi = base->units;
    if (d && !ld_dist_bounds(d, &lo, &hi))
        return 1; /* unbounded: jobs drawn above the largest pool are rejected at run time */
    /* Drawn values are rounded to the nearest whole number, at least 1 (models/jobs/jobs.h). */
    double most = fmax(1, floor(hi + 0.5));
    char scope[256];
    ld_pool_scope(s, base, scope, sizeof scope);
    if (largest == 0) {
        cpn_ld_error(L, elem, "no pool can run its jobs (%s: none exists)", scope);
        return 0;
    }
    if (most > largest) {
        char words[CPN_LD_MSG / 2];
        if (d)
            snprintf(words, sizeof words, "units \"%s\" can ask for %.0f units",
                     cpn_ld_attr(elem, "units"), most);
        else
            snprintf(words, sizeof words, "its jobs ask for %.0f units", most);
        cpn_ld_error(L, elem,
                     "%s, more than %s has (the largest has %u units, in center "
                     "\"%s\"); such a job could never start",
                     words, scope, (unsigned)largest, s->centers.items[where].spec.id);
        return 0;
    }
    (void)lo;
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* <generator>                                                                                 */

/* Read hourly="R0 R1 ... R23" (event rates) into @p rates; 0 when bad (reported). */
static int ld_hourly(struct cpn_ld *L, xmlNode *elem, double rates[CPN_HOURS_PER_DAY])
{
    const char *v = cpn_ld_attr(elem, "hourly");
    char buf[CPN_LD_MSG], why[256], *save = NULL;
    int n = 0;
    snprintf(buf, sizeof buf, "%s", v);
    for (char *tok = strtok_r(buf, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
        double r;
        if (cpn_units_parse(tok, CPN_Q_EVENT_RATE, &r, why, sizeof why) != CPN_OK) {
            cpn_ld_error(L, elem, "hourly: rate %d %s (use %s)", n + 1, why,
                         cpn_units_list(CPN_Q_EVENT_RATE));
            return 0;
        }
        if (n < CPN_HOURS_PER_DAY)
            rates[n] = r;
        n++;
    }
    if (n != CPN_HOURS_PER_DAY) {
        cpn_ld_error(L, elem,
                     "hourly has %d rates (give %d, one per hour of the day, e.g. "
                     "\"2/h 1/h ... 5/h\")",
                     n, CPN_HOURS_PER_DAY);
        return 0;
    }
    double sum = 0;
    for (int h = 0; h < CPN_HOURS_PER_DAY; h++)
        sum += rates[h];
    if (!(sum > 0)) { /* (as rate="0/h") */
        cpn_ld_error(L, elem,
                     "hourly: every rate is 0 (a source that makes no job: remove it, or give "
                     "some hour a rate, e.g. \"10/h\")");
        return 0;
    }
    return 1;
}

/* Read the arrival process; 0 when bad (reported). */
static int ld_arrivals(struct cpn_ld *L, xmlNode *elem, struct cpn_arrivals *a)
{
    double rate = 0, amplitude = 0, phase = 0;
    int has_rate = cpn_ld_quantity(L, elem, "rate", CPN_Q_EVENT_RATE, &rate);
    int has_hourly = cpn_ld_attr(elem, "hourly") != NULL;
    const char *d = cpn_ld_attr(elem, "diurnal");
    char why[256];
    int ok = has_rate >= 0;
    if (has_rate == 1 && !(rate > 0)) {
        cpn_ld_error(L, elem,
                     "rate \"%s\" is not positive (a source of rate 0 makes no job: remove it, "
                     "or give e.g. \"10/h\")",
                     cpn_ld_attr(elem, "rate"));
        ok = 0;
    }
    if (d && cpn_units_parse_ratio(d, &amplitude, why, sizeof why) != CPN_OK) {
        cpn_ld_error(L, elem, "diurnal %s", why);
        ok = 0;
    }
    const char *p = cpn_ld_attr(elem, "phase");
    if (p && cpn_units_parse_ex(p, CPN_Q_TIME, CPN_UNITS_ALLOW_NEGATIVE, &phase, NULL, why,
                                sizeof why) != CPN_OK) {
        cpn_ld_error(L, elem, "phase %s", why);
        ok = 0;
    }
    if (has_rate && has_hourly) {
        cpn_ld_error(L, elem, "rate and hourly are both given (give one)");
        return 0;
    }
    if (!has_rate && !has_hourly) {
        cpn_ld_error(L, elem,
                     "no arrival rate (give rate, e.g. rate=\"12/h\", or hourly with 24 "
                     "rates)");
        return 0;
    }
    if (has_hourly && amplitude > 0) { /* (it would be ignored) */
        cpn_ld_error(L, elem,
                     "diurnal is for rate: hourly gives the day's shape itself (give rate and "
                     "diurnal, or hourly)");
        return 0;
    }
    if (has_hourly) {
        double rates[CPN_HOURS_PER_DAY];
        if (!ld_hourly(L, elem, rates) || !ok)
            return 0;
        return cpn_arrivals_init_hourly(a, rates, phase) == CPN_OK;
    }
    if (!ok)
        return 0;
    if (amplitude > 0)
        return cpn_arrivals_init_sinusoid(a, rate, amplitude, phase) == CPN_OK;
    return cpn_arrivals_init_poisson(a, rate) == CPN_OK;
}

/* Check which of work / duration / bytes-in / request-rate the kind needs; 0 when bad. */
static int ld_kind_needs(struct cpn_ld *L, xmlNode *elem, const struct cpn_generator_spec *g)
{
    const char *kind = cpn_job_kind_name(g->base.kind);
    int work = g->work != NULL, duration = g->duration != NULL;
    switch (g->base.kind) {
    case CPN_JOB_BATCH:
    case CPN_JOB_TRAINING:
        if (g->base.training.iterations > 0) { /* its iterations give its work */
            if (work || duration) {
                cpn_ld_error(L, elem,
                             "work or duration is given with iterations (the iterations give "
                             "the work: iterations x iteration-flop / mfu at peak speed)");
                return 0;
            }
            return 1;
        }
        if (work == duration) {
            cpn_ld_error(L, elem,
                         "%s (%s jobs need exactly one: work in FLOP, or duration on "
                         "the reference hardware)",
                         work ? "work and duration are both given"
                              : "neither work nor duration "
                                "is given",
                         kind);
            return 0;
        }
        return 1;
    case CPN_JOB_VM:
    case CPN_JOB_INFERENCE:
        if (!duration || work) {
            cpn_ld_error(L, elem, "%s jobs need a duration (their lifetime) and no work", kind);
            return 0;
        }
        if (g->base.kind == CPN_JOB_INFERENCE && !g->request_rate) {
            cpn_ld_error(L, elem, "inference jobs need request-rate (e.g. request-rate=\"20/s\")");
            return 0;
        }
        return 1;
    default: /* ingest, deploy: transfers */
        if (work || duration || !g->bytes_in) {
            cpn_ld_error(L, elem,
                         "%s jobs need bytes-in (the bytes to move) and no work or "
                         "duration",
                         kind);
            return 0;
        }
        return 1;
    }
}

static void ld_generator_release(struct cpn_scen_generator *g)
{
    if (g->dists)
        for (struct cpn_dist *d = &g->dists->units; d <= &g->dists->request_flop; d++)
            cpn_dist_release(d);
    free(g->dists);
    free(g->origins);
    free(g->origin_weights);
    free((void *)g->spec.base.split_centers); /* centers and units: one allocation */
}

/* A job that runs on units names their type: every kind but ingest and deploy (which only
 * move data).  Without one, a CPU job could land on a GPU pool and run FLOP-scaled (issue 14,
 * "resource types").  Returns 0 when missing (reported with the pools' types). */
static int ld_require_type(struct cpn_ld *L, xmlNode *elem, const struct cpn_job_spec *base)
{
    if (base->kind == CPN_JOB_INGEST || base->kind == CPN_JOB_DEPLOY ||
        cpn_ld_attr(elem, "accelerator") || !L->s->centers.len) /* no centers: reported apart */
        return 1;
    char names[CPN_LD_MSG / 2];
    cpn_ld_error(L, elem,
                 "accelerator is required for %s jobs: the unit type they run on (the pools' "
                 "types: %s)",
                 cpn_job_kind_name(base->kind), ld_pool_types(L->s, names, sizeof names));
    return 0;
}

/* A rate a unit slip away ("1e3/s" for "1e3/h", "10/min" for "10/d") makes a source that
 * submits billions of jobs before until, which runs for hours and fills the memory with the
 * jobs waiting: warned at its line when its expected arrivals (mean rate x the time it is
 * active before until, at most max-jobs) exceed CPN_LD_MANY_JOBS; the scenario stays valid. */
static void ld_many_jobs(struct cpn_ld *L, xmlNode *elem, const struct cpn_generator_spec *spec)
{
    const struct cpn_arrivals *a = &spec->arrivals;
    double rate = a->rate;
    if (a->kind == CPN_ARRIVAL_HOURLY) {
        rate = 0;
        for (int h = 0; h < CPN_HOURS_PER_DAY; h++)
            rate += a->hourly[h] / CPN_HOURS_PER_DAY;
    }
    double end = L->s->until > 0 ? fmin(spec->stop, L->s->until) : spec->stop;
    double jobs = rate * (end - spec->start);
    if (spec->max_jobs)
        jobs = fmin(jobs, (double)spec->max_jobs);
    char length[32];
    if (isfinite(end) && jobs > CPN_LD_MANY_JOBS)
        cpn_ld_warning(
            L, elem,
            "its arrivals at a mean rate of %.3g/h make about %.3g jobs before until (%s): "
            "a slip of the unit of its rate (\"/s\" for \"/h\"?) or of until? (or "
            "bound the source with max-jobs)",
            rate * 3600, jobs, cpn_ld_duration_text(end, length, sizeof length));
}

int cpn_ld_generator(struct cpn_ld *L, xmlNode *elem)
{
    const char *id = cpn_ld_attr(elem, "id");
    if (!cpn_ld_check_id(L, elem, id) || !ld_source_id_new(L, elem, id))
        return CPN_OK;
    struct cpn_scen_generator g = {.file = cpn_ld_file_name(elem), .line = xmlGetLineNo(elem)};
    struct cpn_generator_spec *spec = &g.spec;
    cpn_generator_spec_init(spec);
    spec->id = cpn_ld_strdup(L, id, strlen(id));
    g.dists = calloc(1, sizeof *g.dists);
    if (!spec->id || !g.dists) {
        free(g.dists);
        return CPN_ENOMEM;
    }
    struct cpn_scen_dists *D = g.dists;
    int ok = ld_job_base(L, elem, &spec->base);
    ok &= ld_require_type(L, elem, &spec->base);
    ok &= ld_arrivals(L, elem, &spec->arrivals);
    ok &= cpn_ld_quantity(L, elem, "start", CPN_Q_TIME, &spec->start) >= 0;
    double stop = INFINITY, max_jobs = 0;
    int r = cpn_ld_quantity(L, elem, "stop", CPN_Q_TIME, &stop);
    if (r == 1 && !(stop > spec->start)) {
        cpn_ld_error(L, elem, "stop \"%s\" is not after start (give stop > start)",
                     cpn_ld_attr(elem, "stop"));
        ok = 0;
    } else if (r < 0)
        ok = 0;
    spec->stop = stop;
    if ((r = cpn_ld_whole(L, elem, "max-jobs", 1, 1e15, &max_jobs)) < 0)
        ok = 0;
    spec->max_jobs = (uint64_t)max_jobs;
    if (ok)
        ld_many_jobs(L, elem, spec);
    char length[32];
    if (ok && spec->start >= cpn_ld_until(L))
        cpn_ld_warning(L, elem, "start %g s is not before until (%s): this source makes no job",
                       spec->start, cpn_ld_duration_text(L->s->until, length, sizeof length));
    if (cpn_ld_attr(elem, "origin")) {
        uint32_t n = ld_origin_list(L, elem, "origin", &g.origins, &g.origin_weights);
        if (L->oom) {
            ld_generator_release(&g);
            return CPN_ENOMEM;
        }
        if (n == 1 && !g.origin_weights) {
            spec->base.origin = g.origins[0];
            free(g.origins);
            g.origins = NULL;
        } else if (n) {
            spec->n_origins = n;
            spec->origins = g.origins;
            spec->origin_weights = g.origin_weights;
            spec->base.origin = g.origins[0];
        } else
            ok = 0;
    }
    static const struct {
        const char *name;
        enum cpn_quantity q;
        size_t dist;  /* offset in struct cpn_scen_dists */
        size_t field; /* offset of the pointer in struct cpn_generator_spec */
    } attrs[] = {
#define LD_D(name, q, member)                                                                      \
    {name, q, offsetof(struct cpn_scen_dists, member), offsetof(struct cpn_generator_spec, member)}
        LD_D("units", CPN_Q_NQUANTITY, units),
        LD_D("work", CPN_Q_FLOP, work),
        LD_D("duration", CPN_Q_TIME, duration),
        LD_D("walltime", CPN_Q_TIME, walltime),
        LD_D("walltime-factor", CPN_Q_NQUANTITY, walltime_factor),
        LD_D("bytes-in", CPN_Q_SIZE, bytes_in),
        LD_D("bytes-out", CPN_Q_SIZE, bytes_out),
        LD_D("deadline", CPN_Q_TIME, deadline),
        LD_D("request-rate", CPN_Q_EVENT_RATE, request_rate),
#undef LD_D
    };
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        if (cpn_ld_dist(L, elem, attrs[i].name, attrs[i].q,
                        (struct cpn_dist *)((char *)D + attrs[i].dist),
                        (const struct cpn_dist **)((char *)spec + attrs[i].field)) < 0)
            ok = 0;
    if (cpn_ld_dist(L, elem, "request-flop", CPN_Q_FLOP, &D->request_flop,
                    &spec->base.request_flop_dist) < 0)
        ok = 0;
    if (L->oom) {
        ld_generator_release(&g);
        return CPN_ENOMEM;
    }
    if (ok && spec->walltime && spec->walltime_factor) {
        cpn_ld_error(L, elem, "walltime and walltime-factor are both given (give one)");
        ok = 0;
    }
    double wlo, whi;
    if (ok && spec->walltime && ld_dist_bounds(spec->walltime, &wlo, &whi) && !(whi > 0)) {
        cpn_ld_error(L, elem,
                     "walltime \"%s\" is never positive (a walltime of 0 would kill every job "
                     "at once; leave walltime out for the exact run time)",
                     cpn_ld_attr(elem, "walltime"));
        ok = 0;
    }
    if (ok)
        ok = ld_kind_needs(L, elem, spec);
    double blo, bhi;
    if (ok && spec->base.access == CPN_ACCESS_STREAM && cpn_ld_attr(elem, "prefetch") &&
        spec->bytes_in && ld_dist_bounds(spec->bytes_in, &blo, &bhi) && spec->base.prefetch >= bhi)
        cpn_ld_warning(L, elem,
                       "prefetch \"%s\" holds %s input whole (bytes-in \"%s\"%s%.6g B), so "
                       "each is staged before its job starts and nothing streams (give a "
                       "prefetch below the input, or access=\"stage\")",
                       cpn_ld_attr(elem, "prefetch"), blo < bhi ? "the largest" : "the",
                       cpn_ld_attr(elem, "bytes-in"), blo < bhi ? ", at most " : ": ", bhi);
    if (ok)
        ld_check_units(L, elem, &spec->base, spec->units);
    if (cpn_array_push(&L->s->generators, g) != CPN_OK) {
        ld_generator_release(&g);
        return CPN_ENOMEM;
    }
    return CPN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* <trace>                                                                                     */

/* An epoch time as "YYYY-MM-DDThh:mm:ssZ" (a static buffer: one call per message). */
static const char *ld_utc(double t)
{
    static char buf[32];
    time_t s = (time_t)floor(t);
    struct tm tm;
    if (!gmtime_r(&s, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, sizeof buf, "%.0f s after 1970", t);
    return buf;
}

/* A window bound given as a UTC date, "YYYY-MM-DD", "YYYY-MM-DDThh:mm:ss" or "YYYY-MM-DD
 * hh:mm:ss" (strptime, timegm): 1 with the epoch time in *out, 0 when the attribute is absent or
 * not a date (then it is a time), -1 for a date that does not exist (reported). */
static int ld_date(struct cpn_ld *L, xmlNode *elem, const char *name, double *out)
{
    const char *v = cpn_ld_attr(elem, name);
    if (!v || strlen(v) < 10 || v[4] != '-' || v[7] != '-')
        return 0;
    static const char *const formats[] = {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        struct tm tm = {0};
        const char *end = strptime(v, formats[i], &tm);
        if (end && !*end) {
            struct tm check = tm;
            time_t t = timegm(&tm);
            struct tm back;
            if (t != (time_t)-1 && gmtime_r(&t, &back) && back.tm_mday == check.tm_mday &&
                back.tm_mon == check.tm_mon) {
                *out = (double)t;
                return 1;
            }
            break;
        }
    }
    cpn_ld_error(L, elem,
                 "%s \"%s\" is not a date (use YYYY-MM-DD or YYYY-MM-DDThh:mm:ss, UTC) nor a "
                 "time (e.g. \"7d\")",
                 name, v);
    return -1;
}

/* Records that ask no unit but CPU cores (Alibaba CPU-only pods) run as CPU jobs: on the pool
 * type of cpu-accelerator, else of a pool type named "cpu"; without either they would hold a
 * whole unit of the trace's accelerator, which is an error here, never silent. */
static void ld_cpu_pods(struct cpn_ld *L, xmlNode *elem, const struct cpn_wlog *tr,
                        struct cpn_wlog_source_spec *spec)
{
    size_t n = tr->cpu_only;
    const char *cpu = cpn_ld_attr(elem, "cpu-accelerator");
    if (cpu && L->s->centers.len) {
        spec->cpu_pool_type = cpn_ld_names_find(&L->s->pool_types, cpu);
        if (spec->cpu_pool_type == CPN_NONE) {
            char names[CPN_LD_MSG / 2];
            cpn_ld_error(L, elem,
                         "cpu-accelerator \"%s\": no pool has it (accelerators of the pools: %s)",
                         cpu, ld_pool_types(L->s, names, sizeof names));
        }
        return;
    }
    if (!n || !L->s->centers.len)
        return;
    spec->cpu_pool_type = cpn_ld_names_find(&L->s->pool_types, "cpu");
    if (spec->cpu_pool_type == CPN_NONE)
        cpn_ld_error(L, elem,
                     "%zu of its %zu jobs ask no %s but only CPU cores (CPU-only pods): give "
                     "cpu-accelerator=\"TYPE\", a pool type for them, or min-units=\"1\" to "
                     "leave them out",
                     n, tr->njobs,
                     cpn_ld_attr(elem, "accelerator") ? cpn_ld_attr(elem, "accelerator") : "unit");
}

/* The <columns> child of a column-mapped CSV log (format="csv"), which needs exactly one; any
 * other format has none.  0 when wrong (reported). */
static int ld_wlog_columns(struct cpn_ld *L, xmlNode *elem, enum cpn_wlog_format format,
                           struct cpn_wlog_columns *c)
{
    memset(c, 0, sizeof *c);
    xmlNode *col = NULL;
    int n = 0;
    for (xmlNode *k = elem->children; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE && xmlStrEqual(k->name, (const xmlChar *)"columns")) {
            col = col ? col : k;
            n++;
        }
    if (format != CPN_WLOG_CSV) {
        if (n)
            cpn_ld_error(L, col,
                         "<columns> maps the columns of format=\"csv\" (the %s reader knows "
                         "its own)",
                         cpn_ld_attr(elem, "format"));
        return n == 0;
    }
    if (n != 1) {
        cpn_ld_error(L, n ? col : elem,
                     "format=\"csv\" needs one <columns submit=\"...\" duration=\"...\"/> "
                     "naming the header's columns (%d given)",
                     n);
        return 0;
    }
    c->submit = cpn_ld_attr(col, "submit");
    c->start = cpn_ld_attr(col, "start");
    c->end = cpn_ld_attr(col, "end");
    c->duration = cpn_ld_attr(col, "duration");
    c->units = cpn_ld_attr(col, "units");
    c->group = cpn_ld_attr(col, "group");
    c->status = cpn_ld_attr(col, "status");
    c->completed = cpn_ld_attr(col, "completed");
    c->failed = cpn_ld_attr(col, "failed");
    c->cancelled = cpn_ld_attr(col, "cancelled");
    int ok = 1;
    if (!c->duration && (!c->start || !c->end)) {
        cpn_ld_error(L, col, "the run time needs duration, or both start and end");
        ok = 0;
    }
    if (!c->status && (c->completed || c->failed || c->cancelled)) {
        cpn_ld_error(L, col,
                     "completed, failed and cancelled list values of the status column: "
                     "give status too");
        ok = 0;
    }
    const char *tf = cpn_ld_attr(col, "time");
    if (!tf || strcmp(tf, "datetime") == 0)
        c->time_format = CPN_WLOG_TIME_DATETIME;
    else if (strcmp(tf, "epoch") == 0)
        c->time_format = CPN_WLOG_TIME_EPOCH;
    else if (strcmp(tf, "seconds") == 0)
        c->time_format = CPN_WLOG_TIME_SECONDS;
    else {
        cpn_ld_error(L, col, "time \"%s\" is not a time format (use datetime, epoch or seconds)",
                     tf);
        ok = 0;
    }
    return ok;
}

/* The mapping options of a workload log; 0 when one is bad (reported). */
static int ld_wlog_options(struct cpn_ld *L, xmlNode *elem, struct cpn_wlog_options *o)
{
    int ok = 1;
    double v;
    cpn_wlog_options_default(o);
    int d0 = ld_date(L, elem, "window-start", &o->t0_date);
    int d1 = ld_date(L, elem, "window-end", &o->t1_date);
    ok &= d0 >= 0 && d1 >= 0;
    if (d0 == 0)
        ok &= cpn_ld_quantity(L, elem, "window-start", CPN_Q_TIME, &o->t0) >= 0;
    int r = d1 == 0 ? cpn_ld_quantity(L, elem, "window-end", CPN_Q_TIME, &o->t1) : 0;
    if (d0 == 1 && d1 == 1 && !(o->t1_date > o->t0_date)) {
        cpn_ld_error(L, elem, "window-end \"%s\" is not after window-start (give an end > start)",
                     cpn_ld_attr(elem, "window-end"));
        ok = 0;
    } else if (d0 >= 0 && d1 >= 0 && d0 != d1 && cpn_ld_attr(elem, "window-start") &&
               cpn_ld_attr(elem, "window-end")) {
        cpn_ld_error(L, elem,
                     "window-start \"%s\" and window-end \"%s\": give both as dates or both as "
                     "times from the log's first job",
                     cpn_ld_attr(elem, "window-start"), cpn_ld_attr(elem, "window-end"));
        ok = 0;
    } else if (r == 1 && !(o->t1 > o->t0)) {
        cpn_ld_error(L, elem, "window-end \"%s\" is not after window-start (give an end > start)",
                     cpn_ld_attr(elem, "window-end"));
        ok = 0;
    } else if (r < 0)
        ok = 0;
    ok &= cpn_ld_quantity(L, elem, "offset", CPN_Q_TIME, &o->offset) >= 0;
    r = cpn_ld_number(L, elem, "time-scale", 0, &o->time_scale);
    if (r == 1 && !(o->time_scale > 0)) {
        cpn_ld_error(L, elem,
                     "time-scale \"%s\" is not positive (use a factor > 0, e.g. 0.5 to "
                     "double the arrival rate)",
                     cpn_ld_attr(elem, "time-scale"));
        ok = 0;
    } else if (r < 0)
        ok = 0;
    if ((r = cpn_ld_whole(L, elem, "max-jobs", 1, 1e15, &v)) < 0)
        ok = 0;
    else if (r)
        o->max_records = (size_t)v;
    if (cpn_ld_count(L, elem, "min-units", 0, UINT32_MAX, &o->min_units) < 0 ||
        cpn_ld_count(L, elem, "max-units", 0, UINT32_MAX, &o->max_units) < 0)
        ok = 0;
    if (ok && o->min_units > o->max_units) {
        cpn_ld_error(L, elem, "min-units %u is above max-units %u", (unsigned)o->min_units,
                     (unsigned)o->max_units);
        ok = 0;
    }
    const char *completed = cpn_ld_attr(elem, "completed-only");
    o->completed_only = completed && strcmp(completed, "true") == 0;
    const char *on_error = cpn_ld_attr(elem, "on-error");
    o->on_error = on_error && strcmp(on_error, "skip") == 0 ? CPN_WLOG_SKIP : CPN_WLOG_FAIL;
    if ((r = cpn_ld_number(L, elem, "parameters", 0, &v)) < 0)
        ok = 0;
    else if (r)
        o->parameters = v;
    return ok;
}

/* Map the workload log's job records to origin nodes (origins="by-group|round-robin|weighted" and
 * <map> children, or one origin).  Fills t->spec.origins or base.origin; 0 when bad. */
static int ld_wlog_origins(struct cpn_ld *L, xmlNode *elem, struct cpn_scen_wlog *t)
{
    struct cpn_scenario *s = L->s;
    const struct cpn_wlog *tr = t->spec.log;
    const char *rule = cpn_ld_attr(elem, "origins");
    const char *origin = cpn_ld_attr(elem, "origin");
    uint32_t dflt = CPN_NONE;
    if (origin && (dflt = cpn_ld_node_ref(L, elem, "origin", origin)) == CPN_NONE)
        return 0;
    if (!rule) {
        if (dflt == CPN_NONE) {
            cpn_ld_error(L, elem,
                         "no origin (give origin=\"NODE\", or origins=\"by-group\", "
                         "\"round-robin\" or \"weighted\" with <map> children)");
            return 0;
        }
        for (xmlNode *n = elem->children; n; n = n->next)
            if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, (const xmlChar *)"map")) {
                /* (without a rule the maps would be ignored: every job from origin) */
                cpn_ld_error(L, n,
                             "<map> needs origins=\"by-group\", \"round-robin\" or "
                             "\"weighted\" on its <trace> (the rule that maps jobs to the "
                             "maps' nodes; without one every job comes from origin)");
                return 0;
            }
        t->spec.base.origin = dflt;
        return 1;
    }
    struct cpn_wlog_origin_map map = {.default_origin = CPN_NONE};
    map.rule = strcmp(rule, "by-group") == 0      ? CPN_WLOG_BY_GROUP
               : strcmp(rule, "round-robin") == 0 ? CPN_WLOG_ROUND_ROBIN
                                                  : CPN_WLOG_WEIGHTED;
    CPN_ARRAY(uint32_t) nodes = {0};
    CPN_ARRAY(double) weights = {0};
    uint32_t *group_origin = NULL, *origins = NULL;
    struct cpn_rng *rng = NULL;
    int ok = 1;
    if (map.rule == CPN_WLOG_BY_GROUP && tr->ngroups &&
        !(group_origin = malloc(tr->ngroups * sizeof *group_origin)))
        goto oom;
    for (size_t g = 0; group_origin && g < tr->ngroups; g++)
        group_origin[g] = CPN_NONE;
    for (xmlNode *n = elem->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, (const xmlChar *)"map"))
            continue;
        const char *group = cpn_ld_attr(n, "group"), *node = cpn_ld_attr(n, "node");
        double w = 1;
        int r = cpn_ld_number(L, n, "weight", 0, &w);
        uint32_t idx = node ? cpn_ld_node_ref(L, n, "node", node) : CPN_NONE;
        if (idx == CPN_NONE || r < 0) {
            ok = 0;
            continue;
        }
        if ((map.rule == CPN_WLOG_BY_GROUP) != (group != NULL)) {
            cpn_ld_error(L, n,
                         map.rule == CPN_WLOG_BY_GROUP
                             ? "group is missing (origins=\"by-group\" maps a group to a node)"
                             : "group is given, but origins=\"%s\" does not map groups (use "
                               "origins=\"by-group\")",
                         rule);
            ok = 0;
            continue;
        }
        if (r == 1 && map.rule != CPN_WLOG_WEIGHTED) {
            cpn_ld_error(L, n,
                         "weight is given, but origins=\"%s\" does not use weights (use "
                         "origins=\"weighted\")",
                         rule);
            ok = 0;
            continue;
        }
        if (map.rule == CPN_WLOG_BY_GROUP) {
            size_t g = 0;
            while (g < tr->ngroups && strcmp(tr->groups[g], group) != 0)
                g++;
            if (g == tr->ngroups) {
                cpn_ld_warning(L, n, "group \"%s\" does not occur in \"%s\" (it maps no job)",
                               group, t->path);
                continue;
            }
            group_origin[g] = (uint32_t)nodes.len;
        }
        if (cpn_array_push(&nodes, idx) != CPN_OK || cpn_array_push(&weights, w) != CPN_OK)
            goto oom;
    }
    if (dflt != CPN_NONE) {
        if (map.rule != CPN_WLOG_BY_GROUP) {
            cpn_ld_error(L, elem,
                         "origin is given with origins=\"%s\" (a default origin is used "
                         "only by origins=\"by-group\")",
                         rule);
            ok = 0;
        }
        map.default_origin = (uint32_t)nodes.len;
        if (cpn_array_push(&nodes, dflt) != CPN_OK || cpn_array_push(&weights, 0.0) != CPN_OK)
            goto oom;
    }
    if (ok && nodes.len == 0) {
        cpn_ld_error(L, elem, "origins=\"%s\" has no <map> (add e.g. <map %snode=\"NODE\"/>)", rule,
                     map.rule == CPN_WLOG_BY_GROUP ? "group=\"NAME\" " : "");
        ok = 0;
    }
    if (!ok)
        goto done;
    t->spec.base.origin = nodes.items[0];
    if (tr->njobs) {
        map.norigins = (uint32_t)nodes.len;
        map.group_origin = group_origin;
        map.ngroups = group_origin ? tr->ngroups : 0;
        map.weights = weights.items;
        gsl_rng *stream = NULL;
        char name[CPN_LD_MSG];
        snprintf(name, sizeof name, "traces/%s/origins", t->spec.id);
        size_t n = tr->jobs ? tr->njobs : 0; /* a streamed log: its map is checked, kept */
        if (!(origins = malloc((n ? n : 1) * sizeof *origins)))
            goto oom;
        if (map.rule == CPN_WLOG_WEIGHTED) {
            int rc =
                (rng = cpn_rng_new(L->s->seed)) ? cpn_rng_stream(rng, name, &stream) : CPN_ENOMEM;
            if (rc != CPN_OK)
                goto oom;
        }
        int rc = cpn_wlog_assign_origins(tr->jobs, n, &map, stream, origins);
        uint32_t g = CPN_NONE, line = 0;
        if (rc == CPN_ENOENT) { /* name the first record's group as the log names it */
            size_t i = 0;
            while (i + 1 < tr->njobs && tr->jobs[i].group != CPN_NONE &&
                   tr->jobs[i].group < map.ngroups && group_origin[tr->jobs[i].group] != CPN_NONE)
                i++;
            g = tr->jobs[i].group;
            line = tr->jobs[i].line;
        } else if (rc == CPN_OK && !tr->jobs && map.rule == CPN_WLOG_BY_GROUP &&
                   map.default_origin == CPN_NONE) {
            /* A streamed log: the first kept job whose group maps to no node, by its summary
             * (the first job of each group; records are in file order). */
            line = tr->nogroup_first;
            for (size_t k = 0; k < tr->ngroups; k++)
                if (tr->group_first[k] && group_origin[k] == CPN_NONE &&
                    (!line || tr->group_first[k] < line)) {
                    line = tr->group_first[k];
                    g = (uint32_t)k;
                }
            if (line && line == tr->nogroup_first)
                g = CPN_NONE;
            rc = line ? CPN_ENOENT : CPN_OK;
        }
        if (rc == CPN_ENOMEM)
            goto oom;
        if (rc == CPN_ENOENT) {
            cpn_ld_error(L, elem,
                         "line %u of \"%s\": its %s \"%s\" is mapped to no node (map it with "
                         "<map group=\"%s\" node=\"...\"/> or give a default origin=\"NODE\")",
                         (unsigned)line, cpn_ld_attr(elem, "file"),
                         tr->format == CPN_WLOG_SWF ? "partition" : "group",
                         g != CPN_NONE && g < tr->ngroups ? tr->groups[g] : "(unknown)",
                         g != CPN_NONE && g < tr->ngroups ? tr->groups[g] : "NAME");
            ok = 0;
            goto done;
        }
        if (rc != CPN_OK) {
            cpn_ld_error(L, elem,
                         "%s (map the group with <map group=\"...\" node=\"...\"/> or "
                         "give a default origin=\"NODE\")",
                         cpn_error_message());
            ok = 0;
            goto done;
        }
        if (!tr->jobs) { /* streamed: each record's origin is drawn in the run by this map */
            t->map = map;
            t->map.group_origin = group_origin;
            t->map.weights = weights.items;
            t->origin_nodes = nodes.items;
            group_origin = NULL;
            weights.items = NULL;
            nodes.items = NULL;
            nodes.len = weights.len = 0;
            goto done;
        }
        for (size_t i = 0; i < tr->njobs; i++)
            origins[i] = nodes.items[origins[i]];
        t->spec.origins = origins;
        origins = NULL;
    }
    goto done;
oom:
    L->oom = 1;
    ok = 0;
done:
    (void)s;
    cpn_rng_free(rng);
    free(origins);
    free(group_origin);
    cpn_array_release(&nodes);
    cpn_array_release(&weights);
    return ok;
}

/* Count the jobs of a workload log that can never fit; one warning (they are rejected at run time).
 */
static void ld_wlog_units(struct cpn_ld *L, xmlNode *elem, const struct cpn_scen_wlog *t)
{
    const struct cpn_job_spec *base = &t->spec.base;
    const struct cpn_wlog *tr = t->spec.log;
    uint32_t where, largest = ld_largest_pool(L->s, base->pool_type, base->center, &where);
    size_t over = 0, first = 0;
    uint32_t most = 0;
    if (base->kind == CPN_JOB_INGEST || base->kind == CPN_JOB_DEPLOY || !L->s->centers.len)
        return;
    if (!tr->njobs) { /* a request workload log: one service of base.units servers */
        ld_check_units(L, elem, base, NULL);
        return;
    }
    uint32_t first_line = 0;
    for (size_t i = 0; tr->jobs && i < tr->njobs; i++) {
        uint32_t u = tr->jobs[i].units ? tr->jobs[i].units : 1;
        if (u > largest) {
            if (!over++)
                first = i;
            most = u > most ? u : most;
        }
    }
    if (tr->jobs && over)
        first_line = tr->jobs[first].line;
    for (size_t i = 0; !tr->jobs && i < tr->nunits; i++) /* a streamed log: its summary */
        if (tr->units[i].units > largest) {
            over += tr->units[i].count;
            most = tr->units[i].units;
            if (!first_line || tr->units[i].first_line < first_line)
                first_line = tr->units[i].first_line;
        }
    if (over) {
        char scope[256];
        ld_pool_scope(L->s, base, scope, sizeof scope);
        cpn_ld_warning(L, elem,
                       "%zu of %zu jobs ask for more units than %s has (%u; up to %u "
                       "asked, first at %s:%u); they will be rejected (use "
                       "max-units=\"%u\" to leave them out)",
                       over, tr->njobs, scope, (unsigned)largest, (unsigned)most, t->path,
                       (unsigned)first_line, (unsigned)largest);
    }
}

static void ld_wlog_release(struct cpn_scen_wlog *t)
{
    cpn_wlog_free((struct cpn_wlog *)t->spec.log);
    free((void *)t->spec.origins);
    free((void *)t->map.group_origin);
    free((void *)t->map.weights);
    free(t->origin_nodes);
    free((void *)t->spec.base.split_centers);
    if (t->dists) {
        cpn_dist_release(&t->dists->bytes_in);
        cpn_dist_release(&t->dists->bytes_out);
    }
    free(t->dists);
}

/* Keep the options of a streamed log's read, for its replay: the column names are copied
 * (they point into the scenario's document). */
static int ld_wlog_keep_options(struct cpn_ld *L, struct cpn_scen_wlog *t,
                                const struct cpn_wlog_options *opt,
                                const struct cpn_wlog_columns *columns)
{
    t->opt = *opt;
    t->opt.columns = NULL; /* cpn_scen_wlog_stream_open() points it at t->columns */
    t->columns = *columns;
    const char **names[] = {&t->columns.submit,   &t->columns.start,     &t->columns.end,
                            &t->columns.duration, &t->columns.units,     &t->columns.group,
                            &t->columns.status,   &t->columns.completed, &t->columns.failed,
                            &t->columns.cancelled};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (*names[i] && !(*names[i] = cpn_ld_strdup(L, *names[i], strlen(*names[i]))))
            return CPN_ENOMEM;
    return CPN_OK;
}

int cpn_ld_wlog(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_scenario *s = L->s;
    const char *id = cpn_ld_attr(elem, "id");
    const char *name = cpn_ld_attr(elem, "file");
    if (!cpn_ld_check_id(L, elem, id) || !ld_source_id_new(L, elem, id) || !name)
        return CPN_OK;
    unsigned errors = L->diag->errors;
    struct cpn_scen_wlog t = {.file = cpn_ld_file_name(elem), .line = xmlGetLineNo(elem)};
    cpn_wlog_source_spec_init(&t.spec);
    t.spec.id = cpn_ld_strdup(L, id, strlen(id));
    t.path = cpn_ld_resolve(L, elem, name);
    t.dists = calloc(1, sizeof *t.dists);
    if (!t.spec.id || !t.path || !t.dists) {
        free(t.dists);
        return CPN_ENOMEM;
    }
    enum cpn_wlog_format format = CPN_WLOG_SWF;
    const char *fmt = cpn_ld_attr(elem, "format");
    if (fmt && cpn_wlog_format_parse(fmt, &format) != CPN_OK)
        cpn_ld_error_model(L, elem); /* the schema lists the formats: not reached */
    struct cpn_wlog_options opt;
    struct cpn_wlog_columns columns;
    int ok = ld_wlog_options(L, elem, &opt);
    ok &= ld_wlog_columns(L, elem, format, &columns);
    opt.columns = &columns;
    /* Without kind, the format's (a Philly log's jobs are training jobs), before the checks of
     * the attributes that depend on it (iterations are for training). */
    if (!cpn_ld_attr(elem, "kind"))
        cpn_job_kind_parse(cpn_wlog_format_kind(format), &t.spec.base.kind);
    ok &= ld_job_base(L, elem, &t.spec.base);
    if (cpn_ld_count(L, elem, "units", 1, UINT32_MAX, &t.spec.base.units) < 0)
        ok = 0;
    ok &= cpn_ld_quantity(L, elem, "duration", CPN_Q_TIME, &t.spec.base.duration) >= 0;
    ok &= cpn_ld_quantity(L, elem, "service-start", CPN_Q_TIME, &t.spec.service_submit) >= 0;
    ok &= cpn_ld_dist(L, elem, "bytes-in", CPN_Q_SIZE, &t.dists->bytes_in, &t.spec.bytes_in) >= 0;
    ok &=
        cpn_ld_dist(L, elem, "bytes-out", CPN_Q_SIZE, &t.dists->bytes_out, &t.spec.bytes_out) >= 0;
    struct stat st = {0};
    if (stat(t.path, &st) == 0 && !S_ISREG(st.st_mode)) {
        cpn_ld_error(L, elem, "file \"%s\": \"%s\" is not a regular file (give a trace file)", name,
                     t.path);
        ok = 0;
    } else if (access(t.path, R_OK) != 0) {
        int err = errno;
        cpn_ld_error(L, elem,
                     "file \"%s\": cannot read \"%s\" (relative paths are resolved "
                     "against the scenario's directory): %s; the shared traces live "
                     "in " LD_SHARED_DATA "traces/ of the project (see " LD_SHARED_DATA
                     "SOURCES.md): point file= there or use --set",
                     name, t.path, strerror(err));
        ok = 0;
    }
    const char *stream = cpn_ld_attr(elem, "stream"); /* the schema: auto, yes, no */
    int forced = stream && strcmp(stream, "yes") == 0;
    if (forced && format == CPN_WLOG_AZURE) {
        cpn_ld_error(L, elem,
                     "stream=\"yes\": a request log (format azure) is always loaded (leave "
                     "stream out)");
        ok = 0;
    }
    /* Read the file only when its settings are valid, so one mistake gives one message. */
    if (ok && !L->oom && L->diag->errors == errors) {
        struct cpn_wlog *tr = NULL;
        int rc;
        if (format != CPN_WLOG_AZURE && (forced || (!(stream && strcmp(stream, "no") == 0) &&
                                                    st.st_size >= CPN_LD_STREAM_AUTO))) {
            opt.no_copy = L->check_only;
            rc = cpn_wlog_scan(t.path, format, &opt, L->diag, &tr);
            if (rc == CPN_OK && !tr->file_order) {
                if (forced)
                    cpn_ld_error(L, elem,
                                 "stream=\"yes\", but the kept records of \"%s\" are not in "
                                 "time order in the file (sort it by submit time, or set "
                                 "stream=\"no\" to load and sort them)",
                                 name);
                else
                    cpn_diag_warning(L->diag, t.path, 0,
                                     "its records are not in time order, so the whole log is "
                                     "loaded (%lld bytes); sorted, it would be read during the "
                                     "run",
                                     (long long)st.st_size);
                cpn_wlog_free(tr);
                tr = NULL;
                rc = forced ? CPN_ESCENARIO : cpn_wlog_read(t.path, format, &opt, L->diag, &tr);
            } else if (rc == CPN_OK) {
                t.streamed = 1;
                if (tr->copy_err) {
                    char cost[64];
                    snprintf(cost, sizeof cost, "%zu bytes a job", sizeof(struct cpn_wlog_job));
                    cpn_ld_warn_no_copy(L, t.path, tr->copy_err, "jobs", cost, "log", "record");
                }
                rc = ld_wlog_keep_options(L, &t, &opt, &columns);
            }
        } else {
            rc = cpn_wlog_read(t.path, format, &opt, L->diag, &tr);
        }
        if (rc != CPN_OK && tr) { /* (out of memory keeping the options) */
            cpn_wlog_free(tr);
            tr = NULL;
        }
        if (rc == CPN_ENOMEM)
            L->oom = 1;
        else if (rc == CPN_OK) {
            t.spec.log = tr;
            if (cpn_array_push(&s->files, t.path) != CPN_OK)
                L->oom = 1;
            ld_require_type(L, elem, &t.spec.base);
            ld_cpu_pods(L, elem, tr, &t.spec);
            if (tr->stats.dates_unplaced)
                cpn_ld_error(L, elem,
                             "file \"%s\": the window is given as dates, but the log does not "
                             "say when it starts (no UnixStartTime header, no date-times): give "
                             "window-start and window-end as times from its first job (e.g. "
                             "\"7d\")",
                             cpn_ld_attr(elem, "file"));
            else if (!tr->njobs && !tr->nrequests && tr->stats.records > tr->stats.cancelled)
                cpn_ld_error(L, elem,
                             "file \"%s\": none of its %zu records is replayed: the window, "
                             "the unit filters and completed-only leave none (its records span "
                             "%.17g s from its first job%s%s; window-start and window-end are "
                             "times from that job, or dates)",
                             cpn_ld_attr(elem, "file"), tr->stats.records - tr->stats.cancelled,
                             tr->stats.span, isnan(tr->unix_start) ? "" : ", at ",
                             isnan(tr->unix_start) ? "" : ld_utc(tr->unix_start));
            else if (!tr->njobs && !tr->nrequests)
                cpn_ld_error(L, elem,
                             "file \"%s\" holds no job and no request (an empty %s log, or one "
                             "whose every row was skipped or cancelled)",
                             cpn_ld_attr(elem, "file"), cpn_wlog_format_name(format));
            else if (L->s->until > 0 && !L->s->until_is_span &&
                     (tr->njobs ? tr->first_submit : tr->requests[0].time) >= L->s->until)
                cpn_ld_error(L, elem,
                             "file \"%s\": its first record arrives at %.17g s, not before "
                             "until (%.17g s): nothing of it would be replayed (give a later "
                             "until, leave until out to replay the log's span, or move it with "
                             "offset or window-start)",
                             cpn_ld_attr(elem, "file"),
                             tr->njobs ? tr->first_submit : tr->requests[0].time, L->s->until);
            else if (!tr->njobs && t.spec.base.kind != CPN_JOB_INFERENCE)
                cpn_ld_error(L, elem,
                             "a request log (format %s) replays one inference service "
                             "(use kind=\"inference\")",
                             cpn_wlog_format_name(format));
            else if (!tr->njobs && !(t.spec.base.duration > 0))
                cpn_ld_error(L, elem,
                             "a request trace needs duration (the lifetime of its "
                             "inference service, e.g. duration=\"1d\")");
            else if (ld_wlog_origins(L, elem, &t) && !L->oom)
                ld_wlog_units(L, elem, &t);
        }
    }
    if (L->oom || cpn_array_push(&s->wlogs, t) != CPN_OK) {
        ld_wlog_release(&t);
        return CPN_ENOMEM;
    }
    return CPN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Whole-workload checks                                                                       */

/* Report every center that origin @p o cannot reach (all centers, or the fixed one), and the
 * first route that a lossless transport of the source cannot use (*lossy set once reported). */
static int ld_reach(struct cpn_ld *L, struct cpn_router *r, const char *what, const char *id,
                    const char *file, long line, uint32_t o, uint32_t center, uint32_t transport,
                    int *lossy)
{
    const struct cpn_scenario *s = L->s;
    for (size_t c = 0; c < s->centers.len; c++) {
        const struct cpn_center_spec *cs = &s->centers.items[c].spec;
        if ((center != CPN_NONE && c != center) || cs->node == o || cs->node == CPN_NONE)
            continue;
        const struct cpn_path *route;
        int rc = cpn_route_shortest(r, o, cs->node, &route);
        if (rc == CPN_EUNREACH)
            cpn_diag_error(L->diag, file, line,
                           "%s \"%s\": center \"%s\" cannot be reached: %s "
                           "(add a link or check that the links on the way "
                           "are up)",
                           what, id, cs->id, cpn_error_message());
        else if (rc != CPN_OK)
            return rc;
        if (rc == CPN_OK && !*lossy) {
            unsigned e0 = L->diag->errors;
            if ((rc = cpn_ld_transport_check_route(L, file, line, what, id, transport, route)) !=
                CPN_OK)
                return rc;
            *lossy = L->diag->errors != e0;
        }
    }
    return CPN_OK;
}

/* Check the reachability of the centers from every origin and data node of every source. */
static int ld_reach_all(struct cpn_ld *L)
{
    struct cpn_scenario *s = L->s;
    struct cpn_router *r = cpn_ld_router(L);
    size_t nn = cpn_topo_node_count(s->topo);
    char *seen = calloc(nn ? nn : 1, 1);
    int rc = r && seen ? CPN_OK : CPN_ENOMEM;
    for (size_t i = 0; rc == CPN_OK && i < s->generators.len + s->wlogs.len; i++) {
        const struct cpn_scen_generator *g = i < s->generators.len ? &s->generators.items[i] : NULL;
        const struct cpn_scen_wlog *t = g ? NULL : &s->wlogs.items[i - s->generators.len];
        const struct cpn_job_spec *base = g ? &g->spec.base : &t->spec.base;
        const char *what = g ? "generator" : "trace", *id = g ? g->spec.id : t->spec.id;
        const char *file = g ? g->file : t->file;
        long line = g ? g->line : t->line;
        memset(seen, 0, nn);
        int lossy = 0;
        uint32_t transport = base->transport != CPN_NONE ? base->transport : s->transport;
        /* The origins (where results go) and the data node (where inputs come from). */
        /* (a streamed log: every origin its map can give) */
        size_t n = g                 ? (g->spec.n_origins ? g->spec.n_origins : 1)
                   : t->origin_nodes ? t->map.norigins
                                     : (t->spec.origins ? t->spec.log->njobs : 1);
        for (size_t k = 0; rc == CPN_OK && k <= n; k++) {
            uint32_t o = k == n            ? base->data_node
                         : g               ? (g->spec.n_origins ? g->spec.origins[k] : base->origin)
                         : t->origin_nodes ? t->origin_nodes[k]
                         : t->spec.origins ? t->spec.origins[k]
                                           : base->origin;
            if (o == CPN_NONE || o >= nn || seen[o])
                continue;
            seen[o] = 1;
            rc = ld_reach(L, r, what, id, file, line, o, base->center, transport, &lossy);
        }
    }
    free(seen);
    return rc;
}

/* `until` left out: a replay (every source a workload log, no <traffic>) runs over its logs'
 * span, the latest submit time, and drains (docs/metrics.md, "Window"); anything else must say
 * when it ends.  Then check the warmup against until. */
static void ld_default_until(struct cpn_ld *L)
{
    struct cpn_scenario *s = L->s;
    xmlNode *sim = L->simulation;
    if (!sim)
        return; /* reported by cpn_ld_finish() */
    if (!(s->until > 0) && !cpn_ld_attr(sim, "until")) {
        if (!s->wlogs.len || s->generators.len || s->flows.len || s->flowfiles.len) {
            cpn_ld_error(L, sim,
                         "until is missing: give the simulated end time (e.g. until=\"7d\"); "
                         "only a replay, whose every source is a workload log, may leave it out "
                         "(it then runs over the logs' span)");
            return;
        }
        double span = 0;
        const char *longest = NULL; /* the log that sets the span */
        for (size_t i = 0; i < s->wlogs.len; i++)
            if (!s->wlogs.items[i].spec.log)
                return; /* a log that could not be read: reported, no span to take */
        for (size_t i = 0; i < s->wlogs.len; i++) {
            const struct cpn_wlog *w = s->wlogs.items[i].spec.log;
            double last = fmax(w->njobs ? w->last_submit : 0,
                               w->nrequests ? w->requests[w->nrequests - 1].time : 0);
            if (last > span) {
                span = last;
                longest = s->wlogs.items[i].path;
            }
        }
        if (!(span > 0)) {
            cpn_ld_error(L, sim,
                         "until is missing and the workload logs hold no job after time 0 to "
                         "take the replay's span from: give until (e.g. until=\"7d\")");
            return;
        }
        s->until = span;
        s->until_is_span = 1;
        /* One row far in the future (a corrupt time) makes the span, and a run that samples
         * the time series over it, practically endless: said, with where the span comes from. */
        if (s->sample > 0 && span / s->sample > CPN_LD_MANY_PERIODS)
            cpn_ld_warning(L, sim,
                           "until is left out, so the run takes the logs' span, %g s (the last "
                           "arrival of %s), and samples the time series %.3g times over it; "
                           "check that log's last times, or give until",
                           span, longest ? longest : "a log", span / s->sample);
        if (!cpn_ld_attr(sim, "drain"))
            s->drain = CPN_SCEN_REPLAY_DRAIN;
    }
    if (s->until > 0 && s->warmup >= s->until)
        cpn_ld_error(L, sim,
                     "warmup \"%s\" is not before until (%g s): the statistics window would be "
                     "empty (give a warmup shorter than the run)",
                     cpn_ld_attr(sim, "warmup"), s->until);
}

int cpn_ld_finish_workload(struct cpn_ld *L)
{
    struct cpn_scenario *s = L->s;
    if (!L->scheduler) /* the documented default: earliest_finish, oracle awareness */
        s->scheduler.ops = cpn_policy_find(L->policies, s->scheduler.policy);
    if (!s->centers.len && (s->generators.len || s->wlogs.len)) {
        int g = s->generators.len > 0;
        const char *file = g ? s->generators.items[0].file : s->wlogs.items[0].file;
        long line = g ? s->generators.items[0].line : s->wlogs.items[0].line;
        cpn_diag_error(L->diag, file, line,
                       "%s \"%s\": the scenario has no center to run its "
                       "jobs (add <centers> with at least one <center>)",
                       g ? "generator" : "trace",
                       g ? s->generators.items[0].spec.id : s->wlogs.items[0].spec.id);
    }
    ld_default_until(L);
    if (L->diag->errors != L->errors0)
        return CPN_OK;
    return ld_reach_all(L);
}

void cpn_scen_workload_release(struct cpn_scenario *s)
{
    for (size_t i = 0; i < s->generators.len; i++)
        ld_generator_release(&s->generators.items[i]);
    for (size_t i = 0; i < s->wlogs.len; i++)
        ld_wlog_release(&s->wlogs.items[i]);
    cpn_array_release(&s->generators);
    cpn_array_release(&s->wlogs);
}

/* ------------------------------------------------------------------------------------------ */
/* Streamed workload logs, read during the run                                                 */

struct cpn_scen_wlog_stream {
    const struct cpn_scen_wlog *w;
    struct cpn_wlog_options opt; /* w->opt with its columns */
    struct cpn_wlog_stream *st;
    struct cpn_rng *rng;       /* weighted origins: the load's generator */
    gsl_rng *draws;            /* its stream "traces/ID/origins" */
    gsl_ran_discrete_t *table; /* weighted origins */
    size_t given;              /* records given (round robin) */
};

void cpn_scen_wlog_stream_free(struct cpn_scen_wlog_stream *st)
{
    if (!st)
        return;
    cpn_wlog_stream_free(st->st);
    if (st->table)
        gsl_ran_discrete_free(st->table);
    cpn_rng_free(st->rng);
    free(st);
}

int cpn_scen_wlog_stream_open(const struct cpn_scenario *s, size_t k, struct cpn_diag *diag,
                              struct cpn_scen_wlog_stream **out)
{
    if (out)
        *out = NULL;
    if (!s || !diag || !out || k >= s->wlogs.len || !s->wlogs.items[k].streamed)
        return CPN_ERROR(CPN_EINVAL, "cpn_scen_wlog_stream_open: bad argument");
    const struct cpn_scen_wlog *w = &s->wlogs.items[k];
    struct cpn_scen_wlog_stream *st = calloc(1, sizeof *st);
    if (!st)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    st->w = w;
    st->opt = w->opt;
    st->opt.columns = &w->columns;
    int rc = CPN_OK;
    if (w->origin_nodes && w->map.rule == CPN_WLOG_WEIGHTED) {
        /* The same draws, in the same order, as cpn_wlog_assign_origins() at load. */
        char name[512];
        snprintf(name, sizeof name, "traces/%s/origins", w->spec.id);
        if (!(st->rng = cpn_rng_new(s->seed)))
            rc = CPN_ERROR(CPN_ENOMEM, NULL);
        else if ((rc = cpn_rng_stream(st->rng, name, &st->draws)) == CPN_OK &&
                 !(st->table = gsl_ran_discrete_preproc(w->map.norigins, w->map.weights)))
            rc = CPN_ERROR(CPN_ENOMEM, NULL);
    }
    if (rc == CPN_OK)
        rc = cpn_wlog_stream_open(w->path, w->spec.log, &st->opt, diag, &st->st);
    if (rc != CPN_OK) {
        cpn_scen_wlog_stream_free(st);
        return rc;
    }
    *out = st;
    return CPN_OK;
}

int cpn_scen_wlog_stream_next(void *ctx, struct cpn_wlog_job *rec, uint32_t *origin, int *more)
{
    struct cpn_scen_wlog_stream *st = ctx;
    const struct cpn_scen_wlog *w = st->w;
    int rc = cpn_wlog_stream_next(st->st, rec, more);
    *origin = CPN_NONE;
    if (rc != CPN_OK || !*more || !w->origin_nodes)
        return rc;
    /* As cpn_wlog_assign_origins() at load, one record at a time. */
    const struct cpn_wlog_origin_map *m = &w->map;
    uint32_t o = cpn_wlog_origin_of(m, rec, st->given++, st->draws, st->table);
    if (o == CPN_NONE || o >= m->norigins)
        return CPN_ERROR(CPN_ESCENARIO, "%s:%u: this record's group maps to no origin", w->path,
                         (unsigned)rec->line);
    *origin = w->origin_nodes[o];
    return CPN_OK;
}
