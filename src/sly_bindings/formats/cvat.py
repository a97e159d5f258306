"""Binding groups in CVAT for images 1.1 XML: read it into Supervisely annotations and write it.

CVAT (https://github.com/cvat-ai/cvat) exports one ``annotations.xml`` for a task or project::

    <annotations>
      <version>1.1</version>
      <meta><project><name>...</name><labels>
        <label><name>car</name><color>#ff00ff</color><type>mask</type><attributes/></label>
      </labels></project></meta>
      <image id="0" name="image.jpg" subset="dataset-01" width="1280" height="720">
        <box label="sign" source="manual" occluded="0" xtl="20.00" ytl="10.00" xbr="41.00"
             ybr="31.00" z_order="0"/>
        <polygon label="person" ... points="100.00,100.00;200.00,100.00;150.00,200.00"
                 group_id="2"/>
        <mask label="car" ... rle="3, 2, 4" left="5" top="7" width="3" height="3" group_id="1"/>
      </image>
    </annotations>

Shapes of one image with the same ``group_id`` are one CVAT group; ``group_id`` absent or 0 means
no group. So here:

- reading, shapes with the same group_id become labels bound under
  ``records.group_key("group", <image name>, <group_id>)`` (unique in a dataset; ``"7"`` and ``"7.0"`` are one group); CVAT groups may mix labels, and so
  may ours;
- writing, each binding group (``bindings.binding_groups``, keys compared as strings) gets a
  ``group_id`` unique in the file (1, 2, ... in the order groups first appear, image by image);
  unbound labels get none.

Geometries (x = column, y = row):

- ``box`` <-> ``sly.Rectangle``: ``xtl=left``, ``ytl=top``, ``xbr=right``, ``ybr=bottom``, the
  one box rule of ``formats.boxes`` (the SDK's, CVAT's and Datumaro's: ``xtl="12" xbr="52"`` is
  COCO's ``[12, ., 40, .]``); a rotated box is skipped;
- ``polygon`` <-> ``sly.Polygon``: the outline, rounded to whole pixels; holes are dropped;
- ``mask`` <-> ``sly.Bitmap``: CVAT's run-length code of the mask's box (``left``, ``top``,
  ``width``, ``height``): run lengths, row by row, alternating and starting with a run of 0s.

Geometries are matched by exact type: an ``sly.OrientedBBox`` (a Rectangle with an angle) and an
``sly.AlphaMask`` (a Bitmap of opacities) are skipped with a warning like points and lines,
rather than written as a box without its rotation or a mask without its opacity.

Datasets are CVAT subsets: a project export's ``subset`` attribute on each image, a task
export's ``<meta><task><subset>``, the file's stem in Datumaro's ``cvat`` export (one
``<subset>.xml`` per subset, read when there is no ``annotations.xml``), else ``default``; a
nested dataset is the subset ``parent/child``, read back as nested datasets the SDK's way.
Writing makes a project export with the meta CVAT writes (``<tasks>`` with one ``<task>`` and
its ``<subset>`` per dataset, ``<labels>``, ``<subsets>``; ``subset`` and ``task_id`` on each
image), so CVAT's importer and Datumaro's accept it. A
subset that cannot be a dataset name (``..``, an absolute path, a name ending in ``img``,
``ann``, ... that ``sly.Project`` skips: ``files.dataset_names.dataset_name_problem``) is refused, so nothing is ever
written outside the project. Images live in ``images/<subset>/<name>`` (``images/<name>`` and
``<name>`` are also looked for). Other shapes (polyline, points, ellipse, cuboid, skeleton, tag)
are skipped with a warning; attributes are not carried; class colours are. A shape that cannot
be read (a polygon of 2 points, as CVAT's auto-annotation writes, a box of no area, NaN, a
missing attribute, a label the meta does not list, a shape wholly outside its image) is skipped
with one warning naming the file, the image and the shape (``formats.records``); the rest is
read.

Reading, an image ``name`` that is absolute or climbs out of the export's folder with ``../``
(``files.input_paths``) is refused, and an image's ``width`` and ``height`` must be its file's
real size (``formats.items.check_image_size``), checked before any shape is read.

Copy this file with ``bindings.py``, ``files/dataset_names.py``, ``files/input_paths.py``,
``files/images.py``, ``files/project_folder.py``, ``formats/items.py``,
``formats/progress.py`` and ``groups/roles.py`` (docs/helpers.md); it needs only ``supervisely``,
``numpy``, ``opencv`` and ``tqdm`` (which the SDK brings), and ``defusedxml``.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import itertools
import math
import os
import re
import shutil
import tempfile  # for the examples
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath
from typing import (
    TYPE_CHECKING,
    Any,
    Collection,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Type,
)

import numpy as np
import numpy.typing as npt
import supervisely as sly
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as defused_et

from bindings import binding_groups, binding_key_of
from sly_bindings.formats import construct, shard
from sly_bindings.files.dataset_names import dataset_name_problem
from sly_bindings.files.images import check_mask_fits, find_image
from sly_bindings.files.input_paths import (
    absence,
    input_files,
    is_input_file,
    outside_input_problem,
)
from sly_bindings.formats.boxes import BoxError, box_to_rectangle, rectangle_to_box
from sly_bindings.formats.items import (
    rendered,
    MAX_COORDINATE,
    ClassInfo,
    FormatItem,
    FormatWarning,
    ImageNames,
    InvalidFormatError,
    SeenClass,
    check_image_size,
    are_coordinates,
    copy_image,
    excerpt,
    is_coordinate,
    items_to_project,
    label_class,
    classes_left_out,
    left_out_message,
    non_empty,
    project_items,
)
from sly_bindings.formats.progress import progress
from sly_bindings.formats.records import group_key, image_skipped, record
from sly_bindings.formats.written import Written, image_account
from sly_bindings.groups.roles import kept_group_number, unbind_lone_keys

CVAT_VERSION = "1.1"
# Larger than any image Supervisely takes (and than the SDK's own limit for a mask): a size
# read from a file is checked against it before anything is allocated.
MAX_IMAGE_PIXELS = 2**30
DEFAULT_SUBSET = "default"  # CVAT's name for images of no subset
# What an XML 1.0 document cannot hold (its Char production): most control characters, lone
# surrogates and U+FFFE/U+FFFF. A name holding one is refused before it is written.
NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
RGB_PATTERN = re.compile(r"#[0-9A-Fa-f]{6}")
NAME_EXCERPT = 80  # a name quoted in a message is cut to this many characters
# The encoding an XML declaration names, read from the file's first bytes.
XML_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
CVAT_TYPES: Dict[str, Type[sly.Geometry]] = {
    "rectangle": sly.Rectangle,
    "polygon": sly.Polygon,
    "mask": sly.Bitmap,
}


class InvalidCvatError(InvalidFormatError):
    """A CVAT XML file that cannot be read; the message names the file and the field."""


class CvatWarning(FormatWarning):
    """Something that CVAT cannot hold, or a shape that was skipped; the message says which."""


def mask_to_cvat_rle(mask: npt.NDArray[np.bool_]) -> List[int]:
    """CVAT's run lengths of ``mask``: row by row, alternating 0s and 1s, starting with 0s.

    Examples:
        >>> mask_to_cvat_rle(np.array([[1, 1, 0], [0, 1, 1]], dtype=bool))
        [0, 2, 2, 2]
    """
    flat = np.asarray(mask, dtype=bool).ravel()
    if flat.size == 0:
        return []
    starts = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    runs = np.diff(np.concatenate([[0], starts, [flat.size]])).tolist()
    return [0] + runs if flat[0] else runs


def cvat_rle_to_mask(counts: List[int], height: int, width: int) -> npt.NDArray[np.bool_]:
    """The ``height`` x ``width`` mask of CVAT's run lengths (see :func:`mask_to_cvat_rle`).

    Raises:
        ValueError: a count is negative or the counts do not add up to ``height * width``.

    Examples:
        >>> cvat_rle_to_mask([0, 2, 2, 2], 2, 3).astype(int)
        array([[1, 1, 0],
               [0, 1, 1]])
    """
    if any(count < 0 for count in counts):
        raise ValueError("rle has a negative run length: run lengths count pixels")
    if sum(counts) != height * width:
        raise ValueError(
            f"rle covers {sum(counts)} pixels but width x height is {width}x{height} = "
            f"{width * height}: they must agree"
        )
    values = np.arange(len(counts)) % 2 == 1
    return np.repeat(values, counts).reshape(height, width)


def annotation_to_cvat_image(
    ann: sly.Annotation, image_id: int, name: str, subset: str, first_group_id: int = 1
) -> ET.Element:
    """The ``<image>`` element of ``ann``; its groups are numbered from ``first_group_id``.

    Warns (:class:`CvatWarning`) for polygon holes (dropped) and other geometries (skipped).

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> ann = sly.Annotation((10, 10), [sly.Label(sly.Rectangle(1, 2, 3, 4), car, binding_key="k")])
        >>> ET.tostring(annotation_to_cvat_image(ann, 0, "a.jpg", "train", first_group_id=5))
        b'<image id="0" name="a.jpg" subset="train" width="10" height="10"><box label="car" source="manual" occluded="0" xtl="2.00" ytl="1.00" xbr="4.00" ybr="3.00" z_order="0" group_id="5" /></image>'
    """
    shapes = _image_shapes(ann, name)
    height, width = ann.img_size
    attributes = {"id": str(image_id), "name": name, "subset": subset}
    image = ET.Element("image", {**attributes, "width": str(width), "height": str(height)})
    numbers = _group_numbers(shapes, first_group_id)
    for (text, _), number in zip(shapes["shapes"], numbers):
        shape = ET.fromstring(text)
        if number is not None:
            shape.set("group_id", number)
        image.append(shape)
    return image


def _image_shapes(ann: sly.Annotation, name: str) -> Dict[str, Any]:
    """The shapes of ``ann`` (the image ``name``) rendered alone, as plain data: ``shapes``,
    per shape its XML without ``group_id`` and its group (None, ``["group", n]``: the image's
    binding group ``n``, or ``["kept", "7"]``: the number a lone label was read with);
    ``groups``, how many binding groups; ``kept``, the numbers lone labels keep (the groups
    are numbered around them: :func:`_group_numbers`). Warns as :func:`_shape_of`.
    """
    groups, _ = binding_groups(ann)
    # Lone labels keep the group_id they were read with; groups take the numbers left.
    kept = [number for number in (kept_group_number(label) for label in ann.labels) if number]
    group_index = {key: index for index, key in enumerate(groups)}
    shapes = []
    for label in ann.labels:
        shape = _shape_of(label, name)
        if shape is None:
            continue
        key = binding_key_of(label)
        number = kept_group_number(label) if key is None else None
        if key is not None:
            group: Optional[List[Any]] = ["group", group_index[key]]
        elif number is not None and number.isdigit() and number != "0":
            group = ["kept", number]
        else:
            group = None
        shapes.append([ET.tostring(shape, encoding="unicode"), group])
    return {"shapes": shapes, "groups": len(groups), "kept": kept}


def _group_numbers(shapes: Mapping[str, Any], first_group_id: int) -> List[Optional[str]]:
    """The ``group_id`` of each shape of :func:`_image_shapes` (None: none), the image's groups
    numbered from ``first_group_id`` on, skipping the numbers its lone labels keep.

    Examples:
        >>> shapes = {"shapes": [["<box />", ["group", 0]], ["<box />", ["kept", "5"]],
        ...                      ["<box />", ["group", 1]], ["<box />", None]],
        ...           "groups": 2, "kept": ["5"]}
        >>> _group_numbers(shapes, 4)
        ['4', '5', '6', None]
    """
    kept = set(shapes["kept"])
    free = (number for number in itertools.count(first_group_id) if str(number) not in kept)
    numbers = [str(next(free)) for _ in range(shapes["groups"])]
    return [
        None if group is None else numbers[group[1]] if group[0] == "group" else group[1]
        for _, group in shapes["shapes"]
    ]


def _shape_of(label: sly.Label, image_name: str) -> Optional[ET.Element]:
    """The CVAT element of ``label`` without its group_id, or None (warned) if CVAT has none."""
    geometry = label.geometry
    common = {"label": label.obj_class.name, "source": "manual", "occluded": "0"}
    # Exact types: an OrientedBBox is a Rectangle and an AlphaMask a Bitmap to isinstance, but
    # writing them as such would drop the rotation, or the transparency.
    if type(geometry) is sly.Rectangle:
        x, y, w, h = rectangle_to_box(geometry)  # the one box rule (formats.boxes)
        edges = (x, y, x + w, y + h)
        coordinates = dict(zip(("xtl", "ytl", "xbr", "ybr"), (f"{v:.2f}" for v in edges)))
        return ET.Element("box", {**common, **coordinates, "z_order": "0"})
    if type(geometry) is sly.Polygon:
        if construct.holes(geometry):
            warnings.warn(
                f"{image_name}: a {label.obj_class.name} polygon has {construct.holes(geometry)} "
                "hole(s): CVAT polygons have none, so only the outline is written",
                CvatWarning,
            )
        points = ";".join(
            f"{point.col:.2f},{point.row:.2f}" for point in construct.exterior(geometry)
        )
        return ET.Element("polygon", {**common, "points": points, "z_order": "0"})
    if type(geometry) is sly.Bitmap:
        height, width = geometry.data.shape
        return ET.Element(
            "mask",
            {
                **common,
                "rle": ", ".join(str(run) for run in mask_to_cvat_rle(geometry.data)),
                "left": str(geometry.origin.col),
                "top": str(geometry.origin.row),
                "width": str(width),
                "height": str(height),
                "z_order": "0",
            },
        )
    warnings.warn(
        f"{image_name}: a {label.obj_class.name} {geometry.geometry_name()} is skipped: only "
        "rectangles, polygons and masks are converted",
        CvatWarning,
    )
    return None


def cvat_image_to_annotation(
    image: ET.Element,
    source: str = "CVAT XML",
    subset: Optional[str] = None,
    colors: Optional[Mapping[str, Sequence[int]]] = None,
    declared: Optional[Collection[str]] = None,
) -> sly.Annotation:
    """The annotation of one CVAT ``<image>`` element, with CVAT groups as bindings.

    Each shape is read through ``formats.records.record``: a shape that cannot be read (a
    polygon of fewer than 3 points, a box of no area, a NaN, a missing attribute, a label
    ``declared`` (the meta's label names; None: any) does not hold, a shape wholly outside the
    image) is skipped with a :class:`CvatWarning` naming the file, the image and the shape.

    Each label's class is named by the shape's ``label`` and has the shape's geometry type, and
    the colour ``colors`` gives that name (``[r, g, b]``, from the meta), if any.
    Shapes with the same group_id (not 0) are bound under
    ``records.group_key("group", <image name>, <group_id>)``.
    Messages name the image and its subset (its ``subset`` attribute, or ``subset``: a task's).

    Raises:
        InvalidCvatError: an attribute of the image is missing or malformed; the message names
            the file, the image and the attribute.

    Examples:
        >>> image = ET.fromstring('<image id="0" name="a.jpg" width="8" height="8">'
        ...     '<box label="car" xtl="0" ytl="0" xbr="2" ybr="2" group_id="7"/>'
        ...     '<mask label="car" rle="0, 1" left="5" top="5" width="1" height="1" group_id="7"/>'
        ...     '<polygon label="car" points="1,5;3,5;2,7" group_id="0"/></image>')
        >>> [label.binding_key for label in cvat_image_to_annotation(image).labels]
        ['["group","a.jpg",7]', '["group","a.jpg",7]', None]
    """
    name, where, (height, width) = _declared_size(image, source, subset)
    labels: List[sly.Label] = []
    numbers: List[Optional[str]] = []
    keys: Dict[int, str] = {}  # group_id: its key (one per group, not per shape)
    for index, shape in enumerate(image):
        field = f"{where} <{shape.tag}> #{index + 1}"
        before = len(labels)
        with record(labels, field, CvatWarning, (height, width), "shape") as found:
            geometry = _geometry_of(shape, field, (height, width))
            if geometry is None:
                continue
            class_name = shape.get("label")
            if not class_name:
                # label="" is a shape of no label (Datumaro reads it so; neither CVAT nor
                # Datumaro's CVAT export writes one: Datumaro's skips it, as this does).
                raise InvalidCvatError(
                    f"{field}: label: {'empty' if class_name == '' else 'missing'}"
                )
            if declared is not None and class_name not in declared:
                raise InvalidCvatError(
                    f"{field}: label: {excerpt(class_name, NAME_EXCERPT)} is not a label of the "
                    "meta's <labels>"
                )
            group_id = _whole_number(shape, "group_id", field, minimum=0, default=0)
            if group_id and group_id not in keys:
                keys[group_id] = group_key("group", name, group_id)
            key = keys.get(group_id) if group_id else None
            color = (colors or {}).get(class_name)
            rgb = None if color is None else tuple(color)
            obj_class = label_class(class_name, type(geometry), rgb)
            found.append(construct.label(geometry, obj_class, key))
        if len(labels) > before:
            numbers.append(str(group_id) if group_id else None)
    # A group_id on a single shape is no group (roles.unbind_lone_keys): read unbound, the
    # number kept as a tag so that writing CVAT or LabelMe back gives the same group_id.
    return construct.annotation((height, width), unbind_lone_keys(labels, numbers))


def _declared_size(
    image: ET.Element, source: str, subset: Optional[str]
) -> Tuple[str, str, Tuple[int, int]]:
    """The ``name`` of an ``<image>``, where it is (for messages) and its declared
    ``(height, width)``, checked to be whole numbers of at most ``MAX_IMAGE_PIXELS`` pixels."""
    name = image.get("name")
    if not name:
        raise InvalidCvatError(f"{source}: <image id={excerpt(image.get('id'))}>: name: missing")
    where = _where(source, name, image.get("subset") or subset)
    height = _whole_number(image, "height", where, minimum=1)
    width = _whole_number(image, "width", where, minimum=1)
    if height * width > MAX_IMAGE_PIXELS:
        raise InvalidCvatError(
            f"{where}: width, height: {image.get('width', '')[:20]}x{image.get('height', '')[:20]} "
            f"is more than {MAX_IMAGE_PIXELS} pixels, "
            "larger than any image Supervisely takes: check the file"
        )
    return name, where, (height, width)


def _where(source: str, name: str, subset: Optional[str]) -> str:
    """``<file>: <image name='a.png' subset='train'>``, for messages (no subset: none named)."""
    shown = "" if not subset else f" subset={excerpt(subset, NAME_EXCERPT)}"
    return f"{source}: <image name={excerpt(name, NAME_EXCERPT)}{shown}>"


def _whole_number(
    element: ET.Element, attribute: str, where: str, minimum: int, default: Optional[int] = None
) -> int:
    """An integer attribute; "7", " 7 " and "7.0" are all 7."""
    text = element.get(attribute)
    if text is None and default is not None:
        return default
    value = _number(element, attribute, where)
    if value != int(value) or value < minimum:
        raise InvalidCvatError(
            f"{where}: {attribute}: must be a whole number of at least {minimum}, got {excerpt(text)}"
        )
    return int(value)


def _number(element: ET.Element, attribute: str, where: str) -> float:
    text = element.get(attribute)
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise InvalidCvatError(
            f"{where}: {attribute}: missing or not a number, got {excerpt(text)}"
        )
    return value


def _geometry_of(
    shape: ET.Element, where: str, image_size: Tuple[int, int]
) -> Optional[sly.Geometry]:
    """The Supervisely geometry of one shape element, or None (warned) for one not converted.

    A mask's size is checked against its image before its pixels are allocated.
    """
    if shape.tag == "box":
        if "rotation" in shape.attrib and _number(shape, "rotation", where):
            warnings.warn(
                f"{where}: skipped, a rotated box has no Supervisely rectangle", CvatWarning
            )
            return None
        edges = ("xtl", "ytl", "xbr", "ybr")
        for attribute in edges:
            _coordinate(shape, attribute, where)  # refused beyond MAX_COORDINATE
        corners = [_number(shape, attribute, where) for attribute in edges]
        try:  # the one box rule (formats.boxes): xtl = left, xbr = right
            xtl, ytl, xbr, ybr = corners  # xbr < xtl is a box of negative width
            return box_to_rectangle([xtl, ytl, xbr - xtl, ybr - ytl])
        except BoxError as error:
            raise InvalidCvatError(f"{where}: xtl, ytl, xbr, ybr: {error}") from None
    if shape.tag == "polygon":
        points = _points(shape.get("points"), f"{where}: points")
        if len(points) < 3:
            raise InvalidCvatError(f"{where}: points: a polygon needs 3 points, got {len(points)}")
        return construct.polygon(construct.points((y, x) for x, y in points))
    if shape.tag == "mask":
        left = _whole_number(shape, "left", where, minimum=0)
        top = _whole_number(shape, "top", where, minimum=0)
        width = _whole_number(shape, "width", where, minimum=1)
        height = _whole_number(shape, "height", where, minimum=1)
        if left >= image_size[1] or top >= image_size[0]:
            warnings.warn(f"{where}: skipped, its mask lies wholly outside the image", CvatWarning)
            return None
        if left + width > image_size[1] or top + height > image_size[0]:
            raise InvalidCvatError(
                f"{where}: left, top, width, height: a {width}x{height} mask at ({left}, {top}) "
                f"does not fit in the {image_size[1]}x{image_size[0]} image: export it again"
            )
        # The one mask size rule, before a pixel is decoded (an image may be 40000 px a side).
        check_mask_fits((height, width), image_size, f"{where}: width, height", InvalidCvatError)
        try:
            counts = [int(count) for count in (shape.get("rle") or "").split(",")]
            mask = cvat_rle_to_mask(counts, height, width)
        except ValueError as error:
            reason = str(error) if "rle" in str(error) else "not a comma-separated list of counts"
            raise InvalidCvatError(f"{where}: rle: {reason}") from None
        if not mask.any():
            warnings.warn(f"{where}: skipped, its mask has no pixel set", CvatWarning)
            return None
        return sly.Bitmap(mask, origin=sly.PointLocation(top, left))
    warnings.warn(f"{where}: skipped: only box, polygon and mask are read", CvatWarning)
    return None


def _coordinate(element: ET.Element, attribute: str, where: str) -> int:
    """A pixel coordinate attribute, rounded; refused beyond ``MAX_COORDINATE``."""
    value = _number(element, attribute, where)
    if not is_coordinate(value):
        raise InvalidCvatError(
            f"{where}: {attribute}: {excerpt(element.get(attribute, ''), 30)} is further than "
            f"{MAX_COORDINATE} pixels from 0: check the file"
        )
    return round(value)


def _points(text: Optional[str], field: str) -> List[Tuple[int, int]]:
    """``"x,y;x,y"`` as whole pixels (rounded)."""
    try:
        pairs = [
            [float(x), float(y)] for x, y in (pair.split(",") for pair in (text or "").split(";"))
        ]
        if not are_coordinates([value for pair in pairs for value in pair]):
            raise ValueError
        return [(round(x), round(y)) for x, y in pairs]
    except ValueError:  # not numbers, NaN or infinite, or far beyond any image
        raise InvalidCvatError(
            f"{field}: must be 'x,y;x,y;...' numbers, each within {MAX_COORDINATE} of 0, got "
            f"{excerpt(text or '', 60)}"
        ) from None


def project_to_cvat(project_dir: str, out_dir: str) -> None:
    """Write a Supervisely project as CVAT for images 1.1: ``annotations.xml`` and ``images/``.

    Each dataset is a subset (a nested one ``parent/child``); its images go to
    ``images/<subset>/``. ``out_dir`` is created and must not exist yet. Warns as
    :func:`annotation_to_cvat_image` does.

    Raises:
        FileExistsError: ``out_dir`` exists.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> project = sly.Project(folder.name + "/cars", sly.OpenMode.CREATE)
        >>> project.set_meta(sly.ProjectMeta([car]))
        >>> boxes = [sly.Rectangle(0, 0, 1, 1), sly.Rectangle(2, 2, 3, 3)]
        >>> ann = sly.Annotation((4, 4), [sly.Label(box, car, binding_key="k") for box in boxes])
        >>> image = np.zeros((4, 4, 3), np.uint8)
        >>> project.create_dataset("ds").add_item_np("a.png", image, ann=ann)
        >>> project_to_cvat(project.directory, folder.name + "/cvat")
        >>> root = ET.parse(folder.name + "/cvat/annotations.xml").getroot()
        >>> images = root.iterfind("image")
        >>> [(image.get("subset"), [box.get("group_id") for box in image]) for image in images]
        [('ds', ['1', '1'])]
        >>> sorted(os.listdir(folder.name + "/cvat/images/ds"))
        ['a.png']
        >>> folder.cleanup()
    """
    project = sly.Project(project_dir, sly.OpenMode.READ)
    items_to_cvat(project_items(project_dir), out_dir, project.meta.obj_classes, project.name)


def items_to_cvat(
    items: Iterable[FormatItem],
    out_dir: str,
    classes: Iterable[sly.ObjClass] = (),
    name: str = "project",
    where: Optional[str] = None,
) -> Written:
    """Write items as a CVAT for images 1.1 project export: ``annotations.xml`` and ``images/``;
    return what was written (:func:`image_written`, per image).

    Each dataset is a subset and a task (a nested one ``parent/child``); its images go to
    ``images/<subset>/``. The meta's labels are ``classes`` (with their colours and types), then
    any other class the items' labels have, but a class of shapes CVAT is not given (lines,
    points) is left out with one warning naming ``where`` (None: ``out_dir``). ``out_dir`` is
    created and must not exist yet.

    Raises:
        FileExistsError: ``out_dir`` exists, or an image name is used twice in a subset.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
        >>> items_to_cvat([FormatItem(("ds",), "a.png", png, sly.Annotation((4, 4)), "a")],
        ...               folder.name + "/cvat")
        Written(images=1, labels=0, groups=0, left_out=0)
        >>> root = ET.parse(folder.name + "/cvat/annotations.xml").getroot()
        >>> [task.findtext("subset") for task in root.iterfind("meta/project/tasks/task")]
        ['ds']
        >>> folder.cleanup()
    """
    os.makedirs(out_dir)
    declared = {obj_class.name: obj_class for obj_class in classes}
    seen: Dict[str, Set[Type[sly.Geometry]]] = {}
    colors: Dict[str, List[int]] = {}  # of the classes not given, the first label's
    sizes: Dict[str, int] = {}
    names = ImageNames(Path(out_dir, "images"))  # one image of a name
    not_copied = 0  # images a file or folder of their name stood in the way of (an error below)
    image_id, first_group_id = 0, 1
    account = Written()
    # The images' XML, streamed to a file beside annotations.xml (its meta needs every class
    # first): memory stays flat whatever the number of images.
    body_path = os.path.join(out_dir, ".annotations.xml.images")
    with open(body_path, "w", encoding="utf-8") as body:
        for item in progress(items, "CVAT"):
            source, data = rendered(item, lambda item: render_cvat_item(item, out_dir))
            subset, image_name = data["subset"], data["name"]
            if subset not in sizes:
                sizes[subset] = 0
                # A child may come first. An image's file in the way (copied by a --jobs
                # worker ahead of the reader's order) is left to that image's claim below, so
                # the error is the one of one process.
                with contextlib.suppress(FileExistsError, NotADirectoryError):
                    os.makedirs(os.path.join(out_dir, "images", subset), exist_ok=True)
            if not names.claim(f"{subset}/{image_name}"):
                raise FileExistsError(
                    f"{source}: {excerpt(image_name, NAME_EXCERPT)} is used twice in subset "
                    f"{excerpt(subset, NAME_EXCERPT)}: give each image its own name"
                )
            not_copied += not data["copied"]
            numbers = _group_numbers(data, first_group_id)
            task_id = list(sizes).index(subset) + 1
            body.write(("\n  " if image_id else "") + _image_xml(data, image_id, task_id, numbers))
            account = account.plus(Written(*data["account"]))
            sizes[subset] += 1
            image_id += 1
            group_ids = [int(number) for number in numbers if number is not None]
            first_group_id = max(group_ids, default=first_group_id - 1) + 1
            for class_name, color, geometries in data["classes"]:
                types = seen.setdefault(class_name, set())
                types.update(
                    SeenClass(class_name, geometry, color).geometry_type for geometry in geometries
                )
                colors.setdefault(class_name, color)
    if not_copied:  # a name in the way that ImageNames did not name: never left unsaid
        raise OSError(f"{out_dir}: {not_copied} image(s) could not be copied to images/")
    now = dump_time().isoformat(sep=" ")
    root = ET.Element("annotations")
    ET.SubElement(root, "version").text = CVAT_VERSION
    meta_root = ET.SubElement(root, "meta")
    meta = ET.SubElement(meta_root, "project")
    for field, text in (("id", "1"), ("name", name), ("bugtracker", ""), ("created", now)):
        ET.SubElement(meta, field).text = text
    ET.SubElement(meta, "updated").text = now
    tasks_element = ET.SubElement(meta, "tasks")  # one per subset
    labels = ET.SubElement(meta, "labels")
    for task_id, (subset, size) in enumerate(sizes.items(), start=1):
        tasks_element.append(_task_meta(task_id, subset, size, now))
    cvat_types = {geometry: type_name for type_name, geometry in CVAT_TYPES.items()}
    listed = []
    for class_name in dict.fromkeys([*declared, *seen]):
        obj_class = declared.get(class_name)
        if obj_class is None:
            types = seen[class_name]
            geometry_type = types.pop() if len(types) == 1 else sly.AnyGeometry
            obj_class = sly.ObjClass(class_name, geometry_type, color=colors[class_name])
        listed.append(obj_class)
    # Every class a reason: a class of shapes CVAT is not given (lines, points) is left out.
    left_out = classes_left_out(listed, tuple(CVAT_TYPES.values()))
    if left_out:
        warnings.warn(
            left_out_message(
                where or out_dir,
                left_out,
                "the labels",
                "only boxes, polygons and masks are written",
            ),
            CvatWarning,
        )
    for obj_class in listed:
        if obj_class.name in left_out:
            continue
        label = ET.SubElement(labels, "label")
        ET.SubElement(label, "name").text = obj_class.name
        ET.SubElement(label, "color").text = sly.color.rgb2hex(obj_class.color)
        ET.SubElement(label, "type").text = cvat_types.get(obj_class.geometry_type, "any")
        ET.SubElement(label, "attributes")
    ET.SubElement(meta, "subsets").text = "\n".join(sizes)
    ET.SubElement(meta_root, "dumped").text = now
    _write_streamed(root, body_path, os.path.join(out_dir, "annotations.xml"), image_id > 0)
    return account


_BODY = "images"  # the placeholder of the images' XML in the meta's tree


def _write_streamed(root: ET.Element, body_path: str, xml_path: str, has_images: bool) -> None:
    """Write ``xml_path``: ``root`` (the version and the meta), indented as ``ET.indent``
    indents the whole tree, with the images' XML of ``body_path`` (removed then) after the
    meta: the bytes one tree of every image would write."""
    if has_images:
        ET.SubElement(root, _BODY)
    ET.indent(root)
    buffer = io.BytesIO()
    ET.ElementTree(root).write(buffer, encoding="utf-8", xml_declaration=True)
    head, _, tail = buffer.getvalue().rpartition(f"<{_BODY} />".encode())
    if not has_images:
        head, tail = tail, b""
    with open(xml_path, "wb") as xml_file:
        xml_file.write(head)
        with open(body_path, "rb") as body:
            shutil.copyfileobj(body, xml_file)
        xml_file.write(tail)
    os.remove(body_path)


def _image_xml(
    data: Mapping[str, Any], image_id: int, task_id: int, numbers: Sequence[Optional[str]]
) -> str:
    """The ``<image>`` element of a rendered item (:func:`render_cvat_item`) as
    ``ET.indent`` lays it out in the tree (one level in), its ids and ``group_id`` given.

    Examples:
        >>> data = {"attributes": 'name="a.png" subset="s" width="4" height="4"',
        ...         "shapes": [['<box label="car" />', None]]}
        >>> print(_image_xml(data, 0, 1, ["3"]))
        <image id="0" name="a.png" subset="s" width="4" height="4" task_id="1">
            <box label="car" group_id="3" />
          </image>
    """
    head = f'<image id="{image_id}" {data["attributes"]} task_id="{task_id}"'
    if not data["shapes"]:
        return head + " />"
    shapes = [
        text if number is None else f'{text[:-3]} group_id="{number}" />'
        for (text, _), number in zip(data["shapes"], numbers)
    ]
    return head + ">" + "".join("\n    " + shape for shape in shapes) + "\n  </image>"


def render_cvat_item(item: FormatItem, out_dir: str) -> Dict[str, Any]:
    """One item's part of :func:`items_to_cvat` into ``out_dir``, alone (``convert --jobs``
    runs it in its workers): its names checked, its image copied to ``images/<subset>/``, and
    as plain data its subset, name, ``<image>`` attributes (but its ids), shapes
    (:func:`_image_shapes`), classes (``[name, colour, [geometry names]]`` in the order of its
    labels) and account (:func:`image_written`: images, labels, groups, left out).

    Raises:
        InvalidCvatError: a name holds a character XML cannot hold.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
        >>> data = render_cvat_item(FormatItem(("ds",), "a.png", png, sly.Annotation((4, 4)), "a"),
        ...                         folder.name)
        >>> data["attributes"], data["account"]
        ('name="a.png" subset="ds" width="4" height="4"', [1, 0, 0, 0])
        >>> folder.cleanup()
    """
    subset = "/".join(item.dataset)  # a nested dataset is parent/child
    texts = [("image name", item.name), ("dataset", subset)]
    texts += [("class", label.obj_class.name) for label in item.ann.labels]
    for what, text in texts:
        if NOT_XML_TEXT.search(text):
            raise InvalidCvatError(
                f"{item.source}: {what} {excerpt(text)} holds a character XML cannot hold "
                "(a control character or a lone surrogate): rename it"
            )
    data = _image_shapes(item.ann, item.name)
    height, width = item.ann.img_size
    attributes = {"name": item.name, "subset": subset, "width": str(width), "height": str(height)}
    text = ET.tostring(ET.Element("image", attributes), encoding="unicode")
    keys = [None if group is None else tuple(group) for _, group in data["shapes"]]
    account = image_account(keys, left_out=len(item.ann.labels) - len(keys))
    copied = copy_image(item.image, Path(out_dir, "images", subset, item.name))
    classes: Dict[str, List[Any]] = {}
    for label in item.ann.labels:
        seen = SeenClass.of(label.obj_class)
        _, _, geometries = classes.setdefault(seen.name, [seen.name, seen.color, []])
        if seen.geometry not in geometries:
            geometries.append(seen.geometry)
    data.update(
        subset=subset,
        name=item.name,
        attributes=text[len("<image ") : -len(" />")],
        classes=list(classes.values()),
        account=list(account),
        copied=copied,
    )
    return data


def image_written(image: ET.Element, labels: int) -> Written:
    """The account of one ``<image>`` written for an annotation of ``labels`` labels: a label
    per shape, a group per ``group_id`` that two or more shapes share (one shape's is no group,
    as :func:`cvat_image_to_annotation` reads it); the labels with no shape were left out.

    Examples:
        >>> image = ET.fromstring('<image><box group_id="3"/><box group_id="3"/><box/></image>')
        >>> image_written(image, labels=4)
        Written(images=1, labels=3, groups=1, left_out=1)
    """
    shapes = list(image)
    return image_account((shape.get("group_id") for shape in shapes), left_out=labels - len(shapes))


def dump_time() -> datetime.datetime:
    """When the export is dumped, for the meta's ``created``, ``updated`` and ``dumped``: now
    (UTC), or ``SOURCE_DATE_EPOCH`` (seconds since 1970, the reproducible-builds convention) when
    it is set to a whole number, so that two runs can write the same bytes.

    Examples:
        >>> os.environ["SOURCE_DATE_EPOCH"] = "0"
        >>> dump_time().isoformat(sep=" ")
        '1970-01-01 00:00:00+00:00'
        >>> del os.environ["SOURCE_DATE_EPOCH"]
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    return datetime.datetime.now(datetime.timezone.utc)


