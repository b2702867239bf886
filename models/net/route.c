/* Routes: Dijkstra, Yen's k shortest simple paths, ECMP sets, loose explicit paths.
 * See models/net/route.h for the contract and the tie-break rule. */
#include "models/net/route.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/array.h"
#include "sim/error.h"

enum query_kind { Q_KSHORTEST = 1, Q_ECMP };

/* Predecessor of a node no path reaches, in a route tree. */
#define TREE_UNREACHED (CPN_NONE - 1)

/* Most bytes the route trees may hold (64 MiB: every source of a 4,096-node graph). */
#define TREE_BUDGET ((size_t)64 << 20)

/* Cache slot: (kind, src, dst, k) -> paths cache_paths[off .. off+n); n == 0: unreachable. */
struct cache_slot {
    int used;
    uint32_t kind, src, dst, k;
    size_t off;
    uint32_t n;
};

/* A candidate path of Yen's algorithm, its links in cand_links[off .. off+hops). */
struct candidate {
    size_t off;
    uint32_t hops;
    double latency; /* [s] */
};

struct cpn_router {
    const struct cpn_topo *topo;
    uint64_t version; /* topology version the cache and workspace belong to */
    uint32_t nnodes;  /* workspace size [nodes] */
    uint32_t ndlinks; /* workspace size [directed links] */

    /* Interned paths: path id -> path; hash table of path ids. */
    CPN_ARRAY(struct cpn_path *) paths;
    uint64_t *intern; /* slots: path id in the low 32 bits (CPN_NONE = empty), the high 32 bits
                         of its hash above: the slot index comes from them (so the table grows
                         without reading the paths) and they are compared before a path is */
    /* The paths' storage: blocks of PATH_BLOCK bytes filled in order (a path larger than
     * that gets its own block), freed with the router. */
    CPN_ARRAY(void *) blocks;
    size_t block_used; /* bytes used in the last block */
    size_t intern_cap; /* power of two */
    /* Paths of route trees not yet in the table (their ids), put there by intern_flush() before
     * the table is next read: a tree path needs no look-up when no other path can have its
     * links (see tree_path_unique()), which saves a cache miss per path on large graphs. */
    CPN_ARRAY(uint32_t) pending;
    /* other_from[src]: paths from src made by anything but a route tree (explicit, k-shortest,
     * ECMP); grown with the node indices seen, zero beyond its length. */
    CPN_ARRAY(uint32_t) other_from;
    int trees_dropped; /* trees were dropped while paths existed: look every tree path up */

    /* Route cache. */
    struct cache_slot *cache;
    size_t cache_cap, cache_len;
    CPN_ARRAY(const struct cpn_path *) cache_paths;

    /* Dijkstra workspace (per node / per directed link), reset by stamps, not by clearing. */
    double *dist;       /* [s] */
    double *dist2;      /* [s], distances to the destination (ECMP) */
    uint32_t *pred;     /* predecessor directed link, CPN_NONE at the source */
    uint32_t *heap;     /* binary heap of nodes by (dist, node index) */
    uint32_t *heap_pos; /* node -> position in heap */
    size_t heap_len;
    uint32_t *seen;        /* == stamp: dist/pred valid */
    uint32_t *done;        /* == stamp: settled */
    uint32_t *node_block;  /* == block_epoch: node excluded */
    uint32_t *dlink_block; /* == block_epoch: directed link excluded */
    uint32_t *dlink_mark;  /* == block_epoch: directed link used (explicit paths) */
    uint32_t stamp, block_epoch;

    /* Shortest-path trees, one per source asked (route trees): tree_of[src] is the index of
     * its block in trees, CPN_NONE when not built.  A block has 2 x nodes entries: the
     * predecessor of each node (the directed link into it, CPN_NONE at the source,
     * TREE_UNREACHED when no path), then the id of the interned path to each node (CPN_NONE
     * until asked): the shortest-path cache, indexed directly.  Dropped
     * with the cache; when they would exceed TREE_BUDGET bytes they are all dropped and
     * rebuilt as asked (Assumption: sources are asked in bursts, so a full drop is rare). */
    uint32_t *tree_of;
    CPN_ARRAY(uint32_t) trees;
    uint32_t n_trees;
    /* Distances to each destination asked by cpn_route_ecmp_hash() (INFINITY: unreachable):
     * dist_of[dst] indexes dists (nodes entries each), CPN_NONE when not computed; dropped with
     * the trees, and within the same budget. */
    uint32_t *dist_of;
    CPN_ARRAY(double) dists;
    uint32_t n_dists;

    /* Scratch. */
    CPN_ARRAY(uint32_t) scratch; /* a path being built */
    CPN_ARRAY(uint32_t) scratch2;
    CPN_ARRAY(struct candidate) cands;
    CPN_ARRAY(uint32_t) cand_links;
    CPN_ARRAY(const struct cpn_path *) found; /* Yen's A list / ECMP result */
};

/* ---------------------------------------------------------------------------------------------
 * Helpers. */

static double tolerance(double latency)
{
    return CPN_ROUTE_TOLERANCE * fabs(latency) + CPN_ROUTE_TOLERANCE_ABS;
}

static int latency_equal(double a, double b)
{
    return fabs(a - b) <= tolerance(fmax(fabs(a), fabs(b)));
}

static double sum_latency(const struct cpn_topo *t, const uint32_t *dlinks, uint32_t hops)
{
    double s = 0;
    for (uint32_t i = 0; i < hops; i++)
        s += cpn_topo_link(t, cpn_topo_dlink_link(dlinks[i]))->latency;
    return s;
}

static uint64_t hash_u32(uint64_t h, uint32_t v)
{
    /* FNV-1a over the four bytes of v. */
    for (int i = 0; i < 4; i++) {
        h ^= (v >> (8 * i)) & 0xffu;
        h *= 1099511628211ull;
    }
    return h;
}

