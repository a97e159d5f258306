"""Read COCO instances into Supervisely annotations: an instance of several parts becomes a group.

A COCO instance is one object. When its segmentation has several parts, the parts become
labels bound under one key, ``"<image name>:<instance id>"``; an instance of one part is one
unbound label. This reads standard COCO and what ``coco_export.py`` writes (one instance per
binding group):

- a polygon list ``[[x1, y1, x2, y2, ...], ...]``: one ``sly.Polygon`` per polygon, points
  rounded to whole pixels (x = column, y = row, not shifted, as ``coco_export`` writes them).
  A polygon is always a polygon, also one of the four corners of an axis-aligned box: no shape
  is guessed from its points. Our own rectangles come back by a means no other file has: the
  instance's ``sly_rectangles`` (:data:`RECTANGLES_FIELD`) lists the parts ``coco_export``
  wrote from a ``sly.Rectangle`` (its corners ``[left, top, right, top, right, bottom, left,
  bottom]``), and those parts are read as that ``sly.Rectangle``;
- an RLE, compressed (``counts`` a string) or not (``counts`` a list), with ``size`` the
  image's ``[height, width]``: its mask's connected blobs (8-connectivity,
  ``group_split.split_label``) become one ``sly.Bitmap`` each. A crowd (``iscrowd: 1``) stays
  one unbound Bitmap: it is many objects, not one in parts;
- no segmentation (``[]``, or ``[[]]`` as old CVAT and many converters write it: a detection
  dataset): the ``bbox`` ``[x, y, width, height]`` as the ``sly.Rectangle`` (top ``y``, left
  ``x``, bottom ``y + height``, right ``x + width``), rounded: the convention of the SDK's own
  COCO converters, so ``[10, 50, 80, 30]`` read and written is ``[10, 50, 80, 30]`` again.
- instances of one image that share ``"attributes": {"group_id": N}`` (``coco_export`` writes
  it on a group's object and its parts, and Datumaro keeps ``attributes``): one group, keyed
  ``records.group_key("linked", <image name>, N)``; a ``group_id`` on a single instance binds nothing;
- an instance with ``keypoints`` (a category with ``keypoints`` names): one bound group of its
  segmentation's parts (class ``<name>``), its bbox (class ``<name>_bbox``) and its keypoints
  (GraphNodes class ``<name>_keypoints``, the category's template), see
  :func:`keypoint_instance_labels`; ``coco_export`` writes it back as one keypoints instance.

What the tools write and open is read, not refused: a polygon part of fewer than 3 points is
dropped with a :class:`CocoWarning` (the instance's other parts are kept; with none left, its
bbox is read); two instances of one image that share an annotation ``id`` stay two objects (the
second is keyed ``group_key("instance", <image name>, <id>, 2)``, with a warning), never one group. A crowd
(``iscrowd: 1``) is read with the tag ``iscrowd`` (:data:`ISCROWD`) on each of its labels and is
never bound: it is many objects, not one in parts; in a keypoints file too (its region, not a
keypoints group: the crowds of ``person_keypoints_*.json`` have no keypoint labelled).
MMDetection's ``ignore: 1`` is read as the tag ``ignore`` (:data:`IGNORE`) on the instance's
labels; ``coco_export`` writes both flags back. A keypoints instance keeps its visibility flags
(``v = 1`` a disabled node, ``v = 2`` a node, ``v = 0`` no node) and its category's
``skeleton`` (the GraphNodes template), so a file COCOeval reads with ``iouType="keypoints"``
reads the same after a round trip.

So a round trip through ``coco_export`` keeps every label and every group exactly when each
Bitmap label is one blob and the Bitmap parts of a group do not touch (a merged RLE cannot tell
touching parts apart); a group of polygons and rectangles always comes back exactly, a group
mixing masks and polygons comes back as masks.

Classes are the categories, in their order: a class has the geometry type of its labels
(``sly.AnyGeometry`` when they mix types, or when the category has no instance).

Each image is an item of a dataset given by the folders of its ``file_name`` (less a last
``img`` folder, and the SDK's ``<parent>/datasets/<child>`` read as ``<parent>/<child>``) and
by the COCO file it is in. The rule, per layout:

- a file that holds one subset, ``annotations/instances_<subset>.json`` (CVAT, Datumaro, the
  official ``annotations/instances_val2017.json`` + ``val2017/``) or Supervisely's
  ``<dataset>/annotations/*.json`` (:func:`subset_of` names it): the dataset is the subset, and
  the folders of ``file_name`` are datasets nested in it, top first. ``cars/b.png`` in
  ``instances_train.json`` (image ``images/train/cars/b.png``) is dataset ``cars`` inside
  ``train``, ``cars/red/c.png`` is ``red`` inside ``cars`` inside ``train``, ``a.png`` is
  ``train``. Source: Datumaro's COCO importer (``plugins/data_formats/coco/base.py``,
  ``_CocoBase._parse_item``) reads such an image as the item ``id=cars/b`` of subset ``train``
  (the id keeps the folders, ``file_name`` less its extension, and the image is
  ``images/<subset>/<file_name>``); its exporter writes an item id with a folder so, and so does
  ``coco_export.write_coco_layout`` for a nested dataset. A nested dataset is the analogue of
  an id with ``/``;
- any other file, a single ``annotations.json`` or ``<name>.json`` beside its images (what
  ``coco_export.write_coco`` writes, ``file_name`` ``<dataset>/img/<image>`` relative to the
  project): the folders of ``file_name`` are the dataset and its parents, top first
  (``street/cars/a.png`` is dataset ``cars`` inside ``street``); with no folder, the dataset is
  named for the file (its name without the extension).

Images are found where the tools put them (:func:`image_candidates`), and a folder given
instead of a file holds one or several COCO files (:func:`coco_files`): several
``annotations/instances_<subset>.json`` become one dataset each. Nested datasets are built as
the SDK builds them (``a/datasets/b``). A folder that cannot be a dataset name is refused, never
written outside the project: ``..``, ``.``, an absolute path, or a name ending in ``img``,
``ann``, ``seg``, ... (``files.dataset_names.dataset_name_problem``), which ``sly.Project``
skips when it reads.

Ids are plain ids (:func:`coco_id`): an integer, as the COCO format declares every ``id``,
``image_id`` and ``category_id``; a whole float (``7.0``) is read as that integer, and a
non-empty string is kept as it is (pycocotools only uses ids as dictionary keys, and converters
write ``"7"``). A ``bool`` (``true`` would be ``1``), a float that is not whole, a list, an
object or a missing id is refused, as are two images or two categories sharing an id; the
message names the field (``categories[1]: id``, ``images[0]: id``, ``annotation 5: image_id``).
An instance (an ``annotations`` record) that cannot be read, its ids included, is skipped with
one warning naming the file, the instance and its image (``formats.records``); the rest is read.

A ``file_name`` that is absolute or climbs out with ``../`` is refused (``files.input_paths``,
the rule every reader follows), and an image's ``height`` and ``width`` must be its file's real
size (``formats.items.check_image_size``), checked before any instance is read.

Copy this file with ``groups/split.py``, ``bindings.py``, ``files/dataset_names.py``,
``files/input_paths.py``, ``files/images.py``, ``files/project_folder.py``,
``formats/items.py``, ``formats/progress.py``, ``formats/coco/stream.py`` and
``files/json_stream.py``; besides ``supervisely``, ``numpy`` and ``opencv`` it needs
``pycocotools`` and ``ijson``.

A file over ``stream.STREAMED_BYTES`` (4 MiB) is never parsed whole: it is indexed in two ijson
passes, once per run (:func:`_indexed`), its instances kept per image as ``marshal`` bytes and
decoded only by the process that converts that image (``formats/coco/stream.py`` says how, and
what is read whole still, for the same result or error as ``json.loads`` gives).
"""

