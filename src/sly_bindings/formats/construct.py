"""SDK objects built the cheaper way, where what they are made of is known valid (issue 21).

Profiling ``convert`` at 1,000 images (cProfile, CVAT -> COCO, LabelMe -> YOLO, COCO -> CVAT)
puts most of a reader's time in three SDK paths (SDK 6.74.51):

- ``VectorGeometry.__init__`` deep-copies its points (``deepcopy(result_exterior)``), though a
  ``PointLocation`` is immutable and a reader's list is its own: :func:`polygon` keeps the list;
- ``Annotation.__init__`` crops every label to the image (``Label.crop``, which clones the
  geometry through ``to_bbox``, a ``deepcopy`` for a Rectangle): :func:`annotation` skips that
  where every label lies inside the image (where ``Label.crop`` returns the label itself);
- ``VectorGeometry.exterior`` and ``interior`` deep-copy the points on every read:
  :func:`exterior` and :func:`holes`;
- ``VectorGeometry.translate`` deep-copies the points it replaces: :func:`translated`;
- ``Rectangle.to_bbox`` deep-copies the rectangle, ``VectorGeometry.to_bbox`` builds one:
  :func:`extent` gives the four edges, no object;
- ``PointLocation.__init__`` floors each number through ``unwrap_if_numpy`` (0.43 us a point;
  a reader's numbers are already whole ``int``): :func:`points` sets them (0.12 us);
- ``Label.__init__`` deep-copies its class's ``geometry_config`` to validate the geometry and
  makes two empty ``TagCollection`` objects: :func:`label` checks the type once and makes one.

Each gives what the SDK's own call gives (``tests/formats/test_construct.py`` compares them,
and a conversion's output byte for byte); anything not known valid goes the SDK's way.

Examples:
    >>> points = [sly.PointLocation(r, c) for r, c in ((0, 0), (0, 4), (3, 4))]
    >>> polygon(points).to_json() == sly.Polygon(points).to_json()
    True
    >>> extent(polygon(points))
    (0, 0, 3, 4)
"""

from __future__ import annotations

import colorsys
import copy
import random
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import supervisely as sly
from supervisely.annotation.label import LabelingStatus, LabelJsonFields
from supervisely.annotation.tag_collection import TagCollection
from supervisely.geometry import validation
from supervisely.geometry.constants import (
    CLASS_ID,
    CREATED_AT,
    EXTERIOR,
    ID,
    INTERIOR,
    LABELER_LOGIN,
    POINTS,
    UPDATED_AT,
)
from supervisely.geometry.geometry import Geometry
from supervisely.geometry.oriented_bbox import OrientedBBox


def polygon(exterior: List[sly.PointLocation]) -> sly.Polygon:
    """``sly.Polygon(exterior)`` without copying the points (a new list of the same immutable
    ``PointLocation`` objects); fewer than 3 points, or anything but ``PointLocation``, go to the
    SDK's constructor (which pads, warns or raises as it does).

    Examples:
        >>> points = [sly.PointLocation(1, 1), sly.PointLocation(1, 5), sly.PointLocation(4, 5)]
        >>> made, sdk = polygon(points), sly.Polygon(points)
        >>> made.to_json() == sdk.to_json() and sorted(vars(made)) == sorted(vars(sdk))
        True
    """
    if len(exterior) < 3 or any(type(point) is not sly.PointLocation for point in exterior):
        return sly.Polygon(exterior)
    made = sly.Polygon.__new__(sly.Polygon)
    made._exterior = list(exterior)
    made._interior = []
    Geometry.__init__(made)
    return made


def points(rows_cols: Iterable[Tuple[int, int]]) -> List[sly.PointLocation]:
    """``[sly.PointLocation(row, col) for row, col in rows_cols]``: for a pair of plain ``int``
    (what a reader has after rounding), the point with its numbers set as the SDK's
    ``floor(unwrap_if_numpy(n))`` leaves an ``int``; any other pair goes to the SDK's
    constructor (which floors a float, unwraps a numpy number, raises on NaN).

    Examples:
        >>> made = points([(1, 2), (3.7, -1)])
        >>> [(p.row, p.col) for p in made]
        [(1, 2), (3, -1)]
        >>> [vars(p) for p in made] == [vars(sly.PointLocation(1, 2)), vars(sly.PointLocation(3.7, -1))]
        True
    """
    made = []
    new = sly.PointLocation.__new__
    for row, col in rows_cols:
        if type(row) is int and type(col) is int:
            point = new(sly.PointLocation)
            point._row = row
            point._col = col
        else:
            point = sly.PointLocation(row, col)
        made.append(point)
    return made


