# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool lab demo`: the walkthrough, unattended, from Alice to Bob.

Starts the lab in this process, provisions one simulated Degu running Alice's main.py, then
runs what an operator would type (each echoed with a ``$``): ``degutool release`` of Bob's
main.py, ``degutool publish`` of that release, and, once the device greets as Bob,
``degutool status``.  Every wait is bounded; a timeout ends with a non-zero exit and the
reason.
"""

from __future__ import annotations

import shlex
import threading
import time
from pathlib import Path

import click

from ..errors import DeguError
from ..lab.runner import Lab, LabPorts
from ..lab.shadowclient import ShadowClient
from ..lab.status import item_status
from ..sim import device as device_mod
from .lab import lab

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
DEMO_EUI = "00124b0001de9a11"


class DemoError(DeguError):
    """A step of the walkthrough failed or did not happen in time."""


class _Watch:
    """Console lines of the device, echoed and kept, so the demo can wait for one."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.cond = threading.Condition()

    def __call__(self, line: str) -> None:
        click.echo(line)
        with self.cond:
            self.lines.append(line)
            self.cond.notify_all()

    def wait(self, text: str, deadline: float, failed: list[BaseException]) -> None:
        with self.cond:
            while not any(line.endswith(text) for line in self.lines):
                if failed:
                    raise DemoError(f"the simulated device stopped: {failed[0]}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DemoError(f"the device did not print {text!r} in time")
                self.cond.wait(min(left, 0.5))


def _shown(arg: str | Path) -> str:
    """An argument as the operator would type it: paths under the current folder relative."""
    if isinstance(arg, Path) and arg.is_absolute() and arg.is_relative_to(Path.cwd()):
        return str(arg.relative_to(Path.cwd()))
    return str(arg)


def _degutool(*args: str | Path) -> None:
    """Run a degutool command in this process, echoed as the operator would type it."""
    from . import cli

    argv = [_shown(a) for a in args]
    click.echo(f"$ degutool {shlex.join(argv)}")
    code = cli.main(argv, prog_name="degutool", standalone_mode=False)
    if code:
        raise DemoError(f"`degutool {argv[0]}` failed (exit {code})")


@lab.command("demo")
@click.option(
    "--lab",
    "lab_folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("out/demo"),
    show_default=True,
    help="Folder for the lab, the device and the release (emptied first).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=120.0,
    show_default=True,
    help="Seconds per wait.",
)
@click.option("--alice", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=EXAMPLES / "main.py", show_default=True,
              help="The main.py the device starts with.")  # fmt: skip
@click.option("--bob", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=EXAMPLES / "bob" / "main.py", show_default=True,
              help="The main.py released to it.")  # fmt: skip
def demo(lab_folder: Path, timeout: float, alice: Path, bob: Path) -> None:
    """Run the walkthrough: a simulated Degu goes from Alice's main.py to Bob's."""
    if lab_folder.exists():
        if not (lab_folder / ".degu-demo").is_file() and any(lab_folder.iterdir()):
            raise DemoError(
                f"{lab_folder} exists and was not made by `degutool lab demo`: give --lab "
                "an empty or new folder"
            )
        import shutil

        shutil.rmtree(lab_folder)
    lab_folder.mkdir(parents=True)
    (lab_folder / ".degu-demo").write_text("made by degutool lab demo; emptied on each run\n")
    runner = Lab(lab_folder / "lab", LabPorts(0, 0, 0, 0))
    state = runner.start()
    stop = threading.Event()
    failed: list[BaseException] = []
    thread: threading.Thread | None = None
    try:
        click.echo(f"lab: shadow {state.shadow_url}, files {state.files_url}, "
                   f"gateway coap://{state.coap_host}:{state.coap_port}")  # fmt: skip
        folder = device_mod.provision(
            lab_folder / "device", DEMO_EUI, alice.read_bytes(), (EXAMPLES / "CONFIG").read_bytes()
        )
        watch = _Watch()
        dev = device_mod.SimDevice(
            folder, device_mod.Gateway(state.coap_host, state.coap_port), watch, stop=stop
        )

        def run() -> None:
            try:
                dev.run()
            except BaseException as e:  # noqa: BLE001 - shown by the waiting thread
                failed.append(e)

        thread = threading.Thread(target=run, name="demo-device")
        thread.start()
        watch.wait("Hello! I'm Alice.", time.monotonic() + timeout, failed)

        dist = lab_folder / "release-bob"
        thing = f"degu-{DEMO_EUI}"
        _degutool("release", "--script", bob, "--base-url",
                  f"{state.files_url}releases/bob/", "--out", dist)  # fmt: skip
        _degutool("publish", dist, "--thing", thing, "--lab", runner.folder)
        watch.wait("Hello! I'm Bob.", time.monotonic() + timeout, failed)
        _degutool("status", "--thing", thing, "--lab", runner.folder)

        client = ShadowClient(state.shadow_url, lab=True)
        try:
            rows = {r.item: r for r in item_status(client.get(thing))}
        finally:
            client.close()
        if rows["script_user"].state != "current":
            raise DemoError(f"main.py is {rows['script_user'].state}, not current, after Bob")
        click.echo("walkthrough done: the device runs Bob's main.py and reports it current")
    finally:
        stop.set()
        if thread is not None:
            thread.join(30)
        runner.stop()
