"""The tools' own readers on our output, and our readers on theirs (opt-in).

Datumaro cannot share the SDK's venv (its cachetools pin), LabelMe brings Qt, and Ultralytics
brings torch (about 1.6 GB even as the CPU build), so these tests run only when
``SLY_BINDINGS_DATUMARO_PYTHON``, ``SLY_BINDINGS_LABELME_PYTHON`` or
``SLY_BINDINGS_ULTRALYTICS_PYTHON`` names a Python that has the tool installed, e.g.::

    python -m venv /tmp/dm && /tmp/dm/bin/pip install datumaro==1.13.12
    python -m venv /tmp/lm && /tmp/lm/bin/pip install labelme  # 6.3.1 when written
    python3.11 -m venv /tmp/ul-venv && /tmp/ul-venv/bin/pip install "torch==2.13.0+cpu" \
        torchvision==0.28.0 ultralytics==8.3.253
    SLY_BINDINGS_DATUMARO_PYTHON=/tmp/dm/bin/python SLY_BINDINGS_LABELME_PYTHON=/tmp/lm/bin/python \
        SLY_BINDINGS_ULTRALYTICS_PYTHON=/tmp/ul-venv/bin/python \
        pytest tests/formats/test_tools_read_our_output.py

``torch==2.13.0+cpu`` is a CPU wheel (``--extra-index-url https://download.pytorch.org/whl/cpu``,
or a local ``--find-links`` folder); plain ``pip install ultralytics==8.3.253`` takes torch with
the CUDA wheels from PyPI instead (several GB more). The dataset reader needs no torchvision operator: PyPI's
torchvision 0.28.0 is built against CUDA torch, so beside the CPU torch ``import torchvision``
fails (``operator torchvision::nms does not exist``), but ``ultralytics.data`` imports without
it. Ultralytics could also join the SDK's venv: ``pip install --dry-run ultralytics==8.3.253``
there would add 37 packages (torch 2.14.1 and torchvision 0.29.1, the newest this machine's pip
constraints allow, scipy, matplotlib, polars, triton, the nvidia CUDA 13 wheels) and change none
that is installed, so no pin of requirements.txt; it is not installed there, for its size.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings

import numpy as np
import pytest
import supervisely as sly

from bindings import bind_labels
from format_samples import make_sample_project, polygon, project_objects
from sly_bindings.formats.coco.read import coco_to_project
from sly_bindings.formats.cvat import cvat_to_project, project_to_cvat
from sly_bindings.formats.items import project_items
from sly_bindings.formats.labelme import LabelmeWarning, items_to_labelme, labelme_items
from sly_bindings.formats.yolo import YoloWarning, project_to_yolo

DATUMARO_PYTHON = os.environ.get("SLY_BINDINGS_DATUMARO_PYTHON")
LABELME_PYTHON = os.environ.get("SLY_BINDINGS_LABELME_PYTHON")
ULTRALYTICS_PYTHON = os.environ.get("SLY_BINDINGS_ULTRALYTICS_PYTHON")
needs_datumaro = pytest.mark.skipif(
    not DATUMARO_PYTHON, reason="SLY_BINDINGS_DATUMARO_PYTHON is not set"
)
needs_labelme = pytest.mark.skipif(
    not LABELME_PYTHON, reason="SLY_BINDINGS_LABELME_PYTHON is not set"
)
needs_ultralytics = pytest.mark.skipif(
    not ULTRALYTICS_PYTHON, reason="SLY_BINDINGS_ULTRALYTICS_PYTHON is not set"
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
    # The polygon LabelMe saved with 2 points: one bad record, skipped (formats.records).
    with pytest.warns(
        LabelmeWarning, match=r"a.json: shapes\[1\].points: a polygon needs 3 points, got 2: the"
    ):
        [item] = labelme_items(str(tmp_path / "saved"))
    [label] = item.ann.labels
    assert (label.geometry.origin.row, label.geometry.origin.col) == (3, 2)
    assert label.geometry.data.astype(int).tolist() == [[1, 1, 0], [0, 1, 1]]


# check_det_dataset(data.yaml), then the labels the trainer builds from each split
# (YOLODataset.get_labels, through verify_image_label), and the counts and messages of its cache.
ULTRALYTICS_SCRIPT = """
import json, sys
from pathlib import Path
from ultralytics.data.dataset import YOLODataset
from ultralytics.data.utils import check_det_dataset, load_dataset_cache_file
data = check_det_dataset(sys.argv[1])
splits = {}
for split in ("train", "val"):
    dataset = YOLODataset(img_path=data[split], data=data, task=sys.argv[2], augment=False)
    cache = load_dataset_cache_file(Path(dataset.label_files[0]).parent.with_suffix(".cache"))
    images = {}
    for label in dataset.labels:
        segments = [[*s.min(axis=0).tolist(), *s.max(axis=0).tolist()] for s in label["segments"]]
        images[Path(label["im_file"]).relative_to(data["path"]).as_posix()] = [
            label["cls"].ravel().astype(int).tolist(), label["bboxes"].tolist(), segments
        ]
    splits[split] = {"images": images, "results": list(cache["results"]), "msgs": cache["msgs"]}
