# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool status`: desired vs reported per thing and item."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import click

from ..errors import InputError, ShadowError
from ..lab import status as st
from ..lab.shadowclient import ShadowClient
from ..lab.state import LabState
from .lab import LAB_OPTION


def _lab_things(shadow_url: str) -> list[str]:
    try:
        with urllib.request.urlopen(f"{shadow_url}/lab/things", timeout=10) as resp:
            return list(json.loads(resp.read())["things"])
    except (OSError, ValueError, KeyError) as e:
        raise ShadowError(f"cannot list things at {shadow_url}: {e}") from None


@click.command("status")
@click.option("--thing", "things", multiple=True, help="Thing name (repeat; default: all).")
@LAB_OPTION
@click.option("--endpoint-url", help="AWS IoT data endpoint instead of the lab (needs --thing).")
@click.option("--region", default="us-east-1", show_default=True, help="With --endpoint-url.")
def status(
    things: tuple[str, ...], lab_folder: Path, endpoint_url: str | None, region: str
) -> None:
    """Show per thing and item: current, pending, failed (with the reason) or held."""
    if endpoint_url is None:
        url = LabState.read(lab_folder).shadow_url
        names = list(things) or _lab_things(url)
    elif not things:
        raise InputError("--endpoint-url needs --thing NAME: AWS IoT has no list of shadows")
    else:
        url, names = endpoint_url, list(things)
    client = ShadowClient(url, lab=endpoint_url is None, region=region)
    missing = []
    try:
        shadows = [(name, client.get(name)) for name in names]
    finally:
        client.close()
    if any(shadow is not None for _, shadow in shadows):
        click.echo(st.HEADER)
    for name, shadow in shadows:
        if shadow is None:
            missing.append(name)
            continue
        for line in st.format_rows(name, st.item_status(shadow)):
            click.echo(line)
    if not names:
        click.echo("(no things yet)", err=True)
    if missing:
        where = "the lab" if endpoint_url is None else endpoint_url
        raise ShadowError(
            f"{', '.join(repr(n) for n in missing)} has no shadow in {where}: check the name "
            "(`degutool status` without --thing lists the lab's things)"
        )
