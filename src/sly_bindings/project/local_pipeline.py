"""Edit every annotation of a local Supervisely project dataset, one file at a time, atomically.

:func:`edit_local_dataset` reads each annotation file of a ``sly.Dataset``, applies an edit and
rewrites only the files that change, each through a temporary file renamed over the old one
(``files.atomic.write_json_atomically``). A run that stops half way leaves every file whole,
either as it was or as edited, and running it again finishes the job. One annotation is in
memory at a time. A file that is not UTF-8 JSON, or that the edit cannot take, is left as it is
and named in the summary.

Copy this file with ``project/edits.py``, ``files/project_folder.py`` and ``files/atomic.py``
(and ``bindings.py``); it needs only ``supervisely``.
"""

from __future__ import annotations

from typing import Callable, Optional

import supervisely as sly

from sly_bindings.files.atomic import write_json_atomically
from sly_bindings.files.project_folder import read_json
from sly_bindings.project.edits import EditSummary, JsonEdit, edit_one


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
        new_json, outcome = edit_one(edit, name, lambda: read_json(path), path)
        summary += outcome
        if new_json is not None and not dry_run:
            write_json_atomically(new_json, path)
            summary += EditSummary(saved=1)
        if progress is not None:
            progress(1)
    return summary
