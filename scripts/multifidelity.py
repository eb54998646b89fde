#!/usr/bin/env python3
"""Measures `--fidelity analytic-first` against single-fidelity optimizers (issue 14, item 5).

The cheap model is imcdse's default (space paper-rram, no calibration); the expensive one is the
CiMLoop-calibrated model, served through the evaluator protocol by
`imcdse serve --calibration cimloop-paper-rram`. Both are analytic, so the expensive optimum is
certified by enumerating paper-rram-cimloop (the same space with that calibration in-process,
which costs every design exactly as the served one does: tests/evaluator.rs).

- analytic-first: `imcdse sweep --fidelity analytic-first --evaluator "imcdse serve ..."`, one run
  per seed; its gap after the first N expensive evaluations is read from its checkpoint (the
  search is a function of the rows costed so far, so its first N rows are the run with budget N);
- ga4, bayes, anneal: `imcdse grade --space paper-rram-cimloop` at the same budgets, which
  certifies the optimum and grades each seed (their evaluations are all expensive ones).

Writes `table.md` and `runs.json` into --out. Standard library only.

    python3 scripts/multifidelity.py --imcdse target/release/imcdse \\
        --out results/reference/multifidelity
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

BUDGETS = [25, 50, 100]


def run(cmd):
    print("$", " ".join(cmd), file=sys.stderr, flush=True)
    started = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.time() - started


def done(folder, last):
    """Whether a run folder is complete (its last file written): an interrupted measurement
    reuses it."""
    run_toml = os.path.join(folder, "run.toml")
    return (os.path.exists(os.path.join(folder, last)) and os.path.exists(run_toml)
            and 'status = "complete"' in open(run_toml).read())


def best_within(rows, n):
    """The best score among the first n rows (by eval_index), or None."""
    scores = [r["score"] for r in rows if r["eval_index"] < n and r.get("score") is not None]
    return min(scores) if scores else None


def gap(score, optimum):
    return None if score is None else 100.0 * (score - optimum) / optimum


def fmt(x):
    return "-" if x is None else f"{x:.2f}"


def summary(gaps):
    """median, min, max of the gaps; a run without a feasible design counts as infinite."""
    values = [g if g is not None else float("inf") for g in gaps]
    return statistics.median(values), min(values), max(values), sum(v <= 1.0 for v in values)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--imcdse", default="target/release/imcdse")
    ap.add_argument("--out", default="results/reference/multifidelity")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--work", default=None,
                    help="scratch folder (default: OUT/work, removed at the end; reused after an interruption)")
    a = ap.parse_args()
    exe = os.path.abspath(a.imcdse)
    work = a.work or os.path.join(a.out, "work")
    os.makedirs(work, exist_ok=True)  # a folder left by an interrupted run is reused
    budgets = ",".join(map(str, BUDGETS))

    grade = os.path.join(work, "grade")
    grade_s = 0.0 if done(grade, "grading.md") else run([exe, "grade", "--space", "paper-rram-cimloop", "--optimizers", "ga4,bayes,anneal",
                   "--budgets", budgets, "--seeds", str(a.seeds), "--out", grade,
                   "--cache", os.path.join(work, "certified")])
    optimum = json.load(open(os.path.join(grade, "certified.json")))["best_score"]
    single = [r for line in open(os.path.join(grade, "runs.jsonl")) for r in json.loads(line)]

    serve = f"{exe} serve --calibration cimloop-paper-rram"
    af = []
    for seed in range(a.seeds):
        out = os.path.join(work, f"af{seed}")
        secs = 0.0 if done(out, "summary.md") else run([exe, "sweep", "--fidelity", "analytic-first", "--seed", str(seed),
                    "--budget", str(max(BUDGETS)), "--evaluator", serve, "--out", out])
        rows = [json.loads(line) for line in open(os.path.join(out, "checkpoint.jsonl"))]
        ordered = sorted(rows, key=lambda r: r["eval_index"])
        first = next((r["eval_index"] + 1 for r in ordered
                      if r.get("score") is not None and gap(r["score"], optimum) <= 1.0), None)
        af.append({"seed": seed, "seconds": secs, "within_1pct_at": first,
                   "gap_pct": {n: gap(best_within(rows, n), optimum) for n in BUDGETS}})

    lines = [
        "# Multi-fidelity: analytic-first against single-fidelity search",
        "",
        "Space paper-rram (12,096,000 designs), workloads paper4, objective max-ela. Expensive "
        "model: `imcdse serve --calibration cimloop-paper-rram` (the CiMLoop-calibrated model "
        "through the evaluator protocol); its optimum, certified by enumerating "
        f"paper-rram-cimloop: max-ela = {optimum:.6e}. Cheap model (analytic-first only): the "
        "default, uncalibrated. Gap = 100 x (best - optimum) / optimum after N expensive "
        f"evaluations; {a.seeds} seeds (0..{a.seeds}); a run with no feasible design counts as an "
        "infinite gap.",
        "",
        "| method | N expensive evaluations | median gap % | min gap % | max gap % | runs within 1% |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    rows_json = {"optimum": optimum, "analytic_first": af, "single_fidelity": single}
    for n in BUDGETS:
        med, lo, hi, ok = summary([r["gap_pct"][n] for r in af])
        lines.append(f"| analytic-first | {n} | {fmt(med)} | {fmt(lo)} | {fmt(hi)} | {ok}/{a.seeds} |")
    for opt in ["ga4", "bayes", "anneal"]:
        for n in BUDGETS:
            gaps = [r["gap_pct"] for r in single if r["optimizer"] == opt and r["budget"] == n]
            med, lo, hi, ok = summary(gaps)
            lines.append(f"| {opt} | {n} | {fmt(med)} | {fmt(lo)} | {fmt(hi)} | {ok}/{len(gaps)} |")
    lines += [
        "",
        "analytic-first per seed (the screen, 5 exhaustive enumerations of the cheap model, is "
        "in each run's time):",
        "",
        "| seed | gap % at 25 | at 50 | at 100 | first within 1% at evaluation | run s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in af:
        g = r["gap_pct"]
        lines.append(f"| {r['seed']} | {fmt(g[25])} | {fmt(g[50])} | {fmt(g[100])} | "
                     f"{r['within_1pct_at'] or '-'} | {r['seconds']:.1f} |")
    lines += ["", f"grade of ga4, bayes and anneal: {grade_s:.0f} s.", "",
              "Regenerate: `cargo build --release -p imcdse && python3 scripts/multifidelity.py`", ""]
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(a.out, "runs.json"), "w") as f:
        json.dump(rows_json, f, indent=1)
    if a.work is None:
        shutil.rmtree(work)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
