/* Suite "topology": nodes, links, validation messages, derived latencies, directed links. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/net/topology.h"
#include "sim/error.h"
#include "tests/unit/suites.h"

/* City coordinates [degree] of shared/reference/network-models.md §6.3 (Zhongwei: the
 * "West Cloud" base) and a common city-centre position of Shanghai and Beijing. */
#define SHANGHAI 31.23, 121.47
#define ZHONGWEI 37.50, 105.19
#define BEIJING  39.90, 116.40

static struct cpn_link_spec spec(const char *id, const char *a, const char *b)
{
    struct cpn_link_spec s;
    cpn_link_spec_init(&s);
    s.id = id;
    s.a = a;
    s.b = b;
    s.capacity = 12.5e9; /* 100 Gbit/s */
    return s;
}

/* Three cities with coordinates and one node without. */
static struct cpn_topo *cities(void)
{
    struct cpn_topo *t = cpn_topo_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(cpn_topo_add_node(t, "shanghai", SHANGHAI, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_add_node(t, "zhongwei", ZHONGWEI, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_add_node(t, "beijing", BEIJING, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_add_node(t, "nowhere", NAN, NAN, NULL), CPN_OK);
    return t;
}

static void test_nodes_and_links_are_dense_indices_found_by_id(void)
{
    struct cpn_topo *t = cities();
    uint32_t l0 = 99, l1 = 99;
    struct cpn_link_spec s = spec("sh-zw", "shanghai", "zhongwei");
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, &l0), CPN_OK);
    s = spec("zw-bj", "zhongwei", "beijing");
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, &l1), CPN_OK);
    CU_ASSERT_EQUAL(l0, 0);
    CU_ASSERT_EQUAL(l1, 1);
    CU_ASSERT_EQUAL(cpn_topo_node_count(t), 4);
    CU_ASSERT_EQUAL(cpn_topo_link_count(t), 2);
    CU_ASSERT_EQUAL(cpn_topo_find_node(t, "beijing"), 2);
    CU_ASSERT_EQUAL(cpn_topo_find_node(t, "paris"), CPN_NONE);
    CU_ASSERT_EQUAL(cpn_topo_find_node(t, NULL), CPN_NONE);
    CU_ASSERT_EQUAL(cpn_topo_find_link(t, "zw-bj"), 1);
    CU_ASSERT_EQUAL(cpn_topo_find_link(t, "bj-zw"), CPN_NONE);
    CU_ASSERT_STRING_EQUAL(cpn_topo_node(t, 1)->id, "zhongwei");
    CU_ASSERT_EQUAL(cpn_topo_node(t, 3)->has_coords, 0);
    CU_ASSERT(isnan(cpn_topo_node(t, 3)->lat));
    const struct cpn_link *k = cpn_topo_link(t, 1);
    CU_ASSERT_STRING_EQUAL(k->id, "zw-bj");
    CU_ASSERT_EQUAL(k->a, 1);
    CU_ASSERT_EQUAL(k->b, 2);
    /* Defaults of cpn_link_spec_init(). */
    CU_ASSERT_EQUAL(k->kind, CPN_LINK_IP);
    CU_ASSERT_EQUAL(k->flow_control, CPN_FC_NONE);
    CU_ASSERT_EQUAL(k->mtu, CPN_DEFAULT_MTU);
    CU_ASSERT_EQUAL(k->buffer, 0);
    CU_ASSERT_EQUAL(k->loss, 0);
    CU_ASSERT_EQUAL(k->up, 1);
    cpn_topo_free(t);
}

static void test_directed_link_ids_are_2l_plus_direction(void)
{
    struct cpn_topo *t = cities();
    struct cpn_link_spec s = spec("sh-zw", "shanghai", "zhongwei");
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, NULL), CPN_OK);
    s = spec("zw-bj", "zhongwei", "beijing");
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, NULL), CPN_OK);
    /* Link 1 is zhongwei(1) - beijing(2): d = 2 is 1->2, d = 3 is 2->1. */
    CU_ASSERT_EQUAL(cpn_topo_dlink(1, 0), 2);
    CU_ASSERT_EQUAL(cpn_topo_dlink(1, 1), 3);
    CU_ASSERT_EQUAL(cpn_topo_dlink_link(3), 1);
    CU_ASSERT_EQUAL(cpn_topo_dlink_dir(3), 1);
    CU_ASSERT_EQUAL(cpn_topo_dlink_reverse(2), 3);
    CU_ASSERT_EQUAL(cpn_topo_dlink_reverse(3), 2);
    CU_ASSERT_EQUAL(cpn_topo_dlink_from(t, 2), 1);
    CU_ASSERT_EQUAL(cpn_topo_dlink_to(t, 2), 2);
    CU_ASSERT_EQUAL(cpn_topo_dlink_from(t, 3), 2);
    CU_ASSERT_EQUAL(cpn_topo_dlink_to(t, 3), 1);
    /* Zhongwei leaves by link 0 backwards (d = 1) and link 1 forwards (d = 2), in id order. */
    size_t n;
    const uint32_t *out = cpn_topo_out_dlinks(t, 1, &n);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_EQUAL(out[0], 1);
    CU_ASSERT_EQUAL(out[1], 2);
    out = cpn_topo_out_dlinks(t, 3, &n);
    CU_ASSERT_EQUAL(n, 0);
    cpn_topo_free(t);
}

