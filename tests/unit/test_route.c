/* Suite "route": Dijkstra with its tie-break, Yen's k shortest paths, ECMP, explicit paths,
 * the cache and its invalidation, unreachable pairs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/net/route.h"
#include "models/net/topology.h"
#include "sim/error.h"
#include "tests/unit/suites.h"

/* Path latencies are sums of a few link latencies: compared at 1e-12 relative. */
#define REL 1e-12

/* Build a topology from node ids (blank-separated) and links "a b latency-ms". */
static struct cpn_topo *graph(const char *nodes, const char *const *links, size_t nlinks)
{
    struct cpn_topo *t = cpn_topo_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", nodes);
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " "))
        CU_ASSERT_EQUAL_FATAL(cpn_topo_add_node(t, tok, NAN, NAN, NULL), CPN_OK);
    for (size_t i = 0; i < nlinks; i++) {
        char a[32], b[32], id[96];
        double ms;
        CU_ASSERT_EQUAL_FATAL(sscanf(links[i], "%31s %31s %lf", a, b, &ms), 3);
        snprintf(id, sizeof id, "%s-%s-%zu", a, b, i);
        struct cpn_link_spec s;
        cpn_link_spec_init(&s);
        s.id = id;
        s.a = a;
        s.b = b;
        s.capacity = 1.25e9;
        s.latency = ms * 1e-3;
        CU_ASSERT_EQUAL_FATAL(cpn_topo_add_link(t, &s, NULL), CPN_OK);
    }
    return t;
}

/* The nodes of a path as "A B C" (static buffer). */
static const char *nodes_of(const struct cpn_topo *t, const struct cpn_path *p)
{
    static char buf[512];
    size_t n = (size_t)snprintf(buf, sizeof buf, "%s", cpn_topo_node(t, p->src)->id);
    for (uint32_t i = 0; i < p->hops && n < sizeof buf; i++) {
        uint32_t from = cpn_topo_dlink_from(t, p->dlinks[i]);
        CU_ASSERT_EQUAL(from, i ? cpn_topo_dlink_to(t, p->dlinks[i - 1]) : p->src);
        n += (size_t)snprintf(buf + n, sizeof buf - n, " %s",
                              cpn_topo_node(t, cpn_topo_dlink_to(t, p->dlinks[i]))->id);
    }
    return buf;
}

static uint32_t node(const struct cpn_topo *t, const char *id)
{
    uint32_t n = cpn_topo_find_node(t, id);
    CU_ASSERT_FATAL(n != CPN_NONE);
    return n;
}

/* ------------------------------------------------------------------------------------------ */

static void test_shortest_path_prefers_two_short_hops_to_one_long(void)
{
    /* A-C direct is 10 ms; A-B-C is 3 + 4 = 7 ms; C-D 1 ms. */
    const char *links[] = {"A C 10", "A B 3", "B C 4", "C D 1"};
    struct cpn_topo *t = graph("A B C D", links, 4);
    struct cpn_router *r = cpn_router_new(t);
    const struct cpn_path *p;
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, node(t, "A"), node(t, "D"), &p), CPN_OK);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, p), "A B C D");
    CU_ASSERT_EQUAL(p->hops, 3);
    CPN_ASSERT_REL(p->latency, 8e-3, REL);
    /* Directed ids: A->B is link 1 forward (2), B->C link 2 forward (4), C->D link 3 fwd (6). */
    CU_ASSERT_EQUAL(p->dlinks[0], 2);
    CU_ASSERT_EQUAL(p->dlinks[1], 4);
    CU_ASSERT_EQUAL(p->dlinks[2], 6);
    /* The way back uses the reverse directions. */
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, node(t, "D"), node(t, "A"), &p), CPN_OK);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, p), "D C B A");
    CU_ASSERT_EQUAL(p->dlinks[0], 7);
    /* A node to itself: the empty path. */
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 2, 2, &p), CPN_OK);
    CU_ASSERT_EQUAL(p->hops, 0);
    CU_ASSERT_EQUAL(p->latency, 0);
    CU_ASSERT_EQUAL(p->src, 2);
    CU_ASSERT_EQUAL(p->dst, 2);
    cpn_router_free(r);
    cpn_topo_free(t);
}

static void test_equal_cost_tie_goes_to_the_smallest_predecessor_index(void)
{
    /* Diamond A-{X,Y}-D, both 2 ms.  Node order decides: the predecessor of D with the
     * smaller index wins, whatever the link order. */
    const char *links[] = {"A Y 1", "Y D 1", "A X 1", "X D 1"};
    struct cpn_topo *t = graph("A X Y D", links, 4); /* X = 1 < Y = 2 */
    struct cpn_router *r = cpn_router_new(t);
    const struct cpn_path *p;
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 3, &p), CPN_OK);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, p), "A X D");
    cpn_router_free(r);
    cpn_topo_free(t);

    t = graph("A Y X D", links, 4); /* now Y = 1 < X = 2 */
    r = cpn_router_new(t);
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 3, &p), CPN_OK);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, p), "A Y D");
    cpn_router_free(r);
    cpn_topo_free(t);

    /* Parallel links of equal latency: the smaller directed link id wins (link 0 before 1),
     * even when the link added second is listed... second. */
    const char *par[] = {"A B 5", "A B 5"};
    t = graph("A B", par, 2);
    r = cpn_router_new(t);
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 1, &p), CPN_OK);
    CU_ASSERT_EQUAL(p->dlinks[0], 0);
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 1, 0, &p), CPN_OK);
    CU_ASSERT_EQUAL(p->dlinks[0], 1);
    cpn_router_free(r);
    cpn_topo_free(t);
}

