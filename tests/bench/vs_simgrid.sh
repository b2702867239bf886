#!/bin/sh
# cpnsim's flow solver against SimGrid 3.32 on the same flows, measured in the same run (run by
# hand, not by `make check`; SimGrid is no build dependency of cpnsim):
#   tests/bench/vs_simgrid.sh BUILDDIR [N...]
# BUILDDIR is a build directory configured from this tree with tests/bench/bench_flows built
# (`make tests/bench/bench_flows`).  For each N (default 10000 100000 1000000) it exports the WAN
# workload of bench_flows at load 0.7 (bench_flows --case wan --flows N --export), runs cpnsim on
# it (bench_flows --runs 3: median CPU time of the run) and SimGrid (tests/bench/simgrid_flows.cpp,
# compiled into BUILDDIR; 3 runs, median CPU time of engine.run()), and prints one line per N:
# CPU seconds of each, the ratio SimGrid / cpnsim, the peak RSS of each, and the worst relative
# difference of SimGrid's completion times from cpnsim's (of the completion dates and of the flow
# durations end - start).  Environment: SIMGRID_RUNS (default 3) runs of SimGrid per N;
# SIMGRID_ARGS extra simgrid_flows options, e.g. "--cfg=network/optim:Full".
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILDDIR [N...]" >&2
    exit 64
fi
build=$(cd "$1" && pwd)
shift
[ $# -gt 0 ] || set -- 10000 100000 1000000
src=$(cd "$(dirname "$0")/../.." && pwd)
bench=$build/tests/bench/bench_flows
sg=$build/tests/bench/simgrid_flows
runs=${SIMGRID_RUNS:-3}
if ! pkg-config --exists simgrid 2>/dev/null; then
    echo "vs_simgrid.sh: SimGrid not found by pkg-config; skipped (Debian: apt-get install -y libsimgrid-dev)"
    exit 0
fi
if [ ! -x "$bench" ]; then
    echo "vs_simgrid.sh: $bench is missing; run 'make tests/bench/bench_flows' in $build" >&2
    exit 1
fi
# shellcheck disable=SC2046 # pkg-config's output is a list of words
g++ -O2 -std=c++17 -o "$sg" "$src/tests/bench/simgrid_flows.cpp" $(pkg-config --cflags --libs simgrid)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/median.sh"
echo "SimGrid $(pkg-config --modversion simgrid): CM02, TCP-gamma 0, crosstraffic 0, latency paid before the start; $runs run(s) per N${SIMGRID_ARGS:+; $SIMGRID_ARGS}"
printf '%9s %10s %10s %8s %9s %9s %12s %12s\n' flows "cpnsim_s" "simgrid_s" ratio \
    "cpn_MB" "sg_MB" "worst_end" "worst_dur"
for n in "$@"; do
    "$bench" --case wan --flows "$n" --load 0.7 --export "$tmp/wan"
    # cpnsim's median CPU time from its flows/cpu_s column (more digits than cpu_s), peak RSS.
    cpn=$("$bench" --case wan --flows "$n" --load 0.7 --runs 3 | awk '$1 == "wan" { print $2 / $6, $NF }')
    : >"$tmp/sg"
    i=0
    while [ "$i" -lt "$runs" ]; do
        # shellcheck disable=SC2086 # SIMGRID_ARGS is a list of options
        "$sg" "$tmp/wan" --compare "$tmp/wan.done" ${SIMGRID_ARGS:-} >"$tmp/out"
        awk '$1 == "simgrid" { cpu = $5; rss = $9 }
             $1 == "compare" { end = $3; dur = $7 }
             END { print cpu, rss, end, dur }' "$tmp/out" >>"$tmp/sg"
        i=$((i + 1))
    done
    sg_cpu=$(cut -d' ' -f1 "$tmp/sg" | median)
    sg_rss=$(cut -d' ' -f2 "$tmp/sg" | median)
    worst_end=$(cut -d' ' -f3 "$tmp/sg" | sort -g | tail -n 1)
    worst_dur=$(cut -d' ' -f4 "$tmp/sg" | sort -g | tail -n 1)
    echo "$n $cpn $sg_cpu $sg_rss $worst_end $worst_dur" | awk '{
        printf "%9d %10.4f %10.4f %8.2f %9.1f %9.1f %12.2e %12.2e\n",
               $1, $2, $4, ($2 > 0 ? $4 / $2 : 0), $3, $5, $6, $7 }'
    rm -f "$tmp/wan" "$tmp/wan.done"
done
