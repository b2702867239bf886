#!/bin/sh
# End to end against SimGrid 3.32, the way a user runs each (run by hand, not by `make check`;
# SimGrid is no build dependency of cpnsim):
#   tests/bench/vs_simgrid_run.sh BUILDDIR [RUNS]
# For each workload of bench_flows, exported both as a cpnsim scenario (--export-scenario: the
# topology and a flows CSV whose path column gives every flow its route, so the fat tree keeps
# its D-mod-k routes) and as SimGrid's input (--export), it runs alternately, RUNS times each
# (default 3):
#   cpnsim   `cpnsim --quiet run scenario.xml --flows-out out.csv` (load + run + output)
#   SimGrid  tests/bench/simgrid_flows (CM02, TCP-gamma 0, no cross-traffic, latency paid once)
# and prints the median whole-process CPU time (user + system, /usr/bin/time) and peak RSS of
# each, their ratio, the median wall (elapsed) times and their ratio (cpnsim writes --flows-out
# on another core during the run: its wall time is below its CPU time), cpnsim's own split (load / simulation, from its last summary line), the
# engines alone (bench_flows' solver on the same workload, run in each round of the alternation:
# the median over the rounds of its median CPU s of 3 runs, against SimGrid's engine.run() CPU s
# as simgrid_flows prints it, median over the rounds) and their ratio, the mean number of
# flows in flight, and the
# worst relative difference of SimGrid's completion times from those `cpnsim run` wrote (and of
# cpnsim run's from the engine's, bench_flows --export's FILE.done: they must be equal).
# Workloads: the 40-city WAN at load 0.7 (1e5 and 1e6 flows), the WAN overloaded (load 3,
# 1e5 flows; SimGrid is skipped there, it takes more than 10 minutes), the k = 8 fat tree with
# D-mod-k routes (1e5 and 1e6 flows; every pair has one route, given per flow in the path
# column).  Environment: CASES to choose, e.g. CASES="wan:100000:0.7 fat:100000:0.7"; SG_SKIP
# (space-separated case names) runs cpnsim alone on those cases (SimGrid's longest case,
# fat:1000000:0.7, takes about 50 s of CPU a run; the whole script about 5 minutes).
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILDDIR [RUNS]" >&2
    exit 64
fi
build=$(cd "$1" && pwd)
runs=${2:-3}
src=$(cd "$(dirname "$0")/../.." && pwd)
bench=$build/tests/bench/bench_flows
sg=$build/tests/bench/simgrid_flows
cpnsim=$build/cpnsim
if ! pkg-config --exists simgrid 2>/dev/null; then
    echo "vs_simgrid_run.sh: SimGrid not found by pkg-config; skipped (Debian: apt-get install -y libsimgrid-dev)"
    exit 0
fi
for x in "$bench" "$cpnsim"; do
    [ -x "$x" ] || { echo "vs_simgrid_run.sh: $x is missing; run 'make cpnsim tests/bench/bench_flows' in $build" >&2; exit 1; }
done
[ -x "$sg" ] || g++ -O2 -std=c++17 -o "$sg" "$src/tests/bench/simgrid_flows.cpp" \
    $(pkg-config --cflags --libs simgrid)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/median.sh"
# worst relative difference between column 6 of a --flows-out CSV and a one-column file
worst() {
    tail -n +2 "$1" | cut -d, -f6 | paste -d' ' - "$2" |
        awk '{ d = $1 - $2; if (d < 0) d = -d; r = $2 > 0 ? d / $2 : d; if (r > m) m = r }
             END { printf "%.2e", m + 0 }'
}
echo "SimGrid $(pkg-config --modversion simgrid); $runs run(s) each, alternating; CPU s = user + system of the whole process"
printf '%-22s %9s %9s %7s %10s %9s %7s %8s %8s %17s %9s %9s %7s %9s %11s %11s\n' workload cpn_cpu_s \
    sg_cpu_s ratio cpn_wall_s sg_wall_s w_ratio cpn_MB sg_MB "cpn load/sim s" cpn_eng_s sg_eng_s \
    e_ratio mean_act "sg-vs-run" "run-vs-eng"
