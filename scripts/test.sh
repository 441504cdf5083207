#!/usr/bin/env bash
# One command: install what the tests need (Python deps, Debian's chromium, the pinned
# esbuild) and run every test. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium_from_debian() {
  if [ ! -x /usr/bin/chromium ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q chromium >/dev/null 2>&1 \
      || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q chromium >/dev/null; }
  fi
}

# The installs are independent, so they run side by side (each waits on the network and
# the disk more than on a core): the test venv; the NDIF stack for tests/remote (its own
# venv, and redis-server) followed by chromium (both from apt: one dpkg at a time); npm.
logs="$(mktemp -d)"
started=$SECONDS
./scripts/setup-env.sh test >"$logs/venv.log" 2>&1 & venv=$!
{ ./scripts/ndif/install.sh && chromium_from_debian; } >"$logs/ndif+chromium.log" 2>&1 & ndif=$!
{ if command -v npm >/dev/null && [ ! -d node_modules ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi; } >"$logs/npm.log" 2>&1 & npm=$!
failed=0
for job in venv:$venv ndif+chromium:$ndif npm:$npm; do
  if ! wait "${job#*:}"; then
    echo "install step '${job%%:*}' failed:" >&2
    cat "$logs/${job%%:*}.log" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1
cat "$logs"/*.log
echo "installs: $((SECONDS - started)) s"

.venv/bin/ruff check iwm_widgets iwm_widgets_server tests benchmarks tools
.venv/bin/ruff format --check iwm_widgets iwm_widgets_server tests benchmarks tools
.venv/bin/mypy iwm_widgets iwm_widgets_server
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# pytest exits non-zero when a test fails and when no test was collected (exit code 5)
# the 25 slowest tests in the log: what to trim when the suite outgrows its time budget
exec .venv/bin/python -m pytest --durations=25 "$@"
