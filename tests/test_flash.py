# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Flashing: the plan, the order of probe calls, and every refusal, on a fake probe."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from degutool import flash
from degutool.cli import cli
from degutool.cli import flash as flash_cli
from degutool.errors import ProbeError
from degutool.layout import DEFAULT, FLASH_SIZE, IMAGE_HEADER_SIZE
from intelhex import IntelHex

from .firmware.build import sign_with_imgtool
from .helpers import flipped, imgtool_signed

SECTOR = flash.SECTOR_SIZE


class FakeProbe:
    """A probe over 1 MB of simulated flash that records every call."""

    def __init__(self, locked: bool = False, stuck_at: int | None = None) -> None:
        self.memory = bytearray(b"\xa5" * FLASH_SIZE)  # old contents, not erased
        self.locked = locked
        self.stuck_at = stuck_at
        self.calls: list[tuple] = []

    def is_locked(self) -> bool:
        self.calls.append(("is_locked",))
        return self.locked

    def mass_erase(self) -> None:
        self.calls.append(("mass_erase",))
        self.memory[:] = b"\xff" * FLASH_SIZE
        self.locked = False

    def erase_sector(self, address: int) -> None:
        assert not self.locked and address % SECTOR == 0
        self.calls.append(("erase", address))
        self.memory[address : address + SECTOR] = b"\xff" * SECTOR

    def program(self, address: int, data: bytes) -> None:
        assert not self.locked and set(self.memory[address : address + len(data)]) == {0xFF}
        self.calls.append(("program", address, len(data)))
        self.memory[address : address + len(data)] = data
        if self.stuck_at is not None and address <= self.stuck_at < address + len(data):
            self.memory[self.stuck_at] = 0x00

    def read(self, address: int, size: int) -> bytes:
        self.calls.append(("read", address, size))
        return bytes(self.memory[address : address + size])

    def reset(self) -> None:
        self.calls.append(("reset",))

    def close(self) -> None:
        self.calls.append(("close",))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, build_firmware) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("flash-inputs")
    slot0 = DEFAULT.slot0.offset
    boot = build_firmware("boot", origin=0, chain_to=slot0 + IMAGE_HEADER_SIZE)
    app = build_firmware("app5000", filler=5000)
    factory = IntelHex(str(boot.hex))
    factory.merge(IntelHex(str(app.hex)), overlap="replace")
    factory.write_hex_file(str(out / "both.hex"))
    return {
        "boot.hex": boot.hex,
        "boot.bin": boot.bin,
        "app.hex": app.hex,
        "degu.bin": sign_with_imgtool(out, app),
        "both.hex": out / "both.hex",
    }


def test_plan_erases_the_sectors_with_data_only(files: dict[str, Path]) -> None:
    app = IntelHex(str(files["app.hex"]))
    start, end = app.minaddr(), app.maxaddr() + 1  # 0x14200 .. past 0x15000
    plan = flash.make_plan(flash.load(files["both.hex"]))

    assert plan.erase == [0x0] + list(range(0x14000, end, SECTOR))
    assert [a for a, _ in plan.program] == plan.erase
    assert plan.size == (files["boot.bin"].stat().st_size + end - start)
    first_app = dict(plan.expected)[0x14000]
    assert first_app[:0x200] == b"\xff" * 0x200  # the header gap is erased, not written
    assert first_app[0x200:] == app.tobinstr(0x14200, size=SECTOR - 0x200)


def test_plan_of_a_raw_binary_skips_programming_erased_sectors(tmp_path: Path) -> None:
    raw = bytearray(b"\xff" * (3 * SECTOR))
    raw[10] = 0x01
    raw[2 * SECTOR + 5] = 0x02
    path = tmp_path / "part.bin"
    path.write_bytes(raw)

    plan = flash.make_plan(flash.load(path, address=0x14000))

    assert plan.erase == [0x14000, 0x15000, 0x16000]
    assert [a for a, _ in plan.program] == [0x14000, 0x16000]
    assert plan.size == 3 * SECTOR


@pytest.mark.parametrize(
    "address, size, message",
    [
        (FLASH_SIZE - 4, 8, "has data at 0x0ffffc-0x100003, outside the nRF52840's flash"),
        (0x10001208, 4, "has data at 0x10001208-0x1000120b, outside the nRF52840's flash"),
    ],
)
def test_plan_refuses_data_outside_flash(address: int, size: int, message: str) -> None:
    data = IntelHex()
    data.puts(address, b"\x5a" * size)
    with pytest.raises(flash.LayoutError, match=message):
        flash.make_plan(data, "x.hex")


