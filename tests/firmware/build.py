# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Build the test program (main.c, firmware.ld) with arm-none-eabi-gcc, and sign it with
imgtool alone; used by the tests' fixtures (tests/conftest.py), the hardware-side tests
(factory, flash, west commands) and the bench.

One source, in variants: an application for slot 0 (at the header's end, or at the slot base
behind a zeroed gap as Zephyr links it), grown by constant filler, or the MCUboot stand-in
(``chain_to``) that jumps to the application."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from degutool.layout import DEFAULT, IMAGE_HEADER_SIZE

SOURCE = Path(__file__).parent
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
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")


def build(
    out: Path,
    name: str,
    origin: int = DEFAULT.slot0.offset + IMAGE_HEADER_SIZE,
    gap: int = 0,
    filler: int = 0,
    chain_to: int | None = None,
) -> Firmware:
    """Link the program at ``origin`` with ``gap`` zero bytes before the vector table and
    ``filler`` bytes of constant data; with ``chain_to`` it is the MCUboot stand-in that
    jumps through the vector table there.  Writes ``name``.elf/.bin/.hex into ``out``."""
    if shutil.which("arm-none-eabi-gcc") is None:
        raise RuntimeError("arm-none-eabi-gcc is missing: `make setup` installs it")
    elf = out / f"{name}.elf"
    chain = [f"-DCHAIN_TO={chain_to:#x}"] if chain_to is not None else []
    _run(
        [
            "arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-Os", "-ffreestanding",
            "-nostdlib", "-Wall", "-Wextra", "-Werror", f"-DFILLER_SIZE={filler}", *chain,
            "-T", str(SOURCE / "firmware.ld"),
            f"-Wl,--defsym=FW_ORIGIN={origin:#x}", f"-Wl,--defsym=FW_GAP={gap:#x}",
            "-o", str(elf), str(SOURCE / "main.c"),
        ]
    )  # fmt: skip
    fw = Firmware(elf, out / f"{name}.bin", out / f"{name}.hex", origin, gap)
    _run(["arm-none-eabi-objcopy", "-O", "binary", str(elf), str(fw.bin)])
    _run(["arm-none-eabi-objcopy", "-O", "ihex", str(elf), str(fw.hex)])
    return fw


def sign_with_imgtool(out: Path, app: Firmware, name: str = "degu.bin") -> Path:
    """Sign an application build for slot 0 with imgtool alone (a fresh P-256 key in ``out``),
    as a release's degu.bin, for tests that must not depend on `degutool sign`."""
    key = out / "test-key.pem"
    imgtool = [sys.executable, "-m", "imgtool.main"]
    if not key.exists():
        _run([*imgtool, "keygen", "-k", str(key), "-t", "ecdsa-p256"])
    signed = out / name
    _run(
        [*imgtool, "sign", "-k", str(key), "--header-size", hex(IMAGE_HEADER_SIZE)]
        + ["--pad-header", "--align", "4", "--version", "1.0.0"]
        + ["--slot-size", hex(DEFAULT.slot0.size), str(app.bin), str(signed)]
    )
    return signed
