"""sly-bindings convert as a user runs it: every pair, the demo round trip, bad input."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import List

import numpy as np
import pytest
import supervisely as sly
import yaml

from commands import SLY_BINDINGS, convert_in_process, sly_bindings_captured
from registry_tables import FILE_FORMATS, GROUP_FORMATS
from sly_bindings.cli.runner import UserError
from sly_bindings.cli.convert import staged
from format_samples import (
    coco_boxes_subset,
    make_nested_project,
    make_sample_project,
    project_objects,
    read_project,
)
from bindings import annotation_objects
from sly_bindings.groups.merge import group_mask
from sly_bindings.files.atomic import current_umask
from sly_bindings.files.project_folder import open_project

REPO_DIR = Path(__file__).resolve().parents[2]
FORMATS = FILE_FORMATS
# The sample project: 2 images; 10 labels in 3 groups (the car, the walkers, the signs 7/"7").
SAMPLE_READ = "2 images, 10 labels, 3 groups"


def convert(*args, cwd: Path) -> subprocess.CompletedProcess:
    """Run the command as a user does."""
    return subprocess.run(command(*args), cwd=cwd, capture_output=True, text=True, timeout=120)


def command(*args) -> list[str]:
    return [*SLY_BINDINGS, "convert", *map(str, args)]


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: ")]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return make_sample_project(tmp_path_factory.mktemp("sample") / "project")


@pytest.fixture(scope="module")
def round_trips(sample, tmp_path_factory) -> dict:
    """The sample converted to every format and back, each run in this process as the command
    runs (its exit code, stdout and stderr).

    Returns, per format: the two runs (there, back) and the folder written by the second.
    """
    folder = tmp_path_factory.mktemp("round_trips")
    runs: dict = {name: [] for name in FORMATS}
    for source, target in (("supervisely", "{name}"), ("{name}", "supervisely")):
        for name in FORMATS:
            paths = {"supervisely": sample, name: folder / name}
            if source != "supervisely":  # the way back
                paths["supervisely"] = folder / f"back-{name}"
            first, second = source.format(name=name), target.format(name=name)
            runs[name].append(
                sly_bindings_captured("convert", first, second, paths[first], paths[second])
            )
    return {name: (*runs[name], folder) for name in FORMATS}


@pytest.mark.parametrize("format_name", GROUP_FORMATS)
def test_round_trip_keeps_every_label_and_the_groups(sample, round_trips, format_name):
    # The sample's first image is the tutorial's demo image with its car bound in three parts.
    there, back, folder = round_trips[format_name]

    assert (there.returncode, back.returncode) == (0, 0), there.stderr + back.stderr
    assert there.stdout.splitlines() == [
        f"Read supervisely {sample}: {SAMPLE_READ}",
        f"Written {format_name} {folder / format_name}: {SAMPLE_READ}",
    ]
    assert back.stdout.splitlines() == [
        f"Read {format_name} {folder / format_name}: {SAMPLE_READ}",
        f"Written supervisely {folder / f'back-{format_name}'}: {SAMPLE_READ}",
    ]
    assert there.stderr == back.stderr == ""
    assert project_objects(folder / f"back-{format_name}") == project_objects(sample)
    car = read_project(folder / f"back-{format_name}")[1]["dataset-01/image.jpg"]
    assert [len(labels) for labels in annotation_objects(car)][:1] == [3]  # the demo car
    assert not list(folder.glob(".*partial*"))  # no staging folder left behind


def test_round_trip_through_yolo_keeps_every_object(sample, round_trips):
    there, back, folder = round_trips["yolo"]

    assert (there.returncode, back.returncode) == (0, 0), there.stderr + back.stderr
    # One warning per group joined from parts (the car, the walkers, the signs 7 and "7"),
    # and one saying that the counts differ.
    warnings = warning_lines(there.stderr)
    assert len(warnings) == 4
    assert "image.jpg: group car-1 (3 car labels) is 3 separate parts" in warnings[0]
    assert "yolo holds 2 images, 6 labels, 0 groups where the project had" in warnings[-1]
    assert there.stdout.splitlines()[-1] == (
        f"Written yolo {folder / 'yolo'}: 2 images, 6 labels, 0 groups"
    )
    assert warning_lines(back.stderr) == [
        f"warning: {folder / 'yolo'}: YOLO has no groups: every line is read as one "
        "unbound label, and polygons joined from several parts are not split back"
    ]
    # Each object (group or unbound label) comes back as one label that covers all its pixels.
    _, before = read_project(sample)
    _, after = read_project(folder / "back-yolo")
    for item, ann in before.items():
        parts_of = annotation_objects(ann)
        assert [label.obj_class.name for label in after[item].labels] == [
            parts[0].obj_class.name for parts in parts_of
        ]
        for parts, label in zip(parts_of, after[item].labels):
            union = group_mask(parts, ann.img_size)
            assert not (union & ~group_mask([label], ann.img_size)).any()


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def image_png(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sly.image.write(str(path), np.full((6, 8, 3), 90, np.uint8))


LABELME_SHAPE = {"label": "car", "points": [[0, 0], [3, 3], [0, 3]], "shape_type": "polygon"}


def bad_labelme(root: Path) -> None:
    image_png(root / "street" / "a.png")
    data = {"imagePath": "a.png", "imageHeight": 6, "imageWidth": 8, "shapes": [LABELME_SHAPE]}
    data["imageHeight"] = "6"  # a bad shape is skipped with a warning; a bad file is refused
    write_text(root / "street" / "a.json", json.dumps(data))


def bad_cvat(root: Path) -> None:
    image_png(root / "images" / "a.png")
    write_text(
        root / "annotations.xml",
        '<annotations><version>1.1</version><image id="0" name="a.png" width="8" height="6">'
        '<mask label="car" rle="0, 5" left="0" top="0" width="2" height="2"/></image></annotations>',
    )


def bad_coco(root: Path) -> None:
    image_png(root / "a.png")
    coco = {
        "images": [{"id": 1, "file_name": "a.png", "height": 6, "width": 8}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 7, "segmentation": [[0, 0, 1, 1, 2, 0]]}
        ],
        "categories": [{"id": 1, "name": "car"}],
    }
    write_text(root / "annotations.json", json.dumps(coco))


def bad_yolo(root: Path) -> None:
    image_png(root / "images" / "train" / "a.png")
    write_text(root / "data.yaml", "names: [car]\n")
    write_text(
        root / "labels" / "train" / "a.txt",
        "0 0.1 0.1 0.5 0.5 0.2 0.2\n3 0.1 0.1 0.5 0.5 0.2 0.2\n",
    )


CAR_CLASS = {"title": "car", "shape": "rectangle", "color": "#FF0000", "geometry_config": {}}
CAR_LABEL = {
    "classTitle": "car",
    "geometryType": "rectangle",
    "tags": [],
    "points": {"exterior": [[0, 0], [2, 2]], "interior": []},
}
GOOD_ANN = {"size": {"height": 6, "width": 8}, "tags": [], "description": "", "objects": []}


def supervisely_project(root: Path, meta=(CAR_CLASS,), ann=GOOD_ANN, extra=None) -> None:
    """A hand-written project: ``ds/img/a.png`` and ``ds/ann/a.png.json``.

    ``meta`` and ``ann`` are the classes and annotation as JSON-able objects, or the exact bytes
    of the file; ``ann=None`` writes no annotation file. ``extra`` makes more files by hand.
    """

    def raw(data):
        return data if isinstance(data, bytes) else json.dumps(data).encode()

    root.mkdir(parents=True)
    classes = meta if isinstance(meta, bytes) else {"classes": list(meta), "tags": []}
    (root / "meta.json").write_bytes(raw(classes))
    image_png(root / "ds" / "img" / "a.png")
    (root / "ds" / "ann").mkdir(parents=True)
    if ann is not None:
        (root / "ds" / "ann" / "a.png.json").write_bytes(raw(ann))
    if extra is not None:
        extra(root)


def bad_supervisely(root: Path) -> None:
    supervisely_project(root, ann={"size": {"height": 6}})


def bad_binding_key(root: Path) -> None:
    """A hand-edited project: one label's binding key is an object, not a string."""
    label = {**CAR_LABEL, "instance": [1, 2]}
    supervisely_project(root, ann={**GOOD_ANN, "objects": [label]})


