"""Attack on issue 21: read_json(shared=True) (a COCO file parsed once per run) keeps what
each read says: its repeated-key warning is given every time the file is read, in every run
of one process, and no COCO reader changes the parse it shares."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path

import numpy as np
import supervisely as sly

from commands import convert_in_process
from sly_bindings.files.project_folder import JsonKeyWarning, read_json
from sly_bindings.formats.coco import declared_classes
from sly_bindings.formats.coco.read import coco_items


def repeated_key_coco(folder: Path) -> Path:
    sly.image.write(str(folder / "a.png"), np.zeros((4, 4, 3), np.uint8))
    text = (
        '{"images": [{"id": 1, "file_name": "a.png", "height": 4, "width": 4}],'
        ' "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2],'
        ' "bbox": [0, 0, 3, 3]}],'
        ' "categories": [{"id": 1, "name": "car"}]}'
    )
    path = folder / "street.json"
    path.write_text(text, encoding="utf-8")
    return path


def key_warnings(read) -> list:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read()
    return [str(w.message) for w in caught if issubclass(w.category, JsonKeyWarning)]


def test_attack21_a_shared_read_warns_its_repeated_key_each_time(tmp_path):
    path = repeated_key_coco(tmp_path)

    plain = [key_warnings(lambda: read_json(path)) for _ in range(2)]
    shared = [key_warnings(lambda: read_json(path, shared=True)) for _ in range(2)]

    assert plain[0] and shared == plain


def test_attack21_two_runs_in_one_process_say_the_same(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    path = repeated_key_coco(tmp_path / "in")
    said = []
    for run in range(2):
        out = tmp_path / f"out{run}"
        assert convert_in_process("coco", "yolo", path, out) == 0
        said.append(capsys.readouterr().err.replace(str(out), "OUT"))
    assert "bbox" in said[0] and said[1] == said[0]


def test_attack21_reading_a_coco_file_leaves_its_shared_parse_as_it_was(tmp_path):
    path = repeated_key_coco(tmp_path)
    coco = json.loads(path.read_text())
    coco["annotations"] += [  # crowd RLE, compressed RLE, polygon, keypoints, linked group
        {
            "id": 2,
            "image_id": 1,
            "category_id": 1,
            "iscrowd": 1,
            "segmentation": {"size": [4, 4], "counts": [0, 4, 12]},
            "group_id": 7,
        },
        {
            "id": 3,
            "image_id": 1,
            "category_id": 1,
            "segmentation": {"size": [4, 4], "counts": "04<"},
            "group_id": 7,
        },
        {
            "id": 4,
            "image_id": 1,
            "category_id": 2,
            "segmentation": [[0, 0, 3, 0, 3, 3]],
            "keypoints": [1, 1, 2, 2, 2, 2],
            "num_keypoints": 2,
            "bbox": [0, 0, 3, 3],
        },
    ]
    coco["categories"].append(
        {"id": 2, "name": "person", "keypoints": ["a", "b"], "skeleton": [[1, 2]]}
    )
    path.write_text(json.dumps(coco), encoding="utf-8")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        declared_classes(path)
        kept = read_json(path, shared=True)
        before = copy.deepcopy(kept)
        items = list(coco_items(str(path)))

    assert items and read_json(path, shared=True) is kept
    assert kept == before


def test_attack21_one_and_two_jobs_warn_a_repeated_key_alike(tmp_path, capsys, monkeypatch):
    import sly_bindings.cli.convert as convert_module

    monkeypatch.setattr(convert_module, "is_small", lambda source: False)
    (tmp_path / "in").mkdir()
    path = repeated_key_coco(tmp_path / "in")
    said = []
    for count in (1, 2):
        out = tmp_path / f"out{count}"
        assert convert_in_process("coco", "coco", path, out, "--jobs", count) == 0
        said.append(capsys.readouterr().err.replace(str(out), "OUT"))
    assert "bbox" in said[0] and said[1] == said[0]
