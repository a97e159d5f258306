"""sly-bindings report, discard and auto-bind, as a user runs them, on the test server and on a local project.

The end-to-end runs are subprocesses (the server answers from a thread of this process); the
many small cases call ``main()`` through ``cli.run`` in this process, which goes through the
same code in a fraction of the time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, List, NamedTuple

import pytest

from bound_projects import (
    CHANGED_BY,
    GROUPS_AFTER,
    fail_uploads_after_the_first,
    local_groups,
    seed_server_project,
    server_groups,
    write_local_project,
)
from commands import sly_bindings_captured
from sly_bindings.cli.main import USER_ERRORS, main
from sly_bindings.cli.runner import run

COUNTS_PER_DATASET = {
    "images": 4,
    "labels": 12,
    "bound_labels": 9,
    "groups": 5,
    "singleton_groups": 1,
    "mixed_class_groups": 1,
    "parts": 1,  # odd.png: the person bound to the car is a part, an object of its own
}
COMMANDS = {
    "discard": ["discard"],
    "discard car": ["discard", "--classes", "car"],
    "auto-bind across": ["auto-bind", "--max-gap", "2", "--across-classes"],
    "auto-bind regroup": ["auto-bind", "--max-gap", "2", "--regroup"],
}


class Target(NamedTuple):
    options: List[str]  # --project-id N or --local DIR
    groups: Callable[[], dict]  # dataset -> image -> grouping, as stored now
    saved: str  # the word for what a run does to a changed annotation


@pytest.fixture
def on_server(sly_server, monkeypatch) -> Target:
    """The bound project on the test server, and the settings to reach it."""
    for name, value in server_settings(sly_server).items():
        monkeypatch.setenv(name, value)
    project_id = seed_server_project(sly_server)
    sly_server.reset_requests()
    return Target(
        ["--project-id", str(project_id)],
        lambda: server_groups(sly_server, project_id),
        "uploaded",
    )


@pytest.fixture
def in_folder(tmp_path) -> Target:
    """The bound project as a local project folder."""
    directory = write_local_project(tmp_path / "project")
    return Target(["--local", str(directory)], lambda: local_groups(directory), "written")


@pytest.fixture(params=["on_server", "in_folder"])
def target(request) -> Target:
    return request.getfixturevalue(request.param)


def server_settings(server) -> dict:
    return {
        "SERVER_ADDRESS": server.url,
        "API_TOKEN": server.token,
        "SUPERVISELY_PUBLIC_API_RETRIES": "2",
        "SUPERVISELY_PUBLIC_API_RETRY_SLEEP_SEC": "0",
    }


def call(capsys, *args: str) -> tuple:
    """(exit code, stdout, stderr) of ``sly-bindings args`` run in this process."""
    code = run(lambda: main(list(args)), USER_ERRORS)
    out, err = capsys.readouterr()
    return code, out, err


def run_script(*args: str) -> subprocess.CompletedProcess:
    """``sly-bindings ARGS`` end to end, in this process (its exit code, stdout and stderr)."""
    return sly_bindings_captured(*args)


def snapshot(directory: Path) -> dict:
    """Every file of the folder with its content and modification time."""
    return {
        path: (path.read_bytes(), path.stat().st_mtime_ns)
        for path in directory.rglob("*")
        if path.is_file()
    }


# end to end, as the console script runs


def test_server_dry_run_then_discard_then_nothing_left(sly_server, on_server):
    dry = run_script("discard", *on_server.options, "--dry-run")

    assert dry.returncode == 0, dry.stderr
    assert "annotations.bulk.add" not in sly_server.request_counts
    assert dry.stdout.splitlines()[1:] == [
        "ds0: 4 images, 3 would change (bound.png, persons.png, odd.png)",
        "ds1: 4 images, 3 would change (bound.png, persons.png, odd.png)",
        "total: 8 images, 6 would change",
        "Dry run: nothing was uploaded.",
    ]
    assert on_server.groups() == {"ds0": GROUPS_AFTER["none"], "ds1": GROUPS_AFTER["none"]}

    done = run_script("discard", *on_server.options)
    again = run_script("discard", *on_server.options)

    assert done.returncode == again.returncode == 0, done.stderr + again.stderr
    assert done.stderr == ""  # no progress bars when stderr is not a terminal
    assert done.stdout.startswith(f"Target: server {sly_server.url}, project 'bound' (id ")
    assert done.stdout.splitlines()[-1] == "total: 8 images, 6 changed, 6 uploaded"
    assert again.stdout.splitlines()[-1] == "total: 8 images, 0 changed, 0 uploaded"
    assert on_server.groups() == {"ds0": GROUPS_AFTER["discard"], "ds1": GROUPS_AFTER["discard"]}


def test_local_dry_run_touches_no_file_then_discard_writes(tmp_path):
    directory = write_local_project(tmp_path / "project")
    before = snapshot(directory)

    dry = run_script("discard", "--local", str(directory), "--dry-run", "--classes", "car")

    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[-2:] == [
        "total: 8 images, 4 would change",
        "Dry run: nothing was written.",
    ]
    assert snapshot(directory) == before

    done = run_script("discard", "--local", str(directory), "--classes", "car")

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "total: 8 images, 4 changed, 4 written"
    expected = GROUPS_AFTER["discard car"]
    assert local_groups(directory) == {"ds0": expected, "ds1": expected}


def test_a_server_failure_half_way_stops_with_one_line_and_a_rerun_finishes(
    sly_server, monkeypatch
):
    for name, value in server_settings(sly_server).items():
        monkeypatch.setenv(name, value)
    project_id = seed_server_project(sly_server, copies=30)  # 90 changes per dataset
    stop_failing = fail_uploads_after_the_first(sly_server, monkeypatch)

    stopped = run_script("discard", "--project-id", str(project_id))

    assert stopped.returncode == 2
    line = stopped.stderr.splitlines()[-1]
    assert line.startswith(f"error: no usable answer from {sly_server.url} after all retries")
    assert line.endswith("were saved: run the same command again to finish")
    assert sly_server.token not in stopped.stdout + stopped.stderr
    saved = int(line.split("images: ")[1].split(" of the ")[0])
    unbound = [
        g for d in server_groups(sly_server, project_id).values() for g in d.values() if g == []
    ]
    assert len(unbound) == 2 * 30 + saved  # the plain images, and exactly those said saved

    stop_failing()
    rerun = run_script("discard", "--project-id", str(project_id))

    assert rerun.returncode == 0, rerun.stderr
    left = 180 - saved
    assert rerun.stdout.splitlines()[-1] == f"total: 240 images, {left} changed, {left} uploaded"
    groups = server_groups(sly_server, project_id)
    assert all(g == [] for dataset in groups.values() for g in dataset.values())


# each command, in this process


@pytest.mark.parametrize("command", list(COMMANDS))
def test_edit_commands(target, capsys, command):
    code, out, err = call(capsys, *COMMANDS[command], *target.options)

    changed = CHANGED_BY[command]
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == [
        f"ds0: 4 images, {changed} changed, {changed} {target.saved}",
        f"ds1: 4 images, {changed} changed, {changed} {target.saved}",
        f"total: 8 images, {2 * changed} changed, {2 * changed} {target.saved}",
    ]
    assert target.groups() == {"ds0": GROUPS_AFTER[command], "ds1": GROUPS_AFTER[command]}


def test_only_the_changed_annotations_are_uploaded(sly_server, on_server, capsys):
    call(capsys, *COMMANDS["auto-bind regroup"], *on_server.options)

    # bound.png and persons.png got new keys that group as the old ones did: odd.png alone goes
    assert sly_server.request_counts["annotations.bulk.add"] == 2  # one per dataset
    changed = {
        image["name"]
        for image in sly_server.find_images()
        if len(sly_server.annotation_versions(image["id"])) > 1
    }
    assert changed == {"odd.png"}


@pytest.mark.parametrize(
    "classes, expected",
    [
        ([], COUNTS_PER_DATASET),
        # persons: 6 labels, 5 bound, in the groups p of bound.png and persons.png, m of odd.png
        (
            ["--classes", "person"],
            dict(COUNTS_PER_DATASET, labels=6, bound_labels=5, groups=3, singleton_groups=0),
        ),
    ],
)
def test_report_as_json(target, capsys, classes, expected):
    code, out, _ = call(capsys, "report", *target.options, "--json", *classes)

    assert code == 0
    report = json.loads(out)
    assert report["datasets"] == [{"dataset": "ds0", **expected}, {"dataset": "ds1", **expected}]
    assert report["total"] == {name: 2 * count for name, count in expected.items()}


def test_report_as_a_table(on_server, capsys):
    code, out, _ = call(capsys, "report", *on_server.options)

    assert code == 0
    assert out.splitlines()[1:] == [
        "dataset  images  labels  bound labels  groups  groups of one  mixed classes  parts",
        "ds0           4      12             9       5              1              1      1",
        "ds1           4      12             9       5              1              1      1",
        "total         8      24            18      10              2              2      2",
    ]


def test_one_dataset_by_id(sly_server, on_server, capsys):
    (dataset,) = sly_server.find_datasets(name="ds1")

    code, out, _ = call(capsys, "discard", "--dataset-id", str(dataset["id"]))

    assert code == 0
    assert out.splitlines()[1:] == ["ds1: 4 images, 3 changed, 3 uploaded"]
    assert on_server.groups() == {"ds0": GROUPS_AFTER["none"], "ds1": GROUPS_AFTER["discard"]}


@pytest.mark.parametrize(
    "args, message",
    [
        (["discard", "--classes", "bus"],
         "error: --classes bus: the project has no class 'bus'; its classes are car, person"),
        (["discard", "--classes", "car", "person", "car"],
         "error: --classes names 'car' twice: name each class once"),
        (["auto-bind", "--max-gap", "-1"],
         "error: --max-gap -1.0: give a number of pixels from 0 to 1048576 (2^20, the largest coordinate an image has)"),
        (["auto-bind", "--max-gap", "nan"],
         "error: --max-gap nan: give a number of pixels from 0 to 1048576 (2^20, the largest coordinate an image has)"),
        (["auto-bind", "--max-gap", "inf"],
         "error: --max-gap inf: give a number of pixels from 0 to 1048576 (2^20, the largest coordinate an image has)"),
        (["report", "--project-id", "999"],
         "error: project 999 does not exist or is not yours: copy the ID from the project's"),
        (["report", "--dataset-id", "999"],
         "error: dataset 999 does not exist or is not yours: copy the ID from the dataset's"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_changes_nothing(sly_server, on_server, capsys, args, message):
    if "--project-id" not in args and "--dataset-id" not in args:
        args = args + on_server.options

    code, out, err = call(capsys, *args)

    assert code == 2
    assert err.count("\n") == 1 and err.startswith(message)
    assert "annotations.bulk.add" not in sly_server.request_counts
    assert on_server.groups()["ds0"] == GROUPS_AFTER["none"]


@pytest.mark.parametrize("command", [["discard"], ["auto-bind", "--max-gap", "2"]])
def test_dry_run_is_an_option_of_the_edits_only(in_folder, capsys, command):
    code, out, _ = call(capsys, *command, *in_folder.options, "--dry-run")
    assert code == 0 and out.splitlines()[-1] == "Dry run: nothing was written."

    with pytest.raises(SystemExit) as stopped:
        main(["report", *in_folder.options, "--dry-run"])

    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: unrecognized arguments: --dry-run (see")


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def ann_file(project: Path) -> Path:
    return project / "ds0" / "ann" / "bound.png.json"


# what each case does to a copy of the bound project; then the error line, after "error: "
BROKEN_FOLDERS = {
    # the folder is not a project
    "empty folder": (
        lambda project: [path.unlink() for path in project.rglob("*") if path.is_file()],
        "{project} is not a Supervisely project (no meta.json): pass the folder that holds",
    ),
    "no such folder": (
        lambda project: None,
        "{project}/missing does not exist: pass a Supervisely project folder",
    ),
    "a file": (lambda project: None, "{project}/meta.json is a file: pass a Supervisely project"),
    "meta.json not JSON": (
        lambda project: write_bytes(project / "meta.json", b"{"),
        "{project}/meta.json: not valid JSON (",
    ),
    # the SDK would skip a dataset, or say "Project is empty"
    "an image without annotation": (
        lambda project: ann_file(project).unlink(),
        "{project}/ds0: Item 'bound.png' in dataset 'ds0' does not have a corresponding",
    ),
    "no dataset": (
        lambda project: [shutil.rmtree(project / name) for name in ("ds0", "ds1")],
        "{project} holds no images: add a dataset folder with img/ and ann/",
    ),
    "a stray folder with ann/ only": (
        lambda project: (project / "notes" / "ann").mkdir(parents=True),
        "{project}/notes: Item directory not found",
    ),
    "a stray folder": (
        lambda project: write_bytes(project / "notes" / "todo.txt", b"check ds1"),
        "{project}/notes: not a dataset",
    ),
    # one annotation file is bad: that image is left out, the others are done
    "an annotation not UTF-8": (
        lambda project: write_bytes(ann_file(project), b"\xff\xfe{}"),
        "1 image was left out, the first (dataset ds0): {ann}: not UTF-8 text (byte 0): fix",
    ),
    "an annotation cut short": (
        lambda project: write_bytes(ann_file(project), ann_file(project).read_bytes()[:50]),
        "1 image was left out, the first (dataset ds0): {ann}: not valid JSON (",
    ),
    "an empty annotation file": (
        lambda project: write_bytes(ann_file(project), b""),
        "1 image was left out, the first (dataset ds0): {ann}: not valid JSON (Expecting value",
    ),
    "a class the meta lacks": (
        lambda project: write_bytes(
            ann_file(project), ann_file(project).read_bytes().replace(b'"person"', b'"bus"')
        ),
        "1 image was left out, the first (dataset ds0): {ann}: label 2 has class 'bus', which "
        "the project meta does not have: add the class to the project, or delete the label",
    ),
}
FOLDER_ARGUMENT = {"no such folder": "{project}/missing", "a file": "{project}/meta.json"}


@pytest.mark.parametrize("command", [["report"], ["discard"]])
@pytest.mark.parametrize("case", list(BROKEN_FOLDERS))
def test_a_broken_folder_or_file_is_one_line_naming_it(tmp_path, capsys, case, command):
    project = write_local_project(tmp_path / "project")
    break_it, message = BROKEN_FOLDERS[case]
    break_it(project)
    folder = FOLDER_ARGUMENT.get(case, "{project}").format(project=project)

    code, out, err = call(capsys, *command, "--local", folder)

    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("error: " + message.format(project=project, ann=ann_file(project)))
    if "left out" in message and command == ["discard"]:  # the rest is done: 6 - bound.png
        assert out.splitlines()[-1].startswith("total: 8 images, 5 changed, 5 written, 1 skipped")


def test_a_broken_folder_is_one_line_from_a_subprocess_too(tmp_path):
    """Out of process, where nothing catches the SDK's own log lines: still one line."""
    project = write_local_project(tmp_path / "project")
    ann_file(project).unlink()

    result = run_script("report", "--local", str(project))

    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {project}/ds0: Item 'bound.png' in dataset 'ds0'")
    assert result.stderr.count("\n") == 1


