# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""A firmware image released with `degutool release`, installed through the simulated MCUboot.

The device is booted one reset at a time (``boot_once``) so each test can say what happens
at every reset: download and test request, swap and confirmation, or revert.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from degutool import keys
from degutool.sim import mcuboot
from degutool.sim.binding import BootAction
from degutool.sim.runtime import Outcome

from .e2e_lab import Lab
from .helpers import run

EUI = "00124b000000f1a5"
SCRIPT = b"print('up')\n"


def _release(lab: Lab, tmp: Path, firmware: Path, key: Path) -> tuple[dict, dict]:
    dist = tmp / "dist"
    result = run(
        "release", "--firmware", firmware, "--key", key, "--version", "2.0.0+7",
        "--base-url", lab.url("releases/fw/"), "--out", dist,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((dist / "manifest.json").read_text())
    return manifest, lab.publish(dist, "fw")["state"]["desired"]


def test_firmware_swaps_in_and_is_confirmed(tmp_path, signed_image, firmware_bin, ecdsa_key):
    old = signed_image.read_bytes()
    with Lab(tmp_path) as lab:
        dev = lab.provision(tmp_path, EUI, SCRIPT, firmware=old)
        first = dev.boot_once()
        assert (first.swap, first.action, first.script) == (
            mcuboot.SwapType.NONE, BootAction.RUN, Outcome.EXITED,
        )  # fmt: skip
        assert lab.reported(EUI)["firmware_system_ver"] == hashlib.md5(old).hexdigest()

        manifest, desired = _release(lab, tmp_path, firmware_bin, ecdsa_key)
        lab.set_desired(EUI, desired)
        new = (tmp_path / "dist" / "degu.bin").read_bytes()
        md5 = manifest["items"]["firmware_system"]["md5"]

        fetched = dev.boot_once()
        assert fetched.action is BootAction.REBOOT
        slot1 = (tmp_path / EUI / "slot1.bin").read_bytes()
        assert slot1[: len(new)] == new
        assert mcuboot.read_trailer(slot1).swap_type is mcuboot.SwapType.TEST

        trial = dev.boot_once()
        assert (trial.swap, trial.firmware_version, trial.action, trial.script) == (
            mcuboot.SwapType.TEST, "2.0.0+7", BootAction.RUN, Outcome.EXITED,
        )  # fmt: skip
        rep = lab.reported(EUI)

        settled = dev.boot_once()
        rep_after = lab.reported(EUI)

    assert md5 == hashlib.md5(new).hexdigest()
    assert rep["firmware_system_ver"] == md5
    assert rep["firmware_system"] == lab.url("releases/fw/degu.bin")
    # The boot that confirmed the swapped-in image runs it: idle ("updated" is "rebooting").
    assert (rep["ota"]["state"], rep["ota"]["item"]) == ("idle", ""), json.dumps(rep)
    assert "firmware_system" not in rep["ota"].get("items", {}), json.dumps(rep)
    slot0 = (tmp_path / EUI / "slot0.bin").read_bytes()
    assert slot0[: len(new)] == new
    state = mcuboot.read_trailer(slot0)
    assert (state.image_ok, state.copy_done) == (mcuboot.Flag.SET, mcuboot.Flag.SET)
    assert (settled.swap, settled.firmware_version) == (mcuboot.SwapType.NONE, "2.0.0+7")
    assert rep_after["firmware_system_ver"] == md5
    assert rep_after["ota"]["state"] == "idle", json.dumps(rep_after)
    assert "firmware_system" not in rep_after["ota"].get("items", {}), json.dumps(rep_after)
    assert lab.requests["/releases/fw/degu.bin"] == 1


def test_unconfirmed_firmware_is_reverted(tmp_path, signed_image, firmware_bin, ecdsa_key):
    old = signed_image.read_bytes()
    with Lab(tmp_path) as lab:
        dev = lab.provision(tmp_path, EUI, b"import machine\nmachine.reset()\n", firmware=old)
        _, desired = _release(lab, tmp_path, firmware_bin, ecdsa_key)
        lab.set_desired(EUI, desired)
        assert dev.boot_once().action is BootAction.REBOOT

        # The new image comes up without its gateway: it never gets to confirm itself.
        port = lab.server.port
        lab.server.stop_thread()
        trial = dev.boot_once()
        assert (trial.swap, trial.firmware_version) == (mcuboot.SwapType.TEST, "2.0.0+7")
        assert trial.ota_rc < 0
        assert trial.script is Outcome.RESET
        slot0 = (tmp_path / EUI / "slot0.bin").read_bytes()
        assert mcuboot.read_trailer(slot0).image_ok is mcuboot.Flag.UNSET

        lab.server.port = port
        lab.server.start_thread()
        reverted = dev.boot_once()
        rep = lab.reported(EUI)

    assert reverted.swap is mcuboot.SwapType.REVERT
    assert reverted.firmware_version == "1.2.3+4"
    slot0 = (tmp_path / EUI / "slot0.bin").read_bytes()
    assert slot0[: len(old)] == old
    assert mcuboot.read_trailer(slot0).image_ok is mcuboot.Flag.SET
    assert rep["firmware_system_ver"] == hashlib.md5(old).hexdigest()


def test_image_signed_with_another_key_is_refused(
    tmp_path, signed_image, firmware_bin, ecdsa_key, rsa_key
):
    old = signed_image.read_bytes()
    with Lab(tmp_path) as lab:
        dev = lab.provision(tmp_path, EUI, SCRIPT, firmware=old)
        dev.bootloader_key = keys.load(ecdsa_key)
        _, desired = _release(lab, tmp_path, firmware_bin, rsa_key)
        lab.set_desired(EUI, desired)
        boots = [dev.boot_once()]
        while boots[-1].action is BootAction.REBOOT and len(boots) < 10:
            boots.append(dev.boot_once())
        rep = lab.reported(EUI)

    # Each attempt: downloaded and verified by the core, refused by the bootloader's key
    # check, then counted as reverted; the third ends the loop.
    assert [b.action for b in boots] == [BootAction.REBOOT] * 3 + [BootAction.RUN]
    for refused in boots[1:]:
        assert refused.swap is mcuboot.SwapType.NONE
        assert refused.firmware_version == "1.2.3+4"
        assert "signed for key" in (refused.rejected or "")
    assert (tmp_path / EUI / "slot1.bin").read_bytes() == bytes(mcuboot.erased_slot())
    assert (tmp_path / EUI / "slot0.bin").read_bytes()[: len(old)] == old
    assert rep["firmware_system_ver"] == hashlib.md5(old).hexdigest()
    record = rep["ota"]["items"]["firmware_system"]
    assert (record["ver"], record["attempts"], record["error"]) == (
        desired["firmware_system_ver"], 3, "reverted",
    )  # fmt: skip


def test_signed_release_boots_under_the_bootloader_key(
    tmp_path, signed_image, firmware_bin, ecdsa_key
):
    with Lab(tmp_path) as lab:
        dev = lab.provision(tmp_path, EUI, SCRIPT, firmware=signed_image.read_bytes())
        dev.bootloader_key = keys.load(ecdsa_key)
        _, desired = _release(lab, tmp_path, firmware_bin, ecdsa_key)
        lab.set_desired(EUI, desired)
        assert dev.boot_once().action is BootAction.REBOOT
        trial = dev.boot_once()
        rep = lab.reported(EUI)
    assert (trial.swap, trial.firmware_version) == (mcuboot.SwapType.TEST, "2.0.0+7")
    assert rep["firmware_system_ver"] == desired["firmware_system_ver"]