def rectangle(top: int, left: int, bottom: int, right: int) -> sly.Rectangle:
    """``sly.Rectangle(top, left, bottom, right)`` with its corners made by :func:`points`; any
    other than whole numbers with ``top <= bottom`` and ``left <= right`` go to the SDK's
    constructor (which floors, or raises ValueError).

    Examples:
        >>> made, sdk = rectangle(1, 2, 5, 9), sly.Rectangle(1, 2, 5, 9)
        >>> made.to_json() == sdk.to_json() and sorted(vars(made)) == sorted(vars(sdk))
        True
    """
    if not (
        type(top) is int
        and type(left) is int
        and type(bottom) is int
        and type(right) is int
        and top <= bottom
        and left <= right
    ):
        return sly.Rectangle(top, left, bottom, right)
    made = sly.Rectangle.__new__(sly.Rectangle)
    Geometry.__init__(made)
    made._points = points(((top, left), (bottom, right)))
    return made


def label(
    geometry: Geometry,
    obj_class: sly.ObjClass,
    binding_key: Optional[str] = None,
    tags: Optional[TagCollection] = None,
    *,
    description: str = "",
    smart_tool_input: Optional[Dict] = None,
    sly_id: Optional[int] = None,
    status: Optional[LabelingStatus] = None,
) -> sly.Label:
    """``sly.Label(geometry, obj_class, tags, binding_key=binding_key)``, without the deep copy of the
    class's ``geometry_config`` its validation makes: when the geometry is of the class's own
    type and validates by ``Geometry.validate`` alone (the shape names match: a Polygon,
    Rectangle, Bitmap, ...), the label is made as the SDK makes it; any other (a GraphNodes,
    checked against its template; a wrong type, which the SDK refuses) goes to the SDK's
    constructor, and so do ``tags`` that are not a ``TagCollection`` (the SDK keeps a
    ``TagCollection`` as it is, and makes one of a list).

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> made = label(sly.Rectangle(0, 0, 3, 3), car, "k")
        >>> sdk = sly.Label(sly.Rectangle(0, 0, 3, 3), car, binding_key="k")
        >>> made.to_json() == sdk.to_json() and sorted(vars(made)) == sorted(vars(sdk))
        True
    """
    kind = type(geometry)
    if (
        type(obj_class) is not sly.ObjClass
        or kind is not obj_class.geometry_type
        or kind.validate is not Geometry.validate
        or (tags is not None and type(tags) is not TagCollection)
    ):
        return sly.Label(
            geometry,
            obj_class,
            tags,
            description,
            binding_key=binding_key,
            smart_tool_input=smart_tool_input,
            sly_id=sly_id,
            status=status,
        )
    made = sly.Label.__new__(sly.Label)
    made._geometry = geometry
    made._obj_class = obj_class
    made._tags = TagCollection() if tags is None else tags
    made._description = description
    made._binding_key = binding_key
    made._smart_tool_input = smart_tool_input
    made._sly_id = sly_id
    made._status = LabelingStatus.MANUAL if status is None else status
    made._nn_created, made._nn_updated = LabelingStatus.to_flags(made._status)
    return made


