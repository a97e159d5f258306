"""``sly-bindings``: binding groups over whole projects, and between formats.

    sly-bindings report    (DIR | --project-id N | --dataset-id N) [--classes C ...] [--json]
    sly-bindings discard   (...the same target...) [--classes C ...] [--dry-run] [--json]
    sly-bindings auto-bind (...the same target...) --max-gap PIXELS [--across-classes] [--regroup]
    sly-bindings validate  (...the same target...) [--classes C ...] [--json]
    sly-bindings convert   FROM TO IN OUT [--json]
    sly-bindings preview   DIR OUT [--limit N] [--classes C ...]

DIR and IN may be a .zip (``files.archives``: read as it is, never unpacked beside your files).

Every failure ends in one line on stderr: exit code 2 for bad input or set-up (the line says
what to fix), 1 for a failure nobody could fix by changing the input (``validate``: problems
found), 130 when interrupted.

A command is one entry of :data:`COMMANDS`: the module that adds its arguments and checks them
(it imports no SDK, so ``--help``, ``--version`` and every usage error answer at once) and the
module that runs it (imported, with the SDK, only when there is work to do).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Iterator, List, NamedTuple, Optional, TextIO, Tuple, Type

from sly_bindings.cli.signals import interrupted_while_loading

# Ctrl+C from the first moment: requests (in runner) takes a while to import too.
with interrupted_while_loading("interrupted while starting: nothing was done"):
    from sly_bindings.cli import warning_totals
    from sly_bindings.cli.runner import ArgumentParser, CommandFailed, UserError, run, usage_error
    from sly_bindings.files import archives

PROG = "sly-bindings"


class Command(NamedTuple):
    """One subcommand of ``sly-bindings``.

    ``arguments`` names the module with ``add_command(commands, name)`` and
    ``check_args(args)`` (no SDK at its top); ``work`` the module with ``run_command(args)``
    and ``USER_ERRORS`` (the error types whose message is the line to show); ``input`` the
    argument naming what it reads, which :func:`opened_input` opens.
    """

    name: str
    help: str  # the line ``sly-bindings --help`` shows for it
    arguments: str
    work: str
    # The argument naming what the command reads, opened by ``files.archives`` (a .zip is read
    # as it is): the attribute of the parsed arguments.
    input: Optional[str] = None


PROJECT_ARGS, PROJECT_WORK = "sly_bindings.cli.project_args", "sly_bindings.cli.project_commands"
CONVERT_ARGS, CONVERT = "sly_bindings.cli.convert_args", "sly_bindings.cli.convert"
PREVIEW = "sly_bindings.cli.preview"
COMMANDS: Tuple[Command, ...] = (
    Command("report", "count labels and groups per dataset", PROJECT_ARGS, PROJECT_WORK, "local"),
    Command("discard", "unbind labels", PROJECT_ARGS, PROJECT_WORK, "local"),
    Command(
        "auto-bind",
        "bind labels that nearly touch, or parts to the object that holds them",
        PROJECT_ARGS,
        PROJECT_WORK,
        "local",
    ),
    Command(
        "validate",
        "find groups of one label, ambiguous boxes, two skeletons in a group, unknown classes "
        "and keys reused on another image",
        PROJECT_ARGS,
        PROJECT_WORK,
        "local",
    ),
    Command(
        "convert",
        "convert between Supervisely projects, LabelMe, CVAT, COCO, YOLO and Label Studio",
        CONVERT_ARGS,
        CONVERT,
        "IN",
    ),
    Command(
        "preview",
        "draw the groups of a local project: a picture per image and an index.html",
        PREVIEW,
        PREVIEW,
        "DIR",
    ),
)
BY_NAME = {command.name: command for command in COMMANDS}


def package_version() -> str:
    """The installed version of ``sly-bindings`` (pyproject.toml's), or ``unknown``."""
    try:
        return version("sly-bindings")
    except PackageNotFoundError:  # run from a plain checkout
        return "unknown"


def build_parser(argv: Optional[List[str]] = None) -> ArgumentParser:
    """The ``sly-bindings`` parser: one subcommand per entry of :data:`COMMANDS`, each with
    ``--help``. Builds without importing the SDK.

    Only the arguments of the command ``argv`` names are added (its ``arguments`` module is
    imported); the others are listed by name and help line. With no ``argv``, every command's.
    """
    named = [arg for arg in argv if not arg.startswith("-")][:1] if argv is not None else None
    parser = ArgumentParser(
        prog=PROG, description="Binding groups over whole projects, and between formats."
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {package_version()}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="{" + ",".join(BY_NAME) + "}"
    )
    for command in COMMANDS:
        if named is None or command.name in named:
            importlib.import_module(command.arguments).add_command(commands, command.name)
        else:
            commands.add_parser(command.name, help=command.help)
    return parser


def load_work(command: Command) -> Any:
    """The module that runs ``command``, imported with the SDK; Ctrl+C while it loads ends the
    run with one line and exit code 130.

    The first time, Python's cyclic garbage collector is off while the SDK is imported (its
    collections walked the ~1 million objects the import makes, 4 times: a sixth of the
    import's time), and those objects are then frozen (``gc.freeze``): they live as long as
    the process, so no later collection walks them. A process that has imported the SDK before
    (a test run) is left as it is.
    """
    first = "supervisely" not in sys.modules
    enabled = gc.isenabled()
    with interrupted_while_loading():
        if first:
            gc.disable()
        try:
            work = importlib.import_module(command.work)
        finally:
            if first:
                gc.freeze()  # before the collector is on again: no collection walks them
                if enabled:
                    gc.enable()
    return work


def main(argv: Optional[List[str]] = None) -> int:
    """Parse ``argv`` (the command line when None), run the subcommand; its exit code.

    Usage errors (argparse's, and ``check_args``'s) are raised before the SDK is imported.
    """
    argv = sys.argv[1:] if argv is None else argv
    args, extras = build_parser(argv).parse_known_args(argv)
    if extras:  # named with the command's own --help, where the options are listed
        usage_error(f"{PROG} {args.command}", f"unrecognized arguments: {' '.join(extras)}")
    command = BY_NAME[args.command]
    importlib.import_module(command.arguments).check_args(args)
    with opened_input(args, command.input):
        work = load_work(command)
        with warning_totals.collecting(as_json=getattr(args, "json", False)):
            return work.run_command(args)


@contextlib.contextmanager
def opened_input(args: argparse.Namespace, name: Optional[str]) -> Iterator[None]:
    """Within the block, the input argument ``name`` of ``args`` is what ``files.archives``
    opens (a .zip: the folder it is unpacked into, removed at the end), and output and errors
    name the archive where they would name that folder."""
    given = getattr(args, name, None) if name else None
    if given is None or not archives.is_archive(given):
        yield
        return
    with archives.opened(Path(given)) as folder:
        setattr(args, name, type(given)(folder))
        args.input_as_given = given  # for what a command writes into files (not shown output)
        unpacked = str(folder)
        with paths_shown_as(unpacked, str(given)):
            try:
                yield
            except Exception as error:
                shown = shown_as(error, unpacked, str(given))
                if shown is error:
                    raise
                raise shown from error
            finally:
                setattr(args, name, given)


def shown_as(error: Exception, old: str, new: str) -> Exception:
    """``error`` as the line to show, with ``old`` (an unpacked folder) named ``new`` (its
    archive): a CommandFailed or a UserError (for every user error type); others unchanged."""
    message = str(error).replace(old, new)
    if isinstance(error, CommandFailed):
        return CommandFailed(message, error.exit_code)
    if isinstance(error, (UserError,) + user_errors()):
        return UserError(message)
    return error


class ReplacingStream:
    """A text stream that writes to ``stream`` with ``old`` replaced by ``new``."""

    def __init__(self, stream: TextIO, old: str, new: str) -> None:
        self.stream, self.old, self.new = stream, old, new

    def write(self, text: str) -> int:
        self.stream.write(text.replace(self.old, self.new))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextlib.contextmanager
def paths_shown_as(old: str, new: str) -> Iterator[None]:
    """Within the block, ``old`` written to stdout or stderr is shown as ``new``."""
    saved = sys.stdout, sys.stderr
    sys.stdout = ReplacingStream(sys.stdout, old, new)  # type: ignore[assignment]
    sys.stderr = ReplacingStream(sys.stderr, old, new)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def user_errors() -> Tuple[Type[BaseException], ...]:
    """The error types of every command whose message is the line to show (loads the SDK)."""
    found: List[Type[BaseException]] = []
    for work in dict.fromkeys(command.work for command in COMMANDS):
        found.extend(importlib.import_module(work).USER_ERRORS)
    return tuple(dict.fromkeys(found + [archives.ArchiveError]))


def __getattr__(name: str) -> Any:
    """``USER_ERRORS`` (for ``runner.run``), computed when first asked for: it loads the SDK."""
    if name == "USER_ERRORS":
        return user_errors()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main_for_users(argv: Optional[List[str]] = None) -> int:
    """``main``, with an error of the commands' user error types raised as a UserError (its
    message the line), so that ``run`` needs no SDK to know them before a command loads."""
    try:
        return main(argv)
    except (UserError, CommandFailed, argparse.ArgumentError):
        raise
    except Exception as error:
        # The SDK is loaded by now (only the run raises these): the types cost nothing more.
        if isinstance(error, user_errors()):
            raise UserError(str(error)) from error
        raise


def entry_point() -> None:
    """The console script: ``main`` with every failure as one line and an exit code."""
    sys.exit(run(main_for_users))