static void test_sums_equal_within_tolerance_count_as_ties(void)
{
    /* 0.1 + 0.2 ms != 0.3 ms in binary floating point (relative difference ~1e-16), yet the
     * two routes are equal: the tie-break picks predecessor X (index 1) although the route
     * through Y is a hair shorter. */
    const char *links[] = {"A X 0.1", "X D 0.2", "A Y 0.3", "Y D 0"};
    struct cpn_topo *t = graph("A X Y D", links, 4);
    struct cpn_router *r = cpn_router_new(t);
    const struct cpn_path *p;
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 3, &p), CPN_OK);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, p), "A X D");
    const struct cpn_path *const *set;
    uint32_t n;
    CU_ASSERT_EQUAL_FATAL(cpn_route_ecmp(r, 0, 3, 8, &set, &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 2);
    cpn_router_free(r);
    cpn_topo_free(t);
}

/* The example graph of Yen's algorithm on Wikipedia (nodes C..H), with full-duplex links. */
static const char *const yen_links[] = {"C D 3", "C E 2", "D F 4", "E D 1", "E F 2",
                                        "E G 3", "F G 2", "F H 1", "G H 2"};

/* Every simple path C->H of the undirected example, enumerated by hand (cost in ms):
 * CEFH 5; CEGH 7, CDEFH 7; CDFH 8, CEDFH 8, CEFGH 8, CEGFH 8; CDEGH 9; CDEFGH 10,
 * CDEGFH 10; CDFGH 11, CEDFGH 11; CDFEGH 14: 13 paths. */
