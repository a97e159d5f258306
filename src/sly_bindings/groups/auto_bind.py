"""Bind the fragments of one object automatically: same-class labels that (nearly) touch.

A pedestrian splits a car into fragments a few pixels apart; :func:`auto_bind` puts such
fragments under one binding key. The input is never changed:

    bound = auto_bind(ann, max_gap=3)

Copy this file together with ``bindings.py``: it needs only ``supervisely``, ``numpy`` and
``opencv`` besides.

Rules:
    - **Gap.** Each pixel is a unit square. The gap between two labels is the smallest
      Euclidean distance between the edges of a pixel of one and a pixel of the other. Labels
      that overlap or touch (side or corner) have gap 0; ``k`` empty pixels between them in a
      row or a column make gap ``k``; pixels ``(0, 0)`` and ``(4, 5)`` are 3 rows and 4 columns
      of empty pixels apart, gap 5. Every gap is the square root of an integer, and the test is
      inclusive: labels bind when ``gap <= max_gap`` (``gap**2 <= floor(max_gap**2)``, so
      ``max_gap=math.sqrt(2)`` binds a gap of exactly ``sqrt(2)``). Exact for gaps up to 1000
      px (distances are float32).
    - **Groups are transitive**: A near B and B near C make one group, however far A is from C.
      A label near no other gets no key (a group of one is not a group).
    - **Classes** stay apart: only labels of one class bind, unless ``across_classes=True``.
    - **Geometries.** Bitmap, Polygon and Rectangle labels (these types exactly, as in
      ``groups.merge``) take part by their pixels, polygons and rectangles as ``geometry.draw``
      fills them; pixels outside the image do not count. Other geometries (points, lines,
      graphs, alpha masks, ...) and labels with no pixel inside the image take no part: they
      keep their key, or lose it with ``keep_existing=False``.
    - **Existing groups** (``keep_existing=True``, the default) stay as they are: their labels
      keep their key and two groups are never merged. Unbound labels near each other form
      groups, and such a new group near exactly one existing group joins it (takes its key);
      one near two or more existing groups is ambiguous and stays unbound, for you to decide.
      With ``keep_existing=False`` every key in ``ann`` is dropped first and the groups follow
      from the geometry alone.
    - **Keys** of new groups are ``uuid5`` digests of the group's content (image size, and the
      class and pixels of each label): the same input gives the same keys on every run and
      machine, and different groups get different keys. Pass ``image`` (the image's name), as
      ``sly-bindings auto-bind`` does, so that two images of a project with identical labels get
      different keys; without it they get identical keys, which
      ``groups.validate.find_reused_keys`` reports.

Time: the labels are painted once on an image-sized canvas, and each label's box, grown by
``max_gap`` on every side, is searched once (with an exact distance transform only when another
label is in it), so the time is linear in the number of labels plus the area of those boxes
(about the image area for labels that do not overlap much), never in the square of the number
of labels. With ``keep_existing=True`` a class without unbound labels is skipped.
"""

from __future__ import annotations

import copy
import hashlib
import math
import numbers
import uuid
from typing import Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

import cv2
import numpy as np
import numpy.typing as npt
import supervisely as sly

from bindings import AREA_GEOMETRIES, binding_key_of, with_binding_key

# Any fixed namespace will do; this one makes keys of this module differ from other uuid5 keys.
KEY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://supervisely.com/auto_bind")


class _Fragment(NamedTuple):
    """The pixels of one label inside the image: ``mask`` with its top-left at (top, left)."""

    index: int
    top: int
    left: int
    mask: npt.NDArray[np.bool_]


