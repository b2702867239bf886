#!/bin/sh
# Fuzz cpnsim's input parsers with libFuzzer (clang) under ASan + UBSan:
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
# SECONDS per target (default 60; the acceptance runs use 1800).  TARGETs (default: all):
#   load         scenario files (XML, includes resolved against the corpus folder)
#   wlog_swf     Standard Workload Format logs        wlog_philly   Philly job CSV
#   wlog_alibaba Alibaba GPU 2023 pod CSV             wlog_azure    Azure LLM inference CSV
#   flows_csv    <flows file> CSV                     graphml       GraphML topologies
#   wlog_csv     column-mapped CSV logs (format csv)
#   experiment   experiment files of `cpnsim batch`
# Needs: clang, libclang-rt-14-dev (Debian), the project's dependencies, and a configured tree
# (config.h) in $BUILD (default: ./_build-fuzz, created here).  Each corpus starts from the
# project's own inputs and, when present, the heads of ../shared/data's files; crashes are written
# to tests/fuzz/crash-TARGET-*, and each one becomes a test case.  Prints each target's
# executions and time (libFuzzer's final stats).  Run it from anywhere; it is not run by
# `make check`.
set -eu
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"load wlog_swf wlog_philly wlog_alibaba wlog_azure wlog_csv flows_csv graphml experiment"}
src=$(cd "$(dirname "$0")/../.." && pwd)
data=${CPN_DATADIR:-$src/../shared/data}
build=${BUILD:-$src/_build-fuzz}
mkdir -p "$build"
if [ ! -f "$build/config.h" ]; then
    (cd "$build" && CC=clang "$src/configure" -q)
fi
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$src -I$build -D_GNU_SOURCE -std=c11"
cflags="$cflags $(pkg-config --cflags gsl libxml-2.0 zlib hdf5)"
libs="$(pkg-config --libs gsl libxml-2.0 zlib) -lcsv -lm"

# The library objects, instrumented for coverage; an object is rebuilt when its source, or any
# header of the tree, is newer than it (so a fix is fuzzed, not the code before it).
lib="$build/fuzz-lib.a"
newest_h=$(cd "$src" && ls -t $(find sim models scenarios -name '*.h') | head -1)
objs=""
changed=0
for f in $(cd "$src" && ls sim/*.c models/*/*.c scenarios/*.c scenarios/*.cc); do
    o="$build/fuzz-$(echo "$f" | tr / _).o"
    if [ ! -f "$o" ] || [ "$src/$f" -nt "$o" ] || [ "$src/$newest_h" -nt "$o" ]; then
        cc=clang f_cflags=$cflags
        case $f in # scenarios/numparse.cc: header-only C++ without its runtime (Makefile.am)
        *.cc) cc=clang++ f_cflags="$(echo "$cflags" | sed 's/-std=c11/-std=c++17 -fno-exceptions -fno-rtti/')" ;;
        esac
        $cc $f_cflags -fsanitize=fuzzer-no-link -c "$src/$f" -o "$o" 2>/dev/null ||
            $cc $(echo "$f_cflags" | sed 's/-fsanitize=fuzzer,/-fsanitize=/') -c "$src/$f" -o "$o"
        changed=1
    fi
    objs="$objs $o"
done
if [ $changed -eq 1 ] || [ ! -f "$lib" ] || [ "$src/scenarios/cpnsim.xsd" -nt "$lib" ]; then
    sh "$src/scenarios/embed.sh" cpn_scen_xsd scenarios/load.h "$src/scenarios/cpnsim.xsd" >"$build/fuzz-xsd.c"
    clang $cflags -c "$build/fuzz-xsd.c" -o "$build/fuzz-xsd.o"
    rm -f "$lib"
    ar cr "$lib" $objs "$build/fuzz-xsd.o"
fi

# seed TARGET CORPUS: the starting inputs of a target.
seed() {
    c=$2
    mkdir -p "$c"
    case $1 in
    load)
        find "$src/tests/scenarios" "$src/scenarios" -name '*.xml' -exec cp {} "$c/" \; ;;
    wlog_swf)
        printf '; UnixStartTime: 0\n1 0 10 100 4 -1 -1 4 200 -1 1 1 1 -1 1 -1 -1 -1\n' >"$c/a.swf"
        for f in "$data"/traces/swf/*.swf.gz; do
            [ -f "$f" ] && zcat "$f" | head -200 >"$c/$(basename "$f" .gz)"
        done ;;
    wlog_philly)
        [ -f "$data/traces/gpu/philly.csv" ] && head -200 "$data/traces/gpu/philly.csv" >"$c/p.csv" ;;
    wlog_csv)
        printf 'submitted,started,ended,duration,gpus,queue,state\n0,1,5,4,2,vc,COMPLETED\n' >"$c/m.csv"
        printf 'submitted,started,ended,gpus,queue,state\n2020-01-01 00:00:00,2020-01-01 00:00:05,,1,"a,b",FAILED\n' >"$c/n.csv"
        cp "$src/tests/scenarios/ok/data/helios-like.csv" "$c/" ;;
    wlog_alibaba)
        [ -f "$data/traces/gpu/openb_pod_list_default.csv" ] &&
            head -200 "$data/traces/gpu/openb_pod_list_default.csv" >"$c/a.csv" ;;
    wlog_azure)
        [ -f "$data/traces/inference/AzureLLMInferenceTrace_conv.csv" ] &&
            head -200 "$data/traces/inference/AzureLLMInferenceTrace_conv.csv" >"$c/z.csv" ;;
    flows_csv)
        printf 'id,src,dst,bytes,start_time\nf1,a,d,1e9,0\nf2,d,b,5e8,1.5\n' >"$c/f.csv"
        printf 'id,src,dst,bytes,start_time,path\nf1,a,d,1e9,0,a b c d\nf2,d,b,5e8,1.5,\n' >"$c/p.csv"
        find "$src/tests/scenarios" -name '*.csv' -exec cp {} "$c/" \; ;;
    graphml)
        find "$src/tests" -name '*.graphml' -exec cp {} "$c/" \;
        for f in "$data"/topologies/*.graphml; do [ -f "$f" ] && cp "$f" "$c/"; done ;;
    experiment)
        find "$src/scenarios/experiments" "$src/tests/scenarios/bad-experiments" -name '*.xml' \
            -exec cp {} "$c/" \; ;;
    esac
    # libFuzzer needs at least one input.
    [ -n "$(ls "$c")" ] || printf 'x\n' >"$c/empty"
}

for t in $targets; do
    [ -f "$src/tests/fuzz/fuzz_$t.c" ] || { echo "run.sh: no target $t" >&2; exit 64; }
    clang $cflags "$src/tests/fuzz/fuzz_$t.c" "$lib" $libs -o "$build/fuzz_$t"
    corpus="$build/corpus-$t"
    seed "$t" "$corpus"
    echo "=== $t: $secs s"
    (cd "$src/tests/scenarios/ok" 2>/dev/null || cd "$src"
     "$build/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
         -artifact_prefix="$src/tests/fuzz/crash-$t-" -print_final_stats=1 "$corpus" 2>&1 |
         grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|ERROR|SUMMARY' || true)
done
