#!/bin/sh
# What the per-flow outputs cost against the engine, the way a user runs cpnsim (run by hand, not
# by `make check`; issue 20 asks `--flows-out` and the HDF5 flow records within 10% of the engine
# time on the 1e6-flow WAN):
#   tests/bench/output_cost.sh BUILDDIR [FLOWS] [RUNS]
# Exports bench_flows' national WAN (load 0.7, FLOWS flows, default 1e6; its file streamed from
# 32 MiB) as a scenario, and in each of RUNS rounds (default 5) runs, one after the other:
#   none       cpnsim --quiet run scenario.xml                   (no per-flow output)
#   flows-out  ... --flows-out out.csv                           (the CSV table, one row a flow)
#   h5-flows   ... -o t.h5 --trace-level flows                   (the trace's /flows records)
#   h5-summary ... -o t.h5 --trace-level summary                 (the trace without them)
#   engine     bench_flows' solver alone on the same flows        (its median CPU s of 3)
# The reference is the `none` run of the same round: a variant's cost is its time minus that
# run's, wall (elapsed) and CPU (user + system) separately, since the trace's writer thread
# runs on another core.  Prints, per variant, the medians over the rounds of the times and of
# the per-round costs, and the cost as a percentage of the engine's median CPU time.
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILDDIR [FLOWS] [RUNS]" >&2
    exit 64
fi
build=$(cd "$1" && pwd)
n=${2:-1000000}
runs=${3:-5}
bench=$build/tests/bench/bench_flows
cpnsim=$build/cpnsim
for x in "$bench" "$cpnsim"; do
    [ -x "$x" ] || { echo "output_cost.sh: $x is missing; run 'make cpnsim tests/bench/bench_flows' in $build" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bench" --case wan --flows "$n" --load 0.7 --export-scenario "$tmp" >/dev/null
. "$(dirname "$0")/median.sh"
variants="none flows-out h5-flows h5-summary"
for v in $variants engine; do : >"$tmp/$v"; done
i=0
while [ "$i" -lt "$runs" ]; do
    for v in $variants; do
        set -- "$cpnsim" --quiet run "$tmp/scenario.xml"
        case $v in
            flows-out) set -- "$@" --flows-out "$tmp/out.csv" --force ;;
            h5-flows) set -- "$@" -o "$tmp/t.h5" --trace-level flows --force ;;
            h5-summary) set -- "$@" -o "$tmp/t.h5" --trace-level summary --force ;;
        esac
        /usr/bin/time -f '%e %U %S' -o "$tmp/t" "$@" >/dev/null
        awk '{ print $1, $2 + $3 }' "$tmp/t" >>"$tmp/$v"
    done
    "$bench" --case wan --flows "$n" --load 0.7 --runs 3 | awk 'NR == 2 { print $5 }' >>"$tmp/engine"
    i=$((i + 1))
done
# The output files must hold every flow (a cost of nothing written would be no cost).
rows=$(($(wc -l <"$tmp/out.csv") - 1))
[ "$rows" -eq "$n" ] || { echo "output_cost.sh: out.csv has $rows rows, not $n" >&2; exit 1; }
eng=$(median <"$tmp/engine")
echo "bench_flows WAN, $n flows, load 0.7; $runs round(s), alternating; medians; engine alone $eng s CPU"
printf '%-11s %8s %8s %14s %14s %9s %9s\n' variant wall_s cpu_s extra_wall_s extra_cpu_s wall_%eng cpu_%eng
for v in $variants; do
    wall=$(cut -d' ' -f1 "$tmp/$v" | median)
    cpu=$(cut -d' ' -f2 "$tmp/$v" | median)
    # the per-round costs against that round's `none` run
    dw=$(paste -d' ' "$tmp/$v" "$tmp/none" | awk '{ print $1 - $3 }' | median)
    dc=$(paste -d' ' "$tmp/$v" "$tmp/none" | awk '{ print $2 - $4 }' | median)
    echo "$v $wall $cpu $dw $dc $eng" | awk '{
        printf "%-11s %8.2f %8.2f %14.3f %14.3f %8.1f%% %8.1f%%\n", $1, $2, $3, $4, $5,
               100 * $4 / $6, 100 * $5 / $6 }'
done
