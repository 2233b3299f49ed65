# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""EUI-64 parsing and the EUI-64 → thing name mapping."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import InputError

_EUI = re.compile(r"[0-9a-fA-F]{16}")

DEFAULT_TEMPLATE = "degu-{eui}"


def parse_eui(text: str) -> str | None:
    """The EUI-64 in ``text`` as 16 lowercase hex digits, or None when it is not one."""
    return text.lower() if _EUI.fullmatch(text) else None


@dataclass(frozen=True)
class ThingMap:
    """Thing name for a device: an explicit entry, else ``template`` with ``{eui}`` filled in."""

    template: str = DEFAULT_TEMPLATE
    names: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if "{eui}" not in self.template:
            raise InputError(
                f"thing name template {self.template!r} has no {{eui}}: "
                "every device would map to the same thing; write e.g. 'degu-{eui}'"
            )
        bad = [k for k in self.names if parse_eui(k) is None]
        if bad:
            raise InputError(
                f"thing map key {bad[0]!r} is not an EUI-64 (16 hex digits, e.g. 0123456789abcdef)"
            )
        object.__setattr__(self, "names", {k.lower(): v for k, v in self.names.items()})

    def thing(self, eui: str) -> str:
        """The thing name of the device with EUI-64 ``eui`` (lowercase hex)."""
        return self.names.get(eui) or self.template.format(eui=eui)
