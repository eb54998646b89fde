#!/usr/bin/env bash
# The one Python environment of the tests, target/venv: the packages of requirements.lock, each
# pinned, installed with --no-deps (no resolver run). Used by the Python package's tests, the
# guides' Python blocks and the ZigZag evaluator test. Does nothing when the environment already
# holds this lock (a stamp file keeps its hash). PYTHON picks the interpreter (default python3).
#
#   scripts/python/env.sh        prints the environment's python on its last line
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/target/venv"
lock="$root/scripts/python/requirements.lock"
stamp="$venv/.lock-hash"
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    rm -rf "$venv"
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$lock"
    echo "$want" >"$stamp"
fi
echo "$venv/bin/python"
