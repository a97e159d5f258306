"""Merge a binding group into one object: its mask, its box, one Bitmap label per group.

A binding group is one object drawn in parts. This module turns the parts back into the object:
:func:`group_mask` is the union of the parts' pixels, :func:`group_bbox` its bounding box,
:func:`merge_group` one Bitmap label for the group and :func:`merge_bindings` does that for every
group of an annotation. Inputs are never changed.

Copy this file together with ``bindings.py`` and ``groups/roles.py``: it needs only
``supervisely``, ``numpy`` and ``opencv`` besides.

A group may hold labels of any classes and geometries (see ``groups/roles.py``,
``decompose_group``): the merged label is the group's object, of its leading class, its mask the
union of the object's area members (Bitmap, Polygon of the leading class; an object of boxes only
is drawn by its boxes). The group's parts (members of other classes) are objects of their own:
``merge_bindings`` keeps them, bound to the merged label. ``merge_groups=True`` keeps CVAT's
meaning instead: the whole group is one object, every area member in its mask, and the classes
it does not keep are named in a :class:`GroupMergeWarning`. ``merge_bindings(keep=...)`` keeps
the object's boxes, keypoints or other members as separate labels bound to it.

Rules:
    - ``group_mask`` draws Bitmap, Polygon or Rectangle labels; polygons and rectangles are
      rasterised with the SDK's own drawing (``geometry.draw``), so a pixel is set exactly when
      ``ann.draw`` would set it. Any other geometry (a point, a polyline, a graph) covers no
      area and raises TypeError.
    - Pixels outside the image are cut off.
    - The merged label's class is the group's class (``roles.group_class``) when that class
      takes Bitmap (or AnyGeometry) labels; otherwise a Bitmap copy of it with the same name,
      colour, hotkey and description, since a label's geometry must match its class. To save
      such an annotation, the project meta needs that Bitmap class. ``obj_class=`` overrides.
    - The merged label is unbound unless members are kept beside it: it is the whole object,
      and a group of one label means nothing. ``bindings.with_binding_key(merged, key)`` puts a
      key back. It carries the tags of the merged parts (each tag once); descriptions and server
      ids are not carried over.
"""

from __future__ import annotations

import copy
import warnings
from typing import Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import numpy.typing as npt
import supervisely as sly
from supervisely.geometry.geometry import Geometry

from bindings import AREA_GEOMETRIES, annotation_objects, binding_key_of, with_binding_key
from sly_bindings.formats import construct
from sly_bindings.groups.roles import (
    decompose_group,
    describe_group,
    group_roles,
    mask_members,
    members_extent,
)

KEEP_ROLES = ("box", "keypoints", "other")


class GroupMergeWarning(UserWarning):
    """A group merged into one object (``merge_groups=True``) whose other classes are not kept;
    the message names the group and those classes."""


def group_mask(labels: Sequence[sly.Label], image_size: Tuple[int, int]) -> npt.NDArray[np.bool_]:
    """The union of the labels' pixels on an image-sized canvas.

    Args:
        labels: Bitmap, Polygon or Rectangle labels, any number (none gives an empty mask).
        image_size: ``(height, width)`` of the image.

    Returns:
        A boolean array of shape ``image_size``; pixels of the labels outside it are cut off.

    Raises:
        ValueError: ``image_size`` is not two positive integers.
        TypeError: an item is not a ``sly.Label``, or its geometry covers no area.

    Examples:
        >>> car = sly.ObjClass("car", sly.AnyGeometry)
        >>> parts = [sly.Label(sly.Bitmap(np.ones((1, 2), bool), sly.PointLocation(0, 0)), car),
        ...          sly.Label(sly.Rectangle(1, 2, 1, 3), car)]
        >>> group_mask(parts, (2, 4)).astype(int)
        array([[1, 1, 0, 0],
               [0, 0, 1, 1]])
    """
    _check_image_size(image_size)
    _check_labels(labels)
    canvas = np.zeros(tuple(image_size), dtype=np.uint8)  # 0 and 1: seen as bool at the end
    for label in labels:
        geometry = label.geometry
        if type(geometry) is sly.Polygon and not geometry._interior:
            # The SDK's Polygon._draw_impl (cv2.fillPoly of its (x, y) points) on the canvas
            # itself: its area alone is touched, and cv2 clips what falls outside.
            cv2.fillPoly(canvas, pts=[construct.points_xy(geometry._exterior)], color=1)
        else:
            _paint(geometry, canvas, top=0, left=0)
    return canvas.view(bool)


