# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Outputs are complete or absent: written under a temporary name, renamed at the end."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from .errors import InputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def folder_mode() -> int:
    """The mode ``mkdir`` gives a new folder under the current umask (0755 under 022)."""
    return 0o777 & ~_umask()


def file_mode() -> int:
    """The mode ``open`` gives a new file under the current umask (0644 under 022)."""
    return 0o666 & ~_umask()


def check_output(out: Path, option: str, folder: bool = False) -> None:
    """Refuse an output path that cannot be written: one that is an existing folder (for a
    file output), or one below an existing file.  ``option`` names it in the way out."""
    if not folder and out.is_dir():
        raise InputError(
            f"{out}: is a folder; give {option} the path of the file to write, e.g. "
            f"{out / 'out.bin'}"
        )
    for parent in out.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise InputError(
                    f"{out}: {parent} is a file, not a folder; choose another {option}"
                )
            break


@contextlib.contextmanager
def missing_parents(out: Path) -> Iterator[None]:
    """Make the folders above ``out`` that are missing; remove them again when the body
    fails, so a failure leaves nothing behind."""
    made = [p for p in out.absolute().parents if not p.exists()]  # deepest first
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        _remove_folders(made)
        raise InputError(f"{out}: cannot create folder {out.parent} ({e.strerror})") from e
    try:
        yield
    except BaseException:
        _remove_folders(made)
        raise


def _remove_folders(folders: list[Path]) -> None:
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def write_all_atomic(outputs: Mapping[Path, bytes]) -> None:
    """Write every file to a temporary name beside it, then rename them all into place.

    Nothing is renamed until every temporary file is written, so a failure on the way leaves
    none of the outputs half-written.
    """
    for out in outputs:
        check_output(out, "-o/--out")
    pending: list[tuple[str, Path]] = []
    try:
        for out, data in outputs.items():
            directory = out.parent if str(out.parent) else Path(".")
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=directory)
                pending.append((tmp, out))
                with os.fdopen(fd, "wb") as f:
                    os.fchmod(f.fileno(), file_mode())
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
