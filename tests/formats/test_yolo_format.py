"""yolo_format: one YOLO line per object, its parts joined by bridges; lines read back as labels.

What the round trip Supervisely -> YOLO -> Supervisely is held to (YOLO has no groups, and a
joined polygon is not split back): per image, one label per object (each binding group, each
unbound label), in the objects' order and of the object's class; its pixels include every pixel
of the object (none missing), and every pixel it adds lies on a bridge (a segment the written
outline walks both ways). A single polygon or rectangle comes back at exactly its pixels.
"""

from __future__ import annotations

from types import SimpleNamespace

import os

import contextlib
import warnings

import cv2
import numpy as np
import pytest
import supervisely as sly
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from commands import convert_in_process
from registry_tables import SOURCES
from format_samples import (
    CAR,
    PERSON,
    SIGN,
    bridge_lines,
    class_types,
    make_sample_project,
    polygon,
    read_project,
)
from bindings import annotation_objects
from sly_bindings.groups.merge import group_mask
from sly_bindings.formats.yolo import (
    InvalidYoloError,
    YoloWarning,
    annotation_to_yolo,
    join_parts,
    object_outline,
    project_to_yolo,
    yolo_items,
    yolo_to_annotation,
    yolo_to_project,
)

does_not_raise = contextlib.nullcontext()
SQUARE_A = [(0, 0), (1, 0), (1, 1), (0, 1)]  # (x, y) corners of a 2x2 square at the left
SQUARE_B = [(4, 0), (5, 0), (5, 1), (4, 1)]  # the same, 3 pixels to the right
SQUARE_C = [(4, 5), (5, 5), (5, 6), (4, 6)]  # below SQUARE_B


@pytest.mark.parametrize(
    "parts, expected, raises",
    [
        # One part: itself.
        ([SQUARE_A], SQUARE_A, does_not_raise),
        # Two parts: A's closest vertex (1, 0) to B's (4, 0), round B, back, round the rest of A.
        (
            [SQUARE_A, SQUARE_B],
            [(1, 0), (4, 0), (5, 0), (5, 1), (4, 1), (4, 0), (1, 0), (1, 1), (0, 1), (0, 0)],
            does_not_raise,
        ),
        # Three parts in a chain: A to B at (1, 0)-(4, 0), B to C at (5, 1)-(5, 5) (the first
        # of the closest pairs), C all round, back over both bridges.
        (
            [SQUARE_A, SQUARE_B, SQUARE_C],
            [(1, 0), (4, 0), (5, 0), (5, 1), (5, 5), (5, 6), (4, 6), (4, 5), (5, 5), (5, 1)]
            + [(4, 1), (4, 0), (1, 0), (1, 1), (0, 1), (0, 0)],
            does_not_raise,
        ),
        # A one-pixel part is a one-vertex outline.
        ([SQUARE_A, [(3, 3)]], [(1, 1), (3, 3), (1, 1), (0, 1), (0, 0), (1, 0)], does_not_raise),
        # Errors: nothing to join, a part without vertices.
        ([], None, pytest.raises(ValueError, match="no parts")),
        ([SQUARE_A, []], None, pytest.raises(ValueError, match="no vertex")),
    ],
)
def test_join_parts_walks_each_bridge_there_and_back(parts, expected, raises):
    with raises:
        assert join_parts(parts).tolist() == [list(point) for point in expected]


def filled(outline: np.ndarray, image_size) -> np.ndarray:
    """The pixels of a polygon with these (x, y) vertices, drawn as Supervisely draws polygons."""
    canvas = np.zeros(image_size, dtype=bool)
    sly.Polygon([sly.PointLocation(y, x) for x, y in outline]).draw(canvas, True)
    return canvas


