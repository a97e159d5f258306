"""The API token never shows: not in output, not in logs at any level, not in any file written."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from commands import checkout_copy


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
