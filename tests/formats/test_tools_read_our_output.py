"""The tools' own readers on our output, where they can be installed (opt-in).

Datumaro cannot share the SDK's venv (its cachetools pin), so these tests run only when
``SLY_BINDINGS_DATUMARO_PYTHON`` names a Python that has Datumaro 1.x installed, e.g.::

    python -m venv /tmp/dm && /tmp/dm/bin/pip install datumaro==1.13.12
    SLY_BINDINGS_DATUMARO_PYTHON=/tmp/dm/bin/python pytest tests/formats/test_tools_read_our_output.py
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from format_samples import make_sample_project, project_objects
from sly_bindings.formats.coco import coco_to_project
from sly_bindings.formats.cvat import cvat_to_project, project_to_cvat

DATUMARO_PYTHON = os.environ.get("SLY_BINDINGS_DATUMARO_PYTHON")
pytestmark = [
    pytest.mark.skipif(not DATUMARO_PYTHON, reason="SLY_BINDINGS_DATUMARO_PYTHON is not set"),
    pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning"),
]

# Import a CVAT folder with Datumaro, print what it holds, export it in another format.
DATUMARO_SCRIPT = """
import json, sys
import datumaro as dm
dataset = dm.Dataset.import_from(sys.argv[1], "cvat")
print(json.dumps([
    [item.subset, item.id, str(item.media.path), [[a.type.name, a.group] for a in item.annotations]]
    for item in dataset
]))
dataset.export(sys.argv[3], sys.argv[2], save_media=True)
"""


def datumaro(cvat_dir, export_format, out_dir):
    result = subprocess.run(
        [DATUMARO_PYTHON, "-c", DATUMARO_SCRIPT, str(cvat_dir), export_format, str(out_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_datumaro_imports_our_cvat_project_export_and_we_read_its_exports(tmp_path):
    original = make_sample_project(tmp_path / "project")
    project_to_cvat(str(original), str(tmp_path / "cvat"))

    items = datumaro(tmp_path / "cvat", "cvat", tmp_path / "datumaro-cvat")

    # Every subset, every image at images/<subset>/, every group (Datumaro's group ids).
    assert [(subset, item_id) for subset, item_id, _, _ in items] == [
        ("dataset-01", "image"),
        ("dataset-02", "small"),
    ]
    assert items[0][2] == str(tmp_path / "cvat" / "images" / "dataset-01" / "image.jpg")
    groups = [sorted({group for _, group in annotations} - {0}) for *_, annotations in items]
    assert [len(ids) for ids in groups] == [2, 1]
    # Datumaro's own cvat export (one <subset>.xml per subset) reads back as the project.
    cvat_to_project(str(tmp_path / "datumaro-cvat"), str(tmp_path / "back"))
    assert project_objects(tmp_path / "back") == project_objects(original)


def test_we_read_datumaro_s_coco_layout(tmp_path):
    original = make_sample_project(tmp_path / "project")
    project_to_cvat(str(original), str(tmp_path / "cvat"))
    datumaro(tmp_path / "cvat", "coco_instances", tmp_path / "coco")

    # annotations/instances_<subset>.json + images/<subset>/: one dataset per file.
    coco_to_project(str(tmp_path / "coco"), str(tmp_path / "back"))
    assert sorted(project_objects(tmp_path / "back")) == sorted(project_objects(original))
