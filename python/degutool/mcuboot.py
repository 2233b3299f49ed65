# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Our own reader of MCUboot images: the header and the TLV areas after the payload.

An image is laid out as MCUboot's ``bootutil/image.h`` defines it (all little endian)::

    header (hdr_size bytes; the first 32 are struct image_header, the rest zero)
    payload (img_size bytes: the firmware, its vector table first)
    protected TLV area (protect_tlv_size bytes, info magic 0x6908; absent when 0)
    TLV area (info magic 0x6907, total length in its info; hash, key hash, signature)

The SHA-256 TLV covers header + payload + protected TLV area.  The image ends with the TLV
area: anything after it (padding, erased flash, the swap trailer in a slot) is not the image.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intelhex import IntelHex, IntelHexError

from .errors import ImageError, InputError

IMAGE_MAGIC = 0x96F3B83D
#: struct image_header: magic, load_addr, hdr_size, protect_tlv_size, img_size, flags,
#: version (major u8, minor u8, revision u16, build u32), pad.
HEADER_STRUCT = struct.Struct("<IIHHIIBBHII")
HEADER_STRUCT_SIZE = HEADER_STRUCT.size
TLV_INFO_MAGIC = 0x6907
TLV_PROT_INFO_MAGIC = 0x6908
TLV_INFO = struct.Struct("<HH")
TLV_HEADER = struct.Struct("<HH")

TLV_NAMES = {
    0x01: "KEYHASH",
    0x02: "PUBKEY",
    0x10: "SHA256",
    0x11: "SHA384",
    0x12: "SHA512",
    0x20: "RSA2048",
    0x22: "ECDSASIG",
    0x23: "RSA3072",
    0x24: "ED25519",
    0x25: "SIG_PURE",
    0x30: "ENCRSA2048",
    0x31: "ENCKW",
    0x32: "ENCEC256",
    0x33: "ENCX25519",
    0x40: "DEPENDENCY",
    0x50: "SEC_CNT",
    0x60: "BOOT_RECORD",
}
TLV_TYPES = {name: kind for kind, name in TLV_NAMES.items()}

FLAG_NAMES = {
    0x01: "PIC",
    0x04: "ENCRYPTED_AES128",
    0x08: "ENCRYPTED_AES256",
    0x10: "NON_BOOTABLE",
    0x20: "RAM_LOAD",
    0x100: "ROM_FIXED",
    0x200: "COMPRESSED_LZMA1",
    0x400: "COMPRESSED_LZMA2",
    0x800: "COMPRESSED_ARM_THUMB",
}

_VERSION_RE = re.compile(r"^(\d+)(?:\.(\d+)(?:\.(\d+)(?:\+(\d+))?)?)?$")
#: (field, bits) of struct image_version, in order.
_VERSION_FIELDS = (("major", 8), ("minor", 8), ("revision", 16), ("build", 32))


@dataclass(frozen=True)
class Version:
    """struct image_version: ``major.minor.revision+build``."""

    major: int = 0
    minor: int = 0
    revision: int = 0
    build: int = 0

    @classmethod
    def parse(cls, text: str) -> Version:
        """Read ``major[.minor[.revision[+build]]]`` and check each part fits its header field."""
        m = _VERSION_RE.match(text.strip())
        if not m:
            raise InputError(
                f"version {text!r} is not major.minor.revision+build (e.g. 1.2.3+4; later "
                "parts may be left out)"
            )
        values = [int(g) if g is not None else 0 for g in m.groups()]
        for (name, bits), value in zip(_VERSION_FIELDS, values, strict=True):
            if value >= 1 << bits:
                raise InputError(
                    f"version {text!r}: {name} {value} does not fit the image header's "
                    f"{bits}-bit field (at most {(1 << bits) - 1})"
                )
        return cls(*values)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.revision}+{self.build}"


@dataclass(frozen=True)
class Tlv:
    """One TLV entry: its type, the offset of its value in the image, and the value."""

    kind: int
    offset: int
    value: bytes
    protected: bool

    @property
    def name(self) -> str:
        return TLV_NAMES.get(self.kind, f"0x{self.kind:04x}")


