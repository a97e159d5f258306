"""Issue 17, kind 1: one bad record never stops its file (``formats/records.py``, one path).

The same flaws go through every reader: each input holds one image ``street.png`` (100x50) with
a good record, the flawed one, and another good record. Every reader reads both good records,
gives one warning that names the file, the image and the flawed record, and ``convert`` ends
with exit code 0. A record partly outside its image is kept and cropped to it (as
``sly.Annotation`` crops every label); one wholly outside is skipped with the warning.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Tuple

import cv2
import numpy as np
import pytest
import supervisely as sly

from commands import convert_in_process
from registry_tables import SOURCES

# Every format the registry reads (a new one must add its records below).
READERS = tuple(SOURCES)

WIDTH, HEIGHT = 100, 50
NAN, INF = float("nan"), float("inf")
HUGE = 1e300  # a number no image has: past 64-bit integers, finite


def image_png(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.zeros((HEIGHT, WIDTH, 3), np.uint8))


# ---------------------------------------------------------------- each format's records
# A record per flaw, in each format's own words. A flaw a format cannot express is absent:
# LabelMe declares no labels and takes a rectangle's corners in any order. Supervisely's own
# reading is the SDK's (Label.from_json): a rectangle of one pixel column is its zero-width box,
# its corners are sorted (Rectangle.from_json), and a polygon of 2 points is padded to 3 with a
# log line (Polygon.__init__), so none of these is a flaw there.

LABELME = {
    "good": [
        {"label": "car", "points": [[10, 10], [30, 10], [20, 30]], "shape_type": "polygon"},
        {"label": "sign", "points": [[40, 5], [60, 25]], "shape_type": "rectangle"},
    ],
    "too few points": {"label": "car", "points": [[1, 1], [5, 5]], "shape_type": "polygon"},
    "zero size": {"label": "sign", "points": [[5, 5], [5, 20]], "shape_type": "rectangle"},
    "wholly outside": {
        "label": "car",
        "points": [[200, 200], [220, 200], [210, 230]],
        "shape_type": "polygon",
    },
    "NaN": {"label": "car", "points": [[NAN, 1], [5, 5], [1, 9]], "shape_type": "polygon"},
    "inf": {"label": "car", "points": [[INF, 1], [5, 5], [1, 9]], "shape_type": "polygon"},
    "huge": {"label": "car", "points": [[HUGE, 1], [5, 5], [1, 9]], "shape_type": "polygon"},
    "missing field": {"label": "car", "shape_type": "polygon"},
    "partly outside": {
        "label": "car",
        "points": [[90, 40], [120, 40], [100, 60]],
        "shape_type": "polygon",
    },
}

CVAT = {
    "good": [
        '<polygon label="car" points="10,10;30,10;20,30" z_order="0"/>',
        '<box label="sign" xtl="40" ytl="5" xbr="60" ybr="25" z_order="0"/>',
    ],
    # CVAT's auto-annotation writes polygons of 2 points.
    "too few points": '<polygon label="car" points="1,1;5,5"/>',
    "zero size": '<box label="sign" xtl="5" ytl="5" xbr="5" ybr="20"/>',
    "negative size": '<box label="sign" xtl="20" ytl="5" xbr="10" ybr="20"/>',
    "wholly outside": '<polygon label="car" points="200,200;220,200;210,230"/>',
    "undeclared label": '<polygon label="truck" points="10,10;30,10;20,30"/>',
    "NaN": '<box label="sign" xtl="nan" ytl="5" xbr="60" ybr="25"/>',
    "inf": '<box label="sign" xtl="inf" ytl="5" xbr="60" ybr="25"/>',
    "huge": '<box label="sign" xtl="5" ytl="5" xbr="1e300" ybr="25"/>',
    "missing field": '<box label="sign" ytl="5" xbr="60" ybr="25"/>',
    "partly outside": '<polygon label="car" points="90,40;120,40;100,60"/>',
}

COCO = {
    "good": [
        {"category_id": 1, "segmentation": [[10, 10, 30, 10, 20, 30]], "bbox": [10, 10, 20, 20]},
        {"category_id": 2, "segmentation": [], "bbox": [40, 5, 20, 20]},
    ],
    "too few points": {"category_id": 1, "segmentation": [[1, 1, 5, 5]]},
    "zero size": {"category_id": 2, "segmentation": [], "bbox": [5, 5, 0, 15]},
    "negative size": {"category_id": 2, "segmentation": [], "bbox": [5, 5, -10, 15]},
    "wholly outside": {"category_id": 2, "segmentation": [], "bbox": [200, 200, 10, 10]},
    "undeclared label": {"category_id": 9, "segmentation": [], "bbox": [5, 5, 10, 10]},
    "NaN": {"category_id": 2, "segmentation": [], "bbox": [NAN, 5, 10, 10]},
    "inf": {"category_id": 2, "segmentation": [], "bbox": [INF, 5, 10, 10]},
    "huge": {"category_id": 1, "segmentation": [[HUGE, 10, 30, 10, 20, 30]]},
    "missing field": {"segmentation": [], "bbox": [5, 5, 10, 10]},
    "partly outside": {"category_id": 1, "segmentation": [[90, 40, 120, 40, 100, 60]]},
}

YOLO = {
    "good": ["0 0.1 0.2 0.3 0.2 0.2 0.6", "1 0.5 0.3 0.2 0.4"],
    "too few points": "0 0.1 0.1 0.2 0.2 0.3",  # two points and a half
    "zero size": "1 0.5 0.5 0 0.2",
    "negative size": "1 0.5 0.5 -0.1 0.2",
    "wholly outside": "0 1.5 1.5 1.7 1.5 1.6 1.9",
    "undeclared label": "7 0.5 0.5 0.1 0.1",  # data.yaml names ids 0 and 1
    "NaN": "1 nan 0.5 0.1 0.1",
    "inf": "1 inf 0.5 0.1 0.1",
    "huge": "1 0.5 0.5 1e300 0.1",
    "missing field": "1",
    "partly outside": "0 0.9 0.8 1.2 0.8 1.0 1.2",
}


def sly_object(class_title: str, geometry: str, exterior: list) -> dict:
    return {
        "classTitle": class_title,
        "geometryType": geometry,
        "tags": [],
        "points": {"exterior": exterior, "interior": []},
    }


SUPERVISELY = {
    "good": [
        sly_object("car", "polygon", [[10, 10], [30, 10], [20, 30]]),
        sly_object("sign", "rectangle", [[40, 5], [60, 25]]),
    ],
    "wholly outside": sly_object("sign", "rectangle", [[200, 200], [220, 230]]),
    "undeclared label": sly_object("truck", "polygon", [[10, 10], [30, 10], [20, 30]]),
    "missing field": {"classTitle": "sign", "geometryType": "rectangle", "tags": []},
    # Label.from_json takes any number: 1e300 is past the SDK's 64-bit integers, 2^40 fits
    # them but no image (it would be cropped, drawn and rasterised by it).
    "huge": sly_object("car", "polygon", [[HUGE, 10], [30, 10], [20, 30]]),
    "huge, 64-bit": sly_object("car", "polygon", [[2**40, 10], [30, 10], [20, 30]]),
    "partly outside": sly_object("car", "polygon", [[90, 40], [120, 40], [100, 60]]),
}


def ls_region(region_id: str, kind: str, value: dict, label: str) -> dict:
    """A result as Label Studio's JSON export writes it: percent of the image's size."""
    return {
        "id": region_id,
        "type": kind,
        "value": {**value, kind: [label]},
        "from_name": "label",
        "to_name": "image",
        "original_width": WIDTH,
        "original_height": HEIGHT,
    }


def ls_polygon(region_id: str, points: list, label: str = "car") -> dict:
    # pixels to percent: x of 100 pixels, y of 50
    percent = [[x * 100 / WIDTH, y * 100 / HEIGHT] for x, y in points]
    return ls_region(region_id, "polygonlabels", {"points": percent}, label)


def ls_box(region_id: str, x: float, y: float, w: float, h: float) -> dict:
    box = {"x": x * 100 / WIDTH, "y": y * 100 / HEIGHT, "width": w * 100 / WIDTH}
    return ls_region(region_id, "rectanglelabels", {**box, "height": h * 100 / HEIGHT}, "sign")


# Label Studio's export declares no labels (its labeling config is apart from it).
LABELSTUDIO = {
    "good": [ls_polygon("a", [[10, 10], [30, 10], [20, 30]]), ls_box("c", 40, 5, 20, 20)],
    "too few points": ls_polygon("b", [[1, 1], [5, 5]]),
    "zero size": ls_box("b", 5, 5, 0, 15),
    "negative size": ls_box("b", 5, 5, -10, 15),
    "wholly outside": ls_polygon("b", [[200, 200], [220, 200], [210, 230]]),
    "NaN": ls_box("b", NAN, 5, 10, 10),
    "inf": ls_box("b", INF, 5, 10, 10),
    "huge": ls_box("b", 5, 5, HUGE, 10),
    "missing field": ls_region("b", "polygonlabels", {}, "car"),
    "partly outside": ls_polygon("b", [[90, 40], [120, 40], [100, 60]]),
}


# ---------------------------------------------------------------- each format's input
def labelme_input(root: Path, records: list) -> None:
    image_png(root / "street" / "street.png")
    data = {"imagePath": "street.png", "imageHeight": HEIGHT, "imageWidth": WIDTH}
    shapes = [{"group_id": None, "flags": {}, **shape} for shape in records]
    (root / "street" / "street.json").write_text(json.dumps({**data, "shapes": shapes}))


def cvat_input(root: Path, records: list) -> None:
    image_png(root / "images" / "street.png")
    labels = "".join(f"<label><name>{name}</name></label>" for name in ("car", "sign"))
    (root / "annotations.xml").write_text(
        f"<annotations><version>1.1</version><meta><task><labels>{labels}</labels></task></meta>"
        f'<image id="0" name="street.png" width="{WIDTH}" height="{HEIGHT}">'
        + "".join(records)
        + "</image></annotations>"
    )


def coco_input(root: Path, records: list) -> None:
    image_png(root / "images" / "street.png")
    instances = [
        {"id": number, "image_id": 1, "iscrowd": 0, "area": 1, **instance}
        for number, instance in enumerate(records, start=1)
    ]
    coco = {
        "images": [{"id": 1, "file_name": "street.png", "height": HEIGHT, "width": WIDTH}],
        "annotations": instances,
        "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "sign"}],
    }
    (root / "annotations").mkdir(parents=True)
    (root / "annotations" / "instances_default.json").write_text(json.dumps(coco))


def yolo_input(root: Path, records: list) -> None:
    image_png(root / "images" / "train" / "street.png")
    (root / "data.yaml").write_text("names: [car, sign]\n")
    (root / "labels" / "train").mkdir(parents=True)
    (root / "labels" / "train" / "street.txt").write_text("\n".join(records) + "\n")


def supervisely_input(root: Path, records: list) -> None:
    project = sly.Project(str(root), sly.OpenMode.CREATE)
    meta = sly.ProjectMeta(
        obj_classes=[sly.ObjClass("car", sly.Polygon), sly.ObjClass("sign", sly.Rectangle)]
    )
    project.set_meta(meta)
    dataset = project.create_dataset("ds")
    dataset.add_item_np("street.png", np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    ann = {"size": {"height": HEIGHT, "width": WIDTH}, "tags": [], "objects": records}
    Path(dataset.get_ann_path("street.png")).write_text(json.dumps(ann))


def labelstudio_input(root: Path, records: list) -> None:
    image_png(root / "images" / "street.png")
    task = {
        "id": 1,
        "data": {"image": "/data/local-files/?d=images/street.png"},
        "annotations": [{"id": 1, "result": records, "was_cancelled": False}],
    }
    (root / "export.json").write_text(json.dumps([task]))


# reader -> (its records, its input, the file the warning names, the flawed record's name)
FORMATS: Dict[str, tuple] = {
    "labelme": (LABELME, labelme_input, "street.json", "shapes[1]"),
    "cvat": (CVAT, cvat_input, "annotations.xml", "> #2"),
    "coco": (COCO, coco_input, "instances_default.json", "annotation 2"),
    "yolo": (YOLO, yolo_input, "street.txt", "line 2"),
    "supervisely": (SUPERVISELY, supervisely_input, "street.png.json", "objects[1]"),
    "labelstudio": (LABELSTUDIO, labelstudio_input, "export.json", "result[1]"),
}
assert sorted(FORMATS) == sorted(READERS)

FLAWS = (
    "too few points",
    "zero size",
    "negative size",
    "wholly outside",
    "undeclared label",
    "NaN",
    "inf",
    "huge",
    "huge, 64-bit",
    "missing field",
)
CASES = [(reader, flaw) for reader in READERS for flaw in FLAWS if flaw in FORMATS[reader][0]]


def target_of(reader: str) -> str:
    """Where ``convert`` writes what ``reader`` read: a Supervisely project (LabelMe for the
    Supervisely reader: convert refuses Supervisely to Supervisely)."""
    return "labelme" if reader == "supervisely" else "supervisely"


def read_back(target: str, folder: Path) -> List[Tuple[str, Tuple[int, int, int, int]]]:
    """``(class, (top, left, bottom, right))`` of every label written in ``folder``."""
    found = []
    if target == "labelme":
        for path in sorted(folder.rglob("*.json")):
            for shape in json.loads(path.read_text())["shapes"]:
                xs, ys = [p[0] for p in shape["points"]], [p[1] for p in shape["points"]]
                found.append((shape["label"], (min(ys), min(xs), max(ys), max(xs))))
        return found
    project = sly.Project(str(folder), sly.OpenMode.READ)
    for dataset in project.datasets:
        for name in dataset.get_items_names():
            for label in dataset.get_ann(name, project.meta).labels:
                box = label.geometry.to_bbox()
                found.append((label.obj_class.name, (box.top, box.left, box.bottom, box.right)))
    return found


def convert(tmp_path: Path, reader: str, records: list, capsys) -> tuple:
    """Exit code, stderr, the warnings about the input's file, and the labels written."""
    records_of, make, file_name, _ = FORMATS[reader]
    make(tmp_path / "in", records)
    code = convert_in_process(
        reader, target_of(reader), tmp_path / "in", tmp_path / "out", "--json"
    )
    out, err = capsys.readouterr()
    # Every warning is in --json (the terminal totals the warnings of one kind).
    messages = json.loads(out)["warnings"] if code == 0 else []
    warnings = [message for message in messages if file_name in message]
    written = read_back(target_of(reader), tmp_path / "out") if code == 0 else []
    return code, err, warnings, written


