#!/usr/bin/env python3
"""An imcdse external evaluator wrapping ZigZag's in-memory-computing cost model.

ZigZag (KU Leuven, PyPI `zigzag-dse`, Houshmand et al. / Sun et al.) costs a workload on an
accelerator described in YAML; its IMC model is an SRAM macro (analog: ADCs on the bitlines;
digital: adder trees), calibrated on 28 nm AIMC/DIMC chips. This script speaks imcdse's evaluator
protocol (docs/your-simulator.md) and translates each request:

The design, onto ZigZag's `aimc.yaml` (or `dimc.yaml` when `adc_bits` is 0):
- exact: macro rows (`rows` -> D2, the bitline dimension: C, FX, FY unrolled), weights per row
  (`cols` / ceil(weight bits / `bits_per_cell`) -> D1, the wordline dimension: K), macros
  (`router_groups` x `tiles_per_group` x `crossbars_per_tile` -> D3, unrolled over OX), ADC bits
  (`adc_bits` -> `adc_resolution`), input bits per cycle (`dac_bits` -> `bit_serial_precision`,
  rounded down to a power of two as ZigZag requires), weight and input precision 8 b, the global
  buffer's size (`glb_mib`);
- approximated: the technology is ZigZag's 28 nm (vdd 0.9 V) whatever `technology_nm` and
  `voltage_v` say; the clock is ZigZag's own (`tclk` from its macro model; the design's
  `cycle_ns` is ignored); the buffer's per-access energy is the template's 256 kB SRAM's, whatever
  its size; area is the IMC macros' only (the template gives memories no area); `device = "rram"`
  or `bits_per_cell` above 1 is costed as SRAM cells holding as many bits.

The layers, onto ZigZag's workload format:
- exact: Conv2d (kernel, stride, padding, dilation; depthwise as the G dimension) and Linear
  (tokens as B), 8-bit weights and inputs, one inference (batch 1);
- left out: dynamic matmuls (attention), pooling, element-wise, normalization and activation
  layers (ZigZag's IMC model costs crossbar MACs), and grouped convolutions that are neither
  dense nor depthwise (an error naming the layer, so no design is silently costed low).

Answers: energy (ZigZag pJ -> mJ), latency (cycles x tclk -> ms), the chip's macro area (mm2), and
extra fields `tclk_ns` and per workload `cycles`. Each workload is one call of ZigZag's
`get_hardware_performance_zigzag(..., in_memory_compute=True)`, minutes for a CNN on 2 cores, so
this evaluator is for `imcdse refine` and analytic-first searches, with `--evaluator-workers`.

    imcdse refine RUN --top 5 --evaluator "python3 scripts/evaluators/zigzag_imc.py" --evaluator-workers 2

Needs `pip install zigzag-dse six pyyaml` (zigzag-dse 3.9 imports `six` without declaring it).
"""

import copy
import json
import logging
import math
import os
import sys
import tempfile

NAME = "zigzag-imc"


def zigzag_version():
    from importlib.metadata import version

    return version("zigzag-dse")


def power_of_two_at_most(x):
    return 1 << (max(1, int(x)).bit_length() - 1)


def accelerator(design):
    """ZigZag's accelerator description (a dict, as its YAML) of an imcdse design."""
    import yaml
    import zigzag

    digital = design.get("adc_bits", 5) == 0
    template = "dimc.yaml" if digital else "aimc.yaml"
    root = os.path.join(os.path.dirname(zigzag.__file__), "inputs", "hardware")
    acc = yaml.safe_load(open(os.path.join(root, template)))
    weight_bits = 8
    bpc = int(design.get("bits_per_cell", 1))
    cols_per_weight = math.ceil(weight_bits / bpc)
    weights_per_row = int(design["cols"]) // cols_per_weight
    if weights_per_row < 1:
        raise ValueError(f"cols {design['cols']} hold no {weight_bits}-bit weight at {bpc} bits per cell")
    macros = int(design.get("router_groups", 1)) * int(design.get("tiles_per_group", 1)) * int(
        design.get("crossbars_per_tile", 1))
    oa = acc["operational_array"]
    oa["dimensions"] = ["D1", "D2", "D3"]
    oa["sizes"] = [weights_per_row, int(design["rows"]), macros]
    oa["input_precision"] = [8, weight_bits]
    oa["bit_serial_precision"] = power_of_two_at_most(design.get("dac_bits", 1))
    if not digital:
        oa["adc_resolution"] = int(design.get("adc_bits", 5))
    for name, mem in acc["memories"].items():
        if mem["served_dimensions"] == ["D1", "D2"]:
            mem["served_dimensions"] = ["D1", "D2", "D3"]
        if name.startswith("sram") and "glb_mib" in design:
            mem["size"] = int(float(design["glb_mib"]) * 2**20 * 8)
    return acc


MAPPING = [{"name": "default", "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"},
            "spatial_mapping_hint": {"D1": ["K"], "D2": ["C", "FX", "FY"], "D3": ["OX", "OY"]}},
           {"name": "Add", "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"},
            "spatial_mapping_hint": {"D1": ["G"], "D2": ["C"], "D3": ["OX"]}}]


