# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool release`: a signed, hashed over-the-air release folder."""

from __future__ import annotations

from pathlib import Path

import click

from .. import layout as layout_mod
from .. import release as release_mod
from ._options import NUMBER, FilePath, output_option

_PATH = click.Path(path_type=Path)


@click.command("release")
@click.option("--firmware", type=_PATH, help="zephyr.bin/.hex to sign, or a signed image.")
@click.option("--script", type=_PATH, help="The user script, released as main.py.")
@click.option("--config", type=_PATH, help="The configuration, released as CONFIG.")
@click.option(
    "-k",
    "--key",
    type=FilePath(dir_okay=False, path_type=Path),
    help="Signing key (PEM) for an unsigned firmware.",
)
@click.option(
    "--version",
    "version",
    default="0.0.0",
    show_default=True,
    help="Image version, major.minor.revision+build.",
)
@click.option(
    "--security-counter",
    type=NUMBER,
    default=None,
    help="Protected security counter TLV for the signed image (e.g. 16 or 0x10).",
)
@click.option("--base-url", required=True, help="Where the files will be served from.")
@output_option("Release folder to create.", dest="out", file=False)
@click.option("--dts", type=_PATH, help="A build's zephyr.dts to take the layout from.")
def release(
    firmware: Path | None,
    script: Path | None,
    config: Path | None,
    key: Path | None,
    version: str,
    security_counter: int | None,
    base_url: str,
    out: Path,
    dts: Path | None,
) -> None:
    """Write degu.bin, main.py, CONFIG, manifest.json and desired.json into OUT."""
    manifest = release_mod.release(
        out,
        base_url,
        firmware=firmware,
        script=script,
        config=config,
        key=key,
        version=version,
        security_counter=security_counter,
        lay=layout_mod.load(dts),
    )
    for name, item in manifest["items"].items():
        click.echo(f"{name:16} {item['md5']}  {item['url']}")
    count = len(manifest["items"])
    click.echo(f"{out}: {count} item{'' if count == 1 else 's'}, desired.json ready")
