# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Check an MCUboot image on our own: header, SHA-256, key hash and signature.

The parse is :mod:`degutool.mcuboot`; the cryptography is the ``cryptography`` package, not
imgtool.  The checks are the ones MCUboot's ``bootutil_img_validate`` makes for an image in
slot 0:

- the header magic and the TLV areas are well formed and lie inside the file;
- the image hash TLV (SHA-256; SHA-384 or SHA-512 where imgtool chose it, as for a "pure"
  Ed25519 image) equals that hash of header + payload + protected TLV area;
- the KEYHASH TLV equals the same hash of the given public key as MCUboot embeds it (or a
  PUBKEY TLV holds that key);
- the signature TLV of the key's type verifies: ECDSA P-256 and RSA-2048 PSS (salt 32) over
  the digest, Ed25519 over the digest (or over the hashed bytes when the image has a
  SIG_PURE TLV).

Unlike ``imgtool verify``, a key hash that does not match the key is a failure: MCUboot finds
its key by that hash, so such an image would not boot (imgtool ignores the TLV).  This is the
one deliberate disagreement with imgtool; docs/manifest.md says so and
tests/test_verify.py::test_key_hash_mismatch_is_refused_unlike_imgtool holds both verdicts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

from . import layout as layout_mod
from . import mcuboot
from .errors import ImageError
from .keys import SIGNATURE_TLV, Key
from .sign import check_fits

#: Image hash TLVs MCUboot knows: the hash of header + payload + protected TLVs.
_HASHES = {
    "SHA256": (hashlib.sha256, hashes.SHA256()),
    "SHA384": (hashlib.sha384, hashes.SHA384()),
    "SHA512": (hashlib.sha512, hashes.SHA512()),
}


@dataclass
class Verification:
    """The outcome of each check; ``ok`` only when every check passed."""

    source: str
    info: mcuboot.ImageInfo | None = None
    checks: dict[str, bool] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.checks) and all(self.checks.values())

    def _fail(self, check: str, problem: str) -> None:
        self.checks[check] = False
        self.problems.append(f"{self.source}: {problem}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "image": self.source,
            "ok": self.ok,
            "checks": self.checks,
            "problems": self.problems,
            "version": str(self.info.version) if self.info else None,
            "length": self.info.length if self.info else None,
        }


def _signature_ok(
    key: Key, sig: bytes, digest: bytes, alg: hashes.HashAlgorithm, hashed: bytes, pure: bool
) -> bool:
    pub = key.public
    try:
        if isinstance(pub, ec.EllipticCurvePublicKey):
            # imgtool may pad an ECDSA signature to 72 bytes; the DER length says how long it is.
            der = sig[: sig[1] + 2] if len(sig) >= 2 else sig
            pub.verify(der, digest, ec.ECDSA(utils.Prehashed(alg)))
        elif isinstance(pub, rsa.RSAPublicKey):
            pub.verify(
                sig,
                digest,
                padding.PSS(mgf=padding.MGF1(alg), salt_length=32),
                utils.Prehashed(alg),
            )
        elif isinstance(pub, ed25519.Ed25519PublicKey):
            pub.verify(sig, hashed if pure else digest)
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def _check_hash(result: Verification, info: mcuboot.ImageInfo, data: bytes) -> None:
    """Check the one image hash TLV against the hash of header + payload + protected TLVs."""
    hash_tlvs = [t for t in info.tlvs if t.name in _HASHES and not t.protected]
    if len(hash_tlvs) != 1:
        result._fail("hash", f"{len(hash_tlvs)} image hash TLVs (SHA256/384/512), expected one")
        return
    hash_tlv = hash_tlvs[0]
    digest = _HASHES[hash_tlv.name][0](data[: info.hashed_size]).digest()
    if hash_tlv.value != digest:
        result._fail(
            "hash",
            f"{hash_tlv.name} TLV {hash_tlv.value.hex()} does not match the image's "
            f"{digest.hex()}: the image was changed after signing",
        )
    else:
        result.checks["hash"] = True


def check_structure(data: bytes, source: str = "image") -> Verification:
    """The checks that need no key: header magic, sizes and TLV info magics inside the file,
    and the image hash TLV over header + payload + protected TLVs."""
    result = Verification(source)
    try:
        info = mcuboot.parse(data, source)
    except ImageError as e:
        result.checks["header"] = False
        result.problems.append(str(e))
        return result
    result.info = info
    result.checks["header"] = True
    _check_hash(result, info, data)
    return result