def test_run_order_erase_program_verify_reset(files: dict[str, Path]) -> None:
    plan = flash.make_plan(flash.load(files["degu.bin"], address=0x14000))
    probe = FakeProbe()
    steps: list[tuple[str, int, int]] = []

    recovered = flash.run(plan, probe, progress=lambda *a: steps.append(a))

    image = files["degu.bin"].read_bytes()
    end = 0x14000 + len(image)
    sectors = list(range(0x14000, end, SECTOR))
    assert len(sectors) == 2
    assert recovered is False
    assert probe.calls == (
        [("is_locked",)]
        + [("erase", a) for a in sectors]
        + [("program", a, SECTOR) for a in sectors]
        + [("read", a, SECTOR) for a in sectors]
        + [("reset",)]
    )
    assert bytes(probe.memory[0x14000:end]) == image
    assert set(probe.memory[end : sectors[-1] + SECTOR]) == {0xFF}
    assert probe.memory[sectors[-1] + SECTOR] == 0xA5  # the next sector is left alone
    total = 2 * SECTOR
    assert steps == [
        ("erase", SECTOR, total),
        ("erase", total, total),
        ("program", SECTOR, total),
        ("program", total, total),
        ("verify", SECTOR, total),
        ("verify", total, total),
    ]


def test_no_verify_reads_nothing(files: dict[str, Path]) -> None:
    probe = FakeProbe()
    flash.run(flash.make_plan(flash.load(files["boot.hex"])), probe, verify=False)
    assert probe.calls == [("is_locked",), ("erase", 0), ("program", 0, SECTOR), ("reset",)]


def test_locked_part_is_never_mass_erased_unasked(files: dict[str, Path]) -> None:
    probe = FakeProbe(locked=True)
    plan = flash.make_plan(flash.load(files["boot.hex"]))

    with pytest.raises(ProbeError) as err:
        flash.run(plan, probe)

    assert str(err.value).startswith(
        "the nRF52840 is locked (APPROTECT): its flash cannot be read or written. "
        "`degutool flash --recover FILE` mass-erases it"
    )
    assert probe.calls == [("is_locked",)]


def test_recover_mass_erases_a_locked_part_then_flashes(files: dict[str, Path]) -> None:
    probe = FakeProbe(locked=True)
    plan = flash.make_plan(flash.load(files["boot.hex"]))

    assert flash.run(plan, probe, recover=True) is True
    assert probe.calls == [
        ("is_locked",),
        ("mass_erase",),
        ("program", 0, SECTOR),
        ("read", 0, SECTOR),
        ("reset",),
    ]
    assert set(probe.memory[SECTOR:]) == {0xFF}


def test_recover_on_an_unlocked_part_erases_only_sectors(files: dict[str, Path]) -> None:
    probe = FakeProbe()
    flash.run(flash.make_plan(flash.load(files["boot.hex"])), probe, recover=True)
    assert ("mass_erase",) not in probe.calls
    assert probe.memory[SECTOR] == 0xA5


def test_verify_mismatch_names_the_address_and_does_not_reset(files: dict[str, Path]) -> None:
    probe = FakeProbe(stuck_at=0x14210)
    plan = flash.make_plan(flash.load(files["degu.bin"], address=0x14000))
    expected = files["degu.bin"].read_bytes()[0x210]

    with pytest.raises(
        ProbeError, match=f"verify failed at 0x014210: wrote 0x{expected:02x}, read 0x00"
    ):
        flash.run(plan, probe)
    assert ("reset",) not in probe.calls


@pytest.mark.parametrize(
    "available, wanted, result",
    [
        ([("0240000032044e45", "DAPLink CMSIS-DAP")], None, "0240000032044e45"),
        ([("A1", "J-Link"), ("B2", "ST-Link")], "b2", "B2"),
        ([("683001234", "J-Link"), ("0240000032044e45", "DAPLink")], "6830", "683001234"),
    ],
)
def test_select_probe(available: list[tuple[str, str]], wanted: str | None, result: str) -> None:
    assert flash.select_probe(available, wanted) == result


