"""COCO instances, both ways: ``read.py`` (a COCO file or folder into items or a project) and
``write.py`` (items or a project into the layout the tools read), and the format interface
``sly-bindings convert`` calls (``formats/registry.py``).

Examples:
    >>> folder = tempfile.TemporaryDirectory()
    >>> coco = {"images": [], "annotations": [], "categories": [{"id": 1, "name": "car"}]}
    >>> _ = Path(folder.name, "annotations.json").write_text(json.dumps(coco), encoding="utf-8")
    >>> list(declared_classes(Path(folder.name)))
    ['car']
    >>> next(read_items(Path(folder.name)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sly_bindings.formats.coco.read.InvalidCocoError: ...: images: empty: pass a COCO file with images
    >>> folder.cleanup()
"""

from __future__ import annotations

import json  # for the examples
import tempfile  # for the examples
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional

from sly_bindings.formats.coco.read import (
    CocoWarning,
    InvalidCocoError,
    coco_classes,
    coco_files,
    coco_items,
    image_candidates,
)
from sly_bindings.formats.coco.write import (
    CocoExportError,
    CocoExportWarning,
    coco_items_written,
    items_to_coco,
    render_coco_item,
)
from sly_bindings.formats.items import ClassInfo, FormatItem, non_empty
from sly_bindings.formats.written import Written

if TYPE_CHECKING:
    from sly_bindings.formats.registry import WriteOptions

__all__ = [
    "CocoExportError",
    "CocoExportWarning",
    "CocoWarning",
    "InvalidCocoError",
    "declared_classes",
    "input_folders",
    "read_items",
    "render_item",
    "write_items",
]


def read_items(source: Path, images: Optional[Path] = None) -> Iterator[FormatItem]:
    """The images of the COCO file (or folder of files) ``source``, as ``read.coco_items``
    reads them; images looked for where the tools put them, or in ``images``.

    Raises:
        InvalidCocoError: as ``read.coco_items``, or the files have no image.
    """
    return non_empty(
        coco_items(str(source), None if images is None else str(images)),
        lambda: InvalidCocoError(f"{source}: images: empty: pass a COCO file with images"),
    )


def declared_classes(source: Path) -> Dict[str, ClassInfo]:
    """The categories, in the files' order: ``read.coco_classes``."""
    return coco_classes(str(source))


def render_item(item: FormatItem, out: Path, options: WriteOptions) -> Dict[str, Any]:
    """``write.render_coco_item``: the image copied into ``out``, its instances numbered in the
    image, with class names (``formats/registry.py``: ``convert --jobs`` runs it in its
    workers)."""
    return render_coco_item(
        item,
        str(out),
        [obj_class.name for obj_class in options.classes],
        options.primary_classes,
        bool(options.extra.get("merge_groups")),
    )


def write_items(items: Iterable, out: Path, options: WriteOptions) -> Written:
    """``write.items_to_coco`` of the rendered items (:func:`render_item`): ``annotations/instances_<subset>.json`` and
    ``images/<subset>/``, the categories ``options.classes`` first, a group led by
    ``options.primary_classes``; what was written (``write.coco_written``)."""
    return coco_items_written(
        items,
        str(out),
        classes=options.classes,
        primary_classes=options.primary_classes,
        merge_groups=bool(options.extra.get("merge_groups")),
        where=str(options.final_out or out),
    )


def input_folders(source: Path, images: Optional[Path] = None) -> List[Path]:
    """The existing folders the images of ``source`` are looked for in (``read.image_candidates``),
    which may lie beside IN, and ``images``: a writer must not replace any of them.

    Examples:
        >>> input_folders(Path("/nonexistent"))
        []
    """
    try:
        json_paths = coco_files(str(source))
    except InvalidCocoError:  # the reader names the problem when it runs
        json_paths = []
    folders: List[Path] = []
    for json_path in json_paths:
        candidates = image_candidates(json_path, PurePosixPath("image.png"), images)
        folders.extend(path.parent for path in candidates if path.parent.is_dir())
    return list(dict.fromkeys(folders))
