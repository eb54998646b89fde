#!/usr/bin/env bash
# The Python package's tests, as the README's test command runs them on a fresh machine: the
# test environment (target/venv, scripts/python/env.sh: the pinned packages of
# requirements.lock); the extension installed from the checkout with pip and the pinned maturin,
# without build isolation (a release build that shares the workspace's target/, so only the
# extension's own crate and PyO3 compile); then pytest; then the bit-true accuracy reference's
# tests (scripts/evaluators/test_bittrue.py: it trains two small networks on scikit-learn's
# digits, about 15 s, and runs an imcdse sweep through it); then scripts/python/peers.py's tests
# (scripts/python/test_peers.py: Optuna's TPE and pymoo's GAs at a budget of 20 on the demo
# space, a few seconds, their rows read back by `imcdse grade --peers` through $IMCDSE_BIN).
# The guides' Python blocks (docs/python.md: batches, pymoo, Optuna, the paper's GA) run in the
# guides stage, in the same environment.
# PYTHON picks the interpreter (default python3).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
python="$(scripts/python/env.sh | tail -n 1)"
# The environment's tools first on PATH: maturin's build backend runs the `maturin` it installed.
export PATH="$(dirname "$python"):$PATH"
"$python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps \
    --no-build-isolation ./crates/imcdse-py
cd crates/imcdse-py/tests
"$python" -m pytest -q -p no:cacheprovider .
cd "$root"
"$python" -m pytest -q -p no:cacheprovider scripts/evaluators/test_bittrue.py
"$python" -m pytest -q -p no:cacheprovider scripts/python/test_peers.py
