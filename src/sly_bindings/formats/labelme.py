"""Binding groups in LabelMe JSON: read LabelMe files into Supervisely annotations and write them.

LabelMe (https://github.com/wkentaro/labelme) keeps one JSON file per image, beside the image::

    {"version": "5.5.0", "flags": {}, "imagePath": "image.jpg", "imageData": null,
     "imageHeight": 720, "imageWidth": 1280,
     "shapes": [{"label": "car", "points": [[x, y], ...], "group_id": 1, "shape_type": "polygon",
                 "description": "", "flags": {}, "mask": null}, ...]}

LabelMe's own instance rule (``labelme.utils.shapes_to_label``) is that shapes with the same
``label`` and ``group_id`` are one object, so here:

- reading, shapes with the same label and group_id become labels bound under one key,
  ``records.group_key("group", <image name>, <label>, <group_id>)`` (unique in a dataset); ``group_id`` 7 and ``"7"`` are one
  group; ``null`` is an unbound label;
- writing, each binding group (``bindings.binding_groups``, keys compared as strings) gets a small
  integer ``group_id``, 1, 2, ... per image in the order the groups first appear, and unbound
  labels get ``null``. A group that mixes classes cannot be one LabelMe object: it is written with
  one group_id and reads back as one group per class (a warning says so).

Geometries (pixel coordinates, x = column, y = row):

- ``polygon`` <-> ``sly.Polygon``: the outline; holes cannot be stored and are dropped (warning);
  fractional points are rounded to the nearest pixel;
- ``rectangle`` <-> ``sly.Rectangle``: the two corner pixels, both inside, as LabelMe draws them;
- ``mask`` <-> ``sly.Bitmap``: ``points`` are the top-left and bottom-right pixels of the mask's
  box and ``mask`` is a base64 PNG of that box (LabelMe 5.5 and newer). Reading, the bitmap is
  placed at the first point with its own size, as LabelMe draws it (``_paint_shape_mask``): LabelMe
  saves masks whose two points no longer span the bitmap (after a corner drag), and opens them.

Other shape types (point, line, circle, ...) and other geometries are skipped with a warning.
So is a shape LabelMe saves but that is no geometry (a polygon of fewer than 3 points) or a
malformed shape (no label, bad points or mask): the warning names the file and the shape, and the
rest of the file and of the folder is read. Only a malformed file (no image size, no shapes
list, not JSON) is refused.
Geometries are matched by exact type: an ``sly.OrientedBBox`` (a Rectangle with an angle) and an
``sly.AlphaMask`` (a Bitmap of opacities) are skipped too, rather than written without their
rotation or opacity. Class colours, tags and attributes are not carried.

Reading a folder, each folder of JSON files is a dataset; a folder whose name ``sly.Project``
would skip when it reads the project (one ending in ``img``, ``ann``, ...:
``files.dataset_names.dataset_name_problem``) is refused.

Reading, an ``imagePath`` that leads out of the input folder (absolute, or climbing out with
``../``: ``files.input_paths``) is never followed: the file's ``imageData`` is read instead, as
LabelMe does, and without it the file is refused. ``imageHeight`` and ``imageWidth`` must be the
image's real size (``formats.items.check_image_size``), checked before any shape is read.

Copy this file with ``bindings.py``, ``files/dataset_names.py``, ``files/input_paths.py``,
``files/images.py``, ``files/project_folder.py``, ``formats/items.py``,
``formats/progress.py`` and ``groups/roles.py``; it needs only ``supervisely``, ``numpy``, ``opencv`` and ``tqdm``
(which the SDK brings).
"""

from __future__ import annotations

import base64
import binascii
import json
import itertools
import math
import os
import tempfile  # for the examples
import warnings
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple, Union

import cv2
import numpy as np
import numpy.typing as npt
import supervisely as sly