def _task_meta(task_id: int, subset: str, size: int, now: str) -> ET.Element:
    """The ``<task>`` of a project export's meta, as CVAT writes it (``TaskData.meta_for_task``).

    Datumaro's importer makes one subset per ``<subset>`` element of the meta, and refuses a
    project export with none ("CVAT XML should include <subset> tags").
    """
    task = ET.Element("task")
    fields = {
        "id": str(task_id),
        "name": subset,
        "size": str(size),
        "mode": "annotation",
        "overlap": "0",
        "bugtracker": "",
        "created": now,
        "updated": now,
        "subset": subset,
        "start_frame": "0",
        "stop_frame": str(max(size - 1, 0)),
        "frame_filter": "",
    }
    for field, text in fields.items():
        ET.SubElement(task, field).text = text
    segment = ET.SubElement(ET.SubElement(task, "segments"), "segment")
    for field, number in (("id", task_id), ("start", 0), ("stop", max(size - 1, 0))):
        ET.SubElement(segment, field).text = str(number)
    ET.SubElement(segment, "url").text = ""
    return task


def cvat_items(cvat_dir: str) -> Iterator[FormatItem]:
    """The images of ``cvat_dir/annotations.xml``, read one by one, without copying anything.

    Each image's dataset is its subset (``default`` when it has none); a subset
    ``parent/child`` is a nested dataset. Its file is looked for at
    ``images/<subset>/<name>``, ``images/<name>`` and ``<name>``.

    Raises:
        InvalidCvatError: the XML is malformed, an image file is missing, or a subset cannot be
            a dataset name (``..``, say); the message names the file, the image and the field.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> os.makedirs(folder.name + "/images/train")
        >>> sly.image.write(folder.name + "/images/train/a.png", np.zeros((4, 4, 3), np.uint8))
        True
        >>> with open(folder.name + "/annotations.xml", "w") as file:
        ...     _ = file.write('<annotations><image id="0" name="a.png" subset="train" width="4" '
        ...                    'height="4"><box label="car" xtl="0" ytl="0" xbr="2" ybr="2"/>'
        ...                    '</image></annotations>')
        >>> [(item.dataset, item.name, len(item.ann.labels)) for item in cvat_items(folder.name)]
        [(('train',), 'a.png', 1)]
        >>> folder.cleanup()
    """
    for xml_path in cvat_files(cvat_dir):
        # The meta first, then the images one by one, each let go once read: memory does not
        # grow with the number of images.
        meta = _parse(xml_path, meta_only=True)
        yield from _items(meta, Path(cvat_dir), xml_path, _streamed_images(xml_path))