print(json.dumps({"nc": data["nc"], "names": data["names"], "splits": splits}))
"""
SIZE = (64, 80)  # height, width: Ultralytics refuses images under 10 pixels


def street() -> sly.Annotation:
    """A group of 2 car polygons, a person bound to its box, an unbound sign."""
    car = sly.ObjClass("car", sly.Polygon)
    person = sly.ObjClass("person", sly.Polygon)
    person_box = sly.ObjClass("person_bbox", sly.Rectangle)
    sign = sly.ObjClass("sign", sly.Rectangle)
    cars = [
        sly.Label(polygon((5, 5), (5, 20), (15, 12)), car),
        sly.Label(polygon((30, 40), (30, 60), (45, 50)), car),
    ]
    walker = [
        sly.Label(polygon((20, 10), (50, 10), (50, 25)), person),
        sly.Label(sly.Rectangle(18, 8, 52, 28), person_box),
    ]
    return sly.Annotation(
        SIZE,
        [
            *bind_labels(cars, "car-1"),
            *bind_labels(walker, "person-1"),
            sly.Label(sly.Rectangle(2, 60, 12, 70), sign),
        ],
    )


def make_street_project(project_dir) -> sly.Project:
    """train/, val/ (with an image without labels), train's nested night/, and a dataset images/."""
    project = sly.Project(str(project_dir), sly.OpenMode.CREATE)
    classes = {label.obj_class.name: label.obj_class for label in street().labels}
    project.set_meta(sly.ProjectMeta(list(classes.values())))
    image = np.full((*SIZE, 3), 90, np.uint8)
    project.create_dataset("train").add_item_np("street.png", image, ann=street())
    val = project.create_dataset("val")
    val.add_item_np("street.png", image, ann=street())
    val.add_item_np("empty.png", image)
    night = project.create_dataset("night", ds_path="train/datasets/night")
    night.add_item_np("street.jpg", image, ann=street())
    project.create_dataset("images").add_item_np("street.png", image, ann=street())
    return project


def pixel_boxes(boxes, height, width):
    """Ultralytics' normalised ``cx cy w h`` boxes as (top, left, bottom, right) pixels."""
    return [
        (
            round((cy - h / 2) * height),
            round((cx - w / 2) * width),
            round((cy + h / 2) * height) - 1,
            round((cx + w / 2) * width) - 1,
        )
        for cx, cy, w, h in boxes
    ]


def pixel_extents(extents, height, width):
    """Segment extents ``x1 y1 x2 y2`` (normalised vertices) as (top, left, bottom, right)."""
    return [
        (round(y1 * height), round(x1 * width), round(y2 * height), round(x2 * width))
        for x1, y1, x2, y2 in extents
    ]


@needs_ultralytics
@pytest.mark.parametrize("task", ["segment", "detect"])
def test_ultralytics_reads_our_yolo_output_after_a_move(tmp_path, task):
    project = make_street_project(tmp_path / "project")
    with warnings.catch_warnings():  # segment: the car group is 2 parts, joined
        warnings.simplefilter("ignore", YoloWarning)
        project_to_yolo(project.directory, str(tmp_path / "written"), task=task)
    shutil.move(tmp_path / "written", tmp_path / "moved")  # data.yaml must work from anywhere

    config = str(tmp_path / "config")  # Ultralytics' settings, not the home folder
    result = subprocess.run(
        [ULTRALYTICS_PYTHON, "-c", ULTRALYTICS_SCRIPT, str(tmp_path / "moved/data.yaml"), task],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "YOLO_CONFIG_DIR": config, "YOLO_OFFLINE": "true"},
    )

    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout.splitlines()[-1])
    assert (read["nc"], read["names"]) == (
        4,
        {"0": "car", "1": "person", "2": "person_bbox", "3": "sign"},
    )
    splits = read["splits"]
    # Every image, the nested dataset with train, labels found for every image.
    assert sorted(splits["train"]["images"]) == [
        "images/images/street.png",
        "images/train/night/street.jpg",
        "images/train/street.png",
    ]
    assert sorted(splits["val"]["images"]) == ["images/val/empty.png", "images/val/street.png"]
    # (found, missing, empty, corrupt, total) label files (an empty one is found too); no
    # corrupt image/label message.
    assert splits["train"]["results"] == [3, 0, 0, 0, 3]
    assert splits["val"]["results"] == [2, 0, 1, 0, 2]
    assert splits["train"]["msgs"] == splits["val"]["msgs"] == []
    assert splits["val"]["images"]["images/val/empty.png"] == [[], [], []]
    # One line per object, of the group's class: the car group, the person (its box gives no
    # line of its own), the sign. Boxes as written: detect takes the person's own box; a
    # segment is the person's polygon.
    car, sign = (5, 5, 45, 60), (2, 60, 12, 70)
    person_box, person_polygon = (18, 8, 52, 28), (20, 10, 50, 25)
    for name, (classes, boxes, segments) in [
        (name, labels)
        for split in splits.values()
        for name, labels in split["images"].items()
        if "empty" not in name
    ]:
        assert classes == [0, 1, 3], name
        if task == "detect":
            assert pixel_boxes(boxes, *SIZE) == [car, person_box, sign], name
            assert segments == [], name
        else:
            assert pixel_extents(segments, *SIZE) == [car, person_polygon, sign], name


