"""Bind parts to the object that holds them: a ``person`` with the ``head`` and ``hand`` inside it.

Supervisely's "Group nested objects" app binds a parent class's object with the child-class
objects it contains, when the overlap reaches a threshold. :func:`auto_bind_nested` does the same
on one annotation, exactly on the pixel grid, with keys that do not depend on a server:

    bound = auto_bind_nested(ann, ["person"], ["head", "hand"], min_overlap=0.5)

Copy this file together with ``bindings.py`` and ``groups/auto_bind.py`` (its rasteriser): it
needs only ``supervisely``, ``numpy`` and ``opencv`` besides.

Rules:
    - **Pixels.** Bitmap, Polygon and Rectangle labels (these types exactly) take part by their
      pixels inside the image, polygons and rectangles as ``geometry.draw`` fills them (the
      raster rules of ``groups.auto_bind`` and ``groups.merge``). Other geometries take no part.
    - **Overlap** of a child with a parent: the child's pixels inside the parent over the
      child's pixels (intersection over the child's area), from 0 to 1. A child joins the parent
      that covers the largest share of it (ties: the first parent in the annotation), when that
      share is at least ``min_overlap``; otherwise it is left as it is.
    - **Existing keys.** A child already bound stays as it is, unless ``regroup=True`` (then it
      moves to its parent when it has one, and keeps its key when it has none). A parent
      already bound keeps its key and the child joins that group. A parent that gets no child
      is left as it is (a group of one is not a group).
    - **Keys** of new groups are ``uuid5`` digests of the parent's content (image size, class
      and pixels), as ``groups.auto_bind`` makes them: the same input gives the same keys on
      every run and machine. (The app uses the parent's label id, which exists only on a
      server.)
    - A label of a class that is both a parent and a child class is never its own parent.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Dict, Iterable, List, Optional, Set

import numpy as np
import supervisely as sly

from bindings import binding_key_of, with_binding_key
from sly_bindings.groups.auto_bind import _Fragment, _rasterise

# Any fixed namespace will do; this one makes keys of this module differ from other uuid5 keys.
KEY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://supervisely.com/auto_bind_nested")


def auto_bind_nested(
    ann: sly.Annotation,
    parent_classes: Iterable[str],
    child_classes: Iterable[str],
    min_overlap: float = 0.5,
    regroup: bool = False,
) -> sly.Annotation:
    """A copy of ``ann`` where each child-class label is bound to the parent that holds it.

    Args:
        ann: the image's annotation; not changed.
        parent_classes: names of the classes of the holding objects (``person``).
        child_classes: names of the classes of their parts (``head``, ``hand``).
        min_overlap: the least share of a child's pixels inside its parent, above 0, at most 1.
        regroup: move children that are already bound too.

    Returns:
        A new annotation with the same labels in the same order; bound ones are copies.

    Raises:
        TypeError: ``ann`` is not a ``sly.Annotation``, or a class list is one string.
        ValueError: ``min_overlap`` is not a number in (0, 1].

    Examples:
        >>> person = sly.ObjClass("person", sly.Rectangle)
        >>> head, hand = sly.ObjClass("head", sly.Rectangle), sly.ObjClass("hand", sly.Rectangle)
        >>> ann = sly.Annotation((20, 20), [
        ...     sly.Label(sly.Rectangle(0, 0, 9, 9), person),
        ...     sly.Label(sly.Rectangle(8, 0, 12, 1), head),      # 2 of 5 rows inside: 40 %
        ...     sly.Label(sly.Rectangle(2, 2, 3, 3), hand)])     # all inside
        >>> bound = auto_bind_nested(ann, ["person"], ["head", "hand"], min_overlap=0.5)
        >>> [label.binding_key is not None for label in bound.labels]
        [True, False, True]
        >>> bound.labels[0].binding_key == bound.labels[2].binding_key
        True
    """
    if not isinstance(ann, sly.Annotation):
        raise TypeError(f"ann is a {type(ann).__name__}: pass a sly.Annotation")
    parents_named = _names(parent_classes, "parent_classes")
    children_named = _names(child_classes, "child_classes")
    if (
        isinstance(min_overlap, bool)
        or not isinstance(min_overlap, (int, float))
        or not 0 < min_overlap <= 1
    ):
        raise ValueError(f"min_overlap must be a number above 0 and at most 1, got {min_overlap!r}")
    height, width = ann.img_size
    labels = ann.labels
    keys = [binding_key_of(label) for label in labels]
    parents: List[_Fragment] = []
    children: List[_Fragment] = []
    for index, label in enumerate(labels):
        name = label.obj_class.name
        is_parent, is_child = name in parents_named, name in children_named
        if not (is_parent or (is_child and (keys[index] is None or regroup))):
            continue
        fragment = _rasterise(index, label.geometry, height, width)
        if fragment is None:
            continue
        if is_parent:
            parents.append(fragment)
        if is_child and (keys[index] is None or regroup):
            children.append(fragment)

    chosen: Dict[int, int] = {}  # child index -> parent index
    for child in children:
        area = int(child.mask.sum())
        best, best_share = None, 0.0
        for parent in parents:
            if parent.index == child.index:
                continue
            share = _inside(child, parent) / area
            if share > best_share:
                best, best_share = parent.index, share
        if best is not None and best_share >= min_overlap:
            chosen[child.index] = best

    by_index = {parent.index: parent for parent in parents}
    parent_keys: Dict[int, object] = {}
    for parent_index in dict.fromkeys(chosen.values()):
        if keys[parent_index] is not None:
            # The exact key object: a server's number must not become a string.
            parent_keys[parent_index] = labels[parent_index].binding_key
        else:
            parent_keys[parent_index] = _content_key(by_index[parent_index], labels, ann.img_size)
    new_keys = {index: parent_keys[parent] for index, parent in chosen.items()}
    new_keys.update(parent_keys)
    return ann.clone(
        labels=[
            with_binding_key(label, new_keys[index]) if index in new_keys else label
            for index, label in enumerate(labels)
        ]
    )


def _inside(child: _Fragment, parent: _Fragment) -> int:
    """How many pixels of ``child`` are pixels of ``parent``."""
    top, left = max(child.top, parent.top), max(child.left, parent.left)
    bottom = min(child.top + child.mask.shape[0], parent.top + parent.mask.shape[0])
    right = min(child.left + child.mask.shape[1], parent.left + parent.mask.shape[1])
    if top >= bottom or left >= right:
        return 0
    mine = child.mask[top - child.top : bottom - child.top, left - child.left : right - child.left]
    theirs = parent.mask[
        top - parent.top : bottom - parent.top, left - parent.left : right - parent.left
    ]
    return int(np.count_nonzero(mine & theirs))


def _content_key(fragment: _Fragment, labels: List[sly.Label], image_size: tuple) -> Optional[str]:
    """A uuid5 of the parent's content: image size, class and pixels."""
    digest = hashlib.sha256(repr(tuple(image_size)).encode())
    digest.update(labels[fragment.index].obj_class.name.encode())
    digest.update(repr((fragment.top, fragment.left, fragment.mask.shape)).encode())
    digest.update(np.packbits(fragment.mask).tobytes())
    return uuid.uuid5(KEY_NAMESPACE, digest.hexdigest()).hex


def _names(class_names: Iterable[str], argument: str) -> Set[str]:
    if isinstance(class_names, str):
        raise TypeError(f"{argument} is the string {class_names!r}: pass a list of class names")
    return set(class_names)
