"""Draw an image's binding groups so you can check them by eye: one colour per group.

Every group gets its own colour: its labels are filled (semi-transparent) and outlined in it,
the bounding box of its object (``roles.decompose_group``: the leader's own box when it has one,
else the extent of the leading class's members; the parts of other classes are objects of their
own, not in it) is drawn in it with the group's number at the corner, and a legend below the
image names each group: number, the object's class first, then the classes of its parts
(``person + head, hand``, see ``groups/roles.py``), label count. Unbound labels are grey. Nothing of the
image is covered by the legend: the result is taller than the image.

Arrays are **RGB** (as ``sly.image.read`` returns them), not OpenCV's BGR; :func:`save_preview`
reads and writes files and converts at the edges. Colours depend only on the group's number,
so the same annotation always gives the same picture:

    save_preview("images/image.jpg", ann, "output/bindings_preview.png")

Copy this file together with ``bindings.py``, ``groups/roles.py`` (the group's class and box),
``files/images.py`` (to read the image) and ``files/atomic.py`` (for the atomic write): it needs only ``supervisely``, ``numpy`` and
``opencv`` besides.
"""

from __future__ import annotations

import colorsys
import math
import os
import tempfile  # for the examples
from pathlib import Path
from typing import Sequence, Tuple, Union

import cv2
import numpy as np
import numpy.typing as npt
import supervisely as sly

from bindings import AREA_GEOMETRIES, binding_groups
from sly_bindings.files.atomic import write_bytes_atomically
from sly_bindings.files.images import read_image
from sly_bindings.groups.roles import decompose_group, describe_group

Colour = Tuple[int, int, int]
GREY: Colour = (160, 160, 160)
FILL_OPACITY = 0.45
LEGEND_BACKGROUND: Colour = (32, 32, 32)
LEGEND_TEXT: Colour = (255, 255, 255)
FONT = cv2.FONT_HERSHEY_SIMPLEX
PREVIEW_EXTENSIONS = (".png", ".jpg", ".jpeg")


def group_colour(number: int) -> Colour:
    """The RGB colour of group ``number`` (1, 2, ...): saturated, never grey, fixed per number.

    Hues step by the golden ratio around the colour wheel from cyan, so neighbouring numbers
    are far apart and the first groups stand out on the reds and browns of cars and buildings.

    Examples:
        >>> group_colour(1), group_colour(2)
        ((36, 119, 242), (179, 242, 36))
    """
    hue = (0.6 + (number - 1) * 0.618033988749895) % 1.0
    red, green, blue = colorsys.hsv_to_rgb(hue, 0.85, 0.95)
    return round(red * 255), round(green * 255), round(blue * 255)


def render_preview(image: npt.NDArray[np.uint8], ann: sly.Annotation) -> npt.NDArray[np.uint8]:
    """The image with its binding groups drawn in colour and a legend below it.

    Args:
        image: the annotated image, RGB ``(height, width, 3)`` or grey ``(height, width)``,
            uint8, of the annotation's size.
        ann: its annotation. Groups are numbered in the order of ``bindings.binding_groups``.

    Returns:
        A new RGB uint8 array ``(height + legend height, width, 3)``; ``image`` is not changed.

    Raises:
        TypeError: ``image`` is not a uint8 numpy array or ``ann`` not a ``sly.Annotation``.
        ValueError: ``image`` has another shape or size than the annotation's image.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> ann = sly.Annotation((60, 80), [
        ...     sly.Label(sly.Rectangle(5, 5, 20, 20), car, binding_key="a"),
        ...     sly.Label(sly.Rectangle(5, 40, 20, 60), car, binding_key="a"),
        ...     sly.Label(sly.Rectangle(40, 5, 50, 20), car)])
        >>> preview = render_preview(np.zeros((60, 80, 3), np.uint8), ann)
        >>> preview.shape[1:], preview.dtype, preview.shape[0] > 60
        ((80, 3), dtype('uint8'), True)
        >>> preview[45, 10].tolist(), preview[15, 50].tolist()  # unbound grey, group 1 colour
        ([72, 72, 72], [16, 54, 109])
    """
    height, width = _checked_size(image, ann)
    rgb = np.dstack([image] * 3) if image.ndim == 2 else image.copy()
    groups, unbound = binding_groups(ann)
    colours = [GREY] + [group_colour(number) for number in range(1, len(groups) + 1)]

    # Fill: paint each label's colour index once, then blend every covered pixel in one go.
    # Groups come after the unbound labels, so a group is never hidden under a grey label.
    painted = np.zeros((height, width), dtype=np.uint16 if len(colours) < 2**16 else np.int32)
    for label in unbound:
        label.geometry.draw(painted, 1)
    for index, labels in enumerate(groups.values(), start=2):
        for label in labels:
            label.geometry.draw(painted, index)
    covered = painted > 0
    palette = np.array([(0, 0, 0)] + colours, dtype=np.float32)
    blended = rgb[covered] * (1 - FILL_OPACITY) + palette[painted[covered]] * FILL_OPACITY
    rgb[covered] = np.round(blended).astype(np.uint8)

    line = max(1, round(min(height, width) / 360))
    for label in unbound:
        _draw_outline(rgb, label.geometry, GREY, line)
    for number, labels in enumerate(groups.values(), start=1):
        colour = group_colour(number)
        for label in labels:
            _draw_outline(rgb, label.geometry, colour, line)
        if any(type(label.geometry) in AREA_GEOMETRIES for label in labels):
            _draw_box(rgb, decompose_group(labels).bbox, number, colour, line)

    entries = [
        (colour, legend_text(number, labels))
        for number, (colour, labels) in enumerate(zip(colours[1:], groups.values()), start=1)
    ]
    if unbound:
        entries.append((GREY, f"unbound: {_count(len(unbound))}"))
    if not entries:
        entries.append((GREY, "no labels"))
    return np.vstack([rgb, _legend(entries, width, _text_scale(height, width))])


