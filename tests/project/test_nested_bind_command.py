"""sly-bindings auto-bind --parents/--children (groups/nested.py) on a local project and on the
test server: the head 80 % inside the person is bound to it, the hand 30 % inside is not."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly

from bound_projects import groups_of
from sly_bindings.cli.main import USER_ERRORS, main
from sly_bindings.cli.runner import run

PERSON = sly.ObjClass("person", sly.Polygon)
HEAD = sly.ObjClass("head", sly.Polygon)
HAND = sly.ObjClass("hand", sly.Rectangle)
META = sly.ProjectMeta([PERSON, HEAD, HAND])
SIZE = (20, 20)


def polygon(top, left, bottom, right, obj_class) -> sly.Label:
    corners = [(top, left), (top, right), (bottom, right), (bottom, left)]
    return sly.Label(sly.Polygon([sly.PointLocation(r, c) for r, c in corners]), obj_class)


def walker() -> sly.Annotation:
    """A person (rows and columns 0..9), a head 4 of 5 rows inside, a hand 3 of 10 rows inside,
    and a second person far away with nothing in it."""
    return sly.Annotation(
        SIZE,
        [
            polygon(0, 0, 9, 9, PERSON),
            polygon(6, 2, 10, 6, HEAD),
            sly.Label(sly.Rectangle(7, 7, 16, 7), HAND),
            polygon(12, 12, 19, 19, PERSON),
        ],
    )


# Label indexes bound together after --parents person --children head hand --min-overlap 0.5.
EXPECTED = [[0, 1]]


def local_project(directory: Path) -> Path:
    project = sly.Project(str(directory), sly.OpenMode.CREATE)
    project.set_meta(META)
    dataset = project.create_dataset("ds0")
    for name in ("a.png", "b.png"):
        dataset.add_item_np(name, np.zeros(SIZE + (3,), np.uint8), ann=walker())
    return directory


def local_groups(directory: Path) -> dict:
    project = sly.Project(str(directory), sly.OpenMode.READ)
    dataset = project.datasets.get("ds0")
    return {
        name: groups_of(dataset.get_ann(name, project.meta).to_json())
        for name in dataset.get_items_names()
    }


def call(capsys, *args) -> tuple:
    code = run(lambda: main([str(arg) for arg in args]), USER_ERRORS)
    out, err = capsys.readouterr()
    return code, out, err


NESTED = ["auto-bind", "--parents", "person", "--children", "head", "hand", "--min-overlap", "0.5"]


def test_local_project_binds_the_head_not_the_hand(tmp_path, capsys):
    directory = local_project(tmp_path / "project")

    code, out, err = call(capsys, *NESTED, "--local", directory)

    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "ds0: 2 images, 2 changed, 2 written"
    # What it did and what it left, per child class (issue 18): the hand 30 % inside.
    assert "children hand: 0 bound, 2 left unbound (best overlap 30%)" in out.splitlines()
    assert "children head: 2 bound" in out.splitlines()
    assert local_groups(directory) == {"a.png": EXPECTED, "b.png": EXPECTED}
    # Run again: nothing left to do (the head is bound, the hand still below the threshold).
    assert call(capsys, *NESTED, "--local", directory)[1].splitlines()[-1] == (
        "ds0: 2 images, 0 changed, 0 written"
    )


def keys_of(directory: Path) -> dict:
    """The binding keys of each image of the local project's ds0, in label order."""
    project = sly.Project(str(directory), sly.OpenMode.READ)
    dataset = project.datasets.get("ds0")
    return {
        name: [label.binding_key for label in dataset.get_ann(name, project.meta).labels]
        for name in dataset.get_items_names()
    }


@pytest.mark.parametrize(
    "command",
    [NESTED, ["auto-bind", "--max-gap", "3"]],
    ids=["--parents", "--max-gap"],
)
def test_identical_images_get_keys_of_their_own_and_validate_finds_no_reused_key(
    tmp_path, capsys, command
):
    """a.png and b.png hold the same labels: a key made from the content alone was one key on
    both images, which validate then flagged as reused. The image's name is part of new keys."""
    directory = local_project(tmp_path / "project")

    assert call(capsys, *command, directory)[0] == 0
    keys = keys_of(directory)
    bound_a = {key for key in keys["a.png"] if key is not None}
    bound_b = {key for key in keys["b.png"] if key is not None}

    assert bound_a and bound_b and not bound_a & bound_b
    code, out, _ = call(capsys, "validate", directory)
    assert "reused" not in out and "on 2 images" not in out, out
    # The same run again gives the same keys: they are still made from the content.
    regrouped = tmp_path / "again"
    local_project(regrouped)
    call(capsys, *command, regrouped)
    assert keys_of(regrouped) == keys


def test_dry_run_and_json_change_nothing(tmp_path, capsys):
    directory = local_project(tmp_path / "project")

    code, out, _ = call(capsys, *NESTED, "--local", directory, "--dry-run", "--json")

    assert code == 0
    data = json.loads(out)
    assert data["dry_run"] and data["total"]["changed"] == 2
    assert data["children"] == {
        "hand": {"bound": 0, "unbound": 2, "best_unbound_overlap": 0.3},
        "head": {"bound": 2, "unbound": 0, "best_unbound_overlap": None},
    }
    assert local_groups(directory) == {"a.png": [], "b.png": []}


