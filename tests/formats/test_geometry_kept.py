"""Issue 17, kind 3: no reader reinterprets a geometry by a guess from its points.

A polygon in a file is a polygon (four corners of an axis-aligned box included), a box is a
box. Our own rectangles round-trip by a means that cannot catch a real polygon: COCO lists
the parts it wrote from rectangles in the instance's ``sly_rectangles`` (a field no other tool
writes; pycocotools and Datumaro ignore it), CVAT and LabelMe have a box shape of their own,
YOLO detection has only boxes.

What each reader gets, in the file's own notation (the table over the formats that read):

=========  ===========================================  =====================================
format     4 corners of an axis-aligned box, a polygon   a box
=========  ===========================================  =====================================
coco       ``segmentation [[2,1, 5,1, 5,3, 2,3]]``       ``segmentation []`` + ``bbox``
cvat       ``<polygon points="2,1;5,1;5,3;2,3">``        ``<box xtl ytl xbr ybr>``
labelme    ``shape_type: polygon``, 4 points              ``shape_type: rectangle``
yolo       a segmentation line of 4 points                a detection line ``cx cy w h``
=========  ===========================================  =====================================
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import numpy as np
import pytest
import supervisely as sly

from sly_bindings.formats.items import FormatItem
from registry_tables import SOURCES, TARGETS, read, write

HEIGHT, WIDTH = 6, 8
CORNERS = [(2, 1), (5, 1), (5, 3), (2, 3)]  # (x, y): an axis-aligned 4x3 box's corners


def _image(folder: Path, relative: str) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    sly.image.write(str(path), np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    return path


def _coco(folder: Path) -> Path:
    _image(folder, "images/a.png")
    coco = {
        "images": [{"id": 1, "file_name": "a.png", "height": HEIGHT, "width": WIDTH}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "segmentation": [[v for point in CORNERS for v in point]],
                "bbox": [2, 1, 3, 2],
                "area": 6,
                "iscrowd": 0,
            },
            {
                "id": 2,
                "image_id": 1,
                "category_id": 2,
                "segmentation": [],
                "bbox": [2, 1, 3, 2],
                "area": 6,
                "iscrowd": 0,
            },
        ],
        "categories": [{"id": 1, "name": "polygon"}, {"id": 2, "name": "box"}],
    }
    (folder / "coco.json").write_text(json.dumps(coco))
    return folder / "coco.json"


def _cvat(folder: Path) -> Path:
    _image(folder, "images/a.png")
    points = ";".join(f"{x},{y}" for x, y in CORNERS)
    (folder / "annotations.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version>'
        "<meta><task><labels>"
        "<label><name>polygon</name><type>polygon</type></label>"
        "<label><name>box</name><type>rectangle</type></label>"
        "</labels></task></meta>"
        f'<image id="0" name="a.png" width="{WIDTH}" height="{HEIGHT}">'
        f'<polygon label="polygon" occluded="0" points="{points}" z_order="0"/>'
        '<box label="box" occluded="0" xtl="2" ytl="1" xbr="6" ybr="4" z_order="0"/>'
        "</image></annotations>"
    )
    return folder


def _labelme(folder: Path) -> Path:
    _image(folder, "a.png")
    data = {
        "version": "5.5.0",
        "flags": {},
        "shapes": [
            {"label": "polygon", "points": CORNERS, "group_id": None, "shape_type": "polygon"},
            {
                "label": "box",
                "points": [[2, 1], [5, 3]],
                "group_id": None,
                "shape_type": "rectangle",
            },
        ],
        "imagePath": "a.png",
        "imageData": None,
        "imageHeight": HEIGHT,
        "imageWidth": WIDTH,
    }
    (folder / "a.json").write_text(json.dumps(data))
    return folder


def _yolo(folder: Path) -> Path:
    _image(folder, "images/train/a.png")
    (folder / "labels/train").mkdir(parents=True)
    segment = " ".join(f"{x / WIDTH:.6f} {y / HEIGHT:.6f}" for x, y in CORNERS)
    (folder / "labels/train/a.txt").write_text(f"0 {segment}\n1 0.4375 0.4166667 0.5 0.5\n")
    (folder / "data.yaml").write_text("names: [polygon, box]\n")
    return folder


def _labelstudio(folder: Path) -> Path:
    _image(folder, "images/a.png")

    def region(region_id: str, kind: str, value: dict, label: str) -> dict:
        # As Label Studio's JSON export writes a result (percent of the image's size).
        return {
            "id": region_id,
            "type": kind,
            "value": {**value, kind: [label]},
            "from_name": "label",
            "to_name": "image",
            "original_width": WIDTH,
            "original_height": HEIGHT,
        }

    points = [[100 * x / WIDTH, 100 * y / HEIGHT] for x, y in CORNERS]
    box = {"x": 25.0, "y": 100 / 6, "width": 37.5, "height": 100 / 3, "rotation": 0}
    results = [
        region("p", "polygonlabels", {"points": points}, "polygon"),
        region("b", "rectanglelabels", box, "box"),
    ]
    task = {
        "id": 1,
        "data": {"image": "/data/local-files/?d=images/a.png"},
        "annotations": [{"id": 1, "result": results, "was_cancelled": False}],
    }
    (folder / "export.json").write_text(json.dumps([task]))
    return folder


NATIVE: Dict[str, Callable[[Path], Path]] = {
    "coco": _coco,
    "cvat": _cvat,
    "labelme": _labelme,
    "yolo": _yolo,
    "labelstudio": _labelstudio,
}


def _kinds(items: List[FormatItem]) -> List[Tuple[str, str]]:
    return sorted(
        (label.obj_class.name, label.geometry.geometry_name())
        for item in items
        for label in item.ann.labels
    )


@pytest.mark.parametrize("format_name", sorted(NATIVE))
def test_a_polygon_in_a_file_is_a_polygon_and_a_box_a_box(format_name, tmp_path):
    source = NATIVE[format_name](tmp_path)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # YOLO's "no groups" note
        items = read(format_name, source)

    assert _kinds(items) == [("box", "rectangle"), ("polygon", "polygon")]


def test_every_reader_is_in_the_table():
    assert set(NATIVE) | {"supervisely"} == set(SOURCES)


# What a writer's format can hold: a lone rectangle and a 4-corner polygon come back as
# themselves where the format has both; YOLO segmentation holds only polygons and YOLO detection
# only boxes, so each comes back as the one it holds (never by a guess from corners).
ROUND_TRIP = {
    "coco": [("box", "rectangle"), ("polygon", "polygon")],
    "cvat": [("box", "rectangle"), ("polygon", "polygon")],
    "labelme": [("box", "rectangle"), ("polygon", "polygon")],
    "yolo": [("box", "polygon"), ("polygon", "polygon")],
    "yolo-det": [("box", "rectangle"), ("polygon", "rectangle")],
    "labelstudio": [("box", "rectangle"), ("polygon", "polygon")],
}


@pytest.mark.parametrize("format_name", TARGETS)
def test_our_rectangles_and_polygons_round_trip_as_themselves(format_name, tmp_path):
    image = _image(tmp_path, "in/a.png")
    box_class = sly.ObjClass("box", sly.Rectangle)
    polygon_class = sly.ObjClass("polygon", sly.Polygon)
    corners = [sly.PointLocation(y, x) for x, y in CORNERS]
    ann = sly.Annotation(
        (HEIGHT, WIDTH),
        [
            sly.Label(sly.Polygon(corners), polygon_class),
            sly.Label(sly.Rectangle(1, 2, 3, 5), box_class),
        ],
    )
    item = FormatItem(("train",), "a.png", image, ann, "a.png")
    out = tmp_path / "out"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write(format_name, [item], out, (polygon_class, box_class))
        read_back = read(format_name, out)

    assert _kinds(read_back) == ROUND_TRIP[format_name]
    assert set(ROUND_TRIP) == set(TARGETS)
