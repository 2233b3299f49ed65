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


def _pem(private: object) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _make_key(kind: str) -> bytes:
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, rsa, x25519

    return {
        "X25519": lambda: _pem(x25519.X25519PrivateKey.generate()),
        "Ed448": lambda: _pem(ed448.Ed448PrivateKey.generate()),
        "ECDSA P-384": lambda: _pem(ec.generate_private_key(ec.SECP384R1())),
        "ECDSA secp256k1": lambda: _pem(ec.generate_private_key(ec.SECP256K1())),
        "RSA-1024": lambda: _pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
    }[kind]()


@pytest.mark.parametrize("kind", ["X25519", "Ed448", "ECDSA P-384", "ECDSA secp256k1", "RSA-1024"])
def test_unsupported_key_types_are_named_by_algorithm(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    path.write_bytes(_make_key(kind))
    with pytest.raises(InputError) as e:
        keys.load(path)
    assert str(e.value) == (
        f"{path}: unsupported key type {kind}; Degu's MCUboot takes ecdsa-p256, rsa-2048, "
        "ed25519 (make one with `degutool keygen --type ...`)"
    )


#: (command line with {k} for an empty key; what goes in --key)
EMPTY_KEY = [
    ["sign", "fw.bin", "-k", "", "-o", "o.bin"],
    ["verify", "fw.bin", "-k", ""],
    ["release", "--script", "fw.bin", "-k", "", "--base-url", "https://h/", "-o", "rel"],
    ["factory", "--mcuboot", "fw.bin", "--image", "fw.bin", "-k", "", "-o", "f.hex"],
    ["flash", "fw.bin", "-k", ""],
]


@pytest.mark.parametrize("argv", EMPTY_KEY, ids=[a[0] for a in EMPTY_KEY])
def test_empty_key_path_is_named(argv: list[str], tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fw.bin").write_bytes(b"x")
    result = run(*argv)
    assert result.exit_code == 2
    assert "Invalid value for '-k' / '--key': is empty: give the path of a file" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fw.bin"]


def test_keygen_empty_path_is_named(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("keygen", "-k", "")
    assert result.exit_code == 2
    assert "Invalid value for '-k' / '--key': is empty: give the path of a file" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_key_that_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        keys.load(tmp_path)
    assert str(e.value) == f"{tmp_path}: is a folder, not a key file; give the path of a PEM key"
