"""Export a local Supervisely project to COCO instances: a group's object and each of its parts.

A binding group is an object, its companions and its parts (``groups/roles.py``,
``decompose_group``): the object (the leading class's fragments, its companion box and keypoints)
is one COCO instance, each part (a member of another class) an instance of its own category,
linked to the object by ``"attributes": {"group_id": <the object's instance id>}`` on every
instance of the group (:data:`GROUP_ID_ATTRIBUTE`: Datumaro's COCO reader keeps ``attributes``
as they are, pycocotools ignores them, ``formats/coco.py`` binds them back into one group). Each
unbound label is an instance of its own. ``merge_groups=True`` (``convert --merge-groups``)
writes one instance of the leading class per group instead, with a :class:`CocoExportWarning`
naming the classes it does not keep. (The SDK's exporter,
``sly.Project.to_coco``, writes each Bitmap of a group as a separate instance, joins only the
polygons of a group, and refuses a group of keypoints and polygons.)

From the command line (one line and exit code 2 when the project cannot be exported)::

    .venv/bin/sly-bindings convert supervisely coco output/tutorial-bindings output/coco

writes, with :func:`write_coco_layout`, the layout CVAT, Datumaro and MMDetection read:
``output/coco/annotations/instances_<dataset>.json`` and ``output/coco/images/<dataset>/``.
:func:`write_coco` writes one JSON file of the whole project instead.

Copy this file together with ``groups/merge.py``, ``groups/roles.py``, ``bindings.py``, ``files/atomic.py``,
``files/project_folder.py``, ``files/write_checks.py`` and ``formats/progress.py`` (opening the
project, atomic writing, a progress bar). Besides ``supervisely``, ``numpy`` and ``opencv`` it needs ``pycocotools``.

Output format (what :func:`project_to_coco` returns and :func:`write_coco` writes as JSON)::

    {
      "info": {"description": "Supervisely project <name>: one instance per binding group"},
      "images": [{"id": 1, "file_name": "dataset-01/img/image.jpg", "height": 720, "width": 1280}],
      "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
                       "segmentation": ..., "area": 5321, "bbox": [x, y, width, height]}],
      "categories": [{"id": 1, "name": "car", "supercategory": "car"}]
    }

A keypoints instance adds ``"keypoints": [x1, y1, v1, ...], "num_keypoints": n``, and its
category ``"keypoints": [names], "skeleton": [[1, 2], ...]``.

- ``categories``: every class of the project meta, in its order, with ids 1, 2, ... (the ids the
  SDK's exporter gives); ``supercategory`` is the class name. A companion class no instance
  uses (``<name>_bbox`` or ``<name>_keypoints`` beside ``<name>``, whose labels all became
  the bbox or keypoints of their objects), and a class of lines or points (with a warning), are
  left out; the others keep their ids, whatever classes a dataset uses.
- ``images``: every item of every dataset, datasets and items sorted by name, ids 1, 2, ...;
  ``file_name`` is the image's path relative to the project folder, with ``/`` (in
  :func:`write_coco_layout`, its path in ``images/<dataset>/``); height and
  width come from the annotation.
- ``annotations``: per image, one instance per object in the order of its first label in the
  annotation (``bindings.annotation_objects``), each group's parts right after its object; ids 1, 2, ... across the file; ``iscrowd`` is
  1 for an object with a label tagged ``iscrowd`` (:data:`ISCROWD_TAG`, as the COCO reader
  reads a crowd), written as an RLE, else 0.
- ``category_id``: the object's class, the group's leader (``roles.group_class``: the class of
  its largest mask or polygon; a ``car_bbox`` box never leads a ``car``); a part's own class.
- ``segmentation``, of the object's mask members (``GroupDecomposition.mask_members``: its masks
  and polygons; its boxes when it has neither these nor keypoints), by what they are:
    - only polygons without holes and rectangles: a polygon list, one list per label,
      ``[x1, y1, x2, y2, ...]`` with x the column and y the row of each Supervisely point, as
      floats and not shifted (as the SDK writes and reads them). A rectangle is its four corners
      ``[left, top, right, top, right, bottom, left, bottom]``, and the instance's
      ``sly_rectangles`` (:data:`RECTANGLES_FIELD`) lists the positions of those parts, so the
      reader reads them back as rectangles while a polygon of another tool's file stays a
      polygon whatever its corners (pycocotools and Datumaro ignore the field);
    - anything with a Bitmap, a polygon with holes (a COCO polygon cannot hold one), or a crowd: one
      compressed RLE of the union of the labels, ``{"size": [height, width], "counts": str}``
      (``pycocotools.mask.encode``, counts decoded as ASCII). ``pycocotools.mask.decode`` gives
      back exactly the union as ``groups.merge.group_mask`` draws it (the Supervisely rule: a
      rectangle from column 2 to 5 is 4 pixels wide).
- ``area`` and ``bbox`` agree with the ``segmentation`` written, as pycocotools reads it:
  ``mask.area`` (an int) and ``mask.toBbox`` (floats) of the encoded segmentation (the RLE
  itself, or ``mask.merge(mask.frPyObjects(polygons, h, w))``, as ``COCO.annToRLE``). So a
  polygon's area is the pixels whose centres it covers (a Rectangle (5,5)-(14,14), the polygon
  ``[5, 5, 14, 5, 14, 14, 5, 14]``, has bbox ``[5, 5, 9, 9]`` and area 81), and a mask's bbox
  spans its pixels (``w`` and ``h`` count columns and rows). This is the SDK's bbox convention
  (``convert/image/coco/coco_helper.py``): ``[x, y, w, h]`` is the Rectangle ``top = y,
  left = x, bottom = y + h, right = x + w`` and back. One exception, the group semantics
  (``GroupDecomposition.bbox``): when the leader has exactly one box of its own (a Rectangle of class
  ``<leader>`` or ``<leader>_bbox``), that box is the bbox, so a ``car_bbox`` imported from
  ``[10, 50, 80, 30]`` is written back as ``[10, 50, 80, 30]``. Keypoints without a mask:
  ``segmentation`` is ``[]``, ``bbox`` the group's box and ``area`` its ``w * h``.
- ``keypoints`` and ``num_keypoints``, for a group with a GraphNodes member
  (:func:`coco_keypoints`; ``num_keypoints`` counts those with ``v > 0``), and the category's
  ``keypoints`` names and ``skeleton`` from that class's template
  (:func:`coco_keypoint_category`). A group with two keypoints labels is refused.
- Nothing lies outside the image: ``sly.Annotation`` crops its labels to the image when it is
  made (a label entirely outside is dropped then).
- A group's points and polylines are left out; an object or part that is one (an unbound
  point, a line) is left out with a warning naming the image, and a class of lines or points
  that no instance uses is left out of the categories with one warning.
"""

