# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""A local MQTT broker for the lab and the tests: Debian's mosquitto on loopback.

The lab writes the broker's configuration itself (one listener bound to 127.0.0.1, anonymous
access, no persistence) so nothing of a system-wide mosquitto setup applies.

On Linux the broker is started through util-linux's ``setpriv --pdeathsig TERM``, so it gets
SIGTERM when the thread that started it ends, however that happens (a SIGKILL of the lab
too).  ``setpriv`` rather than ``preexec_fn`` + ``prctl(PR_SET_PDEATHSIG)``: ``preexec_fn`` is
not safe in a process that runs threads, and the lab does.  The signal follows the starting
*thread*: start the broker from a thread that lives as long as the broker should.
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ..errors import DeguError
from .ports import PortInUse, free_port, wait_for_tcp

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


def _death_signal_prefix() -> list[str]:
    """The command prefix that makes the broker die with the thread that starts it."""
    setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
    if setpriv is None:
        log.debug("setpriv not found: mosquitto will outlive a killed lab")
        return []
    return [setpriv, "--pdeathsig", "TERM", "--"]


def _listening_inodes(port: int) -> set[str] | None:
    """Socket inodes of TCP listeners on ``port`` (from /proc/net), or None without /proc."""
    inodes: set[str] = set()
    found = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        found = True
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes if found else None


def owns_listener(pid: int, port: int) -> bool | None:
    """Whether process ``pid`` holds a TCP socket listening on ``port`` (None: cannot tell,
    no /proc)."""
    inodes = _listening_inodes(port)
    if inodes is None:
        return None
    try:
        links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
    except OSError:
        return None
    return any(link == f"socket:[{inode}]" for link in links for inode in inodes)


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
        self.log_path.unlink(missing_ok=True)  # mosquitto appends: read only this run's lines
        argv = [*_death_signal_prefix(), find_mosquitto(), "-c", str(self.config_path)]
        log.info("+ %s", " ".join(argv))
        self._proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                self._exited()
            if self._listening():
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise DeguError(
                    f"mosquitto did not listen on {self.host}:{self.port} within "
                    f"{timeout:g} s; see {self.log_path}"
                )
            time.sleep(0.05)

    def _listening(self) -> bool:
        """This broker's own process listens on the port (not one that held it before: this
        one then exits with "Address already in use")."""
        assert self._proc is not None
        owned = owns_listener(self._proc.pid, self.port)
        if owned is not None:
            return owned
        try:
            wait_for_tcp(self.host, self.port, 0.2, "mosquitto")
        except DeguError:
            return False
        return self._proc.poll() is None

    def _exited(self) -> None:
        """:raises DeguError: why the broker exited (PortInUse for a port held by another)."""
        assert self._proc is not None
        err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
        try:
            err += self.log_path.read_text(errors="replace")
        except OSError:
            pass
        code = self._proc.returncode
        self.stop()
        if "Address already in use" in err:
            raise PortInUse(self.host, self.port, "TCP", "MQTT broker", "--mqtt-port")
        raise DeguError(
            f"mosquitto exited ({code}) with {self.config_path}: " + " ".join(err.split())[-300:]
        )

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
