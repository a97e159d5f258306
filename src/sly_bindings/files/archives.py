"""Read a ``.zip`` export as it is: unpacked into a private temporary folder, checked first.

Every command opens what it reads (convert's IN, a project command's DIR) through
:func:`opened`: a folder or a file is read as it is; a ``.zip`` is unpacked into a new folder
under the system's temporary folder (``$TMPDIR``, mode 0700), never beside the user's files,
and that folder is removed when the run ends, whatever ends it. A zip whose top is one folder
(``__MACOSX/`` and ``.DS_Store`` aside) is read as that folder, as people zip an export folder.

Refused before anything is unpacked, with one line naming the member (a :class:`ArchiveError`,
exit code 2 at the command line), so nothing is written:

- a member whose path leaves the archive: absolute (``/etc/x``, ``C:\\x``), or climbing out
  with ``..`` (``/`` and ``\\`` both count as separators);
- a member that is a link (or a device, a FIFO): only files and folders are unpacked;
- an encrypted member, a member named twice, a name that is both a file and a folder;
- more members than :attr:`ArchiveLimits.members`;
- a member that declares more than :attr:`ArchiveLimits.member_bytes`, members that declare
  more than :attr:`ArchiveLimits.total_bytes` together, or a member over
  :attr:`ArchiveLimits.ratio_from_bytes` that declares more than :attr:`ArchiveLimits.ratio`
  times its compressed size (a compression bomb).

While unpacking, the bytes are counted too: a member that gives more than it declared, or past
a limit, stops the run the same way (the folder is removed). The limits are stated in docs/commands.md
and set by ``SLY_BINDINGS_ZIP_MAX_MEMBERS``, ``SLY_BINDINGS_ZIP_MAX_MEMBER_BYTES``,
``SLY_BINDINGS_ZIP_MAX_BYTES`` and ``SLY_BINDINGS_ZIP_MAX_RATIO``. Rules: Python's own
``zipfile`` warnings on ``extractall`` (names are not checked there on every platform), and the
OWASP advice on zip bombs (check the declared sizes, and count while extracting).

Examples:
    >>> import io, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with zipfile.ZipFile(folder / "export.zip", "w") as archive:
    ...     archive.writestr("export/annotations.xml", "<annotations/>")
    >>> with opened(folder / "export.zip") as root:
    ...     sorted(path.name for path in root.iterdir()), root.name
    (['annotations.xml'], 'export')
    >>> root.exists()
    False
    >>> with zipfile.ZipFile(folder / "evil.zip", "w") as archive:
    ...     archive.writestr("../evil.txt", "x")
    >>> try:
    ...     with opened(folder / "evil.zip") as root:
    ...         pass
    ... except ArchiveError as error:
    ...     print(str(error).split(": ", 1)[1])
    member '../evil.txt' leads out of the archive: it is not unpacked; unpack the archive yourself and check it
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Dict, Iterator, List, Optional, Union

CHUNK = 1 << 20
IGNORED_TOP = ("__MACOSX",)  # macOS Finder's resource forks: no part of the export
IGNORED_NAMES = (".DS_Store",)


class ArchiveError(ValueError):
    """An archive that is not unpacked; the message names the archive and the member."""


@dataclass(frozen=True)
class ArchiveLimits:
    """What an archive may hold before it is refused (see the module's docstring).

    Examples:
        >>> ArchiveLimits().member_bytes // 2**30, ArchiveLimits().total_bytes // 2**30
        (4, 20)
        >>> ArchiveLimits.from_environment({"SLY_BINDINGS_ZIP_MAX_MEMBERS": "10"}).members
        10
    """

    members: int = 200_000
    member_bytes: int = 4 * 2**30  # 4 GiB
    total_bytes: int = 20 * 2**30  # 20 GiB
    ratio: float = 200.0
    ratio_from_bytes: int = 2**20  # members smaller than 1 MiB may compress any amount

    @classmethod
    def from_environment(cls, environ: Optional[Dict[str, str]] = None) -> "ArchiveLimits":
        """The limits, each replaced by its ``SLY_BINDINGS_ZIP_*`` variable when set.

        Raises:
            ArchiveError: a variable is not a positive number.
        """
        environ = os.environ if environ is None else environ
        values: Dict[str, Union[int, float]] = {}
        for field_name, variable, kind in (
            ("members", "SLY_BINDINGS_ZIP_MAX_MEMBERS", int),
            ("member_bytes", "SLY_BINDINGS_ZIP_MAX_MEMBER_BYTES", int),
            ("total_bytes", "SLY_BINDINGS_ZIP_MAX_BYTES", int),
            ("ratio", "SLY_BINDINGS_ZIP_MAX_RATIO", float),
        ):
            text = environ.get(variable)
            if text is None:
                continue
            try:
                value = kind(text)
            except ValueError:
                value = 0
            if not value > 0:
                raise ArchiveError(f"{variable}={text!r}: give a positive number")
            values[field_name] = value
        return cls(**values)  # type: ignore[arg-type]


def is_archive(path: Union[str, "os.PathLike[str]"]) -> bool:
    """Whether ``path`` names a ``.zip`` file (any case) that exists.

    Examples:
        >>> is_archive("no-such.zip"), is_archive(".")
        (False, False)
    """
    return Path(path).suffix.lower() == ".zip" and Path(path).is_file()


@contextlib.contextmanager
def opened(path: Path, limits: Optional[ArchiveLimits] = None) -> Iterator[Path]:
    """``path`` to read: itself, or for a ``.zip`` the folder it is unpacked into (its one top
    folder, when it has one); the unpacked folder is removed when the block ends.

    Raises:
        ArchiveError: the archive is refused or damaged; the message names it and the member.
    """
    if not is_archive(path):
        yield path
        return
    limits = ArchiveLimits.from_environment() if limits is None else limits
    scratch = Path(tempfile.mkdtemp(prefix="sly-bindings-zip-"))
    try:
        # Named after the archive: a reader that names a dataset after its folder names it so.
        folder = scratch / (Path(path).stem or "archive")
        folder.mkdir()
        unpack(Path(path), folder, limits)
        yield export_root(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def unpack(path: Path, folder: Path, limits: ArchiveLimits) -> None:
    """Unpack the members of the zip ``path`` into the empty ``folder``, all checked first.

    Raises:
        ArchiveError: as :func:`opened`.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = checked_members(path, archive.infolist(), limits)
            total = [0]
            for info, relative in members:
                target = folder.joinpath(*relative.parts)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with archive.open(info) as source, open(target, "xb") as out:
                        copy_counted(source, out, info, limits, total, path)
                except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
                    raise ArchiveError(
                        f"{path}: member {info.filename!r} cannot be read ({error}): the archive "
                        "is damaged or uses a method Python cannot unpack; unpack it yourself"
                    ) from None
    except zipfile.BadZipFile as error:
        raise ArchiveError(
            f"{path}: not a readable zip archive ({error}): check the file"
        ) from None


def copy_counted(
    source: IO[bytes],
    out: IO[bytes],
    info: zipfile.ZipInfo,
    limits: ArchiveLimits,
    total: List[int],
    path: Path,
) -> None:
    """Copy one member, counting its bytes: more than it declared, than a member may hold, or
    than all may hold together (``total[0]``, updated) is an ArchiveError.

    Examples:
        >>> import io
        >>> info = zipfile.ZipInfo("a.bin"); info.file_size = 3
        >>> copy_counted(io.BytesIO(b"abcd"), io.BytesIO(), info, ArchiveLimits(), [0], Path("x.zip"))
        Traceback (most recent call last):
        ...
        sly_bindings.files.archives.ArchiveError: x.zip: member 'a.bin' expands past the 3 bytes it declares: it is not unpacked (a compression bomb?)
    """
    written = 0
    while True:
        chunk = source.read(CHUNK)
        if not chunk:
            return
        written += len(chunk)
        total[0] += len(chunk)
        if written > info.file_size:
            raise ArchiveError(
                f"{path}: member {info.filename!r} expands past the {info.file_size} bytes it "
                "declares: it is not unpacked (a compression bomb?)"
            )
        if written > limits.member_bytes or total[0] > limits.total_bytes:
            raise ArchiveError(bomb(path, info.filename, limits))
        out.write(chunk)


def bomb(path: Path, name: str, limits: ArchiveLimits) -> str:
    """The line for a member past the size limits."""
    return (
        f"{path}: member {name!r} expands past the limit ({limits.member_bytes} bytes a member, "
        f"{limits.total_bytes} in all, {limits.ratio:g} times its compressed size): it is not "
        "unpacked; raise SLY_BINDINGS_ZIP_MAX_MEMBER_BYTES / SLY_BINDINGS_ZIP_MAX_BYTES / "
        "SLY_BINDINGS_ZIP_MAX_RATIO if you trust it"
    )


def member_path(name: str) -> Optional[PurePosixPath]:
    """The relative path a member's name stands for, or None when it leads out of the archive
    (absolute, a drive, or ``..``); ``\\`` counts as ``/``, as Windows tools write it.

    Examples:
        >>> member_path("ds0/a.json"), member_path("../a"), member_path("/etc/x")
        (PurePosixPath('ds0/a.json'), None, None)
        >>> member_path("C:\\\\x"), member_path("a\\\\..\\\\..\\\\b"), member_path("ds0/")
        (None, None, PurePosixPath('ds0'))
    """
    text = name.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return PurePosixPath(*parts)


def checked_members(path: Path, infos: List[zipfile.ZipInfo], limits: ArchiveLimits) -> List[tuple]:
    """``(info, relative path)`` of every member to unpack (``__MACOSX/`` left out), after
    every check that needs no unpacking.

    Raises:
        ArchiveError: the first member refused; the message names it.
    """
    if len(infos) > limits.members:
        raise ArchiveError(
            f"{path}: {len(infos)} members, more than the {limits.members} read (member "
            f"{infos[limits.members].filename!r} and after): unpack it yourself, or raise "
            "SLY_BINDINGS_ZIP_MAX_MEMBERS"
        )
    members = []
    files, folders = set(), set()
    declared = 0
    for info in infos:
        name = info.filename
        relative = member_path(name)
        if relative is None:
            raise ArchiveError(
                f"{path}: member {name!r} leads out of the archive: it is not unpacked; unpack "
                "the archive yourself and check it"
            )
        if relative.parts[0] in IGNORED_TOP:
            continue
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise ArchiveError(
                f"{path}: member {name!r} is a link: links are not unpacked; replace it by the "
                "file it points to"
            )
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise ArchiveError(f"{path}: member {name!r} is not a file or a folder: remove it")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{path}: member {name!r} is encrypted: unpack it yourself")
        if not info.is_dir():
            if relative in files:
                raise ArchiveError(f"{path}: member {name!r} is in the archive twice: remove one")
            files.add(relative)
            folders.update(relative.parents)
        declared += info.file_size
        over_ratio = (
            info.file_size > limits.ratio_from_bytes
            and info.file_size > limits.ratio * max(info.compress_size, 1)
        )
        if info.file_size > limits.member_bytes or declared > limits.total_bytes or over_ratio:
            raise ArchiveError(bomb(path, name, limits))
        members.append((info, relative))
    both = files & folders
    if both:
        raise ArchiveError(
            f"{path}: member {str(min(both))!r} is both a file and a folder: it is not unpacked"
        )
    return members


def export_root(folder: Path) -> Path:
    """``folder``, or its one top folder when it holds nothing else (``.DS_Store`` aside).

    Examples:
        >>> import tempfile
        >>> top = Path(tempfile.mkdtemp())
        >>> (top / "project" / "ds0").mkdir(parents=True)
        >>> export_root(top).name
        'project'
        >>> (top / "meta.json").write_text("{}")
        2
        >>> export_root(top) == top
        True
    """
    entries = [entry for entry in folder.iterdir() if entry.name not in IGNORED_NAMES]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return folder