static void test_yen_finds_the_k_shortest_paths_of_the_textbook_example(void)
{
    struct cpn_topo *t = graph("C D E F G H", yen_links, 9);
    struct cpn_router *r = cpn_router_new(t);
    const struct cpn_path *const *ps;
    uint32_t n;
    CU_ASSERT_EQUAL_FATAL(cpn_route_k_shortest(r, 0, 5, 4, &ps, &n), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(n, 4);
    /* Directed (Wikipedia) answer: CEFH 5, CEGH 7, CDFH 8.  With full-duplex links D-E can be
     * used as D->E, which adds CDEFH 7; the equal-latency tie CEGH/CDEFH goes to fewer hops. */
    CU_ASSERT_STRING_EQUAL(nodes_of(t, ps[0]), "C E F H");
    CU_ASSERT_STRING_EQUAL(nodes_of(t, ps[1]), "C E G H");
    CU_ASSERT_STRING_EQUAL(nodes_of(t, ps[2]), "C D E F H");
    CU_ASSERT_STRING_EQUAL(nodes_of(t, ps[3]), "C D F H");
    const double ms[] = {5, 7, 7, 8};
    for (int i = 0; i < 4; i++)
        CPN_ASSERT_REL(ps[i]->latency, ms[i] * 1e-3, REL);
    /* The first path is the shortest path, the same interned object. */
    const struct cpn_path *first;
    CU_ASSERT_EQUAL(cpn_route_shortest(r, 0, 5, &first), CPN_OK);
    CU_ASSERT_PTR_EQUAL(first, ps[0]);

    /* Asking for more than exist gives all 13, in non-decreasing latency. */
    CU_ASSERT_EQUAL_FATAL(cpn_route_k_shortest(r, 0, 5, 100, &ps, &n), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(n, 13);
    const double all[] = {5, 7, 7, 8, 8, 8, 8, 9, 10, 10, 11, 11, 14};
    for (uint32_t i = 0; i < n; i++) {
        CPN_ASSERT_REL(ps[i]->latency, all[i] * 1e-3, REL);
        for (uint32_t j = 0; j < i; j++)
            CU_ASSERT_PTR_NOT_EQUAL(ps[i], ps[j]); /* all distinct */
    }
    cpn_router_free(r);
    cpn_topo_free(t);
}

/* Brute force: every simple path src->dst by depth-first search, latencies only. */
static void all_paths(const struct cpn_topo *t, uint32_t u, uint32_t dst, double cost, int *on,
                      double *out, size_t *n, size_t max)
{
    if (u == dst) {
        if (*n < max)
            out[(*n)++] = cost;
        return;
    }
    on[u] = 1;
    size_t nout;
    const uint32_t *d = cpn_topo_out_dlinks(t, u, &nout);
    for (size_t i = 0; i < nout; i++) {
        const struct cpn_link *k = cpn_topo_link(t, cpn_topo_dlink_link(d[i]));
        uint32_t v = cpn_topo_dlink_to(t, d[i]);
        if (k->up && !on[v])
            all_paths(t, v, dst, cost + k->latency, on, out, n, max);
    }
    on[u] = 0;
}

static void test_yen_agrees_with_brute_force_on_random_graphs(void)
{
    /* Random graphs (8 nodes, up to 20 links) with real-valued latencies (no ties); a
     * fixed-seed LCG (Knuth MMIX).  Yen's first 12 latencies must equal brute force's. */
    uint64_t seed = 42;
    unsigned rich = 0; /* graphs with more than 12 simple paths: the test has teeth */
    for (int g = 0; g < 20; g++) {
        struct cpn_topo *t = cpn_topo_new();
        const uint32_t nn = 8;
        char id[32], a[32], b[32];
        for (uint32_t i = 0; i < nn; i++) {
            snprintf(id, sizeof id, "n%u", (unsigned)i);
            cpn_topo_add_node(t, id, NAN, NAN, NULL);
        }
        for (int l = 0; l < 20; l++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t x = (uint32_t)(seed >> 33) % nn, y = (uint32_t)(seed >> 40) % nn;
            if (x == y)
                continue;
            snprintf(a, sizeof a, "n%u", (unsigned)x);
            snprintf(b, sizeof b, "n%u", (unsigned)y);
            snprintf(id, sizeof id, "l%d", l);
            struct cpn_link_spec s;
            cpn_link_spec_init(&s);
            s.id = id;
            s.a = a;
            s.b = b;
            s.capacity = 1;
            s.latency = 1e-3 + (double)(seed >> 11) / 9007199254740992.0 * 9e-3;
            cpn_topo_add_link(t, &s, NULL);
        }
        double want[4096];
        size_t nw = 0;
        int on[8] = {0};
        all_paths(t, 0, nn - 1, 0, on, want, &nw, 4096);
        qsort(want, nw, sizeof want[0], cpn_test_cmp_double);
        rich += nw > 12;
        struct cpn_router *r = cpn_router_new(t);
        const struct cpn_path *const *ps;
        uint32_t n = 0;
        int rc = cpn_route_k_shortest(r, 0, nn - 1, 12, &ps, &n);
        if (nw == 0) {
            CU_ASSERT_EQUAL(rc, CPN_EUNREACH);
        } else {
            CU_ASSERT_EQUAL_FATAL(rc, CPN_OK);
            CU_ASSERT_EQUAL(n, nw < 12 ? nw : 12);
            for (uint32_t i = 0; i < n; i++)
                CPN_ASSERT_REL(ps[i]->latency, want[i], REL);
        }
        cpn_router_free(r);
        cpn_topo_free(t);
    }
    CU_ASSERT(rich >= 15);
}

static void test_all_pairs_from_route_trees_follow_the_tie_break_rule(void)
{
    /* Random graphs (30 nodes, 60 links, latencies of 1 to 4 ms: many equal-cost routes), every
     * pair asked in a scrambled order (so route trees are reused across destinations).  Each
     * path must have the Floyd-Warshall distance, and every node on it must be reached from
     * its smallest-index shortest-path predecessor (route.h's tie-break); pairs Floyd-Warshall
     * cannot join are EUNREACH. */
    enum { NN = 30, NL = 60 };
    uint64_t seed = 7;
    unsigned ties = 0; /* nodes with two or more shortest-path predecessors: the rule matters */
    for (int g = 0; g < 5; g++) {
        struct cpn_topo *t = cpn_topo_new();
        char id[32], a[32], b[32];
        static double d[NN][NN], w[NN][NN];
        for (uint32_t i = 0; i < NN; i++) {
            snprintf(id, sizeof id, "n%u", (unsigned)i);
            cpn_topo_add_node(t, id, NAN, NAN, NULL);
            for (uint32_t j = 0; j < NN; j++)
                w[i][j] = i == j ? 0 : INFINITY;
        }
        for (int l = 0; l < NL; l++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t x = (uint32_t)(seed >> 33) % NN, y = (uint32_t)(seed >> 40) % NN;
            double ms = 1 + (double)((seed >> 50) % 4);
            if (x == y || isfinite(w[x][y]) || x == NN - 1 || y == NN - 1)
                continue; /* no parallel links; node NN-1 stays isolated */
            snprintf(a, sizeof a, "n%u", (unsigned)x);
            snprintf(b, sizeof b, "n%u", (unsigned)y);
            snprintf(id, sizeof id, "l%d", l);
            struct cpn_link_spec ls;
            cpn_link_spec_init(&ls);
            ls.id = id;
            ls.a = a;
            ls.b = b;
            ls.capacity = 1;
            ls.latency = ms * 1e-3;
            cpn_topo_add_link(t, &ls, NULL);
            w[x][y] = w[y][x] = ls.latency;
        }
        memcpy(d, w, sizeof d);
        for (uint32_t k = 0; k < NN; k++)
            for (uint32_t i = 0; i < NN; i++)
                for (uint32_t j = 0; j < NN; j++)
                    if (d[i][k] + d[k][j] < d[i][j])
                        d[i][j] = d[i][k] + d[k][j];
        struct cpn_router *r = cpn_router_new(t);
        for (uint32_t q = 0; q < NN * NN; q++) {
            uint32_t pair = (q * 7919u) % (NN * NN), src = pair / NN, dst = pair % NN;
            const struct cpn_path *p;
            int rc = cpn_route_shortest(r, src, dst, &p);
            if (!isfinite(d[src][dst])) {
                CU_ASSERT_EQUAL(rc, CPN_EUNREACH);
                continue;
            }
            CU_ASSERT_EQUAL_FATAL(rc, CPN_OK);
            CU_ASSERT(fabs(p->latency - d[src][dst]) <= 1e-12);
            for (uint32_t h = 0; h < p->hops; h++) {
                uint32_t u = cpn_topo_dlink_from(t, p->dlinks[h]);
                uint32_t v = cpn_topo_dlink_to(t, p->dlinks[h]);
                uint32_t first = CPN_NONE, count = 0;
                for (uint32_t x = 0; x < NN; x++)
                    if (x != v && isfinite(w[x][v]) &&
                        fabs(d[src][x] + w[x][v] - d[src][v]) <= 1e-12) {
                        first = first == CPN_NONE ? x : first;
                        count++;
                    }
                CU_ASSERT_EQUAL(u, first);
                ties += count > 1;
            }
        }
        cpn_router_free(r);
        cpn_topo_free(t);
    }
    CU_ASSERT(ties > 100);
}

/* The documented flow hash and per-node pick, written again here (route.h). */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static uint64_t pick(uint64_t h, uint32_t u)
{
    uint64_t z = h ^ ((uint64_t)u + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void test_ecmp_hashing_spreads_flows_as_the_hash_says(void)
{
    /* Two diamonds in series, s -{a, b}- m -{c, d}- t, every link 1 ms: four shortest paths.
     * For 4,000 flows "f0".."f3999": at s the flow takes candidate pick(h, s) mod 2 of (via a,
     * via b) (links in id order), at m pick(h, m) mod 2 of (via c, via d); the four paths get
     * about 1,000 flows each (chi-square with 3 degrees of freedom below 16.27, p = 0.001). */
    const char *links[] = {"s a 1", "s b 1", "a m 1", "b m 1", "m c 1", "m d 1", "c t 1", "d t 1"};
    struct cpn_topo *t = graph("s a b m c d t", links, 8);
    struct cpn_router *r = cpn_router_new(t);
    uint32_t s = node(t, "s"), m = node(t, "m"), dst = node(t, "t");
    unsigned count[4] = {0}, wrong = 0;
    char id[32];
    for (int i = 0; i < 4000; i++) {
        snprintf(id, sizeof id, "f%d", i);
        uint64_t h = fnv1a(id);
        CU_ASSERT_EQUAL(cpn_route_flow_hash(id), h);
        const struct cpn_path *p;
        CU_ASSERT_EQUAL_FATAL(cpn_route_ecmp_hash(r, s, dst, h, &p), CPN_OK);
        unsigned first = (unsigned)(pick(h, s) % 2), second = (unsigned)(pick(h, m) % 2);
        char want[32];
        snprintf(want, sizeof want, "s %s m %s t", first ? "b" : "a", second ? "d" : "c");
        wrong += strcmp(nodes_of(t, p), want) != 0;
        CPN_ASSERT_REL(p->latency, 4e-3, REL);
        count[2 * first + second]++;
    }
    CU_ASSERT_EQUAL(wrong, 0);
    double chi2 = 0;
    for (int k = 0; k < 4; k++)
        chi2 += (count[k] - 1000.0) * (count[k] - 1000.0) / 1000.0;
    CU_ASSERT(chi2 < 16.27);
    /* One shortest path: that path whatever the hash; unreachable and bad arguments. */
    const char *line[] = {"x y 1", "y z 1"};
    struct cpn_topo *t2 = graph("x y z w", line, 2);
    struct cpn_router *r2 = cpn_router_new(t2);
    const struct cpn_path *p;
    CU_ASSERT(cpn_route_ecmp_hash(r2, 0, 2, 12345, &p) == CPN_OK &&
              strcmp(nodes_of(t2, p), "x y z") == 0);
    CU_ASSERT_EQUAL(cpn_route_ecmp_hash(r2, 0, 3, 1, &p), CPN_EUNREACH);
    CU_ASSERT_EQUAL(cpn_route_ecmp_hash(r2, 0, 9, 1, &p), CPN_EINVAL);
    cpn_router_free(r2);
    cpn_topo_free(t2);
    cpn_router_free(r);
    cpn_topo_free(t);
}

static void test_ecmp_lists_every_equal_cost_path_on_two_diamonds(void)
{
    /* A-{B,C}-D-{E,F}-G, every link 1 ms: 2 x 2 = 4 paths of 4 ms; a longer detour A-G 5 ms.
     * Order: lexicographic on directed link ids (B before C: its links come first). */
    const char *links[] = {"A B 1", "A C 1", "B D 1", "C D 1", "D E 1",
                           "D F 1", "E G 1", "F G 1", "A G 5"};
    struct cpn_topo *t = graph("A B C D E F G", links, 9);
    struct cpn_router *r = cpn_router_new(t);
    const struct cpn_path *const *ps;
    uint32_t n;
    CU_ASSERT_EQUAL_FATAL(cpn_route_ecmp(r, 0, 6, 16, &ps, &n), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(n, 4);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, ps[0]), "A B D E G");
    CU_ASSERT_STRING_EQUAL(nodes_of(t, ps[1]), "A B D F G");
    CU_ASSERT_STRING_EQUAL(nodes_of(t, ps[2]), "A C D E G");
    CU_ASSERT_STRING_EQUAL(nodes_of(t, ps[3]), "A C D F G");
    for (uint32_t i = 0; i < n; i++)
        CPN_ASSERT_REL(ps[i]->latency, 4e-3, REL);
    /* The bound stops the enumeration. */
    CU_ASSERT_EQUAL_FATAL(cpn_route_ecmp(r, 0, 6, 3, &ps, &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, ps[2]), "A C D E G");
    /* One ECMP member is the shortest path. */
    const struct cpn_path *sp;
    CU_ASSERT_EQUAL(cpn_route_shortest(r, 0, 6, &sp), CPN_OK);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, sp), "A B D E G");
    /* With A-B down only the C branch remains: 2 paths. */
    CU_ASSERT_EQUAL(cpn_topo_set_link_up(t, 0, 0), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(cpn_route_ecmp(r, 0, 6, 16, &ps, &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, ps[0]), "A C D E G");
    /* A unique shortest path is an ECMP set of one. */
    CU_ASSERT_EQUAL_FATAL(cpn_route_ecmp(r, 1, 0, 16, &ps, &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, ps[0]), "B D C A");
    cpn_router_free(r);
    cpn_topo_free(t);
}

static void test_a_link_going_down_and_up_changes_the_cached_route(void)
{
    const char *links[] = {"A B 1", "B D 1", "A C 2", "C D 2"};
    struct cpn_topo *t = graph("A B C D", links, 4);
    struct cpn_router *r = cpn_router_new(t);
    const struct cpn_path *p, *q;
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 3, &p), CPN_OK);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, p), "A B D");
    CU_ASSERT_EQUAL(cpn_route_shortest(r, 0, 3, &q), CPN_OK);
    CU_ASSERT_PTR_EQUAL(p, q); /* cache hit */
    uint32_t id = p->id;
    CU_ASSERT_EQUAL(cpn_topo_set_link_up(t, cpn_topo_find_link(t, "B-D-1"), 0), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 3, &q), CPN_OK);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, q), "A C D");
    CPN_ASSERT_REL(q->latency, 4e-3, REL);
    /* k-shortest sees the link down too. */
    const struct cpn_path *const *ps;
    uint32_t n;
    CU_ASSERT_EQUAL_FATAL(cpn_route_k_shortest(r, 0, 3, 5, &ps, &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 1);
    /* The old path object is still valid (owned until cpn_router_free). */
    CU_ASSERT_STRING_EQUAL(nodes_of(t, p), "A B D");
    CU_ASSERT_EQUAL(cpn_topo_set_link_up(t, cpn_topo_find_link(t, "B-D-1"), 1), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 3, &q), CPN_OK);
    CU_ASSERT_PTR_EQUAL(q, p); /* same interned path, same id */
    CU_ASSERT_EQUAL(q->id, id);
    CU_ASSERT_EQUAL(cpn_route_path_count(r), 2);
    CU_ASSERT_PTR_EQUAL(cpn_route_path(r, id), p);
    CU_ASSERT_PTR_NULL(cpn_route_path(r, 2));
    cpn_route_prefetch(r, id); /* hints: nothing changes, an unknown id or NULL router ignored */
    cpn_route_prefetch(r, 2);
    cpn_route_prefetch(NULL, 0);
    CU_ASSERT_PTR_EQUAL(cpn_route_path(r, id), p);
    CU_ASSERT_EQUAL(cpn_route_path_count(r), 2);
    cpn_router_invalidate(r);
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 3, &q), CPN_OK);
    CU_ASSERT_PTR_EQUAL(q, p);
    /* A link added later is seen too: a direct A-D of 0.5 ms. */
    struct cpn_link_spec s;
    cpn_link_spec_init(&s);
    s.id = "A-D";
    s.a = "A";
    s.b = "D";
    s.capacity = 1;
    s.latency = 0.5e-3;
    CU_ASSERT_EQUAL(cpn_topo_add_link(t, &s, NULL), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 3, &q), CPN_OK);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, q), "A D");
    cpn_router_free(r);
    cpn_topo_free(t);
}

