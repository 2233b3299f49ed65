# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The walkthrough end to end: Alice's device runs Bob's main.py after a release."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .e2e_lab import Lab
from .helpers import run

EXAMPLES = Path(__file__).parent.parent / "examples"
ALICE = (EXAMPLES / "main.py").read_bytes()
BOB = (EXAMPLES / "bob" / "main.py").read_bytes()
EUI = "00124b0000000a11"


def test_alice_becomes_bob(tmp_path) -> None:
    with Lab(tmp_path) as lab:
        dev = lab.device(tmp_path, EUI, ALICE)
        dev.wait_line("Hello! I'm Alice.")
        first = lab.wait_reported(EUI, lambda r: "script_user_ver" in r, "a first report")
        assert first["script_user_ver"] == hashlib.md5(ALICE).hexdigest()

        dist = tmp_path / "dist"
        result = run(
            "release", "--script", EXAMPLES / "bob" / "main.py",
            "--base-url", lab.url("releases/bob/"), "--out", dist,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        manifest = json.loads((dist / "manifest.json").read_text())
        desired = lab.publish(dist, "bob")["state"]["desired"]
        lab.set_desired(EUI, desired)

        bob_at = dev.wait_line("Hello! I'm Bob.")
        boots = dev.stop()
        rep = lab.reported(EUI)

    md5 = hashlib.md5(BOB).hexdigest()
    assert manifest["items"]["script_user"]["md5"] == md5
    assert desired == {"script_user": lab.url("releases/bob/main.py"), "script_user_ver": md5}
    assert (tmp_path / EUI / "fat" / "main.py").read_bytes() == BOB
    assert not [p.name for p in (tmp_path / EUI / "fat").iterdir() if p.name != "main.py"]
    assert all(line.startswith(f"[{EUI}] ") for line in dev.lines)
    assert not any("Alice" in line for line in dev.lines[bob_at:])
    # Alice's loop reset, the next boot installed and reset, the one after ran Bob.
    assert [b.action.name for b in boots] == ["RUN", "REBOOT", "RUN"]
    assert lab.requests["/releases/bob/main.py"] == 1
    assert rep["script_user_ver"] == md5
    assert rep["script_user"] == desired["script_user"]
    assert rep["ota"]["state"] == "idle"


def test_a_fleet_updates_through_one_gateway(tmp_path) -> None:
    euis = [f"00124b00000f{i:04x}" for i in range(1, 6)]
    with Lab(tmp_path) as lab:
        devs = [lab.device(tmp_path, eui, ALICE) for eui in euis]
        for dev in devs:
            dev.wait_line("Hello! I'm Alice.")
        dist = tmp_path / "dist"
        result = run(
            "release", "--script", EXAMPLES / "bob" / "main.py",
            "--base-url", lab.url("releases/bob/"), "--out", dist,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        desired = lab.publish(dist, "bob")["state"]["desired"]
        for eui in euis:
            lab.set_desired(eui, desired)
        for dev in devs:
            dev.wait_line("Hello! I'm Bob.")
            dev.stop()
        reported = [lab.reported(eui)["script_user_ver"] for eui in euis]

    assert reported == [hashlib.md5(BOB).hexdigest()] * len(euis)
    for eui, dev in zip(euis, devs, strict=True):
        assert (tmp_path / eui / "fat" / "main.py").read_bytes() == BOB
        assert all(line.startswith(f"[{eui}] ") for line in dev.lines)
    # The gateway fetched the file once and served it to every device.
    assert lab.requests["/releases/bob/main.py"] == 1
