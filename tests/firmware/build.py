# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Build the test program (main.c, firmware.ld) with arm-none-eabi-gcc; used by the tests'
fixtures (tests/conftest.py) and the bench."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SOURCE = Path(__file__).parent
SLOT0_BASE = 0x14000
HEADER_SIZE = 0x200
#: Bytes of the program without filler, rounded up; the filler brings it near a target size.
BASE_SIZE = 0x100


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


def build(
    out: Path,
    name: str,
    origin: int = SLOT0_BASE + HEADER_SIZE,
    gap: int = 0,
    filler: int = 0,
) -> Firmware:
    """Link the program at ``origin`` with ``gap`` zero bytes before the vector table and
    ``filler`` bytes of constant data; write ``name``.elf/.bin/.hex into ``out``."""
    if shutil.which("arm-none-eabi-gcc") is None:
        raise RuntimeError("arm-none-eabi-gcc is missing: `make setup` installs it")
    elf = out / f"{name}.elf"
    _run(
        [
            "arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-Os", "-ffreestanding",
            "-nostdlib", "-Wall", "-Wextra", "-Werror", f"-DFILLER_SIZE={filler}",
            "-T", str(SOURCE / "firmware.ld"),
            f"-Wl,--defsym=FW_ORIGIN={origin:#x}", f"-Wl,--defsym=FW_GAP={gap:#x}",
            "-o", str(elf), str(SOURCE / "main.c"),
        ]
    )  # fmt: skip
    fw = Firmware(elf, out / f"{name}.bin", out / f"{name}.hex", origin, gap)
    _run(["arm-none-eabi-objcopy", "-O", "binary", str(elf), str(fw.bin)])
    _run(["arm-none-eabi-objcopy", "-O", "ihex", str(elf), str(fw.hex)])
    return fw
