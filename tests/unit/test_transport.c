/* Tests of models/transport: the caps reproduce the numbers of reference/network-models.md. */
#include "models/net/transport.h"

#include <math.h>

#include "sim/error.h"
#include "tests/unit/suites.h"

#define GBIT      1.25e8 /* 1 Gbit/s in B/s */
#define US_PER_KM 4.9e-6 /* fibre delay [s/km] of the reference's tables (§1.2, §2.3) */

/* One hop of capacity c [B/s], one-way latency d [s], loss p; lossy, no buffer, 1500-B MTU. */
static struct cpn_hop hop(double c, double d, double p)
{
    return (struct cpn_hop){c, d, p, 0, CPN_FC_NONE, 1500};
}

/* Round x to two decimals, as the reference's tables print it. */
static double round2(double x)
{
    return round(x * 100) / 100;
}

static void test_window_cap_reproduces_the_6MiB_at_33ms_row(void)
{
    /* §2.3 item 1: W = 6 MiB, RTT 33 ms -> 6*2^20/0.033 B/s = 1.525 Gbit/s, printed "1.53".
     * One 100G hop of 16.5 ms one-way gives RTT 33 ms; loss 0 so only the window binds. */
    struct cpn_transport t;
    CU_ASSERT_EQUAL(cpn_transport_default(CPN_TRANSPORT_TCP, &t), CPN_OK);
    struct cpn_hop h = hop(100 * GBIT, 0.0165, 0);
    double cap;
    struct cpn_transport_terms x;
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, &h, 1, &cap, &x), CPN_OK);
    CPN_ASSERT_REL(cap, 6.0 * 1048576 / 0.033, 1e-12);
    CPN_ASSERT_REL(x.rtt, 0.033, 1e-12);
    CU_ASSERT_EQUAL(round2(cap / 1e9 * 8), 1.53);
    CU_ASSERT(isinf(x.mathis) && isinf(x.gbn) && isinf(x.segments));
}

static void test_mathis_cap_reproduces_0_43_gbit_at_1e_6(void)
{
    /* §2.3 item 2: MSS 1460 B, RTT 33 ms, p = 1e-6: 1460/0.033*sqrt(1.5)/1e-3 = 54.19e6 B/s
     * = 0.4335 Gbit/s, printed "0.43"; the other rows 1e-5 -> 0.14, 1e-7 -> 1.37. */
    CU_ASSERT_EQUAL(round2(cpn_transport_mathis_cap(1460, 0.033, 1e-6) * 8 / 1e9), 0.43);
    CU_ASSERT_EQUAL(round2(cpn_transport_mathis_cap(1460, 0.033, 1e-5) * 8 / 1e9), 0.14);
    CU_ASSERT_EQUAL(round2(cpn_transport_mathis_cap(1460, 0.033, 1e-7) * 8 / 1e9), 1.37);
    CU_ASSERT(isinf(cpn_transport_mathis_cap(1460, 0.033, 0)));
    /* Through the profile: a 6 MiB window caps at 1.53 Gbit/s, so Mathis (0.43) binds. */
    struct cpn_transport t;
    cpn_transport_default(CPN_TRANSPORT_TCP, &t);
    struct cpn_hop h = hop(100 * GBIT, 0.0165, 1e-6);
    double cap;
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, &h, 1, &cap, NULL), CPN_OK);
    CPN_ASSERT_REL(cap, 1460 / 0.033 * sqrt(1.5) / sqrt(1e-6), 1e-12);
}

static void test_go_back_n_reproduces_0_71_at_100G_33ms(void)
{
    /* §2.3 item 3: 100G, RTT 33 ms, 1 KB packets: W = 12.5e9*0.033/1000 = 412500 packets;
     * (1-p)/(1+p(W-1)): p = 1e-6 -> 0.71, 1e-7 -> 0.96, 1e-5 -> 0.20; at 2 ms, 1e-5 -> 0.80. */
    struct cpn_transport t;
    cpn_transport_default(CPN_TRANSPORT_RDMA_LOSSY, &t);
    t.eta = 1; /* only go-back-N */
    const double loss[] = {1e-6, 1e-7, 1e-5}, expect[] = {0.71, 0.96, 0.20};
    for (int i = 0; i < 3; i++) {
        struct cpn_hop h = hop(100 * GBIT, 0.0165, loss[i]);
        double cap;
        CU_ASSERT_EQUAL(cpn_transport_cap(&t, &h, 1, &cap, NULL), CPN_OK);
        CU_ASSERT_EQUAL(round2(cap / (100 * GBIT)), expect[i]);
        CPN_ASSERT_REL(cap / (100 * GBIT), cpn_transport_gbn_efficiency(loss[i], 412500), 1e-9);
    }
    struct cpn_hop h = hop(100 * GBIT, 0.001, 1e-5);
    double cap;
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, &h, 1, &cap, NULL), CPN_OK);
    CU_ASSERT_EQUAL(round2(cap / (100 * GBIT)), 0.80);
}

