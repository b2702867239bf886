/*
 * libFuzzer target for the scenario loader: any byte string must give CPN_OK or a located error,
 * never a crash, a hang, a leak or a sanitizer report.
 *
 * Build and run with tests/fuzz/run.sh (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scenarios/load.h"
#include "sim/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    struct cpn_diag diag;
    cpn_diag_init(&diag, sink);
    struct cpn_scen_options opt = {0};
    struct cpn_scenario *scen = NULL;
    (void)cpn_scen_load_memory("fuzz.xml", (const char *)data, size, &opt, &diag, &scen);
    cpn_scen_free(scen);
    return 0;
}
