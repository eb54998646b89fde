#!/usr/bin/env bash
# The Slurm test (run by .ci/run): a real one-node Slurm cluster on this machine runs a
# sharded exhaustive sweep through scripts/slurm/submit.sh (an array of shards, then a merge
# job with --dependency=afterok), and the merged tables must equal an unsharded run's, byte
# for byte.
#
# 1. Installs Debian's slurm-wlm and munge if missing (scripts/slurm/install.sh; needs root or
#    sudo; scripts/test.sh has already run it in the background).
# 2. Starts munged, slurmctld and slurmd (on 127.0.0.1, whatever the host name resolves to)
#    with a private configuration, key, sockets, ports
#    and state under a temporary folder (nothing in /etc is touched), and waits for the node.
# 3. Submits 4 shards of paper-rram over resnet18,alexnet (12,096,000 designs), max-ela and
#    pareto, waits for the merge jobs, and compares evaluations.parquet and pareto.parquet
#    with single-machine runs; a 2-shard grading certified from the merged max-ela sweep
#    (submitted with --after its merge job); 3 shards of a small `compare` (demo space).
#    Prints each shard's time.
# 4. Stops the daemons whatever happened (trap), and prints their logs if anything failed.
#
# Settings (environment): IMCDSE_SLURM_SHARDS (4), IMCDSE_SLURM_SPACE (paper-rram),
# IMCDSE_SLURM_WORKLOADS (resnet18,alexnet), IMCDSE_SLURM_TIMEOUT seconds per wait (1800).
# IMCDSE_SKIP_SLURM=1 skips the test (for a machine where root cannot be had); CI never sets it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
shards="${IMCDSE_SLURM_SHARDS:-4}"
space="${IMCDSE_SLURM_SPACE:-paper-rram}"
workloads="${IMCDSE_SLURM_WORKLOADS:-resnet18,alexnet}"
timeout="${IMCDSE_SLURM_TIMEOUT:-1800}"
if [[ "${IMCDSE_SKIP_SLURM:-}" == 1 ]]; then
    echo "slurm test: skipped (IMCDSE_SKIP_SLURM=1)"
    exit 0
fi
say() { echo "slurm test: $*"; }
sudo=""
if [[ $(id -u) -ne 0 ]]; then
    if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
        say "needs root (or passwordless sudo) to install and run the Slurm daemons; IMCDSE_SKIP_SLURM=1 skips it" >&2
        exit 1
    fi
fi

# 1. Packages.
"$root/scripts/slurm/install.sh"

