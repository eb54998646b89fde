#!/usr/bin/env python3
"""Measured compute SNR and top-1 accuracy over read chains: results/reference/accuracy/.

Runs the bit-true reference (scripts/evaluators/bittrue.py) on both trained digits networks for
a fixed list of designs: four anchors (the paper-rram optimum's read chain, 32 rows per
conversion with an 8-bit ADC, an exact 1-bit chain, a clipped 4-bit-cell chain) and designs drawn
with seed 0 from bits_per_cell 1-8, adc_bits 3-8, parallel_rows 16-512 (rows 128-512, at least
parallel_rows), dac_bits 1/2/4, adc_range full/clipped, conductance_sigma 0-10 %, column_combine
digital/analog (analog only with 1, 2, 4 or 8 bits per cell, so that a weight's cells divide the
columns), a third of them from its finer chains (adc_bits 6-8, parallel_rows 16-64, bits_per_cell
1-4, conductance_sigma 0-2 %). 8-bit inputs and weights, conductance draws of seed 0. Writes:

- `layers.csv`: one row per (design, network, layer): every design parameter, the layer's matrix
  (K rows, N columns, input vectors), the ADC range used, the measured `snr_db` (layer isolated:
  the quantised-exact network's inputs) and `snr_db_propagated` (the computed network's inputs),
  and an empty `model_snr_db` column for the analytic model's prediction;
- `designs.csv`: one row per (design, network): every design parameter, the workload's measured
  `snr_db` (worst layer), `accuracy` (top-1 on 600 test images, every layer computed so),
  `accuracy_float`, `accuracy_quantized`, the seconds it took, and an empty `model_snr_db`;
- `README.md`: how they were made, how long it took, and the anchors' figures.

Each row's `imcdse_set` is the design as `imcdse eval --set` takes it (with the workload files
scripts/evaluators/workloads/<network>.toml).

    target/venv/bin/python scripts/reference/accuracy_pairs.py [--designs N] [--out DIR]

About a minute on this machine for the default 154 designs (2 networks each).
"""

import argparse
import csv
import platform
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "evaluators"))
import bittrue as bt  # noqa: E402
import bittrue_nets as nets  # noqa: E402

FIXED = {"input_bits": 8, "weight_bits": 8, "cols": 256, "cols_per_adc": 8, "compute": "analog",
         "device": "rram"}
ANCHORS = [
    ("paper-rram optimum: 512 rows a conversion, 8-bit cells, 5-bit ADC, full range, bit-serial",
     {"rows": 512, "parallel_rows": 512, "bits_per_cell": 8, "adc_bits": 5, "dac_bits": 1,
      "adc_range": "full", "conductance_sigma": 0.0, "column_combine": "digital"}),
    ("32 rows a conversion, 8-bit cells, 8-bit ADC, full range, bit-serial",
     {"rows": 512, "parallel_rows": 32, "bits_per_cell": 8, "adc_bits": 8, "dac_bits": 1,
      "adc_range": "full", "conductance_sigma": 0.0, "column_combine": "digital"}),
    ("16 rows of 1-bit cells, 5-bit ADC, full range, bit-serial",
     {"rows": 128, "parallel_rows": 16, "bits_per_cell": 1, "adc_bits": 5, "dac_bits": 1,
      "adc_range": "full", "conductance_sigma": 0.0, "column_combine": "digital"}),
    ("128 rows, 4-bit cells, 6-bit ADC, clipped, 2-bit DAC, 2 % conductance error",
     {"rows": 128, "parallel_rows": 128, "bits_per_cell": 4, "adc_bits": 6, "dac_bits": 2,
      "adc_range": "clipped", "conductance_sigma": 0.02, "column_combine": "digital"}),
]
PARAMS = ["rows", "parallel_rows", "bits_per_cell", "adc_bits", "dac_bits", "adc_range",
          "conductance_sigma", "column_combine", "compute", "input_bits", "weight_bits", "cols",
          "cols_per_adc", "device"]


