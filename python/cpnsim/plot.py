"""Figures of cpnsim results with matplotlib (docs/python.md, "Plots").

Every function draws one figure from traces read by cpnsim.read(), writes it when given a file
name (PNG, PDF or SVG by its extension), and returns the data it plotted, so that a test or a
caption can check it against the trace.  Axis labels carry units; a caption line at the bottom
names the runs the figure came from.
"""

import csv
import os
import textwrap
import re

import matplotlib

matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _ranges(values):
    """Integers as ranges: [1, 2, 3, 5] -> "1-3, 5"."""
    values = sorted(set(values))
    out, start = [], None
    for i, v in enumerate(values):
        if start is None:
            start = v
        if i + 1 == len(values) or values[i + 1] != v + 1:
            out.append(str(start) if start == v else f"{start}-{v}")
            start = None
    return ", ".join(out)


def caption_text(traces):
    """The caption naming the runs a figure came from: per scenario, its policies and seeds
    ("from 40 runs: national.xml: balanced, nearest, ..., seeds 1-5 each")."""
    runs = {}  # scenario -> policy -> seeds, in order of first appearance
    for t in traces:
        scenario = str(t.attrs.get("scenario_path", "?")).rsplit("/", 1)[-1]
        seed = t.attrs.get("seed", "?")
        runs.setdefault(scenario, {}).setdefault(str(t.attrs.get("policy", "?")), []).append(
            int(seed) if str(seed).isdigit() else seed)
    parts = []
    for scenario, policies in runs.items():
        seed_sets = {tuple(sorted(map(str, v))) for v in policies.values()}
        numeric = all(isinstance(x, int) for v in policies.values() for x in v)
        show = (lambda v: _ranges(v)) if numeric else (lambda v: ", ".join(map(str, v)))
        if len(seed_sets) == 1:
            seeds = next(iter(policies.values()))
            each = " each" if len(policies) > 1 else ""
            parts.append(f"{scenario}: {', '.join(policies)}, seed{'s' if len(seeds) > 1 else ''} "
                         f"{show(seeds)}{each}")
        else:
            parts.append(f"{scenario}: " + "; ".join(f"{p} seeds {show(v)}"
                                                      for p, v in policies.items()))
    n = len(traces)
    return f"from {n} run{'s' if n != 1 else ''}: " + "; ".join(parts)


def _caption(fig, traces):
    text = textwrap.fill(caption_text(traces), 100)
    fig._cpn_caption_lines = text.count("\n") + 1
    fig.text(0.01, 0.01, text, fontsize=7, ha="left", va="bottom")


def _save(fig, out):
    """Write the figure whole or not at all: to OUT.partial, then renamed to OUT."""
    lines = getattr(fig, "_cpn_caption_lines", 1)
    fig.tight_layout(rect=(0, min(0.3, 0.02 + 0.03 * lines), 1, 1))
    try:
        if out:
            fmt = os.path.splitext(out)[1].lstrip(".").lower() or "png"
            partial = f"{out}.partial"
            try:
                fig.savefig(partial, format=fmt)
                os.replace(partial, out)
            finally:
                if os.path.exists(partial):
                    os.unlink(partial)
    finally:
        plt.close(fig)


def done_times(trace, what="jct"):
    """Job completion times (end - submit) or waits (start - submit) [s] of the jobs that ended
    done in @p trace, sorted: the population of job.all.jct (docs/metrics.md) without its
    window."""
    jobs = trace.jobs
    done = jobs[jobs["state"] == "done"]
    values = (done["end"] if what == "jct" else done["start"]) - done["submit"]
    values = values[np.isfinite(values)]
    return np.sort(values.to_numpy())


def cdf(traces, what="jct", by="policy", out=None):
    """CDF of job completion times (what="jct") or waits (what="wait") per run, one line per
    trace labelled by its root attribute @p by (policy, seed, awareness...).  Traces with the
    same label are pooled.  Returns {label: sorted values [s]}; raises ValueError when no job of
    any trace ended done (nothing to plot)."""
    series = {}
    for t in traces:
        label = str(t.attrs.get(by, "?"))
        series[label] = np.sort(np.concatenate([series.get(label, np.array([])),
                                                done_times(t, what)]))
    if not any(len(v) for v in series.values()):
        raise ValueError(f"{', '.join(t.path for t in traces)}: no job ended done, so there is no "
                         f"{'completion time' if what == 'jct' else 'wait'} to plot (a scenario "
                         "without jobs, or a run too short for one to end)")
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, values in sorted(series.items()):
        if len(values):
            ax.step(values, np.arange(1, len(values) + 1) / len(values), where="post",
                    label=label)
    ax.set_xscale("log")
    ax.set_xlabel(("job completion time" if what == "jct" else "wait") + " [s]")
    ax.set_ylabel("fraction of jobs done [1]")
    ax.legend(title=by)
    _caption(fig, traces)
    _save(fig, out)
    return series


