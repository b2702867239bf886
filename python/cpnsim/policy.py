"""cpnsim.Policy: a scheduling policy in Python, run by cpnsim over the external-process protocol.

    import cpnsim

    class Nearest(cpnsim.Policy):
        name = "py_nearest"

        def place(self, job, view):
            fits = [c for c in view.centers if view.fit_pool(c, job) is not None]
            return min(fits, key=lambda c: view.rtt(job.origin, c)) if fits else None

    if __name__ == "__main__":
        Nearest().run()

    cpnsim run national.xml --policy-exec "python3 nearest.py"

The protocol (one JSON object per line on standard input and output) is docs/policy-protocol.md
of the cpnsim source tree.  This module needs only the Python standard library, so that a
policy process starts fast.  The view's helpers are those of models/world.h, computed in the
same order, so that a policy written with them decides as its C twin would.
"""

import json
import math
import os
import select
import stat
import sys
import time

__all__ = ["Policy", "View", "Job", "Reject", "PROTOCOL"]

#: The protocol version this module speaks.
PROTOCOL = 1


def _nothing():
    pass


def _writer(fd):
    def write(data):
        while data:
            data = data[os.write(fd, data):]
    return write


def _socket_lines(fd, spin=0.002):
    """Lines of socket @p fd (without their line ends), read by a busy poll of up to @p spin
    seconds before blocking in select()."""
    os.set_blocking(fd, False)
    buf = b""
    while True:
        i = buf.find(b"\n")
        if i >= 0:
            yield buf[:i]
            buf = buf[i + 1:]
            continue
        t0 = None
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
                break
            except BlockingIOError:
                os.sched_yield()  # cpnsim first, when it waits for this CPU
                now = time.perf_counter()
                if t0 is None:
                    t0 = now
                elif now - t0 > spin:
                    select.select([fd], [], [])
        if not chunk:
            if buf:
                yield buf
            return
        buf += chunk


class Reject:
    """A decision of place(): reject the job, with a reason (it ends "rejected", never placed)."""

    __slots__ = ("reason",)

    def __init__(self, reason):
        self.reason = str(reason)


class Job:
    """The job to place: the fields of the place message's "job" object, as attributes.

    id, kind ("batch", "training", "ingest", "deploy", "inference", "vm"), origin and
    input_origin (node names), pool_type (a pool type name, or None for any pool), units,
    work [FLOP], duration [s], walltime [s], input_bytes [B], submit [s], deadline [s],
    slo [s], attempts, splittable (bool).  A field cpnsim sent as null is None.
    """

    def __init__(self, d):
        self.__dict__ = d  # the message's own dict: no copy


