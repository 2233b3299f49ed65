# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The gateway against docs/protocol.md, row by row, through an aiocoap client on loopback."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import aiocoap
import pytest
from aiocoap.optiontypes import BlockOption
from degutool.gateway import Gateway, GatewayServer, LocalBackend, ShadowTimeout, ThingMap
from degutool.lab.fileserver import FileServer
from degutool.shadow import ShadowStore

from .lab_helpers import FaultyHandler

EUI = "0123456789abcdef"
THING = f"degu-{EUI}"
SCRIPT = b"print('Hello! I\\'m Bob.')\n" * 100  # 2600 bytes: three 1024-byte blocks
MD5 = hashlib.md5(SCRIPT).hexdigest()
BIG = bytes(range(256)) * 49  # 12544 bytes, over the 12288-byte script cap


class Lab:
    """Store, faulty file server and gateway; ``request`` speaks CoAP to the gateway."""

    def __init__(self, tmp: Path, **gateway_args: object) -> None:
        root = tmp / "files"
        root.mkdir()
        (root / "main.py").write_bytes(SCRIPT)
        (root / "big.py").write_bytes(BIG)
        self.store = ShadowStore(":memory:")
        self.files = FileServer(root, handler=FaultyHandler).start()
        self.gateway = Gateway(LocalBackend(self.store), tmp / "cache", **gateway_args)
        self.server = GatewayServer(self.gateway, "127.0.0.1", 0)
        self.client: aiocoap.Context | None = None

    async def __aenter__(self) -> Lab:
        await self.server.start()
        self.client = await aiocoap.Context.create_client_context(transports=["udp6"])
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.client is not None
        await self.client.shutdown()
        await self.server.stop()
        self.gateway.close()
        self.files.stop()
        self.store.close()

    async def request(
        self, method: aiocoap.Code, path: str, payload: bytes | dict = b"", block2=None
    ) -> aiocoap.Message:
        assert self.client is not None
        if isinstance(payload, dict):
            payload = json.dumps(payload).encode()
        msg = aiocoap.Message(code=method, uri=f"{self.server.uri}/{path}", payload=payload)
        if block2 is not None:
            msg.opt.block2 = BlockOption.BlockwiseTuple(block2[0], False, block2[1])
        return await asyncio.wait_for(
            self.client.request(msg, handle_blockwise=False).response, timeout=20
        )

    def desired(self, item: str = "script_user", url: str = "main.py", ver: str = MD5) -> dict:
        return {"state": {"desired": {item: self.files.url + url, f"{item}_ver": ver}}}

    async def fetch(self, item: str, body: dict, eui: str = EUI) -> aiocoap.Message:
        """PUT then POST update/<item> as the device does, polling while 2.03."""
        assert (await self.request(aiocoap.PUT, f"update/{item}/{eui}")).code == aiocoap.CHANGED
        for _ in range(100):
            resp = await self.request(aiocoap.POST, f"update/{item}/{eui}", body)
            if resp.code != aiocoap.VALID:
                return resp
            await asyncio.sleep(0.05)
        raise AssertionError("gateway busy for 5 s")


def run(tmp_path: Path, scenario, **gateway_args: object) -> None:
    async def main() -> None:
        async with Lab(tmp_path, **gateway_args) as lab:
            await scenario(lab)

    asyncio.run(main())


def code(resp: aiocoap.Message) -> str:
    return resp.code.dotted


# ---- thing/<eui> ------------------------------------------------------------------------

