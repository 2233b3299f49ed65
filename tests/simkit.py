# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Helpers the simulated-device tests share: MCUboot images made with imgtool."""

from __future__ import annotations

import random
from pathlib import Path

from click.testing import CliRunner
from degutool.sim.mcuboot import SLOT_SIZE
from imgtool.main import imgtool


def make_image(
    tmp: Path, name: str, version: str, payload_size: int = 3000, seed: int = 1
) -> bytes:
    """An unsigned MCUboot image (header 0x200, SHA256 TLV) of random payload, via imgtool."""
    rng = random.Random(seed)
    raw = tmp / f"{name}.raw"
    out = tmp / f"{name}.bin"
    raw.write_bytes(bytes(rng.getrandbits(8) for _ in range(payload_size)))
    result = CliRunner().invoke(
        imgtool,
        [
            "sign",
            "--header-size",
            "0x200",
            "--pad-header",
            "--slot-size",
            str(SLOT_SIZE),
            "--version",
            version,
            str(raw),
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out.read_bytes()
