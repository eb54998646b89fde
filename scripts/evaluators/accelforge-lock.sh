#!/usr/bin/env bash
# Regenerates scripts/evaluators/accelforge.lock, every package of the AccelForge environment
# pinned to one version: pip resolves accelforge-requirements.txt once here, so that
# accelforge-env.sh installs the lock with --no-deps and never runs the resolver. Run it after
# changing accelforge-requirements.txt.
#
#   scripts/evaluators/accelforge-lock.sh [PYTHON]   (default: accelforge-env.sh's Python 3.12)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${1:-$("$here/accelforge-env.sh" --python)}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$python" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check --dry-run --ignore-installed \
    --report "$tmp/report.json" -r "$here/accelforge-requirements.txt"
"$tmp/venv/bin/python" - "$tmp/report.json" "$here/accelforge.lock" "$("$python" --version)" <<'PY'
import json, sys
report, out, version = sys.argv[1], sys.argv[2], sys.argv[3]
pins = sorted((i["metadata"]["name"].lower(), i["metadata"]["version"]) for i in json.load(open(report))["install"])
with open(out, "w") as f:
    f.write("# Every package of the AccelForge environment, pinned: made by accelforge-lock.sh from\n")
    f.write(f"# accelforge-requirements.txt on {version}; installed with --no-deps, so no resolver runs.\n")
    f.writelines(f"{name}=={version}\n" for name, version in pins)
print(f"wrote {out}: {len(pins)} packages")
PY