# (payload, code, diagnostic fragment)
THING_POST = [
    pytest.param({"state": {"reported": {"script_user_ver": "none"}}}, "2.04", "", id="ok"),
    pytest.param(b"{oops", "4.00", "not JSON", id="not-json"),
    pytest.param(b"[" * 1000, "4.00", "not JSON", id="nested-too-deep"),
    pytest.param(b'{"state":' + b"[" * 1000, "4.00", "not JSON", id="nested-state"),
    pytest.param(
        b'{"state":{"reported":' + b'{"":' * 190 + b"1" + b"}" * 192,
        "5.02",
        "too many levels of nesting",
        id="nested-objects",
    ),
    pytest.param({"reported": {}}, "4.00", "no state", id="not-shadow-doc"),
    pytest.param({"state": {"reported": {"x": "y" * 1024}}}, "4.13", "over 1024", id="over-1024"),
    pytest.param({"state": {"delta": {}}}, "5.02", "invalid node: 'delta'", id="service-refused"),
]


@pytest.mark.parametrize("payload, want, fragment", THING_POST)
def test_thing_post(tmp_path: Path, payload, want: str, fragment: str) -> None:
    async def scenario(lab: Lab) -> None:
        resp = await lab.request(aiocoap.POST, f"thing/{EUI}", payload)
        assert code(resp) == want
        assert fragment.encode() in resp.payload
        if want == "2.04":
            assert lab.store.get(THING)["state"]["reported"] == {"script_user_ver": "none"}

    run(tmp_path, scenario)


def test_thing_get(tmp_path: Path) -> None:
    async def scenario(lab: Lab) -> None:
        assert code(await lab.request(aiocoap.GET, f"thing/{EUI}")) == "4.04"
        lab.store.update(THING, json.dumps(lab.desired()).encode())
        resp = await lab.request(aiocoap.GET, f"thing/{EUI}")
        assert code(resp) == "2.05"
        assert resp.opt.content_format == 50
        doc = json.loads(resp.payload)
        assert doc["state"]["desired"]["script_user_ver"] == MD5
        assert doc["version"] == 1 and "metadata" in doc and "timestamp" in doc

    run(tmp_path, scenario)


def test_thing_get_blockwise(tmp_path: Path) -> None:
    async def scenario(lab: Lab) -> None:
        big = {"state": {"reported": {f"k{i}": "v" * 40 for i in range(60)}}}
        lab.store.update(THING, json.dumps(big).encode())
        data, num = b"", 0
        while True:
            resp = await lab.request(aiocoap.GET, f"thing/{EUI}", block2=(num, 6))
            assert code(resp) == "2.05"
            assert resp.opt.block2.block_number == num
            data += resp.payload
            if not resp.opt.block2.more:
                break
            assert len(resp.payload) == 1024
            num += 1
        assert num >= 2
        assert len(data) == resp.opt.size2
        assert json.loads(data)["state"]["reported"] == big["state"]["reported"]

    run(tmp_path, scenario)


# ---- update/status/<eui> ----------------------------------------------------------------


def test_status(tmp_path: Path) -> None:
    async def scenario(lab: Lab) -> None:
        path = f"update/status/{EUI}"
        assert code(await lab.request(aiocoap.GET, path)) == "4.04"  # no PUT before
        assert code(await lab.request(aiocoap.PUT, path)) == "2.04"
        resp = await lab.request(aiocoap.GET, path)
        assert (code(resp), resp.payload) == ("4.04", b"no shadow, or no PUT update/status before")
        doc = lab.desired()
        doc["state"]["desired"]["unrelated"] = 1
        lab.store.update(THING, json.dumps(doc).encode())
        assert code(await lab.request(aiocoap.GET, path)) == "4.04"  # still the old read
        assert code(await lab.request(aiocoap.PUT, path)) == "2.04"
        resp = await lab.request(aiocoap.GET, path)
        assert code(resp) == "2.05"
        assert json.loads(resp.payload) == {
            "state": {
                "desired": {"script_user": lab.files.url + "main.py", "script_user_ver": MD5}
            },
            "version": 1,
        }

    run(tmp_path, scenario)


# ---- update/<item>/<eui> ----------------------------------------------------------------


