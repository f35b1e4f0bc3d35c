#!/usr/bin/env bash
# The README's test command: installs what the tests need (Debian packages, then the package with
# its test extras into the .venv the first command made, or a new one), then runs lint and the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system.sh
. scripts/venv.sh
python -m pip install -q -e '.[test]'
python -m ruff check .
# Two workers (the CI machine's two cores), each test file on one worker so its module fixtures are
# built once; measured in the README's maintainer section.
python -m pytest -n 2 --dist loadfile "$@"
