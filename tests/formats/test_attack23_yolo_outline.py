"""Attacks on issue 21's cheaper YOLO outline (``yolo.object_outline``: clipped only where it
can leave the image, rings ordered by ``cv2.boundingRect``), ``construct.drawn`` (no second
fill without holes) and ``records.group_key`` (one encoder): each gives what d3051e6 gave,
checked against d3051e6's code written out here, over objects of polygons, bitmaps and
rectangles partly outside the image, touching, nested and tiny."""

from __future__ import annotations

import json

import cv2
import numpy as np
import supervisely as sly
from hypothesis import given, settings
from hypothesis import strategies as st

from sly_bindings.formats import construct
from sly_bindings.formats.records import group_key
from sly_bindings.formats.yolo import join_parts, object_outline
from sly_bindings.groups.merge import group_mask

CAR = sly.ObjClass("car", sly.AnyGeometry)


def old_object_outline(labels, image_size, mask=None):
    """``yolo.object_outline`` as d3051e6 had it."""
    height, width = image_size
    geometry = labels[0].geometry if len(labels) == 1 else None
    if type(geometry) is sly.Rectangle:
        top, left, bottom, right = geometry.top, geometry.left, geometry.bottom, geometry.right
        outline, parts = np.array([(left, top), (right, top), (right, bottom), (left, bottom)]), 1
    elif type(geometry) is sly.Polygon:
        outline, parts = geometry.exterior_np[:, ::-1].astype(np.int64), 1
    else:
        pixels = (group_mask(labels, image_size) if mask is None else mask).astype(np.uint8)
        contours, _ = cv2.findContours(pixels, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        if not contours:
            raise ValueError(f"an object of {len(labels)} labels has no pixel inside the image")
        rings = sorted((c.reshape(-1, 2) for c in contours), key=lambda r: tuple(r.min(axis=0)))
        outline, parts = join_parts(rings), len(rings)
    outline = np.clip(outline, 0, [width - 1, height - 1])
    if len(outline) < 3:
        outline = np.concatenate([outline, outline[-1:].repeat(3 - len(outline), axis=0)])
    return outline, parts


def yolo_text(outline, image_size):
    """The coordinates as the writer prints them."""
    height, width = image_size
    return " ".join(f"{v:.6f}" for v in (outline / [width, height]).ravel())


COORDINATE = st.integers(-6, 26)


@st.composite
def geometries(draw):
    kind = draw(st.sampled_from(["polygon", "rectangle", "bitmap"]))
    if kind == "rectangle":
        top, left = draw(COORDINATE), draw(COORDINATE)
        return sly.Rectangle(
            top, left, top + draw(st.integers(0, 8)), left + draw(st.integers(0, 8))
        )
    if kind == "polygon":
        points = draw(st.lists(st.tuples(COORDINATE, COORDINATE), min_size=3, max_size=6))
        return sly.Polygon([sly.PointLocation(row, col) for row, col in points])
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    data = np.array(draw(st.lists(st.booleans(), min_size=rows * cols, max_size=rows * cols)))
    data = data.reshape(rows, cols)
    if not data.any():
        data[0, 0] = True
    return sly.Bitmap(data, origin=sly.PointLocation(draw(COORDINATE), draw(COORDINATE)))


@settings(max_examples=600, deadline=None)
@given(
    st.lists(geometries(), min_size=1, max_size=4),
    st.tuples(st.integers(1, 20), st.integers(1, 20)),
    st.booleans(),
)
def test_attack23_yolo_outline_is_d3051e6s(geometries, image_size, mask_given):
    try:
        labels = [sly.Label(geometry, CAR) for geometry in geometries]
    except Exception:  # a geometry the SDK refuses is no label of any file
        return
    single = len(labels) == 1 and type(labels[0].geometry) in (sly.Rectangle, sly.Polygon)
    mask = None if single or not mask_given else group_mask(labels, image_size)
    try:
        expected = old_object_outline(labels, image_size, mask)
    except (ValueError, TypeError) as error:
        try:
            object_outline(labels, image_size, mask)
        except type(error) as same:
            assert str(same) == str(error)
            return
        raise AssertionError(f"d3051e6 raised {error!r}, percpu did not")
    outline, parts = object_outline(labels, image_size, mask)
    assert parts == expected[1]
    assert outline.tolist() == expected[0].tolist()
    assert yolo_text(outline, image_size) == yolo_text(expected[0], image_size)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(COORDINATE, COORDINATE), min_size=3, max_size=6),
    st.lists(st.lists(st.tuples(COORDINATE, COORDINATE), min_size=3, max_size=4), max_size=2),
    st.integers(-3, 3),
    st.integers(-3, 3),
)
def test_attack23_drawn_is_the_sdks_draw(exterior, holes, rows, cols):
    polygon = sly.Polygon(
        [sly.PointLocation(r, c) for r, c in exterior],
        [[sly.PointLocation(r, c) for r, c in hole] for hole in holes],
    )
    sdk = np.zeros((24, 24), np.uint8)
    construct.translated(polygon, rows, cols).draw(sdk, 1)
    assert construct.drawn(polygon, (24, 24), rows, cols).tolist() == sdk.tolist()


KEY_PARTS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(st.lists(KEY_PARTS, max_size=4))
def test_attack23_group_key_is_json_dumps(parts):
    expected = json.dumps(list(parts), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    assert group_key(*parts) == expected
