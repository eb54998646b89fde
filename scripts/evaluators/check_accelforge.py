#!/usr/bin/env python3
"""Checks a refinement by accelforge_cim.py against AccelForge called directly (issue 31).

For every design the refinement recorded (its checkpoint.jsonl), the design is rebuilt from the
space (`imcdse space SPACE --json`, the genes of the row) and the workload from the zoo
(`imcdse workloads NAME --json`). Each of its crossbar layers is then mapped again with
AccelForge's own `Spec.map_workload_to_arch` on the evaluator's spec of the design (basic_analog
with the design's variables), in this process, with no cache, and the layers' energies and
latencies summed here; the chip's area comes from `Spec.calculate_component_costs`. The
recorded energy, latency, area and per-component energies must be the same numbers (AccelForge
runs one process and is deterministic: relative 1e-12).

    check_accelforge.py REFINE_DIR IMCDSE_BINARY SPACE WORKLOAD
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accelforge_cim  # noqa: E402


def imcdse(exe, *args):
    return json.loads(subprocess.run([exe, *args], check=True, capture_output=True, text=True).stdout)


def close(a, b):
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def direct(design, layers, scratch):
    """(energy mJ, latency ms, area mm2, {component field: mJ}) from AccelForge's API."""
    d = accelforge_cim.resolved(design)
    energy = latency = 0.0
    parts = dict.fromkeys(accelforge_cim.COMPONENTS.values(), 0.0)
    for einsum in accelforge_cim.matmuls(layers)[0]:
        result = accelforge_cim.spec(d, scratch, einsum).map_workload_to_arch(print_progress=False)
        energy += float(result.energy())
        latency += float(result.latency())
        for comp, v in result.energy(per_component=True).items():
            if comp in accelforge_cim.COMPONENTS:
                parts[accelforge_cim.COMPONENTS[comp]] += float(v) * 1e3
    evaluated = accelforge_cim.spec(d, scratch).calculate_component_costs()
    area = sum(float(v) for v in evaluated.arch.per_component_total_area.values())
    return energy * 1e3, latency * 1e3, area * 1e6, parts


def main():
    folder, exe, space_name, workload = sys.argv[1:5]
    space = imcdse(exe, "space", space_name, "--json")
    wl = imcdse(exe, "workloads", workload, "--json")
    layers = (wl[0] if isinstance(wl, list) else wl)["layer_list"]
    fixed = space.get("fixed", {})
    constraints = space.get("constraints", {})
    params = list(space["params"].items())
    rows = [json.loads(line) for line in open(os.path.join(folder, "checkpoint.jsonl"))]
    if not rows:
        sys.exit(f"{folder}: no refined design")
    accelforge_cim.quiet()
    checked = 0
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)  # AccelForge writes mapping.svg where it runs
        for r in rows:
            design = dict(fixed)
            if "weights_on_chip" in constraints:
                design["weights_on_chip"] = constraints["weights_on_chip"]
            design.update({name: values[g] for (name, values), g in zip(params, r["genes"])})
            if r["per_workload"][0] is None:
                sys.exit(f"eval_index {r['eval_index']}: the evaluator gave no costs: {r['reason']}")
            want_e, want_l, want_a, want_parts = direct(design, layers, scratch)
            e, l, _ = r["per_workload"][0]
            extra = dict(r["extra"])
            got = [("energy_mj", e, want_e), ("latency_ms", l, want_l), ("area_mm2", r["area_mm2"], want_a)]
            got += [(f, extra[f"{workload}__{f}"], v) for f, v in want_parts.items()]
            for what, x, y in got:
                if not close(x, y):
                    sys.exit(f"eval_index {r['eval_index']}: {what} recorded {x}, AccelForge's API gives {y}")
            checked += 1
            print(f"eval_index {r['eval_index']}: energy {e:.6g} mJ, latency {l:.6g} ms, area {r['area_mm2']:.6g} mm2: "
                  "equal to AccelForge's API", flush=True)
    print(f"{checked} refined designs equal AccelForge's API called directly")


if __name__ == "__main__":
    main()
