"""coco_import: COCO instances to Supervisely; an instance of several parts becomes a group."""

from __future__ import annotations

from types import SimpleNamespace

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly
from hypothesis import assume, given
from hypothesis import strategies as st
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from bindings import binding_groups
from sly_bindings.formats.records import group_key
from sly_bindings.cli.main import USER_ERRORS, main
from sly_bindings.cli.runner import run
from sly_bindings.formats.coco.write import write_coco
from sly_bindings.formats.coco.read import (
    ISCROWD_TAG,
    CocoWarning,
    InvalidCocoError,
    coco_items,
    coco_to_annotation,
    coco_to_project,
)
from format_samples import class_types, make_sample_project, project_objects, read_project

# pycocotools 2.0.11 under numpy 2 warns about its own __array__ on every decode.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

# 4x5 masks as COCO run lengths (column by column, starting with 0s), written out by hand:
# two blobs, rows 0-1 x columns 0-1 and row 3 x columns 3-4, uncompressed and compressed.
TWO_BLOBS_RUNS = [0, 2, 2, 2, 9, 1, 3, 1]
TWO_BLOBS_COMPRESSED = "02207OJ0"  # pycocotools.mask.encode of the same mask
# One blob, rows 1-2 x columns 1-3.
ONE_BLOB_RUNS = [5, 2, 2, 2, 2, 2, 5]

# A COCO instances file as the COCO site describes it, written by hand (an 8x6 image).
COCO_FILE = {
    "info": {"description": "street"},
    "images": [
        {"id": 10, "file_name": "a.png", "height": 6, "width": 8},
        {"id": 11, "file_name": "b.png", "height": 4, "width": 5},
    ],
    "annotations": [
        # A car in two polygons: one object in two parts.
        {
            "id": 1,
            "image_id": 10,
            "category_id": 3,
            "segmentation": [[0, 0, 2, 0, 1, 2], [5.2, 3, 7, 3, 6, 4.6]],
            "area": 6.0,
            "bbox": [0, 0, 7, 5],
            "iscrowd": 0,
        },
        # A sign as a detection box only: x 1..3, y 1..2 (top 1, left 1, bottom 2, right 3).
        {"id": 2, "image_id": 10, "category_id": 4, "segmentation": [], "bbox": [1, 1, 2, 1]},
        # A car as a compressed RLE with two blobs: two labels, bound.
        {
            "id": 3,
            "image_id": 11,
            "category_id": 3,
            "segmentation": {"size": [4, 5], "counts": TWO_BLOBS_COMPRESSED},
            "iscrowd": 0,
        },
        # A crowd of signs as an uncompressed RLE with two blobs: one label, not split.
        {
            "id": 4,
            "image_id": 11,
            "category_id": 4,
            "segmentation": {"size": [4, 5], "counts": TWO_BLOBS_RUNS},
            "iscrowd": 1,
        },
        # A car as an uncompressed RLE of one blob: one label, unbound.
        {
            "id": 5,
            "image_id": 11,
            "category_id": 3,
            "segmentation": {"size": [4, 5], "counts": ONE_BLOB_RUNS},
            "iscrowd": 0,
        },
    ],
    "categories": [
        {"id": 3, "name": "car", "supercategory": "vehicle"},
        {"id": 4, "name": "sign", "supercategory": "street"},
        {"id": 5, "name": "tree", "supercategory": "street"},
    ],
}
CATEGORY_NAMES = {3: "car", 4: "sign", 5: "tree"}


def instances_of(image_id):
    return [i for i in COCO_FILE["annotations"] if i["image_id"] == image_id]


def test_the_hand_made_file_is_coco():
    # pycocotools reads it, so the literal above follows the published structure.
    coco = COCO()
    coco.dataset = copy.deepcopy(COCO_FILE)
    coco.createIndex()
    assert [int(coco.annToMask(coco.anns[i]).sum()) for i in (3, 4, 5)] == [6, 6, 6]


def test_polygons_and_boxes():
    ann = coco_to_annotation(COCO_FILE["images"][0], instances_of(10), CATEGORY_NAMES, "c.json")

    found = [(l.obj_class.name, l.geometry.geometry_name(), l.binding_key) for l in ann.labels]
    assert found == [
        ("car", "polygon", group_key("instance", "a.png", 1)),
        ("car", "polygon", group_key("instance", "a.png", 1)),
        ("sign", "rectangle", None),
    ]
    first, second, box = (label.geometry for label in ann.labels)
    assert first.exterior_np.tolist() == [[0, 0], [0, 2], [2, 1]]  # (row, col)
    assert second.exterior_np.tolist() == [[3, 5], [3, 7], [5, 6]]  # rounded
    # bbox [1, 1, 2, 1] as the SDK's COCO converters read it: bottom y + h, right x + w.
    assert (box.top, box.left, box.bottom, box.right) == (1, 1, 2, 3)


