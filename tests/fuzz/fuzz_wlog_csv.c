/*
 * libFuzzer target for the column-mapped CSV reader (models/workload/wlog.h, format csv): any
 * byte string, read with a column map that uses every field (submit, start, end, units, group,
 * status lists) in one of the three time formats, must be read or refused with located errors,
 * never a crash, a hang, a leak or a sanitizer report.  When size / 6 is odd, the log is also
 * scanned and streamed as a streamed <trace> is, which must give what the read gives
 * (cpn_fuzz_stream_equals_read()).  Built and run by tests/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>

#include "models/workload/wlog.h"
#include "sim/diag.h"
#include "tests/fuzz/fuzz_file.h"
#include "tests/fuzz/fuzz_wlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = cpn_fuzz_file(data, size, ".log");
    if (!path)
        return 0;
    struct cpn_diag diag;
    cpn_diag_init(&diag, cpn_fuzz_sink());
    struct cpn_wlog_columns c = {.submit = "submitted",
                                 .start = "started",
                                 .end = "ended",
                                 .duration = size % 3 == 0 ? "duration" : NULL,
                                 .units = "gpus",
                                 .group = "queue",
                                 .status = "state",
                                 .completed = "COMPLETED",
                                 .failed = "FAILED,TIMEOUT",
                                 .cancelled = "CANCELLED",
                                 .time_format = (enum cpn_wlog_time_format)(size % 3)};
    struct cpn_wlog_options opt;
    cpn_wlog_options_default(&opt);
    opt.columns = &c;
    opt.on_error = size % 2 ? CPN_WLOG_SKIP : CPN_WLOG_FAIL; /* both paths */
    struct cpn_wlog *log = NULL;
    int rc = cpn_wlog_read(path, CPN_WLOG_CSV, &opt, &diag, &log);
    if ((size / 6) % 2)
        cpn_fuzz_stream_equals_read(path, CPN_WLOG_CSV, &opt, &diag, rc, log);
    cpn_wlog_free(log);
    return 0;
}
