"""The tables of formats the tests loop over, from the registry (``formats.registry.FORMATS``):
a format is in every shared table the moment it has its record."""

from __future__ import annotations

from sly_bindings.formats.registry import FORMATS, GROUPS

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