def auto_bind(
    ann: sly.Annotation,
    max_gap: float,
    *,
    keep_existing: bool = True,
    across_classes: bool = False,
    image: str = "",
) -> sly.Annotation:
    """Return a copy of ``ann`` in which labels at most ``max_gap`` pixels apart are bound.

    See the module's rules for what the gap is and what happens to existing groups.

    Args:
        ann: the annotation; its ``img_size`` must be known.
        max_gap: the largest gap, in pixels, that still binds (0: only touching labels).
        keep_existing: keep the groups already in ``ann`` (True) or regroup everything (False).
        across_classes: let labels of different classes bind.

    Returns:
        A new annotation with the labels in the same order, each a copy: bound ones carry their
        group's key, the others their old key (or none).

    Raises:
        TypeError: ``ann`` is not a ``sly.Annotation``, ``max_gap`` is not a number, or a flag
            is not a bool.
        ValueError: ``max_gap`` is negative or not finite, or ``ann`` has no image size.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> ann = sly.Annotation((10, 20), [sly.Label(sly.Rectangle(0, left, 9, right), car)
        ...                                 for left, right in ((0, 3), (6, 9), (15, 19))])
        >>> bound = auto_bind(ann, max_gap=2)  # columns 4-5 are empty: gap 2; 10-14: gap 5
        >>> [label.binding_key is not None for label in bound.labels]
        [True, True, False]
        >>> bound.labels[0].binding_key == bound.labels[1].binding_key
        True
    """
    _check_arguments(ann, max_gap, keep_existing, across_classes)
    height, width = ann.img_size
    labels = ann.labels
    old_keys = [binding_key_of(label) if keep_existing else None for label in labels]

    fragments = [
        fragment
        for index, label in enumerate(labels)
        if (fragment := _rasterise(index, label.geometry, height, width)) is not None
    ]
    # Labels bound already go first, so that an unbound label is never hidden under one of them.
    fragments.sort(key=lambda fragment: (old_keys[fragment.index] is None, fragment.index))
    if across_classes:
        batches = [fragments]
    else:
        by_class: Dict[str, List[_Fragment]] = {}
        for fragment in fragments:
            by_class.setdefault(labels[fragment.index].obj_class.name, []).append(fragment)
        batches = list(by_class.values())

    # Unbound labels near each other are united here; links to bound labels are listed apart.
    parent = list(range(len(labels)))
    links: Set[Tuple[int, int]] = set()
    # No two pixels of the image are further apart than its diagonal: a larger gap is that one
    # (and 1e308 squared would be infinite).
    max_gap = min(max_gap, math.hypot(height, width))
    squared_limit = math.floor(max_gap * max_gap + 1e-9)
    # Label index + 1 per pixel; 16 bits when they suffice halve the memory to touch.
    canvas = np.zeros((height, width), dtype=np.uint16 if len(labels) < 2**16 else np.int32)
    for batch in batches:
        if any(old_keys[fragment.index] is None for fragment in batch):
            _link_labels_within_gap(batch, squared_limit, canvas, old_keys, parent, links)

    new_keys = _group_keys(labels, old_keys, parent, links, fragments, (height, width), image)
    result = []
    for index, label in enumerate(labels):
        if index in new_keys:
            result.append(with_binding_key(label, new_keys[index]))
        elif keep_existing:
            result.append(copy.copy(label))  # a copy, so the result never shares a label
        else:
            result.append(with_binding_key(label, None))
    return ann.clone(labels=result)