/* A path's hash: a multiply-xorshift step per 32-bit word (the 64-bit golden-ratio constant
 * and the murmur3 finaliser), a word at a time rather than FNV's byte at a time. */
static uint64_t hash_path(uint32_t src, uint32_t dst, const uint32_t *dlinks, uint32_t hops)
{
    uint64_t h = ((uint64_t)src << 32 | dst) * 0x9e3779b97f4a7c15ull;
    for (uint32_t i = 0; i < hops; i++)
        h = (h ^ dlinks[i]) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

#define INTERN_EMPTY ((uint64_t)CPN_NONE)

/* Size of a block of path storage [B]. */
#define PATH_BLOCK ((size_t)64 << 10)

/* Storage for a path of @p hops links (aligned for struct cpn_path), or NULL. */
static struct cpn_path *path_alloc(struct cpn_router *r, uint32_t hops)
{
    size_t size = sizeof(struct cpn_path) + hops * sizeof(uint32_t);
    size = (size + 7) & ~(size_t)7;
    if (size > PATH_BLOCK || r->blocks.len == 0 || r->block_used + size > PATH_BLOCK) {
        void *b = malloc(size > PATH_BLOCK ? size : PATH_BLOCK);
        if (!b || cpn_array_reserve(&r->blocks, r->blocks.len + 1) != CPN_OK) {
            free(b);
            return NULL;
        }
        /* A large path's own block goes before the one being filled, which stays last. */
        size_t at = r->blocks.len++;
        if (size > PATH_BLOCK && at > 0) {
            r->blocks.items[at] = r->blocks.items[at - 1];
            r->blocks.items[at - 1] = b;
            return b;
        }
        r->blocks.items[at] = b;
        r->block_used = size > PATH_BLOCK ? PATH_BLOCK : 0;
        if (size > PATH_BLOCK)
            return b;
    }
    struct cpn_path *p = (void *)((char *)r->blocks.items[r->blocks.len - 1] + r->block_used);
    r->block_used += size;
    return p;
}

static void stamp_reset(uint32_t *a, size_t n)
{
    memset(a, 0, n * sizeof *a);
}

/* Next Dijkstra stamp (clearing the stamp arrays on wrap-around). */
static uint32_t next_stamp(struct cpn_router *r)
{
    if (++r->stamp == 0) {
        stamp_reset(r->seen, r->nnodes);
        stamp_reset(r->done, r->nnodes);
        r->stamp = 1;
    }
    return r->stamp;
}

/* Start a new set of exclusions (blocks). */
static void next_block_epoch(struct cpn_router *r)
{
    if (++r->block_epoch == 0) {
        stamp_reset(r->node_block, r->nnodes);
        stamp_reset(r->dlink_block, r->ndlinks);
        stamp_reset(r->dlink_mark, r->ndlinks);
        r->block_epoch = 1;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Lifecycle and workspace. */

struct cpn_router *cpn_router_new(const struct cpn_topo *t)
{
    if (!t)
        return NULL;
    struct cpn_router *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->topo = t;
    r->version = cpn_topo_version(t) - 1; /* force a sync on first use */
    return r;
}

static void free_workspace(struct cpn_router *r)
{
    free(r->tree_of);
    r->tree_of = NULL;
    free(r->dist_of);
    r->dist_of = NULL;
    free(r->dist);
    free(r->dist2);
    free(r->pred);
    free(r->heap);
    free(r->heap_pos);
    free(r->seen);
    free(r->done);
    free(r->node_block);
    free(r->dlink_block);
    free(r->dlink_mark);
}

void cpn_router_free(struct cpn_router *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->blocks.len; i++)
        free(r->blocks.items[i]);
    cpn_array_release(&r->blocks);
    cpn_array_release(&r->paths);
    cpn_array_release(&r->pending);
    cpn_array_release(&r->other_from);
    free(r->intern);
    free(r->cache);
    cpn_array_release(&r->cache_paths);
    free_workspace(r);
    cpn_array_release(&r->trees);
    cpn_array_release(&r->dists);
    cpn_array_release(&r->scratch);
    cpn_array_release(&r->scratch2);
    cpn_array_release(&r->cands);
    cpn_array_release(&r->cand_links);
    cpn_array_release(&r->found);
    free(r);
}

void cpn_router_invalidate(struct cpn_router *r)
{
    if (!r)
        return;
    if (r->cache)
        memset(r->cache, 0, r->cache_cap * sizeof *r->cache);
    r->cache_len = 0;
    r->cache_paths.len = 0;
    if (r->tree_of)
        for (uint32_t i = 0; i < r->nnodes; i++)
            r->tree_of[i] = r->dist_of[i] = CPN_NONE;
    if (r->paths.len)
        r->trees_dropped = 1;
    r->trees.len = 0;
    r->n_trees = 0;
    r->dists.len = 0;
    r->n_dists = 0;
}

/* Drop the cache if the topology changed and size the workspace to it. */
static int sync_topology(struct cpn_router *r)
{
    uint64_t v = cpn_topo_version(r->topo);
    if (v == r->version)
        return CPN_OK;
    cpn_router_invalidate(r);
    uint32_t nn = cpn_topo_node_count(r->topo), nd = 2 * cpn_topo_link_count(r->topo);
    if (nn > r->nnodes || nd > r->ndlinks) {
        size_t n = nn ? nn : 1, d = nd ? nd : 1;
        free_workspace(r);
        r->dist = malloc(n * sizeof *r->dist);
        r->dist2 = malloc(n * sizeof *r->dist2);
        r->pred = malloc(n * sizeof *r->pred);
        r->heap = malloc(n * sizeof *r->heap);
        r->heap_pos = malloc(n * sizeof *r->heap_pos);
        r->seen = calloc(n, sizeof *r->seen);
        r->done = calloc(n, sizeof *r->done);
        r->node_block = calloc(n, sizeof *r->node_block);
        r->dlink_block = calloc(d, sizeof *r->dlink_block);
        r->dlink_mark = calloc(d, sizeof *r->dlink_mark);
        r->tree_of = malloc(n * sizeof *r->tree_of);
        r->dist_of = malloc(n * sizeof *r->dist_of);
        if (!r->tree_of || !r->dist_of || !r->dist || !r->dist2 || !r->pred || !r->heap ||
            !r->heap_pos || !r->seen || !r->done || !r->node_block || !r->dlink_block ||
            !r->dlink_mark) {
            free_workspace(r);
            r->dist = r->dist2 = NULL;
            r->pred = r->heap = r->heap_pos = r->seen = r->done = NULL;
            r->node_block = r->dlink_block = r->dlink_mark = NULL;
            r->nnodes = r->ndlinks = 0;
            return CPN_ERROR(CPN_ENOMEM, "out of memory sizing the router workspace");
        }
        r->nnodes = (uint32_t)n;
        r->ndlinks = (uint32_t)d;
        r->stamp = r->block_epoch = 0;
        for (uint32_t i = 0; i < r->nnodes; i++)
            r->tree_of[i] = r->dist_of[i] = CPN_NONE;
        r->trees.len = 0;
        r->n_trees = 0;
        r->dists.len = 0;
        r->n_dists = 0;
    }
    r->version = v;
    return CPN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Path interning. */

static int intern_grow(struct cpn_router *r)
{
    size_t ncap = r->intern_cap ? 2 * r->intern_cap : 64;
    uint64_t *ns = malloc(ncap * sizeof *ns);
    if (!ns)
        return CPN_ERROR(CPN_ENOMEM, "out of memory growing the path table");
    for (size_t i = 0; i < ncap; i++)
        ns[i] = INTERN_EMPTY;
    for (size_t i = 0; i < r->intern_cap; i++) {
        if (r->intern[i] == INTERN_EMPTY)
            continue;
        size_t j = (size_t)(r->intern[i] >> 32) & (ncap - 1);
        while (ns[j] != INTERN_EMPTY)
            j = (j + 1) & (ncap - 1);
        ns[j] = r->intern[i];
    }
    free(r->intern);
    r->intern = ns;
    r->intern_cap = ncap;
    return CPN_OK;
}

/* A new path with these links (not in the table: the caller puts it there or in pending). */
static int path_new(struct cpn_router *r, uint32_t src, uint32_t dst, const uint32_t *dlinks,
                    uint32_t hops, struct cpn_path **out)
{
    if (r->paths.len >= CPN_NONE - 1)
        return CPN_ERROR(CPN_ENOMEM, "too many distinct paths");
    struct cpn_path *p;
    if (cpn_array_reserve(&r->paths, r->paths.len + 1) != CPN_OK || !(p = path_alloc(r, hops)))
        return CPN_ERROR(CPN_ENOMEM, "out of memory storing a path");
    p->id = (uint32_t)r->paths.len;
    p->src = src;
    p->dst = dst;
    p->hops = hops;
    /* The links hold half of each end node's equipment delay; the path's two ends add theirs. */
    p->latency = sum_latency(r->topo, dlinks, hops);
    if (hops)
        p->latency += (cpn_topo_node(r->topo, src)->delay + cpn_topo_node(r->topo, dst)->delay) / 2;
    if (hops)
        memcpy(p->dlinks, dlinks, hops * sizeof *dlinks);
    r->paths.items[r->paths.len++] = p;
    *out = p;
    return CPN_OK;
}

/* Put the pending tree paths in the table (each is unique: tree_path_unique()). */
static int intern_flush(struct cpn_router *r)
{
    int rc;
    while (2 * (r->paths.len + 1) > r->intern_cap)
        if ((rc = intern_grow(r)) != CPN_OK)
            return rc;
    size_t mask = r->intern_cap - 1;
    for (size_t i = 0; i < r->pending.len; i++) {
        const struct cpn_path *p = r->paths.items[r->pending.items[i]];
        uint64_t high = hash_path(p->src, p->dst, p->dlinks, p->hops) & 0xffffffff00000000ull;
        size_t j = (size_t)(high >> 32) & mask;
        while (r->intern[j] != INTERN_EMPTY)
            j = (j + 1) & mask;
        r->intern[j] = high | p->id;
    }
    r->pending.len = 0;
    return CPN_OK;
}

/* Return the interned path with these links, creating it if new (@p tree: for a route tree;
 * else counted in other_from). */
static int intern(struct cpn_router *r, uint32_t src, uint32_t dst, const uint32_t *dlinks,
                  uint32_t hops, int tree, const struct cpn_path **out)
{
    int rc;
    if (r->pending.len && (rc = intern_flush(r)) != CPN_OK)
        return rc;
    if (!tree && src >= r->other_from.len) {
        size_t old = r->other_from.len;
        if (cpn_array_reserve(&r->other_from, (size_t)src + 1) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "out of memory storing a path");
        memset(r->other_from.items + old, 0, ((size_t)src + 1 - old) * sizeof(uint32_t));
        r->other_from.len = (size_t)src + 1;
    }
    if (2 * (r->paths.len + 1) > r->intern_cap && (rc = intern_grow(r)) != CPN_OK)
        return rc;
    size_t mask = r->intern_cap - 1;
    uint64_t h = hash_path(src, dst, dlinks, hops), high = h & 0xffffffff00000000ull;
    size_t j = (size_t)(high >> 32) & mask;
    for (; r->intern[j] != INTERN_EMPTY; j = (j + 1) & mask) {
        if ((r->intern[j] & 0xffffffff00000000ull) != high)
            continue;
        const struct cpn_path *p = r->paths.items[(uint32_t)r->intern[j]];
        if (p->src == src && p->dst == dst && p->hops == hops &&
            (hops == 0 || memcmp(p->dlinks, dlinks, hops * sizeof *dlinks) == 0)) {
            *out = p;
            return CPN_OK;
        }
    }
    struct cpn_path *p;
    if ((rc = path_new(r, src, dst, dlinks, hops, &p)) != CPN_OK)
        return rc;
    r->intern[j] = high | p->id;
    if (!tree)
        r->other_from.items[src]++;
    *out = p;
    return CPN_OK;
}

/* A path of the current route tree of @p src can equal no existing path when no path from src
 * was made otherwise and no tree was dropped (the tree's own paths are found by index, and a
 * path's links fix its source). */
static int tree_path_unique(const struct cpn_router *r, uint32_t src)
{
    return !r->trees_dropped && (src >= r->other_from.len || r->other_from.items[src] == 0);
}

/* ---------------------------------------------------------------------------------------------
 * Route cache. */

static size_t cache_index(const struct cpn_router *r, uint32_t kind, uint32_t src, uint32_t dst,
                          uint32_t k)
{
    uint64_t h = hash_u32(hash_u32(hash_u32(hash_u32(14695981039346656037ull, kind), src), dst), k);
    size_t mask = r->cache_cap - 1;
    size_t j = (size_t)h & mask;
    while (r->cache[j].used && !(r->cache[j].kind == kind && r->cache[j].src == src &&
                                 r->cache[j].dst == dst && r->cache[j].k == k))
        j = (j + 1) & mask;
    return j;
}

static const struct cache_slot *cache_find(const struct cpn_router *r, uint32_t kind, uint32_t src,
                                           uint32_t dst, uint32_t k)
{
    if (!r->cache_cap)
        return NULL;
    const struct cache_slot *s = &r->cache[cache_index(r, kind, src, dst, k)];
    return s->used ? s : NULL;
}

/* Store a result (paths, n of them; n == 0 for unreachable). */
static int cache_store(struct cpn_router *r, uint32_t kind, uint32_t src, uint32_t dst, uint32_t k,
                       const struct cpn_path *const *paths, uint32_t n,
                       const struct cache_slot **out)
{
    if (2 * (r->cache_len + 1) > r->cache_cap) {
        size_t ocap = r->cache_cap, ncap = ocap ? 2 * ocap : 64;
        struct cache_slot *old = r->cache, *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return CPN_ERROR(CPN_ENOMEM, "out of memory growing the route cache");
        r->cache = ns;
        r->cache_cap = ncap;
        for (size_t i = 0; i < ocap; i++)
            if (old[i].used)
                r->cache[cache_index(r, old[i].kind, old[i].src, old[i].dst, old[i].k)] = old[i];
        free(old);
    }
    if (cpn_array_reserve(&r->cache_paths, r->cache_paths.len + n) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "out of memory growing the route cache");
    struct cache_slot *s = &r->cache[cache_index(r, kind, src, dst, k)];
    *s = (struct cache_slot){
        .used = 1, .kind = kind, .src = src, .dst = dst, .k = k, .off = r->cache_paths.len, .n = n};
    for (uint32_t i = 0; i < n; i++)
        r->cache_paths.items[r->cache_paths.len++] = paths[i];
    r->cache_len++;
    *out = s;
    return CPN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Dijkstra with an indexed binary heap ordered by (dist, node index). */

static int heap_less(const struct cpn_router *r, uint32_t a, uint32_t b)
{
    return r->dist[a] < r->dist[b] || (r->dist[a] == r->dist[b] && a < b);
}

static void heap_set(struct cpn_router *r, size_t i, uint32_t v)
{
    r->heap[i] = v;
    r->heap_pos[v] = (uint32_t)i;
}

static void heap_up(struct cpn_router *r, size_t i)
{
    uint32_t v = r->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!heap_less(r, v, r->heap[parent]))
            break;
        heap_set(r, i, r->heap[parent]);
        i = parent;
    }
    heap_set(r, i, v);
}

static void heap_down(struct cpn_router *r, size_t i)
{
    uint32_t v = r->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= r->heap_len)
            break;
        if (c + 1 < r->heap_len && heap_less(r, r->heap[c + 1], r->heap[c]))
            c++;
        if (!heap_less(r, r->heap[c], v))
            break;
        heap_set(r, i, r->heap[c]);
        i = c;
    }
    heap_set(r, i, v);
}

