"""The one rule for a path that an input file names: it stays inside the input folder.

A LabelMe ``imagePath``, a CVAT image ``name`` and a COCO ``file_name`` are paths written by
someone else. A reader follows one only when it is relative and, joined to the folder it is
relative to, stays inside the input folder (IN): an absolute path (``/etc/passwd``,
``C:/x.jpg``, ``//server/share/x.jpg``) or one that climbs out of IN with ``../`` is refused,
so nothing outside IN is ever read, or copied into OUT. A name no file system holds (a NUL
character, or a part longer than 255 bytes) is refused too, before any file is looked for. A ``../`` that stays inside IN is
fine: LabelMe's usual ``../images/a.jpg`` from a JSON file in ``IN/labels/``.

The rule is lexical (``..`` cancels the folder before it, as ``os.path.normpath`` does):
symbolic links inside IN are the owner's choice, and are followed.
"""

from __future__ import annotations

import os
import posixpath
import stat
import warnings
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import List, Optional, Set, Tuple

# The longest file or folder name (bytes) of Linux, macOS and Windows file systems; a longer
# one makes os.stat fail with "File name too long" rather than say the file is not there.
NAME_MAX = 255


def outside_input_problem(path: str, folder: str = "") -> Optional[str]:
    """Why ``path``, relative to ``folder`` (a folder of IN, relative to IN), leads out of IN.

    Args:
        path: the path as the file gives it; ``\\`` is taken as ``/`` (files written on
            Windows).
        folder: the folder ``path`` is relative to, as a path inside IN (``""``: IN itself).

    Returns:
        None when ``path`` stays inside IN; else what is wrong with it, with the fix, for the
        reader's one-line message (``<file>: <field>: <this>``).

    Examples:
        >>> outside_input_problem("../images/a.jpg", "labels") is None
        True
        >>> outside_input_problem("../../a.jpg", "labels")
        "'../../a.jpg' climbs out of the input folder: give a path inside it"
        >>> outside_input_problem("/etc/passwd")
        "'/etc/passwd' is an absolute path: give a path relative to the input folder"
        >>> "longer than 255 bytes" in outside_input_problem("a" * 300 + ".png")
        True
    """
    # The usual name, at a glance: no NUL, no "..", nothing that anchors a path on either
    # system, and too short to hold a part over NAME_MAX bytes: none of the checks below refuses it.
    if (
        len(path) <= NAME_MAX // 4  # UTF-8 takes at most 4 bytes a character
        and not path.startswith("/")
        and ".." not in path
        and ".." not in folder
        and "\\" not in path
        and ":" not in path
        and "\0" not in path
    ):
        return None
    if "\0" in path:  # no file system path holds it (os.stat refuses it with ValueError)
        return f"{path[:80]!r} holds a NUL character: give the file's real name"
    text = path.replace("\\", "/")
    if any(len(part.encode("utf-8", "surrogatepass")) > NAME_MAX for part in text.split("/")):
        return (
            f"{path[:80]!r}... has a name longer than {NAME_MAX} bytes, which no file system "
            "holds: give the file's real name"
        )
    if PurePosixPath(text).is_absolute() or PureWindowsPath(path).anchor:
        return f"{path[:80]!r} is an absolute path: give a path relative to the input folder"
    joined = posixpath.normpath(posixpath.join(folder.replace("\\", "/") or ".", text))
    if joined == ".." or joined.startswith("../"):
        return f"{path[:80]!r} climbs out of the input folder: give a path inside it"
    return None


# Folders whose files the system makes as they are read: a read may never end (/proc/kmsg waits
# for the next kernel message) or never stop (/dev/zero), whatever stat says of the file.
SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")


# The fix to show after :func:`system_file_problem`.
SYSTEM_FILE_FIX = "copy what it should hold into the input folder"


def system_file_problem(path: "os.PathLike[str] | str") -> Optional[str]:
    """Why ``path`` is not read: it is, or links to, a file under /proc, /sys or /dev; None
    when it is not. The caller adds the fix (:data:`SYSTEM_FILE_FIX`).

    Such a file may look regular (``stat`` gives S_ISREG for /proc/kmsg) and still block a read
    forever, so it is refused by where it is, with links followed (``os.path.realpath``).

    Examples:
        >>> system_file_problem("/proc/kmsg")
        'is /proc/kmsg, a file the system makes as it is read (its read may never end)'
        >>> system_file_problem("/tmp/a.json") is None
        True
    """
    real = real_path(path)
    for folder in SYSTEM_FOLDERS:
        if real == folder or real.startswith(folder + "/"):
            shown = "is" if real == os.path.abspath(path) else "links to"
            return f"{shown} {real}, a file the system makes as it is read (its read may never end)"
    return None


def real_path(path: "os.PathLike[str] | str") -> str:
    """``os.path.realpath(path)``, cheaper: a file that is no symbolic link is its folder's real
    path, as the kernel resolves it now (the folder opened with ``O_PATH``, its path read back
    from ``/proc/self/fd``: one call where ``realpath`` makes one ``lstat`` per part, and
    nothing remembered that a folder changed since, or a working folder removed, could make
    wrong), joined with its name. A path with a ``.`` or ``..`` part, that is not there, or
    where the kernel cannot say (no ``/proc``, not Linux), is resolved by ``realpath`` whole.

    Examples:
        >>> real_path("/proc/self/status").startswith("/proc/")
        True
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> os.symlink("/proc/self/status", os.path.join(folder, "a.json"))
        >>> real_path(os.path.join(folder, "a.json")) == os.path.realpath("/proc/self/status")
        True
    """
    text = os.fspath(path)
    folder, name = os.path.split(text)
    if not isinstance(text, str) or "/." in f"/{text}" or not name or _O_PATH is None:
        return os.path.realpath(text)
    try:
        if stat.S_ISLNK(os.lstat(text).st_mode):
            return os.path.realpath(text)
        real = _kernel_path(folder or ".")
    except (OSError, ValueError):  # not there (or a NUL in it): as realpath resolves it
        return os.path.realpath(text)
    if not real.startswith("/") or real.endswith(" (deleted)"):  # not a path realpath gives
        return os.path.realpath(text)
    return os.path.join(real, name)


