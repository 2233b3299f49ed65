# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""main.py under the simulated device's runtime: the degu, machine, time and ujson modules."""

from __future__ import annotations

import errno
import sys
import threading
import time
from pathlib import Path

import pytest
from degutool.sim.runtime import Board, Clock, Outcome, run_script


class RecordingCore:
    """Answers check_update from a script of results and records what the script sent."""

    def __init__(self, updates: list[int] | None = None, shadow: str = "{}") -> None:
        self.updates = list(updates or [])
        self.checks = 0
        self.sent: list[str] = []
        self.shadow = shadow

    def check_update(self) -> int:
        self.checks += 1
        return self.updates.pop(0) if self.updates else 0

    def update_shadow(self, document: str) -> None:
        self.sent.append(document)

    def get_shadow(self) -> str:
        return self.shadow


def _run(tmp_path: Path, source: str, core=None, board=None, clock=None):
    script = tmp_path / "main.py"
    script.write_text(source)
    lines: list[str] = []
    outcome = run_script(
        script, core or RecordingCore(), lines.append, board, clock or Clock(scale=0.001)
    )
    return outcome, lines


ALICE = Path(__file__).parent.parent / "examples" / "main.py"


def test_alice_runs_until_an_update_waits(tmp_path) -> None:
    core = RecordingCore(updates=[0, 0, 1])
    lines: list[str] = []

    outcome = run_script(ALICE, core, lines.append, clock=Clock(scale=0.001))

    assert outcome is Outcome.RESET
    assert lines == ["Hello! I'm Alice."] * 3
    assert core.checks == 3


class UnreachableCore(RecordingCore):
    """The gateway does not answer: check_update fails as the binding makes it fail."""

    def check_update(self) -> int:
        self.checks += 1
        if self.checks > 3:
            return 1
        raise ConnectionRefusedError(errno.ECONNREFUSED, "check_update: connection refused")


def test_check_update_without_gateway_is_0_and_warns(tmp_path, caplog) -> None:
    core = UnreachableCore()
    with caplog.at_level("WARNING", logger="degutool.sim.runtime"):
        outcome = run_script(ALICE, core, (lines := []).append, clock=Clock(scale=0.001))
    assert (outcome, core.checks) == (Outcome.RESET, 4)
    assert lines == ["Hello! I'm Alice."] * 4
    assert [r.getMessage() for r in caplog.records] == [
        "degu.check_update(): could not ask the gateway "
        "([Errno 111] check_update: connection refused): returning 0"
    ] * 3


def test_shadow_calls_reach_the_core(tmp_path) -> None:
    core = RecordingCore(shadow='{"state":{"desired":{"led":"ON"}}}')
    outcome, lines = _run(
        tmp_path,
        "import degu, ujson\n"
        "degu.update_shadow(ujson.dumps({'state': {'reported': {'t': 21.5}}}))\n"
        "print(ujson.loads(degu.get_shadow())['state']['desired']['led'])\n",
        core,
    )
    assert outcome is Outcome.EXITED
    assert core.sent == ['{"state": {"reported": {"t": 21.5}}}']
    assert lines == ["ON"]


def test_pins_signal_and_adc_use_the_board(tmp_path) -> None:
    board = Board(inputs={("GPIO_1", 8): 0}, adc_volts={1: 1.8})
    outcome, lines = _run(
        tmp_path,
        "from machine import Pin, Signal, ADC\n"
        "led = Signal(Pin(('GPIO_1', 7), Pin.OUT), invert=True)\n"
        "led.on()\n"
        "print(Pin(('GPIO_1', 8), Pin.IN, Pin.PULL_UP).value())\n"
        "print(Pin(('GPIO_1', 9), Pin.IN, Pin.PULL_UP).value())\n"
        "ain = ADC(1)\n"
        "ain.gain(ain.GAIN_1_6)\n"
        "print(ain.read())\n"
        "print(ADC(2).read())\n",
        board=board,
    )
    assert outcome is Outcome.EXITED
    assert board.outputs == {("GPIO_1", 7): 0}
    assert lines == ["0", "1", "2048", "0"]


