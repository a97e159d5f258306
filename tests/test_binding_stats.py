"""binding_stats.py: the report's counts, checked by hand on tiny annotations."""

from __future__ import annotations

import pytest
import supervisely as sly

from binding_stats import BindingStats, binding_stats

CAR = sly.ObjClass("car", sly.Rectangle)
PERSON = sly.ObjClass("person", sly.Rectangle)
BOX = sly.Rectangle(0, 0, 1, 1)


def label(obj_class: sly.ObjClass, key=None) -> sly.Label:
    return sly.Label(BOX, obj_class, binding_key=key)


@pytest.mark.parametrize(
    "labels, class_names, expected",
    [
        # no labels: one image, nothing else
        ([], None, BindingStats(1, 0, 0, 0, 0, 0)),
        # two unbound labels
        ([label(CAR), label(PERSON)], None, BindingStats(1, 2, 0, 0, 0, 0)),
        # one car in two parts, a person alone
        ([label(CAR, "a"), label(CAR, "a"), label(PERSON)], None, BindingStats(1, 3, 2, 1, 0, 0)),
        # a group of one
        ([label(CAR, "a"), label(CAR)], None, BindingStats(1, 2, 1, 1, 1, 0)),
        # a group that mixes classes; keys 7 and "7" are one group
        ([label(CAR, 7), label(PERSON, "7")], None, BindingStats(1, 2, 2, 1, 0, 1)),
        # a group mixing classes and a group of one
        ([label(CAR, "a"), label(PERSON, "a"), label(PERSON, "b")], None,
         BindingStats(1, 3, 3, 2, 1, 1)),
        # only cars: the car's mixed group counts, the person's singleton does not
        ([label(CAR, "a"), label(PERSON, "a"), label(PERSON, "b")], ["car"],
         BindingStats(1, 1, 1, 1, 0, 1)),
        # only persons: both groups hold a person
        ([label(CAR, "a"), label(PERSON, "a"), label(PERSON, "b")], ["person"],
         BindingStats(1, 2, 2, 2, 1, 1)),
        # a class with no labels
        ([label(CAR, "a"), label(CAR, "a")], ["person"], BindingStats(1, 0, 0, 0, 0, 0)),
    ],
)  # fmt: skip
def test_binding_stats(labels, class_names, expected):
    assert binding_stats(sly.Annotation((10, 10), labels), class_names) == expected


def test_stats_add_up_field_by_field():
    images = [BindingStats(1, 3, 2, 1, 0, 0), BindingStats(1, 2, 2, 1, 0, 1)]
    assert sum(images, BindingStats()) == BindingStats(2, 5, 4, 2, 0, 1)
