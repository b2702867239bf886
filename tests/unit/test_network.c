/* Tests of models/net/network: lossless segments and eta as shared resources of the solve,
 * lossless profiles over lossy hops, node delays; every expectation computed by hand. */
#include "models/net/network.h"
#include "models/net/traffic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine.h"
#include "sim/error.h"
#include "tests/unit/suites.h"

#define GBIT 1.25e8 /* 1 Gbit/s in B/s */

/* A line of n nodes "n0".."n{n-1}" joined by links; the network with the given profiles. */
struct net_fx {
    struct cpn_engine *eng;
    struct cpn_topo *topo;
    struct cpn_router *router;
    struct cpn_network *net;
    double end[16]; /* completion time of transfer id [s] */
    int done;
};

static void fx_free(struct net_fx *f)
{
    cpn_network_free(f->net);
    cpn_router_free(f->router);
    cpn_topo_free(f->topo);
    cpn_engine_free(f->eng);
}

static int on_done(struct cpn_flownet *fn, void *ctx, const struct cpn_flow_done *d)
{
    (void)fn;
    struct net_fx *f = ctx;
    if (d->id < 16)
        f->end[d->id] = d->end;
    f->done++;
    return CPN_OK;
}

/* Add node "n{i}" for i < n and link "l{i}" from n{i} to n{i+1} with spec @p link[i]. */
static void fx_line(struct net_fx *f, uint32_t n, const struct cpn_link_spec *link,
                    const struct cpn_transport *profiles, size_t n_profiles)
{
    memset(f, 0, sizeof *f);
    f->eng = cpn_engine_new();
    f->topo = cpn_topo_new();
    CU_ASSERT_FATAL(f->eng && f->topo);
    char id[16], a[16], b[16];
    for (uint32_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "n%u", i);
        CU_ASSERT_FATAL(cpn_topo_add_node(f->topo, id, NAN, NAN, NULL) == CPN_OK);
    }
    for (uint32_t i = 0; i + 1 < n; i++) {
        struct cpn_link_spec s = link[i];
        snprintf(id, sizeof id, "l%u", i);
        snprintf(a, sizeof a, "n%u", i);
        snprintf(b, sizeof b, "n%u", i + 1);
        s.id = id;
        s.a = a;
        s.b = b;
        CU_ASSERT_FATAL(cpn_topo_add_link(f->topo, &s, NULL) == CPN_OK);
    }
    f->router = cpn_router_new(f->topo);
    CU_ASSERT_FATAL(f->router != NULL);
    CU_ASSERT_FATAL(cpn_network_new(f->eng, f->topo, f->router,
                                    &(struct cpn_network_config){profiles, n_profiles, NULL, 0},
                                    &f->net) == CPN_OK);
}

static struct cpn_link_spec link_spec(double capacity, double latency, enum cpn_flow_control fc,
                                      double buffer)
{
    struct cpn_link_spec s;
    cpn_link_spec_init(&s);
    s.capacity = capacity;
    s.latency = latency;
    s.flow_control = fc;
    s.buffer = buffer;
    return s;
}

static int start(struct net_fx *f, uint32_t src, uint32_t dst, double size, uint32_t profile,
                 uint64_t id)
{
    struct cpn_transfer t = {.src = src,
                             .dst = dst,
                             .size = size,
                             .profile = profile,
                             .weight = 1,
                             .done = on_done,
                             .ctx = f,
                             .id = id,
                             .src_site = CPN_NONE,
                             .dst_site = CPN_NONE};
    return cpn_network_transfer(f->net, &t, NULL);
}

