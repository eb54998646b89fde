#!/usr/bin/env bash
# The ZigZag evaluator end to end (issue 14), as CI runs it: a virtual environment with
# zigzag-dse, a small analytic sweep of paper-sram on VGG-8 (CIFAR-10), `imcdse refine --top 3`
# with scripts/evaluators/zigzag_imc.py, then check_zigzag.py: every number the refinement
# recorded equals ZigZag's own API called directly on the same design. About 5 minutes after the
# release build (ZigZag takes 30-50 s per design of VGG-8 here).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=target/venv-evaluators
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
# zigzag-dse 3.9.1 imports six without declaring it.
"$VENV/bin/pip" install --quiet --disable-pip-version-check zigzag-dse==3.9.1 six pyyaml
cargo build --release --locked -p imcdse
B=target/release/imcdse
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$B" sweep --space paper-sram --workloads vgg8-cifar10 --optimizer random --budget 200 --seed 0 \
    --out "$T/sweep" > /dev/null
start=$(date +%s)
"$B" refine "$T/sweep" --top 3 --evaluator "$VENV/bin/python scripts/evaluators/zigzag_imc.py" \
    --evaluator-workers 2 --out "$T/refine"
echo "refine with ZigZag: $(( $(date +%s) - start )) s"
"$VENV/bin/python" scripts/evaluators/check_zigzag.py "$T/refine" "$B" paper-sram vgg8-cifar10
echo "ZigZag evaluator test: passed"
