"""Issue 21: what ``convert`` reports as written is each writer's own account
(``formats.written.Written``), and it equals what reading OUT back counts, over every target of
the registry, on the test projects; ``--verify`` reads back and refuses an account that is off."""

from __future__ import annotations

from pathlib import Path

import pytest

import bound_projects
from commands import convert_in_process
from format_samples import make_nested_project, make_sample_project
from registry_tables import TARGETS, declared, read, write
from sly_bindings.cli.convert import count
from sly_bindings.formats.registry import find
from sly_bindings.formats.written import Written

PROJECTS = {
    "sample": make_sample_project,  # polygons, boxes, groups of one and of several classes
    "nested": make_nested_project,  # nested datasets, no group
    "bound": bound_projects.write_local_project,  # mask groups, a group of one, mixed groups
}


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("projects")
    return {name: make(folder / name) for name, make in PROJECTS.items()}


@pytest.mark.filterwarnings("ignore::UserWarning")  # what a target cannot hold, said
@pytest.mark.parametrize("project", PROJECTS)
@pytest.mark.parametrize("target", TARGETS)
def test_the_account_is_what_reading_back_counts(projects, tmp_path, target, project):
    source = projects[project]
    out = tmp_path / "out"
    account = find(target).write_items(read("supervisely", source), out, _options(source))

    assert isinstance(account, Written)
    found = count((item.source, item.ann) for item in read(target, out))
    assert account.counts() == tuple(found)
    assert account.images == len(read("supervisely", source))
    assert account.left_out == 0  # every label of these projects has a shape in every target


def test_a_label_with_no_shape_is_left_out_and_said(tmp_path, capsys):
    # A point has no CVAT shape here: written as nothing, counted as left out.
    import numpy as np
    import supervisely as sly

    project = sly.Project(str(tmp_path / "p"), sly.OpenMode.CREATE)
    point, box = sly.ObjClass("tip", sly.Point), sly.ObjClass("car", sly.Rectangle)
    project.set_meta(sly.ProjectMeta([point, box]))
    ann = sly.Annotation(
        (8, 8), [sly.Label(sly.Point(1, 1), point), sly.Label(sly.Rectangle(0, 0, 3, 3), box)]
    )
    project.create_dataset("ds").add_item_np("a.png", np.zeros((8, 8, 3), np.uint8), ann=ann)

    assert convert_in_process("supervisely", "cvat", tmp_path / "p", tmp_path / "out") == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"Written cvat {tmp_path / 'out'}: 1 image, 1 label, 0 groups (1 left out)"


@pytest.mark.parametrize("target", TARGETS)
def test_verify_passes_when_the_account_is_right(projects, tmp_path, capsys, target):
    out = tmp_path / "out"
    code = convert_in_process("supervisely", target, projects["sample"], out, "--verify")

    assert code == 0, capsys.readouterr().err
    assert out.is_dir()


def test_verify_refuses_an_account_that_is_off_and_publishes_nothing(
    projects, tmp_path, capsys, monkeypatch
):
    cvat = find("cvat").load()
    real = cvat.write_items
    monkeypatch.setattr(
        cvat, "write_items", lambda *a, **k: real(*a, **k)._replace(groups=0)
    )  # a writer that miscounts its groups

    out = tmp_path / "out"
    code = convert_in_process("supervisely", "cvat", projects["sample"], out, "--verify")

    error = capsys.readouterr().err
    assert code != 0
    assert error.strip().splitlines()[-1] == (
        f"error: --verify: {out} reads back as 2 images, 10 labels, 3 groups where the cvat "
        "writer wrote 2 images, 10 labels, 0 groups: OUT is not written (a fault of the cvat "
        "writer: please report it)"
    )
    assert not out.exists()


def test_without_verify_out_is_not_read_back(projects, tmp_path, capsys, monkeypatch):
    cvat = find("cvat").load()
    monkeypatch.setattr(
        cvat, "read_items", lambda *a, **k: pytest.fail("OUT was read back without --verify")
    )

    code = convert_in_process("supervisely", "cvat", projects["sample"], tmp_path / "out")

    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("2 images, 10 labels, 3 groups")


def _options(source: Path):
    from sly_bindings.formats.registry import WriteOptions

    return WriteOptions(classes=tuple(declared("supervisely", source)))