def polygon_from_json(data: Dict) -> sly.Polygon:
    """``sly.Polygon.from_json(data)``: the SDK's own field check, then the points made by
    :func:`points` and kept (``VectorGeometry.__init__`` deep-copies them); an outline or a
    hole of fewer than 3 points goes to the SDK (which pads it and warns).

    Examples:
        >>> data = {"points": {"exterior": [[1, 2], [5, 2], [5, 7]], "interior": []}, "id": 7}
        >>> made, sdk = polygon_from_json(data), sly.Polygon.from_json(data)
        >>> made.to_json() == sdk.to_json() and vars(made).keys() == vars(sdk).keys()
        True
    """
    validation.validate_geometry_points_fields(data)
    outline, inner = data[POINTS][EXTERIOR], data[POINTS][INTERIOR]
    if len(outline) < 3 or any(len(hole) < 3 for hole in inner):
        return sly.Polygon.from_json(data)
    made = sly.Polygon.__new__(sly.Polygon)
    made._exterior = points((y, x) for x, y in outline)  # the file's [x, y]: row y, col x
    made._interior = [points((y, x) for x, y in hole) for hole in inner]
    Geometry.__init__(
        made,
        sly_id=data.get(ID, None),
        class_id=data.get(CLASS_ID, None),
        labeler_login=data.get(LABELER_LOGIN, None),
        updated_at=data.get(UPDATED_AT, None),
        created_at=data.get(CREATED_AT, None),
    )
    return made


def label_from_json(data: Dict, meta: sly.ProjectMeta) -> sly.Label:
    """``sly.Label.from_json(data, meta)`` (SDK 6.74.51's steps, in its order, raising what it
    raises): the geometry by its class's ``from_json`` (a Polygon by :func:`polygon_from_json`)
    and the label by :func:`label`; an object of an ``AnyGeometry`` class (whose geometry type
    the object names) or of a class the meta lacks the SDK's way.

    Examples:
        >>> meta = sly.ProjectMeta([sly.ObjClass("car", sly.Polygon)])
        >>> data = {"classTitle": "car", "tags": [], "instance": "k", "points": {
        ...     "exterior": [[1, 2], [5, 2], [5, 7]], "interior": []}}
        >>> label_from_json(data, meta).to_json() == sly.Label.from_json(data, meta).to_json()
        True
    """
    obj_class = meta.get_obj_class(data[LabelJsonFields.OBJ_CLASS_NAME])
    if obj_class is None or type(obj_class) is not sly.ObjClass:
        return sly.Label.from_json(data, meta)
    kind = obj_class.geometry_type
    if kind is sly.AnyGeometry:
        return sly.Label.from_json(data, meta)
    geometry = polygon_from_json(data) if kind is sly.Polygon else kind.from_json(data)
    nn_created = data.get(LabelJsonFields.NN_CREATED, False)
    nn_updated = data.get(LabelJsonFields.NN_UPDATED, False)
    return label(
        geometry,
        obj_class,
        data.get(LabelJsonFields.INSTANCE_KEY),
        TagCollection.from_json(data[LabelJsonFields.TAGS], meta.tag_metas),
        description=data.get(LabelJsonFields.DESCRIPTION, ""),
        smart_tool_input=data.get(LabelJsonFields.SMART_TOOL_INPUT),
        sly_id=data.get(LabelJsonFields.ID),
        status=LabelingStatus.from_flags(nn_created, nn_updated),
    )


def exterior(geometry: Geometry) -> Sequence[sly.PointLocation]:
    """The points of a Polygon's or Polyline's outline, to read (the SDK's ``exterior`` property
    deep-copies them each time; a ``PointLocation`` is immutable).

    Examples:
        >>> points = [sly.PointLocation(r, c) for r, c in ((0, 0), (0, 4), (3, 4))]
        >>> [(p.row, p.col) for p in exterior(sly.Polygon(points))]
        [(0, 0), (0, 4), (3, 4)]
    """
    return tuple(geometry._exterior)


def has_tag(label: sly.Label, name: str) -> bool:
    """``label.tags.has_key(name)``, without the copy of the tags the ``tags`` property makes.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> crowd = sly.Tag(sly.TagMeta("iscrowd", sly.TagValueType.NONE))
        >>> has_tag(sly.Label(sly.Rectangle(0, 0, 1, 1), car, [crowd]), "iscrowd")
        True
    """
    if type(label) is not sly.Label:
        return label.tags.has_key(name)
    return label._tags.has_key(name)


