#!/usr/bin/env bash
# The Python package's tests, as the README's test command runs them on a fresh machine:
# a virtual environment (target/venv-python) with the pinned packages of requirements.txt; the
# extension installed from the checkout with pip and the pinned maturin (a release build that
# shares the workspace's target/); the CLI the tests compare against; pytest; then the paper's
# GA example.
# PYTHON picks the interpreter (default python3).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
venv="$root/target/venv-python"
if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
# The venv's tools first on PATH: maturin's build backend runs the `maturin` it installed.
export PATH="$venv/bin:$PATH"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r scripts/python/requirements.txt
cargo build --release --locked -p imcdse -q
"$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps \
    --no-build-isolation ./crates/imcdse-py
cd crates/imcdse-py/tests
"$venv/bin/python" -m pytest -q -p no:cacheprovider .
cd "$root"
"$venv/bin/python" scripts/python/paper_ga.py --seed 1
