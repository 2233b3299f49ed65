# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Where the gateway keeps shadows: the local shadow service (in-process or over HTTP) or
AWS IoT Core over its MQTT shadow topics.

Every backend offers the same two blocking calls, :meth:`ShadowBackend.get` and
:meth:`ShadowBackend.update`, which return the shadow service's reply document or raise a
:class:`BackendError` that says which CoAP code the gateway answers with.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import paho.mqtt.client as mqtt

from .. import jsonparse
from ..errors import ShadowError
from ..shadow import ShadowRequestError, ShadowStore, topic_prefix

log = logging.getLogger(__name__)


class BackendError(ShadowError):
    """The shadow backend failed a request; ``coap_code`` is what the gateway answers."""

    coap_code = "5.02"


class ShadowNotFound(BackendError):
    """The thing has no shadow."""

    coap_code = "4.04"


class ShadowRefused(BackendError):
    """The shadow service refused the request (its message is the text)."""


class ShadowTimeout(BackendError):
    """The shadow service did not answer in time."""

    coap_code = "5.04"


class ShadowBackend(Protocol):
    """The gateway's view of a shadow service (blocking calls; the gateway runs them in
    worker threads)."""

    def get(self, thing: str) -> dict[str, Any]:
        """The thing's classic shadow document (``state``, ``metadata``, ``version``, ...)."""
        ...

    def update(self, thing: str, document: bytes) -> dict[str, Any]:
        """Apply an update document; returns the accepted reply."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def _raise_for(code: int, message: str) -> None:
    if code == 404:
        raise ShadowNotFound(message)
    raise ShadowRefused(message)


class LocalBackend:
    """A :class:`ShadowStore` in the same process."""

    def __init__(self, store: ShadowStore) -> None:
        self.store = store

    def get(self, thing: str) -> dict[str, Any]:
        try:
            return self.store.get(thing)
        except ShadowRequestError as e:
            _raise_for(e.code, e.message)
            raise

    def update(self, thing: str, document: bytes) -> dict[str, Any]:
        try:
            return self.store.update(thing, document).accepted
        except ShadowRequestError as e:
            _raise_for(e.code, e.message)
            raise

    def close(self) -> None:
        pass


class HttpBackend:
    """The shadow service's HTTP API (the lab's, or anything shaped like AWS's data plane
    that takes unsigned requests) at ``url``."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, thing: str, body: bytes | None = None) -> dict[str, Any]:
        req = urllib.request.Request(
            f"{self.url}/things/{quote(thing, safe='')}/shadow", data=body, method=method
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                doc = jsonparse.parse(resp.read())
        except urllib.error.HTTPError as e:
            try:
                doc = jsonparse.parse(e.read())
                message = str(doc.get("message", doc) if isinstance(doc, dict) else doc)
            except jsonparse.BadJSON:
                message = f"HTTP {e.code}"
            _raise_for(e.code, message)
            raise
        except TimeoutError:
            raise ShadowTimeout(f"shadow service {self.url} timed out") from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            if isinstance(reason, TimeoutError):
                raise ShadowTimeout(f"shadow service {self.url} timed out") from None
            raise BackendError(f"shadow service {self.url} unreachable: {reason}") from None
        except jsonparse.BadJSON as e:
            raise BackendError(f"shadow service {self.url} answered no JSON: {e}") from None
        if not isinstance(doc, dict):
            raise BackendError(f"shadow service {self.url} answered no JSON object")
        return doc

    def get(self, thing: str) -> dict[str, Any]:
        return self._call("GET", thing)

    def update(self, thing: str, document: bytes) -> dict[str, Any]:
        return self._call("POST", thing, document)

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class MqttSettings:
    """How to reach the broker: AWS IoT Core (TLS, port 8883, the thing's certificate) or a
    local mosquitto without TLS (``ca`` unset)."""

    host: str
    port: int = 8883
    client_id: str = "degu-gateway"
    ca: str | None = None
    cert: str | None = None
    key: str | None = None
    timeout: float = 10.0


class MqttBackend:
    """AWS IoT's MQTT shadow topics: publish to ``.../get`` and ``.../update`` with a
    clientToken, wait for the matching ``/accepted`` or ``/rejected``."""

    def __init__(self, settings: MqttSettings) -> None:
        self.settings = settings
        self._client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=settings.client_id, protocol=mqtt.MQTTv311
        )
        if settings.ca:
            self._client.tls_set(
                ca_certs=settings.ca,
                certfile=settings.cert,
                keyfile=settings.key,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._connect_error: str | None = None
        self._subscribed: dict[str, threading.Event] = {}
        self._sub_mids: dict[int, threading.Event] = {}
        self._pending: dict[str, tuple[threading.Event, list[tuple[str, Any]]]] = {}

    def connect(self) -> MqttBackend:
        """Connect to the broker and start paho's network thread.

        :raises BackendError: the broker is unreachable or refused the connection.
        """
        s = self.settings
        try:
            self._client.connect(s.host, s.port, keepalive=60)
        except (OSError, ssl.SSLError) as e:
            raise BackendError(f"Could not connect to MQTT broker {s.host}:{s.port}: {e}") from None
        self._client.loop_start()
        if not self._connected.wait(s.timeout) or self._connect_error:
            self.close()
            raise BackendError(
                f"MQTT broker {s.host}:{s.port} did not accept client {s.client_id!r}: "
                f"{self._connect_error or 'no CONNACK'}"
            )
        return self

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            self._connect_error = str(reason)
        else:
            # A reconnect loses the subscriptions of a clean session: subscribe again on use.
            with self._lock:
                self._subscribed.clear()
        self._connected.set()

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, mid: int, _r: Any, _p: Any) -> None:
        with self._lock:
            event = self._sub_mids.pop(mid, None)
        if event is not None:
            event.set()

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        # paho's network thread runs this: whatever a message does, the thread must live on.
        try:
            self._take_reply(msg)
        except Exception as e:  # noqa: BLE001 (logged; the next message is taken)
            log.warning("dropped a message on %s: %r", msg.topic, e)

    def _take_reply(self, msg: mqtt.MQTTMessage) -> None:
        try:
            doc = jsonparse.parse(msg.payload)
        except jsonparse.BadJSON as e:
            log.warning("ignoring non-JSON message on %s: %s", msg.topic, e)
            return
        token = doc.get("clientToken") if isinstance(doc, dict) else None
        with self._lock:
            pending = self._pending.get(token) if isinstance(token, str) else None
        if pending is not None:
            pending[1].append((msg.topic, doc))
            pending[0].set()

    def _subscribe(self, thing: str) -> None:
        prefix = topic_prefix(thing)
        with self._lock:
            event = self._subscribed.get(thing)
            first = event is None
            if first:
                event = self._subscribed[thing] = threading.Event()
        if first:
            topics = [
                f"{prefix}/{op}/{r}" for op in ("get", "update") for r in ("accepted", "rejected")
            ]
            with self._lock:
                result, mid = self._client.subscribe([(t, 1) for t in topics])
                if result != mqtt.MQTT_ERR_SUCCESS:
                    del self._subscribed[thing]
                    raise BackendError(f"MQTT subscribe for {thing} failed ({result})")
                self._sub_mids[mid] = event
        if not event.wait(self.settings.timeout):
            with self._lock:
                self._subscribed.pop(thing, None)
            raise ShadowTimeout(f"MQTT broker did not acknowledge the subscription for {thing}")

    def _request(self, thing: str, op: str, doc: dict[str, Any]) -> dict[str, Any]:
        self._subscribe(thing)
        token = uuid.uuid4().hex
        doc = {**doc, "clientToken": token}
        event = threading.Event()
        replies: list[tuple[str, Any]] = []
        with self._lock:
            self._pending[token] = (event, replies)
        prefix = topic_prefix(thing)
        try:
            info = self._client.publish(f"{prefix}/{op}", json.dumps(doc), qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                raise BackendError(f"MQTT publish to {prefix}/{op} failed ({info.rc})")
            if not event.wait(self.settings.timeout):
                raise ShadowTimeout(
                    f"no reply on {prefix}/{op}/accepted or /rejected within "
                    f"{self.settings.timeout:g} s"
                )
        finally:
            with self._lock:
                self._pending.pop(token, None)
        topic, reply = replies[0]
        if not isinstance(reply, dict):
            raise BackendError(f"reply on {topic} is not a JSON object")
        if topic.endswith("/rejected"):
            code = reply.get("code")
            _raise_for(code if isinstance(code, int) else 500, str(reply.get("message", reply)))
        reply.pop("clientToken", None)
        return reply

    def get(self, thing: str) -> dict[str, Any]:
        return self._request(thing, "get", {})

    def update(self, thing: str, document: bytes) -> dict[str, Any]:
        try:
            doc = jsonparse.parse(document)
        except jsonparse.BadJSON as e:
            raise ShadowRefused(f"Payload contains invalid json: {e}") from None
        if not isinstance(doc, dict):
            raise ShadowRefused("Payload must be a JSON object")
        return self._request(thing, "update", doc)
