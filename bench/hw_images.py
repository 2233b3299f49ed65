#!/usr/bin/env python3
# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Figures for the FAT volume, the factory image and the flash plans made from it.

Builds the tests' boot stand-in and a 440 KB application, signs it, makes the FAT volume of
the example main.py and CONFIG, merges the factory image, and prints: the time each step
takes (median of --runs), the volume's room for files, and for factory.hex and factory.bin
the sectors a flash would erase and program and the bytes it would read back to verify.

    python bench/hw_images.py [--runs 5]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "python"))

from degutool import factory, flash, storage  # noqa: E402
from degutool.layout import DEFAULT, IMAGE_HEADER_SIZE  # noqa: E402

from tests.firmware.build import BASE_SIZE, build, sign_with_imgtool  # noqa: E402

APP_SIZE = 440_000


def _median(runs: int, step) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    # The volume's FatFs-minimum warning is known; keep the figures readable.
    logging.getLogger("degutool").setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        slot0 = DEFAULT.slot0.offset
        boot = build(out, "boot", 0, chain_to=slot0 + IMAGE_HEADER_SIZE)
        app = build(out, "app", filler=APP_SIZE - BASE_SIZE)
        image = sign_with_imgtool(out, app)
        files = {
            "main.py": (ROOT / "examples" / "main.py").read_bytes(),
            "CONFIG": (ROOT / "examples" / "CONFIG").read_bytes(),
        }
        volume = out / "storage.img"
        t_volume = _median(runs, lambda: volume.write_bytes(storage.build_volume(files)))
        hex_out, bin_out = out / "factory.hex", out / "factory.bin"
        t_factory = _median(runs, lambda: factory.write(hex_out, bin_out, boot.hex, image, volume))
        print(f"signed image            {image.stat().st_size:>8} bytes")
        print(
            f"FAT volume              {volume.stat().st_size:>8} bytes, "
            f"{storage.free_capacity()} free for files, built in {t_volume * 1000:.1f} ms"
        )
        print(f"factory .hex + .bin     built in {t_factory * 1000:.1f} ms (median of {runs})")
        for path in (hex_out, bin_out):
            t_plan = _median(runs, lambda p=path: flash.make_plan(flash.load(p)))
            plan = flash.make_plan(flash.load(path))
            print(
                f"flash plan {path.name:12} erase {len(plan.erase):3} sectors, program "
                f"{len(plan.program):3}, verify {len(plan.expected) * flash.SECTOR_SIZE:>7} "
                f"bytes; planned in {t_plan * 1000:.1f} ms"
            )


if __name__ == "__main__":
    main()
