"""python3 -m cpnsim plot KIND TRACE.h5... -o FILE (docs/python.md, "Plots")."""

import argparse
import os
import sys

try:
    import cpnsim.trace  # noqa: F401 (h5py, pandas, numpy)
    from cpnsim import read
except ImportError as e:
    # Name the interpreter: the python3 first in PATH (a virtualenv, pyenv, conda) may lack
    # modules that Debian's own has.
    print(f"cpnsim plot: {e} in {sys.executable} (Debian: apt-get install python3-h5py "
          "python3-pandas python3-matplotlib; CPNSIM_PYTHON names the interpreter to use, e.g. "
          "CPNSIM_PYTHON=/usr/bin/python3)", file=sys.stderr)
    sys.exit(69)


class _Parser(argparse.ArgumentParser):
    """argparse with cpnsim's exit status for a usage error: 64 (EX_USAGE), not 2."""

    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(64)


def main(argv=None):
    # (cpnsim plot sets CPNSIM_PROG, so that a usage error names the command the user typed.)
    parser = _Parser(prog=os.environ.get("CPNSIM_PROG") or "python3 -m cpnsim")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("plot", help="draw a figure from traces (PNG, PDF or SVG by extension)")
    p.add_argument("kind", choices=["jct-cdf", "wait-cdf", "center-util", "pool-util", "link-util",
                                    "link-heatmap", "gantt", "series"])
    p.add_argument("traces", nargs="+",
                   help="HDF5 traces written by cpnsim run -o (series: one series-ID.csv)")
    p.add_argument("-o", "--output", required=True, help="the figure's file")
    p.add_argument("--by", default="policy",
                   help="root attribute labelling the lines of a CDF (default: policy)")
    p.add_argument("--center", help="the center of a Gantt chart (its id)")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    args = parser.parse_args(argv)
    if os.path.exists(args.output) and not args.force:
        print(f"cpnsim plot: {args.output}: already exists (use --force to replace it)",
              file=sys.stderr)
        return 73
    folder = os.path.dirname(args.output) or "."
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
        why = ("does not exist (create the folder, or give another path)"
               if not os.path.exists(folder) else "is not a folder" if not os.path.isdir(folder)
               else "cannot be written in")
        print(f"cpnsim plot: {args.output}: cannot create: its folder {folder} {why}",
              file=sys.stderr)
        return 73
    try:
        from cpnsim import plot  # matplotlib only when plotting
    except ImportError as e:
        print(f"cpnsim plot: {e} (Debian: apt-get install python3-matplotlib)", file=sys.stderr)
        return 69

    try:
        if args.kind == "series":
            if len(args.traces) != 1:
                p.error("series draws one series-ID.csv")
            plot.series(args.traces[0], out=args.output)
            print(f"cpnsim plot: wrote {args.output}")
            return 0
        traces = [read(path) for path in args.traces]
        if args.kind in ("jct-cdf", "wait-cdf"):
            plot.cdf(traces, what=args.kind.split("-")[0], by=args.by, out=args.output)
        elif len(traces) != 1:
            p.error(f"{args.kind} draws one trace ({len(traces)} given)")
        elif args.kind in ("center-util", "pool-util"):
            plot.utilisation(traces[0], kind=args.kind.split("-")[0], out=args.output)
        elif args.kind == "link-util":
            plot.utilisation(traces[0], kind="link", out=args.output)
        elif args.kind == "link-heatmap":
            plot.link_heatmap(traces[0], out=args.output)
        else:
            if not args.center:
                p.error("gantt needs --center ID")
            plot.gantt(traces[0], args.center, out=args.output)
    except (OSError, KeyError, ValueError) as e:
        # (A KeyError's str() is the repr of its message: print the message.)
        print(f"cpnsim plot: {e.args[0] if isinstance(e, KeyError) and e.args else e}",
              file=sys.stderr)
        return 65 if isinstance(e, (KeyError, ValueError)) else 66
    print(f"cpnsim plot: wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
