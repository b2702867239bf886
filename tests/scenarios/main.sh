#!/bin/sh
# Whole-run tests of the main scenarios (issue 8): national.xml and chinanet.xml in a shortened
# form (--until), checking that the run completes, the trace is complete, and invariants of the
# summary hold (no utilisation above 1, every job counted once); and the policy experiment with
# 2 seeds on a short horizon.  Exit 0 pass, 1 fail.
set -u
bin=$(cd "${CPN_BUILDDIR:-.}" && pwd)/cpnsim
src=${CPN_SRCDIR:-$(dirname "$0")/../..}
data=${CPN_DATADIR:-$src/../shared/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }

# check_run NAME TSV TRACE: the invariants every run must satisfy.
check_run() {
    name=$1 tsv=$2 trace=$3
    [ -f "$trace" ] && [ ! -f "$trace.partial" ] || { bad "$name: no complete trace"; return; }
    "$bin" info "$trace" | grep -q ", complete, verified$" || { bad "$name: trace not marked complete"; return; }
    awk -F'\t' -v name="$name" '
        $1 == "run.complete" && $2 != 1 { print name ": run.complete = " $2; bad = 1 }
        ($1 ~ /util$/ || $1 ~ /link_util/) && $2 != "nan" && ($2 < 0 || $2 > 1 + 1e-9) {
            print name ": " $1 " = " $2 " outside [0, 1]"; bad = 1 }
        $1 == "job.all.count" { count = $2 }
        $1 == "job.all.completed" { done = $2 }
        $1 == "job.all.rejected" { rej = $2 }
        $1 == "job.all.failed" { failed = $2 }
        END {
            if (count == "" || count + 0 <= 0) { print name ": no job ended"; bad = 1 }
            if (done + rej + failed != count) { print name ": completed + rejected + failed != count"; bad = 1 }
            exit bad }' "$tsv" && ok "$name: complete trace, utilisation in [0,1], every job counted once" ||
        bad "$name: summary invariants"
}

# national.xml, first 12 simulated hours.
if "$bin" --quiet run "$src/scenarios/national.xml" --until 12h -o "$tmp/national.h5" \
        --summary-out "$tmp/national.tsv" >"$tmp/national.log" 2>&1; then
    check_run national "$tmp/national.tsv" "$tmp/national.h5"
else
    bad "national.xml --until 12h exited $?"; cat "$tmp/national.log"
fi

# Random failures (ok/national-failures.xml: national.xml's optical links fail after exp(1d)
# and come back after exp(2h), each on its own stream): the same seed gives the same run, and the
# jobs that arrive are those of national.xml without failures (same counts of every kind).
if "$bin" --quiet run "$src/tests/scenarios/ok/national-failures.xml" --until 12h \
        --summary-out "$tmp/fail1.tsv" >/dev/null 2>"$tmp/fail.err" &&
        "$bin" --quiet run "$src/tests/scenarios/ok/national-failures.xml" --until 12h \
        --summary-out "$tmp/fail2.tsv" >/dev/null 2>>"$tmp/fail.err"; then
    grep '^job\..*\.submitted' "$tmp/national.tsv" >"$tmp/sub0"
    grep '^job\..*\.submitted' "$tmp/fail1.tsv" >"$tmp/sub1"
    down=$(grep -c '^link\..*\.availability' "$tmp/fail1.tsv")
    if cmp -s "$tmp/fail1.tsv" "$tmp/fail2.tsv" && cmp -s "$tmp/sub0" "$tmp/sub1" && [ "$down" -gt 0 ]; then
        ok "random failures: same seed, same run; the same arrivals as without failures ($down links failed)"
    else
        bad "random failures: runs differ, arrivals differ, or no link failed ($down)"; diff "$tmp/sub0" "$tmp/sub1"
    fi
else
    bad "national-failures.xml exited $?"; cat "$tmp/fail.err"
fi

# The embedded default scenario is national.xml: same seed, same summary.
if "$bin" --quiet run --until 12h --summary-out "$tmp/default.tsv" >/dev/null 2>&1 &&
        cmp -s "$tmp/default.tsv" "$tmp/national.tsv"; then
    ok "the default scenario is national.xml (identical summary)"
else
    bad "the default scenario differs from national.xml"
fi

# A drain: no arrival after until, then on until every job that arrived has ended (at most
# the drain).  The same jobs arrive as without it; none is left unfinished; the run ends at
# the last end, after until and before until + drain.  A drain too short to finish them ends
# at until + drain with jobs unfinished.
val() { awk -v m="$1" '$1 == m { print $2 }' "$2"; }
"$bin" --quiet run "$src/scenarios/national.xml" --until 6h --summary-out "$tmp/nodrain.tsv" >/dev/null 2>&1
"$bin" --quiet run "$src/scenarios/national.xml" --until 6h --set simulation@drain=30d \
    --summary-out "$tmp/drain.tsv" >/dev/null 2>&1
"$bin" --quiet run "$src/scenarios/national.xml" --until 6h --set simulation@drain=1min \
    --summary-out "$tmp/short.tsv" >/dev/null 2>&1
if [ -n "$(val job.all.submitted "$tmp/drain.tsv")" ] &&
        [ "$(val job.all.submitted "$tmp/drain.tsv")" = "$(val job.all.submitted "$tmp/nodrain.tsv")" ] &&
        [ "$(val job.all.unfinished "$tmp/drain.tsv")" = 0 ] &&
        [ "$(val job.all.unfinished "$tmp/nodrain.tsv")" -gt 0 ] &&
        awk -v t="$(val run.time_end "$tmp/drain.tsv")" 'BEGIN { exit !(t > 21600 && t < 21600 + 30 * 86400) }' &&
        [ "$(val run.time_end "$tmp/short.tsv")" = 21660 ] && [ "$(val job.all.unfinished "$tmp/short.tsv")" -gt 0 ] &&
        [ "$(val run.complete "$tmp/drain.tsv")" = 1 ]; then
    ok "drain: $(val job.all.submitted "$tmp/drain.tsv") jobs arrive with and without it, none unfinished, the run ends at t = $(val run.time_end "$tmp/drain.tsv") s"
else
    bad "drain: submitted $(val job.all.submitted "$tmp/drain.tsv") vs $(val job.all.submitted "$tmp/nodrain.tsv"), unfinished $(val job.all.unfinished "$tmp/drain.tsv"), end $(val run.time_end "$tmp/drain.tsv"); short: end $(val run.time_end "$tmp/short.tsv")"
fi

# The end-of-run line counts the flows the jobs started and every finished flow (net.flows).
"$bin" run "$src/scenarios/national.xml" --until 2h --summary full >"$tmp/line.out" 2>/dev/null
finished=$(awk '$1 == "net.flows" { print $2 }' "$tmp/line.out")
if [ -n "$finished" ] && [ "$finished" -gt 0 ] &&
        head -1 "$tmp/line.out" | grep -q "flows: 0 given, [0-9]* started by jobs, $finished finished$"; then
    ok "end-of-run line: flows started by jobs and $finished finished, as net.flows"
else
    bad "end-of-run line: $(head -1 "$tmp/line.out")"
fi

# Same seed, same program: the same datasets, bit for bit.
if "$bin" --quiet run "$src/scenarios/national.xml" --until 12h -o "$tmp/again.h5" >/dev/null 2>&1 &&
        h5diff "$tmp/national.h5" "$tmp/again.h5" /jobs /jobs >/dev/null 2>&1 &&
        h5diff "$tmp/national.h5" "$tmp/again.h5" /flows /flows >/dev/null 2>&1 &&
        h5diff "$tmp/national.h5" "$tmp/again.h5" /summary /summary >/dev/null 2>&1; then
    ok "national.xml twice with the same seed: identical /jobs, /flows and /summary"
else
    bad "national.xml is not reproducible"
fi

# An existing result is never overwritten without --force (exit 73, file untouched).
cp "$tmp/national.h5" "$tmp/keep.h5"
"$bin" --quiet run "$src/scenarios/national.xml" --until 1h -o "$tmp/national.h5" >/dev/null 2>&1
code=$?
if [ "$code" -eq 73 ] && cmp -s "$tmp/national.h5" "$tmp/keep.h5"; then
    ok "run -o on an existing file: exit 73, the file is untouched"
else
    bad "run -o on an existing file: exit $code"
fi

# SIGINT mid-run: exit 130, the trace is kept as .partial with complete = 0 and is readable.
# (60 simulated days: long enough, about 20 s, to be running when the signal comes.)
"$bin" --quiet run "$src/scenarios/national.xml" --until 60d -o "$tmp/stopped.h5" >/dev/null 2>&1 &
pid=$!
sleep 1
kill -INT "$pid" 2>/dev/null
wait "$pid"
code=$?
if [ "$code" -eq 130 ] && [ -f "$tmp/stopped.h5.partial" ] && [ ! -f "$tmp/stopped.h5" ] &&
        "$bin" info "$tmp/stopped.h5.partial" | grep -q "INCOMPLETE"; then
    ok "SIGINT mid-run: exit 130, readable stopped.h5.partial with complete = 0"
else
    bad "SIGINT mid-run: exit $code"; ls "$tmp"
fi

# chinanet.xml needs the shared data.
if [ -f "$data/topologies/Chinanet.graphml" ] && [ -f "$data/traces/gpu/philly.csv" ]; then
    if "$bin" --quiet run "$src/scenarios/chinanet.xml" --until 1d -o "$tmp/chinanet.h5" \
            --summary-out "$tmp/chinanet.tsv" \
            --set "import@graphml=$data/topologies/Chinanet.graphml" \
            --set "trace/sdsc@file=$data/traces/swf/SDSC-SP2-1998-4.2-cln.swf.gz" \
            --set "trace/philly@file=$data/traces/gpu/philly.csv" \
            --set "trace/chat@file=$data/traces/inference/AzureLLMInferenceTrace_conv.csv" \
            >"$tmp/chinanet.log" 2>&1; then
        check_run chinanet "$tmp/chinanet.tsv" "$tmp/chinanet.h5"
    else
        bad "chinanet.xml --until 1d exited $?"; cat "$tmp/chinanet.log"
    fi
else
    echo "SKIP: chinanet.xml: the shared data ($data) is absent"
