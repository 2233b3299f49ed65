# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Session fixtures shared by the toolchain tests: real firmware images, keys, a signed image.

The firmware is tests/firmware/main.c, a small Cortex-M4 program (vector table, reset
handler, code, data), built here with arm-none-eabi-gcc and objcopy into a session tmp dir.

Fixtures (all session-scoped, all paths):

- ``firmware_bin``, ``firmware_hex``: linked at slot 0 + 0x200 (0x14200), no header room;
- ``zephyr_bin``, ``zephyr_hex``: linked at 0x14000 with a zeroed 0x200 gap before the vector
  table, as Zephyr's zephyr.bin with CONFIG_ROM_START_OFFSET=0x200;
- ``large_firmware_bin``: about 440 KB (440,000 bytes) that still fits slot 0 when signed;
- ``oversize_firmware_bin``: fits the slot's bytes but not with MCUboot's trailer;
- ``build_firmware(name, origin=..., gap=..., filler=...)``: any other variant (a ``Firmware``
  with ``.elf``, ``.bin``, ``.hex``);
- ``ecdsa_key``, ``rsa_key``, ``ed25519_key``: PEM private keys made with degutool keygen;
- ``signed_image``: ``firmware_bin`` signed with ``ecdsa_key`` as version 1.2.3+4 (a degu.bin).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from degutool import keys, sign
from degutool.layout import DEFAULT, IMAGE_HEADER_SIZE

FIRMWARE_SRC = Path(__file__).parent / "firmware"
SLOT0 = DEFAULT.slot0
LARGE_SIZE = 440_000
OVERSIZE_SIZE = 449_000
#: Bytes of the program without filler, rounded up; the filler brings it near the target.
_BASE_SIZE = 0x100


@dataclass(frozen=True)
class Firmware:
    """One build of the test program."""

    elf: Path
    bin: Path
    hex: Path
    origin: int
    gap: int


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")


@pytest.fixture(scope="session")
def build_firmware(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Firmware]:
    """Build (once per variant) the test program linked at ``origin`` with ``gap`` zeros."""
    if shutil.which("arm-none-eabi-gcc") is None:
        raise RuntimeError("arm-none-eabi-gcc is missing: `make setup` installs it")
    out = tmp_path_factory.mktemp("firmware")
    cache: dict[tuple[str, int, int, int], Firmware] = {}

    def build(
        name: str, origin: int = SLOT0.offset + IMAGE_HEADER_SIZE, gap: int = 0, filler: int = 0
    ) -> Firmware:
        spec = (name, origin, gap, filler)
        if spec in cache:
            return cache[spec]
        elf = out / f"{name}.elf"
        _run(
            [
                "arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-Os", "-ffreestanding",
                "-nostdlib", "-Wall", "-Wextra", "-Werror", f"-DFILLER_SIZE={filler}",
                "-T", str(FIRMWARE_SRC / "firmware.ld"),
                f"-Wl,--defsym=FW_ORIGIN={origin:#x}", f"-Wl,--defsym=FW_GAP={gap:#x}",
                "-o", str(elf), str(FIRMWARE_SRC / "main.c"),
            ]
        )  # fmt: skip
        fw = Firmware(elf, out / f"{name}.bin", out / f"{name}.hex", origin, gap)
        _run(["arm-none-eabi-objcopy", "-O", "binary", str(elf), str(fw.bin)])
        _run(["arm-none-eabi-objcopy", "-O", "ihex", str(elf), str(fw.hex)])
        cache[spec] = fw
        return fw

    return build


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
    return build_firmware("large", filler=LARGE_SIZE - _BASE_SIZE).bin


@pytest.fixture(scope="session")
def oversize_firmware_bin(build_firmware: Callable[..., Firmware]) -> Path:
    return build_firmware("oversize", filler=OVERSIZE_SIZE - _BASE_SIZE).bin


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