def drawn(count, seed=0, fine=0):
    """`count` distinct designs drawn from the grid, the last `fine` of them from its finer
    read chains (adc_bits 6-8, parallel_rows 16-64, bits_per_cell 1-4, conductance_sigma up to
    2 %), where drawing from the whole grid, mostly below 0 dB, puts few designs (deterministic)."""
    rng = np.random.default_rng(seed)
    out, seen = [], set()
    while len(out) < count:
        f = len(out) >= count - fine
        pr = int(rng.choice([16, 32, 64] if f else [16, 32, 64, 128, 256, 512]))
        b = int(rng.integers(1, 5 if f else 9))
        d = {"rows": int(rng.choice([r for r in (128, 256, 512) if r >= pr])), "parallel_rows": pr,
             "bits_per_cell": b, "adc_bits": int(rng.integers(6 if f else 3, 9)),
             "dac_bits": int(rng.choice([1, 2, 4], p=[0.5, 0.25, 0.25])),
             "adc_range": str(rng.choice(["full", "clipped"])),
             "conductance_sigma": float(rng.choice([0.0, 0.01, 0.02] if f else [0.0, 0.01, 0.02, 0.05, 0.1])),
             "column_combine": "analog" if b in (1, 2, 4, 8) and rng.random() < 0.25 else "digital"}
        key = tuple(sorted(d.items()))
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def imcdse_set(design):
    return ",".join(f"{k}={design[k]}" for k in PARAMS)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--designs", type=int, default=150, help="designs drawn besides the 4 anchors")
    p.add_argument("--fine", type=int, default=50, help="of them, drawn from the finer read chains")
    p.add_argument("--out", default=str(ROOT / "results" / "reference" / "accuracy"))
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    designs = [(label, {**FIXED, **d}) for label, d in ANCHORS]
    designs += [("", {**FIXED, **d}) for d in drawn(args.designs, fine=min(args.fine, args.designs))]
    started = time.time()
    for name in nets.NETWORKS:  # training (or the cache) and the references, timed apart
        bt.reference(name, 8, 8)
    setup = time.time() - started
    layer_rows, design_rows = [], []
    for i, (label, d) in enumerate(designs):
        for name in nets.NETWORKS:
            r = bt.evaluate(d, name, seed=0)
            base = {"design": i, "anchor": label, **{k: d[k] for k in PARAMS}, "seed": 0,
                    "network": name}
            for l in r["layers"]:
                layer_rows.append({**base, "layer": l["name"], "k_rows": l["rows"], "n_cols": l["cols"],
                                   "vectors": l["vectors"], "adc_range_value": l["adc_range"],
                                   "snr_db": round(l["snr_db"], 4),
                                   "snr_db_propagated": round(l["snr_db_propagated"], 4),
                                   "model_snr_db": "", "imcdse_set": imcdse_set(d)})
            design_rows.append({**base, "snr_db": round(r["snr_db"], 4), "accuracy": r["accuracy"],
                                "accuracy_float": r["accuracy_float"],
                                "accuracy_quantized": r["accuracy_quantized"],
                                "seconds": round(r["seconds"], 3), "model_snr_db": "",
                                "imcdse_set": imcdse_set(d)})
            print(f"design {i:3d} {name}: snr {r['snr_db']:7.2f} dB, accuracy {r['accuracy']:.3f}, "
                  f"{r['seconds']:.1f} s", file=sys.stderr, flush=True)
    total = time.time() - started
    for file, rows in (("layers.csv", layer_rows), ("designs.csv", design_rows)):
        with open(out / file, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    write_readme(out, designs, layer_rows, design_rows, setup, total, min(args.fine, args.designs))


def write_readme(out, designs, layer_rows, design_rows, setup, total, fine):
    acc = {(r["design"], r["network"]): r for r in design_rows}
    lines = ["| design | network | snr_db per layer | workload snr_db | accuracy (float) |",
             "|---|---|---|---:|---:|"]
    for i, (label, _) in enumerate(designs[:len(ANCHORS)]):
        for name in nets.NETWORKS:
            per = ", ".join(f"{r['layer']} {r['snr_db']:.1f}" for r in layer_rows
                            if r["design"] == i and r["network"] == name)
            a = acc[(i, name)]
            lines.append(f"| {label} | {name} | {per} | {a['snr_db']:.1f} | "
                         f"{a['accuracy']:.3f} ({a['accuracy_float']:.3f}) |")
    spread = [r["snr_db"] for r in layer_rows]
    bins = [(-1e9, 0), (0, 5), (5, 10), (10, 15), (15, 20), (20, 25), (25, 30), (30, 1e9)]
    table = ["| workload snr_db | " + " | ".join(f"{n}: designs, median / worst loss" for n in nets.NETWORKS) + " |",
             "|---|" + "---:|" * len(nets.NETWORKS)]
    for lo, hi in bins:
        cells = []
        for name in nets.NETWORKS:
            loss = [100 * (r["accuracy_float"] - r["accuracy"]) for r in design_rows
                    if r["network"] == name and lo <= r["snr_db"] < hi]
            cells.append(f"{len(loss)}, {np.median(loss):.1f} / {max(loss):.1f} %" if loss else "0")
        span = f"below {hi}" if lo < -1e8 else (f"{lo} and above" if hi > 1e8 else f"{lo} to {hi}")
        table.append(f"| {span} | " + " | ".join(cells) + " |")
    threshold = []
    for name in nets.NETWORKS:
        rows = sorted((r["snr_db"], r["accuracy_float"] - r["accuracy"]) for r in design_rows
                      if r["network"] == name)
        # the lowest SNR from which every design loses under 1 % top-1
        above = [snr for k, (snr, _) in enumerate(rows) if all(l < 0.01 for _, l in rows[k:])]
        threshold.append(f"{name} {above[0]:.1f} dB" if above else f"{name}: none")
    rho = []
    for name in nets.NETWORKS:
        rows = [(r["snr_db"], r["accuracy"]) for r in design_rows if r["network"] == name]
        rho.append(f"{name} {spearmanr(*zip(*rows)).statistic:.3f}")
    text = f"""# results/reference/accuracy/

Measured compute SNR and top-1 accuracy of read chains, from the bit-true reference
(`scripts/evaluators/bittrue.py`, whose docstring states the semantics: input slices, offset-binary
cells, row groups of `parallel_rows` in tiles of `rows`, the ADC's codes and range, static
conductance error, shift-and-add) on the two digits networks it trains (`digits-mlp`,
`digits-cnn`; workload files in `scripts/evaluators/workloads/`). For issue 33: the analytic
compute-SNR model is checked against these numbers.

- `layers.csv`: {len(layer_rows)} (layer, design) pairs: every design parameter, the layer's K x N
  matrix and input vectors, the ADC range used (`adc_range_value`), the measured `snr_db` (each
  layer on the quantised-exact network's inputs) and `snr_db_propagated` (on the computed
  network's inputs). `model_snr_db` is empty: the model's prediction goes there.
- `designs.csv`: {len(design_rows)} (design, network) rows ({len(designs)} designs x 2 networks):
  the workload's `snr_db` (its worst layer's), `accuracy` (top-1 on 600 test images with every
  layer computed by the read chain), `accuracy_float` and `accuracy_quantized` (8-bit exact
  integer MACs), seconds, and an empty `model_snr_db`.
- `imcdse_set` in both: the design as `imcdse eval --set` takes it.

Designs: {len(ANCHORS)} anchors and {len(designs) - len(ANCHORS)} drawn with seed 0 from
bits_per_cell 1-8, adc_bits 3-8, parallel_rows 16-512 (rows 128-512, at least parallel_rows),
dac_bits 1/2/4, adc_range full/clipped, conductance_sigma 0/1/2/5/10 %, column_combine
digital/analog (analog with 1, 2, 4 or 8 bits per cell); {fine} of them from the finer chains only
(adc_bits 6-8, parallel_rows 16-64, bits_per_cell 1-4, conductance_sigma 0-2 %), since most of
the whole grid measures below 0 dB; 8-bit inputs and weights; conductance draws of seed 0.
Measured layer SNRs span {min(spread):.1f} to {max(spread):.1f} dB (200 = exact, the cap).

Made with

```sh
scripts/python/env.sh            # target/venv: numpy, scikit-learn (pinned)
nice -n 10 target/venv/bin/python scripts/reference/accuracy_pairs.py
```

in {total / 60:.1f} minutes on this machine ({platform.machine()}, 2 cores shared with other
builds; {setup:.1f} s of it training the networks or loading them from target/bittrue/ and
preparing their quantised references), Python {platform.python_version()}, NumPy {np.__version__}.

The anchors:

{chr(10).join(lines)}

Top-1 accuracy lost against the float network, by the workload's measured SNR (percentage
points; all designs):

{chr(10).join(table)}

The lowest workload SNR from which every measured design loses under 1 % top-1: {", ".join(threshold)}.
Spearman's rho of the measured workload SNR and the accuracy, over the designs: {", ".join(rho)}
(the worst layer's SNR ranks the designs' accuracy; the model's predicted SNR is to do as well).

Issue 33 quotes about -13 dB for one 8-bit layer on the paper optimum's read chain (512 rows a
conversion, 8-bit cells, 5-bit full-range ADC, bit-serial inputs) and about +18 dB with 32 rows
and an 8-bit ADC.
"""
    (out / "README.md").write_text(text)


if __name__ == "__main__":
    main()
