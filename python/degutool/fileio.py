# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Outputs are complete or absent: written under a temporary name, renamed at the end."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .errors import InputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_all_atomic(outputs: Mapping[Path, bytes]) -> None:
    """Write every file to a temporary name beside it, then rename them all into place.

    Nothing is renamed until every temporary file is written, so a failure on the way leaves
    none of the outputs half-written.
    """
    pending: list[tuple[str, Path]] = []
    try:
        for out, data in outputs.items():
            directory = out.parent if str(out.parent) else Path(".")
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=directory)
                pending.append((tmp, out))
                with os.fdopen(fd, "wb") as f:
                    os.fchmod(f.fileno(), 0o666 & ~_umask())
                    f.write(data)
            except OSError as e:
                raise InputError(f"{out}: cannot write ({e.strerror})") from e
        for tmp, out in pending:
            try:
                os.replace(tmp, out)
            except OSError as e:
                raise InputError(f"{out}: cannot write ({e.strerror})") from e
    finally:
        for tmp, _ in pending:
            Path(tmp).unlink(missing_ok=True)


def write_atomic(out: Path, data: bytes) -> None:
    """Write one file complete or not at all."""
    write_all_atomic({out: data})
