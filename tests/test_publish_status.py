# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool publish`, `degutool status`, `degutool lab up` and `degutool gateway`, in-process."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from degutool.cli import cli
from degutool.lab.runner import Lab, LabPorts
from degutool.lab.state import LabState
from degutool.lab.status import ItemStatus, item_status
from degutool.shadow import ShadowHTTPService, ShadowStore

from .lab_helpers import FakeS3Handler, MqttProbe

SCRIPT = b'print("Hello! I\'m Bob.")\n'
CONFIG = b"interval=10\n"
THING = "degu-0123456789abcdef"
FREE = LabPorts(0, 0, 0, 0)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def make_release(folder: Path, base: str, script: bytes = SCRIPT) -> Path:
    """A release folder shaped as `degutool release` writes it (docs/manifest.md)."""
    folder.mkdir(parents=True)
    (folder / "main.py").write_bytes(script)
    (folder / "CONFIG").write_bytes(CONFIG)
    items = {
        "script_user": {"file": "main.py", "md5": md5(script), "url": base + "main.py"},
        "config_user": {"file": "CONFIG", "md5": md5(CONFIG), "url": base + "CONFIG"},
    }
    (folder / "manifest.json").write_text(json.dumps({"schema": 1, "items": items}))
    desired = {}
    for key, item in items.items():
        desired[key], desired[f"{key}_ver"] = item["url"], item["md5"]
    (folder / "desired.json").write_text(json.dumps({"state": {"desired": desired}}))
    return folder


@pytest.fixture
def lab(tmp_path: Path):
    with Lab(tmp_path / "lab", FREE, mqtt=False) as running:
        yield running


def test_lab_parts_talk(tmp_path: Path) -> None:
    """The lab's shadow is one: an update over MQTT is seen over HTTP and by the gateway."""
    with Lab(tmp_path / "lab", FREE) as lab:
        state = LabState.read(lab.folder)
        assert state.coap_port == lab.server.port and state.mqtt_port == lab.broker.port
        probe = MqttProbe(state.mqtt_host, state.mqtt_port, [f"$aws/things/{THING}/shadow/#"])
        try:
            probe.publish(f"$aws/things/{THING}/shadow/update", {"state": {"desired": {"k": 1}}})
            assert probe.next(f"$aws/things/{THING}/shadow/update/accepted")["version"] == 1
        finally:
            probe.close()
        doc = json.loads(fetch(f"{state.shadow_url}/things/{THING}/shadow"))
        assert doc["state"]["desired"] == {"k": 1}
        assert lab.gateway.backend.get(THING)["version"] == 1
    assert not (tmp_path / "lab" / "lab.json").exists()


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read()


def test_publish_rewrites_urls_and_serves(lab: Lab, tmp_path: Path) -> None:
    dist = make_release(tmp_path / "r1", "https://updates.example.com/degu/r1/")
    rc, out, err = invoke("publish", str(dist), "--thing", THING, "--lab", str(lab.folder))
    assert (rc, err) == (0, "")
    base = lab.state.files_url + "releases/r1/"
    assert out.splitlines() == [
        f"script_user      {md5(SCRIPT)}  {base}main.py",
        f"config_user      {md5(CONFIG)}  {base}CONFIG",
        f"{THING}: desired set, shadow version 1",
    ]
    desired = lab.store.get(THING)["state"]["desired"]
    assert desired == {
        "script_user": base + "main.py",
        "script_user_ver": md5(SCRIPT),
        "config_user": base + "CONFIG",
        "config_user_ver": md5(CONFIG),
    }
    assert fetch(desired["script_user"]) == SCRIPT
    assert fetch(desired["config_user"]) == CONFIG


def test_publish_keeps_urls_into_the_file_server(lab: Lab, tmp_path: Path) -> None:
    base = lab.state.files_url + "releases/demo/"
    dist = make_release(tmp_path / "out-release", base)
    rc, _, err = invoke("publish", str(dist), "--thing", THING, "--lab", str(lab.folder))
    assert (rc, err) == (0, "")
    assert lab.store.get(THING)["state"]["desired"]["script_user"] == base + "main.py"
    assert fetch(base + "main.py") == SCRIPT


