"""labelstudio: Label Studio's JSON export (regions, relations, parentID, brush RLE) and back."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly
from hypothesis import given, settings
from hypothesis import strategies as st

from bindings import binding_groups
from bound_projects import local_groups, write_local_project
from commands import convert_in_process
from sly_bindings.formats.records import group_key
from sly_bindings.formats import labelstudio
from sly_bindings.formats.boxes import rectangle_to_box
from sly_bindings.formats.items import FormatItem, items_to_project, project_items
from sly_bindings.formats.registry import WriteOptions
from sly_bindings.formats.labelstudio import (
    InvalidLabelStudioError,
    LabelStudioWarning,
    decode_brush_rle,
    declared_classes,
    encode_brush_rle,
    read_items,
    write_items,
)

WIDTH, HEIGHT = 400, 300


def options(final_out=None, **extra) -> WriteOptions:
    """The registry's WriteOptions, for a writer called directly."""
    return WriteOptions(extra=extra, final_out=final_out)


def region(region_id, kind, value, labels, width=WIDTH, height=HEIGHT, **more):
    """A result as Label Studio 1.x exports it (label_studio/tasks/models.py Annotation.result)."""
    return {
        "id": region_id,
        "type": kind,
        "value": {**value, kind: labels},
        "origin": "manual",
        "to_name": "image",
        "from_name": "label",
        "image_rotation": 0,
        "original_width": width,
        "original_height": height,
        **more,
    }


def box(region_id, x, y, w, h, label="car", **more):
    return region(
        region_id,
        "rectanglelabels",
        {"x": x, "y": y, "width": w, "height": h, "rotation": 0},
        [label],
        **more,
    )


def relation(from_id, to_id, direction="right", labels=()):
    return {
        "from_id": from_id,
        "to_id": to_id,
        "type": "relation",
        "direction": direction,
        "labels": list(labels),
    }


def task(results, image="/data/local-files/?d=images/a.png", task_id=1, predictions=()):
    """A task as Label Studio's JSON export writes it (data_export/serializers.py)."""
    return {
        "id": task_id,
        "annotations": (
            [
                {
                    "id": task_id,
                    "completed_by": 1,
                    "result": list(results),
                    "was_cancelled": False,
                    "ground_truth": False,
                    "created_at": "2024-05-06T10:00:00.000000Z",
                    "updated_at": "2024-05-06T10:00:00.000000Z",
                    "draft_created_at": None,
                    "lead_time": 12.5,
                    "prediction": {},
                    "result_count": len(results),
                    "unique_id": "5a2f0c6e-1b1a-4c5e-9c7e-0d2c3f4a5b6c",
                    "import_id": None,
                    "last_action": None,
                    "bulk_created": False,
                    "task": task_id,
                    "project": 1,
                    "updated_by": 1,
                    "parent_prediction": None,
                    "parent_annotation": None,
                    "last_created_by": None,
                }
            ]
            if results is not None
            else []
        ),
        "file_upload": "8a3b2c1d-a.png",
        "drafts": [],
        "predictions": list(predictions),
        "data": {"image": image},
        "meta": {},
        "created_at": "2024-05-06T09:59:00.000000Z",
        "updated_at": "2024-05-06T10:00:00.000000Z",
        "inner_id": task_id,
        "total_annotations": 1,
        "cancelled_annotations": 0,
        "total_predictions": 0,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": 1,
        "updated_by": 1,
        "comment_authors": [],
    }


