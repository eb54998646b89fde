#!/usr/bin/env python3
"""imcdse beside AccelForge (issue 31, part 5): writes results/reference/accelforge/.

(a) AccelForge's eight shipped macro models (examples/arches/compute_in_memory/*.yaml), each
    costed by AccelForge at its shipped settings on its shipped workload (a matrix-vector product
    that fills the array), beside the same macro costed by imcdse (`imcdse validate --json` for
    TOPS/W, TOPS/mm2 and area of the chip file; `imcdse eval --space CHIP --workloads <one array
    filled> --json` for the ADC's share of the energy) and the published figures (the chip file's
    [published] table, or the figure AccelForge's notebook compares with).
(b) 20 paper-space designs on one CNN: `imcdse sweep` (random, seeded), then `imcdse refine
    --top 20 --distinct` with scripts/evaluators/accelforge_cim.py, and Spearman's rho of
    energy, latency and area between imcdse and AccelForge over the 20.

Rerunnable end to end; run it with the AccelForge environment's Python:

    $(scripts/evaluators/accelforge-env.sh | tail -n 1) scripts/reference/accelforge_compare.py \
        [--imcdse target/release/imcdse] [--out results/reference/accelforge] [--part macros|designs|all]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rank import spearman  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EVALUATOR = os.path.join(ROOT, "scripts", "evaluators", "accelforge_cim.py")
SPACE, WORKLOAD, BUDGET, SEED, TOP = "paper-rram", "resnet18", 2000, 0, 20

# AccelForge macro -> (label, imcdse chip file or None, why not expressible, published figures
# from AccelForge's notebook where the chip file has none).
MACROS = [
    ("isaac_isca_2016", "ISAAC (ISCA 2016)", "isaac-2016-32nm", None, {}),
    ("raella_isca_2023", "RAELLA (ISCA 2023)", None,
     "center+offset weight encoding, adaptive weight slicing and speculative ADC reads", {}),
    ("neurram_nature_2022", "NeuRRAM (Nature 2022)", "neurram-2022-130nm-8b-in-10b-out", None, {}),
    ("colonnade_jssc_2021", "Colonnade (JSSC 2021)", None,
     "digital bit-serial SRAM CIM with a full adder in every bit-cell, rippling down the column: `compute = \"digital\"` models an adder tree per weight column, not a chain", {}),
    ("jia_jssc_2020", "Jia 2020 (JSSC)", "jia-2020-65nm-0v85", None, {}),
    ("sinangil_jssc_2021", "Sinangil 2021 (JSSC)", "dong-sinangil-2020-7nm-0v8", None, {}),
    ("wang_vlsi_2022", "Wang 2022 (VLSI)", None,
     "C-2C capacitor-ladder multiply with an 8-bit input DAC in the charge domain (no cell "
     "array read; `column_combine = analog` covers the bit-columns, not the C-2C input DAC)",
     {"tops_per_w": 32.2, "tops_per_mm2": 2.377, "source": "paper title; notebook Fig. 22 reference at the lowest supply"}),
    ("albireo_isca_2021", "Albireo (ISCA 2021)", None,
     "a silicon-photonic accelerator (lasers, micro-ring resonators), not an electrical crossbar", {}),
]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def accelforge_macro(name):
    """AccelForge's own figures of a shipped macro at its shipped settings."""
    import accelforge as af

    d = os.path.dirname(af.examples.arches.compute_in_memory.basic_analog)
    if d not in sys.path:
        sys.path.insert(0, d)
    from _load_spec import get_spec

    af.set_n_parallel_jobs(1)
    note = None
    spec = get_spec(name, add_dummy_main_memory=True)
    if name == "isaac_isca_2016":
        # accelforge 1.0.467's ISAAC ADC names `throughput_scale`, which its both_sliced
        # anchor does not define: the mapping fails. Taken as 1 (the anchor's meaning).
        adc = spec.arch.find("ADC")
        adc.extra_attributes_for_component_model["throughput"] = "1 / cycle_period * cols_active_at_once / 100"
        note = "ADC `throughput_scale` (undefined in 1.0.467's file) taken as 1"
    result = spec.map_workload_to_arch(print_progress=False)
    pc = result.per_compute()
    parts = {k: float(v) for k, v in pc.energy(per_component=True).items() if v > 0}
    total = sum(parts.values())
    area_spec = get_spec(name)
    if name == "isaac_isca_2016":
        area_spec.arch.find("ADC").extra_attributes_for_component_model["throughput"] = \
            "1 / cycle_period * cols_active_at_once / 100"
    area = sum(float(v) for v in area_spec.calculate_component_costs().arch.per_component_total_area.values())
    bits = {ta.name: ta.bits_per_value for e in spec.workload.einsums for ta in e.tensor_accesses}
    tops = 2 / float(pc.latency()) / 1e12
    return {"tops_per_w": 2 / float(pc.energy()) / 1e12, "tops": tops, "area_mm2": area * 1e6,
            "tops_per_mm2": tops / (area * 1e6), "adc_share": parts.get("ADC", 0.0) / total,
            "fj_per_mac": float(pc.energy()) * 1e15, "breakdown_fj_per_mac": {k: v * 1e15 for k, v in parts.items()},
            "precision": f"{bits['input']}b x {bits['weight']}b" if bits.get("input") else "-", "note": note}


