"""Issue 12's and 18's right values: groups of several classes, made by Supervisely's own tools or
by CVAT, exported as their object (fragments and companions) and its parts, each part an object of
its own linked to it (``--merge-groups``: one object each); a COCO keypoints file round trip."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import yaml
import pytest
import supervisely as sly
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from supervisely.convert.image.coco import coco_helper
from supervisely.convert.image.image_converter import ImageConverter

from sly_bindings.cli.main import USER_ERRORS, main
from sly_bindings.cli.runner import run
from sly_bindings.formats.coco.read import coco_to_annotation, coco_to_project
from sly_bindings.formats.coco.write import (
    GROUP_ID_ATTRIBUTE,
    CocoExportWarning,
    annotation_to_coco,
    project_to_coco,
    write_coco,
)
from sly_bindings.formats.cvat import cvat_image_to_annotation
from sly_bindings.formats.yolo import YoloWarning, annotation_to_yolo
from sly_bindings.groups.validate import find_problems

from registry_tables import GROUP_FORMATS

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
    # Every category can hold an instance: car_bbox and sign_bbox became bboxes (issue 18); the
    # others keep their ids, the meta's positions.
    meta_ids = {c.name: i for i, c in enumerate(project.meta.obj_classes, start=1)}
    assert sorted((c["name"], c["id"]) for c in coco.dataset["categories"]) == [
        ("car", meta_ids["car"]),
        ("sign", meta_ids["sign"]),
    ]
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


def coco_box(geometry: sly.Rectangle) -> list:
    return [
        geometry.left,
        geometry.top,
        geometry.right - geometry.left,
        geometry.bottom - geometry.top,
    ]


def test_a_cvat_person_and_hat_group_is_a_person_and_a_hat_instance_linked(tmp_path):
    ann = cvat_image_to_annotation(ET.fromstring(CVAT_IMAGE))
    person = next(label for label in ann.labels if label.obj_class.name == "person")
    hat = next(label for label in ann.labels if label.obj_class.name == "hat")
    project = sly.Project(str(tmp_path / "cvat"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([label.obj_class for label in ann.labels]))
    project.create_dataset("ds").add_item_np("walk.jpg", np.zeros((80, 100, 3), np.uint8), ann=ann)
    names = {obj_class.name: i for i, obj_class in enumerate(project.meta.obj_classes, start=1)}

    person_instance, hat_instance = project_to_coco(project.directory)["annotations"]

    assert person_instance["category_id"] == names["person"]  # the larger box leads
    assert person_instance["bbox"] == coco_box(person.geometry)
    assert hat_instance["category_id"] == names["hat"]
    assert hat_instance["bbox"] == coco_box(hat.geometry)
    link = {GROUP_ID_ATTRIBUTE: person_instance["id"]}
    assert person_instance["attributes"] == hat_instance["attributes"] == link


def test_a_cvat_person_and_hat_group_merged_is_one_person_instance_with_the_person_box(tmp_path):
    ann = cvat_image_to_annotation(ET.fromstring(CVAT_IMAGE))
    person = next(label for label in ann.labels if label.obj_class.name == "person")
    category_ids = {"person": 1, "hat": 2}

    with pytest.warns(CocoExportWarning, match=r"one person instance \(--merge-groups\).*hat"):
        (instance,) = annotation_to_coco(ann, 1, category_ids, merge_groups=True)

    assert instance["category_id"] == 1
    assert instance["bbox"] == coco_box(person.geometry)
    assert "attributes" not in instance


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

    with pytest.warns(CocoExportWarning, match="person is not kept"):
        (instance,) = annotation_to_coco(
            ann, 1, category_ids, primary_classes=["hat"], merge_groups=True
        )
    assert instance["category_id"] == 2
    assert instance["bbox"] == coco_box(hat)
    with pytest.warns(YoloWarning, match="person is not kept"):
        (line,) = annotation_to_yolo(
            ann, {"person": 0, "hat": 1}, task="detect", primary_classes=["hat"], merge_groups=True
        )
    assert line.startswith("1 ")
    # Without --merge-groups the hat leads and the person is its part: both kept, hat first.
    hat_instance, person_instance = annotation_to_coco(
        ann, 1, category_ids, primary_classes=["hat"]
    )
    assert [hat_instance["category_id"], person_instance["category_id"]] == [2, 1]
    lines = annotation_to_yolo(ann, {"person": 0, "hat": 1}, task="detect", primary_classes=["hat"])
    assert [line.split()[0] for line in lines] == ["1", "0"]


# Issue 18: a person polygon, the head inside it and two hands, bound (auto-bind's result).
PERSON, HEAD, HAND = (sly.ObjClass(name, sly.Polygon) for name in ("person", "head", "hand"))
BODY_SIZE = (100, 80)


def square(top: int, left: int, bottom: int, right: int) -> sly.Polygon:
    """A box with one corner cut: a polygon (the COCO reader reads 4 box corners as a box)."""
    middle = (top + bottom) // 2
    corners = ((top, left), (top, right), (bottom, right), (bottom, left + 2), (middle, left))
    return sly.Polygon([sly.PointLocation(row, col) for row, col in corners])


def person_group(key: str = "p1") -> sly.Annotation:
    labels = [
        sly.Label(square(5, 20, 95, 60), PERSON, binding_key=key),
        sly.Label(square(8, 32, 24, 48), HEAD, binding_key=key),
        sly.Label(square(45, 10, 55, 19), HAND, binding_key=key),
        sly.Label(square(45, 61, 55, 70), HAND, binding_key=key),
    ]
    return sly.Annotation(BODY_SIZE, labels)


PERSON_IDS = {"person": 1, "head": 2, "hand": 3}


def test_a_person_with_head_and_hands_is_four_coco_instances_each_its_own_polygon():
    ann = person_group()
    instances = annotation_to_coco(ann, 1, PERSON_IDS)

    assert [i["category_id"] for i in instances] == [1, 2, 3, 3]
    for instance, label in zip(instances, ann.labels):
        # each its own polygon: the person's segmentation does not swallow the head
        assert instance["segmentation"] == [label.geometry.exterior_np[:, ::-1].ravel().tolist()]
    assert {i["attributes"][GROUP_ID_ATTRIBUTE] for i in instances} == {instances[0]["id"]}


def test_the_four_coco_instances_read_back_as_one_group_of_four():
    ann = person_group()
    instances = annotation_to_coco(ann, 7, PERSON_IDS)
    image = {"id": 7, "file_name": "walk.png", "height": BODY_SIZE[0], "width": BODY_SIZE[1]}
    names = {number: name for name, number in PERSON_IDS.items()}

    back = coco_to_annotation(image, instances, names)

    assert [label.obj_class.name for label in back.labels] == ["person", "head", "hand", "hand"]
    assert len({label.binding_key for label in back.labels}) == 1
    assert back.labels[0].binding_key is not None
    assert [label.geometry.to_json() for label in back.labels] == [
        label.geometry.to_json() for label in ann.labels
    ]


def test_a_coco_instance_linked_to_nothing_else_reads_unbound():
    image = {"id": 1, "file_name": "a.png", "height": 10, "width": 10}
    lone = {"id": 4, "category_id": 1, "segmentation": [[1, 1, 5, 1, 5, 5]],
            "attributes": {GROUP_ID_ATTRIBUTE: 4}}  # fmt: skip
    (label,) = coco_to_annotation(image, [lone], {1: "car"}).labels
    assert label.binding_key is None


def test_a_person_with_head_and_hands_is_four_yolo_lines_and_one_merged():
    ann = person_group()
    ids = {"person": 0, "head": 1, "hand": 2}

    lines = annotation_to_yolo(ann, ids)
    assert [line.split()[0] for line in lines] == ["0", "1", "2", "2"]
    assert len(annotation_to_yolo(ann, ids, task="detect")) == 4

    with pytest.warns(YoloWarning, match=r"one person line \(--merge-groups\).*head, hand"):
        (line,) = annotation_to_yolo(ann, ids, merge_groups=True)
    assert line.startswith("0 ")


def test_a_person_with_head_and_hands_merged_is_one_person_instance():
    with pytest.warns(CocoExportWarning, match="head, hand are not kept"):
        (instance,) = annotation_to_coco(person_group(), 1, PERSON_IDS, merge_groups=True)
    assert instance["category_id"] == 1
    assert "attributes" not in instance


def test_primary_class_head_makes_the_head_the_object_and_keeps_the_others():
    ann = person_group()
    instances = annotation_to_coco(ann, 1, PERSON_IDS, primary_classes=["head"])

    assert [i["category_id"] for i in instances] == [2, 1, 3, 3]  # the head first: the object
    head = ann.labels[1].geometry
    assert instances[0]["segmentation"] == [head.exterior_np[:, ::-1].ravel().tolist()]
    person = ann.labels[0].geometry
    assert instances[1]["segmentation"] == [person.exterior_np[:, ::-1].ravel().tolist()]
    assert {i["attributes"][GROUP_ID_ATTRIBUTE] for i in instances} == {instances[0]["id"]}


def test_our_coco_loads_in_pycocotools_with_the_links(tmp_path):
    ann = person_group()
    project = sly.Project(str(tmp_path / "people"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([PERSON, HEAD, HAND]))
    image = np.zeros((*BODY_SIZE, 3), np.uint8)
    project.create_dataset("ds").add_item_np("walk.png", image, ann=ann)

    write_coco(project.directory, str(tmp_path / "people.json"))
    coco = COCO(str(tmp_path / "people.json"))

    anns = coco.loadAnns(coco.getAnnIds(imgIds=[1]))
    assert [coco.cats[a["category_id"]]["name"] for a in anns] == ["person", "head", "hand", "hand"]
    assert len({a["attributes"][GROUP_ID_ATTRIBUTE] for a in anns}) == 1
    masks = [coco.annToMask(a) for a in anns]
    assert all(mask.any() for mask in masks)
    assert len(coco.getAnnIds(catIds=[coco.getCatIds(catNms=["hand"])[0]])) == 2


@pytest.mark.parametrize("merge", [False, True])
def test_convert_supervisely_to_coco_and_yolo_keeps_heads_and_hands(tmp_path, capsys, merge):
    project = sly.Project(str(tmp_path / "people"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([PERSON, HEAD, HAND]))
    image = np.zeros((*BODY_SIZE, 3), np.uint8)
    project.create_dataset("ds").add_item_np("walk.png", image, ann=person_group())
    flag = ["--merge-groups"] if merge else []

    for target in ("coco", "yolo"):
        out = tmp_path / target
        code = run(
            lambda: main(["convert", "supervisely", target, project.directory, str(out)] + flag),
            USER_ERRORS,
        )
        assert code == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    coco = json.loads((tmp_path / "coco" / "annotations" / "instances_ds.json").read_text())
    lines = (tmp_path / "yolo" / "labels" / "ds" / "walk.txt").read_text().splitlines()
    assert len(coco["annotations"]) == len(lines) == (1 if merge else 4)
    assert ("head, hand are not kept" in err) == merge


def class_groups(project_dir: Path) -> dict:
    """Image -> the groups of two or more labels, each as its sorted class names (a key shared
    by a single label is no group)."""
    project = sly.Project(str(project_dir), sly.OpenMode.READ)
    found = {}
    for dataset in project.datasets:
        for name in dataset.get_items_names():
            ann = dataset.get_ann(name, project.meta)
            groups = [
                sorted(label.obj_class.name for label in labels)
                for key, labels in ann.get_bindings().items()
                if key is not None and len(labels) > 1
            ]
            found[f"{dataset.name}/{name}"] = sorted(groups)
    return found


def label_groups(project_dir: Path) -> dict:
    """Image -> its objects exactly: each group (an unbound label: a group of one) as the sorted
    ``(class, geometry, box)`` of its labels, the box ``[[left, top], [right, bottom]]``."""
    project = sly.Project(str(project_dir), sly.OpenMode.READ)
    found = {}
    for dataset in project.datasets:
        for name in dataset.get_items_names():
            ann = dataset.get_ann(name, project.meta)
            groups = []
            for key, labels in ann.get_bindings().items():
                members = [
                    (
                        label.obj_class.name,
                        label.geometry.geometry_name(),
                        str(label.geometry.to_bbox().to_json()["points"]["exterior"]),
                    )
                    for label in labels
                ]
                groups.extend([[member] for member in members] if key is None else [members])
            found[f"{dataset.name}/{name}"] = sorted(sorted(group) for group in groups)
    return found


def split_by_class(groups: dict) -> dict:
    """``groups`` (of :func:`label_groups`) with each group split into one group per class:
    LabelMe's instance rule, shapes of one ``label`` and ``group_id``."""
    return {
        image: sorted(
            sorted(member for member in group if member[0] == name)
            for group in objects
            for name in dict.fromkeys(member[0] for member in group)
        )
        for image, objects in groups.items()
    }


