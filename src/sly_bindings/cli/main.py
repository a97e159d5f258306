"""``sly-bindings``: binding groups over whole projects, and between formats.

    sly-bindings report    (--project-id N | --dataset-id N | --local DIR) [--classes C ...] [--json]
    sly-bindings discard   (...the same target...) [--classes C ...] [--dry-run] [--json]
    sly-bindings auto-bind (...the same target...) --max-gap PIXELS [--across-classes] [--regroup]
    sly-bindings validate  (...the same target...) [--classes C ...] [--json]
    sly-bindings convert   FROM TO IN OUT [--json]

Every failure ends in one line on stderr: exit code 2 for bad input or set-up (the line says
what to fix), 1 for a failure nobody could fix by changing the input (``validate``: problems
found), 130 when interrupted.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from sly_bindings.cli import convert, project_commands
from sly_bindings.cli.runner import ArgumentParser, run

PROG = "sly-bindings"
USER_ERRORS = project_commands.USER_ERRORS + convert.USER_ERRORS


def build_parser() -> ArgumentParser:
    """The ``sly-bindings`` parser: one subcommand per operation, each with ``--help``."""
    parser = ArgumentParser(
        prog=PROG, description="Binding groups over whole projects, and between formats."
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="{report,discard,auto-bind,validate,convert}"
    )
    project_commands.add_commands(commands)
    convert.add_command(commands)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Parse ``argv`` (the command line when None), run the subcommand; its exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "convert":
        convert.check_args(args)
        return convert.run_command(args)
    project_commands.check_args(args)
    return project_commands.run_command(args)


def entry_point() -> None:
    """The console script: ``main`` with every failure as one line and an exit code."""
    sys.exit(run(main, user_errors=USER_ERRORS))