def object_mask(labels: Sequence[sly.Label], image_size: Tuple[int, int]) -> npt.NDArray[np.bool_]:
    """The mask of one group of any members: the union of its area members (``roles``).

    Boxes are drawn only when the group has no Bitmap or Polygon member; keypoints and other
    members are never drawn.

    Raises:
        ValueError: ``image_size`` is not two positive integers.
        TypeError: an item is not a ``sly.Label``.

    Examples:
        >>> car, box = sly.ObjClass("car", sly.Bitmap), sly.ObjClass("car_bbox", sly.Rectangle)
        >>> parts = [sly.Label(sly.Bitmap(np.ones((1, 2), bool), sly.PointLocation(0, 0)), car),
        ...          sly.Label(sly.Rectangle(0, 0, 1, 3), box)]
        >>> object_mask(parts, (2, 4)).astype(int)
        array([[1, 1, 0, 0],
               [0, 0, 0, 0]])
    """
    return group_mask(mask_members(labels), image_size)


def group_bbox(labels: Sequence[sly.Label]) -> sly.Rectangle:
    """The bounding box of the group: the smallest Rectangle holding every label's box.

    It is not cut to an image (the labels do not know its size); ``merge_group`` does that.

    Raises:
        ValueError: ``labels`` is empty.
        TypeError: an item is not a ``sly.Label``, or its geometry covers no area.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> box = group_bbox([sly.Label(sly.Rectangle(1, 2, 3, 4), car),
        ...                   sly.Label(sly.Rectangle(5, 0, 6, 1), car)])
        >>> box.top, box.left, box.bottom, box.right
        (1, 0, 6, 4)
    """
    if len(labels) == 0:
        raise ValueError("no labels to box: pass at least one label")
    _check_labels(labels)
    return members_extent(labels)


def merge_group(
    labels: Sequence[sly.Label],
    image_size: Tuple[int, int],
    obj_class: Optional[sly.ObjClass] = None,
    primary_classes: Optional[Iterable[str]] = None,
    merge_groups: bool = False,
) -> sly.Label:
    """One unbound Bitmap label of the group's class whose mask is the mask of its object.

    The mask is the union of the object's area members (``roles.decompose_group``: the members
    of the leading class; its boxes when it has none); keypoints, other members and the parts
    (members of other classes) add nothing (``merge_bindings`` keeps the parts beside it).
    ``merge_groups=True``: the mask of the whole group (``object_mask``: every area member),
    warning (:class:`GroupMergeWarning`) with the classes it does not keep.

    Args:
        labels: the labels of one object, of any classes and geometries.
        image_size: ``(height, width)`` of the image.
        obj_class: the class of the merged label, Bitmap- or AnyGeometry-typed; by default the
            group's class (``roles.group_class``; a Bitmap copy of it when it takes other
            geometries).
        primary_classes: class names that lead the group (see ``roles.group_class``).
        merge_groups: True to merge the whole group into one object (CVAT's meaning).

    Raises:
        ValueError: ``labels`` is empty, has no Bitmap, Polygon or Rectangle member, has no
            pixel inside the image, or ``image_size`` is not two positive integers.
        TypeError: an item is not a ``sly.Label``, or ``obj_class`` is not a ``sly.ObjClass``
            that takes Bitmap labels.

    Examples:
        >>> car = sly.ObjClass("car", sly.Polygon)
        >>> parts = [sly.Label(sly.Polygon([sly.PointLocation(r, c) for r, c in corners]), car,
        ...                    binding_key="car-1")
        ...          for corners in ([(0, 0), (0, 2), (2, 0)], [(3, 3), (3, 5), (5, 5)])]
        >>> merged = merge_group(parts, (8, 8))
        >>> merged.geometry.area, merged.obj_class.geometry_type.__name__, merged.binding_key
        (12.0, 'Bitmap', None)
        >>> car_bbox = sly.ObjClass("car_bbox", sly.Rectangle)
        >>> with_box = parts + [sly.Label(sly.Rectangle(0, 0, 7, 7), car_bbox, binding_key="car-1")]
        >>> merged = merge_group(with_box, (8, 8))
        >>> merged.geometry.area, merged.obj_class.name
        (12.0, 'car')
    """
    _check_image_size(image_size)
    if len(labels) == 0:
        raise ValueError("no labels to merge: pass the labels of one group")
    _check_any_labels(labels)
    if obj_class is not None and not isinstance(obj_class, sly.ObjClass):
        raise TypeError(f"obj_class is a {type(obj_class).__name__}: pass a sly.ObjClass or None")
    group = decompose_group(labels, primary_classes, merge_groups)
    target_class = _bitmap_class(group.object_class) if obj_class is None else obj_class
    if target_class.geometry_type not in (sly.Bitmap, sly.AnyGeometry):
        raise TypeError(
            f"obj_class '{target_class.name}' takes {target_class.geometry_type.__name__} "
            "labels: pass a class with geometry_type sly.Bitmap or sly.AnyGeometry"
        )
    parts = group.mask_members
    if group.merged_classes:
        lost = group.merged_classes
        warnings.warn(
            f"{_describe(labels)} ({describe_group(labels, primary_classes)}) is one "
            f"{group.object_class.name} object (merge_groups): so {', '.join(lost)} "
            f"{'is' if len(lost) == 1 else 'are'} not kept",
            GroupMergeWarning,
        )
    if not parts:
        raise ValueError(
            f"{_describe(labels)} has no Bitmap, Polygon or Rectangle label: there is no area to "
            "merge; keep such a group as it is"
        )

    # Paint only the group's box, not the whole image: a 4K canvas per group would cost more
    # than the painting itself.
    height, width = image_size
    box = group_bbox(parts)
    top, left = max(box.top, 0), max(box.left, 0)
    bottom, right = min(box.bottom, height - 1), min(box.right, width - 1)
    canvas = np.zeros((max(bottom - top + 1, 0), max(right - left + 1, 0)), dtype=bool)
    for label in parts:
        _paint(label.geometry, canvas, top=top, left=left)
    if not canvas.any():
        raise ValueError(
            f"{_describe(labels)} has no pixel inside the {width}x{height} image: "
            "crop or drop it before merging"
        )

    tags: List[sly.Tag] = []
    for label in parts:
        tags.extend(tag for tag in label.tags if tag not in tags)
    return sly.Label(sly.Bitmap(canvas, origin=sly.PointLocation(top, left)), target_class, tags)


