/**
 * @file scenarios/experiment.h
 * @brief Experiment files for `cpnsim batch`: scenarios x policies x parameter values x seeds.
 *
 * ```xml
 * <experiment version="1">
 *   <scenario file="../national.xml"/>                 <!-- one or more; relative paths -->
 *   <policy name="earliest_finish"/> <policy name="nearest"/>   <!-- none: the scenario's own -->
 *   <sweep target="link/sh-nx@capacity" values="100Gbps 400Gbps"/>  <!-- --set values -->
 *   <set target="simulation@until" value="1d"/>         <!-- a --set for every run -->
 *   <seeds first="1" count="5"/>                        <!-- or <seeds list="1 7 42"/> -->
 *   <report by="scenario,policy" metrics="job.all.jct.mean,..." format="md"/>
 * </experiment>
 * ```
 * The runs are the cross product, enumerated in a fixed order (scenario, policy, sweep values
 * in document order, seed), each with a deterministic file name built from those values, so an
 * interrupted batch resumes by skipping the runs whose result file is complete.
 *
 * An experiment may also hold the rows of a table of published results and sensitivity series
 * (docs/paper-tables.md; `<scenario>` is then optional):
 * ```xml
 * <row id="ingest-tcp" scenario="ingest-3000km.xml" headline="tcp-port-utilisation"
 *      distance="3000 km" setting="TCP, 4 flows" published="about 20%"
 *      published-min="20%" published-max="20%" note="...">
 *   <set target="..." value="..."/>                    <!-- this row's own settings -->
 *   <range target="link/backbone@loss" values="1e-7 1e-5"/>   <!-- parameter uncertainty -->
 *   <baseline target="..." value="..."/>               <!-- figure="ratio|speedup|loss" -->
 * </row>
 * <series id="distance" scenario="training.xml" headlines="efficiency">
 *   <curve target="generator/gpt3@parallelism" values="dp pp"/>    <!-- optional -->
 *   <x target="link/wan@length" values="50km 300km 3000km"/>
 * </series>
 * ```
 * After the cross product come the rows' runs (row by row: the nominal point, then the corners
 * of the ranges in mixed radix, the last range fastest; a figure with a baseline runs each point
 * twice, the point then its baseline), then the series' runs (curve value, then x value); these
 * use the first seed only (their scenarios are deterministic or pinned by it).
 */
#ifndef CPN_SCENARIOS_EXPERIMENT_H
#define CPN_SCENARIOS_EXPERIMENT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/diag.h"

struct cpn_policy_registry;

/** Most `<sweep>` elements an experiment may have. */
#define CPN_EXP_MAX_SWEEPS 8

/** Most settings one run may carry besides the experiment's `<set>`s (its sweep values, or a
 *  row's sets, range values and baseline, or a series' sets, curve and x values). */
#define CPN_EXP_MAX_RUN_SETTINGS 16

/** A target and its value (the two halves of a `--set TARGET=VALUE`). */
struct cpn_exp_setting {
    const char *target;  /**< ELEMENT@ATTR, ELEMENT/ID@ATTR or an XPath (owned by the experiment) */
    const char *value;   /**< the value as written in a scenario (owned by the experiment) */
    const char *element; /**< the element that gives it: "set", "sweep", "range", "baseline",
                              "curve" or "x" (a static string), for messages */
    long line;           /**< that element's line in the experiment file (0: unknown) */
};

/** A parameter swept over a list of values. */
struct cpn_exp_sweep {
    const char *target;  /**< the --set target (owned) */
    const char **values; /**< the values, length n_values >= 1 (owned) */
    size_t n_values;     /**< number of values */
    const char *element; /**< its element: "sweep", "range", "curve" or "x" (a static string) */
    long line;           /**< that element's line in the experiment file */
};

/** How a table row's figure is made from its headline h (and, in the same run, its `over`
 *  headline o: h / o) and the headline b of its baseline run. */
enum cpn_exp_figure {
    CPN_EXP_FIGURE_VALUE,   /**< h */
    CPN_EXP_FIGURE_RATIO,   /**< h / b */
    CPN_EXP_FIGURE_SPEEDUP, /**< b / h (a time against the baseline's) */
    CPN_EXP_FIGURE_LOSS     /**< 1 - h / b (the share lost against the baseline) */
};