def fill_workload(chip, params, folder):
    """A workload of one matrix-vector product that fills one array of the chip."""
    rows, cols = int(params["rows"]), int(params["cols"])
    slices = 1 if params.get("column_combine") == "analog" else -(-int(params["weight_bits"]) // int(params["bits_per_cell"]))
    path = os.path.join(folder, f"fill-{chip}.toml")
    with open(path, "w") as f:
        f.write(f'schema_version = 1\nname = "array-fill"\ndescription = "one MVM filling one array"\n'
                f'source = "accelforge_compare.py"\ninput = [{rows}]\n\n[[layers]]\nname = "fc"\n'
                f'op = "linear"\nin_features = {rows}\nout_features = {max(1, cols // slices)}\n')
    return path


def imcdse_macro(exe, chip, validated, folder):
    path = os.path.join(ROOT, "search-spaces", "reference", "chips", f"{chip}.toml")
    v = validated[chip]
    params = json.loads(run([exe, "eval", "--space", path, "--workloads", "resnet18", "--json"]))["parameters"]
    ev = json.loads(run([exe, "eval", "--space", path, "--workloads", fill_workload(chip, params, folder), "--json"]))
    parts = ev["workloads"]["array-fill"]["breakdown"]["energy_mj"]
    total = sum(parts.values())
    return {"tops_per_w": v["model_tops_per_w"], "tops_per_mm2": v["model_tops_per_mm2"],
            "area_mm2": v["model_area_mm2"], "adc_share": parts["adc"] / total if total else None,
            "precision": v["precision"], "published_tops_per_w": v["published_tops_per_w"],
            "published_tops_per_mm2": v["published_tops_per_mm2"], "published_area_mm2": v["published_area_mm2"],
            "scope": v["scope"], "one_bit": v.get("tops_per_w_bits") == "1b", "breakdown_mj": parts}


def fmt(x, digits=3):
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    return f"{x:.{digits}g}"


def macros(exe, out):
    validated = {}
    for line in run([exe, "validate", "--json"]).splitlines():
        row = json.loads(line)
        if "name" in row:  # the last line is the summary
            validated[row["name"]] = row
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        cwd = os.getcwd()
        os.chdir(scratch)  # AccelForge writes mapping.svg where it runs
        try:
            for name, label, chip, why, published in MACROS:
                t0 = time.time()
                try:
                    a = accelforge_macro(name)
                except Exception as e:  # a shipped model that does not run: say so
                    a = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"}
                a["seconds"] = round(time.time() - t0, 1)
                ours = imcdse_macro(exe, chip, validated, scratch) if chip else None
                rows.append({"macro": name, "label": label, "chip": chip, "not_expressible": why,
                             "published": published, "accelforge": a, "imcdse": ours})
                print(f"{label}: AccelForge {fmt(a.get('tops_per_w'))} TOPS/W"
                      f"{'' if not ours else f', imcdse {fmt(ours['tops_per_w'])} TOPS/W'}", flush=True)
        finally:
            os.chdir(cwd)
    json.dump(rows, open(os.path.join(out, "macros.json"), "w"), indent=1)
    return rows


def macros_table(rows):
    lines = ["| macro | imcdse chip file | precision (AF / ours) | TOPS/W published | TOPS/W AccelForge | TOPS/W imcdse "
             "| TOPS/mm2 published | TOPS/mm2 AccelForge | TOPS/mm2 imcdse | area mm2 AF / ours | ADC share AF / ours |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        a, o, p = r["accelforge"], r["imcdse"], r["published"]
        if "error" in a:
            af_cells = [f"fails: {a['error']}", "-", "-", "-"]
        else:
            af_cells = [fmt(a["tops_per_w"]), fmt(a["tops_per_mm2"]), fmt(a["area_mm2"]), f"{a['adc_share']:.0%}"]
        if o is None:
            chip = f"not expressible by imcdse yet: {r['not_expressible']}"
            pub_w, pub_d = p.get("tops_per_w"), p.get("tops_per_mm2")
            lines.append(f"| {r['label']} | {chip} | {a.get('precision', '-')} / - | {fmt(pub_w)} | {af_cells[0]} | - "
                         f"| {fmt(pub_d)} | {af_cells[1]} | - | {af_cells[2]} / - | {af_cells[3]} / - |")
        else:
            share = "-" if o["adc_share"] is None else f"{o['adc_share']:.0%}"
            if o["one_bit"]:  # the chip file's figures, published and modelled, are 1b-normalised
                o = {**o, "precision": o["precision"] + " (1b-normalised TOPS)"}
            lines.append(f"| {r['label']} | `{r['chip']}` ({o['scope']}) | {a.get('precision', '-')} / {o['precision']} "
                         f"| {fmt(o['published_tops_per_w'])} | {af_cells[0]} | {fmt(o['tops_per_w'])} "
                         f"| {fmt(o['published_tops_per_mm2'])} | {af_cells[1]} | {fmt(o['tops_per_mm2'])} "
                         f"| {af_cells[2]} / {fmt(o['area_mm2'])} | {af_cells[3]} / {share} |")
    notes = [f"- {r['label']}: {r['accelforge']['note']}" for r in rows if r["accelforge"].get("note")]
    return "\n".join(lines + ([""] + notes if notes else []))


def designs(exe, out, python):
    sweep, refine = os.path.join(out, "sweep"), os.path.join(out, "refine")
    for d in (sweep, refine):
        shutil.rmtree(d, ignore_errors=True)
    t0 = time.time()
    run([exe, "sweep", "--space", SPACE, "--workloads", WORKLOAD, "--optimizer", "random",
         "--budget", str(BUDGET), "--seed", str(SEED), "--out", sweep])
    t_sweep = time.time() - t0
    t0 = time.time()
    run([exe, "refine", sweep, "--top", str(TOP), "--distinct", "--evaluator", f"{python} {EVALUATOR}",
         "--evaluator-workers", "2", "--out", refine])
    t_refine = time.time() - t0
    analytic = {r["eval_index"]: r for r in map(json.loads, open(os.path.join(sweep, "checkpoint.jsonl")))}
    pairs = []
    for r in map(json.loads, open(os.path.join(refine, "checkpoint.jsonl"))):
        a = analytic[r["eval_index"]]
        if r["per_workload"][0] is None:
            continue
        pairs.append({"eval_index": r["eval_index"], "genes": r["genes"],
                      "imcdse": {"energy_mj": a["per_workload"][0][0], "latency_ms": a["per_workload"][0][1], "area_mm2": a["area_mm2"]},
                      "accelforge": {"energy_mj": r["per_workload"][0][0], "latency_ms": r["per_workload"][0][1], "area_mm2": r["area_mm2"]}})
    rho = {m: spearman([p["imcdse"][m] for p in pairs], [p["accelforge"][m] for p in pairs])
           for m in ("energy_mj", "latency_ms", "area_mm2")}
    ratio = {m: sorted(p["imcdse"][m] / p["accelforge"][m] for p in pairs) for m in rho}
    # The run folders hold Parquet and checkpoints; keep the reports and the pairs, not the runs.
    for f in ("refine.md", "refine.json", "fidelity.md"):
        if os.path.exists(os.path.join(refine, f)):
            shutil.copy(os.path.join(refine, f), os.path.join(out, f))
    shutil.rmtree(sweep)
    shutil.rmtree(refine)
    result = {"space": SPACE, "workload": WORKLOAD, "budget": BUDGET, "seed": SEED, "top": TOP,
              "designs": pairs, "spearman": rho, "median_ratio": {m: v[len(v) // 2] for m, v in ratio.items()},
              "seconds": {"sweep": round(t_sweep, 1), "refine": round(t_refine, 1)}}
    json.dump(result, open(os.path.join(out, "designs.json"), "w"), indent=1)
    print(f"{len(pairs)} designs: Spearman " + ", ".join(f"{m} {v:.3f}" for m, v in rho.items()), flush=True)
    return result


def designs_table(res):
    lines = ["| metric | Spearman rho (imcdse vs AccelForge) | median imcdse / AccelForge |", "|---|---:|---:|"]
    for m in ("energy_mj", "latency_ms", "area_mm2"):
        lines.append(f"| {m} | {res['spearman'][m]:.3f} | {res['median_ratio'][m]:.3g} |")
    return "\n".join(lines)


README = """# imcdse beside AccelForge

Made by `scripts/reference/accelforge_compare.py` (issue 31, part 5), rerunnable end to end:

```sh
cargo build --release -p imcdse
$(scripts/evaluators/accelforge-env.sh | tail -n 1) scripts/reference/accelforge_compare.py
```

AccelForge {version} (PyPI `accelforge`, CiMLoop's successor; the environment is
target/venv-accelforge, scripts/evaluators/accelforge-env.sh). Last run {date} on this project's
2-core machine: the macros took {t_macros:.0f} s, the designs {t_designs:.0f} s (sweep {t_sweep:.0f} s,
AccelForge refinement of {n} designs {t_refine:.0f} s with 2 workers); {t_total:.0f} s in all.

## (a) AccelForge's eight macro models

Each macro as AccelForge ships it (`get_spec(NAME, add_dummy_main_memory=True)`, its own workload:
one matrix-vector product filling the array), beside the imcdse chip file of the same paper
(`imcdse validate --json`: peak TOPS/W and TOPS/mm2 at the chip file's precision; the ADC share
from `imcdse eval` on one MVM that fills one array). Published figures from the chip file's
`[published]` table, else the figure AccelForge's notebook compares with. Precisions and
operating points are each side's own, so a ratio mixes model and setting differences. `macros.json`
has every number and AccelForge's per-component energy (fJ/MAC).

{macros}

## (b) {n} paper-space designs on {workload}

`imcdse sweep --space {space} --workloads {workload} --optimizer random --budget {budget} --seed {seed}`,
then `imcdse refine --top {top} --distinct --evaluator "PYTHON scripts/evaluators/accelforge_cim.py"`.
AccelForge costs each design as the paper's framework drove CiMLoop (basic_analog macros, each
layer alone on the whole chip, no weight replication, no buffers or network: see the evaluator's
docstring); imcdse is the uncalibrated default model.

{designs}

Reading it: area ranks agree (both grow with the ADC and cell counts); energy and latency do
not. Latency: AccelForge's, as the evaluator maps a layer (each layer alone on one macro's
worth of the chip, one copy of its weights), follows the array shape and `cycle_ns` only
(every 512 x 32 design takes 0.185 ms whatever its crossbar count), while ours follows the
chip's crossbars; refining with `replication = "per-layer"` (the CiMLoop calibration's choice)
does not bring them closer (rho -0.05 on the 20 designs of 2026-12-06). Energy: the 20 best
random designs of the model lie within 2x of each other in our energy and AccelForge's spread
follows the array shape (its per-array ADCs and drivers), ours the cells per weight
(`bits_per_cell`); AccelForge's survey ADC model is given the ADCs' sample rate, ours is not.
Twenty designs this close together are a weak test of ranking; the CiMLoop fidelity
(`results/reference/fidelity/`, 887 and 1,151 designs) is the strong one.

`designs.json` has each design's genes and both sides' numbers; `refine.md`, `refine.json` and
`fidelity.md` are imcdse's own reports of the refinement (their rank statistics count only the
designs both sides find feasible, and AccelForge's areas are checked against the space's 800 mm2
limit).
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--imcdse", default=os.environ.get("IMCDSE_BIN", os.path.join(ROOT, "target", "release", "imcdse")))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "reference", "accelforge"))
    args = ap.parse_args()
    from importlib.metadata import version

    exe, out = os.path.abspath(args.imcdse), os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    t_all = time.time()
    t0 = time.time()
    rows = macros(exe, out)
    t_macros = time.time() - t0
    t0 = time.time()
    res = designs(exe, out, sys.executable)
    t_designs = time.time() - t0
    text = README.format(
        version=version("accelforge"), date=time.strftime("%Y-%m-%d"), t_macros=t_macros, t_designs=t_designs,
        t_sweep=res["seconds"]["sweep"], t_refine=res["seconds"]["refine"], n=len(res["designs"]),
        t_total=time.time() - t_all, macros=macros_table(rows), designs=designs_table(res), workload=WORKLOAD,
        space=SPACE, budget=BUDGET, seed=SEED, top=TOP)
    open(os.path.join(out, "README.md"), "w").write(text)
    print(f"wrote {out}/README.md")


if __name__ == "__main__":
    main()
