# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""One simulated Degu: its folder, its provisioning and its boot loop.

A device folder holds what the real unit keeps across resets (see ota/ports/posix's
posix.h): ``slot0.bin`` and ``slot1.bin`` (the MCUboot slots), ``fat/`` (the FAT volume's
files: ``main.py``, ``CONFIG``), ``ota_state.bin`` (the core's state record) and ``eui64``
(the device's identity, written at provisioning).

Every reset runs the same steps as the unit: the bootloader (:mod:`.mcuboot`), then the OTA
core's boot-time check (``ota_boot()`` through :mod:`.binding`), then either another reset
or ``main.py`` (:mod:`.runtime`).  The firmware's own code is not run (the host cannot run
Cortex-M code); slot 0 holds a real MCUboot image so that the bootloader's checks and the
firmware digest work on real bytes.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from imgtool import image as imgtool_image
from imgtool.version import decode_version

from ..errors import ImageError, InputError, SimError
from ..keys import Key
from ..layout import DEFAULT as LAYOUT
from ..layout import IMAGE_HEADER_SIZE
from . import mcuboot, runtime
from .binding import BootAction, Device

log = logging.getLogger(__name__)

EUI64_RE = re.compile(r"^[0-9a-f]{16}$")
VOLUME = "fat"
SCRIPT = "main.py"
CONFIG = "CONFIG"
ID_FILE = "eui64"
#: Resets in a row that install something before the loop is called a reboot loop.
MAX_REBOOTS_IN_A_ROW = 8


def check_eui64(eui64: str) -> str:
    """The EUI-64 in the form every gateway path ends in, or InputError."""
    value = eui64.lower().replace(":", "").replace("-", "")
    if not EUI64_RE.match(value):
        raise InputError(
            f"EUI-64 {eui64!r} is not 16 hex digits (e.g. 0123456789abcdef or "
            "01:23:45:67:89:ab:cd:ef)"
        )
    return value


def idle_firmware(version: str = "0.0.0") -> bytes:
    """A minimal Cortex-M4 program in an unsigned MCUboot image, for slot 0 of a new device.

    The program is a vector table (initial stack at the top of RAM, reset vector) and a
    reset handler that branches to itself.  Release a real image over the air to replace it.
    """
    entry = LAYOUT.slot0.offset + IMAGE_HEADER_SIZE + 8
    program = (0x20040000).to_bytes(4, "little") + (entry | 1).to_bytes(4, "little")
    program += bytes.fromhex("fee7")  # b .
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "idle.bin", Path(tmp) / "idle.signed.bin"
        raw.write_bytes(program)
        img = imgtool_image.Image(
            version=decode_version(version),
            header_size=IMAGE_HEADER_SIZE,
            pad_header=True,
            slot_size=LAYOUT.slot0.size,
            load_addr=0,
        )
        img.load(str(raw))
        img.create(None, "hash", None)
        img.save(str(out))
        return out.read_bytes()


def provision(
    folder: Path,
    eui64: str,
    script: bytes | None,
    config: bytes | None = None,
    firmware: bytes | None = None,
    force: bool = False,
) -> Path:
    """Make a device folder: identity, volume files, slot 0 with a confirmed image.

    The folder is assembled under a temporary name next to it and renamed into place, so a
    failure leaves nothing behind.  An existing folder is refused unless ``force``.
    """
    eui = check_eui64(eui64)
    image = firmware if firmware is not None else idle_firmware()
    slots_probe = mcuboot.erased_slot(mcuboot.SLOT_SIZE)
    if len(image) > len(slots_probe) - mcuboot.TRAILER_SIZE:
        raise ImageError(
            f"firmware image is {len(image)} bytes; slot 0 has room for "
            f"{len(slots_probe) - mcuboot.TRAILER_SIZE}: shrink the image"
        )
    slots_probe[: len(image)] = image
    mcuboot.parse_image(slots_probe)
    if folder.exists() and any(folder.iterdir()) and not force:
        raise InputError(
            f"{folder} exists and is not empty: choose another folder or give --force to "
            "replace the device in it"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.tmp-"))
    try:
        (tmp / VOLUME).mkdir()
        if script is not None:
            (tmp / VOLUME / SCRIPT).write_bytes(script)
        if config is not None:
            (tmp / VOLUME / CONFIG).write_bytes(config)
        (tmp / ID_FILE).write_text(eui + "\n")
        slots = mcuboot.Slots(tmp)
        slots.program(0, image, confirmed=True)
        slots.write(1, mcuboot.erased_slot(mcuboot.SLOT_SIZE))
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old)
        else:
            os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("device %s provisioned in %s", eui, folder)
    return folder


def read_eui64(folder: Path) -> str:
    """The identity a provisioned folder carries."""
    try:
        return check_eui64((folder / ID_FILE).read_text().strip())
    except FileNotFoundError:
        raise SimError(
            f"{folder} is not a provisioned device (no {ID_FILE} file): run "
            "`degutool sim provision` first"
        ) from None


@dataclass
class Gateway:
    """Where the simulated device reaches its gateway."""

    host: str = "127.0.0.1"
    port: int = 5683
    #: CoAP ACK_TIMEOUT for the host port; 0 for RFC 7252's 2 s.
    ack_timeout_ms: int = 0


@dataclass
class BootRecord:
    """What one boot of the device did."""

    number: int
    swap: mcuboot.SwapType
    firmware_version: str
    ota_rc: int
    action: BootAction
    script: runtime.Outcome | None = None
    #: Why the bootloader erased slot 1 instead of swapping it in, when it did.
    rejected: str | None = None


@dataclass
class SimDevice:
    """A provisioned device folder brought to life.

    ``console`` receives each line the device prints, prefixed with its EUI-64.
    """

    folder: Path
    gateway: Gateway
    console: Callable[[str], None]
    board: runtime.Board = field(default_factory=runtime.Board)
    max_attempts: int = 0
    time_scale: float = 1.0
    #: The bootloader's public key: when set, the simulated MCUboot checks signatures.
    bootloader_key: Key | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    boots: list[BootRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.eui64 = read_eui64(self.folder)

    def _say(self, line: str) -> None:
        self.console(f"[{self.eui64}] {line}")

    def boot_once(self) -> BootRecord:
        """One reset: bootloader, OTA boot check, then main.py when nothing was installed."""
        number = len(self.boots) + 1
        result = mcuboot.boot(self.folder, key=self.bootloader_key)
        if result.rejected:
            self._say(f"MCUboot: image in slot 1 rejected: {result.rejected}")
        device = Device(
            self.folder,
            self.eui64,
            self.gateway.host,
            self.gateway.port,
            self.gateway.ack_timeout_ms,
            self.max_attempts,
        )
        with device:
            rc, action = device.boot()
            record = BootRecord(
                number, result.swap, result.image.version, rc, action, rejected=result.rejected
            )
            self.boots.append(record)
            log.info(
                "device %s boot %d: swap %s, firmware %s, ota_boot %d, %s",
                self.eui64,
                number,
                result.swap.name.lower(),
                result.image.version,
                rc,
                action.name.lower(),
            )
            if rc < 0:
                name = errno.errorcode.get(-rc, str(rc))
                self._say(f"gateway not reached ({name}); running {SCRIPT}")
            if action is BootAction.REBOOT:
                return record
            script = self.folder / VOLUME / SCRIPT
            if not script.is_file():
                self._say(f"no {SCRIPT}: REPL")
                record.script = runtime.Outcome.EXITED
                return record
            record.script = runtime.run_script(
                script,
                device,
                self._say,
                self.board,
                runtime.Clock(self.time_scale, self.stop),
            )
            return record

    def run(self, max_boots: int | None = None) -> list[BootRecord]:
        """Boot until stopped, powered down, or ``max_boots`` boots were made.

        After ``main.py`` returns or fails the device sits in the REPL, as the unit does,
        until stopped (without ``max_boots``) or the run ends (with it).  Raises
        :class:`SimError` on a reboot loop.
        """
        in_a_row = 0
        while not self.stop.is_set() and (max_boots is None or len(self.boots) < max_boots):
            record = self.boot_once()
            if record.action is BootAction.REBOOT:
                in_a_row += 1
                if in_a_row >= MAX_REBOOTS_IN_A_ROW:
                    raise SimError(
                        f"device {self.eui64}: {in_a_row} resets in a row installed something; "
                        "the update never settles (reboot loop)"
                    )
                continue
            in_a_row = 0
            if record.script is runtime.Outcome.RESET:
                continue
            if record.script in (runtime.Outcome.EXITED, runtime.Outcome.ERROR):
                # The REPL: nothing happens until the device is stopped (or, with a boot
                # limit, the run is over).
                if max_boots is None:
                    self.stop.wait()
            break
        return self.boots
