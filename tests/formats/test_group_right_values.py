"""Issue 12's right values: groups of several classes, made by Supervisely's own tools or by CVAT,
exported as one object each; a COCO keypoints file round trip."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from supervisely.convert.image.coco import coco_helper
from supervisely.convert.image.image_converter import ImageConverter

from sly_bindings.cli.main import USER_ERRORS, main
from sly_bindings.cli.runner import run
from sly_bindings.formats.coco import coco_to_project
from sly_bindings.formats.coco_export import annotation_to_coco, project_to_coco, write_coco
from sly_bindings.formats.cvat import cvat_image_to_annotation
from sly_bindings.formats.yolo import YoloWarning, annotation_to_yolo
from sly_bindings.groups.validate import find_problems

# pycocotools 2.0.11 under numpy 2 warns about its own __array__ on every decode.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

HEIGHT, WIDTH = 100, 120
# A car in two polygons with its box [10, 50, 80, 30], and a sign with its box.
SDK_COCO = {
    "images": [{"id": 1, "file_name": "street.png", "height": HEIGHT, "width": WIDTH}],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 1000,
         "segmentation": [[12, 52, 40, 52, 40, 78, 12, 78], [55, 55, 88, 55, 88, 79, 55, 79]],
         "bbox": [10, 50, 80, 30]},
        {"id": 2, "image_id": 1, "category_id": 2, "iscrowd": 0, "area": 100,
         "segmentation": [[100, 10, 110, 10, 110, 20, 100, 20]], "bbox": [100, 10, 10, 10]},
    ],
    "categories": [{"id": 1, "name": "car", "supercategory": "car"},
                   {"id": 2, "name": "sign", "supercategory": "sign"}],
}  # fmt: skip


def sdk_imported_project(tmp_path: Path) -> sly.Project:
    """The project the SDK's own COCO import functions make of SDK_COCO."""
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(SDK_COCO))
    coco = COCO(str(path))
    meta = coco_helper.generate_meta_from_annotation(coco)
    item = ImageConverter.Item(
        "street.png", ann_data=SDK_COCO["annotations"], shape=(HEIGHT, WIDTH)
    )
    ann = coco_helper.create_supervisely_annotation(item, meta, SDK_COCO["categories"])
    project = sly.Project(str(tmp_path / "sdk"), sly.OpenMode.CREATE)
    project.set_meta(meta)
    project.create_dataset("ds").add_item_np(
        "street.png", np.zeros((HEIGHT, WIDTH, 3), np.uint8), ann=ann
    )
    return project


def test_a_project_of_the_sdks_coco_import_exports_one_object_per_instance(tmp_path):
    project = sdk_imported_project(tmp_path)
    ann = project.datasets.get("ds").get_ann("street.png", project.meta)
    # What the SDK made: the car's two polygons and its car_bbox under one key, the sign likewise.
    assert sorted(label.obj_class.name for label in ann.labels) == [
        "car", "car", "car_bbox", "sign", "sign_bbox"
    ]  # fmt: skip
    assert len(ann.get_bindings()) == 2

    write_coco(project.directory, str(tmp_path / "ours.json"))
    coco = COCO(str(tmp_path / "ours.json"))
    instances = [coco.anns[number] for number in sorted(coco.anns)]
    assert [coco.cats[i["category_id"]]["name"] for i in instances] == ["car", "sign"]
    assert [i["bbox"] for i in instances] == [[10.0, 50.0, 80.0, 30.0], [100.0, 10.0, 10.0, 10.0]]
    assert len(instances[0]["segmentation"]) == 2  # both polygons, one instance
    assert coco.annToMask(instances[0]).any()

    class_ids = {obj_class.name: i for i, obj_class in enumerate(project.meta.obj_classes)}
    with pytest.warns(YoloWarning, match=r"\(2 car labels\) is 2 separate parts"):
        assert len(annotation_to_yolo(ann, class_ids)) == 2
    detect = annotation_to_yolo(ann, class_ids, task="detect")
    # The car's line is its car_bbox, COCO [10, 50, 80, 30] as Ultralytics' convert_coco writes
    # it (formats.boxes): cx = (10 + 40) / 120, cy = (50 + 15) / 100, w = 80 / 120, h = 30 / 100.
    assert detect[0] == f"{class_ids['car']} 0.416667 0.650000 0.666667 0.300000"
    assert len(detect) == 2

    assert find_problems(ann, "street.png", meta=project.meta) == []


def test_yolo_det_target_of_convert_writes_one_box_per_group(tmp_path, capsys):
    project = sdk_imported_project(tmp_path)
    code = run(
        lambda: main(
            ["convert", "supervisely", "yolo-det", project.directory, str(tmp_path / "y")]
        ),
        USER_ERRORS,
    )
    assert code == 0, capsys.readouterr().err
    lines = (tmp_path / "y" / "labels" / "ds" / "street.txt").read_text().splitlines()
    assert [len(line.split()) for line in lines] == [5, 5]


CVAT_IMAGE = (
    '<image id="0" name="walk.jpg" width="100" height="80">'
    '<box label="person" xtl="10" ytl="5" xbr="50" ybr="75" group_id="3"/>'
    '<box label="hat" xtl="20" ytl="5" xbr="35" ybr="15" group_id="3"/>'
    "</image>"
)


