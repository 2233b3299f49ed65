# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool`: the command line over the library.

Each command lives in a module of this package that owns it.  The library raises
:class:`degutool.errors.DeguError`; here, and only here, it becomes one line on stderr and a
non-zero exit code.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import signal
import sys
import threading
from collections.abc import Iterator

import click

from .. import __version__
from ..errors import DeguError

#: command name -> the modules of this package that make it: the first defines it (under the
#: command's name), later ones add subcommands to it.  Add a line to add a command.  Modules are
#: imported only when their command runs, so `degutool release` does not pay for boto3, aiocoap
#: or pyOCD.
COMMANDS: dict[str, tuple[str, ...]] = {
    "md5": ("md5",),
    "keygen": ("keygen",),
    "sign": ("sign",),
    "info": ("info",),
    "verify": ("verify",),
    "release": ("release",),
    "storage": ("storage",),
    "factory": ("factory",),
    "flash": ("flash",),
    "sim": ("sim",),
    "gateway": ("gateway",),
    # lab_demo adds `lab demo` (the walkthrough, owned by the sim package) to the lab group
    "lab": ("lab", "lab_demo"),
    "publish": ("publish",),
    "status": ("status",),
}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so that the same cleanup runs (a
    release's temporary folder is removed, outputs stay complete or absent)."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        modules = COMMANDS.get(cmd_name)
        if modules is None:
            return None
        loaded = [importlib.import_module(f".{module}", __name__) for module in modules]
        return getattr(loaded[0], cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            with _sigterm_as_interrupt():
                return super().invoke(ctx)
        except DeguError as e:
            click.echo(f"degutool: error: {e}", err=True)
            ctx.exit(e.exit_code)
        except Terminated:
            click.echo("degutool: terminated", err=True)
            ctx.exit(128 + signal.SIGTERM)
        except KeyboardInterrupt:
            click.echo("degutool: interrupted", err=True)
            ctx.exit(130)
        except OSError as e:
            # The library turns the failures it expects into DeguError; this keeps any other
            # file-system failure to one line too.
            where = f"{e.filename}: " if e.filename else ""
            click.echo(f"degutool: error: {where}{e.strerror or e}", err=True)
            ctx.exit(2)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="degutool")
@click.option("-v", "--verbose", count=True, help="More log output (repeat for debug).")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="No warnings, info or progress bars: errors and results only.",
)
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


def main() -> None:
    """Console entry point."""
    cli(prog_name="degutool")
