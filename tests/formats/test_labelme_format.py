"""labelme_format: LabelMe JSON (shapes, group_id, masks) to Supervisely annotations and back."""

from __future__ import annotations

import base64
import contextlib
import json
import struct
import warnings
import zlib

import numpy as np
import pytest
import supervisely as sly
from hypothesis import given, settings
from hypothesis import strategies as st

from bindings import binding_groups
from sly_bindings.formats.records import group_key
from sly_bindings.groups.validate import find_problems
from format_samples import (
    CAR,
    PERSON,
    SIGN,
    class_types,
    demo_annotation,
    make_sample_project,
    objects,
    polygon,
    project_objects,
    read_project,
    small_annotation,
    street_annotation,
)
import sly_bindings.formats.labelme as labelme_module
from sly_bindings.formats.labelme import (
    InvalidLabelmeError,
    LabelmeWarning,
    annotation_to_labelme,
    labelme_items,
    labelme_to_annotation,
    labelme_to_project,
    project_to_labelme,
)

does_not_raise = contextlib.nullcontext()

# A 0/1 grey PNG of the 2x3 mask [[1, 1, 0], [0, 1, 1]], base64, as LabelMe 5.5 stores masks.
MASK_2X3 = "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAAAAAC4HznGAAAAEElEQVQIHWNkZPjPyMDIAAAFGAEE044GDwAAAABJRU5ErkJggg=="
# A 0/1 grey PNG of the 1x2 mask [[0, 0]]: no pixel set.
EMPTY_MASK_1X2 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAAAAADRSSBWAAAAC0lEQVQIHWNkYAAAAAYAAlTAlwQAAAAASUVORK5CYII="
)
# An 8x6 PNG image of one colour, base64, as LabelMe embeds images in imageData.
IMAGE_8X6 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAGCAIAAABxZ0isAAAAJklEQVQIHW3BAQEAAADBMNqI8zjiK2BziR6X6HGJHp"
    "focYkel+gZ5YIFpxYRq/AAAAAASUVORK5CYII="
)


def shape(label, points, shape_type="polygon", group_id=None, **extra):
    """A shape as LabelMe 5.5 writes it."""
    return {
        "label": label,
        "points": points,
        "group_id": group_id,
        "description": "",
        "shape_type": shape_type,
        "flags": {},
        "mask": None,
        **extra,
    }


def labelme_file(*shapes, image_path="street.jpg", height=10, width=12, image_data=None):
    """A LabelMe file's JSON as LabelMe 5.5 writes it."""
    return {
        "version": "5.5.0",
        "flags": {},
        "shapes": list(shapes),
        "imagePath": image_path,
        "imageData": image_data,
        "imageHeight": height,
        "imageWidth": width,
    }


@pytest.mark.parametrize(
    "shapes, expected",
    [
        # One car in two polygons (group 1) and a car alone (null): the group is one key.
        (
            [
                shape("car", [[0, 0], [3, 0], [1, 2]], group_id=1),
                shape("car", [[5, 5], [8, 5], [6, 7]], group_id=1),
                shape("car", [[0, 6], [2, 6], [1, 8]]),
            ],
            [("car", "polygon", group_key("group", "street.jpg", "car", "1"))] * 2
            + [("car", "polygon", None)],
        ),
        # group_id 7 written as a number, a string and 7.0: one group, never two.
        (
            [
                shape("sign", [[0, 0], [1, 1]], "rectangle", group_id=7),
                shape("sign", [[4, 4], [5, 5]], "rectangle", group_id="7"),
                shape("sign", [[8, 8], [9, 9]], "rectangle", group_id=7.0),
            ],
            [("sign", "rectangle", group_key("group", "street.jpg", "sign", "7"))] * 3,
        ),
        # The same group_id under two labels is two objects, as in LabelMe's shapes_to_label.
        (
            [
                shape("car", [[0, 0], [1, 1]], "rectangle", group_id=2),
                shape("person", [[4, 4], [5, 5]], "rectangle", group_id=2),
            ],
            [
                ("car", "rectangle", group_key("group", "street.jpg", "car", "2")),
                ("person", "rectangle", group_key("group", "street.jpg", "person", "2")),
            ],
        ),
        # A mask shape and a polygon in one group: one object of two geometries.
        (
            [
                shape("car", [[2, 3], [4, 4]], "mask", group_id=3, mask=MASK_2X3),
                shape("car", [[7, 7], [9, 7], [8, 9]], group_id=3),
            ],
            [
                ("car", "bitmap", group_key("group", "street.jpg", "car", "3")),
                ("car", "polygon", group_key("group", "street.jpg", "car", "3")),
            ],
        ),
        # No shapes: an empty annotation.
        ([], []),
    ],
)
def test_shapes_become_labels_with_groups(shapes, expected):
    ann = labelme_to_annotation(labelme_file(*shapes))

    assert ann.img_size == (10, 12)
    found = [(l.obj_class.name, l.geometry.geometry_name(), l.binding_key) for l in ann.labels]
    assert found == expected


