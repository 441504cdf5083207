#!/usr/bin/env bash
# Open the course in JupyterLab from an installed .venv (./scripts/demo.sh installs it first).
# Extra arguments go to `jupyter lab` (e.g. --no-browser --port 8899).
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
root=""; [ "$(id -u)" = 0 ] && root="--allow-root"  # containers and CI machines run as root
exec .venv/bin/jupyter lab --ServerApp.ip=127.0.0.1 $root notebooks/01_activation_maps.ipynb "$@"
