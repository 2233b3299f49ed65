# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool keygen` and key loading."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from degutool import keys
from degutool.errors import InputError
from imgtool import keys as imgtool_keys

from .helpers import run


@pytest.mark.parametrize(
    ("args", "key_type", "imgtool_class"),
    [
        ([], "ecdsa-p256", imgtool_keys.ECDSA256P1),
        (["--type", "rsa-2048"], "rsa-2048", imgtool_keys.RSA),
        (["-t", "ed25519"], "ed25519", imgtool_keys.Ed25519),
    ],
)
def test_keygen(args: list[str], key_type: str, imgtool_class: type, tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    result = run("keygen", "-k", path, *args)
    assert result.exit_code == 0, result.stderr
    key = keys.load(path)
    assert key.key_type == key_type
    assert result.stdout == f"{path}: {key_type} {key.fingerprint}\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # imgtool reads it as the same key: its public bytes hash to our fingerprint.
    loaded = imgtool_keys.load(str(path))
    assert isinstance(loaded, imgtool_class)
    assert loaded.get_public_bytes() == key.public_bytes


def test_keygen_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    path.write_text("precious\n")
    result = run("keygen", "-k", path)
    assert result.exit_code == 2
    assert result.stderr == (
        f"degutool: error: {path}: exists; keygen never overwrites a key (move it away or "
        "choose another path)\n"
    )
    assert path.read_text() == "precious\n"


def test_keygen_unknown_type(tmp_path: Path) -> None:
    result = run("keygen", "-k", tmp_path / "k.pem", "--type", "rsa-3072")
    assert result.exit_code == 2
    assert "'rsa-3072' is not one of 'ecdsa-p256', 'rsa-2048', 'ed25519'" in result.stderr
    assert not (tmp_path / "k.pem").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello\n", "not a PEM key"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a PEM key"),
    ],
)
def test_load_refuses(content: bytes, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.pem"
    path.write_bytes(content)
    with pytest.raises(InputError, match=f"^{path}: {message}"):
        keys.load(path)


def test_load_refuses_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "enc.pem"
    imgtool_keys.ECDSA256P1.generate().export_private(str(path), passwd=b"secret")
    with pytest.raises(InputError, match="protected by a passphrase"):
        keys.load(path)
