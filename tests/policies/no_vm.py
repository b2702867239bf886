"""A test policy (tests/scenarios/policy_exec.sh): nearest, but every VM job is rejected with a
reason (cpnsim.Reject)."""
import cpnsim
from cpnsim.policies import Nearest


class NoVM(Nearest):
    name = "no_vm"

    def place(self, job, view):
        if job.kind == "vm":
            return cpnsim.Reject("no VMs in this study")
        return super().place(job, view)


if __name__ == "__main__":
    NoVM().run()
