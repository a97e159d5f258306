"""Read COCO instances into Supervisely annotations: an instance of several parts becomes a group.

A COCO instance is one object. When its segmentation has several parts, the parts become
labels bound under one key, ``"<image name>:<instance id>"``; an instance of one part is one
unbound label. This reads standard COCO and what ``coco_export.py`` writes (one instance per
binding group):

- a polygon list ``[[x1, y1, x2, y2, ...], ...]``: one ``sly.Polygon`` per polygon, points
  rounded to whole pixels (x = column, y = row, not shifted, as ``coco_export`` writes them).
  A polygon of exactly the four corners ``[left, top, right, top, right, bottom, left, bottom]``
  is how ``coco_export`` writes a rectangle, and is read back as that ``sly.Rectangle``;
- an RLE, compressed (``counts`` a string) or not (``counts`` a list), with ``size`` the
  image's ``[height, width]``: its mask's connected blobs (8-connectivity,
  ``group_split.split_label``) become one ``sly.Bitmap`` each. A crowd (``iscrowd: 1``) stays
  one unbound Bitmap: it is many objects, not one in parts;
- no segmentation (``[]``, a detection dataset): the ``bbox`` ``[x, y, width, height]`` as a
  ``sly.Rectangle`` of the pixels it covers.

So a round trip through ``coco_export`` keeps every label and every group exactly when each
Bitmap label is one blob and the Bitmap parts of a group do not touch (a merged RLE cannot tell
touching parts apart); a group of polygons and rectangles always comes back exactly, a group
mixing masks and polygons comes back as masks.

Classes are the categories, in their order: a class has the geometry type of its labels
(``sly.AnyGeometry`` when they mix types, or when the category has no instance). Each image
is an item of a dataset: the first folder of ``file_name`` when it has one (``coco_export``
writes ``<dataset>/img/<image>``), else the name of the JSON file without its extension.

Copy this file with ``group_split.py`` and ``bindings.py``; besides ``supervisely``, ``numpy``
and ``opencv`` it needs ``pycocotools``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path, PurePosixPath
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple, Type

import numpy as np
import supervisely as sly
from pycocotools import mask as mask_utils

from bindings import with_binding_key
from group_split import split_label


class InvalidCocoError(ValueError):
    """A COCO file that cannot be read; the message names the file and the field."""


def coco_to_annotation(
    image: Mapping[str, Any],
    instances: List[Mapping[str, Any]],
    category_names: Mapping[int, str],
    source: str = "COCO JSON",
) -> sly.Annotation:
    """The annotation of one COCO image from its instances, multi-part instances as groups.

    Args:
        image: the COCO image (``file_name``, ``height``, ``width``).
        instances: the COCO annotations of that image, in order.
        category_names: the class name of each category id.
        source: the file's name, used in messages.

    Raises:
        InvalidCocoError: a field is missing or malformed; the message names file and field.

    Examples:
        >>> image = {"id": 1, "file_name": "a.jpg", "height": 8, "width": 8}
        >>> instances = [
        ...     {"id": 5, "category_id": 1, "segmentation": [[0, 0, 2, 0, 1, 2], [5, 5, 7, 5, 6, 7]]},
        ...     {"id": 6, "category_id": 1, "segmentation": [[0, 4, 3, 4, 3, 6, 0, 6]]}]
        >>> ann = coco_to_annotation(image, instances, {1: "car"})
        >>> [(label.geometry.geometry_name(), label.binding_key) for label in ann.labels]
        [('polygon', 'a.jpg:5'), ('polygon', 'a.jpg:5'), ('rectangle', None)]
    """
    where = f"{source}: image {image.get('id')!r}"
    height, width = (_whole_number(image, side, where, minimum=1) for side in ("height", "width"))
    image_name = PurePosixPath(str(image.get("file_name"))).name
    labels: List[sly.Label] = []
    for instance in instances:
        field = f"{source}: annotation {instance.get('id')!r}"
        category_id = instance.get("category_id")
        if category_id not in category_names:
            raise InvalidCocoError(f"{field}: category_id: {category_id!r} is no category's id")
        name = category_names[category_id]
        parts = _geometries(instance, (height, width), field)
        parts_labels = [
            sly.Label(geometry, sly.ObjClass(name, type(geometry))) for geometry in parts
        ]
        if (
            len(parts_labels) == 1
            and isinstance(parts[0], sly.Bitmap)
            and not instance.get("iscrowd")
        ):
            parts_labels = split_label(parts_labels[0])  # one blob: the label itself, unbound
        if len(parts_labels) > 1:
            key = f"{image_name}:{instance.get('id')}"
            parts_labels = [with_binding_key(label, key) for label in parts_labels]
        labels.extend(parts_labels)
    return sly.Annotation((height, width), labels)


def _geometries(
    instance: Mapping[str, Any], image_size: Tuple[int, int], field: str
) -> List[sly.Geometry]:
    """The geometries of one instance's segmentation (or of its bbox when it has none)."""
    segmentation = instance.get("segmentation")
    if isinstance(segmentation, list) and segmentation:
        return [_polygon(p, f"{field}: segmentation[{i}]") for i, p in enumerate(segmentation)]
    if isinstance(segmentation, dict):
        return [_rle_bitmap(segmentation, image_size, f"{field}: segmentation")]
    if segmentation in (None, []):
        return [_bbox_rectangle(instance.get("bbox"), f"{field}: bbox")]
    raise InvalidCocoError(f"{field}: segmentation: must be a polygon list, an RLE or []")


