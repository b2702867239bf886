"""Reading a cpnsim trace (docs/output-format.md) into pandas DataFrames."""

import os
import zlib

import h5py
import numpy as np
import pandas as pd

# Tables of a trace, in the order docs/output-format.md gives them.
STATIC_TABLES = ("nodes", "links", "centers", "pools")
RECORD_TABLES = ("jobs", "flows", "requests", "events", "compute")

# CPN_NONE: "no entity" in an index column (docs/output-format.md, "Conventions").
NONE = 2**32 - 1


def _text(value):
    """A string attribute or field as str (h5py gives bytes for fixed-length strings)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.dtype.kind in "SO":
        return [_text(v) for v in value.tolist()]
    return value


# The user block of a trace (docs/output-format.md, "Checksum"): its first line, then
# "crc32 XXXXXXXX" and "bytes N" of the bytes after the block.
USERBLOCK = 512
CHECKSUM_MAGIC = b"cpnsim-trace-checksum 1\n"


def check(path):
    """Check the checksum of the trace at @p path before HDF5 reads it (HDF5 can crash or read
    wrong values on a damaged file).  Returns True when it matches, False when the file has no
    checksum (a trace of an older cpnsim); raises ValueError when the file is damaged (it
    changed after cpnsim wrote it) and OSError when it cannot be read or is not a regular file
    (a folder, a device or a FIFO, which open() would wait on)."""
    if os.path.exists(path) and not os.path.isfile(path):
        raise OSError(f"{path}: not a regular file (a folder, a device or a FIFO: give a trace "
                      f"written by cpnsim run -o)")
    with open(path, "rb") as f:
        block = f.read(USERBLOCK)
        if len(block) < USERBLOCK or not block.startswith(CHECKSUM_MAGIC):
            return False
        fields = dict(line.split(b" ", 1) for line in
                      block[len(CHECKSUM_MAGIC):].split(b"\0", 1)[0].splitlines() if b" " in line)
        try:
            want_crc, want_bytes = int(fields[b"crc32"], 16), int(fields[b"bytes"])
        except (KeyError, ValueError):
            return False
        crc, count = 0, 0
        for chunk in iter(lambda: f.read(1 << 20), b""):
            crc = zlib.crc32(chunk, crc)
            count += len(chunk)
    if count != want_bytes:
        raise ValueError(f"{path}: damaged: {count} bytes after its checksum block, where cpnsim "
                         f"wrote {want_bytes} (cut short, or changed after cpnsim wrote it)")
    if crc != want_crc:
        raise ValueError(f"{path}: damaged: its CRC-32 is {crc:08x} where cpnsim wrote "
                         f"{want_crc:08x} (the file changed after cpnsim wrote it)")
    return True


def _frame(dataset):
    """A compound dataset as a DataFrame: enum fields as categoricals of their names, strings
    as str, the units of each column in df.attrs["units"]."""
    data = dataset[()]
    columns = {}
    units = {}
    for name in data.dtype.names:
        column = data[name]
        enum = h5py.check_enum_dtype(dataset.dtype[name])
        if enum is not None:
            names = {code: label for label, code in enum.items()}
            codes = sorted(names)
            column = pd.Categorical.from_codes(
                [codes.index(c) for c in column.tolist()], categories=[names[c] for c in codes])
        elif column.dtype.kind in "SO":
            column = [_text(v) for v in column.tolist()]
        columns[name] = column
        units[name] = _text(dataset.attrs.get("units:" + name, ""))
    frame = pd.DataFrame(columns)
    frame.attrs["units"] = units
    return frame


class Trace:
    """One cpnsim trace, read whole.

    Attributes: ``attrs`` (root attributes: provenance, measurements; their units in
    ``attrs["units:NAME"]``), ``path``, and one DataFrame per table present: ``nodes``,
    ``links``, ``centers``, ``pools``, ``summary``, ``jobs``, ``flows``, ``requests``,
    ``events``, ``compute`` (a table the trace level did not write is None), and ``series``:
    a dict with ``time`` (seconds), ``center_util`` (samples x centers, columns named by center
    id), ``pool_util`` (samples x pools, columns "CENTER/K" for pool K of a center, in /pools
    order) and ``link_util`` (samples x 2 links, columns "LINK a->b" and "LINK b->a").
    """

    def __init__(self, path):
        self.path = str(path)
        check(self.path)
        with h5py.File(self.path, "r") as f:
            if _text(f.attrs.get("format", "")) != "cpnsim-trace":
                raise ValueError(f"{self.path}: not a cpnsim trace (root attribute format is "
                                 f"{_text(f.attrs.get('format', 'missing'))!r})")
            self.attrs = {k: _text(v.item() if getattr(v, "shape", None) == () else v)
                          for k, v in f.attrs.items()}
            for name in STATIC_TABLES + RECORD_TABLES + ("summary",):
                setattr(self, name, _frame(f[name]) if name in f else None)
            self.series = {}
            if "series" in f:
                g = f["series"]
                time = g["time"][()]
                self.series["time"] = pd.Series(time, name="time")
                if "center_util" in g and self.centers is not None:
                    frame = pd.DataFrame(g["center_util"][()], index=time,
                                         columns=list(self.centers["id"]))
                    frame.attrs["units"] = _text(g["center_util"].attrs.get("units", "1"))
                    self.series["center_util"] = frame
                if "pool_util" in g and self.pools is not None and self.centers is not None:
                    ids = list(self.centers["id"])
                    names, seen = [], {}
                    for c in self.pools["center"]:
                        k = seen.get(c, 0)
                        seen[c] = k + 1
                        names.append(f"{ids[c]}/{k}")
                    frame = pd.DataFrame(g["pool_util"][()], index=time, columns=names)
                    frame.attrs["units"] = _text(g["pool_util"].attrs.get("units", "1"))
                    self.series["pool_util"] = frame
                if "link_util" in g and self.links is not None:
                    names = []
                    for link in self.links["id"]:
                        names += [f"{link} a->b", f"{link} b->a"]
                    frame = pd.DataFrame(g["link_util"][()], index=time, columns=names)
                    frame.attrs["units"] = _text(g["link_util"].attrs.get("units", "1"))
                    self.series["link_util"] = frame

    def units(self, table):
        """The units of @p table's columns: a dict column -> unit ("" for indices, enums and
        text, "1" for dimensionless quantities)."""
        frame = getattr(self, table)
        if frame is None:
            raise KeyError(f"{self.path}: no table {table!r} at trace level "
                           f"{self.attrs.get('trace_level')!r}")
        return dict(frame.attrs["units"])

    def metric(self, name):
        """The value of summary metric @p name (NaN when undefined in this run)."""
        rows = self.summary[self.summary["metric"] == name]
        if rows.empty:
            raise KeyError(f"{self.path}: no summary metric {name!r}")
        return float(rows["value"].iloc[0])

    def label(self):
        """A short name of the run for captions: scenario file, policy and seed."""
        scenario = str(self.attrs.get("scenario_path", "?")).rsplit("/", 1)[-1]
        return f"{scenario} {self.attrs.get('policy', '?')} seed {self.attrs.get('seed', '?')}"


def read(path):
    """Read the cpnsim trace at @p path (an HDF5 file written by `cpnsim run -o`).

    Raises OSError when the file cannot be opened and ValueError when it is not a cpnsim
    trace or is damaged (its checksum, check(), does not match).  Returns a Trace.
    """
    return Trace(path)
