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

import contextlib
import copy
import os
import tempfile
import uuid
from typing import (
    Dict,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

import cv2
import numpy as np
import numpy.typing as npt
import supervisely as sly

MaskSource = Union[str, "os.PathLike[str]", npt.NDArray]
ALLOWED_MASK_VALUES = ({0, 1}, {0, 255})
# The geometries that cover pixels, and so can be parts of one object's area. Exact types:
# AlphaMask (a Bitmap) and OrientedBBox (a Rectangle) are not drawn like their parents.
AREA_GEOMETRIES = (sly.Bitmap, sly.Polygon, sly.Rectangle)


class InvalidMaskError(ValueError):
    """A mask that does not follow the mask rule of this module; the message says how to fix it."""


class InvalidImageError(ValueError):
    """An image file that cannot be used; the message says how to fix it."""


class InvalidBindingKeyError(ValueError):
    """A label whose binding key, as read from a file or a server, is not a string or integer."""


class BindingGroups(NamedTuple):
    """Labels of one annotation split by binding key.

    ``groups`` maps each key (as a string) to its labels, in the order keys first appear in the
    annotation; ``unbound`` holds the labels without a key.
    """

    groups: Dict[str, List[sly.Label]]
    unbound: List[sly.Label]


def read_image(
    path: Union[str, "os.PathLike[str]"], flags: int = cv2.IMREAD_UNCHANGED
) -> npt.NDArray[np.generic]:
    """The image at ``path`` as ``cv2.imread(path, flags)`` gives it, after checking it is whole.

    Raises:
        FileNotFoundError: the path does not exist.
        InvalidImageError: the file is not an image Supervisely accepts, it is corrupt, or it is
            a JPEG cut short (which ``cv2.imread`` decodes with a grey bottom, and no error).

    Examples:
        >>> read_image("images/image.jpg", cv2.IMREAD_GRAYSCALE).shape
        (720, 1280)
    """
    name = f"image {os.fspath(path)}"
    if os.path.isdir(path):
        raise InvalidImageError(f"{name} is a folder: pass one image file")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{name} does not exist: check the path")
    if not sly.image.has_valid_ext(os.fspath(path)):
        raise InvalidImageError(
            f"{name} is not a format Supervisely accepts: use one of "
            + ", ".join(sly.image.SUPPORTED_IMG_EXTS)
        )
    # cv2.imread raises nothing: a corrupt file gives None, and a JPEG cut short decodes while
    # libjpeg warns on the process's stderr, which we read instead of showing.
    with _c_stderr_captured() as c_stderr:
        image = cv2.imread(os.fspath(path), flags)
    if image is None:
        raise InvalidImageError(f"{name} cannot be decoded (corrupt or truncated): export it again")
    if "Premature end of JPEG file" in c_stderr[0]:
        raise InvalidImageError(f"{name} is truncated (its JPEG data ends early): copy it again")
    return image


def read_image_size(path: Union[str, "os.PathLike[str]"]) -> Tuple[int, int]:
    """The ``(height, width)`` of the image at ``path``, after :func:`read_image` checked it.

    The pixels as stored: no EXIF rotation, as Supervisely sizes an image.

    Examples:
        >>> read_image_size("images/image.jpg")
        (720, 1280)
    """
    image = read_image(path)
    return image.shape[0], image.shape[1]


@contextlib.contextmanager
def _c_stderr_captured() -> Iterator[List[str]]:
    """Collect what C libraries write to file descriptor 2 during the block, instead of showing it.

    The list it yields holds the text once the block has ended.
    """
    captured: List[str] = []
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield captured
            finally:
                os.dup2(saved, 2)
                sink.seek(0)
                captured.append(sink.read().decode(errors="replace"))
    finally:
        os.close(saved)


def read_mask(source: MaskSource, image_size: Tuple[int, int]) -> npt.NDArray[np.bool_]:
    """Read a binary mask from a file or an array and check it against the image size.

    Args:
        source: path to a mask image, or a numpy array (see the mask rule in the module doc).
        image_size: ``(height, width)`` of the image the mask belongs to.

    Returns:
        A 2-D boolean array of shape ``image_size``.

    Raises:
        FileNotFoundError: the path does not exist.
        InvalidMaskError: the file is not an image, or the mask breaks the mask rule.

    Examples:
        >>> read_mask(np.array([[0, 255], [0, 0]], dtype=np.uint8), (2, 2))
        array([[False,  True],
               [False, False]])
    """
    name = "mask array"
    if not isinstance(source, np.ndarray):
        name = f"mask {os.fspath(source)}"
        if os.path.isdir(source):
            raise InvalidMaskError(
                f"{name} is a folder: pass one file per mask, e.g. {name[5:]}/*.png"
            )
        if not os.path.isfile(source):
            raise FileNotFoundError(f"{name} does not exist: check the path")
        # IMREAD_UNCHANGED keeps 16-bit and alpha data visible, so they are rejected, not mangled.
        with _c_stderr_captured():
            source = cv2.imread(os.fspath(source), cv2.IMREAD_UNCHANGED)
        if source is None:
            raise InvalidMaskError(f"{name} is not a readable image: save it as a PNG")
        if source.dtype != np.uint8:
            raise InvalidMaskError(
                f"{name} has {source.dtype.itemsize * 8}-bit pixels: save masks as 8-bit PNG"
            )
    mask = _single_channel(source, name)
    if mask.shape != tuple(image_size):
        raise InvalidMaskError(
            f"{name} is {mask.shape[1]}x{mask.shape[0]} but the image is "
            f"{image_size[1]}x{image_size[0]}: masks must have the image's size"
        )
    values = set(np.unique(mask).tolist())
    if mask.dtype != np.bool_ and not any(values <= allowed for allowed in ALLOWED_MASK_VALUES):
        raise InvalidMaskError(
            f"{name} has {len(values)} distinct values, not only 0/1 or 0/255: "
            "save masks losslessly (PNG, not JPEG) with one value for the object"
        )
    binary = mask.astype(bool)
    if not binary.any():
        raise InvalidMaskError(f"{name} is empty (no pixel set): remove it or redraw it")
    return binary


def _single_channel(array: npt.NDArray, name: str) -> npt.NDArray:
    """Return the 2-D mask inside ``array``: itself, or the channel of a 3-channel grey mask."""
    if array.ndim == 2:
        return array
    if array.ndim == 3 and array.shape[2] == 3:
        first = array[:, :, 0]
        if (array == first[:, :, None]).all():
            return first
        raise InvalidMaskError(
            f"{name} has different values in its colour channels: save it as a grey image"
        )
    raise InvalidMaskError(
        f"{name} has shape {array.shape}: a mask must be 2-D or have 3 identical channels "
        "(save it without an alpha channel)"
    )


def masks_to_labels(
    masks: Sequence[MaskSource], obj_class: sly.ObjClass, image_size: Tuple[int, int]
) -> List[sly.Label]:
    """Turn masks into unbound Bitmap labels of one class, one label per mask, in order.

    Examples:
        >>> car = sly.ObjClass("car", sly.Bitmap)
        >>> mask = np.zeros((4, 6), dtype=np.uint8); mask[1:3, 2:5] = 255
        >>> [label.geometry.area for label in masks_to_labels([mask], car, (4, 6))]
        [6.0]
    """
    return [sly.Label(sly.Bitmap(read_mask(mask, image_size)), obj_class) for mask in masks]


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
