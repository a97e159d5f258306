"""Convert a Supervisely project to LabelMe, CVAT, COCO or YOLO and back, keeping binding groups.

    sly-bindings convert FROM TO IN OUT [--json]

FROM and TO are ``supervisely``, ``labelme``, ``cvat``, ``coco`` or ``yolo``, one of them
``supervisely`` (a local project folder, with ``meta.json``). IN is read and OUT is written:

- ``labelme``: a folder of ``<dataset>/<image>`` and ``<dataset>/<image stem>.json``;
- ``cvat``: a folder with ``annotations.xml`` (CVAT for images 1.1) and ``images/<dataset>/``;
- ``coco``: a folder with ``annotations.json`` (COCO instances) and the images at their
  ``file_name``; reading, IN may also be the JSON file itself, its images beside it;
- ``yolo``: a folder with ``data.yaml``, ``images/<dataset>/`` and ``labels/<dataset>/``.

OUT must not exist, and must not be inside IN. It is built in a hidden folder beside it
(``.OUT.partial-<random>``) and renamed when complete, so an interrupted run leaves nothing
half-written, and two runs never touch each other's files (the one that finishes second stops
with an error if the first took OUT). The run prints a warning line for each group the target
cannot hold as one object (and for anything else it cannot hold), then how many images, labels
and groups it read and wrote. What was written is counted by reading OUT back (its annotations
only, no image is copied), so the second line says what survives in the target format. Bad
input ends in one line naming the file and the field, and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Tuple

import supervisely as sly

from bindings import InvalidBindingKeyError, binding_groups
from sly_bindings.cli.runner import UserError
from sly_bindings.files.images import InvalidImageError
from sly_bindings.files.project_folder import ProjectFolderError, open_project, read_annotation
from sly_bindings.files.staging import staging_folder
from sly_bindings.files.write_checks import cannot_create_in, nearest_existing
from sly_bindings.formats.registry import (
    CONVERSION_WARNINGS,
    FORMAT_ERRORS,
    FORMATS,
    WRITE_ONLY,
    ITEMS,
    READERS,
    SUPERVISELY,
    WRITERS,
)

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
    if not source.exists():
        raise UserError(f"IN {source} does not exist: check the path")
    if not source.is_dir() and args.FROM != "coco":
        raise UserError(f"IN {source} is a file: {args.FROM} is read from a folder")
    check_out(target, source)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if args.FROM == SUPERVISELY:
            read = project_counts(source)
            with staged(target) as staging:
                WRITERS[args.TO](source, staging, target)
        else:
            with staged(target) as staging:
                READERS[args.FROM](source, staging)
                read = project_counts(staging)
    shown = [str(w.message) for w in caught if issubclass(w.category, CONVERSION_WARNINGS)]
    for message in shown:
        print(f"warning: {message}", file=sys.stderr)

    written = read if args.TO == SUPERVISELY else read_back(args.TO, target)
    if written != read:
        print(
            f"warning: {args.TO} holds {written} where the project had {read} "
            f"(README, 'Convert bindings to other formats', says what survives)",
            file=sys.stderr,
        )
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


def check_out(target: Path, source: Path) -> None:
    """Refuse an OUT that exists, lies inside IN, or cannot be made, before any work is done."""
    if target.exists() or target.is_symlink():
        raise UserError(f"OUT {target} exists: choose a new folder or remove it first")
    if source.is_dir() and target.resolve().is_relative_to(source.resolve()):
        raise UserError(
            f"OUT {target} is inside IN {source}: choose OUT outside it (the run would read "
            "what it writes)"
        )
    existing = nearest_existing(target)  # not OUT itself: it does not exist (checked above)
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


def read_back(format_name: str, written_dir: Path) -> Counts:
    """What ``written_dir`` holds, read back in ``format_name`` (annotations only, no image)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CONVERSION_WARNINGS)
        return count((item.source, item.ann) for item in ITEMS[format_name](written_dir))


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
def staged(target: Path) -> Iterator[Path]:
    """Build ``target`` in a new hidden folder beside it, renamed to ``target`` when complete.

    The path given does not exist yet (writers create it). On an error the hidden folder is
    removed and ``target`` never appears; when ``target`` appeared meanwhile, it is left alone.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = staging_folder(target.parent, target.name)
    try:
        staging = scratch / target.name
        yield staging
        try:
            target.mkdir()  # claim the name: fails when another run took it meanwhile
        except FileExistsError:
            raise UserError(
                f"OUT {target} appeared while this run was writing it (another run?): it is left "
                "as it is; choose a new folder or remove it, then run again"
            ) from None
        os.rename(staging, target)  # over the empty folder just made, which rename allows
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def add_command(commands: argparse._SubParsersAction) -> None:
    """Add ``convert FROM TO IN OUT`` to the ``sly-bindings`` subcommands."""
    parser = commands.add_parser(
        "convert",
        help="convert a project to LabelMe, CVAT, COCO or YOLO, or back",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    names = ", ".join(FORMATS)
    parser.add_argument("FROM", choices=FORMATS, metavar="FROM", help=f"the format of IN: {names}")
    parser.add_argument(
        "TO",
        choices=FORMATS + WRITE_ONLY,
        metavar="TO",
        help="the format to write OUT in (also yolo-det: YOLO boxes, one per group)",
    )
    parser.add_argument("IN", help="what to read: a folder (or, for coco, a JSON file)")
    parser.add_argument("OUT", help="the folder to write; it must not exist")
    parser.add_argument(
        "--json", action="store_true", help="print a JSON summary on stdout instead of lines"
    )


def check_args(args: argparse.Namespace) -> None:
    """A UserError unless exactly one of FROM and TO is supervisely."""
    if (args.FROM == SUPERVISELY) == (args.TO == SUPERVISELY):
        raise UserError(
            "one of FROM and TO must be supervisely, and the other a format "
            "(see sly-bindings convert --help)"
        )