def test_masks_are_split_into_blobs_except_crowds():
    ann = coco_to_annotation(COCO_FILE["images"][1], instances_of(11), CATEGORY_NAMES)

    found = [
        (l.obj_class.name, l.geometry.geometry_name(), int(l.geometry.area), l.binding_key)
        for l in ann.labels
    ]
    assert found == [
        ("car", "bitmap", 4, group_key("instance", "b.png", 3)),  # rows 0-1 x columns 0-1
        ("car", "bitmap", 2, group_key("instance", "b.png", 3)),  # row 3 x columns 3-4
        ("sign", "bitmap", 6, None),  # the crowd, both blobs in one label
        ("car", "bitmap", 6, None),
    ]
    assert ann.labels[1].geometry.origin.to_json()["points"]["exterior"] == [[3, 3]]


@pytest.mark.parametrize(
    "segmentation, expected",
    [
        # The four corners of an axis-aligned box in a file: a polygon, never guessed to be a
        # rectangle (issue 17, kind 3; coco_export marks its own rectangles, see below).
        ([[2, 1, 5, 1, 5, 3, 2, 3]], ["polygon"]),
        # The same corners in another order: a polygon like any other.
        ([[2, 1, 2, 3, 5, 3, 5, 1]], ["polygon"]),
        # Four points that are not a box.
        ([[2, 1, 5, 1, 5, 3, 3, 3]], ["polygon"]),
    ],
)
def test_a_polygon_is_never_guessed_to_be_a_rectangle(segmentation, expected):
    image = {"id": 1, "file_name": "a.png", "height": 6, "width": 8}
    instance = {"id": 1, "image_id": 1, "category_id": 3, "segmentation": segmentation}

    ann = coco_to_annotation(image, [instance], CATEGORY_NAMES)

    assert [label.geometry.geometry_name() for label in ann.labels] == expected


@pytest.mark.parametrize(
    "segmentation, marked, expected",
    [
        # coco_export's rectangle, its part listed in sly_rectangles: the rectangle again.
        ([[2, 1, 5, 1, 5, 3, 2, 3]], [0], ["rectangle"]),
        # Listed, but edited since into another shape: the polygon it now is.
        ([[2, 1, 5, 1, 5, 3, 3, 3]], [0], ["polygon"]),
        # A group of a polygon and a rectangle: only the listed part.
        ([[0, 0, 4, 0, 2, 3], [2, 1, 5, 1, 5, 3, 2, 3]], [1], ["polygon", "rectangle"]),
    ],
)
def test_our_marked_rectangles_come_back_as_rectangles(segmentation, marked, expected):
    image = {"id": 1, "file_name": "a.png", "height": 6, "width": 8}
    instance = {
        "id": 1,
        "image_id": 1,
        "category_id": 3,
        "segmentation": segmentation,
        "sly_rectangles": marked,
    }

    ann = coco_to_annotation(image, [instance], CATEGORY_NAMES)

    assert [label.geometry.geometry_name() for label in ann.labels] == expected


@pytest.mark.parametrize(
    "change, message",
    [
        ({"category_id": 9}, "annotation 1: category_id: 9 is no category's id"),
        ({"segmentation": "car"}, "annotation 1: segmentation: must be a polygon list"),
        ({"segmentation": [[0, 0, 1, 1, 2]]}, r"segmentation[0]: a polygon must be"),
        # A part of two points, and no bbox: nothing is left of the instance, one warning.
        ({"segmentation": [[0, 0, 1, 1]]}, "a polygon needs 3 points, got 2, and there is no bbox"),
        ({"segmentation": [[0, 0, 1, 1, "2", 0]]}, r"segmentation[0]: a polygon must be"),
        ({"segmentation": [[0, 0, 1, 1, float("nan"), 0]]}, r"segmentation[0]: a polygon must be"),
        (
            {"segmentation": {"size": [5, 4], "counts": ONE_BLOB_RUNS}},
            "segmentation.size: [5, 4] is not the image's [height, width] [4, 5]",
        ),
        (
            {"segmentation": {"size": [4, 5], "counts": [5, 2, 2]}},
            "segmentation.counts: not an RLE of 5x4 pixels",
        ),
        (
            {"segmentation": {"size": [4, 5], "counts": 17}},
            "segmentation.counts: not an RLE",
        ),
        ({"segmentation": {"size": [4, 5], "counts": [20]}}, "the mask has no pixel set"),
        ({"segmentation": [], "bbox": [1, 1, 0, 2]}, "bbox: with no segmentation"),
        ({"segmentation": [], "bbox": None}, "bbox: with no segmentation"),
    ],
)
def test_malformed_instances_name_the_file_the_instance_and_the_field(change, message):
    """An instance is a record (formats.records): skipped with one warning naming the file, the
    instance and the image."""
    image = {"id": 1, "file_name": "a.png", "height": 4, "width": 5}
    instance = {"id": 1, "image_id": 1, "category_id": 3, "segmentation": [[0, 0, 2, 0, 1, 2]]}

    with pytest.warns(CocoWarning) as warned:
        ann = coco_to_annotation(image, [{**instance, **change}], CATEGORY_NAMES, "c.json")

    assert ann.labels == []
    (line,) = [str(w.message) for w in warned if str(w.message).endswith("is skipped")]
    assert line.startswith("c.json: annotation 1: ")
    assert message in line and line.endswith("of image 'a.png' is skipped")


