"""group_merge.py on real sly.Label and sly.Annotation objects: tiny masks checked by eye."""

from __future__ import annotations

from contextlib import nullcontext as does_not_raise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import supervisely as sly

from bindings import bind_labels
from sly_bindings.files.images import masks_to_labels, read_image_size, read_mask
from bindings import annotation_objects
from sly_bindings.groups.merge import (
    GroupMergeWarning,
    group_bbox,
    group_mask,
    merge_bindings,
    merge_group,
)
from label_literals import CAR, bitmap, polygon

REPO_DIR = Path(__file__).resolve().parents[2]
SIGN = sly.ObjClass("sign", sly.Rectangle)
ANY = sly.ObjClass("thing", sly.AnyGeometry)
SIGN_MASK = sly.ObjClass("sign", sly.Bitmap)
POINT = sly.ObjClass("point", sly.Point)
TAG_META = sly.TagMeta("parked", sly.TagValueType.ANY_STRING)


def rectangle(top, left, bottom, right, obj_class=SIGN, key=None) -> sly.Label:
    return sly.Label(sly.Rectangle(top, left, bottom, right), obj_class, binding_key=key)


def full_mask(label: sly.Label, image_size) -> np.ndarray:
    """The label's pixels on an image-sized canvas, drawn by the SDK itself."""
    canvas = np.zeros(image_size, dtype=bool)
    label.geometry.draw(canvas, True)
    return canvas


@pytest.mark.parametrize(
    "labels, image_size, expected, exception",
    [
        ([], (2, 3), [[0, 0, 0], [0, 0, 0]], does_not_raise()),  # no labels: an empty mask
        (  # one Bitmap label where its origin says
            [bitmap([[1, 1]], top=1, left=1)],
            (3, 4),
            [[0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]],
            does_not_raise(),
        ),
        (  # two overlapping parts: a pixel set in either is set, each counted once
            [bitmap([[1, 1], [1, 1]]), bitmap([[1, 0], [0, 1]], top=0, left=1)],
            (2, 3),
            [[1, 1, 0], [1, 1, 1]],
            does_not_raise(),
        ),
        (  # parts touching the right and bottom borders of the image
            [bitmap([[1], [1]], top=0, left=2), bitmap([[1, 1]], top=2, left=0)],
            (3, 3),
            [[0, 0, 1], [0, 0, 1], [1, 1, 0]],
            does_not_raise(),
        ),
        (  # a part hanging over the top-left corner, one over the bottom-right: cut off
            [bitmap([[1, 1], [1, 1]], top=-1, left=-1), bitmap([[1, 1], [1, 1]], top=2, left=2)],
            (3, 3),
            [[1, 0, 0], [0, 0, 0], [0, 0, 1]],
            does_not_raise(),
        ),
        (  # a part entirely outside the image adds nothing
            [bitmap([[1]], top=5, left=5)],
            (2, 2),
            [[0, 0], [0, 0]],
            does_not_raise(),
        ),
        (  # a triangle, filled the way the SDK draws it (edges included)
            [polygon([(0, 0), (0, 2), (2, 0)])],
            (3, 3),
            [[1, 1, 1], [1, 1, 0], [1, 0, 0]],
            does_not_raise(),
        ),
        (  # a rectangle includes its bottom and right edges
            [rectangle(1, 1, 2, 3)],
            (3, 4),
            [[0, 0, 0, 0], [0, 1, 1, 1], [0, 1, 1, 1]],
            does_not_raise(),
        ),
        (  # a rectangle sticking out of the image
            [rectangle(-2, 2, 0, 9)],
            (2, 4),
            [[0, 0, 1, 1], [0, 0, 0, 0]],
            does_not_raise(),
        ),
        (  # a mask, a polygon and a rectangle in one group
            [
                bitmap([[1]], obj_class=ANY),
                polygon([(2, 2), (2, 3), (3, 3)], obj_class=ANY),
                rectangle(0, 3, 0, 3, obj_class=ANY),
            ],
            (4, 4),
            [[1, 0, 0, 1], [0, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, 1]],
            does_not_raise(),
        ),
        ([], (0, 3), None, pytest.raises(ValueError, match=r"two positive integers, got \(0, 3\)")),
        ([], (3,), None, pytest.raises(ValueError, match="image_size must be")),
        ([], (2.0, 3), None, pytest.raises(ValueError, match="image_size must be")),
        ([], "2x3", None, pytest.raises(ValueError, match="image_size must be")),
        (  # not a label
            [sly.Rectangle(0, 0, 1, 1)],
            (2, 2),
            None,
            pytest.raises(TypeError, match=r"labels\[0\] is a Rectangle, not a sly.Label"),
        ),
        (  # a point covers no area
            [sly.Label(sly.Point(0, 0), POINT)],
            (2, 2),
            None,
            pytest.raises(TypeError, match="'point' has a point geometry: leave it out"),
        ),
    ],
)
def test_group_mask(labels, image_size, expected, exception):
    with exception:
        mask = group_mask(labels, image_size)
        assert mask.dtype == np.bool_
        np.testing.assert_array_equal(mask, np.array(expected, dtype=bool))