def test_an_image_the_sdk_cannot_read_on_the_server_is_left_out_and_named(
    sly_server, on_server, capsys
):
    (ds1,) = sly_server.find_datasets(name="ds1")
    (odd,) = sly_server.find_images(name="odd.png", dataset_id=ds1["id"])
    broken = sly_server.get_annotation(odd["id"])
    del broken["objects"][0]["geometryType"]
    sly_server.seed_annotation(odd["id"], broken, pixel_coords=False)

    code, out, err = call(capsys, "discard", *on_server.options)

    assert code == 2
    assert err == (
        "error: 1 image was left out, the first (dataset ds1): odd.png: the SDK cannot convert "
        "the annotation the server holds (KeyError: 'geometryType'): fix or delete its "
        "malformed labels in the labeling tool; the rest is done: fix that and run the same "
        "command again\n"
    )
    assert out.splitlines()[1:3] == [
        "ds0: 4 images, 3 changed, 3 uploaded",
        "ds1: 4 images, 2 changed, 2 uploaded, 1 skipped (odd.png: the SDK cannot convert the "
        "annotation the server holds (KeyError: 'geometryType'): fix or delete its malformed "
        "labels in the labeling tool)",
    ]
    groups = on_server.groups()
    assert groups["ds0"] == GROUPS_AFTER["discard"]
    assert {name: g for name, g in groups["ds1"].items() if name != "odd.png"} == {
        "bound.png": [],
        "plain.png": [],
        "persons.png": [],
    }