from __future__ import annotations

import itertools
import json
import marshal
import math
import os
import struct
import tempfile  # for the examples
import warnings
from pathlib import Path, PurePosixPath
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Set,
    Tuple,
    Union,
)

import numpy as np
import supervisely as sly
from pycocotools import mask as mask_utils

from bindings import with_binding_key
from sly_bindings.formats import construct, shard
from sly_bindings.formats.coco import stream
from sly_bindings.files.dataset_names import dataset_name_problem
from sly_bindings.files.images import check_mask_fits, find_image
from sly_bindings.files.input_paths import absence, input_files, outside_input_problem
from sly_bindings.files.project_folder import (
    ProjectFolderError,
    check_json_file,
    read_json,
    repeated_keys_warning,
)
from sly_bindings.formats.boxes import BoxError, box_to_rectangle
from sly_bindings.formats.items import (
    MAX_COORDINATE,
    ClassInfo,
    FormatItem,
    FormatWarning,
    InvalidFormatError,
    check_image_size,
    are_coordinates,
    excerpt,
    items_to_project,
    label_class,
)
from sly_bindings.formats.records import group_key, image_skipped, record
from sly_bindings.groups.split import split_label

ISCROWD_TAG = "iscrowd"
# ``coco_export`` lists here the parts of a segmentation it wrote from rectangles.
RECTANGLES_FIELD = "sly_rectangles"
# A crowd region (``iscrowd: 1``) is read with this tag on its label, so a writer can write it
# back as a crowd; it is never bound to anything.
ISCROWD = construct.tag_meta(ISCROWD_TAG, sly.TagValueType.NONE)
IGNORE_TAG = "ignore"
# MMDetection's ``ignore: 1`` (an instance its ``CocoDataset`` leaves out of training) is read
# with this tag on the instance's labels, and written back as ``ignore: 1``.
IGNORE = construct.tag_meta(IGNORE_TAG, sly.TagValueType.NONE)


def _flag_tags(instance: Mapping[str, Any]) -> Optional[sly.TagCollection]:
    """The tags of an instance's flags: ``iscrowd`` (:data:`ISCROWD`) and MMDetection's
    ``ignore`` (:data:`IGNORE`); None when it has neither."""
    tags = [sly.Tag(ISCROWD)] if instance.get("iscrowd") else []
    if instance.get("ignore"):
        tags.append(sly.Tag(IGNORE))
    return sly.TagCollection(tags) if tags else None


# The field of an annotation's ``attributes`` that links the instances of one group
# (``coco_export.GROUP_ID_ATTRIBUTE``): instances of an image with one ``group_id`` are one group.
GROUP_LINK = "group_id"


class InvalidCocoError(InvalidFormatError):
    """A COCO file that cannot be read; the message names the file and the field."""


class CocoWarning(FormatWarning):
    """A part of a COCO file that was dropped or read differently; the message says which."""


def coco_to_annotation(
    image: Mapping[str, Any],
    instances: List[Mapping[str, Any]],
    category_names: Mapping[int, str],
    source: str = "COCO JSON",
    keypoint_classes: Optional[Mapping[int, sly.ObjClass]] = None,
) -> sly.Annotation:
    """The annotation of one COCO image from its instances, multi-part instances as groups.

    An instance with ``keypoints`` of a category in ``keypoint_classes`` (category id ->
    :func:`keypoint_class`) is one bound group (:func:`keypoint_instance_labels`).

    Args:
        image: the COCO image (``file_name``, ``height``, ``width``).
        instances: the COCO annotations of that image, in order.
        category_names: the class name of each category id.
        source: the file's name, used in messages.

    Each instance is read through ``formats.records.record``: one that cannot be read (a
    category that is not declared, a box of no area, NaN, too few points, a missing field, an
    instance wholly outside the image) is skipped with a :class:`CocoWarning` naming the file,
    the instance and the image; the others are read.

    Raises:
        InvalidCocoError: a field of the image is missing or malformed; the message names file
            and field.

    Examples:
        >>> image = {"id": 1, "file_name": "a.jpg", "height": 8, "width": 8}
        >>> instances = [
        ...     {"id": 5, "category_id": 1, "segmentation": [[0, 0, 2, 0, 1, 2], [5, 5, 7, 5, 6, 7]]},
        ...     {"id": 6, "category_id": 1, "segmentation": [[0, 4, 3, 4, 3, 6, 0, 6]]},
        ...     {"id": 7, "category_id": 1, "segmentation": [], "bbox": [4, 0, 3, 2]}]
        >>> ann = coco_to_annotation(image, instances, {1: "car"})
        >>> [(label.geometry.geometry_name(), label.binding_key) for label in ann.labels]
        [('polygon', '["instance","a.jpg",5]'), ('polygon', '["instance","a.jpg",5]'), ('polygon', None),
         ('rectangle', None)]
    """
    where = f"{source}: image {excerpt(image.get('id'))}"
    height, width = (_whole_number(image, side, where, minimum=1) for side in ("height", "width"))
    image_name = PurePosixPath(str(image.get("file_name"))).name
    labels: List[sly.Label] = []
    keys_used: Dict[str, int] = {}
    # Each instance's labels in ``labels`` (start, end), and the group it links to (None: none;
    # a crowd region is many objects, never linked).
    spans: List[Tuple[Optional[int], int, int]] = []
    for instance in instances:
        field = f"{source}: annotation {excerpt(instance.get('id'))}"
        link = None if instance.get("iscrowd") else _group_link(instance)
        before = len(labels)
        with record(labels, field, CocoWarning, (height, width), "instance", image_name) as found:
            category_id = coco_id(instance.get("category_id"), f"{field}: category_id")
            if category_id not in category_names:
                raise InvalidCocoError(
                    f"{field}: category_id: {excerpt(category_id)} is no category's id"
                )
            name = category_names[category_id]
            crowd = bool(instance.get("iscrowd"))
            tags = _flag_tags(instance)
            keypoints_read = category_id in (keypoint_classes or {}) and "keypoints" in instance
            if keypoints_read and not crowd:
                found.extend(
                    keypoint_instance_labels(
                        instance,
                        name,
                        keypoint_classes[category_id],
                        (height, width),
                        _instance_key(image_name, instance, image, field, keys_used),
                        field,
                        tags,
                    )
                )
            else:
                if keypoints_read and _labelled_keypoints(instance.get("keypoints")):
                    # A crowd region of a keypoints file (COCO's person crowds have none labelled).
                    warnings.warn(
                        f"{field}: keypoints: dropped, a crowd region (iscrowd: 1) is many "
                        "people, its region is read and written back as a crowd",
                        CocoWarning,
                    )
                parts = _geometries(instance, (height, width), field)
                found.extend(
                    _instance_labels(
                        parts,
                        label_class_of=lambda g: label_class(name, type(g)),
                        tags=tags,
                        crowd=crowd,
                        key=lambda: _instance_key(image_name, instance, image, field, keys_used),
                    )
                )
        if len(labels) > before:
            spans.append((link, before, len(labels)))
    linked: Dict[int, List[Tuple[int, int]]] = {}
    for group_id, start, end in spans:
        if group_id is not None:
            linked.setdefault(group_id, []).append((start, end))
    return construct.annotation((height, width), _linked_groups(labels, linked, image_name))


def _instance_labels(
    parts: List[sly.Geometry],
    label_class_of: Callable[[sly.Geometry], sly.ObjClass],
    tags: Optional[sly.TagCollection],
    crowd: bool,
    key: Callable[[], str],
) -> List[sly.Label]:
    """The labels of one instance's geometries: a crowd region stays as it is, never bound (many
    objects in one region, not one object in parts); a mask of several blobs is one label per
    blob; several parts are bound under ``key()``."""
    labels = [construct.label(geometry, label_class_of(geometry), tags=tags) for geometry in parts]
    if crowd:
        return labels
    if len(labels) == 1 and isinstance(parts[0], sly.Bitmap):
        labels = split_label(labels[0])  # one blob: the label itself, unbound
    if len(labels) > 1:
        bound_as = key()
        labels = [with_binding_key(label, bound_as) for label in labels]
    return labels


