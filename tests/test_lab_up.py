# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool lab up` against ports held by others, SIGTERM and a killed lab: it fails fast
with one line, stops cleanly, and leaves no broker behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from degutool.cli import cli
from degutool.lab.broker import Mosquitto
from degutool.lab.ports import PortInUse

PYTHON_PATH = str(Path(__file__).parent.parent / "python")
FREE_PORTS = ["--coap-port", "0", "--files-port", "0", "--shadow-port", "0", "--mqtt-port", "0"]


def _hold(kind: int, reuse_port: bool) -> socket.socket:
    """A socket holding a free loopback port: UDP as aiocoap binds it (SO_REUSEPORT on a
    dual-stack socket), or a plain one; TCP listening."""
    if kind == socket.SOCK_DGRAM and reuse_port:
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::ffff:127.0.0.1", 0))
        return s
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    if kind == socket.SOCK_STREAM:
        s.listen()
    return s


# (option, socket kind, held with SO_REUSEPORT, what the message names)
CLASHES = [
    pytest.param("--coap-port", socket.SOCK_DGRAM, True, "UDP port {} on 127.0.0.1 (gateway)",
                 id="coap-held-by-aiocoap"),
    pytest.param("--coap-port", socket.SOCK_DGRAM, False, "UDP port {} on 127.0.0.1 (gateway)",
                 id="coap-held"),
    pytest.param("--files-port", socket.SOCK_STREAM, False,
                 "TCP port {} on 127.0.0.1 (file server)", id="files"),
    pytest.param("--shadow-port", socket.SOCK_STREAM, False,
                 "TCP port {} on 127.0.0.1 (shadow service)", id="shadow"),
    pytest.param("--mqtt-port", socket.SOCK_STREAM, False,
                 "TCP port {} on 127.0.0.1 (MQTT broker)", id="mqtt"),
]  # fmt: skip


@pytest.mark.parametrize("option, kind, reuse_port, what", CLASHES)
def test_port_clash_fails_fast(tmp_path: Path, option, kind, reuse_port, what) -> None:
    folder = tmp_path / "lab"
    with _hold(kind, reuse_port) as held:
        port = held.getsockname()[1]
        ports = list(FREE_PORTS)
        ports[ports.index(option) + 1] = str(port)
        result = CliRunner().invoke(cli, ["lab", "up", "--lab", str(folder), *ports, "--run-for",
                                          "0.1"], catch_exceptions=False)  # fmt: skip
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"degutool: error: {what.format(port)} is in use, maybe by another lab: stop that one, "
        f"or give {option} another port (0: any free one)\n"
    )
    assert not folder.exists()  # no shadow.db, no lab.json


def test_broker_checks_its_own_process_listens(tmp_path: Path) -> None:
    """A second broker on the port of a first: the first answers connections, the second
    exits "Address already in use"; that is a failure, not a broker."""
    with Mosquitto(tmp_path / "first") as first:
        second = Mosquitto(tmp_path / "second", first.port)
        try:
            with pytest.raises(PortInUse, match=f"TCP port {first.port} on 127.0.0.1 .*mqtt-port"):
                second.start()
            assert second._proc is None
        finally:
            second.stop()


def _run(code: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": PYTHON_PATH}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _brokers_of(folder: Path) -> list[int]:
    """Pids of running (not zombie) mosquittos whose configuration is in ``folder``."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
            status = (proc / "status").read_text()
        except OSError:
            continue
        if str(folder).encode() in cmdline and b"mosquitto" in cmdline:
            if "State:\tZ" not in status:
                pids.append(int(proc.name))
    return pids


def _wait_gone(folder: Path, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := _brokers_of(folder)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _kill(pids: list[int]) -> None:
    for pid in pids:  # only brokers this test started (their configuration is in tmp_path)
        os.kill(pid, signal.SIGKILL)


def test_sigterm_stops_the_lab_cleanly(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    lab = _run(
        "from degutool.cli import main; import sys; sys.argv[0] = 'degutool'; main()",
        "lab", "up", "--lab", str(folder), *FREE_PORTS,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (folder / "lab.json").exists() and lab.poll() is None:
            assert time.monotonic() < deadline, "lab did not start in 30 s"
            time.sleep(0.1)
        assert len(_brokers_of(folder)) == 1
        lab.send_signal(signal.SIGTERM)
        out, err = lab.communicate(timeout=30)
    finally:
        if lab.poll() is None:
            lab.kill()
            lab.wait()
        left = _wait_gone(folder, 5)
        _kill(left)
    assert (lab.returncode, err) == (0, "")
    assert out.splitlines()[-1] == f"lab state       {folder / 'lab.json'}"
    assert left == []
    assert not (folder / "lab.json").exists()


def test_broker_dies_with_a_killed_lab(tmp_path: Path) -> None:
    folder = tmp_path / "broker"
    holder = _run(
        "import sys, time\n"
        "from degutool.lab.broker import Mosquitto\n"
        "Mosquitto(sys.argv[1]).start()\n"
        "print('up', flush=True)\n"
        "time.sleep(60)\n",
        str(folder),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "up\n"
        assert len(_brokers_of(folder)) == 1
        holder.kill()  # SIGKILL: no handler, no cleanup runs in the lab
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        left = _wait_gone(folder, 10)
        _kill(left)
    assert left == []


def test_gateway_command_port_in_use(tmp_path: Path) -> None:
    with _hold(socket.SOCK_DGRAM, True) as held:
        port = held.getsockname()[1]
        result = CliRunner().invoke(cli, ["gateway", "--port", str(port), "--run-for", "0.1",
                                          "--shadow-url", "http://127.0.0.1:9",
                                          "--cache", str(tmp_path / "cache")])  # fmt: skip
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"degutool: error: could not serve on 127.0.0.1:{port} (UDP port {port} on 127.0.0.1: "
        "Address already in use): stop what holds the port or give --port another one\n"
    )