def _link_labels_within_gap(
    fragments: Sequence[_Fragment],
    squared_limit: int,
    canvas: npt.NDArray[np.integer],
    old_keys: Sequence[Optional[str]],
    parent: List[int],
    links: Set[Tuple[int, int]],
) -> None:
    """Unite unbound labels within the gap in ``parent``; add (unbound, bound) pairs to ``links``.

    Every fragment is painted on ``canvas`` (label index + 1; a later one covers an earlier
    one), then each fragment looks up the labels painted within its reach. A label hidden under
    another can be missed, but then the one covering it is found, and covering means gap 0, so
    the groups come out the same. ``canvas`` is all zero on entry and on return.
    """
    for fragment in fragments:
        _region(canvas, fragment)[fragment.mask] = fragment.index + 1

    def settled(first: int, second: int) -> bool:
        """Whether finding these two labels near each other would change nothing."""
        first_bound, second_bound = old_keys[first] is not None, old_keys[second] is not None
        if first_bound and second_bound:
            return True  # two groups are never merged: their nearness does not matter
        if not first_bound and not second_bound:
            return _root(parent, first) == _root(parent, second)
        return ((first, second) if second_bound else (second, first)) in links

    def link(first: int, second: int) -> None:
        first_bound, second_bound = old_keys[first] is not None, old_keys[second] is not None
        if not first_bound and not second_bound:
            low, high = sorted((_root(parent, first), _root(parent, second)))
            parent[high] = low
        elif first_bound != second_bound:
            links.add((first, second) if second_bound else (second, first))

    # Dilating a label by one pixel (3x3) turns the edge-to-edge gap into the Euclidean distance
    # between pixel centres that cv2's exact (DIST_MASK_PRECISE) distance transform measures.
    # Squared distances are integers, so comparing with the midpoint to the next one is exact.
    reach = float(np.float32(math.sqrt(squared_limit + 0.5)))
    margin = 1 + math.isqrt(squared_limit)
    for fragment in fragments:
        own = fragment.index + 1
        rows, cols = fragment.mask.shape
        top, left = max(fragment.top - margin, 0), max(fragment.left - margin, 0)
        window = canvas[top : fragment.top + rows + margin, left : fragment.left + cols + margin]
        # Most labels have no other label in their window, or only ones whose nearness is
        # known already: then there is no distance to measure.
        if np.count_nonzero(window) == np.count_nonzero(window == own):
            continue
        is_other = (window != own) & (window != 0)
        others = np.unique(window[is_other]).tolist()
        if all(settled(fragment.index, other - 1) for other in others):
            continue
        outside = np.ones(window.shape, dtype=np.uint8)
        own_rows = slice(fragment.top - top, fragment.top - top + rows)
        own_cols = slice(fragment.left - left, fragment.left - left + cols)
        outside[own_rows, own_cols][fragment.mask] = 0
        outside = cv2.erode(outside, np.ones((3, 3), np.uint8))
        distance = cv2.distanceTransform(outside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        for other in np.unique(window[is_other & (distance <= reach)]).tolist():
            link(fragment.index, other - 1)

    for fragment in fragments:
        _region(canvas, fragment)[...] = 0


def _root(parent: List[int], index: int) -> int:
    """The representative of ``index``'s set in the union-find list ``parent``."""
    while parent[index] != index:
        parent[index] = parent[parent[index]]
        index = parent[index]
    return index


def _group_keys(
    labels: Sequence[sly.Label],
    old_keys: Sequence[Optional[str]],
    parent: List[int],
    links: Set[Tuple[int, int]],
    fragments: Sequence[_Fragment],
    image_size: Tuple[int, int],
    image: str = "",
) -> Dict[int, object]:
    """The new key of every unbound label that gets one, by label index."""
    members: Dict[int, List[int]] = {}
    for fragment in sorted(fragments, key=lambda fragment: fragment.index):
        if old_keys[fragment.index] is None:
            members.setdefault(_root(parent, fragment.index), []).append(fragment.index)
    near_groups: Dict[int, Set[str]] = {}
    for unbound, bound in links:
        near_groups.setdefault(_root(parent, unbound), set()).add(old_keys[bound])

    first_label_of_group: Dict[str, int] = {}
    for index, key in enumerate(old_keys):
        if key is not None:
            first_label_of_group.setdefault(key, index)
    by_index = {fragment.index: fragment for fragment in fragments}
    new_keys: Dict[int, object] = {}
    for root, indexes in members.items():
        groups = near_groups.get(root, set())
        if len(groups) == 1:
            # The exact key object of the group: a server's number must not become a string.
            (key,) = groups
            key_object: object = labels[first_label_of_group[key]].binding_key
        elif not groups and len(indexes) > 1:
            key_object = content_key(
                [by_index[index] for index in indexes], labels, image_size, image
            )
        else:
            continue  # alone, or near two groups: ambiguous, so it stays unbound
        new_keys.update((index, key_object) for index in indexes)
    return new_keys


def content_key(
    fragments: Sequence[_Fragment],
    labels: Sequence[sly.Label],
    image_size: Tuple[int, int],
    image: str = "",
) -> str:
    """The key of a new group: a uuid5 of its content (the image's name ``image`` and size, and
    each label's class and pixels), the same on every run and machine; two images of one
    project with identical labels differ by their names."""
    digest = hashlib.sha256(repr((image, tuple(image_size))).encode())
    for fragment in fragments:
        digest.update(labels[fragment.index].obj_class.name.encode())
        digest.update(repr((fragment.top, fragment.left, fragment.mask.shape)).encode())
        digest.update(np.packbits(fragment.mask).tobytes())
    return uuid.uuid5(KEY_NAMESPACE, digest.hexdigest()).hex


def _rasterise(index: int, geometry: sly.Geometry, height: int, width: int) -> Optional[_Fragment]:
    """The pixels of ``geometry`` inside the image, or None for no pixel or no area geometry."""
    if type(geometry) is sly.Bitmap:
        # origin and data, not to_bbox(): the SDK's Rectangle arithmetic costs more than this.
        origin, mask = geometry.origin, geometry.data
        top, left, trimmed = origin.row, origin.col, True  # the SDK trims a Bitmap's margins
    elif type(geometry) in AREA_GEOMETRIES:
        box = geometry.to_bbox()
        top, left, trimmed = box.top, box.left, False
        painted = np.zeros((box.height, box.width), dtype=np.uint8)
        geometry.translate(-top, -left).draw(painted, 1)
        mask = painted.astype(bool)
    else:
        return None
    inside = mask[max(-top, 0) : max(height - top, 0), max(-left, 0) : max(width - left, 0)]
    top, left = max(top, 0), max(left, 0)
    if trimmed and inside.shape == mask.shape:
        return _Fragment(index, top, left, mask)
    # Trim to the pixels that are set, so that the search box is as small as it can be.
    rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    if rows.size == 0:
        return None
    inside = inside[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    return _Fragment(index, top + int(rows[0]), left + int(cols[0]), inside)


def _region(canvas: npt.NDArray, fragment: _Fragment) -> npt.NDArray:
    rows, cols = fragment.mask.shape
    return canvas[fragment.top : fragment.top + rows, fragment.left : fragment.left + cols]


def _check_arguments(
    ann: sly.Annotation, max_gap: float, keep_existing: bool, across_classes: bool
) -> None:
    if not isinstance(ann, sly.Annotation):
        raise TypeError(f"ann is a {type(ann).__name__}: pass a sly.Annotation")
    if isinstance(max_gap, bool) or not isinstance(max_gap, numbers.Real):
        raise TypeError(f"max_gap is a {type(max_gap).__name__}: pass a number of pixels")
    if not math.isfinite(max_gap) or max_gap < 0:
        raise ValueError(f"max_gap must be a finite number >= 0 (pixels), got {max_gap}")
    for name, flag in (("keep_existing", keep_existing), ("across_classes", across_classes)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} is a {type(flag).__name__}: pass True or False")
    if None in tuple(ann.img_size):
        raise ValueError(
            "ann has no image size (img_size is (None, None)): create it with the image's "
            "(height, width)"
        )
