"""Tests of the Python package (python/cpnsim) against the HDF5 tools' view of the same traces.

Run by tests/python/run.sh with CPN_TRACES = the traces of a small batch (two policies) and
CPN_OUT = a directory for figures.  Every value read() gives is compared with h5dump's text of
the same dataset (an independent reader), and every plot's data with values computed here from
that text.
"""

import math
import os
import re
import subprocess
import unittest

import numpy as np

import cpnsim
from cpnsim import plot

TRACES = sorted(os.environ["CPN_TRACES"].split())
OUT = os.environ["CPN_OUT"]


def h5dump_data(path, dataset):
    """The text of h5dump's DATA block of @p dataset (up to its closing brace)."""
    text = subprocess.run(["h5dump", "-m", "%.17g", "-w", "0", "-y", "-d", dataset, path],
                          check=True, capture_output=True, text=True).stdout
    start = text.index("DATA {") + len("DATA {")
    depth = 1
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text, text[start:i]
    raise ValueError(f"h5dump {dataset}: unterminated DATA block")


def h5dump_rows(path, dataset):
    """The records of a compound dataset as h5dump prints them: a list of lists of str."""
    data = h5dump_data(path, dataset)[1]
    rows = []
    for record in re.findall(r"\{([^{}]*)\}", data):
        rows.append([v.strip().strip('"') for v in record.replace("\n", " ").split(",")])
    return rows


def h5dump_matrix(path, dataset):
    """A numeric 1-D or 2-D dataset as h5dump prints it, as a numpy array (rows x columns)."""
    text, data = h5dump_data(path, dataset)
    dims = [int(d) for d in re.search(r"DATASPACE\s+SIMPLE \{ \( ([0-9, ]+) \)", text)
            .group(1).split(",")]
    values = [float(v) for v in re.findall(r"[-+0-9.eEnaif]+", data.replace("\n", " "))
              if re.match(r"^[-+]?(\d|nan|inf)", v)]
    return np.array(values).reshape(dims)


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


