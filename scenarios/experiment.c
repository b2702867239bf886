/* Experiment files for `cpnsim batch` (see experiment.h). */
#include "scenarios/experiment.h"

#include <errno.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/policy.h"
#include "scenarios/load_impl.h"
#include "sim/error.h"

/* Strings of an experiment live in one growable list freed at the end. */
struct exp_impl {
    struct cpn_experiment pub;
    char **strings;
    size_t n_strings, cap_strings;
    int oom;
    long report_line;                      /* line of <report>, 0 when none */
    const struct cpn_policy_registry *reg; /* the policies <policy> may name (NULL: built-ins) */
};

static const char *keep(struct exp_impl *x, char *s)
{
    if (!s) {
        x->oom = 1;
        return NULL;
    }
    if (x->n_strings == x->cap_strings) {
        size_t cap = x->cap_strings ? 2 * x->cap_strings : 16;
        char **p = realloc(x->strings, cap * sizeof *p);
        if (!p) {
            free(s);
            x->oom = 1;
            return NULL;
        }
        x->strings = p;
        x->cap_strings = cap;
    }
    x->strings[x->n_strings++] = s;
    return s;
}

static int push_str(struct exp_impl *x, const char ***arr, size_t *n, const char *s)
{
    const char **p = realloc((void *)*arr, (*n + 1) * sizeof *p);
    if (!p) {
        x->oom = 1;
        return -1;
    }
    p[(*n)++] = s;
    *arr = p;
    return 0;
}

static const char *attr(struct exp_impl *x, xmlNode *e, const char *name)
{
    xmlChar *v = xmlGetProp(e, (const xmlChar *)name);
    if (!v)
        return NULL;
    const char *s = keep(x, strdup((const char *)v));
    xmlFree(v);
    return s;
}

/* Check that @p e has only the attributes in the NULL-terminated list @p allowed. */
static void check_attrs(struct cpn_diag *diag, const char *file, xmlNode *e, const char *allowed[],
                        const char *required[])
{
    for (xmlAttr *a = e->properties; a; a = a->next) {
        int ok = 0;
        for (const char **p = allowed; *p && !ok; p++)
            ok = strcmp(*p, (const char *)a->name) == 0;
        if (!ok) {
            char list[256] = "";
            for (const char **p = allowed; *p; p++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         p == allowed ? "" : ", ", *p);
            cpn_diag_error(diag, file, xmlGetLineNo(e),
                           "<%s>: unknown attribute \"%s\" (accepted: %s)", e->name, a->name, list);
        }
    }
    for (const char **p = required; p && *p; p++)
        if (!xmlHasProp(e, (const xmlChar *)*p))
            cpn_diag_error(diag, file, xmlGetLineNo(e), "<%s>: attribute \"%s\" is required",
                           e->name, *p);
}

