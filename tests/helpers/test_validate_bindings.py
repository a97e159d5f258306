"""validate_bindings.py on real sly.Annotation objects: each kind of problem, the report, errors."""

from __future__ import annotations

import copy
from contextlib import nullcontext as does_not_raise

import numpy as np
import pytest
import supervisely as sly

from label_literals import keypoint_class, keypoints
from sly_bindings.groups.validate import (
    BindingProblem,
    find_problems,
    find_reused_keys,
    format_report,
)

CAR = sly.ObjClass("car", sly.AnyGeometry)
PERSON = sly.ObjClass("person", sly.AnyGeometry)
MASK = sly.Bitmap(np.array([[1, 1], [0, 1]], dtype=bool))
BOX = sly.Rectangle(0, 0, 1, 1)
TRIANGLE = sly.Polygon([sly.PointLocation(r, c) for r, c in [(0, 0), (0, 3), (3, 0)]])
CAR_BBOX = sly.ObjClass("car_bbox", sly.Rectangle)
POSE = keypoint_class("pose", ["nose", "tail"])
FACE = keypoint_class("face", ["nose", "tail"])
PERSON_KEYPOINTS = keypoint_class("person_keypoints", ["nose", "tail"])
CAR_KEYPOINTS = keypoint_class("car_keypoints", ["nose", "tail"])
NODES = keypoints({"nose": (0, 0), "tail": (2, 2)}, POSE).geometry


def label(obj_class=CAR, key=None, geometry=MASK) -> sly.Label:
    # Label(binding_key=7) stores the number as Label.from_json does with a server's answer.
    return sly.Label(geometry, obj_class, binding_key=key)


def annotation(*labels: sly.Label) -> sly.Annotation:
    return sly.Annotation((4, 4), list(labels))


def problem(kind, key, images, count, classes, geometries) -> BindingProblem:
    return BindingProblem(kind, key, tuple(images), count, tuple(classes), tuple(geometries))


@pytest.mark.parametrize(
    "labels, expected",
    [
        ([], []),  # no labels
        ([label()], []),  # one unbound label
        ([label(key="a")], [problem("singleton", "a", ["x.jpg"], 1, ["car"], ["bitmap"])]),
        ([label(key="a"), label(key="a")], []),  # a good group
        (
            [label(key="a"), label(), label()],
            [problem("singleton", "a", ["x.jpg"], 1, ["car"], ["bitmap"])],
        ),
        ([label(key=7), label(key="7")], []),  # 7 and "7" are one group of two
        (  # one object, two classes (issue 12): no problem
            [label(key="a"), label(PERSON, key="a"), label(key="a")],
            [],
        ),
        (  # one object, a mask and its box: no problem
            [label(key="a"), label(key="a", geometry=BOX)],
            [],
        ),
        (  # the SDK's COCO import: a car polygon and its car_bbox box
            [label(key="a", geometry=TRIANGLE), label(CAR_BBOX, key="a", geometry=BOX)],
            [],
        ),
        (  # two boxes of the leader's own (car and car_bbox): which is the bbox?
            [label(key="a"), label(CAR_BBOX, key="a", geometry=BOX), label(key="a", geometry=BOX)],
            [problem("ambiguous_bbox", "a", ["x.jpg"], 2, ["car_bbox", "car"], ["rectangle"])],
        ),
        (  # boxes only: the boxes are the object's parts, not its box; no problem
            [label(key="a", geometry=BOX), label(key="a", geometry=BOX)],
            [],
        ),
        (  # a person box and a hat box (CVAT): one box each, no problem
            [label(PERSON, key="a", geometry=sly.Rectangle(0, 0, 3, 3)), label(key="a", geometry=BOX)],
            [],
        ),
        (  # skeletons of other classes in a group: parts, each an object of its own (issue 18)
            [label(PERSON, key="a"), label(POSE, key="a", geometry=NODES),
             label(FACE, key="a", geometry=NODES)],
            [],
        ),
        (  # two skeletons of the object's own (<leader>_keypoints) in one group
            [label(PERSON, key="a"), label(PERSON_KEYPOINTS, key="a", geometry=NODES),
             label(PERSON_KEYPOINTS, key="a", geometry=NODES)],
            [problem("two_skeletons", "a", ["x.jpg"], 2, ["person_keypoints"], ["graph"])],
        ),
        (  # one skeleton with its box and mask: no problem
            [label(PERSON, key="a"), label(POSE, key="a", geometry=NODES),
             label(PERSON, key="a", geometry=BOX)],
            [],
        ),
        (  # a singleton with two boxes can't be: each problem of a group, in KINDS order
            [label(key="a", geometry=BOX), label(key="a", geometry=BOX), label(CAR_KEYPOINTS,
             key="a", geometry=NODES), label(CAR_KEYPOINTS, key="a", geometry=NODES)],
            [problem("ambiguous_bbox", "a", ["x.jpg"], 2, ["car"], ["rectangle"]),
             problem("two_skeletons", "a", ["x.jpg"], 2, ["car_keypoints"], ["graph"])],
        ),
        (  # several groups: in the order their first label appears
            [label(key="z"), label(key="a"), label(key="a"), label(PERSON, key="m")],
            [
                problem("singleton", "z", ["x.jpg"], 1, ["car"], ["bitmap"]),
                problem("singleton", "m", ["x.jpg"], 1, ["person"], ["bitmap"]),
            ],
        ),
    ],
)  # fmt: skip
def test_find_problems(labels, expected):
    assert find_problems(annotation(*labels), "x.jpg") == expected


