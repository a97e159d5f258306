"""groups/nested.py: children bound to the parent that holds them, on tiny hand-checked cases."""

from __future__ import annotations

from contextlib import nullcontext as does_not_raise

import pytest
import supervisely as sly

from bindings import binding_key_of
from label_literals import keypoint_class, keypoints
from sly_bindings.groups.nested import auto_bind_nested, auto_bind_nested_counted

PERSON = sly.ObjClass("person", sly.Polygon)
HEAD = sly.ObjClass("head", sly.Polygon)
HAND = sly.ObjClass("hand", sly.Rectangle)
CAR = sly.ObjClass("car", sly.Rectangle)


def square(top, left, bottom, right, obj_class, key=None) -> sly.Label:
    """A polygon (or rectangle) covering rows top..bottom and columns left..right, as drawn."""
    if obj_class.geometry_type is sly.Rectangle:
        return sly.Label(sly.Rectangle(top, left, bottom, right), obj_class, binding_key=key)
    corners = [(top, left), (top, right), (bottom, right), (bottom, left)]
    exterior = [sly.PointLocation(row, col) for row, col in corners]
    return sly.Label(sly.Polygon(exterior), obj_class, binding_key=key)


def grouping(ann: sly.Annotation) -> list:
    """Label indexes by key, in order of first appearance; unbound labels left out."""
    groups: dict = {}
    for index, label in enumerate(ann.labels):
        key = binding_key_of(label)
        if key is not None:
            groups.setdefault(key, []).append(index)
    return list(groups.values())


# The person: rows 0..9 x columns 0..9 (100 pixels).
PERSON_LABEL = square(0, 0, 9, 9, PERSON)


@pytest.mark.parametrize(
    "labels, min_overlap, regroup, expected",
    [
        (  # issue 12: the head 80 % inside (rows 6..10, 4 of 5 in the person), the hand 30 %
            # (rows 7..16 of column 7, 3 of 10 in it): at 0.5 the head is bound, the hand not
            [PERSON_LABEL, square(6, 2, 10, 6, HEAD), square(7, 7, 16, 7, HAND)],
            0.5, False, [[0, 1]],
        ),
        (  # the same at 0.3: both
            [PERSON_LABEL, square(6, 2, 10, 6, HEAD), square(7, 7, 16, 7, HAND)],
            0.3, False, [[0, 1, 2]],
        ),
        (  # the head: columns 8..10 = 3 columns, 2 inside: 66 %; bound at 0.5, not at 0.7
            [PERSON_LABEL, square(0, 8, 0, 10, HEAD)], 0.7, False, [],
        ),
        (  # exactly the threshold binds: 5 of 10 pixels inside
            [PERSON_LABEL, square(9, 5, 9, 14, HAND)], 0.5, False, [[0, 1]],
        ),
        (  # one pixel short of the threshold: 4 of 10
            [PERSON_LABEL, square(9, 6, 9, 15, HAND)], 0.5, False, [],
        ),
        (  # two persons: the hand joins the one covering more of it (the second, 3 of 4)
            [PERSON_LABEL, square(0, 10, 9, 19, PERSON), square(0, 9, 0, 12, HAND)],
            0.5, False, [[1, 2]],
        ),
        (  # a tie: the first person in the annotation
            [PERSON_LABEL, square(0, 10, 9, 19, PERSON), square(0, 8, 0, 11, HAND)],
            0.5, False, [[0, 2]],
        ),
        (  # a bound parent keeps its key, the child joins it
            [square(0, 0, 9, 9, PERSON, key="p"), square(2, 2, 3, 3, HAND)],
            0.5, False, [[0, 1]],
        ),
        (  # a bound child stays where it is ...
            [PERSON_LABEL, square(2, 2, 3, 3, HAND, key="elsewhere"), square(15, 15, 16, 16, CAR, key="elsewhere")],
            0.5, False, [[1, 2]],
        ),
        (  # ... unless regroup: it moves to its parent
            [PERSON_LABEL, square(2, 2, 3, 3, HAND, key="elsewhere"), square(15, 15, 16, 16, CAR, key="elsewhere")],
            0.5, True, [[0, 1], [2]],
        ),
        (  # a child of no parent class and a parent with no child: nothing changes
            [PERSON_LABEL, square(2, 2, 3, 3, CAR)], 0.5, False, [],
        ),
    ],
)  # fmt: skip
def test_auto_bind_nested(labels, min_overlap, regroup, expected):
    ann = sly.Annotation((20, 20), labels)
    before = ann.to_json()
    bound = auto_bind_nested(ann, ["person"], ["head", "hand"], min_overlap, regroup=regroup)
    assert grouping(bound) == expected
    assert ann.to_json() == before
    if expected and binding_key_of(labels[expected[0][0]]) == "p":
        assert binding_key_of(bound.labels[0]) == "p"


