# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Options several commands share."""

from __future__ import annotations

from pathlib import Path

import click

from .. import layout

dts_option = click.option(
    "--dts",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A build's zephyr.dts to take the flash layout from (default: the built-in copy).",
)


def load_layout(dts: Path | None) -> layout.Layout:
    """The layout of ``--dts`` when given, else the built-in one."""
    return layout.load(dts)