@pytest.mark.parametrize("reader, flaw", CASES, ids=[f"{r}-{f}" for r, f in CASES])
def test_a_bad_record_is_skipped_with_one_warning_and_the_rest_is_read(
    tmp_path, capsys, reader, flaw
):
    records, _, file_name, record_name = FORMATS[reader]
    good = records["good"]
    code, err, warnings, written = convert(
        tmp_path, reader, [good[0], records[flaw], good[1]], capsys
    )

    assert code == 0, err
    # Both good records are read, nothing of the bad one.
    assert sorted(name for name, _ in written) == ["car", "sign"], err
    # One warning, naming the file, the image (or the file named after it) and the record.
    assert len(warnings) == 1, err
    assert file_name in warnings[0] and "street" in warnings[0] and record_name in warnings[0]


@pytest.mark.parametrize("reader", READERS)
def test_a_record_partly_outside_its_image_is_kept_and_cropped(tmp_path, capsys, reader):
    records = FORMATS[reader][0]
    good = records["good"]
    code, err, warnings, written = convert(
        tmp_path, reader, [good[0], records["partly outside"], good[1]], capsys
    )

    assert code == 0, err
    assert warnings == [], err
    assert len(written) == 3
    # Cropped to the image, as sly.Annotation crops every label (Rectangle.from_size).
    assert written[1] == ("car", (40, 90, HEIGHT - 1, WIDTH - 1))


