"""Binding groups in YOLO segmentation: one line per object, its parts joined into one polygon.

A YOLO segmentation label file (Ultralytics) has one line per object instance::

    <class id> x1 y1 x2 y2 ...        (points normalised: x / image width, y / image height)

and ``data.yaml`` names the classes. A line holds one polygon, so an object drawn in several
parts must become one polygon. Here, as in Ultralytics' ``merge_multi_segment``, consecutive
parts are connected by the shortest bridge between them (the closest pair of vertices), and the
outline goes out along each bridge and comes back along the same bridge (:func:`join_parts`).
The bridges have no area: filling the joined polygon gives every part, plus the pixels the
bridge lines pass over.

Writing (:func:`annotation_to_yolo`), an object is a binding group or an unbound label
(``bindings.annotation_objects``) split by ``roles.decompose_group``; its outline is:

- a single polygon or rectangle label: its own vertices (polygon holes dropped);
- anything else (a mask, or a group of several labels): the union of its pixels
  (``groups.merge.group_mask``), whose outer contours (``cv2.findContours``, pixel centres,
  straight runs kept as their end points) are the parts, left to right, joined by bridges.
  Holes are filled and thin details are kept only as the contour traces them.

A group is its object and its parts (``groups/roles.py``, ``decompose_group``): one line of the
object's class (the leader) for its fragments, a companion box beside them gives no line, and
one line of its own class for each part (a member of another class); ``merge_groups=True``
(``convert --merge-groups``) writes one line of the leader per group, warning with the classes it
does not keep. The ``detect``
task (``project_to_yolo(task="detect")``, the ``yolo-det`` target of ``sly-bindings convert``)
writes one ``<class id> cx cy w h`` line per object with the group's bbox instead, and the
reader takes such a 4-number line as that box, a ``sly.Rectangle`` (a segmentation line is a
polygon, whatever its shape). Class ids are the classes'
positions in the project meta (:func:`project_to_yolo`); items read from another format
(:func:`items_to_yolo`, ``formats.items.FormatItem``) number the classes in the order first
seen. Points are whole pixels (x = column, y = row, clipped to the image) divided by the image
size, with 6 decimals, so reading them back gives the same pixels for images up to a million
pixels wide.

Reading (:func:`yolo_to_annotation`), each segmentation line is one unbound ``sly.Polygon``
label (a detection line one ``sly.Rectangle``): a joined
polygon cannot be split back into its parts reliably (a bridge looks like any thin part), so a
round trip Supervisely -> YOLO -> Supervisely keeps the objects (one label per group or unbound
label, with every pixel of it) but not the parts or the bindings. A line that cannot be read (not
numbers, NaN, a class id ``data.yaml`` does not name, too few points, a box of no area, wholly
outside the image) is skipped with one warning naming the file and the line
(``formats.records``); the other lines are read.

Layout: ``images/<dataset>/<image>``, ``labels/<dataset>/<image stem>.txt`` and ``data.yaml``
(``train``, ``val``, ``test``, ``nc``, ``names``: a mapping of ids to names), the layout of
Ultralytics and of Datumaro's ``yolo_ultralytics`` format. ``data.yaml`` has no absolute
``path``: Ultralytics then resolves the split folders relative to the folder of ``data.yaml``, so
the dataset works after it is moved. Datasets named ``val``, ``valid`` or
``validation`` are ``val``, ``test`` is ``test``, all others are ``train``; with no validation
dataset, ``val`` repeats ``train`` (Ultralytics needs one). A label file lies where
Ultralytics looks for it (:func:`label_path`): in a dataset named ``images`` (or nested in one),
``images/images/a.png`` has its labels in ``images/labels/a.txt``. An image whose name, or
the name of a nested dataset that holds it, starts with ``.`` is written with a warning:
Ultralytics' search for images (``glob``) leaves it out.

Copy this file with ``bindings.py``, ``groups/merge.py``, ``groups/roles.py``,
``files/images.py``, ``files/dataset_names.py``, ``files/input_paths.py``,
``files/project_folder.py``, ``formats/progress.py`` and ``formats/items.py`` (docs/helpers.md); it needs only ``supervisely`` (and its ``PyYAML``), ``numpy`` and ``opencv``.
"""

from __future__ import annotations

import math
import os
import tempfile  # for the examples
import warnings
from pathlib import Path, PurePosixPath
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
)

import cv2
import numpy as np
import numpy.typing as npt
import supervisely as sly
import yaml

from bindings import AREA_GEOMETRIES, annotation_objects, binding_key_of
from sly_bindings.formats import construct, shard
from sly_bindings.files.dataset_names import dataset_name_problem
from sly_bindings.files.images import read_image_size
from sly_bindings.files.input_paths import absence, is_input_file
from sly_bindings.formats.boxes import (
    BoxError,
    box_to_rectangle,
    box_to_yolo,
    object_box,
    yolo_to_box,
)
from sly_bindings.formats.items import (
    rendered,
    copy_image_in_place,
    first_and_more,
    ClassInfo,
    FormatItem,
    FormatWarning,
    InvalidFormatError,
    are_coordinates,
    items_to_project,
    label_class,
    left_out_message,
    non_empty,
    project_items,
)
from sly_bindings.formats.progress import progress
from sly_bindings.formats.written import Written
from sly_bindings.formats.records import record
from sly_bindings.groups.merge import group_mask
from sly_bindings.groups.roles import (
    decompose_group,
    describe_group,
    is_companion_class,
    written_name,
)

Points = npt.NDArray[np.int64]  # (N, 2) array of (x, y) pixel coordinates
# A data.yaml names folders and classes: a larger one is not what we are looking for.
MAX_YAML_BYTES = 1024 * 1024
TASKS = ("segment", "detect")
SPLIT_NAMES = {"val": "val", "valid": "val", "validation": "val", "test": "test"}


class InvalidYoloError(InvalidFormatError):
    """A YOLO dataset that cannot be read; the message names the file and the field."""


class YoloWarning(FormatWarning):
    """Something that YOLO cannot hold as it was; the message says what and where."""


