/* Suite "timeline": changes of links at given times (models/dynamics/timeline.h), every
 * expectation computed by hand. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/dynamics/failures.h"
#include "models/dynamics/links.h"
#include "models/dynamics/timeline.h"
#include "models/net/route.h"
#include "models/net/topology.h"
#include "models/net/transport.h"
#include "sim/engine.h"
#include "sim/error.h"
#include "tests/unit/suites.h"

#define GB  1e9
#define REL 1e-12

/* Two nodes and one 1 GB/s link of latency @p latency, the network, an event recorder. */
struct tl_fx {
    struct cpn_engine *eng;
    struct cpn_topo *topo;
    struct cpn_router *router;
    struct cpn_network *net;
    struct cpn_links *links;
    struct cpn_observer obs;
    double end;
    struct cpn_event_record ev[8];
    int n_ev;
};

static int on_done(struct cpn_flownet *fn, void *ctx, const struct cpn_flow_done *d)
{
    (void)fn;
    ((struct tl_fx *)ctx)->end = d->end;
    return CPN_OK;
}

static int on_event(void *ctx, const struct cpn_event_record *r)
{
    struct tl_fx *f = ctx;
    if (f->n_ev < 8) {
        f->ev[f->n_ev] = *r;
        f->ev[f->n_ev].detail = NULL; /* borrowed for the call only */
    }
    f->n_ev++;
    return CPN_OK;
}

static void fx_open(struct tl_fx *f, double latency)
{
    memset(f, 0, sizeof *f);
    f->eng = cpn_engine_new();
    f->topo = cpn_topo_new();
    CU_ASSERT_FATAL(f->eng && f->topo);
    CU_ASSERT_FATAL(cpn_topo_add_node(f->topo, "a", NAN, NAN, NULL) == CPN_OK);
    CU_ASSERT_FATAL(cpn_topo_add_node(f->topo, "b", NAN, NAN, NULL) == CPN_OK);
    struct cpn_link_spec s;
    cpn_link_spec_init(&s);
    s.id = "a-b";
    s.a = "a";
    s.b = "b";
    s.capacity = GB;
    s.latency = latency;
    CU_ASSERT_FATAL(cpn_topo_add_link(f->topo, &s, NULL) == CPN_OK);
    f->router = cpn_router_new(f->topo);
    CU_ASSERT_FATAL(f->router != NULL);
    struct cpn_transport ideal;
    CU_ASSERT_FATAL(cpn_transport_default(CPN_TRANSPORT_IDEAL, &ideal) == CPN_OK);
    CU_ASSERT_FATAL(cpn_network_new(f->eng, f->topo, f->router,
                                    &(struct cpn_network_config){&ideal, 1, NULL, 0},
                                    &f->net) == CPN_OK);
    f->obs = (struct cpn_observer){.ctx = f, .event = on_event};
    CU_ASSERT_FATAL(cpn_links_new(f->eng, f->net, f->topo, &f->obs, &f->links) == CPN_OK);
}

/* Nodes a, b, c; links a-b (1 GB/s, 1 ms), a-c and c-b (2 GB/s, 1 ms each): the detour. */
static void fx_open_triangle(struct tl_fx *f)
{
    memset(f, 0, sizeof *f);
    f->eng = cpn_engine_new();
    f->topo = cpn_topo_new();
    CU_ASSERT_FATAL(f->eng && f->topo);
    static const char *const nodes[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++)
        CU_ASSERT_FATAL(cpn_topo_add_node(f->topo, nodes[i], NAN, NAN, NULL) == CPN_OK);
    static const struct {
        const char *id, *a, *b;
        double capacity;
    } links[] = {{"a-b", "a", "b", GB}, {"a-c", "a", "c", 2 * GB}, {"c-b", "c", "b", 2 * GB}};
    for (int i = 0; i < 3; i++) {
        struct cpn_link_spec s;
        cpn_link_spec_init(&s);
        s.id = links[i].id;
        s.a = links[i].a;
        s.b = links[i].b;
        s.capacity = links[i].capacity;
        s.latency = 0.001;
        CU_ASSERT_FATAL(cpn_topo_add_link(f->topo, &s, NULL) == CPN_OK);
    }
    f->router = cpn_router_new(f->topo);
    struct cpn_transport ideal;
    CU_ASSERT_FATAL(f->router && cpn_transport_default(CPN_TRANSPORT_IDEAL, &ideal) == CPN_OK);
    CU_ASSERT_FATAL(cpn_network_new(f->eng, f->topo, f->router,
                                    &(struct cpn_network_config){&ideal, 1, NULL, 0},
                                    &f->net) == CPN_OK);
    f->obs = (struct cpn_observer){.ctx = f, .event = on_event};
    CU_ASSERT_FATAL(cpn_links_new(f->eng, f->net, f->topo, &f->obs, &f->links) == CPN_OK);
}

