#!/usr/bin/env bash
# Install a local NDIF server stack (for the remote tests and self-hosting on one machine):
#   - Redis from Debian (apt-get install redis-server) when redis-server is missing;
#   - a separate venv, .venv-ndif, with the NDIF server (PyPI `ndif`), Ray, and the same
#     CPU torch / nnsight / transformers as the client, so the client venv stays lean.
#
# ndif declares Python >= 3.12, but the only CPU torch wheel we may install is for 3.11
# (torch==2.13.0); on 3.12 pip would pull the multi-GB CUDA torch. ndif's code runs on
# 3.11, so it is installed with --no-deps --ignore-requires-python after its
# dependencies are installed explicitly (pinned to versions measured to work together).
#
# Idempotent: a second run with everything in place takes about a second.
# Usage: scripts/ndif/install.sh [VENV_DIR]   (default: <repo>/.venv-ndif)
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${1:-${IWM_NDIF_VENV:-$PWD/.venv-ndif}}"
PY="${IWM_NDIF_PYTHON:-}"
STAMP="$VENV/.iwm-ndif-installed-v1"

if ! command -v redis-server >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  echo "ndif install: redis-server from Debian"
  $sudo apt-get install -y -q redis-server >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q redis-server >/dev/null; }
fi

if [ -f "$STAMP" ]; then
  echo "ndif install: $VENV is ready"
  exit 0
fi

if [ -z "$PY" ]; then
  for c in python3.11 /root/.pyenv/versions/3.11*/bin/python3.11 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY="$c"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "ndif install: needs python3.11 (the CPU torch wheel is cp311)" >&2; exit 1; }

echo "ndif install: venv $VENV with $PY"
"$PY" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)
"${PIP[@]}" "torch==2.13.0"
"${PIP[@]}" \
  "nnsight==0.8.1" "transformers==5.24.0" "ray[default,client]==2.60.0" \
  pydantic redis click python-dotenv pyyaml boto3 \
  fastapi "uvicorn[standard]" gunicorn python-multipart \
  accelerate numpy zstandard requests cloudpickle
"${PIP[@]}" --no-deps --ignore-requires-python "ndif==0.1.2"
"$VENV/bin/python" -c "import ndif, ray, nnsight, torch; print('ndif install: ok, torch', torch.__version__, 'ray', ray.__version__)"
touch "$STAMP"
