# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool md5`: digests as the device reports them."""

from __future__ import annotations

from pathlib import Path

import click

from .. import digest
from ..errors import DeguError


@click.command("md5")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--image",
    is_flag=True,
    help="Hash MCUboot images as the device does: header + payload + TLVs, no padding.",
)
@click.pass_context
def md5(ctx: click.Context, files: tuple[Path, ...], image: bool) -> None:
    """Print the MD5 of each FILE, like md5sum, as the shadow's *_ver keys hold it.

    As md5sum does, a file that cannot be hashed is reported on stderr and the others are
    still printed; the exit code is then 1.
    """
    failed = False
    for path in files:
        try:
            value = digest.md5_image(path) if image else digest.md5_file(path)
        except DeguError as e:
            click.echo(f"degutool: error: {e}", err=True)
            failed = True
            continue
        click.echo(f"{value}  {path}")
    if failed:
        ctx.exit(1)
