"""bindings.py on real sly.Label and sly.Annotation objects: every helper and its errors."""

from __future__ import annotations

import copy
from contextlib import nullcontext as does_not_raise
from pathlib import Path

import cv2
import numpy as np
import pytest
import supervisely as sly

from bindings import (
    InvalidBindingKeyError,
    bind_labels,
    binding_groups,
    binding_key_of,
    discard_bindings,
    with_binding_key,
)
from sly_bindings.files.images import (
    InvalidImageError,
    InvalidMaskError,
    masks_to_labels,
    read_image_size,
    read_mask,
)

REPO_DIR = Path(__file__).resolve().parents[2]
CAR = sly.ObjClass("car", sly.Bitmap)
PERSON = sly.ObjClass("person", sly.Rectangle)
BOX = sly.Rectangle(0, 0, 1, 1)
META = sly.ProjectMeta(obj_classes=[CAR, PERSON])
MASK_2X3 = np.array([[0, 1, 1], [0, 0, 1]], dtype=np.uint8)
EXPECTED_2X3 = np.array([[False, True, True], [False, False, True]])


def car(key=None) -> sly.Label:
    return sly.Label(sly.Bitmap(MASK_2X3 * 255), CAR, binding_key=key)


def person(key=None) -> sly.Label:
    return sly.Label(BOX, PERSON, binding_key=key)


def keys(ann: sly.Annotation) -> list:
    return [label.binding_key for label in ann.labels]


@pytest.mark.parametrize(
    "mask, image_size, expected, exception",
    [
        (MASK_2X3, (2, 3), EXPECTED_2X3, does_not_raise()),  # values 0 and 1
        (MASK_2X3 * 255, (2, 3), EXPECTED_2X3, does_not_raise()),  # values 0 and 255
        (MASK_2X3.astype(bool), (2, 3), EXPECTED_2X3, does_not_raise()),  # bool
        (np.full((2, 3), 255, np.uint8), (2, 3), np.ones((2, 3), bool), does_not_raise()),  # all
        (np.dstack([MASK_2X3 * 255] * 3), (2, 3), EXPECTED_2X3, does_not_raise()),  # grey as BGR
        (MASK_2X3, (3, 2), None, pytest.raises(InvalidMaskError, match="image's size")),
        (MASK_2X3, (2, 4), None, pytest.raises(InvalidMaskError, match="3x2 but the image is 4x2")),
        (np.zeros((2, 3), np.uint8), (2, 3), None, pytest.raises(InvalidMaskError, match="empty")),
        (np.zeros((2, 3), bool), (2, 3), None, pytest.raises(InvalidMaskError, match="empty")),
        (  # a JPEG-like mask: in-between values
            np.array([[0, 3, 250], [0, 0, 255]], dtype=np.uint8),
            (2, 3),
            None,
            pytest.raises(InvalidMaskError, match="4 distinct values.*PNG, not JPEG"),
        ),
        (  # 0, 1 and 255 mixed: no single rule fits
            np.array([[0, 1, 255], [0, 0, 255]], dtype=np.uint8),
            (2, 3),
            None,
            pytest.raises(InvalidMaskError, match="3 distinct values"),
        ),
        (  # colour channels that disagree
            np.dstack([MASK_2X3 * 255, MASK_2X3 * 255, np.zeros((2, 3), np.uint8)]),
            (2, 3),
            None,
            pytest.raises(InvalidMaskError, match="colour channels"),
        ),
        (  # an alpha channel
            np.dstack([MASK_2X3 * 255] * 4),
            (2, 3),
            None,
            pytest.raises(InvalidMaskError, match=r"shape \(2, 3, 4\).*without an alpha"),
        ),
        (np.ones((2,), np.uint8), (2, 3), None, pytest.raises(InvalidMaskError, match="2-D")),
    ],
)
def test_read_mask_from_array(mask, image_size, expected, exception):
    with exception:
        result = read_mask(mask, image_size)
        assert result.dtype == np.bool_
        np.testing.assert_array_equal(result, expected)


def test_read_mask_from_files(tmp_path):
    grey, colour, text = tmp_path / "grey.png", tmp_path / "colour.png", tmp_path / "notes.png"
    cv2.imwrite(str(grey), MASK_2X3 * 255)
    cv2.imwrite(str(colour), np.dstack([MASK_2X3 * 255] * 3))
    text.write_text("not an image")

    np.testing.assert_array_equal(read_mask(grey, (2, 3)), EXPECTED_2X3)
    np.testing.assert_array_equal(read_mask(str(colour), (2, 3)), EXPECTED_2X3)
    with pytest.raises(
        InvalidMaskError, match=f"mask {text}: its size cannot be read from its header"
    ):
        read_mask(text, (2, 3))
    with pytest.raises(FileNotFoundError, match="missing.png does not exist: check the path"):
        read_mask(tmp_path / "missing.png", (2, 3))


