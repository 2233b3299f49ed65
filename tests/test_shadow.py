# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Shadow semantics (table-driven) and the HTTP API through boto3's iot-data client."""

from __future__ import annotations

import json
import socket

import boto3
import botocore.config
import pytest
from degutool.shadow import ShadowHTTPService, ShadowRequestError, ShadowStore

T0 = 1_700_000_000


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def store():
    s = ShadowStore(":memory:", clock=Clock())
    yield s
    s.close()


def _update(store: ShadowStore, doc: object, thing: str = "t1", name: str = ""):
    return store.update(thing, json.dumps(doc).encode(), name)


# (updates applied in order, expected state of GET, expected version)
SEMANTICS = [
    pytest.param(
        [{"state": {"desired": {"a": 1}}}],
        {"desired": {"a": 1}, "delta": {"a": 1}},
        1,
        id="desired-only-gives-delta",
    ),
    pytest.param(
        [{"state": {"desired": {"a": 1}}}, {"state": {"reported": {"a": 1}}}],
        {"desired": {"a": 1}, "reported": {"a": 1}},
        2,
        id="reported-equal-no-delta",
    ),
    pytest.param(
        [
            {"state": {"desired": {"a": {"x": 1, "y": 2}, "b": [1, 2]}}},
            {"state": {"reported": {"a": {"x": 1, "y": 3}, "b": [1, 2], "c": 9}}},
        ],
        {
            "desired": {"a": {"x": 1, "y": 2}, "b": [1, 2]},
            "reported": {"a": {"x": 1, "y": 3}, "b": [1, 2], "c": 9},
            "delta": {"a": {"y": 2}},
        },
        2,
        id="nested-delta-only-differing-leaf",
    ),
    pytest.param(
        [
            {"state": {"desired": {"a": 1, "b": 2}}},
            {"state": {"desired": {"a": None}}},
        ],
        {"desired": {"b": 2}, "delta": {"b": 2}},
        2,
        id="null-deletes-key",
    ),
    pytest.param(
        [
            {"state": {"desired": {"a": {"x": 1}, "b": 2}}},
            {"state": {"desired": {"a": {"x": None}}}},
        ],
        {"desired": {"b": 2}, "delta": {"b": 2}},
        2,
        id="null-empties-object-removes-it",
    ),
    pytest.param(
        [
            {"state": {"desired": {"a": 1}, "reported": {"z": 0}}},
            {"state": {"desired": None}},
        ],
        {"reported": {"z": 0}},
        2,
        id="null-section-deletes-section",
    ),
    pytest.param(
        [{"state": {"desired": {"a": [1, 2]}}}, {"state": {"desired": {"a": [3]}}}],
        {"desired": {"a": [3]}, "delta": {"a": [3]}},
        2,
        id="array-replaced-whole",
    ),
    pytest.param(
        [{"state": {"reported": {"a": 1}}, "version": 0}, {"state": {}, "version": 1}],
        {"reported": {"a": 1}},
        2,
        id="matching-version-accepted",
    ),
]


@pytest.mark.parametrize("updates, state, version", SEMANTICS)
def test_semantics(store: ShadowStore, updates: list, state: dict, version: int) -> None:
    for u in updates:
        _update(store, u)
    doc = store.get("t1")
    assert doc["state"] == state
    assert doc["version"] == version
    assert doc["timestamp"] == T0


# (document bytes, HTTP code, message fragment)
REFUSED = [
    pytest.param(b"{not json", 400, "invalid json", id="not-json"),
    pytest.param(b"[]", 400, "JSON object", id="not-object"),
    pytest.param(b'{"desired":{}}', 400, "Missing required node: state", id="no-state"),
    pytest.param(b'{"state":{"delta":{}}}', 400, "invalid node: 'delta'", id="bad-node"),
    pytest.param(b'{"state":{"desired":5}}', 400, "must be an object", id="section-not-object"),
    pytest.param(
        json.dumps({"state": {"desired": {}}, "clientToken": "x" * 65}).encode(),
        400,
        "longer than 64 bytes",
        id="token-65",
    ),
    pytest.param(
        json.dumps({"state": {"desired": {"a": "x" * 8200}}}).encode(),
        413,
        "maximum size",
        id="over-8k",
    ),
    pytest.param(
        json.dumps(
            {"state": {"desired": {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}}}
        ).encode(),
        400,
        "too many levels",
        id="depth-7",
    ),
    pytest.param(b'{"state":{"desired":{"a":1}},"version":5}', 409, "Version conflict", id="stale"),
    # json.loads raises RecursionError (not ValueError) on these; 600 levels parse but must
    # not exhaust the stack in the depth check.
    pytest.param(b"[" * 5000, 400, "invalid json: nested too deeply", id="nested-arrays"),
    pytest.param(b'{"state":{"desired":' + b'{"a":' * 1200 + b"1" + b"}" * 1202, 400,
                 "invalid json: nested too deeply", id="nested-objects"),
    pytest.param(b'{"state":{"desired":' + b'{"a":' * 600 + b"1" + b"}" * 602, 400,
                 "too many levels", id="depth-600"),
]  # fmt: skip