fi

# Streamed workload logs (docs/scenario-format.md, "Streamed workload logs"): a job log read
# again during the run gives the same run, bit for bit, as the same log loaded: summary and the
# trace's jobs (their origins too: weighted draws and by-group maps).  A synthetic SWF of 3,000
# jobs in time order, two traces over it (origins weighted 2:1 and by partition), jobs that
# move input bytes over links of different latencies; then the shared SWF replays.  Its first
# record is a job cancelled before it ran (counted, not replayed): it must not move the time
# origin, the first kept job's submit time (a scan once took 0 there, found by fuzzing, so that
# streamed jobs came 7 s late).
awk 'BEGIN { print "; UnixStartTime: 1000000000"; print "; Partition: 1 east"; print "; Partition: 2 west"
    print "0 5 -1 -1 -1 -1 -1 -1 -1 -1 5 1 1 -1 -1 1 -1 -1"
    for (i = 1; i <= 3000; i++)
        printf "%d %d -1 %d %d -1 -1 %d %d -1 1 1 1 -1 -1 %d -1 -1\n", i, int(i * 7.3), 30 + (i * 37) % 900,
            1 + i % 8, 1 + i % 8, 1200, 1 + i % 3 }' >"$tmp/ws.swf"
cat >"$tmp/ws.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<cpnsim version="1">
  <simulation until="6h" seed="7"/>
  <topology>
    <node id="a"/> <node id="b"/> <node id="c"/>
    <link id="a-b" a="a" b="b" capacity="10Gbps" latency="1ms"/>
    <link id="b-c" a="b" b="c" capacity="10Gbps" latency="20ms"/>
  </topology>
  <centers>
    <center id="cb" node="b" queue="easy"><pool units="16" per-unit="1GFLOPS" accelerator="cpu"/></center>
    <center id="cc" node="c" queue="easy"><pool units="16" per-unit="1GFLOPS" accelerator="cpu"/></center>
  </centers>
  <workload>
    <trace id="w" format="swf" file="ws.swf" origins="weighted" ref-speed="1GFLOPS" accelerator="cpu"
           bytes-in="uniform(1GB,5GB)" window-start="100s" max-jobs="2000">
      <map node="a" weight="2"/> <map node="c" weight="1"/>
    </trace>
    <trace id="g" format="swf" file="ws.swf" origins="by-group" origin="b" ref-speed="1GFLOPS"
           accelerator="cpu" bytes-in="const(1GB)" time-scale="2">
      <map group="east" node="a"/> <map group="west" node="c"/>
    </trace>
  </workload>
</cpnsim>
XML
for m in no yes; do
    "$bin" --quiet run "$tmp/ws.xml" --set "trace/w@stream=$m" --set "trace/g@stream=$m" \
        --summary-out "$tmp/ws-$m.tsv" -o "$tmp/ws-$m.h5" --trace-level jobs >/dev/null 2>"$tmp/ws-$m.err" ||
        echo "  stream=$m: exit $?"
    h5dump -d /jobs "$tmp/ws-$m.h5" 2>/dev/null | grep -v 'HDF5 "' >"$tmp/ws-$m.jobs"
done
# validate says what the run will read: w keeps jobs 15..3000 (submit int(7.3 i) at least 100 s
# after the first kept, int(7.3) = 7: i >= 15), cut to max-jobs 2000; g all 3000.  The log's
# rows are counted by both traces, the cancelled one too: 2 x 3001.
"$bin" validate "$tmp/ws.xml" --set trace/w@stream=yes --set trace/g@stream=yes >"$tmp/ws-val.out" 2>&1
if cmp -s "$tmp/ws-no.tsv" "$tmp/ws-yes.tsv" && cmp -s "$tmp/ws-no.jobs" "$tmp/ws-yes.jobs" &&
    grep -q "ws.xml: valid (5000 jobs read during the run from 2 workload logs)" "$tmp/ws-val.out" &&
    [ "$(wc -l <"$tmp/ws-yes.jobs")" -gt 1000 ] &&
    awk -F'\t' '$1 == "job.all.log_rows" && $2 == 6002 { ok = 1 } END { exit !ok }' "$tmp/ws-yes.tsv"; then
    ok "streamed workload logs (weighted and by-group origins, window, max-jobs, scale) run bit-identically to loaded ones"
else
    bad "streamed workload logs differ from loaded ones"; cat "$tmp/ws-yes.err"; diff "$tmp/ws-no.tsv" "$tmp/ws-yes.tsv" | head
fi
# Not in time order: stream="yes" is refused at load with the file named; auto loads it.
awk 'NR == 1000 { a = $0; next } NR == 1001 { print; print a; next } { print }' "$tmp/ws.swf" >"$tmp/ws-unsorted.swf"
"$bin" validate "$tmp/ws.xml" --set "trace/w@file=ws-unsorted.swf" --set "trace/w@stream=yes" \
    >/dev/null 2>"$tmp/wsu.err"
c1=$?
"$bin" validate "$tmp/ws.xml" --set "trace/w@file=ws-unsorted.swf" >/dev/null 2>"$tmp/wsu2.err"
c2=$?
if [ $c1 -eq 65 ] && [ $c2 -eq 0 ] &&
    grep -q 'ws.xml:[0-9]*: trace "w": stream="yes", but the kept records of "ws-unsorted.swf" are not in time order' "$tmp/wsu.err"; then
    ok "a workload log out of time order: stream=\"yes\" refused at load (exit 65), loaded otherwise"
else
    bad "stream=\"yes\" over an unsorted log: exit $c1 / $c2"; cat "$tmp/wsu.err" "$tmp/wsu2.err"
fi
# A request log is always loaded: stream="yes" on one is a located error.
if [ -f "$data/traces/inference/AzureLLMInferenceTrace_conv.csv" ]; then
    (cd "$src/tests/scenarios/ok" && exec "$bin" validate traces.xml \
        --set "trace/chat@file=$data/traces/inference/AzureLLMInferenceTrace_conv.csv" \
        --set "trace/sdsc@file=$data/traces/swf/SDSC-SP2-1998-4.2-cln.swf.gz" \
        --set "trace/philly@file=$data/traces/gpu/philly.csv" --set trace/chat@stream=yes) \
        >/dev/null 2>"$tmp/wsa.err"
    c=$?
    if [ $c -eq 65 ] && grep -q 'traces.xml:[0-9]*: trace "chat": stream="yes": a request log (format azure) is always loaded' "$tmp/wsa.err"; then
        ok "stream=\"yes\" on a request log: a located error, exit 65"
    else
        bad "stream=\"yes\" on a request log: exit $c"; cat "$tmp/wsa.err"
    fi
fi
for f in SDSC-SP2-1998-4.2-cln LCG; do
    [ -f "$data/traces/swf/$f.swf.gz" ] || { echo "SKIP: streamed $f: the shared data ($data) is absent"; continue; }
    x=$(echo "$f" | sed 's/-SP2.*//' | tr 'A-Z' 'a-z')
    for m in no yes; do
        (cd "$src/scenarios/replay" && exec "$bin" --quiet run "$x.xml" --set "trace/$x@file=$data/traces/swf/$f.swf.gz" \
            --set "trace/$x@stream=$m" --summary-out "$tmp/$x-$m.tsv") >/dev/null 2>"$tmp/$x-$m.err" ||
            echo "  $x stream=$m: exit $?"
    done
    if cmp -s "$tmp/$x-no.tsv" "$tmp/$x-yes.tsv" && [ -s "$tmp/$x-yes.tsv" ]; then
        ok "scenarios/replay/$x.xml streamed runs bit-identically to loaded"
    else
        bad "scenarios/replay/$x.xml streamed differs"; cat "$tmp/$x-yes.err"
    fi
done

# Bad experiment files: every mistake located, exit 65, no run started.
here=$src/tests/scenarios/bad-experiments
for name in mistakes table-mistakes; do
    (cd "$here" && exec "$bin" batch $name.xml -o "$tmp/never") >/dev/null 2>"$tmp/$name.err"
    code=$?
    if [ "$code" -eq 65 ] && cmp -s "$tmp/$name.err" "$here/$name.expected" && [ ! -d "$tmp/never" ]; then
        ok "bad experiment file $name.xml: exit 65, every mistake at its line, no run started"
    else
        bad "bad experiment file $name.xml: exit $code"; diff "$tmp/$name.err" "$here/$name.expected"
    fi
done