static void test_four_lossless_flows_share_the_credit_buffer_over_rtt(void)
{
    /* One 100G credit link, one-way 1 ms, 8 MB of credits: the segment sustains
     * 8e6 / 2 ms = 4e9 B/s (32 Gbit/s) for all lossless flows together (the issue's
     * "four flows through an 8 MB port").  Four lossless flows of 1 GB each start at 0: each
     * gets 1e9 B/s and ends at 1 ms + 1 s.  (A per-flow cap would have given each 4e9 B/s.)
     * An ideal flow of 8.5 GB over the same link is not lossless: it takes the rest of the
     * link, 12.5e9 - 4e9 = 8.5e9 B/s, and ends at 1 ms + 1 s as well. */
    struct cpn_transport prof[2];
    cpn_transport_default(CPN_TRANSPORT_IDEAL, &prof[0]);
    cpn_transport_default(CPN_TRANSPORT_RDMA_LOSSLESS, &prof[1]);
    prof[1].eta = 1; /* only the segment binds */
    struct cpn_link_spec l = link_spec(100 * GBIT, 1e-3, CPN_FC_CREDIT, 8e6);
    struct net_fx f;
    fx_line(&f, 2, &l, prof, 2);
    for (uint64_t k = 0; k < 4; k++)
        CU_ASSERT_EQUAL(start(&f, 0, 1, 1e9, 1, k), CPN_OK);
    CU_ASSERT_EQUAL(start(&f, 0, 1, 8.5e9, 0, 4), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, INFINITY), CPN_OK);
    CU_ASSERT_EQUAL(f.done, 5);
    for (int k = 0; k < 5; k++)
        CPN_ASSERT_REL(f.end[k], 1e-3 + 1.0, 1e-12);
    fx_free(&f);
}

static void test_a_pfc_port_below_its_headroom_shares_its_buffer_rate(void)
{
    /* 100G PFC hop, one-way 1.47 ms (300 km), 8 MB buffer, MTU 1500: the lossless flows share
     * (8e6 - 3000 - 84) / (2 x 1.47 ms + 4.47488 us) = 2.7153e9 B/s.  Two flows of 1 GB:
     * each gets half, ending at 1.47 ms + 2e9 / 2.7153e9 s. */
    struct cpn_transport prof;
    cpn_transport_default(CPN_TRANSPORT_RDMA_LOSSLESS, &prof);
    prof.eta = 1;
    struct cpn_link_spec l = link_spec(100 * GBIT, 1.47e-3, CPN_FC_PFC, 8e6);
    struct net_fx f;
    fx_line(&f, 2, &l, &prof, 1);
    CU_ASSERT_EQUAL(start(&f, 0, 1, 1e9, 0, 0), CPN_OK);
    CU_ASSERT_EQUAL(start(&f, 0, 1, 1e9, 0, 1), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, INFINITY), CPN_OK);
    double rate = (8e6 - 3000 - 84) / (2 * 1.47e-3 + 4.47488e-6);
    CPN_ASSERT_REL(f.end[0], 1.47e-3 + 2e9 / rate, 1e-12);
    CPN_ASSERT_REL(f.end[1], f.end[0], 1e-12);
    fx_free(&f);
}

