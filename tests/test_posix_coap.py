# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The POSIX port's CoAP transport against a real CoAP server (aiocoap) on loopback.

The transport is driven through libdegu_sim.so (ota/sim/degu_sim.h) with ctypes, so the bytes
on the wire are the ones the simulated device sends.  The library is looked for in
``$DEGU_SIM_LIB`` or ``build/ota/sim/libdegu_sim.so`` (``make test`` builds it first).
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import hashlib
import json
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import aiocoap
import aiocoap.resource
import pytest
from aiocoap.optiontypes import BlockOption

ROOT = Path(__file__).resolve().parents[1]
LIB_PATH = Path(os.environ.get("DEGU_SIM_LIB", ROOT / "build" / "ota" / "sim" / "libdegu_sim.so"))
EUI = "0123456789abcdef"
GET, POST, PUT = 1, 2, 3
ACK_TIMEOUT_MS = 40


class Response(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_uint32)
        for name in (
            "code",
            "payload_len",
            "has_block2",
            "block_num",
            "block_more",
            "block_szx",
            "has_size2",
            "size2",
        )
    ]


def _load() -> ctypes.CDLL:
    if not LIB_PATH.is_file():
        raise FileNotFoundError(
            f"{LIB_PATH} is missing: build it with `cmake --build build` or set DEGU_SIM_LIB"
        )
    lib = ctypes.CDLL(str(LIB_PATH))
    lib.degu_sim_api_version.restype = ctypes.c_int
    lib.degu_sim_create.argtypes = [
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.POINTER(ctypes.c_void_p),
    ]
    lib.degu_sim_request.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.POINTER(Response),
        ctypes.c_char_p,
        ctypes.c_size_t,
    ]
    lib.degu_sim_destroy.argtypes = [ctypes.c_void_p]
    lib.degu_sim_destroy.restype = None
    lib.degu_sim_set_log_level.argtypes = [ctypes.c_int]
    lib.degu_sim_set_log_level.restype = None
    return lib


LIB = _load()


@dataclass
class Device:
    """One simulated device's transport."""

    handle: ctypes.c_void_p

    def request(
        self,
        method: int,
        path: str,
        payload: bytes = b"",
        block: tuple[int, int] | None = None,
        buf_len: int = 1024,
    ) -> tuple[int, Response, bytes]:
        rsp = Response()
        buf = ctypes.create_string_buffer(buf_len)
        num, szx = block if block is not None else (-1, 0)
        ret = LIB.degu_sim_request(
            self.handle,
            method,
            path.encode(),
            payload,
            len(payload),
            num,
            szx,
            ctypes.byref(rsp),
            buf,
            buf_len,
        )
        return ret, rsp, buf.raw[: rsp.payload_len]

    def fetch(self, path: str) -> tuple[bytes, list[tuple[int, int, int]], set[int]]:
        """Read a resource block by block as the core does: szx 6, then the server's size."""
        data = b""
        blocks = []
        sizes = set()
        num, szx = 0, 6
        while True:
            ret, rsp, payload = self.request(GET, path, block=(num, szx))
            assert ret == 0
            assert rsp.code == 0x45 and rsp.has_block2
            assert rsp.block_num << (rsp.block_szx + 4) == len(data)
            blocks.append((rsp.block_num, rsp.block_more, rsp.block_szx))
            sizes.add(rsp.size2 if rsp.has_size2 else -1)
            data += payload
            if not rsp.block_more:
                return data, blocks, sizes
            szx = rsp.block_szx
            num = len(data) >> (szx + 4)


def make_device(tmp_path: Path, port: int, host: str = "127.0.0.1", name: str = "dev") -> Device:
    handle = ctypes.c_void_p()
    ret = LIB.degu_sim_create(
        str(tmp_path / name).encode(),
        EUI.encode(),
        host.encode(),
        port,
        ACK_TIMEOUT_MS,
        0,
        ctypes.byref(handle),
    )
    assert ret == 0, os.strerror(-ret)
    return Device(handle)


@dataclass
class Seen:
    """What the server received."""

    posts: list[tuple[bytes, int | None]] = field(default_factory=list)
    status_puts: int = 0


