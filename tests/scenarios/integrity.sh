#!/bin/sh
# No result lost or faked (docs/output-format.md, "Safety and reproducibility"): two runs racing
# for one output, a batch rerun after kill -9 of the batch process alone, a failed validation,
# a full disk for --summary-out, includes of a device and of a FIFO, command-line values, and a
# report grouped by a key no run has, a batch whose every run fails, a batch rerun with
# other settings over the results of the first, a batch of a plug-in policy, a streamed flow
# file changed during the run, outputs that would destroy a file (one another, an input, a
# device), a batch into a file, --policy where it changes nothing, results that are no trace,
# the text outputs of an interrupted run, and those of a run killed by SIGKILL.
# Exit 0 pass, 1 fail.
set -u
bin=$(cd "${CPN_BUILDDIR:-.}" && pwd)/cpnsim
src=${CPN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
mnt=""
cleanup() {
    pkill -CONT -f -- "-o out/national__" 2>/dev/null # paused by case 2, if it stopped early
    [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
national=$src/scenarios/national.xml

# wait_for FILE: until FILE exists (at most 20 s).
wait_for() {
    i=0
    while [ ! -e "$1" ] && [ $i -lt 200 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ -e "$1" ]
}

# 1. Two runs on one output: the second fails at once, with and without --force, and the
#    first one's result is complete and verifies.
#    The first run is paused (SIGSTOP) while the others try, so that it is still live then
#    however fast this machine is (a run of national.xml may take under a second).
"$bin" --quiet run "$national" --until 4d -o "$tmp/race.h5" >/dev/null 2>&1 &
first=$!
if wait_for "$tmp/race.h5.lock"; then
    kill -STOP $first
    "$bin" --quiet run "$national" --until 1h -o "$tmp/race.h5" --force >/dev/null 2>"$tmp/err1"
    c1=$?
    "$bin" --quiet run "$national" --until 1h -o "$tmp/race.h5" >/dev/null 2>"$tmp/err2"
    c2=$?
    kill -CONT $first
    wait $first
    c0=$?
    if [ $c0 -eq 0 ] && [ $c1 -eq 73 ] && [ $c2 -eq 73 ] &&
            grep -q "another cpnsim run is writing it now" "$tmp/err1" &&
            "$bin" info "$tmp/race.h5" | grep -q ", complete, verified$" &&
            [ ! -e "$tmp/race.h5.lock" ] && [ ! -e "$tmp/race.h5.partial" ]; then
        ok "a second run on a live output fails (exit 73, with and without --force); the first result verifies"
    else
        bad "race: first exit $c0, second $c1, third $c2"; cat "$tmp/err1" "$tmp/err2"
    fi
else
    kill $first 2>/dev/null
    bad "race: the first run never took its lock"
fi

# 2. kill -9 of the batch process alone while its runs go on, then a rerun at once (its runs
#    of the live outputs fail cleanly), then one after the orphans end: every result verifies.
#    The orphans are paused (SIGSTOP) from before the kill until the first rerun has ended, so
#    that they are live for it however fast this machine is; they are counted when paused.
cat >"$tmp/exp.xml" <<EOF
<experiment version="1">
  <scenario file="$national"/>
  <policy name="nearest"/>
  <policy name="balanced"/>
  <set target="simulation@until" value="4d"/>
  <seeds first="1" count="1"/>
  <report by="policy" metrics="job.all.count"/>
</experiment>
EOF
(cd "$tmp" && exec "$bin" --quiet batch exp.xml -j 2 -o out >/dev/null 2>&1) &
batch=$!
if wait_for "$tmp/out/national__nearest__s1.h5.lock" && wait_for "$tmp/out/national__balanced__s1.h5.lock"; then
    pkill -STOP -f -- "-o out/national__"
    live=$(pgrep -f -- "-o out/national__" | wc -l)
    kill -9 $batch 2>/dev/null
    wait $batch 2>/dev/null
    (cd "$tmp" && "$bin" --quiet batch exp.xml -j 2 -o out >"$tmp/b2.out" 2>"$tmp/b2.err")
    c2=$?
    pkill -CONT -f -- "-o out/national__"
    # the orphans end by themselves (at most 300 s: make -j check runs other tests beside):
    # wait for the processes themselves, then for their locks
    i=0
    while { pgrep -f -- "-o out/national__" >/dev/null 2>&1 || ls "$tmp"/out/*.lock >/dev/null 2>&1; } &&
        [ $i -lt 3000 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    waited="$((i / 10)) s"
    orphans=$(pgrep -a -f -- "-o out/national__" 2>/dev/null)
    (cd "$tmp" && "$bin" --quiet batch exp.xml -j 2 -o out >"$tmp/b3.out" 2>"$tmp/b3.err")
    c3=$?
    n_ok=$(for f in "$tmp"/out/*.h5; do "$bin" info "$f"; done 2>/dev/null | grep -c ", complete, verified$")
    if [ "$live" -eq 2 ] && [ $c2 -ne 0 ] && grep -q "another cpnsim run is writing it now" "$tmp"/out/*.log &&
            [ $c3 -eq 0 ] && [ "$n_ok" -eq 2 ] && grep -q "| nearest |" "$tmp/b3.out"; then
        ok "a batch rerun after kill -9 of the batch alone: live runs are left alone; the next rerun reports 2 verified results"
    else
        bad "batch after kill -9: $live orphans paused, rerun exit $c2, next $c3, $n_ok verified (waited $waited for the orphans)"
        echo "orphans still running then: ${orphans:-none}"; ls -la "$tmp/out"
        cat "$tmp/b2.err" "$tmp/b3.err" "$tmp/b3.out"
    fi
else
    kill -9 $batch 2>/dev/null
    bad "batch after kill -9: the runs never started"
fi

# 3. A failed validation leaves no file at all.
printf '<cpnsim version="1"><simulation until="-1h"/></cpnsim>\n' >"$tmp/bad.xml"
"$bin" --quiet run "$tmp/bad.xml" -o "$tmp/bad.h5" --summary-out "$tmp/bad.tsv" >/dev/null 2>&1
c=$?
if [ $c -eq 65 ] && [ -z "$(ls "$tmp" | grep '^bad\.\(h5\|tsv\)')" ]; then
    ok "a failed validation leaves no output file (exit 65)"
else
    bad "failed validation: exit $c, files: $(ls "$tmp" | grep '^bad\.')"
fi

# 4. A full disk for --summary-out leaves no file (and an old one untouched with --force).
mkdir -p "$tmp/full"
if mount -t tmpfs -o size=64k tmpfs "$tmp/full" 2>/dev/null; then
    mnt=$tmp/full
    dd if=/dev/zero of="$tmp/full/fill" bs=1k count=64 2>/dev/null
    "$bin" --quiet run "$national" --until 1h --summary-out "$tmp/full/s.tsv" >/dev/null 2>"$tmp/err"
    c=$?
    if [ $c -eq 74 ] && [ ! -e "$tmp/full/s.tsv" ] && [ "$(ls "$tmp/full")" = "fill" ] &&
            grep -q "No space left on device" "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
        ok "a full disk for --summary-out: exit 74, one line with the reason, no file"
    else
        bad "full disk: exit $c, files $(ls "$tmp/full" | tr '\n' ' ')"; cat "$tmp/err"
    fi
    # A full disk for a streamed flow file's checked copy (TMPDIR on it): the load warns with the
    # reason, the run reads the file again, and its --flows-out equals the run's with the copy.
    awk 'BEGIN { print "id,src,dst,bytes,start_time"
        for (i = 0; i < 3000; i++) printf "c%d,h1,h2,1000000,%.3f\n", i, i * 0.01 }' >"$tmp/cf.csv"
    for d in "$tmp" "$tmp/full"; do
        (cd "$src/tests/scenarios/ok" && TMPDIR=$d exec "$bin" --quiet run flow-paths.xml \
            --set "flows@file=$tmp/cf.csv" --set flows@stream=yes \
            --flows-out "$tmp/cf-$(basename "$d").csv") 2>"$tmp/cf-$(basename "$d").err"
    done
    if cmp -s "$tmp/cf-full.csv" "$tmp/cf-$(basename "$tmp").csv" &&
        grep -q "cf.csv: warning: cannot keep the checked copy of its rows in $tmp/full: No space left on device" "$tmp/cf-full.err" &&
        ! grep -q "checked copy" "$tmp/cf-$(basename "$tmp").err" && [ "$(ls "$tmp/full")" = "fill" ]; then
        ok "a full disk for a streamed file's checked copy: a warning with the reason; the run reads the file again, same results"
    else
        bad "a full disk for the checked copy"; cat "$tmp/cf-full.err"
    fi
else
    echo "SKIP: full disk: cannot mount a tmpfs here (needs root)"
fi

# 5. Includes of a device and of a FIFO fail at once.
mkfifo "$tmp/fifo.xml"
printf '<cpnsim version="1"><simulation until="1h"/><include href="fifo.xml"/><include href="../../../../../../../../../../dev/zero"/></cpnsim>\n' >"$tmp/inc.xml"
timeout 20 "$bin" validate "$tmp/inc.xml" >/dev/null 2>"$tmp/err"
c=$?
if [ $c -eq 65 ] && [ "$(grep -c 'not a regular file' "$tmp/err")" -eq 2 ]; then
    ok "includes of a FIFO and of /dev/zero fail at once (not a regular file)"
else
    bad "includes of a FIFO and /dev/zero: exit $c"; cat "$tmp/err"
fi

# 6. Command-line values are command-line errors (exit 64), with a valid example.
check_cli() { # EXPECTED-TEXT ARGS...
    want=$1
    shift
    "$bin" run "$src/scenarios/tiny.xml" "$@" >/dev/null 2>"$tmp/err"
    c=$?
    if [ $c -eq 64 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q -- "$want" "$tmp/err"; then
        ok "cpnsim run $*: exit 64, one line: $want"
    else
        bad "cpnsim run $*: exit $c"; cat "$tmp/err"
    fi
}
check_cli '--until "0" is not a positive time with a unit (e.g. --until 1d' --until 0
check_cli '--until "-1" is not a positive time' --until -1
check_cli '--seed "abc" is not a whole number' --seed abc
check_cli '--policy "nope" is not a policy' --policy nope
check_cli 'option --seed needs a value' --seed
check_cli 'option --force takes no value (got "yes")' --force=yes
check_cli 'option --pol is ambiguous (--policy, --policy-exec, --policy-param, --policy-timeout: spell it out)' --pol x
check_cli 'unknown option --bogus' --bogus
check_cli '--flows-out "": give a file name' --flows-out "" # (it ran, then failed to write: 74)
check_cli '-o "": give a file name' -o ""                   # (was exit 70, an internal error)
check_cli '-o --force: the file name looks like an option (is the value of -o missing?); write ./--force' -o --force

# 7. A report --by a key no run has (a typo) is refused: it would fold every run into one row.
"$bin" report "$tmp"/out/*.h5 --by polcy --metrics job.all.count >"$tmp/rep.out" 2>"$tmp/err"
c=$?
"$bin" report "$tmp"/out/*.h5 --by policy --metrics job.all.count >"$tmp/rep2.out" 2>/dev/null
c2=$?
if [ $c -eq 64 ] && [ ! -s "$tmp/rep.out" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
        grep -q -- '--by key "polcy" is not known (use scenario, policy, awareness, seed, version, simulation@until' "$tmp/err" &&
        [ $c2 -eq 0 ] && [ "$(grep -c '^| [a-z]* | 1 |' "$tmp/rep2.out")" -eq 2 ]; then
    ok "report --by polcy: exit 64, one line naming the accepted keys; --by policy gives 2 rows"
else
    bad "report --by polcy: exit $c, --by policy: exit $c2"; cat "$tmp/err" "$tmp/rep.out" "$tmp/rep2.out"
fi

# 8. A batch with a bad --set value stops before any run: exit 65, the value's error named
#    with the --set it came from, no result folder; a batch whose every run fails while it runs
#    (its policy's process exits at once) exits with the first run's status and error, not 70
#    with "no complete run to report".
cat >"$tmp/exp2.xml" <<EOF
<experiment version="1">
  <scenario file="$src/scenarios/tiny.xml"/>
  <policy name="nearest"/>
  <policy name="balanced"/>
</experiment>
EOF
(cd "$tmp" && exec "$bin" --quiet batch exp2.xml --set simulation@until=-1h -o out2) >"$tmp/b.out" 2>"$tmp/err"
c=$?
cat >"$tmp/exp2f.xml" <<EOF
<experiment version="1">
  <scenario file="$src/scenarios/national.xml"/>
  <policy name="quits"/>
  <set target="simulation@until" value="1h"/>
  <seeds count="2"/>
</experiment>
EOF
(cd "$tmp" && exec "$bin" --quiet batch exp2f.xml --policy-exec quits=/bin/false -o out2f) \
    >"$tmp/bf.out" 2>"$tmp/errf"
cf=$?
if [ $c -eq 65 ] && [ ! -s "$tmp/b.out" ] && [ ! -e "$tmp/out2" ] &&
        grep -q 'until "-1h" is negative .*(until is given by --set simulation@until=-1h)$' "$tmp/err" &&
        grep -q "^cpnsim: batch: run tiny__nearest__s1 would fail on the error above; no run was started" "$tmp/err" &&
        [ $cf -eq 70 ] && [ ! -s "$tmp/bf.out" ] && grep -q "all 2 runs failed; the first" "$tmp/errf" &&
        grep -q 'policy "quits" (/bin/false): the process exited with status 1' "$tmp/errf" &&
        ! grep -q "no complete run" "$tmp/errf"; then
    ok "a bad --set stops a batch before any run (exit 65); runs that all fail: their first error"
else
    bad "batch, bad --set: exit $c; every run failing: exit $cf"; cat "$tmp/err" "$tmp/errf"
fi

# 9. A result is "done" only for the definition it records: a rerun with another --set is
#    refused (exit 73) and leaves the results untouched; --force reruns and replaces them.
(cd "$tmp" && exec "$bin" --quiet batch exp2.xml --set simulation@until=1h -o out3) >/dev/null 2>&1
c1=$?
sum1=$(cat "$tmp"/out3/*.h5 | cksum)
(cd "$tmp" && exec "$bin" --quiet batch exp2.xml --set simulation@until=2h -o out3) >"$tmp/b.out" 2>"$tmp/err"
c2=$?
sum2=$(cat "$tmp"/out3/*.h5 | cksum)
(cd "$tmp" && exec "$bin" --quiet batch exp2.xml --set simulation@until=2h -o out3 --force) >/dev/null 2>&1
c3=$?
(cd "$tmp" && exec "$bin" --quiet batch exp2.xml --set simulation@until=2h -o out3) >/dev/null 2>&1
c4=$?
if [ $c1 -eq 0 ] && [ $c2 -eq 73 ] && [ "$sum1" = "$sum2" ] && [ ! -s "$tmp/b.out" ] &&
        grep -q 'recorded override 1 "simulation@until=1h", the experiment now asks "simulation@until=2h"' "$tmp/err" &&
        grep -q "2 result(s) in out3 were made with another definition" "$tmp/err" &&
        [ $c3 -eq 0 ] && [ $c4 -eq 0 ] && [ "$(cat "$tmp"/out3/*.h5 | cksum)" != "$sum1" ]; then
    ok "a batch over results of other settings: exit 73, results untouched; --force reruns them"
else
    bad "batch over other settings: exits $c1 $c2 $c3 $c4"; cat "$tmp/err"
fi

# 10. A plug-in policy in a batch: named in the experiment, loaded with --plugin (the example
#     of tests/plugins, built by make check); without --plugin the name is an error at its line.
plugin=$(cd "${CPN_BUILDDIR:-.}" && pwd)/tests/plugins/example.so
if [ -f "$plugin" ]; then
    cat >"$tmp/exp4.xml" <<EOF
<experiment version="1">
  <scenario file="$national"/>
  <policy name="balanced"/>
  <policy name="example_fastest"/>
  <set target="simulation@until" value="1h"/>
  <report metrics="job.all.count"/>
</experiment>
EOF
    (cd "$tmp" && exec "$bin" --quiet batch exp4.xml -o out4) >/dev/null 2>"$tmp/err"
    c1=$?
    [ -d "$tmp/out4" ] && c1="$c1 (and created out4)"
    (cd "$tmp" && exec "$bin" --quiet batch exp4.xml -o out4 --plugin "$plugin") >"$tmp/b.out" 2>/dev/null
    c2=$?
    if [ "$c1" = 65 ] && grep -q 'exp4.xml:4: <policy>: "example_fastest" is not a built-in policy' "$tmp/err" &&
            [ $c2 -eq 0 ] && grep -q '^| national.xml | example_fastest | 1 |' "$tmp/b.out" &&
            grep -q "^| national.xml | balanced | 1 |" "$tmp/b.out"; then
        ok "batch --plugin: a plug-in policy runs in an experiment; without it, exit 65 at its line"
    else
        bad "batch --plugin: exits $c1, $c2"; cat "$tmp/err" "$tmp/b.out"
    fi
else
    echo "SKIP: batch --plugin: $plugin not built"
fi

# 11. A streamed flow file changed during the run (docs/scenario-format.md, "Streamed flow
#     files").  The run reads the checked copy the load made of its rows, so a change after the
#     load changes nothing: the run is paused (SIGSTOP) once the load has printed its warning,
#     the file is cut to its first 100 kB, the run resumes and ends complete, its --flows-out
#     holding every row of the file as loaded.  Without the copy (TMPDIR a missing folder: the
#     load warns and the run reads the file again), the run stops at the first row that differs
#     from the load, at its line, exit 65, and the summary it writes (kept as st.tsv.partial: the
#     run did not reach its end) says run.complete 0; --flows-out is not written.
awk 'BEGIN { print "id,src,dst,bytes,start_time"
    for (i = 0; i < 2000000; i++) printf "f%d,h1,h2,1000000,%.3f\n", i, i * 0.01 }' >"$tmp/big0.csv"
head -n 300001 "$tmp/big0.csv" >"$tmp/big.csv"
(cd "$src/tests/scenarios/ok" && TMPDIR=$tmp exec "$bin" run flow-paths.xml \
    --set "flows@file=$tmp/big.csv" --set flows@stream=yes --set simulation@until=50000s \
    --summary-out "$tmp/sc.tsv" --flows-out "$tmp/sc-fo.csv") >"$tmp/sc.out" 2>"$tmp/sc.err" &
pid=$!
i=0
while ! grep -q "warning" "$tmp/sc.err" 2>/dev/null && [ $i -lt 600 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill -STOP $pid 2>/dev/null
head -c 100000 "$tmp/big.csv" >"$tmp/cut.csv" && cat "$tmp/cut.csv" >"$tmp/big.csv"
kill -CONT $pid 2>/dev/null
wait $pid
c=$?
rows=$(wc -l <"$tmp/sc-fo.csv" 2>/dev/null)
last=$(tail -n 1 "$tmp/sc-fo.csv" 2>/dev/null | cut -d, -f1-5)
if [ $c -eq 0 ] && [ "$(wc -c <"$tmp/big.csv")" -eq 100000 ] &&
    grep -q "^run.complete	1	" "$tmp/sc.tsv" && [ "$rows" -eq 300001 ] &&
    [ "$last" = "f299999,h1,h2,1000000,2999.99" ] && ! grep -q "checked copy" "$tmp/sc.err"; then
    ok "a streamed flow file changed during the run: the run reads the copy checked at load, complete"
else
    bad "a streamed flow file changed during the run (with the copy): exit $c, $rows rows, last $last"
    cat "$tmp/sc.err"
fi
cp "$tmp/big0.csv" "$tmp/big.csv"
(cd "$src/tests/scenarios/ok" && TMPDIR=$tmp/none exec "$bin" run flow-paths.xml \
    --set "flows@file=$tmp/big.csv" --set simulation@until=50000s --summary-out "$tmp/st.tsv" \
    --flows-out "$tmp/st-fo.csv") >"$tmp/st.out" 2>"$tmp/st.err" &
pid=$!
i=0
while ! grep -q "checked copy" "$tmp/st.err" 2>/dev/null && [ $i -lt 600 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill -STOP $pid 2>/dev/null
head -c 100000 "$tmp/big.csv" >"$tmp/cut.csv" && cat "$tmp/cut.csv" >"$tmp/big.csv"
kill -CONT $pid 2>/dev/null
wait $pid
c=$?
if [ $c -eq 65 ] && grep -q "big.csv: warning: cannot keep the checked copy of its rows in $tmp/none: No such file or directory" "$tmp/st.err" &&
    grep -q "big.csv:[0-9]*: .*changed since" "$tmp/st.err" &&
    grep -q "^run.complete	0	" "$tmp/st.tsv.partial" && [ ! -e "$tmp/st.tsv" ] &&
    grep -q "INCOMPLETE" "$tmp/st.out" && [ ! -e "$tmp/st-fo.csv" ] && [ ! -e "$tmp/st-fo.csv.partial" ] &&
    grep -q "big.csv could not be read to its end" "$tmp/st.err" &&
    grep -q "its outputs are kept as $tmp/st.tsv.partial\$" "$tmp/st.err"; then
    ok "a streamed flow file changed during the run, read again (no copy): a clean stop at its line, exit 65, incomplete"
else
    bad "a streamed flow file changed during the run (no copy): exit $c"; cat "$tmp/st.err"; tail -3 "$tmp/st.out"
fi

# 11b. The same without the copy, with a path column, whose reader reads two rows ahead (to
#     fetch their path texts' look-ups early, docs/models-network.md §3.4).  With the run
#     paused, the file is rewritten: the same rows up to 64 kB past where the run has read it
#     (/proc's fdinfo), then one row whose path names an unknown node.  The run stops at exactly
#     that row's line, not at a row it read ahead.  The first row has no path (routed over ties:
#     the load's warning, where the run is paused).
awk 'BEGIN { print "id,src,dst,bytes,start_time,path"; print "f0,h1,h2,1000000,0.000,"
    for (i = 1; i < 2000000; i++)
        printf "f%d,h1,h2,1000000,%.3f,h1 c%d h2\n", i, i * 0.01, 1 + i % 2 }' >"$tmp/big6.csv"
(cd "$src/tests/scenarios/ok" && TMPDIR=$tmp/none exec "$bin" run flow-paths.xml \
    --set "flows@file=$tmp/big6.csv" --set simulation@until=50000s --summary-out "$tmp/st6.tsv") \
    >"$tmp/st6.out" 2>"$tmp/st6.err" &
pid=$!
i=0
while ! grep -q "warning" "$tmp/st6.err" 2>/dev/null && [ $i -lt 600 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill -STOP $pid 2>/dev/null
# (The run opens the file for reading just after the load's warning: until then, let it go on a
# little at a time.)
fd=""
k=0
while [ $k -lt 200 ]; do
    fd=$(ls -l "/proc/$pid/fd" 2>/dev/null | awk '/big6\.csv$/ { print $9; exit }')
    [ -n "$fd" ] && break
    kill -CONT $pid 2>/dev/null
    sleep 0.01
    kill -STOP $pid 2>/dev/null
    k=$((k + 1))
done
pos=$(awk '/^pos:/ { print $2 }' "/proc/$pid/fdinfo/$fd" 2>/dev/null)
keep=$(head -c $((${pos:-0} + 65536)) "$tmp/big6.csv" | wc -l)
line=$((keep + 1))
{ head -n "$keep" "$tmp/big6.csv"
  awk -v k="$keep" 'BEGIN { printf "f%d,h1,h2,1000000,%.3f,h1 c9 h2\n", k - 1, (k - 1) * 0.01 }'
} >"$tmp/cut6.csv"
cat "$tmp/cut6.csv" >"$tmp/big6.csv"
kill -CONT $pid 2>/dev/null
wait $pid
c=$?
if [ -n "$fd" ] && [ $c -eq 65 ] && grep -q "big6.csv:$line: .*changed since" "$tmp/st6.err" &&
    grep -q "big6.csv:$line: field 6 \"path\"" "$tmp/st6.err" &&
    grep -q "^run.complete	0	" "$tmp/st6.tsv.partial"; then
    ok "a streamed flow file with paths changed during the run: the stop names its line ($line), exit 65"
else
    bad "a streamed flow file with paths changed during the run: exit $c, fd ${fd:-none}, line $line"
    cat "$tmp/st6.err"
fi

# 12. A streamed workload log changed during the run (docs/scenario-format.md, "Streamed
#     workload logs").  The run replays the checked copy the load made of its kept jobs, so a
#     change after the load changes nothing: the run is paused (SIGSTOP) once its trace exists
#     (the load is over), the log is cut to its first 150,000 lines, the run resumes and ends
#     complete with the summary of the uncut log.  Without the copy (TMPDIR a missing folder: a
#     warning), the run reads the log again and stops where the file no longer is what the load
#     read (here: it ends early), at its line, exit 65, summary incomplete.
awk 'BEGIN { for (i = 1; i <= 200000; i++) printf "%d %d -1 60 1 -1 -1 1 120 -1 1 1 1 -1 -1 1 -1 -1\n", i, i }' \
    >"$tmp/big0.swf"
cp "$tmp/big0.swf" "$tmp/big.swf"
cat >"$tmp/wl.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<cpnsim version="1">
  <simulation until="3d" seed="1"/>
  <topology><node id="a"/></topology>
  <centers>
    <center id="c" node="a"><pool units="4" per-unit="1GFLOPS" accelerator="cpu"/></center>
  </centers>
  <workload>
    <trace id="big" format="swf" file="big.swf" origin="a" ref-speed="1GFLOPS" accelerator="cpu"
           stream="yes"/>
  </workload>
</cpnsim>
XML
"$bin" --quiet run "$tmp/wl.xml" --summary-out "$tmp/wl0.tsv" >/dev/null 2>&1
TMPDIR=$tmp "$bin" run "$tmp/wl.xml" -o "$tmp/wlc.h5" --summary-out "$tmp/wlc.tsv" >"$tmp/wlc.out" 2>"$tmp/wlc.err" &
pid=$!
i=0
while [ ! -e "$tmp/wlc.h5.partial" ] && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill -STOP $pid 2>/dev/null
head -n 150000 "$tmp/big.swf" >"$tmp/cut.swf" && cat "$tmp/cut.swf" >"$tmp/big.swf"
kill -CONT $pid 2>/dev/null
wait $pid
c=$?
if [ $c -eq 0 ] && [ "$(wc -l <"$tmp/big.swf")" -eq 150000 ] && grep -q "^run.complete	1	" "$tmp/wlc.tsv" &&
    grep -q "^job.all.submitted	200000	" "$tmp/wlc.tsv" &&
    [ "$(grep -v '^run\.' "$tmp/wlc.tsv")" = "$(grep -v '^run\.' "$tmp/wl0.tsv")" ] && ! grep -q "checked copy" "$tmp/wlc.err"; then
    ok "a streamed workload log changed during the run: the run replays the copy checked at load, complete, as unchanged"
else
    bad "a streamed workload log changed during the run (with the copy): exit $c"; cat "$tmp/wlc.err"; tail -3 "$tmp/wlc.out"
fi
cp "$tmp/big0.swf" "$tmp/big.swf"
TMPDIR=$tmp/none "$bin" run "$tmp/wl.xml" -o "$tmp/wl.h5" --summary-out "$tmp/wl.tsv" >"$tmp/wl.out" 2>"$tmp/wl.err" &
pid=$!
i=0
while [ ! -e "$tmp/wl.h5.partial" ] && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill -STOP $pid 2>/dev/null
head -n 150000 "$tmp/big.swf" >"$tmp/cut.swf" && cat "$tmp/cut.swf" >"$tmp/big.swf"
kill -CONT $pid 2>/dev/null
wait $pid
c=$?
if [ $c -eq 65 ] && grep -q "big.swf: warning: cannot keep the checked copy of its jobs in $tmp/none: No such file" "$tmp/wl.err" &&
    grep -q "big.swf:150000: the file ends early (the file changed since it was loaded)" "$tmp/wl.err" &&
    grep -q "^run.complete	0	" "$tmp/wl.tsv.partial" && [ ! -e "$tmp/wl.tsv" ] &&
    [ -e "$tmp/wl.h5.partial" ] && [ ! -e "$tmp/wl.h5" ]; then
    ok "a streamed workload log changed during the run, read again (no copy): a clean stop at its line, exit 65, incomplete"
else
    bad "a streamed workload log changed during the run (no copy): exit $c"; cat "$tmp/wl.err"; tail -3 "$tmp/wl.out"
fi

# 13. Outputs that would destroy a file: two outputs naming one file, an output naming an input
#     (with --force, which would replace it), a directory, a character device as the trace; and
#     what is accepted: text outputs written straight to a character device or a FIFO, nothing
#     renamed onto it (docs/output-format.md, "Safety and reproducibility").
cp "$src/tests/scenarios/ok/flow-paths.xml" "$tmp/fp.xml"
cp -r "$src/tests/scenarios/ok/data" "$tmp/data" 2>/dev/null
fp_run() { (cd "$tmp" && exec "$bin" --quiet run fp.xml "$@") >"$tmp/fp.out" 2>"$tmp/fp.err"; }
fp_run -o same.out --flows-out ./same.out --force
c=$?
if [ $c -eq 64 ] && [ ! -e "$tmp/same.out" ] && [ "$(wc -l <"$tmp/fp.err")" -eq 1 ] &&
    grep -q -- "-o same.out and --flows-out ./same.out are the same file" "$tmp/fp.err"; then
    ok "-o and --flows-out naming one file: exit 64, one line, nothing written"
else
    bad "-o and --flows-out naming one file: exit $c"; cat "$tmp/fp.err"
fi
cksum <"$tmp/fp.xml" >"$tmp/fp.sum"
fp_run --summary-out "$tmp/fp.xml" --force
c=$?
if [ $c -eq 64 ] && cksum <"$tmp/fp.xml" | cmp -s - "$tmp/fp.sum" &&
    grep -q -- "--summary-out $tmp/fp.xml names a file this run reads (fp.xml)" "$tmp/fp.err"; then
    ok "--summary-out naming the scenario, with --force: exit 64, the scenario untouched"
else
    bad "--summary-out naming the scenario: exit $c"; cat "$tmp/fp.err"
fi
mkdir -p "$tmp/adir"
fp_run -o adir --force
c=$?
mv "$tmp/fp.err" "$tmp/fp.err.dir"
fp_run -o /dev/null --force
c2=$?
if [ $c -eq 73 ] && grep -q "adir: is a directory, not a file (give a file name)" "$tmp/fp.err.dir" &&
    [ $c2 -eq 73 ] && [ -c /dev/null ] &&
    grep -q "/dev/null: is a character device, not a file (the HDF5 trace needs a regular file" "$tmp/fp.err"; then
    ok "-o naming a directory or /dev/null, with --force: exit 73, /dev/null still a device"
else
    bad "-o naming a directory ($c) or /dev/null ($c2)"; cat "$tmp/fp.err.dir" "$tmp/fp.err"
fi
mkfifo "$tmp/fo.fifo"
timeout 60 cat "$tmp/fo.fifo" >"$tmp/fo.got" & # (a bounded wait, should the run never open it)
reader=$!
fp_run --flows-out fo.fifo --summary-out /dev/null
c=$?
wait $reader
fp_run --flows-out fo.file
if [ $c -eq 0 ] && [ -p "$tmp/fo.fifo" ] && [ -c /dev/null ] && [ -s "$tmp/fo.got" ] &&
    cmp -s "$tmp/fo.got" "$tmp/fo.file"; then
    ok "--flows-out to a FIFO and --summary-out to /dev/null without --force: the same rows as a file"
else
    bad "--flows-out to a FIFO: exit $c"; cat "$tmp/fp.err"
fi
fp_run --flows-out /dev/full
c=$?
if [ $c -eq 74 ] && [ -c /dev/full ] && grep -q "/dev/full: cannot write: No space left on device" "$tmp/fp.err"; then
    ok "--flows-out /dev/full: exit 74 with the reason, /dev/full still a device"
else
    bad "--flows-out /dev/full: exit $c"; cat "$tmp/fp.err"
fi
fp_run -o r.h5
cp "$tmp/r.h5" "$tmp/r0.h5"
"$bin" report "$tmp/r.h5" -o "$tmp/./r.h5" --force >/dev/null 2>"$tmp/fp.err"
c=$?
"$bin" report "$tmp/r.h5" -o "$tmp/t.md" >/dev/null 2>/dev/null
"$bin" report "$tmp/r.h5" -o "$tmp/t.md" >/dev/null 2>"$tmp/fp.err2"
c2=$?
"$bin" report "$tmp/r.h5" -o "$tmp/t.md" --force >/dev/null 2>/dev/null
c3=$?
if [ $c -eq 64 ] && cmp -s "$tmp/r.h5" "$tmp/r0.h5" && grep -q "names a result this report reads" "$tmp/fp.err" &&
    [ $c2 -eq 73 ] && grep -q "t.md: already exists (use --force to overwrite it)" "$tmp/fp.err2" && [ $c3 -eq 0 ]; then
    ok "report -o naming its result: exit 64, result untouched; an existing table only with --force"
else
    bad "report -o: $c (result), $c2 (existing), $c3 (--force)"; cat "$tmp/fp.err" "$tmp/fp.err2"
fi

# 13b. An output that is a symbolic link to a file is written through it, with --force: the link
#     stays and its target gets the result (rename onto the link replaced the link itself and left
#     the old result at the target).
mkdir -p "$tmp/keep"
echo old >"$tmp/keep/t.h5"
echo old >"$tmp/keep/f.csv"
ln -s keep/t.h5 "$tmp/lt.h5"
ln -s keep/f.csv "$tmp/lf.csv"
fp_run -o lt.h5 --flows-out lf.csv --force
c=$?
if [ $c -eq 0 ] && [ -L "$tmp/lt.h5" ] && [ -L "$tmp/lf.csv" ] &&
    "$bin" info "$tmp/lt.h5" 2>/dev/null | grep -q "complete, verified" &&
    head -1 "$tmp/keep/f.csv" | grep -q "^id,src,dst,bytes,start_time,finish_time$"; then
    ok "outputs that are links to files, with --force: written through the links, the links kept"
else
    bad "outputs that are links: exit $c"; cat "$tmp/fp.err"; ls -l "$tmp/lt.h5" "$tmp/lf.csv" "$tmp/keep"
fi

# 14. A batch whose -o is a file is refused before any run (it was 4 runs failing to start and
#     exit 70); --policy on a scenario without centers is warned about (it changes nothing, and
#     its runs record the policy "none").
cp "$src/scenarios/tiny.xml" "$tmp/tiny.xml"
cat >"$tmp/e14.xml" <<XML
<experiment version="1">
  <scenario file="tiny.xml"/>
  <policy name="random"/>
  <seeds first="1" count="2"/>
</experiment>
XML
: >"$tmp/afile"
(cd "$tmp" && exec "$bin" --quiet batch e14.xml -o afile) >"$tmp/b14.out" 2>"$tmp/b14.err"
c=$?
if [ $c -eq 73 ] && [ ! -s "$tmp/afile" ] && [ "$(wc -l <"$tmp/b14.err")" -eq 1 ] &&
    grep -q "afile: is not a directory (the results go into a folder" "$tmp/b14.err"; then
    ok "batch -o naming a file: exit 73, one line, nothing run"
else
    bad "batch -o naming a file: exit $c"; cat "$tmp/b14.err"
fi
"$bin" --quiet run "$tmp/tiny.xml" --policy random >/dev/null 2>"$tmp/p14.err"
c=$?
if [ $c -eq 0 ] && grep -q "warning: --policy random changes nothing: the scenario has no centers" "$tmp/p14.err"; then
    ok "--policy on a scenario without centers: warned, exit 0"
else
    bad "--policy on a scenario without centers: exit $c"; cat "$tmp/p14.err"
fi
# Likewise --flows-out of a scenario without <traffic> (national.xml: its 9e5 flows are its jobs'):
# only a header, said in a warning; tiny.xml's <traffic> gives its 4 rows without one.
"$bin" --quiet run "$national" --until 1h --flows-out "$tmp/f14.csv" >/dev/null 2>"$tmp/f14.err"
c=$?
"$bin" --quiet run "$tmp/tiny.xml" --flows-out "$tmp/f14b.csv" >/dev/null 2>"$tmp/f14b.err"
c2=$?
if [ $c -eq 0 ] && [ "$(wc -l <"$tmp/f14.csv")" -eq 1 ] &&
    grep -q "warning: --flows-out .*f14.csv lists the flows of <traffic>, and this scenario has none" "$tmp/f14.err" &&
    [ $c2 -eq 0 ] && [ "$(wc -l <"$tmp/f14b.csv")" -eq 5 ] && [ ! -s "$tmp/f14b.err" ]; then
    ok "--flows-out without <traffic>: a header only, warned; with it: its rows, no warning"
else
    bad "--flows-out without <traffic>: exit $c, $c2"; cat "$tmp/f14.err" "$tmp/f14b.err"
fi

# 15. Results that are no trace: a FIFO (opening it waited for a writer for ever), a folder, a
#     text file (was exit 66 with HDF5's "file signature not found").
mkfifo "$tmp/r15.h5"
echo "id,src" >"$tmp/r15.csv"
timeout 20 "$bin" info "$tmp/r15.h5" >/dev/null 2>"$tmp/i15.err"
c=$?
timeout 20 "$bin" report "$tmp" >/dev/null 2>"$tmp/i15b.err"
c2=$?
"$bin" info "$tmp/r15.csv" >/dev/null 2>"$tmp/i15c.err"
c3=$?
if [ $c -eq 66 ] && grep -q "r15.h5: not a regular file (a folder, a device or a FIFO" "$tmp/i15.err" &&
    [ $c2 -eq 66 ] && grep -q "not a regular file" "$tmp/i15b.err" &&
    [ $c3 -eq 65 ] && grep -q "r15.csv: not an HDF5 file (no HDF5 signature" "$tmp/i15c.err"; then
    ok "info/report of a FIFO or a folder: exit 66 at once; of a text file: exit 65, not HDF5"
else
    bad "info of a FIFO ($c), report of a folder ($c2), info of a text file ($c3)"
    cat "$tmp/i15.err" "$tmp/i15b.err" "$tmp/i15c.err"
fi

# 16. An interrupted run keeps its text outputs as NAME.partial, as its trace (nothing under a
#     final name unless complete); a rerun does not replace them without --force; a complete run
#     with --force writes the final names and removes them.  (national.xml with its generators x10
#     runs for about a minute: interrupted one second after its trace appears.)
x10="--set generator/hpc-batch@rate=2400/h --set generator/cloud-vm@rate=3000/h"
# shellcheck disable=SC2086
"$bin" run "$national" $x10 -o "$tmp/i16.h5" --summary-out "$tmp/i16.tsv" --flows-out "$tmp/i16.csv" \
    >/dev/null 2>"$tmp/i16.err" &
pid=$!
wait_for "$tmp/i16.h5.partial"
sleep 1
kill -INT $pid
wait $pid
c=$?
kept=0
grep -q "^run.complete	0	" "$tmp/i16.tsv.partial" 2>/dev/null && kept=1
"$bin" --quiet run "$national" --until 1h --summary-out "$tmp/i16.tsv" >/dev/null 2>"$tmp/i16b.err"
c2=$?
"$bin" --quiet run "$national" --until 1h --summary-out "$tmp/i16.tsv" --force >/dev/null 2>/dev/null
c3=$?
if [ $c -eq 130 ] && [ -e "$tmp/i16.h5.partial" ] && [ -e "$tmp/i16.csv.partial" ] &&
    [ $kept -eq 1 ] && [ ! -e "$tmp/i16.csv" ] &&
    grep -q "its outputs are kept as $tmp/i16.tsv.partial and $tmp/i16.csv.partial" "$tmp/i16.err" &&
    [ $c2 -eq 73 ] && grep -q "i16.tsv.partial: exists, left by a run that did not reach its end" "$tmp/i16b.err" &&
    [ $c3 -eq 0 ] && grep -q "^run.complete	1	" "$tmp/i16.tsv" && [ ! -e "$tmp/i16.tsv.partial" ]; then
    ok "an interrupted run keeps NAME.partial for its text outputs; replaced only with --force"
else
    bad "interrupted text outputs: exit $c, rerun $c2, --force $c3"; cat "$tmp/i16.err" "$tmp/i16b.err"
    ls "$tmp" | grep i16
fi

# 17. A run killed by SIGKILL (no chance to clean up) leaves nothing of its text outputs: they
#     have no name until they are complete (O_TMPFILE, output/atomic.h), so the folder shows
#     nothing while --flows-out is written during the run, nor after the kill (a named
#     temporary file, f.csv.tmp.XXXXXX, stayed there before).
mkdir "$tmp/k17"
if ! python3 -c "import os, sys; os.close(os.open(sys.argv[1], os.O_TMPFILE | os.O_WRONLY))" \
        "$tmp/k17" 2>/dev/null; then
    echo "SKIP: case 17: the file system of $tmp has no O_TMPFILE (the outputs take a named temporary file there)"
else
    (cd "$src/tests/scenarios/ok" && exec "$bin" --quiet run flow-paths.xml \
        --set "flows@file=$tmp/big0.csv" --set flows@stream=yes --set simulation@until=50000s \
        --summary-out "$tmp/k17/s.tsv" --flows-out "$tmp/k17/f.csv") >/dev/null 2>"$tmp/k17.err" &
    pid=$!
    i=0 # until the run has opened --flows-out (/proc shows it: k17/#INODE (deleted))
    while ! ls -l /proc/$pid/fd 2>/dev/null | grep -q "k17/#" && [ $i -lt 600 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    during=$(ls -A "$tmp/k17") # (at once: a fast machine may end the run within a second)
    kill -9 $pid 2>/dev/null
    wait $pid
    c=$?
    after=$(ls -A "$tmp/k17")
    if [ $i -lt 600 ] && [ $c -eq 137 ] && [ -z "$during" ] && [ -z "$after" ]; then
        ok "a run killed by SIGKILL leaves no temporary file of its text outputs (none shown during the run)"
    else
        bad "SIGKILL: waited $i, exit $c; during the run: '$during'; after: '$after'"; cat "$tmp/k17.err"
    fi
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