static void test_two_eta_flows_fill_eta_times_capacity(void)
{
    /* rdma-lossy (eta 0.95) on a 100G link without loss (so go-back-N keeps the whole link):
     * two flows of 1 GB share 0.95 x 12.5e9 B/s, 5.9375e9 B/s each, and end at
     * 1e9 / 5.9375e9 s (latency 0).  Before eta was a shared resource each flow was capped at
     * 0.95 C alone and the two filled the link to 100%. */
    struct cpn_transport prof;
    cpn_transport_default(CPN_TRANSPORT_RDMA_LOSSY, &prof);
    CPN_ASSERT_REL(prof.eta, 0.95, 0);
    struct cpn_link_spec l = link_spec(100 * GBIT, 0, CPN_FC_NONE, 0);
    struct net_fx f;
    fx_line(&f, 2, &l, &prof, 1);
    CU_ASSERT_EQUAL(start(&f, 0, 1, 1e9, 0, 0), CPN_OK);
    CU_ASSERT_EQUAL(start(&f, 0, 1, 1e9, 0, 1), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(f.end[0], 1e9 / (0.95 * 12.5e9 / 2), 1e-12);
    CPN_ASSERT_REL(f.end[1], f.end[0], 1e-12);
    /* The link carried 2 GB in that time: its mean load was 0.95 of its capacity. */
    struct cpn_flow_usage u;
    CU_ASSERT_EQUAL(cpn_flownet_usage(cpn_network_flows(f.net), 0, &u), CPN_OK);
    CPN_ASSERT_REL(u.bytes / f.end[0], 0.95 * 12.5e9, 1e-12);
    fx_free(&f);
}

static void test_a_lossless_transfer_over_a_lossy_hop_is_refused(void)
{
    /* n0 -credit- n1 -none- n2: rdma-lossless (refuse) cannot go to n2, but can go to n1;
     * with lossy-hops go-back-n it runs (loss 0: go-back-N keeps the whole link). */
    struct cpn_transport prof[2];
    cpn_transport_default(CPN_TRANSPORT_RDMA_LOSSLESS, &prof[0]);
    prof[1] = prof[0];
    prof[1].lossy_hops = CPN_LOSSY_GO_BACK_N;
    struct cpn_link_spec l[2] = {link_spec(100 * GBIT, 1e-3, CPN_FC_CREDIT, 1e9),
                                 link_spec(100 * GBIT, 1e-3, CPN_FC_NONE, 0)};
    struct net_fx f;
    fx_line(&f, 3, l, prof, 2);
    CU_ASSERT_EQUAL(start(&f, 0, 2, 1e9, 0, 0), CPN_ESCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(cpn_error_message(), "link \"l1\""));
    CU_ASSERT_EQUAL(start(&f, 0, 1, 1e9, 0, 1), CPN_OK);
    CU_ASSERT_EQUAL(start(&f, 0, 2, 1e9, 1, 2), CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, INFINITY), CPN_OK);
    CU_ASSERT_EQUAL(f.done, 2);
    fx_free(&f);
}

static void test_node_delays_add_once_per_node_on_a_path(void)
{
    /* n0 - n1 - n2, links of 1 ms; node delays 0.1, 0.2, 0.4 ms: the path n0 -> n2 pays
     * 2 ms + 0.7 ms; n0 -> n1 pays 1 ms + 0.3 ms.  Set after the links exist (moved onto them). */
    struct cpn_link_spec l[2] = {link_spec(GBIT, 1e-3, CPN_FC_NONE, 0),
                                 link_spec(GBIT, 1e-3, CPN_FC_NONE, 0)};
    struct net_fx f;
    fx_line(&f, 3, l, NULL, 0);
    CU_ASSERT_EQUAL(cpn_topo_set_node_delay(f.topo, 0, 1e-4), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_set_node_delay(f.topo, 1, 2e-4), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_set_node_delay(f.topo, 2, 4e-4), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_set_node_delay(f.topo, 2, -1), CPN_ESCENARIO);
    struct cpn_router *r = cpn_router_new(f.topo); /* routes of the changed topology */
    const struct cpn_path *p;
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 2, &p), CPN_OK);
    CPN_ASSERT_REL(p->latency, 2.7e-3, 1e-12);
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 1, &p), CPN_OK);
    CPN_ASSERT_REL(p->latency, 1.3e-3, 1e-12);
    cpn_router_free(r);
    fx_free(&f);
}

/* Records of finished flows, for the traffic replay. */
struct flow_log {
    struct cpn_flow_record rec[8];
    int n;
};

static int log_flow(void *ctx, const struct cpn_flow_record *rec)
{
    struct flow_log *l = ctx;
    if (l->n < 8)
        l->rec[l->n] = *rec;
    l->n++;
    return CPN_OK;
}

