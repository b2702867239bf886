/* Experiment files for `cpnsim batch` (see experiment.h). */
#include "scenarios/experiment.h"

#include <errno.h>
#include <math.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/policy.h"
#include "scenarios/load_impl.h"
#include "scenarios/units.h"
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

/* Resolve scenario file @p f of element @p c against the experiment's directory and check
 * that it can be read. */
static const char *scenario_path(struct exp_impl *x, struct cpn_diag *diag, const char *file,
                                 xmlNode *c, const char *dir, const char *f)
{
    char *path = NULL;
    if (f[0] == '/' || !*dir)
        path = strdup(f);
    else if (asprintf(&path, "%s/%s", dir, f) < 0)
        path = NULL;
    const char *kept = keep(x, path);
    struct stat st;
    if (kept && access(kept, R_OK) != 0)
        cpn_diag_error(diag, file, xmlGetLineNo(c),
                       "<%s>: cannot read \"%s\" (%s; a relative "
                       "file is resolved against the experiment's directory)",
                       c->name, kept, strerror(errno));
    else if (kept && stat(kept, &st) == 0 && !S_ISREG(st.st_mode)) /* (each run would fail) */
        cpn_diag_error(diag, file, xmlGetLineNo(c),
                       "<%s>: \"%s\" is not a regular file (a folder, a device or a FIFO: give "
                       "a scenario file)",
                       c->name, kept);
    return kept;
}

/* Append a setting to a growable array. */
static void push_setting(struct exp_impl *x, struct cpn_exp_setting **arr, size_t *n,
                         const char *target, const char *value, const char *element, long line)
{
    struct cpn_exp_setting *p = realloc(*arr, (*n + 1) * sizeof *p);
    if (!p) {
        x->oom = 1;
        return;
    }
    p[(*n)++] = (struct cpn_exp_setting){target, value, element, line};
    *arr = p;
}

/* Read <TAG target values> into @p sw (@p element: TAG as a static string); reports an empty
 * list. */
static int read_values(struct exp_impl *x, struct cpn_diag *diag, const char *file, xmlNode *c,
                       const char *element, struct cpn_exp_sweep *sw)
{
    check_attrs(diag, file, c, (const char *[]){"target", "values", NULL},
                (const char *[]){"target", "values", NULL});
    const char *t = attr(x, c, "target"), *v = attr(x, c, "values");
    if (!t || !v)
        return -1;
    sw->target = t;
    sw->element = element;
    sw->line = xmlGetLineNo(c);
    sw->n_values = split_words(x, v, &sw->values);
    if (sw->n_values == 0) {
        cpn_diag_error(diag, file, xmlGetLineNo(c),
                       "<%s target=\"%s\">: values is empty (give "
                       "blank-separated values such as \"100Gbps 400Gbps\")",
                       c->name, t);
        return -1;
    }
    return 0;
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

/* A published figure's end: "95%" (0.95), "4x" (4), a time ("16s", in seconds) or a plain
 * number.  Returns 0 and the value and its unit ("1" or "s"), or -1 with @p why. */
static int parse_published(const char *text, double *out, const char **unit, char *why,
                           size_t whylen)
{
    size_t n = strlen(text);
    char num[64];
    if (n > 1 && n < sizeof num && (text[n - 1] == '%' || text[n - 1] == 'x')) {
        memcpy(num, text, n - 1);
        num[n - 1] = '\0';
        if (cpn_units_parse_number(num, CPN_UNITS_ALLOW_NEGATIVE, out, why, whylen) != CPN_OK)
            return -1;
        if (text[n - 1] == '%')
            *out /= 100;
        *unit = "1";
        return 0;
    }
    if (cpn_units_parse_number(text, CPN_UNITS_ALLOW_NEGATIVE, out, NULL, 0) == CPN_OK) {
        *unit = "1";
        return 0;
    }
    if (cpn_units_parse(text, CPN_Q_TIME, out, NULL, 0) == CPN_OK) {
        *unit = "s";
        return 0;
    }
    snprintf(why, whylen,
             "\"%s\" is not a published figure (use a percentage \"95%%\", a factor \"4x\", a "
             "time \"16s\" or a plain number)",
             text);
    return -1;
}

/* Check that @p id is a new row or series name (it names result files). */
static void check_table_id(struct exp_impl *x, struct cpn_diag *diag, const char *file, xmlNode *c,
                           const char *id)
{
    const struct cpn_experiment *e = &x->pub;
    int dup = 0;
    for (size_t i = 0; i < e->n_rows && !dup; i++)
        dup = strcmp(e->rows[i].id, id) == 0;
    for (size_t i = 0; i < e->n_series && !dup; i++)
        dup = strcmp(e->series[i].id, id) == 0;
    if (dup)
        cpn_diag_error(diag, file, xmlGetLineNo(c),
                       "<%s>: id \"%s\" is already a row or series of this experiment (ids "
                       "name result files: give each its own)",
                       c->name, id);
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-' || *p == '_')) {
            cpn_diag_error(diag, file, xmlGetLineNo(c),
                           "<%s>: id \"%s\" has the character '%c' (use letters, digits, '.', "
                           "'-' and '_': ids name result files)",
                           c->name, id, *p);
            break;
        }
}