from __future__ import annotations

import itertools
import json
import os
import warnings
from pathlib import Path
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
    Sequence,
    Set,
    Tuple,
)

import cv2
import numpy as np
import numpy.typing as npt
import supervisely as sly
from pycocotools import mask as mask_utils
from supervisely.geometry.geometry import Geometry

from bindings import annotation_objects, binding_key_of
from sly_bindings.files.atomic import write_chunks_atomically, write_json_atomically
from sly_bindings.files.project_folder import open_project, read_annotation
from sly_bindings.files.write_checks import cannot_create_in, nearest_existing
from sly_bindings.formats.boxes import object_box
from sly_bindings.formats.items import (
    rendered,
    FormatItem,
    FormatWarning,
    ImageNames,
    InvalidFormatError,
    SeenClass,
    classes_left_out,
    copy_image,
    copy_image_in_place,
    left_out_message,
)
from sly_bindings.formats import construct
from sly_bindings.formats.progress import progress
from sly_bindings.formats.written import Written, image_account, total
from sly_bindings.groups.merge import group_mask
from sly_bindings.groups.roles import (
    BBOX_SUFFIX,
    KEYPOINTS_SUFFIX,
    GroupDecomposition,
    decompose_group,
    describe_group,
    is_companion_class,
    written_name,
)

# The geometries a COCO instance holds (as a mask, a polygon, a box, keypoints).
COCO_GEOMETRIES = (sly.Bitmap, sly.Polygon, sly.Rectangle, sly.GraphNodes)
# The link of a part to its object: ``"attributes": {"group_id": <the object's instance id>}`` on
# every instance of a group with parts. Datumaro's COCO reader keeps an annotation's
# ``attributes`` dict as it is (``plugins/data_formats/coco/base.py``, ``_load_annotations``) and
# CVAT's COCO export writes ``attributes`` too; pycocotools ignores fields it does not use.
GROUP_ID_ATTRIBUTE = "group_id"

# A crowd region: the tag the COCO reader puts on the labels of an ``iscrowd: 1`` instance
# (``formats.coco.ISCROWD_TAG``); an object with it is written back with ``iscrowd: 1``.
ISCROWD_TAG = "iscrowd"
# The positions of the segmentation's parts that are our rectangles (``formats.coco`` reads
# them back as rectangles; a polygon in any other file stays a polygon).
RECTANGLES_FIELD = "sly_rectangles"
# MMDetection's ignored instance: the tag the COCO reader puts on the labels of ``ignore: 1``
# (``formats.coco.IGNORE_TAG``); an object with it is written back with ``ignore: 1``.
IGNORE_TAG = "ignore"


class CocoExportWarning(FormatWarning):
    """Something of a group that COCO cannot hold (a part that is a point or a line, the classes
    a merged group does not keep); the message names the image and the group."""


class CocoExportError(InvalidFormatError):
    """A project that cannot be exported, or a place it cannot be written to; the message names
    the image, the project or the path, and the fix."""


# What the command line reports in one line, exit code 2: the message says what to fix.


def annotation_to_coco(
    ann: sly.Annotation,
    image_id: int,
    category_ids: Mapping[str, int],
    first_id: int = 1,
    primary_classes: Optional[Sequence[str]] = None,
    merge_groups: bool = False,
) -> List[Dict[str, Any]]:
    """The COCO instances of one annotation: one per object and one per part of a group, one per
    unbound label (``roles.decompose_group``).

    Args:
        ann: the image's annotation.
        image_id: the COCO id of the image.
        category_ids: COCO category id of each class name.
        first_id: the id of the first instance; the next ones count up from it.
        primary_classes: class names that lead a group when it holds one of them
            (``roles.group_class``); None for the rule by area.
        merge_groups: True for one instance of the leading class per group (CVAT's and
            Datumaro's meaning), with a warning naming the classes it does not keep.

    Returns:
        COCO annotation dicts in the format of the module's docstring, JSON-serialisable.

    Raises:
        ValueError: ``first_id`` is below 1, a group's class has no category id, or a group
            has two keypoints labels.
        TypeError: an object has no mask, polygon, box or keypoints (a lone point, say).

    Examples:
        >>> car = sly.ObjClass("car", sly.Bitmap)
        >>> part = np.ones((1, 2), bool)
        >>> ann = sly.Annotation((3, 4), [
        ...     sly.Label(sly.Bitmap(part, sly.PointLocation(0, 0)), car, binding_key="a"),
        ...     sly.Label(sly.Bitmap(part, sly.PointLocation(2, 2)), car, binding_key="a")])
        >>> [instance] = annotation_to_coco(ann, image_id=1, category_ids={"car": 1})
        >>> instance["area"], instance["bbox"], instance["segmentation"]["size"]
        (4, [0.0, 0.0, 4.0, 3.0], [3, 4])
        >>> mask_utils.decode(instance["segmentation"])
        array([[1, 1, 0, 0],
               [0, 0, 0, 0],
               [0, 0, 1, 1]], dtype=uint8)
        >>> box = sly.ObjClass("sign", sly.Rectangle)
        >>> ann = sly.Annotation((9, 9), [sly.Label(sly.Rectangle(1, 2, 3, 5), box)])
        >>> [instance] = annotation_to_coco(ann, image_id=1, category_ids={"sign": 2}, first_id=7)
        >>> instance["id"], instance["segmentation"], instance["bbox"], instance["area"]
        (7, [[2.0, 1.0, 5.0, 1.0, 5.0, 3.0, 2.0, 3.0]], [2.0, 1.0, 3.0, 2.0], 6)
        >>> instance["sly_rectangles"]
        [0]
    """
    found, _ = _instances(ann, image_id, category_ids, first_id, primary_classes, "", merge_groups)
    return [instance for instance, _, _ in found]