# Linux's flag to open a folder only to name it (no read, no search of its files).
_O_PATH = getattr(os, "O_PATH", None)


def _kernel_path(folder: str) -> str:
    """The path of ``folder`` as the kernel resolved it (every link followed), read back from
    ``/proc/self/fd``.

    Raises:
        OSError: ``folder`` is no folder there, or ``/proc`` is not mounted.
    """
    handle = os.open(folder, _O_PATH | os.O_DIRECTORY)  # type: ignore[operator]
    try:
        return os.readlink(f"/proc/self/fd/{handle}")
    finally:
        os.close(handle)


def is_input_file(path: "os.PathLike[str] | str") -> bool:
    """Whether ``path`` is a file a reader may open: a regular file (``stat`` only: a FIFO is
    never opened), links followed, and not under /proc, /sys or /dev
    (:func:`system_file_problem`). :func:`absence` says why not.

    Examples:
        >>> is_input_file("/dev/null"), is_input_file("/proc/self/status")
        (False, False)
    """
    return os.path.isfile(path) and system_file_problem(path) is None


def absence(path: "os.PathLike[str] | str") -> str:
    """Why ``path`` cannot be read (:func:`is_input_file` is False): missing, another kind, or
    a file of the system.

    Examples:
        >>> absence("/no/such/file"), absence("/dev/null")
        ('does not exist', 'is not a regular file (a folder, FIFO, socket or device)')
    """
    if not os.path.lexists(path):
        return "does not exist"
    if os.path.isfile(path):
        return system_file_problem(path) or "cannot be read"
    return "is not a regular file (a folder, FIFO, socket or device)"


def input_files(folder: "os.PathLike[str] | str", pattern: str, error: type) -> List[Path]:
    """The files of ``folder`` that match ``pattern`` (``Path.glob``), sorted: the one walk by
    which a reader finds its annotation files, so that none is skipped in silence.

    A match that is a folder is no file and is passed over; any other match that is no file a
    reader may open (a FIFO, a device, a link to /proc/kmsg: :func:`is_input_file`) is refused
    by name, rather than left out as if it were not there.

    Raises:
        ``error``: ``<path>: <why>: replace it with the file it stands for``.

    Examples:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "a.json").write_text("{}")
        >>> [path.name for path in input_files(folder, "*.json", ValueError)]
        ['a.json']
        >>> (folder / "b.json").symlink_to("/proc/self/status")
        >>> input_files(folder, "*.json", ValueError)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: .../b.json: links to /proc/.../status, a file the system makes as it is read ...
    """
    found = []
    for path in sorted(Path(folder).glob(pattern)):
        if is_input_file(path):
            found.append(path)
        elif not path.is_dir():
            raise error(f"{path}: {absence(path)}: replace it with the file it stands for")
    return found


class LinkedFolderWarning(UserWarning):
    """A link to a folder inside IN: said, with what the reader does with it."""


# (IN, followed) already said in this process: a run reads IN more than once (its classes,
# then its items; a local project per command step), and says its links once.
_LINKS_SAID: Set[Tuple[str, bool]] = set()


def linked_folders(top: "os.PathLike[str] | str") -> List[Path]:
    """The links to folders under ``top`` (a folder of IN), found without following any link.

    Examples:
        >>> import tempfile
        >>> top = Path(tempfile.mkdtemp())
        >>> (top / "ds0").mkdir(); (top / "ds1").symlink_to(top / "ds0")
        >>> [path.name for path in linked_folders(top)]
        ['ds1']
    """
    return sorted(
        Path(folder, name)
        for folder, names, _ in os.walk(top)
        for name in names
        if os.path.islink(os.path.join(folder, name))
    )


def say_linked_folders(top: "os.PathLike[str] | str", followed: bool) -> None:
    """One :class:`LinkedFolderWarning` naming the links to folders under ``top`` and what the
    reader does with them: ``followed`` (their files are read as if they were in IN) or not (a
    link may lead out of IN, or in a loop: their files are left out). The one rule of every
    reader that walks folders (``formats.registry.Format.read_items``, ``open_project``); said
    once per ``top`` in a process.

    Examples:
        >>> import tempfile
        >>> top = Path(tempfile.mkdtemp())
        >>> (top / "ds0").mkdir(); (top / "ds1").symlink_to(top / "ds0")
        >>> with warnings.catch_warnings(record=True) as said:
        ...     warnings.simplefilter("always")
        ...     say_linked_folders(top, followed=False)
        ...     say_linked_folders(top, followed=False)  # said once
        >>> [str(warning.message).split(": ", 1)[1] for warning in said]
        ['a link to a folder, not followed, so its files are left out: copy the folder into the input folder instead']
    """
    said = (os.path.abspath(top), followed)
    if said in _LINKS_SAID or not os.path.isdir(top):
        return
    _LINKS_SAID.add(said)
    linked = linked_folders(top)
    if not linked:
        return
    more = f" and {len(linked) - 1} more" if len(linked) > 1 else ""
    if followed:
        what = "followed: its files are read as if they were in the input folder"
    else:
        what = (
            "not followed, so its files are left out: copy the folder into the input folder "
            "instead"
        )
    warnings.warn(f"{linked[0]}{more}: a link to a folder, {what}", LinkedFolderWarning)
