/*
 * The table of published results and the sensitivity series of an experiment (`<row>`,
 * `<series>`; docs/paper-tables.md), made by `cpnsim batch` from the results of their runs.
 *
 * A row's figure at a point is its headline h (divided by its `over` metric of the same run),
 * combined with the baseline run's b by the row's figure rule (value h, ratio h / b, speedup
 * b / h, loss 1 - h / b).  The row prints the nominal point's figure and the range [min, max]
 * over the nominal point and every corner of its parameter ranges; the published figure is
 * inside when the published interval [published-min, published-max] meets that range.
 * Assumption: the extremes of a figure over a box of parameters are at its corners (true for
 * the monotone models of the rows: window and loss caps, ring all-reduce times, a stream's
 * rate); a row whose figure is not monotone in a parameter gives that parameter's interior
 * values too (a range may list any number of values).
 */
#include "config.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "output/atomic.h"
#include "output/report.h"
#include "scenarios/experiment.h"
#include "sim/error.h"

/* What the table shows of one row. */
struct row_result {
    double nominal, lo, hi; /* the figure at the nominal point, its range over all points */
    char unit[16];          /* the figure's unit ("1" or the headline's) */
    size_t missing;         /* points without a complete result */
    const char *verdict;    /* "yes", "no", "-" (nothing published), "incomplete", "unit" (a
                               published figure in another unit), "no metric" (a result lacks
                               the row's metric) */
};

/* Read metric @p m of run @p index; NaN when its result is missing or incomplete.  A result
 * that lacks the metric is a definition error: reported, *bad set. */
static double run_metric(const struct cpn_experiment *e, const char *dir, size_t index,
                         const char *m, char *unit, size_t unitlen, int *bad)
{
    struct cpn_exp_run r;
    cpn_experiment_run(e, index, &r);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.h5", dir, r.name);
    double v = NAN;
    int rc = cpn_result_metric(path, m, &v, unit, unitlen);
    if (rc == CPN_ERANGE) {
        fprintf(stderr,
                "cpnsim: batch: %s (give <row headline> or <series headlines> a "
                "<headline> id of the scenario or a summary metric)\n",
                cpn_error_message());
        *bad = 1;
    }
    return rc == CPN_OK ? v : NAN;
}

/* The figure of row @p ri at point @p p. */
static double row_figure(const struct cpn_experiment *e, const char *dir, size_t ri, size_t p,
                         char unit[16], int *bad)
{
    const struct cpn_exp_row *row = &e->rows[ri];
    int paired = row->figure != CPN_EXP_FIGURE_VALUE;
    size_t first = row->first_run + (paired ? 2 * p : p);
    double h = run_metric(e, dir, first, row->headline, unit, 16, bad);
    if (row->over) {
        h /= run_metric(e, dir, first, row->over, NULL, 0, bad);
        snprintf(unit, 16, "1");
    }
    if (!paired)
        return h;
    double b = run_metric(e, dir, first + 1, row->headline, NULL, 0, bad);
    if (row->over)
        b /= run_metric(e, dir, first + 1, row->over, NULL, 0, bad);
    snprintf(unit, 16, "1");
    switch (row->figure) {
    case CPN_EXP_FIGURE_RATIO:
        return h / b;
    case CPN_EXP_FIGURE_SPEEDUP:
        return b / h;
    default:
        return 1 - h / b;
    }
}

static void evaluate_row(const struct cpn_experiment *e, const char *dir, size_t ri,
                         struct row_result *out, int *bad)
{
    const struct cpn_exp_row *row = &e->rows[ri];
    *out = (struct row_result){.nominal = NAN, .lo = INFINITY, .hi = -INFINITY, .unit = "1"};
    int no_metric = 0;
    for (size_t p = 0; p < row->n_points; p++) {
        char unit[16] = "1";
        double v = row_figure(e, dir, ri, p, unit, &no_metric);
        if (p == 0) {
            out->nominal = v;
            snprintf(out->unit, sizeof out->unit, "%s", unit);
        }
        if (isnan(v)) {
            out->missing++;
            continue;
        }
        out->lo = fmin(out->lo, v);
        out->hi = fmax(out->hi, v);
    }
    *bad |= no_metric;
    if (no_metric)
        out->verdict = "no metric";
    else if (out->missing)
        out->verdict = "incomplete";
    else if (isnan(row->published_min))
        out->verdict = "-";
    else if (strcmp(row->unit, out->unit) == 0)
        out->verdict =
            fmax(out->lo, row->published_min) <= fmin(out->hi, row->published_max) ? "yes" : "no";
    else {
        out->verdict = "unit";
        fprintf(stderr,
                "cpnsim: batch: row \"%s\": the published figure is in %s but the figure in %s "
                "(give published-min and published-max in the figure's unit)\n",
                row->id, row->unit, out->unit);
        *bad = 1;
    }
}

/* Print @p v as the row shows it: a percentage when the published text has one, a factor
 * ("5.48x") for ratios and speedups or when the published text is one, else with its unit. */
