"""Attack on issue 21: convert --jobs' batches (cli/jobs.py BATCH) with warnings on batch
boundaries, images skipped (the last one too), an error in the middle of a batch, a worker
with no image: 1, 2 and 3 jobs say and write the same."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly

import sly_bindings.cli.convert as convert_module
from commands import convert_in_process, folder_bytes
from sly_bindings.cli import jobs

COUNT = 9


def coco_input(root: Path, missing=(), bad=(), wrong_size=()) -> Path:
    """``COUNT`` images; those numbered in ``missing`` have no file (skipped with a warning),
    in ``bad`` a polygon of two points and no bbox (a record skipped with a warning), in
    ``wrong_size`` a declared size their file does not have (an error)."""
    images, boxes = [], []
    for n in range(1, COUNT + 1):
        height = 7 if n in wrong_size else 6
        images.append({"id": n, "file_name": f"i{n}.png", "height": height, "width": 8})
        boxes.append({"id": n, "image_id": n, "category_id": 1, "bbox": [1, 1, 3, 2]})
        if n in bad:
            boxes.append(
                {"id": 100 + n, "image_id": n, "category_id": 1, "segmentation": [[0, 0, 1, 1]]}
            )
        if n not in missing:
            path = root / "images" / "train" / f"i{n}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            sly.image.write(str(path), np.full((6, 8, 3), 10 * n, np.uint8))
    coco = {"images": images, "annotations": boxes, "categories": [{"id": 1, "name": "sign"}]}
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    (root / "annotations" / "instances_train.json").write_text(json.dumps(coco))
    return root


CASES = {
    "warnings": dict(missing=(5, COUNT), bad=(2, 3, 4, 7)),
    "all but one skipped": dict(missing=tuple(range(2, COUNT + 1))),
    "error mid-batch": dict(missing=(COUNT,), bad=(2, 3), wrong_size=(6,)),
    "error first": dict(bad=(2,), wrong_size=(1,)),
}


@pytest.mark.parametrize("batch", [1, 2, 16])
@pytest.mark.parametrize("target", ["coco", "labelme", "yolo", "cvat"])
@pytest.mark.parametrize("case", list(CASES))
def test_attack21_batches_say_and_write_what_one_process_does(
    tmp_path, capsys, monkeypatch, case, target, batch
):
    monkeypatch.setattr(convert_module, "is_small", lambda source: False)
    monkeypatch.setattr(jobs, "BATCH", batch)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    source = coco_input(tmp_path / "in", **CASES[case])
    results = []
    for count in (1, 2, 3, 5):
        out = tmp_path / f"out{count}"
        code = convert_in_process("coco", target, source, out, "--jobs", count)
        said = capsys.readouterr()
        shown = [text.replace(str(out), "OUT") for text in (said.out, said.err)]
        results.append((code, *shown, folder_bytes(out) if out.exists() else None))
    print(case, results[0][:3])
    assert all(result == results[0] for result in results[1:]), [r[:3] for r in results]


def test_attack21_a_jobs_run_keeps_what_load_work_froze(tmp_path, monkeypatch):
    import gc

    from sly_bindings.formats.registry import find

    source = coco_input(tmp_path / "in")
    gc.freeze()  # as cli/main.py's load_work freezes the SDK's objects once imported
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        items = list(jobs.items_in_jobs(find("coco"), source, {}, 2))
        assert len(items) == COUNT
        # Not unfrozen (0): no collection walks them again. Some may have been freed since
        # (a frozen object still goes when its last reference does).
        assert gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()
