# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""An HTTP server of the lab served from a background thread (file server, shadow service)."""

from __future__ import annotations

import logging
import threading
from http.server import ThreadingHTTPServer
from typing import Self

log = logging.getLogger(__name__)


class BackgroundHTTPServer:
    """Serves a :class:`ThreadingHTTPServer` from a thread named :attr:`name`.

    Subclasses say where in :attr:`url`; use as a context manager or call :meth:`start` and
    :meth:`stop`.
    """

    name = "http"

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """Host and port the server listens on (the real port when 0 was asked)."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    def start(self) -> Self:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name=self.name, daemon=True
        )
        self._thread.start()
        log.info("%s on %s", self.name, self.url)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