static void fx_close(struct tl_fx *f)
{
    cpn_links_free(f->links);
    cpn_network_free(f->net);
    cpn_router_free(f->router);
    cpn_topo_free(f->topo);
    cpn_engine_free(f->eng);
}

static void fx_transfer(struct tl_fx *f, double size)
{
    struct cpn_transfer t = {.src = 0,
                             .dst = 1,
                             .size = size,
                             .weight = 1,
                             .done = on_done,
                             .ctx = f,
                             .src_site = CPN_NONE,
                             .dst_site = CPN_NONE};
    CU_ASSERT_FATAL(cpn_network_transfer(f->net, &t, NULL) == CPN_OK);
}

static void test_a_failed_link_stalls_its_flow_until_it_is_up(void)
{
    /* 10 GB at 1 GB/s, latency 0: down at 2 s, up at 5 s with a capacity change to 2 GB/s
     * given first at the same instant (order kept): 2 GB by 2 s, none until 5 s, then 8 GB at
     * 2 GB/s: ends at 9 s.  The link was down 3 s; three events (down, capacity, up). */
    struct tl_fx f;
    fx_open(&f, 0);
    struct cpn_change ch[] = {{5, CPN_CHANGE_LINK_CAPACITY, 0, 2 * GB, NAN, NAN, 0},
                              {2, CPN_CHANGE_LINK_DOWN, 0, NAN, NAN, NAN, 0},
                              {5, CPN_CHANGE_LINK_UP, 0, NAN, NAN, NAN, 0}};
    struct cpn_timeline *tl = NULL;
    CU_ASSERT_FATAL(cpn_timeline_new(f.eng, f.links, NULL, &f.obs, ch, 3, &tl) == CPN_OK);
    CU_ASSERT_EQUAL(cpn_timeline_start(tl), CPN_OK);
    CU_ASSERT_EQUAL(cpn_timeline_start(tl), CPN_ESTATE);
    fx_transfer(&f, 10 * GB);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, 4), CPN_OK);
    int up = -1;
    double down = 0, cap = 0;
    CU_ASSERT_EQUAL(cpn_network_link_state(f.net, 0, &cap, &up, &down), CPN_OK);
    CU_ASSERT(up == 0 && cap == GB);
    CPN_ASSERT_REL(down, 2.0, REL); /* down since 2 s, read at 4 s */
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(f.end, 9.0, REL);
    CU_ASSERT_EQUAL(cpn_network_link_state(f.net, 0, &cap, &up, &down), CPN_OK);
    CU_ASSERT(up == 1 && cap == 2 * GB);
    CPN_ASSERT_REL(down, 3.0, REL);
    CU_ASSERT_EQUAL(cpn_timeline_applied(tl), 3);
    CU_ASSERT_FATAL(f.n_ev == 3);
    CU_ASSERT(f.ev[0].kind == CPN_EVENT_LINK_DOWN && f.ev[0].time == 2);
    CU_ASSERT(f.ev[1].kind == CPN_EVENT_OTHER && f.ev[1].time == 5);
    CU_ASSERT(f.ev[2].kind == CPN_EVENT_LINK_UP && f.ev[2].time == 5);
    cpn_timeline_free(tl);
    fx_close(&f);
}