def sample_cells(times, kind):
    """The time cells [s] that /series samples taken at @p times stand for: len(times) + 1
    edges, sample i over [edges[i], edges[i + 1]].  A link sample (kind "link") is the
    time-mean of load / capacity since the previous sample (the first one: since the network
    started, at 0), so its cell ends at its time; a center or pool sample is the state at its
    time, held until the next sample (the last one, at the run's end, gets an empty cell).
    Samples stop while no work is left and one is taken at the run's end, so the cells need not
    be of equal length: a workload that ends long before `until` leaves one long last cell."""
    t = np.asarray(times, dtype=float)
    if kind == "link":
        return np.concatenate(([0.0], t))
    return np.concatenate((t, t[-1:])) if len(t) else np.zeros(1)


def utilisation(trace, out=None, kind="center"):
    """Utilisation over time of each center or pool (busy units / units; pools named
    CENTER/K) or of each link (the busier direction), from the trace's /series: one line per
    entity, each sample drawn over its cell (sample_cells()), or a heat map (entities x time)
    when there are more than 12 of them.  Returns the DataFrame plotted (time x entity); raises
    ValueError when the scenario has no such entity, KeyError when the trace has no such
    series."""
    frame = _entity_util(trace, kind)
    if len(frame.columns) > 12:
        _heatmap(frame, kind, trace, out)
        return frame
    fig, ax = plt.subplots(figsize=(7, 4))
    edges = sample_cells(frame.index, kind) / 3600
    for name in frame.columns:
        ax.stairs(frame[name].to_numpy(), edges, baseline=None, linewidth=0.8, label=name)
    ax.set_xlabel("simulated time [h]")
    ax.set_ylabel(f"{kind} utilisation [1]")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=6, ncol=2)
    _caption(fig, [trace])
    _save(fig, out)
    return frame


def _heatmap(frame, kind, trace, out):
    """Draw @p frame (time x entity) as a heat map, entities x time, each sample over its cell
    (sample_cells()); returns the matrix."""
    matrix = frame.to_numpy().T
    fig, ax = plt.subplots(figsize=(8, max(3, 0.15 * matrix.shape[0])))
    edges = sample_cells(frame.index, kind) / 3600
    rows = np.arange(matrix.shape[0] + 1) - 0.5
    image = ax.pcolormesh(edges, rows, matrix, shading="flat", vmin=0, vmax=1, cmap="viridis")
    ax.set_ylim(rows[-1], rows[0])  # the first entity on top
    ax.set_yticks(range(matrix.shape[0]))
    ax.set_yticklabels(frame.columns, fontsize=5)
    ax.set_xlabel("simulated time [h]")
    ax.set_ylabel(kind)
    fig.colorbar(image, ax=ax, label="utilisation [1]")
    _caption(fig, [trace])
    _save(fig, out)
    return matrix


def _entity_util(trace, kind):
    entities, name = (trace.links, "links") if kind == "link" else (trace.centers, "centers")
    if entities is not None and len(entities) == 0:
        raise ValueError(f"{trace.path}: the scenario has no {name}: there is no {kind} "
                         "utilisation to plot")
    if f"{kind}_util" not in (trace.series or {}):
        raise KeyError(f"{trace.path}: no /series/{kind}_util (a trace of an older cpnsim, "
                       "or of the summary level)")
    if kind in ("center", "pool"):
        return trace.series[f"{kind}_util"]
    links = trace.series["link_util"]
    frame = links.T.groupby(np.arange(links.shape[1]) // 2).max().T  # busier direction
    frame.columns = list(trace.links["id"])
    return frame


def link_heatmap(trace, out=None):
    """Heat map of link utilisation (links x time, the busier direction of each link).
    Returns the matrix plotted (links x samples)."""
    return _heatmap(_entity_util(trace, "link"), "link", trace, out)


def gantt(trace, center, out=None):
    """Gantt chart of the jobs that ran at center @p center (its id): one bar per job from its
    start to its end, in order of start.  Returns a DataFrame (id, start, end) of the bars;
    raises KeyError for an unknown center, ValueError when no job ran there."""
    centers = list(trace.centers["id"])
    if center not in centers:
        raise KeyError(f"{trace.path}: no center {center!r} (centers: {', '.join(centers)})")
    c = centers.index(center)
    jobs = trace.jobs
    ran = jobs[(jobs["center"] == c) & np.isfinite(jobs["start"]) & np.isfinite(jobs["end"])]
    bars = ran[["id", "start", "end"]].sort_values(["start", "id"]).reset_index(drop=True)
    if len(bars) == 0:
        raise ValueError(f"{trace.path}: no job ran at center {center!r}, so there is no Gantt "
                         "chart to draw (a center the policy did not use, or a run too short)")
    fig, ax = plt.subplots(figsize=(8, min(8, max(3, 0.05 * len(bars)))))
    ax.barh(np.arange(len(bars)), (bars["end"] - bars["start"]) / 3600,
            left=bars["start"] / 3600, height=0.8)
    ax.set_xlabel("simulated time [h]")
    ax.set_ylabel(f"jobs at {center} (by start)")
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, min_n_ticks=1))
    ax.set_ylim(len(bars) - 0.5, -0.5)  # the first to start on top
    _caption(fig, [trace])
    _save(fig, out)
    return bars


