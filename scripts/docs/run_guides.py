#!/usr/bin/env python3
"""Runs every command of the guides (docs/*.md and README.md), so that they cannot rot.

Each fenced block tagged `sh` is a list of shell commands and each block tagged `python` a
Python script; other blocks (`toml`, `text`, `json`) are not commands. A guide's blocks run in
order, in one scratch folder per guide that holds copies of `search-spaces/`, `workloads/`,
`scripts/` and `results/reference/` and links to `crates/` and `target/`, so commands find what a
checkout has and write their results where nothing committed is touched. In the commands,
`cargo run --release -p imcdse --` is the release binary already built (`--imcdse`), and
`cargo build --release -p imcdse` does nothing more; `python3` and `python` are the
interpreter given with `--python` (an environment with the package installed).

A block that is not run says why, in an HTML comment on the line before it:
- `<!-- not run: REASON -->`: too slow for CI, or needs what CI does not have; REASON says
  which (the report lists every such block with its reason);
- `<!-- run by: FILE -->`: a test script runs these very commands; each non-comment line of
  the block must appear in FILE (after joining continuation lines and squeezing spaces), or the
  check fails;
- `<!-- file: FILE -->`: the block shows (part of) a file of the checkout, which the commands
  after it run; the block must appear in FILE as it is, or the check fails.
A guide whose commands need the Python package says `<!-- guide needs: python -->`; with
`--no-python` (no environment) it is skipped whole, and so are Python blocks elsewhere.

Usage: scripts/docs/run_guides.py --imcdse target/release/imcdse (--python PYTHON | --no-python) [GUIDE.md ...]
Exits 1 if a block fails (its output is printed) or a `run by` claim does not hold.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\w*)\s*$")
MARK = re.compile(r"^<!--\s*(not run|run by|file):\s*(.*?)\s*-->\s*$")
COMMANDS = ("sh", "python")


@dataclass
class Block:
    guide: Path
    line: int
    lang: str
    text: str
    mark: tuple[str, str] | None


def blocks(guide: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file, each with the mark on the line before it."""
    found, lines = [], guide.read_text().split("\n")
    k = 0
    while k < len(lines):
        m = FENCE.match(lines[k])
        if not m:
            k += 1
            continue
        start, lang = k, m.group(1)
        k += 1
        while k < len(lines) and not lines[k].startswith("```"):
            k += 1
        above = lines[start - 1] if start > 0 else ""
        mark = MARK.match(above)
        text = "\n".join(lines[start + 1 : k]) + "\n"
        found.append(Block(guide, start + 1, lang, text, (mark.group(1), mark.group(2)) if mark else None))
        k += 1
    return found


def logical_lines(text: str) -> list[str]:
    """Commands of a shell block: continuation lines joined, comments and blanks dropped,
    runs of spaces squeezed."""
    joined = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in joined.split("\n"):
        line = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else ""
        line = re.sub(r"\s+", " ", line).strip()
        if line:
            out.append(line)
    return out


def check_run_by(block: Block, target: str) -> str | None:
    """None if every command of the block appears in `target`, else what is missing."""
    path = ROOT / target
    if not path.is_file():
        return f"`run by: {target}`: no such file"
    script = re.sub(r"\s+", " ", re.sub(r"\\\n\s*", " ", path.read_text()))
    missing = [c for c in logical_lines(block.text) if c not in script]
    if missing:
        return f"`run by: {target}`: not found there: " + "; ".join(missing)
    return None


def check_file(block: Block, target: str) -> str | None:
    """None if the block is a verbatim part of `target`, else what is wrong."""
    path = ROOT / target
    if not path.is_file():
        return f"`file: {target}`: no such file"
    if block.text not in path.read_text():
        return f"`file: {target}`: the block differs from the file"
    return None


def scratch(guide: Path) -> Path:
    """A folder with what a checkout has, for one guide's commands to run and write in."""
    folder = Path(tempfile.mkdtemp(prefix=f"guide-{guide.stem}-"))
    for name in ("search-spaces", "workloads", "scripts"):
        shutil.copytree(ROOT / name, folder / name)
    shutil.copytree(ROOT / "results" / "reference", folder / "results" / "reference")
    (folder / "crates").symlink_to(ROOT / "crates")
    (folder / "target").symlink_to(ROOT / "target")
    return folder


