"""Run a command-line entry point so that every failure ends in one line and an exit code.

Exit codes: 0 done, 2 bad input or set-up (the line says what to fix), 1 an unexpected failure,
130 interrupted. The traceback is shown only with ``LOG_LEVEL=DEBUG``. Every line that leaves
here has the API token blanked out, whatever produced it.

Unless LOG_LEVEL is set, the SDK's JSON warnings about a failed request stay off the terminal
(the error line says it in words) and its retries show as one ``note:`` line per API method.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import traceback
from typing import Callable, NoReturn, Optional, Tuple, Type

import requests

EXIT_UNEXPECTED = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130

SDK_LOGGER_NAME = "logger"  # what supervisely/sly_logger.py calls the SDK's logger


class UserError(Exception):
    """Bad input or set-up that the user can fix; the message names the problem and the fix."""


class CommandFailed(Exception):
    """A failure the command has already put in words: the message is the line to show.

    Examples:
        >>> CommandFailed("refused annotations.bulk.add (400): ...", EXIT_UNEXPECTED).exit_code
        1
    """

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser whose usage errors are one line, like every other error, and exit 2.

    Examples:
        >>> parser = ArgumentParser(prog="main.py")
        >>> _ = parser.add_argument("--image", required=True)
        >>> parser.parse_args([])  # prints the line below to stderr  # doctest: +SKIP
        error: the following arguments are required: --image (see main.py --help)
    """

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"error: {message} (see {self.prog} --help)\n")