def _instance_key(
    image_name: str,
    instance: Mapping[str, Any],
    image: Mapping[str, Any],
    field: str,
    keys_used: Dict[str, int],
) -> str:
    """The binding key of an instance's parts, ``records.group_key("instance", image, id)``;
    an id shared by two instances of the image gives two objects, never one (the count is a
    part of the second's key: ``(..., id, 2)``, with a warning). ``keys_used`` counts the keys
    given so far (changed in place)."""
    key = group_key("instance", image_name, instance.get("id"))
    keys_used[key] = keys_used.get(key, 0) + 1
    if keys_used[key] > 1:
        key = group_key("instance", image_name, instance.get("id"), keys_used[key])
        warnings.warn(
            f"{field}: id: shared with another instance of image {excerpt(image.get('id'))}: "
            f"read as an object of its own (key {key})",
            CocoWarning,
        )
    return key


def _group_link(instance: Mapping[str, Any]) -> Optional[int]:
    """The group an instance links to: ``attributes.group_id`` (a whole number), as
    ``coco_export`` writes it on each instance of a group with parts; None for none."""
    attributes = instance.get("attributes")
    if not isinstance(attributes, dict):
        return None
    value = attributes.get(GROUP_LINK)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _linked_groups(
    labels: List[sly.Label], linked: Mapping[int, List[Tuple[int, int]]], image_name: str
) -> List[sly.Label]:
    """``labels`` with the labels of instances linked by one ``group_id`` bound under one key,
    ``records.group_key("linked", image name, group_id)``; a group id of one instance binds nothing new (a key shared
    by a single object is no group)."""
    result = list(labels)
    for group_id, spans in linked.items():
        if len(spans) < 2:
            continue
        key = group_key("linked", image_name, group_id)
        for start, end in spans:
            for index in range(start, end):
                result[index] = with_binding_key(result[index], key)
    return result


def _geometries(
    instance: Mapping[str, Any], image_size: Tuple[int, int], field: str
) -> List[sly.Geometry]:
    """The geometries of one instance's segmentation (or of its bbox when it has none).

    ``[]`` and ``[[]]`` (old CVAT and many converters) are box-only; a polygon part of fewer
    than 3 points is dropped with a warning, and an instance left with no part is its bbox.
    """
    segmentation = instance.get("segmentation")
    if isinstance(segmentation, dict):
        return [_rle_bitmap(segmentation, image_size, f"{field}: segmentation")]
    if segmentation is not None and not isinstance(segmentation, list):
        raise InvalidCocoError(f"{field}: segmentation: must be a polygon list, an RLE or []")
    parts = []
    rectangles = instance.get(RECTANGLES_FIELD)
    rectangles = rectangles if isinstance(rectangles, list) else []
    dropped = []
    for index, values in enumerate(segmentation or []):
        part = f"{field}: segmentation[{index}]"
        short = isinstance(values, list) and len(values) < 6 and not len(values) % 2
        if short and all(_is_number(v) for v in values):
            if values:  # [] is no part at all: [[]] is a box-only instance
                dropped.append(f"{part}: dropped, a polygon needs 3 points, got {len(values) // 2}")
            continue
        polygon = _polygon(values, part)
        parts.append(_written_rectangle(polygon) if index in rectangles else polygon)
    if not parts and dropped and instance.get("bbox") is None:
        # Nothing is left of the instance: one warning for it (formats.records), not two.
        raise InvalidCocoError(f"{dropped[0]}, and there is no bbox")
    for message in dropped:
        warnings.warn(message, CocoWarning)
    if parts:
        return parts
    return [_bbox_rectangle(instance.get("bbox"), f"{field}: bbox", "with no segmentation, ")]


def _polygon(values: Any, field: str) -> sly.Geometry:
    if (
        not isinstance(values, list)
        or len(values) < 6
        or len(values) % 2
        or not are_coordinates(values)
    ):
        raise InvalidCocoError(
            f"{field}: a polygon must be [x1, y1, x2, y2, x3, y3, ...] numbers, each within "
            f"{MAX_COORDINATE} of 0"
        )
    # A polygon in a file is a polygon, whatever its shape: four corners of an axis-aligned box
    # are not read as a Rectangle (our own rectangles are marked: ``_written_rectangle``).
    xs = [round(v) for v in values[::2]]
    ys = [round(v) for v in values[1::2]]
    return construct.polygon(construct.points(zip(ys, xs)))


def _written_rectangle(polygon: sly.Polygon) -> sly.Geometry:
    """The Rectangle ``coco_export`` wrote as ``polygon`` (a part its ``sly_rectangles`` lists):
    its corners ``[left, top, right, top, right, bottom, left, bottom]``; any other shape (the
    file was edited since) stays the polygon."""
    points = [(point.col, point.row) for point in construct.exterior(polygon)]
    if len(points) == 4:
        (left, top), (right, _), _, (_, bottom) = points
        if points == [(left, top), (right, top), (right, bottom), (left, bottom)]:
            if left <= right and top <= bottom:
                return sly.Rectangle(top, left, bottom, right)
    return polygon


def _rle_bitmap(rle: Mapping[str, Any], image_size: Tuple[int, int], field: str) -> sly.Bitmap:
    size, counts = rle.get("size"), rle.get("counts")
    if not isinstance(size, list) or size != list(image_size):
        raise InvalidCocoError(
            f"{field}.size: {excerpt(size)} is not the image's [height, width] {list(image_size)}"
        )
    # The one mask size rule, before a pixel is decoded (an image may be 40000 px a side).
    check_mask_fits((size[0], size[1]), image_size, f"{field}.size", InvalidCocoError)
    try:
        # pycocotools decodes runs that do not add up to the image from memory it never set:
        # the runs are checked here, before anything is decoded.
        if isinstance(counts, str):
            runs = compressed_rle_counts(counts)
        elif isinstance(counts, list) and all(type(count) is int for count in counts):
            runs = counts
        else:
            raise ValueError
        if sum(runs) != size[0] * size[1] or any(not 0 <= run < 2**32 for run in runs):
            raise ValueError
        encoded = mask_utils.frPyObjects({"size": list(size), "counts": runs}, *size)
        mask = mask_utils.decode(encoded).astype(bool)
    except (ValueError, TypeError, OverflowError):
        raise InvalidCocoError(
            f"{field}.counts: not an RLE of {size[1]}x{size[0]} pixels (a list of run lengths "
            "or a compressed string whose runs cover the image once)"
        ) from None
    if not mask.any():
        raise InvalidCocoError(f"{field}: the mask has no pixel set: drop the instance")
    return sly.Bitmap(mask)


def compressed_rle_counts(text: str) -> List[int]:
    """The run lengths of a COCO compressed RLE string, as pycocotools' ``rleFrString`` reads it.

    pycocotools decodes such a string without checking it; this reads the runs so that they can
    be checked (their sum is ``height * width``) before a mask is allocated. Source of the
    encoding: ``maskApi.c`` of cocoapi (``rleToString``/``rleFrString``): each run is a signed
    number in 5-bit groups, characters from ``'0'`` (48), and from the third run on, the
    difference to the run two before.

    Raises:
        ValueError: a character outside the encoding, or the string ends inside a number.

    Examples:
        >>> compressed_rle_counts("52203")  # from the third run on, each adds the run two before
        [5, 2, 2, 2, 5]
        >>> from pycocotools import mask as mask_utils
        >>> mask = np.zeros((4, 3), np.uint8, order="F"); mask[1:3, 1] = 1
        >>> compressed_rle_counts(mask_utils.encode(mask)["counts"].decode())
        [5, 2, 5]
    """
    runs: List[int] = []
    position = 0
    while position < len(text):
        value, shift, more = 0, 0, True
        while more:
            if position >= len(text):
                raise ValueError("the string ends inside a number")
            code = ord(text[position]) - 48
            if not 0 <= code < 64:
                raise ValueError(f"character {text[position]!r} is not in the encoding")
            value |= (code & 0x1F) << shift
            more = bool(code & 0x20)
            position, shift = position + 1, shift + 5
            if not more and code & 0x10:
                value |= -1 << shift
        if len(runs) > 2:
            value += runs[-2]
        runs.append(value)
    return runs