# A replay without until (tests/scenarios/ok/replay-window.xml: the seven rows of
# ok/data/window.swf on 128 processors, FCFS, jobs killed at their requested time): it runs
# over the log's span and drains; the window opens at the 100 s warmup and closes when the last
# job ends.  By hand: jobs 0-3600 s (64 procs), 60-660 (8), 120-1920 (32), row 4 skipped (run
# time -1), 300-1300 (16, killed at its requested 1000 s), 3600-3700 (128, waited 600 s),
# 90000-90060 (1).  The two submitted before 100 s are left out: 4 submitted, 3 done, 1 failed;
# JCT {1800, 700, 60}: mean 853.33 s; waits {0, 0, 600, 0}: 150 s; bsld {1, 1, 7, 1}: 2.5.
# Busy in [100, 90060]: 64 x 3500 + 8 x 560 + 32 x 1800 + 16 x 1000 + 128 x 100 + 60 = 314,940
# unit s: util 314940 / (128 x 89960), energy 100 W x 314,940 s.
# With until = 3650 s (given: no drain), the 128-processor job is still running: 3 submitted in
# the window, 2 ended, 1 unfinished; busy in [100, 3650] 308,480 unit s: util 308480 / (128 x 3550).
# Rows: 7 = 6 replayed + 1 unknown run time; with until = 3650 s, 5 + 1 + 1 after until.
check_window() { # TSV AWK-CONDITIONS...
    tsv=$1
    shift
    awk -F'\t' "function near(v, want) { return v - want <= 1e-9 * want && want - v <= 1e-9 * want }
        $*
        END { exit bad }" "$tsv"
}
if (cd "$src/tests/scenarios/ok" && "$bin" --quiet run replay-window.xml \
        --summary-out "$tmp/window.tsv" && "$bin" --quiet run replay-window.xml \
        --set simulation@until=3650s --summary-out "$tmp/window-until.tsv") >/dev/null 2>"$tmp/window.err"; then
    if check_window "$tmp/window.tsv" '
        $1 == "run.window_start" && $2 != 100 { bad = 1 }
        $1 == "run.window_end" && $2 != 90060 { bad = 1 }
        $1 == "run.time_end" && $2 != 90060 { bad = 1 }
        $1 == "job.all.submitted" && $2 != 4 { bad = 1 }
        $1 == "job.all.completed" && $2 != 3 { bad = 1 }
        $1 == "job.all.failed" && $2 != 1 { bad = 1 }
        $1 == "job.all.unfinished" && $2 != 0 { bad = 1 }
        $1 == "job.all.skipped.unknown_runtime" && $2 != 1 { bad = 1 }
        $1 == "job.all.log_rows" && $2 != 7 { bad = 1 }
        $1 == "job.all.log_replayed" && $2 != 6 { bad = 1 }
        $1 == "job.all.jct.mean" && !near($2, 2560 / 3) { bad = 1 }
        $1 == "job.all.wait.mean" && $2 != 150 { bad = 1 }
        $1 == "job.all.bsld.mean" && !near($2, 2.5) { bad = 1 }
        $1 == "center.hpc.util" && !near($2, 314940 / (128 * 89960)) { bad = 1 }
        $1 == "center.hpc.energy" && !near($2, 31494000) { bad = 1 }' &&
        check_window "$tmp/window-until.tsv" '
        $1 == "run.window_end" && $2 != 3650 { bad = 1 }
        $1 == "job.all.submitted" && $2 != 3 { bad = 1 }
        $1 == "job.all.count" && $2 != 2 { bad = 1 }
        $1 == "job.all.unfinished" && $2 != 1 { bad = 1 }
        $1 == "job.all.skipped.after_until" && $2 != 1 { bad = 1 }
        $1 == "job.all.log_replayed" && $2 != 5 { bad = 1 }
        $1 == "center.hpc.util" && !near($2, 308480 / (128 * 3550)) { bad = 1 }'; then
        ok "replay window by hand: warmup, the log's span and a drain, a killed job, a skipped row, an unfinished job, every row counted"
    else
        bad "replay window: summary differs from the hand values"; cat "$tmp/window.tsv" "$tmp/window-until.tsv"
    fi
else
    bad "replay-window.xml exited $?"; cat "$tmp/window.err"
fi

# Timelines (docs/models-dynamics.md).  ok/timeline-stall.xml: a flow stalls while its link is
# down and follows its capacity changes: it ends at 16.02 s (by hand in the file); the changes
# are /events (2 link events, 2 others); the link's availability is 1 - 3 s / 3600 s.  ok/greenest-hourly.xml: an hourly carbon table moves
# greenest's choice at 10:00: 200 busy unit s at a (the jobs before), 2000 at b (after); a's
# carbon 20,000 J x 0.2 kg/kWh.
if (cd "$src/tests/scenarios/ok" && "$bin" --quiet run timeline-stall.xml -o "$tmp/stall.h5" \
        --trace-level full --flows-out "$tmp/stall.csv" --summary-out "$tmp/stall.tsv" &&
        "$bin" --quiet run greenest-hourly.xml --summary-out "$tmp/green.tsv") >/dev/null 2>"$tmp/tl.err"; then
    end=$(awk -F, 'NR == 2 { print $6 }' "$tmp/stall.csv")
    events=$(h5dump -d /events "$tmp/stall.h5" 2>/dev/null | grep -c -E 'link_down|link_up|other,$')
    if awk -v e="$end" 'BEGIN { exit !(e - 16.02 < 1e-9 && 16.02 - e < 1e-9) }' &&
        h5dump -d /events "$tmp/stall.h5" | grep -q 'DATASPACE  SIMPLE { ( 4 )' &&
        [ "$(h5dump -d /events "$tmp/stall.h5" | grep -c -E '^ *link_(down|up),$')" -eq 2 ] &&
        check_window "$tmp/stall.tsv" '$1 == "link.a-b.availability" && !near($2, 1 - 3 / 3600) { bad = 1 }
            $1 == "link.a-b.availability" { seen = 1 } END { bad = bad || !seen }' &&
        check_window "$tmp/green.tsv" '
        $1 == "center.a.energy" && !near($2, 20000) { bad = 1 }
        $1 == "center.b.energy" && !near($2, 200000) { bad = 1 }
        $1 == "center.a.carbon" && !near($2, 20000 / 3.6e6 * 0.2) { bad = 1 }
        $1 == "center.b.carbon" && !near($2, 200000 / 3.6e6 * 0.4) { bad = 1 }'; then
        ok "timelines: a flow stalls and resumes (ends at 16.02 s); hourly carbon moves greenest at 10:00"
    else
        bad "timelines: flow ends at $end, $events events"; cat "$tmp/green.tsv"
    fi
else
    bad "timeline scenarios exited $?"; cat "$tmp/tl.err"
fi

# A center failure with checkpoints (ok/center-failure.xml): the 10 h job keeps 3 h, loses
# 0.5 h (1800 unit s) and ends on the other center at 37,800 s; utilisation over the window
# (to the last end): 12,600 / 37,800 at the failed center, 25,200 / 37,800 at the other.
if (cd "$src/tests/scenarios/ok" && "$bin" --quiet run center-failure.xml \
        --summary-out "$tmp/cfail.tsv") >/dev/null 2>"$tmp/cfail.err" &&
    check_window "$tmp/cfail.tsv" '
        $1 == "job.all.requeued" && $2 != 1 { bad = 1 }
        $1 == "job.all.lost_work" && !near($2, 1800) { bad = 1 }
        $1 == "job.all.completed" && $2 != 1 { bad = 1 }
        $1 == "job.all.jct.mean" && !near($2, 37800) { bad = 1 }
        $1 == "center.near.util" && !near($2, 1 / 3) { bad = 1 }
        $1 == "center.far.util" && !near($2, 2 / 3) { bad = 1 }
        $1 == "center.near.availability" && !near($2, 1 - 5400 / 37800) { bad = 1 }'; then
    ok "center failure: 3 h kept by checkpoints, 1800 unit s lost, the job ends elsewhere at 37,800 s"
else
    bad "center failure: summary differs from the hand values"; cat "$tmp/cfail.err" "$tmp/cfail.tsv"
fi

# The same failure drawn by <failures centers=...> with constant MTBF 3.5 h and MTTR 1.5 h
# (ok/center-failure-random.xml): the same job figures.
if (cd "$src/tests/scenarios/ok" && "$bin" --quiet run center-failure-random.xml \
        --summary-out "$tmp/cfail2.tsv") >/dev/null 2>"$tmp/cfail2.err" &&
    check_window "$tmp/cfail2.tsv" '
        $1 == "job.all.requeued" && $2 != 1 { bad = 1 }
        $1 == "job.all.lost_work" && !near($2, 1800) { bad = 1 }
        $1 == "job.all.jct.mean" && !near($2, 37800) { bad = 1 }'; then
    ok "random center failures (constant MTBF/MTTR): the same figures as the timeline"
else
    bad "random center failures: summary differs"; cat "$tmp/cfail2.err" "$tmp/cfail2.tsv"
fi

# Fibre cuts under IP links (tests/scenarios/ok/span-cut.xml, computed there by hand): a link
# over two spans is down while either is cut (1 s to 5 s), a link over one of them only while
# it is (1 s to 3 s); mean rates 100 GB / 6.00294 s and 100 GB / 4.00147 s per 50 GB/s.
if (cd "$src/tests/scenarios/ok" && exec "$bin" --quiet run span-cut.xml \
        --summary-out "$tmp/span.tsv") >/dev/null 2>"$tmp/span.err" &&
    awk -F'\t' 'function near(v, want) { return v - want <= 1e-9 * want && want - v <= 1e-9 * want }
        $1 == "headline.f" { n++; if (!near($2, 100 / (6.00294 * 50))) bad = 1 }
        $1 == "headline.g" { n++; if (!near($2, 100 / (4.00147 * 50))) bad = 1 }
        $1 == "link.ab.availability" { n++; if (!near($2, 1 - 4 / 3600)) bad = 1 }
        $1 == "link.am.availability" { n++; if (!near($2, 1 - 2 / 3600)) bad = 1 }
        END { exit bad || n != 4 }' "$tmp/span.tsv"; then
    ok "fibre cuts: a link is down while any span under it is cut"
else
    bad "fibre cuts under IP links"; cat "$tmp/span.err" "$tmp/span.tsv"
fi

# Random fibre cuts (tests/scenarios/ok/span-failures.xml): the same seed gives the same run;
# the two links over the cut span are down together (equal availability below 1), the link
# over the other span never.
if (cd "$src/tests/scenarios/ok" && "$bin" --quiet run span-failures.xml --summary-out "$tmp/sf1.tsv" &&
        exec "$bin" --quiet run span-failures.xml --summary-out "$tmp/sf2.tsv") >/dev/null 2>"$tmp/sf.err" &&
    cmp -s "$tmp/sf1.tsv" "$tmp/sf2.tsv" &&
    awk -F'\t' '$1 == "link.ab.availability" { ab = $2 } $1 == "link.am.availability" { am = $2 }
        $1 == "link.mb.availability" { mb = 1 }
        END { exit !(ab != "" && ab == am && ab < 1 && !mb) }' "$tmp/sf1.tsv"; then
    ok "random fibre cuts: same seed, same run; the links over the span fail with it"
else
    bad "random fibre cuts"; cat "$tmp/sf.err" "$tmp/sf1.tsv"
fi

# A failed router (tests/scenarios/ok/node-down.xml, by hand there): its links go down with it
# and the flow moves to the direct link at once: done at 18.004 s; am and mb down 3 s of 3600.
if (cd "$src/tests/scenarios/ok" && exec "$bin" --quiet run node-down.xml \
        --summary-out "$tmp/node.tsv") >/dev/null 2>"$tmp/node.err" &&
    awk -F'\t' 'function near(v, want) { return v - want <= 1e-9 * want && want - v <= 1e-9 * want }
        $1 == "headline.fct" { n++; if (!near($2, 18.004)) bad = 1 }
        $1 == "link.am.availability" || $1 == "link.mb.availability" {
            n++; if (!near($2, 1 - 3 / 3600)) bad = 1 }
        $1 == "link.ab.availability" { bad = 1 }
        END { exit bad || n != 3 }' "$tmp/node.tsv"; then
    ok "a failed node takes its links down; its flow moves to the detour"
