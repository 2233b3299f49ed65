# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Simulated Degus for `degutool lab up --devices N`, run by the sim package (degutool.sim).

Device *i* (from 1) has EUI-64 ``i`` as 16 hex digits and lives in ``<lab>/devices/<eui>``;
a folder kept from an earlier run is booted as it is, so what it installed stays installed.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InputError

log = logging.getLogger(__name__)


def _sim() -> Any:
    try:
        return importlib.import_module("degutool.sim.device")
    except ImportError as e:
        raise InputError(
            f"--devices needs the simulated Degu (degutool.sim), which cannot be loaded ({e}): "
            "run the lab without --devices and start devices with `degutool sim run`"
        ) from None


class Devices:
    """N simulated devices, each booting in its own thread against ``host:port``."""

    def __init__(
        self,
        folder: Path,
        count: int,
        host: str,
        port: int,
        console: Callable[[str], None],
        script: bytes | None = None,
        config: bytes | None = None,
    ) -> None:
        self.sim = _sim()
        self.folder = folder
        self.devices: list[Any] = []
        self._threads: list[threading.Thread] = []
        gateway = self.sim.Gateway(host, port)
        for i in range(1, count + 1):
            eui = f"{i:016x}"
            path = folder / eui
            if not (path / self.sim.ID_FILE).is_file():
                self.sim.provision(path, eui, script, config)
            elif script is not None or config is not None:
                # A kept device boots with what it holds, as a real one would after a reset.
                log.warning(
                    "device %s exists in %s: booted as it is, --script/--config not applied "
                    "(remove the folder to provision it anew)",
                    eui,
                    path,
                )
            self.devices.append(self.sim.SimDevice(path, gateway, console=console))

    @property
    def euis(self) -> list[str]:
        return [d.eui64 for d in self.devices]

    def start(self) -> Devices:
        """Boot every device (each in a thread)."""
        for dev in self.devices:
            thread = threading.Thread(target=self._run, args=(dev,), name=f"sim-{dev.eui64}")
            thread.start()
            self._threads.append(thread)
        return self

    @staticmethod
    def _run(dev: Any) -> None:
        try:
            dev.run()
        except Exception as e:  # one device failing must not stop the lab
            log.error("simulated device %s stopped: %s", dev.eui64, e)

    def stop(self, timeout: float = 15.0) -> None:
        """Ask every device to stop and wait for its thread."""
        for dev in self.devices:
            dev.stop.set()
        for thread in self._threads:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("device thread %s did not stop within %g s", thread.name, timeout)
        self._threads.clear()
