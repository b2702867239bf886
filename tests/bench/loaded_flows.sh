#!/bin/sh
# What a loaded flow costs in memory until it starts, the way a user runs cpnsim (run by hand,
# not by `make check`; issue 20 asks for at most 64 bytes per flow):
#   tests/bench/loaded_flows.sh BUILDDIR [FLOWS] [RUNS]
# Exports bench_flows' national WAN (load 0.7, FLOWS flows, default 1e6) as a scenario and runs
# `cpnsim --quiet run` on it, RUNS times each (default 3), alternating, with its flow file
# loaded (stream="no") and streamed (stream="yes"), each without and with --flows-out.  The
# reference is the streamed run of the same file in the same session: it simulates the same
# flows but keeps none before they start, so
#   bytes per loaded flow = (peak RSS loaded - peak RSS streamed) / FLOWS
# (medians of RUNS; /usr/bin/time's maximum resident set size).  With --flows-out a loaded flow
# also keeps its finish time (8 B).  Prints the medians, CPU s (user + system) of each variant,
# and the bytes per flow.
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILDDIR [FLOWS] [RUNS]" >&2
    exit 64
fi
build=$(cd "$1" && pwd)
n=${2:-1000000}
runs=${3:-3}
bench=$build/tests/bench/bench_flows
cpnsim=$build/cpnsim
for x in "$bench" "$cpnsim"; do
    [ -x "$x" ] || { echo "loaded_flows.sh: $x is missing; run 'make cpnsim tests/bench/bench_flows' in $build" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bench" --case wan --flows "$n" --load 0.7 --export-scenario "$tmp" >/dev/null
for v in no yes; do
    sed "s|<flows file=\"flows.csv\"/>|<flows file=\"flows.csv\" stream=\"$v\"/>|" \
        "$tmp/scenario.xml" >"$tmp/$v.xml"
    grep -q "stream=\"$v\"" "$tmp/$v.xml" || { echo "loaded_flows.sh: no <flows file=\"flows.csv\"/> in the export" >&2; exit 1; }
done
. "$(dirname "$0")/median.sh"
i=0
while [ "$i" -lt "$runs" ]; do
    for out in none csv; do
        for v in no yes; do
            set -- "$cpnsim" --quiet run "$tmp/$v.xml" -o "$tmp/t.h5" --force
            [ "$out" = csv ] && set -- "$@" --flows-out "$tmp/out.csv"
            /usr/bin/time -f '%U %S %M' -o "$tmp/t" "$@" >/dev/null
            awk '{ print $1 + $2, $3 }' "$tmp/t" >>"$tmp/$v-$out"
        done
    done
    i=$((i + 1))
done
echo "bench_flows WAN, $n flows, load 0.7; $runs run(s) each, alternating; medians"
printf '%-14s %12s %12s %12s %12s %14s\n' flows-out loaded_MB streamed_MB loaded_cpu_s streamed_cpu_s B_per_loaded_flow
for out in none csv; do
    lk=$(cut -d' ' -f2 "$tmp/no-$out" | median)
    sk=$(cut -d' ' -f2 "$tmp/yes-$out" | median)
    lc=$(cut -d' ' -f1 "$tmp/no-$out" | median)
    sc=$(cut -d' ' -f1 "$tmp/yes-$out" | median)
    echo "$out $lk $sk $lc $sc $n" | awk '{
        printf "%-14s %12.1f %12.1f %12.2f %12.2f %14.1f\n", ($1 == "csv" ? "--flows-out" : "none"),
               $2 / 1024, $3 / 1024, $4, $5, ($2 - $3) * 1024 / $6 }'
done
