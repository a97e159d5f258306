"""cli.run: one line on stderr and the right exit code for each kind of failure."""

from __future__ import annotations

import errno
import json
import logging
from urllib.parse import quote

import pytest
import requests

from sly_bindings.cli.runner import (
    EXIT_INTERRUPTED,
    EXIT_UNEXPECTED,
    EXIT_USER_ERROR,
    SDK_LOGGER_NAME,
    QuietSdkWarnings,
    UserError,
    run,
)


def http_error(status: int, body: bytes, url: str) -> requests.HTTPError:
    response = requests.Response()
    response.status_code, response._content, response.url = status, body, url
    return requests.HTTPError(f"{status} for url: {url}", response=response)


def raising(error: BaseException):
    def main():
        raise error

    return main


class MaskProblem(ValueError):
    pass


@pytest.mark.parametrize(
    "error, user_errors, code, line",
    [
        (UserError("WORKSPACE_ID is not set: put it in local.env"), (), EXIT_USER_ERROR,
         "error: WORKSPACE_ID is not set: put it in local.env"),
        (FileNotFoundError("image x.jpg does not exist: check the path"), (), EXIT_USER_ERROR,
         "error: image x.jpg does not exist: check the path"),
        (MaskProblem("mask m.png is empty: redraw it"), (MaskProblem,), EXIT_USER_ERROR,
         "error: mask m.png is empty: redraw it"),
        (MaskProblem("not declared as a user error"), (), EXIT_UNEXPECTED,
         "error: unexpected MaskProblem: not declared as a user error (rerun with LOG_LEVEL=DEBUG"),
        (http_error(401, b'{"error": "unauthorized"}', "http://h/public/api/v3/projects.add"), (),
         EXIT_USER_ERROR, "error: http://h:1 rejected API_TOKEN (401): put a valid token"),
        (http_error(404, b'{"error": "x", "details": {"message": "image 9 not found"}}',
                    "http://h/public/api/v3/images.info"), (),
         EXIT_UNEXPECTED, "error: http://h:1 refused images.info (404): image 9 not found;"),
        (requests.ConnectionError("refused"), (), EXIT_USER_ERROR,
         "error: no usable answer from http://h:1 after all retries (connection errors, timeouts or 5xx): check SERVER_ADDRESS"),
        (requests.exceptions.ReadTimeout("read timed out"), (), EXIT_USER_ERROR,
         "error: no usable answer from http://h:1 after all retries (connection errors, timeouts"),
        (OSError(errno.ENOSPC, "No space left on device", "/data/p/ann/a.json"), (), EXIT_USER_ERROR,
         "error: no space left on the disk of /data/p/ann (No space left on device): free space and run again"),
        (OSError(errno.EROFS, "Read-only file system", "/ro/p/meta.json"), (), EXIT_USER_ERROR,
         "error: read-only file system at /ro/p (Read-only file system): copy the project"),
        (requests.exceptions.RetryError("Retry limit exceeded"), (), EXIT_USER_ERROR,
         "error: no usable answer from http://h:1 after all retries"),
        (RuntimeError("boom"), (), EXIT_UNEXPECTED, "error: unexpected RuntimeError: boom"),
    ],
)  # fmt: skip
def test_each_failure_ends_in_one_line_and_its_exit_code(
    capsys, monkeypatch, error, user_errors, code, line
):
    monkeypatch.setenv("SERVER_ADDRESS", "http://h:1")
    assert run(raising(error), user_errors) == code
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(line)


@pytest.mark.parametrize(
    "error",
    [
        requests.ConnectionError("refused"),
        http_error(401, b"{}", "http://h/public/api/v3/projects.add"),
    ],
)
def test_a_command_that_works_offline_offers_it_when_the_server_fails(capsys, error):
    run(raising(error), offline_option="pass --local DIR")
    assert ", or pass --local DIR" in capsys.readouterr().err
    run(raising(error))
    assert "--local" not in capsys.readouterr().err