static void test_bad_changes_are_refused(void)
{
    struct tl_fx f;
    fx_open(&f, 0);
    struct cpn_timeline *tl = NULL;
    struct cpn_change bad_time = {-1, CPN_CHANGE_LINK_DOWN, 0, NAN, NAN, NAN, 0};
    struct cpn_change bad_kind = {1, CPN_CHANGE_NKINDS, 0, NAN, NAN, NAN, 0};
    struct cpn_change bad_cap = {1, CPN_CHANGE_LINK_CAPACITY, 0, 0, NAN, NAN, 0};
    struct cpn_change tariff = {1, CPN_CHANGE_CENTER_TARIFF, 0, NAN, 0.1, NAN, 0};
    CU_ASSERT_EQUAL(cpn_timeline_new(f.eng, f.links, NULL, NULL, &bad_time, 1, &tl), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_timeline_new(f.eng, f.links, NULL, NULL, &bad_kind, 1, &tl), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_timeline_new(f.eng, f.links, NULL, NULL, &bad_cap, 1, &tl), CPN_EINVAL);
    /* A center's change needs the jobs layer; a link's the network. */
    CU_ASSERT_EQUAL(cpn_timeline_new(f.eng, f.links, NULL, NULL, &tariff, 1, &tl), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_timeline_new(f.eng, NULL, NULL, NULL, &bad_cap, 1, &tl), CPN_EINVAL);
    CU_ASSERT_PTR_NULL(tl);
    CU_ASSERT_EQUAL(cpn_network_set_link(f.net, 7, GB, 1), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_network_set_link(f.net, 0, -1, 1), CPN_EINVAL);
    fx_close(&f);
}

static void test_random_failures_alternate_on_their_own_stream(void)
{
    /* Constant MTBF 10 s and MTTR 2 s: down at 10, up at 12, down at 22, up at 24, ...  A 30 GB
     * transfer at 1 GB/s moves 10 GB by 10 s, 10 GB from 12 to 22, 10 GB from 24 to 34: it ends
     * at 34 s; by 33 s two failures happened and the link was down 4 s.  The stream
     * "failures/link/a-b" is the only one drawn. */
    struct tl_fx f;
    fx_open(&f, 0);
    struct cpn_rng *rng = cpn_rng_new(7);
    struct cpn_dist mtbf, mttr;
    char why[256];
    CU_ASSERT_FATAL(rng != NULL);
    CU_ASSERT_FATAL(cpn_dist_parse("const(10)", NULL, NULL, &mtbf, why, sizeof why) == CPN_OK);
    CU_ASSERT_FATAL(cpn_dist_parse("const(2)", NULL, NULL, &mttr, why, sizeof why) == CPN_OK);
    struct cpn_failure_spec spec = {0, CPN_NONE, &mtbf, &mttr, NAN, CPN_NONE, CPN_NONE};
    struct cpn_failures *fl = NULL;
    CU_ASSERT_FATAL(cpn_failures_new(f.eng, f.links, NULL, &f.obs, rng, &spec, 1, &fl) == CPN_OK);
    CU_ASSERT_EQUAL(cpn_failures_start(fl), CPN_OK);
    CU_ASSERT_EQUAL(cpn_failures_start(fl), CPN_ESTATE);
    CU_ASSERT_EQUAL(cpn_rng_count(rng), 1);
    fx_transfer(&f, 30 * GB);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, 33), CPN_OK);
    CU_ASSERT_EQUAL(cpn_failures_count(fl), 2);
    double down = 0;
    CU_ASSERT_EQUAL(cpn_network_link_state(f.net, 0, NULL, NULL, &down), CPN_OK);
    CPN_ASSERT_REL(down, 4.0, REL);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, 40), CPN_OK);
    CPN_ASSERT_REL(f.end, 34.0, REL);
    CU_ASSERT(f.n_ev >= 5 && f.ev[0].kind == CPN_EVENT_LINK_DOWN && f.ev[0].time == 10 &&
              f.ev[1].kind == CPN_EVENT_LINK_UP && f.ev[1].time == 12);
    /* A link given twice is refused. */
    struct cpn_failure_spec twice[] = {spec, spec};
    struct cpn_failures *bad = NULL;
    CU_ASSERT_EQUAL(cpn_failures_new(f.eng, f.links, NULL, NULL, rng, twice, 2, &bad), CPN_EINVAL);
    CU_ASSERT_PTR_NULL(bad);
    cpn_failures_free(fl);
    cpn_dist_release(&mtbf);
    cpn_dist_release(&mttr);
    cpn_rng_free(rng);
    fx_close(&f);
}

