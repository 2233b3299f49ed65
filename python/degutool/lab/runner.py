# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The whole local lab in one process: shadow service (HTTP and MQTT), broker, file server,
gateway, all on loopback."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from ..errors import DeguError
from ..gateway import Gateway, GatewayServer, LocalBackend
from ..shadow import ShadowHTTPService, ShadowMQTTResponder, ShadowStore
from .broker import Mosquitto
from .fileserver import FileServer
from .ports import PortInUse, check_free
from .state import STATE_FILE, LabState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabPorts:
    """Ports of the lab's servers; 0 picks a free one.  Defaults match `make demo`'s base URL
    (files on 8080) and the protocol's CoAP port."""

    coap: int = 5683
    files: int = 8080
    shadow: int = 8081
    mqtt: int = 1883

    def check(self, host: str, mqtt: bool = True) -> None:
        """Refuse ports held by another process, before anything is started or written.

        :raises PortInUse: the first such port, with the option that changes it.
        """
        wanted = [
            (self.coap, socket.SOCK_DGRAM, "UDP", "gateway", "--coap-port"),
            (self.files, socket.SOCK_STREAM, "TCP", "file server", "--files-port"),
            (self.shadow, socket.SOCK_STREAM, "TCP", "shadow service", "--shadow-port"),
        ]
        if mqtt:
            wanted.append((self.mqtt, socket.SOCK_STREAM, "TCP", "MQTT broker", "--mqtt-port"))
        for port, kind, proto, what, option in wanted:
            if port and not check_free(host, port, kind):
                raise PortInUse(host, port, proto, what, option)


class Lab:
    """Start with :meth:`start` (or ``with Lab(...)``), stop with :meth:`stop`.

    Folder layout: ``shadow.db`` (the shadows), ``files/`` (served at :attr:`files_url`),
    ``cache/`` (the gateway's fetched files), ``broker/`` (mosquitto's config and log),
    ``lab.json`` (the state file, while running).
    """

    def __init__(
        self,
        folder: Path,
        ports: LabPorts = LabPorts(),
        host: str = "127.0.0.1",
        mqtt: bool = True,
    ) -> None:
        self.folder = Path(folder)
        #: Run the broker and the MQTT shadow topics (without: HTTP and in-process only).
        self.mqtt = mqtt
        self.ports = ports
        self.host = host
        self.store: ShadowStore | None = None
        self.http: ShadowHTTPService | None = None
        self.broker: Mosquitto | None = None
        self.responder: ShadowMQTTResponder | None = None
        self.files: FileServer | None = None
        self.gateway: Gateway | None = None
        self.server: GatewayServer | None = None
        self.state: LabState | None = None

    def start(self) -> LabState:
        """Start every server, write the state file and return it; on failure stop what
        started, remove the shadow file when this start made it, and raise the failure.

        :raises PortInUse: a port is held by another process (nothing is written then).
        """
        self.ports.check(self.host, self.mqtt)
        db = self.folder / "shadow.db"
        new_db = not db.exists()
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._start_parts(db)
        except BaseException as e:
            self.stop()
            if new_db:
                for path in (db, db.with_name("shadow.db-wal"), db.with_name("shadow.db-shm")):
                    path.unlink(missing_ok=True)
            if isinstance(e, OSError):
                raise DeguError(f"could not start the lab in {self.folder}: {e}") from None
            raise
        assert self.http and self.files and self.server
        self.state = LabState(
            shadow_url=self.http.url,
            files_url=self.files.url,
            files_root=str(self.files.root.resolve()),
            coap_host=self.server.host,
            coap_port=self.server.port,
            mqtt_host=self.broker.host if self.broker else "",
            mqtt_port=self.broker.port if self.broker else 0,
            pid=os.getpid(),
        )
        self.state.write(self.folder)
        return self.state

    def _start_parts(self, db: Path) -> None:
        """Start the servers in order (a failure leaves the started ones to :meth:`stop`)."""
        self.store = ShadowStore(db)
        self.http = ShadowHTTPService(self.store, self.host, self.ports.shadow).start()
        if self.mqtt:
            self.broker = Mosquitto(self.folder / "broker", self.ports.mqtt, self.host)
            self.broker.start()
            # Its client id is unique per lab (the responder's default).
            self.responder = ShadowMQTTResponder(
                self.store, self.broker.host, self.broker.port
            ).start()
        self.files = FileServer(self.folder / "files", self.host, self.ports.files).start()
        self.gateway = Gateway(LocalBackend(self.store), self.folder / "cache")
        self.server = GatewayServer(self.gateway, self.host, self.ports.coap).start_thread()

    def stop(self) -> None:
        """Stop everything that runs (in reverse order) and remove the state file."""
        if self.state is not None:
            (self.folder / STATE_FILE).unlink(missing_ok=True)
            self.state = None
        if self.server is not None:
            self.server.stop_thread()
            self.server = None
        if self.gateway is not None:
            self.gateway.close()
            self.gateway = None
        for name in ("files", "responder", "broker", "http"):
            part = getattr(self, name)
            if part is not None:
                part.stop()
                setattr(self, name, None)
        if self.store is not None:
            self.store.close()
            self.store = None

    def __enter__(self) -> Lab:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
