"""``sly-bindings convert ... --primary-class CLASS`` (issue 12): the caller names the classes
that lead a group, passed to the COCO and YOLO writers."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
import supervisely as sly
import yaml

from commands import sly_bindings_captured

PERSON = sly.ObjClass("person", sly.Rectangle)
HAT = sly.ObjClass("hat", sly.Rectangle)


@pytest.fixture
def project_dir(tmp_path):
    """One image: a group of a large person box and a small hat box, as CVAT groups them."""
    project = sly.Project(str(tmp_path / "people"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([PERSON, HAT]))
    labels = [
        sly.Label(sly.Rectangle(2, 2, 15, 9), PERSON, binding_key="p"),
        sly.Label(sly.Rectangle(0, 3, 1, 6), HAT, binding_key="p"),
    ]
    image = np.zeros((16, 12, 3), np.uint8)
    project.create_dataset("ds").add_item_np("a.png", image, ann=sly.Annotation((16, 12), labels))
    return project.directory


def convert(*args, cwd):
    """``sly-bindings convert ARGS`` in ``cwd``, in this process."""
    return sly_bindings_captured("convert", *args, cwd=cwd)


@pytest.mark.parametrize(
    "options, category",
    [
        ([], "person"),  # the rule by area: the person leads
        (["--primary-class", "hat"], "hat"),
        (["--primary-class", "tree,hat"], "hat"),  # classes not in the group are passed over
        (["--primary-class", "person", "--primary-class", "hat"], "person"),
    ],
)
def test_coco_category_follows_primary_class(project_dir, tmp_path, options, category):
    result = convert("supervisely", "coco", project_dir, "out", *options, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    coco = json.loads((tmp_path / "out" / "annotations" / "instances_ds.json").read_text())
    names = {c["id"]: c["name"] for c in coco["categories"]}
    # Issue 18: the leader's instance first (the object), the other class its linked part.
    assert [names[i["category_id"]] for i in coco["annotations"]] == [
        category,
        ({"person", "hat"} - {category}).pop(),
    ]
    merged = convert(
        "supervisely", "coco", project_dir, "merged", "--merge-groups", *options, cwd=tmp_path
    )
    assert merged.returncode == 0, merged.stderr
    coco = json.loads((tmp_path / "merged" / "annotations" / "instances_ds.json").read_text())
    [instance] = coco["annotations"]
    assert names[instance["category_id"]] == category
    assert "is not kept" in merged.stderr


@pytest.mark.parametrize("target", ["yolo", "yolo-det"])
def test_yolo_class_follows_primary_class(project_dir, tmp_path, target):
    result = convert(
        "supervisely", target, project_dir, "out", "--primary-class", "hat", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    names = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())["names"]
    lines = (tmp_path / "out" / "labels" / "ds" / "a.txt").read_text().splitlines()
    assert [names[int(line.split()[0])] for line in lines] == ["hat", "person"]
    result = convert(
        "supervisely", target, project_dir, "merged", "--primary-class", "hat", "--merge-groups",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [line] = (tmp_path / "merged" / "labels" / "ds" / "a.txt").read_text().splitlines()
    assert names[int(line.split()[0])] == "hat"


@pytest.mark.parametrize(
    "target, value, message",
    [
        ("cvat", "hat", "error: --primary-class is used writing coco, yolo, yolo-det, not cvat"),
        ("labelme", "hat", "not labelme"),
        ("coco", "hat,", "error: --primary-class 'hat,': an empty class name"),
    ],
)
def test_primary_class_refused_where_it_means_nothing(
    project_dir, tmp_path, target, value, message
):
    result = convert(
        "supervisely", target, project_dir, "out", "--primary-class", value, cwd=tmp_path
    )
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("target", ["cvat", "labelme"])
def test_merge_groups_refused_where_groups_are_kept_as_they_are(project_dir, tmp_path, target):
    result = convert("supervisely", target, project_dir, "out", "--merge-groups", cwd=tmp_path)
    assert result.returncode == 2
    assert f"--merge-groups is used writing coco, yolo, yolo-det, not {target}" in result.stderr
    assert not (tmp_path / "out").exists()
