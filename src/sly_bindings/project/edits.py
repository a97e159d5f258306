"""Apply a binding edit to one annotation JSON and get back only what changed.

An *edit* is any function that takes a ``sly.Annotation`` and returns it with other binding
keys, such as ``lambda ann: discard_bindings(ann, ["car"])``. :func:`edit_annotation_json`
parses a downloaded (or local) annotation JSON, runs the edit, compares the groupings before
and after, and returns the new JSON only when the grouping changed, so a project-wide run
uploads or writes only the annotations it really changes, and a second run changes nothing.

The new JSON is the old one with the new binding keys written in, not ``after.to_json()``:
the labels are untouched, so re-encoding every mask (the costliest step of a round trip) is
skipped and nothing but the keys can change.

:func:`parse_annotation` is ``sly.Annotation.from_json`` with a message that names the label the
SDK cannot read, so that a project-wide run can leave that one image out and say why.

Copy this file with ``bindings.py``; it needs only ``supervisely``.
"""

from __future__ import annotations

import copy
import operator
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    List,
    NamedTuple,
    Optional,
    Tuple,
    Union,
)

import supervisely as sly

from bindings import binding_key_of, class_name_set, discard_bindings  # the last for the examples
from sly_bindings.files.images import check_encoded_geometry

Edit = Callable[[sly.Annotation], sly.Annotation]
# What a project-wide run applies to each image: (image name, annotation JSON) -> new JSON or
# None for no change; a ValueError skips the image.
JsonEdit = Callable[[str, Dict[str, Any]], Optional[Dict[str, Any]]]
BindingKey = Union[str, int, None]
# The JSON field of a label that holds its binding key (LabelJsonFields.INSTANCE_KEY).
INSTANCE = "instance"
# How many image names a summary keeps to show what changed.
NAMES_SHOWN = 5
# What the SDK's from_json raises on malformed data: a missing field (KeyError), a wrong type,
# a bad value, a mask that is not an image (PIL's UnidentifiedImageError, an OSError), the
# RuntimeError of a class the meta lacks; an infinite or 1e400 coordinate (OverflowError, an
# ArithmeticError, when the SDK rounds it).
SDK_PARSE_ERRORS = (
    LookupError,
    TypeError,
    ValueError,
    AttributeError,
    OSError,
    RuntimeError,
    ArithmeticError,
)


class UnreadableAnnotationError(ValueError):
    """An annotation JSON the SDK cannot parse; the message names the label and the fix."""


def grouping(ann: sly.Annotation) -> FrozenSet[FrozenSet[int]]:
    """The binding groups of ``ann`` as sets of label positions: keys themselves do not count.

    Two annotations with the same labels group them alike when their groupings are equal, even
    when a server renamed every key (``62245779`` for ``"a"``).

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> box = sly.Rectangle(0, 0, 1, 1)
        >>> ann = sly.Annotation((10, 10), [sly.Label(box, car, binding_key="a"),
        ...                                 sly.Label(box, car), sly.Label(box, car, binding_key="a")])
        >>> sorted(sorted(group) for group in grouping(ann))
        [[0, 2]]
    """
    groups: Dict[str, List[int]] = {}
    for position, label in enumerate(ann.labels):
        key = binding_key_of(label)
        if key is not None:
            groups.setdefault(key, []).append(position)
    return frozenset(frozenset(positions) for positions in groups.values())