def cvat_to_project(cvat_dir: str, project_dir: str) -> None:
    """Read ``cvat_dir/annotations.xml`` and its images into a new Supervisely project.

    Images and datasets as :func:`cvat_items` finds them; a nested dataset is made the SDK's way
    (``parent/datasets/child``), with its parents. A class gets the geometry type of its shapes
    (``AnyGeometry`` when they mix types; a label with no shape: the ``<type>`` the meta
    declares) and the ``<color>`` the meta gives.

    Raises:
        InvalidCvatError: as :func:`cvat_items`, the file has no image, or an image is not one
            Supervisely reads, or its name is used twice in a subset; the message names it.
        RuntimeError: ``project_dir`` exists and is not empty (from ``sly.Project``).

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> os.makedirs(folder.name + "/images/train")
        >>> sly.image.write(folder.name + "/images/train/a.png", np.zeros((4, 4, 3), np.uint8))
        True
        >>> with open(folder.name + "/annotations.xml", "w") as file:
        ...     _ = file.write('<annotations><image id="0" name="a.png" subset="train" width="4" '
        ...                    'height="4"><box label="car" xtl="0" ytl="0" xbr="2" ybr="2" '
        ...                    'group_id="3"/><box label="car" xtl="3" ytl="3" xbr="4" ybr="4" '
        ...                    'group_id="3"/></image></annotations>')
        >>> cvat_to_project(folder.name, folder.name + "/project")
        >>> project = sly.Project(folder.name + "/project", sly.OpenMode.READ)
        >>> ann = project.datasets.get("train").get_ann("a.png", project.meta)
        >>> [label.binding_key for label in ann.labels]
        ['["group","a.png",3]', '["group","a.png",3]']
        >>> folder.cleanup()
    """
    declared: Dict[str, ClassInfo] = {}
    parts, total = [], 0
    xml_paths = cvat_files(cvat_dir)
    for xml_path in xml_paths:
        root = _parse(xml_path)
        for name, info in _meta_classes(root, xml_path).items():
            declared.setdefault(name, info)
        parts.append(_items(root, Path(cvat_dir), xml_path))
        total += len(root.findall("image"))
    items_to_project(
        itertools.chain.from_iterable(parts),
        project_dir,
        InvalidCvatError,
        f"{', '.join(map(str, xml_paths))}: no <image> in it: export a task or project with "
        "images",
        declared,
        total=total,
        description="CVAT",
    )


