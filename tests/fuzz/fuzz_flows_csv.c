/*
 * libFuzzer target for flows CSV files (`<flows file>`, scenarios/load_traffic.c): a fixed
 * scenario of four nodes reads the input as its flows file; any byte string must be read or
 * refused with located errors.  Built and run by tests/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>

#include "scenarios/load.h"
#include "sim/diag.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = cpn_fuzz_file(data, size, ".csv");
    if (!path)
        return 0;
    char xml[1024];
    snprintf(xml, sizeof xml,
             "<cpnsim version=\"1\"><simulation until=\"1h\"/><topology>"
             "<node id=\"a\"/><node id=\"b\"/><node id=\"c\"/><node id=\"d\"/>"
             "<link id=\"ab\" a=\"a\" b=\"b\" capacity=\"10Gbps\" latency=\"1ms\"/>"
             "<link id=\"bc\" a=\"b\" b=\"c\" capacity=\"10Gbps\" latency=\"1ms\"/>"
             "<link id=\"cd\" a=\"c\" b=\"d\" capacity=\"10Gbps\" latency=\"1ms\"/>"
             "</topology><traffic><flows file=\"%s\"%s/></traffic></cpnsim>",
             path, size % 2 ? " paths=\"2\"" : "");
    struct cpn_diag diag;
    cpn_diag_init(&diag, cpn_fuzz_sink());
    struct cpn_scen_options opt = {0};
    struct cpn_scenario *scen = NULL;
    (void)cpn_scen_load_memory("fuzz.xml", xml, strlen(xml), &opt, &diag, &scen);
    cpn_scen_free(scen);
    return 0;
}
