#!/usr/bin/env bash
# One command: install everything into .venv and open the demo notebook in JupyterLab.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-env.sh lab
export HF_HUB_OFFLINE=1
root=""; [ "$(id -u)" = 0 ] && root="--allow-root"  # containers and CI machines run as root
exec .venv/bin/jupyter lab --ServerApp.ip=127.0.0.1 $root notebooks/01_activation_maps.ipynb "$@"
