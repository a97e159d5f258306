"""groups/roles.py: the semantics of a group of any classes, on tiny hand-checked groups."""

from __future__ import annotations

from contextlib import nullcontext as does_not_raise

import numpy as np
import pytest
import supervisely as sly

from label_literals import bitmap, keypoint_class, polygon
from label_literals import keypoints as keypoint_label
from sly_bindings.groups.merge import object_mask
from sly_bindings.groups.roles import (
    decompose_group,
    describe_group,
    group_class,
    group_roles,
    mask_members,
)


def cls(name, geometry=sly.AnyGeometry):
    return sly.ObjClass(name, geometry)


def box(top, left, bottom, right, name) -> sly.Label:
    return sly.Label(sly.Rectangle(top, left, bottom, right), cls(name, sly.Rectangle))


def mask(rows, name, top=0, left=0) -> sly.Label:
    return bitmap(rows, top=top, left=left, obj_class=cls(name, sly.Bitmap))


def poly(points, name) -> sly.Label:
    return polygon(points, obj_class=cls(name, sly.Polygon))


def keypoints(points, name="skeleton") -> sly.Label:
    names = [f"p{i}" for i in range(len(points))]
    return keypoint_label(dict(zip(names, points)), keypoint_class(name, names))


def point(row, col, name="dot") -> sly.Label:
    return sly.Label(sly.Point(row, col), cls(name, sly.Point))


@pytest.mark.parametrize(
    "labels, primary, expected, exception",
    [
        ([mask([[1, 1]], "car")], None, "car", does_not_raise()),  # one label: its class
        (  # largest area leads: person (4 px) over hat (1 px), whatever the order
            [mask([[1]], "hat"), mask([[1, 1], [1, 1]], "person")],
            None,
            "person",
            does_not_raise(),
        ),
        (  # a tie: the first in the annotation
            [mask([[1, 1]], "head"), mask([[1], [1]], "hand")],
            None,
            "head",
            does_not_raise(),
        ),
        (  # an area member leads over a far bigger box
            [box(0, 0, 99, 99, "zone"), mask([[1]], "car")],
            None,
            "car",
            does_not_raise(),
        ),
        (  # no area member: the largest box (person 10x5 over hat 2x2), as CVAT groups them
            [box(0, 0, 1, 1, "hat"), box(0, 0, 9, 4, "person")],
            None,
            "person",
            does_not_raise(),
        ),
        (  # <name>_bbox never leads when <name> is in the group, even as the larger box
            [box(0, 0, 9, 9, "car_bbox"), box(0, 0, 1, 1, "car")],
            None,
            "car",
            does_not_raise(),
        ),
        (  # keypoints + their <name>_bbox box: the keypoints' class leads
            [box(0, 0, 9, 9, "person_bbox"), keypoints([(1, 1), (5, 5)], "person")],
            None,
            "person",
            does_not_raise(),
        ),
        (  # <name>_bbox alone (no <name>): it may lead
            [box(0, 0, 9, 9, "car_bbox"), point(1, 1)],
            None,
            "car_bbox",
            does_not_raise(),
        ),
        (  # only others: the first one
            [point(1, 1, "a"), point(2, 2, "b")],
            None,
            "a",
            does_not_raise(),
        ),
        (  # primary_classes override the area rule
            [mask([[1, 1], [1, 1]], "person"), mask([[1]], "hat")],
            ["hat"],
            "hat",
            does_not_raise(),
        ),
        (  # primary classes absent from the group: the plain rule
            [mask([[1, 1], [1, 1]], "person"), mask([[1]], "hat")],
            ["dog"],
            "person",
            does_not_raise(),
        ),
        ([], None, None, pytest.raises(ValueError, match="no labels")),
        ([mask([[1]], "car")], "car", None, pytest.raises(TypeError, match="list of class")),
        ([sly.Rectangle(0, 0, 1, 1)], None, None, pytest.raises(TypeError, match="not a sly")),
    ],
)
def test_group_class(labels, primary, expected, exception):
    with exception:
        assert group_class(labels, primary).name == expected


def test_group_roles_sorts_each_geometry_kind():
    labels = [
        point(0, 0),
        box(0, 0, 1, 1, "car_bbox"),
        keypoints([(1, 1)]),
        poly([(0, 0), (0, 2), (2, 0)], "car"),
        mask([[1]], "car"),
    ]
    roles = group_roles(labels)
    assert roles.area == (labels[3], labels[4])
    assert roles.box == (labels[1],)
    assert roles.keypoints == (labels[2],)
    assert roles.other == (labels[0],)


@pytest.mark.parametrize(
    "labels, expected",
    [
        (  # the car_bbox box is the car's box: the mask is the polygon's pixels only
            [box(0, 0, 3, 3, "car_bbox"), poly([(0, 0), (0, 2), (2, 0)], "car")],
            [[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]],
        ),
        (  # two area members of two classes: their union; the point adds nothing
            [mask([[1, 1]], "person"), mask([[1]], "head", top=2, left=3), point(3, 0)],
            [[1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]],
        ),
        (  # only boxes: the boxes are the object
            [box(0, 0, 1, 1, "person"), box(3, 3, 3, 3, "hat")],
            [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]],
        ),
        ([keypoints([(1, 1)])], np.zeros((4, 4), int).tolist()),  # keypoints only: no area
        (  # keypoints and their box: the box is the bbox, not the mask
            [keypoints([(1, 1)], "person"), box(0, 0, 3, 3, "person_bbox")],
            np.zeros((4, 4), int).tolist(),
        ),
    ],
)
def test_object_mask(labels, expected):
    np.testing.assert_array_equal(object_mask(labels, (4, 4)), np.array(expected, dtype=bool))


