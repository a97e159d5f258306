"""Object binding for Supervisely annotations: masks to labels, shared keys, groups, unbinding.

Labels that share a ``binding_key`` are parts of one object (for example the three fragments of
a car that a pedestrian splits). Every function here returns new objects and leaves its input
untouched, so the same annotation can be inspected before and after.

Copy this file into your own script: it needs only ``supervisely``, ``numpy`` and ``opencv``.

Mask rule (what :func:`read_mask` accepts):
    - a path to an image file (PNG recommended) or a numpy array;
    - 2-D, or 3-D with 3 identical channels (a grey mask saved as colour);
    - values from one of the sets {0, 1}, {0, 255} or {False, True}; anything else, such as the
      in-between values of a JPEG-compressed mask, is rejected rather than guessed at;
    - the same height and width as the image, and at least one pixel set.
"""

from __future__ import annotations

import copy
import uuid
from typing import (
    Dict,
    Iterable,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Union,
)

import supervisely as sly

# The geometries that cover pixels, and so can be parts of one object's area. Exact types:
# AlphaMask (a Bitmap) and OrientedBBox (a Rectangle) are not drawn like their parents.
AREA_GEOMETRIES = (sly.Bitmap, sly.Polygon, sly.Rectangle)


class InvalidBindingKeyError(ValueError):
    """A label whose binding key, as read from a file or a server, is not a string or integer."""


class BindingGroups(NamedTuple):
    """Labels of one annotation split by binding key.

    ``groups`` maps each key (as a string) to its labels, in the order keys first appear in the
    annotation; ``unbound`` holds the labels without a key.
    """

    groups: Dict[str, List[sly.Label]]
    unbound: List[sly.Label]


def bind_labels(labels: Sequence[sly.Label], key: Optional[str] = None) -> List[sly.Label]:
    """Return copies of ``labels`` that all carry one binding key.

    Args:
        labels: the parts of one object.
        key: any non-empty string; a new ``uuid4().hex`` when omitted.

    Raises:
        TypeError: ``key`` is not a string.
        ValueError: ``key`` is empty.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> parts = [sly.Label(sly.Rectangle(0, 0, 1, 1), car), sly.Label(sly.Rectangle(3, 3, 4, 4), car)]
        >>> [label.binding_key for label in bind_labels(parts, key="car-1")]
        ['car-1', 'car-1']
    """
    if key is None:
        key = uuid.uuid4().hex
    if not isinstance(key, str):
        raise TypeError(f"binding key {key!r} is a {type(key).__name__}: pass a string")
    if not key:
        raise ValueError("binding key is empty: pass a non-empty string or None for a new one")
    return [with_binding_key(label, key) for label in labels]


def with_binding_key(label: sly.Label, key: Union[str, int, None]) -> sly.Label:
    """Return a copy of ``label`` whose binding key is ``key`` (None: no binding).

    ``label.clone(binding_key=None)`` cannot do this: None means "keep the old key" there. The
    copy keeps everything else, the label's server id included (``clone`` drops it). ``key``
    may also be an integer, as a server answers keys.

    Raises:
        TypeError: ``key`` is not a string, an integer or None.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> bound = sly.Label(sly.Rectangle(0, 0, 1, 1), car, binding_key="car-1")
        >>> with_binding_key(bound, None).binding_key is None, bound.binding_key
        (True, 'car-1')
        >>> with_binding_key(bound, 62245779).binding_key
        62245779
    """
    if key is None or isinstance(key, str):
        # Geometry, class and tags are immutable in the SDK, so a shallow copy shares them safely.
        new_label = copy.copy(label)
        new_label.binding_key = key
        return new_label
    if isinstance(key, int) and not isinstance(key, bool):
        # The binding_key setter takes strings only; the constructor, as Label.from_json, any key.
        return type(label)(
            geometry=label.geometry,
            obj_class=label.obj_class,
            tags=label.tags,
            description=label.description,
            binding_key=key,
            smart_tool_input=label.smart_tool_input,
            sly_id=label.sly_id,
            status=label.status,
        )
    raise TypeError(f"binding key {key!r} is a {type(key).__name__}: pass a string or None")


