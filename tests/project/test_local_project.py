"""local_project.py: annotation files are replaced whole, or not at all."""

from __future__ import annotations

import json
import os

import pytest
import supervisely as sly

from sly_bindings.files.staging import free_project_dir, publish_folder, staging_folder
from sly_bindings.files.atomic import save_annotation, write_json_atomically


def test_write_json_atomically_replaces_the_file(tmp_path):
    path = tmp_path / "ann.json"
    path.write_text('{"old": true}')
    write_json_atomically({"new": True}, str(path))
    assert json.loads(path.read_text()) == {"new": True}
    assert [p.name for p in tmp_path.iterdir()] == ["ann.json"]  # no temporary file left


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "ann.json"
    path.write_text('{"old": true}')

    def disk_full(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_json_atomically({"new": True}, str(path))
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


def test_free_project_dir_counts_like_the_server(tmp_path):
    assert free_project_dir(tmp_path, "p") == tmp_path / "p"
    (tmp_path / "p").mkdir()
    assert free_project_dir(tmp_path, "p") == tmp_path / "p_001"
    (tmp_path / "p_001").mkdir()
    assert free_project_dir(tmp_path, "p") == tmp_path / "p_002"


def test_a_folder_finished_second_takes_the_next_name(tmp_path):
    """Two runs that chose the same free name: the one that finishes later does not overwrite."""
    first, second = staging_folder(tmp_path, "p"), staging_folder(tmp_path, "p")
    (second / "meta.json").write_text("{}")
    assert publish_folder(first, tmp_path, "p") == tmp_path / "p"
    (tmp_path / "p" / "meta.json").write_text("{}")
    assert publish_folder(second, tmp_path, "p") == tmp_path / "p_001"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["p", "p_001"]
