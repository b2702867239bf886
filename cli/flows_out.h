/**
 * @file cli/flows_out.h
 * @brief The `--flows-out` table of `cpnsim run`: one row per flow of `<traffic>`,
 *        `id,src,dst,bytes,start_time,finish_time`, in flow order (the loaded flows, then each
 *        streamed file's rows in file order), numbers in their shortest round-trip text
 *        (cli/numtext.h), finish_time empty for a flow that did not finish.
 *
 * A streamed flow file's rows (docs/scenario-format.md, "Streamed flow files") are not kept:
 * as the run reads each row, cpn_flows_out_streamed() copies what its line needs (id, nodes,
 * size, start) into a chunk, and a writer thread formats the chunks into a temporary spool file
 * per stream while the simulation goes on (so the formatting costs the run no time on a
 * machine with a second core).  cpn_flows_out_write() then joins the thread and writes the
 * table: the loaded flows, each spool's lines completed with their finish times, and the rows
 * the run did not reach, read from where the stream stopped.  Memory: the chunks (8 of
 * 256 KiB) plus 8 B per flow for the finish times (models/net/traffic.h).
 *
 * The writer thread reads only the scenario's node names (fixed during a run) and the copied
 * records.  When the thread cannot be started, rows are formatted on the caller's thread.
 */
#ifndef CPN_CLI_FLOWS_OUT_H
#define CPN_CLI_FLOWS_OUT_H

#include <stddef.h>

#include "models/net/traffic.h"
#include "scenarios/load.h"

struct cpn_flows_out;

/**
 * Start a table for @p scen with @p nstreams streamed files (scen->flowfiles): creates one
 * spool (tmpfile(3)) per stream and the writer thread when there are streams.
 * @param scen the scenario (borrowed; outlives the table).
 * @return CPN_OK; CPN_EIO when a spool cannot be created (the message gives the system's
 *         reason); CPN_ENOMEM.  *out is NULL on failure.
 */
int cpn_flows_out_new(const struct cpn_scenario *scen, size_t nstreams, struct cpn_flows_out **out);

/**
 * Keep streamed row @p f of stream @p k (read during the run, in file order) for the table.
 * Copies what the row's line needs; @p f may change after the call.
 * @return CPN_OK; CPN_EINVAL for a bad argument; CPN_ENOMEM.  A spool that cannot be written
 *         is reported by cpn_flows_out_write().
 */
int cpn_flows_out_streamed(struct cpn_flows_out *fo, size_t k, const struct cpn_scen_flow *f);

/**
 * Write the table to @p path (whole or not at all: output/atomic.h).  Stops the writer thread.
 * @param traffic the run's traffic, its finish times kept (keep_finish of
 *        cpn_traffic_new_from() for the loaded flows and of cpn_traffic_add_source() for each
 *        stream).
 * @param readers the streams' readers, where the run left them (nstreams of them), or NULL.
 * @param failed per stream, nonzero when its reader failed during the run: then nothing is
 *        written (its rows after the failure are unknown).
 * @return the process exit status: 0; EX_CANTCREAT when @p path exists without @p force or
 *         cannot be created; EX_IOERR when a spool or @p path cannot be written or read back;
 *         EX_DATAERR when a stream failed or a row read now is bad; EX_SOFTWARE when out of
 *         memory.  Errors are printed on stderr.
 */
int cpn_flows_out_write(struct cpn_flows_out *fo, const char *path, int force,
                        const struct cpn_traffic *traffic,
                        struct cpn_scen_flow_reader *const *readers, const int *failed);

/** Stop the writer thread if it runs, remove the spools and free the table; accepts NULL. */
void cpn_flows_out_free(struct cpn_flows_out *fo);

#endif /* CPN_CLI_FLOWS_OUT_H */
