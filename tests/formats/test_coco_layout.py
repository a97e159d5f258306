"""The COCO writer's layout and its bbox/area convention, read with pycocotools (issue 13).

``annotations/instances_<dataset>.json`` + ``images/<dataset>/<image>`` (CVAT, Datumaro,
MMDetection); in every instance ``bbox`` and ``area`` are ``mask.toBbox`` and ``mask.area`` of
the segmentation written, as pycocotools reads it; a crowd is written back as ``iscrowd: 1``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from bound_projects import write_local_project
from format_samples import make_demo_project, make_sample_project, project_objects
from sly_bindings.formats.coco.read import ISCROWD, coco_to_project
from sly_bindings.formats.coco.write import annotation_to_coco, write_coco_layout
from sly_bindings.groups.roles import decompose_group
from bindings import annotation_objects

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def segmentation_rle(instance: dict, height: int, width: int) -> dict:
    """The instance's segmentation as pycocotools reads it (``COCO.annToRLE``)."""
    segmentation = instance["segmentation"]
    if isinstance(segmentation, list):
        return mask_utils.merge(mask_utils.frPyObjects(segmentation, height, width))
    return segmentation


def own_box_instances(project_dir: Path) -> set:
    """(subset, image name, instance index) of the objects whose bbox is the leader's own box."""
    project = sly.Project(str(project_dir), sly.OpenMode.READ)
    found = set()
    for dataset in project.datasets:
        for item_name in dataset.get_items_names():
            ann = dataset.get_ann(item_name, project.meta)
            for index, labels in enumerate(annotation_objects(ann)):
                if len(decompose_group(labels).boxes) == 1:
                    found.add((dataset.name, item_name, index))
    return found


@pytest.mark.parametrize(
    "make",
    [make_demo_project, make_sample_project, lambda path: write_local_project(path)],
    ids=["demo", "sample", "bound"],
)
def test_every_instance_agrees_with_its_segmentation_as_pycocotools_reads_it(tmp_path, make):
    project_dir = make(tmp_path / "project")
    written = write_coco_layout(str(project_dir), str(tmp_path / "coco"))
    own_boxes_at = own_box_instances(project_dir)

    checked = 0
    for subset, coco_dict in written.items():
        json_path = tmp_path / "coco" / "annotations" / f"instances_{subset}.json"
        assert json.loads(json_path.read_text()) == coco_dict
        coco = COCO(str(json_path))
        for image in coco.loadImgs(coco.getImgIds()):
            assert (tmp_path / "coco" / "images" / subset / image["file_name"]).is_file()
            instances = coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))
            for index, instance in enumerate(instances):
                rle = segmentation_rle(instance, image["height"], image["width"])
                assert instance["area"] == int(mask_utils.area(rle))
                np.testing.assert_array_equal(coco.annToMask(instance), mask_utils.decode(rle))
                if (subset, image["file_name"], index) not in own_boxes_at:
                    assert instance["bbox"] == mask_utils.toBbox(rle).tolist()
                checked += 1
    assert checked > 0


def test_the_issue_s_rectangle_is_written_as_pycocotools_reads_it():
    # Issue 13: a rectangle (5,5)-(14,14) was written with bbox [5,5,10,10] and area 100, but
    # its segmentation reads as [5,5,9,9] and 81. The SDK's convention: [x, y, w, h] is the
    # Rectangle top=y, left=x, bottom=y+h, right=x+w.
    sign = sly.ObjClass("sign", sly.Rectangle)
    ann = sly.Annotation((20, 20), [sly.Label(sly.Rectangle(5, 5, 14, 14), sign)])
    [instance] = annotation_to_coco(ann, 1, {"sign": 1})
    assert instance["segmentation"] == [[5.0, 5.0, 14.0, 5.0, 14.0, 14.0, 5.0, 14.0]]
    assert (instance["bbox"], instance["area"]) == ([5.0, 5.0, 9.0, 9.0], 81)


@pytest.mark.parametrize(
    "rows, bbox, area",
    [
        # A mask's box spans its pixels: w and h are numbers of columns and rows (the SDK's
        # own export writes them one pixel narrow).
        ([[1]], [2.0, 1.0, 1.0, 1.0], 1),
        ([[1, 1, 1], [0, 0, 1]], [2.0, 1.0, 3.0, 2.0], 4),
        ([[1, 0, 0], [0, 0, 0], [0, 0, 1]], [2.0, 1.0, 3.0, 3.0], 2),
    ],
)
def test_a_mask_takes_its_bbox_and_area_from_its_pixels(rows, bbox, area):
    car = sly.ObjClass("car", sly.Bitmap)
    pixels = np.array(rows, bool)
    label = sly.Label(sly.Bitmap(pixels, sly.PointLocation(1, 2)), car)
    [instance] = annotation_to_coco(sly.Annotation((8, 8), [label]), 1, {"car": 1})
    assert (instance["bbox"], instance["area"]) == (bbox, area)
    assert mask_utils.toBbox(instance["segmentation"]).tolist() == bbox


