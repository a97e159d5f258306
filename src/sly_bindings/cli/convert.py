"""Convert between Supervisely projects, LabelMe, CVAT, COCO and YOLO, keeping binding groups.

    sly-bindings convert FROM TO IN OUT [--overwrite] [--images DIR] [--primary-class CLASS]
                         [--json]

FROM and TO are ``supervisely`` (a local project folder, with ``meta.json``), ``labelme``,
``cvat``, ``coco`` or ``yolo``: any reader to any writer (``convert labelme cvat IN OUT``), not
``supervisely`` to ``supervisely``. Between two formats the annotations pass in memory, as
Supervisely annotations, from the reader to the writer (every writer, YOLO's too): no project is
made on disk. The classes IN declares (CVAT's meta labels, COCO's categories, YOLO's names) are
listed and numbered first, in their order, as a project the reader made would have them; other
classes follow in the order first seen. IN is read and OUT is written:

- ``labelme``: a folder of ``<dataset>/<image>`` and ``<dataset>/<image stem>.json``;
- ``cvat``: a folder with ``annotations.xml`` (CVAT for images 1.1, a task or a project export)
  and ``images/<subset>/`` (or ``images/``); reading, also Datumaro's ``cvat`` export (one
  ``<subset>.xml`` per subset);
- ``coco``: reading, a COCO instances JSON file, or a folder of them: ``annotations.json``,
  ``annotations/instances_<subset>.json`` (one dataset each), or ``<dataset>/annotations/*.json``;
  images are looked for where the tools put them, or in ``--images DIR``; writing, the layout
  ``coco_export`` writes;
- ``yolo``: a folder with ``data.yaml``, ``images/<dataset>/`` and ``labels/<dataset>/``.

OUT must not exist unless ``--overwrite`` is given (then a folder OUT is replaced whole, once the
new one is complete); OUT must not be inside IN, nor hold IN or the folders a COCO file's
images are read from (or ``--images DIR``), which is checked before anything is written. OUT is
built in a hidden folder beside it (``.OUT.partial-<random>``) and
renamed when complete, so an interrupted run leaves nothing half-written, and two runs never
touch each other's files (the one that finishes second stops with an error if the first took
OUT, unless it overwrites). Conversions of more than a few images show a progress bar on stderr
when it is a terminal. The run prints a warning line for each group the target cannot hold as
one object (and for anything else it cannot hold), then how many images, labels
and groups it read and wrote. What was written is counted by reading OUT back (its annotations
only, no image is copied) before it is published, so the second line says what survives in the
target format, and an OUT its own reader refuses is not left behind. Bad
input ends in one line naming the file and the field, and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import supervisely as sly

from bindings import InvalidBindingKeyError, binding_groups
from sly_bindings.cli.runner import UserError
from sly_bindings.files.images import InvalidImageError
from sly_bindings.files.project_folder import ProjectFolderError, open_project, read_annotation
from sly_bindings.files.staging import staging_folder
from sly_bindings.files.write_checks import cannot_create_in, nearest_existing
from sly_bindings.formats.items import excerpt
from sly_bindings.formats.registry import (
    CONVERSION_WARNINGS,
    FORMAT_ERRORS,
    FORMATS,
    ITEM_WRITERS,
    ITEMS,
    ITEMS_WITH_IMAGES,
    READERS,
    READERS_WITH_IMAGES,
    SUPERVISELY,
    WRITE_ONLY,
    WRITERS,
    declared_classes,
    input_folders,
)

# The targets that write a group as one object of one class, which --primary-class chooses.
PRIMARY_CLASS_TARGETS = ("coco", "yolo", "yolo-det")
USER_ERRORS = FORMAT_ERRORS + (ProjectFolderError, InvalidImageError, FileExistsError)


class Counts(NamedTuple):
    """What a Supervisely project holds; ``str`` gives it as words.

    Examples:
        >>> str(Counts(images=1, labels=7, groups=2)), str(Counts(2, 1, 1))
        ('1 image, 7 labels, 2 groups', '2 images, 1 label, 1 group')
    """

    images: int
    labels: int
    groups: int

    def __str__(self) -> str:
        return ", ".join(
            f"{number} {noun}{'' if number == 1 else 's'}"
            for number, noun in zip(self, ("image", "label", "group"))
        )


def run_command(args: argparse.Namespace) -> int:
    """Convert IN (in FROM) to OUT (in TO) and say what was read and written; the exit code."""
    source, target = Path(args.IN), Path(args.OUT)
    overwrite = getattr(args, "overwrite", False)
    images = getattr(args, "images", None)
    primary = primary_classes(getattr(args, "primary_class", None))
    if primary is not None and args.TO not in PRIMARY_CLASS_TARGETS:
        raise UserError(
            f"--primary-class is used writing {', '.join(PRIMARY_CLASS_TARGETS)}, not {args.TO} "
            "(which keeps every label of a group): drop it"
        )
    if not source.exists():
        raise UserError(f"IN {source} does not exist: check the path")
    if not source.is_dir() and args.FROM != "coco":
        raise UserError(f"IN {source} is a file: {args.FROM} is read from a folder")
    if images is not None:
        if args.FROM not in READERS_WITH_IMAGES:
            raise UserError(
                f"--images is read with FROM {', '.join(READERS_WITH_IMAGES)}, not {args.FROM}: "
                "drop it"
            )
        if not Path(images).is_dir():
            raise UserError(f"--images {images} is not a folder: name the images' folder")
    check_out(target, source, overwrite, input_folders(args.FROM, source, images and Path(images)))

    def read_into(project: Path) -> None:
        if images is None:
            READERS[args.FROM](source, project)
        else:
            READERS_WITH_IMAGES[args.FROM](source, project, Path(images))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with staged(target, overwrite) as staging:
            if args.FROM == SUPERVISELY:
                read = project_counts(source)
                WRITERS[args.TO](source, staging, target, primary)
            elif args.TO == SUPERVISELY:
                read_into(staging)
                read = project_counts(staging)
            elif args.TO in ITEM_WRITERS:  # format to format in memory
                items = iter(
                    ITEMS[args.FROM](source)
                    if images is None
                    else ITEMS_WITH_IMAGES[args.FROM](source, Path(images))
                )
                first = next(items, None)
                if first is None:  # the reader's own error for an IN with nothing to read
                    read_into(staging.parent / f".{target.name}.project")
                totals = [0, 0, 0]
                items = itertools.chain([] if first is None else [first], items)
                classes = declared_classes(args.FROM, source)  # numbered and listed first
                ITEM_WRITERS[args.TO](counted(items, totals), staging, primary, classes)
                read = Counts(*totals)
            # What OUT holds, read back before it is published: OUT is never left behind by a
            # run that fails.
            written = read if args.TO == SUPERVISELY else read_back(args.TO, staging, target)
    # Once each: a project's annotations are read to count them and again to write them.
    shown = list(
        dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, CONVERSION_WARNINGS))
    )
    for message in shown:
        print(f"warning: {message}", file=sys.stderr)

    if written != read:
        shown.append(
            f"{args.TO} holds {written} where the project had {read} "
            f"(README, 'Convert bindings to other formats', says what survives)"
        )
        print(f"warning: {shown[-1]}", file=sys.stderr)
    if args.json:
        summary = {
            "from": args.FROM,
            "to": args.TO,
            "in": str(source),
            "out": str(target),
            "read": read._asdict(),
            "written": written._asdict(),
            "warnings": shown,
        }
        print(json.dumps(summary, indent=2))
    else:
        print(f"Read {args.FROM} {source}: {read}")
        print(f"Written {args.TO} {target}: {written}")
    return 0


def primary_classes(values: Optional[Sequence[str]]) -> Optional[List[str]]:
    """The class names of ``--primary-class`` options (each may list several, with commas), in
    order, once each; None when none is given.

    Raises:
        UserError: a name is empty.

    Examples:
        >>> primary_classes(["person", "car,truck", "person"])
        ['person', 'car', 'truck']
        >>> primary_classes(None) is None
        True
    """
    if not values:
        return None
    names: List[str] = []
    for value in values:
        for name in value.split(","):
            if not name.strip():
                raise UserError(
                    f"--primary-class {value!r}: an empty class name: name classes, e.g. "
                    "--primary-class person,car"
                )
            if name.strip() not in names:
                names.append(name.strip())
    return names


def check_out(
    target: Path, source: Path, overwrite: bool = False, read_folders: Sequence[Path] = ()
) -> None:
    """Refuse an OUT that exists (unless ``overwrite``, then it must be a folder), lies inside
    IN or holds IN or a folder the reader reads (``read_folders``: a COCO file's images), names
    no folder of its own (``.``, ``..``), or cannot be made, before any work is done."""
    if target.name in ("", ".", ".."):
        raise UserError(
            f"OUT {target} names no folder of its own: end it with the name of a new folder"
        )
    if len(os.fsencode(target.name)) > 255:
        raise UserError(
            f"OUT {excerpt(str(target), 80)}: its name is longer than 255 bytes, the most a file "
            "system takes: choose a shorter name"
        )
    # A symbolic link, even a dangling one, is what --overwrite would replace: refused below.
    replaced = overwrite and (target.exists() or target.is_symlink())
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise UserError(
            f"OUT {target} exists: choose a new folder or remove it first (or pass --overwrite "
            "to replace it)"
        )
    if replaced and (target.is_symlink() or not target.is_dir()):
        raise UserError(f"OUT {target} is not a folder: --overwrite replaces only a folder")
    if source.is_dir() and target.resolve().is_relative_to(source.resolve()):
        raise UserError(
            f"OUT {target} is inside IN {source}: choose OUT outside it (the run would read "
            "what it writes)"
        )
    if source.resolve().is_relative_to(target.resolve()):
        raise UserError(
            f"IN {source} is inside OUT {target}: choose OUT outside it (writing OUT would "
            "remove what is read)"
        )
    for folder in read_folders:
        if folder.resolve().is_relative_to(target.resolve()):
            raise UserError(
                f"OUT {target} holds {folder}, where IN's images are read from: choose OUT "
                "outside it (writing OUT would remove what is read)"
            )
        if folder != source and target.resolve().is_relative_to(folder.resolve()):
            # Images may lie in subfolders of it (a file_name with folders): OUT could be one.
            raise UserError(
                f"OUT {target} is inside {folder}, where IN's images are read from: choose OUT "
                "outside it (writing OUT could remove what is read)"
            )
    # Not OUT itself: it does not exist (checked above), or it is replaced in its folder.
    existing = nearest_existing(target.parent if replaced else target)
    if not existing.is_dir():
        raise UserError(f"OUT {target} is inside the file {existing}: choose OUT in a folder")
    problem = cannot_create_in(existing)
    if problem is not None:
        raise UserError(
            f"cannot write OUT {target} ({problem} in {existing}): choose OUT in a folder you "
            "can write"
        )


def project_counts(project_dir: Path) -> Counts:
    """Images, labels and binding groups of the local Supervisely project in ``project_dir``.

    Raises:
        ProjectFolderError: the folder is not a readable project, or an
            annotation file is not one of its annotations; the message names it.
        UserError: a binding key is malformed; the message names the file.
    """
    project = open_project(project_dir)
    return count(
        (dataset.get_ann_path(item_name), read_annotation(dataset, item_name, project.meta))
        for dataset in project.datasets
        for item_name in dataset.get_items_names()
    )


def read_back(format_name: str, written_dir: Path, target: Path) -> Counts:
    """What ``written_dir`` (OUT ``target``, not yet published) holds, read back in
    ``format_name`` (annotations only, no image).

    Raises:
        UserError: the reader refuses what was written; the message names the file as it would
            be in ``target``.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CONVERSION_WARNINGS)
            return count((item.source, item.ann) for item in ITEMS[format_name](written_dir))
    except USER_ERRORS as error:
        problem = str(error).replace(str(written_dir), str(target))
        raise UserError(
            f"{problem} (found reading back what this run wrote, to count it: OUT is not "
            "written)"
        ) from None