def labelme_folder(root: Path, text: bytes) -> None:
    """A LabelMe folder ``street/`` whose one JSON file holds ``text``, beside its image."""
    image_png(root / "street" / "a.png")
    (root / "street" / "a.json").write_bytes(text)


def good_labelme_json() -> bytes:
    data = {"imagePath": "a.png", "imageHeight": 6, "imageWidth": 8, "shapes": [LABELME_SHAPE]}
    return json.dumps(data).encode()


def coco_folder(root: Path, file_name: str = "a.png", text: bytes = None) -> None:
    """A COCO folder: ``annotations.json`` naming one image at ``file_name``, and that image."""
    image_png(root / "a.png")
    coco = {
        "images": [{"id": 1, "file_name": file_name, "height": 6, "width": 8}],
        "annotations": [],
        "categories": [{"id": 1, "name": "car"}],
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "annotations.json").write_bytes(text or json.dumps(coco).encode())


def cvat_folder(root: Path, subset: str) -> None:
    image_png(root / "images" / "a.png")
    write_text(
        root / "annotations.xml",
        f'<annotations><version>1.1</version><image id="0" name="a.png" subset="{subset}" '
        'width="8" height="6"/></annotations>',
    )


def yolo_folder(root: Path, data_yaml: bytes = b"names: [car]\n", label: bytes = b"") -> None:
    image_png(root / "images" / "train" / "a.png")
    (root / "labels" / "train").mkdir(parents=True)
    (root / "data.yaml").write_bytes(data_yaml)
    (root / "labels" / "train" / "a.txt").write_bytes(label)


NOT_UTF8 = b'{"name": "caf\xe9"}'  # Latin-1, as an old editor saves it


