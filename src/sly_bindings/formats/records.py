"""The one path every reader reads a record through: a bad record is skipped with a warning.

A record is one shape, instance, line or object of a file (a LabelMe shape, a CVAT ``<box>``, a
COCO annotation, a YOLO line, a Supervisely object). Every reader reads each record inside
:func:`record`: an error of that record (too few points, a box of zero or negative size, NaN or
inf, a missing field, a label the file's meta does not declare, a class id out of range)
becomes one warning of the format's type that names the file, the image and the record, and
the rest of the file is read. Only a file that cannot be parsed at all, or an input with
nothing to read, ends the run (the reader's own error, outside any record).

A record partly outside its image is kept: ``sly.Annotation`` crops every label to the image
(``Annotation._add_labels_impl`` crops to ``Rectangle.from_size``), as the platform does. A
record wholly outside its image would vanish there without a word, so it is skipped here with
the warning. (The SDK's own importers, ``convert/image/image_helper.validate_image_bounds``,
skip even a label partly outside; cropping keeps what the image shows.)

This module imports nothing of ours, so ``files/project_folder.py`` and every format module can
use it.

Examples:
    >>> import warnings
    >>> car = sly.ObjClass("car", sly.Rectangle)
    >>> labels = []
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     for index, size in enumerate([2, 0, 3]):
    ...         with record(labels, f"a.xml: image a.png: box {index}", UserWarning, (8, 8)) as out:
    ...             if size == 0:
    ...                 raise ValueError("width 0: a box needs a width above 0")
    ...             out.append(sly.Label(sly.Rectangle(0, 0, size, size), car))
    >>> [label.geometry.bottom for label in labels]
    [2, 3]
    >>> print(caught[0].message)
    a.xml: image a.png: box 1: width 0: a box needs a width above 0: the record is skipped
"""

from __future__ import annotations

import json
import math
import re
import warnings
from typing import Any, Iterable, List, Optional, Tuple, Type

import supervisely as sly

from sly_bindings.formats import construct

# A coordinate read from a file is a pixel position: none is further than this from 0 (an image
# side of 2^20 pixels is far beyond any image Supervisely takes). Larger ones, 1e300 or 2^64,
# overflow the SDK's and OpenCV's integers.
MAX_COORDINATE = 2**20

# The errors a record's reading raises: ours (InvalidFormatError and BoxError are ValueErrors)
# and the SDK's for a malformed object (Label.from_json: KeyError, TypeError, ValueError ...).
# An infinite or 1e400 coordinate is an OverflowError (ArithmeticError) when the SDK rounds it.
RECORD_ERRORS = (
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    RuntimeError,
    ArithmeticError,  # OverflowError: a number past the SDK's 64-bit integers (1e300, inf)
)


def group_key(*parts: Any) -> str:
    """The binding key of a group read from a file, built from what names the group there: the
    one key builder of every reader, so that different parts never give the same key.

    A key is the JSON text of the list of ``parts`` (JSON values: a kind of key first, then the
    image, then the file's own ids, as the file gives them). JSON quotes every string and escapes
    what it holds, so the text is injective: ``("a", "b:c")`` and ``("a:b", "c")``, or
    ``("a", "5#2")`` and ``("a", "5", 2)``, or the string ``"5"`` and the number ``5``, are
    different keys, whatever the strings hold (joining them with ``:`` or ``#`` made them one).
    A reader that means two spellings of an id to be one group (LabelMe's ``7`` and ``"7"``)
    makes them one value first.

    Raises:
        TypeError: a part that is not a JSON value.

    Examples:
        >>> group_key("instance", "a.jpg", 5)
        '["instance","a.jpg",5]'
        >>> group_key("a", "b:c") != group_key("a:b", "c")
        True
        >>> group_key("instance", "a.jpg", "5#2") != group_key("instance", "a.jpg", "5", 2)
        True
    """
    return _KEY_TEXT.encode(list(parts))