class ReadTest(unittest.TestCase):
    def test_jobs_equal_h5dump(self):
        for path in TRACES:
            t = cpnsim.read(path)
            rows = h5dump_rows(path, "/jobs")
            self.assertEqual(len(rows), len(t.jobs))
            self.assertGreater(len(rows), 100)
            names = list(t.jobs.columns)
            for i, row in enumerate(rows):
                for name, text in zip(names, row):
                    value = t.jobs[name].iloc[i]
                    if name in ("kind", "state"):
                        self.assertEqual(str(value), text, (path, i, name))
                    else:
                        self.assertTrue(same(float(value), float(text)), (path, i, name))

    def test_summary_units_and_attributes(self):
        t = cpnsim.read(TRACES[0])
        rows = h5dump_rows(TRACES[0], "/summary")
        self.assertEqual([r[0] for r in rows], list(t.summary["metric"]))
        for r, value, unit in zip(rows, t.summary["value"], t.summary["unit"]):
            self.assertTrue(same(float(r[1]), float(value)), r)
            self.assertEqual(r[2], unit)
        self.assertEqual(t.units("jobs")["wait"], "s")
        self.assertEqual(t.units("jobs")["bytes_in"], "B")
        if t.flows is not None:
            self.assertEqual(t.units("flows")["mean_rate"], "B/s")
        self.assertIn(t.attrs["policy"], ("nearest", "earliest_finish"))
        self.assertEqual(t.attrs["format"], "cpnsim-trace")
        self.assertEqual(t.metric("job.all.count"),
                         float([r[1] for r in rows if r[0] == "job.all.count"][0]))

    def test_not_a_trace(self):
        with self.assertRaises(OSError):
            cpnsim.read(os.path.join(OUT, "missing.h5"))
        import h5py

        other = os.path.join(OUT, "other.h5")
        with h5py.File(other, "w") as f:
            f.attrs["format"] = "something-else"
        with self.assertRaisesRegex(ValueError, "not a cpnsim trace"):
            cpnsim.read(other)
        fifo = os.path.join(OUT, "fifo.h5")  # opening it would wait for a writer for ever
        if not os.path.exists(fifo):
            os.mkfifo(fifo)
        import signal

        def waited(signum, frame):
            raise AssertionError("cpnsim.read() waited on a FIFO")

        old = signal.signal(signal.SIGALRM, waited)
        signal.alarm(20)
        try:
            for path in (fifo, OUT):
                with self.assertRaisesRegex(OSError, "not a regular file"):
                    cpnsim.read(path)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)

    def test_a_damaged_trace_is_refused_by_its_checksum(self):
        """A trace of this cpnsim carries its CRC-32 (checked here with zlib over the bytes after
        the 512-byte user block); one flipped byte makes cpnsim.read() raise ValueError before
        h5py opens it; a trace without the checksum (an older cpnsim) reads unchecked."""
        import zlib

        from cpnsim import trace

        data = bytearray(open(TRACES[0], "rb").read())
        head = data[:512].split(b"\0", 1)[0].decode()
        self.assertEqual(head, "cpnsim-trace-checksum 1\ncrc32 %08x\nbytes %d\n"
                         % (zlib.crc32(bytes(data[512:])), len(data) - 512))
        self.assertTrue(trace.check(TRACES[0]))
        bad = os.path.join(OUT, "damaged.h5")
        data[len(data) // 2] ^= 0x10
        open(bad, "wb").write(data)
        with self.assertRaisesRegex(ValueError, "damaged: its CRC-32 is"):
            cpnsim.read(bad)
        data[len(data) // 2] ^= 0x10
        data[:512] = bytes(512)
        open(bad, "wb").write(data)
        self.assertFalse(trace.check(bad))
        self.assertEqual(len(cpnsim.read(bad).jobs), len(cpnsim.read(TRACES[0]).jobs))


class PlotTest(unittest.TestCase):
    def done_times(self, path, what):
        names = [n for n in cpnsim.read(path).jobs.columns]
        col = {n: k for k, n in enumerate(names)}
        values = []
        for row in h5dump_rows(path, "/jobs"):
            if row[col["state"]] != "done":
                continue
            v = float(row[col["end" if what == "jct" else "start"]]) - float(row[col["submit"]])
            if math.isfinite(v):
                values.append(v)
        return sorted(values)

    def test_cdfs_plot_the_done_jobs(self):
        traces = [cpnsim.read(p) for p in TRACES]
        # The caption names the runs, grouped: scenario, policies, seeds (ranges).
        names = sorted(t.attrs["policy"] for t in traces)
        self.assertEqual(plot.caption_text(sorted(traces, key=lambda t: t.attrs["policy"])),
                         f"from 2 runs: national.xml: {names[0]}, {names[1]}, seed 1 each")
        self.assertEqual(plot._ranges([5, 1, 2, 3, 7, 8]), "1-3, 5, 7-8")
        for what in ("jct", "wait"):
            out = os.path.join(OUT, f"{what}.png")
            data = plot.cdf(traces, what=what, out=out)
            self.assertGreater(os.path.getsize(out), 1000)
            self.assertEqual(sorted(data), ["earliest_finish", "nearest"])
            for path, t in zip(TRACES, traces):
                expect = self.done_times(path, what)
                self.assertEqual(list(data[t.attrs["policy"]]), expect)

    def test_center_and_link_utilisation(self):
        path = TRACES[0]
        t = cpnsim.read(path)
        centers = h5dump_matrix(path, "/series/center_util")
        links = h5dump_matrix(path, "/series/link_util")
        times = h5dump_matrix(path, "/series/time")
        for ext in ("png", "pdf", "svg"):
            out = os.path.join(OUT, f"centers.{ext}")
            frame = plot.utilisation(t, kind="center", out=out)
            self.assertGreater(os.path.getsize(out), 1000)
        np.testing.assert_array_equal(frame.to_numpy(), centers.astype(np.float32))
        np.testing.assert_array_equal(frame.index.to_numpy(), times)
        pools = h5dump_matrix(path, "/series/pool_util")
        out = os.path.join(OUT, "pools.png")
        frame = plot.utilisation(t, kind="pool", out=out)
        self.assertGreater(os.path.getsize(out), 1000)
        np.testing.assert_array_equal(frame.to_numpy(), pools.astype(np.float32))
        self.assertEqual(list(frame.columns[:2]), [f"{t.centers['id'][0]}/0",
                                                   f"{t.centers['id'][1]}/0"])
        busier = np.maximum(links[:, 0::2], links[:, 1::2]).astype(np.float32)
        out = os.path.join(OUT, "links.png")
        matrix = plot.link_heatmap(t, out=out)
        self.assertGreater(os.path.getsize(out), 1000)
        np.testing.assert_array_equal(matrix, busier.T)

    def test_samples_over_their_cells(self):
        """A workload that ends long before `until` (one job in a day): sampling stops once no
        work is left and the last sample is taken at the run's end, so the last cell lasts
        nearly the whole day.  Each sample is drawn over its cell (plot.sample_cells()), not
        spread evenly over the axis (which drew 15 minutes of traffic as 22 hours).  By hand:
        the job stages in 60 GB over 100 Gbit/s (12.5 GB/s), 4.8 s of the link's a->b direction
        at full rate, so the link samples, weighted by their cells' lengths, add up to 4.8 s."""
        tmp = os.path.join(OUT, "cells")
        os.makedirs(tmp, exist_ok=True)
        scenario, trace = os.path.join(tmp, "one-job.xml"), os.path.join(tmp, "one-job.h5")
        with open(scenario, "w") as f:
            f.write("""<?xml version="1.0" encoding="UTF-8"?>
<cpnsim version="1">
  <simulation until="1d" seed="3" sample="1min"/>
  <topology>
    <node id="user"/>
    <node id="dc"/>
    <link id="wan" a="user" b="dc" capacity="100Gbps" latency="1ms"/>
  </topology>
  <centers>
    <center id="c" node="dc">
      <pool units="4" per-unit="1TFLOPS" accelerator="cpu"/>
    </center>
  </centers>
  <workload>
    <generator id="g" kind="batch" rate="6/h" max-jobs="1" origin="user" accelerator="cpu"
               duration="const(10min)" bytes-in="const(60GB)"/>
  </workload>
</cpnsim>
""")
        subprocess.run([os.environ["CPN_BIN"], "--quiet", "run", scenario, "-o", trace,
                        "--force"], check=True)
        t = cpnsim.read(trace)
        times = h5dump_matrix(trace, "/series/time")
        links = h5dump_matrix(trace, "/series/link_util")
        self.assertEqual(times[-1], 86400.0)
        self.assertLess(times[-2], 3600.0)  # the job's day ended within the hour
        np.testing.assert_array_equal(plot.sample_cells(times, "link"),
                                      np.concatenate(([0.0], times)))
        np.testing.assert_array_equal(plot.sample_cells(times, "center"),
                                      np.concatenate((times, times[-1:])))
        busy = np.sum(links[:, 0] * np.diff(plot.sample_cells(times, "link")))
        self.assertAlmostEqual(busy, 4.8, delta=4.8 * 1e-6)  # float32 samples
        self.assertEqual(np.sum(links[:, 1]), 0.0)
        drawn = []
        saved = plot._save
        plot._save = lambda fig, out: drawn.append(fig)  # keep the figure to look at it
        try:
            plot.link_heatmap(t)
            plot.utilisation(t, kind="link")
        finally:
            plot._save = saved
        mesh = drawn[0].axes[0].collections[0]
        np.testing.assert_array_equal(mesh.get_coordinates()[0, :, 0],
                                      np.concatenate(([0.0], times)) / 3600)
        steps = drawn[1].axes[0].patches[0]
        np.testing.assert_array_equal(steps.get_data().edges, np.concatenate(([0.0], times)) / 3600)

    def test_gantt_of_one_center(self):
        path = TRACES[0]
        t = cpnsim.read(path)
        col = {n: k for k, n in enumerate(t.jobs.columns)}
        center = 0
        expect = sorted((float(r[col["start"]]), int(r[col["id"]]), float(r[col["end"]]))
                        for r in h5dump_rows(path, "/jobs")
                        if int(r[col["center"]]) == center and r[col["start"]] != "nan"
                        and r[col["end"]] != "nan")
        out = os.path.join(OUT, "gantt.png")
        bars = plot.gantt(t, t.centers["id"][center], out=out)
        self.assertGreater(os.path.getsize(out), 1000)
        self.assertEqual([(s, i, e) for s, i, e in zip(bars["start"], bars["id"], bars["end"])],
                         expect)
        self.assertGreater(len(expect), 0)
        with self.assertRaises(KeyError):
            plot.gantt(t, "no-such-center")


class SeriesTest(unittest.TestCase):
    def test_paper_series_curves(self):
        """Every golden sensitivity series: the curves plotted equal the CSV's rows, read here
        with the csv module (x converted by hand for the prefetch series: GB and TB to B)."""
        import csv
        import glob

        files = sorted(glob.glob(os.path.join(os.environ["CPN_SRCDIR"], "tests", "scenarios",
                                              "golden", "paper", "series-*.csv")))
        self.assertEqual(len(files), 4)
        for path in files:
            out = os.path.join(OUT, os.path.basename(path) + ".png")
            curves = plot.series(path, out=out)
            self.assertGreater(os.path.getsize(out), 1000)
            with open(path, newline="") as f:
                rows = list(csv.reader(f))
            header, body = rows[0], rows[1:]
            ny = sum(h.startswith("headline.") for h in header)
            nx = len(header) - ny - 1  # curve columns before x
            self.assertEqual(sum(len(x) for x, _ in curves.values()), len(body))
            for r in body:
                label = ", ".join(r[:nx]) or header[nx]
                x, ys = curves[label]
                text = r[nx]
                scale = {"GB": 1e9, "TB": 1e12}.get(text[-2:], 1.0) if "prefetch" in path else 1
                number = float(text.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
                k = x.index(number * scale)
                for h, v in zip(header[nx + 1:], r[nx + 1:]):
                    self.assertEqual(ys[h][k], float(v), (path, r))


class DocTest(unittest.TestCase):
    def test_every_command_of_docs_python_md(self):
        """Every ```sh line and ```python block of docs/python.md, in order, from a directory
        that looks like the source tree (scenarios, python, tests linked), with cpnsim and the
        python3 that has the modules first on the PATH: each exits 0, and every -o file exists
        and is not empty."""
        import shutil

        src = os.environ["CPN_SRCDIR"]
        work = os.path.join(OUT, "doc")
        os.makedirs(os.path.join(work, "bin"))
        for name in ("scenarios", "python", "tests"):
            os.symlink(os.path.join(src, name), os.path.join(work, name))
        os.symlink(os.environ["CPN_BIN"], os.path.join(work, "bin", "cpnsim"))
        python = shutil.which(os.environ.get("PYTHON", "python3"))
        os.symlink(python, os.path.join(work, "bin", "python3"))
        env = dict(os.environ)
        env["PATH"] = os.path.join(work, "bin") + os.pathsep + env["PATH"]
        env.pop("PYTHONPATH", None)
        env["CPNSIM_PYTHON"] = python
        with open(os.path.join(src, "docs", "python.md")) as f:
            text = f.read()
        # A block after "<!-- save as: FILE -->" is a file the tutorial writes (a policy, an
        # experiment): saved, not run.
        blocks = re.findall(r"(?:<!-- save as: (\S+) -->\n)?```(sh|python|xml)\n(.*?)```", text,
                            re.S)
        self.assertGreaterEqual(len(blocks), 3)
        ran = 0
        saved = 0
        for save, kind, body in blocks:
            if save:
                with open(os.path.join(work, save), "w") as f:
                    f.write(body)
                saved += 1
                continue
            if kind == "xml":
                continue
            if kind == "python":
                script = os.path.join(work, f"block{ran}.py")
                with open(script, "w") as f:
                    f.write(body)
                env["PYTHONPATH"] = "python"
                r = subprocess.run([python, script], cwd=work, env=env, capture_output=True,
                                   text=True)
                env.pop("PYTHONPATH")
                self.assertEqual(r.returncode, 0, (body, r.stderr))
                ran += 1
                continue
            for line in body.splitlines():
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                r = subprocess.run(["sh", "-c", line], cwd=work, env=env, capture_output=True,
                                   text=True)
                self.assertEqual(r.returncode, 0, (line, r.stderr))
                out = re.search(r"-o (\S+)$", line)
                if out and not os.path.isdir(os.path.join(work, out.group(1))):
                    self.assertGreater(os.path.getsize(os.path.join(work, out.group(1))), 0,
                                       line)
                ran += 1
        self.assertGreaterEqual(ran, 13)
        self.assertGreaterEqual(saved, 2)


class CommandTest(unittest.TestCase):
    def test_pip_install(self):
        """pip install ./python (--no-deps: the modules come from Debian) gives an importable
        package that reads a trace; from a copy, since the source tree may be read-only."""
        import shutil

        python = os.environ.get("PYTHON", "python3")
        if subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode:
            self.skipTest("pip is not installed (Debian: python3-pip)")
        src = os.path.join(os.environ["CPN_SRCDIR"], "python")
        copy = os.path.join(OUT, "pkg")
        shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__"))
        target = os.path.join(OUT, "site")
        r = subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                            "--no-index", "--quiet", "--target", target, copy],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["PYTHONPATH"] = target
        r = subprocess.run([python, "-c", "import cpnsim, sys; t = cpnsim.read(sys.argv[1]); "
                            "print(cpnsim.__file__, len(t.jobs))", TRACES[0]],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(target), r.stdout)
        self.assertEqual(int(r.stdout.split()[-1]), len(cpnsim.read(TRACES[0]).jobs))

    def test_cpnsim_plot_wrapper(self):
        """`cpnsim plot` runs the package with the same arguments; without an interpreter it
        says so and exits 69."""
        env = dict(os.environ)
        env["CPNSIM_PYTHON"] = os.environ.get("PYTHON", "python3")
        out = os.path.join(OUT, "wrapper.png")
        r = subprocess.run([os.environ["CPN_BIN"], "plot", "center-util", TRACES[0], "-o", out],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreater(os.path.getsize(out), 1000)
        # a usage error names the command typed, cpnsim plot, and exits 64
        r = subprocess.run([os.environ["CPN_BIN"], "plot", "no-such-kind", TRACES[0], "-o", out],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 64, r.stderr)
        self.assertIn("cpnsim plot: error: argument kind: invalid choice: 'no-such-kind'",
                      r.stderr)
        self.assertNotIn("python3 -m", r.stderr)
        env["CPNSIM_PYTHON"] = os.path.join(OUT, "no-such-python")
        r = subprocess.run([os.environ["CPN_BIN"], "plot", "center-util", TRACES[0], "-o", out],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 69)
        self.assertIn("cannot run", r.stderr)
        # An interpreter without h5py (here one shadowed by a module that fails to import, as a
        # virtualenv's python3 without it would): exit 69, the message names the interpreter.
        block = os.path.join(OUT, "no-h5py")
        os.makedirs(block, exist_ok=True)
        with open(os.path.join(block, "h5py.py"), "w") as f:
            f.write("raise ImportError(\"No module named 'h5py'\")\n")
        env["CPNSIM_PYTHON"] = os.environ.get("PYTHON", "python3")
        env["PYTHONPATH"] = block
        r = subprocess.run([os.environ["CPN_BIN"], "plot", "center-util", TRACES[0], "-o", out],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 69, r.stderr)
        self.assertIn("No module named 'h5py' in /", r.stderr)
        self.assertIn("CPNSIM_PYTHON", r.stderr)

    def test_python_m_cpnsim_plot(self):
        env = dict(os.environ)
        out = os.path.join(OUT, "cli.svg")
        r = subprocess.run([os.environ.get("PYTHON", "python3"), "-m", "cpnsim", "plot",
                            "jct-cdf", *TRACES, "-o", out], capture_output=True, text=True,
                           env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreater(os.path.getsize(out), 1000)
        # an existing file is kept unless --force
        before = open(out, "rb").read()
        r = subprocess.run([os.environ.get("PYTHON", "python3"), "-m", "cpnsim", "plot",
                            "wait-cdf", *TRACES, "-o", out], capture_output=True, text=True,
                           env=env)
        self.assertEqual(r.returncode, 73)
        self.assertIn("already exists (use --force", r.stderr)
        self.assertEqual(open(out, "rb").read(), before)
        r = subprocess.run([os.environ.get("PYTHON", "python3"), "-m", "cpnsim", "plot",
                            "wait-cdf", *TRACES, "-o", out, "--force"], capture_output=True,
                           text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(open(out, "rb").read(), before)
        # an output in a folder that does not exist: an output error (73), said before drawing
        missing = os.path.join(OUT, "no-such-folder", "x.svg")
        r = subprocess.run([os.environ.get("PYTHON", "python3"), "-m", "cpnsim", "plot",
                            "wait-cdf", *TRACES, "-o", missing], capture_output=True, text=True,
                           env=env)
        self.assertEqual(r.returncode, 73, r.stderr)
        self.assertIn("x.svg: cannot create: its folder ", r.stderr)
        self.assertIn("no-such-folder does not exist (create the folder", r.stderr)
        r = subprocess.run([os.environ.get("PYTHON", "python3"), "-m", "cpnsim", "plot", "gantt",
                            TRACES[0], "--center", "nowhere", "-o", out + ".png"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 65)
        self.assertIn("no center 'nowhere'", r.stderr)
        self.assertFalse(os.path.exists(out + ".png"))
        # a usage error is exit 64, as for every cpnsim command (argparse's own is 2)
        r = subprocess.run([os.environ.get("PYTHON", "python3"), "-m", "cpnsim", "plot", "gantt",
                            TRACES[0], "-o", out + ".png"], capture_output=True, text=True,
                           env=env)
        self.assertEqual(r.returncode, 64)
        self.assertIn("gantt needs --center ID", r.stderr)

    def test_nothing_to_plot_is_an_error(self):
        """A trace with no centers and no jobs (tiny.xml): its CDF and center utilisation are
        refused (exit 65, saying why) instead of an empty figure; a trace given as a series is
        named as not a series; a trace without series (the summary level) has no link
        utilisation to plot; a center where no job ran has no Gantt chart."""
        tiny = os.path.join(OUT, "tiny.h5")
        if not os.path.exists(tiny):
            subprocess.run([os.environ["CPN_BIN"], "--quiet", "run",
                            os.path.join(os.environ["CPN_SRCDIR"], "scenarios", "tiny.xml"),
                            "-o", tiny], check=True)
        cases = [("jct-cdf", "no job ended done, so there is no completion time to plot"),
                 ("center-util", "the scenario has no centers: there is no center utilisation"),
                 ("series", "not a series (series draws a series-ID.csv")]
        # A trace of the summary level has no series: its utilisation is refused saying so
        # (the link's was a bare "cpnsim plot: link_util").
        summary = os.path.join(OUT, "tiny-summary.h5")
        if not os.path.exists(summary):
            subprocess.run([os.environ["CPN_BIN"], "--quiet", "run",
                            os.path.join(os.environ["CPN_SRCDIR"], "scenarios", "tiny.xml"),
                            "-o", summary, "--trace-level", "summary"], check=True)
        no_series = ("no /series/link_util (a trace of an older cpnsim, or of the summary "
                     "level)")
        cases += [("link-util", no_series), ("link-heatmap", no_series)]
        # A center where no job ran (one job, placed at a; a Gantt chart of b) has no chart.
        unused = os.path.join(OUT, "unused-center.h5")
        with open(os.path.join(OUT, "unused-center.xml"), "w") as f:
            f.write("""<cpnsim version="1">
  <simulation until="1h"/>
  <topology><node id="n"/></topology>
  <centers>
    <center id="a" node="n"><pool units="1" per-unit="1TFLOPS" accelerator="cpu"/></center>
    <center id="b" node="n"><pool units="1" per-unit="1TFLOPS" accelerator="cpu"/></center>
  </centers>
  <workload>
    <generator id="g" rate="6/h" max-jobs="1" origin="n" accelerator="cpu" duration="const(1min)">
      <placement center="a"/>
    </generator>
  </workload>
</cpnsim>
""")
        subprocess.run([os.environ["CPN_BIN"], "--quiet", "run",
                        os.path.join(OUT, "unused-center.xml"), "-o", unused, "--force"],
                       check=True)
        cases += [("gantt", "no job ran at center 'b', so there is no Gantt chart to draw")]
        for kind, message in cases:
            fig = os.path.join(OUT, f"nothing-{kind}.png")
            trace = summary if message == no_series else unused if kind == "gantt" else tiny
            more = ["--center", "b"] if kind == "gantt" else []
            r = subprocess.run([os.environ.get("PYTHON", "python3"), "-m", "cpnsim", "plot", kind,
                                trace, "-o", fig, *more], capture_output=True, text=True)
            self.assertEqual(r.returncode, 65, r.stderr)
            self.assertIn(message, r.stderr)
            self.assertFalse(os.path.exists(fig))


if __name__ == "__main__":
    unittest.main(verbosity=2)
