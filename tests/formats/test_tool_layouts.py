"""Issue 17, kind 4: the layouts and names the tools write are found, each as the tool writes it.

Each fixture has the structure of the real tool's output, with its source:

- Roboflow's COCO export: ``<split>/_annotations.coco.json`` beside the split's images, splits
  ``train``, ``valid``, ``test``, and a first category ``{"id": 0, "name": <project>,
  "supercategory": "none"}`` that every real category names as its supercategory and no
  instance uses (roboflow/roboflow-100-benchmark issue #45; roboflow/rf-detr pull request
  #1303; Datumaro's ``tests/assets/roboflow_dataset/coco``);
- Roboflow's YOLO export: ``data.yaml`` ``train: ../train/images``, ``val: ../valid/images``,
  ``nc``, ``names``, and ``<split>/images``, ``<split>/labels`` (the same issue #45; Datumaro's
  ``tests/assets/roboflow_dataset/yolo``), resolved as Ultralytics' ``check_det_dataset`` does;
- a CVAT task whose image names have folders, ``cam1/000001.png`` and ``cam2/000001.png``: two
  images, as Datumaro reads them (item ids ``cam1/000001`` and ``cam2/000001``);
- a CVAT video task exported as "CVAT for images 1.1": frames named ``frame_000000`` without an
  extension and files ``images/frame_000000.PNG``, matched by the name less its extension as
  CVAT matches them (``match_frame`` in ``cvat/apps/dataset_manager/bindings.py``);
- CVAT's "COCO Keypoints 1.0" export: ``annotations/person_keypoints_<subset>.json`` and
  ``images/<subset>/`` (docs.cvat.ai, "COCO Keypoints", the archive's structure).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly
import yaml

from sly_bindings.files.images import find_image
from registry_tables import declared, read, write


def _image(path: Path, height: int = 5, width: int = 10) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sly.image.write(str(path), np.zeros((height, width, 3), np.uint8))
    return path


def _read(format_name: str, source: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read(format_name, source)


def _roboflow_coco(folder: Path) -> Path:
    """Roboflow's COCO export of a 2-class project ``fish`` with three splits."""
    categories = [
        {"id": 0, "name": "fish", "supercategory": "none"},
        {"id": 1, "name": "peix", "supercategory": "fish"},
        {"id": 2, "name": "taca", "supercategory": "fish"},
    ]
    for number, split in enumerate(("train", "valid", "test"), start=1):
        name = f"{split}_001.jpg"
        _image(folder / split / name)
        coco = {
            "info": {"description": "Exported from roboflow.com"},
            "licenses": [{"id": 1, "url": "https://creativecommons.org/licenses/by/4.0/"}],
            "categories": categories,
            "images": [{"id": 0, "license": 1, "file_name": name, "height": 5, "width": 10}],
            "annotations": [
                {
                    "id": 0,
                    "image_id": 0,
                    "category_id": number % 2 + 1,
                    "bbox": [2, 1, 3, 1],
                    "area": 3,
                    "segmentation": [],
                    "iscrowd": 0,
                }
            ],
        }
        (folder / split / "_annotations.coco.json").write_text(json.dumps(coco))
    (folder / "README.roboflow.txt").write_text("exported from roboflow\n")
    return folder


def test_roboflow_s_coco_export_is_read_split_by_split(tmp_path):
    items = _read("coco", _roboflow_coco(tmp_path))

    assert sorted((item.dataset, item.name) for item in items) == [
        (("test",), "test_001.jpg"),
        (("train",), "train_001.jpg"),
        (("valid",), "valid_001.jpg"),
    ]
    assert sorted(label.obj_class.name for item in items for label in item.ann.labels) == [
        "peix",
        "taca",
        "taca",
    ]


def test_roboflow_s_placeholder_category_shifts_no_class_number(tmp_path):
    source = _roboflow_coco(tmp_path / "in")
    items = _read("coco", source)
    classes = declared("coco", source)

    assert [obj_class.name for obj_class in classes] == ["peix", "taca"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write("yolo-det", items, tmp_path / "out", classes)
    config = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())
    # Roboflow's own YOLO export of the same project: names: ['peix', 'taca'].
    assert list(config["names"].values()) == ["peix", "taca"]
    lines = sorted((tmp_path / "out" / "labels").rglob("*.txt"))
    assert sorted(path.read_text().split()[0] for path in lines) == ["0", "1", "1"]


def test_a_used_parent_category_stays(tmp_path):
    source = _roboflow_coco(tmp_path)
    path = source / "train" / "_annotations.coco.json"
    coco = json.loads(path.read_text())
    coco["annotations"][0]["category_id"] = 0  # an instance of the parent: it is a class
    path.write_text(json.dumps(coco))

    assert "fish" in [obj_class.name for obj_class in declared("coco", source)]


def _roboflow_yolo(folder: Path) -> Path:
    (folder / "data.yaml").write_text(
        "train: ../train/images\nval: ../valid/images\n\nnc: 2\nnames: ['peix', 'taca']\n"
    )
    for split, line in (("train", "0 0.35 0.3 0.3 0.2"), ("valid", "1 0.5 0.5 0.2 0.4")):
        _image(folder / split / "images" / f"{split}_001.jpg")
        (folder / split / "labels").mkdir(parents=True)
        (folder / split / "labels" / f"{split}_001.txt").write_text(line + "\n")
    return folder


