"""The tools' own readers on our output, and our readers on theirs (opt-in).

Datumaro cannot share the SDK's venv (its cachetools pin), and LabelMe brings Qt, so these tests
run only when ``SLY_BINDINGS_DATUMARO_PYTHON`` or ``SLY_BINDINGS_LABELME_PYTHON`` names a Python
that has the tool installed, e.g.::

    python -m venv /tmp/dm && /tmp/dm/bin/pip install datumaro==1.13.12
    python -m venv /tmp/lm && /tmp/lm/bin/pip install labelme  # 6.3.1 when written
    SLY_BINDINGS_DATUMARO_PYTHON=/tmp/dm/bin/python SLY_BINDINGS_LABELME_PYTHON=/tmp/lm/bin/python \
        pytest tests/formats/test_tools_read_our_output.py
"""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest
import supervisely as sly

from format_samples import make_sample_project, project_objects
from sly_bindings.formats.coco import coco_to_project
from sly_bindings.formats.cvat import cvat_to_project, project_to_cvat
from sly_bindings.formats.items import project_items
from sly_bindings.formats.labelme import LabelmeWarning, items_to_labelme, labelme_items

DATUMARO_PYTHON = os.environ.get("SLY_BINDINGS_DATUMARO_PYTHON")
LABELME_PYTHON = os.environ.get("SLY_BINDINGS_LABELME_PYTHON")
needs_datumaro = pytest.mark.skipif(
    not DATUMARO_PYTHON, reason="SLY_BINDINGS_DATUMARO_PYTHON is not set"
)
needs_labelme = pytest.mark.skipif(
    not LABELME_PYTHON, reason="SLY_BINDINGS_LABELME_PYTHON is not set"
)
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

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


@needs_datumaro
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


@needs_datumaro
def test_we_read_datumaro_s_coco_layout(tmp_path):
    original = make_sample_project(tmp_path / "project")
    project_to_cvat(str(original), str(tmp_path / "cvat"))
    datumaro(tmp_path / "cvat", "coco_instances", tmp_path / "coco")

    # annotations/instances_<subset>.json + images/<subset>/: one dataset per file.
    coco_to_project(str(tmp_path / "coco"), str(tmp_path / "back"))
    assert sorted(project_objects(tmp_path / "back")) == sorted(project_objects(original))


# Load every LabelMe file of a folder with LabelMe's own LabelFile; then save, with LabelMe's own
# encoder, a mask whose second point was dragged off its bitmap and a polygon of two points.
LABELME_SCRIPT = """
import glob, json, sys
import numpy as np
from labelme import utils
from labelme._label_file import LabelFile
loaded = []
for path in sorted(glob.glob(sys.argv[1] + "/*/*.json")):
    shapes = LabelFile(path).shapes
    loaded.append([[s["label"], s["shape_type"], s["group_id"]] for s in shapes])
mask = np.array([[1, 1, 0], [0, 1, 1]], dtype=np.uint8)
shapes = [
    dict(label="car", points=[[2, 3], [9, 9]], group_id=None, description="",
         shape_type="mask", flags={}, mask=utils.img_arr_to_b64(mask)),
    dict(label="car", points=[[1, 1], [4, 4]], group_id=None, description="",
         shape_type="polygon", flags={}, mask=None),
]
LabelFile().save(sys.argv[2] + "/a.json", shapes, "a.png", 10, 12)
print(json.dumps(loaded))
"""


@needs_labelme
def test_labelme_loads_our_files_and_we_read_what_labelme_saves(tmp_path):
    original = make_sample_project(tmp_path / "project")
    items_to_labelme(project_items(str(original)), str(tmp_path / "labelme"))
    saved = tmp_path / "saved" / "street"
    saved.mkdir(parents=True)
    sly.image.write(str(saved / "a.png"), np.zeros((10, 12, 3), np.uint8))

    result = subprocess.run(
        [LABELME_PYTHON, "-c", LABELME_SCRIPT, str(tmp_path / "labelme"), str(saved)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert [[group for _, _, group in shapes] for shapes in loaded] == [
        [1, 1, 1, 2, 2, None, None],
        [1, None, 1],
    ]
    with pytest.warns(LabelmeWarning, match=r"a.json: shapes\[1\] \('car'\): skipped"):
        [item] = labelme_items(str(tmp_path / "saved"))
    [label] = item.ann.labels
    assert (label.geometry.origin.row, label.geometry.origin.col) == (3, 2)
    assert label.geometry.data.astype(int).tolist() == [[1, 1, 0], [0, 1, 1]]