def join_parts(parts: Sequence[npt.ArrayLike]) -> Points:
    """One closed outline through every part, joined by the shortest bridges between neighbours.

    Part ``i`` is connected to part ``i + 1`` at their closest pair of vertices; the outline runs
    round part 0 to that vertex, crosses over, runs round part 1 (and, the same way, the parts
    after it), and comes back over the same bridge to finish part 0. Every bridge is walked
    there and back, so the polygon's filled area is the parts' area, plus the bridge lines.

    Args:
        parts: outlines, each an ``(N, 2)`` array-like of ``(x, y)`` vertices (closed implicitly).

    Returns:
        An ``(M, 2)`` int64 array: the joined outline, closed implicitly.

    Raises:
        ValueError: ``parts`` is empty, or a part is not a non-empty list of ``(x, y)`` pairs.

    Examples:
        >>> left_square = [(0, 0), (1, 0), (1, 1), (0, 1)]
        >>> right_square = [(4, 0), (5, 0), (5, 1), (4, 1)]
        >>> join_parts([left_square, right_square]).tolist()
        [[1, 0], [4, 0], [5, 0], [5, 1], [4, 1], [4, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    """
    rings = [np.asarray(part, dtype=np.int64).reshape(-1, 2) for part in parts]
    if not rings:
        raise ValueError("no parts to join: pass at least one outline")
    if any(len(ring) == 0 for ring in rings):
        raise ValueError("a part has no vertex: pass outlines of (x, y) pairs")
    if len(rings) == 1:
        return rings[0].copy()
    bridges = [_closest_vertices(a, b) for a, b in zip(rings, rings[1:])]
    # Each ring starts where the bridge from the previous one lands (ring 0 at its own exit).
    entries = [bridges[0][0]] + [landing for _, landing in bridges]
    exits = [leaving for leaving, _ in bridges]
    # np.roll(ring, -entry, axis=0), without its overhead (a tenth of a group's outline)
    rolled = [np.concatenate((ring[entry:], ring[:entry])) for ring, entry in zip(rings, entries)]
    exit_at = [(leaving - entry) % len(ring) for leaving, entry, ring in zip(exits, entries, rings)]
    outward = [ring[: at + 1] for ring, at in zip(rolled, exit_at)]
    homeward = [np.concatenate([ring[at:], ring[:1]]) for ring, at in zip(rolled, exit_at)]
    last = np.concatenate([rolled[-1], rolled[-1][:1]])
    joined = np.concatenate(outward + [last] + homeward[::-1])[:-1]  # closed implicitly
    keep = np.ones(len(joined), dtype=bool)
    keep[1:] = (joined[1:] != joined[:-1]).any(axis=1)
    return joined[keep]


def _closest_vertices(a: Points, b: Points, block: int = 1024) -> Tuple[int, int]:
    """Indexes ``(i, j)`` of the closest pair ``a[i]``, ``b[j]``, in blocks to bound memory."""
    best, best_pair = np.inf, (0, 0)
    for start in range(0, len(a), block):
        squared = ((a[start : start + block, None, :] - b[None, :, :]) ** 2).sum(axis=2)
        i, j = np.unravel_index(np.argmin(squared), squared.shape)
        if squared[i, j] < best:
            best, best_pair = squared[i, j], (start + int(i), int(j))
    return best_pair


def object_outline(
    labels: Sequence[sly.Label],
    image_size: Tuple[int, int],
    mask: Optional[npt.NDArray[np.bool_]] = None,
) -> Tuple[Points, int]:
    """The one outline YOLO stores for an object, and how many parts were joined into it.

    A single polygon or rectangle label gives its own vertices; anything else gives the outer
    contours of the union of its pixels, left to right, joined by :func:`join_parts`. Points are
    clipped to the image; fewer than 3 (a one- or two-pixel object) are padded by repeating the
    last, since a YOLO segment needs 3. ``mask``: the union of the labels' pixels, when the
    caller has it (``groups.merge.group_mask(labels, image_size)``; None: made here).

    Raises:
        ValueError: the object has no pixel inside the image.
        TypeError: a label's geometry covers no area (from ``groups.merge.group_mask``).

    Examples:
        >>> car = sly.ObjClass("car", sly.Bitmap)
        >>> parts = [sly.Label(sly.Bitmap(np.ones((2, 2), bool), sly.PointLocation(0, c)), car)
        ...          for c in (0, 4)]
        >>> outline, parts_joined = object_outline(parts, (4, 8))
        >>> outline.tolist(), parts_joined
        ([[1, 1], [4, 1], [5, 1], [5, 0], [4, 0], [4, 1], [1, 1], [1, 0], [0, 0], [0, 1]], 2)
    """
    if len(labels) == 0:
        raise ValueError("no labels: pass the labels of one object")
    height, width = image_size
    geometry = labels[0].geometry if len(labels) == 1 else None
    on_image = False  # whether every point lies on the image already
    # Exact types: an OrientedBBox is a Rectangle to isinstance, but its corners are not these.
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
        # Left to right: by each ring's least (x, y), which cv2.boundingRect gives.
        contours = sorted(contours, key=lambda contour: cv2.boundingRect(contour)[:2])
        outline, parts = join_parts([c.reshape(-1, 2) for c in contours]), len(contours)
        on_image = pixels.shape == (height, width)  # the contours of an image-sized mask
    if not on_image:
        outline = np.clip(outline, 0, [width - 1, height - 1])
    if len(outline) < 3:
        outline = np.concatenate([outline, outline[-1:].repeat(3 - len(outline), axis=0)])
    return outline, parts


def annotation_to_yolo(
    ann: sly.Annotation,
    class_ids: Mapping[str, int],
    image_name: str = "image",
    task: str = "segment",
    primary_classes: Optional[Sequence[str]] = None,
    merge_groups: bool = False,
) -> List[str]:
    """The YOLO lines of ``ann``: one per object and one per part of a group, one per unbound
    label (``roles.decompose_group``).

    A group is its object (the leading class: its fragments as one line, its companion box and
    keypoints giving no line of their own) and its parts (members of other classes), each part a
    line of its own class. ``merge_groups=True``: one line of the leading class per group, with
    a warning naming the classes it does not keep. ``task="segment"``: the outline of the
    object's mask members (its masks and polygons; its boxes when it has neither these nor
    keypoints, and an object known only by its box and keypoints is its box).
    ``task="detect"``: ``<class id> cx cy w h`` of the object's bbox (its one companion box,
    else its members' extent), sized by the one box rule (``formats.boxes.object_box``: a
    Rectangle's ``[x, y, w, h]`` is ``[left, top, right - left, bottom - top]``, a mask's box
    spans its pixels), normalised as Ultralytics' ``convert_coco``: ``cx = (x + w / 2) /
    width``, ``w = w / width``, cut to the image.

    Warns (:class:`YoloWarning`) for each object joined from several parts, and for members a
    segment cannot hold (keypoints, points, lines, alpha masks, oriented boxes: exact types).

    Args:
        ann: the image's annotation.
        class_ids: the YOLO class id of each class name.
        image_name: the image's name, used in warnings.
        task: ``"segment"`` or ``"detect"``.
        primary_classes: class names that lead a group when it holds one of them
            (``roles.group_class``); None for the rule by area.

    Raises:
        KeyError: a group's class has no id in ``class_ids``.
        ValueError: ``task`` is neither.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> ann = sly.Annotation((10, 20), [sly.Label(sly.Rectangle(0, 0, 4, 9), car)])
        >>> annotation_to_yolo(ann, {"car": 0})
        ['0 0.000000 0.000000 0.450000 0.000000 0.450000 0.400000 0.000000 0.400000']
        >>> annotation_to_yolo(ann, {"car": 0}, task="detect")
        ['0 0.225000 0.200000 0.450000 0.400000']
    """
    parts, _ = _line_parts(ann, image_name, task, primary_classes, merge_groups)
    return numbered_lines(parts, class_ids)


