#!/usr/bin/env python3
"""Where the SRAM energy ranks part from CiMLoop's: the analysis behind
results/reference/fidelity/sram-energy-residuals.md (issue 18).

The calibrated SRAM space ranks energy at Spearman 0.91-0.93 per CNN (held out) against the
paper framework's CiMLoop costs (target 0.9); 0.87-0.93 before streamed weights were written
into the cells, 0.84-0.93 before inputs were read again per weight-stationary pass, 0.70-0.89
before the supply-voltage laws. This script shows from the data what the residual is
made of, so that the next model change aims at it:

1. whether CiMLoop's numbers are noisy (designs that differ only in the clock);
2. how CiMLoop's energy follows the supply voltage, which our model ignores under the paper's
   settings (`voltage_scaling = false`), fitted per group of designs that differ only in V;
3. how the calibrated model's residual (`cimloop-paper-sram`) grows on chips far smaller
   than a layer;
4. what held-out Spearman rho candidate model terms would reach (factor fits like
   `imcdse calibrate`'s, on the same 70/30 split idea);
5. which parameters what is left after the last candidate still depends on.

Needs Python 3.11+ (tomllib), numpy and scipy, and a release build (`cargo build --release -p imcdse`):

    python3 -m venv /tmp/v && /tmp/v/bin/pip install numpy scipy
    /tmp/v/bin/python scripts/fidelity/sram_residuals.py > results/reference/fidelity/sram-energy-residuals.md

About 20 s. Deterministic (split seed 0).
"""

import csv
import json
import subprocess
import sys
from collections import defaultdict
from itertools import combinations

import numpy as np
from costs import BIN, CSV, PARAMS, ROOT, WORKLOADS, eval_json
from scipy.optimize import minimize, minimize_scalar
from scipy.stats import spearmanr

# The structural choice the shipped calibration (cimloop-paper-sram) fitted.
CHOICE = (
    "replication=uniform,depthwise_packing=per-group,digital_lanes_at=chip,dac_bits=8"
)
# NeuroSim's 32 nm LP transistor (the SRAM cell's roadmap, LSTP, in the framework's
# sram_neurosim_default.cell.yaml): nominal Vdd 0.9 V, Vth 0.442 V. CiMLoop's NeuroSim
# plug-in scales on-current by ((V - Vth) / (Vnom - Vth))^2 when the supply is overridden
# (accelergy-neurosim-plug-in, drop_in/Technology.cpp); the framework's
# VOLTAGE_ENERGY_SCALE = 1 overrides only CiMLoop's own V^2 factor, not this.
VNOM, VTH = 0.9, 0.442


def cv2(v):
    """Switching energy at supply v relative to nominal: C V^2."""
    return (v / VNOM) ** 2


def drive(v):
    """C V^2 of drivers widened to keep their current as the on-current falls."""
    return cv2(v) * ((VNOM - VTH) / (v - VTH)) ** 2


def evaluate(rows, space, extra):
    """Per design and workload: energy mJ, its parts, and the cells the workload needs."""
    return [
        {
            w: (v["energy_mj"], v["breakdown"]["energy_mj"], v["needed_cells"])
            for w, v in d["workloads"].items()
        }
        for d in eval_json(rows, ["--space", space], extra)
    ]