def _instances(
    ann: sly.Annotation,
    image_id: int,
    category_ids: Mapping[str, int],
    first_id: int,
    primary_classes: Optional[Sequence[str]] = None,
    where: str = "",
    merge_groups: bool = False,
) -> Tuple[List[Tuple[Dict[str, Any], Optional[sly.ObjClass], str]], int]:
    """The instances of ``ann`` with the keypoints class of each (None without keypoints) and
    the class that leads its object (``face_keypoints``, which may be written as a ``face``:
    ``roles.written_name``), and the number of labels of ``ann`` that no instance holds (left
    out, warned); ``where`` names the image in warnings."""
    if not isinstance(first_id, (int, np.integer)) or isinstance(first_id, bool) or first_id < 1:
        raise ValueError(f"first_id must be a whole number from 1, got {first_id!r}")
    instances: List[Tuple[Dict[str, Any], Optional[sly.ObjClass], str]] = []
    held = 0  # the labels an instance holds: its mask members, its boxes and keypoints
    image_size = ann.img_size  # a deep copy each time it is asked
    for labels in annotation_objects(ann):
        group = decompose_group(labels, primary_classes, merge_groups)
        name = _object_name(labels)
        if group.merged_classes:
            leader = group.object_class.name
            lost = group.merged_classes
            warnings.warn(
                f"{where + ': ' if where else ''}{name} ({describe_group(labels, primary_classes)}) "
                f"is one {leader} instance (--merge-groups): so "
                f"{', '.join(lost)} {'is' if len(lost) == 1 else 'are'} not kept (--primary-class "
                "chooses the class)",
                CocoExportWarning,
            )
        written = []
        for one in group.objects():
            if not _coco_can_hold(one):
                warnings.warn(
                    f"{where + ': ' if where else ''}{name}: a {one.object_class.name} "
                    f"{one.fragments[0].geometry.geometry_name()} left out: a COCO instance "
                    "needs a mask, a polygon, a box or keypoints",
                    CocoExportWarning,
                )
                continue
            held += len({id(label) for label in one.mask_members + one.boxes + one.keypoints})
            instance, keypoint_class = _instance(
                one,
                name,
                image_size,
                first_id + len(instances) + len(written),
                image_id,
                category_ids,
            )
            written.append((instance, keypoint_class, one.object_class.name))
        if len(written) > 1:  # the parts' link to their object: the object's instance id
            for instance, _, _ in written:
                instance["attributes"] = {GROUP_ID_ATTRIBUTE: written[0][0]["id"]}
        instances.extend(written)
    return instances, len(ann.labels) - held


def _drop_classes_without_instances(
    cocos: Sequence[Dict[str, Any]], classes: Iterable[sly.ObjClass], where: str
) -> None:
    """Leave out of the categories of ``cocos`` (changed in place: the dicts being built; they
    may share one list) each class no instance uses that can hold none: a companion class (a
    ``<name>_bbox`` or ``<name>_keypoints`` class beside ``<name>`` whose labels all became the
    bbox or keypoints of their objects), and, with one warning naming ``where``, a class of
    lines or points (``classes``: the classes listed, ``sly.ObjClass``). Ids stay as they are,
    so they do not depend on the classes one dataset uses."""
    used = {_category_of(instance) for coco in cocos for instance in coco["annotations"]}
    cannot_hold = set(classes_left_out(classes, COCO_GEOMETRIES))
    for categories in {id(coco["categories"]): coco["categories"] for coco in cocos}.values():
        names = {category["name"] for category in categories}
        unused = [category["name"] for category in categories if category["id"] not in used]
        left_out = {name for name in unused if name in cannot_hold}
        left_out |= {name for name in unused if is_companion_class(name, names)}
        categories[:] = [category for category in categories if category["name"] not in left_out]
        if left_out & cannot_hold:
            warnings.warn(
                left_out_message(
                    where,
                    left_out & cannot_hold,
                    "the categories",
                    "a COCO instance needs a mask, a polygon, a box or keypoints",
                ),
                CocoExportWarning,
            )


def _category_of(instance: Any) -> int:
    """The category id of an instance, a dict or a :class:`HeldInstance`."""
    if isinstance(instance, HeldInstance):
        return instance.category_id
    return instance["category_id"]


def _object_name(labels: Sequence[sly.Label]) -> str:
    """``group 'k'`` or ``label of class 'car'``: an object in messages."""
    key = binding_key_of(labels[0])
    return f"group {key!r}" if key is not None else f"label of class {labels[0].obj_class.name!r}"


def _coco_can_hold(one: GroupDecomposition) -> bool:
    """A COCO instance holds a mask, a polygon, a box or keypoints (not a point or a line)."""
    return bool(one.mask_members or one.keypoints)


def project_to_coco(
    project_dir: str,
    primary_classes: Optional[Sequence[str]] = None,
    merge_groups: bool = False,
) -> Dict[str, Any]:
    """The COCO instances dict of the local Supervisely project in ``project_dir``.

    Raises:
        ProjectFolderError: ``project_dir`` is not a readable Supervisely project
            (no meta.json, an image without its annotation file, no image), or an annotation
            file is not UTF-8 JSON of this project (a class missing from meta.json, say); the
            message names the folder or file.
        CocoExportError: an image has an object that cannot be exported (see
            :func:`annotation_to_coco`); the message starts with the image.

    Examples:
        >>> import tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> project = sly.Project(folder.name + "/cars", sly.OpenMode.CREATE)
        >>> project.set_meta(sly.ProjectMeta([car]))
        >>> ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 1), car)])
        >>> image = np.zeros((4, 4, 3), np.uint8)
        >>> project.create_dataset("ds").add_item_np("a.png", image, ann=ann)
        >>> coco = project_to_coco(project.directory)
        >>> coco["images"]
        [{'id': 1, 'file_name': 'ds/img/a.png', 'height': 4, 'width': 4}]
        >>> coco["categories"]
        [{'id': 1, 'name': 'car', 'supercategory': 'car'}]
        >>> [(instance["area"], instance["segmentation"]) for instance in coco["annotations"]]
        [(1, [[0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0]])]
        >>> folder.cleanup()
    """
    project = open_project(project_dir)
    pairs = [
        (dataset, item_name)
        for dataset in sorted(project.datasets, key=lambda dataset: dataset.name)
        for item_name in sorted(dataset.get_items_names())
    ]

    def file_name_of(dataset: sly.Dataset, item_name: str) -> str:
        relative = os.path.relpath(dataset.get_item_path(item_name), project.directory)
        return relative.replace(os.sep, "/")

    return _coco_of(project, pairs, file_name_of, primary_classes, merge_groups)


