"""``sly-bindings convert``: the work (``cli/convert_args.py`` has the arguments and what the
command does). Read IN's items with FROM's reader, write them with TO's writer, in memory;
count what was read, and report what the writer says it wrote (``formats.written.Written``);
``--verify`` reads OUT back and checks it against that account.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import supervisely as sly

from bindings import InvalidBindingKeyError, binding_groups
from sly_bindings.cli.printable import printable
from sly_bindings.cli.runner import UserError
from sly_bindings.files.images import InvalidImageError
from sly_bindings.files.input_paths import LinkedFolderWarning
from sly_bindings.files.project_folder import ProjectFolderError, ProjectFolderWarning
from sly_bindings.files.staging import staging_folder
from sly_bindings.files.write_checks import PATH_PROBLEMS, cannot_create_in, nearest_existing
from sly_bindings.formats.items import (
    ClassInfo,
    FormatItem,
    FormatWarning,
    InvalidFormatError,
    excerpt,
    label_class,
)
from sly_bindings.cli import warning_totals
from sly_bindings.cli.jobs import default_jobs, is_small, items_in_jobs
from sly_bindings.cli.convert_args import option_values
from sly_bindings.formats.progress import SizedItems
from sly_bindings.formats.registry import Format, WriteOptions, find, reader
from sly_bindings.formats.records import mark_images_skipped, none_there

USER_ERRORS = (InvalidFormatError, ProjectFolderError, InvalidImageError, FileExistsError)
# What a run shows: every format's warnings, and a project's (an object skipped).
SHOWN_WARNINGS = (FormatWarning, ProjectFolderWarning, LinkedFolderWarning)


class Counts(NamedTuple):
    """What a Supervisely project holds; ``str`` gives it as words.

    Examples:
        >>> str(Counts(images=1, labels=7, groups=2)), str(Counts(2, 1, 1))
        ('1 image, 7 labels, 2 groups', '2 images, 1 label, 1 group')
    """

    images: int
    labels: int
    groups: int

    def __str__(self) -> str:
        return ", ".join(
            f"{number} {noun}{'' if number == 1 else 's'}"
            for number, noun in zip(self, ("image", "label", "group"))
        )


def run_command(args: argparse.Namespace) -> int:
    """Convert IN (in FROM) to OUT (in TO) and say what was read and written; the exit code.

    Both names are resolved in the registry (``formats.registry.find``); then IN is read as
    items and the items written, in memory, whatever the formats.
    """
    source, target = Path(args.IN), Path(args.OUT)
    overwrite = getattr(args, "overwrite", False)
    source_format, target_format = reader(args.FROM), find(args.TO)
    read_options, write_values = option_values(args, source_format, target_format)
    if not source.is_dir() and source_format.input == "folder":
        raise UserError(f"IN {source} is a file: {source_format.name} is read from a folder")
    images = read_options.get("images")
    check_out(target, source, overwrite, source_format.input_folders(source, images))

    # The run's warnings of IN and OUT, totalled as they come (a warning per image of 100,000
    # images is not held), printed after the run; the others are not shown.
    collector = warning_totals.current()
    start = len(collector.collected)
    try:
        with warning_totals.streamed(collector, SHOWN_WARNINGS):
            with staged(target, overwrite) as staging:
                options = WriteOptions(
                    primary_classes=write_values.pop("primary_classes", None),
                    # Listed and numbered first, as a project the reader made would have them.
                    classes=obj_classes(source_format.declared_classes(source)),
                    extra=write_values,
                    final_out=target,
                )
                # In --jobs' workers, each item counted and rendered for TO where it is read.
                prepare = functools.partial(prepared, target_format, staging, options)
                jobs = getattr(args, "jobs", None)
                totals = [0, 0, 0]
                with closed_after(
                    read_items(source_format, source, read_options, jobs, prepare)
                ) as source_items:
                    items = some_image(source_items, source, source_format.name)
                    account = target_format.write_items(counted(items, totals), staging, options)
                read = Counts(*totals)
                written = Counts(*account.counts())
                if getattr(args, "verify", False):
                    # What OUT holds, read back before it is published: OUT is never left
                    # behind by a run that fails.
                    verify(
                        read_back(target_format, staging, target), written, target_format, target
                    )
    except BaseException as error:
        # The warnings so far say why a run fails (every image left out, say): shown before
        # its error line, never lost with it.
        for line in collector.terminal_lines():
            print(line, file=sys.stderr)
        if isinstance(error, MemoryError):  # IN held whole in memory: say what is too large
            raise UserError(
                f"IN {source} is too large to convert in the memory this machine (or ulimit -v) "
                "gives the run; OUT is not written: convert it in parts (a dataset at a time) or "
                "on a machine with more memory"
            ) from None
        raise
    shown = [one.message for one in collector.collected[start:]]  # every one, with --json
    for line in collector.terminal_lines():  # totalled by kind (cli/warning_totals.py)
        print(line, file=sys.stderr)

    if written != read:
        shown.append(
            f"{target_format.name} holds {written} where the project had {read} "
            f"(docs/formats.md says what each format keeps)"
        )
        print(f"warning: {printable(shown[-1])}", file=sys.stderr)
    if args.json:
        summary = {
            "from": source_format.name,
            "to": target_format.name,
            "in": str(source),
            "out": str(target),
            "read": read._asdict(),
            "written": written._asdict(),
            "left_out": account.left_out,
            "warnings": shown,
        }
        print(json.dumps(summary, indent=2))
    else:
        print(printable(f"Read {source_format.name} {source}: {read}"))
        left_out = f" ({account.left_out} left out)" if account.left_out else ""
        print(printable(f"Written {target_format.name} {target}: {written}{left_out}"))
    return 0


def some_image(items: Iterable, source: Path, format_name: str) -> Iterator:
    """``items`` as they are (their ``len`` kept when they have one); a UserError naming
    ``source`` when there is none, whatever the format: every image left out (each with its
    warning) or none in the files.

    Examples:
        >>> list(some_image([], Path("in"), "coco"))
        Traceback (most recent call last):
        ...
        sly_bindings.cli.runner.UserError: in: coco read no image from it: check FROM and IN, and that the images are where its files say (an image left out is named in a warning above)
    """

    def each() -> Iterator:
        found = False
        mark = mark_images_skipped()
        for item in items:
            found = True
            yield item
        if not found:
            reason = none_there(mark)  # every image left out: why the first was
            raise UserError(
                reason  # names the file that names the first image
                if reason is not None
                else f"{source}: {format_name} read no image from it: check FROM and IN, and "
                "that the images are where its files say (an image left out is named in a "
                "warning above)"
            )

    return SizedItems(each(), len(items)) if hasattr(items, "__len__") else each()


def verify(found: Counts, written: Counts, target_format: Format, target: Path) -> None:
    """Refuse OUT when what reading it back counts (``found``) is not what the writer said it
    wrote (``written``): images, labels and groups.

    Raises:
        UserError: they differ; the message gives both (OUT is not published).

    Examples:
        >>> verify(Counts(1, 2, 1), Counts(1, 2, 1), find("cvat"), Path("out"))
        >>> verify(Counts(1, 2, 0), Counts(1, 2, 1), find("cvat"), Path("out"))
        Traceback (most recent call last):
        ...
        sly_bindings.cli.runner.UserError: --verify: out reads back as 1 image, 2 labels, 0 groups where the cvat writer wrote 1 image, 2 labels, 1 group: OUT is not written (a fault of the cvat writer: please report it)
    """
    if found != written:
        raise UserError(
            f"--verify: {target} reads back as {found} where the {target_format.name} writer "
            f"wrote {written}: OUT is not written (a fault of the {target_format.name} writer: "
            "please report it)"
        )


def read_items(
    source_format: Format,
    source: Path,
    read_options: dict,
    jobs: Optional[int] = None,
    prepare: Optional[Callable[[FormatItem], "Prepared"]] = None,
) -> Iterable:
    """IN's items in the reader's order: read in ``jobs`` processes (``cli/jobs.py``; None:
    one per core), each passed through ``prepare`` there (:func:`prepared`), unless ``jobs`` is
    1 or IN is small, then in this one (the reader's items as they are, with their ``len`` when
    it gives one). When the workers read nothing, IN is read here, so that its error is the
    one-process error."""
    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1 or is_small(source):
        return source_format.read_items(source, **read_options)
    return _items_in_jobs(source_format, source, read_options, jobs, prepare)


class Prepared(NamedTuple):
    """An item made ready for the writer where it was read (a worker of ``--jobs``): what it
    counts as read (images, labels, groups: ``convert``'s first line), and the item rendered
    for TO (``formats.registry.Rendered``; the ``FormatItem`` itself when TO renders none)."""

    counts: Tuple[int, int, int]
    item: object


def prepared(target_format: Format, out: Path, options: WriteOptions, item: FormatItem) -> Prepared:
    """``item`` counted, then rendered by ``target_format`` for its writer into ``out`` (the
    writer's per-image work, done in the worker that read it; ``formats/registry.py``)."""
    counts = tuple(count([(item.source, item.ann)]))
    return Prepared(counts, target_format.render_item(item, out, options))  # type: ignore[arg-type]


def _items_in_jobs(
    source_format: Format,
    source: Path,
    read_options: dict,
    jobs: int,
    prepare: Optional[Callable[[FormatItem], Prepared]] = None,
) -> Iterator:
    """:func:`read_items` in ``jobs`` processes, or here when they read nothing."""
    read = False
    with closed_after(items_in_jobs(source_format, source, read_options, jobs, prepare)) as items:
        for item in items:
            read = True
            yield item
    if not read:
        yield from source_format.read_items(source, **read_options)


@contextlib.contextmanager
def closed_after(items: Iterable) -> Iterator[Iterable]:
    """``items``, closed when the block ends (a generator's ``finally`` run then), so that
    ``--jobs``' workers are stopped before ``staged`` removes what they wrote: an error or
    Ctrl+C raised in this process outside the reading leaves it suspended, its workers writing
    on into a folder already removed (a hidden ``.OUT.partial-*`` left behind)."""
    try:
        yield items
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


def obj_classes(declared: Dict[str, ClassInfo]) -> List[sly.ObjClass]:
    """The classes a reader declares (``{name: ClassInfo}``), as ``sly.ObjClass`` objects in
    order: a declared shape, colour and skeleton kept (no shape declared, or keypoints without
    their skeleton: ``sly.AnyGeometry``; no colour: the one the SDK picks).

    Examples:
        >>> [(c.name, c.geometry_type.__name__) for c in obj_classes({"car": ClassInfo()})]
        [('car', 'AnyGeometry')]
    """
    classes = []
    for name, info in declared.items():
        geometry_type = info.geometry_type or sly.AnyGeometry
        color = None if info.color is None else tuple(info.color)
        if info.geometry_config:  # a skeleton: a class of its own (label_class takes none)
            classes.append(
                sly.ObjClass(name, geometry_type, list(color or ()) or None, info.geometry_config)
            )
        elif geometry_type is sly.GraphNodes:  # keypoints whose skeleton is not declared
            classes.append(label_class(name, sly.AnyGeometry, color))
        else:
            classes.append(label_class(name, geometry_type, color))
    return classes


def check_out(
    target: Path, source: Path, overwrite: bool = False, read_folders: Sequence[Path] = ()
) -> None:
    """Refuse an OUT that exists (unless ``overwrite``, then it must be a folder), lies inside
    IN or holds IN or a folder the reader reads (``read_folders``: a COCO file's images), names
    no folder of its own (``.``, ``..``), or cannot be made, before any work is done."""
    if target.name in ("", ".", ".."):
        raise UserError(
            f"OUT {target} names no folder of its own: end it with the name of a new folder"
        )
    if len(os.fsencode(target.name)) > 255:
        raise UserError(
            f"OUT {excerpt(str(target), 80)}: its name is longer than 255 bytes, the most a file "
            "system takes: choose a shorter name"
        )
    # A symbolic link, even a dangling one, is what --overwrite would replace: refused below.
    replaced = overwrite and (target.exists() or target.is_symlink())
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise UserError(
            f"OUT {target} exists: choose a new folder or remove it first (or pass --overwrite "
            "to replace it)"
        )
    if replaced and (target.is_symlink() or not target.is_dir()):
        raise UserError(f"OUT {target} is not a folder: --overwrite replaces only a folder")
    if source.is_dir() and target.resolve().is_relative_to(source.resolve()):
        raise UserError(
            f"OUT {target} is inside IN {source}: choose OUT outside it (the run would read "
            "what it writes)"
        )
    if source.resolve().is_relative_to(target.resolve()):
        raise UserError(
            f"IN {source} is inside OUT {target}: choose OUT outside it (writing OUT would "
            "remove what is read)"
        )
    for folder in read_folders:
        if folder.resolve().is_relative_to(target.resolve()):
            raise UserError(
                f"OUT {target} holds {folder}, where IN's images are read from: choose OUT "
                "outside it (writing OUT would remove what is read)"
            )
        if folder != source and target.resolve().is_relative_to(folder.resolve()):
            # Images may lie in subfolders of it (a file_name with folders): OUT could be one.
            raise UserError(
                f"OUT {target} is inside {folder}, where IN's images are read from: choose OUT "
                "outside it (writing OUT could remove what is read)"
            )
    # Not OUT itself: it does not exist (checked above), or it is replaced in its folder.
    existing = nearest_existing(target.parent if replaced else target)
    if not existing.is_dir():
        raise UserError(f"OUT {target} is inside the file {existing}: choose OUT in a folder")
    problem = cannot_create_in(existing)
    if problem is not None:
        raise UserError(
            f"cannot write OUT {target} ({problem} in {existing}): choose OUT in a folder you "
            "can write"
        )


def read_back(target_format: Format, written_dir: Path, target: Path) -> Counts:
    """What ``written_dir`` (OUT ``target``, not yet published) holds, read back in
    ``target_format`` (annotations only, no image).

    Raises:
        UserError: the reader refuses what was written; the message names the file as it would
            be in ``target``.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SHOWN_WARNINGS)
            items = reader(target_format.name).read_items(written_dir)
            return count((item.source, item.ann) for item in items)
    except USER_ERRORS as error:
        problem = str(error).replace(str(written_dir), str(target))
        raise UserError(
            f"{problem} (found by --verify, reading back what this run wrote: OUT is not "
            "written)"
        ) from None


def counted(items: Iterable, totals: List[int]) -> Iterator:
    """``items`` (read items: ``.source``, ``.ann``) as they are, adding each one's images,
    labels and groups to ``totals`` as it passes; their ``len`` kept when the reader gave one
    (the writer's progress bar shows it, and the time left)."""

    def each() -> Iterator:
        for item in items:
            if isinstance(item, Prepared):  # counted where it was read
                counts, item = item
            else:
                counts = count([(item.source, item.ann)])
            totals[:] = [a + b for a, b in zip(totals, counts)]
            yield item

    return SizedItems(each(), len(items)) if hasattr(items, "__len__") else each()


def count(annotations: Iterable[Tuple[str, sly.Annotation]]) -> Counts:
    """Images, labels and binding groups of ``(file, annotation)`` pairs."""
    images = labels = groups = 0
    for source, ann in annotations:
        images += 1
        labels += len(ann.labels)
        try:
            groups += len(binding_groups(ann).groups)
        except InvalidBindingKeyError as error:
            raise UserError(f"{source}: {error}") from error
    return Counts(images, labels, groups)


@contextlib.contextmanager
def staged(target: Path, overwrite: bool = False) -> Iterator[Path]:
    """Build ``target`` in a new hidden folder beside it, renamed to ``target`` when complete.

    The path given does not exist yet (writers create it); the hidden folder may hold other
    scratch files beside it, removed with it. On an error the hidden folder is removed and
    ``target`` is unchanged; when ``target`` appeared meanwhile, it is left alone, unless
    ``overwrite``: then the old ``target`` is moved into the hidden folder, the new one renamed
    in its place (the old one put back if that fails), and the old one removed. Folders made on
    the way to ``target`` are removed again when the run fails (those left empty). A file and a
    folder of one name in the new folder (an image and a dataset of IN that share it) end in a
    UserError naming the name.
    """
    made: List[Path] = []  # the folders this run makes on the way to OUT, top first
    try:
        for folder in reversed(target.parents):
            if not folder.exists():
                try:
                    folder.mkdir()
                except FileExistsError:  # made meanwhile by another run: not ours
                    continue
                made.append(folder)
        scratch = staging_folder(target.parent, target.name)
    except BaseException:
        _remove_empty(made)
        raise
    published = False
    try:
        staging = scratch / target.name
        try:
            yield staging
        except (FileExistsError, NotADirectoryError, IsADirectoryError) as error:
            if error.filename is None:  # a writer's own message
                raise
            relative = os.path.relpath(error.filename, staging)
            raise UserError(
                f"OUT {target}: {relative} would be both a file and a folder (an image and a "
                "dataset of IN share its name): rename one of them in IN"
            ) from None
        except OSError as error:  # a file over ulimit -f, a name too long: named as OUT
            if error.errno not in PATH_PROBLEMS:
                raise
            cause, fix = PATH_PROBLEMS[error.errno]
            raise UserError(f"OUT {target}: {cause} ({error.strerror}): {fix}") from None
        if overwrite and target.is_dir() and not target.is_symlink():
            replaced = scratch / ".replaced"
            os.rename(target, replaced)
            try:
                os.rename(staging, target)
            except OSError:
                os.rename(replaced, target)
                raise
            published = True
            return
        try:
            target.mkdir()  # claim the name: fails when another run took it meanwhile
        except FileExistsError:
            raise UserError(
                f"OUT {target} appeared while this run was writing it (another run?): it is left "
                "as it is; choose a new folder or remove it, then run again"
            ) from None
        os.rename(staging, target)  # over the empty folder just made, which rename allows
        published = True
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not published:
            _remove_empty(made)


def _remove_empty(folders: Sequence[Path]) -> None:
    """Remove the folders a failed run made on the way to OUT (top first), those still empty."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:  # not empty (another run's files), or already gone
            pass