def holes(geometry: Geometry) -> int:
    """How many holes a Polygon has (``len(geometry.interior)``, without copying them).

    Examples:
        >>> holes(sly.Polygon([sly.PointLocation(r, c) for r, c in ((0, 0), (0, 4), (3, 4))]))
        0
    """
    return len(geometry._interior)


def translated(geometry: Geometry, rows: int, cols: int) -> Geometry:
    """``geometry.translate(rows, cols)``; for a Polygon or Polyline, the SDK's ``_transform``
    (a copy whose points are moved) without deep-copying the points it then replaces.

    Examples:
        >>> points = [sly.PointLocation(r, c) for r, c in ((0, 0), (0, 4), (3, 4))]
        >>> translated(sly.Polygon(points), 2, -1).to_json() == (
        ...     sly.Polygon(points).translate(2, -1).to_json())
        True
    """
    if type(geometry) is not sly.Polygon and type(geometry) is not sly.Polyline:
        return geometry.translate(rows, cols)
    moved = copy.copy(geometry)
    # PointLocation.translate is PointLocation(row + rows, col + cols): points() makes it.
    moved._exterior = points((p._row + rows, p._col + cols) for p in geometry._exterior)
    moved._interior = [
        points((p._row + rows, p._col + cols) for p in hole) for hole in geometry._interior
    ]
    return moved


def drawn(geometry: Geometry, shape: Tuple[int, int], rows: int, cols: int) -> np.ndarray:
    """A ``uint8`` canvas of ``shape`` with ``geometry`` moved by ``(rows, cols)`` drawn on it
    in 1: ``g = translated(geometry, rows, cols); g.draw(canvas, 1)``. For a Polygon, the
    SDK's ``Polygon._draw_impl`` (its outline filled with 1, then its holes with 0, by
    ``cv2.fillPoly`` on ``(x, y)`` int64 arrays) straight from the points, without the moved
    copy and the second canvas; anything else the SDK's way.

    Examples:
        >>> square = sly.Polygon([sly.PointLocation(r, c) for r, c in ((0, 0), (0, 2), (2, 2), (2, 0))])
        >>> drawn(square, (4, 4), 1, 1).tolist()
        [[0, 0, 0, 0], [0, 1, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1]]
    """
    canvas = np.zeros(shape, dtype=np.uint8)
    if type(geometry) is not sly.Polygon or type(rows) is not int or type(cols) is not int:
        translated(geometry, rows, cols).draw(canvas, 1)
        return canvas
    outline = points_xy(geometry._exterior, rows, cols)
    inner = [points_xy(hole, rows, cols) for hole in geometry._interior]
    cv2.fillPoly(canvas, pts=[outline], color=1)
    if inner:
        cv2.fillPoly(canvas, pts=inner, color=0)
    return canvas


def points_xy(points: Sequence[sly.PointLocation], rows: int = 0, cols: int = 0) -> np.ndarray:
    """The ``(N, 2)`` int64 ``(x, y)`` of ``points`` (a polygon's outline or one of its holes),
    moved by ``(rows, cols)``: what the SDK's ``Polygon._draw_impl`` gives ``cv2.fillPoly``.

    Examples:
        >>> corners = [sly.PointLocation(r, c) for r, c in ((0, 0), (0, 2), (2, 2))]
        >>> points_xy(corners, 1, 0).tolist()
        [[0, 1], [2, 1], [2, 3]]
    """
    return np.array([[p._col + cols, p._row + rows] for p in points], np.int64).reshape(-1, 2)


def extent(geometry: Geometry) -> Tuple[int, int, int, int]:
    """``(top, left, bottom, right)`` of ``geometry.to_bbox()``, in pixels (bottom and right
    inclusive), without making the Rectangle for a Rectangle or a polygon or polyline.

    Examples:
        >>> extent(sly.Rectangle(2, 3, 7, 9))
        (2, 3, 7, 9)
        >>> extent(sly.Point(4, 5))
        (4, 5, 4, 5)
    """
    kind = type(geometry)
    if kind is sly.Rectangle:
        return geometry.top, geometry.left, geometry.bottom, geometry.right
    if kind is sly.Polygon or kind is sly.Polyline:
        points = geometry._exterior
        rows = [point.row for point in points]
        cols = [point.col for point in points]
        return min(rows), min(cols), max(rows), max(cols)
    box = geometry.to_bbox()
    return box.top, box.left, box.bottom, box.right


