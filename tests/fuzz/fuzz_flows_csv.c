/*
 * libFuzzer target for flows CSV files (`<flows file>`, scenarios/load_traffic.c): a fixed
 * scenario of four nodes reads the input as its flows file; any byte string must be read or
 * refused with located errors.  The input's size picks the variant (size mod 4): loaded or
 * streamed (stream="yes"), with or without paths="2".  A streamed file that loads is then read
 * back in full by a reader, as the run reads it (from its checked copy, or parsed again when the
 * copy could not be made), which must give exactly the rows the load counted.  Built and run by
 * tests/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "scenarios/load.h"
#include "sim/diag.h"
#include "sim/error.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read streamed file @p k of @p scen to its end; abort unless it gives the rows the load counted
 * (a fuzzing failure: the reader and the load disagree). */
static void read_back(struct cpn_scenario *scen, size_t k, struct cpn_diag *diag)
{
    struct cpn_scen_flow_reader *rd = NULL;
    if (cpn_scen_flow_reader_open(scen, k, diag, 1, &rd) != CPN_OK)
        abort();
    struct cpn_scen_flow f;
    size_t rows = 0;
    int more = 1, rc;
    while ((rc = cpn_scen_flow_reader_next(rd, &f, &more)) == CPN_OK && more)
        rows++;
    if (rc != CPN_OK || rows != scen->flowfiles.items[k].rows)
        abort();
    cpn_scen_flow_reader_free(rd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = cpn_fuzz_file(data, size, ".csv");
    if (!path)
        return 0;
    int streamed = (size / 2) % 2;
    char xml[1024];
    snprintf(xml, sizeof xml,
             "<cpnsim version=\"1\"><simulation until=\"1h\"/><topology>"
             "<node id=\"a\"/><node id=\"b\"/><node id=\"c\"/><node id=\"d\"/>"
             "<link id=\"ab\" a=\"a\" b=\"b\" capacity=\"10Gbps\" latency=\"1ms\"/>"
             "<link id=\"bc\" a=\"b\" b=\"c\" capacity=\"10Gbps\" latency=\"1ms\"/>"
             "<link id=\"cd\" a=\"c\" b=\"d\" capacity=\"10Gbps\" latency=\"1ms\"/>"
             "</topology><traffic><flows file=\"%s\"%s%s/></traffic></cpnsim>",
             path, size % 2 ? " paths=\"2\"" : "", streamed ? " stream=\"yes\"" : "");
    struct cpn_diag diag;
    cpn_diag_init(&diag, cpn_fuzz_sink());
    struct cpn_scen_options opt = {0};
    struct cpn_scenario *scen = NULL;
    if (cpn_scen_load_memory("fuzz.xml", xml, strlen(xml), &opt, &diag, &scen) == CPN_OK)
        for (size_t k = 0; k < scen->flowfiles.len; k++)
            read_back(scen, k, &diag);
    cpn_scen_free(scen);
    return 0;
}
