/* Suite "load": the scenario loader (scenarios/load.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/jobs/jobs.h"
#include "models/net/network.h"
#include "scenarios/load.h"
#include "sim/engine.h"
#include "sim/error.h"
#include "sim/rng.h"
#include "tests/unit/suites.h"

/* Close the stream; k->text then holds every line printed ("" when none). */
static const char *sink_close(struct cpn_test_sink *k)
{
    fclose(k->f);
    return k->text ? k->text : "";
}

static int load_text(const char *xml, const struct cpn_scen_options *opt, struct cpn_test_sink *k,
                     struct cpn_scenario **s)
{
    cpn_test_sink_open(k);
    int rc = cpn_scen_load_memory("mem.xml", xml, strlen(xml), opt, &k->diag, s);
    sink_close(k);
    return rc;
}

/* Load a file of the source tree; the messages are in k->text (free it). */
static int load_file(const char *relative, struct cpn_test_sink *k, struct cpn_scenario **s)
{
    cpn_test_sink_open(k);
    int rc = cpn_scen_load(cpn_test_srcpath(relative), NULL, &k->diag, s);
    sink_close(k);
    return rc;
}

static uint32_t link_of(const struct cpn_scenario *s, const char *id)
{
    uint32_t l = cpn_topo_find_link(s->topo, id);
    CU_ASSERT_FATAL(l != CPN_NONE);
    return l;
}

/* The loaded flow @p id, whole (in one of 8 buffers used in turn: a test may hold a few). */
static const struct cpn_scen_flow *flow_of(const struct cpn_scenario *s, const char *id)
{
    static struct cpn_scen_flow ring[8];
    static unsigned next;
    for (size_t i = 0; i < s->flows.len; i++)
        if (strcmp(cpn_scen_flow_id(s, i), id) == 0) {
            struct cpn_scen_flow *f = &ring[next++ % 8];
            cpn_scen_flow_get(s, i, f);
            return f;
        }
    CU_FAIL_FATAL("flow not found");
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */

static void test_tiny_builds_five_nodes_five_links_one_path_four_flows(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_file("scenarios/tiny.xml", &k, &s), CPN_OK);
    CU_ASSERT_STRING_EQUAL(k.text, "");
    CU_ASSERT_EQUAL(cpn_topo_node_count(s->topo), 5);
    CU_ASSERT_EQUAL(cpn_topo_link_count(s->topo), 5);
    CU_ASSERT_EQUAL(s->paths.len, 1);
    CU_ASSERT_EQUAL(s->flows.len, 4);
    CU_ASSERT_EQUAL(s->until, 3600.0); /* "1h" */
    CU_ASSERT_EQUAL(s->seed, 42);
    CU_ASSERT_EQUAL(s->sample, 10.0);
    CU_ASSERT_EQUAL(s->files.len, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(s->text, "<cpnsim version=\"1\">"));
    CU_ASSERT_EQUAL(strlen(s->text), s->text_len);
    free(k.text);
    cpn_scen_free(s);
}

static void test_tiny_link_attributes_are_converted_to_si(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_file("scenarios/tiny.xml", &k, &s), CPN_OK);
    /* sh-nx: latency from coordinates.  Great circle (haversine, R = 6371008.8 m) between
     * (31.23 N, 121.47 E) and (37.51 N, 105.19 E) = 1646231.9 m, computed independently with
     * Python's math module; x 1.5 (route factor) x 4.9e-9 s/m = 12.0998 ms. */
    const struct cpn_link *l = cpn_topo_link(s->topo, link_of(s, "sh-nx"));
    CPN_ASSERT_REL(l->latency, 0.0120998044, 1e-6);
    CPN_ASSERT_REL(l->capacity, 100e9 / 8, 1e-12); /* 100 Gbps = 12.5 GB/s */
    CPN_ASSERT_REL(l->loss, 1e-4, 1e-12);          /* "0.01%" */
    CU_ASSERT_EQUAL(l->kind, CPN_LINK_IP);
    CU_ASSERT_EQUAL(l->mtu, 1500); /* schema default "1500B" */
    /* sh-xa: 1500 km of fibre x 4.9 us/km = 7.35 ms, no route factor. */
    l = cpn_topo_link(s->topo, link_of(s, "sh-xa"));
    CPN_ASSERT_REL(l->latency, 7.35e-3, 1e-12);
    CU_ASSERT_EQUAL(l->kind, CPN_LINK_OPTICAL);
    /* nx-fabric: explicit latency and the RDMA settings. */
    l = cpn_topo_link(s->topo, link_of(s, "nx-fabric"));
    CPN_ASSERT_REL(l->latency, 50e-6, 1e-12);
    CPN_ASSERT_REL(l->buffer, 64e6, 1e-12); /* 64 MB, decimal prefix */
    CU_ASSERT_EQUAL(l->mtu, 4096);
    CU_ASSERT_EQUAL(l->flow_control, CPN_FC_PFC);
    CU_ASSERT_EQUAL(l->kind, CPN_LINK_RDMA);
    cpn_scen_free(s);
    free(k.text);
}

static void test_tiny_path_and_flows_are_resolved(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_file("scenarios/tiny.xml", &k, &s), CPN_OK);
    /* via-xian: sh-dc -> sh-r -> xa-r -> nx-r -> nx-dc, 4 hops, 50 us + 7.35 ms + 5.39 ms + 50 us.
     */
    CU_ASSERT_EQUAL(cpn_scen_find_path(s, "via-xian"), 0);
    CU_ASSERT_EQUAL(cpn_scen_find_path(s, "nope"), CPN_NONE);
    const struct cpn_path *p = s->paths.items[0].route;
    CU_ASSERT_EQUAL_FATAL(p != NULL, 1);
    CU_ASSERT_EQUAL(p->hops, 4);
    CPN_ASSERT_REL(p->latency, 12.84e-3, 1e-9);
    CU_ASSERT_EQUAL(s->paths.items[0].line, 33);
    const struct cpn_scen_flow *f = flow_of(s, "dataset");
    CU_ASSERT_EQUAL(f->path, 0);
    CU_ASSERT_STRING_EQUAL(s->transports.items[f->transport].id, "rdma-lossless");
    CU_ASSERT_EQUAL(f->src, cpn_topo_find_node(s->topo, "sh-dc"));
    CU_ASSERT_EQUAL(f->dst, cpn_topo_find_node(s->topo, "nx-dc"));
    CPN_ASSERT_REL(f->size, 10e9, 1e-12);
    f = flow_of(s, "backup"); /* defaults: start 0, shortest path, ideal, weight 1 */
    CU_ASSERT_EQUAL(f->path, CPN_NONE);
    CU_ASSERT_EQUAL(f->start, 0.0);
    CU_ASSERT_STRING_EQUAL(s->transports.items[f->transport].id, "ideal");
    CU_ASSERT_EQUAL(f->weight, 1.0);
    CU_ASSERT_EQUAL(f->line, 37);
    f = flow_of(s, "results");
    CU_ASSERT_EQUAL(f->start, 60.0); /* "1min" */
    CPN_ASSERT_REL(f->size, 1e12, 1e-12);
    CU_ASSERT_STRING_EQUAL(s->transports.items[f->transport].id, "tcp");
    CU_ASSERT_EQUAL(flow_of(s, "priority")->weight, 2.0);
    /* Kept compactly (40 B a flow and its id): the four flows' settings all differ (defaults;
     * path and transport; transport; weight), so each has its own spec. */
    CU_ASSERT_EQUAL(sizeof(struct cpn_scen_flowrow), 40);
    CU_ASSERT_EQUAL(s->flowspecs.len, 4);
    CU_ASSERT_EQUAL(s->flow_ids.len, strlen("backupdatasetresultspriority") + 4);
    cpn_scen_free(s);
    free(k.text);
}

static void test_includes_and_csv_rows_keep_their_own_file_and_line(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_file("tests/scenarios/ok/includes.xml", &k, &s), CPN_OK);
    CU_ASSERT_STRING_EQUAL(k.text, "");
    CU_ASSERT_EQUAL(cpn_topo_node_count(s->topo), 3);
    CU_ASSERT_EQUAL(cpn_topo_link_count(s->topo), 3);
    CU_ASSERT_EQUAL(cpn_topo_link(s->topo, link_of(s, "gz-bj"))->up, 0);
    CU_ASSERT_EQUAL(s->files.len, 4); /* main, inc/topology.xml, inc/traffic.xml, CSV */
    CU_ASSERT_EQUAL(s->seed, 7);
    CU_ASSERT_EQUAL(s->sample, 60.0); /* schema default "1min" */
    CU_ASSERT_EQUAL(s->flows.len, 4);
    const struct cpn_scen_flow *f = flow_of(s, "inline-1");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->file, "ok/inc/traffic.xml"));
    CU_ASSERT_EQUAL(f->line, 3);
    /* CSV rows, unsorted in the file: c2 on line 2, c1 on line 3, c3 on line 4. */
    f = flow_of(s, "c2");
    CU_ASSERT_PTR_NOT_NULL(strstr(f->file, "ok/inc/data/flows.csv"));
    CU_ASSERT_EQUAL(f->line, 2);
    CU_ASSERT_EQUAL(f->size, 5e9);
    CU_ASSERT_EQUAL(f->start, 12.5);
    CU_ASSERT_EQUAL(f->src, cpn_topo_find_node(s->topo, "shanghai"));
    CU_ASSERT_EQUAL(f->dst, cpn_topo_find_node(s->topo, "beijing"));
    CU_ASSERT_STRING_EQUAL(s->transports.items[f->transport].id, "ideal");
    CU_ASSERT_EQUAL(flow_of(s, "c1")->line, 3);
    CU_ASSERT_EQUAL(flow_of(s, "c3")->size, 0.0);
    CU_ASSERT_EQUAL(flow_of(s, "c3")->start, 600.0);
    /* The CSV rows share one spec (their file's settings), the inline flow has its own. */
    CU_ASSERT_EQUAL(s->flowspecs.len, 2);
    CU_ASSERT_EQUAL(s->flows.items[1].spec, s->flows.items[3].spec);
    CU_ASSERT_NOT_EQUAL(s->flows.items[0].spec, s->flows.items[1].spec);
    cpn_scen_free(s);
    free(k.text);
}

static void test_include_cycle_is_a_located_error(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL(load_file("tests/scenarios/bad/18-include-cycle.xml", &k, &s), CPN_ESCENARIO);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_EQUAL(k.diag.errors, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(k.text,
                                  "inc/cycle-b.xml:2: include: href \"../18-include-cycle.xml\" "
                                  "makes an include cycle"));
    free(k.text);
}

