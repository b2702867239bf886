/*
 * Route benchmark: shortest routes for many host pairs of a large graph (issue "route trees").
 * A random geometric graph of N nodes (default 754, the size of the largest Topology Zoo
 * graphs): nodes uniform in a 2,000 km square (GSL Mersenne Twister, seed 1), each joined to
 * its 3 nearest neighbours and to the next node of a ring (so the graph is connected), latency
 * 5 us/km.  Timed, in alternating order, REPS times each (the median is printed):
 *
 *   router     cpnsim's router (models/net/route.c, one shortest-path tree per source reused
 *              for all its destinations), a fresh router per repetition;
 *   per-pair   the reference: a textbook Dijkstra (binary heap, stopped at the destination)
 *              per pair, as the router did before route trees.
 *
 * over the pairs of the first H nodes (default 300: 89,700 pairs), and the router alone over
 * every pair.  Every router path's latency is checked against the reference distance (1e-12
 * relative): a mismatch exits 1.
 *
 * Usage: bench_routes [REPS [N [H]]]   (defaults 3, 754, 300)
 */
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "models/net/route.h"
#include "models/net/topology.h"
#include "sim/error.h"

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- reference: per-pair Dijkstra over an adjacency list --------------------------------- */

struct adj {
    uint32_t *start; /* [n + 1] */
    uint32_t *to;    /* [2 links] */
    double *lat;     /* [2 links] [s] */
};

struct ref {
    uint32_t n;
    double *dist;
    uint32_t *heap, *pos;
    unsigned char *done;
};

static void ref_swap(struct ref *r, size_t i, size_t j)
{
    uint32_t a = r->heap[i], b = r->heap[j];
    r->heap[i] = b;
    r->heap[j] = a;
    r->pos[b] = (uint32_t)i;
    r->pos[a] = (uint32_t)j;
}

static void ref_up(struct ref *r, size_t i)
{
    while (i > 0 && r->dist[r->heap[(i - 1) / 2]] > r->dist[r->heap[i]]) {
        ref_swap(r, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void ref_down(struct ref *r, size_t i, size_t len)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= len)
            return;
        if (c + 1 < len && r->dist[r->heap[c + 1]] < r->dist[r->heap[c]])
            c++;
        if (r->dist[r->heap[c]] >= r->dist[r->heap[i]])
            return;
        ref_swap(r, i, c);
        i = c;
    }
}

/* Distance from s to t [s] (INFINITY when unreachable). */
static double ref_dijkstra(struct ref *r, const struct adj *g, uint32_t s, uint32_t t)
{
    for (uint32_t v = 0; v < r->n; v++) {
        r->dist[v] = INFINITY;
        r->done[v] = 0;
        r->pos[v] = UINT32_MAX;
    }
    size_t len = 0;
    r->dist[s] = 0;
    r->heap[len] = s;
    r->pos[s] = (uint32_t)len++;
    while (len) {
        uint32_t u = r->heap[0];
        ref_swap(r, 0, --len);
        ref_down(r, 0, len);
        r->done[u] = 1;
        if (u == t)
            return r->dist[u];
        for (uint32_t e = g->start[u]; e < g->start[u + 1]; e++) {
            uint32_t v = g->to[e];
            double nd = r->dist[u] + g->lat[e];
            if (r->done[v] || nd >= r->dist[v])
                continue;
            r->dist[v] = nd;
            if (r->pos[v] == UINT32_MAX) {
                r->heap[len] = v;
                r->pos[v] = (uint32_t)len++;
            }
            ref_up(r, r->pos[v]);
        }
    }
    return INFINITY;
}

/* ---- the graph ----------------------------------------------------------------------------- */