@pytest.mark.parametrize("szx", [6, 4, 2], ids=["1024", "256", "64"])
def test_item_fetch_and_blocks(tmp_path: Path, szx: int) -> None:
    async def scenario(lab: Lab) -> None:
        resp = await lab.fetch("script_user", lab.desired())
        assert code(resp) == "2.04"
        assert json.loads(resp.payload) == {"size": len(SCRIPT), "md5": MD5}
        data, num, size = b"", 0, 1 << (szx + 4)
        while True:
            resp = await lab.request(aiocoap.GET, f"update/script_user/{EUI}", block2=(num, szx))
            assert code(resp) == "2.05"
            assert resp.opt.content_format == 42
            assert resp.opt.size2 == len(SCRIPT)
            assert (resp.opt.block2.block_number, resp.opt.block2.size_exponent) == (num, szx)
            assert resp.payload == SCRIPT[num * size : (num + 1) * size]
            data += resp.payload
            if not resp.opt.block2.more:
                break
            num += 1
        assert data == SCRIPT
        assert num == (len(SCRIPT) - 1) // size
        past = await lab.request(aiocoap.GET, f"update/script_user/{EUI}", block2=(num + 1, szx))
        assert code(past) == "4.02"
        assert past.payload == f"block {num + 1} past the end (2600 bytes)".encode()

    run(tmp_path, scenario)


def test_item_first_block_without_option_and_bert_capped(tmp_path: Path) -> None:
    async def scenario(lab: Lab) -> None:
        assert code(await lab.fetch("script_user", lab.desired())) == "2.04"
        resp = await lab.request(aiocoap.GET, f"update/script_user/{EUI}")
        assert (resp.opt.block2.block_number, resp.opt.block2.more) == (0, True)
        assert resp.opt.block2.size_exponent == 6 and resp.payload == SCRIPT[:1024]
        resp = await lab.request(aiocoap.GET, f"update/script_user/{EUI}", block2=(1, 7))
        assert resp.opt.block2.size_exponent == 6 and resp.payload == SCRIPT[1024:2048]

    run(tmp_path, scenario)


def test_item_put_drops_and_get_before_fetch(tmp_path: Path) -> None:
    async def scenario(lab: Lab) -> None:
        path = f"update/script_user/{EUI}"
        resp = await lab.request(aiocoap.GET, path)
        assert (code(resp), resp.payload) == ("4.04", b"nothing fetched for script_user")
        assert code(await lab.fetch("script_user", lab.desired())) == "2.04"
        assert code(await lab.request(aiocoap.GET, path)) == "2.05"
        assert code(await lab.request(aiocoap.PUT, path)) == "2.04"
        assert code(await lab.request(aiocoap.GET, path)) == "4.04"

    run(tmp_path, scenario)


WRONG = "0" * 32

# (item, URL under the file server, desired MD5, code, exact diagnostic)
ITEM_ERRORS = [
    pytest.param("script_user", "404/main.py", MD5, "5.02", "HTTP 404", id="upstream-404"),
    pytest.param("script_user", "main.py", WRONG, "4.12", f"md5 {MD5}", id="md5-mismatch"),
    pytest.param("script_user", "big.py", hashlib.md5(BIG).hexdigest(), "4.13",
                 "size 12544 over cap 12288", id="over-cap-by-length"),
    pytest.param("script_user", "nolen/big.py", hashlib.md5(BIG).hexdigest(), "4.13",
                 "size over cap 12288", id="over-cap-streamed"),
    pytest.param("config_user", "cut100/main.py", MD5, "5.02", "connection closed after 100 bytes",
                 id="cut-mid-file"),
    pytest.param("script_user", "nolen/main.py", MD5, "2.04", "", id="no-content-length-ok"),
    pytest.param("firmware_system", "big.py", hashlib.md5(BIG).hexdigest(), "2.04", "",
                 id="firmware-cap-is-slot"),
    pytest.param("script_user", "redir/main.py", MD5, "2.04", "", id="redirect-followed"),
    pytest.param("script_user", "redirftp/main.py", MD5, "5.02",
                 "redirect to bad url scheme 'ftp'", id="redirect-to-ftp"),
    pytest.param("script_user", "loop/main.py", MD5, "5.02", "more than 5 redirects",
                 id="redirect-loop"),
]  # fmt: skip


