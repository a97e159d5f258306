"""binding_edits.py: an edit's result is the old JSON with new keys, and only when groups change."""

from __future__ import annotations

import copy
from contextlib import nullcontext as does_not_raise

import numpy as np
import pytest
import supervisely as sly

from bindings import discard_bindings, with_binding_key
from sly_bindings.project.edits import (
    EditSummary,
    UnreadableAnnotationError,
    corresponding_keys,
    edit_annotation_json,
    grouping,
    json_with_binding_keys,
    only_classes,
    parse_annotation,
    discard_in_json,
)

CAR = sly.ObjClass("car", sly.Bitmap)
PERSON = sly.ObjClass("person", sly.Rectangle)
FENCE = sly.ObjClass("fence", sly.Polygon)
META = sly.ProjectMeta(obj_classes=[CAR, PERSON, FENCE])
MASK = np.array([[0, 1, 1], [0, 0, 1]], dtype=bool)


def car(key=None, row=0) -> sly.Label:
    return sly.Label(sly.Bitmap(MASK, origin=sly.PointLocation(row, 0)), CAR, binding_key=key)


def person(key=None, top=0) -> sly.Label:
    return sly.Label(sly.Rectangle(top, 0, top + 1, 1), PERSON, binding_key=key)


def ann_of(*labels: sly.Label) -> sly.Annotation:
    return sly.Annotation((10, 10), list(labels))


def keys(ann: sly.Annotation) -> list:
    return [label.binding_key for label in ann.labels]


def server_json(ann: sly.Annotation, server_keys: dict) -> dict:
    """``ann`` as a server would answer it: its keys renamed to numbers."""
    ann_json = ann.to_json()
    for label in ann_json["objects"]:
        if "instance" in label:
            label["instance"] = server_keys[label["instance"]]
    return ann_json


@pytest.mark.parametrize(
    "label_keys, expected",
    [
        ([], set()),  # no labels
        ([None, None], set()),  # nothing bound
        (["a", None, "a"], {frozenset({0, 2})}),  # one group, an unbound label between
        (["a", "b", "a", "b"], {frozenset({0, 2}), frozenset({1, 3})}),  # two groups
        ([7, "7"], {frozenset({0, 1})}),  # a number and a string name one group
        (["a"], {frozenset({0})}),  # a group of one is still a group
    ],
)
def test_grouping(label_keys, expected):
    assert grouping(ann_of(*[person(key) for key in label_keys])) == expected


def test_grouping_ignores_the_key_names():
    assert grouping(ann_of(person("a"), person("a"))) == grouping(ann_of(person(1), person(1)))


@pytest.mark.parametrize(
    "make_after, expected, exception",
    [
        # discard_bindings copies the labels and keeps their geometry objects
        (lambda before: discard_bindings(before, ["car"]), [None, 7], does_not_raise()),
        # labels rebuilt with equal geometry still correspond
        (
            lambda before: before.clone(labels=[car("x"), person("x")]),
            ["x", "x"],
            does_not_raise(),
        ),
        # a label dropped
        (
            lambda before: before.clone(labels=before.labels[:1]),
            None,
            pytest.raises(ValueError, match="returned 1 labels for 2"),
        ),
        # labels swapped
        (
            lambda before: before.clone(labels=before.labels[::-1]),
            None,
            pytest.raises(ValueError, match=r"label 0 \(car\) is another label"),
        ),
        # a label moved
        (
            lambda before: before.clone(labels=[car(7, row=3), before.labels[1]]),
            None,
            pytest.raises(ValueError, match=r"label 0 \(car\) is another label"),
        ),
    ],
)
def test_corresponding_keys(make_after, expected, exception):
    before = ann_of(car(7), person(7))
    with exception:
        assert corresponding_keys(before, make_after(before)) == expected


