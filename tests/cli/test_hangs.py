"""A server that accepts the connection and never answers ends like a dead one: every request
has a read timeout, and the SDK's retries are the bounded budget (server/timeouts.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from pathlib import Path
from typing import Iterator, List

import pytest
import requests

from commands import SLY_BINDINGS, checkout_copy
from sly_bindings.server.timeouts import TimeoutSettingError, configured_timeouts, request_timeouts

TLS_HANDSHAKE = 0x16  # the first byte of a TLS ClientHello


class SilentServer:
    """Accepts connections on loopback and never answers an HTTP request (the SDK's one HTTPS
    probe, which has a timeout of its own, is closed at once). ``requests`` counts the HTTP
    requests that arrived."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests = 0
        self.held: List[socket.socket] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed: the test is over
                return
            threading.Thread(target=self.hold, args=(connection,), daemon=True).start()

    def hold(self, connection: socket.socket) -> None:
        first = connection.recv(1, socket.MSG_PEEK)
        if not first or first[0] == TLS_HANDSHAKE:
            connection.close()
            return
        with self.lock:
            self.requests += 1
            self.held.append(connection)  # open, read from by nobody, answered never

    def close(self) -> None:
        self.listener.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def environment(server: SilentServer, retries: int) -> dict:
    return {
        **os.environ,
        "SERVER_ADDRESS": server.address,
        "API_TOKEN": "a-token-the-silent-server-never-checks",
        "WORKSPACE_ID": "1",
        "SUPERVISELY_PUBLIC_API_RETRIES": str(retries),
        "SUPERVISELY_PUBLIC_API_RETRY_SLEEP_SEC": "0",
        "SLY_CONNECT_TIMEOUT_SEC": "2",
        "SLY_READ_TIMEOUT_SEC": "0.2",
    }


# The commands that talk to a server, each with a retry budget.
COMMANDS = [
    pytest.param(["main.py"], 2, id="main.py, 2 tries"),
    pytest.param(["main.py"], 3, id="main.py, 3 tries"),
    pytest.param(SLY_BINDINGS[1:] + ["report", "--project-id", "7"], 2, id="report"),
    pytest.param(SLY_BINDINGS[1:] + ["discard", "--dataset-id", "7"], 3, id="discard"),
]


@pytest.mark.parametrize("command, retries", COMMANDS)
def test_a_server_that_never_answers_ends_like_a_dead_one(
    silent_server, tmp_path, command, retries
):
    checkout = checkout_copy(tmp_path / "checkout")
    if command[0] == "main.py":
        command = [str(checkout / "src" / "main.py")]
    result = subprocess.run(
        [SLY_BINDINGS[0], *command],
        cwd=checkout,
        env=environment(silent_server, retries),
        capture_output=True,
        text=True,
        timeout=120,  # a guard against a hang, not a measure
    )

    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [line for line in result.stderr.splitlines() if not line.startswith("note:")]
    assert len(errors) == 1 and silent_server.address in errors[0], result.stderr
    assert "no usable answer" in errors[0] and "timeouts" in errors[0]
    assert silent_server.requests == retries  # each try waited for its timeout, then gave up


def test_a_request_without_a_timeout_gets_the_configured_one(silent_server, monkeypatch):
    monkeypatch.setenv("SLY_READ_TIMEOUT_SEC", "0.2")
    with request_timeouts() as used:
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.post(silent_server.address + "/public/api/v3/workspaces.info", json={})
    assert used == (10.0, 0.2)
    assert silent_server.requests == 1


@pytest.mark.parametrize(
    "value, right",
    [
        ("0", TimeoutSettingError),
        ("-1", TimeoutSettingError),
        ("nan", TimeoutSettingError),
        ("inf", TimeoutSettingError),
        ("ten", TimeoutSettingError),
        ("2.5", (10.0, 2.5)),
    ],
)
def test_the_read_timeout_setting_is_checked(monkeypatch, value, right):
    monkeypatch.setenv("SLY_READ_TIMEOUT_SEC", value)
    if isinstance(right, tuple):
        assert configured_timeouts() == right
    else:
        with pytest.raises(right, match="SLY_READ_TIMEOUT_SEC"):
            configured_timeouts()


def test_a_bad_timeout_setting_is_one_line(tmp_path):
    checkout = checkout_copy(tmp_path / "checkout")
    env = {**os.environ, "SLY_READ_TIMEOUT_SEC": "soon"}
    result = subprocess.run(
        [SLY_BINDINGS[0], str(checkout / "src" / "main.py"), "--local", str(tmp_path / "out")],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: SLY_READ_TIMEOUT_SEC='soon' must be a number of seconds above 0: fix or unset it"
    ]


# A server that answers, one byte a second: the read timeout (between two bytes) never fires;
# the deadline per request (server/guard.py) ends each try, and the retries end the run.
DRIP_COMMANDS = [
    pytest.param(["main.py"], "workspaces.info", id="main.py"),
    pytest.param(SLY_BINDINGS[1:] + ["report", "--project-id", "7"], "projects.info", id="report"),
    pytest.param(
        SLY_BINDINGS[1:] + ["discard", "--project-id", "7"], "projects.info", id="discard"
    ),
]


@pytest.mark.parametrize("headers", [True, False], ids=["drip in headers", "drip in body"])
@pytest.mark.parametrize("command, endpoint", DRIP_COMMANDS)
def test_a_server_that_drips_ends_within_the_deadline(
    sly_server, tmp_path, command, endpoint, headers
):
    from sly_test_server import faults

    sly_server.misbehave_next(faults.drip(0.5, headers), n=10, endpoint=endpoint)
    checkout = checkout_copy(tmp_path / "checkout")
    if command[0] == "main.py":
        command = [str(checkout / "src" / "main.py"), "--preview", str(tmp_path / "p.png")]
    env = {
        **os.environ,
        "SERVER_ADDRESS": sly_server.url,
        "API_TOKEN": sly_server.token,
        "WORKSPACE_ID": str(sly_server.workspace_id),
        "SUPERVISELY_PUBLIC_API_RETRIES": "2",
        "SUPERVISELY_PUBLIC_API_RETRY_SLEEP_SEC": "0",
        "SLY_REQUEST_DEADLINE_SEC": "1",
    }
    result = subprocess.run(
        [SLY_BINDINGS[0], *command],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # a guard against a hang, not a measure
    )

    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("note:")]
    assert len(lines) == 1 and lines[0].startswith("error: no usable answer"), result.stderr
    assert sly_server.url in lines[0] and endpoint in lines[0] and "deadline of 1 s" in lines[0]
    assert "SLY_REQUEST_DEADLINE_SEC" in lines[0]
    assert sly_server.request_counts[endpoint] == 2  # each try cut at the deadline, then retried