@pytest.mark.parametrize("item, url, ver, want, diagnostic", ITEM_ERRORS)
def test_item_errors(tmp_path: Path, item, url, ver, want, diagnostic) -> None:
    async def scenario(lab: Lab) -> None:
        resp = await lab.fetch(item, lab.desired(item, url, ver))
        assert code(resp) == want
        if want != "2.04":
            assert resp.payload.decode() == diagnostic
            assert resp.opt.content_format == 0
            get = await lab.request(aiocoap.GET, f"update/{item}/{EUI}")
            assert code(get) == "4.04"
            assert list((tmp_path / "cache").iterdir()) == []  # nothing half-fetched kept
        # Sticky until the device starts over with PUT: the same answer again, no new download.
        again = await lab.request(aiocoap.POST, f"update/{item}/{EUI}", lab.desired(item, url, ver))
        assert code(again) == want
        assert lab.gateway.downloads == 1

    run(tmp_path, scenario)


# (body, code, diagnostic)
BAD_BODIES = [
    pytest.param(b"nope", "4.00", "not JSON", id="not-json"),
    pytest.param(b"[" * 5000, "4.00", "not JSON", id="nested-too-deep"),
    pytest.param({"state": {}}, "4.00", "no state.desired object", id="no-desired"),
    pytest.param({"state": {"desired": {"script_user_ver": MD5}}}, "4.00", "no script_user URL",
                 id="no-url"),
    pytest.param({"state": {"desired": {"script_user": "http://x/"}}}, "4.00",
                 "no script_user_ver MD5", id="no-ver"),
    pytest.param({"state": {"desired": {"script_user": "ftp://x/a", "script_user_ver": MD5}}},
                 "4.00", "bad url scheme 'ftp'", id="bad-scheme"),
]  # fmt: skip


@pytest.mark.parametrize("body, want, diagnostic", BAD_BODIES)
def test_item_bad_body(tmp_path: Path, body, want: str, diagnostic: str) -> None:
    async def scenario(lab: Lab) -> None:
        resp = await lab.fetch("script_user", body)
        assert (code(resp), resp.payload.decode()) == (want, diagnostic)

    run(tmp_path, scenario)


# (path, method, code)
ROUTES = [
    pytest.param("update/kernel/" + EUI, aiocoap.PUT, "4.04", id="unknown-item"),
    pytest.param("thing/0123", aiocoap.GET, "4.04", id="short-eui"),
    pytest.param("thing/0123456789abcdeg", aiocoap.GET, "4.04", id="not-hex"),
    pytest.param("things/" + EUI, aiocoap.GET, "4.04", id="unknown-path"),
    pytest.param("thing/" + EUI, aiocoap.DELETE, "4.05", id="method"),
    pytest.param("update/status/" + EUI.upper(), aiocoap.PUT, "2.04", id="upper-case-eui"),
]


@pytest.mark.parametrize("path, method, want", ROUTES)
def test_routes(tmp_path: Path, path: str, method, want: str) -> None:
    async def scenario(lab: Lab) -> None:
        assert code(await lab.request(method, path)) == want

    run(tmp_path, scenario)


def test_busy_then_fetched(tmp_path: Path) -> None:
    async def scenario(lab: Lab) -> None:
        path = f"update/script_user/{EUI}"
        body = lab.desired(url="slow1500/main.py")
        assert code(await lab.request(aiocoap.PUT, path)) == "2.04"
        first = await lab.request(aiocoap.POST, path, body)
        assert code(first) == "2.03"
        assert code(await lab.request(aiocoap.GET, path)) == "4.04"  # not fetched yet
        answers = [code(first)]
        while answers[-1] == "2.03":
            await asyncio.sleep(0.1)
            answers.append(code(await lab.request(aiocoap.POST, path, body)))
        assert answers[-1] == "2.04" and set(answers[:-1]) == {"2.03"}
        assert (await lab.request(aiocoap.GET, path)).payload == SCRIPT[:1024]

    run(tmp_path, scenario, post_wait=0.1)


