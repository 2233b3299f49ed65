# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""A lab for the end-to-end tests: shadow store, gateway, file server, simulated devices.

Everything runs in the test process on loopback: the gateway (aiocoap) and the file server in
their own threads, each simulated device in a thread with its own library handle.  The file
server counts the requests per path, so a test can tell how many downloads were attempted.
"""

from __future__ import annotations

import collections
import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from degutool.gateway.backend import LocalBackend
from degutool.gateway.server import Gateway, GatewayServer
from degutool.lab.fileserver import FileServer
from degutool.shadow.document import ShadowRequestError
from degutool.shadow.store import ShadowStore
from degutool.sim import device as device_mod
from degutool.sim.runtime import Outcome

from .lab_helpers import FaultyHandler

#: Bound for every wait of the e2e tests (seconds).
WAIT = 60.0
#: CoAP ACK_TIMEOUT of the simulated devices: loopback answers in well under a millisecond.
ACK_TIMEOUT_MS = 200
#: The devices' main.py sleeps run this much faster than real time.
TIME_SCALE = 0.1


def thing(eui: str) -> str:
    """The thing name the gateway maps an EUI-64 to (its default template)."""
    return f"degu-{eui}"


class Lab:
    """Shadow store, gateway and counting file server under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.www = root / "www"
        root.mkdir(parents=True, exist_ok=True)
        self.store = ShadowStore(root / "shadow.db")
        self.gateway = Gateway(LocalBackend(self.store), root / "cache", fetch_timeout=10.0)
        self.server = GatewayServer(self.gateway, "127.0.0.1", 0)
        counts: collections.Counter[str] = collections.Counter()
        lock = threading.Lock()

        class Counting(FaultyHandler):
            def do_GET(self) -> None:
                with lock:
                    counts[self.path] += 1
                super().do_GET()

        self.requests = counts
        self.files = FileServer(self.www, handler=Counting)
        self.devices: list[RunningDevice] = []

    def __enter__(self) -> Lab:
        self.server.start_thread()
        self.files.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for dev in self.devices:
            dev.stop()
        self.server.stop_thread()
        self.files.stop()
        self.gateway.close()
        self.store.close()

    def url(self, path: str) -> str:
        """The file server's URL of ``path`` (relative to its root)."""
        return self.files.url + path

    def publish(self, dist: Path, name: str) -> dict[str, Any]:
        """Put a release folder on the file server under releases/NAME/; returns its desired."""
        target = self.www / "releases" / name
        shutil.copytree(dist, target)
        return json.loads((dist / "desired.json").read_text())

    def set_desired(self, eui: str, desired: dict[str, Any]) -> None:
        """Write ``{"state": {"desired": ...}}`` to the device's shadow."""
        self.store.update(thing(eui), json.dumps({"state": {"desired": desired}}).encode())

    def reported(self, eui: str) -> dict[str, Any]:
        """The device's reported state (empty before its first report)."""
        try:
            doc = self.store.get(thing(eui))
        except ShadowRequestError as e:
            if e.code != 404:
                raise
            return {}
        return doc.get("state", {}).get("reported", {})

    def wait_reported(self, eui: str, check: Any, what: str, timeout: float = WAIT) -> dict:
        """Poll reported until ``check(reported)`` holds; AssertionError with it on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            rep = self.reported(eui)
            if check(rep):
                return rep
            if time.monotonic() > deadline:
                raise AssertionError(f"reported never showed {what} in {timeout:g} s: {rep}")
            time.sleep(0.05)

    def provision(
        self, tmp: Path, eui: str, script: bytes | None, **provision: Any
    ) -> device_mod.SimDevice:
        """Provision a device in ``tmp/eui``, not started; its console lines are dropped."""
        folder = device_mod.provision(tmp / eui, eui, script, **provision)
        return device_mod.SimDevice(
            folder,
            device_mod.Gateway("127.0.0.1", self.server.port, ACK_TIMEOUT_MS),
            console=lambda line: None,
            time_scale=TIME_SCALE,
        )

    def device(self, tmp: Path, eui: str, script: bytes | None, **provision: Any) -> RunningDevice:
        """Provision a device in ``tmp/eui`` and start it in a thread."""
        running = RunningDevice(self.provision(tmp, eui, script, **provision))
        self.devices.append(running)
        return running.start()


class RunningDevice:
    """A :class:`SimDevice` booting in a thread; its console lines are kept."""

    def __init__(self, dev: device_mod.SimDevice) -> None:
        self.dev = dev
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self.error: BaseException | None = None
        dev.console = self._line
        self._thread = threading.Thread(target=self._run, name=f"sim-{dev.eui64}")

    @property
    def eui(self) -> str:
        return self.dev.eui64

    def _line(self, line: str) -> None:
        with self._cond:
            self.lines.append(line)
            self._cond.notify_all()

    def _run(self) -> None:
        try:
            self.dev.run()
        except BaseException as e:  # noqa: BLE001 - handed to the test through .error
            self.error = e

    def start(self) -> RunningDevice:
        self._thread.start()
        return self

    def wait_line(self, text: str, timeout: float = WAIT, after: int = 0) -> int:
        """Index of the first console line from ``after`` on that ends with ``text``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i in range(after, len(self.lines)):
                    if self.lines[i].endswith(text):
                        return i
                if self.error is not None:
                    raise AssertionError(f"device failed: {self.error!r}")
                left = deadline - time.monotonic()
                if left <= 0:
                    tail = "\n".join(self.lines[-10:])
                    raise AssertionError(f"device never printed {text!r} in {timeout:g} s:\n{tail}")
                self._cond.wait(min(left, 0.2))

    def stop(self) -> list[device_mod.BootRecord]:
        """Stop the device and wait for its thread; returns its boots."""
        self.dev.stop.set()
        self._thread.join(WAIT)
        assert not self._thread.is_alive(), "device thread did not stop"
        if self.error is not None:
            raise self.error
        return self.dev.boots

    def outcomes(self) -> list[Outcome | None]:
        return [b.script for b in self.dev.boots]
