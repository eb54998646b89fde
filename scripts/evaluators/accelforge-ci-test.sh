#!/usr/bin/env bash
# The AccelForge evaluator end to end (issue 31), as CI runs it: the AccelForge environment
# (target/venv-accelforge, accelforge-env.sh: Python 3.12, pinned accelforge 1.0.467), small
# analytic sweeps of paper-rram and paper-sram on ResNet-18, `imcdse refine` of their best designs
# (3 RRAM, 2 SRAM) with scripts/evaluators/accelforge_cim.py, then check_accelforge.py: every
# number the refinements recorded equals AccelForge's own API called directly on the same
# designs. About 90 s on 2 cores (AccelForge: 5-10 s a ResNet-18 design; the environment, built
# once in the background prepare stage, about a minute from nothing). scripts/test.sh
# has built the binary (IMCDSE_BIN) and the environment, which the first lines then only find.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON_AF="$(scripts/evaluators/accelforge-env.sh | tail -n 1)"
if [[ -z "${IMCDSE_BIN:-}" ]]; then cargo build --release --locked -p imcdse -q; fi
B="${IMCDSE_BIN:-target/release/imcdse}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for spec in paper-rram:3 paper-sram:2; do
    space=${spec%:*} top=${spec#*:}
    "$B" sweep --space "$space" --workloads resnet18 --optimizer random --budget 200 --seed 0 \
        --out "$T/$space" >/dev/null
    start=$(date +%s)
    "$B" refine "$T/$space" --top "$top" --distinct \
        --evaluator "$PYTHON_AF scripts/evaluators/accelforge_cim.py" --evaluator-workers 2 \
        --out "$T/$space-refine"
    echo "refine $space with AccelForge: $(( $(date +%s) - start )) s"
    "$PYTHON_AF" scripts/evaluators/check_accelforge.py "$T/$space-refine" "$B" "$space" resnet18
done
echo "AccelForge evaluator test: passed"
