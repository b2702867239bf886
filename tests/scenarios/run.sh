#!/bin/sh
# Whole-scenario tests (STYLE.md "Tests"), run by `make check`.
#
#  ok/*.xml, scenarios/*.xml, scenarios/replay/*.xml, scenarios/examples/*.xml and the
#             scenarios of scenarios/paper/ (not its experiment file): `cpnsim validate FILE [ARGS]` exits 0 and prints nothing
#             on stderr but warnings.
#  bad/*.xml: `cpnsim validate FILE [ARGS]`, run from bad/ with a relative file name so that
#             messages are stable, exits 65 and prints exactly the lines of FILE.expected on
#             stderr.  ARGS come from FILE.args, one argument per line ("--set", then
#             "TARGET=VALUE"); the text @DATADIR@ in them becomes $CPN_DATADIR.
#  Helper files (included XML, CSV) live in bad/inc/, bad/data/, ok/inc/, ok/data/.
#
# Environment: CPN_BUILDDIR (the binary is $CPN_BUILDDIR/cpnsim), CPN_SRCDIR.
# Prints one line per failure and a final "N passed, N failed"; exits 1 on any failure,
# 77 (skip) when the binary has no `validate` command yet.
set -u
srcdir=${CPN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${CPN_BUILDDIR:-$srcdir}
datadir=${CPN_DATADIR:-$srcdir/../shared/data}
bin=$builddir/cpnsim
here=$srcdir/tests/scenarios
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac

if [ ! -x "$bin" ]; then
    echo "SKIP: $bin is not built"
    exit 77
fi
"$bin" validate "$srcdir/scenarios/tiny.xml" >/dev/null 2>&1
case $? in
64 | 69)
    echo "SKIP: $bin has no 'validate' command yet"
    exit 77
    ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cpn-scen.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
passed=0
failed=0

fail() {
    echo "FAIL: $1"
    failed=$((failed + 1))
}

# Run `cpnsim validate NAME ARGS...` in directory $1 for file $2 (args from $2's .args file);
# sets $rc and leaves stderr in $tmp/err.
run_validate() {
    dir=$1
    name=$2
    set -- validate "$name"
    args=$dir/${name%.xml}.args
    if [ -f "$args" ]; then
        while IFS= read -r a || [ -n "$a" ]; do
            a=$(printf '%s' "$a" | sed "s|@DATADIR@|$datadir|g")
            set -- "$@" "$a"
        done <"$args"
    fi
    (cd "$dir" && exec "$bin" "$@") >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

for f in "$srcdir"/scenarios/*.xml "$srcdir"/scenarios/replay/*.xml "$srcdir"/scenarios/examples/*.xml \
    "$srcdir"/scenarios/paper/*.xml "$here"/ok/*.xml; do
    [ -f "$f" ] || continue
    [ "$f" = "$srcdir/scenarios/paper/tables.xml" ] && continue
    if [ ! -d "$datadir" ] && { grep -q 'shared/data/' "$f" ||
            { [ -f "${f%.xml}.args" ] && grep -q @DATADIR@ "${f%.xml}.args"; }; }; then
        echo "SKIP: $f needs the shared data in $datadir"
        continue
    fi
    run_validate "$(dirname "$f")" "$(basename "$f")"
    if [ "$rc" -ne 0 ] || grep -v ': warning: ' "$tmp/err" >/dev/null; then
        fail "$f: exit $rc (expected 0)"
        sed 's/^/    /' "$tmp/err"
    else
        passed=$((passed + 1))
    fi
done

for f in "$here"/bad/*.xml; do
    [ -f "$f" ] || continue
    expected=${f%.xml}.expected
    if [ ! -f "$expected" ]; then
        fail "$f: no $(basename "$expected")"
        continue
    fi
    run_validate "$here/bad" "$(basename "$f")"
    if [ "$rc" -ne 65 ]; then
        fail "$(basename "$f"): exit $rc (expected 65)"
        sed 's/^/    /' "$tmp/err"
    elif ! diff -u "$expected" "$tmp/err" >"$tmp/diff"; then
        fail "$(basename "$f"): messages differ from $(basename "$expected")"
        sed 's/^/    /' "$tmp/diff"
    else
        passed=$((passed + 1))
    fi
done

# A missing scenario file is not a bad scenario: exit 66 (EX_NOINPUT).
(cd "$here/bad" && exec "$bin" validate no-such-scenario.xml) >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -ne 66 ] || ! grep -q '^cpnsim: no-such-scenario.xml: cannot read: ' "$tmp/err"; then
    fail "missing file: exit $rc (expected 66 and 'cpnsim: no-such-scenario.xml: cannot read: ...')"
    sed 's/^/    /' "$tmp/err"
else
    passed=$((passed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