/* Split a blank-separated list into kept strings. */
static size_t split_words(struct exp_impl *x, const char *text, const char ***out)
{
    size_t n = 0;
    const char *p = text;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        const char *q = p;
        while (*q && *q != ' ' && *q != '\t' && *q != '\n')
            q++;
        if (q > p && push_str(x, out, &n, keep(x, strndup(p, (size_t)(q - p)))) != 0)
            return n;
        p = q;
    }
    return n;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static void read_elements(struct exp_impl *x, struct cpn_diag *diag, const char *file,
                          const char *dir, xmlNode *root)
{
    struct cpn_experiment *e = &x->pub;
    int have_seeds = 0;
    for (xmlNode *c = root->children; c && !x->oom; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        long line = xmlGetLineNo(c);
        const char *name = (const char *)c->name;
        if (strcmp(name, "scenario") == 0) {
            check_attrs(diag, file, c, (const char *[]){"file", NULL},
                        (const char *[]){"file", NULL});
            const char *f = attr(x, c, "file");
            if (!f)
                continue;
            char *path = NULL;
            if (f[0] == '/' || !*dir)
                path = strdup(f);
            else if (asprintf(&path, "%s/%s", dir, f) < 0)
                path = NULL;
            const char *kept = keep(x, path);
            if (kept && access(kept, R_OK) != 0)
                cpn_diag_error(diag, file, line,
                               "<scenario>: cannot read \"%s\" (%s; a relative "
                               "file is resolved against the experiment's directory)",
                               kept, strerror(errno));
            push_str(x, &e->scenarios, &e->n_scenarios, kept);
        } else if (strcmp(name, "policy") == 0) {
            check_attrs(diag, file, c, (const char *[]){"name", NULL},
                        (const char *[]){"name", NULL});
            const char *p = attr(x, c, "name");
            if (p && !cpn_policy_find(x->reg, p))
                cpn_diag_error(diag, file, line,
                               "<policy>: \"%s\" is not a built-in policy (see 'cpnsim "
                               "policies') nor one of a plug-in given with 'batch --plugin'",
                               p);
            if (p)
                push_str(x, &e->policies, &e->n_policies, p);
        } else if (strcmp(name, "sweep") == 0) {
            check_attrs(diag, file, c, (const char *[]){"target", "values", NULL},
                        (const char *[]){"target", "values", NULL});
            const char *t = attr(x, c, "target"), *v = attr(x, c, "values");
            if (!t || !v)
                continue;
            if (e->n_sweeps == CPN_EXP_MAX_SWEEPS) {
                cpn_diag_error(diag, file, line,
                               "<sweep>: more than %d sweeps (combine them or "
                               "split the experiment)",
                               CPN_EXP_MAX_SWEEPS);
                continue;
            }
            struct cpn_exp_sweep *s = &e->sweeps[e->n_sweeps++];
            s->target = t;
            s->n_values = split_words(x, v, &s->values);
            if (s->n_values == 0)
                cpn_diag_error(diag, file, line,
                               "<sweep target=\"%s\">: values is empty (give "
                               "blank-separated values such as \"100Gbps 400Gbps\")",
                               t);
        } else if (strcmp(name, "set") == 0) {
            check_attrs(diag, file, c, (const char *[]){"target", "value", NULL},
                        (const char *[]){"target", "value", NULL});
            const char *t = attr(x, c, "target"), *v = attr(x, c, "value");
            if (!t || !v)
                continue;
            struct cpn_exp_setting *p = realloc(e->sets, (e->n_sets + 1) * sizeof *p);
            if (!p) {
                x->oom = 1;
                continue;
            }
            e->sets = p;
            e->sets[e->n_sets++] = (struct cpn_exp_setting){t, v};
        } else if (strcmp(name, "seeds") == 0) {
            check_attrs(diag, file, c, (const char *[]){"first", "count", "list", NULL}, NULL);
            if (have_seeds++) {
                cpn_diag_error(diag, file, line, "<seeds> given twice (give one <seeds>)");
                continue;
            }
            const char *first = attr(x, c, "first"), *count = attr(x, c, "count");
            const char *list = attr(x, c, "list");
            uint64_t f = 1, n = 0;
            if (list && (first || count)) {
                cpn_diag_error(diag, file, line, "<seeds>: give either list or first/count");
            } else if (list) {
                const char **words = NULL;
                size_t nw = split_words(x, list, &words);
                e->seeds = calloc(nw ? nw : 1, sizeof *e->seeds);
                if (!e->seeds)
                    x->oom = 1;
                for (size_t i = 0; e->seeds && i < nw; i++)
                    if (parse_u64(words[i], &e->seeds[e->n_seeds++]) != 0)
                        cpn_diag_error(diag, file, line,
                                       "<seeds>: \"%s\" is not a seed (use "
                                       "non-negative whole numbers)",
                                       words[i]);
                free((void *)words);
            } else if (!count || parse_u64(count, &n) != 0 || n == 0 || n > 100000 ||
                       (first && parse_u64(first, &f) != 0)) {
                cpn_diag_error(diag, file, line,
                               "<seeds>: give count=\"N\" (1 to 100000) and "
                               "optionally first=\"S\", or list=\"S1 S2 ...\"");
            } else {
                e->seeds = calloc(n, sizeof *e->seeds);
                if (!e->seeds)
                    x->oom = 1;
                for (uint64_t i = 0; e->seeds && i < n; i++)
                    e->seeds[e->n_seeds++] = f + i;
            }
        } else if (strcmp(name, "report") == 0) {
            check_attrs(diag, file, c, (const char *[]){"by", "metrics", "format", "paired", NULL},
                        NULL);
            e->report_by = attr(x, c, "by");
            e->report_paired = attr(x, c, "paired");
            x->report_line = line;
            e->report_metrics = attr(x, c, "metrics");
            const char *fmt = attr(x, c, "format");
            if (fmt && strcmp(fmt, "md") && strcmp(fmt, "csv") && strcmp(fmt, "tex"))
                cpn_diag_error(diag, file, line,
                               "<report>: format \"%s\" is unknown (use md, "
                               "csv or tex)",
                               fmt);
            if (fmt)
                e->report_format = fmt;
        } else {
            cpn_diag_error(diag, file, line,
                           "<%s> is not an experiment element (accepted: "
                           "scenario, policy, sweep, set, seeds, report)",
                           name);
        }
    }
    if (!e->n_scenarios)
        cpn_diag_error(diag, file, xmlGetLineNo(root), "<experiment>: no <scenario file=\"...\"/>");
    if (!have_seeds) {
        e->seeds = calloc(1, sizeof *e->seeds);
        if (e->seeds)
            e->seeds[e->n_seeds++] = 1;
        else
            x->oom = 1;
    }
}

