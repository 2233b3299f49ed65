# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""West extension commands over degutool: ``west degu-release``, ``degu-factory``, ``degu-storage``.

They only find the build's outputs and pass them to the degutool library, which does the
work; its log records come out through west's ``inf``/``wrn``/``err`` and its errors through
``die``.  None of them runs an external program.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from west.commands import Verbosity, WestCommand

# The package lives beside the scripts in this repository; a workspace need not pip-install it.
_PYTHON = Path(__file__).resolve().parents[2] / "python"
if _PYTHON.is_dir() and str(_PYTHON) not in sys.path:
    sys.path.insert(0, str(_PYTHON))

from degutool import factory, layout, release, storage  # noqa: E402
from degutool.errors import DeguError  # noqa: E402


class _WestLog(logging.Handler):
    """Sends degutool's log records to the command's inf/wrn/err."""

    def __init__(self, command: WestCommand) -> None:
        super().__init__(logging.INFO)
        self._command = command

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            self._command.err(message)
        elif record.levelno >= logging.WARNING:
            self._command.wrn(message)
        else:
            self._command.dbg(message)


class _DeguCommand(WestCommand):
    """What the three commands share: the build folder, -q, errors, the layout."""

    def _parser(self, parser_adder, usage_extra: str = "") -> argparse.ArgumentParser:
        parser = parser_adder.add_parser(
            self.name,
            help=self.help,
            description=self.description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument(
            "-d",
            "--build-dir",
            type=Path,
            default=Path("build"),
            help="the west build folder (default: build)",
        )
        # Its own dest: west's top-level -q shares the namespace and counts.
        parser.add_argument(
            "-q",
            "--quiet",
            dest="degu_quiet",
            action="store_true",
            help="only warnings and errors (as west -q)",
        )
        return parser

    def do_run(self, args: argparse.Namespace, unknown: list[str]) -> None:
        if args.degu_quiet:
            self.verbosity = min(self.verbosity, Verbosity.WRN)
        handler = _WestLog(self)
        logger = logging.getLogger("degutool")
        logger.addHandler(handler)
        old_level = logger.level
        logger.setLevel(logging.INFO)
        try:
            self.run_degu(args)
        except DeguError as e:
            self.die(str(e), exit_code=e.exit_code)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old_level)

    def run_degu(self, args: argparse.Namespace) -> None:
        raise NotImplementedError

    def build_file(self, args: argparse.Namespace, *names: str) -> Path | None:
        """The first of ``build/zephyr/NAME`` that exists."""
        for name in names:
            path = args.build_dir / "zephyr" / name
            if path.is_file():
                return path
        return None

    def build_layout(self, args: argparse.Namespace) -> layout.Layout:
        """The build's flash layout from its zephyr.dts, else degutool's copy."""
        dts = self.build_file(args, "zephyr.dts")
        if dts is None:
            self.wrn(f"no zephyr.dts in {args.build_dir / 'zephyr'}; using the built-in layout")
            return layout.DEFAULT
        self.dbg(f"layout from {dts}")
        return layout.load(dts)