def people_project(project_dir: Path) -> Path:
    """A project of one image: the person with head and hands (:func:`person_group`), and a
    second person, unbound."""
    project = sly.Project(str(project_dir), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([PERSON, HEAD, HAND]))
    ann = person_group().add_label(sly.Label(square(60, 65, 90, 75), PERSON))
    project.create_dataset("ds").add_item_np(
        "walk.png", np.zeros((*BODY_SIZE, 3), np.uint8), ann=ann
    )
    return Path(project.directory)


@pytest.mark.parametrize("target", GROUP_FORMATS)
@pytest.mark.parametrize("test_project", ["bound", "people"])
def test_supervisely_to_target_and_back_keeps_every_group(tmp_path, capsys, target, test_project):
    """Issue 18: Supervisely -> COCO, CVAT, Label Studio -> Supervisely keeps every group of the
    test projects exactly (its labels, their classes, geometries and boxes); LabelMe keeps every
    group of one class and, by its own instance rule (one ``label`` and ``group_id``), reads a
    group of two classes back as one group per class, as its writer warns."""
    from bound_projects import write_local_project

    if test_project == "bound":
        original = write_local_project(tmp_path / "bound")
        assert class_groups(original)["ds0/odd.png"] == [["car", "person"]]  # two classes
    else:
        original = people_project(tmp_path / "people")
        assert class_groups(original)["ds/walk.png"] == [["hand", "hand", "head", "person"]]
    for args in (
        ["convert", "supervisely", target, str(original), str(tmp_path / target)],
        ["convert", target, "supervisely", str(tmp_path / target), str(tmp_path / "back")],
    ):
        assert run(lambda: main(args), USER_ERRORS) == 0, capsys.readouterr().err
    expected = label_groups(original)
    if target == "labelme":
        assert "LabelMe groups shapes by label and group_id" in capsys.readouterr().err
        expected = split_by_class(expected)
    assert label_groups(tmp_path / "back") == expected