# Compressed and uncompressed RLEs of a 4x5 image whose runs do not cover its 20 pixels once:
# pycocotools would decode them from memory it never set (a different mask on every run).
RLE_THAT_LIES = [
    ("5", "runs add up to 5 of 20 pixels"),
    ("52", "runs add up to 7"),
    ("5`0", "runs add up to 21, one more than the image"),
    ("5h", "the string ends inside a number"),
    ("5~2", "a character outside the encoding"),
    ("A", "a negative run"),
    ([5, -2, 17], "a negative run, the sum right"),
    ([5, 2**40, 15 - 2**40], "a run past 2^32, the sum right"),
    ([5.0, 15], "a float run"),
    ([True, 19], "a bool run"),
]


@pytest.mark.parametrize("counts", [c for c, _ in RLE_THAT_LIES], ids=[w for _, w in RLE_THAT_LIES])
def test_an_rle_whose_runs_do_not_cover_the_image_once_is_refused_before_decoding(counts):
    image = {"id": 1, "file_name": "a.png", "height": 4, "width": 5}
    instance = {
        "id": 1,
        "image_id": 1,
        "category_id": 3,
        "segmentation": {"size": [4, 5], "counts": counts},
    }

    with pytest.warns(CocoWarning) as warned:  # a record (formats.records): skipped
        ann = coco_to_annotation(image, [instance], CATEGORY_NAMES, "c.json")

    assert ann.labels == []
    assert str(warned[0].message) == (
        "c.json: annotation 1: segmentation.counts: not an RLE of 5x4 pixels (a list of run "
        "lengths or a compressed string whose runs cover the image once): the instance of "
        "image 'a.png' is skipped"
    )


@given(st.lists(st.lists(st.booleans(), min_size=5, max_size=5), min_size=4, max_size=4))
def test_every_rle_pycocotools_writes_reads_back_as_its_mask(rows):
    mask = np.asfortranarray(np.array(rows, np.uint8))
    assume(mask.any())
    counts = mask_utils.encode(mask)["counts"].decode()
    image = {"id": 1, "file_name": "a.png", "height": 4, "width": 5}
    instance = {"id": 1, "image_id": 1, "category_id": 3, "iscrowd": 1,
                "segmentation": {"size": [4, 5], "counts": counts}}  # fmt: skip

    (label,) = coco_to_annotation(image, [instance], CATEGORY_NAMES).labels

    assert np.array_equal(label.geometry.get_mask((4, 5)), mask.astype(bool))


@pytest.mark.parametrize(
    "image, message",
    [
        ({"id": 1, "file_name": "a.png", "width": 5}, "image 1: height: missing"),
        ({"id": 1, "file_name": "a.png", "height": 0, "width": 5}, "height: must be at least 1"),
    ],
)
def test_malformed_images_are_named(image, message):
    with pytest.raises(InvalidCocoError, match=message):
        coco_to_annotation(image, [], CATEGORY_NAMES)


