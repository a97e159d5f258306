"""The commands a user runs, as the tests run them: src/main.py and ``sly-bindings``.

``sly-bindings`` is the console script that create_venv.sh installs; the tests run the same
entry point as ``python -m sly_bindings`` so that they need no PATH.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

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


def main_in_process(*args: object) -> int:
    """What ``python src/main.py ARGS`` does, run in this process as the script runs it
    (``run_tutorial``: a failure is one line, exit 2); its output goes to pytest's capture. The
    environment and the working folder are the test's (``monkeypatch.setenv``, ``.chdir``).
    Returns the exit code, argparse's own errors included."""
    import main as tutorial

    saved = sys.argv
    sys.argv = [str(MAIN), *map(str, args)]  # argparse names the program main.py, as the script
    try:
        return tutorial.run_tutorial()
    except SystemExit as exit:  # argparse's own errors
        return int(exit.code or 0)
    finally:
        sys.argv = saved


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


def sly_bindings_captured(*args: object, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    """:func:`sly_bindings_in_process` in the folder ``cwd`` (None: where the test is), its
    stdout and stderr kept apart, as a ``subprocess.CompletedProcess`` (``args`` the command a
    user types): for a test that runs several commands, or a fixture, where pytest's per-test
    capture is not there."""
    return captured(sly_bindings_in_process, ["sly-bindings", *map(str, args)], cwd)


def main_captured(*args: object, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    """:func:`main_in_process` as :func:`sly_bindings_captured` runs ``sly-bindings``."""
    return captured(main_in_process, [str(MAIN), *map(str, args)], cwd)


def captured(command, argv: list, cwd: Optional[Path]) -> subprocess.CompletedProcess:
    """``command(*argv[1:])`` run in ``cwd`` with its stdout and stderr kept apart."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        stack.enter_context(contextlib.redirect_stdout(stdout))
        stack.enter_context(contextlib.redirect_stderr(stderr))
        code = command(*argv[1:])
    return subprocess.CompletedProcess(argv, code, stdout.getvalue(), stderr.getvalue())
