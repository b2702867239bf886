/*
 * libFuzzer target for flows CSV files (`<flows file>`, scenarios/load_traffic.c): a fixed
 * scenario of four nodes reads the input as its flows file; any byte string must be read or
 * refused with located errors.  The input's size picks the variant (size mod 4): loaded or
 * streamed (stream="yes"), with or without paths="2" (refused streamed: a streamed file routes
 * each flow on one path).  A streamed file is compared with the same file loaded whole: a file
 * that loads whole, in start order, must load streamed; one that loads
 * streamed is read back in full by a reader, as the run reads it (from its checked copy), which
 * must give the rows the load counted and, when the file loads whole too (a streamed file's ids
 * are not checked for duplicates, so it may not), the loaded flows, row by row, field by field.
 * A difference aborts (a fuzzing failure).  Built and run by tests/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/net/route.h"
#include "scenarios/load.h"
#include "sim/diag.h"
#include "sim/error.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same route (both none, or the same directed links). */
static int same_route(const struct cpn_path *a, const struct cpn_path *b)
{
    if (!a || !b)
        return a == b;
    return a->src == b->src && a->dst == b->dst && a->hops == b->hops &&
           memcmp(a->dlinks, b->dlinks, a->hops * sizeof *a->dlinks) == 0;
}

/* Load @p csv as the flow file of the fixed scenario (@p paths: paths="2"; @p streamed:
 * stream="yes", else "no"). */
static int load(const char *csv, int paths, int streamed, struct cpn_diag *diag,
                struct cpn_scenario **out)
{
    char xml[1024];
    snprintf(xml, sizeof xml,
             "<cpnsim version=\"1\"><simulation until=\"1h\"/><topology>"
             "<node id=\"a\"/><node id=\"b\"/><node id=\"c\"/><node id=\"d\"/>"
             "<link id=\"ab\" a=\"a\" b=\"b\" capacity=\"10Gbps\" latency=\"1ms\"/>"
             "<link id=\"bc\" a=\"b\" b=\"c\" capacity=\"10Gbps\" latency=\"1ms\"/>"
             "<link id=\"cd\" a=\"c\" b=\"d\" capacity=\"10Gbps\" latency=\"1ms\"/>"
             "</topology><traffic><flows file=\"%s\"%s stream=\"%s\"/></traffic></cpnsim>",
             csv, paths ? " paths=\"2\"" : "", streamed ? "yes" : "no");
    struct cpn_scen_options opt = {0};
    *out = NULL;
    return cpn_scen_load_memory("fuzz.xml", xml, strlen(xml), &opt, diag, out);
}

/* Read streamed file 0 of @p s to its end; compare with @p loaded's flows when not NULL. */
static void read_back(struct cpn_scenario *s, const struct cpn_scenario *loaded,
                      struct cpn_diag *diag)
{
    struct cpn_scen_flow_reader *rd = NULL;
    if (s->flowfiles.len != 1 || cpn_scen_flow_reader_open(s, 0, diag, 1, &rd) != CPN_OK)
        abort();
    struct cpn_scen_flow f, g;
    size_t rows = 0;
    int more = 1, rc;
    while ((rc = cpn_scen_flow_reader_next(rd, &f, &more)) == CPN_OK && more) {
        if (loaded) {
            if (rows >= loaded->flows.len)
                abort();
            cpn_scen_flow_get(loaded, rows, &g);
            if (strcmp(f.id, g.id) != 0 || f.src != g.src || f.dst != g.dst ||
                memcmp(&f.size, &g.size, sizeof f.size) != 0 ||
                memcmp(&f.start, &g.start, sizeof f.start) != 0 || f.line != g.line ||
                f.path != g.path || f.k_paths != g.k_paths || !same_route(f.route, g.route))
                abort();
        }
        rows++;
    }
    if (rc != CPN_OK || rows != s->flowfiles.items[0].rows || (loaded && rows != loaded->flows.len))
        abort();
    cpn_scen_flow_reader_free(rd);
}

/* The loaded flows of @p s are in the order of their start times (as a streamed file must be). */
static int in_start_order(const struct cpn_scenario *s)
{
    for (size_t i = 1; i < s->flows.len; i++)
        if (s->flows.items[i].start < s->flows.items[i - 1].start)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = cpn_fuzz_file(data, size, ".csv");
    if (!path)
        return 0;
    int paths = size % 2, streamed = (size / 2) % 2;
    struct cpn_diag diag;
    cpn_diag_init(&diag, cpn_fuzz_sink());
    struct cpn_scenario *scen = NULL, *whole = NULL;
    int rc = load(path, paths, streamed, &diag, &scen);
    if (streamed) {
        int rw = load(path, paths, 0, &diag, &whole);
        if (paths ? rc == CPN_OK : rw == CPN_OK && rc != CPN_OK && in_start_order(whole))
            abort(); /* paths= splits are refused streamed; else what loads whole (in start
                      * order) loads streamed */
        if (rc == CPN_OK)
            read_back(scen, rw == CPN_OK ? whole : NULL, &diag);
    }
    cpn_scen_free(whole);
    cpn_scen_free(scen);
    return 0;
}
