#!/usr/bin/env bash
# Install value-zoo and its test tools into the current Python environment.
# torch goes first, pinned to the CPU build: a bare "torch" requirement on a machine without it would
# pull a multi-GB CUDA build. With a GPU, install the CUDA build of torch yourself before running this.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c "import torch" 2>/dev/null; then
  "$PYTHON" -m pip install --disable-pip-version-check "torch==2.13.0"
fi
"$PYTHON" -m pip install --disable-pip-version-check -e ".[test]"
# Under pyenv, a new console script (`zoo`) is on PATH only after a rehash.
if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
