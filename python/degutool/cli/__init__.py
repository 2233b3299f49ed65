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
