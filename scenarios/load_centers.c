/* Scenario loader: <centers> and <scheduler> (see load.h, docs/scenario-format.md). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/load_impl.h"
#include "sim/error.h"

/* Parse an optional price attribute and check that every price of the scenario uses one
 * currency.  Returns as cpn_ld_quantity(). */
int cpn_ld_price(struct cpn_ld *L, xmlNode *elem, const char *name, enum cpn_quantity q,
                 double *out)
{
    const char *v = cpn_ld_attr(elem, name);
    char why[256], currency[CPN_CURRENCY_LEN];
    if (!v)
        return 0;
    if (cpn_units_parse_ex(v, q, 0, out, currency, why, sizeof why) != CPN_OK)
        return cpn_ld_quantity(L, elem, name, q, out); /* reports it in the usual words */
    if (!currency[0])
        return 1; /* a bare 0 */
    if (!L->s->currency[0]) {
        memcpy(L->s->currency, currency, sizeof currency);
        L->currency_elem = elem;
        L->currency_attr = name;
    } else if (strcmp(L->s->currency, currency) != 0) {
        char where[512];
        cpn_ld_where(L->currency_elem, elem, where, sizeof where);
        cpn_ld_error(L, elem,
                     "%s \"%s\" is in %s, but %s is in %s (at %s); a scenario uses one "
                     "currency",
                     name, v, currency, L->currency_attr, L->s->currency, where);
        return -1;
    }
    return 1;
}

/* Find a name among the enumeration @p names (n of them); the schema checked the value. */
static int ld_enum(xmlNode *elem, const char *attr, const char *(*name_of)(int), int n, int dflt)
{
    const char *v = cpn_ld_attr(elem, attr);
    for (int i = 0; v && i < n; i++)
        if (strcmp(v, name_of(i)) == 0)
            return i;
    return dflt;
}

static const char *ld_kind_name(int i)
{
    return cpn_center_kind_name((enum cpn_center_kind)i);
}

static const char *ld_queue_name(int i)
{
    return cpn_queue_discipline_name((enum cpn_queue_discipline)i);
}

static const char *ld_walltime_name(int i)
{
    return i == CPN_WALLTIME_KILL ? "kill" : "extend";
}

/* An optional storage bandwidth attribute @p name into @p *out [B/s]: 1 given, 0 absent (*out
 * untouched), -1 bad (reported).  A given bandwidth must be positive: the network reads 0 as no
 * limit (models/net/network.h), which "0Gbps" written on purpose would silently become. */
static int ld_storage_bandwidth(struct cpn_ld *L, xmlNode *elem, const char *name, double *out)
{
    double v = 0;
    int r = cpn_ld_quantity(L, elem, name, CPN_Q_RATE, &v);
    if (r == 1 && !(v > 0)) {
        cpn_ld_error(L, elem, "%s \"%s\" is not positive (leave %s out for no limit)", name,
                     cpn_ld_attr(elem, name), name);
        return -1;
    }
    if (r == 1)
        *out = v;
    return r;
}