def test_group_mask_matches_the_sdk_drawing_of_each_part():
    labels = [
        polygon([(1, 1), (1, 7), (6, 4)], obj_class=ANY),
        polygon([(3, 0), (8, 2), (5, 9), (0, 8)], obj_class=ANY),
        rectangle(6, 6, 8, 9, obj_class=ANY),
        bitmap([[1, 0, 1], [0, 1, 0]], top=7, left=0, obj_class=ANY),
    ]
    expected = np.zeros((9, 10), dtype=bool)
    for label in labels:
        expected |= label.geometry.get_mask((9, 10))
    np.testing.assert_array_equal(group_mask(labels, (9, 10)), expected)


@pytest.mark.parametrize(
    "labels, expected, exception",
    [
        ([rectangle(1, 2, 3, 4)], (1, 2, 3, 4), does_not_raise()),  # one label: its own box
        (  # two bitmaps: origin plus shape
            [bitmap([[1, 1]], top=4, left=1), bitmap([[1], [1], [1]], top=0, left=6)],
            (0, 1, 4, 6),
            does_not_raise(),
        ),
        (  # a polygon and a rectangle, not cut to any image
            [polygon([(-1, 2), (3, 5), (2, 0)], obj_class=ANY), rectangle(0, 0, 9, 1, ANY)],
            (-1, 0, 9, 5),
            does_not_raise(),
        ),
        ([], None, pytest.raises(ValueError, match="no labels to box")),
        (
            [sly.Label(sly.Point(0, 0), POINT)],
            None,
            pytest.raises(TypeError, match="geometry: leave it out"),
        ),
        (["car"], None, pytest.raises(TypeError, match="is a str, not a sly.Label")),
    ],
)
def test_group_bbox(labels, expected, exception):
    with exception:
        box = group_bbox(labels)
        assert (box.top, box.left, box.bottom, box.right) == expected


