#!/usr/bin/env python3
"""The house's shape rules, checked (run by scripts/test.sh; Python 3.9+, standard library only).

1. No function outside test code is longer than 80 lines, counted from the line of its `fn`
   to the line of its closing brace (comments and blank lines count: a reader scrolls them).
   Test code is `#[cfg(test)]` modules and the files under a crate's `tests/`.
2. No file of the binary's commands (`crates/imcdse/src/cli/*.rs`) is longer than 150 lines:
   a command parses, calls a study and prints; the work belongs in the library.
3. No import circle between the top-level modules of a crate: module `a` names `crate::b` and
   `b` names `crate::a`, directly or through others. Shared parts go into a module below both.
4. Every `#[allow(...)]` or `#[expect(...)]` carries a plain `//` comment saying why, after it on
   its line or on the line just above (a doc comment does not count).

Usage: scripts/lint/shape.py [ROOT]   (ROOT defaults to the checkout holding this script).
Prints one line per violation, `path:line: rule: what`, and exits 1 if there is any.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

MAX_FN_LINES = 80
MAX_CLI_FILE_LINES = 150
CLI_DIR = Path("crates/imcdse/src/cli")


def blank_out(src: str) -> str:
    """The source with the insides of comments, strings and character literals replaced by
    spaces (newlines kept), so braces and names inside them are not read as code."""
    out: list[str] = []
    i, n = 0, len(src)
    raw = re.compile(r'b?r(#*)"')
    char = re.compile(r"'(?:\\.[^']{0,8}|[^\\'])'")
    while i < n:
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
        elif src.startswith("/*", i):
            depth, j = 0, i
            while j < n:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                    if depth == 0:
                        break
                else:
                    j += 1
        elif (m := raw.match(src, i)) and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            end = src.find('"' + m.group(1), m.end())
            j = n if end < 0 else end + 1 + len(m.group(1))
        elif src[i] == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            j = min(j + 1, n)
        elif src[i] == "'" and (m := char.match(src, i)):
            j = m.end()
        else:
            out.append(src[i])
            i += 1
            continue
        out.append(re.sub(r"[^\n]", " ", src[i:j]))
        i = j
    return "".join(out)


def closing_brace(code: str, open_at: int) -> int:
    """Index of the brace that closes the one at `open_at` (or the end of the text)."""
    depth = 0
    for k in range(open_at, len(code)):
        if code[k] == "{":
            depth += 1
        elif code[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return len(code) - 1


def line_of(code: str, index: int) -> int:
    return code.count("\n", 0, index) + 1


FN = re.compile(
    r"(?m)^[ \t]*(?:pub(?:\([^)]*\))?\s+)?(?:default\s+)?(?:const\s+)?(?:async\s+)?"
    r"(?:unsafe\s+)?(?:extern\s+\"[^\"]*\"\s+)?fn\s+(\w+)"
)
TEST_MOD = re.compile(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{")


def test_ranges(code: str) -> list[tuple[int, int]]:
    """Line ranges of `#[cfg(test)] mod ... { }` blocks."""
    ranges = []
    for m in TEST_MOD.finditer(code):
        end = closing_brace(code, m.end() - 1)
        ranges.append((line_of(code, m.start()), line_of(code, end)))
    return ranges


def long_functions(code: str, limit: int = MAX_FN_LINES) -> list[tuple[str, int, int]]:
    """(name, first line, length) of each function outside test modules longer than `limit`."""
    tests = test_ranges(code)
    found = []
    for m in FN.finditer(code):
        j = m.end()
        while j < len(code) and code[j] not in "{;":
            j += 1
        if j >= len(code) or code[j] == ";":
            continue  # a declaration without a body
        first, last = line_of(code, m.start()), line_of(code, closing_brace(code, j))
        if any(a <= first <= b for a, b in tests):
            continue
        if last - first + 1 > limit:
            found.append((m.group(1), first, last - first + 1))
    return found


def plain_comment(text: str) -> bool:
    """Whether `text` holds a `//` comment that is not documentation (`///`, `//!`): a doc
    comment says what an item is, not why a lint is silenced."""
    at = text.find("//")
    return at >= 0 and not text[at:].startswith(("///", "//!"))


def unexplained_allows(src: str) -> list[int]:
    """Lines of `#[allow(..)]`/`#[expect(..)]` attributes with no comment on the line or above."""
    lines = src.split("\n")
    bad = []
    for k, line in enumerate(lines):
        if re.match(r"\s*#!?\[(allow|expect)\(", line):
            above = lines[k - 1].strip() if k > 0 else ""
            if not plain_comment(line.split("]", 1)[-1]) and not plain_comment(above):
                bad.append(k + 1)
    return bad


def module_files(src_dir: Path) -> dict[str, list[Path]]:
    """Top-level modules of a crate's `src/` and the files of each (lib.rs and main.rs excluded)."""
    mods: dict[str, list[Path]] = {}
    for entry in sorted(src_dir.iterdir()):
        if entry.name in ("lib.rs", "main.rs"):
            continue
        if entry.suffix == ".rs":
            mods.setdefault(entry.stem, []).append(entry)
        elif entry.is_dir():
            mods.setdefault(entry.name, []).extend(sorted(entry.rglob("*.rs")))
    return mods


