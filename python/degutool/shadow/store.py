# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The shadow store: one SQLite file holding every thing's classic and named shadows.

:class:`ShadowStore` is safe to share between threads (the HTTP service, the MQTT responder and
an in-process gateway use one store): every operation is one transaction under a lock.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import document as d
from .document import ShadowRequestError

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS shadow (
    thing TEXT NOT NULL,
    name TEXT NOT NULL,            -- '' for the classic shadow
    state TEXT,                    -- JSON {"desired":..,"reported":..}; NULL once deleted
    metadata TEXT,
    version INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    PRIMARY KEY (thing, name)
)
"""


@dataclass(frozen=True)
class UpdateResult:
    """What an accepted update produced, for the /accepted, /delta and /documents replies."""

    accepted: dict[str, Any]
    #: The ``/update/delta`` message, or None when the update leaves no delta to announce.
    delta: dict[str, Any] | None
    documents: dict[str, Any]


class ShadowStore:
    """AWS IoT Device Shadow semantics over one SQLite database file (or ``:memory:``)."""

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        if str(path) != ":memory:":
            # WAL with synchronous=NORMAL: a crash of the process loses nothing, a power cut
            # at most the last updates; an fsync per device report would cap the lab at a few
            # hundred requests per second.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()
        self._clock = clock
        #: Called after every accepted update with (thing, shadow name, result), outside the
        #: lock: the MQTT responder publishes /update/delta and /update/documents from here,
        #: whichever API the update came in by.
        self.listeners: list[Callable[[str, str, UpdateResult], None]] = []

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def now(self) -> int:
        """The store's clock, whole seconds since the epoch."""
        return int(self._clock())

    def _row(self, thing: str, name: str) -> tuple[dict | None, dict | None, int, int] | None:
        row = self._db.execute(
            "SELECT state, metadata, version, timestamp FROM shadow WHERE thing=? AND name=?",
            (thing, name),
        ).fetchone()
        if row is None:
            return None
        state = json.loads(row[0]) if row[0] is not None else None
        meta = json.loads(row[1]) if row[1] is not None else None
        return state, meta, row[2], row[3]

    def things(self) -> list[str]:
        """Names of the things that have at least one shadow."""
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT thing FROM shadow WHERE state IS NOT NULL ORDER BY thing"
            ).fetchall()
        return [r[0] for r in rows]

    def names(self, thing: str) -> list[str]:
        """Names of the named shadows of ``thing`` (the classic shadow is not listed)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT name FROM shadow WHERE thing=? AND name<>'' AND state IS NOT NULL "
                "ORDER BY name",
                (thing,),
            ).fetchall()
        return [r[0] for r in rows]

    def get(self, thing: str, name: str = "", client_token: str | None = None) -> dict[str, Any]:
        """The shadow document: ``state`` (with ``delta``), ``metadata``, ``version``, ...

        :raises ShadowRequestError: 404 when the thing has no such shadow.
        """
        with self._lock:
            row = self._row(thing, name)
        if row is None or row[0] is None:
            raise ShadowRequestError(404, _missing(thing, name), client_token)
        state, meta, version, _ = row
        assert meta is not None
        desired = state.get("desired", {})
        reported = state.get("reported", {})
        doc_state: dict[str, Any] = {}
        doc_meta: dict[str, Any] = {}
        for section in d.SECTIONS:
            if section in state:
                doc_state[section] = state[section]
                doc_meta[section] = meta.get(section, {})
        diff = d.delta(desired, reported)
        if diff:
            doc_state["delta"] = diff
        doc: dict[str, Any] = {
            "state": doc_state,
            "metadata": doc_meta,
            "version": version,
            "timestamp": self.now(),
        }
        if client_token is not None:
            doc["clientToken"] = client_token
        return doc

    def update(self, thing: str, raw: bytes, name: str = "") -> UpdateResult:
        """Apply an update request document (the bytes as received).

        :raises ShadowRequestError: 400 malformed, 409 stale ``version``, 413 too large.
        """
        req = d.parse_update(raw)
        token = req.get("clientToken")
        with self._lock:
            now = self.now()
            row = self._row(thing, name)
            old_state, old_meta, version = (
                (row[0], row[1], row[2]) if row is not None else (None, None, 0)
            )
            if "version" in req and req["version"] != version:
                raise ShadowRequestError(409, "Version conflict", token)
            state = dict(old_state or {})
            meta = dict(old_meta or {})
            for section, value in req["state"].items():
                if value is None:
                    state.pop(section, None)
                    meta.pop(section, None)
                    continue
                state[section] = d.merge(state.get(section, {}), value)
                meta[section] = d.stamp(meta.get(section, {}), value, now)
                if d.encoded_size(state[section]) > d.MAX_DOCUMENT_BYTES:
                    raise ShadowRequestError(
                        413,
                        f"The {section} state would exceed the maximum size allowed "
                        f"({d.MAX_DOCUMENT_BYTES} bytes)",
                        token,
                    )
            version += 1
            self._db.execute(
                "INSERT OR REPLACE INTO shadow VALUES (?, ?, ?, ?, ?, ?)",
                (thing, name, json.dumps(state), json.dumps(meta), version, now),
            )
        log.debug("shadow %s/%s updated to version %d", thing, name or "classic", version)
        result = self._results(req, old_state, old_meta, state, meta, version, now)
        for listener in self.listeners:
            try:
                listener(thing, name, result)
            except Exception:  # a broken listener must not turn an accepted update into an error
                log.exception("shadow update listener failed for %s", thing)
        return result

    @staticmethod
    def _results(
        req: dict[str, Any],
        old_state: dict | None,
        old_meta: dict | None,
        state: dict[str, Any],
        meta: dict[str, Any],
        version: int,
        now: int,
    ) -> UpdateResult:
        token = req.get("clientToken")
        req_state = req["state"]
        accepted: dict[str, Any] = {
            "state": req_state,
            "metadata": {
                s: d.stamp({}, v, now) if v is not None else None for s, v in req_state.items()
            },
            "version": version,
            "timestamp": now,
        }
        delta_msg = None
        diff = d.delta(state.get("desired", {}), state.get("reported", {}))
        if diff and req_state.get("desired"):
            delta_msg = {
                "version": version,
                "timestamp": now,
                "state": diff,
                "metadata": d.pick(meta.get("desired", {}), diff),
            }
        current = {"state": state, "metadata": meta, "version": version}
        previous = (
            {"state": old_state, "metadata": old_meta, "version": version - 1}
            if old_state is not None
            else None
        )
        documents: dict[str, Any] = {"previous": previous, "current": current, "timestamp": now}
        if token is not None:
            accepted["clientToken"] = token
            documents["clientToken"] = token
            if delta_msg is not None:
                delta_msg["clientToken"] = token
        return UpdateResult(accepted, delta_msg, documents)

    def delete(self, thing: str, name: str = "", client_token: str | None = None) -> dict:
        """Delete a shadow; its version number carries on if it is created again.

        :raises ShadowRequestError: 404 when there is no such shadow.
        """
        with self._lock:
            row = self._row(thing, name)
            if row is None or row[0] is None:
                raise ShadowRequestError(404, _missing(thing, name), client_token)
            now = self.now()
            self._db.execute(
                "UPDATE shadow SET state=NULL, metadata=NULL, timestamp=? WHERE thing=? AND name=?",
                (now, thing, name),
            )
        doc: dict[str, Any] = {"version": row[2], "timestamp": now}
        if client_token is not None:
            doc["clientToken"] = client_token
        return doc


def _missing(thing: str, name: str) -> str:
    return f"No shadow exists with name: '{thing}'" + (f" (shadow '{name}')" if name else "")