def test_upstream_timeout(tmp_path: Path) -> None:
    async def scenario(lab: Lab) -> None:
        resp = await lab.fetch("script_user", lab.desired(url="slow1200/main.py"))
        assert (code(resp), resp.payload) == ("5.04", b"timed out after 0.5 s")

    run(tmp_path, scenario, fetch_timeout=0.5)


# A server that sends a byte every 100 ms (body, or status line and headers) never lets a
# per-read socket timeout fire: the deadline is for the whole transfer.
SLOW_SERVERS = [
    pytest.param("trickle100/main.py", id="body-trickles"),
    pytest.param("slowhead100/main.py", id="headers-trickle"),
]


@pytest.mark.parametrize("url", SLOW_SERVERS)
def test_whole_transfer_deadline(tmp_path: Path, url: str) -> None:
    async def scenario(lab: Lab) -> None:
        resp = await lab.fetch("script_user", lab.desired(url=url))
        assert (code(resp), resp.payload) == ("5.04", b"timed out after 1 s")
        assert list((tmp_path / "cache").iterdir()) == []
        # The gateway hung up at its deadline: the server got to send about 10 of the bytes
        # it would have sent in TRICKLE_FOR (100), not all of them.
        for _ in range(50):
            trickled = getattr(lab.files._server, "trickled", [])
            if trickled:
                break
            await asyncio.sleep(0.1)
        assert len(trickled) == 1 and trickled[0] < 50, trickled

    run(tmp_path, scenario, fetch_timeout=1)


def test_trickling_downloads_leave_the_pool(tmp_path: Path) -> None:
    """As many trickling downloads as fetch threads: each ends at its deadline, and a
    download for another device is served after them."""

    async def scenario(lab: Lab) -> None:
        slow = [f"{0x100 + i:016x}" for i in range(2)]
        for i, eui in enumerate(slow):
            body = lab.desired(url=f"trickle100/main.py?{i}")
            assert (
                code(await lab.request(aiocoap.POST, f"update/script_user/{eui}", body)) == "2.03"
            )
        good = await lab.fetch("config_user", lab.desired("config_user"), eui="00000000000000dd")
        assert (code(good), json.loads(good.payload)) == ("2.04", {"size": len(SCRIPT), "md5": MD5})
        for i, eui in enumerate(slow):
            body = lab.desired(url=f"trickle100/main.py?{i}")
            for _ in range(50):  # the second may be a moment behind the first
                resp = await lab.request(aiocoap.POST, f"update/script_user/{eui}", body)
                if code(resp) != "2.03":
                    break
                await asyncio.sleep(0.1)
            assert (code(resp), resp.payload) == ("5.04", b"timed out after 1 s")

    run(tmp_path, scenario, fetch_timeout=1, fetchers=2)


def test_download_nobody_waits_for_is_cancelled(tmp_path: Path) -> None:
    async def scenario(lab: Lab) -> None:
        path = f"update/script_user/{EUI}"
        assert code(await lab.request(aiocoap.POST, path, lab.desired(url="trickle100/main.py")))
        abandoned = lab.gateway._devices[EUI].items["script_user"].task
        resp = await lab.fetch("script_user", lab.desired())  # PUT, then another URL
        assert code(resp) == "2.04"
        error = await asyncio.wait_for(asyncio.gather(abandoned, return_exceptions=True), 10)
        assert (error[0].code, error[0].diagnostic) == ("5.02", "cancelled")
        assert lab.gateway.downloads == 2

    # One fetch thread and a deadline of 30 s: the second download runs only after the first.
    run(tmp_path, scenario, fetch_timeout=30, fetchers=1)