@pytest.mark.parametrize(
    "source, make, target, expected",
    [
        # Each format's reader: the line names the file and the field.
        (
            "labelme",
            bad_labelme,
            "supervisely",
            "street/a.json: imageHeight: missing or not a whole number",
        ),
        # Files that are not UTF-8, or not JSON or YAML at all.
        (
            "labelme",
            lambda root: labelme_folder(root, NOT_UTF8),
            "supervisely",
            "street/a.json: not UTF-8 text (byte 13)",
        ),
        (
            "coco",
            lambda root: coco_folder(root, text=NOT_UTF8),
            "supervisely",
            "annotations.json: not UTF-8 text (byte 13)",
        ),
        (
            "yolo",
            lambda root: yolo_folder(root, label=b"0 0.1 0.1 0.5 0.5 0.2 0.2 \xb5\n"),
            "supervisely",
            "labels/train/a.txt: not UTF-8 text (byte 26)",
        ),
        (
            "yolo",
            lambda root: yolo_folder(root, data_yaml=b"names: [caf\xe9]\n"),
            "supervisely",
            "data.yaml: not UTF-8 text (byte 11)",
        ),
        # A folder with a stray JSON file that is not LabelMe's.
        (
            "labelme",
            lambda root: labelme_folder(root, good_labelme_json())
            or write_text(root / "n.json", "[]"),
            "supervisely",
            "n.json: not a LabelMe file",
        ),
        # Dataset names that would write outside OUT, or that the SDK would not read back.
        (
            "coco",
            lambda root: coco_folder(root, file_name="../a.png"),
            "supervisely",
            "annotations.json: image 1: file_name: '../a.png' climbs out of the input folder",
        ),
        (
            "cvat",
            lambda root: cvat_folder(root, subset="../../evil"),
            "supervisely",
            "<image name='a.png' subset='../../evil'>: subset: '../../evil': dataset name '..' is",
        ),
        (
            "cvat",
            lambda root: cvat_folder(root, subset="/tmp/evil"),
            "supervisely",
            "subset: '/tmp/evil': dataset name '' is not a plain folder name",
        ),
        (
            "cvat",
            lambda root: cvat_folder(root, subset="train_img"),
            "supervisely",
            "dataset name 'train_img' ends with 'img', which sly.Project skips when it reads",
        ),
        # A Supervisely project with a broken annotation file.
        (
            "supervisely",
            bad_supervisely,
            "labelme",
            "ds/ann/a.png.json: not a Supervisely annotation of this project (KeyError: 'width')",
        ),
        (
            "supervisely",
            bad_binding_key,
            "cvat",
            "ds/ann/a.png.json: binding key [1, 2] of a 'car' label is a list: a key must be",
        ),
        (  # an annotation file of 0 bytes
            "supervisely",
            lambda root: supervisely_project(root, ann=b""),
            "yolo",
            "ds/ann/a.png.json: not valid JSON (Expecting value, line 1 column 1)",
        ),
        (
            "supervisely",
            lambda root: supervisely_project(root, ann=NOT_UTF8),
            "coco",
            "ds/ann/a.png.json: not UTF-8 text (byte 13)",
        ),
        (
            "supervisely",
            lambda root: supervisely_project(root, meta=b""),
            "cvat",
            "meta.json: not valid JSON (Expecting value, line 1 column 1)",
        ),
        (
            "supervisely",
            lambda root: supervisely_project(root, meta=NOT_UTF8),
            "cvat",
            "meta.json: not UTF-8 text (byte 13)",
        ),
        (  # an image without its annotation file: named, not "no images"
            "supervisely",
            lambda root: supervisely_project(root, ann=None),
            "labelme",
            "Item 'a.png' in dataset 'ds' does not have a corresponding annotation file",
        ),
        pytest.param(  # an image beside the project's datasets, without ann/: it would be lost
            "supervisely",
            lambda root: supervisely_project(
                root, extra=lambda root: image_png(root / "extra" / "img" / "b.png")
            ),
            "labelme",
            "extra: Annotation directory not found",
        ),
        pytest.param(  # a stray folder that is no dataset: the SDK logs a line and skips it
            "supervisely",
            lambda root: supervisely_project(
                root, extra=lambda root: write_text(root / "notes" / "todo.txt", "check ds")
            ),
            "labelme",
            "notes: not a dataset",
        ),
        # A folder with nothing of the format in it, or only a stray file.
        ("labelme", lambda root: root.mkdir(), "supervisely", "in: no LabelMe file (*.json) in it"),
        ("cvat", lambda root: root.mkdir(), "supervisely", "annotations.xml: does not exist"),
        (
            "coco",
            lambda root: root.mkdir(),
            "supervisely",
            "in: no COCO file in it (annotations.json",
        ),
        ("yolo", lambda root: root.mkdir(), "supervisely", "data.yaml: does not exist"),
        (
            "yolo",
            lambda root: write_text(root / "data.yaml", "names: [car]\n"),
            "supervisely",
            "images: no image in it",
        ),
        ("supervisely", lambda root: root.mkdir(), "cvat", "is not a Supervisely project (no meta"),
        (
            "supervisely",
            lambda root: write_text(root / "notes.txt", "to do"),
            "cvat",
            "is not a Supervisely project (no meta.json)",
        ),
    ],
)
def test_bad_input_ends_in_one_line_and_exit_code_2(
    tmp_path, capsys, source, make, target, expected
):
    make(tmp_path / "in")

    code = convert_in_process(source, target, tmp_path / "in", tmp_path / "out")

    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("error: ")
    assert expected in stderr
    # Nothing half-written left behind, and nothing written outside OUT.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in"]


# A bad record inside a good file is one warning line, and the rest is read (issue 17, kind 1:
# formats.records); tests/formats/test_bad_records.py sends every flaw through every reader.
@pytest.mark.parametrize(
    "source, make, target, expected",
    [
        ("cvat", bad_cvat, "supervisely", "annotations.xml: <image name='a.png'> <mask> #1: rle:"),
        ("coco", bad_coco, "supervisely", "annotations.json: annotation 1: category_id: 7 is no"),
        ("yolo", bad_yolo, "supervisely", "labels/train/a.txt: line 2: class id 3"),
        (  # a label of a class that meta.json does not have: the SDK's message has newlines
            "supervisely",
            lambda root: supervisely_project(
                root, meta=(), ann={**GOOD_ANN, "objects": [CAR_LABEL]}
            ),
            "labelme",
            "objects[0]: RuntimeError: Failed to deserialize a Label object from JSON: label class",
        ),
    ],
)
def test_a_bad_record_is_one_warning_line_and_exit_code_0(
    tmp_path, capsys, source, make, target, expected
):
    make(tmp_path / "in")

    code = convert_in_process(source, target, tmp_path / "in", tmp_path / "out")

    stderr = capsys.readouterr().err
    assert code == 0, stderr
    (line,) = [line for line in stderr.splitlines() if expected in line]
    assert line.startswith("warning: ") and line.endswith("is skipped")
    assert (tmp_path / "out").is_dir()


def test_bad_input_ends_the_process_with_one_line_and_exit_code_2(tmp_path):
    yolo_folder(tmp_path / "in", data_yaml=b"names: [car, car]\n")

    result = convert("yolo", "supervisely", tmp_path / "in", tmp_path / "out", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'in' / 'data.yaml'}: names: ")
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in"]


