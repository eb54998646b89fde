#!/usr/bin/env python3
"""An imcdse external evaluator wrapping AccelForge's compute-in-memory model.

AccelForge (MIT, PyPI `accelforge`, CiMLoop's successor by the same group) maps a workload of
einsums onto an architecture described in YAML and costs it with Accelergy-style component
models (`hwcomponents-*`: NeuroSim row and column drivers and cells, a survey-based ADC). This
script speaks imcdse's evaluator protocol (docs/your-simulator.md) and costs each design as the
joint co-optimization paper's framework drove CiMLoop (shared/reference/paper-framework.md):
AccelForge's example macro `basic_analog` (row drivers with a temporal DAC, memory cells, column
drivers, ADCs), as many macros as the chip has, each crossbar layer mapped alone onto the whole
chip (mapper metric: energy x delay), and the workload's energy and latency the sums over its
layers. Run it in target/venv-accelforge (scripts/evaluators/accelforge-env.sh).

The design, onto basic_analog's variables:
- exact: array rows and columns (`rows` -> `row_ARRAY_ROWS` fanout, `cols` ->
  `column_ARRAY_COLUMNS` fanout: physical columns, a weight taking ceil(weight bits /
  `bits_per_cell`) of them), `bits_per_cell`, ADC bits (`adc_bits` -> `adc_resolution`), ADCs
  per array (`cols` / `cols_per_adc` -> `n_adc_per_bank`), input bits per step (`dac_bits` ->
  `temporal_dac_resolution`: 1 is bit-serial), the clock (`cycle_ns` -> `cycle_period`), the
  read pulse (`read_pulse_ns` -> `read_pulse_width` and the cell's `ReadPulse`), the node
  (`technology_nm` -> `tech_node`), the supply (`voltage_v` -> `voltage`, given to the
  component models; with `voltage_scaling = false` AccelForge's own V^2 energy and 1/V latency
  scales are set to 1, as the paper's framework set CiMLoop's), precisions (`input_bits`,
  `weight_bits`, `output_bits` -> each tensor's `bits_per_value` and the supported bits), the
  macro count (`router_groups` x `tiles_per_group` x `crossbars_per_tile` -> `get_spec`'s
  `n_macros`), the cell (`device = "rram"`: NeuroSim's default RRAM cell,
  `rram_neurosim_default.yaml`, with `r_on_ohm`, `r_off_ohm`, `read_voltage_v`,
  `cell_area_f2` written into it; `"sram"`: `sram_example.yaml` with `cell_area_f2`);
- checked, not costed: with `weights_on_chip`, every crossbar layer's weights must fit in the
  chip's arrays at once (the paper's capacity check), else the answer is infeasible;
- not expressible (the answer is infeasible, naming the parameter): `parallel_rows` below `rows`
  (basic_analog sums every row of a column), `column_combine = "analog"`, `compute` other than
  `"analog"`, a device other than RRAM or SRAM;
- not mapped (AccelForge's basic_analog has no such part, or models it its own way): the global
  buffer, tile buffers, router and interconnect (`glb_mib`, `tile_*_buffer_kib`: the macros
  read and write a free dummy main memory, so neither their energy nor their area is costed),
  digital units (`digital_lanes`, softmax, shift-and-add), the ADC type (`adc_kind`: the
  ADC plug-in's survey model), value statistics (`input_density`, `weight_density`:
  AccelForge's default value histograms), calibration factors (`calib_*`) and the model's
  replication policy (AccelForge's mapper spreads each layer over the whole chip itself).
  A parameter a request leaves out takes imcdse's default (`DEFAULTS` below), since a request
  carries only its space's parameters.

The layers: every static crossbar layer (conv2d, linear) as its crossbar matrix, one einsum
`output[m, n] += input[m, k] * weight[k, n]` with M the matrix's input vectors, K its rows
(kernel x kernel x in-channels / groups) and N its columns (output channels); a grouped layer
adds a rank G to all three tensors. Left out, and counted in the extra field `macs_left_out`:
dynamic matmuls (attention), pooling, element-wise, normalization, activation and softmax
layers. Spiking workloads are refused (an error naming the layer).

Answers: energy (J -> mJ), latency (s -> ms), the chip's macro area (m2 -> mm2), and extra
fields per workload: `layers_costed`, `macs_left_out`, and the energy of each basic_analog
component (`adc_mj`, `row_drivers_mj`, `column_drivers_mj`, `cells_mj`). AccelForge takes
0.3-4 s a layer shape on one core; layers of the same shape are costed once (a cache kept for
the worker's life), so a ResNet-18 design takes 5-10 s here: use it with `imcdse refine` or
`--fidelity analytic-first`, with `--evaluator-workers`.

    imcdse refine RUN --top 5 --evaluator "$(scripts/evaluators/accelforge-env.sh | tail -n 1) scripts/evaluators/accelforge_cim.py"
"""

