"""cpnsim: read cpnsim's HDF5 traces into pandas and plot them.

    import cpnsim
    t = cpnsim.read("run.h5")
    t.jobs                      # a DataFrame, one row per job that ended
    t.units("jobs")["wait"]     # "s"
    t.attrs["policy"]           # root attributes (provenance, measurements)

The trace format is docs/output-format.md of the cpnsim source tree.  Dependencies: Debian's
python3-h5py, python3-pandas, python3-numpy (and python3-matplotlib for cpnsim.plot).
"""

from cpnsim.trace import Trace, read

__all__ = ["Trace", "read"]
__version__ = "0.1.0"
