# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool keygen`: a new signing key."""

from __future__ import annotations

from pathlib import Path

import click

from .. import keys
from ._options import FilePath


@click.command("keygen")
@click.option(
    "-k",
    "--key",
    "path",
    required=True,
    type=FilePath(dir_okay=False, path_type=Path),
    help="Where to write the private key (PEM); an existing file is never overwritten.",
)
@click.option(
    "-t",
    "--type",
    "key_type",
    type=click.Choice(keys.KEY_TYPES),
    default=keys.DEFAULT_KEY_TYPE,
    show_default=True,
    help="Key type.",
)
def keygen(path: Path, key_type: str) -> None:
    """Generate a signing key for MCUboot images and print its fingerprint."""
    key = keys.generate(path, key_type)
    click.echo(f"{path}: {key.key_type} {key.fingerprint}")
