#!/usr/bin/env bash
# Every test, as CI runs it (.ci/run calls this, the README's test command):
# 1. the Rust tests of the workspace;
# 2. the Slurm test: sharded runs through a private one-node Slurm cluster, merged to exactly
#    the single-machine results (scripts/slurm/ci-test.sh; IMCDSE_SKIP_SLURM=1 skips it);
# 3. the ZigZag evaluator end to end in a virtual environment it creates
#    (scripts/evaluators/ci-test.sh; IMCDSE_SKIP_ZIGZAG=1 skips it);
# 4. the Python package: built into a virtual environment it creates, its pytest suite and the
#    paper's GA example (scripts/python/ci-test.sh; IMCDSE_SKIP_PYTHON=1 skips it).
# CI sets no skip.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked
scripts/slurm/ci-test.sh
if [ "${IMCDSE_SKIP_ZIGZAG:-0}" = 1 ]; then
    echo "IMCDSE_SKIP_ZIGZAG=1: the ZigZag evaluator test is skipped"
else
    scripts/evaluators/ci-test.sh
fi
if [ "${IMCDSE_SKIP_PYTHON:-0}" = 1 ]; then
    echo "IMCDSE_SKIP_PYTHON=1: the Python package's tests are skipped"
else
    scripts/python/ci-test.sh
fi
