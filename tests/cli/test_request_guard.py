"""The request guard (server/guard.py) and the redaction (cli/runner.py) as units: the redirect
policy over schemes, hosts and ports (https included, which the test server does not speak),
Retry-After caps, and a redaction that never raises whatever a log record holds."""

from __future__ import annotations

import io
import logging
import sys

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from sly_bindings.cli.runner import (
    RedactingFilter,
    UserError,
    check_log_level,
    interrupted_while_loading,
    redact,
)
from sly_bindings.server.guard import (
    DeadlineExceeded,
    RedirectRefused,
    capped_retry_after,
    guarded_requests,
    origin,
)

TOKEN = "RECOGNISABLE-0123456789abcdef"


class FakeAdapter(requests.adapters.HTTPAdapter):
    """Answers without a network: a redirect from ``start`` to ``location``, then 200 JSON.
    ``sent`` keeps (url, x-api-key) of every request it got."""

    def __init__(self, start: str, status: int, location: str):
        super().__init__()
        self.start, self.status, self.location = start, status, location
        self.sent: list[tuple[str, str]] = []

    def send(self, request, **kwargs):
        self.sent.append((request.url, request.headers.get("x-api-key")))
        response = requests.Response()
        response.request, response.url = request, request.url
        if request.url == self.start:
            response.status_code = self.status
            response.headers["Location"] = self.location
            response.raw = io.BytesIO(b"")
        else:
            response.status_code = 200
            response.headers["Content-Type"] = "application/json"
            response.raw = io.BytesIO(b'{"id": 1}')
        return response


REDIRECTS = [
    # (from, status, Location, followed)
    ("https://app.example.com/public/api/v3/projects.info", 302, "http://app.example.com/x", False),
    ("http://app.example.com/public/api/v3/projects.info", 301, "https://app.example.com/x", False),
    ("https://app.example.com/public/api/v3/projects.info", 307, "https://evil.example/x", False),
    (
        "https://app.example.com/public/api/v3/projects.info",
        308,
        "https://app.example.com:8443/",
        False,
    ),
    (
        "http://127.0.0.1:8000/public/api/v3/annotations.bulk.add",
        307,
        "http://localhost:8000/",
        False,
    ),
    # urllib.parse reads the host after "@", requests and urllib3 the one before "\\"
    (
        "http://127.0.0.1:8000/public/api/v3/projects.info",
        302,
        "http://127.0.0.1:9000\\@127.0.0.1:8000/x",
        False,
    ),
    (
        "https://app.example.com/public/api/v3/projects.info",
        307,
        "https://evil.example\\@app.example.com/x",
        False,
    ),
    # requests drops a port 0 and connects to the scheme's: the same origin
    ("http://app.example.com/public/api/v3/projects.info", 302, "http://app.example.com:0/", True),
    ("https://app.example.com/public/api/v3/projects.info", 307, "/public/api/v3/v2.info", True),
    (
        "https://app.example.com/public/api/v3/projects.info",
        308,
        "https://APP.example.com:443/y",
        True,
    ),
    (
        "http://127.0.0.1:8000/public/api/v3/annotations.bulk.add",
        307,
        "http://127.0.0.1:8000/z",
        True,
    ),
]


@pytest.mark.parametrize("start, status, location, followed", REDIRECTS)
def test_the_token_follows_a_redirect_only_within_its_origin(start, status, location, followed):
    adapter = FakeAdapter(start, status, location)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)

    with guarded_requests((1, 1)):
        if followed:
            response = session.post(start, json={"a": 1}, headers={"x-api-key": TOKEN})
            assert response.status_code == 200
        else:
            with pytest.raises(RedirectRefused) as refused:
                session.post(start, json={"a": 1}, headers={"x-api-key": TOKEN})

    origins = {origin(url) for url, _ in adapter.sent}
    assert origins == {origin(start)}  # nothing, token or not, went to another origin
    if followed:
        assert len(adapter.sent) == 2 and adapter.sent[1][1] == TOKEN
    else:
        line = str(refused.value)
        shown = lambda url: "{}://{}:{}".format(*origin(url))
        assert shown(start) in line and shown(requests.compat.urljoin(start, location)) in line


@pytest.mark.parametrize(
    "pieces",
    [
        ["name: ", TOKEN, "\n"],
        ["name: " + TOKEN[:10], TOKEN[10:] + "\n"],
        ["a\r", TOKEN[:4], TOKEN[4:9], TOKEN[9:], "\rb"],
        ['{"dataset": "' + TOKEN.replace("-", "\\u002d") + '"}\n'],
        [TOKEN],  # no end of line: passed on at flush
    ],
)
def test_output_written_in_pieces_is_redacted_whole(monkeypatch, pieces):
    from sly_bindings.cli.runner import RedactedStream

    monkeypatch.setenv("API_TOKEN", TOKEN)
    out = io.StringIO()
    stream = RedactedStream(out)
    for piece in pieces:
        stream.write(piece)
    stream.flush()

    runs = {TOKEN[i : i + 8] for i in range(len(TOKEN) - 7)} - {"-"}
    assert not any(run in out.getvalue() for run in runs), out.getvalue()
    assert "***" in out.getvalue()


