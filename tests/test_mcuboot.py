# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Our MCUboot header/TLV parser against images imgtool signed."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest
from degutool import keys, mcuboot, sign
from degutool.errors import ImageError, InputError
from imgtool.image import Image as ImgtoolImage
from imgtool.image import VerifyResult


def test_parse_signed_image(signed_image: Path, firmware_bin: Path, ecdsa_key: Path) -> None:
    data = signed_image.read_bytes()
    info = mcuboot.parse(data)
    fw = firmware_bin.read_bytes()

    assert info.header_size == 0x200
    assert info.img_size == len(fw)
    assert info.protect_tlv_size == 0
    assert info.version == mcuboot.Version(1, 2, 3, 4)
    assert str(info.version) == "1.2.3+4"
    assert info.flags == 0
    assert info.length == len(data)
    assert data[info.header_size : info.header_size + info.img_size] == fw
    assert [t.name for t in info.tlvs] == ["SHA256", "KEYHASH", "ECDSASIG"]
    (sha,) = info.find("SHA256")
    assert sha.value == hashlib.sha256(data[: info.hashed_size]).digest()
    assert info.find("KEYHASH")[0].value == keys.load(ecdsa_key).key_hash
    # imgtool's own reading of the same image gives the same digest.
    result, version, digest, _ = ImgtoolImage.verify(str(signed_image), None)
    assert result == VerifyResult.OK
    assert tuple(version) == (1, 2, 3, 4)
    assert digest == sha.value


def test_parse_protected_area(firmware_bin: Path, ed25519_key: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.bin"
    sign.sign(firmware_bin, keys.load(ed25519_key), out, "0.1.0", security_counter=0x1234)
    data = out.read_bytes()
    info = mcuboot.parse(data)

    assert info.protect_tlv_size == 12
    (counter,) = info.find("SEC_CNT")
    assert counter.protected
    assert struct.unpack("<I", counter.value) == (0x1234,)
    assert [t.name for t in info.tlvs if not t.protected] == ["SHA256", "KEYHASH", "ED25519"]
    assert info.hashed_size == 0x200 + len(firmware_bin.read_bytes()) + 12
    assert info.find("SHA256")[0].value == hashlib.sha256(data[: info.hashed_size]).digest()
    assert info.length == len(data)


def test_padding_after_image_is_not_image(signed_image: Path) -> None:
    data = signed_image.read_bytes()
    assert mcuboot.parse(data + b"\xff" * 4096).length == len(data)


def _corrupt_size(data: bytes) -> bytes:
    out = bytearray(data)
    struct.pack_into("<I", out, 12, struct.unpack_from("<I", data, 12)[0] + 8)
    return bytes(out)


def _corrupt_tlv_total(data: bytes) -> bytes:
    info = mcuboot.parse(data)
    out = bytearray(data)
    struct.pack_into("<H", out, info.hashed_size + 2, info.tlv_size + 100)
    return bytes(out)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda d: d[:20], "20 bytes, shorter than an MCUboot header (32)"),
        (lambda d: b"\0\0\0\0" + d[4:], "not an MCUboot image (magic 0x00000000"),
        (lambda d: d[:0x240], "truncated: the TLV area starts at 0x2c0"),
        (lambda d: d[:-1], "truncated: the TLV area at"),
        (_corrupt_size, "no TLV area at"),
        (_corrupt_tlv_total, "truncated: the TLV area at"),
        (lambda d: d[:8] + b"\x10\x00" + d[10:], "header size 16 is under 32"),
    ],
    ids=["short", "magic", "cut-payload", "cut-tlv", "img-size", "tlv-total", "hdr-size"],
)
def test_parse_refuses(signed_image: Path, mangle, message: str) -> None:
    with pytest.raises(ImageError, match="^bad.bin: ") as e:
        mcuboot.parse(mangle(signed_image.read_bytes()), "bad.bin")
    assert message in str(e.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", mcuboot.Version(1, 0, 0, 0)),
        ("1.2", mcuboot.Version(1, 2, 0, 0)),
        ("1.2.3", mcuboot.Version(1, 2, 3, 0)),
        ("255.255.65535+4294967295", mcuboot.Version(255, 255, 65535, 4294967295)),
    ],
)
def test_version_parse(text: str, expected: mcuboot.Version) -> None:
    assert mcuboot.Version.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("256.0.0", "major 256 does not fit the image header's 8-bit field (at most 255)"),
        ("1.256", "minor 256 does not fit"),
        ("1.2.65536", "revision 65536 does not fit the image header's 16-bit field"),
        ("1.2.3+4294967296", "build 4294967296 does not fit the image header's 32-bit field"),
        ("1.x", "is not major.minor.revision+build"),
        ("v1.2.3", "is not major.minor.revision+build"),
    ],
)
def test_version_refuses(text: str, message: str) -> None:
    with pytest.raises(InputError) as e:
        mcuboot.Version.parse(text)
    assert message in str(e.value)