def write_images(folder, names):
    """Grey PNG images of the given (height, width), by name."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (height, width) in names.items():
        sly.image.write(str(folder / name), np.full((height, width, 3), 90, np.uint8))


def test_reading_a_hand_made_file_and_its_images(tmp_path):
    (tmp_path / "coco.json").write_text(json.dumps(COCO_FILE))
    write_images(tmp_path / "images", {"a.png": (6, 8), "b.png": (4, 5)})

    coco_to_project(str(tmp_path / "coco.json"), str(tmp_path / "project"))

    meta, anns = read_project(tmp_path / "project")
    # No folder in file_name: the dataset is named after the JSON file.
    assert sorted(anns) == ["coco/a.png", "coco/b.png"]
    # car has polygons and masks: AnyGeometry; tree has no instance: AnyGeometry too.
    assert class_types(meta) == {"car": "any", "sign": "any", "tree": "any"}
    assert [len(g) for g in binding_groups(anns["coco/a.png"]).groups.values()] == [2]
    assert [len(g) for g in binding_groups(anns["coco/b.png"]).groups.values()] == [2]


def test_what_coco_export_writes_reads_back_with_every_label_and_group(tmp_path):
    original = make_sample_project(tmp_path / "project")
    write_coco(str(original), str(tmp_path / "coco" / "instances.json"))

    # coco_export's file_name is relative to the project: <dataset>/img/<image>.
    coco_to_project(
        str(tmp_path / "coco" / "instances.json"), str(tmp_path / "back"), images_dir=str(original)
    )

    assert project_objects(tmp_path / "back") == project_objects(original)
    meta, _ = read_project(tmp_path / "back")
    assert class_types(meta) == {"car": "bitmap", "person": "polygon", "sign": "rectangle"}


@pytest.mark.parametrize(
    "file_name, dataset",
    [
        # No folder: the dataset is named after the JSON file.
        ("a.png", ("coco",)),
        # coco_export's <dataset>/img/<image>, and a bare img/ folder: img is not a dataset.
        ("img/a.png", ("coco",)),
        ("street/img/a.png", ("street",)),
        ("street/a.png", ("street",)),
        # Nested folders are nested datasets, in plain folders or the SDK's layout.
        ("street/cars/a.png", ("street", "cars")),
        ("street/datasets/cars/img/a.png", ("street", "cars")),
    ],
)
def test_the_folders_of_file_name_are_the_dataset_and_its_parents(tmp_path, file_name, dataset):
    coco = {**COCO_FILE, "images": [{**COCO_FILE["images"][0], "file_name": file_name}]}
    coco["annotations"] = instances_of(10)
    (tmp_path / "coco.json").write_text(json.dumps(coco))
    write_images((tmp_path / file_name).parent, {"a.png": (6, 8)})

    [item] = coco_items(str(tmp_path / "coco.json"))
    coco_to_project(str(tmp_path / "coco.json"), str(tmp_path / "project"))

    assert (item.dataset, item.name, len(item.ann.labels)) == (dataset, "a.png", 3)
    # The project is laid out as the SDK lays out nested datasets, and reads back so.
    folder = tmp_path.joinpath("project", *"/datasets/".join(dataset).split("/"))
    assert sorted(path.name for path in (folder / "img").iterdir()) == ["a.png"]
    assert sorted(read_project(tmp_path / "project")[1]) == ["/".join(dataset) + "/a.png"]


@pytest.mark.parametrize(
    "file_name, message",
    [
        # A path out of the input folder (the one rule of files/input_paths.py), or a folder
        # that would put the dataset outside the project.
        ("../a.png", "file_name: '../a.png' climbs out of the input folder"),
        ("/tmp/a.png", "file_name: '/tmp/a.png' is an absolute path"),
        ("street/../../a.png", "file_name: 'street/../../a.png' climbs out of the input folder"),
        ("street/../a.png", "dataset name '..' is not a plain folder name"),
        # A name sly.Project would skip when it reads the project: its images would be lost.
        ("train_img/a.png", "dataset name 'train_img' ends with 'img', which sly.Project skips"),
        ("datasets/a.png", "dataset name 'datasets' ends with 'datasets'"),
    ],
)
def test_a_file_name_that_cannot_be_a_dataset_is_refused(tmp_path, file_name, message):
    coco = {**COCO_FILE, "images": [{**COCO_FILE["images"][0], "file_name": file_name}]}
    coco["annotations"] = []
    (tmp_path / "in" / "coco.json").parent.mkdir()
    (tmp_path / "in" / "coco.json").write_text(json.dumps(coco))
    write_images(tmp_path, {"a.png": (6, 8)})

    with pytest.raises(InvalidCocoError) as raised:
        coco_to_project(str(tmp_path / "in" / "coco.json"), str(tmp_path / "project"))

    assert str(raised.value).startswith(f"{tmp_path / 'in' / 'coco.json'}: image 10: file_name")
    assert message in str(raised.value)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.png", "in"]  # nothing made


def read_or_refuse(tmp_path, message):
    """``coco_to_project``'s one line about ``coco.json``: an instance is a record
    (formats.records), skipped with a warning and the rest read; anything else refuses the file,
    before anything is made."""
    if message.startswith(("annotation", "image 10")):  # an instance; a missing image
        with pytest.warns(CocoWarning) as warned:
            coco_to_project(str(tmp_path / "coco.json"), str(tmp_path / "project"))
        (line,) = [str(w.message) for w in warned if str(w.message).endswith("is skipped")]
        assert (tmp_path / "project").exists()
        return SimpleNamespace(value=line)
    with pytest.raises(InvalidCocoError) as raised:
        coco_to_project(str(tmp_path / "coco.json"), str(tmp_path / "project"))
    assert not (tmp_path / "project").exists()  # the file is read before anything is made
    return raised


@pytest.mark.parametrize(
    "coco, message",
    [
        ("{not json", "coco.json: not valid JSON (Expecting property name enclosed in double"),
        (
            b'{"images": "caf\xe9"}',
            "coco.json: not UTF-8 text (byte 15): fix the file or export it again",
        ),
        ({**COCO_FILE, "images": [], "annotations": []}, "coco.json: images: empty"),
        ([], "coco.json: not a COCO file"),
        ({**COCO_FILE, "images": None}, "coco.json: images: missing or not a list"),
        ({**COCO_FILE, "categories": [{"id": 1}]}, "categories[0]: needs an id and a name"),
        (
            {**COCO_FILE, "categories": COCO_FILE["categories"] + [{"id": 9, "name": "car"}]},
            "categories[3]: name 'car' is repeated",
        ),
        (
            {**COCO_FILE, "annotations": [{"image_id": 10}]},
            "annotations[0]: not an object with an id",
        ),
        (
            {**COCO_FILE, "annotations": [{**COCO_FILE["annotations"][0], "image_id": 99}]},
            "annotation 1: image_id: 99 is no image's id",
        ),
        (
            {**COCO_FILE, "images": [{"id": 10}, COCO_FILE["images"][1]]},
            "images[0]: file_name: missing",
        ),
        (
            {
                **COCO_FILE,
                "images": [
                    {**COCO_FILE["images"][0], "file_name": "gone.png"},
                    COCO_FILE["images"][1],
                ],
            },
            "image 10: file_name: no file",
        ),
    ],
)
def test_a_bad_file_names_the_file_and_the_field(tmp_path, coco, message):
    if isinstance(coco, bytes):
        (tmp_path / "coco.json").write_bytes(coco)
    else:
        (tmp_path / "coco.json").write_text(coco if isinstance(coco, str) else json.dumps(coco))
    write_images(tmp_path / "images", {"a.png": (6, 8), "b.png": (4, 5)})

    raised = read_or_refuse(tmp_path, message.split(": ")[0])

    assert str(raised.value).startswith(str(tmp_path / "coco.json"))
    assert message in str(raised.value)


def with_annotation(**change):
    """COCO_FILE with its first annotation changed."""
    return {**COCO_FILE, "annotations": [{**COCO_FILE["annotations"][0], **change}]}


def with_image(**change):
    """COCO_FILE with its first image changed."""
    return {**COCO_FILE, "images": [{**COCO_FILE["images"][0], **change}, COCO_FILE["images"][1]]}


@pytest.mark.parametrize(
    "coco, message",
    [
        # Two categories sharing an id: which class is an instance of id 3?
        (
            {**COCO_FILE, "categories": COCO_FILE["categories"] + [{"id": 3, "name": "bus"}]},
            "categories[3]: id: 3 is the id of category 'car' too: give each category its own id",
        ),
        # true is Python's 1: it would be one id with 1.
        (
            {**COCO_FILE, "categories": [{"id": True, "name": "car"}, {"id": 1, "name": "bus"}]},
            "categories[0]: id: True is not an id: write a whole number (or a string)",
        ),
        (
            {**COCO_FILE, "categories": [{"id": [3], "name": "car"}]},
            "categories[0]: id: [3] is not an id",
        ),
        (
            {**COCO_FILE, "categories": [{"id": 3.5, "name": "car"}]},
            "categories[0]: id: 3.5 is not an id",
        ),
        (
            {**COCO_FILE, "images": [COCO_FILE["images"][0], {**COCO_FILE["images"][1], "id": 10}]},
            "images[1]: id: 10 is the id of images[0] too: give each image its own id",
        ),
        (with_image(id=None), "images[0]: id: missing: write a whole number (or a string)"),
        (
            {**COCO_FILE, "images": [{"file_name": "a.png", "height": 6, "width": 8}]},
            "images[0]: id: missing",
        ),
        (with_image(id=[10]), "images[0]: id: [10] is not an id"),
        (with_image(id={"a": 10}), "images[0]: id: {'a': 10} is not an id"),
        (with_image(id=False), "images[0]: id: False is not an id"),
        (with_annotation(image_id=[10]), "annotation 1: image_id: [10] is not an id"),
        (with_annotation(image_id={"a": 1}), "annotation 1: image_id: {'a': 1} is not an id"),
        (with_annotation(image_id=10.5), "annotation 1: image_id: 10.5 is not an id"),
        (with_annotation(image_id=None), "annotation 1: image_id: missing"),
        (with_annotation(category_id=[3]), "annotation 1: category_id: [3] is not an id"),
        (with_annotation(category_id=True), "annotation 1: category_id: True is not an id"),
        (with_annotation(category_id=None), "annotation 1: category_id: missing"),
        (with_annotation(id=[1]), "annotations[0]: id: [1] is not an id"),
        # A quoted value is cut short: the line stays one short line.
        (
            with_annotation(image_id=[1] * 100_000),
            "annotation 1: image_id: [1, 1, 1, 1, 1, 1, 1,... is not an id",
        ),
    ],
)
def test_an_id_that_is_not_a_plain_id_is_refused(tmp_path, coco, message):
    (tmp_path / "coco.json").write_text(json.dumps(coco))
    write_images(tmp_path / "images", {"a.png": (6, 8), "b.png": (4, 5)})

    raised = read_or_refuse(tmp_path, message)

    assert str(raised.value).startswith(f"{tmp_path / 'coco.json'}: {message}")
    assert len(str(raised.value)) < len(str(tmp_path)) + 240


@pytest.mark.parametrize(
    "file_name, message",
    [
        ("a\0.png", "'a\\x00.png' holds a NUL character: give the file's real name"),
        ("b" * 300 + ".png", "has a name longer than 255 bytes, which no file system holds"),
        ("cars/" + "c" * 256 + "/a.png", "has a name longer than 255 bytes"),
    ],
)
def test_a_file_name_no_file_system_holds_is_refused(tmp_path, file_name, message):
    (tmp_path / "coco.json").write_text(json.dumps(with_image(file_name=file_name)))
    write_images(tmp_path / "images", {"a.png": (6, 8), "b.png": (4, 5)})

    with pytest.raises(InvalidCocoError) as raised:
        coco_to_project(str(tmp_path / "coco.json"), str(tmp_path / "project"))

    assert str(raised.value).startswith(f"{tmp_path / 'coco.json'}: image 10: file_name: ")
    assert message in str(raised.value)
    assert len(str(raised.value)) < len(str(tmp_path)) + 250


@pytest.mark.parametrize("image_id, category_id", [(10.0, 3.0), ("10", "3")])
def test_whole_float_and_string_ids_are_read(tmp_path, image_id, category_id):
    coco = {
        **COCO_FILE,
        "images": [{**COCO_FILE["images"][0], "id": image_id}],
        "annotations": [
            {**COCO_FILE["annotations"][0], "image_id": image_id, "category_id": category_id}
        ],
        "categories": [{"id": category_id, "name": "car"}],
    }
    (tmp_path / "coco.json").write_text(json.dumps(coco))
    write_images(tmp_path / "images", {"a.png": (6, 8)})

    coco_to_project(str(tmp_path / "coco.json"), str(tmp_path / "project"))

    project = sly.Project(str(tmp_path / "project"), sly.OpenMode.READ)
    ann = project.datasets.get("coco").get_ann("a.png", project.meta)
    assert [label.obj_class.name for label in ann.labels] == ["car", "car"]


IMAGE_8X6 = {"id": 10, "file_name": "a.png", "height": 6, "width": 8}
TRIANGLE = [0, 0, 2, 0, 1, 2]
OTHER_TRIANGLE = [5, 3, 7, 3, 6, 5]


@pytest.mark.parametrize(
    "segmentation, expected",
    [
        # Box-only, as old CVAT and many converters write it: read from the bbox.
        # bbox [1, 1, 2, 1]: top 1, left 1, bottom 1 + 1, right 1 + 2, as the SDK reads it.
        ([], [("rectangle", (1, 1, 2, 3))]),
        ([[]], [("rectangle", (1, 1, 2, 3))]),
        ([[], []], [("rectangle", (1, 1, 2, 3))]),
        (None, [("rectangle", (1, 1, 2, 3))]),
        # An empty part beside a polygon: the polygon.
        ([[], TRIANGLE], [("polygon", (0, 0, 2, 2))]),
    ],
)
def test_box_only_instances_are_read_from_their_bbox(segmentation, expected):
    instance = {"id": 1, "image_id": 10, "category_id": 4, "bbox": [1, 1, 2, 1]}
    instance["segmentation"] = segmentation
    ann = coco_to_annotation(IMAGE_8X6, [instance], CATEGORY_NAMES)
    assert [
        (label.geometry.geometry_name(), (box.top, box.left, box.bottom, box.right))
        for label in ann.labels
        for box in [label.geometry.to_bbox()]
    ] == expected
    assert all(label.binding_key is None for label in ann.labels)


@pytest.mark.parametrize(
    "segmentation, dropped, kept",
    [
        # A part of two points, of one point: dropped, the other parts kept (as a group).
        ([TRIANGLE, [3, 3, 4, 4], OTHER_TRIANGLE], ["segmentation[1]"], 2),
        ([[3, 3], TRIANGLE, OTHER_TRIANGLE], ["segmentation[0]"], 2),
        # One part left: one unbound label.
        ([TRIANGLE, [3, 3, 4, 4]], ["segmentation[1]"], 1),
        ([[1, 1, 2, 2], [3, 3], TRIANGLE], ["segmentation[0]", "segmentation[1]"], 1),
    ],
)
def test_a_polygon_part_of_fewer_than_3_points_is_dropped_with_a_warning(
    segmentation, dropped, kept
):
    instance = {"id": 1, "image_id": 10, "category_id": 3, "segmentation": segmentation}
    with pytest.warns(CocoWarning) as caught:
        ann = coco_to_annotation(IMAGE_8X6, [instance], CATEGORY_NAMES, "c.json")
    messages = [str(w.message) for w in caught]
    assert [m.split(": ")[2] for m in messages] == dropped
    assert all(m.startswith("c.json: annotation 1: ") and "a polygon needs 3" for m in messages)
    assert len(ann.labels) == kept
    assert len(binding_groups(ann).groups) == (1 if kept > 1 else 0)


@pytest.mark.parametrize(
    "instances",
    [
        # Two multi-part instances that share an id: two groups, never one.
        [
            {"id": 7, "category_id": 3, "segmentation": [TRIANGLE, OTHER_TRIANGLE]},
            {"id": 7, "category_id": 3, "segmentation": [OTHER_TRIANGLE, TRIANGLE]},
        ],
        # Of two classes.
        [
            {"id": 7, "category_id": 3, "segmentation": [TRIANGLE, OTHER_TRIANGLE]},
            {"id": 7, "category_id": 4, "segmentation": [OTHER_TRIANGLE, TRIANGLE]},
        ],
        # Three, the id a string.
        [
            {"id": "7", "category_id": 3, "segmentation": [TRIANGLE, OTHER_TRIANGLE]},
            {"id": "7", "category_id": 3, "segmentation": [TRIANGLE, OTHER_TRIANGLE]},
            {"id": "7", "category_id": 3, "segmentation": [TRIANGLE, OTHER_TRIANGLE]},
        ],
    ],
)
def test_instances_sharing_an_id_are_separate_objects(instances):
    instances = [{**instance, "image_id": 10} for instance in instances]
    with pytest.warns(CocoWarning, match="id: shared with another instance of image 10"):
        ann = coco_to_annotation(IMAGE_8X6, instances, CATEGORY_NAMES)
    groups = binding_groups(ann).groups
    assert [len(labels) for labels in groups.values()] == [2] * len(instances)


@pytest.mark.parametrize(
    "segmentation, labels",
    [
        # A crowd RLE of two blobs: one label, not split, not bound.
        ({"size": [6, 8], "counts": [0, 2, 4, 2, 40]}, 1),
        # A crowd in polygons: one label per polygon, none bound.
        ([TRIANGLE, OTHER_TRIANGLE], 2),
        # A crowd with a bbox only.
        ([], 1),
    ],
)
def test_a_crowd_is_kept_with_its_tag_and_never_bound(tmp_path, segmentation, labels):
    instance = {"id": 1, "image_id": 10, "category_id": 3, "iscrowd": 1, "bbox": [1, 1, 2, 2]}
    instance["segmentation"] = segmentation
    ann = coco_to_annotation(IMAGE_8X6, [instance], CATEGORY_NAMES)
    assert len(ann.labels) == labels
    assert all(label.binding_key is None for label in ann.labels)
    assert all(label.tags.has_key(ISCROWD_TAG) for label in ann.labels)

    # Through a project: the tag is declared in the meta, and reads back.
    coco = {**COCO_FILE, "images": [IMAGE_8X6], "annotations": [instance]}
    (tmp_path / "coco.json").write_text(json.dumps(coco))
    write_images(tmp_path, {"a.png": (6, 8)})
    coco_to_project(str(tmp_path / "coco.json"), str(tmp_path / "project"))
    meta, anns = read_project(tmp_path / "project")
    assert meta.get_tag_meta(ISCROWD_TAG) is not None
    assert all(label.tags.has_key(ISCROWD_TAG) for label in anns["coco/a.png"].labels)


def coco_of(*names):
    """A COCO file of images named ``names`` (8x6), each with one sign box."""
    images = [{**IMAGE_8X6, "id": i, "file_name": name} for i, name in enumerate(names)]
    annotations = [
        {"id": i, "image_id": i, "category_id": 4, "segmentation": [], "bbox": [1, 1, 2, 1]}
        for i in range(len(names))
    ]
    return {"images": images, "annotations": annotations, "categories": COCO_FILE["categories"]}


@pytest.mark.parametrize(
    "json_file, image_folder, dataset",
    [
        # Beside the JSON, and in images/ beside it.
        ("street.json", "", "street"),
        ("street.json", "images", "street"),
        # Supervisely's import layout: <dataset>/annotations/*.json + <dataset>/images/.
        ("street/annotations/instances.json", "street/images", "street"),
        ("street/annotations/street.json", "street/images", "street"),
        # CVAT and Datumaro: annotations/instances_<subset>.json + images/<subset>/.
        ("annotations/instances_train.json", "images/train", "train"),
        ("annotations/instances_default.json", "images", "default"),
        # The official layout: annotations/instances_val2017.json + val2017/.
        ("annotations/instances_val2017.json", "val2017", "val2017"),
    ],
)
def test_images_are_found_where_the_tools_put_them(tmp_path, json_file, image_folder, dataset):
    (tmp_path / json_file).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / json_file).write_text(json.dumps(coco_of("a.png")))
    write_images(tmp_path / image_folder, {"a.png": (6, 8)})

    [item] = coco_items(str(tmp_path / json_file))
    assert (item.dataset, item.image) == ((dataset,), tmp_path / image_folder / "a.png")


@pytest.mark.parametrize(
    "layout, read_from, datasets",
    [
        # CVAT and Datumaro: one instances_<subset>.json per subset, one dataset each.
        (
            {
                "annotations/instances_train.json": "images/train",
                "annotations/instances_val.json": "images/val",
            },
            "",
            ["train/a.png", "val/a.png"],
        ),
        # The official layout, with a captions file beside (not instances: not read).
        (
            {
                "annotations/instances_train2017.json": "train2017",
                "annotations/instances_val2017.json": "val2017",
                "annotations/captions_val2017.json": None,
            },
            "",
            ["train2017/a.png", "val2017/a.png"],
        ),
        # Supervisely's import layout: a folder per dataset.
        (
            {
                "north/annotations/instances.json": "north/images",
                "south/annotations/instances.json": "south/images",
            },
            "",
            ["north/a.png", "south/a.png"],
        ),
        # The folder that holds the JSON, and the annotations.json of our own writer.
        ({"coco.json": ""}, "", ["coco/a.png"]),
        ({"annotations.json": "images"}, "", ["annotations/a.png"]),
    ],
)
def test_a_folder_of_coco_files_is_one_dataset_per_file(tmp_path, layout, read_from, datasets):
    for json_file, image_folder in layout.items():
        (tmp_path / json_file).parent.mkdir(parents=True, exist_ok=True)
        coco = coco_of("a.png") if image_folder is not None else {"annotations": []}
        (tmp_path / json_file).write_text(json.dumps(coco))
        if image_folder is not None:
            write_images(tmp_path / image_folder, {"a.png": (6, 8)})

    coco_to_project(str(tmp_path / read_from), str(tmp_path.parent / f"{tmp_path.name}-project"))

    _, anns = read_project(tmp_path.parent / f"{tmp_path.name}-project")
    assert sorted(anns) == datasets


def test_images_elsewhere_are_named_with_images_dir(tmp_path):
    (tmp_path / "coco.json").write_text(json.dumps(coco_of("a.png", "b.png")))
    write_images(tmp_path / "pictures", {"a.png": (6, 8)})
    write_images(tmp_path / "pictures" / "coco", {"b.png": (6, 8)})
    with pytest.warns(CocoWarning, match="no file .*a.png .*name their folder with --images"):
        assert list(coco_items(str(tmp_path / "coco.json"))) == []  # each image left out

    items = coco_items(str(tmp_path / "coco.json"), images_dir=str(tmp_path / "pictures"))
    assert [item.image for item in items] == [
        tmp_path / "pictures" / "a.png",
        tmp_path / "pictures" / "coco" / "b.png",
    ]


@pytest.mark.parametrize(
    "json_file, file_name, image_folder, dataset",
    [
        # A file that holds one subset (CVAT, Datumaro: annotations/instances_<subset>.json +
        # images/<subset>/): the folders of file_name are datasets nested in the subset, as
        # Datumaro reads them as the item id cars/b of subset train.
        ("annotations/instances_train.json", "cars/b.png", "images/train/cars", ("train", "cars")),
        (
            "annotations/instances_train.json",
            "cars/red/b.png",
            "images/train/cars/red",
            ("train", "cars", "red"),
        ),
        ("annotations/instances_train.json", "b.png", "images/train", ("train",)),
        # The SDK's own nesting inside a subset, and the official layout's <split>2017/.
        (
            "annotations/instances_train.json",
            "cars/datasets/red/img/b.png",
            "images/train/cars/datasets/red/img",
            ("train", "cars", "red"),
        ),
        ("annotations/instances_val2017.json", "cars/b.png", "val2017/cars", ("val2017", "cars")),
        # Supervisely's <dataset>/annotations/*.json holds one dataset too.
        (
            "street/annotations/instances.json",
            "cars/b.png",
            "street/images/cars",
            ("street", "cars"),
        ),
        # Any other file (coco_export.write_coco's one file): the folders are the datasets.
        ("coco.json", "street/cars/b.png", "street/cars", ("street", "cars")),
        ("annotations.json", "b.png", "images", ("annotations",)),
    ],
)
def test_folders_of_file_name_in_a_subset_file_are_nested_in_the_subset(
    tmp_path, json_file, file_name, image_folder, dataset
):
    root = tmp_path / "in"
    (root / json_file).parent.mkdir(parents=True, exist_ok=True)
    (root / json_file).write_text(json.dumps(coco_of(file_name)))
    write_images(root / image_folder, {"b.png": (6, 8)})

    [item] = coco_items(str(root / json_file))
    code = run(
        lambda: main(["convert", "coco", "supervisely", str(root), str(tmp_path / "project")]),
        USER_ERRORS,
    )

    assert (item.dataset, item.name, item.image) == (
        dataset,
        "b.png",
        root / image_folder / "b.png",
    )
    assert code == 0
    assert sorted(read_project(tmp_path / "project")[1]) == ["/".join(dataset) + "/b.png"]
    # Laid out as the SDK lays out nested datasets: train/datasets/cars/img/b.png.
    folder = tmp_path.joinpath("project", *"/datasets/".join(dataset).split("/"))
    assert sorted(path.name for path in (folder / "img").iterdir()) == ["b.png"]


@pytest.mark.parametrize(
    "working_folder, coco_path",
    [
        ("", "street"),
        ("", "street/annotations/instances.json"),
        ("street", "."),
        ("street", "annotations/instances.json"),
        ("street/annotations", "instances.json"),
    ],
)
def test_a_dataset_s_annotations_file_is_named_alike_however_in_is_written(
    tmp_path, monkeypatch, working_folder, coco_path
):
    # Supervisely's <dataset>/annotations/*.json: the dataset is the folder above annotations/,
    # also when IN is written relative to a folder inside it.
    (tmp_path / "street" / "annotations").mkdir(parents=True)
    (tmp_path / "street" / "annotations" / "instances.json").write_text(
        json.dumps(coco_of("cars/b.png", "a.png"))
    )
    write_images(tmp_path / "street" / "images", {"a.png": (6, 8)})
    write_images(tmp_path / "street" / "images" / "cars", {"b.png": (6, 8)})
    monkeypatch.chdir(tmp_path / working_folder)

    assert [(item.dataset, item.name) for item in coco_items(coco_path)] == [
        (("street", "cars"), "b.png"),
        (("street",), "a.png"),
    ]


@pytest.mark.parametrize(
    "json_file, folders",
    [
        # A relative coco.json: ../ is the folder above the working folder (Path(".").parent
        # is "." itself, which listed images/ twice).
        ("coco.json", ["images", "../images", "../images/coco", "../coco"]),
        # Subset "images": ../images/ and ../<subset>/ are one folder, named once.
        (
            "annotations/instances_images.json",
            ["annotations/images", "images", "images/images"],
        ),
        ("annotations/instances_val.json", ["annotations/images", "images", "images/val", "val"]),
    ],
)
def test_a_missing_image_names_each_folder_looked_in_once(
    tmp_path, monkeypatch, json_file, folders
):
    monkeypatch.chdir(tmp_path)  # the JSON named relative to the working folder, as users do
    Path(json_file).parent.mkdir(parents=True, exist_ok=True)
    Path(json_file).write_text(json.dumps(coco_of("gone.png")))
    first = Path(json_file).parent / "gone.png"

    with pytest.warns(CocoWarning) as warned:
        assert list(coco_items(json_file)) == []

    assert [str(warning.message) for warning in warned] == [
        f"{json_file}: image 0: file_name: no file {first} (nor in the other folders the tools "
        f"use: {', '.join(folders)}): put the images there, or name their folder with --images: "
        "the image is skipped"
    ]


def test_a_folder_with_no_coco_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(InvalidCocoError, match="no COCO file in it"):
        coco_to_project(str(tmp_path), str(tmp_path / "project"))
