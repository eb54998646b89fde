#!/usr/bin/env bash
# The external-evaluator protocol's own cost per request (issue 14), measured with `imcdse serve`:
# a random search of N paper-rram designs on paper4 costed through
# `imcdse serve --calibration cimloop-paper-rram` (one worker). The overhead is imcdse's mean
# round trip (writing the request, the pipe both ways, reading and checking the answer; from
# summary.md) minus serve's own time per request (reading the request, costing the design,
# writing the answer; the line serve writes to evaluator.log when its input closes). Each
# request carries the four CNNs' layer lists (about 112 kB).
#
#   scripts/evaluator_overhead.sh [IMCDSE_BINARY] [N]
set -euo pipefail
B=${1:-target/release/imcdse}
N=${2:-2000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
start=$(date +%s.%N)
"$B" sweep --space paper-rram --optimizer random --budget "$N" --seed 0 \
    --evaluator "$B serve --calibration cimloop-paper-rram" --out "$T/served" > /dev/null 2>&1
served=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
"$B" sweep --space paper-rram-cimloop --optimizer random --budget "$N" --seed 0 \
    --out "$T/inprocess" > /dev/null 2>&1
inprocess=$(echo "$(date +%s.%N) - $start" | bc)
trip=$(grep -o 'mean round trip [0-9.]* ms' "$T/served/summary.md" | grep -o '[0-9.]*')
own=$(grep -o '([0-9.]* ms each)' "$T/served/evaluator.log" | grep -o '[0-9.]*')
requests=$(grep -o '[0-9]* requests, ' "$T/served/summary.md" | grep -o '[0-9]*')
echo "requests through serve:          $requests"
echo "mean round trip (imcdse):        $trip ms"
echo "serve's own time per request:    $own ms"
echo "protocol overhead per request:   $(echo "$trip - $own" | bc -l | sed 's/^\./0./') ms"
echo "whole run through serve:         $served s"
echo "whole run in-process:            $inprocess s"
