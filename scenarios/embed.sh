#!/bin/sh
# Print a C source that embeds FILE as `const unsigned char SYMBOL[]` plus `SYMBOL_len`.
#   sh scenarios/embed.sh SYMBOL HEADER FILE > out.c
# HEADER is the project header that declares the two symbols (included for type checking).
# Uses only od and sed (no xxd), so it runs on any POSIX system.
set -eu
sym=$1 header=$2 file=$3
echo "/* Generated from $(basename "$file") by scenarios/embed.sh: do not edit. */"
echo "#include <stddef.h>"
[ -n "$header" ] && echo "#include \"$header\""
echo "const unsigned char ${sym}[] = {"
od -An -v -tx1 "$file" | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'
echo "};"
echo "const size_t ${sym}_len = sizeof ${sym};"
