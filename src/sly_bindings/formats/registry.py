"""The formats ``sly-bindings convert`` reads and writes: one :class:`Format` record each.

A format is one module (or package) that exposes, around ``formats.items.FormatItem``::

    read_items(source: Path, images: Optional[Path] = None, **read_options) -> Iterator[FormatItem]
    declared_classes(source: Path) -> Dict[str, ClassInfo]   # {} when the format declares none
    write_items(items: Iterable[FormatItem], out: Path, options: WriteOptions) -> Written
    input_folders(source: Path, images: Optional[Path]) -> List[Path]  # optional: folders read
                                                                       # besides IN

(``Written``, ``formats/written.py``: what it wrote, as its own reader will read it back), and
one record in :data:`FORMATS`, which names the module as a string: the module is imported
only when the format is used, so this module (and ``convert --help``, and a usage error) never
imports the SDK. A format's errors subclass ``formats.items.InvalidFormatError`` and its warnings
``formats.items.FormatWarning``. docs/formats.md, "Add a format", says what else a new format needs (its
test file and its row of the formats table there).

Examples:
    >>> [record.name for record in FORMATS][:3]
    ['supervisely', 'labelme', 'cvat']
    >>> find("SLY").name, find("Ultralytics").name, find("coco_instances").name, find("ls").name
    ('supervisely', 'yolo', 'coco', 'labelstudio')
    >>> find("voc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sly_bindings.formats.registry.UnknownFormatError: unknown format 'voc': use one of supervisely (sly), labelme, ...
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Tuple

from sly_bindings.files.input_paths import say_linked_folders
from sly_bindings.formats.written import Written

READ, WRITE = "read", "write"
# What a target can hold (``Format.holds``): the label kinds it writes, and groups of labels.
GROUPS, BOXES, POLYGONS, MASKS, KEYPOINTS, POLYLINES, POINTS = (
    "groups",
    "boxes",
    "polygons",
    "masks",
    "keypoints",
    "polylines",
    "points",
)


class UnknownFormatError(ValueError):
    """A format name that no record has; the message lists the names (one line)."""


@dataclass(frozen=True)
class Option:
    """A format-specific command-line option of ``convert``, on the read or the write side.

    ``kind`` says how ``convert`` takes the value: ``"folder"`` (an existing folder, passed as a
    ``Path``), ``"names"`` (repeatable, comma-separated names, passed as a tuple), ``"switch"``
    (no value: True when given) or ``"value"`` (the string as given). The value reaches the reader as the keyword ``dest``
    (``read_items(source, images=...)``), or the writer in ``WriteOptions``: the field ``dest``
    when it has one (``primary_classes``), else ``WriteOptions.extra[dest]``.

    Examples:
        >>> Option("--images", READ, "images", "the images' folder", "folder", "DIR").side
        'read'
    """

    flag: str
    side: str  # READ or WRITE
    dest: str
    help: str
    kind: str = "value"
    metavar: Optional[str] = None


@dataclass(frozen=True)
class WriteOptions:
    """What every writer may use.

    Examples:
        >>> WriteOptions(primary_classes=("person",), extra={"task": "detect"}).extra["task"]
        'detect'
    """

    # The classes that lead a group (``groups.roles.group_class``), most important first.
    primary_classes: Optional[Tuple[str, ...]] = None
    # The classes IN declares, as ``sly.ObjClass``, listed (and numbered) first, in order.
    classes: Tuple[Any, ...] = ()
    # Format-specific options by name (YOLO's ``task``), from ``Format.fixed`` and ``Option``.
    extra: Mapping[str, Any] = field(default_factory=dict)
    # Where OUT will be once published (a writer writes into a staging folder first): for a
    # writer that puts paths into its files (Label Studio's image references). None: ``out``.
    final_out: Optional[Path] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))
        object.__setattr__(self, "classes", tuple(self.classes))
        if self.primary_classes is not None:
            object.__setattr__(self, "primary_classes", tuple(self.primary_classes))


@dataclass(frozen=True)
class Format:
    """One format: its names, its module (imported on first use) and what it reads and holds.

    Examples:
        >>> record = find("yolo-det")
        >>> record.module, dict(record.fixed), record.read_as
        ('sly_bindings.formats.yolo', {'task': 'detect'}, 'yolo')
        >>> len({find("yolo"), find("YOLOv8"), record})
        2
    """

    name: str  # the canonical name
    module: str  # the module that has read_items, declared_classes, write_items
    title: str  # what the format is, for --help and docs/formats.md
    aliases: Tuple[str, ...] = ()  # other names people type; lookup ignores case
    reads: bool = True
    writes: bool = True
    input: str = "folder"  # or "file or folder"
    options: Tuple[Option, ...] = ()
    fixed: Mapping[str, Any] = field(default_factory=dict)  # WriteOptions.extra it always has
    holds: FrozenSet[str] = frozenset()  # what the target can hold: GROUPS, MASKS, ...
    read_as: Optional[str] = None  # reading this name reads that format (yolo-det: yolo)
    # Whether the reader follows links to folders inside IN (said either way: read_items).
    follows_folder_links: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "fixed", MappingProxyType(dict(self.fixed)))

    def __hash__(self) -> int:  # one record per name; ``fixed`` is a mapping, not hashable
        return hash(self.name)

    @property
    def names(self) -> Tuple[str, ...]:
        """The canonical name, then the aliases."""
        return (self.name,) + self.aliases

    def load(self) -> ModuleType:
        """The format's module, imported now (the SDK with it)."""
        return importlib.import_module(self.module)

    def read_items(
        self, source: Path, images: Optional[Path] = None, **read_options: Any
    ) -> Iterator:
        """The module's ``read_items``: each image of ``source`` as a ``FormatItem``. Links to
        folders inside ``source`` are said first (``files.input_paths.say_linked_folders``)."""
        say_linked_folders(source, self.follows_folder_links)
        return self.load().read_items(Path(source), images, **read_options)

    def declared_classes(self, source: Path) -> Mapping[str, Any]:
        """The module's ``declared_classes``: ``{name: ClassInfo}`` in order."""
        return self.load().declared_classes(Path(source))

    def write_items(
        self, items: Iterable, out: Path, options: WriteOptions = WriteOptions()
    ) -> Written:
        """The module's ``write_items``, with this record's ``fixed`` options in ``extra``: the
        writer's account of what it wrote."""
        extra = {**options.extra, **self.fixed}
        options = WriteOptions(options.primary_classes, options.classes, extra, options.final_out)
        account = self.load().write_items(items, Path(out), options)
        if not isinstance(account, Written):
            raise TypeError(f"{self.module}.write_items returned {account!r}, not a Written")
        return account

    def input_folders(self, source: Path, images: Optional[Path] = None) -> List[Path]:
        """The folders a reader of this format reads: IN itself, and those the module's
        ``input_folders`` names (COCO's images beside IN). A writer must not replace any."""
        module = self.load()
        folders = [Path(source)]
        if hasattr(module, "input_folders"):
            folders.extend(module.input_folders(Path(source), images))
        return list(dict.fromkeys(folders))


