"""Issue 17, kind 5: what a COCO file says is kept and written back, or named in a warning.

- MMDetection's ``ignore: 1`` (its ``CocoDataset`` leaves such an instance out of training):
  read as the tag ``ignore``, written back as ``ignore: 1``;
- a crowd region in a keypoints file (COCO's ``person_keypoints_*.json`` give crowds keypoints
  of all zeros): read as a crowd (tag ``iscrowd``, unbound), not a keypoints group bound to its
  box, and written back as a crowd with the ``keypoints``/``num_keypoints`` COCOeval reads;
- ``num_keypoints``, the visibility flags ``v`` and the category's ``skeleton``: a file that
  pycocotools' ``COCOeval(..., "keypoints")`` reads gives the same evaluation after a round
  trip through our reader and writer.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from sly_bindings.formats.coco import CocoWarning
from registry_tables import declared, read, write

HEIGHT, WIDTH = 40, 40
KEYPOINTS = ["nose", "left_eye", "right_eye", "left_ear", "right_ear"]


def _crowd_rle() -> dict:
    mask = np.zeros((HEIGHT, WIDTH), np.uint8, order="F")
    mask[30:38, 2:20] = 1
    rle = mask_utils.encode(mask)
    return {"size": rle["size"], "counts": rle["counts"].decode("ascii")}


def _keypoints_file(folder: Path) -> Path:
    """A ``person_keypoints_val.json`` as COCO's: people with keypoints, one crowd region."""
    for name in ("a.png", "b.png"):
        path = folder / "images" / "val" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sly.image.write(str(path), np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    person = {
        "id": 1,
        "name": "person",
        "supercategory": "person",
        "keypoints": KEYPOINTS,
        "skeleton": [[1, 2], [1, 3], [2, 4], [3, 5]],
    }
    annotations = [
        {  # all five labelled, two of them not visible (v = 1)
            "id": 1,
            "image_id": 1,
            "category_id": 1,
            "iscrowd": 0,
            "segmentation": [[4, 4, 16, 4, 16, 20, 4, 20]],
            "area": 192,
            "bbox": [4, 4, 12, 16],
            "keypoints": [10, 6, 2, 8, 5, 2, 12, 5, 1, 6, 6, 2, 14, 6, 1],
            "num_keypoints": 5,
        },
        {  # two labelled, three not (v = 0)
            "id": 2,
            "image_id": 1,
            "category_id": 1,
            "iscrowd": 0,
            "segmentation": [[22, 4, 34, 4, 34, 24, 22, 24]],
            "area": 240,
            "bbox": [22, 4, 12, 20],
            "keypoints": [28, 8, 2, 0, 0, 0, 0, 0, 0, 25, 9, 2, 0, 0, 0],
            "num_keypoints": 2,
        },
        {  # a crowd of people: keypoints all 0, as in COCO's own file
            "id": 3,
            "image_id": 1,
            "category_id": 1,
            "iscrowd": 1,
            "segmentation": _crowd_rle(),
            "area": 144,
            "bbox": [2, 30, 18, 8],
            "keypoints": [0] * 15,
            "num_keypoints": 0,
        },
        {
            "id": 4,
            "image_id": 2,
            "category_id": 1,
            "iscrowd": 0,
            "segmentation": [[10, 10, 30, 10, 30, 30, 10, 30]],
            "area": 400,
            "bbox": [10, 10, 20, 20],
            "keypoints": [20, 12, 2, 18, 11, 2, 22, 11, 2, 16, 12, 1, 24, 12, 2],
            "num_keypoints": 5,
        },
    ]
    coco = {
        "images": [
            {"id": 1, "file_name": "a.png", "height": HEIGHT, "width": WIDTH},
            {"id": 2, "file_name": "b.png", "height": HEIGHT, "width": WIDTH},
        ],
        "annotations": annotations,
        "categories": [person],
    }
    path = folder / "annotations" / "person_keypoints_val.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(coco))
    return path


def _round_trip(source: Path, out: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        items = read("coco", source)
        write("coco", items, out, declared("coco", source))
    (written,) = sorted((out / "annotations").glob("*.json"))
    return items, written


def _evaluate(gt_path: Path, detections_of) -> list:
    """COCOeval's keypoints stats of ``gt_path`` for the detections ``detections_of(gt)``."""
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(gt_path))
        dt = gt.loadRes(detections_of(gt))
        evaluation = COCOeval(gt, dt, "keypoints")
        evaluation.params.kpt_oks_sigmas = np.full(len(KEYPOINTS), 0.05)  # 17 by default
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return [round(float(value), 6) for value in evaluation.stats]


def _detections(reference: COCO, shift: int):
    """Detections of the people of ``reference``'s file, moved by ``shift`` pixels, as
    results for any file of the same images (matched by ``file_name``, category by name)."""
    people = [
        annotation
        for annotation in reference.dataset["annotations"]
        if not annotation["iscrowd"] and annotation["num_keypoints"] > 0
    ]
    names = {image["id"]: image["file_name"] for image in reference.dataset["images"]}

    def of(gt: COCO):
        image_ids = {image["file_name"]: image["id"] for image in gt.dataset["images"]}
        (category_id,) = gt.getCatIds(catNms=["person"])
        results = []
        for person in people:
            keypoints = copy.copy(person["keypoints"])
            keypoints[0::3] = [x + shift for x in keypoints[0::3]]
            results.append(
                {
                    "image_id": image_ids[names[person["image_id"]]],
                    "category_id": category_id,
                    "keypoints": keypoints,
                    "score": 0.9,
                }
            )
        return results

    return of


@pytest.mark.parametrize("shift", [0, 1])
def test_cocoeval_keypoints_reads_the_same_after_a_round_trip(tmp_path, shift):
    source = _keypoints_file(tmp_path / "in")
    _, written = _round_trip(tmp_path / "in", tmp_path / "out")
    with contextlib.redirect_stdout(io.StringIO()):
        reference = COCO(str(source))

    before = _evaluate(source, _detections(reference, shift))
    after = _evaluate(written, _detections(reference, shift))

    assert after == before
    assert before[0] > 0


def test_visibility_flags_num_keypoints_and_skeleton_come_back(tmp_path):
    source = _keypoints_file(tmp_path / "in")
    _, written = _round_trip(tmp_path / "in", tmp_path / "out")
    original, back = json.loads(source.read_text()), json.loads(written.read_text())

    (person,) = [c for c in back["categories"] if c["name"] == "person"]
    assert person["keypoints"] == KEYPOINTS
    assert person["skeleton"] == original["categories"][0]["skeleton"]
    key = lambda a: (a["image_id"], a["bbox"])  # noqa: E731
    assert sorted(
        (key(a), a["keypoints"], a["num_keypoints"], a["iscrowd"]) for a in back["annotations"]
    ) == sorted(
        (key(a), a["keypoints"], a["num_keypoints"], a["iscrowd"]) for a in original["annotations"]
    )


def test_a_crowd_in_a_keypoints_file_stays_a_crowd_and_unbound(tmp_path):
    _keypoints_file(tmp_path / "in")
    items, _ = _round_trip(tmp_path / "in", tmp_path / "out")

    crowd = [
        label
        for item in items
        for label in item.ann.labels
        if label.tags.get("iscrowd") is not None
    ]
    assert [(label.geometry.geometry_name(), label.binding_key) for label in crowd] == [
        ("bitmap", None)
    ]


def test_mmdetection_s_ignore_is_kept_and_written_back(tmp_path):
    folder = tmp_path / "in"
    (folder / "images").mkdir(parents=True)
    sly.image.write(str(folder / "images" / "a.png"), np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    coco = {
        "images": [{"id": 1, "file_name": "a.png", "height": HEIGHT, "width": WIDTH}],
        "annotations": [
            {
                "id": i,
                "image_id": 1,
                "category_id": 1,
                "iscrowd": 0,
                "segmentation": [[x, 2, x + 8, 2, x + 8, 10, x, 10]],
                "bbox": [x, 2, 8, 8],
                "area": 64,
                **({"ignore": 1} if ignored else {}),
            }
            for i, (x, ignored) in enumerate([(2, True), (20, False)], start=1)
        ],
        "categories": [{"id": 1, "name": "car"}],
    }
    (folder / "annotations.json").write_text(json.dumps(coco))

    items, written = _round_trip(folder, tmp_path / "out")

    labels = [label for item in items for label in item.ann.labels]
    assert [label.tags.get("ignore") is not None for label in labels] == [True, False]
    back = json.loads(written.read_text())["annotations"]
    assert [(a["bbox"][0], a.get("ignore", 0)) for a in back] == [(2.0, 1), (20.0, 0)]


def test_a_num_keypoints_that_is_not_the_count_is_named(tmp_path):
    source = _keypoints_file(tmp_path / "in")
    coco = json.loads(source.read_text())
    coco["annotations"][0]["num_keypoints"] = 4
    source.write_text(json.dumps(coco))

    with pytest.warns(CocoWarning, match="num_keypoints: 4, but 5 keypoints have v > 0"):
        read("coco", tmp_path / "in")
