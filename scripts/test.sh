#!/usr/bin/env bash
# One command: install what the tests need (Python deps, Debian's chromium, the pinned
# esbuild) and run every test. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-env.sh test
./scripts/ndif/install.sh   # redis-server + .venv-ndif: a real NDIF stack on loopback for tests/remote
if [ ! -x /usr/bin/chromium ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q chromium >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q chromium >/dev/null; }
fi
if command -v npm >/dev/null && [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
.venv/bin/ruff check iwm_widgets tests benchmarks tools
.venv/bin/ruff format --check iwm_widgets tests benchmarks tools
.venv/bin/mypy iwm_widgets
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# pytest exits non-zero when a test fails and when no test was collected (exit code 5)
# the 25 slowest tests in the log: what to trim when the suite outgrows its time budget
exec .venv/bin/python -m pytest --durations=25 "$@"