/* A bare headline id means the summary row headline.ID. */
static const char *metric_name(struct exp_impl *x, const char *h)
{
    char *m = NULL;
    if (strchr(h, '.'))
        return h;
    if (asprintf(&m, "headline.%s", h) < 0)
        m = NULL;
    return keep(x, m);
}

static void read_row(struct exp_impl *x, struct cpn_diag *diag, const char *file, const char *dir,
                     xmlNode *c)
{
    struct cpn_experiment *e = &x->pub;
    long line = xmlGetLineNo(c);
    check_attrs(diag, file, c,
                (const char *[]){"id", "scenario", "headline", "over", "figure", "distance",
                                 "setting", "published", "published-min", "published-max", "source",
                                 "note", NULL},
                (const char *[]){"id", "scenario", "headline", "published", NULL});
    const char *id = attr(x, c, "id"), *scen = attr(x, c, "scenario");
    const char *head = attr(x, c, "headline"), *pub = attr(x, c, "published");
    if (id)
        check_table_id(x, diag, file, c, id);
    if (!id || !scen || !head || !pub)
        return;
    struct cpn_exp_row *rows = realloc(e->rows, (e->n_rows + 1) * sizeof *rows);
    if (!rows) {
        x->oom = 1;
        return;
    }
    e->rows = rows;
    struct cpn_exp_row *r = &e->rows[e->n_rows++];
    const char *over = attr(x, c, "over");
    *r = (struct cpn_exp_row){.id = id,
                              .scenario = scenario_path(x, diag, file, c, dir, scen),
                              .headline = metric_name(x, head),
                              .over = over ? metric_name(x, over) : NULL,
                              .published = pub,
                              .published_min = NAN,
                              .published_max = NAN,
                              .unit = "1"};
    const char *d = attr(x, c, "distance"), *st = attr(x, c, "setting");
    const char *src = attr(x, c, "source");
    r->distance = d ? d : "";
    r->setting = st ? st : "";
    r->source = src ? src : "";
    r->note = attr(x, c, "note");
    const char *fig = attr(x, c, "figure");
    static const char *const figures[] = {"value", "ratio", "speedup", "loss"};
    if (fig) {
        size_t k = 0;
        while (k < 4 && strcmp(fig, figures[k]) != 0)
            k++;
        if (k == 4)
            cpn_diag_error(diag, file, line,
                           "<row id=\"%s\">: figure \"%s\" is unknown (use value, ratio, "
                           "speedup or loss)",
                           id, fig);
        else
            r->figure = (enum cpn_exp_figure)k;
    }
    const char *pmin = attr(x, c, "published-min"), *pmax = attr(x, c, "published-max");
    const char *umin = NULL, *umax = NULL;
    char why[256];
    if (pmin || pmax) {
        r->published_min = -INFINITY;
        r->published_max = INFINITY;
    }
    if (pmin && parse_published(pmin, &r->published_min, &umin, why, sizeof why) != 0)
        cpn_diag_error(diag, file, line, "<row id=\"%s\">: published-min: %s", id, why);
    if (pmax && parse_published(pmax, &r->published_max, &umax, why, sizeof why) != 0)
        cpn_diag_error(diag, file, line, "<row id=\"%s\">: published-max: %s", id, why);
    if (umin && umax && strcmp(umin, umax) != 0)
        cpn_diag_error(diag, file, line,
                       "<row id=\"%s\">: published-min \"%s\" and published-max \"%s\" have "
                       "different units (give both as times, or both as numbers)",
                       id, pmin, pmax);
    r->unit = umin ? umin : umax ? umax : "1";
    if (umin && umax && strcmp(umin, umax) == 0 && r->published_min > r->published_max)
        cpn_diag_error(diag, file, line,
                       "<row id=\"%s\">: published-min \"%s\" is above published-max \"%s\"", id,
                       pmin, pmax);
    for (xmlNode *k = c->children; k && !x->oom; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        const char *kn = (const char *)k->name;
        if (strcmp(kn, "set") == 0 || strcmp(kn, "baseline") == 0) {
            check_attrs(diag, file, k, (const char *[]){"target", "value", NULL},
                        (const char *[]){"target", "value", NULL});
            const char *t = attr(x, k, "target"), *v = attr(x, k, "value");
            if (t && v && kn[0] == 's')
                push_setting(x, &r->sets, &r->n_sets, t, v, "set", xmlGetLineNo(k));
            else if (t && v)
                push_setting(x, &r->baseline, &r->n_baseline, t, v, "baseline", xmlGetLineNo(k));
        } else if (strcmp(kn, "range") == 0) {
            struct cpn_exp_sweep *p = realloc(r->ranges, (r->n_ranges + 1) * sizeof *p);
            if (!p) {
                x->oom = 1;
                break;
            }
            r->ranges = p;
            p[r->n_ranges] = (struct cpn_exp_sweep){0};
            if (read_values(x, diag, file, k, "range", &p[r->n_ranges]) == 0)
                r->n_ranges++;
            else
                free((void *)p[r->n_ranges].values);
        } else {
            cpn_diag_error(diag, file, xmlGetLineNo(k),
                           "<%s> is not an element of <row> (accepted: set, range, baseline)", kn);
        }
    }
    if (r->figure == CPN_EXP_FIGURE_VALUE && r->n_baseline)
        cpn_diag_error(diag, file, line,
                       "<row id=\"%s\">: <baseline> needs figure=\"ratio\", \"speedup\" or "
                       "\"loss\" (the figure \"value\" has no baseline run)",
                       id);
    if (r->figure != CPN_EXP_FIGURE_VALUE && !r->n_baseline)
        cpn_diag_error(diag, file, line,
                       "<row id=\"%s\">: figure \"%s\" compares with a baseline run: give its "
                       "settings as <baseline target=\"...\" value=\"...\"/>",
                       id, figures[r->figure]);
    if (r->n_sets + r->n_ranges + r->n_baseline > CPN_EXP_MAX_RUN_SETTINGS)
        cpn_diag_error(diag, file, line,
                       "<row id=\"%s\">: %zu settings, ranges and baseline settings (at most %d)",
                       id, r->n_sets + r->n_ranges + r->n_baseline, CPN_EXP_MAX_RUN_SETTINGS);
    size_t corners = r->n_ranges ? 1 : 0;
    for (size_t k = 0; k < r->n_ranges; k++)
        corners *= r->ranges[k].n_values;
    if (corners > 4096)
        cpn_diag_error(diag, file, line,
                       "<row id=\"%s\">: its ranges make %zu corners (at most 4096: give fewer "
                       "values)",
                       id, corners);
    r->n_points = 1 + corners;
}

