"""The arguments of the project-scale subcommands (report, discard, auto-bind, validate), and
the checks argparse cannot make.

This module imports no SDK: ``--help`` and every usage error answer before it loads. The work
is in ``cli.project_commands``, imported when there is work to do (``cli.main.COMMANDS``).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Callable, Dict, List, Optional

from sly_bindings.cli.runner import UserError


def target_options() -> argparse.ArgumentParser:
    """The options every project command shares: the target, ``--classes`` and ``--json``."""
    common = argparse.ArgumentParser(add_help=False)
    target = common.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "directory",
        nargs="?",
        type=Path,
        metavar="DIR",
        help="a local Supervisely project folder (or its .zip, read only)",
    )
    target.add_argument(
        "--project-id", type=int, metavar="N", help="every dataset of a server project"
    )
    target.add_argument("--dataset-id", type=int, metavar="N", help="one dataset on the server")
    target.add_argument(
        "--local", type=Path, metavar="DIR", help="the same as DIR (kept for scripts)"
    )
    common.add_argument(
        "--classes",
        nargs="+",
        type=class_list,
        action=ClassNames,
        metavar="CLASS",
        help="only labels of these classes, and the groups that hold one, counted whole "
        "(default: all); names separated by spaces or commas",
    )
    common.add_argument(
        "--json", action="store_true", help="print a JSON summary on stdout instead of lines"
    )
    return common


def edit_options() -> argparse.ArgumentParser:
    """The target options and ``--dry-run``, for the commands that change annotations."""
    edits = argparse.ArgumentParser(add_help=False, parents=[target_options()])
    edits.add_argument(
        "--dry-run", action="store_true", help="change nothing; say what would change"
    )
    return edits


def add_report(commands: argparse._SubParsersAction, name: str) -> None:
    report = commands.add_parser(
        name, parents=[target_options()], help="count labels and groups per dataset"
    )
    report.add_argument(
        "--groups",
        action="store_true",
        help="also list each image's groups: key, classes and number of labels",
    )


def add_discard(commands: argparse._SubParsersAction, name: str) -> None:
    commands.add_parser(name, parents=[edit_options()], help="unbind labels")


def add_auto_bind(commands: argparse._SubParsersAction, name: str) -> None:
    bind = commands.add_parser(
        name,
        parents=[edit_options()],
        help="bind labels that nearly touch, or parts to the object that holds them",
    )
    how = bind.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--max-gap",
        type=float,
        metavar="PIXELS",
        help="labels at most this many pixels apart are bound (0: only touching ones)",
    )
    how.add_argument(
        "--parents",
        nargs="+",
        type=class_list,
        action=ClassNames,
        metavar="CLASS",
        help="bind each label of the --children classes to the label of these classes that "
        "covers the largest share of it (docs/groups.md, Bind fragments automatically)",
    )
    bind.add_argument(
        "--children",
        nargs="+",
        type=class_list,
        action=ClassNames,
        metavar="CLASS",
        help="with --parents: the classes of the parts (head hand, or head,hand)",
    )
    bind.add_argument(
        "--min-overlap",
        type=float,
        metavar="SHARE",
        help="with --parents: the least share of a child inside its parent (default 0.5)",
    )
    bind.add_argument(
        "--across-classes", action="store_true", help="let labels of different classes bind"
    )
    bind.add_argument(
        "--regroup",
        action="store_true",
        help="drop the existing groups first and group by geometry alone",
    )


def add_validate(commands: argparse._SubParsersAction, name: str) -> None:
    check = commands.add_parser(
        name,
        parents=[target_options()],
        help="find groups of one label, ambiguous boxes, two skeletons in a group, unknown "
        "classes and keys reused on another image",
    )
    check.add_argument(
        "--primary-class",
        nargs="+",
        type=class_list,
        action=ClassNames,
        metavar="CLASS",
        help="classes that lead a group that holds them, whose boxes are the group's own "
        "(docs/groups.md, What a group is)",
    )


PARSERS: Dict[str, Callable[[argparse._SubParsersAction, str], None]] = {
    "report": add_report,
    "discard": add_discard,
    "auto-bind": add_auto_bind,
    "validate": add_validate,
}


def add_command(commands: argparse._SubParsersAction, name: str) -> None:
    """Add the project command ``name`` (report, discard, auto-bind or validate)."""
    PARSERS[name](commands, name)


class ClassNames(argparse.Action):
    """An option of class names, the same in every command: names separated by spaces or by
    commas (``--classes car person``, ``--classes car,person``), the option repeatable; the
    value is the flat list of names, in order.

    Examples:
        >>> parser = argparse.ArgumentParser()
        >>> _ = parser.add_argument("--classes", nargs="+", type=class_list, action=ClassNames)
        >>> parser.parse_args(["--classes", "car,person", "sign", "--classes", "hat"]).classes
        ['car', 'person', 'sign', 'hat']
    """

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        names = list(getattr(namespace, self.dest) or [])
        setattr(namespace, self.dest, names + [name for group in values for name in group])


def class_list(text: str) -> List[str]:
    """``head,hand`` -> ``["head", "hand"]``: every class option takes both spellings.

    Examples:
        >>> class_list("head,hand"), class_list("person")
        (['head', 'hand'], ['person'])
    """
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"{text!r}: class names separated by commas, none empty")
    return names


def is_zip(path: Optional[Path]) -> bool:
    """Whether ``path`` names a .zip archive (``files.archives`` reads it, unpacked)."""
    return path is not None and path.suffix.lower() == ".zip"


# The largest --max-gap: formats.items.MAX_COORDINATE (this module imports no SDK).
MAX_GAP = 2**20


def check_args(args: argparse.Namespace) -> None:
    """A UserError for values argparse lets through: a --max-gap that is not a number of pixels
    from 0 to :data:`MAX_GAP` (1e308 squares to infinity), or a DIR that does not exist.

    DIR becomes ``args.local`` (the two name the same target).
    """
    args.dry_run = getattr(args, "dry_run", False)
    # DIR and --local are one target: the commands read --local.
    if getattr(args, "directory", None) is not None:
        args.local = args.directory
    if args.command in ("discard", "auto-bind") and not args.dry_run and is_zip(args.local):
        raise UserError(
            f"DIR {args.local} is a .zip, which is read, not changed: unpack it and name the "
            f"folder, or add --dry-run to see what {args.command} would change"
        )
    if args.command == "auto-bind":
        _check_auto_bind(args)
    # Last, after the options: answered before the SDK loads, as a usage error is.
    if args.local is not None and not args.local.exists():
        raise UserError(
            f"{args.local} does not exist: pass a Supervisely project folder, the one that holds "
            "meta.json"
        )


def _check_auto_bind(args: argparse.Namespace) -> None:
    """:func:`check_args` for the options of ``auto-bind``."""
    if args.parents:
        if not args.children:
            raise UserError("--parents needs --children: name the classes of the parts")
        args.min_overlap = 0.5 if args.min_overlap is None else args.min_overlap
        if not (math.isfinite(args.min_overlap) and 0 < args.min_overlap <= 1):
            raise UserError(f"--min-overlap {args.min_overlap}: give a share above 0, at most 1")
        if args.across_classes:
            raise UserError("--across-classes goes with --max-gap, not with --parents")
    elif args.children:
        raise UserError("--children goes with --parents: name the classes of the holding objects")
    elif args.min_overlap is not None:
        raise UserError("--min-overlap goes with --parents and --children, not with --max-gap")
    elif not (math.isfinite(args.max_gap) and 0 <= args.max_gap <= MAX_GAP):
        raise UserError(
            f"--max-gap {args.max_gap}: give a number of pixels from 0 to {MAX_GAP} (2^20, the "
            "largest coordinate an image has)"
        )