def numbered_lines(parts: Iterable[Sequence[str]], class_ids: Mapping[str, int]) -> List[str]:
    """The YOLO lines of an image's ``[leader, coordinates]`` parts (:func:`_line_parts`), in
    order: each object's class (``roles.written_name`` of its leader where ``class_ids`` are
    the classes numbered so far) numbered by ``class_ids``, which may number a class on its
    first use (``_NumberedOnUse``): done where every image before it was (``convert --jobs``).

    Raises:
        KeyError: a class has no id in ``class_ids``.

    Examples:
        >>> numbered_lines([["face_bbox", "0.5 0.5 1.0 1.0"]], {"car": 0, "face": 3})
        ['3 0.5 0.5 1.0 1.0']
    """
    return [f"{class_ids[written_name(leader, class_ids)]} {text}" for leader, text in parts]


def _line_parts(
    ann: sly.Annotation,
    image_name: str = "image",
    task: str = "segment",
    primary_classes: Optional[Sequence[str]] = None,
    merge_groups: bool = False,
) -> Tuple[List[List[str]], int]:
    """:func:`annotation_to_yolo`'s lines of ``ann`` alone, each as ``[leader, coordinates]``
    (the class leading its object, by name, and the line after its class id:
    :func:`numbered_lines` numbers them), and the number of labels no line holds (skipped,
    warned)."""
    if task not in TASKS:
        raise ValueError(f"task is {task!r}: use one of {', '.join(TASKS)}")
    image_size = ann.img_size  # a deep copy each time it is asked
    height, width = image_size
    lines = []
    objects = []
    left_out = 0
    for labels in annotation_objects(ann):
        key = binding_key_of(labels[0])
        what = f"group {key}" if key is not None else f"a {labels[0].obj_class.name} label"
        what = f"{image_name}: {what}"
        group = decompose_group(labels, primary_classes, merge_groups)
        if group.merged_classes:
            lost = group.merged_classes
            warnings.warn(
                f"{what} ({describe_group(labels, primary_classes)}) is one "
                f"{group.object_class.name} line (--merge-groups): so {', '.join(lost)} "
                f"{'is' if len(lost) == 1 else 'are'} not kept (--primary-class chooses the "
                "class)",
                YoloWarning,
            )
        objects.extend((what, key, one) for one in group.objects())
    for what, key, group in objects:
        # face_keypoints alone: a face, when listed (numbered_lines: roles.written_name).
        leader = group.object_class.name
        labels = list(group.members)
        if task == "detect":
            # The one box rule (formats.boxes), as Ultralytics' convert_coco.
            values = box_to_yolo(object_box(group.members, group.bbox), (height, width))
            lines.append([leader, " ".join(f"{v:.6f}" for v in values)])
            continue
        parts = [label for label in group.mask_members if type(label.geometry) in AREA_GEOMETRIES]
        if not parts and group.boxes:  # known by its box and keypoints: its box is its line
            parts = [group.boxes[0]] if len(group.boxes) == 1 else list(group.boxes)
        skipped = [
            label.geometry.geometry_name()
            for label in labels
            if label not in parts and not any(label is box for box in group.boxes)
        ]
        left_out += len(skipped)
        if skipped:
            warnings.warn(
                f"{what}: {', '.join(dict.fromkeys(skipped))} skipped: a YOLO segment is the area "
                "of bitmaps, polygons and rectangles",
                YoloWarning,
            )
        if not parts:
            continue
        # The union of the parts' pixels, drawn once for the outline and the holes (a single
        # polygon or rectangle is read from its points by both).
        single = len(parts) == 1 and type(parts[0].geometry) in (sly.Rectangle, sly.Polygon)
        mask = None if single else group_mask(parts, image_size)
        outline, joined = object_outline(parts, image_size, mask)
        if has_holes(parts, image_size, mask):
            warnings.warn(
                f"{what}: has holes, filled: a YOLO segment is one outline without holes",
                YoloWarning,
            )
        if joined > 1:
            count = len(parts)
            names = {label.obj_class.name for label in parts}
            of_class = f"{next(iter(names))} " if len(names) == 1 else ""
            labels_text = f" ({count} {of_class}label{'s' if count > 1 else ''})"
            bridges = "1 bridge" if joined == 2 else f"{joined - 1} bridges"
            warnings.warn(
                f"{what}{labels_text if key is not None else ''} is {joined} separate parts: "
                f"written as one polygon joined by {bridges}; YOLO reads it back as one label",
                YoloWarning,
            )
        coordinates = (outline / [width, height]).ravel()
        lines.append([leader, " ".join(map("{:.6f}".format, coordinates.tolist()))])
    return lines, left_out


