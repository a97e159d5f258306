"""Give every HTTP request of the SDK a connect and a read timeout.

SDK 6.74.51 sends its requests with ``requests.post(...)`` and ``requests.get(...)`` and no
``timeout`` (``supervisely/api/api.py``, ``Api.post`` and ``Api.get``): a server that accepts
the connection and never answers keeps the call waiting forever. Inside :func:`request_timeouts`
a request that names no timeout gets ``(connect, read)`` seconds; when it runs out, requests
raises a ``Timeout``, which the SDK retries like a dropped connection (``network_exceptions.py``
lists ``requests.exceptions.Timeout`` among its connection errors) and, after its last try,
ends with ``RetryError`` as for a dead server. The SDK's own calls stay as they are:

    with request_timeouts():
        project = api.project.create(workspace_id, "tutorial-bindings")

Defaults: 10 s to connect, 60 s between two bytes of an answer; ``SLY_CONNECT_TIMEOUT_SEC`` and
``SLY_READ_TIMEOUT_SEC`` change them. The retry budget of a silent server is then at most
``SUPERVISELY_PUBLIC_API_RETRIES x (connect + read)`` seconds plus the SDK's sleeps.

Copy this file into your own script: it needs only ``requests``.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any, Iterator, Optional, Tuple

import requests

from sly_bindings.files.limits import SettingError, positive_setting

CONNECT_VARIABLE, DEFAULT_CONNECT_SEC = "SLY_CONNECT_TIMEOUT_SEC", 10.0
READ_VARIABLE, DEFAULT_READ_SEC = "SLY_READ_TIMEOUT_SEC", 60.0


# A timeout variable that is not a positive number (the one rule: files/limits.py).
TimeoutSettingError = SettingError


def configured_timeouts() -> Tuple[float, float]:
    """``(connect, read)`` seconds from the environment, or the defaults (10, 60).

    Raises:
        TimeoutSettingError: a variable is set to something other than a positive number.

    Examples:
        >>> configured_timeouts()
        (10.0, 60.0)
    """
    return (
        _seconds(CONNECT_VARIABLE, DEFAULT_CONNECT_SEC),
        _seconds(READ_VARIABLE, DEFAULT_READ_SEC),
    )


def _seconds(name: str, default: float) -> float:
    return positive_setting(name, default)


@contextlib.contextmanager
def request_timeouts(
    timeouts: Optional[Tuple[float, float]] = None,
) -> Iterator[Tuple[float, float]]:
    """Within the block, every ``requests`` request without a timeout gets ``timeouts``.

    ``timeouts`` is ``(connect, read)`` in seconds; by default :func:`configured_timeouts`.
    A request that sets its own timeout keeps it. Blocks may nest; each restores what it found.

    Raises:
        TimeoutSettingError: see :func:`configured_timeouts`.

    Examples:
        >>> with request_timeouts((0.5, 0.5)) as used:
        ...     used
        (0.5, 0.5)
        >>> requests.Session.request is _unpatched_request()
        True
    """
    chosen = configured_timeouts() if timeouts is None else timeouts
    saved = requests.Session.request

    @functools.wraps(saved)
    def request(self: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = chosen
        return saved(self, method, url, **kwargs)

    request.__wrapped_original__ = getattr(saved, "__wrapped_original__", saved)  # type: ignore
    requests.Session.request = request  # type: ignore[method-assign]
    try:
        yield chosen
    finally:
        requests.Session.request = saved  # type: ignore[method-assign]


def _unpatched_request() -> Any:
    """``requests.Session.request`` as requests defines it (for the example above)."""
    current = requests.Session.request
    return getattr(current, "__wrapped_original__", current)
