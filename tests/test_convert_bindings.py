"""src/convert_bindings.py as a user runs it: every pair, the demo round trip, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly

import convert_bindings
from cli import run
from convert_bindings import USER_ERRORS
from format_samples import make_sample_project, project_objects, read_project
from group_merge import annotation_objects, group_mask

REPO_DIR = Path(__file__).resolve().parent.parent
CONVERT = REPO_DIR / "src" / "convert_bindings.py"
FORMATS = ["labelme", "cvat", "coco", "yolo"]
# The sample project: 2 images; 10 labels in 3 groups (the car, the walkers, the signs 7/"7").
SAMPLE_READ = "2 images, 10 labels, 3 groups"


def convert(*args, cwd: Path) -> subprocess.CompletedProcess:
    """Run the command as a user does."""
    return subprocess.run(command(*args), cwd=cwd, capture_output=True, text=True, timeout=120)


def command(*args) -> list[str]:
    return [sys.executable, str(CONVERT), *map(str, args)]


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: ")]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return make_sample_project(tmp_path_factory.mktemp("sample") / "project")


@pytest.fixture(scope="module")
def round_trips(sample, tmp_path_factory) -> dict:
    """The sample converted to every format and back, each run a separate process.

    Returns, per format: the two runs (there, back) and the folder written by the second.
    The four formats run side by side: each run spends most of its time importing the SDK.
    """
    folder = tmp_path_factory.mktemp("round_trips")
    runs: dict = {name: [] for name in FORMATS}
    for source, target in (("supervisely", "{name}"), ("{name}", "supervisely")):
        started = {}
        for name in FORMATS:
            paths = {"supervisely": sample, name: folder / name}
            if source != "supervisely":  # the way back
                paths["supervisely"] = folder / f"back-{name}"
            first, second = source.format(name=name), target.format(name=name)
            started[name] = subprocess.Popen(
                command(first, second, paths[first], paths[second]),
                cwd=folder,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        for name, process in started.items():
            stdout, stderr = process.communicate(timeout=120)
            runs[name].append(
                subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
            )
    return {name: (*runs[name], folder) for name in FORMATS}


@pytest.mark.parametrize("format_name", ["labelme", "cvat", "coco"])
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
    assert not list(folder.glob(".*partial"))


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
        f"warning: {folder / 'yolo'}: YOLO has no groups: every line (6 in all) is read as one "
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
    data["shapes"] = [{**LABELME_SHAPE, "points": [[0, 0], [3, 3]]}]
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


def bad_supervisely(root: Path) -> None:
    write_text(root / "meta.json", '{"classes": [], "tags": []}')
    write_text(root / "ds" / "ann" / "a.png.json", '{"size": {"height": 6}}')
    image_png(root / "ds" / "img" / "a.png")


def bad_binding_key(root: Path) -> None:
    """A hand-edited project: one label's binding key is an object, not a string."""
    car = {"title": "car", "shape": "rectangle", "color": "#FF0000", "geometry_config": {}}
    write_text(root / "meta.json", json.dumps({"classes": [car], "tags": []}))
    label = {
        "classTitle": "car",
        "geometryType": "rectangle",
        "tags": [],
        "instance": [1, 2],
        "points": {"exterior": [[0, 0], [2, 2]], "interior": []},
    }
    write_text(
        root / "ds" / "ann" / "a.png.json",
        json.dumps(
            {"size": {"height": 6, "width": 6}, "tags": [], "description": "", "objects": [label]}
        ),
    )
    image_png(root / "ds" / "img" / "a.png")


def convert_in_process(*args) -> int:
    """What ``python src/convert_bindings.py ARGS`` does, in this process; returns the exit code."""
    try:
        return run(lambda: convert_bindings.main([str(arg) for arg in args]), USER_ERRORS)
    except SystemExit as exit:  # argparse's own errors
        return exit.code


@pytest.mark.parametrize(
    "source, make, target, expected",
    [
        # Each format's reader: the line names the file and the field.
        (
            "labelme",
            bad_labelme,
            "supervisely",
            "street/a.json: shapes[0].points: a polygon needs 3",
        ),
        ("cvat", bad_cvat, "supervisely", "annotations.xml: <image name='a.png'> <mask> #1: rle:"),
        ("coco", bad_coco, "supervisely", "annotations.json: annotation 1: category_id: 7 is no"),
        ("yolo", bad_yolo, "supervisely", "labels/train/a.txt: line 2: class id 3"),
        # A Supervisely project with a broken annotation file.
        (
            "supervisely",
            bad_supervisely,
            "labelme",
            "ds/ann/a.png.json: not a Supervisely annotation",
        ),
        (
            "supervisely",
            bad_binding_key,
            "cvat",
            "ds/ann/a.png.json: binding key [1, 2] of a 'car' label is a list: a key must be",
        ),
        # A folder with nothing of the format in it.
        ("labelme", lambda root: root.mkdir(), "supervisely", "holds no labelme images"),
        ("supervisely", lambda root: root.mkdir(), "cvat", "is not a Supervisely project folder"),
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
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".*partial"))  # nothing half-written left behind


def test_bad_input_ends_the_process_with_one_line_and_exit_code_2(tmp_path):
    bad_yolo(tmp_path / "in")

    result = convert("yolo", "supervisely", tmp_path / "in", tmp_path / "out", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr == (
        f"error: {tmp_path / 'in' / 'labels' / 'train' / 'a.txt'}: line 2: class id 3: "
        "data.yaml names only ids 0 to 0\n"
    )
    assert result.stdout == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in"]


@pytest.mark.parametrize(
    "args, expected",
    [
        # OUT exists: never written over.
        (["supervisely", "labelme", "{sample}", "{tmp}"], "exists: choose a new folder"),
        # IN does not exist.
        (["labelme", "supervisely", "{tmp}/nothing", "{tmp}/out"], "does not exist"),
        # IN is a file where a folder is read.
        (["yolo", "supervisely", "{sample}/meta.json", "{tmp}/out"], "is a file"),
        # Two formats, or Supervisely twice: one side must be Supervisely.
        (["labelme", "yolo", "{sample}", "{tmp}/out"], "one of FROM and TO must be supervisely"),
        (["supervisely", "supervisely", "{sample}", "{tmp}/out"], "one of FROM and TO"),
        # A format that does not exist.
        (["supervisely", "voc", "{sample}", "{tmp}/out"], "invalid choice: 'voc'"),
    ],
)
def test_bad_arguments_exit_2(tmp_path, capsys, sample, args, expected):
    args = [arg.format(sample=sample, tmp=tmp_path) for arg in args]

    assert convert_in_process(*args) == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


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
        "2 labels, 1 group (README, 'Convert bindings to other formats', says what survives)",
    ]
    assert output.out.splitlines()[-1] == (
        f"Written labelme {tmp_path / 'out'}: 1 image, 2 labels, 2 groups"
    )
