"""The one box rule: how a box ``[x, y, width, height]`` maps to a ``sly.Rectangle`` and back.

Every format reader and writer converts boxes here, so a box keeps its size between formats.

- A *continuous* box (COCO ``bbox``, CVAT ``xtl ytl xbr ybr``, YOLO ``cx cy w h``, LabelMe
  ``rectangle`` points) is the SDK's ``Rectangle(top=y, left=x, bottom=y + h, right=x + w)``,
  and back ``[left, top, right - left, bottom - top]``: the SDK's own converters do so
  (``supervisely/convert/image/coco/coco_helper.py``: ``Rectangle(y, x, y + h, x + w)`` reading,
  ``[x, y, max_x - x, max_y - y]`` writing; ``yolo/yolo_helper.py`` and
  ``label_studio/label_studio_helper.py`` likewise), and so do the tools: CVAT's and Datumaro's
  COCO export write a CVAT box ``xtl=12 ytl=8 xbr=52 ybr=28`` as ``[12, 8, 40, 20]``, and
  Ultralytics' ``convert_coco`` writes a COCO ``[x, y, w, h]`` as ``cx = (x + w / 2) / W``,
  ``w / W``.
- A box *derived from pixels* (a ``sly.Bitmap``) spans those pixels: a mask of columns 5..13 has
  ``x = 5, w = 9``, as pycocotools' ``mask.toBbox`` of its RLE. A polygon's box is its vertices'
  extent, which is ``toBbox`` of the polygon's COCO RLE and Ultralytics' ``segments2boxes``.

Edges are rounded to whole pixels one by one (not the width), so ``x + w`` lands where the file
puts it. A box of positive size thinner than a pixel keeps one pixel. A box of zero or negative
size, or a value that is not a finite number, is no box: :class:`BoxError`, which each reader
turns into its record warning (``formats.records``).

The edge of the image: ``sly.Annotation`` crops every label to ``Rectangle.from_size``
(rows ``0..height - 1``, columns ``0..width - 1``), so a box that reaches the image's far edge
(``x + w == width``) comes back one pixel short there; no box moves or grows.

Examples:
    >>> r = box_to_rectangle((12, 8, 40, 20))
    >>> r.top, r.left, r.bottom, r.right
    (8, 12, 28, 52)
    >>> rectangle_to_box(r)
    (12.0, 8.0, 40.0, 20.0)
    >>> box_to_yolo((12, 8, 40, 20), (50, 100))
    (0.32, 0.36, 0.4, 0.4)
"""

from __future__ import annotations

import math
from typing import Iterable, Optional, Sequence, Tuple

import supervisely as sly

from sly_bindings.formats import construct
from sly_bindings.formats.items import MAX_COORDINATE

Box = Tuple[float, float, float, float]  # x (left), y (top), width, height; pixels


class BoxError(ValueError):
    """Numbers that make no box (not finite, too far, zero or negative size); says which."""


def _finite(values: Sequence[object], what: str) -> Tuple[float, ...]:
    numbers = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BoxError(f"{what}: {value!r} is not a number")
        if not math.isfinite(value) or abs(value) > MAX_COORDINATE:
            raise BoxError(f"{what}: {value!r} is not a finite pixel position")
        numbers.append(float(value))
    return tuple(numbers)


def check_box(box: Sequence[object]) -> Box:
    """``box`` as 4 floats ``(x, y, w, h)``, checked.

    Raises:
        BoxError: not 4 finite numbers within ``MAX_COORDINATE`` of 0, or ``w`` or ``h`` is
            zero or negative; the message says which.

    Examples:
        >>> check_box([1, 2, 3, 4])
        (1.0, 2.0, 3.0, 4.0)
        >>> check_box([1, 2, 0, 4])
        Traceback (most recent call last):
        ...
        sly_bindings.formats.boxes.BoxError: width 0 and height 4: a box needs both above 0
    """
    if not isinstance(box, (list, tuple)) or len(box) != 4:
        raise BoxError(f"{str(box)[:40]}: a box is 4 numbers [x, y, width, height]")
    x, y, w, h = _finite(box, "box")
    if not (w > 0 and h > 0):
        raise BoxError(f"width {w:g} and height {h:g}: a box needs both above 0")
    return x, y, w, h


def box_to_rectangle(box: Sequence[object]) -> sly.Rectangle:
    """The ``sly.Rectangle`` of a continuous box ``(x, y, w, h)`` (pixels): top ``y``, left
    ``x``, bottom ``y + h``, right ``x + w``, each edge rounded; at least one pixel wide and high.

    Raises:
        BoxError: see :func:`check_box`.

    Examples:
        >>> r = box_to_rectangle([0.4, 0.4, 0.2, 0.2])
        >>> r.top, r.left, r.bottom, r.right
        (0, 0, 1, 1)
    """
    x, y, w, h = check_box(box)
    left, top = round(x), round(y)
    return construct.rectangle(top, left, max(top + 1, round(y + h)), max(left + 1, round(x + w)))


def corners_to_rectangle(x1: object, y1: object, x2: object, y2: object) -> sly.Rectangle:
    """The ``sly.Rectangle`` of a box given by two corners (CVAT ``xtl ytl xbr ybr``, LabelMe
    rectangle points), in either order.

    Raises:
        BoxError: a value is not a finite number, or the corners make a box of no area.

    Examples:
        >>> r = corners_to_rectangle(12, 8, 52, 28)
        >>> rectangle_to_box(r)
        (12.0, 8.0, 40.0, 20.0)
    """
    x1, y1, x2, y2 = _finite((x1, y1, x2, y2), "corners")
    return box_to_rectangle((min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1)))


