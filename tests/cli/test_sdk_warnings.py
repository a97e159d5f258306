"""The SDK's own JSON warnings stay off the terminal at the default log level, as README says;
with LOG_LEVEL set they are there (so the test can see that they were produced)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from commands import checkout_copy

# Warnings the SDK logs on its own during a run, each with how the test server provokes it.
SDK_WARNINGS = [
    pytest.param({"SUPERVISELY_PUBLIC_API_RETRIES": "3"}, "Retrying (1/3)", id="a retried request"),
    pytest.param(
        {"SUPERVISELY_PUBLIC_API_RETRIES": "5"}, "Temporary connection error", id="its words"
    ),
]


@pytest.mark.parametrize("log_level", [None, "INFO"])
@pytest.mark.parametrize("environment, warning", SDK_WARNINGS)
def test_the_sdks_json_warnings_stay_off_the_terminal_by_default(
    sly_server, tmp_path, environment, warning, log_level
):
    sly_server.fail_next(1, status=503, endpoint="workspaces.info")  # makes the SDK check
    checkout = checkout_copy(tmp_path / "checkout")
    env = {
        **os.environ,
        **environment,
        "SERVER_ADDRESS": sly_server.url,
        "API_TOKEN": sly_server.token,
        "WORKSPACE_ID": str(sly_server.workspace_id),
        "SUPERVISELY_PUBLIC_API_RETRY_SLEEP_SEC": "0",
    }
    if log_level:
        env["LOG_LEVEL"] = log_level
    result = subprocess.run(
        [sys.executable, str(checkout / "src" / "main.py"), "--only-part-1"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    shown = result.stdout + result.stderr
    if log_level:
        assert warning in shown
    else:
        assert warning not in shown
        assert not [line for line in shown.splitlines() if line.startswith("{")]
