# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool info` in-process."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from degutool import keys, mcuboot

from .helpers import run


def test_info_json(signed_image: Path, firmware_bin: Path, ecdsa_key: Path) -> None:
    result = run("info", signed_image, "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    data = signed_image.read_bytes()
    assert doc["image"] == str(signed_image)
    assert doc["md5"] == hashlib.md5(data).hexdigest()
    assert doc["version"] == "1.2.3+4"
    assert doc["header_size"] == 512
    assert doc["img_size"] == firmware_bin.stat().st_size
    assert doc["protect_tlv_size"] == 0
    assert doc["length"] == len(data)
    assert [t["name"] for t in doc["tlvs"]] == ["SHA256", "KEYHASH", "ECDSASIG"]
    assert doc["tlvs"][0]["value"] == hashlib.sha256(data[: 512 + doc["img_size"]]).hexdigest()
    assert doc["tlvs"][1]["value"] == keys.load(ecdsa_key).key_hash.hex()


def test_info_text(signed_image: Path, ecdsa_key: Path) -> None:
    result = run("info", signed_image)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    info = mcuboot.parse(signed_image.read_bytes())
    assert lines[1] == "version:          1.2.3+4"
    assert f"image length:     {info.length} (file {info.length})" in lines
    assert f"tlv       KEYHASH      32 {keys.load(ecdsa_key).fingerprint}" in lines


def test_info_refuses_truncated(signed_image: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.bin"
    cut.write_bytes(signed_image.read_bytes()[:600])
    result = run("info", cut)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"degutool: error: {cut}: truncated: the TLV area starts at")


def test_signed_hex_reads_like_bin(signed_image: Path, ecdsa_key: Path, tmp_path: Path) -> None:
    from intelhex import IntelHex

    hexfile = tmp_path / "degu.hex"
    ih = IntelHex()
    ih.frombytes(signed_image.read_bytes(), offset=0x14000)
    ih.write_hex_file(str(hexfile))
    md5 = hashlib.md5(signed_image.read_bytes()).hexdigest()

    assert json.loads(run("info", hexfile, "--json").stdout)["md5"] == md5
    assert run("md5", "--image", hexfile).stdout == f"{md5}  {hexfile}\n"
    assert run("verify", hexfile, "-k", ecdsa_key).exit_code == 0
