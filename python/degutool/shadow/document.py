# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Pure AWS IoT Device Shadow semantics: merge, delta, metadata, request checks.

No storage and no I/O here; :mod:`degutool.shadow.store` keeps the documents this module builds.
Decisions where AWS's documentation leaves room, written down once:

- timestamps are whole seconds since the epoch, as AWS sends them;
- an array is one leaf (one metadata timestamp, compared as a whole in the delta);
- an object emptied by ``null`` deletes is removed with its last key;
- a request document over 8192 bytes, or a resulting ``desired`` or ``reported`` over 8192
  bytes, is refused with 413; more than 6 levels of nesting in ``state`` with 400;
- ``/update/delta`` is published after an accepted update that has a ``desired`` section and
  leaves a delta; its ``state`` is the whole delta, not only the keys of that update;
- a deleted shadow's version carries on when it is created again (AWS does so for 48 hours;
  the lab keeps it for good).
"""

from __future__ import annotations

import json
from typing import Any

from .. import jsonparse
from ..errors import ShadowError

MAX_DOCUMENT_BYTES = 8192
MAX_CLIENT_TOKEN_BYTES = 64
MAX_DEPTH = 6
SECTIONS = ("desired", "reported")


class ShadowRequestError(ShadowError):
    """A shadow request refused with an AWS IoT error code (HTTP status) and message."""

    #: AWS IoT data plane error type for each code, as boto3 maps it to an exception class.
    TYPES = {
        400: "InvalidRequestException",
        404: "ResourceNotFoundException",
        405: "MethodNotAllowedException",
        409: "ConflictException",
        413: "RequestEntityTooLargeException",
        500: "InternalFailureException",
    }

    def __init__(self, code: int, message: str, client_token: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.client_token = client_token

    @property
    def error_type(self) -> str:
        """The AWS error type name (``x-amzn-ErrorType``) for :attr:`code`."""
        return self.TYPES.get(self.code, "InternalFailureException")

    def body(self) -> dict[str, Any]:
        """The error document AWS IoT sends: ``{"code":..,"message":..[,"clientToken":..]}``."""
        doc: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.client_token is not None:
            doc["clientToken"] = self.client_token
        return doc


def parse_update(raw: bytes) -> dict[str, Any]:
    """Check an update request document and return it parsed.

    :raises ShadowRequestError: 413 over 8 KB, 400 not JSON / no ``state`` / bad node / token.
    """
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise ShadowRequestError(
            413, f"The payload exceeds the maximum size allowed ({MAX_DOCUMENT_BYTES} bytes)"
        )
    try:
        doc = jsonparse.parse(raw)
    except jsonparse.BadJSON as e:
        raise ShadowRequestError(400, f"Payload contains invalid json: {e}") from None
    if not isinstance(doc, dict):
        raise ShadowRequestError(400, "Payload must be a JSON object")
    token = doc.get("clientToken")
    if token is not None:
        if not isinstance(token, str):
            raise ShadowRequestError(400, "Invalid clientToken: must be a string")
        if len(token.encode()) > MAX_CLIENT_TOKEN_BYTES:
            raise ShadowRequestError(
                400, f"clientToken is longer than {MAX_CLIENT_TOKEN_BYTES} bytes"
            )
    version = doc.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise ShadowRequestError(400, "Invalid version: must be an integer", token)
    if "state" not in doc:
        raise ShadowRequestError(400, "Missing required node: state", token)
    state = doc["state"]
    if not isinstance(state, dict):
        raise ShadowRequestError(400, "State node must be an object", token)
    for key, value in state.items():
        if key not in SECTIONS:
            raise ShadowRequestError(400, f"State contains an invalid node: '{key}'", token)
        if value is not None and not isinstance(value, dict):
            raise ShadowRequestError(400, f"{key} node must be an object", token)
        if _deeper_than(value, MAX_DEPTH):
            raise ShadowRequestError(
                400, f"JSON contains too many levels of nesting; maximum is {MAX_DEPTH}", token
            )
    return doc


def _deeper_than(value: Any, limit: int) -> bool:
    # Stops at limit + 1 levels: a document nested hundreds deep must not exhaust the stack.
    if not isinstance(value, dict) or not value:
        return False
    if limit == 0:
        return True
    return any(_deeper_than(v, limit - 1) for v in value.values())


def merge(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Return ``current`` with ``update`` merged in: objects merged, ``None`` deletes a key."""
    result = dict(current)
    for key, value in update.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            merged = merge(result[key], value)
            if merged or not _all_deletes(value):
                result[key] = merged
            else:
                del result[key]
        elif isinstance(value, dict):
            result[key] = _strip_nulls(value)
        else:
            result[key] = value
    return result


def _all_deletes(value: dict[str, Any]) -> bool:
    return all(v is None or (isinstance(v, dict) and _all_deletes(v)) for v in value.values())


def _strip_nulls(value: dict[str, Any]) -> dict[str, Any]:
    return {
        k: _strip_nulls(v) if isinstance(v, dict) else v for k, v in value.items() if v is not None
    }


def stamp(current: dict[str, Any], update: dict[str, Any], now: int) -> dict[str, Any]:
    """Return metadata ``current`` with every leaf of ``update`` stamped ``now``.

    The metadata mirrors the state: each leaf becomes ``{"timestamp": now}``.
    """
    result = dict(current)
    for key, value in update.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            old = result.get(key)
            if not isinstance(old, dict) or "timestamp" in old:
                old = {}
            inner = stamp(old, value, now)
            if inner:
                result[key] = inner
            else:
                result.pop(key, None)
        else:
            result[key] = {"timestamp": now}
    return result


def delta(desired: dict[str, Any], reported: dict[str, Any]) -> dict[str, Any]:
    """Desired keys whose value differs from reported, objects compared key by key."""
    result: dict[str, Any] = {}
    for key, want in desired.items():
        have = reported.get(key)
        if isinstance(want, dict) and isinstance(have, dict):
            inner = delta(want, have)
            if inner:
                result[key] = inner
        elif key not in reported or want != have:
            result[key] = want
    return result


def pick(metadata: dict[str, Any], shape: dict[str, Any]) -> dict[str, Any]:
    """The part of ``metadata`` for the keys of ``shape`` (the metadata of a delta)."""
    result: dict[str, Any] = {}
    for key, value in shape.items():
        meta = metadata.get(key)
        if meta is None:
            continue
        if isinstance(value, dict) and isinstance(meta, dict) and "timestamp" not in meta:
            result[key] = pick(meta, value)
        else:
            result[key] = meta
    return result


def encoded_size(value: Any) -> int:
    """Bytes of ``value`` as compact JSON (what the 8 KB limit counts)."""
    return len(json.dumps(value, separators=(",", ":")).encode())