def test_geometries_are_read_at_their_pixels():
    ann = labelme_to_annotation(
        labelme_file(
            shape("car", [[2, 3], [4, 4]], "mask", mask=MASK_2X3),
            # A rectangle dragged from bottom-right to top-left is the same rectangle.
            shape("sign", [[6, 5], [1, 1]], "rectangle"),
            shape("person", [[0.4, 1.6], [5.5, 1], [3, 8]]),
        )
    )
    mask, box, outline = (label.geometry for label in ann.labels)

    assert (mask.origin.row, mask.origin.col) == (3, 2)
    assert mask.data.astype(int).tolist() == [[1, 1, 0], [0, 1, 1]]
    assert (box.top, box.left, box.bottom, box.right) == (1, 1, 5, 6)
    # Fractional points rounded to the nearest pixel (5.5 to even: 6), as (row, col).
    assert outline.exterior_np.tolist() == [[2, 0], [1, 6], [8, 3]]


@pytest.mark.parametrize(
    "data, message",
    [
        # Not a LabelMe object at all.
        ([1, 2], "not a LabelMe file"),
        # Fields of the file.
        ({**labelme_file(), "shapes": None}, "shapes: missing"),
        ({**labelme_file(), "imageHeight": "10"}, "imageHeight: missing or not a whole number"),
        ({**labelme_file(), "imageWidth": 0}, "imageWidth: must be at least 1"),
        ({**labelme_file(), "imagePath": ""}, "imagePath: missing"),
    ],
)
def test_malformed_files_name_the_file_and_the_field(data, message):
    with pytest.raises(InvalidLabelmeError, match=message) as raised:
        labelme_to_annotation(data, source="street.json")
    assert str(raised.value).startswith("street.json: ")
    assert "\n" not in str(raised.value)


GOOD_SHAPE = shape("sign", [[0, 0], [2, 2]], "rectangle")