static void test_pfc_headroom_reproduces_the_2xBDP_rows(void)
{
    /* §1.2 table, rows "2·BDP": 2*C*d + 2*MTU with d = km * 4.9 us, in decimal MB, compared
     * within half a unit of the last printed digit. */
    const double km[] = {10, 80, 200, 300, 1000, 3000};
    const double gbps[] = {100, 400, 800};
    const double mb[3][6] = {{1.2, 9.8, 24.5, 36.8, 123, 368},
                             {4.9, 39, 98, 147, 490, 1470},
                             {9.8, 78, 196, 294, 980, 2940}};
    const double unit[3][6] = {
        {0.1, 0.1, 0.1, 0.1, 1, 1}, {0.1, 1, 1, 1, 1, 10}, {0.1, 1, 1, 1, 1, 10}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 6; j++) {
            /* The full headroom adds the PFC frame (84 B) and C x 4.47488 us of interface and
             * response delay (§1.2) to the table's 2 C d + 2 MTU. */
            double c = gbps[i] * GBIT;
            double h = cpn_transport_pfc_headroom(c, km[j] * US_PER_KM, 1500);
            double bdp_rows = (h - 84 - c * 4.47488e-6) / 1e6;
            CU_ASSERT(fabs(bdp_rows - mb[i][j]) <= unit[i][j] / 2);
        }
    /* By hand at 100G, 10 km: 2 x 12.5e9 x 49e-6 = 1,225,000; + 3000 + 84 + 55,936 B. */
    CPN_ASSERT_REL(cpn_transport_pfc_headroom(100 * GBIT, 10 * US_PER_KM, 1500), 1284020.0, 1e-12);
}

static void test_lossless_segment_rate_is_the_rate_its_buffer_covers(void)
{
    double c = 100 * GBIT, d = 1000 * US_PER_KM; /* 1000 km at 100G */
    /* A PFC hop whose buffer is exactly the headroom reaches line rate: (headroom - 2 MTU -
     * 84 B) / (2 d + 4.47488 us) = (2 C d + C x 4.47488 us) / (2 d + 4.47488 us) = C. */
    struct cpn_hop pfc = {c, d, 0, cpn_transport_pfc_headroom(c, d, 9000), CPN_FC_PFC, 9000};
    CPN_ASSERT_REL(cpn_transport_segment_rate(&pfc), c, 1e-12);
    /* A 32 MiB shallow buffer (HPCC config, §1.1): (32 MiB - 18,084 B) / 9.80447488 ms. */
    pfc.buffer = 32.0 * 1048576;
    CPN_ASSERT_REL(cpn_transport_segment_rate(&pfc),
                   (32.0 * 1048576 - 18084) / (2 * d + 4.47488e-6), 1e-12);
    /* A credit hop uses its whole buffer: 512 MB over 2 x 3000 km x 4.9 us = 29.4 ms. */
    struct cpn_hop credit = {c, 3000 * US_PER_KM, 0, 512e6, CPN_FC_CREDIT, 9000};
    CPN_ASSERT_REL(cpn_transport_segment_rate(&credit), 512e6 / 0.0294, 1e-12);
    /* A buffer smaller than two frames holds nothing: 0; no flow control: unbounded. */
    pfc.buffer = 1000;
    CU_ASSERT_EQUAL(cpn_transport_segment_rate(&pfc), 0.0);
    CU_ASSERT(
        isinf(cpn_transport_segment_rate(&(struct cpn_hop){c, d, 0, 1e9, CPN_FC_NONE, 1500})));
    /* The segment limit is shared, not a per-flow cap: the cap of a flow over it is its own
     * terms only (here none binds), and the terms report the shared limit. */
    struct cpn_transport t;
    cpn_transport_default(CPN_TRANSPORT_RDMA_LOSSLESS, &t);
    double cap;
    struct cpn_transport_terms x;
    credit.buffer = 256e6; /* 256 MB / 29.4 ms = 8.71e9 B/s, below 0.95 x C = 11.9e9 B/s */
    struct cpn_hop path[2] = {pfc, credit};
    path[0].buffer = 1e12; /* deep: not binding */
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, path, 2, &cap, &x), CPN_OK);
    CU_ASSERT(isinf(cap));
    CU_ASSERT_EQUAL(x.lossless, 1);
    CPN_ASSERT_REL(x.segments, 256e6 / 0.0294, 1e-12);
    CPN_ASSERT_REL(x.alone, 256e6 / 0.0294, 1e-12);
    CU_ASSERT(isinf(x.gbn)); /* lossless path: no go-back-N term */
}

