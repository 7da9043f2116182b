#!/usr/bin/env bash
# One command on a fresh machine: set up (with Chromium for the browser tests), check the code
# (ruff: lint and import order; mypy: types) and run every test, the real default embedder and
# the browser included. Extra arguments go to pytest; the fast tier is
#   bash scripts/test.sh -m "not model and not browser and not slow"
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-browser
.venv/bin/ruff check src tests
.venv/bin/mypy
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
