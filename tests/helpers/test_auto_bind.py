"""auto_bind.py on real sly.Annotation objects: the gap at its boundary, groups, classes, keys.

Most cases are pictures: each letter is one label made of the pixels with that letter, "." is
background. Upper-case letters are labels of class "car", lower-case ones of class "person".
The expected groups are strings of the letters that share a key.
"""

from __future__ import annotations

import copy
import math
import re
from contextlib import nullcontext as does_not_raise
from typing import Dict, List, Optional

import numpy as np
import pytest
import supervisely as sly
from hypothesis import given, settings
from hypothesis import strategies as st

from sly_bindings.groups.auto_bind import auto_bind
from bindings import binding_groups

CAR = sly.ObjClass("car", sly.AnyGeometry)
PERSON = sly.ObjClass("person", sly.AnyGeometry)
TRIANGLE = sly.Polygon([sly.PointLocation(row, col) for row, col in ((0, 0), (4, 4), (4, 0))])


def picture_annotation(picture: str, keys: Optional[Dict[str, object]] = None) -> sly.Annotation:
    """One Bitmap label per letter of ``picture`` (rows separated by spaces), in letter order."""
    grid = np.array([list(row) for row in picture.split()])
    keys = keys or {}
    labels = [
        sly.Label(
            sly.Bitmap(grid == letter),
            CAR if letter.isupper() else PERSON,
            binding_key=keys.get(letter),
        )
        for letter in sorted(set(grid.flat) - {"."})
    ]
    return sly.Annotation(grid.shape, labels)


def letters_of(picture: str) -> List[str]:
    return sorted(set(picture.replace(" ", "")) - {"."})


def groups_of(ann: sly.Annotation, letters: List[str]) -> List[str]:
    """The letters of each binding group (labels are in letter order), sorted."""
    index = {id(label): position for position, label in enumerate(ann.labels)}
    return sorted(
        "".join(letters[index[id(label)]] for label in group)
        for group in binding_groups(ann).groups.values()
    )


@pytest.mark.parametrize(
    "picture, max_gap, across_classes, expected",
    [
        ("... ...", 5, False, []),  # no labels
        ("A.. ...", 5, False, []),  # one label: a group of one is no group
        ("AB", 0, False, ["AB"]),  # touching side by side: gap 0
        ("A. .B", 0, False, ["AB"]),  # touching at a corner: gap 0
        ("A.B", 0, False, []),  # one empty pixel between: gap 1
        ("A..B", 2, False, ["AB"]),  # horizontal, gap exactly 2
        ("A...B", 2, False, []),  # horizontal, gap 3: one pixel more
        ("A..B", 2.9, False, ["AB"]),  # a fractional limit: 2 <= 2.9
        ("A...B", 2.9, False, []),  # 3 > 2.9
        ("A . . B", 2, False, ["AB"]),  # vertical, gap exactly 2
        ("A . . . B", 2, False, []),  # vertical, gap 3
        # diagonal: 3 empty rows and 4 empty columns between, gap sqrt(3**2 + 4**2) = 5
        ("A..... ...... ...... ...... .....B", 5, False, ["AB"]),
        ("A...... ....... ....... ....... ......B", 5, False, []),  # one column more: sqrt(34)
        ("A..... ...... ...... ...... ...... .....B", 5, False, []),  # one row more: sqrt(32)
        ("A.... ..... ..... ..... ....B", 4.25, False, ["AB"]),  # 3 rows, 3 columns: sqrt(18)
        ("A.... ..... ..... ..... ....B", 4.24, False, []),  # sqrt(18) = 4.2426...
        ("A.. ... ..B", math.sqrt(2), False, ["AB"]),  # one empty pixel diagonally: sqrt(2)
        ("A.. ... ..B", 1.41, False, []),  # just under sqrt(2)
        # labels on all four borders and in the corners, one pixel apart
        ("A.B ... C.D", 1, False, ["ABCD"]),
        ("A.B ... C.D", 0.99, False, []),
        ("AAA. .... ...B", 1, False, ["AB"]),  # a label along the top border, one in a corner
        ("A.B.C", 1, False, ["ABC"]),  # transitive: A-B 1, B-C 1, A-C 3
        ("AA.B...C.DD", 1, False, ["AB", "CD"]),  # two groups
        ("A.B...C", 2, False, ["AB"]),  # C is 3 from B
        ("A.b", 1, False, []),  # classes stay apart
        ("A.b", 1, True, ["Ab"]),  # unless asked
        ("Ab", 0, False, []),  # even when touching
        ("A.b.C", 1, False, []),  # A-C is 3 apart; the person between does not link them
        ("A.b.C", 3, False, ["AC"]),  # A-C within 3; the person stays out
        ("A.b.C", 1, True, ["ACb"]),  # across classes, the person links them
        ("A.B a.b", 1, False, ["AB", "ab"]),  # a group per class
    ],
)
def test_gap_boundary_transitivity_and_classes(picture, max_gap, across_classes, expected):
    ann = picture_annotation(picture)
    result = auto_bind(ann, max_gap, across_classes=across_classes)
    assert groups_of(result, letters_of(picture)) == expected


