"""A local project is a plain path: ``sly-bindings COMMAND DIR ...`` for every project command,
the same run as ``--local DIR``; DIR with another target is a usage error."""

from __future__ import annotations

import pytest

from bound_projects import local_groups, write_local_project
from commands import sly_bindings_in_process
from sly_bindings.cli.main import COMMANDS
from sly_bindings.cli.project_args import PARSERS

# Every project command of the command table, with the options it needs to run.
OPTIONS = {
    "report": [],
    "validate": [],
    "discard": ["--classes", "car"],
    "auto-bind": ["--max-gap", "0", "--regroup"],
}
PROJECT_COMMANDS = [command.name for command in COMMANDS if command.name in PARSERS]


def test_the_table_covers_every_project_command():
    assert sorted(OPTIONS) == sorted(PROJECT_COMMANDS)


def run(capsys, *args) -> tuple[int, str, str]:
    code = sly_bindings_in_process(*args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", PROJECT_COMMANDS)
def test_dir_is_the_same_run_as_local(tmp_path, capsys, name):
    plain = write_local_project(tmp_path / "plain")
    local = write_local_project(tmp_path / "local")

    by_dir = run(capsys, name, plain, *OPTIONS[name], "--json")
    by_local = run(capsys, name, "--local", local, *OPTIONS[name], "--json")

    assert by_dir[0] in (0, 1), by_dir[2]  # validate: 1, problems found
    assert by_dir == by_local
    assert local_groups(plain) == local_groups(local)  # the same edit was saved


def test_discard_dir_changes_the_project(tmp_path, capsys):
    project = write_local_project(tmp_path / "project")
    assert any(groups for groups in local_groups(project)["ds0"].values())

    code, out, err = run(capsys, "discard", project)

    assert (code, err) == (0, "")
    assert not any(groups for ds in local_groups(project).values() for groups in ds.values())


@pytest.mark.parametrize("name", PROJECT_COMMANDS)
@pytest.mark.parametrize(
    "other, error",
    [
        (["--local", "other"], "argument --local: not allowed with argument DIR"),
        (["--project-id", "7"], "argument --project-id: not allowed with argument DIR"),
    ],
    ids=["--local", "--project-id"],
)
def test_dir_with_another_target_is_a_usage_error(tmp_path, capsys, name, other, error):
    code, out, err = run(capsys, name, tmp_path, *OPTIONS[name], *other)
    assert (code, out) == (2, "")
    assert error in err and err.count("\n") == 1


@pytest.mark.parametrize("name", PROJECT_COMMANDS)
def test_no_target_names_dir_first(capsys, name):
    code, out, err = run(capsys, name, *OPTIONS[name])
    assert (code, out) == (2, "")
    assert "one of the arguments DIR --project-id --dataset-id --local is required" in err


def test_a_folder_that_is_no_project_is_one_line(tmp_path, capsys):
    code, out, err = run(capsys, "report", tmp_path)
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and "no meta.json" in err and err.count("\n") == 1
