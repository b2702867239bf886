/**
 * @file cli/policy_exec.h
 * @brief External-process policies: a scheduling policy in any language, driven over its
 *        standard input and output with one JSON object per line (docs/policy-protocol.md).
 *
 * `cpnsim run --policy-exec [NAME=]COMMAND` (and `cpnsim batch --policy-exec NAME=COMMAND`)
 * starts COMMAND with `/bin/sh -c` and makes it a policy like the built-ins: this module builds a
 * policy table (models/policy.h) whose callbacks turn each placement, migration question,
 * event and tick into a message, and each reply into a decision.  Only the command line starts
 * such a process, never a scenario file.
 *
 * Life cycle: cpn_exec_policy_new() (parse the option; nothing runs yet), register
 * cpn_exec_policy_ops() with cpn_policy_registry_add(); cpn_exec_policy_start() (spawn, hello,
 * the policy's hello) before cpn_policy_new() on the table and cpn_policy_bind() of the instance
 * to the object; the run; cpn_exec_policy_finish() (bye, then the process must exit 0);
 * cpn_exec_policy_free().
 *
 * Failures (all CPN_EPOLICY, exit 70, with the message number, the field and the value, and the
 * last lines the process wrote to its standard error): a reply that is not one JSON object, of
 * another type or message number, with a field of the wrong type, an unknown field or center, or
 * a decision models/policy.h refuses; a process that exits or closes its output; no reply within
 * the timeout.  An event or tick cannot fail the run where it happens (those callbacks return
 * nothing): the failure is kept and reported by the next placement or by finish.
 */
#ifndef CPN_CLI_POLICY_EXEC_H
#define CPN_CLI_POLICY_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "models/policy.h"
#include "output/summary.h"
#include "scenarios/load.h"

/** Version of the protocol this cpnsim speaks (the "protocol" field of both hellos). */
#define CPN_EXEC_PROTOCOL 1

/** Default time cpnsim waits for a reply or for the process to exit [s] (--policy-timeout). */
#define CPN_EXEC_TIMEOUT 30.0

/** One external policy process and the policy table that speaks to it. */
struct cpn_exec_policy;

/**
 * Check the value @p arg of @p option, "--policy-param" (NAME=VALUE, NAME [a-z0-9_]+) or
 * "--policy-timeout" (a positive time with a unit; its value in *timeout [s] when not NULL).
 * @return 0, or 64 after printing the command-line error of @p command ("run", "batch").
 */
int cpn_exec_option_check(const char *command, const char *option, const char *arg,
                          double *timeout);

/** Whether the @p len characters at @p s are a name of the protocol: [a-z0-9_]+. */
int cpn_exec_name_ok(const char *s, size_t len);

/**
 * Parse @p spec, "NAME=COMMAND" or "COMMAND" (NAME: [a-z0-9_]+, 1 to 63 characters; without it
 * the policy is named "exec"), and make the object; nothing is started.
 * @param timeout how long to wait for each reply and for the exit after bye [s], > 0.
 * @param out receives the object (free with cpn_exec_policy_free()).
 * @return CPN_OK; CPN_ERANGE when the command is empty or the name too long (message says
 *         what is accepted); CPN_ENOMEM.
 */
int cpn_exec_policy_new(const char *spec, double timeout, struct cpn_exec_policy **out);

/** Return the name the policy is known by (NAME, or "exec"). */
const char *cpn_exec_policy_name(const struct cpn_exec_policy *x);

/** Return the shell command of @p x. */
const char *cpn_exec_policy_command(const struct cpn_exec_policy *x);

/**
 * Return the policy table of @p x (lives as long as @p x): no parameters; place sends a place
 * message and reads the decision; tick_period, on_tick, on_event and migrate are set by
 * cpn_exec_policy_start() from what the process asks for in its hello.
 */
const struct cpn_policy_ops *cpn_exec_policy_ops(struct cpn_exec_policy *x);

struct cpn_rng;

/**
 * Start the process (`/bin/sh -c COMMAND`, its standard error kept in an unlinked temporary
 * file) and exchange the hellos: cpnsim's names the protocol version, the seed, the parameters,
 * the nodes, storage sites, links, centers and pools of @p s; the policy's gives the protocol
 * version, its subscriptions, its tick period, whether it migrates, and the random stream of
 * the draw each place message carries ("policy/STREAM", default "policy/NAME"; sim/rng.h).
 * @param s the loaded scenario (borrowed; must outlive the run's use of @p x).
 * @param streams the run's random streams (borrowed; outlive the run); NULL: no draws.
 * @param params params[n_params]: the --policy-param texts, "NAME=VALUE" as checked by
 *        cpn_exec_option_check() (borrowed for the call); VALUE goes to the hello as a JSON
 *        number when it is one whole (strtod), else as a string.
 * @return CPN_OK; CPN_EPOLICY when the process cannot be started, dies, times out or answers
 *         with a bad hello (message located as in the file comment); CPN_ENOMEM.
 */
int cpn_exec_policy_start(struct cpn_exec_policy *x, const struct cpn_scenario *s,
                          struct cpn_rng *streams, const char *const *params, size_t n_params);

/**
 * Return CPN_OK, or CPN_EPOLICY with its message when an event or tick message failed (the
 * process died or stopped reading): the run is then not complete.
 */
int cpn_exec_policy_check(const struct cpn_exec_policy *x);

/**
 * Send the bye (the time, the decisions made and the run's summary, every row of @p rows as
 * "name": value) and wait for the process to exit.
 * @param rows rows[n] (borrowed).
 * @return CPN_OK when the process exited 0 within the timeout; CPN_EPOLICY when an earlier
 *         event or tick failed, or the process exits otherwise or not in time (it is killed).
 */
int cpn_exec_policy_finish(struct cpn_exec_policy *x, double time, const struct cpn_metric *rows,
                           size_t n);

/** Return the decisions received so far (holds included) and, in *messages, the messages sent. */
uint64_t cpn_exec_policy_decisions(const struct cpn_exec_policy *x, uint64_t *messages);

/** Stop the process if it still runs (SIGTERM, then SIGKILL) and free @p x; accepts NULL. */
void cpn_exec_policy_free(struct cpn_exec_policy *x);

#endif /* CPN_CLI_POLICY_EXEC_H */
