/* A plain exact max-min flow solver, to measure what cpnsim's flow engine (models/net/flow*.c)
 * costs against the straightforward way of computing the same thing (tests/bench/vs_plain.sh).
 * A benchmark tool only: not part of libcpn or of `make check`.
 *
 * Usage: plain_flows FILE [--compare FILE.done]
 *   FILE is a workload exported by bench_flows --export (format at its export_workload(): the
 *   directed links' capacities [B/s] and latencies [s], then per flow its start [s], size [B],
 *   endpoints and directed links); FILE.done holds cpnsim's completion times, one per line in
 *   flow order.  Prints the flows, the CPU time of the replay [s] (CLOCK_PROCESS_CPUTIME_ID;
 *   reading the file excluded), per solve the mean flows and links of the component and the
 *   rounds of the filling and the flows whose rate changed, and with --compare the worst relative
 *   difference of the completion times from cpnsim's.
 *
 * The model is cpnsim's for these workloads (docs/models-network.md §1): weight 1, no per-flow
 * cap, a flow takes bandwidth once its path latency (the sum of its links') has passed after its
 * start, and rates are the max-min fair share over link capacities.  The method is the textbook
 * one, without cpnsim's classes, bottleneck groups, virtual clocks or pruning:
 * - at every join and every completion, the flows whose rates can change are those connected to
 *   the changed flow's links through shared links (max-min decomposes over connected
 *   components); a breadth-first walk over links and their flows collects them;
 * - progressive filling over that component: the link with the smallest share (capacity left /
 *   unfrozen flows) freezes its unfrozen flows at that share, until every flow is frozen
 *   (Bertsekas and Gallager, Data Networks, 2nd ed., §6.5.2);
 * - a flow whose rate changed has its bytes left brought up to date and its completion time
 *   moved in a binary heap of completion times; joins come in order of their join time (ties by
 *   flow order), before a completion at the same time.
 * Active flows live in reused slots, so that the data the solver touches stays as small as the
 * flows in flight.  (tests/unit/flow_reference.h is the correctness reference of the engine:
 * progressive filling over every flow at every event, without heap or component walk; this
 * file is the speed reference, so it keeps what a fast plain solver would keep.)  Assumption: paths
 * of at most PLAIN_MAXH links (bench_flows' longest has 25).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PLAIN_MAXH 32 /* longest path [links] */

struct plain_link {
    double capacity; /* [B/s] */
    double left;     /* filling: capacity not yet given [B/s] */
    int unfrozen;    /* filling: its flows not yet frozen */
    int n;           /* flows crossing it */
    int cap;         /* room in slot[] and hop[] */
    int mark;        /* walk stamp */
    int *slot;       /* the slots of its flows */
    int *hop;        /* for each, the index of this link in that flow's path */
};

struct plain_slot {
    double rate; /* [B/s] (0 until its first solve) */
    double left; /* bytes left at t_left [B] */
    double t_left;
    int flow;   /* the flow's index in the file */
    int hops;   /* path length [links] */
    int heap;   /* position in the completion heap, or -1 */
    int mark;   /* walk stamp */
    int frozen; /* filling: frozen */
    int link[PLAIN_MAXH];
    int pos[PLAIN_MAXH]; /* its place in link[i]'s lists */
};

struct plain_due {
    double time; /* completion time [s] */
    int slot;
};

struct plain {
    struct plain_link *links;
    int n_links;
    struct plain_slot *slots;
    int n_slots, slot_cap, *free_slots, n_free;
    struct plain_due *heap;
    int heap_len;
    int *walk_links, n_walk_links, *walk_slots, n_walk_slots, stamp;
    long solves, walked_flows, walked_links, rounds, changed;
};

static void die(const char *what)
{
    fprintf(stderr, "plain_flows: %s\n", what);
    exit(1);
}

static void *grow(void *p, size_t n, size_t size)
{
    void *q = realloc(p, n * size);
    if (!q)
        die("out of memory");
    return q;
}

static void heap_put(struct plain *P, int i, struct plain_due d)
{
    P->heap[i] = d;
    P->slots[d.slot].heap = i;
}