def test_find_problems_leaves_the_annotation_alone():
    ann = annotation(label(key="a"), label(PERSON, key="a"))
    before = copy.deepcopy(ann.to_json())
    find_problems(ann, "x.jpg")
    assert ann.to_json() == before


@pytest.mark.parametrize(
    "anns, expected",
    [
        ({}, []),  # no images
        ({"1.jpg": annotation(label(key="a"), label(key="a"))}, []),  # one image
        (  # two images, their own keys
            {"1.jpg": annotation(label(key="a")), "2.jpg": annotation(label(key="b"))},
            [],
        ),
        (  # a key on two images, counted over both
            {
                "2.jpg": annotation(label(key="a"), label(key="a")),
                "1.jpg": annotation(label(PERSON, key="a"), label(key="b")),
            },
            [problem("key_reused", "a", ["1.jpg", "2.jpg"], 3, ["car", "person"], ["bitmap"])],
        ),
        (  # 7 from a server and "7" are one key
            {"1.jpg": annotation(label(key=7)), "2.jpg": annotation(label(key="7"))},
            [problem("key_reused", "7", ["1.jpg", "2.jpg"], 2, ["car"], ["bitmap"])],
        ),
        (  # several keys: sorted by key, images sorted by name
            {
                "c.jpg": annotation(label(key="k2"), label(key="k1")),
                "a.jpg": annotation(label(key="k1")),
                "b.jpg": annotation(label(key="k2"), label(key="k1", geometry=BOX)),
            },
            [
                problem(
                    "key_reused",
                    "k1",
                    ["a.jpg", "b.jpg", "c.jpg"],
                    3,
                    ["car"],
                    ["bitmap", "rectangle"],
                ),
                problem("key_reused", "k2", ["b.jpg", "c.jpg"], 2, ["car"], ["bitmap"]),
            ],
        ),
    ],
)
def test_find_reused_keys(anns, expected):
    assert find_reused_keys(anns) == expected


SINGLETON = problem("singleton", "s", ["b.jpg"], 1, ["car"], ["bitmap"])
AMBIGUOUS = problem("ambiguous_bbox", "m", ["a.jpg"], 2, ["car", "car_bbox"], ["rectangle"])
SKELETONS = problem("two_skeletons", "g", ["a.jpg"], 2, ["pose", "face"], ["graph"])
UNKNOWN = problem("unknown_class", "u", ["a.jpg"], 1, ["truck"], ["bitmap"])
REUSED = problem("key_reused", "r", ["a.jpg", "b.jpg"], 4, ["car"], ["bitmap"])