def inside(geometry: Geometry, image_size: Tuple[int, int]) -> bool:
    """Whether ``geometry`` lies wholly on the image ``(height, width)``: what
    ``Label.crop`` checks before it leaves a label as it is.

    Examples:
        >>> inside(sly.Rectangle(0, 0, 3, 3), (4, 4)), inside(sly.Rectangle(0, 0, 4, 3), (4, 4))
        (True, False)
    """
    top, left, bottom, right = extent(geometry)
    height, width = image_size
    return top >= 0 and left >= 0 and bottom <= height - 1 and right <= width - 1


def annotation(image_size: Tuple[int, int], labels: Sequence[sly.Label]) -> sly.Annotation:
    """``sly.Annotation(image_size, labels)``: when every label lies on the image (or is an
    OrientedBBox, which the SDK never crops), the labels as they are, as the SDK's crop leaves
    them; else the SDK's constructor, which crops.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> labels = [sly.Label(sly.Rectangle(0, 0, 3, 3), car)]
        >>> annotation((4, 4), labels).to_json() == sly.Annotation((4, 4), labels).to_json()
        True
        >>> [l.geometry.bottom for l in annotation((2, 4), labels).labels]  # cropped, the SDK's way
        [1]
    """
    size = tuple(image_size)
    if not _uncropped(size, labels):
        return sly.Annotation(size, list(labels))
    made = sly.Annotation(size)
    made._labels = list(labels)
    return made


def _uncropped(size: Tuple[int, ...], labels: Sequence[sly.Label]) -> bool:
    """Whether ``Annotation``'s crop to ``size`` leaves every label as it is (a size of None
    is not known here: the SDK decides)."""
    return None not in size and all(
        type(label.geometry) is OrientedBBox or inside(label.geometry, size) for label in labels
    )


def annotation_with(
    ann: sly.Annotation, image_size: Tuple[int, int], labels: Sequence[sly.Label]
) -> sly.Annotation:
    """``ann.clone(img_size=image_size, labels=labels)`` (``ann``'s tags, description, custom
    data and id kept): the labels as they are when the SDK's crop would leave them so
    (:func:`annotation`), else the SDK's clone, which crops.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> labels = [sly.Label(sly.Rectangle(0, 0, 3, 3), car)]
        >>> ann = sly.Annotation((None, None), img_description="d")
        >>> annotation_with(ann, (4, 4), labels).to_json() == ann.clone(
        ...     img_size=(4, 4), labels=labels).to_json()
        True
    """
    size = tuple(image_size)
    if not _uncropped(size, labels):
        return ann.clone(img_size=size, labels=list(labels))
    made = ann.clone(img_size=size, labels=[])
    made._labels = list(labels)
    return made


def name_color(name: str) -> List[int]:
    """The colour of a class or tag no file gives one: the SDK's ``random_rgb`` (hue at random,
    saturation 0.3, lightness 0.8), its hue drawn from a generator seeded by ``name``, so that a
    class or tag has one colour in every run and in every process of a run (``convert --jobs``;
    the SDK's own pick differs from run to run, and with it the meta.json written).

    Examples:
        >>> name_color("car") == name_color("car") != name_color("person")
        True
        >>> all(0 <= value <= 255 for value in name_color("car"))
        True
    """
    # Any str, a lone surrogate too (a writer refuses it with its own message).
    seed = f"sly-bindings class colour {name}".encode("utf-8", "surrogatepass")
    hue = random.Random(seed).random()
    return [round(value * 255) for value in colorsys.hls_to_rgb(hue, 0.3, 0.8)]


def tag_meta(name: str, value_type: str) -> sly.TagMeta:
    """``sly.TagMeta(name, value_type)`` with the colour :func:`name_color` gives it.

    Examples:
        >>> tag_meta("iscrowd", sly.TagValueType.NONE).color == name_color("iscrowd")
        True
    """
    return sly.TagMeta(name, value_type, color=name_color(name))
