"""Whether an output folder can be created: asked of the file system, not of permission bits."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional


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
