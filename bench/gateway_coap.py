# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""N devices' CoAP traffic against one gateway, without the C core: rate and latency.

Each device (an EUI-64; all share one aiocoap client) does the boot sequence of
docs/protocol.md with nothing to install (POST thing, PUT + GET update/status, POST thing),
then, with ``--fetch BYTES``, the fetch of a file of that size (PUT + POST update/<item>, then
every Block2 block at 1024; ``--item firmware_system`` for files over the 12288-byte script
cap).  The gateway, shadow store and file server run in this
process on loopback.

    python bench/gateway_coap.py -n 200
    python bench/gateway_coap.py -n 100 --fetch 8192
    python bench/gateway_coap.py -n 20 --fetch 200000 --item firmware_system

Prints requests per second over the run, p50/p99/max latency per request, the gateway's
download count (one per distinct file, however many devices ask) and its peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

import aiocoap  # noqa: E402
from aiocoap.optiontypes import BlockOption  # noqa: E402
from degutool.gateway import Gateway, GatewayServer, LocalBackend  # noqa: E402
from degutool.lab.fileserver import FileServer  # noqa: E402
from degutool.shadow import ShadowStore  # noqa: E402


async def _device(
    client, uri: str, eui: str, fetch: dict | None, item: str, lat: list[float]
) -> int:
    async def req(method, path, payload=b"", block=None):
        msg = aiocoap.Message(code=method, uri=f"{uri}/{path}/{eui}", payload=payload)
        if block is not None:
            msg.opt.block2 = BlockOption.BlockwiseTuple(block, False, 6)
        t = time.perf_counter()
        resp = await client.request(msg, handle_blockwise=False).response
        lat.append(time.perf_counter() - t)
        return resp

    reported = json.dumps({"state": {"reported": {"script_user_ver": "none"}}}).encode()
    assert (await req(aiocoap.POST, "thing", reported)).code == aiocoap.CHANGED
    assert (await req(aiocoap.PUT, "update/status")).code == aiocoap.CHANGED
    status = await req(aiocoap.GET, "update/status")
    count = 3
    if fetch is not None:
        assert (await req(aiocoap.PUT, f"update/{item}")).code == aiocoap.CHANGED
        while (await req(aiocoap.POST, f"update/{item}", status.payload)).code == aiocoap.VALID:
            count += 1
            await asyncio.sleep(0.2)
        count += 2
        num, data = 0, b""
        while True:
            resp = await req(aiocoap.GET, f"update/{item}", block=num)
            data += resp.payload
            count += 1
            if not resp.opt.block2.more:
                break
            num += 1
        assert hashlib.md5(data).hexdigest() == fetch["md5"]
    assert (await req(aiocoap.POST, "thing", reported)).code == aiocoap.CHANGED
    return count + 1


async def main(n: int, fetch_size: int, item: str, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "files"
        root.mkdir()
        script = (b"print('Hello! I\\'m Bob.')\n" * (fetch_size // 25 + 1))[:fetch_size]
        (root / "main.py").write_bytes(script)
        store = ShadowStore(Path(tmp) / "shadow.db")
        files = FileServer(root).start()
        fetch = None
        euis = [f"{i:016x}" for i in range(1, n + 1)]
        if fetch_size:
            fetch = {"md5": hashlib.md5(script).hexdigest()}
            desired = {item: files.url + "main.py", f"{item}_ver": fetch["md5"]}
            for eui in euis:
                store.update(f"degu-{eui}", json.dumps({"state": {"desired": desired}}).encode())
        gateway = Gateway(LocalBackend(store), Path(tmp) / "cache")
        lat: list[float] = []
        try:
            async with GatewayServer(gateway, "127.0.0.1", 0) as server:
                client = await aiocoap.Context.create_client_context(transports=["udp6"])
                gate = asyncio.Semaphore(concurrency)

                async def one(eui: str) -> int:
                    async with gate:
                        return await _device(client, server.uri, eui, fetch, item, lat)

                t = time.perf_counter()
                counts = await asyncio.gather(*(one(e) for e in euis))
                elapsed = time.perf_counter() - t
                await client.shutdown()
        finally:
            gateway.close()
            files.stop()
            store.close()
    lat.sort()
    total = sum(counts)

    def pct(q: float) -> float:
        return lat[min(len(lat) - 1, int(q * (len(lat) - 1)))] * 1000

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{n} devices, {concurrency} at a time, fetch {fetch_size} B ({item}): {total} requests in "
        f"{elapsed:.2f} s = {total / elapsed:.0f} req/s; latency p50 {pct(0.5):.1f} ms, "
        f"p99 {pct(0.99):.1f} ms, max {lat[-1] * 1000:.1f} ms; downloads {gateway.downloads}; "
        f"peak RSS {rss:.0f} MiB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="devices (default 200)")
    parser.add_argument("--fetch", type=int, default=0, help="script size to fetch, bytes")
    parser.add_argument("--item", default="script_user", help="item fetched with --fetch")
    parser.add_argument("-c", "--concurrency", type=int, default=50, help="devices at once")
    args = parser.parse_args()
    asyncio.run(main(args.n, args.fetch, args.item, args.concurrency))
