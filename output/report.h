/**
 * @file output/report.h
 * @brief Tables over many runs (`cpnsim report`) and the description of one trace file
 *        (`cpnsim info`).
 *
 * A report groups runs by keys (scenario, policy, awareness, seed, version, or the name of a
 * policy parameter) and prints, per group and metric, the mean over the group's runs and the
 * half-width of its 95% confidence interval, Student t with n - 1 degrees of freedom:
 *   ci = gsl_cdf_tdist_Pinv(0.975, n - 1) * s / sqrt(n),  s = sample standard deviation
 * (any statistics text, e.g. Montgomery & Runger, "Applied statistics and probability for
 * engineers", §8.2).  NaN values (a metric undefined in a run) are left out of the cell and the
 * cell then shows its own n.  With n = 1 the interval is undefined (printed as "-" or "nan").
 */
#ifndef CPN_OUTPUT_REPORT_H
#define CPN_OUTPUT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "output/summary.h"

/** Metrics shown when the caller gives none (names or fnmatch(3) patterns). */
#define CPN_REPORT_DEFAULT_METRICS                                                                 \
    "job.all.jct.mean,job.all.wait.mean,job.all.bsld.mean,job.all.slo_violation_rate,"             \
    "net.fct.p95,net.link_util.mean,center.all.util,center.all.energy,center.all.electricity_cost"

/** Output formats. */
enum cpn_report_format {
    CPN_REPORT_MD,  /**< Markdown pipe table */
    CPN_REPORT_CSV, /**< RFC 4180 CSV: mean, ci95 and n in separate columns, %.17g */
    CPN_REPORT_TEX  /**< LaTeX tabular (booktabs rules) */
};

/** Options of a report. */
struct cpn_report_options {
    const char *by;                /**< comma-separated grouping keys; NULL = "scenario,policy" */
    const char *metrics;           /**< comma-separated names or fnmatch patterns; NULL = default */
    enum cpn_report_format format; /**< output format */
    int mix; /**< nonzero: allow a group to mix program versions or scenarios */
    /** NULL, or the baseline of a paired comparison: "VALUE" (a value of the key "policy") or
     *  "KEY=VALUE" (KEY one of the --by keys).  Each row whose KEY differs from VALUE is then
     *  compared with the baseline row (the same other keys): per metric, over the seeds both
     *  rows ran (first run of each seed, both values finite; n pairs), the mean difference
     *  d = x - baseline, the half-width t(0.975, n - 1) s_d / sqrt(n) of its paired Student t
     *  95% interval (gsl_cdf_tdist_Pinv; e.g. Montgomery & Runger, "Applied Statistics and
     *  Probability for Engineers", §10-4, paired t), and mean(d) / mean(baseline over the same
     *  seeds).  The baseline row itself is not printed. */
    const char *paired;
};

/** One run as the report sees it (everything borrowed; cpn_report_add_run() copies). */
struct cpn_report_run {
    const char *source;               /**< where it came from (file name), for messages */
    const char *program_version;      /**< program version of the run */
    const char *scenario_path;        /**< scenario path; the key "scenario" is its base name */
    const char *scenario_sha256;      /**< scenario hash */
    const char *policy;               /**< policy name */
    const char *awareness;            /**< awareness mode */
    uint64_t seed;                    /**< seed */
    const char *const *params;        /**< policy parameters "name=value", length n_params */
    size_t n_params;                  /**< number of parameters */
    const struct cpn_metric *metrics; /**< the run's summary rows, length n_metrics */
    size_t n_metrics;                 /**< number of rows */
};

/** A report under construction (opaque). */
struct cpn_report;

/**
 * Parse "md", "csv" or "tex".
 * @return CPN_OK; CPN_EINVAL for another name (the message lists the accepted ones).
 */
int cpn_report_format_parse(const char *name, enum cpn_report_format *out);

/**
 * Create an empty report.
 * @param opt options (strings copied).
 * @param out receives the report (caller frees with cpn_report_free()).
 * @return CPN_OK; CPN_EINVAL for NULL arguments, an empty key or metric list; CPN_ERANGE when
 *         opt->paired names a key that is not among the --by keys (or "policy" is not, for a
 *         bare value) or an empty value; CPN_ENOMEM.
 */
int cpn_report_new(const struct cpn_report_options *opt, struct cpn_report **out);

/** Free a report; accepts NULL. */
void cpn_report_free(struct cpn_report *r);

/**
 * Order the rows by grouping key @p key as @p values lists its values (e.g. a swept parameter's
 * values as the experiment gives them, "5s 30s 5min", where the text order would put 30s before
 * 5s); values not listed come after them, by text, as every key's do without an order.  A key
 * not among the report's `by` keys is ignored.  @p values are copied.
 * @return CPN_OK; CPN_EINVAL for NULL @p r or @p key, or NULL @p values with @p n > 0;
 *         CPN_ENOMEM.
 */
int cpn_report_order(struct cpn_report *r, const char *key, const char *const *values, size_t n);

/**
 * Add one run (copied).
 * @return CPN_OK; CPN_EINVAL for NULL arguments; CPN_ESTATE (not added) when it is a run added
 *         before, given twice: the same program version, scenario SHA-256, seed, policy,
 *         awareness and settings, and the same summary bit for bit (a run is reproducible, so
 *         such a pair is one result copied, not two samples); CPN_ENOMEM.
 */