def test_roboflow_s_yolo_export_is_read_as_ultralytics_resolves_it(tmp_path):
    items = _read("yolo", _roboflow_yolo(tmp_path))

    assert sorted(
        (item.dataset, item.name, [label.obj_class.name for label in item.ann.labels])
        for item in items
    ) == [
        (("train",), "train_001.jpg", ["peix"]),
        (("valid",), "valid_001.jpg", ["taca"]),
    ]


def test_a_split_data_yaml_names_outside_the_input_is_not_read(tmp_path):
    _image(tmp_path / "elsewhere" / "images" / "x.jpg")
    source = tmp_path / "in"
    source.mkdir()
    (source / "data.yaml").write_text("train: ../elsewhere/images\nnames: [a]\n")
    _image(source / "images" / "train" / "a.jpg")

    assert [item.name for item in _read("yolo", source)] == ["a.jpg"]


def _cvat(folder: Path, images: str, meta_extra: str = "") -> Path:
    (folder / "annotations.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version>'
        f"<meta><task><id>1</id><name>t</name><size>2</size>{meta_extra}"
        "<labels><label><name>car</name><color>#ff0000</color><type>rectangle</type>"
        "<attributes/></label></labels></task></meta>" + images + "</annotations>"
    )
    return folder


def test_a_cvat_task_whose_names_have_folders_keeps_both_images(tmp_path):
    for camera in ("cam1", "cam2"):
        _image(tmp_path / "images" / camera / "000001.png")
    images = "".join(
        f'<image id="{i}" name="{camera}/000001.png" width="10" height="5">'
        '<box label="car" occluded="0" source="manual" xtl="1" ytl="1" xbr="4" ybr="3" z_order="0"/>'
        "</image>"
        for i, camera in enumerate(("cam1", "cam2"))
    )
    items = _read("cvat", _cvat(tmp_path, images))

    assert sorted((item.dataset, item.name, item.image) for item in items) == [
        (("default", "cam1"), "000001.png", tmp_path / "images" / "cam1" / "000001.png"),
        (("default", "cam2"), "000001.png", tmp_path / "images" / "cam2" / "000001.png"),
    ]


def test_a_cvat_video_task_s_frames_are_found_without_their_extension(tmp_path):
    for frame in range(2):
        _image(tmp_path / "images" / f"frame_{frame:06d}.PNG")
    images = "".join(
        f'<image id="{frame}" name="frame_{frame:06d}" width="10" height="5">'
        '<box label="car" occluded="0" source="manual" xtl="1" ytl="1" xbr="4" ybr="3" z_order="0"/>'
        "</image>"
        for frame in range(2)
    )
    meta = "<mode>interpolation</mode><start_frame>0</start_frame><stop_frame>1</stop_frame>"
    items = _read("cvat", _cvat(tmp_path, images, meta))

    assert sorted(item.name for item in items) == ["frame_000000.PNG", "frame_000001.PNG"]
    assert all(len(item.ann.labels) == 1 for item in items)


def test_cvat_s_coco_keypoints_export_is_read(tmp_path):
    _image(tmp_path / "images" / "default" / "a.jpg", 20, 20)
    coco = {
        "licenses": [{"name": "", "id": 0, "url": ""}],
        "info": {"contributor": "", "date_created": "", "description": "", "url": ""},
        "categories": [
            {
                "id": 1,
                "name": "person",
                "supercategory": "",
                "keypoints": ["nose", "left_eye", "right_eye"],
                "skeleton": [[1, 2], [1, 3]],
            }
        ],
        "images": [{"id": 1, "width": 20, "height": 20, "file_name": "a.jpg", "license": 0}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "segmentation": [],
                "area": 64.0,
                "bbox": [2.0, 2.0, 8.0, 8.0],
                "iscrowd": 0,
                "attributes": {"occluded": False},
                "keypoints": [5, 5, 2, 4, 3, 2, 7, 3, 1],
                "num_keypoints": 3,
            }
        ],
    }
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "person_keypoints_default.json").write_text(json.dumps(coco))

    (item,) = _read("coco", tmp_path)

    assert item.dataset == ("default",)
    assert sorted(label.obj_class.name for label in item.ann.labels) == [
        "person_bbox",
        "person_keypoints",
    ]
    assert len({label.binding_key for label in item.ann.labels}) == 1


@pytest.mark.parametrize(
    "files, candidate, expected",
    [
        (["a.png"], "a.png", "a.png"),  # as named
        (["frame_000000.PNG"], "frame_000000", "frame_000000.PNG"),  # CVAT's video frame
        (["a.JPG"], "a.jpg", "a.JPG"),  # the extension's case
        (["a.png", "a.jpg"], "a", None),  # two files: which one cannot be told
        (["b.png"], "a.png", None),
    ],
)
def test_one_rule_finds_an_image(tmp_path, files, candidate, expected):
    for name in files:
        (tmp_path / name).write_bytes(b"")

    found = find_image([tmp_path / candidate])

    assert (found.name if found else None) == expected
