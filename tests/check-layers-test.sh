#!/bin/sh
# Test of the layering check itself (tests/check-layers.sh): copy the source folders to a
# temporary tree, check that the clean copy passes, then inject each forbidden include, one at a
# time, into a fresh copy and assert that the check fails and names the file.  Exit 0 pass, 1 fail.
set -u
src=${CPN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
check=$src/tests/check-layers.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

fresh() {
    rm -rf "$tmp/tree"
    mkdir -p "$tmp/tree"
    (cd "$src" && tar cf - sim models scenarios output cli) | (cd "$tmp/tree" && tar xf -)
}

fresh
if sh "$check" "$tmp/tree" >"$tmp/out" 2>&1; then
    pass=$((pass + 1)); echo "PASS: the unchanged tree passes the check"
else
    fail=$((fail + 1)); echo "FAIL: the unchanged tree fails the check:"; cat "$tmp/out"
fi

# FILE|INCLUDE LINE: each must make the check fail, naming FILE.
while IFS='|' read -r file inc; do
    [ -n "$file" ] || continue
    fresh
    printf '%s\n' "$inc" >>"$tmp/tree/$file"
    if sh "$check" "$tmp/tree" >"$tmp/out" 2>&1; then
        fail=$((fail + 1)); echo "FAIL: $file with '$inc' passes the check"
    elif grep -q "^layering: $file:" "$tmp/out"; then
        pass=$((pass + 1)); echo "PASS: $file with '$inc' is refused"
    else
        fail=$((fail + 1)); echo "FAIL: $file with '$inc': the message does not name the file:"
        cat "$tmp/out"
    fi
done <<'CASES'
models/jobs/jobs.c|#include "../output/trace.h"
models/jobs/jobs.c|#include "../../output/trace.h"
models/jobs/jobs.c|#include "output/trace.h"
models/jobs/jobs.c|#include "cli/cli.h"
models/jobs/jobs.c|#include "../../cli/cli.h"
models/jobs/jobs.c|#include "sim/../cli/cli.h"
models/jobs/jobs.c|#  include   "scenarios/load.h"
models/jobs/jobs.c|#include <libxml/parser.h>
models/jobs/jobs.c|#include <hdf5.h>
models/jobs/jobs.h|#include "./../../output/summary.h"
models/net/flow.c|#include "models/../scenarios/units.h"
models/policy/registry.c|#include "../../scenarios/load.h"
sim/engine.c|#include "models/net/flow.h"
sim/engine.c|#include "../models/observer.h"
sim/evq.h|#include "cli/cli.h"
sim/rng.c|#include "H5Fpublic.h"
scenarios/load.c|#include "output/trace.h"
scenarios/units.c|#include "../output/summary.h"
scenarios/load.c|#include "../cli/cli.h"
output/summary.c|#include "scenarios/load.h"
output/trace.c|#include "../scenarios/units.h"
output/report.c|#include "cli/cli.h"
CASES
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
