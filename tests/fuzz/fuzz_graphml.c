/*
 * libFuzzer target for the GraphML import (scenarios/graphml.h): any byte string must be
 * imported or refused with located errors, never a crash, a hang, a leak or a sanitizer report.
 * Built and run by tests/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>

#include "models/net/topology.h"
#include "scenarios/graphml.h"
#include "sim/diag.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = cpn_fuzz_file(data, size, ".graphml");
    if (!path)
        return 0;
    struct cpn_diag diag;
    cpn_diag_init(&diag, cpn_fuzz_sink());
    struct cpn_graphml_options o;
    cpn_graphml_options_init(&o);
    o.link.capacity = 1e9;
    o.drop_unplaced = size % 2;
    struct cpn_topo *t = cpn_topo_new();
    if (t)
        (void)cpn_graphml_import(t, path, &o, &diag, NULL);
    cpn_topo_free(t);
    return 0;
}
