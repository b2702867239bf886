#!/bin/sh
# cpnsim's flow engine against a plain exact max-min solver on the same flows (run by hand, not
# by `make check`):
#   tests/bench/vs_plain.sh BUILDDIR [RUNS]
# For each workload (the 40-city WAN at load 0.7 with 1e5 and 1e6 flows, the k = 8 fat tree
# with D-mod-k routes and 1e5 flows: bench_flows' cases of tests/bench/vs_simgrid_run.sh), it
# exports the flows (bench_flows --export) and runs alternately, RUNS times each (default 3):
#   engine  bench_flows' solver (the CPU s of cpn_engine_run(), median of 3 runs), and
#   plain   tests/bench/plain_flows (progressive filling over the changed flow's component at
#           every join and completion, completion times in a heap: the textbook method without
#           cpnsim's classes, groups, clocks and pruning; its header says what it does),
# and prints the medians of both, plain / engine, the plain solver's work per solve (flows and
# links of the component, rounds of the filling, flows whose rate changed), and the worst
# relative difference of its completion times from the engine's.  The plain solver's time
# leaves out what the engine's includes besides the solve: the arrivals as engine events, the
# flows' callbacks (with the engine's queue, about 3% of the engine's instructions on the WAN,
# callgrind) and the order of the joins (sorted before the plain solver's timed run; the engine
# keeps a heap of pending joins).  About 2 minutes.
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILDDIR [RUNS]" >&2
    exit 64
fi
build=$(cd "$1" && pwd)
runs=${2:-3}
bench=$build/tests/bench/bench_flows
plain=$build/tests/bench/plain_flows
for x in "$bench" "$plain"; do
    [ -x "$x" ] || { echo "vs_plain.sh: $x is missing; run 'make tests/bench/bench_flows tests/bench/plain_flows' in $build" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/median.sh"
echo "$runs run(s) each, alternating; CPU s of the solver alone"
printf '%-22s %9s %9s %12s %12s %12s %12s %12s %10s\n' workload engine_s plain_s plain/engine \
    comp_flows comp_links rounds changed worst_rel
for c in ${CASES:-wan:100000:0.7 wan:1000000:0.7 fat:100000:0.7}; do
    kind=${c%%:*}
    rest=${c#*:}
    n=${rest%%:*}
    rho=${rest#*:}
    "$bench" --case "$kind" --flows "$n" --load "$rho" --export "$tmp/w" >/dev/null
    : >"$tmp/eng"
    : >"$tmp/plain"
    i=0
    while [ "$i" -lt "$runs" ]; do
        "$bench" --case "$kind" --flows "$n" --load "$rho" --runs 3 |
            awk 'NR == 2 { print $5 }' >>"$tmp/eng"
        "$plain" "$tmp/w" --compare "$tmp/w.done" >"$tmp/p.out"
        sed -n 's/.* cpu_s \([0-9.]*\) .*/\1/p' "$tmp/p.out" >>"$tmp/plain"
        i=$((i + 1))
    done
    e=$(median <"$tmp/eng")
    p=$(median <"$tmp/plain")
    # per_solve flows F links L rounds R changed C worst_rel W
    stats=$(sed -n 's/.* per_solve flows \([0-9.]*\) links \([0-9.]*\) rounds \([0-9.]*\) changed \([0-9.]*\) worst_rel \([0-9.e+-]*\).*/\1 \2 \3 \4 \5/p' "$tmp/p.out")
    echo "$kind n=$n rho=$rho $e $p $stats" | awk '{
        printf "%-22s %9.3f %9.3f %12.2f %12s %12s %12s %12s %10s\n", $1 " " $2 " " $3, $4, $5,
               $5 / $4, $6, $7, $8, $9, $10 }'
done