@pytest.mark.parametrize(
    "args, expected",
    [
        # OUT exists: never written over.
        (["supervisely", "labelme", "{sample}", "{tmp}"], "exists: choose a new folder"),
        (["labelme", "cvat", "{sample}", "{tmp}"], "remove it first (or pass --overwrite"),
        # IN does not exist.
        (["labelme", "supervisely", "{tmp}/nothing", "{tmp}/out"], "does not exist"),
        # IN is a file where a folder is read.
        (["yolo", "supervisely", "{sample}/meta.json", "{tmp}/out"], "is a file"),
        # Supervisely twice is a copy, not a conversion (any format to any other is one).
        (["supervisely", "supervisely", "{sample}", "{tmp}/out"], "FROM and TO are both"),
        # --overwrite replaces a folder, never a file.
        (["supervisely", "cvat", "{sample}", "{tmp}/a.txt", "--overwrite"], "is not a folder"),
        # IN inside OUT: overwriting OUT would remove what is read; refused before writing.
        (["supervisely", "cvat", "{sample}", "{sample.parent}", "--overwrite"], "is inside OUT"),
        (
            ["supervisely", "cvat", "{sample}", "{sample}", "--overwrite"],
            "OUT {sample} is inside IN",
        ),
        # --images is for a reader that looks for images by name.
        (["labelme", "cvat", "{sample}", "{tmp}/out", "--images", "{tmp}"], "--images is read"),
        (["coco", "cvat", "{sample}", "{tmp}/out", "--images", "{tmp}/none"], "is not a folder"),
        # A format that does not exist.
        (
            ["supervisely", "voc", "{sample}", "{tmp}/out"],
            "unknown format 'voc': use one of supervisely (sly), labelme",
        ),
        # OUT under a file, at any depth: the file is named, not "[Errno 17] File exists".
        (
            ["supervisely", "labelme", "{sample}", "{tmp}/a.txt/out"],
            "OUT {tmp}/a.txt/out is inside the file {tmp}/a.txt: choose OUT in a folder",
        ),
        (["supervisely", "cvat", "{sample}", "{tmp}/a.txt/deeper/out"], "inside the file {tmp}/"),
        # OUT where nothing can be written: OUT is named, not a temporary folder.
        (["supervisely", "coco", "{sample}", "/proc/out"], "cannot write OUT /proc/out ("),
        # OUT inside IN: the run would read what it writes.
        (["supervisely", "yolo", "{sample}", "{sample}/out"], "OUT {sample}/out is inside IN"),
    ],
)
def test_bad_arguments_exit_2(tmp_path, capsys, sample, args, expected):
    (tmp_path / "a.txt").write_text("a file, not a folder")
    args = [arg.format(sample=sample, tmp=tmp_path) for arg in args]

    assert convert_in_process(*args) == 2
    stderr = capsys.readouterr().err
    assert expected.format(sample=sample, tmp=tmp_path) in stderr
    assert "partial" not in stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.txt"]
    assert not (sample / "out").exists()
    assert (sample / "meta.json").is_file()


def test_two_runs_building_one_out_never_touch_each_others_files(tmp_path):
    # The second run to finish finds OUT taken: it stops, and leaves the first's OUT alone.
    target = tmp_path / "out"
    with pytest.raises(UserError, match="OUT .*out appeared while this run was writing it"):
        with staged(target) as first:
            first.mkdir()
            (first / "first.txt").write_text("first")
            with staged(target) as second:
                assert second != first
                second.mkdir()
                (second / "second.txt").write_text("second")
            assert (first / "first.txt").read_text() == "first"

    assert sorted(path.name for path in target.iterdir()) == ["second.txt"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]  # no staging left


def test_out_gets_the_mode_of_a_plain_folder(tmp_path, sample):
    assert convert_in_process("supervisely", "labelme", sample, tmp_path / "out") == 0

    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o777 & ~current_umask()


def geometries_project(root: Path) -> Path:
    """One image with an alpha mask and an oriented box: subclasses of Bitmap and Rectangle that
    no format here can hold."""
    fog, box = sly.ObjClass("fog", sly.AlphaMask), sly.ObjClass("box", sly.OrientedBBox)
    sign = sly.ObjClass("sign", sly.Rectangle)
    project = sly.Project(str(root), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([fog, box, sign]))
    opacity = np.array([[0, 200], [90, 255]], np.uint8)
    ann = sly.Annotation(
        (6, 8),
        [
            sly.Label(sly.AlphaMask(opacity, sly.PointLocation(1, 1)), fog),
            sly.Label(sly.OrientedBBox(0, 0, 3, 5, angle=0.5), box),
            sly.Label(sly.Rectangle(4, 4, 5, 6), sign),
        ],
    )
    project.create_dataset("ds").add_item_np("a.png", np.zeros((6, 8, 3), np.uint8), ann=ann)
    return root


@pytest.mark.parametrize(
    "target, expected",
    [
        (
            "yolo",
            [
                "ds/a.png: a fog label: alpha_mask skipped: a YOLO segment is the area of bitmaps,",
                "ds/a.png: a box label: oriented_bbox skipped: a YOLO segment is the area of",
            ],
        ),
        (
            "labelme",
            ["a.png: a fog alpha_mask is skipped", "a.png: a box oriented_bbox is skipped"],
        ),
        ("cvat", ["a.png: a fog alpha_mask is skipped", "a.png: a box oriented_bbox is skipped"]),
    ],
)
def test_alpha_masks_and_oriented_boxes_are_skipped_with_a_warning(
    tmp_path, capsys, target, expected
):
    project = geometries_project(tmp_path / "project")

    code = convert_in_process("supervisely", target, project, tmp_path / "out")

    output = capsys.readouterr()
    assert code == 0, output.err
    warnings = warning_lines(output.err)
    assert [any(text in line for line in warnings) for text in expected] == [True, True]
    # Only the rectangle is written: the others are not a box without its angle, or a mask;
    # the writer's account says so.
    assert output.out.splitlines()[-1] == (
        f"Written {target} {tmp_path / 'out'}: 1 image, 1 label, 0 groups (2 left out)"
    )


