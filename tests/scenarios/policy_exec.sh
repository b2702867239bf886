#!/bin/sh
# External-process policies (docs/policy-protocol.md; cli/policy_exec.c), run by `make check`:
# the eight built-ins written again in Python (python/cpnsim/policies.py) place every job of
# national.xml --until 1d as the C ones do (the /jobs datasets of the two traces, dumped by
# h5dump, are equal), and migrate as earliest_finish does; tiny.xml, without centers, never
# starts the process; the same seed gives the same run; events, ticks and the bye reach
# the policy (counted against the summary); a batch runs one beside the built-ins; and each
# failure (bad JSON, unknown center, wrong type, a decision the models refuse, a bad hello, a
# timeout, a crash, an exit after the bye, bad command-line values) ends the run with its located
# message and its exit status.  The failing policies are small sh scripts.  Exit 0 pass, 1 fail,
# 77 skipped (no python3 or h5dump).
set -u
bin=$(cd "${CPN_BUILDDIR:-.}" && pwd)/cpnsim
src=${CPN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
python=$(command -v python3 || command -v /usr/bin/python3) || { echo "SKIP: no python3"; exit 77; }
command -v h5dump >/dev/null 2>&1 || { echo "SKIP: h5dump not found (Debian: hdf5-tools)"; exit 77; }
# No PYTHONPATH: cpnsim gives the policy processes the package (the source tree's here).
unset PYTHONPATH
national=$src/scenarios/national.xml

# jobs_of TRACE: the /jobs dataset as h5dump prints it (every job's row; no file name).
jobs_of() { h5dump -d /jobs "$1" | sed 1d; }
# n_jobs TRACE: its number of job rows.
n_jobs() { h5dump -H -d /jobs "$1" | sed -n 's/^   DATASPACE  SIMPLE { ( \([0-9]*\) ).*/\1/p'; }

# 1. The Python built-ins place every job of national.xml's first simulated day as the C ones.
for p in random round_robin least_loaded nearest min_cost greenest earliest_finish balanced; do
    "$bin" --quiet run "$national" --until 1d --policy $p -o "$tmp/c.h5" --force \
        >/dev/null 2>"$tmp/c.err"
    c1=$?
    "$bin" --quiet run "$national" --until 1d -o "$tmp/py.h5" --force \
        --policy-exec "py_$p=$python -m cpnsim.policies $p" >/dev/null 2>"$tmp/py.err"
    c2=$?
    jobs_of "$tmp/c.h5" >"$tmp/c.jobs"
    jobs_of "$tmp/py.h5" >"$tmp/py.jobs"
    n=$(n_jobs "$tmp/c.h5")
    if [ $c1 -eq 0 ] && [ $c2 -eq 0 ] && cmp -s "$tmp/c.jobs" "$tmp/py.jobs" && [ "$n" -gt 10000 ]; then
        ok "national.xml --until 1d: py_$p places the $n jobs as $p does (every field of /jobs)"
    else
        bad "national.xml --until 1d: py_$p (exit $c2) differs from $p (exit $c1), $n jobs"
        cat "$tmp/py.err"
        diff "$tmp/c.jobs" "$tmp/py.jobs" | head -5
    fi
done
# tiny.xml has no centers: no job to place, so the process is not even started (a command that
# fails at once changes nothing); the summary equals the run's without it.
"$bin" --quiet run "$src/scenarios/tiny.xml" --summary-out "$tmp/t0.tsv" >/dev/null 2>&1
c1=$?
"$bin" --quiet run "$src/scenarios/tiny.xml" --summary-out "$tmp/t1.tsv" --policy-exec "exit 3" \
    >/dev/null 2>&1
c2=$?
if [ $c1 -eq 0 ] && [ $c2 -eq 0 ] && cmp -s "$tmp/t0.tsv" "$tmp/t1.tsv"; then
    ok "tiny.xml (no centers): the policy process is not started; the same summary"
else
    bad "tiny.xml with --policy-exec: exits $c1, $c2"
fi

# Migration (tests/scenarios/ok/migrate.xml: a center fails, earliest_finish with migrate = 1
# moves a job off it; by hand, mean JCT 5090 / 3 s): py_earliest_finish with --policy-param
# migrate=1, asked by migrate messages, moves the same jobs at the same times.
(cd "$src/tests/scenarios/ok" && "$bin" --quiet run migrate.xml -o "$tmp/mc.h5" \
    --summary-out "$tmp/mc.tsv" >/dev/null 2>&1)
c1=$?
(cd "$src/tests/scenarios/ok" && "$bin" --quiet run migrate.xml -o "$tmp/mpy.h5" \
    --summary-out "$tmp/mpy.tsv" --policy-param migrate=1 \
    --policy-exec "py_earliest_finish=tee $tmp/m.in | $python -m cpnsim.policies earliest_finish | tee $tmp/m.out" \
    >/dev/null 2>"$tmp/mpy.err")
c2=$?
jobs_of "$tmp/mc.h5" >"$tmp/mc.jobs"
jobs_of "$tmp/mpy.h5" >"$tmp/mpy.jobs"
if [ $c1 -eq 0 ] && [ $c2 -eq 0 ] && cmp -s "$tmp/mc.jobs" "$tmp/mpy.jobs" &&
    grep -q "^job.all.migrated	1	" "$tmp/mpy.tsv" &&
    grep -q "^job.all.jct.mean	1696.666666666666" "$tmp/mpy.tsv" &&
    grep -q '"type":"migrate"' "$tmp/m.in"; then
    ok "migrate.xml: py_earliest_finish moves the job earliest_finish moves (1 migrated, mean JCT 5090/3 s)"
else
    bad "migrate.xml: py_earliest_finish (exit $c2) differs from earliest_finish (exit $c1)"
    cat "$tmp/mpy.err"
fi

# Distributed awareness: each center's state is measured at its own time, so the views carry
# one measurement time per center; py_nearest still decides as nearest (equal summaries).
"$bin" --quiet run "$national" --until 2h --set scheduler@awareness=distributed --policy nearest \
    --summary-out "$tmp/d0.tsv" >/dev/null 2>&1
"$bin" --quiet run "$national" --until 2h --set scheduler@awareness=distributed \
    --summary-out "$tmp/d1.tsv" \
    --policy-exec "tee $tmp/d.in | $python -m cpnsim.policies nearest" >/dev/null 2>"$tmp/d.err"
c=$?
lists=$("$python" -c '
import json, sys
n, bad, seen = None, 0, 0
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m["type"] == "hello":
        n = len(m["centers"])
    elif "view" in m and isinstance(m["view"]["measured"], list):
        seen += 1
        bad += len(m["view"]["measured"]) != n
print(seen if seen and not bad else "bad %d of %d" % (bad, seen))' "$tmp/d.in")
if [ $c -eq 0 ] && cmp -s "$tmp/d0.tsv" "$tmp/d1.tsv" && [ "$lists" -gt 0 ] 2>/dev/null; then
    ok "distributed awareness: $lists views with one measurement time per center; the same run as nearest"
else
    bad "distributed awareness (exit $c): $lists"; cat "$tmp/d.err"
fi

# 2. The same seed gives the same run (a random policy in Python).
for i in 1 2; do
    "$bin" --quiet run "$national" --until 6h -o "$tmp/r$i.h5" \
        --policy-exec "py_random=$python -m cpnsim.policies random" >/dev/null 2>&1
done
jobs_of "$tmp/r1.h5" >"$tmp/r1.jobs"
jobs_of "$tmp/r2.h5" >"$tmp/r2.jobs"
"$bin" --quiet run "$national" --until 6h --seed 7 -o "$tmp/r3.h5" \
    --policy-exec "py_random=$python -m cpnsim.policies random" >/dev/null 2>&1
jobs_of "$tmp/r3.h5" >"$tmp/r3.jobs"
if [ -s "$tmp/r1.jobs" ] && cmp -s "$tmp/r1.jobs" "$tmp/r2.jobs" &&
    ! cmp -s "$tmp/r1.jobs" "$tmp/r3.jobs"; then
    ok "py_random: the same seed gives the same jobs' rows, another seed others"
else
    bad "py_random: runs of one seed differ, or another seed gives the same"
fi

# 3. Events, ticks and the bye (tests/policies/recorder.py): one job_finished per finished run
#    of a job (the completed jobs but ingest and deploy, which run nothing), a tick every hour,
#    and the bye's summary equal to the run's summary table.
"$bin" --quiet run "$national" --until 6h --summary-out "$tmp/rec.tsv" \
    --policy-exec "tee $tmp/rec.in | $python $src/tests/policies/recorder.py | tee $tmp/rec.out" \
    --policy-param "out=$tmp/rec.txt" -o "$tmp/rec.h5" >/dev/null 2>"$tmp/rec.err"
c=$?
# the trace's provenance keeps the option whole
"$bin" info "$tmp/rec.h5" | grep -q -- "--policy-param out=$tmp/rec.txt -o" &&
    ok "the trace's command line keeps --policy-param NAME=VALUE whole" ||
    bad "the trace's command line lost --policy-param's value: $("$bin" info "$tmp/rec.h5" | grep command_line)"
if [ $c -eq 0 ] && awk -F'\t' '
        FNR == NR { v[$1] = $2; next }
        $1 == "job_finished" { fin = $2 }
        $1 == "tick" { ticks++; if ($2 != 3600 * ticks) badtick = 1 }
        $1 == "place" { places = $2 }
        $1 == "regions" { regions = ($2 == $3 && $2 > 10) }
        $1 == "decisions" { decisions = $2 }
        $1 == "summary" && $3 != "None" { rows++; if ($3 + 0 != v[$2] + 0) { print "summary " $2 ": " $3 " vs " v[$2]; diff = 1 } }
        END {
            want = v["job.all.completed"] - v["job.ingest.completed"] - v["job.deploy.completed"]
            if (fin != want) print "job_finished " fin ", want " want
            exit !(fin == want && fin > 1000 && ticks == 6 && !badtick && places == decisions &&
                   places > 1000 && rows > 50 && !diff && regions) }' \
        "$tmp/rec.tsv" FS=' ' "$tmp/rec.txt"; then
    ok "events, ticks and the bye: $(grep -c . "$tmp/rec.txt") lines received, as the summary counts"
else
    bad "events, ticks and the bye (exit $c)"; cat "$tmp/rec.err"; grep -v summary "$tmp/rec.txt"
fi

# Every message of both transcripts (national.xml with events and ticks; migrate.xml with
# migrate messages and bandwidth rows) against the JSON schema of docs/policy-protocol.md.
schema=$src/docs/policy-protocol.schema.json
for t in rec m; do
    "$python" "$src/tests/policies/validate.py" "$schema" "$tmp/$t.in" "$tmp/$t.out" >"$tmp/v.out" 2>&1
    c=$?
    if [ $c -eq 77 ]; then
        echo "SKIP: the schema check: $(cat "$tmp/v.out") (Debian: python3-jsonschema)"
    elif [ $c -eq 0 ]; then
        ok "$t transcript: every message valid by docs/policy-protocol.schema.json: $(tr '\n' ',' <"$tmp/v.out")"
    else
        bad "$t transcript against the schema"; head -20 "$tmp/v.out"
    fi
done

# A rejection with a reason (tests/policies/no_vm.py): every VM job ends rejected, the reason
# in the trace's events; the other jobs complete.
"$bin" --quiet run "$national" --until 6h --summary-out "$tmp/nv.tsv" -o "$tmp/nv.h5" \
    --trace-level full --policy-exec "$python $src/tests/policies/no_vm.py" >/dev/null 2>"$tmp/nv.err"
c=$?
if [ $c -eq 0 ] && awk -F'\t' '{ v[$1] = $2 }
        END { exit !(v["job.vm.count"] > 100 && v["job.vm.rejected"] == v["job.vm.count"] &&
                     v["job.all.rejected"] == v["job.vm.count"] &&
                     v["job.all.completed"] == v["job.all.count"] - v["job.vm.count"]) }' "$tmp/nv.tsv" &&
    [ "$(h5dump -d /events "$tmp/nv.h5" | grep -c 'rejected: by the policy: no VMs in this study')" \
        -eq "$(sed -n 's/^job.vm.rejected	\([0-9]*\).*/\1/p' "$tmp/nv.tsv")" ]; then
    ok "a rejection: $(sed -n 's/^job.vm.rejected	\([0-9]*\).*/\1/p' "$tmp/nv.tsv") VM jobs rejected by the policy, each with its reason in /events; the rest completed"
else
    bad "a rejection by the policy (exit $c)"; cat "$tmp/nv.err"; grep -E "^job.(vm|all)" "$tmp/nv.tsv"
fi

# 4. A batch: the experiment names the external policy; its row equals the C policy's.
cat >"$tmp/exp.xml" <<EOF
<experiment version="1">
  <scenario file="$national"/>
  <policy name="nearest"/>
  <policy name="py_nearest"/>
  <set target="simulation@until" value="6h"/>
  <report by="policy" metrics="job.all.count,job.all.jct.mean,job.all.wait.p95"/>
</experiment>
EOF
(cd "$tmp" && "$bin" --quiet batch exp.xml -j 2 -o out \
    --policy-exec "py_nearest=$python -m cpnsim.policies nearest" >"$tmp/b.out" 2>"$tmp/b.err")
c=$?
(cd "$tmp" && "$bin" --quiet batch exp.xml -o out2 --policy-exec "$python -m cpnsim.policies nearest" \
    >/dev/null 2>"$tmp/b2.err")
c2=$?
(cd "$tmp" && "$bin" batch exp.xml -o out3 --slurm --dry-run --policy-timeout 10s \
    --policy-exec "py_nearest=$python -m cpnsim.policies nearest" >"$tmp/sl.out" 2>&1)
row() { sed -n "s/^| $1 | //p" "$tmp/b.out"; }
grep -q "batch 'exp.xml' -o 'out3' --policy-exec 'py_nearest=$python -m cpnsim.policies nearest' --policy-timeout '10s' --task-list" "$tmp/sl.out" &&
    ok "batch --slurm: the job script passes --policy-exec and --policy-timeout to its tasks" ||
    { bad "batch --slurm --dry-run with --policy-exec"; cat "$tmp/sl.out"; }
if [ $c -eq 0 ] && [ -n "$(row nearest)" ] && [ "$(row nearest)" = "$(row py_nearest)" ] &&
    [ $c2 -eq 64 ] && grep -q "has no NAME=" "$tmp/b2.err" && [ ! -d "$tmp/out2" ]; then
    ok "batch --policy-exec NAME=COMMAND: its row equals nearest's; without NAME, exit 64"
else
    bad "batch --policy-exec: exits $c, $c2"; cat "$tmp/b.out" "$tmp/b.err" "$tmp/b2.err"
fi

# 5. Failures.  fake REPLY...: an sh policy that answers the hello, then prints each REPLY (with
#    @N@ replaced by the place message's number) in turn, one per message, then stops reading.
hello='{"type":"hello","n":1,"protocol":1}'
fake() {
    # Each policy its own file (mktemp: fake runs in a command substitution's subshell, so a
    # counter would not last): a policy process of an earlier check may still be reading its
    # script (sh reads as it runs) while the next check writes a new one.
    f=$(mktemp "$tmp/fakeXXXXXX")
    {
        echo 'read -r line'
        echo "echo '$hello'"
        for r in "$@"; do
            echo 'read -r line || exit 0'
            printf '%s\n' 'n=$(printf "%s" "$line" | sed "s/.*\"n\":\([0-9]*\).*/\1/")'
            printf 'printf "%%s\\n" %s | sed "s/@N@/$n/"\n' "'$r'"
        done
        echo 'sleep 60'
    } >"$f"
    echo "sh $f"
}
# check_fail WHAT STATUS TEXT POLICY [ARGS...]: the run exits STATUS, its stderr has TEXT, and
# its trace is left as FILE.partial marked incomplete (no file at all when the hello failed).
check_fail() {
    what=$1 want=$2 text=$3 pol=$4
    shift 4
    rm -f "$tmp/f.h5" "$tmp/f.h5.partial"
    timeout 60 "$bin" --quiet run "$national" --until 1d --policy-exec "$pol" "$@" \
        -o "$tmp/f.h5" --force >/dev/null 2>"$tmp/f.err"
    c=$?
    # the trace is kept as .partial, marked incomplete; none when the hello failed (the run
    # never began)
    if [ $c -eq "$want" ] && grep -q -- "$text" "$tmp/f.err" && [ ! -e "$tmp/f.h5" ] &&
        { "$bin" info "$tmp/f.h5.partial" 2>/dev/null | grep -q "INCOMPLETE" ||
          { grep -q "message 1 (hello)" "$tmp/f.err" && [ ! -e "$tmp/f.h5.partial" ]; }; }; then
        ok "$what: exit $c, $(grep -o -- "$text" "$tmp/f.err" | head -1)"
    else
        bad "$what: exit $c (want $want, \"$text\")"; cat "$tmp/f.err"
        ls -l "$tmp"/f.h5*; "$bin" info "$tmp/f.h5.partial" 2>&1 | head -20
    fi
}
check_fail "a reply that is not JSON" 70 \
    'reply to message 2 (place, job 0) is not one JSON object (.*): "center: beijing"' \
    "$(fake 'center: beijing')"
check_fail "an unknown center" 70 \
    'reply to message 2 (place, job 0): field "center": "atlantis" is not a center (use "' \
    "$(fake '{"type":"decision","n":@N@,"center":"atlantis"}')"
check_fail "a center of the wrong type" 70 \
    'reply to message 2 (place, job 0): field "center": not a string' \
    "$(fake '{"type":"decision","n":@N@,"center":3}')"
check_fail "paths of the wrong type" 70 \
    'field "paths": not an integer (use a whole number from 1 to' \
    "$(fake '{"type":"decision","n":@N@,"center":null,"paths":"two"}')"
check_fail "an unknown field" 70 'field "centre" is not part of a decision' \
    "$(fake '{"type":"decision","n":@N@,"centre":"x"}')"
check_fail "a rejection naming a center" 70 \
    'field "reject": a rejection names no center (use center null)' \
    "$(fake '{"type":"decision","n":@N@,"center":"beijing","reject":"full"}')"
check_fail "the reply to another message" 70 \
    'reply to message 2 (place, job 0): field "n": another message' \
    "$(fake '{"type":"decision","n":7,"center":null}')"
# job 0 of national.xml is a VM: a GPU-only center can never fit it.
check_fail "a decision the models refuse" 70 \
    'reply to message 2 (place, job 0): policy "exec": job 0 (1 units) placed on center "zhongwei-ai" which is down or can never fit it' \
    "$(fake '{"type":"decision","n":@N@,"center":"zhongwei-ai"}')"
printf 'read -r line\necho %s\n' "'{\"type\":\"hello\",\"n\":1,\"protocol\":2}'" >"$tmp/v2.sh"
check_fail "a hello of another protocol" 70 \
    'reply to message 1 (hello): field "protocol": another version (this cpnsim speaks protocol 1)' \
    "sh $tmp/v2.sh"
printf 'read -r line\necho %s\nread -r line\nsleep 30\n' "'$hello'" >"$tmp/slow.sh"
check_fail "no reply within --policy-timeout" 70 \
    'no reply to message 2 (place, job 0) within 1 s (--policy-timeout)' \
    "sh $tmp/slow.sh" --policy-timeout 1s
printf 'read -r line\necho %s\nread -r line\necho "the policy broke: no model" >&2\nexit 3\n' \
    "'$hello'" >"$tmp/crash.sh"
check_fail "a crash" 70 \
    'the process exited with status 3 instead of answering message 2 (place, job 0)' \
    "sh $tmp/crash.sh"
grep -q '  | the policy broke: no model$' "$tmp/f.err" &&
    ok "a crash: the message quotes the end of its standard error" ||
    bad "a crash: no stderr tail"; 
check_fail "a command that does not exist" 70 'the process exited with status 127' \
    "/nonexistent/policy"

# An exit status other than 0 after the bye: exit 70, and the results stand (complete trace).
printf '%s\n' "import sys, runpy" "sys.argv = ['x', 'nearest']" \
    "from cpnsim.policies import Nearest" \
    "class P(Nearest):" "    def finish(self, bye): sys.exit(5)" "P().run()" >"$tmp/exit5.py"
"$bin" --quiet run "$national" --until 2h --policy-exec "$python $tmp/exit5.py" -o "$tmp/e5.h5" \
    >/dev/null 2>"$tmp/e5.err"
c=$?
if [ $c -eq 70 ] && grep -q "the process exited with status 5 after the bye" "$tmp/e5.err" &&
    "$bin" info "$tmp/e5.h5" | grep -q ", complete, verified$"; then
    ok "an exit status 5 after the bye: exit 70, the complete results kept"
else
    bad "exit after the bye: exit $c"; cat "$tmp/e5.err"
fi

# Command-line values are command-line errors (exit 64).
for args in "--policy-exec=py=" "--policy-exec x --policy-timeout 0" \
    "--policy-exec x --policy-param Alpha=2" "--policy-param a=1"; do
    # shellcheck disable=SC2086
    "$bin" run "$src/scenarios/tiny.xml" $args >/dev/null 2>"$tmp/err"
    c=$?
    if [ $c -eq 64 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
        ok "cpnsim run $args: exit 64, $(cat "$tmp/err")"
    else
        bad "cpnsim run $args: exit $c"; cat "$tmp/err"
    fi
done

(cd "$tmp" && "$bin" batch exp.xml -o out5 --policy-exec "py_nearest=$python -m cpnsim.policies nearest" \
    --policy-param "=1" >/dev/null 2>"$tmp/err")
c=$?
if [ $c -eq 64 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q 'policy-param "=1" is not NAME=VALUE' "$tmp/err" &&
    [ ! -d "$tmp/out5" ]; then
    ok "cpnsim batch --policy-param =1: exit 64 before any run, $(cat "$tmp/err")"
else
    bad "cpnsim batch --policy-param =1: exit $c"; cat "$tmp/err"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
