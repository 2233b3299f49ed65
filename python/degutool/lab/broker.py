# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""A local MQTT broker for the lab and the tests: Debian's mosquitto on loopback.

The lab writes the broker's configuration itself (one listener bound to 127.0.0.1, anonymous
access, no persistence) so nothing of a system-wide mosquitto setup applies.
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

from ..errors import DeguError
from .ports import free_port, wait_for_tcp

log = logging.getLogger(__name__)

#: Where Debian's package puts the broker (not on a normal user's PATH).
MOSQUITTO_PATHS = ("/usr/sbin/mosquitto", "/usr/bin/mosquitto")


def find_mosquitto() -> str:
    """Path of the mosquitto executable.

    :raises DeguError: it is not installed.
    """
    found = shutil.which("mosquitto") or next(
        (p for p in MOSQUITTO_PATHS if Path(p).is_file()), None
    )
    if found is None:
        raise DeguError(
            "mosquitto not found (looked on PATH and in /usr/sbin): "
            "install it with `apt-get install mosquitto` (make setup does)"
        )
    return found


class Mosquitto:
    """A mosquitto process listening on ``127.0.0.1:port`` (a free port when 0).

    Its configuration and log live in ``workdir``.  Use as a context manager or call
    :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self, workdir: str | Path, port: int = 0, host: str = "127.0.0.1", extra_config: str = ""
    ) -> None:
        self.workdir = Path(workdir)
        self.host = host
        self.port = port or free_port(host)
        #: Appended to the configuration: more listeners (each bound to loopback), e.g. one
        #: with TLS client certificates as AWS IoT Core asks for.
        self.extra_config = extra_config
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        return self.workdir / "mosquitto.conf"

    @property
    def log_path(self) -> Path:
        return self.workdir / "mosquitto.log"

    def start(self, timeout: float = 10.0) -> Mosquitto:
        """Write the configuration, start the broker and wait until it accepts connections.

        :raises DeguError: mosquitto is missing, exited, or did not listen in time.
        """
        self.workdir.mkdir(parents=True, exist_ok=True)
        tmp = self.config_path.with_suffix(".conf.tmp")
        tmp.write_text(
            "# Written by degutool lab: loopback only, anonymous, nothing kept on disk.\n"
            f"listener {self.port} {self.host}\n"
            "allow_anonymous true\n"
            # Started as root, mosquitto switches to user "mosquitto", who cannot read a
            # private temporary folder: stay the user who started it.
            f"user {pwd.getpwuid(os.getuid()).pw_name}\n"
            "persistence false\n"
            f"log_dest file {self.log_path}\n"
            "log_type error\nlog_type warning\nlog_type notice\n" + self.extra_config
        )
        tmp.replace(self.config_path)
        exe = find_mosquitto()
        log.info("+ %s -c %s", exe, self.config_path)
        self._proc = subprocess.Popen(
            [exe, "-c", str(self.config_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                code = self._proc.returncode
                self.stop()
                raise DeguError(
                    f"mosquitto exited ({code}) with {self.config_path}: "
                    + " ".join(err.split())[-300:]
                )
            try:
                wait_for_tcp(self.host, self.port, 0.2, "mosquitto")
                return self
            except DeguError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise DeguError(
                        f"mosquitto did not listen on {self.host}:{self.port} within "
                        f"{timeout:g} s; see {self.log_path}"
                    ) from None

    def stop(self) -> None:
        """Stop the broker (SIGTERM, then SIGKILL after 5 s)."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        if self._proc.stderr:
            self._proc.stderr.close()
        self._proc = None

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
