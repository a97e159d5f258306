"""Build a folder under a hidden temporary name and publish it whole, under the next free name.

An interrupted run leaves no half-written folder where a reader expects a finished one, and two
runs writing beside each other never overwrite one another. What a killed run left (no
``finally`` runs after ``kill -9``) is removed by the next run for the same name.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import List

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

    Its name, ``.<name>.partial-<pid>-<random>``, holds the id of the process that builds it,
    so that a later run for the same ``name`` removes what a killed run (``kill -9``, a power
    cut: no ``finally`` ran) left: :func:`remove_stale_staging`, called here first.

    Examples:
        >>> staging_folder(Path(tempfile.mkdtemp()), "p").name.startswith(f".p.partial-{os.getpid()}-")
        True
    """
    remove_stale_staging(parent, name)
    # The name cut to 200 characters: with the prefix and suffix it stays a valid file name
    # (255 bytes at most) wherever ``name`` itself is one.
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f"{_staging_prefix(name)}{os.getpid()}-"))
    # mkdtemp makes the folder private (0700); give it the mode a plain mkdir would.
    os.chmod(staging, 0o777 & ~current_umask())
    return staging


def _staging_prefix(name: str) -> str:
    return f".{name[:200]}.partial-"


def remove_stale_staging(parent: Path, name: str) -> List[Path]:
    """Remove the staging folders for ``name`` in ``parent`` whose process has ended; the ones
    removed.

    A folder of a process still running (another run writing beside this one) is left alone,
    as is any other file: only ``.<name>.partial-<pid>-<random>`` folders whose ``pid`` is no
    running process of this machine are removed.

    Examples:
        >>> parent = Path(tempfile.mkdtemp())
        >>> (parent / ".p.partial-999999999-abc").mkdir()  # no such process
        >>> [path.name for path in remove_stale_staging(parent, "p")]
        ['.p.partial-999999999-abc']
    """
    pattern = re.compile(re.escape(_staging_prefix(name)) + r"(\d+)-\w+")
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if found and entry.is_dir(follow_symlinks=False) and not _running(int(found.group(1))):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _running(pid: int) -> bool:
    """Whether ``pid`` is a process of this machine (another user's counts)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # no such process (or no such number)
        return False
    except PermissionError:  # another user's
        return True
    return True


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
