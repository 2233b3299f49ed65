# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""N simulated Degus boot, report and check against one gateway; prints rate and latency.

Each device is a thread of this process with its own library handle (libdegu_sim.so) and
folder.  Per device: one ``ota_boot()`` (report, read desired, nothing to install), then
``--checks`` calls of ``ota_check_update()`` and ``--reports`` of ``ota_update_shadow()``.
The lab (shadow service and gateway) runs in this process unless ``--gateway`` names one.

    python bench/lab_devices.py -n 100
    python bench/lab_devices.py -n 1000 --spread 0 --checks 2

Devices start ``--spread`` seconds apart in all (device i at i * S / N), as a fleet powered
on over a few seconds does; ``--spread 0`` starts them at one instant, which measures how the
gateway survives a thundering herd more than how fast it answers.  ``--ack-timeout-ms`` sets
the devices' CoAP ACK_TIMEOUT (RFC 7252's 2000 ms when 0).

Printed: CoAP requests per second over the whole run (counted where the in-process gateway
renders them, so retransmissions answered from aiocoap's cache are not counted twice), the
retransmitted requests the gateway saw, the operations per second, p50/p99/max latency per
operation, and every warning or error the gateway logged.  Exit status 1 when a device
failed (each failure is printed: device, operation, reason), else 0.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from degutool.sim import binding, device  # noqa: E402


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class _GatewayLog(logging.Handler):
    """Counts what aiocoap and the gateway log: retransmissions both ways, warnings, errors."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.duplicates = 0
        self.resent = 0
        self.problems: Counter[str] = Counter()
        self._mutex = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        with self._mutex:
            if message.startswith("Duplicate CON received"):
                self.duplicates += 1
            elif message.startswith("Retransmission, Message ID"):
                self.resent += 1
            elif record.levelno >= logging.WARNING:
                first = message.splitlines()[0] if message else ""
                if record.exc_info and record.exc_info[1] is not None:
                    first += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
                self.problems[f"{record.levelname} {record.name}: {first[:200]}"] += 1


class _Failure(Exception):
    def __init__(self, operation: str, reason: str) -> None:
        super().__init__(f"{operation}: {reason}")


def _reason(e: BaseException) -> str:
    if isinstance(e, OSError) and e.errno is not None:
        return f"{errno.errorcode.get(e.errno, e.errno)} ({e})"
    return f"{type(e).__name__}: {e}"


def _device_thread(
    folder: Path,
    gw: device.Gateway,
    args: argparse.Namespace,
    offset: float,
    go: threading.Event,
    began: list[float],
    results: dict[str, list[float]],
    errors: list[str],
    lock: threading.Lock,
) -> None:
    eui = device.read_eui64(folder)
    local: dict[str, list[float]] = {"boot": [], "check": [], "report": []}
    operation = "open"
    try:
        with binding.Device(folder, eui, gw.host, gw.port, gw.ack_timeout_ms) as dev:
            go.wait()
            delay = began[0] + offset - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            operation = "boot"
            t = time.perf_counter()
            rc, action = dev.boot()
            local["boot"].append(time.perf_counter() - t)
            if rc < 0:
                raise _Failure("boot", f"ota_boot returned {rc} ({errno.errorcode.get(-rc, '?')})")
            if action is not binding.BootAction.RUN:
                raise _Failure("boot", f"action {action.name}; the bench releases nothing")
            for i in range(args.checks):
                operation = f"check {i + 1}"
                t = time.perf_counter()
                if dev.check_update() != 0:
                    raise _Failure(operation, "found an update; the bench sets none")
                local["check"].append(time.perf_counter() - t)
            for i in range(args.reports):
                operation = f"report {i + 1}"
                t = time.perf_counter()
                dev.update_shadow(json.dumps({"state": {"reported": {"bench": i}}}))
                local["report"].append(time.perf_counter() - t)
    except _Failure as e:
        with lock:
            errors.append(f"{eui}: {e}")
        return
    except Exception as e:  # noqa: BLE001 - reported per device below
        with lock:
            errors.append(f"{eui}: {operation}: {_reason(e)}")
        return
    with lock:
        for k, v in local.items():
            results[k].extend(v)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--devices", type=int, default=100, help="devices (1..1000)")
    parser.add_argument("--checks", type=int, default=3, help="check_update calls per device")
    parser.add_argument("--reports", type=int, default=1, help="update_shadow calls per device")
    parser.add_argument(
        "--spread",
        type=float,
        default=2.0,
        help="seconds over which the devices start, evenly (default 2; 0: all at once)",
    )
    parser.add_argument("--gateway", help="HOST:PORT of a running gateway (default: in-process)")
    parser.add_argument(
        "--ack-timeout-ms", type=int, default=0, help="CoAP ACK_TIMEOUT (0: RFC 7252's 2000)"
    )
    args = parser.parse_args()
    if not 1 <= args.devices <= 1000:
        parser.error(f"--devices {args.devices}: give 1..1000")
    if args.spread < 0:
        parser.error(f"--spread {args.spread:g}: give 0 or more seconds")
    if args.ack_timeout_ms < 0:
        parser.error(f"--ack-timeout-ms {args.ack_timeout_ms}: give 0 or more")

    from degutool.cli.sim import parse_gateway

    gateway_log = _GatewayLog()
    for name in ("coap-server", "aiocoap", "asyncio", "degutool.gateway", "degutool.shadow"):
        logger = logging.getLogger(name)
        logger.addHandler(gateway_log)
        logger.setLevel(logging.INFO)
        logger.propagate = False

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
        go = threading.Event()
        began: list[float] = []
        threads = [
            threading.Thread(
                target=_device_thread,
                args=(
                    f,
                    gw,
                    args,
                    i * args.spread / args.devices,
                    go,
                    began,
                    results,
                    errors,
                    lock,
                ),
            )
            for i, f in enumerate(folders)
        ]
        for th in threads:
            th.start()
        began.append(time.perf_counter())
        go.set()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - began[0]
        if lab is not None:
            store, gateway, server = lab
            server.stop_thread()
            gateway.close()
            store.close()

    ok = args.devices - len({e.split(":", 1)[0] for e in errors})
    operations = sum(len(v) for v in results.values())
    ack = args.ack_timeout_ms or 2000
    print(
        f"{args.devices} devices ({ok} ok) started over {args.spread:g} s, ACK_TIMEOUT {ack} ms, "
        f"{args.checks} checks and {args.reports} reports each: {elapsed:.2f} s"
    )
    if lab is not None:
        requests = lab[1].requests
        print(
            f"CoAP requests at the gateway: {requests} ({requests / elapsed:.0f} per second), "
            f"retransmitted requests seen: {gateway_log.duplicates}, separate responses "
            f"the gateway had to send again: {gateway_log.resent}"
        )
    print(f"operations: {operations} ({operations / elapsed:.0f} per second)")
    for kind, values in results.items():
        if values:
            ms = [v * 1000 for v in values]
            print(
                f"{kind:<7} n={len(ms):<5} p50 {statistics.median(ms):7.1f} ms  "
                f"p99 {_percentile(ms, 0.99):7.1f} ms  max {max(ms):7.1f} ms"
            )
    for problem, count in gateway_log.problems.most_common():
        print(f"gateway logged {count}x: {problem}")
    for e in sorted(errors):
        print(f"failed: {e}")
    if errors:
        print(f"{args.devices - ok} of {args.devices} devices failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
