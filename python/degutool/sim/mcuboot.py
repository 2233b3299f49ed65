# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""A simulated MCUboot (swap mode) run at every reset of a simulated Degu.

The two slots are the files ``slot0.bin`` and ``slot1.bin`` of the device folder, each the
size of a slot of the real part and holding what the flash would: an MCUboot image at offset
0, erased bytes (0xff) after it, the image trailer in the last bytes.  The trailer is MCUboot's
own format with ``BOOT_MAX_ALIGN`` 8 (bootutil_public.c):

==========  =========================================================
size - 16   magic, 16 bytes
size - 24   image_ok (0x01 set, 0xff unset, 8-byte write unit)
size - 32   copy_done
size - 40   swap_info: image number << 4 | swap type
size - 48   swap_size, little-endian u32
==========  =========================================================

What runs at a reset is MCUboot's decision table (``boot_swap_type_multi``) and what its
``boot_perform_update`` leaves behind: a test request in slot 1 swaps the slots and puts the
new image on trial; a trial image still unconfirmed at the next reset is swapped back and the
old image marked confirmed; an invalid image in slot 1 is erased and not booted.  The swap
itself is not made power-cut safe here (MCUboot's swap status area is not simulated): the
slot files are rewritten whole, each through a temporary name.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from ..errors import ImageError
from ..keys import Key
from ..layout import DEFAULT as _LAYOUT
from ..sign import trailer_size
from ..verify import verify

log = logging.getLogger(__name__)

SLOT_SIZE = _LAYOUT.slot0.size
ERASED = 0xFF
MAX_ALIGN = 8
BOOT_MAGIC = bytes.fromhex("77c295f360d2ef7f3552500f2cb67980")
FLAG_SET = 0x01

MAGIC_OFF = -16
IMAGE_OK_OFF = -24
COPY_DONE_OFF = -32
SWAP_INFO_OFF = -40
SWAP_SIZE_OFF = -48
#: Bytes the swap trailer (swap status, flags, magic) takes at the end of a slot; an image
#: must end before them.  The release tool refuses larger images with the same number.
TRAILER_SIZE = trailer_size()

IMAGE_MAGIC = 0x96F3B83D
TLV_INFO_MAGIC = 0x6907
TLV_PROT_INFO_MAGIC = 0x6908
TLV_SHA256 = 0x10
IMAGE_F_NON_BOOTABLE = 0x00000010
_HEADER = struct.Struct("<IIHHII")
_VERSION = struct.Struct("<BBHI")
_TLV_INFO = struct.Struct("<HH")


class Magic(enum.Enum):
    GOOD = "good"
    UNSET = "unset"
    BAD = "bad"


class Flag(enum.Enum):
    SET = "set"
    UNSET = "unset"
    BAD = "bad"


class SwapType(enum.IntEnum):
    """MCUboot's BOOT_SWAP_TYPE_* values."""

    NONE = 1
    TEST = 2
    PERM = 3
    REVERT = 4


@dataclass(frozen=True)
class TrailerState:
    """One slot's trailer, decoded as ``boot_read_swap_state`` does."""

    magic: Magic
    swap_type: SwapType
    image_num: int
    copy_done: Flag
    image_ok: Flag


def _flag(byte: int) -> Flag:
    if byte == ERASED:
        return Flag.UNSET
    return Flag.SET if byte == FLAG_SET else Flag.BAD


def read_trailer(slot: bytes | bytearray) -> TrailerState:
    """Decode the trailer at the end of a slot's contents."""
    magic_bytes = bytes(slot[MAGIC_OFF:])
    if magic_bytes == bytes([ERASED]) * len(BOOT_MAGIC):
        magic = Magic.UNSET
    else:
        magic = Magic.GOOD if magic_bytes == BOOT_MAGIC else Magic.BAD
    info = slot[SWAP_INFO_OFF]
    swap_type = info & 0x0F
    image_num = info >> 4
    if info == ERASED or swap_type > SwapType.REVERT or swap_type < SwapType.NONE:
        swap_type, image_num = SwapType.NONE, 0
    return TrailerState(
        magic=magic,
        swap_type=SwapType(swap_type),
        image_num=image_num,
        copy_done=_flag(slot[COPY_DONE_OFF]),
        image_ok=_flag(slot[IMAGE_OK_OFF]),
    )


def swap_type(primary: TrailerState, secondary: TrailerState) -> SwapType:
    """MCUboot's decision table (``boot_swap_tables`` in bootutil_public.c)."""
    if secondary.magic is Magic.GOOD and secondary.image_ok is Flag.UNSET:
        return SwapType.TEST
    if secondary.magic is Magic.GOOD and secondary.image_ok is Flag.SET:
        return SwapType.PERM
    if (
        primary.magic is Magic.GOOD
        and secondary.magic is Magic.UNSET
        and primary.image_ok is Flag.UNSET
        and primary.copy_done is Flag.SET
    ):
        return SwapType.REVERT
    return SwapType.NONE


def _write_field(slot: bytearray, off: int, value: bytes) -> None:
    """Write a trailer field padded to the 8-byte write unit with erased bytes."""
    unit = value + bytes([ERASED]) * (MAX_ALIGN - len(value))
    start = len(slot) + off
    slot[start : start + MAX_ALIGN] = unit


def write_magic(slot: bytearray) -> None:
    """``boot_write_magic``: the 16-byte magic in the last 16 bytes."""
    slot[MAGIC_OFF:] = BOOT_MAGIC


def write_image_ok(slot: bytearray) -> None:
    """``boot_write_image_ok``."""
    _write_field(slot, IMAGE_OK_OFF, bytes([FLAG_SET]))


def write_copy_done(slot: bytearray) -> None:
    """``boot_write_copy_done``."""
    _write_field(slot, COPY_DONE_OFF, bytes([FLAG_SET]))


def write_swap_info(slot: bytearray, kind: SwapType, image_num: int = 0) -> None:
    """``boot_write_swap_info``."""
    _write_field(slot, SWAP_INFO_OFF, bytes([(image_num << 4) | int(kind)]))


def write_swap_size(slot: bytearray, size: int) -> None:
    """``boot_write_swap_size``."""
    _write_field(slot, SWAP_SIZE_OFF, struct.pack("<I", size))


def request_upgrade(slot1: bytearray, permanent: bool = False) -> None:
    """``boot_set_pending``: what the device writes into slot 1 to ask for a swap."""
    state = read_trailer(slot1)
    if state.magic is Magic.GOOD:
        return
    if state.magic is Magic.BAD:
        raise ImageError("slot 1 trailer is corrupt; erase slot 1 before requesting an upgrade")
    write_magic(slot1)
    if permanent:
        write_image_ok(slot1)
    write_swap_info(slot1, SwapType.PERM if permanent else SwapType.TEST)


def confirm(slot0: bytearray) -> None:
    """``boot_set_confirmed``: what a healthy trial image writes into slot 0."""
    state = read_trailer(slot0)
    if state.magic is Magic.UNSET or state.image_ok is not Flag.UNSET:
        return
    if state.magic is Magic.BAD:
        raise ImageError("slot 0 trailer is corrupt; the running image cannot be confirmed")
    write_image_ok(slot0)


@dataclass(frozen=True)
class ImageInfo:
    """What MCUboot reads of an image: its header fields and where the TLV area ends."""

    load_addr: int
    header_size: int
    protect_tlv_size: int
    image_size: int
    flags: int
    version: str
    #: Header + payload + protected TLVs + TLV area: the bytes the image occupies.
    total_size: int
    sha256: bytes


def parse_image(slot: bytes | bytearray, slot_size: int | None = None) -> ImageInfo:
    """Check an image as MCUboot's ``boot_validate_slot`` does and describe it.

    Raises :class:`ImageError` naming what is wrong: no header magic, a header whose sizes
    do not fit the slot, a missing TLV area, no SHA256 TLV, or a hash that does not match.

    The signature is checked by :func:`check_signature` when the device has a bootloader key.
    """
    size = len(slot) if slot_size is None else slot_size
    if len(slot) < _HEADER.size + _VERSION.size:
        raise ImageError(f"slot holds {len(slot)} bytes, less than an image header")
    magic, load_addr, hdr_size, prot_size, img_size, flags = _HEADER.unpack_from(slot, 0)
    if magic != IMAGE_MAGIC:
        raise ImageError(
            f"no MCUboot image: header magic is 0x{magic:08x}, not 0x{IMAGE_MAGIC:08x}"
        )
    major, minor, revision, build = _VERSION.unpack_from(slot, _HEADER.size)
    limit = size - TRAILER_SIZE
    body_end = hdr_size + img_size
    if hdr_size < _HEADER.size + _VERSION.size or body_end > limit:
        raise ImageError(
            f"image header says {hdr_size} + {img_size} bytes; the slot has room for {limit}"
        )
    off = body_end
    if prot_size:
        if off + _TLV_INFO.size > limit:
            raise ImageError("protected TLV area runs past the slot")
        pmagic, ptot = _TLV_INFO.unpack_from(slot, off)
        if pmagic != TLV_PROT_INFO_MAGIC or ptot != prot_size:
            raise ImageError(
                f"protected TLV info at 0x{off:x} is 0x{pmagic:04x}/{ptot}, header says {prot_size}"
            )
        off += prot_size
    if off + _TLV_INFO.size > limit:
        raise ImageError("TLV area runs past the slot")
    tmagic, ttot = _TLV_INFO.unpack_from(slot, off)
    if tmagic != TLV_INFO_MAGIC:
        raise ImageError(f"no TLV area at 0x{off:x} (magic 0x{tmagic:04x})")
    end = off + ttot
    if end > limit:
        raise ImageError(f"TLV area ends at 0x{end:x}, past the room the slot has (0x{limit:x})")
    digest = hashlib.sha256(bytes(slot[: body_end + prot_size])).digest()
    found = None
    pos = off + _TLV_INFO.size
    while pos + _TLV_INFO.size <= end:
        kind, length = _TLV_INFO.unpack_from(slot, pos)
        pos += _TLV_INFO.size
        if kind == TLV_SHA256:
            found = bytes(slot[pos : pos + length])
        pos += length
    if found is None:
        raise ImageError("image has no SHA256 TLV")
    if found != digest:
        raise ImageError(f"image hash mismatch: TLV {found.hex()}, computed {digest.hex()}")
    return ImageInfo(
        load_addr=load_addr,
        header_size=hdr_size,
        protect_tlv_size=prot_size,
        image_size=img_size,
        flags=flags,
        version=f"{major}.{minor}.{revision}+{build}",
        total_size=end,
        sha256=digest,
    )


def check_signature(slot: bytes | bytearray, info: ImageInfo, key: Key) -> None:
    """MCUboot's signature check with the key built into the bootloader (degutool.verify)."""
    result = verify(bytes(slot[: info.total_size]), key, "image")
    if not result.ok:
        raise ImageError(result.problems[0] if result.problems else "image does not verify")


def erased_slot(size: int = SLOT_SIZE) -> bytearray:
    """A slot's contents after a full erase."""
    return bytearray([ERASED]) * size


@dataclass(frozen=True)
class BootResult:
    """What one simulated MCUboot run did and what it boots."""

    swap: SwapType
    image: ImageInfo
    #: Why slot 1 was erased instead of swapped in, when it was.
    rejected: str | None = None


class Slots:
    """The slot files of one device folder."""

    def __init__(self, folder: Path, size: int = SLOT_SIZE) -> None:
        self.folder = folder
        self.size = size
        self.paths = (folder / "slot0.bin", folder / "slot1.bin")

    def read(self, index: int) -> bytearray:
        """A slot's contents; a missing file reads as erased flash."""
        path = self.paths[index]
        try:
            data = bytearray(path.read_bytes())
        except FileNotFoundError:
            return erased_slot(self.size)
        except OSError as e:
            raise ImageError(f"{path}: cannot read slot ({e.strerror})") from e
        if len(data) != self.size:
            raise ImageError(
                f"{path} holds {len(data)} bytes, a slot holds {self.size}: "
                "provision the device again"
            )
        return data

    def write(self, index: int, data: bytes | bytearray) -> None:
        """Replace a slot file whole, through a temporary name."""
        if len(data) != self.size:
            raise ValueError(f"slot data is {len(data)} bytes, not {self.size}")
        path = self.paths[index]
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def program(self, index: int, image: bytes, confirmed: bool = True) -> None:
        """Write an image into a slot as a programmer would (factory image, ``west flash``).

        A confirmed image in slot 0 carries image_ok set, as ``imgtool sign --confirm`` does,
        so MCUboot never reverts it.
        """
        if len(image) > self.size - TRAILER_SIZE:
            raise ImageError(
                f"image is {len(image)} bytes; slot {index} has room for "
                f"{self.size - TRAILER_SIZE}: shrink the image"
            )
        data = erased_slot(self.size)
        data[: len(image)] = image
        if confirmed and index == 0:
            write_magic(data)
            write_image_ok(data)
        self.write(index, data)


def _swap(primary: bytearray, secondary: bytearray, size: int) -> tuple[bytearray, bytearray]:
    """Exchange the slots' image areas; both trailers start erased as after MCUboot's swap."""
    area = size - TRAILER_SIZE
    new_primary = erased_slot(size)
    new_secondary = erased_slot(size)
    new_primary[:area] = secondary[:area]
    new_secondary[:area] = primary[:area]
    return new_primary, new_secondary


def boot(folder: Path, size: int = SLOT_SIZE, key: Key | None = None) -> BootResult:
    """Run the simulated MCUboot over a device folder's slots.

    With ``key`` (the bootloader's public key) every image must carry a signature by it, in
    slot 1 before a swap and in slot 0 before it boots (MCUBOOT_VALIDATE_PRIMARY_SLOT);
    without one only header, sizes and hash are checked.

    Returns what was done and the image that now boots from slot 0; raises
    :class:`ImageError` when slot 0 holds no valid image (the real MCUboot then stops with
    "Unable to find bootable image").
    """
    slots = Slots(folder, size)
    primary = slots.read(0)
    secondary = slots.read(1)
    kind = swap_type(read_trailer(primary), read_trailer(secondary))
    rejected = None
    if kind in (SwapType.TEST, SwapType.PERM):
        try:
            info = parse_image(secondary, size)
            if info.flags & IMAGE_F_NON_BOOTABLE:
                raise ImageError("image is flagged non-bootable")
            if key is not None:
                check_signature(secondary, info, key)
        except ImageError as e:
            # boot_validate_slot: an invalid secondary image is erased so it is not tried
            # again, and the primary boots unchanged.
            rejected = str(e)
            log.warning("MCUboot: image in slot 1 is not valid (%s); erasing it", e)
            slots.write(1, erased_slot(size))
            kind = SwapType.NONE
    if kind in (SwapType.TEST, SwapType.PERM, SwapType.REVERT):
        # TODO: MCUboot's swap status (resuming a swap a power cut interrupted) is not
        # simulated; both slot files are rewritten whole, slot 1 first.
        area = size - TRAILER_SIZE
        primary, secondary = _swap(primary, secondary, size)
        write_magic(primary)
        write_swap_info(primary, kind)
        write_swap_size(primary, area)
        if kind in (SwapType.PERM, SwapType.REVERT):
            write_image_ok(primary)
        write_copy_done(primary)
        # Slot 1 first: a crash in between leaves the running image in both slots (the
        # update is lost and fetched again), never a trial image without its fallback.
        slots.write(1, secondary)
        slots.write(0, primary)
        log.info("MCUboot: swap type %s done", kind.name.lower())
    info = parse_image(primary, size)
    if key is not None:
        check_signature(primary, info, key)
    return BootResult(swap=kind, image=info, rejected=rejected)
