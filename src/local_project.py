"""Write into a local Supervisely project so that an interruption never leaves a broken file.

``Dataset.set_ann`` writes the annotation file in place: a crash or a full disk half way leaves
a truncated JSON that ``sly.Project`` can no longer open. These helpers write a temporary file
beside the target and rename it over the target, which the operating system does atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import supervisely as sly


def write_json_atomically(data: Any, path: str) -> None:
    """Write ``data`` as JSON to ``path``: afterwards ``path`` holds either the old or the new file.

    Examples:
        >>> path = os.path.join(tempfile.mkdtemp(), "ann.json")
        >>> write_json_atomically({"objects": []}, path)
        >>> json.load(open(path))
        {'objects': []}
    """
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as file:
            json.dump(data, file, indent=4)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def save_annotation(dataset: sly.Dataset, item_name: str, ann: sly.Annotation) -> None:
    """Replace the annotation of ``item_name`` in ``dataset``: ``dataset.set_ann``, made atomic.

    Examples:
        >>> project = sly.Project("output/tutorial-bindings", sly.OpenMode.READ)  # doctest: +SKIP
        >>> dataset = project.datasets.get("dataset-01")  # doctest: +SKIP
        >>> save_annotation(dataset, "image.jpg", sly.Annotation((720, 1280)))  # doctest: +SKIP
    """
    write_json_atomically(ann.to_json(), dataset.get_ann_path(item_name))
