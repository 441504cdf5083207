#!/usr/bin/env bash
# Create .venv and install iwm_widgets with the given extra ("lab" or "test").
# torch is pinned first: on these machines torch==2.13.0 is a CPU wheel on disk,
# while an unpinned torch would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-lab}"
py="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$py" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "torch==${IWM_TORCH_VERSION:-2.13.0}"
.venv/bin/python -m pip install -q -e ".[${extra}]"
