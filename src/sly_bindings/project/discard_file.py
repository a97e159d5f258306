"""Discard binding keys in an annotation file as a stream: memory does not grow with the file.

``project.edits.discard_in_json`` needs the annotation as Python objects: ``json.load`` of a
150 MB annotation of polygons builds several GB of lists and numbers. Discarding needs none of
them: a label's binding key is its ``instance`` field (``LabelJsonFields.INSTANCE_KEY`` of the
SDK's ``annotation/label.py``, read by ``Label.from_json`` as ``data.get("instance")``), and a
label is an item of the annotation's ``objects`` list. :func:`discard_in_file` reads the file
twice as a stream of JSON events (``files.json_stream``, ijson):

1. :func:`discard_plan` finds the labels that lose their key (the same rule as
   ``discard_in_json``: a key that is not null, on a label of one of ``class_names``), checks
   every label's class against the meta, and finds keys repeated in one object (a
   ``JsonKeyWarning``, as ``read_json`` gives);
2. :func:`without_instances` drops the ``instance`` field of those labels, and
   ``files.json_stream.encode_events`` writes the rest as ``json.dumps(indent=4)`` would, so
   the new file is byte for byte the one ``discard_in_json`` and ``write_json_atomically``
   write (where no key repeats; where one does, every copy stays and readers take the last, as
   they did).

Memory: one flag per label, and one frame per open JSON object or array.

The two readings must read the same file: a file that another program rewrites between them
(an annotation tool saving it) would have the keys of other labels dropped. Both readings are
hashed, and the new file is given up (:class:`ChangedWhileRead`) unless they match.

:class:`DiscardEdit` is ``sly-bindings discard``'s edit: a ``JsonEdit`` (``discard_in_json``)
that ``project.local_pipeline`` runs on the file itself when the file is large.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any, Dict, Iterable, Iterator, List, NamedTuple, Optional, Set, Tuple

import supervisely as sly

from bindings import class_name_set
from sly_bindings.files.json_stream import Event, encode_events, json_events, repeated_keys
from sly_bindings.files.project_folder import PathLike, ProjectFolderError, repeated_keys_warning
from sly_bindings.project.edits import INSTANCE, UnreadableAnnotationError, discard_in_json

STARTS = ("start_map", "start_array")
ENDS = ("end_map", "end_array")
NO_OBJECTS = "has no list of objects: it is not a Supervisely annotation; fix or export it again"


class ChangedWhileRead(ProjectFolderError):
    """The annotation file changed between the two readings of :func:`discard_in_file`."""


class _Objects:
    """One value of the annotation's ``objects`` key (a key may repeat: the last one counts)."""

    def __init__(self, is_list: bool):
        self.is_list = is_list
        self.drop = bytearray()  # per label: 1 when its key goes
        self.unknown: Optional[UnreadableAnnotationError] = None  # the first unknown class


class DiscardPlan(NamedTuple):
    """Which labels lose their key: of the ``objects`` value number ``occurrence`` (0 unless
    the key repeats), those whose flag in ``drop`` is 1."""

    occurrence: int
    drop: bytearray


