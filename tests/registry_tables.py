"""The tables of formats the tests loop over, from the registry (``formats.registry.FORMATS``):
a format is in every shared table the moment it has its record."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from sly_bindings.formats.registry import FORMATS, GROUPS, WriteOptions, find, reader

PROJECT = "supervisely"  # the local project: the start and the end of a round trip
# Every format read and written from its own files (not the project, not a write-only variant).
FILE_FORMATS = [
    record.name
    for record in FORMATS
    if record.reads and record.writes and record.read_as is None and record.name != PROJECT
]
# Of those, the ones that keep a group as a group (read back, the same groups).
GROUP_FORMATS = [
    record.name for record in FORMATS if record.name in FILE_FORMATS and GROUPS in record.holds
]
# Every format that can be written from a project (write-only variants too).
TARGETS = [record.name for record in FORMATS if record.writes and record.name != PROJECT]
# Every format read from a folder of its own (write-only variants are read as their reader).
SOURCES = [record.name for record in FORMATS if record.reads and record.read_as is None]


def read(format_name: str, source: Path, images: Optional[Path] = None) -> list:
    """Every item ``format_name``'s reader gives for ``source`` (a write-only name is read as
    its reader), as a list."""
    return list(reader(format_name).read_items(source, images))


def write(format_name: str, items, out: Path, classes=(), primary=None) -> None:
    """``items`` written by ``format_name``'s writer into ``out``: ``classes`` (sly.ObjClass)
    listed first, ``primary`` the classes that lead a group."""
    find(format_name).write_items(items, out, WriteOptions(primary, tuple(classes)))


def declared(format_name: str, source: Path) -> list:
    """The classes ``source`` declares, as ``sly.ObjClass`` in order, as ``convert`` lists them."""
    from sly_bindings.cli.convert import obj_classes

    return obj_classes(reader(format_name).declared_classes(source))