def cvat_classes(cvat_dir: str) -> Dict[str, ClassInfo]:
    """The classes the meta of ``cvat_dir``'s XML files declares, in order: each ``<label>``'s
    ``<type>`` (``rectangle``, ``polygon``, ``mask``; any other type: ``sly.AnyGeometry``) and
    ``<color>``, the first file's first when two files declare one name. A label of
    ``<type>tag</type>`` is no class (tags are not read): left out, with one warning.

    Raises:
        InvalidCvatError: as :func:`cvat_items`, or a ``<label>`` has no name or a colour that
            is not ``#rrggbb``.

    Examples:
        >>> folder = tempfile.TemporaryDirectory()
        >>> with open(folder.name + "/annotations.xml", "w") as file:
        ...     _ = file.write('<annotations><meta><task><labels><label><name>car</name>'
        ...                    '<color>#ff0000</color><type>polygon</type></label></labels>'
        ...                    '</task></meta></annotations>')
        >>> cvat_classes(folder.name)
        {'car': ClassInfo(geometry_type=<class 'supervisely.geometry.polygon.Polygon'>, color=[255, 0, 0], geometry_config=None)}
        >>> folder.cleanup()
    """
    declared: Dict[str, ClassInfo] = {}
    tag_labels: Dict[str, Path] = {}
    for xml_path in cvat_files(cvat_dir):
        root = _parse(xml_path, meta_only=True)
        for name, info in _meta_classes(root, xml_path).items():
            declared.setdefault(name, info)
        for label in root.iterfind("./meta/*/labels/label"):
            if label.findtext("type") == "tag":
                tag_labels.setdefault(label.findtext("name") or "", xml_path)
    if tag_labels:
        names = [name[:NAME_EXCERPT] for name in tag_labels]
        warnings.warn(
            left_out_message(
                str(next(iter(tag_labels.values()))),
                names,
                "the classes",
                "a CVAT tag label holds no shape, and tags are not read",
            ),
            CvatWarning,
        )
    return declared