static void format_value(char *buf, size_t len, const struct cpn_exp_row *row, const char *unit,
                         double v, int tex)
{
    if (isnan(v)) {
        snprintf(buf, len, "n/a");
    } else if (strchr(row->published, '%')) {
        snprintf(buf, len, tex ? "%.1f\\%%" : "%.1f%%", 100 * v);
    } else if (strchr(row->published, 'x') || strstr(row->published, "\u00d7") ||
               row->figure == CPN_EXP_FIGURE_RATIO || row->figure == CPN_EXP_FIGURE_SPEEDUP ||
               row->over) {
        snprintf(buf, len, tex ? "%.3g$\\times$" : "%.3g\u00d7", v);
    } else if (strcmp(unit, "1") == 0) {
        snprintf(buf, len, "%.4g", v);
    } else {
        snprintf(buf, len, "%.4g %s", v, unit);
    }
}

/* Write @p s with the characters LaTeX treats specially escaped. */
static void tex_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '%':
        case '&':
        case '#':
        case '_':
        case '$':
        case '{':
        case '}':
            fprintf(f, "\\%c", *s);
            break;
        case '~':
            fputs("\\textasciitilde{}", f);
            break;
        case '^':
            fputs("\\textasciicircum{}", f);
            break;
        case '\\':
            fputs("\\textbackslash{}", f);
            break;
        case '<':
            fputs("$<$", f);
            break;
        case '>':
            fputs("$>$", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* Markdown: '|' would split a cell. */
static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
}

static const char *verdict_text(const char *v)
{
    return strcmp(v, "yes") == 0          ? "yes"
           : strcmp(v, "no") == 0         ? "**no**"
           : strcmp(v, "-") == 0          ? "(none published)"
           : strcmp(v, "incomplete") == 0 ? "incomplete"
           : strcmp(v, "no metric") == 0  ? "no such metric"
                                          : "unit mismatch";
}

static void write_md(FILE *f, const struct cpn_experiment *e, const struct row_result *res)
{
    if (e->table_title)
        fprintf(f, "%s\n\n", e->table_title);
    fputs("| row | distance | setting | published | cpnsim | simulated range | inside |\n"
          "| --- | --- | --- | --- | ---: | --- | --- |\n",
          f);
    for (size_t i = 0; i < e->n_rows; i++) {
        const struct cpn_exp_row *row = &e->rows[i];
        char v[64], lo[64], hi[64];
        format_value(v, sizeof v, row, res[i].unit, res[i].nominal, 0);
        format_value(lo, sizeof lo, row, res[i].unit, res[i].missing ? NAN : res[i].lo, 0);
        format_value(hi, sizeof hi, row, res[i].unit, res[i].missing ? NAN : res[i].hi, 0);
        fprintf(f, "| %s | ", row->id);
        md_text(f, row->distance);
        fputs(" | ", f);
        md_text(f, row->setting);
        fputs(" | ", f);
        md_text(f, row->published);
        fprintf(f, " | %s | %s – %s (%zu point%s) | %s |\n", v, lo, hi, row->n_points,
                row->n_points == 1 ? "" : "s", verdict_text(res[i].verdict));
    }
    fputs("\ncpnsim: the figure at the scenario's own parameters; simulated range: its least and "
          "greatest value over those and every corner of the row's parameter ranges; inside: "
          "whether the published figure meets that range (docs/paper-tables.md).\n",
          f);
    int notes = 0;
    for (size_t i = 0; i < e->n_rows; i++)
        if (strcmp(res[i].verdict, "no") == 0 && e->rows[i].note) {
            fprintf(f, "%s- **%s**: %s\n", notes++ ? "" : "\n", e->rows[i].id, e->rows[i].note);
        }
    int sources = 0;
    for (size_t i = 0; i < e->n_rows; i++)
        if (*e->rows[i].source)
            fprintf(f, "%s- %s: %s\n", sources++ ? "" : "\nSources:\n\n", e->rows[i].id,
                    e->rows[i].source);
}

static void write_tex(FILE *f, const struct cpn_experiment *e, const struct row_result *res)
{
    fputs("% cpnsim batch: the table of published results (docs/paper-tables.md); needs "
          "\\usepackage{booktabs}\n\\begin{table}\n\\centering\n",
          f);
    if (e->table_title) {
        fputs("\\caption{", f);
        tex_text(f, e->table_title);
        fputs("}\n", f);
    }
    fputs("\\begin{tabular}{llllrll}\n\\toprule\nrow & distance & setting & published & cpnsim "
          "& simulated range & inside \\\\\n\\midrule\n",
          f);
    for (size_t i = 0; i < e->n_rows; i++) {
        const struct cpn_exp_row *row = &e->rows[i];
        char v[64], lo[64], hi[64];
        format_value(v, sizeof v, row, res[i].unit, res[i].nominal, 1);
        format_value(lo, sizeof lo, row, res[i].unit, res[i].missing ? NAN : res[i].lo, 1);
        format_value(hi, sizeof hi, row, res[i].unit, res[i].missing ? NAN : res[i].hi, 1);
        const char *fields[] = {row->id, row->distance, row->setting, row->published};
        for (size_t k = 0; k < 4; k++) {
            tex_text(f, fields[k]);
            fputs(" & ", f);
        }
        fprintf(f, "%s & %s -- %s & ", v, lo, hi);
        const char *vd = res[i].verdict;
        fputs(strcmp(vd, "no") == 0    ? "\\textbf{no}"
              : strcmp(vd, "-") == 0   ? "--"
              : strcmp(vd, "yes") == 0 ? "yes"
                                       : vd,
              f);
        fputs(" \\\\\n", f);
    }
    fputs("\\bottomrule\n\\end{tabular}\n\\end{table}\n", f);
}

