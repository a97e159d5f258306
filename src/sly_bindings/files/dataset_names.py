"""Which names can name a dataset folder of a local Supervisely project."""

from __future__ import annotations

import functools
from typing import Optional

import supervisely as sly


@functools.lru_cache(maxsize=4096)  # asked per image, of the few names of a run's datasets
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
