#!/bin/sh
# The paper tables (scenarios/paper/tables.xml, docs/paper-tables.md), whole: every row's figure
# and range and every series point must stay where the golden files put them.
#   paper.sh            run `cpnsim batch scenarios/paper/tables.xml` and compare its
#                       tables.tsv and series-*.csv with tests/scenarios/golden/paper/
#   paper.sh --update   rewrite the golden files from this build (`make golden-update`); the
#                       commit that changes them says why the numbers moved.
# Comparison: the same rows and columns in the same order; text fields equal; numbers equal
# within a relative 1e-6 (absolute 1e-12 near zero); nan equals nan only.  Exit 0 pass, 1 fail.
set -u
src=${CPN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${CPN_BUILDDIR:-$src}/cpnsim
here=$src/tests/scenarios/golden/paper
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cpn-paper.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
if ! "$bin" --quiet batch "$src/scenarios/paper/tables.xml" -j 2 -o "$tmp/out" \
        >"$tmp/table.md" 2>"$tmp/batch.err"; then
    echo "FAIL: paper tables: cpnsim batch exited non-zero"
    cat "$tmp/batch.err"
    exit 1
fi
if [ "${1:-}" = "--update" ]; then
    mkdir -p "$here"
    cp "$tmp/out/tables.tsv" "$tmp"/out/series-*.csv "$here/"
    echo "updated: golden/paper/"
    exit 0
fi
fail=0
for want in "$here"/*; do
    name=$(basename "$want")
    got=$tmp/out/$name
    case $name in *.csv) fs=',' ;; *) fs='	' ;; esac
    if [ ! -f "$got" ]; then
        echo "FAIL: paper tables: $name was not written"
        fail=1
        continue
    fi
    if ! awk -F"$fs" -v name="$name" '
        function abs(x) { return x < 0 ? -x : x }
        function num(s) { return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
        { gsub(/"/, "") }
        FNR == NR { line[FNR] = $0; n = FNR; next }
        {
            k = FNR
            if (k > n) { print name ": extra line " $0; bad = 1; next }
            split(line[k], w, FS)
            if (NF != length(w)) { print name ": line " k ": " $0 ", expected " line[k]; bad = 1; next }
            for (i = 1; i <= NF; i++) {
                if ($i == w[i]) continue
                if (num($i) && num(w[i]) && abs($i - w[i]) <= (abs(w[i]) < 1e-6 ? 1e-12 : 1e-6 * abs(w[i])))
                    continue
                print name ": line " k " field " i ": " $i ", expected " w[i]; bad = 1
            }
        }
        END { if (FNR < n) { print name ": " n - FNR " line(s) missing"; bad = 1 } exit bad }' "$want" "$got"; then
        fail=1
    fi
done
if [ $fail -eq 0 ]; then
    echo "PASS: paper tables: $(ls "$here" | wc -l) files within 1e-6 of tests/scenarios/golden/paper"
    exit 0
fi
cat "$tmp/table.md"
exit 1
