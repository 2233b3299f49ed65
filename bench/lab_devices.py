# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""N simulated Degus boot, report and check against one gateway; prints rate and latency.

Each device is a thread of this process with its own library handle (libdegu_sim.so) and
folder.  Per device: one ``ota_boot()`` (report, read desired, nothing to install), then
``--checks`` calls of ``ota_check_update()`` and ``--reports`` of ``ota_update_shadow()``.
The lab (shadow service and gateway) runs in this process unless ``--gateway`` names one.

    python bench/lab_devices.py -n 100
    python bench/lab_devices.py -n 1000 --checks 2

Printed: CoAP requests per second over the whole run (counted where the in-process gateway
renders them, so retransmissions answered from aiocoap's cache are not counted twice), the
operations per second, and p50/p99/max latency per operation.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from degutool.sim import binding, device  # noqa: E402


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
                dev.update_shadow(json.dumps({"state": {"reported": {"bench": i}}}))
                local["report"].append(time.perf_counter() - t)
    except Exception as e:  # noqa: BLE001 - reported per device below
        start.abort()
        with lock:
            errors.append(f"{eui}: {e}")
        return
    with lock:
        for k, v in local.items():
            results[k].extend(v)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--devices", type=int, default=100, help="devices (1..1000)")
    parser.add_argument("--checks", type=int, default=3, help="check_update calls per device")
    parser.add_argument("--reports", type=int, default=1, help="update_shadow calls per device")
    parser.add_argument("--gateway", help="HOST:PORT of a running gateway (default: in-process)")
    parser.add_argument(
        "--ack-timeout-ms", type=int, default=0, help="CoAP ACK_TIMEOUT (0: RFC 7252's 2000)"
    )
    args = parser.parse_args()
    if not 1 <= args.devices <= 1000:
        parser.error(f"--devices {args.devices}: give 1..1000")

    from degutool.cli.sim import parse_gateway

    with tempfile.TemporaryDirectory(prefix="degu-bench-") as tmp:
        root = Path(tmp)
        lab = None
        if args.gateway:
            gw = parse_gateway(args.gateway)
        else:
            from degutool.gateway.backend import LocalBackend
            from degutool.gateway.server import Gateway, GatewayServer
            from degutool.shadow.store import ShadowStore

            class CountingGateway(Gateway):
                requests = 0

                async def render(self, request):  # noqa: ANN001,ANN202 - aiocoap's signature
                    CountingGateway.requests += 1
                    return await super().render(request)

            store = ShadowStore(root / "shadow.db")
            gateway = CountingGateway(LocalBackend(store), root / "cache")
            server = GatewayServer(gateway, "127.0.0.1", 0).start_thread()
            lab = (store, gateway, server)
            gw = device.Gateway("127.0.0.1", server.port)
        gw.ack_timeout_ms = args.ack_timeout_ms

        t = time.perf_counter()
        firmware = device.idle_firmware("1.0.0")
        folders = [
            device.provision(root / f"{i:016x}", f"{i:016x}", b"print('hi')\n", firmware=firmware)
            for i in range(1, args.devices + 1)
        ]
        print(f"provisioned {len(folders)} devices in {time.perf_counter() - t:.1f} s")

        results: dict[str, list[float]] = {"boot": [], "check": [], "report": []}
        errors: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(args.devices + 1)
        threads = [
            threading.Thread(
                target=_device_thread,
                args=(f, gw, args.checks, args.reports, start, results, errors, lock),
            )
            for f in folders
        ]
        for th in threads:
            th.start()
        try:
            start.wait(timeout=120)
        except threading.BrokenBarrierError:
            pass
        began = time.perf_counter()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - began
        if lab is not None:
            store, gateway, server = lab
            server.stop_thread()
            gateway.close()
            store.close()

    ok = args.devices - len(errors)
    operations = sum(len(v) for v in results.values())
    print(
        f"{args.devices} devices ({ok} ok), {args.checks} checks and {args.reports} reports "
        f"each, in {elapsed:.2f} s"
    )
    if lab is not None:
        requests = lab[1].requests
        print(f"CoAP requests at the gateway: {requests} ({requests / elapsed:.0f} per second)")
    print(f"operations: {operations} ({operations / elapsed:.0f} per second)")
    for kind, values in results.items():
        if values:
            ms = [v * 1000 for v in values]
            print(
                f"{kind:<7} n={len(ms):<5} p50 {statistics.median(ms):7.1f} ms  "
                f"p99 {_percentile(ms, 0.99):7.1f} ms  max {max(ms):7.1f} ms"
            )
    for e in errors[:10]:
        print(f"error: {e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
