"""Split a Bitmap label whose mask has several blobs into one label per blob, bound together.

A model or a converter often gives one mask with several separate blobs for one object (the
car behind a pedestrian, as one mask in three pieces). Supervisely draws such an object as
several labels bound under one key; :func:`split_label` makes those labels, and
:func:`split_annotation` does it for every Bitmap label of an annotation. Inputs are never
changed.

Copy this file together with ``bindings.py``: it needs only ``supervisely``, ``numpy`` and
``opencv`` besides.

Rules:
    - Blobs are the connected components of the mask, with 4-connectivity (pixels that share a
      side) or 8-connectivity (a corner is enough).
    - Blobs smaller than ``min_area`` pixels are dropped as noise. When every blob is dropped,
      the label is dropped: ``split_label`` returns an empty list.
    - The blobs come top to bottom, then left to right, by the top-left corner of their boxes.
    - The blob labels share one key: the one you give, else the label's own key (so they stay
      in its group), else a new ``uuid4().hex``. A label left with one blob and no key to keep
      stays unbound: one label is no group.
    - Each blob label keeps the class, tags and description of the label it came from.
"""

from __future__ import annotations

import copy
import uuid
from typing import Iterable, List, Optional

import cv2
import numpy as np
import supervisely as sly

from bindings import binding_key_of, with_binding_key


def split_label(
    label: sly.Label,
    connectivity: int = 8,
    min_area: int = 1,
    binding_key: Optional[str] = None,
) -> List[sly.Label]:
    """The blobs of a Bitmap label as separate Bitmap labels bound under one key.

    Args:
        label: a label with a ``sly.Bitmap`` geometry.
        connectivity: 4 or 8 (see the module's rules).
        min_area: blobs with fewer pixels are dropped; 1 keeps every blob.
        binding_key: the key for the blobs; by default the label's own, else a new one.

    Returns:
        One label per kept blob, in order; an empty list when every blob is below ``min_area``.

    Raises:
        TypeError: ``label`` is not a Bitmap label, ``min_area`` is not a whole number, or
            ``binding_key`` is not a string.
        ValueError: ``connectivity`` is not 4 or 8, ``min_area`` is below 1, or
            ``binding_key`` is empty.

    Examples:
        >>> car = sly.ObjClass("car", sly.Bitmap)
        >>> mask = np.array([[1, 0, 0],
        ...                  [0, 1, 0],
        ...                  [0, 0, 0],
        ...                  [1, 1, 1]], dtype=bool)
        >>> label = sly.Label(sly.Bitmap(mask), car)
        >>> [blob.geometry.area for blob in split_label(label, connectivity=8, binding_key="car-1")]
        [2.0, 3.0]
        >>> [(blob.geometry.area, blob.binding_key) for blob in split_label(label, 4, min_area=2)]
        [(3.0, None)]
    """
    if not isinstance(label, sly.Label) or type(label.geometry) is not sly.Bitmap:
        what = label.geometry.name() if isinstance(label, sly.Label) else type(label).__name__
        raise TypeError(f"cannot split a {what}: pass a label with a sly.Bitmap geometry")
    _check_split_options(connectivity, min_area)
    if binding_key is not None:
        if not isinstance(binding_key, str):
            raise TypeError(
                f"binding_key {binding_key!r} is a {type(binding_key).__name__}: pass a string"
            )
        if not binding_key:
            raise ValueError("binding_key is empty: pass a non-empty string or None")

    origin = label.geometry.origin
    mask = label.geometry.data.astype(np.uint8)
    count, blob_ids, stats, _ = cv2.connectedComponentsWithStats(
        mask, connectivity=connectivity, ltype=cv2.CV_32S
    )
    kept = [blob for blob in range(1, count) if stats[blob, cv2.CC_STAT_AREA] >= min_area]
    kept.sort(key=lambda blob: (stats[blob, cv2.CC_STAT_TOP], stats[blob, cv2.CC_STAT_LEFT], blob))

    key = binding_key if binding_key is not None else binding_key_of(label)
    if key is None and len(kept) > 1:
        key = uuid.uuid4().hex
    blobs = []
    for blob in kept:
        left, top, width, height = (int(value) for value in stats[blob, :4])
        blob_mask = blob_ids[top : top + height, left : left + width] == blob
        geometry = sly.Bitmap(
            blob_mask, origin=sly.PointLocation(origin.row + top, origin.col + left)
        )
        blobs.append(with_binding_key(label.clone(geometry=geometry), key))
    return blobs


def split_annotation(
    ann: sly.Annotation,
    connectivity: int = 8,
    min_area: int = 1,
    class_names: Optional[Iterable[str]] = None,
) -> sly.Annotation:
    """A copy of ``ann`` whose Bitmap labels of ``class_names`` (all when None) are split.

    Each split label is replaced, in place, by its blob labels (see :func:`split_label`); a label
    with no blob of ``min_area`` pixels is dropped. Other labels are kept as they are.

    Raises:
        TypeError: ``class_names`` is a single string instead of a list of names, or
            ``min_area`` is not a whole number.
        ValueError: ``connectivity`` is not 4 or 8, or ``min_area`` is below 1.

    Examples:
        >>> car = sly.ObjClass("car", sly.Bitmap)
        >>> mask = np.array([[1, 1, 0, 1]], dtype=bool)
        >>> ann = sly.Annotation((1, 4), [sly.Label(sly.Bitmap(mask), car)])
        >>> [blob.geometry.area for blob in split_annotation(ann, class_names=["car"]).labels]
        [2.0, 1.0]
    """
    _check_split_options(connectivity, min_area)
    if isinstance(class_names, str):
        raise TypeError(
            f"class_names is the string {class_names!r}: pass a list of names, [{class_names!r}]"
        )
    names = None if class_names is None else set(class_names)
    labels: List[sly.Label] = []
    for label in ann.labels:
        if type(label.geometry) is sly.Bitmap and (names is None or label.obj_class.name in names):
            labels.extend(split_label(label, connectivity, min_area))
        else:
            # A copy, so that changing a label of the result never reaches back into ``ann``.
            labels.append(copy.copy(label))
    return ann.clone(labels=labels)


def _check_split_options(connectivity: int, min_area: int) -> None:
    if (
        not isinstance(connectivity, (int, np.integer))
        or isinstance(connectivity, bool)
        or connectivity not in (4, 8)
    ):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity!r}")
    if not isinstance(min_area, (int, np.integer)) or isinstance(min_area, bool):
        raise TypeError(f"min_area must be a whole number of pixels, got {min_area!r}")
    if min_area < 1:
        raise ValueError(f"min_area must be at least 1 pixel, got {min_area}: use 1 to keep all")
