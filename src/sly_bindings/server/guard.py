"""Every request of ours ends, goes to no other address, and is read within bounds.

SDK 6.74.51 sends every request with ``requests.post``/``requests.get`` (``supervisely/api/api.py``,
``Api.post`` and ``Api.get``), which goes through ``requests.Session.request``. Inside
:func:`guarded_requests` (``cli/runner.run`` opens it around every command) that one method:

- gives a request that names none the ``(connect, read)`` timeouts of ``server/timeouts.py``;
- ends a request that is not answered in full within a total **deadline**
  (``SLY_REQUEST_DEADLINE_SEC``, default 300 s): a server that drips one byte a second, in its
  headers or its body, is cut off there. The SDK retries it like a timeout;
- follows a **redirect** only within the same origin (scheme, host and port). One to another
  origin is never followed (the SDK's token is the header ``x-api-key``, which requests keeps
  on every hop): :class:`RedirectRefused` names both addresses;
- reads an answer up to ``SLY_MAX_ANSWER_MB`` (default 1024 MiB), decoded: beyond that it is
  refused (:class:`AnswerTooLarge`) before memory grows further;
- caps the ``Retry-After`` of a 429 at ``SLY_RETRY_AFTER_MAX_SEC`` (default 60 s): the SDK sleeps
  what the answer says;
- refuses a 2xx answer to an API method (``/public/api/``) that is not the API's JSON, such as a
  proxy's or captive portal's HTML page (:class:`NotApiAnswer`): nothing is counted as saved
  on the word of something that is not the server; and turns malformed JSON that the SDK reads
  with ``response.json()`` into :class:`MalformedAnswer`.

So a request ends within ``deadline`` seconds, and a failing call within
``SUPERVISELY_PUBLIC_API_RETRIES x deadline`` plus the SDK's sleeps (each at most 60 s, or the
capped ``Retry-After``). The failures raised here (but the deadline, which the SDK retries)
are :class:`UntrustedAnswer`: ``runner.describe`` finds them behind what the SDK makes of them
and shows their message, exit code 2.

Copy this file with ``server/timeouts.py`` into your own script: it needs only ``requests``.

    with guarded_requests():
        project = api.project.create(workspace_id, "tutorial-bindings")
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import re
import socket
import threading
from typing import Any, Iterator, List, Optional, Tuple
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.connection
import urllib3.util

from sly_bindings.server.timeouts import configured_timeouts, positive_setting

DEADLINE_VARIABLE, DEFAULT_DEADLINE_SEC = "SLY_REQUEST_DEADLINE_SEC", 300.0
RETRY_AFTER_VARIABLE, DEFAULT_RETRY_AFTER_MAX_SEC = "SLY_RETRY_AFTER_MAX_SEC", 60.0
ANSWER_SIZE_VARIABLE, DEFAULT_MAX_ANSWER_MB = "SLY_MAX_ANSWER_MB", 1024.0
MAX_REDIRECTS = 5
CHUNK_BYTES = 1 << 16
API_PATH = "/public/api/"
NOT_JSON_TYPES = ("text/", "application/xhtml")

# What the server did last that made a request fail (the deadline, a capped Retry-After), in
# words, for the final line after the SDK's retries (it raises a RetryError that says none of
# it). Reset by :func:`guarded_requests`.
LAST_PROBLEM: List[Optional[str]] = [None]


class UntrustedAnswer(Exception):
    """An answer that is not used: the message names the address, what it did and the fix."""


class RedirectRefused(UntrustedAnswer):
    """A redirect to another scheme, host or port, which is not followed with the token."""


class AnswerTooLarge(UntrustedAnswer):
    """An answer longer than ``SLY_MAX_ANSWER_MB``."""


class NotApiAnswer(UntrustedAnswer):
    """A 2xx answer to an API method that is not the API's JSON (an HTML page, say)."""


class MalformedAnswer(UntrustedAnswer, ValueError):
    """An answer declared JSON that does not parse (a ValueError, as the SDK expects of
    ``response.json()`` where it checks)."""


class WrongShapeAnswer(UntrustedAnswer):
    """JSON that lacks what the method always answers (an info without its integer id)."""


class UnconfirmedWrite(UntrustedAnswer):
    """A 2xx answer to a write that does not confirm it (``{}``, ``[]``, one entry of three):
    nothing of the request is counted as saved."""


class DeadlineExceeded(requests.exceptions.Timeout):
    """A request not answered in full within the deadline; the SDK retries it like a timeout."""