/* Whether policy @p ops has a parameter named @p key. */
static int policy_has_param(const struct cpn_policy_ops *ops, const char *key)
{
    for (uint32_t k = 0; ops && k < ops->n_params; k++)
        if (strcmp(ops->params[k].name, key) == 0)
            return 1;
    return 0;
}

/* Refuse a <report by> key that no run of the experiment will carry: a typo would fold every
 * run into one row of the final table (cpn_report_write() refuses it too, but only after
 * every run). */
static void check_report_keys(struct exp_impl *x, struct cpn_diag *diag, const char *file)
{
    const struct cpn_experiment *e = &x->pub;
    const char *p = e->report_by;
    while (p && *p) {
        size_t n = strcspn(p, ",");
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)(n < sizeof key ? n : sizeof key - 1), p);
        p += n + (p[n] == ',');
        /* The built-in keys of cpnsim report (output/report.c, key_value_raw; this layer may
         * not include the output layer). */
        static const char *const builtin[] = {"scenario", "policy", "awareness", "seed", "version"};
        int known = !*key;
        for (size_t i = 0; !known && i < sizeof builtin / sizeof *builtin; i++)
            known = strcmp(key, builtin[i]) == 0;
        for (size_t i = 0; !known && i < e->n_sweeps; i++)
            known = strcmp(key, e->sweeps[i].target) == 0;
        for (size_t i = 0; !known && i < e->n_sets; i++)
            known = strcmp(key, e->sets[i].target) == 0;
        for (size_t i = 0; !known && i < e->n_policies; i++)
            known = policy_has_param(cpn_policy_find(x->reg, e->policies[i]), key);
        for (size_t i = 0; !known && e->n_policies == 0 && i < cpn_policy_registry_count(x->reg);
             i++) /* each scenario's own scheduler: any known policy */
            known = policy_has_param(cpn_policy_registry_at(x->reg, i, NULL), key);
        if (!known)
            cpn_diag_error(diag, file, x->report_line,
                           "<report>: by key \"%s\" is not known (use scenario, policy, "
                           "awareness, seed, version, a <sweep> or <set> target, or a "
                           "parameter of a listed policy)",
                           key);
    }
    /* <report paired="[KEY=]BASELINE">: KEY (default policy) must be a grouping key. */
    if (e->report_paired) {
        const char *eq = strchr(e->report_paired, '=');
        size_t kl = eq ? (size_t)(eq - e->report_paired) : strlen("policy");
        const char *key = eq ? e->report_paired : "policy";
        const char *by = e->report_by ? e->report_by : "scenario,policy";
        int found = 0;
        for (const char *q = by; *q && !found; q += strcspn(q, ",") + (q[strcspn(q, ",")] == ','))
            found = strcspn(q, ",") == kl && strncmp(q, key, kl) == 0;
        if (!found || !*(eq ? eq + 1 : e->report_paired))
            cpn_diag_error(diag, file, x->report_line,
                           "<report>: paired \"%s\" needs %s%.*s among the by keys (\"%s\") "
                           "and a baseline value (e.g. paired=\"balanced\" with by=\"policy\")",
                           e->report_paired, found ? "" : "the key ", (int)kl, key, by);
    }
}

