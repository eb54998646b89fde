#!/usr/bin/env bash
# Regenerates scripts/python/requirements.lock, every package the test environment holds pinned
# to one version: pip resolves requirements.txt (the direct pins: the Python package's tests and
# examples, and the ZigZag evaluator) once here, so that the test suite installs the lock with
# --no-deps and never runs the resolver. Run it after changing requirements.txt.
#
#   scripts/python/lock.sh [PYTHON]     (default python3; the Python the tests use)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${1:-python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$python" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check --dry-run --ignore-installed \
    --report "$tmp/report.json" -r "$here/requirements.txt"
"$tmp/venv/bin/python" - "$tmp/report.json" "$here/requirements.lock" "$("$python" --version)" <<'PY'
import json, sys
report, out, version = sys.argv[1], sys.argv[2], sys.argv[3]
pins = sorted((i["metadata"]["name"].lower(), i["metadata"]["version"]) for i in json.load(open(report))["install"])
with open(out, "w") as f:
    f.write("# Every package of the test environment, pinned: made by scripts/python/lock.sh from\n")
    f.write(f"# requirements.txt on {version}; installed with --no-deps, so no resolver runs in CI.\n")
    f.writelines(f"{name}=={version}\n" for name, version in pins)
print(f"wrote {out}: {len(pins)} packages")
PY