static void read_series(struct exp_impl *x, struct cpn_diag *diag, const char *file,
                        const char *dir, xmlNode *c)
{
    struct cpn_experiment *e = &x->pub;
    long line = xmlGetLineNo(c);
    check_attrs(diag, file, c, (const char *[]){"id", "scenario", "headlines", NULL},
                (const char *[]){"id", "scenario", "headlines", NULL});
    const char *id = attr(x, c, "id"), *scen = attr(x, c, "scenario");
    const char *heads = attr(x, c, "headlines");
    if (id)
        check_table_id(x, diag, file, c, id);
    if (!id || !scen || !heads)
        return;
    struct cpn_exp_series *ss = realloc(e->series, (e->n_series + 1) * sizeof *ss);
    if (!ss) {
        x->oom = 1;
        return;
    }
    e->series = ss;
    struct cpn_exp_series *s = &e->series[e->n_series++];
    *s = (struct cpn_exp_series){.id = id, .scenario = scenario_path(x, diag, file, c, dir, scen)};
    s->n_headlines = split_words(x, heads, &s->headlines);
    for (size_t i = 0; i < s->n_headlines; i++)
        s->headlines[i] = metric_name(x, s->headlines[i]);
    if (!s->n_headlines)
        cpn_diag_error(diag, file, line, "<series id=\"%s\">: headlines is empty", id);
    int have_x = 0, have_curve = 0;
    for (xmlNode *k = c->children; k && !x->oom; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        const char *kn = (const char *)k->name;
        if (strcmp(kn, "set") == 0) {
            check_attrs(diag, file, k, (const char *[]){"target", "value", NULL},
                        (const char *[]){"target", "value", NULL});
            const char *t = attr(x, k, "target"), *v = attr(x, k, "value");
            if (t && v)
                push_setting(x, &s->sets, &s->n_sets, t, v, "set", xmlGetLineNo(k));
        } else if (strcmp(kn, "x") == 0 || strcmp(kn, "curve") == 0) {
            int *have = kn[0] == 'x' ? &have_x : &have_curve;
            struct cpn_exp_sweep *sw = kn[0] == 'x' ? &s->x : &s->curve;
            if ((*have)++) {
                cpn_diag_error(diag, file, xmlGetLineNo(k),
                               "<series id=\"%s\">: <%s> given twice (give one)", id, kn);
                continue;
            }
            if (read_values(x, diag, file, k, kn[0] == 'x' ? "x" : "curve", sw) != 0) {
                free((void *)sw->values);
                *sw = (struct cpn_exp_sweep){0};
            }
        } else {
            cpn_diag_error(diag, file, xmlGetLineNo(k),
                           "<%s> is not an element of <series> (accepted: set, curve, x)", kn);
        }
    }
    if (!have_x)
        cpn_diag_error(diag, file, line,
                       "<series id=\"%s\">: no <x target=\"...\" values=\"...\"/> (the swept "
                       "parameter)",
                       id);
    if (s->n_sets + 2 > CPN_EXP_MAX_RUN_SETTINGS)
        cpn_diag_error(diag, file, line, "<series id=\"%s\">: %zu settings (at most %d)", id,
                       s->n_sets, CPN_EXP_MAX_RUN_SETTINGS - 2);
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
            push_str(x, &e->scenarios, &e->n_scenarios, scenario_path(x, diag, file, c, dir, f));
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
            if (e->n_sweeps == CPN_EXP_MAX_SWEEPS) {
                cpn_diag_error(diag, file, line,
                               "<sweep>: more than %d sweeps (combine them or "
                               "split the experiment)",
                               CPN_EXP_MAX_SWEEPS);
                continue;
            }
            if (read_values(x, diag, file, c, "sweep", &e->sweeps[e->n_sweeps]) == 0) {
                e->n_sweeps++;
            } else {
                free((void *)e->sweeps[e->n_sweeps].values);
                e->sweeps[e->n_sweeps] = (struct cpn_exp_sweep){0};
            }
        } else if (strcmp(name, "set") == 0) {
            check_attrs(diag, file, c, (const char *[]){"target", "value", NULL},
                        (const char *[]){"target", "value", NULL});
            const char *t = attr(x, c, "target"), *v = attr(x, c, "value");
            if (!t || !v)
                continue;
            push_setting(x, &e->sets, &e->n_sets, t, v, "set", line);
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
        } else if (strcmp(name, "row") == 0) {
            read_row(x, diag, file, dir, c);
        } else if (strcmp(name, "series") == 0) {
            read_series(x, diag, file, dir, c);
        } else if (strcmp(name, "table") == 0) {
            check_attrs(diag, file, c, (const char *[]){"title", NULL}, NULL);
            e->table_title = attr(x, c, "title");
        } else {
            cpn_diag_error(diag, file, line,
                           "<%s> is not an experiment element (accepted: "
                           "scenario, policy, sweep, set, seeds, report, table, row, series)",
                           name);
        }
    }
    if (!e->n_scenarios && !e->n_rows && !e->n_series)
        cpn_diag_error(diag, file, xmlGetLineNo(root),
                       "<experiment>: no <scenario file=\"...\"/> (nor a <row> or <series>)");
    if (!e->n_scenarios &&
        (e->n_policies || e->n_sweeps || e->report_by || e->report_metrics || e->report_paired))
        cpn_diag_error(diag, file, xmlGetLineNo(root),
                       "<experiment>: <policy>, <sweep> and <report> apply to the <scenario>s, "
                       "and there is none");
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