@pytest.mark.parametrize(
    "keys_given, expected, exception",
    [
        ([None, None], [{"classTitle": "car"}, {"classTitle": "car"}], does_not_raise()),
        (
            ["b", 9],
            [{"classTitle": "car", "instance": "b"}, {"classTitle": "car", "instance": 9}],
            does_not_raise(),
        ),
        ([None], None, pytest.raises(ValueError, match="1 binding keys for 2 labels")),
    ],
)
def test_json_with_binding_keys(keys_given, expected, exception):
    ann_json = {
        "size": {},
        "tags": [],
        "objects": [{"classTitle": "car", "instance": 7}, {"classTitle": "car"}],
    }
    original = copy.deepcopy(ann_json)
    with exception:
        result = json_with_binding_keys(ann_json, keys_given)
        assert result["objects"] == expected
        assert result["size"] is ann_json["size"]  # only the labels are new
    assert ann_json == original


@pytest.mark.parametrize(
    "labels, edit, expected_keys",
    [
        # both groups unbound
        ([car("c"), car("c"), person("p"), person("p")], discard_bindings, [None] * 4),
        # only the cars unbound; the person's server key stays as the server wrote it
        (
            [car("c"), car("c"), person("p"), person("p")],
            lambda ann: discard_bindings(ann, ["car"]),
            [None, None, 11, 11],
        ),
        # nothing bound: no change
        ([car(), person()], discard_bindings, None),
        # nothing of the class bound: no change
        ([car(), person("p"), person("p")], lambda ann: discard_bindings(ann, ["car"]), None),
        # keys renamed without regrouping: no change
        (
            [car("c"), car("c")],
            lambda ann: ann.clone(labels=[with_binding_key(l, "z") for l in ann.labels]),
            None,
        ),
    ],
)
def test_edit_annotation_json(labels, edit, expected_keys):
    ann_json = server_json(ann_of(*labels), {"c": 10, "p": 11})
    original = copy.deepcopy(ann_json)

    result = edit_annotation_json(ann_json, META, edit)

    if expected_keys is None:
        assert result is None
    else:
        assert [label.get("instance") for label in result["objects"]] == expected_keys
        # everything but the keys is the downloaded JSON, masks not re-encoded
        strip = lambda labels: [{k: v for k, v in l.items() if k != "instance"} for l in labels]
        assert strip(result["objects"]) == strip(original["objects"])
    assert ann_json == original


def box_json(top, left, bottom, right, key=None) -> dict:
    """A person's box as a file stores it, wherever it lies (the SDK would crop it)."""
    label = {"classTitle": "person", "geometryType": "rectangle", "tags": []}
    label["points"] = {"exterior": [[left, top], [right, bottom]], "interior": []}
    return label if key is None else {**label, "instance": key}


# A U on its head in a 10x10 image: two legs (rows 5-9, columns 1-2 and 6-7) joined by a bar
# below the image (rows 10-14). Cropping to the image leaves the two legs: 2 labels for 1.
U_ACROSS_THE_BOTTOM = {
    "classTitle": "fence",
    "geometryType": "polygon",
    "tags": [],
    "instance": "a",
    "points": {
        "exterior": [[1, 5], [1, 14], [7, 14], [7, 5], [6, 5], [6, 12], [2, 12], [2, 5]],
        "interior": [],
    },
}