from bindings import binding_groups, binding_key_of
from sly_bindings.formats import construct, shard
from sly_bindings.files.dataset_names import dataset_name_problem
from sly_bindings.files.images import embedded_name, find_image, image_header, png_mask_size
from sly_bindings.files.input_paths import absence, outside_input_problem
from sly_bindings.files.project_folder import ProjectFolderError, read_json
from sly_bindings.formats.boxes import BoxError, corners_to_rectangle, rectangle_to_box
from sly_bindings.formats.items import (
    rendered,
    copy_image_in_place,
    first_and_more,
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
    non_empty,
    project_items,
)
from sly_bindings.formats.progress import progress
from sly_bindings.formats.records import group_key, image_skipped, record
from sly_bindings.formats.written import Written
from sly_bindings.groups.roles import kept_group_number, unbind_lone_keys

LABELME_VERSION = "5.5.0"


class InvalidLabelmeError(InvalidFormatError):
    """A LabelMe file that cannot be read; the message names the file and the field."""


class LabelmeWarning(FormatWarning):
    """Something that LabelMe cannot hold, or a shape that was skipped; the message says which."""


def annotation_to_labelme(ann: sly.Annotation, image_path: str) -> Dict[str, Any]:
    """The LabelMe JSON (a dict) of ``ann``, for the image at ``image_path`` (relative to the JSON).

    Bound labels share a ``group_id`` (1, 2, ... in the order their groups first appear); unbound
    labels have ``null``. Warns (:class:`LabelmeWarning`) for what LabelMe cannot hold: a group
    mixing classes, polygon holes, other geometries (skipped).

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> ann = sly.Annotation((10, 10), [sly.Label(sly.Rectangle(1, 2, 3, 4), car, binding_key="k"),
        ...                                 sly.Label(sly.Rectangle(5, 5, 6, 6), car)])
        >>> [(s["shape_type"], s["points"], s["group_id"])
        ...  for s in annotation_to_labelme(ann, "image.jpg")["shapes"]]
        [('rectangle', [[2, 1], [4, 3]], 1), ('rectangle', [[5, 5], [6, 6]], None)]
    """
    groups, _ = binding_groups(ann)
    # Lone labels keep the group_id they were read with; groups take the numbers left.
    kept = {kept_group_number(label): label for label in ann.labels}
    free = (number for number in itertools.count(1) if str(number) not in kept)
    group_ids = {key: next(free) for key in groups}
    for key, labels in groups.items():
        class_names = sorted({label.obj_class.name for label in labels})
        if len(class_names) > 1:
            warnings.warn(
                f"{image_path}: group {key} mixes classes {', '.join(class_names)}: LabelMe groups "
                f"shapes by label and group_id, so it reads back as {len(class_names)} groups",
                LabelmeWarning,
            )
    shapes = []
    for label in ann.labels:
        shape = _shape_of(label, image_path)
        if shape is not None:
            points, shape_type, mask = shape
            key = binding_key_of(label)
            shapes.append(
                {
                    "label": label.obj_class.name,
                    "points": points,
                    "group_id": (_kept_group_id(label) if key is None else group_ids[key]),
                    "description": "",
                    "shape_type": shape_type,
                    "flags": {},
                    "mask": mask,
                }
            )
    height, width = ann.img_size
    return {
        "version": LABELME_VERSION,
        "flags": {},
        "shapes": shapes,
        "imagePath": image_path,
        "imageData": None,
        "imageHeight": height,
        "imageWidth": width,
    }


def _shape_of(label: sly.Label, image_path: str) -> Optional[Tuple[List, str, Optional[str]]]:
    """``(points, shape_type, mask)`` of ``label`` in LabelMe, or None (warned) if it has none."""
    geometry = label.geometry
    # Exact types: an OrientedBBox is a Rectangle and an AlphaMask a Bitmap to isinstance, but
    # writing them as such would drop the rotation, or the transparency.
    if type(geometry) is sly.Rectangle:
        x, y, w, h = rectangle_to_box(geometry)  # the one box rule (formats.boxes)
        corners = [[int(x), int(y)], [int(x + w), int(y + h)]]  # whole pixels, as the SDK's
        return corners, "rectangle", None
    if type(geometry) is sly.Polygon:
        if construct.holes(geometry):
            warnings.warn(
                f"{image_path}: a {label.obj_class.name} polygon has {construct.holes(geometry)} "
                "hole(s): LabelMe polygons have none, so only the outline is written",
                LabelmeWarning,
            )
        return [[point.col, point.row] for point in construct.exterior(geometry)], "polygon", None
    if type(geometry) is sly.Bitmap:
        top, left = geometry.origin.row, geometry.origin.col
        height, width = geometry.data.shape
        corners = [[left, top], [left + width - 1, top + height - 1]]
        return corners, "mask", _png_base64(geometry.data)
    warnings.warn(
        f"{image_path}: a {label.obj_class.name} {geometry.geometry_name()} is skipped: only "
        "rectangles, polygons and masks are converted",
        LabelmeWarning,
    )
    return None