static void test_a_four_way_weighted_split_completes_with_its_last_part(void)
{
    /* n0 reaches n5 over four disjoint two-hop paths n0-nk-n5 (k = 1..4), every link 10 GB/s
     * and 1 ms.  A 5 GB flow over the path set with shares 1:1:1:2 moves 1, 1, 1 and 2 GB, each
     * part alone on its path at 10 GB/s: parts end at 2 ms + 0.1 s (three) and 2 ms + 0.2 s.
     * The replay reports one record: 5 GB, ending at 0.202 s.  A second flow, paths="4"
     * (shares by the offered rates, here equal), moves 1.25 GB per path once the first has
     * gone: started at 1 s, it ends at 1 + 0.002 + 0.125 s. */
    struct net_fx f;
    memset(&f, 0, sizeof f);
    f.eng = cpn_engine_new();
    f.topo = cpn_topo_new();
    char id[16], a[16], b[16];
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "n%d", i);
        CU_ASSERT_FATAL(cpn_topo_add_node(f.topo, id, NAN, NAN, NULL) == CPN_OK);
    }
    for (int k = 1; k <= 4; k++)
        for (int side = 0; side < 2; side++) {
            struct cpn_link_spec l = link_spec(10e9, 1e-3, CPN_FC_NONE, 0);
            snprintf(id, sizeof id, "l%d%d", k, side);
            snprintf(a, sizeof a, "n%d", side ? k : 0);
            snprintf(b, sizeof b, "n%d", side ? 5 : k);
            l.id = id;
            l.a = a;
            l.b = b;
            CU_ASSERT_FATAL(cpn_topo_add_link(f.topo, &l, NULL) == CPN_OK);
        }
    f.router = cpn_router_new(f.topo);
    CU_ASSERT_FATAL(cpn_network_new(f.eng, f.topo, f.router, NULL, &f.net) == CPN_OK);
    const struct cpn_path *set[4];
    for (uint32_t k = 1; k <= 4; k++) {
        uint32_t nodes[3] = {0, k, 5};
        CU_ASSERT_FATAL(cpn_route_explicit(f.router, nodes, 3, &set[k - 1]) == CPN_OK);
    }
    const double shares[4] = {1, 1, 1, 2};
    struct cpn_traffic_flow flows[2] = {
        {.src = 0,
         .dst = 5,
         .size = 5e9,
         .start = 0,
         .weight = 1,
         .paths = set,
         .shares = shares,
         .n_paths = 4},
        {.src = 0, .dst = 5, .size = 5e9, .start = 1, .weight = 1, .k_paths = 4},
    };
    struct flow_log log = {0};
    struct cpn_observer obs = {.ctx = &log, .flow_end = log_flow};
    struct cpn_traffic *t = NULL;
    CU_ASSERT_FATAL(cpn_traffic_new(f.eng, f.net, &obs, flows, 2, &t) == CPN_OK);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, INFINITY), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(log.n, 2);
    CPN_ASSERT_REL(log.rec[0].end, 0.202, 1e-12);
    CPN_ASSERT_REL(log.rec[0].bytes, 5e9, 1e-12);
    CU_ASSERT_EQUAL(log.rec[0].path, CPN_NONE);
    CPN_ASSERT_REL(cpn_traffic_finish(t, 0), 0.202, 1e-12);
    CPN_ASSERT_REL(log.rec[1].end, 1.127, 1e-12);
    CPN_ASSERT_REL(log.rec[1].bytes, 5e9, 1e-12);
    /* The links of the fourth path carried 2 GB (share 2/5), the others 1 GB + 1.25 GB. */
    struct cpn_flow_usage u;
    CU_ASSERT_EQUAL(cpn_flownet_usage(cpn_network_flows(f.net), cpn_topo_dlink(6, 0), &u), CPN_OK);
    CPN_ASSERT_REL(u.bytes, 2e9 + 1.25e9, 1e-12);
    CU_ASSERT_EQUAL(cpn_flownet_usage(cpn_network_flows(f.net), cpn_topo_dlink(0, 0), &u), CPN_OK);
    CPN_ASSERT_REL(u.bytes, 1e9 + 1.25e9, 1e-12);
    cpn_traffic_free(t);
    fx_free(&f);
}

