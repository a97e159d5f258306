"""local_pipeline.py: only changed files are rewritten, whole, and an interrupted run can resume."""

from __future__ import annotations

import json
import re

import pytest
import supervisely as sly

from sly_bindings.project import local_pipeline
from bound_projects import (
    CHANGED_BY,
    GROUPS_AFTER,
    groups_of,
    local_groups,
    write_local_project,
    unbind,
)
from sly_bindings.project.local_pipeline import edit_local_dataset


def files(directory):
    """Every annotation file with its content and modification time."""
    return {
        path: (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(directory.glob("*/ann/*.json"))
    }


def run(directory, edit, **options):
    project = sly.Project(str(directory), sly.OpenMode.READ)
    return [edit_local_dataset(dataset, edit, **options) for dataset in project.datasets]


@pytest.mark.parametrize("class_names, result", [(None, "discard"), (["car"], "discard car")])
def test_only_the_changed_files_are_rewritten(tmp_path, class_names, result):
    directory = write_local_project(tmp_path / "project")
    before = files(directory)

    summaries = run(directory, unbind(class_names))

    changed = CHANGED_BY[result]
    assert [(s.images, s.changed, s.saved) for s in summaries] == [(4, changed, changed)] * 2
    assert local_groups(directory) == {"ds0": GROUPS_AFTER[result], "ds1": GROUPS_AFTER[result]}
    after = files(directory)
    assert sum(after[path] != before[path] for path in before) == 2 * changed
    assert list(after) == list(before)  # no temporary file left behind


def test_dry_run_writes_nothing(tmp_path):
    directory = write_local_project(tmp_path / "project")
    before = files(directory)
    done = []

    summaries = run(directory, unbind(), dry_run=True, progress=done.append)

    assert [(s.changed, s.saved, s.changed_names) for s in summaries] == [
        (3, 0, ("bound.png", "odd.png", "persons.png"))
    ] * 2
    assert files(directory) == before
    assert sum(done) == 8


def test_an_interrupted_run_leaves_whole_files_and_a_rerun_finishes(tmp_path, monkeypatch):
    directory = write_local_project(tmp_path / "project")
    write = local_pipeline.write_json_atomically
    written = []

    def write_twice_then_fail(data, path):
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        write(data, path)
        written.append(path)

    monkeypatch.setattr(local_pipeline, "write_json_atomically", write_twice_then_fail)
    with pytest.raises(OSError, match="No space left"):
        run(directory, unbind())

    # every file still reads, each as it was or as edited: the first two of ds0 are done
    first_two_done = {**GROUPS_AFTER["none"], "bound.png": [], "odd.png": []}
    assert local_groups(directory) == {"ds0": first_two_done, "ds1": GROUPS_AFTER["none"]}
    monkeypatch.undo()
    summaries = run(directory, unbind())

    assert [s.changed for s in summaries] == [1, 3]
    assert local_groups(directory) == {
        "ds0": GROUPS_AFTER["discard"],
        "ds1": GROUPS_AFTER["discard"],
    }


def set_class(data: bytes, old: str, new: str) -> bytes:
    return data.replace(f'"classTitle": "{old}"'.encode(), f'"classTitle": "{new}"'.encode())


@pytest.mark.parametrize(
    "break_file, reason",
    [
        # not UTF-8
        (lambda data: b"\xff\xfe" + data, r"not UTF-8 text \(byte 0\): fix the file"),
        # cut short by a full disk
        (lambda data: data[:50], r"not valid JSON \(.*, line \d+ column \d+\): fix the file"),
        # empty
        (lambda data: b"", r"not valid JSON \(Expecting value, line 1 column 1\)"),
        # JSON, but not an annotation
        (lambda data: b"[]", r"not a Supervisely annotation \(no list of 'objects'\)"),
        # a class the meta does not have: the SDK's RuntimeError
        (
            lambda data: set_class(data, "person", "bus"),
            r"label 2 has class 'bus', which the project meta does not have",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_left_out_and_named(tmp_path, break_file, reason):
    directory = write_local_project(tmp_path / "project", datasets=["ds0"])
    path = directory / "ds0" / "ann" / "bound.png.json"
    path.write_bytes(break_file(path.read_bytes()))
    broken = path.read_bytes()

    (summary,) = run(directory, unbind())

    assert (summary.images, summary.changed, summary.saved, summary.skipped) == (4, 2, 2, 1)
    assert re.match(re.escape(f"{path}: ") + reason, summary.first_skip), summary.first_skip
    assert path.read_bytes() == broken
    groups = local_groups_except(directory, "bound.png")
    assert groups == {name: [] for name in ("plain.png", "persons.png", "odd.png")}


def local_groups_except(directory, left_out):
    """The groups of every other image of ds0, read straight from the files."""
    return {
        path.name[: -len(".json")]: groups_of(json.loads(path.read_text()))
        for path in sorted((directory / "ds0" / "ann").glob("*.json"))
        if path.name != f"{left_out}.json"
    }
