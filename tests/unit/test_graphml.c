/* Suite "graphml": Topology Zoo import of the shared data files (counts and capacities from
 * shared/data/SOURCES.md) and of small synthetic files for every rule and error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/net/topology.h"
#include "scenarios/graphml.h"
#include "sim/diag.h"
#include "sim/error.h"
#include "tests/unit/suites.h"

/* Flush and return everything printed so far. */
static const char *sink_text(struct cpn_test_sink *s)
{
    fflush(s->f);
    return s->text ? s->text : "";
}

static void sink_close(struct cpn_test_sink *s)
{
    fclose(s->f);
    free(s->text);
}

/* Count the lines of the sink that contain @p needle. */
static unsigned count_lines(struct cpn_test_sink *s, const char *needle)
{
    unsigned n = 0;
    const char *p = sink_text(s);
    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    return n;
}

/* Capacity shared by tests [B/s]: 100 Gbit/s. */
#define DEFAULT_CAPACITY 12.5e9

static void options(struct cpn_graphml_options *o, int drop)
{
    cpn_graphml_options_init(o);
    o->link.capacity = DEFAULT_CAPACITY;
    o->drop_unplaced = drop;
}

/* The link between two node ids, either orientation, or NULL. */
static const struct cpn_link *link_between(const struct cpn_topo *t, const char *a, const char *b)
{
    uint32_t na = cpn_topo_find_node(t, a), nb = cpn_topo_find_node(t, b);
    for (uint32_t l = 0; l < cpn_topo_link_count(t); l++) {
        const struct cpn_link *k = cpn_topo_link(t, l);
        if ((k->a == na && k->b == nb) || (k->a == nb && k->b == na))
            return k;
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------
 * The four Topology Zoo files. */

/* A topology, a sink and default options (capacity DEFAULT_CAPACITY) for one import. */
struct fixture {
    const char *path; /* the shared data file */
    struct cpn_topo *t;
    struct cpn_test_sink s;
    struct cpn_graphml_options o;
    struct cpn_graphml_stats st;
};

/* Set up a fixture for a shared data file; returns 0 after a skip message when it is absent. */
static int zoo_open(struct fixture *f, const char *file, int drop)
{
    char rel[128];
    snprintf(rel, sizeof rel, "topologies/%s", file);
    const char *path = cpn_test_datapath(rel);
    if (!path) {
        char why[192];
        snprintf(why, sizeof why, "%s not found under the shared data folder", rel);
        cpn_test_skip(why);
        return 0;
    }
    f->path = path;
    f->t = cpn_topo_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->t);
    cpn_test_sink_open(&f->s);
    options(&f->o, drop);
    return 1;
}

static int zoo_import(struct fixture *f)
{
    return cpn_graphml_import(f->t, f->path, &f->o, &f->s.diag, &f->st);
}

static void zoo_close(struct fixture *f)
{
    sink_close(&f->s);
    cpn_topo_free(f->t);
}

static void test_geant2009_has_34_nodes_52_links_with_their_link_speeds(void)
{
    struct fixture f;
    if (!zoo_open(&f, "Geant2009.graphml", 0))
        return;
    CU_ASSERT_EQUAL_FATAL(zoo_import(&f), CPN_OK);
    /* SOURCES.md: all 34 nodes placed, all 52 edges with LinkSpeedRaw, no parallel edges. */
    CU_ASSERT_EQUAL(f.st.nodes_read, 34);
    CU_ASSERT_EQUAL(f.st.nodes_added, 34);
    CU_ASSERT_EQUAL(f.st.edges_read, 52);
    CU_ASSERT_EQUAL(f.st.edges_merged, 0);
    CU_ASSERT_EQUAL(f.st.edges_default, 0);
    CU_ASSERT_EQUAL(f.st.links_added, 52);
    CU_ASSERT_EQUAL(cpn_topo_node_count(f.t), 34);
    CU_ASSERT_EQUAL(cpn_topo_link_count(f.t), 52);
    CU_ASSERT_EQUAL(f.s.diag.errors + f.s.diag.warnings, 0);
    /* 10G x41, 2.5G x6, 45M x2, 155M x2, 310M x1 [bit/s], divided by 8. */
    unsigned n10g = 0, n2g5 = 0, n45m = 0, n155m = 0, n310m = 0;
    double total = 0;
    for (uint32_t l = 0; l < cpn_topo_link_count(f.t); l++) {
        double c = cpn_topo_link(f.t, l)->capacity;
        total += c;
        n10g += c == 10e9 / 8;
        n2g5 += c == 2.5e9 / 8;
        n45m += c == 45e6 / 8;
        n155m += c == 155e6 / 8;
        n310m += c == 310e6 / 8;
        CU_ASSERT(cpn_topo_link(f.t, l)->latency > 0);
    }
    CU_ASSERT_EQUAL(n10g, 41);
    CU_ASSERT_EQUAL(n2g5, 6);
    CU_ASSERT_EQUAL(n45m, 2);
    CU_ASSERT_EQUAL(n155m, 2);
    CU_ASSERT_EQUAL(n310m, 1);
    CPN_ASSERT_REL(total, 425.71e9 / 8, 1e-12);
    zoo_close(&f);
}

static void test_abilene_edges_take_the_default_capacity(void)
{
    struct fixture f;
    if (!zoo_open(&f, "Abilene.graphml", 0))
        return;
    f.o.link.capacity = 10e9 / 8; /* OC-192c ~ 10 Gbit/s */
    f.o.link.kind = CPN_LINK_OPTICAL;
    CU_ASSERT_EQUAL_FATAL(zoo_import(&f), CPN_OK);
    /* SOURCES.md: 11 nodes with coordinates, 14 edges, none with LinkSpeedRaw. */
    CU_ASSERT_EQUAL(cpn_topo_node_count(f.t), 11);
    CU_ASSERT_EQUAL(cpn_topo_link_count(f.t), 14);
    CU_ASSERT_EQUAL(f.st.edges_default, 14);
    for (uint32_t l = 0; l < cpn_topo_link_count(f.t); l++) {
        CU_ASSERT_EQUAL(cpn_topo_link(f.t, l)->capacity, 10e9 / 8);
        CU_ASSERT_EQUAL(cpn_topo_link(f.t, l)->kind, CPN_LINK_OPTICAL);
    }
    zoo_close(&f);

    /* Without a default capacity, each of the 14 edges is an error quoting its LinkLabel. */
    zoo_open(&f, "Abilene.graphml", 0);
    f.o.link.capacity = NAN;
    CU_ASSERT_EQUAL(zoo_import(&f), CPN_ESCENARIO);
    CU_ASSERT_EQUAL(f.s.diag.errors, 14);
    CU_ASSERT_EQUAL(count_lines(&f.s, "(LinkLabel \"OC-192c\") has no LinkSpeedRaw and the import "
                                      "gives no default capacity"),
                    14);
    CU_ASSERT_EQUAL(cpn_topo_link_count(f.t), 0);
    zoo_close(&f);
}

static void test_cernet_drops_stubs_merges_beijing_xian_and_renames_shijiazhuang(void)
{
    struct fixture f;
    if (!zoo_open(&f, "Cernet.graphml", 1))
        return;
    CU_ASSERT_EQUAL_FATAL(zoo_import(&f), CPN_OK);
    struct cpn_topo *t = f.t;
    /* SOURCES.md: 41 nodes, 37 with coordinates; Japan, Europe, N.A and Korea are stubs. */
    CU_ASSERT_EQUAL(f.st.nodes_read, 41);
    CU_ASSERT_EQUAL(f.st.nodes_dropped, 4);
    CU_ASSERT_EQUAL(cpn_topo_node_count(t), 37);
    CU_ASSERT_EQUAL(cpn_topo_find_node(t, "Japan"), CPN_NONE);
    /* 59 edges: the 4 stub edges are dropped; Beijing-Xi'an appears twice (merged): 54 links. */
    CU_ASSERT_EQUAL(f.st.edges_read, 59);
    CU_ASSERT_EQUAL(f.st.edges_dropped, 4);
    CU_ASSERT_EQUAL(f.st.edges_merged, 1);
    CU_ASSERT_EQUAL(cpn_topo_link_count(t), 54);
    /* 53 edges have LinkSpeedRaw; of the 6 without, 4 went to stubs, so 2 use the default
     * (Xianggang-Beijing "External", Tianjing-Beijing). */
    CU_ASSERT_EQUAL(f.st.edges_default, 2);
    const struct cpn_link *bx = link_between(t, "Beijing", "Xi'an");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bx);
    CU_ASSERT_EQUAL(bx->capacity, 2 * 155e6 / 8); /* 2 x 155 Mbit/s */
    CU_ASSERT_EQUAL(link_between(t, "Tianjing", "Beijing")->capacity, DEFAULT_CAPACITY);
    /* Shijiazhuang appears twice (GraphML ids 12 and 22). */
    CU_ASSERT_EQUAL(f.st.nodes_renamed, 1);
    CU_ASSERT(cpn_topo_find_node(t, "Shijiazhuang") != CPN_NONE);
    CU_ASSERT(cpn_topo_find_node(t, "Shijiazhuang-2") != CPN_NONE);
    CU_ASSERT(cpn_topo_find_node(t, "Shijiazhuang") < cpn_topo_find_node(t, "Shijiazhuang-2"));
    /* Warnings: 4 dropped nodes, 4 dropped edges, 1 renaming; every line located. */
    CU_ASSERT_EQUAL(f.s.diag.errors, 0);
    CU_ASSERT_EQUAL(f.s.diag.warnings, 9);
    CU_ASSERT_EQUAL(count_lines(&f.s, "has no coordinates: dropped"), 4);
    CU_ASSERT_EQUAL(count_lines(&f.s, "is imported as \"Shijiazhuang-2\""), 1);
    char where[4200];
    snprintf(where, sizeof where, "cpnsim: %s:", f.path);
    CU_ASSERT_EQUAL(count_lines(&f.s, where), 9);
    /* Link speeds in the file: 155M x29, 2.5G x16, 2M x8.  Two 155M edges (Beijing-Xi'an)
     * merged into one 310M link, so 27 links remain at 155M. */
    unsigned n155 = 0, n2g5 = 0, n2m = 0;
    for (uint32_t l = 0; l < cpn_topo_link_count(t); l++) {
        double c = cpn_topo_link(t, l)->capacity;
        n155 += c == 155e6 / 8;
        n2g5 += c == 2.5e9 / 8;
        n2m += c == 2e6 / 8;
    }
    CU_ASSERT_EQUAL(n155, 27);
    CU_ASSERT_EQUAL(n2g5, 16);
    CU_ASSERT_EQUAL(n2m, 8);
    zoo_close(&f);

    /* Without drop_unplaced the four stubs are errors. */
    zoo_open(&f, "Cernet.graphml", 0);
    CU_ASSERT_EQUAL(zoo_import(&f), CPN_ESCENARIO);
    CU_ASSERT_EQUAL(f.s.diag.errors, 4);
    CU_ASSERT_EQUAL(count_lines(&f.s, "node \"Korea\" has no coordinates (give it lat and lon"), 1);
    zoo_close(&f);
}

