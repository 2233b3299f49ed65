# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The lab's static file server: releases under a root folder, over HTTP on loopback."""

from __future__ import annotations

import functools
import logging
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base signature)
        log.debug("%s %s", self.address_string(), format % args)


class FileServer:
    """Serves ``root`` at :attr:`url` from a thread (``port=0``: a free port).

    ``handler`` may be another :class:`SimpleHTTPRequestHandler` subclass (tests inject faults
    that way); it is given ``directory=root``.
    """

    def __init__(
        self,
        root: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        handler: type[SimpleHTTPRequestHandler] = _QuietHandler,
    ) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        factory = functools.partial(handler, directory=str(self.root))
        self._server = ThreadingHTTPServer((host, port), factory)
        # Request threads are joined on stop: nothing of the server outlives it.
        self._server.daemon_threads = False
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://host:port/`` of the root folder."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> FileServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="lab-files", daemon=True
        )
        self._thread.start()
        log.info("file server on %s (root %s)", self.url, self.root)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
