# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Small helpers the toolchain tests share (running the CLI in-process, tampering images)."""

from __future__ import annotations

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
