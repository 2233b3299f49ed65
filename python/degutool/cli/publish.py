# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool publish DIST --thing NAME`: serve a release and set desired."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ..lab import publish as pub
from ..lab.shadowclient import ShadowClient
from ..lab.state import LabState
from .lab import LAB_OPTION


@click.command("publish")
@click.argument("dist", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--thing", required=True, help="Thing name, e.g. degu-0123456789abcdef.")
@LAB_OPTION
@click.option("--to", "target", help="s3://BUCKET/PREFIX instead of the lab's file server.")
@click.option("--url-base", help="With --to: URL the uploaded files are fetched from.")
@click.option(
    "--endpoint-url",
    help="AWS IoT data endpoint (https://xxx-ats.iot.REGION.amazonaws.com) instead of the lab.",
)
@click.option("--region", default="us-east-1", show_default=True, help="With --endpoint-url.")
def publish(
    dist: Path,
    thing: str,
    lab_folder: Path,
    target: str | None,
    url_base: str | None,
    endpoint_url: str | None,
    region: str,
) -> None:
    """Put the release in DIST where devices fetch it, then set the thing's desired state."""
    release = pub.read_release(dist)
    state = None if target and endpoint_url else LabState.read(lab_folder)
    if target is None:
        assert state is not None
        urls = pub.copy_to_root(release, Path(state.files_root), state.files_url)
    elif target.startswith("s3://"):
        urls = pub.upload_to_s3(release, target, url_base)
    else:
        raise InputError(f"--to {target!r}: only s3://BUCKET/PREFIX targets are supported")
    doc = pub.desired_update(release, urls)
    client = ShadowClient(
        endpoint_url or state.shadow_url,  # type: ignore[union-attr]
        lab=endpoint_url is None,
        region=region,
    )
    try:
        reply = client.update(thing, doc)
    finally:
        client.close()
    for item, url in urls.items():
        click.echo(f"{item:<16} {release.desired[item + '_ver']}  {url}")
    click.echo(f"{thing}: desired set, shadow version {reply['version']}")