def corresponding_keys(before: sly.Annotation, after: sly.Annotation) -> List[BindingKey]:
    """The binding key that ``after`` gives each label of ``before``, in the order of ``before``.

    Raises:
        ValueError: ``after`` is not ``before`` with other keys: it has other labels, or they
            are in another order. The message names the first label that differs.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> ann = sly.Annotation((10, 10), [sly.Label(sly.Rectangle(0, 0, 1, 1), car, binding_key=7)])
        >>> corresponding_keys(ann, discard_bindings(ann))
        [None]
    """
    if len(before.labels) != len(after.labels):
        raise ValueError(
            f"the edit returned {len(after.labels)} labels for {len(before.labels)}: an edit "
            "may change binding keys only, never add, drop or reorder labels"
        )
    for position, (old, new) in enumerate(zip(before.labels, after.labels)):
        # Unchanged labels share their geometry object (bindings.with_binding_key copies the
        # label, not the geometry), so the costly comparison runs only for rebuilt labels.
        same = old.geometry is new.geometry or (
            old.obj_class.name == new.obj_class.name
            and old.geometry.to_json() == new.geometry.to_json()
        )
        if not same:
            raise ValueError(
                f"label {position} ({old.obj_class.name}) is another label after the edit: an "
                "edit may change binding keys only, never add, drop or reorder labels"
            )
    return [label.binding_key for label in after.labels]


def json_with_binding_keys(ann_json: Dict[str, Any], keys: List[BindingKey]) -> Dict[str, Any]:
    """A copy of ``ann_json`` whose labels carry ``keys`` (None: the label is unbound).

    Only the ``instance`` fields change; ``ann_json`` is left as it was.

    Raises:
        ValueError: ``keys`` has not one key per label of ``ann_json``.

    Examples:
        >>> ann_json = {"size": {"height": 4, "width": 4}, "tags": [],
        ...             "objects": [{"classTitle": "car", "instance": 7}, {"classTitle": "car"}]}
        >>> json_with_binding_keys(ann_json, [None, "b"])["objects"]
        [{'classTitle': 'car'}, {'classTitle': 'car', 'instance': 'b'}]
        >>> ann_json["objects"][0]["instance"]
        7
    """
    labels = ann_json["objects"]
    if len(labels) != len(keys):
        raise ValueError(
            f"{len(keys)} binding keys for {len(labels)} labels: give one key (or None) per label"
        )
    new_labels = []
    for label, key in zip(labels, keys):
        new_label = {name: value for name, value in label.items() if name != INSTANCE}
        if key is not None:
            new_label[INSTANCE] = key
        new_labels.append(new_label)
    return {**ann_json, "objects": new_labels}


def parse_annotation(ann_json: Dict[str, Any], meta: sly.ProjectMeta) -> sly.Annotation:
    """``sly.Annotation.from_json(ann_json, meta)``, with a one-line error naming what is wrong.

    As ``from_json`` does, labels are cropped to the image; ``ann_json`` is left as it was.

    Raises:
        UnreadableAnnotationError: the JSON is not an annotation, or the SDK cannot read one of
            its labels (a class the meta lacks, a missing field, a mask that is not an image).

    Examples:
        >>> meta = sly.ProjectMeta(obj_classes=[sly.ObjClass("car", sly.Rectangle)])
        >>> box = {"points": {"exterior": [[0, 0], [1, 1]], "interior": []}}
        >>> ann_json = {"size": {"height": 4, "width": 4}, "tags": [], "objects": [
        ...     {"classTitle": "car", "geometryType": "rectangle", "tags": [], **box}]}
        >>> len(parse_annotation(ann_json, meta).labels)
        1
        >>> ann_json["objects"][0]["classTitle"] = "bus"
        >>> parse_annotation(ann_json, meta)
        Traceback (most recent call last):
        ...
        sly_bindings.project.edits.UnreadableAnnotationError: label 0 has class 'bus', which the project meta
        does not have: add the class to the project, or delete the label
    """
    without_labels, labels = _annotation_parts(ann_json, meta)
    return without_labels.clone(labels=labels)