def _bbox_rectangle(bbox: Any, field: str, when: str = "") -> sly.Rectangle:
    # The one box rule (formats.boxes): the SDK's Rectangle(y, x, y + h, x + w), so a bbox read
    # here is written back unchanged.
    try:
        return box_to_rectangle(bbox)
    except BoxError as error:
        raise InvalidCocoError(
            f"{field}: {when}bbox must be [x, y, width, height], width and height above 0, "
            f"each within {MAX_COORDINATE} of 0 ({error})"
        ) from None


def _whole_number(data: Mapping[str, Any], field: str, where: str, minimum: int) -> int:
    value = data.get(field)
    if not _is_number(value) or value != int(value):
        raise InvalidCocoError(
            f"{where}: {field}: missing or not a whole number, got {excerpt(value)}"
        )
    if value < minimum:
        raise InvalidCocoError(
            f"{where}: {field}: must be at least {minimum}, got {excerpt(value)}"
        )
    if value > MAX_COORDINATE:  # 1e300 is a whole number too
        raise InvalidCocoError(
            f"{where}: {field}: {excerpt(value)} is more than {MAX_COORDINATE} pixels, larger "
            "than any image Supervisely takes: check the file"
        )
    return int(value)


def _is_number(value: Any) -> bool:
    """A finite JSON number (Python's json reads NaN and Infinity too)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value)  # isfinite(10**400) overflows


def coco_items(coco_path: str, images_dir: Optional[str] = None) -> Iterator[FormatItem]:
    """The images of a COCO instances file, read one by one, without copying anything.

    ``coco_path`` is a COCO file or a folder of them (:func:`coco_files`). An image is looked
    for where the tools put it (:func:`image_candidates`), or in ``images_dir`` when given. Its
    dataset is a tuple of names, top first: in a file that holds one subset
    (``instances_<subset>.json``, ``<dataset>/annotations/*.json``), the subset and then the
    folders of ``file_name``; in any other file, the folders of ``file_name``, or the file's
    name when it has none (see the module's docstring).

    Raises:
        InvalidCocoError: the JSON is malformed, an image is missing, or a folder of
            ``file_name`` cannot be a dataset name (``..``, say); the message names the file and
            the field.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> sly.image.write(os.path.join(folder.name, "a.png"), np.zeros((4, 4, 3), np.uint8))
        True
        >>> coco = {"images": [{"id": 1, "file_name": "a.png", "height": 4, "width": 4}],
        ...         "annotations": [{"id": 7, "image_id": 1, "category_id": 1,
        ...                          "segmentation": [[0, 0, 1, 0, 1, 1], [3, 3, 3, 2, 2, 3]]}],
        ...         "categories": [{"id": 1, "name": "car"}]}
        >>> with open(os.path.join(folder.name, "street.json"), "w") as file:
        ...     json.dump(coco, file)
        >>> [(item.dataset, item.name, len(item.ann.labels))
        ...  for item in coco_items(os.path.join(folder.name, "street.json"))]
        [(('street',), 'a.png', 2)]
        >>> folder.cleanup()
    """
    for json_path in _input_files(coco_path):
        coco = _load(json_path)
        category_names = _category_names(coco, str(json_path))
        yield from _items(coco, str(json_path), category_names, images_dir)


def coco_to_project(coco_path: str, project_dir: str, images_dir: Optional[str] = None) -> None:
    """Read a COCO instances file and its images into a new Supervisely project at ``project_dir``.

    Images are found and datasets named as :func:`coco_items` does; a nested dataset is made
    the SDK's way (``parent/datasets/child``), with its parents.

    Raises:
        InvalidCocoError: as :func:`coco_items`, the file has no image, or an image name is
            used twice in a dataset or is not an image; the message names the file and the field.
        RuntimeError: ``project_dir`` exists and is not empty (from ``sly.Project``).

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> sly.image.write(os.path.join(folder.name, "a.png"), np.zeros((4, 4, 3), np.uint8))
        True
        >>> coco = {"images": [{"id": 1, "file_name": "a.png", "height": 4, "width": 4}],
        ...         "annotations": [{"id": 7, "image_id": 1, "category_id": 1,
        ...                          "segmentation": [[0, 0, 1, 0, 1, 1], [3, 3, 3, 2, 2, 3]]}],
        ...         "categories": [{"id": 1, "name": "car"}]}
        >>> with open(os.path.join(folder.name, "street.json"), "w") as file:
        ...     json.dump(coco, file)
        >>> coco_to_project(os.path.join(folder.name, "street.json"), folder.name + "/project")
        >>> project = sly.Project(folder.name + "/project", sly.OpenMode.READ)
        >>> ann = project.datasets.get("street").get_ann("a.png", project.meta)
        >>> [(label.geometry.geometry_name(), label.binding_key) for label in ann.labels]
        [('polygon', '["instance","a.png",7]'), ('polygon', '["instance","a.png",7]')]
        >>> folder.cleanup()
    """
    declared: Dict[str, ClassInfo] = {}  # every category, in order, even with no instance
    parts, total = [], 0
    for json_path in _input_files(coco_path):
        coco = _load(json_path)
        total += len(coco["images"])
        category_names = _category_names(coco, str(json_path))
        declared.update((name, ClassInfo()) for name in category_names.values())
        parts.append(_items(coco, str(json_path), category_names, images_dir))
    items_to_project(
        itertools.chain.from_iterable(parts),
        project_dir,
        InvalidCocoError,
        f"{coco_path}: images: empty: pass a COCO file with images",
        declared,
        total=total,
        description="COCO",
    )


def coco_classes(coco_path: str) -> Dict[str, ClassInfo]:
    """The categories of the COCO file (or folder of files) ``coco_path``, as classes in the
    files' order (as :func:`coco_to_project` declares them): names only (a COCO category
    declares no shape or colour).

    Raises:
        InvalidCocoError: as :func:`coco_items`.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> with open(folder.name + "/annotations.json", "w") as file:
        ...     _ = file.write('{"images": [], "annotations": [], "categories": '
        ...                    '[{"id": 2, "name": "sign"}, {"id": 1, "name": "car"}]}')
        >>> list(coco_classes(folder.name + "/annotations.json"))
        ['sign', 'car']
        >>> folder.cleanup()
    """
    declared: Dict[str, ClassInfo] = {}
    for json_path in _input_files(coco_path):
        names = _category_names(_load(json_path), str(json_path))
        declared.update((name, ClassInfo()) for name in names.values())
    return declared


def coco_files(coco_path: str) -> List[Path]:
    """The COCO instances files of ``coco_path``: the file itself, or those a folder holds.

    In a folder, the first of these that exists: ``annotations.json``; the
    ``annotations/instances_<subset>.json`` files (CVAT, Datumaro, the official COCO layout),
    or else every ``annotations/*.json`` (CVAT's "COCO Keypoints 1.0" export:
    ``annotations/person_keypoints_default.json``); the ``*.json`` files in the folder; every
    ``<split>/_annotations.coco.json`` (Roboflow's export: ``train/``, ``valid/``, ``test/``,
    each beside its images); every ``<dataset>/annotations/*.json`` (Supervisely's import
    layout).

    Raises:
        InvalidCocoError: ``coco_path`` does not exist, or a folder holds none of these.

    Examples:
        >>> folder = Path(tempfile.mkdtemp())
        >>> (folder / "annotations").mkdir()
        >>> for subset in ("val", "train"):
        ...     _ = (folder / "annotations" / f"instances_{subset}.json").write_text("{}")
        >>> [path.name for path in coco_files(str(folder))]
        ['instances_train.json', 'instances_val.json']
    """
    path = Path(coco_path)
    if not path.is_dir():
        if not path.is_file():
            raise InvalidCocoError(f"{path}: {absence(path)}: pass a COCO instances JSON file")
        return [path]
    if os.path.lexists(path / "annotations.json"):
        return input_files(path, "annotations.json", InvalidCocoError) or [
            path / "annotations.json"
        ]
    patterns = (
        "annotations/instances_*.json",
        "annotations/*.json",
        "*.json",
        f"*/{ROBOFLOW_FILE}",
    )
    for pattern in patterns:
        found = input_files(path, pattern, InvalidCocoError)
        if found:
            return found
    found = input_files(path, "*/annotations/*.json", InvalidCocoError)
    if found:
        return found
    raise InvalidCocoError(
        f"{path}: no COCO file in it (annotations.json, annotations/instances_<subset>.json, "
        "<dataset>/annotations/*.json): pass the folder or the JSON file"
    )