def _meta_classes(root: ET.Element, xml_path: Path) -> Dict[str, ClassInfo]:
    """The classes the meta of one parsed CVAT XML file declares, in order."""
    declared: Dict[str, ClassInfo] = {}
    for label in root.iterfind("./meta/*/labels/label"):
        name, color = label.findtext("name"), label.findtext("color")
        if not name:
            raise InvalidCvatError(f"{xml_path}: <meta> <label>: name: missing")
        if label.findtext("type") == "tag":  # a label of tags (not read), no class of shapes
            continue
        declared.setdefault(
            name,
            ClassInfo(
                CVAT_TYPES.get(label.findtext("type") or "", sly.AnyGeometry),
                (
                    _rgb(color, f"{xml_path}: <meta> <label> {excerpt(name, NAME_EXCERPT)}: color")
                    if color
                    else None
                ),
            ),
        )
    return declared


def cvat_files(cvat_dir: str) -> List[Path]:
    """The CVAT XML files of ``cvat_dir``: ``annotations.xml`` (CVAT's export), or else every
    ``*.xml`` in it (Datumaro's ``cvat`` export: one ``<subset>.xml`` per subset).

    Raises:
        InvalidCvatError: there is none; the message names ``annotations.xml``.

    Examples:
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "val.xml").write_text("<annotations/>")
        >>> [path.name for path in cvat_files(str(folder))]
        ['val.xml']
    """
    folder = Path(cvat_dir)
    if os.path.lexists(folder / "annotations.xml"):  # _parse names what is wrong with it
        return [folder / "annotations.xml"]
    found = input_files(folder, "*.xml", InvalidCvatError)
    if not found:
        raise InvalidCvatError(
            f"{folder / 'annotations.xml'}: {absence(folder / 'annotations.xml')}: export CVAT "
            "for images 1.1 there"
        )
    return found


