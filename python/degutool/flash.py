# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Programming a Degu over SWD: the plan in pure code, pyOCD behind one small seam.

:func:`make_plan` turns a file's data into the sectors to erase and the sectors to program;
:func:`run` carries a plan out on a :class:`Probe` (lock check, erase, program, verify,
reset); :class:`PyOcdProbe` is the one implementation that talks to hardware.

Erasing is by whole 4 KB sectors (the nRF52840's page), so the bytes of a touched sector that
the file does not give read back as 0xFF afterwards; untouched sectors keep their contents.
A .hex touches only the sectors it has records for; a raw binary is taken whole, 0xFF runs
included, so a 1 MB factory.bin erases everything (the OpenThread data too) while
factory.hex leaves the sectors it has no data for alone.
A locked (APPROTECT) part is mass-erased only with ``recover=True``: pyOCD's own
``auto_unlock`` is turned off so that it never happens behind the user's back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from intelhex import HexReaderError, IntelHex

from . import layout as layout_mod
from . import mcuboot as mcuboot_image
from . import storage
from .errors import InputError, LayoutError, ProbeError
from .keys import Key
from .verify import check_image

log = logging.getLogger(__name__)

TARGET = "nrf52840"
SECTOR_SIZE = layout_mod.FLASH_PAGE
ERASED = 0xFF

#: ``progress(step, done, total)``: step is "erase", "program" or "verify"; done/total bytes.
Progress = Callable[[str, int, int], None]


class Probe(Protocol):
    """The few calls flashing needs from a debug probe attached to an nRF52840."""

    def is_locked(self) -> bool:
        """Whether APPROTECT keeps the debugger out of the part's memory."""

    def mass_erase(self) -> None:
        """Erase all flash and UICR through the CTRL-AP, which also unlocks the part."""

    def erase_sector(self, address: int) -> None:
        """Erase the sector starting at ``address``."""

    def program(self, address: int, data: bytes) -> None:
        """Program ``data`` (whole sectors, already erased) at ``address``."""

    def read(self, address: int, size: int) -> bytes:
        """Read ``size`` bytes of memory at ``address``."""

    def reset(self) -> None:
        """Reset the part and let it run."""

    def close(self) -> None:
        """Release the probe."""


#: Opens the probe with the given unique ID (or the only one attached).
Connector = Callable[[str | None], Probe]


@dataclass(frozen=True)
class Plan:
    """What to do to put a file's data in flash, computed before any probe is touched."""

    #: Sector start addresses to erase, ascending.
    erase: list[int]
    #: (sector address, the sector's new contents) for every sector with a byte not 0xFF.
    program: list[tuple[int, bytes]]
    #: (sector address, expected contents) for every erased sector.
    expected: list[tuple[int, bytes]] = field(repr=False)
    #: Bytes of data the file gives.
    size: int


@dataclass(frozen=True)
class Result:
    """What a flashing run did."""

    size: int
    seconds: float
    recovered: bool

    @property
    def kb_per_second(self) -> float:
        return self.size / 1000 / self.seconds if self.seconds > 0 else 0.0


def place(
    path: Path, raw: bytes, address: int | None, layout: layout_mod.Layout = layout_mod.DEFAULT
) -> int:
    """Where a raw binary goes: ``address`` when given, else by what the file is.

    A raw file carries no address, so only files whose kind fixes their place go without
    ``--address``: a 1 MB factory image at 0, a signed MCUboot image at slot 0 (never over
    MCUboot), a FAT volume of the storage partition's size at that partition.  Anything else
    (an unsigned zephyr.bin, MCUboot's own .bin, a dump) is refused: at 0 it would overwrite
    the bootloader.
    """
    if address is not None:
        return address
    if len(raw) == layout_mod.FLASH_SIZE:
        log.info("%s is a whole-flash image: flashing it from 0", path)
        return 0
    if mcuboot_image.is_image(raw):
        log.info("%s is an MCUboot image: flashing it to slot 0", path)
        return layout.slot0.offset
    if storage.is_volume(raw, layout):
        log.info("%s is a FAT volume: flashing it to the storage partition", path)
        return layout.storage.offset
    raise InputError(
        f"{path}: a raw binary of {len(raw)} bytes that is neither a "
        f"{layout_mod.FLASH_SIZE}-byte factory image (goes to 0), a signed MCUboot image "
        f"(slot 0, 0x{layout.slot0.offset:x}) nor a {layout.storage.size}-byte FAT volume "
        f"(storage, 0x{layout.storage.offset:x}); give --address, flash the .hex, or sign a "
        "firmware first with `degutool sign`"
    )


def load(
    path: Path, address: int | None = None, layout: layout_mod.Layout = layout_mod.DEFAULT
) -> IntelHex:
    """A .hex at its own addresses, a raw file where :func:`place` puts it."""
    data = IntelHex()
    try:
        if path.suffix.lower() == ".hex":
            data.loadhex(str(path))
        else:
            raw = path.read_bytes()
            data.frombytes(raw, offset=place(path, raw, address, layout))
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from e
    except (HexReaderError, ValueError) as e:
        raise InputError(f"{path}: not a valid Intel HEX file ({e})") from e
    if not data.segments():
        raise InputError(f"{path}: holds no data to flash")
    return data


def check_slot0(
    data: IntelHex,
    source: str,
    key: Key | None = None,
    layout: layout_mod.Layout = layout_mod.DEFAULT,
) -> None:
    """Refuse data whose slot 0 image is malformed, changed after signing or not bootable
    (:func:`degutool.verify.check_image`; with ``key`` its signature too)."""
    slot = layout.slot0
    data.padding = ERASED
    if not mcuboot_image.is_image(bytes(data.tobinarray(start=slot.offset, size=4))):
        if key is not None:
            raise InputError(
                f"{source}: --key given but there is no MCUboot image at slot 0 "
                f"(0x{slot.offset:x}) to verify; leave out --key or give the signed image"
            )
        return
    end = min(data.maxaddr() + 1, slot.end)
    image = bytes(data.tobinarray(start=slot.offset, size=end - slot.offset))
    check_image(image, f"{source} (slot 0 image at 0x{slot.offset:x})", key, layout)


def make_plan(data: IntelHex, source: str = "input") -> Plan:
    """The sectors to erase and program for ``data``; refuses data outside the part's flash."""
    segments = data.segments()
    for start, end in segments:
        if end > layout_mod.FLASH_SIZE:
            raise LayoutError(
                f"{source} has data at 0x{start:06x}-0x{end - 1:06x}, outside the nRF52840's "
                f"flash (0x000000-0x{layout_mod.FLASH_SIZE - 1:06x}): remove it from the file"
            )
    sectors = sorted(
        {
            sector
            for start, end in segments
            for sector in range(start - start % SECTOR_SIZE, end, SECTOR_SIZE)
        }
    )
    data.padding = ERASED
    expected = [(s, bytes(data.tobinarray(start=s, size=SECTOR_SIZE))) for s in sectors]
    program = [(s, b) for s, b in expected if b.count(ERASED) != SECTOR_SIZE]
    return Plan(sectors, program, expected, sum(end - start for start, end in segments))


def _locked_message() -> str:
    return (
        "the nRF52840 is locked (APPROTECT): its flash cannot be read or written. "
        "`degutool flash --recover FILE` mass-erases it (all flash and UICR, including the "
        "OpenThread credentials and the FAT volume) and then flashes FILE"
    )


def run(
    plan: Plan,
    probe: Probe,
    recover: bool = False,
    verify: bool = True,
    progress: Progress | None = None,
) -> bool:
    """Carry out ``plan`` on ``probe``; returns whether the part was mass-erased to unlock it."""
    report = progress or (lambda step, done, total: None)
    recovered = False
    if probe.is_locked():
        if not recover:
            raise ProbeError(_locked_message())
        log.warning("nRF52840 is locked (APPROTECT): mass-erasing it as --recover asks")
        probe.mass_erase()
        recovered = True
    elif recover:
        log.info("nRF52840 is not locked; --recover has nothing to do")

    if not recovered:
        # After a mass erase every sector is erased already.
        total = len(plan.erase) * SECTOR_SIZE
        for i, address in enumerate(plan.erase):
            probe.erase_sector(address)
            report("erase", (i + 1) * SECTOR_SIZE, total)

    total = len(plan.program) * SECTOR_SIZE
    for i, (address, contents) in enumerate(plan.program):
        probe.program(address, contents)
        report("program", (i + 1) * SECTOR_SIZE, total)

    if verify:
        total = len(plan.expected) * SECTOR_SIZE
        for i, (address, contents) in enumerate(plan.expected):
            back = probe.read(address, len(contents))
            if back != contents:
                at = next(j for j in range(len(contents)) if back[j : j + 1] != contents[j : j + 1])
                got = back[at] if at < len(back) else None
                raise ProbeError(
                    f"verify failed at 0x{address + at:06x}: wrote 0x{contents[at]:02x}, read "
                    f"{'nothing' if got is None else f'0x{got:02x}'}; the part was not reset. "
                    "Flash again; if it fails at the same address, the flash may be worn"
                )
            report("verify", (i + 1) * SECTOR_SIZE, total)

    probe.reset()
    return recovered


def select_probe(available: list[tuple[str, str]], wanted: str | None) -> str:
    """The unique ID to use among ``(unique_id, description)`` pairs of attached probes."""
    if not available:
        raise ProbeError(
            "no debug probe found: connect a CMSIS-DAP, J-Link or ST-Link probe to the Degu's "
            "SWD header and to USB (on Linux, check the probe's udev rule)"
        )
    listing = ", ".join(f"{uid} ({desc})" for uid, desc in available)
    if wanted is None:
        if len(available) > 1:
            raise ProbeError(
                f"{len(available)} probes attached: {listing}; choose one with --probe"
            )
        return available[0][0]
    matches = [uid for uid, _ in available if wanted.lower() in uid.lower()]
    if len(matches) != 1:
        what = "no attached probe" if not matches else f"{len(matches)} attached probes"
        raise ProbeError(f"{what} match --probe {wanted}; attached: {listing}")
    return matches[0]


class PyOcdProbe:
    """:class:`Probe` over pyOCD's Python API.

    TODO: exercised against pyOCD's API only, not yet on a probe and a Degu (none is at hand
    here); the lock path in :meth:`open` in particular needs a try on a locked part.
    """

    #: SWD at 4 MHz, as the board's `west flash` runner arguments; never auto-unlock.
    OPTIONS = {"target_override": TARGET, "frequency": 4_000_000, "auto_unlock": False}

    def __init__(self, session: object, debug_probe: object) -> None:
        self._session = session
        self._debug_probe = debug_probe
        self._locked = False

    @classmethod
    def open(cls, unique_id: str | None = None) -> PyOcdProbe:
        """Open a session on the chosen probe with target nrf52840."""
        from pyocd.core.helpers import ConnectHelper

        probes = ConnectHelper.get_all_connected_probes(blocking=False, print_wait_message=False)
        chosen = select_probe([(p.unique_id, p.description) for p in probes], unique_id)
        debug_probe = next(p for p in probes if p.unique_id == chosen)
        probe = cls(None, debug_probe)
        probe._connect()
        return probe

    def _connect(self) -> None:
        from pyocd.core.session import Session

        self._session = Session(self._debug_probe, options=dict(self.OPTIONS))
        try:
            self._session.open()
        except Exception as e:
            # A locked part answers only on its CTRL-AP, which the nRF52 target reads before
            # it gives up on the rest; anything else is a connection failure.
            target = getattr(self._session, "target", None)
            if getattr(target, "ctrl_ap", None) is not None and target.is_locked():
                self._locked = True
                return
            self.close()
            raise ProbeError(
                f"cannot connect to the nRF52840 through probe {self._debug_probe.unique_id}: "
                f"{e}; check the SWD wiring and that the Degu is powered"
            ) from e
        self._locked = self._session.target.is_locked()

    def is_locked(self) -> bool:
        return self._locked

    def mass_erase(self) -> None:
        if not self._session.target.mass_erase():
            raise ProbeError("mass erase did not finish; power-cycle the Degu and try again")
        # The part comes back unlocked; a new session discovers its cores and memory.
        self.close()
        self._connect()

    def erase_sector(self, address: int) -> None:
        from pyocd.flash.eraser import FlashEraser

        FlashEraser(self._session, FlashEraser.Mode.SECTOR).erase([address])

    def program(self, address: int, data: bytes) -> None:
        target = self._session.target
        region = target.memory_map.get_region_for_address(address)
        flash = region.flash
        flash.init(flash.Operation.PROGRAM)
        try:
            offset = 0
            while offset < len(data):
                page = flash.get_page_info(address + offset).size
                flash.program_page(address + offset, data[offset : offset + page])
                offset += page
        finally:
            flash.cleanup()

    def read(self, address: int, size: int) -> bytes:
        return bytes(self._session.target.read_memory_block8(address, size))

    def reset(self) -> None:
        self._session.target.reset()

    def close(self) -> None:
        if self._session is not None:
            try:
                self._session.close()
            finally:
                self._session = None


def connect_pyocd(unique_id: str | None) -> Probe:
    """The :data:`Connector` for real hardware."""
    return PyOcdProbe.open(unique_id)


#: The clock flashing is timed with (a seam for the tests).
_clock = time.monotonic


def flash_file(
    path: Path,
    probe_id: str | None = None,
    address: int | None = None,
    recover: bool = False,
    verify: bool = True,
    progress: Progress | None = None,
    connect: Connector | None = None,
    layout: layout_mod.Layout = layout_mod.DEFAULT,
    key: Key | None = None,
) -> Result:
    """Flash ``path`` (.hex, or raw bytes at ``address``); the plan is made before connecting."""
    data = load(path, address, layout)
    check_slot0(data, str(path), key, layout)
    plan = make_plan(data, str(path))
    log.info(
        "%s: %d bytes, erase %d sectors, program %d",
        path,
        plan.size,
        len(plan.erase),
        len(plan.program),
    )
    probe = (connect or connect_pyocd)(probe_id)
    start = _clock()
    try:
        recovered = run(plan, probe, recover=recover, verify=verify, progress=progress)
    finally:
        probe.close()
    return Result(plan.size, _clock() - start, recovered)