static void test_great_circle_matches_the_reference_table(void)
{
    /* network-models.md §6.1: Shanghai-Zhongwei 1646 km, Beijing-Zhongwei 1008 km (1%). */
    CPN_ASSERT_REL(cpn_topo_great_circle(SHANGHAI, ZHONGWEI), 1646e3, 0.01);
    CPN_ASSERT_REL(cpn_topo_great_circle(BEIJING, ZHONGWEI), 1008e3, 0.01);
    /* Independent checks on the sphere: one degree along the equator is 2 pi R / 360,
     * pole to pole is pi R, and distance is symmetric and zero for one point. */
    CPN_ASSERT_REL(cpn_topo_great_circle(0, 10, 0, 11), 2 * M_PI * CPN_EARTH_RADIUS / 360, 1e-12);
    CPN_ASSERT_REL(cpn_topo_great_circle(90, 0, -90, 0), M_PI * CPN_EARTH_RADIUS, 1e-12);
    CPN_ASSERT_REL(cpn_topo_great_circle(0, 0, 0, 180), M_PI * CPN_EARTH_RADIUS, 1e-12);
    CU_ASSERT_EQUAL(cpn_topo_great_circle(SHANGHAI, SHANGHAI), 0);
    CU_ASSERT_EQUAL(cpn_topo_great_circle(SHANGHAI, ZHONGWEI),
                    cpn_topo_great_circle(ZHONGWEI, SHANGHAI));
}

static void test_latency_comes_from_latency_then_length_then_coordinates(void)
{
    struct cpn_topo *t = cities();
    uint32_t l;
    /* Coordinates: 1646 km x 1.5 x 4.9 us/km = 12.1 ms (network-models.md §6.1, x1.5 column). */
    struct cpn_link_spec s = spec("geo", "shanghai", "zhongwei");
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, &l), CPN_OK);
    CPN_ASSERT_REL(cpn_topo_link(t, l)->latency, 12.1e-3, 0.01);
    double gc = cpn_topo_great_circle(SHANGHAI, ZHONGWEI);
    CPN_ASSERT_REL(cpn_topo_link(t, l)->length, 1.5 * gc, 1e-12);
    CPN_ASSERT_REL(cpn_topo_link(t, l)->latency, 1.5 * gc * 4.9e-9, 1e-12);
    /* Route factor 2.0 (the measured production path): 1646 x 2 x 4.9 us = 16.1 ms. */
    s = spec("geo2", "shanghai", "zhongwei");
    s.route_factor = 2.0;
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, &l), CPN_OK);
    CPN_ASSERT_REL(cpn_topo_link(t, l)->latency, 2.0 * gc * 4.9e-9, 1e-12);
    /* Length: 3000 km x 4.9 us/km = 14.7 ms, coordinates ignored. */
    s = spec("long", "shanghai", "zhongwei");
    s.length = 3000e3;
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, &l), CPN_OK);
    CPN_ASSERT_REL(cpn_topo_link(t, l)->latency, 14.7e-3, 1e-12);
    CU_ASSERT_EQUAL(cpn_topo_link(t, l)->length, 3000e3);
    /* Explicit latency wins over a length; and works without coordinates. */
    s = spec("fixed", "shanghai", "nowhere");
    s.latency = 5e-3;
    s.length = 3000e3;
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, &l), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_link(t, l)->latency, 5e-3);
    /* Zero latency is allowed (an intra-center fabric). */
    s = spec("zero", "beijing", "nowhere");
    s.latency = 0;
    s.kind = CPN_LINK_DC;
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, &l), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_link(t, l)->latency, 0);
    CU_ASSERT(isnan(cpn_topo_link(t, l)->length));
    cpn_topo_free(t);
}

