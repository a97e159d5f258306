"""Attack on issue 21: a signal while convert --jobs' workers convert (a worker held in its
image): one line, the shell's exit code, no worker left running, no staging folder left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bound_projects import write_local_project

DRIVER = """
import os, sys, time
import sly_bindings.cli.convert as convert
convert.is_small = lambda source: False
real = convert.prepared
def prepared(*args):
    print("READY", os.getpid(), flush=True)
    time.sleep(120)  # held in the worker until it is stopped
    return real(*args)
convert.prepared = prepared
from sly_bindings.cli.main import USER_ERRORS, main
from sly_bindings.cli.runner import run
sys.exit(run(lambda: main(["convert", "supervisely", {target!r}, {project!r}, {out!r},
                           "--jobs", "2"]), user_errors=USER_ERRORS))
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (not reaped) is no running process
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


@pytest.mark.parametrize("group", [False, True], ids=["the parent", "the process group"])
@pytest.mark.parametrize("signal_number, exit_code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
@pytest.mark.parametrize("target", ["coco", "labelme"])
def test_attack21_a_signal_mid_jobs_ends_with_one_line(
    tmp_path, target, signal_number, exit_code, group
):
    project = write_local_project(tmp_path / "project")
    script = tmp_path / "driver.py"
    script.write_text(
        textwrap.dedent(DRIVER).format(
            target=target, project=str(project), out=str(tmp_path / "out" / "x")
        )
    )
    process = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    worker = None
    for line in process.stdout:
        if line.startswith("READY"):
            worker = int(line.split()[1])
            break
    assert worker is not None, process.communicate()

    if group:
        os.killpg(process.pid, signal_number)  # Ctrl+C in a terminal: the whole group
    else:
        process.send_signal(signal_number)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == exit_code, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("interrupted"), stderr
    assert not alive(worker)
    assert (
        sorted(p.name for p in (tmp_path / "out").iterdir()) == []
        if (tmp_path / "out").exists()
        else True
    )