def _coco_of(
    project: sly.Project,
    pairs: Iterable[Tuple[sly.Dataset, str]],
    file_name_of: Callable[[sly.Dataset, str], str],
    primary_classes: Optional[Sequence[str]] = None,
    merge_groups: bool = False,
) -> Dict[str, Any]:
    """The COCO dict of the images ``pairs`` (dataset, item name) of ``project``; each image's
    ``file_name`` is ``file_name_of(dataset, item_name)``, called once per image in order."""
    categories = [
        {"id": number, "name": obj_class.name, "supercategory": obj_class.name}
        for number, obj_class in enumerate(project.meta.obj_classes, start=1)
    ]
    coco: Dict[str, Any] = {
        "info": {
            "description": f"Supervisely project {project.name}: one instance per binding group"
        },
        "images": [],
        "annotations": [],
        "categories": categories,
    }
    for dataset, item_name in pairs:
        ann = read_annotation(dataset, item_name, project.meta)
        file_name = file_name_of(dataset, item_name)
        relative = os.path.relpath(dataset.get_item_path(item_name), project.directory)
        where = relative.replace(os.sep, "/")
        _add_image(coco, ann, file_name, where, primary_classes, merge_groups)
    _drop_classes_without_instances([coco], project.meta.obj_classes, project.directory)
    return complete_keypoints(coco)


def complete_keypoints(coco: Dict[str, Any]) -> Dict[str, Any]:
    """``coco`` with ``keypoints`` (all 0) and ``num_keypoints: 0`` on each instance of a
    keypoints category that has none (a crowd region of people, say); changed in place (the
    dict being built) and returned.

    pycocotools' COCOeval with ``iouType="keypoints"`` reads ``num_keypoints`` and
    ``keypoints`` of every instance of the categories it evaluates (``_prepare``,
    ``computeOks``), as COCO's own ``person_keypoints_*.json`` give them to crowds.

    Examples:
        >>> coco = {"categories": [{"id": 1, "name": "person", "keypoints": ["nose", "eye"]}],
        ...         "annotations": [{"id": 1, "category_id": 1, "iscrowd": 1}]}
        >>> complete_keypoints(coco)["annotations"]
        [{'id': 1, 'category_id': 1, 'iscrowd': 1, 'keypoints': [0, 0, 0, 0, 0, 0], 'num_keypoints': 0}]
    """
    points = {
        category["id"]: len(category["keypoints"])
        for category in coco["categories"]
        if category.get("keypoints")
    }
    instances = coco["annotations"]
    for position, instance in enumerate(instances):
        held = isinstance(instance, HeldInstance)
        if _category_of(instance) not in points or (
            instance.keypoints if held else "keypoints" in instance
        ):
            continue
        whole = instance.instance() if held else instance
        whole["keypoints"] = [0] * 3 * points[whole["category_id"]]
        whole["num_keypoints"] = 0
        if held:
            instances[position] = HeldInstance.of(whole)
    return coco


def _add_image(
    coco: Dict[str, Any],
    ann: sly.Annotation,
    file_name: str,
    where: str,
    primary_classes: Optional[Sequence[str]] = None,
    merge_groups: bool = False,
) -> int:
    """Add the image ``file_name`` and the instances of ``ann`` to ``coco`` (changed in place:
    the dict being built); ``coco["categories"]`` holds every class of ``ann``. ``where`` names
    the image in messages. Returns the number of labels of ``ann`` no instance holds."""
    known = {category["name"]: category["id"] for category in coco["categories"]}
    instances, left_out = _image_instances(ann, where, known, primary_classes, merge_groups)
    height, width = ann.img_size
    _merge_image(coco, known, file_name, (height, width), instances, where)
    return left_out