def _streamed_images(xml_path: Path) -> Iterator[ET.Element]:
    """The ``<image>`` elements of the root of ``xml_path``, each complete, read one by one and
    removed from the tree after use (``ElementTree.iterparse``, through defusedxml).

    Raises:
        InvalidCvatError: as :func:`_parse`, when the reading reaches the fault.
    """
    with _xml_errors(xml_path):
        depth, root = 0, None
        for event, element in defused_et.iterparse(xml_path, ("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                root = element if root is None else root
                continue
            depth -= 1
            if depth == 1 and element.tag == "image":
                yield element
                root.remove(element)  # read: let it go


@contextlib.contextmanager
def _xml_errors(xml_path: Path) -> Iterator[None]:
    """Turn what the XML reader raises on ``xml_path`` into one-line InvalidCvatErrors."""
    try:
        yield
    except ET.ParseError as error:
        raise InvalidCvatError(f"{xml_path}: not well-formed XML ({error})") from None
    except DefusedXmlException:
        raise InvalidCvatError(
            f"{xml_path}: <!DOCTYPE>: a DTD (entities, external references) is not read: "
            "export the file from CVAT again, which writes none"
        ) from None
    except (LookupError, ValueError):  # expat reads only one-byte encodings besides UTF
        raise InvalidCvatError(
            f"{xml_path}: <?xml encoding>: {excerpt(_declared_encoding(xml_path))} is no encoding "
            "an XML reader takes: save the file as UTF-8 (CVAT writes utf-8)"
        ) from None


def _parse(xml_path: Path, meta_only: bool = False) -> ET.Element:
    """The ``<annotations>`` root of a CVAT XML file; with ``meta_only``, read only as far as the
    first ``<image>`` (the meta comes first: its classes without parsing every image)."""
    if not is_input_file(xml_path):
        raise InvalidCvatError(f"{xml_path}: {absence(xml_path)}: export CVAT for images 1.1 there")
    with _xml_errors(xml_path):
        # defusedxml refuses a DTD (CVAT writes none): no entity is expanded, no file fetched.
        if meta_only:
            root = None
            for _, element in defused_et.iterparse(xml_path, ("start",), forbid_dtd=True):
                if root is None:
                    root = element
                elif element.tag == "image":  # what comes before it is complete
                    break
            if root is None:
                raise ET.ParseError("no element found")
        else:
            root = defused_et.parse(xml_path, forbid_dtd=True).getroot()
    if root.tag != "annotations":
        raise InvalidCvatError(f"{xml_path}: <{root.tag}>: the root must be <annotations>")
    return root


def _declared_encoding(xml_path: Path) -> str:
    """The encoding the XML declaration of ``xml_path`` names ("" if none), from its start."""
    with open(xml_path, "rb") as file:
        found = XML_ENCODING.search(file.read(1024))
    return found.group(1).decode("ascii", "replace") if found else ""


def _items(
    root: ET.Element,
    cvat_dir: Path,
    xml_path: Path,
    images: Optional[Iterable[ET.Element]] = None,
) -> Iterator[FormatItem]:
    """The items of the ``<image>`` elements of ``root`` (or of ``images``, read one by one:
    ``root`` then needs only its meta)."""
    # A project export names each image's subset; a task export names its task's in the meta;
    # Datumaro's export names the file after the subset.
    task_subset = (root.findtext("./meta/task/subset") or "").strip() or None
    if task_subset is None and xml_path.name != "annotations.xml":
        task_subset = xml_path.stem
    # The meta's colours go on the labels' classes, so a writer given the items keeps them.
    colors = {
        label.findtext("name"): _rgb(
            label.findtext("color") or "",
            f"{xml_path}: <meta> <label> {excerpt(label.findtext('name'), NAME_EXCERPT)}: color",
        )
        for label in root.iterfind("./meta/*/labels/label")
        if label.findtext("name") and label.findtext("color")
    }
    # The meta's label names: a shape of another label is skipped (CVAT refuses it on import).
    names = {label.findtext("name") for label in root.iterfind("./meta/*/labels/label")}
    label_names = (names - {None, ""}) or None  # None: the meta lists no label, any is read
    checked: Set[Tuple[str, ...]] = set()
    for image in root.iterfind("image") if images is None else images:
        if not shard.take():  # another process of convert --jobs converts it
            continue
        name, where, declared = _declared_size(image, str(xml_path), task_subset)
        # A name is followed only inside the export's folder (files.input_paths); a name that
        # stays inside it from the top stays inside from images/ and images/<subset>/ too.
        outside = outside_input_problem(name)
        if outside is not None:
            raise InvalidCvatError(f"{where}: name: {outside}")
        subset = image.get("subset") or task_subset or DEFAULT_SUBSET
        # The folders of a name are datasets nested in the subset: ``cam1/000001.png`` and
        # ``cam2/000001.png`` are two images, as Datumaro reads them (item ids ``cam1/000001``
        # and ``cam2/000001``), and as the COCO reader reads the folders of a file_name.
        dataset = tuple(subset.split("/")) + PurePosixPath(name).parts[:-1]
        for part in dataset if dataset not in checked else ():
            problem = dataset_name_problem(part)
            if problem is not None:
                raise InvalidCvatError(
                    f"{where}: subset: {excerpt(subset, NAME_EXCERPT)}: dataset name {excerpt(part, NAME_EXCERPT)} {problem} (a nested "
                    "dataset is parent/child)"
                )
        checked.add(dataset)  # each subset's names are checked once
        candidates = [cvat_dir / "images" / subset / name, cvat_dir / "images" / name]
        candidates.append(cvat_dir / name)
        # The one image-finding rule (files.images): a video task's frame ``frame_000000``
        # (no extension) is the file ``frame_000000.PNG``, as CVAT matches them.
        image_path = find_image(candidates)
        if image_path is None:
            image_skipped(
                f"{where}: name", f"no file {candidates[0]}: export the images with it", CvatWarning
            )
            continue
        item_name = image_path.name
        if not sly.image.has_valid_ext(item_name):
            image_skipped(f"{where}: name", "not an image name Supervisely accepts", CvatWarning)
            continue
        # The declared size is checked against the image before any shape is read.
        check_image_size(declared, image_path, where, "width, height", InvalidCvatError)
        ann = cvat_image_to_annotation(image, str(xml_path), task_subset, colors, label_names)
        yield FormatItem(dataset, item_name, image_path, ann, where)


def _rgb(color: str, field: str) -> List[int]:
    """``#rrggbb`` (``#`` and exactly 6 hex digits, spaces around them aside) as ``[r, g, b]``.

    ``int(..., 16)`` alone takes signs and underscores (``#-1-2-3``, ``#+f+f+f``): the digits
    are checked first.

    Examples:
        >>> _rgb("#fa3253", "color")
        [250, 50, 83]
        >>> try:
        ...     _rgb("#-1-2-3", "color")
        ... except InvalidCvatError as error:
        ...     print(error)
        color: must be #rrggbb, got '#-1-2-3'
    """
    if not RGB_PATTERN.fullmatch(color.strip()):
        raise InvalidCvatError(f"{field}: must be #rrggbb, got {excerpt(color)}")
    digits = color.strip()[1:]
    return [int(digits[i : i + 2], 16) for i in (0, 2, 4)]


# The format interface (``formats/registry.py``): what ``sly-bindings convert`` calls.
if TYPE_CHECKING:  # a record type only; a copy of this module alone does not need it
    from sly_bindings.formats.registry import WriteOptions


def read_items(source: Path, images: Optional[Path] = None) -> Iterator[FormatItem]:
    """The images of the CVAT folder ``source``, as :func:`cvat_items` reads them (``images``
    is not used: images are found in ``images/``).

    Raises:
        InvalidCvatError: as :func:`cvat_items`, or no file has an ``<image>``.
    """
    return non_empty(
        cvat_items(str(source)),
        lambda: InvalidCvatError(
            f"{', '.join(map(str, cvat_files(str(source))))}: no <image> in it: export a task "
            "or project with images"
        ),
    )


def declared_classes(source: Path) -> Dict[str, ClassInfo]:
    """The labels the meta declares: :func:`cvat_classes`."""
    return cvat_classes(str(source))


def render_item(item: FormatItem, out: Path, options: WriteOptions) -> Dict[str, Any]:
    """:func:`render_cvat_item`: the image copied into ``out``, its shapes without their ids
    (``formats/registry.py``: ``convert --jobs`` runs it in its workers)."""
    return render_cvat_item(item, str(out))


def write_items(items: Iterable, out: Path, options: WriteOptions) -> Written:
    """:func:`items_to_cvat` of the rendered items (:func:`render_item`), the meta's labels
    ``options.classes`` first."""
    return items_to_cvat(
        items, str(out), classes=options.classes, where=str(options.final_out or out)
    )