@needs_ultralytics
def test_ultralytics_misses_just_the_images_we_warn_about(tmp_path):
    project = sly.Project(str(tmp_path / "project"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([sly.ObjClass("sign", sly.Rectangle)]))
    image = np.full((*SIZE, 3), 90, np.uint8)
    for name, path, item_names in [
        ("train", None, ["a.png", ".a.png", "a.b.png"]),
        (".night", "train/datasets/.night", ["a.png"]),
        ("day", "train/datasets/day", [".a.png", "b.png"]),
        (".hidden", None, ["a.png"]),
    ]:
        dataset = project.create_dataset(name, ds_path=path)
        for item_name in item_names:
            dataset.add_item_np(item_name, image)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        project_to_yolo(project.directory, str(tmp_path / "yolo"))
    warned = {str(w.message).split(": ")[0] for w in caught if w.category is YoloWarning}

    result = subprocess.run(
        [ULTRALYTICS_PYTHON, "-c", ULTRALYTICS_SCRIPT, str(tmp_path / "yolo/data.yaml"), "detect"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "YOLO_CONFIG_DIR": str(tmp_path / "config"), "YOLO_OFFLINE": "true"},
    )

    assert result.returncode == 0, result.stderr
    found = set(json.loads(result.stdout.splitlines()[-1])["splits"]["train"]["images"])
    written = {
        path.relative_to(tmp_path / "yolo").as_posix()
        for path in (tmp_path / "yolo" / "images").rglob("*.png")
    }
    assert len(written) == 7
    assert {name.replace("images/", "", 1) for name in written - found} == warned
    assert warned == {"train/.a.png", "train/.night/a.png", "train/day/.a.png"}


# Load a COCO layout with Datumaro's coco_instances importer; print each polygon's class, its
# annotation id and the group link it kept in its attributes.
DATUMARO_COCO_SCRIPT = """
import json, sys
import datumaro as dm
dataset = dm.Dataset.import_from(sys.argv[1], "coco_instances")
labels = dataset.categories()[dm.AnnotationType.label]
print(json.dumps([
    [labels[a.label].name, a.id, a.attributes.get("group_id")]
    for item in dataset for a in item.annotations if a.type.name == "polygon"
]))
"""


@needs_datumaro
def test_datumaro_loads_our_coco_with_the_group_links(tmp_path):
    """Issue 18: the parts of a group are instances of their own, linked by
    ``attributes.group_id``, which Datumaro keeps as each annotation's attribute."""
    from sly_bindings.formats.coco.write import write_coco_layout
    from test_group_right_values import HAND, HEAD, PERSON, BODY_SIZE, person_group

    project = sly.Project(str(tmp_path / "people"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([PERSON, HEAD, HAND]))
    image = np.zeros((*BODY_SIZE, 3), np.uint8)
    project.create_dataset("ds").add_item_np("walk.png", image, ann=person_group())
    write_coco_layout(project.directory, str(tmp_path / "coco"))

    result = subprocess.run(
        [DATUMARO_PYTHON, "-c", DATUMARO_COCO_SCRIPT, str(tmp_path / "coco")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    # Datumaro 1.13.12 lists an image's annotations last first: compared by annotation id.
    rows = sorted(json.loads(result.stdout.splitlines()[-1]), key=lambda row: row[1])
    assert rows == [["person", 1, 1], ["head", 2, 1], ["hand", 3, 1], ["hand", 4, 1]]
