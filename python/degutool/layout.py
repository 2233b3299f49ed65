# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The nRF52840 flash layout of the Degu (DESIGN.md, "Flash layout").

The board devicetree (boards/arm/degu/degu.dts) is the one definition; this module keeps a
copy for when no build is at hand and can read the real numbers from a build's
``zephyr.dts``.  tests/test_layout.py keeps the copy and the devicetree equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import LayoutError

FLASH_SIZE = 0x100000
FLASH_PAGE = 0x1000
#: MCUboot image header size, and so the vector table offset of the application.
IMAGE_HEADER_SIZE = 0x200
#: nRF52840 NVMC write block; MCUboot's trailer alignment for this part.
WRITE_ALIGN = 4


@dataclass(frozen=True)
class Partition:
    """One fixed partition: devicetree label, start offset and size in bytes."""

    label: str
    offset: int
    size: int

    @property
    def end(self) -> int:
        return self.offset + self.size


@dataclass(frozen=True)
class Layout:
    """The partitions of the part, by label."""

    partitions: dict[str, Partition]

    def __getitem__(self, label: str) -> Partition:
        try:
            return self.partitions[label]
        except KeyError:
            raise LayoutError(
                f"no partition labelled {label!r}; the layout has {sorted(self.partitions)}"
            ) from None

    @property
    def boot(self) -> Partition:
        return self["mcuboot"]

    @property
    def slot0(self) -> Partition:
        return self["image-0"]

    @property
    def slot1(self) -> Partition:
        return self["image-1"]

    @property
    def scratch(self) -> Partition:
        return self["image-scratch"]

    @property
    def storage(self) -> Partition:
        return self["storage"]

    @property
    def thread(self) -> Partition:
        return self["thread"]


DEFAULT = Layout(
    {
        p.label: p
        for p in (
            Partition("mcuboot", 0x000000, 0x14000),
            Partition("image-0", 0x014000, 0x6E000),
            Partition("image-1", 0x082000, 0x6E000),
            Partition("image-scratch", 0x0F0000, 0x8000),
            Partition("storage", 0x0F8000, 0x4000),
            Partition("thread", 0x0FC000, 0x4000),
        )
    }
)

_PARTITION_RE = re.compile(
    r"partition@(?P<addr>[0-9a-fA-F]+)\s*\{(?P<body>[^{}]*)\}", re.MULTILINE | re.DOTALL
)
_LABEL_RE = re.compile(r'label\s*=\s*"(?P<label>[^"]+)"')
_REG_RE = re.compile(
    r"reg\s*=\s*<\s*(?P<off>0x[0-9a-fA-F]+|\d+)\s+(?P<size>0x[0-9a-fA-F]+|\d+)\s*>"
)


def _span(p: Partition) -> str:
    return f"0x{p.offset:06x}-0x{p.end - 1:06x}"


def validate(lay: Layout, source: str = "layout") -> Layout:
    """Refuse a layout whose partitions are empty, leave the part's flash, or overlap; the
    one place a layout is checked, whatever it was read from.  Returns it."""
    for p in lay.partitions.values():
        if p.size <= 0:
            raise LayoutError(
                f"{source}: partition {p.label} at 0x{p.offset:06x} has size {p.size}: give it "
                "a size in its reg"
            )
        if p.offset < 0 or p.end > FLASH_SIZE:
            raise LayoutError(
                f"{source}: partition {p.label} ({_span(p)}) lies outside the nRF52840's "
                f"{FLASH_SIZE // 1024} KB of flash (0x000000-0x{FLASH_SIZE - 1:06x}): fix its reg"
            )
    ordered = sorted(lay.partitions.values(), key=lambda p: (p.offset, p.end))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.offset >= a.end:
                break
            raise LayoutError(
                f"{source}: partitions {a.label} ({_span(a)}) and {b.label} ({_span(b)}) "
                f"overlap at 0x{b.offset:06x}-0x{min(a.end, b.end) - 1:06x}: fix their reg so "
                "that each range is its own"
            )
    return lay


def parse_dts(text: str, source: str = "devicetree") -> Layout:
    """Read the fixed partitions from devicetree source (a board .dts or a build's zephyr.dts)."""
    parts: dict[str, Partition] = {}
    for m in _PARTITION_RE.finditer(text):
        body = m.group("body")
        label = _LABEL_RE.search(body)
        reg = _REG_RE.search(body)
        if not label or not reg:
            continue
        parts[label.group("label")] = Partition(
            label.group("label"), int(reg.group("off"), 0), int(reg.group("size"), 0)
        )
    if not parts:
        raise LayoutError(f"{source}: no fixed partitions with label and reg found")
    return validate(Layout(parts), source)


def load(dts: Path | None = None) -> Layout:
    """The layout of a build's ``zephyr.dts`` when given, else the built-in copy."""
    if dts is None:
        return DEFAULT
    try:
        text = dts.read_text()
    except OSError as e:
        raise LayoutError(f"{dts}: cannot read devicetree ({e.strerror})") from e
    return parse_dts(text, str(dts))
