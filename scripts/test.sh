#!/usr/bin/env bash
# One command on a fresh machine: set up (with Chromium for the browser tests) and run every
# test, the real default embedder and the browser included. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-browser
exec .venv/bin/python -m pytest -q "$@"
