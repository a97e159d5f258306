"""Issue 17, "a corpus nobody here wrote": Datumaro's own test assets through our readers.

Every asset of Datumaro's COCO (all variants under ``tests/assets/coco_dataset/``), CVAT,
LabelMe, YOLO and Roboflow formats (Datumaro 3d533b9, 2024-10-16; it holds no Ultralytics
asset) is listed below: read by our reader with the images and objects Datumaro's own test of
that asset expects (the test is cited in each row), or skipped naming the variant we do not
take, with a comment where the two readers differ and why. The read assets are copied in
``tests/data/datumaro/`` (README there: each file's source path and commit; LICENSE: MIT).

An *object* is what our rules call one (``groups/roles.py``): a binding group or an unbound
label. Datumaro's test gives each object of an item a ``group`` (its COCO instance id), with
an instance's Polygon/Mask and its Bbox (and Points) in one group: one object.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

import pytest

from bindings import binding_key_of
from registry_tables import read

CORPUS = Path(__file__).resolve().parent.parent / "data" / "datumaro"
DATUMARO_TESTS = "datumaro@3d533b9 tests/unit"


class Asset(NamedTuple):
    format_name: str
    path: str  # below tests/data/datumaro (Datumaro's tests/assets/)
    files: int  # annotation files read (JSON, XML, data.yaml and label .txt files)
    # (dataset, item name) -> objects, as Datumaro's test expects them
    expected: Dict[Tuple[Tuple[str, ...], str], int]
    source: str  # the Datumaro test that states them
    skipped: int = 0  # shapes our reader skips with a warning (a kind it does not read)


# Datumaro's test of the COCO instances assets: 'a' (train) one Bbox (group 1); 'b' (val) a
# Polygon + its Bbox (group 1) and a crowd Mask + its Bbox (group 2).
COCO_AB = {(("train",), "a.jpg"): 1, (("val",), "b.jpg"): 2}

READ = [
    # All COCO tasks in one folder: a folder's instances_<subset>.json files are its COCO
    # files (coco.coco_files); its other tasks are the variants below, each on its own.
    Asset(
        "coco",
        "coco_dataset/coco",
        2,
        COCO_AB,
        f"{DATUMARO_TESTS}/test_coco_format.py::TestCocoImporter::test_can_import_instances "
        "(the same instances files)",
    ),
    Asset(
        "coco",
        "coco_dataset/coco_instances",
        2,
        COCO_AB,
        f"{DATUMARO_TESTS}/test_coco_format.py::TestCocoImporter::test_can_import_instances",
    ),
    # Datumaro reads the keypoints of categories that name none ("keypoints": []) as Points
    # in each instance's group; we cannot make a template of no names and drop them with one
    # warning per file (the objects are the same). Its crowd's keypoints (v = 2 in this asset)
    # are dropped with a warning too: a crowd region is many people, read as a crowd.
    Asset(
        "coco",
        "coco_dataset/coco_person_keypoints",
        2,
        COCO_AB,
        f"{DATUMARO_TESTS}/test_coco_format.py::TestCocoImporter::test_can_import_keypoints",
    ),
    Asset(
        "coco",
        "coco_dataset/coco_stuff",
        2,
        {(("train",), "a.jpg"): 1, (("val",), "b.jpg"): 1},
        f"{DATUMARO_TESTS}/test_coco_format.py::TestCocoImporter::test_can_import_stuff",
    ),
    Asset(
        "coco",
        "coco_dataset/coco_roboflow",
        2,
        COCO_AB,
        f"{DATUMARO_TESTS}/data_formats/coco/test_roboflow.py::CocoRoboflowTest::test_can_import",
    ),
    Asset(
        "coco",
        "coco_dataset/mmdet_coco",
        2,
        COCO_AB,
        f"{DATUMARO_TESTS}/data_formats/test_mmdet_coco.py (fxt_mmdet_coco_dataset)",
    ),
    Asset(
        "coco",
        "roboflow_dataset/coco",
        2,
        {
            (("train",), "train_001.jpg"): 1,
            (("train",), "train_002.jpg"): 1,
            (("val",), "val_001.jpg"): 2,
        },
        f"{DATUMARO_TESTS}/data_formats/test_roboflow.py (fxt_coco_dataset)",
    ),
    # data.yaml says val: ../valid/images but the folder is val/: Ultralytics' resolution
    # finds nothing there, Datumaro's Roboflow importer (and ours) take every <split>/images.
    Asset(
        "yolo",
        "roboflow_dataset/yolo",
        4,
        {
            (("train",), "train_001.jpg"): 1,
            (("train",), "train_002.jpg"): 1,
            (("val",), "val_001.jpg"): 2,
        },
        f"{DATUMARO_TESTS}/data_formats/test_roboflow.py (fxt_yolo_dataset = fxt_voc_dataset)",
    ),
    # Each image: a Bbox and a PolyLine (img0), a Polygon and Points (img1), in the subsets
    # Test, Train and Validation. Our CVAT reader reads box, polygon and mask and skips
    # polylines and points with a warning (docs/formats.md, CVAT): one object of each image's
    # two, and 6 shapes skipped.
    Asset(
        "cvat",
        "cvat_dataset/for_images/export_project",
        1,
        {
            (subset, name): 1
            for subset in (("Test",), ("Train",), ("Validation",))
            for name in ("img0.jpg", "img1.jpg")
        },
        f"{DATUMARO_TESTS}/test_cvat_format.py (EXPECTED_IMAGE_DATASETS, export_project)",
        skipped=6,
    ),
    # img0: its Bbox (its PolyLine of label="" skipped as a polyline); img1: its Points
    # skipped, and its Polygon of label="", which Datumaro reads as a shape of no label, skipped
    # with a warning ("label: empty"), as a shape whose label the meta does not declare (issue
    # 17, kind 1). Neither CVAT nor Datumaro writes label="": Datumaro 1.13.12's own CVAT export
    # of this asset leaves out both shapes ("skipping a polygon with no label",
    # plugins/data_formats/cvat/exporter.py, _write_shape), so img1 keeps no object there either.
    Asset(
        "cvat",
        "cvat_dataset/for_images/export_task",
        1,
        {(("train",), "img0.jpg"): 1, (("train",), "img1.jpg"): 0},
        f"{DATUMARO_TESTS}/test_cvat_format.py (EXPECTED_IMAGE_DATASETS, export_task)",
        skipped=3,
    ),
]

# Assets of variants our readers do not take, each with why (nothing of them is copied).
NOT_TAKEN = {
    "coco_dataset/coco (its captions, labels, image_info, panoptic files)": "COCO tasks with no "
    "geometry of instances, as the rows below (its instances files are read above)",
    "coco_dataset/coco_captions": "COCO captions: text per image, no geometry",
    "coco_dataset/coco_labels": "COCO labels: image-level class labels, no geometry",
    "coco_dataset/coco_image_info": "COCO image_info: images without annotations",
    "coco_dataset/coco_panoptic": "COCO panoptic: segments_info over PNG segment maps, a format "
    "of its own",
    "cvat_dataset/for_video": "CVAT for video 1.1: <track> elements, interpolated per frame; our "
    "CVAT reader reads CVAT for images 1.1 (<image> elements)",
    "cvat_dataset/test.mp4": "a video file, not annotations",
    "labelme_dataset": "the original MIT LabelMe (XML in Annotations/, Masks/, Scribbles/); our "
    "LabelMe format is wkentaro/labelme's JSON",
    "yolo_dataset/strict": "Darknet YOLO (obj.data, obj.names, train.txt): no data.yaml",
    "yolo_dataset/labels": "Darknet YOLO names (obj.names) with images/ and labels/: no data.yaml",
    "yolo_dataset/annotations": "Darknet YOLO with Images/ and Annotations/: no data.yaml",
}


def _objects(item) -> int:
    keys = {binding_key_of(label) for label in item.ann.labels} - {None}
    return len(keys) + sum(1 for label in item.ann.labels if binding_key_of(label) is None)


def _read(asset: Asset):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items = read(asset.format_name, CORPUS / asset.path)
    skipped = [w for w in caught if "skipped" in str(w.message)]
    return items, skipped


@pytest.mark.parametrize("asset", READ, ids=lambda asset: asset.path)
def test_we_read_what_datumaro_reads(asset: Asset):
    items, skipped = _read(asset)

    assert {(item.dataset, item.name): _objects(item) for item in items} == asset.expected
    assert len(skipped) == asset.skipped


@pytest.mark.parametrize("path", sorted(NOT_TAKEN))
def test_variants_we_do_not_take(path):
    pytest.skip(f"{path}: {NOT_TAKEN[path]}")


def test_the_corpus_counts():
    """The closing numbers: files read, images, objects (the assets read above)."""
    files = sum(asset.files for asset in READ)
    images = sum(len(asset.expected) for asset in READ)
    objects = sum(sum(asset.expected.values()) for asset in READ)
    read_images = read_objects = 0
    for asset in READ:
        items, _ = _read(asset)
        read_images += len(items)
        read_objects += sum(_objects(item) for item in items)

    assert (read_images, read_objects) == (images, objects)
    print(f"Datumaro corpus: {files} files read, {images} images, {objects} objects")