@pytest.mark.parametrize(
    "bad, message",
    [
        ("car", r"shapes\[0\]: not a JSON object"),
        (shape("", [[0, 0], [1, 1], [2, 0]]), r"shapes\[0\].label: missing"),
        (shape("car", [[0, 0], [1, "a"]]), r"shapes\[0\].points: must be a list"),
        # NaN is no coordinate (Python's json reads it).
        (shape("car", [[0, 0], [1, float("nan")], [2, 0]]), r"shapes\[0\].points: must be a list"),
        # LabelMe saves polygons of two points, and of one, and opens them again.
        # One record path for every reader (formats.records): "<field>: <reason>: skipped".
        (shape("car", [[0, 0], [1, 1]]), r"shapes\[0\].points: a polygon needs 3 points, got 2"),
        (shape("car", [[4, 4]]), r"shapes\[0\].points: a polygon needs 3 points, got 1"),
        (shape("car", [[0, 0]], "rectangle"), r"shapes\[0\].points: a rectangle needs 2"),
        (shape("car", [[0, 0], [1, 1], [2, 0]], group_id=[1]), r"shapes\[0\].group_id: must be"),
        (shape("car", [[0, 0], [1, 1], [2, 0]], group_id=1.5), r"shapes\[0\].group_id: must be"),
        (shape("car", [[0, 0], [2, 1]], "mask"), r"shapes\[0\].mask: missing"),
        (shape("car", [[0, 0], [2, 1]], "mask", mask="not base64!"), r"mask: not valid base64"),
        (shape("car", [[0, 0], [2, 1]], "mask", mask="aGVsbG8="), r"shapes\[0\].mask: not a PNG"),
        # A mask wholly outside the image.
        (shape("car", [[20, 20], [22, 21]], "mask", mask=MASK_2X3), r"no pixel set inside"),
    ],
)
def test_a_bad_shape_is_skipped_with_a_warning_and_the_rest_is_read(bad, message):
    with pytest.warns(LabelmeWarning, match=message) as caught:
        ann = labelme_to_annotation(labelme_file(bad, GOOD_SHAPE), source="street.json")
    assert [label.obj_class.name for label in ann.labels] == ["sign"]
    assert all(str(w.message).startswith("street.json: shapes[0]") for w in caught)