/* Overrides of the scenario: Chinanet's Hong Kong and one international stub. */
static int chinanet_overrides(void *ctx, const char *id, double *lat, double *lon)
{
    unsigned *calls = ctx;
    (*calls)++;
    if (strcmp(id, "Hong Kong") == 0) {
        *lat = 22.32;
        *lon = 114.17;
        return 1;
    }
    if (strcmp(id, "International Link 1") == 0) {
        *lat = 40.0;
        *lon = 125.0;
        return 1;
    }
    return 0;
}

static void test_chinanet_hong_kong_is_fixed_by_an_override(void)
{
    struct fixture f;
    if (!zoo_open(&f, "Chinanet.graphml", 1))
        return;
    /* Without overrides: 42 nodes, 4 stubs dropped; 66 edges, 4 dropped; no capacities. */
    CU_ASSERT_EQUAL_FATAL(zoo_import(&f), CPN_OK);
    CU_ASSERT_EQUAL(f.st.nodes_read, 42);
    CU_ASSERT_EQUAL(cpn_topo_node_count(f.t), 38);
    CU_ASSERT_EQUAL(f.st.edges_read, 66);
    CU_ASSERT_EQUAL(f.st.edges_dropped, 4);
    CU_ASSERT_EQUAL(cpn_topo_link_count(f.t), 62);
    CU_ASSERT_EQUAL(f.st.edges_default, 62);
    /* The file's Hong Kong is at 30.13 N 100.52 E: Shanghai-"Hong Kong" is 2003 km. */
    const struct cpn_link *k = link_between(f.t, "Shanghai", "Hong Kong");
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CPN_ASSERT_REL(k->length, 1.5 * 2003.28e3, 1e-4);
    zoo_close(&f);

    zoo_open(&f, "Chinanet.graphml", 1);
    unsigned calls = 0;
    f.o.lookup = chinanet_overrides;
    f.o.lookup_ctx = &calls;
    CU_ASSERT_EQUAL_FATAL(zoo_import(&f), CPN_OK);
    CU_ASSERT_EQUAL(calls, 42); /* asked once per node */
    CU_ASSERT_EQUAL(f.st.nodes_overridden, 2);
    CU_ASSERT_EQUAL(cpn_topo_node_count(f.t), 39); /* International Link 1 is kept */
    CU_ASSERT_EQUAL(cpn_topo_link_count(f.t), 63);
    const struct cpn_node *hk = cpn_topo_node(f.t, cpn_topo_find_node(f.t, "Hong Kong"));
    CU_ASSERT_EQUAL(hk->lat, 22.32);
    CU_ASSERT_EQUAL(hk->lon, 114.17);
    /* Shanghai (31.22222 N 121.45806 E) - Hong Kong (22.32 N 114.17 E): 1225.3 km great
     * circle (haversine, R = 6371.0088 km, computed independently in Python), x 1.5 x
     * 4.9 us/km = 9.006 ms one way. */
    k = link_between(f.t, "Shanghai", "Hong Kong");
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CPN_ASSERT_REL(k->latency, 9.00597e-3, 1e-5);
    CU_ASSERT_EQUAL(k->capacity, DEFAULT_CAPACITY);
    zoo_close(&f);
}

