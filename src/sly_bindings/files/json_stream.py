"""Read a JSON file as a stream of events, and write events back as ``json.dumps`` would.

For files too large to hold as Python objects (``json.load`` of a 150 MB annotation of
polygons builds several GB of lists and numbers): :func:`json_events` parses the file a
64 KiB chunk at a time with ijson (its C backend, yajl2_c), and :func:`encode_events` turns
events back into the bytes that ``json.dumps(value, indent=indent)`` gives for the value they
describe, so that an edit made on the events writes the same file the whole-file path writes.
Memory: the chunk, and one frame per open object or array.

Why ijson and not our own lexer: it is a well-kept library (a C parser, a pinned wheel), and
a JSON lexer is easy to get subtly wrong. Where its parser differs from ``json.load``, the file
is refused with one line rather than read otherwise:

- ``NaN``, ``Infinity``, numbers out of a double's range (``1e400``) and integers beyond 64
  bits, which ``json.load`` reads: refused as invalid JSON (the message says so);
- an escaped lone UTF-16 surrogate (``"\\ud800"``), which yajl would turn into ``?``: found in
  the raw bytes by :class:`SurrogateCheck` and refused;
- nesting deeper than :data:`MAX_DEPTH` (``json.load``'s own limit is about as deep): refused.

A key repeated in one object is kept in the events (readers take the last value); the first
:data:`KEYS_TRACKED` keys of each object are checked for repeats, so that the caller can warn
as ``files.project_folder.read_json`` does.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, BinaryIO, Iterable, Iterator, List, Optional, Set, Tuple

import ijson

from sly_bindings.files.project_folder import PathLike, ProjectFolderError, check_json_file

# A hashlib object (what json_events feeds the bytes it reads).
Digest = Any
Event = Tuple[str, Any]  # ijson.basic_parse: ("start_map", None), ("map_key", "size"), ...
# Deeper nesting is refused, as json.load refuses it (RecursionError past ~1,000 levels).
MAX_DEPTH = 1000
# Keys of one object checked for repeats (a set of them is held while the object is open).
KEYS_TRACKED = 10_000
CHUNK_BYTES = 64 * 1024
# Pieces of output joined into one chunk of bytes (about a MiB of a typical annotation).
PARTS_PER_CHUNK = 100_000
FIX = "fix the file or export it again"
# What the streaming parser reads that json.load reads otherwise, for the error message.
STRICTER = (
    "(files this large are read as standard JSON: no NaN, Infinity, 1e400 or integers over 64 bits)"
)


class SurrogateCheck:
    """A binary file whose ``read`` raises ProjectFolderError at an escaped UTF-16 surrogate
    that is not half of a pair: a high one not followed by an escaped low one, or a low one
    not preceded by a high one (yajl reads the first as ``?`` and writes the second as bytes
    that are not UTF-8; json.load keeps both).

    A pair is judged whole even when a read ends inside it: the last 11 bytes of a read are
    given with the next one. Conservative: an escaped backslash followed by the text ``ud800`` is refused too.
    """

    SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
    LOW = re.compile(rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}")
    PAIR = 12  # bytes of an escaped pair: \\ud83d\\ude97

    def __init__(self, file: BinaryIO, path: PathLike, digest: Optional[Digest] = None):
        self.file, self.path, self.tail, self.digest = file, path, b"", digest

    def read(self, size: int = -1) -> bytes:
        """The next bytes of the file, every escape in them judged before they are given (the
        parser would read a lone surrogate otherwise); b"" only at the end of the file."""
        while True:
            data = self.file.read(size)
            if self.digest is not None:
                self.digest.update(data)
            text = self.tail + data
            # An escape starting in the last PAIR - 1 bytes is judged with the next read.
            end = len(text) if not data else len(text) - (self.PAIR - 1)
            position = 0
            while True:
                found = self.SURROGATE.search(text, position)
                if found is None or found.start() >= end:
                    break
                position = found.end()
                if found.group()[3:4] in b"89abAB" and self.LOW.match(text, position):
                    position += 6  # a pair: its low half is not judged again
                    continue
                raise ProjectFolderError(
                    f"{os.fspath(self.path)}: not valid JSON for this reader (an escaped lone "
                    f"UTF-16 surrogate, {found.group().decode()}) {STRICTER}: {FIX}"
                )
            judged = max(end, position, 0)
            self.tail = text[judged:]
            if judged or not data:
                return text[:judged]


def json_events(path: PathLike, digest: Optional[Digest] = None) -> Iterator[Event]:
    """The events of the JSON file at ``path`` (``ijson.basic_parse``, numbers as int or
    float), after the checks of ``files.project_folder.read_json`` (a regular file, not under
    /proc, /sys or /dev). Every byte read is given to ``digest`` too (``hashlib``), for a
    caller that reads the file twice to check that it read the same file.

    Raises:
        ProjectFolderError: the file cannot be read, or is not UTF-8 JSON this reader takes
            (see the module's docstring), or is nested deeper than :data:`MAX_DEPTH`; the
            message names the file. Raised when the events get there: the events before it
            have been given.

    Examples:
        >>> import tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "a.json")
        >>> _ = open(path, "w").write('{"objects": [7]}')
        >>> list(json_events(path))
        [('start_map', None), ('map_key', 'objects'), ('start_array', None), ('number', 7), ('end_array', None), ('end_map', None)]
    """
    check_json_file(path)
    depth = 0
    try:
        with open(path, "rb") as file:
            events = ijson.basic_parse(
                SurrogateCheck(file, path, digest), use_float=True, buf_size=CHUNK_BYTES
            )
            for event in events:
                if event[0] in ("start_map", "start_array"):
                    depth += 1
                    if depth > MAX_DEPTH:
                        raise ProjectFolderError(
                            f"{os.fspath(path)}: JSON nested too deep to read: {FIX}"
                        )
                elif event[0] in ("end_map", "end_array"):
                    depth -= 1
                yield event
    except ijson.JSONError as error:
        reason = " ".join(str(error).split("\n")[0].split())[:120]
        raise ProjectFolderError(
            f"{os.fspath(path)}: not valid JSON ({reason}) {STRICTER}: {FIX}"
        ) from error
    except UnicodeDecodeError as error:
        raise ProjectFolderError(f"{os.fspath(path)}: not UTF-8 text ({error.reason}): {FIX}")
    except OSError as error:
        raise ProjectFolderError(
            f"{os.fspath(path)}: cannot be read ({error.strerror}): check that it is a file you "
            "can read"
        ) from error


def repeated_keys(events: Iterable[Event], found: List[str]) -> Iterator[Event]:
    """``events`` as they are; each key repeated in one object (among its first
    :data:`KEYS_TRACKED` keys) is appended to ``found`` as it passes.

    Examples:
        >>> found = []
        >>> _ = list(repeated_keys(json_events_of('{"a": 1, "b": {"a": 2}, "a": 3}'), found))
        >>> found
        ['a']
    """
    open_keys: List[Optional[Set[str]]] = []  # one per open container; None for an array
    for event in events:
        kind = event[0]
        if kind == "map_key":
            keys = open_keys[-1]
            if keys is not None:
                if event[1] in keys:
                    found.append(event[1])
                elif len(keys) < KEYS_TRACKED:
                    keys.add(event[1])
        elif kind == "start_map":
            open_keys.append(set())
        elif kind == "start_array":
            open_keys.append(None)
        elif kind in ("end_map", "end_array"):
            open_keys.pop()
        yield event


def encode_events(events: Iterable[Event], indent: Optional[int] = 4) -> Iterator[bytes]:
    """The bytes of ``json.dumps(value, indent=indent)`` (ASCII, as ``ensure_ascii``), for the
    value ``events`` describe, in chunks of :data:`PARTS_PER_CHUNK` pieces.

    Examples:
        >>> value = {"objects": [{"classTitle": "car", "points": []}], "tags": [], "é": 1.5}
        >>> b"".join(encode_events(json_events_of(json.dumps(value)))) == json.dumps(value, indent=4).encode()
        True
    """
    string = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
    newline = None if indent is None else "\n"
    item_separator = ", " if indent is None else ","
    parts: List[str] = []
    counts: List[int] = []  # items written so far, one per open container
    after_key = False
    for kind, value in events:
        if kind == "map_key":
            parts.append(_separator(counts, newline, item_separator, indent))
            parts.append(string(value) + ": ")
            after_key = True
            continue
        if kind in ("end_map", "end_array"):
            written = counts.pop()
            if written and newline is not None:
                parts.append(newline + " " * (indent * len(counts)))  # type: ignore[operator]
            parts.append("}" if kind == "end_map" else "]")
        else:
            if not after_key and counts:  # an item of an array
                parts.append(_separator(counts, newline, item_separator, indent))
            after_key = False
            if kind == "start_map":
                parts.append("{")
                counts.append(0)
            elif kind == "start_array":
                parts.append("[")
                counts.append(0)
            elif kind == "string":
                parts.append(string(value))
            elif kind == "number":
                parts.append(float.__repr__(value) if isinstance(value, float) else str(value))
            elif kind == "boolean":
                parts.append("true" if value else "false")
            else:  # null
                parts.append("null")
        if len(parts) >= PARTS_PER_CHUNK:
            yield "".join(parts).encode("ascii")
            parts = []
    if parts:
        yield "".join(parts).encode("ascii")


def _separator(counts: List[int], newline: Optional[str], item: str, indent: Optional[int]) -> str:
    """What goes before the next item of the innermost container (and counts it)."""
    first = counts[-1] == 0
    counts[-1] += 1
    if newline is None:
        return "" if first else item
    return ("" if first else item) + newline + " " * (indent * len(counts))  # type: ignore[operator]


def json_events_of(text: str) -> Iterator[Event]:
    """The events of JSON ``text`` (for examples and tests).

    Examples:
        >>> list(json_events_of("[true]"))
        [('start_array', None), ('boolean', True), ('end_array', None)]
    """
    return ijson.basic_parse(text.encode("utf-8"), use_float=True)
