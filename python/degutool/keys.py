# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Signing keys: generation, loading, and the key hash MCUboot and the manifest use.

Three key types are accepted, the ones MCUboot builds for the nRF52840 use: ECDSA P-256 (the
default), RSA-2048 and Ed25519.  Keys are PEM files (PKCS#8 private keys, as ``imgtool
keygen`` writes them; public keys as SubjectPublicKeyInfo for verification).

The key hash is SHA-256 of the public key as MCUboot embeds it in the bootloader (DER
SubjectPublicKeyInfo for ECDSA and Ed25519, DER PKCS#1 RSAPublicKey for RSA): the value of the
image's KEYHASH TLV.  The manifest's key fingerprint is that hash, ``sha256:<hex>``.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from imgtool import keys as imgtool_keys

from .errors import InputError
from .mcuboot import ImageInfo

log = logging.getLogger(__name__)

KEY_TYPES = ("ecdsa-p256", "rsa-2048", "ed25519")
DEFAULT_KEY_TYPE = "ecdsa-p256"
#: The signature TLV MCUboot expects for each key type.
SIGNATURE_TLV = {"ecdsa-p256": "ECDSASIG", "rsa-2048": "RSA2048", "ed25519": "ED25519"}

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


@dataclass(frozen=True)
class Key:
    """A loaded key: its type, public half, and private half when the file holds one."""

    path: Path
    key_type: str
    public: PublicKey
    private: PrivateKey | None

    @property
    def public_bytes(self) -> bytes:
        """The public key as MCUboot embeds it (what the KEYHASH TLV hashes)."""
        if self.key_type == "rsa-2048":
            return self.public.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.PKCS1
            )
        return self.public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def key_hash(self) -> bytes:
        return hashlib.sha256(self.public_bytes).digest()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key_hash)

    def imgtool_key(self) -> object:
        """The same private key wrapped for imgtool's :class:`imgtool.image.Image`."""
        if self.private is None:
            raise InputError(f"{self.path}: holds only a public key; signing needs the private key")
        wrapper = {
            "ecdsa-p256": imgtool_keys.ECDSA256P1,
            "rsa-2048": imgtool_keys.RSA,
            "ed25519": imgtool_keys.Ed25519,
        }[self.key_type]
        return wrapper(self.private)


def signature_key_type(info: ImageInfo) -> str | None:
    """The key type an image was signed with, from its signature TLV (None when it has none
    of :data:`KEY_TYPES`). An ECDSA signature is P-256 when its DER fits 72 bytes."""
    for tlv in info.tlvs:
        for key_type, name in SIGNATURE_TLV.items():
            if tlv.name == name and (name != "ECDSASIG" or len(tlv.value) <= 72):
                return key_type
    return None


def fingerprint(key_hash: bytes) -> str:
    """How the manifest and ``info`` show a key hash: ``sha256:<hex>`` (or sha384/sha512 for
    images imgtool hashed so, e.g. pure Ed25519)."""
    algorithm = {32: "sha256", 48: "sha384", 64: "sha512"}.get(len(key_hash), "hash")
    return f"{algorithm}:{key_hash.hex()}"


#: Curve names as people call them, for messages.
_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


def _algorithm(key: object) -> str:
    """What a key is, by its algorithm (``P-384``, ``RSA-1024``, ``X25519``, ``Ed448``)."""
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return f"ECDSA {_CURVE_NAMES.get(key.curve.name, key.curve.name)}"
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return f"RSA-{key.key_size}"
    if isinstance(key, dsa.DSAPublicKey | dsa.DSAPrivateKey):
        return f"DSA-{key.key_size}"
    named = (
        (x25519.X25519PublicKey, x25519.X25519PrivateKey, "X25519"),
        (x448.X448PublicKey, x448.X448PrivateKey, "X448"),
        (ed448.Ed448PublicKey, ed448.Ed448PrivateKey, "Ed448"),
    )
    for public, private, name in named:
        if isinstance(key, public | private):
            return name
    return type(key).__name__.lstrip("_")


def _key_type(key: PublicKey | PrivateKey, path: Path) -> str:
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        if isinstance(key.curve, ec.SECP256R1):
            return "ecdsa-p256"
    elif isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        if key.key_size == 2048:
            return "rsa-2048"
    elif isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise InputError(
        f"{path}: unsupported key type {_algorithm(key)}; Degu's MCUboot takes "
        f"{', '.join(KEY_TYPES)} (make one with `degutool keygen --type ...`)"
    )


def load(path: Path) -> Key:
    """Load a PEM private or public key and check it is one of :data:`KEY_TYPES`."""
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a key file; give the path of a PEM key")
    try:
        pem = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read key ({e.strerror})") from e
    private: PrivateKey | None = None
    try:
        if b"PRIVATE KEY" in pem:
            loaded = serialization.load_pem_private_key(pem, password=None)
        else:
            loaded = serialization.load_pem_public_key(pem)
    except TypeError as e:
        raise InputError(
            f"{path}: the key is protected by a passphrase; give an unencrypted PEM key"
        ) from e
    except ValueError as e:
        raise InputError(f"{path}: not a PEM key ({e})") from e
    key_type = _key_type(loaded, path)
    if hasattr(loaded, "public_key"):
        private = loaded  # type: ignore[assignment]
        public = loaded.public_key()  # type: ignore[union-attr]
    else:
        public = loaded  # type: ignore[assignment]
    return Key(path, key_type, public, private)


def generate(path: Path, key_type: str = DEFAULT_KEY_TYPE) -> Key:
    """Write a new unencrypted PKCS#8 private key to ``path``; never overwrite a file."""
    if key_type not in KEY_TYPES:
        raise InputError(f"unknown key type {key_type!r}; choose one of {', '.join(KEY_TYPES)}")
    if key_type == "ecdsa-p256":
        private: PrivateKey = ec.generate_private_key(ec.SECP256R1())
    elif key_type == "rsa-2048":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        private = ed25519.Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(
            f"{path}: exists; keygen never overwrites a key (move it away or choose another path)"
        ) from None
    except OSError as e:
        raise InputError(f"{path}: cannot create key file ({e.strerror})") from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
    except OSError as e:
        path.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write key file ({e.strerror})") from e
    log.info("wrote %s key %s", key_type, path)
    return Key(path, key_type, private.public_key(), private)
