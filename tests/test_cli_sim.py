# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool sim provision` and the option parsing of `degutool sim run`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from degutool.cli import cli
from degutool.cli.sim import parse_gateway
from degutool.errors import InputError
from degutool.sim import mcuboot

from .simkit import make_image

EXAMPLES = Path(__file__).parent.parent / "examples"


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_provision_writes_a_bootable_device(tmp_path) -> None:
    folder = tmp_path / "dev"
    image = make_image(tmp_path, "fw", "1.2.3+4")
    fw = tmp_path / "fw.bin"
    result = _invoke(
        "sim", "provision", str(folder), "--eui64", "01:23:45:67:89:AB:CD:EF",
        "--script", str(EXAMPLES / "main.py"), "--config", str(EXAMPLES / "CONFIG"),
        "--firmware", str(fw),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"device 0123456789abcdef provisioned in {folder}\n"
    assert (folder / "eui64").read_text() == "0123456789abcdef\n"
    assert (folder / "fat" / "main.py").read_bytes() == (EXAMPLES / "main.py").read_bytes()
    assert (folder / "fat" / "CONFIG").read_bytes() == (EXAMPLES / "CONFIG").read_bytes()
    slot0 = (folder / "slot0.bin").read_bytes()
    assert slot0[: len(image)] == image
    state = mcuboot.read_trailer(slot0)
    assert (state.magic, state.image_ok) == (mcuboot.Magic.GOOD, mcuboot.Flag.SET)
    assert (folder / "slot1.bin").read_bytes() == bytes(mcuboot.erased_slot())
    boot = mcuboot.boot(folder)
    assert (boot.swap, boot.image.version) == (mcuboot.SwapType.NONE, "1.2.3+4")


def test_provision_default_firmware_is_a_valid_image(tmp_path) -> None:
    folder = tmp_path / "dev"
    result = _invoke("sim", "provision", str(folder), "--eui64", "00000000000000aa")
    assert result.exit_code == 0, result.stderr
    assert mcuboot.boot(folder).image.version == "0.0.0+0"
    assert not (folder / "fat" / "main.py").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--eui64", "0123"], "EUI-64 '0123' is not 16 hex digits"),
        (["--eui64", "0123456789abcdeg"], "EUI-64 '0123456789abcdeg' is not 16 hex digits"),
        (["--eui64", "0123456789abcdef", "--firmware", "NOTIMAGE"], "header magic is 0x"),
    ],
)
def test_provision_refuses_bad_input(tmp_path, args: list[str], message: str) -> None:
    notimage = tmp_path / "not-an-image.bin"
    notimage.write_bytes(b"\x00" * 1024)
    args = [str(notimage) if a == "NOTIMAGE" else a for a in args]
    folder = tmp_path / "dev"
    result = _invoke("sim", "provision", str(folder), *args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert result.stderr.startswith("degutool: error: ")
    assert not folder.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-an-image.bin"]


def test_provision_keeps_an_existing_device(tmp_path) -> None:
    folder = tmp_path / "dev"
    assert _invoke("sim", "provision", str(folder), "--eui64", "00000000000000aa").exit_code == 0
    result = _invoke("sim", "provision", str(folder), "--eui64", "00000000000000bb")
    assert result.exit_code == 2
    assert "exists and is not empty" in result.stderr
    assert "--force" in result.stderr
    assert (folder / "eui64").read_text() == "00000000000000aa\n"
    forced = _invoke("sim", "provision", str(folder), "--eui64", "00000000000000bb", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert (folder / "eui64").read_text() == "00000000000000bb\n"


def test_run_refuses_an_unprovisioned_folder(tmp_path) -> None:
    result = _invoke("sim", "run", str(tmp_path))
    assert result.exit_code == 1
    assert "is not a provisioned device" in result.stderr


@pytest.mark.parametrize(
    ("value", "host", "port"),
    [
        ("127.0.0.1:5690", "127.0.0.1", 5690),
        ("[::1]:5683", "::1", 5683),
        ("[::1]", "::1", 5683),
        ("localhost", "localhost", 5683),
    ],
)
def test_parse_gateway(value: str, host: str, port: int) -> None:
    gw = parse_gateway(value)
    assert (gw.host, gw.port) == (host, port)


@pytest.mark.parametrize("value", ["127.0.0.1:0", "127.0.0.1:x", "[::1]:70000"])
def test_parse_gateway_refuses(value: str) -> None:
    with pytest.raises(InputError, match="is not 1..65535"):
        parse_gateway(value)


def test_run_boots_and_runs_the_script(tmp_path) -> None:
    from .e2e_lab import Lab

    script = tmp_path / "main.py"
    script.write_text(
        "from machine import ADC, Pin\n"
        "print('adc', ADC(1).read(), 'pin', Pin(('GPIO_1', 8), Pin.IN, Pin.PULL_UP).value())\n"
    )
    folder = tmp_path / "dev"
    assert _invoke(
        "sim", "provision", str(folder), "--eui64", "00124b0000c11000", "--script", str(script)
    ).exit_code == 0  # fmt: skip
    with Lab(tmp_path / "lab") as lab:
        result = _invoke(
            "sim", "run", str(folder), "--gateway", f"127.0.0.1:{lab.server.port}",
            "--ack-timeout-ms", "200", "--max-boots", "1", "--adc", "1=0.9", "--pin", "GPIO_1.8=0",
        )  # fmt: skip
        rep = lab.reported("00124b0000c11000")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "[00124b0000c11000] adc 1024 pin 0\n"
    assert result.stderr.splitlines()[-1] == (
        "boot 1: swap none, firmware 0.0.0+0, ota_boot 0, run, main.py exited"
    )
    assert rep["script_user_ver"] == hashlib.md5(script.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--adc", "one=1"], "--adc 'one=1': use CHANNEL=VOLTS"),
        (["--pin", "GPIO_7.1=1"], "--pin 'GPIO_7.1=1': use PORT.PIN=LEVEL"),
        (["--gateway", "127.0.0.1:99999"], "port '99999' is not 1..65535"),
    ],
)
def test_run_refuses_bad_options(tmp_path, option: list[str], message: str) -> None:
    folder = tmp_path / "dev"
    assert _invoke("sim", "provision", str(folder), "--eui64", "00124b0000c11001").exit_code == 0
    result = _invoke("sim", "run", str(folder), *option)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_reboot_loop_is_stopped(tmp_path, monkeypatch) -> None:
    from degutool.errors import SimError
    from degutool.sim import device as device_mod
    from degutool.sim.binding import BootAction

    class AlwaysInstalls:
        """A core that installs something at every boot: the loop the guard exists for."""

        def __init__(self, *args: object) -> None:
            pass

        def boot(self) -> tuple[int, BootAction]:
            return 0, BootAction.REBOOT

        def __enter__(self) -> AlwaysInstalls:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    folder = device_mod.provision(tmp_path / "dev", "00124b0000c11002", None)
    monkeypatch.setattr(device_mod, "Device", AlwaysInstalls)
    dev = device_mod.SimDevice(folder, device_mod.Gateway(), console=lambda line: None)
    with pytest.raises(SimError, match="8 resets in a row installed something"):
        dev.run()
    assert len(dev.boots) == device_mod.MAX_REBOOTS_IN_A_ROW