else
    bad "a failed node"; cat "$tmp/node.err" "$tmp/node.tsv"
fi

# A workload log in epoch seconds replayed from a date (tests/scenarios/ok/trace-dates.xml):
# one job kept, arriving at 3000 s, done at 3600 s.
if (cd "$src/tests/scenarios/ok" && exec "$bin" --quiet run trace-dates.xml \
        --summary-out "$tmp/dates.tsv") >/dev/null 2>"$tmp/dates.err" &&
    awk -F'\t' '$1 == "job.all.submitted" && $2 == 1 { n++ } $1 == "job.all.completed" && $2 == 1 { n++ }
        $1 == "job.all.jct.mean" && $2 == 600 { n++ } $1 == "run.time_end" && $2 == 3600 { n++ }
        END { exit n != 4 }' "$tmp/dates.tsv"; then
    ok "a workload log in epoch seconds, windowed by a date"
else
    bad "a workload log windowed by a date"; cat "$tmp/dates.err" "$tmp/dates.tsv"
fi

# A column-mapped CSV log (tests/scenarios/ok/trace-csv.xml, Helios columns): 2 jobs replayed
# (3600 s and 600 s: JCT mean 2100 s), 1 cancellation counted, 3 rows.
if (cd "$src/tests/scenarios/ok" && exec "$bin" --quiet run trace-csv.xml \
        --summary-out "$tmp/csv.tsv") >/dev/null 2>"$tmp/csv.err" &&
    awk -F'\t' '$1 == "job.all.submitted" && $2 == 2 { n++ } $1 == "job.all.jct.mean" && $2 == 2100 { n++ }
        $1 == "job.all.skipped.cancelled" && $2 == 1 { n++ } $1 == "job.all.log_rows" && $2 == 3 { n++ }
        END { exit n != 4 }' "$tmp/csv.tsv"; then
    ok "a column-mapped CSV log: its columns named in the scenario"
else
    bad "a column-mapped CSV log"; cat "$tmp/csv.err" "$tmp/csv.tsv"
fi

# Routes in a flow file (tests/scenarios/ok/flow-paths.xml, by hand there): the path column,
# the lowest-index route with a warning, ECMP by the flows' hashes.
fp_ok=1
for v in paths plain ecmp; do
    case $v in
    paths) set -- ; want=1.002 ;;
    plain) set -- --set flows@file=data/two-plain.csv; want=2.002 ;;
    ecmp) set -- --set flows@file=data/two-plain.csv --set flows@routing=ecmp; want=1.002 ;;
    esac
    if (cd "$src/tests/scenarios/ok" && exec "$bin" --quiet run flow-paths.xml "$@" \
            --summary-out "$tmp/fp-$v.tsv") >/dev/null 2>"$tmp/fp-$v.err" &&
        check_window "$tmp/fp-$v.tsv" "
            \$1 == \"net.fct.mean\" && !near(\$2, $want) { bad = 1 }
            \$1 == \"net.flows\" && \$2 != 2 { bad = 1 }
            \$1 == \"net.fct.mean\" { seen = 1 } END { bad = bad || !seen }"; then
        :
    else
        fp_ok=0
        echo "  $v: FCT mean, expected $want s"; cat "$tmp/fp-$v.err" "$tmp/fp-$v.tsv"
    fi
done
if [ $fp_ok = 1 ] && grep -q "warning: 2 of the file's 2 flows join nodes with several shortest routes" "$tmp/fp-plain.err" &&
    [ ! -s "$tmp/fp-paths.err" ] && [ ! -s "$tmp/fp-ecmp.err" ]; then
    ok "flow files: a path column (FCT 1.002 s), ties to the lowest index with a warning (2.002 s), ECMP by hash (1.002 s)"
else
    bad "routes of a flow file"; cat "$tmp/fp-plain.err"
fi

# Streamed flow files (docs/scenario-format.md, "Streamed flow files"): the same three runs of
# flow-paths.xml with stream="yes" give the same FCTs and the same warning.
st_ok=1
for v in paths plain ecmp; do
    case $v in
    paths) set -- ; want=1.002 ;;
    plain) set -- --set flows@file=data/two-plain.csv; want=2.002 ;;
    ecmp) set -- --set flows@file=data/two-plain.csv --set flows@routing=ecmp; want=1.002 ;;
    esac
    if (cd "$src/tests/scenarios/ok" && exec "$bin" --quiet run flow-paths.xml "$@" \
            --set flows@stream=yes --summary-out "$tmp/st-$v.tsv") >/dev/null 2>"$tmp/st-$v.err" &&
        check_window "$tmp/st-$v.tsv" "
            \$1 == \"net.fct.mean\" && !near(\$2, $want) { bad = 1 }
            \$1 == \"net.flows\" && \$2 != 2 { bad = 1 }
            \$1 == \"net.fct.mean\" { seen = 1 } END { bad = bad || !seen }"; then
        :
    else
        st_ok=0
        echo "  $v streamed: FCT mean, expected $want s"; cat "$tmp/st-$v.err" "$tmp/st-$v.tsv"
    fi
done
if [ $st_ok = 1 ] && grep -q "warning: 2 of the file's 2 flows join nodes with several shortest routes" "$tmp/st-plain.err" &&
    [ ! -s "$tmp/st-paths.err" ] && [ ! -s "$tmp/st-ecmp.err" ]; then
    ok "streamed flow files: a path column (1.002 s), ties with a warning (2.002 s), ECMP (1.002 s)"
else
    bad "routes of a streamed flow file"; cat "$tmp/st-plain.err"
fi

# A larger streamed file (3,000 sorted rows, half of them routed through c2 by the path column,
# some at the same instant) runs exactly as the same file loaded whole: the summary and
# --flows-out (every row in file order with its finish time) are byte-identical; so does it read
# again from the file, without its checked copy (TMPDIR a missing folder: m = again).
awk 'BEGIN { print "id,src,dst,bytes,start_time,path"
    for (i = 0; i < 3000; i++) {
        s = i % 3 == 0 ? "h1" : "h2"; d = s == "h1" ? "h2" : "h1"
        p = i % 2 ? "" : s " c2 " d
        printf "g%d,%s,%s,%d,%.3f,%s\n", i, s, d, 1e6 * (1 + (i * 7919) % 97), int(i / 4) * 0.01, p } }' \
    >"$tmp/st-big.csv"
# So is a run stopped at 3 s, before the file's last rows start: --flows-out lists every row,
# those not started with an empty finish_time (rows from 3 s on; 1,800 of them start at or
# after 3 s).  The table of a loaded file, and of a streamed one with its checked copy, is
# written during the run by a thread of its own (the log says so); read again, after the run:
# the bytes are the same.
for m in no yes again; do
    sv=$m
    [ $m = again ] && sv=yes
    for u in 100 3; do
        (cd "$src/tests/scenarios/ok" && if [ $m = again ]; then export TMPDIR="$tmp/none"; fi &&
            exec "$bin" --log=flows_out:info --quiet run flow-paths.xml \
            --set "flows@file=$tmp/st-big.csv" --set flows@stream=$sv --set simulation@until=${u}s \
            --summary-out "$tmp/st-big-$m$u.tsv" --flows-out "$tmp/st-big-$m$u.csv") \
            >/dev/null 2>"$tmp/st-big-$m.err" || echo "  stream=$m until=$u: exit $?"
    done
    mv "$tmp/st-big-${m}100.tsv" "$tmp/st-big-$m.tsv"
    mv "$tmp/st-big-${m}100.csv" "$tmp/st-big-$m.csv"
done
if cmp -s "$tmp/st-big-no.tsv" "$tmp/st-big-yes.tsv" && cmp -s "$tmp/st-big-no.csv" "$tmp/st-big-yes.csv" &&
    cmp -s "$tmp/st-big-no3.csv" "$tmp/st-big-yes3.csv" && cmp -s "$tmp/st-big-no.tsv" "$tmp/st-big-again.tsv" &&
    cmp -s "$tmp/st-big-no.csv" "$tmp/st-big-again.csv" && cmp -s "$tmp/st-big-no3.csv" "$tmp/st-big-again3.csv" &&
    grep -q "warning: cannot keep the checked copy" "$tmp/st-big-again.err" && ! grep -q "checked copy" "$tmp/st-big-yes.err" &&
    grep -q "flows_out: info: .*st-big-yes3.csv: written during the run" "$tmp/st-big-yes.err" &&
    grep -q "flows_out: info: .*st-big-no3.csv: written during the run" "$tmp/st-big-no.err" &&
    grep -q "flows_out: info: .*st-big-again3.csv: written after the run" "$tmp/st-big-again.err" &&
    awk -F, 'NR > 1 { n++ } NR > 1 && $5 >= 3 && $6 != "" { bad = 1 } NR > 1 && $5 >= 3 { late++ }
        END { exit bad || n != 3000 || late != 1800 }' "$tmp/st-big-yes3.csv" &&
    awk -F, 'NR > 1 && $6 != "" && $6 + 0 > $5 + 0 { n++ } NR > 1 && $1 != "g" (NR - 2) { bad = 1 }
        END { exit bad || n != 3000 }' "$tmp/st-big-yes.csv" &&
    awk -F'\t' '$1 == "net.flows" && $2 == 3000 { ok = 1 } END { exit !ok }' "$tmp/st-big-yes.tsv" &&
    (cd "$src/tests/scenarios/ok" && "$bin" validate flow-paths.xml --set "flows@file=$tmp/st-big.csv" \
        --set flows@stream=yes) | grep -q "valid (3000 flows read during the run from 1 file)"; then
    ok "a streamed file of 3,000 flows runs bit-identically to the same file loaded whole (from its copy or read again); its --flows-out written during the run equals the one written after it"
else
    bad "streamed vs loaded"; cat "$tmp/st-big-yes.err" "$tmp/st-big-again.err"; diff "$tmp/st-big-no.tsv" "$tmp/st-big-yes.tsv" | head
