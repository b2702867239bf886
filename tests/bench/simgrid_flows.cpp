/* Replays a flow workload exported by bench_flows (--export FILE) in SimGrid 3.32, to measure
 * cpnsim's fluid max-min flow solver against SimGrid's on the same flows, on the same machine, in
 * the same run (tests/bench/vs_simgrid.sh).  A benchmark tool only: not built by `make`, not part
 * of `make check`, and SimGrid is no build dependency of cpnsim.
 *
 * Build (Debian: apt-get install -y libsimgrid-dev):
 *   g++ -O2 -std=c++17 tests/bench/simgrid_flows.cpp -o simgrid_flows \
 *       $(pkg-config --cflags --libs simgrid)
 * Usage:
 *   simgrid_flows FILE [--compare FILE.done] [--out FILE] [--scale S] [--link-latency]
 *                 [--per-flow-actors] [--cfg=name:value ...] [--log=...]
 * Prints the flows, the CPU time of engine.run() [s] (CLOCK_PROCESS_CPUTIME_ID, so other jobs on
 * the machine do not count; platform building and file reading are excluded), flows per CPU
 * second and the peak RSS [MB]; with --compare, the worst and median relative difference of the
 * completion times (and of the flow durations end - start) against cpnsim's FILE.done; with
 * --out, SimGrid's completion times [s], one per line in flow order (FILE.done's format).
 *
 * Platform: one full-routing zone; one host per node id used as a source or destination; one
 * SHARED link per directed link d ("l<d>", the file's capacity [B/s]); for each (src, dst) pair
 * exactly the file's route, one-way (symmetrical = false).  A pair seen with two different routes
 * is an error.
 *
 * Configuration, chosen so that SimGrid computes cpnsim's model (weighted max-min, all weights 1,
 * no per-flow cap, path latency paid once before the flow takes bandwidth):
 *   network/model:CM02          max-min over link capacities, bandwidth and latency factors 1,
 *                               weight-S 0 (LV08 would scale them: 0.97, 13.01, 20537).
 *   network/TCP-gamma:0         no window bound gamma / (2 latency) on a flow's rate.
 *   network/crosstraffic:0      no 5 % reverse-path (ACK) load on the reverse links.
 *   maxmin/precision:1e-10      numerical precision of the lmm solver [relative to link
 *                               capacities] (default 1e-5).  No effect on these workloads' results
 *                               from 1e-5 to 1e-12; 1e-13 made --link-latency abort on a rounding
 *                               residual ("Cannot saturate more a constraint").
 *   surf/precision:1e-12        dates closer than this [s] are merged into one event (default
 *                               1e-9 s, which shifted completions by up to 1.2e-7 of a flow's
 *                               duration on 1e4 WAN flows; 1e-12 leaves 5e-13).
 *   network/optim:Lazy          the default (partial re-solves, a heap of completion dates);
 *                               --cfg=network/optim:Full was 1.2-1.5x faster on the WAN workloads
 *                               (few concurrent flows), with the same results.
 * Latency.  CM02 sets each flow's sharing penalty (inverse weight) to its path latency once the
 * latency is paid, i.e. it shares bottlenecks RTT-unfairly: rate proportional to 1 / latency.
 * cpnsim gives every flow weight 1.  So by default the links get latency 0 and the one actor
 * starts each flow at start + path latency (sum of its links' latencies, in route order, as
 * cpnsim sums them): a zero-latency CM02 flow keeps penalty 1, and the time line is cpnsim's.
 * --link-latency puts the latencies on the links instead (plain CM02, RTT-unfair) to measure that
 * semantic difference.
 * Sizes.  s4u takes a payload size in whole units (uint64_t) while the file's sizes are real
 * numbers [B].  Rounded to whole bytes, a flow of >= 1 MB changes by <= 0.5 B, up to 5e-7 of its
 * transfer time, which is what the comparison then shows.  So SimGrid counts in units of
 * 1 / SCALE B (--scale, default 2^20): sizes and link capacities are both multiplied by SCALE (a
 * power of two: exact in binary floating point), which leaves every rate-to-capacity ratio and
 * time unchanged and shrinks the rounding to <= 0.5 / SCALE B (--scale 1: whole bytes).
 * Actors.  One actor sleeps until each flow's release and starts it as a detached one-sided comm
 * (Comm::sendto_init + detach), and the Link::on_communication_state_change signal records the
 * date at which the kernel finishes it.  Measured on 1e5 WAN flows, this is the cheapest way:
 * keeping every CommPtr and waiting on them at the end took 1.2x the CPU time and 3x the memory
 * (the s4u Activity::on_completion signal fires only when an actor waits or tests, so it gives no
 * date for a detached comm), and --per-flow-actors (one actor per flow, spawned at its release,
 * calling the blocking Comm::sendto) 4-5x the CPU time.
 */