@pytest.mark.parametrize(
    "format_name, expected",
    [
        # CVAT (subset train/cars) and COCO keep the nesting. The COCO writer puts nested
        # dataset train/cars in subset train as file_name cars/b.png (images/train/cars/b.png,
        # as Datumaro writes an item id with a folder); the reader reads the folders of
        # file_name in a subset file as datasets nested in the subset.
        ("cvat", ["train/a.png", "train/cars/b.png"]),
        ("coco", ["train/a.png", "train/cars/b.png"]),
        # LabelMe and YOLO folders become flat datasets, their names joined by "_".
        ("labelme", ["train/a.png", "train_cars/b.png"]),
        ("yolo", ["train/a.png", "train_cars/b.png"]),
    ],
)
def test_nested_datasets_come_back_the_sdk_s_way(tmp_path, capsys, format_name, expected):
    make_nested_project(tmp_path / "project")

    there = convert_in_process("supervisely", format_name, tmp_path / "project", tmp_path / "f")
    back = convert_in_process(format_name, "supervisely", tmp_path / "f", tmp_path / "back")

    assert (there, back) == (0, 0), capsys.readouterr().err
    assert sorted(read_project(tmp_path / "back")[1]) == expected
    # Every dataset folder is where the SDK puts it: nothing it would skip or warn about.
    project = open_project(tmp_path / "back")
    assert sorted(dataset.name for dataset in project.datasets if len(dataset)) == sorted(
        item.rsplit("/", 1)[0] for item in expected
    )


def test_two_levels_of_nested_datasets_come_back_through_coco(tmp_path, capsys):
    make_nested_project(tmp_path / "project", depth=2)

    there = convert_in_process("supervisely", "coco", tmp_path / "project", tmp_path / "coco")
    back = convert_in_process("coco", "supervisely", tmp_path / "coco", tmp_path / "back")

    assert (there, back) == (0, 0), capsys.readouterr().err
    # One subset file; the nested datasets are folders of file_name, as Datumaro writes ids.
    written = json.loads((tmp_path / "coco" / "annotations" / "instances_train.json").read_text())
    assert [image["file_name"] for image in written["images"]] == [
        "a.png",
        "cars/b.png",
        "cars/red/c.png",
    ]
    assert (tmp_path / "coco" / "images" / "train" / "cars" / "red" / "c.png").is_file()
    assert sorted(read_project(tmp_path / "back")[1]) == [
        "train/a.png",
        "train/cars/b.png",
        "train/cars/red/c.png",
    ]
    assert (tmp_path / "back/train/datasets/cars/datasets/red/img/c.png").is_file()


def test_a_group_that_labelme_cannot_hold_is_warned_about(tmp_path, capsys):
    project = sly.Project(str(tmp_path / "mixed"), sly.OpenMode.CREATE)
    sign, car = sly.ObjClass("sign", sly.Rectangle), sly.ObjClass("car", sly.Rectangle)
    project.set_meta(sly.ProjectMeta([sign, car]))
    ann = sly.Annotation(
        (6, 8),
        [
            sly.Label(sly.Rectangle(0, 0, 1, 1), sign, binding_key="k"),
            sly.Label(sly.Rectangle(3, 3, 4, 4), car, binding_key="k"),
        ],
    )
    project.create_dataset("ds").add_item_np("a.png", np.zeros((6, 8, 3), np.uint8), ann=ann)

    code = convert_in_process("supervisely", "labelme", tmp_path / "mixed", tmp_path / "out")

    output = capsys.readouterr()
    assert code == 0, output.err
    assert warning_lines(output.err) == [
        "warning: a.png: group k mixes classes car, sign: LabelMe groups shapes by label and "
        "group_id, so it reads back as 2 groups",
        "warning: labelme holds 1 image, 2 labels, 2 groups where the project had 1 image, "
        "2 labels, 1 group (docs/formats.md says what each format keeps)",
    ]
    assert output.out.splitlines()[-1] == (
        f"Written labelme {tmp_path / 'out'}: 1 image, 2 labels, 2 groups"
    )

    # --json lists the same warnings, the counts' one included.
    json_out = tmp_path / "json-out"
    code = convert_in_process("supervisely", "labelme", tmp_path / "mixed", json_out, "--json")
    output = capsys.readouterr()
    assert code == 0, output.err
    assert ["warning: " + line for line in json.loads(output.out)["warnings"]] == warning_lines(
        output.err
    )
    assert len(warning_lines(output.err)) == 2


@pytest.fixture(scope="module")
def sample_formats(sample, tmp_path_factory) -> Path:
    """The sample written in each format, once, in this process."""
    folder = tmp_path_factory.mktemp("formats")
    for name in FORMATS:
        assert convert_in_process("supervisely", name, sample, folder / name) == 0
    return folder


