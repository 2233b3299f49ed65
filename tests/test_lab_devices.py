# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`lab up --devices`: the lab's side of running simulated Degus (degutool.sim's API stood in
for by a recorder, so this runs without the C library)."""

from __future__ import annotations

import sys
import threading
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from degutool.errors import InputError
from degutool.lab.devices import Devices


def _fake_sim() -> types.ModuleType:
    sim = types.ModuleType("degutool.sim.device")
    sim.ID_FILE = "eui64"
    sim.provisioned = []

    @dataclass
    class Gateway:
        host: str
        port: int

    def provision(folder: Path, eui: str, script, config) -> Path:
        folder.mkdir(parents=True)
        (folder / "eui64").write_text(eui + "\n")
        sim.provisioned.append((eui, script))
        return folder

    @dataclass
    class SimDevice:
        folder: Path
        gateway: Gateway
        console: object
        stop: threading.Event = field(default_factory=threading.Event)

        def __post_init__(self) -> None:
            self.eui64 = (self.folder / "eui64").read_text().strip()
            self.ran = threading.Event()

        def run(self) -> None:
            self.console(f"[{self.eui64}] up on {self.gateway.host}:{self.gateway.port}")
            self.ran.set()
            self.stop.wait(10)

    sim.Gateway, sim.provision, sim.SimDevice = Gateway, provision, SimDevice
    return sim


def test_devices_provision_run_stop(tmp_path: Path, monkeypatch, caplog) -> None:
    sim = _fake_sim()
    monkeypatch.setitem(sys.modules, "degutool.sim.device", sim)
    kept = tmp_path / "devices" / "0000000000000002"
    kept.mkdir(parents=True)
    (kept / "eui64").write_text("0000000000000002\n")
    lines: list[str] = []
    fleet = Devices(tmp_path / "devices", 3, "127.0.0.1", 5683, lines.append, script=b"x")
    assert fleet.euis == ["0000000000000001", "0000000000000002", "0000000000000003"]
    assert sim.provisioned == [("0000000000000001", b"x"), ("0000000000000003", b"x")]
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        f"device 0000000000000002 exists in {kept}: booted as it is, --script/--config not "
        "applied (remove the folder to provision it anew)"
    ]
    fleet.start()
    assert all(d.ran.wait(5) for d in fleet.devices)
    fleet.stop()
    assert all(d.stop.is_set() for d in fleet.devices)
    assert not any(t.name.startswith("sim-") for t in threading.enumerate())
    assert sorted(lines) == [f"[{e}] up on 127.0.0.1:5683" for e in fleet.euis]


def test_devices_without_sim(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "degutool.sim.device", None)
    with pytest.raises(InputError, match=r"--devices needs the simulated Degu \(degutool.sim\)"):
        Devices(tmp_path, 1, "127.0.0.1", 5683, print)