/* No two paths of @p r have the same source, destination and links (by comparing every pair). */
static int paths_distinct(const struct cpn_router *r)
{
    uint32_t n = cpn_route_path_count(r);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++) {
            const struct cpn_path *a = cpn_route_path(r, i), *b = cpn_route_path(r, j);
            if (a->src == b->src && a->dst == b->dst && a->hops == b->hops &&
                (a->hops == 0 || !memcmp(a->dlinks, b->dlinks, a->hops * sizeof *a->dlinks)))
                return 0;
        }
    return 1;
}

/* A path is one object (one id) whichever query makes it first: a route tree's paths are put
 * in the path table only when another query next reads it (route.c, tree_path_unique()), and a
 * path made otherwise first makes the tree's look it up. */
static void test_a_path_is_one_object_whichever_query_makes_it_first(void)
{
    const char *links[] = {"A B 1", "B D 1", "A C 2", "C D 2"};
    struct cpn_topo *t = graph("A B C D", links, 4);
    struct cpn_router *r = cpn_router_new(t);
    const struct cpn_path *p, *q, *const *ps;
    uint32_t n;
    /* Tree first (A's tree: A-B, A-B-D, A-C), then explicit, k-shortest and ECMP. */
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 3, &p), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 1, &q), CPN_OK);
    uint32_t abd[] = {0, 1, 3}, ab[] = {0, 1};
    CU_ASSERT_EQUAL_FATAL(cpn_route_explicit(r, abd, 3, &q), CPN_OK);
    CU_ASSERT_PTR_EQUAL(q, p);
    CU_ASSERT_EQUAL_FATAL(cpn_route_k_shortest(r, 0, 3, 2, &ps, &n), CPN_OK);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_PTR_EQUAL(ps[0], p);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, ps[1]), "A C D");
    CU_ASSERT_EQUAL_FATAL(cpn_route_explicit(r, ab, 2, &q), CPN_OK);
    CU_ASSERT_EQUAL(q->id, 1); /* A-B, the tree's second path */
    CU_ASSERT(paths_distinct(r));
    /* Explicit first from D (D-B-A), then D's tree: the same object. */
    uint32_t dba[] = {3, 1, 0};
    CU_ASSERT_EQUAL_FATAL(cpn_route_explicit(r, dba, 3, &q), CPN_OK);
    const struct cpn_path *tree;
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 3, 0, &tree), CPN_OK);
    CU_ASSERT_PTR_EQUAL(tree, q);
    CU_ASSERT(paths_distinct(r));
    /* Every pair by trees, then each again explicitly by its nodes: no new path. */
    for (uint32_t s = 0; s < 4; s++)
        for (uint32_t d = 0; d < 4; d++)
            CU_ASSERT_EQUAL(cpn_route_shortest(r, s, d, &p), CPN_OK);
    uint32_t before = cpn_route_path_count(r);
    for (uint32_t s = 0; s < 4; s++)
        for (uint32_t d = 0; d < 4; d++) {
            if (s == d)
                continue;
            CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, s, d, &p), CPN_OK);
            uint32_t nodes[8];
            nodes[0] = s;
            for (uint32_t h = 0; h < p->hops; h++)
                nodes[h + 1] = cpn_topo_dlink_to(t, p->dlinks[h]);
            CU_ASSERT_EQUAL_FATAL(cpn_route_explicit(r, nodes, p->hops + 1, &q), CPN_OK);
            CU_ASSERT_PTR_EQUAL(q, p);
        }
    CU_ASSERT_EQUAL(cpn_route_path_count(r), before);
    CU_ASSERT(paths_distinct(r));
    cpn_router_free(r);
    cpn_topo_free(t);
}

