/**
 * @file cli/flows_out.h
 * @brief The `--flows-out` table of `cpnsim run`: one row per flow of `<traffic>`,
 *        `id,src,dst,bytes,start_time,finish_time`, in flow order (the loaded flows, then each
 *        streamed file's rows in file order), numbers in their shortest round-trip text
 *        (cli/numtext.h), finish_time empty for a flow that did not finish.
 *
 * Written after the run, in one pass: the loaded flows from the scenario, a streamed flow
 * file's rows (docs/scenario-format.md, "Streamed flow files") from the checked copy the load
 * made of them (a new reader from its first row: nothing is copied during the run), each with
 * its finish time, kept by the run (8 B a flow, models/net/traffic.h).
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

#endif /* CPN_CLI_FLOWS_OUT_H */
