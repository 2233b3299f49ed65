# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The Degu gateway: CoAP (docs/protocol.md) to a shadow backend and release files.

- :class:`Gateway` (the CoAP resource tree) and :class:`GatewayServer` (binds it, in a loop or
  a thread);
- backends: :class:`LocalBackend` (a :class:`~degutool.shadow.ShadowStore` in-process),
  :class:`HttpBackend` (the shadow service's HTTP API), :class:`MqttBackend` (AWS IoT Core or
  the local broker, over the MQTT shadow topics);
- :class:`ThingMap`: EUI-64 to thing name (default ``degu-<eui64>``).
"""

from .backend import (
    BackendError,
    HttpBackend,
    LocalBackend,
    MqttBackend,
    MqttSettings,
    ShadowBackend,
    ShadowNotFound,
    ShadowRefused,
    ShadowTimeout,
)
from .server import ITEM_CAPS, Gateway, GatewayServer
from .things import ThingMap, parse_eui

__all__ = [
    "ITEM_CAPS",
    "BackendError",
    "Gateway",
    "GatewayServer",
    "HttpBackend",
    "LocalBackend",
    "MqttBackend",
    "MqttSettings",
    "ShadowBackend",
    "ShadowNotFound",
    "ShadowRefused",
    "ShadowTimeout",
    "ThingMap",
    "parse_eui",
]
