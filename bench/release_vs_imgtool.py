#!/usr/bin/env python3
# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Whole-process time of `degutool release` on a 440 KB image next to `imgtool sign` alone.

Both run as separate processes on the same unsigned firmware (the tests' Cortex-M program
grown to 440,000 bytes), the same ECDSA P-256 key and the same slot settings.  The release
also hashes, writes main.py, CONFIG, manifest.json and desired.json.  Prints each median of
--runs runs and the ratio release / sign.

    python bench/release_vs_imgtool.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "python"))

from degutool import keys  # noqa: E402

from tests.firmware.build import BASE_SIZE, build  # noqa: E402

SIZE = 440_000


def _tool(name: str, module: str) -> list[str]:
    """The console script next to this Python, else the module run by it."""
    script = Path(sys.executable).parent / name
    return [str(script)] if script.exists() else [sys.executable, "-m", module]


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each (median taken)")
    args = parser.parse_args()

    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    with tempfile.TemporaryDirectory(prefix="degu-bench-") as tmp_name:
        tmp = Path(tmp_name)
        fw = build(tmp, "large", filler=SIZE - BASE_SIZE).bin
        key = keys.generate(tmp / "key.pem").path
        imgtool = _tool("imgtool", "imgtool.main") + [
            "sign", "--key", str(key), "--header-size", "0x200", "--pad-header",
            "--align", "4", "--slot-size", "0x6E000", "--version", "1.0.0",
            str(fw), str(tmp / "signed.bin"),
        ]  # fmt: skip
        release = _tool("degutool", "degutool") + [
            "release", "--firmware", str(fw), "--key", str(key), "--version", "1.0.0",
            "--script", str(ROOT / "examples/main.py"), "--config", str(ROOT / "examples/CONFIG"),
            "--base-url", "https://updates.example.com/degu/", "--out",
        ]  # fmt: skip
        sign_times, release_times = [], []
        for i in range(args.runs):
            sign_times.append(_time(imgtool, env))
            out = tmp / f"release-{i}"
            release_times.append(_time(release + [str(out)], env))
            shutil.rmtree(out)
        sign_s = statistics.median(sign_times)
        release_s = statistics.median(release_times)
        print(f"firmware: {fw.stat().st_size} bytes, {args.runs} runs each, median wall time")
        print(f"imgtool sign        {sign_s * 1000:8.1f} ms")
        print(f"degutool release    {release_s * 1000:8.1f} ms")
        print(f"ratio release/sign  {release_s / sign_s:8.2f}")


if __name__ == "__main__":
    main()
