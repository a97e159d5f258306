"""A file a run reads whole more than once is parsed once (``read_json(shared=True)``): a COCO
file's categories, then its images; ``convert --jobs``' workers share the parent's parse."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly

from sly_bindings.files import project_folder
from sly_bindings.files.project_folder import ProjectFolderError, read_json
from sly_bindings.formats.coco import declared_classes
from sly_bindings.formats.coco.read import coco_items


@pytest.fixture
def parses(monkeypatch) -> list:
    """The texts ``read_json`` parsed, in order."""
    seen: list = []
    real = json.loads

    def counted(text, **kwargs):
        seen.append(text)
        return real(text, **kwargs)

    monkeypatch.setattr(project_folder.json, "loads", counted)
    return seen


def coco_file(folder: Path, category: str = "car") -> Path:
    sly.image.write(str(folder / "a.png"), np.zeros((4, 4, 3), np.uint8))
    coco = {
        "images": [{"id": 1, "file_name": "a.png", "height": 4, "width": 4}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2], "area": 4}
        ],
        "categories": [{"id": 1, "name": category}],
    }
    path = folder / "street.json"
    path.write_text(json.dumps(coco), encoding="utf-8")
    return path


def test_a_coco_file_is_parsed_once_for_its_categories_and_its_images(tmp_path, parses):
    path = coco_file(tmp_path)

    classes = declared_classes(path)
    items = list(coco_items(str(path)))

    assert list(classes) == ["car"]
    assert [label.obj_class.name for label in items[0].ann.labels] == ["car"]
    assert len(parses) == 1


def test_a_file_changed_between_reads_is_read_again(tmp_path, parses):
    path = coco_file(tmp_path, "car")
    stamp = os.stat(path)
    assert list(declared_classes(path)) == ["car"]

    coco_file(tmp_path, "bus")  # the same size; its times set back as they were
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))

    assert list(declared_classes(path)) == ["bus"]
    assert len(parses) == 2


def test_only_shared_reads_are_kept(tmp_path, parses):
    path = tmp_path / "a.json"
    path.write_text('{"a": [1]}', encoding="utf-8")

    first, second = read_json(path), read_json(path)
    kept, again = read_json(path, shared=True), read_json(path, shared=True)

    assert first == second == kept and first is not second
    assert again is kept
    assert len(parses) == 3


def test_a_bad_file_is_refused_each_time_it_is_read(tmp_path):
    path = tmp_path / "a.json"
    path.write_bytes(b'{"a": [1,')

    for _ in range(2):
        with pytest.raises(ProjectFolderError, match="a.json: not valid JSON"):
            read_json(path, shared=True)