static void test_unreachable_pairs_name_both_nodes(void)
{
    const char *links[] = {"shanghai guangzhou 5", "ningxia lanzhou 3"};
    struct cpn_topo *t = graph("shanghai guangzhou ningxia lanzhou", links, 2);
    struct cpn_router *r = cpn_router_new(t);
    const struct cpn_path *p = NULL;
    const struct cpn_path *const *ps;
    uint32_t n;
    const char *why = "no route from node \"shanghai\" to node \"ningxia\"";
    CU_ASSERT_EQUAL(cpn_route_shortest(r, 0, 2, &p), CPN_EUNREACH);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(), why);
    /* Cached as unreachable: same answer again. */
    CU_ASSERT_EQUAL(cpn_route_shortest(r, 0, 2, &p), CPN_EUNREACH);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(), why);
    CU_ASSERT_EQUAL(cpn_route_k_shortest(r, 0, 2, 3, &ps, &n), CPN_EUNREACH);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(), why);
    CU_ASSERT_EQUAL(cpn_route_ecmp(r, 0, 2, 3, &ps, &n), CPN_EUNREACH);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(), why);
    /* A link going down cuts shanghai from guangzhou. */
    CU_ASSERT_EQUAL(cpn_route_shortest(r, 0, 1, &p), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_set_link_up(t, 0, 0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_route_shortest(r, 0, 1, &p), CPN_EUNREACH);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(),
                           "no route from node \"shanghai\" to node \"guangzhou\"");
    cpn_router_free(r);
    cpn_topo_free(t);
}

