"""Issue 21 (per-image cost): each fast helper gives what the SDK's own call, or the check it
replaces, gives, on arbitrary values (hypothesis); the conversions' bytes are compared with the
SDK's way in ``test_construct.py``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import supervisely as sly
from hypothesis import given, settings
from hypothesis import strategies as st

from sly_bindings.formats import construct, records
from sly_bindings.formats.coco import write as coco_write
from sly_bindings.formats.records import MAX_COORDINATE, are_coordinates, is_coordinate
from sly_bindings.groups import roles

# Every kind of value a file's number can be: near and past the bound, NaN, inf, huge ints
# (10**400 overflows a float), bools and strings (no numbers), numpy numbers.
values = st.one_of(
    st.integers(-(2**21), 2**21),
    st.sampled_from([MAX_COORDINATE, -MAX_COORDINATE, MAX_COORDINATE + 1, 10**400, -(10**400)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-(2**21), 2**21),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
    st.builds(np.float64, st.floats(-(2**21), 2**21)),
)


def outcome(check, items):
    """The check's answer, or the type of the error it raised."""
    try:
        return check(items)
    except Exception as error:  # noqa: BLE001 - compared, not hidden
        return type(error)


@settings(max_examples=400, deadline=None)
@given(st.lists(values, max_size=12))
def test_the_record_coordinate_check_is_the_per_value_check(items):
    assert outcome(are_coordinates, items) == outcome(
        lambda items: all(is_coordinate(value) for value in items), items
    )


def old_too_far(label: sly.Label) -> bool:
    """records.too_far as it was: through the SDK's to_bbox."""
    try:
        box = label.geometry.to_bbox()
    except OverflowError:
        return True
    return max(abs(box.top), abs(box.left), abs(box.bottom), abs(box.right)) > MAX_COORDINATE


coordinates = st.one_of(
    st.integers(-(2**21), 2**21), st.sampled_from([2**20, 2**20 + 1, 2**63, -(2**64), 10**30])
)
CAR = sly.ObjClass("car", sly.AnyGeometry)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(coordinates, coordinates), min_size=3, max_size=8))
def test_too_far_is_the_sdk_bbox_check(pairs):
    polygon = sly.Label(sly.Polygon([sly.PointLocation(r, c) for r, c in pairs]), CAR)
    assert records.too_far(polygon) == old_too_far(polygon)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.integers(-50, 50), st.floats(-50, 50)),
            st.one_of(st.integers(-50, 50), st.floats(-50, 50)),
        ),
        max_size=6,
    )
)
def test_points_are_the_sdks(pairs):
    made = construct.points(pairs)
    sdk = [sly.PointLocation(row, col) for row, col in pairs]
    assert [vars(point) for point in made] == [vars(point) for point in sdk]
    assert all(type(v) is int for point in made for v in vars(point).values())


@settings(max_examples=200, deadline=None)
@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-50, 50), st.integers(-50, 50))
def test_a_rectangle_is_the_sdks_or_the_sdks_error(top, left, bottom, right):
    def made(make):
        try:
            rectangle = make(top, left, bottom, right)
        except ValueError as error:
            return str(error)
        return rectangle.to_json(), sorted(vars(rectangle)), construct.extent(rectangle)

    assert made(construct.rectangle) == made(sly.Rectangle)


GEOMETRIES = [
    sly.Rectangle(0, 0, 3, 3),
    sly.Polygon([sly.PointLocation(0, 0), sly.PointLocation(0, 4), sly.PointLocation(3, 4)]),
    sly.Bitmap(np.ones((2, 2), bool)),
    sly.Point(1, 1),
]


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=lambda g: g.geometry_name())
@pytest.mark.parametrize("shape", [sly.Rectangle, sly.Polygon, sly.Bitmap, sly.AnyGeometry])
@pytest.mark.parametrize("key", [None, '["group","a.png",1]'])
def test_a_label_is_the_sdks_or_the_sdks_error(geometry, shape, key):
    obj_class = sly.ObjClass("car", shape)

    def made(make):
        try:
            label = make()
        except Exception as error:  # noqa: BLE001 - compared
            return type(error), str(error)
        return (
            label.to_json(),
            sorted(vars(label)),
            {k: v for k, v in vars(label).items() if k not in ("_tags", "_geometry", "_obj_class")},
        )

    assert made(lambda: construct.label(geometry, obj_class, key)) == made(
        lambda: sly.Label(geometry, obj_class, binding_key=key)
    )


def test_has_tag_is_the_sdks():
    crowd = sly.TagMeta("iscrowd", sly.TagValueType.NONE)
    car = sly.ObjClass("car", sly.Rectangle)
    for tags in ([], [sly.Tag(crowd)]):
        label = sly.Label(sly.Rectangle(0, 0, 1, 1), car, tags)
        for name in ("iscrowd", "ignore"):
            assert construct.has_tag(label, name) == label.tags.has_key(name)


NAMES = ["car", "car_bbox", "car_keypoints", "person", "hat"]
member = st.tuples(
    st.sampled_from(NAMES),
    st.sampled_from(["polygon", "rectangle", "point"]),
    st.integers(0, 20),
    st.integers(0, 20),
    st.integers(1, 9),
)