@pytest.mark.parametrize(
    "source, target, written",
    [
        # Every group kept where both formats hold groups of those shapes.
        ("labelme", "cvat", SAMPLE_READ),
        ("cvat", "labelme", SAMPLE_READ),
        ("cvat", "coco", SAMPLE_READ),
        ("coco", "cvat", SAMPLE_READ),
        ("labelme", "coco", SAMPLE_READ),
        ("coco", "labelme", SAMPLE_READ),
        ("cvat", "cvat", SAMPLE_READ),
        # YOLO holds no group: one label per object (as supervisely to yolo writes).
        ("cvat", "yolo", "2 images, 6 labels, 0 groups"),
        ("yolo", "labelme", "2 images, 6 labels, 0 groups"),
    ],
)
def test_any_format_converts_to_any_other(
    tmp_path, capsys, sample, sample_formats, source, target, written
):
    read = "2 images, 6 labels, 0 groups" if source == "yolo" else SAMPLE_READ
    out = tmp_path / "out"

    assert convert_in_process(source, target, sample_formats / source, out) == 0

    stdout = capsys.readouterr().out
    assert stdout.splitlines() == [
        f"Read {source} {sample_formats / source}: {read}",
        f"Written {target} {out}: {written}",
    ]
    # Read back through Supervisely: the same objects as the sample when groups survive.
    if written == SAMPLE_READ:
        assert convert_in_process(target, "supervisely", out, tmp_path / "back") == 0
        assert project_objects(tmp_path / "back") == project_objects(sample)
    # Nothing but OUT is left: the temporary project went with the staging folder.
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        ["out"] + (["back"] if written == SAMPLE_READ else [])
    )


@pytest.mark.parametrize(
    "source, target, old",
    [
        # Every writer follows the same rule: an existing OUT is replaced whole with --overwrite.
        ("supervisely", "labelme", "folder"),
        ("supervisely", "cvat", "folder"),
        ("supervisely", "coco", "folder"),
        ("supervisely", "yolo", "folder"),
        ("cvat", "supervisely", "folder"),
        ("labelme", "cvat", "folder"),
        # An empty folder is replaced too.
        ("supervisely", "cvat", "empty"),
    ],
)
def test_overwrite_replaces_an_existing_out_whole(
    tmp_path, capsys, sample, sample_formats, source, target, old
):
    out = tmp_path / "out"
    out.mkdir()
    if old == "folder":
        (out / "stale.txt").write_text("from an earlier run")
    source_dir = sample if source == "supervisely" else sample_formats / source

    # Without --overwrite: refused, OUT untouched.
    assert convert_in_process(source, target, source_dir, out) == 2
    assert "exists: choose a new folder or remove it first (or pass --overwrite" in (
        capsys.readouterr().err
    )
    assert sorted(path.name for path in out.iterdir()) == (["stale.txt"] if old == "folder" else [])

    assert convert_in_process(source, target, source_dir, out, "--overwrite") == 0
    assert "Written" in capsys.readouterr().out
    assert not (out / "stale.txt").exists()
    assert any(out.iterdir())
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]  # no staging, no old OUT


@pytest.mark.parametrize(
    "make_out",
    [
        lambda out: out.write_text("a file"),
        lambda out: out.symlink_to(out.parent / "elsewhere"),  # dangling
        lambda out: (out.parent / "folder").mkdir() or out.symlink_to(out.parent / "folder"),
        lambda out: out.write_text("x") or out.rename(out.parent / "f") or out.symlink_to("f"),
    ],
    ids=["file", "dangling link", "link to a folder", "link to a file"],
)
def test_overwrite_replaces_only_a_folder(tmp_path, capsys, sample, make_out):
    out = tmp_path / "out"
    make_out(out)
    before = sorted(path.name for path in tmp_path.iterdir())

    assert convert_in_process("supervisely", "cvat", sample, out, "--overwrite") == 2

    assert capsys.readouterr().err == (
        f"error: OUT {out} is not a folder: --overwrite replaces only a folder\n"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == before


def test_a_failed_overwrite_leaves_out_as_it_was(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.txt").write_text("kept")
    (tmp_path / "in").mkdir()  # no LabelMe file: the reader fails

    assert convert_in_process("labelme", "cvat", tmp_path / "in", out, "--overwrite") == 2
    assert "no LabelMe file" in capsys.readouterr().err
    assert [path.name for path in out.iterdir()] == ["kept.txt"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in", "out"]


def test_coco_images_are_found_with_the_images_option(tmp_path, capsys):
    write_text(tmp_path / "in" / "labels.json", json.dumps(COCO_WITH_ONE_BOX))
    image_png(tmp_path / "pictures" / "a.png")

    assert convert_in_process("coco", "supervisely", tmp_path / "in", tmp_path / "no") == 2
    assert "put the images there, or name their folder with --images" in capsys.readouterr().err

    images = ["--images", tmp_path / "pictures"]
    assert convert_in_process("coco", "cvat", tmp_path / "in", tmp_path / "out", *images) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"Written cvat {tmp_path / 'out'}: 1 image, 1 label, 0 groups"
    )


COCO_WITH_ONE_BOX = {
    "images": [{"id": 1, "file_name": "a.png", "height": 6, "width": 8}],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[]], "bbox": [1, 1, 3, 2]}
    ],
    "categories": [{"id": 1, "name": "sign"}],
}


def test_a_coco_folder_of_subsets_reads_as_one_dataset_each(tmp_path, capsys):
    # CVAT and Datumaro's layout: annotations/instances_<subset>.json + images/<subset>/.
    for subset in ("train", "val"):
        write_text(
            tmp_path / "in" / "annotations" / f"instances_{subset}.json",
            json.dumps(COCO_WITH_ONE_BOX),
        )
        image_png(tmp_path / "in" / "images" / subset / "a.png")

    assert convert_in_process("coco", "supervisely", tmp_path / "in", tmp_path / "out") == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(": 2 images, 2 labels, 0 groups")
    assert sorted(read_project(tmp_path / "out")[1]) == ["train/a.png", "val/a.png"]


@pytest.mark.parametrize(
    "source, target",
    [("labelme", "cvat"), ("cvat", "labelme"), ("coco", "cvat"), ("yolo", "labelme")],
)
def test_format_to_labelme_or_cvat_passes_annotations_in_memory(
    tmp_path, monkeypatch, capsys, sample_formats, source, target
):
    # No Supervisely project is made on the way: sly.Project is never opened or created.
    def no_project(*args, **kwargs):
        raise AssertionError("a project was made")

    monkeypatch.setattr(sly.Project, "__init__", no_project)
    out = tmp_path / "out"

    assert convert_in_process(source, target, sample_formats / source, out) == 0
    read, written = capsys.readouterr().out.splitlines()
    assert read.split(": ")[1] == written.split(": ")[1]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]