def merge_bindings(
    ann: sly.Annotation,
    keep: Iterable[str] = (),
    primary_classes: Optional[Iterable[str]] = None,
    merge_groups: bool = False,
) -> sly.Annotation:
    """A copy of ``ann`` with each binding group's object merged into one Bitmap label.

    Each group's object becomes one label (see :func:`merge_group`) where its first label was;
    unbound labels stay as they are (as copies), in place. The group's parts (members of other
    classes, ``roles.decompose_group``) stay as they are, right after it, bound to it under the
    group's key; ``merge_groups=True`` merges the whole group instead (no parts: CVAT's
    meaning). Members of the object's roles named in ``keep`` (``"box"``, ``"keypoints"``,
    ``"other"``; see ``groups/roles.py``) stay as separate labels bound to it too; with nothing
    kept the merged label is unbound and those members are dropped. A group with no area to
    merge (keypoints only, say) stays as it is.

    Raises:
        ValueError: ``keep`` names an unknown role.
        TypeError: ``keep`` is one string.

    Examples:
        >>> car = sly.ObjClass("car", sly.Bitmap)
        >>> car_bbox = sly.ObjClass("car_bbox", sly.Rectangle)
        >>> part = np.ones((2, 2), bool)
        >>> ann = sly.Annotation((6, 6), [
        ...     sly.Label(sly.Bitmap(part, sly.PointLocation(0, 0)), car, binding_key="a"),
        ...     sly.Label(sly.Bitmap(part, sly.PointLocation(4, 0)), car),
        ...     sly.Label(sly.Bitmap(part, sly.PointLocation(4, 4)), car, binding_key="a"),
        ...     sly.Label(sly.Rectangle(0, 0, 5, 5), car_bbox, binding_key="a")])
        >>> [(label.obj_class.name, label.geometry.area, label.binding_key)
        ...  for label in merge_bindings(ann).labels]
        [('car', 8.0, None), ('car', 4.0, None)]
        >>> [(label.obj_class.name, label.geometry.area, label.binding_key)
        ...  for label in merge_bindings(ann, keep=["box"]).labels]
        [('car', 8.0, 'a'), ('car_bbox', 36.0, 'a'), ('car', 4.0, None)]
    """
    if isinstance(keep, str):
        raise TypeError(f"keep is the string {keep!r}: pass a list such as ['box', 'keypoints']")
    kept_roles = tuple(keep)
    for role in kept_roles:
        if role not in KEEP_ROLES:
            raise ValueError(f"keep has {role!r}: use some of {', '.join(KEEP_ROLES)}")
    labels = []
    for parts in annotation_objects(ann):
        key = binding_key_of(parts[0])
        group = decompose_group(parts, primary_classes, merge_groups)
        if key is None or not group.mask_members:
            # A copy, so that changing a label of the result never reaches back into ``ann``.
            labels.extend(copy.copy(label) for label in parts)
            continue
        roles = group_roles(group.members)
        merged_ids = {id(label) for label in group.mask_members}
        kept = [
            label
            for role in kept_roles
            for label in getattr(roles, role)
            if id(label) not in merged_ids
        ] + list(group.parts)
        kept_ids = {id(label) for label in kept}
        kept = [label for label in parts if id(label) in kept_ids]  # annotation order
        merged = merge_group(
            parts, ann.img_size, primary_classes=primary_classes, merge_groups=merge_groups
        )
        if kept:
            labels.append(with_binding_key(merged, key))
            labels.extend(with_binding_key(label, key) for label in kept)
        else:
            labels.append(merged)
    return ann.clone(labels=labels)


