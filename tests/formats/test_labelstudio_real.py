"""The real Label Studio reads what we write and exports what we read (opt-in).

Label Studio cannot share the SDK's pins, so it lives in its own venv, named by the variable::

    python3 -m venv /tmp/ls-venv && /tmp/ls-venv/bin/pip install label-studio==1.23.2
    SLY_BINDINGS_LABEL_STUDIO_PYTHON=/tmp/ls-venv/bin/python \\
        .venv/bin/python -m pytest tests/formats/test_labelstudio_real.py -q

The test starts Label Studio on 127.0.0.1 with a temporary data folder (its user and API token
from its environment variables), creates a project with our labeling config, imports our
``tasks.json`` through its API, exports the project with its own JSON exporter, and reads that
export back to the same groups.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest
import supervisely as sly

from bound_projects import local_groups, write_local_project
from sly_bindings.formats import labelstudio
from sly_bindings.formats.registry import WriteOptions
from sly_bindings.formats.items import items_to_project, project_items

LS_PYTHON = os.environ.get("SLY_BINDINGS_LABEL_STUDIO_PYTHON")
pytestmark = pytest.mark.skipif(
    not LS_PYTHON, reason="SLY_BINDINGS_LABEL_STUDIO_PYTHON names no Label Studio venv python"
)
TOKEN = "0123456789abcdef0123456789abcdef01234567"  # a throwaway token of a throwaway server
START_TIMEOUT = 600  # seconds: the first start migrates a new database
REQUEST_TIMEOUT = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(base: str, method: str, path: str, body=None) -> bytes:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Token {TOKEN}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as answer:
        return answer.read()


def _export(base: str, project_id: int, with_predictions: bool) -> bytes:
    """The project as Label Studio's JSON exporter writes it: the quick export (*Export* ->
    JSON), or, for predictions, a snapshot export whose predictions are whole (the quick one
    lists their ids only)."""
    if not with_predictions:
        return _request(base, "GET", f"/api/projects/{project_id}/export?exportType=JSON")
    options = {
        "title": "with predictions",
        "serialization_options": {"predictions": {"only_id": False}},
        "task_filter_options": {"only_with_annotations": False},
    }
    export = json.loads(_request(base, "POST", f"/api/projects/{project_id}/exports/", options))
    deadline = time.monotonic() + REQUEST_TIMEOUT
    while export.get("status") != "completed":
        assert export.get("status") != "failed", export
        assert time.monotonic() < deadline, f"the export did not complete: {export}"
        time.sleep(1)
        export = json.loads(
            _request(base, "GET", f"/api/projects/{project_id}/exports/{export['id']}")
        )
    path = f"/api/projects/{project_id}/exports/{export['id']}/download?exportType=JSON"
    return _request(base, "GET", path)


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory):
    """The base address of a Label Studio started for these tests, and its document root."""
    folder = tmp_path_factory.mktemp("label-studio")
    root = folder / "files"
    root.mkdir()
    port = _free_port()
    env = {
        **os.environ,
        "LABEL_STUDIO_BASE_DATA_DIR": str(folder / "data"),
        "LABEL_STUDIO_USERNAME": "test@example.com",
        "LABEL_STUDIO_PASSWORD": "test-password-1",
        "LABEL_STUDIO_USER_TOKEN": TOKEN,
        "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED": "true",
        "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT": str(root),
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",  # the user token set above: "Token ..."
        # No error reports or analytics leave the machine (and Label Studio 1.23.2's Sentry
        # call fails with the sentry-sdk 3 that pip resolves for it).
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
        "COLLECT_ANALYTICS": "false",
    }
    command = [
        str(Path(LS_PYTHON).parent / "label-studio"),
        "start",
        "--no-browser",
        "--internal-host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    log = open(folder / "label-studio.log", "wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"Label Studio ended ({process.returncode}); see {log.name}")
            try:
                _request(base, "GET", "/api/version")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"Label Studio did not answer in {START_TIMEOUT} s; see {log.name}")
                time.sleep(2)
        yield SimpleNamespace(base=base, root=root, log=Path(log.name))
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        log.close()


@pytest.mark.parametrize("as_predictions", [False, True], ids=["annotations", "predictions"])
def test_label_studio_imports_our_json_and_exports_the_same_groups(
    label_studio, tmp_path, as_predictions
):
    project_dir = write_local_project(tmp_path / "project")
    field = "predictions" if as_predictions else "annotations"
    out = label_studio.root / field
    extra = {"as_predictions": as_predictions, "document_root": label_studio.root}
    labelstudio.write_items(
        project_items(str(project_dir)),
        out,
        WriteOptions(extra=extra),
    )
    config = (out / labelstudio.CONFIG_FILE).read_text(encoding="utf-8")
    tasks = json.loads((out / labelstudio.TASKS_FILE).read_text(encoding="utf-8"))

    project = json.loads(
        _request(
            label_studio.base, "POST", "/api/projects", {"title": "bound", "label_config": config}
        )
    )
    imported = json.loads(
        _request(label_studio.base, "POST", f"/api/projects/{project['id']}/import", tasks)
    )
    assert imported["task_count"] == len(tasks)
    assert imported[field[:-1] + "_count"] == len(tasks)
    exported = _export(label_studio.base, project["id"], as_predictions)
    export_path = label_studio.root / f"export-{field}.json"
    export_path.write_bytes(exported)

    relations_written = sum(
        result["type"] == "relation" for task in tasks for result in task[field][0]["result"]
    )
    relations_exported = sum(
        result["type"] == "relation"
        for task in json.loads(exported)
        for result in task[field][0]["result"]
    )
    assert relations_exported == relations_written
    with warnings.catch_warnings():
        warnings.simplefilter("error", labelstudio.LabelStudioWarning)
        items = list(labelstudio.read_items(export_path))
    items_to_project(items, str(tmp_path / "back"), labelstudio.InvalidLabelStudioError, "none")
    assert local_groups(tmp_path / "back") == local_groups(project_dir)
    # Every geometry too: the brush masks pixel for pixel, the boxes by the one box rule.
    before = sly.Project(str(project_dir), sly.OpenMode.READ)
    after = sly.Project(str(tmp_path / "back"), sly.OpenMode.READ)
    for dataset in before.datasets:
        for name in dataset.get_items_names():
            old = dataset.get_ann(name, before.meta)
            new = after.datasets.get(dataset.name).get_ann(name, after.meta)
            assert [label.geometry.to_json() for label in new.labels] == [
                label.geometry.to_json() for label in old.labels
            ]
