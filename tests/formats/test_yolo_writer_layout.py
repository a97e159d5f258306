"""The YOLO writer's data.yaml and layout, and its warning for filled holes (issue 13)."""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest
import supervisely as sly
import yaml

from format_samples import make_sample_project
from sly_bindings.formats.yolo import (
    YoloWarning,
    annotation_to_yolo,
    project_to_yolo,
    yolo_items,
)

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
CAR = sly.ObjClass("car", sly.Bitmap)
PERSON = sly.ObjClass("person", sly.Polygon)


def test_data_yaml_has_no_absolute_path_and_the_folder_works_after_a_move(tmp_path):
    original = make_sample_project(tmp_path / "project")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", YoloWarning)
        project_to_yolo(str(original), str(tmp_path / "yolo"))

    config = yaml.safe_load((tmp_path / "yolo" / "data.yaml").read_text())
    # Ultralytics takes the folder of data.yaml as the root when there is no path.
    assert "path" not in config
    assert config["train"] == ["images/dataset-01", "images/dataset-02"]
    assert config["names"] == {0: "car", 1: "person", 2: "sign"}
    for listed in config["train"] + config["val"]:
        assert not listed.startswith("/")
        assert (tmp_path / "yolo" / listed).is_dir()
        assert (tmp_path / "yolo" / listed.replace("images/", "labels/", 1)).is_dir()
    before = [(item.name, item.ann.to_json()) for item in yolo_items(str(tmp_path / "yolo"))]

    shutil.move(tmp_path / "yolo", tmp_path / "moved")

    after = [(item.name, item.ann.to_json()) for item in yolo_items(str(tmp_path / "moved"))]
    assert after == before and len(after) == 2
    for listed in config["train"] + config["val"]:
        assert (tmp_path / "moved" / listed).is_dir()


def ring(outer: int, inner: int) -> np.ndarray:
    """A square mask of side ``outer`` with a square hole of side ``inner`` in its middle."""
    pixels = np.ones((outer, outer), bool)
    start = (outer - inner) // 2
    pixels[start : start + inner, start : start + inner] = False
    return pixels


def square(top: int, left: int, side: int) -> sly.Polygon:
    corners = ((top, left), (top, left + side), (top + side, left + side), (top + side, left))
    return sly.Polygon([sly.PointLocation(r, c) for r, c in corners])


def with_hole() -> sly.Polygon:
    return sly.Polygon(
        square(0, 0, 9).exterior,
        interior=[[sly.PointLocation(r, c) for r, c in ((3, 3), (3, 6), (6, 6), (6, 3))]],
    )


@pytest.mark.parametrize(
    "labels, warned",
    [
        # Holes: one warning per object whose holes are filled.
        ([sly.Label(sly.Bitmap(ring(6, 2)), CAR)], 1),
        ([sly.Label(with_hole(), PERSON)], 1),
        (  # a group of two masks that enclose a hole between them
            [
                sly.Label(
                    sly.Bitmap(ring(7, 3)[:4], sly.PointLocation(0, 0)), CAR, binding_key="g"
                ),
                sly.Label(
                    sly.Bitmap(ring(7, 3)[4:], sly.PointLocation(4, 0)), CAR, binding_key="g"
                ),
            ],
            1,
        ),
        (  # two objects with holes: two warnings
            [
                sly.Label(sly.Bitmap(ring(5, 1)), CAR),
                sly.Label(sly.Bitmap(ring(5, 1), sly.PointLocation(10, 10)), CAR),
            ],
            2,
        ),
        # No hole: no warning.
        ([sly.Label(sly.Bitmap(np.ones((3, 3), bool)), CAR)], 0),
        ([sly.Label(square(1, 1, 5), PERSON)], 0),
        ([sly.Label(sly.Bitmap(ring(6, 2)[:2]), CAR)], 0),  # a band: no hole
    ],
)
def test_one_warning_per_object_whose_holes_are_filled(labels, warned):
    ann = sly.Annotation((20, 20), labels)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lines = annotation_to_yolo(ann, {"car": 0, "person": 1}, "a.png")
    holes = [w for w in caught if issubclass(w.category, YoloWarning) and "holes" in str(w.message)]
    assert len(holes) == warned
    assert all(str(w.message).startswith("a.png: ") for w in holes)
    assert len(lines) == len({label.binding_key or id(label) for label in labels})


# Ultralytics reads the labels of an image from its path with the LAST /images/ made /labels/
# (ultralytics.data.utils.img2label_paths); with a dataset named images, labels/<dataset>/ is
# not where it looks, and it trained such images as backgrounds (found with its own reader,
# tests/formats/test_tools_read_our_output.py). (dataset name, parent datasets, label file).
@pytest.mark.parametrize(
    "name, parents, label_file",
    [
        ("train", [], "labels/train/a.txt"),
        ("images", [], "images/labels/a.txt"),
        ("images", ["train"], "images/train/labels/a.txt"),
        ("night", ["images"], "images/labels/night/a.txt"),
        ("images", ["images"], "images/images/labels/a.txt"),
        ("labels", [], "labels/labels/a.txt"),
    ],
)
def test_label_files_lie_where_ultralytics_reads_them(tmp_path, name, parents, label_file):
    project = sly.Project(str(tmp_path / "project"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([PERSON]))
    path = ""
    for parent in parents:
        project.create_dataset(parent, ds_path=path or None)
        path = f"{path}/datasets/{parent}" if path else parent
    dataset = project.create_dataset(name, ds_path=f"{path}/datasets/{name}" if path else None)
    ann = sly.Annotation((10, 10), [sly.Label(square(1, 1, 5), PERSON)])
    dataset.add_item_np("a.png", np.zeros((10, 10, 3), np.uint8), ann=ann)

    project_to_yolo(project.directory, str(tmp_path / "yolo"))

    assert (tmp_path / "yolo" / label_file).read_text().count("\n") == 1
    # Our reader finds the label file at the same place.
    [item] = [item for item in yolo_items(str(tmp_path / "yolo")) if item.name == "a.png"]
    assert len(item.ann.labels) == 1


# Ultralytics finds the images of a listed folder with glob("<folder>/**/*.*"), which leaves out
# files and folders whose names start with "." (seen with its own reader on these layouts).
# (dataset, parent dataset, image, warned?)
@pytest.mark.parametrize(
    "name, parent, image, warned",
    [
        ("train", None, ".a.png", True),
        (".night", "train", "a.png", True),
        ("day", "train", ".a.png", True),
        ("train", None, "a.png", False),
        (".hidden", None, "a.png", False),  # listed in data.yaml itself: found
        ("train", None, "a.b.png", False),
    ],
)
def test_a_warning_for_each_image_ultralytics_will_not_find(tmp_path, name, parent, image, warned):
    project = sly.Project(str(tmp_path / "project"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([PERSON]))
    if parent is not None:
        project.create_dataset(parent)
    path = f"{parent}/datasets/{name}" if parent else None
    dataset = project.create_dataset(name, ds_path=path)
    dataset.add_item_np(image, np.zeros((10, 10, 3), np.uint8))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        project_to_yolo(project.directory, str(tmp_path / "yolo"))

    messages = [str(w.message) for w in caught if issubclass(w.category, YoloWarning)]
    where = f"{parent}/{name}/{image}" if parent else f"{name}/{image}"
    expected = [f"{where}: Ultralytics will not find this image"] if warned else []
    assert [message.split(" (")[0] for message in messages] == expected