def test_publish_refusals(lab: Lab, tmp_path: Path) -> None:
    dist = make_release(tmp_path / "r1", "http://h/")
    (dist / "main.py").write_bytes(b"changed")
    rc, out, err = invoke("publish", str(dist), "--thing", THING, "--lab", str(lab.folder))
    assert (rc, out) == (2, "")
    assert err == (
        f"degutool: error: {dist / 'main.py'} has MD5 {md5(b'changed')} but desired.json says "
        f"{md5(SCRIPT)}: the folder was changed after `degutool release`; release it again\n"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    rc, _, err = invoke("publish", str(empty), "--thing", THING, "--lab", str(lab.folder))
    assert rc == 2
    assert err == (
        f"degutool: error: {empty / 'desired.json'} missing: DIST must be a folder written by "
        "`degutool release`\n"
    )
    with pytest.raises(Exception, match="No shadow exists"):
        lab.store.get(THING)  # nothing was set


def test_publish_without_lab(tmp_path: Path) -> None:
    dist = make_release(tmp_path / "r1", "http://h/")
    nolab = tmp_path / "nolab"
    rc, _, err = invoke("publish", str(dist), "--thing", THING, "--lab", str(nolab))
    assert rc == 2
    assert err == (
        f"degutool: error: no lab running in {nolab} ({nolab / 'lab.json'} missing): start one "
        f"with `degutool lab up --lab {nolab}` or give --lab\n"
    )


A, B = "a" * 32, "b" * 32
URL = "http://h/main.py"
WANT_A = {"script_user": URL, "script_user_ver": A}

# (desired, reported, expected status of script_user)
STATUS = [
    pytest.param({}, {}, ItemStatus("script_user", None, None, "unset"), id="unset"),
    pytest.param(WANT_A, {"script_user_ver": A.upper()},
                 ItemStatus("script_user", A, A.upper(), "current"), id="current-any-case"),
    pytest.param({"script_user_ver": A}, {"script_user_ver": A},
                 ItemStatus("script_user", A, A, "current"), id="current-without-url"),
    pytest.param(WANT_A, {"script_user_ver": B},
                 ItemStatus("script_user", A, B, "pending"), id="pending"),
    pytest.param(WANT_A,
                 {"script_user_ver": B, "ota": {"items": {"script_user": {
                     "ver": A, "attempts": 1, "error": "HTTP 404"}}}},
                 ItemStatus("script_user", A, B, "failed", "HTTP 404", 1), id="failed"),
    pytest.param(WANT_A,
                 {"script_user_ver": B, "ota": {"items": {"script_user": {
                     "ver": A, "attempts": 3, "error": "digest mismatch"}}}},
                 ItemStatus("script_user", A, B, "held", "digest mismatch", 3), id="held"),
    pytest.param(WANT_A,
                 {"script_user_ver": B, "ota": {"items": {"script_user": {
                     "ver": "c" * 32, "attempts": 3, "error": "HTTP 404"}}}},
                 ItemStatus("script_user", A, B, "pending"), id="failure-of-older-digest"),
    # Desired the device refuses without fetching: status says so before any reset.
    pytest.param({"script_user_ver": A}, {"script_user_ver": B},
                 ItemStatus("script_user", A, B, "invalid",
                            "desired has script_user_ver but no script_user URL"), id="no-url"),
    pytest.param({"script_user": "", "script_user_ver": A}, {},
                 ItemStatus("script_user", A, None, "invalid",
                            "desired has script_user_ver but no script_user URL"), id="empty-url"),
    pytest.param({"script_user": 5, "script_user_ver": A}, {},
                 ItemStatus("script_user", A, None, "invalid",
                            "desired script_user URL is not a string"), id="url-not-string"),
    pytest.param({"script_user": "http://h/" + "x" * 119, "script_user_ver": A}, {},
                 ItemStatus("script_user", A, None, "invalid",
                            "desired script_user URL is over 127 bytes"), id="url-too-long"),
    pytest.param({"script_user": URL, "script_user_ver": "a" * 31}, {},
                 ItemStatus("script_user", "a" * 31, None, "invalid",
                            f"desired script_user_ver {'a' * 31!r} is not 32 hex digits"),
                 id="ver-short"),
    pytest.param({"script_user": URL, "script_user_ver": "g" * 32}, {},
                 ItemStatus("script_user", "g" * 32, None, "invalid",
                            f"desired script_user_ver {'g' * 32!r} is not 32 hex digits"),
                 id="ver-not-hex"),
]  # fmt: skip


@pytest.mark.parametrize("desired, reported, want", STATUS)
def test_item_status(desired: dict, reported: dict, want: ItemStatus) -> None:
    rows = item_status({"state": {"desired": desired, "reported": reported}})
    assert [r.item for r in rows] == ["firmware_system", "script_user", "config_user"]
    assert rows[1] == want


def test_status_command(lab: Lab, tmp_path: Path) -> None:
    dist = make_release(tmp_path / "r1", "http://h/")
    assert invoke("publish", str(dist), "--thing", THING, "--lab", str(lab.folder))[0] == 0
    reported = {
        "script_user_ver": md5(SCRIPT),
        "config_user_ver": "none",
        "ota": {"items": {"config_user": {"ver": md5(CONFIG), "attempts": 2, "error": "HTTP 404"}}},
    }
    lab.store.update(THING, json.dumps({"state": {"reported": reported}}).encode())
    lab.store.update("degu-other", b'{"state":{"reported":{"script_user_ver":"none"}}}')
    rc, out, err = invoke("status", "--lab", str(lab.folder))
    assert (rc, err) == (0, "")
    lines = [line.split() for line in out.splitlines()]
    assert lines[0] == ["THING", "ITEM", "STATE", "DESIRED", "REPORTED", "REASON"]
    assert lines[1:] == [
        [THING, "firmware_system", "unset", "-", "-"],
        [THING, "script_user", "current", md5(SCRIPT), md5(SCRIPT)],
        [THING, "config_user", "failed", md5(CONFIG), "none", "HTTP", "404", "(attempt", "2/3)"],
        ["degu-other", "firmware_system", "unset", "-", "-"],
        ["degu-other", "script_user", "unset", "-", "none"],
        ["degu-other", "config_user", "unset", "-", "-"],
    ]
    rc, out, err = invoke("status", "--lab", str(lab.folder), "--thing", "degu-none")
    assert (rc, out) == (1, "")
    assert err == (
        "degutool: error: 'degu-none' has no shadow in the lab: check the name "
        "(`degutool status` without --thing lists the lab's things)\n"
    )
    rc, out, err = invoke("status", "--lab", str(lab.folder), "--thing", "degu-none",
                          "--thing", "degu-other")  # fmt: skip
    assert rc == 1 and err.startswith("degutool: error: 'degu-none' has no shadow")
    assert [line.split()[:3] for line in out.splitlines()[1:]] == [
        ["degu-other", "firmware_system", "unset"],
        ["degu-other", "script_user", "unset"],
        ["degu-other", "config_user", "unset"],
    ]


def test_status_shows_invalid_desired(lab: Lab) -> None:
    desired = {"script_user_ver": md5(SCRIPT), "config_user": "http://h/C", "config_user_ver": "x"}
    lab.store.update(THING, json.dumps({"state": {"desired": desired}}).encode())
    rc, out, err = invoke("status", "--lab", str(lab.folder), "--thing", THING)
    assert (rc, err) == (0, "")
    lines = out.splitlines()
    assert lines[2].split(None, 5) == [
        THING, "script_user", "invalid", md5(SCRIPT), "-",
        "desired has script_user_ver but no script_user URL",
    ]  # fmt: skip
    assert lines[3].split(None, 5) == [
        THING, "config_user", "invalid", "x", "-",
        "desired config_user_ver 'x' is not 32 hex digits",
    ]  # fmt: skip


def test_status_endpoint_needs_thing() -> None:
    rc, _, err = invoke("status", "--endpoint-url", "http://127.0.0.1:9")
    assert rc == 2
    assert err == (
        "degutool: error: --endpoint-url needs --thing NAME: AWS IoT has no list of shadows\n"
    )


def test_lab_up_prints_and_cleans_up(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    seen: list[LabState] = []

    def watch() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not seen:
            try:
                seen.append(LabState.read(folder))
            except Exception:
                time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    ports = ["--coap-port", "0", "--files-port", "0", "--shadow-port", "0", "--mqtt-port", "0"]
    rc, out, err = invoke("lab", "up", "--lab", str(folder), *ports, "--run-for", "1.5")
    watcher.join()
    assert (rc, err) == (0, "")
    state = seen[0]
    assert out.splitlines() == [
        f"shadow service  {state.shadow_url}  (AWS IoT data plane API)",
        f"mqtt broker     mqtt://127.0.0.1:{state.mqtt_port}  (shadow topics)",
        f"file server     {state.files_url}  (root {state.files_root})",
        f"gateway         coap://127.0.0.1:{state.coap_port}",
        f"lab state       {folder / 'lab.json'}",
    ]
    assert not (folder / "lab.json").exists()
    assert f"listener {state.mqtt_port} 127.0.0.1" in (folder / "broker/mosquitto.conf").read_text()


def test_gateway_command(tmp_path: Path) -> None:
    store = ShadowStore(":memory:")
    with ShadowHTTPService(store) as service:
        rc, out, err = invoke("gateway", "--port", "0", "--shadow-url", service.url,
                              "--cache", str(tmp_path / "c"), "--run-for", "0.2")  # fmt: skip
    store.close()
    assert (rc, err) == (0, "")
    assert out.startswith("gateway: coap://127.0.0.1:")
    assert out.endswith(f"(shadow: http, cache: {tmp_path / 'c'})\n")


# (config text, exact error)
BAD_CONFIGS = [
    pytest.param("[gateway\n", "is not valid TOML", id="not-toml"),
    pytest.param('[shadow]\nbackend = "coap"\n', "shadow backend 'coap' unknown", id="backend"),
    pytest.param('[gateway]\nport = "x"\n', "port = 'x' has the wrong type", id="port-type"),
    pytest.param('[shadow]\nbackend = "mqtt"\n', "needs a [shadow.mqtt] table", id="no-mqtt"),
    pytest.param('[gateway]\nthing_name = "degu"\n', "has no {eui}", id="template"),
]


@pytest.mark.parametrize("text, fragment", BAD_CONFIGS)
def test_gateway_bad_config(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "gw.toml"
    path.write_text(text)
    rc, out, err = invoke("gateway", "--config", str(path), "--port", "0", "--run-for", "0.1")
    assert (rc, out) == (2, "")
    assert err.startswith("degutool: error: ") and fragment in err
    assert len(err.splitlines()) == 1


@pytest.fixture
def fake_s3(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeS3Handler)
    server.objects = {}
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
    yield server.objects
    server.shutdown()
    thread.join()
    server.server_close()


def test_publish_to_s3(lab: Lab, tmp_path: Path, fake_s3: dict) -> None:
    dist = make_release(tmp_path / "r2", "http://h/")
    publish = ["publish", str(dist), "--thing", THING, "--lab", str(lab.folder)]
    rc, out, err = invoke(*publish, "--to", "s3://degu-releases/r2")
    assert (rc, err) == (0, "")
    assert fake_s3 == {"/degu-releases/r2/main.py": SCRIPT, "/degu-releases/r2/CONFIG": CONFIG}
    desired = lab.store.get(THING)["state"]["desired"]
    assert desired["script_user"] == "https://degu-releases.s3.amazonaws.com/r2/main.py"
    assert desired["config_user_ver"] == md5(CONFIG)
    cdn = "https://cdn.example/"
    rc, _, err = invoke(*publish, "--to", "s3://degu-releases/r2", "--url-base", cdn)
    assert (rc, err) == (0, "")
    assert lab.store.get(THING)["state"]["desired"]["script_user"] == cdn + "r2/main.py"


def test_publish_bad_target(lab: Lab, tmp_path: Path) -> None:
    dist = make_release(tmp_path / "r1", "http://h/")
    rc, _, err = invoke("publish", str(dist), "--thing", THING, "--lab", str(lab.folder),
                        "--to", "/srv/www")  # fmt: skip
    assert rc == 2
    assert err == (
        "degutool: error: --to '/srv/www': only s3://BUCKET/PREFIX targets are supported\n"
    )


def test_publish_to_lab_api(lab: Lab, tmp_path: Path) -> None:
    from degutool.lab.publish import publish_to_lab

    urls, version = publish_to_lab(make_release(tmp_path / "r9", "http://h/"), THING, lab.state)
    assert urls == {
        "script_user": lab.state.files_url + "releases/r9/main.py",
        "config_user": lab.state.files_url + "releases/r9/CONFIG",
    }
    assert version == 1
    assert fetch(urls["config_user"]) == CONFIG


def test_gateway_command_mqtt(tmp_path: Path) -> None:
    from degutool.lab.broker import Mosquitto

    with Mosquitto(tmp_path / "broker") as broker:
        rc, out, err = invoke("gateway", "--port", "0", "--mqtt", f"127.0.0.1:{broker.port}",
                              "--cache", str(tmp_path / "c"), "--run-for", "0.2")  # fmt: skip
    assert (rc, err) == (0, "")
    assert out.endswith(f"(shadow: mqtt, cache: {tmp_path / 'c'})\n")


def test_gateway_command_mqtt_unreachable(tmp_path: Path) -> None:
    from degutool.lab.ports import free_port

    port = free_port()
    rc, out, err = invoke("gateway", "--port", "0", "--mqtt", f"127.0.0.1:{port}")
    assert (rc, out) == (1, "")
    assert err.startswith(f"degutool: error: Could not connect to MQTT broker 127.0.0.1:{port}: ")
    assert len(err.splitlines()) == 1
