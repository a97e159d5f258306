"""Attack on issue 21's streamed warnings (``warning_totals.streamed``, ``Tally``): a run's
terminal lines are what d3051e6's totals (every message held, grouped by kind at the end) make
of the very messages ``--json`` lists, with ``--jobs`` 1 or 2, for a run with many warnings of
several kinds; a run that fails midway prints its warnings before its error line."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from commands import convert_in_process
from sly_bindings.cli.printable import printable
from sly_bindings.cli.warning_totals import SHOWN, place_of

SHAPES = [
    {
        "label": "car",
        "points": [[10, 10], [30, 10], [20, 30]],
        "shape_type": "polygon",
        "group_id": 1,
    },
    {
        "label": "car",
        "points": [[60, 10], [80, 10], [70, 30]],
        "shape_type": "polygon",
        "group_id": 1,
    },
    {"label": "sign", "points": [[40, 5], [45, 25]], "shape_type": "rectangle", "group_id": 1},
    {"label": "road", "points": [[0, 0], [7, 7]], "shape_type": "line"},
    {"label": "car", "points": [[1, 1], [5, 5]], "shape_type": "polygon"},
    {"label": "car", "points": [[200, 200], [220, 200], [210, 230]], "shape_type": "polygon"},
    {"label": "car", "points": [[1, 1], [5, 5]], "shape_type": "circle"},
    {"label": "car", "points": [[90, 40], [120, 40], [100, 60]], "shape_type": "polygon"},
    {"label": "car", "points": [[1, 1], [2, 2]], "shape_type": "point"},
]


def labelme_input(root: Path, images: int, with_images: bool = True) -> Path:
    """LabelMe files of 3 to 9 shapes (lines, circles, points, short and outside polygons:
    each warned), every ninth naming an image that is not there."""
    folder = root / "lm" / "ds"
    folder.mkdir(parents=True)
    for number in range(images):
        if with_images:
            cv2.imwrite(str(folder / f"{number}.png"), np.zeros((50, 100, 3), np.uint8))
        data = {
            "imagePath": f"{number}.png" if number % 9 else f"missing{number}.png",
            "imageHeight": 50,
            "imageWidth": 100,
            "shapes": SHAPES[: 3 + number % 7],
        }
        (folder / f"{number}.json").write_text(json.dumps(data), encoding="utf-8")
    return folder.parent


def d3051e6_lines(totals) -> list:
    """d3051e6's ``Collector.terminal_lines`` (every message held, grouped by kind), each place
    listed once."""
    lines = []
    for total in totals:
        found = total["messages"]
        if len(found) <= SHOWN:
            lines.extend(f"warning: {message}" for message in found)
            continue
        files = len({place_of(message)[1] for message in found})
        # The first SHOWN places, each once (two warnings about one image name it once).
        places = dict.fromkeys(place_of(message)[0] or message for message in found)
        first = "; ".join(list(places)[:SHOWN])
        lines.append(
            f"warning: {len(found)} {total['kind']} in {files} file{'' if files == 1 else 's'}; "
            f"first: {first} (every one with --json)"
        )
    return [printable(line) for line in lines]


@pytest.mark.parametrize("target", ["coco", "yolo"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_attack23_terminal_lines_are_d3051e6s_totals_of_every_message(
    tmp_path, capsys, monkeypatch, target, jobs
):
    source = labelme_input(tmp_path, 40)
    monkeypatch.chdir(tmp_path)
    assert convert_in_process("labelme", target, "lm", "json_out", "--json", "--jobs", jobs) == 0
    summary = json.loads(capsys.readouterr().out)
    assert sum(total["count"] for total in summary["warning_totals"]) > 50

    assert convert_in_process("labelme", target, "lm", "out", "--jobs", jobs) == 0

    err = capsys.readouterr().err.splitlines()
    warned = [line for line in err if line.startswith("warning: ") and "holds" not in line]
    assert warned == d3051e6_lines(summary["warning_totals"])
    assert len(warned) >= 6  # several kinds
    assert source.exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_attack23_warnings_so_far_print_before_the_error_line(tmp_path, capsys, monkeypatch, jobs):
    labelme_input(tmp_path, 6, with_images=False)
    monkeypatch.chdir(tmp_path)

    code = convert_in_process("labelme", "coco", "lm", "out", "--jobs", jobs)

    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[-1].startswith("error: ")
    assert err[0].startswith("warning: 6 images skipped"), err
    assert not (tmp_path / "out").exists()
