"""SIGTERM ends a run as Ctrl+C does: one line, and what the run started (a staging folder,
a hidden temporary file in ann/) is removed. Ctrl+C while the SDK loads: one line, no traceback.

Each run is held at a known point by a driver that blocks there and says READY, so the signal
arrives mid-way by construction, not by timing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bound_projects import write_local_project
from commands import MAIN

HOLD = """
def hold(*args, **kwargs):
    print("READY", flush=True)
    sys.stdin.readline()  # blocks until the test signals
"""

# Drivers: each holds the run at one point. {main}, {project}, {out} are filled in by the test.
DRIVERS = {
    "main.py, while adding the image to the staging project": """
        import sys
        sys.argv = ["main.py", "--local", {out!r}]
        sys.path.insert(0, {src!r})
        import main, supervisely as sly
        {hold}
        sly.Dataset.add_item_file = hold
        from sly_bindings.cli.runner import run
        sys.exit(run(main.main))
    """,
    "sly-bindings discard, while an annotation's temporary file is written": """
        import sys, os
        from sly_bindings.files import atomic
        {hold}
        real_fsync = os.fsync
        def fsync(fd):
            hold()
            real_fsync(fd)
        atomic.os.fsync = fsync
        from sly_bindings.cli.main import USER_ERRORS, main
        from sly_bindings.cli.runner import run
        sys.exit(run(lambda: main(["discard", "--local", {project!r}]), user_errors=USER_ERRORS))
    """,
    "sly-bindings convert, while OUT is written in its staging folder": """
        import sys
        from sly_bindings.formats import registry
        {hold}
        real = registry.Format.write_items
        def write_items(self, items, out, options):
            real(self, items, out, options)
            hold()
        registry.Format.write_items = write_items
        from sly_bindings.cli.main import USER_ERRORS, main
        from sly_bindings.cli.runner import run
        sys.exit(run(lambda: main(["convert", "supervisely", "coco", {project!r}, {out!r} + "/coco"]),
                     user_errors=USER_ERRORS))
    """,
}


def held_run(tmp_path: Path, driver: str) -> subprocess.Popen:
    project = write_local_project(tmp_path / "project")
    (tmp_path / "out").mkdir()
    source = textwrap.dedent(driver).format(
        out=str(tmp_path / "out"),
        src=str(MAIN.parent),
        project=str(project),
        hold=textwrap.indent(HOLD, " " * 8).strip(),
    )
    process = driver_process(tmp_path, textwrap.dedent(source))
    for line in process.stdout:
        if line.strip() == "READY":
            return process
    raise AssertionError(f"the run ended before its hold point: {process.communicate()}")


def driver_process(tmp_path: Path, source: str, env=None) -> subprocess.Popen:
    """``source`` run as a script in ``tmp_path``, its stdin, stdout and stderr piped."""
    script = tmp_path / "driver.py"
    script.write_text(source)
    return subprocess.Popen(
        [sys.executable, str(script)],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def leftovers(tmp_path: Path) -> list:
    return sorted(
        str(path.relative_to(tmp_path))
        for path in tmp_path.rglob(".*")
        if ".partial-" in path.name or path.suffix == ".tmp"
    )


ENDING = [
    (signal.SIGTERM, 143),
    (signal.SIGINT, 130),
    (signal.SIGHUP, 129),  # a closed terminal, a dropped ssh
    (signal.SIGQUIT, 131),  # Ctrl+\\
]


@pytest.mark.parametrize("signal_number, exit_code", ENDING)
@pytest.mark.parametrize("driver", DRIVERS)
def test_a_signal_mid_run_ends_with_one_line_and_leaves_nothing(
    tmp_path, driver, signal_number, exit_code
):
    process = held_run(tmp_path, DRIVERS[driver])
    assert leftovers(tmp_path)  # the run really had started something

    process.send_signal(signal_number)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == exit_code
    assert [line for line in stderr.splitlines() if line.strip()][-1].startswith("interrupted")
    assert "Traceback" not in stderr
    assert leftovers(tmp_path) == []


IMPORT_DRIVER = """
import importlib.abc, runpy, sys

class HoldOnSdk(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "supervisely":
            sys.meta_path.remove(self)
            print("READY", flush=True)
            sys.stdin.readline()  # the SDK is loading: blocks until the test signals
        return None

sys.meta_path.insert(0, HoldOnSdk())
sys.argv = ["main.py", "--local", {out!r}]
runpy.run_path({main!r}, run_name="__main__")
"""


@pytest.mark.parametrize("signal_number, exit_code", ENDING)
def test_a_signal_while_the_sdk_loads_is_one_line(tmp_path, signal_number, exit_code):
    process = driver_process(
        tmp_path,
        IMPORT_DRIVER.format(out=str(tmp_path / "out"), main=str(MAIN)),
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(MAIN.parent), *sys.path])},
    )
    assert process.stdout.readline().strip() == "READY"

    process.send_signal(signal_number)
    stdout, stderr = process.communicate(timeout=60)

    assert process.returncode == exit_code
    assert stderr.splitlines() == ["interrupted while loading the SDK: nothing was done"]
    assert not (tmp_path / "out").exists()


SLY_BINDINGS_IMPORT_DRIVER = """
import importlib.abc, runpy, sys

class HoldOn(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            print("READY", flush=True)
            sys.stdin.readline()  # the import is under way: blocks until the test signals
        return None

sys.meta_path.insert(0, HoldOn())
sys.argv = ["sly-bindings", "report", {project!r}]
runpy.run_module("sly_bindings", run_name="__main__")
"""


@pytest.mark.parametrize("module", ["requests", "supervisely"])
@pytest.mark.parametrize("signal_number, exit_code", ENDING)
def test_a_signal_while_sly_bindings_imports_is_one_line(
    tmp_path, module, signal_number, exit_code
):
    project = write_local_project(tmp_path / "project")
    process = driver_process(
        tmp_path, SLY_BINDINGS_IMPORT_DRIVER.format(module=module, project=str(project))
    )
    assert process.stdout.readline().strip() == "READY"

    process.send_signal(signal_number)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == exit_code
    assert len(stderr.splitlines()) == 1 and stderr.startswith("interrupted while"), stderr


def test_a_run_removes_the_staging_folders_a_killed_run_left(tmp_path):
    project = write_local_project(tmp_path / "project")
    out = tmp_path / "out"
    # What kill -9 leaves: a staging folder whose process is gone (pid 2^22 + 1 is above
    # Linux's pid_max), and one of a run still going (this process: left alone).
    stale = tmp_path / ".out.partial-4194305-abcd1234"
    live = tmp_path / f".out.partial-{os.getpid()}-abcd1234"
    other = tmp_path / ".outer.partial-4194305-abcd1234"  # another OUT's
    for folder in (stale, live, other):
        (folder / "out" / "ds0").mkdir(parents=True)

    result = subprocess.run(
        [sys.executable, "-m", "sly_bindings", "convert", "supervisely", "coco", project, out],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    assert live.exists() and other.exists()
    assert (out / "annotations").is_dir()
