"""HTTP/1.1 transport on loopback: one thread per connection, keep-alive, one app callable.

The app gets ``(method, path, headers, body)`` and returns a :class:`Response`, or ``None``
to close the connection without answering. A connection that opens with a TLS handshake
(``sly.Api`` probes ``https://host:port/`` before its first request) is closed at once, so
the probe fails fast instead of waiting for its read timeout.
"""

import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Mapping, Optional, Set

from .responses import ApiError, Response, bad_request

TLS_HANDSHAKE_RECORD = 0x16
IDLE_TIMEOUT_SEC = 120
BODY_TIMEOUT_SEC = 10
LOOPBACK = "127.0.0.1"

App = Callable[[str, str, Mapping[str, str], bytes], Optional[Response]]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SlyTestServer/1.0"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT_SEC
    server: "LoopbackHTTPServer"

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def handle(self) -> None:
        try:
            first = self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return
        if not first:
            return
        if first[0] == TLS_HANDSHAKE_RECORD:
            self.server.on_tls_probe()
            self.close_connection = True
            try:  # read what was sent, so that closing sends FIN and not RST
                self.connection.recv(65536)
            except OSError:
                pass
            return
        super().handle()

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        try:
            self.connection.settimeout(BODY_TIMEOUT_SEC)
            body = self._read_body()
        except TimeoutError:
            # A real server (nginx: client_body_timeout) gives up on a body that never comes.
            self.close_connection = True
            self._write(
                ApiError(408, "Request Timeout", "The request body never came").to_response()
            )
            return
        except (ValueError, OSError):
            self.close_connection = True
            self._write(bad_request("Malformed request body").to_response())
            return
        self.connection.settimeout(IDLE_TIMEOUT_SEC)
        path = self.path.split("?", 1)[0]
        response = self.server.app(self.command, path, self.headers, body)
        if response is None:
            self.close_connection = True
            return
        self._write(response)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        body = self.rfile.read(length)
        if len(body) != length:
            raise ValueError("body shorter than Content-Length")
        return body

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline(65537).split(b";", 1)[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(65537)

    def _write(self, response: Response) -> None:
        if response.drip_sec or response.endless:
            self._misbehave(response)
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(response.body)

    def _misbehave(self, response: Response) -> None:
        """Drip the answer a byte at a time, or send a body that never ends, until the client
        hangs up (or, for a drip, the answer is out)."""
        self.close_connection = True
        head = [f"HTTP/1.1 {response.status} Misbehaving", f"Content-Type: {response.content_type}"]
        head += [f"{name}: {value}" for name, value in response.headers]
        if not response.endless:
            head.append(f"Content-Length: {len(response.body)}")
        head.append("Connection: close")
        header_bytes = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        try:
            if response.endless:
                self.wfile.write(header_bytes)
                chunk = (response.body or b" ") * (65536 // max(1, len(response.body or b" ")))
                while True:
                    self.wfile.write(chunk)
            dripped = header_bytes + response.body if response.drip_headers else response.body
            if not response.drip_headers:
                self.wfile.write(header_bytes)
            for index in range(len(dripped)):
                self.wfile.write(dripped[index : index + 1])
                self.wfile.flush()
                time.sleep(response.drip_sec)
        except OSError:  # the client gave up: what this answer is for
            return

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the app records requests; headers (the token) are never logged."""


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1 that can close its open connections on stop.

    Args:
        port: port to listen on; 0 takes a free one.
        app: answers every request, see the module docstring.
        on_tls_probe: called for each connection closed because it started a TLS handshake.
    """

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, app: App, on_tls_probe: Callable[[], None]):
        self.app = app
        self.on_tls_probe = on_tls_probe
        self._connections: Set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((LOOPBACK, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name, which can be slow; it is loopback.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """Shut down every open connection, as a stopped server would."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up are normal here; anything else is reported as usual."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)