# json.dumps(parts, ensure_ascii=False, separators=(",", ":"), sort_keys=True), made once:
# json.dumps makes a new encoder for each call that passes options.
_KEY_TEXT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def skipped_message(
    where: str, error: BaseException, what: str = "record", image: Optional[str] = None
) -> str:
    """The one-line warning for a record skipped for ``error``: ``where`` (file, image, record)
    first, then the reason; a reason that already starts with ``where`` is not repeated. The
    image is named at the end when ``where`` does not name it (a COCO file of many images).

    Examples:
        >>> skipped_message("a.txt: line 3", ValueError("a.txt: line 3: class id 7: no class"))
        'a.txt: line 3: class id 7: no class: the record is skipped'
        >>> skipped_message("a.json: shapes[1]", KeyError("points"), "shape")
        "a.json: shapes[1]: KeyError: 'points': the shape is skipped"
        >>> skipped_message("c.json: annotation 4", ValueError("bbox: no area"), "instance", "a.jpg")
        "c.json: annotation 4: bbox: no area: the instance of image 'a.jpg' is skipped"
    """
    reason = str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"
    reason = " ".join(reason.split())  # the SDK's messages have newlines
    text = reason if reason.startswith(where) else f"{where}: {reason}"
    of = "" if image is None else f" of image {image!r}"
    return f"{text}: the {what}{of} is skipped"


def skipped_kind(error: BaseException, what: str = "record") -> str:
    """The kind of a skipped record's warning, for totals (``cli/warning_totals.py``): what was
    skipped and why, without the place and with numbers and quoted values left out, so that the
    same flaw in many files is one kind.

    Examples:
        >>> skipped_kind(ValueError("a.json: shapes[0].points: a polygon needs 3 points, got 2"),
        ...              "shape")
        'shapes skipped: a polygon needs N points, got N'
        >>> skipped_kind(KeyError("points"), "instance")
        'instances skipped: a field is missing'
    """
    if isinstance(error, KeyError):
        reason = "a field is missing"
    elif isinstance(error, ValueError):
        reason = " ".join(str(error).split()).rsplit(": ", 1)[-1]
    else:
        reason = type(error).__name__
    reason = re.sub(r"'[^']*'|\"[^\"]*\"", "...", reason)
    reason = re.sub(r"-?\d+(\.\d+)?(e[+-]?\d+)?", "N", reason)
    return f"{what}s skipped: {reason}"


def image_skipped(where: str, problem: str, warning: Type[Warning]) -> None:
    """Warn that one image of an input is left out: its file is not there (or is no image), and
    the rest of the input is read. Every reader says a missing image through this (COCO's
    ``images[]``, CVAT's ``<image>``, a LabelMe file, a Label Studio task, a YOLO label file, a
    Supervisely annotation); an input none of whose images is there ends the run with the
    reader's "nothing to read" error (``formats.items.non_empty``).

    Examples:
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     image_skipped("c.json: image 3: file_name", "no file a.png: put it there", UserWarning)
        >>> print(caught[0].message)
        c.json: image 3: file_name: no file a.png: put it there: the image is skipped
    """
    error = ValueError(problem)
    message = skipped_message(where, error, "image")
    _SKIPPED[0] += 1
    if _SKIPPED[1] is None:
        _SKIPPED[1] = message.rsplit(": the image is skipped", 1)[0]
    _warn(warning, message, skipped_kind(error, "image"))


# Images this process left out with image_skipped, and why the first since the last mark was.
_SKIPPED: List[Any] = [0, None]


def mark_images_skipped() -> int:
    """Start counting the images :func:`image_skipped` leaves out (a reader starts reading);
    the count so far, for :func:`images_skipped_since`."""
    _SKIPPED[1] = None
    return _SKIPPED[0]


def images_skipped_since(mark: int) -> Tuple[int, Optional[str]]:
    """How many images :func:`image_skipped` has left out since ``mark``, and why the first
    was: a reader that reads nothing says why (``formats.items.non_empty``).

    Examples:
        >>> mark = mark_images_skipped()
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     image_skipped("a.json: imagePath", "no file a.png: put it there", UserWarning)
        >>> images_skipped_since(mark)
        (1, 'a.json: imagePath: no file a.png: put it there')
    """
    return _SKIPPED[0] - mark, _SKIPPED[1]


