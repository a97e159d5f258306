"""create_venv.sh says what it is doing at each step, and runs again safely.

The script runs for real (bash), in a folder of its own, with a stand-in ``python`` that notes
each call and does only what the script needs of it (``-m venv`` makes ``.venv/bin/python``):
no package is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]

STAND_IN = """#!/usr/bin/env bash
echo "$0 $*" >> "$CALLS"
case "$1" in
    --version) echo "Python 3.11.9" ;;
    -m) if [ "$2" = venv ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; fi ;;
    -c) case "$2" in *ready*) echo "supervisely 6.74.51 ready in .venv" ;; esac ;;
esac
"""


def run_script(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(folder / "create_venv.sh")],
        env={**os.environ, "PYTHON": str(folder / "python3"), "CALLS": str(folder / "calls")},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_each_step_is_said_and_a_second_run_reuses_the_venv(tmp_path):
    shutil.copy(REPO_DIR / "create_venv.sh", tmp_path)
    shutil.copy(REPO_DIR / "requirements.txt", tmp_path)
    (tmp_path / "python3").write_text(STAND_IN)
    (tmp_path / "python3").chmod(0o755)

    first = run_script(tmp_path)
    assert first.returncode == 0, first.stderr
    steps = [line for line in first.stdout.splitlines() if line.startswith("create_venv.sh: [")]
    assert [line[: len("create_venv.sh: [1/4] creating")] for line in steps[:1]] == [
        "create_venv.sh: [1/4] creating"
    ]
    assert [line.split("]")[0] for line in steps] == [f"create_venv.sh: [{n}/4" for n in "1234"]
    assert first.stdout.splitlines()[-1] == "supervisely 6.74.51 ready in .venv"
    # pip shows its own progress for the requirements (no --quiet there).
    (requirements_install,) = [
        call for call in (tmp_path / "calls").read_text().splitlines() if "-r requirements" in call
    ]
    assert "--quiet" not in requirements_install

    second = run_script(tmp_path)
    assert second.returncode == 0, second.stderr
    assert "create_venv.sh: [1/4] reusing .venv" in second.stdout
    calls = (tmp_path / "calls").read_text().splitlines()
    assert sum(" -m venv " in call for call in calls) == 1  # made once, then reused
    assert sum("-r requirements.txt" in call for call in calls) == 2  # pins applied each time
