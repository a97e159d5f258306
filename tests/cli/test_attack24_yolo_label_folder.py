"""Attack on issue 21's YOLO label write (open "x"): a dataset folder named like a label file
(``b.txt/`` beside image ``b.png``) is no second image of stem ``b``: whichever comes first, and
whatever --jobs is, the one line names ``labels/train/b.txt`` as both a file and a folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly

import sly_bindings.cli.convert as convert_module
from commands import convert_in_process
from sly_bindings.cli import jobs


def coco_subset(root: Path, names) -> Path:
    """COCO subset ``train`` of the images ``names`` (``b.txt/c.png``: the nested dataset
    ``b.txt``), a box each."""
    images = [
        {"id": n, "file_name": name, "height": 6, "width": 8} for n, name in enumerate(names, 1)
    ]
    boxes = [
        {"id": n, "image_id": n, "category_id": 1, "bbox": [1, 1, 3, 2]}
        for n in range(1, len(names) + 1)
    ]
    coco = {"images": images, "annotations": boxes, "categories": [{"id": 1, "name": "sign"}]}
    (root / "annotations").mkdir(parents=True)
    (root / "annotations" / "instances_train.json").write_text(json.dumps(coco))
    for name in names:
        path = root / "images" / "train" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sly.image.write(str(path), np.full((6, 8, 3), 90, np.uint8))
    return root


@pytest.fixture
def parallel(monkeypatch):
    monkeypatch.setattr(convert_module, "is_small", lambda source: False)
    monkeypatch.setattr(jobs, "BATCH", 1)


@pytest.mark.parametrize("target", ["yolo", "yolo-det"])
@pytest.mark.parametrize("order", [["b.png", "b.txt/c.png"], ["b.txt/c.png", "b.png"]])
def test_attack24_a_dataset_named_like_a_label_file(tmp_path, capsys, parallel, order, target):
    source = coco_subset(tmp_path / "in", order)
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