@pytest.mark.parametrize(
    "available, wanted, message",
    [
        ([], None, "no debug probe found: connect a CMSIS-DAP, J-Link or ST-Link probe"),
        (
            [("A1", "J-Link"), ("B2", "ST-Link")],
            None,
            "2 probes attached: A1 (J-Link), B2 (ST-Link); choose one with --probe",
        ),
        (
            [("A1", "J-Link")],
            "C3",
            "no attached probe match --probe C3; attached: A1 (J-Link)",
        ),
    ],
)
def test_select_probe_refusals(
    available: list[tuple[str, str]], wanted: str | None, message: str
) -> None:
    with pytest.raises(ProbeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        flash.select_probe(available, wanted)


def test_real_connector_without_a_probe_says_so(files: dict[str, Path]) -> None:
    """pyOCD's own enumeration, on a machine with no probe attached (CI and this one)."""
    with pytest.raises(ProbeError, match="no debug probe found"):
        flash.connect_pyocd(None)


def _cli(monkeypatch: pytest.MonkeyPatch, probe: FakeProbe, args: list[str], tty: bool = False):
    ticks = iter([100.0, 100.5])
    monkeypatch.setattr(flash, "_clock", lambda: next(ticks))
    monkeypatch.setattr(flash, "connect_pyocd", lambda unique_id: probe)
    monkeypatch.setattr(flash_cli, "_is_terminal", lambda stream: tty)
    return CliRunner().invoke(cli, ["flash", *args])


def test_cli_on_a_pipe_prints_only_the_summary(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]
) -> None:
    probe = FakeProbe()
    path = files["degu.bin"]
    result = _cli(monkeypatch, probe, [str(path), "--address", "0x14000"])

    size = path.stat().st_size
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: {size} bytes in 0.50 s ({size / 500:.1f} kB/s)\n"
    assert result.stderr == ""
    assert probe.calls[-2:] == [("reset",), ("close",)]


def test_cli_on_a_terminal_shows_progress(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]
) -> None:
    result = _cli(monkeypatch, FakeProbe(), [str(files["boot.hex"])], tty=True)

    assert result.exit_code == 0, result.output
    lines = result.stderr.split("\n")
    assert lines[0].endswith("erase   [" + "#" * 30 + "] 100%")
    assert lines[1].endswith("program [" + "#" * 30 + "] 100%")
    assert lines[2].endswith("verify  [" + "#" * 30 + "] 100%")


@pytest.mark.parametrize("before, after", [([], ["--quiet"]), (["-q"], [])])
def test_cli_quiet_prints_nothing(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, Path], before: list[str], after: list[str]
) -> None:
    monkeypatch.setattr(flash, "connect_pyocd", lambda unique_id: FakeProbe())
    monkeypatch.setattr(flash_cli, "_is_terminal", lambda stream: True)

    result = CliRunner().invoke(cli, [*before, "flash", str(files["boot.hex"]), *after])

    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr == ""


def test_cli_locked_without_recover(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]
) -> None:
    probe = FakeProbe(locked=True)
    result = _cli(monkeypatch, probe, [str(files["boot.hex"])])

    assert result.exit_code == 1
    assert result.stderr.startswith("degutool: error: the nRF52840 is locked (APPROTECT)")
    assert "--recover" in result.stderr
    assert probe.calls == [("is_locked",), ("close",)]


def test_cli_recover(monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]) -> None:
    probe = FakeProbe(locked=True)
    result = _cli(monkeypatch, probe, [str(files["boot.hex"]), "--recover"])

    size = files["boot.bin"].stat().st_size
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{files['boot.hex']}: {size} bytes in 0.50 s ({size / 500:.1f} kB/s), after a mass erase\n"
    )
    assert ("mass_erase",) in probe.calls


def test_cli_no_probe(monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]) -> None:
    def none_attached(unique_id: str | None) -> flash.Probe:
        return flash.PyOcdProbe.open(unique_id)

    monkeypatch.setattr(flash, "connect_pyocd", none_attached)
    result = CliRunner().invoke(cli, ["flash", str(files["boot.hex"]), "--probe", "X1"])

    assert result.exit_code == 1
    assert result.stderr == (
        "degutool: error: no debug probe found: connect a CMSIS-DAP, J-Link or ST-Link probe "
        "to the Degu's SWD header and to USB (on Linux, check the probe's udev rule)\n"
    )


