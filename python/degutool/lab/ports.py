# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Loopback helpers shared by the lab's servers."""

from __future__ import annotations

import socket
import time

from ..errors import DeguError


def free_port(host: str = "127.0.0.1", kind: int = socket.SOCK_STREAM) -> int:
    """A port free on ``host`` right now, for a server that cannot bind port 0 itself.

    Another process may take it before the server binds; the lab then fails with that
    server's own "address in use" error.
    """
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for_tcp(host: str, port: int, timeout: float, what: str) -> None:
    """Return once ``host:port`` accepts a TCP connection.

    :raises DeguError: nothing listened there within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError as e:
            if time.monotonic() > deadline:
                raise DeguError(
                    f"{what} did not listen on {host}:{port} within {timeout:g} s ({e})"
                ) from None
            time.sleep(0.05)
