# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool factory`: MCUboot, the signed image and the FAT volume in one HEX and one BIN."""

from __future__ import annotations

from pathlib import Path

import click

from .. import factory as factory_mod
from .. import keys
from ._options import FilePath, dts_option, load_layout, output_option

_IN = click.Path(dir_okay=False, path_type=Path)


@click.command("factory")
@click.option("--mcuboot", required=True, type=_IN, help="MCUboot, .hex or .bin (at 0).")
@click.option(
    "--image", required=True, type=_IN, help="The signed image (degu.bin, or .hex) for slot 0."
)
@click.option("--storage", type=_IN, help="The FAT volume (from `degutool storage`).")
@output_option("The Intel HEX to write, e.g. factory.hex.")
@click.option(
    "--bin",
    "out_bin",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The raw binary of the whole flash (default: OUTPUT with .bin).",
)
@click.option(
    "-k",
    "--key",
    type=FilePath(dir_okay=False, path_type=Path),
    help="The signing key (PEM, private or public): also verify the image's signature.",
)
@dts_option
def factory(
    mcuboot: Path,
    image: Path,
    storage: Path | None,
    output: Path,
    out_bin: Path | None,
    key: Path | None,
    dts: Path | None,
) -> None:
    """Merge MCUboot, slot 0 and the storage volume into a factory image."""
    out_bin = out_bin or output.with_suffix(".bin")
    loaded = keys.load(key) if key is not None else None
    merged = factory_mod.write(output, out_bin, mcuboot, image, storage, load_layout(dts), loaded)
    click.echo(f"{output}: {len(merged)} bytes in {len(merged.segments())} segments")
    click.echo(f"{out_bin}: {len(factory_mod.to_bin(merged))} bytes")