def _png_base64(mask: npt.NDArray[np.bool_]) -> str:
    """A 0/1 grey PNG of ``mask`` in base64, as LabelMe writes its masks."""
    ok, png = cv2.imencode(".png", mask.astype(np.uint8))
    if not ok:
        raise ValueError(f"mask of shape {mask.shape} cannot be encoded as PNG")
    return base64.b64encode(png.tobytes()).decode("ascii")


def labelme_to_annotation(data: Any, source: str = "LabelMe JSON") -> sly.Annotation:
    """The annotation of one LabelMe JSON (already parsed), with LabelMe groups as bindings.

    Each label's class is named by the shape's ``label`` and has the shape's geometry type.
    Shapes with the same label and group_id are bound under
    ``records.group_key("group", <image>, <label>, <group_id>)``,
    where ``<image>`` is the file name of ``imagePath``.

    Args:
        data: the parsed JSON of one LabelMe file.
        source: the file's name, used in messages.

    Each shape is read through ``formats.records.record``: a shape that cannot be read
    (malformed, NaN, a missing field, a polygon of fewer than 3 points, a rectangle of no
    area, a shape wholly outside the image) is skipped with a :class:`LabelmeWarning` naming the
    file (one per image) and the shape; the other shapes are read.

    Raises:
        InvalidLabelmeError: a field of the file (not of a shape) is missing or malformed; the
            message names file and field.

    Examples:
        >>> data = {"imagePath": "a.jpg", "imageHeight": 8, "imageWidth": 8, "shapes": [
        ...     {"label": "car", "points": [[0, 0], [2, 2]], "shape_type": "rectangle", "group_id": 7},
        ...     {"label": "car", "points": [[5, 5], [6, 6]], "shape_type": "rectangle", "group_id": "7"},
        ...     {"label": "car", "points": [[1, 5], [3, 5], [2, 7]], "group_id": None}]}
        >>> [label.binding_key for label in labelme_to_annotation(data).labels]
        ['["group","a.jpg","car","7"]', '["group","a.jpg","car","7"]', None]
    """
    height, width = _declared_size(data, source)
    image_name = os.path.basename(_image_path(data, source))
    shapes = data.get("shapes")
    if not isinstance(shapes, list):
        raise InvalidLabelmeError(f"{source}: shapes: missing or not a list")
    labels: List[sly.Label] = []
    numbers = []
    for index, shape in enumerate(shapes):
        field = f"{source}: shapes[{index}]"
        before = len(labels)
        # LabelMe saves and opens such shapes: one bad shape never stops the file or folder.
        with record(labels, field, LabelmeWarning, (height, width), "shape") as found:
            label = _label_of(shape, image_name, (height, width), field)
            number = _group_id(shape.get("group_id"), f"shapes[{index}]")
            if label is not None:
                found.append(label)
        if len(labels) > before:
            numbers.append(number)
    # A group_id on a single shape is an instance number, not a group (roles.unbind_lone_keys).
    return construct.annotation((height, width), unbind_lone_keys(labels, numbers))


def _label_of(
    shape: Dict[str, Any], image_name: str, image_size: Tuple[int, int], field: str
) -> Optional[sly.Label]:
    """The label of one shape, or None (warned) for one not converted."""
    if not isinstance(shape, dict):
        raise InvalidLabelmeError(f"{field}: not a JSON object")
    name = shape.get("label")
    if not isinstance(name, str) or not name:
        raise InvalidLabelmeError(f"{field}.label: missing or not a non-empty string")
    geometry = _geometry_of(shape, image_size, field)
    if geometry is None:
        return None
    group_id = _group_id(shape.get("group_id"), f"{field}.group_id")
    key = None if group_id is None else group_key("group", image_name, name, group_id)
    return construct.label(geometry, label_class(name, type(geometry)), key)