def _paint(geometry: Geometry, canvas: npt.NDArray, top: int, left: int) -> None:
    """Set the pixels of ``geometry`` on ``canvas`` (bool, or uint8 of 0 and 1), whose pixel
    (0, 0) is image pixel (top, left).

    Only the part of the canvas under the geometry's box is touched, so a small part on a 4K
    canvas costs what the part costs.
    """
    box_top, box_left, box_bottom, box_right = construct.extent(geometry)
    rows = slice(max(box_top - top, 0), min(box_bottom - top + 1, canvas.shape[0]))
    cols = slice(max(box_left - left, 0), min(box_right - left + 1, canvas.shape[1]))
    if rows.start >= rows.stop or cols.start >= cols.stop:
        return
    region = canvas[rows, cols]
    if isinstance(geometry, sly.Bitmap):
        data = geometry.data
        data_top, data_left = rows.start + top - box_top, cols.start + left - box_left
        region |= data[
            data_top : data_top + region.shape[0], data_left : data_left + region.shape[1]
        ]
    else:
        # The SDK's own drawing, on the region only (cv2 clips what falls outside it). A uint8
        # canvas, because on a bool one the SDK draws on a temporary copy and copies it back.
        moved = (geometry, region.shape, -(rows.start + top), -(cols.start + left))
        region |= construct.drawn(*moved).astype(bool)


def _bitmap_class(obj_class: sly.ObjClass) -> sly.ObjClass:
    """``obj_class`` when it takes Bitmap labels, else a Bitmap copy of it with the same name."""
    if obj_class.geometry_type in (sly.Bitmap, sly.AnyGeometry):
        return obj_class
    return sly.ObjClass(
        obj_class.name,
        sly.Bitmap,
        color=obj_class.color,
        hotkey=obj_class.hotkey,
        description=obj_class.description,
    )


def _describe(labels: Sequence[sly.Label]) -> str:
    """'group <key>' for bound labels, otherwise what they are, for error messages."""
    key = binding_key_of(labels[0])
    if key is not None:
        return f"group {key!r}"
    if len(labels) == 1:
        return f"label of class {labels[0].obj_class.name!r}"
    return f"{len(labels)} unbound labels"


def _check_image_size(image_size: Tuple[int, int]) -> None:
    size = tuple(image_size) if isinstance(image_size, (tuple, list)) else ()
    if len(size) != 2 or not all(
        isinstance(side, (int, np.integer)) and not isinstance(side, bool) and side > 0
        for side in size
    ):
        raise ValueError(
            f"image_size must be (height, width) with two positive integers, got {image_size!r}"
        )


def _check_labels(labels: Sequence[sly.Label]) -> None:
    for index, label in enumerate(labels):
        if not isinstance(label, sly.Label):
            raise TypeError(
                f"labels[{index}] is a {type(label).__name__}, not a sly.Label: pass labels"
            )
        if type(label.geometry) not in AREA_GEOMETRIES:
            raise TypeError(
                f"label of class {label.obj_class.name!r} has a {label.geometry.name()} geometry: "
                "leave it out, only Bitmap, Polygon and Rectangle labels are supported here"
            )


def _check_any_labels(labels: Sequence[sly.Label]) -> None:
    for index, label in enumerate(labels):
        if not isinstance(label, sly.Label):
            raise TypeError(
                f"labels[{index}] is a {type(label).__name__}, not a sly.Label: pass labels"
            )