int cpn_experiment_load(const char *file, const struct cpn_policy_registry *reg,
                        struct cpn_diag *diag, struct cpn_experiment **out)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int err = cpn_ld_read(file, &text, &len);
    if (err) {
        if (err == ENOMEM)
            return CPN_ERROR(CPN_ENOMEM, NULL);
        cpn_diag_error(diag, file, 0, "cannot read: %s", cpn_ld_strerror(err));
        return CPN_ENOINPUT;
    }
    unsigned errors0 = diag->errors;
    int oom = 0;
    xmlDoc *doc = cpn_ld_parse_xml(diag, file, text, len, &oom);
    free(text);
    if (!doc)
        return oom ? CPN_ERROR(CPN_ENOMEM, NULL) : CPN_ESCENARIO;
    struct exp_impl *x = calloc(1, sizeof *x);
    if (!x) {
        xmlFreeDoc(doc);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    x->reg = reg;
    struct cpn_experiment *e = &x->pub;
    e->file = keep(x, strdup(file));
    e->report_format = "md";
    const char *slash = strrchr(file, '/');
    const char *dir = keep(x, slash ? strndup(file, (size_t)(slash - file)) : strdup(""));
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "experiment") != 0) {
        cpn_diag_error(diag, file, root ? xmlGetLineNo(root) : 0,
                       "the root element must be <experiment version=\"1\">");
    } else {
        const char *version = attr(x, root, "version");
        check_attrs(diag, file, root, (const char *[]){"version", NULL},
                    (const char *[]){"version", NULL});
        if (version && strcmp(version, "1") != 0)
            cpn_diag_error(diag, file, xmlGetLineNo(root),
                           "<experiment> version \"%s\" is not "
                           "supported (this cpnsim reads version \"1\")",
                           version);
        if (dir) {
            read_elements(x, diag, file, dir, root);
            check_report_keys(x, diag, file);
        }
    }
    xmlFreeDoc(doc);
    if (x->oom) {
        cpn_experiment_free(e);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    if (diag->errors != errors0) {
        cpn_experiment_free(e);
        return CPN_ESCENARIO;
    }
    *out = e;
    return CPN_OK;
}

void cpn_experiment_free(struct cpn_experiment *e)
{
    if (!e)
        return;
    struct exp_impl *x = (struct exp_impl *)e;
    for (size_t i = 0; i < x->n_strings; i++)
        free(x->strings[i]);
    free(x->strings);
    free((void *)e->scenarios);
    free((void *)e->policies);
    for (size_t i = 0; i < e->n_sweeps; i++)
        free((void *)e->sweeps[i].values);
    free(e->sets);
    free(e->seeds);
    free(x);
}

void cpn_experiment_limit_seeds(struct cpn_experiment *e, size_t max_seeds)
{
    if (e && max_seeds > 0 && max_seeds < e->n_seeds)
        e->n_seeds = max_seeds;
}

size_t cpn_experiment_runs(const struct cpn_experiment *e)
{
    size_t n = e->n_scenarios * (e->n_policies ? e->n_policies : 1) * e->n_seeds;
    for (size_t i = 0; i < e->n_sweeps; i++)
        n *= e->sweeps[i].n_values;
    return n;
}

/* Append @p s to the stem, replacing characters unsafe in file names. */
static void stem_add(char *stem, size_t cap, const char *s)
{
    size_t n = strlen(stem);
    if (n && n + 2 < cap) {
        stem[n++] = '_';
        stem[n++] = '_';
    }
    for (; *s && n + 1 < cap; s++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_';
        stem[n++] = ok ? c : '-';
    }
    stem[n] = '\0';
}

int cpn_experiment_run(const struct cpn_experiment *e, size_t index, struct cpn_exp_run *out)
{
    if (index >= cpn_experiment_runs(e))
        return CPN_ERROR(CPN_ERANGE, "run %zu of an experiment with %zu runs", index,
                         cpn_experiment_runs(e));
    memset(out, 0, sizeof *out);
    /* Mixed radix, seed fastest, then sweeps from last to first, then policy, then scenario. */
    size_t i = index;
    out->seed = e->seeds[i % e->n_seeds];
    i /= e->n_seeds;
    out->n_sweep = e->n_sweeps;
    for (size_t k = e->n_sweeps; k-- > 0;) {
        const struct cpn_exp_sweep *s = &e->sweeps[k];
        out->sweep[k] = (struct cpn_exp_setting){s->target, s->values[i % s->n_values]};
        i /= s->n_values;
    }
    if (e->n_policies) {
        out->policy = e->policies[i % e->n_policies];
        i /= e->n_policies;
    }
    out->scenario = e->scenarios[i];
    const char *base = strrchr(out->scenario, '/');
    base = base ? base + 1 : out->scenario;
    size_t bl = strlen(base);
    char scen[128];
    snprintf(scen, sizeof scen, "%.*s",
             (int)(bl > 4 && strcmp(base + bl - 4, ".xml") == 0 ? bl - 4 : bl), base);
    stem_add(out->name, sizeof out->name, scen);
    if (out->policy)
        stem_add(out->name, sizeof out->name, out->policy);
    for (size_t k = 0; k < out->n_sweep; k++)
        stem_add(out->name, sizeof out->name, out->sweep[k].value);
    char seed[32];
    snprintf(seed, sizeof seed, "s%llu", (unsigned long long)out->seed);
    stem_add(out->name, sizeof out->name, seed);
    return CPN_OK;
}