fi

# An inline flow, a loaded file and two streamed files (one with a path column, one routed by
# ECMP), each file streamed with its own checked copy: the run and --flows-out (the inline flow,
# the loaded file's rows, then each streamed file's in document order) equal those of the same
# files all loaded, and of the streamed ones read again without their copies.
awk 'BEGIN { print "id,src,dst,bytes,start_time,path"
    for (i = 0; i < 400; i++) printf "p%d,h1,h2,%d,%.3f,h1 c%d h2\n", i, 1e6 * (1 + i % 7), i * 0.02, 1 + i % 2 }' \
    >"$tmp/mf-a.csv"
awk 'BEGIN { print "id,src,dst,bytes,start_time"
    for (i = 0; i < 300; i++) printf "e%d,h2,h1,%d,%.3f\n", i, 2e6 * (1 + i % 5), i * 0.025 }' >"$tmp/mf-b.csv"
awk 'BEGIN { print "id,src,dst,bytes,start_time"
    for (i = 0; i < 200; i++) printf "l%d,h1,h2,%d,%.3f\n", i, 3e6, 8 - i * 0.03 }' >"$tmp/mf-l.csv"
for m in no yes; do
    cat >"$tmp/mf-$m.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<cpnsim version="1">
  <simulation until="30s" seed="1"/>
  <topology>
    <node id="h1"/><node id="c1"/><node id="c2"/><node id="h2"/>
    <link id="h1-c1" a="h1" b="c1" capacity="10Gbps" latency="1ms"/>
    <link id="h1-c2" a="h1" b="c2" capacity="10Gbps" latency="1ms"/>
    <link id="c1-h2" a="c1" b="h2" capacity="10Gbps" latency="1ms"/>
    <link id="c2-h2" a="c2" b="h2" capacity="10Gbps" latency="1ms"/>
  </topology>
  <traffic>
    <flow id="inline" src="h1" dst="h2" size="500MB" start="1s"/>
    <flows file="mf-a.csv" stream="$m"/>
    <flows file="mf-l.csv" stream="no"/>
    <flows file="mf-b.csv" stream="$m" routing="ecmp"/>
  </traffic>
</cpnsim>
XML
done
"$bin" --quiet run "$tmp/mf-no.xml" --summary-out "$tmp/mf-no.tsv" --flows-out "$tmp/mf-no.csv" 2>"$tmp/mf-no.err"
"$bin" --quiet run "$tmp/mf-yes.xml" --summary-out "$tmp/mf-yes.tsv" --flows-out "$tmp/mf-yes.csv" 2>"$tmp/mf-yes.err"
TMPDIR="$tmp/none" "$bin" --quiet run "$tmp/mf-yes.xml" --summary-out "$tmp/mf-again.tsv" \
    --flows-out "$tmp/mf-again.csv" 2>"$tmp/mf-again.err"
# (The loaded file's rows come before the streamed ones: in the table, the inline flow, mf-l's
# 200 rows, then mf-a's 400 and mf-b's 300; all loaded, the same rows in document order.)
order=$(awk -F, 'NR > 1 { k = substr($1, 1, 1); if (k != last) { printf "%s", k; last = k } }' "$tmp/mf-yes.csv")
# (run.events, a measure of the run, counts each source's arrival events: compared apart.)
if [ "$(grep -v '^run\.events' "$tmp/mf-no.tsv")" = "$(grep -v '^run\.events' "$tmp/mf-yes.tsv")" ] &&
    cmp -s "$tmp/mf-yes.tsv" "$tmp/mf-again.tsv" &&
    cmp -s "$tmp/mf-again.csv" "$tmp/mf-yes.csv" && [ "$(wc -l <"$tmp/mf-yes.csv")" -eq 902 ] &&
    [ "$order" = "ilpe" ] && [ "$(grep -c "checked copy" "$tmp/mf-again.err")" -eq 2 ] &&
    awk -F'\t' '$1 == "net.flows" && $2 == 901 { ok = 1 } END { exit !ok }' "$tmp/mf-yes.tsv" &&
    [ "$(sort "$tmp/mf-no.csv")" = "$(sort "$tmp/mf-yes.csv")" ]; then
    ok "two streamed files, one loaded and an inline flow: the same run and rows as all loaded, from the copies or read again"
else
    bad "two streamed files and a loaded one: order $order"; cat "$tmp/mf-yes.err" "$tmp/mf-again.err"
    diff "$tmp/mf-no.tsv" "$tmp/mf-yes.tsv" | head
fi

# cpnsim validate makes no checked copy of a streamed file (it runs nothing): with TMPDIR a
# missing folder it says nothing of one, where cpnsim run warns.
(cd "$src/tests/scenarios/ok" && TMPDIR="$tmp/none" "$bin" validate flow-paths.xml \
    --set "flows@file=$tmp/st-big.csv" --set flows@stream=yes) >"$tmp/st-val.out" 2>&1
if grep -q "valid (3000 flows read during the run from 1 file)" "$tmp/st-val.out" &&
    ! grep -q "checked copy" "$tmp/st-val.out" && grep -q "checked copy" "$tmp/st-big-again.err"; then
    ok "cpnsim validate makes no checked copy of a streamed file"
else
    bad "cpnsim validate and the checked copy"; cat "$tmp/st-val.out"
fi

# A streamed file's checked copy is written and read in blocks of 256 KiB; a row longer than a
# block (an id of 300,000 characters) is written past the block and read into a larger buffer:
# the run and its --flows-out are the same as the loaded file's.
awk 'BEGIN { print "id,src,dst,bytes,start_time"; id = "x"; while (length(id) < 300000) id = id id
    id = substr(id, 1, 300000)
    for (i = 0; i < 3000; i++) printf "%s%d,h1,h2,1000000,%.3f\n", i == 1500 ? id : "g", i, i * 0.001 }' \
    >"$tmp/st-long.csv"
for m in no yes; do
    (cd "$src/tests/scenarios/ok" && exec "$bin" --quiet run flow-paths.xml \
        --set "flows@file=$tmp/st-long.csv" --set flows@stream=$m --set simulation@until=100s \
        --flows-out "$tmp/st-long-$m.csv") >/dev/null 2>"$tmp/st-long-$m.err" || echo "  stream=$m: exit $?"
done
if cmp -s "$tmp/st-long-no.csv" "$tmp/st-long-yes.csv" &&
    awk -F, 'NR > 1 && $6 != "" { n++ } NR == 1502 && length($1) != 300004 { bad = 1 }
        END { exit bad || n != 3000 }' "$tmp/st-long-yes.csv"; then
    ok "--flows-out of a streamed file with a 300,000-character id equals the loaded file's"
else
    bad "--flows-out with a long id"; cat "$tmp/st-long-yes.err"
fi

# stream="auto" (the default) streams a file from 32 MiB on when its rows are sorted, and loads
# an unsorted one whole with a warning.
awk 'BEGIN { print "id,src,dst,bytes,start_time"
    for (i = 0; i < 600000; i++) printf "flow-with-a-rather-long-identifier-%08d,h1,h2,1000,%.6f\n", i, i * 1e-3 }' \
    >"$tmp/st-auto.csv"
awk 'NR == 1 { print; next } { a[NR] = $0 } END { for (i = NR; i > 1; i--) print a[i] }' \
    "$tmp/st-auto.csv" >"$tmp/st-unsorted.csv"
head -n 70001 "$tmp/st-auto.csv" >"$tmp/st-small.csv" # 4.5 MB: loaded
if [ "$(wc -c <"$tmp/st-auto.csv")" -ge 33554432 ] &&
    (cd "$src/tests/scenarios/ok" && "$bin" validate flow-paths.xml --set "flows@file=$tmp/st-small.csv" 2>/dev/null) |
    grep -qx "flow-paths.xml: valid" &&
    (cd "$src/tests/scenarios/ok" && "$bin" validate flow-paths.xml --set "flows@file=$tmp/st-auto.csv" 2>&1) |
    grep -q "valid (600000 flows read during the run from 1 file)" &&
    (cd "$src/tests/scenarios/ok" && "$bin" validate flow-paths.xml --set "flows@file=$tmp/st-unsorted.csv" 2>&1) |
    grep -q "st-unsorted.csv: warning: its rows are not sorted by start_time, so the whole file is loaded"; then
    ok "stream=\"auto\": a sorted 32 MiB file is streamed, a 4.5 MB one and an unsorted one loaded"
else
    bad "stream=auto"; (cd "$src/tests/scenarios/ok" && "$bin" validate flow-paths.xml --set "flows@file=$tmp/st-unsorted.csv")
fi

# The measurements of a run (docs/output-format.md, "Provenance"): root attributes of the trace
# and the last line of the printed summary, never rows of the summary.
attr() { h5dump -a "/$1" "$2" 2>/dev/null | sed -n 's/^ *(0): *//p'; }
if "$bin" run "$src/scenarios/tiny.xml" -o "$tmp/measured.h5" --summary-out "$tmp/measured.tsv" \
        >"$tmp/measured.out" 2>&1; then
    ev=$(attr events "$tmp/measured.h5")
    if [ "$ev" = "$(awk -F'\t' '$1 == "run.events" { print $2 }' "$tmp/measured.tsv")" ] &&
        awk -v w="$(attr wall_time "$tmp/measured.h5")" -v e="$(attr engine_time "$tmp/measured.h5")" \
            -v r="$(attr events_per_second "$tmp/measured.h5")" -v m="$(attr peak_memory "$tmp/measured.h5")" \
            -v n="$ev" 'BEGIN { exit !(w >= e && e > 0 && m > 1e6 && (r - n / e) ^ 2 <= (1e-4 * r) ^ 2) }' &&
        grep -q "^run: .* s (load .* s, simulation .* s: .* events/s; placement .* s), peak memory .* MB$" "$tmp/measured.out" &&
        ! grep -q -E "wall|peak|per_second|placement" "$tmp/measured.tsv" &&
        "$bin" run "$src/scenarios/national.xml" --until 6h -o "$tmp/measured6h.h5" >/dev/null 2>&1 &&
        awk -v p="$(attr placement_time "$tmp/measured6h.h5")" -v e="$(attr engine_time "$tmp/measured6h.h5")" \
            'BEGIN { exit !(p > 0 && p < e) }'; then
        ok "measurements: wall and engine time, events, events/s, peak memory and placement time in the trace and the printed summary, not in the rows"
    else
        bad "measurements of a run"; tail -3 "$tmp/measured.out"
    fi
