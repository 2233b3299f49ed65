# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The MD5 digests a Degu reports in its shadow, computed the way the device computes them.

- A file (``main.py``, ``CONFIG``): MD5 of its exact contents.
- A firmware image: MD5 of the MCUboot image and nothing else, i.e. the bytes
  ``[0, hdr_size + img_size + protect_tlv_size + tlv_total)`` where ``tlv_total`` is the
  length in the (unprotected) TLV area's info header.  The device reads these sizes from the
  header and the TLV info in slot 0 and hashes that many bytes; everything after them
  (padding, erased 0xFF flash, MCUboot's swap trailer) is not part of the digest.  The C core
  computes the same length (ota/src/image.c); tests/test_digest.py checks this side on a
  slot 0 padded and trailed by imgtool, and the C-over-simulated-slot test that holds both
  together lives with the C core (DESIGN.md, "Shadow keys").

docs/manifest.md states the same rule for release consumers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import mcuboot
from .errors import InputError

_CHUNK = 64 * 1024


def md5_bytes(data: bytes) -> str:
    """32 lowercase hex digits, as the shadow's ``*_ver`` keys hold them."""
    return hashlib.md5(data).hexdigest()


def md5_file(path: Path) -> str:
    """MD5 of a file's whole contents."""
    h = hashlib.md5()
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from e
    return h.hexdigest()


def image_bytes(data: bytes, source: str = "image") -> bytes:
    """The image proper: header + payload + TLV areas, without what follows it."""
    info = mcuboot.parse(data, source)
    return data[: info.length]


def md5_image(path: Path) -> str:
    """MD5 of the MCUboot image in a file (a ``degu.bin``, a dump of a whole slot, a .hex)."""
    return md5_bytes(image_bytes(mcuboot.read_bytes(path), str(path)))
