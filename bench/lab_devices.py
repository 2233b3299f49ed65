# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""N simulated Degus boot, report and check against one gateway; prints rate and latency.

Each device is a thread of this process with its own library handle (libdegu_sim.so) and
folder.  Per device: one ``ota_boot()`` (report, read desired, nothing to install), then
``--checks`` calls of ``ota_check_update()`` and ``--reports`` of ``ota_update_shadow()``.
The lab (shadow service and gateway) runs in this process unless ``--gateway`` names one.

    python bench/lab_devices.py -n 100
    python bench/lab_devices.py -n 1000 --checks 2

Printed: CoAP requests per second over the whole run (counted by the operations'
request sequences in docs/protocol.md), and p50/p99/max latency per operation.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from degutool.sim import binding, device  # noqa: E402

#: CoAP requests per operation when nothing is to be installed (docs/protocol.md, "Device
#: sequence at boot"): POST thing, PUT + GET update/status, POST thing with the result.
REQUESTS = {"boot": 4, "check": 2, "report": 1}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _device_thread(
    folder: Path,
    gw: device.Gateway,
    checks: int,
    reports: int,
    start: threading.Barrier,
    results: dict[str, list[float]],
    errors: list[str],
    lock: threading.Lock,
) -> None:
    eui = device.read_eui64(folder)
    local: dict[str, list[float]] = {"boot": [], "check": [], "report": []}
    try:
        with binding.Device(folder, eui, gw.host, gw.port, gw.ack_timeout_ms) as dev:
            start.wait()
            t = time.perf_counter()
            rc, action = dev.boot()
            local["boot"].append(time.perf_counter() - t)
            if rc < 0 or action is not binding.BootAction.RUN:
                raise RuntimeError(f"ota_boot returned {rc}, action {action.name}")
            for _ in range(checks):
                t = time.perf_counter()
                if dev.check_update() != 0:
                    raise RuntimeError("check_update found an update; the bench sets none")
                local["check"].append(time.perf_counter() - t)
            for i in range(reports):
                t = time.perf_counter()
                dev.update_shadow('{"state":{"reported":{"bench":%d}}}' % i)
                local["report"].append(time.perf_counter() - t)
    except Exception as e:  # noqa: BLE001 - reported per device below
        with lock:
            errors.append(f"{eui}: {e}")
        return
    with lock:
        for k, v in local.items():
            results[k].extend(v)
