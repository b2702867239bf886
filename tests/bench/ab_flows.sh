#!/bin/sh
# Two builds of cpnsim's flow solver on the same WAN workload, measured in the same session (run
# by hand, not by `make check`):
#   tests/bench/ab_flows.sh OLD_BUILDDIR NEW_BUILDDIR [RUNS] [bench_flows options...]
# Each BUILDDIR is a build directory with tests/bench/bench_flows built (`make
# tests/bench/bench_flows`), for example one configured from an older commit (git worktree).
# The two builds run alternately RUNS times each (default 5; default options: --case wan --flows
# 1000000), so that the drift of a shared machine's speed falls on both alike.  Prints the CPU
# seconds of every run of each, their medians and the ratio new / old.
set -eu
if [ $# -lt 2 ]; then
    echo "usage: $0 OLD_BUILDDIR NEW_BUILDDIR [RUNS] [bench_flows options...]" >&2
    exit 64
fi
old=$1/tests/bench/bench_flows
new=$2/tests/bench/bench_flows
shift 2
runs=5
if [ $# -gt 0 ]; then
    runs=$1
    shift
fi
[ $# -gt 0 ] || set -- --case wan --flows 1000000
for b in "$old" "$new"; do
    if [ ! -x "$b" ]; then
        echo "ab_flows.sh: $b is missing; run 'make tests/bench/bench_flows' in its build" >&2
        exit 1
    fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
while [ "$i" -lt "$runs" ]; do
    "$old" "$@" --runs 1 | tail -n 1 | awk '{ print $5 }' >>"$tmp/old"
    "$new" "$@" --runs 1 | tail -n 1 | awk '{ print $5 }' >>"$tmp/new"
    i=$((i + 1))
done
. "$(dirname "$0")/median.sh"
mo=$(median <"$tmp/old")
mn=$(median <"$tmp/new")
echo "old: $(sort -g "$tmp/old" | tr '\n' ' ')median $mo s"
echo "new: $(sort -g "$tmp/new" | tr '\n' ' ')median $mn s"
awk -v o="$mo" -v n="$mn" 'BEGIN { printf "new / old = %.3f\n", n / o }'