def test_a_cvat_person_and_hat_group_is_one_person_instance_with_the_person_box(tmp_path):
    ann = cvat_image_to_annotation(ET.fromstring(CVAT_IMAGE))
    person = next(label for label in ann.labels if label.obj_class.name == "person")
    project = sly.Project(str(tmp_path / "cvat"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([label.obj_class for label in ann.labels]))
    project.create_dataset("ds").add_item_np("walk.jpg", np.zeros((80, 100, 3), np.uint8), ann=ann)

    (instance,) = project_to_coco(project.directory)["annotations"]

    box = person.geometry
    assert instance["category_id"] == 1  # person, the larger box
    assert instance["bbox"] == [box.left, box.top, box.right - box.left, box.bottom - box.top]


def person_keypoints_file() -> dict:
    """A COCO person-keypoints file: 17 keypoints (some absent, one labelled but hidden), an RLE
    segmentation (its area is its pixel count, as our export counts it) and a bbox."""
    mask = np.zeros((60, 40), np.uint8)
    mask[10:50, 12:28] = 1
    mask[20:30, 5:35] = 1
    rle = mask_utils.encode(np.asfortranarray(mask))
    names = [
        "nose",
        "left_eye",
        "right_eye",
        "left_ear",
        "right_ear",
        "left_shoulder",
        "right_shoulder",
        "left_elbow",
        "right_elbow",
        "left_wrist",
        "right_wrist",
        "left_hip",
        "right_hip",
        "left_knee",
        "right_knee",
        "left_ankle",
        "right_ankle",
    ]
    skeleton = [
        [16, 14],
        [14, 12],
        [17, 15],
        [15, 13],
        [12, 13],
        [6, 12],
        [7, 13],
        [6, 7],
        [6, 8],
        [7, 9],
        [8, 10],
        [9, 11],
        [2, 3],
        [1, 2],
        [1, 3],
        [2, 4],
        [3, 5],
        [4, 6],
        [5, 7],
    ]
    keypoints = []
    for number in range(17):
        visibility = 0 if number in (3, 4) else (1 if number == 9 else 2)
        x, y = (12 + number, 10 + 2 * number) if visibility else (0, 0)
        keypoints += [x, y, visibility]
    return {
        "images": [{"id": 1, "file_name": "walker.png", "height": 60, "width": 40}],
        "annotations": [{
            "id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
            "segmentation": {"size": [60, 40], "counts": rle["counts"].decode("ascii")},
            "area": int(mask_utils.area(rle)), "bbox": [5, 10, 30, 40],
            "keypoints": keypoints, "num_keypoints": 15,
        }],
        "categories": [{"id": 1, "name": "person", "supercategory": "person",
                        "keypoints": names, "skeleton": skeleton}],
    }  # fmt: skip


def test_a_coco_person_keypoints_file_comes_back_with_the_same_keypoints_bbox_and_area(tmp_path):
    original = person_keypoints_file()
    (tmp_path / "in").mkdir()
    sly.image.write(str(tmp_path / "in" / "walker.png"), np.zeros((60, 40, 3), np.uint8))
    (tmp_path / "in" / "person.json").write_text(json.dumps(original))

    coco_to_project(str(tmp_path / "in" / "person.json"), str(tmp_path / "project"))
    project = sly.Project(str(tmp_path / "project"), sly.OpenMode.READ)
    ann = project.datasets.get("person").get_ann("walker.png", project.meta)
    assert sorted(label.obj_class.name for label in ann.labels) == [
        "person", "person_bbox", "person_keypoints"
    ]  # fmt: skip
    assert len({label.binding_key for label in ann.labels}) == 1

    back = project_to_coco(str(tmp_path / "project"))
    (instance,) = back["annotations"]
    (expected,) = original["annotations"]
    for field in ("keypoints", "num_keypoints", "bbox", "area"):
        assert instance[field] == expected[field], field
    category = back["categories"][instance["category_id"] - 1]
    assert category["name"] == "person"
    assert category["keypoints"] == original["categories"][0]["keypoints"]
    assert category["skeleton"] == original["categories"][0]["skeleton"]
    np.testing.assert_array_equal(
        mask_utils.decode(instance["segmentation"]),
        mask_utils.decode(
            {**expected["segmentation"], "counts": expected["segmentation"]["counts"].encode()}
        ),
    )


def test_primary_classes_name_the_leader_of_the_coco_and_yolo_exports():
    ann = cvat_image_to_annotation(ET.fromstring(CVAT_IMAGE))
    hat = next(label for label in ann.labels if label.obj_class.name == "hat").geometry
    category_ids = {"person": 1, "hat": 2}

    (instance,) = annotation_to_coco(ann, 1, category_ids, primary_classes=["hat"])
    assert instance["category_id"] == 2
    assert instance["bbox"] == [hat.left, hat.top, hat.right - hat.left, hat.bottom - hat.top]
    (line,) = annotation_to_yolo(
        ann, {"person": 0, "hat": 1}, task="detect", primary_classes=["hat"]
    )
    assert line.startswith("1 ")