static void test_eta_is_a_shared_limit_reported_in_the_terms(void)
{
    /* rdma-lossless with deep credit buffers and eta 0.95: no per-flow cap; a flow alone gets
     * 0.95 x the smallest capacity (the eta resource of the network). */
    struct cpn_transport t;
    cpn_transport_default(CPN_TRANSPORT_RDMA_LOSSLESS, &t);
    CPN_ASSERT_REL(t.eta, 0.95, 0);
    struct cpn_hop p[2] = {{400 * GBIT, 1e-3, 0, 1e12, CPN_FC_CREDIT, 9000},
                           {100 * GBIT, 1e-3, 0, 1e12, CPN_FC_CREDIT, 9000}};
    double cap;
    struct cpn_transport_terms x;
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, p, 2, &cap, &x), CPN_OK);
    CU_ASSERT(isinf(cap));
    CPN_ASSERT_REL(x.eta, 0.95 * 100 * GBIT, 1e-12);
    CPN_ASSERT_REL(x.alone, 0.95 * 100 * GBIT, 1e-12);
    /* The NIC rate is the sender's own: a per-flow cap. */
    t.nic_rate = 25 * GBIT;
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, p, 2, &cap, NULL), CPN_OK);
    CPN_ASSERT_REL(cap, 25 * GBIT, 1e-12);
}

static void test_lossless_over_a_lossy_hop_is_refused_or_go_back_n(void)
{
    /* A hop without flow control makes the path lossy: refused by default... */
    struct cpn_transport t;
    cpn_transport_default(CPN_TRANSPORT_RDMA_LOSSLESS, &t);
    struct cpn_hop p[2] = {{100 * GBIT, 1e-3, 0, 1e12, CPN_FC_CREDIT, 9000},
                           {100 * GBIT, 0.0155, 1e-6, 0, CPN_FC_NONE, 1500}};
    double cap;
    struct cpn_transport_terms x;
    CU_ASSERT_EQUAL(cpn_transport_lossy_hop(p, 2), 1);
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, p, 2, &cap, &x), CPN_ESCENARIO);
    /* ... or modelled as lossy RDMA: go-back-N at p = 1e-6 over RTT 33 ms (412,500 packets of
     * 1 KB in flight), no lossless segment. */
    t.lossy_hops = CPN_LOSSY_GO_BACK_N;
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, p, 2, &cap, &x), CPN_OK);
    CU_ASSERT_EQUAL(x.lossless, 0);
    CU_ASSERT(isinf(x.segments));
    CPN_ASSERT_REL(cap, 100 * GBIT * (1 - 1e-6) / (1 + 1e-6 * (412500 - 1)), 1e-9);
    CU_ASSERT_EQUAL(cpn_transport_lossy_hop(p, 1), 1); /* the first hop alone is lossless */
}

static void test_path_loss_composes_independent_hops(void)
{
    /* 1 - (1-0.1)(1-0.1) = 0.19; tiny losses add: 1e-18 + 2e-18 = 3e-18 (not lost to rounding). */
    struct cpn_hop p[2] = {hop(1, 0, 0.1), hop(1, 0, 0.1)};
    CPN_ASSERT_REL(cpn_transport_path_loss(p, 2), 0.19, 1e-12);
    p[0].loss = 1e-18;
    p[1].loss = 2e-18;
    CPN_ASSERT_REL(cpn_transport_path_loss(p, 2), 3e-18, 1e-12);
}

