#!/usr/bin/env python3
"""A template of an imcdse external evaluator for CiMLoop (Andrulis, Emer and Sze, ISPASS 2024).

CiMLoop runs inside its Docker image (timeloopaccelergy/timeloop-accelergy-pytorch), which this
repository cannot run in CI, so this file is a template: the protocol loop, the translation of an
imcdse design into the variables the paper's framework sets in CiMLoop (Krestinskaya et al.,
github.com/OlgaKrestinskaya/JointHardwareWorkloadOptimizationIMC, `run_layer` in its main
scripts; see ../shared/reference/paper-framework.md), and the translation of imcdse's layer list
into Timeloop problem dimensions are done; `cost_layer` is the one function to fill in, with the
call your CiMLoop installation makes (e.g. the framework's `run_layer`, or pytimeloop's
`tl.call_mapper` on the macro `basic_analog`).

    imcdse refine RUN --top 20 --evaluator "python3 scripts/evaluators/cimloop_template.py"

`--dry-run` answers every design infeasible with the variables and layer dimensions it would
give CiMLoop, to check the translation without CiMLoop.

Aggregation, as the paper's framework does: energy and latency are sums over layers, the area is
the chip's (any layer's).
"""

import json
import sys

NAME, VERSION = "cimloop-template", "1"

# imcdse parameter -> CiMLoop variable (paper-framework.md, section 3).
VARIABLES = {
    "voltage_v": "VOLTAGE",
    "bits_per_cell": "BITS_PER_CELL",
    "cycle_ns": "BASE_LATENCY",  # seconds in CiMLoop: converted below
    "rows": "row.spatial.meshY",
    "cols": "column.spatial.meshX",
    "router_groups": "shared_router_group.meshX",
    "tiles_per_group": "tile_in_chip.meshX",
    "crossbars_per_tile": "macro_in_tile.meshX",
    "glb_mib": "glb.depth",  # entries of 2048 bits: converted below
}

# What the framework fixes (not searched) in every run.
FIXED = {
    "TECHNOLOGY": 32, "ADC_RESOLUTION": 5, "N_ADC_PER_BANK": 16, "TEMPORAL_DAC_RESOLUTION": 8,
    "VOLTAGE_DAC_RESOLUTION": 1, "READ_PULSE_WIDTH": 10e-9, "BATCH_SIZE": 1,
    "N_SHIFT_ADDS_PER_BANK": 16, "VOLTAGE_ENERGY_SCALE": 1, "VOLTAGE_LATENCY_SCALE": 1,
    "INPUT_BITS": 8, "WEIGHT_BITS": 8, "OUTPUT_BITS": 8,
}


def cimloop_variables(design):
    """The CiMLoop variables of an imcdse design."""
    v = dict(FIXED)
    for key, name in VARIABLES.items():
        if key in design:
            v[name] = design[key]
    if "cycle_ns" in design:
        v["BASE_LATENCY"] = design["cycle_ns"] * 1e-9
    if "glb_mib" in design:
        v["glb.depth"] = int(design["glb_mib"] * 2**20 * 8 / 2048)
    if "technology_nm" in design:
        v["TECHNOLOGY"] = design["technology_nm"]
    return v


def timeloop_dims(layer):
    """Timeloop problem dimensions of a static matrix layer (None for other layers)."""
    s = layer["shape"]
    if layer["op"] == "conv2d":
        out = s["output_size"]
        return {"C": s["in_channels"] // s["groups"], "M": s["out_channels"] // s["groups"],
                "G": s["groups"], "R": s["kernel"][0], "S": s["kernel"][1], "P": out[0],
                "Q": out[1], "HStride": s["stride"][0], "WStride": s["stride"][1], "N": 1}
    if layer["op"] == "linear":
        return {"C": s["in_features"], "M": s["out_features"], "G": 1, "R": 1, "S": 1,
                "P": s["tokens"], "Q": 1, "HStride": 1, "WStride": 1, "N": 1}
    return None  # pooling, activations, additions: digital, "dummy" in the framework


def cost_layer(variables, dims):
    """(energy J, latency s, area m2) of one layer on the chip: call CiMLoop here."""
    raise NotImplementedError(
        "cost_layer: call your CiMLoop installation here (see the module docstring)")


def answer(request, dry_run):
    variables = cimloop_variables(request["design"])
    per, area = {}, None
    for name in request["workloads"]:
        dims = [d for d in map(timeloop_dims, request["layers"][name]) if d is not None]
        if dry_run:
            return {"id": request["id"], "feasible": False,
                    "reason": f"dry run: variables {json.dumps(variables, sort_keys=True)}; "
                              f"{name}: {len(dims)} layers, first {json.dumps(dims[0])}"}
        energy = latency = 0.0
        for d in dims:
            e, l, a = cost_layer(variables, d)
            energy, latency, area = energy + e, latency + l, a
        per[name] = {"energy_mj": energy * 1e3, "latency_ms": latency * 1e3}
    return {"id": request["id"], "feasible": True, "area_mm2": area * 1e6, "workloads": per}


def main():
    dry_run = "--dry-run" in sys.argv[1:]
    print(json.dumps({"protocol": 1, "name": NAME, "version": VERSION}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            out = answer(request, dry_run)
        except Exception as e:  # one design fails, not the worker
            out = {"id": request["id"], "feasible": False, "reason": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
