# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Turn a Zephyr build output into a signed MCUboot image for slot 0, with imgtool.

Accepted inputs, the two shapes a Zephyr build for MCUboot produces:

- code linked at slot 0 + header size (0x14200), no header room: the header is prepended
  (what ``imgtool sign --pad-header`` does);
- code linked at the slot base (0x14000) with a zeroed gap of the header size before the
  vector table (Zephyr's ``zephyr.bin`` with ``CONFIG_ROM_START_OFFSET=0x200``): the header is
  written into the gap.

A ``.hex`` gives its load address, which must be one of those two.  A ``.bin`` has none, so
its vector table tells: leading zero bytes mean the gap form, and the reset vector must point
into the code where it will run.  The code is never shifted and an image never gets two
headers.  Every refusal happens before imgtool is called; imgtool then does the signing.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
from imgtool import image as imgtool_image
from imgtool import version as imgtool_version
from intelhex import IntelHex, IntelHexError

from . import layout as layout_mod
from . import mcuboot
from .errors import ImageError, InputError, LayoutError
from .fileio import check_output, missing_parents
from .keys import Key

log = logging.getLogger(__name__)

#: MCUboot's CONFIG_BOOT_MAX_IMG_SECTORS default, which sizes the swap status in the trailer.
BOOT_MAX_IMG_SECTORS = 128
#: MCUboot's BOOT_MAX_ALIGN: the trailer's fields are padded to this.
BOOT_MAX_ALIGN = 8
#: The nRF52840's vector table has 64 entries (16 system + 48 interrupt vectors, 256 bytes);
#: VTOR needs it aligned to that size rounded up to a power of two, 256 bytes.  The table
#: follows the header, so the header size must be a multiple of this.
VTOR_ALIGN = 0x100
#: The nRF52840's RAM, where an initial stack pointer must point.
RAM_START = 0x20000000
RAM_END = 0x20040000
#: Largest TLV value of each signature type (ECDSA DER signatures vary, up to 72 bytes).
_SIGNATURE_LEN = {"ecdsa-p256": 72, "rsa-2048": 256, "ed25519": 64}


def trailer_size(align: int = layout_mod.WRITE_ALIGN) -> int:
    """Bytes MCUboot's swap trailer takes at the end of a slot (swap status, flags, magic)."""
    status = BOOT_MAX_IMG_SECTORS * 3 * align
    return status + 4 * BOOT_MAX_ALIGN + 16


def tlv_size(key_type: str, security_counter: int | None) -> int:
    """Upper bound of the TLV areas imgtool adds: SHA-256, key hash, signature, counter."""
    size = 4 + (4 + 32) + (4 + 32) + (4 + _SIGNATURE_LEN[key_type])
    if security_counter is not None:
        size += 4 + 4 + 4
    return size


@dataclass(frozen=True)
class Prepared:
    """The firmware as imgtool will take it: the code after a zeroed header gap, or the code
    alone with ``pad_header`` (imgtool prepends the header room, erased 0xFF, as
    ``imgtool sign --pad-header`` does)."""

    data: bytes
    header_size: int
    source: str
    pad_header: bool

    @property
    def size(self) -> int:
        """Header room + code: the image before its TLVs."""
        return len(self.data) + (self.header_size if self.pad_header else 0)


def _already_signed(path: Path) -> ImageError:
    return ImageError(
        f"{path}: is already an MCUboot image; it is never signed twice (release takes it as it is)"
    )


def _vector_offset(data: bytes) -> int:
    """Where the vector table starts: after the leading zero bytes, on VTOR alignment."""
    nonzero = next((i for i, b in enumerate(data) if b), len(data))
    return nonzero - nonzero % VTOR_ALIGN


def _check_vectors(code: bytes, run_at: int, slot: layout_mod.Partition, source: str) -> None:
    if len(code) < 8:
        raise InputError(f"{source}: {len(code)} bytes of code, too short for a vector table")
    sp, reset = struct.unpack_from("<II", code)
    if not RAM_START < sp <= RAM_END:
        raise InputError(
            f"{source}: initial stack pointer 0x{sp:08x} (vector table at 0x{run_at:x}) is not "
            f"in RAM 0x{RAM_START:08x}-0x{RAM_END:08x}: is this a Cortex-M firmware image?"
        )
    entry = reset & ~1
    # The handler follows the table (16 core vectors at least), in the code as it will run.
    if not (reset & 1 and run_at + 64 <= entry < run_at + len(code)):
        raise InputError(
            f"{source}: reset vector 0x{reset:08x} does not point into the code at "
            f"0x{run_at:x}-0x{run_at + len(code):x}: link the firmware for slot 0 + header "
            f"(0x{slot.offset:x} with CONFIG_ROM_START_OFFSET, or 0x{run_at:x})"
        )


def _hex(value: int) -> str:
    return f"0x{value:x}" if value >= 0 else f"-0x{-value:x}"


def check_header_size(header_size: int) -> None:
    """Refuse a header size no Degu image can have: under MCUboot's 32-byte header, or not on
    the vector table's 256-byte VTOR alignment (the table starts right after the header)."""
    if header_size < mcuboot.HEADER_STRUCT_SIZE:
        raise InputError(
            f"header size {_hex(header_size)} is under the {mcuboot.HEADER_STRUCT_SIZE} bytes "
            "of an MCUboot header; use 0x200"
        )
    if header_size % VTOR_ALIGN:
        raise InputError(
            f"header size {_hex(header_size)} is not a multiple of 0x{VTOR_ALIGN:x}: the vector "
            f"table follows the header, and the nRF52840's VTOR needs it on a "
            f"{VTOR_ALIGN}-byte boundary (64 vectors of 4 bytes); use 0x200"
        )


def _check_gap(data: bytes, header_size: int, slot: layout_mod.Partition, source: str) -> None:
    """Name the real problem of a Zephyr-style image (vector table after the header gap)
    whose gap is not all zero: read from 0 it looks like no firmware at all."""
    code = data[header_size:]
    if not any(data[:header_size]) or len(code) < 8:
        return
    sp0 = struct.unpack_from("<I", data)[0]
    sp, reset = struct.unpack_from("<II", code)
    run_at = slot.offset + header_size
    table_at_gap_end = (
        RAM_START < sp <= RAM_END and reset & 1 and run_at + 64 <= reset & ~1 < run_at + len(code)
    )
    if RAM_START < sp0 <= RAM_END or not table_at_gap_end:
        return
    first = next(i for i, b in enumerate(data[:header_size]) if b)
    raise InputError(
        f"{source}: the 0x{header_size:x}-byte header gap before the vector table at offset "
        f"0x{header_size:x} holds non-zero data at offset 0x{first:x}; MCUboot writes its "
        f"header there, so the gap must be zero: build with CONFIG_ROM_START_OFFSET="
        f"0x{header_size:x} and nothing placed in the gap, or link the firmware at "
        f"0x{run_at:x} without a gap"
    )


def _check_header_size(header_size: int, vector_offset: int, source: str) -> None:
    check_header_size(header_size)
    if header_size != vector_offset:
        raise InputError(
            f"{source}: header size 0x{header_size:x} differs from the image's vector table "
            f"offset 0x{vector_offset:x}; pass --header-size 0x{vector_offset:x} or relink with "
            f"CONFIG_ROM_START_OFFSET=0x{header_size:x}"
        )


def _prepare_bin(path: Path, data: bytes, header_size: int, slot: layout_mod.Partition) -> Prepared:
    _check_gap(data, header_size, slot, str(path))
    offset = _vector_offset(data)
    if offset:
        # Gap form: the code runs at the slot base + its vector offset.
        _check_header_size(header_size, offset, str(path))
        _check_vectors(data[offset:], slot.offset + offset, slot, str(path))
        return Prepared(data, header_size, str(path), pad_header=False)
    # TODO: a .bin without a gap carries no load address; the reset vector is the only
    # evidence of where it was linked, so this is a plausibility check. A .hex is exact.
    _check_header_size(header_size, header_size, str(path))
    _check_vectors(data, slot.offset + header_size, slot, str(path))
    return Prepared(data, header_size, str(path), pad_header=True)


def _prepare_hex(path: Path, header_size: int, slot: layout_mod.Partition) -> Prepared:
    try:
        ih = IntelHex(str(path))
    except (IntelHexError, OSError, ValueError) as e:
        raise InputError(f"{path}: not a readable Intel HEX file ({e})") from e
    if not len(ih):
        raise InputError(f"{path}: holds no data")
    first, last = ih.minaddr(), ih.maxaddr()
    if first < slot.offset or last >= slot.end:
        bad = first if first < slot.offset else last
        raise LayoutError(
            f"{path}: data at 0x{bad:x} is outside slot 0 (0x{slot.offset:x}-0x{slot.end:x}); "
            "link the firmware for slot 0 and leave out other sections"
        )
    if first == slot.offset:
        data = ih.tobinstr(start=first, end=last)
        if mcuboot.is_image(data):
            raise _already_signed(path)
        _check_gap(data, header_size, slot, str(path))
        offset = _vector_offset(data)
        if offset == 0:
            raise InputError(
                f"{path}: code starts at the slot base 0x{first:x} with no zeroed header gap; "
                f"the header would overwrite it (link at 0x{slot.offset + header_size:x} or "
                f"with CONFIG_ROM_START_OFFSET=0x{header_size:x})"
            )
        _check_header_size(header_size, offset, str(path))
        _check_vectors(data[offset:], first + offset, slot, str(path))
        return Prepared(data, header_size, str(path), pad_header=False)
    if first != slot.offset + header_size:
        raise InputError(
            f"{path}: data starts at 0x{first:x}, neither at slot 0's base 0x{slot.offset:x} "
            f"(with a zeroed 0x{header_size:x} header gap) nor at 0x{slot.offset + header_size:x};"
            " the code is never shifted: relink it"
        )
    _check_header_size(header_size, header_size, str(path))
    data = ih.tobinstr(start=first, end=last)
    _check_vectors(data, first, slot, str(path))
    return Prepared(data, header_size, str(path), pad_header=True)


def prepare(
    firmware: Path,
    header_size: int = layout_mod.IMAGE_HEADER_SIZE,
    lay: layout_mod.Layout = layout_mod.DEFAULT,
) -> Prepared:
    """Read a zephyr.bin or zephyr.hex and check it can become a slot 0 image."""
    slot = lay.slot0
    check_header_size(header_size)
    if firmware.suffix.lower() == ".hex":
        prepared = _prepare_hex(firmware, header_size, slot)
    else:
        try:
            data = firmware.read_bytes()
        except OSError as e:
            raise InputError(f"{firmware}: cannot read firmware ({e.strerror})") from e
        if mcuboot.is_image(data):
            raise _already_signed(firmware)
        prepared = _prepare_bin(firmware, data, header_size, slot)
    return prepared


def check_fits(
    size: int, lay: layout_mod.Layout, source: str, what: str = "the signed image"
) -> None:
    """Refuse an image of ``size`` bytes that leaves no room for MCUboot's trailer in slot 0."""
    room = lay.slot0.size - trailer_size()
    if size > room:
        raise LayoutError(
            f"{source}: {what} needs {size} bytes; slot 0 holds {lay.slot0.size} of which "
            f"MCUboot's trailer takes {trailer_size()}, leaving {room}: shrink the firmware by "
            f"{size - room} bytes"
        )


def sign(
    firmware: Path,
    key: Key,
    out: Path,
    version: str = "0.0.0",
    header_size: int = layout_mod.IMAGE_HEADER_SIZE,
    security_counter: int | None = None,
    lay: layout_mod.Layout = layout_mod.DEFAULT,
) -> mcuboot.ImageInfo:
    """Sign ``firmware`` with ``key`` into ``out`` (written under a temporary name first)."""
    ver = mcuboot.Version.parse(version)
    if security_counter is not None and not 0 <= security_counter < 1 << 32:
        raise InputError(f"security counter {security_counter} does not fit 32 bits")
    prepared = prepare(firmware, header_size, lay)
    if key.private is None:
        raise InputError(f"{key.path}: holds only a public key; signing needs the private key")
    check_fits(prepared.size + tlv_size(key.key_type, security_counter), lay, str(firmware))

    check_output(out, "-o/--out")
    with missing_parents(out):
        try:
            info = _sign_into(prepared, firmware, key, out, ver, header_size, security_counter, lay)
        except OSError as e:
            raise InputError(f"{out}: cannot write ({e.strerror})") from e
    log.info("signed %s as %s (%s, %d bytes)", firmware, out, ver, info.length)
    return info


def _sign_into(
    prepared: Prepared,
    firmware: Path,
    key: Key,
    out: Path,
    ver: mcuboot.Version,
    header_size: int,
    security_counter: int | None,
    lay: layout_mod.Layout,
) -> mcuboot.ImageInfo:
    """imgtool in a temporary folder beside ``out``; the signed image renamed into place."""
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.") as tmp:
        unsigned = Path(tmp) / "unsigned.bin"
        signed = Path(tmp) / "signed.bin"
        unsigned.write_bytes(prepared.data)
        img = imgtool_image.Image(
            version=imgtool_version.decode_version(str(ver)),
            header_size=header_size,
            pad_header=prepared.pad_header,
            align=layout_mod.WRITE_ALIGN,
            slot_size=lay.slot0.size,
            max_sectors=BOOT_MAX_IMG_SECTORS,
            security_counter=security_counter,
        )
        chatter = io.StringIO()
        try:
            # imgtool prints progress to stdout; keep it for the debug log.
            with contextlib.redirect_stdout(chatter):
                img.load(str(unsigned))
                img.create(key.imgtool_key(), "hash", None)
                img.save(str(signed))
        except (click.ClickException, ValueError, struct.error) as e:
            message = e.format_message() if isinstance(e, click.ClickException) else str(e)
            raise ImageError(f"{firmware}: imgtool refused to sign: {message}") from e
        for line in chatter.getvalue().splitlines():
            log.debug("imgtool: %s", line)
        data = signed.read_bytes()
        info = mcuboot.parse(data, str(out))
        os.replace(signed, out)
    return info