@pytest.mark.parametrize(
    "labels, obj_class, image_size, expected_mask, expected_class, exception",
    [
        (  # one label: its own mask, its own class
            [bitmap([[1, 0], [1, 1]], top=1, left=1, key="car-1")],
            None,
            (3, 3),
            [[0, 0, 0], [0, 1, 0], [0, 1, 1]],
            CAR,
            does_not_raise(),
        ),
        (  # two parts of a car with a gap between them, touching the image's corners
            [bitmap([[1]], key="a"), bitmap([[1, 1]], top=2, left=1, key="a")],
            None,
            (3, 3),
            [[1, 0, 0], [0, 0, 0], [0, 1, 1]],
            CAR,
            does_not_raise(),
        ),
        (  # a part hanging out of the image: cut off
            [bitmap([[1, 1, 1]], top=1, left=1, key="a")],
            None,
            (2, 3),
            [[0, 0, 0], [0, 1, 1]],
            CAR,
            does_not_raise(),
        ),
        (  # polygons: the merged label gets a Bitmap copy of the class
            [
                polygon([(0, 0), (0, 1), (1, 1)], key="p"),
                polygon([(2, 2), (2, 3), (3, 3)], key="p"),
            ],
            None,
            (4, 4),
            [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 0, 1]],
            sly.ObjClass("person", sly.Bitmap, color=[0, 128, 0]),
            does_not_raise(),
        ),
        (  # an AnyGeometry class takes the Bitmap as it is
            [polygon([(0, 0), (0, 1), (0, 1)], ANY), polygon([(1, 0), (1, 1), (1, 1)], ANY)],
            None,
            (2, 2),
            [[1, 1], [1, 1]],
            ANY,
            does_not_raise(),
        ),
        (  # a box beside an area member is its box, not part of the mask
            [rectangle(0, 0, 1, 1, obj_class=ANY), polygon([(1, 0), (1, 1), (1, 1)], ANY)],
            None,
            (2, 2),
            [[0, 0], [1, 1]],
            ANY,
            does_not_raise(),
        ),
        (  # only boxes: the boxes are the object
            [rectangle(0, 0, 0, 0, key="b"), rectangle(1, 1, 1, 1, key="b")],
            SIGN_MASK,
            (2, 2),
            [[1, 0], [0, 1]],
            SIGN_MASK,
            does_not_raise(),
        ),
        (  # mixed classes with the class to use given: the sign box is not drawn
            [bitmap([[1]], key="m"), rectangle(1, 1, 1, 1, key="m")],
            ANY,
            (2, 2),
            [[1, 0], [0, 0]],
            ANY,
            does_not_raise(),
        ),
        (  # mixed classes (issue 12): the leader's class, car, the only area member
            [bitmap([[1]], key="m"), rectangle(1, 1, 1, 1, key="m")],
            None,
            (2, 2),
            [[1, 0], [0, 0]],
            CAR,
            does_not_raise(),
        ),
        (  # two area classes: the larger geometry.area leads (person 2.0 over car 1.0)
            [bitmap([[1]], key="m"), polygon([(0, 0), (0, 2), (2, 0)], key="m")],
            None,
            (3, 3),
            [[1, 1, 1], [1, 1, 0], [1, 0, 0]],
            sly.ObjClass("person", sly.Bitmap, color=[0, 128, 0]),
            does_not_raise(),
        ),
        (  # keypoints only: no area to merge
            [sly.Label(sly.Point(1, 1), POINT, binding_key="k")],
            None,
            (2, 2),
            None,
            None,
            pytest.raises(ValueError, match="group 'k' has no Bitmap, Polygon or Rectangle"),
        ),
        (  # a class that cannot hold a Bitmap
            [bitmap([[1]])],
            SIGN,
            (2, 2),
            None,
            None,
            pytest.raises(TypeError, match="obj_class 'sign' takes Rectangle labels"),
        ),
        (  # a class name instead of a class
            [bitmap([[1]])],
            "car",
            (2, 2),
            None,
            None,
            pytest.raises(TypeError, match="obj_class is a str: pass a sly.ObjClass or None"),
        ),
        ([], None, (2, 2), None, None, pytest.raises(ValueError, match="no labels to merge")),
        (  # a bad image size is named before anything else
            [bitmap([[1]])],
            None,
            (2, -1),
            None,
            None,
            pytest.raises(ValueError, match=r"image_size .* got \(2, -1\)"),
        ),
        (  # every part outside the image
            [bitmap([[1]], top=3, left=0, key="far")],
            None,
            (3, 3),
            None,
            None,
            pytest.raises(ValueError, match="group 'far' has no pixel inside the 3x3 image"),
        ),
        (  # an unbound label outside the image
            [bitmap([[1]], top=0, left=-1)],
            None,
            (3, 3),
            None,
            None,
            pytest.raises(ValueError, match="label of class 'car' has no pixel inside"),
        ),
        (  # a polyline in the group: kept out of the mask
            [bitmap([[1]]), sly.Label(sly.Polyline([sly.PointLocation(0, 0)] * 2), ANY)],
            ANY,
            (2, 2),
            [[1, 0], [0, 0]],
            ANY,
            does_not_raise(),
        ),
    ],
)
def test_merge_group(labels, obj_class, image_size, expected_mask, expected_class, exception):
    before = [(label.binding_key, label.geometry.to_json()) for label in labels]
    with exception:
        merged = merge_group(labels, image_size, obj_class=obj_class)
        assert type(merged.geometry) is sly.Bitmap
        assert merged.binding_key is None
        assert merged.obj_class == expected_class
        assert merged.obj_class.geometry_type in (sly.Bitmap, sly.AnyGeometry)
        expected = np.array(expected_mask, dtype=bool)
        np.testing.assert_array_equal(full_mask(merged, image_size), expected)
    assert [(label.binding_key, label.geometry.to_json()) for label in labels] == before


