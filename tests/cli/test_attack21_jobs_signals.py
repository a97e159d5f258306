"""Attack on issue 21: a signal while convert --jobs' workers convert (a worker held in its
image): one line, the shell's exit code, no worker left running, no staging folder left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bound_projects import write_local_project

DRIVER = """
import os, sys, time
import sly_bindings.cli.convert as convert
convert.is_small = lambda source: False
real = convert.prepared
def prepared(*args):
    # One write: both workers print to one pipe, and a print can reach it in pieces (a line
    # "READY 23792READY 23793" was read once).
    os.write(1, b"READY %d\\n" % os.getpid())
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


ORPHAN_DRIVER = """
import os, sys, time
import sly_bindings.cli.convert as convert
from sly_bindings.cli import jobs
convert.is_small = lambda source: False
jobs.QUEUE_SIZE, jobs.BATCH = 1, 1  # a worker blocks on its queue after one image
from sly_bindings.formats import registry
def write_items(self, items, out, options):
    next(iter(items))
    print("READY", flush=True)
    time.sleep(120)  # the parent takes no more: its workers wait on their queues
registry.Format.write_items = write_items
from sly_bindings.cli.main import USER_ERRORS, main
from sly_bindings.cli.runner import run
sys.exit(run(lambda: main(["convert", "supervisely", "coco", {project!r}, {out!r},
                           "--jobs", "2"]), user_errors=USER_ERRORS))
"""


def test_attack21_workers_end_when_their_parent_is_killed(tmp_path):
    from format_samples import make_sample_project

    project = make_sample_project(tmp_path / "project")  # 2 images: one per worker, and more
    for number in range(6):
        image = project / "dataset-02" / "img" / "small.png"
        (project / "dataset-02" / "img" / f"s{number}.png").write_bytes(image.read_bytes())
        ann = project / "dataset-02" / "ann" / "small.png.json"
        (project / "dataset-02" / "ann" / f"s{number}.png.json").write_bytes(ann.read_bytes())
    script = tmp_path / "driver.py"
    script.write_text(
        textwrap.dedent(ORPHAN_DRIVER).format(project=str(project), out=str(tmp_path / "out"))
    )
    process = subprocess.Popen(
        [sys.executable, str(script)], cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "READY", process.communicate()
    workers = [
        int(pid)
        for pid in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    ]
    assert len(workers) == 2

    process.kill()  # SIGKILL (kill -9, the out-of-memory killer): no finally block runs
    process.wait()

    for _ in range(100):  # each worker sees its parent gone within _TAKE_EVERY seconds
        if not any(alive(pid) for pid in workers):
            break
        time.sleep(0.1)
    left = [pid for pid in workers if alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)  # this test's own workers, stuck
    assert left == []