import hashlib
import json
import math
import os
import sys
import tempfile

NAME = "accelforge-cim"
# The script's own version, part of the name imcdse keys runs and caches on: raise it when the
# translation changes.
SCRIPT_VERSION = 1

# imcdse's defaults for the parameters this evaluator maps (`imcdse eval --json` prints them):
# a request carries only its space's fixed and free parameters.
DEFAULTS = {
    "device": "rram", "technology_nm": 32, "voltage_v": 0.9, "voltage_scaling": False,
    "cycle_ns": 4, "rows": 128, "cols": 128, "bits_per_cell": 1, "adc_bits": 5,
    "cols_per_adc": 8, "input_bits": 8, "weight_bits": 8, "output_bits": 8, "dac_bits": 1,
    "router_groups": 1, "tiles_per_group": 1, "crossbars_per_tile": 1, "read_pulse_ns": 2,
    "r_on_ohm": 6000, "r_off_ohm": 900000, "read_voltage_v": 0.5,
    "column_combine": "digital", "compute": "analog", "weights_on_chip": False,
}
# The cell area's default depends on the device (imcdse: RRAM 1T1R 48 F2, SRAM 8T 280 F2).
CELL_AREA_F2 = {"rram": 48, "sram": 280}
CELL_FILE = {"rram": "rram_neurosim_default.yaml", "sram": "sram_example.yaml"}

# Bounds on what a request may ask for, so that no request makes the worker hang or blow up:
# (low, high) for each numeric parameter, and limits on the layers.
BOUNDS = {
    "technology_nm": (5, 180), "voltage_v": (0.3, 2.0), "cycle_ns": (0.01, 1e6),
    "rows": (2, 4096), "cols": (2, 4096), "bits_per_cell": (1, 8), "adc_bits": (1, 16),
    "cols_per_adc": (1, 4096), "input_bits": (1, 32), "weight_bits": (1, 32),
    "output_bits": (1, 64), "dac_bits": (1, 16), "router_groups": (1, 1024),
    "tiles_per_group": (1, 1024), "crossbars_per_tile": (1, 1024), "read_pulse_ns": (0.01, 1e6),
    "r_on_ohm": (1, 1e12), "r_off_ohm": (1, 1e12), "read_voltage_v": (0.01, 5),
    "cell_area_f2": (1, 10000),
}
MAX_MACROS = 1 << 22          # macros on one chip
MAX_LAYERS = 10_000           # layers in one workload
MAX_DIM = 1 << 31             # M, K, N or G of one layer
CACHE_ENTRIES = 4096          # (design, layer shape) costs kept per worker


def accelforge_version():
    from importlib.metadata import version

    return version("accelforge")