@pytest.mark.parametrize(
    "make, args, exit_code, message",
    [
        (None, ["missing.hex"], 2, "{tmp}/missing.hex: cannot read (No such file or directory)"),
        ("bad.hex", ["bad.hex"], 2, "{tmp}/bad.hex: not a valid Intel HEX file"),
        (
            "big.bin",
            ["big.bin", "--address", "0xff000"],
            1,
            "{tmp}/big.bin has data at 0x0ff000-0x100fff, outside the nRF52840's flash",
        ),
        ("big.bin", ["big.bin", "--address", "zz"], 2, "'zz' is not an address"),
    ],
    ids=["missing", "bad-hex", "past-flash", "bad-address"],
)
def test_cli_refuses_bad_input_before_connecting(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    make: str | None,
    args: list[str],
    exit_code: int,
    message: str,
) -> None:
    if make == "bad.hex":
        (tmp_path / make).write_text("not a hex file\n")
    elif make == "big.bin":
        (tmp_path / make).write_bytes(b"\x00" * 0x2000)
    connected: list[str | None] = []
    monkeypatch.setattr(flash, "connect_pyocd", lambda uid: connected.append(uid) or FakeProbe())

    result = CliRunner().invoke(cli, ["flash", str(tmp_path / args[0]), *args[1:]])

    assert result.exit_code == exit_code
    assert message.replace("{tmp}", str(tmp_path)) in result.stderr
    assert connected == []


def test_pyocd_api_used_by_the_seam_exists() -> None:
    """PyOcdProbe calls these pyOCD 0.46 names; a pin bump that drops one fails here."""
    from pyocd.core.helpers import ConnectHelper
    from pyocd.core.memory_map import MemoryMap
    from pyocd.core.options import OPTIONS_INFO
    from pyocd.core.session import Session
    from pyocd.flash.eraser import FlashEraser
    from pyocd.flash.flash import Flash
    from pyocd.target import TARGET
    from pyocd.target.family.target_nRF52 import NRF52

    assert callable(ConnectHelper.get_all_connected_probes)
    assert all(callable(getattr(Session, n)) for n in ("open", "close"))
    assert isinstance(Session.target, property)
    assert FlashEraser.Mode.SECTOR and Flash.Operation.PROGRAM
    assert all(
        callable(getattr(Flash, n)) for n in ("init", "cleanup", "program_page", "get_page_info")
    )
    assert callable(MemoryMap.get_region_for_address)
    assert callable(NRF52.is_locked) and callable(NRF52.mass_erase)
    assert issubclass(TARGET[flash.TARGET], NRF52)
    assert {"auto_unlock", "target_override", "frequency"} <= set(OPTIONS_INFO)
    assert OPTIONS_INFO["auto_unlock"].default is True  # hence PyOcdProbe turns it off
    assert flash.PyOcdProbe.OPTIONS == {
        "target_override": "nrf52840",
        "frequency": 4_000_000,
        "auto_unlock": False,
    }


class _FakeFlash:
    """Stands for pyOCD's Flash of the nRF52840's one region (4 KB pages)."""

    class Operation:
        PROGRAM = "program"

    def __init__(self, log: list[tuple]) -> None:
        self.log = log

    def init(self, operation: str) -> None:
        self.log.append(("init", operation))

    def get_page_info(self, address: int):
        return type("PageInfo", (), {"size": 0x1000})()

    def program_page(self, address: int, data: bytes) -> None:
        self.log.append(("program_page", address, len(data)))

    def cleanup(self) -> None:
        self.log.append(("cleanup",))


class _FakeTarget:
    def __init__(self, log: list[tuple], locked: bool) -> None:
        self.log = log
        self.locked = locked
        self.ctrl_ap = object()
        flash_ = _FakeFlash(log)
        region = type("Region", (), {"flash": flash_})()
        self.memory_map = type("MemoryMap", (), {"get_region_for_address": lambda s, a: region})()

    def is_locked(self) -> bool:
        return self.locked

    def mass_erase(self) -> bool:
        self.log.append(("mass_erase",))
        return True

    def read_memory_block8(self, address: int, size: int) -> list[int]:
        self.log.append(("read", address, size))
        return [0xAB] * size

    def reset(self) -> None:
        self.log.append(("reset",))


def _fake_pyocd(monkeypatch: pytest.MonkeyPatch, locked_opens: int) -> list[tuple]:
    """Sessions whose first ``locked_opens`` opens fail as on a locked part."""
    import pyocd.core.session

    log: list[tuple] = []
    opens = {"n": 0}

    class FakeSession:
        def __init__(self, probe: object, options: dict) -> None:
            log.append(("session", dict(options)))
            self.target = _FakeTarget(log, locked=opens["n"] < locked_opens)

        def open(self) -> None:
            opens["n"] += 1
            if self.target.locked:
                raise RuntimeError("AHB-AP locked")

        def close(self) -> None:
            log.append(("close",))

    monkeypatch.setattr(pyocd.core.session, "Session", FakeSession)
    return log


