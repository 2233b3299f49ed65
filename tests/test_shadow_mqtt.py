# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The shadow service on the MQTT shadow topics, through a real local mosquitto."""

from __future__ import annotations

import json
import urllib.request

import pytest
from degutool.errors import DeguError
from degutool.lab.broker import Mosquitto
from degutool.shadow import ShadowHTTPService, ShadowMQTTResponder, ShadowStore

from .lab_helpers import MqttProbe

P = "$aws/things/t1/shadow"


@pytest.fixture
def broker(tmp_path):
    with Mosquitto(tmp_path / "broker") as b:
        yield b


@pytest.fixture
def store():
    s = ShadowStore(":memory:")
    yield s
    s.close()


@pytest.fixture
def probe(broker, store):
    with ShadowMQTTResponder(store, broker.host, broker.port):
        p = MqttProbe(broker.host, broker.port, ["$aws/things/t1/shadow/#"])
        yield p
        p.close()


def test_broker_config_loopback_only(broker) -> None:
    conf = broker.config_path.read_text()
    assert f"listener {broker.port} 127.0.0.1\n" in conf


def test_update_accepted_delta_documents(probe: MqttProbe) -> None:
    probe.publish(f"{P}/update", {"state": {"desired": {"a": 1}}, "clientToken": "tok-1"})
    accepted = probe.next(f"{P}/update/accepted")
    assert accepted["state"] == {"desired": {"a": 1}}
    assert (accepted["version"], accepted["clientToken"]) == (1, "tok-1")
    probe.publish(f"{P}/update", {"state": {"desired": {"a": 2}}})
    delta = probe.next(f"{P}/update/delta")
    assert (delta["state"], delta["version"]) == ({"a": 2}, 2)
    docs = probe.next(f"{P}/update/documents")
    assert docs["previous"]["state"] == {"desired": {"a": 1}}
    assert docs["current"]["state"] == {"desired": {"a": 2}}


# (request topic suffix, payload, reply topic suffix, code, message fragment)
REJECTED = [
    pytest.param("update", b"{nope", "update/rejected", 400, "invalid json", id="bad-json"),
    pytest.param("update", b'{"state":{"desired":{}},"version":3,"clientToken":"c"}',
                 "update/rejected", 409, "Version conflict", id="conflict"),
    pytest.param("get", b'{"clientToken":"c"}', "get/rejected", 404, "No shadow", id="get-404"),
    pytest.param("delete", b"", "delete/rejected", 404, "No shadow", id="delete-404"),
]  # fmt: skip


@pytest.mark.parametrize("op, payload, reply, code, fragment", REJECTED)
def test_rejected(probe: MqttProbe, op, payload, reply, code, fragment) -> None:
    probe.publish(f"{P}/{op}", payload)
    doc = probe.next(f"{P}/{reply}")
    assert doc["code"] == code
    assert fragment in doc["message"]
    if b"clientToken" in payload:
        assert doc["clientToken"] == "c"


def test_get_and_delete(probe: MqttProbe) -> None:
    probe.publish(f"{P}/update", {"state": {"reported": {"x": 1}, "desired": {"x": 2}}})
    probe.next(f"{P}/update/accepted")
    probe.publish(f"{P}/get", {"clientToken": "g"})
    got = probe.next(f"{P}/get/accepted")
    assert got["state"] == {"reported": {"x": 1}, "desired": {"x": 2}, "delta": {"x": 2}}
    assert got["clientToken"] == "g"
    probe.publish(f"{P}/delete", b"")
    assert probe.next(f"{P}/delete/accepted")["version"] == 1


def test_named_shadow_topics(broker, store) -> None:
    with ShadowMQTTResponder(store, broker.host, broker.port):
        p = MqttProbe(broker.host, broker.port, ["$aws/things/t1/shadow/name/ota/#"])
        try:
            p.publish(f"{P}/name/ota/update", {"state": {"desired": {"k": "v"}}})
            assert p.next(f"{P}/name/ota/update/delta")["state"] == {"k": "v"}
        finally:
            p.close()
    assert store.get("t1", "ota")["state"]["desired"] == {"k": "v"}
    assert store.names("t1") == ["ota"]


def test_http_update_announced_on_mqtt(probe: MqttProbe, store: ShadowStore) -> None:
    with ShadowHTTPService(store) as service:
        req = urllib.request.Request(
            f"{service.url}/things/t1/shadow",
            data=json.dumps({"state": {"desired": {"from": "http"}}}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert json.loads(resp.read())["version"] == 1
    assert probe.next(f"{P}/update/delta")["state"] == {"from": "http"}


def test_broker_bad_config_reports_exit(tmp_path) -> None:
    broker = Mosquitto(tmp_path / "b", extra_config="no_such_option 1\n")
    with pytest.raises(DeguError, match=r"mosquitto exited \(\d+\) with .*mosquitto.conf: .*"):
        broker.start()
    assert broker._proc is None


# Payloads that once killed the responder's thread (RecursionError out of json.loads).
HOSTILE = [
    pytest.param("update", b"[" * 5000, 400, "nested too deeply", id="update-nested"),
    pytest.param("get", b"[" * 5000, 404, "No shadow", id="get-nested"),
    pytest.param("update", b'{"state":{"desired":' + b'{"a":' * 1200, 400, "nested too deeply",
                 id="update-nested-objects"),
]  # fmt: skip


@pytest.mark.parametrize("op, payload, code, fragment", HOSTILE)
def test_hostile_message_answered_and_thread_lives(probe: MqttProbe, op, payload, code, fragment):
    probe.publish(f"{P}/{op}", payload)
    doc = probe.next(f"{P}/{op}/rejected")
    assert (doc["code"], fragment in doc["message"]) == (code, True)
    probe.publish(f"{P}/update", {"state": {"desired": {"a": 1}}, "clientToken": "after"})
    accepted = probe.next(f"{P}/update/accepted")
    assert (accepted["clientToken"], accepted["version"]) == ("after", 1)
