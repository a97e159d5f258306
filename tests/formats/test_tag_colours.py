"""The tags a reader makes (COCO's iscrowd and ignore, Label Studio's choices, the group_id a
lone shape keeps) have one colour in every run: the SDK picks a random one when none is given,
and a Supervisely project's meta.json then differed from run to run (found by a trial: the
same COCO file converted twice gave two meta.json)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import supervisely as sly

from commands import SLY_BINDINGS
from sly_bindings.formats import labelstudio
from sly_bindings.formats.coco import read as coco_read
from sly_bindings.formats.construct import name_color
from sly_bindings.groups import roles


@pytest.mark.parametrize(
    "tag_meta",
    [
        coco_read.ISCROWD,
        coco_read.IGNORE,
        roles.GROUP_ID_TAG_META,
        labelstudio._tag_meta("weather"),
    ],
    ids=lambda meta: meta.name,
)
def test_a_tag_a_reader_makes_has_its_names_colour(tag_meta):
    assert tag_meta.color == name_color(tag_meta.name)


def test_the_same_coco_file_gives_the_same_meta_in_two_runs(tmp_path):
    folder = tmp_path / "coco"
    (folder / "images").mkdir(parents=True)
    sly.image.write(str(folder / "images" / "a.png"), np.zeros((8, 8, 3), np.uint8))
    coco = {
        "images": [{"id": 1, "file_name": "a.png", "height": 8, "width": 8}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": [1, 1, 3, 3],
                "iscrowd": 1,
                "segmentation": {"size": [8, 8], "counts": [9, 3, 5, 3, 5, 3, 36]},
                "area": 9,
            },
            {
                "id": 2,
                "image_id": 1,
                "category_id": 1,
                "bbox": [5, 5, 2, 2],
                "ignore": 1,
                "segmentation": [[5, 5, 7, 5, 7, 7, 5, 7]],
                "area": 4,
                "iscrowd": 0,
            },
        ],
        "categories": [{"id": 1, "name": "car"}],
    }
    (folder / "annotations.json").write_text(json.dumps(coco), encoding="utf-8")
    metas = []
    for run in ("one", "two"):  # each run a process of its own: the SDK's colour is per process
        out = tmp_path / run
        subprocess.run(
            [*SLY_BINDINGS, "convert", "coco", "supervisely", folder / "annotations.json", out],
            check=True,
            capture_output=True,
        )
        metas.append(json.loads((out / "meta.json").read_text(encoding="utf-8")))
    assert [tag["name"] for tag in metas[0]["tags"]] == ["iscrowd", "ignore"]
    assert metas[0] == metas[1]
