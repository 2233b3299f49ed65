# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool lab demo`, the command `make demo` runs: Alice to Bob, or a timeout with a reason."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .helpers import run

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_demo_runs_the_walkthrough(tmp_path) -> None:
    result = run("lab", "demo", "--lab", tmp_path / "demo", "--timeout", "60")
    assert result.exit_code == 0, result.stderr
    out = result.stdout.splitlines()
    alice = out.index("[00124b0001de9a11] Hello! I'm Alice.")
    bob = out.index("[00124b0001de9a11] Hello! I'm Bob.")
    release = next(i for i, line in enumerate(out) if line.startswith("$ degutool release "))
    status = next(i for i, line in enumerate(out) if line.startswith("$ degutool status "))
    assert alice < release < bob < status
    md5 = hashlib.md5((EXAMPLES / "bob" / "main.py").read_bytes()).hexdigest()
    row = next(line for line in out[status:] if " script_user " in line).split()
    assert row == ["degu-00124b0001de9a11", "script_user", "current", md5, md5]
    assert out[-1] == "walkthrough done: the device runs Bob's main.py and reports it current"
    device = tmp_path / "demo" / "device" / "fat" / "main.py"
    assert device.read_bytes() == (EXAMPLES / "bob" / "main.py").read_bytes()
    assert not (tmp_path / "demo" / "lab" / "lab.json").exists()


def test_demo_times_out_with_the_reason(tmp_path) -> None:
    mute = tmp_path / "mute.py"
    mute.write_text("import time\nwhile True:\n    time.sleep(1)\n")
    result = run("lab", "demo", "--lab", tmp_path / "demo", "--timeout", "2", "--alice", mute)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        'degutool: error: the device did not print "Hello! I\'m Alice." in time'
    )
    assert not (tmp_path / "demo" / "lab" / "lab.json").exists()


def test_demo_refuses_a_foreign_folder(tmp_path) -> None:
    (tmp_path / "mine.txt").write_text("keep me\n")
    result = run("lab", "demo", "--lab", tmp_path)
    assert result.exit_code == 1
    assert "was not made by `degutool lab demo`" in result.stderr
    assert (tmp_path / "mine.txt").read_text() == "keep me\n"
