# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""JSON from the network, parsed without letting a hostile document escape as anything but a
:class:`BadJSON`.

``json.loads`` raises ``RecursionError`` (not ``ValueError``) on deeply nested arrays or objects
(``"[" * 5000``): a handler that only catches ``ValueError`` then dies, and with it the thread
that runs it.  Every parser of untrusted bytes in the shadow service and the gateway goes
through :func:`parse` and turns :class:`BadJSON` into its own bad-input error.
"""

from __future__ import annotations

import json
from typing import Any


class BadJSON(ValueError):
    """The bytes are not one JSON document (not UTF-8, malformed, or nested too deeply)."""


def parse(data: bytes | bytearray | str) -> Any:
    """``json.loads(data)``, with every way it can fail raised as :class:`BadJSON`."""
    try:
        return json.loads(data)
    except RecursionError:
        raise BadJSON("nested too deeply") from None
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadJSON(str(e)) from None