/* Add a node and expect CPN_ESCENARIO with an exact message. */
static void expect_node_error(struct cpn_topo *t, const char *id, double lat, double lon,
                              const char *why)
{
    int rc = cpn_topo_add_node(t, id, lat, lon, NULL);
    CU_ASSERT_EQUAL(rc, CPN_ESCENARIO);
    if (strcmp(cpn_error_message(), why) != 0)
        printf("\n  got: %s\n  expected: %s", cpn_error_message(), why);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(), why);
}

static void test_node_validation_names_the_node_and_the_value(void)
{
    struct cpn_topo *t = cities();
    uint32_t before = cpn_topo_node_count(t);
    expect_node_error(t, "beijing", 1, 2, "node \"beijing\" is defined twice");
    expect_node_error(t, "", 1, 2, "node id is empty");
    expect_node_error(t, "x", 95, 2,
                      "node \"x\": latitude 95 is out of range (use -90 to 90 degrees)");
    expect_node_error(t, "x", -90.5, 2,
                      "node \"x\": latitude -90.5 is out of range (use -90 to 90 degrees)");
    expect_node_error(t, "x", 10, 200,
                      "node \"x\": longitude 200 is out of range (use -180 to 180 degrees)");
    expect_node_error(t, "x", 10, NAN,
                      "node \"x\": latitude given without longitude (give both or neither)");
    expect_node_error(t, "x", NAN, 10,
                      "node \"x\": longitude given without latitude (give both or neither)");
    CU_ASSERT_EQUAL(cpn_topo_node_count(t), before); /* nothing was added */
    /* Range limits are inclusive. */
    CU_ASSERT_EQUAL(cpn_topo_add_node(t, "pole", 90, -180, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_add_node(NULL, "y", 0, 0, NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_topo_add_node(t, NULL, 0, 0, NULL), CPN_EINVAL);
    cpn_topo_free(t);
}

/* Add a link and expect CPN_ESCENARIO with an exact message. */
static void expect_link_error(struct cpn_topo *t, const struct cpn_link_spec *s, const char *why)
{
    uint32_t before = cpn_topo_link_count(t);
    uint64_t version = cpn_topo_version(t);
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, s, NULL), CPN_ESCENARIO);
    if (strcmp(cpn_error_message(), why) != 0)
        printf("\n  got: %s\n  expected: %s", cpn_error_message(), why);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(), why);
    CU_ASSERT_EQUAL(cpn_topo_link_count(t), before);
    CU_ASSERT_EQUAL(cpn_topo_version(t), version);
}

static void test_link_validation_names_the_link_and_the_value(void)
{
    struct cpn_topo *t = cities();
    struct cpn_link_spec s = spec("sh-zw", "shanghai", "zhongwei");
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, NULL), CPN_OK);
    expect_link_error(t, &s, "link \"sh-zw\" is defined twice");
    s = spec("", "shanghai", "zhongwei");
    expect_link_error(t, &s, "link id is empty");
    s = spec("l", "shanghai", "paris");
    expect_link_error(t, &s, "link \"l\": node \"paris\" is not defined");
    s = spec("l", "paris", "shanghai");
    expect_link_error(t, &s, "link \"l\": node \"paris\" is not defined");
    s = spec("l", "beijing", "beijing");
    expect_link_error(
        t, &s, "link \"l\": both ends are node \"beijing\" (a link joins two different nodes)");
    s = spec("l", "shanghai", "beijing");
    s.capacity = 0;
    expect_link_error(
        t, &s, "link \"l\": capacity 0 B/s is not a positive finite rate (use e.g. \"100Gbps\")");
    s.capacity = NAN; /* never set */
    expect_link_error(
        t, &s, "link \"l\": capacity nan B/s is not a positive finite rate (use e.g. \"100Gbps\")");
    s = spec("l", "shanghai", "beijing");
    s.latency = -1e-3;
    expect_link_error(t, &s, "link \"l\": latency -0.001 s is negative (use a finite value >= 0)");
    s = spec("l", "shanghai", "beijing");
    s.length = INFINITY;
    expect_link_error(t, &s, "link \"l\": length inf m is not finite (use a finite value >= 0)");
    s = spec("l", "shanghai", "beijing");
    s.buffer = -1;
    expect_link_error(t, &s, "link \"l\": buffer -1 B is negative (use a finite value >= 0)");
    s = spec("l", "shanghai", "beijing");
    s.route_factor = 0.5;
    expect_link_error(
        t, &s,
        "link \"l\": route factor 0.5 is below 1 or not finite (fibre is never shorter "
        "than the great circle; use e.g. 1.5)");
    s = spec("l", "shanghai", "beijing");
    s.loss = 1.0;
    expect_link_error(t, &s, "link \"l\": loss rate 1 is outside [0, 1)");
    s.loss = -0.01;
    expect_link_error(t, &s, "link \"l\": loss rate -0.01 is outside [0, 1)");
    s = spec("l", "shanghai", "beijing");
    s.mtu = 0;
    expect_link_error(t, &s, "link \"l\": MTU 0 B is not positive (use e.g. 1500)");
    s = spec("l", "shanghai", "beijing");
    s.kind = CPN_LINK_NKINDS;
    expect_link_error(t, &s, "link \"l\": kind 4 is unknown (use ip, optical, rdma or dc)");
    s = spec("l", "shanghai", "beijing");
    s.flow_control = CPN_FC_NMODES;
    expect_link_error(t, &s,
                      "link \"l\": flow-control mode 3 is unknown (use none, pfc or credit)");
    s = spec("l", "shanghai", "nowhere");
    expect_link_error(t, &s,
                      "link \"l\": no latency, length or endpoint coordinates (node \"nowhere\" "
                      "has none)");
    /* Loss just below 1 and a 0 buffer are fine. */
    s = spec("l", "shanghai", "beijing");
    s.loss = 0.999;
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, NULL), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_add_link(NULL, &s, NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, NULL, NULL), CPN_EINVAL);
    s.a = NULL;
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, NULL), CPN_EINVAL);
    cpn_topo_free(t);
}