/* Read one <pool> into @p p; returns 0 when bad (reported). */
static int ld_pool(struct cpn_ld *L, xmlNode *elem, struct cpn_scen_pool *p)
{
    int ok = 1;
    const char *name = cpn_ld_attr(elem, "name");
    const char *accelerator = cpn_ld_attr(elem, "accelerator");
    if (name && !(p->spec.name = cpn_ld_strdup(L, name, strlen(name))))
        return 0;
    if (!accelerator || !*accelerator) {
        /* Every pool has a unit type, so that no job runs on units it was not meant for (a CPU
         * job on an H100 pool would run FLOP-scaled, 450 times too fast, without a word). */
        cpn_ld_error(L, elem,
                     "accelerator is required (pool \"%s\"): the unit type that jobs ask for "
                     "(e.g. accelerator=\"cpu\", \"gpu\", \"vm\", or a model such as \"H100\")",
                     name ? name : "without a name");
        return 0;
    }
    p->spec.accelerator = cpn_ld_strdup(L, accelerator, strlen(accelerator));
    p->type = cpn_ld_intern(L, &L->s->pool_types, p->spec.accelerator ? p->spec.accelerator : "");
    if (!p->spec.accelerator || p->type == CPN_NONE)
        return 0;
    if (cpn_ld_count(L, elem, "units", 1, UINT32_MAX, &p->spec.units) < 0)
        ok = 0;
    int r_speed = cpn_ld_quantity(L, elem, "per-unit", CPN_Q_FLOPS, &p->spec.flops);
    if (r_speed == 1 && !(p->spec.flops > 0)) {
        cpn_ld_error(L, elem,
                     "per-unit \"%s\" is not positive (a unit needs a speed: jobs given by their "
                     "work would never end; use e.g. \"989TFLOPS\")",
                     cpn_ld_attr(elem, "per-unit"));
        ok = 0;
    }
    if (r_speed < 0)
        ok = 0;
    if (cpn_ld_quantity(L, elem, "memory", CPN_Q_SIZE, &p->spec.memory) < 0)
        ok = 0;
    int a = cpn_ld_quantity(L, elem, "idle", CPN_Q_POWER, &p->spec.idle_power);
    int b = cpn_ld_quantity(L, elem, "peak", CPN_Q_POWER, &p->spec.peak_power);
    if (a < 0 || b < 0)
        ok = 0;
    else if (p->spec.peak_power < p->spec.idle_power) {
        cpn_ld_error(L, elem,
                     "peak power \"%s\" is below idle power \"%s\" (a busy unit draws at "
                     "least its idle power; use peak >= idle)",
                     b ? cpn_ld_attr(elem, "peak") : "0", cpn_ld_attr(elem, "idle"));
        ok = 0;
    }
    /* The schema allows true or false only. */
    const char *sh = cpn_ld_attr(elem, "shareable");
    p->spec.shareable = sh && (strcmp(sh, "true") == 0 || strcmp(sh, "1") == 0);
    return ok;
}

