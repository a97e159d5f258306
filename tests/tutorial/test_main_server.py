"""src/main.py in server mode, over real HTTP: the unmodified sly.Api against the test server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import supervisely as sly

from bindings import binding_groups
from commands import main_captured

REPO_DIR = Path(__file__).resolve().parents[2]
MAIN = REPO_DIR / "src" / "main.py"


def run_main(*args: str, **env: str) -> subprocess.CompletedProcess:
    """main.py in this process, as the script runs it, with ``env`` added to the environment
    (restored after the test by conftest)."""
    os.environ.update(env)
    return main_captured(*args)


def run_main_process(*args: str, **env: str) -> subprocess.CompletedProcess:
    """main.py in a process of its own: for what the SDK logs to the terminal, which it sets up
    as it is imported (LOG_LEVEL), and what reaches the terminal besides our lines."""
    return subprocess.run(
        [sys.executable, str(MAIN), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def preview(tmp_path) -> list[str]:
    """main.py's option that keeps its preview in ``tmp_path``, out of the checkout."""
    return ["--preview", str(tmp_path / "preview.png")]


def server_env(server, **overrides) -> dict:
    env = {
        "SERVER_ADDRESS": server.url,
        "API_TOKEN": server.token,
        "WORKSPACE_ID": str(server.workspace_id),
    }
    return {**env, **overrides}


def partition(ann_json: dict) -> list[list[int]]:
    """The grouping of an annotation as label positions, independent of the key strings."""
    groups: dict[str, list[int]] = {}
    for index, label_json in enumerate(ann_json["objects"]):
        if label_json.get("instance") is not None:
            groups.setdefault(str(label_json["instance"]), []).append(index)
    return sorted(groups.values())


def test_both_parts_over_http(sly_server, tmp_path):
    result = run_main(*preview(tmp_path), **server_env(sly_server))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Target: server {sly_server.url}, workspace 1 (")
    (project,) = sly_server.find_projects()
    (dataset,) = sly_server.find_datasets(project_id=project["id"])
    (image,) = sly_server.find_images(dataset_id=dataset["id"])
    assert (project["name"], dataset["name"], image["name"]) == (
        "tutorial-bindings",
        "dataset-01",
        "image.jpg",
    )
    meta = sly.ProjectMeta.from_json(sly_server.get_meta(project["id"]))
    assert [(c.name, c.geometry_type) for c in meta.obj_classes] == [("car", sly.Bitmap)]

    part1, part2 = sly_server.annotation_versions(image["id"])
    assert [o["classTitle"] for o in part1["objects"]] == ["car"] * 3
    assert [o["geometryType"] for o in part1["objects"]] == ["bitmap"] * 3
    assert partition(part1) == [[0, 1, 2]]
    assert partition(part2) == []
    assert [o["bitmap"] for o in part2["objects"]] == [o["bitmap"] for o in part1["objects"]]

    server_key = part1["objects"][0]["instance"]
    assert f"Group # 1 [key={server_key}] has 3 labels" in result.stdout
    assert f"Image has been successfully uploaded: id={image['id']}" in result.stdout
    assert sly_server.token not in result.stdout + result.stderr


def test_a_second_run_creates_the_next_free_project_name(sly_server, tmp_path):
    for _ in range(2):
        assert run_main(*preview(tmp_path), **server_env(sly_server)).returncode == 0
    assert [p["name"] for p in sly_server.find_projects()] == [
        "tutorial-bindings",
        "tutorial-bindings_001",
    ]


def test_the_local_project_uploads_and_downloads_with_its_groups(sly_server, sly_api, tmp_path):
    """What local mode writes is a real Supervisely project: sly.upload_project takes it."""
    result = run_main("--local", str(tmp_path / "local"), "--only-part-1")
    assert result.returncode == 0, result.stderr
    project_dir = tmp_path / "local" / "tutorial-bindings"
    local = sly.Project(str(project_dir), sly.OpenMode.READ)
    local_ann = local.datasets.get("dataset-01").get_ann("image.jpg", local.meta)

    project_id, project_name = sly.upload_project(
        str(project_dir), sly_api, sly_server.workspace_id, log_progress=False
    )
    sly.download_project(sly_api, project_id, str(tmp_path / "back"), log_progress=False)

    back = sly.Project(str(tmp_path / "back"), sly.OpenMode.READ)
    back_ann = back.datasets.get("dataset-01").get_ann("image.jpg", back.meta)
    assert project_name == "tutorial-bindings"
    for back_label, local_label in zip(back_ann.labels, local_ann.labels, strict=True):
        assert back_label.obj_class.name == local_label.obj_class.name == "car"
        assert back_label.geometry.origin.to_json() == local_label.geometry.origin.to_json()
        assert (back_label.geometry.data == local_label.geometry.data).all()
    assert partition(back_ann.to_json()) == partition(local_ann.to_json()) == [[0, 1, 2]]
    assert binding_groups(back_ann).groups.keys() != binding_groups(local_ann).groups.keys()


def test_log_level_brings_back_the_sdks_own_warnings_and_the_traceback(sly_server, tmp_path):
    result = run_main_process(
        *preview(tmp_path), **server_env(sly_server, API_TOKEN="not-the-token", LOG_LEVEL="DEBUG")
    )

    assert result.returncode == 2
    assert '"status_code": 401' in result.stderr  # the SDK's JSON warning
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: ")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "case, expected_line",
    [
        ("wrong token", "rejected API_TOKEN (401): put a valid token for this server"),
        ("unknown workspace", "workspace 999 does not exist or is not yours: put the ID"),
        ("server not listening", "no usable answer from http://127.0.0.1:"),
    ],
)
def test_a_bad_setup_ends_in_one_line_without_retrying_a_refusal(
    sly_server, tmp_path, case, expected_line
):
    env = {
        "wrong token": server_env(sly_server, API_TOKEN="not-the-token"),
        "unknown workspace": server_env(sly_server, WORKSPACE_ID="999"),
        "server not listening": server_env(
            sly_server, SERVER_ADDRESS=f"http://127.0.0.1:{free_port()}"
        ),
    }[case]

    result = run_main_process(*preview(tmp_path), **env)

    assert result.returncode == 2
    *notes, last_line = result.stderr.splitlines()
    assert last_line.startswith("error: ") and expected_line in last_line
    assert "or pass --local DIR" in last_line  # the way to go on without this server
    # Only the dead server is retried: one plain note, none of the SDK's JSON warnings.
    expected_notes = ["note: no answer from"] if case == "server not listening" else []
    assert [note[: len("note: no answer from")] for note in notes] == expected_notes
    # A refusal is not retried: each API method reached the server once (no wall clock here:
    # the dead server's bounded budget is the settings' default, tested in test_target.py).
    assert all(
        count == 1 for count in sly_server.request_counts.values()
    ), sly_server.request_counts
    assert sly_server.find_projects() == []
    assert sly_server.token not in result.stdout + result.stderr