def _annotation_parts(
    ann_json: Dict[str, Any], meta: sly.ProjectMeta
) -> Tuple[sly.Annotation, List[sly.Label]]:
    """The annotation without its labels, and its labels as the JSON has them (not cropped)."""
    if not isinstance(ann_json, dict) or not isinstance(ann_json.get("objects"), list):
        raise UnreadableAnnotationError(
            "not a Supervisely annotation (no list of 'objects'): export it again"
        )
    without_labels = {**ann_json, "objects": []}
    if isinstance(ann_json.get("customData"), dict):
        without_labels["customData"] = dict(ann_json["customData"])  # from_json pops from it
    size = ann_json.get("size")
    sides = [size.get(side) if isinstance(size, dict) else None for side in ("height", "width")]
    if isinstance(size, dict) and not all(
        side is None or (type(side) is int and side > 0) for side in sides
    ):
        raise UnreadableAnnotationError(
            f"size: {str(size)[:60]} is not a height and width in whole pixels: fix its size, "
            "or export it again"
        )
    try:
        empty = sly.Annotation.from_json(without_labels, meta)
    except SDK_PARSE_ERRORS as error:
        raise UnreadableAnnotationError(
            f"the SDK cannot read the annotation ({_one_line(error)}): fix its size and tags, "
            "or export it again"
        ) from error
    return empty, [
        _parse_label(position, label_json, meta, (sides[0], sides[1]))
        for position, label_json in enumerate(ann_json["objects"])
    ]


def _parse_label(
    position: int,
    label_json: Any,
    meta: sly.ProjectMeta,
    image_size: Tuple[Optional[int], Optional[int]] = (None, None),
) -> sly.Label:
    """``sly.Label.from_json``, or an UnreadableAnnotationError that names the label; a mask it
    encodes is sized first (``files.images.check_encoded_geometry``: never larger than the
    ``image_size`` the annotation declares)."""
    name = _check_class(position, label_json, meta)
    label = f"label {position} ({name})" if isinstance(name, str) else f"label {position}"
    check_encoded_geometry(label_json, image_size, label, UnreadableAnnotationError)
    try:
        return sly.Label.from_json(label_json, meta)
    except SDK_PARSE_ERRORS as error:
        raise UnreadableAnnotationError(
            f"{label} cannot be read by the SDK ({_one_line(error)}): fix or delete it in the "
            "labeling tool"
        ) from error


def _check_class(position: int, label_json: Any, meta: sly.ProjectMeta) -> Optional[str]:
    """The label's class name; an UnreadableAnnotationError when ``meta`` does not have it."""
    name = label_json.get("classTitle") if isinstance(label_json, dict) else None
    if isinstance(name, str) and meta.get_obj_class(name) is None:
        raise UnreadableAnnotationError(
            f"label {position} has class {name!r}, which the project meta does not have: add "
            "the class to the project, or delete the label"
        )
    return name


def _one_line(error: BaseException) -> str:
    """``KeyError: 'points'``: the error's type and its message, on one line."""
    return " ".join(f"{type(error).__name__}: {error}".split())


def edit_annotation_json(
    ann_json: Dict[str, Any], meta: sly.ProjectMeta, edit: Edit
) -> Optional[Dict[str, Any]]:
    """Run ``edit`` on the annotation ``ann_json``; the new JSON, or None if the grouping stays.

    ``ann_json`` is in the SDK's pixel coordinates, as ``download_json_batch`` returns it and as
    a local project stores it; it is left as it was. The edit sees the annotation as the SDK
    parses it, labels cropped to the image; a label the crop only trims keeps its place, so
    its new key is written on it.

    Raises:
        UnreadableAnnotationError: the SDK cannot parse ``ann_json`` (see
            :func:`parse_annotation`).
        ValueError: the edit changed more than binding keys, or it changed the grouping of an
            annotation with a label that the SDK drops (wholly outside the image) or cuts into
            pieces (across the border): the keys could not be written on the right labels.

    Examples:
        >>> meta = sly.ProjectMeta(obj_classes=[sly.ObjClass("car", sly.Rectangle)])
        >>> box = {"points": {"exterior": [[0, 0], [1, 1]], "interior": []}}
        >>> ann_json = {"size": {"height": 4, "width": 4}, "tags": [], "objects": [
        ...     {"classTitle": "car", "geometryType": "rectangle", "tags": [], "instance": 7, **box}]}
        >>> "instance" in edit_annotation_json(ann_json, meta, discard_bindings)["objects"][0]
        False
        >>> edit_annotation_json(ann_json, meta, lambda ann: ann) is None
        True
    """
    without_labels, labels = _annotation_parts(ann_json, meta)
    before = without_labels.clone(labels=labels)
    after = edit(before)
    if grouping(after) == grouping(before):
        return None
    # A label inside the image comes through the SDK's crop as the very same object: only when
    # one did not is it worth finding out which label was cut, and how.
    if len(before.labels) != len(labels) or any(map(operator.is_not, before.labels, labels)):
        _check_one_label_each(without_labels, labels)
    return json_with_binding_keys(ann_json, corresponding_keys(before, after))