def subset_of(json_path: Path) -> str:
    """The subset a COCO file is named for: ``instances_<subset>.json`` (or
    ``person_keypoints_<subset>.json``), the folder of Roboflow's ``_annotations.coco.json``,
    or the file's stem.

    Supervisely's ``<dataset>/annotations/<file>.json`` is named for the dataset's folder, found
    from the file's absolute path: ``annotations/instances.json`` read from inside ``street/``
    is named ``street``, as it is when read as ``street/annotations/instances.json``.

    Examples:
        >>> subset_of(Path("annotations/instances_val2017.json"))
        'val2017'
        >>> subset_of(Path("street/annotations/instances.json")), subset_of(Path("street.json"))
        ('street', 'street')
        >>> subset_of(Path("e/annotations/person_keypoints_default.json"))
        'default'
        >>> subset_of(Path("export/valid/_annotations.coco.json"))
        'valid'
    """
    return _named_subset(json_path) or json_path.stem


# The tasks whose files hold one subset each, ``<task>_<subset>.json`` (CVAT's and Datumaro's
# ``coco_instances``, ``coco_person_keypoints`` and ``coco_stuff`` exports:
# ``person_keypoints_default.json``; a stuff file holds instances too).
SUBSET_FILE_PREFIXES = ("instances_", "person_keypoints_", "stuff_")
# Roboflow's COCO export: ``<split>/_annotations.coco.json`` beside the split's images.
ROBOFLOW_FILE = "_annotations.coco.json"


def _named_subset(json_path: Path) -> Optional[str]:
    """The subset a file that holds one subset is named for; None for any other file."""
    stem = json_path.stem
    for prefix in SUBSET_FILE_PREFIXES:
        if stem.startswith(prefix) and len(stem) > len(prefix):
            return stem[len(prefix) :]
    folder = Path(os.path.abspath(json_path)).parent  # the same name however IN is written
    if json_path.name == ROBOFLOW_FILE and folder.name:
        return folder.name  # Roboflow's train/, valid/, test/
    if folder.name == "annotations" and folder.parent.name:
        return folder.parent.name
    return None


def image_candidates(
    json_path: Path, file_name: PurePosixPath, images_dir: Optional[Path] = None
) -> List[Path]:
    """Where the tools put the image ``file_name`` of the COCO file ``json_path``, in order.

    Beside the JSON, in ``images/`` beside it, in ``../images/`` and ``../images/<subset>/``
    (Supervisely's ``<dataset>/annotations/`` + ``<dataset>/images/``; CVAT and Datumaro's
    ``annotations/instances_<subset>.json`` + ``images/<subset>/``), in ``../<subset>/`` (the
    official ``annotations/`` + ``<split>2017/``). With ``images_dir``: in it, and in its
    ``<subset>/`` folder. ``..`` is the folder above the JSON's folder also for a JSON named
    relative to the working folder (``coco.json``: ``../images/``, not ``images/`` again), and
    each path is listed once (the subset ``images`` makes ``../images/`` and ``../<subset>/``
    one folder).

    Examples:
        >>> [str(path) for path in image_candidates(Path("c/annotations/instances_val.json"),
        ...                                         PurePosixPath("a.jpg"))]  # doctest: +NORMALIZE_WHITESPACE
        ['c/annotations/a.jpg', 'c/annotations/images/a.jpg', 'c/images/a.jpg',
         'c/images/val/a.jpg', 'c/val/a.jpg']
        >>> [str(path) for path in image_candidates(Path("coco.json"), PurePosixPath("a.jpg"))]
        ['a.jpg', 'images/a.jpg', '../images/a.jpg', '../images/coco/a.jpg', '../coco/a.jpg']
    """
    subset = subset_of(json_path)
    if images_dir is not None:
        return _unique([images_dir / file_name, images_dir / subset / file_name])
    here = json_path.parent
    up = Path(os.path.normpath(here / ".."))  # Path(".").parent is "." itself
    return _unique(
        [
            here / file_name,
            here / "images" / file_name,
            up / "images" / file_name,
            up / "images" / subset / file_name,
            up / subset / file_name,
        ]
    )


def _unique(paths: List[Path]) -> List[Path]:
    """``paths`` less the repeats, in order."""
    return list(dict.fromkeys(paths))


def _items(
    coco: Dict[str, Any],
    coco_path: str,
    category_names: Mapping[int, str],
    images_dir: Optional[str],
) -> Iterator[FormatItem]:
    json_path = Path(coco_path)
    images_root = Path(images_dir) if images_dir is not None else None
    keypoint_classes = _keypoint_classes(coco, coco_path)
    image_ids = _image_ids(coco["images"], coco_path)
    streamed = coco.get(_STREAMED)
    if streamed is None:
        annotations = coco["annotations"]
        _warn_unnamed_keypoints(_unnamed_keypoints(annotations, keypoint_classes), coco_path)
        instances: Mapping[CocoId, Any] = _by_image(
            _walked(annotations, image_ids, coco["images"], coco_path)
        )
    else:  # the walk was made once, when the file was indexed (_indexed): said again here
        _warn_unnamed_keypoints(streamed.dropped, coco_path)
        for message in streamed.walk_warnings:
            warnings.warn(message)
        instances = streamed.instances
    for index, image in enumerate(coco["images"]):
        if not shard.take():  # another process of convert --jobs converts it
            continue
        if not isinstance(image, dict) or not isinstance(image.get("file_name"), str):
            raise InvalidCocoError(f"{coco_path}: images[{index}]: file_name: missing")
        where = f"{coco_path}: image {excerpt(image['id'])}: file_name"
        outside = outside_input_problem(image["file_name"])  # the one rule for every reader
        if outside is not None:
            raise InvalidCocoError(f"{where}: {outside}")
        file_name = PurePosixPath(image["file_name"])
        dataset = _dataset_path(file_name, json_path, where)
        candidates = image_candidates(json_path, file_name, images_root)
        image_path = find_image(candidates)  # the one image-finding rule (files.images)
        if image_path is None:
            image_skipped(
                where,
                f"no file {candidates[0]} (nor in the other folders the tools use: "
                f"{', '.join(str(path.parent) for path in candidates[1:])}): put the images "
                "there, or name their folder with --images",
                CocoWarning,
            )
            continue
        if not sly.image.has_valid_ext(image_path.name):
            image_skipped(
                where,
                f"{excerpt(image_path.name)} is not an image name Supervisely accepts",
                CocoWarning,
            )
            continue
        # The declared size is checked against the image before any instance is read.
        image_where = f"{coco_path}: image {excerpt(image['id'])}"
        declared = tuple(_whole_number(image, side, image_where, 1) for side in ("height", "width"))
        check_image_size(declared, image_path, image_where, "height, width", InvalidCocoError)
        image_id = coco_id(image["id"], f"{coco_path}: images[{index}]: id")
        found = instances.get(image_id, [])
        if streamed is not None and found:  # decoded here, by the process that converts it
            found = _decoded(found)
        ann = coco_to_annotation(image, found, category_names, coco_path, keypoint_classes)
        yield FormatItem(dataset, image_path.name, image_path, ann, where)


