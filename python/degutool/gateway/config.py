# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The gateway's configuration file (TOML) and the backend it names.

```toml
[gateway]
host = "127.0.0.1"          # bind address; "::" on a border router
port = 5683
cache = "out/gateway-cache" # fetched files
fetch_timeout = 60          # seconds per download
ca_file = "releases-ca.pem" # HTTPS release servers: trust only these CAs (default: the system's)
thing_name = "degu-{eui}"   # thing name template

[gateway.things]            # explicit EUI-64 -> thing name entries
"0123456789abcdef" = "greenhouse-3"

[shadow]
backend = "http"            # "http" (the lab's shadow service) or "mqtt" (AWS IoT Core)
url = "http://127.0.0.1:8081"
timeout = 10

[shadow.mqtt]               # backend = "mqtt"; TLS when ca is set (AWS IoT Core: port 8883)
host = "xxxxxxxx-ats.iot.us-east-1.amazonaws.com"
port = 8883
client_id = "degu-gateway"
ca = "AmazonRootCA1.pem"
cert = "gateway.cert.pem"
key = "gateway.private.key"
```

Relative paths are taken from the file's folder.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from .backend import HttpBackend, MqttBackend, MqttSettings, ShadowBackend
from .things import DEFAULT_TEMPLATE, ThingMap


@dataclass
class GatewayConfig:
    """Everything `degutool gateway` needs; defaults are the lab's."""

    host: str = "127.0.0.1"
    port: int = 5683
    cache: Path = Path("out/gateway-cache")
    fetch_timeout: float = 60.0
    #: PEM bundle of the CAs trusted for HTTPS downloads; None: the system's CAs.
    ca_file: Path | None = None
    thing_name: str = DEFAULT_TEMPLATE
    things: dict[str, str] = field(default_factory=dict)
    backend: str = "http"
    shadow_url: str = "http://127.0.0.1:8081"
    shadow_timeout: float = 10.0
    mqtt: MqttSettings | None = None

    def thing_map(self) -> ThingMap:
        return ThingMap(self.thing_name, self.things)

    def open_backend(self) -> ShadowBackend:
        """Connect the configured backend.

        :raises InputError: ``backend = "mqtt"`` without a ``[shadow.mqtt]`` table.
        :raises BackendError: the broker could not be reached.
        """
        if self.backend == "http":
            return HttpBackend(self.shadow_url, self.shadow_timeout)
        if self.mqtt is None:
            raise InputError('shadow backend "mqtt" needs a [shadow.mqtt] table with its host')
        return MqttBackend(self.mqtt).connect()


def _get(table: dict[str, Any], key: str, kind: type | tuple[type, ...], where: Path) -> Any:
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise InputError(
            f"{where}: {key} = {value!r} has the wrong type; see `degutool gateway --help`"
        )
    return value


def load(path: Path) -> GatewayConfig:
    """Read a configuration file.

    :raises InputError: unreadable, not TOML, unknown backend or keys of the wrong type.
    """
    try:
        doc = tomllib.loads(path.read_text())
    except OSError as e:
        raise InputError(f"cannot read gateway config {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"gateway config {path} is not valid TOML: {e}") from None
    base = path.parent
    cfg = GatewayConfig()
    gw = doc.get("gateway", {})
    shadow = doc.get("shadow", {})
    for key, attr, kind in (
        ("host", "host", str),
        ("port", "port", int),
        ("fetch_timeout", "fetch_timeout", (int, float)),
        ("thing_name", "thing_name", str),
    ):
        if key in gw:
            setattr(cfg, attr, _get(gw, key, kind, path))
    if "cache" in gw:
        cfg.cache = base / _get(gw, "cache", str, path)
    if "ca_file" in gw:
        cfg.ca_file = base / _get(gw, "ca_file", str, path)
    if "things" in gw:
        cfg.things = {str(k): str(v) for k, v in _get(gw, "things", dict, path).items()}
    if "backend" in shadow:
        cfg.backend = _get(shadow, "backend", str, path)
        if cfg.backend not in ("http", "mqtt"):
            raise InputError(
                f'{path}: shadow backend {cfg.backend!r} unknown: use "http" or "mqtt"'
            )
    if "url" in shadow:
        cfg.shadow_url = _get(shadow, "url", str, path)
    if "timeout" in shadow:
        cfg.shadow_timeout = float(_get(shadow, "timeout", (int, float), path))
    mq = shadow.get("mqtt")
    if mq is not None:
        if "host" not in mq:
            raise InputError(f"{path}: [shadow.mqtt] needs host")
        files = {k: str(base / _get(mq, k, str, path)) for k in ("ca", "cert", "key") if k in mq}
        cfg.mqtt = MqttSettings(
            host=_get(mq, "host", str, path),
            port=_get(mq, "port", int, path) if "port" in mq else (8883 if "ca" in mq else 1883),
            client_id=_get(mq, "client_id", str, path) if "client_id" in mq else "degu-gateway",
            timeout=cfg.shadow_timeout,
            **files,
        )
    return cfg


def parse_broker(value: str, timeout: float = 10.0) -> MqttSettings:
    """``HOST:PORT`` of a broker without TLS.

    :raises InputError: no port, or not a number.
    """
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"broker {value!r} is not HOST:PORT (e.g. 127.0.0.1:1883)")
    return MqttSettings(host.strip("[]"), int(port), timeout=timeout)
