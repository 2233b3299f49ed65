# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Print the flash and RAM one static library adds to a linked Zephyr image.

Reads the GNU ld map file of a build (build/zephyr/zephyr.map) and sums the input sections
that came from the library, the MicroPython port's by default:

    python bench/mpy_size.py build/zephyr/zephyr.map [--library libdegu_micropython.a]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

# "  .text.gc_alloc  0x00012345  0x1a4 libx.a(gc.c.obj)", the name possibly on the line above.
_ENTRY = re.compile(
    r"^\s*(?P<name>\.\S+|COMMON)?\s+0x(?P<addr>[0-9a-f]+)\s+0x(?P<size>[0-9a-f]+)\s+(?P<src>\S+)$"
)
_NAME_ONLY = re.compile(r"^\s*(?P<name>\.\S+|COMMON)\s*$")


@dataclass
class Footprint:
    """Bytes of one library in an image."""

    text: int = 0  # code and constants: flash only
    data: int = 0  # initialised variables: flash (load image) and RAM
    bss: int = 0  # zeroed and uninitialised variables: RAM only

    @property
    def flash(self) -> int:
        return self.text + self.data

    @property
    def ram(self) -> int:
        return self.data + self.bss


def library_footprint(map_text: str, library: str) -> Footprint:
    """Sum the sections of ``library`` that the linker placed (discarded ones are skipped)."""
    fp = Footprint()
    placed = False
    pending: str | None = None
    for line in map_text.splitlines():
        if line.startswith("Linker script and memory map"):
            placed = True
            continue
        if not placed:
            continue
        only = _NAME_ONLY.match(line)
        if only:
            pending = only["name"]
            continue
        entry = _ENTRY.match(line)
        if not entry:
            pending = None
            continue
        name = entry["name"] or pending
        pending = None
        if name is None or f"{library}(" not in entry["src"] or int(entry["addr"], 16) == 0:
            continue
        size = int(entry["size"], 16)
        if name.startswith((".text", ".rodata", ".ARM.ex")) or "_area" in name:
            fp.text += size
        elif name.startswith(".data") or name.startswith(".ramfunc"):
            fp.data += size
        elif name.startswith((".bss", ".noinit")) or name == "COMMON":
            fp.bss += size
    return fp


def main(argv: list[str] | None = None) -> int:
    """Print one line: flash and RAM of the library in the image."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("map", type=Path, help="zephyr.map of a build")
    parser.add_argument("--library", default="libdegu_micropython.a")
    args = parser.parse_args(argv)
    try:
        text = args.map.read_text(errors="replace")
    except OSError as exc:
        print(f"cannot read {args.map}: {exc.strerror}; build first (west build)", file=sys.stderr)
        return 1
    fp = library_footprint(text, args.library)
    if fp.flash == 0 and fp.ram == 0:
        print(
            f"{args.library} contributes nothing to {args.map}: is it the right library?",
            file=sys.stderr,
        )
        return 1
    print(
        f"{args.library}: flash {fp.flash} B (text {fp.text}, data {fp.data}), "
        f"RAM {fp.ram} B (data {fp.data}, bss {fp.bss})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