def test_cvat_to_cvat_in_memory_keeps_the_class_colours(tmp_path, sample, sample_formats):
    assert convert_in_process("cvat", "cvat", sample_formats / "cvat", tmp_path / "out") == 0
    assert convert_in_process("cvat", "supervisely", tmp_path / "out", tmp_path / "back") == 0
    meta, _ = read_project(tmp_path / "back")
    assert {c.name: c.color for c in meta.obj_classes} == {
        c.name: c.color for c in read_project(sample)[0].obj_classes
    }


# A CVAT task whose meta declares car, person, sign (sign with no shape) and whose first shape is
# a person: a class's number and place come from the declaration, not from the first shape.
DECLARED_CVAT = """<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version><meta><task><name>t</name><labels>
<label><name>car</name><color>#ff0000</color><type>polygon</type></label>
<label><name>person</name><color>#00ff00</color><type>rectangle</type></label>
<label><name>sign</name><color>#0000ff</color><type>rectangle</type></label>
</labels></task></meta>
<image id="0" name="a.png" width="8" height="6">
<box label="person" xtl="0" ytl="0" xbr="2" ybr="2"/>
<polygon label="car" points="4,1;7,1;7,4"/>
</image></annotations>
"""


def declared_order(format_name: str, out: Path) -> List[str]:
    """The class names ``out`` (in ``format_name``) lists, in the order of their ids."""
    if format_name == "cvat":
        root = ET.parse(out / "annotations.xml").getroot()
        return [label.findtext("name") for label in root.iterfind("./meta/*/labels/label")]
    if format_name == "coco":
        coco = json.loads(next((out / "annotations").glob("*.json")).read_text())
        return [category["name"] for category in sorted(coco["categories"], key=lambda c: c["id"])]
    names = yaml.safe_load((out / "data.yaml").read_text())["names"]
    return [names[i] for i in range(len(names))]


@pytest.mark.parametrize(
    "chain",
    [
        # In memory, every writer lists IN's classes as IN declares them, unused ones too...
        ["cvat", "coco"],
        ["cvat", "yolo"],
        ["cvat", "yolo-det"],
        ["cvat", "cvat"],
        # ... and so the classes keep their numbers through a second conversion.
        ["cvat", "coco", "yolo"],
        ["cvat", "yolo", "coco"],
        ["cvat", "coco", "cvat"],
    ],
)
def test_format_to_format_keeps_the_classes_in_declares_in_order(tmp_path, capsys, chain):
    write_text(tmp_path / "0-cvat" / "annotations.xml", DECLARED_CVAT)
    image_png(tmp_path / "0-cvat" / "images" / "a.png")

    for step, (source, target) in enumerate(zip(chain, chain[1:]), start=1):
        source_dir = tmp_path / f"{step - 1}-{source}"
        assert convert_in_process(source, target, source_dir, tmp_path / f"{step}-{target}") == 0
    capsys.readouterr()

    # As the way through a Supervisely project has them: the reader's declared classes first.
    last = tmp_path / f"{len(chain) - 1}-{chain[-1]}"
    assert declared_order(chain[-1].split("-")[0], last) == ["car", "person", "sign"]
    if chain[-1].startswith("yolo"):  # the person box is class 1, the car polygon class 0
        lines = (last / "labels" / "default" / "a.txt").read_text().splitlines()
        assert [line.split()[0] for line in lines] == ["1", "0"]
    if chain == ["cvat", "cvat"]:  # the declared colours and types are kept
        root = ET.parse(last / "annotations.xml").getroot()
        labels = root.iterfind("./meta/*/labels/label")
        assert [(label.findtext("color").lower(), label.findtext("type")) for label in labels] == [
            ("#ff0000", "polygon"),
            ("#00ff00", "rectangle"),
            ("#0000ff", "rectangle"),
        ]


def test_yolo_det_output_is_read_back_named_as_it_was_written(tmp_path, capsys, sample):
    assert convert_in_process("supervisely", "yolo-det", sample, tmp_path / "det") == 0
    capsys.readouterr()

    assert convert_in_process("yolo-det", "supervisely", tmp_path / "det", tmp_path / "a") == 0
    assert convert_in_process("yolo", "supervisely", tmp_path / "det", tmp_path / "b") == 0

    first, second = capsys.readouterr().out.splitlines()[::2]
    assert first.replace(str(tmp_path / "det"), "") == second.replace(str(tmp_path / "det"), "")
    assert project_objects(tmp_path / "a") == project_objects(tmp_path / "b")


