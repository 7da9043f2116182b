#!/usr/bin/env bash
# One command on a fresh machine: set up, build the index of the built-in corpus if there is
# none, and serve the chat page and API on http://127.0.0.1:8000 (Ctrl+C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/cppcc-qa serve "$@"
