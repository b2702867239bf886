/**
 * @file cli/cli.h
 * @brief Internal interface between the program's command files (cli/).
 *
 * These files are the program layer (DESIGN.md §2): they may use every other layer.  Nothing
 * in libcpn includes this header.
 */
#ifndef CPN_CLI_CLI_H
#define CPN_CLI_CLI_H

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sysexits.h> /* exit statuses by name: EX_USAGE, EX_SOFTWARE, ... */

/** The scenario `cpnsim run` uses when given no file (generated from scenarios/ at build time). */
extern const unsigned char cpn_default_scenario[];
/** Length of cpn_default_scenario [bytes]. */
extern const size_t cpn_default_scenario_len;

/** Global options shared by every command. */
struct cpn_cli {
    int quiet;            /**< --quiet: no progress line and no summary */
    const char *log_spec; /**< --log=SPEC, already checked, or NULL */
};

/**
 * Print `cpnsim: COMMAND: MESSAGE (see 'cpnsim help COMMAND')` on stderr.
 * @return 64 (EX_USAGE), for `return cpn_cli_usage_error(...)`.
 */
int cpn_cli_usage_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

struct option;

/**
 * The usage error for the option that getopt_long() (with opterr = 0) just refused by
 * returning '?': `unknown option --x`, `option --by needs a value`, `option --force takes no
 * value (got "1")`, `option --p is ambiguous (--policy, --plugin: spell it out)`, or the same
 * for a short option, worded from argv[optind - 1], optopt, @p optstring and @p longopts (those
 * given to getopt_long(): the short options are not all the long ones' values).  Printed as
 * cpn_cli_usage_error() prints.
 * @return 64 (EX_USAGE).
 */
int cpn_cli_option_error(const char *command, char **argv, const char *optstring,
                         const struct option *longopts);

/**
 * Check the value of an output option (@p option of @p command, e.g. "-o" of "run"): not empty,
 * and not looking like an option ("-o --force" would name a file "--force": the value was most
 * likely forgotten; "./--force" names such a file).  @p what is "file" or "folder".
 * @return 0 when acceptable; 64 (EX_USAGE) after cpn_cli_usage_error()'s message otherwise.
 */
int cpn_cli_output_name(const char *command, const char *option, const char *value,
                        const char *what);

/** `cpnsim run`: load a scenario, simulate it, write the outputs.  Returns the exit status. */
int cpn_cmd_run(struct cpn_cli *cli, int argc, char **argv);

/** `cpnsim batch EXPERIMENT.xml`: runs the sweep; returns the exit status. */
int cpn_cmd_batch(struct cpn_cli *cli, int argc, char **argv);

struct cpn_experiment;

/**
 * The table of published results and the sensitivity series of experiment @p e (cli/tables.c,
 * docs/paper-tables.md) from the results in @p dir: prints the Markdown table on @p out and
 * writes DIR/tables.md, DIR/tables.tex, DIR/tables.tsv and DIR/series-ID.csv (each whole or not
 * at all), then says so on stderr unless @p quiet.  Rows whose runs are missing or incomplete
 * say "incomplete", rows whose metric a result lacks "no such metric", rows whose published
 * figure is in another unit than their figure "unit mismatch".
 * @return 0; EX_DATAERR when a result lacks a row's or series' metric, or a row's published
 *         figure and its figure have different units (reported on stderr, the tables are
 *         written); EX_CANTCREAT or EX_IOERR when a file cannot be written; EX_SOFTWARE when out
 *         of memory.  Does nothing (0) without rows and series.
 */
int cpn_batch_tables(const struct cpn_experiment *e, const char *dir, FILE *out, int quiet);

/** `cpnsim validate FILE...`: returns 0 when every file is valid, 65 otherwise (64 on usage). */
int cpn_cmd_validate(struct cpn_cli *cli, int argc, char **argv);

/** `cpnsim policies [--plugin PATH.so ...]`: list policies; 0, 64 usage, 66 bad plug-in. */
int cpn_cmd_policies(struct cpn_cli *cli, int argc, char **argv);

/** `cpnsim report RESULT.h5...`: tables of means and 95% confidence intervals (cli/report.c). */
int cpn_cmd_report(struct cpn_cli *cli, int argc, char **argv);

/** `cpnsim info RESULT.h5...`: what a trace file holds (cli/report.c). */
int cpn_cmd_info(struct cpn_cli *cli, int argc, char **argv);

/**
 * `cpnsim plot KIND ...`: runs `python3 -m cpnsim plot KIND ...` of the Python package (the
 * installed copy under $(pkgdatadir)/python, else the source tree's python/), interpreter from
 * CPNSIM_PYTHON (default python3); returns only when it cannot be started: 69 (cli/plot.c).
 */
int cpn_cmd_plot(struct cpn_cli *cli, int argc, char **argv);

/**
 * The PYTHONPATH under which the Python package `cpnsim` is found: the installed package's
 * directory ($(pkgdatadir)/python), else the source tree's (a build that is not installed),
 * then the caller's PYTHONPATH if any (cli/plot.c).
 * @return a malloc'd string (the caller frees it), or NULL when out of memory.
 */
char *cpn_cli_python_path(void);

#endif /* CPN_CLI_CLI_H */