class _NamesAsIds(Mapping[str, str]):
    """The category "ids" of an image rendered alone: each listed class name is its own id.
    ``_instance`` resolves an object's class with the names it knows to be categories (those
    IN declares and the image's own); :func:`_merge_image` gives the real ids.

    Examples:
        >>> ids = _NamesAsIds({"car"})
        >>> ids["car"], "car" in ids, "face" in ids
        ('car', True, False)
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._names = frozenset(names)

    def __getitem__(self, name: str) -> str:
        if name not in self._names:
            raise KeyError(name)
        return name

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _image_instances(
    ann: sly.Annotation,
    where: str,
    names: Iterable[str],
    primary_classes: Optional[Sequence[str]] = None,
    merge_groups: bool = False,
) -> Tuple[List[List[Any]], int]:
    """The instances of ``ann`` rendered alone, as plain data (``convert --jobs`` makes them in
    its workers), and the number of labels no instance holds: per instance ``[instance,
    leader, skeleton, keypoints class]``, the instance numbered 1, 2, ... in the image (its
    ``attributes.group_id`` too), ``image_id`` 0 and ``category_id`` the class NAME it is
    written as where ``names`` are the categories known (``leader``, the class leading its
    object, when none of ``names`` changes it: :func:`_merge_image` resolves it again with every
    category), ``skeleton`` the category's ``keypoints`` and ``skeleton``
    (:func:`coco_keypoint_category`) or None.

    Raises:
        CocoExportError: the image has an object that cannot be exported (``where`` first).
    """
    try:
        found, left_out = _instances(
            ann, 0, _NamesAsIds(names), 1, primary_classes, where, merge_groups
        )
    except (ValueError, TypeError) as error:
        raise CocoExportError(f"{where}: {error}") from error
    instances = [
        [
            instance,
            leader,
            None if keypoint_class is None else coco_keypoint_category(keypoint_class),
            None if keypoint_class is None else keypoint_class.name,
        ]
        for instance, keypoint_class, leader in found
    ]
    return instances, left_out


def _merge_image(
    coco: Dict[str, Any],
    known: Mapping[str, int],
    file_name: str,
    size: Tuple[int, int],
    instances: Sequence[Sequence[Any]],
    where: str,
) -> None:
    """Add the image ``file_name`` (``size``: height, width) and its rendered ``instances``
    (:func:`_image_instances`) to ``coco`` (changed in place), numbered where every image before
    it is: the image id, the instance ids and their ``attributes.group_id`` after those of the
    file, the category ids of ``known`` (``{name: id}``: every category so far, the image's
    classes among them), a keypoints category's names and skeleton set on its first instance.

    Raises:
        CocoExportError: a category would have keypoints of two templates.
    """
    images, annotations, categories = coco["images"], coco["annotations"], coco["categories"]
    image_id = len(images) + 1
    height, width = size
    images.append({"id": image_id, "file_name": file_name, "height": height, "width": width})
    shift = len(annotations)
    for instance, leader, skeleton, keypoint_name in instances:
        instance["id"] += shift
        instance["image_id"] = image_id
        name = instance["category_id"]
        # Resolved where the image was rendered only when a category it knew made it so.
        instance["category_id"] = known[written_name(leader, known) if name == leader else name]
        attributes = instance.get("attributes")
        if attributes is not None:
            attributes[GROUP_ID_ATTRIBUTE] += shift
        annotations.append(instance)
        if skeleton is None:
            continue
        category = categories[instance["category_id"] - 1]
        if category.setdefault("keypoints", skeleton["keypoints"]) != skeleton["keypoints"]:
            raise CocoExportError(
                f"{where}: instance {instance['id']}: category {category['name']!r} "
                f"has keypoints of two templates (now of class {keypoint_name!r}): "
                "give each category one skeleton"
            )
        category.setdefault("skeleton", skeleton["skeleton"])


def render_coco_item(
    item: FormatItem,
    out_dir: str,
    declared: Iterable[str] = (),
    primary_classes: Optional[Sequence[str]] = None,
    merge_groups: bool = False,
) -> Dict[str, Any]:
    """One item's part of :func:`items_to_coco` into ``out_dir``, alone (``convert --jobs``
    runs it in its workers): its image copied to ``images/<subset>/<file_name>``, and as plain
    data its subset, ``file_name``, size, classes (``formats.items.SeenClass`` as a list, in the
    order of its labels) and instances (:func:`_image_instances`: the class names ``declared``, IN's, are
    categories for sure), and the labels no instance holds.

    Examples:
        >>> import tempfile
        >>> folder, sign = tempfile.mkdtemp(), sly.ObjClass("car", sly.Rectangle)
        >>> ann = sly.Annotation((9, 9), [sly.Label(sly.Rectangle(0, 0, 1, 1), sign)])
        >>> data = render_coco_item(FormatItem(("ds",), "a.png", b"copied as it is", ann, "a"), folder)
        >>> data["file_name"], data["classes"][0][:2], data["instances"][0][0]["category_id"]
        ('a.png', ['car', 'rectangle'], 'car')
        >>> Path(folder, "images/ds/a.png").read_bytes()
        b'copied as it is'
    """
    classes: Dict[str, SeenClass] = {}
    for label in item.ann.labels:
        if label.obj_class.name not in classes:
            classes[label.obj_class.name] = SeenClass.of(label.obj_class)
    subset = item.dataset[0]
    file_name = "/".join(item.dataset[1:] + (item.name,))
    copied = copy_image(item.image, Path(out_dir, "images", subset, file_name))
    names = set(declared) | set(classes)
    instances, left_out = _image_instances(
        item.ann, item.source, names, primary_classes, merge_groups
    )
    height, width = item.ann.img_size
    data = {
        "subset": subset,
        "file_name": file_name,
        "size": [height, width],
        "classes": [list(seen) for seen in classes.values()],
        "instances": instances,
        "left_out": left_out,
        "copied": copied,
    }
    return data


def items_to_coco(
    items: Iterable[FormatItem],
    out_dir: str,
    classes: Iterable[sly.ObjClass] = (),
    primary_classes: Optional[Sequence[str]] = None,
    name: str = "items",
    merge_groups: bool = False,
    where: Optional[str] = None,
) -> Dict[str, Dict[str, Any]]:
    """Write read items (``formats.items.FormatItem``) in the layout of :func:`write_coco_layout`.

    What a format-to-format conversion uses: the items pass in memory, no project on disk.
    Each top-level dataset is a subset (``annotations/instances_<dataset>.json``), a nested
    one's images go into its parent's as ``<child>/<image>``. Categories are ``classes``, then
    every other class of the items' labels in the order first seen, ids 1, 2, ..., the same in
    every file. Instances as :func:`project_to_coco` makes them. ``out_dir`` is created and
    must not exist yet. A progress bar on a terminal (``formats.progress``).

    Returns:
        The COCO dict written for each subset.

    Raises:
        FileExistsError: ``out_dir`` exists, or two items of a subset have one ``file_name``.
        CocoExportError: an image has an object that cannot be exported (the message starts
            with the item's source).

    Examples:
        >>> import tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 1), car)])
        >>> png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
        >>> written = items_to_coco([FormatItem(("ds",), "a.png", png, ann, "a")],
        ...                         folder.name + "/coco")
        >>> written["ds"]["images"], [c["name"] for c in written["ds"]["categories"]]
        ([{'id': 1, 'file_name': 'a.png', 'height': 4, 'width': 4}], ['car'])
        >>> sorted(str(p.relative_to(folder.name)) for p in Path(folder.name, "coco").rglob("*.*"))
        ['coco/annotations/instances_ds.json', 'coco/images/ds/a.png']
        >>> folder.cleanup()
    """
    return _items_to_coco(items, out_dir, classes, primary_classes, name, merge_groups, where)[0]


def coco_items_written(
    items: Iterable[FormatItem],
    out_dir: str,
    classes: Iterable[sly.ObjClass] = (),
    primary_classes: Optional[Sequence[str]] = None,
    merge_groups: bool = False,
    where: Optional[str] = None,
) -> Written:
    """:func:`items_to_coco`, returning what was written: :func:`coco_written` of each subset's
    COCO dict, and the labels no instance holds."""
    cocos, left_out = _items_to_coco(
        items,
        out_dir,
        classes,
        primary_classes,
        merge_groups=merge_groups,
        where=where,
        compact=True,
    )
    account = total(coco_written(coco) for coco in cocos.values())
    return account._replace(left_out=left_out)


def _items_to_coco(
    items: Iterable[FormatItem],
    out_dir: str,
    classes: Iterable[sly.ObjClass] = (),
    primary_classes: Optional[Sequence[str]] = None,
    name: str = "items",
    merge_groups: bool = False,
    where: Optional[str] = None,
    compact: bool = False,
) -> Tuple[Dict[str, Dict[str, Any]], int]:
    """:func:`items_to_coco`'s work: the COCO dicts written, and how many labels of the items no
    instance holds. ``compact``: each instance is held as its JSON text once its image is
    done (:class:`HeldInstance`, a fifth of a dict's memory), and each file written in chunks
    (:func:`coco_chunks`): the same bytes."""
    os.makedirs(out_dir)
    categories: List[Dict[str, Any]] = []
    known: Dict[str, int] = {}
    left_out = 0

    listed: Dict[str, Any] = {}  # the class of each category, the first one met

    def add_category(obj_class: Any) -> None:  # a sly.ObjClass, a SeenClass
        class_name = obj_class.name
        listed.setdefault(class_name, obj_class)
        if class_name not in known:
            known[class_name] = len(categories) + 1
            categories.append({"id": known[class_name], "name": class_name})
            categories[-1]["supercategory"] = class_name

    for obj_class in classes:
        add_category(obj_class)
    declared = list(listed)
    written: Dict[str, Dict[str, Any]] = {}
    file_names = ImageNames(Path(out_dir, "images"))  # two images of one name are refused
    not_copied = 0  # images a file or folder of their name stood in the way of (an error below)
    for item in progress(items, "COCO"):
        source, data = rendered(
            item,
            lambda item: render_coco_item(item, out_dir, declared, primary_classes, merge_groups),
        )
        for seen in data["classes"]:
            if seen[0] not in listed:
                add_category(SeenClass(*seen))
        subset, file_name = data["subset"], data["file_name"]
        coco = written.setdefault(
            subset,
            {
                "info": {"description": f"{name}: one instance per binding group"},
                "images": [],
                "annotations": [],
                "categories": categories,  # one list, shared by every subset
            },
        )
        if not file_names.claim(f"{subset}/{file_name}"):
            raise FileExistsError(
                f"{source}: subset {subset} has two images {file_name!r}: rename one"
            )
        not_copied += not data["copied"]
        first = len(coco["annotations"])
        _merge_image(coco, known, file_name, data["size"], data["instances"], source)
        left_out += data["left_out"]
        if compact:
            coco["annotations"][first:] = map(HeldInstance.of, coco["annotations"][first:])
    if not_copied:  # a name in the way that ImageNames did not name: never left unsaid
        raise OSError(f"{out_dir}: {not_copied} image(s) could not be copied to images/")
    _drop_classes_without_instances(list(written.values()), listed.values(), where or out_dir)
    for subset, coco in written.items():
        complete_keypoints(coco)
        json_path = Path(out_dir, "annotations", f"instances_{subset}.json")
        json_path.parent.mkdir(exist_ok=True)
        if compact:
            write_chunks_atomically(coco_chunks(coco), str(json_path))
        else:
            write_json_atomically(coco, str(json_path), indent=None)
    return written, left_out


class HeldInstance(NamedTuple):
    """A COCO instance held as its JSON text (``json.dumps``), with what the end of the export
    reads of it: its category and whether it has keypoints.

    Examples:
        >>> held = HeldInstance.of({"id": 1, "category_id": 2, "bbox": [0.0, 1.0, 2.0, 3.0]})
        >>> held.category_id, held.keypoints, held.text
        (2, False, '{"id": 1, "category_id": 2, "bbox": [0.0, 1.0, 2.0, 3.0]}')
        >>> held.instance()["bbox"]
        [0.0, 1.0, 2.0, 3.0]
    """

    category_id: int
    keypoints: bool
    text: str

    @classmethod
    def of(cls, instance: Mapping[str, Any]) -> "HeldInstance":
        return cls(instance["category_id"], "keypoints" in instance, json.dumps(instance))

    def instance(self) -> Dict[str, Any]:
        """The instance as a dict again."""
        return json.loads(self.text)


def _instance_dicts(coco: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The instances of ``coco``, held ones as dicts again (one at a time)."""
    for instance in coco["annotations"]:
        yield instance.instance() if isinstance(instance, HeldInstance) else instance


def coco_chunks(coco: Mapping[str, Any]) -> Iterator[bytes]:
    """``json.dumps(coco).encode()`` in chunks, an instance at a time (held instances as their
    text): the bytes :func:`write_json_atomically` writes with ``indent=None``.

    Examples:
        >>> coco = {"images": [], "annotations": [HeldInstance.of({"id": 1, "category_id": 1})]}
        >>> b"".join(coco_chunks(coco)) == json.dumps(
        ...     {"images": [], "annotations": [{"id": 1, "category_id": 1}]}).encode()
        True
    """
    yield b"{"
    for number, (key, value) in enumerate(coco.items()):
        yield (", " if number else "").encode() + json.dumps(key).encode() + b": "
        if key != "annotations":
            yield json.dumps(value).encode()
            continue
        yield b"["
        for position, instance in enumerate(value):
            text = instance.text if isinstance(instance, HeldInstance) else json.dumps(instance)
            yield ((", " if position else "") + text).encode()
        yield b"]"
    yield b"}"


def coco_written(coco: Mapping[str, Any]) -> Written:
    """The account of one COCO dict written: its images, and the labels and groups of its
    instances as ``coco/read.py`` reads them (no ``left_out``: the dict does not know it).

    Per instance: a crowd is one unbound label per part; a keypoints instance (its category has
    ``keypoints``) its segmentation's parts (an RLE one), its bbox and, with a node labelled,
    its keypoints, all one group; any other its polygons, or an RLE's 8-connected blobs, or its
    bbox alone, bound when more than one. Instances that share ``attributes.group_id`` are one
    group.

    Examples:
        >>> coco = {"images": [{"id": 1}, {"id": 2}], "categories": [{"id": 1}],
        ...         "annotations": [
        ...     {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 1, 0, 1, 1]] * 2},
        ...     {"id": 2, "image_id": 1, "category_id": 1, "segmentation": [],
        ...      "attributes": {"group_id": 3}},
        ...     {"id": 3, "image_id": 2, "category_id": 1, "segmentation": [],
        ...      "attributes": {"group_id": 3}},
        ...     {"id": 4, "image_id": 2, "category_id": 1, "segmentation": [],
        ...      "attributes": {"group_id": 3}}]}
        >>> coco_written(coco)
        Written(images=2, labels=5, groups=2, left_out=0)
    """
    keypoint_categories = {
        category["id"] for category in coco["categories"] if category.get("keypoints")
    }
    keys: Dict[Any, List[Any]] = {image["id"]: [] for image in coco["images"]}
    links: Dict[Tuple[Any, Any], int] = {}
    counted: List[Tuple[Any, int, Any, Any]] = []
    for instance in _instance_dicts(coco):
        segmentation = instance.get("segmentation")
        crowd = bool(instance.get("iscrowd"))
        if instance["category_id"] in keypoint_categories and "keypoints" in instance and not crowd:
            parts = (
                (1 if isinstance(segmentation, dict) else len(segmentation)) if segmentation else 0
            )
            nodes = any(v > 0 for v in instance["keypoints"][2::3])
            size = parts + (instance.get("bbox") is not None) + nodes
            key = ("instance", instance["id"])
        else:
            if isinstance(segmentation, dict):
                size = 1 if crowd else _blobs(segmentation)
            else:
                size = len([part for part in segmentation or [] if part]) or 1
            key = ("instance", instance["id"]) if size > 1 and not crowd else None
        group_id = (instance.get("attributes") or {}).get(GROUP_ID_ATTRIBUTE)
        link = None if crowd or not size or group_id is None else (instance["image_id"], group_id)
        if link is not None:
            links[link] = links.get(link, 0) + 1
        counted.append((instance["image_id"], size, key, link))  # not the dict: memory
    for image_id, size, own, link in counted:
        keys[image_id].extend([link if links.get(link, 0) > 1 else own] * size)
    # The reader binds exactly these (a keypoints instance even alone): each key is a group.
    return total(image_account(image_keys, lone_groups=True) for image_keys in keys.values())


def _blobs(rle: Mapping[str, Any]) -> int:
    """How many 8-connected blobs the mask of a COCO RLE (``counts`` a string) has."""
    encoded = {"size": rle["size"], "counts": rle["counts"].encode("ascii")}
    mask = mask_utils.decode(encoded)
    return int(cv2.connectedComponents(mask, connectivity=8)[0]) - 1


def write_coco_layout(
    project_dir: str,
    out_dir: str,
    primary_classes: Optional[Sequence[str]] = None,
    merge_groups: bool = False,
) -> Dict[str, Dict[str, Any]]:
    """Write the project in the COCO layout the tools read, and return each subset's COCO dict.

    The layout of CVAT's and Datumaro's ``coco_instances`` export, which MMDetection reads too::

        out_dir/annotations/instances_<dataset>.json
        out_dir/images/<dataset>/<image>

    one JSON file per top-level dataset with images, each image's ``file_name`` its path in
    ``images/<dataset>/`` (a nested dataset ``<dataset>/<child>`` as ``<child>/<image>``), image
    and instance ids from 1 in each file, every class of the meta as a category in each. Instances as :func:`project_to_coco` makes them. ``out_dir`` is
    created and must not exist yet. A progress bar on a terminal (``formats.progress``).

    Raises:
        FileExistsError: ``out_dir`` exists.
        as :func:`project_to_coco`.

    Examples:
        >>> import tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> project = sly.Project(folder.name + "/cars", sly.OpenMode.CREATE)
        >>> project.set_meta(sly.ProjectMeta([car]))
        >>> ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 1), car)])
        >>> image = np.zeros((4, 4, 3), np.uint8)
        >>> project.create_dataset("val").add_item_np("a.png", image, ann=ann)
        >>> coco = write_coco_layout(project.directory, folder.name + "/coco")
        >>> coco["val"]["images"]
        [{'id': 1, 'file_name': 'a.png', 'height': 4, 'width': 4}]
        >>> sorted(str(p.relative_to(folder.name)) for p in Path(folder.name, "coco").rglob("*.*"))
        ['coco/annotations/instances_val.json', 'coco/images/val/a.png']
        >>> folder.cleanup()
    """
    project = open_project(project_dir)
    os.makedirs(out_dir)
    pairs = [
        (dataset, item_name)
        for dataset in sorted(project.datasets, key=lambda dataset: dataset.name)
        for item_name in sorted(dataset.get_items_names())
    ]
    written: Dict[str, Dict[str, Any]] = {}
    shown = progress(pairs, "COCO")
    # A nested dataset goes with its top-level dataset, in its folder (as the COCO reader
    # builds nested datasets from the folders of file_name, the SDK's way).
    for subset, subset_pairs in itertools.groupby(
        shown, key=lambda pair: pair[0].name.split("/")[0]
    ):
        images_dir = Path(out_dir, "images", subset)

        def copied(dataset: sly.Dataset, item_name: str) -> str:
            file_name = "/".join(dataset.name.split("/")[1:] + [item_name])
            copy_image_in_place(Path(dataset.get_item_path(item_name)), images_dir / file_name)
            return file_name

        coco = _coco_of(project, subset_pairs, copied, primary_classes, merge_groups)
        json_path = Path(out_dir, "annotations", f"instances_{subset}.json")
        json_path.parent.mkdir(exist_ok=True)
        write_json_atomically(coco, str(json_path), indent=None)
        written[subset] = coco
    return written


def write_coco(project_dir: str, out_path: str) -> Dict[str, Any]:
    """Write :func:`project_to_coco` of ``project_dir`` to ``out_path`` atomically, and return it.

    ``out_path`` is checked first, so a long export never fails at the end for it. An existing
    file there is replaced only when the new file is complete; missing folders on the way to it
    are created.

    Raises:
        CocoExportError: ``out_path`` is a folder, is inside a file, or cannot be written.
        as :func:`project_to_coco`.

    Examples:
        >>> import tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> project = sly.Project(folder.name + "/cars", sly.OpenMode.CREATE)
        >>> project.set_meta(sly.ProjectMeta([car]))
        >>> ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 1), car)])
        >>> image = np.zeros((4, 4, 3), np.uint8)
        >>> project.create_dataset("ds").add_item_np("a.png", image, ann=ann)
        >>> out_path = os.path.join(project.directory, "instances.json")
        >>> len(write_coco(project.directory, out_path)["annotations"]), os.path.isfile(out_path)
        (1, True)
        >>> folder.cleanup()
    """
    _check_out_path(out_path)
    coco = project_to_coco(project_dir)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    write_json_atomically(coco, os.fspath(out_path), indent=None)
    return coco


def _check_out_path(out_path: str) -> None:
    """Refuse an ``out_path`` that cannot be written, before any work is done."""
    out = Path(out_path).absolute()
    if out.is_dir():
        raise CocoExportError(
            f"{out_path} is a folder: pass the path of the JSON file to write in it, e.g. "
            f"{os.path.join(out_path, 'instances.json')}"
        )
    existing = nearest_existing(out.parent)  # out itself may exist: it is replaced
    if not existing.is_dir():
        raise CocoExportError(f"{out_path} is inside the file {existing}: pass a path in a folder")
    problem = cannot_create_in(existing)
    if problem is not None:
        raise CocoExportError(
            f"cannot write {out_path} ({problem} in {existing}): pass a path in a folder you "
            "can write"
        )


def _instance(
    group: GroupDecomposition,
    name: str,
    image_size: Tuple[int, int],
    instance_id: int,
    image_id: int,
    category_ids: Mapping[str, int],
) -> Tuple[Dict[str, Any], Optional[sly.ObjClass]]:
    """One COCO instance for one object (``roles.decompose_group``, no parts), and the class of
    its keypoints if any; ``name`` names the object in messages."""
    leader = group.object_name(category_ids)  # face_keypoints alone: a face, when listed
    labels = group.members
    if leader not in category_ids:
        raise ValueError(
            f"class {leader!r} has no category id: add it to category_ids "
            "(project_to_coco takes them from the project meta)"
        )
    parts = group.mask_members
    if not parts and not group.keypoints:
        kinds = ", ".join(dict.fromkeys(label.geometry.name() for label in labels))
        raise TypeError(
            f"{name} has a {kinds} geometry: leave it out, a COCO instance needs a mask, a "
            "polygon, a box or keypoints"
        )
    if len(group.keypoints) > 1:
        raise ValueError(
            f"{name} has {len(group.keypoints)} keypoints labels: one object has one skeleton, "
            "bind the others to their own objects (sly-bindings validate lists them)"
        )
    boxes = group.boxes
    crowd = any(construct.has_tag(label, ISCROWD_TAG) for label in labels)
    instance: Dict[str, Any] = {
        "id": instance_id,
        "image_id": image_id,
        "category_id": category_ids[leader],
        "iscrowd": 1 if crowd else 0,
    }
    if any(construct.has_tag(label, IGNORE_TAG) for label in labels):
        instance["ignore"] = 1
    box = None
    if len(boxes) == 1 or not parts:
        # The group's box (GroupDecomposition.bbox): its leader's one own box, else the members'
        # extent (with a mask, the box of the segmentation written, below).
        box = group.bbox
        # The one box rule (formats.boxes), the SDK's both ways: x = left, y = top,
        # width = right - left, height = bottom - top; a mask member's box spans its pixels.
        instance["bbox"] = list(object_box(group.members, box))
    if parts:
        height, width = image_size
        if not crowd and all(_fits_coco_polygon(label.geometry) for label in parts):
            polygons = [_coco_polygon(label.geometry) for label in parts]
            instance["segmentation"] = polygons
            rectangles = [
                i for i, label in enumerate(parts) if type(label.geometry) is sly.Rectangle
            ]
            if rectangles:  # which parts are rectangles: the reader never guesses from corners
                instance[RECTANGLES_FIELD] = rectangles
            # The segmentation as pycocotools reads it (COCO.annToRLE): its area and box.
            rle = mask_utils.merge(mask_utils.frPyObjects(polygons, height, width))
        else:
            rle = _encode(group_mask(parts, image_size))
            instance["segmentation"] = {
                "size": list(rle["size"]),
                "counts": rle["counts"].decode("ascii"),
            }
        instance["area"] = int(mask_utils.area(rle))
        if box is None:  # the leader's one own box stays its bbox
            instance["bbox"] = [float(v) for v in mask_utils.toBbox(rle)]
    else:
        # No mask: the area of the box, as the SDK gives a keypoints instance.
        instance["segmentation"] = []
        instance["area"] = int(instance["bbox"][2] * instance["bbox"][3])
    keypoint_class = None
    if group.keypoints:
        keypoint_class = group.keypoints[0].obj_class
        instance["keypoints"] = coco_keypoints(group.keypoints[0])
        instance["num_keypoints"] = sum(v > 0 for v in instance["keypoints"][2::3])
    return instance, keypoint_class


def coco_keypoints(label: sly.Label) -> List[int]:
    """``[x1, y1, v1, x2, y2, v2, ...]`` of a GraphNodes label, in its class template's order.

    ``x`` is the column, ``y`` the row; ``v`` is 2 for a node that is there, 1 for a disabled
    node (labelled, not visible) and 0 (with ``x = y = 0``) for a template point the label
    lacks: the COCO keypoints convention.

    Raises:
        TypeError: ``label`` is not a GraphNodes label.

    Examples:
        >>> from supervisely.geometry.graph import KeypointsTemplate, Node
        >>> template = KeypointsTemplate()
        >>> for point in ("nose", "left_eye", "right_eye"):
        ...     template.add_point(label=point, row=0, col=0)
        >>> face = sly.ObjClass("face", sly.GraphNodes, geometry_config=template)
        >>> nodes = {"nose": Node(sly.PointLocation(5, 3)),
        ...          "right_eye": Node(sly.PointLocation(2, 4), disabled=True)}
        >>> coco_keypoints(sly.Label(sly.GraphNodes(nodes), face))
        [3, 5, 2, 0, 0, 0, 4, 2, 1]
    """
    if not isinstance(label, sly.Label) or not isinstance(label.geometry, sly.GraphNodes):
        raise TypeError(f"{label!r} is not a GraphNodes label: pass a keypoints label")
    nodes = label.geometry.nodes
    values: List[int] = []
    for point in label.obj_class.geometry_config.get("nodes", {}):
        node = nodes.get(point)
        if node is None:
            values.extend([0, 0, 0])
        else:
            values.extend([node.location.col, node.location.row, 1 if node.disabled else 2])
    return values


def coco_keypoint_category(obj_class: sly.ObjClass) -> Dict[str, Any]:
    """The ``keypoints`` (names) and ``skeleton`` (1-based pairs) of a GraphNodes class template.

    As the SDK writes them for a keypoints class (``coco_helper._get_graph_info``).

    Examples:
        >>> from supervisely.geometry.graph import KeypointsTemplate
        >>> template = KeypointsTemplate()
        >>> for point in ("nose", "left_eye", "right_eye"):
        ...     template.add_point(label=point, row=0, col=0)
        >>> template.add_edge(src="nose", dst="left_eye")
        >>> template.add_edge(src="nose", dst="right_eye")
        >>> coco_keypoint_category(sly.ObjClass("face", sly.GraphNodes, geometry_config=template))
        {'keypoints': ['nose', 'left_eye', 'right_eye'], 'skeleton': [[1, 2], [1, 3]]}
    """
    nodes = obj_class.geometry_config.get("nodes", {})
    numbers = {point: number for number, point in enumerate(nodes, start=1)}
    return {
        "keypoints": [node.get("label", point) for point, node in nodes.items()],
        "skeleton": [
            [numbers[edge["src"]], numbers[edge["dst"]]]
            for edge in obj_class.geometry_config.get("edges", [])
            if edge.get("src") in numbers and edge.get("dst") in numbers
        ],
    }


def _encode(mask: npt.NDArray[np.bool_]) -> Dict[str, Any]:
    """The compressed COCO RLE of a 2-D boolean mask."""
    return mask_utils.encode(np.asfortranarray(mask, dtype=np.uint8))


def _fits_coco_polygon(geometry: Geometry) -> bool:
    """A COCO polygon can hold a rectangle or a polygon without holes, not a mask or a hole."""
    if type(geometry) is sly.Rectangle:
        return True
    return type(geometry) is sly.Polygon and construct.holes(geometry) == 0


def _coco_polygon(geometry: Geometry) -> List[float]:
    """``[x1, y1, x2, y2, ...]`` of a polygon's exterior or a rectangle's corners."""
    if type(geometry) is sly.Rectangle:
        top, left, bottom, right = geometry.top, geometry.left, geometry.bottom, geometry.right
        return [float(v) for v in (left, top, right, top, right, bottom, left, bottom)]
    # exterior_np[:, ::-1].ravel(), as floats, from the points (no int64 array between)
    return [
        float(value) for point in construct.exterior(geometry) for value in (point.col, point.row)
    ]