static uint32_t heap_pop(struct cpn_router *r)
{
    uint32_t top = r->heap[0];
    r->heap_len--;
    if (r->heap_len) {
        heap_set(r, 0, r->heap[r->heap_len]);
        heap_down(r, 0);
    }
    return top;
}

/* Shortest-path tree from src, stopping when dst is settled (dst = CPN_NONE: full tree).
 * With use_blocks, nodes and directed links of the current block epoch are excluded.
 * Returns nonzero when dst was reached (always nonzero for a full tree). */
static int dijkstra(struct cpn_router *r, uint32_t src, uint32_t dst, int use_blocks)
{
    const struct cpn_topo *t = r->topo;
    uint32_t st = next_stamp(r);
    r->heap_len = 0;
    r->dist[src] = 0;
    r->pred[src] = CPN_NONE;
    r->seen[src] = st;
    r->heap_len = 1;
    heap_set(r, 0, src);
    while (r->heap_len) {
        uint32_t u = heap_pop(r);
        r->done[u] = st;
        if (u == dst)
            return 1;
        size_t nout;
        const uint32_t *out = cpn_topo_out_dlinks(t, u, &nout);
        for (size_t i = 0; i < nout; i++) {
            uint32_t d = out[i];
            const struct cpn_link *k = cpn_topo_link(t, cpn_topo_dlink_link(d));
            if (!k->up || (use_blocks && r->dlink_block[d] == r->block_epoch))
                continue;
            uint32_t v = cpn_topo_dlink_dir(d) ? k->a : k->b;
            if (r->done[v] == st || (use_blocks && r->node_block[v] == r->block_epoch))
                continue;
            double nd = r->dist[u] + k->latency;
            if (r->seen[v] != st) {
                r->seen[v] = st;
                r->dist[v] = nd;
                r->pred[v] = d;
                heap_set(r, r->heap_len++, v);
                heap_up(r, r->heap_len - 1);
                continue;
            }
            double tol = tolerance(r->dist[v]);
            if (nd < r->dist[v] - tol) {
                r->dist[v] = nd;
                r->pred[v] = d;
                heap_up(r, r->heap_pos[v]);
            } else if (nd <= r->dist[v] + tol) {
                /* Equal cost: smallest predecessor node, then smallest directed link. */
                uint32_t pu = cpn_topo_dlink_from(t, r->pred[v]);
                if (u < pu || (u == pu && d < r->pred[v]))
                    r->pred[v] = d;
                if (nd < r->dist[v]) {
                    r->dist[v] = nd;
                    heap_up(r, r->heap_pos[v]);
                }
            }
        }
    }
    return dst == CPN_NONE;
}

