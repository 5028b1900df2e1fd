#!/usr/bin/env bash
# Install value-zoo and its test tools into a project-local virtualenv (.venv, or $VENV), once.
#
# Run it again and it installs nothing: it compares a fingerprint of pyproject.toml and this script with the
# one stored at the last install, and says so in one line. torch goes in first, before anything that depends
# on it, so that pip does not pick a torch build by itself. Which build `pip install torch==2.13.0` gives
# depends on where pip looks: where a CPU wheel is at hand (as on the project's machines) it takes that; on a
# plain Linux machine with only PyPI it takes the CUDA build (several GB). For the CPU build there, run
#   TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu bash install.sh
# The last line says which build was installed.
set -euo pipefail
cd "$(dirname "$0")"
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
TORCH="${TORCH:-torch==2.13.0}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
STAMP="$VENV/.value-zoo-installed"
WANT="$(cat pyproject.toml install.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  echo "value-zoo: $VENV is up to date, nothing to install"
  exit 0
fi
PIP=("$PY" -m pip install --disable-pip-version-check --quiet)
if ! "$PY" -c "import torch" 2>/dev/null; then
  if [ -n "${TORCH_INDEX_URL:-}" ]; then
    "${PIP[@]}" "$TORCH" --index-url "$TORCH_INDEX_URL"
  else
    "${PIP[@]}" "$TORCH"
  fi
fi
"${PIP[@]}" -e ".[test]"
echo "$WANT" > "$STAMP"
"$PY" - <<'PY'
import sys, torch
build = "CPU build" if torch.version.cuda is None else f"CUDA {torch.version.cuda} build"
print(f"value-zoo: installed into {sys.prefix} with torch {torch.__version__} ({build})")
PY