static const char two_nodes[] =
    "<cpnsim version=\"1\">\n"
    "  <simulation until=\"1h\"/>\n"
    "  <topology>\n"
    "    <node id=\"a\"/>\n"
    "    <node id=\"b\"/>\n"
    "    <link id=\"a-b\" a=\"a\" b=\"b\" capacity=\"10Gbps\" latency=\"1ms\"/>\n"
    "  </topology>\n"
    "</cpnsim>\n";

static void test_short_overrides_change_attributes_before_validation(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    const struct cpn_override ov[] = {{"link/a-b@capacity", "400Gbps", NULL},
                                      {"simulation@seed", "7", NULL},
                                      {"link@mtu", "9000B", NULL}};
    const struct cpn_scen_options opt = {.overrides = ov, .n_overrides = 3};
    CU_ASSERT_EQUAL_FATAL(load_text(two_nodes, &opt, &k, &s), CPN_OK);
    const struct cpn_link *l = cpn_topo_link(s->topo, 0);
    CPN_ASSERT_REL(l->capacity, 400e9 / 8, 1e-12);
    CU_ASSERT_EQUAL(l->mtu, 9000); /* an attribute that was absent is added */
    CU_ASSERT_EQUAL(s->seed, 7);
    cpn_scen_free(s);
    free(k.text);
}

static void test_xpath_override_sets_every_selected_attribute(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    const struct cpn_override ov[] = {{"//link[@id=\"a-b\"]/@capacity", "1Tbps", NULL},
                                      {"/cpnsim/simulation/@until", "2h", NULL}};
    const struct cpn_scen_options opt = {.overrides = ov, .n_overrides = 2};
    CU_ASSERT_EQUAL_FATAL(load_text(two_nodes, &opt, &k, &s), CPN_OK);
    CPN_ASSERT_REL(cpn_topo_link(s->topo, 0)->capacity, 1e12 / 8, 1e-12);
    CU_ASSERT_EQUAL(s->until, 7200.0);
    cpn_scen_free(s);
    free(k.text);
}

/* <simulation transport>: ideal when absent (the schema default); "tcp" through an override. */
static void test_simulation_transport_defaults_to_ideal_and_can_be_set(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_text(two_nodes, NULL, &k, &s), CPN_OK);
    CU_ASSERT_EQUAL(s->transport, CPN_TRANSPORT_IDEAL);
    cpn_scen_free(s);
    free(k.text);
    const struct cpn_override ov[] = {{"simulation@transport", "tcp", NULL}};
    const struct cpn_scen_options opt = {.overrides = ov, .n_overrides = 1};
    CU_ASSERT_EQUAL_FATAL(load_text(two_nodes, &opt, &k, &s), CPN_OK);
    CU_ASSERT_EQUAL(s->transport, CPN_TRANSPORT_TCP);
    cpn_scen_free(s);
    free(k.text);
    const struct cpn_override bad[] = {{"simulation@transport", "udp", NULL}};
    const struct cpn_scen_options opt2 = {.overrides = bad, .n_overrides = 1};
    CU_ASSERT_EQUAL(load_text(two_nodes, &opt2, &k, &s), CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(k.text, "transport"));
    free(k.text);
}

static void test_overrides_that_match_nothing_or_too_much_are_errors(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    const struct cpn_override ov[] = {{"link/nope@capacity", "1Gbps", NULL},
                                      {"node@lat", "10", "batch.xml:3"},
                                      {"//link", "1Gbps", NULL},
                                      {"//@nothing", "1", NULL},
                                      {"node", "1", NULL}};
    const struct cpn_scen_options opt = {.overrides = ov, .n_overrides = 5};
    CU_ASSERT_EQUAL(load_text(two_nodes, &opt, &k, &s), CPN_ESCENARIO);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_STRING_EQUAL(
        k.text,
        "cpnsim: --set link/nope@capacity=1Gbps: no <link> with id \"nope\" in mem.xml\n"
        "cpnsim: batch.xml:3: 2 <node> elements in mem.xml (name one with node/ID@lat, or use an "
        "XPath)\n"
        "cpnsim: --set //link=1Gbps: XPath \"//link\" selects <link>, not attributes (end it with "
        "/@ATTRIBUTE)\n"
        "cpnsim: --set //@nothing=1: XPath \"//@nothing\" selects no attribute in mem.xml\n"
        "cpnsim: --set node=1: target \"node\" is not accepted (use ELEMENT@ATTRIBUTE, "
        "ELEMENT/ID@ATTRIBUTE or an XPath starting with \"/\")\n");
    free(k.text);
}

/* A value an override gave is reported at its element's line, where the file shows another
 * value: the message names the override (of two overrides of one attribute, the later one, whose
 * value was loaded).  An error about an attribute no override touched gets no such note. */
