"""Smaller kinds of issue 22: what was resolved or skipped in silence is said (a key twice in a
JSON object, a YOLO label file without its image, a linked LabelMe folder), names from files
are printed escaped, and ``--json`` with a closed stdout does not pass for done."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from commands import convert_in_process, sly_bindings_in_process
from format_samples import make_sample_project
from sly_bindings.cli.printable import printable
from sly_bindings.cli.project_commands import group_lines, report_table
from sly_bindings.cli.runner import UserError, run

# Every format read from JSON files (the one JSON loading place: project_folder.read_json).
JSON_SOURCES = {
    "supervisely": "ann/*.json",
    "coco": "*.json",
    "labelme": "*.json",
    "labelstudio": "tasks.json",
}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("formats")
    project = make_sample_project(folder / "supervisely")
    found = {"supervisely": project}
    for name in ("coco", "labelme", "labelstudio", "yolo"):
        assert convert_in_process("supervisely", name, project, folder / name) == 0
        found[name] = folder / name
    return found


def copy_of(written: dict, source: str, folder: Path) -> Path:
    shutil.copytree(written[source], folder)
    return folder


@pytest.mark.parametrize("source", JSON_SOURCES)
@pytest.mark.parametrize("key", ["description", "zzz_repeated"])
def test_a_key_twice_in_a_json_object_is_said(written, tmp_path, capfd, source, key):
    folder = copy_of(written, source, tmp_path / "in")
    path = sorted(folder.rglob(JSON_SOURCES[source]))[0]
    text = path.read_text()
    # The file's first object gets the key twice (values of other types: the last one wins).
    first = text.index("{") + 1
    path.write_text(text[:first] + f'"{key}": 1, "{key}": "", ' + text[first:])
    capfd.readouterr()

    code = convert_in_process(
        source, "coco" if source != "coco" else "labelme", folder, tmp_path / "out"
    )

    stderr = capfd.readouterr().err
    assert code in (0, 2), stderr
    assert f"key '{key}' appears twice in one object" in stderr, stderr
    assert path.name in stderr


def test_a_yolo_label_file_without_its_image_is_said(written, tmp_path, capfd):
    folder = copy_of(written, "yolo", tmp_path / "in")
    label = sorted(folder.rglob("labels/**/*.txt"))[0]
    shutil.copy(label, label.with_name("no_such_image.txt"))
    capfd.readouterr()

    assert convert_in_process("yolo", "coco", folder, tmp_path / "out") == 0

    stderr = capfd.readouterr().err
    assert "no_such_image.txt" in stderr and "without its image" in stderr, stderr


def test_a_linked_labelme_dataset_folder_is_said(written, tmp_path, capfd):
    folder = copy_of(written, "labelme", tmp_path / "in")
    dataset = sorted(path for path in folder.iterdir() if path.is_dir())[0]
    outside = tmp_path / "elsewhere"
    shutil.move(dataset, outside)
    dataset.symlink_to(outside, target_is_directory=True)
    capfd.readouterr()

    convert_in_process("labelme", "coco", folder, tmp_path / "out")

    stderr = capfd.readouterr().err
    assert dataset.name in stderr and "a link to a folder" in stderr, stderr


NAMES = {
    "line feed": "car\nds0    9 images",
    "carriage return": "car\r",
    "escape": "\x1b[31mcar\x1b[0m",
    "NEL": "car\x85x",
    "line separator": "car\u2028x",
}


@pytest.mark.parametrize("name", NAMES)
def test_names_with_controls_are_printed_escaped(name, capsys):
    text = NAMES[name]
    image = {
        "dataset": text,
        "image": text,
        "groups": [{"key": "k", "classes": [text], "labels": 2}],
    }
    from sly_bindings.groups.stats import BindingStats

    shown = (
        group_lines([image]) + report_table([text], [BindingStats(1, 1, 1, 1, 0, 0)]).splitlines()
    )
    assert all(line.isprintable() for line in shown), shown
    assert printable(text) in shown[0]

    def fails() -> None:
        raise UserError(f"{text}: not a class of the meta")

    assert run(fails) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err[:-1].isprintable(), err


def test_json_with_a_closed_stdout_is_not_done(written, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sly_bindings", "report", str(written["supervisely"]), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.close(1),
        timeout=300,
    )
    assert result.returncode != 0
    assert result.stderr.startswith("error: the standard output is closed"), result.stderr


PATH_COMMANDS = [
    ["report", "{IN}"],
    ["validate", "{IN}"],
    ["discard", "{IN}", "--dry-run"],
    ["auto-bind", "{IN}", "--max-gap", "2", "--dry-run"],
    ["preview", "{IN}", "{OUT}"],
    ["convert", "supervisely", "labelme", "{IN}", "{OUT}"],
]


@pytest.mark.parametrize("argv", PATH_COMMANDS, ids=lambda argv: argv[0])
@pytest.mark.parametrize("name", NAMES)
def test_folder_names_with_controls_are_printed_escaped(name, argv, capsys, tmp_path):
    """IN and OUT are named by the user, and printed in the lines that say what was done
    (``Target:``, ``Read``/``Written``, ``Preview of``): escaped there too."""
    from bound_projects import write_local_project
    from commands import sly_bindings_in_process

    project = write_local_project(tmp_path / f"in {NAMES[name]}", datasets=["ds0"])
    out = tmp_path / f"out {NAMES[name]}"
    args = [arg.replace("{IN}", str(project)).replace("{OUT}", str(out)) for arg in argv]
    capsys.readouterr()

    assert sly_bindings_in_process(*args) in (0, 1)

    shown = capsys.readouterr()
    lines = (shown.out + shown.err).splitlines()
    assert lines and all(line.isprintable() for line in lines), lines
    assert any(printable(str(project)) in line or printable(str(out)) in line for line in lines)
