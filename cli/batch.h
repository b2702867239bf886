/*
 * Internal header of `cpnsim batch` (cli/batch.c: local runs, cli/cluster.c: Slurm job arrays,
 * MPI ranks, status).  Not installed.
 */
#ifndef CPN_CLI_BATCH_H
#define CPN_CLI_BATCH_H

#include <stddef.h>
#include <sys/types.h>

#include "cli/cli.h"

struct cpn_experiment;
struct cpn_exp_run;

/** What the command line asked for. */
struct cpn_batch_options {
    long jobs;         /**< -j: runs at a time */
    long max_seeds;    /**< --seeds: keep the first N seeds, 0 = all */
    const char *dir;   /**< -o, or NULL for results/EXPERIMENT */
    int dry;           /**< --dry-run */
    int force;         /**< --force: rerun the runs whose result records another definition */
    const char **sets; /**< --set TARGET=VALUE, applied to every run (malloc) */
    size_t n_sets;
    const char **plugins; /**< --plugin PATH.so, loaded here and passed to every run (malloc) */
    size_t n_plugins;
    const char **execs; /**< --policy-exec NAME=COMMAND: the experiment may name NAME, and its
                             runs start COMMAND (malloc) */
    size_t n_execs;
    const char **exec_args; /**< --policy-param and --policy-timeout, in pairs (option, value),
                                 passed to the runs of external policies (malloc) */
    size_t n_exec_args;
    const char *file; /**< the experiment file */
    /* Clusters (docs/clusters.md). */
    int slurm;                /**< --slurm: submit a Slurm job array instead of running here */
    int status;               /**< --status: show done / running / failed / missing */
    int mpi;                  /**< --mpi: hand the runs to the MPI ranks */
    const char *partition;    /**< --partition P (sbatch --partition) */
    const char *time;         /**< --time T (sbatch --time) */
    const char *mem;          /**< --mem M (sbatch --mem) */
    long array_max;           /**< --array-max N: tasks running at once (sbatch --array=...%N) */
    long chunk;               /**< --chunk C: runs per array task (default 1) */
    const char **sbatch_args; /**< --sbatch-arg ARG: passed to sbatch as is (malloc) */
    size_t n_sbatch_args;
    long task;             /**< --task K (inside a job array): run chunk K of --task-list */
    const char *task_list; /**< --task-list FILE: the run names of a submission, in order */
};

/** The runs of the experiment and which of them still need running. */
struct cpn_batch_plan {
    const char *dir; /**< result folder (o->dir or dir_owned) */
    char *dir_owned; /**< results/EXPERIMENT when -o is not given (malloc) */
    size_t n_runs;   /**< runs of the experiment */
    size_t *todo;    /**< indices of the runs without a complete result, length n_todo */
    size_t n_todo;
    size_t skipped; /**< runs already complete */
};

/** The --policy-exec NAME=COMMAND of @p o whose NAME is @p policy, or NULL. */
const char *cpn_batch_exec_of(const struct cpn_batch_options *o, const char *policy);

/**
 * Start run @p r of @p e as a child `cpnsim --quiet run ...` process writing DIR/NAME.h5 and
 * DIR/NAME.log, with the arguments every batch mode uses (cli/batch.c).
 * @return its pid, or -1 (errno set) when it cannot be started.
 */
pid_t cpn_batch_spawn(const struct cpn_experiment *e, const struct cpn_exp_run *r, const char *dir,
                      const struct cpn_batch_options *o);

/**
 * Whether run @p r's result DIR/NAME.h5 is done: it verifies and records the definition the
 * experiment asks now.  @p sha caches the scenario's SHA-256 per scenario path (@p sha_of).
 * @return 1 done, 0 not done (absent, incomplete or another definition: *differs = 1 for the
 *         last), -1 out of memory.
 */
int cpn_batch_run_done(const struct cpn_experiment *e, const struct cpn_exp_run *r,
                       const struct cpn_batch_options *o, const char *dir, const char **sha_of,
                       char sha[65], int *differs);

/** Print the report table over every complete result (as a local batch ends); the status. */
int cpn_batch_report(const struct cpn_cli *cli, const struct cpn_experiment *e,
                     const struct cpn_batch_plan *p);

/** Submit the planned runs as a Slurm job array (cli/cluster.c); returns the exit status. */
int cpn_batch_slurm(const struct cpn_cli *cli, const struct cpn_experiment *e,
                    const struct cpn_batch_options *o, const struct cpn_batch_plan *p);

/** Print done / running / failed / missing for every run (cli/cluster.c); the exit status. */
int cpn_batch_status(const struct cpn_cli *cli, const struct cpn_experiment *e,
                     const struct cpn_batch_options *o, const struct cpn_batch_plan *p);

/** Inside a Slurm array task: run chunk o->task of o->task_list (cli/cluster.c). */
int cpn_batch_task(const struct cpn_cli *cli, const struct cpn_experiment *e,
                   const struct cpn_batch_options *o, const char *dir);

/** Hand the planned runs to the MPI ranks (cli/cluster.c; built with --with-mpi). */
int cpn_batch_mpi(const struct cpn_cli *cli, const struct cpn_experiment *e,
                  const struct cpn_batch_options *o, struct cpn_batch_plan *p);

/** Wait for child @p pid; its exit status (128 + signal when killed), or -1. */
int cpn_batch_wait(pid_t pid);

#endif /* CPN_CLI_BATCH_H */
