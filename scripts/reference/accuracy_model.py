#!/usr/bin/env python3
"""Fill the model's compute SNR into results/reference/accuracy/ and compare it with the bit-true
measurement (issue 33): `model_snr_db` of layers.csv (each layer) and designs.csv (the workload's
worst layer), then model.md with the agreement: median absolute difference and Spearman's rho over
the (layer, design) pairs, and Spearman's rho between the model's workload SNR and the measured
top-1 accuracy over the designs.

    cargo build --release -p imcdse
    python3 scripts/reference/accuracy_model.py [--imcdse target/release/imcdse]

Three models: the workload files as committed (`model_snr_db_own_stats_gain`: each weight layer's
`data` table states its statistics, measured on the quantised network by `bittrue.py --network
NAME --data-stats`: the share of nonzero activations, the activation and weight quantisers' full
scale over their values' root mean square, and the signal gain, 10 log10 of the variance of the
layer's ideal integer outputs, pooled, over K (E[x^2] E[w^2] - E[x]^2 E[w]^2)); the same files
without the signal gain (`model_snr_db_own_stats`); and without any `data` table
(`model_snr_db`, the model's documented distributions). One `imcdse eval --json` per design and
model (a space of one macro; the design's parameters by --set). Exact chains (200 dB in the
reference, 300 in the model) compare as 200. Needs only Python 3.11 and the built binary; about
a minute.
"""
import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import tomllib

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
    """Each (network, layer)'s data statistics, as its workload file states them (measured by
    `bittrue.py --network NAME --data-stats`; `test_bittrue.py` checks they still are)."""
    out = {}
    for net, path in NETS.items():
        for layer in tomllib.load(open(path, "rb"))["layers"]:
            if "data" in layer:
                out[(net, layer["name"])] = layer["data"]
    return out


def variants(d):
    """The workload files three ways, written under `d`: as committed (`file`), without the
    layers' signal gain (`own`), and without their `data` statistics (`documented`, the model's
    default distributions). Each a comma-joined list for --workloads."""
    out = {"file": [], "own": [], "documented": []}
    for net, path in NETS.items():
        text = open(path).read()
        edits = {
            "file": text,
            "own": re.sub(r", signal_gain_db = [-0-9.e]+", "", text),
            "documented": re.sub(r"(?m)^data = \{.*\}\n", "", text),
        }
        for name, t in edits.items():
            os.makedirs(os.path.join(d, name), exist_ok=True)
            out[name].append(os.path.join(d, name, f"{net}.toml"))
            open(out[name][-1], "w").write(t)
    return {k: ",".join(v) for k, v in out.items()}


def model(imcdse, space, design_set, workloads):
    out = subprocess.run(
        [imcdse, "eval", "--space", space, "--set", design_set, "--workloads", workloads, "--json"],
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
        costed = {name: {s: model(args.imcdse, space, s, files) for s in sets}
                  for name, files in variants(d).items()}
    layer = lambda v: lambda r: costed[v][r["imcdse_set"]][r["network"]]["snr_db_layers"][r["layer"]]
    design = lambda v: lambda r: costed[v][r["imcdse_set"]][r["network"]]["snr_db"]
    columns = {"model_snr_db": "documented", "model_snr_db_own_stats": "own",
               "model_snr_db_own_stats_gain": "file"}
    layers = fill(layers_csv, {c: layer(v) for c, v in columns.items()})
    designs = fill(designs_csv, {c: design(v) for c, v in columns.items()})
    write_report(layers, designs, len(sets), stats)


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
        "products, measured on the data, `signal_gain_db`). The last is the model on the "
        "workload files as committed (`scripts/evaluators/workloads/`): each weight layer states "
        "its statistics in a `data` table, measured on the network by `bittrue.py --network NAME "
        "--data-stats`, never fitted to an SNR; the others are the same files with the gain, or "
        "every `data` table, left out.",
        "",
        "| model | median abs. difference dB | p90 abs. difference dB | median model - measured dB | Spearman rho |",
        "|---|---:|---:|---:|---:|",
        f"| documented distributions | {agreement(layers, 'model_snr_db')} |",
        f"| each layer's own statistics | {agreement(layers, 'model_snr_db_own_stats')} |",
        f"| each layer's own statistics and signal gain (the workload files) | {agreement(layers, 'model_snr_db_own_stats_gain')} |",
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
    lines += ["", "Each layer's statistics on the 8-bit quantised network (calibration images), as its workload file states them:", "",
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