def make_label(name, kind, row, col, size):
    if kind == "polygon":
        geometry = sly.Polygon(
            [
                sly.PointLocation(row, col),
                sly.PointLocation(row, col + size),
                sly.PointLocation(row + size, col),
            ]
        )
    elif kind == "rectangle":
        geometry = sly.Rectangle(row, col, row + size, col + size)
    else:
        geometry = sly.Point(row, col)
    return sly.Label(geometry, sly.ObjClass(name, type(geometry)))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(member, min_size=1, max_size=5),
    st.one_of(st.none(), st.lists(st.sampled_from(NAMES), max_size=2)),
    st.booleans(),
)
def test_a_group_decomposes_as_the_rule_says(members, primary, merge):
    labels = [make_label(*one) for one in members]
    fast = roles.decompose_group(labels, primary, merge)
    one_class_name = roles._one_class_name
    roles._one_class_name = lambda labels: None  # the full rule: group_class
    try:
        slow = roles.decompose_group(labels, primary, merge)
    finally:
        roles._one_class_name = one_class_name
    assert fast == slow
    assert roles.members_extent(labels).to_json() == (
        lambda boxes: sly.Rectangle(
            min(b.top for b in boxes),
            min(b.left for b in boxes),
            max(b.bottom for b in boxes),
            max(b.right for b in boxes),
        ).to_json()
    )([label.geometry.to_bbox() for label in labels])


def test_decompose_group_refuses_as_it_did():
    with pytest.raises(ValueError, match="no labels"):
        roles.decompose_group([])
    with pytest.raises(TypeError, match=r"labels\[1\] is a str"):
        roles.decompose_group([make_label("car", "point", 0, 0, 1), "car"])
    with pytest.raises(TypeError, match="primary_classes is the string"):
        roles.decompose_group([make_label("car", "point", 0, 0, 1)], "car")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(coordinates, coordinates), min_size=3, max_size=8))
def test_a_coco_polygon_is_the_sdks_points(pairs):
    pairs = [(r % 4000, c % 4000) for r, c in pairs]  # within int64: exterior_np takes them
    polygon = sly.Polygon([sly.PointLocation(r, c) for r, c in pairs])
    assert coco_write._coco_polygon(polygon) == [
        float(value) for value in polygon.exterior_np[:, ::-1].ravel()
    ]
    assert all(
        type(value) is float and math.isfinite(value) for value in coco_write._coco_polygon(polygon)
    )


SEEN = sly.TagMeta("seen", sly.TagValueType.ANY_STRING)
JSON_META = sly.ProjectMeta(
    [
        sly.ObjClass("car", sly.Polygon),
        sly.ObjClass("box", sly.Rectangle),
        sly.ObjClass("any", sly.AnyGeometry),
        sly.ObjClass("line", sly.Polyline),
    ],
    [SEEN],
)
json_number = st.one_of(st.integers(-30, 30), st.floats(-30, 30), st.booleans())
json_points = st.lists(st.lists(json_number, min_size=2, max_size=2), max_size=5)
json_object = st.fixed_dictionaries(
    {
        "classTitle": st.sampled_from(["car", "box", "person", "any", "line"]),
        "tags": st.lists(
            st.builds(lambda v: {"name": "seen", "value": v}, st.text(max_size=3)), max_size=1
        ),
        "points": st.fixed_dictionaries(
            {"exterior": json_points, "interior": st.lists(json_points, max_size=2)}
        ),
    },
    optional={
        "instance": st.text(max_size=4),
        "description": st.text(max_size=4),
        "id": st.integers(1, 9),
        "classId": st.integers(1, 9),
        "labelerLogin": st.text(max_size=3),
        "createdAt": st.text(max_size=3),
        "nnCreated": st.booleans(),
        "nnUpdated": st.booleans(),
        "smartToolInput": st.none(),
        "geometryType": st.sampled_from(["polygon", "rectangle", "line"]),
    },
)


def label_or_error(make):
    try:
        label = make()
    except Exception as error:  # noqa: BLE001 - compared
        return type(error).__name__
    return (
        label.to_json(),
        sorted(vars(label)),
        sorted(vars(label.geometry)),
        (
            [vars(point) for point in label.geometry._exterior]
            if hasattr(label.geometry, "_exterior")
            else None
        ),
    )


@settings(max_examples=300, deadline=None)
@given(json_object)
def test_a_label_from_json_is_the_sdks(data):
    import copy
    import logging

    logging.disable(logging.WARNING)  # the SDK warns (its logger) on a padded polygon
    try:
        assert label_or_error(
            lambda: construct.label_from_json(copy.deepcopy(data), JSON_META)
        ) == (label_or_error(lambda: sly.Label.from_json(copy.deepcopy(data), JSON_META)))
    finally:
        logging.disable(logging.NOTSET)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-5, 12), st.integers(-5, 12)), min_size=3, max_size=5),
    st.integers(1, 10),
    st.integers(1, 10),
)
def test_an_annotation_with_labels_is_the_sdks_clone(pairs, height, width):
    car = JSON_META.get_obj_class("car")
    labels = [sly.Label(sly.Polygon([sly.PointLocation(r, c) for r, c in pairs]), car)]
    ann = sly.Annotation((None, None), img_description="d", custom_data={"a": 1})
    made = construct.annotation_with(ann, (height, width), labels)
    assert made.to_json() == ann.clone(img_size=(height, width), labels=labels).to_json()


ring = st.lists(st.tuples(st.integers(-6, 14), st.integers(-6, 14)), min_size=3, max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    ring,
    st.lists(ring, max_size=2),
    st.integers(1, 12),
    st.integers(1, 12),
    st.integers(-8, 8),
    st.integers(-8, 8),
)
def test_a_drawn_polygon_is_the_sdks_drawing(outline, holes, height, width, rows, cols):
    def points(pairs):
        return [sly.PointLocation(r, c) for r, c in pairs]

    polygon = sly.Polygon(points(outline), [points(hole) for hole in holes])
    sdk = np.zeros((height, width), dtype=np.uint8)
    polygon.translate(rows, cols).draw(sdk, 1)

    assert np.array_equal(construct.drawn(polygon, (height, width), rows, cols), sdk)
