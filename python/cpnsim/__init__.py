"""cpnsim: read cpnsim's HDF5 traces into pandas and plot them; write policies in Python.

    import cpnsim
    t = cpnsim.read("run.h5")
    t.jobs                      # a DataFrame, one row per job that ended
    t.units("jobs")["wait"]     # "s"
    t.attrs["policy"]           # root attributes (provenance, measurements)

    class Mine(cpnsim.Policy):  # cpnsim run ... --policy-exec "mine=python3 mine.py"
        def place(self, job, view): ...

The trace format is docs/output-format.md of the cpnsim source tree; the policy protocol is
docs/policy-protocol.md.  Dependencies: Debian's
python3-h5py, python3-pandas, python3-numpy (and python3-matplotlib for cpnsim.plot), imported
when first used, so that `python3 -m cpnsim` can say which one is missing.
"""

__all__ = ["Trace", "read", "Policy", "View", "Job", "Reject"]
__version__ = "0.1.0"

# Policies need the standard library only (a policy process starts fast, without pandas).
from cpnsim.policy import Job, Policy, Reject, View  # noqa: E402


def read(path):
    """Read the cpnsim trace at @p path: see cpnsim.trace.read()."""
    from cpnsim.trace import read as _read

    return _read(path)


def __getattr__(name):  # cpnsim.Trace, imported on first use (PEP 562)
    if name == "Trace":
        from cpnsim.trace import Trace

        return Trace
    raise AttributeError(f"module 'cpnsim' has no attribute {name!r}")
