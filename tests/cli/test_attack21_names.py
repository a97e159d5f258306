"""Attack on issue 21 (convert --jobs): an image and a dataset folder of one name, found by the
writers' image copy (formats/items.py), give one error line whatever --jobs is, naming the name
that would be both a file and a folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import supervisely as sly

import sly_bindings.cli.convert as convert_module
from commands import convert_in_process
from format_samples import coco_boxes_subset
from registry_tables import TARGETS
from sly_bindings.cli import jobs


def coco_clash(root: Path, order) -> Path:
    """COCO subset ``train`` naming the images ``order`` (``a.png`` and ``a.png/b.png``)."""
    coco_boxes_subset(root, list(order), with_images=False)
    # a.png beside the JSON, a.png/b.png in images/train/ (COCO looks in both)
    sly.image.write(str(root / "annotations" / "a.png"), np.full((6, 8, 3), 90, np.uint8))
    path = root / "images" / "train" / "a.png" / "b.png"
    path.parent.mkdir(parents=True)
    sly.image.write(str(path), np.full((6, 8, 3), 90, np.uint8))
    return root


@pytest.fixture
def parallel(monkeypatch):
    monkeypatch.setattr(convert_module, "is_small", lambda source: False)
    monkeypatch.setattr(jobs, "BATCH", 2)


@pytest.mark.parametrize("order", [["a.png", "a.png/b.png"], ["a.png/b.png", "a.png"]])
@pytest.mark.parametrize("target", TARGETS)
def test_attack21_image_and_folder_of_one_name(tmp_path, capsys, parallel, target, order):
    source = coco_clash(tmp_path / "in", order)
    errors = []
    for run, count in enumerate([1, 2, 2, 2]):
        out = tmp_path / f"out{run}"
        code = convert_in_process("coco", target, source, out, "--jobs", count)
        errors.append((code, capsys.readouterr().err.replace(str(out), "OUT")))
    assert len(set(errors)) == 1, errors
    print(errors[0])
    assert "a.png/b.png would be" not in errors[0][1]  # the name that is both: a.png
