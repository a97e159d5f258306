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

- reading, shapes with the same group_id become labels bound under ``"<image name>:<group_id>"``
  (unique in a dataset; ``"7"`` and ``"7.0"`` are one group); CVAT groups may mix labels, and so
  may ours;
- writing, each binding group (``bindings.binding_groups``, keys compared as strings) gets a
  ``group_id`` unique in the file (1, 2, ... in the order groups first appear, image by image);
  unbound labels get none.

Geometries (x = column, y = row):

- ``box`` <-> ``sly.Rectangle``: CVAT's corners are pixel edges, so the rectangle of pixels
  left..right is ``xtl=left``, ``xbr=right + 1`` (likewise for y); a rotated box is skipped;
- ``polygon`` <-> ``sly.Polygon``: the outline, rounded to whole pixels; holes are dropped;
- ``mask`` <-> ``sly.Bitmap``: CVAT's run-length code of the mask's box (``left``, ``top``,
  ``width``, ``height``): run lengths, row by row, alternating and starting with a run of 0s.

Datasets are CVAT subsets (``subset`` attribute; an image without one is in ``default``).
Images live in ``images/<subset>/<name>`` (``images/<name>`` and ``<name>`` are also looked
for). Other shapes (polyline, points, ellipse, cuboid, skeleton, tag) are skipped with a warning;
attributes are not carried; class colours are.

Copy this file with ``bindings.py``; it needs only ``supervisely``, ``numpy`` and ``opencv``.
"""

from __future__ import annotations

import math
import os
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple, Type

import numpy as np
import numpy.typing as npt
import supervisely as sly

from bindings import binding_groups, binding_key_of

CVAT_VERSION = "1.1"
DEFAULT_SUBSET = "default"  # CVAT's name for images of no subset
CVAT_TYPES: Dict[str, Type[sly.Geometry]] = {
    "rectangle": sly.Rectangle,
    "polygon": sly.Polygon,
    "mask": sly.Bitmap,
}


class InvalidCvatError(ValueError):
    """A CVAT XML file that cannot be read; the message names the file and the field."""


class CvatWarning(UserWarning):
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
        b'<image id="0" name="a.jpg" subset="train" width="10" height="10"><box label="car" source="manual" occluded="0" xtl="2.00" ytl="1.00" xbr="5.00" ybr="4.00" z_order="0" group_id="5" /></image>'
    """
    groups, _ = binding_groups(ann)
    group_ids = {key: number for number, key in enumerate(groups, start=first_group_id)}
    height, width = ann.img_size
    attributes = {"id": str(image_id), "name": name, "subset": subset}
    image = ET.Element("image", {**attributes, "width": str(width), "height": str(height)})
    for label in ann.labels:
        shape = _shape_of(label, name)
        if shape is not None:
            key = binding_key_of(label)
            if key is not None:
                shape.set("group_id", str(group_ids[key]))
            image.append(shape)
    return image


def _shape_of(label: sly.Label, image_name: str) -> Optional[ET.Element]:
    """The CVAT element of ``label`` without its group_id, or None (warned) if CVAT has none."""
    geometry = label.geometry
    common = {"label": label.obj_class.name, "source": "manual", "occluded": "0"}
    if isinstance(geometry, sly.Rectangle):
        edges = (geometry.left, geometry.top, geometry.right + 1, geometry.bottom + 1)
        coordinates = dict(zip(("xtl", "ytl", "xbr", "ybr"), (f"{v:.2f}" for v in edges)))
        return ET.Element("box", {**common, **coordinates, "z_order": "0"})
    if isinstance(geometry, sly.Polygon):
        if geometry.interior:
            warnings.warn(
                f"{image_name}: a {label.obj_class.name} polygon has {len(geometry.interior)} "
                "hole(s): CVAT polygons have none, so only the outline is written",
                CvatWarning,
            )
        points = ";".join(f"{point.col:.2f},{point.row:.2f}" for point in geometry.exterior)
        return ET.Element("polygon", {**common, "points": points, "z_order": "0"})
    if isinstance(geometry, sly.Bitmap):
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