static void test_explicit_paths_are_loose_segments(void)
{
    /* shanghai-ningxia direct 15 ms; via guangzhou 6 + 12 ms; guangzhou-wuhan-ningxia
     * 4 + 5 = 9 ms is shorter than the direct guangzhou-ningxia link. */
    const char *links[] = {"shanghai ningxia 15", "shanghai guangzhou 6", "guangzhou ningxia 12",
                           "guangzhou wuhan 4", "wuhan ningxia 5"};
    struct cpn_topo *t = graph("shanghai guangzhou ningxia wuhan", links, 5);
    struct cpn_router *r = cpn_router_new(t);
    const struct cpn_path *p;
    CU_ASSERT_EQUAL_FATAL(cpn_route_explicit_ids(r, "shanghai guangzhou ningxia", &p), CPN_OK);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, p), "shanghai guangzhou wuhan ningxia");
    CPN_ASSERT_REL(p->latency, 15e-3, REL);
    CU_ASSERT_EQUAL(p->src, 0);
    CU_ASSERT_EQUAL(p->dst, 2);
    /* Same path by indices: same interned object. */
    const uint32_t nodes[] = {0, 1, 2};
    const struct cpn_path *q;
    CU_ASSERT_EQUAL(cpn_route_explicit(r, nodes, 3, &q), CPN_OK);
    CU_ASSERT_PTR_EQUAL(p, q);
    /* Two endpoints only: the shortest path (shanghai-ningxia direct, 15 ms vs 6+4+5). */
    CU_ASSERT_EQUAL_FATAL(cpn_route_explicit_ids(r, "  shanghai\tningxia ", &p), CPN_OK);
    CU_ASSERT_STRING_EQUAL(nodes_of(t, p), "shanghai ningxia");
    /* Going back over a link in the other direction is allowed; twice the same way is not. */
    CU_ASSERT_EQUAL_FATAL(cpn_route_explicit_ids(r, "shanghai guangzhou shanghai", &p), CPN_OK);
    CU_ASSERT_EQUAL(p->hops, 2);
    CU_ASSERT_EQUAL(cpn_route_explicit_ids(r, "shanghai guangzhou shanghai guangzhou", &p),
                    CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(),
                           "explicit path from \"shanghai\" to \"guangzhou\" uses link "
                           "\"shanghai-guangzhou-1\" twice in the same direction (list other "
                           "nodes)");
    CU_ASSERT_EQUAL(cpn_route_explicit_ids(r, "shanghai beijing", &p), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(),
                           "path \"shanghai beijing\": unknown node \"beijing\"");
    CU_ASSERT_EQUAL(cpn_route_explicit_ids(r, "shanghai", &p), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(), "path \"shanghai\": needs at least two node ids");
    CU_ASSERT_EQUAL(cpn_route_explicit_ids(r, "wuhan wuhan ningxia", &p), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(),
                           "explicit path: node \"wuhan\" is listed twice in a row");
    /* A segment without a route. */
    CU_ASSERT_EQUAL(cpn_topo_set_link_up(t, 3, 0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_topo_set_link_up(t, 4, 0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_route_explicit_ids(r, "shanghai wuhan", &p), CPN_EUNREACH);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(),
                           "no route from node \"shanghai\" to node \"wuhan\"");
    CU_ASSERT_EQUAL(cpn_route_explicit(r, nodes, 1, &p), CPN_EINVAL);
    cpn_router_free(r);
    cpn_topo_free(t);
}

