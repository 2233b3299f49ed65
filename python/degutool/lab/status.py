# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool status`: per thing and item, desired vs reported, and what the device says."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .publish import ITEMS

#: Attempts a device makes per desired digest (docs/protocol.md, "The reported document").
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class ItemStatus:
    """One item of one thing.  ``state``: ``current`` (reported = desired), ``pending`` (not
    yet), ``failed`` (the device tried the desired digest and failed: ``reason``), ``held``
    (failed :data:`MAX_ATTEMPTS` times: it will not try again), ``unset`` (no desired)."""

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


def format_rows(thing: str, rows: list[ItemStatus]) -> list[str]:
    """Table lines for a thing: item, state, desired and reported digests, reason."""
    lines = []
    for r in rows:
        reason = f"{r.reason} (attempt {r.attempts}/{MAX_ATTEMPTS})" if r.reason else ""
        lines.append(
            f"{thing:<28} {r.item:<16} {r.state:<8} "
            f"{(r.desired or '-'):<32} {(r.reported or '-'):<32} {reason}".rstrip()
        )
    return lines


HEADER = f"{'THING':<28} {'ITEM':<16} {'STATE':<8} {'DESIRED':<32} {'REPORTED':<32} REASON"
