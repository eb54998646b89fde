#!/usr/bin/env bash
# Every test, as CI runs it (.ci/run calls this, the README's test command), in stages that are
# timed and listed in a table at the end (also written to target/ci/stages.txt):
#   lint     the shape rules (scripts/lint/shape.py, after its own tests), rustfmt, and the
#            feature lint (scripts/lint/features.py: every build shares one set of artifacts);
#   prepare  in the background from the start, while the compiler has the cores: Debian's
#            slurm-wlm and munge for the Slurm test, the one Python environment
#            (target/venv, scripts/python/env.sh: pinned packages, no resolver run), and
#            AccelForge's (target/venv-accelforge, scripts/evaluators/accelforge-env.sh: Python
#            3.12, pinned, NeuroSim built from source);
#   build    one release build: the workspace's tests and the binary, which every later stage
#            uses (nothing is built twice; the Python extension compiles only its own crate);
#            cargo's timing report of it is target/cargo-timings/cargo-timing.html;
#   rust     the Rust tests, on that build;
#   clippy   `cargo clippy --all-targets -D warnings` over the workspace (check-mode artifacts
#            of its own: about 80 s from a clean clone on 2 cores);
#   slurm    in the background from here (it mostly waits on its one-node cluster): sharded runs
#            through a private Slurm cluster, merged to exactly the single-machine results
#            (scripts/slurm/ci-test.sh);
#   python   the Python extension, built by maturin against the same target/, and its tests;
#            the bit-true accuracy reference's tests (scripts/evaluators/test_bittrue.py);
#   guides   every command of README.md and docs/*.md (scripts/docs/run_guides.py);
#   zigzag   the ZigZag evaluator end to end, checked against ZigZag's own API
#            (scripts/evaluators/ci-test.sh);
#   accelforge  the AccelForge evaluator end to end, checked against AccelForge's own API
#            (scripts/evaluators/accelforge-ci-test.sh).
# IMCDSE_SKIP_SLURM=1, IMCDSE_SKIP_ZIGZAG=1, IMCDSE_SKIP_ACCELFORGE=1 and IMCDSE_SKIP_PYTHON=1
# skip a stage on a machine that cannot run it (the guides' Python blocks need the Python
# stage); CI sets none.
set -euo pipefail
cd "$(dirname "$0")/.."
# The stages after `build` use this binary as it is (their scripts build one only without it).
export IMCDSE_BIN="$PWD/target/release/imcdse"
mkdir -p target/ci
logs="$PWD/target/ci"
timings="$logs/stages.txt"
: >"$timings"
start_all=$SECONDS
skip() { [[ "${!1:-0}" == 1 ]]; }

table() {
    {
        echo
        echo "stage       seconds  result"
        echo "----------  -------  ------"
        cat "$timings"
        echo "----------  -------  ------"
        printf '%-10s  %7d  %s\n' total $((SECONDS - start_all)) "$1"
    } | tee "$logs/table.txt"
}

# Records a finished stage's time and result; `note` says how it ran.
record() { # record NAME START RC [NOTE]
    local result=ok
    [[ $3 == 0 ]] || result="FAILED ($3)"
    printf '%-10s  %7d  %s%s\n' "$1" $((SECONDS - $2)) "$result" "${4:+ ($4)}" >>"$timings"
}

# Runs a stage in the foreground; on failure prints the table and stops.
stage() {
    local name=$1 t0=$SECONDS rc=0
    shift
    echo "=== $name: $*"
    "$@" || rc=$?
    record "$name" "$t0" "$rc"
    if [[ $rc != 0 ]]; then
        table failed
        exit "$rc"
    fi
}

# Starts a stage in the background, its output to target/ci/NAME.log; `join NAME` waits for it.
declare -A bg_pid
background() {
    local name=$1
    shift
    echo "=== $name (in the background, log target/ci/$name.log): $*"
    (
        t0=$SECONDS rc=0
        "$@" >"$logs/$name.log" 2>&1 || rc=$?
        record "$name" "$t0" "$rc" "in the background"
        exit "$rc"
    ) &
    bg_pid[$name]=$!
}
# A stage that fails stops the run: stop what runs in the background too (the Slurm test's
# trap then stops its daemons).
stop_background() {
    local pid
    for pid in "${bg_pid[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap stop_background EXIT
join() {
    local rc=0
    wait "${bg_pid[$1]}" || rc=$?
    echo "=== $1 (joined):"
    cat "$logs/$1.log"
    if [[ $rc != 0 ]]; then
        table failed
        exit "$rc"
    fi
}

lint() {
    python3 scripts/lint/test_shape.py 2>&1 | tail -n 3
    python3 scripts/lint/shape.py
    cargo fmt --all --check
    python3 scripts/lint/features.py
}

# Downloads and installs, no compiling.
prepare() {
    if ! skip IMCDSE_SKIP_SLURM; then scripts/slurm/install.sh; fi
    if ! skip IMCDSE_SKIP_PYTHON || ! skip IMCDSE_SKIP_ZIGZAG; then scripts/python/env.sh; fi
    if ! skip IMCDSE_SKIP_ACCELFORGE; then scripts/evaluators/accelforge-env.sh; fi
}

guides() {
    if skip IMCDSE_SKIP_PYTHON; then
        python3 scripts/docs/run_guides.py --imcdse "$IMCDSE_BIN" --no-python
    else
        python3 scripts/docs/run_guides.py --imcdse "$IMCDSE_BIN" \
            --python "$(scripts/python/env.sh | tail -n 1)"
    fi
}

stage lint lint
background prepare prepare
stage build cargo test --workspace --release --locked --no-run --timings
stage rust cargo test --workspace --release --locked
stage clippy cargo clippy --workspace --all-targets --release --locked -- -D warnings
join prepare
if skip IMCDSE_SKIP_SLURM; then echo "IMCDSE_SKIP_SLURM=1: the Slurm test is skipped"; else
    background slurm scripts/slurm/ci-test.sh
fi
if skip IMCDSE_SKIP_PYTHON; then echo "IMCDSE_SKIP_PYTHON=1: the Python package's tests are skipped"; else
    stage python scripts/python/ci-test.sh
fi
stage guides guides
if skip IMCDSE_SKIP_ZIGZAG; then echo "IMCDSE_SKIP_ZIGZAG=1: the ZigZag evaluator test is skipped"; else
    stage zigzag scripts/evaluators/ci-test.sh
fi
if skip IMCDSE_SKIP_ACCELFORGE; then echo "IMCDSE_SKIP_ACCELFORGE=1: the AccelForge evaluator test is skipped"; else
    stage accelforge scripts/evaluators/accelforge-ci-test.sh
fi
if ! skip IMCDSE_SKIP_SLURM; then join slurm; fi
table passed
