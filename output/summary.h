/**
 * @file output/summary.h
 * @brief End-of-run metrics: an observer that accumulates records and computes a table of
 *        (metric, value, unit) rows with GSL statistics.
 *
 * Metric names are dotted paths, stable across runs of one scenario so that `cpnsim report`
 * can aggregate them (the full list is in docs/output-format.md, "/summary"):
 *
 *   run.time_end, run.events, run.complete, run.window_start, run.window_end,
 *   run.estimated_populations
 *   job.K.submitted | unfinished | count | completed | rejected | failed | slo_violation_rate
 *                                                          (K = kind or "all")
 *   job.all.skipped.unknown_runtime
 *   job.K.jct.S (done jobs) | job.K.wait.S | job.K.bsld.S (jobs that executed)  (S = mean,
 *                                                          p50, p95, p99)
 *   request.count, request.latency.S, request.slo_violation_rate
 *   center.C.util, center.C.poolJ.util, center.C.energy | electricity_cost | charge | carbon
 *                                                          (C = id or "all")
 *   net.flows, net.bytes, net.fct.S, net.link_util.mean | p95 | max
 *   decision.staleness.mean | p95 | max
 *   compute.count, compute.stream.efficiency.S, compute.training.efficiency.S,
 *   compute.training.iteration.S, compute.training.exposed_comm.S,
 *   compute.training.convergence.S                       (only with /compute records)
 *   headline.NAME                                        (the scenario's <headline> figures)
 *
 * A statistic over an empty set is NaN (written as such; `cpnsim report` skips NaN values).
 * Populations and windows: docs/metrics.md (the one definition of each metric).
 * Job completion time (JCT) = end - submit of done jobs; wait and bounded slowdown over the jobs
 * that executed (finite start: done or failed, killed at the walltime included; transfer-only
 * jobs have none): BSLD = max(1, (end - submit) / max(end - start, tau)) with tau = CPN_BSLD_TAU
 * (Feitelson, Rudolph, Schwiegelshohn, Sevcik, Wong, "Theory and practice in parallel job
 * scheduling", JSSPP 1997, §4.2; tau = 10 s is their suggested threshold).  Percentiles are
 * GSL's gsl_stats_quantile_from_sorted_data (linear interpolation between order statistics at
 * (n - 1) f) up to CPN_SUMMARY_EXACT_MAX values per population, P-square estimates beyond.
 */
#ifndef CPN_OUTPUT_SUMMARY_H
#define CPN_OUTPUT_SUMMARY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "models/observer.h"

/** Threshold of the bounded slowdown [s] (Feitelson et al. 1997, see the file comment). */
#define CPN_BSLD_TAU 10.0

/**
 * Values kept per population (the JCTs of one job kind, the flow completion times, ...) for exact
 * percentiles: 2^22 (32 MiB of doubles).  Beyond it, the population is summarised by GSL's running
 * statistics (gsl_rstat: mean, maximum) and P-square quantile estimators (gsl_rstat_quantile; Jain
 * and Chlamtac, "The P2 algorithm for dynamic calculation of quantiles and histograms without
 * storing observations", CACM 28(10), 1985), fed every value in arrival order; the row
 * run.estimated_populations counts such populations (docs/metrics.md, "Estimators").
 * Assumption: 2^22 values keep every figure of a simulated week of national.xml exact (1.75e6
 * requests, 8.8e5 flows, 1e5 jobs), where P-square was 2.4% off on the request latency's p95 (a
 * distribution with steps), while a simulated year stays well under 1 GB.
 */
#define CPN_SUMMARY_EXACT_MAX ((size_t)1 << 22)

/** One row of the summary table. */
struct cpn_metric {
    const char *name; /**< dotted metric name (owned by the summary) */
    const char *unit; /**< SI unit ("s", "B", "J", "kg", "1", or the run's currency) */
    double value;     /**< value in that unit; NaN when undefined (empty set) */
};

/** The summary accumulator (opaque). */
struct cpn_summary;

/**
 * Create an empty summary.
 * @param out receives the summary (caller frees with cpn_summary_free()).
 * @return CPN_OK; CPN_EINVAL when @p out is NULL; CPN_ENOMEM.
 */
int cpn_summary_new(struct cpn_summary **out);

/** Free a summary and its records; accepts NULL. */
void cpn_summary_free(struct cpn_summary *s);

