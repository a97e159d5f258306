"""Planned failures: answer the next requests with an error, drop their connection, or
misbehave as a front (a proxy, a portal, a careless server) would: redirect, echo the token,
drip, answer HTML, limit the rate for ages, never end, answer JSON that is broken or of
another shape. The misbehaving answers are built by the functions at the end of this module
and planned with ``SlyTestServer.misbehave_next``.
"""

import base64
import html
import json
import threading
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable, List, Optional

from .responses import ApiError, Response

# Builds the answer from the server's token and the endpoint asked.
Answer = Callable[[str, str], Response]


@dataclass
class Fault:
    """What to do to a matching request.

    ``status`` is the error to answer, or ``None`` to close the connection without an answer.
    With ``after_processing`` the request changes the state first, then the client sees the
    fault (the case of a create whose answer got lost, so the client's retry creates twice).
    """

    remaining: int
    status: Optional[int]
    endpoint: Optional[str]
    after_processing: bool
    answer: Optional[Answer] = None

    def matches(self, endpoint: str) -> bool:
        return self.remaining > 0 and (self.endpoint is None or self.endpoint == endpoint)


class FaultPlan:
    """The faults still to happen, taken in the order they were planned.

    Examples:
        >>> plan = FaultPlan()
        >>> plan.add(2, status=503, endpoint="images.info", after_processing=False)
        >>> plan.take("projects.list") is None
        True
        >>> plan.take("images.info").status, plan.take("images.info").status
        (503, 503)
        >>> plan.take("images.info") is None
        True
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: List[Fault] = []

    def add(
        self,
        n: int,
        status: Optional[int],
        endpoint: Optional[str],
        after_processing: bool,
        answer: Optional[Answer] = None,
    ) -> None:
        """Plan a fault for the next ``n`` requests to ``endpoint`` (``None``: any request).

        Raises:
            ValueError: if ``n`` is not a positive integer or ``status`` is not 4xx/5xx.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        if status is not None and not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error (400-599, usually 5xx), got {status}")
        with self._lock:
            self._faults.append(Fault(n, status, endpoint, after_processing, answer))

    def take(self, endpoint: str) -> Optional[Fault]:
        """The fault for a request to ``endpoint``, used up by this call, or ``None``."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(endpoint):
                    fault.remaining -= 1
                    self._faults = [f for f in self._faults if f.remaining > 0]
                    return Fault(
                        1, fault.status, fault.endpoint, fault.after_processing, fault.answer
                    )
            return None

    def pending(self) -> int:
        """How many requests are still to fail or be dropped."""
        with self._lock:
            return sum(fault.remaining for fault in self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


# Misbehaving answers. Each takes (token, endpoint) and returns the Response to send.


def redirect(status: int, location: str) -> Answer:
    """A redirect to ``location``, where ``{endpoint}`` stands for the method asked.

    Examples:
        >>> redirect(302, "http://127.0.0.1:9/public/api/v3/{endpoint}")("t", "projects.info").headers
        (('Location', 'http://127.0.0.1:9/public/api/v3/projects.info'),)
    """
    return lambda token, endpoint: Response(
        status, b"", "text/plain", headers=(("Location", location.format(endpoint=endpoint)),)
    )


# How a careless server or proxy may quote the token it was sent.
ECHO_ENCODINGS = {
    "plain": lambda token: token,
    "html-escaped": lambda token: html.escape(token),
    "cut at 200": lambda token: ("x" * (200 - len(token) + 1) + token)[:200],
    "url-encoded": lambda token: urllib.parse.quote(token, safe=""),
    "base64": lambda token: base64.b64encode(b"key=" + token.encode("latin-1")).decode(),
    "json-escaped": lambda token: json.dumps(token),
    "repr": repr,
}


def echo(encoding: str, status: int = 500, page: bool = False) -> Answer:
    """An error that quotes the token in ``encoding`` (a key of ECHO_ENCODINGS, or "utf-16"):
    in the API's error JSON, or (``page``) in an HTML page, or UTF-16 bytes.

    Examples:
        >>> echo("html-escaped")("a&b", "x").body
        b'{"error":"Internal Server Error","details":{"message":"x-api-key was a&amp;b"}}'
    """

    def answer(token: str, endpoint: str) -> Response:
        if encoding == "utf-16":
            text = f"x-api-key was {token}"
            return Response(status, text.encode("utf-16"), "text/plain; charset=utf-16")
        quoted = ECHO_ENCODINGS[encoding](token)
        if page:
            body = f"<html><body><p>Bad request, x-api-key: {quoted}</p></body></html>"
            return Response(status, body.encode("utf-8", "replace"), "text/html")
        return ApiError(status, "Internal Server Error", f"x-api-key was {quoted}").to_response()

    return answer


def echo_escaped(status: int = 400) -> Answer:
    """The API's error JSON quoting the token with every character a ``\\uXXXX`` escape, as
    JSON allows: the bytes hold no run of the token, the parsed message holds all of it.

    Examples:
        >>> echo_escaped()("ab", "x").body
        b'{"error":"Bad request","details":{"message":"x-api-key was \\\\u0061\\\\u0062"}}'
    """

    def answer(token: str, endpoint: str) -> Response:
        escaped = "".join(f"\\u{ord(char):04x}" for char in token)
        body = '{"error":"Bad request","details":{"message":"x-api-key was %s"}}' % escaped
        return Response(status, body.encode("ascii"))

    return answer


def drip(seconds_per_byte: float, headers: bool) -> Answer:
    """A right-looking answer sent one byte every ``seconds_per_byte``, from the status line on
    (``headers``) or from the body on."""
    return lambda token, endpoint: Response(
        200, b'{"id": 1, "name": "dripped"}', drip_sec=seconds_per_byte, drip_headers=headers
    )


def html_page(status: int = 200) -> Answer:
    """A proxy's or captive portal's page."""
    page = b"<!DOCTYPE html><html><body>Please log in to the network</body></html>"
    return lambda token, endpoint: Response(status, page, "text/html; charset=utf-8")


def rate_limited(retry_after: str) -> Answer:
    """429 Too Many Requests with a ``Retry-After`` of ``retry_after``."""
    body = ApiError(429, "Too Many Requests", "slow down").to_response().body
    return lambda token, endpoint: Response(429, body, headers=(("Retry-After", retry_after),))


def endless() -> Answer:
    """200 and a JSON-looking body that never ends."""
    return lambda token, endpoint: Response(200, b'[{"id": 1}, ', endless=True)


def page_as(content_type: str, status: int = 200) -> Answer:
    """A portal's page sent as ``content_type`` (``application/octet-stream``, say)."""
    page = b"<!DOCTYPE html><html><body>Please log in to the network</body></html>"
    return lambda token, endpoint: Response(status, page, content_type)


def malformed_json() -> Answer:
    """200, Content-Type JSON, and JSON cut in the middle."""
    return lambda token, endpoint: Response(200, b'{"id": 1, "name": ')


def wrong_shape(payload: Any) -> Answer:
    """200 and well-formed JSON of another shape than the method answers (``payload``)."""
    return lambda token, endpoint: Response(200, json.dumps(payload).encode())