@pytest.mark.parametrize(
    "problems, expected",
    [
        ([], "no binding problems"),
        (
            [SINGLETON],
            "b.jpg: group 's' has only 1 label (car): bind its other parts to it, or unbind it",
        ),
        (
            [SKELETONS],
            "a.jpg: group 'g' has 2 keypoints labels (pose, face): one object has one skeleton, "
            "bind the others to their own objects",
        ),
        (
            [UNKNOWN],
            "a.jpg: group 'u' has 1 label of classes the project meta lacks (truck): add the "
            "classes to the meta or drop the labels",
        ),
        (  # by image, then kind, then key, whatever order they come in
            [REUSED, SINGLETON, SKELETONS, AMBIGUOUS],
            "a.jpg: group 'm' has 2 boxes of its own class (car, car_bbox): keep one box per "
            "object\n"
            "a.jpg: group 'g' has 2 keypoints labels (pose, face): one object has one skeleton, "
            "bind the others to their own objects\n"
            "a.jpg, b.jpg: key 'r' is on 2 images (4 labels): give each image its own keys\n"
            "b.jpg: group 's' has only 1 label (car): bind its other parts to it, or unbind it",
        ),
    ],
)
def test_format_report(problems, expected):
    assert format_report(problems) == expected
    assert format_report(list(reversed(problems))) == expected


def test_a_report_of_a_dataset():
    anns = {
        "1.jpg": annotation(label(key="a"), label(key="a"), label(key="b")),
        "2.jpg": annotation(label(key="a"), label(PERSON, key="a")),
    }
    problems = [problem for name, ann in anns.items() for problem in find_problems(ann, name)]
    report = format_report(problems + find_reused_keys(anns))
    assert report.splitlines() == [
        "1.jpg: group 'b' has only 1 label (car): bind its other parts to it, or unbind it",
        "1.jpg, 2.jpg: key 'a' is on 2 images (4 labels): give each image its own keys",
    ]


@pytest.mark.parametrize(
    "call, exception",
    [
        (lambda: find_problems(annotation(), "x.jpg"), does_not_raise()),
        (
            lambda: find_problems(annotation().to_json(), "x.jpg"),
            pytest.raises(TypeError, match="ann is a dict: pass a sly.Annotation"),
        ),
        (
            lambda: find_problems(annotation(), 3),
            pytest.raises(TypeError, match="image_name is a int: pass the image's name"),
        ),
        (
            lambda: find_problems(annotation(), "x.jpg", meta={}),
            pytest.raises(TypeError, match="meta is a dict: pass a sly.ProjectMeta or None"),
        ),
        (
            lambda: find_reused_keys([annotation()]),
            pytest.raises(TypeError, match="anns is a list: pass a dict of image name"),
        ),
        (
            lambda: find_reused_keys({1: annotation()}),
            pytest.raises(TypeError, match="anns has a key 1: use image names"),
        ),
        (
            lambda: find_reused_keys({"1.jpg": None}),
            pytest.raises(TypeError, match=r"anns\['1.jpg'\] is a NoneType"),
        ),
        (
            lambda: format_report(["a.jpg: oops"]),
            pytest.raises(TypeError, match=r"problems\[0\] is a str: pass what find_problems"),
        ),
        (
            lambda: format_report([SINGLETON._replace(kind="lonely")]),
            pytest.raises(ValueError, match="kind 'lonely': use one of singleton, ambiguous_bbox"),
        ),
    ],
)
def test_arguments_are_checked(call, exception):
    with exception:
        call()


@pytest.mark.parametrize(
    "meta, expected",
    [
        (sly.ProjectMeta([CAR, PERSON, CAR_BBOX]), []),  # every class known
        (  # person missing: the group names it
            sly.ProjectMeta([CAR, CAR_BBOX]),
            [problem("unknown_class", "a", ["x.jpg"], 1, ["person"], ["bitmap"])],
        ),
        (  # nothing known: both members at fault, and the unbound box in a line of the image
            sly.ProjectMeta(),
            [
                problem("unknown_class", "a", ["x.jpg"], 2, ["car", "person"], ["bitmap"]),
                problem("unknown_class", "", ["x.jpg"], 1, ["car_bbox"], ["rectangle"]),
            ],
        ),
        (None, []),  # no meta: not checked
    ],
)
def test_find_problems_with_a_meta_names_unknown_classes(meta, expected):
    ann = annotation(label(key="a"), label(PERSON, key="a"), label(CAR_BBOX, geometry=BOX))
    assert find_problems(ann, "x.jpg", meta=meta) == expected


def test_a_key_reused_on_many_images_is_one_short_line():
    reused = problem(
        "key_reused", "k", [f"{n:04d}.jpg" for n in range(300)], 600, ["car"], ["bitmap"]
    )
    (line,) = format_report([reused]).splitlines()
    assert line == (
        "0000.jpg, 0001.jpg, 0002.jpg and 297 more: key 'k' is on 300 images (600 labels): "
        "give each image its own keys"
    )
