"""The eight built-in policies of cpnsim, written again in Python as examples of cpnsim.Policy.

    cpnsim run national.xml --policy-exec "py_nearest=python3 -m cpnsim.policies nearest"

Each class follows its C twin (models/policy/NAME.c of the cpnsim source tree) step by step,
with the same arithmetic in the same order, so that both make the same decisions (tested in
tests/scenarios/policy_exec.sh on national.xml --until 1d, and on tests/scenarios/ok/migrate.xml
for the migration of earliest_finish).  Their parameters come from
--policy-param NAME=VALUE, with the C policy's defaults.  Named py_NAME: the C names are taken.

random draws from the stream of the C policy ("policy/random"), one draw per place message:
the C policy draws only when some center can take the job, so the two agree while every job
fits somewhere (a center down that was the only one to fit would shift the draws after it).
"""

import math
import sys

from cpnsim.policy import Policy, View


class Random(Policy):
    """A center drawn uniformly among those that fit now, else among those that ever fit."""

    name = "py_random"
    stream = "random"

    def place(self, job, view):
        for now in (True, False):
            fits = [c for c in view.centers if view.fit_pool(c, job, now) is not None]
            if fits:
                k = int(self.uniform * len(fits))
                return fits[min(k, len(fits) - 1)]
        return None


class RoundRobin(Policy):
    """Centers in turn, skipping those that can never fit the job."""

    name = "py_round_robin"

    def start(self, hello):
        self.next = 0

    def place(self, job, view):
        n = len(view.centers)
        for i in range(n):
            c = (self.next + i) % n
            if view.fit_pool(view.centers[c], job, False) is None:
                continue
            self.next = (c + 1) % n
            return c
        return None


def _load(center):
    total = 0.0
    busy = 0.0
    for p in center["pools"]:
        total += p["units"]
        busy += float(p["units"]) - p["free"]
    return total, busy


class LeastLoaded(Policy):
    """Lowest (busy + queued units) / total units among the centers that can fit the job."""

    name = "py_least_loaded"

    def place(self, job, view):
        def score(c, pool):
            total, busy = _load(c)
            return (busy + c["queued_units"]) / total

        c, _ = view.argmin(job, False, score)
        return c


class _Greedy(Policy):
    """cpn_policy_place_greedy with a score; parameter hold (default 1)."""

    def score(self, view, job, c, pool):
        raise NotImplementedError

    def place(self, job, view):
        hold = float(self.params.get("hold", 1)) >= 0.5
        return view.place_greedy(job, hold, lambda c, pool: self.score(view, job, c, pool))


class Nearest(_Greedy):
    """Lowest RTT from the job's origin among the centers that fit now."""

    name = "py_nearest"

    def score(self, view, job, c, pool):
        return view.rtt(job.origin, c)


class MinCost(_Greedy):
    """Lowest price x units x run time among the centers that fit now."""

    name = "py_min_cost"

    def score(self, view, job, c, pool):
        return c["price"] * float(job.units) * View.run_time(job, c["pools"][pool])


class Greenest(_Greedy):
    """Lowest carbon intensity x energy among the centers that fit now."""

    name = "py_greenest"

    def score(self, view, job, c, pool):
        return c["carbon"] * view.energy(c, c["pools"][pool], job)


class EarliestFinish(Policy):
    """Minimum stage-in (best paths) + queue wait + run time; with migrate = 1, jobs move off
    failed centers, or when another center finishes them sooner by migrate_gain."""

    name = "py_earliest_finish"
    bandwidth = True

    def start(self, hello):
        p = self.params
        self.max_paths = int(float(p.get("max_paths", 4)))
        self.overhead = float(p.get("path_overhead", 0))
        self.overlap = float(p.get("overlap", 0)) >= 0.5
        self.elastic = float(p.get("elastic", 0))
        self.elastic_above = float(p.get("elastic_above", 1e12))
        self.migrate = float(p.get("migrate", 0)) >= 0.5  # the hello asks for migrate messages
        self.gain = float(p.get("migrate_gain", 0.25))

    def _earliest(self, job, view, left, state_bytes):
        best, out = math.inf, None
        for c in view.centers:
            pool = view.fit_pool(c, job, True)
            if pool is None:
                pool = view.fit_pool(c, job, False)
            if pool is None:
                continue
            stage_in, paths = view.stage_in_time(job, c, self.max_paths, self.overhead)
            wait = view.wait_estimate(c, job)
            if state_bytes > 0:
                stage_in += state_bytes / view.bandwidth(job.input_origin, c, 1)
            start = (stage_in if stage_in > wait else wait) if self.overlap else stage_in + wait
            finish = start + left * View.run_time(job, c["pools"][pool])
            if finish < best:
                best, out = finish, {"center": c["name"], "paths": paths}
        return out, best

    def place(self, job, view):
        out, _ = self._earliest(job, view, 1, 0)
        if out is not None and self.elastic > 0 and job.input_bytes >= self.elastic_above:
            out["elastic"] = self.elastic
        return out

    def migrate_job(self, job, at, view):
        here = next(c for c in view.centers if c["name"] == at["center"])
        stay = math.inf  # a down center: its repair time is unknown
        if here["up"]:
            stay = at["remaining"] + (0 if at["running"] else view.wait_estimate(here, job))
        d, move = self._earliest(job, view, at["left"], at["state_bytes"])
        saves = move < (1 - self.gain) * stay if math.isfinite(stay) else math.isfinite(move)
        if d is not None and d["center"] != at["center"] and saves:
            return d
        return None


class Balanced(Policy):
    """Least increase of the utilisation variance plus the weighted energy excess."""

    name = "py_balanced"

    def place(self, job, view):
        weight = float(self.params.get("energy_weight", 0.1))
        n, s, e_min = 0.0, 0.0, math.inf

        def job_pool(c):
            pool = view.fit_pool(c, job, True)
            return pool if pool is not None else view.fit_pool(c, job, False)

        def load(c):
            total, busy = _load(c)
            return ((busy + c["queued_units"]) / total if total > 0 else 0.0), total

        for c in view.centers:
            if not c["up"]:
                continue
            u, total = load(c)
            if total > 0:
                n += 1
                s += u
            pool = job_pool(c)
            if pool is not None:
                e = view.energy(c, c["pools"][pool], job)
                e_min = e if e < e_min else e_min
        best, out = math.inf, None
        for c in view.centers:
            pool = job_pool(c)
            if pool is None:
                continue
            u, total = load(c)
            delta = float(job.units) / total
            dvar = (2 * u * delta + delta * delta) / n - (2 * s * delta + delta * delta) / (n * n)
            e = view.energy(c, c["pools"][pool], job)
            excess = e / e_min - 1 if e_min > 0 else 0
            score = dvar + weight * excess
            if score < best:
                best, out = score, c
        return out


#: The policies by their C names.
BUILTINS = {
    "random": Random,
    "round_robin": RoundRobin,
    "least_loaded": LeastLoaded,
    "nearest": Nearest,
    "min_cost": MinCost,
    "greenest": Greenest,
    "earliest_finish": EarliestFinish,
    "balanced": Balanced,
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in BUILTINS:
        print("usage: python3 -m cpnsim.policies NAME (one of %s)" % ", ".join(BUILTINS),
              file=sys.stderr)
        return 64
    BUILTINS[argv[0]]().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
