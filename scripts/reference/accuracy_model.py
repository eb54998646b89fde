#!/usr/bin/env python3
"""Fill the model's compute SNR into results/reference/accuracy/ and compare it with the bit-true
measurement (issue 33): `model_snr_db` of layers.csv (each layer) and designs.csv (the workload's
worst layer), then model.md with the agreement: median absolute difference and Spearman's rho over
the (layer, design) pairs, and Spearman's rho between the model's workload SNR and the measured
top-1 accuracy over the designs.

    cargo build --release -p imcdse
    target/venv/bin/python scripts/reference/accuracy_model.py [--imcdse target/release/imcdse]

With the model's documented data distributions (`model_snr_db`), and with each layer's own
statistics measured on the quantised networks the reference runs (`model_snr_db_own_stats`: the
share of nonzero activations, and the activation and weight quantisers' full scale over their
values' root mean square, given to the model as `activation_nonzero`, `activation_crest` and
`weight_crest`), and with each layer's signal gain too (`model_snr_db_own_stats_gain`:
`signal_gain_db`, 10 log10 of the variance of the layer's ideal integer outputs, pooled, over
K (E[x^2] E[w^2] - E[x]^2 E[w]^2) of its quantised inputs and weights). One `imcdse eval --json`
per design, and per (design, layer) for the others (a space of one macro; the design's
parameters by --set). Exact chains (200 dB in the reference, 300
in the model) compare as 200. Needs the bit-true environment (NumPy, scikit-learn: target/venv);
about a minute.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rank import spearman  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "results", "reference", "accuracy")
NETS = {n: os.path.join(ROOT, "scripts", "evaluators", "workloads", f"{n}.toml")
        for n in ("digits-mlp", "digits-cnn")}
CAP = 200.0
SPACE = """schema_version = 1
name = "one-macro"
description = "one design, every parameter by --set"

[fixed]
router_groups = 1
tiles_per_group = 1
crossbars_per_tile = 64
"""


def layer_stats():
    """Each (network, layer)'s data statistics on the 8-bit quantised network, as model
    parameters."""
    sys.path.insert(0, os.path.join(ROOT, "scripts", "evaluators"))
    import numpy as np
    import bittrue
    out = {}
    for net in NETS:
        ref = bittrue.Reference(net, 8, 8)
        for i, layer in enumerate(ref.layers):
            x, w = ref.x_calib[i], ref.wq[i]
            nz = x[x > 0]
            xf, wf = x.astype(float), w.astype(float)
            independent = xf.shape[1] * ((xf ** 2).mean() * (wf ** 2).mean()
                                         - (xf.mean() * wf.mean()) ** 2)
            gain = 10 * np.log10(float((xf @ wf).var()) / independent)
            out[(net, layer["name"])] = {
                "activation_nonzero": max(float((x > 0).mean()), 0.01),
                "activation_crest": min(max(ref.qx / float(np.sqrt((nz ** 2).mean())), 1.0), 64.0),
                "weight_crest": min(max(ref.qw / float(np.sqrt((w ** 2).mean())), 1.0), 64.0),
                "signal_gain_db": min(max(gain, -20.0), 40.0),
            }
    return out


def model(imcdse, space, design_set):
    out = subprocess.run(
        [imcdse, "eval", "--space", space, "--set", design_set, "--workloads",
         ",".join(NETS.values()), "--json"],
        capture_output=True, text=True, check=True).stdout
    return {name: w for name, w in json.loads(out)["workloads"].items()}


def fill(path, columns):
    """Rewrites the CSV at `path` (atomically) with each `columns` name set to its function of
    the row (capped at CAP), and returns the rows."""
    rows = list(csv.DictReader(open(path)))
    for r in rows:
        for column, value in columns.items():
            r[column] = f"{min(value(r), CAP):.4f}"
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, path)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--imcdse", default=os.path.join(ROOT, "target", "release", "imcdse"))
    args = ap.parse_args()
    layers_csv, designs_csv = (os.path.join(OUT, f) for f in ("layers.csv", "designs.csv"))
    pairs = list(csv.DictReader(open(layers_csv)))
    sets = sorted({r["imcdse_set"] for r in pairs})
    stats = layer_stats()
    with tempfile.TemporaryDirectory() as d:
        space = os.path.join(d, "one-macro.toml")
        open(space, "w").write(SPACE)
        costed = {s: model(args.imcdse, space, s) for s in sets}
        own, gained = {}, {}
        for r in pairs:
            key = (r["network"], r["layer"])
            for out, names in ((own, GAINLESS), (gained, GAINLESS + ["signal_gain_db"])):
                extra = ",".join(f"{k}={stats[key][k]:.6g}" for k in names)
                out[(r["imcdse_set"],) + key] = model(
                    args.imcdse, space, r["imcdse_set"] + "," + extra)[r["network"]]["snr_db_layers"][r["layer"]]
    worst_own, worst_gained = worst(own), worst(gained)
    layer = lambda d: lambda r: d[(r["imcdse_set"], r["network"], r["layer"])]
    design = lambda d: lambda r: d[(r["imcdse_set"], r["network"])]
    layers = fill(layers_csv, {
        "model_snr_db": lambda r: costed[r["imcdse_set"]][r["network"]]["snr_db_layers"][r["layer"]],
        "model_snr_db_own_stats": layer(own),
        "model_snr_db_own_stats_gain": layer(gained),
    })
    designs = fill(designs_csv, {
        "model_snr_db": lambda r: costed[r["imcdse_set"]][r["network"]]["snr_db"],
        "model_snr_db_own_stats": design(worst_own),
        "model_snr_db_own_stats_gain": design(worst_gained),
    })
    write_report(layers, designs, len(sets), stats)


GAINLESS = ["activation_nonzero", "activation_crest", "weight_crest"]


def worst(per_layer):
    """Each (design, network)'s worst layer."""
    out = {}
    for (s, n, _), v in per_layer.items():
        out[(s, n)] = min(v, out.get((s, n), v))
    return out


