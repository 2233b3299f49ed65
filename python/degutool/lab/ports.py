# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Loopback helpers shared by the lab's servers."""

from __future__ import annotations

import errno
import socket
import time

from ..errors import DeguError


class PortInUse(DeguError):
    """A port the lab would listen on is held by another process."""

    def __init__(self, host: str, port: int, proto: str, what: str, option: str) -> None:
        super().__init__(
            f"{proto} port {port} on {host} ({what}) is in use, maybe by another lab: stop that "
            f"one, or give {option} another port (0: any free one)"
        )
        self.port = port
        self.option = option


def check_free(host: str, port: int, kind: int) -> bool:
    """Whether ``port`` can be bound on ``host`` now (``kind``: SOCK_STREAM or SOCK_DGRAM).

    TCP is probed with SO_REUSEADDR, as the servers bind (so connections of a stopped server
    in TIME_WAIT do not count); UDP without SO_REUSEADDR or SO_REUSEPORT, so that a socket
    that shares the port (as aiocoap's does) counts as a holder.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, kind) as s:
        if kind == socket.SOCK_STREAM:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            if e.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


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
