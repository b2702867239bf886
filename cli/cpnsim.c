/*
 * cpnsim: the program.  Subcommand dispatch, global options, exit codes (sysexits(3)).
 *
 *   cpnsim [--quiet] [--log=SPEC] COMMAND [ARGS...]
 *
 * Exit codes: 0 ok, 64 usage, 65 bad scenario or input data, 66 missing input, 70 internal
 * error, 73 cannot create output, 74 output I/O error, 130/143 interrupted (SIGINT/SIGTERM).
 */
#include "config.h"

#include <getopt.h>
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sim/error.h"
#include "sim/log.h"

struct command {
    const char *name;
    int (*main)(struct cpn_cli *cli, int argc, char **argv);
    const char *synopsis;
    const char *help;
};

static int cmd_help(struct cpn_cli *cli, int argc, char **argv);

static const struct command commands[] = {
    {"run", cpn_cmd_run, "run [SCENARIO.xml] [options]",
     "Run a scenario (the embedded default, scenarios/national.xml, when no file is given),\n"
     "print a progress line on a terminal and the summary table at the end.\n"
     "  -o, --output FILE.h5     write the HDF5 trace (FILE.h5.partial until the run completes;\n"
     "                           an interrupted run keeps the .partial file, complete = 0)\n"
     "  --trace-level LEVEL      summary, jobs, flows (default) or full (docs/output-format.md)\n"
     "  --summary-out FILE.tsv   the summary table as tab-separated values\n"
     "  --summary grouped|full   the table printed at the end: by job kind and totals\n"
     "                           (default), or every row (per center, per pool, percentiles)\n"
     "  --flows-out FILE.csv     per-flow results of <traffic>: id,src,dst,bytes,start_time,\n"
     "                           finish_time (shortest round-trip numbers)\n"
     "  --seed N                 override <simulation seed>\n"
     "  --until TIME             override <simulation until>, with a unit (\"1d\", \"30min\")\n"
     "  --set TARGET=VALUE       change a scenario attribute before validation (repeatable);\n"
     "                           TARGET is ELEMENT@ATTR, ELEMENT/ID@ATTR or an XPath to an\n"
     "                           attribute (see docs/scenario-format.md)\n"
     "  --policy NAME            use this scheduling policy instead of the scenario's\n"
     "  --plugin PATH.so         load a policy plug-in (repeatable; docs/policies.md)\n"
     "  --policy-exec [NAME=]COMMAND\n"
     "                           a policy in any language: run COMMAND (sh -c) and place the\n"
     "                           jobs by its answers, one JSON object per line on its standard\n"
     "                           input and output (docs/policy-protocol.md); named NAME\n"
     "                           (default \"exec\"); used unless --policy names another\n"
     "  --policy-param NAME=VALUE a parameter in its hello (repeatable)\n"
     "  --policy-timeout TIME     how long to wait for each of its replies (default 30s)\n"
     "  --force                  overwrite existing output files\n"
     "An output may also be a character device or FIFO (--flows-out /dev/stdout); no two\n"
     "outputs, and no output and input, may be the same file.  A run that does not reach its\n"
     "end keeps --summary-out and --flows-out as FILE.partial, as the trace.\n"
     "Exit: 0 ok, 65 bad scenario, 66 missing input, 70 the policy process failed, 73/74\n"
     "output errors, 130/143 interrupted.\n"},
    {"validate", cpn_cmd_validate,
     "validate SCENARIO.xml... [--set TARGET=VALUE ...] [--plugin PATH.so ...]",
     "Check scenario files against the schema and semantically; print every error as\n"
     "FILE:LINE: message.  Exit 0 when all files are valid, 65 otherwise.\n"},
    {"batch", cpn_cmd_batch,
     "batch EXPERIMENT.xml [-j N] [-o DIR] [--seeds N] [--set T=V] [--plugin PATH.so]\n"
     "      [--policy-exec NAME=COMMAND [--policy-param N=V] [--policy-timeout T]]\n"
     "      [--dry-run] [--force] [--slurm [--partition P --time T --mem M --array-max N\n"
     "      --chunk C --sbatch-arg ARG] | --status | --mpi]",
     "Run the cross product of an experiment file (scenarios x policies x swept --set values x\n"
     "seeds) in N parallel processes, one HDF5 result per run under DIR (default\n"
     "results/EXPERIMENT) with a deterministic name, skipping runs already complete (an\n"
     "interrupted batch resumes), then print the report table.  A result that records\n"
     "another definition (scenario hash, version, policy, seed, --set) is refused (exit 73).\n"
     "Before any run, each run's scenario is checked with its settings as 'validate' does: a\n"
     "bad value stops the batch (exit 65) at its line of the experiment file.\n"
     "An experiment's <row>s and <series> (a table of published results, sensitivity series)\n"
     "are run too; the batch prints their table and writes DIR/tables.{md,tex,tsv} and\n"
     "DIR/series-ID.csv (docs/paper-tables.md; e.g. scenarios/paper/tables.xml).\n"
     "  -j, --jobs N        parallel runs (default: the number of processors)\n"
     "  -o, --output DIR    where the results go\n"
     "  --seeds N           use only the first N seeds of the experiment\n"
     "  --set TARGET=VALUE  an extra override for every run (repeatable)\n"
     "  --dry-run           list the runs and whether they are complete\n"
     "  --force             rerun the runs whose result records another definition\n"
     "  --plugin PATH.so    load a policy plug-in (repeatable): the experiment may name its\n"
     "                      policies, and every run loads it\n"
     "  --policy-exec NAME=COMMAND  an external policy process (repeatable;\n"
     "                      docs/policy-protocol.md): the experiment may name NAME, and each\n"
     "                      of its runs starts COMMAND; --policy-param NAME=VALUE and\n"
     "                      --policy-timeout TIME are passed to those runs\n"
     "On a cluster (docs/clusters.md):\n"
     "  --slurm             submit the runs not done (nor already in Slurm) as one Slurm job\n"
     "                      array (sbatch); the same command later submits only what is left;\n"
     "                      with --dry-run, print the job script\n"
     "    --partition P, --time T, --mem M   passed to sbatch (per array task)\n"
     "    --array-max N     at most N tasks at once      --chunk C   C runs per task (1)\n"
     "    --sbatch-arg ARG  any other sbatch option (repeatable)\n"
     "  --status            each run's state: done, in Slurm (running, pending), failed, missing\n"
     "  --mpi               under `mpirun -n N`: rank 0 hands the runs to the other ranks one at\n"
     "                      a time (a build with ./configure --with-mpi)\n"
     "Exit: 0 ok, 64 usage, 65 bad experiment, 69 sbatch missing or failing, 73 results of\n"
     "another definition; a failed run's own exit status.\n"
     "See docs/user-guide.md for the experiment file format.\n"},
    {"report", cpn_cmd_report,
     "report RESULT.h5... [--by KEYS] [--metrics LIST] [--format md|csv|tex] [-o FILE [--force]]\n"
     "       [--mix] [--paired [KEY=]BASELINE]",
     "Group runs and print, per group and metric, the mean and the half-width of the 95%\n"
     "confidence interval over the group's runs (Student t), with units and run counts.\n"
     "  --by KEYS        comma-separated: scenario, policy, awareness, seed, version, the\n"
     "                   name of a policy parameter, or the TARGET of a --set the runs were\n"
     "                   made with, e.g. link/sh-nx@capacity (default: scenario,policy)\n"
     "  --metrics LIST   comma-separated metric names or shell patterns ('job.*.jct.mean');\n"
     "                   default: the main job, network and center metrics\n"
     "  --format F       md (default), csv or tex\n"
     "  -o FILE          write the table to FILE instead of standard output (not one of\n"
     "                   the RESULT files)\n"
     "  --force          replace an existing FILE\n"
     "  --mix            allow a group to mix program versions or scenario hashes\n"
     "  --paired [KEY=]BASELINE\n"
     "                   compare each row with the row whose KEY (default: policy) is\n"
     "                   BASELINE: mean difference over the seeds both ran, paired 95%\n"
     "                   Student t interval, relative difference\n"
     "Incomplete runs (complete = 0) are left out with a warning.\n"},
    {"policies", cpn_cmd_policies, "policies [--plugin PATH.so ...]",
     "List the built-in scheduling policies and those of the given plug-ins, with their\n"
     "parameters (unit, default, accepted range).\n"
     "  --plugin PATH.so         load a policy plug-in first (repeatable; docs/policies.md)\n"},
    {"info", cpn_cmd_info, "info RESULT.h5... [--scenario]",
     "Describe what a trace file holds: provenance, completeness, datasets with their record\n"
     "counts and bytes on disk, and the summary.  --scenario also prints the scenario text.\n"},
    {"plot", cpn_cmd_plot, "plot KIND TRACE.h5... -o FILE [--by KEY] [--center ID] [--force]",
     "Draw a figure with the Python package (python3 -m cpnsim plot; docs/python.md): KIND is\n"
     "jct-cdf, wait-cdf (per --by, default policy), center-util, pool-util, link-util,\n"
     "link-heatmap, gantt (--center ID) or series (one series-ID.csv of a paper-table batch);\n"
     "the format follows FILE's extension (png, pdf, svg).  Needs python3 with h5py, pandas\n"
     "and matplotlib (CPNSIM_PYTHON names another interpreter).  An existing FILE is kept\n"
     "unless --force.\n"
     "Exit: 0 ok, 64 usage, 65 missing table or center, or nothing to plot, 66 unreadable\n"
     "trace, 69 no Python or module, 73 FILE exists.\n"},
    {"help", cmd_help, "help [COMMAND]", "Show general help or the help of one command.\n"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cpnsim [--quiet] [--log=SPEC] COMMAND [ARGS...]\n\n"
            "cpnsim %s: a discrete-event simulator of national compute power networks.\n\n"
            "Commands:\n",
            PACKAGE_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  cpnsim %s\n", commands[i].synopsis);
    fprintf(out, "\nGlobal options:\n"
                 "  -q, --quiet      no progress line and no summary on the terminal\n"
                 "  --log=SPEC       log levels: LEVEL or MODULE:LEVEL,... with LEVEL one of\n"
                 "                   error, warn, info, debug, trace (e.g. --log=flow:debug)\n"
                 "  -V, --version    print the version and exit\n"
                 "  -h, --help       this help; 'cpnsim help COMMAND' for one command\n"
                 "\nExit codes: 0 ok, 64 usage, 65 bad scenario or data, 66 missing input,\n"
                 "70 internal error, 73/74 output errors, 130 interrupted.\n");
}

static int cmd_help(struct cpn_cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    const struct command *c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr,
                "cpnsim: help: unknown command '%s' (commands: run, validate, batch, "
                "report, policies, info, plot, help)\n",
                argv[1]);
        return EX_USAGE;
    }
    printf("usage: cpnsim %s\n\n%s", c->synopsis, c->help);
    return 0;
}