static void test_bad_arguments_are_einval_and_self_routes_are_empty(void)
{
    const char *links[] = {"A B 1"};
    struct cpn_topo *t = graph("A B", links, 1);
    struct cpn_router *r = cpn_router_new(t);
    const struct cpn_path *p;
    const struct cpn_path *const *ps;
    uint32_t n;
    CU_ASSERT_PTR_NULL(cpn_router_new(NULL));
    CU_ASSERT_EQUAL(cpn_route_shortest(r, 0, 2, &p), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_route_shortest(NULL, 0, 1, &p), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_route_shortest(r, 0, 1, NULL), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_route_k_shortest(r, 0, 1, 0, &ps, &n), CPN_EINVAL);
    /* A node to itself: one path, the empty one, for every kind of query. */
    CU_ASSERT_EQUAL_FATAL(cpn_route_k_shortest(r, 1, 1, 3, &ps, &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(ps[0]->hops, 0);
    CU_ASSERT_EQUAL(ps[0]->src, 1);
    CU_ASSERT_EQUAL_FATAL(cpn_route_ecmp(r, 1, 1, 3, &ps, &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(ps[0]->hops, 0);
    CU_ASSERT_EQUAL(cpn_route_k_shortest(r, 5, 0, 2, &ps, &n), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_route_ecmp(r, 0, 1, 0, &ps, &n), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_route_ecmp(r, 0, 1, 1, NULL, &n), CPN_EINVAL);
    const uint32_t bad[] = {0, 7};
    CU_ASSERT_EQUAL(cpn_route_explicit(r, bad, 2, &p), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_route_explicit_ids(r, NULL, &p), CPN_EINVAL);
    cpn_router_invalidate(NULL);
    cpn_router_free(r);
    cpn_router_free(NULL);
    cpn_topo_free(t);
}

static void test_a_1000_node_ring_routes_the_short_way_round(void)
{
    /* Ring of 1000 nodes, 1 ms per link: from node 0 to node 300 the short way is 300 hops
     * clockwise (700 the other way); to node 500 both ways tie at 500 ms and the tie-break
     * picks predecessor 499 (< 501), i.e. the increasing side. */
    struct cpn_topo *t = cpn_topo_new();
    char id[32], a[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "r%d", i);
        cpn_topo_add_node(t, id, NAN, NAN, NULL);
    }
    for (int i = 0; i < 1000; i++) {
        struct cpn_link_spec s;
        cpn_link_spec_init(&s);
        snprintf(a, sizeof a, "r%d", i);
        snprintf(id, sizeof id, "r%d", (i + 1) % 1000);
        char lid[64];
        snprintf(lid, sizeof lid, "%s-%s", a, id);
        s.id = lid;
        s.a = a;
        s.b = id;
        s.capacity = 1;
        s.latency = 1e-3;
        CU_ASSERT_EQUAL_FATAL(cpn_topo_add_link(t, &s, NULL), CPN_OK);
    }
    struct cpn_router *r = cpn_router_new(t);
    const struct cpn_path *p;
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 300, &p), CPN_OK);
    CU_ASSERT_EQUAL(p->hops, 300);
    CPN_ASSERT_REL(p->latency, 0.3, 1e-12);
    CU_ASSERT_EQUAL(p->dlinks[0], 0); /* r0 -> r1 */
    CU_ASSERT_EQUAL_FATAL(cpn_route_shortest(r, 0, 500, &p), CPN_OK);
    CU_ASSERT_EQUAL(p->hops, 500);
    CU_ASSERT_EQUAL(cpn_topo_dlink_from(t, p->dlinks[499]), 499);
    const struct cpn_path *const *ps;
    uint32_t n;
    CU_ASSERT_EQUAL_FATAL(cpn_route_ecmp(r, 0, 500, 8, &ps, &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL_FATAL(cpn_route_k_shortest(r, 0, 300, 3, &ps, &n), CPN_OK);
    CU_ASSERT_EQUAL(n, 2); /* a ring has exactly two simple paths */
    CPN_ASSERT_REL(ps[1]->latency, 0.7, 1e-12);
    cpn_router_free(r);
    cpn_topo_free(t);
}

int cpn_test_register_route(void)
{
    CU_pSuite s = CU_add_suite("route", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "shortest path prefers two short hops to one long",
                     test_shortest_path_prefers_two_short_hops_to_one_long) ||
        !CU_add_test(s, "an equal-cost tie goes to the smallest predecessor index",
                     test_equal_cost_tie_goes_to_the_smallest_predecessor_index) ||
        !CU_add_test(s, "sums equal within the tolerance count as ties",
                     test_sums_equal_within_tolerance_count_as_ties) ||
        !CU_add_test(s, "Yen finds the k shortest paths of the textbook example",
                     test_yen_finds_the_k_shortest_paths_of_the_textbook_example) ||
        !CU_add_test(s, "ECMP hashing spreads flows over equal-cost paths as the hash says",
                     test_ecmp_hashing_spreads_flows_as_the_hash_says) ||
        !CU_add_test(s, "all pairs from route trees follow the tie-break rule",
                     test_all_pairs_from_route_trees_follow_the_tie_break_rule) ||
        !CU_add_test(s, "Yen agrees with brute force on 20 random graphs",
                     test_yen_agrees_with_brute_force_on_random_graphs) ||
        !CU_add_test(s, "ECMP lists every equal-cost path on two diamonds",
                     test_ecmp_lists_every_equal_cost_path_on_two_diamonds) ||
        !CU_add_test(s, "a link going down and up changes the cached route",
                     test_a_link_going_down_and_up_changes_the_cached_route) ||
        !CU_add_test(s, "a path is one object whichever query makes it first",
                     test_a_path_is_one_object_whichever_query_makes_it_first) ||
        !CU_add_test(s, "unreachable pairs are CPN_EUNREACH naming both nodes",
                     test_unreachable_pairs_name_both_nodes) ||
        !CU_add_test(s, "explicit paths are loose segments joined by shortest paths",
                     test_explicit_paths_are_loose_segments) ||
        !CU_add_test(s, "bad arguments are CPN_EINVAL; a node's route to itself is empty",
                     test_bad_arguments_are_einval_and_self_routes_are_empty) ||
        !CU_add_test(s, "a 1000-node ring routes the short way round",
                     test_a_1000_node_ring_routes_the_short_way_round))
        return CU_get_error();
    return CUE_SUCCESS;
}