def test_comma_separated_children_and_a_lower_threshold(tmp_path, capsys):
    directory = local_project(tmp_path / "project")

    args = ["auto-bind", "--parents", "person", "--children", "head,hand", "--min-overlap", "0.3"]
    assert call(capsys, *args, "--local", directory)[0] == 0

    assert local_groups(directory)["a.png"] == [[0, 1, 2]]


def test_on_the_test_server_in_batches(sly_server, monkeypatch, capsys):
    for name, value in {
        "SERVER_ADDRESS": sly_server.url,
        "API_TOKEN": sly_server.token,
        "SUPERVISELY_PUBLIC_API_RETRIES": "2",
        "SUPERVISELY_PUBLIC_API_RETRY_SLEEP_SEC": "0",
    }.items():
        monkeypatch.setenv(name, value)
    project_id = sly_server.seed_project("walkers", meta=META)
    dataset_id = sly_server.seed_dataset(project_id, "ds0")
    for name in ("a.png", "b.png", "c.png"):
        sly_server.seed_image(dataset_id, name, SIZE[1], SIZE[0], ann_json=walker())
    sly_server.reset_requests()

    code, out, err = call(capsys, *NESTED, "--project-id", project_id)

    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "ds0: 3 images, 3 changed, 3 uploaded"
    assert sly_server.request_counts["annotations.bulk.add"] == 1  # one batch, not per image
    for image in sly_server.find_images(dataset_id=dataset_id):
        assert groups_of(sly_server.get_annotation(image["id"])) == EXPECTED


@pytest.mark.parametrize(
    "args, message",
    [
        (["--parents", "person"], "error: --parents needs --children"),
        (["--max-gap", "2", "--children", "head"], "error: --children goes with --parents"),
        (NESTED[1:] + ["--min-overlap", "0"], "error: --min-overlap 0.0: give a share above 0"),
        (NESTED[1:] + ["--across-classes"], "error: --across-classes goes with --max-gap"),
    ],
)
def test_bad_options_are_one_line(tmp_path, capsys, args, message):
    directory = local_project(tmp_path / "project")

    code, out, err = call(capsys, "auto-bind", *args, "--local", directory)

    assert code == 2
    assert err.count("\n") == 1 and err.startswith(message)
    assert local_groups(directory) == {"a.png": [], "b.png": []}


def test_max_gap_and_parents_are_mutually_exclusive(tmp_path, capsys):
    directory = local_project(tmp_path / "project")
    with pytest.raises(SystemExit) as exited:
        main(["auto-bind", "--max-gap", "2", *NESTED[1:], "--local", str(directory)])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_validate_with_a_primary_class(tmp_path, capsys):
    """A person polygon, a hand polygon and two hand boxes: by area the person leads and the
    hand labels are its parts (issue 18: objects of their own); with --primary-class hand the
    hand leads, its polygon beside two boxes of its own."""
    project = sly.Project(str(tmp_path / "project"), sly.OpenMode.CREATE)
    hand_area = sly.ObjClass("hand", sly.AnyGeometry)
    project.set_meta(sly.ProjectMeta([PERSON, HEAD, hand_area]))
    person = polygon(0, 0, 9, 9, PERSON).clone(binding_key="g")
    hand = polygon(2, 2, 4, 4, hand_area).clone(binding_key="g")
    hands = [sly.Label(sly.Rectangle(r, 2, r + 1, 3), hand_area, binding_key="g") for r in (2, 6)]
    ann = sly.Annotation(SIZE, [person, hand, *hands])
    project.create_dataset("ds0").add_item_np("a.png", np.zeros(SIZE + (3,), np.uint8), ann=ann)

    assert call(capsys, "validate", "--local", project.directory)[0] == 0
    code, out, _ = call(capsys, "validate", "--local", project.directory, "--primary-class", "hand")
    assert code == 1
    assert "group 'g' has 2 boxes of its own class (hand)" in out


def test_validate_reports_an_unknown_class_and_still_checks_the_image(tmp_path, capsys):
    """Issue 18: a class the meta lacks is one problem line; the image's other checks run."""
    project = sly.Project(str(tmp_path / "project"), sly.OpenMode.CREATE)
    project.set_meta(META)
    lone = polygon(0, 0, 9, 9, PERSON).clone(binding_key="s")  # a group of one: a problem
    bus = sly.ObjClass("bus", sly.Rectangle)
    ann = sly.Annotation(SIZE, [lone, sly.Label(sly.Rectangle(1, 1, 3, 3), bus)])
    dataset = project.create_dataset("ds0")
    dataset.add_item_np("a.png", np.zeros(SIZE + (3,), np.uint8), ann=ann)  # bus not in META

    code, out, _ = call(capsys, "validate", "--local", project.directory)

    assert code == 1
    lines = out.splitlines()
    assert any("group 's' has only 1 label" in line for line in lines)
    assert any("classes the project meta lacks (bus)" in line for line in lines)
