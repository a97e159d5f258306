"""Write files so that a crash or a full disk leaves the old file or the new one, never half.

``Dataset.set_ann`` writes the annotation file in place, so a crash or a full disk half way
leaves a truncated JSON. These helpers write a temporary file beside the target and rename it
over the target, which the operating system does atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Iterable, Optional

import supervisely as sly


def write_chunks_atomically(chunks: Iterable[bytes], path: str) -> None:
    """Write the ``chunks`` one after the other to ``path`` (never all in memory at once):
    afterwards ``path`` holds either the old or the new file.

    Examples:
        >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
        >>> write_chunks_atomically([b"bo", b"und"], path)
        >>> open(path, "rb").read()
        b'bound'
    """
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            for chunk in chunks:
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def write_bytes_atomically(data: bytes, path: str) -> None:
    """Write ``data`` to ``path``: afterwards ``path`` holds either the old or the new file.

    Examples:
        >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
        >>> write_bytes_atomically(b"bound", path)
        >>> open(path, "rb").read()
        b'bound'
    """
    write_chunks_atomically([data], path)


def write_json_atomically(data: Any, path: str, indent: Optional[int] = 4) -> None:
    """Write ``data`` as JSON to ``path`` atomically, indented by ``indent`` spaces as the SDK
    writes its files (None: on one line, as COCO files are written; much faster to encode).

    Examples:
        >>> path = os.path.join(tempfile.mkdtemp(), "ann.json")
        >>> write_json_atomically({"objects": []}, path)
        >>> json.load(open(path))
        {'objects': []}
    """
    write_bytes_atomically(json.dumps(data, indent=indent).encode("utf-8"), path)


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