IMAGES = Option(
    "--images",
    READ,
    "images",
    "the images' folder, when it is none of those the tools use",
    kind="folder",
    metavar="DIR",
)
PRIMARY_CLASS = Option(
    "--primary-class",
    WRITE,
    "primary_classes",
    "a class that leads any group holding it (the group's class); repeat it, or separate "
    "classes with commas, most important first",
    kind="names",
    metavar="CLASS",
)
MERGE_GROUPS = Option(
    "--merge-groups",
    WRITE,
    "merge_groups",
    "each group as one object of its leading class (CVAT's meaning), with a warning naming the "
    "classes it does not keep; by default a group's members of other classes are objects of "
    "their own, linked to it",
    kind="switch",
)
SHAPES = frozenset({BOXES, POLYGONS, MASKS})
IMAGES_AT = Option(
    "--document-root",
    WRITE,
    "document_root",
    "the folder Label Studio serves local files from (LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT); "
    "image references are relative to it (default: OUT)",
    kind="folder",
    metavar="DIR",
)
AS_PREDICTIONS = Option(
    "--as-predictions",
    WRITE,
    "as_predictions",
    "write the labels as predictions, not annotations",
    kind="switch",
)

FORMATS: Tuple[Format, ...] = (
    Format(
        "supervisely",
        "sly_bindings.formats.supervisely",
        "a local Supervisely project folder (meta.json, <dataset>/img, <dataset>/ann)",
        aliases=("sly",),
        holds=SHAPES | {GROUPS, KEYPOINTS, POLYLINES, POINTS},
    ),
    Format(
        "labelme",
        "sly_bindings.formats.labelme",
        "LabelMe (<dataset>/<image> and <dataset>/<image stem>.json)",
        holds=SHAPES | {GROUPS},
        follows_folder_links=False,  # its walk (rglob) does not follow them
    ),
    Format(
        "cvat",
        "sly_bindings.formats.cvat",
        "CVAT for images 1.1 (annotations.xml + images/<subset>/)",
        aliases=("cvat_images", "cvat-images"),
        holds=SHAPES | {GROUPS},
    ),
    Format(
        "coco",
        "sly_bindings.formats.coco",
        "COCO instances (a JSON file, or annotations/instances_<subset>.json + images/<subset>/)",
        aliases=("coco_instances", "coco-instances"),
        input="file or folder",
        options=(IMAGES, PRIMARY_CLASS, MERGE_GROUPS),
        holds=SHAPES | {GROUPS, KEYPOINTS},
    ),
    Format(
        "yolo",
        "sly_bindings.formats.yolo",
        "YOLO segmentation, Ultralytics (data.yaml, images/<dataset>/, labels/<dataset>/)",
        aliases=("yolov8", "ultralytics"),
        options=(PRIMARY_CLASS, MERGE_GROUPS),
        holds=frozenset({POLYGONS}),
        follows_folder_links=False,  # its walk (rglob) does not follow them
    ),
    Format(
        "labelstudio",
        "sly_bindings.formats.labelstudio",
        "Label Studio JSON export (tasks; relations and parentID are groups) + images/",
        aliases=("label-studio", "label_studio", "ls"),
        input="file or folder",
        options=(IMAGES, IMAGES_AT, AS_PREDICTIONS),
        holds=SHAPES | {GROUPS, KEYPOINTS, POINTS},
    ),
    Format(
        "yolo-det",
        "sly_bindings.formats.yolo",
        "YOLO detection (as yolo, one box per object); read as yolo",
        options=(PRIMARY_CLASS, MERGE_GROUPS),
        fixed={"task": "detect"},
        holds=frozenset({BOXES}),
        read_as="yolo",
        follows_folder_links=False,  # its walk (rglob) does not follow them
    ),
)