int cpn_ld_center(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_scenario *s = L->s;
    const char *id = cpn_ld_attr(elem, "id");
    if (!cpn_ld_check_id(L, elem, id))
        return CPN_OK;
    for (size_t i = 0; i < s->centers.len; i++)
        if (strcmp(s->centers.items[i].spec.id, id) == 0) {
            char where[512];
            cpn_ld_where(L->center_elem.items[i], elem, where, sizeof where);
            cpn_diag_error(L->diag, cpn_ld_file_name(elem), xmlGetLineNo(elem),
                           "center \"%s\" is defined twice (first at %s)", id, where);
            return CPN_OK;
        }
    struct cpn_scen_center c = {.file = cpn_ld_file_name(elem), .line = xmlGetLineNo(elem)};
    cpn_center_spec_init(&c.spec);
    if (!(c.spec.id = cpn_ld_strdup(L, id, strlen(id))))
        return CPN_ENOMEM;
    c.spec.kind = (enum cpn_center_kind)ld_enum(elem, "kind", ld_kind_name, CPN_CENTER_NKINDS,
                                                CPN_CENTER_HPC);
    c.spec.discipline = (enum cpn_queue_discipline)ld_enum(elem, "queue", ld_queue_name,
                                                           CPN_QUEUE_NDISCIPLINES, CPN_QUEUE_EASY);
    c.spec.walltime = (enum cpn_walltime_policy)ld_enum(elem, "walltime", ld_walltime_name,
                                                        CPN_WALLTIME_NPOLICIES, CPN_WALLTIME_KILL);
    const char *node = cpn_ld_attr(elem, "node");
    if (node && (c.spec.node = cpn_ld_node_ref(L, elem, "node", node)) != CPN_NONE) {
        const struct cpn_node *n = cpn_topo_node(s->topo, c.spec.node);
        if (n->has_coords) {
            c.spec.lat = n->lat;
            c.spec.lon = n->lon;
        }
    }
    if (cpn_ld_number(L, elem, "pue", 0, &c.spec.pue) == 1 && !(c.spec.pue >= 1))
        cpn_ld_error(L, elem,
                     "pue \"%s\" is below 1 (PUE = facility energy / IT energy >= 1; "
                     "use e.g. 1.2)",
                     cpn_ld_attr(elem, "pue"));
    else if (c.spec.pue > 3)
        /* Assumption: above 3 is a slip of the decimal point.  Surveyed data centers average
         * 1.58 (Uptime Institute, Global Data Center Survey 2023) and old ones reach 2.5-3. */
        cpn_ld_warning(L, elem,
                       "pue \"%s\" is above 3, beyond any surveyed data center (their mean is "
                       "1.58, Uptime Institute 2023): a slip of the decimal point?",
                       cpn_ld_attr(elem, "pue"));
    cpn_ld_price(L, elem, "price", CPN_Q_PRICE, &c.spec.unit_price);
    cpn_ld_price(L, elem, "electricity", CPN_Q_ENERGY_PRICE, &c.spec.electricity_price);
    cpn_ld_quantity(L, elem, "carbon", CPN_Q_CARBON, &c.spec.carbon_intensity);
    cpn_ld_quantity(L, elem, "storage", CPN_Q_SIZE, &c.spec.storage_capacity);
    ld_storage_bandwidth(L, elem, "storage-read", &c.spec.storage_read_bandwidth);
    ld_storage_bandwidth(L, elem, "storage-write", &c.spec.storage_write_bandwidth);
    c.pool0 = (uint32_t)s->pools.len;
    for (xmlNode *n = elem->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, (const xmlChar *)"pool"))
            continue;
        struct cpn_scen_pool p = {.type = CPN_NONE};
        int ok = ld_pool(L, n, &p);
        char dflt[32]; /* (the name the center gives an unnamed pool, models/centers/center.c:
                          so that a <timeline> change can name it too) */
        snprintf(dflt, sizeof dflt, "pool %u", c.npools);
        if (!p.spec.name || !*p.spec.name)
            p.spec.name = cpn_ld_strdup(L, dflt, strlen(dflt));
        if (L->oom)
            return CPN_ENOMEM;
        /* (a <timeline> change and the output name a pool by its name within its center) */
        for (uint32_t k = 0; p.spec.name && k < c.npools; k++) {
            const char *other = s->pools.items[c.pool0 + k].spec.name;
            if (other && strcmp(other, p.spec.name) == 0) {
                cpn_ld_error(L, n,
                             "name \"%s\" is already a pool of this center (pool names are "
                             "unique within a center: a <timeline> change names its pool by it)",
                             p.spec.name);
                ok = 0;
            }
        }
        /* A bad pool is kept (units at least 1), so that jobs checked against it raise no
         * second error; the load fails anyway. */
        if (!ok && p.spec.units == 0)
            p.spec.units = 1;
        if (cpn_array_push(&s->pools, p) != CPN_OK)
            return CPN_ENOMEM;
        c.npools++;
    }
    if (!c.npools)
        cpn_ld_error(L, elem,
                     "has no <pool> (add at least one, e.g. <pool units=\"64\" "
                     "per-unit=\"989TFLOPS\" idle=\"90W\" peak=\"700W\"/>)");
    if (cpn_array_push(&s->centers, c) != CPN_OK || cpn_array_push(&L->center_elem, elem) != CPN_OK)
        return CPN_ENOMEM;
    if (c.spec.storage_read_bandwidth > 0 || c.spec.storage_write_bandwidth > 0) {
        /* The center's own storage: what it stages in is written there, what it sends out is
         * read there (models/jobs/jobs.h, cpn_jobs_set_center_site()). */
        struct cpn_scen_storage site = {.id = c.spec.id,
                                        .node = c.spec.node,
                                        .center = (uint32_t)(s->centers.len - 1),
                                        .capacity = c.spec.storage_capacity,
                                        .read = c.spec.storage_read_bandwidth,
                                        .write = c.spec.storage_write_bandwidth,
                                        .file = c.file,
                                        .line = c.line};
        if (cpn_array_push(&s->sites, site) != CPN_OK)
            return CPN_ENOMEM;
    }
    return CPN_OK;
}

uint32_t cpn_scen_find_site(const struct cpn_scenario *s, const char *id)
{
    for (size_t i = 0; i < s->sites.len; i++)
        if (strcmp(s->sites.items[i].id, id) == 0)
            return (uint32_t)i;
    return CPN_NONE;
}

