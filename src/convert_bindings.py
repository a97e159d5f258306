"""Convert a Supervisely project to LabelMe, CVAT, COCO or YOLO and back, keeping binding groups.

    .venv/bin/python src/convert_bindings.py FROM TO IN OUT

FROM and TO are ``supervisely``, ``labelme``, ``cvat``, ``coco`` or ``yolo``, one of them
``supervisely`` (a local project folder, with ``meta.json``). IN is read and OUT is written:

- ``labelme``: a folder of ``<dataset>/<image>`` and ``<dataset>/<image stem>.json``;
- ``cvat``: a folder with ``annotations.xml`` (CVAT for images 1.1) and ``images/<dataset>/``;
- ``coco``: a folder with ``annotations.json`` (COCO instances) and the images at their
  ``file_name``; reading, IN may also be the JSON file itself, its images beside it;
- ``yolo``: a folder with ``data.yaml``, ``images/<dataset>/`` and ``labels/<dataset>/``.

OUT must not exist: it is built under a temporary name beside it and renamed when complete, so
an interrupted run leaves nothing half-written. The run prints a warning line for each group the
target cannot hold as one object (and for anything else it cannot hold), then how many images,
labels and groups it read and wrote. What was written is counted by reading OUT back, so the
second line says what survives in the target format. Bad input ends in one line naming the file
and the field, and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional

import supervisely as sly

from bindings import InvalidBindingKeyError, InvalidImageError, binding_groups
from cli import UserError, run
from coco_export import CocoExportError, write_coco
from coco_import import InvalidCocoError, coco_to_project
from cvat_format import CvatWarning, InvalidCvatError, cvat_to_project, project_to_cvat
from labelme_format import InvalidLabelmeError, LabelmeWarning, labelme_to_project
from labelme_format import project_to_labelme
from yolo_format import InvalidYoloError, YoloWarning, project_to_yolo, yolo_to_project

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
    if target.exists():
        raise UserError(f"OUT {target} exists: choose a new folder or remove it first")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if args.FROM == SUPERVISELY:
            read = project_counts(source)
            check_not_empty(read, args.FROM, source)
            with staged(target) as staging:
                WRITERS[args.TO](source, staging, target)
        else:
            with staged(target) as staging:
                READERS[args.FROM](source, staging)
                read = project_counts(staging)
                check_not_empty(read, args.FROM, source)
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


def check_not_empty(counts: Counts, format_name: str, source: Path) -> None:
    """Stop with a user error when IN gave no image: most likely a wrong path or layout."""
    if counts.images == 0:
        raise UserError(
            f"IN {source} holds no {format_name} images: check the path and the layout "
            "(src/convert_bindings.py --help)"
        )


def project_counts(project_dir: Path) -> Counts:
    """Images, labels and binding groups of the local Supervisely project in ``project_dir``."""
    if not (project_dir / "meta.json").is_file():
        raise UserError(
            f"{project_dir} is not a Supervisely project folder (no meta.json): pass the folder "
            "that holds meta.json and the dataset folders"
        )
    unreadable = (RuntimeError, ValueError, KeyError, TypeError, OSError)
    try:
        project = sly.Project(str(project_dir), sly.OpenMode.READ)
    except unreadable as error:
        if str(error) == "Project is empty":  # the SDK's words for a project without images
            return Counts(0, 0, 0)
        raise UserError(f"{project_dir} cannot be read as a Supervisely project: {error!r}")
    images = labels = groups = 0
    for dataset in project.datasets:
        for item_name in dataset.get_items_names():
            try:
                ann = dataset.get_ann(item_name, project.meta)
            except unreadable as error:
                raise UserError(
                    f"{dataset.get_ann_path(item_name)}: not a Supervisely annotation ({error!r})"
                )
            images += 1
            labels += len(ann.labels)
            try:
                groups += len(binding_groups(ann).groups)
            except InvalidBindingKeyError as error:
                raise UserError(f"{dataset.get_ann_path(item_name)}: {error}") from error
    return Counts(images, labels, groups)


def read_back(format_name: str, written_dir: Path) -> Counts:
    """What ``written_dir`` holds, read back into a throw-away Supervisely project."""
    with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings():
        warnings.simplefilter("ignore", CONVERSION_WARNINGS)
        project_dir = Path(scratch, "project")
        READERS[format_name](written_dir, project_dir)
        return project_counts(project_dir)


@contextlib.contextmanager
def staged(target: Path) -> Iterator[Path]:
    """Build ``target`` under a temporary name beside it, renamed to ``target`` when complete.

    On an error the partial folder is removed and ``target`` never appears.
    """
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)  # left by a run that was killed
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    os.rename(staging, target)


def write_coco_folder(project_dir: Path, out_dir: Path, _final_dir: Path) -> None:
    """``annotations.json`` (``coco_export.write_coco``) and the images at their file_name."""
    coco = write_coco(str(project_dir), str(out_dir / COCO_FILE))
    for image in coco["images"]:
        destination = out_dir / image["file_name"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project_dir / image["file_name"], destination)


def read_coco(coco_path: Path, project_dir: Path) -> None:
    """``coco_import.coco_to_project`` of a COCO JSON file, or of ``annotations.json`` in a folder."""
    if coco_path.is_dir():
        coco_path = coco_path / COCO_FILE
    coco_to_project(str(coco_path), str(project_dir))


WRITERS: Dict[str, Callable[[Path, Path, Path], None]] = {
    "labelme": lambda project, out, _final: project_to_labelme(str(project), str(out)),
    "cvat": lambda project, out, _final: project_to_cvat(str(project), str(out)),
    "coco": write_coco_folder,
    "yolo": lambda project, out, final: project_to_yolo(str(project), str(out), str(final)),
}
READERS: Dict[str, Callable[[Path, Path], None]] = {
    "labelme": lambda folder, project: labelme_to_project(str(folder), str(project)),
    "cvat": lambda folder, project: cvat_to_project(str(folder), str(project)),
    "coco": read_coco,
    "yolo": lambda folder, project: yolo_to_project(str(folder), str(project)),
}


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
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
