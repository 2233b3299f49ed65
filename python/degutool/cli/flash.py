# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool flash`: program a Degu over SWD with pyOCD."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import click

from .. import flash as flash_mod
from .. import keys
from ._options import ADDRESS, FilePath, dts_option, load_layout


def _is_terminal(stream: TextIO) -> bool:
    return stream.isatty()


class _Bar:
    """One line per step on a terminal, redrawn in place: ``erase   [#####     ]  50%``."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._step: str | None = None

    def __call__(self, step: str, done: int, total: int) -> None:
        if step != self._step and self._step is not None:
            self._stream.write("\n")
        self._step = step
        frac = done / total if total else 1.0
        filled = int(frac * self.WIDTH)
        bar = "#" * filled + " " * (self.WIDTH - filled)
        self._stream.write(f"\r{step:8}[{bar}] {frac:4.0%}")
        self._stream.flush()

    def finish(self) -> None:
        if self._step is not None:
            self._stream.write("\n")
            self._stream.flush()


@click.command("flash")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--probe", "probe_id", help="Unique ID (or part of it) of the probe to use.")
@click.option(
    "--address",
    type=ADDRESS,
    default=None,
    help="Where a raw binary goes (default: slot 0 for a signed image, else 0 as for a "
    "factory .bin); .hex files carry their own.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
@click.option(
    "--recover",
    is_flag=True,
    help="If the part is locked (APPROTECT), mass-erase it first: erases ALL flash.",
)
@click.option("--no-verify", is_flag=True, help="Skip reading the flash back.")
@click.option(
    "-k",
    "--key",
    type=FilePath(dir_okay=False, path_type=Path),
    help="The signing key (PEM, private or public): also verify the slot 0 image's signature.",
)
@dts_option
@click.pass_context
def flash(
    ctx: click.Context,
    file: Path,
    probe_id: str | None,
    address: int | None,
    quiet: bool,
    recover: bool,
    no_verify: bool,
    key: Path | None,
    dts: Path | None,
) -> None:
    """Erase the sectors FILE touches, program, verify and reset an nRF52840."""
    quiet = quiet or bool(ctx.obj and ctx.obj.get("quiet"))
    bar = _Bar(sys.stderr) if not quiet and _is_terminal(sys.stderr) else None
    try:
        result = flash_mod.flash_file(
            file,
            probe_id=probe_id,
            address=address,
            recover=recover,
            verify=not no_verify,
            progress=bar,
            layout=load_layout(dts),
            key=keys.load(key) if key is not None else None,
        )
    finally:
        if bar is not None:
            bar.finish()
    if not quiet:
        note = ", after a mass erase" if result.recovered else ""
        click.echo(
            f"{file}: {result.size} bytes in {result.seconds:.2f} s "
            f"({result.kb_per_second:.1f} kB/s){note}"
        )
