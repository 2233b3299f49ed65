# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The shadow service on AWS IoT's MQTT shadow topics, through a broker (paho-mqtt).

Answers ``$aws/things/<thing>/shadow[/name/<name>]/{get,update,delete}`` on ``/accepted`` and
``/rejected`` and publishes ``/update/delta`` and ``/update/documents`` after every accepted
update, whichever API it came in by, as AWS IoT Core does.  Payloads and error documents are
those of :mod:`degutool.shadow.store` and :mod:`degutool.shadow.document`.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from typing import Any

import paho.mqtt.client as mqtt

from .. import jsonparse
from ..errors import ShadowError
from .document import ShadowRequestError
from .store import ShadowStore, UpdateResult

log = logging.getLogger(__name__)

_OPS = ("get", "update", "delete")
_SUBSCRIPTIONS = [f"$aws/things/+/shadow/{op}" for op in _OPS] + [
    f"$aws/things/+/shadow/name/+/{op}" for op in _OPS
]


def topic_prefix(thing: str, name: str = "") -> str:
    """``$aws/things/<thing>/shadow`` or, for a named shadow, ``.../shadow/name/<name>``."""
    base = f"$aws/things/{thing}/shadow"
    return f"{base}/name/{name}" if name else base


def parse_topic(topic: str) -> tuple[str, str, str] | None:
    """(thing, shadow name or '', operation) of a request topic, or None if it is not one."""
    parts = topic.split("/")
    if parts[:2] != ["$aws", "things"] or len(parts) < 5 or parts[3] != "shadow":
        return None
    if len(parts) == 5 and parts[4] in _OPS:
        return parts[2], "", parts[4]
    if len(parts) == 7 and parts[4] == "name" and parts[6] in _OPS:
        return parts[2], parts[5], parts[6]
    return None


class ShadowMQTTResponder:
    """Answers the shadow topics for a :class:`ShadowStore` through the broker at host:port."""

    def __init__(
        self, store: ShadowStore, host: str, port: int, client_id: str | None = None
    ) -> None:
        # A broker drops a client when another connects with the same id: unique by default.
        client_id = client_id or f"degu-shadow-service-{uuid.uuid4().hex[:12]}"
        self.store = store
        self.host = host
        self.port = port
        self._client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311
        )
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message
        self._subscribed = threading.Event()
        self._connect_error: str | None = None

    def start(self, timeout: float = 10.0) -> ShadowMQTTResponder:
        """Connect, subscribe, and answer from paho's network thread.

        :raises ShadowError: the broker did not accept the connection or the subscription
            within ``timeout`` seconds.
        """
        self.store.listeners.append(self._on_store_update)
        try:
            self._client.connect(self.host, self.port, keepalive=30)
        except OSError as e:
            raise ShadowError(
                f"Could not connect to the MQTT broker at {self.host}:{self.port}: {e}; "
                "is mosquitto running?"
            ) from None
        self._client.loop_start()
        if not self._subscribed.wait(timeout) or self._connect_error:
            self.stop()
            raise ShadowError(
                f"MQTT broker at {self.host}:{self.port} did not accept the shadow service "
                f"within {timeout:g} s ({self._connect_error or 'no SUBACK'})"
            )
        log.info("shadow service answering MQTT shadow topics on %s:%d", self.host, self.port)
        return self

    def stop(self) -> None:
        """Disconnect and stop the network thread."""
        if self._on_store_update in self.store.listeners:
            self.store.listeners.remove(self._on_store_update)
        self._client.disconnect()
        self._client.loop_stop()

    def __enter__(self) -> ShadowMQTTResponder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _on_connect(self, client: mqtt.Client, _ud: Any, _flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            self._connect_error = str(reason)
            self._subscribed.set()
            return
        client.subscribe([(t, 1) for t in _SUBSCRIPTIONS])

    def _on_subscribe(self, _c: mqtt.Client, _ud: Any, _mid: int, reasons: Any, _p: Any) -> None:
        failed = [r for r in reasons if r.is_failure]
        if failed:
            self._connect_error = f"subscription refused: {failed[0]}"
        self._subscribed.set()

    def _publish(self, topic: str, doc: dict[str, Any]) -> None:
        self._client.publish(topic, json.dumps(doc, separators=(",", ":")), qos=1)

    def _on_message(self, _c: mqtt.Client, _ud: Any, msg: mqtt.MQTTMessage) -> None:
        # paho's network thread runs this: whatever a message does, the thread must live on.
        try:
            self._answer(msg)
        except Exception as e:  # noqa: BLE001 (logged; the next message is answered)
            log.warning("dropped a message on %s: %r", msg.topic, e)

    def _answer(self, msg: mqtt.MQTTMessage) -> None:
        route = parse_topic(msg.topic)
        if route is None:
            return
        thing, name, op = route
        prefix = topic_prefix(thing, name)
        token = _client_token(msg.payload)
        try:
            if op == "get":
                doc = self.store.get(thing, name, token)
            elif op == "delete":
                doc = self.store.delete(thing, name, token)
            else:
                doc = self.store.update(thing, msg.payload, name).accepted
        except ShadowRequestError as e:
            if e.client_token is None and token is not None:
                e.client_token = token
            self._publish(f"{prefix}/{op}/rejected", e.body())
            return
        self._publish(f"{prefix}/{op}/accepted", doc)

    def _on_store_update(self, thing: str, name: str, result: UpdateResult) -> None:
        prefix = topic_prefix(thing, name)
        if result.delta is not None:
            self._publish(f"{prefix}/update/delta", result.delta)
        self._publish(f"{prefix}/update/documents", result.documents)


def _client_token(payload: bytes) -> str | None:
    """The clientToken of a request payload, if it has a usable one (for error replies too)."""
    try:
        doc = jsonparse.parse(payload) if payload else {}
    except jsonparse.BadJSON:
        return None
    token = doc.get("clientToken") if isinstance(doc, dict) else None
    return token if isinstance(token, str) and len(token.encode()) <= 64 else None