/* Override of Cernet's misplaced "Chengdou" (25.71 N 116.98 E in the Zoo, in Jiangxi) to
 * Chengdu's real position (30.66 N 104.07 E, ../shared/reference/network-models.md §7). */
static int cernet_overrides(void *ctx, const char *id, double *lat, double *lon)
{
    (void)ctx;
    if (strcmp(id, "Chengdou") != 0)
        return 0;
    *lat = 30.66;
    *lon = 104.07;
    return 1;
}

static void test_cernet_chengdou_is_fixed_by_an_override(void)
{
    struct fixture f;
    if (!zoo_open(&f, "Cernet.graphml", 1))
        return;
    CU_ASSERT_EQUAL_FATAL(zoo_import(&f), CPN_OK);
    const struct cpn_node *c = cpn_topo_node(f.t, cpn_topo_find_node(f.t, "Chengdou"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CPN_ASSERT_REL(c->lat, 25.71, 1e-3); /* the Zoo's value, to 2 decimals */
    zoo_close(&f);

    zoo_open(&f, "Cernet.graphml", 1);
    f.o.lookup = cernet_overrides;
    CU_ASSERT_EQUAL_FATAL(zoo_import(&f), CPN_OK);
    CU_ASSERT_EQUAL(f.st.nodes_overridden, 1);
    c = cpn_topo_node(f.t, cpn_topo_find_node(f.t, "Chengdou"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->lat, 30.66);
    CU_ASSERT_EQUAL(c->lon, 104.07);
    zoo_close(&f);
}

/* ------------------------------------------------------------------------------------------
 * Synthetic files. */

/* Write a GraphML text to a temporary file; returns its path (static buffer). */
static const char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/cpn-test-graphml-XXXXXX");
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    FILE *f = fdopen(fd, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    return path;
}

#define HEAD                                                                                       \
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"                                                 \
    "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"                                  \
    "  <key attr.name=\"Latitude\" attr.type=\"double\" for=\"graph\" id=\"g1\"/>\n"               \
    "  <key attr.name=\"LinkSpeedRaw\" attr.type=\"double\" for=\"edge\" id=\"zz\"/>\n"            \
    "  <key attr.name=\"Latitude\" attr.type=\"double\" for=\"node\" id=\"k9\"/>\n"                \
    "  <key attr.name=\"Longitude\" attr.type=\"double\" for=\"node\" id=\"k3\"/>\n"               \
    "  <key attr.name=\"label\" attr.type=\"string\" for=\"node\" id=\"lab\"/>\n"                  \
    "  <graph edgedefault=\"undirected\">\n"                                                       \
    "    <data key=\"g1\">99</data>\n"

/* Import a text; returns the status and leaves messages in s. */
static int import_text(struct cpn_topo *t, struct cpn_test_sink *s, const char *text, int drop,
                       struct cpn_graphml_stats *st)
{
    const char *path = write_temp(text);
    struct cpn_graphml_options o;
    options(&o, drop);
    int rc = cpn_graphml_import(t, path, &o, &s->diag, st);
    unlink(path);
    return rc;
}

static void test_key_ids_are_resolved_through_attr_name_and_domain(void)
{
    /* Latitude is key "k9" for nodes; the graph-level key "g1" of the same name is ignored;
     * the speed key is "zz".  Three edges between A and B in both orientations merge. */
    const char *text =
        HEAD "    <node id=\"a\"><data key=\"lab\">A</data><data key=\"k9\">10</data>"
             "<data key=\"k3\">20</data></node>\n"
             "    <node id=\"b\"><data key=\"lab\">B</data><data key=\"k9\">10</data>"
             "<data key=\"k3\">21</data></node>\n"
             "    <edge source=\"a\" target=\"b\"><data key=\"zz\">1e9</data></edge>\n"
             "    <edge source=\"b\" target=\"a\"><data key=\"zz\">4e8</data></edge>\n"
             "    <edge source=\"a\" target=\"b\"/>\n"
             "  </graph>\n</graphml>\n";
    struct cpn_topo *t = cpn_topo_new();
    struct cpn_test_sink s;
    cpn_test_sink_open(&s);
    struct cpn_graphml_stats st;
    CU_ASSERT_EQUAL_FATAL(import_text(t, &s, text, 0, &st), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_node_count(t), 2);
    CU_ASSERT_EQUAL(cpn_topo_node(t, 0)->lat, 10);
    CU_ASSERT_EQUAL(cpn_topo_node(t, 1)->lon, 21);
    CU_ASSERT_EQUAL_FATAL(cpn_topo_link_count(t), 1);
    const struct cpn_link *k = cpn_topo_link(t, 0);
    CU_ASSERT_STRING_EQUAL(k->id, "A--B");
    /* 1 Gbit/s + 0.4 Gbit/s + default 100 Gbit/s, in B/s. */
    CPN_ASSERT_REL(k->capacity, 1.4e9 / 8 + DEFAULT_CAPACITY, 1e-15);
    CU_ASSERT_EQUAL(st.edges_merged, 2);
    CU_ASSERT_EQUAL(st.edges_default, 1);
    /* One degree of longitude at 10 N: 2 pi R cos(10 deg)/360 ~ 109.5 km (haversine differs
     * from this small-angle value by < 1e-4), x 1.5 x 4.9 us/km. */
    CPN_ASSERT_REL(k->latency, 2 * M_PI * 6371.0088 * cos(10 * M_PI / 180) / 360 * 1.5 * 4.9e-6,
                   1e-4);
    sink_close(&s);
    cpn_topo_free(t);
}

static void test_duplicate_labels_get_the_next_free_suffix(void)
{
    /* Labels X, X-2, X: the second X cannot take "X-2" (taken) and becomes "X-3".  A node
     * without a label keeps its GraphML id. */
    const char *text =
        HEAD "    <node id=\"1\"><data key=\"lab\">X</data><data key=\"k9\">1</data>"
             "<data key=\"k3\">1</data></node>\n"
             "    <node id=\"2\"><data key=\"lab\">X-2</data><data key=\"k9\">1</data>"
             "<data key=\"k3\">2</data></node>\n"
             "    <node id=\"3\"><data key=\"lab\">X</data><data key=\"k9\">1</data>"
             "<data key=\"k3\">3</data></node>\n"
             "    <node id=\"n4\"><data key=\"k9\">1</data><data key=\"k3\">4</data></node>\n"
             "  </graph>\n</graphml>\n";
    struct cpn_topo *t = cpn_topo_new();
    struct cpn_test_sink s;
    cpn_test_sink_open(&s);
    struct cpn_graphml_stats st;
    CU_ASSERT_EQUAL_FATAL(import_text(t, &s, text, 0, &st), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_find_node(t, "X"), 0);
    CU_ASSERT_EQUAL(cpn_topo_find_node(t, "X-2"), 1);
    CU_ASSERT_EQUAL(cpn_topo_find_node(t, "X-3"), 2);
    CU_ASSERT_EQUAL(cpn_topo_find_node(t, "n4"), 3);
    CU_ASSERT_EQUAL(st.nodes_renamed, 1);
    CU_ASSERT_EQUAL(s.diag.warnings, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(sink_text(&s),
                                  ":12: warning: node label \"X\" is used more than once: this "
                                  "node is imported as \"X-3\""));
    sink_close(&s);
    cpn_topo_free(t);
}

static void test_every_problem_is_reported_at_its_line(void)
{
    const char *text = HEAD /* lines 1-9 */
        "    <node id=\"a\"><data key=\"lab\">A</data><data key=\"k9\">north</data>"
        "<data key=\"k3\">1</data></node>\n" /* 10 */
        "    <node id=\"b\"><data key=\"lab\">B</data><data key=\"k9\">95</data>"
        "<data key=\"k3\">1</data></node>\n" /* 11 */
        "    <node id=\"c\"><data key=\"lab\">C</data><data key=\"k9\">1</data>"
        "<data key=\"k3\">1</data></node>\n"                     /* 12 */
        "    <node id=\"c\"><data key=\"lab\">D</data></node>\n" /* 13 */
        "    <edge source=\"c\" target=\"zzz\"/>\n"              /* 14 */
        "    <edge source=\"c\" target=\"c\"/>\n"                /* 15 */
        "    <edge source=\"c\" target=\"a\">\n"                 /* 16 */
        "      <data key=\"zz\">fast</data></edge>\n"            /* 17 */
        "    <edge target=\"c\"/>\n"                             /* 18 */
        "  </graph>\n</graphml>\n";
    struct cpn_topo *t = cpn_topo_new();
    struct cpn_test_sink s;
    cpn_test_sink_open(&s);
    struct cpn_graphml_stats st;
    CU_ASSERT_EQUAL(import_text(t, &s, text, 1, &st), CPN_ESCENARIO);
    const char *out = sink_text(&s);
    const char *want[] = {
        ":10: node \"a\": Latitude \"north\" is not a number",
        ":10: warning: node \"A\" has no coordinates: dropped with its edges",
        ":11: node \"B\": latitude 95 is out of range (use -90 to 90 degrees)",
        ":13: node id \"c\" is used twice",
        ":14: edge: target node \"zzz\" is not defined",
        ":15: warning: edge \"C\"--\"C\" joins a node to itself: dropped",
        ":17: edge \"C\"--\"A\": LinkSpeedRaw \"fast\" is not a number",
        ":16: warning: edge \"C\"--\"A\" dropped: node \"A\" is not imported",
        ":18: <edge> without a source attribute",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(out, want[i]))
            printf("\n  missing: %s", want[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, want[i]));
    }
    CU_ASSERT_EQUAL(s.diag.errors, 6);
    CU_ASSERT_EQUAL(s.diag.warnings, 3);
    sink_close(&s);
    cpn_topo_free(t);
}

static void test_bad_files_are_located_errors(void)
{
    struct cpn_topo *t = cpn_topo_new();
    struct cpn_test_sink s;
    cpn_test_sink_open(&s);
    struct cpn_graphml_stats st;
    /* Not well-formed: the error names line 3. */
    CU_ASSERT_EQUAL(import_text(t, &s, "<graphml>\n<graph>\n<node id=\"a\">\n</graph>\n", 0, &st),
                    CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(sink_text(&s), ":4: not well-formed XML:"));
    /* Not GraphML. */
    CU_ASSERT_EQUAL(import_text(t, &s, "<html/>\n", 0, &st), CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(sink_text(&s),
                                  ":1: not a GraphML file (root element is <html>, expected "
                                  "<graphml>)"));
    CU_ASSERT_EQUAL(import_text(t, &s, "<graphml>\n</graphml>\n", 0, &st), CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(sink_text(&s), ":1: GraphML file has no <graph>"));
    /* Missing file. */
    struct cpn_graphml_options o;
    options(&o, 0);
    CU_ASSERT_EQUAL(cpn_graphml_import(t, "/nonexistent/x.graphml", &o, &s.diag, &st),
                    CPN_ENOINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sink_text(&s),
                                  "cpnsim: /nonexistent/x.graphml: cannot open GraphML file: No "
                                  "such file or directory"));
    CU_ASSERT_EQUAL(cpn_graphml_import(NULL, "x", &o, &s.diag, &st), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_graphml_import(t, "x", &o, NULL, &st), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_topo_node_count(t), 0);
    sink_close(&s);
    cpn_topo_free(t);
}

static void test_external_entities_are_not_loaded(void)
{
    /* An external entity in a label must not be read (no XXE): the DOCTYPE that declares it
     * is refused, as in scenario files, before anything is imported. */
    const char *text =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE graphml [<!ENTITY xxe SYSTEM \"file:///etc/hostname\">]>\n"
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
        "  <key attr.name=\"label\" for=\"node\" id=\"l\"/>\n"
        "  <key attr.name=\"Latitude\" for=\"node\" id=\"y\"/>\n"
        "  <key attr.name=\"Longitude\" for=\"node\" id=\"x\"/>\n"
        "  <graph><node id=\"n0\"><data key=\"l\">&xxe;</data><data key=\"y\">0</data>"
        "<data key=\"x\">0</data></node></graph>\n"
        "</graphml>\n";
    struct cpn_topo *t = cpn_topo_new();
    struct cpn_test_sink s;
    cpn_test_sink_open(&s);
    struct cpn_graphml_stats st;
    CU_ASSERT_EQUAL(import_text(t, &s, text, 0, &st), CPN_ESCENARIO);
    CU_ASSERT_EQUAL(cpn_topo_node_count(t), 0);
    CU_ASSERT(strstr(sink_text(&s), ":2: DOCTYPE declarations are not allowed") != NULL);
    sink_close(&s);
    cpn_topo_free(t);
}

static void test_id_prefix_and_duplicates_with_existing_nodes(void)
{
    const char *text = HEAD "    <node id=\"1\"><data key=\"lab\">P</data><data key=\"k9\">1</data>"
                            "<data key=\"k3\">1</data></node>\n"
                            "    <node id=\"2\"><data key=\"lab\">Q</data><data key=\"k9\">1</data>"
                            "<data key=\"k3\">2</data></node>\n"
                            "    <edge source=\"1\" target=\"2\"/>\n"
                            "  </graph>\n</graphml>\n";
    struct cpn_topo *t = cpn_topo_new();
    struct cpn_test_sink s;
    cpn_test_sink_open(&s);
    const char *path = write_temp(text);
    struct cpn_graphml_options o;
    options(&o, 0);
    o.id_prefix = "cn:";
    o.link.kind = CPN_LINK_RDMA;
    o.link.flow_control = CPN_FC_CREDIT;
    o.link.buffer = 512e6;
    CU_ASSERT_EQUAL(cpn_graphml_import(t, path, &o, &s.diag, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_find_node(t, "cn:P"), 0);
    const struct cpn_link *k = cpn_topo_link(t, cpn_topo_find_link(t, "cn:P--cn:Q"));
    CU_ASSERT_EQUAL(k->kind, CPN_LINK_RDMA);
    CU_ASSERT_EQUAL(k->flow_control, CPN_FC_CREDIT);
    CU_ASSERT_EQUAL(k->buffer, 512e6);
    /* Importing the same file again collides with the existing nodes and link. */
    CU_ASSERT_EQUAL(cpn_graphml_import(t, path, &o, &s.diag, NULL), CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(sink_text(&s), ":10: node \"cn:P\" is defined twice"));
    unlink(path);
    sink_close(&s);
    cpn_topo_free(t);
}

int cpn_test_register_graphml(void)
{
    CU_pSuite s = CU_add_suite("graphml", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "Geant2009 has 34 nodes and 52 links with their link speeds",
                     test_geant2009_has_34_nodes_52_links_with_their_link_speeds) ||
        !CU_add_test(s, "Abilene edges take the default capacity (or are errors without one)",
                     test_abilene_edges_take_the_default_capacity) ||
        !CU_add_test(s, "Cernet's Chengdou is fixed by an override",
                     test_cernet_chengdou_is_fixed_by_an_override) ||
        !CU_add_test(s, "Cernet drops its stubs, merges Beijing-Xi'an, renames Shijiazhuang",
                     test_cernet_drops_stubs_merges_beijing_xian_and_renames_shijiazhuang) ||
        !CU_add_test(s, "Chinanet's Hong Kong is fixed by an override",
                     test_chinanet_hong_kong_is_fixed_by_an_override) ||
        !CU_add_test(s, "key ids are resolved through attr.name and domain",
                     test_key_ids_are_resolved_through_attr_name_and_domain) ||
        !CU_add_test(s, "duplicate labels get the next free suffix",
                     test_duplicate_labels_get_the_next_free_suffix) ||
        !CU_add_test(s, "every problem is reported at its line",
                     test_every_problem_is_reported_at_its_line) ||
        !CU_add_test(s, "bad files are located errors", test_bad_files_are_located_errors) ||
        !CU_add_test(s, "a DOCTYPE is refused: external entities are never loaded",
                     test_external_entities_are_not_loaded) ||
        !CU_add_test(s, "id prefix, link template and collisions with existing nodes",
                     test_id_prefix_and_duplicates_with_existing_nodes))
        return CU_get_error();
    return CUE_SUCCESS;
}
