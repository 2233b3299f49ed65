# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool md5`: digests as the device reports them."""

from __future__ import annotations

from pathlib import Path

import click

from .. import digest


@click.command("md5")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--image",
    is_flag=True,
    help="Hash MCUboot images as the device does: header + payload + TLVs, no padding.",
)
def md5(files: tuple[Path, ...], image: bool) -> None:
    """Print the MD5 of each FILE, like md5sum, as the shadow's *_ver keys hold it."""
    for path in files:
        value = digest.md5_image(path) if image else digest.md5_file(path)
        click.echo(f"{value}  {path}")