def none_there(mark: int) -> Optional[str]:
    """Why a read that gave no image gave none, when :func:`image_skipped` left images out
    since ``mark``: how many, and why the first was; None when it left none out.

    Examples:
        >>> none_there(mark_images_skipped()) is None
        True
    """
    count, reason = images_skipped_since(mark)
    if not count or reason is None:
        return None
    return f"{reason} (none of its images is there: {count} left out)"


def _warn(warning: Type[Warning], message: str, kind: str) -> None:
    """Warn ``message`` as a ``warning`` that carries its ``kind`` (for the run's totals)."""
    instance = warning(message)
    instance.kind = kind  # type: ignore[attr-defined]
    warnings.warn(instance, stacklevel=4)


def is_coordinate(value: object) -> bool:
    """A finite number no further than ``MAX_COORDINATE`` from 0: a pixel position in a file.

    Raises:
        OverflowError: an integer too large for a float (``10**400``; ``math.isfinite`` raises
            it): a record's error (``RECORD_ERRORS``), as it always was.

    Examples:
        >>> [is_coordinate(v) for v in (12, -3.5, 1e300, float("nan"), True, "7")]
        [True, True, False, False, False, False]
    """
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and abs(value) <= MAX_COORDINATE
    )


def are_coordinates(values: Iterable[object]) -> bool:
    """``all(is_coordinate(value) for value in values)`` in one pass: the coordinate check of a
    whole record (every number of a polygon, a box, a line), what every reader calls.

    A plain ``int`` or ``float`` within ``MAX_COORDINATE`` passes on one chained comparison (NaN
    fails every comparison, infinity the bound); anything else goes to :func:`is_coordinate`,
    so the answer, and the ``OverflowError`` of ``10**400``, are exactly its. (A numpy array of
    the values is slower at a record's size, 4 to 100 numbers, and would take ``True`` and
    ``"7"`` as numbers: the type of each value has to be looked at in Python anyway.)

    Raises:
        OverflowError: as :func:`is_coordinate`, for the first value that raises it.

    Examples:
        >>> are_coordinates([0, 2.5, -7, MAX_COORDINATE]), are_coordinates([])
        (True, True)
        >>> [are_coordinates([1, v]) for v in (float("nan"), float("inf"), 1e300, True, "7")]
        [False, False, False, False, False]
    """
    low, high = -MAX_COORDINATE, MAX_COORDINATE
    for value in values:
        kind = type(value)
        if (kind is float or kind is int) and low <= value <= high:
            continue
        if not is_coordinate(value):
            return False
    return True


def _extent_or_none(label: sly.Label) -> Optional[Tuple[int, int, int, int]]:
    """``construct.extent`` of the label's geometry; None for one past 64 bits (the SDK's int64
    arrays take no such number: ``to_bbox`` raises OverflowError)."""
    try:
        return construct.extent(label.geometry)
    except OverflowError:
        return None


def _far(extent: Optional[Tuple[int, int, int, int]]) -> bool:
    """Whether an extent (:func:`_extent_or_none`) reaches beyond ``MAX_COORDINATE``."""
    if extent is None:
        return True
    top, left, bottom, right = extent
    low, high = -MAX_COORDINATE, MAX_COORDINATE
    return not (low <= top <= high and low <= left <= high and low <= bottom <= high) or not (
        low <= right <= high
    )


def _outside(extent: Tuple[int, int, int, int], image_size: Tuple[int, int]) -> bool:
    """Whether a label of this extent has no pixel on the image ``(height, width)``."""
    top, left, bottom, right = extent
    height, width = image_size
    return bottom < 0 or right < 0 or top > height - 1 or left > width - 1


def too_far(label: sly.Label) -> bool:
    """Whether a point of ``label`` lies further than ``MAX_COORDINATE`` pixels from 0: a
    number no image has (``1e300`` read through the SDK's ``Label.from_json``, which takes any
    number), refused before a crop or a drawing allocates by it.

    The extent (``construct.extent``: the points' minima and maxima, no Rectangle made) holds
    every point's furthest coordinate, so one check of its four edges checks every point.

    Examples:
        >>> car = sly.ObjClass("car", sly.Polygon)
        >>> too_far(sly.Label(sly.Polygon([[0, 0], [0, 5], [5, 5]]), car))
        False
        >>> too_far(sly.Label(sly.Polygon([[0, 0], [0, int(1e300)], [5, 5]]), car))
        True
    """
    return _far(_extent_or_none(label))


