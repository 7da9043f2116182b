#!/usr/bin/env bash
# Sets up everything the project needs, from its own files: a virtualenv with the CPU build of
# PyTorch (installed first, so nothing pulls a CUDA build) and the package with its extras.
# Idempotent: a second run only checks. Usage: bash scripts/setup.sh [--with-browser]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))'; then
  echo "error: Python 3.11 or newer is needed (found $("$PYTHON" --version 2>&1)); set PYTHON=..." >&2
  exit 2
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)
"${PIP[@]}" install --upgrade pip >/dev/null
.venv/bin/python -c 'import torch' 2>/dev/null || "${PIP[@]}" install "torch==2.13.0"
"${PIP[@]}" install -e ".[dev]"

if [ "${1:-}" = "--with-browser" ]; then
  # Headless Chromium from Debian for the browser tests, plus CJK and emoji fonts so that
  # screenshots show Chinese text. Never a browser download step. And Debian's PostgreSQL, whose
  # initdb/pg_ctl the feedback tests run a throwaway server with (tests/pg.py).
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
  fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk" || missing+=(fonts-wqy-microhei)
  fc-list 2>/dev/null | grep -qi "color emoji" || missing+=(fonts-noto-color-emoji)
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
