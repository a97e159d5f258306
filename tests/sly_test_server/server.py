"""``SlyTestServer``: the Supervisely test double one starts, seeds, inspects and breaks."""

import hmac
import http
import json
import logging
import secrets
import threading
import time
import traceback
import urllib.parse
from collections import Counter
from typing import Any, Dict, List, Mapping, Optional

from .endpoints import Request, dispatch
from . import faults
from .faults import Fault, FaultPlan
from .httpd import LoopbackHTTPServer
from .imaging import blank_png
from .recorder import LogEntry, RequestRecorder
from .responses import ApiError, Response, not_found
from .store import INSTANCE_VERSION, Store, copy_json

API_PREFIX = "/public/api/v3/"
logger = logging.getLogger("sly_test_server")


def _json_of(value: Any) -> Any:
    """Accept SDK objects (``ProjectMeta``, ``Annotation``) where JSON is expected."""
    return value.to_json() if hasattr(value, "to_json") else value


class SlyTestServer:
    """An in-process HTTP server that speaks the part of the Supervisely API our project uses.

    The unmodified ``sly.Api(server.url, server.token)`` talks to it over loopback. State lives
    in memory; a team and a workspace exist from the start.

    Args:
        token: the API token the server accepts in ``x-api-key``; a random one if omitted.
        latency: seconds every request waits before it is handled (in its own thread, so
            concurrent requests overlap like on a real server). Can be changed while running.
        key_style: binding keys answered as ``"int"`` (default) or ``"str"``.
        port: port to listen on; 0 (default) takes a free one.
        team_id: id of the team created at start.
        workspace_id: id of the workspace created at start.
        per_page: default and maximum page size of list answers (the real server: 500).
        first_binding_key: the first binding key the server hands out.
        instance_version: what ``instance.version`` answers.
        log_requests: log ``method endpoint status`` of each request at INFO level.

    Raises:
        ValueError: for an empty token, a negative latency or an unknown ``key_style``.

    Examples:
        >>> with SlyTestServer(token="secret") as server:
        ...     server.url.startswith("http://127.0.0.1:")
        True
    """

    def __init__(
        self,
        token: Optional[str] = None,
        latency: float = 0.0,
        key_style: str = "int",
        *,
        port: int = 0,
        team_id: int = 1,
        workspace_id: int = 1,
        per_page: int = 500,
        first_binding_key: int = 62245779,
        instance_version: str = INSTANCE_VERSION,
        log_requests: bool = False,
    ):
        if token is not None and (not isinstance(token, str) or not token):
            raise ValueError("token must be a non-empty string")
        if latency < 0:
            raise ValueError(f"latency must be >= 0 seconds, got {latency}")
        self.token = token or secrets.token_hex(64)
        self.latency = latency
        self.log_requests = log_requests
        # Like a careless server: planned failures quote the token, plain, as repr, JSON-escaped
        # and URL-encoded (tests/cli/test_secrets.py checks that none of it is shown).
        self.echo_token_in_errors = False
        self.store = Store(
            team_id=team_id,
            workspace_id=workspace_id,
            key_style=key_style,
            first_binding_key=first_binding_key,
            per_page=per_page,
            instance_version=instance_version,
        )
        self.internal_errors: List[str] = []
        self.tls_probes = 0
        self._tls_probes_lock = threading.Lock()
        self._faults = FaultPlan()
        self._recorder = RequestRecorder()
        self._port = port
        self._httpd: Optional[LoopbackHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    def __repr__(self) -> str:  # never show the token
        state = self.url if self._httpd is not None else "stopped"
        return f"SlyTestServer({state}, workspace_id={self.workspace_id})"

    # life cycle

    def start(self) -> str:
        """Listen on 127.0.0.1 in a daemon thread; returns the base URL. Idempotent."""
        if self._httpd is None:
            self._httpd = LoopbackHTTPServer(self._port, self._app, self._on_tls_probe)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"sly-test-server-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop listening and close open connections. Idempotent."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "SlyTestServer":
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("The server is not started")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """Base URL to give ``sly.Api``, e.g. ``http://127.0.0.1:43817``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def team_id(self) -> int:
        return self.store.default_team_id

    @property
    def workspace_id(self) -> int:
        return self.store.default_workspace_id

    # requests

    @property
    def request_counts(self) -> Counter:
        """Requests per endpoint (e.g. ``"projects.list"``), a copy; the TLS probe is not one."""
        return self._recorder.counts()

    @property
    def request_log(self) -> List[LogEntry]:
        """``(method, endpoint, status)`` of every request, oldest first; dropped: ``None``."""
        return self._recorder.log()

    def reset_requests(self) -> None:
        """Forget the recorded requests (state and planned faults stay)."""
        self._recorder.clear()

    # faults

    def fail_next(
        self,
        n: int = 1,
        status: int = 503,
        endpoint: Optional[str] = None,
        after_processing: bool = False,
    ) -> None:
        """Answer the next ``n`` requests to ``endpoint`` (any, if None) with ``status``.

        With ``after_processing`` the request is carried out first and only its answer is
        replaced: the retried-create case. Note that after a non-200 answer the SDK calls
        ``instance.version`` once per ``Api``; with ``endpoint=None`` that call counts too.
        """
        self._faults.add(n, status, endpoint, after_processing)

    def misbehave_next(
        self,
        answer: "faults.Answer",
        n: int = 1,
        endpoint: Optional[str] = None,
        after_processing: bool = False,
    ) -> None:
        """Answer the next ``n`` requests to ``endpoint`` (any, if None) with ``answer``, one of
        the misbehaving answers of ``faults.py`` (a redirect, an echo, a drip, ...)."""
        self._faults.add(n, 500, endpoint, after_processing, answer)

    def drop_next(
        self, n: int = 1, endpoint: Optional[str] = None, after_processing: bool = False
    ) -> None:
        """Close the connection of the next ``n`` matching requests without an answer."""
        self._faults.add(n, None, endpoint, after_processing)

    @property
    def pending_faults(self) -> int:
        """How many planned failures and drops have not happened yet."""
        return self._faults.pending()

    def clear_faults(self) -> None:
        self._faults.clear()

    # seeding, without HTTP

    def add_team(self, name: str) -> int:
        return self.store.add_team(name).id

    def add_workspace(self, name: str, team_id: Optional[int] = None) -> int:
        return self.store.add_workspace(team_id or self.team_id, name).id

    def seed_project(
        self, name: str, workspace_id: Optional[int] = None, meta: Any = None, type: str = "images"
    ) -> int:
        """Create a project (and its meta: JSON or ``sly.ProjectMeta``); returns its id."""
        project = self.store.add_project(workspace_id or self.workspace_id, name, type=type)
        if meta is not None:
            self.store.set_meta(project.id, _json_of(meta))
        return project.id

    def set_meta(self, project_id: int, meta: Any) -> Dict[str, Any]:
        """Replace a project's meta as ``projects.meta.update`` does; returns it with ids."""
        return self.store.set_meta(project_id, _json_of(meta))

    def seed_dataset(self, project_id: int, name: str, parent_id: Optional[int] = None) -> int:
        return self.store.add_dataset(project_id, name, parent_id=parent_id).id

    def seed_image(
        self,
        dataset_id: int,
        name: str,
        width: Optional[int] = None,
        height: Optional[int] = None,
        ann_json: Any = None,
        data: Optional[bytes] = None,
        pixel_coords: bool = True,
    ) -> int:
        """Create an image from ``data``, or a black PNG of ``width`` x ``height``.

        ``ann_json`` (JSON or ``sly.Annotation``) is stored as if
        ``api.annotation.upload_json`` had sent it, binding keys rewritten; see
        :meth:`seed_annotation` for ``pixel_coords``.

        Raises:
            ValueError: without ``data`` and without both sides, or if the sides given do
                not match ``data``.
            ApiError: where the server would refuse (unknown dataset, name taken, ...).
        """
        if data is None:
            if width is None or height is None:
                raise ValueError("seed_image needs data or both width and height")
            data = blank_png(width, height)
        image_hash = self.store.put_blob(data)
        actual_width, actual_height, _ = self.store.blob_headers[image_hash]
        if (width, height) not in ((None, None), (actual_width, actual_height)):
            raise ValueError(f"data is {actual_width}x{actual_height}, not {width}x{height}")
        image = self.store.add_images(dataset_id, [{"name": name, "hash": image_hash}])[0]
        if ann_json is not None:
            self.seed_annotation(image.id, ann_json, pixel_coords)
        return image.id

    def seed_annotation(self, image_id: int, ann_json: Any, pixel_coords: bool = True) -> None:
        """Store an annotation the way ``annotations.bulk.add`` does (keys rewritten, ids given).

        With ``pixel_coords`` (default) the annotation is in the SDK's pixel coordinates
        (``sly.Annotation`` or its ``to_json()``) and is converted the way the SDK converts an
        upload. Pass ``False`` for JSON already in the server's subpixel form (what
        ``get_annotation`` returns); that skips the costly conversion when seeding thousands.
        """
        ann_json = _json_of(ann_json)
        if pixel_coords:
            from supervisely.annotation.annotation import Annotation

            ann_json = Annotation._to_subpixel_coordinate_system_json(ann_json)
        image = self.store.get_image(image_id)
        self.store.set_annotations(image.dataset_id, [(image_id, ann_json)])

    # reading state, without HTTP

    def get_annotation(self, image_id: int) -> Dict[str, Any]:
        """The stored annotation, as ``annotations.info`` answers it (subpixel coordinates)."""
        with self.store.lock:
            return copy_json(self.store.get_image(image_id).ann)

    def annotation_versions(self, image_id: int) -> List[Dict[str, Any]]:
        """Every annotation stored for the image, oldest first (the empty start is not one)."""
        return self.store.annotation_versions(image_id)

    def get_meta(self, project_id: int) -> Dict[str, Any]:
        return self.store.meta_json(self.store.get_project(project_id))

    def get_image_bytes(self, image_id: int) -> bytes:
        with self.store.lock:
            return self.store.blobs[self.store.get_image(image_id).hash]

    def find_projects(
        self, name: Optional[str] = None, workspace_id: Optional[int] = None
    ) -> List[Dict[str, Any]]:
        """Projects (as ``projects.info`` answers them) with that name and/or workspace."""
        with self.store.lock:
            return [
                self.store.project_json(p)
                for p in self.store.projects_in(workspace_id=workspace_id)
                if name is None or p.name == name
            ]

    def find_datasets(
        self, project_id: Optional[int] = None, name: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        with self.store.lock:
            return [
                self.store.dataset_json(d, with_custom_data=True)
                for d in self.store.datasets.values()
                if (project_id is None or d.project_id == project_id)
                and (name is None or d.name == name)
            ]

    def find_images(
        self, dataset_id: Optional[int] = None, name: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        with self.store.lock:
            return [
                self.store.image_json(i)
                for i in self.store.images.values()
                if (dataset_id is None or i.dataset_id == dataset_id)
                and (name is None or i.name == name)
            ]

    # serving

    def _on_tls_probe(self) -> None:
        with self._tls_probes_lock:
            self.tls_probes += 1

    def _app(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> Optional[Response]:
        if self.latency > 0:
            time.sleep(self.latency)
        if not path.startswith(API_PREFIX):
            return self._finish(method, path, not_found(f"Nothing at {path!r}").to_response())
        endpoint = path[len(API_PREFIX) :]
        if method != "POST":
            error = ApiError(405, "Method not allowed", "Public API methods take POST requests")
            return self._finish(method, endpoint, error.to_response())
        fault = self._faults.take(endpoint)
        if fault is not None and not fault.after_processing:
            return self._fault(method, endpoint, fault)
        response = self._process(endpoint, headers, body)
        if fault is not None:
            return self._fault(method, endpoint, fault)
        return self._finish(method, endpoint, response)

    def _process(self, endpoint: str, headers: Mapping[str, str], body: bytes) -> Response:
        supplied = headers.get("x-api-key") or ""
        if not hmac.compare_digest(supplied.encode("utf-8"), self.token.encode("utf-8")):
            return ApiError(
                401, "Unauthorized", "Missing or invalid API token in the x-api-key header"
            ).to_response()
        try:
            request = Request(body, headers.get("Content-Type") or "")
            return dispatch(self.store, endpoint, request)
        except Exception:  # a bug of the test server: answer 500 and keep it for the tests
            self.internal_errors.append(traceback.format_exc())
            logger.exception("Test server failed on %s", endpoint)
            return ApiError(500, "Internal server error", "The test server failed").to_response()

    def _fault(self, method: str, endpoint: str, fault: Fault) -> Optional[Response]:
        if fault.answer is not None:
            return self._finish(method, endpoint, fault.answer(self.token, endpoint))
        if fault.status is None:
            self._finish(method, endpoint, None)
            return None
        phrase = http.HTTPStatus(fault.status).phrase
        message = "Planned failure of the test server"
        if self.echo_token_in_errors:
            token = self.token
            message += (
                f" for x-api-key {token} {token!r} {json.dumps(token)} "
                f"{urllib.parse.quote(token, safe='')}"
            )
        error = ApiError(fault.status, phrase, message)
        return self._finish(method, endpoint, error.to_response())

    def _finish(
        self, method: str, endpoint: str, response: Optional[Response]
    ) -> Optional[Response]:
        status = None if response is None else response.status
        self._recorder.record(method, endpoint, status)
        if self.log_requests:
            logger.info("%s %s %s", method, endpoint, "dropped" if status is None else status)
        return response
