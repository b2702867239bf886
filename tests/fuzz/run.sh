#!/bin/sh
# Fuzz the scenario loader with libFuzzer (clang) under ASan + UBSan.
#   tests/fuzz/run.sh [SECONDS]      (default 60; the issue's acceptance run used 1800)
# Needs: clang, libclang-rt-14-dev (Debian), the project's dependencies, and a configured tree
# (config.h) in $BUILD (default: ./_build-fuzz, created here).  The corpus starts from every
# scenario under tests/scenarios/ and scenarios/; crashes are written to tests/fuzz/crash-*.
# Run it from the source tree root.
set -eu
secs=${1:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$src/_build-fuzz}
mkdir -p "$build"
if [ ! -f "$build/config.h" ]; then
    (cd "$build" && CC=clang "$src/configure" -q)
fi
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$src -I$build -D_GNU_SOURCE -std=c11"
cflags="$cflags $(pkg-config --cflags gsl libxml-2.0 zlib hdf5)"
libs="$(pkg-config --libs gsl libxml-2.0 zlib) -lm"
objs=""
for f in $(cd "$src" && ls sim/*.c models/*/*.c scenarios/*.c); do
    o="$build/fuzz-$(echo "$f" | tr / _).o"
    clang $cflags -fsanitize=fuzzer-no-link -c "$src/$f" -o "$o" 2>/dev/null ||
        clang $(echo "$cflags" | sed 's/-fsanitize=fuzzer,/-fsanitize=/') -c "$src/$f" -o "$o"
    objs="$objs $o"
done
sh "$src/scenarios/embed.sh" cpn_scen_xsd scenarios/load.h "$src/scenarios/cpnsim.xsd" > "$build/fuzz-xsd.c"
clang $cflags -c "$build/fuzz-xsd.c" -o "$build/fuzz-xsd.o"
clang $cflags "$src/tests/fuzz/fuzz_load.c" $objs "$build/fuzz-xsd.o" $libs -o "$build/fuzz_load"
corpus="$build/corpus"
mkdir -p "$corpus"
find "$src/tests/scenarios" "$src/scenarios" -name '*.xml' -exec cp {} "$corpus/" \;
cd "$src/tests/scenarios/ok" 2>/dev/null || cd "$src"
"$build/fuzz_load" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$src/tests/fuzz/crash-" -print_final_stats=1 "$corpus"