/** A row of a table of published results (`<row>`). */
struct cpn_exp_row {
    const char *id;             /**< row name, unique among rows and series (owned) */
    const char *scenario;       /**< scenario path, resolved against the experiment's directory */
    const char *headline;       /**< the summary metric that gives the figure: `headline.ID` for a
                                     bare ID, or a metric name as written (owned) */
    const char *over;           /**< a second metric of the same run that divides it, or NULL */
    const char *distance;       /**< text of the table's distance column (owned; "" when absent) */
    const char *setting;        /**< text of the setting column (owned; "" when absent) */
    const char *published;      /**< the published figure as printed (owned) */
    const char *source;         /**< where it was published (owned; "" when absent) */
    const char *note;           /**< the sentence printed when the published figure lies outside the
                                     simulated range (owned), or NULL */
    double published_min;       /**< lower end of the published figure: -INFINITY when open, NaN
                                     when no figure was published (then published_max is NaN) */
    double published_max;       /**< upper end: INFINITY when open */
    const char *unit;           /**< unit of published_min and published_max: "1" (a plain number,
                                     a percentage or a factor "4x") or "s" (a time) */
    enum cpn_exp_figure figure; /**< how the figure is made */
    struct cpn_exp_setting *sets;     /**< the row's own settings, length n_sets */
    size_t n_sets;                    /**< number of settings */
    struct cpn_exp_sweep *ranges;     /**< the parameter uncertainty: every corner of their
                                           cross product is run, length n_ranges */
    size_t n_ranges;                  /**< number of ranges */
    struct cpn_exp_setting *baseline; /**< settings of the baseline run, length n_baseline
                                           (0 when figure is VALUE) */
    size_t n_baseline;                /**< number of baseline settings */
    size_t first_run;                 /**< index of its first run (cpn_experiment_run()) */
    size_t n_points;                  /**< 1 + corners (product of the ranges' lengths, 0
                                           without ranges) */
};

/** A sensitivity series (`<series>`): headlines against one swept parameter, per curve. */
struct cpn_exp_series {
    const char *id;               /**< unique among rows and series (owned) */
    const char *scenario;         /**< scenario path, resolved */
    const char **headlines;       /**< metrics written per point (`headline.ID` for a bare ID),
                                       length n_headlines >= 1 */
    size_t n_headlines;           /**< number of metrics */
    struct cpn_exp_setting *sets; /**< settings of every point, length n_sets */
    size_t n_sets;                /**< number of settings */
    struct cpn_exp_sweep curve;   /**< one curve per value (n_values 0: a single curve) */
    struct cpn_exp_sweep x;       /**< the abscissa, n_values >= 1 */
    size_t first_run;             /**< index of its first run */
};

/**
 * A loaded experiment.  Read-only for users except through cpn_experiment_limit_seeds(); free
 * with cpn_experiment_free().
 */
struct cpn_experiment {
    const char *file;       /**< the experiment file as given */
    const char **scenarios; /**< scenario paths, resolved against the experiment's
                                 directory, length n_scenarios >= 1 */
    size_t n_scenarios;     /**< number of scenarios */
    const char **policies;  /**< policy names, length n_policies (0: each scenario's
                                 own scheduler) */
    size_t n_policies;      /**< number of policies */
    struct cpn_exp_sweep sweeps[CPN_EXP_MAX_SWEEPS]; /**< swept parameters */
    size_t n_sweeps;                                 /**< number of sweeps */
    struct cpn_exp_setting *sets;                    /**< settings of every run, length n_sets */
    size_t n_sets;                                   /**< number of fixed settings */
    uint64_t *seeds;                                 /**< seeds, length n_seeds >= 1 */
    size_t n_seeds;                                  /**< number of seeds */
    const char *report_by;         /**< `<report by>` or NULL (report's default) */
    const char *report_metrics;    /**< `<report metrics>` or NULL (report's default) */
    const char *report_format;     /**< `<report format>`: md (default), csv or tex */
    const char *report_paired;     /**< `<report paired>`: [KEY=]BASELINE as `cpnsim report
                                        --paired`, or NULL */
    struct cpn_exp_row *rows;      /**< rows of the table of published results, length n_rows */
    size_t n_rows;                 /**< number of rows */
    struct cpn_exp_series *series; /**< sensitivity series, length n_series */
    size_t n_series;               /**< number of series */
    const char *table_title;       /**< `<table title>`, or NULL */
};

