#!/usr/bin/env bash
# The AccelForge environment, target/venv-accelforge: Python 3.12 (AccelForge's
# hwcomponents-neurosim requires it; the machine's python3 is older) with the packages of
# accelforge.lock, each pinned, installed with --no-deps (no resolver run). Used by
# accelforge_cim.py, its CI test (accelforge-ci-test.sh) and scripts/reference/accelforge_compare.py.
# Does nothing when the environment already holds this lock (a stamp file keeps its hash).
#
# Two install gotchas, handled here:
# - hwcomponents-neurosim's wheel carries a NeuroSim binary linked against a newer glibc than
#   Debian 12's, so it is built from source (--no-binary; its setup.py runs `make` with g++), and
#   without build isolation so that its build requirements come from the lock too. Its setup.py
#   only warns when make fails, so the binary is checked after the install.
# - hwcomponents-cacti's wheel, tagged for any platform, ships a CACTI binary with the same glibc
#   problem (and stale object files): CACTI is rebuilt from the sources it ships (make, g++;
#   seconds), else every SRAM buffer AccelForge costs fails.
# - AccelForge renders every mapping it evaluates with Graphviz's `dot` (pydot): Debian's
#   graphviz is installed with apt-get when `dot` is missing.
#
#   scripts/evaluators/accelforge-env.sh            prints the environment's python on its last line
#   scripts/evaluators/accelforge-env.sh --python   prints the base Python 3.12 it uses, and stops
# PYTHON picks the base interpreter (default: python3.12 on PATH, else pyenv's newest 3.12).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/target/venv-accelforge"
lock="$root/scripts/evaluators/accelforge.lock"
stamp="$venv/.lock-hash"

base_python() {
    if [[ -n "${PYTHON:-}" ]]; then echo "$PYTHON"; return; fi
    # (pyenv's shim for python3.12 is on PATH even where it does not run)
    if python3.12 --version >/dev/null 2>&1; then command -v python3.12; return; fi
    local p
    p="$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12.*/bin/python3.12 2>/dev/null | sort -V | tail -n 1)"
    if [[ -z "$p" ]]; then
        echo "accelforge-env.sh: no Python 3.12 (python3.12 on PATH or pyenv's 3.12.x); set PYTHON" >&2
        exit 1
    fi
    echo "$p"
}
if [[ "${1:-}" == --python ]]; then base_python; exit 0; fi

if ! command -v dot >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends graphviz >/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends graphviz >/dev/null; }
fi

want="$(cat "$lock" "$0" | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    rm -rf "$venv"
    "$(base_python)" -m venv "$venv"
    pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps)
    # Everything but NeuroSim first: its source build needs setuptools, setuptools-scm and
    # hwcomponents installed.
    "${pip[@]}" -r <(grep -v '^hwcomponents-neurosim==' "$lock")
    "${pip[@]}" --no-build-isolation --no-binary hwcomponents-neurosim "$(grep '^hwcomponents-neurosim==' "$lock")"
    neurosim="$("$venv/bin/python" -c 'import hwcomponents_neurosim, os; print(os.path.join(os.path.dirname(hwcomponents_neurosim.__file__), "NeuroSim", "main"))')"
    if [[ ! -x "$neurosim" ]]; then
        echo "accelforge-env.sh: hwcomponents-neurosim installed without its NeuroSim binary ($neurosim): make or g++ failed" >&2
        exit 1
    fi
    cacti="$("$venv/bin/python" -c 'import hwcomponents_cacti, os; print(os.path.join(os.path.dirname(hwcomponents_cacti.__file__), "cacti"))')"
    rm -rf "$cacti"/obj_dbg "$cacti"/obj_opt "$cacti"/*.o "$cacti/cacti"
    make -s -C "$cacti" -j2 >/dev/null 2>&1
    if [[ "$("$cacti/cacti" 2>&1 || true)" != *"how to use CACTI"* ]]; then
        echo "accelforge-env.sh: CACTI, rebuilt in $cacti, does not run" >&2
        exit 1
    fi
    echo "$want" >"$stamp"
fi
echo "$venv/bin/python"