def agreement(rows, column):
    meas = [min(float(r["snr_db"]), CAP) for r in rows]
    pred = [float(r[column]) for r in rows]
    diff = sorted(abs(a - b) for a, b in zip(meas, pred))
    signed = statistics.median(b - a for a, b in zip(meas, pred))
    return (f"{statistics.median(diff):.2f} | {diff[int(0.9 * len(diff))]:.2f} | {signed:+.2f} | "
            f"{spearman(meas, pred):.3f}")


def write_report(layers, designs, n_designs, stats):
    lines = [
        "# The compute-SNR model against the bit-true reference",
        "",
        f"Made by `scripts/reference/accuracy_model.py` from `layers.csv` and `designs.csv` "
        f"({len(layers)} (layer, design) pairs, {n_designs} designs, 2 networks): the model with its "
        "documented data distributions (ReLU activations and normal weights quantised at 4 "
        "standard deviations; `model_snr_db`), with each layer's own statistics "
        "(`model_snr_db_own_stats`, below), and with those and each layer's signal gain "
        "(`model_snr_db_own_stats_gain`: how far its ideal outputs vary beyond independent "
        "products, measured on the data, `signal_gain_db`).",
        "",
        "| model | median abs. difference dB | p90 abs. difference dB | median model - measured dB | Spearman rho |",
        "|---|---:|---:|---:|---:|",
        f"| documented distributions | {agreement(layers, 'model_snr_db')} |",
        f"| each layer's own statistics | {agreement(layers, 'model_snr_db_own_stats')} |",
        f"| each layer's own statistics and signal gain | {agreement(layers, 'model_snr_db_own_stats_gain')} |",
        "",
        "Measured top-1 accuracy against the model's workload SNR (worst layer):",
        "",
        "| network | designs | rho (accuracy, model SNR) | rho (accuracy, model SNR, own statistics) | rho (accuracy, model SNR, own statistics and gain) | rho (accuracy, measured SNR) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for net in NETS:
        rows = [r for r in designs if r["network"] == net]
        acc = [float(r["accuracy"]) for r in rows]
        col = lambda c: spearman(acc, [min(float(r[c]), CAP) for r in rows])
        lines.append(f"| {net} | {len(rows)} | {col('model_snr_db'):.3f} | "
                     f"{col('model_snr_db_own_stats'):.3f} | {col('model_snr_db_own_stats_gain'):.3f} | "
                     f"{col('snr_db'):.3f} |")
    lines += ["", "By ADC range and cell error (median abs. difference):", "",
              "| adc_range | cell error | pairs | documented dB | own statistics dB | own statistics and gain dB |",
              "|---|---|---:|---:|---:|---:|"]
    groups = {}
    for r in layers:
        key = (r["adc_range"], "yes" if float(r["conductance_sigma"]) > 0 else "no")
        groups.setdefault(key, []).append(r)
    for (rng, noise), rows in sorted(groups.items()):
        d = lambda c: statistics.median(abs(min(float(r["snr_db"]), CAP) - float(r[c])) for r in rows)
        lines.append(f"| {rng} | {noise} | {len(rows)} | {d('model_snr_db'):.2f} | "
                     f"{d('model_snr_db_own_stats'):.2f} | {d('model_snr_db_own_stats_gain'):.2f} |")
    lines += ["", "Each layer's statistics on the 8-bit quantised network (calibration images):", "",
              "| network | layer | activation_nonzero | activation_crest | weight_crest | signal_gain_db |",
              "|---|---|---:|---:|---:|---:|"]
    for (net, layer), st in stats.items():
        lines.append(f"| {net} | {layer} | {st['activation_nonzero']:.3f} | "
                     f"{st['activation_crest']:.2f} | {st['weight_crest']:.2f} | "
                     f"{st['signal_gain_db']:.2f} |")
    open(os.path.join(OUT, "model.md"), "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
