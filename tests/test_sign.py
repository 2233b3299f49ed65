# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Signing the real test firmware in each accepted shape (refusals: test_cli_sign.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from degutool import keys, sign, verify

from .helpers import tree


@pytest.mark.parametrize("fixture", ["firmware_bin", "firmware_hex", "zephyr_bin", "zephyr_hex"])
def test_every_input_shape_gives_the_same_image(
    fixture: str, request, firmware_bin: Path, ecdsa_key: Path, tmp_path: Path
) -> None:
    source = request.getfixturevalue(fixture)
    out = tmp_path / "degu.bin"
    info = sign.sign(source, keys.load(ecdsa_key), out, "3.1.4+15")
    data = out.read_bytes()
    code = firmware_bin.read_bytes()

    # Header room, then the code exactly as linked for 0x14200, never shifted.
    assert info.header_size == 0x200
    assert data[0x200 : 0x200 + len(code)] == code
    assert info.img_size == len(code)
    assert str(info.version) == "3.1.4+15"
    assert data[:4] == b"\x3d\xb8\xf3\x96"
    assert verify.verify(data, keys.load(ecdsa_key)).ok
    assert tree(tmp_path) == ["degu.bin"]


@pytest.mark.parametrize("key_fixture", ["ecdsa_key", "rsa_key", "ed25519_key"])
def test_key_types(key_fixture: str, request, firmware_bin: Path, tmp_path: Path) -> None:
    key = keys.load(request.getfixturevalue(key_fixture))
    out = tmp_path / "degu.bin"
    info = sign.sign(firmware_bin, key, out, "1.0.0")
    assert info.find(keys.SIGNATURE_TLV[key.key_type])
    assert info.find("KEYHASH")[0].value == key.key_hash
    assert verify.verify(out.read_bytes(), key).ok


def test_large_image_fits(large_firmware_bin: Path, ecdsa_key: Path, tmp_path: Path) -> None:
    out = tmp_path / "degu.bin"
    info = sign.sign(large_firmware_bin, keys.load(ecdsa_key), out, "1.0.0")
    assert 430_000 < info.img_size < 0x6E000
    assert info.length + sign.trailer_size() <= 0x6E000


def test_trailer_size_matches_imgtool() -> None:
    from imgtool.image import Image

    img = Image(align=4, max_sectors=sign.BOOT_MAX_IMG_SECTORS)
    assert sign.trailer_size() == img._trailer_size(4, 128, False, None, False, 0) == 1584


@pytest.mark.parametrize(
    ("fixture", "extra"),
    [("zephyr_hex", []), ("zephyr_bin", []), ("firmware_bin", ["--pad-header"])],
)
def test_same_bytes_as_imgtool_sign(
    fixture: str, extra: list[str], request, ed25519_key: Path, tmp_path: Path
) -> None:
    """Ed25519 signatures are deterministic, so our image must equal imgtool's own, byte for
    byte, when imgtool sign is given the layout's settings."""
    from click.testing import CliRunner
    from imgtool.main import imgtool

    source = request.getfixturevalue(fixture)
    ours, theirs = tmp_path / "ours.bin", tmp_path / "theirs.bin"
    sign.sign(source, keys.load(ed25519_key), ours, "1.2.3+4", security_counter=9)
    result = CliRunner().invoke(
        imgtool,
        ["sign", "--key", str(ed25519_key), "--header-size", "0x200", "--align", "4",
         "--slot-size", "0x6E000", "--version", "1.2.3+4", "--security-counter", "9",
         *extra, str(source), str(theirs)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert ours.read_bytes() == theirs.read_bytes()
