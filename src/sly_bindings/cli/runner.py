"""Run a command-line entry point so that every failure ends in one line and an exit code.

Exit codes: 0 done, 2 bad input or set-up (the line says what to fix), 1 an unexpected failure,
130 interrupted, 143 terminated (129 SIGHUP, 131 SIGQUIT: ``cli/signals.py``), 141 when whoever read the output closed it early. The traceback is shown only with ``LOG_LEVEL=DEBUG``. Every line that leaves
here has the API token blanked out, whatever produced it.

Unless LOG_LEVEL is set, the SDK's JSON warnings about a failed request stay off the terminal
(the error line says it in words) and its retries show as one ``note:`` line per API method.
Every request is guarded (``server/guard.py``): timeouts, a total deadline, no redirect to
another address, a cap on the answer's size and on ``Retry-After``. SIGTERM, SIGHUP and SIGQUIT
end the run as Ctrl+C does, so the ``finally`` blocks that remove staging folders and temporary
files run (``cli/signals.py``).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import html
import io
import json
import logging
import os
import re
import signal
import sys
import traceback
from typing import Any, Callable, Iterator, List, NoReturn, Optional, Sequence, Tuple, Type
from urllib.parse import quote, quote_plus, unquote

import requests

from sly_bindings.cli.printable import printable
from sly_bindings.cli.signals import (  # noqa: F401 - EXIT_*, Terminated: runner's names too
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    Terminated,
    exit_code_of,
    interrupted_while_loading,
    log_level_problem,
    say,
    sigterm_as_interrupt,
)
from sly_bindings.files.write_checks import disk_problem, is_disk_problem, path_problem
from sly_bindings.server import guard
from sly_bindings.server.guard import (  # noqa: F401 - shown_address: runner's name too
    UntrustedAnswer,
    address_password,
    guarded_requests,
    shown_address,
)
from sly_bindings.server.timeouts import TimeoutSettingError

EXIT_UNEXPECTED = 1
EXIT_USER_ERROR = 2
# As a shell reports a process that SIGPIPE ended: not 1 (``validate``: problems found).
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE

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


# argparse's messages for a missing argument: a mistyped option is often the reason.
MISSING_ARGUMENT = ("the following arguments are required", "one of the arguments")
NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")


def usage_error(prog: str, message: str) -> NoReturn:
    """End the run with the one line of a usage error, ``error: ... (see PROG --help)``, and
    exit code 2."""
    # A value the user typed (a path, a name) may hold LF, CR or ESC: shown escaped.
    sys.stderr.write(f"error: {printable(message)} (see {printable(prog)} --help)\n")
    sys.exit(EXIT_USER_ERROR)


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser whose usage errors are one line, like every other error, and exit 2.

    An argument missing because an option was mistyped names the mistyped option too (argparse
    would name only the missing argument).

    Examples:
        >>> parser = ArgumentParser(prog="main.py")
        >>> _ = parser.add_argument("--image", required=True)
        >>> parser.parse_args([])  # prints the line below to stderr  # doctest: +SKIP
        error: the following arguments are required: --image (see main.py --help)
        >>> parser.parse_args(["--imgae", "a.jpg"])  # doctest: +SKIP
        error: unrecognized arguments: --imgae; the following arguments are required: --image \
(see main.py --help)
    """

    given: Tuple[str, ...] = ()

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        """argparse's, remembering ``args`` for :meth:`error`."""
        self.given = tuple(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def unknown_options(self, args: Sequence[str]) -> List[str]:
        """The options in ``args`` (before a ``--``) that this parser does not know, nor
        abbreviates (``--proj`` for ``--project-id``); negative numbers are values.

        Examples:
            >>> parser = ArgumentParser(prog="p")
            >>> _ = parser.add_argument("--project-id")
            >>> parser.unknown_options(["--proj", "7", "--bogus", "-1", "--x=2", "--", "--y"])
            ['--bogus', '--x=2']
        """
        known = self._option_string_actions
        unknown = []
        for arg in args:
            if arg == "--":
                break
            name = arg.split("=", 1)[0]
            if not arg.startswith("-") or arg == "-" or NEGATIVE_NUMBER.match(arg):
                continue
            if name in known or (name.startswith("--") and any(o.startswith(name) for o in known)):
                continue
            unknown.append(arg)
        return unknown

    def error(self, message: str) -> NoReturn:
        if message.startswith(MISSING_ARGUMENT):
            unknown = self.unknown_options(self.given)
            if unknown:
                message = f"unrecognized arguments: {' '.join(unknown)}; {message}"
        usage_error(self.prog, message)


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
    quiet = QuietSdkWarnings(silent=not any(map(os.environ.get, ("LOG_LEVEL", "LOGLEVEL"))))
    secrets = RedactingFilter()
    LAST_RETRIED_STATUS[0] = None
    with contextlib.ExitStack() as cleanup:
        cleanup.enter_context(filters_installed(quiet, secrets))
        cleanup.enter_context(redacted_output())
        cleanup.enter_context(sigterm_as_interrupt())
        try:
            check_log_level()
            check_stdout_open()
            cleanup.enter_context(guarded_requests())
            return main() or 0
        except BrokenPipeError:
            # Whoever read our output has gone (`| head`): say on stderr that the run was cut short.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            print(
                "error: the output was closed early (a pipe): the run stopped there",
                file=sys.stderr,
            )
            return EXIT_BROKEN_PIPE
        except KeyboardInterrupt as interruption:  # Ctrl+C, or a signal of cli/signals.py
            say(interrupted)
            return exit_code_of(interruption)
        except Exception as error:  # noqa: BLE001 - the point of this function
            if os.environ.get("LOG_LEVEL", "").upper() == "DEBUG":
                print(redact(traceback.format_exc()), file=sys.stderr, end="")
            message, code = describe(
                error,
                (UserError, FileNotFoundError, TimeoutSettingError) + user_errors,
                server_address,
                offline_option,
                quiet.last_status,
            )
            # One line, whatever the message holds (SDK errors and server pages have newlines);
            # redacted first, so that a token with a newline in it is found as it is.
            print(f"error: {printable(' '.join(redact(message).split()))}", file=sys.stderr)
            return code
    raise AssertionError("unreachable: the block returns")