def test_an_object_of_a_box_and_keypoints_is_a_yolo_line_and_one_coco_instance():
    # The SDK's COCO keypoints import binds GraphNodes person to its person_bbox (issue 18).
    from supervisely.geometry.graph import KeypointsTemplate, Node

    template = KeypointsTemplate()
    for name in ("nose", "tail"):
        template.add_point(label=name, row=0, col=0)
    person = sly.ObjClass("person", sly.GraphNodes, geometry_config=template)
    person_bbox = sly.ObjClass("person_bbox", sly.Rectangle)
    nodes = {"nose": Node(sly.PointLocation(2, 3)), "tail": Node(sly.PointLocation(6, 5))}
    ann = sly.Annotation(
        (10, 10),
        [
            sly.Label(sly.GraphNodes(nodes), person, binding_key="k"),
            sly.Label(sly.Rectangle(1, 2, 7, 6), person_bbox, binding_key="k"),
        ],
    )
    with pytest.warns(YoloWarning, match="graph skipped"):
        (line,) = annotation_to_yolo(ann, {"person": 0, "person_bbox": 1})
    assert line == "0 0.200000 0.100000 0.600000 0.100000 0.600000 0.700000 0.200000 0.700000"
    (instance,) = annotation_to_coco(ann, 1, {"person": 1, "person_bbox": 2})
    assert instance["category_id"] == 1
    assert instance["bbox"] == [2.0, 1.0, 4.0, 6.0]
    assert instance["keypoints"] == [3, 2, 2, 5, 6, 2]