def verify(data: bytes, key: Key, source: str = "image") -> Verification:
    """Run every check; failures are collected in the result, not raised."""
    result = check_structure(data, source)
    info = result.info
    hash_tlvs = [t for t in info.tlvs if t.name in _HASHES and not t.protected] if info else []
    if info is None or len(hash_tlvs) != 1:
        return result
    hashed = data[: info.hashed_size]
    pure = bool(info.find("SIG_PURE"))
    hash_tlv = hash_tlvs[0]
    hashlib_alg, crypto_alg = _HASHES[hash_tlv.name]
    digest = hashlib_alg(hashed).digest()

    # MCUboot hashes the public key with the image's hash algorithm.
    key_hash = hashlib_alg(key.public_bytes).digest()
    key_hashes = info.find("KEYHASH")
    pubkeys = info.find("PUBKEY")
    if key_hashes:
        if key_hashes[0].value == key_hash:
            result.checks["key_hash"] = True
        else:
            result._fail(
                "key_hash",
                f"signed for key {key_hashes[0].value.hex()}, not {key.path} ({key_hash.hex()})",
            )
    elif pubkeys:
        if pubkeys[0].value == key.public_bytes:
            result.checks["key_hash"] = True
        else:
            result._fail("key_hash", f"the PUBKEY TLV is not the public key of {key.path}")
    else:
        result._fail("key_hash", "no KEYHASH or PUBKEY TLV")

    sig_name = SIGNATURE_TLV[key.key_type]
    sigs = info.find(sig_name)
    if not sigs:
        found = ", ".join(t.name for t in info.tlvs) or "none"
        result._fail("signature", f"no {sig_name} signature for {key.key_type} key (TLVs: {found})")
    elif any(_signature_ok(key, t.value, digest, crypto_alg, hashed, pure) for t in sigs):
        result.checks["signature"] = True
    else:
        result._fail("signature", f"the {sig_name} signature does not verify with {key.path}")
    return result


def check_bootable(
    info: mcuboot.ImageInfo, lay: layout_mod.Layout = layout_mod.DEFAULT, source: str = "image"
) -> None:
    """Refuse a well-formed image that Degu's MCUboot would not boot from slot 0.

    Degu's MCUboot swaps with a scratch partition and runs the image in place: it has no
    encryption key, no RAM loading, no decompression, so it takes only images with no header
    flags and no load address, with the 0x200 header the firmware is linked for, that fit
    slot 0 with the swap trailer.
    """
    if info.flags:
        raise ImageError(
            f"{source}: header flags 0x{info.flags:x} ({' '.join(info.flag_names) or 'unknown'})"
            ": Degu's MCUboot (swap with scratch, run in place, no encryption or compression) "
            "boots only images without flags; sign it again without those options"
        )
    if info.load_addr:
        raise ImageError(
            f"{source}: load address 0x{info.load_addr:x} in the header (imgtool --load-addr or "
            "--rom-fixed); Degu's MCUboot runs the image in place from slot 0 and needs 0: "
            "sign it again without that option"
        )
    if info.header_size != layout_mod.IMAGE_HEADER_SIZE:
        raise ImageError(
            f"{source}: header size 0x{info.header_size:x}; Degu's firmware is linked after a "
            f"0x{layout_mod.IMAGE_HEADER_SIZE:x}-byte header (CONFIG_ROM_START_OFFSET): sign "
            f"it with --header-size 0x{layout_mod.IMAGE_HEADER_SIZE:x}"
        )
    check_fits(info.length, lay, source, "the image")


def check_image(
    data: bytes,
    source: str = "image",
    key: Key | None = None,
    lay: layout_mod.Layout = layout_mod.DEFAULT,
    key_hint: str = "",
) -> mcuboot.ImageInfo:
    """Refuse an already signed image that is malformed, was changed after signing, or that
    Degu's MCUboot cannot boot; with ``key``, also one that does not verify with it.

    ``key_hint`` is added to a key hash or signature failure (what the caller needs then).
    """
    result = verify(data, key, source) if key is not None else check_structure(data, source)
    if not result.ok:
        hint = ""
        if key_hint and not any(not result.checks.get(c, True) for c in ("header", "hash")):
            hint = f"; {key_hint}"
        raise ImageError("; ".join(result.problems) + hint)
    assert result.info is not None
    check_bootable(result.info, lay, source)
    return result.info