@contextlib.contextmanager
def filters_installed(quiet: "QuietSdkWarnings", secrets: "RedactingFilter") -> Iterator[None]:
    """``quiet`` on the SDK's logger; ``secrets`` on it, on the root logger and on their
    handlers (a logger's filter sees only the records logged on it, a handler's every record)."""
    sdk, root = logging.getLogger(SDK_LOGGER_NAME), logging.getLogger()
    places: list[Any] = [sdk, root, *sdk.handlers, *root.handlers]
    sdk.addFilter(quiet)
    for place in places:
        place.addFilter(secrets)
    try:
        yield
    finally:
        sdk.removeFilter(quiet)
        for place in places:
            place.removeFilter(secrets)


@contextlib.contextmanager
def redacted_output() -> Iterator[None]:
    """Within the block, what is written to ``sys.stdout`` and ``sys.stderr`` is redacted
    (:class:`RedactedStream`): a server's answer may hold the token in a name that a command
    prints (a dataset, an image), and ``--json`` writes it as the answer gave it."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (
        stream if stream is None or isinstance(stream, RedactedStream) else RedactedStream(stream)
        for stream in saved
    )
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            if isinstance(stream, RedactedStream):
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
        sys.stdout, sys.stderr = saved


class RedactedStream:
    """A text stream that passes on what is written to it line by line (a line ends at LF or
    CR, as a progress bar's does) with :func:`redact` applied, so that a secret written in
    pieces is found whole. ``flush`` passes on the unfinished line too. Everything else is the
    wrapped stream's.

    Examples:
        >>> os.environ["API_TOKEN"] = "s3cr3t-0123456789"
        >>> out = io.StringIO()
        >>> stream = RedactedStream(out)
        >>> _ = stream.write("name: s3cr3t"), stream.write("-0123456789\\n")
        >>> out.getvalue()
        'name: ***\\n'
        >>> del os.environ["API_TOKEN"]
    """

    # An unfinished line longer than this is passed on (redacted) without waiting for its end.
    MAX_PENDING = 1 << 16

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        if not self._pending and not secret_values():
            return self._stream.write(text)
        pending = self._pending + text
        cut = max(pending.rfind("\n"), pending.rfind("\r")) + 1
        if len(pending) - cut > self.MAX_PENDING:
            cut = len(pending)
        self._pending = pending[cut:]
        if cut:
            self._stream.write(redact(pending[:cut]))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, ""
            self._stream.write(redact(pending))
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class RedactingFilter(logging.Filter):
    """Blank the secrets out of every log record: its message, its extra fields, its traceback.

    It never raises, whatever the record holds: a record it cannot read becomes a line saying
    so (the record is kept, its text is not).

    Examples:
        >>> os.environ["API_TOKEN"] = "s3cr3t"
        >>> record = logging.makeLogRecord({"msg": "body: %s", "args": ('{"t": "s3cr3t"}',),
        ...                                 "details": "x-api-key=s3cr3t"})
        >>> RedactingFilter().filter(record), record.getMessage(), record.details
        (True, 'body: {"t": "***"}', 'x-api-key=***')
        >>> del os.environ["API_TOKEN"]
    """

    # Fields the logging machinery reads as they are (exc_info is a tuple of the exception).
    KEPT = frozenset(("msg", "args", "exc_info", "exc_text"))

    def filter(self, record: logging.LogRecord) -> bool:
        if not secret_values():
            return True
        try:
            self._redact(record)
        except Exception:  # noqa: BLE001 - a record we cannot read is not shown
            record.msg, record.args = "(a log record that could not be checked for secrets)", ()
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True

    def _redact(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - arguments that do not fit the format
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = redact(message), ()
        for name, value in list(vars(record).items()):
            if name not in self.KEPT and isinstance(value, (str, dict, list, tuple)):
                text = value if isinstance(value, str) else repr(value)
                if redact(text) != text:
                    setattr(record, name, redact(text))
        if record.exc_info and not record.exc_text:
            exc_info = record.exc_info
            if isinstance(exc_info, tuple) and len(exc_info) == 3:
                lines = traceback.format_exception(*exc_info)
            else:
                lines = [repr(exc_info)]
            record.exc_text = redact("".join(lines))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None


# The status of the last answer the SDK retried in this process (None: no answer), for commands
# that describe a failure outside ``run`` (project_commands.stopped_run_failure).
LAST_RETRIED_STATUS: list[Optional[int]] = [None]


class QuietSdkWarnings(logging.Filter):
    """A filter for the SDK's logger: its retries as plain notes, its failed-request warnings off.

    The SDK logs a JSON warning for every request that fails, then raises; ``run`` turns what it
    raises into one line, so those warnings only repeat it. A retry is news while it waits, so
    the first retry of each API method prints one ``note:`` line. Other records pass unchanged.
    With ``silent=False`` (LOG_LEVEL set) every record passes. Either way ``last_status`` keeps
    the HTTP status of the last retried answer (None: no answer), for the final line.

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
    HTTP_ERROR = re.compile(r"\b([45]\d\d) (?:Client|Server) Error")
    # The SDK's words before a failed request raises (network_exceptions.py, api.py), and its
    # JSON warning against a server older than itself (api.py, _check_version).
    FAILED_REQUEST = (
        "Request has failed.",
        "Failed to get instance version from server",
        "The current version of the Supervisely instance",
        "Supervisely instance version",
    )

    def __init__(self, silent: bool = True) -> None:
        super().__init__()
        self.silent = silent
        self.retried_methods: set[Optional[str]] = set()
        self.last_status: Optional[int] = None

    def filter(self, record: logging.LogRecord) -> bool:
        refused = isinstance(record.exc_info, tuple) and isinstance(
            record.exc_info[1], UntrustedAnswer
        )
        # The SDK logs a traceback before it raises what ``run`` turns into the line.
        level = record.levelno if isinstance(record.levelno, int) else logging.NOTSET
        traced = level >= logging.ERROR and record.exc_info is not None
        if self.silent and (refused or traced):
            return False
        message = record.getMessage()
        if not self.RETRY.search(message):
            return not (self.silent and message.startswith(self.FAILED_REQUEST))
        status = self.HTTP_ERROR.search(str(getattr(record, "details", "")))
        self.last_status = int(status.group(1)) if status else None
        LAST_RETRIED_STATUS[0] = self.last_status
        if not self.silent:
            return True
        method = getattr(record, "method", None)
        if method not in self.retried_methods:
            self.retried_methods.add(method)
            url = shown_address(str(getattr(record, "url", "the server")))
            if self.last_status == 429:
                what = f"{url} is limiting the rate of requests (429)"
            elif self.last_status is not None:
                what = f"{url} answered {self.last_status}"
            else:
                what = f"no answer from {url}"
            print(redact(f"note: {what}; trying again"), file=sys.stderr)
        return False


def describe(
    error: BaseException,
    user_errors: Tuple[Type[BaseException], ...],
    server_address: Callable[[], Optional[str]],
    offline_option: str = "",
    last_status: Optional[int] = None,
) -> Tuple[str, int]:
    """The line to show for ``error`` and the exit code to end with.

    ``last_status`` is the HTTP status of the last answer the SDK retried (None: no answer);
    by default the one :class:`QuietSdkWarnings` saw last. An answer the request guard refused
    (``server/guard.py``) is found behind what the SDK made of it.
    """
    if last_status is None:
        last_status = LAST_RETRIED_STATUS[0]
    otherwise = f", or {offline_option}" if offline_option else ""
    if isinstance(error, CommandFailed):
        return str(error), error.exit_code
    if isinstance(error, user_errors):
        return str(error), EXIT_USER_ERROR
    refused = untrusted_answer(error)
    if refused is not None:
        return str(refused), EXIT_USER_ERROR
    server = shown_address(server_address() or "the server")
    if isinstance(error, requests.HTTPError) and error.response is not None:
        status = error.response.status_code
        if status in (401, 403):
            return (
                f"{server} rejected API_TOKEN ({status}): put a valid token for this server in "
                f"~/supervisely.env (see README, 'Use a Supervisely server'){otherwise}",
                EXIT_USER_ERROR,
            )
        endpoint = error.response.url.rsplit("/", 1)[-1]
        if status == 429:
            return (
                f"{server} is limiting the rate of requests (429 Too Many Requests) on "
                f"{endpoint}: wait a few minutes and run again{otherwise}",
                EXIT_USER_ERROR,
            )
        return (
            f"{server} refused {endpoint} ({status}): {server_message(error.response)}; "
            "rerun with LOG_LEVEL=DEBUG for details",
            EXIT_UNEXPECTED,
        )
    what = guard.LAST_PROBLEM[0]
    if isinstance(error, requests.exceptions.RetryError) and last_status == 429:
        return (
            f"{server} kept limiting the rate of requests (429 Too Many Requests) after all "
            f"retries{f' ({what})' if what else ''}: wait a few minutes and run again, or raise "
            "SUPERVISELY_PUBLIC_API_RETRIES and SUPERVISELY_PUBLIC_API_RETRY_SLEEP_SEC"
            f"{otherwise}",
            EXIT_USER_ERROR,
        )
    if isinstance(error, requests.exceptions.InvalidHeader) and "API_TOKEN" not in str(error):
        return (
            "API_TOKEN cannot be sent in a request header (a newline or other control "
            "character, or a character outside Latin-1): copy the token again",
            EXIT_USER_ERROR,
        )
    if isinstance(
        error, (requests.ConnectionError, requests.Timeout, requests.exceptions.RetryError)
    ):
        if what:
            return (
                f"no usable answer from {server} after all retries: {what}; run again later"
                f"{otherwise} (SUPERVISELY_PUBLIC_API_RETRIES sets the number of attempts)",
                EXIT_USER_ERROR,
            )
        return (
            f"no usable answer from {server} after all retries (connection errors, timeouts or "
            f"5xx): check SERVER_ADDRESS and that the server is up, then run again{otherwise} "
            "(SUPERVISELY_PUBLIC_API_RETRIES sets the number of attempts, SLY_READ_TIMEOUT_SEC "
            "the wait for an answer)",
            EXIT_USER_ERROR,
        )
    if is_disk_problem(error):
        cause, fix = disk_problem(error)  # type: ignore[arg-type]
        return f"{cause}: {fix}", EXIT_USER_ERROR
    if path_problem(error) is not None:
        return str(path_problem(error)), EXIT_USER_ERROR
    if isinstance(error, MemoryError):
        return (
            "out of memory: the input is larger than this machine's memory can hold at once "
            "(or than a limit set with ulimit -v): split it into smaller parts, or run on a "
            "machine with more memory",
            EXIT_USER_ERROR,
        )
    if isinstance(error, RecursionError):
        return (
            "an input nested too deep to read (a JSON, YAML or XML file whose lists or objects "
            "hold each other thousands of levels deep): fix the file or export it again",
            EXIT_USER_ERROR,
        )
    if is_answer_shape_error(error):
        return (
            f"{server} answered with JSON of a shape the SDK does not read "
            f"({type(error).__name__}: {error}): check that SERVER_ADDRESS is a Supervisely "
            "server (rerun with LOG_LEVEL=DEBUG for the traceback)",
            EXIT_USER_ERROR,
        )
    return (
        f"unexpected {type(error).__name__}: {error} (rerun with LOG_LEVEL=DEBUG for the traceback)",
        EXIT_UNEXPECTED,
    )


def untrusted_answer(error: BaseException) -> Optional[UntrustedAnswer]:
    """The refused answer (``server/guard.py``) behind ``error``, following ``__cause__`` and
    ``__context__`` (the SDK turns it into a RuntimeError of its own), or None.

    Examples:
        >>> try:
        ...     try:
        ...         raise UntrustedAnswer("h answered with an HTML page")
        ...     except Exception:
        ...         raise RuntimeError("Request has failed")
        ... except RuntimeError as error:
        ...     str(untrusted_answer(error))
        'h answered with an HTML page'
    """
    seen = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        if isinstance(current, UntrustedAnswer):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


# Errors the SDK raises when an answer's JSON lacks a field or has another type than it reads.
SHAPE_ERRORS = (KeyError, TypeError, AttributeError, IndexError, ValueError)


def is_answer_shape_error(error: BaseException) -> bool:
    """Whether ``error`` is the SDK reading an answer of a shape it does not expect: a KeyError,
    TypeError, ... raised in the SDK's API code (``supervisely/api/``).

    Examples:
        >>> is_answer_shape_error(KeyError("id"))  # raised here, not in the SDK
        False
    """
    if not isinstance(error, SHAPE_ERRORS):
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and any(
        f"supervisely{os.sep}api{os.sep}" in frame.filename for frame in frames[-3:]
    )


def check_log_level() -> None:
    """Refuse a LOG_LEVEL (or LOGLEVEL) the SDK's logger cannot take, before the SDK loads (it
    raises a ValueError while being imported): :func:`cli.signals.log_level_problem`.

    Raises:
        UserError: the line names the variable, its value and the levels to use.

    Examples:
        >>> os.environ["LOG_LEVEL"] = "verbose"
        >>> check_log_level()
        Traceback (most recent call last):
        ...
        sly_bindings.cli.runner.UserError: LOG_LEVEL='verbose' is not a log level: use DEBUG, INFO, WARNING, ERROR or TRACE, or unset it
        >>> del os.environ["LOG_LEVEL"]
    """
    problem = log_level_problem()
    if problem is not None:
        raise UserError(problem)


def stdout_open() -> bool:
    """Whether the standard output can be written (``>&-`` closes it; Python then sets
    ``sys.stdout`` to None, and ``print`` writes nothing, without a word; ``1</dev/null`` opens
    it for reading only)."""
    if sys.stdout is None:
        return False
    try:
        descriptor = sys.stdout.fileno()
        os.fstat(descriptor)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return not hasattr(sys.stdout, "buffer") or sys.stdout is not sys.__stdout__
    try:
        import fcntl  # POSIX: how the descriptor was opened
    except ImportError:
        return True
    return fcntl.fcntl(descriptor, fcntl.F_GETFL) & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR)


