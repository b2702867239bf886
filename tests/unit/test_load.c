/* Suite "load": the scenario loader (scenarios/load.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/load.h"
#include "sim/error.h"
#include "tests/unit/suites.h"

/* A diagnostic sink writing into memory, so tests can read the messages. */
struct sink {
    struct cpn_diag diag;
    FILE *f;
    char *text;
    size_t len;
};

static void sink_open(struct sink *k)
{
    k->text = NULL;
    k->len = 0;
    k->f = open_memstream(&k->text, &k->len);
    cpn_diag_init(&k->diag, k->f);
}

/* Close the stream; k->text then holds every line printed ("" when none). */
static const char *sink_close(struct sink *k)
{
    fclose(k->f);
    return k->text ? k->text : "";
}

static int load_text(const char *xml, const struct cpn_scen_options *opt, struct sink *k,
                     struct cpn_scenario **s)
{
    sink_open(k);
    int rc = cpn_scen_load_memory("mem.xml", xml, strlen(xml), opt, &k->diag, s);
    sink_close(k);
    return rc;
}

/* Load a file of the source tree; the messages are in k->text (free it). */
static int load_file(const char *relative, struct sink *k, struct cpn_scenario **s)
{
    sink_open(k);
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

static const struct cpn_scen_flow *flow_of(const struct cpn_scenario *s, const char *id)
{
    for (size_t i = 0; i < s->flows.len; i++)
        if (strcmp(s->flows.items[i].id, id) == 0)
            return &s->flows.items[i];
    CU_FAIL_FATAL("flow not found");
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */

static void test_tiny_builds_five_nodes_five_links_one_path_four_flows(void)
{
    struct sink k;
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
    struct sink k;
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
    struct sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL_FATAL(load_file("scenarios/tiny.xml", &k, &s), CPN_OK);
    /* via-xian: sh-dc -> sh-r -> xa-r -> nx-r -> nx-dc, 4 hops, 50 us + 7.35 ms + 5.39 ms + 50 us. */
    CU_ASSERT_EQUAL(cpn_scen_find_path(s, "via-xian"), 0);
    CU_ASSERT_EQUAL(cpn_scen_find_path(s, "nope"), CPN_NONE);
    const struct cpn_path *p = s->paths.items[0].route;
    CU_ASSERT_EQUAL_FATAL(p != NULL, 1);
    CU_ASSERT_EQUAL(p->hops, 4);
    CPN_ASSERT_REL(p->latency, 12.84e-3, 1e-9);
    CU_ASSERT_EQUAL(s->paths.items[0].line, 27);
    const struct cpn_scen_flow *f = flow_of(s, "dataset");
    CU_ASSERT_EQUAL(f->path, 0);
    CU_ASSERT_STRING_EQUAL(f->profile, "rdma-lossless");
    CU_ASSERT_EQUAL(f->src, cpn_topo_find_node(s->topo, "sh-dc"));
    CU_ASSERT_EQUAL(f->dst, cpn_topo_find_node(s->topo, "nx-dc"));
    CPN_ASSERT_REL(f->size, 10e9, 1e-12);
    f = flow_of(s, "backup"); /* defaults: start 0, shortest path, ideal, weight 1 */
    CU_ASSERT_EQUAL(f->path, CPN_NONE);
    CU_ASSERT_EQUAL(f->start, 0.0);
    CU_ASSERT_STRING_EQUAL(f->profile, "ideal");
    CU_ASSERT_EQUAL(f->weight, 1.0);
    CU_ASSERT_EQUAL(f->line, 31);
    f = flow_of(s, "results");
    CU_ASSERT_EQUAL(f->start, 60.0); /* "1min" */
    CPN_ASSERT_REL(f->size, 1e12, 1e-12);
    CU_ASSERT_STRING_EQUAL(f->profile, "tcp");
    CU_ASSERT_EQUAL(flow_of(s, "priority")->weight, 2.0);
    cpn_scen_free(s);
    free(k.text);
}

static void test_includes_and_csv_rows_keep_their_own_file_and_line(void)
{
    struct sink k;
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
    CU_ASSERT_STRING_EQUAL(f->profile, "ideal");
    CU_ASSERT_EQUAL(flow_of(s, "c1")->line, 3);
    CU_ASSERT_EQUAL(flow_of(s, "c3")->size, 0.0);
    CU_ASSERT_EQUAL(flow_of(s, "c3")->start, 600.0);
    cpn_scen_free(s);
    free(k.text);
}

static void test_include_cycle_is_a_located_error(void)
{
    struct sink k;
    struct cpn_scenario *s = NULL;
    CU_ASSERT_EQUAL(load_file("tests/scenarios/bad/18-include-cycle.xml", &k, &s), CPN_ESCENARIO);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_EQUAL(k.diag.errors, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(k.text, "inc/cycle-b.xml:2: include: href \"../18-include-cycle.xml\" "
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
    struct sink k;
    struct cpn_scenario *s = NULL;
    const struct cpn_override ov[] = {{"link/a-b@capacity", "400Gbps", NULL},
                                      {"simulation@seed", "7", NULL},
                                      {"link@mtu", "9000B", NULL}};
    const struct cpn_scen_options opt = {ov, 3};
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
    struct sink k;
    struct cpn_scenario *s = NULL;
    const struct cpn_override ov[] = {{"//link[@id=\"a-b\"]/@capacity", "1Tbps", NULL},
                                      {"/cpnsim/simulation/@until", "2h", NULL}};
    const struct cpn_scen_options opt = {ov, 2};
    CU_ASSERT_EQUAL_FATAL(load_text(two_nodes, &opt, &k, &s), CPN_OK);
    CPN_ASSERT_REL(cpn_topo_link(s->topo, 0)->capacity, 1e12 / 8, 1e-12);
    CU_ASSERT_EQUAL(s->until, 7200.0);
    cpn_scen_free(s);
    free(k.text);
}

static void test_overrides_that_match_nothing_or_too_much_are_errors(void)
{
    struct sink k;
    struct cpn_scenario *s = NULL;
    const struct cpn_override ov[] = {{"link/nope@capacity", "1Gbps", NULL},
                                      {"node@lat", "10", "batch.xml:3"},
                                      {"//link", "1Gbps", NULL},
                                      {"//@nothing", "1", NULL},
                                      {"node", "1", NULL}};
    const struct cpn_scen_options opt = {ov, 5};
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
    struct sink k;
    struct cpn_scenario *s = NULL;
    const struct cpn_override ov[] = {{"//link[@id", "1Gbps", NULL}};
    const struct cpn_scen_options opt = {ov, 1};
    CU_ASSERT_EQUAL(load_text(two_nodes, &opt, &k, &s), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(k.text, "cpnsim: --set //link[@id=1Gbps: invalid XPath \"//link[@id\": "
                                   "invalid predicate at character 11\n");
    free(k.text);
}

static void test_every_error_of_a_file_is_reported(void)
{
    struct sink k;
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
        k.text, "cpnsim: mem.xml:4: node \"a\": latitude 91 is out of range (use -90 to 90 degrees)\n"
                "cpnsim: mem.xml:6: link \"l1\": capacity \"10G\" has no unit (use e.g. \"10Gbps\" "
                "or \"1.25GB/s\")\n"
                "cpnsim: mem.xml:7: link \"l2\": loss \"2\" is not a ratio between 0 and 1 (use "
                "e.g. \"0.5\" or \"50%\")\n");
    free(k.text);
}

static void test_entity_bomb_and_external_entity_are_refused_before_expansion(void)
{
    struct sink k;
    struct cpn_scenario *s = NULL;
    const char *bomb = "<?xml version=\"1.0\"?>\n"
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
    struct sink k;
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
    struct sink k;
    struct cpn_scenario *s = (struct cpn_scenario *)&k; /* must be reset to NULL */
    sink_open(&k);
    CU_ASSERT_EQUAL(cpn_scen_load("no/such/file.xml", NULL, &k.diag, &s), CPN_ENOINPUT);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_STRING_EQUAL(sink_close(&k),
                           "cpnsim: no/such/file.xml: cannot read: No such file or directory\n");
    free(k.text);
    CU_ASSERT_EQUAL(cpn_scen_load(NULL, NULL, &k.diag, &s), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_scen_load_memory("x", NULL, 3, NULL, &k.diag, &s), CPN_EINVAL);
    cpn_scen_free(NULL);
}

int cpn_test_register_load(void)
{
    CU_pSuite s = CU_add_suite("load", NULL, NULL);
    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "tiny.xml builds 5 nodes, 5 links, 1 path, 4 flows",
                     test_tiny_builds_five_nodes_five_links_one_path_four_flows) ||
        !CU_add_test(s, "tiny.xml link attributes are converted to SI (derived latency by hand)",
                     test_tiny_link_attributes_are_converted_to_si) ||
        !CU_add_test(s, "tiny.xml path and flows are resolved with defaults",
                     test_tiny_path_and_flows_are_resolved) ||
        !CU_add_test(s, "included files and CSV rows keep their own file and line",
                     test_includes_and_csv_rows_keep_their_own_file_and_line) ||
        !CU_add_test(s, "an include cycle is a located error",
                     test_include_cycle_is_a_located_error) ||
        !CU_add_test(s, "short overrides change attributes before validation",
                     test_short_overrides_change_attributes_before_validation) ||
        !CU_add_test(s, "an XPath override sets every selected attribute",
                     test_xpath_override_sets_every_selected_attribute) ||
        !CU_add_test(s, "overrides that match nothing or too much are errors",
                     test_overrides_that_match_nothing_or_too_much_are_errors) ||
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
                     test_missing_file_is_enoinput_and_null_arguments_einval))
        return CU_get_error();
    return CUE_SUCCESS;
}
