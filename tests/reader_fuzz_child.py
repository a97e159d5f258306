"""Run ``sly-bindings convert`` on many hostile inputs in one process, as a child of a test.

    python tests/reader_fuzz_child.py CASES.json RESULTS.json

CASES.json is a list of ``{"from": FORMAT, "to": FORMAT, "files": {relative path: base64}}``
(optionally ``"links": {relative path: target}``, ``"fifos": [relative path]``, ``"argv"``, another
command's arguments with ``{IN}`` and ``{OUT}``, and ``"stdout_closed"``);
each case's files are written to a fresh folder IN, converted to OUT, and the exit code and the
stderr lines are written to RESULTS.json, one entry per case. The parent limits this process's
memory and time, so a reader that allocates without bound or hangs fails the test.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def run_case(case: dict, folder: Path) -> dict:
    from sly_bindings.cli.main import USER_ERRORS, main  # imported once, by the first case
    from sly_bindings.cli.runner import run

    source, target = folder / "in", folder / "out"
    for relative, data in case["files"].items():
        path = source / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
    for relative, link_target in case.get("links", {}).items():  # e.g. a link to /proc/kmsg
        path = source / relative
        path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)  # a folder whose files all moved out
        path.symlink_to(link_target)
    for relative in case.get("fifos", []):  # a FIFO where a file is expected: opening it waits
        path = source / relative
        path.unlink(missing_ok=True)
        os.mkfifo(path)
    # Another command than convert: its arguments, IN and OUT as "{IN}" and "{OUT}".
    argv = case.get("argv") or ["convert", case["from"], case["to"], "{IN}", "{OUT}"]
    argv = [arg.replace("{IN}", str(source)).replace("{OUT}", str(target)) for arg in argv]
    stderr, stdout = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    # "stdout_closed": as a shell's >&- leaves it (Python's sys.stdout is None).
    shown = None if case.get("stdout_closed") else stdout
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(shown):
        try:
            code = run(lambda: main(argv), USER_ERRORS)
        except SystemExit as exit:  # argparse
            code = exit.code
    return {
        "code": code,
        # Staging folders a failed run left beside OUT (the promise: none).
        "leftovers": [path.name for path in folder.iterdir() if ".partial-" in path.name],
        "stderr": stderr.getvalue().splitlines(),
        "stdout": stdout.getvalue().split("\n"),
        "printable": all(  # every line printable (stderr's splitlines would split at CR, NEL)
            line.isprintable() for text in (stdout, stderr) for line in text.getvalue().split("\n")
        ),
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": peak_rss_mb(),
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (VmHWM), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    cases = json.loads(Path(sys.argv[1]).read_text())
    results = []
    for case in cases:
        folder = Path(tempfile.mkdtemp())
        try:
            results.append(run_case(case, folder))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    Path(sys.argv[2]).write_text(json.dumps(results))


if __name__ == "__main__":
    main()