@pytest.mark.parametrize(
    "labels, expected",
    [
        (  # the leader's one <leader>_bbox box, larger than the polygon: it is the bbox
            [poly([(52, 12), (52, 40), (70, 12)], "car"), box(50, 10, 80, 90, "car_bbox")],
            (50, 10, 80, 90),
        ),
        (  # a box of the leader's own class counts too
            [mask([[1, 1], [1, 1]], "person"), box(0, 0, 5, 5, "person")],
            (0, 0, 5, 5),
        ),
        (  # two own boxes: ambiguous, so the union of every member's extent
            [
                mask([[1]], "car", top=4, left=4),
                box(0, 0, 2, 2, "car_bbox"),
                box(1, 1, 3, 6, "car"),
            ],
            (0, 0, 4, 6),
        ),
        (  # the box of another class is a part, not the object's: the object's own extent
            [mask([[1, 1], [1, 1]], "person"), box(5, 5, 6, 7, "hat")],
            (0, 0, 1, 1),
        ),
        (  # keypoints extend the union
            [mask([[1]], "person"), keypoints([(3, 8), (0, 0)], "person")],
            (0, 0, 3, 8),
        ),
        (  # CVAT: person box + hat box, person leads by area; its box is the bbox
            [box(2, 2, 3, 3, "hat"), box(0, 0, 9, 4, "person")],
            (0, 0, 9, 4),
        ),
    ],
)
def test_the_object_s_bbox(labels, expected):
    bbox = decompose_group(labels).bbox
    assert (bbox.top, bbox.left, bbox.bottom, bbox.right) == expected


def test_companion_boxes_and_mask_members_and_description():
    labels = [
        box(0, 0, 1, 1, "person_bbox"),
        mask([[1]], "head"),
        mask([[1, 1], [1, 1]], "person"),
        box(0, 0, 1, 1, "hand"),
        mask([[1]], "hand"),
    ]
    assert decompose_group(labels).boxes == (labels[0],)
    assert mask_members(labels) == (labels[1], labels[2], labels[4])
    assert describe_group(labels) == "person + person_bbox, head, hand"


def names(labels) -> list:
    return [label.obj_class.name for label in labels]


@pytest.mark.parametrize(
    "labels, primary, merge, expected",
    [
        (  # the SDK's COCO import: car fragments and the car_bbox companion, no part
            [poly([(0, 0), (0, 4), (4, 0)], "car"), poly([(6, 6), (6, 9), (9, 6)], "car"),
             box(0, 0, 9, 9, "car_bbox")], None, False,
            ("car", ["car", "car"], ["car_bbox"], [], [], ()),
        ),
        (  # a person with head and hand: the object and two parts
            [poly([(0, 0), (0, 9), (9, 0)], "person"), poly([(0, 0), (0, 2), (2, 0)], "head"),
             box(5, 0, 6, 1, "hand")], None, False,
            ("person", ["person"], [], [], ["head", "hand"], ()),
        ),
        (  # --primary-class head: the head is the object, the person a part
            [poly([(0, 0), (0, 9), (9, 0)], "person"), poly([(0, 0), (0, 2), (2, 0)], "head")],
            ["head"], False,
            ("head", ["head"], [], [], ["person"], ()),
        ),
        (  # merged: one object of the leader, the other classes named
            [poly([(0, 0), (0, 9), (9, 0)], "person"), poly([(0, 0), (0, 2), (2, 0)], "head"),
             box(5, 0, 6, 1, "hand")], None, True,
            ("person", ["person", "head", "hand"], [], [], [], ("head", "hand")),
        ),
        (  # the SDK's keypoints import: a box and keypoints of person are one object
            [box(0, 0, 9, 9, "person_bbox"), keypoints([(1, 1), (5, 5)], "person")],
            None, False,
            ("person", [], ["person_bbox"], ["person"], [], ()),
        ),
        (  # our COCO reader's names: <name>_bbox and <name>_keypoints, no <name> label
            [box(0, 0, 9, 9, "face_bbox"), keypoints([(1, 1), (5, 5)], "face_keypoints")],
            None, False,
            ("face_keypoints", [], ["face_bbox"], ["face_keypoints"], [], ()),
        ),
    ],
)  # fmt: skip
def test_decompose_group(labels, primary, merge, expected):
    group = decompose_group(labels, primary, merge)
    got = (
        group.object_class.name,
        names(group.fragments),
        names(group.boxes),
        names(group.keypoints),
        names(group.parts),
        group.merged_classes,
    )
    assert got == expected
    # Nothing is lost: every label is in the object or a part, once.
    assert sorted(map(id, group.members + group.parts)) == sorted(map(id, labels))
