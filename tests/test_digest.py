# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Device digests: whole files, and MCUboot images without what follows them in a slot."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from degutool import digest, mcuboot
from degutool.errors import ImageError, InputError
from imgtool.image import Image


@pytest.mark.parametrize(
    ("content", "md5"),
    [
        (b"", "d41d8cd98f00b204e9800998ecf8427e"),
        (b"name=Alice\ninterval=1\n", "c5563404ad2dd54a1034dfdbe4da5f91"),
        (bytes(range(256)) * 1000, "1da708a75e25110b1341d16814feb52d"),
    ],
)
def test_md5_file(content: bytes, md5: str, tmp_path: Path) -> None:
    p = tmp_path / "f"
    p.write_bytes(content)
    assert digest.md5_file(p) == md5 == hashlib.md5(content).hexdigest()


def test_md5_image_ignores_slot_padding_and_trailer(
    signed_image: Path, firmware_bin: Path, ecdsa_key: Path, tmp_path: Path
) -> None:
    """A slot dump (image, erased flash, MCUboot's trailer) hashes like degu.bin."""
    data = signed_image.read_bytes()
    # imgtool's own --pad: 0xFF to the slot size with the boot magic at its end.
    img = Image(version=None, header_size=0x200, pad=True, align=4, slot_size=0x6E000)
    img.payload = bytearray(data)
    padded = tmp_path / "slot0.bin"
    img.save(str(padded))
    assert padded.stat().st_size == 0x6E000
    assert padded.read_bytes()[-16:] != b"\xff" * 16

    expected = hashlib.md5(data).hexdigest()
    assert digest.md5_image(signed_image) == expected
    assert digest.md5_image(padded) == expected
    assert digest.md5_file(padded) != expected
    info = mcuboot.parse(data)
    assert len(digest.image_bytes(padded.read_bytes())) == info.length == len(data)


def test_md5_image_refuses_non_image(firmware_bin: Path) -> None:
    with pytest.raises(ImageError, match="not an MCUboot image"):
        digest.md5_image(firmware_bin)


def test_md5_file_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope: cannot read"):
        digest.md5_file(tmp_path / "nope")
