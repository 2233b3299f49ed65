# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Fetch one released file over HTTP(S) into a file on disk, with a size cap, a time limit and
its MD5 computed on the way (never the whole file in memory).

HTTPS verifies the server's certificate and host name: against the system's CAs, or only
against the CA bundle of :func:`tls_context` (the gateway config's ``ca_file``). A TLS failure
is a 5.02 whose diagnostic starts with ``TLS:`` (``TLS: certificate verify failed: ...``). A
redirect from https to http is refused (5.02 ``redirect from https to http``): the operator
asked for an authenticated server, and MD5 alone does not stand in for that.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ..errors import DeguError, InputError

log = logging.getLogger(__name__)

CHUNK = 16384
#: Redirects followed before a fetch fails (each target must be http or https too).
MAX_REDIRECTS = 5
_REDIRECT_CODES = (301, 302, 303, 307, 308)


class FetchError(DeguError):
    """A fetch failed: ``code`` is the CoAP response code the gateway answers with and
    ``diagnostic`` the short text it sends (docs/protocol.md)."""

    def __init__(self, code: str, diagnostic: str) -> None:
        super().__init__(diagnostic)
        self.code = code
        self.diagnostic = diagnostic


@dataclass(frozen=True)
class Fetched:
    """A fetched file: where it is, its size and its MD5 (lowercase hex)."""

    path: Path
    size: int
    md5: str


class Watchdog:
    """Ends a transfer at its deadline, or when :meth:`cancel` is called, by shutting down
    the socket under whichever read is blocked then (a server that trickles one byte at a
    time never lets a per-read socket timeout fire)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout  # set again when the transfer starts
        self.expired = False
        self.cancelled = False
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(timeout, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self.deadline = time.monotonic() + self.timeout
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        self._timer.join()

    def remaining(self) -> float:
        """Seconds left before the deadline (at least a millisecond, for socket timeouts)."""
        return max(0.001, self.deadline - time.monotonic())

    def watch(self, conn: http.client.HTTPConnection) -> None:
        """Connect ``conn`` (within the time left) and watch its socket from now on (for
        HTTPS from before the TLS handshake, so a stalled handshake ends at the deadline)."""
        conn.timeout = self.remaining()
        if isinstance(conn, _TLSConnection):
            conn.on_socket = self._register
        conn.connect()
        self._register(conn.sock)

    def _register(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.expired or self.cancelled:
                self._shut()

    def cancel(self) -> None:
        """End the transfer now (it fails with 5.02 ``cancelled``)."""
        with self._lock:
            self.cancelled = True
            self._shut()

    def check(self) -> None:
        """:raises FetchError: the deadline passed or the transfer was cancelled."""
        if self.cancelled:
            raise FetchError("5.02", "cancelled")
        if self.expired or time.monotonic() >= self.deadline:
            raise FetchError("5.04", f"timed out after {self.timeout:g} s")

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            self._shut()

    def _shut(self) -> None:
        if self._sock is None:
            return
        try:
            # The plain socket's shutdown, also under TLS: an SSLSocket's own would drop its
            # TLS state while another thread reads through it.
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)
        except OSError:
            pass


class _TLSConnection(http.client.HTTPConnection):
    """HTTPS whose TLS socket is handed to :attr:`on_socket` before its handshake."""

    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: int | None, context: ssl.SSLContext) -> None:
        super().__init__(host, port)
        self.context = context
        self.on_socket: Callable[[socket.socket], None] = lambda sock: None

    def connect(self) -> None:
        super().connect()
        self.sock = self.context.wrap_socket(
            self.sock, server_hostname=self.host, do_handshake_on_connect=False
        )
        self.on_socket(self.sock)
        self.sock.do_handshake()


def tls_context(ca_file: str | Path | None = None) -> ssl.SSLContext:
    """A client context that requires a valid certificate for the host name asked for.

    :param ca_file: PEM bundle of the only CAs trusted (a private release server); None: the
        system's CAs.
    :raises InputError: ``ca_file`` is unreadable or holds no usable certificate.
    """
    if ca_file is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except FileNotFoundError:
        raise InputError(f"CA file {ca_file} does not exist: give an existing PEM file") from None
    except (ssl.SSLError, OSError) as e:
        raise InputError(
            f"CA file {ca_file} is not a usable PEM CA bundle ({_short(e)}): "
            "give the CA certificate(s) in PEM"
        ) from None


def fetch_to_file(
    url: str,
    dest: Path,
    cap: int,
    timeout: float,
    watchdog: Watchdog | None = None,
    context: ssl.SSLContext | None = None,
) -> Fetched:
    """Download ``url`` to ``dest`` (written under a temporary name, renamed at the end).

    :param cap: most bytes accepted; a larger file fails with 4.13 and nothing is kept.
    :param timeout: seconds for the whole transfer: connecting, every redirect, the headers
        and the body together.
    :param watchdog: the transfer's :class:`Watchdog` (made here when None), for a caller
        that may :meth:`Watchdog.cancel` it from another thread.
    :param context: TLS context for https (and redirects to https), from :func:`tls_context`;
        None: the system's CAs.
    :raises FetchError: 4.00 not an http(s) URL, 4.13 over ``cap``, 5.02 upstream failure
        (``HTTP 404``, ``connection closed after N bytes``, a redirect to anything but
        http(s) or from https to http, more than :data:`MAX_REDIRECTS` redirects, ``TLS: ...``),
        5.04 timed out.
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("4.00", f"bad url scheme {scheme or '(none)'!r}")
    tmp = dest.with_name(f"{dest.name}.{os.getpid()}.{id(dest)}.part")
    watchdog = watchdog or Watchdog(timeout)
    received = 0
    digest = hashlib.md5(usedforsecurity=False)
    conn: http.client.HTTPConnection | None = None
    context = context or ssl.create_default_context()
    try:
        with watchdog:
            conn, resp = _open(url, watchdog, context)
            length = resp.getheader("Content-Length")
            known = int(length) if length is not None and length.isdigit() else None
            if known is not None and known > cap:
                raise FetchError("4.13", f"size {length} over cap {cap}")
            with open(tmp, "wb") as out:
                while True:
                    chunk = resp.read(CHUNK)
                    watchdog.check()
                    if not chunk:
                        break
                    received += len(chunk)
                    if received > cap:
                        raise FetchError("4.13", f"size over cap {cap}")
                    digest.update(chunk)
                    out.write(chunk)
            # http.client's read(n) ends quietly at a connection closed early: compare.
            if known is not None and received < known:
                raise FetchError("5.02", f"connection closed after {received} bytes")
        tmp.replace(dest)
    except FetchError:
        tmp.unlink(missing_ok=True)
        raise
    except (OSError, http.client.HTTPException) as e:
        tmp.unlink(missing_ok=True)
        watchdog.check()
        if isinstance(e, TimeoutError):
            raise FetchError("5.04", f"timed out after {timeout:g} s") from None
        if isinstance(e, http.client.IncompleteRead):
            received += len(e.partial)
        if isinstance(e, ssl.SSLCertVerificationError):
            raise FetchError("5.02", _verify_failed(e)) from None
        if received:
            raise FetchError("5.02", f"connection closed after {received} bytes") from None
        raise FetchError("5.02", _short(e)) from None
    finally:
        if conn is not None:
            conn.close()
    md5 = digest.hexdigest()
    log.info("fetched %s: %d bytes, md5 %s", url, received, md5)
    return Fetched(dest, received, md5)


def _open(
    url: str, watchdog: Watchdog, context: ssl.SSLContext
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    """GET ``url``, following redirects; the connection and its 200 response."""
    for _hop in range(MAX_REDIRECTS + 1):
        conn = _connection(url, watchdog, context)
        try:
            parts = urlsplit(url)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request(
                "GET", target, headers={"Accept-Encoding": "identity", "User-Agent": "degu-gateway"}
            )
            resp = conn.getresponse()
            watchdog.check()
            if resp.status == 200:
                return conn, resp
            if resp.status not in _REDIRECT_CODES:
                raise FetchError("5.02", f"HTTP {resp.status}")
            location = resp.getheader("Location")
            if not location:
                raise FetchError("5.02", f"HTTP {resp.status} without Location")
            was = urlsplit(url).scheme.lower()
            url = urljoin(url, location)
            scheme = urlsplit(url).scheme.lower()
            if scheme not in ("http", "https"):
                raise FetchError("5.02", f"redirect to bad url scheme {scheme or '(none)'!r}")
            if was == "https" and scheme == "http":
                raise FetchError("5.02", "redirect from https to http")
            log.debug("redirected to %s", url)
        except BaseException:
            conn.close()
            raise
        conn.close()
    raise FetchError("5.02", f"more than {MAX_REDIRECTS} redirects")


def _connection(
    url: str, watchdog: Watchdog, context: ssl.SSLContext
) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise FetchError("4.00", "bad url port") from None
    if not host:
        raise FetchError("4.00", "bad url: no host")
    conn: http.client.HTTPConnection
    if parts.scheme.lower() == "https":
        conn = _TLSConnection(host, port, context)
    else:
        conn = http.client.HTTPConnection(host, port)
    watchdog.watch(conn)
    return conn


def _verify_failed(e: ssl.SSLCertVerificationError) -> str:
    """``TLS: certificate verify failed: <OpenSSL's reason>``, e.g. ``unable to get local
    issuer certificate`` or ``Hostname mismatch, certificate is not valid for 'localhost'``."""
    why = (e.verify_message or "").rstrip(".")
    return "TLS: certificate verify failed" + (f": {why}" if why else "")


def _short(reason: object) -> str:
    if isinstance(reason, ssl.SSLError):
        # OpenSSL's reason (WRONG_VERSION_NUMBER), not the "[SSL: ...] ... (_ssl.c:N)" text.
        return "TLS: " + (reason.reason or str(reason)).lower().replace("_", " ")
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason) or type(reason).__name__