static void test_a_restored_failure_reroutes_its_flows(void)
{
    /* 10 GB from a to b on a-b (1 GB/s, joins at 1 ms): 1.999 GB by 2 s, when a-b fails with a
     * 50 ms restoration.  It stalls until 2.05 s, then moves to a-c-b (2 GB/s): its 8.001 GB
     * take 4.0005 s: it ends at 6.0505 s.  Events: link_down at 2, reroute at 2.05 (1 moved).
     * After the repair at 10 s the router may use a-b again. */
    struct tl_fx f;
    fx_open_triangle(&f);
    struct cpn_change ch[] = {{2, CPN_CHANGE_LINK_DOWN, 0, NAN, NAN, 0.05, 0},
                              {10, CPN_CHANGE_LINK_UP, 0, NAN, NAN, NAN, 0}};
    struct cpn_timeline *tl = NULL;
    CU_ASSERT_FATAL(cpn_timeline_new(f.eng, f.links, NULL, &f.obs, ch, 2, &tl) == CPN_OK);
    CU_ASSERT_EQUAL(cpn_timeline_start(tl), CPN_OK);
    fx_transfer(&f, 10 * GB);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, 9), CPN_OK);
    CPN_ASSERT_REL(f.end, 6.0505, REL);
    uint64_t moved = 0, stalled = 0;
    cpn_links_reroutes(f.links, &moved, &stalled);
    CU_ASSERT(moved == 1 && stalled == 0);
    CU_ASSERT(!cpn_topo_link(f.topo, 0)->up); /* routed around until the repair */
    CU_ASSERT_FATAL(f.n_ev == 2);
    CU_ASSERT(f.ev[0].kind == CPN_EVENT_LINK_DOWN && f.ev[0].time == 2);
    CU_ASSERT(f.ev[1].kind == CPN_EVENT_REROUTE && f.ev[1].subject == 0);
    CPN_ASSERT_REL(f.ev[1].time, 2.05, REL);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, 11), CPN_OK);
    CU_ASSERT(cpn_topo_link(f.topo, 0)->up);
    const struct cpn_path *p;
    CU_ASSERT(cpn_route_shortest(f.router, 0, 1, &p) == CPN_OK && p->hops == 1);
    cpn_timeline_free(tl);
    fx_close(&f);

    /* Without another route the flow stays, stalled, and resumes at the repair: 1 GB/s, 10 GB,
     * down from 2 to 5 s with a restoration at 2.05 that finds no route: ends at 13.001 s. */
    fx_open(&f, 0.001);
    struct cpn_change alone[] = {{2, CPN_CHANGE_LINK_DOWN, 0, NAN, NAN, 0.05, 0},
                                 {5, CPN_CHANGE_LINK_UP, 0, NAN, NAN, NAN, 0}};
    CU_ASSERT_FATAL(cpn_timeline_new(f.eng, f.links, NULL, &f.obs, alone, 2, &tl) == CPN_OK);
    CU_ASSERT_EQUAL(cpn_timeline_start(tl), CPN_OK);
    fx_transfer(&f, 10 * GB);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(f.end, 13.001, REL);
    cpn_links_reroutes(f.links, &moved, &stalled);
    CU_ASSERT(moved == 0 && stalled == 1);
    cpn_timeline_free(tl);
    fx_close(&f);
}

int cpn_test_register_timeline(void)
{
    static const struct cpn_test tests[] = {
        {"a failed link stalls its flow until it is up; same-time changes keep their order",
         test_a_failed_link_stalls_its_flow_until_it_is_up},
        {"a restored failure reroutes its flows; without a route they stall",
         test_a_restored_failure_reroutes_its_flows},
        {"bad changes are refused", test_bad_changes_are_refused},
        {"random failures alternate down and up on their own stream",
         test_random_failures_alternate_on_their_own_stream},
    };
    return CPN_TEST_SUITE("timeline", tests);
}
