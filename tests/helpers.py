# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Small helpers the toolchain tests share (running the CLI in-process, tampering images,
reading a FAT volume back with mtools)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from click.testing import CliRunner, Result
from degutool.cli import cli


def run(*args: str | Path) -> Result:
    """Run `degutool ARGS...` in-process; stdout and stderr apart."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def flipped(data: bytes, offset: int) -> bytes:
    """A copy of ``data`` with the byte at ``offset`` inverted."""
    out = bytearray(data)
    out[offset] ^= 0xFF
    return bytes(out)


def tree(path: Path) -> list[str]:
    """Every entry under ``path``, relative, sorted (to show nothing was left behind)."""
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


# pyfatfs leaves the CHS fields of the BPB at 0 (FatFs ignores them); mtools refuses such a
# volume unless told to skip that sanity check.
MTOOLS_ENV = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}


def mcopy_out(image: Path, name: str) -> bytes:
    """The file ``name`` of the FAT volume ``image``, read by mtools (not by pyfatfs)."""
    return subprocess.run(
        ["mcopy", "-n", "-i", str(image), f"::{name}", "-"],
        check=True,
        capture_output=True,
        env=MTOOLS_ENV,
    ).stdout


def imgtool_signed(firmware: Path, out: Path, header_size: int = 0x200, **image_args) -> Path:
    """``firmware`` (linked at slot 0 + 0x200, no gap) signed by imgtool's library alone with a
    fresh P-256 key and any other :class:`imgtool.image.Image` arguments (``load_addr``,
    ``rom_fixed``, ``non_bootable``...): images degutool must refuse although they verify."""
    from imgtool import keys as imgtool_keys
    from imgtool.image import Image

    img = Image(header_size=header_size, pad_header=True, align=4, **image_args)
    with contextlib.redirect_stdout(io.StringIO()):  # imgtool's chatter
        img.load(str(firmware))
        img.create(imgtool_keys.ECDSA256P1.generate(), "hash", None)
        img.save(str(out))
    return out


@contextlib.contextmanager
def read_only_folder(path: Path) -> Iterator[Path]:
    """``path`` made a folder nobody can create files in, even root: ``chattr +i`` (root
    ignores mode bits), else mode 0555 for an ordinary user; undone afterwards."""
    path.mkdir(exist_ok=True)
    immutable = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
    if not immutable:
        path.chmod(0o555)
    try:
        probe = path / ".probe"
        try:
            probe.touch()
        except OSError:
            pass
        else:
            probe.unlink()
            raise AssertionError(f"{path}: could not make it read-only (chattr +i or chmod)")
        yield path
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(0o755)
