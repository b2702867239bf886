/*
 * libFuzzer target for the swf workload-log reader (models/workload/wlog.h): any byte string
 * must be read or refused with located errors, never a crash, a hang, a leak or a sanitizer
 * report.  The input's size picks the variant: on-error skip or fail (size mod 2), and whether
 * the log is also scanned and streamed as a streamed <trace> is (size / 2 mod 2), which must
 * give what the read gives (cpn_fuzz_stream_equals_read()).  Built and run by tests/fuzz/run.sh.
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
    struct cpn_wlog_options opt;
    cpn_wlog_options_default(&opt);
    opt.on_error = size % 2 ? CPN_WLOG_SKIP : CPN_WLOG_FAIL; /* both paths */
    struct cpn_wlog *log = NULL;
    int rc = cpn_wlog_read(path, CPN_WLOG_SWF, &opt, &diag, &log);
    if ((size / 2) % 2)
        cpn_fuzz_stream_equals_read(path, CPN_WLOG_SWF, &opt, &diag, rc, log);
    cpn_wlog_free(log);
    return 0;
}
