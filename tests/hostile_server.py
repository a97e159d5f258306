"""Misbehaving servers against every command that talks to one: the cases, how to run one, and
what "ended as promised" means (issue 22). Used by tests/cli/test_server_trust.py and
benchmarks/hostile_inputs.py (``server_cases``).

A case plans a misbehaving answer (tests/sly_test_server/faults.py) on the first request a
command sends, or on its annotation upload, runs the command in this process against the test
server, and checks the promise:

- one ``error:`` line (``note:`` and ``warning:`` lines aside) and the case's exit code, or
  success where the case is a same-origin redirect; never ``unexpected`` or a traceback;
- no run of 8 characters of a secret (the token, the password in SERVER_ADDRESS) in stdout,
  stderr, the SDK's log or any file written, looked for also after undoing HTML escapes,
  percent-encoding, base64 and UTF-16;
- nothing sent to another address (a second server that must see no request);
- nothing counted as saved that the server did not store.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import logging
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple
from urllib.parse import unquote, unquote_plus

from bound_projects import seed_server_project, server_groups
from sly_test_server import SlyTestServer, faults

SDK_LOGGER = "logger"
BULK_ADD = "annotations.bulk.add"


@dataclass(frozen=True)
class Command:
    """A command that talks to a server: its name, the first API method it calls, whether it
    uploads annotations, and its arguments (``argv(project_id, folder)``)."""

    name: str
    first: str
    argv: Callable[[int, Path], List[str]]


COMMANDS = [
    Command("report", "projects.info", lambda p, f: ["report", "--project-id", str(p)]),
    Command("discard", "projects.info", lambda p, f: ["discard", "--project-id", str(p)]),
    Command(
        "auto-bind",
        "projects.info",
        lambda p, f: ["auto-bind", "--project-id", str(p), "--max-gap", "2", "--across-classes"],
    ),
    Command("main.py", "workspaces.info", lambda p, f: ["--preview", str(f / "preview.png")]),
]
WRITERS = [command for command in COMMANDS if command.name != "report"]


@dataclass(frozen=True)
class Case:
    """One misbehaving server. ``answer(server, elsewhere)`` builds the answer; ``on`` is
    ``"first"`` (the command's first request), ``"write"`` (annotations.bulk.add) or an API
    method (``projects.add``: only the commands of :data:`CREATORS` send it); ``n`` how
    many requests get it; ``exit_codes`` what may end the run (0: the case is to succeed);
    ``says`` words the error line must hold (``{server}``/``{elsewhere}`` filled in)."""

    name: str
    kind: str
    answer: Callable[[SlyTestServer, SlyTestServer], faults.Answer]
    on: str = "first"
    n: int = 1
    exit_codes: Tuple[int, ...] = (2,)
    says: Tuple[str, ...] = ()
    token: Optional[str] = None
    env: Dict[str, str] = field(default_factory=dict)
    password: str = ""  # kind "password": the one in SERVER_ADDRESS (default PASSWORD)


def _to(url: str, status: int) -> Callable[[SlyTestServer, SlyTestServer], faults.Answer]:
    return lambda server, elsewhere: faults.redirect(
        status,
        url.format(port=server.port, other=elsewhere.port) + "/public/api/v3/{endpoint}",
    )


def _same(answer: faults.Answer) -> Callable[[SlyTestServer, SlyTestServer], faults.Answer]:
    return lambda server, elsewhere: answer


REDIRECTS = [
    Case(
        "302 to another port",
        "redirect",
        _to("http://127.0.0.1:{other}", 302),
        says=("127.0.0.1:{port}", "127.0.0.1:{other}", "redirect"),
    ),
    Case(
        "307 to another port",
        "redirect",
        _to("http://127.0.0.1:{other}", 307),
        says=("127.0.0.1:{port}", "127.0.0.1:{other}"),
    ),
    Case(
        "301 to another host",
        "redirect",
        _to("http://localhost:{other}", 301),
        says=("127.0.0.1:{port}", "localhost:{other}"),
    ),
    Case(
        "308 to another host, same port",
        "redirect",
        _to("http://localhost:{port}", 308),
        says=("127.0.0.1:{port}", "localhost:{port}"),
    ),
    Case(
        "302 from http to https",
        "redirect",
        _to("https://127.0.0.1:{port}", 302),
        says=("http://127.0.0.1:{port}", "https://127.0.0.1:{port}"),
    ),
    # urllib.parse reads the host after the "@", requests and urllib3 the one before the "\\":
    # the redirect goes where requests connects, whatever another parser says.
    Case(
        "302 to another port, behind a backslash and @ the origin",
        "redirect",
        _to("http://127.0.0.1:{other}\\@127.0.0.1:{port}", 302),
        says=("127.0.0.1:{port}", "127.0.0.1:{other}"),
    ),
    Case(
        "307 to another port, behind two backslashes",
        "redirect",
        _to("http://127.0.0.1:{other}\\\\@127.0.0.1:{port}", 307),
        says=("127.0.0.1:{port}", "127.0.0.1:{other}"),
    ),
    Case(
        "307 within the same origin",
        "redirect",
        _same(faults.redirect(307, "/public/api/v3/{endpoint}")),
        exit_codes=(0,),
    ),
    Case(
        "308 within the same origin, absolute",
        "redirect",
        _to("http://127.0.0.1:{port}", 308),
        exit_codes=(0,),
    ),
]

# A write that the answer does not confirm: never counted as saved.
UNCONFIRMED_WRITES = [
    Case(
        "upload answered by an HTML page",
        "unconfirmed write",
        _same(faults.html_page()),
        on="write",
        n=10,
        says=("HTML page", "not the API's JSON"),
    ),
    Case(
        "upload redirected elsewhere (307)",
        "unconfirmed write",
        _to("http://127.0.0.1:{other}", 307),
        on="write",
        n=10,
        says=("127.0.0.1:{other}",),
    ),
    Case(
        "upload redirected elsewhere (302)",
        "unconfirmed write",
        _to("http://localhost:{other}", 302),
        on="write",
        n=10,
        says=("localhost:{other}",),
    ),
    Case(
        "upload answered 200 with an empty body",
        "unconfirmed write",
        _same(lambda token, endpoint: faults.Response(200, b"")),
        on="write",
        n=10,
    ),
    Case(
        "upload answered by a page sent as application/octet-stream",
        "unconfirmed write",
        _same(faults.page_as("application/octet-stream")),
        on="write",
        n=10,
        says=("HTML page",),
    ),
    Case(
        "upload answered by a page sent as application/problem+json",
        "unconfirmed write",
        _same(faults.page_as("application/problem+json")),
        on="write",
        n=10,
        says=("HTML page",),
    ),
    Case(
        "upload answered 200 with JSON cut short",
        "unconfirmed write",
        _same(lambda token, endpoint: faults.Response(200, b'[{"success": tr')),
        on="write",
        n=10,
        says=("malformed",),
    ),
    Case(
        'upload answered 200 {"success": false}',
        "unconfirmed write",
        _same(lambda token, endpoint: faults.Response(200, b'{"success": false}')),
        on="write",
        n=10,
        says=('"success": false',),
    ),
    Case(
        "upload answered 200 text",
        "unconfirmed write",
        _same(lambda token, endpoint: faults.Response(200, b"OK", "text/plain")),
        on="write",
        n=10,
    ),
] + [
    # JSON that parses but does not confirm: one {"imageId": id, "success": true} per
    # annotation sent is what the server answers (server/guard.py, write_problem).
    Case(
        f"upload answered 200 {body.decode()}",
        "unconfirmed write",
        _same(lambda token, endpoint, body=body: faults.Response(200, body)),
        on="write",
        n=10,
        says=("does not confirm the write", "annotations.bulk.add"),
    )
    for body in (
        b"{}",
        b"[]",
        b"[{}]",
        b'{"success": true}',
        b'[{"success": true}, {"success": true}, {"success": true}, {"success": true}]',
        b'[{"imageId": -1, "success": true}]',
    )
]

ECHOES = (
    [
        Case(
            f"400 echoing the token {encoding}{' in a page' if page else ''}",
            "echo",
            _same(faults.echo(encoding, 400, page=page)),
            exit_codes=(1, 2),
            says=("400",),
        )
        for encoding in [*faults.ECHO_ENCODINGS, "utf-16"]
        for page in ((False, True) if encoding != "utf-16" else (False,))
    ]
    + [
        Case(
            f"500 (retried) echoing the token {encoding}",
            "echo",
            _same(faults.echo(encoding, 500)),
            n=10,
            exit_codes=(1, 2),
        )
        for encoding in ("html-escaped", "cut at 200", "base64", "utf-16")
    ]
    + [
        Case(
            f"400 echoing the token as \\u escapes in the API's JSON{', ' + level if level else ''}",
            "echo",
            _same(faults.echo_escaped(400)),
            exit_codes=(1, 2),
            says=("400",),
            env={"LOG_LEVEL": level} if level else {},
        )
        for level in ("", "INFO", "DEBUG")
    ]
    + [
        Case(
            f"500 echoing {encoding}, LOG_LEVEL=DEBUG",
            "echo",
            _same(faults.echo(encoding, 500)),
            n=10,
            exit_codes=(1, 2),
            env={"LOG_LEVEL": "DEBUG"},
        )
        for encoding in ("html-escaped", "url-encoded", "base64", "cut at 200", "utf-16")
    ]
)

# Tokens the header accepts (Latin-1, no control below 32) whose forms trip naive redaction.
ODD_TOKENS = {
    "NEL": "RECOGNISABLE\x85nel-0123456789abcdef",
    "NBSP": "RECOGNISABLE\xa0nbsp-0123456789abcdef",
    "markup": "RECOGNISABLE<&>\"'-0123456789abcdef",
    "percent": "RECOGNISABLE%41%+/=-0123456789abcdef",
}
ODD_TOKEN_CASES = [
    Case(
        f"token with {name}, echoed {encoding}{', DEBUG' if level else ''}",
        "redaction",
        _same(faults.echo(encoding, 500)),
        n=10,
        exit_codes=(1, 2),
        token=token,
        env={"LOG_LEVEL": level} if level else {},
    )
    for name, token in ODD_TOKENS.items()
    for encoding in ("plain", "html-escaped", "repr", "json-escaped")
    for level in ("", "DEBUG")
]

ENDS = [
    Case(
        f"429 with Retry-After: {value}",
        "every request ends",
        _same(faults.rate_limited(value)),
        n=10,
        says=("127.0.0.1:{port}", "429"),
    )
    for value in ("100000", "1e400", "9" * 30, "-5", "soon")
] + [
    Case(
        f"drip {where}",
        "every request ends",
        _same(faults.drip(0.25, where == "headers")),
        n=10,
        says=("127.0.0.1:{port}", "deadline"),
    )
    for where in ("headers", "body")
]

ANSWERS = [
    Case(
        "endless body",
        "answer read with a cap",
        _same(faults.endless()),
        n=10,
        says=("127.0.0.1:{port}", "MiB"),
    ),
    Case(
        "malformed JSON",
        "answer shape",
        _same(faults.malformed_json()),
        says=("127.0.0.1:{port}", "JSON that is malformed"),
    ),
    Case(
        "JSON list for an object",
        "answer shape",
        _same(faults.wrong_shape([])),
        says=("127.0.0.1:{port}",),
    ),
    Case(
        "JSON of another object",
        "answer shape",
        _same(faults.wrong_shape({"x": 1})),
        says=("127.0.0.1:{port}",),
    ),
    Case(
        "JSON string", "answer shape", _same(faults.wrong_shape("ok")), says=("127.0.0.1:{port}",)
    ),
    Case(
        "JSON with a string id",
        "answer shape",
        _same(faults.wrong_shape({"id": "seven", "name": "x", "workspaceId": "w"})),
        says=("127.0.0.1:{port}",),
        exit_codes=(0, 1, 2),
    ),
]

SETTINGS = [
    Case(
        "LOG_LEVEL=verbose",
        "settings",
        _same(faults.html_page()),
        n=0,
        env={"LOG_LEVEL": "verbose"},
        says=("LOG_LEVEL='verbose'",),
    ),
    Case(
        "password in SERVER_ADDRESS, 500 retried",
        "password",
        _same(faults.echo("plain", 500)),
        n=10,
        exit_codes=(1, 2),
        says=(":***@",),
    ),
] + [
    # Retry notes (500, 429, no answer), the final line and the SDK's log at DEBUG: the password
    # blanked whatever its length or spelling (percent-encoded: requests sends it decoded).
    Case(
        f"password {name} in SERVER_ADDRESS, {what}{', DEBUG' if level else ''}",
        "password",
        _same(answer),
        n=10,
        exit_codes=(1, 2),
        says=(":***@",),
        env={"LOG_LEVEL": level} if level else {},
        password=password,
    )
    for name, password in (
        ("short", "pw5"),
        ("percent-encoded", "pa55%40word%3A0123456789"),
        ("with markup", "pa55&<word>-0123456789"),
        # typed as it is: the address is refused at once, the password blanked in the line
        ("with a slash and a hash", "pa55/word#0123456789"),
    )
    for what, answer in (
        ("500 retried", faults.echo("plain", 500)),
        ("429 retried", faults.rate_limited("0")),
    )
    for level in ("", "DEBUG")
]

# A create answered without the id of what it made (main.py creates the project and dataset).
UNCONFIRMED_CREATES = [
    Case(
        f"{method} answered 200 {body.decode()}",
        "unconfirmed write",
        _same(lambda token, endpoint, body=body: faults.Response(200, body)),
        on=method,
        n=10,
        says=(method, 'no integer "id"'),
    )
    for method in ("projects.add", "datasets.add")
    for body in (b"{}", b'{"success": true}')
]
CREATORS = [command for command in COMMANDS if command.name == "main.py"]

CASES = (
    REDIRECTS
    + UNCONFIRMED_WRITES
    + UNCONFIRMED_CREATES
    + ECHOES
    + ODD_TOKEN_CASES
    + ENDS
    + ANSWERS
    + SETTINGS
)
PASSWORD = "pa55-word-0123456789"

# Every run: few quick retries, a short deadline, a small cap (the defaults are docs/server.md's).
QUICK = {
    "SUPERVISELY_PUBLIC_API_RETRIES": "2",
    "SUPERVISELY_PUBLIC_API_RETRY_SLEEP_SEC": "0",
    "SLY_REQUEST_DEADLINE_SEC": "1",
    "SLY_RETRY_AFTER_MAX_SEC": "0.1",
    "SLY_MAX_ANSWER_MB": "1",
    "SLY_READ_TIMEOUT_SEC": "5",
}


@dataclass
class Outcome:
    token: str
    code: int
    stdout: str
    stderr: str
    log: str
    files: Dict[Path, bytes]
    elsewhere_requests: int
    groups_before: dict
    groups_after: dict
    ports: Dict[str, int]

    @property
    def shown(self) -> str:
        return "\n".join([self.stdout, self.stderr, self.log])


def new_token() -> str:
    return f"RECOGNISABLE-{uuid.uuid4().hex}"


def run_case(case: Case, command: Command, folder: Path) -> Outcome:
    """Run ``command`` against a test server that misbehaves as ``case`` says; what came out."""
    token = case.token or new_token()
    with SlyTestServer(token=token) as server, SlyTestServer(token=token) as elsewhere:
        project_id = seed_server_project(server)
        before = server_groups(server, project_id)
        endpoint = {"first": command.first, "write": BULK_ADD}.get(case.on, case.on)
        if case.n:
            server.misbehave_next(case.answer(server, elsewhere), n=case.n, endpoint=endpoint)
        address = server.url
        if case.kind == "password":
            address = address.replace("http://", f"http://me:{case.password or PASSWORD}@")
        env = {
            **QUICK,
            "SERVER_ADDRESS": address,
            "API_TOKEN": token,
            "WORKSPACE_ID": str(server.workspace_id),
            **case.env,
        }
        folder.mkdir(parents=True, exist_ok=True)
        with environment(env), captured() as (out, err, log):
            code = run_in_process(command, command.argv(project_id, folder))
        server.clear_faults()  # what the server holds is read back as it is, not dripped again
        files = {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}
        return Outcome(
            token,
            code,
            out.getvalue(),
            err.getvalue(),
            log.getvalue(),
            files,
            sum(elsewhere.request_counts.values()),
            before,
            server_groups(server, project_id),
            {"port": server.port, "other": elsewhere.port},
        )


def run_in_process(command: Command, argv: List[str]) -> int:
    """``sly-bindings ARGV`` or ``src/main.py ARGV`` in this process; the exit code."""
    from sly_bindings.cli.runner import run

    if command.name == "main.py":
        import main
        from sly_bindings.files.images import InvalidImageError, InvalidMaskError

        try:
            return run(lambda: main.main(argv), user_errors=(InvalidImageError, InvalidMaskError))
        except SystemExit as exit:
            return int(exit.code or 0)
    from commands import sly_bindings_in_process

    return sly_bindings_in_process(*argv)


@contextlib.contextmanager
def environment(values: Dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    sdk = logging.getLogger(SDK_LOGGER)
    level = sdk.level
    if values.get("LOG_LEVEL", "").upper() in ("DEBUG", "TRACE"):
        sdk.setLevel(5)  # what the SDK sets at import for LOG_LEVEL=TRACE: every record
    try:
        yield
    finally:
        sdk.setLevel(level)
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def captured() -> Iterator[Tuple[io.StringIO, io.StringIO, io.StringIO]]:
    """stdout, stderr, and what the SDK's log handlers write (they hold the stream they found
    at import)."""
    out, err, log = io.StringIO(), io.StringIO(), io.StringIO()
    handlers = [
        handler
        for handler in logging.getLogger(SDK_LOGGER).handlers
        if type(handler) is logging.StreamHandler
    ]
    streams = [handler.setStream(log) for handler in handlers]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield out, err, log
    finally:
        for handler, stream in zip(handlers, streams):
            if stream is not None:
                handler.setStream(stream)


BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")


def decoded_views(text: str) -> List[str]:
    """``text`` and what it says once HTML escapes, percent-encoding, JSON/``repr`` escapes,
    UTF-16 zero bytes and base64 runs are undone, so that a secret is found in any of them."""
    views = [text, html.unescape(text), unquote(text), unquote_plus(text)]
    views += [
        view.replace("\x00", "").replace("\\x00", "").replace("\\u0000", "") for view in views
    ]
    for view in list(views):
        with contextlib.suppress(Exception):
            views.append(view.encode("latin-1", "backslashreplace").decode("unicode_escape"))
    for run in BASE64_RUN.findall(text):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            for shift in range(4):
                with contextlib.suppress(Exception):
                    views.append(
                        decode(run[shift:] + "=" * (-len(run[shift:]) % 4)).decode("latin-1")
                    )
    return views


def leaks(text: str, secret: str, run: int = 8) -> List[str]:
    """The runs of ``run`` characters of ``secret`` found in ``text`` or its decoded views.

    Examples:
        >>> leaks("key=UkVDT0dOSVNBQkxFLTAxMjM=", "RECOGNISABLE-0123")
        ['RECOGNIS', 'ECOGNISA', 'COGNISAB', 'OGNISABL', 'GNISABLE', 'NISABLE-', 'ISABLE-0', 'SABLE-01', 'ABLE-012', 'BLE-0123']
    """
    views = decoded_views(text)
    one_lined = " ".join(secret.split())
    return [
        part
        for form in dict.fromkeys((secret, one_lined))
        for part in (form[i : i + run] for i in range(len(form) - run + 1))
        if any(part in view for view in views)
    ]


def broken_promises(case: Case, command: Command, outcome: Outcome) -> List[str]:
    """What of the promise ``outcome`` breaks (empty: it ended as promised)."""
    problems = []
    if outcome.code not in case.exit_codes:
        problems.append(f"exit {outcome.code}, not {case.exit_codes}")
    lines = [
        line
        for line in outcome.stderr.splitlines()
        if line.strip() and not line.startswith(("note: ", "warning: "))
    ]
    debug = case.env.get("LOG_LEVEL", "").upper() == "DEBUG"
    errors = [line for line in lines if line.startswith("error: ")]
    if outcome.code != 0:
        if len(errors) != 1 or (not debug and len(lines) != 1):
            problems.append(f"not one error line: {lines[:3]}")
        elif any(word.format(**outcome.ports) not in errors[0] for word in case.says):
            problems.append(f"the line does not say {case.says}: {errors[0]}")
    if "unexpected" in outcome.stderr or ("Traceback" in outcome.stderr and not debug):
        problems.append(f"unexpected or traceback: {lines[-1:]}")
    password = case.password or PASSWORD
    for secret in [outcome.token] + (
        [password, unquote(password)] if case.kind == "password" else []
    ):
        found = leaks(outcome.shown, secret)
        if len(secret) < 8 and f":{secret}@" in outcome.shown:  # a short one: where it stands
            found.append(f":{secret}@")
        for path, content in outcome.files.items():
            found += [f"{path.name}: {part}" for part in leaks(content.decode("latin-1"), secret)]
        if found:
            problems.append(f"a secret shown: {found[:2]}")
    if outcome.elsewhere_requests:
        problems.append(f"{outcome.elsewhere_requests} requests sent to the other address")
    if case.on == "write" and outcome.code != 0:
        # Every upload was refused: nothing is stored and nothing is called saved.
        if outcome.groups_after != outcome.groups_before:
            problems.append("the server's annotations changed")
        claims = re.findall(
            r"[1-9]\d* (?:uploaded|of the \d+ changed)|bound labels uploaded",
            outcome.stdout + outcome.stderr,
        )
        if claims:
            problems.append(f"called saved: {claims[:2]}")
    return problems
