"""Open and write local Supervisely projects so that problems are named and files stay whole.

Opening: ``sly.Project(dir, READ)`` skips a dataset it cannot read with a log line, and says
"Project is empty" for a folder that holds no images at all. :func:`open_project` refuses
instead, with one line that names the folder or file and the fix; :func:`read_json` does the
same for one annotation file.

Writing: ``Dataset.set_ann`` writes the annotation file in place, so a crash or a full disk half
way leaves a truncated JSON. These helpers write a temporary file beside the target and rename
it over the target, which the operating system does atomically.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator, List, Optional, Set, Union

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
        local_project.ProjectFolderError: images is not a Supervisely project (no meta.json): pass the folder that holds meta.json and a folder per dataset
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


def nearest_existing(path: Path) -> Path:
    """``path`` itself if it exists, else its nearest parent that does.

    Examples:
        >>> nearest_existing(Path("/tmp/no/such/folder"))
        PosixPath('/tmp')
    """
    path = path.absolute()
    return next(folder for folder in [path, *path.parents] if folder.exists())


def cannot_create_in(folder: Path) -> Optional[str]:
    """Why nothing can be created in the existing ``folder`` (the system's words), or None.

    Permission bits do not tell (root, read-only mounts), so this creates something and
    removes it again.

    Examples:
        >>> cannot_create_in(Path(tempfile.mkdtemp())) is None
        True
    """
    try:
        os.rmdir(tempfile.mkdtemp(dir=folder, prefix=".write-check-"))
    except OSError as error:
        return error.strerror
    return None


def dataset_name_problem(name: str) -> Optional[str]:
    """Why ``name`` cannot name a dataset folder of a project, or None when it can.

    ``sly.Project`` skips, when it reads a project, a folder whose name ends like one of its own
    (``img``, ``ann``, ``meta``, ...), so such a name would lose the dataset.

    Examples:
        >>> dataset_name_problem("train"), dataset_name_problem("..")
        (None, "is not a plain folder name: use one without '/' or '\\\\', not '.' or '..'")
        >>> dataset_name_problem("scans_img")
        "ends with 'img', which sly.Project skips when it reads a project: rename it"
    """
    if name in ("", ".", "..") or "/" in name or "\\" in name:
        return "is not a plain folder name: use one without '/' or '\\', not '.' or '..'"
    ending = next((end for end in sly.Dataset.ignorable_dirs() if name.endswith(end)), None)
    if ending is not None:
        return f"ends with {ending!r}, which sly.Project skips when it reads a project: rename it"
    return None


def free_project_dir(parent: Path, name: str) -> Path:
    """``parent/name``, or the first of ``name_001``, ``name_002``, ... that does not exist yet.

    The same suffixes as ``api.project.create(..., change_name_if_conflict=True)`` on a server.

    Examples:
        >>> free_project_dir(Path("/nonexistent"), "tutorial-bindings")
        PosixPath('/nonexistent/tutorial-bindings')
    """
    candidate, suffix = parent / name, 1
    while candidate.exists():
        candidate, suffix = parent / f"{name}_{suffix:03d}", suffix + 1
    return candidate


def staging_folder(parent: Path, name: str) -> Path:
    """A new empty folder in ``parent`` to build ``name`` in, then :func:`publish_folder` it.

    Examples:
        >>> staging_folder(Path(tempfile.mkdtemp()), "p").name.startswith(".p.partial-")
        True
    """
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{name}.partial-"))
    # mkdtemp makes the folder private (0700); give it the mode a plain mkdir would.
    os.chmod(staging, 0o777 & ~current_umask())
    return staging


def publish_folder(staging: Path, parent: Path, name: str) -> Path:
    """Rename the finished ``staging`` folder to the free name for ``name`` in ``parent``.

    The free name is taken at the last moment, so two runs writing beside each other never
    overwrite one another: the later one takes the next name.

    Examples:
        >>> parent = Path(tempfile.mkdtemp())
        >>> publish_folder(staging_folder(parent, "p"), parent, "p").name
        'p'
        >>> publish_folder(staging_folder(parent, "p"), parent, "p").name
        'p_001'
    """
    while True:
        destination = free_project_dir(parent, name)
        try:
            os.rename(staging, destination)
            return destination
        except OSError:
            if not destination.exists():  # not a race for the name: a real failure
                raise


def read_json(path: PathLike) -> Any:
    """The JSON in the file at ``path``, or a ProjectFolderError that names the file.

    Examples:
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


def write_bytes_atomically(data: bytes, path: str) -> None:
    """Write ``data`` to ``path``: afterwards ``path`` holds either the old or the new file.

    Examples:
        >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
        >>> write_bytes_atomically(b"bound", path)
        >>> open(path, "rb").read()
        b'bound'
    """
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def write_json_atomically(data: Any, path: str) -> None:
    """Write ``data`` as JSON to ``path`` (as the SDK does, indented), atomically.

    Examples:
        >>> path = os.path.join(tempfile.mkdtemp(), "ann.json")
        >>> write_json_atomically({"objects": []}, path)
        >>> json.load(open(path))
        {'objects': []}
    """
    write_bytes_atomically(json.dumps(data, indent=4).encode("utf-8"), path)


def current_umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_annotation(dataset: sly.Dataset, item_name: str, ann: sly.Annotation) -> None:
    """Replace the annotation of ``item_name`` in ``dataset``: ``dataset.set_ann``, made atomic.

    Examples:
        >>> project = sly.Project("output/tutorial-bindings", sly.OpenMode.READ)  # doctest: +SKIP
        >>> dataset = project.datasets.get("dataset-01")  # doctest: +SKIP
        >>> save_annotation(dataset, "image.jpg", sly.Annotation((720, 1280)))  # doctest: +SKIP
    """
    write_json_atomically(ann.to_json(), dataset.get_ann_path(item_name))
