#!/usr/bin/env bash
# Creates .venv next to this script and installs the pinned requirements into it.
# Safe to run again: an existing .venv is reused and brought back to requirements.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "create_venv.sh: needs Python 3.11 or newer as '$python'; set PYTHON=/path/to/python3.11" >&2
    exit 2
fi

if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
# The toolkit itself, editable: `.venv/bin/sly-bindings` and `import sly_bindings` use src/ as it is.
# --no-deps: requirements.txt above has pinned every dependency already.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .

# A smoke import catches a broken install here, not in the middle of the tutorial.
.venv/bin/python -c 'import cv2, numpy, supervisely as sly, dotenv, sly_bindings, bindings; print("supervisely", sly.__version__, "ready in .venv")'
