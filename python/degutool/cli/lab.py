# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool lab up`: the whole local OTA lab on loopback, until Ctrl-C."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import click

from ..lab.devices import Devices
from ..lab.runner import Lab, LabPorts
from ..lab.state import DEFAULT_FOLDER

LAB_OPTION = click.option(
    "--lab",
    "lab_folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_FOLDER,
    show_default=True,
    help="The lab folder (shadows, served files, state file).",
)


@contextlib.contextmanager
def sigterm_stops(stop: threading.Event) -> Iterator[None]:
    """While in the block, SIGTERM (a service manager, `kill`) sets ``stop`` as Ctrl-C
    would end the wait, so the lab stops cleanly: broker stopped, ``lab.json`` removed."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread; nothing to install elsewhere
        return
    previous = signal.signal(signal.SIGTERM, lambda _sig, _frame: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.group("lab")
def lab() -> None:
    """The local OTA lab: shadow service, MQTT broker, file server and gateway."""


@lab.command("up")
@LAB_OPTION
@click.option("--coap-port", type=click.IntRange(0, 65535), default=5683, show_default=True)
@click.option("--files-port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--shadow-port", type=click.IntRange(0, 65535), default=8081, show_default=True)
@click.option("--mqtt-port", type=click.IntRange(0, 65535), default=1883, show_default=True)
@click.option("--run-for", type=float, default=0, help="Stop after this many seconds (0: never).")
@click.option(
    "--devices",
    type=click.IntRange(0, 1000),
    default=0,
    help="Also run N simulated Degus (EUI-64 1..N, folders in LAB/devices) on this gateway.",
)
@click.option(
    "--script",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="main.py for newly provisioned devices.",
)
def up(
    lab_folder: Path,
    coap_port: int,
    files_port: int,
    shadow_port: int,
    mqtt_port: int,
    run_for: float,
    devices: int,
    script: Path | None,
) -> None:
    """Start the lab on loopback (port 0: any free port) and print where each part listens."""
    runner = Lab(lab_folder, LabPorts(coap_port, files_port, shadow_port, mqtt_port))
    stop = threading.Event()
    with sigterm_stops(stop):
        _run_lab(runner, lab_folder, stop, run_for, devices, script)


def _run_lab(
    runner: Lab,
    lab_folder: Path,
    stop: threading.Event,
    run_for: float,
    devices: int,
    script: Path | None,
) -> None:
    state = runner.start()
    fleet = None
    try:
        if devices:
            fleet = Devices(
                lab_folder / "devices",
                devices,
                state.coap_host,
                state.coap_port,
                console=click.echo,
                script=script.read_bytes() if script else None,
            )
        click.echo(f"shadow service  {state.shadow_url}  (AWS IoT data plane API)")
        click.echo(f"mqtt broker     mqtt://{state.mqtt_host}:{state.mqtt_port}  (shadow topics)")
        click.echo(f"file server     {state.files_url}  (root {state.files_root})")
        click.echo(f"gateway         coap://{state.coap_host}:{state.coap_port}")
        click.echo(f"lab state       {lab_folder / 'lab.json'}")
        if fleet is not None:
            first, last = fleet.euis[0], fleet.euis[-1]
            click.echo(f"devices         {devices} ({first}..{last}) in {fleet.folder}")
            fleet.start()
        try:
            stop.wait(run_for if run_for > 0 else None)
        except KeyboardInterrupt:
            pass
    finally:
        if fleet is not None:
            fleet.stop()
        runner.stop()
