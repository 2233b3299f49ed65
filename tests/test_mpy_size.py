# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""bench/mpy_size.py: the flash and RAM of one library, read from a GNU ld map file."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "mpy_size", Path(__file__).resolve().parent.parent / "bench" / "mpy_size.py"
)
assert _SPEC is not None and _SPEC.loader is not None
mpy_size = importlib.util.module_from_spec(_SPEC)
sys.modules["mpy_size"] = mpy_size  # dataclasses look their module up there
_SPEC.loader.exec_module(mpy_size)

MAP = """\
Discarded input sections

 .text.unused   0x00000000       0x40 libdegu_micropython.a(gc.c.obj)

Memory Configuration

Linker script and memory map

text            0x00014200    0x50000
 .text.gc_alloc
                0x00020000      0x1a4 libdegu_micropython.a(gc.c.obj)
 .text.main     0x00020200       0x20 app/libapp.a(main.c.obj)
 .rodata.mp_qstr_const_pool
                0x00030000      0x800 libdegu_micropython.a(qstr.c.obj)
 .data.mp_sys_path
                0x20000000        0x8 libdegu_micropython.a(modsys.c.obj)
 .bss.heap      0x20001000     0xc000 libdegu_micropython.a(mp_port.c.obj)
 COMMON         0x2000d000       0x10 libdegu_micropython.a(mpstate.c.obj)
 .debug_info    0x00000000     0x9999 libdegu_micropython.a(gc.c.obj)
"""


@pytest.mark.parametrize(
    ("library", "text", "data", "bss"),
    [
        ("libdegu_micropython.a", 0x1A4 + 0x800, 0x8, 0xC000 + 0x10),
        ("libapp.a", 0x20, 0, 0),
        ("libnothing.a", 0, 0, 0),
    ],
)
def test_library_footprint(library: str, text: int, data: int, bss: int) -> None:
    fp = mpy_size.library_footprint(MAP, library)

    assert (fp.text, fp.data, fp.bss) == (text, data, bss)
    assert (fp.flash, fp.ram) == (text + data, data + bss)


def test_main_prints_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "zephyr.map"
    path.write_text(MAP)

    assert mpy_size.main([str(path)]) == 0

    assert capsys.readouterr().out == (
        "libdegu_micropython.a: flash 2476 B (text 2468, data 8), RAM 49176 B (data 8, bss 49168)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.map"], "cannot read {dir}/missing.map: No such file or directory; build first"),
        (
            ["zephyr.map", "--library", "libx.a"],
            "libx.a contributes nothing to {dir}/zephyr.map: is it the right library?",
        ),
    ],
)
def test_main_errors(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "zephyr.map").write_text(MAP)
    argv = [str(tmp_path / args[0]), *args[1:]]

    assert mpy_size.main(argv) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert message.format(dir=tmp_path) in captured.err