def outer_filled(mask: np.ndarray) -> np.ndarray:
    """``mask`` with its holes filled: what the outer contours enclose."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    canvas = np.zeros(mask.shape, dtype=np.uint8)
    cv2.drawContours(canvas, contours, -1, 1, thickness=cv2.FILLED)
    return canvas.astype(bool)


@settings(max_examples=60, deadline=None)
@given(
    boxes=st.lists(st.tuples(*[st.integers(0, 23)] * 4), min_size=1, max_size=5),
    as_masks=st.booleans(),
)
def test_the_joined_polygon_covers_every_part(boxes, as_masks):
    # A group of rectangles (or the same as masks), anywhere on a 24x24 image, touching or not.
    size = (24, 24)
    labels = []
    for top, left, bottom, right in boxes:
        box = sly.Rectangle(min(top, bottom), min(left, right), max(top, bottom), max(left, right))
        if as_masks:
            labels.append(sly.Label(sly.Bitmap(box.get_mask(size)), CAR))
        else:
            labels.append(sly.Label(box, SIGN))
    union = group_mask(labels, size)

    outline, parts = object_outline(labels, size)
    drawn = filled(outline, size)

    assert not (union & ~drawn).any()  # every pixel of every part is inside
    extra = drawn & ~union
    assert not (extra & ~bridge_lines(outline, size) & ~outer_filled(union)).any()
    assert parts == len(cv2.findContours(union.astype(np.uint8), 0, 1)[0])


@pytest.mark.parametrize(
    "labels, expected",
    [
        # A rectangle: its four corners, clockwise from the top-left, as (x, y).
        ([sly.Label(sly.Rectangle(1, 2, 3, 5), SIGN)], [(2, 1), (5, 1), (5, 3), (2, 3)]),
        # A polygon: its own vertices.
        ([sly.Label(polygon((0, 0), (0, 4), (3, 2)), PERSON)], [(0, 0), (4, 0), (2, 3)]),
        # A polygon reaching out of the 6x8 image: clipped to it.
        ([sly.Label(polygon((-2, 0), (0, 9), (7, 2)), PERSON)], [(0, 0), (7, 0), (2, 5)]),
        # A one-pixel mask: padded to the 3 points a YOLO segment needs.
        (
            [sly.Label(sly.Bitmap(np.ones((1, 1), bool), sly.PointLocation(2, 3)), CAR)],
            [(3, 2), (3, 2), (3, 2)],
        ),
        # Two overlapping rectangles: one part, the contour of their union (an L) through pixel
        # centres, so the inside corner is cut from (1, 2) to (2, 1); filled, it is the L again.
        (
            [
                sly.Label(sly.Rectangle(0, 0, 1, 3), SIGN),
                sly.Label(sly.Rectangle(0, 0, 3, 1), SIGN),
            ],
            [(0, 0), (0, 3), (1, 3), (1, 2), (2, 1), (3, 1), (3, 0)],
        ),
    ],
)
def test_object_outline(labels, expected):
    outline, parts = object_outline(labels, (6, 8))

    assert outline.tolist() == [list(point) for point in expected]
    assert parts == 1


def test_annotation_to_yolo_writes_one_line_per_object():
    bound = [
        sly.Label(sly.Bitmap(np.ones((2, 2), bool), sly.PointLocation(0, column)), CAR)
        for column in (0, 4)
    ]
    ann = sly.Annotation(
        (10, 20),
        [
            *[label.clone(binding_key="car-1") for label in bound],
            sly.Label(sly.Rectangle(0, 0, 4, 9), SIGN),
        ],
    )

    with pytest.warns(YoloWarning, match="group car-1 .* is 2 separate parts: .* 1 bridge"):
        lines = annotation_to_yolo(ann, {"car": 0, "sign": 2}, "a.jpg")

    assert lines == [
        # (1, 1) to (4, 1), round the right square, back, round the rest of the left one.
        "0 0.050000 0.100000 0.200000 0.100000 0.250000 0.100000 0.250000 0.000000 "
        "0.200000 0.000000 0.200000 0.100000 0.050000 0.100000 0.050000 0.000000 "
        "0.000000 0.000000 0.000000 0.100000",
        "2 0.000000 0.000000 0.450000 0.000000 0.450000 0.400000 0.000000 0.400000",
    ]


def test_a_mixed_class_group_is_a_line_per_object_and_part_or_one_merged():
    ann = sly.Annotation(
        (10, 10),
        [
            sly.Label(sly.Rectangle(0, 0, 1, 1), SIGN, binding_key="k"),
            sly.Label(polygon((3, 3), (3, 6), (6, 6)), PERSON, binding_key="k"),
            sly.Label(sly.Point(8, 8), sly.ObjClass("tip", sly.Point), binding_key="k"),
        ],
    )

    with pytest.warns(YoloWarning) as warned:
        lines = annotation_to_yolo(ann, {"person": 0, "sign": 1})

    # Issue 18: the person polygon leads, the sign box is a part: a line of its own.
    assert lines == [
        "0 0.300000 0.300000 0.600000 0.300000 0.600000 0.600000",
        "1 0.000000 0.000000 0.100000 0.000000 0.100000 0.100000 0.000000 0.100000",
    ]
    messages = [str(warning.message) for warning in warned]
    assert messages == ["image: group k: point skipped: a YOLO segment is the area of bitmaps, "
                        "polygons and rectangles"]  # fmt: skip

    with pytest.warns(YoloWarning) as warned:
        lines = annotation_to_yolo(ann, {"person": 0, "sign": 1}, merge_groups=True)

    # --merge-groups (issue 12's one object): the person's line only, the others named.
    assert lines == ["0 0.300000 0.300000 0.600000 0.300000 0.600000 0.600000"]
    messages = [str(warning.message) for warning in warned]
    assert messages[0] == (
        "image: group k (person + sign, tip) is one person line (--merge-groups): so sign, tip "
        "are not kept (--primary-class chooses the class)"
    )


CAR_POLYGON = sly.ObjClass("car", sly.Polygon)
CAR_BBOX = sly.ObjClass("car_bbox", sly.Rectangle)


@pytest.mark.parametrize(
    "labels, segment, detect",
    [
        (  # the SDK's COCO import: a car polygon and its car_bbox box, one line each way
            [sly.Label(polygon((2, 2), (2, 5), (5, 5)), CAR_POLYGON, binding_key="c"),
             sly.Label(sly.Rectangle(1, 1, 6, 8), CAR_BBOX, binding_key="c")],
            ["0 0.200000 0.200000 0.500000 0.200000 0.500000 0.500000"],
            # the car_bbox [x, y, w, h] = [1, 1, 7, 5] (formats.boxes: right - left)
            ["0 0.450000 0.350000 0.700000 0.500000"],
        ),
        (  # no box of its own: the polygon's vertices' extent, 2..5 (segments2boxes)
            [sly.Label(polygon((2, 2), (2, 5), (5, 5)), CAR_POLYGON)],
            ["0 0.200000 0.200000 0.500000 0.200000 0.500000 0.500000"],
            ["0 0.350000 0.350000 0.300000 0.300000"],
        ),
        (  # two boxes of two classes: the larger box's class leads, the other is its part;
            # a part known only by its car_bbox is a car where car is listed (issue 18)
            [sly.Label(sly.Rectangle(0, 0, 0, 0), CAR_BBOX, binding_key="s"),
             sly.Label(sly.Rectangle(0, 0, 4, 4), SIGN, binding_key="s")],
            ["1 0.000000 0.000000 0.400000 0.000000 0.400000 0.400000 0.000000 0.400000",
             "0 0.000000 0.000000 0.000000 0.000000 0.000000 0.000000 0.000000 0.000000"],
            ["1 0.200000 0.200000 0.400000 0.400000", "0 0.000000 0.000000 0.000000 0.000000"],
        ),
        (  # a box to the image's last pixel: [x, y, w, h] = [5, 5, 4, 4]
            [sly.Label(sly.Rectangle(5, 5, 9, 9), SIGN)],
            ["1 0.500000 0.500000 0.900000 0.500000 0.900000 0.900000 0.500000 0.900000"],
            ["1 0.700000 0.700000 0.400000 0.400000"],
        ),
    ],
)  # fmt: skip
def test_segment_and_detect_lines_of_a_group(labels, segment, detect):
    ann = sly.Annotation((10, 10), labels)
    class_ids = {"car": 0, "sign": 1, "car_bbox": 2}
    assert annotation_to_yolo(ann, class_ids) == segment
    assert annotation_to_yolo(ann, class_ids, task="detect") == detect


def test_a_detect_line_reads_back_as_its_box():
    ann = sly.Annotation((10, 20), [sly.Label(sly.Rectangle(4, 8, 5, 11), SIGN)])
    (line,) = annotation_to_yolo(ann, {"sign": 0}, task="detect")
    back = yolo_to_annotation(line, ["sign"], (10, 20))
    # A box, read as the Rectangle it is (issue 17, kind 3), not as a 4-corner polygon.
    assert [label.geometry.to_json()["points"]["exterior"] for label in back.labels] == [
        [[8, 4], [11, 5]]
    ]
    assert [type(label.geometry) for label in back.labels] == [sly.Rectangle]


def test_an_unknown_task_is_refused():
    with pytest.raises(ValueError, match="task is 'boxes': use one of segment, detect"):
        annotation_to_yolo(sly.Annotation((2, 2)), {}, task="boxes")


@pytest.mark.parametrize(
    "label, message",
    [
        # A Bitmap and a Rectangle to isinstance, but not drawn as they are: skipped, named.
        (
            sly.Label(
                sly.AlphaMask(np.array([[0, 90], [200, 255]], np.uint8)),
                sly.ObjClass("fog", sly.AlphaMask),
            ),
            "a.jpg: a fog label: alpha_mask skipped: a YOLO segment is the area of bitmaps",
        ),
        (
            sly.Label(
                sly.OrientedBBox(1, 1, 4, 6, angle=0.3), sly.ObjClass("box", sly.OrientedBBox)
            ),
            "a.jpg: a box label: oriented_bbox skipped",
        ),
        (
            sly.Label(sly.Polyline([[0, 0], [5, 5]]), sly.ObjClass("wire", sly.Polyline)),
            "a.jpg: a wire label: line skipped",
        ),
    ],
)
def test_labels_that_are_not_areas_are_skipped_with_a_warning(label, message):
    ann = sly.Annotation((10, 10), [label, sly.Label(sly.Rectangle(0, 0, 1, 1), SIGN)])

    with pytest.warns(YoloWarning) as warned:
        lines = annotation_to_yolo(ann, {label.obj_class.name: 0, "sign": 1}, "a.jpg")

    assert [str(warning.message) for warning in warned if message in str(warning.message)]
    assert [line.split()[0] for line in lines] == ["1"]


@pytest.mark.parametrize(
    "text, expected",
    [
        # Two lines, a blank one ignored; points rounded to whole pixels of the 10x20 image, and
        # 1.0 (the far edge) is the last pixel.
        (
            "0 0.1 0.2 0.5 0.2 0.3 0.6\n\n1 0.0 0.0 1.0 0.0 1.0 1.0 0.0 1.0\n",
            [
                ("car", [[2, 2], [2, 10], [6, 6]]),
                ("sign", [[0, 0], [0, 19], [9, 19], [9, 0]]),
            ],
        ),
        # An empty file: no labels.
        ("", []),
        # A detection line cx cy w h: its box, a Rectangle (formats.boxes, as Ultralytics'
        # xywhn2xyxy: x 8..12, y 4..6; the SDK gives a Rectangle's corners).
        ("0 0.5 0.5 0.2 0.2", [("car", [[4, 8], [4, 12], [6, 12], [6, 8]])]),
    ],
)
def test_yolo_lines_become_unbound_polygons(text, expected):
    ann = yolo_to_annotation(text, ["car", "sign"], (10, 20))

    def corners(geometry):
        if isinstance(geometry, sly.Rectangle):
            return [[p.row, p.col] for p in geometry.corners]
        return geometry.exterior_np.tolist()

    assert [(l.obj_class.name, corners(l.geometry)) for l in ann.labels] == expected
    assert all(label.binding_key is None for label in ann.labels)


@pytest.mark.parametrize(
    "text, message",
    [
        ("0 0.1 0.1 0.2 0.2 0.3", "line 1: points: a segment needs 3 or more x y pairs, got 5"),
        ("\n2 0.1 0.1 0.2 0.2 0.3 0.3", "line 2: class id 2: data.yaml names only ids 0 to 1"),
        ("car 0.1 0.1 0.2 0.2 0.3 0.3", "line 1: expected '<class id> x1 y1 x2 y2 ...' numbers"),
        ("0 0.1 0.1 0.2 zero 0.3 0.3", "line 1: expected"),
        ("0 0.1 0.1 0.2 nan 0.3 0.3", "line 1: expected"),
    ],
)
def test_malformed_lines_name_the_file_and_the_line(text, message):
    """Each line is a record (formats.records): skipped with one warning, the rest is read."""
    with pytest.warns(YoloWarning) as warned:
        ann = yolo_to_annotation(
            text + "\n1 0.1 0.1 0.2 0.2", ["car", "sign"], (10, 10), "labels/train/a.txt"
        )
    assert [label.obj_class.name for label in ann.labels] == ["sign"]
    (line,) = [str(w.message) for w in warned]
    raised = SimpleNamespace(value=line)  # the one line, as the error was
    assert line.endswith(": the line is skipped")

    assert str(raised.value).startswith("labels/train/a.txt: line ")
    assert message.split(" .* ")[0] in str(raised.value)
    assert message.split(" .* ")[-1] in str(raised.value)


def test_project_round_trip_keeps_every_object(tmp_path):
    original = make_sample_project(tmp_path / "project")

    with pytest.warns(YoloWarning):  # the car and the walkers are joined
        project_to_yolo(str(original), str(tmp_path / "yolo"), dataset_path="/data/street")
    with pytest.warns(YoloWarning, match=r"YOLO has no groups: every line is read"):
        yolo_to_project(str(tmp_path / "yolo"), str(tmp_path / "back"))

    config = yaml.safe_load((tmp_path / "yolo" / "data.yaml").read_text())
    assert config == {
        "path": "/data/street",
        "train": ["images/dataset-01", "images/dataset-02"],
        "val": ["images/dataset-01", "images/dataset-02"],
        "nc": 3,
        "names": {0: "car", 1: "person", 2: "sign"},
    }
    _, before = read_project(original)
    meta, after = read_project(tmp_path / "back")
    assert class_types(meta) == {"car": "polygon", "person": "polygon", "sign": "polygon"}
    assert sorted(after) == sorted(before)
    written = {
        "dataset-01/image.jpg": (tmp_path / "yolo" / "labels" / "dataset-01" / "image.txt"),
        "dataset-02/small.png": (tmp_path / "yolo" / "labels" / "dataset-02" / "small.txt"),
    }
    for item, ann in before.items():
        objects = annotation_objects(ann)
        back = after[item].labels
        assert len(back) == len(objects)
        for parts, label, line in zip(objects, back, written[item].read_text().splitlines()):
            assert label.obj_class.name == parts[0].obj_class.name
            union = group_mask(parts, ann.img_size)
            drawn = group_mask([label], ann.img_size)
            assert not (union & ~drawn).any(), f"{item}: a pixel of the object is missing"
            height, width = ann.img_size
            outline = np.round(np.array(line.split()[1:], float).reshape(-1, 2) * [width, height])
            bridges = bridge_lines(outline.astype(int), ann.img_size)
            assert not (drawn & ~union & ~bridges).any(), f"{item}: pixels off the bridges"
            if len(parts) == 1 and not isinstance(parts[0].geometry, sly.Bitmap):
                assert (drawn == union).all()


def test_data_yaml_lists_each_image_folder_once_with_its_nested_datasets(tmp_path):
    project = sly.Project(str(tmp_path / "project"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([sly.ObjClass("car", sly.Rectangle)]))
    image = np.zeros((4, 4, 3), np.uint8)
    for name, path in [
        ("city", None),
        ("night", "city/datasets/night"),
        ("val", None),
        ("hard", "val/datasets/hard"),
    ]:
        dataset = project.create_dataset(name, ds_path=path)
        dataset.add_item_np(f"{name}.png", image)

    project_to_yolo(project.directory, str(tmp_path / "yolo"))

    config = yaml.safe_load((tmp_path / "yolo" / "data.yaml").read_text())
    assert (config["train"], config["val"]) == (["images/city"], ["images/val"])
    # Every image lies under exactly one listed folder, as Ultralytics will find it.
    images = sorted((tmp_path / "yolo" / "images").rglob("*.png"))
    listed = [tmp_path / "yolo" / folder for folder in config["train"] + config["val"]]
    assert [sum(folder in image.parents for folder in listed) for image in images] == [1] * 4


# A dataset as Ultralytics lays it out, written by hand.
DATA_YAML = """
path: /somewhere/else  # ignored: the folder may have moved
train: images/train
val: images/val
names:
  0: car
  1: sign