/* A streamed source for the replay: a fixed list handed out one flow at a time. */
struct flow_list {
    const struct cpn_traffic_flow *flows;
    size_t n, next;
    size_t max_ahead; /* largest (read - started) seen: the source reads one flow ahead */
    struct cpn_traffic *t;
};

static int next_listed(void *ctx, struct cpn_traffic_flow *f, int *more)
{
    struct flow_list *l = ctx;
    *more = l->next < l->n;
    if (*more)
        *f = l->flows[l->next++];
    if (l->t) {
        size_t ahead = l->next - cpn_traffic_started(l->t);
        if (ahead > l->max_ahead)
            l->max_ahead = ahead;
    }
    return CPN_OK;
}

static void test_a_streamed_source_replays_like_loaded_flows(void)
{
    /* n0 - n1, one link of 1 GB/s without latency.  A source gives (ids 10, 11, 12): 1 GB at
     * 0 s, 1 GB at 0.5 s, 0.5 GB at 3 s; the replay's own flow 0 is 1 GB at 10 s.  By hand:
     * flow 10 alone moves 0.5 GB by 0.5 s, then shares 0.5 GB/s with 11 and ends at 1.5 s;
     * 11 has 0.5 GB left, alone at 1 GB/s: 2.0 s; 12 alone: 3.5 s; flow 0 alone: 11 s. */
    struct cpn_link_spec l = link_spec(1e9, 0, CPN_FC_NONE, 0);
    struct net_fx f;
    fx_line(&f, 2, &l, NULL, 0);
    const struct cpn_traffic_flow own = {.src = 0, .dst = 1, .size = 1e9, .start = 10, .weight = 1};
    const struct cpn_traffic_flow listed[3] = {
        {.src = 0, .dst = 1, .size = 1e9, .start = 0, .weight = 1},
        {.src = 0, .dst = 1, .size = 1e9, .start = 0.5, .weight = 1},
        {.src = 0, .dst = 1, .size = 0.5e9, .start = 3, .weight = 1},
    };
    struct flow_log log = {0};
    struct cpn_observer obs = {.ctx = &log, .flow_end = log_flow};
    struct cpn_traffic *t = NULL;
    CU_ASSERT_FATAL(cpn_traffic_new(f.eng, f.net, &obs, &own, 1, &t) == CPN_OK);
    struct flow_list src = {listed, 3, 0, 0, t};
    /* ids must lie past the replay's own (0) and not overlap another source's */
    CU_ASSERT_EQUAL(cpn_traffic_add_source(t, next_listed, &src, 0, 3, 1), CPN_EINVAL);
    CU_ASSERT_EQUAL_FATAL(cpn_traffic_add_source(t, next_listed, &src, 10, 3, 1), CPN_OK);
    struct flow_list none = {listed, 0, 0, 0, NULL};
    CU_ASSERT_EQUAL(cpn_traffic_add_source(t, next_listed, &none, 12, 1, 0), CPN_EINVAL);
    CU_ASSERT_EQUAL(src.next, 1); /* only the first flow read so far */
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, INFINITY), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(log.n, 4);
    const uint64_t ids[4] = {10, 11, 12, 0};
    const double ends[4] = {1.5, 2.0, 3.5, 11};
    for (int k = 0; k < 4; k++) {
        CU_ASSERT_EQUAL(log.rec[k].id, ids[k]);
        CPN_ASSERT_REL(log.rec[k].end, ends[k], 1e-12);
        CPN_ASSERT_REL(cpn_traffic_finish(t, ids[k]), ends[k], 1e-12);
        CU_ASSERT_EQUAL(log.rec[k].src, 0);
        CU_ASSERT_EQUAL(log.rec[k].dst, 1);
    }
    CPN_ASSERT_REL(log.rec[2].bytes, 0.5e9, 1e-12);
    CU_ASSERT(isnan(cpn_traffic_finish(t, 5)));
    CU_ASSERT(isnan(cpn_traffic_finish(t, 13)));
    CU_ASSERT_EQUAL(cpn_traffic_started(t), 4);
    CU_ASSERT_EQUAL(cpn_traffic_finished(t), 4);
    CPN_ASSERT_REL(cpn_traffic_makespan(t), 11, 1e-12);
    CU_ASSERT(src.max_ahead <= 1); /* never more than one flow read ahead of the starts */
    cpn_traffic_free(t);
    fx_free(&f);
}

