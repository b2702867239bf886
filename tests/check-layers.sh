#!/bin/sh
# Layering check (DESIGN.md §2): sim/ and models/ include no libxml2 or HDF5 header, and no lower
# layer includes a higher one.  Layers, lowest first: sim (kernel) < models < scenarios, output <
# sim/cpnsim.c (the program, which may use everything).
src=${CPN_SRCDIR:-$(dirname "$0")/..}
cd "$src" || exit 99
fail=0
bad() { echo "layering: $1"; fail=1; }
for f in sim/*.c sim/*.h models/*.c models/*.h models/*/*.c models/*/*.h; do
    [ -f "$f" ] || continue
    case "$f" in sim/cpnsim*) continue;; esac
    grep -n -E '#[[:space:]]*include[[:space:]]*[<"](libxml/|hdf5|H5)' "$f" |
        while IFS= read -r l; do echo "layering: $f:${l%%:*}: sim/ and models/ must not include libxml2 or HDF5 headers"; done | grep . && fail=1
done
check() { # files, forbidden include prefixes
    files=$1; shift
    for f in $files; do
        [ -f "$f" ] || continue
        case "$f" in sim/cpnsim*) continue;; esac
        for p in "$@"; do
            grep -n -E "#[[:space:]]*include[[:space:]]*\"$p/" "$f" |
                while IFS= read -r l; do echo "layering: $f:${l%%:*}: includes $p/, a higher layer"; done | grep . && fail=1
        done
    done
}
check "$(ls sim/*.c sim/*.h 2>/dev/null)" models scenarios output
check "$(ls models/*.c models/*.h models/*/*.c models/*/*.h 2>/dev/null)" scenarios output
check "$(ls scenarios/*.c scenarios/*.h 2>/dev/null)" output
check "$(ls output/*.c output/*.h 2>/dev/null)" scenarios
if [ $fail -ne 0 ]; then
    exit 1
fi
echo "layering: sim/ models/ scenarios/ output/ respect DESIGN.md §2"
exit 0