static void number_table_runs(struct cpn_experiment *e);

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
            number_table_runs(e);
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
    for (size_t i = 0; i < e->n_rows; i++) {
        struct cpn_exp_row *r = &e->rows[i];
        for (size_t k = 0; k < r->n_ranges; k++)
            free((void *)r->ranges[k].values);
        free(r->ranges);
        free(r->sets);
        free(r->baseline);
    }
    free(e->rows);
    for (size_t i = 0; i < e->n_series; i++) {
        struct cpn_exp_series *s = &e->series[i];
        free((void *)s->headlines);
        free((void *)s->x.values);
        free((void *)s->curve.values);
        free(s->sets);
    }
    free(e->series);
    free(x);
}

void cpn_experiment_limit_seeds(struct cpn_experiment *e, size_t max_seeds)
{
    if (e && max_seeds > 0 && max_seeds < e->n_seeds) {
        e->n_seeds = max_seeds;
        number_table_runs(e);
    }
}

/* Runs of the cross product of scenarios, policies, sweeps and seeds. */
static size_t cross_runs(const struct cpn_experiment *e)
{
    size_t n = e->n_scenarios * (e->n_policies ? e->n_policies : 1) * e->n_seeds;
    for (size_t i = 0; i < e->n_sweeps; i++)
        n *= e->sweeps[i].n_values;
    return n;
}

