"""local_project.py: annotation files are replaced whole, or not at all."""

from __future__ import annotations

import json

import pytest
import supervisely as sly

from local_project import save_annotation, write_json_atomically


def test_write_json_atomically_replaces_the_file(tmp_path):
    path = tmp_path / "ann.json"
    path.write_text('{"old": true}')
    write_json_atomically({"new": True}, str(path))
    assert json.loads(path.read_text()) == {"new": True}
    assert [p.name for p in tmp_path.iterdir()] == ["ann.json"]  # no temporary file left


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "ann.json"
    path.write_text('{"old": true}')
    with pytest.raises(TypeError):
        write_json_atomically({"bad": object()}, str(path))  # not serialisable half way
    assert json.loads(path.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["ann.json"]


def test_save_annotation_writes_what_sly_project_reads_back(tmp_path):
    car = sly.ObjClass("car", sly.Rectangle)
    project = sly.Project(str(tmp_path / "p"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta(obj_classes=[car]))
    dataset = project.create_dataset("ds")
    dataset.add_item_np("a.png", __import__("numpy").zeros((4, 4, 3), "uint8"))
    ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 1), car, binding_key="k")])

    save_annotation(dataset, "a.png", ann)

    reopened = sly.Project(str(tmp_path / "p"), sly.OpenMode.READ)
    read_back = reopened.datasets.get("ds").get_ann("a.png", reopened.meta)
    assert read_back.to_json() == ann.to_json()


def test_written_files_get_the_mode_a_plain_open_would_give(tmp_path):
    """mkstemp makes files private (0600); a project folder must stay readable to others."""
    import os
    import stat

    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "ann.json"
        write_json_atomically({}, str(path))
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    finally:
        os.umask(old_umask)
