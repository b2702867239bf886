#!/bin/sh
# Decisions per second of external-process policies (docs/policy-protocol.md; run by hand, not
# by `make check`):  tests/bench/policy_exec.sh BUILDDIR [RUNS] [cpnsim run options...]
# Runs `cpnsim run scenarios/national.xml --until 1d` (or the options given) RUNS times (default
# 3) with, in turn: the C built-in nearest (the reference, in the same run of this script), a
# trivial Python policy (tests/bench/trivial_policy.py: the protocol's cost alone), and the
# Python nearest (python/cpnsim/policies.py).  For each it prints the whole process's wall time
# and peak memory (/usr/bin/time), the placement time the program measures (its run line) and,
# for the external ones, the decisions and decisions per second (its "policy" line), then the
# medians and the wall-time ratios to the C policy.
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILDDIR [RUNS] [cpnsim run options...]" >&2
    exit 64
fi
build=$(cd "$1" && pwd)
runs=${2:-3}
src=$(cd "$(dirname "$0")/../.." && pwd)
shift
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- "$src/scenarios/national.xml" --until 1d
python=${PYTHON:-python3}
PYTHONPATH="$src/python${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/median.sh"
# one I POLICY OPTIONS...: one run, its line of the table.
one() {
    i=$1 p=$2
    shift 2
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$build/cpnsim" run "$@" >"$tmp/out" 2>/dev/null
    wall=$(awk '{ print $1 }' "$tmp/time")
    rss=$(awk '{ printf "%.1f", $2 / 1024 }' "$tmp/time")
    pl=$(sed -n 's/^run: .*placement \([0-9.]*\) s.*/\1/p' "$tmp/out")
    dec=$(sed -n 's/^policy [a-z_]*: \([0-9]*\) decisions.*/\1/p' "$tmp/out")
    rate=$(sed -n 's/.*placement: \([0-9]*\) decisions\/s/\1/p' "$tmp/out")
    printf '%-4s %-10s %8s %8s %12s %10s %12s\n' "$i" "$p" "$wall" "$rss" "$pl" "${dec:--}" "${rate:--}"
    echo "$wall" >>"$tmp/wall.$p"
    [ -z "$rate" ] || echo "$rate" >>"$tmp/rate.$p"
}
printf '%-4s %-10s %8s %8s %12s %10s %12s\n' run policy wall_s rss_MB placement_s decisions decisions/s
for i in $(seq "$runs"); do
    one "$i" c "$@" --policy nearest
    one "$i" trivial "$@" --policy-exec "trivial=$python $src/tests/bench/trivial_policy.py"
    one "$i" py_nearest "$@" --policy-exec "py_nearest=$python -m cpnsim.policies nearest"
done
wc=$(median <"$tmp/wall.c")
for p in trivial py_nearest; do
    wp=$(median <"$tmp/wall.$p")
    printf 'median %-10s: %s decisions/s, wall %s s = %.2f x the C nearest (%s s)\n' "$p" \
        "$(median <"$tmp/rate.$p")" "$wp" "$(awk -v a="$wp" -v b="$wc" 'BEGIN { print a / b }')" "$wc"
done