static int add_link(struct cpn_topo *t, uint32_t a, uint32_t b, double lat)
{
    char id[32], na[16], nb[16];
    snprintf(id, sizeof id, "l%u-%u", a, b);
    snprintf(na, sizeof na, "n%u", a);
    snprintf(nb, sizeof nb, "n%u", b);
    struct cpn_link_spec s;
    cpn_link_spec_init(&s);
    s.id = id;
    s.a = na;
    s.b = nb;
    s.capacity = 1.25e9;
    s.latency = lat;
    return cpn_topo_add_link(t, &s, NULL);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 3;
    uint32_t n = argc > 2 ? (uint32_t)atoi(argv[2]) : 754;
    uint32_t h = argc > 3 ? (uint32_t)atoi(argv[3]) : 300;
    if (reps < 1 || n < 8 || h < 2 || h > n) {
        fprintf(stderr, "usage: bench_routes [REPS >= 1 [N >= 8 [2 <= H <= N]]]\n");
        return 64;
    }
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 1);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    struct cpn_topo *t = cpn_topo_new();
    char id[16];
    for (uint32_t i = 0; i < n; i++) {
        x[i] = 2000 * gsl_rng_uniform(rng);
        y[i] = 2000 * gsl_rng_uniform(rng);
        snprintf(id, sizeof id, "n%u", i);
        cpn_topo_add_node(t, id, NAN, NAN, NULL);
    }
    /* Links: 3 nearest neighbours (each unordered pair once) and the ring i -- i+1. */
    unsigned char *linked = calloc((size_t)n * n, 1);
    double *d2 = malloc(n * sizeof *d2);
    size_t *order = malloc(n * sizeof *order);
    uint32_t n_links = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < n; j++)
            d2[j] = j == i ? INFINITY : hypot(x[i] - x[j], y[i] - y[j]);
        gsl_sort_index(order, d2, 1, n);
        for (int k = 0; k < 4; k++) {
            uint32_t j = k < 3 ? (uint32_t)order[k] : (i + 1) % n;
            if (linked[(size_t)i * n + j])
                continue;
            linked[(size_t)i * n + j] = linked[(size_t)j * n + i] = 1;
            if (add_link(t, i, j, 5e-6 * hypot(x[i] - x[j], y[i] - y[j])) != CPN_OK) {
                fprintf(stderr, "bench_routes: %s\n", cpn_error_message());
                return 1;
            }
            n_links++;
        }
    }
    /* The reference's adjacency lists (both directions of every link). */
    struct adj g = {calloc(n + 1, sizeof(uint32_t)), malloc(2 * n_links * sizeof(uint32_t)),
                    malloc(2 * n_links * sizeof(double))};
    for (uint32_t l = 0; l < cpn_topo_link_count(t); l++) {
        const struct cpn_link *k = cpn_topo_link(t, l);
        g.start[k->a + 1]++;
        g.start[k->b + 1]++;
    }
    for (uint32_t v = 0; v < n; v++)
        g.start[v + 1] += g.start[v];
    uint32_t *fill = calloc(n, sizeof *fill);
    for (uint32_t l = 0; l < cpn_topo_link_count(t); l++) {
        const struct cpn_link *k = cpn_topo_link(t, l);
        uint32_t ea = g.start[k->a] + fill[k->a]++, eb = g.start[k->b] + fill[k->b]++;
        g.to[ea] = k->b;
        g.lat[ea] = k->latency;
        g.to[eb] = k->a;
        g.lat[eb] = k->latency;
    }
    struct ref ref = {n, malloc(n * sizeof(double)), malloc(n * sizeof(uint32_t)),
                      malloc(n * sizeof(uint32_t)), malloc(n)};
    size_t pairs = (size_t)h * (h - 1);
    double *want = malloc(pairs * sizeof *want);
    double *t_router = malloc(reps * sizeof *t_router), *t_ref = malloc(reps * sizeof *t_ref);
    double *t_all = malloc(reps * sizeof *t_all);
    unsigned long bad = 0;
    for (int rep = 0; rep < reps; rep++) {
        double t0 = seconds();
        size_t q = 0;
        for (uint32_t s = 0; s < h; s++)
            for (uint32_t d = 0; d < h; d++)
                if (s != d)
                    want[q++] = ref_dijkstra(&ref, &g, s, d);
        t_ref[rep] = seconds() - t0;
        struct cpn_router *r = cpn_router_new(t);
        t0 = seconds();
        q = 0;
        for (uint32_t s = 0; s < h; s++)
            for (uint32_t d = 0; d < h; d++) {
                if (s == d)
                    continue;
                const struct cpn_path *p;
                if (cpn_route_shortest(r, s, d, &p) != CPN_OK ||
                    fabs(p->latency - want[q]) > 1e-12 * want[q])
                    bad++;
                q++;
            }
        t_router[rep] = seconds() - t0;
        cpn_router_free(r);
        r = cpn_router_new(t);
        t0 = seconds();
        for (uint32_t s = 0; s < n; s++)
            for (uint32_t d = 0; d < n; d++) {
                const struct cpn_path *p;
                if (s != d && cpn_route_shortest(r, s, d, &p) != CPN_OK)
                    bad++;
            }
        t_all[rep] = seconds() - t0;
        cpn_router_free(r);
    }
    gsl_sort(t_router, 1, reps);
    gsl_sort(t_ref, 1, reps);
    gsl_sort(t_all, 1, reps);
    printf("graph: %u nodes, %u links; %zu pairs of the first %u nodes; median of %d\n", n, n_links,
           pairs, h, reps);
    printf("per-pair Dijkstra (reference) %.4f s\n", t_ref[reps / 2]);
    printf("router (route trees)          %.4f s   ratio reference / router %.1f\n",
           t_router[reps / 2], t_ref[reps / 2] / t_router[reps / 2]);
    printf("router, all %lu pairs      %.4f s\n", (unsigned long)n * (n - 1), t_all[reps / 2]);
    if (bad)
        printf("MISMATCH: %lu paths differ from the reference\n", bad);
    gsl_rng_free(rng);
    return bad ? 1 : 0;
}
