#!/usr/bin/env bash
# The ZigZag evaluator end to end (issue 14), as CI runs it: the test environment (target/venv,
# scripts/python/env.sh, which pins zigzag-dse 3.9.1), a small analytic sweep of paper-sram on
# VGG-8 (CIFAR-10), `imcdse refine --top 3` with scripts/evaluators/zigzag_imc.py, then
# check_zigzag.py: every number the refinement recorded equals ZigZag's own API called directly
# on the same design. About 5 minutes after the release build (ZigZag takes 30-50 s per design of
# VGG-8 here). scripts/test.sh has built the binary (IMCDSE_BIN) and the environment, which the
# first lines then only find.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON_ENV="$(scripts/python/env.sh | tail -n 1)"
if [[ -z "${IMCDSE_BIN:-}" ]]; then cargo build --release --locked -p imcdse -q; fi
B="${IMCDSE_BIN:-target/release/imcdse}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$B" sweep --space paper-sram --workloads vgg8-cifar10 --optimizer random --budget 200 --seed 0 \
    --out "$T/sweep" > /dev/null
start=$(date +%s)
"$B" refine "$T/sweep" --top 3 --evaluator "$PYTHON_ENV scripts/evaluators/zigzag_imc.py" \
    --evaluator-workers 2 --out "$T/refine"
echo "refine with ZigZag: $(( $(date +%s) - start )) s"
"$PYTHON_ENV" scripts/evaluators/check_zigzag.py "$T/refine" "$B" paper-sram vgg8-cifar10
echo "ZigZag evaluator test: passed"