#include <simgrid/kernel/resource/Action.hpp>
#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sg4 = simgrid::s4u;

namespace
{

struct link_spec {
    double capacity; /* [B/s] */
    double latency;  /* [s] */
};

struct flow_spec {
    double start;      /* [s] */
    double size;       /* [B] */
    double latency;    /* one-way path latency, sum over the route [s] */
    uint32_t src, dst; /* node ids */
};

struct workload {
    std::vector<link_spec> links;
    std::vector<flow_spec> flows;
    std::vector<std::vector<uint32_t>> routes; /* distinct routes, directed link ids in order */
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> pair_route; /* (src, dst) -> route */
};

[[noreturn]] void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("simgrid_flows: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

double cpu_now() /* [s] */
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double peak_rss_mb()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB on Linux */
}

void read_workload(const char *file, workload &w)
{
    FILE *fp = fopen(file, "r");
    if (!fp)
        die("%s: %s", file, strerror(errno));
    int version = 0;
    size_t n_links = 0, n_flows = 0;
    if (fscanf(fp, " cpnsim-flows %d links %zu", &version, &n_links) != 2 || version != 1)
        die("%s: not a 'cpnsim-flows 1' file", file);
    w.links.resize(n_links);
    for (size_t d = 0; d < n_links; d++)
        if (fscanf(fp, "%lf %lf", &w.links[d].capacity, &w.links[d].latency) != 2 ||
            !(w.links[d].capacity > 0) || !(w.links[d].latency >= 0))
            die("%s: link %zu: expected 'capacity latency' with capacity > 0 and latency >= 0",
                file, d);
    if (fscanf(fp, " flows %zu", &n_flows) != 1)
        die("%s: expected 'flows N' after the %zu links", file, n_links);
    w.flows.resize(n_flows);
    std::vector<uint32_t> hops;
    for (size_t i = 0; i < n_flows; i++) {
        flow_spec &f = w.flows[i];
        unsigned nhops = 0;
        if (fscanf(fp, "%lf %lf %u %u %u", &f.start, &f.size, &f.src, &f.dst, &nhops) != 5 ||
            !(f.start >= 0) || !(f.size > 0) || nhops == 0)
            die("%s: flow %zu: expected 'start size src dst nhops d0 d1 ...' with start >= 0, "
                "size > 0 and nhops >= 1",
                file, i);
        if (i > 0 && f.start < w.flows[i - 1].start)
            die("%s: flow %zu: start %.17g before the previous flow's %.17g (flows must be in "
                "start order)",
                file, i, f.start, w.flows[i - 1].start);
        hops.resize(nhops);
        f.latency = 0;
        for (unsigned h = 0; h < nhops; h++) {
            if (fscanf(fp, "%u", &hops[h]) != 1 || hops[h] >= n_links)
                die("%s: flow %zu: hop %u is not a directed link id below %zu", file, i, h,
                    n_links);
            f.latency += w.links[hops[h]].latency;
        }
        auto key = std::make_pair(f.src, f.dst);
        auto it = w.pair_route.find(key);
        if (it == w.pair_route.end()) {
            w.pair_route.emplace(key, (uint32_t)w.routes.size());
            w.routes.push_back(hops);
        } else if (w.routes[it->second] != hops) {
            die("%s: flow %zu: node %u to node %u takes a route that differs from an earlier "
                "flow's; a full-routing zone holds one route per pair",
                file, i, f.src, f.dst);
        }
    }
    fclose(fp);
}

std::vector<double> read_done(const char *file, size_t n)
{
    FILE *fp = fopen(file, "r");
    if (!fp)
        die("%s: %s", file, strerror(errno));
    std::vector<double> end(n);
    for (size_t i = 0; i < n; i++)
        if (fscanf(fp, "%lf", &end[i]) != 1)
            die("%s: line %zu: expected a completion time [s] (one per flow)", file, i + 1);
    fclose(fp);
    return end;
}

/* Worst and median of v (reorders v). */
std::pair<double, double> worst_median(std::vector<double> &v)
{
    if (v.empty())
        return {0, 0};
    std::sort(v.begin(), v.end());
    return {v.back(), v[v.size() / 2]};
}

struct replay {
    const workload *w;
    bool link_latency;
    double scale;                  /* SimGrid's units per byte (a power of two) */
    std::vector<sg4::Host *> host; /* by node id */
    std::vector<size_t> order;     /* flows by release time (release()), ties in file order */
    std::vector<double> end;       /* completion time of each flow [s] */
    std::unordered_map<const void *, size_t> pending; /* comm's kernel activity -> flow */
    size_t done = 0;
};

/* Size of a flow in SimGrid's units: @p size [B] times @p scale, rounded to a whole unit. */
uint64_t payload(double size, double scale)
{
    double units = std::nearbyint(size * scale);
    if (!(units < 18446744073709551616.0)) /* 2^64 */
        die("size %.17g B times --scale %g does not fit in 64 bits", size, scale);
    return (uint64_t)units;
}

/* When flow f may take bandwidth in this replay's set-up: with latency on the links, at its
 * start (SimGrid then waits the latency); otherwise after its path latency. */
double release(const replay &r, const flow_spec &f) /* [s] */
{
    return r.link_latency ? f.start : f.start + f.latency;
}

/* The calling actor waits until flow f may take bandwidth. */
void wait_release(const replay &r, const flow_spec &f)
{
    double t = release(r, f);
    if (t > sg4::Engine::get_clock())
        sg4::this_actor::sleep_until(t);
}

void one_actor(replay *r)
{
    const workload &w = *r->w;
    for (size_t i : r->order) {
        const flow_spec &f = w.flows[i];
        wait_release(*r, f);
        sg4::CommPtr comm = sg4::Comm::sendto_init(r->host[f.src], r->host[f.dst]);
        comm->set_payload_size(payload(f.size, r->scale));
        comm->detach();
        r->pending.emplace(static_cast<const void *>(comm->get_impl()), i);
    }
}

/* Records the completion of a detached comm (see "Actors" above). */
void on_network_action(replay &r, simgrid::kernel::resource::NetworkAction &network_action)
{
    /* NetworkAction is only declared in the public headers; it derives from Action alone (3.32
     * src/kernel/resource/NetworkModel.hpp), so the reference is one to its Action. */
    auto &action = reinterpret_cast<simgrid::kernel::resource::Action &>(network_action);
    if (action.get_state() != simgrid::kernel::resource::Action::State::FINISHED)
        return;
    auto it = r.pending.find(static_cast<const void *>(action.get_activity()));
    if (it == r.pending.end())
        return;
    r.end[it->second] = sg4::Engine::get_clock();
    r.done++;
    r.pending.erase(it);
}

void one_flow(replay *r, size_t i)
{
    const flow_spec &f = r->w->flows[i];
    sg4::Comm::sendto(r->host[f.src], r->host[f.dst], payload(f.size, r->scale));
    r->end[i] = sg4::Engine::get_clock();
    r->done++;
}

void spawner(replay *r)
{
    const workload &w = *r->w;
    for (size_t i : r->order) {
        const flow_spec &f = w.flows[i];
        wait_release(*r, f);
        sg4::Actor::create("f", r->host[f.src], one_flow, r, i);
    }
}

} // namespace