int cpn_cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cpnsim: %s: ", command);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'cpnsim help %s')\n", command);
    va_end(ap);
    return EX_USAGE;
}

int cpn_cli_output_name(const char *command, const char *option, const char *value,
                        const char *what)
{
    if (!*value)
        return cpn_cli_usage_error(command, "%s \"\": give a %s name", option, what);
    if (strcmp(value, "-") == 0)
        return cpn_cli_usage_error(command,
                                   "%s -: give a %s name (the standard output is "
                                   "/dev/stdout)",
                                   option, what);
    if (value[0] == '-')
        return cpn_cli_usage_error(command,
                                   "%s %s: the %s name looks like an option (is the value of %s "
                                   "missing?); write ./%s for a %s of that name",
                                   option, value, what, option, value, what);
    return 0;
}

int cpn_cli_option_error(const char *command, char **argv, const char *optstring,
                         const struct option *longopts)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    if (strncmp(arg, "--", 2) == 0) {
        size_t n = strcspn(arg + 2, "=");
        const struct option *hit = NULL;
        int matches = 0;
        char names[512] = ""; /* the options it abbreviates */
        for (const struct option *o = longopts; o->name && !(hit && strlen(hit->name) == n); o++)
            if (strncmp(o->name, arg + 2, n) == 0) {
                hit = o;
                matches = strlen(o->name) == n ? 1 : matches + 1; /* an exact name wins */
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s--%s",
                         names[0] ? ", " : "", o->name);
            }
        if (matches == 0)
            return cpn_cli_usage_error(command, "unknown option %.*s", (int)(n + 2), arg);
        if (matches > 1)
            return cpn_cli_usage_error(command, "option %.*s is ambiguous (%s: spell it out)",
                                       (int)(n + 2), arg, names);
        if (hit->has_arg == no_argument && arg[2 + n] == '=')
            return cpn_cli_usage_error(command, "option --%s takes no value (got \"%s\")",
                                       hit->name, arg + 3 + n);
        return cpn_cli_usage_error(command, "option --%s needs a value", hit->name);
    }
    if (optopt && strchr(optstring, optopt))
        return cpn_cli_usage_error(command, "option -%c needs a value", optopt);
    if (optopt)
        return cpn_cli_usage_error(command, "unknown option -%c", optopt);
    return cpn_cli_usage_error(command, "unknown option %s", arg);
}