def _unnamed_keypoints(
    annotations: Iterable[Any], keypoint_classes: Mapping[Any, Any]
) -> List[Any]:
    """The ids of the instances whose labelled keypoints are dropped: their category names no
    keypoints (it is not in ``keypoint_classes``); crowds are not counted."""
    return [
        instance.get("id")
        for instance in annotations
        if _drops_keypoints(instance, keypoint_classes)
    ]


def _drops_keypoints(instance: Any, keypoint_classes: Mapping[Any, Any]) -> bool:
    """Whether ``instance``'s labelled keypoints are dropped (:func:`_unnamed_keypoints`)."""
    if not isinstance(instance, dict) or not _labelled_keypoints(instance.get("keypoints")):
        return False
    category_id = instance.get("category_id")
    known = isinstance(category_id, (int, float, str)) and category_id in keypoint_classes
    return not instance.get("iscrowd") and not known


def _warn_unnamed_keypoints(dropped: List[Any], coco_path: str) -> None:
    """One :class:`CocoWarning` for the keypoints a file holds in categories that name none
    (``"keypoints": []``, as Datumaro writes a category without point names), ``dropped`` the
    ids of those instances (:func:`_unnamed_keypoints`): they cannot be a GraphNodes template,
    so they are dropped and the rest of each instance is read."""
    if dropped:
        warnings.warn(
            f"{coco_path}: keypoints of {len(dropped)} instance(s) dropped (annotation "
            f"{', '.join(excerpt(i) for i in dropped[:5])}{', ...' if len(dropped) > 5 else ''}): "
            "their category names no keypoints (categories[].keypoints): name them to read them",
            CocoWarning,
        )


def _image_ids(images: List[Any], coco_path: str) -> Dict[CocoId, int]:
    """Image id -> its index in ``images``.

    Raises:
        InvalidCocoError: an image's id is no id, or two images share one."""
    image_ids: Dict[CocoId, int] = {}
    for index, image in enumerate(images):
        if isinstance(image, dict):
            image_id = coco_id(image.get("id"), f"{coco_path}: images[{index}]: id")
            if image_id in image_ids:
                raise InvalidCocoError(
                    f"{coco_path}: images[{index}]: id: {excerpt(image_id)} is the id of "
                    f"images[{image_ids[image_id]}] too: give each image its own id"
                )
            image_ids[image_id] = index
    return image_ids


def _walked(
    annotations: Iterable[Any],
    image_ids: Mapping[CocoId, int],
    images: List[Any],
    coco_path: str,
) -> Iterator[Tuple[CocoId, Dict[str, Any]]]:
    """``(image id, instance)`` of each instance that can be read, its ``image_id`` and
    ``category_id`` as :func:`coco_id` reads them (a copy when that changes them:
    ``annotations`` itself is never changed).

    Each instance is a record (``formats.records``): one that is not an object with an id, or
    whose ``image_id`` or ``category_id`` is no id, or whose image is not in ``images``, is
    skipped with a :class:`CocoWarning` naming the file, the instance and its image."""
    for index, instance in enumerate(annotations):
        if (  # the common case, read as the rest would read it: its ids are plain integers
            type(instance) is dict  # noqa: E721 - a bool is no id
            and type(instance.get("id")) is int
            and type(instance.get("category_id")) is int
            and type(instance.get("image_id")) is int
            and instance["image_id"] in image_ids
        ):
            yield instance["image_id"], instance  # the ids as they are: no copy is needed
            continue
        field = f"{coco_path}: annotations[{index}]"
        if isinstance(instance, dict) and isinstance(instance.get("id"), (int, str)):
            field = f"{coco_path}: annotation {excerpt(instance['id'])}"
        image_id = instance.get("image_id") if isinstance(instance, dict) else None
        image_index = image_ids.get(image_id) if isinstance(image_id, (int, str)) else None
        name = None if image_index is None else images[image_index].get("file_name")
        read = None
        with record([], field, CocoWarning, what="instance", image=name):
            if not isinstance(instance, dict) or "id" not in instance:
                raise InvalidCocoError(f"{field}: not an object with an id")
            coco_id(instance["id"], f"{coco_path}: annotations[{index}]: id")
            image_id = coco_id(instance.get("image_id"), f"{field}: image_id")
            category_id = coco_id(instance.get("category_id"), f"{field}: category_id")
            if image_id not in image_ids:
                raise InvalidCocoError(f"{field}: image_id: {excerpt(image_id)} is no image's id")
            read = (image_id, {**instance, "image_id": image_id, "category_id": category_id})
        if read is not None:
            yield read


def _by_image(
    walked: Iterable[Tuple[CocoId, Dict[str, Any]]],
) -> Dict[CocoId, List[Dict[str, Any]]]:
    """Image id -> its instances, in the file's order."""
    instances: Dict[CocoId, List[Dict[str, Any]]] = {}
    for image_id, instance in walked:
        instances.setdefault(image_id, []).append(instance)
    return instances


def _dataset_path(file_name: PurePosixPath, json_path: Path, where: str) -> Tuple[str, ...]:
    """The dataset of ``file_name`` and its parents, top first (see the module's docstring).

    In a file that holds one subset, the folders of ``file_name`` are nested in the subset
    (Datumaro's item id ``<folder>/<name>`` in that subset); elsewhere they are the datasets.
    """
    folders = list(file_name.parts[:-1])
    if folders and folders[-1] == "img":  # coco_export's <dataset>/img/<image>
        folders.pop()
    if len(folders) % 2 and all(folder == "datasets" for folder in folders[1::2]):
        folders = folders[::2]  # the SDK's <parent>/datasets/<child>
    subset = _named_subset(json_path)
    if subset is not None:
        names = (subset, *folders)
    else:
        names = tuple(folders) or (json_path.stem,)
    for name in names:
        problem = dataset_name_problem(name)
        if problem is not None:
            raise InvalidCocoError(
                f"{where}: {excerpt(str(file_name))}: dataset name {excerpt(name)} {problem}"
            )
    return names


def _load(coco_path: Path) -> Dict[str, Any]:
    """The COCO file's ``images`` and ``categories`` lists, and its ``annotations`` list or,
    for a file of more than ``stream.STREAMED_BYTES``, its :class:`CocoIndex` (under
    :data:`_STREAMED`): read in passes, never whole (``formats/coco/stream.py``). Each file is
    indexed once per run (by the parent of ``convert --jobs``, for its categories; its workers
    share the index), and read whole when ``stream`` says it must be (``read_json``'s result
    or its one-line error, as for any file). Its repeated keys are warned at each call, as
    ``read_json`` warns at each read."""
    try:
        check_json_file(coco_path)  # a FIFO is never opened
        size = os.stat(coco_path).st_size
    except (ProjectFolderError, OSError):
        size = 0  # read_json says why
    if size > stream.STREAMED_BYTES:
        try:
            index = _indexed(coco_path)
        except (stream.NotStreamed, OSError):
            pass  # read whole, below: as any file is, with its result or its error
        else:
            repeated_keys_warning(coco_path, index.repeated)
            return {"images": index.images, "categories": index.categories, _STREAMED: index}
    try:
        # The one checked JSON read (not a FIFO, not a bomb), shared: a run reads each file
        # for its categories, then for its images (read, never changed, here).
        coco = read_json(coco_path, shared=True)
    except ProjectFolderError as error:
        raise InvalidCocoError(str(error)) from None
    if not isinstance(coco, dict):
        raise InvalidCocoError(f"{coco_path}: not a COCO file (a JSON object with images)")
    for field in ("images", "annotations", "categories"):
        if not isinstance(coco.get(field), list):
            raise InvalidCocoError(f"{coco_path}: {field}: missing or not a list")
    return coco