def layers(layer_list):
    """ZigZag workload layers (dicts, as its YAML) of imcdse's layer list."""
    out = []
    for layer in layer_list:
        s, op = layer["shape"], layer["op"]
        if op == "conv2d":
            g, cin, cout = s["groups"], s["in_channels"], s["out_channels"]
            (ky, kx), (sy, sx) = s["kernel"], s["stride"]
            (py, px), (dy, dx) = s["padding"], s["dilation"]
            oy, ox = s["output_size"]
            iy, ix = (oy - 1) * sy + (ky - 1) * dy + 1, (ox - 1) * sx + (kx - 1) * dx + 1
            common = {
                "dimension_relations": [f"ix={sx}*ox+{dx}*fx", f"iy={sy}*oy+{dy}*fy"],
                "pr_loop_dims": ["IX", "IY"], "pr_loop_sizes": [ix, iy],
                "padding": [[px, px], [py, py]],
            }
            if g == 1:
                body = {"operator_type": "Conv",
                        "equation": "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
                        "loop_dims": ["B", "K", "C", "OY", "OX", "FY", "FX"],
                        "loop_sizes": [1, cout, cin, oy, ox, ky, kx]}
            elif g == cin == cout:
                body = {"operator_type": "Conv",
                        "equation": "O[b][g][oy][ox]+=W[g][fy][fx]*I[b][g][iy][ix]",
                        "loop_dims": ["B", "G", "OY", "OX", "FY", "FX"],
                        "loop_sizes": [1, g, oy, ox, ky, kx]}
            else:
                raise ValueError(f"{layer['name']}: grouped convolution ({g} groups) that is not depthwise")
            out.append({**body, **common})
        elif op == "linear":
            out.append({"operator_type": "Gemm", "equation": "O[b][k]+=W[k][c]*I[b][c]",
                        "loop_dims": ["B", "K", "C"],
                        "loop_sizes": [s["tokens"], s["out_features"], s["in_features"]]})
        else:
            continue
        i = len(out) - 1
        if i > 0:  # a chain, as ZigZag's inter-layer stages walk it
            out[-1]["operand_source"] = {"I": i - 1}
        out[-1].update({"id": i, "name": layer["name"],
                        "operand_precision": {"W": layer["weight_bits"], "I": layer["input_bits"],
                                              "O": 2 * layer["output_bits"], "O_final": layer["output_bits"]}})
    return out


def quiet_visualization():
    """ZigZag's VisualizationStage only writes figures and loop orderings to the dump folder, and
    fails on a layer left with no temporal loop (zigzag-dse 3.9.1, print_mapping: max() of an
    empty sequence). The costs do not depend on it: pass results through unsaved."""
    from zigzag.stages.results.visualization import VisualizationStage

    def run(self):
        self.kwargs["dump_folder"] = self.dump_folder
        substage = self.list_of_callables[0](self.list_of_callables[1:], **self.kwargs)
        yield from substage.run()

    VisualizationStage.run = run


def cost(design, layer_list, scratch):
    """(energy pJ, latency cycles, tclk ns, area mm2) of a workload on a design, from ZigZag."""
    import yaml
    from zigzag.api import get_hardware_performance_zigzag

    quiet_visualization()
    wl = layers(layer_list)
    if not wl:
        raise ValueError("no conv or linear layer to cost")
    paths = {k: os.path.join(scratch, f"{k}.yaml") for k in ("workload", "accelerator", "mapping")}
    yaml.safe_dump(wl, open(paths["workload"], "w"))
    yaml.safe_dump(accelerator(design), open(paths["accelerator"], "w"))
    yaml.safe_dump(copy.deepcopy(MAPPING), open(paths["mapping"], "w"))
    energy, cycles, tclk, area, _ = get_hardware_performance_zigzag(
        paths["workload"], paths["accelerator"], paths["mapping"], opt="EDP",
        dump_folder=os.path.join(scratch, "out"), in_memory_compute=True,
        loma_show_progress_bar=False)
    return float(energy), float(cycles), float(tclk), float(area)


def answer(request, scratch):
    out = {"id": request["id"], "feasible": True, "workloads": {}}
    for name in request["workloads"]:
        energy, cycles, tclk, area = cost(request["design"], request["layers"][name], scratch)
        out["workloads"][name] = {"energy_mj": energy * 1e-9, "latency_ms": cycles * tclk * 1e-6,
                                  "cycles": cycles}
        out["area_mm2"], out["tclk_ns"] = area, tclk
    return out


def main():
    logging.disable(logging.CRITICAL)
    # The protocol owns stdout: anything ZigZag prints goes to stderr (the run's evaluator.log).
    protocol, sys.stdout = sys.stdout, sys.stderr
    try:
        version = zigzag_version()
    except Exception as e:  # no ZigZag: say so on stderr (the run's evaluator.log) and stop
        print(f"zigzag_imc.py: zigzag-dse is not installed ({e}); pip install zigzag-dse six pyyaml",
              file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"protocol": 1, "name": NAME, "version": f"{version} ({os.path.basename(__file__)} 1)"}),
          file=protocol, flush=True)
    with tempfile.TemporaryDirectory(prefix="zigzag-imc-") as scratch:
        for line in sys.stdin:
            request = json.loads(line)
            try:
                out = answer(request, scratch)
            except Exception as e:  # one design fails, not the worker
                out = {"id": request["id"], "feasible": False, "reason": f"{type(e).__name__}: {e}"}
            print(json.dumps(out), file=protocol, flush=True)


if __name__ == "__main__":
    main()
