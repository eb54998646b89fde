#!/usr/bin/env bash
# Installs Debian's slurm-wlm and munge if they are missing (apt-get; needs root or passwordless
# sudo). scripts/test.sh runs it in the background while the workspace builds;
# scripts/slurm/ci-test.sh runs it too (it does nothing when they are there).
set -euo pipefail
sudo=""
if [[ $(id -u) -ne 0 ]]; then
    if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
        echo "slurm install: needs root (or passwordless sudo) to install slurm-wlm and munge; IMCDSE_SKIP_SLURM=1 skips the Slurm test" >&2
        exit 1
    fi
fi
if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null \
    && command -v munged >/dev/null; then
    echo "slurm install: slurm-wlm and munge are installed"
    exit 0
fi
echo "slurm install: installing slurm-wlm and munge"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q slurm-wlm munge >/dev/null \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q slurm-wlm munge >/dev/null; }
echo "slurm install: done"
