# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool`: the command line over the library.

Each command lives in a module of this package that owns it.  The library raises
:class:`degutool.errors.DeguError`; here, and only here, it becomes one line on stderr and a
non-zero exit code.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from .. import __version__
from ..errors import DeguError

#: (module in this package, click command name in it).  Add a line to add a command.
COMMANDS: list[tuple[str, str]] = [
    ("md5", "md5"),
    ("keygen", "keygen"),
    ("sign", "sign"),
    ("info", "info"),
    ("verify", "verify"),
    ("release", "release"),
    ("storage", "storage"),
    ("factory", "factory"),
    ("flash", "flash"),
    ("sim", "sim"),
    ("gateway", "gateway"),
    ("lab", "lab"),
    # adds `lab demo` to the lab group (the walkthrough, owned by the sim package)
    ("lab_demo", "lab"),
    ("publish", "publish"),
    ("status", "status"),
]


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except DeguError as e:
            click.echo(f"degutool: error: {e}", err=True)
            ctx.exit(e.exit_code)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="degutool")
@click.option("-v", "--verbose", count=True, help="More log output (repeat for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors; no progress bars.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Sign, package, flash and update Degu sensor units."""
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(
        level=level, format="degutool: %(levelname)s: %(message)s", stream=sys.stderr, force=True
    )
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet


for _module, _name in COMMANDS:
    cli.add_command(getattr(importlib.import_module(f".{_module}", __name__), _name))


def main() -> None:
    """Console entry point."""
    cli(prog_name="degutool")