class View:
    """What the awareness layer shows at a placement (the place message's "view").

    centers: a list of dicts in the scenario's order (name, index, node, region, up, pools,
    queue_length, queued_units, queued_work [unit s], running_work [unit s], price, carbon
    [kg/J], pue), each pool a dict (type,
    units, free, speed [FLOP/s], memory [B], power_idle [W], power_peak [W]); time [s];
    n_paths; regions (node name: region index, for distributed awareness).  The network rows
    (rtt, and bandwidth when the policy asked for it) are those of
    the job's origin and input origin only.  cpnsim sends only the centers that changed since
    its previous message; the Policy keeps the rest, so a view is valid during its call only.
    """

    def __init__(self, d, centers, rtt):
        self.time = d["time"]
        self.centers = centers
        self.n_paths = d.get("n_paths", 1)
        self._rtt = rtt
        self._measured = d.get("measured")
        self._bw = d.get("bandwidth", {})

    def measured(self, center):
        """When the state of @p center (a dict or an index) was measured [s]."""
        m = self._measured
        if m is None:
            return self.time
        if isinstance(m, list):
            return m[center["index"] if isinstance(center, dict) else center]
        return m

    @staticmethod
    def _num(v):
        return math.inf if v is None else v

    def rtt(self, origin, center):
        """Round-trip time from node @p origin to @p center (a dict or an index) [s]."""
        c = center["index"] if isinstance(center, dict) else center
        return self._num(self._rtt[origin][c])

    def bandwidth(self, origin, center, paths=1):
        """Available bandwidth from @p origin to @p center over the @p paths best paths [B/s]."""
        c = center["index"] if isinstance(center, dict) else center
        v = self._bw[origin][c][paths - 1]
        return 0.0 if v is None else v

    # The helpers of models/world.h, in the same arithmetic order.

    @staticmethod
    def fit_pool(center, job, now=True):
        """Index of the fastest pool of @p center of the job's type with enough units free
        (@p now) or in all (not @p now); ties to the lower index; None when down or none."""
        if not center["up"]:
            return None
        best = None
        for p, pool in enumerate(center["pools"]):
            have = pool["free"] if now else pool["units"]
            if (job.pool_type is not None and pool["type"] != job.pool_type) or have < job.units:
                continue
            if best is None or pool["speed"] > center["pools"][best]["speed"]:
                best = p
        return best

    @staticmethod
    def eligible_units(center, job):
        """Units of the pools of @p center that @p job may use."""
        return float(sum(p["units"] for p in center["pools"]
                         if job.pool_type is None or p["type"] == job.pool_type))

    @staticmethod
    def run_time(job, pool):
        """Run time of @p job on @p pool [s]: its duration, else work / (units x speed)."""
        if job.duration > 0:
            return job.duration
        if pool["speed"] <= 0:
            return math.inf
        return job.work / (float(job.units) * pool["speed"])

    def wait_estimate(self, center, job):
        """Queue wait estimate at @p center [s] (cpn_world_wait_estimate)."""
        if center["queue_length"] == 0 and self.fit_pool(center, job, True) is not None:
            return 0.0
        units = self.eligible_units(center, job)
        if units <= 0:
            return math.inf
        return (center["queued_work"] + center["running_work"]) / units

    def stage_in_time(self, job, center, max_paths, path_overhead):
        """(time [s], paths): the stage-in estimate of cpn_world_stage_in_time."""
        src = job.input_origin
        kmax = min(max_paths, self.n_paths)
        best, best_k = math.inf, 1
        if job.input_bytes <= 0 or src == center["node"]:
            best, kmax = 0.0, 0
        for k in range(1, kmax + 1):
            bw = self.bandwidth(src, center, k)
            if bw <= 0:
                continue
            t = self.rtt(src, center) + (k - 1) * path_overhead + job.input_bytes / bw
            if t < best:
                best, best_k = t, k
        return best, best_k

    def energy(self, center, pool, job):
        """Energy of @p job on @p pool of @p center [J]: PUE x units x peak power x run time."""
        return center["pue"] * float(job.units) * pool["power_peak"] * self.run_time(job, pool)

    def argmin(self, job, now, score):
        """(center, pool) with the lowest finite score(center, pool) among the centers where
        @p job fits (@p now); ties to the lower index; (None, None) when none."""
        best, best_pool, best_score = None, None, math.inf
        for c in self.centers:
            pool = self.fit_pool(c, job, now)
            if pool is None:
                continue
            s = score(c, pool)
            if math.isfinite(s) and (best is None or s < best_score):
                best, best_pool, best_score = c, pool, s
        return best, best_pool

    def place_greedy(self, job, hold, score):
        """cpn_policy_place_greedy: the decision dict of the lowest score where the job fits
        now; else hold (@p hold) or the lowest among those where it ever fits."""
        c, pool = self.argmin(job, True, score)
        if c is None and not hold:
            c, _ = self.argmin(job, False, score)
            pool = None
        return None if c is None else {"center": c["name"], "pool": pool}


