"""A coordinate read from any format is a pixel position: a huge one is one warning line, the
kind of issue 11 ("coordinates >= 1e300"), never an overflow in the SDK or OpenCV; its record is
skipped and the rest of the file read (issue 17, kind 1: formats.records)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from sly_bindings.formats.coco.read import CocoWarning, coco_to_annotation
from sly_bindings.formats.cvat import CvatWarning, cvat_image_to_annotation
from sly_bindings.formats.items import MAX_COORDINATE
from sly_bindings.formats.labelme import LabelmeWarning, labelme_to_annotation
from sly_bindings.formats.yolo import YoloWarning, yolo_to_annotation

HUGE = [1e300, -1e300, 2**64, MAX_COORDINATE + 1]
CATEGORY_NAMES = {1: "car"}


def labelme(value):
    shape = {"label": "car", "shape_type": "polygon", "group_id": None,
             "points": [[0, 0], [value, 1], [2, 2]]}  # fmt: skip
    return lambda: labelme_to_annotation(
        {"imageHeight": 8, "imageWidth": 8, "imagePath": "a.png", "shapes": [shape]}, "a.json"
    )


def coco_polygon(value):
    instance = {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, value, 1, 2, 2]]}
    image = {"id": 1, "file_name": "a.png", "height": 8, "width": 8}
    return lambda: coco_to_annotation(image, [instance], CATEGORY_NAMES, "c.json")


def coco_bbox(value):
    instance = {
        "id": 1,
        "image_id": 1,
        "category_id": 1,
        "segmentation": [],
        "bbox": [value, 0, 2, 2],
    }
    image = {"id": 1, "file_name": "a.png", "height": 8, "width": 8}
    return lambda: coco_to_annotation(image, [instance], CATEGORY_NAMES, "c.json")


def cvat_polygon(value):
    xml = f"<image id='0' name='a.png' width='8' height='8'><polygon label='car' points='0,0;{value},1;2,2'/></image>"
    return lambda: cvat_image_to_annotation(ET.fromstring(xml), "annotations.xml")


def cvat_box(value):
    xml = f"<image id='0' name='a.png' width='8' height='8'><box label='car' xtl='0' ytl='0' xbr='{value}' ybr='2'/></image>"
    return lambda: cvat_image_to_annotation(ET.fromstring(xml), "annotations.xml")


def yolo(value):
    normalised = value / 8  # 7 pixels is 0.875 of the side, 1e300 stays far beyond
    text = f"0 0 0 {normalised} 0.1 0.2 0.2\n"
    return lambda: yolo_to_annotation(text, ["car"], (8, 8), "a.txt")


READERS = [
    (yolo, YoloWarning, "a.txt: line 1: a coordinate lies beyond any image"),
    (coco_polygon, CocoWarning, "segmentation[0]: a polygon must be [x1, y1, x2, y2, x3, y3, ...] numbers, each within 1048576 of 0"),
    (coco_bbox, CocoWarning, "with no segmentation, bbox must be [x, y, width, height], width and height above 0, each within 1048576 of 0"),
    (cvat_polygon, CvatWarning, "<polygon> #1: points: must be 'x,y;x,y;...' numbers, each within 1048576 of 0"),
    (cvat_box, CvatWarning, "<box> #1: xbr: "),
]  # fmt: skip


@pytest.mark.parametrize("value", HUGE, ids=["1e300", "-1e300", "2^64", "2^20+1"])
@pytest.mark.parametrize("reader, error, message", READERS, ids=[r[0].__name__ for r in READERS])
def test_a_coordinate_beyond_any_image_skips_its_record_in_one_line(reader, error, message, value):
    with pytest.warns(error) as warned:
        ann = reader(value)()
    assert ann.labels == []
    (line,) = [str(w.message) for w in warned if issubclass(w.category, error)]
    assert message in line and line.endswith("is skipped")
    assert "\n" not in line and len(line) < 400


@pytest.mark.parametrize("value", HUGE, ids=["1e300", "-1e300", "2^64", "2^20+1"])
def test_labelme_skips_such_a_shape_with_a_warning_and_reads_the_rest(value):
    """LabelMe's rule (issue 13): a bad shape never stops the file."""
    with pytest.warns(LabelmeWarning) as warned:
        ann = labelme(value)()
    assert ann.labels == []
    assert (
        "a.json: shapes[0].points: must be a list of [x, y] number pairs, each within 1048576"
        in str(warned[0].message)
    )


@pytest.mark.parametrize(
    "reader",
    [labelme] + [r[0] for r in READERS],
    ids=["labelme"] + [r[0].__name__ for r in READERS],
)
def test_a_coordinate_outside_the_image_but_near_it_is_read(reader):
    assert len(reader(7)().labels) == 1  # the SDK crops it to the image, as Supervisely does
