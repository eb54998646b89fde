#!/usr/bin/env python3
"""A toy external evaluator: the imcdse protocol in 15 lines (replace the formulas by your simulator)."""
import json, sys

print(json.dumps({"protocol": 1, "name": "toy", "version": "1"}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    d = req["design"]  # every parameter of the design, e.g. d["rows"], d["cols"], d["cycle_ns"]
    cells = d["router_groups"] * d["tiles_per_group"] * d["crossbars_per_tile"] * d["rows"] * d["cols"]
    out = {"id": req["id"], "feasible": True, "area_mm2": 5.0 + cells * 2e-6, "workloads": {}}
    for name, layers in req["layers"].items():  # each layer as `imcdse workloads NAME --json` shows it
        macs = sum(layer["macs"] for layer in layers)
        out["workloads"][name] = {"energy_mj": macs * 1e-9, "latency_ms": macs / cells * d["cycle_ns"] * 1e-6}
    if sum(layer["weights"] for layers in req["layers"].values() for layer in layers) > cells * d["bits_per_cell"] / 8:
        out = {"id": req["id"], "feasible": False, "reason": "weights do not fit"}
    print(json.dumps(out), flush=True)