def cvat_image_to_annotation(image: ET.Element, source: str = "CVAT XML") -> sly.Annotation:
    """The annotation of one CVAT ``<image>`` element, with CVAT groups as bindings.

    Each label's class is named by the shape's ``label`` and has the shape's geometry type.
    Shapes with the same group_id (not 0) are bound under ``"<image name>:<group_id>"``.

    Raises:
        InvalidCvatError: an attribute is missing or malformed; the message names the file, the
            image and the attribute.

    Examples:
        >>> image = ET.fromstring('<image id="0" name="a.jpg" width="8" height="8">'
        ...     '<box label="car" xtl="0" ytl="0" xbr="2" ybr="2" group_id="7"/>'
        ...     '<mask label="car" rle="0, 1" left="5" top="5" width="1" height="1" group_id="7"/>'
        ...     '<polygon label="car" points="1,5;3,5;2,7" group_id="0"/></image>')
        >>> [label.binding_key for label in cvat_image_to_annotation(image).labels]
        ['a.jpg:7', 'a.jpg:7', None]
    """
    name = image.get("name")
    where = f"{source}: <image id={image.get('id')!r}>"
    if not name:
        raise InvalidCvatError(f"{where}: name: missing")
    where = f"{source}: <image name={name!r}>"
    height = _whole_number(image, "height", where, minimum=1)
    width = _whole_number(image, "width", where, minimum=1)
    labels = []
    for index, shape in enumerate(image):
        field = f"{where} <{shape.tag}> #{index + 1}"
        geometry = _geometry_of(shape, field)
        if geometry is None:
            continue
        class_name = shape.get("label")
        if not class_name:
            raise InvalidCvatError(f"{field}: label: missing")
        group_id = _whole_number(shape, "group_id", field, minimum=0, default=0)
        key = f"{name}:{group_id}" if group_id else None
        labels.append(
            sly.Label(geometry, sly.ObjClass(class_name, type(geometry)), binding_key=key)
        )
    return sly.Annotation((height, width), labels)


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
            f"{where}: {attribute}: must be a whole number of at least {minimum}, got {text!r}"
        )
    return int(value)


def _number(element: ET.Element, attribute: str, where: str) -> float:
    text = element.get(attribute)
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise InvalidCvatError(f"{where}: {attribute}: missing or not a number, got {text!r}")
    return value


def _geometry_of(shape: ET.Element, where: str) -> Optional[sly.Geometry]:
    """The Supervisely geometry of one shape element, or None (warned) for one not converted."""
    if shape.tag == "box":
        if "rotation" in shape.attrib and _number(shape, "rotation", where):
            warnings.warn(
                f"{where}: skipped, a rotated box has no Supervisely rectangle", CvatWarning
            )
            return None
        left, top, right, bottom = (
            round(_number(shape, a, where)) for a in ("xtl", "ytl", "xbr", "ybr")
        )
        # xbr/ybr are the far pixel edges; a box thinner than a pixel still covers one.
        return sly.Rectangle(top, left, max(top, bottom - 1), max(left, right - 1))
    if shape.tag == "polygon":
        points = _points(shape.get("points"), f"{where}: points")
        if len(points) < 3:
            raise InvalidCvatError(f"{where}: points: a polygon needs 3 points, got {len(points)}")
        return sly.Polygon([sly.PointLocation(y, x) for x, y in points])
    if shape.tag == "mask":
        left = _whole_number(shape, "left", where, minimum=0)
        top = _whole_number(shape, "top", where, minimum=0)
        width = _whole_number(shape, "width", where, minimum=1)
        height = _whole_number(shape, "height", where, minimum=1)
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


def _points(text: Optional[str], field: str) -> List[Tuple[int, int]]:
    """``"x,y;x,y"`` as whole pixels (rounded)."""
    try:
        pairs = [pair.split(",") for pair in (text or "").split(";")]
        return [(round(float(x)), round(float(y))) for x, y in pairs]
    except (ValueError, OverflowError):  # not numbers, or NaN or infinite
        raise InvalidCvatError(f"{field}: must be 'x,y;x,y;...' numbers, got {text!r}") from None


def project_to_cvat(project_dir: str, out_dir: str) -> None:
    """Write a Supervisely project as CVAT for images 1.1: ``annotations.xml`` and ``images/``.

    Each dataset is a subset; its images go to ``images/<dataset>/``. ``out_dir`` is created
    and must not exist yet. Warns as :func:`annotation_to_cvat_image` does.

    Raises:
        FileExistsError: ``out_dir`` exists.

    Examples:
        >>> project_to_cvat("output/tutorial-bindings", "output/cvat")  # doctest: +SKIP
    """
    project = sly.Project(project_dir, sly.OpenMode.READ)
    os.makedirs(out_dir)
    root = ET.Element("annotations")
    ET.SubElement(root, "version").text = CVAT_VERSION
    meta = ET.SubElement(ET.SubElement(root, "meta"), "project")
    ET.SubElement(meta, "name").text = project.name
    labels = ET.SubElement(meta, "labels")
    cvat_types = {geometry: name for name, geometry in CVAT_TYPES.items()}
    for obj_class in project.meta.obj_classes:
        label = ET.SubElement(labels, "label")
        ET.SubElement(label, "name").text = obj_class.name
        ET.SubElement(label, "color").text = sly.color.rgb2hex(obj_class.color)
        ET.SubElement(label, "type").text = cvat_types.get(obj_class.geometry_type, "any")
        ET.SubElement(label, "attributes")
    image_id, first_group_id = 0, 1
    for dataset in sorted(project.datasets, key=lambda dataset: dataset.name):
        os.makedirs(os.path.join(out_dir, "images", dataset.name))
        for item_name in sorted(dataset.get_items_names()):
            ann = dataset.get_ann(item_name, project.meta)
            root.append(
                annotation_to_cvat_image(ann, image_id, item_name, dataset.name, first_group_id)
            )
            image_path = os.path.join(out_dir, "images", dataset.name, item_name)
            sly.fs.copy_file(dataset.get_img_path(item_name), image_path)
            image_id += 1
            first_group_id += len(binding_groups(ann).groups)
    ET.indent(root)
    ET.ElementTree(root).write(
        os.path.join(out_dir, "annotations.xml"), encoding="utf-8", xml_declaration=True
    )


