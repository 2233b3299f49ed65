# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The embedded shadow service: AWS IoT Device Shadow semantics on SQLite.

- :class:`ShadowStore`: the documents and their rules (thread-safe, one SQLite file);
- :class:`ShadowHTTPService`: the AWS IoT data plane HTTP API over a store (boto3 ``iot-data``
  with ``endpoint_url`` works against it);
- :class:`ShadowMQTTResponder`: the ``$aws/things/<thing>/shadow/...`` topics over a store,
  through an MQTT broker (see :mod:`degutool.lab.broker` for a local mosquitto).
"""

from .document import ShadowRequestError
from .http import ShadowHTTPService
from .mqtt import ShadowMQTTResponder, topic_prefix
from .store import ShadowStore, UpdateResult

__all__ = [
    "ShadowHTTPService",
    "ShadowMQTTResponder",
    "ShadowRequestError",
    "ShadowStore",
    "UpdateResult",
    "topic_prefix",
]