def run(
    main: Callable[[], Optional[int]],
    user_errors: Tuple[Type[BaseException], ...] = (),
    server_address: Callable[[], Optional[str]] = lambda: os.environ.get("SERVER_ADDRESS"),
    interrupted: str = "interrupted: run the same command again to finish",
    offline_option: str = "",
) -> int:
    """Call ``main`` and turn what it raises into one line on stderr and an exit code.

    The exit code is what ``main`` returns (None: 0), or the one its failure gives.

    ``user_errors`` are the exception types, besides :class:`UserError` and FileNotFoundError,
    whose message is already a complete instruction to the user (for example a bad mask).
    ``server_address`` names the server in connection messages; ``interrupted`` is the line for
    Ctrl+C, which depends on what running the command again does; ``offline_option``, if the
    command can work without a server, says how (added when the server rejects or is not there).

    Examples:
        >>> def main():
        ...     raise UserError("--image photo.jpg does not exist: check the path")
        >>> run(main)  # prints "error: --image photo.jpg does not exist: check the path"
        2
    """
    quiet = None if any(map(os.environ.get, ("LOG_LEVEL", "LOGLEVEL"))) else QuietSdkWarnings()
    if quiet:
        logging.getLogger(SDK_LOGGER_NAME).addFilter(quiet)
    try:
        return main() or 0
    except BrokenPipeError:
        # Whoever read our output has gone (`| head`): say on stderr that the run was cut short.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("error: the output was closed early (a pipe): the run stopped there", file=sys.stderr)
        return EXIT_UNEXPECTED
    except KeyboardInterrupt:
        print(interrupted, file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the point of this function
        if os.environ.get("LOG_LEVEL", "").upper() == "DEBUG":
            print(redact(traceback.format_exc()), file=sys.stderr, end="")
        message, code = describe(
            error, (UserError, FileNotFoundError) + user_errors, server_address, offline_option
        )
        # One line, whatever the message holds (SDK errors and server pages have newlines).
        print(f"error: {redact(' '.join(message.split()))}", file=sys.stderr)
        return code
    finally:
        if quiet:
            logging.getLogger(SDK_LOGGER_NAME).removeFilter(quiet)


class QuietSdkWarnings(logging.Filter):
    """A filter for the SDK's logger: its retries as plain notes, its failed-request warnings off.

    The SDK logs a JSON warning for every request that fails, then raises; ``run`` turns what it
    raises into one line, so those warnings only repeat it. A retry is news while it waits, so
    the first retry of each API method prints one ``note:`` line. Other records pass unchanged.

    Examples:
        >>> quiet = QuietSdkWarnings()
        >>> record = logging.makeLogRecord({
        ...     "msg": "Temporary connection error, please wait ...:  Retrying (1/5).",
        ...     "method": "workspaces.info", "url": "http://h/public/api/v3/workspaces.info",
        ...     "details": "ConnectionError('refused')"})
        >>> quiet.filter(record)  # prints the note to stderr
        False
        >>> quiet.filter(logging.makeLogRecord({"msg": "Uploading images"}))
        True
    """

    RETRY = re.compile(r"Retrying \(\d+/\d+\)")
    SERVER_ERROR = re.compile(r"\b(5\d\d) Server Error")
    # The SDK's words before a failed request raises (network_exceptions.py, api.py).
    FAILED_REQUEST = ("Request has failed.", "Failed to get instance version from server")

    def __init__(self) -> None:
        super().__init__()
        self.retried_methods: set[Optional[str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not self.RETRY.search(message):
            return not message.startswith(self.FAILED_REQUEST)
        method = getattr(record, "method", None)
        if method not in self.retried_methods:
            self.retried_methods.add(method)
            url = getattr(record, "url", "the server")
            status = self.SERVER_ERROR.search(str(getattr(record, "details", "")))
            what = f"{url} answered {status.group(1)}" if status else f"no answer from {url}"
            print(redact(f"note: {what}; trying again"), file=sys.stderr)
        return False


def describe(
    error: BaseException,
    user_errors: Tuple[Type[BaseException], ...],
    server_address: Callable[[], Optional[str]],
    offline_option: str = "",
) -> Tuple[str, int]:
    """The line to show for ``error`` and the exit code to end with."""
    otherwise = f", or {offline_option}" if offline_option else ""
    if isinstance(error, CommandFailed):
        return str(error), error.exit_code
    if isinstance(error, user_errors):
        return str(error), EXIT_USER_ERROR
    server = server_address() or "the server"
    if isinstance(error, requests.HTTPError) and error.response is not None:
        status = error.response.status_code
        if status in (401, 403):
            return (
                f"{server} rejected API_TOKEN ({status}): put a valid token for this server in "
                f"~/supervisely.env (see README, 'Use a Supervisely server'){otherwise}",
                EXIT_USER_ERROR,
            )
        endpoint = error.response.url.rsplit("/", 1)[-1]
        return (
            f"{server} refused {endpoint} ({status}): {server_message(error.response)}; "
            "rerun with LOG_LEVEL=DEBUG for details",
            EXIT_UNEXPECTED,
        )
    if isinstance(error, (requests.ConnectionError, requests.exceptions.RetryError)):
        return (
            f"no usable answer from {server} after all retries (connection errors or 5xx): check "
            f"SERVER_ADDRESS and that the server is up, then run again{otherwise} "
            "(SUPERVISELY_PUBLIC_API_RETRIES sets the number of attempts)",
            EXIT_USER_ERROR,
        )
    return (
        f"unexpected {type(error).__name__}: {error} (rerun with LOG_LEVEL=DEBUG for the traceback)",
        EXIT_UNEXPECTED,
    )


def server_message(response: requests.Response) -> str:
    """The human part of a Supervisely error body, or the body's first 200 characters.

    Examples:
        >>> response = requests.Response()
        >>> response._content = b'{"error": "Not found", "details": {"message": "no image 9"}}'
        >>> server_message(response)
        'no image 9'
        >>> response._content = b"<html>502 Bad Gateway</html>"
        >>> server_message(response)
        '<html>502 Bad Gateway</html>'
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        details = body.get("details")
        if isinstance(details, dict) and details.get("message"):
            return str(details["message"])
        if body.get("error"):
            return str(body["error"])
    return response.text[:200]


def redact(text: str) -> str:
    """``text`` with the API token, if one is set, replaced by ``***``.

    Examples:
        >>> os.environ["API_TOKEN"] = "s3cr3t"
        >>> redact("x-api-key: s3cr3t")
        'x-api-key: ***'
        >>> del os.environ["API_TOKEN"]
    """
    token = os.environ.get("API_TOKEN")
    return text.replace(token, "***") if token else text