def legend_text(number: int, labels: Sequence[sly.Label]) -> str:
    """The legend's line of group ``number``: its classes, the leading one first, and its size.

    Examples:
        >>> person = sly.ObjClass("person", sly.Rectangle)
        >>> head, hand = sly.ObjClass("head", sly.Rectangle), sly.ObjClass("hand", sly.Rectangle)
        >>> legend_text(3, [sly.Label(sly.Rectangle(0, 0, 1, 1), head),
        ...                 sly.Label(sly.Rectangle(0, 0, 9, 9), person),
        ...                 sly.Label(sly.Rectangle(0, 0, 1, 1), hand)])
        '3: person + head, hand, 3 labels'
    """
    return f"{number}: {describe_group(labels)}, {_count(len(labels))}"


def save_preview(
    image_path: Union[str, "os.PathLike[str]"],
    ann: sly.Annotation,
    out_path: Union[str, "os.PathLike[str]"],
) -> None:
    """Read the image at ``image_path``, draw ``ann`` on it (:func:`render_preview`), save it.

    ``out_path`` is replaced atomically: it holds the old file or the whole new one, never half.

    Raises:
        FileNotFoundError: the image, or the folder of ``out_path``, does not exist.
        InvalidImageError: the image cannot be decoded, or is cut short (``files.images.read_image``).
        ValueError: ``out_path`` is not .png/.jpg/.jpeg, or the image is not the annotation's size.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> ann = sly.Annotation((720, 1280), [sly.Label(sly.Rectangle(300, 100, 500, 400), car)])
        >>> out_path = os.path.join(tempfile.mkdtemp(), "preview.png")
        >>> save_preview("images/image.jpg", ann, out_path)
        >>> cv2.imread(out_path).shape[1:]
        (1280, 3)
    """
    out_path = Path(out_path)
    extension = out_path.suffix.lower()
    if extension not in PREVIEW_EXTENSIONS:
        raise ValueError(
            f"preview {out_path} has extension {extension or '(none)'!r}: "
            f"use one of {', '.join(PREVIEW_EXTENSIONS)}"
        )
    if not out_path.parent.is_dir():
        raise FileNotFoundError(f"folder {out_path.parent} does not exist: create it first")
    # As sly.image.read reads it (cv2.IMREAD_COLOR: EXIF orientation applied), the size
    # files.images.read_image_size gives and the annotation has (see files/images.py's rule).
    bgr = read_image(image_path, cv2.IMREAD_COLOR)

    preview = render_preview(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), ann)
    encoded = cv2.imencode(extension, cv2.cvtColor(preview, cv2.COLOR_RGB2BGR))[1]
    write_bytes_atomically(encoded.tobytes(), os.fspath(out_path))