def has_holes(
    labels: Sequence[sly.Label],
    image_size: Tuple[int, int],
    mask: Optional[npt.NDArray[np.bool_]] = None,
) -> bool:
    """Whether the area of ``labels`` (one object) has a hole, which a YOLO segment fills.

    A single polygon has one when it has an interior ring; a rectangle never; anything else
    when the union of its pixels (``groups.merge.group_mask``) has an inner contour
    (``cv2.findContours`` with ``RETR_CCOMP``: 8-connected background enclosed by the object);
    ``mask``: that union, when the caller has it (None: made here).

    Examples:
        >>> ring = np.ones((5, 5), bool)
        >>> ring[2, 2] = False
        >>> car = sly.ObjClass("car", sly.Bitmap)
        >>> has_holes([sly.Label(sly.Bitmap(ring), car)], (6, 6))
        True
        >>> has_holes([sly.Label(sly.Bitmap(np.ones((2, 2), bool)), car)], (6, 6))
        False
    """
    if len(labels) == 1 and type(labels[0].geometry) is sly.Rectangle:
        return False
    if len(labels) == 1 and type(labels[0].geometry) is sly.Polygon:
        return construct.holes(labels[0].geometry) > 0
    pixels = (group_mask(labels, image_size) if mask is None else mask).astype(np.uint8)
    _, hierarchy = cv2.findContours(pixels, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    return hierarchy is not None and bool((hierarchy[0][:, 3] >= 0).any())


def yolo_to_annotation(
    text: str, class_names: Sequence[str], image_size: Tuple[int, int], source: str = "YOLO labels"
) -> sly.Annotation:
    """The annotation of one YOLO label file: one unbound label per line.

    A segmentation line gives its Polygon (whatever its shape: 4 corners of a box stay a
    polygon); a detection line ``<class id> cx cy w h`` its box, as a Rectangle.

    Args:
        text: the file's content.
        class_names: the class name of each class id (``data.yaml``'s ``names``).
        image_size: ``(height, width)`` of the image.
        source: the file's name, used in messages.

    Each line is read through ``formats.records.record``: a line that cannot be read (not
    numbers, NaN or inf, a class id ``data.yaml`` does not name, too few points, a box of no
    area, a line wholly outside the image) is skipped with a :class:`YoloWarning` naming the
    file (named after its image), the line and the field; the other lines are read.

    Examples:
        >>> ann = yolo_to_annotation("0 0.1 0.1 0.5 0.1 0.5 0.5\\n", ["car"], (10, 10))
        >>> [(label.obj_class.name, label.geometry.exterior_np.tolist()) for label in ann.labels]
        [('car', [[1, 1], [1, 5], [5, 5]])]
    """
    height, width = image_size
    classes = [label_class(name, sly.Polygon) for name in class_names]  # one per name, shared
    labels: List[sly.Label] = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{source}: line {number}"
        fields = line.split()
        if not fields:
            continue
        with record(labels, where, YoloWarning, image_size, "line") as found:
            try:
                class_id, coordinates = int(fields[0]), [float(value) for value in fields[1:]]
                if not all(math.isfinite(value) for value in coordinates):
                    raise ValueError
            except ValueError:
                raise InvalidYoloError(f"{where}: expected '<class id> x1 y1 x2 y2 ...' numbers")
            side = max(height, width)
            if not are_coordinates([value * side for value in coordinates]):
                raise InvalidYoloError(
                    f"{where}: a coordinate lies beyond any image (normalised, 0 to 1 is the "
                    "image): check the file"
                )
            if not 0 <= class_id < len(classes):
                raise InvalidYoloError(
                    f"{where}: class id {class_id}: data.yaml names only ids 0 to "
                    f"{len(classes) - 1}"
                )
            if len(coordinates) == 4:  # a detection line is a box: a Rectangle, not a polygon
                try:
                    # The one box rule (formats.boxes), as annotation_to_yolo writes it.
                    rectangle = box_to_rectangle(yolo_to_box(coordinates, image_size))
                except BoxError as error:
                    raise InvalidYoloError(f"{where}: cx cy w h: {error}") from None
                box_class = label_class(class_names[class_id], sly.Rectangle)
                found.append(construct.label(rectangle, box_class))
                continue
            if len(coordinates) % 2 or len(coordinates) < 6:
                raise InvalidYoloError(
                    f"{where}: points: a segment needs 3 or more x y pairs, got "
                    f"{len(coordinates)} numbers (a box line has 4: cx cy w h)"
                )
            xs, ys = coordinates[::2], coordinates[1::2]
            if max(xs) < 0 or min(xs) > 1 or max(ys) < 0 or min(ys) > 1:
                raise InvalidYoloError(
                    f"{where}: points: the segment lies wholly outside the image"
                )
            points = construct.points((_pixel(y, height), _pixel(x, width)) for x, y in zip(xs, ys))
            found.append(construct.label(construct.polygon(points), classes[class_id]))
    return construct.annotation((height, width), labels)


def _pixel(normalised: float, size: int) -> int:
    """The pixel at ``normalised`` (0 to 1) of ``size``; 1.0, the far edge, is the last pixel."""
    return min(max(round(normalised * size), 0), size - 1)


def label_path(image: PurePosixPath) -> PurePosixPath:
    """Where Ultralytics reads the labels of ``image``: its last ``images`` folder is ``labels``.

    The rule of Ultralytics' ``img2label_paths`` (``ultralytics/data/utils.py``): the last
    ``/images/`` of the image's path becomes ``/labels/`` and the extension ``.txt``. Paths are
    relative to the dataset's root and start with ``images/``.

    Raises:
        ValueError: ``image`` is not in a folder named ``images``.

    Examples:
        >>> str(label_path(PurePosixPath("images/train/night/a.png")))
        'labels/train/night/a.txt'
        >>> str(label_path(PurePosixPath("images/images/a.png")))
        'images/labels/a.txt'
    """
    folders = list(image.parts[:-1])
    if "images" not in folders:
        raise ValueError(f"{image}: not in a folder named images")
    last = len(folders) - 1 - folders[::-1].index("images")
    folders[last] = "labels"
    return PurePosixPath(*folders, image.name).with_suffix(".txt")


def project_to_yolo(
    project_dir: str,
    out_dir: str,
    dataset_path: Optional[str] = None,
    task: str = "segment",
    primary_classes: Optional[Sequence[str]] = None,
    merge_groups: bool = False,
) -> Written:
    """Write a Supervisely project as a YOLO dataset in ``out_dir`` (see the layout).

    ``out_dir`` is created and must not exist yet. ``data.yaml`` has no ``path`` by default:
    Ultralytics then takes the folder that holds ``data.yaml`` as the dataset root and resolves
    ``train``, ``val`` and ``test`` from there, so the folder still works after it is moved or
    copied. ``dataset_path`` writes a ``path`` (where the dataset will live) as given. ``task`` is
    ``"segment"`` (polygons) or ``"detect"`` (boxes), ``primary_classes`` the classes that
    lead a group and ``merge_groups`` one line per group, as :func:`annotation_to_yolo` takes
    them. Warns as :func:`annotation_to_yolo`
    does. A progress bar on a terminal (``formats.progress``).

    Raises:
        FileExistsError: ``out_dir`` exists, or two images of one dataset share a stem
            (``a.jpg``, ``a.png``): rename one.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> project = sly.Project(folder.name + "/cars", sly.OpenMode.CREATE)
        >>> project.set_meta(sly.ProjectMeta([car]))
        >>> ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 3), car)])
        >>> image = np.zeros((4, 4, 3), np.uint8)
        >>> project.create_dataset("train").add_item_np("a.png", image, ann=ann)
        >>> project_to_yolo(project.directory, folder.name + "/yolo")
        Written(images=1, labels=1, groups=0, left_out=0)
        >>> with open(folder.name + "/yolo/labels/train/a.txt", encoding="utf-8") as file:
        ...     file.read()
        '0 0.000000 0.000000 0.750000 0.000000 0.750000 0.250000 0.000000 0.250000\\n'
        >>> with open(folder.name + "/yolo/data.yaml", encoding="utf-8") as file:
        ...     config = yaml.safe_load(file)
        >>> "path" in config, config["train"], config["val"], config["names"]
        (False, ['images/train'], ['images/train'], {0: 'car'})
        >>> folder.cleanup()
    """
    project = sly.Project(project_dir, sly.OpenMode.READ)
    return items_to_yolo(
        project_items(project_dir),
        out_dir,
        task,
        primary_classes,
        classes=project.meta.obj_classes,
        merge_groups=merge_groups,
        name=f"the Supervisely project {project.name}",
        dataset_path=dataset_path,
        datasets=[
            tuple(dataset.name.replace("\\", "/").split("/")) for dataset in project.datasets
        ],
        total=project.total_items,
    )


def items_to_yolo(
    items: Iterable[FormatItem],
    out_dir: str,
    task: str = "segment",
    primary_classes: Optional[Sequence[str]] = None,
    classes: Iterable[sly.ObjClass] = (),
    name: Optional[str] = None,
    dataset_path: Optional[str] = None,
    datasets: Iterable[Tuple[str, ...]] = (),
    total: Optional[int] = None,
    merge_groups: bool = False,
    where: Optional[str] = None,
) -> Written:
    """Write read items (``formats.items.FormatItem``) as a YOLO dataset in ``out_dir``, and
    return what was written: a label per line, no group (YOLO has none), the labels no line
    holds left out.

    What a format-to-format conversion uses: the items pass in memory, no project on disk. The
    layout is the module's: ``images/<dataset>/<image>`` (a copy of the image file, or its
    bytes), ``labels/<dataset>/<image stem>.txt`` (lines of :func:`annotation_to_yolo`) and
    ``data.yaml``; a nested dataset ``("a", "b")`` is the folder ``a/b``, listed in
    ``data.yaml`` with its top-level dataset ``a``, in that one's split. Class ids are
    ``classes`` in their order (a project's meta), then every other class of the items' labels
    in the order first seen, as ``coco_export.items_to_coco`` numbers its categories. Every
    class a reason: a class whose labels can give no line (points, lines in a segment dataset)
    is left out of ``names`` with one warning (naming ``where``, else ``out_dir``), and a
    companion class (``<name>_bbox`` or ``<name>_keypoints`` beside ``<name>``) is numbered
    only when a line of its own needs it (its boxes are those of their objects), after the
    others: the ids of the classes given do not depend on which classes a dataset uses.
    ``data.yaml`` has no ``path`` unless ``dataset_path`` gives one (see
    :func:`project_to_yolo`). ``out_dir`` is created and must not exist yet. Warns as
    :func:`annotation_to_yolo` does, and for each image Ultralytics will not find (a name
    starting with ``.``, its own or a nested dataset's). A progress bar on a terminal
    (``formats.progress``).

    Args:
        items: the items, read one by one.
        out_dir: the folder to write.
        task: ``"segment"`` (polygons) or ``"detect"`` (boxes).
        primary_classes: the classes that lead a group (``roles.group_class``).
        merge_groups: one line of the leading class per group (:func:`annotation_to_yolo`).
        classes: the classes whose ids come first, in this order.
        name: what the dataset is of, for the comment at the top of ``data.yaml``.
        where: OUT as the warnings name it (None: ``out_dir``).
        dataset_path: a ``path`` for ``data.yaml``, written as given.
        datasets: datasets laid out (folders, splits) even when no item is in them.
        total: the number of items, for the progress bar.

    Raises:
        ValueError: ``task`` is neither.
        FileExistsError: ``out_dir`` exists, or two images of one dataset share a stem
            (``a.jpg``, ``a.png``): rename one; or a label file would be a dataset's
            folder (``b.txt/`` beside ``b.png``): the error's ``filename`` names it.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 3), car)])
        >>> png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
        >>> items_to_yolo([FormatItem(("val",), "a.png", png, ann, "a.json")], folder.name + "/y")
        Written(images=1, labels=1, groups=0, left_out=0)
        >>> Path(folder.name, "y/labels/val/a.txt").read_text(encoding="utf-8")
        '0 0.000000 0.000000 0.750000 0.000000 0.750000 0.250000 0.000000 0.250000\\n'
        >>> config = yaml.safe_load(Path(folder.name, "y/data.yaml").read_text(encoding="utf-8"))
        >>> config["train"], config["val"], config["names"]
        ([], ['images/val'], {0: 'car'})
        >>> folder.cleanup()
    """
    if task not in TASKS:
        raise ValueError(f"task is {task!r}: use one of {', '.join(TASKS)}")
    # Every class a reason: a class whose labels can give no line (points, lines) is left out
    # of the names, with a warning; the others are numbered in order, whatever a dataset uses.
    shown_as = where or out_dir  # OUT, as the user named it, in the warning
    classes = list(classes)
    declared = {c.name for c in classes}
    left_out = {c.name for c in classes if not _holds_a_line(c, task)}
    companions = {name for name in declared if is_companion_class(name, declared)}
    class_ids: Dict[str, int] = _NumberedOnUse(
        (name, i)
        for i, name in enumerate(
            c.name for c in classes if c.name not in left_out and c.name not in companions
        )
    )
    os.makedirs(out_dir)
    splits: Dict[str, List[str]] = {"train": [], "val": [], "test": []}

    def lay_out(dataset: Tuple[str, ...]) -> str:
        """The dataset's folder name (``a/b``), its folders made and its split noted once."""
        folder = "/".join(dataset)
        Path(out_dir, "images", folder).mkdir(parents=True, exist_ok=True)
        label_dir = label_path(PurePosixPath("images", folder, "a.png")).parent
        Path(out_dir, label_dir).mkdir(parents=True, exist_ok=True)
        # Ultralytics reads a listed folder with its subfolders, so a nested dataset goes with
        # the top-level dataset that holds it, listed once, in that dataset's split.
        split = splits[SPLIT_NAMES.get(dataset[0], "train")]
        if f"images/{dataset[0]}" not in split:
            split.append(f"images/{dataset[0]}")
        return folder

    laid_out = {dataset: lay_out(dataset) for dataset in datasets}
    account = Written()
    for item in progress(items, "YOLO", total):
        _, data = rendered(
            item, lambda item: render_yolo_item(item, out_dir, task, primary_classes, merge_groups)
        )
        dataset = tuple(data["dataset"])
        if dataset not in laid_out:
            laid_out[dataset] = lay_out(dataset)
        folder = laid_out[dataset]
        label_file = Path(out_dir, label_path(PurePosixPath("images", folder, data["name"])))
        left_out.update(data["no_line"])
        lines = numbered_lines(data["lines"], class_ids)
        account = account.plus(Written(1, len(lines), 0, data["skipped"]))
        try:
            # "x": made new, or FileExistsError: the check and the write are one call (a stat
            # before the write was 5% of the parent's samples in a --jobs run, py-spy).
            with open(label_file, "x", encoding="utf-8") as text:
                text.write("".join(line + "\n" for line in lines))
        except FileExistsError as error:
            if label_file.is_dir():  # a dataset's folder (b.txt/ beside b.png), not an image:
                raise FileExistsError(error.errno, error.strerror, str(label_file)) from None
            raise FileExistsError(
                f"dataset {folder}: two images have the stem {label_file.stem!r}, and "
                "YOLO names the label file after it: rename one of them"
            ) from None
    left_out -= set(class_ids)  # an AnyGeometry class of lines and areas keeps its areas
    if left_out:
        warnings.warn(
            left_out_message(
                shown_as,
                left_out,
                "data.yaml's names",
                f"a YOLO {task} line holds the area of bitmaps, polygons and rectangles (or an "
                "object's box)",
            ),
            YoloWarning,
        )
    # Sorted, as a project's datasets are read (by name): the same lists in any item order.
    splits = {split: sorted(folders) for split, folders in splits.items()}
    config = {
        **({"path": dataset_path} if dataset_path is not None else {}),
        "train": splits["train"],
        "val": splits["val"] or list(splits["train"]),
        **({"test": splits["test"]} if splits["test"] else {}),
        "nc": len(class_ids),
        "names": {i: class_name for class_name, i in class_ids.items()},
    }
    kind = "segmentation" if task == "segment" else "detection"
    header = f"# YOLO {kind} dataset{'' if name is None else ' of ' + name}\n"
    text = header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    Path(out_dir, "data.yaml").write_text(text, encoding="utf-8")
    return account


def render_yolo_item(
    item: FormatItem,
    out_dir: str,
    task: str = "segment",
    primary_classes: Optional[Sequence[str]] = None,
    merge_groups: bool = False,
) -> Dict[str, Any]:
    """One item's part of :func:`items_to_yolo` into ``out_dir``, alone (``convert --jobs``
    runs it in its workers): its image copied to ``images/<dataset>/``, warned as
    :func:`annotation_to_yolo` (and for a name Ultralytics will not find), and as plain data its
    dataset, name, lines by class name (:func:`_line_parts`: :func:`numbered_lines` numbers
    them), the labels no line holds and the classes of its labels that give no line.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 3), car)])
        >>> png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
        >>> render_yolo_item(FormatItem(("val",), "a.png", png, ann, "a"), folder.name,
        ...                  "detect")["lines"]
        [['car', '0.375000 0.125000 0.750000 0.250000']]
        >>> folder.cleanup()
    """
    folder = "/".join(item.dataset)
    where = f"{folder}/{item.name}"
    no_line = [
        name
        for name in dict.fromkeys(label.obj_class.name for label in item.ann.labels)
        if not _holds_a_line(_class_named(item.ann, name), task)
    ]
    lines, skipped = _line_parts(item.ann, where, task, primary_classes, merge_groups)
    # Ultralytics globs <listed folder>/**/*.*, which leaves out names starting with ".".
    hidden = [part for part in PurePosixPath(where).parts[1:] if part.startswith(".")]
    if hidden:
        warnings.warn(
            f"{where}: Ultralytics will not find this image ({hidden[0]!r} starts with '.', "
            "and its search for images leaves such names out): rename it",
            YoloWarning,
        )
    copy_image_in_place(item.image, Path(out_dir, "images", folder, item.name))
    data = {
        "dataset": list(item.dataset),
        "name": item.name,
        "lines": lines,
        "skipped": skipped,
        "no_line": no_line,
    }
    return data


def _class_named(ann: sly.Annotation, name: str) -> sly.ObjClass:
    """The class of the first label of ``ann`` of class ``name``."""
    return next(label.obj_class for label in ann.labels if label.obj_class.name == name)


class _NumberedOnUse(dict):
    """Class ids that number a class not yet known when a line first needs it (the next id):
    the ids of the classes given first stay as they are, whatever a dataset uses."""

    def __missing__(self, name: str) -> int:
        self[name] = len(self)
        return self[name]


def _holds_a_line(obj_class: sly.ObjClass, task: str) -> bool:
    """Whether labels of ``obj_class`` can give a YOLO line: any object gives a box line; a
    segment line is a mask, a polygon, a rectangle or an object's box (keypoints with their
    box); a class of points or lines gives none."""
    if task == "detect":
        return True
    return obj_class.geometry_type in (
        sly.Bitmap,
        sly.Polygon,
        sly.Rectangle,
        sly.GraphNodes,
        sly.AnyGeometry,
    )


def yolo_items(yolo_dir: str) -> Iterator[FormatItem]:
    """The images of a YOLO segmentation dataset with their labels, read one by one, not copied.

    After the last image, warns once (:class:`YoloWarning`) that YOLO has no groups.

    Every image under the folders of :func:`image_roots` (``yolo_dir/images``, the split
    folders ``data.yaml`` names, Roboflow's ``<split>/images``) is read with its label file,
    where Ultralytics looks for it (:func:`label_path`; none: no labels); ``data.yaml``'s
    ``path`` is not used, so the folder can have moved. Each folder of images is a dataset
    named after it (relative to ``images``, ``/`` replaced by ``_``; images at the top: the
    name of ``yolo_dir``; in Roboflow's ``<split>/images``: the split's name first).

    Raises:
        InvalidYoloError: ``data.yaml`` or a label file is malformed or not UTF-8, or a folder
            cannot be a dataset name; the message names the file.
        InvalidImageError: an image cannot be decoded.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> os.makedirs(folder.name + "/images/train"); os.makedirs(folder.name + "/labels/train")
        >>> sly.image.write(folder.name + "/images/train/a.png", np.zeros((4, 4, 3), np.uint8))
        True
        >>> with open(folder.name + "/data.yaml", "w", encoding="utf-8") as file:
        ...     _ = file.write("names: [car]\\n")
        >>> with open(folder.name + "/labels/train/a.txt", "w", encoding="utf-8") as file:
        ...     _ = file.write("0 0 0 0.5 0 0.5 0.5\\n")
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     read = [(item.dataset, item.name, len(item.ann.labels))
        ...             for item in yolo_items(folder.name)]
        >>> read, [warning.category.__name__ for warning in caught]
        ([(('train',), 'a.png', 1)], ['YoloWarning'])
        >>> folder.cleanup()
    """
    yield from _warned_items(yolo_dir, _items(yolo_dir, _class_names(Path(yolo_dir, "data.yaml"))))


def yolo_classes(yolo_dir: str) -> Dict[str, ClassInfo]:
    """The classes of ``yolo_dir/data.yaml``'s ``names``, in id order, as Polygon classes.

    Raises:
        InvalidYoloError: ``data.yaml`` is missing or malformed; the message names it.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> with open(folder.name + "/data.yaml", "w", encoding="utf-8") as file:
        ...     _ = file.write("names: {1: sign, 0: car}\\n")
        >>> list(yolo_classes(folder.name))
        ['car', 'sign']
        >>> folder.cleanup()
    """
    return {name: ClassInfo(sly.Polygon) for name in _class_names(Path(yolo_dir, "data.yaml"))}


def yolo_to_project(yolo_dir: str, project_dir: str) -> None:
    """Read a YOLO segmentation dataset (``data.yaml``, ``images/``, ``labels/``) into a project.

    Images, labels and datasets as :func:`yolo_items` finds them, made into a project by
    ``formats.items.items_to_project``. Classes are ``names`` in id order, as Polygon classes.
    Warns once that YOLO has no groups.

    Raises:
        InvalidYoloError: as :func:`yolo_items`, there is no image, or an image name is used
            twice in a dataset (two folders ``a/b`` and ``a_b``).
        InvalidImageError: an image cannot be decoded.
        RuntimeError: ``project_dir`` exists and is not empty (from ``sly.Project``).

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> os.makedirs(folder.name + "/yolo/images/train")
        >>> sly.image.write(folder.name + "/yolo/images/train/a.png", np.zeros((4, 4, 3), np.uint8))
        True
        >>> with open(folder.name + "/yolo/data.yaml", "w", encoding="utf-8") as file:
        ...     _ = file.write("names: [car]\\n")
        >>> yolo_to_project(folder.name + "/yolo", folder.name + "/project")
        >>> project = sly.Project(folder.name + "/project", sly.OpenMode.READ)
        >>> [(dataset.name, dataset.get_items_names()) for dataset in project.datasets]
        [('train', ['a.png'])]
        >>> folder.cleanup()
    """
    class_names = _class_names(Path(yolo_dir, "data.yaml"))
    image_paths = _image_paths(yolo_dir)
    items_to_project(
        _warned_items(yolo_dir, _items(yolo_dir, class_names, image_paths)),
        project_dir,
        InvalidYoloError,
        f"{Path(yolo_dir, 'images')}: no image in it: put the images in "
        "images/<dataset>/ and their labels in labels/<dataset>/",
        {name: ClassInfo(sly.Polygon) for name in class_names},
        total=len(image_paths),
        description="YOLO",
    )


def _warned_items(yolo_dir: str, items: Iterator[FormatItem]) -> Iterator[FormatItem]:
    """``items`` as they are; after the last one, one :class:`YoloWarning` that YOLO has no
    groups, when a line was read.

    Every reader of a YOLO folder (:func:`yolo_items`, format to format in memory, and
    :func:`yolo_to_project`) gives the warning through this, so it is given once a read. A
    worker of ``convert --jobs`` reads a share of the images and cannot tell whether the
    others read a line: each says it, and only worker 0's word about the whole folder is passed
    on (``cli/jobs.py``); so the warning names no count (the run's counts say how many).
    """
    read_a_line = False
    for item in items:
        read_a_line = read_a_line or bool(item.ann.labels)
        yield item
    if read_a_line or shard.active():
        warnings.warn(
            f"{yolo_dir}: YOLO has no groups: every line is read as one unbound label, and "
            "polygons joined from several parts are not split back",
            YoloWarning,
        )


SPLITS = ("train", "val", "test")


def image_roots(yolo_dir: str) -> List[Path]:
    """The folders of images of a YOLO dataset, in order, each read whole.

    ``yolo_dir/images`` (Ultralytics' and Datumaro's layout: ``images/<split>/``); the folders
    ``data.yaml``'s ``train``, ``val`` and ``test`` name, resolved as Ultralytics'
    ``check_det_dataset`` resolves them (relative to the folder of ``data.yaml``, and a
    ``../x`` that does not exist as ``x``: Roboflow's ``train: ../train/images``), when they lie
    inside ``yolo_dir`` (``path`` is not used, so the folder can have moved); and every
    ``yolo_dir/<split>/images`` (Roboflow's export: ``train/``, ``valid/``, ``test/``, each
    with ``images/`` and ``labels/``, as Datumaro's Roboflow importer finds them). A folder
    inside one already listed is not listed again.

    Examples:
        >>> folder = Path(tempfile.mkdtemp())
        >>> for split in ("train", "valid"):
        ...     (folder / split / "images").mkdir(parents=True)
        >>> _ = (folder / "data.yaml").write_text("train: ../train/images\\nnames: [car]\\n")
        >>> [str(root.relative_to(folder)) for root in image_roots(str(folder))]
        ['train/images', 'valid/images']
    """
    top = Path(yolo_dir).resolve()
    found = [top / "images"]
    config = _config(Path(yolo_dir, "data.yaml")) if Path(yolo_dir, "data.yaml").is_file() else {}
    for split in SPLITS:
        value = config.get(split) if isinstance(config, dict) else None
        for entry in value if isinstance(value, list) else [value]:
            if not isinstance(entry, str) or not entry:
                continue
            folder = (top / entry).resolve()
            if not folder.exists() and entry.startswith("../"):
                folder = (top / entry[3:]).resolve()
            if folder.is_dir() and top in (folder, *folder.parents):
                found.append(folder)
    found.extend(sorted(path.resolve() for path in top.glob("*/images")))
    roots: List[Path] = []
    for folder in found:
        if folder.is_dir() and not any(r in (folder, *folder.parents) for r in roots):
            roots.append(folder)
    return roots


def _image_paths(yolo_dir: str) -> List[Path]:
    """The image files under the folders of :func:`image_roots`, sorted in each."""
    return [
        path
        for root in image_roots(yolo_dir)
        for path in sorted(root.rglob("*"))
        if path.is_file() and sly.image.has_valid_ext(path.name)
    ]


def _warn_labels_without_image(top: Path, image_paths: List[Path]) -> None:
    """One warning naming the label files (``labels/**/*.txt``) that belong to no image: they
    are left out, as YOLO leaves them out, but said."""
    expected = {
        (top / _label_path_of(PurePosixPath(path.relative_to(top)))).resolve()
        for path in image_paths
    }
    orphans = [
        path
        for path in sorted(top.rglob("*.txt"))
        if "labels" in path.relative_to(top).parts[:-1] and path.resolve() not in expected
    ]
    if orphans:
        warnings.warn(
            f"{first_and_more(orphans)}: a label file without its image, so it is left out: add "
            "the image or remove the file",
            YoloWarning,
        )


def _items(
    yolo_dir: str, class_names: List[str], image_paths: Optional[List[Path]] = None
) -> Iterator[FormatItem]:
    top = Path(yolo_dir).resolve()
    roots = image_roots(yolo_dir)
    if image_paths is None:
        image_paths = _image_paths(yolo_dir)
        # Before the first image: under convert --jobs only worker 0 passes it on (cli/jobs.py).
        _warn_labels_without_image(top, image_paths)
    for image_path in image_paths:
        if not shard.take():  # another process of convert --jobs converts it
            continue
        root = next(root for root in roots if root in image_path.parents)
        relative = image_path.relative_to(root)
        label_file = Path(yolo_dir, _label_path_of(PurePosixPath(image_path.relative_to(top))))
        text = _read_text(label_file) if label_file.exists() else ""
        ann = yolo_to_annotation(text, class_names, read_image_size(image_path), str(label_file))
        # images/<split>/...: the split's folders; <split>/images/...: the split's name first.
        split = (
            ()
            if root == top / "images"
            else (root.parent if root.name == "images" else root).relative_to(top).parts
        )
        dataset_name = "_".join(split + relative.parent.parts) or top.name
        problem = dataset_name_problem(dataset_name)
        if problem is not None:
            raise InvalidYoloError(
                f"{image_path.parent}: gives the dataset name {dataset_name!r}, which {problem}"
            )
        yield FormatItem((dataset_name,), image_path.name, image_path, ann, str(label_file))


def _label_path_of(image: PurePosixPath) -> PurePosixPath:
    """:func:`label_path`; an image in no ``images`` folder has its labels beside it, as
    Ultralytics' ``img2label_paths`` leaves a path without ``/images/`` but for the suffix."""
    try:
        return label_path(image)
    except ValueError:
        return image.with_suffix(".txt")


def _read_text(path: Path) -> str:
    """The UTF-8 text of ``path``, or an InvalidYoloError naming the file.

    A path that is no regular file (a FIFO would block the read forever) is refused unopened.
    """
    if not is_input_file(path):
        raise InvalidYoloError(f"{path}: {absence(path)}: replace it with the file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InvalidYoloError(
            f"{path}: not UTF-8 text (byte {error.start}): save it as UTF-8"
        ) from None


def _class_names(yaml_path: Path) -> List[str]:
    """``names`` of a data.yaml, a list or a mapping of ids 0, 1, ... to names.

    YAML aliases (``*name``) are refused, as a few lines of them expand to gigabytes, and so is
    a file over ``MAX_YAML_BYTES``; a message quotes at most a short excerpt of a bad value.
    """
    if not yaml_path.is_file():
        raise InvalidYoloError(
            f"{yaml_path}: {absence(yaml_path)}: a YOLO dataset needs its data.yaml"
        )
    if yaml_path.stat().st_size > MAX_YAML_BYTES:
        raise InvalidYoloError(
            f"{yaml_path}: larger than {MAX_YAML_BYTES // 1024} KiB: a data.yaml lists paths and "
            "class names; check that this is the right file"
        )
    config = _config(yaml_path)
    names = config.get("names") if isinstance(config, dict) else None
    if isinstance(names, dict) and all(type(key) is int for key in names):
        if sorted(names) == list(range(len(names))):
            names = [names[i] for i in range(len(names))]
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise InvalidYoloError(
            f"{yaml_path}: names: must be a list of class names or a mapping of ids 0, 1, ... to "
            f"names, got {_excerpt(names)}"
        )
    if len(set(names)) < len(names):
        raise InvalidYoloError(f"{yaml_path}: names: a class name appears twice")
    return names


def _config(yaml_path: Path) -> object:
    """The parsed ``data.yaml`` (checked for size by :func:`_class_names` first)."""
    try:
        return yaml.load(_read_text(yaml_path), Loader=_NoAliasLoader)
    except (yaml.YAMLError, ValueError) as error:  # ValueError: an integer of 5,000 digits
        problem = _excerpt(" ".join(str(error).split()), 200).strip("'")
        raise InvalidYoloError(f"{yaml_path}: not valid YAML ({problem})") from None
    except RecursionError:  # PyYAML composes nested lists by recursion
        raise InvalidYoloError(
            f"{yaml_path}: YAML nested too deep to read: write names as one list"
        ) from None


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases: ``&a [*a, *a]`` nested ten deep is a bomb."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a data.yaml: write values out", mark
            )
        return super().compose_node(parent, index)


