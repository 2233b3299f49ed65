# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The MQTT backend over TLS with client certificates (as AWS IoT Core asks), against a local
mosquitto whose TLS listener requires them; the shadow service answers on a plain listener."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from degutool.gateway import BackendError, MqttBackend, MqttSettings
from degutool.lab.broker import Mosquitto
from degutool.lab.ports import free_port
from degutool.shadow import ShadowMQTTResponder, ShadowStore


def _cert(subject: str, issuer_key, issuer: str, key, ca: bool, ip: str | None = None):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ip is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write(folder: Path, name: str, cert, key) -> tuple[str, str]:
    crt, pem = folder / f"{name}.crt", folder / f"{name}.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(crt), str(pem)


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, str]:
    ca_key, srv_key, cli_key, other_key = (ec.generate_private_key(ec.SECP256R1()) for _ in "1234")
    ca = _cert("test CA", ca_key, "test CA", ca_key, ca=True)
    files: dict[str, str] = {}
    files["ca"], _ = _write(tmp_path, "ca", ca, ca_key)
    files["srv"], files["srv_key"] = _write(
        tmp_path, "srv", _cert("broker", ca_key, "test CA", srv_key, False, "127.0.0.1"), srv_key
    )
    files["cli"], files["cli_key"] = _write(
        tmp_path, "cli", _cert("gateway", ca_key, "test CA", cli_key, False), cli_key
    )
    stranger = _cert("stranger", other_key, "stranger", other_key, ca=True)
    files["other"], files["other_key"] = _write(tmp_path, "other", stranger, other_key)
    return files


@pytest.fixture
def tls_broker(tmp_path: Path, pki: dict[str, str]):
    tls_port = free_port()
    extra = (
        f"listener {tls_port} 127.0.0.1\n"
        f"cafile {pki['ca']}\ncertfile {pki['srv']}\nkeyfile {pki['srv_key']}\n"
        "require_certificate true\n"
    )
    with Mosquitto(tmp_path / "broker", extra_config=extra) as broker:
        broker.tls_port = tls_port
        yield broker


def test_tls_shadow_round_trip(tls_broker: Mosquitto, pki: dict[str, str]) -> None:
    store = ShadowStore(":memory:")
    settings = MqttSettings(
        "127.0.0.1", tls_broker.tls_port, ca=pki["ca"], cert=pki["cli"], key=pki["cli_key"],
        timeout=5,
    )  # fmt: skip
    with ShadowMQTTResponder(store, tls_broker.host, tls_broker.port):
        backend = MqttBackend(settings).connect()
        try:
            accepted = backend.update("degu-1", b'{"state":{"reported":{"firmware_version":"1"}}}')
            assert accepted["version"] == 1
            assert backend.get("degu-1")["state"] == {"reported": {"firmware_version": "1"}}
        finally:
            backend.close()
    store.close()


def test_tls_refuses_unknown_client_certificate(tls_broker, pki: dict[str, str]) -> None:
    settings = MqttSettings(
        "127.0.0.1", tls_broker.tls_port, ca=pki["ca"], cert=pki["other"], key=pki["other_key"],
        timeout=3,
    )  # fmt: skip
    with pytest.raises(BackendError, match=f"MQTT broker 127.0.0.1:{tls_broker.tls_port}"):
        MqttBackend(settings).connect()
