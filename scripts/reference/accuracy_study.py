"""The accuracy study's tables (results/reference/accuracy-study/study.md), from its runs.

    python3 scripts/reference/accuracy_study.py CHAINS_RUN OUT_MD RUN [RUN ...]

CHAINS_RUN is an exhaustive `--keep-all` sweep of every read chain of paper-rram-accuracy on
one chip (search-spaces/reference/accuracy/chains.toml): the SNR depends on the chain alone, so
its rows give every design's SNR. Each RUN is an exhaustive sweep of paper-rram-accuracy (or its
1% variant) under `--min-snr`. The paper's optimum and each run's best design are costed again
with `imcdse eval --json` (IMCDSE_BIN, else target/release/imcdse). Needs pandas and pyarrow.
"""

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
WORKLOADS = ["vgg16", "resnet18", "alexnet", "mobilenetv3-large"]
CHAIN = ["bits_per_cell", "rows", "adc_bits", "parallel_rows", "dac_bits", "adc_range"]
PAPER_OPTIMUM = ("voltage_v=0.5,bits_per_cell=8,cycle_ns=1,rows=512,cols=64,router_groups=8,"
                 "tiles_per_group=64,crossbars_per_tile=128,glb_mib=0.5")


def imcdse(*args: str) -> str:
    exe = os.environ.get("IMCDSE_BIN", str(ROOT / "target" / "release" / "imcdse"))
    return subprocess.run([exe, *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def best_chains(chains: pd.DataFrame) -> str:
    """Per conductance error, the chain with the highest worst-workload SNR, and how many
    chains reach each threshold."""
    df = chains[chains["infeasible_reason"].isna() | ~chains["infeasible_reason"].fillna("").str.contains("exceeds")]
    df = df.assign(worst=df[[f"{w}__snr_db" for w in WORKLOADS]].min(axis=1))
    out = ["| conductance_sigma | chains | best worst-workload SNR (dB) | its chain | >= 12 dB | >= 21 dB |",
           "|---:|---:|---:|---|---:|---:|"]
    for sigma, g in df.groupby("conductance_sigma"):
        top = g.sort_values("worst", ascending=False).iloc[0]
        chain = ", ".join(f"{k} {top[k]:g}" if not isinstance(top[k], str) else f"{k} {top[k]}"
                          for k in CHAIN)
        out.append(f"| {sigma:g} | {len(g)} | {top['worst']:.1f} | {chain} | "
                   f"{(g['worst'] >= 12).sum()} | {(g['worst'] >= 21).sum()} |")
    return "\n".join(out)


def design_of(run: Path) -> tuple[str, str, float]:
    """A run's space file, its best design as `k=v,...` and its min SNR (None if none)."""
    args = tomllib.loads((run / "run.toml").read_text())["args"]
    df = pd.read_parquet(run / "evaluations.parquet")
    df = df[df["feasible"]].sort_values(["score", "eval_index"])
    if df.empty:
        return args["space"], "", args.get("min_snr")
    row = df.iloc[0]
    params = [c for c in df.columns if c in {
        "voltage_v", "bits_per_cell", "cycle_ns", "rows", "cols", "router_groups",
        "tiles_per_group", "crossbars_per_tile", "glb_mib", *CHAIN}]
    sets = ",".join(f"{k}={row[k]:g}" if not isinstance(row[k], str) else f"{k}={row[k]}" for k in params)
    return args["space"], sets, args.get("min_snr")


def costs(space: str, sets: str) -> dict:
    return json.loads(imcdse("eval", "--space", space, "--set", sets, "--workloads", "paper4", "--json"))


def comparison(designs: list[tuple[str, str, str]]) -> str:
    out = ["| design | area mm2 | max-ela | " + " | ".join(f"{w} EDAP / SNR dB" for w in WORKLOADS) + " |",
           "|---|---:|---:|" + "---:|" * len(WORKLOADS)]
    for label, space, sets in designs:
        j = costs(space, sets)
        ws = j["workloads"]
        e = max(ws[w]["energy_mj"] for w in WORKLOADS)
        lat = max(ws[w]["latency_ms"] for w in WORKLOADS)
        cells = " | ".join(f"{ws[w]['edap']:.4g} / {ws[w]['snr_db']:.1f}" for w in WORKLOADS)
        out.append(f"| {label} | {j['area_mm2']:.1f} | {e * lat * j['area_mm2']:.4g} | {cells} |")
    return "\n".join(out)


def main() -> None:
    chains_run, out_md, runs = Path(sys.argv[1]), Path(sys.argv[2]), [Path(r) for r in sys.argv[3:]]
    parts = ["# Accuracy study: tables", "",
             "Made by `scripts/reference/accuracy_study.py` (see README.md for the commands).", "",
             "## Every read chain's compute SNR (worst of the four workloads)", "",
             best_chains(pd.read_parquet(chains_run / "evaluations.parquet")), "",
             "## Certified optima under a minimum SNR", "",
             "| space | --min-snr dB | feasible designs | best design (max-ela) |", "|---|---:|---:|---|"]
    designs = [("paper-rram optimum (5-bit ADC, 512 rows a conversion, full range, bit-serial)",
                "paper-rram", PAPER_OPTIMUM)]
    for run in runs:
        space, sets, min_snr = design_of(run)
        summary = (run / "summary.md").read_text()
        feasible = summary.split(" feasible;")[0].rsplit(", ", 1)[-1]
        parts.append(f"| {Path(space).stem} | {min_snr} | {feasible} | {sets or 'none'} |")
        if sets:
            designs.append((f"{Path(space).stem} optimum at {min_snr} dB", space, sets))
    parts += ["", "## The designs side by side (`imcdse eval`)", "", comparison(designs), ""]
    out_md.write_text("\n".join(parts))


if __name__ == "__main__":
    main()