def names() -> List[str]:
    """Every name ``find`` takes: each format's name, then its aliases, in registry order.

    Examples:
        >>> names()[:3]
        ['supervisely', 'sly', 'labelme']
    """
    return [name for record in FORMATS for name in record.names]


def listing() -> str:
    """The formats as one line: each name with its aliases in brackets.

    Examples:
        >>> listing().split(", ")[:2]
        ['supervisely (sly)', 'labelme']
    """
    return ", ".join(
        record.name + (f" ({', '.join(record.aliases)})" if record.aliases else "")
        for record in FORMATS
    )


def find(name: str) -> Format:
    """The record of the format called ``name`` (its name or an alias, in any case).

    Raises:
        UnknownFormatError: no format has that name; the message lists the names, one line.

    Examples:
        >>> find("CVAT_images").name, find("Coco").name
        ('cvat', 'coco')
    """
    wanted = str(name).strip().lower()
    for record in FORMATS:
        if wanted in (known.lower() for known in record.names):
            return record
    raise UnknownFormatError(f"unknown format {name!r}: use one of {listing()}")


def reader(name: str) -> Format:
    """The record that reads the format called ``name``: its own, or its ``read_as`` one.

    Examples:
        >>> reader("yolo-det").name
        'yolo'
    """
    record = find(name)
    return record if record.read_as is None else find(record.read_as)