@pytest.mark.parametrize("raw, code, fragment", REFUSED)
def test_refused(store: ShadowStore, raw: bytes, code: int, fragment: str) -> None:
    _update(store, {"state": {"desired": {"keep": 1}}})
    with pytest.raises(ShadowRequestError) as e:
        store.update("t1", raw)
    assert e.value.code == code
    assert fragment in e.value.message
    doc = store.get("t1")
    assert doc["state"]["desired"] == {"keep": 1}
    assert doc["version"] == 1


def test_token_64_bytes_echoed(store: ShadowStore) -> None:
    token = "é" * 32  # 64 bytes in UTF-8
    result = _update(store, {"state": {"desired": {"a": 1}}, "clientToken": token})
    assert result.accepted["clientToken"] == token
    assert result.delta is not None and result.delta["clientToken"] == token
    assert result.documents["clientToken"] == token
    assert store.get("t1", client_token=token)["clientToken"] == token


def test_metadata_per_leaf(store: ShadowStore) -> None:
    clock = store._clock
    _update(store, {"state": {"desired": {"a": 1, "n": {"x": 1, "y": 2}}}})
    clock.t = T0 + 5
    result = _update(store, {"state": {"desired": {"n": {"y": 3}}}})
    meta = store.get("t1")["metadata"]["desired"]
    assert meta == {
        "a": {"timestamp": T0},
        "n": {"x": {"timestamp": T0}, "y": {"timestamp": T0 + 5}},
    }
    assert result.accepted["metadata"] == {"desired": {"n": {"y": {"timestamp": T0 + 5}}}}
    assert result.delta == {
        "version": 2,
        "timestamp": T0 + 5,
        "state": {"a": 1, "n": {"x": 1, "y": 3}},
        "metadata": {"a": {"timestamp": T0}, "n": meta["n"]},
    }


def test_documents_previous_and_current(store: ShadowStore) -> None:
    first = _update(store, {"state": {"reported": {"a": 1}}})
    assert first.documents["previous"] is None
    assert first.delta is None
    second = _update(store, {"state": {"reported": {"a": 2}}})
    assert second.documents["previous"]["state"] == {"reported": {"a": 1}}
    assert second.documents["previous"]["version"] == 1
    assert second.documents["current"]["state"] == {"reported": {"a": 2}}
    assert second.documents["current"]["version"] == 2


def test_reported_update_announces_no_delta(store: ShadowStore) -> None:
    _update(store, {"state": {"desired": {"a": 1}}})
    result = _update(store, {"state": {"reported": {"b": 1}}})
    assert result.delta is None


def test_named_shadows_apart_and_delete_keeps_version(store: ShadowStore) -> None:
    _update(store, {"state": {"desired": {"a": 1}}})
    _update(store, {"state": {"desired": {"b": 2}}}, name="ota")
    assert store.get("t1", "ota")["state"]["desired"] == {"b": 2}
    assert store.get("t1")["state"]["desired"] == {"a": 1}
    assert store.names("t1") == ["ota"]
    assert store.delete("t1", "ota") == {"version": 1, "timestamp": T0}
    with pytest.raises(ShadowRequestError) as e:
        store.get("t1", "ota")
    assert e.value.code == 404
    assert _update(store, {"state": {"desired": {"c": 3}}}, name="ota").accepted["version"] == 2
    assert store.get("t1", "ota")["state"] == {"desired": {"c": 3}, "delta": {"c": 3}}


def test_missing_shadow_404(store: ShadowStore) -> None:
    with pytest.raises(ShadowRequestError) as e:
        store.get("nobody")
    assert (e.value.code, e.value.message) == (404, "No shadow exists with name: 'nobody'")


def test_store_persists(tmp_path) -> None:
    path = tmp_path / "shadow.db"
    s = ShadowStore(path)
    s.update("t1", b'{"state":{"reported":{"a":1}}}')
    s.close()
    s = ShadowStore(path)
    assert s.get("t1")["state"] == {"reported": {"a": 1}}
    assert s.things() == ["t1"]
    s.close()


@pytest.fixture
def iot_data(store):
    with ShadowHTTPService(store) as service:
        client = boto3.client(
            "iot-data",
            endpoint_url=service.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=botocore.config.Config(retries={"max_attempts": 1}),
        )
        yield client
        client.close()