_STREAMED = ("streamed",)  # the key of a streamed file's CocoIndex in _load's dict: no JSON key


class CocoIndex(NamedTuple):
    """What a run holds of a COCO file read in passes (:func:`_indexed`).

    ``instances``: image id -> the image's instances, as :func:`_walked` gives them, each
    ``marshal``-ed and prefixed by its length (:func:`_decoded`): ~1.2 times the file's bytes,
    against ~7 times as dicts and floats; ``used``: the category ids the instances hold
    (:func:`_without_grouping_categories`); ``dropped``: :func:`_unnamed_keypoints`;
    ``walk_warnings``: what :func:`_walked` warned, warned again by each reading of the items.
    """

    digest: bytes
    images: List[Any]
    categories: List[Any]
    repeated: List[str]
    instances: Dict[CocoId, bytearray]
    used: Set[CocoId]
    dropped: List[Any]
    walk_warnings: List[Warning]


_indexes: Dict[str, CocoIndex] = {}  # real path -> the index of the file read there, this run
_LENGTH = struct.Struct("<I")


def _indexed(coco_path: Path) -> CocoIndex:
    """The :class:`CocoIndex` of the file at ``coco_path``: the one made before in this run
    (or in the parent of this ``convert --jobs`` worker) when the file's bytes are the same
    (its blake2b digest), else made now in two passes (``stream.scan``, ``stream.array_items``).

    Raises:
        stream.NotStreamed: the file is to be read whole.
        OSError: it cannot be read.
    """
    key = os.path.realpath(coco_path)
    known = _indexes.get(key)
    if known is not None and stream.file_digest(coco_path) == known.digest:
        return known
    _indexes.pop(key, None)
    scanned = stream.scan(coco_path)
    images, categories, path = scanned.images, scanned.categories, str(coco_path)
    try:
        keypoint_ids: Mapping[Any, Any] = _keypoint_classes({"categories": categories}, path)
    except InvalidCocoError:  # raised by _items, before any instance is walked
        keypoint_ids = {}
    try:
        image_ids: Optional[Dict[CocoId, int]] = _image_ids(images, path)
    except InvalidCocoError:  # raised by _items, before any instance is walked
        image_ids = None
    used: Set[CocoId] = set()
    dropped: List[Any] = []
    instances: Dict[CocoId, bytearray] = {}

    def counted(annotations: Iterator[Any]) -> Iterator[Any]:
        for instance in annotations:
            category_id = instance.get("category_id") if type(instance) is dict else None
            if type(category_id) is int:  # noqa: E721 - the common case, as _category_ids reads it
                used.add(category_id)
            else:
                used.update(_category_ids([instance]))
            if (
                type(instance) is dict
                and "keypoints" in instance
                and _drops_keypoints(instance, keypoint_ids)
            ):
                dropped.append(instance.get("id"))
            yield instance

    annotations = counted(stream.array_items(coco_path, "annotations", scanned.digest))
    with warnings.catch_warnings(record=True) as walked:
        warnings.simplefilter("always")
        if image_ids is None:
            for _ in annotations:
                pass
        else:
            for image_id, instance in _walked(annotations, image_ids, images, path):
                encoded = marshal.dumps(instance)
                # Appended in place: an image of 10,000 instances is not copied 10,000 times.
                held = instances.setdefault(image_id, bytearray())
                held += _LENGTH.pack(len(encoded))
                held += encoded
    index = CocoIndex(
        scanned.digest,
        images,
        categories,
        scanned.repeated,
        instances,
        used,
        dropped,
        [warned.message for warned in walked],
    )
    _indexes[key] = index
    return index


def _input_files(coco_path: str) -> List[Path]:
    """:func:`coco_files`, the indexes of any other file forgotten: a process holds those of
    one input at the most (all its files', made once for its categories, used for its items).
    """
    json_paths = coco_files(coco_path)
    kept = {os.path.realpath(path) for path in json_paths}
    for key in [key for key in _indexes if key not in kept]:
        del _indexes[key]
    return json_paths


def _decoded(encoded: Union[bytes, bytearray]) -> List[Dict[str, Any]]:
    """The instances :func:`_indexed` encoded for one image, in order.

    Examples:
        >>> one = marshal.dumps({"id": 1})
        >>> _decoded(_LENGTH.pack(len(one)) + one + _LENGTH.pack(len(one)) + one)
        [{'id': 1}, {'id': 1}]
    """
    instances, start = [], 0
    view = memoryview(encoded)
    while start < len(encoded):
        (length,) = _LENGTH.unpack_from(encoded, start)
        start += _LENGTH.size
        instances.append(marshal.loads(view[start : start + length]))
        start += length
    return instances


def _category_ids(annotations: Iterable[Any]) -> Set[CocoId]:
    """The category ids ``annotations`` hold (those that are ids)."""
    used = set()
    for instance in annotations:
        value = instance.get("category_id") if isinstance(instance, dict) else None
        try:
            used.add(coco_id(value, "category_id"))
        except InvalidCocoError:  # named where the instance is read
            pass
    return used


def _category_names(coco: Dict[str, Any], coco_path: str) -> Dict[int, str]:
    names: Dict[int, str] = {}
    for index, category in enumerate(coco["categories"]):
        name = category.get("name") if isinstance(category, dict) else None
        if not isinstance(name, str) or not name or "id" not in category:
            raise InvalidCocoError(f"{coco_path}: categories[{index}]: needs an id and a name")
        category_id = coco_id(category["id"], f"{coco_path}: categories[{index}]: id")
        if category_id in names:
            raise InvalidCocoError(
                f"{coco_path}: categories[{index}]: id: {excerpt(category_id)} is the id of "
                f"category {excerpt(names[category_id])} too: give each category its own id"
            )
        if name in names.values():
            raise InvalidCocoError(
                f"{coco_path}: categories[{index}]: name {excerpt(name)} is repeated"
            )
        names[category_id] = name
    streamed = coco.get(_STREAMED)
    used = _category_ids(coco["annotations"]) if streamed is None else streamed.used
    return _without_grouping_categories(names, coco["categories"], used)


def _without_grouping_categories(
    names: Dict[CocoId, str], categories: List[Any], used: Set[CocoId]
) -> Dict[CocoId, str]:
    """``names`` less the categories that only group others: named as another category's
    ``supercategory`` and held by no annotation.

    Roboflow's COCO export puts such a root first, ``{"id": 0, "name": "peixos",
    "supercategory": "none"}`` before ``{"id": 1, "name": "peix", "supercategory": "peixos"}``
    (roboflow-100-benchmark issue #45); its YOLO export of the same dataset has ``names:
    ['peix', 'taca']``, so read as a class it would shift every class number by one. The rule
    is rf-detr's (``filter_parent_categories``, roboflow/rf-detr pull request #1303): a parent
    that an annotation uses stays.

    Examples:
        >>> categories = [{"id": 0, "name": "fish", "supercategory": "none"},
        ...               {"id": 1, "name": "peix", "supercategory": "fish"}]
        >>> _without_grouping_categories({0: "fish", 1: "peix"}, categories, {1})
        {1: 'peix'}
    """
    parents = {
        category.get("supercategory")
        for category in categories
        if isinstance(category, dict) and category.get("supercategory") != category.get("name")
    }
    return {
        category_id: name
        for category_id, name in names.items()
        if name not in parents or category_id in used
    }