def test_keys_are_deterministic_and_differ_per_parent():
    labels = [
        PERSON_LABEL,
        square(2, 2, 3, 3, HAND),
        square(10, 10, 19, 19, PERSON),
        square(12, 12, 13, 13, HEAD),
    ]
    ann = sly.Annotation((20, 20), labels)
    first = auto_bind_nested(ann, ["person"], ["head", "hand"])
    second = auto_bind_nested(sly.Annotation((20, 20), labels), ["person"], ["head", "hand"])
    keys = [binding_key_of(label) for label in first.labels]
    assert keys == [binding_key_of(label) for label in second.labels]
    assert keys[0] == keys[1] != keys[2] == keys[3]


@pytest.mark.parametrize(
    "arguments, exception",
    [
        (dict(parent_classes=["person"], child_classes=["hand"]), does_not_raise()),
        (
            dict(parent_classes="person", child_classes=["hand"]),
            pytest.raises(TypeError, match="parent_classes is the string 'person'"),
        ),
        (
            dict(parent_classes=["person"], child_classes=["hand"], min_overlap=0),
            pytest.raises(ValueError, match="min_overlap must be a number above 0"),
        ),
        (
            dict(parent_classes=["person"], child_classes=["hand"], min_overlap=1.5),
            pytest.raises(ValueError, match="at most 1, got 1.5"),
        ),
    ],
)
def test_arguments_are_checked(arguments, exception):
    with exception:
        auto_bind_nested(sly.Annotation((4, 4)), **arguments)


def test_a_skeleton_or_a_point_child_is_compared_by_its_box():
    # Issue 18: the app compares children of every geometry; skeletons were skipped silently.
    person = sly.ObjClass("person", sly.Rectangle)
    pose = keypoint_class("pose", ["nose", "tail"])
    dot = sly.ObjClass("dot", sly.Point)
    ann = sly.Annotation(
        (20, 20),
        [
            sly.Label(sly.Rectangle(0, 0, 9, 9), person),
            keypoints({"nose": (1, 1), "tail": (4, 4)}, pose),  # its box all inside
            sly.Label(sly.Point(15, 15), dot),  # outside every person
            sly.Label(sly.Point(3, 8), dot),  # inside
        ],
    )
    bound, counts = auto_bind_nested_counted(ann, ["person"], ["pose", "dot"])
    keys = [label.binding_key for label in bound.labels]
    assert keys[0] is not None and keys[1] == keys[0] == keys[3] and keys[2] is None
    assert counts.lines() == ["dot: 1 bound, 1 left unbound (best overlap 0%)", "pose: 1 bound"]


def test_a_child_inside_two_parents_joins_the_one_holding_most_of_it():
    person = sly.ObjClass("person", sly.Rectangle)
    hand = sly.ObjClass("hand", sly.Rectangle)
    ann = sly.Annotation(
        (20, 20),
        [
            sly.Label(sly.Rectangle(0, 0, 9, 5), person),
            sly.Label(sly.Rectangle(0, 6, 9, 19), person),
            sly.Label(sly.Rectangle(2, 4, 3, 9), hand),  # 2 of 6 columns in the first
        ],
    )
    bound = auto_bind_nested(ann, ["person"], ["hand"], min_overlap=0.5)
    keys = [label.binding_key for label in bound.labels]
    assert keys[2] == keys[1] is not None and keys[0] is None