int main(int argc, char **argv)
{
    const char *file = nullptr, *compare = nullptr, *out = nullptr;
    bool link_latency = false, per_flow = false;
    double scale = 1048576; /* SimGrid's units per byte: 2^20 */
    /* SimGrid options (--cfg=..., --log=...) are consumed by the Engine; ours are read first. */
    std::vector<char *> sg_argv{argv[0]};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--compare") && i + 1 < argc)
            compare = argv[++i];
        else if (!strcmp(argv[i], "--scale") && i + 1 < argc) {
            int exponent;
            scale = atof(argv[++i]);
            if (!(scale > 0) || std::frexp(scale, &exponent) != 0.5)
                die("--scale %s: expected a power of two, e.g. 1 or 1048576", argv[i]);
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--link-latency"))
            link_latency = true;
        else if (!strcmp(argv[i], "--per-flow-actors"))
            per_flow = true;
        else if (!strncmp(argv[i], "--cfg=", 6) || !strncmp(argv[i], "--log=", 6))
            sg_argv.push_back(argv[i]);
        else if (argv[i][0] != '-' && !file)
            file = argv[i];
        else
            die("usage: simgrid_flows FILE [--compare FILE.done] [--out FILE] [--scale S] "
                "[--link-latency] "
                "[--per-flow-actors] [--cfg=name:value ...]");
    }
    if (!file)
        die("usage: simgrid_flows FILE [--compare FILE.done] [--out FILE] [--scale S] "
            "[--link-latency] "
            "[--per-flow-actors] [--cfg=name:value ...]");
    workload w;
    read_workload(file, w);
    if (w.flows.empty())
        die("%s: no flows", file);

    /* Quiet: only warnings and worse (the configuration changes are logged at INFO). */
    xbt_log_control_set("root.thresh:warning");
    std::vector<char *> user_cfg(sg_argv.begin() + 1, sg_argv.end());
    int sg_argc = (int)sg_argv.size();
    sg_argv.push_back(nullptr);
    sg4::Engine engine(&sg_argc, sg_argv.data());
    sg4::Engine::set_config("network/model:CM02");
    sg4::Engine::set_config("network/TCP-gamma:0");
    sg4::Engine::set_config("network/crosstraffic:0");
    sg4::Engine::set_config("maxmin/precision:1e-10");
    sg4::Engine::set_config("surf/precision:1e-12");
    for (const char *arg : user_cfg) /* a --cfg on the command line overrides the above */
        if (!strncmp(arg, "--cfg=", 6))
            sg4::Engine::set_config(arg + 6);

    auto *zone = sg4::create_full_zone("wan");
    replay r;
    r.w = &w;
    r.link_latency = link_latency;
    r.scale = scale;
    r.end.assign(w.flows.size(), NAN);
    r.order.resize(w.flows.size());
    for (size_t i = 0; i < w.flows.size(); i++)
        r.order[i] = i;
    std::stable_sort(r.order.begin(), r.order.end(), [&r, &w](size_t a, size_t b) {
        return release(r, w.flows[a]) < release(r, w.flows[b]);
    });
    uint32_t max_node = 0;
    for (const flow_spec &f : w.flows)
        max_node = std::max({max_node, f.src, f.dst});
    r.host.assign(max_node + 1, nullptr);
    for (const flow_spec &f : w.flows)
        for (uint32_t node : {f.src, f.dst})
            if (!r.host[node])
                r.host[node] = zone->create_host("n" + std::to_string(node), 1e9)->seal();
    std::vector<sg4::Link *> link(w.links.size());
    for (size_t d = 0; d < w.links.size(); d++) {
        link[d] = zone->create_link("l" + std::to_string(d), w.links[d].capacity * scale);
        link[d]->set_sharing_policy(sg4::Link::SharingPolicy::SHARED);
        link[d]->set_latency(link_latency ? w.links[d].latency : 0.0);
        link[d]->seal();
    }
    for (const auto &[pair, route] : w.pair_route) {
        std::vector<sg4::LinkInRoute> hops;
        for (uint32_t d : w.routes[route])
            hops.emplace_back(link[d]);
        zone->add_route(r.host[pair.first]->get_netpoint(), r.host[pair.second]->get_netpoint(),
                        nullptr, nullptr, hops, false);
    }
    zone->seal();

    if (!per_flow)
        sg4::Link::on_communication_state_change_cb(
            [&r](simgrid::kernel::resource::NetworkAction &action,
                 simgrid::kernel::resource::Action::State) { on_network_action(r, action); });
    sg4::Host *home = r.host[w.flows[0].src]; /* any host: the actors only start comms */
    if (per_flow)
        sg4::Actor::create("spawner", home, spawner, &r);
    else
        sg4::Actor::create("flows", home, one_actor, &r);

    double c0 = cpu_now();
    engine.run();
    double cpu = cpu_now() - c0;
    if (r.done != w.flows.size())
        die("%zu of %zu flows completed", r.done, w.flows.size());
    printf("simgrid flows %zu cpu_s %.6f flows_per_cpu_s %.0f peak_rss_mb %.1f (%s, %s)\n",
           w.flows.size(), cpu, cpu > 0 ? (double)w.flows.size() / cpu : 0.0, peak_rss_mb(),
           per_flow ? "one actor per flow" : "one actor",
           link_latency ? "latency on the links: CM02 RTT-unfair"
                        : "latency before the start: weights 1");
    if (out) {
        FILE *fp = fopen(out, "w");
        if (!fp)
            die("%s: %s", out, strerror(errno));
        for (double t : r.end)
            fprintf(fp, "%.17g\n", t);
        if (fclose(fp) != 0)
            die("%s: %s", out, strerror(errno));
    }
    if (compare) {
        std::vector<double> ref = read_done(compare, w.flows.size());
        std::vector<double> rel_end, rel_duration;
        for (size_t i = 0; i < w.flows.size(); i++) {
            const flow_spec &f = w.flows[i];
            rel_end.push_back(std::fabs(r.end[i] - ref[i]) / std::fabs(ref[i]));
            rel_duration.push_back(std::fabs(r.end[i] - ref[i]) / (ref[i] - f.start));
        }
        auto [worst, median] = worst_median(rel_end);
        auto [dworst, dmedian] = worst_median(rel_duration);
        printf("compare completion_worst %.2e completion_median %.2e duration_worst %.2e "
               "duration_median %.2e\n",
               worst, median, dworst, dmedian);
    }
    return 0;
}