@dataclass(frozen=True)
class ImageInfo:
    """What the header and TLV areas of an MCUboot image say."""

    load_addr: int
    header_size: int
    protect_tlv_size: int
    img_size: int
    flags: int
    version: Version
    tlv_size: int
    tlvs: tuple[Tlv, ...]

    @property
    def hashed_size(self) -> int:
        """Bytes the SHA-256 TLV covers: header + payload + protected TLV area."""
        return self.header_size + self.img_size + self.protect_tlv_size

    @property
    def length(self) -> int:
        """The image's length: hashed part + TLV area, nothing after it."""
        return self.hashed_size + self.tlv_size

    @property
    def flag_names(self) -> list[str]:
        return [name for bit, name in FLAG_NAMES.items() if self.flags & bit]

    def find(self, name: str) -> list[Tlv]:
        """The TLVs of one type, by name (e.g. ``"SHA256"``), in image order."""
        kind = TLV_TYPES[name]
        return [t for t in self.tlvs if t.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (``degutool info --json``)."""
        return {
            "magic": f"0x{IMAGE_MAGIC:08x}",
            "load_addr": self.load_addr,
            "header_size": self.header_size,
            "img_size": self.img_size,
            "protect_tlv_size": self.protect_tlv_size,
            "tlv_size": self.tlv_size,
            "length": self.length,
            "flags": self.flags,
            "flag_names": self.flag_names,
            "version": str(self.version),
            "tlvs": [
                {
                    "type": t.kind,
                    "name": t.name,
                    "protected": t.protected,
                    "offset": t.offset,
                    "length": len(t.value),
                    "value": t.value.hex(),
                }
                for t in self.tlvs
            ],
        }


def is_image(data: bytes) -> bool:
    """True when the data starts with the MCUboot image magic."""
    return len(data) >= 4 and struct.unpack_from("<I", data)[0] == IMAGE_MAGIC


def _walk_area(
    data: bytes, start: int, magic: int, expected_size: int | None, source: str, what: str
) -> tuple[int, list[Tlv]]:
    if start + TLV_INFO.size > len(data):
        raise ImageError(
            f"{source}: truncated: the {what} starts at 0x{start:x} but the file ends at "
            f"0x{len(data):x}"
        )
    found, total = TLV_INFO.unpack_from(data, start)
    if found != magic:
        raise ImageError(
            f"{source}: no {what} at 0x{start:x} (info magic 0x{found:04x}, expected "
            f"0x{magic:04x}): the header's sizes do not match the file"
        )
    if expected_size is not None and total != expected_size:
        raise ImageError(f"{source}: {what} says {total} bytes, the header says {expected_size}")
    end = start + total
    if total < TLV_INFO.size or end > len(data):
        raise ImageError(
            f"{source}: truncated: the {what} at 0x{start:x} claims {total} bytes, the file "
            f"ends at 0x{len(data):x}"
        )
    tlvs = []
    pos = start + TLV_INFO.size
    while pos < end:
        if pos + TLV_HEADER.size > end:
            raise ImageError(f"{source}: {what}: partial TLV header at 0x{pos:x}")
        kind, length = TLV_HEADER.unpack_from(data, pos)
        value_at = pos + TLV_HEADER.size
        if value_at + length > end:
            raise ImageError(
                f"{source}: {what}: TLV 0x{kind:04x} at 0x{pos:x} ({length} bytes) runs past "
                f"the area's end 0x{end:x}"
            )
        tlvs.append(
            Tlv(kind, value_at, bytes(data[value_at : value_at + length]), magic != TLV_INFO_MAGIC)
        )
        pos = value_at + length
    return total, tlvs


def parse(data: bytes, source: str = "image") -> ImageInfo:
    """Read the header and both TLV areas; raise :class:`ImageError` naming what is wrong."""
    if len(data) < HEADER_STRUCT_SIZE:
        raise ImageError(
            f"{source}: {len(data)} bytes, shorter than an MCUboot header ({HEADER_STRUCT_SIZE})"
        )
    (magic, load_addr, hdr_size, prot_size, img_size, flags, major, minor, rev, build, _) = (
        HEADER_STRUCT.unpack_from(data)
    )
    if magic != IMAGE_MAGIC:
        raise ImageError(
            f"{source}: not an MCUboot image (magic 0x{magic:08x}, expected "
            f"0x{IMAGE_MAGIC:08x}); sign it first with `degutool sign`"
        )
    if hdr_size < HEADER_STRUCT_SIZE:
        raise ImageError(f"{source}: header size {hdr_size} is under {HEADER_STRUCT_SIZE}")
    tlvs: list[Tlv] = []
    if prot_size:
        _, prot = _walk_area(
            data,
            hdr_size + img_size,
            TLV_PROT_INFO_MAGIC,
            prot_size,
            source,
            "protected TLV area",
        )
        tlvs += prot
    tlv_size, unprot = _walk_area(
        data, hdr_size + img_size + prot_size, TLV_INFO_MAGIC, None, source, "TLV area"
    )
    tlvs += unprot
    return ImageInfo(
        load_addr=load_addr,
        header_size=hdr_size,
        protect_tlv_size=prot_size,
        img_size=img_size,
        flags=flags,
        version=Version(major, minor, rev, build),
        tlv_size=tlv_size,
        tlvs=tuple(tlvs),
    )


def read_bytes(path: Path) -> bytes:
    """The bytes of an image file: raw, or from its lowest address when it is Intel HEX."""
    try:
        if path.suffix.lower() == ".hex":
            return IntelHex(str(path)).tobinstr()
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read image ({e.strerror})") from e
    except (IntelHexError, ValueError) as e:
        raise InputError(f"{path}: not a readable Intel HEX file ({e})") from e


def read(path: Path) -> tuple[bytes, ImageInfo]:
    """The bytes of an image file (.bin or .hex) and what its header and TLVs say."""
    data = read_bytes(path)
    return data, parse(data, str(path))