class BlockFile(aiocoap.resource.Resource):
    """A file served with Block2 the way docs/protocol.md says, at most 16 << max_szx a block."""

    def __init__(self, data: bytes, max_szx: int) -> None:
        super().__init__()
        self.data = data
        self.max_szx = max_szx

    async def needs_blockwise_assembly(self, request: aiocoap.Message) -> bool:
        return False

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        block = request.opt.block2
        num, szx = (block.block_number, block.size_exponent) if block else (0, 6)
        if szx > self.max_szx:
            # A smaller block size than asked: the same offset in smaller blocks.
            num <<= szx - self.max_szx
            szx = self.max_szx
        size = 16 << szx
        offset = num * size
        if offset >= len(self.data) and not (offset == 0 and not self.data):
            return aiocoap.Message(code=aiocoap.BAD_OPTION, payload=b"block past the end")
        msg = aiocoap.Message(code=aiocoap.CONTENT, payload=self.data[offset : offset + size])
        msg.opt.block2 = BlockOption.BlockwiseTuple(num, offset + size < len(self.data), szx)
        msg.opt.size2 = len(self.data)
        return msg


class Thing(BlockFile):
    """thing/<eui64>: the shadow document block by block; a POST is recorded."""

    def __init__(self, seen: Seen) -> None:
        super().__init__(b"", 6)
        self.seen = seen

    async def render_post(self, request: aiocoap.Message) -> aiocoap.Message:
        self.seen.posts.append((request.payload, request.opt.content_format))
        return aiocoap.Message(code=aiocoap.CHANGED)


class Status(BlockFile):
    """update/status/<eui64>: PUT refreshes, GET answers the desired document (4.04: none)."""

    def __init__(self, seen: Seen) -> None:
        super().__init__(b"", 6)
        self.seen = seen
        self.desired: bytes | None = None

    async def render_put(self, request: aiocoap.Message) -> aiocoap.Message:
        self.seen.status_puts += 1
        return aiocoap.Message(code=aiocoap.CHANGED)

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        if self.desired is None:
            return aiocoap.Message(code=aiocoap.NOT_FOUND, payload=b"no shadow")
        self.data = self.desired
        return await super().render_get(request)


class Missing(aiocoap.resource.Resource):
    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        return aiocoap.Message(code=aiocoap.NOT_FOUND, payload=b"nothing fetched for script_user")


class Echo(aiocoap.resource.Resource):
    def __init__(self, seen: Seen) -> None:
        super().__init__()
        self.seen = seen

    async def render_post(self, request: aiocoap.Message) -> aiocoap.Message:
        self.seen.posts.append((request.payload, request.opt.content_format))
        return aiocoap.Message(code=aiocoap.CHANGED, payload=b'{"size":3}')


class Slow(aiocoap.resource.Resource):
    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        # Longer than aiocoap's empty-ACK delay: the response comes separately.
        await asyncio.sleep(0.3)
        return aiocoap.Message(code=aiocoap.CONTENT, payload=b"late")


class Big(aiocoap.resource.Resource):
    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        return aiocoap.Message(code=aiocoap.CONTENT, payload=b"x" * 600)


FILES = {
    "f2500": (bytes(range(256)) * 10)[:2500],
    "f2048": bytes(range(256)) * 8,
    "f1000": bytes(reversed(range(250))) * 4,
    "f100": b"0123456789" * 10,
    "empty": b"",
}


@dataclass
class Server:
    host: str
    port: int
    seen: Seen
    thing: Thing
    status: Status