int cpn_ld_storage(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_scenario *s = L->s;
    const char *id = cpn_ld_attr(elem, "id");
    if (!cpn_ld_check_id(L, elem, id))
        return CPN_OK;
    uint32_t first = cpn_scen_find_site(s, id);
    if (first != CPN_NONE) {
        const struct cpn_scen_storage *f = &s->sites.items[first];
        cpn_ld_error(L, elem, "storage \"%s\" is defined twice (first at %s:%ld%s)", id, f->file,
                     f->line, f->center != CPN_NONE ? ", a center's own storage" : "");
        return CPN_OK;
    }
    struct cpn_scen_storage site = {.id = cpn_ld_strdup(L, id, strlen(id)),
                                    .node = CPN_NONE,
                                    .center = CPN_NONE,
                                    .file = cpn_ld_file_name(elem),
                                    .line = xmlGetLineNo(elem)};
    if (!site.id)
        return CPN_ENOMEM;
    int ok = 1;
    const char *node = cpn_ld_attr(elem, "node"), *center = cpn_ld_attr(elem, "center");
    if (!node == !center) {
        cpn_ld_error(L, elem,
                     "give exactly one of node (a site of its own at that node) and center (the "
                     "site sits inside that center)");
        ok = 0;
    } else if (node) {
        if ((site.node = cpn_ld_node_ref(L, elem, "node", node)) == CPN_NONE)
            ok = 0;
    } else {
        for (size_t c = 0; c < s->centers.len; c++)
            if (strcmp(s->centers.items[c].spec.id, center) == 0)
                site.node = s->centers.items[c].spec.node;
        if (site.node == CPN_NONE) {
            cpn_ld_error(L, elem,
                         "center \"%s\" is not defined (define it in <centers> or check the "
                         "spelling)",
                         center);
            ok = 0;
        }
    }
    /* (each attribute checked, so that every bad one is reported) */
    if ((cpn_ld_quantity(L, elem, "capacity", CPN_Q_SIZE, &site.capacity) < 0) |
        (ld_storage_bandwidth(L, elem, "read", &site.read) < 0) |
        (ld_storage_bandwidth(L, elem, "write", &site.write) < 0))
        ok = 0;
    if (!ok) {
        cpn_ld_defined_badly(L, "storage", id);
        return CPN_OK;
    }
    return cpn_array_push(&s->sites, site);
}

/* ------------------------------------------------------------------------------------------ */

/* Write the names of the policies available to the loader ("a, b, c"). */
static void ld_policy_names(struct cpn_ld *L, char *buf, size_t len)
{
    struct cpn_policy_registry *own = NULL;
    const struct cpn_policy_registry *reg = L->policies;
    buf[0] = '\0';
    if (!reg && !(reg = own = cpn_policy_registry_new())) {
        L->oom = 1;
        return;
    }
    size_t used = 0;
    for (size_t i = 0; i < cpn_policy_registry_count(reg) && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                         cpn_policy_registry_at(reg, i, NULL)->name);
        used += n > 0 ? (size_t)n : 0;
    }
    cpn_policy_registry_free(own);
}

/* Parse a parameter value in the parameter's unit: a plain number when the unit is "1", else a
 * quantity of the kind whose SI unit it is (e.g. "s" -> time, so "30s" or "5min"). */
static int ld_param_value(struct cpn_ld *L, xmlNode *elem, const struct cpn_policy_param *pa,
                          double *out)
{
    for (int q = 0; q < CPN_Q_NQUANTITY; q++)
        if (strcmp(pa->unit, cpn_units_si((enum cpn_quantity)q)) == 0) {
            const char *v = cpn_ld_attr(elem, "value");
            char why[256];
            if (cpn_units_parse_ex(v, (enum cpn_quantity)q, CPN_UNITS_ALLOW_NEGATIVE, out, NULL,
                                   why, sizeof why) == CPN_OK)
                return 1;
            return cpn_ld_quantity(L, elem, "value", (enum cpn_quantity)q, out);
        }
    return cpn_ld_number(L, elem, "value", CPN_UNITS_ALLOW_NEGATIVE, out);
}