/**
 * Fill @p obs with the summary's observer (every callback set, ctx = @p s).
 * begin() copies the names it needs (job kinds, center ids, currency); the record callbacks
 * append to growable arrays (amortised O(1), no allocation once grown); end() keeps the totals.
 * Callbacks return CPN_OK or CPN_ENOMEM; begin() returns CPN_ESTATE when called twice.
 * @param s the summary (borrowed; must outlive every use of @p obs).
 * @param obs receives the observer.
 */
void cpn_summary_observer(struct cpn_summary *s, struct cpn_observer *obs);

/**
 * Set how many values per population are kept for exact percentiles (default
 * CPN_SUMMARY_EXACT_MAX); a population that grows beyond it is estimated from then on.
 * @param s the summary, before begin(); @param n values per population, >= 1.
 * @return CPN_OK; CPN_EINVAL for NULL @p s or @p n = 0; CPN_ESTATE after begin().
 */
int cpn_summary_set_exact_max(struct cpn_summary *s, size_t n);

/**
 * Add a headline: a named figure the scenario states as its result (`<headline>`), added to the
 * table as `headline.NAME` after every other row.  Either the value of metric @p metric times
 * @p scale, or, with @p metric NULL, the sum of the mean rates (bytes / (end - start)) of the
 * `<traffic>` flows whose record ids are @p flows, divided by @p per [B/s] (the utilisation of
 * a port that concurrent flows share when @p per is its rate).  NaN when the metric is
 * unknown or a flow did not finish.
 * @param name headline name (copied); @param metric metric name (copied) or NULL.
 * @param flows record ids, length n_flows (copied).
 * @return CPN_OK; CPN_EINVAL for NULL @p s or @p name, or, for flows, none or per <= 0;
 *         CPN_ENOMEM.
 */
int cpn_summary_add_headline(struct cpn_summary *s, const char *name, const char *metric,
                             double scale, const uint64_t *flows, size_t n_flows, double per);

/**
 * Compute the metric table from what was observed so far (normally after end()).
 * @param s the summary.
 * @param rows receives the rows (owned by @p s, valid until the next call on @p s).
 * @param n receives the number of rows.
 * @return CPN_OK; CPN_EINVAL for NULL arguments; CPN_ESTATE before begin(); CPN_ENOMEM.
 *         O(N log N) in the number of records (sorting for percentiles).
 */
int cpn_summary_metrics(struct cpn_summary *s, const struct cpn_metric **rows, size_t *n);

/**
 * Look up one metric by name (computes the table if needed).
 * @return its value, or NaN when the name is unknown or the table cannot be computed.
 */
double cpn_summary_value(struct cpn_summary *s, const char *name);

/**
 * Print the metric table aligned in three columns (metric, value, unit) on @p out.
 * Rows whose value is NaN are left out and counted in a last line.
 * @return CPN_OK; CPN_EINVAL/CPN_ESTATE/CPN_ENOMEM as cpn_summary_metrics(); CPN_EIO when
 *         writing to @p out fails.
 */
int cpn_summary_print(struct cpn_summary *s, FILE *out);

/**
 * Print the summary grouped to fit a screen (`cpnsim run`'s default): one line per job kind
 * that had any job, then the totals (`all`): submitted, ended, done, rejected, failed,
 * unfinished, mean JCT [s], mean wait [s], mean bounded slowdown; then one line each for the
 * centers (all), the network, inference requests and decisions; compute.count, the
 * compute.*.mean rows and every headline.* row as in cpn_summary_print().  Undefined values print
 * as "-".  The per-center, per-pool and percentile rows are in the full table (cpn_summary_print(),
 * `--summary=full`).
 * @return as cpn_summary_print().
 */
int cpn_summary_print_grouped(struct cpn_summary *s, FILE *out);

/**
 * Write the metric table as TSV with a header line `metric<TAB>value<TAB>unit` (values with
 * %.17g, NaN as "nan") to @p path (overwritten if it exists).
 * @return CPN_OK; errors of cpn_summary_metrics(); CPN_EOUTPUT when @p path cannot be created;
 *         CPN_EIO when writing or closing fails (the message names the file).
 */
int cpn_summary_write_tsv(struct cpn_summary *s, const char *path);

#endif /* CPN_OUTPUT_SUMMARY_H */