@pytest.mark.parametrize(
    "picture, keys, keep_existing, expected, expected_keys",
    [
        # an unbound label near a group joins it, even when the group is spread out
        ("A.B...C", {"A": "g", "C": "g"}, True, ["ABC"], {"B": "g"}),
        # regrouping from scratch splits the spread group: C is alone, so it is unbound
        ("A.B...C", {"A": "g", "C": "g"}, False, ["AB"], {"C": None}),
        # two groups near each other stay two groups
        ("A.B", {"A": "g1", "B": "g2"}, True, ["A", "B"], {"A": "g1", "B": "g2"}),
        ("A.B", {"A": "g1", "B": "g2"}, False, ["AB"], {}),
        # an unbound label between two groups is ambiguous: it stays unbound
        ("A.C.B", {"A": "g1", "B": "g2"}, True, ["A", "B"], {"C": None}),
        ("A.C.B", {"A": "g1", "B": "g2"}, False, ["ABC"], {}),
        # a chain of unbound labels that reaches one group joins it
        ("A.B.C", {"A": "g"}, True, ["ABC"], {"B": "g", "C": "g"}),
        # unbound labels far from every group form a group of their own
        ("A.B...C", {"C": "g"}, True, ["AB", "C"], {"C": "g"}),
        # a group is kept even when its labels are far apart, and broken up when not
        ("A....B", {"A": "g", "B": "g"}, True, ["AB"], {"A": "g", "B": "g"}),
        ("A....B", {"A": "g", "B": "g"}, False, [], {"A": None, "B": None}),
        # a group of another class is not joined across classes...
        ("A.b", {"b": "g"}, True, ["b"], {"A": None}),
    ],
)
def test_existing_groups(picture, keys, keep_existing, expected, expected_keys):
    ann = picture_annotation(picture, keys)
    letters = letters_of(picture)
    result = auto_bind(ann, 1, keep_existing=keep_existing)
    assert groups_of(result, letters) == expected
    for letter, key in expected_keys.items():
        assert result.labels[letters.index(letter)].binding_key == key


def test_a_group_of_numbers_from_a_server_is_joined_under_the_same_number():
    # Label.from_json keeps a server's numeric key as it is; the joining label gets that number,
    # not the string "7", which the SDK's get_bindings() would count as another group.
    ann_json = picture_annotation("AB", {"A": "7"}).to_json()
    ann_json["objects"][0]["instance"] = 7
    ann = sly.Annotation.from_json(ann_json, sly.ProjectMeta([CAR]))

    result = auto_bind(ann, 0)

    assert [label.binding_key for label in result.labels] == [7, 7]
    assert list(result.get_bindings()) == [7]


def test_labels_hidden_under_another_class_still_bind():
    # Car B's pixel next to car A is covered by a person: cars still see each other.
    car_a = np.array([[1, 0, 0, 0]], dtype=bool)
    car_b = np.array([[0, 0, 1, 1]], dtype=bool)
    person = np.array([[0, 0, 1, 0]], dtype=bool)
    ann = sly.Annotation(
        (1, 4),
        [
            sly.Label(sly.Bitmap(car_a), CAR),
            sly.Label(sly.Bitmap(car_b), CAR),
            sly.Label(sly.Bitmap(person), PERSON),
        ],
    )
    assert groups_of(auto_bind(ann, 1), ["A", "B", "p"]) == ["AB"]


