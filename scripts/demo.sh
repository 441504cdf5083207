#!/usr/bin/env bash
# One command: install everything into .venv and open the demo notebook in JupyterLab.
# Extra arguments go to `jupyter lab` (scripts/lab.sh, which skips the install).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-env.sh lab
exec ./scripts/lab.sh "$@"
