"""Whether an output folder can be created (asked of the file system, not of permission bits),
whether an output would replace an input, and what to say when the disk refuses a write."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Iterable, Optional, Tuple


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


def same_file(first: "os.PathLike[str] | str", second: "os.PathLike[str] | str") -> bool:
    """Whether two paths name one file: the same real path (links followed, ``..`` resolved),
    or, both existing, one file under two names (a hard link: ``os.path.samefile``).

    Examples:
        >>> folder = tempfile.mkdtemp()
        >>> a = os.path.join(folder, "a.png"); _ = open(a, "wb").write(b"x")
        >>> os.link(a, os.path.join(folder, "b.png"))
        >>> same_file(a, os.path.join(folder, "b.png")), same_file(a, os.path.join(folder, "c.png"))
        (True, False)
    """
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except (OSError, ValueError):  # one is missing: not one file
        return False


def replaces_input(
    output: "os.PathLike[str] | str", inputs: Iterable[Tuple[str, "os.PathLike[str] | str"]]
) -> Optional[str]:
    """Why writing the file ``output`` would replace an input, or None: the check of a
    command's output files against its inputs, before anything is written (``convert`` and
    ``preview`` check their OUT folder with ``convert.check_out``).

    ``inputs`` are ``(what the user named it, path)`` pairs, e.g. ``("--image", photo)``; an
    output that is one of them (:func:`same_file`: through links too) would be replaced.

    Examples:
        >>> replaces_input("photo.jpg", [("--image", "./photo.jpg"), ("--masks", "m.png")])
        'is --image ./photo.jpg: writing it would replace the input; give another path'
        >>> replaces_input("preview.png", [("--image", "photo.jpg")]) is None
        True
    """
    for name, path in inputs:
        if same_file(output, path):
            return (
                f"is {name} {os.fspath(path)}: writing it would replace the input; give "
                "another path"
            )
    return None


# Errors of the disk rather than of the program: (cause, fix) for the one line that names them.
DISK_PROBLEMS = {
    errno.ENOSPC: ("no space left on the disk of", "free space and run again"),
    errno.EDQUOT: ("disk quota exceeded in", "free space and run again"),
    errno.EROFS: ("read-only file system at", "copy the project to a writable disk and run again"),
    errno.EACCES: ("no permission to write in", "make it writable and run again"),
    errno.EPERM: ("not allowed to write in", "make its files writable (chattr -i) and run again"),
}


# Errors of a path the user can fix, reading or writing: (what is wrong, the fix).
PATH_PROBLEMS = {
    errno.ENAMETOOLONG: (
        "a name too long for the file system",
        "give shorter names (at most 255 bytes a name)",
    ),
    errno.ELOOP: ("a loop of symbolic links", "fix the links"),
    errno.EFBIG: (
        "a file larger than the limit on file size (ulimit -f) or the file system allows",
        "raise the limit (ulimit -f unlimited) or write to another disk, and run again",
    ),
}


def path_problem(error: BaseException) -> Optional[str]:
    """The one line for an OSError of a path the user can fix (a name too long, a file over
    ``ulimit -f``, a loop of links), naming the file; None for another error.

    Examples:
        >>> path_problem(OSError(errno.ENAMETOOLONG, "File name too long", "/out/x"))[:50]
        '/out/x: a name too long for the file system (File '
        >>> path_problem(OSError(errno.EFBIG, "File too large"))[:45]
        'a file: a file larger than the limit on file '
        >>> path_problem(OSError(errno.ENOENT, "No such file or directory")) is None
        True
    """
    if not isinstance(error, OSError) or error.errno not in PATH_PROBLEMS:
        return None
    cause, fix = PATH_PROBLEMS[error.errno]
    # A copy that grew too large names its source first, the file written second.
    named = error.filename2 if error.errno == errno.EFBIG and error.filename2 else error.filename
    name = os.fspath(named)[:300] if named is not None else "a file"
    return f"{name}: {cause} ({error.strerror}): {fix}"


def is_disk_problem(error: BaseException) -> bool:
    """Whether ``error`` is the disk refusing a write (full, read-only, no permission).

    Examples:
        >>> is_disk_problem(OSError(errno.ENOSPC, "No space left on device"))
        True
        >>> is_disk_problem(OSError(errno.ENOENT, "No such file or directory"))
        False
    """
    return isinstance(error, OSError) and error.errno in DISK_PROBLEMS


def disk_problem(error: OSError, folder: Optional[str] = None) -> Tuple[str, str]:
    """``(what happened, naming the folder; the fix)`` for a disk error, e.g. a full disk.

    ``folder`` is where the write went; by default the folder of ``error.filename``.

    Examples:
        >>> disk_problem(OSError(errno.ENOSPC, "No space left on device"), "/data/p/ann")
        ('no space left on the disk of /data/p/ann (No space left on device)', 'free space and run again')
    """
    if folder is None:
        folder = os.path.dirname(os.fspath(error.filename)) if error.filename else "the output"
    cause, fix = DISK_PROBLEMS.get(error.errno or 0, ("cannot write in", "check the disk"))
    return f"{cause} {folder} ({error.strerror})", fix