def test_success_and_interrupt(capsys):
    assert run(lambda: None) == 0
    assert run(raising(KeyboardInterrupt())) == EXIT_INTERRUPTED
    assert capsys.readouterr().err.startswith("interrupted")


def test_traceback_only_with_debug_log_level(capsys, monkeypatch):
    run(raising(RuntimeError("boom")))
    assert "Traceback" not in capsys.readouterr().err
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    run(raising(RuntimeError("boom")))
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_the_token_is_blanked_out_everywhere(capsys, monkeypatch):
    monkeypatch.setenv("API_TOKEN", "TOKEN-1234")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    run(raising(RuntimeError("header x-api-key: TOKEN-1234")))
    err = capsys.readouterr().err
    assert "TOKEN-1234" not in err
    assert "x-api-key: ***" in err


def sdk_retry(method: str, details: str) -> logging.LogRecord:
    """The record the SDK logs before it retries a request (io/network_exceptions.py)."""
    return logging.makeLogRecord(
        {
            "msg": "Temporary connection error, please wait ...:  Retrying (2/5).",
            "levelno": logging.WARNING,
            "method": method,
            "url": f"http://h/public/api/v3/{method}",
            "details": details,
        }
    )


def test_retries_become_one_plain_note_per_api_method(capsys):
    quiet = QuietSdkWarnings()
    dropped = "ConnectionError(MaxRetryError('Connection refused'))"
    server_error = "HTTPError('503 Server Error: Service Unavailable for url: ...')"

    assert quiet.filter(sdk_retry("workspaces.info", dropped)) is False
    assert quiet.filter(sdk_retry("workspaces.info", dropped)) is False
    assert quiet.filter(sdk_retry("images.bulk.upload", server_error)) is False

    assert capsys.readouterr().err.splitlines() == [
        "note: no answer from http://h/public/api/v3/workspaces.info; trying again",
        "note: http://h/public/api/v3/images.bulk.upload answered 503; trying again",
    ]


def test_failed_request_warnings_are_dropped_and_others_pass(capsys):
    quiet = QuietSdkWarnings()
    failed = "Request has failed. This may be due to connection problems or invalid requests. "

    assert quiet.filter(logging.makeLogRecord({"msg": failed})) is False
    assert (
        quiet.filter(
            logging.makeLogRecord({"msg": "Failed to get instance version from server: 401"})
        )
        is False
    )
    assert (
        quiet.filter(logging.makeLogRecord({"msg": "Images were cropped to the image size"}))
        is True
    )
    assert capsys.readouterr().err == ""


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def sdk_log():
    """What reaches the handlers of the SDK's logger."""
    handler = Collect()
    logger = logging.getLogger(SDK_LOGGER_NAME)
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


def log_failed_request_and_other():
    logging.getLogger(SDK_LOGGER_NAME).warning("Request has failed. 401")
    logging.getLogger(SDK_LOGGER_NAME).warning("something else")


def test_run_quiets_the_sdk_only_while_it_runs(sdk_log):
    assert run(log_failed_request_and_other) == 0
    assert sdk_log == ["something else"]

    log_failed_request_and_other()  # after run: the SDK's logger is as it was
    assert sdk_log == ["something else", "Request has failed. 401", "something else"]


@pytest.mark.parametrize("variable", ["LOG_LEVEL", "LOGLEVEL"])
def test_a_log_level_leaves_the_sdks_warnings_as_they_are(sdk_log, monkeypatch, variable):
    monkeypatch.setenv(variable, "INFO")
    assert run(log_failed_request_and_other) == 0
    assert sdk_log == ["Request has failed. 401", "something else"]