def setting(name: str, default: float, unit: str = "seconds") -> float:
    """A positive number from the environment variable ``name``, or ``default`` when unset.

    Raises:
        TimeoutSettingError: the variable is not a positive finite number (the message says).

    Examples:
        >>> setting("SLY_REQUEST_DEADLINE_SEC", 300.0)
        300.0
    """
    return positive_setting(name, default, unit)


def origin(url: str) -> Tuple[str, str, Optional[int]]:
    """``(scheme, host, port)`` of ``url`` as requests will connect to it, the port filled in
    from the scheme.

    The URL is read by the parser that decides where the connection goes (requests prepares it,
    urllib3 parses it), not by ``urllib.parse``: the two read ``http://a:1\\@b:2/`` as hosts
    ``a`` and ``b``, and a check by the other parser would let the token go to ``a``. A URL
    that cannot be read is an origin of its own (it equals no other).

    Examples:
        >>> origin("https://App.example.com/x") == origin("https://app.example.com:443/y")
        True
        >>> origin("http://h:8000/a") == origin("http://h:8001/a")
        False
        >>> origin("http://127.0.0.1:1\\\\@127.0.0.1:2/x")
        ('http', '127.0.0.1', 1)
    """
    try:
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, None)
        parts = urllib3.util.parse_url(prepared.url or "")
    except (requests.RequestException, urllib3.exceptions.HTTPError, ValueError, UnicodeError):
        return "unreadable", url, None
    scheme = (parts.scheme or "").lower()
    default_port = {"http": 80, "https": 443}.get(scheme)
    port = parts.port if parts.port is not None else default_port
    return scheme, (parts.host or "").lower(), port


def address_password(address: str) -> Optional[str]:
    """The password in the user part of ``address`` (``https://user:password@host``), or None;
    read the way a URL parser splits the address (the last ``@`` before the path ends the user
    part), without one, so that an address that parser refuses (``http://u:pw@[::1``) has its
    password found too. With no ``@`` there, the user part ends at the last ``@`` of all: a
    password with ``/``, ``?`` or ``#`` typed as it is (which the parser reads as the start of
    a path) is still a secret (an ``@`` in a path after a port blanks the port too: a rare
    address, shown blanked rather than a password shown).

    Examples:
        >>> address_password("https://me:pa:55@app.example.com/x"), address_password("h:80")
        ('pa:55', None)
        >>> address_password("https://me:se/cr#t?99@app.example.com")
        'se/cr#t?99'
        >>> address_password("me:pa55@[::1")
        'pa55'
    """
    rest = address.strip()
    rest = rest.split("://", 1)[1] if "://" in rest else rest
    user_part, at, _ = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")
    if not at:  # a password with / ? or # in it, which a URL parser cuts: up to the last @
        user_part, at, _ = rest.rpartition("@")
    password = user_part.partition(":")[2] if at else ""
    return password or None


def shown_address(address: str) -> str:
    """``address`` with the password of its user part, if any, blanked.

    Examples:
        >>> shown_address("https://me:pa55@app.example.com")
        'https://me:***@app.example.com'
        >>> shown_address("http://me:pa55@[::1")
        'http://me:***@[::1'
    """
    password = address_password(address)
    return address.replace(f":{password}@", ":***@") if password else address


def shown_origin(url: str) -> str:
    """``scheme://host:port`` of ``url``, without user, password, path or query.

    Examples:
        >>> shown_origin("https://user:pw@h.example/public/api/v3/x?token=1")
        'https://h.example:443'
    """
    scheme, host, port = origin(url)
    if scheme == "unreadable":
        return "an address that cannot be read"
    return f"{scheme}://{host}:{port}"


def capped_retry_after(value: str, cap: float) -> Optional[str]:
    """The ``Retry-After`` to let the SDK read instead of ``value``, or None to leave it.

    The SDK sleeps ``int(value)`` seconds when it is above its own pause, and ignores what
    ``int`` cannot read (an HTTP date). A number above ``cap`` becomes ``cap``.

    Examples:
        >>> capped_retry_after("100000", 60.0), capped_retry_after("5", 60.0)
        ('60', None)
        >>> capped_retry_after("1e400", 60.0), capped_retry_after("Wed, 21 Oct 2015", 60.0)
        ('60', None)
    """
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if math.isnan(seconds) or seconds > cap:
        return str(int(cap))
    return None


