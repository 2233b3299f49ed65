# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool md5` in-process."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from .helpers import run

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_md5_files_like_md5sum() -> None:
    script, config = EXAMPLES / "main.py", EXAMPLES / "CONFIG"
    result = run("md5", script, config)
    assert result.exit_code == 0
    assert result.stdout == (
        f"{hashlib.md5(script.read_bytes()).hexdigest()}  {script}\n"
        f"{hashlib.md5(config.read_bytes()).hexdigest()}  {config}\n"
    )


def test_md5_image(signed_image: Path, tmp_path: Path) -> None:
    padded = tmp_path / "padded.bin"
    data = signed_image.read_bytes()
    padded.write_bytes(data + b"\xff" * 1000)
    result = run("md5", "--image", padded)
    assert result.exit_code == 0
    assert result.stdout == f"{hashlib.md5(data).hexdigest()}  {padded}\n"


def test_md5_image_refuses_plain_file() -> None:
    result = run("md5", "--image", EXAMPLES / "main.py")
    assert result.exit_code == 1
    assert result.stderr == (
        f"degutool: error: {EXAMPLES / 'main.py'}: not an MCUboot image (magic 0x6f432023, "
        "expected 0x96f3b83d); sign it first with `degutool sign`\n"
    )


def test_md5_missing_file(tmp_path: Path) -> None:
    result = run("md5", tmp_path / "gone.py")
    assert result.exit_code == 1  # as md5sum
    assert result.stderr == (
        f"degutool: error: {tmp_path / 'gone.py'}: cannot read (No such file or directory)\n"
    )


@pytest.mark.parametrize("image", [False, True])
def test_md5_goes_on_after_a_bad_file_like_md5sum(
    image: bool, signed_image: Path, tmp_path: Path
) -> None:
    a, b = signed_image, tmp_path / "b.bin"
    b.write_bytes(signed_image.read_bytes() + b"\xff" * 64)
    missing = tmp_path / "missing.bin"
    result = run("md5", *(["--image"] if image else []), a, missing, b)
    digests = [
        hashlib.md5(a.read_bytes()).hexdigest(),
        hashlib.md5(a.read_bytes() if image else b.read_bytes()).hexdigest(),
    ]
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        f"{digests[0]}  {a}\n{digests[1]}  {b}\n",
        f"degutool: error: {missing}: cannot read "
        + ("image " if image else "")
        + "(No such file or directory)\n",
    )
