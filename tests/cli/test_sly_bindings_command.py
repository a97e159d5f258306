"""``sly-bindings`` as installed: the console script, ``validate``, and ``--json`` everywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bound_projects import write_local_project
from commands import SLY_BINDINGS, sly_bindings_captured
from sly_bindings.cli.main import COMMANDS, USER_ERRORS, build_parser, main
from sly_bindings.cli.runner import run

# What validate finds in each dataset of bound_projects, by hand: odd.png holds a car alone in
# group 's'; its group 'm' of a car mask and a person box is one car with a person box, no
# problem (issue 12); 'p' is on bound.png and persons.png.
EXPECTED_PROBLEMS = [
    "{ds}: odd.png: group 's' has only 1 label (car): bind its other parts to it, or unbind it",
    "{ds}: bound.png, persons.png: key 'p' is on 2 images (4 labels): give each image its own keys",
]


def call(capsys, *args) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``sly-bindings ARGS`` run in this process."""
    code = run(lambda: main([str(arg) for arg in args]), USER_ERRORS)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_console_script_is_installed_beside_python():
    script = Path(sys.executable).parent / "sly-bindings"
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for command in ("report", "discard", "auto-bind", "validate", "convert"):
        assert command in result.stdout


def test_validate_names_dataset_image_and_key_and_exits_1(tmp_path, capsys):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])

    code, out, err = call(capsys, "validate", "--local", project)

    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[0].startswith("Target: local project ")
    assert sorted(lines[1:-1]) == sorted(line.format(ds="ds0") for line in EXPECTED_PROBLEMS)
    assert lines[-1] == "2 binding problems found"


def test_validate_of_a_clean_project_exits_0(tmp_path, capsys):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])
    assert call(capsys, "discard", "--local", project)[0] == 0

    code, out, err = call(capsys, "validate", "--local", project)

    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "0 binding problems found"


def test_validate_of_a_folder_that_is_no_project_exits_2(tmp_path, capsys):
    code, out, err = call(capsys, "validate", "--local", tmp_path)
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and "no meta.json" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "args, check",
    [
        (["report"], lambda data: data["total"]["groups"] == 10 and len(data["datasets"]) == 2),
        (["validate"], lambda data: data["count"] == 4 and data["problems"][0]["dataset"] == "ds0"),
        (["discard", "--dry-run"], lambda data: data["total"]["changed"] == 6 and data["dry_run"]),
        (
            ["auto-bind", "--max-gap", "0", "--dry-run"],
            lambda data: data["total"]["images"] == 8 and data["dry_run"],
        ),
    ],
    ids=["report", "validate", "discard", "auto-bind"],
)
def test_every_project_command_prints_json_and_nothing_else(tmp_path, capsys, args, check):
    project = write_local_project(tmp_path / "project")

    code, out, _ = call(capsys, *args, "--local", project, "--json")

    assert code in (0, 1)  # validate finds problems: 1
    assert check(json.loads(out)), out


def test_convert_prints_json(tmp_path):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])
    result = sly_bindings_captured(
        "convert", "supervisely", "labelme", project, tmp_path / "out", "--json"
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["read"] == {"images": 4, "labels": 12, "groups": 5}
    assert (summary["from"], summary["to"]) == ("supervisely", "labelme")


@pytest.mark.parametrize(
    "classes, expected",
    [
        (["car"], [EXPECTED_PROBLEMS[0]]),  # the group of one car label
        (["person"], [EXPECTED_PROBLEMS[1]]),  # the person key on two images
        (["car", "person"], EXPECTED_PROBLEMS),
    ],
)
def test_validate_with_classes_reports_the_groups_that_hold_them(
    tmp_path, capsys, classes, expected
):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])

    code, out, _ = call(capsys, "validate", "--local", project, "--classes", *classes)

    assert code == 1
    assert sorted(out.splitlines()[1:-1]) == sorted(line.format(ds="ds0") for line in expected)


def test_a_project_of_one_empty_dataset_is_named_as_empty(tmp_path, capsys):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])
    for folder in ("img", "ann"):
        for path in (project / "ds0" / folder).iterdir():
            path.unlink()

    code, out, err = call(capsys, "validate", "--local", project)

    assert (code, out) == (2, "")
    assert err == (
        f"error: {(project / 'ds0').resolve()}: holds no images (img/ is empty): add images with "
        "their annotations, or remove it\n"
    )


def test_output_closed_early_exits_141_not_the_problems_code(tmp_path):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])
    child = subprocess.Popen(
        [*SLY_BINDINGS, "validate", "--local", str(project), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    child.stdout.close()  # the reader is gone before the command writes a byte (`| head -c 0`)
    stderr = child.stderr.read()
    assert child.wait(timeout=120) == 141
    assert stderr == "error: the output was closed early (a pipe): the run stopped there\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["auto-bind", "--parents", "person", "--children", "tree"],
         "--children tree: the project has no class 'tree'; its classes are car, person"),
        (["auto-bind", "--parents", "bus", "--children", "person"],
         "--parents bus: the project has no class 'bus'; its classes are car, person"),
        (["validate", "--primary-class", "bus"],
         "--primary-class bus: the project has no class 'bus'; its classes are car, person"),
        (["auto-bind", "--max-gap", "3", "--min-overlap", "0.5"],
         "--min-overlap goes with --parents and --children, not with --max-gap"),
        (["auto-bind", "--parents", "car", "--children", "person", "--min-overlap", "2"],
         "--min-overlap 2.0: give a share above 0, at most 1"),
    ],
)  # fmt: skip
def test_class_options_name_a_class_the_project_lacks_in_one_line(tmp_path, capsys, args, message):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])
    before = sorted((path, path.stat().st_mtime_ns) for path in project.rglob("*"))

    code, out, err = call(capsys, *args, "--local", project)

    assert (code, err) == (2, f"error: {message}\n")
    assert sorted((path, path.stat().st_mtime_ns) for path in project.rglob("*")) == before


@pytest.mark.parametrize(
    "command, option, dest",
    [
        (["report", "--local", "p"], "--classes", "classes"),
        (["validate", "--local", "p"], "--classes", "classes"),
        (["validate", "--local", "p"], "--primary-class", "primary_class"),
        (["discard", "--local", "p"], "--classes", "classes"),
        (["auto-bind", "--local", "p", "--children", "hand"], "--parents", "parents"),
        (["auto-bind", "--local", "p", "--parents", "hand"], "--children", "children"),
    ],
)
@pytest.mark.parametrize(
    "spelling",
    [
        ["{option}", "car", "person"],
        ["{option}", "car,person"],
        ["{option}", "car", "{option}", "person"],
        ["{option}", " car , person "],
    ],
    ids=["spaces", "commas", "repeated", "commas with spaces"],
)
def test_every_class_option_takes_spaces_commas_and_repeats(command, option, dest, spelling):
    args = build_parser().parse_args(command + [part.format(option=option) for part in spelling])

    assert getattr(args, dest) == ["car", "person"]


@pytest.mark.parametrize("command", [command.name for command in COMMANDS])
def test_help_speaks_to_users_not_to_who_reads_the_code(capsys, command):
    """``COMMAND --help`` is what a new user reads: no reST markup, no module of the code
    (``groups/roles.py``, "this module imports no SDK"); docs/*.md pages are named instead."""
    with pytest.raises(SystemExit) as stopped:
        main([command, "--help"])

    out = capsys.readouterr().out
    assert stopped.value.code == 0 and out.startswith(f"usage: sly-bindings {command}")
    assert "``" not in out and "this module" not in out.lower()
    assert [word for word in out.split() if ".py" in word] == []