def test_devices_share_download_and_mapping(tmp_path: Path) -> None:
    euis = [f"{i:016x}" for i in range(1, 21)]

    async def scenario(lab: Lab) -> None:
        body = lab.desired(url="slow300/main.py")
        results = await asyncio.gather(*(lab.fetch("script_user", body, eui) for eui in euis))
        assert [code(r) for r in results] == ["2.04"] * len(euis)
        assert lab.gateway.downloads == 1
        blocks = await asyncio.gather(
            *(lab.request(aiocoap.GET, f"update/script_user/{e}", block2=(2, 6)) for e in euis)
        )
        assert {b.payload for b in blocks} == {SCRIPT[2048:]}
        await lab.request(aiocoap.POST, f"thing/{euis[0]}", {"state": {"reported": {"a": 1}}})
        assert lab.store.things() == ["alice"]

    run(tmp_path, scenario, things=ThingMap(names={euis[0]: "alice"}))


def test_status_failed_reread_forgets_the_old(tmp_path: Path) -> None:
    class Flaky(LocalBackend):
        fail = False

        def get(self, thing: str) -> dict:
            if self.fail:
                raise ShadowTimeout("shadow service timed out")
            return super().get(thing)

    async def scenario(lab: Lab) -> None:
        lab.gateway.backend = backend = Flaky(lab.store)
        lab.store.update(THING, json.dumps(lab.desired()).encode())
        path = f"update/status/{EUI}"
        assert code(await lab.request(aiocoap.PUT, path)) == "2.04"
        assert code(await lab.request(aiocoap.GET, path)) == "2.05"
        backend.fail = True
        resp = await lab.request(aiocoap.PUT, path)
        assert (code(resp), resp.payload) == ("5.04", b"shadow service timed out")
        assert code(await lab.request(aiocoap.GET, path)) == "4.04"
        resp = await lab.request(aiocoap.GET, f"thing/{EUI}")
        assert (code(resp), resp.payload) == ("5.04", b"shadow service timed out")

    run(tmp_path, scenario)


def test_diagnostic_cut_at_128_bytes_whole_characters(tmp_path: Path) -> None:
    async def scenario(lab: Lab) -> None:
        resp = await lab.request(aiocoap.POST, f"thing/{EUI}", {"state": {"é" * 100: {}}})
        assert code(resp) == "5.02"
        assert len(resp.payload) <= 128
        text = resp.payload.decode()  # valid UTF-8
        assert text.startswith("State contains an invalid node: 'éé")

    run(tmp_path, scenario)


# (seconds the shadow service takes, empty-ACK delay, message type the response comes in)
SLOW_ANSWERS = [
    pytest.param(0.3, 5.0, aiocoap.ACK, id="slow-piggybacked"),
    pytest.param(0.3, 0.05, aiocoap.CON, id="over-the-delay-separate"),
]


@pytest.mark.parametrize("seconds, delay, mtype", SLOW_ANSWERS)
def test_slow_answer_piggybacked_until_the_delay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seconds: float, delay: float, mtype
) -> None:
    # aiocoap 0.4.17 answers a request that takes over 0.1 s with an empty ACK and a separate
    # CON response, which breaks under load; the gateway piggybacks up to EMPTY_ACK_DELAY.
    import time

    from degutool.gateway import server

    class Slow(LocalBackend):
        def get(self, thing: str) -> dict:
            time.sleep(seconds)
            return super().get(thing)

    monkeypatch.setattr(server, "EMPTY_ACK_DELAY", delay)

    async def scenario(lab: Lab) -> None:
        lab.gateway.backend = Slow(lab.store)
        lab.store.update(THING, json.dumps(lab.desired()).encode())
        resp = await lab.request(aiocoap.PUT, f"update/status/{EUI}")
        assert (code(resp), resp.mtype) == ("2.04", mtype)

    run(tmp_path, scenario)