def test_an_unbound_label_under_a_group_still_sees_every_group_near_it():
    # N (columns 2-3) is 1 from g1's label at column 0, and overlaps g2's label at column 2, so
    # it is near two groups and stays unbound. g1's label is itself covered by another g2 label,
    # so only g1's side can see N, and only if N is not hidden under g2's label at column 2.
    rows = [[1, 0, 0, 0]], [[1, 0, 0, 0]], [[0, 0, 1, 1]], [[0, 0, 1, 0]]
    keys = ["g1", "g2", None, "g2"]
    ann = sly.Annotation(
        (1, 4),
        [
            sly.Label(sly.Bitmap(np.array(pixels, dtype=bool)), CAR, binding_key=key)
            for pixels, key in zip(rows, keys)
        ],
    )
    assert [label.binding_key for label in auto_bind(ann, 1).labels] == keys


def test_overlapping_and_identical_labels_bind():
    block = np.ones((2, 2), dtype=bool)
    corner = np.array([[0, 0], [0, 1]], dtype=bool)
    ann = sly.Annotation(
        (2, 2),
        [
            sly.Label(sly.Bitmap(block), CAR),
            sly.Label(sly.Bitmap(block), CAR),  # the same pixels: hidden under the first
            sly.Label(sly.Bitmap(corner), CAR),  # inside both
        ],
    )
    assert groups_of(auto_bind(ann, 0), ["A", "B", "C"]) == ["ABC"]


@pytest.mark.parametrize(
    "geometries, max_gap, expected",
    [
        # rectangles by their pixels: columns 3-4 are empty, gap 2
        ([sly.Rectangle(0, 0, 2, 2), sly.Rectangle(0, 5, 2, 7)], 2, ["AB"]),
        ([sly.Rectangle(0, 0, 2, 2), sly.Rectangle(0, 6, 2, 7)], 2, []),  # gap 3
        # a polygon, the right triangle with corners (0, 0), (4, 0), (4, 4): row k holds
        # columns 0 to k. A rectangle in row 4 from column 7: 2 columns between, gap 2
        ([TRIANGLE, sly.Rectangle(4, 7, 4, 8)], 2, ["AB"]),
        # a rectangle at (0, 4): nearest to the triangle's pixel (2, 2), 1 row and 1 column
        # between, gap sqrt(2): the diagonal edge counts by its pixels
        ([TRIANGLE, sly.Rectangle(0, 4, 0, 5)], 1.5, ["AB"]),
        ([TRIANGLE, sly.Rectangle(0, 4, 0, 5)], 1.4, []),
        # a point or a polyline has no area: it takes no part, even on top of a mask
        ([sly.Rectangle(0, 0, 2, 2), sly.Point(1, 1)], 5, []),
        (
            [
                sly.Rectangle(0, 0, 2, 2),
                sly.Polyline([sly.PointLocation(0, 3), sly.PointLocation(2, 3)]),
            ],
            5,
            [],
        ),
    ],
)
def test_polygons_and_rectangles_take_part_by_their_pixels(geometries, max_gap, expected):
    ann = sly.Annotation((6, 10), [sly.Label(geometry, CAR) for geometry in geometries])
    assert groups_of(auto_bind(ann, max_gap), ["A", "B"]) == expected


def test_geometries_without_area_keep_their_key():
    point = sly.Label(sly.Point(1, 1), CAR, binding_key="p")
    mask = sly.Label(sly.Rectangle(0, 0, 2, 2), CAR)
    ann = sly.Annotation((4, 4), [point, mask])
    assert [label.binding_key for label in auto_bind(ann, 5).labels] == ["p", None]
    # keep_existing=False drops every key first
    assert [label.binding_key for label in auto_bind(ann, 5, keep_existing=False).labels] == [
        None,
        None,
    ]


def test_keys_are_deterministic_and_follow_the_content():
    ann = picture_annotation("A.B.....C.D")
    first, second = auto_bind(ann, 1), auto_bind(ann, 1)
    keys = [label.binding_key for label in first.labels]
    assert keys == [label.binding_key for label in second.labels]
    assert all(re.fullmatch(r"[0-9a-f]{32}", key) for key in keys)
    assert keys[0] == keys[1] != keys[2] == keys[3]  # one key per group, two groups

    # The same group gets the same key with another label far away, and another key when a
    # part moves.
    assert auto_bind(picture_annotation("A.B.....C.D......."), 1).labels[0].binding_key == (
        auto_bind(picture_annotation("A.B.....C.D......E"), 1).labels[0].binding_key
    )
    moved = picture_annotation("A..B....C.D")
    assert auto_bind(moved, 2).labels[0].binding_key != keys[0]