def _draw_outline(
    rgb: npt.NDArray[np.uint8], geometry: sly.Geometry, colour: Colour, line: int
) -> None:
    """The geometry's outline in ``colour`` over a dark edge, visible on any background."""
    # A point's outline is a dot whose radius is the thickness: make it big enough to see.
    thickness = 4 * line + 2 if isinstance(geometry, sly.Point) else line
    geometry.draw_contour(rgb, [0, 0, 0], thickness=thickness + 1)
    geometry.draw_contour(rgb, list(colour), thickness=thickness)


def _draw_box(
    rgb: npt.NDArray[np.uint8], box: sly.Rectangle, number: int, colour: Colour, line: int
) -> None:
    """The group's box, and its number on a tab of the group's colour at the top-left corner."""
    cv2.rectangle(rgb, (box.left, box.top), (box.right, box.bottom), (0, 0, 0), line + 1)
    cv2.rectangle(rgb, (box.left, box.top), (box.right, box.bottom), colour, line)
    height, width = rgb.shape[:2]
    scale = _text_scale(height, width)
    thickness = max(1, round(scale * 1.5))
    (text_width, text_height), baseline = cv2.getTextSize(str(number), FONT, scale, thickness)
    pad = max(2, line)
    tab_height = text_height + baseline + 2 * pad
    # Above the box when there is room, inside it at the top of the image.
    top = box.top - tab_height if box.top - tab_height >= 0 else box.top
    left = min(max(box.left, 0), max(width - text_width - 2 * pad, 0))
    cv2.rectangle(
        rgb, (left, top), (left + text_width + 2 * pad, top + tab_height), colour, cv2.FILLED
    )
    cv2.putText(
        rgb,
        str(number),
        (left + pad, top + pad + text_height),
        FONT,
        scale,
        _readable_on(colour),
        thickness,
        cv2.LINE_AA,
    )


def _legend(
    entries: Sequence[Tuple[Colour, str]], width: int, scale: float
) -> npt.NDArray[np.uint8]:
    """A dark panel ``width`` wide with a colour swatch and a text per entry, in columns."""
    thickness = max(1, round(scale * 1.5))
    sizes = [cv2.getTextSize(text, FONT, scale, thickness) for _, text in entries]
    text_height = max(size[0][1] + size[1] for size in sizes)
    pad = max(4, text_height // 2)
    row_height = text_height + pad
    swatch = text_height
    column_width = swatch + pad + max(size[0][0] for size in sizes) + 2 * pad
    columns = max(1, (width - pad) // column_width)
    rows = math.ceil(len(entries) / columns)
    panel = np.empty((rows * row_height + pad, width, 3), dtype=np.uint8)
    panel[:] = LEGEND_BACKGROUND
    for position, ((colour, text), size) in enumerate(zip(entries, sizes)):
        row, column = divmod(position, columns)
        left, top = pad + column * column_width, pad + row * row_height
        cv2.rectangle(panel, (left, top), (left + swatch, top + swatch), colour, cv2.FILLED)
        baseline_y = top + size[0][1] + (text_height - size[0][1] - size[1]) // 2
        cv2.putText(
            panel,
            text,
            (left + swatch + pad, baseline_y),
            FONT,
            scale,
            LEGEND_TEXT,
            thickness,
            cv2.LINE_AA,
        )
    return panel


def _text_scale(height: int, width: int) -> float:
    """Text about 1/40 of the image's smaller side high, and never too small to read."""
    return max(0.4, min(height, width) / 1000)


def _readable_on(colour: Colour) -> Colour:
    red, green, blue = colour
    return (0, 0, 0) if 0.299 * red + 0.587 * green + 0.114 * blue > 140 else (255, 255, 255)


def _count(count: int) -> str:
    return f"{count} label{'' if count == 1 else 's'}"


def _checked_size(image: npt.NDArray[np.uint8], ann: sly.Annotation) -> Tuple[int, int]:
    if not isinstance(ann, sly.Annotation):
        raise TypeError(f"ann is a {type(ann).__name__}: pass a sly.Annotation")
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        kind = f"array of {image.dtype}" if isinstance(image, np.ndarray) else type(image).__name__
        raise TypeError(f"image is a {kind}: pass a uint8 RGB array (sly.image.read gives one)")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(
            f"image has shape {image.shape}: pass (height, width, 3) RGB or (height, width) grey"
            " (drop an alpha channel first)"
        )
    height, width = image.shape[:2]
    if tuple(ann.img_size) != (height, width):
        raise ValueError(
            f"image is {width}x{height} but the annotation is for "
            f"{ann.img_size[1]}x{ann.img_size[0]}: pass the image the annotation belongs to"
        )
    return height, width
