#!/usr/bin/env python3
"""Checks that every build of the workspace resolves the same features for the crates they share
(run by scripts/test.sh; Python 3.9+, standard library, and cargo).

Cargo compiles a crate once per set of enabled features. CI builds the workspace's tests
(`cargo test --workspace`, with dev-dependencies), and maturin then builds the Python extension
(`-p imcdse-py`); a user runs the binary (`cargo run -p imcdse`) or a plain `cargo build`. Where
these graphs enable different features of a crate that polars depends on, polars and everything
above it compile again. `crates/workspace-hack` declares the union; this check fails when the
graphs drift apart again, naming each crate and the features to add there.

Usage: scripts/lint/features.py [ROOT]
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

# Each graph: a name and the `cargo tree` selection that resolves it as its build does.
GRAPHS = {
    "tests (cargo test --workspace)": ["--workspace", "-e", "normal,build,dev"],
    "Python extension (maturin, -p imcdse-py)": ["-p", "imcdse-py", "-e", "normal,build"],
    "binary (cargo run -p imcdse)": ["-p", "imcdse", "-e", "normal,build"],
    "default members (cargo build)": ["-e", "normal,build"],
}
LINE = re.compile(r"(\S+) (v\S+)(?: \(.*?\))?(?: \(\*\))? \[(.*)\]")


def features(root: Path, selection: list[str]) -> dict[tuple[str, str], set[str]]:
    """(crate, version) -> enabled features, for one graph."""
    cmd = ["cargo", "tree", "--locked", *selection, "-f", "{p} [{f}]", "--prefix", "none"]
    run = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"feature lint: `{' '.join(cmd)}` failed:\n{run.stderr}")
    out = run.stdout
    found: dict[tuple[str, str], set[str]] = {}
    for line in out.splitlines():
        m = LINE.match(line.strip())
        if m:
            found.setdefault((m.group(1), m.group(2)), set()).update(f for f in m.group(3).split(",") if f)
    return found


def differences(graphs: dict[str, dict[tuple[str, str], set[str]]]) -> list[str]:
    """For each crate that two graphs both hold with different features, what differs."""
    names = list(graphs)
    problems = []
    crates = sorted(set().union(*graphs.values()))
    for crate in crates:
        holding = {n: graphs[n][crate] for n in names if crate in graphs[n]}
        if len({frozenset(f) for f in holding.values()}) > 1:
            union = set().union(*holding.values())
            lacking = [f"{n} lacks {sorted(union - f)}" for n, f in holding.items() if f != union]
            problems.append(f"{crate[0]} {crate[1]}: " + "; ".join(lacking))
    return problems


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2])
    graphs = {name: features(root, sel) for name, sel in GRAPHS.items()}
    problems = differences(graphs)
    for p in problems:
        print(f"features differ between builds: {p}")
    if problems:
        print("add the missing features to crates/workspace-hack/Cargo.toml (a build-dependency for "
              "crates that proc-macros use), or every CI run compiles these crates twice")
    sizes = ", ".join(f"{len(g)}" for g in graphs.values())
    print(f"feature lint: {len(problems)} crate(s) with differing features across {len(graphs)} builds ({sizes} crates)",
          file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