def check_stdout_open() -> None:
    """Refuse to run with the standard output closed (``>&-``), before anything is done: what
    the run prints (the JSON of ``--json``, the lines that say what was done) would be lost
    without a word, and the exit code would say it was not.

    Raises:
        UserError: the line says how to run instead.
    """
    if not stdout_open():
        raise UserError(
            "the standard output is closed (>&-) or read-only, so what the run prints (the JSON of --json, "
            "the lines that say what was done) would be lost: run with it open, or redirect it "
            "(> result.json, or > /dev/null to drop it)"
        )


def server_message(response: requests.Response) -> str:
    """The human part of a Supervisely error body; of any other body, only what it is.

    A body that is not the API's error JSON (a proxy's page, say) is not shown: it may quote
    the request, token included, in any encoding.

    Examples:
        >>> response = requests.Response()
        >>> response._content = b'{"error": "Not found", "details": {"message": "no image 9"}}'
        >>> server_message(response)
        'no image 9'
        >>> response._content = b"<html>502 Bad Gateway</html>"
        >>> server_message(response)
        "an answer that is not the API's JSON (28 bytes, not shown)"
    """
    try:
        body = response.json()
    except (ValueError, UntrustedAnswer):
        body = None
    if isinstance(body, dict):
        details = body.get("details")
        if isinstance(details, dict) and details.get("message"):
            return str(details["message"])
        if body.get("error"):
            return str(body["error"])
    return f"an answer that is not the API's JSON ({len(response.content or b'')} bytes, not shown)"


