"""Open a local Supervisely project, and read its JSON files, so that every problem is named.

``sly.Project(dir, READ)`` skips a dataset it cannot read with a log line, and says "Project is
empty" for a folder that holds no images at all. :func:`open_project` refuses instead, with one
line that names the folder or file and the fix; :func:`read_json` does the same for one file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile  # for the examples
from pathlib import Path
from typing import Any, Iterator, List, Set, Union

import supervisely as sly

PathLike = Union[str, "os.PathLike[str]"]


class ProjectFolderError(ValueError):
    """A folder or file that is not a readable Supervisely project; the message names the fix."""


def open_project(directory: PathLike) -> sly.Project:
    """``sly.Project(directory, sly.OpenMode.READ)``, refusing what the SDK would skip or hide.

    Raises:
        ProjectFolderError: the folder is missing, has no ``meta.json``, its meta or a dataset
            cannot be read (an image without an annotation file, say), or it holds no image.

    Examples:
        >>> open_project("images")
        Traceback (most recent call last):
        ...
        sly_bindings.files.project_folder.ProjectFolderError: images is not a Supervisely project (no meta.json): pass the folder that holds meta.json and a folder per dataset
    """
    directory = Path(directory)
    if not directory.is_dir():
        what = "is a file" if directory.exists() else "does not exist"
        raise ProjectFolderError(
            f"{directory} {what}: pass a Supervisely project folder, the one that holds meta.json"
        )
    if not (directory / "meta.json").is_file():
        raise ProjectFolderError(
            f"{directory} is not a Supervisely project (no meta.json): pass the folder that "
            "holds meta.json and a folder per dataset"
        )
    try:
        sly.ProjectMeta.from_json(read_json(directory / "meta.json"))
    except (KeyError, TypeError, RuntimeError, AttributeError) as error:
        raise ProjectFolderError(
            f"{directory / 'meta.json'}: not a Supervisely project meta ({error}): export the "
            "project again"
        ) from error
    try:
        with _sdk_log_silenced():
            project = sly.Project(str(directory), sly.OpenMode.READ)
    except RuntimeError:  # "Project is empty": no dataset could be read
        project = None
    loaded = set() if project is None else {Path(d.directory).resolve() for d in project.datasets}
    for folder in _dataset_folders(directory):
        if folder not in loaded:
            raise ProjectFolderError(f"{folder}: {_dataset_problem(folder)}")
    for folder in sorted(directory.iterdir()):
        if _is_stray(folder, loaded):
            raise ProjectFolderError(
                f"{folder}: not a dataset (no img/ and ann/ in it), so sly.Project skips it: "
                "move it out of the project folder"
            )
    if project is None:
        raise ProjectFolderError(
            f"{directory} holds no images: add a dataset folder with img/ and ann/, or pass "
            "another project"
        )
    return project


def read_json(path: PathLike) -> Any:
    """The JSON in the file at ``path``, or a ProjectFolderError that names the file.

    Examples:
        >>> from sly_bindings.files.atomic import write_json_atomically
        >>> path = os.path.join(tempfile.mkdtemp(), "ann.json")
        >>> write_json_atomically({"objects": []}, path)
        >>> read_json(path)
        {'objects': []}
    """
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except UnicodeDecodeError as error:
        problem = f"not UTF-8 text (byte {error.start}): fix the file or export it again"
    except json.JSONDecodeError as error:
        problem = (
            f"not valid JSON ({error.msg}, line {error.lineno} column {error.colno}): fix the "
            "file or export it again"
        )
    except OSError as error:
        problem = f"cannot be read ({error.strerror}): check that it is a file you can read"
    raise ProjectFolderError(f"{os.fspath(path)}: {problem}")


def read_annotation(dataset: sly.Dataset, item_name: str, meta: sly.ProjectMeta) -> sly.Annotation:
    """``dataset.get_ann(item_name, meta)``, or a ProjectFolderError naming the file and the fix.

    Examples:
        >>> import numpy as np
        >>> project = sly.Project(os.path.join(tempfile.mkdtemp(), "p"), sly.OpenMode.CREATE)
        >>> dataset = project.create_dataset("ds")
        >>> dataset.add_item_np("a.png", np.zeros((2, 2, 3), np.uint8))
        >>> read_annotation(dataset, "a.png", project.meta).img_size
        (2, 2)
    """
    path = dataset.get_ann_path(item_name)
    data = read_json(path)
    try:
        return sly.Annotation.from_json(data, meta)
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as error:
        reason = " ".join(f"{type(error).__name__}: {error}".split())  # the SDK's has newlines
        raise ProjectFolderError(
            f"{path}: not a Supervisely annotation of this project ({reason}): fix the file, or "
            "add its classes to meta.json"
        ) from error


def _dataset_folders(directory: Path) -> List[Path]:
    """Folders that look like datasets (they hold img/ or ann/), nested ones included."""
    found = {
        path.parent.resolve()
        for name in ("img", "ann")
        for path in directory.rglob(name)
        if path.is_dir()
    }
    return sorted(found)


def _is_stray(folder: Path, datasets: Set[Path]) -> bool:
    """A folder at the top of a project that is no dataset, no parent of one, and not hidden."""
    return (
        folder.is_dir()
        and not folder.name.startswith(".")
        and folder.name not in sly.Dataset.ignorable_dirs()
        and folder.resolve() not in datasets
        and not (folder / sly.Dataset.datasets_dir()).is_dir()
    )


@contextlib.contextmanager
def _sdk_log_silenced() -> Iterator[None]:
    """Keep the SDK's log lines (one per folder it skips) out of the output: open_project names
    such folders itself, in its error."""
    level = sly.logger.level
    sly.logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        sly.logger.setLevel(level)


def _dataset_problem(folder: Path) -> str:
    """Why the SDK could not read the dataset in ``folder``, with the fix."""
    try:
        sly.Dataset(str(folder), sly.OpenMode.READ)
    except FileNotFoundError as error:  # img/ or ann/ is missing
        return f"{error}: a dataset needs both img/ and ann/"
    except RuntimeError as error:  # an image without its annotation, or the reverse
        return f"{error} Add or remove files so that every image has its annotation."
    return (
        "sly.Project skips this dataset (a folder whose name ends in img, ann, meta, ...?): "
        "rename it or move it out of the project"
    )