@pytest.mark.parametrize(
    "objects, edit, expected_keys, exception",
    [
        # a box wholly outside: the SDK drops it, so keys by position would shift
        (
            [box_json(0, 0, 1, 1, "p"), box_json(20, 20, 30, 30, "p")],
            discard_bindings,
            None,
            pytest.raises(ValueError, match=r"label 1 \(person\) lies wholly outside the 10x10"),
        ),
        # the reviewer's case: the U is cut in 2 and the box dropped, so the count still
        # matches (2 and 2) and the box would have lost its key "b" to the U's second piece
        (
            [U_ACROSS_THE_BOTTOM, box_json(20, 20, 30, 30, "b")],
            lambda ann: discard_bindings(ann, ["fence"]),
            None,
            pytest.raises(
                ValueError,
                match=r"label 0 \(fence\) crosses the border of the 10x10 image, which cuts it "
                r"in 2 pieces: move it into the image",
            ),
        ),
        # a box across the border is only trimmed: still one label at its place, key and all
        (
            [box_json(0, 0, 1, 1, "p"), box_json(8, 8, 12, 12, "p"), box_json(3, 3, 4, 4, "q")],
            discard_bindings,
            [None, None, None],
            does_not_raise(),
        ),
        # a label outside, but the edit changes no group: nothing to write, nothing refused
        (
            [box_json(0, 0, 1, 1), box_json(20, 20, 30, 30, "p")],
            lambda ann: discard_bindings(ann, ["car"]),
            None,
            does_not_raise(),
        ),
    ],
)
def test_edit_annotation_json_refuses_what_the_sdks_crop_would_mismatch(
    objects, edit, expected_keys, exception
):
    ann_json = {"size": {"height": 10, "width": 10}, "tags": [], "objects": objects}
    original = copy.deepcopy(ann_json)

    with exception:
        result = edit_annotation_json(ann_json, META, edit)
        if expected_keys is None:
            assert result is None
        else:
            assert [label.get("instance") for label in result["objects"]] == expected_keys
            assert [label["points"] for label in result["objects"]] == [
                label["points"] for label in objects
            ]
    assert ann_json == original


def good_json() -> dict:
    """A car (a mask) bound to a person (a box), as a local project stores them."""
    return ann_of(car("c"), person("c")).to_json()


def without(mapping: dict, field: str) -> dict:
    return {name: value for name, value in mapping.items() if name != field}


@pytest.mark.parametrize(
    "make_json, exception",
    [
        (good_json, does_not_raise()),
        # a class the project meta does not have (the SDK: a RuntimeError with a newline)
        (
            lambda: {**good_json(), "objects": [good_json()["objects"][0], {"classTitle": "bus"}]},
            pytest.raises(
                UnreadableAnnotationError,
                match=r"^label 1 has class 'bus', which the project meta does not have: add the",
            ),
        ),
        # a mask whose data is not an image
        (
            lambda: {
                **good_json(),
                "objects": [
                    {**good_json()["objects"][0], "bitmap": {"origin": [0, 0], "data": "aGVsbG8="}}
                ],
            },
            pytest.raises(
                UnreadableAnnotationError,
                match=r"^label 0 \(car\): bitmap.data: not a PNG image \(no header Pillow reads\)",
            ),
        ),
        # a box without its points
        (
            lambda: {**good_json(), "objects": [without(good_json()["objects"][1], "points")]},
            pytest.raises(
                UnreadableAnnotationError,
                match=r"^label 0 \(person\) cannot be read by the SDK \(ValueError: Input data ",
            ),
        ),
        # a label that is not a JSON object
        (
            lambda: {**good_json(), "objects": [[]]},
            pytest.raises(
                UnreadableAnnotationError, match=r"^label 0 cannot be read by the SDK \(TypeError: "
            ),
        ),
        # no image size
        (
            lambda: without(good_json(), "size"),
            pytest.raises(
                UnreadableAnnotationError,
                match=r"^the SDK cannot read the annotation \(KeyError: 'size'\): fix its size",
            ),
        ),
        # not an annotation at all: a list, or a dict without objects
        (
            lambda: [],
            pytest.raises(UnreadableAnnotationError, match="^not a Supervisely annotation"),
        ),
        (
            lambda: without(good_json(), "objects"),
            pytest.raises(UnreadableAnnotationError, match="^not a Supervisely annotation"),
        ),
    ],
)
def test_an_annotation_the_sdk_cannot_parse_is_one_line_naming_the_label(make_json, exception):
    ann_json = make_json()
    original = copy.deepcopy(ann_json)

    with exception as raised:
        assert len(parse_annotation(ann_json, META).labels) == 2
    with exception:  # the edit says the same, as a ValueError that a run skips the image for
        edit_annotation_json(ann_json, META, discard_bindings)
    if raised is not None:
        assert "\n" not in str(raised.value)
    assert ann_json == original


