#!/usr/bin/env bash
# Creates .venv next to this script and installs the pinned requirements into it, saying what it
# is doing at each step (pip's own lines show each package as it comes).
# Safe to run again: an existing .venv is reused and brought back to requirements.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

step() { echo "create_venv.sh: [$1/4] $2"; }

python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "create_venv.sh: needs Python 3.11 or newer as '$python'; set PYTHON=/path/to/python3.11" >&2
    exit 2
fi

if [ ! -x .venv/bin/python ]; then
    step 1 "creating .venv with $("$python" --version 2>&1) ($python)"
    "$python" -m venv .venv
else
    step 1 "reusing .venv ($(.venv/bin/python --version 2>&1)); bringing it back to requirements.txt"
fi

packages=$(grep -cE '^[A-Za-z0-9]' requirements.txt || true)
step 2 "installing the $packages pinned packages of requirements.txt (a few minutes the first time)"
.venv/bin/python -m pip install --disable-pip-version-check -r requirements.txt

# The toolkit itself, editable: `.venv/bin/sly-bindings` and `import sly_bindings` use src/ as it is.
# --no-deps: requirements.txt above has pinned every dependency already.
step 3 "installing this project, editable (.venv/bin/sly-bindings runs src/ as it is)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .

# A smoke import catches a broken install here, not in the middle of the tutorial.
step 4 "checking that the SDK and the project import"
.venv/bin/python -c 'import cv2, numpy, supervisely as sly, dotenv, sly_bindings, bindings; print("supervisely", sly.__version__, "ready in .venv")'