static void heap_up(struct plain *P, int i)
{
    struct plain_due d = P->heap[i];
    while (i > 0 && d.time < P->heap[(i - 1) / 2].time) {
        heap_put(P, i, P->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_put(P, i, d);
}

static void heap_down(struct plain *P, int i)
{
    struct plain_due d = P->heap[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= P->heap_len)
            break;
        if (c + 1 < P->heap_len && P->heap[c + 1].time < P->heap[c].time)
            c++;
        if (!(P->heap[c].time < d.time))
            break;
        heap_put(P, i, P->heap[c]);
        i = c;
    }
    heap_put(P, i, d);
}

/* Set slot @p s's completion time to @p t. */
static void heap_set(struct plain *P, int s, double t)
{
    int i = P->slots[s].heap;
    if (i < 0) {
        i = P->heap_len++;
        heap_put(P, i, (struct plain_due){t, s});
        heap_up(P, i);
        return;
    }
    double was = P->heap[i].time;
    P->heap[i].time = t;
    if (t < was)
        heap_up(P, i);
    else
        heap_down(P, i);
}

static void heap_pop(struct plain *P)
{
    P->slots[P->heap[0].slot].heap = -1;
    if (--P->heap_len > 0) {
        heap_put(P, 0, P->heap[P->heap_len]);
        heap_down(P, 0);
    }
}

/* Put link @p l in the walk (its filling state reset) unless it is there or carries nothing. */
static void walk_link(struct plain *P, int l)
{
    struct plain_link *k = &P->links[l];
    if (k->mark == P->stamp || k->n == 0)
        return;
    k->mark = P->stamp;
    k->left = k->capacity;
    k->unfrozen = k->n;
    P->walk_links[P->n_walk_links++] = l;
}

/* Re-solve the component of the links @p seed[0 .. n) at time @p now. */
static void solve(struct plain *P, double now, const int *seed, int n)
{
    P->stamp++;
    P->n_walk_links = P->n_walk_slots = 0;
    for (int i = 0; i < n; i++)
        walk_link(P, seed[i]);
    for (int i = 0; i < P->n_walk_links; i++) {
        const struct plain_link *k = &P->links[P->walk_links[i]];
        for (int j = 0; j < k->n; j++) {
            struct plain_slot *f = &P->slots[k->slot[j]];
            if (f->mark == P->stamp)
                continue;
            f->mark = P->stamp;
            f->frozen = 0;
            P->walk_slots[P->n_walk_slots++] = k->slot[j];
            for (int h = 0; h < f->hops; h++)
                walk_link(P, f->link[h]);
        }
    }
    P->solves++;
    P->walked_flows += P->n_walk_slots;
    P->walked_links += P->n_walk_links;
    for (int left = P->n_walk_slots; left > 0;) {
        double share = INFINITY;
        int at = -1;
        for (int i = 0; i < P->n_walk_links; i++) {
            const struct plain_link *k = &P->links[P->walk_links[i]];
            if (k->unfrozen > 0 && k->left / k->unfrozen < share) {
                share = k->left / k->unfrozen;
                at = P->walk_links[i];
            }
        }
        P->rounds++;
        const struct plain_link *b = &P->links[at];
        for (int j = 0; j < b->n; j++) {
            struct plain_slot *f = &P->slots[b->slot[j]];
            if (f->frozen)
                continue;
            f->frozen = 1;
            left--;
            if (share != f->rate) {
                f->left -= f->rate * (now - f->t_left);
                f->t_left = now;
                f->rate = share;
                heap_set(P, b->slot[j], now + f->left / share);
                P->changed++;
            }
            for (int h = 0; h < f->hops; h++) {
                P->links[f->link[h]].left -= share;
                P->links[f->link[h]].unfrozen--;
            }
        }
    }
}

/* Flow @p flow joins at @p now on links @p path[0 .. hops) with @p size bytes; returns its slot. */
static int join(struct plain *P, int flow, const int *path, int hops, double size, double now)
{
    int s;
    if (P->n_free) {
        s = P->free_slots[--P->n_free];
    } else {
        if (P->n_slots == P->slot_cap) {
            P->slot_cap = P->slot_cap ? 2 * P->slot_cap : 1024;
            P->slots = grow(P->slots, (size_t)P->slot_cap, sizeof *P->slots);
            P->free_slots = grow(P->free_slots, (size_t)P->slot_cap, sizeof *P->free_slots);
            P->heap = grow(P->heap, (size_t)P->slot_cap, sizeof *P->heap);
            P->walk_slots = grow(P->walk_slots, (size_t)P->slot_cap, sizeof *P->walk_slots);
        }
        s = P->n_slots++;
    }
    struct plain_slot *f = &P->slots[s];
    f->rate = 0;
    f->left = size;
    f->t_left = now;
    f->flow = flow;
    f->hops = hops;
    f->heap = -1;
    f->mark = f->frozen = 0;
    for (int h = 0; h < hops; h++) {
        struct plain_link *k = &P->links[path[h]];
        if (k->n == k->cap) {
            k->cap = k->cap ? 2 * k->cap : 8;
            k->slot = grow(k->slot, (size_t)k->cap, sizeof *k->slot);
            k->hop = grow(k->hop, (size_t)k->cap, sizeof *k->hop);
        }
        f->link[h] = path[h];
        f->pos[h] = k->n;
        k->slot[k->n] = s;
        k->hop[k->n] = h;
        k->n++;
    }
    return s;
}

/* Slot @p s leaves its links (the last flow of each list takes its place) and is freed. */
static void leave(struct plain *P, int s)
{
    const struct plain_slot *f = &P->slots[s];
    for (int h = 0; h < f->hops; h++) {
        struct plain_link *k = &P->links[f->link[h]];
        int p = f->pos[h], last = --k->n;
        k->slot[p] = k->slot[last];
        k->hop[p] = k->hop[last];
        P->slots[k->slot[p]].pos[k->hop[p]] = p;
    }
    P->free_slots[P->n_free++] = s;
}

static const double *g_join; /* (qsort has no context argument) */

static int by_join(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return g_join[x] < g_join[y] ? -1 : g_join[x] > g_join[y] ? 1 : (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--compare") == 0)) {
        fprintf(stderr, "usage: plain_flows FILE [--compare FILE.done]\n");
        return 64;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in)
        die("cannot open the workload");
    int version, n_links, n_flows;
    if (fscanf(in, "cpnsim-flows %d links %d", &version, &n_links) != 2 || version != 1 ||
        n_links <= 0)
        die("not a bench_flows --export file (version 1)");
    struct plain P = {0};
    P.n_links = n_links;
    P.links = calloc((size_t)n_links, sizeof *P.links);
    P.walk_links = malloc((size_t)n_links * sizeof *P.walk_links);
    double *latency = malloc((size_t)n_links * sizeof *latency);
    if (!P.links || !P.walk_links || !latency)
        die("out of memory");
    for (int l = 0; l < n_links; l++)
        if (fscanf(in, "%lf %lf", &P.links[l].capacity, &latency[l]) != 2)
            die("bad link line");
    if (fscanf(in, " flows %d", &n_flows) != 1 || n_flows <= 0)
        die("bad flows line");
    double *size = malloc((size_t)n_flows * sizeof *size),
           *join_at = malloc((size_t)n_flows * sizeof *join_at),
           *done = malloc((size_t)n_flows * sizeof *done);
    int *first = malloc(((size_t)n_flows + 1) * sizeof *first),
        *order = malloc((size_t)n_flows * sizeof *order), *arena = NULL;
    if (!size || !join_at || !done || !first || !order)
        die("out of memory");
    size_t n_arena = 0, arena_cap = 0;
    for (int i = 0; i < n_flows; i++) {
        double start;
        unsigned src, dst;
        int hops;
        if (fscanf(in, "%lf %lf %u %u %d", &start, &size[i], &src, &dst, &hops) != 5 || hops < 1 ||
            hops > PLAIN_MAXH)
            die("bad flow line (or a path longer than PLAIN_MAXH)");
        if (n_arena + (size_t)hops > arena_cap) {
            arena_cap = 2 * (n_arena + (size_t)hops);
            arena = grow(arena, arena_cap, sizeof *arena);
        }
        first[i] = (int)n_arena;
        join_at[i] = start;
        for (int h = 0; h < hops; h++) {
            if (fscanf(in, "%d", &arena[n_arena]) != 1 || arena[n_arena] < 0 ||
                arena[n_arena] >= n_links)
                die("bad link index");
            join_at[i] += latency[arena[n_arena++]]; /* (in route order, as cpnsim sums them) */
        }
        order[i] = i;
    }
    first[n_flows] = (int)n_arena;
    fclose(in);
    g_join = join_at;
    qsort(order, (size_t)n_flows, sizeof *order, by_join);

    struct timespec t0, t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    int joined = 0, finished = 0;
    while (finished < n_flows) {
        double next_join = joined < n_flows ? join_at[order[joined]] : INFINITY;
        if (P.heap_len == 0 || next_join <= P.heap[0].time) {
            int i = order[joined++];
            int s = join(&P, i, arena + first[i], first[i + 1] - first[i], size[i], next_join);
            solve(&P, next_join, P.slots[s].link, P.slots[s].hops);
        } else {
            double now = P.heap[0].time;
            int s = P.heap[0].slot;
            heap_pop(&P);
            done[P.slots[s].flow] = now;
            finished++;
            leave(&P, s);
            solve(&P, now, P.slots[s].link, P.slots[s].hops); /* (a freed slot keeps its path) */
        }
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double cpu = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    double solves = (double)P.solves;
    printf("plain flows %d cpu_s %.6f per_solve flows %.2f links %.2f rounds %.2f changed %.2f",
           n_flows, cpu, (double)P.walked_flows / solves, (double)P.walked_links / solves,
           (double)P.rounds / solves, (double)P.changed / solves);
    if (argc == 4) {
        FILE *ref = fopen(argv[3], "r");
        if (!ref)
            die("cannot open the completion times");
        double worst = 0;
        for (int i = 0; i < n_flows; i++) {
            double t;
            if (fscanf(ref, "%lf", &t) != 1)
                die("too few completion times");
            double d = fabs(done[i] - t) / fmax(fabs(t), 1e-300);
            worst = d > worst ? d : worst;
        }
        fclose(ref);
        printf(" worst_rel %.2e", worst);
    }
    printf("\n");
    for (int l = 0; l < n_links; l++) {
        free(P.links[l].slot);
        free(P.links[l].hop);
    }
    free(P.links);
    free(P.walk_links);
    free(P.slots);
    free(P.free_slots);
    free(P.heap);
    free(P.walk_slots);
    free(latency);
    free(size);
    free(join_at);
    free(done);
    free(first);
    free(order);
    free(arena);
    return 0;
}