def _check_one_label_each(without_labels: sly.Annotation, labels: List[sly.Label]) -> None:
    """A ValueError naming the first label that the SDK's crop to the image drops or splits.

    Then the parsed labels are no longer the JSON's labels one to one, and a key written back
    by position would land on another label.
    """
    height, width = without_labels.img_size
    image = f"the {width}x{height} image"
    for position, label in enumerate(labels):
        pieces = len(without_labels.clone(labels=[label]).labels)
        if pieces != 1:
            where = (
                f"lies wholly outside {image}"
                if pieces == 0
                else f"crosses the border of {image}, which cuts it in {pieces} pieces"
            )
            raise ValueError(
                f"label {position} ({label.obj_class.name}) {where}: move it into the image or "
                "delete it in the labeling tool, then run again"
            )


def discard_in_json(
    ann_json: Dict[str, Any],
    class_names: Optional[Iterable[str]] = None,
    meta: Optional[sly.ProjectMeta] = None,
) -> Optional[Dict[str, Any]]:
    """``ann_json`` without the binding keys of ``class_names`` (all when None); None if no change.

    Discarding needs no geometry: only the ``instance`` fields go, so the annotation is not
    parsed and no mask is decoded (a key of any type goes, a malformed one included). With
    ``meta``, every label's class must be one of the project's. ``ann_json`` is left as it was.

    Raises:
        UnreadableAnnotationError: ``ann_json`` has no list of objects, or a label's class is
            not in ``meta``.
        TypeError: ``class_names`` is one string (it would be read letter by letter).

    Examples:
        >>> ann_json = {"objects": [{"classTitle": "car", "instance": 7}, {"classTitle": "sign"}]}
        >>> discard_in_json(ann_json, ["car"])
        {'objects': [{'classTitle': 'car'}, {'classTitle': 'sign'}]}
        >>> discard_in_json(ann_json, ["sign"]) is None
        True
    """
    names = class_name_set(class_names)
    objects = ann_json.get("objects") if isinstance(ann_json, dict) else None
    if not isinstance(objects, list):
        raise UnreadableAnnotationError(
            "has no list of objects: it is not a Supervisely annotation; fix or export it again"
        )
    if meta is not None:
        for position, label_json in enumerate(objects):
            _check_class(position, label_json, meta)
    changed = [
        isinstance(obj, dict) and obj.get(INSTANCE) is not None
        # A title that is not a string (a list, say) is no class name: not one of ``names``.
        and (
            names is None or (isinstance(obj.get("classTitle"), str) and obj["classTitle"] in names)
        )
        for obj in objects
    ]
    if not any(changed):
        return None
    return {
        **ann_json,
        "objects": [
            {key: value for key, value in obj.items() if key != INSTANCE} if drop else obj
            for obj, drop in zip(objects, changed)
        ],
    }