int cpn_report_add_run(struct cpn_report *r, const struct cpn_report_run *run);

/**
 * Read one trace file's provenance and /summary and add it as a run, after
 * cpn_result_verify().
 * @return CPN_OK; CPN_ENOINPUT when the file is missing or not a regular file; CPN_ESCENARIO
 *         when it is not HDF5 (no HDF5 signature), not a cpnsim trace or has no /summary;
 *         CPN_ESTATE when the run is incomplete (`complete = 0`), does not verify or is a run
 *         added before (cpn_report_add_run(); not added, the caller warns and goes on);
 *         CPN_ENOMEM.
 */
int cpn_report_add_file(struct cpn_report *r, const char *path);

/**
 * Read one metric of a complete result's /summary, after cpn_result_verify().
 * @param path the result file.
 * @param metric the summary row's name, e.g. "headline.efficiency".
 * @param value receives its value (in @p unit).
 * @param unit receives its unit ("1", "s", ...), truncated to @p unitlen - 1 bytes; may be NULL.
 * @param unitlen size of @p unit [bytes].
 * @return CPN_OK; CPN_ERANGE when the summary has no such row; CPN_ENOINPUT, CPN_ESCENARIO,
 *         CPN_ESTATE, CPN_EIO as cpn_result_verify() (missing, not a trace, incomplete,
 *         unreadable); CPN_EINVAL for NULL arguments; CPN_ENOMEM.  O(file size).
 */
int cpn_result_metric(const char *path, const char *metric, double *value, char *unit,
                      size_t unitlen);

/** What a run is: the definition a result file records, compared by cpn_result_matches(). */
struct cpn_result_definition {
    const char *program_version;  /**< cpnsim version that would write it */
    const char *scenario_sha256;  /**< SHA-256 (hex) of the main scenario file's bytes */
    const char *policy;           /**< policy name, or NULL: the scenario's own (not compared) */
    uint64_t seed;                /**< seed */
    const char *const *overrides; /**< "TARGET=VALUE" in the order given, length n_overrides */
    size_t n_overrides;           /**< number of overrides */
};

/**
 * Compare the definition recorded in result @p path (root attributes program_version,
 * scenario_sha256, policy, seed, overrides) with @p want.  A recorded policy "none" (a
 * scenario without centers, where no policy acts) matches any wanted policy.
 * @return CPN_OK when every field is equal (overrides: the same list in the same order);
 *         CPN_ESTATE when one differs (the message names the first difference, recorded and
 *         wanted); CPN_ENOINPUT when the file is missing or not HDF5; CPN_ESCENARIO when it is
 *         not a cpnsim trace; CPN_EINVAL for NULL arguments; CPN_ENOMEM.  O(overrides).
 */
int cpn_result_matches(const char *path, const struct cpn_result_definition *want);

/**
 * Verify a result before trusting it: its checksum matches (cpn_trace_check() of
 * output/trace.h, before HDF5 reads it), it opens as a cpnsim trace, is complete, every dataset
 * reads whole (every chunk through its filters) and holds no more elements than its storage
 * could, and every record table has the row count recorded at the end of its run (root
 * attributes rows_*, output/trace.h).
 * @return CPN_OK; CPN_ENOINPUT when it cannot be opened or is not a regular file (a folder, a
 *         device or a FIFO); CPN_ESCENARIO when it is not HDF5 at all (no HDF5 signature) or not
 *         a cpnsim trace; CPN_ESTATE when incomplete; CPN_EIO when its checksum does not match,
 *         a dataset claims more elements than its storage could hold or cannot be read whole,
 *         or a count differs or is missing (the message says which).  O(file size).
 */
int cpn_result_verify(const char *path);

/**
 * Group the runs and print the table on @p out.
 * @return CPN_OK; CPN_ESTATE when no run was added; CPN_ERANGE when a --by key is neither a
 *         built-in key (scenario, policy, awareness, seed, version) nor a parameter or --set
 *         target of at least one run (the message lists the accepted keys; nothing is
 *         printed), or when --paired is given and no run has the baseline value;
 *         CPN_ESCENARIO when a group mixes runs whose settings (policy parameters or --set
 *         overrides that are not --by keys; the seed aside) differ, or program
 *         versions or scenario hashes and mix is 0 (the message names two files that differ),
 *         or when no metric matches; CPN_ENOMEM; CPN_EIO when writing fails.
 *         O(R log R + R x M) for R runs and M metrics.
 */
int cpn_report_write(struct cpn_report *r, FILE *out);

/**
 * Describe a trace file on @p out: provenance attributes, completeness, every dataset with its
 * shape, record count, bytes on disk and bytes per record, and the /summary rows.
 * @param path the file.
 * @param out where to print.
 * @param with_scenario nonzero: also print the full scenario text.
 * @return CPN_OK; CPN_EINVAL for NULL arguments; CPN_ENOINPUT when the file cannot be opened
 *         as HDF5 or is not a regular file; CPN_ESCENARIO when it is not HDF5 at all (no HDF5
 *         signature) or not a cpnsim trace; CPN_EIO when its checksum does
 *         not match (cpn_trace_check(): nothing is printed) or writing fails.
 */
int cpn_report_info(const char *path, FILE *out, int with_scenario);

#endif /* CPN_OUTPUT_REPORT_H */