def _add_files(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--script", type=Path, help="the user script, stored as main.py")
    parser.add_argument("--config", type=Path, help="the configuration, stored as CONFIG")


class DeguRelease(_DeguCommand):
    def __init__(self) -> None:
        super().__init__(
            "degu-release",
            "sign the build's firmware and write an over-the-air release",
            "Signs BUILD/zephyr/zephyr.bin (or zephyr.hex) with --key and writes degu.bin,\n"
            "main.py, CONFIG, manifest.json and desired.json into --out, using the flash\n"
            "layout of BUILD/zephyr/zephyr.dts.  Runs `degutool release`.",
        )

    def do_add_parser(self, parser_adder) -> argparse.ArgumentParser:
        parser = self._parser(parser_adder)
        parser.add_argument("-k", "--key", type=Path, help="signing key (PEM)")
        parser.add_argument("--base-url", required=True, help="where the files will be served")
        parser.add_argument("--version", default="0.0.0", help="image version (default 0.0.0)")
        parser.add_argument(
            "--firmware", type=Path, help="firmware to release instead of the build's"
        )
        parser.add_argument("--no-firmware", action="store_true", help="release files only")
        _add_files(parser)
        parser.add_argument(
            "-o", "--out", type=Path, help="release folder (default: BUILD/degu-release)"
        )
        return parser

    def run_degu(self, args: argparse.Namespace) -> None:
        firmware = None
        if not args.no_firmware:
            firmware = args.firmware or self.build_file(args, "zephyr.bin", "zephyr.hex")
            if firmware is None:
                self.die(
                    f"no zephyr.bin or zephyr.hex in {args.build_dir / 'zephyr'}: run "
                    "`west build` first, give --firmware, or --no-firmware for files only"
                )
        out = args.out or args.build_dir / "degu-release"
        manifest = release.release(
            out,
            args.base_url,
            firmware=firmware,
            script=args.script,
            config=args.config,
            key=args.key,
            version=args.version,
            lay=self.build_layout(args),
        )
        for name, item in manifest["items"].items():
            self.inf(f"{name:16} {item['md5']}  {item['url']}")
        self.inf(f"{out}: release of {len(manifest['items'])} items")


class DeguStorage(_DeguCommand):
    def __init__(self) -> None:
        super().__init__(
            "degu-storage",
            "make the FAT12 volume with main.py and CONFIG",
            "Writes the FAT12 volume of the storage partition (size from the build's\n"
            "zephyr.dts) holding --script as main.py and --config as CONFIG.",
        )

    def do_add_parser(self, parser_adder) -> argparse.ArgumentParser:
        parser = self._parser(parser_adder)
        _add_files(parser)
        parser.add_argument(
            "-o", "--output", type=Path, help="volume image (default: BUILD/storage.img)"
        )
        return parser

    def run_degu(self, args: argparse.Namespace) -> None:
        out = args.output or args.build_dir / "storage.img"
        image = storage.write_volume(out, args.script, args.config, self.build_layout(args))
        self.inf(f"{out}: FAT12 volume, {len(image)} bytes")


class DeguFactory(_DeguCommand):
    def __init__(self) -> None:
        super().__init__(
            "degu-factory",
            "merge MCUboot, the signed firmware and the FAT volume into a factory image",
            "Merges MCUboot (--mcuboot; default BUILD/mcuboot/zephyr/zephyr.hex as sysbuild\n"
            "leaves it, else BUILD-mcuboot/zephyr/zephyr.hex, a separate `west build -d\n"
            "build-mcuboot bootloader/mcuboot/boot/zephyr`), the signed image (--image,\n"
            "default BUILD/degu-release/degu.bin) and a FAT volume (--storage, or one made\n"
            "from --script/--config) into factory.hex and factory.bin.",
        )

    def do_add_parser(self, parser_adder) -> argparse.ArgumentParser:
        parser = self._parser(parser_adder)
        parser.add_argument("--mcuboot", type=Path, help="MCUboot .hex or .bin")
        parser.add_argument("--image", type=Path, help="the signed image for slot 0")
        parser.add_argument("--storage", type=Path, help="a FAT volume image")
        _add_files(parser)
        parser.add_argument(
            "-o", "--output", type=Path, help="factory HEX (default: BUILD/factory.hex)"
        )
        return parser

    def _input(self, given: Path | None, defaults: list[Path], what: str, hint: str) -> Path:
        if given is not None:
            if not given.is_file():
                self.die(f"{what} {given} not found")
            return given
        for path in defaults:
            if path.is_file():
                self.dbg(f"{what}: {path}")
                return path
        tried = " or ".join(str(p) for p in defaults)
        self.die(f"{what} not found at {tried}: {hint}")

    def run_degu(self, args: argparse.Namespace) -> None:
        if args.storage and (args.script or args.config):
            self.die("give either --storage or --script/--config, not both")
        lay = self.build_layout(args)
        build = args.build_dir
        mcuboot = self._input(
            args.mcuboot,
            [
                build / "mcuboot" / "zephyr" / "zephyr.hex",
                build.with_name(f"{build.name}-mcuboot") / "zephyr" / "zephyr.hex",
                # docs/firmware.md's layout: -d build/fw beside build/mcuboot
                *(
                    [build.with_name("mcuboot") / "zephyr" / "zephyr.hex"]
                    if build.parent.name
                    else []
                ),
            ],
            "MCUboot",
            "build MCUboot (`west build -b degu -d build/mcuboot bootloader/mcuboot/boot/zephyr`) "
            "or give --mcuboot",
        )
        image = self._input(
            args.image,
            [build / "degu-release" / "degu.bin"],
            "signed image",
            "run `west degu-release` first or give --image",
        )
        out = args.output or args.build_dir / "factory.hex"
        with tempfile.TemporaryDirectory(prefix="degu-factory-") as tmp:
            volume = args.storage
            if volume is None and (args.script or args.config):
                volume = Path(tmp) / "storage.img"
                storage.write_volume(volume, args.script, args.config, lay)
            merged = factory.write(out, out.with_suffix(".bin"), mcuboot, image, volume, lay)
        self.inf(f"{out}: {len(merged)} bytes in {len(merged.segments())} segments")
        self.inf(f"{out.with_suffix('.bin')}: {layout.FLASH_SIZE} bytes")