def discard_plan(
    events: Iterable[Event],
    class_names: Optional[Iterable[str]] = None,
    meta: Optional[sly.ProjectMeta] = None,
) -> Optional[DiscardPlan]:
    """What ``discard_in_json(ann_json, class_names, meta)`` would change, from the events of
    ``ann_json``: None when nothing changes. Every event is read before anything is raised.

    Raises:
        UnreadableAnnotationError: no list of objects, or a label's class is not in ``meta``
            (the first such label), as ``discard_in_json`` raises.

    Examples:
        >>> from sly_bindings.files.json_stream import json_events_of
        >>> text = '{"objects": [{"classTitle": "car", "instance": 7}, {"classTitle": "sign"}]}'
        >>> discard_plan(json_events_of(text), ["car"])
        DiscardPlan(occurrence=0, drop=bytearray(b'\\x01\\x00'))
        >>> discard_plan(json_events_of(text), ["sign"]) is None
        True
    """
    names = class_name_set(class_names)
    found: List[_Objects] = []
    depth, top_key, label_key = 0, None, None
    objects: Optional[_Objects] = None  # the objects list being read
    in_label, title, bound = False, None, False
    for kind, value in events:
        if kind in STARTS:
            depth += 1
            if depth == 2 and top_key == "objects":
                objects = _Objects(kind == "start_array")
                found.append(objects)
                if not objects.is_list:
                    objects = None
            elif depth == 3 and objects is not None:
                in_label, title, bound, label_key = kind == "start_map", None, False, None
                if not in_label:
                    objects.drop.append(0)
            elif depth == 4 and in_label:
                if label_key == INSTANCE:
                    bound = True
                elif label_key == "classTitle":
                    title = None
        elif kind in ENDS:
            if depth == 3 and in_label and objects is not None:
                objects.drop.append(_label_done(objects, title, bound, names, meta))
                in_label = False
            elif depth == 2:
                objects = None
            depth -= 1
        elif kind == "map_key":
            if depth == 1:
                top_key = value
            elif depth == 3:
                label_key = value
        elif depth == 1 and top_key == "objects":
            found.append(_Objects(False))  # a number, string, boolean or null
        elif depth == 2 and objects is not None:
            objects.drop.append(0)  # a label that is not an object: left as it is
        elif depth == 3 and in_label:
            if label_key == INSTANCE:
                bound = kind != "null"
            elif label_key == "classTitle":
                title = value if kind == "string" else None
    if not found or not found[-1].is_list:
        raise UnreadableAnnotationError(NO_OBJECTS)
    if found[-1].unknown is not None:
        raise found[-1].unknown
    if not any(found[-1].drop):
        return None
    return DiscardPlan(len(found) - 1, found[-1].drop)


def _label_done(
    objects: _Objects,
    title: Optional[str],
    bound: bool,
    names: Optional[Set[str]],
    meta: Optional[sly.ProjectMeta],
) -> int:
    """The flag of the label just read (1: its key goes); notes its class if ``meta`` lacks it."""
    position = len(objects.drop)
    if meta is not None and title is not None and meta.get_obj_class(title) is None:
        if objects.unknown is None:
            objects.unknown = UnreadableAnnotationError(
                f"label {position} has class {title!r}, which the project meta does not have: "
                "add the class to the project, or delete the label"
            )
    return int(bound and (names is None or title in names))


def without_instances(events: Iterable[Event], plan: DiscardPlan) -> Iterator[Event]:
    """``events`` without the ``instance`` fields (key and value, every copy) of the labels
    ``plan`` flags.

    Examples:
        >>> from sly_bindings.files.json_stream import json_events_of
        >>> text = '{"objects": [{"instance": [1], "classTitle": "car"}, 5]}'
        >>> [value for _, value in without_instances(json_events_of(text), DiscardPlan(0, bytearray([1, 0])))]
        [None, 'objects', None, None, 'classTitle', 'car', None, 5, None, None]
    """
    depth, top_key, seen, label = 0, None, -1, -1
    in_target = in_dropped = drop_next = False
    skipping = 0  # open containers of a value being dropped
    for event in events:
        kind = event[0]
        if drop_next:
            drop_next = False
            skipping = 1 if kind in STARTS else 0
            continue
        if skipping:
            skipping += 1 if kind in STARTS else -1 if kind in ENDS else 0
            continue
        if kind in STARTS:
            depth += 1
            if depth == 2 and top_key == "objects":
                seen += 1
                in_target = seen == plan.occurrence and kind == "start_array"
            elif depth == 3 and in_target:
                label += 1
                # (a label past the plan's is in a file that changed: discard_in_file sees it)
                in_dropped = kind == "start_map" and label < len(plan.drop) and plan.drop[label]
        elif kind in ENDS:
            if depth == 3:
                in_dropped = False
            elif depth == 2:
                in_target = False
            depth -= 1
        elif kind == "map_key":
            if depth == 1:
                top_key = event[1]
            elif depth == 3 and in_dropped and event[1] == INSTANCE:
                drop_next = True
                continue
        elif depth == 1 and top_key == "objects":
            seen += 1
        elif depth == 2 and in_target:
            label += 1
        yield event


