"""Datumaro reads our COCO layout and our moved YOLO folder (opt-in, as
``test_tools_read_our_output.py``: set ``SLY_BINDINGS_DATUMARO_PYTHON`` to a Python with
``datumaro==1.13.12``). Datumaro 1.13.12's ``yolo`` importer takes detection lines only (5
fields), so the YOLO check uses our ``yolo-det`` output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings

import pytest

from format_samples import make_nested_project, make_sample_project
from sly_bindings.formats.coco.read import coco_items
from sly_bindings.formats.coco.write import write_coco_layout
from sly_bindings.formats.yolo import YoloWarning, project_to_yolo

DATUMARO_PYTHON = os.environ.get("SLY_BINDINGS_DATUMARO_PYTHON")
pytestmark = [
    pytest.mark.skipif(not DATUMARO_PYTHON, reason="SLY_BINDINGS_DATUMARO_PYTHON is not set"),
    pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning"),
]
SCRIPT = """
import json, sys
import datumaro as dm
dataset = dm.Dataset.import_from(sys.argv[1], sys.argv[2])
print(json.dumps({
    "labels": [c.name for c in dataset.categories()[dm.AnnotationType.label]],
    "items": sorted([item.subset, item.id, item.media.path,
                     sorted(a.type.name for a in item.annotations)] for item in dataset),
}))
"""


def datumaro_import(path, format_name):
    result = subprocess.run(
        [DATUMARO_PYTHON, "-c", SCRIPT, str(path), format_name],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_datumaro_reads_our_coco_layout(tmp_path):
    original = make_sample_project(tmp_path / "project")
    written = write_coco_layout(str(original), str(tmp_path / "coco"))

    found = datumaro_import(tmp_path / "coco", "coco_instances")

    assert found["labels"] == ["car", "person", "sign"]
    assert [(subset, item_id) for subset, item_id, _, _ in found["items"]] == [
        ("dataset-01", "image"),
        ("dataset-02", "small"),
    ]
    for subset, _, path, annotations in found["items"]:
        assert path.startswith(str(tmp_path / "coco" / "images" / subset))
        # Datumaro reads each instance as its bbox beside its polygons or mask.
        assert annotations.count("bbox") == len(written[subset]["annotations"])
        assert set(annotations) - {"bbox"} <= {"polygon", "mask"}


def test_datumaro_reads_our_yolo_folder_after_a_move(tmp_path):
    original = make_sample_project(tmp_path / "project")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", YoloWarning)
        project_to_yolo(str(original), str(tmp_path / "yolo"), task="detect")
    shutil.move(tmp_path / "yolo", tmp_path / "moved")

    found = datumaro_import(tmp_path / "moved", "yolo")

    assert found["labels"] == ["car", "person", "sign"]
    lines = {
        path.parent.name: len(path.read_text().splitlines())
        for path in (tmp_path / "moved" / "labels").rglob("*.txt")
    }
    assert {subset: len(annotations) for subset, _, _, annotations in found["items"]} == lines
    assert all(path.startswith(str(tmp_path / "moved")) for _, _, path, _ in found["items"])


def test_datumaro_reads_our_nested_datasets_as_ids_with_folders(tmp_path):
    # Nested dataset train/cars is file_name cars/b.png of subset train: Datumaro's item
    # cars/b of subset train, the analogue our reader reads back as dataset train/cars.
    project_dir = make_nested_project(tmp_path / "project", depth=2)
    write_coco_layout(str(project_dir), str(tmp_path / "coco"))

    found = datumaro_import(tmp_path / "coco", "coco_instances")

    assert [(subset, item_id) for subset, item_id, _, _ in found["items"]] == [
        ("train", "a"),
        ("train", "cars/b"),
        ("train", "cars/red/c"),
    ]
    assert found["items"][2][2] == str(tmp_path / "coco/images/train/cars/red/c.png")
    assert [(item.dataset, item.name) for item in coco_items(str(tmp_path / "coco"))] == [
        (("train",), "a.png"),
        (("train", "cars"), "b.png"),
        (("train", "cars", "red"), "c.png"),
    ]


EXPORT_SCRIPT = """
import sys
import numpy as np
import datumaro as dm
items = [
    dm.DatasetItem(id=item_id, subset=subset, media=dm.Image.from_numpy(np.zeros((6, 8, 3))),
                   annotations=[dm.Bbox(1, 1, 2, 2, label=0)])
    for subset, item_id in [("train", "a"), ("train", "cars/b"), ("val", "cars/red/c")]
]
dataset = dm.Dataset.from_iterable(items, categories=["sign"])
dataset.export(sys.argv[1], "coco_instances", save_media=True)
"""


def test_what_datumaro_writes_of_ids_with_folders_reads_as_nested_datasets(tmp_path):
    result = subprocess.run(
        [DATUMARO_PYTHON, "-c", EXPORT_SCRIPT, str(tmp_path / "coco")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr

    items = [(item.dataset, item.name, item.image) for item in coco_items(str(tmp_path / "coco"))]

    images = tmp_path / "coco" / "images"
    assert items == [
        (("train",), "a.jpg", images / "train" / "a.jpg"),
        (("train", "cars"), "b.jpg", images / "train" / "cars" / "b.jpg"),
        (("val", "cars", "red"), "c.jpg", images / "val" / "cars" / "red" / "c.jpg"),
    ]
