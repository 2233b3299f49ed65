# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The lab's static file server: releases under a root folder, over HTTP on loopback."""

from __future__ import annotations

import functools
import logging
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..httpserve import BackgroundHTTPServer

log = logging.getLogger(__name__)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base signature)
        log.debug("%s %s", self.address_string(), format % args)


class FileServer(BackgroundHTTPServer):
    """Serves ``root`` at :attr:`url` from a thread (``port=0``: a free port).

    ``handler`` may be another :class:`SimpleHTTPRequestHandler` subclass (tests inject faults
    that way); it is given ``directory=root``.
    """

    name = "lab-files"

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
        server = ThreadingHTTPServer((host, port), factory)
        # Request threads are joined on stop: nothing of the server outlives it.
        server.daemon_threads = False
        super().__init__(server)

    @property
    def url(self) -> str:
        """``http://host:port/`` of the root folder."""
        host, port = self.address
        return f"http://{host}:{port}/"
