"""The API token never shows: not in output, not in logs at any level, not in any file written."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from commands import checkout_copy, main_captured


def files_under(*folders: Path) -> dict[Path, float]:
    return {
        path: path.stat().st_mtime
        for folder in folders
        if folder.exists()
        for path in folder.rglob("*")
        if path.is_file()
    }


def run_walkthrough(server, token: str, log_level: str | None, cwd: Path):
    env = {
        **os.environ,
        "SERVER_ADDRESS": server.url,
        "API_TOKEN": token,
        "WORKSPACE_ID": str(server.workspace_id),
    }
    if log_level:
        env["LOG_LEVEL"] = log_level
    return subprocess.run(
        [sys.executable, str(cwd / "src" / "main.py")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("log_level", [None, "DEBUG", "TRACE"])
@pytest.mark.parametrize("outcome", ["success", "rejected token", "server failure"])
def test_the_token_appears_nowhere(sly_server, tmp_path, log_level, outcome):
    token = f"RECOGNISABLE-{uuid.uuid4().hex}"
    if outcome == "success":
        sly_server.token = token
    elif outcome == "server failure":
        sly_server.token = token
        sly_server.fail_next(50, status=500, endpoint="annotations.bulk.add")
    home = Path(os.environ["HOME"])
    checkout = checkout_copy(tmp_path / "checkout")  # its output/ is scanned with the rest
    before = files_under(tmp_path)

    result = run_walkthrough(sly_server, token, log_level, cwd=checkout)

    assert result.returncode == {"success": 0, "rejected token": 2, "server failure": 2}[outcome]
    assert token not in result.stdout
    assert token not in result.stderr
    if log_level == "DEBUG" and outcome != "success":
        assert "Traceback" in result.stderr  # the debug output really was produced
    after = files_under(tmp_path, home)
    written = [path for path, mtime in after.items() if before.get(path) != mtime]
    for path in written:
        assert token.encode() not in path.read_bytes(), path


# Tokens the HTTP library cannot send as a header; the line to expect names the problem.
UNSENDABLE_TOKENS = [
    pytest.param("RECOGNISABLE-first\nRECOGNISABLE-second", "a newline", id="newline"),
    pytest.param("RECOGNISABLE-\tpart-two-of-it", "a tab", id="tab"),
    pytest.param("RECOGNISABLE-\x07bell-in-it", "a control character", id="control"),
    pytest.param("RECOGNISABLE-\u20ac-euro-sign", "a character outside Latin-1", id="not latin-1"),
    pytest.param("RECOGNISABLE-carriage\rreturn", "a carriage return", id="carriage return"),
]


@pytest.mark.parametrize("token, problem", UNSENDABLE_TOKENS)
def test_a_token_that_cannot_be_a_header_is_refused_before_any_request(
    sly_server, tmp_path, token, problem
):
    # Refused before any request and before the SDK logs anything: in this process.
    os.environ.update(
        SERVER_ADDRESS=sly_server.url, API_TOKEN=token, WORKSPACE_ID=str(sly_server.workspace_id)
    )
    result = main_captured("--preview", tmp_path / "preview.png")

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: API_TOKEN (in the environment) contains {problem}")
    assert lines[0].endswith(
        "copy the token again, on one line and without quotes split over lines"
    )
    assert "RECOGNISABLE" not in result.stdout + result.stderr
    assert sum(sly_server.request_counts.values()) == 0


def test_a_token_split_over_two_lines_in_supervisely_env_is_refused(sly_server, tmp_path):
    home = Path(os.environ["HOME"])
    (home / "supervisely.env").write_text(
        f'SERVER_ADDRESS={sly_server.url}\nAPI_TOKEN="RECOGNISABLE-one\nRECOGNISABLE-two"\n'
    )
    os.environ.pop("SERVER_ADDRESS", None)
    os.environ.pop("API_TOKEN", None)
    os.environ["WORKSPACE_ID"] = str(sly_server.workspace_id)

    result = main_captured("--preview", tmp_path / "preview.png")

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: API_TOKEN (in ~/supervisely.env) contains a newline: copy the token again, on "
        "one line and without quotes split over lines"
    ]
    assert "RECOGNISABLE" not in result.stdout


# Tokens whose escaped forms differ from the plain one: the server echoes all of them.
ECHOED_TOKENS = [
    pytest.param("RECOGNISABLE-plain-0123456789", id="plain"),
    pytest.param("RECOGNISABLE/with+url&chars=and?more", id="url-encoded differs"),
    pytest.param('RECOGNISABLE"quote\\backslash', id="json and repr escaped differ"),
    pytest.param("RECOGNISABLE-ÿé-latin-1", id="latin-1 escaped differs"),
]


@pytest.mark.parametrize("log_level", [None, "DEBUG"])
@pytest.mark.parametrize("token", ECHOED_TOKENS)
def test_a_server_error_body_that_echoes_the_token_is_redacted(
    sly_server, tmp_path, token, log_level
):
    sly_server.token = token
    sly_server.echo_token_in_errors = True
    sly_server.fail_next(50, status=500, endpoint="annotations.bulk.add")
    sly_server.fail_next(1, status=400, endpoint="projects.meta.update")
    checkout = checkout_copy(tmp_path / "checkout")
    before = files_under(tmp_path)

    result = run_walkthrough(sly_server, token, log_level, cwd=checkout)

    assert result.returncode != 0
    shown = result.stdout + result.stderr
    assert "Planned failure" in shown  # the error body really reached the output
    assert "RECOGNISABLE" not in shown
    after = files_under(tmp_path, Path(os.environ["HOME"]))
    for path in (path for path, mtime in after.items() if before.get(path) != mtime):
        assert b"RECOGNISABLE" not in path.read_bytes(), path