def test_merge_group_of_a_far_away_group_on_a_large_image_keeps_only_the_group_box():
    parts = [bitmap([[1]], top=900, left=1500, key="a"), bitmap([[1]], top=902, left=1503, key="a")]
    merged = merge_group(parts, (1080, 1920))
    assert (merged.geometry.origin.row, merged.geometry.origin.col) == (900, 1500)
    assert merged.geometry.data.shape == (3, 4)
    assert merged.geometry.area == 2


def test_merge_group_keeps_each_tag_of_the_parts_once():
    parked, red = sly.Tag(TAG_META, "yes"), sly.Tag(TAG_META, "red")
    parts = [
        sly.Label(sly.Bitmap(np.ones((1, 1), bool)), CAR, tags=[parked], binding_key="a"),
        sly.Label(sly.Bitmap(np.ones((1, 1), bool)), CAR, tags=[parked, red], binding_key="a"),
    ]
    merged = merge_group(parts, (2, 2))
    assert [(tag.name, tag.value) for tag in merged.tags] == [("parked", "yes"), ("parked", "red")]


def test_annotation_objects_counts_number_and_string_keys_as_one_group():
    first, lone, second = bitmap([[1]], key=7), bitmap([[1]]), bitmap([[1]], key="7")
    later = rectangle(0, 0, 1, 1)
    objects = annotation_objects(sly.Annotation((2, 2), [first, lone, second, later]))
    assert [[id(label) for label in labels] for labels in objects] == [
        [id(first), id(second)],
        [id(lone)],
        [id(later)],
    ]
    assert annotation_objects(sly.Annotation((2, 2))) == []


