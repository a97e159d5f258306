"""The formats ``sly-bindings convert`` reads and writes, by name: one entry per format module.

Each entry holds the format's reader (a folder, or a COCO file, into a local Supervisely
project), its writer (a local project into a folder), its item reader (each image's annotation,
nothing written) and the warning and error types it raises. A new format is a module with those
functions and a line here. Optional tables: ``READERS_WITH_IMAGES`` and ``ITEMS_WITH_IMAGES``
for a reader that takes ``--images DIR``; ``ITEM_WRITERS`` for a writer of read items
(``formats.items.FormatItem``), which lets a format-to-format run keep everything in memory.

Examples:
    >>> FORMATS
    ('supervisely', 'labelme', 'cvat', 'coco', 'yolo')
    >>> sorted(READERS) == sorted(FORMATS[1:])
    True
    >>> sorted(WRITERS) == sorted(ITEMS) == sorted(FORMATS[1:] + WRITE_ONLY)
    True
    >>> sorted(ITEM_WRITERS) == sorted(WRITERS)  # every format to format run is in memory
    True
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Callable, Dict, Iterator, List, Optional, Sequence

import supervisely as sly

from sly_bindings.files.project_folder import ProjectFolderWarning
from sly_bindings.formats.coco import (
    CocoWarning,
    InvalidCocoError,
    coco_classes,
    coco_files,
    coco_items,
    coco_to_project,
    image_candidates,
)
from sly_bindings.formats.coco_export import (
    CocoExportError,
    CocoExportWarning,
    items_to_coco,
    write_coco_layout,
)
from sly_bindings.formats.cvat import (
    CvatWarning,
    InvalidCvatError,
    cvat_classes,
    cvat_items,
    cvat_to_project,
    items_to_cvat,
    project_to_cvat,
)
from sly_bindings.formats.items import ClassInfo, label_class
from sly_bindings.formats.labelme import (
    InvalidLabelmeError,
    LabelmeWarning,
    items_to_labelme,
    labelme_items,
    labelme_to_project,
    project_to_labelme,
)
from sly_bindings.formats.yolo import (
    InvalidYoloError,
    YoloWarning,
    items_to_yolo,
    project_to_yolo,
    yolo_classes,
    yolo_items,
    yolo_to_project,
)

SUPERVISELY = "supervisely"
FORMATS = (SUPERVISELY, "labelme", "cvat", "coco", "yolo")
Primary = Optional[Sequence[str]]
# ProjectFolderWarning: an object of a Supervisely project skipped (files.project_folder).
CONVERSION_WARNINGS = (
    LabelmeWarning,
    CvatWarning,
    CocoWarning,
    CocoExportWarning,
    YoloWarning,
    ProjectFolderWarning,
)
FORMAT_ERRORS = (
    InvalidLabelmeError,
    InvalidCvatError,
    InvalidCocoError,
    InvalidYoloError,
    CocoExportError,
)


def write_coco_folder(
    project_dir: Path, out_dir: Path, _final_dir: Path, primary_classes: Primary = None
) -> None:
    """``annotations/instances_<dataset>.json`` + ``images/<dataset>/`` (the layout CVAT,
    Datumaro and MMDetection read): ``coco_export.write_coco_layout``."""
    write_coco_layout(str(project_dir), str(out_dir), primary_classes)


# Each writer: (project folder, folder to write, OUT as the user named it, primary classes);
# the primary classes name the classes that lead a group (``groups.roles.group_class``).
WRITERS: Dict[str, Callable[..., None]] = {
    "labelme": lambda project, out, _final, _primary=None: project_to_labelme(
        str(project), str(out)
    ),
    "cvat": lambda project, out, _final, _primary=None: project_to_cvat(str(project), str(out)),
    "coco": write_coco_folder,
    "yolo": lambda project, out, _final, primary=None: project_to_yolo(
        str(project), str(out), primary_classes=primary
    ),
    "yolo-det": lambda project, out, _final, primary=None: project_to_yolo(
        str(project), str(out), task="detect", primary_classes=primary
    ),
}
# Targets written only: YOLO detection (one box per object), read back by the yolo reader.
WRITE_ONLY = ("yolo-det",)
READERS: Dict[str, Callable[[Path, Path], None]] = {
    "labelme": lambda folder, project: labelme_to_project(str(folder), str(project)),
    "cvat": lambda folder, project: cvat_to_project(str(folder), str(project)),
    "coco": lambda path, project: coco_to_project(str(path), str(project)),
    "yolo": lambda folder, project: yolo_to_project(str(folder), str(project)),
}
# Readers that take the images' folder (``--images DIR``) when it is none of those they look in.
READERS_WITH_IMAGES: Dict[str, Callable[[Path, Path, Path], None]] = {
    "coco": lambda path, project, images: coco_to_project(str(path), str(project), str(images)),
}
# The same readers, giving each image's annotation without writing anything.
ITEMS: Dict[str, Callable[[Path], Iterator]] = {
    "labelme": lambda folder: labelme_items(str(folder)),
    "cvat": lambda folder: cvat_items(str(folder)),
    "coco": lambda path: coco_items(str(path)),
    "yolo": lambda folder: yolo_items(str(folder)),
    "yolo-det": lambda folder: yolo_items(str(folder)),
}
ITEMS_WITH_IMAGES: Dict[str, Callable[[Path, Path], Iterator]] = {
    "coco": lambda path, images: coco_items(str(path), str(images)),
}
# The classes each format's files declare, in order (LabelMe declares none): a writer of items
# numbers and lists them first, as a project made by the reader would have them.
CLASSES: Dict[str, Callable[[Path], Dict[str, ClassInfo]]] = {
    "labelme": lambda folder: {},
    "cvat": lambda folder: cvat_classes(str(folder)),
    "coco": lambda path: coco_classes(str(path)),
    "yolo": lambda folder: yolo_classes(str(folder)),
}
# Writers of the items a reader yields: a format-to-format run through them keeps the
# annotations in memory, with no project on disk.
# Each: (items, folder to write, primary classes, the classes IN declares).
ITEM_WRITERS: Dict[str, Callable[..., None]] = {
    "labelme": lambda items, out, _primary=None, _classes=(): items_to_labelme(items, str(out)),
    "cvat": lambda items, out, _primary=None, classes=(): items_to_cvat(
        items, str(out), classes=classes
    ),
    "coco": lambda items, out, primary=None, classes=(): items_to_coco(
        items, str(out), classes=classes, primary_classes=primary
    ),
    "yolo": lambda items, out, primary=None, classes=(): items_to_yolo(
        items, str(out), primary_classes=primary, classes=classes
    ),
    "yolo-det": lambda items, out, primary=None, classes=(): items_to_yolo(
        items, str(out), task="detect", primary_classes=primary, classes=classes
    ),
}


def input_folders(format_name: str, source: Path, images: Optional[Path] = None) -> List[Path]:
    """The existing folders a reader of ``format_name`` reads from, given IN ``source`` (and
    ``--images``): IN itself for every reader, and for COCO also the folders its images are
    looked for in (``coco.image_candidates``), which may lie beside IN. A writer must not
    replace any of them.

    Examples:
        >>> input_folders("cvat", Path("/nonexistent"))
        [PosixPath('/nonexistent')]
    """
    folders = [source]
    if format_name == "coco":
        try:
            json_paths = coco_files(str(source))
        except InvalidCocoError:  # the reader names the problem when it runs
            json_paths = []
        for json_path in json_paths:
            candidates = image_candidates(json_path, PurePosixPath("image.png"), images)
            folders.extend(path.parent for path in candidates if path.parent.is_dir())
    return list(dict.fromkeys(folders))


def declared_classes(format_name: str, source: Path) -> List[sly.ObjClass]:
    """The classes ``source`` (in ``format_name``) declares, as ``sly.ObjClass`` objects in
    order: a declared shape and colour kept (none declared: ``sly.AnyGeometry``, and the colour
    the SDK picks).

    Examples:
        >>> declared_classes("labelme", Path("."))
        []
    """
    return [
        label_class(
            name,
            info.geometry_type or sly.AnyGeometry,
            None if info.color is None else tuple(info.color),
        )
        for name, info in CLASSES[format_name](source).items()
    ]