@pytest.mark.parametrize(
    "asked, right",
    [
        ("100000", "60"),
        ("1e400", "60"),
        ("9" * 40, "60"),
        ("nan", "60"),
        ("60", None),
        ("3", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),
        ("", None),
    ],
)
def test_retry_after_is_capped(asked, right):
    assert capped_retry_after(asked, 60.0) == right


ODD = ["x\x85y", "x\xa0y", "RECOGNISABLE\x85nel-0123456789", "RECOGNISABLE\xa0nbsp-012345678"]


@pytest.mark.parametrize(
    "fields",
    [
        {"msg": "token %s", "args": (TOKEN,)},
        {"msg": "bad format %s %s", "args": (TOKEN,)},
        {"msg": "%d", "args": ("not a number " + TOKEN,)},
        {"msg": object(), "args": ()},
        {"msg": "x", "args": (), "details": {"body": TOKEN * 3, "n": [1, 2, TOKEN]}},
        {"msg": "x", "args": (), "exc_info": (ValueError, ValueError(TOKEN), None)},
        {"msg": "x", "args": (), "exc_info": True},
        {"msg": "x", "args": (), "exc_info": ("not", "an", "exc_info", TOKEN)},
        {"msg": "x", "args": (), "exc_text": "Traceback ... " + TOKEN},
        {"msg": "x", "args": (), "stack_info": "stack " + TOKEN},
        {"msg": "x" * 301 + TOKEN, "args": ()},
    ],
    ids=lambda fields: repr(fields)[:40],
)
@pytest.mark.parametrize("token", [TOKEN, *ODD])
def test_redaction_never_raises_whatever_the_record_holds(monkeypatch, fields, token):
    fields = {
        key: (value.replace(TOKEN, token) if isinstance(value, str) else value)
        for key, value in fields.items()
    }
    monkeypatch.setenv("API_TOKEN", token)
    record = logging.makeLogRecord(fields)
    handler = logging.StreamHandler(stream := io.StringIO())
    handler.setFormatter(
        logging.Formatter("%(message)s %(details)s" if "details" in fields else None)
    )

    assert RedactingFilter().filter(record) is True
    handler.handle(record)

    if len(token) >= 8:
        runs = {token[i : i + 8] for i in range(len(token) - 7)}
        assert not any(run in stream.getvalue() for run in runs)


@settings(max_examples=200, deadline=None)
@given(
    token=st.text(st.characters(min_codepoint=32, max_codepoint=255), min_size=8, max_size=60),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
    start=st.integers(0, 60),
)
def test_no_run_of_8_characters_of_the_token_survives(token, before, after, start):
    import os

    os.environ["API_TOKEN"] = token
    try:
        part = token[start : start + 8 + start % 5]
        shown = redact(before + part + after)
    finally:
        del os.environ["API_TOKEN"]
    if len(part) >= 8:
        assert part not in shown


@pytest.mark.parametrize("value", ["verbose", "10", "info "])
def test_a_log_level_the_sdk_cannot_take_is_one_line_before_it_loads(monkeypatch, capsys, value):
    monkeypatch.setenv("LOG_LEVEL", value)
    with pytest.raises(UserError, match="LOG_LEVEL="):
        check_log_level()
    with pytest.raises(SystemExit) as exit:
        with interrupted_while_loading():
            raise AssertionError("the SDK would be imported here")
    assert exit.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: LOG_LEVEL={value!r} is not a log level: use DEBUG, INFO, WARNING, ERROR or "
        "TRACE, or unset it"
    ]


@pytest.mark.parametrize(
    "name", ["SLY_REQUEST_DEADLINE_SEC", "SLY_RETRY_AFTER_MAX_SEC", "SLY_MAX_ANSWER_MB"]
)
@pytest.mark.parametrize("value", ["0", "-3", "inf", "nan", "soon"])
def test_a_bad_guard_setting_is_one_line(monkeypatch, capsys, name, value):
    from commands import sly_bindings_in_process

    monkeypatch.setenv(name, value)

    assert sly_bindings_in_process("report", "--project-id", "7") == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: {name}={value!r} must be a number of ")
    assert line.endswith("above 0: fix or unset it")


@pytest.mark.parametrize("connection", ["close", "keep-alive"])
def test_a_body_that_drips_is_cut_at_the_deadline_whatever_the_connection(monkeypatch, connection):
    """A server that sends its headers, then its body a byte at a time: the guard shuts the
    socket at the deadline, also when the response let its connection go (``Connection:
    close``: http.client drops the connection's socket and reads the body from the response's
    own reference). The mechanism, not the time: the server's writes fail long before it has
    sent its body."""
    import socket
    import threading

    body_size = 200
    written = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        peer, _ = listener.accept()
        with peer:
            peer.recv(65536)
            peer.sendall(
                f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: {connection}"
                f"\r\nContent-Length: {body_size}\r\n\r\n".encode()
            )
            try:
                for _ in range(body_size):
                    peer.sendall(b" ")
                    written.append(1)
                    threading.Event().wait(0.05)
            except OSError:
                pass

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    monkeypatch.setenv("SLY_REQUEST_DEADLINE_SEC", "0.5")
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/public/api/v3/projects.info"
    with guarded_requests():
        with pytest.raises(DeadlineExceeded):
            requests.post(url, json={}, timeout=(5, 5))
    server.join(timeout=30)
    listener.close()

    assert not server.is_alive() and len(written) < body_size // 2