@pytest.mark.parametrize(
    "labels, expected, exception",
    [
        ([], [], does_not_raise()),  # no labels: nothing to merge
        (  # one unbound label: kept as it is
            [bitmap([[1, 1]])],
            [("car", 2, None, [[1, 1, 0], [0, 0, 0], [0, 0, 0]])],
            does_not_raise(),
        ),
        (  # a group of two and an unbound label between its parts: the group takes its first place
            [bitmap([[1]], key="a"), rectangle(1, 1, 1, 2), bitmap([[1]], top=2, left=2, key="a")],
            [
                ("car", 2, None, [[1, 0, 0], [0, 0, 0], [0, 0, 1]]),
                ("sign", 2, None, [[0, 0, 0], [0, 1, 1], [0, 0, 0]]),
            ],
            does_not_raise(),
        ),
        (  # two groups, keys from a server as a number and a string
            [bitmap([[1]], key=7), polygon([(2, 0), (2, 1), (2, 1)], key="p"),
             bitmap([[1]], top=0, left=2, key="7"), polygon([(0, 1), (1, 1), (1, 1)], key="p")],
            [
                ("car", 2, None, [[1, 0, 1], [0, 0, 0], [0, 0, 0]]),
                ("person", 4, None, [[0, 1, 0], [0, 1, 0], [1, 1, 0]]),
            ],
            does_not_raise(),
        ),
        (  # an unbound point stays as it is: only groups are merged
            [sly.Label(sly.Point(1, 1), POINT)],
            [("point", 0, None, None)],
            does_not_raise(),
        ),
        (  # a group mixing classes (issue 18): the car object merged, the sign box its part
            [bitmap([[1]], key="mixed"), rectangle(1, 1, 1, 1, key="mixed")],
            [("car", 1, "mixed", [[1, 0, 0], [0, 0, 0], [0, 0, 0]]),
             ("sign", 1, "mixed", [[0, 0, 0], [0, 1, 0], [0, 0, 0]])],
            does_not_raise(),
        ),
        (  # a bound point of another class: a part, kept bound as it is
            [bitmap([[1]], key="k"), sly.Label(sly.Point(1, 1), ANY, binding_key="k")],
            [("car", 1, "k", [[1, 0, 0], [0, 0, 0], [0, 0, 0]]), ("thing", 0, "k", None)],
            does_not_raise(),
        ),
        (  # a bound group of only points: no area, kept as it is
            [sly.Label(sly.Point(1, 1), POINT, binding_key="k")],
            [("point", 0, "k", None)],
            does_not_raise(),
        ),
    ],
)  # fmt: skip
def test_merge_bindings(labels, expected, exception):
    ann = sly.Annotation((3, 3), labels)
    before = [(label.binding_key, label.geometry.to_json()) for label in ann.labels]
    with exception:
        merged = merge_bindings(ann)
        got = [
            (
                label.obj_class.name,
                int(label.geometry.area),
                label.binding_key,
                full_mask(label, (3, 3)).astype(int).tolist() if label.geometry.area else None,
            )
            for label in merged.labels
        ]
        assert got == expected
        assert merged.img_size == ann.img_size
        assert not any(new is old for new in merged.labels for old in ann.labels)
    assert [(label.binding_key, label.geometry.to_json()) for label in ann.labels] == before


def test_merge_bindings_on_the_demo_car_gives_one_object_of_all_three_masks():
    masks = [REPO_DIR / "images" / "car_masks" / f"car_0{number}.png" for number in (1, 2, 3)]
    size = read_image_size(REPO_DIR / "images" / "image.jpg")
    parts = bind_labels(masks_to_labels(masks, CAR, size), "car")
    (merged,) = merge_bindings(sly.Annotation(size, parts)).labels
    assert merged.geometry.area == sum(part.geometry.area for part in parts)  # disjoint parts
    np.testing.assert_array_equal(full_mask(merged, size), group_mask(parts, size))
    expected = np.zeros(size, dtype=bool)
    for mask in masks:
        expected |= read_mask(mask, size)
    np.testing.assert_array_equal(full_mask(merged, size), expected)


@pytest.mark.parametrize(
    "keep, expected",
    [
        ((), [("car", 1, None), ("sign", 1, None)]),  # nothing kept: the merged label, unbound
        (  # the box kept, bound to the merged label; the point dropped
            ["box"],
            [("car", 1, "g"), ("sign", 1, "g"), ("sign", 1, None)],
        ),
        (  # box and other kept, in annotation order after the merged label
            ["box", "other"],
            [("car", 1, "g"), ("point", 0, "g"), ("sign", 1, "g"), ("sign", 1, None)],
        ),
    ],
)
def test_merge_bindings_merged_groups_keep_the_named_roles_bound(keep, expected):
    ann = sly.Annotation(
        (3, 3),
        [
            bitmap([[1]], key="g"),
            sly.Label(sly.Point(2, 2), POINT, binding_key="g"),
            rectangle(1, 1, 1, 1, key="g"),
            rectangle(2, 0, 2, 0),
        ],
    )
    with pytest.warns(GroupMergeWarning, match=r"is one car object \(merge_groups\): so "):
        got = [
            (label.obj_class.name, int(label.geometry.area), label.binding_key)
            for label in merge_bindings(ann, keep=keep, merge_groups=True).labels
        ]
    assert got == [row for row in expected if row != ("sign", 1, None)] + [("sign", 1, None)]
    # Issue 18: without merge_groups the point and the sign box are parts, always kept bound.
    assert [
        (label.obj_class.name, int(label.geometry.area), label.binding_key)
        for label in merge_bindings(ann, keep=keep).labels
    ] == [("car", 1, "g"), ("point", 0, "g"), ("sign", 1, "g"), ("sign", 1, None)]


