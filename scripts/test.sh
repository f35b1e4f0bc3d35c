#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs lint and the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system.sh
python3 -m pip install -q -e '.[test]'
python3 -m ruff check .
python3 -m pytest "$@"