static void test_settled_follows_the_finishes_in_order(void)
{
    /* n0 - n1, 1 GB/s without latency.  A source (ids 4, 5): 2 GB at 0 s, 0.1 GB at 0.5 s; the
     * replay's own flow 0: 0.1 GB at 3 s.  By hand: 4 moves 0.5 GB alone, then both at
     * 0.5 GB/s: 5 ends at 0.7 s, 4 has 1.4 GB left alone: 2.1 s; 0 ends at 3.1 s.  The settled
     * bound of the source stays at its first id while 4 moves (5, after it, has finished), and
     * passes both at 2.1 s; the replay's own at 3.1 s. */
    struct cpn_link_spec l = link_spec(1e9, 0, CPN_FC_NONE, 0);
    struct net_fx f;
    fx_line(&f, 2, &l, NULL, 0);
    const struct cpn_traffic_flow own = {.src = 0, .dst = 1, .size = 1e8, .start = 3, .weight = 1};
    const struct cpn_traffic_flow listed[2] = {
        {.src = 0, .dst = 1, .size = 2e9, .start = 0, .weight = 1},
        {.src = 0, .dst = 1, .size = 1e8, .start = 0.5, .weight = 1},
    };
    struct flow_log log = {0};
    struct cpn_observer obs = {.ctx = &log, .flow_end = log_flow};
    struct cpn_traffic *t = NULL;
    CU_ASSERT_FATAL(cpn_traffic_new(f.eng, f.net, &obs, &own, 1, &t) == CPN_OK);
    struct flow_list src = {listed, 2, 0, 0, t};
    CU_ASSERT_EQUAL_FATAL(cpn_traffic_add_source(t, next_listed, &src, 4, 2, 1), CPN_OK);
    CU_ASSERT_EQUAL(cpn_traffic_settled(t, 4), 4);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, 1), CPN_OK);
    CPN_ASSERT_REL(cpn_traffic_finish(t, 5), 0.7, 1e-12);
    CU_ASSERT(isnan(cpn_traffic_finish(t, 4)));
    CU_ASSERT_EQUAL(cpn_traffic_settled(t, 4), 4); /* 5 has finished, 4 not */
    CU_ASSERT_EQUAL(cpn_traffic_settled(t, 5), 4);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, 2.5), CPN_OK);
    CPN_ASSERT_REL(cpn_traffic_finish(t, 4), 2.1, 1e-12);
    CU_ASSERT_EQUAL(cpn_traffic_settled(t, 5), 6);
    CU_ASSERT_EQUAL(cpn_traffic_settled(t, 0), 0);
    CU_ASSERT_EQUAL(cpn_engine_run(f.eng, INFINITY), CPN_OK);
    CPN_ASSERT_REL(cpn_traffic_finish(t, 0), 3.1, 1e-12);
    CU_ASSERT_EQUAL(cpn_traffic_settled(t, 0), 1);
    CU_ASSERT_EQUAL(cpn_traffic_settled(t, 2), 2); /* no flow of the replay: itself */
    cpn_traffic_free(t);
    fx_free(&f);
}

