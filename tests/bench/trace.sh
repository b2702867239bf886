#!/bin/sh
# Benchmark of tracing cost on a whole run (issue 7), run by hand, not by `make check`:
#   tests/bench/trace.sh [BUILDDIR] [RUNS]
# Runs scenarios/national.xml (about 9e5 flows) with --trace-level=summary and with
# --trace-level=flows, alternating, RUNS times each (default 3), and prints the median wall time
# of each, their ratio, and the bytes per /flows record on disk (from `cpnsim info`).
# Targets: tracing flows costs at most 25% extra time and at most 48 bytes per flow record.
set -eu
build=${1:-.}
runs=${2:-3}
bin=$build/cpnsim
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
for i in $(seq "$runs"); do
    for level in summary flows; do
        t0=$(now)
        "$bin" --quiet run "$src/scenarios/national.xml" --trace-level "$level" \
            -o "$tmp/$level.h5" --force
        t1=$(now)
        echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' >>"$tmp/$level.times"
    done
done
. "$(dirname "$0")/median.sh"
ms=$(median <"$tmp/summary.times")
mf=$(median <"$tmp/flows.times")
flows=$("$bin" info "$tmp/flows.h5" | awk '$1 == "/flows" { print $2 }')
perrow=$("$bin" info "$tmp/flows.h5" | awk '$1 == "/flows" { for (i = NF; i > 0; i--) if ($i == "B/row") { print $(i - 1); exit } }')
printf 'national.xml, %s flows, median of %s runs\n' "$flows" "$runs"
printf '  --trace-level=summary  %8.2f s\n' "$ms"
printf '  --trace-level=flows    %8.2f s\n' "$mf"
awk -v a="$ms" -v b="$mf" 'BEGIN { printf "  extra time of tracing flows: %.1f%% (target <= 25%%)\n", 100 * (b - a) / a }'
printf '  /flows on disk: %s B per record (target <= 48)\n' "$perrow"
