"""sly_bindings.formats.coco.write: a hand-checked project exported and read back with pycocotools, beside the SDK's
own exporter, which writes the Bitmaps of a group as separate instances."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from contextlib import nullcontext as does_not_raise
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from bindings import binding_groups
from commands import convert_in_process, sly_bindings_captured
from sly_bindings.cli.main import USER_ERRORS, main
from sly_bindings.cli.runner import run
from sly_bindings.formats.coco.write import (
    CocoExportError,
    CocoExportWarning,
    annotation_to_coco,
    project_to_coco,
    write_coco,
)
from sly_bindings.files.project_folder import ProjectFolderError
from label_literals import CAR, PERSON, bitmap, polygon

REPO_DIR = Path(__file__).resolve().parents[2]
SIGN = sly.ObjClass("sign", sly.Rectangle)
THING = sly.ObjClass("thing", sly.AnyGeometry)
POINT = sly.ObjClass("point", sly.Point)
META = sly.ProjectMeta(obj_classes=[CAR, PERSON, SIGN, THING, POINT])
CATEGORY_IDS = {"car": 1, "person": 2, "sign": 3, "thing": 4, "point": 5}


def server_key(label: sly.Label, key) -> sly.Label:
    """``label`` with the key a server may answer: Label.from_json keeps a number as it comes."""
    return sly.Label.from_json({**label.to_json(), "instance": key}, META)


# Image a.png, 6x8: a car in three parts (touching the top-left, and the right and bottom
# borders), an unbound car pixel, a person in two polygons and an unbound sign, interleaved.
CAR_GROUP = [
    bitmap([[1, 1], [1, 1]], 0, 0, key="c1"),
    bitmap([[1, 1, 1]], 3, 2, key="c1"),
    bitmap([[1], [1]], 4, 7, key="c1"),
]
IMAGE_A = sly.Annotation(
    (6, 8),
    [
        CAR_GROUP[0],
        bitmap([[1]], 5, 0),
        polygon([(0, 4), (0, 6), (2, 4)], key="p"),
        CAR_GROUP[1],
        sly.Label(sly.Rectangle(1, 2, 2, 3), SIGN),
        polygon([(4, 4), (4, 5), (5, 5), (5, 4)], key="p"),
        CAR_GROUP[2],
    ],
)
# Image b.png, 6x6: a thing made of a mask and a polygon, with keys 7 and "7" (one group), and a
# person with a hole.
IMAGE_B = sly.Annotation(
    (6, 6),
    [
        server_key(bitmap([[1, 1]], 0, 0, obj_class=THING), 7),
        server_key(polygon([(2, 2), (2, 3), (3, 3)], obj_class=THING), "7"),
        polygon([(1, 1), (1, 5), (5, 5), (5, 1)], holes=[[(2, 2), (2, 4), (4, 2)]]),
    ],
)
IMAGE_C = sly.Annotation((3, 3))  # no labels

# What each instance must be, checked by eye: image, category, area, bbox, and the union mask
# (for an RLE) or the polygon list. A bbox [x, y, w, h] is the SDK's: right = x + w (issue 13),
# so a box of one pixel is [x, y, 0, 0].
EXPECTED = [
    # bbox and area of the segmentation as pycocotools reads it (mask.toBbox, mask.area): a
    # mask's box spans its pixels, [x, y, w, h] with w the number of columns.
    (1, "car", 9, [0, 0, 8, 6], "rle", [
        [1, 1, 0, 0, 0, 0, 0, 0],
        [1, 1, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 1, 1, 1, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 0, 1],
    ]),
    (1, "car", 1, [0, 5, 1, 1], "rle", [
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0],
        [1, 0, 0, 0, 0, 0, 0, 0],
    ]),
    # The polygons as pycocotools fills them (pixel centres inside): the triangle's 1 pixel
    # (its hypotenuse passes through the centre of (5, 0)), the unit square's 1.
    (1, "person", 2, [4, 0, 1, 5], "polygons",
     [[4.0, 0.0, 6.0, 0.0, 4.0, 2.0], [4.0, 4.0, 5.0, 4.0, 5.0, 5.0, 4.0, 5.0]]),
    (1, "sign", 1, [2, 1, 1, 1], "polygons", [[2.0, 1.0, 3.0, 1.0, 3.0, 2.0, 2.0, 2.0]]),
    (2, "thing", 5, [0, 0, 4, 4], "rle", [
        [1, 1, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0],
        [0, 0, 1, 1, 0, 0],
        [0, 0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0],
    ]),
    # A 5x5 square less a triangular hole of 3 + 2 + 1 pixels.
    (2, "person", 19, [1, 1, 5, 5], "rle", [
        [0, 0, 0, 0, 0, 0],
        [0, 1, 1, 1, 1, 1],
        [0, 1, 0, 0, 0, 1],
        [0, 1, 0, 0, 1, 1],
        [0, 1, 0, 1, 1, 1],
        [0, 1, 1, 1, 1, 1],
    ]),
]  # fmt: skip


@pytest.fixture
def project_dir(tmp_path) -> str:
    """The local project of images a.png, b.png and c.png above, in dataset "ds"."""
    project = sly.Project(str(tmp_path / "cars"), sly.OpenMode.CREATE)
    project.set_meta(META)
    dataset = project.create_dataset("ds")
    for name, ann in (("a.png", IMAGE_A), ("b.png", IMAGE_B), ("c.png", IMAGE_C)):
        dataset.add_item_np(name, np.zeros(ann.img_size + (3,), np.uint8), ann=ann)
    return project.directory


def test_the_export_reads_back_with_pycocotools_one_instance_per_object(project_dir, tmp_path):
    out_path = tmp_path / "coco" / "instances.json"
    write_coco(project_dir, str(out_path))
    coco = COCO(str(out_path))

    # The point class holds no COCO instance: left out (issue 18), the others keep their ids.
    assert {category["name"]: category["id"] for category in coco.loadCats(coco.getCatIds())} == {
        name: number for name, number in CATEGORY_IDS.items() if name != "point"
    }
    assert [(image["id"], image["file_name"], image["height"], image["width"])
            for image in coco.loadImgs(coco.getImgIds())] == [
        (1, "ds/img/a.png", 6, 8), (2, "ds/img/b.png", 6, 6), (3, "ds/img/c.png", 3, 3)
    ]  # fmt: skip
    objects = sum(
        len(groups) + len(unbound)
        for groups, unbound in map(binding_groups, (IMAGE_A, IMAGE_B, IMAGE_C))
    )
    assert len(coco.anns) == objects == len(EXPECTED) == 6

    for number, (image_id, category, area, bbox, kind, expected) in enumerate(EXPECTED, start=1):
        instance = coco.anns[number]
        assert instance["image_id"] == image_id
        assert coco.cats[instance["category_id"]]["name"] == category
        assert instance["area"] == area
        assert instance["bbox"] == bbox
        assert instance["iscrowd"] == 0
        if kind == "rle":
            union = mask_utils.decode(instance["segmentation"])
            np.testing.assert_array_equal(union, np.array(expected, dtype=np.uint8))
            assert int(union.sum()) == area
            np.testing.assert_array_equal(coco.annToMask(instance), union)
        else:
            assert instance["segmentation"] == expected
            assert coco.annToMask(instance).any()  # pycocotools can draw the polygon list
    assert coco.getAnnIds(imgIds=[3]) == []


def test_the_sdk_exporter_writes_the_bitmaps_of_a_group_as_separate_instances(
    project_dir, tmp_path
):
    sly.Project(project_dir, sly.OpenMode.READ).to_coco(
        dest_dir=str(tmp_path / "sdk"), log_progress=False
    )
    sdk = COCO(str(tmp_path / "sdk" / "ds" / "annotations" / "coco_instances.json"))
    ours = COCO(write_and_path(project_dir, tmp_path / "ours.json"))

    def car_areas(coco: COCO) -> list:
        ids = coco.getAnnIds(imgIds=[1], catIds=[CATEGORY_IDS["car"]])
        return sorted(int(coco.anns[number]["area"]) for number in ids)

    # The three bound parts (4, 3 and 2 pixels) stay three instances in the SDK's file.
    assert car_areas(sdk) == [1, 2, 3, 4]
    assert car_areas(ours) == [1, 9]
    assert len(sdk.anns) > len(ours.anns)


def write_and_path(project_dir: str, out_path: Path) -> str:
    write_coco(project_dir, str(out_path))
    return str(out_path)


@pytest.mark.parametrize(
    "labels, first_id, expected, exception",
    [
        ([], 1, [], does_not_raise()),  # no labels: no instance
        (  # one label: one instance, ids from first_id
            [bitmap([[1, 1]], 1, 1)], 5,
            [(5, 1, 2, [1.0, 1.0, 2.0, 1.0], "rle")],
            does_not_raise(),
        ),
        (  # polygons and a rectangle of the polygons' class: the rectangle is the bbox; the
            # triangle holds no pixel centre, so pycocotools reads an area of 0
            [polygon([(0, 0), (0, 1), (1, 0)], obj_class=THING, key="g"),
             sly.Label(sly.Rectangle(2, 2, 3, 3), THING, binding_key="g")], 1,
            [(1, 4, 0, [2.0, 2.0, 1.0, 1.0], [[0.0, 0.0, 1.0, 0.0, 0.0, 1.0]])],
            does_not_raise(),
        ),
        (  # a rectangle and a mask in one group: the mask's RLE, the rectangle's bbox
            [bitmap([[1]], obj_class=THING, key="g"),
             sly.Label(sly.Rectangle(2, 2, 3, 3), THING, binding_key="g")], 1,
            [(1, 4, 1, [2.0, 2.0, 1.0, 1.0], "rle")],
            does_not_raise(),
        ),
        (  # rectangles only (of two classes): the sign rectangles are the object (sign leads
            # by area), the thing rectangle its part (issue 18); pycocotools reads the one-point
            # rectangles as empty: area and box of the square, the part's own box
            [sly.Label(sly.Rectangle(0, 0, 0, 0), SIGN, binding_key="g"),
             sly.Label(sly.Rectangle(2, 2, 3, 3), SIGN, binding_key="g"),
             sly.Label(sly.Rectangle(3, 0, 3, 0), THING, binding_key="g")], 1,
            [(1, 3, 1, [2.0, 2.0, 1.0, 1.0], [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                                            [2.0, 2.0, 3.0, 2.0, 3.0, 3.0, 2.0, 3.0]]),
             (2, 4, 0, [0.0, 3.0, 0.0, 0.0], [[0.0, 3.0, 0.0, 3.0, 0.0, 3.0, 0.0, 3.0]])],
            does_not_raise(),
        ),
        (  # a group of a car mask and a larger person polygon (issue 18): the person instance,
            # its own polygon, and the car instance, its own mask
            [bitmap([[1]], key="mixed"), polygon([(0, 0), (0, 2), (2, 0)], key="mixed")], 1,
            [(1, 2, 1, [0.0, 0.0, 1.0, 1.0], [[0.0, 0.0, 2.0, 0.0, 0.0, 2.0]]),
             (2, 1, 1, [0.0, 0.0, 1.0, 1.0], "rle")],
            does_not_raise(),
        ),
        (  # a group's point is left out
            [bitmap([[1, 1]], key="k"), sly.Label(sly.Point(3, 3), POINT, binding_key="k")], 1,
            [(1, 1, 2, [0.0, 0.0, 2.0, 1.0], "rle")],
            does_not_raise(),
        ),
        (  # parts over the border: the SDK crops them to the image, a part outside is dropped
            [bitmap([[1, 1, 1]], 3, 2, key="g"), bitmap([[1]], 9, 9, key="g")], 1,
            [(1, 1, 2, [2.0, 3.0, 2.0, 1.0], "rle")],
            does_not_raise(),
        ),
        (  # a triangle over two borders: the SDK crops it to rows 0-2, columns 0-3
            [polygon([(-2, 0), (2, 0), (2, 6)])], 1,
            [(1, 2, 6, [0.0, 0.0, 3.0, 2.0], [[0.0, 2.0, 0.0, 0.0, 3.0, 0.0, 3.0, 2.0]])],
            does_not_raise(),
        ),
        ([], 0, None, pytest.raises(ValueError, match="first_id must be a whole number from 1")),
        (  # a class without a category id
            [bitmap([[1]], obj_class=sly.ObjClass("bus", sly.Bitmap))], 1, None,
            pytest.raises(ValueError, match="class 'bus' has no category id"),
        ),
        (  # a point is no COCO instance: left out with a warning, as any record a target
            # cannot hold (issue 17, kind 1)
            [sly.Label(sly.Point(1, 1), POINT)], 1, [],
            pytest.warns(CocoExportWarning, match="a point point left out: a COCO instance needs"),
        ),
    ],
)  # fmt: skip
def test_annotation_to_coco(labels, first_id, expected, exception):
    ann = sly.Annotation((4, 4), labels)
    before = ann.to_json()
    with exception:
        instances = annotation_to_coco(ann, 1, CATEGORY_IDS, first_id=first_id)
        got = [
            (
                instance["id"],
                instance["category_id"],
                instance["area"],
                instance["bbox"],
                "rle" if isinstance(instance["segmentation"], dict) else instance["segmentation"],
            )
            for instance in instances
        ]
        assert got == expected
        json.dumps(instances)  # JSON-serialisable as it is
        for instance in instances:
            if isinstance(instance["segmentation"], dict):
                union = mask_utils.decode(instance["segmentation"])
                assert int(union.sum()) == instance["area"]
    assert ann.to_json() == before


def two_skeletons_project(tmp_path: Path) -> None:
    """Project ``bad``: one image with a group of two keypoints labels, one object with two
    skeletons, which no COCO instance holds."""
    from supervisely.geometry.graph import KeypointsTemplate, Node

    template = KeypointsTemplate()
    template.add_point(label="nose", row=0, col=0)
    nodes = sly.ObjClass("nodes", sly.GraphNodes, geometry_config=template)
    project = sly.Project(str(tmp_path / "bad"), sly.OpenMode.CREATE)
    project.set_meta(META.add_obj_class(nodes))
    labels = [
        sly.Label(sly.GraphNodes({"nose": Node(sly.PointLocation(row, 1))}), nodes, binding_key="k")
        for row in (0, 2)
    ]
    project.create_dataset("ds").add_item_np(
        "x.png", np.zeros((3, 3, 3), np.uint8), ann=sly.Annotation((3, 3), labels)
    )


def test_project_errors_name_the_image(tmp_path):
    two_skeletons_project(tmp_path)
    with pytest.raises(CocoExportError, match="^ds/img/x.png: group 'k' has 2 keypoints labels"):
        project_to_coco(str(tmp_path / "bad"))


def test_a_lone_point_is_left_out_with_a_warning_naming_the_image(tmp_path):
    lone_point_project(tmp_path)
    with pytest.warns(CocoExportWarning) as caught:
        coco = project_to_coco(str(tmp_path / "bad"))
    assert [str(w.message) for w in caught] == [
        "ds/img/x.png: label of class 'point': a point point left out: a COCO instance needs a "
        "mask, a polygon, a box or keypoints",
        f"{tmp_path / 'bad'}: point left out of the categories: a COCO instance needs a mask, a "
        "polygon, a box or keypoints",
    ]
    assert len(coco["annotations"]) == 1
    assert "point" not in [category["name"] for category in coco["categories"]]


def test_not_a_project_folder(tmp_path):
    with pytest.raises(ProjectFolderError, match="is not a Supervisely project"):
        project_to_coco(str(tmp_path))


def test_a_failed_export_leaves_the_previous_file_as_it_was(tmp_path):
    two_skeletons_project(tmp_path)
    out_path = tmp_path / "instances.json"
    out_path.write_text('{"previous": true}')
    with pytest.raises(CocoExportError, match="has 2 keypoints labels"):
        write_coco(str(tmp_path / "bad"), str(out_path))
    assert json.loads(out_path.read_text()) == {"previous": True}
    assert sorted(os.listdir(tmp_path)) == ["bad", "instances.json"]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``sly-bindings convert supervisely coco ARGS`` as a user runs it, in ``cwd``, in this
    process."""
    return sly_bindings_captured("convert", "supervisely", "coco", *args, cwd=cwd)