def export(folder: Path, tasks, image_names=("a.png",), where="images") -> Path:
    """An export file in ``folder`` and its images (WIDTH x HEIGHT) in ``folder/where``."""
    (folder / where).mkdir(parents=True, exist_ok=True)
    for name in image_names:
        sly.image.write(str(folder / where / name), np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    path = folder / "project-1-at-2024-05-06.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def read_all(path, images=None):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items = list(read_items(path, images))
    return items, [str(w.message) for w in caught if issubclass(w.category, LabelStudioWarning)]


def groups(ann: sly.Annotation):
    """The groups of ``ann`` as sorted label positions."""
    positions = {id(label): index for index, label in enumerate(ann.labels)}
    found, _ = binding_groups(ann)
    return sorted(sorted(positions[id(label)] for label in labels) for labels in found.values())


def test_relations_a_to_b_and_c_to_b_make_one_group_of_three(tmp_path):
    results = [
        box("a", 0, 0, 10, 10),
        box("b", 20, 0, 10, 10),
        box("c", 40, 0, 10, 10),
        box("d", 60, 0, 10, 10),
        relation("a", "b"),
        relation("c", "b", direction="left"),
    ]
    (item,), messages = read_all(export(tmp_path, [task(results)]))
    assert groups(item.ann) == [[0, 1, 2]]
    assert item.ann.labels[3].binding_key is None
    assert messages == []


def test_a_chain_in_any_direction_and_parent_ids_are_one_group(tmp_path):
    results = [
        box("a", 0, 0, 10, 10),
        box("b", 20, 0, 10, 10),
        box("c", 40, 0, 10, 10),
        box("d", 60, 0, 10, 10, parentID="e"),
        box("e", 80, 0, 10, 10),
        relation("b", "a", direction="bi"),
        relation("b", "c", direction="left"),
    ]
    (item,), _ = read_all(export(tmp_path, [task(results)]))
    assert groups(item.ann) == [[0, 1, 2], [3, 4]]
    keys = {label.binding_key for label in item.ann.labels}
    assert keys == {
        group_key("region", group_key("task", 1), "a"),
        group_key("region", group_key("task", 1), "d"),
    }


def test_the_box_rule_x25_y40_w50_h20_on_400x300(tmp_path):
    (item,), _ = read_all(export(tmp_path, [task([box("a", 25, 40, 50, 20)])]))
    rectangle = item.ann.labels[0].geometry
    assert type(rectangle) is sly.Rectangle
    assert (rectangle.top, rectangle.left, rectangle.bottom, rectangle.right) == (
        120,
        100,
        180,
        300,
    )
    assert list(rectangle_to_box(rectangle)) == [100, 120, 200, 60]  # the COCO box


def test_a_rotated_box_is_a_polygon_of_its_corners(tmp_path):
    value = {"x": 50, "y": 50, "width": 25, "height": 10, "rotation": 90}
    results = [region("a", "rectanglelabels", value, ["car"])]
    (item,), _ = read_all(export(tmp_path, [task(results)]))
    polygon = item.ann.labels[0].geometry
    assert type(polygon) is sly.Polygon
    # (200, 150) is the top-left corner; 100 px wide turned down, 30 px high turned left.
    assert [[p.col, p.row] for p in polygon.exterior] == [
        [200, 150],
        [200, 250],
        [170, 250],
        [170, 150],
    ]


def test_polygons_and_keypoints_in_pixels(tmp_path):
    results = [
        region(
            "p", "polygonlabels", {"points": [[0, 0], [50, 0], [50, 50]], "closed": True}, ["road"]
        ),
        region("k", "keypointlabels", {"x": 25, "y": 50, "width": 0.75}, ["eye"]),
    ]
    (item,), _ = read_all(export(tmp_path, [task(results)]))
    polygon, point = (label.geometry for label in item.ann.labels)
    assert [[p.col, p.row] for p in polygon.exterior] == [[0, 0], [200, 0], [200, 150]]
    assert (type(point), point.col, point.row) == (sly.Point, 100, 150)


BRUSH = np.zeros((HEIGHT, WIDTH), bool)
BRUSH[10:20, 30:45] = True
BRUSH[100, 7] = True  # a single pixel: a literal run
BRUSH[200:300, 0:WIDTH] = True  # a run longer than 2^16 values


@pytest.mark.parametrize(
    "mask",
    [
        BRUSH[:4, :4],  # nothing set
        np.eye(3, dtype=bool),  # single pixels
        BRUSH,  # runs of every field size, and over 2^16
    ],
)
def test_brush_rle_round_trips_pixel_for_pixel(mask):
    rle = encode_brush_rle(mask)
    assert np.array_equal(decode_brush_rle(rle, *mask.shape), mask)


@settings(max_examples=50, deadline=None)
@given(
    st.integers(1, 12).flatmap(
        lambda width: st.lists(
            st.lists(st.booleans(), min_size=width, max_size=width), min_size=1, max_size=12
        )
    )
)
def test_brush_rle_round_trips_any_mask(rows):
    mask = np.array(rows, bool)
    assert np.array_equal(decode_brush_rle(encode_brush_rle(mask), *mask.shape), mask)


def test_brush_rle_as_label_studio_converter_writes_it():
    # label_studio_converter.brush.mask2rle(np.array([[0, 255], [255, 255]], np.uint8)): its
    # encoder repeats each value 4 times (RGBA) and writes runs of 3/4/8/16-bit counts.
    rle = [0, 0, 0, 16, 57, 27, 252, 96, 22, 255, 192]
    assert decode_brush_rle(rle, 2, 2).tolist() == [[False, True], [True, True]]


def test_a_brush_region_reads_back_pixel_for_pixel(tmp_path):
    value = {"format": "rle", "rle": encode_brush_rle(BRUSH)}
    (item,), _ = read_all(export(tmp_path, [task([region("m", "brushlabels", value, ["car"])])]))
    written = tmp_path / "ls"
    write_items([item], written, options())
    (back,), _ = read_all(written / labelstudio.TASKS_FILE)
    for ann in (item.ann, back.ann):
        bitmap = ann.labels[0].geometry
        mask = np.zeros((HEIGHT, WIDTH), bool)
        mask[
            bitmap.origin.row : bitmap.origin.row + bitmap.data.shape[0],
            bitmap.origin.col : bitmap.origin.col + bitmap.data.shape[1],
        ] = bitmap.data
        assert np.array_equal(mask, BRUSH)


# The flaws every reader meets, one region each, beside a good region that is still read.
BAD_REGIONS = {
    "too few points": region("bad", "polygonlabels", {"points": [[0, 0], [5, 5]]}, ["car"]),
    "zero size": box("bad", 10, 10, 0, 5),
    "negative size": box("bad", 10, 10, 5, -5),
    "NaN": box("bad", float("nan"), 10, 5, 5),
    "beyond any image": box("bad", 1e300, 10, 5, 5),
    "missing field": region("bad", "rectanglelabels", {"x": 1, "y": 1, "width": 5}, ["car"]),
    "no label": region("bad", "rectanglelabels", {"x": 1, "y": 1, "width": 5, "height": 5}, []),
    "no value": {**box("bad", 1, 1, 5, 5), "value": None},
    "brush of another size": region(
        "bad", "brushlabels", {"format": "rle", "rle": encode_brush_rle(BRUSH[:10, :10])}, ["car"]
    ),
    "brush cut short": region(
        "bad", "brushlabels", {"format": "rle", "rle": encode_brush_rle(BRUSH)[:-40]}, ["car"]
    ),
    "brush not bytes": region("bad", "brushlabels", {"format": "rle", "rle": [1, 300]}, ["car"]),
    "size not the image's": box("bad", 1, 1, 5, 5, original_width=WIDTH * 2),
    "size not a number": box("bad", 1, 1, 5, 5, original_width=[WIDTH]),
    "size missing": box("bad", 1, 1, 5, 5, original_height=None),
    "not an object": "bad",
}


@pytest.mark.parametrize("flaw", sorted(BAD_REGIONS))
def test_a_bad_region_is_skipped_with_a_warning_naming_file_task_and_region(tmp_path, flaw):
    results = [box("good", 1, 1, 5, 5), BAD_REGIONS[flaw], relation("good", "bad")]
    path = export(tmp_path, [task(results, task_id=7)])
    (item,), messages = read_all(path)
    assert [label.tags.get(labelstudio.ID_TAG).value for label in item.ann.labels] == ["good"]
    region_messages = [m for m in messages if "region 'bad'" in m or "not a JSON object" in m]
    assert region_messages, messages
    assert all(str(path) in m and "task 7" in m for m in region_messages)


def test_a_brush_declaring_billions_of_values_is_refused_before_allocating():
    header = [0xFF, 0xFF, 0xFF, 0xFC, 0x3E, 0x47, 0xF0]  # 2^32 - 4 values, word 8
    with pytest.raises(InvalidLabelStudioError, match="holds 4294967292 values"):
        decode_brush_rle(header + [0] * 8, HEIGHT, WIDTH)


def test_non_spatial_results_are_skipped_with_one_warning(tmp_path):
    results = [
        box("a", 1, 1, 5, 5),
        {"id": "a", "type": "textarea", "value": {"text": ["a red car"]}, "from_name": "t"},
        {"id": "a", "type": "choices", "value": {"choices": ["old"]}, "from_name": "c"},
        {"id": "x", "type": "choices", "value": {"choices": ["day"]}, "from_name": "c"},
    ]
    items, messages = read_all(export(tmp_path, [task(results), task(results, task_id=2)]))
    assert [len(item.ann.labels) for item in items] == [1, 1]
    assert len(messages) == 1 and "4 choices, 2 textarea" in messages[0]


@pytest.mark.parametrize(
    "reference, stored",
    [
        ("/data/local-files/?d=images/a.png", "images/a.png"),
        ("/data/local-files/?d=home/user/pictures/a%20b.png", "images/a b.png"),
        ("/data/upload/3/8a3b2c1d-a.png", "8a3b2c1d-a.png"),  # media/upload/3 copied beside
        ("/data/upload/3/8a3b2c1d-a.png", "images/a.png"),  # the original name
        ("https://example.com/bucket/a.png?X-Amz-Signature=1", "a.png"),
        ("a.png", "images/a.png"),
        ("/home/user/a.png", "a.png"),  # an absolute path: only its tail, inside IN, is tried
    ],
)
def test_images_are_found_as_label_studio_names_them(tmp_path, reference, stored):
    folder, name = (tmp_path / stored).parent, (tmp_path / stored).name
    path = export(
        tmp_path,
        [task([box("a", 1, 1, 5, 5)], image=reference)],
        (name,),
        str(folder.relative_to(tmp_path)),
    )
    (item,), messages = read_all(path)
    assert item.image == tmp_path / stored and messages == []


def test_images_in_the_folder_named_with_images(tmp_path):
    path = export(tmp_path / "ls", [task([box("a", 1, 1, 5, 5)])], ("a.png",), "../pictures")
    (item,), _ = read_all(path, tmp_path / "pictures")
    assert item.image == tmp_path / "pictures" / "a.png"


def test_a_task_without_its_image_is_named_and_left_out(tmp_path):
    tasks = [
        task([box("a", 1, 1, 5, 5)]),
        task([box("a", 1, 1, 5, 5)], "/data/upload/1/gone.png", 2),
    ]
    path = export(tmp_path, tasks)
    items, messages = read_all(path)
    assert [item.name for item in items] == ["a.png"]
    assert len(messages) == 1 and "task 2" in messages[0] and "gone.png" in messages[0]
    assert messages[0].endswith("the image is skipped")


def test_a_path_outside_the_input_is_never_followed(tmp_path):
    sly.image.write(str(tmp_path / "secret.png"), np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    path = export(tmp_path / "ls", [task([], image="../secret.png")], ())
    items, messages = read_all(path)
    assert items == [] and messages[0].endswith("the image is skipped")


def test_predictions_are_read_when_there_is_no_annotation(tmp_path):
    prediction = {"id": 3, "model_version": "v1", "score": 0.9, "result": [box("a", 1, 1, 5, 5)]}
    (item,), _ = read_all(export(tmp_path, [task(None, predictions=[prediction])]))
    assert len(item.ann.labels) == 1


def test_predictions_exported_as_ids_only_are_named(tmp_path):
    # Label Studio 1.23.2's quick JSON export lists a task's predictions as ids: [1].
    (item,), messages = read_all(export(tmp_path, [task(None, predictions=[1])]))
    assert item.ann.labels == []
    assert len(messages) == 1 and "task 1: predictions: ids only" in messages[0]


def test_not_a_list_of_tasks_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"images": []}')
    with pytest.raises(InvalidLabelStudioError, match="x.json: not a Label Studio JSON export"):
        list(read_items(path))


def test_relations_read_are_written_back_with_their_direction_and_labels(tmp_path):
    results = [
        box("a", 0, 0, 10, 10),
        box("b", 20, 0, 10, 10, label="wheel"),
        box("c", 40, 0, 10, 10, label="wheel", parentID="a"),
        relation("b", "a", "left", ["part of"]),
        relation("a", "b", "bi", []),
    ]
    (item,), _ = read_all(export(tmp_path, [task(results)]))
    write_items([item], tmp_path / "ls", options())
    (written,) = json.loads((tmp_path / "ls" / labelstudio.TASKS_FILE).read_text())
    out = written["annotations"][0]["result"]
    # The same relations (written by region, in the order the regions come).
    assert [r for r in out if r["type"] == "relation"] == [
        relation("a", "b", "bi"),
        relation("b", "a", "left", ["part of"]),
    ]
    assert [r.get("parentID") for r in out if r["type"] != "relation"] == [None, None, "a"]
    config = (tmp_path / "ls" / labelstudio.CONFIG_FILE).read_text()
    assert '<Relation value="part of" />' in config


def test_a_group_changed_in_supervisely_is_written_as_a_chain(tmp_path):
    results = [box("a", 0, 0, 10, 10), box("b", 20, 0, 10, 10), box("c", 40, 0, 10, 10)]
    results.append(relation("a", "b"))
    (item,), _ = read_all(export(tmp_path, [task(results)]))
    labels = [label.clone(binding_key="k") for label in item.ann.labels]  # c joins the group
    moved = item._replace(ann=item.ann.clone(labels=labels))
    write_items([moved], tmp_path / "ls", options())
    (back,), _ = read_all(tmp_path / "ls" / labelstudio.TASKS_FILE)
    assert groups(back.ann) == [[0, 1, 2]]


def test_supervisely_to_label_studio_and_back_keeps_every_group(tmp_path):
    project = write_local_project(tmp_path / "project")
    with warnings.catch_warnings():
        warnings.simplefilter("error", LabelStudioWarning)
        write_items(project_items(str(project)), tmp_path / "ls", options())
        items = list(read_items(tmp_path / "ls"))
    items_to_project(items, str(tmp_path / "back"), InvalidLabelStudioError, "no item")
    assert local_groups(tmp_path / "back") == local_groups(project)
    before = sly.Project(str(project), sly.OpenMode.READ)
    after = sly.Project(str(tmp_path / "back"), sly.OpenMode.READ)
    for dataset in before.datasets:
        for name in dataset.get_items_names():
            old = dataset.get_ann(name, before.meta)
            new = after.datasets.get(dataset.name).get_ann(name, after.meta)
            assert [label.geometry.to_json() for label in new.labels] == [
                label.geometry.to_json() for label in old.labels
            ]


def test_as_predictions_and_document_root(tmp_path):
    png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
    car = sly.ObjClass("car", sly.Point)
    ann = sly.Annotation((4, 4), [sly.Label(sly.Point(1, 2), car)])
    item = FormatItem(("a", "b"), "x.png", png, ann, "x")
    out = tmp_path / "root" / "ls"
    write_items([item], out, options(as_predictions=True, document_root=tmp_path / "root"))
    (written,) = json.loads((out / labelstudio.TASKS_FILE).read_text())
    assert written["data"] == {
        "image": "/data/local-files/?d=ls/images/a/b/x.png",
        "dataset": "a/b",
    }
    assert (
        "annotations" not in written
        and written["predictions"][0]["result"][0]["type"] == "keypointlabels"
    )
    (back,), _ = read_all(out / labelstudio.TASKS_FILE)
    assert back.dataset == ("a", "b") and back.image == out / "images" / "a" / "b" / "x.png"
    with pytest.raises(InvalidLabelStudioError, match="--document-root"):
        write_items([item], tmp_path / "other", options(document_root=tmp_path / "root"))


def test_the_labeling_config_declares_the_classes(tmp_path):
    project = write_local_project(tmp_path / "project")
    meta = sly.Project(str(project), sly.OpenMode.READ).meta
    classes = tuple(meta.obj_classes)
    write_items(
        project_items(str(project)),
        tmp_path / "ls",
        WriteOptions(classes=classes),
    )
    declared = declared_classes(tmp_path / "ls")
    assert sorted(declared) == ["car", "person"]  # in the order of the controls
    assert declared["car"].color == meta.get_obj_class("car").color
    assert (declared["car"].geometry_type, declared["person"].geometry_type) == (
        sly.Bitmap,
        sly.Rectangle,
    )


def test_geometries_label_studio_cannot_hold_are_skipped_with_a_warning(tmp_path):
    line = sly.ObjClass("lane", sly.Polyline)
    ann = sly.Annotation(
        (4, 4), [sly.Label(sly.Polyline([sly.PointLocation(0, 0), sly.PointLocation(2, 2)]), line)]
    )
    png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
    with pytest.warns(LabelStudioWarning, match="lane line is skipped"):
        write_items([FormatItem(("ds",), "x.png", png, ann, "x")], tmp_path / "ls", options())


def test_convert_supervisely_to_labelstudio_and_back_end_to_end(tmp_path):
    project = write_local_project(tmp_path / "project")
    assert convert_in_process("supervisely", "labelstudio", project, tmp_path / "ls") == 0
    assert convert_in_process("labelstudio", "supervisely", tmp_path / "ls", tmp_path / "back") == 0
    assert local_groups(tmp_path / "back") == local_groups(project)


def test_a_task_whose_regions_declare_another_image_size_is_named_and_left_out(tmp_path):
    results = [box("a", 1, 1, 5, 5, original_width=WIDTH + 1, original_height=HEIGHT)]
    items, messages = read_all(export(tmp_path, [task(results, task_id=4)]))
    assert items == []
    assert len(messages) == 1 and "task 4" in messages[0] and "401x300" in messages[0]


def test_a_relation_to_a_region_not_read_is_left_out_with_a_warning(tmp_path):
    results = [box("a", 1, 1, 5, 5), box("b", 10, 1, 5, 5), relation("a", "ghost")]
    (item,), messages = read_all(export(tmp_path, [task(results)]))
    assert groups(item.ann) == []
    assert len(messages) == 1 and "'ghost'" in messages[0]


def test_an_export_of_the_real_label_studio_reads_to_its_groups(tmp_path):
    # What Label Studio 1.23.2 exported after importing our tasks (tests/data/labelstudio).
    data = Path(__file__).resolve().parents[1] / "data" / "labelstudio"
    (tmp_path / "ls").mkdir()
    shutil.copy(data / "label-studio-1.23.2-export.json", tmp_path / "ls" / "export.json")
    for name in ("bound.png", "odd.png"):
        path = tmp_path / "ls" / "images" / "ds0" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sly.image.write(str(path), np.zeros((8, 8, 3), np.uint8))
    items, messages = read_all(tmp_path / "ls" / "export.json")
    assert messages == []
    assert {item.name: groups(item.ann) for item in items} == {
        "bound.png": [[0, 1], [2, 3]],
        "odd.png": [[0], [1, 2]],
    }
    assert {item.dataset for item in items} == {("ds0",)}


def test_regions_without_an_id_are_read_unbound_and_never_taken_for_another(tmp_path):
    results = [{**box("x", 1, 1, 5, 5)}, box("#1", 10, 1, 5, 5), box("b", 20, 1, 5, 5)]
    del results[0]["id"]
    results.append(relation("#1", "b"))
    (item,), messages = read_all(export(tmp_path, [task(results)]))
    assert groups(item.ann) == [[1, 2]] and messages == []
    assert item.ann.labels[0].tags.get(labelstudio.ID_TAG) is None


PNG = sly.image.write_bytes(np.zeros((HEIGHT, WIDTH, 3), np.uint8), ".png")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=8, unique=True).flatmap(
        lambda ids: st.tuples(
            st.just(ids),
            st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=10),
        )
    )
)
def test_groups_are_the_connected_regions_whatever_the_ids(case):
    ids, links = case
    results = [box(region_id, 1, 1, 5, 5) for region_id in ids]
    results += [relation(a, b) for a, b in links]
    with warnings.catch_warnings():
        warnings.simplefilter("error", LabelStudioWarning)
        ann = labelstudio.task_annotation(results, PNG, "t", "1")
    # The components by a plain search: regions joined by any link, in either direction.
    neighbours = {region_id: set() for region_id in ids}
    for a, b in links:
        neighbours[a].add(b)
        neighbours[b].add(a)
    expected, seen = [], set()
    for start in ids:
        if start in seen or not neighbours[start]:
            continue
        component, stack = set(), [start]
        while stack:
            region_id = stack.pop()
            if region_id not in component:
                component.add(region_id)
                stack.extend(neighbours[region_id])
        seen |= component
        expected.append(sorted(ids.index(region_id) for region_id in component))
    assert groups(ann) == sorted(expected)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from("abcd")), min_size=1, max_size=8))
def test_any_grouping_written_reads_back_the_same(keys):
    car = sly.ObjClass("car", sly.Rectangle)
    labels = [
        sly.Label(sly.Rectangle(i, i, i + 2, i + 3), car, binding_key=key)
        for i, key in enumerate(keys)
    ]
    ann = sly.Annotation((HEIGHT, WIDTH), labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LabelStudioWarning)
        back = labelstudio.task_annotation(labelstudio.annotation_results(ann), PNG, "t", "1")
    assert groups(back) == groups(ann)
    assert [label.geometry.to_json() for label in back.labels] == [
        label.geometry.to_json() for label in labels
    ]