def shims(folder: Path, imcdse: Path, python: Path) -> Path:
    """A bin/ folder first on PATH: `cargo` as the built binary, `python3`/`python` as the
    given interpreter."""
    bin_dir = folder / ".bin"
    bin_dir.mkdir()
    cargo = bin_dir / "cargo"
    cargo.write_text(
        "#!/usr/bin/env bash\n"
        "# The guides' cargo commands, on the release binary the test built once.\n"
        'if [[ "$*" == "run --release -p imcdse --"* ]]; then shift 5; exec '
        f'"{imcdse}" "$@"; fi\n'
        'if [[ "$*" == "build --release -p imcdse" ]]; then exit 0; fi\n'
        'echo "guide test: cargo $* is not one the guides may run; mark the block" >&2; exit 2\n'
    )
    cargo.chmod(0o755)
    for name in ("python3", "python"):
        # A script, not a link: a virtual environment's python knows it is one only when it is
        # run from the environment's own bin/ folder.
        shim = bin_dir / name
        shim.write_text(f'#!/bin/sh\nexec "{python}" "$@"\n')
        shim.chmod(0o755)
    return bin_dir


def run_block(block: Block, folder: Path, env: dict[str, str], timeout: float) -> tuple[bool, str, float]:
    start = time.monotonic()
    if block.lang == "sh":
        cmd = ["bash", "-euo", "pipefail", "-c", block.text]
    else:
        script = folder / f".block-{block.line}.py"
        script.write_text(block.text)
        cmd = [env["GUIDE_PYTHON"], str(script)]
    try:
        p = subprocess.run(
            cmd, cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
        )
        ok, out = p.returncode == 0, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        ok, out = False, f"timed out after {timeout:.0f} s\n{e.stdout or ''}{e.stderr or ''}"
    return ok, out, time.monotonic() - start


def run_guide(guide: Path, args: argparse.Namespace) -> list[str]:
    """Runs a guide's blocks; the failures, each with its output."""
    failures = []
    todo = [b for b in blocks(guide) if b.lang in COMMANDS]
    if not todo:
        return failures
    if args.no_python and "<!-- guide needs: python -->" in guide.read_text():
        print(f"  not run: the guide needs the Python package (--no-python)")
        return failures
    folder = scratch(guide)
    python = Path(sys.executable) if args.no_python else args.python.absolute()
    bin_dir = shims(folder, args.imcdse.resolve(), python)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", GUIDE_PYTHON=str(python))
    rel = guide.relative_to(ROOT)
    for b in todo:
        where = f"{rel}:{b.line}"
        if b.mark and b.mark[0] == "not run":
            print(f"  {where}: not run: {b.mark[1]}")
            continue
        if args.no_python and b.lang == "python" and not b.mark:
            print(f"  {where}: not run: --no-python")
            continue
        if b.mark and b.mark[0] in ("run by", "file"):
            check = check_run_by if b.mark[0] == "run by" else check_file
            problem = check(b, b.mark[1])
            print(f"  {where}: {b.mark[0]} {b.mark[1]}" + (f": FAIL {problem}" if problem else ""))
            if problem:
                failures.append(f"{where}: {problem}")
            continue
        ok, out, seconds = run_block(b, folder, env, args.timeout)
        print(f"  {where}: {b.lang}, {'ok' if ok else 'FAILED'} in {seconds:.1f} s")
        if not ok:
            failures.append(f"{where} ({b.lang}) failed:\n{b.text}--- output (last 60 lines):\n" + "\n".join(out.splitlines()[-60:]))
    if not failures and not args.keep:
        shutil.rmtree(folder)
    return failures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--imcdse", type=Path, required=True, help="the release binary")
    py = ap.add_mutually_exclusive_group(required=True)
    py.add_argument("--python", type=Path, help="a Python with the imcdse package")
    py.add_argument("--no-python", action="store_true", help="skip Python blocks (no environment)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per block (600)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folders")
    ap.add_argument("guides", nargs="*", type=Path)
    args = ap.parse_args()
    guides = [g.resolve() for g in args.guides] or [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    failures = []
    for g in guides:
        print(f"{g.relative_to(ROOT)}:")
        failures += run_guide(g, args)
    for f in failures:
        print(f"\n{f}", file=sys.stderr)
    print(f"guides: {len(guides)} checked, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