@pytest.mark.parametrize("reader", READERS)
def test_an_input_with_only_bad_records_still_reads_its_image(tmp_path, capsys, reader):
    records = FORMATS[reader][0]
    bad = [records[flaw] for flaw in FLAWS if flaw in records]
    code, err, warnings, written = convert(tmp_path, reader, bad, capsys)

    assert code == 0, err
    assert written == []
    assert len(warnings) == len(bad), err


@pytest.mark.parametrize("reader", READERS)
def test_a_run_that_fails_after_reading_still_shows_its_warnings(
    tmp_path, capsys, monkeypatch, reader
):
    """The warnings of what was read say why a run fails (every image left out, say), so they
    are printed before its one error line, never lost with it (``cli/convert.py``, every
    reader). The failure here is the last step of a run with --verify: OUT read back is refused,
    as when the target's own reader refuses what was written."""
    from sly_bindings.cli import convert as convert_module
    from sly_bindings.cli.runner import UserError

    def refused(*args):
        raise UserError("OUT: refused by its own reader")

    records, make, file_name, record_name = FORMATS[reader]
    good = records["good"]
    make(tmp_path / "in", [good[0], records["wholly outside"], good[1]])
    monkeypatch.setattr(convert_module, "read_back", refused)
    code = convert_in_process(
        reader, target_of(reader), tmp_path / "in", tmp_path / "out", "--verify"
    )
    lines = capsys.readouterr().err.strip().splitlines()

    assert code == 2
    assert lines[-1] == "error: OUT: refused by its own reader"
    warned = [line for line in lines[:-1] if line.startswith("warning:") and file_name in line]
    assert len(warned) == 1 and record_name in warned[0], lines
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("reader", READERS)
def test_an_input_whose_images_are_all_missing_ends_with_one_line_naming_it(
    tmp_path, capsys, reader
):
    """Every image gone: one error line naming IN or its file, exit 2, nothing written; a
    reader that leaves each task out with a warning (Label Studio) still ends with a line that
    names IN, not ``nothing to write``."""
    records, make, _, _ = FORMATS[reader]
    make(tmp_path / "in", records["good"])
    for image in (tmp_path / "in").rglob("*.png"):
        image.unlink()
    code = convert_in_process(reader, target_of(reader), tmp_path / "in", tmp_path / "out")
    lines = capsys.readouterr().err.strip().splitlines()

    assert code == 2
    assert lines[-1].startswith(f"error: {tmp_path / 'in'}"), lines
    # why the first image was not found (records.none_there); YOLO finds its images first
    assert reader == "yolo" or "(none of its images is there: " in lines[-1], lines
    assert "Traceback" not in "\n".join(lines)
    assert not (tmp_path / "out").exists()
