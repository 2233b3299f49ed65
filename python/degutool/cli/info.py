# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool info`: what an MCUboot image's header and TLVs say."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import digest, keys, mcuboot


@click.command("info")
@click.argument("image", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def info(image: Path, as_json: bool) -> None:
    """Show the header, TLV areas and device digest of IMAGE."""
    data, parsed = mcuboot.read(image)
    md5 = digest.md5_bytes(data[: parsed.length])
    if as_json:
        click.echo(json.dumps({"image": str(image), "md5": md5, **parsed.to_dict()}, indent=2))
        return
    click.echo(f"image:            {image}")
    click.echo(f"version:          {parsed.version}")
    click.echo(f"header size:      0x{parsed.header_size:x}")
    click.echo(f"payload size:     {parsed.img_size}")
    click.echo(f"protected TLVs:   {parsed.protect_tlv_size} bytes")
    click.echo(f"TLV area:         {parsed.tlv_size} bytes")
    click.echo(f"image length:     {parsed.length} (file {len(data)})")
    click.echo(f"load address:     0x{parsed.load_addr:x}")
    click.echo(f"flags:            0x{parsed.flags:x} {' '.join(parsed.flag_names)}".rstrip())
    click.echo(f"md5 (device):     {md5}")
    for t in parsed.tlvs:
        area = "protected" if t.protected else "tlv"
        value = keys.fingerprint(t.value) if t.name == "KEYHASH" else t.value.hex()
        if t.name == "SEC_CNT" and len(t.value) == 4:
            value = str(int.from_bytes(t.value, "little"))
        click.echo(f"{area:9} {t.name:10} {len(t.value):4} {value}")
