"""cli.run: one line on stderr and the right exit code for each kind of failure."""

from __future__ import annotations

import pytest
import requests

from cli import EXIT_INTERRUPTED, EXIT_UNEXPECTED, EXIT_USER_ERROR, UserError, run


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
         "error: no usable answer from http://h:1 after all retries (connection errors or 5xx): check SERVER_ADDRESS"),
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
