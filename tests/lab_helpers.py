# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Test-only helpers for the lab suites: an MQTT probe and a file server with faults."""

from __future__ import annotations

import json
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

TIMEOUT = 5.0
#: Seconds a trickling fault handler keeps sending before it gives up.
TRICKLE_FOR = 10.0


class MqttProbe:
    """A paho client that records every message on the topics it subscribes to."""

    def __init__(self, host: str, port: int, topics: list[str]) -> None:
        self.messages: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._ready = threading.Event()
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="test-probe")
        self._client.on_connect = lambda c, *_: c.subscribe([(t, 1) for t in topics])
        self._client.on_subscribe = lambda *_: self._ready.set()
        self._client.on_message = lambda _c, _u, m: self.messages.put((m.topic, m.payload))
        self._client.connect(host, port)
        self._client.loop_start()
        assert self._ready.wait(TIMEOUT), "probe subscription not acknowledged"

    def publish(self, topic: str, doc: Any) -> None:
        payload = doc if isinstance(doc, bytes) else json.dumps(doc)
        self._client.publish(topic, payload, qos=1).wait_for_publish(TIMEOUT)

    def next(self, topic: str) -> Any:
        """The next message on ``topic`` (others received before it are dropped)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            t, payload = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            if t == topic:
                return json.loads(payload)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


class FaultyHandler(SimpleHTTPRequestHandler):
    """Static files with faults chosen by path prefix (test only):

    ``/404/...`` answers 404; ``/cut<N>/<file>`` sends the file's full Content-Length and closes
    after N bytes; ``/slow<ms>/<file>`` waits that long before answering; ``/nolen/<file>``
    sends the file without Content-Length (closing the connection at the end);
    ``/trickle<ms>/<file>`` sends the body one byte every <ms> ms and ``/slowhead<ms>/<file>``
    the status line and headers so (each gives up after :data:`TRICKLE_FOR` s);
    ``/redir/<path>`` answers 302 to ``/<path>``, ``/redirftp/...`` 302 to an ftp:// URL and
    ``/loop/...`` 302 to itself.
    """

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _trickle(self, data: bytes, pause: float) -> None:
        """Write ``data`` a byte at a time until done, the client leaves or TRICKLE_FOR;
        the bytes written go to the server's ``trickled`` list."""
        self.close_connection = True
        end = time.monotonic() + TRICKLE_FOR
        sent = 0
        try:
            while sent < len(data) and time.monotonic() < end:
                self.wfile.write(data[sent : sent + 1])
                self.wfile.flush()
                sent += 1
                time.sleep(pause)
        except OSError:
            pass
        self.server.__dict__.setdefault("trickled", []).append(sent)

    def do_GET(self) -> None:
        head, _, rest = self.path.lstrip("/").partition("/")
        if head == "404":
            self.send_error(404)
            return
        if head == "redir":
            self._redirect("/" + rest)
            return
        if head == "redirftp":
            self._redirect("ftp://127.0.0.1:9/" + rest)
            return
        if head == "loop":
            self._redirect(self.path)
            return
        if head.startswith(("trickle", "slowhead")):
            data = Path(self.translate_path("/" + rest)).read_bytes()
            pause = int(head.removeprefix("trickle").removeprefix("slowhead")) / 1000
            if head.startswith("trickle"):
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.flush()
                self._trickle(data, pause)
            else:
                # Headers longer than TRICKLE_FOR lets through: 10 s are not enough for them.
                status = (
                    f"HTTP/1.1 200 OK\r\nContent-Length: {len(data)}\r\nX-Pad: {'p' * 100}\r\n\r\n"
                ).encode()
                self._trickle(status + data, pause)
            return
        if head.startswith("slow"):
            time.sleep(int(head[4:]) / 1000)
            self.path = "/" + rest
            super().do_GET()
            return
        if head.startswith("cut") or head == "nolen":
            path = self.translate_path("/" + rest)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            if head == "nolen":
                self.send_header("Connection", "close")
            else:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data if head == "nolen" else data[: int(head[3:])])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


class FakeS3Handler(BaseHTTPRequestHandler):
    """Test-only S3 stand-in: ``PUT /<bucket>/<key>`` stores the body in ``server.objects``."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.objects[self.path] = body  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("ETag", '"0"')
        self.send_header("Content-Length", "0")
        self.end_headers()
