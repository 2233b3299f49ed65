# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool gateway`: run the CoAP gateway (docs/protocol.md) until interrupted."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from ..errors import DeguError
from ..gateway import Gateway, GatewayServer, fetch
from ..gateway import config as gwconfig


@click.command("gateway")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="TOML configuration (see degutool/gateway/config.py); options below override it.",
)
@click.option("--host", help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="UDP port (default 5683).")
@click.option("--shadow-url", help="The shadow service's HTTP API (http backend).")
@click.option(
    "--mqtt",
    metavar="HOST:PORT",
    help="Use the MQTT shadow topics through this broker, without TLS (the lab's mosquitto).",
)
@click.option("--cache", type=click.Path(path_type=Path, file_okay=False), help="Fetch cache.")
@click.option(
    "--ca-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="PEM CA bundle trusted for HTTPS downloads instead of the system's CAs.",
)
@click.option("--run-for", type=float, default=0, help="Stop after this many seconds (0: never).")
def gateway(
    config_path: Path | None,
    host: str | None,
    port: int | None,
    shadow_url: str | None,
    mqtt: str | None,
    cache: Path | None,
    ca_file: Path | None,
    run_for: float,
) -> None:
    """Bridge Degus' CoAP requests to a shadow and to release files."""
    cfg = gwconfig.load(config_path) if config_path else gwconfig.GatewayConfig()
    cfg.host = host or cfg.host
    cfg.port = cfg.port if port is None else port
    cfg.cache = cache or cfg.cache
    cfg.ca_file = ca_file or cfg.ca_file
    tls = fetch.tls_context(cfg.ca_file)  # before the backend: a bad CA file starts nothing
    if shadow_url:
        cfg.backend, cfg.shadow_url = "http", shadow_url
    if mqtt:
        cfg.backend, cfg.mqtt = "mqtt", gwconfig.parse_broker(mqtt, cfg.shadow_timeout)
    backend = cfg.open_backend()
    gw = Gateway(backend, cfg.cache, cfg.thing_map(), fetch_timeout=cfg.fetch_timeout, tls=tls)

    async def serve() -> None:
        async with GatewayServer(gw, cfg.host, cfg.port) as server:
            click.echo(f"gateway: {server.uri} (shadow: {cfg.backend}, cache: {cfg.cache})")
            if run_for > 0:
                await asyncio.sleep(run_for)
            else:
                await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    except OSError as e:
        raise DeguError(
            f"could not serve on {cfg.host}:{cfg.port} ({e.strerror or e}): stop what holds the "
            "port or give --port another one"
        ) from None
    finally:
        gw.close()
        backend.close()