def _declared_size(data: Any, source: str) -> Tuple[int, int]:
    """``(imageHeight, imageWidth)`` of a LabelMe file (parsed), checked to be whole numbers."""
    if not isinstance(data, dict):
        raise InvalidLabelmeError(f"{source}: not a LabelMe file (a JSON object with shapes)")
    return _positive_int(data, "imageHeight", source), _positive_int(data, "imageWidth", source)


def _positive_int(data: Dict[str, Any], field: str, source: str) -> int:
    value = data.get(field)
    if not _is_number(value) or value != int(value):
        raise InvalidLabelmeError(
            f"{source}: {field}: missing or not a whole number, got {excerpt(value)}"
        )
    if value < 1:
        raise InvalidLabelmeError(f"{source}: {field}: must be at least 1, got {excerpt(value)}")
    if value > MAX_COORDINATE:  # 1e300 is a whole number too
        raise InvalidLabelmeError(
            f"{source}: {field}: {excerpt(value)} is more than {MAX_COORDINATE} pixels, larger "
            "than any image Supervisely takes: check the file"
        )
    return int(value)


def _image_path(data: Dict[str, Any], source: str) -> str:
    path = data.get("imagePath")
    if not isinstance(path, str) or not path:
        raise InvalidLabelmeError(f"{source}: imagePath: missing or not a non-empty string")
    return path.replace("\\", "/")  # files written on Windows keep its separator


def _kept_group_id(label: sly.Label) -> Union[int, str, None]:
    """The group_id a lone shape was read with (``roles.kept_group_number``), a number when it
    is one, as LabelMe writes it; None for none."""
    number = kept_group_number(label)
    return int(number) if number is not None and number.isdigit() else number


