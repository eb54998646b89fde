"""Shared fixtures: the repository root and the CLI binary the results are checked against
(`IMCDSE_BIN`, default target/release/imcdse, which scripts/python/ci-test.sh builds)."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cli() -> str:
    path = os.environ.get("IMCDSE_BIN", str(ROOT / "target" / "release" / "imcdse"))
    if not Path(path).exists():
        raise FileNotFoundError(f"{path}: build the CLI first (cargo build --release -p imcdse) or set IMCDSE_BIN")
    return path


def run_cli(cli: str, *args: str) -> str:
    """The CLI's standard output (from the repository root); a failure is an error."""
    done = subprocess.run([cli, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"imcdse {' '.join(args)} failed: {done.stderr}")
    return done.stdout