def rectangle_to_box(rectangle: sly.Rectangle) -> Box:
    """The continuous box ``(x, y, w, h)`` of a ``sly.Rectangle``: ``(left, top, right - left,
    bottom - top)``, floats; the inverse of :func:`box_to_rectangle`.

    Examples:
        >>> rectangle_to_box(sly.Rectangle(8, 12, 28, 52))
        (12.0, 8.0, 40.0, 20.0)
    """
    r = rectangle
    return float(r.left), float(r.top), float(r.right - r.left), float(r.bottom - r.top)


def geometry_box(geometry: sly.Geometry) -> Box:
    """The box of one geometry: a Rectangle's own box (:func:`rectangle_to_box`), a Bitmap's
    pixels' span (``w`` counts columns, as pycocotools' ``toBbox``), anything else the extent of
    its points (a polygon's vertices, keypoints).

    Examples:
        >>> import numpy as np
        >>> geometry_box(sly.Bitmap(np.ones((2, 3), bool), origin=sly.PointLocation(4, 5)))
        (5.0, 4.0, 3.0, 2.0)
        >>> geometry_box(sly.Polygon([sly.PointLocation(5, 5), sly.PointLocation(5, 14),
        ...                           sly.PointLocation(14, 14)]))
        (5.0, 5.0, 9.0, 9.0)
    """
    if type(geometry) is sly.Rectangle:
        return rectangle_to_box(geometry)
    top, left, bottom, right = construct.extent(geometry)  # pixels, bottom and right inclusive
    pixels = 1 if isinstance(geometry, sly.Bitmap) else 0
    return (
        float(left),
        float(top),
        float(right - left + pixels),
        float(bottom - top + pixels),
    )


def union_box(boxes: Iterable[Box]) -> Box:
    """The smallest box holding ``boxes``.

    Raises:
        ValueError: ``boxes`` is empty.

    Examples:
        >>> union_box([(0, 0, 2, 2), (5, 1, 1, 4)])
        (0.0, 0.0, 6.0, 5.0)
    """
    boxes = list(boxes)
    if not boxes:
        raise ValueError("no box")
    left = min(b[0] for b in boxes)
    top = min(b[1] for b in boxes)
    right = max(b[0] + b[2] for b in boxes)
    bottom = max(b[1] + b[3] for b in boxes)
    return float(left), float(top), float(right - left), float(bottom - top)


def object_box(labels: Sequence[sly.Label], chosen: sly.Rectangle) -> Box:
    """The continuous box of one object (a group or an unbound label) whose box
    ``GroupDecomposition.bbox`` chose as ``chosen`` (the leader's own box, else the members' extent):
    this rule sizes it, the leader's own Rectangle as it is (:func:`rectangle_to_box`), else the
    union of the members' :func:`geometry_box` (a mask's box spans its pixels).

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> labels = [sly.Label(sly.Rectangle(8, 12, 28, 52), car)]
        >>> object_box(labels, labels[0].geometry)
        (12.0, 8.0, 40.0, 20.0)
    """
    if any(label.geometry is chosen for label in labels):
        return geometry_box(chosen)
    return union_box(geometry_box(label.geometry) for label in labels)


def clip_box(box: Sequence[float], image_size: Tuple[int, int]) -> Box:
    """``box`` cut to the image ``(height, width)`` (continuous: 0..width, 0..height).

    Examples:
        >>> clip_box((-2, 3, 10, 10), (8, 6))
        (0.0, 3.0, 6.0, 5.0)
    """
    height, width = image_size
    x, y, w, h = box
    left, top = min(max(x, 0), width), min(max(y, 0), height)
    right, bottom = min(max(x + w, 0), width), min(max(y + h, 0), height)
    return float(left), float(top), float(right - left), float(bottom - top)


def box_to_yolo(box: Sequence[float], image_size: Tuple[int, int]) -> Box:
    """YOLO's ``(cx, cy, w, h)`` of a continuous box, normalised by the image ``(height,
    width)``, cut to the image, as Ultralytics' ``convert_coco`` (``box[:2] += box[2:] / 2;
    box[[0, 2]] /= w; box[[1, 3]] /= h``).

    Examples:
        >>> box_to_yolo((0, 0, 5, 4), (10, 20))
        (0.125, 0.2, 0.25, 0.4)
    """
    height, width = image_size
    x, y, w, h = clip_box(box, image_size)
    return (x + w / 2) / width, (y + h / 2) / height, w / width, h / height


def yolo_to_box(values: Sequence[object], image_size: Tuple[int, int]) -> Box:
    """The continuous box (pixels) of YOLO's normalised ``(cx, cy, w, h)`` on an image
    ``(height, width)``; the inverse of :func:`box_to_yolo`, as Ultralytics' ``xywhn2xyxy``.

    Raises:
        BoxError: see :func:`check_box`.

    Examples:
        >>> yolo_to_box((0.32, 0.36, 0.4, 0.4), (50, 100))
        (12.0, 8.0, 40.0, 20.0)
    """
    height, width = image_size
    cx, cy, w, h = check_box(values)
    x, y = (cx - w / 2) * width, (cy - h / 2) * height
    return tuple(round(v, 6) for v in (x, y, w * width, h * height))  # type: ignore[return-value]
