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
# pip reuses a cached wheel whatever CMAKE_ARGS says, so a llama.cpp built natively once (here or
# on another machine sharing the cache) keeps coming back. Try it: a build that does not run on
# this CPU is killed by a signal (status 128+n); drop it from the cache and build it again.
set +e
.venv/bin/python -m devtools.local_llama --self-test
llama_status=$?
set -e
if [ "$llama_status" -ge 128 ]; then
  llama_version="$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("llama-cpp-python"))')"
  echo "llama.cpp crashed on this CPU (status $llama_status): rebuilding llama-cpp-python $llama_version with CMAKE_ARGS=$CMAKE_ARGS (several minutes)"
  .venv/bin/python -m pip cache remove llama_cpp_python >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q --force-reinstall --no-deps "llama-cpp-python==$llama_version"
  .venv/bin/python -m devtools.local_llama --self-test
fi
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