# Runs of at least this many characters of a secret are blanked, in any form.
SECRET_RUN = 8


def secret_values() -> Tuple[str, ...]:
    """The secrets to keep out of output: API_TOKEN and the password in SERVER_ADDRESS.

    Examples:
        >>> os.environ["SERVER_ADDRESS"] = "https://me:pa55word@h"
        >>> secret_values()
        ('pa55word',)
        >>> del os.environ["SERVER_ADDRESS"]
    """
    found = [os.environ.get("API_TOKEN") or ""]
    password = address_password(os.environ.get("SERVER_ADDRESS") or "") or ""
    # requests sends the password percent-decoded (Basic auth): both spellings are secrets.
    found += [password, unquote(password)]
    return tuple(dict.fromkeys(secret for secret in found if secret))


def redact(text: str) -> str:
    r"""``text`` with every run of 8 or more characters of a secret (API_TOKEN, the password in
    SERVER_ADDRESS) replaced by ``***``, in any form it may take (:func:`token_forms`).

    A secret shorter than 8 characters is blanked where it stands whole (a password, only as
    the user part of an address). It never raises: text it cannot check is not returned.

    Examples:
        >>> os.environ["API_TOKEN"] = "s3cr3t-0123456789"
        >>> redact("x-api-key: s3cr3t-0123456789")
        'x-api-key: ***'
        >>> redact("echo: ...s3cr3t-0123 (cut)")
        'echo: ...*** (cut)'
        >>> os.environ["API_TOKEN"] = "s3cr\n3t"
        >>> redact("'s3cr\\n3t' and s3cr 3t")
        "'***' and ***"
        >>> del os.environ["API_TOKEN"]
    """
    try:
        secrets = secret_values()
        if not secrets:
            return text
        return _blanked(str(text), secrets)
    except Exception:  # noqa: BLE001 - never show what could not be checked
        return "(text hidden: it could not be checked for secrets)"


