#!/bin/sh
# The Python package (python/cpnsim, docs/python.md), run by `make check`: a small batch of two
# policies on national.xml (6 simulated hours), then tests/python/test_cpnsim.py against the
# HDF5 tools' view of its traces.  Skips (77) when python3 lacks h5py, pandas or matplotlib
# (Debian: apt-get install python3-h5py python3-pandas python3-matplotlib) or h5dump is missing.
set -u
src=${CPN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=$(cd "${CPN_BUILDDIR:-.}" && pwd)/cpnsim
# The first of $PYTHON, python3 and Debian's /usr/bin/python3 that has the modules (a
# python3 of pyenv or a virtualenv earlier on the PATH may not see Debian's packages).
python=
for p in ${PYTHON:-} python3 /usr/bin/python3; do
    if "$p" -c "import h5py, pandas, numpy, matplotlib" 2>/dev/null; then
        python=$p
        break
    fi
done
if [ -z "$python" ]; then
    echo "SKIP: no python3 with h5py, pandas, numpy and matplotlib (Debian: python3-h5py python3-pandas python3-matplotlib)"
    exit 77
fi
command -v h5dump >/dev/null 2>&1 || { echo "SKIP: h5dump not found (Debian: hdf5-tools)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/exp.xml" <<EOF2
<experiment version="1">
  <scenario file="$src/scenarios/national.xml"/>
  <policy name="nearest"/>
  <policy name="earliest_finish"/>
  <set target="simulation@until" value="6h"/>
  <seeds first="1" count="1"/>
  <report by="policy" metrics="job.all.count"/>
</experiment>
EOF2
if ! (cd "$tmp" && "$bin" --quiet batch exp.xml -j 2 -o out >/dev/null 2>"$tmp/batch.err"); then
    echo "FAIL: the batch of the Python tests"; cat "$tmp/batch.err"
    exit 1
fi
mkdir -p "$tmp/figures"
CPN_TRACES="$(ls "$tmp"/out/*.h5 | tr '\n' ' ')" CPN_OUT="$tmp/figures" PYTHON="$python" CPN_SRCDIR="$src" CPN_BIN="$bin" \
    PYTHONPATH="$src/python${PYTHONPATH:+:$PYTHONPATH}" MPLCONFIGDIR="$tmp/mpl" \
    "$python" "$src/tests/python/test_cpnsim.py" 2>&1