class _Watch:
    """The connections one request uses, shut down when its deadline passes."""

    def __init__(self) -> None:
        self.connections: List[Any] = []
        self.expired = False
        self.lock = threading.Lock()

    def track(self, connection: Any) -> None:
        with self.lock:
            self.connections.append(connection)
            if self.expired:
                _shut(connection)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for connection in self.connections:
                _shut(connection)


def _shut(connection: Any) -> None:
    """Shut ``connection``'s socket, or ``connection`` itself when it is a socket: a response
    that closes its connection leaves the socket only with the response being read."""
    sock = (
        connection if isinstance(connection, socket.socket) else getattr(connection, "sock", None)
    )
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


_local = threading.local()


@contextlib.contextmanager
def guarded_requests(
    timeouts: Optional[Tuple[float, float]] = None,
) -> Iterator[Tuple[float, float]]:
    """Within the block, every ``requests`` request is guarded as the module docstring says.

    ``timeouts`` is ``(connect, read)`` in seconds; by default ``configured_timeouts()``.
    Blocks may nest; each restores what it found.

    Raises:
        TimeoutSettingError: a setting variable is not a positive number.

    Examples:
        >>> with guarded_requests((0.5, 0.5)) as used:
        ...     used
        (0.5, 0.5)
    """
    chosen = configured_timeouts() if timeouts is None else timeouts
    deadline = setting(DEADLINE_VARIABLE, DEFAULT_DEADLINE_SEC)
    retry_after_cap = setting(RETRY_AFTER_VARIABLE, DEFAULT_RETRY_AFTER_MAX_SEC)
    max_bytes = int(setting(ANSWER_SIZE_VARIABLE, DEFAULT_MAX_ANSWER_MB, "MiB") * 2**20)
    saved_request = requests.Session.request
    saved_send = urllib3.connection.HTTPConnection.request
    LAST_PROBLEM[0] = None
    limits = _Limits(chosen, deadline, retry_after_cap, max_bytes)

    @functools.wraps(saved_send)
    def send(self: Any, *args: Any, **kwargs: Any) -> Any:
        watch = getattr(_local, "watch", None)
        if watch is not None:
            watch.track(self)
        sent = saved_send(self, *args, **kwargs)
        if watch is not None and isinstance(getattr(self, "sock", None), socket.socket):
            # The socket itself: the body is read from it after the connection lets it go.
            watch.track(self.sock)
        return sent

    @functools.wraps(saved_request)
    def request(self: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
        return _guarded(saved_request, limits, self, method, url, **kwargs)

    request.__wrapped_original__ = getattr(  # type: ignore[attr-defined]
        saved_request, "__wrapped_original__", saved_request
    )
    requests.Session.request = request  # type: ignore[method-assign]
    urllib3.connection.HTTPConnection.request = send  # type: ignore[method-assign]
    try:
        yield chosen
    finally:
        requests.Session.request = saved_request  # type: ignore[method-assign]
        urllib3.connection.HTTPConnection.request = saved_send  # type: ignore[method-assign]


class _Limits:
    def __init__(
        self, timeouts: Tuple[float, float], deadline: float, retry_after: float, max_bytes: int
    ):
        self.timeouts, self.deadline = timeouts, deadline
        self.retry_after, self.max_bytes = retry_after, max_bytes


def _guarded(
    send: Any, limits: _Limits, session: requests.Session, method: str, url: str, **kwargs: Any
) -> requests.Response:
    """One call of ``Session.request``: its hops, each under the deadline, read with a cap."""
    follow = kwargs.pop("allow_redirects", True)
    if kwargs.get("timeout") is None:
        kwargs["timeout"] = limits.timeouts
    for _ in range(MAX_REDIRECTS + 1):
        response = _one_hop(send, limits, session, method, url, kwargs)
        if not (follow and response.is_redirect):
            return response
        target = urljoin(response.url or url, session.get_redirect_target(response) or "")
        response.close()
        if origin(target) != origin(url):
            raise RedirectRefused(
                f"{shown_origin(url)} answered {_method_of(url)} with a redirect "
                f"({response.status_code}) to {shown_origin(target)}: not followed, so that "
                "API_TOKEN goes to no other address; if that is where the server is now, put "
                "it in SERVER_ADDRESS"
            )
        if response.status_code not in (307, 308) and method.upper() != "HEAD":
            method = "GET"
            kwargs = {k: v for k, v in kwargs.items() if k not in ("data", "json", "files")}
        url = target
    raise requests.exceptions.TooManyRedirects(
        f"more than {MAX_REDIRECTS} redirects from {shown_origin(url)}"
    )


def _one_hop(
    send: Any,
    limits: _Limits,
    session: requests.Session,
    method: str,
    url: str,
    kwargs: dict,
) -> requests.Response:
    stream = bool(kwargs.get("stream"))
    watch = _Watch()
    timer = threading.Timer(limits.deadline, watch.expire)
    timer.daemon = True
    outer = getattr(_local, "watch", None)
    _local.watch = watch
    timer.start()
    try:
        try:
            options = {**kwargs, "stream": True, "allow_redirects": False}
            response = send(session, method, url, **options)
            if not stream:
                _read_capped(response, limits.max_bytes, url)
        except (requests.RequestException, OSError, urllib3.exceptions.HTTPError) as error:
            if watch.expired:
                raise _deadline(limits.deadline, url) from None
            raise error
        if watch.expired:
            raise _deadline(limits.deadline, url)
    finally:
        timer.cancel()
        _local.watch = outer
    _cap_retry_after(response, limits.retry_after, url)
    if not stream:
        _check_api_answer(response, url)
    return response


def _deadline(seconds: float, url: str) -> DeadlineExceeded:
    what = (
        f"{shown_origin(url)} did not answer {_method_of(url)} in full within the deadline of "
        f"{seconds:g} s per request (it sent too slowly, or not at all; "
        f"{DEADLINE_VARIABLE} sets the deadline)"
    )
    LAST_PROBLEM[0] = what
    return DeadlineExceeded(what)


def _method_of(url: str) -> str:
    path = urlsplit(url).path
    return path.rsplit("/v3/", 1)[-1] if "/v3/" in path else (path or "/")


def _read_capped(response: requests.Response, max_bytes: int, url: str) -> None:
    """Read the body as ``Response.content`` does, refusing it beyond ``max_bytes``."""
    declared = response.headers.get("Content-Length", "")
    if declared.strip().isdigit() and int(declared) > max_bytes:
        response.close()
        raise _too_large(max_bytes, url)
    chunks, size = [], 0
    for chunk in response.iter_content(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            response.close()
            raise _too_large(max_bytes, url)
        chunks.append(chunk)
    response._content = b"".join(chunks)
    response._content_consumed = True


def _too_large(max_bytes: int, url: str) -> AnswerTooLarge:
    return AnswerTooLarge(
        f"{shown_origin(url)} answered {_method_of(url)} with more than "
        f"{max_bytes / 2**20:g} MiB: refused; if the answer is right, raise "
        f"{ANSWER_SIZE_VARIABLE}"
    )


def _cap_retry_after(response: requests.Response, cap: float, url: str) -> None:
    if response.status_code != 429 or "Retry-After" not in response.headers:
        return
    asked = response.headers["Retry-After"]
    capped = capped_retry_after(asked, cap)
    if capped is not None:
        response.headers["Retry-After"] = capped
        LAST_PROBLEM[0] = (
            f"{shown_origin(url)} answered {_method_of(url)} with 429 and Retry-After: "
            f"{asked[:20]}, waited {capped} s instead ({RETRY_AFTER_VARIABLE} sets the cap)"
        )


def _check_api_answer(response: requests.Response, url: str) -> None:
    """Refuse a 2xx answer to an API method that is not the API's JSON; make malformed JSON say
    so; put an API error in the one spelling the redaction knows."""
    if API_PATH not in urlsplit(url).path:
        return
    media = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    content = response._content or b""
    ok = 200 <= response.status_code < 300
    if ok and answer_problem(media, content) is not None:
        shown = media or "no Content-Type"
        raise NotApiAnswer(
            f"{shown_origin(url)} answered {_method_of(url)} with {response.status_code} and "
            f"{_what_body(response)} ({shown}), {answer_problem(media, content)}: a proxy or "
            "a login page is in the way, nothing of this request is counted as done; check "
            "SERVER_ADDRESS and your network"
        )
    if response.status_code >= 400:
        # Only the API's own error JSON goes further, in one spelling (escapes such as \u0041
        # undone), so that the token is found in it whatever escapes the server chose. Anything
        # else (a proxy's page, bytes in another encoding) may quote the request in any form.
        canonical = canonical_api_error(content)
        if canonical is None:
            canonical = json.dumps(
                {
                    "error": f"an answer that is not the API's JSON ({_what_body(response)}, not shown)"
                }
            ).encode()
            response.headers["Content-Type"] = "application/json"
            response.encoding = "utf-8"
        response._content = canonical
    if ok:
        sent = getattr(response.request, "body", None)
        unconfirmed = write_problem(_method_of(url), sent, content)
        if unconfirmed:
            raise UnconfirmedWrite(
                f"{shown_origin(url)} answered {_method_of(url)} with {response.status_code} and "
                f"JSON that does not confirm the write ({unconfirmed}): nothing of this request "
                "is counted as saved; check that SERVER_ADDRESS is a Supervisely server"
            )
        problem = shape_problem(_method_of(url), content)
        if problem:
            refused = MalformedAnswer if problem == "is malformed" else WrongShapeAnswer
            raise refused(
                f"{shown_origin(url)} answered {_method_of(url)} with JSON that {problem}: not "
                "an answer of the Supervisely API; check that SERVER_ADDRESS is a Supervisely "
                "server"
            )
    original = response.json

    def json_or_refuse(**kwargs: Any) -> Any:
        try:
            return original(**kwargs)
        except ValueError:
            raise MalformedAnswer(
                f"{shown_origin(url)} answered {_method_of(url)} ({response.status_code}) with "
                "JSON that is malformed: not an answer of the Supervisely API; check that "
                "SERVER_ADDRESS is a Supervisely server"
            ) from None

    response.json = json_or_refuse  # type: ignore[method-assign]


# Answers of the API that are not JSON: an image (images.download), several (multipart).
BINARY_TYPES = ("image/", "multipart/", "video/", "audio/")


def is_json_type(media: str) -> bool:
    """Whether the media type ``media`` (lower case, no parameters) says JSON, or says nothing.

    Examples:
        >>> [is_json_type(m) for m in ("application/json", "application/problem+json", "", "image/png")]
        [True, True, True, False]
    """
    return media in ("", "application/json") or media.endswith("+json")


def answer_problem(media: str, body: bytes) -> Optional[str]:
    """Why a 2xx answer of media type ``media`` with ``body`` is not the API's, or None.

    The API answers JSON (but images and multipart downloads). So: a text or page type, a body
    that is markup whatever its type says (a portal sends its page as ``application/octet-stream``
    too), and, where the type says JSON or nothing, a body that does not parse or that says
    ``"success": false``, are not answers that confirm anything.

    Examples:
        >>> answer_problem("application/json", b'[{"imageId": 1, "success": true}]') is None
        True
        >>> answer_problem("application/octet-stream", b"<html>log in</html>")
        "not the API's JSON"
        >>> answer_problem("application/json", b'{"success": tr')
        "JSON that is malformed, not the API's"
        >>> answer_problem("application/json", b'{"success": false}')
        'which says "success": false'
        >>> answer_problem("image/png", b"\\x89PNG") is None
        True
    """
    if media.startswith(BINARY_TYPES):
        return None
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if media.startswith(NOT_JSON_TYPES) or head == b"<" or (is_json_type(media) and not head):
        return "not the API's JSON"
    if not is_json_type(media):
        return None
    if head not in (b"{", b"["):
        return "not the API's JSON"
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "JSON that is malformed, not the API's"
    if not isinstance(parsed, list):
        parsed = [parsed]
    if any(isinstance(item, dict) and item.get("success") is False for item in parsed):
        return 'which says "success": false'
    return None


def canonical_api_error(body: bytes) -> Optional[bytes]:
    """``body`` as the API's error JSON in one spelling (UTF-8, no ``\\u`` escapes but those
    JSON needs), or None when it is not the API's error JSON (:func:`is_api_error`).

    Examples:
        >>> canonical_api_error(b'{"error": "\\\\u0041b\\\\/c"}')
        b'{"error": "Ab/c"}'
        >>> canonical_api_error(b"<html>502</html>") is None
        True
    """
    if not is_api_error(body):
        return None
    if b"\\" not in body:
        return body
    try:
        return json.dumps(json.loads(body.decode("utf-8")), ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError):  # a lone surrogate (\\ud800), say
        return None


# The methods whose answer's shape is checked here: an entity's info has an integer id, a list
# its entities (the SDK reads these fields before anything else, and a project "None" or a
# KeyError says nothing of the server).
INFO_METHODS = ("projects.info", "datasets.info", "workspaces.info", "teams.info", "images.info")
# Writes that answer the info of what they made: confirmed only by its integer id.
INFO_METHODS += ("projects.add", "datasets.add")
LIST_METHODS = ("projects.list", "datasets.list", "workspaces.list", "teams.list", "images.list")


def shape_problem(method: str, body: bytes) -> Optional[str]:
    """What is wrong with the shape of a 2xx answer to ``method``, in words, or None.

    Examples:
        >>> shape_problem("projects.info", b'{"id": 7, "name": "p"}') is None
        True
        >>> shape_problem("projects.info", b'{"id": "seven"}'), shape_problem("projects.list", b'{}')
        ('has no integer "id"', 'has no list "entities"')
        >>> shape_problem("images.info", b'{"id": 1,')
        'is malformed'
    """
    checks_info, checks_list = method in INFO_METHODS, method in LIST_METHODS
    if not (checks_info or checks_list):
        return None
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "is malformed"
    if not isinstance(parsed, dict):
        return "is not an object"
    if checks_info and (type(parsed.get("id")) is not int):
        return 'has no integer "id"'
    if checks_list and not isinstance(parsed.get("entities"), list):
        return 'has no list "entities"'
    return None


# The writes whose answer must confirm them, and the field of each item sent that the answer
# names: annotations.bulk.add answers one ``{"imageId": id, "success": true}`` per annotation
# (tests/sly_test_server, endpoints.annotations_bulk_add); SDK 6.74.51 does not read it.
CONFIRMED_WRITES = {"annotations.bulk.add": ("annotations", "imageId")}


def write_problem(method: str, sent: Any, body: bytes) -> Optional[str]:
    """Why the 2xx answer ``body`` to the write ``method`` (request body ``sent``) does not
    confirm it, in words, or None (confirmed, or not a write checked here).

    Confirmed: a JSON list of one object per item sent, each naming that item's id or saying
    ``"success": true``, none ``"success": false`` nor another id.

    Examples:
        >>> sent = b'{"datasetId": 1, "annotations": [{"imageId": 7, "annotation": {}}]}'
        >>> write_problem("annotations.bulk.add", sent, b'[{"imageId": 7, "success": true}]')
        >>> write_problem("annotations.bulk.add", sent, b"{}")
        'an object, not a list of one entry per annotation sent'
        >>> write_problem("annotations.bulk.add", sent, b"[]")
        '0 entries for 1 annotations sent'
        >>> write_problem("annotations.bulk.add", sent, b"[{}]")
        'entry 0 confirms nothing (no "success": true, no "imageId": 7)'
    """
    if method not in CONFIRMED_WRITES:
        return None
    field, id_field = CONFIRMED_WRITES[method]
    try:
        request = json.loads(sent.decode("utf-8") if isinstance(sent, bytes) else sent or "")
        items = request[field]
        ids = [item.get(id_field) if isinstance(item, dict) else None for item in items]
    except (UnicodeDecodeError, ValueError, RecursionError, TypeError, KeyError):
        return None  # not a request of ours that this rule knows: nothing to compare with
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "malformed"
    if not isinstance(answer, list):
        kind = "an object" if isinstance(answer, dict) else f"a JSON {type(answer).__name__}"
        return f"{kind}, not a list of one entry per {field[:-1]} sent"
    if len(answer) != len(ids):
        return f"{len(answer)} entries for {len(ids)} {field} sent"
    for number, (entry, sent_id) in enumerate(zip(answer, ids)):
        named = entry.get(id_field) if isinstance(entry, dict) else None
        success = entry.get("success") if isinstance(entry, dict) else None
        if named is not None and named != sent_id:
            return f"entry {number} names {id_field} {named!r}, not {sent_id!r}"
        if success is False or not (success is True or named == sent_id):
            return (
                f'entry {number} confirms nothing (no "success": true, '
                f'no "{id_field}": {sent_id!r})'
            )
    return None


# An error body longer than this is not read as the API's error JSON.
MAX_ERROR_JSON = 1 << 16


def is_api_error(body: bytes) -> bool:
    """Whether ``body`` is an error the way the Supervisely API writes one: UTF-8 JSON, an
    object with ``error`` or ``details``.

    Examples:
        >>> is_api_error(b'{"error": "Not found", "details": {"message": "no image 9"}}')
        True
        >>> is_api_error(b"<html>502</html>"), is_api_error('{"error": 1}'.encode("utf-16"))
        (False, False)
    """
    if len(body) > MAX_ERROR_JSON:
        return False
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(parsed, dict) and ("error" in parsed or "details" in parsed)


def _what_body(response: requests.Response) -> str:
    content = response._content or b""
    head = content.lstrip()[:15].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    return "an empty body" if not content.strip() else f"a body of {len(content)} bytes"