/* Flows a caller keeps in its own compact form (as a scenario keeps its loaded flows). */
struct kept_flows {
    const double *size, *start;
    double weight; /* of every flow */
    size_t gets;   /* calls of get_kept */
};

static void get_kept(const void *ctx, size_t i, struct cpn_traffic_flow *f)
{
    struct kept_flows *k = (struct kept_flows *)ctx;
    k->gets++;
    *f = (struct cpn_traffic_flow){
        .src = 0, .dst = 1, .size = k->size[i], .start = k->start[i], .weight = k->weight};
}

static double start_kept(const void *ctx, size_t i)
{
    return ((const struct kept_flows *)ctx)->start[i];
}

static double start_late(const void *ctx, size_t i)
{
    return start_kept(ctx, i) + 1;
}

static void test_flows_kept_by_the_caller_replay_in_start_order(void)
{
    /* n0 - n1, one link of 1 GB/s without latency.  Flows by index: 1 GB at 3 s, 1 GB at 0 s,
     * 0.5 GB at 0 s (not in start order; 1 and 2 tie and start in index order).  By hand: 1 and
     * 2 share 0.5 GB/s each; 2 ends at 1.0 s; 1 has 0.5 GB left, alone: 1.5 s; 0 alone: 4.0 s.
     * The same flows in start order (2 swapped with 0) give the same ends, without an order
     * array.  Finish times are kept only when asked. */
    struct cpn_link_spec l = link_spec(1e9, 0, CPN_FC_NONE, 0);
    const double size[2][3] = {{1e9, 1e9, 0.5e9}, {0.5e9, 1e9, 1e9}};
    const double start[2][3] = {{3, 0, 0}, {0, 0, 3}};
    const double end[2][3] = {{4.0, 1.5, 1.0}, {1.0, 1.5, 4.0}};
    const uint64_t first_done[2] = {2, 0};
    for (int c = 0; c < 4; c++) {
        int sorted = c & 1, keep = c >> 1;
        struct net_fx f;
        fx_line(&f, 2, &l, NULL, 0);
        struct kept_flows kept = {size[sorted], start[sorted], 1, 0};
        struct flow_log log = {0};
        struct cpn_observer obs = {.ctx = &log, .flow_end = log_flow};
        struct cpn_traffic *t = NULL;
        CU_ASSERT_FATAL(cpn_traffic_new_from(f.eng, f.net, &obs, 3, get_kept, start_kept, &kept,
                                             keep, &t) == CPN_OK);
        CU_ASSERT_EQUAL(cpn_engine_run(f.eng, INFINITY), CPN_OK);
        CU_ASSERT_EQUAL_FATAL(log.n, 3);
        CU_ASSERT_EQUAL(log.rec[0].id, first_done[sorted]);
        for (int k = 0; k < 3; k++) {
            uint64_t i = log.rec[k].id;
            CU_ASSERT_FATAL(i < 3);
            CPN_ASSERT_REL(log.rec[k].end, end[sorted][i], 1e-12);
            CPN_ASSERT_REL(log.rec[k].bytes, size[sorted][i], 1e-12);
            if (keep) {
                CPN_ASSERT_REL(cpn_traffic_finish(t, i), end[sorted][i], 1e-12);
            } else {
                CU_ASSERT(isnan(cpn_traffic_finish(t, i)));
            }
        }
        CU_ASSERT(kept.gets >= 6); /* checked once, read at start and at finish */
        cpn_traffic_free(t);
        fx_free(&f);
    }
    /* A bad weight (0), or a start_of that disagrees with get: refused; good: accepted. */
    for (int c = 0; c < 3; c++) {
        struct net_fx f;
        fx_line(&f, 2, &l, NULL, 0);
        struct kept_flows kept = {size[0], start[0], c == 0 ? 0 : 1, 0};
        struct cpn_traffic *t = NULL;
        CU_ASSERT_EQUAL(cpn_traffic_new_from(f.eng, f.net, NULL, 3, get_kept,
                                             c == 1 ? start_late : start_kept, &kept, 0, &t),
                        c == 2 ? CPN_OK : CPN_EINVAL);
        CU_ASSERT_EQUAL(t != NULL, c == 2);
        cpn_traffic_free(t);
        fx_free(&f);
    }
}