# What the SDK logs while it retries, and the last line after its last try, by status.
RETRIED_ANSWERS = [
    pytest.param(
        "HTTPError('429 Client Error: Too Many Requests for url: ...')",
        "note: http://h/public/api/v3/images.info is limiting the rate of requests (429); "
        "trying again",
        "error: http://h:1 kept limiting the rate of requests (429 Too Many Requests)",
        id="429",
    ),
    pytest.param(
        "HTTPError('503 Server Error: Service Unavailable for url: ...')",
        "note: http://h/public/api/v3/images.info answered 503; trying again",
        "error: no usable answer from http://h:1 after all retries",
        id="503",
    ),
    pytest.param(
        'ReadTimeout(ReadTimeoutError("HTTPConnectionPool: Read timed out."))',
        "note: no answer from http://h/public/api/v3/images.info; trying again",
        "error: no usable answer from http://h:1 after all retries",
        id="read timeout",
    ),
    pytest.param(
        "HTTPError('408 Client Error: Request Timeout for url: ...')",
        "note: http://h/public/api/v3/images.info answered 408; trying again",
        "error: no usable answer from http://h:1 after all retries",
        id="408",
    ),
]


@pytest.mark.parametrize("details, note, line", RETRIED_ANSWERS)
def test_a_retried_answer_is_named_by_its_status(capsys, monkeypatch, details, note, line):
    monkeypatch.setenv("SERVER_ADDRESS", "http://h:1")

    def main():
        logging.getLogger(SDK_LOGGER_NAME).warning(
            "Temporary connection error, please wait ...:  Retrying (1/5).",
            extra={"method": "images.info", "url": "http://h/public/api/v3/images.info",
                   "details": details},
        )  # fmt: skip
        raise requests.exceptions.RetryError("Retry limit exceeded")

    assert run(main) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == note
    assert err[1].startswith(line)


# The SDK's JSON warnings that only repeat the final line, or warn of an older server.
SDK_WARNINGS_OFF = [
    "Request has failed. This may be due to connection problems or invalid requests.",
    "Failed to get instance version from server: 401",
    "The current version of the Supervisely instance is not supported by the SDK. Some features",
]


@pytest.mark.parametrize("message", SDK_WARNINGS_OFF)
def test_the_sdks_json_warnings_stay_off_the_terminal_by_default(sdk_log, message):
    def main():
        logging.getLogger(SDK_LOGGER_NAME).warning(message)

    assert run(main) == 0
    assert sdk_log == []


# Forms in which a log record may carry the token; each must reach no handler.
TOKEN = 'RECOGNISABLE/"t\\oken+1 é'
LOGGED_FORMS = [
    pytest.param(lambda: ("body: %s", (TOKEN,), {}), id="argument"),
    pytest.param(lambda: (f"body: {TOKEN!r}", (), {}), id="repr"),
    pytest.param(lambda: (json.dumps({"t": TOKEN}), (), {}), id="json"),
    pytest.param(lambda: (quote(TOKEN, safe=""), (), {}), id="url-encoded"),
    pytest.param(
        lambda: ("failed", (), {"extra": {"details": f"HTTPError({TOKEN!r})"}}), id="extra"
    ),
    pytest.param(lambda: (json.dumps(repr(TOKEN)), (), {}), id="repr in json"),
]


@pytest.mark.parametrize("form", LOGGED_FORMS)
@pytest.mark.parametrize("logger_name", [SDK_LOGGER_NAME, "urllib3.connectionpool", ""])
def test_log_records_are_redacted_whatever_the_logger(monkeypatch, form, logger_name):
    monkeypatch.setenv("API_TOKEN", TOKEN)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    root, sdk = logging.getLogger(), logging.getLogger(SDK_LOGGER_NAME)
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(self.format(record) + " " + repr(vars(record)))

    handler = Keep()
    target = sdk if logger_name == SDK_LOGGER_NAME else root
    target.addHandler(handler)
    try:
        message, args, kwargs = form()

        def main():
            logging.getLogger(logger_name).warning(message, *args, **kwargs)

        run(main)
    finally:
        target.removeHandler(handler)
    assert seen and "RECOGNISABLE" not in " ".join(seen)
