#!/bin/sh
# The cost of choosing centers in a whole run (run by hand, not by `make check`):
#   tests/bench/placement.sh BUILDDIR [RUNS] [SCENARIO [cpnsim run options...]]
# Runs `cpnsim run SCENARIO` RUNS times (default 3; default scenario scenarios/national.xml) and
# prints, from the last line of each summary (`run: ... simulation S s ...; placement P s`), the
# simulation's wall time, the time spent choosing centers (network rows, awareness view and
# policy of every placement, measured by the program itself: docs/output-format.md,
# "Provenance") and its share of the simulation, then the medians.  With OLD_BUILD set to
# another build directory, that build's whole runs are timed alternately with this one's
# (/usr/bin/time, CPU s) and the ratio new / old of the medians is printed.
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILDDIR [RUNS] [SCENARIO [cpnsim run options...]]" >&2
    exit 64
fi
build=$(cd "$1" && pwd)
runs=${2:-3}
src=$(cd "$(dirname "$0")/../.." && pwd)
shift
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- "$src/scenarios/national.xml"
old=${OLD_BUILD:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/median.sh"
printf '%-4s %12s %12s %8s %10s %10s\n' run simulation_s placement_s share cpu_s old_cpu_s
for i in $(seq "$runs"); do
    /usr/bin/time -f '%U %S' -o "$tmp/time" "$build/cpnsim" run "$@" >"$tmp/out" 2>/dev/null
    line=$(tail -1 "$tmp/out")
    sim=$(printf '%s\n' "$line" | sed -n 's/.*simulation \([0-9.]*\) s.*/\1/p')
    pl=$(printf '%s\n' "$line" | sed -n 's/.*placement \([0-9.]*\) s.*/\1/p')
    cpu=$(awk '{ print $1 + $2 }' "$tmp/time")
    oc=-
    if [ -n "$old" ]; then
        /usr/bin/time -f '%U %S' -o "$tmp/otime" "$old/cpnsim" run "$@" >/dev/null 2>&1
        oc=$(awk '{ print $1 + $2 }' "$tmp/otime")
        echo "$oc" >>"$tmp/old"
    fi
    share=$(awk -v p="$pl" -v s="$sim" 'BEGIN { printf "%.1f%%", 100 * p / s }')
    printf '%-4s %12s %12s %8s %10s %10s\n' "$i" "$sim" "$pl" "$share" "$cpu" "$oc"
    echo "$sim" >>"$tmp/sim"
    echo "$pl" >>"$tmp/pl"
    echo "$cpu" >>"$tmp/cpu"
    awk -v p="$pl" -v s="$sim" 'BEGIN { print p / s }' >>"$tmp/share"
done
ms=$(median <"$tmp/share")
printf 'median: simulation %s s, placement %s s, share %.1f%%, CPU %s s\n' "$(median <"$tmp/sim")" \
    "$(median <"$tmp/pl")" "$(awk -v x="$ms" 'BEGIN { print 100 * x }')" "$(median <"$tmp/cpu")"
if [ -n "$old" ]; then
    mo=$(median <"$tmp/old")
    mn=$(median <"$tmp/cpu")
    printf 'old build: CPU %s s; new / old %.3f\n' "$mo" "$(awk -v n="$mn" -v o="$mo" 'BEGIN { print n / o }')"
fi
