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

/** `cpnsim run`: load a scenario, simulate it, write the outputs.  Returns the exit status. */
int cpn_cmd_run(struct cpn_cli *cli, int argc, char **argv);

/** `cpnsim batch EXPERIMENT.xml`: runs the sweep; returns the exit status. */
int cpn_cmd_batch(struct cpn_cli *cli, int argc, char **argv);

/** `cpnsim validate FILE...`: returns 0 when every file is valid, 65 otherwise (64 on usage). */
int cpn_cmd_validate(struct cpn_cli *cli, int argc, char **argv);

/** `cpnsim policies [--plugin PATH.so ...]`: list policies; 0, 64 usage, 66 bad plug-in. */
int cpn_cmd_policies(struct cpn_cli *cli, int argc, char **argv);

/** `cpnsim report RESULT.h5...`: tables of means and 95% confidence intervals (cli/report.c). */
int cpn_cmd_report(struct cpn_cli *cli, int argc, char **argv);

/** `cpnsim info RESULT.h5...`: what a trace file holds (cli/report.c). */
int cpn_cmd_info(struct cpn_cli *cli, int argc, char **argv);

#endif /* CPN_CLI_CLI_H */