def without_tests(code: str) -> str:
    """`code` with its `#[cfg(test)]` modules blanked."""
    for m in reversed(list(TEST_MOD.finditer(code))):
        end = closing_brace(code, m.end() - 1)
        code = code[: m.start()] + re.sub(r"[^\n]", " ", code[m.start() : end + 1]) + code[end + 1 :]
    return code


def module_edges(mods: dict[str, list[Path]]) -> dict[str, dict[str, tuple[Path, int]]]:
    """For each module, the other modules it names through `crate::`, with the first place."""
    edges: dict[str, dict[str, tuple[Path, int]]] = {m: {} for m in mods}
    for name, files in mods.items():
        for path in files:
            code = without_tests(blank_out(path.read_text()))
            uses = [(m.group(1), m.start()) for m in re.finditer(r"crate::(\w+)", code)]
            for group in re.finditer(r"crate::\{([^;]*)\}", code):
                uses += [(w, group.start()) for w in re.findall(r"(?:^|[,{\s])(\w+)", group.group(1))]
            for other, at in uses:
                if other in mods and other != name and other not in edges[name]:
                    edges[name][other] = (path, line_of(code, at))
    return edges


def circles(edges: dict[str, dict[str, tuple[Path, int]]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def rust_files(root: Path) -> list[Path]:
    files = []
    for crate in sorted((root / "crates").iterdir()):
        for dirpath, dirnames, filenames in os.walk(crate):
            dirnames[:] = sorted(d for d in dirnames if d not in ("target", "tests"))
            files += [Path(dirpath) / f for f in sorted(filenames) if f.endswith(".rs")]
    return files


def check(root: Path) -> list[str]:
    problems = []
    for path in rust_files(root):
        rel = path.relative_to(root)
        src = path.read_text()
        for name, first, length in long_functions(blank_out(src)):
            problems.append(f"{rel}:{first}: function length: `{name}` is {length} lines (at most {MAX_FN_LINES})")
        for line in unexplained_allows(src):
            problems.append(f"{rel}:{line}: allow without a reason: add a comment saying why")
        if rel.parent == CLI_DIR and (n := src.count("\n")) > MAX_CLI_FILE_LINES:
            problems.append(f"{rel}:1: command file length: {n} lines (at most {MAX_CLI_FILE_LINES})")
    for src_dir in sorted((root / "crates").glob("*/src")):
        edges = module_edges(module_files(src_dir))
        for comp in circles(edges):
            steps = [
                f"{a} -> {b} ({p.relative_to(root)}:{line})"
                for a in comp
                for b, (p, line) in sorted(edges[a].items())
                if b in comp
            ]
            problems.append(f"{src_dir.relative_to(root)}: import circle between {', '.join(comp)}: " + "; ".join(steps))
    return problems


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2])
    problems = check(root)
    for p in problems:
        print(p)
    print(f"shape lint: {len(problems)} problem(s) in {len(rust_files(root))} Rust files", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
