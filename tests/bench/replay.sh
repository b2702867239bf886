#!/bin/sh
# Benchmark of trace replays (issue 5), run by hand, not by `make check`:
#   tests/bench/replay.sh [BUILDDIR]
# Runs the three replay scenarios of scenarios/replay/ with the real traces of ../shared/data
# (SDSC-SP2 on one 128-processor center under EASY and FCFS; LCG over 10 centers; Philly over 15
# AI centers with stage-in flows on a WAN) and prints wall time, jobs/s and peak RSS of each, and
# the mean wait and bounded slowdown of the SDSC-SP2 replay.  Targets: each under 2 s, and at
# least 100,000 jobs/s for the pure replays (SDSC-SP2, LCG).
set -eu
build=${1:-.}
bin=$build/cpnsim
src=$(cd "$(dirname "$0")/../.." && pwd)
data=$src/../shared/data
if [ ! -f "$data/traces/swf/SDSC-SP2-1998-4.2-cln.swf.gz" ]; then
    echo "replay.sh: the shared traces are absent ($data); see ../shared/data/SOURCES.md" >&2
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-14s %10s %10s %12s %10s %14s %10s\n' replay jobs "wall [s]" "jobs/s" "RSS [MB]" "mean wait [s]" "mean bsld"
one() { # NAME SCENARIO [ARGS...]
    name=$1 scen=$2
    shift 2
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%e %M' -o "$tmp/time" "$bin" --quiet run "$src/scenarios/replay/$scen" \
            --summary-out "$tmp/$name.tsv" --force "$@" 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
    else
        start=$(date +%s.%N)
        "$bin" --quiet run "$src/scenarios/replay/$scen" --summary-out "$tmp/$name.tsv" --force \
            "$@" 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
        echo "$(echo "$(date +%s.%N) - $start" | bc) 0" >"$tmp/time"
    fi
    read -r wall rss <"$tmp/time"
    jobs=$(awk -F'\t' '$1 == "job.all.count" { print $2 }' "$tmp/$name.tsv")
    wait=$(awk -F'\t' '$1 == "job.all.wait.mean" { print $2 }' "$tmp/$name.tsv")
    bsld=$(awk -F'\t' '$1 == "job.all.bsld.mean" { print $2 }' "$tmp/$name.tsv")
    awk -v n="$name" -v j="$jobs" -v w="$wall" -v r="$rss" -v wt="$wait" -v b="$bsld" 'BEGIN {
        printf "%-14s %10d %10.2f %12.0f %10.1f %14.1f %10.2f\n", n, j, w, (w > 0 ? j / w : 0), r / 1024, wt, b }'
}
one sdsc-easy sdsc.xml
one sdsc-fcfs sdsc.xml --set center/sdsc-sp2@queue=fcfs
one lcg lcg.xml
one philly philly.xml
