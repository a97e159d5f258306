"""group_split.py on real sly.Label and sly.Annotation objects, and split-then-merge as a property."""

from __future__ import annotations

import re
from contextlib import nullcontext as does_not_raise

import numpy as np
import pytest
import supervisely as sly
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sly_bindings.groups.merge import group_mask, merge_group
from sly_bindings.groups.split import split_annotation, split_label

CAR = sly.ObjClass("car", sly.Bitmap)
PERSON = sly.ObjClass("person", sly.Bitmap)
SIGN = sly.ObjClass("sign", sly.Polygon)
TAG_META = sly.TagMeta("source", sly.TagValueType.ANY_STRING)

# Two blobs that touch only at a corner: one blob with 8-connectivity, two with 4.
DIAGONAL = [
    [1, 1, 0],
    [1, 1, 0],
    [0, 0, 1],
]


def bitmap(rows, top=0, left=0, obj_class=CAR, key=None, tags=None) -> sly.Label:
    geometry = sly.Bitmap(np.array(rows, dtype=bool), origin=sly.PointLocation(top, left))
    return sly.Label(geometry, obj_class, tags=tags, binding_key=key, description="from a model")


def placed(label: sly.Label):
    """``(top, left, mask rows)`` of a Bitmap label, for comparison with literals."""
    origin = label.geometry.origin
    return origin.row, origin.col, label.geometry.data.astype(int).tolist()


@pytest.mark.parametrize(
    "rows, top, left, connectivity, min_area, expected, exception",
    [
        (  # one blob: one label
            [[1, 1], [0, 1]], 0, 0, 8, 1,
            [(0, 0, [[1, 1], [0, 1]])],
            does_not_raise(),
        ),
        (  # blobs meeting at a corner, 8-connectivity: one blob
            DIAGONAL, 0, 0, 8, 1,
            [(0, 0, DIAGONAL)],
            does_not_raise(),
        ),
        (  # the same with 4-connectivity: two blobs, placed where they were
            DIAGONAL, 3, 5, 4, 1,
            [(3, 5, [[1, 1], [1, 1]]), (5, 7, [[1]])],
            does_not_raise(),
        ),
        (  # order by the top-left corner of each blob's box, not by the first pixel met
            [[0, 0, 1, 0, 1],
             [0, 0, 0, 0, 1],
             [0, 1, 1, 1, 1]], 0, 0, 8, 1,
            [(0, 1, [[0, 0, 0, 1], [0, 0, 0, 1], [1, 1, 1, 1]]), (0, 2, [[1]])],
            does_not_raise(),
        ),
        (  # three blobs top to bottom, the mask touching every side of its box
            [[1, 0, 1],
             [0, 0, 0],
             [1, 1, 1]], 0, 0, 4, 1,
            [(0, 0, [[1]]), (0, 2, [[1]]), (2, 0, [[1, 1, 1]])],
            does_not_raise(),
        ),
        (  # min_area drops the small blobs as noise
            [[1, 0, 1],
             [0, 0, 0],
             [1, 1, 1]], 0, 0, 4, 2,
            [(2, 0, [[1, 1, 1]])],
            does_not_raise(),
        ),
        (  # min_area above every blob: the label is dropped
            DIAGONAL, 0, 0, 4, 5,
            [],
            does_not_raise(),
        ),
        (  # min_area equal to the blob's area keeps it
            DIAGONAL, 0, 0, 8, 5,
            [(0, 0, DIAGONAL)],
            does_not_raise(),
        ),
        (DIAGONAL, 0, 0, 6, 1, None,
         pytest.raises(ValueError, match="connectivity must be 4 or 8, got 6")),
        (DIAGONAL, 0, 0, True, 1, None,
         pytest.raises(ValueError, match="connectivity must be 4 or 8, got True")),
        (DIAGONAL, 0, 0, 4.0, 1, None,
         pytest.raises(ValueError, match="connectivity must be 4 or 8, got 4.0")),
        (DIAGONAL, 0, 0, 8, 0, None,
         pytest.raises(ValueError, match="min_area must be at least 1 pixel, got 0")),
        (DIAGONAL, 0, 0, 8, 1.5, None,
         pytest.raises(TypeError, match="min_area must be a whole number of pixels, got 1.5")),
    ],
)  # fmt: skip
def test_split_label_blobs(rows, top, left, connectivity, min_area, expected, exception):
    label = bitmap(rows, top, left)
    before = placed(label)
    with exception:
        blobs = split_label(label, connectivity=connectivity, min_area=min_area)
        assert [placed(blob) for blob in blobs] == expected
    assert placed(label) == before  # the input is untouched


@pytest.mark.parametrize(
    "label_key, binding_key, blob_count, expected_key",
    [
        (None, None, 2, "new"),  # no key anywhere: a new uuid4().hex for the blobs
        ("car-1", None, 2, "car-1"),  # the label's own key: the blobs stay in its group
        (62245779, None, 2, "62245779"),  # a server's number key, as a string
        ("car-1", "mine", 2, "mine"),  # the given key wins
        (None, None, 1, None),  # one blob and no key: one label is no group
        ("car-1", None, 1, "car-1"),  # one blob keeps the label's key
        (None, "mine", 1, "mine"),  # one blob with a given key
    ],
)
def test_split_label_binding_key(label_key, binding_key, blob_count, expected_key):
    rows = DIAGONAL if blob_count == 2 else [[1, 1]]
    label = bitmap(rows, key=label_key)
    if isinstance(label_key, int):  # as Label.from_json keeps a server's answer
        label = sly.Label.from_json(
            {**label.to_json(), "instance": label_key}, sly.ProjectMeta([CAR])
        )
    blobs = split_label(label, connectivity=4, binding_key=binding_key)
    assert len(blobs) == blob_count
    keys = {blob.binding_key for blob in blobs}
    assert len(keys) == 1
    (key,) = keys
    if expected_key == "new":
        assert re.fullmatch(r"[0-9a-f]{32}", key)
        assert split_label(label, connectivity=4)[0].binding_key != key  # new on every call
    else:
        assert key == expected_key
    assert label.binding_key == label_key


