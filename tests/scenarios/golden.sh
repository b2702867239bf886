#!/bin/sh
# Golden runs (tests/scenarios/golden/README.md): short whole runs whose summaries are pinned.
#   golden.sh            run every case and compare its summary with golden/NAME.tsv
#   golden.sh --update   rewrite golden/NAME.tsv from this build (`make golden-update`); the
#                        commit that changes a golden file says why the numbers moved.
# A case is one line of golden/cases: NAME|SCENARIO (relative to the source tree)|ARGS, where
# ARGS are `cpnsim run` options split on spaces and @DATADIR@ is the shared data folder; a case
# whose scenario names @DATADIR@ is skipped, with a message, when that folder is absent.
# Comparison: the same metrics in the same order with the same units; values equal within a
# relative 1e-9 (absolute 1e-12 near zero); nan equals nan only.  Exit 0 pass, 1 fail.
set -u
src=${CPN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${CPN_BUILDDIR:-$src}/cpnsim
data=${CPN_DATADIR:-$src/../shared/data}
here=$src/tests/scenarios/golden
update=0
[ "${1:-}" = "--update" ] && update=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cpn-golden.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0

while IFS='|' read -r name scen args; do
    case "$name" in '' | '#'*) continue ;; esac
    case "$args" in
    *@DATADIR@*)
        if [ ! -d "$data/traces" ] || [ ! -d "$data/topologies" ]; then
            echo "SKIP: golden $name: the shared data ($data) is absent"
            continue
        fi
        ;;
    esac
    args=$(printf '%s' "$args" | sed "s|@DATADIR@|$data|g")
    # shellcheck disable=SC2086 # ARGS are split on spaces on purpose
    if ! "$bin" --quiet run "$src/$scen" $args --summary-out "$tmp/$name.tsv" >"$tmp/$name.log" 2>&1; then
        fail=$((fail + 1))
        echo "FAIL: golden $name: cpnsim run exited non-zero"
        cat "$tmp/$name.log"
        continue
    fi
    if [ $update -eq 1 ]; then
        cp "$tmp/$name.tsv" "$here/$name.tsv"
        echo "updated: golden/$name.tsv"
        continue
    fi
    if [ ! -f "$here/$name.tsv" ]; then
        fail=$((fail + 1))
        echo "FAIL: golden $name: golden/$name.tsv is missing (make golden-update)"
        continue
    fi
    if awk -F'\t' -v name="$name" '
        function abs(x) { return x < 0 ? -x : x }
        FNR == NR { m[FNR] = $1; v[FNR] = $2; u[FNR] = $3; n = FNR; next }
        {
            k = FNR
            if (k > n) { print name ": extra metric " $1; bad = 1; next }
            if ($1 != m[k] || $3 != u[k]) {
                print name ": line " k ": " $1 " [" $3 "], expected " m[k] " [" u[k] "]"; bad = 1; next }
            if (v[k] == $2) next
            if (v[k] == "nan" || $2 == "nan" || v[k] !~ /^[-+0-9.eE]+$/ || $2 !~ /^[-+0-9.eE]+$/) {
                print name ": " $1 " = " $2 ", expected " v[k]; bad = 1; next }
            d = abs($2 - v[k]); s = abs(v[k])
            if (d > 1e-12 && d > 1e-9 * s) {
                printf "%s: %s = %s, expected %s (relative difference %.3g)\n", name, $1, $2, v[k], d / (s > 0 ? s : 1)
                bad = 1 }
        }
        END { if (FNR < n) { print name ": " n - FNR " metrics missing"; bad = 1 }; exit bad }
    ' "$here/$name.tsv" "$tmp/$name.tsv"; then
        pass=$((pass + 1))
        echo "PASS: golden $name"
    else
        fail=$((fail + 1))
        echo "FAIL: golden $name differs from golden/$name.tsv (see golden/$name.md for what the numbers mean)"
    fi
done <"$here/cases"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