@pytest.mark.parametrize(
    "in_path, out_path, extra",
    [
        # The images of a COCO file IN lie beside it: OUT must not replace their folder...
        ("in/annotations/instances_train.json", "in/images", []),
        ("in/annotations/instances_train.json", "in/images/train", []),
        ("in/annotations", "in/images", []),
        # ... nor a folder inside it, where a file_name with folders (sub/b.png) is read...
        ("in/annotations/instances_train.json", "in/images/train/sub", []),
        ("in/annotations", "in/images/train/sub", []),
        # ... nor the folder --images names, or one inside it.
        ("in/annotations/instances_train.json", "pics", ["--images", "pics"]),
        ("in/annotations/instances_train.json", ".", ["--images", "pics"]),
        ("in/annotations/instances_train.json", "pics/train/sub", ["--images", "pics"]),
    ],
)
def test_overwrite_never_replaces_the_folder_in_s_images_are_read_from(
    tmp_path, capsys, monkeypatch, in_path, out_path, extra
):
    coco_boxes_subset(tmp_path / "in", ["a.png", "sub/b.png"])
    image_png(tmp_path / "pics" / "train" / "a.png")
    image_png(tmp_path / "pics" / "train" / "sub" / "b.png")
    monkeypatch.chdir(tmp_path)
    out = Path(out_path) if out_path != "." else Path("pics/..")
    before = sorted(str(path) for path in tmp_path.rglob("*"))

    code = convert_in_process("coco", "yolo", in_path, out, "--overwrite", *extra)

    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: OUT {out} ") and error.count("\n") == 1, error
    assert sorted(str(path) for path in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("target", FILE_FORMATS)
def test_a_nested_dataset_listed_before_its_parent_converts(tmp_path, capsys, target):
    coco_boxes_subset(tmp_path / "in", ["cars/b.png", "a.png"])

    assert (
        convert_in_process("coco", target, tmp_path / "in", tmp_path / "out") == 0
    ), capsys.readouterr().err
    assert capsys.readouterr().out.splitlines()[-1].endswith(": 2 images, 2 labels, 0 groups")


@pytest.mark.parametrize(
    "out, message",
    [
        (".", "names no folder of its own"),
        ("..", "names no folder of its own"),
        ("sub/..", "names no folder of its own"),
        ("x" * 250, None),  # a name the file system takes: the staging folder's is cut to fit
        ("x" * 256, "its name is longer than 255 bytes"),
    ],
)
def test_out_names_a_folder_of_its_own(tmp_path, capsys, monkeypatch, sample, out, message):
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")

    code = convert_in_process("supervisely", "cvat", sample, out, "--overwrite")

    error = capsys.readouterr().err
    if message is None:
        assert code == 0, error
        assert sorted(path.name for path in Path(".").iterdir()) == [out]
    elif out.startswith("x"):
        assert (code, error.count("\n")) == (2, 1) and message in error, error
    else:
        assert (code, error) == (
            2,
            f"error: OUT {out} {message}: end it with the name of a new folder\n",
        )
        assert not list(Path(".").iterdir())


def test_a_failed_run_removes_the_folders_it_made_on_the_way_to_out(tmp_path, capsys):
    (tmp_path / "in").mkdir()  # no LabelMe file: the reader fails

    out = tmp_path / "made" / "on" / "the" / "way" / "out"
    assert convert_in_process("labelme", "cvat", tmp_path / "in", out) == 2

    assert "no LabelMe file" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in"]


def test_with_verify_an_out_its_reader_refuses_is_not_left_behind(tmp_path, capsys):
    # 6,000 classes of long names make a data.yaml over the 1 MiB the YOLO reader takes: the
    # read-back fails.
    coco = json.loads(
        (
            coco_boxes_subset(tmp_path / "in", ["a.png"]) / "annotations" / "instances_train.json"
        ).read_text()
    )
    coco["categories"] += [
        {"id": number, "name": f"c{number}-{'x' * 200}"} for number in range(2, 6_002)
    ]
    write_text(tmp_path / "in" / "annotations" / "instances_train.json", json.dumps(coco))

    assert convert_in_process("coco", "yolo", tmp_path / "in", tmp_path / "out", "--verify") == 2

    error = capsys.readouterr().err
    assert error.startswith(f"error: {tmp_path / 'out' / 'data.yaml'}: larger than 1024 KiB")
    assert error.rstrip().endswith(
        "(found by --verify, reading back what this run wrote: OUT is not written)"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in"]


@pytest.mark.parametrize(
    "order, message",
    [
        (
            ["a.png", "a.png/b.png"],
            "OUT {out}: images/train/a.png would be both a file and a folder (an image and a "
            "dataset of IN share its name): rename one of them in IN",
        ),
        # The folder first: the writer's own check names the image in IN.
        (
            ["a.png/b.png", "a.png"],
            "{json}: image 2: file_name: 'a.png' is used twice in subset 'train': give each "
            "image its own name",
        ),
    ],
)
def test_an_image_and_a_dataset_of_one_name_are_named(tmp_path, capsys, order, message):
    # Found in two of the folders COCO images are looked for in: beside the JSON, and in
    # images/train/.
    coco_boxes_subset(tmp_path / "in", ["a.png/b.png"])
    image_png(tmp_path / "in" / "annotations" / "a.png")
    json_path = tmp_path / "in" / "annotations" / "instances_train.json"
    coco = json.loads(json_path.read_text())
    coco["images"] = [
        {"id": number, "file_name": name, "height": 6, "width": 8}
        for number, name in enumerate(order, start=1)
    ]
    json_path.write_text(json.dumps(coco))

    assert convert_in_process("coco", "cvat", tmp_path / "in", tmp_path / "out") == 2

    expected = message.format(out=tmp_path / "out", json=json_path)
    assert capsys.readouterr().err == f"error: {expected}\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in"]


def test_a_failed_run_removes_only_the_folders_it_made(tmp_path, capsys, monkeypatch):
    (tmp_path / "in").mkdir()  # no LabelMe file: the reader fails
    (tmp_path / "keep").mkdir()
    monkeypatch.chdir(tmp_path)

    assert convert_in_process("labelme", "cvat", "in", "new/../keep/out") == 2

    assert "no LabelMe file" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in", "keep"]


@pytest.mark.parametrize("name", ["car\x00", "car\x01", "car\ud800", "car\uffff"])
def test_a_class_name_xml_cannot_hold_is_refused_writing_cvat(tmp_path, capsys, name):
    folder = coco_boxes_subset(tmp_path / "in", ["a.png"])
    json_path = folder / "annotations" / "instances_train.json"
    coco = json.loads(json_path.read_text())
    coco["categories"][0]["name"] = name
    json_path.write_text(json.dumps(coco))

    assert convert_in_process("coco", "cvat", folder, tmp_path / "out") == 2

    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "holds a character XML cannot hold" in error, error
    assert f"class {name!r}" in error
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in"]