def test_command_line_writes_the_folder(project_dir, tmp_path):
    result = run_cli(project_dir, "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("Written coco out: 3 images")
    written = json.loads((tmp_path / "out" / "annotations" / "instances_ds.json").read_text())
    assert len(written["annotations"]) == 6
    assert sorted(path.name for path in (tmp_path / "out" / "images" / "ds").iterdir()) == [
        "a.png",
        "b.png",
        "c.png",
    ]


def lone_point_project(tmp_path: Path) -> None:
    """Project ``bad``: one image with a lone point, which no COCO instance holds."""
    project = sly.Project(str(tmp_path / "bad"), sly.OpenMode.CREATE)
    project.set_meta(META)
    labels = [bitmap([[1]], key="k"), sly.Label(sly.Point(1, 1), POINT)]
    project.create_dataset("ds").add_item_np(
        "x.png", np.zeros((3, 3, 3), np.uint8), ann=sly.Annotation((3, 3), labels)
    )


def with_annotation_file(content: bytes):
    """Make project ``bad`` with its one annotation file replaced by ``content``."""

    def make(tmp_path: Path) -> None:
        lone_point_project(tmp_path)
        (tmp_path / "bad" / "ds" / "ann" / "x.png.json").write_bytes(content)

    return make


def without(relative: str):
    """Make project ``bad`` without one of its files."""

    def make(tmp_path: Path) -> None:
        lone_point_project(tmp_path)
        (tmp_path / "bad" / relative).unlink()

    return make


@pytest.mark.parametrize(
    "make, project, out, message",
    [
        (lone_point_project, "missing", "out", "IN missing does not exist: check the path"),
        (
            two_skeletons_project,
            "bad",
            "out",
            # A project's item is named by its annotation file, as for every target.
            "bad/ds/ann/x.png.json: group 'k' has 2 keypoints labels",
        ),
        # An empty folder, or one with a stray file: no project.
        (lambda tmp_path: (tmp_path / "bad").mkdir(), "bad", "out", "(no meta.json)"),
        (
            lambda tmp_path: (tmp_path / "bad").mkdir() or (tmp_path / "bad" / "x.txt").touch(),
            "bad",
            "out",
            "bad is not a Supervisely project (no meta.json): pass the folder that holds",
        ),
        # Annotation files that are empty or not UTF-8 (an object of a class meta.json lacks is
        # a record: skipped with a warning, tests/formats/test_bad_records.py).
        (
            with_annotation_file(b""),
            "bad",
            "out",
            "ds/ann/x.png.json: not valid JSON (Expecting value, line 1 column 1)",
        ),
        (
            with_annotation_file(b'{"size": "caf\xe9"}'),
            "bad",
            "out",
            "ds/ann/x.png.json: not UTF-8 text (byte 13)",
        ),
        # An image without its annotation file, a project without its meta.json.
        (
            without("ds/ann/x.png.json"),
            "bad",
            "out",
            "Item 'x.png' in dataset 'ds' does not have a corresponding annotation file",
        ),
        (without("meta.json"), "bad", "out", "bad is not a Supervisely project (no meta"),
        # OUT that is a folder, under a file, or where nothing can be written.
        (
            lone_point_project,
            "bad",
            ".",
            "OUT . names no folder of its own: end it with the name of a new folder",
        ),
        (
            lambda tmp_path: lone_point_project(tmp_path) or (tmp_path / "a.txt").touch(),
            "bad",
            "a.txt/out",
            "OUT a.txt/out is inside the file",
        ),
        (lone_point_project, "bad", "/proc/out", "cannot write OUT /proc/out ("),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    tmp_path, monkeypatch, capsys, make, project, out, message
):
    make(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    monkeypatch.chdir(tmp_path)

    # What the command line does, in this process.
    code = run(lambda: main(["convert", "supervisely", "coco", project, out]), USER_ERRORS)

    stderr = capsys.readouterr().err
    assert code == 2
    assert stderr.count("\n") == 1
    assert stderr.startswith("error: ") and message in stderr
    assert sorted(tmp_path.rglob("*")) == before  # nothing written


def test_the_process_prints_one_line_for_an_image_without_its_annotation_file(tmp_path):
    without("ds/ann/x.png.json")(tmp_path)

    result = run_cli("bad", "out", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr == (
        f"error: {tmp_path / 'bad' / 'ds'}: Item 'x.png' in dataset 'ds' does not have a "
        "corresponding annotation file. Add or remove files so that every image has its "
        "annotation.\n"
    )


def _label(class_name: str, geometry: sly.Geometry, key: str = "k") -> sly.Label:
    return sly.Label(geometry, sly.ObjClass(class_name, type(geometry)), binding_key=key)


TRIANGLE = sly.Polygon([sly.PointLocation(1, 1), sly.PointLocation(1, 8), sly.PointLocation(8, 1)])
SMALL = sly.Polygon([sly.PointLocation(1, 1), sly.PointLocation(1, 3), sly.PointLocation(3, 1)])


@pytest.mark.parametrize(
    "members, lost",
    [
        # Classes the instance does not keep are named: one class per COCO object.
        ([("car", TRIANGLE), ("person", SMALL)], "person is not kept"),
        (
            [("person", TRIANGLE), ("hat", sly.Rectangle(0, 0, 2, 2)), ("hand", SMALL)],
            "hat, hand are",
        ),
        # What the SDK's own COCO import binds is kept whole: no warning.
        ([("car", TRIANGLE), ("car_bbox", sly.Rectangle(1, 1, 8, 8))], None),
        ([("car", TRIANGLE), ("car", SMALL)], None),
    ],
)
def test_a_group_merged_names_the_classes_coco_does_not_keep(members, lost):
    ann = sly.Annotation((10, 10), [_label(name, geometry) for name, geometry in members])
    names = dict.fromkeys(name for name, _ in members)
    category_ids = {name: number for number, name in enumerate(names, start=1)}

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [instance] = annotation_to_coco(ann, 1, category_ids, merge_groups=True)
        kept = annotation_to_coco(ann, 1, category_ids)  # issue 18: every class kept

    shown = [str(w.message) for w in caught if w.category is CocoExportWarning]
    own = sum(name in (members[0][0], f"{members[0][0]}_bbox") for name, _ in members)
    assert len(kept) == 1 + len(members) - own  # the object, then one instance per part
    assert instance["category_id"] == 1  # the largest member leads
    if lost is None:
        assert shown == []
    else:
        assert len(shown) == 1 and shown[0].startswith(f"group 'k' ({members[0][0]} + ")
        assert lost in shown[0]


def test_the_warning_names_the_image_in_a_conversion(tmp_path, capsys):
    project = sly.Project(str(tmp_path / "mixed"), sly.OpenMode.CREATE)
    car, person = sly.ObjClass("car", sly.Polygon), sly.ObjClass("person", sly.Polygon)
    project.set_meta(sly.ProjectMeta([car, person]))
    ann = sly.Annotation((10, 10), [_label("car", TRIANGLE), _label("person", SMALL)])
    project.create_dataset("ds").add_item_np("a.png", np.zeros((10, 10, 3), np.uint8), ann=ann)

    out = tmp_path / "out"
    assert convert_in_process("supervisely", "coco", tmp_path / "mixed", out, "--merge-groups") == 0

    # The image named by its annotation file, as every target names a project's item.
    annotation = tmp_path / "mixed" / "ds" / "ann" / "a.png.json"
    assert capsys.readouterr().err.splitlines() == [
        f"warning: {annotation}: group 'k' (car + person) is one car instance (--merge-groups): "
        "so person is not kept (--primary-class chooses the class)"
    ]
