# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Session fixtures shared by the toolchain tests: real firmware images, keys, a signed image.

The firmware is tests/firmware/main.c, a small Cortex-M4 program (vector table, reset
handler, code, data), built here with arm-none-eabi-gcc and objcopy into a session tmp dir;
the same source, built with ``chain_to``, is the factory and flash tests' MCUboot stand-in.

Fixtures (all session-scoped, all paths):

- ``firmware_bin``, ``firmware_hex``: linked at slot 0 + 0x200 (0x14200), no header room;
- ``zephyr_bin``, ``zephyr_hex``: linked at 0x14000 with a zeroed 0x200 gap before the vector
  table, as Zephyr's zephyr.bin with CONFIG_ROM_START_OFFSET=0x200;
- ``large_firmware_bin``: about 440 KB (440,000 bytes) that still fits slot 0 when signed;
- ``oversize_firmware_bin``: fits the slot's bytes but not with MCUboot's trailer;
- ``build_firmware(name, origin=..., gap=..., filler=..., chain_to=...)``: any other variant
  (a ``Firmware`` with ``.elf``, ``.bin``, ``.hex``), e.g. the MCUboot stand-in at 0 that
  jumps to ``chain_to``;
- ``ecdsa_key``, ``rsa_key``, ``ed25519_key``: PEM private keys made with degutool keygen;
- ``signed_image``: ``firmware_bin`` signed with ``ecdsa_key`` as version 1.2.3+4 (a degu.bin).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from degutool import keys, sign
from degutool.layout import DEFAULT, IMAGE_HEADER_SIZE

from .firmware.build import BASE_SIZE, Firmware, build

SLOT0 = DEFAULT.slot0
LARGE_SIZE = 440_000
OVERSIZE_SIZE = 449_000


@pytest.fixture(scope="session")
def build_firmware(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Firmware]:
    """Build (once per variant) the test program linked at ``origin`` with ``gap`` zeros."""
    out = tmp_path_factory.mktemp("firmware")
    cache: dict[str, tuple[tuple[int, int, int, int | None], Firmware]] = {}

    def build_variant(
        name: str,
        origin: int = SLOT0.offset + IMAGE_HEADER_SIZE,
        gap: int = 0,
        filler: int = 0,
        chain_to: int | None = None,
    ) -> Firmware:
        spec = (origin, gap, filler, chain_to)
        if name not in cache:
            cache[name] = (spec, build(out, name, origin, gap, filler, chain_to))
        if cache[name][0] != spec:
            raise ValueError(f"firmware variant {name!r} already built as {cache[name][0]}")
        return cache[name][1]

    return build_variant


@pytest.fixture(scope="session")
def firmware(build_firmware: Callable[..., Firmware]) -> Firmware:
    return build_firmware("firmware")


@pytest.fixture(scope="session")
def firmware_bin(firmware: Firmware) -> Path:
    return firmware.bin


@pytest.fixture(scope="session")
def firmware_hex(firmware: Firmware) -> Path:
    return firmware.hex


@pytest.fixture(scope="session")
def zephyr_firmware(build_firmware: Callable[..., Firmware]) -> Firmware:
    return build_firmware("zephyr", origin=SLOT0.offset, gap=IMAGE_HEADER_SIZE)


@pytest.fixture(scope="session")
def zephyr_bin(zephyr_firmware: Firmware) -> Path:
    return zephyr_firmware.bin


@pytest.fixture(scope="session")
def zephyr_hex(zephyr_firmware: Firmware) -> Path:
    return zephyr_firmware.hex


@pytest.fixture(scope="session")
def large_firmware_bin(build_firmware: Callable[..., Firmware]) -> Path:
    return build_firmware("large", filler=LARGE_SIZE - BASE_SIZE).bin


@pytest.fixture(scope="session")
def oversize_firmware_bin(build_firmware: Callable[..., Firmware]) -> Path:
    return build_firmware("oversize", filler=OVERSIZE_SIZE - BASE_SIZE).bin


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="session")
def ecdsa_key(key_dir: Path) -> Path:
    return keys.generate(key_dir / "ecdsa-p256.pem", "ecdsa-p256").path


@pytest.fixture(scope="session")
def rsa_key(key_dir: Path) -> Path:
    return keys.generate(key_dir / "rsa-2048.pem", "rsa-2048").path


@pytest.fixture(scope="session")
def ed25519_key(key_dir: Path) -> Path:
    return keys.generate(key_dir / "ed25519.pem", "ed25519").path


@pytest.fixture(scope="session")
def signed_image(
    firmware_bin: Path, ecdsa_key: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("signed") / "degu.bin"
    sign.sign(firmware_bin, keys.load(ecdsa_key), out, "1.2.3+4")
    return out