def test_boto3_round_trip(iot_data) -> None:
    doc = {"state": {"desired": {"script_user_ver": "0cc175b9c0f1b6a831c399e269772661"}}}
    reply = json.loads(
        iot_data.update_thing_shadow(thingName="degu-1", payload=json.dumps(doc))["payload"].read()
    )
    assert reply["version"] == 1
    assert reply["state"] == doc["state"]
    got = json.loads(iot_data.get_thing_shadow(thingName="degu-1")["payload"].read())
    assert got["state"]["delta"] == doc["state"]["desired"]
    assert got["version"] == 1


def test_boto3_named_and_list(iot_data) -> None:
    iot_data.update_thing_shadow(
        thingName="degu-1", shadowName="ota", payload=b'{"state":{"reported":{"x":1}}}'
    )
    got = json.loads(
        iot_data.get_thing_shadow(thingName="degu-1", shadowName="ota")["payload"].read()
    )
    assert got["state"] == {"reported": {"x": 1}}
    assert iot_data.list_named_shadows_for_thing(thingName="degu-1")["results"] == ["ota"]
    deleted = json.loads(
        iot_data.delete_thing_shadow(thingName="degu-1", shadowName="ota")["payload"].read()
    )
    assert deleted["version"] == 1


# (call, arguments, boto3 exception name, HTTP code, message fragment)
BOTO_ERRORS = [
    pytest.param("get_thing_shadow", {"thingName": "none"}, "ResourceNotFoundException", 404,
                 "No shadow exists", id="get-404"),
    pytest.param("delete_thing_shadow", {"thingName": "none"}, "ResourceNotFoundException", 404,
                 "No shadow exists", id="delete-404"),
    pytest.param("update_thing_shadow", {"thingName": "t", "payload": b"{"},
                 "InvalidRequestException", 400, "invalid json", id="update-400"),
    pytest.param("update_thing_shadow",
                 {"thingName": "t", "payload": b'{"state":{"desired":{}},"version":7}'},
                 "ConflictException", 409, "Version conflict", id="update-409"),
    pytest.param("update_thing_shadow",
                 {"thingName": "t", "payload": b'{"state":{"desired":{"a":"%s"}}}' % (b"x" * 9000)},
                 "RequestEntityTooLargeException", 413, "maximum size", id="update-413"),
]  # fmt: skip


@pytest.mark.parametrize("call, args, exc, code, fragment", BOTO_ERRORS)
def test_boto3_errors(iot_data, call: str, args: dict, exc: str, code: int, fragment: str) -> None:
    with pytest.raises(getattr(iot_data.exceptions, exc)) as e:
        getattr(iot_data, call)(**args)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == code
    assert fragment in e.value.response["Error"]["Message"]


def _raw_http(url: str, request: bytes, half_close: bool = False) -> tuple[int, dict, bytes]:
    """Send ``request`` as it is (then end the sending side when ``half_close``); (status,
    JSON body, raw reply) of the answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(request)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body), reply


# (Content-Length header value, body sent, HTTP status, message): refused before the body is
# read, nothing applied, the service answering on.
BAD_LENGTHS = [
    pytest.param(b"abc", b"{}", 400, "Invalid Content-Length 'abc'", id="not-a-number"),
    pytest.param(b"-1", b'{"state":{"desired":{"a":1}}}', 400, "Invalid Content-Length '-1'",
                 id="negative"),
    pytest.param(b"100000000", b"{}", 413, "maximum size allowed (8192 bytes)", id="over-limit"),
    pytest.param(b"40", b'{"state":{"desired":{"a":1}}}', 400, "Body ended after 29 of 40",
                 id="short-body"),
    pytest.param(b"5000", b"[" * 5000, 400, "nested too deeply", id="nested-too-deep"),
]  # fmt: skip


@pytest.mark.parametrize("length, body, status, message", BAD_LENGTHS)
def test_http_bad_body_refused(store: ShadowStore, length, body, status, message) -> None:
    with ShadowHTTPService(store) as service:
        request = (
            b"POST /things/t1/shadow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Length: " + length + b"\r\n"
        )
        # A body shorter than its length: the client stops sending.
        got, doc, _ = _raw_http(service.url, request + b"\r\n" + body, length == b"40")
        assert (got, doc["code"]) == (status, status)
        assert message in doc["message"]
        with pytest.raises(ShadowRequestError, match="No shadow exists"):
            store.get("t1")
        got, doc, _ = _raw_http(
            service.url,
            b"POST /things/t1/shadow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b'Content-Length: 29\r\n\r\n{"state":{"desired":{"a":1}}}',
        )
        assert (got, doc["version"]) == (200, 1)