static void test_version_changes_on_structure_and_state_not_capacity(void)
{
    struct cpn_topo *t = cities();
    struct cpn_link_spec s = spec("sh-zw", "shanghai", "zhongwei");
    uint64_t v0 = cpn_topo_version(t);
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, NULL), CPN_OK);
    uint64_t v1 = cpn_topo_version(t);
    CU_ASSERT(v1 != v0);
    CU_ASSERT_EQUAL(cpn_topo_set_link_up(t, 0, 1), CPN_OK); /* already up: no change */
    CU_ASSERT_EQUAL(cpn_topo_version(t), v1);
    CU_ASSERT_EQUAL(cpn_topo_set_link_up(t, 0, 0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_link(t, 0)->up, 0);
    uint64_t v2 = cpn_topo_version(t);
    CU_ASSERT(v2 != v1);
    CU_ASSERT_EQUAL(cpn_topo_set_link_up(t, 0, 7), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_link(t, 0)->up, 1);
    CU_ASSERT(cpn_topo_version(t) != v2);
    uint64_t v3 = cpn_topo_version(t);
    CU_ASSERT_EQUAL(cpn_topo_set_link_capacity(t, 0, 1.25e9), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_link(t, 0)->capacity, 1.25e9);
    CU_ASSERT_EQUAL(cpn_topo_version(t), v3);
    CU_ASSERT_EQUAL(cpn_topo_set_link_capacity(t, 0, -1), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(), "link \"sh-zw\": capacity -1 B/s is not a positive "
                                                "finite rate (use e.g. \"100Gbps\")");
    CU_ASSERT_EQUAL(cpn_topo_set_link_capacity(t, 1, 1), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_topo_set_link_up(t, 1, 0), CPN_EINVAL);
    cpn_topo_free(t);
}

static void test_node_coordinates_can_be_set_and_cleared(void)
{
    struct cpn_topo *t = cities();
    CU_ASSERT_EQUAL(cpn_topo_set_node_coords(t, 3, 22.32, 114.17), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_node(t, 3)->has_coords, 1);
    CU_ASSERT_EQUAL(cpn_topo_node(t, 3)->lat, 22.32);
    CU_ASSERT_EQUAL(cpn_topo_set_node_coords(t, 3, 22.32, 191), CPN_ESCENARIO);
    CU_ASSERT_EQUAL(cpn_topo_node(t, 3)->lon, 114.17); /* unchanged */
    CU_ASSERT_EQUAL(cpn_topo_set_node_coords(t, 3, NAN, NAN), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_node(t, 3)->has_coords, 0);
    CU_ASSERT_EQUAL(cpn_topo_set_node_coords(t, 4, 0, 0), CPN_EINVAL);
    cpn_topo_free(t);
}

