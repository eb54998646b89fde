"""What the SRAM fidelity analyses share (`sram_residuals.py`, `sram_latency_residuals.py`):
the paper framework's CiMLoop table of SRAM designs, its workloads and free parameters, and
`imcdse eval --json` over its designs with a release build."""

import json
import subprocess
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "target" / "release" / "imcdse"
CSV = ROOT / "search-spaces" / "reference" / "cimloop-paper" / "sram-all.csv"
SPACE = ROOT / "search-spaces" / "paper-sram.toml"
WORKLOADS = ["vgg16", "resnet18", "alexnet", "mobilenetv3-large"]
# The space's free parameters, the columns a design is set by.
PARAMS = list(tomllib.loads(SPACE.read_text())["params"])


def eval_json(rows, args, extra=""):
    """`imcdse eval <args> --set <design>[,extra] --json` for every row, parsed, in row order
    (two at a time)."""

    def one(r):
        s = ",".join(f"{p}={r[p]}" for p in PARAMS) + (f",{extra}" if extra else "")
        out = subprocess.run(
            [str(BIN), "eval", *args, "--set", s, "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout)

    with ThreadPoolExecutor(2) as ex:
        return list(ex.map(one, rows))
