"""A disk that refuses a write (full, read-only, an immutable file) ends the run with one line
naming the folder and the cause, how many annotations were saved, exit 2; nothing truncated."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from bound_projects import write_local_project
from sly_bindings.cli.main import USER_ERRORS, main
from sly_bindings.cli.runner import run
from sly_bindings.files import atomic

# The disk's refusals, each with the words of the line and of its fix.
REFUSALS = [
    pytest.param(errno.ENOSPC, "no space left on the disk of", "free space and run again"),
    pytest.param(errno.EDQUOT, "disk quota exceeded in", "free space and run again"),
    pytest.param(errno.EROFS, "read-only file system at", "copy the project to a writable"),
    pytest.param(errno.EACCES, "no permission to write in", "make it writable"),
    pytest.param(errno.EPERM, "not allowed to write in", "chattr -i"),
]


def refuse_after(monkeypatch, writes_allowed: int, code: int) -> None:
    """Let ``writes_allowed`` atomic writes through, then refuse every write with ``code``."""
    real_replace = atomic.os.replace
    done = {"writes": 0}

    def replace(source, target):
        if done["writes"] >= writes_allowed:
            raise OSError(code, os.strerror(code), str(target))
        done["writes"] += 1
        return real_replace(source, target)

    monkeypatch.setattr(atomic.os, "replace", replace)


def ann_files(project: Path) -> dict:
    return {path: path.read_bytes() for path in sorted(project.rglob("ann/*.json"))}


@pytest.mark.parametrize("code, cause, fix", REFUSALS)
@pytest.mark.parametrize("writes_allowed", [0, 1])
def test_discard_on_a_refusing_disk_says_what_was_saved(
    tmp_path, monkeypatch, capsys, code, cause, fix, writes_allowed
):
    project = write_local_project(tmp_path / "project")
    before = ann_files(project)
    refuse_after(monkeypatch, writes_allowed, code)

    exit_code = run(lambda: main(["discard", "--local", str(project)]), user_errors=USER_ERRORS)

    assert exit_code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert len(errors) == 1
    assert errors[0].startswith(f"error: {cause} {project / 'ds0' / 'ann'} (")
    assert f": {writes_allowed} annotations of dataset ds0 saved" in errors[0]
    assert fix in errors[0]
    after = ann_files(project)
    assert after.keys() == before.keys()  # no temporary file left in ann/
    changed = [path for path in after if after[path] != before[path]]
    assert len(changed) == writes_allowed
    for content in after.values():
        json.loads(content)  # every file whole


def test_a_full_disk_while_writing_the_bytes_is_named_too(tmp_path, monkeypatch, capsys):
    project = write_local_project(tmp_path / "project")
    before = ann_files(project)

    def fsync(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")  # no filename, as the kernel says

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    exit_code = run(lambda: main(["discard", "--local", str(project)]), user_errors=USER_ERRORS)

    assert exit_code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1] == (
        f"error: no space left on the disk of {project / 'ds0' / 'ann'} (No space left on "
        "device): 0 annotations of dataset ds0 saved (earlier datasets are done); free space and "
        "run again"
    )
    assert ann_files(project) == before


@pytest.mark.parametrize("code, cause, fix", REFUSALS[:3])
def test_the_tutorial_on_a_refusing_disk_names_the_folder(
    tmp_path, monkeypatch, capsys, code, cause, fix
):
    import main as tutorial

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(tmp_path / "out" / "x" / "meta.json"))

    monkeypatch.setattr(tutorial.sly.Project, "set_meta", refuse)
    exit_code = run(lambda: tutorial.main(["--local", str(tmp_path / "out")]))

    assert exit_code == 2
    line = capsys.readouterr().err.splitlines()[-1]
    assert line.startswith(f"error: {cause} {tmp_path / 'out' / 'x'} ({os.strerror(code)}): ")
    assert fix in line
    assert not [path for path in (tmp_path / "out").iterdir() if path.name.startswith(".")]
