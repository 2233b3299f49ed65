# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Real Cortex-M inputs for the factory and flash tests, built with arm-none-eabi-gcc.

``build_stub(out, name, origin, ...)`` links tests/hw_firmware/stub.c at ``origin`` and gives
its .elf, .bin and .hex; ``sign_stub`` turns an application stub into an MCUboot image for
slot 0 with imgtool, as a release's degu.bin.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from degutool.layout import DEFAULT, IMAGE_HEADER_SIZE

SRC = Path(__file__).parent / "hw_firmware"


@dataclass(frozen=True)
class Stub:
    """One build of the stand-in program."""

    elf: Path
    bin: Path
    hex: Path
    origin: int


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")


def build_stub(
    out: Path, name: str, origin: int, chain_to: int | None = None, fill: int = 0
) -> Stub:
    """Compile and link the stand-in at ``origin``; ``chain_to`` makes it a boot stand-in."""
    if shutil.which("arm-none-eabi-gcc") is None:
        raise RuntimeError("arm-none-eabi-gcc is missing: `make setup` installs it")
    elf = out / f"{name}.elf"
    defines = [f"-DFILL={fill}"] + ([f"-DCHAIN_TO={chain_to:#x}"] if chain_to else [])
    _run(
        ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-Os", "-ffreestanding"]
        + ["-nostdlib", "-Wall", "-Wextra", "-Werror", *defines]
        + ["-T", str(SRC / "stub.ld"), f"-Wl,--defsym=STUB_ORIGIN={origin:#x}"]
        + ["-o", str(elf), str(SRC / "stub.c")]
    )
    stub = Stub(elf, out / f"{name}.bin", out / f"{name}.hex", origin)
    _run(["arm-none-eabi-objcopy", "-O", "binary", str(elf), str(stub.bin)])
    _run(["arm-none-eabi-objcopy", "-O", "ihex", str(elf), str(stub.hex)])
    return stub


def sign_stub(out: Path, app: Stub, name: str = "degu.bin") -> Path:
    """Sign an application stub linked at slot 0 + header with imgtool (a fresh P-256 key)."""
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
