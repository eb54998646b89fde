#!/usr/bin/env python3
"""Checks a refinement by zigzag_imc.py against ZigZag's API called directly (issue 14).

For every design the refinement recorded (its checkpoint.jsonl), the design is rebuilt from the
space (`imcdse space SPACE --json`, the genes of the row) and the workload from the zoo
(`imcdse workloads NAME --json`), costed again through `zigzag.api.get_hardware_performance_zigzag`
with the evaluator's own translation, and the recorded energy, latency and area must be the same
numbers (ZigZag is deterministic: relative 1e-12).

    check_zigzag.py REFINE_DIR IMCDSE_BINARY SPACE WORKLOAD
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zigzag_imc  # noqa: E402
import logging  # noqa: E402


def imcdse(exe, *args):
    return json.loads(subprocess.run([exe, *args], check=True, capture_output=True, text=True).stdout)


def close(a, b):
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def main():
    folder, exe, space_name, workload = sys.argv[1:5]
    # ZigZag's API configures INFO logging at every call: keep the output to the verdicts.
    logging.disable(logging.CRITICAL)
    space = imcdse(exe, "space", space_name, "--json")
    wl = imcdse(exe, "workloads", workload, "--json")
    layers = (wl[0] if isinstance(wl, list) else wl)["layer_list"]
    fixed = space.get("fixed", {})
    params = list(space["params"].items())
    rows = [json.loads(line) for line in open(os.path.join(folder, "checkpoint.jsonl"))]
    if not rows:
        sys.exit(f"{folder}: no refined design")
    checked = 0
    for r in rows:
        design = dict(fixed)
        design.update({name: values[g] for (name, values), g in zip(params, r["genes"])})
        if not r["feasible"] and r["area_mm2"] is None:
            sys.exit(f"eval_index {r['eval_index']}: the evaluator gave no costs: {r['reason']}")
        with tempfile.TemporaryDirectory() as scratch:
            energy, cycles, tclk, area = zigzag_imc.cost(design, layers, scratch)
        want = (energy * 1e-9, cycles * tclk * 1e-6, area)
        e, l, _ = r["per_workload"][0]
        got = (e, l, r["area_mm2"])
        for what, x, y in zip(("energy_mj", "latency_ms", "area_mm2"), got, want):
            if not close(x, y):
                sys.exit(f"eval_index {r['eval_index']}: {what} recorded {x}, ZigZag's API gives {y}")
        checked += 1
        print(f"eval_index {r['eval_index']}: energy {e:.6g} mJ, latency {l:.6g} ms, area {r['area_mm2']:.6g} mm2: "
              "equal to ZigZag's API", flush=True)
    print(f"{checked} refined designs equal ZigZag's API called directly")


if __name__ == "__main__":
    main()