@pytest.mark.parametrize(
    "status, code, retry",
    [
        # the server refuses the upload: running again would meet the same answer
        (400, 1, False),
        (404, 1, False),
        # the server is down beyond the retries: running again may finish
        (503, 2, True),
    ],
)
def test_a_stopped_run_keeps_the_exit_code_of_its_cause(
    sly_server, on_server, capsys, status, code, retry
):
    sly_server.fail_next(100, status, "annotations.bulk.add")

    exit_code, _, err = call(capsys, "discard", *on_server.options)

    line = err.splitlines()[-1]
    assert exit_code == code
    if status < 500:
        assert line.startswith(f"error: {sly_server.url} refused annotations.bulk.add ({status}): ")
    else:
        assert line.startswith(f"error: no usable answer from {sly_server.url} after all retries")
    assert line.endswith(
        "stopped after 8 images: 0 of the 6 changed annotations found so far were saved"
        + (": run the same command again to finish" if retry else "")
    )
    assert on_server.groups()["ds0"] == GROUPS_AFTER["none"]


def test_a_server_target_without_credentials_says_what_to_set(capsys):
    code, _, err = call(capsys, "discard", "--project-id", "1")

    assert code == 2
    assert err.startswith("error: --project-id needs SERVER_ADDRESS and API_TOKEN: put them in")


