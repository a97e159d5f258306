"""What an endpoint answers: a status, a body and its content type, or an API error."""

import json
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple


@dataclass(frozen=True)
class Response:
    """One HTTP answer of the test server.

    Examples:
        >>> json_response({"version": "6.12.44"}).body
        b'{"version":"6.12.44"}'
    """

    status: int
    body: bytes
    content_type: str = "application/json"
    # Misbehaviour (tests/sly_test_server/faults.py builds these): extra headers, one byte
    # every ``drip_sec`` seconds (from the status line on with ``drip_headers``, else from the
    # body on), or a body without length that never ends.
    headers: Tuple[Tuple[str, str], ...] = ()
    drip_sec: float = 0.0
    drip_headers: bool = False
    endless: bool = False


def json_response(payload: Any, status: int = 200) -> Response:
    """Serialise ``payload`` compactly as the body of a JSON answer.

    Examples:
        >>> json_response([1, 2], status=201).body
        b'[1,2]'
    """
    return Response(status, json.dumps(payload, separators=(",", ":")).encode("utf-8"))


class ApiError(Exception):
    """An API error the way the Supervisely server reports one.

    The body is ``{"error": ..., "details": {"message": ..., **extra}}``, which is what
    ``sly.Api.parse_error`` reads. Messages must never contain a header value (the token).

    Examples:
        >>> error = ApiError(404, "Not found", "Image with id 7 not found")
        >>> error.to_response().body
        b'{"error":"Not found","details":{"message":"Image with id 7 not found"}}'
    """

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        extra_details: Optional[Dict[str, Any]] = None,
    ):
        if not 400 <= status <= 599:
            raise ValueError(f"An API error needs a 4xx or 5xx status, got {status}")
        super().__init__(f"{status} {error}: {message}")
        self.status = status
        self.error = error
        self.message = message
        self.extra_details = dict(extra_details or {})

    def to_response(self) -> Response:
        details = {"message": self.message, **self.extra_details}
        return json_response({"error": self.error, "details": details}, status=self.status)


def not_found(message: str) -> ApiError:
    """A 404 answer, which the SDK's ``get_info_by_id`` methods turn into ``None``."""
    return ApiError(404, "Entity not found", message)


def bad_request(message: str, **extra_details: Any) -> ApiError:
    """A 400 answer: the request is malformed or breaks a rule of the server."""
    return ApiError(400, "Bad request", message, extra_details)
