"""Keys never collide (issue 22, kind 8): the key of a group read from a file is
``formats.records.group_key`` of what names the group there, so different (image, id) or
(image, label, group) never give one key, whatever the strings hold."""

from __future__ import annotations

import warnings

import pytest
import supervisely as sly
from hypothesis import given, settings
from hypothesis import strategies as st

from bindings import binding_groups
from sly_bindings.formats.coco.read import coco_to_annotation
from sly_bindings.formats.labelme import labelme_to_annotation
from sly_bindings.formats.records import group_key

PART = st.one_of(st.text(), st.integers(), st.none())


@settings(max_examples=400, deadline=None)
@given(st.lists(PART, max_size=5), st.lists(PART, max_size=5))
def test_group_key_is_injective_over_arbitrary_parts(first, second):
    assert (group_key(*first) == group_key(*second)) == (first == second)


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(), st.text(), st.text())
def test_joined_strings_that_used_to_meet_stay_apart(image, label, group_a, group_b):
    # "<image>:<label>:<group>" made ("car:1", "2") and ("car", "1:2") one key.
    if (label, group_a) != (label + ":" + group_a, group_b):
        assert group_key("group", image, label, group_a) != group_key(
            "group", image, label + ":" + group_a, group_b
        )


def box(x: int) -> list:
    return [x, 0, x + 2, 0, x + 2, 2, x, 2]


def coco_groups(ids: list) -> list:
    """The groups ``coco_to_annotation`` reads from instances of one image with ``ids``, each
    an instance of two polygon parts: the sizes of its groups, sorted."""
    image = {"id": 1, "file_name": "a.jpg", "height": 8, "width": 40}
    instances = [
        {"id": given_id, "category_id": 1, "segmentation": [box(4 * i), box(4 * i + 1)]}
        for i, given_id in enumerate(ids)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ann = coco_to_annotation(image, instances, {1: "car"})
    return sorted(len(group) for group in binding_groups(ann).groups.values())


def labelme_groups(shapes: list) -> list:
    """The sizes of the groups ``labelme_to_annotation`` reads from ``(label, group_id)``
    shapes of one image, sorted."""
    data = {
        "imagePath": "a.jpg",
        "imageHeight": 8,
        "imageWidth": 40,
        "shapes": [
            {
                "label": label,
                "points": [[3 * i, 0], [3 * i + 2, 2]],
                "shape_type": "rectangle",
                "group_id": group_id,
            }
            for i, (label, group_id) in enumerate(shapes)
        ],
    }
    return sorted(
        len(group) for group in binding_groups(labelme_to_annotation(data)).groups.values()
    )


# Inputs whose joined-string keys met: each row, the groups that must come out (their sizes).
CASES = {
    "coco: string id '5#2' beside two instances with id 5": (
        coco_groups,
        [5, 5, "5#2"],
        [2, 2, 2],
    ),
    "coco: string id '5' beside number id 5": (coco_groups, [5, "5"], [2, 2]),
    "coco: id 'g1' beside ids of another kind": (coco_groups, ["g1", 1], [2, 2]),
    "labelme: 'car:1' in group 2 beside 'car' in group '1:2'": (
        labelme_groups,
        [("car:1", 2), ("car:1", 2), ("car", "1:2"), ("car", "1:2")],
        [2, 2],
    ),
    "labelme: a group id holding a quote and a colon": (
        labelme_groups,
        [("a", 'b","c'), ("a", 'b","c'), ('a","b', "c"), ('a","b', "c")],
        [2, 2],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_groups_that_joined_keys_merged_stay_apart(case):
    read, given_input, expected = CASES[case]
    assert read(given_input) == expected


def test_labelme_7_and_quoted_7_stay_one_group():
    # The reader's own rule: 7, 7.0 and "7" are one group (made one value before the key).
    assert labelme_groups([("car", 7), ("car", "7"), ("car", 7.0)]) == [3]


def test_a_key_is_a_string_the_sdk_keeps():
    key = group_key("group", "a\nb.jpg", "car", "\x1b[31m")
    label = sly.Label(
        sly.Rectangle(0, 0, 1, 1), sly.ObjClass("car", sly.Rectangle), binding_key=key
    )
    assert label.binding_key == key
