"""The commands a user runs, as the tests run them: src/main.py and ``sly-bindings``.

``sly-bindings`` is the console script that create_venv.sh installs; the tests run the same
entry point as ``python -m sly_bindings`` so that they need no PATH.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
MAIN = REPO_DIR / "src" / "main.py"
SLY_BINDINGS = [sys.executable, "-m", "sly_bindings"]


def checkout_copy(folder: Path) -> Path:
    """A copy of what src/main.py reads from the checkout (src/, images/, local.env) in
    ``folder``: run ``folder/src/main.py`` and its default output/ lands in ``folder``, not in
    the checkout."""
    shutil.copytree(REPO_DIR / "src", folder / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    shutil.copytree(REPO_DIR / "images", folder / "images")
    shutil.copy(REPO_DIR / "local.env", folder / "local.env")
    return folder


def convert_in_process(*args: object) -> int:
    """What ``sly-bindings convert ARGS`` does, run in this process (its output goes to pytest's
    capture); returns the exit code, argparse's own errors included."""
    from sly_bindings.cli.main import USER_ERRORS, main
    from sly_bindings.cli.runner import run

    try:
        return run(lambda: main(["convert", *map(str, args)]), USER_ERRORS)
    except SystemExit as exit:  # argparse's own errors
        return int(exit.code or 0)


def sly_bindings_in_process(*args: object) -> int:
    """What ``sly-bindings ARGS`` does (any command), run in this process as the console script
    runs it (``entry_point``'s ``main_for_users``: an error of a command's own types is one line,
    exit 2); its output goes to pytest's capture. Returns the exit code, argparse's own errors
    included."""
    from sly_bindings.cli.main import main_for_users
    from sly_bindings.cli.runner import run

    try:
        return run(lambda: main_for_users([str(arg) for arg in args]))
    except SystemExit as exit:  # argparse's own errors, and Ctrl+C while the SDK loads
        return int(exit.code or 0)


def folder_bytes(folder: Path) -> dict:
    """Every file under ``folder``, by its path relative to it, with its bytes (sorted)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
