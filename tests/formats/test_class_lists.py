"""Issue 18, "every class a reason": the class list a writer makes (COCO categories, YOLO names,
CVAT labels, Label Studio's labeling config) holds the classes that can hold an object in the
target: a ``<name>_bbox`` class whose boxes all became their objects' boxes, a class of lines
and a CVAT tag label are left out (with a warning when the target cannot hold the class), and
the others are numbered whatever classes a dataset happens to use. A table over every writer of
the registry (LabelMe has no class list: each shape names its label)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import List, Tuple

import numpy as np
import pytest
import supervisely as sly
import yaml

from commands import convert_in_process
from registry_tables import TARGETS

PERSON = sly.ObjClass("person", sly.Polygon)
PERSON_BBOX = sly.ObjClass("person_bbox", sly.Rectangle)
ROAD = sly.ObjClass("road", sly.Polyline)
BIKE = sly.ObjClass("bike", sly.Polygon)  # declared, used by no label
HAT = sly.ObjClass("hat", sly.Rectangle)
META = sly.ProjectMeta([PERSON, PERSON_BBOX, ROAD, BIKE, HAT])


def square(top: int, left: int, bottom: int, right: int) -> sly.Polygon:
    return sly.Polygon(
        [sly.PointLocation(r, c) for r, c in ((top, left), (top, right), (bottom, right))]
        + [sly.PointLocation(bottom, left)]
    )


def people() -> sly.Annotation:
    """A person with its person_bbox (the SDK's COCO import binds them), a road, a hat."""
    return sly.Annotation(
        (50, 50),
        [
            sly.Label(square(5, 5, 40, 20), PERSON, binding_key="k"),
            sly.Label(sly.Rectangle(5, 5, 40, 20), PERSON_BBOX, binding_key="k"),
            sly.Label(sly.Polyline([sly.PointLocation(1, 1), sly.PointLocation(30, 30)]), ROAD),
            sly.Label(sly.Rectangle(1, 30, 8, 40), HAT),
        ],
    )


def hats() -> sly.Annotation:
    """Another dataset of the same classes: only a hat."""
    return sly.Annotation((50, 50), [sly.Label(sly.Rectangle(1, 30, 8, 40), HAT)])


def write_project(folder: Path, ann: sly.Annotation) -> Path:
    project = sly.Project(str(folder), sly.OpenMode.CREATE)
    project.set_meta(META)
    project.create_dataset("ds").add_item_np("a.png", np.zeros((50, 50, 3), np.uint8), ann=ann)
    return Path(project.directory)


def class_list(target: str, out: Path) -> List[Tuple[int, str]]:
    """The classes ``out`` lists, as (number, name): COCO's category ids, YOLO's ids, the order
    of CVAT's labels and of Label Studio's config; LabelMe: none."""
    if target == "coco":
        (path,) = (out / "annotations").glob("instances_*.json")
        categories = json.loads(path.read_text())["categories"]
        return [(category["id"], category["name"]) for category in categories]
    if target in ("yolo", "yolo-det"):
        names = yaml.safe_load((out / "data.yaml").read_text())["names"]
        return sorted((int(number), name) for number, name in names.items())
    if target == "cvat":
        root = ET.parse(out / "annotations.xml").getroot()
        return list(enumerate(label.findtext("name") for label in root.iter("label")))
    if target == "labelstudio":
        root = ET.parse(out / "labeling_config.xml").getroot()
        return list(enumerate(label.get("value") for label in root.iter("Label")))
    assert target == "labelme"
    return []


# Per target: the class list, and the classes a warning names as left out for what the target
# cannot hold. The person_bbox class is left out where a group is one object (COCO, YOLO): its
# box is the person's; CVAT and Label Studio keep the group, its boxes their own shapes.
EXPECTED = {
    "coco": ([(1, "person"), (4, "bike"), (5, "hat")], "road left out of the categories"),
    "yolo": ([(0, "person"), (1, "bike"), (2, "hat")], "road left out of data.yaml's names"),
    # A detection line is any object's box, a road's too.
    "yolo-det": ([(0, "person"), (1, "road"), (2, "bike"), (3, "hat")], None),
    "cvat": (
        [(0, "person"), (1, "person_bbox"), (2, "bike"), (3, "hat")],
        "road left out of the labels",
    ),
    "labelstudio": (
        [(0, "person"), (1, "bike"), (2, "person_bbox"), (3, "hat")],
        "road left out of the labeling config",
    ),
    "labelme": ([], None),
}


def test_the_table_covers_every_writer():
    assert sorted(EXPECTED) == sorted(TARGETS)


@pytest.mark.parametrize("target", TARGETS)
def test_a_class_list_holds_the_classes_that_can_hold_an_object(tmp_path, capsys, target):
    expected, warning = EXPECTED[target]
    source = write_project(tmp_path / "people", people())
    assert convert_in_process("supervisely", target, source, tmp_path / "out") == 0
    err = capsys.readouterr().err

    assert class_list(target, tmp_path / "out") == expected
    left_out = re.findall(r": ([\w, ]+) left out of ([^:]+):", err)
    if warning is None:
        assert left_out == []
    else:
        assert [f"{names} left out of {listing}" for names, listing in left_out] == [warning]
        assert f"{tmp_path / 'out'}: {warning}" in err  # OUT as named, not a staging folder


@pytest.mark.parametrize("target", TARGETS)
def test_the_numbers_do_not_depend_on_the_classes_a_dataset_uses(tmp_path, capsys, target):
    """A dataset with only a hat numbers the hat as the dataset with everything does."""
    numbers = []
    for name, ann in (("people", people()), ("hats", hats())):
        source = write_project(tmp_path / name, ann)
        assert convert_in_process("supervisely", target, source, tmp_path / f"{name}-out") == 0
        numbers.append(dict((n, c) for c, n in class_list(target, tmp_path / f"{name}-out")))
    capsys.readouterr()
    assert numbers[0].get("hat") == numbers[1].get("hat")
    assert numbers[0].get("bike") == numbers[1].get("bike")


CVAT_WITH_A_TAG_LABEL = """<annotations><version>1.1</version><meta><task><labels>
<label><name>daytime</name><type>tag</type></label>
<label><name>car</name><type>rectangle</type></label>
<label><name>sign</name><type>polygon</type></label>
</labels></task></meta>
<image id="0" name="a.png" width="8" height="8">
<box label="car" xtl="0" ytl="0" xbr="4" ybr="4"/>
<tag label="daytime"/>
</image></annotations>"""


@pytest.mark.parametrize("target", TARGETS)
def test_a_cvat_tag_label_is_no_class_of_any_target(tmp_path, capsys, target):
    source = tmp_path / "cvat"
    (source / "images").mkdir(parents=True)
    (source / "annotations.xml").write_text(CVAT_WITH_A_TAG_LABEL)
    sly.image.write(str(source / "images" / "a.png"), np.zeros((8, 8, 3), np.uint8))

    assert convert_in_process("cvat", target, source, tmp_path / "out") == 0
    err = capsys.readouterr().err

    assert "daytime left out of the classes: a CVAT tag label holds no shape" in err
    names = [name for _, name in class_list(target, tmp_path / "out")]
    assert "daytime" not in names
    if target != "labelme":
        assert names[0] == "car"  # numbered first, as if the tag label were not declared