CocoId = Union[int, str]


def coco_id(value: Any, where: str) -> CocoId:
    """``value`` as a COCO id: an integer, or a non-empty string; a whole float is its integer.

    The COCO format declares every id an ``int``; pycocotools uses ids only as dictionary keys
    (so a string works there too, and converters write ``"7"``). A ``bool`` (JSON ``true`` is
    Python's ``1``), a float that is not whole, a list, an object or a missing id is no id: it
    would make ``true`` and ``1`` one id, or fail as a dictionary key.

    Raises:
        InvalidCocoError: ``value`` is no id; the message starts with ``where``.

    Examples:
        >>> coco_id(7, "c.json: images[0]: id"), coco_id(7.0, "x"), coco_id("a7", "x")
        (7, 7, 'a7')
        >>> coco_id(True, "c.json: images[0]: id")
        Traceback (most recent call last):
        ...
        sly_bindings.formats.coco.read.InvalidCocoError: c.json: images[0]: id: True is not an id: \
write a whole number (or a string)
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, str) and value:
        return value
    what = "missing" if value is None else f"{excerpt(value)} is not an id"
    raise InvalidCocoError(f"{where}: {what}: write a whole number (or a string)")


BBOX_TAIL, KEYPOINTS_TAIL = "_bbox", "_keypoints"


def keypoint_class(category: Mapping[str, Any], where: str = "COCO JSON") -> sly.ObjClass:
    """The GraphNodes class ``<name>_keypoints`` of a COCO keypoints category.

    Its template has the category's ``keypoints`` names, in order, and its ``skeleton`` edges
    (1-based pairs of keypoint numbers), as the SDK builds it (``create_custom_geometry_config``).

    Raises:
        InvalidCocoError: ``keypoints`` is not a list of distinct names, or an edge of
            ``skeleton`` is not a pair of keypoint numbers.

    Examples:
        >>> face = keypoint_class({"id": 1, "name": "face", "keypoints": ["nose", "eye"],
        ...                        "skeleton": [[1, 2]]})
        >>> face.name, list(face.geometry_config["nodes"]), face.geometry_config["edges"][0]["dst"]
        ('face_keypoints', ['nose', 'eye'], 'eye')
    """
    names = category.get("keypoints")
    field = f"{where}: category {excerpt(category.get('id'))}"
    if (
        not isinstance(names, list)
        or not names
        or not all(isinstance(name, str) and name for name in names)
        or len(set(names)) != len(names)
    ):
        raise InvalidCocoError(f"{field}: keypoints: must be a list of distinct names")
    template = sly.geometry.graph.KeypointsTemplate()
    for name in names:
        template.add_point(label=name, row=0, col=0)
    for edge in category.get("skeleton") or []:
        if (
            not isinstance(edge, list)
            or len(edge) != 2
            or not all(isinstance(n, int) and 1 <= n <= len(names) for n in edge)
        ):
            raise InvalidCocoError(
                f"{field}: skeleton: {excerpt(edge)} is not a pair of keypoint numbers 1 to {len(names)}"
            )
        template.add_edge(src=names[edge[0] - 1], dst=names[edge[1] - 1])
    return sly.ObjClass(
        f"{category['name']}{KEYPOINTS_TAIL}", sly.GraphNodes, geometry_config=template
    )


def keypoint_instance_labels(
    instance: Mapping[str, Any],
    name: str,
    graph_class: sly.ObjClass,
    image_size: Tuple[int, int],
    key: str,
    field: str = "COCO JSON",
    tags: Optional[sly.TagCollection] = None,
) -> List[sly.Label]:
    """The labels of one COCO keypoints instance, bound under ``key``, each with ``tags``
    (the instance's flags: :func:`_flag_tags`).

    ``num_keypoints`` is the number of keypoints with ``v > 0`` (what pycocotools' COCOeval
    reads it as, and what ``coco_export`` writes back); a file whose ``num_keypoints`` says
    otherwise is read with a :class:`CocoWarning` that the count is written back as counted.

    The segmentation's parts (class ``name``; none for ``[]``), the ``bbox`` ``[x, y, w, h]``
    as the Rectangle ``top = y, left = x, bottom = y + h, right = x + w`` (class
    ``<name>_bbox``; the SDK's convention both ways, ``coco_export`` writes it back the same),
    and the keypoints with ``v > 0`` as one GraphNodes label (``v = 1``, labelled but not
    visible, as a disabled node).

    Raises:
        InvalidCocoError: ``keypoints`` is not ``[x, y, v] * n`` for the category's n names, or
            ``bbox`` is not 4 numbers; the message names the field.

    Examples:
        >>> face = keypoint_class({"id": 1, "name": "face", "keypoints": ["nose", "eye"]})
        >>> instance = {"id": 3, "category_id": 1, "segmentation": [], "bbox": [1, 2, 5, 4],
        ...             "keypoints": [2, 3, 2, 0, 0, 0], "num_keypoints": 1}
        >>> labels = keypoint_instance_labels(instance, "face", face, (9, 9), "a.jpg:3")
        >>> [(label.obj_class.name, label.binding_key) for label in labels]
        [('face_bbox', 'a.jpg:3'), ('face_keypoints', 'a.jpg:3')]
        >>> box = labels[0].geometry
        >>> box.top, box.left, box.bottom, box.right
        (2, 1, 6, 6)
    """
    points = list(graph_class.geometry_config["nodes"])
    values = instance.get("keypoints")
    if (
        not isinstance(values, list)
        or len(values) != 3 * len(points)
        or not all(_is_number(value) for value in values)
    ):
        raise InvalidCocoError(
            f"{field}: keypoints: must be [x, y, v] for each of the category's {len(points)} "
            "keypoints"
        )
    declared = instance.get("num_keypoints")
    counted = _labelled_keypoints(values)
    if declared is not None and declared != counted:
        warnings.warn(
            f"{field}: num_keypoints: {excerpt(declared)}, but {counted} keypoints have v > 0: "
            f"written back as {counted}",
            CocoWarning,
        )
    labels: List[sly.Label] = []
    if instance.get("segmentation"):
        labels.extend(
            construct.label(geometry, label_class(name, type(geometry)))
            for geometry in _geometries(instance, image_size, field)
        )
    bbox = instance.get("bbox")
    if bbox is not None:
        rectangle = _bbox_rectangle(bbox, f"{field}: bbox")
        labels.append(construct.label(rectangle, label_class(f"{name}{BBOX_TAIL}", sly.Rectangle)))
    nodes = {
        point: sly.geometry.graph.Node(
            sly.PointLocation(round(values[3 * i + 1]), round(values[3 * i])),
            disabled=values[3 * i + 2] == 1,
        )
        for i, point in enumerate(points)
        if values[3 * i + 2] > 0
    }
    if nodes:
        labels.append(sly.Label(sly.GraphNodes(nodes), graph_class))
    if tags is not None:
        labels = [label.clone(tags=tags) for label in labels]
    return [with_binding_key(label, key) for label in labels]


def _labelled_keypoints(values: Any) -> int:
    """The number of keypoints with ``v > 0`` in ``[x, y, v] * n`` (0 for anything else)."""
    if not isinstance(values, list) or len(values) % 3:
        return 0
    return sum(1 for v in values[2::3] if _is_number(v) and v > 0)


def _keypoint_classes(coco: Mapping[str, Any], coco_path: str) -> Dict[Any, sly.ObjClass]:
    """Category id -> GraphNodes class, for the categories with ``keypoints``."""
    return {
        coco_id(category.get("id"), f"{coco_path}: category"): keypoint_class(category, coco_path)
        for category in coco["categories"]
        if isinstance(category, dict) and category.get("keypoints")
    }
