/**
 * @file cli/flows_out.h
 * @brief The `--flows-out` table of `cpnsim run`: one row per flow of `<traffic>`,
 *        `id,src,dst,bytes,start_time,finish_time`, in flow order (the loaded flows, then each
 *        streamed file's rows in file order), numbers in their shortest round-trip text
 *        (cli/numtext.h), finish_time empty for a flow that did not finish.
 *
 * Written in one pass: the loaded flows from the scenario, a streamed flow file's rows
 * (docs/scenario-format.md, "Streamed flow files") from the checked copy the load made of them
 * (a new reader from its first row), each with its finish time, kept by the run (8 B a flow,
 * models/net/traffic.h).  Either during the run, on a thread of its own
 * (cpn_flows_out_begin(): each row as soon as its flow and every flow before it in its part
 * have finished, so that the formatting runs on another core beside the simulation and only
 * the rows of flows still moving at the end are left for after it), or after it
 * (cpn_flows_out_write()).  The bytes are the same either way.
 */
#ifndef CPN_CLI_FLOWS_OUT_H
#define CPN_CLI_FLOWS_OUT_H

#include "models/net/traffic.h"
#include "scenarios/load.h"
#include "sim/diag.h"

/**
 * Write the table of @p scen's flows to @p path (whole or not at all: output/atomic.h).
 * @param diag where a streamed file's row that went bad since the load is reported (a file
 *        without a checked copy, read again: cpn_scen_flow_reader_next()).
 * @param traffic the run's traffic, its finish times kept (keep_finish of
 *        cpn_traffic_new_from() for the loaded flows and of cpn_traffic_add_source() for each
 *        stream).
 * @param failed per streamed file (scen->flowfiles), nonzero when its reader failed during the
 *        run: then nothing is written (the run stopped there); NULL: none failed.
 * @return the process exit status: 0; EX_CANTCREAT when @p path exists without @p force or
 *         cannot be created; EX_IOERR when @p path cannot be written or a streamed file's
 *         checked copy cannot be read back; EX_DATAERR when a stream failed or a row read now
 *         (a file without a copy) is bad; EX_SOFTWARE when out of memory.  Errors are printed
 *         on stderr.
 */
int cpn_flows_out_write(struct cpn_scenario *scen, struct cpn_diag *diag, const char *path,
                        int force, const struct cpn_traffic *traffic, const int *failed);

/** A table being written during the run (cpn_flows_out_begin()). */
struct cpn_flows_out;

/**
 * Start writing the table of @p scen's flows to a temporary file beside @p path on a thread of
 * its own, while the run goes on (call after the traffic and its streamed sources are set up,
 * before the engine runs).  The thread reads only @p scen's flows, its topology's node ids,
 * the streamed files' checked copies (each through a reader of its own) and @p traffic's
 * finish times below cpn_traffic_settled(): nothing the run changes.
 * @return the writer, or NULL when the table cannot be written during the run: @p path is a
 *         device or FIFO (written straight to, after the summary, as before), a streamed file
 *         has no checked copy (its reader would share the load's tables with the run), or
 *         @p path is refused or cannot be created, memory or a thread is lacking; the caller
 *         then writes the table after the run with cpn_flows_out_write(), which reports any
 *         error.
 */
struct cpn_flows_out *cpn_flows_out_begin(struct cpn_scenario *scen, const char *path, int force,
                                          const struct cpn_traffic *traffic);

/**
 * After a run that reached its end: write the rows left (the flows that had not finished when
 * the run ended, and every one after them), then publish the table under @p path (the name
 * given to cpn_flows_out_begin()) as cpn_flows_out_write() does.  When the writer failed (a
 * checked copy that cannot be read back) or a stream failed (@p failed), its file is dropped
 * and the table is written again with cpn_flows_out_write(), which reports the error.  Frees
 * @p fo.
 * @return as cpn_flows_out_write().
 */
int cpn_flows_out_end(struct cpn_flows_out *fo, struct cpn_diag *diag, const char *path, int force,
                      const struct cpn_traffic *traffic, const int *failed);

/**
 * Stop @p fo's writer at once and remove its temporary file (a run that did not reach its
 * end: its table is then written as NAME.partial by cpn_flows_out_write()).  Frees @p fo;
 * accepts NULL.
 */
void cpn_flows_out_cancel(struct cpn_flows_out *fo);

#endif /* CPN_CLI_FLOWS_OUT_H */
