"""YOLO on the shared item type (issue 13): ``items_to_yolo``, and any format converted to YOLO in
memory, writing what the way through a Supervisely project writes."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Dict

import numpy as np
import pytest
import supervisely as sly
import yaml

from commands import convert_in_process
from format_samples import make_sample_project
from registry_tables import FILE_FORMATS
from sly_bindings.formats.items import FormatItem, FormatWarning, InvalidFormatError
from sly_bindings.formats.yolo import (
    InvalidYoloError,
    YoloWarning,
    items_to_yolo,
    project_to_yolo,
    yolo_items,
    yolo_to_project,
)

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
CAR = sly.ObjClass("car", sly.Rectangle)
PERSON = sly.ObjClass("person", sly.Rectangle)
SOURCES = tuple(name for name in FILE_FORMATS if name != "yolo")  # every other format


def written_files(yolo_dir: Path) -> Dict[str, object]:
    """Every label file's text by path, the images' paths, and data.yaml as YAML reads it."""
    files: Dict[str, object] = {
        str(path.relative_to(yolo_dir)): path.read_text(encoding="utf-8")
        for path in sorted(yolo_dir.glob("labels/**/*.txt"))
    }
    files["images"] = sorted(
        str(path.relative_to(yolo_dir)) for path in yolo_dir.glob("images/**/*") if path.is_file()
    )
    files["data.yaml"] = yaml.safe_load((yolo_dir / "data.yaml").read_text(encoding="utf-8"))
    return files


@pytest.fixture(scope="module")
def sample_formats(tmp_path_factory) -> Path:
    """The sample project written in each format the table reads, once."""
    folder = tmp_path_factory.mktemp("formats")
    make_sample_project(folder / "supervisely")
    for name in SOURCES:
        assert convert_in_process("supervisely", name, folder / "supervisely", folder / name) == 0
    return folder


def test_yolo_types_are_the_shared_ones():
    assert issubclass(InvalidYoloError, InvalidFormatError)
    assert issubclass(YoloWarning, FormatWarning)


@pytest.mark.parametrize("target", ["yolo", "yolo-det"])
@pytest.mark.parametrize("source", SOURCES)
def test_format_to_yolo_writes_what_the_way_through_a_project_writes(
    tmp_path, sample_formats, source, target
):
    assert convert_in_process(source, target, sample_formats / source, tmp_path / "direct") == 0
    assert convert_in_process(source, "supervisely", sample_formats / source, tmp_path / "p") == 0
    assert convert_in_process("supervisely", target, tmp_path / "p", tmp_path / "via") == 0

    direct, via = written_files(tmp_path / "direct"), written_files(tmp_path / "via")
    assert direct == via
    assert direct["data.yaml"]["names"] == {0: "car", 1: "person", 2: "sign"}
    assert len([name for name in direct if name.startswith("labels/")]) == 2


@pytest.mark.parametrize("target", ["yolo", "yolo-det"])
@pytest.mark.parametrize("source", SOURCES + ("yolo",))
def test_format_to_yolo_makes_no_project_on_disk(
    tmp_path, monkeypatch, capsys, sample_formats, source, target
):
    if source == "yolo":
        assert (
            convert_in_process(
                "supervisely", "yolo", sample_formats / "supervisely", tmp_path / "in"
            )
            == 0
        )
        folder = tmp_path / "in"
    else:
        folder = sample_formats / source
    capsys.readouterr()
    made = []
    original = sly.Project.__init__

    def recording(self, directory, mode, *args, **kwargs):
        made.append((str(directory), mode))
        original(self, directory, mode, *args, **kwargs)

    monkeypatch.setattr(sly.Project, "__init__", recording)

    assert convert_in_process(source, target, folder, tmp_path / "out") == 0

    # No Supervisely project is made or read on the way: not even in the staging folder.
    assert made == []
    read, written = capsys.readouterr().out.splitlines()
    # YOLO holds no group: one line per object of the sample.
    assert read.endswith("0 groups" if source == "yolo" else "2 images, 10 labels, 3 groups")
    assert written == f"Written {target} {tmp_path / 'out'}: 2 images, 6 labels, 0 groups"
    assert not any(path.name.endswith(".project") for path in tmp_path.rglob("*"))


def test_items_to_yolo_numbers_classes_given_first_then_as_first_seen(tmp_path):
    png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
    ann = sly.Annotation(
        (4, 4),
        [
            sly.Label(sly.Rectangle(0, 0, 1, 1), PERSON),
            sly.Label(sly.Rectangle(2, 2, 3, 3), CAR),
        ],
    )
    items = [
        FormatItem(("val",), "a.png", png, ann, "a.json"),
        FormatItem(("train", "night"), "b.png", png, ann, "b.json"),
    ]

    items_to_yolo(items, str(tmp_path / "given"), classes=[sly.ObjClass("sign", sly.Rectangle)])
    items_to_yolo(items, str(tmp_path / "seen"))

    assert yaml.safe_load((tmp_path / "given" / "data.yaml").read_text())["names"] == {
        0: "sign",
        1: "person",
        2: "car",
    }
    seen = yaml.safe_load((tmp_path / "seen" / "data.yaml").read_text())
    assert seen["names"] == {0: "person", 1: "car"}
    # A nested dataset goes with its top-level dataset, in that one's split.
    assert (seen["train"], seen["val"]) == (["images/train"], ["images/val"])
    assert (tmp_path / "seen" / "images" / "train" / "night" / "b.png").read_bytes() == png
    lines = (tmp_path / "seen" / "labels" / "train" / "night" / "b.txt").read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["0", "1"]


def test_items_to_yolo_refuses_two_stems_in_one_dataset(tmp_path):
    png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
    items = [
        FormatItem(("ds",), name, png, sly.Annotation((4, 4)), name) for name in ("a.png", "a.jpg")
    ]
    with pytest.raises(FileExistsError, match="dataset ds: two images have the stem 'a'"):
        items_to_yolo(items, str(tmp_path / "out"))


def test_an_empty_dataset_of_a_project_is_still_laid_out(tmp_path):
    project = sly.Project(str(tmp_path / "p"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([CAR]))
    project.create_dataset("train").add_item_np("a.png", np.zeros((4, 4, 3), np.uint8))
    project.create_dataset("val")

    project_to_yolo(project.directory, str(tmp_path / "yolo"))

    config = yaml.safe_load((tmp_path / "yolo" / "data.yaml").read_text())
    assert (config["train"], config["val"]) == (["images/train"], ["images/val"])
    assert (tmp_path / "yolo" / "labels" / "val").is_dir()


def test_yolo_to_project_declares_the_names_and_warns_once(tmp_path):
    (tmp_path / "yolo" / "images" / "train").mkdir(parents=True)
    (tmp_path / "yolo" / "labels" / "train").mkdir(parents=True)
    sly.image.write(str(tmp_path / "yolo/images/train/a.png"), np.zeros((4, 4, 3), np.uint8))
    (tmp_path / "yolo" / "data.yaml").write_text("names: [car, person, sign]\n")
    (tmp_path / "yolo/labels/train/a.txt").write_text("2 0 0 0.5 0 0.5 0.5\n")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yolo_to_project(str(tmp_path / "yolo"), str(tmp_path / "project"))

    meta = sly.Project(str(tmp_path / "project"), sly.OpenMode.READ).meta
    assert [(c.name, c.geometry_type) for c in meta.obj_classes] == [
        ("car", sly.Polygon),
        ("person", sly.Polygon),
        ("sign", sly.Polygon),
    ]
    messages = [str(w.message) for w in caught if issubclass(w.category, YoloWarning)]
    assert len(messages) == 1 and "YOLO has no groups: every line is read" in messages[0]
    with pytest.warns(YoloWarning, match=r"YOLO has no groups"):  # yolo_items warns too
        assert [item.name for item in yolo_items(str(tmp_path / "yolo"))] == ["a.png"]


def test_yolo_to_project_with_no_image_names_the_folder_and_makes_nothing(tmp_path):
    (tmp_path / "yolo" / "images").mkdir(parents=True)
    (tmp_path / "yolo" / "data.yaml").write_text("names: [car]\n")

    with pytest.raises(InvalidYoloError, match="images: no image in it: put the images in"):
        yolo_to_project(str(tmp_path / "yolo"), str(tmp_path / "project"))
    assert not (tmp_path / "project").exists()


@pytest.mark.parametrize(
    "task, names", [("segment", {0: "car"}), ("detect", {0: "lane", 1: "car"})]
)
def test_a_class_that_gives_no_line_is_left_out_of_the_names(tmp_path, task, names):
    # Issue 18, every class a reason: a polyline class gives no segment line (a box in detect).
    lane, car = sly.ObjClass("lane", sly.Polyline), sly.ObjClass("car", sly.Polygon)
    triangle = sly.Polygon([sly.PointLocation(r, c) for r, c in ((1, 1), (1, 6), (6, 1))])
    line = sly.Polyline([sly.PointLocation(0, 0), sly.PointLocation(7, 7)])
    ann = sly.Annotation((8, 8), [sly.Label(line, lane), sly.Label(triangle, car)])
    png = sly.image.write_bytes(np.zeros((8, 8, 3), np.uint8), ".png")
    item = FormatItem(("train",), "a.png", png, ann, "a")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items_to_yolo([item], str(tmp_path / "yolo"), task=task, classes=[lane, car])

    config = yaml.safe_load((tmp_path / "yolo" / "data.yaml").read_text())
    assert config["names"] == names
    left_out = [str(w.message) for w in caught if "left out of data.yaml" in str(w.message)]
    assert len(left_out) == (1 if task == "segment" else 0)
    lines = (tmp_path / "yolo" / "labels" / "train" / "a.txt").read_text().splitlines()
    assert [line.split()[0] for line in lines] == (["0"] if task == "segment" else ["0", "1"])