else
    bad "a run of tiny.xml with a trace"; cat "$tmp/measured.out"
fi

# Work moved off a failed center by earliest_finish (tests/scenarios/ok/migrate.xml, by hand
# there), and the same run without migration.
for m in 1 0; do
    if [ "$m" = 1 ]; then jct=5090; moved=1; else jct=8090; moved=0; fi
    if (cd "$src/tests/scenarios/ok" && exec "$bin" --quiet run migrate.xml \
            --set "//param[@name=\"migrate\"]/@value=$m" \
            --summary-out "$tmp/migrate$m.tsv") >/dev/null 2>"$tmp/migrate.err" &&
        check_window "$tmp/migrate$m.tsv" "
            \$1 == \"job.all.jct.mean\" && !near(\$2, $jct / 3) { bad = 1 }
            \$1 == \"job.all.migrated\" && \$2 != $moved { bad = 1 }
            \$1 == \"job.all.requeued\" && \$2 != 1 { bad = 1 }
            \$1 == \"job.all.lost_work\" && !near(\$2, 500) { bad = 1 }
            \$1 == \"job.all.migrated\" { seen = 1 } END { bad = bad || !seen }"; then
        ok "migrate=$m: work waiting at a failed center moved ($moved), JCT mean $jct / 3 s"
    else
        bad "migrate=$m on ok/migrate.xml"; cat "$tmp/migrate.err" "$tmp/migrate$m.tsv"
    fi
done

# Placement sees where a job's input lives (tests/scenarios/ok/dataset-placement.xml, by hand
# there): the job runs next to its dataset's site, JCT 3600 s (not 11600 s at its origin).
if "$bin" --quiet run "$src/tests/scenarios/ok/dataset-placement.xml" --summary-out "$tmp/ds.tsv" \
        >/dev/null 2>"$tmp/ds.err" &&
    check_window "$tmp/ds.tsv" '
        $1 == "job.all.jct.mean" && !near($2, 3600) { bad = 1 }
        $1 == "center.x.util" && $2 != 0 { bad = 1 }
        $1 == "job.all.completed" && $2 != 1 { bad = 1 }
        $1 == "job.all.jct.mean" { seen = 1 } END { bad = bad || !seen }'; then
    ok "placement reads a job's input from its dataset's site: JCT 3600 s at the site's center"
else
    bad "placement and a dataset's site"; cat "$tmp/ds.err" "$tmp/ds.tsv"
fi
# Likewise a deploy's model (tests/scenarios/ok/dataset-deploy.xml): 1000 s and the 1 ms latency
# to the center nearest the site.
if "$bin" --quiet run "$src/tests/scenarios/ok/dataset-deploy.xml" --summary-out "$tmp/dd.tsv" \
        >/dev/null 2>"$tmp/dd.err" &&
    check_window "$tmp/dd.tsv" '
        $1 == "job.deploy.jct.mean" && !near($2, 1000.001) { bad = 1 }
        $1 == "job.deploy.jct.mean" { seen = 1 } END { bad = bad || !seen }'; then
    ok "a deploy copies its model from its dataset's site: 1000 s + 1 ms to the nearest center"
else
    bad "a deploy and a dataset's site"; cat "$tmp/dd.err" "$tmp/dd.tsv"
fi

# A pool resized during the run (tests/scenarios/ok/pool-resize.xml, by hand there).
if (cd "$src/tests/scenarios/ok" && exec "$bin" --quiet run pool-resize.xml \
        --summary-out "$tmp/resize.tsv") >/dev/null 2>"$tmp/resize.err" &&
    check_window "$tmp/resize.tsv" '
        $1 == "center.hpc.util" && !near($2, 600 / 810) { bad = 1 }
        $1 == "center.hpc.energy" && !near($2, 201000) { bad = 1 }
        $1 == "job.all.completed" && $2 != 3 { bad = 1 }
        $1 == "job.all.jct.mean" && !near($2, 350 / 3) { bad = 1 }
        $1 == "center.hpc.util" { seen = 1 } END { bad = bad || !seen }'; then
    ok "a pool shrunk and grown by a timeline: utilisation over the units present, energy, JCT"
else
    bad "a pool resized by a timeline"; cat "$tmp/resize.err" "$tmp/resize.tsv"
fi
# The same pool unnamed is "pool 0" (its center's first), the name its <timeline> changes give:
# the same summary.  (An unnamed pool could not be resized before: "not a pool of center".)
mkdir -p "$tmp/unnamed" && cp -r "$src/tests/scenarios/ok/data" "$tmp/unnamed/" &&
    sed -e 's| name="cpu"||' -e 's|pool="cpu"|pool="pool 0"|g' \
        "$src/tests/scenarios/ok/pool-resize.xml" >"$tmp/unnamed/resize.xml"
if ! grep -q 'name="cpu"' "$tmp/unnamed/resize.xml" &&
        (cd "$tmp/unnamed" && exec "$bin" --quiet run resize.xml --summary-out "$tmp/resize0.tsv") \
        >/dev/null 2>"$tmp/resize0.err" && cmp -s "$tmp/resize.tsv" "$tmp/resize0.tsv"; then
    ok "an unnamed pool is \"pool 0\" to a timeline: the same summary as named"
else
    bad "an unnamed pool resized by a timeline"; cat "$tmp/resize0.err"
fi