static void test_an_overridden_value_in_error_names_its_override(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    const struct cpn_override ov[] = {{"simulation@until", "12 hours", NULL},
                                      {"//link/@capacity", "5 parsecs", NULL},
                                      {"link/a-b@latency", "1ms", "exp.xml:7"},
                                      {"simulation@bogus", "1", NULL}};
    const struct cpn_scen_options opt = {.overrides = ov, .n_overrides = 4};
    CU_ASSERT_EQUAL(load_text(two_nodes, &opt, &k, &s), CPN_ESCENARIO);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_STRING_EQUAL(
        k.text, "cpnsim: mem.xml:2: simulation: unknown attribute \"bogus\" (accepted: until, "
                "warmup, drain, seed, sample, transport, fibre-delay) (bogus is given by --set "
                "simulation@bogus=1)\n");
    free(k.text);
    const struct cpn_scen_options opt3 = {.overrides = ov, .n_overrides = 3};
    CU_ASSERT_EQUAL(load_text(two_nodes, &opt3, &k, &s), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(
        k.text,
        "cpnsim: mem.xml:2: simulation: until unit \"hours\" is not a time (use ns, us, ms, s, "
        "min, h or d) (until is given by --set simulation@until=12 hours)\n"
        "cpnsim: mem.xml:6: link \"a-b\": capacity unit \"parsecs\" is not a data rate (use "
        "bps, kbps, Mbps, Gbps, Tbps (or kbit/s, Gbit/s, Gb/s...) for bits; Bps, kBps, MBps, "
        "GBps (or kB/s, GB/s, GiB/s...) for bytes) (capacity is given by --set "
        "//link/@capacity=5 parsecs)\n");
    free(k.text);
    const struct cpn_override late[] = {{"link/a-b@capacity", "1Gbps", NULL},
                                        {"link/a-b@latency", "2ms", NULL},
                                        {"link/a-b@latency", "-1ms", "exp.xml:7"}};
    const struct cpn_scen_options opt2 = {.overrides = late, .n_overrides = 3};
    CU_ASSERT_EQUAL(load_text(two_nodes, &opt2, &k, &s), CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(k.text, "mem.xml:6: link \"a-b\": latency"));
    CU_ASSERT_PTR_NOT_NULL(strstr(k.text, "(latency is given by exp.xml:7)\n")); /* the later */
    CU_ASSERT_PTR_NULL(strstr(k.text, "latency is given by --set"));
    /* which replaced the earlier one's value, and said so */
    CU_ASSERT_PTR_NOT_NULL(strstr(k.text, "cpnsim: exp.xml:7: warning: replaces latency=\"2ms\" "
                                          "given by --set link/a-b@latency=2ms\n"));
    CU_ASSERT_PTR_NULL(strstr(k.text, "capacity is given"));
    free(k.text);
    /* A model's message words the attribute its own way ("latitude" for lat): noted too. */
    const struct cpn_override lat[] = {{"node/a@lat", "100", NULL}, {"node/a@lon", "0", NULL}};
    const struct cpn_scen_options opt4 = {.overrides = lat, .n_overrides = 2};
    CU_ASSERT_EQUAL(load_text(two_nodes, &opt4, &k, &s), CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(k.text, "mem.xml:4: node \"a\": latitude 100 is out of range "
                                          "(use -90 to 90 degrees) (lat is given by --set "
                                          "node/a@lat=100) (lon is given by --set "
                                          "node/a@lon=0)\n"));
    free(k.text);
}

static void test_override_split_keeps_xpath_predicates_in_the_target(void)
{
    size_t n = 0;
    CU_ASSERT_EQUAL(cpn_override_split("link/x@capacity=1Gbps", &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 15); /* strlen("link/x@capacity") */
    CU_ASSERT_EQUAL(cpn_override_split("//link[@id=\"x\"]/@capacity=1Gbps", &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 25);
    CU_ASSERT_EQUAL(cpn_override_split("//link[@id='a=b']/@x=y=z", &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 20); /* the value "y=z" keeps its '=' */
    CU_ASSERT_EQUAL(cpn_override_split("//a[@b=1", &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 6); /* unbalanced '[': the last '=', and the loader reports the XPath */
    CU_ASSERT_EQUAL(cpn_override_split("=1Gbps", &n), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_override_split("link/x@capacity", &n), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_override_split(NULL, &n), CPN_EINVAL);
}

static void test_invalid_xpath_is_reported_with_its_position(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    const struct cpn_override ov[] = {{"//link[@id", "1Gbps", NULL}};
    const struct cpn_scen_options opt = {.overrides = ov, .n_overrides = 1};
    CU_ASSERT_EQUAL(load_text(two_nodes, &opt, &k, &s), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(k.text, "cpnsim: --set //link[@id=1Gbps: invalid XPath \"//link[@id\": "
                                   "invalid predicate at character 11\n");
    free(k.text);
}

static void test_every_error_of_a_file_is_reported(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    const char *xml = "<cpnsim version=\"1\">\n"
                      "  <simulation until=\"1h\"/>\n"
                      "  <topology>\n"
                      "    <node id=\"a\" lat=\"91\" lon=\"0\"/>\n"
                      "    <node id=\"b\"/>\n"
                      "    <link id=\"l1\" a=\"a\" b=\"b\" capacity=\"10G\" latency=\"1ms\"/>\n"
                      "    <link id=\"l2\" a=\"a\" b=\"b\" capacity=\"1Gbps\" latency=\"1ms\" "
                      "loss=\"2\"/>\n"
                      "  </topology>\n"
                      "</cpnsim>\n";
    CU_ASSERT_EQUAL(load_text(xml, NULL, &k, &s), CPN_ESCENARIO);
    CU_ASSERT_EQUAL(k.diag.errors, 3);
    CU_ASSERT_STRING_EQUAL(
        k.text,
        "cpnsim: mem.xml:4: node \"a\": latitude 91 is out of range (use -90 to 90 degrees)\n"
        "cpnsim: mem.xml:6: link \"l1\": capacity \"10G\" has no unit (use e.g. \"10Gbps\" "
        "or \"1.25GB/s\")\n"
        "cpnsim: mem.xml:7: link \"l2\": loss \"2\" is not a ratio between 0 and 1 (use "
        "e.g. \"0.5\" or \"50%\")\n");
    free(k.text);
}

static void test_entity_bomb_and_external_entity_are_refused_before_expansion(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    const char *bomb =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE cpnsim [\n"
        " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
        " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
        " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
        " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
        " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
        " <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
        " <!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
        "]>\n"
        "<cpnsim version=\"1\"><simulation until=\"&g;\"/></cpnsim>\n";
    CU_ASSERT_EQUAL(load_text(bomb, NULL, &k, &s), CPN_ESCENARIO);
    CU_ASSERT_EQUAL(k.diag.errors, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(k.text, "mem.xml:2: DOCTYPE declarations are not allowed"));
    free(k.text);
    const char *xxe = "<!DOCTYPE cpnsim [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                      "<cpnsim version=\"1\"><simulation until=\"&x;\"/></cpnsim>\n";
    CU_ASSERT_EQUAL(load_text(xxe, NULL, &k, &s), CPN_ESCENARIO);
    CU_ASSERT_EQUAL(k.diag.errors, 1);
    CU_ASSERT_PTR_NULL(strstr(k.text, "root:")); /* nothing of /etc/passwd leaks */
    free(k.text);
}

static void test_garbage_and_empty_input_are_scenario_errors(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL(load_text("", NULL, &k, &s), CPN_ESCENARIO);
    CU_ASSERT(k.diag.errors >= 1);
    free(k.text);
    CU_ASSERT_EQUAL(load_text("\x01\x02<<>>&;\xff", NULL, &k, &s), CPN_ESCENARIO);
    CU_ASSERT(k.diag.errors >= 1);
    free(k.text);
    CU_ASSERT_EQUAL(load_text("<cpnsim version=\"1\"/>", NULL, &k, &s), CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(k.text, "no <simulation> element"));
    free(k.text);
}

static void test_missing_file_is_enoinput_and_null_arguments_einval(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = (struct cpn_scenario *)&k; /* must be reset to NULL */
    cpn_test_sink_open(&k);
    CU_ASSERT_EQUAL(cpn_scen_load("no/such/file.xml", NULL, &k.diag, &s), CPN_ENOINPUT);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_STRING_EQUAL(sink_close(&k),
                           "cpnsim: no/such/file.xml: cannot read: No such file or directory\n");
    free(k.text);
    CU_ASSERT_EQUAL(cpn_scen_load(NULL, NULL, &k.diag, &s), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_scen_load_memory("x", NULL, 3, NULL, &k.diag, &s), CPN_EINVAL);
    cpn_scen_free(NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Centers, workload, scheduler (tests/scenarios/ok/centers.xml)                               */

static uint32_t node_of(const struct cpn_scenario *s, const char *id)
{
    uint32_t n = cpn_topo_find_node(s->topo, id);
    CU_ASSERT_FATAL(n != CPN_NONE);
    return n;
}

static void test_centers_and_pools_are_converted_to_si(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_file("tests/scenarios/ok/centers.xml", &k, &s), CPN_OK);
    CU_ASSERT_STRING_EQUAL(k.text, "");
    CU_ASSERT_EQUAL_FATAL(s->centers.len, 2);
    CU_ASSERT_EQUAL_FATAL(s->pools.len, 3);
    const struct cpn_scen_center *c = &s->centers.items[0];
    CU_ASSERT_STRING_EQUAL(c->spec.id, "zhongwei-ai");
    CU_ASSERT_EQUAL(c->spec.kind, CPN_CENTER_AI);
    CU_ASSERT_EQUAL(c->spec.node, node_of(s, "ningxia-gw"));
    CPN_ASSERT_REL(c->spec.lat, 37.51, 1e-12); /* the node's coordinates */
    CPN_ASSERT_REL(c->spec.pue, 1.15, 1e-12);
    /* 1.8 CNY per GPU-hour / 3600 s = 0.0005 CNY per unit-second. */
    CPN_ASSERT_REL(c->spec.unit_price, 0.0005, 1e-12);
    /* 0.35 CNY/kWh and 0.35 kg/kWh over 3.6e6 J/kWh = 9.7222e-8 per J. */
    CPN_ASSERT_REL(c->spec.electricity_price, 0.35 / 3.6e6, 1e-12);
    CPN_ASSERT_REL(c->spec.carbon_intensity, 0.35 / 3.6e6, 1e-12);
    CPN_ASSERT_REL(c->spec.storage_capacity, 50e15, 1e-12);         /* 50 PB */
    CPN_ASSERT_REL(c->spec.storage_read_bandwidth, 5e10, 1e-12);    /* 400 Gbps / 8 */
    CPN_ASSERT_REL(c->spec.storage_write_bandwidth, 2.5e10, 1e-12); /* 200 Gbps / 8 */
    CU_ASSERT_EQUAL(c->spec.discipline, CPN_QUEUE_EASY);
    CU_ASSERT_EQUAL(c->spec.walltime, CPN_WALLTIME_KILL);
    CU_ASSERT_EQUAL(c->pool0, 0);
    CU_ASSERT_EQUAL(c->npools, 2);
    const struct cpn_scen_pool *p = &s->pools.items[0];
    CU_ASSERT_STRING_EQUAL(p->spec.name, "h100");
    CU_ASSERT_EQUAL(p->spec.units, 4096);
    CPN_ASSERT_REL(p->spec.flops, 989e12, 1e-12);
    /* The pool's peak: 4096 x 989 TFLOPS = 4.050944 EFLOP/s. */
    CPN_ASSERT_REL(p->spec.units * p->spec.flops, 4.050944e18, 1e-12);
    CPN_ASSERT_REL(p->spec.memory, 80e9, 1e-12);
    CU_ASSERT_STRING_EQUAL(p->spec.accelerator, "H100");
    CU_ASSERT_EQUAL(p->spec.idle_power, 90);
    CU_ASSERT_EQUAL(p->spec.peak_power, 700);
    CU_ASSERT_EQUAL(p->type, 0);
    CU_ASSERT_EQUAL(s->pools.items[1].type, 1); /* "cpu" */
    CU_ASSERT_EQUAL(s->pools.items[2].type, 1); /* "cpu" too: one unit type */
    CU_ASSERT_EQUAL_FATAL(s->pool_types.len, 2);
    CU_ASSERT_STRING_EQUAL(s->pool_types.items[0], "H100");
    CU_ASSERT_STRING_EQUAL(s->pool_types.items[1], "cpu");
    c = &s->centers.items[1];
    CU_ASSERT_EQUAL(c->spec.kind, CPN_CENTER_HPC); /* default */
    CU_ASSERT_EQUAL(c->spec.discipline, CPN_QUEUE_FCFS);
    CU_ASSERT_EQUAL(c->spec.walltime, CPN_WALLTIME_EXTEND);
    CU_ASSERT_EQUAL(c->spec.pue, 1);                       /* default */
    CPN_ASSERT_REL(c->spec.unit_price, 0.1 / 3600, 1e-12); /* 0.1 CNY/core-h */
    CU_ASSERT_EQUAL(c->spec.storage_capacity, 0);
    CU_ASSERT_EQUAL(c->pool0, 2);
    CU_ASSERT_EQUAL(c->npools, 1);
    CU_ASSERT_STRING_EQUAL(s->currency, "CNY");
    free(k.text);
    cpn_scen_free(s);
}

static void test_generators_get_arrivals_origins_and_distributions(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_file("tests/scenarios/ok/centers.xml", &k, &s), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(s->generators.len, 3);
    const struct cpn_generator_spec *g = &s->generators.items[0].spec;
    CU_ASSERT_STRING_EQUAL(g->id, "ai-train");
    CU_ASSERT_EQUAL(g->base.kind, CPN_JOB_TRAINING);
    /* rate 12/h = 1/300 per s; diurnal 0.5 -> sinusoid; phase 14 h = 50400 s. */
    CU_ASSERT_EQUAL(g->arrivals.kind, CPN_ARRIVAL_SINUSOID);
    CPN_ASSERT_REL(g->arrivals.rate, 1.0 / 300, 1e-12);
    CPN_ASSERT_REL(g->arrivals.amplitude, 0.5, 1e-12);
    CPN_ASSERT_REL(g->arrivals.phase, 50400, 1e-12);
    CU_ASSERT_EQUAL_FATAL(g->n_origins, 2);
    CU_ASSERT_EQUAL(g->origins[0], node_of(s, "beijing"));
    CU_ASSERT_EQUAL(g->origins[1], node_of(s, "shanghai"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(g->origin_weights);
    CU_ASSERT_EQUAL(g->origin_weights[0], 1); /* no weight given: 1 */
    CU_ASSERT_EQUAL(g->origin_weights[1], 2);
    /* choice(8:4,64:2,512:1): mean (8*4 + 64*2 + 512)/7 = 672/7 = 96 units. */
    CU_ASSERT_PTR_NOT_NULL_FATAL(g->units);
    CU_ASSERT_EQUAL(g->units->kind, CPN_DIST_CHOICE);
    CPN_ASSERT_REL(cpn_dist_mean(g->units), 96, 1e-12);
    CU_ASSERT_EQUAL(g->work->kind, CPN_DIST_LOGNORMAL);
    CU_ASSERT_EQUAL(g->work->a, 50);
    CU_ASSERT_PTR_NULL(g->duration);
    CPN_ASSERT_REL(cpn_dist_mean(g->bytes_in), 15.5e12, 1e-12); /* (1 TB + 30 TB) / 2 */
    CPN_ASSERT_REL(cpn_dist_mean(g->bytes_out), 100e9, 1e-12);
    CPN_ASSERT_REL(cpn_dist_mean(g->walltime_factor), 1.5, 1e-12);
    CPN_ASSERT_REL(cpn_dist_mean(g->deadline), 86400, 1e-12); /* exp(1d) */
    CU_ASSERT_PTR_NULL(g->walltime);
    CU_ASSERT_EQUAL(g->base.pool_type, 0); /* "H100" */
    CU_ASSERT_EQUAL(g->base.paths, 4);
    CU_ASSERT_EQUAL(g->base.center, CPN_NONE);
    g = &s->generators.items[1].spec;
    CU_ASSERT_EQUAL(g->base.kind, CPN_JOB_BATCH);
    CU_ASSERT_EQUAL(g->arrivals.kind, CPN_ARRIVAL_POISSON);
    CU_ASSERT_EQUAL(g->n_origins, 0);
    CU_ASSERT_EQUAL(g->base.origin, node_of(s, "shanghai"));
    CU_ASSERT_EQUAL(g->base.center, 1); /* <placement center="shanghai-hpc"/> */
    CPN_ASSERT_REL(g->base.ref_speed, 2.5e12, 1e-12);
    CU_ASSERT_EQUAL(g->max_jobs, 500);
    CPN_ASSERT_REL(cpn_dist_mean(g->duration), 7200, 1e-12);
    CU_ASSERT_PTR_NULL(g->work);
    g = &s->generators.items[2].spec;
    CU_ASSERT_EQUAL(g->base.kind, CPN_JOB_INGEST);
    CU_ASSERT_EQUAL(g->bytes_in->kind, CPN_DIST_PARETO);
    CU_ASSERT_EQUAL(g->bytes_in->a, 1e12);
    CU_ASSERT_EQUAL(g->bytes_in->b, 100e12);
    CU_ASSERT_PTR_NULL(g->units); /* absent: base.units = 1 */
    CU_ASSERT_EQUAL(g->base.units, 1);
    free(k.text);
    cpn_scen_free(s);
}

static void test_trace_keeps_the_window_and_maps_groups_to_origins(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_file("tests/scenarios/ok/centers.xml", &k, &s), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(s->wlogs.len, 1);
    const struct cpn_scen_wlog *t = &s->wlogs.items[0];
    const struct cpn_wlog *tr = t->spec.log;
    CU_ASSERT_STRING_EQUAL(t->spec.id, "sdsc");
    CU_ASSERT_PTR_NOT_NULL(strstr(t->path, "tests/scenarios/ok/data/small.swf"));
    CU_ASSERT_STRING_EQUAL(s->files.items[s->files.len - 1], t->path);
    /* window-end="1d": job 5 (submit 90000 s > 86400 s) is left out. */
    CU_ASSERT_EQUAL_FATAL(tr->njobs, 4);
    CU_ASSERT_EQUAL(t->spec.base.kind, CPN_JOB_BATCH); /* swf's default kind */
    CPN_ASSERT_REL(t->spec.base.ref_speed, 2.5e12, 1e-12);
    CPN_ASSERT_REL(cpn_dist_mean(t->spec.bytes_in), 1e9, 1e-12);
    CU_ASSERT_EQUAL(tr->jobs[2].units, 32); /* requested -1: allocated 32 */
    /* Partition 1 ("batch") -> beijing by its <map>; partition 2 ("debug") is unmapped ->
     * the default origin shanghai.  Jobs 1..4 are in partitions 1, 2, 1, 2. */
    uint32_t bj = node_of(s, "beijing"), sh = node_of(s, "shanghai");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t->spec.origins);
    CU_ASSERT_EQUAL(t->spec.origins[0], bj);
    CU_ASSERT_EQUAL(t->spec.origins[1], sh);
    CU_ASSERT_EQUAL(t->spec.origins[2], bj);
    CU_ASSERT_EQUAL(t->spec.origins[3], sh);
    free(k.text);
    cpn_scen_free(s);
}

static void test_scheduler_settings_are_checked_and_kept(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_file("tests/scenarios/ok/centers.xml", &k, &s), CPN_OK);
    const struct cpn_scen_scheduler *sch = &s->scheduler;
    CU_ASSERT_STRING_EQUAL(sch->policy, "earliest_finish");
    CU_ASSERT_PTR_EQUAL(sch->ops, &cpn_policy_earliest_finish);
    CU_ASSERT_EQUAL_FATAL(sch->params.len, 2);
    CU_ASSERT_STRING_EQUAL(sch->params.items[0].name, "overlap");
    CU_ASSERT_EQUAL(sch->params.items[0].value, 1);
    CU_ASSERT_STRING_EQUAL(sch->params.items[1].name, "path_overhead");
    CU_ASSERT_EQUAL(sch->params.items[1].value, 2); /* "2s", the parameter's unit is s */
    CU_ASSERT_EQUAL(sch->awareness.mode, CPN_AWARENESS_CENTRALIZED);
    CU_ASSERT_EQUAL(sch->awareness.period, 30);
    CPN_ASSERT_REL(sch->awareness.delay, 0.02, 1e-12);
    CU_ASSERT_PTR_NULL(sch->awareness.center_delay);
    CU_ASSERT(sch->line > 0);
    /* The settings are what cpn_policy_new() takes; overlap is parameter 2 of the table. */
    struct cpn_policy *p = NULL;
    CU_ASSERT_EQUAL_FATAL(cpn_policy_new(sch->ops, sch->params.items, sch->params.len, NULL,
                                         (uint32_t)s->centers.len, 3, &p),
                          CPN_OK);
    CU_ASSERT_EQUAL(cpn_policy_param_value(p, 2), 1);
    cpn_policy_free(p);
    free(k.text);
    cpn_scen_free(s);
}

static void test_without_scheduler_the_default_is_earliest_finish_with_oracle(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_file("scenarios/tiny.xml", &k, &s), CPN_OK);
    CU_ASSERT_STRING_EQUAL(s->scheduler.policy, CPN_SCEN_DEFAULT_POLICY);
    CU_ASSERT_PTR_EQUAL(s->scheduler.ops, &cpn_policy_earliest_finish);
    CU_ASSERT_EQUAL(s->scheduler.awareness.mode, CPN_AWARENESS_ORACLE);
    CU_ASSERT_EQUAL(s->scheduler.params.len, 0);
    CU_ASSERT_PTR_NULL(s->scheduler.file);
    CU_ASSERT_EQUAL(s->centers.len, 0);
    CU_ASSERT_EQUAL(s->generators.len, 0);
    CU_ASSERT_STRING_EQUAL(s->currency, "");
    free(k.text);
    cpn_scen_free(s);
}

/* A two-node scenario around the given centers/workload/scheduler text. */
static int load_parts(const char *parts, struct cpn_test_sink *k, struct cpn_scenario **s,
                      const struct cpn_scen_options *opt)
{
    char xml[4096];
    snprintf(xml, sizeof xml,
             "<cpnsim version=\"1\">\n"
             "  <simulation until=\"1d\" seed=\"5\"/>\n"
             "  <topology><node id=\"a\"/><node id=\"b\"/><node id=\"c\"/>\n"
             "    <link id=\"a-b\" a=\"a\" b=\"b\" capacity=\"1Gbps\" latency=\"1ms\"/>\n"
             "    <link id=\"b-c\" a=\"b\" b=\"c\" capacity=\"1Gbps\" latency=\"1ms\"/>\n"
             "  </topology>\n"
             "  <centers><center id=\"c1\" node=\"b\"><pool units=\"8\" per-unit=\"1TFLOPS\" "
             "accelerator=\"cpu\"/>"
             "</center></centers>\n"
             "%s\n"
             "</cpnsim>\n",
             parts);
    return load_text(xml, opt, k, s);
}

static void test_weighted_trace_origins_are_drawn_from_the_seed(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s1 = NULL, *s2 = NULL;
    char parts[1024];
    snprintf(parts, sizeof parts,
             "<workload><trace id=\"t\" format=\"swf\" file=\"%s\" origins=\"weighted\" "
             "accelerator=\"cpu\">"
             "<map node=\"a\" weight=\"1\"/><map node=\"c\" weight=\"0\"/><map node=\"b\"/>"
             "</trace></workload>",
             cpn_test_srcpath("tests/scenarios/ok/data/small.swf"));
    CU_ASSERT_EQUAL_FATAL(load_parts(parts, &k, &s1, NULL), CPN_OK);
    free(k.text);
    CU_ASSERT_EQUAL_FATAL(load_parts(parts, &k, &s2, NULL), CPN_OK);
    free(k.text);
    const struct cpn_scen_wlog *t1 = &s1->wlogs.items[0], *t2 = &s2->wlogs.items[0];
    CU_ASSERT_EQUAL_FATAL(t1->spec.log->njobs, 5);
    /* Weight 0 for c: every job comes from a or b; the same seed gives the same draws. */
    uint32_t c = node_of(s1, "c");
    for (size_t i = 0; i < 5; i++) {
        CU_ASSERT(t1->spec.origins[i] != c);
        CU_ASSERT_EQUAL(t1->spec.origins[i], t2->spec.origins[i]);
    }
    cpn_scen_free(s1);
    cpn_scen_free(s2);
}

static void test_scheduler_errors_are_located(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL(load_parts("<scheduler awareness=\"hybrid\" period=\"0\"/>\n"
                               "<scheduler/>",
                               &k, &s, NULL),
                    CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(k.text,
                           "cpnsim: mem.xml:8: scheduler: period is zero (awareness \"hybrid\" "
                           "needs the interval between state reports, e.g. period=\"30s\")\n"
                           "cpnsim: mem.xml:9: scheduler: given twice (first at line 8; a "
                           "scenario has one <scheduler>)\n");
    free(k.text);
    CU_ASSERT_EQUAL(load_parts("<scheduler policy=\"min_cost\"><param name=\"hold\" value=\"0\"/>"
                               "<param name=\"hold\" value=\"1\"/></scheduler>",
                               &k, &s, NULL),
                    CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(k.text, "cpnsim: mem.xml:8: param: parameter \"hold\" is given twice "
                                   "(give each parameter once)\n");
    free(k.text);
}

static void test_a_policy_registry_in_the_options_is_used(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    struct cpn_policy_registry *reg = cpn_policy_registry_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(reg);
    const struct cpn_scen_options opt = {.policies = reg};
    CU_ASSERT_EQUAL_FATAL(load_parts("<scheduler policy=\"balanced\"/>", &k, &s, &opt), CPN_OK);
    CU_ASSERT_PTR_EQUAL(s->scheduler.ops, cpn_policy_find(reg, "balanced"));
    free(k.text);
    cpn_scen_free(s);
    cpn_policy_registry_free(reg);
}

static void test_unbounded_unit_distributions_are_not_checked_at_load(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    /* exp(100) can exceed the 8-unit pool, but has no maximum: jobs drawn above 8 units are
     * rejected by the jobs layer at run time.  uniform(1,9) can: 9 > 8 is an error. */
    CU_ASSERT_EQUAL(
        load_parts("<workload><generator id=\"g\" origin=\"a\" rate=\"1/h\" accelerator=\"cpu\" "
                   "units=\"exp(100)\" duration=\"1h\"/>"
                   "<generator id=\"h\" origin=\"a\" rate=\"1/h\" accelerator=\"cpu\" "
                   "units=\"uniform(1,9)\" duration=\"1h\"/></workload>",
                   &k, &s, NULL),
        CPN_ESCENARIO);
    CU_ASSERT_EQUAL(k.diag.errors, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(k.text, "generator \"h\": units \"uniform(1,9)\" can ask for 9 "
                                          "units, more than any pool of accelerator \"cpu\" has"));
    free(k.text);
}

static void test_loaded_specs_are_accepted_by_the_jobs_layer(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_file("tests/scenarios/ok/centers.xml", &k, &s), CPN_OK);
    free(k.text);
    struct cpn_engine *eng = cpn_engine_new();
    struct cpn_rng *rng = cpn_rng_new(s->seed);
    struct cpn_network *net = NULL;
    struct cpn_jobs *jobs = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(s->router); /* built for the reachability checks */
    CU_ASSERT_EQUAL_FATAL(cpn_network_new(eng, s->topo, s->router, NULL, &net), CPN_OK);
    struct cpn_jobs_config cfg = {.engine = eng,
                                  .network = net,
                                  .topo = s->topo,
                                  .router = s->router,
                                  .awareness = s->scheduler.awareness,
                                  .rng = rng};
    CU_ASSERT_EQUAL_FATAL(cpn_jobs_new(&cfg, &jobs), CPN_OK);
    for (size_t i = 0; i < s->centers.len; i++) {
        const struct cpn_scen_center *c = &s->centers.items[i];
        struct cpn_pool_spec pools[4];
        CU_ASSERT_FATAL(c->npools <= 4);
        for (uint32_t p = 0; p < c->npools; p++)
            pools[p] = s->pools.items[c->pool0 + p].spec;
        uint32_t index = CPN_NONE;
        CU_ASSERT_EQUAL(cpn_jobs_add_center(jobs, &c->spec, pools, c->npools, &index), CPN_OK);
        CU_ASSERT_EQUAL(index, i);
    }
    /* The scenario's type numbering is the jobs layer's. */
    for (size_t t = 0; t < s->pool_types.len; t++)
        CU_ASSERT_EQUAL(cpn_jobs_pool_type(jobs, s->pool_types.items[t]), t);
    for (size_t i = 0; i < s->generators.len; i++)
        CU_ASSERT_EQUAL(cpn_jobs_add_generator(jobs, &s->generators.items[i].spec), CPN_OK);
    for (size_t i = 0; i < s->wlogs.len; i++)
        CU_ASSERT_EQUAL(cpn_jobs_add_wlog(jobs, &s->wlogs.items[i].spec), CPN_OK);
    cpn_jobs_free(jobs);
    cpn_network_free(net);
    cpn_rng_free(rng);
    cpn_engine_free(eng);
    cpn_scen_free(s);
}

/* The elements and attributes of the coupled models, read into the scenario by hand. */
static const char coupled_xml[] =
    "<cpnsim version=\"1\">\n"
    "  <simulation until=\"1d\" transport=\"rdma-dc\" fibre-delay=\"5us/km\"/>\n"
    "  <transport id=\"rdma-dc\" kind=\"rdma\" cc=\"dcqcn\" nic-rate=\"200Gbps\"/>\n"
    "  <transport id=\"tcp-3m\" kind=\"tcp\" window=\"3MiB\" eta=\"0.8\"/>\n"
    "  <topology>\n"
    "    <node id=\"a\" delay=\"1ms\"/><node id=\"b\"/><node id=\"c\"/>\n"
    "    <link id=\"ab\" a=\"a\" b=\"b\" capacity=\"100Gbps\" length=\"100km\"\n"
    "          flow-control=\"credit\" buffer=\"64MB\"/>\n"
    "    <link id=\"bc\" a=\"b\" b=\"c\" capacity=\"100Gbps\" length=\"100km\"\n"
    "          flow-control=\"credit\" buffer=\"64MB\"/>\n"
    "    <link id=\"ac\" a=\"a\" b=\"c\" capacity=\"100Gbps\" length=\"100km\"\n"
    "          flow-control=\"credit\" buffer=\"64MB\"/>\n"
    "    <path id=\"p1\" via=\"a b c\"/><path id=\"p2\" via=\"a c\"/>\n"
    "    <pathset id=\"srv6\" paths=\"p1:3 p2\"/>\n"
    "  </topology>\n"
    "  <centers>\n"
    "    <storage id=\"lake\" node=\"a\" read=\"40Gbps\" capacity=\"1PB\"/>\n"
    "    <center id=\"x\" node=\"b\" storage-write=\"10Gbps\">\n"
    "      <pool units=\"8\" per-unit=\"1TFLOPS\" accelerator=\"cpu\"/></center>\n"
    "    <center id=\"y\" node=\"c\"><pool units=\"8\" per-unit=\"1TFLOPS\" "
    "accelerator=\"cpu\"/></center>\n"
    "  </centers>\n"
    "  <workload>\n"
    "    <generator id=\"s\" kind=\"training\" rate=\"1/h\" origin=\"a\" units=\"4\" "
    "accelerator=\"cpu\"\n"
    "               duration=\"1h\" bytes-in=\"1TB\" dataset=\"lake\" access=\"stream\"\n"
    "               prefetch=\"10GB\" transport=\"tcp-3m\"/>\n"
    "    <generator id=\"t\" kind=\"training\" rate=\"1/h\" origin=\"a\" iterations=\"10\" "
    "accelerator=\"cpu\"\n"
    "               iteration-flop=\"1PFLOP\" mfu=\"45%\" parallelism=\"pp\"\n"
    "               activation-bytes=\"1GB\" overlap=\"0.5\" sync-every=\"4\"\n"
    "               intra-bandwidth=\"200Gbps\">\n"
    "      <placement center=\"x\" units=\"6\"/><placement center=\"y\" units=\"2\"/>\n"
    "    </generator>\n"
    "  </workload>\n"
    "  <traffic>\n"
    "    <flow id=\"f\" src=\"a\" dst=\"c\" size=\"1GB\" paths=\"srv6\" "
    "transport=\"rdma-lossless\"/>\n"
    "    <flow id=\"g\" src=\"a\" dst=\"c\" size=\"1GB\" paths=\"3\"/>\n"
    "  </traffic>\n"
    "  <headline id=\"u\" flow=\"f g\" per=\"10Gbps\"/>\n"
    "  <headline id=\"e\" metric=\"compute.training.efficiency.mean\" scale=\"100\"/>\n"
    "</cpnsim>\n";

static void test_transports_storage_pathsets_splits_and_headlines_are_read(void)
{
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_text(coupled_xml, NULL, &k, &s), CPN_OK);
    CU_ASSERT_STRING_EQUAL(k.text ? k.text : "", "");
    /* Profiles after the four built-ins; dcqcn's eta 0.9; the simulation's default. */
    CU_ASSERT_EQUAL_FATAL(s->transports.len, 6);
    const struct cpn_scen_transport *dc = &s->transports.items[4], *tcp = &s->transports.items[5];
    CU_ASSERT_STRING_EQUAL(dc->id, "rdma-dc");
    CU_ASSERT_EQUAL(dc->profile.kind, CPN_TRANSPORT_RDMA_LOSSLESS);
    CPN_ASSERT_REL(dc->profile.eta, 0.9, 0);
    CPN_ASSERT_REL(dc->profile.nic_rate, 25e9, 1e-12);
    CU_ASSERT_EQUAL(s->transport, 4);
    CPN_ASSERT_REL(tcp->profile.window, 3.0 * 1048576, 0);
    CPN_ASSERT_REL(tcp->profile.eta, 0.8, 0);
    /* Fibre at 5 us/km; node a's 1 ms delay: half on each of its links. */
    CPN_ASSERT_REL(cpn_topo_link(s->topo, link_of(s, "bc"))->latency, 100 * 5e-6, 1e-12);
    CPN_ASSERT_REL(cpn_topo_link(s->topo, link_of(s, "ab"))->latency, 100 * 5e-6 + 0.5e-3, 1e-12);
    /* The path set, its shares; the flows' splits and profiles. */
    CU_ASSERT_EQUAL_FATAL(s->pathsets.len, 1);
    CU_ASSERT_EQUAL(s->pathsets.items[0].n, 2);
    CPN_ASSERT_REL(s->pathsets.items[0].shares[0], 3, 0);
    CPN_ASSERT_REL(s->pathsets.items[0].shares[1], 1, 0);
    /* p2 takes the direct link (1 ms, node a's delay included, against 1.5 ms through b) */
    CU_ASSERT_EQUAL(s->pathsets.items[0].routes[0]->hops, 2);
    CU_ASSERT_EQUAL(s->pathsets.items[0].routes[1]->hops, 1);
    const struct cpn_scen_flow *f = flow_of(s, "f"), *g = flow_of(s, "g");
    CU_ASSERT(f->pathset == 0 && f->k_paths == 0 && f->transport == CPN_TRANSPORT_RDMA_LOSSLESS);
    CU_ASSERT(g->pathset == CPN_NONE && g->k_paths == 3 && g->transport == 0);
    /* Sites: the center's own (storage-write) first, then <storage>. */
    CU_ASSERT_EQUAL_FATAL(s->sites.len, 2);
    CU_ASSERT_STRING_EQUAL(s->sites.items[0].id, "x");
    CU_ASSERT_EQUAL(s->sites.items[0].center, 0);
    CPN_ASSERT_REL(s->sites.items[0].write, 1.25e9, 1e-12);
    CU_ASSERT_STRING_EQUAL(s->sites.items[1].id, "lake");
    CPN_ASSERT_REL(s->sites.items[1].read, 5e9, 1e-12);
    /* The streamed generator and the split, iterated one. */
    const struct cpn_job_spec *sb = &s->generators.items[0].spec.base;
    CU_ASSERT(sb->access == CPN_ACCESS_STREAM && sb->dataset_site == 1 && sb->transport == 5);
    CPN_ASSERT_REL(sb->prefetch, 10e9, 0);
    const struct cpn_job_spec *tb = &s->generators.items[1].spec.base;
    CU_ASSERT_EQUAL_FATAL(tb->n_split, 2);
    CU_ASSERT(tb->split_centers[0] == 0 && tb->split_centers[1] == 1);
    CU_ASSERT(tb->split_units[0] == 6 && tb->split_units[1] == 2 && tb->units == 8);
    CU_ASSERT(tb->training.iterations == 10 && tb->training.parallelism == CPN_PARALLEL_PP &&
              tb->training.sync_every == 4);
    CPN_ASSERT_REL(tb->training.mfu, 0.45, 1e-12);
    CPN_ASSERT_REL(tb->training.iteration_flop, 1e15, 0);
    CPN_ASSERT_REL(tb->training.intra_bandwidth, 25e9, 1e-12);
    /* Headlines: flows resolved to their indices; a scaled metric. */
    CU_ASSERT_EQUAL_FATAL(s->headlines.len, 2);
    CU_ASSERT(s->headlines.items[0].n_flows == 2 && s->headlines.items[0].flows[1] == 1);
    CPN_ASSERT_REL(s->headlines.items[0].per, 1.25e9, 1e-12);
    CU_ASSERT_STRING_EQUAL(s->headlines.items[1].metric, "compute.training.efficiency.mean");
    CPN_ASSERT_REL(s->headlines.items[1].scale, 100, 0);
    cpn_scen_free(s);
    free(k.text);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* The bytes and start_time columns of a flows file read numbers as cpn_units_parse_number()
 * reads them (the independent reference here): the same value, bit for bit, where it accepts
 * the text, an error where it does not.  The texts cover what a fast path could get wrong: signs,
 * -0, a lone point, exponents, DBL_MIN and below it, overflow, blanks, units, long digit
 * strings. */
static void test_flow_file_numbers_are_read_as_the_unit_parser_reads_them(void)
{
    static const char *const texts[] = {
        "0",
        "-0",
        "+0",
        "1e6",
        "1E6",
        "+5",
        ".5",
        "5.",
        "0.000",
        "12285485.662419379",
        "1.5495460647417109e-06",
        "2.2250738585072014e-308",
        "2.2250738585072009e-308",
        "1e-320",
        "-1",
        "-1e-300",
        "1e400",
        "1.7976931348623157e308",
        " 5",
        "5 ",
        "5MB",
        "1e",
        "e5",
        "",
        "nan",
        "inf",
        "0x10",
        "123456789012345678901234567890123456789012345678901234567890",
        "1234567890123456789012345678901234567890123456789012345678901234567890.5"};
    enum { N = sizeof texts / sizeof *texts };
    char dir[] = "/tmp/cpn-csvnum.XXXXXX", csv[64], xml[512];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(csv, sizeof csv, "%s/f.csv", dir);
    FILE *f = fopen(csv, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs("id,src,dst,bytes,start_time\n", f);
    for (int i = 0; i < N; i++) /* each text as bytes (start 0), then as start_time (bytes 1) */
        fprintf(f, "b%d,a,b,%s,0\ns%d,a,b,1,%s\n", i, texts[i], i, texts[i]);
    fclose(f);
    snprintf(xml, sizeof xml,
             "<cpnsim version=\"1\"><simulation until=\"1h\"/><topology><node id=\"a\"/>"
             "<node id=\"b\"/><link id=\"l\" a=\"a\" b=\"b\" capacity=\"1Gbps\" "
             "latency=\"1ms\"/></topology><traffic><flows file=\"%s\" stream=\"no\"/>"
             "</traffic></cpnsim>",
             csv);
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    int rc = load_text(xml, NULL, &k, &s);
    unsigned rejected = 0, worded = 0;
    double want[N];
    for (int i = 0; i < N; i++) {
        char why[256];
        if (cpn_units_parse_number(texts[i], 0, &want[i], why, sizeof why) != CPN_OK) {
            want[i] = NAN;
            rejected++;
            /* The row's message gives the reference's reason (before its " (" advice). */
            char *paren = strstr(why, " (");
            if (paren)
                *paren = '\0';
            char line[400];
            snprintf(line, sizeof line, ":%d: field 4 \"bytes\": %s (", 2 + 2 * i, why);
            worded += strstr(k.text, line) != NULL;
            snprintf(line, sizeof line, ":%d: field 5 \"start_time\": %s (", 3 + 2 * i, why);
            worded += strstr(k.text, line) != NULL;
        }
    }
    CU_ASSERT(rejected >= 10 && rejected < N); /* (both kinds are there) */
    CU_ASSERT_EQUAL(k.diag.errors, 2 * rejected);
    CU_ASSERT_EQUAL(worded, 2 * rejected);
    CU_ASSERT_EQUAL(rc, CPN_ESCENARIO);
    free(k.text);
    cpn_scen_free(s);
    /* Without the rejected rows the file loads; every value is the reference's, bit for bit. */
    f = fopen(csv, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs("id,src,dst,bytes,start_time\n", f);
    for (int i = 0; i < N; i++)
        if (!isnan(want[i]))
            fprintf(f, "b%d,a,b,%s,0\ns%d,a,b,1,%s\n", i, texts[i], i, texts[i]);
    fclose(f);
    s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_text(xml, NULL, &k, &s), CPN_OK);
    /* Only the warning that the rows of starts after until (1e6 s and the like) never start:
     * one line, nothing else. */
    const char *nl = strchr(k.text, '\n');
    CU_ASSERT_PTR_NOT_NULL(strstr(k.text, "rows start after until (1 h): they never start\n"));
    CU_ASSERT(nl && nl[1] == '\0');
    free(k.text);
    int same = 0;
    for (int i = 0; i < N; i++) {
        if (isnan(want[i]))
            continue;
        char id[16];
        snprintf(id, sizeof id, "b%d", i);
        double got = flow_of(s, id)->size;
        same += memcmp(&got, &want[i], sizeof got) == 0;
        snprintf(id, sizeof id, "s%d", i);
        got = flow_of(s, id)->start;
        same += memcmp(&got, &want[i], sizeof got) == 0;
    }
    CU_ASSERT_EQUAL(same, 2 * (N - (int)rejected));
    cpn_scen_free(s);
    unlink(csv);
    rmdir(dir);
}

/* A Philly log's jobs are training jobs when the <trace> gives no kind, so the iteration model
 * applies to them (it was refused: "iterations are for kind=training (this source has kind
 * batch)", checked before the format's kind was known); an SWF log's are batch jobs, refused. */
static void test_a_trace_takes_its_formats_kind_before_the_iteration_model(void)
{
    char dir[] = "/tmp/cpn-kind.XXXXXX", csv[64], swf[64], xml[1024];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(csv, sizeof csv, "%s/p.csv", dir);
    snprintf(swf, sizeof swf, "%s/j.swf", dir);
    write_text(csv, "timestamp,duration,num_gpus,gpu_time,cluster\n"
                    "2017-10-09 06:13:03,2951.0,2,5902.0,6214e9\n");
    write_text(swf, "1 0 0 100 2 -1 -1 2 200 -1 1 1 1 1 1 -1 -1 -1\n");
    for (int k2 = 0; k2 < 2; k2++) {
        snprintf(xml, sizeof xml,
                 "<cpnsim version=\"1\"><simulation until=\"1d\"/><topology><node id=\"a\"/>"
                 "</topology><centers><center id=\"c\" node=\"a\"><pool units=\"8\" "
                 "per-unit=\"1TFLOPS\" accelerator=\"gpu\"/></center></centers><workload>"
                 "<trace id=\"t\" format=\"%s\" file=\"%s\" origin=\"a\" "
                 "accelerator=\"gpu\" iterations=\"10\" iteration-flop=\"1e15FLOP\"/>"
                 "</workload></cpnsim>",
                 k2 ? "swf" : "philly", k2 ? swf : csv);
        struct cpn_test_sink k;
        struct cpn_scenario *s = NULL;
        int rc = load_text(xml, NULL, &k, &s);
        if (k2 == 0) {
            CU_ASSERT_EQUAL_FATAL(rc, CPN_OK);
            CU_ASSERT_STRING_EQUAL(k.text, "");
            CU_ASSERT_EQUAL_FATAL(s->wlogs.len, 1);
            CU_ASSERT_EQUAL(s->wlogs.items[0].spec.base.kind, CPN_JOB_TRAINING);
            CU_ASSERT_EQUAL(s->wlogs.items[0].spec.base.training.iterations, 10);
        } else {
            CU_ASSERT_EQUAL(rc, CPN_ESCENARIO);
            CU_ASSERT_PTR_NOT_NULL(strstr(k.text, "mem.xml:1: trace \"t\": iterations are for "
                                                  "kind=\"training\" (this source has kind "
                                                  "\"batch\")"));
        }
        free(k.text);
        cpn_scen_free(s);
    }
    unlink(csv);
    unlink(swf);
    rmdir(dir);
}

/* A flows CSV and a tariff table saved with a UTF-8 byte order mark before the header (as
 * spreadsheets save CSV; workload logs already skip one) load as without it, loaded and
 * streamed: the same rows, no message. */
static void test_csv_files_with_a_byte_order_mark_load_as_without_it(void)
{
    char dir[] = "/tmp/cpn-bom.XXXXXX", csv[64], tariffs[64], xml[1024];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(csv, sizeof csv, "%s/f.csv", dir);
    snprintf(tariffs, sizeof tariffs, "%s/t.csv", dir);
    write_text(csv, "\xEF\xBB\xBF"
                    "id,src,dst,bytes,start_time\nx,a,b,1e6,0\ny,b,a,2e6,1.5\n");
    write_text(tariffs, "\xEF\xBB\xBF"
                        "time,electricity,carbon\n0h,0.3CNY/kWh,0.2kg/kWh\n10h,,0.6kg/kWh\n");
    for (int streamed = 0; streamed < 2; streamed++) {
        snprintf(xml, sizeof xml,
                 "<cpnsim version=\"1\"><simulation until=\"1d\"/><topology><node id=\"a\"/>"
                 "<node id=\"b\"/><link id=\"l\" a=\"a\" b=\"b\" capacity=\"1Gbps\" "
                 "latency=\"1ms\"/></topology><centers><center id=\"c\" node=\"a\" "
                 "electricity=\"0.3CNY/kWh\" carbon=\"0.2kg/kWh\"><pool units=\"1\" "
                 "per-unit=\"1TFLOPS\" accelerator=\"cpu\" idle=\"0W\" peak=\"100W\"/></center>"
                 "</centers><traffic><flows file=\"%s\" stream=\"%s\"/></traffic><timeline>"
                 "<tariffs center=\"c\" file=\"%s\"/></timeline></cpnsim>",
                 csv, streamed ? "yes" : "no", tariffs);
        struct cpn_test_sink k;
        struct cpn_scenario *s = NULL;
        CU_ASSERT_EQUAL_FATAL(load_text(xml, NULL, &k, &s), CPN_OK);
        CU_ASSERT_STRING_EQUAL(k.text, "");
        free(k.text);
        CU_ASSERT_EQUAL(cpn_scen_flow_count(s), 2);
        CU_ASSERT_EQUAL(s->flows.len, streamed ? 0 : 2);
        CU_ASSERT_EQUAL_FATAL(s->changes.len, 2); /* the table's two rows */
        CU_ASSERT_EQUAL(s->changes.items[1].time, 36000);
        CPN_ASSERT_REL(s->changes.items[1].value2, 0.6 / 3.6e6, 1e-15); /* [kg/J] */
        cpn_scen_free(s);
    }
    unlink(csv);
    unlink(tariffs);
    rmdir(dir);
}

/* Slips that load but would not give what was meant: a route listed twice in a path set (an
 * error: the flow would take two fair shares of it), a prefetch that holds the whole input, an
 * elastic ask where no link has an elastic budget, a PUE above 3 (warnings); and their
 * neighbours that are said nothing. */
static void test_slips_that_would_not_give_what_was_meant_are_said(void)
{
    static const char *const head =
        "<cpnsim version=\"1\"><simulation until=\"1d\"/><topology><node id=\"a\"/>"
        "<node id=\"b\"/><node id=\"c\"/>"
        "<link id=\"ab\" a=\"a\" b=\"b\" capacity=\"1Gbps\" latency=\"1ms\"/>"
        "<link id=\"bc\" a=\"b\" b=\"c\" capacity=\"1Gbps\" latency=\"1ms\"/>"
        "<link id=\"ac\" a=\"a\" b=\"c\" capacity=\"1Gbps\" latency=\"1ms\"%s/>"
        "<path id=\"direct\" via=\"a c\"/><path id=\"also\" via=\"a c\"/>"
        "<path id=\"via-b\" via=\"a b c\"/><pathset id=\"set\" paths=\"%s\"/></topology>"
        "<centers><storage id=\"lake\" node=\"a\" read=\"40Gbps\"/><center id=\"dc\" node=\"c\""
        "%s><pool units=\"8\" per-unit=\"1TFLOPS\" accelerator=\"gpu\"/></center></centers>"
        "<workload><generator id=\"g\" kind=\"training\" rate=\"1/h\" origin=\"a\" units=\"8\" "
        "duration=\"1h\" ref-speed=\"1TFLOPS\" bytes-in=\"%s\" dataset=\"lake\" "
        "access=\"stream\" prefetch=\"%s\" elastic=\"8x1Gbps\" accelerator=\"gpu\">"
        "<placement center=\"dc\"/></generator></workload></cpnsim>";
    struct cases {
        const char *elastic, *paths, *pue, *bytes_in, *prefetch;
        int rc;
        const char *text;
    } cases[] = {
        /* nothing to say */
        {" elastic=\"64x1Gbps\"", "direct:3 via-b:1", " pue=\"3\"", "30TB", "29TB", CPN_OK, ""},
        {" elastic=\"64x1Gbps\"", "direct:3 via-b:1 direct:1", "", "30TB", "1GB", CPN_ESCENARIO,
         "cpnsim: mem.xml:1: pathset \"set\": paths: path \"direct\" is listed twice (list it "
         "once, with the sum of its shares)\n"},
        {" elastic=\"64x1Gbps\"", "direct also", "", "30TB", "1GB", CPN_ESCENARIO,
         "cpnsim: mem.xml:1: pathset \"set\": paths: path \"also\" takes the same route as path "
         "\"direct\" (list the route once, with the sum of their shares)\n"},
        {" elastic=\"64x1Gbps\"", "direct", "", "30TB", "30TB", CPN_OK,
         "cpnsim: mem.xml:1: warning: generator \"g\": prefetch \"30TB\" holds the input whole "
         "(bytes-in \"30TB\": 3e+13 B), so each is staged before its job starts and nothing "
         "streams (give a prefetch below the input, or access=\"stage\")\n"},
        {" elastic=\"64x1Gbps\"", "direct", "", "uniform(1TB,20TB)", "20TB", CPN_OK,
         "cpnsim: mem.xml:1: warning: generator \"g\": prefetch \"20TB\" holds the largest input "
         "whole (bytes-in \"uniform(1TB,20TB)\", at most 2e+13 B), so each is staged before its "
         "job starts and nothing streams (give a prefetch below the input, or "
         "access=\"stage\")\n"},
        /* an unbounded input may be larger than any prefetch: nothing to say */
        {" elastic=\"64x1Gbps\"", "direct", "", "exp(1TB)", "20TB", CPN_OK, ""},
        {"", "direct", "", "30TB", "1GB", CPN_OK,
         "cpnsim: mem.xml:1: warning: generator \"g\": elastic \"8x1Gbps\": no link has an "
         "elastic budget, so every ask is refused (give a link of the input's path "
         "elastic=\"COUNTxRATE\", e.g. elastic=\"64x1Gbps\")\n"},
        {" elastic=\"64x1Gbps\"", "direct", " pue=\"15\"", "30TB", "1GB", CPN_OK,
         "cpnsim: mem.xml:1: warning: center \"dc\": pue \"15\" is above 3, beyond any surveyed "
         "data center (their mean is 1.58, Uptime Institute 2023): a slip of the decimal "
         "point?\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char xml[4096];
        snprintf(xml, sizeof xml, head, cases[i].elastic, cases[i].paths, cases[i].pue,
                 cases[i].bytes_in, cases[i].prefetch);
        struct cpn_test_sink k;
        struct cpn_scenario *s = NULL;
        CU_ASSERT_EQUAL(load_text(xml, NULL, &k, &s), cases[i].rc);
        CU_ASSERT_STRING_EQUAL(k.text, cases[i].text);
        if (strcmp(k.text, cases[i].text) != 0)
            fprintf(stderr, "case %zu: %s", i, k.text);
        free(k.text);
        cpn_scen_free(s);
    }
}

/* The 3 rows of test_a_streamed_flow_file_is_read_during_the_run()'s file, read from @p rd. */
static void expect_streamed_rows(struct cpn_scenario *s, struct cpn_scen_flow_reader *rd)
{
    const char *ids[3] = {"x", "y", "z"};
    const double sizes[3] = {1e6, 2e6, 0}, starts[3] = {0, 1.5, 1.5};
    const long lines[3] = {2, 3, 5};
    struct cpn_scen_flow f;
    int more = 0;
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL_FATAL(cpn_scen_flow_reader_next(rd, &f, &more), CPN_OK);
        CU_ASSERT_EQUAL_FATAL(more, 1);
        CU_ASSERT_STRING_EQUAL(f.id, ids[i]);
        CU_ASSERT_EQUAL(f.size, sizes[i]);
        CU_ASSERT_EQUAL(f.start, starts[i]);
        CU_ASSERT_EQUAL(f.line, lines[i]);
        CU_ASSERT_EQUAL(f.src, cpn_topo_find_node(s->topo, i == 1 ? "b" : "a"));
        CU_ASSERT_EQUAL(f.dst, cpn_topo_find_node(s->topo, i == 1 ? "a" : "b"));
        CU_ASSERT_EQUAL(f.path, CPN_NONE);
    }
    CU_ASSERT_EQUAL(cpn_scen_flow_reader_next(rd, &f, &more), CPN_OK);
    CU_ASSERT_EQUAL(more, 0);
}

static void test_a_streamed_flow_file_is_read_during_the_run(void)
{
    /* stream="yes": the rows are checked at load and kept in a checked copy, not in memory; a
     * reader gives them in file order from the copy, whatever becomes of the file.  Without the
     * copy (TMPDIR a missing folder: a warning), readers parse the file again, and a file
     * changed after the load is an error at the changed row's line. */
    char dir[] = "/tmp/cpn-stream.XXXXXX", csv[64], xml[512];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(csv, sizeof csv, "%s/f.csv", dir);
    const char *original =
        "id,src,dst,bytes,start_time\nx,a,b,1e6,0\ny,b,a,2e6,1.5\n\nz,a,b,0,1.5\n";
    write_text(csv, original);
    snprintf(xml, sizeof xml,
             "<cpnsim version=\"1\"><simulation until=\"1h\"/><topology><node id=\"a\"/>"
             "<node id=\"b\"/><link id=\"l\" a=\"a\" b=\"b\" capacity=\"1Gbps\" "
             "latency=\"1ms\"/></topology><traffic><flow id=\"i\" src=\"a\" dst=\"b\" "
             "size=\"1MB\"/><flows file=\"%s\" stream=\"yes\"/></traffic></cpnsim>",
             csv);
    struct cpn_test_sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_text(xml, NULL, &k, &s), CPN_OK);
    CU_ASSERT_STRING_EQUAL(k.text, "");
    free(k.text);
    CU_ASSERT_EQUAL(s->flows.len, 1); /* the inline flow only */
    CU_ASSERT_EQUAL_FATAL(s->flowfiles.len, 1);
    CU_ASSERT_EQUAL(s->flowfiles.items[0].rows, 3);
    CU_ASSERT_EQUAL(s->flowfiles.items[0].first, 1); /* after the loaded flow */
    CU_ASSERT_EQUAL(cpn_scen_flow_count(s), 4);
    CU_ASSERT(s->flowfiles.items[0].copy_fd >= 0);
    cpn_test_sink_open(&k);
    struct cpn_scen_flow_reader *rd = NULL, *rd2 = NULL;
    CU_ASSERT_EQUAL_FATAL(cpn_scen_flow_reader_open(s, 0, &k.diag, 1, &rd), CPN_OK);
    expect_streamed_rows(s, rd);
    cpn_scen_flow_reader_free(rd);
    /* The copy: the file changed, then gone, changes nothing; two readers read on their own. */
    write_text(csv, "id,src,dst,bytes,start_time\nx,a,b,1e6,0\ny,b,zz,2e6,1.5\n");
    CU_ASSERT_EQUAL_FATAL(cpn_scen_flow_reader_open(s, 0, &k.diag, 1, &rd), CPN_OK);
    remove(csv);
    CU_ASSERT_EQUAL_FATAL(cpn_scen_flow_reader_open(s, 0, &k.diag, 1, &rd2), CPN_OK);
    struct cpn_scen_flow f;
    int more = 0;
    CU_ASSERT_EQUAL(cpn_scen_flow_reader_next(rd2, &f, &more), CPN_OK);
    CU_ASSERT_STRING_EQUAL(f.id, "x");
    expect_streamed_rows(s, rd);
    cpn_scen_flow_reader_free(rd);
    cpn_scen_flow_reader_free(rd2);
    const char *text = sink_close(&k);
    CU_ASSERT_STRING_EQUAL(text, "");
    free(k.text);
    /* A copy cut short under the run (rows of 40 bytes, the id and its NUL: 42 each): an I/O
     * error (exit 74), not a scenario error, whether the cut is inside a row or between rows
     * (the reader knows the size it was written with). */
    static const struct {
        off_t keep;
        int good;
    } cut[] = {{50, 1}, {42, 1}, {0, 0}};
    for (size_t i = 0; i < sizeof cut / sizeof *cut; i++) {
        CU_ASSERT_EQUAL_FATAL(ftruncate(s->flowfiles.items[0].copy_fd, cut[i].keep), 0);
        cpn_test_sink_open(&k);
        CU_ASSERT_EQUAL_FATAL(cpn_scen_flow_reader_open(s, 0, &k.diag, 1, &rd), CPN_OK);
        for (int j = 0; j < cut[i].good; j++) {
            CU_ASSERT_EQUAL(cpn_scen_flow_reader_next(rd, &f, &more), CPN_OK);
            CU_ASSERT_EQUAL(more, 1);
        }
        CU_ASSERT_EQUAL(cpn_scen_flow_reader_next(rd, &f, &more), CPN_EIO);
        CU_ASSERT_EQUAL(more, 0);
        const char *why = strstr(cpn_error_message(), "f.csv");
        CU_ASSERT_PTR_NOT_NULL_FATAL(why);
        CU_ASSERT_STRING_EQUAL(
            why, "f.csv: cannot read the checked copy of its rows back: it ends early");
        cpn_scen_flow_reader_free(rd);
        sink_close(&k);
        free(k.text);
    }
    cpn_scen_free(s);

    /* Without the copy. */
    write_text(csv, original);
    const char *tmpdir = getenv("TMPDIR");
    char *saved = tmpdir ? strdup(tmpdir) : NULL;
    setenv("TMPDIR", "/nonexistent-cpn-test-folder", 1);
    s = NULL;
    int loaded = load_text(xml, NULL, &k, &s);
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    CU_ASSERT_EQUAL_FATAL(loaded, CPN_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(k.text, "f.csv: warning: cannot keep the checked copy of its "
                                          "rows in /nonexistent-cpn-test-folder: No such file"));
    free(k.text);
    CU_ASSERT_EQUAL_FATAL(s->flowfiles.len, 1);
    CU_ASSERT_EQUAL(s->flowfiles.items[0].copy_fd, -1);
    cpn_test_sink_open(&k);
    CU_ASSERT_EQUAL_FATAL(cpn_scen_flow_reader_open(s, 0, &k.diag, 1, &rd), CPN_OK);
    expect_streamed_rows(s, rd);
    cpn_scen_flow_reader_free(rd);
    /* Changed after the load: an unknown node on line 3, then rows out of order on line 3. */
    const char *changed[2] = {"id,src,dst,bytes,start_time\nx,a,b,1e6,0\ny,b,zz,2e6,1.5\n",
                              "id,src,dst,bytes,start_time\nx,a,b,1e6,2\ny,b,a,2e6,1.5\n"};
    for (int c = 0; c < 2; c++) {
        write_text(csv, changed[c]);
        CU_ASSERT_EQUAL_FATAL(cpn_scen_flow_reader_open(s, 0, &k.diag, 1, &rd), CPN_OK);
        CU_ASSERT_EQUAL(cpn_scen_flow_reader_next(rd, &f, &more), CPN_OK);
        CU_ASSERT_EQUAL(cpn_scen_flow_reader_next(rd, &f, &more), CPN_ESCENARIO);
        CU_ASSERT_EQUAL(more, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "f.csv:3"));
        cpn_scen_flow_reader_free(rd);
    }
    /* Shorter or longer than at load. */
    write_text(csv, "id,src,dst,bytes,start_time\nx,a,b,1e6,0\ny,b,a,2e6,1.5\n");
    CU_ASSERT_EQUAL_FATAL(cpn_scen_flow_reader_open(s, 0, &k.diag, 1, &rd), CPN_OK);
    CU_ASSERT_EQUAL(cpn_scen_flow_reader_next(rd, &f, &more), CPN_OK);
    CU_ASSERT_EQUAL(cpn_scen_flow_reader_next(rd, &f, &more), CPN_OK);
    CU_ASSERT_EQUAL(cpn_scen_flow_reader_next(rd, &f, &more), CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(
        cpn_error_message(), "f.csv:3: the file ends after this line, with 2 rows, not the 3"));
    cpn_scen_flow_reader_free(rd);
    write_text(csv, "id,src,dst,bytes,start_time\nx,a,b,1,0\ny,b,a,2,1\nz,a,b,3,2\nw,a,b,4,3\n");
    CU_ASSERT_EQUAL_FATAL(cpn_scen_flow_reader_open(s, 0, &k.diag, 1, &rd), CPN_OK);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(cpn_scen_flow_reader_next(rd, &f, &more), CPN_OK);
    CU_ASSERT_EQUAL(cpn_scen_flow_reader_next(rd, &f, &more), CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "f.csv:5: the file has more rows"));
    cpn_scen_flow_reader_free(rd);
    text = sink_close(&k);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "f.csv:3: field 3 \"dst\": node \"zz\" is not defined"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(text, "f.csv:3: start_time 1.5 s comes before the previous row's"));
    free(k.text);
    /* Gone: the reader cannot open it. */
    remove(csv);
    CU_ASSERT_EQUAL(cpn_scen_flow_reader_open(s, 0, &k.diag, 1, &rd), CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "cannot read it any more"));
    rmdir(dir);
    cpn_scen_free(s);
}

int cpn_test_register_load(void)
{
    CU_pSuite s = CU_add_suite("load", NULL, NULL);
    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "transports, storage, path sets, splits and headlines are read",
                     test_transports_storage_pathsets_splits_and_headlines_are_read) ||
        !CU_add_test(s, "tiny.xml builds 5 nodes, 5 links, 1 path, 4 flows",
                     test_tiny_builds_five_nodes_five_links_one_path_four_flows) ||
        !CU_add_test(s, "tiny.xml link attributes are converted to SI (derived latency by hand)",
                     test_tiny_link_attributes_are_converted_to_si) ||
        !CU_add_test(s, "tiny.xml path and flows are resolved with defaults",
                     test_tiny_path_and_flows_are_resolved) ||
        !CU_add_test(s, "included files and CSV rows keep their own file and line",
                     test_includes_and_csv_rows_keep_their_own_file_and_line) ||
        !CU_add_test(s, "an include cycle is a located error",
                     test_include_cycle_is_a_located_error) ||
        !CU_add_test(s, "simulation transport defaults to ideal and can be set",
                     test_simulation_transport_defaults_to_ideal_and_can_be_set) ||
        !CU_add_test(s, "short overrides change attributes before validation",
                     test_short_overrides_change_attributes_before_validation) ||
        !CU_add_test(s, "an XPath override sets every selected attribute",
                     test_xpath_override_sets_every_selected_attribute) ||
        !CU_add_test(s, "overrides that match nothing or too much are errors",
                     test_overrides_that_match_nothing_or_too_much_are_errors) ||
        !CU_add_test(s, "a trace takes its format's kind before the iteration model",
                     test_a_trace_takes_its_formats_kind_before_the_iteration_model) ||
        !CU_add_test(s, "an overridden value in error names its override",
                     test_an_overridden_value_in_error_names_its_override) ||
        !CU_add_test(s, "--set splitting keeps XPath predicates in the target",
                     test_override_split_keeps_xpath_predicates_in_the_target) ||
        !CU_add_test(s, "an invalid XPath is reported with its position",
                     test_invalid_xpath_is_reported_with_its_position) ||
        !CU_add_test(s, "every error of a file is reported",
                     test_every_error_of_a_file_is_reported) ||
        !CU_add_test(s, "entity bomb and external entity are refused before expansion",
                     test_entity_bomb_and_external_entity_are_refused_before_expansion) ||
        !CU_add_test(s, "garbage and empty input are scenario errors",
                     test_garbage_and_empty_input_are_scenario_errors) ||
        !CU_add_test(s, "a missing file is CPN_ENOINPUT, NULL arguments CPN_EINVAL",
                     test_missing_file_is_enoinput_and_null_arguments_einval) ||
        !CU_add_test(s, "centers and pools are converted to SI (1.8 CNY/GPUh = 0.0005 CNY/unit-s)",
                     test_centers_and_pools_are_converted_to_si) ||
        !CU_add_test(s, "generators get their arrivals, origins and distributions",
                     test_generators_get_arrivals_origins_and_distributions) ||
        !CU_add_test(s, "a trace keeps its window and maps groups to origins",
                     test_trace_keeps_the_window_and_maps_groups_to_origins) ||
        !CU_add_test(s, "scheduler settings are checked and kept in their units",
                     test_scheduler_settings_are_checked_and_kept) ||
        !CU_add_test(s, "without <scheduler> the policy is earliest_finish with oracle awareness",
                     test_without_scheduler_the_default_is_earliest_finish_with_oracle) ||
        !CU_add_test(s, "weighted trace origins are drawn from the scenario seed",
                     test_weighted_trace_origins_are_drawn_from_the_seed) ||
        !CU_add_test(s, "scheduler errors are located (zero period, twice, repeated param)",
                     test_scheduler_errors_are_located) ||
        !CU_add_test(s, "a policy registry given in the options is used",
                     test_a_policy_registry_in_the_options_is_used) ||
        !CU_add_test(s, "unbounded unit distributions are not checked at load, bounded ones are",
                     test_unbounded_unit_distributions_are_not_checked_at_load) ||
        !CU_add_test(s, "the loaded centers and sources are accepted by the jobs layer",
                     test_loaded_specs_are_accepted_by_the_jobs_layer) ||
        !CU_add_test(s,
                     "a streamed flow file is read during the run from its checked copy (or again)",
                     test_a_streamed_flow_file_is_read_during_the_run) ||
        !CU_add_test(s, "CSV files with a UTF-8 byte order mark load as without it",
                     test_csv_files_with_a_byte_order_mark_load_as_without_it) ||
        !CU_add_test(s, "flow file numbers are read as the unit parser reads them",
                     test_flow_file_numbers_are_read_as_the_unit_parser_reads_them) ||
        !CU_add_test(s,
                     "slips that would not give what was meant are said (path set, prefetch, "
                     "elastic, PUE)",
                     test_slips_that_would_not_give_what_was_meant_are_said))
        return CU_get_error();
    return CUE_SUCCESS;
}
