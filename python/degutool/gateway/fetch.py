# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Fetch one released file over HTTP(S) into a file on disk, with a size cap, a time limit and
its MD5 computed on the way (never the whole file in memory)."""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import DeguError

log = logging.getLogger(__name__)

CHUNK = 16384


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


def fetch_to_file(url: str, dest: Path, cap: int, timeout: float) -> Fetched:
    """Download ``url`` to ``dest`` (written under a temporary name, renamed at the end).

    :param cap: most bytes accepted; a larger file fails with 4.13 and nothing is kept.
    :param timeout: seconds for the whole transfer (and for each socket operation).
    :raises FetchError: 4.00 not an http(s) URL, 4.13 over ``cap``, 5.02 upstream failure
        (``HTTP 404``, ``connection closed after N bytes``, ...), 5.04 timed out.
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("4.00", f"bad url scheme {scheme or '(none)'!r}")
    tmp = dest.with_name(f"{dest.name}.{os.getpid()}.{id(dest)}.part")
    # TODO: the deadline is checked between reads and each socket operation has the whole
    # timeout, so a server that stalls just before the deadline gets up to twice the time;
    # shrinking the socket timeout to what is left needs http.client internals.
    deadline = time.monotonic() + timeout
    received = 0
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(tmp, "wb") as out:
            length = resp.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > cap:
                raise FetchError("4.13", f"size {length} over cap {cap}")
            while True:
                if time.monotonic() > deadline:
                    raise FetchError("5.04", f"timed out after {timeout:g} s")
                chunk = resp.read(CHUNK)
                if not chunk:
                    break
                received += len(chunk)
                if received > cap:
                    raise FetchError("4.13", f"size over cap {cap}")
                digest.update(chunk)
                out.write(chunk)
            # http.client's read(n) ends quietly at a connection closed early: compare.
            if length is not None and length.isdigit() and received < int(length):
                raise FetchError("5.02", f"connection closed after {received} bytes")
        tmp.replace(dest)
    except FetchError:
        tmp.unlink(missing_ok=True)
        raise
    except urllib.error.HTTPError as e:
        tmp.unlink(missing_ok=True)
        raise FetchError("5.02", f"HTTP {e.code}") from None
    except http.client.IncompleteRead as e:
        tmp.unlink(missing_ok=True)
        raise FetchError(
            "5.02", f"connection closed after {received + len(e.partial)} bytes"
        ) from None
    except TimeoutError:
        tmp.unlink(missing_ok=True)
        raise FetchError("5.04", f"timed out after {timeout:g} s") from None
    except urllib.error.URLError as e:
        tmp.unlink(missing_ok=True)
        reason = e.reason
        if isinstance(reason, TimeoutError):
            raise FetchError("5.04", f"timed out after {timeout:g} s") from None
        raise FetchError("5.02", f"{_short(reason)}") from None
    except (OSError, http.client.HTTPException) as e:
        tmp.unlink(missing_ok=True)
        if received:
            raise FetchError("5.02", f"connection closed after {received} bytes") from None
        raise FetchError("5.02", _short(e)) from None
    md5 = digest.hexdigest()
    log.info("fetched %s: %d bytes, md5 %s", url, received, md5)
    return Fetched(dest, received, md5)


def _short(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason) or type(reason).__name__
