# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Run a Degu ``main.py`` under CPython with the device's MicroPython modules.

The script sees ``degu``, ``machine``, ``time`` (also as ``utime``) and ``ujson`` as the
firmware offers them; ``degu`` calls go to the C OTA/shadow core through a :class:`Core`.

The modules are handed to the script by the ``__import__`` of its own builtins rather than
through ``sys.modules``: ``time`` is shared with the rest of the host process, and several
simulated devices may run their scripts at once in threads of one process, each with its own
board and core.  ``open()`` opens files on the device's volume (its root is the folder
that holds ``main.py``).  Other imports look in the device folder first (MicroPython's ``sys.path``
holds the volume's root), then fall back to the host's modules.

``machine.reset()`` ends the script at once, as the chip's reset does; the device's boot loop
then starts over (see :mod:`degutool.sim.device`).
"""

from __future__ import annotations

import builtins
import enum
import errno
import importlib.util
import json
import logging
import threading
import time as _time
import traceback
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

#: MicroPython's ticks wrap at 2**30 (``TICKS_PERIOD`` in extmod/modtime.c).
TICKS_PERIOD = 1 << 30


class Core(Protocol):
    """What the ``degu`` module needs of the device's C core."""

    def check_update(self) -> int:
        """1 when an item of desired differs from what is installed, else 0; raises OSError
        when the gateway cannot be asked."""
        ...

    def update_shadow(self, document: str) -> None:
        """POST a shadow update document; raises OSError on failure."""
        ...

    def get_shadow(self) -> str:
        """The thing's shadow document; raises OSError on failure."""
        ...


class Outcome(enum.Enum):
    """How a run of ``main.py`` ended."""

    #: The script returned; the real device drops to the REPL.
    EXITED = "exited"
    #: An exception escaped the script (its traceback went to the console).
    ERROR = "error"
    #: ``machine.reset()``: the boot flow starts over.
    RESET = "reset"
    #: ``degu.powerdown()``: system off until the next power-on.
    POWERDOWN = "powerdown"
    #: The simulation was stopped from outside.
    STOPPED = "stopped"


class _End(BaseException):
    """Unwinds the script; a BaseException so that ``except Exception`` does not catch it."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.value)
        self.outcome = outcome


class Clock:
    """Simulated time: sleeps can be scaled down and are cut short when the device stops."""

    def __init__(self, scale: float = 1.0, stop: threading.Event | None = None) -> None:
        self.scale = scale
        self.stop = stop or threading.Event()
        self._t0 = _time.monotonic()

    def now(self) -> float:
        """Seconds of simulated time since the clock started."""
        return (_time.monotonic() - self._t0) / self.scale

    def sleep(self, seconds: float) -> None:
        """Sleep, or raise when the device is stopped meanwhile."""
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        if self.stop.wait(seconds * self.scale):
            raise _End(Outcome.STOPPED)


@dataclass
class Board:
    """The simulated hardware around the nRF52840: pin levels and ADC input voltages.

    Tests and the CLI set ``inputs`` (level of an input pin) and ``adc_volts`` (voltage on
    an ADC channel); the script's outputs land in ``outputs``.
    """

    inputs: dict[tuple[str, int], int] = field(default_factory=dict)
    outputs: dict[tuple[str, int], int] = field(default_factory=dict)
    adc_volts: dict[int, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


#: GPIO ports of the nRF52840 and their pin counts.
GPIO_PORTS = {"GPIO_0": 32, "GPIO_1": 16}
#: SAADC internal reference (V) and the gains the Zephyr driver offers, as factors.
ADC_REFERENCE = 0.6
ADC_RESOLUTION = 4096


class _Run:
    """Everything one run of a script shares: console, clock, board, core, reset flag."""

    def __init__(
        self, core: Core, board: Board, clock: Clock, console: Callable[[str], None]
    ) -> None:
        self.core = core
        self.board = board
        self.clock = clock
        self.console = console
        self.ending: Outcome | None = None

    def check(self) -> None:
        """Every call into the device modules passes here: a reset already asked for wins."""
        if self.ending is not None:
            raise _End(self.ending)
        if self.clock.stop.is_set():
            raise _End(Outcome.STOPPED)

    def end(self, outcome: Outcome) -> None:
        self.ending = outcome
        raise _End(outcome)


def _degu_module(run: _Run) -> types.ModuleType:
    mod = types.ModuleType("degu", "Degu OTA and shadow access (simulated device)")

    def check_update() -> int:
        # DESIGN.md: 1 when an item differs, else 0.  A gateway that cannot be asked is "no
        # update known", as on the device, so scripts written for the original firmware
        # (`if degu.check_update() == 1:`) run on; the device logs a warning.
        run.check()
        try:
            return run.core.check_update()
        except OSError as e:
            log.warning("degu.check_update(): could not ask the gateway (%s): returning 0", e)
            return 0

    def update_shadow(document: str) -> None:
        run.check()
        if not isinstance(document, str | bytes):
            raise TypeError("update_shadow() takes the JSON document as a string")
        run.core.update_shadow(document.decode() if isinstance(document, bytes) else document)

    def get_shadow() -> str:
        run.check()
        return run.core.get_shadow()

    def suspend(seconds: float) -> None:
        run.check()
        run.clock.sleep(seconds)

    def powerdown() -> None:
        run.check()
        run.end(Outcome.POWERDOWN)

    for fn in (check_update, update_shadow, get_shadow, suspend, powerdown):
        setattr(mod, fn.__name__, fn)
    return mod


def _machine_module(run: _Run) -> types.ModuleType:
    mod = types.ModuleType("machine", "Degu board access (simulated device)")
    board = run.board

    class Pin:
        """A GPIO pin named as on the Degu: ``Pin(("GPIO_1", 7), Pin.OUT)``."""

        IN = 0
        OUT = 1
        OPEN_DRAIN = 2
        PULL_UP = 1
        PULL_DOWN = 2

        def __init__(self, id: tuple[str, int], mode: int = IN, pull: int | None = None,
                     value: int | None = None) -> None:  # fmt: skip
            run.check()
            if (
                not isinstance(id, tuple)
                or len(id) != 2
                or id[0] not in GPIO_PORTS
                or not isinstance(id[1], int)
                or not 0 <= id[1] < GPIO_PORTS[id[0]]
            ):
                raise ValueError(f"invalid pin {id!r}: use (port, pin), e.g. ('GPIO_1', 7)")
            self._id = id
            self.init(mode, pull, value)

        def init(self, mode: int = IN, pull: int | None = None, value: int | None = None) -> None:
            run.check()
            if mode not in (self.IN, self.OUT, self.OPEN_DRAIN):
                raise ValueError(f"invalid pin mode {mode!r}")
            self._mode = mode
            self._pull = pull
            if value is not None:
                self.value(value)

        def value(self, level: int | None = None) -> int | None:
            run.check()
            with board.lock:
                if level is not None:
                    board.outputs[self._id] = 1 if level else 0
                    return None
                if self._mode == self.OUT:
                    return board.outputs.get(self._id, 0)
                default = 1 if self._pull == self.PULL_UP else 0
                return board.inputs.get(self._id, default)

        def on(self) -> None:
            self.value(1)

        def off(self) -> None:
            self.value(0)

        __call__ = value

        def __repr__(self) -> str:
            return f"<Pin {self._id}>"

    class Signal:
        """A pin with an active level: ``Signal(pin, invert=True)``."""

        def __init__(self, pin: Pin | tuple[str, int], *args: Any, invert: bool = False) -> None:
            self._pin = pin if isinstance(pin, Pin) else Pin(pin, *args)
            self._invert = invert

        def value(self, active: int | None = None) -> int | None:
            if active is None:
                return int(bool(self._pin.value()) != self._invert)
            self._pin.value(int(bool(active) != self._invert))
            return None

        def on(self) -> None:
            self.value(1)

        def off(self) -> None:
            self.value(0)

    class ADC:
        """The nRF52840 SAADC, 12-bit, 0.6 V reference: ``ADC(1).read()``."""

        GAIN_1_6 = 0
        GAIN_1_5 = 1
        GAIN_1_4 = 2
        GAIN_1_3 = 3
        GAIN_1_2 = 4
        GAIN_1 = 5
        GAIN_2 = 6
        GAIN_4 = 7
        _FACTORS = (1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1.0, 2.0, 4.0)

        def __init__(self, channel: int) -> None:
            run.check()
            if not isinstance(channel, int) or not 0 <= channel <= 7:
                raise ValueError(f"invalid ADC channel {channel!r}: the SAADC has AIN0..AIN7")
            self._channel = channel
            self._gain = self.GAIN_1_6

        def gain(self, gain: int) -> None:
            if gain not in range(len(self._FACTORS)):
                raise ValueError(f"invalid ADC gain {gain!r}")
            self._gain = gain

        def read(self) -> int:
            run.check()
            with board.lock:
                volts = board.adc_volts.get(self._channel, 0.0)
            full_scale = ADC_REFERENCE / self._FACTORS[self._gain]
            raw = round(volts / full_scale * ADC_RESOLUTION)
            return max(0, min(ADC_RESOLUTION - 1, raw))

    class I2C:
        """An I2C bus with nothing on it: no address acknowledges."""

        def __init__(self, id: int = 0, **kwargs: Any) -> None:
            run.check()
            self._id = id

        def scan(self) -> list[int]:
            run.check()
            return []

        def _nack(self, addr: int) -> OSError:
            run.check()
            # MicroPython raises ENODEV when the address is not acknowledged.
            return OSError(errno.ENODEV, f"no device at I2C address 0x{addr:02x}")

        def readfrom(self, addr: int, nbytes: int, stop: bool = True) -> bytes:
            raise self._nack(addr)

        def readfrom_into(self, addr: int, buf: bytearray, stop: bool = True) -> None:
            raise self._nack(addr)

        def writeto(self, addr: int, buf: bytes, stop: bool = True) -> int:
            raise self._nack(addr)

        def readfrom_mem(self, addr: int, memaddr: int, nbytes: int, **kwargs: Any) -> bytes:
            raise self._nack(addr)

        def readfrom_mem_into(self, addr: int, memaddr: int, buf: bytearray, **kw: Any) -> None:
            raise self._nack(addr)

        def writeto_mem(self, addr: int, memaddr: int, buf: bytes, **kwargs: Any) -> None:
            raise self._nack(addr)

    def reset() -> None:
        run.check()
        run.end(Outcome.RESET)

    mod.Pin = Pin
    mod.Signal = Signal
    mod.ADC = ADC
    mod.I2C = I2C
    mod.reset = reset
    return mod


def _time_module(run: _Run) -> types.ModuleType:
    mod = types.ModuleType("time", "MicroPython time (simulated device)")
    clock = run.clock

    def sleep(seconds: float) -> None:
        run.check()
        clock.sleep(seconds)

    def sleep_ms(ms: int) -> None:
        sleep(ms / 1000)

    def sleep_us(us: int) -> None:
        sleep(us / 1_000_000)

    def ticks_ms() -> int:
        return int(clock.now() * 1000) % TICKS_PERIOD

    def ticks_us() -> int:
        return int(clock.now() * 1_000_000) % TICKS_PERIOD

    def ticks_add(ticks: int, delta: int) -> int:
        return (ticks + delta) % TICKS_PERIOD

    def ticks_diff(end: int, start: int) -> int:
        half = TICKS_PERIOD // 2
        return ((end - start + half) % TICKS_PERIOD) - half

    def time_() -> int:
        return int(_time.time())

    for fn in (sleep, sleep_ms, sleep_us, ticks_ms, ticks_us, ticks_add, ticks_diff):
        setattr(mod, fn.__name__, fn)
    mod.time = time_
    return mod


def _ujson_module() -> types.ModuleType:
    mod = types.ModuleType("ujson", "MicroPython ujson (simulated device)")
    mod.dumps = json.dumps
    mod.loads = json.loads
    mod.dump = json.dump
    mod.load = json.load
    return mod


class _Console:
    """Collects what the script prints and hands it on line by line."""

    def __init__(self, sink: Callable[[str], None]) -> None:
        self._sink = sink
        self._partial = ""

    def write(self, text: str) -> int:
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self._sink(line)
        return len(text)

    def flush(self) -> None:
        if self._partial:
            self._sink(self._partial)
            self._partial = ""


def _volume_path(volume: Path, name: str | bytes) -> Path:
    """A path the script names, on the FAT volume: relative to its root, or from ``/``."""
    text = name.decode() if isinstance(name, bytes) else str(name)
    parts = [p for p in text.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise OSError(errno.ENOENT, f"{text}: no such file on the volume")
    return volume.joinpath(*parts)


def run_script(
    path: Path,
    core: Core,
    console: Callable[[str], None],
    board: Board | None = None,
    clock: Clock | None = None,
) -> Outcome:
    """Run the script at ``path`` until it ends; return how it ended.

    ``console`` receives each line the script prints (and a traceback when it fails), as the
    device's serial console would show it.
    """
    run = _Run(core, board or Board(), clock or Clock(), console)
    out = _Console(console)
    device_modules = {
        "degu": _degu_module(run),
        "machine": _machine_module(run),
        "time": _time_module(run),
        "ujson": _ujson_module(),
    }
    device_modules["utime"] = device_modules["time"]
    folder = path.parent
    loaded: dict[str, types.ModuleType] = {}
    script_builtins = dict(vars(builtins))

    def device_print(*args: Any, sep: str = " ", end: str = "\n", **kwargs: Any) -> None:
        out.write(sep.join(str(a) for a in args) + end)

    def device_import(
        name: str,
        globals: dict[str, Any] | None = None,
        locals: dict[str, Any] | None = None,
        fromlist: tuple[str, ...] = (),
        level: int = 0,
    ) -> types.ModuleType:
        top = name.partition(".")[0]
        if level == 0 and top in device_modules and top == name:
            return device_modules[name]
        if level == 0 and top == name and name in loaded:
            return loaded[name]
        if level == 0 and top == name and (folder / f"{name}.py").is_file():
            return _load_volume_module(name)
        return builtins.__import__(name, globals, locals, fromlist, level)

    def _load_volume_module(name: str) -> types.ModuleType:
        spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        module.__builtins__ = script_builtins  # type: ignore[attr-defined]
        loaded[name] = module
        code = compile((folder / f"{name}.py").read_bytes(), str(folder / f"{name}.py"), "exec")
        exec(code, vars(module))
        return module

    def volume_open(file: str | bytes, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        return open(_volume_path(folder, file), mode, *args, **kwargs)

    script_builtins["print"] = device_print
    script_builtins["open"] = volume_open
    script_builtins["__import__"] = device_import
    try:
        source = path.read_bytes()
    except OSError as e:
        console(f"cannot read {path.name}: {e.strerror}")
        return Outcome.ERROR
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(path)}
    namespace["__builtins__"] = script_builtins
    try:
        exec(compile(source, path.name, "exec"), namespace)
    except _End as e:
        return e.outcome
    except KeyboardInterrupt:
        raise
    except SystemExit:
        return run.ending or Outcome.EXITED
    except BaseException as e:  # noqa: B036 - the script's own failure, reported like MicroPython
        if run.ending is not None:
            return run.ending
        out.flush()
        for line in traceback.format_exception(type(e), e, e.__traceback__.tb_next):
            for part in line.rstrip("\n").split("\n"):
                console(part)
        return Outcome.ERROR
    finally:
        out.flush()
    return run.ending or Outcome.EXITED
