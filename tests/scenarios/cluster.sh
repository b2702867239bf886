#!/bin/sh
# Batches on a cluster's own engines (docs/clusters.md), against a local batch of the same
# experiment (tests/scenarios/experiments/cluster.xml, 6 runs):
#  1. Slurm: a single-node cluster started here (munged, slurmctld, slurmd on localhost, with a
#     slurm.conf written for it under a temporary folder); the experiment submitted as a job
#     array of 3 tasks of 2 runs, one task cancelled while it runs, --status showing it, the same
#     command submitting only what is not done, then every result identical to the local
#     batch's (every dataset; the root attributes hold the wall clock and the command line) and
#     `cpnsim report` over them giving the local table;
#  2. MPI: `mpirun -n 2 cpnsim batch --mpi` (oversubscribed), results identical likewise.
# Each part skips, saying why, where its engine cannot start (not root, not installed, a build
# without --with-mpi).  Exit 0 pass (or skip), 1 fail.
set -u
bin=$(cd "${CPN_BUILDDIR:-.}" && pwd)/cpnsim
src=${CPN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
exp=$src/tests/scenarios/experiments/cluster.xml
tmp=$(mktemp -d)
pass=0
fail=0
skip=0
ok() { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
skipped() { skip=$((skip + 1)); echo "SKIP: $1"; }

stop_daemons() {
    for f in "$tmp/slurm/slurmd.pid" "$tmp/slurm/slurmctld.pid" "$tmp/munge/munged.pid"; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    i=0
    while [ $i -lt 50 ] && { pgrep -f "$tmp/slurm/slurm.conf" >/dev/null 2>&1; }; do
        sleep 0.1
        i=$((i + 1))
    done
}
cleanup() {
    stop_daemons
    rm -rf "$tmp"
}
trap cleanup EXIT

# same_results DIR1 DIR2: every run's result has the same datasets, value for value.
same_results() {
    n=0
    for f in "$1"/*.h5; do
        g="$2/$(basename "$f")"
        [ -f "$g" ] || { echo "  missing $g"; return 1; }
        for obj in $(h5ls "$f" | awk '{ print $1 }'); do
            if ! h5diff "$f" "$g" "/$obj" "/$obj" >/dev/null 2>&1; then
                echo "  /$obj differs: $f $g"
                return 1
            fi
        done
        n=$((n + 1))
    done
    [ "$n" -eq 6 ] || { echo "  $n results in $1, expected 6"; return 1; }
}

# The reference: a local batch, 2 processes.
(cd "$tmp" && "$bin" --quiet batch "$exp" -j 2 -o local --set simulation@until=3d \
    >local.md 2>local.err) || { bad "local batch"; cat "$tmp/local.err"; }

# ---- 0. Mistakes, without any engine: usage errors (64), no sbatch (69), a bad task (66) ----
check_exit() { # WANT TEXT CMD...: exit status WANT and TEXT in the message
    want=$1 text=$2
    shift 2
    (cd "$tmp" && "$@") >"$tmp/err" 2>&1
    code=$?
    if [ $code -eq "$want" ] && grep -q -- "$text" "$tmp/err"; then
        ok "exit $want ($text): $*"
    else
        bad "expected exit $want and \"$text\" from: $* (exit $code)"
        cat "$tmp/err"
    fi
}
check_exit 64 "go together" "$bin" batch "$exp" --task 0
check_exit 64 "go with --slurm" "$bin" batch "$exp" --partition compute
check_exit 64 "go alone" "$bin" batch "$exp" --slurm --status
check_exit 64 "whole number" "$bin" batch "$exp" --slurm --chunk 0
check_exit 64 "without blanks" "$bin" batch "$exp" --slurm --time "1 h"
check_exit 69 "cannot run sbatch" env PATH=/nonexistent "$bin" batch "$exp" --slurm -o nosbatch
printf 'national__nearest__s1\n' >"$tmp/one.runs"
check_exit 66 "has no line 3" "$bin" batch "$exp" --task 2 --task-list one.runs -o x
printf 'no_such_run\n' >"$tmp/bad.runs"
check_exit 65 "is not in" "$bin" batch "$exp" --task 0 --task-list bad.runs -o x

# ---- 1. Slurm --------------------------------------------------------------------------------
slurm_up() {
    [ "$(id -u)" -eq 0 ] || { echo "not root (slurmd and munged need it)"; return 1; }
    for c in munged mungekey slurmctld slurmd sbatch squeue sinfo scancel; do
        command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] ||
            { echo "$c is not installed (Debian: apt-get install slurm-wlm munge)"; return 1; }
    done
    PATH=$PATH:/usr/sbin
    m=$tmp/munge
    s=$tmp/slurm
    mkdir -p "$m" "$s/state" "$s/spool" && chmod 755 "$tmp" "$m"
    mungekey -c -k "$m/munge.key" >/dev/null 2>&1 || { echo "mungekey failed"; return 1; }
    munged --key-file="$m/munge.key" --socket="$m/munge.sock" --pid-file="$m/munged.pid" \
        --log-file="$m/munged.log" --seed-file="$m/munged.seed" ||
        { echo "munged did not start: $(tail -1 "$m/munged.log" 2>/dev/null)"; return 1; }
    host=$(hostname -s)
    cat >"$s/slurm.conf" <<EOF
ClusterName=cpnsimtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$m/munge.sock
CredType=cred/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$s/state
SlurmdSpoolDir=$s/spool
SlurmctldPidFile=$s/slurmctld.pid
SlurmdPidFile=$s/slurmd.pid
SlurmctldLogFile=$s/slurmctld.log
SlurmdLogFile=$s/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF="$s/slurm.conf"
    slurmctld -f "$SLURM_CONF" && slurmd -f "$SLURM_CONF" ||
        { echo "slurmctld or slurmd did not start: $(tail -2 "$s"/*.log 2>/dev/null)"; return 1; }
    i=0
    while [ $i -lt 300 ]; do
        [ "$(sinfo -h -o %T 2>/dev/null)" = "idle" ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    echo "the node is not idle after 30 s: $(sinfo 2>&1 | tail -1)"
    return 1
}

# wait_slurm: until no job is in the queue (at most 120 s).
wait_slurm() {
    i=0
    while [ -n "$(squeue -h 2>/dev/null)" ] && [ $i -lt 1200 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ -z "$(squeue -h 2>/dev/null)" ]
}

if ! slurm_up >"$tmp/why" 2>&1; then
    skipped "Slurm: $(cat "$tmp/why")"
else
    cd "$tmp" || exit 1
    set -- --set simulation@until=3d -o sl
    # Submit: 6 runs in 3 tasks of 2.
    "$bin" batch "$exp" "$@" --slurm --chunk 2 >submit1.out 2>&1
    job=$(sed -n 's/.*Slurm job array \([0-9]*\).*/\1/p' submit1.out)
    # Cancel the first task that runs, while it runs.
    i=0
    task=""
    while [ -z "$task" ] && [ $i -lt 600 ]; do
        task=$(squeue -h -r -t RUNNING -o %K 2>/dev/null | head -1)
        [ -z "$task" ] && sleep 0.05
        i=$((i + 1))
    done
    # Its first run is paused (SIGSTOP) as soon as it starts and until the cancel is sent, so
    # that the cancel comes mid-run however fast this machine is (a run takes under a second).
    if [ -n "$task" ]; then
        i=0
        while ! pgrep -f -- "-o sl/" >/dev/null 2>&1 && [ $i -lt 400 ]; do
            sleep 0.02
            i=$((i + 1))
        done
        pkill -STOP -f -- "-o sl/"
        scancel "${job}_$task"
        sleep 0.2
        pkill -CONT -f -- "-o sl/"
    fi
    wait_slurm
    "$bin" batch "$exp" "$@" --status >status1.out 2>&1
    "$bin" batch "$exp" "$@" --slurm --chunk 2 >submit2.out 2>&1
    wait_slurm
    "$bin" batch "$exp" "$@" --status >status2.out 2>&1
    "$bin" batch "$exp" "$@" --slurm >submit3.out 2>&1
    "$bin" --quiet report sl/*.h5 --by policy --metrics job.all.jct.mean,job.all.completed \
        >report-slurm.md 2>&1
    "$bin" --quiet report local/*.h5 --by policy --metrics job.all.jct.mean,job.all.completed \
        >report-local.md 2>&1
    echo "--- Slurm transcript (submit, status after a cancelled task, resubmit, status, report)"
    cat submit1.out status1.out submit2.out status2.out submit3.out report-slurm.md |
        sed 's/^/    /'
    if [ -n "$job" ] && [ -n "$task" ] &&
        awk '/^status:/ { ok = $2 == 4 && $4 == 0 && $6 == 0 && $8 + $10 == 2 }
             END { exit !ok }' status1.out &&
        grep -q "submitted 2 runs as Slurm job array" submit2.out &&
        grep -q "^status: 6 done, 0 running, 0 pending, 0 failed, 0 missing" status2.out &&
        grep -q "nothing to submit: 6 of 6 runs complete" submit3.out; then
        ok "Slurm: a job array of 3 tasks, one cancelled mid-run, its 2 runs resubmitted alone"
    else
        bad "Slurm: submit, cancel, status, resubmit"
        tail -5 "$tmp"/sl/slurm/*.out "$tmp/slurm/slurmctld.log" 2>/dev/null
    fi
    if same_results local sl && cmp -s report-local.md report-slurm.md; then
        ok "Slurm: the 6 results and the report equal the local batch's"
    else
        bad "Slurm: results differ from the local batch"
    fi
    cd - >/dev/null || exit 1
fi

# ---- 2. MPI ------------------------------------------------------------------------------------
if "$bin" batch "$exp" --mpi --dry-run 2>&1 | grep -q "built without MPI"; then
    skipped "MPI: this cpnsim was built without MPI (./configure --with-mpi)"
elif ! command -v mpirun >/dev/null 2>&1; then
    skipped "MPI: mpirun is not installed (Debian: apt-get install openmpi-bin)"
else
    cd "$tmp" || exit 1
    # As root, OpenMPI needs to be told; leaks inside OpenMPI are not ours (sanitizer builds).
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
        ASAN_OPTIONS=detect_leaks=0 timeout 300 mpirun -n 2 \
        "$bin" --quiet batch "$exp" --mpi --set simulation@until=3d -o mpi >mpi.md 2>mpi.err
    code=$?
    if [ $code -eq 0 ] && same_results local mpi && cmp -s local.md mpi.md; then
        ok "MPI: mpirun -n 2 batch --mpi gives the local batch's 6 results and table"
    else
        bad "MPI: batch --mpi (exit $code)"
        tail -20 mpi.err
    fi
    cd - >/dev/null || exit 1
fi

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