def test_split_label_keeps_class_tags_and_description():
    tag = sly.Tag(TAG_META, "model-v2")
    blobs = split_label(bitmap(DIAGONAL, obj_class=PERSON, tags=[tag]), connectivity=4)
    assert [blob.obj_class for blob in blobs] == [PERSON, PERSON]
    assert [[t.value for t in blob.tags] for blob in blobs] == [["model-v2"], ["model-v2"]]
    assert [blob.description for blob in blobs] == ["from a model"] * 2


@pytest.mark.parametrize(
    "label, binding_key, exception",
    [
        (
            sly.Label(sly.Polygon([sly.PointLocation(0, 0)] * 3), SIGN),
            None,
            pytest.raises(
                TypeError, match="cannot split a polygon: pass a label with a sly.Bitmap"
            ),
        ),
        (
            sly.Bitmap(np.ones((1, 1), bool)),
            None,
            pytest.raises(TypeError, match="cannot split a Bitmap: pass a label"),
        ),
        (bitmap([[1]]), 5, pytest.raises(TypeError, match="binding_key 5 is a int: pass a string")),
        (bitmap([[1]]), "", pytest.raises(ValueError, match="binding_key is empty")),
    ],
)
def test_split_label_refuses(label, binding_key, exception):
    with exception:
        split_label(label, binding_key=binding_key)


@pytest.mark.parametrize(
    "labels, class_names, min_area, expected, exception",
    [
        ([], None, 1, [], does_not_raise()),  # no labels
        (  # every Bitmap is split in place; the polygon stays where it was
            [bitmap(DIAGONAL), sly.Label(sly.Polygon([sly.PointLocation(0, 0)] * 3), SIGN),
             bitmap([[1, 0, 1]], top=4, obj_class=PERSON)],
            None, 1,
            [("car", 0, 0), ("car", 2, 2), ("sign", 0, 0), ("person", 4, 0), ("person", 4, 2)],
            does_not_raise(),
        ),
        (  # only the classes named
            [bitmap(DIAGONAL), bitmap([[1, 0, 1]], top=4, obj_class=PERSON)],
            ["person"], 1,
            [("car", 0, 0), ("person", 4, 0), ("person", 4, 2)],
            does_not_raise(),
        ),
        (  # a label with no blob of min_area pixels is dropped
            [bitmap([[1, 0, 1]]), bitmap(DIAGONAL, top=4)],
            None, 2,
            [("car", 4, 0)],
            does_not_raise(),
        ),
        ([], "car", 1, None,
         pytest.raises(TypeError, match=r"class_names is the string 'car': .*\['car'\]")),
        ([], None, 0, None, pytest.raises(ValueError, match="min_area must be at least 1")),
    ],
)  # fmt: skip
def test_split_annotation(labels, class_names, min_area, expected, exception):
    ann = sly.Annotation((8, 8), labels)
    before = [label.to_json() for label in ann.labels]
    with exception:
        result = split_annotation(ann, connectivity=4, min_area=min_area, class_names=class_names)
        got = [
            (label.obj_class.name, label.geometry.to_bbox().top, label.geometry.to_bbox().left)
            for label in result.labels
        ]
        assert got == expected
        assert not any(new is old for new in result.labels for old in ann.labels)
    assert [label.to_json() for label in ann.labels] == before


def test_split_annotation_binds_the_blobs_of_each_label_under_a_key_of_their_own():
    ann = sly.Annotation((8, 8), [bitmap(DIAGONAL), bitmap(DIAGONAL, top=4, left=4)])
    keys = [label.binding_key for label in split_annotation(ann, connectivity=4).labels]
    assert keys[0] == keys[1] != keys[2] == keys[3]


MASKS = arrays(
    np.bool_,
    st.tuples(st.integers(1, 12), st.integers(1, 12)),
    elements=st.booleans(),
).filter(lambda mask: mask.any())


@settings(max_examples=150, deadline=None)
@given(
    mask=MASKS,
    top=st.integers(0, 4),
    left=st.integers(0, 4),
    connectivity=st.sampled_from([4, 8]),
)
def test_split_then_merge_gives_back_the_original_mask(mask, top, left, connectivity):
    image_size = (16, 16)
    label = sly.Label(sly.Bitmap(mask, origin=sly.PointLocation(top, left)), CAR)
    original = group_mask([label], image_size)

    blobs = split_label(label, connectivity=connectivity)

    assert len(blobs) >= 1
    np.testing.assert_array_equal(group_mask(blobs, image_size), original)
    merged = merge_group(blobs, image_size)
    np.testing.assert_array_equal(merged.geometry.data, label.geometry.data)
    assert merged.geometry.origin.to_json() == label.geometry.origin.to_json()
    # The blobs do not overlap: their areas add up to the original's.
    assert sum(blob.geometry.area for blob in blobs) == label.geometry.area
