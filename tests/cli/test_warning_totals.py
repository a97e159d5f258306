"""Warnings totalled by kind at the end of a run (``cli/warning_totals.py``), every one in
``--json``; ``report --groups`` lists each image's groups."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bound_projects import write_local_project
from commands import sly_bindings_in_process
from sly_bindings.cli import warning_totals
from sly_bindings.formats.items import FormatWarning


def run(capsys, *args) -> tuple[int, str, str]:
    code = sly_bindings_in_process(*args)
    out, err = capsys.readouterr()
    return code, out, err


def labelme_with_lines(folder: Path, files: int = 7, lines: int = 5) -> Path:
    """``files`` LabelMe files of one 8x8 image each: a polygon and ``lines`` line shapes
    (which the reader skips, each with a warning)."""
    dataset = folder / "ds0"
    dataset.mkdir(parents=True)
    for number in range(files):
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(dataset / f"{number}.png")
        polygon = {"label": "car", "points": [[0, 0], [4, 0], [4, 4]], "shape_type": "polygon"}
        line = {"label": "road", "points": [[0, 0], [5, 5]], "shape_type": "line"}
        data = {
            "imagePath": f"{number}.png",
            "imageHeight": 8,
            "imageWidth": 8,
            "shapes": [polygon] + [line] * lines,
        }
        (dataset / f"{number}.json").write_text(json.dumps(data))
    return folder


def test_35_skipped_shapes_are_one_line_and_every_one_is_in_json(tmp_path, capsys):
    source = labelme_with_lines(tmp_path / "labelme")

    code, out, err = run(capsys, "convert", "labelme", "cvat", source, tmp_path / "out")

    assert code == 0, err
    warning_lines = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warning_lines) == 1
    assert warning_lines[0].startswith("warning: 35 line shapes skipped in 7 files; first: ")
    assert "0.json: shapes[1]" in warning_lines[0]

    code, out, err = run(capsys, "convert", "labelme", "cvat", source, tmp_path / "j", "--json")
    summary = json.loads(out)
    assert code == 0 and len(summary["warnings"]) == 35
    (total,) = summary["warning_totals"]
    assert (total["kind"], total["count"], total["files"]) == ("line shapes skipped", 35, 7)
    assert total["messages"] == summary["warnings"]


def test_the_first_places_of_a_summary_name_each_image_once(tmp_path, capsys):
    # Each image has two groups of two apart squares: YOLO joins each group into one outline,
    # with a warning per group that names the image: two warnings, one place.
    dataset = tmp_path / "labelme" / "ds0"
    dataset.mkdir(parents=True)
    for number in range(5):
        Image.fromarray(np.zeros((20, 40, 3), np.uint8)).save(dataset / f"{number}.png")
        shapes = [
            {
                "label": "car",
                "points": [[left, top], [left + 4, top], [left + 4, top + 4], [left, top + 4]],
                "shape_type": "polygon",
                "group_id": group,
            }
            for group, top in ((1, 1), (2, 12))
            for left in (1, 20)
        ]
        data = {"imagePath": f"{number}.png", "imageHeight": 20, "imageWidth": 40}
        (dataset / f"{number}.json").write_text(json.dumps({**data, "shapes": shapes}))

    code, out, err = run(capsys, "convert", "labelme", "yolo", tmp_path / "labelme", tmp_path / "y")

    (summary,) = [
        line for line in err.splitlines() if "separate parts" in line or " in 5 files" in line
    ]
    assert code == 0 and summary.startswith("warning: 10 ") and " in 5 files; first: " in summary
    first = summary.split("; first: ")[1].split(" (every one")[0].split("; ")
    assert first == ["ds0/0.png", "ds0/1.png", "ds0/2.png"]


def test_a_few_warnings_of_a_kind_are_shown_as_they_are(tmp_path, capsys):
    source = labelme_with_lines(tmp_path / "labelme", files=1, lines=2)

    code, out, err = run(capsys, "convert", "labelme", "cvat", source, tmp_path / "out")

    warning_lines = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert code == 0 and len(warning_lines) == 2
    assert all("shape_type 'line' skipped" in line for line in warning_lines)


COMMANDS = {
    "report": [],
    "validate": [],
    "discard": ["--dry-run"],
    "auto-bind": ["--max-gap", "0", "--dry-run"],
}


@pytest.mark.parametrize("name", COMMANDS)
def test_every_project_command_totals_its_warnings(tmp_path, capsys, monkeypatch, name):
    """The one collector is around every command: a project command's warnings (here made by
    the class check every one of them runs) come out totalled, and in --json."""
    from sly_bindings.cli import project_commands

    def check_classes(*args, **kwargs):
        for number in range(5):
            warnings.warn(
                f"ds0/{number}.json: shapes[1]: skipped, a polygon needs 3 points", FormatWarning
            )

    monkeypatch.setattr(project_commands, "check_classes", check_classes)
    project = write_local_project(tmp_path / "project")

    code, out, err = run(capsys, name, project, *COMMANDS[name])
    assert code in (0, 1), err
    assert err.count("warning: ") == 1
    assert "polygons of fewer than 3 points skipped in 5 files" in err

    code, out, err = run(capsys, name, project, *COMMANDS[name], "--json")
    data = json.loads(out)
    assert len(data["warnings"]) == 20 and data["warning_totals"][0]["count"] == 20


def test_kinds_come_from_the_warning_or_one_table():
    class Named(FormatWarning):
        kind = "things named by their warning"

    assert warning_totals.kind_of(Named("a.json: x")) == "things named by their warning"
    assert warning_totals.kind_of("a.json: shapes[0]: shape_type 'point' skipped: only ...") == (
        "point shapes skipped"
    )


def test_report_groups_lists_each_images_groups(tmp_path, capsys):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])

    code, out, err = run(capsys, "report", project, "--groups")
    assert (code, err) == (0, "")
    assert out.splitlines()[-5:] == [
        "ds0: bound.png: group 'c': car (2 labels)",
        "ds0: bound.png: group 'p': person (2 labels)",
        "ds0: odd.png: group 's': car (1 label)",
        "ds0: odd.png: group 'm': car, person (2 labels)",
        "ds0: persons.png: group 'p': person (2 labels)",
    ]

    code, out, err = run(capsys, "report", project, "--groups", "--classes", "person", "--json")
    images = {image["image"]: image["groups"] for image in json.loads(out)["images"]}
    assert images["odd.png"] == [{"key": "m", "classes": ["car", "person"], "labels": 2}]
    assert sorted(images) == ["bound.png", "odd.png", "persons.png"]


def test_json_printed_before_an_error_is_kept(tmp_path, capsys, monkeypatch):
    """A run that printed its JSON and then ends with an error (an image left out) keeps both."""
    from sly_bindings.cli import project_commands
    from sly_bindings.cli.runner import UserError

    def left_out(*args):
        raise UserError("1 image was left out")

    monkeypatch.setattr(project_commands, "check_nothing_skipped", left_out)
    project = write_local_project(tmp_path / "project")

    code, out, err = run(capsys, "report", project, "--json")

    assert code == 2 and err == "error: 1 image was left out\n"
    assert json.loads(out)["total"]["images"] == 8