/* Append the links of the tree path to dst (reached by the last dijkstra()) to r->scratch. */
static int append_tree_path(struct cpn_router *r, uint32_t dst, size_t *count)
{
    size_t n = 0;
    r->scratch2.len = 0;
    for (uint32_t v = dst; r->pred[v] != CPN_NONE; v = cpn_topo_dlink_from(r->topo, r->pred[v])) {
        if (cpn_array_push(&r->scratch2, r->pred[v]) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "out of memory building a path");
        n++;
    }
    if (cpn_array_reserve(&r->scratch, r->scratch.len + n) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "out of memory building a path");
    for (size_t i = n; i-- > 0;)
        r->scratch.items[r->scratch.len++] = r->scratch2.items[i];
    *count = n;
    return CPN_OK;
}

static int check_nodes(const struct cpn_router *r, uint32_t src, uint32_t dst)
{
    uint32_t nn = cpn_topo_node_count(r->topo);
    if (src >= nn || dst >= nn)
        return CPN_ERROR(CPN_EINVAL, "route: node index %u or %u out of range (%u nodes)",
                         (unsigned)src, (unsigned)dst, (unsigned)nn);
    return CPN_OK;
}

static int unreachable(const struct cpn_router *r, uint32_t src, uint32_t dst)
{
    return CPN_ERROR(CPN_EUNREACH, "no route from node \"%s\" to node \"%s\"",
                     cpn_topo_node(r->topo, src)->id, cpn_topo_node(r->topo, dst)->id);
}

