"""How a run ends on a signal: Ctrl+C, SIGTERM, SIGHUP (a closed terminal, a dropped ssh) and
SIGQUIT all unwind the program as Ctrl+C does, so the ``finally`` blocks that remove staging
folders and temporary files run; SIGXFSZ (a file over ``ulimit -f``) is ignored, so the write
fails with EFBIG, which ``runner.describe`` puts in one line, instead of killing the process.

Only the standard library: a script guards its first imports with
:func:`interrupted_while_loading` before anything heavy (requests, the SDK) is imported.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import Any, Dict, Iterator, Optional

EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM
# The signals that end a run as Ctrl+C does (a shell's exit code for each: 128 + its number).
ENDING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name)
)


class Terminated(KeyboardInterrupt):
    """SIGTERM, SIGHUP or SIGQUIT, raised where the program is, so that it unwinds as for
    Ctrl+C; ``exit_code`` is the shell's for that signal.

    Examples:
        >>> Terminated().exit_code, Terminated(signal.SIGHUP).exit_code
        (143, 129)
    """

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__()
        self.signum = signum
        self.exit_code = 128 + signum


def exit_code_of(interruption: KeyboardInterrupt) -> int:
    """The exit code of a run ``interruption`` ended: 130 for Ctrl+C, 128 + the signal's number
    for :class:`Terminated`.

    Examples:
        >>> exit_code_of(KeyboardInterrupt()), exit_code_of(Terminated(signal.SIGQUIT))
        (130, 131)
    """
    return interruption.exit_code if isinstance(interruption, Terminated) else EXIT_INTERRUPTED


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM, SIGHUP and SIGQUIT raise :class:`Terminated` (a
    KeyboardInterrupt) in the main thread, so the program cleans up as for Ctrl+C, and SIGXFSZ
    is ignored (a write over ``ulimit -f`` fails with EFBIG). Elsewhere than the main thread:
    nothing.

    Examples:
        >>> with sigterm_as_interrupt():
        ...     signal.getsignal(signal.SIGHUP) is not signal.SIG_DFL
        True
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: Any) -> None:
        raise Terminated(signum)

    saved: Dict[int, Any] = {}
    for signum in ENDING_SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:  # nohup: HUP stays ignored
            saved[signum] = signal.signal(signum, terminate)
    if hasattr(signal, "SIGXFSZ"):
        saved[signal.SIGXFSZ] = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def say(line: str) -> None:
    """Print ``line`` on stderr, if stderr is still there (after SIGHUP the terminal is gone)."""
    try:
        print(line, file=sys.stderr)
    except (OSError, ValueError):
        pass


# The levels the SDK's logger takes (a LOG_LEVEL it cannot take raises while it is imported).
LOG_LEVELS = ("CRITICAL", "FATAL", "ERROR", "WARN", "WARNING", "INFO", "DEBUG", "TRACE", "NOTSET")


def log_level_problem() -> Optional[str]:
    """What is wrong with LOG_LEVEL (or LOGLEVEL), which the SDK reads while it is imported; None
    when it is unset or a level the SDK's logger takes.

    Examples:
        >>> os.environ["LOG_LEVEL"] = "verbose"
        >>> log_level_problem()
        "LOG_LEVEL='verbose' is not a log level: use DEBUG, INFO, WARNING, ERROR or TRACE, or unset it"
        >>> del os.environ["LOG_LEVEL"]
    """
    name = "LOG_LEVEL" if os.environ.get("LOG_LEVEL") is not None else "LOGLEVEL"
    value = os.environ.get(name)
    if value is not None and value.upper() not in LOG_LEVELS:
        return (
            f"{name}={value!r} is not a log level: use DEBUG, INFO, WARNING, ERROR or TRACE, "
            "or unset it"
        )
    return None


@contextlib.contextmanager
def interrupted_while_loading(
    line: str = "interrupted while loading the SDK: nothing was done",
) -> Iterator[None]:
    """Around a script's imports: Ctrl+C (or SIGTERM, SIGHUP, SIGQUIT) while they load ends the
    process with ``line`` on stderr and exit code 130 (143, 129, 131), instead of a traceback
    through the SDK; a LOG_LEVEL the SDK cannot take ends it first, in one line, exit 2.

    Examples:
        >>> with interrupted_while_loading():
        ...     import json
    """
    problem = log_level_problem()
    if problem is not None:  # the SDK would raise it while loading, as a traceback
        say(f"error: {problem}")
        raise SystemExit(2)
    with sigterm_as_interrupt():
        try:
            yield
        except KeyboardInterrupt as interruption:
            say(line)
            raise SystemExit(exit_code_of(interruption)) from None