def test_read_mask_leaves_the_array_alone():
    mask = MASK_2X3 * 255
    original = mask.copy()
    read_mask(mask, (2, 3))
    np.testing.assert_array_equal(mask, original)


def test_read_image_size(tmp_path):
    image, corrupt, unsupported = tmp_path / "a.png", tmp_path / "b.jpg", tmp_path / "c.gif"
    cv2.imwrite(str(image), np.zeros((5, 7, 3), np.uint8))
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    unsupported.write_bytes(b"GIF89a")

    assert read_image_size(image) == (5, 7)
    with pytest.raises(InvalidImageError, match="its size cannot be read from its header"):
        read_image_size(corrupt)
    with pytest.raises(InvalidImageError, match="not a format Supervisely accepts"):
        read_image_size(unsupported)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_image_size(tmp_path / "missing.jpg")


@pytest.mark.parametrize("kept", [0.5, 0.99])
def test_a_jpeg_cut_short_is_refused_though_cv2_decodes_it(tmp_path, kept, capfd):
    demo = (REPO_DIR / "images" / "image.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(demo[: int(len(demo) * kept)])
    assert cv2.imread(str(cut)) is not None  # why the check is needed
    capfd.readouterr()

    with pytest.raises(
        InvalidImageError, match=r"cut.jpg is truncated \(its JPEG data ends early\)"
    ):
        read_image_size(cut)
    assert read_image_size(REPO_DIR / "images" / "image.jpg") == (720, 1280)
    assert capfd.readouterr().err == ""  # libjpeg's own warning stays out of the output


def test_masks_to_labels_makes_one_unbound_bitmap_per_mask_in_order():
    left = np.zeros((4, 6), np.uint8)
    left[1:3, 0:2] = 255
    right = np.zeros((4, 6), np.uint8)
    right[0, 3:6] = 1

    labels = masks_to_labels([left, right], CAR, (4, 6))

    assert [label.obj_class.name for label in labels] == ["car", "car"]
    assert [label.binding_key for label in labels] == [None, None]
    assert [(label.geometry.origin.row, label.geometry.origin.col) for label in labels] == [
        (1, 0),
        (0, 3),
    ]
    assert [label.geometry.area for label in labels] == [4.0, 3.0]


def test_masks_to_labels_names_the_bad_mask(tmp_path):
    good, wrong_size = tmp_path / "good.png", tmp_path / "wrong.png"
    cv2.imwrite(str(good), MASK_2X3 * 255)
    cv2.imwrite(str(wrong_size), np.ones((3, 3), np.uint8) * 255)
    with pytest.raises(InvalidMaskError, match=f"mask {wrong_size} is 3x3 but the image is 3x2"):
        masks_to_labels([good, wrong_size], CAR, (2, 3))


@pytest.mark.parametrize(
    "key, expected, exception",
    [
        ("car-1", "car-1", does_not_raise()),
        (None, None, does_not_raise()),  # a new uuid4().hex, checked below
        (7, None, pytest.raises(TypeError, match="binding key 7 is a int: pass a string")),
        ("", None, pytest.raises(ValueError, match="binding key is empty")),
    ],
)
def test_bind_labels(key, expected, exception):
    labels = [car(), person("old")]
    with exception:
        bound = bind_labels(labels, key)
        assert len({label.binding_key for label in bound}) == 1
        if expected is not None:
            assert bound[0].binding_key == expected
        else:
            assert len(bound[0].binding_key) == 32 and int(bound[0].binding_key, 16) >= 0
        assert [label.binding_key for label in labels] == [None, "old"]  # inputs untouched


def test_bind_labels_without_a_key_gives_a_new_key_each_time():
    assert bind_labels([car()])[0].binding_key != bind_labels([car()])[0].binding_key


def test_with_binding_key_copies_and_keeps_everything_else():
    label = sly.Label(BOX, PERSON, description="front", binding_key="a", sly_id=42)

    unbound = with_binding_key(label, None)

    assert (unbound.binding_key, label.binding_key) == (None, "a")
    assert unbound is not label
    assert (unbound.sly_id, unbound.description, unbound.geometry) == (42, "front", label.geometry)


def test_label_clone_cannot_clear_a_key_which_is_why_with_binding_key_exists():
    label = person("a")
    assert label.clone(binding_key=None).binding_key == "a"  # the SDK pitfall
    assert with_binding_key(label, None).binding_key is None


@pytest.mark.parametrize(
    "key, expected, exception",
    [
        (None, None, does_not_raise()),
        ("a", "a", does_not_raise()),
        (62245779, "62245779", does_not_raise()),  # as a server answers it
        (7.5, None, pytest.raises(InvalidBindingKeyError, match="7.5 of a 'person' label is a")),
        (True, None, pytest.raises(InvalidBindingKeyError, match="is a bool")),
        ({"id": 1}, None, pytest.raises(InvalidBindingKeyError, match="is a dict: a key must")),
    ],
)
def test_binding_key_of_normalises_to_string(key, expected, exception):
    label = sly.Label.from_json({**person().to_json(), "instance": key}, META)
    with exception:
        assert binding_key_of(label) == expected


@pytest.mark.parametrize(
    "label_keys, expected_groups, expected_unbound",
    [
        ([], {}, 0),  # no labels
        ([None], {}, 1),  # one unbound label
        (["a"], {"a": 1}, 0),  # a group of one
        (["b", None, "a", "b", None], {"b": 2, "a": 1}, 2),  # order of first appearance
        ([7, "7", None], {"7": 2}, 1),  # number and string name one group
    ],
)
def test_binding_groups(label_keys, expected_groups, expected_unbound):
    ann = sly.Annotation((10, 10), [person(key) for key in label_keys])

    groups, unbound = binding_groups(ann)

    assert {key: len(labels) for key, labels in groups.items()} == expected_groups
    assert list(groups) == list(expected_groups)
    assert len(unbound) == expected_unbound
    assert all(label.binding_key is None for label in unbound)


def test_binding_groups_keeps_label_order_inside_a_group():
    first, second = person("a"), car("a")
    groups, _ = binding_groups(sly.Annotation((10, 10), [first, person(), second]))
    assert [label.obj_class.name for label in groups["a"]] == ["person", "car"]


@pytest.mark.parametrize(
    "class_names, expected_keys",
    [
        (None, [None, None, None]),  # all
        (["car"], [None, "p", None]),
        (["person"], ["c", None, None]),
        ([], ["c", "p", None]),  # nothing to discard
        (["bus"], ["c", "p", None]),  # a class with no labels
    ],
)
def test_discard_bindings(class_names, expected_keys):
    ann = sly.Annotation((10, 10), [car("c"), person("p"), person()])
    before = ann.to_json()

    result = discard_bindings(ann, class_names)

    assert keys(result) == expected_keys
    assert ann.to_json() == before  # the input is untouched
    assert all(new is not old for new, old in zip(result.labels, ann.labels))


def test_discard_bindings_keeps_every_label_and_its_geometry():
    ann = sly.Annotation((10, 10), [car("c"), person("p"), person()])
    result = discard_bindings(ann)
    for new, old in zip(result.labels, ann.labels, strict=True):
        assert new.geometry.to_json() == old.geometry.to_json()
        assert new.obj_class == old.obj_class


def test_sdk_discard_bindings_mutates_clones_which_is_why_discard_bindings_exists():
    ann = sly.Annotation((10, 10), [person("a")])
    clone = ann.clone()
    clone.discard_bindings()
    assert keys(ann) == [None]  # the SDK pitfall: a clone shares its labels

    ann = sly.Annotation((10, 10), [person("a")])
    discard_bindings(copy.copy(ann))
    assert keys(ann) == ["a"]


def test_discard_bindings_refuses_one_class_name_as_a_string():
    with pytest.raises(TypeError, match=r"class_names='car' is one string: pass a list"):
        discard_bindings(sly.Annotation((10, 10), [car("c")]), "car")


@pytest.mark.parametrize(
    "key, exception",
    [
        ("b", does_not_raise()),
        (None, does_not_raise()),
        (62245779, does_not_raise()),  # a server's key, kept as it came
        (7.5, pytest.raises(TypeError, match="binding key 7.5 is a float: pass a string or None")),
        (True, pytest.raises(TypeError, match="is a bool")),
    ],
)
def test_with_binding_key_takes_what_a_server_answers(key, exception):
    label = sly.Label(BOX, PERSON, binding_key="a", sly_id=42)
    with exception:
        new = with_binding_key(label, key)
        assert (new.binding_key, new.sly_id, label.binding_key) == (key, 42, "a")