def binding_key_of(label: sly.Label) -> Optional[str]:
    """The label's binding key as a string, or None when it is unbound.

    A server may answer keys as JSON numbers (``62245779``) and ``Label.from_json`` keeps them
    as they come: ``7`` and ``"7"`` name the same group.

    Raises:
        InvalidBindingKeyError: the key is neither a string nor an integer (a hand-edited
            file, say).

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> binding_key_of(sly.Label(sly.Rectangle(0, 0, 1, 1), car, binding_key=7))
        '7'
    """
    key = label.binding_key
    if key is None or isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    raise InvalidBindingKeyError(
        f"binding key {key!r} of a {label.obj_class.name!r} label is a {type(key).__name__}: "
        "a key must be a string (or an integer, as a server answers it)"
    )


def binding_groups(ann: sly.Annotation) -> BindingGroups:
    """Split the labels of ``ann`` into binding groups and unbound labels.

    Groups come in the order their first label appears in ``ann.labels``, and labels keep their
    order inside a group, so the result is the same on every run.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> box = sly.Rectangle(0, 0, 1, 1)
        >>> ann = sly.Annotation((10, 10), [sly.Label(box, car, binding_key="a"),
        ...                                 sly.Label(box, car), sly.Label(box, car, binding_key="a")])
        >>> groups, unbound = binding_groups(ann)
        >>> {key: len(labels) for key, labels in groups.items()}, len(unbound)
        ({'a': 2}, 1)
    """
    groups: Dict[str, List[sly.Label]] = {}
    unbound: List[sly.Label] = []
    for label in ann.labels:
        key = binding_key_of(label)
        if key is None:
            unbound.append(label)
        else:
            groups.setdefault(key, []).append(label)
    return BindingGroups(groups, unbound)


def discard_bindings(
    ann: sly.Annotation, class_names: Optional[Iterable[str]] = None
) -> sly.Annotation:
    """Return a copy of ``ann`` whose labels of ``class_names`` (all labels when None) are unbound.

    Raises:
        TypeError: ``class_names`` is a single string (it would be read letter by letter).

    Unlike ``Annotation.discard_bindings()``, which changes the labels in place (and the labels
    of every ``ann.clone()`` with them), this leaves ``ann`` as it was.

    Examples:
        >>> car, person = sly.ObjClass("car", sly.Rectangle), sly.ObjClass("person", sly.Rectangle)
        >>> box = sly.Rectangle(0, 0, 1, 1)
        >>> ann = sly.Annotation((10, 10), [sly.Label(box, car, binding_key="a"),
        ...                                 sly.Label(box, person, binding_key="b")])
        >>> [label.binding_key for label in discard_bindings(ann, ["car"]).labels]
        [None, 'b']
    """
    names = class_name_set(class_names)
    labels = [
        (
            with_binding_key(label, None)
            if names is None or label.obj_class.name in names
            # A copy, so that changing a label of the result never reaches back into ``ann``.
            else copy.copy(label)
        )
        for label in ann.labels
    ]
    return ann.clone(labels=labels)


def class_name_set(class_names: Optional[Iterable[str]]) -> Optional[Set[str]]:
    """``class_names`` as a set (None stays None), refusing one name given as a bare string.

    Raises:
        TypeError: ``class_names`` is a single string (it would be read letter by letter).

    Examples:
        >>> sorted(class_name_set(["car", "person"])), class_name_set(None)
        (['car', 'person'], None)
    """
    if isinstance(class_names, str):
        raise TypeError(
            f"class_names={class_names!r} is one string: pass a list, e.g. [{class_names!r}]"
        )
    return None if class_names is None else set(class_names)


def annotation_objects(ann: sly.Annotation) -> List[List[sly.Label]]:
    """The objects of ``ann``: each binding group, and each unbound label alone.

    Objects come in the order of their first label in ``ann.labels``, so groups keep the order
    of ``bindings.binding_groups`` and unbound labels stay where they were.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> box = sly.Rectangle(0, 0, 1, 1)
        >>> ann = sly.Annotation((10, 10), [
        ...     sly.Label(box, car), sly.Label(box, car, binding_key=7),
        ...     sly.Label(box, car), sly.Label(box, car, binding_key="7")])
        >>> [len(labels) for labels in annotation_objects(ann)]
        [1, 2, 1]
    """
    groups = binding_groups(ann).groups
    objects: List[List[sly.Label]] = []
    placed = set()
    for label in ann.labels:
        key = binding_key_of(label)
        if key is None:
            objects.append([label])
        elif key not in placed:
            placed.add(key)
            objects.append(groups[key])
    return objects