def _group_id(value: Any, field: str) -> Optional[str]:
    """LabelMe's group_id as a string key part: 7, 7.0 and "7" are one group, None is none."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip():
        return value.strip()
    if _is_number(value) and value == int(value):
        return str(int(value))
    raise InvalidLabelmeError(
        f"{field}: must be a whole number, a string or null, got {excerpt(value)}"
    )


def _geometry_of(
    shape: Dict[str, Any], image_size: Tuple[int, int], field: str
) -> Optional[sly.Geometry]:
    """The Supervisely geometry of one shape, or None (warned) for a shape not converted."""
    shape_type = shape.get("shape_type") or "polygon"  # LabelMe before 3.0 wrote no shape_type
    points = _points(shape.get("points"), f"{field}.points")
    if shape_type == "polygon":
        if len(points) < 3:
            # LabelMe saves (and opens) a polygon of two points after a point is deleted.
            raise InvalidLabelmeError(
                f"{field}.points: a polygon needs 3 points, got {len(points)}"
            )
        return construct.polygon(construct.points((y, x) for x, y in points))
    if shape_type == "rectangle":
        if len(points) != 2:
            raise InvalidLabelmeError(f"{field}.points: a rectangle needs 2, got {len(points)}")
        (x1, y1), (x2, y2) = points
        try:  # the one box rule (formats.boxes): the two corners are the box's edges
            return corners_to_rectangle(x1, y1, x2, y2)
        except BoxError as error:
            raise InvalidLabelmeError(f"{field}.points: {error}") from None
    if shape_type == "mask":
        if len(points) not in (1, 2):  # LabelMe's render_shape asserts 1 or 2
            raise InvalidLabelmeError(f"{field}.points: a mask needs 1 or 2, got {len(points)}")
        # LabelMe draws the bitmap at the first point, at the bitmap's own size (Shape.paint in
        # labelme/shape.py; _paint_shape_mask in labelme/_widgets/_shape_render.py), whatever the
        # second point says: after a corner drag or a half-pixel move the two points no longer
        # span it, and LabelMe still opens it.
        left, top = points[0]
        mask = _decode_mask(shape.get("mask"), f"{field}.mask", image_size)
        height, width = image_size
        first_row, first_col = max(0, -top), max(0, -left)  # the part inside the image
        visible = mask[first_row : max(0, height - top), first_col : max(0, width - left)]
        if not visible.any():
            warnings.warn(
                f"{field}: skipped, its mask has no pixel set inside the image", LabelmeWarning
            )
            return None
        return sly.Bitmap(visible, origin=sly.PointLocation(top + first_row, left + first_col))
    warnings.warn(
        f"{field}: shape_type {excerpt(shape_type)} skipped: only polygon, rectangle and mask are read",
        LabelmeWarning,
    )
    return None


def _points(value: Any, field: str) -> List[Tuple[int, int]]:
    """``[[x, y], ...]`` as whole pixels (rounded)."""
    if not isinstance(value, list) or not all(
        isinstance(point, list) and len(point) == 2 and are_coordinates(point) for point in value
    ):
        raise InvalidLabelmeError(
            f"{field}: must be a list of [x, y] number pairs, each within {MAX_COORDINATE} of 0"
        )
    return [(int(round(x)), int(round(y))) for x, y in value]


def _is_number(value: Any) -> bool:
    """A finite JSON number (Python's json reads NaN and Infinity too)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value)  # isfinite(10**400) overflows


def _decode_mask(
    value: Any, field: str, image_size: Tuple[int, int] = (MAX_COORDINATE, MAX_COORDINATE)
) -> npt.NDArray[np.bool_]:
    """The mask of a base64 PNG, its size read from the PNG's header first.

    A mask is never larger than its image (LabelMe cuts it to the shape's box, inside the image):
    one whose header says so is refused before a pixel is decoded, so a small file that declares
    20000x20000 pixels costs nothing. LabelMe reads masks with Pillow (``img_b64_to_arr``): one
    Pillow cannot read is no mask LabelMe opens either.

    Raises:
        InvalidLabelmeError: not base64, not a PNG, or larger than ``image_size``
            (``(height, width)``); the message starts with ``field``.

    Examples:
        >>> png = base64.b64encode(cv2.imencode(".png", np.full((2, 3), 255, np.uint8))[1])
        >>> _decode_mask(png.decode(), "shapes[0].mask", (8, 8)).shape
        (2, 3)
        >>> try:
        ...     _decode_mask(png.decode(), "shapes[0].mask", (2, 2))
        ... except InvalidLabelmeError as error:
        ...     print(error)
        shapes[0].mask: a 3x2 (width x height) mask, larger than the 2x2 image: export the annotation again
    """
    if not isinstance(value, str) or not value:
        raise InvalidLabelmeError(f"{field}: missing: a mask shape needs a base64 PNG")
    try:
        data = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise InvalidLabelmeError(f"{field}: not valid base64") from None
    # The one mask size rule (files.images.check_mask_fits), from the PNG's header.
    png_mask_size(data, image_size, field, InvalidLabelmeError)
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise InvalidLabelmeError(f"{field}: not a PNG image")
    return image > 0


def project_to_labelme(project_dir: str, out_dir: str) -> None:
    """Write a Supervisely project as LabelMe: ``out_dir/<dataset>/<image>``, ``<stem>.json``.

    ``out_dir`` is created and must not exist yet. Warns as :func:`annotation_to_labelme` does.

    Raises:
        FileExistsError: ``out_dir`` exists, or two images of one dataset share a stem
            (``a.jpg``, ``a.png``): rename one.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> project = sly.Project(folder.name + "/cars", sly.OpenMode.CREATE)
        >>> project.set_meta(sly.ProjectMeta([car]))
        >>> boxes = [sly.Rectangle(0, 0, 1, 1), sly.Rectangle(2, 2, 3, 3)]
        >>> ann = sly.Annotation((4, 4), [sly.Label(box, car, binding_key="k") for box in boxes])
        >>> image = np.zeros((4, 4, 3), np.uint8)
        >>> project.create_dataset("ds").add_item_np("a.png", image, ann=ann)
        >>> project_to_labelme(project.directory, folder.name + "/labelme")
        >>> sorted(os.listdir(folder.name + "/labelme/ds"))
        ['a.json', 'a.png']
        >>> with open(folder.name + "/labelme/ds/a.json", encoding="utf-8") as file:
        ...     [shape["group_id"] for shape in json.load(file)["shapes"]]
        [1, 1]
        >>> folder.cleanup()
    """
    items_to_labelme(project_items(project_dir), out_dir)


def items_to_labelme(items: Iterable[Any], out_dir: str) -> Written:
    """Write items as LabelMe: ``out_dir/<dataset>/<image>`` and ``<stem>.json`` beside it;
    return what was written (:func:`json_written`, per image).

    ``out_dir`` is created and must not exist yet; a nested dataset ``("a", "b")`` is the folder
    ``a/b``. Warns as :func:`annotation_to_labelme` does. An item is a ``FormatItem``, or one
    :func:`render_labelme_item` rendered already (``convert --jobs``: a ``registry.Rendered``);
    here only the names are checked, in the items' order.

    Raises:
        FileExistsError: ``out_dir`` exists, or two images of one dataset share a stem.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
        >>> items_to_labelme([FormatItem(("ds",), "a.png", png, sly.Annotation((4, 4)), "a")],
        ...                  folder.name + "/labelme")
        Written(images=1, labels=0, groups=0, left_out=0)
        >>> sorted(os.listdir(folder.name + "/labelme/ds"))
        ['a.json', 'a.png']
        >>> folder.cleanup()
    """
    os.makedirs(out_dir)
    account = Written()
    json_files: Set[Tuple[str, ...]] = set()  # (dataset..., JSON name) of the images so far
    for item in progress(items, "LabelMe"):
        _, data = rendered(item, lambda item: render_labelme_item(item, out_dir))
        json_file = (*data["dataset"], data["json"])
        if json_file in json_files:
            raise FileExistsError(
                f"dataset {'/'.join(data['dataset'])}: two images have the stem "
                f"{Path(data['json']).stem!r}, and LabelMe names its file after it: rename one "
                "of them"
            )
        json_files.add(json_file)
        account = account.plus(Written(*data["written"]))
    return account


def render_labelme_item(item: FormatItem, out_dir: str) -> Dict[str, Any]:
    """One item's part of :func:`items_to_labelme`, alone (``convert --jobs`` runs it in its
    workers): its image copied to ``out_dir/<dataset>/`` and its JSON written beside it (warned
    as :func:`annotation_to_labelme`); as plain data its dataset, the JSON's name and what it
    holds (:func:`json_written`). Two images of one stem are the writer's to refuse, in the
    items' order (the run then ends, its output discarded).

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
        >>> render_labelme_item(FormatItem(("ds",), "a.png", png, sly.Annotation((4, 4)), "a"),
        ...                     folder.name)
        {'dataset': ['ds'], 'json': 'a.json', 'written': [1, 0, 0, 0]}
        >>> folder.cleanup()
    """
    dataset_dir = Path(out_dir, *item.dataset)
    json_name = f"{Path(item.name).stem}.json"
    copy_image_in_place(item.image, dataset_dir / item.name)
    data = annotation_to_labelme(item.ann, item.name)
    (dataset_dir / json_name).write_text(json.dumps(data, indent=2), encoding="utf-8")
    written = json_written(data, len(item.ann.labels))
    return {"dataset": list(item.dataset), "json": json_name, "written": list(written)}


def json_written(data: Dict[str, Any], labels: int) -> Written:
    """The account of one LabelMe JSON written for an annotation of ``labels`` labels: a label
    per shape; a group per label and ``group_id`` that two or more shapes share, or whose
    ``group_id`` another shape has too (as :func:`labelme_to_annotation` reads it, through
    ``roles.unbind_lone_keys``); the labels with no shape were left out.

    Examples:
        >>> shapes = [{"label": "car", "group_id": 2}, {"label": "person", "group_id": 2},
        ...           {"label": "car", "group_id": 5}, {"label": "car", "group_id": None}]
        >>> json_written({"shapes": shapes}, labels=5)
        Written(images=1, labels=4, groups=2, left_out=1)
    """
    shapes = data["shapes"]
    keys = [(shape["label"], shape["group_id"]) for shape in shapes]
    sizes = Counter(key for key in keys if key[1] is not None)
    numbers = Counter(number for _, number in sizes.elements())
    groups = sum(1 for key, size in sizes.items() if size > 1 or numbers[key[1]] > 1)
    return Written(1, len(shapes), groups, labels - len(shapes))


def labelme_items(labelme_dir: str) -> Iterator[FormatItem]:
    """The LabelMe files under ``labelme_dir`` (every ``*.json``), read one by one, not copied.

    Each folder of JSON files is a dataset named after the folder (relative to ``labelme_dir``,
    ``/`` replaced by ``_``; files at the top: the name of ``labelme_dir``). The image is
    ``imagePath`` beside the JSON, or else the ``imageData`` it embeds (as bytes).

    Raises:
        InvalidLabelmeError: a file is malformed, its image is missing, or its folder cannot be
            a dataset name; the message names the file.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> os.makedirs(folder.name + "/labelme/street")
        >>> sly.image.write(folder.name + "/labelme/street/a.png", np.zeros((4, 4, 3), np.uint8))
        True
        >>> shape = {"label": "car", "points": [[0, 0], [2, 2]], "shape_type": "rectangle"}
        >>> data = {"imagePath": "a.png", "imageHeight": 4, "imageWidth": 4, "shapes": [shape]}
        >>> with open(folder.name + "/labelme/street/a.json", "w", encoding="utf-8") as file:
        ...     json.dump(data, file)
        >>> items = labelme_items(folder.name + "/labelme")
        >>> [(item.dataset, item.name, len(item.ann.labels)) for item in items]
        [(('street',), 'a.png', 1)]
        >>> folder.cleanup()
    """
    for json_path in sorted(Path(labelme_dir).rglob("*.json")):
        if not shard.take():  # another process of convert --jobs converts it
            continue
        try:
            data = read_json(json_path)  # the one checked JSON read: not a FIFO, not a bomb
        except ProjectFolderError as error:
            raise InvalidLabelmeError(str(error)) from None
        # The declared size is checked against the image before any shape is read.
        declared = _declared_size(data, str(json_path))
        parts = json_path.parent.relative_to(labelme_dir).parts
        found = _image(json_path, data, "/".join(parts))
        if found is None:  # said (records.image_skipped)
            continue
        item_name, image = found
        check_image_size(
            declared, image, str(json_path), "imageHeight, imageWidth", InvalidLabelmeError
        )
        ann = labelme_to_annotation(data, str(json_path))
        dataset_name = "_".join(parts) or Path(labelme_dir).resolve().name
        problem = dataset_name_problem(dataset_name)
        if problem is not None:
            raise InvalidLabelmeError(
                f"{json_path}: its folder gives the dataset name {dataset_name!r}, which "
                f"{problem}"
            )
        yield FormatItem((dataset_name,), item_name, image, ann, str(json_path))


def labelme_to_project(labelme_dir: str, project_dir: str) -> None:
    """Read every ``*.json`` under ``labelme_dir`` into a new Supervisely project.

    Files, images and datasets as :func:`labelme_items` finds them; the project is made at
    ``project_dir``. A class gets the geometry type of its shapes, or ``sly.AnyGeometry`` when
    they mix types.

    Raises:
        InvalidLabelmeError: as :func:`labelme_items`, there is no LabelMe file, two files of a
            folder claim one image, or an image is not one Supervisely reads; the message names
            the file or folder.
        RuntimeError: ``project_dir`` exists and is not empty (from ``sly.Project``).

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> os.makedirs(folder.name + "/labelme/street")
        >>> sly.image.write(folder.name + "/labelme/street/a.png", np.zeros((4, 4, 3), np.uint8))
        True
        >>> shapes = [{"label": "car", "points": [[0, 0], [1, 1]], "shape_type": "rectangle",
        ...            "group_id": 7},
        ...           {"label": "car", "points": [[2, 2], [3, 3]], "shape_type": "rectangle",
        ...            "group_id": 7}]
        >>> data = {"imagePath": "a.png", "imageHeight": 4, "imageWidth": 4, "shapes": shapes}
        >>> with open(folder.name + "/labelme/street/a.json", "w", encoding="utf-8") as file:
        ...     json.dump(data, file)
        >>> labelme_to_project(folder.name + "/labelme", folder.name + "/project")
        >>> project = sly.Project(folder.name + "/project", sly.OpenMode.READ)
        >>> ann = project.datasets.get("street").get_ann("a.png", project.meta)
        >>> [label.binding_key for label in ann.labels]
        ['["group","a.png","car","7"]', '["group","a.png","car","7"]']
        >>> folder.cleanup()
    """
    items_to_project(
        labelme_items(labelme_dir),
        project_dir,
        InvalidLabelmeError,
        f"{labelme_dir}: no LabelMe file (*.json) in it or its folders: pass the folder that "
        "holds them",
        total=sum(1 for _ in Path(labelme_dir).rglob("*.json")),
        description="LabelMe",
    )


def _image(
    json_path: Path, data: Dict[str, Any], folder: str
) -> Optional[Tuple[str, Union[Path, bytes]]]:
    """The item name and the image (a file beside the JSON, or embedded bytes) of a file; None,
    said with a warning, when the file names an image that is not there and embeds none (or one
    Supervisely does not take): the file is skipped as every reader skips a missing image.

    ``folder`` is the JSON file's folder relative to the input folder: an ``imagePath`` that
    leads out of the input folder (``files.input_paths``) is never followed; the file's
    ``imageData`` is read instead, as LabelMe does, and without it the file is refused. The
    image is found by the one rule (``files.images.find_image``: ``imagePath`` ``a`` is the
    file ``a.png``); a file that embeds its image is read from ``imageData`` whatever
    ``imagePath`` names, as LabelMe opens it, and named by its bytes when ``imagePath`` names
    no image (``files.images.embedded_name``).
    """
    relative = _image_path(data, str(json_path))
    outside = outside_input_problem(relative, folder)
    image_path = json_path.parent / relative
    item_name = image_path.name
    found = find_image([image_path]) if outside is None else None  # the one rule (files.images)
    if found is not None and sly.image.has_valid_ext(found.name):
        return found.name, found
    if isinstance(data.get("imageData"), str) and data["imageData"]:
        try:
            image = base64.b64decode(data["imageData"], validate=True)
        except binascii.Error:
            raise InvalidLabelmeError(f"{json_path}: imageData: not valid base64") from None
        # An imagePath that names no image (apc2016_obj3.json): LabelMe reads imageData.
        name = embedded_name(item_name, image)
        if name is None:
            raise InvalidLabelmeError(
                f"{json_path}: imageData: not an image format Supervisely accepts, and imagePath "
                f"{excerpt(item_name, 80)} names none: save the file again from LabelMe"
            )
        return name, image
    if outside is not None:
        raise InvalidLabelmeError(f"{json_path}: imagePath: {outside}")
    if not sly.image.has_valid_ext(item_name) or found is not None:
        problem = f"{excerpt(item_name, 80)} is not an image format Supervisely accepts"
    else:
        problem = f"{image_path} {absence(image_path)} and imageData is empty: put the image beside the file"
    image_skipped(f"{json_path}: imagePath", problem, LabelmeWarning)
    return None


# The format interface (``formats/registry.py``): what ``sly-bindings convert`` calls.
if TYPE_CHECKING:  # a record type only; a copy of this module alone does not need it
    from sly_bindings.formats.registry import WriteOptions


def read_items(source: Path, images: Optional[Path] = None) -> Iterator[FormatItem]:
    """The images of the LabelMe folder ``source``, as :func:`labelme_items` reads them
    (``images`` is not used: each file names its image).

    Raises:
        InvalidLabelmeError: as :func:`labelme_items`, or there is no LabelMe file.
    """
    return non_empty(
        labelme_items(str(source)),
        lambda: InvalidLabelmeError(
            f"{source}: no LabelMe file (*.json) in it or its folders: pass the folder that "
            "holds them"
        ),
    )


def declared_classes(source: Path) -> Dict[str, ClassInfo]:
    """None: a LabelMe file declares no class.

    Examples:
        >>> declared_classes(Path("."))
        {}
    """
    return {}


def render_item(item: FormatItem, out: Path, options: WriteOptions) -> Dict[str, Any]:
    """:func:`render_labelme_item`: the image and its JSON written into ``out``
    (``formats/registry.py``: ``convert --jobs`` runs it in its workers)."""
    return render_labelme_item(item, str(out))


def write_items(items: Iterable[Any], out: Path, options: WriteOptions) -> Written:
    """:func:`items_to_labelme` of the rendered items (:func:`render_item`; LabelMe keeps every
    label of a group: ``options`` unused)."""
    return items_to_labelme(items, str(out))
