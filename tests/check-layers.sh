#!/bin/sh
# Layering check (docs/architecture.md "Layers"; DESIGN.md §2).  Layers, lowest first:
#   sim/ (kernel) < models/ < scenarios/, output/ < cli/ (the program, may use everything)
# A file may include only headers of its own layer or lower ones, by any spelling of the path
# ("output/x.h", "../output/x.h", "./../../cli/x.h", "models/../output/x.h"); scenarios/ and
# output/ are side by side and include neither the other.  sim/ and models/ include no libxml2
# or HDF5 header (the build enforces that too: their libraries are compiled without those
# include flags).  Usage: check-layers.sh [SOURCE_TREE]; exit 0 clean, 1 a violation.
src=${1:-${CPN_SRCDIR:-$(dirname "$0")/..}}
cd "$src" || exit 99
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# rank LAYER: 0 kernel, 1 models, 2 scenarios or output, 3 cli; empty for anything else.
# forbidden FILE_LAYER INCLUDED_LAYER: succeeds when the include goes up (or sideways 2 <-> 2).
forbidden() {
    case "$1:$2" in
    sim:models | sim:scenarios | sim:output | sim:cli) return 0 ;;
    models:scenarios | models:output | models:cli) return 0 ;;
    scenarios:output | scenarios:cli | output:scenarios | output:cli) return 0 ;;
    esac
    return 1
}

for f in $(find sim models scenarios output cli -name '*.[ch]' 2>/dev/null | sort); do
    layer=${f%%/*}
    dir=$(dirname "$f")
    # Every quoted include, resolved: relative to the file's folder when that file exists,
    # else relative to the tree root (the -I$(top_srcdir) spelling); "." and ".." folded.
    grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]+"' "$f" |
        sed -E 's/^([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1 \2/' |
        while read -r line path; do
            if [ -e "$dir/$path" ]; then cand="$dir/$path"; else cand="$path"; fi
            norm=$(printf '%s\n' "$cand" | awk -F/ '{
                n = 0
                for (i = 1; i <= NF; i++) {
                    if ($i == "" || $i == ".") continue
                    if ($i == "..") { if (n > 0) n--; continue }
                    p[++n] = $i
                }
                s = ""; for (i = 1; i <= n; i++) s = s (i > 1 ? "/" : "") p[i]; print s }')
            top=${norm%%/*}
            if forbidden "$layer" "$top"; then
                echo "layering: $f:$line: includes \"$path\" ($top/), a higher layer than $layer/"
            fi
        done >>"$out"
    case "$layer" in
    sim | models)
        grep -n -E '#[[:space:]]*include[[:space:]]*[<"]([^">]*/)?(libxml/|hdf5|H5[A-Za-z]*\.h)' "$f" |
            while IFS= read -r l; do
                echo "layering: $f:${l%%:*}: $layer/ must not include libxml2 or HDF5 headers"
            done >>"$out"
        ;;
    esac
done
if [ -s "$out" ]; then
    cat "$out"
    exit 1
fi
echo "layering: sim/ < models/ < scenarios/, output/ < cli/ respected"
exit 0