# A table of published results (tests/scenarios/experiments/table.xml over table-flow.xml): each
# figure recomputed from the window-capped rate u(W) = S / (S / (W / RTT) + RTT / 2) / C with
# S = 1e10 B, C = 1.25e9 B/s, RTT = 2 x L x 4.9 us/km; the range over the nominal point and
# the corners; the verdicts (30-40% inside [u(1 MiB), u(6 MiB)]; a ratio below 1 is not above
# 3x, so its note is printed; nothing published: "-"); and the series' CSV.
if (cd "$src/tests/scenarios/experiments" && exec "$bin" --quiet batch table.xml -o "$tmp/table") \
        >"$tmp/table.md" 2>"$tmp/table.err"; then
    if awk -F'\t' '
        function u(w, l) { rtt = 2 * l * 4.9e-6; return 1e10 / (1e10 / (w / rtt) + rtt / 2) / 1.25e9 }
        function near(v, want) { return v - want <= 1e-12 * want && want - v <= 1e-12 * want }
        BEGIN { M = 1048576 }
        $1 == "window" && !(near($2, u(3 * M, 1000)) && near($3, u(M, 1000)) &&
                            near($4, u(6 * M, 1000)) && $6 == "yes") { bad = 1 }
        $1 == "against-6mib" && !(near($2, u(3 * M, 1000) / u(6 * M, 1000)) &&
                                  near($3, u(M, 1000) / u(6 * M, 1000)) && $6 == "no") { bad = 1 }
        $1 == "lost" && !(near($2, 1 - u(3 * M, 1000) / u(6 * M, 1000)) && $6 == "-") { bad = 1 }
        { n++ }
        END { exit bad || n != 4 }' "$tmp/table/tables.tsv" &&
        awk -F',' '
        function u(w, l) { rtt = 2 * l * 4.9e-6; return 1e10 / (1e10 / (w / rtt) + rtt / 2) / 1.25e9 }
        function near(v, want) { return v - want <= 1e-12 * want && want - v <= 1e-12 * want }
        { gsub(/"/, "") }
        NR == 1 { ok = $0 == "link/l@length,transport/t@window,headline.u,net.fct.mean"; next }
        { n++; l = $1 + 0; w = ($2 + 0) * 1048576
          if (!near($3, u(w, l)) || !near($4, 1e10 / (u(w, l) * 1.25e9))) bad = 1 }
        END { exit bad || !ok || n != 4 }' "$tmp/table/series-windows.csv" &&
        grep -q '^| against-6mib |.* | \*\*no\*\* |$' "$tmp/table.md" &&
        grep -q '^- \*\*against-6mib\*\*: a smaller window is never faster$' "$tmp/table.md" &&
        grep -q 'against-6mib &  &  & above 3x & 0.5\$\\times\$' "$tmp/table/tables.tex"; then
        ok "table of published results: figures, ranges, verdicts and a series, by hand"
    else
        bad "table of published results"; cat "$tmp/table.md" "$tmp/table/tables.tsv" \
            "$tmp/table/series-windows.csv"
    fi
else
    bad "table experiment exited $?"; cat "$tmp/table.err"
fi

# A row whose published figure is in another unit, and one whose metric does not exist: the
# table is written, each row says what is wrong, the batch says why and exits 65.
(cd "$src/tests/scenarios/experiments" && exec "$bin" --quiet batch table-unit.xml -o "$tmp/tu") \
    >"$tmp/tu.md" 2>"$tmp/tu.err"
code=$?
if [ "$code" -eq 65 ] && grep -q '^| fct |.* | unit mismatch |$' "$tmp/tu.md" &&
        grep -q '^| typo |.* | no such metric |$' "$tmp/tu.md" &&
        grep -q 'row "fct": the published figure is in 1 but the figure in s' "$tmp/tu.err" &&
        grep -q 'typo__nominal__s1.h5: the summary has no metric "headline.uu"' "$tmp/tu.err"; then
    ok "table rows with a unit mismatch and an unknown metric: marked, explained, exit 65"
else
    bad "table rows with a unit mismatch and an unknown metric: exit $code"; cat "$tmp/tu.md" "$tmp/tu.err"
fi

# The network-aware experiment stays valid: 1 seed on 2 h (warmup 1 h), the paired table has
# one row per policy but the baseline (balanced).
if "$bin" --quiet batch "$src/scenarios/experiments/network-aware.xml" --seeds 1 -j 2 \
        --set simulation@until=2h --set simulation@warmup=1h -o "$tmp/na" >"$tmp/na.md" 2>"$tmp/na.err"; then
    rows=$(grep -c '^| [a-z_]* | 1 | [+-]' "$tmp/na.md")
    if [ "$rows" -eq 7 ] && ! grep -q '^| balanced |' "$tmp/na.md"; then
        ok "network-aware experiment: 8 runs, 7 rows paired against balanced"
    else
        bad "network-aware experiment: $rows paired rows"; cat "$tmp/na.md" "$tmp/na.err"
    fi
else
    bad "network-aware experiment exited $?"; cat "$tmp/na.err"
fi

# The policy experiment with 2 seeds on 2 simulated hours: 16 runs, one table row per policy.
if "$bin" --quiet batch "$src/scenarios/experiments/policies.xml" --seeds 2 -j 2 \
        --set simulation@until=2h -o "$tmp/batch" >"$tmp/batch.md" 2>"$tmp/batch.err"; then
    rows=$(grep -c '^| [a-z_]* | 2 |' "$tmp/batch.md")
    files=$(ls "$tmp/batch"/*.h5 2>/dev/null | wc -l)
    if [ "$rows" -eq 8 ] && [ "$files" -eq 16 ]; then
        ok "policy experiment: 16 runs, 8 table rows of 2 runs each"
    else
        bad "policy experiment: $files result files, $rows rows"; cat "$tmp/batch.md" "$tmp/batch.err"
    fi
    # Resuming: a second batch finds every run complete and starts none.
    "$bin" batch "$src/scenarios/experiments/policies.xml" --seeds 2 --set simulation@until=2h \
        -o "$tmp/batch" >/dev/null 2>"$tmp/again.err"
    if grep -q "16 runs (16 already complete)" "$tmp/again.err"; then
        ok "policy experiment resumes: every complete run is skipped"
    else
        bad "policy experiment did not skip complete runs"; cat "$tmp/again.err"
    fi
else
    bad "policy experiment exited $?"; cat "$tmp/batch.err"
fi

# A sample a unit slip away from the one meant ("10us" for "10s": 3.6e8 samples over tiny.xml's
# hour) is warned about at its line, and the scenario stays valid; tiny.xml's own 10 s is not.
if "$bin" validate "$src/scenarios/tiny.xml" --set simulation@sample=10us >/dev/null \
        2>"$tmp/sample.err" && "$bin" validate "$src/scenarios/tiny.xml" >/dev/null 2>"$tmp/sample0.err" &&
        grep -q 'tiny.xml:6: warning: simulation: sample "10us" makes 3.6e+08 samples of the time series before until (1 h), each a row of every link and center in the trace: a slip of the unit of sample ("10us" for "10s"?) or of until? (sample is given by --set simulation@sample=10us)' "$tmp/sample.err" &&
        ! grep -q warning "$tmp/sample0.err"; then
    ok "a sample of 3.6e8 samples before until: warned at its line, still valid"
else
    bad "sample warning"; cat "$tmp/sample.err" "$tmp/sample0.err"
fi
# A headline whose metric the run's summary does not have (misspelt: "efficency") is NaN, and a
# warning at its line says why; the right name gives no warning.
ex=$src/scenarios/examples/training-300km.xml
if "$bin" --quiet run "$ex" --set headline/training-efficiency@metric=compute.training.efficency.mean \
        --summary-out "$tmp/hl.tsv" 2>"$tmp/hl.err" && "$bin" --quiet run "$ex" 2>"$tmp/hl0.err" &&
        grep -q 'training-300km.xml:47: warning: headline "training-efficiency": this run.s summary has no metric "compute.training.efficency.mean", so the headline is NaN' "$tmp/hl.err" &&
        [ "$(val headline.training-efficiency "$tmp/hl.tsv")" = nan ] && ! grep -q warning "$tmp/hl0.err"; then
    ok "a headline of a metric the run does not have: NaN, with a warning at its line"
else
    bad "headline of a missing metric"; cat "$tmp/hl.err" "$tmp/hl0.err"
fi
# A <flow> starting after until, or a <generator> at or after it, never runs: warned at its line, still
# valid (the scenarios as shipped start before until: no warning).
if "$bin" validate "$src/scenarios/examples/fibre-cut.xml" --set flow/bulk-a@start=2d >/dev/null 2>"$tmp/late.err" &&
        "$bin" validate "$src/scenarios/national.xml" --set generator/hpc-batch@start=8d >/dev/null 2>>"$tmp/late.err" &&
        grep -q 'fibre-cut.xml:28: warning: flow "bulk-a": start 172800 s is after until (1 d): this flow never starts' "$tmp/late.err" &&
        grep -q 'national.xml:268: warning: generator "hpc-batch": start 691200 s is not before until (7 d): this source makes no job' "$tmp/late.err" &&
        [ "$(grep -c warning "$tmp/late.err")" = 2 ]; then
    ok "a flow or a source starting after until: warned at its line, still valid"
else
    bad "start after until"; cat "$tmp/late.err"
fi
# A scenario with no job source and no flow: valid, with a warning that nothing would run (at the
# root element's line); tiny.xml, which has flows, gives none.
printf '%s\n' '<cpnsim version="1"><simulation until="1h"/>' \
    '<topology><node id="a"/></topology></cpnsim>' >"$tmp/empty.xml"
if (cd "$tmp" && exec "$bin" validate empty.xml) >/dev/null 2>"$tmp/empty.err" &&
        [ "$(cat "$tmp/empty.err")" = "cpnsim: empty.xml:1: warning: the scenario has no job source and no flow: nothing would run (add <generator> or <trace> to <workload>, or <flow>s to <traffic>)" ] &&
        "$bin" validate "$src/scenarios/tiny.xml" >/dev/null 2>"$tmp/empty0.err" && ! [ -s "$tmp/empty0.err" ]; then
    ok "a scenario with nothing to run: warned, still valid"
else
    bad "empty scenario"; cat "$tmp/empty.err" "$tmp/empty0.err"
fi
# Rows of a flow file starting after until (not at it: a row at until starts): one warning for
# the file, at its first such row, loaded and streamed.
mkdir -p "$tmp/late" && printf 'id,src,dst,bytes,start_time\nf1,a,b,1e9,0\nf2,a,b,1e9,86400\nf3,a,b,1e9,90000\n' \
    >"$tmp/late/f.csv"
for v in no yes; do
    printf '%s\n' '<cpnsim version="1"><simulation until="1d"/>' \
        '<topology><node id="a"/><node id="b"/><link id="ab" a="a" b="b" capacity="10Gbps" latency="1ms"/></topology>' \
        "<traffic><flows file=\"f.csv\" stream=\"$v\"/></traffic></cpnsim>" >"$tmp/late/$v.xml"
done
if (cd "$tmp/late" && exec "$bin" validate no.xml) >/dev/null 2>"$tmp/late-no.err" &&
        (cd "$tmp/late" && exec "$bin" validate yes.xml) >/dev/null 2>"$tmp/late-yes.err" &&
        [ "$(cat "$tmp/late-no.err")" = "cpnsim: f.csv:4: warning: 1 of the file's 3 rows start after until (1 d): they never start" ] &&
        cmp -s "$tmp/late-no.err" "$tmp/late-yes.err"; then
    ok "flow-file rows starting after until: one warning at the first, loaded and streamed"
else
    bad "flow-file rows after until"; cat "$tmp/late-no.err" "$tmp/late-yes.err"
fi
# Likewise state reports every 30 ms over national.xml's week (2.02e7 of every center).
if "$bin" validate "$src/scenarios/national.xml" --set scheduler@period=30ms >/dev/null \
        2>"$tmp/period.err" && "$bin" validate "$src/scenarios/national.xml" >/dev/null 2>"$tmp/period0.err" &&
        grep -q 'national.xml:[0-9]*: warning: scheduler: period "30ms" makes 2.02e+07 state reports of every center before until (7 d): a slip of the unit of period ("30ms" for "30s"?) or of until? (period is given by --set scheduler@period=30ms)' "$tmp/period.err" &&
        ! grep -q warning "$tmp/period0.err"; then
    ok "state reports every 30 ms for a week: warned at the line, still valid"
else
    bad "period warning"; cat "$tmp/period.err" "$tmp/period0.err"
fi
# The slip may be in until instead ("100000d" for "100d"): national.xml's own 30 s period and
# rates are then warned about with until's length, not told to become what they are.
if "$bin" validate "$src/scenarios/national.xml" --set simulation@until=100000d >/dev/null \
        2>"$tmp/until.err" &&
        grep -q 'national.xml:[0-9]*: warning: scheduler: period "30s" makes 2.88e+08 state reports of every center before until (1e+05 d): a slip of the unit of period ("30ms" for "30s"?) or of until?$' "$tmp/until.err" &&
        grep -q 'warning: generator "cloud-vm": its arrivals at a mean rate of 300/h make about 7.2e+08 jobs before until (1e+05 d)' "$tmp/until.err"; then
    ok "until of 1e5 days: the warnings give until's length"
else
    bad "until slip warnings"; cat "$tmp/until.err"
fi
# A replay without until takes its log's span: one corrupt submit time (1e30 s) would make the
# run sample the time series for ever; the warning names the span and the log.
mkdir -p "$tmp/span/data"
cp "$src/tests/scenarios/ok/greenest-hourly.xml" "$tmp/span/"
cp "$src/tests/scenarios/ok/data/tariffs-a.csv" "$tmp/span/data/"
sed 's/^3 39600 /3 1e30 /' "$src/tests/scenarios/ok/data/greenest.swf" >"$tmp/span/data/greenest.swf"
if "$bin" validate "$tmp/span/greenest-hourly.xml" >/dev/null 2>"$tmp/span.err" &&
        "$bin" validate "$src/tests/scenarios/ok/greenest-hourly.xml" >/dev/null 2>"$tmp/span0.err" &&
        grep -q "greenest-hourly.xml:7: warning: simulation: until is left out, so the run takes the logs' span, 1e+30 s (the last arrival of .*span/data/greenest.swf)" "$tmp/span.err" &&
        ! grep -q warning "$tmp/span0.err"; then
    ok "a replay's span of 1e30 s from one corrupt row: warned at <simulation>, naming the log"
else
    bad "span warning"; cat "$tmp/span.err" "$tmp/span0.err"
fi

# A generator's rate a unit slip away ("3000/s" for "3000/h": 3000 x 604800 s = 1.81e9 jobs
# over national.xml's week) is warned about at its line; national.xml's own rates, even scaled
# x10 (300/h -> 3000/h: 1.81e6 jobs), are not.
if "$bin" validate "$src/scenarios/national.xml" --set generator/cloud-vm@rate=3000/s >/dev/null \
        2>"$tmp/rate.err" &&
        "$bin" validate "$src/scenarios/national.xml" --set generator/cloud-vm@rate=3000/h >/dev/null \
        2>"$tmp/rate0.err" &&
        grep -q 'national.xml:[0-9]*: warning: generator "cloud-vm": its arrivals at a mean rate of 1.08e+07/h make about 1.81e+09 jobs before until (7 d): a slip of the unit of its rate ("/s" for "/h"?) or of until? (or bound the source with max-jobs) (rate is given by --set generator/cloud-vm@rate=3000/s)' "$tmp/rate.err" &&
        ! grep -q warning "$tmp/rate0.err"; then
    ok "a generator making 1.81e9 jobs before until: warned at its line, still valid"
else
    bad "generator rate warning"; cat "$tmp/rate.err" "$tmp/rate0.err"
fi

# --until after --set simulation@until: the option wins, as documented, and says what it
# replaced; a mistake in its value is the option's, named as typed.
if "$bin" run "$src/scenarios/tiny.xml" --until 10s --set simulation@until=20s >"$tmp/u2.out" \
        2>"$tmp/u2.err" && grep -q '^cpnsim: --until 10s: warning: replaces until="20s" given by --set simulation@until=20s$' "$tmp/u2.err" &&
        grep -q 't = 10 s,' "$tmp/u2.out"; then
    ok "--until over --set simulation@until: warned, the option wins"
else
    bad "--until over --set simulation@until"; cat "$tmp/u2.err" "$tmp/u2.out"
fi

# --until (or --seed) given twice: the last one is used, with a warning (it was silent).
if "$bin" run "$src/scenarios/tiny.xml" --until 10s --until 20s >"$tmp/u3.out" 2>"$tmp/u3.err" &&
        grep -q '^cpnsim: run: warning: --until 20s replaces --until 10s given before (the last one is used)$' "$tmp/u3.err" &&
        grep -q 't = 20 s,' "$tmp/u3.out"; then
    ok "--until given twice: the last one, warned"
else
    bad "--until twice"; cat "$tmp/u3.err" "$tmp/u3.out"
fi

# --policy replacing a scenario's policy leaves that policy's <param>s out, and says so.
sed 's|period="30s" delay="20ms"/>|period="30s" delay="20ms"><param name="overlap" value="1"/></scheduler>|' \
    "$src/scenarios/national.xml" >"$tmp/natp.xml"
if "$bin" --quiet run "$tmp/natp.xml" --until 1h --policy nearest 2>"$tmp/natp.err" &&
        grep -q "^cpnsim: run: warning: --policy nearest replaces the scenario's policy earliest_finish, whose <param> (overlap) is not used$" "$tmp/natp.err" &&
        "$bin" --quiet run "$tmp/natp.xml" --until 1h --policy earliest_finish 2>"$tmp/natp0.err" &&
        ! grep -q warning "$tmp/natp0.err"; then
    ok "--policy over a scenario's <param>s: warned that they are not used"
else
    bad "--policy and <param>s"; cat "$tmp/natp.err" "$tmp/natp0.err"
fi

# A batch with a bad value in a sweep stops before any run, naming the experiment's line, the
# <sweep> (or a row's <range>) and the value (its runs would each name a --set nobody typed); so
# does a target that matches nothing.  A batch where some runs fail while they run (one policy's process exits at
# once): the table of the others, then what the first failed run said, with its exit status.
mkdir -p "$tmp/sweep"
cat >"$tmp/sweep/e.xml" <<EOF2
<experiment version="1">
  <scenario file="$src/scenarios/tiny.xml"/>
  <sweep target="link/sh-nx@capacity" values="100Gbps fast"/>
  <report metrics="net.fct.p95"/>
</experiment>
EOF2
sed 's|link/sh-nx@capacity|link/nowhere@capacity|' "$tmp/sweep/e.xml" >"$tmp/sweep/e2.xml"
cat >"$tmp/sweep/e3.xml" <<EOF2
<experiment version="1">
  <scenario file="$src/scenarios/national.xml"/>
  <policy name="nearest"/>
  <policy name="quits"/>
  <set target="simulation@until" value="1h"/>
  <report metrics="job.all.jct.mean"/>
</experiment>
EOF2
cat >"$tmp/sweep/e4.xml" <<EOF2
<experiment version="1">
  <seeds count="1"/>
  <row id="r" scenario="$src/scenarios/paper/ingest-3000km.xml" headline="tcp-port-utilisation"
       published="about 20%">
    <range target="link/backbone@loss" values="1e-7 1e-5"/>
    <range target="transport/tcp-linux@window" values="3MiB 3 MiB"/>
  </row>
</experiment>
EOF2
"$bin" batch "$tmp/sweep/e.xml" -j 1 -o "$tmp/sweep/out" >"$tmp/sweep/o" 2>"$tmp/sweep/e"
rc=$?
"$bin" batch "$tmp/sweep/e4.xml" -j 1 -o "$tmp/sweep/out4" >"$tmp/sweep/o4" 2>"$tmp/sweep/e4"
rc4=$?
"$bin" batch "$tmp/sweep/e2.xml" -j 1 -o "$tmp/sweep/out2" --dry-run >"$tmp/sweep/o2" 2>"$tmp/sweep/e2"
rc2=$?
"$bin" batch "$tmp/sweep/e3.xml" -j 1 -o "$tmp/sweep/out3" --policy-exec quits=/bin/false \
    >"$tmp/sweep/o3" 2>"$tmp/sweep/e3"
rc3=$?
if [ "$rc" -eq 65 ] && [ ! -s "$tmp/sweep/o" ] && [ ! -e "$tmp/sweep/out" ] &&
        grep -q '^cpnsim: .*tiny.xml:[0-9]*: link "sh-nx": capacity "fast" is not a number .*(capacity is given by .*sweep/e.xml:3: <sweep target="link/sh-nx@capacity"> value "fast")$' "$tmp/sweep/e" &&
        grep -q '^cpnsim: batch: run tiny__fast__s1 would fail on the error above; no run was started' "$tmp/sweep/e" &&
        [ "$rc2" -eq 65 ] && [ ! -s "$tmp/sweep/o2" ] &&
        grep -q '^cpnsim: .*sweep/e2.xml:3: <sweep target="link/nowhere@capacity"> value "100Gbps": no <link> with id "nowhere" in ' "$tmp/sweep/e2" &&
        [ "$rc4" -eq 65 ] && [ ! -e "$tmp/sweep/out4" ] &&
        grep -q '(window is given by .*sweep/e4.xml:6: <range target="transport/tcp-linux@window"> value "3")$' "$tmp/sweep/e4" &&
        grep -q '^cpnsim: batch: run r__1e-7__3__s1 would fail on the error above' "$tmp/sweep/e4" &&
        [ "$rc3" -eq 70 ] && grep -q '^| national.xml | nearest | 1 |' "$tmp/sweep/o3" &&
        ! grep -q '| quits |' "$tmp/sweep/o3" &&
        grep -q '^cpnsim: batch: 1 of 2 runs failed (the table leaves them out); the first, national__quits__s1 (exit 70), said:$' "$tmp/sweep/e3" &&
        grep -q '^  cpnsim: .*national.xml: policy "quits" (/bin/false): the process exited with status 1' "$tmp/sweep/e3"; then
    ok "a batch: a bad sweep value or target stops it before any run, at its line (exit 65); a failed run: the others' table, then its error"
else
    bad "a batch with a bad sweep (exit $rc, $rc2), range (exit $rc4) or a failed run (exit $rc3)"
    cat "$tmp/sweep/o" "$tmp/sweep/e" "$tmp/sweep/o2" "$tmp/sweep/e2" "$tmp/sweep/o3" "$tmp/sweep/e3" \
        "$tmp/sweep/e4"
fi

# cpnsim info lists every table of a trace: the training example's /compute (its one job's
# iterations) was left out of the list.
if "$bin" --quiet run "$src/scenarios/examples/training-300km.xml" -o "$tmp/train.h5" \
        >/dev/null 2>"$tmp/train.err" && "$bin" info "$tmp/train.h5" >"$tmp/train.info" &&
        grep -q '^  /compute  *1 rows ' "$tmp/train.info" && grep -q '^  /jobs  *1 rows ' "$tmp/train.info" &&
        grep -q '^  currency  *none (the scenario gives no price: every cost is 0)$' "$tmp/train.info"; then
    ok "cpnsim info lists /compute, and says there is no currency"
else
    bad "cpnsim info without /compute"; cat "$tmp/train.err" "$tmp/train.info"
fi

# The walk-through of docs/scenario-format.md §4, its XML blocks put together, is tiny.xml: the
# same run to the digit (its summary), so a reader who types it in gets what it describes (it
# once lacked the flow control that the lossless flow needs and was refused).
awk '/^## 4\. Walk-through/ { on = 1 } /^## 5\./ { on = 0 }
     on && /^```xml$/ { x = 1; next } x && /^```$/ { x = 0; next } on && x' \
    "$src/docs/scenario-format.md" >"$tmp/walk.xml"
if "$bin" --quiet run "$tmp/walk.xml" --summary-out "$tmp/walk.tsv" >/dev/null 2>"$tmp/walk.err" &&
        "$bin" --quiet run "$src/scenarios/tiny.xml" --summary-out "$tmp/tiny.tsv" >/dev/null \
        2>>"$tmp/walk.err" &&
        [ "$(grep -c '<flow ' "$tmp/walk.xml")" -eq 4 ] && cmp -s "$tmp/walk.tsv" "$tmp/tiny.tsv"; then
    ok "docs/scenario-format.md's walk-through runs as tiny.xml does"
else
    bad "the walk-through of docs/scenario-format.md is not tiny.xml"; cat "$tmp/walk.err"
    diff "$tmp/walk.tsv" "$tmp/tiny.tsv" | head
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
