# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Updates that fail: the old main.py stays, the reason is reported, attempts are bounded.

Each case points desired at something that cannot be installed.  The device runs Alice's
loop (check_update, reset when it says 1): it tries the download at three boots, then the
item is held back, check_update says 0 and Alice keeps running.  The file server counts the
requests for the file, which must stay at three however long the device runs on.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
from degutool.sim import mcuboot

from .e2e_lab import Lab

EXAMPLES = Path(__file__).parent.parent / "examples"
ALICE = (EXAMPLES / "main.py").read_bytes()
BOB = (EXAMPLES / "bob" / "main.py").read_bytes()
BIG = b"# padding\n" * 1300 + b'print("Hello! I\'m Bob.")\n'
ATTEMPTS = 3


@pytest.mark.parametrize(
    ("path", "content", "ver", "reason"),
    [
        ("404/bob/main.py", BOB, hashlib.md5(BOB).hexdigest(), "HTTP 404"),
        ("bob/main.py", BOB, hashlib.md5(b"not bob").hexdigest(), "md5 "),
        ("cut100/bob/main.py", BOB, hashlib.md5(BOB).hexdigest(), "connection closed after 100"),
        ("big/main.py", BIG, hashlib.md5(BIG).hexdigest(), "over cap 12288"),
    ],
    ids=["404", "digest-mismatch", "cut-mid-file", "over-limit"],
)
def test_failed_update_keeps_old_script(tmp_path, path, content, ver, reason) -> None:
    eui = "00124b00000000e1"
    served = path.split("/", 1)[1] if path.startswith(("404/", "cut")) else path
    (tmp_path / "www" / served).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "www" / served).write_bytes(content)
    with Lab(tmp_path) as lab:
        dev = lab.device(tmp_path, eui, ALICE)
        dev.wait_line("Hello! I'm Alice.")
        lab.set_desired(eui, {"script_user": lab.url(path), "script_user_ver": ver})

        rep = lab.wait_reported(
            eui,
            lambda r: (
                r.get("ota", {}).get("items", {}).get("script_user", {}).get("attempts") == ATTEMPTS
            ),
            f"{ATTEMPTS} attempts",
        )
        count = lab.requests[f"/{path}"]
        seen = len(dev.lines)
        # Alice goes on (20 loops): no further download, no further boot.
        dev.wait_line("Hello! I'm Alice.", after=seen + 19)
        boots = len(dev.dev.boots)
        time.sleep(0.5)
        dev.stop()
        final = lab.reported(eui)

    record = rep["ota"]["items"]["script_user"]
    assert record["ver"] == ver
    assert record["attempts"] == ATTEMPTS
    assert reason in record["error"], json.dumps(rep)
    # The failure that reached the bound says held (the lab's status tool agrees).
    assert (rep["ota"]["state"], rep["ota"]["item"]) == ("held", "script_user"), json.dumps(rep)
    assert (final["ota"]["state"], final["ota"]["attempts"]) == ("held", ATTEMPTS)
    assert count == ATTEMPTS
    assert lab.requests[f"/{path}"] == ATTEMPTS
    # The first boot, before desired was set, then one boot per attempt.
    assert len(dev.dev.boots) == boots == 1 + ATTEMPTS
    assert final["script_user_ver"] == hashlib.md5(ALICE).hexdigest()
    assert "script_user" not in final
    assert (tmp_path / eui / "fat" / "main.py").read_bytes() == ALICE
    assert sorted(p.name for p in (tmp_path / eui / "fat").iterdir()) == ["main.py"]
    assert not any("Bob" in line for line in dev.lines)


def test_held_record_goes_after_a_good_release(tmp_path) -> None:
    eui = "00124b00000000e2"
    bad = hashlib.md5(b"not bob").hexdigest()
    good = hashlib.md5(BOB).hexdigest()
    (tmp_path / "www" / "bob").mkdir(parents=True)
    (tmp_path / "www" / "bob" / "main.py").write_bytes(BOB)
    with Lab(tmp_path) as lab:
        dev = lab.device(tmp_path, eui, ALICE)
        dev.wait_line("Hello! I'm Alice.")
        lab.set_desired(eui, {"script_user": lab.url("bob/main.py"), "script_user_ver": bad})
        held = lab.wait_reported(eui, lambda r: r.get("ota", {}).get("state") == "held", "held")
        lab.set_desired(eui, {"script_user": lab.url("bob/main.py"), "script_user_ver": good})
        dev.wait_line("Hello! I'm Bob.")
        dev.stop()
        final = lab.reported(eui)

    record = held["ota"]["items"]["script_user"]
    assert (record["ver"], record["attempts"]) == (bad, ATTEMPTS)
    assert record["error"].startswith("gateway 4.12 md5 "), json.dumps(held)
    # The shadow merges reports: the install's null deleted the record, and the boot that
    # runs Bob says idle with nothing left over.
    assert final["script_user_ver"] == good
    assert final["ota"].get("items", {}) == {}, json.dumps(final)
    assert {k: final["ota"][k] for k in ("state", "item", "error", "attempts")} == {
        "state": "idle", "item": "", "error": "", "attempts": 0,
    }, json.dumps(final)  # fmt: skip


def test_firmware_over_the_slot_keeps_old_image(tmp_path) -> None:
    eui = "00124b00000000f0"
    big = bytes(range(256)) * 1800  # 460800 bytes: more than slot 1 holds
    (tmp_path / "www").mkdir(parents=True)
    (tmp_path / "www" / "degu.bin").write_bytes(big)
    with Lab(tmp_path) as lab:
        dev = lab.device(tmp_path, eui, ALICE)
        dev.wait_line("Hello! I'm Alice.")
        old_slot0 = (tmp_path / eui / "slot0.bin").read_bytes()
        lab.set_desired(
            eui,
            {
                "firmware_system": lab.url("degu.bin"),
                "firmware_system_ver": hashlib.md5(big).hexdigest(),
            },
        )
        rep = lab.wait_reported(
            eui,
            lambda r: (
                r.get("ota", {}).get("items", {}).get("firmware_system", {}).get("attempts")
                == ATTEMPTS
            ),
            f"{ATTEMPTS} attempts",
        )
        seen = len(dev.lines)
        dev.wait_line("Hello! I'm Alice.", after=seen + 19)
        dev.stop()

    record = rep["ota"]["items"]["firmware_system"]
    assert "over cap 450560" in record["error"], json.dumps(rep)
    assert lab.requests["/degu.bin"] == ATTEMPTS
    assert len(dev.dev.boots) == 1 + ATTEMPTS
    assert (tmp_path / eui / "slot0.bin").read_bytes() == old_slot0
    assert (tmp_path / eui / "slot1.bin").read_bytes()[:4] == b"\xff" * 4
    length = mcuboot.parse_image(old_slot0).total_size
    assert rep["firmware_system_ver"] == hashlib.md5(old_slot0[:length]).hexdigest()
