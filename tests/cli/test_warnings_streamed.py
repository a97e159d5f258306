"""A run's warnings are totalled as they come: a warning about each of many images costs its
totals, not its message, unless ``--json`` asks for every message (issue 21: flat memory)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly

from commands import convert_in_process
from sly_bindings.cli import warning_totals

IMAGES = 40


def labelme_folder(root: Path) -> Path:
    """IMAGES LabelMe files, each with a polygon and a ``line`` shape (skipped, warned)."""
    folder = root / "labelme" / "street"
    folder.mkdir(parents=True)
    for number in range(IMAGES):
        sly.image.write(str(folder / f"{number}.png"), np.zeros((8, 8, 3), np.uint8))
        shapes = [
            {"label": "car", "points": [[1, 1], [5, 1], [5, 5]], "shape_type": "polygon"},
            {"label": "road", "points": [[0, 0], [7, 7]], "shape_type": "line"},
        ]
        data = {"imagePath": f"{number}.png", "imageHeight": 8, "imageWidth": 8, "shapes": shapes}
        (folder / f"{number}.json").write_text(json.dumps(data), encoding="utf-8")
    return folder.parent


@pytest.fixture
def collectors(monkeypatch):
    """Every Collector a run makes."""
    made = []
    original = warning_totals.Collector.__init__

    def spied(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(warning_totals.Collector, "__init__", spied)
    return made


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_warning_per_image_is_totalled_not_held(tmp_path, capsys, collectors, jobs):
    source = labelme_folder(tmp_path)

    code = convert_in_process("labelme", "coco", source, tmp_path / "out", "--jobs", jobs)

    assert code == 0
    err = capsys.readouterr().err
    assert f"warning: {IMAGES} line shapes skipped in {IMAGES} files; first:" in err
    (run,) = collectors
    assert run.collected == []  # no message held
    assert run.totals["line shapes skipped"].count == IMAGES
    assert len(run.totals["line shapes skipped"].first) == warning_totals.SHOWN


def test_json_still_gives_every_message(tmp_path, capsys, collectors):
    source = labelme_folder(tmp_path)

    code = convert_in_process("labelme", "coco", source, tmp_path / "out", "--json")

    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    skipped = [message for message in summary["warnings"] if "'line' skipped" in message]
    assert len(skipped) == IMAGES
    (totals,) = [t for t in summary["warning_totals"] if t["kind"] == "line shapes skipped"]
    assert (totals["count"], totals["files"], len(totals["messages"])) == (IMAGES,) * 3


def test_the_totals_are_those_of_every_message_kept():
    every, totals = warning_totals.Collector(), warning_totals.Collector(every=False)
    messages = [
        f"{number % 7}.json: shapes[{number}] (road): skipped, a polygon needs 3 points"
        for number in range(50)
    ] + ["a.png: group k mixes classes car, sign"]
    for message in messages:
        every.add(message)
        totals.add(message)

    assert totals.terminal_lines() == every.terminal_lines()
    assert [(t["kind"], t["count"], t["files"]) for t in totals.as_json()] == [
        (t["kind"], t["count"], t["files"]) for t in every.as_json()
    ]
    assert every.terminal_lines() == []  # printed once
