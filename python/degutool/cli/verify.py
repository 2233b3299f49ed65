# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool verify`: header, hash, key hash and signature of an image, checked here."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import keys, mcuboot
from .. import verify as verify_mod
from ..errors import ImageError
from ._options import FilePath


@click.command("verify")
@click.argument("image", type=click.Path(path_type=Path))
@click.option(
    "-k",
    "--key",
    required=True,
    type=FilePath(dir_okay=False, path_type=Path),
    help="The signing key, private or public (PEM).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def verify(image: Path, key: Path, as_json: bool) -> None:
    """Check IMAGE against KEY; exit 0 only when every check passes."""
    data = mcuboot.read_bytes(image)
    result = verify_mod.verify(data, keys.load(key), str(image))
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    if not result.ok:
        raise ImageError("; ".join(result.problems))
    if not as_json:
        assert result.info is not None
        click.echo(f"{image}: OK ({result.info.version}, {', '.join(result.checks)})")