def crossbar_layers(workload):
    """(rows, cols, groups, input vectors, weights) of each static crossbar layer."""
    out = subprocess.run(
        [str(BIN), "workloads", workload, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    layers = json.loads(out.stdout)[0]["layer_list"]
    return [
        (m["rows"], m["cols"], m["groups"], m["vectors"], la["weights"])
        for la in layers
        for m in [la.get("matrix")]
        if m and m["static"]
    ]


def huber(r, d=0.1):
    a = np.abs(r)
    return np.where(a <= d, 0.5 * r * r, d * (a - 0.5 * d))


def log_fit(x, y):
    """Non-negative factors f minimizing mean Huber(log(x f) - y), as `imcdse calibrate`."""
    active = x.max(0) > 0

    def f(t):
        th = np.where(active, t, -30.0)
        p = x @ np.exp(th)
        r = np.log(p) - y
        g = (x * np.exp(th)) / p[:, None]
        return huber(r).mean(), (np.clip(r, -0.1, 0.1)[:, None] * g).mean(0) * active

    t0 = np.full(x.shape[1], -np.log(max(1, x.shape[1] / 11)))
    o = minimize(f, t0, jac=True, method="L-BFGS-B", options={"maxiter": 3000})
    return np.where(active, o.x, -30.0)


def main():
    with open(CSV) as f:
        rows = list(csv.DictReader(f))
    n = len(rows)
    num = {p: np.array([float(r[p]) for r in rows]) for p in PARAMS}
    ref = {w: np.array([float(r[f"{w}__energy_mj"]) for r in rows]) for w in WORKLOADS}
    cells = (
        num["router_groups"]
        * num["tiles_per_group"]
        * num["crossbars_per_tile"]
        * num["rows"]
        * num["cols"]
    )
    out = print
    out("# SRAM energy: what the calibrated model misses against CiMLoop\n")
    out(
        f"Data: `{CSV.relative_to(ROOT)}` ({n} designs). Regenerate: "
        "`python scripts/fidelity/sram_residuals.py > results/reference/fidelity/"
        "sram-energy-residuals.md` (numpy, scipy and a release build; see the script).\n"
    )

    # 1. Determinism
    out("## 1. CiMLoop's numbers are not noisy\n")
    g = defaultdict(list)
    for i, r in enumerate(rows):
        g[tuple(r[p] for p in PARAMS if p != "cycle_ns")].append(i)
    pairs = [(a, b) for v in g.values() for a, b in combinations(v, 2)]
    diff = max(abs(np.log(ref[w][a] / ref[w][b])) for w in WORKLOADS for a, b in pairs)
    out(
        f"{len(pairs)} pairs of designs differ only in the clock (`cycle_ns`), each costed in a "
        f"separate CiMLoop run: the largest energy difference over the four CNNs is "
        f"{diff:.2e} (log ratio). The mapper's random search is seeded, so a residual is not "
        "noise to average out: it is structure the model lacks (or the mapper's erratic but "
        "repeatable choices). The spread of CiMLoop's log energy across designs (sd) is "
        + ", ".join(f"{w} {np.log(ref[w]).std():.2f}" for w in WORKLOADS)
        + ": AlexNet's narrow range is why its rank is the hardest to get right.\n"
    )

    # 2. Supply voltage
    out(
        "## 2. Energy follows the supply voltage; our model, under the paper's settings, does not\n"
    )
    out(
        "With `voltage_scaling = false` (the framework's `VOLTAGE_ENERGY_SCALE = 1`) our energy "
        "does not depend on `voltage_v` at all. CiMLoop's does, through the NeuroSim plug-in, "
        "which still sees the supply: switching energy C V^2, and transistors whose on-current "
        f"falls as ((V - Vth) / (Vnom - Vth))^2 (32 nm LP: Vnom {VNOM} V, Vth {VTH} V), 1/62 of "
        "nominal at 0.5 V. For every group of designs that differ only in the voltage (and the "
        "clock), fit log E(V) = a + log((1 - s) (V/0.75)^2 + s D(V)/D(0.75)), with D(V) = "
        "V^2 / (V - Vth)^2 (drivers sized for current) and s the share of such energy at 0.75 V. "
        "Median s by crossbar columns (groups with 2+ voltages, one of them <= 0.6 V):\n"
    )
    groups = defaultdict(dict)
    for i, r in enumerate(rows):
        groups[tuple(r[p] for p in PARAMS if p not in ("voltage_v", "cycle_ns"))][
            num["voltage_v"][i]
        ] = i
    share = defaultdict(list)
    sse = []
    for vs in groups.values():
        if len(vs) < 2 or min(vs) > 0.6:
            continue
        v = np.array(sorted(vs))
        idx = [vs[x] for x in v]
        for w in WORKLOADS:
            le = np.log(ref[w][idx])

            def err(s, v=v, le=le):
                m = np.log((1 - s) * cv2(v) / cv2(0.75) + s * drive(v) / drive(0.75))
                return ((le - m - (le - m).mean()) ** 2).sum()

            o = minimize_scalar(err, bounds=(0, 1), method="bounded")
            share[(w, int(float(rows[idx[0]]["cols"])))].append(o.x)
            if len(v) > 2:
                sse.append(o.fun / (len(v) - 2))
    colsv = sorted({c for _, c in share})
    out("| workload | " + " | ".join(f"{c} cols" for c in colsv) + " |")
    out("|---|" + "---:|" * len(colsv))
    for w in WORKLOADS:
        out(
            f"| {w} | "
            + " | ".join(
                f"{np.median(share[(w, c)]):.2f} ({len(share[(w, c)])})"
                if share[(w, c)]
                else ""
                for c in colsv
            )
            + " |"
        )
    out(
        f"\n(groups in parentheses). Two parameters per group fit the groups with 3+ voltages to "
        f"a residual of {np.sqrt(np.median(sse)):.3f} (median rms, log). The share halves as the "
        "columns double up to 128: an energy paid per row activation (a wordline driver), which "
        "narrow crossbars repeat for every column group. At 0.5 V and 16 columns CiMLoop's "
        "energy is several times its 0.85 V value; ours is the same at both.\n"
    )

    # 3. Small chips
    out("## 3. Chips far smaller than a layer\n")
    cal = evaluate(rows, "paper-sram-cimloop", "")
    ours = {w: np.array([c[w][0] for c in cal]) for w in WORKLOADS}
    out(
        "Residual log(CiMLoop / calibrated model) by the chip's cell count, median and p90 "
        "(the median over all designs subtracted):\n"
    )
    bins = [(12, 16), (16, 18), (18, 20), (20, 24), (24, 28), (28, 31)]
    out("| workload | " + " | ".join(f"2^{a}..2^{b} cells" for a, b in bins) + " |")
    out("|---|" + "---:|" * len(bins))
    lc = np.log2(cells)
    for w in WORKLOADS:
        r = np.log(ref[w] / ours[w])
        r -= np.median(r)
        out(
            f"| {w} | "
            + " | ".join(
                f"{np.median(r[s]):+.2f} / {np.percentile(r[s], 90):+.2f} (n {s.sum()})"
                for a, b in bins
                for s in [(lc >= a) & (lc < b)]
            )
            + " |"
        )
    load = np.array([c["vgg16"][1]["weight_load"] for c in cal])
    worst = int(np.argmax(np.log(ref["vgg16"] / ours["vgg16"])))
    out(
        f"\nThe worst: {', '.join(f'{p} {rows[worst][p]}' for p in PARAMS)} "
        f"({cells[worst]:.0f} cells): VGG16 {ref['vgg16'][worst]:.1f} mJ in CiMLoop, "
        f"{ours['vgg16'][worst]:.1f} mJ in ours, {ref['vgg16'][worst] / load[worst]:.0f} times "
        "what loading VGG16's weights once costs in the calibrated model. With weights streamed "
        "from DRAM our model loads every weight once per inference and, for a layer larger than "
        "the chip, reads its inputs again in every weight-stationary pass (partial sums of "
        "columns taller than the chip out and back; `Passes` in "
        "`crates/imc-model/src/mapping.rs`). CiMLoop's energy still grows faster with how far "
        "the layers exceed the chip: its global buffer's loop order ([N, M, C, Q, P], inner to "
        "outer, weights bypassing it) lets the mapper reload weights for every output tile, "
        "which the model does not follow.\n"
    )

    # 4. Candidate terms
    out("## 4. What candidate terms would reach\n")
    uncal = evaluate(rows, "paper-sram", CHOICE)
    parts = list(uncal[0]["vgg16"][1].keys())
    rng = np.random.default_rng(0)
    order = rng.permutation(n)
    held = np.zeros(n, bool)
    held[order[: int(0.3 * n)]] = True

    def design_rows(terms):
        x, y, d, k = [], [], [], []
        for i in range(n):
            for wi, w in enumerate(WORKLOADS):
                e = dict(uncal[i][w][1])
                e["over"] = max(1.0, uncal[i][w][2] / cells[i])
                e["workload"] = w
                x.append([t(e, i) for t in terms])
                y.append(np.log(ref[w][i]))
                d.append(i)
                k.append(wi)
        return np.array(x), np.array(y), np.array(d), np.array(k)

    def part(p, law=lambda v: 1.0, per=lambda i: 1.0):
        return lambda e, i: e[p] * law(num["voltage_v"][i]) * per(i)

    def reload(power):
        return lambda e, i: e["weight_load"] * e["over"] ** power

    # Per layer: a layer needing more crossbars than the chip has (1 bit per cell, 8-bit
    # weights) has its weights reloaded min(oversubscription^p, input vectors) times; the term
    # is the weight traffic weighted that way, relative to loading every weight once.
    xbars = num["router_groups"] * num["tiles_per_group"] * num["crossbars_per_tile"]
    layers = {w: crossbar_layers(w) for w in WORKLOADS}

    def layer_reloads(power, w, i):
        total = sum(lw for *_, lw in layers[w])
        times = 0.0
        for r, c, g, v, lw in layers[w]:
            need = -(-r // int(num["rows"][i])) * -(-c * 8 // int(num["cols"][i])) * g
            times += lw * min(max(1.0, need / xbars[i]) ** power, v)
        return times / total

    per_layer = {
        (p, w, i): layer_reloads(p, w, i)
        for p in (0.5, 1.0)
        for w in WORKLOADS
        for i in range(n)
    }

    def reload_layers(power):
        return lambda e, i: e["weight_load"] * per_layer[(power, e["workload"], i)]

    # Diagnostic: how much of what is left is the columns x supply interaction, with a share
    # of the whole energy per column count following each law (12 free factors, no physics).
    def whole(e):
        return sum(v for p, v in e.items() if p in parts)

    per_cols_supply = [
        lambda e, i, c=c, law=law: (
            whole(e) * (num["cols"][i] == c) * law(num["voltage_v"][i])
        )
        for c in sorted(set(num["cols"]))
        for law in (cv2, drive)
    ]
    per_col = lambda i: 128.0 / num["cols"][i]
    base = [part(p) for p in parts]
    laws = [part(p, law) for p in parts for law in (lambda v: 1.0, cv2, drive)]
    row_act = [part("row_drivers", law, per_col) for law in (lambda v: 1.0, cv2, drive)]
    candidates = [
        ("the parts, a factor each (`imcdse calibrate`)", base),
        ("+ each part in three voltage laws (`--voltage-laws`, as shipped)", laws),
        (
            "+ a per-row-activation driver energy (row drivers x 128/cols), three laws",
            laws + row_act,
        ),
        (
            "+ weight reloads growing with (cells needed / chip cells)^p, p = 0.25, 0.5, 1",
            laws + row_act + [reload(0.25), reload(0.5), reload(1.0)],
        ),
        (
            "three voltage laws + per-layer weight reloads, p = 0.5, 1",
            laws + [reload_layers(0.5), reload_layers(1.0)],
        ),
        (
            (
                "diagnostic, not a model: three voltage laws + a free C V^2 and a free drive "
                "share of the whole energy per column count"
            ),
            laws + per_cols_supply,
        ),
        (
            (
                "lead, no physical reading yet: three voltage laws + a drive-law energy of "
                "row drivers x (128/cols)^2"
            ),
            laws + [part("row_drivers", drive, lambda i: per_col(i) ** 2)],
        ),
    ]
    out(
        "Factors fitted on 70% of the designs (numpy split, seed 0), held-out Spearman rho of energy "
        "per CNN, all designs and without chips under 2^18 cells:\n"
    )
    out("| model | " + " | ".join(WORKLOADS) + " | same, chips >= 2^18 cells |")
    out("|---|" + "---:|" * (len(WORKLOADS) + 1))
    for name, terms in candidates:
        x, y, d, k = design_rows(terms)
        fit = ~held[d]
        th = log_fit(x[fit], y[fit])
        pred = np.log(x @ np.exp(th))
        if name.startswith("lead"):
            extra = x[:, -1] * np.exp(th[-1]) / np.exp(pred)
            lead_share = {
                c: np.median(extra[num["cols"][d] == c])
                for c in sorted(set(num["cols"]))
            }
        elif not name.startswith("diagnostic"):
            last = (y - pred, d, k)
        rho = [
            spearmanr(pred[h], y[h])[0]
            for wi in range(4)
            for h in [held[d] & (k == wi)]
        ]
        big = [
            spearmanr(pred[h], y[h])[0]
            for wi in range(4)
            for h in [held[d] & (k == wi) & (cells[d] >= 2**18)]
        ]
        out(
            f"| {name} | "
            + " | ".join(f"{r:.3f}" for r in rho)
            + " | "
            + " / ".join(f"{r:.3f}" for r in big)
            + " |"
        )
    out(
        "\nThe parts now include the writes of streamed weights into the cells of every copy "
        "of a layer (`write_drivers`, one per crossbar row written, and `write_cells`, one per "
        "cell; since 2026-12-03): they took ResNet18's median residual on the largest chips "
        "(2^28..2^31 cells, where layers are copied most) from +0.23 to 0.00 and its held-out "
        "rank here from 0.882 to 0.912 (0.871 to 0.909 on `imcdse calibrate`'s own split). On "
        "this split MobileNetV3 stays just under 0.9 with the shipped terms (0.891; 0.914 on "
        "the calibration's split): the margin is thin either way. The model also reads a "
        "layer's inputs again for every weight-stationary pass on a chip smaller than the layer, "
        "which took the median residual of the smallest chips (2^12..2^16 cells) from +0.80 / "
        "+1.03 to about 0 for VGG16 and ResNet18; AlexNet's keep +0.72, and every CNN's p90 "
        "there is still large. The voltage laws are physics NeuroSim has and our model lacks "
        "under the paper's settings; `imcdse calibrate --voltage-laws` fits them and the shipped "
        "`cimloop-paper-sram` has them. A per-row-activation driver share and weight-reload "
        "proxies on top add at most 0.013 (MobileNetV3) and are fitted here, not shipped. The "
        "diagnostic row is no model: a free share of the whole energy per column count for each law "
        "lifts every CNN to 0.915 or more, so what is left is mostly how the supply's effect "
        "depends on the crossbar's width, which no part of the model follows yet.\n"
    )
    out(
        "The lead (last row) is one such dependence: a drive-law energy that grows as "
        "(128/cols)^2 times the row drivers' (per row activation, 1/cols as much on a wider "
        "crossbar). Its fitted share of the energy, median by columns: "
        + ", ".join(f"{c:g}: {v:.2f}" for c, v in lead_share.items())
        + ". It falls with the columns like the drive share of CiMLoop's own voltage groups in "
        "section 2 (fitted without our model), faster from 64 columns up. It follows CiMLoop; "
        "which NeuroSim circuit spends it is not identified, so the model does not have it.\n"
    )
    out("## 5. What is left after the last model candidate\n")
    out(
        "Share of the residual's variance (all designs) explained by each parameter's levels "
        "alone, and by the crossbar shape (rows x cols):\n"
    )
    r, d, k = last
    keys = PARAMS + ["rows x cols"]
    out("| workload | residual sd | " + " | ".join(keys) + " |")
    out("|---|---:|" + "---:|" * len(keys))
    for wi, w in enumerate(WORKLOADS):
        m = k == wi
        rr = r[m] - r[m].mean()
        cells_ = []
        for p in keys:
            if p == "rows x cols":
                lv = np.array([rows[i]["rows"] + "x" + rows[i]["cols"] for i in d[m]])
            else:
                lv = np.array([rows[i][p] for i in d[m]])
            ss = sum(rr[lv == v].sum() ** 2 / (lv == v).sum() for v in set(lv))
            cells_.append(f"{ss / (rr**2).sum():.2f}")
        out(f"| {w} | {rr.std():.3f} | " + " | ".join(cells_) + " |")
    out(
        "\nThe columns alone explain the most of what is left, and the shape (36 levels "
        "against 6) little more: CiMLoop's energy has a dependence on the crossbar's width "
        "that our parts do not follow, beyond the voltage laws and per-row terms above.\n"
    )
    m = k == 1
    rr = r[m] - np.median(r[m])
    lv = np.array([float(rows[i]["cols"]) for i in d[m]])
    out(
        "ResNet18's residual (median, log) by columns: "
        + ", ".join(f"{v:g}: {np.median(rr[lv == v]):+.2f}" for v in sorted(set(lv)))
        + "."
    )


if __name__ == "__main__":
    if not BIN.exists():
        sys.exit(f"{BIN} not found: run `cargo build --release -p imcdse` first")
    main()
