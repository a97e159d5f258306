"""Convert a Supervisely project to LabelMe, CVAT, COCO or YOLO and back, keeping binding groups.

    .venv/bin/python src/convert_bindings.py FROM TO IN OUT

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
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple

import supervisely as sly

from bindings import InvalidBindingKeyError, InvalidImageError, binding_groups
from cli import ArgumentParser, UserError, run
from coco_export import CocoExportError, write_coco
from coco_import import InvalidCocoError, coco_items, coco_to_project
from cvat_format import CvatWarning, InvalidCvatError, cvat_items, cvat_to_project, project_to_cvat
from labelme_format import InvalidLabelmeError, LabelmeWarning, labelme_items, labelme_to_project
from labelme_format import project_to_labelme
from local_project import (
    ProjectFolderError,
    cannot_create_in,
    nearest_existing,
    open_project,
    read_annotation,
    staging_folder,
)
from yolo_format import InvalidYoloError, YoloWarning, project_to_yolo, yolo_items, yolo_to_project

SUPERVISELY = "supervisely"
FORMATS = (SUPERVISELY, "labelme", "cvat", "coco", "yolo")
COCO_FILE = "annotations.json"
CONVERSION_WARNINGS = (LabelmeWarning, CvatWarning, YoloWarning)
USER_ERRORS = (
    InvalidLabelmeError,
    InvalidCvatError,
    InvalidCocoError,
    InvalidYoloError,
    CocoExportError,
    ProjectFolderError,
    InvalidImageError,
    FileExistsError,
)


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


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
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
    for warning in caught:
        if issubclass(warning.category, CONVERSION_WARNINGS):
            print(f"warning: {warning.message}", file=sys.stderr)

    written = read if args.TO == SUPERVISELY else read_back(args.TO, target)
    if written != read:
        print(
            f"warning: {args.TO} holds {written} where the project had {read} "
            f"(README, 'Convert bindings to other formats', says what survives)",
            file=sys.stderr,
        )
    print(f"Read {args.FROM} {source}: {read}")
    print(f"Written {args.TO} {target}: {written}")


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
        local_project.ProjectFolderError: the folder is not a readable project, or an
            annotation file is not one of its annotations; the message names it.
        cli.UserError: a binding key is malformed; the message names the file.
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


def write_coco_folder(project_dir: Path, out_dir: Path, _final_dir: Path) -> None:
    """``annotations.json`` (``coco_export.write_coco``) and the images at their file_name."""
    coco = write_coco(str(project_dir), str(out_dir / COCO_FILE))
    for image in coco["images"]:
        destination = out_dir / image["file_name"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project_dir / image["file_name"], destination)


def coco_file(coco_path: Path) -> Path:
    """The COCO JSON file: ``coco_path``, or ``annotations.json`` in it when it is a folder."""
    return coco_path / COCO_FILE if coco_path.is_dir() else coco_path


WRITERS: Dict[str, Callable[[Path, Path, Path], None]] = {
    "labelme": lambda project, out, _final: project_to_labelme(str(project), str(out)),
    "cvat": lambda project, out, _final: project_to_cvat(str(project), str(out)),
    "coco": write_coco_folder,
    "yolo": lambda project, out, final: project_to_yolo(str(project), str(out), str(final)),
}
READERS: Dict[str, Callable[[Path, Path], None]] = {
    "labelme": lambda folder, project: labelme_to_project(str(folder), str(project)),
    "cvat": lambda folder, project: cvat_to_project(str(folder), str(project)),
    "coco": lambda path, project: coco_to_project(str(coco_file(path)), str(project)),
    "yolo": lambda folder, project: yolo_to_project(str(folder), str(project)),
}
# The same readers, giving each image's annotation without writing anything.
ITEMS: Dict[str, Callable[[Path], Iterator]] = {
    "labelme": lambda folder: labelme_items(str(folder)),
    "cvat": lambda folder: cvat_items(str(folder)),
    "coco": lambda path: coco_items(str(coco_file(path))),
    "yolo": lambda folder: yolo_items(str(folder)),
}


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    names = ", ".join(FORMATS)
    parser.add_argument("FROM", choices=FORMATS, metavar="FROM", help=f"the format of IN: {names}")
    parser.add_argument("TO", choices=FORMATS, metavar="TO", help="the format to write OUT in")
    parser.add_argument("IN", help="what to read: a folder (or, for coco, a JSON file)")
    parser.add_argument("OUT", help="the folder to write; it must not exist")
    args = parser.parse_args(argv)
    if (args.FROM == SUPERVISELY) == (args.TO == SUPERVISELY):
        parser.error("one of FROM and TO must be supervisely, and the other a format")
    return args


if __name__ == "__main__":
    sys.exit(run(main, user_errors=USER_ERRORS))