for c in ${CASES:-wan:100000:0.7 wan:1000000:0.7 wan:100000:3 fat:100000:0.7 fat:1000000:0.7}; do
    kind=${c%%:*}
    rest=${c#*:}
    n=${rest%%:*}
    rho=${rest#*:}
    d=$tmp/$kind-$n
    mkdir -p "$d"
    "$bench" --case "$kind" --flows "$n" --load "$rho" --export-scenario "$d" --export "$d/w" >/dev/null
    : >"$d/cpn"
    : >"$d/sg"
    : >"$d/eng"
    i=0
    while [ "$i" -lt "$runs" ]; do
        /usr/bin/time -f '%U %S %M %e' -o "$d/t" "$cpnsim" run "$d/scenario.xml" \
            --flows-out "$d/out.csv" --force >"$d/run.out" 2>/dev/null
        split=$(sed -n 's/^run: .* s (load \([0-9.]*\) s, simulation \([0-9.]*\) s.*/\1 \2/p' "$d/run.out")
        awk -v s="$split" '{ print $1 + $2, $3 / 1024, s, $4 }' "$d/t" >>"$d/cpn"
        # The engine alone, in the same alternation: bench_flows' solver on the same workload
        # (the median CPU s of 3 runs of the solver, and the mean number of flows in flight).
        "$bench" --case "$kind" --flows "$n" --load "$rho" --runs 3 |
            awk 'NR == 2 { print $5, $7 }' >>"$d/eng"
        skip=0
        for x in ${SG_SKIP:-}; do [ "$x" = "$c" ] && skip=1; done
        if [ "$rho" != 3 ] && [ "$skip" = 0 ] && [ ! -f "$d/sg.failed" ]; then
            if /usr/bin/time -f '%U %S %M %e' -o "$d/t" "$sg" "$d/w" --out "$d/sg.done" \
                    >"$d/sg.out" 2>"$d/sg.err"; then
                sge=$(sed -n 's/.* cpu_s \([0-9.]*\) .*/\1/p' "$d/sg.out" | head -1)
                awk -v e="$sge" '{ print $1 + $2, $3 / 1024, e, $4 }' "$d/t" >>"$d/sg"
            else
                echo "  SimGrid cannot replay $kind: $(head -1 "$d/sg.err")"
                touch "$d/sg.failed"
            fi
        fi
        i=$((i + 1))
    done
    cpu=$(cut -d' ' -f1 "$d/cpn" | median)
    mb=$(cut -d' ' -f2 "$d/cpn" | median)
    load=$(cut -d' ' -f3 "$d/cpn" | median)
    sim=$(cut -d' ' -f4 "$d/cpn" | median)
    wall=$(cut -d' ' -f5 "$d/cpn" | median)
    if [ -s "$d/sg" ]; then
        sgcpu=$(cut -d' ' -f1 "$d/sg" | median)
        sgmb=$(cut -d' ' -f2 "$d/sg" | median)
        sgeng=$(cut -d' ' -f3 "$d/sg" | median)
        sgwall=$(cut -d' ' -f4 "$d/sg" | median)
        wsg=$(worst "$d/out.csv" "$d/sg.done")
    else
        sgcpu=nan sgmb=nan sgeng=nan sgwall=nan wsg=-
    fi
    weng=$(worst "$d/out.csv" "$d/w.done")
    # The engines alone: cpnsim's (the median over the rounds of bench_flows' medians of 3) and
    # SimGrid's engine.run() (the median of its runs above); flows in flight on average.
    eng="$(cut -d' ' -f1 "$d/eng" | median) $(head -1 "$d/eng" | cut -d' ' -f2)"
    echo "$kind n=$n rho=$rho $cpu $sgcpu $mb $sgmb $load $sim $wsg $weng $eng $sgeng $wall $sgwall" | awk '{
        printf "%-22s %9.2f %9s %7s %10.2f %9s %7s %8.0f %8s %8.2f/%-8.2f %9.3f %9s %7s %9.0f %11s %11s\n",
               $1 " " $2 " " $3, $4, $5, ($5 == "nan" ? "-" : sprintf("%.2f", $5 / $4)),
               $15, $16, ($16 == "nan" ? "-" : sprintf("%.2f", $16 / $15)), $6,
               ($7 == "nan" ? "-" : sprintf("%.0f", $7)), $8, $9, $12,
               ($14 == "nan" ? "-" : sprintf("%.3f", $14)),
               ($14 == "nan" ? "-" : sprintf("%.2f", $14 / $12)), $13, $10, $11 }'
    rm -rf "$d"
done
