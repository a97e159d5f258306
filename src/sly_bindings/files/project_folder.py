"""Open a local Supervisely project, and read its JSON files, so that every problem is named.

``sly.Project(dir, READ)`` skips a dataset it cannot read with a log line, and says "Project is
empty" for a folder that holds no images at all. :func:`open_project` refuses instead, with one
line that names the folder or file and the fix; :func:`read_json` does the same for one file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
import sys
import tempfile  # for the examples
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, Type, Union

import supervisely as sly

from sly_bindings.files.images import check_encoded_geometry, oriented_size
from sly_bindings.files.limits import positive_setting
from sly_bindings.files.input_paths import (
    SYSTEM_FILE_FIX,
    absence,
    say_linked_folders,
    system_file_problem,
)
from sly_bindings.formats import construct
from sly_bindings.formats.records import image_skipped, record

PathLike = Union[str, "os.PathLike[str]"]


class ProjectFolderError(ValueError):
    """A folder or file that is not a readable Supervisely project; the message names the fix."""


class ProjectFolderWarning(UserWarning):
    """An object of a project's annotation that was skipped; the message names the file and it.

    (``formats.items.SuperviselyWarning`` is this and a ``FormatWarning``.)"""


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
    if not os.path.lexists(directory / "meta.json"):
        raise ProjectFolderError(
            f"{directory} is not a Supervisely project (no meta.json): pass the folder that "
            "holds meta.json and a folder per dataset"
        )
    meta_path = directory / "meta.json"
    meta_json = read_json(meta_path)
    problem = meta_problem(meta_json)
    if problem is not None:
        raise ProjectFolderError(
            f"{meta_path}: {problem}: fix meta.json or export the project again"
        )
    try:
        with _sdk_log_silenced():
            sly.ProjectMeta.from_json(meta_json)
    except Exception as error:  # noqa: BLE001 - the SDK raises a bare Exception for classes
        reason = " ".join(str(error).split())[:200]
        raise ProjectFolderError(
            f"{meta_path}: not a Supervisely project meta ({reason}): export the project again"
        ) from error
    for folder in _dataset_folders(directory):
        for kind in ("img", "ann"):
            odd = next((f for f in sorted((folder / kind).glob("*")) if not f.is_file()), None)
            if odd is not None and not odd.is_dir():  # a FIFO would block the SDK's read
                raise ProjectFolderError(
                    f"{odd}: {absence(odd)}: replace it with the file it stands for"
                )
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
    say_linked_folders(directory, followed=True)  # sly.Project reads a linked dataset folder
    for dataset in project.datasets:
        for path in annotations_without_image(dataset):
            if path not in _ORPHANS_SAID:  # a run opens a project more than once: said once
                _ORPHANS_SAID.add(path)
                image = os.path.join(dataset.img_dir, os.path.basename(path)[: -len(".json")])
                image_skipped(  # as every reader leaves a missing image out
                    path,
                    f"its image {image} does not exist: add the image or remove the file",
                    ProjectFolderWarning,
                )
    return project


_ORPHANS_SAID: Set[str] = set()


def annotations_without_image(dataset: sly.Dataset) -> List[str]:
    """The ``ann/*.json`` files of ``dataset`` that belong to no image (the SDK skips them).

    Examples:
        >>> import numpy as np
        >>> project = sly.Project(os.path.join(tempfile.mkdtemp(), "p"), sly.OpenMode.CREATE)
        >>> dataset = project.create_dataset("ds")
        >>> dataset.add_item_np("a.png", np.zeros((2, 2, 3), np.uint8))
        >>> _ = open(os.path.join(dataset.ann_dir, "gone.png.json"), "w").write("{}")
        >>> [os.path.basename(path) for path in annotations_without_image(dataset)]
        ['gone.png.json']
    """
    if not os.path.isdir(dataset.ann_dir):
        return []
    used = {os.path.abspath(dataset.get_ann_path(name)) for name in dataset.get_items_names()}
    return sorted(
        path
        for path in (os.path.join(dataset.ann_dir, name) for name in os.listdir(dataset.ann_dir))
        if path.endswith(".json") and os.path.abspath(path) not in used
    )


def meta_problem(meta_json: Any) -> Optional[str]:
    """What makes ``meta_json`` unreadable as a project meta, naming the class, or None.

    Checks what the SDK reports only as "Failed to deserialize classes": each class is an
    object with a ``title`` and a ``shape``, and no title appears twice (nor a tag name).

    Examples:
        >>> meta_problem({"classes": [{"title": "car", "shape": "bitmap", "color": "#FF0000"}]})
        >>> meta_problem({"classes": [{"title": "car", "color": "#FF0000"}]})
        "classes[0] ('car'): no 'shape'"
        >>> meta_problem({"classes": [{"title": "car", "shape": "bitmap"}] * 2})
        "classes[1]: the class 'car' is there twice"
    """
    if not isinstance(meta_json, dict):
        return f"not a JSON object but {type(meta_json).__name__}"
    for field, key in (("classes", "title"), ("tags", "name")):
        entries = meta_json.get(field, [])
        if not isinstance(entries, list):
            return f"{field}: not a list but {type(entries).__name__}"
        seen: Set[str] = set()
        for index, entry in enumerate(entries):
            where = f"{field}[{index}]"
            if not isinstance(entry, dict):
                return f"{where}: not an object but {type(entry).__name__}"
            title = entry.get(key)
            if not isinstance(title, str) or not title:
                return f"{where}: no {key!r} (a non-empty string)"
            if field == "classes" and not isinstance(entry.get("shape"), str):
                return f"{where} ({title!r}): no 'shape'"
            if field == "tags" and not isinstance(entry.get("value_type"), str):
                return f"{where} ({title!r}): no 'value_type'"
            if title in seen:
                kind = "class" if field == "classes" else "tag"
                return f"{where}: the {kind} {title!r} is there twice"
            seen.add(title)
    return None


def read_json(path: PathLike, shared: bool = False) -> Any:
    """The JSON in the file at ``path``, or a ProjectFolderError that names the file.

    The path must be a regular file, checked with ``stat`` before opening (a FIFO would block
    the read forever); nesting too deep for Python's parser and integers too long to convert
    (over 4,300 digits) are refused as other malformed JSON is. A key twice in one object is
    read as every JSON reader reads it (the last value), with one :class:`JsonKeyWarning` per
    file that names the key: the one JSON loading place of every reader.

    ``shared=True``, for a file a run reads whole more than once (a COCO file: its categories,
    then its images): the last file so read is kept, and read again when its bytes are the same
    (a blake2b digest of them: parsing costs ~20 times the digest), as the same object: the
    caller must not change it. ``convert --jobs``' workers, forked after the parent read the
    categories, so share one parse of it, in memory they share, instead of each parsing it.

    Examples:
        >>> from sly_bindings.files.atomic import write_json_atomically
        >>> path = os.path.join(tempfile.mkdtemp(), "ann.json")
        >>> write_json_atomically({"objects": []}, path)
        >>> read_json(path)
        {'objects': []}
    """
    check_json_file(path)
    repeated: List[str] = []
    try:
        with open(path, "rb") as file:
            raw = file.read()
        key = (os.path.realpath(path), hashlib.blake2b(raw).digest()) if shared else None
        if key is not None and _shared[:1] == [key]:
            data, repeated = _shared[1:]  # its repeated keys warned again, as each read warns
        else:
            data = json.loads(raw.decode("utf-8"), object_pairs_hook=_keeping_repeats(repeated))
    except UnicodeDecodeError as error:
        problem = f"not UTF-8 text (byte {error.start}): fix the file or export it again"
    except json.JSONDecodeError as error:
        problem = (
            f"not valid JSON ({error.msg}, line {error.lineno} column {error.colno}): fix the "
            "file or export it again"
        )
    except RecursionError:
        problem = "JSON nested too deep to read: fix the file or export it again"
    except ValueError as error:  # an integer of more digits than int() converts
        reason = " ".join(str(error).split())
        if "integer string conversion" in reason:
            reason = f"a number of more than {sys.get_int_max_str_digits()} digits"
        problem = f"a value cannot be read ({reason[:120]}): fix the file or export it again"
    except OSError as error:
        problem = f"cannot be read ({error.strerror}): check that it is a file you can read"
    else:
        repeated_keys_warning(path, repeated)
        if key is not None:
            _shared[:] = [key, data, repeated]
        return data
    raise ProjectFolderError(f"{os.fspath(path)}: {problem}")


# [(real path, digest), data, repeated keys] of the last file read_json(shared=True) read
_shared: List[Any] = []


def check_json_file(path: PathLike) -> None:
    """A ProjectFolderError unless ``path`` is a regular file outside /proc, /sys and /dev
    (``stat`` only: a FIFO is never opened; a missing file passes, for ``open`` to name).

    Examples:
        >>> check_json_file("/dev/null")
        Traceback (most recent call last):
        ...
        sly_bindings.files.project_folder.ProjectFolderError: /dev/null: not a regular file (a FIFO, socket or device): replace it with the JSON file
    """
    try:
        mode: Optional[int] = os.stat(path).st_mode
    except OSError:
        mode = None  # open() says why, as for any file it cannot read
    if mode is not None and stat.S_ISDIR(mode):
        raise ProjectFolderError(f"{os.fspath(path)}: a folder, not a JSON file: rename it")
    if mode is not None and not stat.S_ISREG(mode):
        raise ProjectFolderError(
            f"{os.fspath(path)}: not a regular file (a FIFO, socket or device): replace it "
            "with the JSON file"
        )
    if system_file_problem(path) is not None:
        raise ProjectFolderError(
            f"{os.fspath(path)}: {system_file_problem(path)}: {SYSTEM_FILE_FIX}"
        )


def repeated_keys_warning(path: PathLike, repeated: List[str]) -> None:
    """The one :class:`JsonKeyWarning` of a file whose objects repeat the keys ``repeated``."""
    if repeated:
        warnings.warn(
            f"{os.fspath(path)}: key {repeated[0]!r} appears twice in one object"
            + (f" (and {len(repeated) - 1} more repeated keys)" if len(repeated) > 1 else "")
            + ": the last value is read, as JSON readers do; remove the other",
            JsonKeyWarning,
        )


# The largest annotation file read whole: json.load and then the SDK's objects need up to
# ~30 times the file (a polygon's point is 2 numbers in ~10 bytes of text, a list and 2 ints in
# Python). Larger ones are refused by name; ``sly-bindings discard`` reads them as a stream.
# ``SLY_MAX_ANNOTATION_MB`` changes the bound (MiB), for a machine with the memory for it.
MAX_WHOLE_ANNOTATION_BYTES = 32 * 1024 * 1024
ANNOTATION_SIZE_VARIABLE = "SLY_MAX_ANNOTATION_MB"


def read_annotation_json(path: PathLike) -> Any:
    """:func:`read_json` of an annotation file of at most :data:`MAX_WHOLE_ANNOTATION_BYTES`
    (or ``$SLY_MAX_ANNOTATION_MB`` MiB).

    Raises:
        ProjectFolderError: as :func:`read_json`, or the file is larger; it is named.
        SettingError: ``SLY_MAX_ANNOTATION_MB`` is not a number above 0 (it is named).

    Examples:
        >>> from sly_bindings.files.atomic import write_json_atomically
        >>> path = os.path.join(tempfile.mkdtemp(), "a.png.json")
        >>> write_json_atomically({"objects": []}, path)
        >>> read_annotation_json(path)
        {'objects': []}
    """
    try:
        size = os.stat(path).st_size
    except OSError:
        size = 0  # read_json says why
    limit = positive_setting(ANNOTATION_SIZE_VARIABLE, MAX_WHOLE_ANNOTATION_BYTES / 2**20, "MiB")
    if size > limit * 2**20:
        raise ProjectFolderError(
            f"{os.fspath(path)}: {size / 2**20:.1f} MiB, more than the {limit:g} MiB an "
            "annotation may have to be read whole (it would take about 30 times that in "
            f"memory): raise {ANNOTATION_SIZE_VARIABLE} if the machine has the memory, split the "
            "image's labels over smaller images, or discard its bindings with sly-bindings "
            "discard (any size)"
        )
    return read_json(path)


class JsonKeyWarning(ProjectFolderWarning):
    """A JSON file with a key twice in one object: read (the last value), said once per file."""


def _keeping_repeats(repeated: List[str]) -> Callable[[List[Tuple[str, Any]]], Dict[str, Any]]:
    """An ``object_pairs_hook`` that builds each object as ``json`` does (the last value of a
    repeated key wins) and appends every repeated key to ``repeated``."""

    def build(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
        built = dict(pairs)
        if len(built) < len(pairs):
            seen: Set[str] = set()
            repeated.extend(key for key, _ in pairs if key in seen or seen.add(key))
        return built

    return build


def read_annotation(
    dataset: sly.Dataset,
    item_name: str,
    meta: sly.ProjectMeta,
    warning: Type[Warning] = ProjectFolderWarning,
) -> sly.Annotation:
    """``dataset.get_ann(item_name, meta)``, or a ProjectFolderError naming the file and the fix.

    Each object is read through ``formats.records.record``, as every format reads its records:
    an object that cannot be read (of a class ``meta`` does not declare or of another geometry,
    a malformed geometry, a missing field, wholly outside the image, a mask larger than the
    image, checked before it is decoded: ``files.images.check_encoded_geometry``) is skipped with one
    ``warning`` naming the file (named after its image) and the object; the others are read.

    The annotation's ``size`` must be its image's real size, read from the image's header
    (without decoding it) with its EXIF orientation applied, as ``sly.image.read`` sizes it
    (``files.images.oriented_size``): a writer never normalises or clips labels by another
    size. A ``size`` of ``null`` height and width takes the image's size, the SDK's own rule
    when it downloads such an annotation (``Annotation(img_size=(image_info.height, ...))``).

    Raises:
        ProjectFolderError: the file is not JSON or not an annotation (its ``size``, ``tags``
            or ``objects`` list), it is larger than :data:`MAX_WHOLE_ANNOTATION_BYTES`, its image cannot be read, or its ``size`` is not its image's;
            the message names the file, the image and both sizes.

    Examples:
        >>> import numpy as np
        >>> project = sly.Project(os.path.join(tempfile.mkdtemp(), "p"), sly.OpenMode.CREATE)
        >>> dataset = project.create_dataset("ds")
        >>> dataset.add_item_np("a.png", np.zeros((2, 2, 3), np.uint8))
        >>> read_annotation(dataset, "a.png", project.meta).img_size
        (2, 2)
    """
    path = dataset.get_ann_path(item_name)
    data = read_annotation_json(path)
    objects = data.get("objects") if isinstance(data, dict) else None
    if isinstance(objects, list):  # read one by one below
        data = {**data, "objects": []}
    try:
        ann = sly.Annotation.from_json(data, meta)
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as error:
        reason = " ".join(f"{type(error).__name__}: {error}".split())  # the SDK's has newlines
        raise ProjectFolderError(
            f"{path}: not a Supervisely annotation of this project ({reason}): fix the file, or "
            "add its classes to meta.json"
        ) from error
    image_path = dataset.get_img_path(item_name)
    height, width = oriented_size(
        image_path, f"{path}: size: image {image_path}", ProjectFolderError
    )
    if ann.img_size != (None, None) and not all(_whole(side) for side in ann.img_size):
        got = ", ".join(excerpt_of(side) for side in ann.img_size)
        raise ProjectFolderError(
            f"{path}: size: height, width: {got} are not whole numbers: write the image's "
            f"{height}, {width} as numbers (or null for both)"
        )
    if ann.img_size != (None, None) and tuple(ann.img_size) != (height, width):
        declared = "x".join(str(side)[:20] for side in ann.img_size[::-1])
        raise ProjectFolderError(
            f"{path}: size: declares {declared} (width x height) but its image {image_path} is "
            f"{width}x{height}: labels would be normalised and clipped by the wrong size; fix "
            "the size (or set height and width to null) or give the image it was drawn on"
        )
    labels: List[sly.Label] = []
    for index, obj in enumerate(objects or []):
        where = f"{path}: objects[{index}]"
        with record(labels, where, warning, (height, width), "object") as found:
            check_encoded_geometry(obj, (height, width), where, ProjectFolderError)
            found.append(construct.label_from_json(obj, meta))
    # A size of null takes the image's (the SDK's rule when it downloads such an annotation).
    return construct.annotation_with(ann, (height, width), labels)


def _whole(value: Any) -> bool:
    """A JSON whole number (``64`` or ``64.0``), not a string or a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or value.is_integer()


def excerpt_of(value: Any) -> str:
    """``repr(value)`` cut to 20 characters, for a message.

    Examples:
        >>> excerpt_of("50"), excerpt_of("9" * 40)
        ("'50'", "'9999999999999999999...")
    """
    text = repr(value)
    return text if len(text) <= 20 else text[:20] + "..."


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
        dataset = sly.Dataset(str(folder), sly.OpenMode.READ)
    except FileNotFoundError as error:  # img/ or ann/ is missing
        return f"{error}: a dataset needs both img/ and ann/"
    except RuntimeError as error:  # an image without its annotation, or the reverse
        return f"{error} Add or remove files so that every image has its annotation."
    if len(dataset) == 0:  # the SDK calls a project of empty datasets empty
        return "holds no images (img/ is empty): add images with their annotations, or remove it"
    return (
        "sly.Project skips this dataset (a folder whose name ends in img, ann, meta, ...?): "
        "rename it or move it out of the project"
    )