def _blanked(text: str, secrets: Tuple[str, ...]) -> str:
    windows, whole = secret_patterns(secrets)
    for form in whole:
        text = text.replace(form, "***")
    if not windows or len(text) < SECRET_RUN:
        return text
    covered = bytearray(len(text))
    for start in range(len(text) - SECRET_RUN + 1):
        if text[start : start + SECRET_RUN] in windows:
            covered[start : start + SECRET_RUN] = b"\x01" * SECRET_RUN
    if not any(covered):
        return text
    pieces, start = [], 0
    while start < len(text):
        end = start
        while end < len(text) and covered[end] == covered[start]:
            end += 1
        pieces.append("***" if covered[start] else text[start:end])
        start = end
    return "".join(pieces)


@functools.lru_cache(maxsize=8)
def secret_patterns(secrets: Tuple[str, ...]) -> Tuple[frozenset[str], Tuple[str, ...]]:
    """``(windows, whole)``: every 8-character run of every form of the long secrets, and the
    forms to replace whole of the short ones (longest first)."""
    windows: set[str] = set()
    whole: set[str] = set()
    for secret in secrets:
        forms = token_forms(secret)
        if len(secret) >= SECRET_RUN:
            for form in forms:
                windows.update(form[i : i + SECRET_RUN] for i in range(len(form) - SECRET_RUN + 1))
        elif secret == os.environ.get("API_TOKEN"):
            whole.update(form for form in forms if len(form) >= 4 or form == secret)
        else:  # a short password: only where it stands in an address
            whole.update(f":{form}@" for form in forms)
    return frozenset(windows), tuple(sorted(whole, key=len, reverse=True))