def test_pyocd_probe_maps_the_seam_onto_pyocd(monkeypatch: pytest.MonkeyPatch) -> None:
    log = _fake_pyocd(monkeypatch, locked_opens=0)
    probe = flash.PyOcdProbe(None, type("DebugProbe", (), {"unique_id": "U1"})())
    probe._connect()

    assert probe.is_locked() is False
    probe.program(0x14000, b"\x01" * 0x2000)
    assert probe.read(0x14000, 4) == b"\xab" * 4
    probe.reset()
    probe.close()
    assert log == [
        ("session", {"target_override": "nrf52840", "frequency": 4_000_000, "auto_unlock": False}),
        ("init", "program"),
        ("program_page", 0x14000, 0x1000),
        ("program_page", 0x15000, 0x1000),
        ("cleanup",),
        ("read", 0x14000, 4),
        ("reset",),
        ("close",),
    ]


def test_pyocd_probe_on_a_locked_part_reconnects_after_mass_erase(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = _fake_pyocd(monkeypatch, locked_opens=1)
    probe = flash.PyOcdProbe(None, type("DebugProbe", (), {"unique_id": "U1"})())
    probe._connect()

    assert probe.is_locked() is True
    probe.mass_erase()
    assert probe.is_locked() is False
    assert [e[0] for e in log] == ["session", "mass_erase", "close", "session"]


@pytest.fixture(scope="module")
def raw_files(tmp_path_factory: pytest.TempPathFactory, files: dict[str, Path], build_firmware):
    """Raw binaries of every kind `degutool flash` must place (or refuse) by itself."""
    from degutool import factory, storage

    out = tmp_path_factory.mktemp("flash-raw")
    volume = out / "storage.img"
    volume.write_bytes(storage.build_volume({"main.py": b"print(1)\n"}))
    factory.write(out / "f.hex", out / "factory.bin", files["boot.hex"], files["degu.bin"])
    good = files["degu.bin"].read_bytes()
    (out / "tampered.bin").write_bytes(flipped(good, IMAGE_HEADER_SIZE + 40))
    whole = (out / "factory.bin").read_bytes()
    (out / "tampered-factory.bin").write_bytes(flipped(whole, DEFAULT.slot0.offset + 0x240))
    (out / "half-volume.img").write_bytes(volume.read_bytes()[:8192])
    (out / "zeros.img").write_bytes(bytes(DEFAULT.storage.size))
    zephyr = build_firmware("zephyr", origin=DEFAULT.slot0.offset, gap=IMAGE_HEADER_SIZE)
    return {
        **files,
        "storage.img": volume,
        "factory.bin": out / "factory.bin",
        "tampered.bin": out / "tampered.bin",
        "tampered-factory.bin": out / "tampered-factory.bin",
        "half-volume.img": out / "half-volume.img",
        "zeros.img": out / "zeros.img",
        "zephyr.bin": zephyr.bin,
        "ramload.bin": imgtool_signed(build_firmware("app5000", filler=5000).bin,
                                      out / "ramload.bin", load_addr=0x20000000),
    }  # fmt: skip


@pytest.mark.parametrize(
    "name, address, first_sector",
    [
        ("degu.bin", None, 0x14000),  # a signed image goes to slot 0, not over MCUboot
        ("degu.bin", 0x82000, 0x82000),  # unless told otherwise
        ("factory.bin", None, 0x0),  # a whole-flash image from 0
        ("storage.img", None, 0xF8000),  # a FAT volume of the storage size to storage
        ("boot.bin", 0x0, 0x0),  # anything else only where --address says
        ("app.hex", None, 0x14000),  # a .hex where its records say
    ],
)
def test_where_a_file_goes(
    raw_files: dict[str, Path], name: str, address: int | None, first_sector: int
) -> None:
    plan = flash.make_plan(flash.load(raw_files[name], address))
    assert plan.erase[0] == first_sector
    if name.endswith(".hex"):
        return
    raw = raw_files[name].read_bytes()
    assert plan.expected[0][1][: len(raw)] == raw[:SECTOR]


#: (file, exit code, message with {file}) of raw files flash refuses before any probe is used.
PLACE_REFUSALS = [
    ("zephyr.bin", 2, "{file}: a raw binary of {size} bytes that is neither a 1048576-byte "
     "factory image (goes to 0), a signed MCUboot image (slot 0, 0x14000) nor a 16384-byte FAT "
     "volume (storage, 0xf8000); give --address, flash the .hex, or sign a firmware first with "
     "`degutool sign`"),
    ("boot.bin", 2, "{file}: a raw binary of {size} bytes that is neither"),
    ("half-volume.img", 2, "{file}: a raw binary of 8192 bytes that is neither"),
    ("zeros.img", 2, "{file}: a raw binary of 16384 bytes that is neither"),
    ("tampered.bin", 1, "{file} (slot 0 image at 0x14000): SHA256 TLV "),
    ("tampered-factory.bin", 1, "{file} (slot 0 image at 0x14000): SHA256 TLV "),
    ("ramload.bin", 1, "{file} (slot 0 image at 0x14000): header flags 0x20 (RAM_LOAD)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "exit_code", "message"), PLACE_REFUSALS)
def test_cli_refuses_what_it_cannot_place_or_boot(
    monkeypatch: pytest.MonkeyPatch,
    raw_files: dict[str, Path],
    name: str,
    exit_code: int,
    message: str,
) -> None:
    connected: list[str | None] = []
    monkeypatch.setattr(flash, "connect_pyocd", lambda uid: connected.append(uid) or FakeProbe())
    path = raw_files[name]
    result = CliRunner().invoke(cli, ["flash", str(path)])
    expected = message.format(file=path, size=path.stat().st_size)
    assert result.exit_code == exit_code, result.output
    assert result.stderr.startswith(f"degutool: error: {expected}"), result.stderr
    assert result.stderr.count("\n") == 1
    assert connected == []


@pytest.mark.parametrize("which, exit_code", [("own", 0), ("other", 1)])
def test_cli_key_verifies_the_slot0_image(
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, Path],
    ecdsa_key: Path,
    which: str,
    exit_code: int,
) -> None:
    key = files["degu.bin"].parent / "test-key.pem" if which == "own" else ecdsa_key
    probe = FakeProbe()
    result = _cli(monkeypatch, probe, [str(files["degu.bin"]), "--key", str(key)])
    assert result.exit_code == exit_code, result.output
    if exit_code:
        assert "signed for key" in result.stderr
        assert probe.calls == []


def test_cli_key_without_a_slot0_image_is_refused(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, Path], ecdsa_key: Path
) -> None:
    probe = FakeProbe()
    result = _cli(monkeypatch, probe, [str(files["boot.hex"]), "--key", str(ecdsa_key)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"degutool: error: {files['boot.hex']}: --key given but there is no MCUboot image at "
        "slot 0 (0x14000) to verify; leave out --key or give the signed image\n"
    )
    assert probe.calls == []


def test_cli_flashes_a_signed_image_to_slot0_by_default(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]
) -> None:
    probe = FakeProbe()
    result = _cli(monkeypatch, probe, [str(files["degu.bin"])])

    assert result.exit_code == 0, result.output
    image = files["degu.bin"].read_bytes()
    assert bytes(probe.memory[0x14000 : 0x14000 + len(image)]) == image
    assert probe.memory[0] == 0xA5  # MCUboot's sector untouched


def test_factory_hex_and_bin_flash_to_the_same_bytes(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    """factory → flash: the .hex leaves untouched sectors alone, the .bin sets them erased."""
    from degutool import factory, storage

    volume = tmp_path / "storage.img"
    volume.write_bytes(storage.build_volume({"main.py": b"print(1)\n"}))
    factory.write(
        tmp_path / "f.hex", tmp_path / "f.bin", files["boot.hex"], files["degu.bin"], volume
    )
    whole = (tmp_path / "f.bin").read_bytes()

    by_hex, by_bin = FakeProbe(), FakeProbe()
    flash.run(flash.make_plan(flash.load(tmp_path / "f.hex")), by_hex)
    flash.run(flash.make_plan(flash.load(tmp_path / "f.bin")), by_bin)

    assert bytes(by_bin.memory) == whole
    touched = {a for (kind, *rest) in by_hex.calls if kind == "erase" for a in rest}
    for sector in range(0, FLASH_SIZE, SECTOR):
        got = bytes(by_hex.memory[sector : sector + SECTOR])
        if sector in touched:
            assert got == whole[sector : sector + SECTOR]
        else:
            assert got == b"\xa5" * SECTOR
    assert sorted(touched) == [0x0, 0x14000, 0x15000] + list(range(0xF8000, 0xFC000, SECTOR))