/* ---------------------------------------------------------------------------------------------
 * Shortest path. */

/* The route tree of @p src (built by a full dijkstra() when not kept): its block (predecessors,
 * then path ids) into @p *tree (valid until the next tree is built). */
static int route_tree(struct cpn_router *r, uint32_t src, uint32_t **tree)
{
    uint32_t nn = cpn_topo_node_count(r->topo);
    if (r->tree_of[src] == CPN_NONE) {
        if ((size_t)(r->n_trees + 1) * 2 * nn * sizeof(uint32_t) > TREE_BUDGET) {
            for (uint32_t i = 0; i < r->nnodes; i++)
                r->tree_of[i] = CPN_NONE;
            r->trees.len = 0;
            r->n_trees = 0;
            r->trees_dropped = 1;
        }
        if (cpn_array_reserve(&r->trees, r->trees.len + 2 * (size_t)nn) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "out of memory storing a route tree");
        dijkstra(r, src, CPN_NONE, 0);
        uint32_t *t = r->trees.items + r->trees.len;
        for (uint32_t v = 0; v < nn; v++) {
            t[v] = r->seen[v] == r->stamp ? r->pred[v] : TREE_UNREACHED;
            t[nn + v] = CPN_NONE;
        }
        r->tree_of[src] = r->n_trees++;
        r->trees.len += 2 * (size_t)nn;
    }
    *tree = r->trees.items + (size_t)r->tree_of[src] * 2 * nn;
    return CPN_OK;
}

/* The shortest path from the route tree of @p src (the same path as a dijkstra() stopped at
 * @p dst: a node's predecessor is final when it is settled). */
static int shortest_uncached(struct cpn_router *r, uint32_t src, uint32_t dst,
                             const struct cpn_path **out)
{
    *out = NULL;
    uint32_t *pred = NULL, nn = cpn_topo_node_count(r->topo);
    int rc = route_tree(r, src, &pred);
    if (rc != CPN_OK || pred[dst] == TREE_UNREACHED)
        return rc;
    if (pred[nn + dst] != CPN_NONE) {
        *out = r->paths.items[pred[nn + dst]];
        return CPN_OK;
    }
    size_t n = 0;
    r->scratch2.len = 0;
    for (uint32_t v = dst; pred[v] != CPN_NONE; v = cpn_topo_dlink_from(r->topo, pred[v])) {
        if (cpn_array_push(&r->scratch2, pred[v]) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "out of memory building a path");
        n++;
    }
    if (cpn_array_reserve(&r->scratch, n) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "out of memory building a path");
    for (size_t i = 0; i < n; i++)
        r->scratch.items[i] = r->scratch2.items[n - 1 - i];
    r->scratch.len = n;
    if (tree_path_unique(r, src)) {
        struct cpn_path *p;
        if (cpn_array_reserve(&r->pending, r->pending.len + 1) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "out of memory storing a path");
        if ((rc = path_new(r, src, dst, r->scratch.items, (uint32_t)n, &p)) != CPN_OK)
            return rc;
        r->pending.items[r->pending.len++] = p->id;
        *out = p;
    } else {
        rc = intern(r, src, dst, r->scratch.items, (uint32_t)n, 1, out);
    }
    if (rc == CPN_OK)
        pred[nn + dst] = (*out)->id;
    return rc;
}

int cpn_route_shortest(struct cpn_router *r, uint32_t src, uint32_t dst,
                       const struct cpn_path **out)
{
    if (!r || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_route_shortest: NULL argument");
    int rc;
    if ((rc = sync_topology(r)) != CPN_OK || (rc = check_nodes(r, src, dst)) != CPN_OK)
        return rc;
    /* The route tree holds the cache of shortest paths. */
    const struct cpn_path *p;
    if ((rc = shortest_uncached(r, src, dst, &p)) != CPN_OK)
        return rc;
    if (!p)
        return unreachable(r, src, dst);
    *out = p;
    return CPN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * ECMP by flow hash. */

uint64_t cpn_route_flow_hash(const char *id)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)id; p && *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h;
}

