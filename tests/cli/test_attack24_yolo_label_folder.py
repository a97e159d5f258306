"""Attack on issue 21's YOLO label write (open "x"): a dataset folder named like a label file
(``b.txt/`` beside image ``b.png``) is no second image of stem ``b``: whichever comes first, and
whatever --jobs is, the one line names ``labels/train/b.txt`` as both a file and a folder."""

from __future__ import annotations

import pytest

import sly_bindings.cli.convert as convert_module
from commands import convert_in_process
from format_samples import coco_boxes_subset
from sly_bindings.cli import jobs


@pytest.fixture
def parallel(monkeypatch):
    monkeypatch.setattr(convert_module, "is_small", lambda source: False)
    monkeypatch.setattr(jobs, "BATCH", 1)


@pytest.mark.parametrize("target", ["yolo", "yolo-det"])
@pytest.mark.parametrize("order", [["b.png", "b.txt/c.png"], ["b.txt/c.png", "b.png"]])
def test_attack24_a_dataset_named_like_a_label_file(tmp_path, capsys, parallel, order, target):
    source = coco_boxes_subset(tmp_path / "in", order)
    errors = []
    for run, count in enumerate([1, 2]):
        out = tmp_path / f"out{run}"
        code = convert_in_process("coco", target, source, out, "--jobs", count)
        errors.append((code, capsys.readouterr().err.replace(str(out), "OUT")))
        assert not out.exists()
    assert errors[0] == errors[1], errors
    code, err = errors[0]
    assert code == 2 and "Traceback" not in err
    assert "labels/train/b.txt would be both a file and a folder" in err, err
    assert "two images have the stem" not in err  # one image has the stem b
