# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool status`: per thing and item, desired vs reported, and what the device says."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .publish import ITEMS

#: Attempts a device makes per desired digest (docs/protocol.md, "The reported document").
MAX_ATTEMPTS = 3
#: Longest URL the device takes (docs/protocol.md: over 127 bytes is ``bad URL``).
MAX_URL_BYTES = 127
_MD5 = re.compile(r"[0-9a-fA-F]{32}")


@dataclass(frozen=True)
class ItemStatus:
    """One item of one thing.  ``state``: ``current`` (reported = desired), ``pending`` (not
    yet), ``failed`` (the device tried the desired digest and failed: ``reason``), ``held``
    (failed :data:`MAX_ATTEMPTS` times: it will not try again), ``invalid`` (desired itself is
    unusable, so the device will never fetch it: ``reason``), ``unset`` (no desired)."""

    item: str
    desired: str | None
    reported: str | None
    state: str
    reason: str = ""
    attempts: int = 0


def item_status(shadow: dict[str, Any] | None) -> list[ItemStatus]:
    """The status of the three items in a shadow document (None: no shadow yet)."""
    state = (shadow or {}).get("state", {})
    desired = state.get("desired", {})
    reported = state.get("reported", {})
    ota = reported.get("ota") if isinstance(reported.get("ota"), dict) else {}
    records = ota.get("items") if isinstance(ota.get("items"), dict) else {}
    result = []
    for item in ITEMS:
        want = desired.get(f"{item}_ver")
        have = reported.get(f"{item}_ver")
        if not isinstance(want, str):
            result.append(ItemStatus(item, None, have, "unset"))
            continue
        if isinstance(have, str) and have.lower() == want.lower():
            result.append(ItemStatus(item, want, have, "current"))
            continue
        problem = desired_problem(item, desired)
        if problem:
            result.append(ItemStatus(item, want, have, "invalid", problem))
            continue
        record = records.get(item) if isinstance(records.get(item), dict) else {}
        tried = isinstance(record.get("ver"), str) and record["ver"].lower() == want.lower()
        attempts = int(record.get("attempts", 0)) if tried else 0
        error = str(record.get("error", "")) if tried else ""
        if tried and error:
            verdict = "held" if attempts >= MAX_ATTEMPTS else "failed"
            result.append(ItemStatus(item, want, have, verdict, error, attempts))
        else:
            result.append(ItemStatus(item, want, have, "pending", "", attempts))
    return result


def desired_problem(item: str, desired: dict[str, Any]) -> str:
    """Why the device will refuse ``item`` of ``desired`` without fetching it, or "" (the
    checks of docs/protocol.md's ``no URL``, ``bad URL`` and ``malformed digest``)."""
    ver, url = desired.get(f"{item}_ver"), desired.get(item)
    if not isinstance(ver, str) or not _MD5.fullmatch(ver):
        return f"desired {item}_ver {str(ver)[:40]!r} is not 32 hex digits"
    if url is None or url == "":
        return f"desired has {item}_ver but no {item} URL"
    if not isinstance(url, str):
        return f"desired {item} URL is not a string"
    if len(url.encode()) > MAX_URL_BYTES:
        return f"desired {item} URL is over {MAX_URL_BYTES} bytes"
    return ""


def format_rows(thing: str, rows: list[ItemStatus]) -> list[str]:
    """Table lines for a thing: item, state, desired and reported digests, reason."""
    lines = []
    for r in rows:
        reason = r.reason
        if r.state in ("failed", "held"):
            reason += f" (attempt {r.attempts}/{MAX_ATTEMPTS})"
        lines.append(
            f"{thing:<28} {r.item:<16} {r.state:<8} "
            f"{(r.desired or '-'):<32} {(r.reported or '-'):<32} {reason}".rstrip()
        )
    return lines


HEADER = f"{'THING':<28} {'ITEM':<16} {'STATE':<8} {'DESIRED':<32} {'REPORTED':<32} REASON"