def only_classes(edit: Edit, class_names: Iterable[str]) -> Edit:
    """An edit that runs ``edit`` on the labels of ``class_names`` alone; the others keep their key.

    For edits without a class filter of their own, such as ``auto_bind``: the edit sees an
    annotation with only those labels, and its keys are written back into the whole one.

    Raises:
        TypeError: ``class_names`` is one string (it would be read letter by letter).
        ValueError: ``class_names`` is empty or None (an edit of nothing).

    Examples:
        >>> car, person = sly.ObjClass("car", sly.Rectangle), sly.ObjClass("person", sly.Rectangle)
        >>> box = sly.Rectangle(0, 0, 1, 1)
        >>> ann = sly.Annotation((10, 10), [sly.Label(box, car, binding_key="a"),
        ...                                 sly.Label(box, person, binding_key="b")])
        >>> [label.binding_key for label in only_classes(discard_bindings, ["person"])(ann).labels]
        ['a', None]
    """
    names = class_name_set(class_names)
    if not names:
        raise ValueError(
            f"class_names={class_names!r} names no class: name at least one, or use the edit "
            "as it is"
        )

    def edit_of_those_classes(ann: sly.Annotation) -> sly.Annotation:
        positions = [i for i, label in enumerate(ann.labels) if label.obj_class.name in names]
        part = ann.clone(labels=[ann.labels[i] for i in positions])
        edited = edit(part)
        corresponding_keys(part, edited)  # raises unless the edit changed keys only
        # Copies, so that the result never shares a label with ``ann``. A copy keeps its key
        # as it is: a server's key is a number, which the binding_key setter refuses.
        labels = [copy.copy(label) for label in ann.labels]
        for position, label in zip(positions, edited.labels):
            labels[position] = copy.copy(label)
        return ann.clone(labels=labels)

    return edit_of_those_classes


class EditSummary(NamedTuple):
    """What an edit did to the annotations of one dataset (or, added up, of many).

    ``changed`` counts the annotations whose grouping the edit changes (in a dry run: would
    change), ``saved`` those of them uploaded or written, ``skipped`` those it could not be
    applied to. ``changed_names`` holds the first few image names changed, ``first_skip`` says
    which image was skipped first and why ("" when none was).
    """

    images: int = 0
    changed: int = 0
    saved: int = 0
    skipped: int = 0
    changed_names: Tuple[str, ...] = ()
    first_skip: str = ""

    def __add__(self, other: "EditSummary") -> "EditSummary":  # type: ignore[override]
        """Counts added up, the names of both kept (up to ``NAMES_SHOWN``).

        Examples:
            >>> total = EditSummary(2, 1, 1, 0, ("a.png",)) + EditSummary(3, 1, 0, 1, ("b.png",), "c.png: why")
            >>> total.images, total.changed, total.saved, total.skipped, total.changed_names, total.first_skip
            (5, 2, 1, 1, ('a.png', 'b.png'), 'c.png: why')
        """
        return EditSummary(
            self.images + other.images,
            self.changed + other.changed,
            self.saved + other.saved,
            self.skipped + other.skipped,
            (self.changed_names + other.changed_names)[:NAMES_SHOWN],
            self.first_skip or other.first_skip,
        )


def edit_one(
    edit: JsonEdit, name: str, read: Callable[[], Dict[str, Any]], where: str
) -> Tuple[Optional[Dict[str, Any]], EditSummary]:
    """Apply ``edit`` to one image: its new JSON (None: nothing to save) and what happened.

    ``read`` gives the image's annotation JSON. A ValueError from reading or editing skips the
    image; the reason starts with ``where`` (the file or the image), unless it names it already.
    Summaries of single images add up with ``+`` to a dataset's.

    Examples:
        >>> drop_all = lambda name, ann_json: discard_in_json(ann_json)
        >>> edit_one(drop_all, "a.png", lambda: {"objects": [{"instance": 7}]}, "a.png")
        ({'objects': [{}]}, EditSummary(images=1, changed=1, saved=0, skipped=0, changed_names=('a.png',), first_skip=''))
        >>> edit_one(drop_all, "b.png", lambda: {}, "b.png")[1].first_skip
        'b.png: has no list of objects: it is not a Supervisely annotation; fix or export it again'
    """
    try:
        new_json = edit(name, read())
    except ValueError as error:
        reason = str(error) if str(error).startswith(where) else f"{where}: {error}"
        return None, EditSummary(images=1, skipped=1, first_skip=reason)
    if new_json is None:
        return None, EditSummary(images=1)
    return new_json, EditSummary(images=1, changed=1, changed_names=(name,))
