"""binding_stats.py: the report's counts, checked by hand on tiny annotations."""

from __future__ import annotations

from contextlib import nullcontext as does_not_raise

import pytest
import supervisely as sly

from sly_bindings.groups.stats import BindingStats, binding_stats
from sly_bindings.groups.validate import find_problems

CAR = sly.ObjClass("car", sly.Rectangle)
C = sly.ObjClass("c", sly.Rectangle)  # a class whose name is a letter of "car"
PERSON = sly.ObjClass("person", sly.Rectangle)
BOX = sly.Rectangle(0, 0, 1, 1)


def label(obj_class: sly.ObjClass, key=None) -> sly.Label:
    return sly.Label(BOX, obj_class, binding_key=key)


CASES = [
    # no labels: one image, nothing else
    ([], None, BindingStats(1, 0, 0, 0, 0, 0)),
    # two unbound labels
    ([label(CAR), label(PERSON)], None, BindingStats(1, 2, 0, 0, 0, 0)),
    # one car in two parts, a person alone
    ([label(CAR, "a"), label(CAR, "a"), label(PERSON)], None, BindingStats(1, 3, 2, 1, 0, 0)),
    # a group of one
    ([label(CAR, "a"), label(CAR)], None, BindingStats(1, 2, 1, 1, 1, 0)),
    # a group that mixes classes (the person a part of the car, boxes of one size: the first
    # leads); keys 7 and "7" are one group
    ([label(CAR, 7), label(PERSON, "7")], None, BindingStats(1, 2, 2, 1, 0, 1, 1)),
    # a group mixing classes and a group of one
    ([label(CAR, "a"), label(PERSON, "a"), label(PERSON, "b")], None,
     BindingStats(1, 3, 3, 2, 1, 1, 1)),
    # only cars: the car's mixed group counts, the person's singleton does not
    ([label(CAR, "a"), label(PERSON, "a"), label(PERSON, "b")], ["car"],
     BindingStats(1, 1, 1, 1, 0, 1, 1)),
    # only persons: both groups hold a person
    ([label(CAR, "a"), label(PERSON, "a"), label(PERSON, "b")], ["person"],
     BindingStats(1, 2, 2, 2, 1, 1, 1)),
    # a class with no labels
    ([label(CAR, "a"), label(CAR, "a")], ["person"], BindingStats(1, 0, 0, 0, 0, 0)),
    # a group of one class in three parts and one of three classes
    ([label(CAR, "a"), label(CAR, "a"), label(CAR, "a"), label(C, "b"), label(CAR, "b"),
      label(PERSON, "b")], None, BindingStats(1, 6, 6, 2, 0, 1, 2)),
]  # fmt: skip


@pytest.mark.parametrize("labels, class_names, expected", CASES)
def test_binding_stats(labels, class_names, expected):
    assert binding_stats(sly.Annotation((10, 10), labels), class_names) == expected


@pytest.mark.parametrize("labels, class_names, expected", CASES)
def test_odd_groups_are_those_find_problems_reports(labels, class_names, expected):
    ann = sly.Annotation((10, 10), labels)
    kinds = [
        problem.kind
        for problem in find_problems(ann, "x.png")
        if class_names is None or set(class_names) & set(problem.class_names)
    ]
    stats = binding_stats(ann, class_names)

    # Mixed classes are information (issue 12): counted, never reported as a problem.
    assert stats.singleton_groups == kinds.count("singleton")


@pytest.mark.parametrize(
    "class_names, expected, exception",
    [
        (["car"], BindingStats(1, 1, 1, 1, 1, 0), does_not_raise()),
        # one name as a string would be read as the classes "c", "a" and "r"
        ("car", None, pytest.raises(TypeError, match=r"class_names='car' is one string: pass a")),
    ],
)
def test_class_names_must_be_a_list(class_names, expected, exception):
    ann = sly.Annotation((10, 10), [label(CAR, "a"), label(C, "b")])
    with exception:
        assert binding_stats(ann, class_names) == expected


def test_stats_add_up_field_by_field():
    images = [BindingStats(1, 3, 2, 1, 0, 0), BindingStats(1, 2, 2, 1, 0, 1)]
    assert sum(images, BindingStats()) == BindingStats(2, 5, 4, 2, 0, 1)