def discard_in_file(
    path: PathLike,
    class_names: Optional[Iterable[str]] = None,
    meta: Optional[sly.ProjectMeta] = None,
) -> Optional[Iterator[bytes]]:
    """``discard_in_json`` of the annotation file at ``path``, read as a stream: None when
    nothing changes, else the new file's bytes in chunks (read from ``path`` as they are
    asked for: write them to another file, e.g. ``files.atomic.write_chunks_atomically``).

    The file is read whole once before this returns (every problem is found then), and again
    as the chunks are taken; when the second reading has not read the bytes of the first,
    taking the last chunk raises :class:`ChangedWhileRead` (write the chunks to a temporary
    file, and keep it only when they all came).

    Raises:
        ProjectFolderError: the file cannot be read or is not JSON this reader takes
            (``files.json_stream``); it is named.
        UnreadableAnnotationError: as ``discard_in_json``.
        ChangedWhileRead: (as the chunks are taken) the file changed between the readings.

    Examples:
        >>> import json, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "a.png.json")
        >>> ann_json = {"objects": [{"classTitle": "car", "instance": 7}, {"classTitle": "sign"}]}
        >>> _ = open(path, "w").write(json.dumps(ann_json))
        >>> json.loads(b"".join(discard_in_file(path, ["car"])))
        {'objects': [{'classTitle': 'car'}, {'classTitle': 'sign'}]}
        >>> discard_in_file(path, ["sign"]) is None
        True
    """
    repeated: List[str] = []
    first = hashlib.blake2b()
    try:
        plan = discard_plan(repeated_keys(json_events(path, first), repeated), class_names, meta)
    except UnreadableAnnotationError:  # a JSON file, read whole: say what read_json says
        repeated_keys_warning(path, repeated)
        raise
    repeated_keys_warning(path, repeated)
    if plan is None:
        return None
    second = hashlib.blake2b()
    chunks = encode_events(without_instances(json_events(path, second), plan))
    return _same_file_read(chunks, path, first, second)


def _same_file_read(
    chunks: Iterator[bytes], path: PathLike, first: Any, second: Any
) -> Iterator[bytes]:
    """``chunks`` (made while the digest ``second`` reads the file); after the last, a
    ChangedWhileRead unless ``second`` read the bytes ``first`` read."""
    yield from chunks
    if second.digest() != first.digest():
        raise ChangedWhileRead(
            f"{os.fspath(path)}: changed while discard read it (another program wrote it): it "
            "is left as that program wrote it; run again when nothing else writes the project"
        )


class DiscardEdit(NamedTuple):
    """``sly-bindings discard``'s edit: a ``JsonEdit`` (``discard_in_json``), and
    :meth:`on_file`, the same edit on a file (``discard_in_file``) that
    ``project.local_pipeline`` uses for large files.

    Examples:
        >>> DiscardEdit(("car",))("a.png", {"objects": [{"classTitle": "car", "instance": 7}]})
        {'objects': [{'classTitle': 'car'}]}
    """

    class_names: Optional[Tuple[str, ...]] = None
    meta: Optional[sly.ProjectMeta] = None

    def __call__(self, name: str, ann_json: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        return discard_in_json(ann_json, self.class_names, self.meta)

    def on_file(self, path: PathLike) -> Optional[Iterator[bytes]]:
        return discard_in_file(path, self.class_names, self.meta)
