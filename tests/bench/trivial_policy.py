"""The trivial policy of tests/bench/policy_exec.sh: every job to the center with the most units
of its pool type (found once, in the hello), so that a decision costs the protocol alone."""
from cpnsim.policy import Policy


class Trivial(Policy):
    name = "trivial"

    def start(self, hello):
        most = {}
        for c in hello["centers"]:
            for p in c["pools"]:
                if p["units"] > most.get(p["type"], (0, ""))[0]:
                    most[p["type"]] = (p["units"], c["name"])
        self.to = {t: name for t, (_, name) in most.items()}
        self.to[None] = max(most.values())[1]

    def place(self, job, view):
        return self.to[job.pool_type]


if __name__ == "__main__":
    Trivial().run()
