"""Edit every annotation of a local Supervisely project dataset, one file at a time, atomically.

:func:`edit_local_dataset` reads each annotation file of a ``sly.Dataset``, applies an edit and
rewrites only the files that change, each through a temporary file renamed over the old one
(``files.atomic.write_json_atomically``). A run that stops half way leaves every file whole,
either as it was or as edited, and running it again finishes the job. One annotation is in
memory at a time; an edit with an ``on_file`` (discard) edits a file of ``STREAM_FROM_BYTES`` or
more as a stream (``project.discard_file``), and other edits refuse a file larger than
``files.project_folder.MAX_WHOLE_ANNOTATION_BYTES`` by name. A file that is not UTF-8 JSON, or that the edit cannot take, is left as it is
and named in the summary.

Copy this file with ``project/edits.py``, ``files/project_folder.py``, ``files/atomic.py`` and
``files/write_checks.py`` (and ``bindings.py``); it needs only ``supervisely``.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Optional

import supervisely as sly

from sly_bindings.files.atomic import write_chunks_atomically, write_json_atomically
from sly_bindings.files.project_folder import read_annotation_json
from sly_bindings.files.write_checks import disk_problem, is_disk_problem
from sly_bindings.project.edits import EditSummary, JsonEdit, edit_one

# An edit of a whole file: the new file's bytes in chunks, or None for no change (raising a
# ValueError skips the file, as a JsonEdit's does).
FileEdit = Callable[[str], Optional[Iterable[bytes]]]
# Files from this size on are edited by the edit's ``on_file`` when it has one (discard: memory
# stays a small multiple of the file, ``project.discard_file``); smaller ones are read whole.
STREAM_FROM_BYTES = 4 * 1024 * 1024


class SavingStopped(OSError):
    """The disk refused to write an annotation (full, read-only, an immutable file): the
    message names the folder and the cause, and says how many annotations were saved.

    Every file counted as saved holds the edit; the file being written is as it was. An
    OSError, so that code which handles a failed write handles this one too.

    Examples:
        >>> import errno
        >>> full = OSError(errno.ENOSPC, "No space left on device")
        >>> str(SavingStopped(full, "/p/ds0/ann", "ds0", EditSummary(images=9, changed=5, saved=4)))
        'no space left on the disk of /p/ds0/ann (No space left on device): 4 annotations of dataset ds0 saved (earlier datasets are done); free space and run again'
    """

    def __init__(self, error: OSError, folder: str, dataset_name: str, summary: EditSummary):
        cause, fix = disk_problem(error, folder)
        super().__init__(
            f"{cause}: {summary.saved} annotations of dataset {dataset_name} saved (earlier "
            f"datasets are done); {fix}"
        )
        self.summary = summary


def file_edit(edit: JsonEdit, path: str) -> Optional[FileEdit]:
    """The edit's ``on_file`` (``project.discard_file.DiscardEdit.on_file``) when it has one
    and the file at ``path`` is at least :data:`STREAM_FROM_BYTES`; else None (read it whole).

    Examples:
        >>> from sly_bindings.project.discard_file import DiscardEdit
        >>> file_edit(DiscardEdit(), "missing.json") is None  # no size: read whole, to be named
        True
    """
    on_file = getattr(edit, "on_file", None)
    try:
        size = os.stat(path).st_size
    except OSError:
        return None
    return on_file if on_file is not None and size >= STREAM_FROM_BYTES else None


def edit_local_dataset(
    dataset: sly.Dataset,
    edit: JsonEdit,
    *,
    dry_run: bool = False,
    progress: Optional[Callable[[int], None]] = None,
) -> EditSummary:
    """Apply ``edit`` to the annotation file of every item of ``dataset``; rewrite what changed.

    Items go in the order of their names.

    Args:
        dataset: a dataset of a project opened with ``files.project_folder.open_project(dir)`` (or
            ``sly.Project(dir, sly.OpenMode.READ)``).
        edit: takes an item name and its annotation JSON and returns the new JSON, or None for
            no change; a ValueError skips the item, as does a file that is not UTF-8 JSON (the
            summary keeps the first reason, with the file's path).
        dry_run: write nothing; the summary says what would change.
        progress: called with 1 after each item, e.g. ``tqdm.update``.

    Returns:
        What was done (``saved``: files rewritten).

    Raises:
        SavingStopped: the disk refused a write (ENOSPC, EROFS, EACCES, EPERM); it says how
            many files were saved before.

    Examples:
        >>> import os, tempfile, numpy as np
        >>> from sly_bindings.project.edits import discard_in_json
        >>> project_dir = os.path.join(tempfile.mkdtemp(), "project")
        >>> project = sly.Project(project_dir, sly.OpenMode.CREATE)
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> project.set_meta(sly.ProjectMeta(obj_classes=[car]))
        >>> dataset = project.create_dataset("ds0")
        >>> ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 1), car, binding_key="a")])
        >>> dataset.add_item_np("a.png", np.zeros((4, 4, 3), np.uint8), ann=ann)
        >>> unbind = lambda name, ann_json: discard_in_json(ann_json)
        >>> edit_local_dataset(dataset, unbind)
        EditSummary(images=1, changed=1, saved=1, skipped=0, changed_names=('a.png',), first_skip='')
        >>> edit_local_dataset(dataset, unbind).changed  # a second run has nothing left to do
        0
    """
    summary = EditSummary()
    for name in sorted(dataset.get_items_names()):  # the folder's order differs from disk to disk
        path = dataset.get_ann_path(name)
        on_file = file_edit(edit, path)
        if on_file is not None:  # a large file: edited as a stream, never read whole
            new, outcome = edit_one(lambda _, path: on_file(path), name, lambda: path, path)
        else:
            new, outcome = edit_one(edit, name, lambda: read_annotation_json(path), path)
        if new is not None and not dry_run:
            try:
                if on_file is not None:
                    write_chunks_atomically(new, path)
                else:
                    write_json_atomically(new, path)
            except OSError as error:
                if not is_disk_problem(error):
                    raise
                folder = os.path.dirname(os.path.abspath(path))
                raise SavingStopped(error, folder, dataset.name, summary + outcome) from error
            except ValueError as error:  # a file streamed that changed as it was read: left
                outcome = EditSummary(images=1, skipped=1, first_skip=str(error))
            else:
                outcome += EditSummary(saved=1)
        summary += outcome
        if progress is not None:
            progress(1)
    return summary