/* One <param name value/> of the scheduler's policy @p ops. */
static int ld_param(struct cpn_ld *L, xmlNode *elem, const struct cpn_policy_ops *ops)
{
    struct cpn_scen_scheduler *sch = &L->s->scheduler;
    const char *name = cpn_ld_attr(elem, "name");
    if (!name || !cpn_ld_attr(elem, "value"))
        return CPN_OK; /* the schema reported it */
    const struct cpn_policy_param *pa = NULL;
    for (uint32_t i = 0; i < ops->n_params; i++)
        if (strcmp(ops->params[i].name, name) == 0)
            pa = &ops->params[i];
    double value = 0;
    if (!pa) {
        cpn_policy_param_lookup(ops, name, 0, NULL); /* CPN_ENOENT: its message lists names */
        cpn_ld_error_model(L, elem);
        return CPN_OK;
    }
    for (size_t i = 0; i < sch->params.len; i++)
        if (strcmp(sch->params.items[i].name, name) == 0) {
            cpn_ld_error(L, elem, "parameter \"%s\" is given twice (give each parameter once)",
                         name);
            return CPN_OK;
        }
    if (ld_param_value(L, elem, pa, &value) < 0)
        return CPN_OK;
    if (cpn_policy_param_lookup(ops, name, value, NULL) != CPN_OK) {
        cpn_ld_error_model(L, elem);
        return CPN_OK;
    }
    struct cpn_policy_setting set = {cpn_ld_strdup(L, name, strlen(name)), value};
    if (!set.name || cpn_array_push(&sch->params, set) != CPN_OK)
        return CPN_ENOMEM;
    return CPN_OK;
}

int cpn_ld_scheduler(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_scen_scheduler *sch = &L->s->scheduler;
    if (!cpn_ld_once(L, elem, &L->scheduler))
        return CPN_OK;
    sch->file = cpn_ld_file_name(elem);
    sch->line = xmlGetLineNo(elem);
    const char *policy = cpn_ld_attr(elem, "policy");
    if (policy) {
        sch->policy = cpn_ld_strdup(L, policy, strlen(policy));
        if (!sch->policy)
            return CPN_ENOMEM;
        sch->ops = cpn_policy_find(L->policies, policy);
        if (!sch->ops) {
            char names[CPN_LD_MSG / 2];
            ld_policy_names(L, names, sizeof names);
            cpn_ld_error(L, elem,
                         "policy \"%s\" is not known (use one of: %s; plug-ins are "
                         "loaded with cpnsim run --plugin FILE.so)",
                         policy, names);
        }
    }
    for (xmlNode *n = elem->children; sch->ops && n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, (const xmlChar *)"param")) {
            int rc = ld_param(L, n, sch->ops);
            if (rc != CPN_OK)
                return rc;
        }
    struct cpn_awareness_config *aw = &sch->awareness;
    const char *mode = cpn_ld_attr(elem, "awareness");
    if (mode && cpn_awareness_mode_parse(mode, &aw->mode) != CPN_OK)
        cpn_ld_error_model(L, elem);
    int r = cpn_ld_quantity(L, elem, "period", CPN_Q_TIME, &aw->period);
    if (r >= 0 && aw->mode != CPN_AWARENESS_ORACLE && !(aw->period > 0))
        cpn_ld_error(L, elem,
                     "period is %s (awareness \"%s\" needs the interval between state "
                     "reports, e.g. period=\"30s\")",
                     r ? "zero" : "missing", cpn_awareness_mode_name(aw->mode));
    else if (r == 1 && aw->mode != CPN_AWARENESS_ORACLE && L->s->until > 0 &&
             L->s->until / aw->period > CPN_LD_MANY_PERIODS) {
        char length[32];
        cpn_ld_warning(L, elem,
                       "period \"%s\" makes %.3g state reports of every center before until "
                       "(%s): a slip of the unit of period (\"30ms\" for \"30s\"?) or of until?",
                       cpn_ld_attr(elem, "period"), L->s->until / aw->period,
                       cpn_ld_duration_text(L->s->until, length, sizeof length));
    }
    cpn_ld_quantity(L, elem, "delay", CPN_Q_TIME, &aw->delay);
    return CPN_OK;
}
