# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The gateway's shadow backends: the service's HTTP API, and the MQTT shadow topics through a
local mosquitto answered by the shadow service (the AWS IoT Core path without TLS)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import aiocoap
import pytest
from degutool.gateway import (
    BackendError,
    Gateway,
    GatewayServer,
    HttpBackend,
    LocalBackend,
    MqttBackend,
    MqttSettings,
    ShadowNotFound,
    ShadowRefused,
    ShadowTimeout,
)
from degutool.lab.broker import Mosquitto
from degutool.lab.ports import free_port
from degutool.shadow import ShadowHTTPService, ShadowMQTTResponder, ShadowStore

from .lab_helpers import MqttProbe


@pytest.fixture
def store() -> Iterator[ShadowStore]:
    s = ShadowStore(":memory:")
    yield s
    s.close()


@pytest.fixture
def broker(tmp_path) -> Iterator[Mosquitto]:
    with Mosquitto(tmp_path / "broker") as b:
        yield b


@pytest.fixture(params=["local", "http", "mqtt"])
def backend(request, store: ShadowStore, tmp_path):
    if request.param == "local":
        yield LocalBackend(store)
    elif request.param == "http":
        with ShadowHTTPService(store) as service:
            yield HttpBackend(service.url, timeout=5)
    else:
        broker = request.getfixturevalue("broker")
        with ShadowMQTTResponder(store, broker.host, broker.port):
            b = MqttBackend(MqttSettings(broker.host, broker.port, timeout=5)).connect()
            yield b
            b.close()


def test_update_then_get(backend, store: ShadowStore) -> None:
    accepted = backend.update("degu-1", b'{"state":{"reported":{"script_user_ver":"none"}}}')
    assert accepted["version"] == 1
    assert accepted["state"] == {"reported": {"script_user_ver": "none"}}
    store.update("degu-1", b'{"state":{"desired":{"script_user_ver":"ab"}}}')
    doc = backend.get("degu-1")
    assert doc["version"] == 2
    assert doc["state"]["delta"] == {"script_user_ver": "ab"}
    assert "clientToken" not in doc


def test_not_found_and_refused(backend) -> None:
    with pytest.raises(ShadowNotFound, match="No shadow exists with name: 'nobody'") as e:
        backend.get("nobody")
    assert e.value.coap_code == "4.04"
    with pytest.raises(ShadowRefused, match="Version conflict") as e:
        backend.update("degu-1", b'{"state":{"reported":{}},"version":9}')
    assert e.value.coap_code == "5.02"


def test_mqtt_without_service_times_out(broker) -> None:
    b = MqttBackend(MqttSettings(broker.host, broker.port, timeout=0.5)).connect()
    try:
        with pytest.raises(ShadowTimeout, match="no reply on .*/get/accepted") as e:
            b.get("degu-1")
        assert e.value.coap_code == "5.04"
    finally:
        b.close()


def test_mqtt_backend_survives_hostile_replies(broker, store: ShadowStore) -> None:
    """Garbage on the reply topics (deep nesting, not an object, a bad code) is dropped and
    the backend's network thread answers the next request."""
    with ShadowMQTTResponder(store, broker.host, broker.port):
        b = MqttBackend(MqttSettings(broker.host, broker.port, timeout=5)).connect()
        probe = MqttProbe(broker.host, broker.port, ["test/unused"])
        try:
            assert b.update("degu-1", b'{"state":{"reported":{"a":1}}}')["version"] == 1
            prefix = "$aws/things/degu-1/shadow"
            for payload in (b"[" * 5000, b"[1]", b'{"clientToken":5}', b"\xff"):
                probe.publish(f"{prefix}/update/accepted", payload)
                probe.publish(f"{prefix}/get/rejected", payload)
            assert b.get("degu-1")["state"] == {"reported": {"a": 1}}
        finally:
            probe.close()
            b.close()


def test_unreachable_services() -> None:
    port = free_port()
    with pytest.raises(BackendError, match=f"127.0.0.1:{port} unreachable") as e:
        HttpBackend(f"http://127.0.0.1:{port}", timeout=2).get("degu-1")
    assert e.value.coap_code == "5.02"
    with pytest.raises(BackendError, match=f"Could not connect to MQTT broker 127.0.0.1:{port}"):
        MqttBackend(MqttSettings("127.0.0.1", port, timeout=2)).connect()


EUI = "00000000000000aa"
DESIRED = {"config_user": "http://h/CONFIG", "config_user_ver": "c" * 32}


async def _device_boot(uri: str) -> list[tuple[str, bytes]]:
    """POST reported, PUT and GET update/status as a device does; (code, payload) of each."""
    client = await aiocoap.Context.create_client_context(transports=["udp6"])
    steps = [
        (aiocoap.POST, f"thing/{EUI}", b'{"state":{"reported":{"config_user_ver":"none"}}}'),
        (aiocoap.PUT, f"update/status/{EUI}", b""),
        (aiocoap.GET, f"update/status/{EUI}", b""),
    ]
    answers = []
    try:
        for method, path, payload in steps:
            msg = aiocoap.Message(code=method, uri=f"{uri}/{path}", payload=payload)
            resp = await asyncio.wait_for(client.request(msg).response, 20)
            answers.append((resp.code.dotted, resp.payload))
    finally:
        await client.shutdown()
    return answers


def test_mqtt_gateway_end_to_end(broker, store: ShadowStore, tmp_path) -> None:
    """A device's boot sequence through the gateway over the MQTT backend."""
    store.update(f"degu-{EUI}", json.dumps({"state": {"desired": DESIRED}}).encode())

    async def main() -> list[tuple[str, bytes]]:
        async with GatewayServer(Gateway(backend, tmp_path / "cache"), "127.0.0.1", 0) as server:
            return await _device_boot(server.uri)

    with ShadowMQTTResponder(store, broker.host, broker.port):
        backend = MqttBackend(MqttSettings(broker.host, broker.port, timeout=5)).connect()
        try:
            answers = asyncio.run(main())
        finally:
            backend.close()
    assert [code for code, _ in answers] == ["2.04", "2.04", "2.05"]
    assert json.loads(answers[2][1]) == {"state": {"desired": DESIRED}, "version": 2}
    assert store.get(f"degu-{EUI}")["state"]["reported"] == {"config_user_ver": "none"}