/** One run: of the cross product, of a table row or of a series. */
struct cpn_exp_run {
    const char *scenario; /**< scenario path (borrowed from the experiment) */
    const char *policy;   /**< policy name or NULL (the scenario's own) (borrowed) */
    struct cpn_exp_setting sweep[CPN_EXP_MAX_RUN_SETTINGS]; /**< this run's own settings after
                                the experiment's <set>s: swept values, or a row's or series'
                                settings (borrowed) */
    size_t n_sweep;                                         /**< number of those settings */
    uint64_t seed;                                          /**< seed */
    size_t row;                                             /**< index of its row, or SIZE_MAX */
    size_t series;                                          /**< index of its series, or SIZE_MAX */
    size_t point;   /**< a row's point (0 nominal, then the corners); a series' point,
                         curve index x number of x values + x index */
    int baseline;   /**< nonzero: the baseline run of a row's point */
    char name[256]; /**< deterministic file stem: SCENARIO__POLICY__VALUES__sSEED (a row:
                         ROW__nominal or ROW__VALUES, then __base for a baseline, then
                         __sSEED; a series: SERIES__CURVE__X__sSEED), with every character
                         outside [A-Za-z0-9._-] replaced by '-' */
};

/**
 * Read an experiment file (libxml2, the scenario loader's safe parse: no network, no DTD, no
 * entities).  Every mistake is reported to @p diag at FILE:LINE, among them a `<report by>`
 * key that is not built-in (scenario, policy, awareness, seed, version), not a `<sweep>` or
 * `<set>` target and not a parameter of a listed policy (of any built-in one when none is
 * listed): it would fold the runs into one row of the final table.  For `<row>` and `<series>`:
 * a missing required attribute, an id used twice or holding a character outside
 * [A-Za-z0-9._-], an unreadable scenario, an unknown figure, a published-min or published-max
 * that is not a percentage, a factor ("4x"), a time or a number, the two in different units or
 * in the wrong order, a baseline without a comparing figure or the reverse, an empty range, a
 * series without one `<x>` or with two `<curve>`s, more than CPN_EXP_MAX_RUN_SETTINGS settings
 * per run or 4096 corners, an unknown child element; `<policy>`, `<sweep>` or `<report>` in an
 * experiment without `<scenario>`.
 * @param file path (borrowed).
 * @param reg the policies a `<policy name>` may name: the built-ins and the plug-ins loaded
 *        into @p reg from the command line (`batch --plugin`), or NULL for the built-ins only.
 * @param out receives the experiment (caller frees with cpn_experiment_free()).
 * @return CPN_OK; CPN_ESCENARIO when the file has errors (reported); CPN_ENOINPUT when it cannot
 *         be read; CPN_ENOMEM.
 */
int cpn_experiment_load(const char *file, const struct cpn_policy_registry *reg,
                        struct cpn_diag *diag, struct cpn_experiment **out);

/** Free an experiment; accepts NULL. */
void cpn_experiment_free(struct cpn_experiment *e);

/**
 * Keep only the first @p max_seeds seeds (`cpnsim batch --seeds N`); the kept runs have the
 * names they have in the full experiment (a name ends with its seed).  No effect when
 * @p max_seeds is 0 or not below n_seeds.
 */
void cpn_experiment_limit_seeds(struct cpn_experiment *e, size_t max_seeds);

/** Number of runs: scenarios x max(policies, 1) x product of sweep lengths x seeds, then the
 *  rows' runs (points x 2 with a baseline) and the series' (curves x x values). */
size_t cpn_experiment_runs(const struct cpn_experiment *e);

/**
 * Describe run @p index (0 <= index < cpn_experiment_runs()).
 * @return CPN_OK; CPN_ERANGE for an index out of range.
 */
int cpn_experiment_run(const struct cpn_experiment *e, size_t index, struct cpn_exp_run *out);

#endif /* CPN_SCENARIOS_EXPERIMENT_H */