def counted(items: Iterable, totals: List[int]) -> Iterator:
    """``items`` (read items: ``.source``, ``.ann``) as they are, adding each one's images,
    labels and groups to ``totals`` as it passes."""
    for item in items:
        totals[:] = [a + b for a, b in zip(totals, count([(item.source, item.ann)]))]
        yield item


def count(annotations: Iterable[Tuple[str, sly.Annotation]]) -> Counts:
    """Images, labels and binding groups of ``(file, annotation)`` pairs."""
    images = labels = groups = 0
    for source, ann in annotations:
        images += 1
        labels += len(ann.labels)
        try:
            groups += len(binding_groups(ann).groups)
        except InvalidBindingKeyError as error:
            raise UserError(f"{source}: {error}") from error
    return Counts(images, labels, groups)


@contextlib.contextmanager
def staged(target: Path, overwrite: bool = False) -> Iterator[Path]:
    """Build ``target`` in a new hidden folder beside it, renamed to ``target`` when complete.

    The path given does not exist yet (writers create it); the hidden folder may hold other
    scratch files beside it, removed with it. On an error the hidden folder is removed and
    ``target`` is unchanged; when ``target`` appeared meanwhile, it is left alone, unless
    ``overwrite``: then the old ``target`` is moved into the hidden folder, the new one renamed
    in its place (the old one put back if that fails), and the old one removed. Folders made on
    the way to ``target`` are removed again when the run fails (those left empty). A file and a
    folder of one name in the new folder (an image and a dataset of IN that share it) end in a
    UserError naming the name.
    """
    made: List[Path] = []  # the folders this run makes on the way to OUT, top first
    try:
        for folder in reversed(target.parents):
            if not folder.exists():
                try:
                    folder.mkdir()
                except FileExistsError:  # made meanwhile by another run: not ours
                    continue
                made.append(folder)
        scratch = staging_folder(target.parent, target.name)
    except BaseException:
        _remove_empty(made)
        raise
    published = False
    try:
        staging = scratch / target.name
        try:
            yield staging
        except (FileExistsError, NotADirectoryError, IsADirectoryError) as error:
            if error.filename is None:  # a writer's own message
                raise
            relative = os.path.relpath(error.filename, staging)
            raise UserError(
                f"OUT {target}: {relative} would be both a file and a folder (an image and a "
                "dataset of IN share its name): rename one of them in IN"
            ) from None
        if overwrite and target.is_dir() and not target.is_symlink():
            replaced = scratch / ".replaced"
            os.rename(target, replaced)
            try:
                os.rename(staging, target)
            except OSError:
                os.rename(replaced, target)
                raise
            published = True
            return
        try:
            target.mkdir()  # claim the name: fails when another run took it meanwhile
        except FileExistsError:
            raise UserError(
                f"OUT {target} appeared while this run was writing it (another run?): it is left "
                "as it is; choose a new folder or remove it, then run again"
            ) from None
        os.rename(staging, target)  # over the empty folder just made, which rename allows
        published = True
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not published:
            _remove_empty(made)


