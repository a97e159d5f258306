"""Issue 21: the SDK objects ``formats/construct.py`` builds the cheaper way are the SDK's own,
and a conversion writes the same bytes with them as with the SDK's constructors."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly
from hypothesis import given, settings
from hypothesis import strategies as st

from commands import convert_in_process, folder_bytes
from format_samples import make_sample_project
from registry_tables import PROJECT, SOURCES, TARGETS
from sly_bindings.formats import construct
from sly_bindings.formats.items import name_color
from sly_bindings.groups import roles

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from convert_speed import cvat_folder  # noqa: E402  (the benchmark's own input)

CAR = sly.ObjClass("car", sly.AnyGeometry)
points = st.lists(
    st.tuples(st.integers(-20, 40), st.integers(-20, 40)), min_size=3, max_size=8
).map(lambda pairs: [sly.PointLocation(row, col) for row, col in pairs])


@settings(max_examples=60, deadline=None)
@given(points, st.integers(-5, 5), st.integers(-5, 5))
def test_a_polygon_is_the_sdks(exterior, rows, cols):
    made, sdk = construct.polygon(exterior), sly.Polygon(exterior)

    assert made.to_json() == sdk.to_json()
    assert sorted(vars(made)) == sorted(vars(sdk))
    assert construct.extent(made) == (lambda b: (b.top, b.left, b.bottom, b.right))(sdk.to_bbox())
    assert construct.translated(made, rows, cols).to_json() == sdk.translate(rows, cols).to_json()
    assert [(p.row, p.col) for p in construct.exterior(made)] == [
        (p.row, p.col) for p in sdk.exterior
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(points, max_size=4), st.integers(1, 30), st.integers(1, 30))
def test_an_annotation_is_the_sdks_inside_the_image_or_not(shapes, height, width):
    labels = [sly.Label(sly.Polygon(exterior), CAR) for exterior in shapes]
    labels.append(sly.Label(sly.Rectangle(0, 0, 2, 2), CAR))

    made = construct.annotation((height, width), labels)

    assert made.to_json() == sly.Annotation((height, width), labels).to_json()


def sdk_drawn(geometry, shape, rows, cols):
    canvas = np.zeros(shape, dtype=np.uint8)
    geometry.translate(rows, cols).draw(canvas, 1)
    return canvas


def sdk_way(monkeypatch) -> None:
    """``construct``'s functions replaced by the SDK's own calls."""
    monkeypatch.setattr(construct, "polygon", lambda exterior: sly.Polygon(exterior))
    monkeypatch.setattr(construct, "annotation", lambda size, labels: sly.Annotation(size, labels))
    monkeypatch.setattr(
        construct,
        "extent",
        lambda geometry: (lambda b: (b.top, b.left, b.bottom, b.right))(geometry.to_bbox()),
    )
    monkeypatch.setattr(construct, "translated", lambda g, rows, cols: g.translate(rows, cols))
    monkeypatch.setattr(construct, "exterior", lambda geometry: geometry.exterior)
    monkeypatch.setattr(construct, "holes", lambda geometry: len(geometry.interior))
    monkeypatch.setattr(
        construct, "points", lambda pairs: [sly.PointLocation(row, col) for row, col in pairs]
    )
    monkeypatch.setattr(construct, "rectangle", sly.Rectangle)
    monkeypatch.setattr(
        construct,
        "label",
        lambda geometry, obj_class, key=None, tags=None: sly.Label(
            geometry, obj_class, tags, binding_key=key
        ),
    )
    monkeypatch.setattr(construct, "has_tag", lambda label, name: label.tags.has_key(name))
    monkeypatch.setattr(construct, "polygon_from_json", sly.Polygon.from_json)
    monkeypatch.setattr(construct, "drawn", sdk_drawn)
    monkeypatch.setattr(construct, "label_from_json", sly.Label.from_json)
    monkeypatch.setattr(
        construct,
        "annotation_with",
        lambda ann, size, labels: ann.clone(img_size=tuple(size), labels=list(labels)),
    )
    monkeypatch.setattr(roles, "_one_class_name", lambda labels: None)  # group_class decides


files = folder_bytes


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("inputs")
    cvat_folder(folder / "cvat", 30)  # the benchmark's task: polygons in groups, a box
    made = {"supervisely": make_sample_project(folder / "sample"), "cvat": folder / "cvat"}
    for source in SOURCES_READ[1:]:
        assert convert_in_process("cvat", source, folder / "cvat", folder / source) == 0
        made[source] = folder / source
    return made


# Every reader (the benchmark's task read as each format) into every writer.
SOURCES_READ = ["cvat"] + [name for name in SOURCES if name not in ("cvat", PROJECT)]
RUNS = [("supervisely", target) for target in TARGETS] + [
    (source, target) for source in SOURCES_READ for target in TARGETS if target != source
]


@pytest.mark.parametrize("source, target", RUNS)
def test_the_output_is_byte_for_byte_the_sdk_ways(
    inputs, tmp_path, monkeypatch, capsys, source, target
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # CVAT's meta dates, the same in both runs
    assert convert_in_process(source, target, inputs[source], tmp_path / "cheap") == 0
    sdk_way(monkeypatch)
    assert convert_in_process(source, target, inputs[source], tmp_path / "sdk") == 0

    cheap, sdk = files(tmp_path / "cheap"), files(tmp_path / "sdk")
    assert list(cheap) == list(sdk)
    assert [name for name in cheap if cheap[name] != sdk[name]] == []


def test_two_runs_write_the_same_bytes(inputs, tmp_path, monkeypatch):
    # A class no file gives a colour gets one from its name: the same in every run.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    for out in ("one", "two"):
        assert convert_in_process("coco", "cvat", inputs["coco"], tmp_path / out) == 0

    assert files(tmp_path / "one") == files(tmp_path / "two")
    xml = (tmp_path / "one" / "annotations.xml").read_text()
    first = re.search(r"<name>car</name>\s*<color>(#\w+)</color>", xml).group(1)
    assert sly.color.hex2rgb(first) == name_color("car")


@pytest.mark.parametrize("project", ["sample", "bound"])
def test_coco_held_as_text_writes_the_bytes_of_the_dicts(tmp_path, project):
    # convert holds each COCO instance as its JSON text and writes in chunks (flat memory);
    # items_to_coco holds dicts and writes them at once: the same files.
    import bound_projects
    from registry_tables import read
    from sly_bindings.formats.coco.write import items_to_coco
    from sly_bindings.formats.registry import find

    make = {"sample": make_sample_project, "bound": bound_projects.write_local_project}[project]
    source = make(tmp_path / "project")
    find("coco").write_items(read("supervisely", source), tmp_path / "held")
    items_to_coco(read("supervisely", source), str(tmp_path / "dicts"))

    assert files(tmp_path / "held") == files(tmp_path / "dicts")
