# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The gateway's HTTPS downloads: certificate and host name verified (system CAs, or the
config's ``ca_file``), TLS failures as 5.02 ``TLS: ...``, the deadline, the cap and the MD5 as
for http; against file servers over TLS on loopback with a CA made for the test."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import aiocoap
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from degutool.errors import InputError
from degutool.gateway.config import load
from degutool.gateway.fetch import FetchError, Watchdog, fetch_to_file, tls_context
from degutool.lab.fileserver import FileServer

from .helpers import run as run_cli
from .lab_helpers import FaultyHandler
from .test_gateway import BIG, MD5, SCRIPT, Lab, code

CAP = 12288


class TLSFaultyHandler(FaultyHandler):
    """FaultyHandler plus ``/tohttp/<path>``: 302 to ``<server.redirect_base><path>``."""

    def do_GET(self) -> None:
        head, _, rest = self.path.lstrip("/").partition("/")
        if head == "tohttp":
            self._redirect(self.server.redirect_base + rest)
            return
        super().do_GET()


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _issue(
    ca_key, cn: str, key, names: list[x509.GeneralName] | None, ca: bool
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name("degu test CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A throwaway CA, a server certificate for 127.0.0.1/localhost and one for another host."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    files = {"ca": folder / "ca.pem"}
    files["ca"].write_bytes(
        _issue(ca_key, "degu test CA", ca_key, None, ca=True).public_bytes(
            serialization.Encoding.PEM
        )
    )
    hosts = {
        "good": [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")],
        "wrong": [x509.DNSName("releases.example.org")],
    }
    for name, names in hosts.items():
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _issue(ca_key, name, key, names, ca=False)
        files[name] = folder / f"{name}.pem"
        files[name].write_bytes(cert.public_bytes(serialization.Encoding.PEM) + _pem_key(key))
    return files


class Servers:
    """Plain and TLS file servers over one root (main.py, big.py), stopped by the fixture."""

    def __init__(self, root: Path, pki: dict[str, Path]) -> None:
        root.mkdir()
        (root / "main.py").write_bytes(SCRIPT)
        (root / "big.py").write_bytes(BIG)
        self.root, self.pki = root, pki
        self.plain = FileServer(root, handler=TLSFaultyHandler)
        self.plain._server.redirect_base = ""
        self.running = [self.plain.start()]
        self.tls: dict[str, FileServer] = {}

    def https(self, cert: str = "good", host: str = "127.0.0.1") -> str:
        """Base URL of a TLS file server presenting ``cert`` (started on first use)."""
        if cert not in self.tls:
            server = FileServer(self.root, handler=TLSFaultyHandler)
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(self.pki[cert])
            # The handshake in the request's thread, not in the accepting one.
            server._server.socket = ctx.wrap_socket(
                server._server.socket, server_side=True, do_handshake_on_connect=False
            )
            server._server.redirect_base = self.plain.url
            server._server.handle_error = lambda request, address: None  # refused handshakes
            self.tls[cert] = server
            self.running.append(server.start())
        return f"https://{host}:{self.tls[cert].address[1]}/"

    def stop(self) -> None:
        for server in self.running:
            server.stop()


@pytest.fixture
def servers(tmp_path: Path, pki: dict[str, Path]) -> Iterator[Servers]:
    s = Servers(tmp_path / "files", pki)
    try:
        yield s
    finally:
        s.stop()


def get(url: str, dest: Path, ca: Path | None, timeout: float = 10, cap: int = CAP):
    return fetch_to_file(url, dest, cap, timeout, context=tls_context(ca) if ca else None)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_https_download_with_ca(servers: Servers, tmp_path: Path, host: str) -> None:
    dest = tmp_path / "out.bin"
    got = get(servers.https(host=host) + "main.py", dest, servers.pki["ca"])
    assert (got.size, got.md5) == (len(SCRIPT), MD5)
    assert dest.read_bytes() == SCRIPT
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []


# (certificate, host of the URL, context: "ca" or None for the system's CAs, diagnostic)
VERIFY_FAILURES = [
    pytest.param(
        "good",
        "127.0.0.1",
        None,
        "TLS: certificate verify failed: unable to get local issuer certificate",
        id="system-store",
    ),
    pytest.param(
        "wrong",
        "127.0.0.1",
        "ca",
        "TLS: certificate verify failed: IP address mismatch, certificate is not valid for "
        "'127.0.0.1'",
        id="wrong-ip",
    ),
    pytest.param(
        "wrong",
        "localhost",
        "ca",
        "TLS: certificate verify failed: Hostname mismatch, certificate is not valid for "
        "'localhost'",
        id="wrong-name",
    ),
]


@pytest.mark.parametrize("cert, host, ca, diagnostic", VERIFY_FAILURES)
def test_https_certificate_refused(
    servers: Servers, tmp_path: Path, cert: str, host: str, ca: str | None, diagnostic: str
) -> None:
    dest = tmp_path / "out.bin"
    with pytest.raises(FetchError) as e:
        get(servers.https(cert, host) + "main.py", dest, servers.pki[ca] if ca else None)
    assert (e.value.code, e.value.diagnostic) == ("5.02", diagnostic)
    assert list(tmp_path.iterdir()) == [servers.root]


def test_https_to_a_plain_http_port(servers: Servers, tmp_path: Path) -> None:
    url = servers.plain.url.replace("http://", "https://") + "main.py"
    with pytest.raises(FetchError) as e:
        get(url, tmp_path / "out.bin", servers.pki["ca"])
    assert (e.value.code, e.value.diagnostic) == ("5.02", "TLS: wrong version number")


def test_redirect_https_to_http_refused(servers: Servers, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as e:
        get(servers.https() + "tohttp/main.py", tmp_path / "out.bin", servers.pki["ca"])
    assert (e.value.code, e.value.diagnostic) == ("5.02", "redirect from https to http")
    assert list(tmp_path.iterdir()) == [servers.root]


def test_redirect_http_to_https_verified(servers: Servers, tmp_path: Path) -> None:
    """An upgrade is followed, and the https target is verified like a first URL."""
    servers.plain._server.redirect_base = servers.https()
    got = get(servers.plain.url + "tohttp/main.py", tmp_path / "a.bin", servers.pki["ca"])
    assert (got.size, got.md5, got.path.read_bytes()) == (len(SCRIPT), MD5, SCRIPT)
    with pytest.raises(FetchError) as e:
        get(servers.plain.url + "tohttp/main.py", tmp_path / "b.bin", None)
    assert e.value.diagnostic.startswith("TLS: certificate verify failed: ")


# (path on the TLS server, cap, timeout, code, diagnostic): the limits of http, under TLS
TLS_LIMITS = [
    pytest.param("big.py", CAP, 10, "4.13", f"size {len(BIG)} over cap {CAP}", id="cap"),
    pytest.param("nolen/big.py", CAP, 10, "4.13", f"size over cap {CAP}", id="cap-no-length"),
    pytest.param("cut100/main.py", CAP, 10, "5.02", "connection closed after 100 bytes", id="cut"),
    pytest.param("trickle100/main.py", CAP, 1, "5.04", "timed out after 1 s", id="trickle"),
    pytest.param("slowhead100/main.py", CAP, 1, "5.04", "timed out after 1 s", id="slow-headers"),
    pytest.param("404/main.py", CAP, 10, "5.02", "HTTP 404", id="404"),
]


@pytest.mark.parametrize("path, cap, timeout, want, diagnostic", TLS_LIMITS)
def test_https_limits(
    servers: Servers, tmp_path: Path, path: str, cap: int, timeout: float, want: str, diagnostic
) -> None:
    with pytest.raises(FetchError) as e:
        get(servers.https() + path, tmp_path / "out.bin", servers.pki["ca"], timeout, cap)
    assert (e.value.code, e.value.diagnostic) == (want, diagnostic)
    assert list(tmp_path.iterdir()) == [servers.root]


@pytest.fixture
def stalled() -> Iterator[int]:
    """A TCP port that completes the TCP handshake (backlog) and never says a TLS word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        yield listener.getsockname()[1]


def test_handshake_stall_meets_the_deadline(stalled: int, tmp_path: Path, pki) -> None:
    with pytest.raises(FetchError) as e:
        get(f"https://127.0.0.1:{stalled}/main.py", tmp_path / "out.bin", pki["ca"], timeout=1)
    assert (e.value.code, e.value.diagnostic) == ("5.04", "timed out after 1 s")
    assert list(tmp_path.iterdir()) == []


def test_handshake_stall_cancelled(stalled: int, tmp_path: Path, pki) -> None:
    """The watchdog holds the socket during the handshake: a cancel ends it long before the
    30 s deadline (and its socket timeout)."""
    watchdog = Watchdog(30)
    outcome: list[BaseException] = []

    def download() -> None:
        try:
            fetch_to_file(
                f"https://127.0.0.1:{stalled}/x", tmp_path / "o", CAP, 30, watchdog, tls_context()
            )
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=download)
    worker.start()
    for _ in range(100):  # until the worker is in the handshake
        if watchdog._sock is not None:
            break
        threading.Event().wait(0.02)
    watchdog.cancel()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert [(e.code, e.diagnostic) for e in outcome if isinstance(e, FetchError)] == [
        ("5.02", "cancelled")
    ]


# ---- the CoAP path, the gateway given the CA as the gateway CLI gives it -------------------


@pytest.fixture
def gateway_ca(pki) -> ssl.SSLContext:
    return tls_context(pki["ca"])


# (md5 in desired, code, payload)
COAP_HTTPS = [
    pytest.param(MD5, "2.04", {"size": len(SCRIPT), "md5": MD5}, id="fetched"),
    pytest.param("0" * 32, "4.12", f"md5 {MD5}", id="md5-differs"),
]


@pytest.mark.parametrize("ver, want, payload", COAP_HTTPS)
def test_coap_update_over_https(
    servers: Servers, gateway_ca: ssl.SSLContext, tmp_path: Path, ver: str, want: str, payload
) -> None:
    url = servers.https() + "main.py"

    async def main() -> None:
        async with Lab(tmp_path / "lab", tls=gateway_ca) as lab:
            body = {"state": {"desired": {"script_user": url, "script_user_ver": ver}}}
            resp = await lab.fetch("script_user", body)
            got = json.loads(resp.payload) if want == "2.04" else resp.payload.decode()
            assert (code(resp), got) == (want, payload)
            if want == "2.04":
                block = await lab.request(aiocoap.GET, "update/script_user/0123456789abcdef")
                assert block.payload == SCRIPT[:1024]

    (tmp_path / "lab").mkdir()
    asyncio.run(main())


def test_coap_update_over_https_without_ca(servers: Servers, tmp_path: Path) -> None:
    url = servers.https() + "main.py"

    async def main() -> None:
        async with Lab(tmp_path / "lab") as lab:
            body = {"state": {"desired": {"script_user": url, "script_user_ver": MD5}}}
            resp = await lab.fetch("script_user", body)
            assert (code(resp), resp.payload.decode()) == (
                "5.02",
                "TLS: certificate verify failed: unable to get local issuer certificate",
            )

    (tmp_path / "lab").mkdir()
    asyncio.run(main())


# ---- configuration and CLI -------------------------------------------------------------


def test_config_ca_file_relative_to_config(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text('[gateway]\nca_file = "pki/releases.pem"\n')
    assert load(path).ca_file == tmp_path / "pki" / "releases.pem"
    assert load(tmp_path / "gw.toml").backend == "http"
    path.write_text("[gateway]\nca_file = 3\n")
    with pytest.raises(InputError, match="ca_file = 3 has the wrong type"):
        load(path)


def test_tls_context_refuses_bad_ca_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    with pytest.raises(InputError, match=r"junk.pem is not a usable PEM CA bundle \(TLS: "):
        tls_context(junk)
    with pytest.raises(InputError, match=r"CA file .*missing.pem does not exist"):
        tls_context(tmp_path / "missing.pem")


def test_cli_gateway_refuses_missing_ca_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    result = run_cli("gateway", "--port", "0", "--ca-file", missing, "--run-for", "0.1")
    assert result.exit_code == 2
    assert result.stderr == (
        f"degutool: error: CA file {missing} does not exist: give an existing PEM file\n"
    )
