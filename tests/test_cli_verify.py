# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool verify` in-process."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import flipped, run


def test_verify_ok(signed_image: Path, ecdsa_key: Path) -> None:
    result = run("verify", signed_image, "--key", ecdsa_key)
    assert result.exit_code == 0
    assert result.stdout == f"{signed_image}: OK (1.2.3+4, header, hash, key_hash, signature)\n"


def test_verify_json_tampered(signed_image: Path, ecdsa_key: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(flipped(signed_image.read_bytes(), 0x210))
    result = run("verify", bad, "--key", ecdsa_key, "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    assert doc["checks"] == {"header": True, "hash": False, "key_hash": True, "signature": False}
    assert result.stderr.startswith(f"degutool: error: {bad}: SHA256 TLV ")
    assert "the image was changed after signing" in result.stderr
    assert result.stderr.count("\n") == 1


def test_verify_wrong_key_type(signed_image: Path, rsa_key: Path) -> None:
    result = run("verify", signed_image, "-k", rsa_key)
    assert result.exit_code == 1
    assert "no RSA2048 signature for rsa-2048 key (TLVs: SHA256, KEYHASH, ECDSASIG)" in (
        result.stderr
    )


def test_verify_missing_image(tmp_path: Path, ecdsa_key: Path) -> None:
    result = run("verify", tmp_path / "none.bin", "-k", ecdsa_key)
    assert result.exit_code == 2
    assert result.stderr == (
        f"degutool: error: {tmp_path / 'none.bin'}: cannot read image (No such file or directory)\n"
    )