FACES = {
    "images": [{"id": 1, "file_name": "a.png", "height": 20, "width": 20}],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "segmentation": [], "area": 60,
         "bbox": [2, 3, 6, 10], "keypoints": [3, 4, 2, 6, 10, 2], "num_keypoints": 2},
        {"id": 2, "image_id": 1, "category_id": 2, "iscrowd": 0, "area": 25,
         "segmentation": [[10, 10, 15, 10, 15, 15, 10, 15]], "bbox": [10, 10, 5, 5]},
    ],
    "categories": [
        {"id": 1, "name": "face", "supercategory": "face", "keypoints": ["nose", "chin"],
         "skeleton": [[1, 2]]},
        {"id": 2, "name": "car", "supercategory": "car"},
    ],
}  # fmt: skip


def test_a_keypoints_only_instance_comes_back_under_its_own_category(tmp_path, capsys):
    """Issue 18: a COCO keypoints instance (no segmentation) -> Supervisely (its face_bbox and
    face_keypoints, bound) -> COCO is one ``face`` instance again, with its box and keypoints,
    and no ``face_keypoints`` or ``face_bbox`` category; YOLO writes its box as a ``face`` line."""
    (tmp_path / "in" / "images").mkdir(parents=True)
    (tmp_path / "in" / "faces.json").write_text(json.dumps(FACES))
    sly.image.write(str(tmp_path / "in" / "images" / "a.png"), np.zeros((20, 20, 3), np.uint8))
    for args in (
        [
            "convert",
            "coco",
            "supervisely",
            str(tmp_path / "in" / "faces.json"),
            str(tmp_path / "sly"),
        ],
        ["convert", "supervisely", "coco", str(tmp_path / "sly"), str(tmp_path / "coco")],
        ["convert", "supervisely", "yolo", str(tmp_path / "sly"), str(tmp_path / "yolo")],
    ):
        assert run(lambda: main(args), USER_ERRORS) == 0, capsys.readouterr().err

    (path,) = (tmp_path / "coco" / "annotations").glob("*.json")
    coco = COCO(str(path))
    assert [(c["id"], c["name"]) for c in coco.loadCats(coco.getCatIds())] == [
        (1, "face"), (2, "car")
    ]  # fmt: skip
    assert coco.cats[1]["keypoints"] == ["nose", "chin"] and coco.cats[1]["skeleton"] == [[1, 2]]
    face, car = coco.loadAnns(coco.getAnnIds())
    assert (face["category_id"], face["bbox"], face["keypoints"]) == (
        1, [2.0, 3.0, 6.0, 10.0], [3, 4, 2, 6, 10, 2]
    )  # fmt: skip
    assert car["category_id"] == 2
    names = yaml.safe_load((tmp_path / "yolo" / "data.yaml").read_text())["names"]
    assert names == {0: "face", 1: "car"}
    lines = next((tmp_path / "yolo" / "labels").rglob("a.txt")).read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["0", "1"]
