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
      raster rules of ``groups.auto_bind`` and ``groups.merge``). A child of any other geometry
      (a keypoints skeleton, a point, a line) takes part by its box (``geometry.to_bbox()``), as
      the app compares every child; a parent must have an area.
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
    - **What it did and left**: :func:`auto_bind_nested_counted` also gives per child class how
      many children were bound and left unbound, and the best share found for the unbound (so
      a hand 46 % inside is seen left at ``min_overlap=0.5``) as :class:`NestedCounts`.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, NamedTuple, Optional, Set, Tuple

import numpy as np
import supervisely as sly

from bindings import AREA_GEOMETRIES, binding_key_of, with_binding_key
from sly_bindings.groups.auto_bind import _Fragment, _rasterise, content_key


class NestedCounts(NamedTuple):
    """Per child class: children bound, children left unbound, and the best share inside a
    parent found for an unbound one (0.0 when none touched a parent). Immutable; ``+`` adds
    the counts of two runs and keeps the larger best share.

    Examples:
        >>> a = NestedCounts({"hand": 2}, {"hand": 1}, {"hand": 0.46})
        >>> a + NestedCounts({"head": 1}, {"hand": 1}, {"hand": 0.3})
        NestedCounts(bound={'hand': 2, 'head': 1}, unbound={'hand': 2}, best_unbound={'hand': 0.46})
    """

    bound: Dict[str, int] = {}
    unbound: Dict[str, int] = {}
    best_unbound: Dict[str, float] = {}

    def __add__(self, other: "NestedCounts") -> "NestedCounts":  # type: ignore[override]
        def added(mine: Dict[str, int], theirs: Dict[str, int]) -> Dict[str, int]:
            return {name: mine.get(name, 0) + theirs.get(name, 0) for name in {**mine, **theirs}}

        best = dict(self.best_unbound)
        for name, share in other.best_unbound.items():
            best[name] = max(best.get(name, 0.0), share)
        return NestedCounts(
            added(self.bound, other.bound), added(self.unbound, other.unbound), best
        )

    def lines(self) -> List[str]:
        """One line per child class, e.g. ``hand: 2 bound, 1 left unbound (best overlap 46%)``.

        Examples:
            >>> NestedCounts({"hand": 2}, {"hand": 1}, {"hand": 0.46}).lines()
            ['hand: 2 bound, 1 left unbound (best overlap 46%)']
        """
        result = []
        for name in sorted({**self.bound, **self.unbound}):
            line = f"{name}: {self.bound.get(name, 0)} bound"
            left = self.unbound.get(name, 0)
            if left:
                best = self.best_unbound.get(name, 0.0)
                line += f", {left} left unbound (best overlap {best:.0%})"
            result.append(line)
        return result


def auto_bind_nested(
    ann: sly.Annotation,
    parent_classes: Iterable[str],
    child_classes: Iterable[str],
    min_overlap: float = 0.5,
    regroup: bool = False,
    image: str = "",
) -> sly.Annotation:
    """A copy of ``ann`` where each child-class label is bound to the parent that holds it.

    Args:
        ann: the image's annotation; not changed.
        parent_classes: names of the classes of the holding objects (``person``).
        child_classes: names of the classes of their parts (``head``, ``hand``).
        min_overlap: the least share of a child's pixels inside its parent, above 0, at most 1.
        regroup: move children that are already bound too.
        image: the image's name, part of a new group's key (``auto_bind.content_key``).

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
    return auto_bind_nested_counted(
        ann, parent_classes, child_classes, min_overlap, regroup, image
    )[0]


def auto_bind_nested_counted(
    ann: sly.Annotation,
    parent_classes: Iterable[str],
    child_classes: Iterable[str],
    min_overlap: float = 0.5,
    regroup: bool = False,
    image: str = "",
) -> Tuple[sly.Annotation, NestedCounts]:
    """:func:`auto_bind_nested`, and what it did and left, per child class (:class:`NestedCounts`).

    Raises:
        as :func:`auto_bind_nested`.

    Examples:
        >>> person = sly.ObjClass("person", sly.Rectangle)
        >>> hand = sly.ObjClass("hand", sly.Rectangle)
        >>> ann = sly.Annotation((20, 20), [
        ...     sly.Label(sly.Rectangle(0, 0, 9, 9), person),
        ...     sly.Label(sly.Rectangle(8, 0, 12, 1), hand),     # 2 of 5 rows inside: 40 %
        ...     sly.Label(sly.Rectangle(2, 2, 3, 3), hand)])     # all inside
        >>> _, counts = auto_bind_nested_counted(ann, ["person"], ["hand"], min_overlap=0.5)
        >>> counts.lines()
        ['hand: 1 bound, 1 left unbound (best overlap 40%)']
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
        if is_parent and fragment is not None:
            parents.append(fragment)
        if is_child and (keys[index] is None or regroup):
            if fragment is None and type(label.geometry) not in AREA_GEOMETRIES:
                # A skeleton, a point or a line takes part by its box, as the app compares it.
                fragment = _rasterise(index, label.geometry.to_bbox(), height, width)
            if fragment is not None:
                children.append(fragment)

    chosen: Dict[int, int] = {}  # child index -> parent index
    bound: Dict[str, int] = {}
    unbound: Dict[str, int] = {}
    best_unbound: Dict[str, float] = {}
    for child in children:
        area = int(child.mask.sum())
        best, best_share = None, 0.0
        for parent in parents:
            if parent.index == child.index:
                continue
            share = _inside(child, parent) / area
            if share > best_share:
                best, best_share = parent.index, share
        name = labels[child.index].obj_class.name
        if best is not None and best_share >= min_overlap:
            chosen[child.index] = best
            bound[name] = bound.get(name, 0) + 1
        else:
            unbound[name] = unbound.get(name, 0) + 1
            best_unbound[name] = max(best_unbound.get(name, 0.0), round(best_share, 4))

    by_index = {parent.index: parent for parent in parents}
    parent_keys: Dict[int, object] = {}
    for parent_index in dict.fromkeys(chosen.values()):
        if keys[parent_index] is not None:
            # The exact key object: a server's number must not become a string.
            parent_keys[parent_index] = labels[parent_index].binding_key
        else:
            parent_keys[parent_index] = content_key(
                [by_index[parent_index]], labels, ann.img_size, image
            )
    new_keys = {index: parent_keys[parent] for index, parent in chosen.items()}
    new_keys.update(parent_keys)
    bound_ann = ann.clone(
        labels=[
            with_binding_key(label, new_keys[index]) if index in new_keys else label
            for index, label in enumerate(labels)
        ]
    )
    return bound_ann, NestedCounts(bound, unbound, best_unbound)


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


def _names(class_names: Iterable[str], argument: str) -> Set[str]:
    if isinstance(class_names, str):
        raise TypeError(f"{argument} is the string {class_names!r}: pass a list of class names")
    return set(class_names)
