# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The factory image: MCUboot, the signed firmware in slot 0 and the FAT volume, in one file.

The inputs are merged with intelhex at the layout's addresses and written twice: as Intel HEX
(gaps left out, so a programmer erases only what holds data) and as a raw binary of the whole
part with 0xFF, the erased state, in the gaps.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

from intelhex import HexReaderError, IntelHex

from . import layout as layout_mod
from . import storage as storage_mod
from .errors import InputError, LayoutError
from .fileio import write_all_atomic
from .keys import Key
from .verify import check_image

log = logging.getLogger(__name__)

ERASED = 0xFF


@dataclass(frozen=True)
class Input:
    """One input of the merge: what it is, where it came from, and its data by address."""

    what: str
    path: Path
    partition: layout_mod.Partition
    data: IntelHex


def _span(start: int, end: int) -> str:
    return f"0x{start:06x}-0x{end - 1:06x}"


def load_input(what: str, path: Path, partition: layout_mod.Partition) -> Input:
    """Read ``path``: Intel HEX at its own addresses, anything else raw at the partition."""
    data = IntelHex()
    data.padding = ERASED
    if path.suffix.lower() == ".hex":
        try:
            data.loadhex(str(path))
        except OSError as e:
            raise InputError(f"{what} {path}: cannot read ({e.strerror})") from e
        except (HexReaderError, ValueError) as e:
            raise InputError(f"{what} {path}: not a valid Intel HEX file ({e})") from e
    else:
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise InputError(f"{what} {path}: cannot read ({e.strerror})") from e
        if len(raw) > partition.size:
            raise LayoutError(
                f"{what} {path} is {len(raw)} bytes; the {partition.label} partition at "
                f"0x{partition.offset:06x} holds {partition.size}: give a smaller file"
            )
        data.frombytes(raw, offset=partition.offset)
    if not data.segments():
        raise InputError(f"{what} {path}: holds no data")
    return Input(what, path, partition, data)


def _check_in_flash(item: Input) -> None:
    for start, end in item.data.segments():
        if end > layout_mod.FLASH_SIZE:
            raise LayoutError(
                f"{item.what} {item.path} has data at {_span(start, end)}, outside the part's "
                f"{layout_mod.FLASH_SIZE // 1024} KB of flash (0x000000-0x"
                f"{layout_mod.FLASH_SIZE - 1:06x}): remove it from the input"
            )


def _check_in_partition(item: Input) -> None:
    part = item.partition
    for start, end in item.data.segments():
        if start < part.offset or end > part.end:
            log.warning(
                "%s %s has data at %s, outside the %s partition (%s)",
                item.what,
                item.path,
                _span(start, end),
                part.label,
                _span(part.offset, part.end),
            )


def _check_overlap(a: Input, b: Input) -> None:
    for a_start, a_end in a.data.segments():
        for b_start, b_end in b.data.segments():
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                raise LayoutError(
                    f"{a.what} {a.path} and {b.what} {b.path} both hold data at 0x{start:06x} "
                    f"({_span(start, end)}): each must stay in its own partition"
                )


def _check_signed(item: Input, key: Key | None, layout: layout_mod.Layout) -> None:
    """MCUboot boots slot 0 only from a signed, unchanged image whose header starts the slot."""
    start = item.partition.offset
    end = min(item.data.maxaddr(), item.partition.end - 1)
    data = item.data.tobinstr(start=start, end=max(end, start))
    check_image(data, f"{item.what} {item.path} at 0x{start:06x}", key, layout)


def _check_image_in_slot(item: Input) -> None:
    """The image goes to slot 0 only: data elsewhere would land on another partition."""
    part = item.partition
    for start, end in item.data.segments():
        if start < part.offset or end > part.end:
            raise LayoutError(
                f"{item.what} {item.path} has data at {_span(start, end)}, outside slot 0 "
                f"({_span(part.offset, part.end)}): give the signed image for slot 0 alone "
                "(degu.bin from `degutool release` or `degutool sign`)"
            )


def _check_storage(item: Input, layout: layout_mod.Layout) -> None:
    part = item.partition
    for start, end in item.data.segments():
        if start < part.offset or end > part.end:
            raise LayoutError(
                f"{item.what} {item.path} has data at {_span(start, end)}, outside the storage "
                f"partition ({_span(part.offset, part.end)}): give the volume alone"
            )
    lo, hi = item.data.minaddr(), item.data.maxaddr() + 1
    data = item.data.tobinstr(start=lo, end=hi - 1)
    storage_mod.check_volume(data, f"{item.what} {item.path}", layout)


def merge(inputs: list[Input]) -> IntelHex:
    """Merge the inputs; the first one's start address is kept (it is what runs at reset)."""
    for item in inputs:
        _check_in_flash(item)
    for i, a in enumerate(inputs):
        for b in inputs[i + 1 :]:
            _check_overlap(a, b)
    for item in inputs:
        _check_in_partition(item)

    merged = IntelHex()
    merged.padding = ERASED
    for item in inputs:
        if merged.start_addr and item.data.start_addr and item.data.start_addr != merged.start_addr:
            # A start address record only tells a debugger where to begin; at reset the part
            # runs MCUboot whatever the file says.
            log.info(
                "%s %s: start address %s ignored, keeping %s",
                item.what,
                item.path,
                item.data.start_addr,
                merged.start_addr,
            )
            item.data.start_addr = None
        merged.merge(item.data, overlap="error")
    return merged


def to_hex(data: IntelHex) -> bytes:
    """Intel HEX text of ``data``."""
    out = io.StringIO()
    data.write_hex_file(out, eolstyle="native")
    return out.getvalue().encode("ascii")


def to_bin(data: IntelHex) -> bytes:
    """The whole part, address 0 to the end of flash, 0xFF where there is no data."""
    return bytes(data.tobinarray(start=0, size=layout_mod.FLASH_SIZE))


def build(
    mcuboot: Path,
    image: Path,
    storage: Path | None = None,
    layout: layout_mod.Layout = layout_mod.DEFAULT,
    key: Key | None = None,
) -> IntelHex:
    """Load and merge the factory inputs at the layout's addresses.

    The slot 0 image is checked as :func:`degutool.verify.check_image` does (structure and
    hash; with ``key`` its signature too) before anything is merged.
    """
    inputs = [
        load_input("MCUboot", mcuboot, layout.boot),
        load_input("image", image, layout.slot0),
    ]
    _check_image_in_slot(inputs[1])
    _check_signed(inputs[1], key, layout)
    if storage is not None:
        inputs.append(load_input("storage", storage, layout.storage))
        _check_storage(inputs[2], layout)
    merged = merge(inputs)
    return merged


def write(
    out_hex: Path,
    out_bin: Path,
    mcuboot: Path,
    image: Path,
    storage: Path | None = None,
    layout: layout_mod.Layout = layout_mod.DEFAULT,
    key: Key | None = None,
) -> IntelHex:
    """Build the factory image and write it as ``out_hex`` and ``out_bin``, both or neither."""
    if out_hex.resolve() == out_bin.resolve():
        raise InputError(f"{out_hex}: the .hex and .bin outputs must be different files")
    merged = build(mcuboot, image, storage, layout, key)
    write_all_atomic({out_hex: to_hex(merged), out_bin: to_bin(merged)})
    log.info("factory image: %d bytes of data in %d segments", len(merged), len(merged.segments()))
    return merged
