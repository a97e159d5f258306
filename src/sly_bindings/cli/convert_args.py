"""``sly-bindings convert``: the arguments (this module imports no SDK, so ``--help`` and every
usage error answer at once); ``cli/convert.py`` does the work.

    sly-bindings convert FROM TO IN OUT [--overwrite] [--json] [format options]

FROM and TO are the names of the formats in ``formats/registry.py`` (listed below, with the
names people type for them, in any case); any reader to any writer (``convert labelme cvat IN
OUT``), not ``supervisely`` to ``supervisely``. Every run is the same: IN's items are read by
FROM's reader and passed in memory, as Supervisely annotations, to TO's writer; no project is
made on the way. The classes IN declares (CVAT's meta labels, COCO's categories, YOLO's names)
are listed and numbered first, in their order, as a project the reader made would have them;
other classes follow in the order first seen. IN may be a .zip of the export.

OUT must not exist unless ``--overwrite`` is given (then a folder OUT is replaced whole, once the
new one is complete); OUT must not be inside IN, nor hold IN or the folders a COCO file's
images are read from (or ``--images DIR``), which is checked before anything is written. OUT is
built in a hidden folder beside it (``.OUT.partial-<random>``) and renamed when complete, so an
interrupted run leaves nothing half-written, and two runs never touch each other's files (the
one that finishes second stops with an error if the first took OUT, unless it overwrites).
Conversions of more than a few images show a progress bar on stderr when it is a terminal. The
run prints the warnings, totalled by kind, then how many images, labels and groups it read and
wrote. What was written is the writer's own account (``formats/written.py``): the images,
labels and groups its files hold as TO's reader reads them, so the second line says what
survives in the target format, and how many labels it left out. ``--verify`` reads OUT back
(its annotations only) before it is published, checks that it holds what the writer counted and
the same groups, label for label, and exits non-zero with a line saying what differs when not.
``--jobs N`` reads and converts the items in N processes (default: the cores there are; one
when N is 1 or IN is small); the output is byte for byte what one process writes. Bad input
ends in one line naming the file and the field, and exit code 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from sly_bindings.cli.runner import UserError
from sly_bindings.formats.registry import (
    FORMATS,
    READ,
    WRITE,
    Format,
    Option,
    UnknownFormatError,
    find,
    listing,
    reader,
)

HELP = "convert between Supervisely projects, LabelMe, CVAT, COCO, YOLO and Label Studio"
# What ``convert --help`` says to people (the docstring above is for who reads the code).
DESCRIPTION = """\
Convert IN, in format FROM, to a new folder OUT in format TO, keeping binding groups wherever
TO has a place for them.

    sly-bindings convert FROM TO IN OUT [--overwrite] [--json] [format options]
    sly-bindings convert sly coco output/tutorial-bindings coco-out
    sly-bindings convert cvat labelme task.zip labelme-out

Any format to any other, not supervisely to supervisely (copy the folder). IN is a folder, the
.zip a tool exported (read as it is), or, for coco, a JSON file. The classes IN declares keep
their order. OUT must not exist unless --overwrite is given (then a folder OUT is replaced once
the new one is complete), and must not be inside IN nor hold it; it is written in a hidden
folder beside it and renamed when complete, so an interrupted run leaves nothing. The run
prints its warnings, totalled by kind, then what it read and what OUT holds (OUT read back).
Bad input ends in one line naming the file and the field, and exit code 2. What each format
keeps and what it does not: docs/formats.md.
"""


def option_values(
    args: argparse.Namespace, source_format: Format, target_format: Format
) -> Tuple[dict, dict]:
    """The format-specific options given (``Format.options``), as ``(read options, write
    options)`` by ``Option.dest``: a folder as a ``Path``, names as a tuple.

    Raises:
        UserError: an option given belongs to no format of this run (on its side), or its value
            is wrong (a folder that is none, an empty class name).
    """
    values: Tuple[dict, dict] = ({}, {})
    for option in command_options():
        value = getattr(args, option.dest, None)
        if value is None:
            continue
        side, run_format = (READ, source_format) if option.side == READ else (WRITE, target_format)
        if option not in run_format.options:
            users = [record.name for record in FORMATS if option in record.options]
            role = "read with FROM" if side == READ else "used writing"
            raise UserError(
                f"{option.flag} is {role} {', '.join(users)}, not {run_format.name}: drop it"
            )
        if option.kind == "folder":
            if not Path(value).is_dir():
                raise UserError(f"{option.flag} {value} is not a folder: name the folder")
            value = Path(value)
        elif option.kind == "names":
            value = tuple(class_names(value, option.flag))
        values[0 if side == READ else 1][option.dest] = value
    return values


def command_options() -> List[Option]:
    """Every format-specific option of the registry, once each, in the registry's order."""
    return list(dict.fromkeys(option for record in FORMATS for option in record.options))


