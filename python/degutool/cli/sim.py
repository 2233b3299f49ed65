# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool sim`: provision and run simulated Degus."""

from __future__ import annotations

import threading
from pathlib import Path

import click

from .. import keys
from ..errors import InputError
from ..sim import device as device_mod
from ..sim.runtime import Board


def _read(path: Path | None) -> bytes | None:
    return path.read_bytes() if path is not None else None


def parse_gateway(value: str) -> device_mod.Gateway:
    """``HOST:PORT``, ``[V6]:PORT`` or ``HOST`` (port 5683)."""
    host, port = value, "5683"
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest.startswith(":"):
            port = rest[1:]
    elif value.count(":") == 1:
        host, port = value.split(":")
    try:
        number = int(port)
        if not 0 < number < 65536:
            raise ValueError
    except ValueError:
        raise InputError(
            f"gateway {value!r}: port {port!r} is not 1..65535 (use HOST:PORT)"
        ) from None
    return device_mod.Gateway(host or "127.0.0.1", number)


def _board(adc: tuple[str, ...], pins: tuple[str, ...]) -> Board:
    board = Board()
    for item in adc:
        ch, _, volts = item.partition("=")
        try:
            board.adc_volts[int(ch)] = float(volts)
        except ValueError:
            raise InputError(f"--adc {item!r}: use CHANNEL=VOLTS, e.g. 1=1.8") from None
    for item in pins:
        name, _, level = item.partition("=")
        port, _, pin = name.rpartition(".")
        if port not in ("GPIO_0", "GPIO_1") or not pin.isdigit() or level not in ("0", "1"):
            raise InputError(f"--pin {item!r}: use PORT.PIN=LEVEL, e.g. GPIO_1.8=0")
        board.inputs[(port, int(pin))] = int(level)
    return board


@click.group("sim")
def sim() -> None:
    """Simulated Degus: the C OTA core on this host, main.py under Python."""


@sim.command("provision")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--eui64", required=True, help="The device's EUI-64, 16 hex digits.")
@click.option("--script", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--firmware",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="MCUboot image for slot 0 (default: a minimal unsigned idle image).",
)
@click.option("--force", is_flag=True, help="Replace a device already in FOLDER.")
def provision(
    folder: Path,
    eui64: str,
    script: Path | None,
    config: Path | None,
    firmware: Path | None,
    force: bool,
) -> None:
    """Make a device folder as the factory image would leave the unit."""
    device_mod.provision(folder, eui64, _read(script), _read(config), _read(firmware), force=force)
    click.echo(f"device {device_mod.read_eui64(folder)} provisioned in {folder}")


@sim.command("run")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--gateway", default="127.0.0.1:5683", show_default=True, help="HOST:PORT")
@click.option(
    "--ack-timeout-ms",
    type=click.IntRange(0, 60000),
    default=0,
    help="CoAP ACK_TIMEOUT (0: RFC 7252's 2000).",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(0, 255),
    default=0,
    help="Downloads per desired digest (0: 3).",
)
@click.option(
    "--max-boots", type=click.IntRange(1), default=None, help="Stop after this many boots."
)
@click.option("--adc", multiple=True, help="Voltage on an ADC channel: CHANNEL=VOLTS.")
@click.option("--pin", "pins", multiple=True, help="Level of an input pin: PORT.PIN=0|1.")
@click.option(
    "--key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The bootloader's key (PEM): MCUboot then checks every image's signature.",
)
def run(
    folder: Path,
    gateway: str,
    ack_timeout_ms: int,
    max_attempts: int,
    max_boots: int | None,
    adc: tuple[str, ...],
    pins: tuple[str, ...],
    key: Path | None,
) -> None:
    """Boot the device in FOLDER and run it until Ctrl-C (or --max-boots)."""
    gw = parse_gateway(gateway)
    gw.ack_timeout_ms = ack_timeout_ms
    dev = device_mod.SimDevice(
        folder,
        gw,
        console=click.echo,
        board=_board(adc, pins),
        max_attempts=max_attempts,
        bootloader_key=keys.load(key) if key else None,
        stop=threading.Event(),
    )
    try:
        boots = dev.run(max_boots=max_boots)
    except KeyboardInterrupt:
        dev.stop.set()
        return
    for b in boots:
        click.echo(
            f"boot {b.number}: swap {b.swap.name.lower()}, firmware {b.firmware_version}, "
            f"ota_boot {b.ota_rc}, {b.action.name.lower()}"
            + (f", main.py {b.script.value}" if b.script else ""),
            err=True,
        )