def test_nested_datasets_are_included_under_their_path(sly_server, on_server, capsys):
    project_id = int(on_server.options[1])
    (parent,) = sly_server.find_datasets(project_id=project_id, name="ds1")
    child = sly_server.seed_dataset(project_id, "cars", parent_id=parent["id"])
    sly_server.seed_image(child, "lonely.png", 8, 8)

    code, out, _ = call(capsys, "report", *on_server.options, "--json")

    assert code == 0
    rows = {row["dataset"]: row["images"] for row in json.loads(out)["datasets"]}
    assert rows == {"ds0": 4, "ds1": 4, "ds1/cars": 1}


def project_with_a_hand_edited_key(folder: Path) -> tuple:
    """A local project whose first annotation file has a key that is an object; and that file."""
    directory = write_local_project(folder)
    dataset_dir = sorted(p for p in directory.iterdir() if p.is_dir())[0]
    ann_path = sorted((dataset_dir / "ann").iterdir())[0]
    ann_json = json.loads(ann_path.read_text())
    ann_json["objects"][0]["instance"] = {"id": 5}
    ann_path.write_text(json.dumps(ann_json))
    return directory, ann_path


@pytest.mark.parametrize("command", [["report"], ["auto-bind", "--max-gap", "2"]])
def test_a_hand_edited_key_leaves_that_image_out_and_ends_in_one_line(tmp_path, capsys, command):
    """A binding key that is neither a string nor a number: every other image is still done."""
    directory, ann_path = project_with_a_hand_edited_key(tmp_path / "project")
    before = ann_path.read_text()

    code, out, err = call(capsys, *command, "--local", str(directory))

    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith(
        f"error: 1 image was left out, the first (dataset {ann_path.parent.parent.name}): "
        f"{ann_path}: binding key "
    )
    assert err.endswith(
        "is a dict: a key must be a string (or an integer, as a server answers it)"
        "; the rest is done: fix that and run the same command again\n"
    )
    assert ann_path.read_text() == before  # the bad file is left as it was