def class_names(
    values: Optional[Sequence[str]], flag: str = "--primary-class"
) -> Optional[List[str]]:
    """The class names of ``flag`` options (each may list several, with commas), in order, once
    each; None when none is given.

    Raises:
        UserError: a name is empty.

    Examples:
        >>> class_names(["person", "car,truck", "person"])
        ['person', 'car', 'truck']
        >>> class_names(None) is None
        True
    """
    if not values:
        return None
    names: List[str] = []
    for value in values:
        for name in value.split(","):
            if not name.strip():
                raise UserError(
                    f"{flag} {value!r}: an empty class name: name classes, e.g. "
                    f"{flag} person,car"
                )
            if name.strip() not in names:
                names.append(name.strip())
    return names


def add_command(commands: argparse._SubParsersAction, name: str = "convert") -> None:
    """Add ``convert FROM TO IN OUT`` to the ``sly-bindings`` subcommands: the formats and
    their options are the registry's (``formats.registry``)."""
    parser = commands.add_parser(
        name,
        help=HELP,
        description=DESCRIPTION + "\nFormats (FROM, TO; any case):\n" + format_lines(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "FROM",
        type=format_name,
        metavar="FROM",
        help=f"the format of IN: {listing()}",
    )
    parser.add_argument(
        "TO", type=format_name, metavar="TO", help="the format to write OUT in (as FROM)"
    )
    parser.add_argument("IN", help="what to read: a folder (or, for coco, a JSON file)")
    parser.add_argument("OUT", help="the folder to write; it must not exist (see --overwrite)")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace OUT if it exists (a folder), once the new one is complete",
    )
    for option in command_options():
        users = ", ".join(record.name for record in FORMATS if option in record.options)
        parser.add_argument(
            option.flag,
            dest=option.dest,
            metavar=option.metavar,
            action={"names": "append", "switch": "store_const"}.get(option.kind, "store"),
            **({"const": True} if option.kind == "switch" else {}),
            help=f"{users} ({'reading' if option.side == READ else 'writing'}): {option.help}",
        )
    parser.add_argument(
        "--json", action="store_true", help="print a JSON summary on stdout instead of lines"
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="read OUT back before publishing it: it must hold what was written, the same groups",
    )
    parser.add_argument(
        "--jobs",
        type=job_count,
        default=None,
        metavar="N",
        help="processes that read and convert the items (default: the cores there are)",
    )


def job_count(text: str) -> int:
    """``--jobs``: a whole number from 1, for argparse.

    Raises:
        argparse.ArgumentTypeError: anything else.

    Examples:
        >>> job_count("2")
        2
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of processes, from 1")
    return value


def format_lines() -> str:
    """One line per format of the registry: its names and what it is, for ``--help``."""
    return "\n".join(
        f"  {', '.join(record.names)}: {record.title}" + ("" if record.reads else " (written only)")
        for record in FORMATS
    )


def format_name(name: str) -> str:
    """The canonical name of the format called ``name`` (any case, or an alias), for argparse.

    Raises:
        argparse.ArgumentTypeError: no format has that name; the message lists the names.

    Examples:
        >>> format_name("SLY"), format_name("yolov8")
        ('supervisely', 'yolo')
    """
    try:
        return find(name).name
    except UnknownFormatError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def check_args(args: argparse.Namespace) -> None:
    """A UserError when FROM and TO are both supervisely (that is a copy, not a conversion), an
    option is given that no format of this run takes (``option_values``), or IN does not
    exist."""
    if reader(args.FROM).name == "supervisely" and find(args.TO).name == "supervisely":
        raise UserError(
            "FROM and TO are both supervisely: copy the folder instead, or name a format "
            "(see sly-bindings convert --help)"
        )
    option_values(args, reader(args.FROM), find(args.TO))
    if not Path(args.IN).exists():  # answered before the SDK loads, as a usage error is
        raise UserError(f"IN {args.IN} does not exist: check the path")
