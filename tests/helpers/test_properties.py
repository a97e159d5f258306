"""Nothing lost: properties over random annotations (classes, geometries, groups, keys).

Binding, unbinding and discarding keep every label and its geometry exactly; the JSON round
trip and the server round trip (which rewrites every key) keep the partition into groups.
"""

from __future__ import annotations

import numpy as np
import supervisely as sly
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bindings import bind_labels, binding_key_of, discard_bindings, with_binding_key

CLASSES = [
    sly.ObjClass("car", sly.Bitmap),
    sly.ObjClass("person", sly.Polygon),
    sly.ObjClass("sign", sly.Rectangle),
]
META = sly.ProjectMeta(obj_classes=CLASSES)
HEIGHT, WIDTH = 24, 32
# Keys as users write them and as servers answer them: a number and its string are one group.
KEYS = st.one_of(st.none(), st.sampled_from(["a", "b", "car-1", "7"]), st.sampled_from([7, 99]))


@st.composite
def geometries(draw, geometry_type):
    if geometry_type is sly.Bitmap:
        # A seeded random mask: drawing every pixel through hypothesis would be slow.
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        mask = rng.random((HEIGHT, WIDTH)) < draw(st.sampled_from([0.02, 0.2, 0.6]))
        mask[draw(st.integers(0, HEIGHT - 1)), draw(st.integers(0, WIDTH - 1))] = True
        return sly.Bitmap(mask)
    rows = sorted(draw(st.lists(st.integers(0, HEIGHT - 1), min_size=2, max_size=2)))
    cols = sorted(draw(st.lists(st.integers(0, WIDTH - 1), min_size=2, max_size=2)))
    if geometry_type is sly.Rectangle:
        return sly.Rectangle(rows[0], cols[0], rows[1], cols[1])
    corners = [(rows[0], cols[0]), (rows[0], cols[1]), (rows[1], cols[1]), (rows[1], cols[0])]
    return sly.Polygon([sly.PointLocation(row, col) for row, col in corners])


@st.composite
def labels(draw):
    obj_class = draw(st.sampled_from(CLASSES))
    return sly.Label(draw(geometries(obj_class.geometry_type)), obj_class, binding_key=draw(KEYS))


annotations = st.lists(labels(), max_size=8).map(
    lambda items: sly.Annotation((HEIGHT, WIDTH), items)
)


def partition(ann: sly.Annotation) -> list[list[int]]:
    """Label positions grouped by key, whatever the key strings are."""
    groups: dict[str, list[int]] = {}
    for index, label in enumerate(ann.labels):
        key = binding_key_of(label)
        if key is not None:
            groups.setdefault(key, []).append(index)
    return sorted(groups.values())


def contents(ann: sly.Annotation) -> list[tuple]:
    """What must never change: each label's class, geometry type and geometry, in order."""
    return [
        (label.obj_class.name, label.geometry.geometry_name(), geometry_json(label.geometry))
        for label in ann.labels
    ]


def geometry_json(geometry: sly.Geometry) -> dict:
    return {k: v for k, v in geometry.to_json().items() if k in ("bitmap", "points")}


@given(ann=annotations, key=st.sampled_from(["k", "car-7"]))
@settings(max_examples=60, deadline=None)
def test_bind_keeps_every_label(ann, key):
    before = ann.to_json()
    bound = bind_labels(ann.labels, key)
    assert contents(ann.clone(labels=bound)) == contents(ann)
    assert {label.binding_key for label in bound} <= {key}
    assert ann.to_json() == before


@given(ann=annotations)
@settings(max_examples=60, deadline=None)
def test_unbind_keeps_every_label(ann):
    unbound = ann.clone(labels=[with_binding_key(label, None) for label in ann.labels])
    assert contents(unbound) == contents(ann)
    assert partition(unbound) == []


@given(ann=annotations, classes=st.sets(st.sampled_from(["car", "person", "sign", "bus"])))
@settings(max_examples=60, deadline=None)
def test_discard_keeps_every_label_and_the_other_classes_groups(ann, classes):
    before = ann.to_json()
    result = discard_bindings(ann, classes)
    assert contents(result) == contents(ann)
    for old, new in zip(ann.labels, result.labels, strict=True):
        expected = None if old.obj_class.name in classes else binding_key_of(old)
        assert binding_key_of(new) == expected
    assert ann.to_json() == before


@given(ann=annotations)
@settings(max_examples=60, deadline=None)
def test_json_round_trip_keeps_the_partition(ann):
    back = sly.Annotation.from_json(ann.to_json(), META)
    assert partition(back) == partition(ann)
    assert contents(back) == contents(ann)


@given(ann=annotations)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_server_round_trip_keeps_the_partition(sly_server, sly_api, ann):
    project_id = sly_server.seed_project(f"p{len(sly_server.find_projects())}", meta=META)
    dataset_id = sly_server.seed_dataset(project_id, "ds")
    image_id = sly_server.seed_image(dataset_id, "image.png", width=WIDTH, height=HEIGHT)
    # Keys go up as the SDK sends them: strings (the setter refuses numbers).
    sent = ann.clone(
        labels=[with_binding_key(label, binding_key_of(label)) for label in ann.labels]
    )

    sly_api.annotation.upload_ann(image_id, sent)
    back = sly.Annotation.from_json(sly_api.annotation.download_json(image_id), META)

    assert partition(back) == partition(ann)
    assert contents(back) == contents(ann)
    assert all(isinstance(label.binding_key, (int, type(None))) for label in back.labels)
