#!/bin/sh
# Every workload log of ../shared/data/traces replayed with the default settings (no window,
# no filter, until left out: the log's own span), the way a user runs it: `cpnsim run`, whole
# process.  Prints, per log, the rows read and how each was accounted for (docs/metrics.md,
# "Workload-log rows"), the wall time and the peak memory (GNU time).  Not run by make check.
#   tests/bench/every_log.sh [BUILD_DIR [DATA_DIR]]
# The scenario of each log is generated: one node, one center large enough for every job of
# the log (the SWF logs' MaxProcs, the Philly GPUs, the openb cluster's 6,212 shareable GPUs
# and 125,514 cores), the log's own kind.  openb_node_list_all_node.csv is the cluster's node
# list, not a workload log.
set -u
build=${1:-.}
data=${2:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/data}
bin=$(cd "$build" && pwd)/cpnsim
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cpn-logs.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
[ -d "$data/traces" ] || { echo "SKIP: $data/traces is absent"; exit 0; }

scenario() { # NAME FORMAT FILE POOLS TRACE-ATTRIBUTES
    cat >"$tmp/$1.xml" <<EOF
<cpnsim version="1">
  <simulation seed="1"/>
  <topology><node id="a"/></topology>
  <centers>
    <center id="c" node="a">
$4
    </center>
  </centers>
  <workload>
    <trace id="log" format="$2" file="$3" origin="a" $5/>
  </workload>
</cpnsim>
EOF
}

t=$data/traces
scenario lcg swf "$t/swf/LCG.swf.gz" \
    '<pool accelerator="cpu" units="24515" per-unit="1GFLOPS"/>' 'accelerator="cpu"'
scenario nasa swf "$t/swf/NASA-iPSC-1993-3.1-cln.swf.gz" \
    '<pool accelerator="cpu" units="128" per-unit="1GFLOPS"/>' 'accelerator="cpu"'
scenario sdsc swf "$t/swf/SDSC-SP2-1998-4.2-cln.swf.gz" \
    '<pool accelerator="cpu" units="128" per-unit="1GFLOPS"/>' 'accelerator="cpu"'
scenario philly philly "$t/gpu/philly.csv" \
    '<pool accelerator="gpu" units="2048" per-unit="100TFLOPS"/>' 'accelerator="gpu"'
scenario openb alibaba "$t/gpu/openb_pod_list_default.csv" \
    '<pool accelerator="gpu" units="6212" per-unit="100TFLOPS" shareable="true"/>
     <pool accelerator="cpu" units="125514" per-unit="50GFLOPS"/>' 'accelerator="gpu"'
scenario azure azure "$t/inference/AzureLLMInferenceTrace_conv.csv" \
    '<pool accelerator="gpu" units="64" per-unit="989TFLOPS"/>' \
    'accelerator="gpu" kind="inference" duration="2h" units="8" parameters="7e10"'

printf '| log | rows | replayed | unknown run time | cancelled | malformed | outside window | filtered | after until | wall [s] | peak RSS [MB] |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for name in lcg nasa sdsc philly openb azure; do
    if ! /usr/bin/time -f "%e %M" -o "$tmp/$name.time" "$bin" --quiet run "$tmp/$name.xml" \
            --summary-out "$tmp/$name.tsv" >"$tmp/$name.log" 2>&1; then
        echo "FAIL: $name"; cat "$tmp/$name.log"; continue
    fi
    read -r wall rss <"$tmp/$name.time"
    awk -F'\t' -v name="$name" -v wall="$wall" -v rss="$rss" '
        { v[$1] = $2 }
        END {
            if ("job.all.log_rows" in v)
                printf "| %s | %d | %d | %d | %d | %d | %d | %d | %d | %s | %.1f |\n", name,
                    v["job.all.log_rows"], v["job.all.log_replayed"],
                    v["job.all.skipped.unknown_runtime"], v["job.all.skipped.cancelled"],
                    v["job.all.skipped.malformed"], v["job.all.skipped.outside_window"],
                    v["job.all.skipped.filtered"], v["job.all.skipped.after_until"], wall, rss / 1024
            else
                printf "| %s (requests) | %d | %d requests | | | | | | | %s | %.1f |\n", name,
                    v["request.count"], v["request.count"], wall, rss / 1024
        }' "$tmp/$name.tsv"
done