def resolved(design):
    """The design with imcdse's defaults filled in, checked against BOUNDS and against what
    basic_analog can express (ValueError naming the parameter otherwise)."""
    d = dict(DEFAULTS)
    d.update(design)
    d.setdefault("cell_area_f2", CELL_AREA_F2.get(d["device"], 48))
    if "parallel_rows" not in design:
        d["parallel_rows"] = d["rows"]
    for key, (lo, hi) in BOUNDS.items():
        x = d[key]
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not lo <= x <= hi:
            raise ValueError(f"{key} = {x!r}: expected a number from {lo} to {hi}")
    if d["device"] not in CELL_FILE:
        raise ValueError(f"device = {d['device']!r}: AccelForge's basic_analog takes rram or sram here")
    if d["parallel_rows"] != d["rows"]:
        raise ValueError(f"parallel_rows = {d['parallel_rows']} below rows = {d['rows']}: not expressible "
                         "(basic_analog sums every row of a column in one conversion)")
    if d["column_combine"] != "digital":
        raise ValueError(f"column_combine = {d['column_combine']!r}: not expressible (basic_analog "
                         "converts every bit-column)")
    if d["compute"] != "analog":
        raise ValueError(f"compute = {d['compute']!r}: not expressible (basic_analog is an analog macro)")
    if d["device"] == "sram" and d["bits_per_cell"] != 1:
        raise ValueError(f"bits_per_cell = {d['bits_per_cell']} with device = sram: an SRAM cell holds one bit")
    if n_macros(d) > MAX_MACROS:
        raise ValueError(f"{n_macros(d)} macros: at most {MAX_MACROS}")
    return d


def n_macros(d):
    return int(d["router_groups"]) * int(d["tiles_per_group"]) * int(d["crossbars_per_tile"])


def weight_slices(d):
    return math.ceil(int(d["weight_bits"]) / int(d["bits_per_cell"]))


def matmuls(layer_list):
    """(einsums, MACs left out): each static crossbar layer's (name, M, K, N, G)."""
    if len(layer_list) > MAX_LAYERS:
        raise ValueError(f"{len(layer_list)} layers: at most {MAX_LAYERS}")
    out, left_out = [], 0
    for layer in layer_list:
        if layer.get("spiking"):
            raise ValueError(f"{layer['name']}: spiking layers are not expressible in basic_analog")
        m = layer.get("matrix")
        if not m or not m.get("static"):
            left_out += int(layer.get("macs", 0))
            continue
        shape = (int(m["vectors"]), int(m["rows"]), int(m["cols"]), int(m["groups"]))
        if not all(1 <= x <= MAX_DIM for x in shape):
            raise ValueError(f"{layer['name']}: matrix {shape} outside 1..{MAX_DIM}")
        out.append((layer["name"], *shape))
    return out, left_out