def wholly_outside(label: sly.Label, image_size: Tuple[int, int]) -> bool:
    """Whether no part of ``label`` lies on the image ``(height, width)`` (what
    ``sly.Annotation`` would drop when it crops the label to the image).

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> wholly_outside(sly.Label(sly.Rectangle(10, 10, 12, 12), car), (8, 8))
        True
        >>> wholly_outside(sly.Label(sly.Rectangle(6, 6, 12, 12), car), (8, 8))
        False
    """
    return _outside(construct.extent(label.geometry), image_size)


def record(
    into: List[Any],
    where: str,
    warning: Type[Warning],
    image_size: Optional[Tuple[int, int]] = None,
    what: str = "record",
    image: Optional[str] = None,
) -> "_Record":
    """Read one record: the block appends its labels to the list it is given, and they join
    ``into`` when the block ends; an error of the record skips it with one ``warning``.

    Args:
        into: the labels of the image read so far (or the records, for a reader that sorts
            them first); the record's are added at the end.
        where: the file, the image and the record (``"a.xml: <image name='a.png'> <box> #2"``).
        warning: the format's warning type (a ``formats.items.FormatWarning``).
        image_size: ``(height, width)``; a label wholly outside it is skipped with the warning
            (one partly outside is kept: ``sly.Annotation`` crops it). None: not checked.
        what: the record's name in the message (``"shape"``, ``"instance"``, ``"line"``).
        image: the image's name, for a ``where`` that does not name it.

    Warns:
        ``warning``: the record raised one of ``RECORD_ERRORS`` (its labels are dropped, the
        block's ``continue`` or end go on to the next record), or a label lies wholly outside
        the image; the message is :func:`skipped_message`.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> labels = []
        >>> with record(labels, "a.json: shapes[0]", UserWarning, (8, 8)) as out:
        ...     out.append(sly.Label(sly.Rectangle(1, 1, 2, 2), car))
        >>> len(labels)
        1
    """
    return _Record(into, where, warning, image_size, what, image)


class _Record:
    """:func:`record`'s context manager (a class: a generator's costs twice as much, and every
    shape of every reader goes through one)."""

    def __init__(
        self,
        into: List[Any],
        where: str,
        warning: Type[Warning],
        image_size: Optional[Tuple[int, int]],
        what: str,
        image: Optional[str],
    ) -> None:
        self.into, self.where, self.warning = into, where, warning
        self.image_size, self.what, self.image = image_size, what, image
        self.found: List[Any] = []

    def __enter__(self) -> List[Any]:
        return self.found

    def __exit__(self, kind: Optional[type], error: Optional[BaseException], trace: Any) -> bool:
        if kind is not None:
            if not issubclass(kind, RECORD_ERRORS):
                return False  # not the record's fault: it goes on up
            self._skipped(error)
            return True
        found, image_size = self.found, self.image_size
        # Each label's extent, once: its edges hold every point's furthest coordinate (too_far)
        # and say whether any of it lies on the image (wholly_outside).
        extents = [_extent_or_none(one) if isinstance(one, sly.Label) else None for one in found]
        if any(_far(extent) for extent, one in zip(extents, found) if isinstance(one, sly.Label)):
            self._skipped(ValueError(f"a point lies further than {MAX_COORDINATE} pixels from 0"))
            return False
        if (
            image_size is not None
            and found
            and all(
                (
                    _outside(extent, image_size)
                    if extent is not None
                    else wholly_outside(one, image_size)
                )
                for extent, one in zip(extents, found)
            )
        ):
            height, width = image_size
            self._skipped(
                ValueError(f"lies wholly outside the {width}x{height} (width x height) image")
            )
            return False
        self.into.extend(found)
        return False

    def _skipped(self, reason: Optional[BaseException]) -> None:
        message = skipped_message(self.where, reason, self.what, self.image)  # type: ignore[arg-type]
        _warn(self.warning, message, skipped_kind(reason, self.what))  # type: ignore[arg-type]
