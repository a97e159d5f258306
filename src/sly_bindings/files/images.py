"""Read image and mask files, checked, as the tutorial and the format readers need them.

Mask rule (what :func:`read_mask` accepts):
    - a path to an image file (PNG recommended) or a numpy array;
    - 2-D, or 3-D with 3 identical channels (a grey mask saved as colour);
    - values from one of the sets {0, 1}, {0, 255} or {False, True}; anything else, such as the
      in-between values of a JPEG-compressed mask, is rejected rather than guessed at;
    - the same height and width as the image, and at least one pixel set.

Copy this file into your own script: it needs only ``supervisely``, ``numpy`` and ``opencv``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import (
    Iterator,
    List,
    Sequence,
    Tuple,
    Union,
)

import cv2
import numpy as np
import numpy.typing as npt
import supervisely as sly

MaskSource = Union[str, "os.PathLike[str]", npt.NDArray]


ALLOWED_MASK_VALUES = ({0, 1}, {0, 255})


class InvalidMaskError(ValueError):
    """A mask that does not follow the mask rule of this module; the message says how to fix it."""


class InvalidImageError(ValueError):
    """An image file that cannot be used; the message says how to fix it."""


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
