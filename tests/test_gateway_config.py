# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The gateway's TOML configuration and the EUI-64 → thing name mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from degutool.errors import InputError
from degutool.gateway import MqttSettings, ThingMap, parse_eui
from degutool.gateway.config import GatewayConfig, load, parse_broker

AWS = """
[gateway]
host = "::"
port = 5684
cache = "cache"
fetch_timeout = 30
thing_name = "site1-{eui}"

[gateway.things]
"0123456789ABCDEF" = "greenhouse-3"

[shadow]
backend = "mqtt"
timeout = 4

[shadow.mqtt]
host = "abc-ats.iot.us-east-1.amazonaws.com"
client_id = "gw-1"
ca = "AmazonRootCA1.pem"
cert = "gw.cert.pem"
key = "gw.private.key"
"""


def test_load_aws_config(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text(AWS)
    cfg = load(path)
    assert (cfg.host, cfg.port, cfg.cache, cfg.fetch_timeout) == (
        "::",
        5684,
        tmp_path / "cache",
        30,
    )
    assert cfg.backend == "mqtt"
    assert cfg.mqtt == MqttSettings(
        host="abc-ats.iot.us-east-1.amazonaws.com",
        port=8883,
        client_id="gw-1",
        ca=str(tmp_path / "AmazonRootCA1.pem"),
        cert=str(tmp_path / "gw.cert.pem"),
        key=str(tmp_path / "gw.private.key"),
        timeout=4.0,
    )
    things = cfg.thing_map()
    assert things.thing("0123456789abcdef") == "greenhouse-3"
    assert things.thing("00000000000000ff") == "site1-00000000000000ff"


def test_defaults() -> None:
    cfg = GatewayConfig()
    assert (cfg.host, cfg.port, cfg.backend, cfg.shadow_url) == (
        "127.0.0.1",
        5683,
        "http",
        "http://127.0.0.1:8081",
    )
    assert cfg.thing_map().thing("0123456789abcdef") == "degu-0123456789abcdef"


# (text, EUI-64 or None)
EUIS = [
    ("0123456789abcdef", "0123456789abcdef"),
    ("0123456789ABCDEF", "0123456789abcdef"),
    ("0123456789abcde", None),
    ("0123456789abcdef0", None),
    ("0123456789abcdeg", None),
    ("01:23:45:67:89:ab:cd:ef", None),
]


@pytest.mark.parametrize("text, eui", EUIS)
def test_parse_eui(text: str, eui: str | None) -> None:
    assert parse_eui(text) == eui


def test_thing_map_refuses_bad_keys() -> None:
    with pytest.raises(InputError, match="thing map key 'abc' is not an EUI-64"):
        ThingMap(names={"abc": "x"})


# (value, settings or error fragment)
BROKERS = [
    ("127.0.0.1:1883", MqttSettings("127.0.0.1", 1883)),
    ("[::1]:1883", MqttSettings("::1", 1883)),
    ("localhost", "is not HOST:PORT"),
    ("h:0", "is not HOST:PORT"),
    ("h:x", "is not HOST:PORT"),
]


@pytest.mark.parametrize("value, want", BROKERS)
def test_parse_broker(value: str, want: object) -> None:
    if isinstance(want, str):
        with pytest.raises(InputError, match=want):
            parse_broker(value)
    else:
        assert parse_broker(value) == want
