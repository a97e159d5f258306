"""Read a large COCO file in passes of ijson, never holding its parse: the index of a run.

``json.loads`` of a COCO file of 100,000 images (76 MB, 300,000 polygon instances) holds
~500 MB of dicts, lists and floats, and every ``convert --jobs`` worker then touched (so
copied) them all. A file larger than :data:`STREAMED_BYTES` is read instead in two passes of
ijson (its C backend, yajl2_c, pinned already):

1. :func:`scan`: the events of the whole file (``ijson.basic_parse``), one Python loop: the
   top-level keys and the kind of their values, the keys an object repeats (in the order
   ``json.loads``' ``object_pairs_hook`` meets them: an object's repeats when it closes), and
   the ``images`` and ``categories`` built as objects (``ijson.common.ObjectBuilder``);
2. :func:`array_items`: the items of ``annotations``, one at a time, built by ijson in C
   (``ijson.items``); the reader (``read.py``) keeps each image's instances as ``marshal``
   bytes, decoded only when that image is converted.

Whatever this reader would read otherwise than ``json.loads`` is not read here but raised as
:class:`NotStreamed`, and the caller reads the file whole (``files.project_folder.read_json``),
which gives today's result or today's one-line error, byte for byte: invalid JSON (yajl gives
no line and column), not UTF-8, ``NaN``, ``Infinity``, ``1e400`` and integers over 64 bits
(``json.loads`` reads them, yajl refuses them), an escaped lone UTF-16 surrogate (yajl reads it
as ``?``: ``files.json_stream.SurrogateCheck`` finds it), nesting deeper than :data:`MAX_DEPTH`
(``json.loads`` refuses ~1,000 levels), a top level that is not an object, and ``images``,
``annotations`` or ``categories`` missing, not a list or given twice. So an invalid file costs
what it costs today; a valid one costs its images and the bytes of its instances.

SDK-free. Examples:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "c.json")
    >>> _ = open(path, "w").write('{"images": [{"id": 1, "id": 2}], "annotations": [{"id": 5}],'
    ...                           ' "categories": []}')
    >>> scanned = scan(path)
    >>> scanned.images, scanned.categories, scanned.repeated
    ([{'id': 2}], [], ['id'])
    >>> list(array_items(path, "annotations", scanned.digest))
    [{'id': 5}]
"""

from __future__ import annotations

import hashlib
import os
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Set, Tuple

import ijson
from ijson.common import ObjectBuilder

from sly_bindings.files.json_stream import SurrogateCheck
from sly_bindings.files.project_folder import PathLike, ProjectFolderError

# A COCO file larger than this is read in passes (this module); a smaller one whole
# (``read_json``): json.loads is as fast, and its ~7 times the file in memory is small there.
STREAMED_BYTES = 4 * 2**20
# Deeper nesting is read whole (json.loads refuses ~1,000 levels, as it always did).
MAX_DEPTH = 500
CHUNK_BYTES = 64 * 1024  # ijson's own; 256 KiB made its passes ~1.7 times slower here
FIELDS = ("images", "annotations", "categories")  # the top-level lists a COCO file has
BUILT = ("images", "categories")  # held as objects; annotations never whole
SCALARS = frozenset(("number", "string", "boolean", "null"))
STARTS = frozenset(("start_map", "start_array"))


class NotStreamed(Exception):
    """The file is to be read whole: this reader would read it otherwise than ``json.loads``
    (see the module's docstring), or it changed between the passes."""


class Scanned(NamedTuple):
    """What the first pass read: the ``images`` and ``categories`` lists, the repeated keys
    (as ``read_json`` lists them), and the blake2b digest of the bytes read."""

    images: List[Any]
    categories: List[Any]
    repeated: List[str]
    digest: bytes


def file_digest(path: PathLike) -> bytes:
    """The blake2b digest of the file's bytes, read a chunk at a time (what a run compares to
    know it reads the same file again).

    Examples:
        >>> len(file_digest(__file__))
        64
    """
    digest = hashlib.blake2b()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.digest()


