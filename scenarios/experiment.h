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
 */
#ifndef CPN_SCENARIOS_EXPERIMENT_H
#define CPN_SCENARIOS_EXPERIMENT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/diag.h"

struct cpn_policy_registry;

/** Most `<sweep>` elements an experiment may have. */
#define CPN_EXP_MAX_SWEEPS 8

/** A target and its value (the two halves of a `--set TARGET=VALUE`). */
struct cpn_exp_setting {
    const char *target; /**< ELEMENT@ATTR, ELEMENT/ID@ATTR or an XPath (owned by the experiment) */
    const char *value;  /**< the value as written in a scenario (owned by the experiment) */
};

/** A parameter swept over a list of values. */
struct cpn_exp_sweep {
    const char *target;  /**< the --set target (owned) */
    const char **values; /**< the values, length n_values >= 1 (owned) */
    size_t n_values;     /**< number of values */
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
    const char *report_by;      /**< `<report by>` or NULL (report's default) */
    const char *report_metrics; /**< `<report metrics>` or NULL (report's default) */
    const char *report_format;  /**< `<report format>`: md (default), csv or tex */
    const char *report_paired;  /**< `<report paired>`: [KEY=]BASELINE as `cpnsim report
                                     --paired`, or NULL */
};

/** One run of the cross product. */
struct cpn_exp_run {
    const char *scenario; /**< scenario path (borrowed from the experiment) */
    const char *policy;   /**< policy name or NULL (the scenario's own) (borrowed) */
    struct cpn_exp_setting sweep[CPN_EXP_MAX_SWEEPS]; /**< this run's swept values (borrowed) */
    size_t n_sweep;                                   /**< number of swept settings */
    uint64_t seed;                                    /**< seed */
    char name[256]; /**< deterministic file stem: SCENARIO__POLICY__VALUES__sSEED, with
                         every character outside [A-Za-z0-9._-] replaced by '-' */
};

/**
 * Read an experiment file (libxml2, the scenario loader's safe parse: no network, no DTD, no
 * entities).  Every mistake is reported to @p diag at FILE:LINE, among them a `<report by>`
 * key that is not built-in (scenario, policy, awareness, seed, version), not a `<sweep>` or
 * `<set>` target and not a parameter of a listed policy (of any built-in one when none is
 * listed): it would fold the runs into one row of the final table.
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

/** Number of runs: scenarios x max(policies, 1) x product of sweep lengths x seeds. */
size_t cpn_experiment_runs(const struct cpn_experiment *e);

/**
 * Describe run @p index (0 <= index < cpn_experiment_runs()).
 * @return CPN_OK; CPN_ERANGE for an index out of range.
 */
int cpn_experiment_run(const struct cpn_experiment *e, size_t index, struct cpn_exp_run *out);

#endif /* CPN_SCENARIOS_EXPERIMENT_H */