def cvat_to_project(cvat_dir: str, project_dir: str) -> None:
    """Read ``cvat_dir/annotations.xml`` and its images into a new Supervisely project.

    Each subset becomes a dataset. A class gets the geometry type of its shapes (``AnyGeometry``
    when they mix types; a label with no shape: the ``<type>`` the meta declares) and the
    ``<color>`` the meta gives.

    Raises:
        InvalidCvatError: the XML is malformed or an image file is missing; the message names it.
        RuntimeError: ``project_dir`` exists and is not empty (from ``sly.Project``).

    Examples:
        >>> cvat_to_project("output/cvat", "output/from-cvat")  # doctest: +SKIP
    """
    xml_path = Path(cvat_dir, "annotations.xml")
    if not xml_path.is_file():
        raise InvalidCvatError(f"{xml_path}: does not exist: export CVAT for images 1.1 there")
    try:
        root = ET.parse(xml_path).getroot()
    except ET.ParseError as error:
        raise InvalidCvatError(f"{xml_path}: not well-formed XML ({error})") from None
    if root.tag != "annotations":
        raise InvalidCvatError(f"{xml_path}: <{root.tag}>: the root must be <annotations>")
    project = sly.Project(project_dir, sly.OpenMode.CREATE)
    geometry_types: Dict[str, Set[Type[sly.Geometry]]] = {}
    declared_types: Dict[str, Type[sly.Geometry]] = {}
    colors: Dict[str, List[int]] = {}
    for label in root.iterfind("./meta/*/labels/label"):
        name, color = label.findtext("name"), label.findtext("color")
        if not name:
            raise InvalidCvatError(f"{xml_path}: <meta> <label>: name: missing")
        declared_types[name] = CVAT_TYPES.get(label.findtext("type") or "", sly.AnyGeometry)
        if color:
            colors[name] = _rgb(color, f"{xml_path}: <meta> <label> {name!r}: color")
    datasets: Dict[str, sly.Dataset] = {}
    for image in root.iterfind("image"):
        ann = cvat_image_to_annotation(image, str(xml_path))
        subset = image.get("subset") or DEFAULT_SUBSET
        if subset not in datasets:
            datasets[subset] = project.create_dataset(subset)
        _add_item(datasets[subset], Path(cvat_dir), image.get("name"), subset, ann, xml_path)
        for label in ann.labels:
            geometry_types.setdefault(label.obj_class.name, set()).add(type(label.geometry))
    classes = []
    for name in dict.fromkeys([*declared_types, *geometry_types]):
        types = geometry_types.get(name) or {declared_types[name]}
        geometry_type = types.pop() if len(types) == 1 else sly.AnyGeometry
        classes.append(sly.ObjClass(name, geometry_type, color=colors.get(name)))
    project.set_meta(sly.ProjectMeta(obj_classes=classes))


def _rgb(color: str, field: str) -> List[int]:
    """``#rrggbb`` as ``[r, g, b]``."""
    digits = color.strip().lstrip("#")
    try:
        if len(digits) != 6:
            raise ValueError
        return [int(digits[i : i + 2], 16) for i in (0, 2, 4)]
    except ValueError:
        raise InvalidCvatError(f"{field}: must be #rrggbb, got {color!r}") from None


def _add_item(
    dataset: sly.Dataset, cvat_dir: Path, name: str, subset: str, ann: sly.Annotation, xml: Path
):
    """Add the image ``name`` of ``subset`` to ``dataset`` with ``ann``."""
    candidates = [cvat_dir / "images" / subset / name, cvat_dir / "images" / name, cvat_dir / name]
    image_path = next((path for path in candidates if path.is_file()), None)
    where = f"{xml}: <image name={name!r}>: name"
    if image_path is None:
        raise InvalidCvatError(f"{where}: no file {candidates[0]}: export the images with it")
    item_name = os.path.basename(name)
    if not sly.image.has_valid_ext(item_name) or dataset.item_exists(item_name):
        raise InvalidCvatError(f"{where}: not an image name Supervisely accepts, or used twice")
    try:
        dataset.add_item_file(item_name, str(image_path), ann=ann)
    except (sly.image.UnsupportedImageFormat, sly.image.ImageReadException):
        raise InvalidCvatError(f"{where}: {image_path} is not an image Supervisely can read")