class Policy:
    """Subclass, set the class attributes and implement place(); run() speaks the protocol.

    Class attributes: name (its name, [a-z0-9_]+), subscribe (event kinds: "job_finished",
    "center_changed", "link_changed", "bandwidth_granted", "bandwidth_refused"), tick (period of
    on_tick [s], 0 for none), migrate (True: cpnsim asks migrate_job()), stream (the random stream
    of the draw each place message carries, None for "policy/NAME"), bandwidth (True: views
    carry the available bandwidth rows; they cost cpnsim a path computation per center).

    place(job, view) returns None (hold the job), a center (its dict, name or index),
    Reject(reason), or a decision dict: {"center": name, "pool": index, "paths": k,
    "elastic": B/s, "split": [{"center": name, "units": n}, ...]} or {"reject": reason}.  The draw of this placement, uniform in
    [0, 1), is self.uniform; the hello's parameters are self.params and its seed self.seed.
    """

    name = "python"
    subscribe = ()
    tick = 0
    migrate = False
    stream = None
    bandwidth = False

    def __init__(self):
        self.params = {}
        self.seed = 0
        self.hello = None
        self.uniform = None
        self._centers = []
        self._by_name = {}
        self._rtt = {}
        self._regions = {}

    def _view(self, d):
        by_name = self._by_name
        for name, rec in d["centers"].items():
            c = by_name[name]
            pools = rec.pop("pools")
            c.update(rec)
            for pool, p in zip(c["pools"], pools):
                pool["units"] = p["units"]
                pool["free"] = p["free"]
        rtt = self._rtt
        for origin, row in d.get("rtt", {}).items():
            rtt[origin] = row
        if "node_regions" in d:
            self._regions = dict(zip(self.hello["nodes"], d["node_regions"]))
        view = View(d, self._centers, rtt)
        view.regions = self._regions
        return view

    # ---- what a subclass implements ----

    def start(self, hello):
        """Called with cpnsim's hello (a dict: centers, nodes, links, sites, params, seed)."""

    def place(self, job, view):
        raise NotImplementedError("a Policy implements place(job, view)")

    def migrate_job(self, job, at, view):
        """Where @p job (at at["center"], running or not) goes now; None = it stays."""
        return None

    def on_event(self, event):
        """An event the policy subscribed to (a dict: kind, time, job, center, link)."""

    def on_tick(self, view):
        """Every `tick` seconds of simulated time."""

    def finish(self, bye):
        """The bye: time, decisions and the run's summary (a dict of metric: value)."""

    # ---- the protocol loop ----

    @staticmethod
    def _decision(d, n):
        if d is None:
            out = {"center": None}
        elif isinstance(d, Reject):
            out = {"center": None, "reject": d.reason}
        elif isinstance(d, dict) and "name" in d and "pools" in d:  # a center of the view
            out = {"center": d["name"]}
        elif isinstance(d, dict):
            out = dict(d)
            out.setdefault("center", None)
            if isinstance(out.get("center"), dict):
                out["center"] = out["center"]["name"]
            if out.get("pool") is None:
                out.pop("pool", None)
        else:
            out = {"center": d}
        out["type"] = "decision"
        out["n"] = n
        return out

    def _center_name(self, out, view):
        c = out.get("center")
        if isinstance(c, int) and not isinstance(c, bool) and 0 <= c < len(view.centers):
            out["center"] = view.centers[c]["name"]
        return out

    def run(self, stdin=None, stdout=None):
        """Answer cpnsim until its bye (or the end of the input).

        With the default streams and cpnsim's socket on standard input, messages are read by a
        busy poll of up to 2 ms before blocking (as cpnsim reads the replies): a wake-up per
        message would cost more than most decisions (tests/bench/policy_exec.sh).
        """
        fast = stdin is None and stdout is None and stat.S_ISSOCK(os.fstat(0).st_mode)
        if fast:
            lines = _socket_lines(0)
            write = _writer(1)
            flush = _nothing
        else:
            lines = stdin or sys.stdin.buffer
            stdout = stdout or sys.stdout.buffer
            write = stdout.write
            flush = stdout.flush
        try:
            self._loop(lines, write, flush)
        finally:
            if fast:
                os.set_blocking(0, True)

    def _loop(self, lines, write, flush):
        dumps = json.dumps
        loads = json.loads
        for line in lines:
            msg = loads(line)
            t = msg["type"]
            n = msg["n"]
            if t == "place" or t == "migrate":
                view = self._view(msg["view"])
                job = Job(msg["job"])
                if t == "place":
                    self.uniform = msg.get("uniform")
                    d = self.place(job, view)
                else:
                    d = self.migrate_job(job, msg["at"], view)
                out = self._center_name(self._decision(d, n), view)
                write((dumps(out) + "\n").encode())
                flush()
            elif t == "event":
                self.on_event(msg)
            elif t == "tick":
                self.on_tick(self._view(msg["view"]))
            elif t == "hello":
                self.hello = msg
                self._centers = [dict(c, index=i, pools=[dict(p, free=p["units"]) for p in c["pools"]])
                                 for i, c in enumerate(msg["centers"])]
                self._by_name = {c["name"]: c for c in self._centers}
                self.params = msg.get("params", {})
                self.seed = msg.get("seed", 0)
                self.start(msg)
                reply = {"type": "hello", "n": n, "protocol": PROTOCOL, "name": self.name,
                         "subscribe": list(self.subscribe), "tick": self.tick,
                         "migrate": bool(self.migrate), "bandwidth": bool(self.bandwidth)}
                if self.stream:
                    reply["stream"] = self.stream
                write((dumps(reply) + "\n").encode())
                flush()
            elif t == "bye":
                self.finish(msg)
                return