static void test_ideal_profile_has_no_cap(void)
{
    struct cpn_transport t;
    CU_ASSERT_EQUAL(cpn_transport_default(CPN_TRANSPORT_IDEAL, &t), CPN_OK);
    struct cpn_hop h = hop(GBIT, 0.01, 0.01);
    double cap = 0;
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, &h, 1, &cap, NULL), CPN_OK);
    CU_ASSERT(isinf(cap));
}

static void test_profile_names_parse_and_unknown_is_enoent(void)
{
    enum cpn_transport_kind k;
    CU_ASSERT_EQUAL(cpn_transport_kind_parse("rdma-lossless", &k), CPN_OK);
    CU_ASSERT_EQUAL(k, CPN_TRANSPORT_RDMA_LOSSLESS);
    CU_ASSERT_EQUAL(cpn_transport_kind_parse("tcp", &k), CPN_OK);
    CU_ASSERT_EQUAL(k, CPN_TRANSPORT_TCP);
    CU_ASSERT_EQUAL(cpn_transport_kind_parse("quic", &k), CPN_ENOENT);
    CU_ASSERT_EQUAL(cpn_transport_kind_parse(NULL, &k), CPN_EINVAL);
}

static void test_bad_arguments_are_einval(void)
{
    struct cpn_transport t;
    cpn_transport_default(CPN_TRANSPORT_TCP, &t);
    struct cpn_hop h = hop(GBIT, 0.01, 0);
    double cap;
    CU_ASSERT_EQUAL(cpn_transport_default((enum cpn_transport_kind)42, &t), CPN_EINVAL);
    cpn_transport_default(CPN_TRANSPORT_TCP, &t);
    CU_ASSERT_EQUAL(cpn_transport_default(CPN_TRANSPORT_TCP, NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, &h, 0, &cap, NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_transport_cap(NULL, &h, 1, &cap, NULL), CPN_EINVAL);
    h.loss = 1;
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, &h, 1, &cap, NULL), CPN_EINVAL);
    h = hop(0, 0.01, 0);
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, &h, 1, &cap, NULL), CPN_EINVAL);
    h = hop(GBIT, 0.01, 0);
    t.eta = 1.5;
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, &h, 1, &cap, NULL), CPN_EINVAL);
    t.eta = 1;
    t.window = 0;
    CU_ASSERT_EQUAL(cpn_transport_cap(&t, &h, 1, &cap, NULL), CPN_EINVAL);
}

int cpn_test_register_transport(void)
{
    static const struct cpn_test tests[] = {
        {"a 6 MiB window at 33 ms RTT caps at 1.53 Gbit/s",
         test_window_cap_reproduces_the_6MiB_at_33ms_row},
        {"Mathis at p=1e-6, 33 ms, MSS 1460 gives 0.43 Gbit/s",
         test_mathis_cap_reproduces_0_43_gbit_at_1e_6},
        {"go-back-N at 100G, 33 ms, 1 KB, p=1e-6 keeps 0.71 of the capacity",
         test_go_back_n_reproduces_0_71_at_100G_33ms},
        {"PFC headroom reproduces the 2xBDP table rows plus frame and response terms",
         test_pfc_headroom_reproduces_the_2xBDP_rows},
        {"a lossless segment sustains the rate its buffer covers (shared, not per flow)",
         test_lossless_segment_rate_is_the_rate_its_buffer_covers},
        {"eta is a shared limit reported in the terms; the NIC is a per-flow cap",
         test_eta_is_a_shared_limit_reported_in_the_terms},
        {"lossless over a hop without flow control: refused, or go-back-N when asked",
         test_lossless_over_a_lossy_hop_is_refused_or_go_back_n},
        {"path loss is 1 - prod(1 - p_i), exact for tiny p",
         test_path_loss_composes_independent_hops},
        {"the ideal profile has no cap", test_ideal_profile_has_no_cap},
        {"profile names parse; an unknown name is ENOENT",
         test_profile_names_parse_and_unknown_is_enoent},
        {"out-of-range profiles and hops are EINVAL", test_bad_arguments_are_einval},
    };
    return CPN_TEST_SUITE("transport", tests);
}