def scan(path: PathLike) -> Scanned:
    """The first pass (see the module's docstring) over the COCO file at ``path``.

    Raises:
        NotStreamed: the file is to be read whole (the reasons are the module docstring's).
        OSError: the file cannot be opened or read.
    """
    digest = hashlib.blake2b()
    repeated: List[str] = []
    kinds: Dict[str, List[str]] = {}  # top-level key -> the first event of each of its values
    built: Dict[str, Any] = {}
    top_keys: Set[str] = set()
    top_repeated: List[str] = []
    top = ""
    try:
        with open(path, "rb") as file:
            reader = SurrogateCheck(file, path, digest)
            events = iter(ijson.basic_parse(reader, use_float=True, buf_size=CHUNK_BYTES))
            if next(events, None) != ("start_map", None):
                raise NotStreamed("not an object")
            for event, value in events:
                if event == "map_key":
                    if value in top_keys:
                        top_repeated.append(value)
                    top_keys.add(value)
                    top = value
                    continue
                if event == "end_map":  # the file's object: its repeats are the last
                    repeated.extend(top_repeated)
                    continue
                kinds.setdefault(top, []).append(event)
                builder = ObjectBuilder() if top in BUILT else None
                if builder is not None:
                    builder.event(event, value)
                if event in STARTS:
                    _rest_of_value(events, event, repeated, builder)
                if builder is not None:
                    built[top] = builder.value
    except (ijson.JSONError, ProjectFolderError, UnicodeDecodeError, ValueError) as error:
        raise NotStreamed(str(error)) from error
    for field in FIELDS:
        if kinds.get(field) != ["start_array"]:  # missing, not a list, or there twice
            raise NotStreamed(f"{field}: missing, not a list or repeated")
    return Scanned(built["images"], built["categories"], repeated, digest.digest())


def _rest_of_value(
    events: Iterator[Tuple[str, Any]],
    start: str,
    repeated: List[str],
    builder: Optional[ObjectBuilder],
) -> None:
    """The events of a top-level value after its first, ``start`` (``start_map`` or
    ``start_array``), to its end, each given to ``builder`` (None: none); the keys each object
    repeats appended to ``repeated`` when it ends (``json.loads``' order).

    Raises:
        NotStreamed: nesting deeper than :data:`MAX_DEPTH`.
    """
    open_keys: List[Optional[Tuple[Set[str], List[str]]]] = [
        (set(), []) if start == "start_map" else None
    ]
    for event, value in events:
        if builder is not None:
            builder.event(event, value)
        if event in SCALARS:  # most events: a number in a list
            continue
        if event == "map_key":
            keys = open_keys[-1]
            if value in keys[0]:  # type: ignore[index]
                keys[1].append(value)  # type: ignore[index]
            else:
                keys[0].add(value)  # type: ignore[index]
        elif event in STARTS:
            if len(open_keys) >= MAX_DEPTH:
                raise NotStreamed("nested too deep")
            open_keys.append((set(), []) if event == "start_map" else None)
        else:  # end_map, end_array
            keys = open_keys.pop()
            if keys is not None and keys[1]:
                repeated.extend(keys[1])
            if not open_keys:
                return


def array_items(path: PathLike, field: str, digest: bytes) -> Iterator[Any]:
    """The items of the top-level list ``field`` of the file :func:`scan` read (its
    ``digest``), each built by ijson in C.

    Raises:
        NotStreamed: the file is not the one :func:`scan` read (checked at its end), or cannot
            be read as it was.
    """
    check = hashlib.blake2b()
    try:
        with open(path, "rb") as file:
            reader = SurrogateCheck(file, path, check)
            yield from ijson.items(reader, f"{field}.item", use_float=True, buf_size=CHUNK_BYTES)
            while reader.read(CHUNK_BYTES):  # the rest, for the digest
                pass
    except (ijson.JSONError, ProjectFolderError, UnicodeDecodeError, ValueError, OSError) as error:
        raise NotStreamed(str(error)) from error
    if check.digest() != digest:
        raise NotStreamed("the file changed while it was read")