@pytest.mark.parametrize(
    "class_names, expected_keys, exception",
    [
        (["person"], ["c", "c", None], does_not_raise()),  # the cars keep their group
        (["car"], [None, None, "p"], does_not_raise()),
        (["bus"], ["c", "c", "p"], does_not_raise()),  # no label of the class: nothing changes
        ([], None, pytest.raises(ValueError, match=r"class_names=\[\] names no class")),
        (None, None, pytest.raises(ValueError, match="class_names=None names no class")),
    ],
)
def test_only_classes(class_names, expected_keys, exception):
    ann = ann_of(car("c"), car("c"), person("p"))
    with exception:
        result = only_classes(discard_bindings, class_names)(ann)
        assert keys(result) == expected_keys
        assert keys(ann) == ["c", "c", "p"]
        assert all(new is not old for new, old in zip(result.labels, ann.labels))


def test_only_classes_keeps_a_servers_numeric_key_that_the_edit_hands_back():
    # auto_bind gives a new label the key of the group it joins: a server's number
    join_first_group = lambda ann: ann.clone(labels=[ann.labels[0], copy.copy(ann.labels[1])])
    ann = ann_of(person(62245779), person(62245779))

    assert keys(only_classes(join_first_group, ["person"])(ann)) == [62245779, 62245779]


def test_only_classes_refuses_an_edit_that_drops_labels():
    with pytest.raises(ValueError, match="returned 0 labels for 1"):
        only_classes(lambda ann: ann.clone(labels=[]), ["car"])(ann_of(car("c")))


def test_edit_summaries_add_up_and_keep_a_few_names():
    first = EditSummary(3, 3, 3, 0, ("a", "b", "c"), "")
    second = EditSummary(4, 4, 2, 1, ("d", "e", "f"), "g: why")
    assert first + second == EditSummary(7, 7, 5, 1, ("a", "b", "c", "d", "e"), "g: why")
    assert sum([first, second], EditSummary()) == first + second


@pytest.mark.parametrize(
    "make_edit",
    [
        lambda names: discard_in_json({"objects": []}, names),
        lambda names: only_classes(discard_bindings, names),
    ],
)
def test_one_class_name_as_a_string_is_refused_at_once(make_edit):
    with pytest.raises(
        TypeError, match=r"class_names='car' is one string: pass a list, e.g. \['car'\]"
    ):
        make_edit("car")


@pytest.mark.parametrize(
    "objects, class_names, expected",
    [
        ([], None, None),  # no labels
        ([{"classTitle": "car"}], None, None),  # nothing bound
        ([{"classTitle": "car", "instance": None}], None, None),  # a null key is no key
        (  # every key goes, the rest of each object stays
            [
                {"classTitle": "car", "instance": 7, "bitmap": "x"},
                {"classTitle": "sign", "instance": "a"},
            ],
            None,
            [{"classTitle": "car", "bitmap": "x"}, {"classTitle": "sign"}],
        ),
        (  # only the named class
            [{"classTitle": "car", "instance": 7}, {"classTitle": "sign", "instance": "a"}],
            ["car"],
            [{"classTitle": "car"}, {"classTitle": "sign", "instance": "a"}],
        ),
        ([{"classTitle": "sign", "instance": "a"}], ["car"], None),  # a class without keys
    ],
)
def test_discard_in_json(objects, class_names, expected):
    ann_json = {"size": {"height": 4, "width": 4}, "tags": [], "objects": objects}
    before = copy.deepcopy(ann_json)

    result = discard_in_json(ann_json, class_names)

    assert (result if result is None else result["objects"]) == expected
    assert ann_json == before  # the input stays as it was
    if result is not None:
        assert {k: v for k, v in result.items() if k != "objects"} == {
            k: v for k, v in before.items() if k != "objects"
        }


@pytest.mark.parametrize("ann_json", [{}, {"objects": "none"}, []])
def test_discard_in_json_refuses_what_is_no_annotation(ann_json):
    with pytest.raises(UnreadableAnnotationError, match="has no list of objects"):
        discard_in_json(ann_json)
