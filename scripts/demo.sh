#!/usr/bin/env bash
# The README's first command: install xinyong into .venv and run the main job on the built-in
# default (the demo assessment). The demo project goes to a new folder beside the clone's files,
# named xinyong-演示 (then -2, -3, ... on later runs); git ignores these folders.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
python -m pip install -q .
xinyong demo
