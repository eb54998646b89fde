#!/usr/bin/env bash
# Regenerates results/reference/speed.md: how fast the model is, as medians, with the machine
# they ran on. Never asserted anywhere (speed is measured, not tested):
# 1. criterion (`cargo bench -p imc-model --bench eval`): one design on the four paper CNNs,
#    with and without plans, calibrated, the CiMLoop calibrations' choices, and 64 designs in a
#    row; the medians of criterion's own estimates;
# 2. `imcdse sweep --optimizer exhaustive` over paper-rram and paper4: its own timing line,
#    three runs;
# 3. the Python package (scripts/python/bench.py), when PYTHON (default
#    target/venv/bin/python, the test environment) has it installed.
# Takes several minutes; run it on an idle machine.
#
#   scripts/reference/speed.sh [OUT]      (OUT defaults to results/reference/speed.md)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${1:-results/reference/speed.md}"
python="${PYTHON:-target/venv/bin/python}"
cargo build --release --locked -p imcdse -q
cargo bench -p imc-model --bench eval --locked -q -- --noplot >/dev/null
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
{
    echo "# How fast the model is"
    echo
    echo "Made by \`scripts/reference/speed.sh\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)," \
        "on $(nproc) cores of $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')."
    echo "A virtual machine's speed varies from run to run; compare ratios within one file."
    echo
    echo "## One design, criterion medians (\`cargo bench -p imc-model --bench eval\`)"
    echo
    echo "| benchmark | median | per design |"
    echo "|---|---:|---:|"
    for f in target/criterion/*/new/estimates.json; do
        name="$(basename "$(dirname "$(dirname "$f")")")"
        python3 - "$f" "$name" <<'PY'
import json, sys
ns = json.load(open(sys.argv[1]))["median"]["point_estimate"]
name = sys.argv[2]
per = ns / 64 if name == "eval_block_64" else ns
print(f"| `{name}` | {ns / 1000:,.1f} us | {per / 1000:,.1f} us |")
PY
    done
    echo
    echo "## Exhaustive enumeration (\`imcdse sweep --optimizer exhaustive\`, paper-rram, paper4)"
    echo
    for run in 1 2 3; do
        d="$(mktemp -d)"
        line="$(target/release/imcdse sweep --optimizer exhaustive --out "$d" 2>&1 \
            | grep -o -m1 'evaluated all [0-9]* designs in [0-9.]* s ([0-9]* designs/s' || true)"
        echo "- run $run: ${line:-no timing line in its output}${line:+)}"
        rm -rf "$d"
    done
    if [[ -x "$python" ]] && "$python" -c 'import imcdse' 2>/dev/null; then
        echo
        echo "## The Python package (\`scripts/python/bench.py\`)"
        echo
        echo '```text'
        "$python" scripts/python/bench.py
        echo '```'
    fi
} >"$tmp"
mv "$tmp" "$out"
echo "wrote $out"