def test_the_input_is_left_alone():
    ann = picture_annotation("A.B.C", {"C": "g"})
    before = copy.deepcopy(ann.to_json())
    labels_before = list(ann.labels)

    result = auto_bind(ann, 1)

    assert ann.to_json() == before
    assert [label.binding_key for label in ann.labels] == [None, None, "g"]
    assert all(new is not old for new, old in zip(result.labels, labels_before))
    assert len(result.labels) == 3


@pytest.mark.parametrize(
    "ann, max_gap, flags, exception",
    [
        (picture_annotation("A.B"), 0, {}, does_not_raise()),
        (picture_annotation("A.B"), np.float32(1.5), {}, does_not_raise()),  # numpy numbers
        (picture_annotation("A.B"), np.int64(1), {}, does_not_raise()),
        (picture_annotation("A.B"), -1, {}, pytest.raises(ValueError, match="max_gap must be")),
        (picture_annotation("A.B"), math.nan, {}, pytest.raises(ValueError, match="finite")),
        (picture_annotation("A.B"), math.inf, {}, pytest.raises(ValueError, match="finite")),
        (picture_annotation("A.B"), "2", {}, pytest.raises(TypeError, match="max_gap is a str")),
        (picture_annotation("A.B"), None, {}, pytest.raises(TypeError, match="max_gap")),
        (picture_annotation("A.B"), True, {}, pytest.raises(TypeError, match="max_gap is a bool")),
        (
            picture_annotation("A.B"),
            1,
            {"keep_existing": "yes"},
            pytest.raises(TypeError, match="keep_existing is a str: pass True or False"),
        ),
        (
            picture_annotation("A.B"),
            1,
            {"across_classes": 1},
            pytest.raises(TypeError, match="across_classes is a int"),
        ),
        (
            picture_annotation("A.B").to_json(),
            1,
            {},
            pytest.raises(TypeError, match="ann is a dict: pass a sly.Annotation"),
        ),
        (
            sly.Annotation((None, None)),
            1,
            {},
            pytest.raises(ValueError, match="no image size"),
        ),
    ],
)
def test_arguments_are_checked(ann, max_gap, flags, exception):
    with exception:
        auto_bind(ann, max_gap, **flags)


def brute_force_groups(masks: List[np.ndarray], classes: List[str], max_gap: float) -> List[str]:
    """Every pair of pixels of every pair of labels, measured edge to edge, then joined."""
    letters = [chr(ord("A") + index) for index in range(len(masks))]
    parent = list(range(len(masks)))

    def root(index: int) -> int:
        while parent[index] != index:
            index = parent[index]
        return index

    for first in range(len(masks)):
        for second in range(first + 1, len(masks)):
            if classes[first] != classes[second]:
                continue
            offsets = np.abs(
                np.argwhere(masks[first])[:, None, :] - np.argwhere(masks[second])[None, :, :]
            )
            gap = np.sqrt((np.maximum(offsets - 1, 0) ** 2).sum(axis=-1).min())
            if gap <= max_gap + 1e-9:
                parent[root(second)] = root(first)
    groups: Dict[int, str] = {}
    for index, letter in enumerate(letters):
        groups[root(index)] = groups.get(root(index), "") + letter
    return sorted(group for group in groups.values() if len(group) > 1)


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    height=st.integers(3, 12),
    width=st.integers(3, 12),
    max_gap=st.sampled_from([0, 0.5, 1, math.sqrt(2), 2, 2.5, math.sqrt(8), 4]),
)
def test_agrees_with_measuring_every_pair_of_pixels(data, height, width, max_gap):
    count = data.draw(st.integers(0, 5))
    masks, classes = [], []
    for _ in range(count):
        mask = np.zeros((height, width), dtype=bool)
        for _ in range(data.draw(st.integers(1, 3))):
            row, col = data.draw(st.integers(0, height - 1)), data.draw(st.integers(0, width - 1))
            mask[
                row : row + data.draw(st.integers(1, 3)), col : col + data.draw(st.integers(1, 3))
            ] = 1
        masks.append(mask)
        classes.append(data.draw(st.sampled_from(["car", "person"])))
    by_name = {"car": CAR, "person": PERSON}
    ann = sly.Annotation(
        (height, width),
        [sly.Label(sly.Bitmap(mask), by_name[name]) for mask, name in zip(masks, classes)],
    )
    letters = [chr(ord("A") + index) for index in range(count)]
    result = auto_bind(ann, max_gap, keep_existing=False)
    assert groups_of(result, letters) == brute_force_groups(masks, classes, max_gap)