def crossbars_needed(d, k, n, g):
    """Arrays one layer's weights take (a grouped layer packs whole groups on the diagonal, as
    imcdse's `depthwise_packing = "diagonal"`)."""
    rows, cols, cn = int(d["rows"]), int(d["cols"]), n * weight_slices(d)
    if g > 1 and k <= rows and cn <= cols:
        return math.ceil(g / min(rows // k, cols // cn))
    return g * math.ceil(k / rows) * math.ceil(cn / cols)


def cim_dir():
    import accelforge as af

    return os.path.dirname(af.examples.arches.compute_in_memory.basic_analog)


def cell_file(d, scratch):
    """The NeuroSim cell file of the design: the device's AccelForge cell with imcdse's cell
    parameters written into it."""
    text = open(os.path.join(cim_dir(), "memory_cells", CELL_FILE[d["device"]])).read()
    values = {"-CellArea (F^2):": d["cell_area_f2"], "-ReadPulse (ns):": d["read_pulse_ns"]}
    if d["device"] == "rram":
        values.update({"-ResistanceOn (ohm):": d["r_on_ohm"], "-ResistanceOff (ohm):": d["r_off_ohm"],
                       "-ReadVoltage (V):": d["read_voltage_v"]})
    lines = []
    for line in text.splitlines():
        for key, value in values.items():
            if line.startswith(key):
                line = f"{key} {value!r}"
        lines.append(line)
    key = "-".join(f"{k}={d[k]}" for k in ("device", "cell_area_f2", "read_pulse_ns", "r_on_ohm",
                                           "r_off_ohm", "read_voltage_v"))
    path = os.path.join(scratch, f"cell-{hashlib.sha256(key.encode()).hexdigest()[:16]}.yaml")
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
    return path


def spec(d, scratch, einsum=None):
    """AccelForge's spec of the design: basic_analog with the design's variables, as many macros
    as the chip has, and one crossbar layer (name, M, K, N, G) as its workload (or the example's
    own matmul)."""
    import accelforge as af

    if cim_dir() not in sys.path:
        sys.path.insert(0, cim_dir())
    from _load_spec import get_spec

    s = get_spec("basic_analog", add_dummy_main_memory=True, n_macros=n_macros(d))
    if n_macros(d) > 1:
        # No input vector (rank m) spread over macros: weights are not replicated, as the
        # paper's framework pinned CiMLoop's output-pixel loops above the macros.
        s.arch.find_spatial("macro").loop_bounds = [af.arch.Comparison(expression="m", operator="==", value=1)]
    s.arch.find_spatial("row_ARRAY_ROWS").fanout = int(d["rows"])
    s.arch.find_spatial("column_ARRAY_COLUMNS").fanout = int(d["cols"])
    scaling = bool(d["voltage_scaling"])
    s.variables["voltage"] = float(d["voltage_v"])
    if not scaling:
        s.variables["voltage_energy_scale"] = 1
        s.variables["voltage_latency_scale"] = 1
    s.variables["tech_node"] = float(d["technology_nm"]) * 1e-9
    s.variables["cell_config"] = af.LiteralString(cell_file(d, scratch))
    for key in ("input", "weight", "output"):
        s.variables[f"supported_{key}_bits"] = int(d[f"{key}_bits"])
    a = s.arch.variables
    a["bits_per_cell"] = int(d["bits_per_cell"])
    a["adc_resolution"] = int(d["adc_bits"])
    a["temporal_dac_resolution"] = int(d["dac_bits"])
    a["voltage_dac_resolution"] = 1
    a["n_adc_per_bank"] = max(1, int(d["cols"]) // int(d["cols_per_adc"]))
    a["cycle_period"] = f"{float(d['cycle_ns']) * 1e-9!r} * voltage_latency_scale"
    a["read_pulse_width"] = float(d["read_pulse_ns"]) * 1e-9
    if einsum is not None:
        _, m, k, n, g = einsum
        ranks = "mgkn" if g > 1 else "mkn"
        proj = {"input": ["m", "g", "k"], "weight": ["g", "k", "n"], "output": ["m", "g", "n"]}
        if g == 1:
            proj = {t: [r for r in p if r != "g"] for t, p in proj.items()}
        bits = {"input": int(d["input_bits"]), "weight": int(d["weight_bits"]), "output": int(d["output_bits"])}
        s.workload = af.Workload(
            rank_sizes={r.upper(): v for r, v in zip("mgkn", (m, g, k, n)) if r in ranks},
            einsums=[{"name": "Matmul", "tensor_accesses": [
                {"name": t, "projection": proj[t], "bits_per_value": bits[t], **({"output": True} if t == "output" else {})}
                for t in ("input", "weight", "output")]}])
    else:
        for ta in s.workload.einsums["Matmul"].tensor_accesses:
            ta.bits_per_value = int(d[f"{ta.name}_bits"])
    return s


COMPONENTS = {"ADC": "adc_mj", "RowDrivers": "row_drivers_mj", "ColumnDrivers": "column_drivers_mj",
              "CimUnit": "cells_mj"}


def cost_einsum(d, einsum, scratch):
    """(energy J, latency s, {component: energy J}) of one crossbar layer alone on the chip."""
    s = spec(d, scratch, einsum)
    r = s.map_workload_to_arch(print_progress=False)
    if len(r.data) == 0:
        raise ValueError(f"{einsum[0]}: AccelForge found no mapping for matrix {einsum[1:]}")
    parts = {k: float(v) for k, v in r.energy(per_component=True).items()}
    return float(r.energy()), float(r.latency()), parts


def area_m2(d, scratch):
    """The chip's area as AccelForge counts it: every macro's components."""
    s = spec(d, scratch)
    return sum(float(v) for v in s.calculate_component_costs().arch.per_component_total_area.values())


class Costs:
    """Costs designs, each layer shape once (per design) for the life of the object."""

    def __init__(self, scratch):
        self.scratch = scratch
        self.cache = {}

    def _cached(self, key, compute):
        if key not in self.cache:
            if len(self.cache) >= CACHE_ENTRIES:
                self.cache.pop(next(iter(self.cache)))
            self.cache[key] = compute()
        return self.cache[key]

    def workload(self, design, layer_list):
        """(energy J, latency s, {extra field: value}) of a workload on a design."""
        d = resolved(design)
        einsums, left_out = matmuls(layer_list)
        if not einsums:
            raise ValueError("no static crossbar layer (conv2d, linear) to cost")
        key = json.dumps(d, sort_keys=True)
        energy = latency = 0.0
        parts = dict.fromkeys(COMPONENTS.values(), 0.0)
        for e in einsums:
            le, ll, lp = self._cached((key, e[1:]), lambda: cost_einsum(d, e, self.scratch))
            energy, latency = energy + le, latency + ll
            for comp, field in COMPONENTS.items():
                parts[field] += lp.get(comp, 0.0) * 1e3
        return energy, latency, {"layers_costed": len(einsums), "macs_left_out": left_out, **parts}

    def area(self, design):
        d = resolved(design)
        return self._cached((json.dumps(d, sort_keys=True), "area"), lambda: area_m2(d, self.scratch))

    def fits(self, design, layer_lists):
        """None when the weights fit (or need not), else (reason, violation)."""
        d = resolved(design)
        if not d.get("weights_on_chip"):
            return None
        need = sum(crossbars_needed(d, k, n, g)
                   for layers in layer_lists for _, _, k, n, g in matmuls(layers)[0])
        have = n_macros(d)
        if need <= have:
            return None
        return f"weights do not fit on chip: {need} crossbars needed, {have} available", need / have - 1


def answer(request, costs):
    design = request["design"]
    lists = [request["layers"][name] for name in request["workloads"]]
    area = costs.area(design) * 1e6
    misfit = costs.fits(design, lists)
    if misfit:
        return {"id": request["id"], "feasible": False, "reason": misfit[0], "violation": misfit[1],
                "area_mm2": area}
    out = {"id": request["id"], "feasible": True, "area_mm2": area, "workloads": {}}
    for name, layers in zip(request["workloads"], lists):
        energy, latency, extra = costs.workload(design, layers)
        out["workloads"][name] = {"energy_mj": energy * 1e3, "latency_ms": latency * 1e3, **extra}
    return out


def quiet():
    """AccelForge renders each mapping it evaluates to mapping.svg in the current folder: run in
    a scratch folder. One process, no joblib pool (it defaults to one per core)."""
    import accelforge as af

    af.set_n_parallel_jobs(1)


def main():
    # The protocol owns stdout: anything AccelForge prints goes to stderr (the run's evaluator.log).
    protocol, sys.stdout = sys.stdout, sys.stderr
    try:
        version = accelforge_version()
    except Exception as e:  # no AccelForge: say so on stderr (the run's evaluator.log) and stop
        print(f"accelforge_cim.py: accelforge is not installed ({e}); run it with the python "
              "scripts/evaluators/accelforge-env.sh prints", file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"protocol": 1, "name": NAME,
                      "version": f"{version} ({os.path.basename(__file__)} {SCRIPT_VERSION})"}),
          file=protocol, flush=True)
    with tempfile.TemporaryDirectory(prefix="accelforge-cim-") as scratch:
        os.chdir(scratch)
        quiet()
        costs = Costs(scratch)
        for line in sys.stdin:
            request = json.loads(line)
            try:
                out = answer(request, costs)
            except Exception as e:  # one design fails, not the worker
                out = {"id": request["id"], "feasible": False, "reason": f"{type(e).__name__}: {e}"}
            print(json.dumps(out), file=protocol, flush=True)


if __name__ == "__main__":
    main()