def free_udp_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def run_server(host: str) -> Iterator[Server]:
    seen = Seen()
    site = aiocoap.resource.Site()
    for cap in range(7):
        for name, data in FILES.items():
            site.add_resource(["szx", str(cap), name], BlockFile(data, cap))
    site.add_resource(["missing"], Missing())
    site.add_resource(["echo"], Echo(seen))
    site.add_resource(["slow"], Slow())
    site.add_resource(["big"], Big())
    thing = Thing(seen)
    status = Status(seen)
    site.add_resource(["thing", EUI], thing)
    site.add_resource(["update", "status", EUI], status)

    port = free_udp_port(host)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    contexts: list[aiocoap.Context] = []

    async def start() -> None:
        contexts.append(await aiocoap.Context.create_server_context(site, bind=(host, port)))
        started.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    assert started.is_set()
    try:
        yield Server(host, port, seen, thing, status)
    finally:
        asyncio.run_coroutine_threadsafe(contexts[0].shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    LIB.degu_sim_set_log_level(0)
    yield from run_server("127.0.0.1")


@pytest.fixture
def device(tmp_path: Path, server: Server) -> Iterator[Device]:
    dev = make_device(tmp_path, server.port)
    yield dev
    LIB.degu_sim_destroy(dev.handle)


def test_api_version() -> None:
    assert LIB.degu_sim_api_version() == 1


@pytest.mark.parametrize(
    ("cap", "name", "want_blocks"),
    [
        # The gateway's own size: 1024-byte blocks.
        (6, "f2500", [(0, 1, 6), (1, 1, 6), (2, 0, 6)]),
        (6, "f2048", [(0, 1, 6), (1, 0, 6)]),
        (6, "f100", [(0, 0, 6)]),
        (6, "empty", [(0, 0, 6)]),
        # A server that answers with smaller blocks than asked.
        (4, "f1000", [(0, 1, 4), (1, 1, 4), (2, 1, 4), (3, 0, 4)]),
        (2, "f100", [(0, 1, 2), (1, 0, 2)]),
        (0, "f100", [(i, 1, 0) for i in range(6)] + [(6, 0, 0)]),
        (5, "f2048", [(0, 1, 5), (1, 1, 5), (2, 1, 5), (3, 0, 5)]),
    ],
)
def test_block2(
    device: Device, cap: int, name: str, want_blocks: list[tuple[int, int, int]]
) -> None:
    data, blocks, sizes = device.fetch(f"szx/{cap}/{name}")

    assert data == FILES[name]
    assert blocks == want_blocks
    assert sizes == {len(FILES[name])}


def test_block_past_end(device: Device) -> None:
    ret, rsp, payload = device.request(GET, "szx/6/f2500", block=(3, 6))

    assert ret == 0
    assert (rsp.code >> 5, rsp.code & 0x1F) == (4, 2)
    assert payload == b"block past the end"


def test_not_found_with_diagnostic(device: Device) -> None:
    ret, rsp, payload = device.request(GET, "missing")

    assert ret == 0
    assert (rsp.code >> 5, rsp.code & 0x1F) == (4, 4)
    assert rsp.has_block2 == 0 and rsp.has_size2 == 0
    assert payload == b"nothing fetched for script_user"


def test_unknown_path(device: Device) -> None:
    ret, rsp, _ = device.request(GET, "thing/fedcba9876543210")

    assert ret == 0
    assert (rsp.code >> 5, rsp.code & 0x1F) == (4, 4)


def test_post_payload_and_format(device: Device, server: Server) -> None:
    body = b'{"state":{"reported":{"script_user_ver":"none"}}}'
    server.seen.posts.clear()

    ret, rsp, payload = device.request(POST, "echo", body)

    assert ret == 0
    assert (rsp.code >> 5, rsp.code & 0x1F) == (2, 4)
    assert payload == b'{"size":3}'
    assert server.seen.posts == [(body, 50)]


def test_separate_response(device: Device) -> None:
    ret, rsp, payload = device.request(GET, "slow")

    assert ret == 0
    assert rsp.code == 0x45
    assert payload == b"late"


def test_payload_larger_than_buffer(device: Device) -> None:
    ret, rsp, _ = device.request(GET, "big", buf_len=100)

    assert ret == -errno.EMSGSIZE
    assert rsp.code == 0x45

    # The transport recovers: the next request goes through.
    ret, rsp, payload = device.request(GET, "big", buf_len=1024)
    assert ret == 0 and payload == b"x" * 600


def test_timeout_when_nothing_answers(tmp_path: Path) -> None:
    """A gateway that swallows every datagram: 1 + MAX_RETRANSMIT (4) sends, then -ETIMEDOUT."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))
        sink.settimeout(0.05)
        dev = make_device(tmp_path, sink.getsockname()[1])
        got: list[bytes] = []
        done = threading.Event()

        def drain() -> None:
            while not done.is_set():
                try:
                    got.append(sink.recv(2048))
                except TimeoutError:
                    pass

        reader = threading.Thread(target=drain)
        reader.start()
        try:
            ret, _, _ = dev.request(GET, "update/status/" + EUI)
        finally:
            done.set()
            reader.join()
            LIB.degu_sim_destroy(dev.handle)

    assert ret == -errno.ETIMEDOUT
    assert len(got) == 5
    # Retransmissions, byte for byte the same datagram: version 1, Confirmable, GET.
    assert len(set(got)) == 1
    first, code = struct.unpack("!BB", got[0][:2])
    assert (first >> 6, (first >> 4) & 3, code) == (1, 0, 1)
    assert got[0].endswith(EUI.encode())


def test_refused_when_nothing_listens(tmp_path: Path) -> None:
    dev = make_device(tmp_path, free_udp_port("127.0.0.1"))
    start = time.monotonic()
    try:
        ret, _, _ = dev.request(GET, "thing/" + EUI)
    finally:
        LIB.degu_sim_destroy(dev.handle)

    assert ret == -errno.ECONNREFUSED
    assert time.monotonic() - start < 5


def test_ipv6(tmp_path: Path) -> None:
    for server in run_server("::1"):
        for host in ("::1", "[::1]"):
            dev = make_device(tmp_path, server.port, host=host, name=host.strip("[]:") + "6")
            try:
                data, blocks, _ = dev.fetch("szx/6/f2500")
            finally:
                LIB.degu_sim_destroy(dev.handle)
            assert data == FILES["f2500"]
            assert len(blocks) == 3


def test_many_devices_at_once(tmp_path: Path, server: Server) -> None:
    devices = [make_device(tmp_path, server.port, name=f"d{i}") for i in range(16)]
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(lambda d: d.fetch("szx/4/f2500")[0], devices))
    finally:
        for dev in devices:
            LIB.degu_sim_destroy(dev.handle)

    assert results == [FILES["f2500"]] * 16


@pytest.mark.parametrize(
    ("eui", "host", "message"),
    [
        ("0123", "127.0.0.1", 'EUI-64 "0123" is not 16 hex digits'),
        ("0123456789abcdeg", "127.0.0.1", "is not 16 hex digits"),
        (EUI, "localhost", 'Gateway address "localhost" is not an IPv4 or IPv6 literal'),
        (EUI, "127.0.0.1:5683", "is not an IPv4 or IPv6 literal"),
    ],
)
def test_create_refuses(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], eui: str, host: str, message: str
) -> None:
    LIB.degu_sim_set_log_level(1)
    handle = ctypes.c_void_p()
    try:
        ret = LIB.degu_sim_create(
            str(tmp_path / "bad").encode(), eui.encode(), host.encode(), 0, 0, 0, handle
        )
    finally:
        LIB.degu_sim_set_log_level(0)

    assert ret == -errno.EINVAL
    assert handle.value is None
    assert message in capfd.readouterr().err


# The calls of the degu module, through the library's flat API (ota/sim/degu_sim.h).

BOB_MD5 = hashlib.md5(b"print('Bob')\n").hexdigest()


def _sim_api() -> None:
    LIB.degu_sim_boot.argtypes = [ctypes.c_void_p]
    LIB.degu_sim_check_update.argtypes = [ctypes.c_void_p]
    LIB.degu_sim_update_shadow.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    LIB.degu_sim_get_shadow.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]


_sim_api()


@pytest.fixture
def gateway(server: Server) -> Iterator[Server]:
    server.seen.posts.clear()
    server.seen.status_puts = 0
    server.status.desired = None
    server.thing.data = b""
    yield server


def test_sim_update_shadow(device: Device, gateway: Server) -> None:
    body = b'{"state":{"reported":{"temperature":21.5}}}'

    assert LIB.degu_sim_update_shadow(device.handle, body, len(body)) == 0
    assert gateway.seen.posts == [(body, 50)]


def test_sim_get_shadow(device: Device, gateway: Server) -> None:
    doc = json.dumps({"state": {"desired": {"pad": "x" * 2400}}, "version": 3}).encode()
    gateway.thing.data = doc
    buf = ctypes.create_string_buffer(4096)

    assert LIB.degu_sim_get_shadow(device.handle, buf, len(buf)) == len(doc)
    assert buf.value == doc

    small = ctypes.create_string_buffer(100)
    assert LIB.degu_sim_get_shadow(device.handle, small, len(small)) == -errno.ENOSPC


@pytest.mark.parametrize(
    ("desired", "want"),
    [
        # main.py is missing on a new device: any script_user_ver differs.
        ({"script_user": "http://127.0.0.1/main.py", "script_user_ver": BOB_MD5}, 1),
        ({"script_user_ver": BOB_MD5}, 0),  # no URL: an error for the item, not a download
        ({"script_user": "http://127.0.0.1/main.py", "script_user_ver": "none"}, 0),
        ({}, 0),
        (None, 0),  # the thing has no shadow: 4.04
    ],
)
def test_sim_check_update(
    tmp_path: Path, device: Device, gateway: Server, desired: dict | None, want: int
) -> None:
    if desired is not None:
        gateway.status.desired = json.dumps({"state": {"desired": desired}, "version": 1}).encode()
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    assert LIB.degu_sim_check_update(device.handle) == want

    # It asks (PUT, then GET) and writes nothing.
    assert gateway.seen.status_puts == 1
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_sim_boot_nothing_to_do(device: Device, gateway: Server) -> None:
    gateway.status.desired = b'{"state":{"desired":{}},"version":1}'

    assert LIB.degu_sim_boot(device.handle) == 0  # DEGU_SIM_RUN

    first = json.loads(gateway.seen.posts[0][0])
    reported = first["state"]["reported"]
    assert reported["script_user_ver"] == "none"
    assert reported["config_user_ver"] == "none"
    assert gateway.seen.status_puts == 1