static void test_a_streamed_source_out_of_order_stops_the_run(void)
{
    /* A source whose second flow starts before its first, or that gives more flows than it
     * announced, or a split flow: the run stops with CPN_EINVAL when it is read. */
    struct cpn_link_spec l = link_spec(1e9, 0, CPN_FC_NONE, 0);
    const struct cpn_traffic_flow listed[2] = {
        {.src = 0, .dst = 1, .size = 1e9, .start = 2, .weight = 1},
        {.src = 0, .dst = 1, .size = 1e9, .start = 1, .weight = 1},
    };
    const struct cpn_traffic_flow split = {
        .src = 0, .dst = 1, .size = 1e9, .start = 0, .weight = 1, .k_paths = 2};
    for (int c = 0; c < 3; c++) {
        struct net_fx f;
        fx_line(&f, 2, &l, NULL, 0);
        struct cpn_traffic *t = NULL;
        CU_ASSERT_FATAL(cpn_traffic_new(f.eng, f.net, NULL, NULL, 0, &t) == CPN_OK);
        struct flow_list src = {c == 2   ? &split
                                : c == 1 ? listed
                                         : listed,
                                c == 2 ? 1 : 2, 0, 0, NULL};
        int rc = cpn_traffic_add_source(t, next_listed, &src, 0, c == 1 ? 1 : 2, 0);
        if (c == 2) {
            CU_ASSERT_EQUAL(rc, CPN_EINVAL); /* the first flow is read when added */
        } else {
            CU_ASSERT_EQUAL_FATAL(rc, CPN_OK);
            CU_ASSERT_EQUAL(cpn_engine_run(f.eng, INFINITY), CPN_EINVAL);
            CU_ASSERT_PTR_NOT_NULL(
                strstr(cpn_error_message(), c == 0 ? "before the previous" : "more flows"));
            CU_ASSERT_EQUAL(cpn_traffic_started(t), 1);
        }
        cpn_traffic_free(t);
        fx_free(&f);
    }
}

int cpn_test_register_network(void)
{
    static const struct cpn_test tests[] = {
        {"four lossless flows share one credit buffer's B/RTT; an ideal flow takes the rest",
         test_four_lossless_flows_share_the_credit_buffer_over_rtt},
        {"a PFC port below its headroom: its lossless flows share the rate its buffer covers",
         test_a_pfc_port_below_its_headroom_shares_its_buffer_rate},
        {"two eta flows fill eta x C of a link together",
         test_two_eta_flows_fill_eta_times_capacity},
        {"a lossless transfer over a hop without flow control is refused, or go-back-N",
         test_a_lossless_transfer_over_a_lossy_hop_is_refused},
        {"node delays are paid once per node on a path",
         test_node_delays_add_once_per_node_on_a_path},
        {"a 4-way weighted split completes with its last part; K shortest split by offers",
         test_a_four_way_weighted_split_completes_with_its_last_part},
        {"a streamed source replays like loaded flows, one flow read ahead",
         test_a_streamed_source_replays_like_loaded_flows},
        {"the settled bound follows the finishes in flow order",
         test_settled_follows_the_finishes_in_order},
        {"flows kept by the caller replay in start order; finish times kept when asked",
         test_flows_kept_by_the_caller_replay_in_start_order},
        {"a streamed source out of order, too long or split stops the run",
         test_a_streamed_source_out_of_order_stops_the_run},
    };
    return CPN_TEST_SUITE("network", tests);
}
