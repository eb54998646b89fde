#!/usr/bin/env python3
"""Regenerates results/reference/onnx-import.md: the torchvision models of
crates/imc-zoo/tests/onnx/torchvision/ (exported without weights) and DenseNet-201 imported
beside the zoo's own definitions (weights, static and dynamic MACs, layers on crossbars; the
tests assert that they are equal) and the time each import takes as `imcdse workloads import`
reports it (median of 5 runs; measured, never asserted).

    python3 scripts/reference/onnx_import.py [--imcdse target/release/imcdse] [--out FILE]
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODELS = [  # (ONNX file under crates/imc-zoo/tests/onnx, the zoo's workload)
    ("torchvision/resnet18.onnx", "resnet18"),
    ("torchvision/vgg16.onnx", "vgg16"),
    ("torchvision/alexnet.onnx", "alexnet"),
    ("torchvision/mobilenet_v3_large.onnx", "mobilenetv3-large"),
    ("torchvision/vit_b_16.onnx", "vit-b16"),
    ("densenet201.onnx", "densenet201"),
]
FIELDS = ["weights", "static_macs", "dynamic_macs", "weight_layers"]


def describe(cli: str, item: str) -> dict:
    out = subprocess.run([cli, "workloads", item, "--json"], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)[0]


def import_ms(cli: str, path: str) -> float:
    out = subprocess.run([cli, "workloads", "import", path], cwd=ROOT, check=True, capture_output=True, text=True)
    return float(re.search(r"imported in ([0-9.]+) ms", out.stderr).group(1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--imcdse", default=str(ROOT / "target/release/imcdse"))
    ap.add_argument("--out", type=Path, default=ROOT / "results/reference/onnx-import.md")
    args = ap.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    lines = [
        "# ONNX import: the torchvision exports beside the zoo",
        "",
        f"Made by `scripts/reference/onnx_import.py` on {datetime.now(timezone.utc):%Y-%m-%d}, commit {commit}.",
        "Each cell is imported / zoo; `crates/imc-zoo/tests/onnx_import.rs` asserts that they are equal, layer by",
        "layer. The import time is what `imcdse workloads import` reports, median of 5 runs on this machine.",
        "",
        "| model | weights | static MACs | dynamic MACs | layers with weights | import |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for rel, zoo_name in MODELS:
        path = f"crates/imc-zoo/tests/onnx/{rel}"
        ours, zoo = describe(args.imcdse, path), describe(args.imcdse, zoo_name)
        cells = [f"{ours[f]:,} / {zoo[f]:,}" for f in FIELDS]
        ms = statistics.median(import_ms(args.imcdse, path) for _ in range(5))
        lines.append(f"| {Path(rel).stem} | " + " | ".join(cells) + f" | {ms:.1f} ms |")
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