def png_declaring(width, height):
    """A grey PNG whose header declares ``width`` x ``height`` pixels, with one tiny IDAT: what a
    decoder would allocate is the declared size, what the file holds is a few bytes."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1)))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "width, height, message",
    [
        # The attack: 20000x20000 pixels (400 MB decoded) on the 12x10 image.
        (20000, 20000, "a 20000x20000 (width x height) mask, larger than the 12x10 image"),
        (
            13,
            10,
            "a 13x10 (width x height) mask, larger than the 12x10 image",
        ),  # one column too wide
        (12, 11, "a 12x11 (width x height) mask, larger than the 12x10 image"),  # one row too tall
        (1, 100000, "a 1x100000 (width x height) mask"),
        # Beyond what OpenCV decodes at all: refused from the header too.
        (40000, 40000, "its header gives 40000x40000 pixels, over the 2^30"),
    ],
)
def test_a_mask_larger_than_its_image_is_skipped_before_it_is_decoded(
    monkeypatch, width, height, message
):
    bomb = png_declaring(width, height)
    decoded = []
    real_imdecode = labelme_module.cv2.imdecode

    def recording_imdecode(buffer, flags):
        decoded.append(bytes(buffer))
        if bytes(buffer) == bomb:
            raise AssertionError("the oversized mask was decoded")
        return real_imdecode(buffer, flags)

    monkeypatch.setattr(labelme_module.cv2, "imdecode", recording_imdecode)
    bad = shape("car", [[0, 0], [1, 1]], "mask", mask=base64.b64encode(bomb).decode())
    good = shape("car", [[2, 3], [4, 4]], "mask", mask=MASK_2X3)

    with pytest.warns(LabelmeWarning) as caught:
        ann = labelme_to_annotation(labelme_file(bad, good, GOOD_SHAPE), source="street.json")

    assert len(caught) == 1
    assert str(caught[0].message).startswith(f"street.json: shapes[0].mask: {message}")
    assert str(caught[0].message).endswith(": the shape is skipped")
    assert bomb not in decoded  # never decoded: refused from its header
    assert base64.b64decode(MASK_2X3) in decoded  # the good mask is decoded as before
    assert [label.obj_class.name for label in ann.labels] == ["car", "sign"]


@pytest.mark.parametrize(
    "points, origin",
    [
        # The points span the bitmap (LabelMe's own save): placed there.
        ([[2, 3], [4, 4]], (3, 2)),
        # A corner dragged: the second point moved, the bitmap stays at the first, its own size.
        ([[2, 3], [7, 9]], (3, 2)),
        ([[2, 3], [2, 3]], (3, 2)),
        # A half-pixel move: fractional points, rounded.
        ([[2.4, 3.4], [4.6, 4.6]], (3, 2)),
        ([[5.6, 1.2], [7.4, 2.4]], (1, 6)),
        # The second point before the first, and no second point (LabelMe draws 1 or 2).
        ([[6, 6], [1, 1]], (6, 6)),
        ([[4, 5]], (5, 4)),
    ],
)
def test_a_mask_is_placed_at_its_first_point_with_its_own_size(points, origin):
    ann = labelme_to_annotation(labelme_file(shape("car", points, "mask", mask=MASK_2X3)))
    (label,) = ann.labels
    assert (label.geometry.origin.row, label.geometry.origin.col) == origin
    assert label.geometry.data.astype(int).tolist() == [[1, 1, 0], [0, 1, 1]]


def test_a_mask_partly_outside_the_image_keeps_its_part_inside():
    # The 10x12 image; the 2x3 bitmap at x=10, y=9: one row and two columns inside.
    ann = labelme_to_annotation(
        labelme_file(shape("car", [[10, 9], [12, 10]], "mask", mask=MASK_2X3))
    )
    (label,) = ann.labels
    assert (label.geometry.origin.row, label.geometry.origin.col) == (9, 10)
    assert label.geometry.data.astype(int).tolist() == [[1, 1]]


def test_a_bad_shape_never_stops_the_folder(tmp_path):
    folder = tmp_path / "labelme" / "street"
    folder.mkdir(parents=True)
    for stem, shapes in (("a", [shape("car", [[0, 0], [1, 1]]), GOOD_SHAPE]), ("b", [GOOD_SHAPE])):
        sly.image.write(str(folder / f"{stem}.png"), np.zeros((10, 12, 3), np.uint8))
        data = labelme_file(*shapes, image_path=f"{stem}.png")
        (folder / f"{stem}.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.warns(LabelmeWarning, match=r"street/a.json: shapes\[0\].points: a polygon needs"):
        items = list(labelme_items(str(tmp_path / "labelme")))
    assert [(item.name, len(item.ann.labels)) for item in items] == [("a.png", 1), ("b.png", 1)]


@pytest.mark.parametrize(
    "unsupported, expected_labels, warns",
    [
        # A point is not a shape that is converted: skipped, with a warning.
        (shape("car", [[1, 1]], "point"), 0, pytest.warns(LabelmeWarning, match="'point'")),
        # A mask with no pixel set is nothing to convert.
        (
            shape("car", [[0, 0], [1, 0]], "mask", mask=EMPTY_MASK_1X2),
            0,
            pytest.warns(LabelmeWarning, match="no pixel"),
        ),
    ],
)
def test_shapes_that_are_not_converted_are_skipped_with_a_warning(
    unsupported, expected_labels, warns
):
    with warns:
        ann = labelme_to_annotation(labelme_file(unsupported))
    assert len(ann.labels) == expected_labels


def test_writing_numbers_groups_per_image_and_leaves_unbound_labels_null():
    ann = street_annotation()  # walkers group, then a sign and a person alone
    ann = ann.clone(labels=ann.labels + small_annotation().labels[::2])  # keys 7 and "7"
    before = [label.binding_key for label in ann.labels]

    data = annotation_to_labelme(ann, "image.jpg")

    assert [s["group_id"] for s in data["shapes"]] == [1, 1, None, None, 2, 2]
    assert [s["shape_type"] for s in data["shapes"]] == [
        "polygon",
        "polygon",
        "rectangle",
        "polygon",
        "rectangle",
        "rectangle",
    ]
    assert data["shapes"][2]["points"] == [[20, 10], [40, 30]]  # [[left, top], [right, bottom]]
    assert (data["imagePath"], data["imageHeight"], data["imageWidth"]) == ("image.jpg", 720, 1280)
    assert data["imageData"] is None and data["version"] == "5.5.0"
    json.dumps(data)  # what is written must be JSON
    assert [label.binding_key for label in ann.labels] == before  # input untouched


def test_a_mask_is_written_as_labelme_stores_it():
    mask = np.array([[1, 1, 0], [0, 1, 1]], dtype=bool)
    ann = sly.Annotation((10, 12), [sly.Label(sly.Bitmap(mask, sly.PointLocation(3, 2)), CAR)])

    (written,) = annotation_to_labelme(ann, "a.jpg")["shapes"]

    assert written["shape_type"] == "mask"
    assert written["points"] == [[2, 3], [4, 4]]  # top-left and bottom-right pixels, inclusive
    assert labelme_to_annotation(labelme_file(written)).labels[0].geometry.data.tolist() == [
        [True, True, False],
        [False, True, True],
    ]


@pytest.mark.parametrize(
    "labels, message, shapes",
    [
        # LabelMe groups by label and group_id: a car and a person in one group come back as two.
        (
            [
                sly.Label(sly.Rectangle(0, 0, 1, 1), SIGN, binding_key="k"),
                sly.Label(polygon((3, 3), (3, 6), (6, 6)), PERSON, binding_key="k"),
            ],
            "group k mixes classes person, sign: .* reads back as 2 groups",
            2,
        ),
        # A polygon hole cannot be stored: the outline is written.
        (
            [
                sly.Label(
                    sly.Polygon(
                        [sly.PointLocation(r, c) for r, c in ((0, 0), (0, 9), (9, 9), (9, 0))],
                        interior=[[sly.PointLocation(r, c) for r, c in ((3, 3), (3, 5), (5, 5))]],
                    ),
                    PERSON,
                )
            ],
            "1 hole",
            1,
        ),
        # A point has no LabelMe shape here: skipped.
        ([sly.Label(sly.Point(1, 1), sly.ObjClass("tip", sly.Point))], "a tip point is skipped", 0),
        # A Rectangle and a Bitmap to isinstance, but a LabelMe rectangle would lose the angle and
        # a mask the opacities: skipped, not written as what they are not.
        (
            [
                sly.Label(
                    sly.OrientedBBox(1, 1, 4, 6, angle=0.3), sly.ObjClass("box", sly.OrientedBBox)
                )
            ],
            "a box oriented_bbox is skipped",
            0,
        ),
        (
            [
                sly.Label(
                    sly.AlphaMask(np.array([[0, 90], [200, 255]], np.uint8)),
                    sly.ObjClass("fog", sly.AlphaMask),
                )
            ],
            "a fog alpha_mask is skipped",
            0,
        ),
    ],
)
def test_what_labelme_cannot_hold_is_warned_about(labels, message, shapes):
    with pytest.warns(LabelmeWarning, match=message):
        data = annotation_to_labelme(sly.Annotation((10, 10), labels), "a.jpg")

    assert len(data["shapes"]) == shapes


def test_a_mixed_class_group_reads_back_as_one_group_per_class():
    labels = [
        sly.Label(sly.Rectangle(0, 0, 1, 1), SIGN, binding_key="k"),
        sly.Label(
            sly.Rectangle(4, 4, 5, 5), PERSON.clone(geometry_type=sly.Rectangle), binding_key="k"
        ),
    ]
    with pytest.warns(LabelmeWarning):
        data = annotation_to_labelme(sly.Annotation((10, 10), labels), "a.jpg")

    assert len(binding_groups(labelme_to_annotation(data)).groups) == 2


@pytest.mark.parametrize(
    "ann",
    [demo_annotation(), street_annotation(), small_annotation(), sly.Annotation((5, 5))],
    ids=["demo car", "street", "keys 7 and '7'", "empty"],
)
def test_one_image_round_trip_keeps_labels_and_groups(ann):
    back = labelme_to_annotation(json.loads(json.dumps(annotation_to_labelme(ann, "a.jpg"))))

    assert objects(back) == objects(ann)


def test_project_round_trip_keeps_every_label_and_the_partition(tmp_path):
    original = make_sample_project(tmp_path / "project")

    project_to_labelme(str(original), str(tmp_path / "labelme"))
    labelme_to_project(str(tmp_path / "labelme"), str(tmp_path / "back"))

    assert sorted(
        p.relative_to(tmp_path / "labelme").as_posix() for p in (tmp_path / "labelme").rglob("*")
    ) == [
        "dataset-01",
        "dataset-01/image.jpg",
        "dataset-01/image.json",
        "dataset-02",
        "dataset-02/small.json",
        "dataset-02/small.png",
    ]
    assert project_objects(tmp_path / "back") == project_objects(original)
    meta, _ = read_project(tmp_path / "back")
    assert class_types(meta) == {"car": "bitmap", "person": "polygon", "sign": "rectangle"}


def test_reading_a_folder_of_hand_made_files(tmp_path):
    folder = tmp_path / "labelme" / "street"
    folder.mkdir(parents=True)
    # An image beside its JSON, and a JSON that embeds its image (imageData) instead.
    (folder / "a.png").write_bytes(base64.b64decode(IMAGE_8X6))
    a = labelme_file(
        shape("car", [[0, 0], [2, 0], [1, 2]], group_id=1),
        shape("car", [[4, 3], [6, 3], [5, 5]], group_id=1),
        shape("car", [[2, 3], [4, 4]], "mask", mask=MASK_2X3),
        image_path="a.png",
        height=6,
        width=8,
    )
    b = labelme_file(
        shape("sign", [[1, 1], [3, 2]], "rectangle"),
        image_path="b.png",
        height=6,
        width=8,
        image_data=IMAGE_8X6,
    )
    (folder / "a.json").write_text(json.dumps(a))
    (folder / "b.json").write_text(json.dumps(b))

    labelme_to_project(str(tmp_path / "labelme"), str(tmp_path / "project"))

    meta, anns = read_project(tmp_path / "project")
    assert sorted(anns) == ["street/a.png", "street/b.png"]
    assert [len(labels) for labels in binding_groups(anns["street/a.png"]).groups.values()] == [2]
    assert len(binding_groups(anns["street/a.png"]).unbound) == 1
    # car has polygons and a mask: AnyGeometry.
    assert class_types(meta) == {"car": "any", "sign": "rectangle"}
    assert sly.image.read(str(tmp_path / "project" / "street" / "img" / "b.png")).shape == (6, 8, 3)


@pytest.mark.parametrize(
    "files, message",
    [
        # Not JSON, or not UTF-8.
        ({"a.json": "{not json"}, r"a.json: not valid JSON \(Expecting property name"),
        ({"a.json": b'{"imagePath": "caf\xe9.png"}'}, r"a.json: not UTF-8 text \(byte 18\)"),
        # No LabelMe file at all.
        ({"notes.txt": "to do"}, r"labelme: no LabelMe file \(\*.json\) in it or its folders"),
        # A folder whose name the SDK would skip when it reads the project.
        (
            {
                "cars_img/a.json": json.dumps(
                    labelme_file(image_path="a.png", image_data=IMAGE_8X6, height=6, width=8)
                )
            },
            r"a.json: its folder gives the dataset name 'cars_img', which ends with 'img'",
        ),
        # (An image neither beside the file nor embedded is one image left out:
        # tests/formats/test_missing_images.py)
        # Two files that claim one image.
        (
            {
                "a.json": json.dumps(
                    labelme_file(image_path="same.png", image_data=IMAGE_8X6, height=6, width=8)
                ),
                "b.json": json.dumps(
                    labelme_file(image_path="same.png", image_data=IMAGE_8X6, height=6, width=8)
                ),
            },
            r"b.json: 'same.png' is used twice in dataset 'labelme': give each image its own",
        ),
        # imageData that is not an image.
        (
            {"a.json": json.dumps(labelme_file(image_path="a.png", image_data="aGVsbG8="))},
            r"a.json: imageData: the image it embeds: its size cannot be read from its header",
        ),
    ],
)
def test_a_bad_folder_names_the_file_and_the_field(tmp_path, files, message):
    for name, text in files.items():
        path = tmp_path / "labelme" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())

    with pytest.raises(InvalidLabelmeError, match=message):
        labelme_to_project(str(tmp_path / "labelme"), str(tmp_path / "project"))


def test_labelme_items_reads_without_writing(tmp_path):
    folder = tmp_path / "labelme" / "street"
    folder.mkdir(parents=True)
    (folder / "a.png").write_bytes(base64.b64decode(IMAGE_8X6))
    a = labelme_file(shape("car", [[0, 0], [2, 0], [1, 2]]), image_path="a.png", height=6, width=8)
    b = labelme_file(image_path="b.png", height=6, width=8, image_data=IMAGE_8X6)
    (folder / "a.json").write_text(json.dumps(a))
    (folder / "b.json").write_text(json.dumps(b))
    before = sorted(tmp_path.rglob("*"))

    items = list(labelme_items(str(tmp_path / "labelme")))

    assert [(i.dataset, i.name, type(i.image).__name__, len(i.ann.labels)) for i in items] == [
        (("street",), "a.png", "PosixPath", 1),
        (("street",), "b.png", "bytes", 0),
    ]
    assert sorted(tmp_path.rglob("*")) == before


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-50, 50)
    | st.floats(allow_nan=True)
    | st.text(max_size=4),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=8,
)
SHAPE_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "label": st.sampled_from(["car", "", None, 3]) | JSON_VALUES,
        "points": st.lists(
            st.lists(st.integers(-20, 40) | st.floats(-20, 40) | JSON_VALUES, max_size=3),
            max_size=5,
        )
        | JSON_VALUES,
        "shape_type": st.sampled_from(["polygon", "rectangle", "mask", "point", "circle", None])
        | JSON_VALUES,
        "group_id": st.sampled_from([None, 1, "1", 1.5]) | JSON_VALUES,
        "mask": st.sampled_from([MASK_2X3, EMPTY_MASK_1X2, "aGVsbG8=", "", None]) | JSON_VALUES,
    },
)


@settings(max_examples=200, deadline=None)
@given(shapes=st.lists(SHAPE_FIELDS | JSON_VALUES, max_size=5))
def test_no_shape_stops_the_file(shapes):
    # Whatever the shapes, the file is read: bad ones are skipped with a warning, the good one
    # after them is kept.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelmeWarning)
        ann = labelme_to_annotation(labelme_file(*shapes, GOOD_SHAPE))
    assert ann.labels[-1].obj_class.name == "sign"
    assert all(label.geometry.area > 0 for label in ann.labels)


def test_a_group_id_on_a_lone_shape_reads_unbound_and_writes_back_the_same_group_id():
    # LabelMe users number lone shapes with group_id as instance numbers (issue 18).
    data = labelme_file(
        shape("car", [[0, 0], [1, 1]], "rectangle", group_id=5),
        shape("car", [[3, 3], [4, 4]], "rectangle", group_id=1),
        shape("car", [[6, 6], [7, 7]], "rectangle", group_id=1),
        shape("sign", [[8, 8], [9, 9]], "rectangle", group_id=9),
    )
    ann = labelme_to_annotation(data)
    assert [label.binding_key for label in ann.labels] == [
        None,
        group_key("group", "street.jpg", "car", "1"),
    ] * 1 + [
        group_key("group", "street.jpg", "car", "1"),
        None,
    ]
    assert not find_problems(ann, "street.jpg")  # nothing the user never grouped is flagged
    written = annotation_to_labelme(ann, "street.jpg")
    assert [shape["group_id"] for shape in written["shapes"]] == [5, 1, 1, 9]
    back = labelme_to_annotation(written)
    assert [label.binding_key is None for label in back.labels] == [True, False, False, True]
