"""Read image and mask files, checked, as the tutorial and the format readers need them.

Mask rule (what :func:`read_mask` accepts):
    - a path to an image file (PNG recommended) or a numpy array;
    - 2-D, or 3-D with 3 identical channels (a grey mask saved as colour);
    - values from one of the sets {0, 1}, {0, 255} or {False, True}; anything else, such as the
      in-between values of a JPEG-compressed mask, is rejected rather than guessed at;
    - the same height and width as the image, and at least one pixel set.

Before anything is opened or decoded, a path must name a regular file (a FIFO would block the
read forever) outside /proc, /sys and /dev (``files.input_paths.system_file_problem``) and its header, read with Pillow, must give at most 2^30 pixels (OpenCV's own
limit, ``CV_IO_MAX_IMAGE_PIXELS``); a mask's header must give the image's size.

EXIF orientation rule: an image is sized as the SDK's ``sly.image.read`` sizes it, that is with
its EXIF orientation applied (``cv2.imread(path, cv2.IMREAD_COLOR)`` rotates). The SDK sends
and copies the bytes unchanged (``api.image.upload_path``, ``Dataset.add_item_file``) and sizes
an item without an annotation with ``sly.image.read``, and reading the image back from either
target (``sly.image.read``, ``api.image.download_np``) gives the rotated pixels, so masks are
drawn on the rotated image. A mask at the other orientation is refused with a message naming
EXIF.

Copy this file with ``files/input_paths.py`` into your own script: it needs only
``supervisely``, ``numpy``, ``opencv`` and ``Pillow`` (which the SDK brings).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import io
import os
import stat
import tempfile
import warnings
import zlib
from pathlib import Path
from typing import (
    Any,
    Dict,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    Union,
)

import cv2
import numpy as np
import numpy.typing as npt
import supervisely as sly
from PIL import Image, UnidentifiedImageError

from sly_bindings.files.input_paths import SYSTEM_FILE_FIX, system_file_problem

MaskSource = Union[str, "os.PathLike[str]", npt.NDArray]


ALLOWED_MASK_VALUES = ({0, 1}, {0, 255})
MAX_PIXELS = 2**30  # OpenCV's CV_IO_MAX_IMAGE_PIXELS: it refuses to decode more
MAX_MASK_PIXELS = MAX_PIXELS  # the most a mask encoded in a file may cover (check_mask_fits)
EXIF_ORIENTATION_TAG = 0x0112
ROTATED_ORIENTATIONS = (5, 6, 7, 8)  # EXIF orientations that swap width and height


def find_image(candidates: Sequence[Path]) -> Optional[Path]:
    """The image file a format names, found by the one rule every reader follows; None if none.

    ``candidates`` are the paths where the format's tools put the image, in order (each reader
    knows its layout: COCO's ``coco.image_candidates``, CVAT's ``images/<subset>/<name>``, a
    LabelMe ``imagePath`` beside its JSON). The rule, in two passes:

    1. the first candidate that is a file, as named;
    2. else, in the order of the candidates, the one image file in the candidate's folder whose
       name less its extension is the candidate's name less its image extension, the
       extension's case ignored: CVAT matches an image to a frame by its path without the
       extension (``match_frame`` in ``cvat/apps/dataset_manager/bindings.py``), so a video
       task's frame ``frame_000000`` is the file ``frame_000000.PNG``. Two such files (``a.png``
       and ``a.jpg`` for ``a``) match none: which one was meant cannot be told.

    Only names are compared (``os.scandir`` of the candidate's folder, once per folder and
    change); nothing is opened.

    Examples:
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "frame_000000.PNG").write_bytes(b"")
        >>> find_image([folder / "frame_000000"]).name
        'frame_000000.PNG'
        >>> find_image([folder / "images" / "frame_000000.png", folder / "frame_000000.png"]).name
        'frame_000000.PNG'
        >>> find_image([folder / "frame_000001"]) is None
        True
    """
    for path in candidates:
        if path.is_file():
            return path
    for path in candidates:
        stem = _image_stem(path.name)
        found = _image_stems(path.parent, _mtime(path.parent)).get(stem)
        if found is not None and len(found) == 1:
            return path.parent / found[0]
    return None


# The extension a format's bytes are saved under, by Pillow's name of the format.
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "BMP": ".bmp", "GIF": ".gif", "TIFF": ".tiff"}
EXTENSIONS.update({"WEBP": ".webp", "MPO": ".jpg"})  # MPO: a phone's JPEG with a depth map


def embedded_name(name: str, image: bytes) -> Optional[str]:
    """The name of an image a file embeds (a LabelMe ``imageData``): ``name`` when it has an
    image extension, else its stem with the extension of the format the bytes are in, as
    Pillow reads their header; None when neither tells (no known image format).

    LabelMe opens a file by its ``imageData`` whatever ``imagePath`` says (its own
    ``examples/tutorial/apc2016_obj3.json`` names ``apc2016_obj3.json``): the name then comes
    from the bytes, as the one image rule's second pass takes a name without its extension.

    Examples:
        >>> png = sly.image.write_bytes(np.zeros((2, 2, 3), np.uint8), ".png")
        >>> embedded_name("a.jpg", png), embedded_name("apc2016_obj3.json", png)
        ('a.jpg', 'apc2016_obj3.png')
        >>> embedded_name("notes", b"not an image") is None
        True
    """
    if sly.image.has_valid_ext(name):
        return name
    try:
        with Image.open(io.BytesIO(image)) as opened:
            image_format = opened.format
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    extension = EXTENSIONS.get(image_format or "")
    return None if extension is None else os.path.splitext(name)[0] + extension


def _image_stem(name: str) -> str:
    """``name`` less its extension when that is an image extension (any case), else ``name``."""
    stem, extension = os.path.splitext(name)
    return stem if extension.lower() in sly.image.SUPPORTED_IMG_EXTS else name


def _mtime(folder: Path) -> int:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return -1


@functools.lru_cache(maxsize=64)
def _image_stems(folder: Path, _mtime_ns: int) -> Dict[str, Tuple[str, ...]]:
    """The image files of ``folder`` by their name less the extension (cached per change)."""
    stems: Dict[str, List[str]] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                stem, extension = os.path.splitext(entry.name)
                if extension.lower() in sly.image.SUPPORTED_IMG_EXTS and entry.is_file():
                    stems.setdefault(stem, []).append(entry.name)
    except OSError:
        return {}
    return {stem: tuple(sorted(names)) for stem, names in stems.items()}


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
        InvalidImageError: the path is a folder, a FIFO or another non-regular file (refused
            without opening it), the file is not an image Supervisely accepts, its header gives
            over 2^30 pixels or cannot be read by Pillow (:func:`unsized_message`), it is corrupt, or it is a JPEG cut short (which ``cv2.imread``
            decodes with a grey bottom, and no error).

    Examples:
        >>> read_image("images/image.jpg", cv2.IMREAD_GRAYSCALE).shape
        (720, 1280)
    """
    name = f"image {os.fspath(path)}"
    _check_regular_file(path, name, InvalidImageError, "pass one image file")
    if not sly.image.has_valid_ext(os.fspath(path)):
        raise InvalidImageError(
            f"{name} is not a format Supervisely accepts: use one of "
            + ", ".join(sly.image.SUPPORTED_IMG_EXTS)
        )
    if image_header(path, name, InvalidImageError) is None:
        raise InvalidImageError(unsized_message(name))
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

    Sized as ``sly.image.read`` sizes it: with the EXIF orientation applied, so an image stored
    as 640x480 with orientation 6 (rotate 90) is ``(640, 480)``. See the module's rule.

    Raises:
        FileNotFoundError, InvalidImageError: as :func:`read_image`.

    Examples:
        >>> read_image_size("images/image.jpg")
        (720, 1280)
    """
    image = read_image(path)
    height, width = image.shape[0], image.shape[1]
    header = image_header(path, f"image {os.fspath(path)}", InvalidImageError)
    if header is not None and header[2] in ROTATED_ORIENTATIONS:
        return width, height
    return height, width


def oriented_size(
    image: Union[str, "os.PathLike[str]", bytes], name: str, error: type = InvalidImageError
) -> Tuple[int, int]:
    """The ``(height, width)`` that ``sly.image.read`` gives ``image``, from its header.

    ``image`` is a path or the image's bytes. The size is read from the header without decoding
    the pixels, with the EXIF orientation applied (the module's rule): an image stored as
    640x480 with orientation 6 is ``(640, 480)``. When Pillow does not know the format, the
    image is refused (:func:`unsized_message`): OpenCV would decode it unsized.

    Raises:
        FileNotFoundError: the path does not exist.
        ``error``: the path is not a regular file (a FIFO is not opened), the header gives
            over 2^30 pixels, or no header Pillow reads gives its size; the message names the
            image.

    Examples:
        >>> oriented_size("images/image.jpg", "image images/image.jpg")
        (720, 1280)
        >>> oriented_size(sly.image.write_bytes(np.zeros((4, 6, 3), np.uint8), ".png"), "a.png")
        (4, 6)
    """
    if not isinstance(image, bytes):
        _check_regular_file(image, name, error, "give the image file")  # a FIFO: not opened
    header = image_header(image, name, error)
    if header is None:  # OpenCV would decode it unsized (an HDR or PAM named .png: gigabytes)
        raise error(unsized_message(name))
    height, width, orientation = header
    return (width, height) if orientation in ROTATED_ORIENTATIONS else (height, width)


def unsized_message(name: str) -> str:
    """The line for an image whose size cannot be read from its header before it is decoded.

    Pillow reads the headers of PNG, JPEG, BMP, WebP, TIFF and MPO without decoding; another
    format (an HDR or PAM file named ``.png``, NRRD) would go to OpenCV unsized, and OpenCV
    allocates what its pixels claim (10.8 GB for a small file). So it is refused by name.

    Examples:
        >>> unsized_message("image a.png")[:61]
        'image a.png: its size cannot be read from its header (corrupt'
    """
    return (
        f"{name}: its size cannot be read from its header (corrupt or truncated, or not a PNG, "
        "JPEG, BMP, WebP or TIFF whatever its name says), so it is not decoded: export it again "
        "as PNG or JPEG"
    )


def image_header(
    path: Union[str, "os.PathLike[str]", bytes], name: str, error: type = InvalidImageError
) -> Optional[Tuple[int, int, int]]:
    """``(height, width, EXIF orientation)`` from the file's header, without decoding pixels.

    ``path`` may also be the image's bytes (an image a file embeds). None when Pillow does not
    know the format (OpenCV may still decode it). The orientation is 1 when the file has none.

    Raises:
        ``error``: the header gives more than 2^30 pixels (what OpenCV refuses to decode).

    Examples:
        >>> image_header("images/image.jpg", "image images/image.jpg")
        (720, 1280, 1)
    """
    read = _pillow_header(path)
    if read is None:
        return None
    width, height, orientation = read
    if width * height > MAX_PIXELS:
        raise error(
            f"{name}: its header gives {width}x{height} pixels, over the 2^30 that OpenCV "
            "decodes: give a smaller image (or a tile of it)"
        )
    return height, width, int(orientation) if isinstance(orientation, int) else 1


def _pillow_header(
    path: Union[str, "os.PathLike[str]", bytes],
) -> Optional[Tuple[int, int, object]]:
    """``(width, height, EXIF orientation)`` as Pillow's ``Image.open`` reads them from the
    header; None when Pillow does not know the format; past twice Pillow's pixel limit, a
    width over ``MAX_PIXELS``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            source = io.BytesIO(path) if isinstance(path, bytes) else os.fspath(path)
            with Image.open(source) as image:
                width, height = image.size
                # From the header's EXIF block only: Image.getexif() may decode the pixels.
                exif = Image.Exif()
                if isinstance(image.info.get("exif"), bytes):
                    exif.load(image.info["exif"])
                return width, height, exif.get(EXIF_ORIENTATION_TAG, 1)
    except Image.DecompressionBombError:
        return MAX_PIXELS + 1, 1, 1  # Pillow refuses above 2x its limit
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


def _check_regular_file(
    path: Union[str, "os.PathLike[str]"],
    name: str,
    error: type,
    what: str,
    folder_fix: Optional[str] = None,
) -> None:
    """Raise unless ``path`` is a regular file; ``stat`` only, so a FIFO is never opened.

    ``what`` is the fix to show; ``folder_fix`` the one for a folder (default: ``what``).
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{name} does not exist: check the path") from None
    except OSError as failure:
        raise error(f"{name} cannot be read ({failure.strerror}): {what}") from None
    if stat.S_ISDIR(mode):
        raise error(f"{name} is a folder: {folder_fix or what}")
    if not stat.S_ISREG(mode):
        raise error(f"{name} is not a regular file (a FIFO, socket or device): {what}")
    if system_file_problem(path) is not None:
        raise error(f"{name} {system_file_problem(path)}: {SYSTEM_FILE_FIX}")


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
        _check_regular_file(
            source,
            name,
            InvalidMaskError,
            "pass a mask saved as an image file",
            folder_fix=f"pass one file per mask, e.g. {name[5:]}/*.png",
        )
        header = image_header(source, name, InvalidMaskError)
        if header is None:
            raise InvalidMaskError(unsized_message(name))
        if header[:2] != tuple(image_size):
            raise InvalidMaskError(_size_mismatch(name, header[:2], image_size))
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
        raise InvalidMaskError(_size_mismatch(name, mask.shape[:2], image_size))
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


def _size_mismatch(name: str, mask_size: Tuple[int, int], image_size: Tuple[int, int]) -> str:
    """The message for a mask whose ``(height, width)`` is not the image's.

    Examples:
        >>> _size_mismatch("mask m.png", (4, 6), (6, 4))[:55]
        'mask m.png is 6x4 but the image is 4x6, turned by 90 de'
    """
    line = (
        f"{name} is {mask_size[1]}x{mask_size[0]} but the image is "
        f"{image_size[1]}x{image_size[0]}"
    )
    if tuple(mask_size) == tuple(image_size)[::-1]:
        return (
            f"{line}, turned by 90 degrees: masks must have the image's size as "
            "sly.image.read gives it, with its EXIF orientation applied; draw the mask on the "
            "image as shown (or save the image without EXIF orientation)"
        )
    return f"{line}: masks must have the image's size"


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


# --- Masks encoded in annotation files: sized before they are decoded -------------------------


def check_mask_fits(
    mask_size: Tuple[int, int],
    image_size: Tuple[Optional[int], Optional[int]],
    name: str,
    error: type = InvalidMaskError,
) -> None:
    """Raise unless a mask of ``mask_size`` ``(height, width)`` fits its image: the one size rule
    of every mask a file encodes (a Supervisely bitmap, a COCO RLE, a Label Studio brush, a CVAT
    or LabelMe mask), checked before the mask is decoded.

    A mask is never larger than its image (the tools cut a mask to the image, or to the
    object's box inside it), and never over 2^30 pixels. An image side of None (a Supervisely
    annotation whose size is null) bounds nothing but the 2^30.

    Raises:
        ``error``: the message starts with ``name`` and gives both sizes.

    Examples:
        >>> check_mask_fits((2, 3), (8, 8), "mask")
        >>> check_mask_fits((20000, 20000), (32, 32), "objects[0].bitmap.data")
        Traceback (most recent call last):
        ...
        sly_bindings.files.images.InvalidMaskError: objects[0].bitmap.data: a 20000x20000 (width x height) mask, larger than the 32x32 image: export the annotation again
    """
    height, width = mask_size
    image_height, image_width = image_size
    larger = (image_height is not None and height > image_height) or (
        image_width is not None and width > image_width
    )
    if larger or height * width > MAX_MASK_PIXELS:
        image = "x".join("?" if side is None else str(side) for side in (image_width, image_height))
        what = f"larger than the {image} image" if larger else f"over {MAX_MASK_PIXELS:,} pixels"
        raise error(
            f"{name}: a {width}x{height} (width x height) mask, {what}: export the annotation "
            "again"
        )


def png_mask_size(
    data: bytes,
    image_size: Tuple[Optional[int], Optional[int]],
    name: str,
    error: type = InvalidMaskError,
) -> Tuple[int, int]:
    """The ``(height, width)`` of the PNG (or other image) ``data`` of a mask, from its header,
    checked with :func:`check_mask_fits` before a pixel is decoded.

    Raises:
        ``error``: no header Pillow reads, or a mask larger than its image.

    Examples:
        >>> png = sly.image.write_bytes(np.zeros((2, 3, 3), np.uint8), ".png")
        >>> png_mask_size(png, (8, 8), "mask")
        (2, 3)
    """
    header = image_header(data, name, error) if data else None
    if header is None:
        raise error(f"{name}: not a PNG image (no header Pillow reads): export it again")
    check_mask_fits(header[:2], image_size, name, error)
    return header[0], header[1]


# A PNG of h x w pixels holds at most h * (1 + 8 w) bytes of raw rows (RGBA, 16 bits a sample),
# stored uncompressed at worst; twice that and 1 MiB for its other chunks bound a real one.
PNG_SLACK = 2**20


def supervisely_mask_size(
    data: Any,
    image_size: Tuple[Optional[int], Optional[int]],
    name: str,
    error: type = InvalidMaskError,
) -> Tuple[int, int]:
    """The ``(height, width)`` of a Supervisely bitmap's ``data`` (base64 of zlib of a PNG, or
    base64 of a PNG: ``Bitmap.base64_2_data`` reads both), found without decoding the mask.

    The zlib stream is inflated with a bound (``zlib.decompressobj().decompress(data,
    max_length)``): a PNG of a mask that fits the image is at most ``2 h (1 + 8 w)`` bytes and
    1 MiB, so a stream that inflates further is refused at that point; then the PNG's header
    gives the size, checked with :func:`check_mask_fits`. A 35 KB annotation of a 32x32 image
    that the SDK inflates to gigabytes costs nothing here.

    Raises:
        ``error``: not a base64 string, a stream that inflates past the bound, or a PNG
            larger than its image (or with no header Pillow reads).

    Examples:
        >>> mask = np.zeros((2, 3), bool); mask[0, 1] = True
        >>> supervisely_mask_size(sly.Bitmap.data_2_base64(mask), (8, 8), "bitmap.data")
        (2, 3)
    """
    if not isinstance(data, str):
        raise error(f"{name}: must be a base64 string of a PNG")
    try:
        raw = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        raise error(f"{name}: not valid base64: export the annotation again") from None
    height, width = (MAX_PIXELS if side is None else side for side in image_size)
    bound = min(2 * height * (1 + 8 * width), 16 * MAX_PIXELS) + PNG_SLACK
    inflater = zlib.decompressobj()
    try:
        png = inflater.decompress(raw, bound)
    except zlib.error:
        png = raw  # not zlib: base64 of the PNG itself (the SDK's second form)
    else:
        if inflater.unconsumed_tail:
            raise error(
                f"{name}: inflates to more than {bound} bytes, more than any mask of the "
                f"{image_size[1]}x{image_size[0]} image: export the annotation again"
            )
    return png_mask_size(png, image_size, name, error)


# The fields of a Supervisely object that hold an encoded mask (``Bitmap`` and ``AlphaMask``:
# "bitmap", ``MultichannelBitmap``: "multichannelBitmap"), each ``{"origin", "data"}``.
ENCODED_GEOMETRY_FIELDS = ("bitmap", "multichannelBitmap")


def check_encoded_geometry(
    label_json: Any,
    image_size: Tuple[Optional[int], Optional[int]],
    name: str,
    error: type = InvalidMaskError,
) -> None:
    """Raise unless every mask a Supervisely object JSON encodes fits its image
    (:func:`supervisely_mask_size`), before ``sly.Label.from_json`` decodes it: the check of
    every reader of Supervisely annotations (a local project, a server's answer).

    Raises:
        ``error``: the message names ``name`` and the field.

    Examples:
        >>> mask = np.ones((2, 2), bool)
        >>> obj = {"bitmap": {"origin": [0, 0], "data": sly.Bitmap.data_2_base64(mask)}}
        >>> check_encoded_geometry(obj, (8, 8), "objects[0]")
        >>> check_encoded_geometry(obj, (1, 1), "objects[0]")
        Traceback (most recent call last):
        ...
        sly_bindings.files.images.InvalidMaskError: objects[0]: bitmap.data: a 2x2 (width x height) mask, larger than the 1x1 image: export the annotation again
    """
    if not isinstance(label_json, dict):
        return
    for field in ENCODED_GEOMETRY_FIELDS:
        value = label_json.get(field)
        if isinstance(value, dict) and "data" in value:
            if field == "bitmap":
                supervisely_mask_size(value["data"], image_size, f"{name}: {field}.data", error)
            else:
                _check_inflated_size(value["data"], image_size, f"{name}: {field}.data", error)


def _check_inflated_size(
    data: Any, image_size: Tuple[Optional[int], Optional[int]], name: str, error: type
) -> None:
    """Raise unless ``data`` (base64 of zlib) inflates within 16 bytes a pixel of the image
    (a ``MultichannelBitmap``'s ``.npy``, which ``np.load`` reads no further than it holds)."""
    if not isinstance(data, str):
        raise error(f"{name}: must be a base64 string")
    height, width = (MAX_PIXELS if side is None else side for side in image_size)
    bound = min(16 * height * width, 16 * MAX_PIXELS) + PNG_SLACK
    inflater = zlib.decompressobj()
    try:
        inflater.decompress(base64.b64decode(data), bound)
    except (zlib.error, binascii.Error, ValueError):
        raise error(f"{name}: not base64 of zlib data: export the annotation again") from None
    if inflater.unconsumed_tail:
        raise error(f"{name}: inflates to more than {bound} bytes: export the annotation again")