/* Distances from every node to @p dst (kept per destination). */
static int dist_to(struct cpn_router *r, uint32_t dst, const double **out)
{
    uint32_t nn = cpn_topo_node_count(r->topo);
    if (r->dist_of[dst] == CPN_NONE) {
        if ((size_t)(r->n_dists + 1) * nn * sizeof(double) > TREE_BUDGET) {
            for (uint32_t i = 0; i < r->nnodes; i++)
                r->dist_of[i] = CPN_NONE;
            r->dists.len = 0;
            r->n_dists = 0;
        }
        if (cpn_array_reserve(&r->dists, r->dists.len + nn) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "out of memory storing distances");
        dijkstra(r, dst, CPN_NONE, 0); /* links are symmetric: from dst = to dst */
        double *d = r->dists.items + r->dists.len;
        for (uint32_t v = 0; v < nn; v++)
            d[v] = r->seen[v] == r->stamp ? r->dist[v] : INFINITY;
        r->dist_of[dst] = r->n_dists++;
        r->dists.len += nn;
    }
    *out = r->dists.items + (size_t)r->dist_of[dst] * nn;
    return CPN_OK;
}

int cpn_route_ecmp_hash(struct cpn_router *r, uint32_t src, uint32_t dst, uint64_t hash,
                        const struct cpn_path **out)
{
    if (!r || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_route_ecmp_hash: NULL argument");
    int rc;
    if ((rc = sync_topology(r)) != CPN_OK || (rc = check_nodes(r, src, dst)) != CPN_OK)
        return rc;
    const double *dist = NULL;
    if ((rc = dist_to(r, dst, &dist)) != CPN_OK)
        return rc;
    if (!isfinite(dist[src]))
        return unreachable(r, src, dst);
    const struct cpn_topo *t = r->topo;
    uint32_t nn = cpn_topo_node_count(t);
    r->scratch.len = 0;
    for (uint32_t u = src, hops = 0; u != dst; hops++) {
        size_t nout;
        const uint32_t *outl = cpn_topo_out_dlinks(t, u, &nout);
        uint32_t cand[64], n = 0;
        for (size_t i = 0; i < nout; i++) {
            const struct cpn_link *k = cpn_topo_link(t, cpn_topo_dlink_link(outl[i]));
            uint32_t v = cpn_topo_dlink_dir(outl[i]) ? k->a : k->b;
            if (!k->up || !isfinite(dist[v]) ||
                fabs(dist[v] + k->latency - dist[u]) > tolerance(dist[u]) ||
                !(dist[v] < dist[u] || (dist[v] == dist[u] && hops < nn)))
                continue;
            if (n < 64)
                cand[n++] = outl[i];
        }
        if (n == 0 || hops >= nn) /* only with zero-latency cycles: no progress */
            return unreachable(r, src, dst);
        uint32_t d = cand[cpn_route_ecmp_pick(hash, u) % n];
        if (cpn_array_push(&r->scratch, d) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "out of memory building a path");
        u = cpn_topo_dlink_to(t, d);
    }
    return intern(r, src, dst, r->scratch.items, (uint32_t)r->scratch.len, 0, out);
}

/* ---------------------------------------------------------------------------------------------
 * Yen's k shortest simple paths. */

/* Order of candidates: latency (with tolerance), then hops, then link sequence. */
static int path_before(double la, const uint32_t *a, uint32_t ha, double lb, const uint32_t *b,
                       uint32_t hb)
{
    if (!latency_equal(la, lb))
        return la < lb;
    if (ha != hb)
        return ha < hb;
    for (uint32_t i = 0; i < ha; i++)
        if (a[i] != b[i])
            return a[i] < b[i];
    return 0;
}

static int same_links(const uint32_t *a, uint32_t ha, const uint32_t *b, uint32_t hb)
{
    return ha == hb && (ha == 0 || memcmp(a, b, ha * sizeof *a) == 0);
}

static int yen(struct cpn_router *r, uint32_t src, uint32_t dst, uint32_t k)
{
    const struct cpn_topo *t = r->topo;
    int rc;
    r->found.len = 0;
    r->cands.len = 0;
    r->cand_links.len = 0;
    const struct cpn_path *first;
    if ((rc = shortest_uncached(r, src, dst, &first)) != CPN_OK)
        return rc;
    if (!first)
        return CPN_OK;
    if (cpn_array_push(&r->found, first) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "out of memory in k-shortest paths");

    while (r->found.len < k) {
        const struct cpn_path *prev = r->found.items[r->found.len - 1];
        for (uint32_t i = 0; i < prev->hops; i++) {
            uint32_t spur = cpn_topo_dlink_from(t, prev->dlinks[i]);
            next_block_epoch(r);
            /* Links leaving the spur node along already-found paths with the same root. */
            for (size_t j = 0; j < r->found.len; j++) {
                const struct cpn_path *p = r->found.items[j];
                if (p->hops > i && memcmp(p->dlinks, prev->dlinks, i * sizeof *p->dlinks) == 0)
                    r->dlink_block[p->dlinks[i]] = r->block_epoch;
            }
            /* Root path nodes except the spur node. */
            for (uint32_t j = 0; j < i; j++)
                r->node_block[cpn_topo_dlink_from(t, prev->dlinks[j])] = r->block_epoch;
            if (!dijkstra(r, spur, dst, 1))
                continue;
            r->scratch.len = 0;
            if (cpn_array_reserve(&r->scratch, i) != CPN_OK)
                return CPN_ERROR(CPN_ENOMEM, "out of memory in k-shortest paths");
            if (i)
                memcpy(r->scratch.items, prev->dlinks, i * sizeof *prev->dlinks);
            r->scratch.len = i;
            size_t n;
            if ((rc = append_tree_path(r, dst, &n)) != CPN_OK)
                return rc;
            uint32_t hops = (uint32_t)r->scratch.len;
            const uint32_t *links = r->scratch.items;
            int dup = 0;
            for (size_t j = 0; !dup && j < r->cands.len; j++)
                dup = same_links(r->cand_links.items + r->cands.items[j].off,
                                 r->cands.items[j].hops, links, hops);
            for (size_t j = 0; !dup && j < r->found.len; j++)
                dup = same_links(r->found.items[j]->dlinks, r->found.items[j]->hops, links, hops);
            if (dup)
                continue;
            struct candidate c = {
                .off = r->cand_links.len, .hops = hops, .latency = sum_latency(t, links, hops)};
            if (cpn_array_reserve(&r->cand_links, r->cand_links.len + hops) != CPN_OK ||
                cpn_array_push(&r->cands, c) != CPN_OK)
                return CPN_ERROR(CPN_ENOMEM, "out of memory in k-shortest paths");
            memcpy(r->cand_links.items + c.off, links, hops * sizeof *links);
            r->cand_links.len += hops;
        }
        if (!r->cands.len)
            break;
        size_t best = 0;
        for (size_t j = 1; j < r->cands.len; j++) {
            const struct candidate *a = &r->cands.items[j], *b = &r->cands.items[best];
            if (path_before(a->latency, r->cand_links.items + a->off, a->hops, b->latency,
                            r->cand_links.items + b->off, b->hops))
                best = j;
        }
        const struct candidate c = r->cands.items[best];
        const struct cpn_path *p;
        if ((rc = intern(r, src, dst, r->cand_links.items + c.off, c.hops, 0, &p)) != CPN_OK)
            return rc;
        if (cpn_array_push(&r->found, p) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "out of memory in k-shortest paths");
        /* Remove the candidate (its links stay in the pool, unused). */
        r->cands.items[best] = r->cands.items[--r->cands.len];
    }
    return CPN_OK;
}

static int multi_query(struct cpn_router *r, enum query_kind kind, uint32_t src, uint32_t dst,
                       uint32_t k, const struct cpn_path *const **paths, uint32_t *n);

int cpn_route_k_shortest(struct cpn_router *r, uint32_t src, uint32_t dst, uint32_t k,
                         const struct cpn_path *const **paths, uint32_t *n)
{
    return multi_query(r, Q_KSHORTEST, src, dst, k, paths, n);
}

/* ---------------------------------------------------------------------------------------------
 * ECMP: every link (u, v) with ds[u] + w + dt[v] = D lies on a shortest path, and following
 * such links from src keeps the prefix cost equal to ds (so every complete walk is shortest). */

static int ecmp(struct cpn_router *r, uint32_t src, uint32_t dst, uint32_t max_paths)
{
    const struct cpn_topo *t = r->topo;
    uint32_t nn = cpn_topo_node_count(t);
    r->found.len = 0;
    if (src == dst) {
        const struct cpn_path *p;
        int rc = intern(r, src, dst, NULL, 0, 0, &p);
        if (rc != CPN_OK)
            return rc;
        return cpn_array_push(&r->found, p) == CPN_OK
                   ? CPN_OK
                   : CPN_ERROR(CPN_ENOMEM, "out of memory in ECMP");
    }
    /* Distances to dst (links are symmetric: same latency and state both ways). */
    dijkstra(r, dst, CPN_NONE, 0);
    for (uint32_t v = 0; v < nn; v++)
        r->dist2[v] = r->seen[v] == r->stamp ? r->dist[v] : INFINITY;
    if (!isfinite(r->dist2[src]))
        return CPN_OK;
    dijkstra(r, src, CPN_NONE, 0);
    const double total = r->dist[src] + r->dist2[src]; /* = D */
    const double tol = tolerance(total);
    uint32_t st = r->stamp;

    /* Iterative depth-first search; scratch = links of the current walk, scratch2 = next
     * out-link position per depth, node_block marks nodes on the walk. */
    next_block_epoch(r);
    r->scratch.len = 0;
    r->scratch2.len = 0;
    if (cpn_array_push(&r->scratch2, 0) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, "out of memory in ECMP");
    r->node_block[src] = r->block_epoch;
    uint32_t u = src;
    while (r->scratch2.len && r->found.len < max_paths) {
        size_t depth = r->scratch2.len - 1;
        size_t nout;
        const uint32_t *out = cpn_topo_out_dlinks(t, u, &nout);
        uint32_t *pos = &r->scratch2.items[depth];
        int descended = 0;
        while (*pos < nout) {
            uint32_t d = out[(*pos)++];
            const struct cpn_link *k = cpn_topo_link(t, cpn_topo_dlink_link(d));
            uint32_t v = cpn_topo_dlink_dir(d) ? k->a : k->b;
            if (!k->up || r->node_block[v] == r->block_epoch || r->seen[v] != st ||
                !isfinite(r->dist2[v]))
                continue;
            if (fabs(r->dist[u] + k->latency + r->dist2[v] - total) > tol)
                continue;
            if (cpn_array_push(&r->scratch, d) != CPN_OK)
                return CPN_ERROR(CPN_ENOMEM, "out of memory in ECMP");
            if (v == dst) {
                const struct cpn_path *p;
                int rc = intern(r, src, dst, r->scratch.items, (uint32_t)r->scratch.len, 0, &p);
                if (rc != CPN_OK)
                    return rc;
                r->scratch.len--;
                if (!latency_equal(p->latency, total))
                    continue;
                if (cpn_array_push(&r->found, p) != CPN_OK)
                    return CPN_ERROR(CPN_ENOMEM, "out of memory in ECMP");
                if (r->found.len >= max_paths)
                    break;
                continue;
            }
            if (cpn_array_push(&r->scratch2, 0) != CPN_OK)
                return CPN_ERROR(CPN_ENOMEM, "out of memory in ECMP");
            r->node_block[v] = r->block_epoch;
            u = v;
            descended = 1;
            break;
        }
        if (descended)
            continue;
        /* Backtrack. */
        r->scratch2.len--;
        r->node_block[u] = 0;
        if (r->scratch.len) {
            uint32_t d = r->scratch.items[--r->scratch.len];
            u = cpn_topo_dlink_from(t, d);
        }
    }
    return CPN_OK;
}

int cpn_route_ecmp(struct cpn_router *r, uint32_t src, uint32_t dst, uint32_t max_paths,
                   const struct cpn_path *const **paths, uint32_t *n)
{
    return multi_query(r, Q_ECMP, src, dst, max_paths, paths, n);
}

static int multi_query(struct cpn_router *r, enum query_kind kind, uint32_t src, uint32_t dst,
                       uint32_t k, const struct cpn_path *const **paths, uint32_t *n)
{
    const char *what = kind == Q_ECMP ? "cpn_route_ecmp" : "cpn_route_k_shortest";
    if (!r || !paths || !n)
        return CPN_ERROR(CPN_EINVAL, "%s: NULL argument", what);
    if (k == 0)
        return CPN_ERROR(CPN_EINVAL, "%s: asked for 0 paths", what);
    int rc;
    if ((rc = sync_topology(r)) != CPN_OK || (rc = check_nodes(r, src, dst)) != CPN_OK)
        return rc;
    const struct cache_slot *s = cache_find(r, kind, src, dst, k);
    if (!s) {
        rc = kind == Q_ECMP ? ecmp(r, src, dst, k) : yen(r, src, dst, k);
        if (rc != CPN_OK)
            return rc;
        if ((rc = cache_store(r, kind, src, dst, k, r->found.items, (uint32_t)r->found.len, &s)) !=
            CPN_OK)
            return rc;
    }
    if (!s->n)
        return unreachable(r, src, dst);
    *paths = r->cache_paths.items + s->off;
    *n = s->n;
    return CPN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Explicit paths (loose segments). */

int cpn_route_explicit(struct cpn_router *r, const uint32_t *nodes, uint32_t count,
                       const struct cpn_path **out)
{
    if (!r || !nodes || !out || count < 2)
        return CPN_ERROR(CPN_EINVAL, "cpn_route_explicit: bad argument");
    int rc;
    if ((rc = sync_topology(r)) != CPN_OK)
        return rc;
    const struct cpn_topo *t = r->topo;
    for (uint32_t i = 0; i < count; i++)
        if ((rc = check_nodes(r, nodes[i], nodes[i])) != CPN_OK)
            return rc;
    /* Collect segment links into the candidate pool (scratch is used by the shortest-path
     * calls below). */
    r->cand_links.len = 0;
    next_block_epoch(r);
    for (uint32_t i = 0; i + 1 < count; i++) {
        if (nodes[i] == nodes[i + 1])
            return CPN_ERROR(CPN_ESCENARIO, "explicit path: node \"%s\" is listed twice in a row",
                             cpn_topo_node(t, nodes[i])->id);
        const struct cpn_path *seg;
        if ((rc = cpn_route_shortest(r, nodes[i], nodes[i + 1], &seg)) != CPN_OK)
            return rc;
        if (cpn_array_reserve(&r->cand_links, r->cand_links.len + seg->hops) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, "out of memory building an explicit path");
        for (uint32_t j = 0; j < seg->hops; j++) {
            uint32_t d = seg->dlinks[j];
            if (r->dlink_mark[d] == r->block_epoch)
                return CPN_ERROR(CPN_ESCENARIO,
                                 "explicit path from \"%s\" to \"%s\" uses link \"%s\" twice in "
                                 "the same direction (list other nodes)",
                                 cpn_topo_node(t, nodes[0])->id,
                                 cpn_topo_node(t, nodes[count - 1])->id,
                                 cpn_topo_link(t, cpn_topo_dlink_link(d))->id);
            r->dlink_mark[d] = r->block_epoch;
            r->cand_links.items[r->cand_links.len++] = d;
        }
    }
    return intern(r, nodes[0], nodes[count - 1], r->cand_links.items, (uint32_t)r->cand_links.len,
                  0, out);
}

int cpn_route_explicit_ids(struct cpn_router *r, const char *text, const struct cpn_path **out)
{
    if (!r || !text || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_route_explicit_ids: NULL argument");
    CPN_ARRAY(uint32_t) nodes = {0};
    char *copy = strdup(text);
    int rc = CPN_OK;
    if (!copy) {
        rc = CPN_ERROR(CPN_ENOMEM, "out of memory parsing an explicit path");
        goto fail;
    }
    for (char *p = copy; *p;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        char *word = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (*p)
            *p++ = '\0';
        uint32_t n = cpn_topo_find_node(r->topo, word);
        if (n == CPN_NONE) {
            rc = CPN_ERROR(CPN_ESCENARIO, "path \"%s\": unknown node \"%s\"", text, word);
            goto fail;
        }
        if (cpn_array_push(&nodes, n) != CPN_OK) {
            rc = CPN_ERROR(CPN_ENOMEM, "out of memory parsing an explicit path");
            goto fail;
        }
    }
    if (nodes.len < 2) {
        rc = CPN_ERROR(CPN_ESCENARIO, "path \"%s\": needs at least two node ids", text);
        goto fail;
    }
    rc = cpn_route_explicit(r, nodes.items, (uint32_t)nodes.len, out);
fail:
    free(copy);
    cpn_array_release(&nodes);
    return rc;
}

const struct cpn_path *cpn_route_path(const struct cpn_router *r, uint32_t id)
{
    return r && id < r->paths.len ? r->paths.items[id] : NULL;
}

void cpn_route_prefetch(const struct cpn_router *r, uint32_t id)
{
    if (r && id < r->paths.len)
        __builtin_prefetch(r->paths.items[id]);
}

uint32_t cpn_route_path_count(const struct cpn_router *r)
{
    return r ? (uint32_t)r->paths.len : 0;
}
