"""Issue 17, kind 2: a box keeps its size between formats (``formats/boxes.py``, one rule).

One box, ``x=12 y=8 w=40 h=20`` on a 100x50 image, goes from every format to every format and
back to Supervisely; each file written holds the numbers the tools themselves write for it:

- COCO ``bbox`` ``[12, 8, 40, 20]``: CVAT's COCO export of ``<box xtl="12" ytl="8" xbr="52"
  ybr="28">`` (cvat/apps/dataset_manager/formats/coco.py, through Datumaro) and Datumaro's
  (datumaro/plugins/data_formats/cvat/base.py reads a box as ``Bbox(x, y, xbr - x, ybr - y)``;
  datumaro/plugins/data_formats/coco/exporter.py writes ``bbox`` as ``Bbox.get_bbox()``,
  ``[x, y, w, h]``); the SDK's own COCO import reads it as ``Rectangle(y, x, y + h, x + w)``
  (supervisely/convert/image/coco/coco_helper.py).
- YOLO detection ``0.32 0.36 0.4 0.4``: Ultralytics' ``convert_coco`` of that COCO box
  (ultralytics/data/converter.py: ``box[:2] += box[2:] / 2; box[[0, 2]] /= w; box[[1, 3]] /= h``).
- CVAT ``xtl=12 ytl=8 xbr=52 ybr=28`` and LabelMe's rectangle ``[[12, 8], [52, 28]]``: the same
  box's corners (Datumaro's CVAT and LabelMe readers take them as ``Bbox(x1, y1, x2 - x1,
  y2 - y1)``).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Tuple

import numpy as np
import pytest
import supervisely as sly

from commands import convert_in_process
from registry_tables import SOURCES, TARGETS

# Every format of the registry (a new one must add its numbers to WRITTEN and written_box).
FORMATS = ("supervisely", *TARGETS)
READABLE = tuple(SOURCES)

IMAGE_SIZE = (50, 100)  # height, width
# (top, left, bottom, right) of the SDK's Rectangle(top=y, left=x, bottom=y + h, right=x + w).
RECTANGLE = (8, 12, 28, 52)

# What each tool writes for the box x=12 y=8 w=40 h=20 on a 100x50 image (see the docstring).
WRITTEN = {
    "supervisely": (8, 12, 28, 52),  # top, left, bottom, right
    "labelme": (12.0, 8.0, 52.0, 28.0),  # x1, y1, x2, y2 of the rectangle (or its outline)
    "cvat": (12.0, 8.0, 52.0, 28.0),  # xtl, ytl, xbr, ybr
    "coco": (12.0, 8.0, 40.0, 20.0),  # bbox: CVAT's and Datumaro's COCO export
    "yolo": (0.12, 0.16, 0.52, 0.56),  # the segment's extent, normalised
    "yolo-det": (0.32, 0.36, 0.4, 0.4),  # cx cy w h: Ultralytics' convert_coco
    # x, y, width, height in percent of the image, as Label Studio's RectangleLabels (the SDK's
    # Label Studio import takes x * width / 100 as the left edge: label_studio_helper.py).
    "labelstudio": (12.0, 16.0, 40.0, 40.0),
}
assert set(WRITTEN) == set(FORMATS), "every format of the registry has its numbers here"


def make_project(folder: Path) -> None:
    """A local project: one 100x50 image with one ``sign`` box ``Rectangle(8, 12, 28, 52)``."""
    sign = sly.ObjClass("sign", sly.Rectangle)
    project = sly.Project(str(folder), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta(obj_classes=[sign]))
    ann = sly.Annotation(IMAGE_SIZE, [sly.Label(sly.Rectangle(*RECTANGLE), sign)])
    image = np.zeros((*IMAGE_SIZE, 3), np.uint8)
    project.create_dataset("train").add_item_np("a.png", image, ann=ann)


def written_box(format_name: str, folder: Path) -> Tuple[float, ...]:
    """The box of the one object that ``format_name`` wrote in ``folder``, in that format's own
    numbers (see ``WRITTEN``)."""
    if format_name == "supervisely":
        project = sly.Project(str(folder), sly.OpenMode.READ)
        (dataset,) = [dataset for dataset in project.datasets if len(dataset)]
        ann = dataset.get_ann("a.png", project.meta)
        assert len(ann.labels) == 1, [label.geometry.geometry_name() for label in ann.labels]
        box = ann.labels[0].geometry.to_bbox()
        return box.top, box.left, box.bottom, box.right
    if format_name == "labelme":
        (path,) = folder.rglob("*.json")
        (shape,) = json.loads(path.read_text())["shapes"]
        xs, ys = [p[0] for p in shape["points"]], [p[1] for p in shape["points"]]
        return min(xs), min(ys), max(xs), max(ys)
    if format_name == "cvat":
        (image,) = ET.parse(folder / "annotations.xml").getroot().iter("image")
        (shape,) = list(image)
        if shape.tag == "box":
            return tuple(float(shape.get(a)) for a in ("xtl", "ytl", "xbr", "ybr"))
        points = [tuple(map(float, p.split(","))) for p in shape.get("points").split(";")]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return min(xs), min(ys), max(xs), max(ys)
    if format_name == "coco":
        (path,) = (folder / "annotations").glob("*.json")
        (instance,) = json.loads(path.read_text())["annotations"]
        return tuple(instance["bbox"])
    if format_name == "labelstudio":
        (task,) = json.loads((folder / "tasks.json").read_text())
        (region,) = [r for r in task["annotations"][0]["result"] if r["type"] != "relation"]
        value = region["value"]
        if "points" in value:  # a polygon region (a YOLO segment): its extent
            xs, ys = [p[0] for p in value["points"]], [p[1] for p in value["points"]]
            return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)
        return tuple(value[key] for key in ("x", "y", "width", "height"))
    (path,) = (folder / "labels").rglob("*.txt")
    (line,) = path.read_text().splitlines()
    values = [float(v) for v in line.split()[1:]]
    if format_name == "yolo-det":
        return tuple(values)
    xs, ys = values[::2], values[1::2]
    return min(xs), min(ys), max(xs), max(ys)


# Every pair but Supervisely to itself (convert refuses it: copy the folder).
PAIRS = [(s, t) for s in READABLE for t in FORMATS if (s, t) != ("supervisely", "supervisely")]


@pytest.mark.parametrize("source, target", PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_a_box_keeps_its_size_through_every_pair_of_formats(tmp_path, capsys, source, target):
    make_project(tmp_path / "project")
    first = tmp_path / "project"
    if source != "supervisely":
        first = tmp_path / "source"
        assert convert_in_process("supervisely", source, tmp_path / "project", first) == 0
        assert written_box(source, first) == pytest.approx(WRITTEN[source], abs=1e-6)

    assert convert_in_process(source, target, first, tmp_path / "target") == 0, capsys.readouterr()
    assert written_box(target, tmp_path / "target") == pytest.approx(WRITTEN[target], abs=1e-6)

    if target in READABLE and target != "supervisely":
        back = tmp_path / "back"
        assert convert_in_process(target, "supervisely", tmp_path / "target", back) == 0
        assert written_box("supervisely", back) == RECTANGLE