@functools.lru_cache(maxsize=8)
def token_forms(token: str) -> frozenset[str]:
    r"""The spellings of ``token`` that may reach output: plain, escaped, encoded, one-lined.

    Escapes nest (a server quotes the token with ``repr`` in a JSON body, which a JSON log line
    escapes again), so every form escaped once more is a form too. Encodings: HTML entities,
    percent-encoding, base64 (at the three alignments it can have inside a longer text), and
    UTF-16 read as if it were 8-bit text.

    Examples:
        >>> forms = token_forms("a&b c")
        >>> all(form in forms for form in ("a&b c", "a&amp;b c", "a%26b%20c", "\x00a\x00&\x00b\x00 \x00c"))
        True
    """
    escapes: tuple[Callable[[str], str], ...] = (
        lambda text: repr(text)[1:-1],
        lambda text: json.dumps(text)[1:-1],
        lambda text: json.dumps(text, ensure_ascii=False)[1:-1],
        lambda text: quote(text, safe=""),
        lambda text: quote_plus(text, safe=""),
        lambda text: html.escape(text, quote=True),
        lambda text: html.escape(text, quote=False),
    )
    forms = {token, " ".join(token.split())}
    for codec in ("utf-16-le", "utf-16-be"):
        forms.add(token.encode(codec, "replace").decode("latin-1"))
    for _ in range(2):
        forms |= {escape(form) for form in forms for escape in escapes}
    for raw in {token.encode("utf-8", "replace"), token.encode("latin-1", "replace")}:
        for shift in range(3):
            for encode in (base64.b64encode, base64.urlsafe_b64encode):
                encoded = encode(b"\0" * shift + raw).decode("ascii")
                # Characters that depend on the bytes before and after are not the token's.
                forms.add(encoded[(4 * shift + 2) // 3 : -4])
    return frozenset(form for form in forms if form)