static size_t row_runs(const struct cpn_exp_row *r)
{
    return r->n_points * (r->figure == CPN_EXP_FIGURE_VALUE ? 1 : 2);
}

static size_t series_runs(const struct cpn_exp_series *s)
{
    return (s->curve.n_values ? s->curve.n_values : 1) * s->x.n_values;
}

/* Number the rows' and series' runs after the cross product (again after --seeds N). */
static void number_table_runs(struct cpn_experiment *e)
{
    size_t next = cross_runs(e);
    for (size_t i = 0; i < e->n_rows; i++) {
        e->rows[i].first_run = next;
        next += row_runs(&e->rows[i]);
    }
    for (size_t i = 0; i < e->n_series; i++) {
        e->series[i].first_run = next;
        next += series_runs(&e->series[i]);
    }
}

size_t cpn_experiment_runs(const struct cpn_experiment *e)
{
    size_t n = cross_runs(e);
    for (size_t i = 0; i < e->n_rows; i++)
        n += row_runs(&e->rows[i]);
    for (size_t i = 0; i < e->n_series; i++)
        n += series_runs(&e->series[i]);
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

/* Append a setting to run @p out. */
static void run_add(struct cpn_exp_run *out, const struct cpn_exp_setting *s)
{
    if (out->n_sweep < CPN_EXP_MAX_RUN_SETTINGS)
        out->sweep[out->n_sweep++] = *s;
}

/* The setting of sweep (or range, curve, x) @p s at its value @p k. */
static struct cpn_exp_setting sweep_at(const struct cpn_exp_sweep *s, size_t k)
{
    return (struct cpn_exp_setting){s->target, s->values[k], s->element, s->line};
}

/* Describe run @p i of row @p r (0 <= i < row_runs(r)). */
static void describe_row_run(const struct cpn_experiment *e, size_t ri, size_t i,
                             struct cpn_exp_run *out)
{
    const struct cpn_exp_row *r = &e->rows[ri];
    int paired = r->figure != CPN_EXP_FIGURE_VALUE;
    out->row = ri;
    out->point = paired ? i / 2 : i;
    out->baseline = paired && i % 2;
    out->scenario = r->scenario;
    out->seed = e->seeds[0];
    for (size_t k = 0; k < r->n_sets; k++)
        run_add(out, &r->sets[k]);
    stem_add(out->name, sizeof out->name, r->id);
    if (out->point == 0) {
        stem_add(out->name, sizeof out->name, "nominal");
    } else { /* corner point - 1 in mixed radix, the last range fastest */
        size_t c = out->point - 1, n = out->n_sweep;
        for (size_t k = r->n_ranges; k-- > 0;) {
            const struct cpn_exp_sweep *g = &r->ranges[k];
            out->sweep[n + k] = sweep_at(g, c % g->n_values);
            c /= g->n_values;
        }
        out->n_sweep += r->n_ranges;
        for (size_t k = 0; k < r->n_ranges; k++)
            stem_add(out->name, sizeof out->name, out->sweep[n + k].value);
    }
    if (out->baseline) {
        for (size_t k = 0; k < r->n_baseline; k++)
            run_add(out, &r->baseline[k]);
        stem_add(out->name, sizeof out->name, "base");
    }
}

/* Describe run @p i of series @p si. */
static void describe_series_run(const struct cpn_experiment *e, size_t si, size_t i,
                                struct cpn_exp_run *out)
{
    const struct cpn_exp_series *s = &e->series[si];
    out->series = si;
    out->point = i;
    out->scenario = s->scenario;
    out->seed = e->seeds[0];
    for (size_t k = 0; k < s->n_sets; k++)
        run_add(out, &s->sets[k]);
    stem_add(out->name, sizeof out->name, s->id);
    if (s->curve.n_values) {
        struct cpn_exp_setting c = sweep_at(&s->curve, i / s->x.n_values);
        run_add(out, &c);
        stem_add(out->name, sizeof out->name, c.value);
    }
    struct cpn_exp_setting x = sweep_at(&s->x, i % s->x.n_values);
    run_add(out, &x);
    stem_add(out->name, sizeof out->name, x.value);
}

int cpn_experiment_run(const struct cpn_experiment *e, size_t index, struct cpn_exp_run *out)
{
    if (index >= cpn_experiment_runs(e))
        return CPN_ERROR(CPN_ERANGE, "run %zu of an experiment with %zu runs", index,
                         cpn_experiment_runs(e));
    memset(out, 0, sizeof *out);
    out->row = out->series = SIZE_MAX;
    if (index >= cross_runs(e)) {
        size_t i = 0;
        while (i < e->n_rows && index >= e->rows[i].first_run + row_runs(&e->rows[i]))
            i++;
        if (i < e->n_rows) {
            describe_row_run(e, i, index - e->rows[i].first_run, out);
        } else {
            i = 0;
            while (index >= e->series[i].first_run + series_runs(&e->series[i]))
                i++;
            describe_series_run(e, i, index - e->series[i].first_run, out);
        }
        char seed[32];
        snprintf(seed, sizeof seed, "s%llu", (unsigned long long)out->seed);
        stem_add(out->name, sizeof out->name, seed);
        return CPN_OK;
    }
    /* Mixed radix, seed fastest, then sweeps from last to first, then policy, then scenario. */
    size_t i = index;
    out->seed = e->seeds[i % e->n_seeds];
    i /= e->n_seeds;
    out->n_sweep = e->n_sweeps;
    for (size_t k = e->n_sweeps; k-- > 0;) {
        const struct cpn_exp_sweep *s = &e->sweeps[k];
        out->sweep[k] = sweep_at(s, i % s->n_values);
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
