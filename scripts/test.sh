#!/usr/bin/env bash
# The whole test suite from a fresh clone: set up .venv, lint, type-check, run every test,
# and check the offline evals against the committed baseline. `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# local-llm compiles llama.cpp the first time (about five minutes on two cores); pip caches the wheel.
# Built for AVX2, not for this CPU's every feature: llama.cpp's native build enables AMX on Xeons
# that have it, and in a container that may not grant AMX state, every prompt of more than one
# token crashes the server (seen with llama-cpp-python 0.3.36). Set CMAKE_ARGS to override.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
.venv/bin/python -m pip install -q -e ".[dev,local-llm]"
# The operations tests run Redis as docker-compose.yml does: Debian's redis-server.
if ! command -v redis-server >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q redis-server >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q redis-server >/dev/null 2>&1; } \
    || echo "warning: could not install redis-server; the tests that need it will skip"
fi

# The evidence viewer's browser tests drive Debian's chromium with Playwright (no browser download).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } \
    || echo "warning: could not install chromium; the browser tests will skip"
fi

# WordNet 3.0's files let a test rebuild the shipped WordNet table and compare (Debian's
# wordnet-base; the service itself never needs them: the table ships in service/text/).
if [ ! -f /usr/share/wordnet/data.noun ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get install -y -q wordnet-base >/dev/null 2>&1 || echo "(wordnet-base not installed: its test skips)"
fi

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== import contracts (one-way data flow)"
.venv/bin/lint-imports
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest
if [ -f .ci/evals ]; then
  echo "== evals regression check"
  bash .ci/evals
fi