# 2. Daemons, all state in one temporary folder.
work="$(mktemp -d /tmp/imcdse-slurm.XXXXXX)"
chmod 755 "$work"
mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/runs"
chmod 755 "$work/munge"
conf="$work/slurm.conf"
export SLURM_CONF="$conf"
host="$(hostname -s)"
pids=()
stop() {
    status=$?
    set +e
    if [[ $status -ne 0 ]]; then
        for log in "$work"/*.log "$work"/runs/*/logs/*.out; do
            [[ -f "$log" ]] && { echo "----- $log (last 40 lines)"; tail -n 40 "$log"; }
        done
    fi
    # Jobs first (their processes outlive a killed slurmd), then the daemons.
    [[ -f "$work/slurmctld.pid" ]] && scancel --partition=ci 2>/dev/null && sleep 2
    for name in slurmd slurmctld munged; do
        f="$work/$name.pid"
        [[ -f "$f" ]] && $sudo kill "$(cat "$f")" 2>/dev/null
    done
    sleep 1
    for name in slurmd slurmctld munged; do
        f="$work/$name.pid"
        [[ -f "$f" ]] && $sudo kill -9 "$(cat "$f")" 2>/dev/null
    done
    say "daemons stopped"
    [[ $status -eq 0 ]] && $sudo rm -rf "$work"
    exit $status
}
trap stop EXIT
# A signal ends the script through exit, so the EXIT trap stops the daemons then too.
trap 'exit 130' INT
trap 'exit 143' TERM

# munge: a fresh key, its own socket.
$sudo dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
$sudo chmod 400 "$work/munge/munge.key"
$sudo munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
    --pid-file="$work/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munge/seed"

cpus="$(nproc)"
cat >"$conf" <<CONF
ClusterName=imcdse-ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
MinJobAge=3600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
$sudo slurmctld -f "$conf"
$sudo slurmd -f "$conf"
deadline=$((SECONDS + 60))
until [[ "$(sinfo -h -n "$host" -o %T 2>/dev/null)" == idle ]]; do
    if ((SECONDS > deadline)); then
        say "node $host did not come up idle within 60 s: $(sinfo 2>&1 | tail -n +1)" >&2
        exit 1
    fi
    sleep 1
done
say "one-node cluster up ($(sinfo --version), $(munged --version 2>&1 | head -1)): $(sinfo -h -o '%P %D node(s) %c CPUs %T')"

# 3. The binary (release: the model is too slow unoptimised for 12 M designs): IMCDSE_BIN when
#    scripts/test.sh has built it, else built here.
if [[ -z "${IMCDSE_BIN:-}" ]]; then
    cargo build --release --locked -p imcdse -q --manifest-path "$root/Cargo.toml"
fi
imcdse="${IMCDSE_BIN:-$root/target/release/imcdse}"
cd "$work/runs"

# Waits for a job to end; fails unless it COMPLETED.
wait_job() {
    local id="$1" state deadline=$((SECONDS + timeout))
    while :; do
        state="$(scontrol show job "$id" -o 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -1 | cut -d= -f2)"
        case "$state" in
            COMPLETED) return 0 ;;
            FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | DEADLINE)
                say "job $id ended $state: $(scontrol show job "$id" -o | grep -o 'Reason=[^ ]*')" >&2
                return 1 ;;
        esac
        if ((SECONDS > deadline)); then
            say "job $id still ${state:-unknown} after $timeout s" >&2
            return 1
        fi
        sleep 2
    done
}

for objective in max-ela pareto; do
    args=(sweep --optimizer exhaustive --space "$space" --workloads "$workloads" --objective "$objective")
    out="$work/runs/$objective"
    read -r array merge < <("$root/scripts/slurm/submit.sh" --shards "$shards" --out "$out" \
        --imcdse "$imcdse" --cpus 1 -- "${args[@]}")
    say "$objective: submitted array job $array ($shards shards) and merge job $merge (afterok:$array)"
    if [[ $objective == max-ela ]]; then
        # A grading certified by this sweep's merged result: its shards wait for that merge.
        grading=(grade --space "$space" --workloads "$workloads" --objective max-ela
            --optimizers random,anneal --budgets 100,1000 --seeds 3)
        read -r _ grade_merge < <("$root/scripts/slurm/submit.sh" --shards 2 --after "$merge" \
            --out "$work/runs/grade" --imcdse "$imcdse" -- "${grading[@]}" --certified "$out/merged" \
            --cache "$work/runs/grade-cache")
        say "grade: submitted 2 shards after job $merge, merge job $grade_merge"
    fi
    wait_job "$merge"
    for ((i = 0; i < shards; i++)); do
        t="$(scontrol show job "${array}_$i" -o | grep -o 'RunTime=[^ ]*')"
        say "$objective shard $i/$shards: Slurm $t; $(tail -n 1 "$out/logs/shard-$i.out")"
    done
    say "$objective merge: Slurm $(scontrol show job "$merge" -o | grep -o 'RunTime=[^ ]*')"
    # The same run on one machine, outside Slurm.
    start=$SECONDS
    "$imcdse" "${args[@]}" --out "$work/runs/$objective-single" >/dev/null 2>&1
    say "$objective unsharded run: $((SECONDS - start)) s"
    for table in evaluations.parquet pareto.parquet; do
        if ! cmp -s "$out/merged/$table" "$work/runs/$objective-single/$table"; then
            say "FAIL: $objective $table of the merged shards differs from the unsharded run's" >&2
            exit 1
        fi
    done
    grep -h "designs recorded\|evaluated all" "$out/merged/summary.md" | sed "s/^/slurm test: $objective merged: /"
    say "$objective: merged evaluations.parquet and pareto.parquet equal the unsharded run's"
done
# The grading: its shards' rows merged equal an unsharded grading's (run times aside).
wait_job "$grade_merge"
"$imcdse" "${grading[@]}" --out "$work/runs/grade-single" --cache "$work/runs/grade-cache-single" >/dev/null 2>&1
table() { grep -v '^Certified' "$1/grading.md" | sed -E 's/ +[0-9]+\.[0-9]+$//'; }
if ! diff <(table "$work/runs/grade/merged") <(table "$work/runs/grade-single"); then
    say "FAIL: the merged grading differs from the unsharded one" >&2
    exit 1
fi
say "grade: merged grading (certified from the merged sweep) equals the unsharded grading"
grep -h '^Optimum' "$work/runs/grade/merged/grading.md" | sed 's/^/slurm test: grade: /'

# compare, sharded over its searches (seeds x {joint, each workload}), merged the same way.
args=(compare --space demo --workloads resnet18,alexnet --optimizer random --budget 60 --seeds 2)
out="$work/runs/compare"
read -r array merge < <("$root/scripts/slurm/submit.sh" --shards 3 --out "$out" --imcdse "$imcdse" -- "${args[@]}")
say "compare: submitted array job $array (3 shards of 6 searches) and merge job $merge"
wait_job "$merge"
"$imcdse" "${args[@]}" --out "$work/runs/compare-single" >/dev/null 2>&1
if ! cmp -s "$out/merged/comparison.parquet" "$work/runs/compare-single/comparison.parquet"; then
    say "FAIL: the merged comparison.parquet differs from the unsharded compare's" >&2
    exit 1
fi
say "compare: merged comparison.parquet equals the unsharded run's"
say "passed"
