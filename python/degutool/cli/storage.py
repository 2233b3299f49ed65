# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool storage`: the FAT12 volume with main.py and CONFIG."""

from __future__ import annotations

from pathlib import Path

import click

from .. import storage as storage_mod
from ._options import dts_option, load_layout, output_option


@click.command("storage")
@click.option(
    "--script",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The user script; stored as main.py.",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The configuration file; stored as CONFIG.",
)
@output_option("The volume image to write (the size of the storage partition).")
@dts_option
def storage(script: Path | None, config: Path | None, output: Path, dts: Path | None) -> None:
    """Make the FAT12 volume of the storage partition (either file may be left out)."""
    image = storage_mod.write_volume(output, script, config, load_layout(dts))
    click.echo(f"{output}: FAT12 volume, {len(image)} bytes")