/* tables.tsv: one line per row with the figures at full precision (golden tests read it). */
static void write_tsv(FILE *f, const struct cpn_experiment *e, const struct row_result *res)
{
    fputs("row\tfigure\tmin\tmax\tunit\tinside\n", f);
    for (size_t i = 0; i < e->n_rows; i++)
        fprintf(f, "%s\t%.17g\t%.17g\t%.17g\t%s\t%s\n", e->rows[i].id, res[i].nominal,
                res[i].missing ? NAN : res[i].lo, res[i].missing ? NAN : res[i].hi, res[i].unit,
                res[i].verdict);
}

/* One CSV field through libcsv's quoting, then the separator. */
static void csv_field(FILE *f, const char *s, int last)
{
    csv_fwrite(f, s, strlen(s));
    fputc(last ? '\n' : ',', f);
}

/* series-ID.csv: [curve target,] x target, one column per metric. */
static void write_series(FILE *f, const struct cpn_experiment *e, const char *dir, size_t si,
                         int *bad)
{
    const struct cpn_exp_series *s = &e->series[si];
    if (s->curve.n_values)
        csv_field(f, s->curve.target, 0);
    csv_field(f, s->x.target, 0);
    for (size_t h = 0; h < s->n_headlines; h++)
        csv_field(f, s->headlines[h], h + 1 == s->n_headlines);
    size_t curves = s->curve.n_values ? s->curve.n_values : 1;
    for (size_t c = 0; c < curves; c++)
        for (size_t x = 0; x < s->x.n_values; x++) {
            if (s->curve.n_values)
                csv_field(f, s->curve.values[c], 0);
            csv_field(f, s->x.values[x], 0);
            for (size_t h = 0; h < s->n_headlines; h++) {
                char num[64];
                double v = run_metric(e, dir, s->first_run + c * s->x.n_values + x, s->headlines[h],
                                      NULL, 0, bad);
                snprintf(num, sizeof num, "%.17g", v);
                csv_field(f, num, h + 1 == s->n_headlines);
            }
        }
}

/* Write one output file whole or not at all (output/atomic.h); it replaces the previous
 * batch's, which the same results made. */
static int write_file(const char *dir, const char *name, const struct cpn_experiment *e,
                      const struct row_result *res, size_t si, int *bad,
                      void (*fn)(FILE *, const struct cpn_experiment *, const struct row_result *))
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct cpn_atomic a;
    int rc = cpn_atomic_open(&a, path, 1);
    if (rc != CPN_OK)
        return rc;
    if (fn)
        fn(a.f, e, res);
    else
        write_series(a.f, e, dir, si, bad);
    return cpn_atomic_commit(&a);
}

int cpn_batch_tables(const struct cpn_experiment *e, const char *dir, FILE *out, int quiet)
{
    if (!e->n_rows && !e->n_series)
        return 0;
    int bad = 0;
    struct row_result *res = calloc(e->n_rows + 1, sizeof *res);
    if (!res)
        return EX_SOFTWARE;
    for (size_t i = 0; i < e->n_rows; i++)
        evaluate_row(e, dir, i, &res[i], &bad);
    int rc = CPN_OK;
    if (e->n_rows) {
        write_md(out, e, res);
        rc = write_file(dir, "tables.md", e, res, 0, &bad, write_md);
        if (rc == CPN_OK)
            rc = write_file(dir, "tables.tex", e, res, 0, &bad, write_tex);
        if (rc == CPN_OK)
            rc = write_file(dir, "tables.tsv", e, res, 0, &bad, write_tsv);
    }
    for (size_t i = 0; i < e->n_series && rc == CPN_OK; i++) {
        char name[512];
        snprintf(name, sizeof name, "series-%s.csv", e->series[i].id);
        rc = write_file(dir, name, e, res, i, &bad, NULL);
    }
    free(res);
    fflush(out);
    if (rc != CPN_OK) {
        fprintf(stderr, "cpnsim: batch: %s\n", cpn_error_message());
        return cpn_exit_code(rc);
    }
    if (!quiet)
        fprintf(stderr, "batch: written to %s: %s%s\n", dir,
                e->n_rows ? "tables.md, tables.tex, tables.tsv" : "",
                !e->n_series ? ""
                : e->n_rows  ? ", series-*.csv"
                             : "series-*.csv");
    return bad ? EX_DATAERR : 0;
}