def _excerpt(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# The format interface (``formats/registry.py``): what ``sly-bindings convert`` calls.
if TYPE_CHECKING:  # a record type only; a copy of this module alone does not need it
    from sly_bindings.formats.registry import WriteOptions


def read_items(source: Path, images: Optional[Path] = None) -> Iterator[FormatItem]:
    """The images of the YOLO folder ``source``, as :func:`yolo_items` reads them (``images``
    is not used: images are in ``images/``).

    Raises:
        InvalidYoloError: as :func:`yolo_items`, or there is no image.
    """
    return non_empty(
        yolo_items(str(source)),
        lambda: InvalidYoloError(
            f"{Path(source, 'images')}: no image in it: put the images in "
            "images/<dataset>/ and their labels in labels/<dataset>/"
        ),
    )


def declared_classes(source: Path) -> Dict[str, ClassInfo]:
    """The classes of ``data.yaml``: :func:`yolo_classes`."""
    return yolo_classes(str(source))


def render_item(item: FormatItem, out: Path, options: WriteOptions) -> Dict[str, Any]:
    """:func:`render_yolo_item`: the image copied into ``out``, its lines by class name
    (``formats/registry.py``: ``convert --jobs`` runs it in its workers)."""
    return render_yolo_item(
        item,
        str(out),
        task=options.extra.get("task", "segment"),
        primary_classes=options.primary_classes,
        merge_groups=bool(options.extra.get("merge_groups")),
    )


def write_items(items: Iterable, out: Path, options: WriteOptions) -> Written:
    """:func:`items_to_yolo` of the rendered items (:func:`render_item`): ``options.extra["task"]`` (``"segment"``, the default, or
    ``"detect"``), the classes and primary classes of ``options``."""
    return items_to_yolo(
        items,
        str(out),
        task=options.extra.get("task", "segment"),
        primary_classes=options.primary_classes,
        classes=options.classes,
        merge_groups=bool(options.extra.get("merge_groups")),
        where=str(options.final_out or out),
    )
