# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool sign`: a Zephyr build output signed for slot 0."""

from __future__ import annotations

from pathlib import Path

import click

from .. import keys
from .. import layout as layout_mod
from .. import sign as sign_mod
from ._options import NUMBER, FilePath, output_option


@click.command("sign")
@click.argument("firmware", type=click.Path(path_type=Path))
@click.option(
    "-k",
    "--key",
    required=True,
    type=FilePath(dir_okay=False, path_type=Path),
    help="Private key (PEM): ECDSA P-256, RSA-2048 or Ed25519.",
)
@output_option("The signed image to write (e.g. degu.bin).", dest="out", file=False)
@click.option(
    "--version",
    "version",
    default="0.0.0",
    show_default=True,
    help="Image version, major.minor.revision+build.",
)
@click.option(
    "--header-size",
    type=NUMBER,
    default="0x200",
    show_default=True,
    help="MCUboot header size; must equal the vector table offset.",
)
@click.option(
    "--security-counter",
    type=NUMBER,
    default=None,
    help="Add a protected security counter TLV with this value.",
)
@click.option(
    "--dts",
    type=click.Path(path_type=Path),
    default=None,
    help="A build's zephyr.dts to take the layout from.",
)
def sign(
    firmware: Path,
    key: Path,
    out: Path,
    version: str,
    header_size: int,
    security_counter: int | None,
    dts: Path | None,
) -> None:
    """Sign FIRMWARE (zephyr.bin or zephyr.hex) as an MCUboot image for slot 0."""
    info = sign_mod.sign(
        firmware,
        keys.load(key),
        out,
        version,
        header_size=header_size,
        security_counter=security_counter,
        lay=layout_mod.load(dts),
    )
    click.echo(f"{out}: {info.version}, {info.length} bytes")