def test_i2c_bus_is_empty(tmp_path) -> None:
    outcome, lines = _run(
        tmp_path,
        "from machine import I2C\n"
        "bus = I2C(1)\n"
        "print(bus.scan())\n"
        "try:\n"
        "    bus.readfrom(0x44, 6)\n"
        "except OSError as e:\n"
        "    print(e.args[0])\n",
    )
    assert outcome is Outcome.EXITED
    assert lines == ["[]", str(errno.ENODEV)]


@pytest.mark.parametrize(
    ("source", "outcome", "last_line"),
    [
        ("import machine\nmachine.Pin(('GPIO_3', 1))\n", Outcome.ERROR, "ValueError: invalid pin"),
        ("raise RuntimeError('boom')\n", Outcome.ERROR, "RuntimeError: boom"),
        ("import degu\ndegu.powerdown()\nprint('never')\n", Outcome.POWERDOWN, None),
        ("import sys\nsys.exit(0)\n", Outcome.EXITED, None),
        # A bare except cannot keep a reset from happening.
        (
            "import machine, time\ntry:\n    machine.reset()\nexcept:\n    pass\ntime.sleep(1)\n",
            Outcome.RESET,
            None,
        ),
    ],
)
def test_how_a_script_ends(tmp_path, source: str, outcome: Outcome, last_line: str | None) -> None:
    got, lines = _run(tmp_path, source)
    assert got is outcome
    if last_line is None:
        assert lines == []
    else:
        assert lines[0] == "Traceback (most recent call last):"
        assert lines[-1].startswith(last_line)


def test_stopping_the_device_ends_a_sleeping_script(tmp_path) -> None:
    stop = threading.Event()
    timer = threading.Timer(0.2, stop.set)
    timer.start()
    started = time.monotonic()
    got, lines = _run(
        tmp_path, "import time\nprint('a')\ntime.sleep(600)\n", clock=Clock(1.0, stop)
    )
    timer.join()
    assert got is Outcome.STOPPED
    assert lines == ["a"]
    assert time.monotonic() - started < 60


def test_volume_modules_import_device_modules(tmp_path) -> None:
    (tmp_path / "sensor.py").write_text("import machine\nPIN = machine.Pin(('GPIO_0', 3))\n")
    got, lines = _run(tmp_path, "import sensor, time\nprint(sensor.PIN, time.ticks_ms() >= 0)\n")
    assert got is Outcome.EXITED
    assert lines == ["<Pin ('GPIO_0', 3)> True"]
    assert sys.modules["time"] is time


@pytest.mark.parametrize(
    ("end", "start", "diff"),
    [(10, 5, 5), (5, 10, -5), (3, (1 << 30) - 2, 5), ((1 << 30) - 2, 3, -5)],
)
def test_ticks_diff_wraps_like_micropython(tmp_path, end: int, start: int, diff: int) -> None:
    got, lines = _run(tmp_path, f"import utime\nprint(utime.ticks_diff({end}, {start}))\n")
    assert (got, lines) == (Outcome.EXITED, [str(diff)])


def test_open_reads_the_volume(tmp_path, monkeypatch) -> None:
    (tmp_path / "CONFIG").write_text("name=Alice\n")
    monkeypatch.chdir(tmp_path.parent)
    got, lines = _run(
        tmp_path,
        "print(open('CONFIG').read().strip(), open('/CONFIG').read().strip())\n"
        "try:\n"
        "    open('../etc/passwd')\n"
        "except OSError as e:\n"
        "    print(e.args[0])\n",
    )
    assert (got, lines) == (Outcome.EXITED, ["name=Alice name=Alice", str(errno.ENOENT)])


def test_scripts_in_threads_see_their_own_board(tmp_path) -> None:
    source = (
        "from machine import ADC\nimport time\n"
        "for _ in range(20):\n    print(ADC(0).read())\n    time.sleep(0.01)\n"
    )
    results: dict[int, list[str]] = {}

    def one(volts: float, index: int) -> None:
        folder = tmp_path / str(index)
        folder.mkdir()
        (folder / "main.py").write_text(source)
        lines: list[str] = []
        run_script(folder / "main.py", RecordingCore(), lines.append, Board(adc_volts={0: volts}))
        results[index] = lines

    threads = [threading.Thread(target=one, args=(v, i)) for i, v in enumerate((0.9, 1.8, 2.7))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {0: ["1024"] * 20, 1: ["2048"] * 20, 2: ["3072"] * 20}