def _remove_empty(folders: Sequence[Path]) -> None:
    """Remove the folders a failed run made on the way to OUT (top first), those still empty."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:  # not empty (another run's files), or already gone
            pass


def add_command(commands: argparse._SubParsersAction) -> None:
    """Add ``convert FROM TO IN OUT`` to the ``sly-bindings`` subcommands."""
    parser = commands.add_parser(
        "convert",
        help="convert between Supervisely projects, LabelMe, CVAT, COCO and YOLO",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    names = ", ".join(FORMATS)
    parser.add_argument(
        "FROM",
        choices=FORMATS + WRITE_ONLY,
        metavar="FROM",
        help=f"the format of IN: {names} (yolo-det: read as yolo, which reads box lines too)",
    )
    parser.add_argument(
        "TO",
        choices=FORMATS + WRITE_ONLY,
        metavar="TO",
        help="the format to write OUT in (also yolo-det: YOLO boxes, one per group)",
    )
    parser.add_argument("IN", help="what to read: a folder (or, for coco, a JSON file)")
    parser.add_argument("OUT", help="the folder to write; it must not exist (see --overwrite)")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace OUT if it exists (a folder), once the new one is complete",
    )
    parser.add_argument(
        "--images",
        metavar="DIR",
        help="coco: the images' folder, when it is none of those the tools use (see above)",
    )
    parser.add_argument(
        "--primary-class",
        action="append",
        metavar="CLASS",
        help="coco, yolo, yolo-det: a class that leads any group holding it (the group's class); "
        "repeat it, or separate classes with commas, most important first",
    )
    parser.add_argument(
        "--json", action="store_true", help="print a JSON summary on stdout instead of lines"
    )


def check_args(args: argparse.Namespace) -> None:
    """A UserError when FROM and TO are both supervisely (that is a copy, not a conversion).

    FROM ``yolo-det`` is read as ``yolo``: the YOLO reader reads box lines as well.
    """
    if args.FROM in WRITE_ONLY:
        args.FROM = "yolo"
    if args.FROM == SUPERVISELY and args.TO == SUPERVISELY:
        raise UserError(
            "FROM and TO are both supervisely: copy the folder instead, or name a format "
            "(see sly-bindings convert --help)"
        )
