"""A local Supervisely project folder as a format: its images as items, items into a project.

``meta.json`` and ``<dataset>/img``, ``<dataset>/ann`` (nested datasets the SDK's way,
``<dataset>/datasets/<child>``), as ``sly.Project`` reads and writes it. The format interface
``sly-bindings convert`` calls (``formats/registry.py``); the work is ``formats.items``'s.

Examples:
    >>> folder = tempfile.TemporaryDirectory()
    >>> car = sly.ObjClass("car", sly.Rectangle)
    >>> ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 1), car)])
    >>> png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
    >>> write_items([FormatItem(("ds",), "a.png", png, ann, "a")], Path(folder.name, "p"),
    ...             WriteOptions())
    Written(images=1, labels=1, groups=0, left_out=0)
    >>> [(item.dataset, item.name) for item in read_items(Path(folder.name, "p"))]
    [(('ds',), 'a.png')]
    >>> list(declared_classes(Path(folder.name, "p")))
    ['car']
    >>> folder.cleanup()
"""

from __future__ import annotations

import tempfile  # for the examples
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, Optional

import numpy as np  # for the examples
import supervisely as sly

from sly_bindings.files.project_folder import open_project
from sly_bindings.formats.items import (
    ClassInfo,
    FormatItem,
    InvalidFormatError,
    items_to_project,
    project_items,
    render_project_item,
)
from sly_bindings.formats.progress import SizedItems
from sly_bindings.formats.registry import WriteOptions
from sly_bindings.formats.written import Written


def read_items(source: Path, images: Optional[Path] = None) -> Iterator[FormatItem]:
    """The images of the project ``source`` as items (``items.project_items``), datasets and
    images sorted by name.

    Raises:
        ProjectFolderError: ``source`` is not a readable project (checked before the first item,
            ``files.project_folder.open_project``), or an annotation is not one of its
            annotations; the message names the folder or the file.
    """
    project = open_project(source)  # its problems named now, in one line
    return SizedItems(project_items(str(source)), project.total_items)


def declared_classes(source: Path) -> Dict[str, ClassInfo]:
    """The classes of the project's ``meta.json``, in order, with their shapes and colours.

    Raises:
        ProjectFolderError: as :func:`read_items`.
    """
    meta = open_project(source).meta
    return {
        obj_class.name: ClassInfo(
            obj_class.geometry_type, obj_class.color, obj_class.geometry_config or None
        )
        for obj_class in meta.obj_classes
    }


def render_item(item: FormatItem, out: Path, options: WriteOptions) -> Dict[str, Any]:
    """``items.render_project_item``: the image and its annotation added to the project at
    ``out`` the SDK's way (``formats/registry.py``: ``convert --jobs`` runs it in its workers).

    Raises:
        InvalidFormatError: the image is not one Supervisely reads.
    """
    return render_project_item(item, str(out), InvalidFormatError)


def write_items(items: Iterable[Any], out: Path, options: WriteOptions) -> Written:
    """A new project at ``out`` of ``items`` (``items.items_to_project``; rendered already by
    :func:`render_item`): the classes of ``options.classes`` first, in order, with their
    colours, then every other class of the labels; a project keeps every label of a group, so
    ``options.primary_classes`` is unused.

    Raises:
        InvalidFormatError: there is no item, an image name is used twice in a dataset, or an
            image is not one Supervisely reads.
    """
    declared = {
        obj_class.name: ClassInfo(obj_class.geometry_type, obj_class.color)
        for obj_class in options.classes
    }
    return items_to_project(
        items, str(out), InvalidFormatError, "nothing to write: no image was read", declared
    )
