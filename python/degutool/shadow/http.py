# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The shadow service's HTTP API, shaped like AWS IoT's data plane.

``GET/POST/DELETE /things/{thing}/shadow[?name=NAME]`` and
``GET /api/things/shadow/ListNamedShadowsForThing/{thing}``, JSON in and out, errors as
``{"code":..,"message":..}`` with the ``x-amzn-ErrorType`` header, so boto3's ``iot-data``
client pointed here with ``endpoint_url`` works unchanged.  Request signatures are not checked:
the service binds loopback only.  ``GET /lab/things`` (not an AWS call) lists the things, for
``degutool status``.
"""

from __future__ import annotations

import json
import logging
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..httpserve import BackgroundHTTPServer
from .document import MAX_DOCUMENT_BYTES, ShadowRequestError
from .store import ShadowStore

log = logging.getLogger(__name__)


class ShadowHTTPService(BackgroundHTTPServer):
    """The HTTP API over a :class:`ShadowStore`, served by a thread on ``host:port``.

    ``port=0`` picks a free port; :attr:`url` says where it listens.  Use as a context manager
    or call :meth:`start` / :meth:`stop`.
    """

    name = "shadow-http"

    def __init__(self, store: ShadowStore, host: str = "127.0.0.1", port: int = 0) -> None:
        self.store = store
        server = ThreadingHTTPServer((host, port), _Handler)
        server.daemon_threads = True
        server.service = self  # type: ignore[attr-defined]
        super().__init__(server)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "degu-shadow/1"
    #: Seconds a socket read may wait (a client that stops mid-request is dropped).
    timeout = 10
    #: The current request's body was refused unread (the connection then closes).
    _unread_body = False

    @property
    def service(self) -> ShadowHTTPService:
        return self.server.service  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base signature)
        log.debug("%s %s", self.address_string(), format % args)

    def _route(self) -> tuple[str, str, str | None]:
        """(kind, thing, name) for the request path; kind '' when no route matches."""
        parts = urlsplit(self.path)
        segments = [unquote(s) for s in parts.path.split("/") if s]
        query = parse_qs(parts.query)
        name = query.get("name", [""])[0]
        if len(segments) == 3 and segments[0] == "things" and segments[2] == "shadow":
            return "shadow", segments[1], name
        if (
            segments[:4] == ["api", "things", "shadow", "ListNamedShadowsForThing"]
            and len(segments) == 5
        ):
            return "names", segments[4], None
        if segments == ["lab", "things"]:
            return "things", "", None
        return "", "", None

    def _send(self, status: int, doc: Any, error_type: str | None = None) -> None:
        body = json.dumps(doc, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if error_type is not None:
            self.send_header("x-amzn-ErrorType", f"{error_type}:")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        if self._unread_body:
            self._drain()

    def _drain(self) -> None:
        # A refused body may still be on its way: closing with unread bytes sends a reset
        # that can destroy the reply before the client reads it.  Stop writing, then read
        # and drop a bounded amount of what comes.
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.5)
            for _ in range(16):
                if not self.connection.recv(65536):
                    break
        except OSError:
            pass

    def _fail(self, e: ShadowRequestError) -> None:
        self._send(e.code, e.body(), e.error_type)

    def _refuse_body(self) -> None:
        self.close_connection = True
        self._unread_body = True

    def _body(self) -> bytes:
        """The request body, read only once its Content-Length is known to be acceptable.

        A refused length leaves the body unread, so the connection is closed after the error
        reply instead of being kept in step by reading what may be gigabytes.
        """
        header = self.headers.get("Content-Length")
        if header is None:
            return b""
        header = header.strip()
        if not header.isascii() or not header.isdigit():
            self._refuse_body()
            raise ShadowRequestError(400, f"Invalid Content-Length {header[:32]!r}")
        length = int(header)
        if length > MAX_DOCUMENT_BYTES:
            self._refuse_body()
            raise ShadowRequestError(
                413, f"The payload exceeds the maximum size allowed ({MAX_DOCUMENT_BYTES} bytes)"
            )
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            body = b""
        if len(body) < length:
            self._refuse_body()
            raise ShadowRequestError(400, f"Body ended after {len(body)} of {length} bytes")
        return body

    def _dispatch(self, method: str) -> None:
        self._unread_body = False
        kind, thing, name = self._route()
        try:
            body = self._body() if method == "POST" else b""
            if kind == "":
                raise ShadowRequestError(404, f"No such resource: {self.path}")
            if kind == "things" and method == "GET":
                self._send(HTTPStatus.OK, {"things": self.service.store.things()})
            elif kind == "names" and method == "GET":
                names = self.service.store.names(thing)
                self._send(HTTPStatus.OK, {"results": names, "timestamp": self.service.store.now()})
            elif kind == "shadow" and method == "GET":
                self._send(HTTPStatus.OK, self.service.store.get(thing, name or ""))
            elif kind == "shadow" and method == "POST":
                result = self.service.store.update(thing, body, name or "")
                self._send(HTTPStatus.OK, result.accepted)
            elif kind == "shadow" and method == "DELETE":
                self._send(HTTPStatus.OK, self.service.store.delete(thing, name or ""))
            else:
                raise ShadowRequestError(405, f"Method {method} not allowed on {self.path}")
        except ShadowRequestError as e:
            self._fail(e)
        except Exception as e:  # noqa: BLE001 (answered 500; the server thread lives on)
            log.warning("%s %s failed: %r", method, self.path, e)
            self.close_connection = True
            self._fail(ShadowRequestError(500, "Internal failure"))

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")