int main(int argc, char **argv)
{
    struct cpn_cli cli = {.quiet = 0, .log_spec = NULL};
    /* GSL's default error handler aborts; cpnsim checks what GSL returns instead (a failed
     * gsl_rng_alloc is CPN_ENOMEM), and checks its inputs before they reach GSL. */
    gsl_set_error_handler_off();
    static const struct option options[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"log", required_argument, NULL, 'L'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    /* '+': stop at the first non-option (the command); its options are its own. */
    while ((c = getopt_long(argc, argv, "+qVh", options, NULL)) != -1) {
        switch (c) {
        case 'q':
            cli.quiet = 1;
            break;
        case 'L':
            cli.log_spec = optarg;
            break;
        case 'V':
            printf("cpnsim %s\n", PACKAGE_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EX_USAGE;
        }
    }
    if (cli.log_spec) {
        struct cpn_log probe;
        cpn_log_init(&probe, NULL, NULL);
        if (cpn_log_parse(&probe, cli.log_spec) != CPN_OK) {
            fprintf(stderr, "cpnsim: --log=%s: %s\n", cli.log_spec, cpn_error_message());
            return EX_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EX_USAGE;
    }
    const struct command *cmd = find_command(argv[optind]);
    if (!cmd) {
        fprintf(stderr,
                "cpnsim: unknown command '%s' (commands: run, validate, batch, report, "
                "policies, info, plot, help)\n",
                argv[optind]);
        return EX_USAGE;
    }
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    optind = 0; /* reset getopt for the command's own options (GNU: 0 re-initialises) */
    opterr = 0; /* their mistakes are worded by cpn_cli_option_error() */
    return cmd->main(&cli, sub_argc, sub_argv);
}
