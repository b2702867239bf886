/*
 * libFuzzer target for experiment files (scenarios/experiment.h): any byte string must be read
 * or refused with located errors, never a crash, a hang, a leak or a sanitizer report.  Built
 * and run by tests/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>

#include "scenarios/experiment.h"
#include "sim/diag.h"
#include "sim/error.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = cpn_fuzz_file(data, size, ".xml");
    if (!path)
        return 0;
    struct cpn_diag diag;
    cpn_diag_init(&diag, cpn_fuzz_sink());
    struct cpn_experiment *e = NULL;
    if (cpn_experiment_load(path, NULL, &diag, &e) == CPN_OK) {
        struct cpn_exp_run r;
        for (size_t i = 0; i < cpn_experiment_runs(e) && i < 64; i++)
            cpn_experiment_run(e, i, &r);
    }
    cpn_experiment_free(e);
    return 0;
}