_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\d\s].*)?$")


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


def read_series(path):
    """A sensitivity series written by `cpnsim batch` (series-ID.csv, docs/paper-tables.md):
    its curve columns (the settings before the x column), its x column (the last setting: a
    quantity with its unit, e.g. "50km"), and its y columns (the metrics: every value a number).

    Returns (x_name, x_unit, y_names, curves) with curves = {curve label: (x values, {y name:
    values})}, x in the unit the file uses (every row of the file must use the same one)."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except UnicodeDecodeError:
        rows = None
    if not rows:
        raise ValueError(f"{path}: not a series (series draws a series-ID.csv that cpnsim batch "
                         "writes for an experiment's <series>, docs/paper-tables.md)")
    header, body = rows[0], [r for r in rows[1:] if r]
    numeric = [all(_number(r[k]) is not None for r in body) for k in range(len(header))]
    first_y = numeric.index(True) if True in numeric else len(header)
    if first_y == 0 or not all(numeric[first_y:]):
        raise ValueError(f"{path}: expected setting columns, then metric columns")
    xk = first_y - 1
    units = set()
    curves = {}
    for r in body:
        m = _QUANTITY.match(r[xk])
        if not m:
            raise ValueError(f"{path}: x value {r[xk]!r} is not a quantity")
        units.add((m.group(2) or "").strip())
        label = ", ".join(r[:xk]) or header[xk]
        x, ys = curves.setdefault(label, ([], {h: [] for h in header[first_y:]}))
        x.append(float(m.group(1)))
        for h, v in zip(header[first_y:], r[first_y:]):
            ys[h].append(float(v))
    if len(units) > 1:  # e.g. 100GB and 10TB: both to the base unit
        bases = {_prefixed(u)[1] for u in units}
        if len(bases) != 1:
            raise ValueError(f"{path}: the x column mixes units {sorted(units)}")
        for label, (x, _) in curves.items():
            units_of = [(_QUANTITY.match(r[xk]).group(2) or "").strip() for r in body
                        if (", ".join(r[:xk]) or header[xk]) == label]
            x[:] = [v * _prefixed(u)[0] for v, u in zip(x, units_of)]
        units = bases
    return header[xk], units.pop(), header[first_y:], curves


# SI and binary prefixes of the units a series' x column may carry (scenario units,
# docs/scenario-format.md): factor and base unit of e.g. "GB" (1e9, "B") or "GiB" (2**30, "B").
_PREFIXES = {"k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
             "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def _prefixed(unit):
    for prefix in sorted(_PREFIXES, key=len, reverse=True):
        if unit.startswith(prefix) and len(unit) > len(prefix):
            return _PREFIXES[prefix], unit[len(prefix):]
    return 1.0, unit


def series(path, out=None):
    """The curves of a sensitivity series (read_series()), one panel per metric, x on a log
    axis when it spans more than a factor of 20.  Returns read_series()'s curves."""
    x_name, x_unit, y_names, curves = read_series(path)
    fig, axes = plt.subplots(1, len(y_names), figsize=(5 * len(y_names), 4), squeeze=False)
    for ax, y in zip(axes[0], y_names):
        for label, (x, ys) in curves.items():
            ax.plot(x, ys[y], marker="o", markersize=3, label=label)
        xs = [v for x, _ in curves.values() for v in x if v > 0]
        if xs and max(xs) / min(xs) > 20:
            ax.set_xscale("log")
        ax.set_xlabel(f"{x_name} [{x_unit}]")
        ax.set_ylabel(y)
        if len(curves) > 1:
            ax.legend(fontsize=7)
    fig.text(0.01, 0.01, f"from: {path}", fontsize=7, ha="left", va="bottom")
    _save(fig, out)
    return curves