"""


@pytest.mark.parametrize("names", ["names:\n  0: car\n  1: sign\n", "names: [car, sign]\n"])
def test_reading_a_hand_made_dataset(tmp_path, names):
    root = tmp_path / "yolo"
    for split in ("train", "val"):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
    (root / "data.yaml").write_text(DATA_YAML.split("names:")[0] + names)
    image = np.zeros((10, 20, 3), np.uint8)
    cv2.imwrite(str(root / "images" / "train" / "a.png"), image)
    cv2.imwrite(str(root / "images" / "val" / "b.png"), image)  # no label file: no labels
    (root / "labels" / "train" / "a.txt").write_text(
        "0 0.1 0.2 0.5 0.2 0.3 0.6\n1 0.0 0.0 1.0 0.0 1.0 1.0 0.0 1.0\n"
    )

    with pytest.warns(YoloWarning, match=r"every line is read"):
        yolo_to_project(str(root), str(tmp_path / "project"))

    meta, anns = read_project(tmp_path / "project")
    assert [c.name for c in meta.obj_classes] == ["car", "sign"]
    assert {item: len(ann.labels) for item, ann in anns.items()} == {
        "train/a.png": 2,
        "val/b.png": 0,
    }
    assert anns["train/a.png"].img_size == (10, 20)


@pytest.mark.parametrize(
    "data_yaml, label, message",
    [
        (None, "", "data.yaml: does not exist"),
        ("names: [car, car]", "", "data.yaml: names: a class name appears twice"),
        ("names: {1: car}", "", "data.yaml: names: must be a list of class names"),
        ("nc: 2", "", "data.yaml: names: must be"),
        ("names: [car\n", "", "data.yaml: not valid YAML"),
        # Not UTF-8 (Latin-1, as an old editor saves it).
        (b"names: [caf\xe9]", "", "data.yaml: not UTF-8 text (byte 11): save it as UTF-8"),
        ("names: [car]", b"0 0.1 0.1 0.2 0.2 0.3 0.3 \xb5", "a.txt: not UTF-8 text (byte 26)"),
        # No image at all.
        ("names: [car]", None, "images: no image in it"),
    ],
)
def test_a_bad_dataset_names_the_file_and_the_field(tmp_path, data_yaml, label, message):
    root = tmp_path / "yolo"
    (root / "images" / "train").mkdir(parents=True)
    (root / "labels" / "train").mkdir(parents=True)
    if data_yaml is not None:
        (root / "data.yaml").write_bytes(
            data_yaml.encode() if isinstance(data_yaml, str) else data_yaml
        )
    if label is not None:
        cv2.imwrite(str(root / "images" / "train" / "a.png"), np.zeros((4, 4, 3), np.uint8))
        (root / "labels" / "train" / "a.txt").write_bytes(
            label.encode() if isinstance(label, str) else label
        )

    with pytest.raises(InvalidYoloError) as raised:
        yolo_to_project(str(root), str(tmp_path / "project"))

    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
    assert not (tmp_path / "project").exists()  # read before anything is made


# A YAML alias bomb: ten lines that expand to 9^10 strings if the aliases are followed.
ALIAS_BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
    )
    + "names: *j\n"
)


@pytest.mark.parametrize(
    "data_yaml, message",
    [
        # Aliases of any size are refused before anything is expanded.
        (ALIAS_BOMB, "data.yaml: not valid YAML (aliases (*name) are not allowed in a data.yaml"),
        ("base: &b [car]\nnames: *b\n", "aliases (*name) are not allowed"),
        # A value quoted in the message is cut short, whatever its size.
        ("names: " + "x" * 5000 + "\n", "names: must be a list of class names or a mapping of ids"),
        ("names: " + "9" * 5000 + "\n", "data.yaml: not valid YAML (Exceeds the limit"),
        # Mixed key types cannot be sorted: refused with the same line, not an unexpected error.
        ("names: {0: car, a: sign}\n", "names: must be a list of class names or a mapping of ids"),
        ("names: {0: car, 1.5: sign}\n", "names: must be a list of class names or a mapping of"),
        # Too large to be a data.yaml at all.
        ("# " + "x" * (1024 * 1024) + "\nnames: [car]\n", "data.yaml: larger than 1024 KiB"),
    ],
    ids=[
        "alias bomb",
        "one alias",
        "huge value",
        "huge number",
        "mixed keys",
        "float key",
        "huge file",
    ],
)
def test_a_hostile_data_yaml_is_refused_in_one_short_line(tmp_path, data_yaml, message):
    root = tmp_path / "yolo"
    (root / "images" / "train").mkdir(parents=True)
    (root / "data.yaml").write_text(data_yaml)

    with pytest.raises(InvalidYoloError) as raised:
        yolo_to_project(str(root), str(tmp_path / "project"))

    assert message in str(raised.value)
    assert "\n" not in str(raised.value) and len(str(raised.value)) < 400


def test_a_data_yaml_that_is_a_fifo_is_refused_without_opening_it(tmp_path):
    root = tmp_path / "yolo"
    (root / "images" / "train").mkdir(parents=True)
    os.mkfifo(root / "data.yaml")  # opening it for reading would wait for a writer forever

    with pytest.raises(InvalidYoloError, match="data.yaml: is not a regular file"):
        yolo_to_project(str(root), str(tmp_path / "project"))


def test_a_label_file_that_is_a_fifo_is_refused_without_opening_it(tmp_path):
    root = tmp_path / "yolo"
    (root / "images" / "train").mkdir(parents=True)
    (root / "labels" / "train").mkdir(parents=True)
    (root / "data.yaml").write_text("names: [car]\n")
    cv2.imwrite(str(root / "images" / "train" / "a.png"), np.zeros((4, 4, 3), np.uint8))
    os.mkfifo(root / "labels" / "train" / "a.txt")  # its labels must not be lost silently

    with pytest.raises(InvalidYoloError, match="a.txt: is not a regular file"):
        yolo_to_project(str(root), str(tmp_path / "project"))


def test_yolo_items_reads_without_writing(tmp_path):
    root = tmp_path / "yolo"
    (root / "images" / "val").mkdir(parents=True)
    (root / "labels" / "val").mkdir(parents=True)
    (root / "data.yaml").write_text("names: [car, sign]\n")
    cv2.imwrite(str(root / "images" / "val" / "a.png"), np.zeros((10, 20, 3), np.uint8))
    (root / "labels" / "val" / "a.txt").write_text("1 0.1 0.2 0.5 0.2 0.3 0.6\n")
    before = sorted(tmp_path.rglob("*"))

    with pytest.warns(YoloWarning, match=r"YOLO has no groups: every line is read"):
        [item] = yolo_items(str(root))

    assert (item.dataset, item.name, item.ann.img_size) == (("val",), "a.png", (10, 20))
    assert [label.obj_class.name for label in item.ann.labels] == ["sign"]
    assert sorted(tmp_path.rglob("*")) == before


def make_yolo_folder(folder):
    """A YOLO segmentation folder written by hand: 3 lines in two images of two subsets."""
    for subset, name, lines in (
        ("train", "a", ["0 0.1 0.1 0.5 0.1 0.3 0.5", "1 0.6 0.6 0.9 0.6 0.9 0.9"]),
        ("val", "b", ["0 0.2 0.2 0.6 0.2 0.4 0.6"]),
    ):
        (folder / "images" / subset).mkdir(parents=True)
        (folder / "labels" / subset).mkdir(parents=True)
        cv2.imwrite(str(folder / "images" / subset / f"{name}.png"), np.zeros((8, 8, 3), np.uint8))
        (folder / "labels" / subset / f"{name}.txt").write_text("\n".join(lines) + "\n")
    (folder / "data.yaml").write_text("names: [car, sign]\n")
    return folder


NO_GROUPS = (
    "YOLO has no groups: every line is read as one unbound label, and polygons "
    "joined from several parts are not split back"
)


def test_reading_yolo_items_warns_once_that_yolo_has_no_groups(tmp_path):
    folder = make_yolo_folder(tmp_path / "yolo")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items = list(yolo_items(str(folder)))

    assert [len(item.ann.labels) for item in items] == [2, 1]
    assert [str(w.message) for w in caught] == [f"{folder}: {NO_GROUPS}"]


@pytest.mark.parametrize("target", SOURCES)  # every format read back by its own reader
def test_converting_from_yolo_shows_the_no_groups_warning_once(tmp_path, capsys, target):
    folder = make_yolo_folder(tmp_path / "yolo")

    code = convert_in_process("yolo", target, folder, tmp_path / "out")

    assert code == 0
    warning_lines = [line for line in capsys.readouterr().err.splitlines() if "no groups" in line]
    assert warning_lines == [f"warning: {folder}: {NO_GROUPS}"]