def test_merge_bindings_merged_group_is_one_object_of_its_leading_class():
    ann = sly.Annotation((3, 3), [bitmap([[1]], key="m"), rectangle(1, 1, 1, 1, key="m")])
    with pytest.warns(GroupMergeWarning, match="sign is not kept"):
        (merged,) = merge_bindings(ann, merge_groups=True).labels
    assert (merged.obj_class.name, int(merged.geometry.area), merged.binding_key) == (
        "car",
        1,
        None,
    )


@pytest.mark.parametrize(
    "keep, exception",
    [
        ("box", pytest.raises(TypeError, match="keep is the string 'box'")),
        (["boxes"], pytest.raises(ValueError, match="keep has 'boxes': use some of box")),
    ],
)
def test_merge_bindings_refuses_an_unknown_keep(keep, exception):
    with exception:
        merge_bindings(sly.Annotation((2, 2)), keep=keep)


_point = st.tuples(st.integers(-6, 16), st.integers(-6, 16))


def _holed_square(square):
    """A square with a triangular hole inside it (a hole outside its outline is no polygon)."""
    top, left, side = square
    corners = [(top, left), (top, left + side), (top + side, left + side), (top + side, left)]
    hole = [(top + 1, left + 1), (top + 1, left + side - 1), (top + side - 1, left + 1)]
    return polygon(corners, obj_class=ANY, holes=[hole])


_part = st.one_of(
    st.lists(_point, min_size=3, max_size=7).map(lambda points: polygon(points, obj_class=ANY)),
    st.tuples(st.integers(-6, 12), st.integers(-6, 12), st.integers(4, 9)).map(_holed_square),
    st.tuples(st.integers(-4, 12), st.integers(-4, 12), st.integers(0, 5), st.integers(0, 5)).map(
        lambda box: sly.Label(sly.Rectangle(box[0], box[1], box[0] + box[2], box[1] + box[3]), ANY)
    ),
    st.tuples(st.integers(-3, 10), st.integers(-3, 10), st.integers(1, 4), st.integers(1, 4)).map(
        lambda box: bitmap(np.ones(box[2:], bool).tolist(), top=box[0], left=box[1], obj_class=ANY)
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_part, min_size=1, max_size=5), st.tuples(st.integers(1, 12), st.integers(1, 12)))
def test_group_mask_is_the_union_of_the_sdks_masks(labels, image_size):
    # Polygons without holes are filled on the canvas itself, the rest drawn apart and added:
    # a hole of one part never takes the pixels of another. Each part as the SDK draws it on the image (cv2 clips a polygon at the image's edges),
    # a bitmap on a canvas that holds it whole, cut to the image (the SDK's get_mask fails on
    # a bitmap partly outside).
    pad, (height, width) = 20, image_size
    expected = np.zeros(image_size, dtype=bool)
    for label in labels:
        if isinstance(label.geometry, sly.Bitmap):
            whole = label.geometry.translate(pad, pad).get_mask((height + 2 * pad, width + 2 * pad))
            expected |= whole[pad : pad + height, pad : pad + width]
        else:
            expected |= label.geometry.get_mask(image_size)
    mask = group_mask(labels, image_size)
    assert mask.dtype == np.bool_
    np.testing.assert_array_equal(mask, expected)