static void test_kind_and_flow_control_names_round_trip(void)
{
    for (int k = 0; k < CPN_LINK_NKINDS; k++) {
        enum cpn_link_kind got;
        CU_ASSERT_EQUAL(cpn_link_kind_parse(cpn_link_kind_name((enum cpn_link_kind)k), &got),
                        CPN_OK);
        CU_ASSERT_EQUAL((int)got, k);
    }
    for (int m = 0; m < CPN_FC_NMODES; m++) {
        enum cpn_flow_control got;
        CU_ASSERT_EQUAL(
            cpn_flow_control_parse(cpn_flow_control_name((enum cpn_flow_control)m), &got), CPN_OK);
        CU_ASSERT_EQUAL((int)got, m);
    }
    CU_ASSERT_STRING_EQUAL(cpn_link_kind_name(CPN_LINK_RDMA), "rdma");
    CU_ASSERT_STRING_EQUAL(cpn_link_kind_name(CPN_LINK_NKINDS), "?");
    CU_ASSERT_STRING_EQUAL(cpn_flow_control_name(CPN_FC_CREDIT), "credit");
    CU_ASSERT_STRING_EQUAL(cpn_flow_control_name(CPN_FC_NMODES), "?");
    enum cpn_link_kind k;
    enum cpn_flow_control m;
    CU_ASSERT_EQUAL(cpn_link_kind_parse("wifi", &k), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(),
                           "link kind \"wifi\" is unknown (use ip, optical, rdma or dc)");
    CU_ASSERT_EQUAL(cpn_flow_control_parse("xon", &m), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(),
                           "flow-control mode \"xon\" is unknown (use none, pfc or credit)");
}

static void test_ten_thousand_ids_are_all_found(void)
{
    /* Exercises the id table's growth: every id maps back to its own index. */
    struct cpn_topo *t = cpn_topo_new();
    char id[32];
    for (uint32_t i = 0; i < 10000; i++) {
        snprintf(id, sizeof id, "n%u", (unsigned)i);
        CU_ASSERT_EQUAL_FATAL(cpn_topo_add_node(t, id, NAN, NAN, NULL), CPN_OK);
    }
    for (uint32_t i = 1; i < 10000; i++) {
        char a[32];
        snprintf(a, sizeof a, "n%u", (unsigned)(i - 1));
        snprintf(id, sizeof id, "n%u", (unsigned)i);
        struct cpn_link_spec s = spec(id, a, id);
        s.latency = 1e-3;
        CU_ASSERT_EQUAL_FATAL(cpn_topo_add_link(t, &s, NULL), CPN_OK);
    }
    unsigned wrong = 0;
    for (uint32_t i = 0; i < 10000; i++) {
        snprintf(id, sizeof id, "n%u", (unsigned)i);
        wrong += cpn_topo_find_node(t, id) != i;
        wrong += i > 0 && cpn_topo_find_link(t, id) != i - 1;
    }
    CU_ASSERT_EQUAL(wrong, 0);
    cpn_topo_free(t);
    cpn_topo_free(NULL);
}

int cpn_test_register_topology(void)
{
    CU_pSuite s = CU_add_suite("topology", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "nodes and links are dense indices found by id",
                     test_nodes_and_links_are_dense_indices_found_by_id) ||
        !CU_add_test(s, "directed link ids are 2l + direction",
                     test_directed_link_ids_are_2l_plus_direction) ||
        !CU_add_test(s, "great-circle distances match the reference table within 1%",
                     test_great_circle_matches_the_reference_table) ||
        !CU_add_test(s, "latency comes from latency, then length, then coordinates",
                     test_latency_comes_from_latency_then_length_then_coordinates) ||
        !CU_add_test(s, "node validation names the node and the value",
                     test_node_validation_names_the_node_and_the_value) ||
        !CU_add_test(s, "link validation names the link and the value",
                     test_link_validation_names_the_link_and_the_value) ||
        !CU_add_test(s, "version changes on structure and up/down state, not on capacity",
                     test_version_changes_on_structure_and_state_not_capacity) ||
        !CU_add_test(s, "node coordinates can be set and cleared",
                     test_node_coordinates_can_be_set_and_cleared) ||
        !CU_add_test(s, "link kinds and flow-control modes round-trip by name",
                     test_kind_and_flow_control_names_round_trip) ||
        !CU_add_test(s, "ten thousand ids are all found", test_ten_thousand_ids_are_all_found))
        return CU_get_error();
    return CUE_SUCCESS;
}