def _polygon(values: Any, field: str) -> sly.Geometry:
    if (
        not isinstance(values, list)
        or len(values) < 6
        or len(values) % 2
        or not all(_is_number(v) for v in values)
    ):
        raise InvalidCocoError(f"{field}: a polygon must be [x1, y1, x2, y2, x3, y3, ...] numbers")
    xs = [round(v) for v in values[::2]]
    ys = [round(v) for v in values[1::2]]
    left, top, right, bottom = xs[0], ys[0], xs[1], ys[2]
    if len(xs) == 4 and xs == [left, right, right, left] and ys == [top, top, bottom, bottom]:
        if left <= right and top <= bottom:
            return sly.Rectangle(top, left, bottom, right)
    return sly.Polygon([sly.PointLocation(y, x) for x, y in zip(xs, ys)])


def _rle_bitmap(rle: Mapping[str, Any], image_size: Tuple[int, int], field: str) -> sly.Bitmap:
    size, counts = rle.get("size"), rle.get("counts")
    if list(size or []) != list(image_size):
        raise InvalidCocoError(
            f"{field}.size: {size!r} is not the image's [height, width] {list(image_size)}"
        )
    try:
        if isinstance(counts, list):
            # pycocotools reads past runs that do not add up to the image instead of refusing.
            if sum(counts) != size[0] * size[1] or any(count < 0 for count in counts):
                raise ValueError
            encoded = mask_utils.frPyObjects({"size": list(size), "counts": counts}, *size)
        elif isinstance(counts, str):
            encoded = {"size": list(size), "counts": counts.encode("ascii")}
        else:
            raise ValueError
        mask = mask_utils.decode(encoded).astype(bool)
    except (ValueError, TypeError, UnicodeEncodeError):
        raise InvalidCocoError(
            f"{field}.counts: not an RLE of {size[1]}x{size[0]} pixels (a list of run lengths "
            "or a compressed string)"
        ) from None
    if not mask.any():
        raise InvalidCocoError(f"{field}: the mask has no pixel set: drop the instance")
    return sly.Bitmap(mask)


def _bbox_rectangle(bbox: Any, field: str) -> sly.Rectangle:
    if (
        not isinstance(bbox, list)
        or len(bbox) != 4
        or not all(_is_number(v) for v in bbox)
        or bbox[2] <= 0
        or bbox[3] <= 0
    ):
        raise InvalidCocoError(
            f"{field}: with no segmentation, bbox must be [x, y, width, height], width and height "
            "above 0"
        )
    x, y, width, height = bbox
    left, top = round(x), round(y)
    # The box covers pixels left .. x + width (its far edge); a box under a pixel still has one.
    return sly.Rectangle(
        top, left, max(top, round(y + height) - 1), max(left, round(x + width) - 1)
    )


def _whole_number(data: Mapping[str, Any], field: str, where: str, minimum: int) -> int:
    value = data.get(field)
    if not _is_number(value) or value != int(value):
        raise InvalidCocoError(f"{where}: {field}: missing or not a whole number, got {value!r}")
    if value < minimum:
        raise InvalidCocoError(f"{where}: {field}: must be at least {minimum}, got {value!r}")
    return int(value)