def test_discard_drops_a_hand_edited_key_with_the_others(tmp_path, capsys):
    """Discarding needs no key to be valid: a malformed one goes like every other."""
    directory, ann_path = project_with_a_hand_edited_key(tmp_path / "project")

    code, out, err = call(capsys, "discard", "--local", str(directory))

    assert (code, err) == (0, "")
    assert "instance" not in json.loads(ann_path.read_text())["objects"][0]
    groups = local_groups(directory)
    assert all(group == [] for images in groups.values() for group in images.values())


# Answers the SDK retries until it gives up, and the words of the line that ends the run.
RETRIED_FAILURES = [
    pytest.param(429, "kept limiting the rate of requests (429 Too Many Requests)", id="429"),
    pytest.param(503, "no usable answer from", id="503"),
    pytest.param(502, "no usable answer from", id="502"),
    pytest.param(408, "no usable answer from", id="408"),
]


@pytest.mark.parametrize("status, words", RETRIED_FAILURES)
def test_a_stopped_run_names_rate_limiting_apart_from_no_answer(
    sly_server, monkeypatch, status, words
):
    for name, value in server_settings(sly_server).items():
        monkeypatch.setenv(name, value)
    project_id = seed_server_project(sly_server)
    sly_server.fail_next(1000, status, "annotations.bulk.add")

    stopped = run_script("discard", "--project-id", str(project_id))

    assert stopped.returncode == 2
    errors = [line for line in stopped.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and words in errors[0], stopped.stderr
    assert errors[0].endswith("were saved: run the same command again to finish")