def test_a_crowd_is_written_back_as_iscrowd_with_rle(tmp_path):
    person = sly.ObjClass("person", sly.Polygon)
    crowd = sly.Label(
        sly.Polygon([sly.PointLocation(r, c) for r, c in ((1, 1), (1, 6), (6, 6), (6, 1))]),
        person,
        tags=sly.TagCollection([sly.Tag(ISCROWD)]),
    )
    single = sly.Label(
        sly.Polygon([sly.PointLocation(r, c) for r, c in ((0, 0), (0, 3), (3, 0))]), person
    )
    project = sly.Project(str(tmp_path / "people"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([person], tag_metas=[ISCROWD]))
    ann = sly.Annotation((8, 8), [crowd, single])
    project.create_dataset("val").add_item_np("a.png", np.zeros((8, 8, 3), np.uint8), ann=ann)

    written = write_coco_layout(project.directory, str(tmp_path / "coco"))

    crowd_instance, single_instance = written["val"]["annotations"]
    assert (crowd_instance["iscrowd"], single_instance["iscrowd"]) == (1, 0)
    assert isinstance(crowd_instance["segmentation"], dict)  # RLE, as COCO writes a crowd
    assert isinstance(single_instance["segmentation"], list)
    assert crowd_instance["area"] == int(mask_utils.area(crowd_instance["segmentation"])) == 36
    assert crowd_instance["bbox"] == [1.0, 1.0, 6.0, 6.0]
    # Our reader keeps the crowd as the iscrowd tag: written back the same.
    coco_to_project(str(tmp_path / "coco"), str(tmp_path / "back"))
    back = sly.Project(str(tmp_path / "back"), sly.OpenMode.READ)
    [dataset] = back.datasets
    labels = dataset.get_ann("a.png", back.meta).labels
    assert [label.tags.has_key("iscrowd") for label in labels] == [True, False]
    again = write_coco_layout(str(tmp_path / "back"), str(tmp_path / "again"))
    assert [i["iscrowd"] for i in again["val"]["annotations"]] == [1, 0]


def test_the_layout_reads_back_with_our_reader(tmp_path):
    original = make_sample_project(tmp_path / "project")
    write_coco_layout(str(original), str(tmp_path / "coco"))

    assert sorted(
        p.relative_to(tmp_path / "coco").as_posix() for p in (tmp_path / "coco").rglob("*.*")
    ) == [
        "annotations/instances_dataset-01.json",
        "annotations/instances_dataset-02.json",
        "images/dataset-01/image.jpg",
        "images/dataset-02/small.png",
    ]
    coco_to_project(str(tmp_path / "coco"), str(tmp_path / "back"))
    assert project_objects(tmp_path / "back") == project_objects(original)


def test_the_layout_refuses_an_existing_folder(tmp_path):
    original = make_sample_project(tmp_path / "project")
    (tmp_path / "coco").mkdir()
    with pytest.raises(FileExistsError):
        write_coco_layout(str(original), str(tmp_path / "coco"))


def test_the_writer_s_crowd_tag_is_the_reader_s():
    from sly_bindings.formats.coco import read as coco, write as coco_export

    assert coco_export.ISCROWD_TAG == coco.ISCROWD_TAG == coco.ISCROWD.name


def test_format_to_coco_in_memory_writes_what_the_project_export_writes(tmp_path):
    from sly_bindings.cli.main import USER_ERRORS, main
    from sly_bindings.cli.runner import run
    from sly_bindings.formats.cvat import project_to_cvat

    original = make_sample_project(tmp_path / "project")
    project_to_cvat(str(original), str(tmp_path / "cvat"))
    expected = write_coco_layout(str(original), str(tmp_path / "from-project"))

    code = run(
        lambda: main(["convert", "cvat", "coco", str(tmp_path / "cvat"), str(tmp_path / "out")]),
        USER_ERRORS,
    )

    assert code == 0
    assert not list(tmp_path.glob(".out*"))  # no project left beside OUT
    for subset, coco in expected.items():
        written = json.loads(
            (tmp_path / "out" / "annotations" / f"instances_{subset}.json").read_text()
        )
        names = {c["id"]: c["name"] for c in written["categories"]}
        expected_names = {c["id"]: c["name"] for c in coco["categories"]}

        def instances(coco_dict, by_id):
            return [
                (
                    i["image_id"],
                    by_id[i["category_id"]],
                    i["bbox"],
                    i["area"],
                    i["iscrowd"],
                    i["segmentation"],
                )
                for i in coco_dict["annotations"]
            ]

        assert written["images"] == coco["images"]
        assert instances(written, names) == instances(coco, expected_names)
        assert (tmp_path / "out" / "images" / subset).is_dir()
