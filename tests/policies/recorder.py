"""A test policy (tests/scenarios/policy_exec.sh): nearest, subscribed to every event and to a
tick every 3600 s; at the bye it writes what it received to the file of --policy-param out=FILE:
one line "KIND COUNT" per event kind and message type, "regions R N" (nodes with a region in
the view, nodes of the hello), "tick TIME" per tick, and the bye's decisions and summary rows
"summary NAME VALUE"."""
import sys

from cpnsim.policies import Nearest


class Recorder(Nearest):
    name = "recorder"
    subscribe = ("job_finished", "center_changed", "link_changed", "bandwidth_granted",
                 "bandwidth_refused")
    tick = 3600

    def start(self, hello):
        self.counts = {}
        self.ticks = []
        self.places = 0

    def place(self, job, view):
        self.places += 1
        self.regions = len(view.regions)
        return super().place(job, view)

    def on_event(self, event):
        self.counts[event["kind"]] = self.counts.get(event["kind"], 0) + 1

    def on_tick(self, view):
        self.ticks.append(view.time)

    def finish(self, bye):
        with open(self.params["out"], "w") as f:
            f.write("place %d\n" % self.places)
            f.write("regions %d %d\n" % (self.regions, len(self.hello["nodes"])))
            for k, n in sorted(self.counts.items()):
                f.write("%s %d\n" % (k, n))
            for t in self.ticks:
                f.write("tick %r\n" % t)
            f.write("decisions %d\n" % bye["decisions"])
            for k, v in sorted(bye["summary"].items()):
                f.write("summary %s %r\n" % (k, v))


if __name__ == "__main__":
    Recorder().run()
