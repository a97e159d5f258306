"""Build a folder under a hidden temporary name and publish it whole, under the next free name.

An interrupted run leaves no half-written folder where a reader expects a finished one, and two
runs writing beside each other never overwrite one another.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sly_bindings.files.atomic import current_umask


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
    # The name cut to 200 characters: with the prefix and suffix it stays a valid file name
    # (255 bytes at most) wherever ``name`` itself is one.
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{name[:200]}.partial-"))
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
