# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Options several commands share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .. import layout


class Number(click.ParamType):
    """An integer in any base Python reads: ``512``, ``0x200``, ``0o1000``, ``0b1``."""

    name = "number"

    def __init__(self, what: str = "a number (e.g. 0x200 or 512)") -> None:
        self.what = what

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> Any:
        if isinstance(value, int):
            return value
        try:
            return int(str(value), 0)
        except ValueError:
            self.fail(f"{value!r} is not {self.what}", param, ctx)


class FilePath(click.Path):
    """A path that must not be the empty string (``-k ''`` would otherwise read ``.``)."""

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("is empty: give the path of a file", param, ctx)
        return super().convert(value, param, ctx)


NUMBER = Number()
ADDRESS = Number("an address (e.g. 0x14000)")


def output_option(help: str, dest: str = "output", file: bool = True) -> Any:
    """``-o/--out/--output PATH``, required: the one spelling every writing command takes.

    ``file`` refuses an existing folder at the path (a command that writes a folder, or that
    checks the path itself, passes False).
    """
    path = click.Path(dir_okay=False, path_type=Path) if file else click.Path(path_type=Path)
    return click.option("-o", "--out", "--output", dest, required=True, type=path, help=help)


dts_option = click.option(
    "--dts",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A build's zephyr.dts to take the flash layout from (default: the built-in copy).",
)


def load_layout(dts: Path | None) -> layout.Layout:
    """The layout of ``--dts`` when given, else the built-in one."""
    return layout.load(dts)