def _is_number(value: Any) -> bool:
    """A finite JSON number (Python's json reads NaN and Infinity too)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def coco_to_project(coco_path: str, project_dir: str, images_dir: Optional[str] = None) -> None:
    """Read a COCO instances file and its images into a new Supervisely project at ``project_dir``.

    An image is looked for at ``images_dir/<file_name>``, then ``images_dir/images/<file_name>``
    (``images_dir`` defaults to the JSON file's folder).

    Raises:
        InvalidCocoError: the JSON is malformed or an image is missing; the message names the
            file and the field.
        RuntimeError: ``project_dir`` exists and is not empty (from ``sly.Project``).

    Examples:
        >>> coco_to_project("output/coco/annotations.json", "output/from-coco")  # doctest: +SKIP
    """
    coco = _load(Path(coco_path))
    images_root = Path(images_dir) if images_dir is not None else Path(coco_path).parent
    category_names = _category_names(coco, coco_path)
    instances: Dict[Any, List[Mapping[str, Any]]] = {}
    for index, instance in enumerate(coco["annotations"]):
        if not isinstance(instance, dict) or "id" not in instance:
            raise InvalidCocoError(f"{coco_path}: annotations[{index}]: not an object with an id")
        instances.setdefault(instance.get("image_id"), []).append(instance)
    image_ids = {image.get("id") for image in coco["images"] if isinstance(image, dict)}
    for image_id, orphans in instances.items():
        if image_id not in image_ids:
            raise InvalidCocoError(
                f"{coco_path}: annotation {orphans[0]['id']!r}: image_id: {image_id!r} is no "
                "image's id"
            )

    project = sly.Project(project_dir, sly.OpenMode.CREATE)
    geometry_types: Dict[str, Set[Type[sly.Geometry]]] = {
        name: set() for name in category_names.values()
    }
    datasets: Dict[str, sly.Dataset] = {}
    for index, image in enumerate(coco["images"]):
        if not isinstance(image, dict) or not isinstance(image.get("file_name"), str):
            raise InvalidCocoError(f"{coco_path}: images[{index}]: file_name: missing")
        ann = coco_to_annotation(image, instances.get(image["id"], []), category_names, coco_path)
        file_name = PurePosixPath(image["file_name"])
        dataset_name = file_name.parts[0] if len(file_name.parts) > 1 else Path(coco_path).stem
        if dataset_name not in datasets:
            datasets[dataset_name] = project.create_dataset(dataset_name)
        _add_item(
            datasets[dataset_name],
            images_root,
            file_name,
            ann,
            f"{coco_path}: image {image['id']!r}",
        )
        for label in ann.labels:
            geometry_types[label.obj_class.name].add(type(label.geometry))
    classes = [
        sly.ObjClass(name, types.pop() if len(types) == 1 else sly.AnyGeometry)
        for name, types in geometry_types.items()
    ]
    project.set_meta(sly.ProjectMeta(obj_classes=classes))


def _load(coco_path: Path) -> Dict[str, Any]:
    if not coco_path.is_file():
        raise InvalidCocoError(f"{coco_path}: does not exist: pass a COCO instances JSON file")
    try:
        coco = json.loads(coco_path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidCocoError(f"{coco_path}: not valid JSON ({error})") from None
    if not isinstance(coco, dict):
        raise InvalidCocoError(f"{coco_path}: not a COCO file (a JSON object with images)")
    for field in ("images", "annotations", "categories"):
        if not isinstance(coco.get(field), list):
            raise InvalidCocoError(f"{coco_path}: {field}: missing or not a list")
    return coco


def _category_names(coco: Dict[str, Any], coco_path: str) -> Dict[int, str]:
    names: Dict[int, str] = {}
    for index, category in enumerate(coco["categories"]):
        name = category.get("name") if isinstance(category, dict) else None
        if not isinstance(name, str) or not name or "id" not in category:
            raise InvalidCocoError(f"{coco_path}: categories[{index}]: needs an id and a name")
        if name in names.values():
            raise InvalidCocoError(f"{coco_path}: categories[{index}]: name {name!r} is repeated")
        names[category["id"]] = name
    return names


def _add_item(
    dataset: sly.Dataset,
    images_root: Path,
    file_name: PurePosixPath,
    ann: sly.Annotation,
    where: str,
) -> None:
    candidates = [images_root / file_name, images_root / "images" / file_name]
    image_path = next((path for path in candidates if path.is_file()), None)
    if image_path is None:
        raise InvalidCocoError(f"{where}: file_name: no file {candidates[0]}: put the images there")
    if not sly.image.has_valid_ext(file_name.name) or dataset.item_exists(file_name.name):
        raise InvalidCocoError(
            f"{where}: file_name: {file_name.name!r} is not an image name Supervisely accepts, "
            "or is used twice in the dataset"
        )
    try:
        dataset.add_item_file(file_name.name, str(image_path), ann=ann)
    except (sly.image.UnsupportedImageFormat, sly.image.ImageReadException):
        raise InvalidCocoError(f"{where}: file_name: {image_path} is not an image") from None
