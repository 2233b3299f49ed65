# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The west extension commands: in-process with a made-up workspace, and through real west."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from degutool import layout
from intelhex import IntelHex
from west.configuration import Configuration

from .helpers import mcopy_out

REPO = Path(__file__).resolve().parent.parent
COMMANDS = REPO / "scripts" / "west_commands" / "degu.py"
BASE_URL = "https://example.com/degu/r1/"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

_spec = importlib.util.spec_from_file_location("degu_west_commands", COMMANDS)
degu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(degu)


def dts_text(lay: layout.Layout) -> str:
    """The fixed-partitions node as a build's zephyr.dts prints it."""
    nodes = "".join(
        f"\t\t\t{p.label.replace('-', '_')}_partition: partition@{p.offset:x} {{\n"
        f'\t\t\t\tlabel = "{p.label}";\n'
        f"\t\t\t\treg = < 0x{p.offset:x} 0x{p.size:x} >;\n"
        "\t\t\t};\n"
        for p in lay.partitions.values()
    )
    return (
        "/dts-v1/;\n\n/ {\n\tsoc {\n\t\tflash-controller@4001e000 {\n\t\t\tflash0: flash@0 {\n"
        '\t\t\t\tcompatible = "soc-nv-flash";\n\t\t\t\tpartitions {\n'
        '\t\t\t\t\tcompatible = "fixed-partitions";\n'
        + nodes
        + "\t\t\t\t};\n\t\t\t};\n\t\t};\n\t};\n};\n"
    )


def _big_storage() -> layout.Layout:
    parts = dict(layout.DEFAULT.partitions)
    # 64 KB of storage below the thread partition; scratch and both slots move down to make
    # room, so that nothing overlaps (layout.validate)
    parts["storage"] = layout.Partition("storage", 0x0EC000, 0x10000)
    parts["image-scratch"] = layout.Partition("image-scratch", 0x0E4000, 0x8000)
    parts["image-0"] = layout.Partition("image-0", 0x014000, 0x68000)
    parts["image-1"] = layout.Partition("image-1", 0x07C000, 0x68000)
    return layout.validate(layout.Layout(parts))


def run_command(
    cls: type, argv: list[str], topdir: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Run one command class as west would: parser, then run() with a config."""
    command = cls()
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    args = parser.parse_args([command.name, *argv])
    config = Configuration(topdir=os.fspath(topdir))
    code = 0
    try:
        command.run(args, [], os.fspath(topdir), manifest=None, config=config)
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    # west colours errors and warnings when color.ui is unset; the text is what counts here.
    return code, _ANSI.sub("", out), _ANSI.sub("", err)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder standing for the workspace's app, with build/zephyr/ and examples."""
    (tmp_path / "build" / "zephyr").mkdir(parents=True)
    shutil.copy(REPO / "examples" / "main.py", tmp_path / "main.py")
    shutil.copy(REPO / "examples" / "CONFIG", tmp_path / "CONFIG")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_storage_takes_the_partition_size_from_the_build_dts(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "build/zephyr/zephyr.dts").write_text(dts_text(_big_storage()))

    code, out, err = run_command(
        degu.DeguStorage, ["--script", "main.py", "--config", "CONFIG"], workspace, capsys
    )

    assert (code, err) == (0, "")
    assert out == "build/storage.img: FAT12 volume, 65536 bytes\n"
    image = workspace / "build/storage.img"
    assert image.stat().st_size == 0x10000
    assert mcopy_out(image, "main.py") == (workspace / "main.py").read_bytes()


def test_storage_without_dts_warns_and_uses_the_builtin_layout(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_command(
        degu.DeguStorage, ["--config", "CONFIG", "-o", "v.img"], workspace, capsys
    )

    assert code == 0
    assert "WARNING: no zephyr.dts in build/zephyr; using the built-in layout\n" in err
    assert out == "v.img: FAT12 volume, 16384 bytes\n"
    assert mcopy_out(workspace / "v.img", "CONFIG") == (workspace / "CONFIG").read_bytes()


def test_quiet_hides_info(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workspace / "build/zephyr/zephyr.dts").write_text(dts_text(_big_storage()))
    code, out, err = run_command(degu.DeguStorage, ["-q", "--script", "main.py"], workspace, capsys)
    assert (code, out, err) == (0, "", "")
    assert (workspace / "build/storage.img").is_file()


def test_library_error_becomes_die_with_its_exit_code(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "huge.py").write_bytes(b"#" * 9000)
    code, out, err = run_command(
        degu.DeguStorage, ["--script", "huge.py", "-o", "v.img"], workspace, capsys
    )

    assert code == 1
    assert err.endswith(
        "FATAL ERROR: huge.py 9000 bytes: they take 9216 bytes in 512-byte clusters; the "
        "16384-byte FAT volume holds 7680: shorten the files\n"
    )
    assert not (workspace / "v.img").exists()


def test_release_signs_the_build_firmware(
    workspace: Path, capsys: pytest.CaptureFixture[str], zephyr_bin: Path, ecdsa_key: Path
) -> None:
    shutil.copy(zephyr_bin, workspace / "build/zephyr/zephyr.bin")
    (workspace / "build/zephyr/zephyr.dts").write_text(dts_text(layout.DEFAULT))

    code, out, err = run_command(
        degu.DeguRelease,
        ["--key", str(ecdsa_key), "--base-url", BASE_URL, "--version", "1.2.3"]
        + ["--script", "main.py", "--config", "CONFIG"],
        workspace,
        capsys,
    )

    assert code == 0, err
    rel = workspace / "build/degu-release"
    manifest = json.loads((rel / "manifest.json").read_text())
    desired = json.loads((rel / "desired.json").read_text())["state"]["desired"]
    assert desired["firmware_system"] == BASE_URL + "degu.bin"
    assert desired["script_user"] == BASE_URL + "main.py"
    assert (rel / "main.py").read_bytes() == (workspace / "main.py").read_bytes()
    assert out.splitlines()[-1] == "build/degu-release: release of 3 items"
    assert len(manifest["items"]) == 3
    # The release's image is the build's code behind an MCUboot header.
    code_bytes = zephyr_bin.read_bytes()[layout.IMAGE_HEADER_SIZE :]
    signed = (rel / "degu.bin").read_bytes()
    assert signed[:4] == bytes.fromhex("3db8f396")
    assert signed[layout.IMAGE_HEADER_SIZE : layout.IMAGE_HEADER_SIZE + len(code_bytes)] == (
        code_bytes
    )


def test_release_without_a_build_says_what_to_do(
    workspace: Path, capsys: pytest.CaptureFixture[str], ecdsa_key: Path
) -> None:
    code, out, err = run_command(
        degu.DeguRelease, ["--key", str(ecdsa_key), "--base-url", BASE_URL], workspace, capsys
    )

    assert code == 1
    assert err == (
        "FATAL ERROR: no zephyr.bin or zephyr.hex in build/zephyr: run `west build` first, "
        "give --firmware, or --no-firmware for files only\n"
    )
    assert not (workspace / "build/degu-release").exists()


def test_factory_finds_mcuboot_and_the_release(
    workspace: Path, capsys: pytest.CaptureFixture[str], signed_image: Path, build_firmware
) -> None:
    boot_dir = workspace / "build-mcuboot/zephyr"  # MCUboot built on its own, as in Zephyr 3.1
    boot_dir.mkdir(parents=True)
    boot = build_firmware("boot", origin=0, chain_to=layout.DEFAULT.slot0.offset + 0x200)
    shutil.copy(boot.hex, boot_dir / "zephyr.hex")
    (workspace / "build/degu-release").mkdir()
    shutil.copy(signed_image, workspace / "build/degu-release/degu.bin")
    (workspace / "build/zephyr/zephyr.dts").write_text(dts_text(layout.DEFAULT))

    code, out, err = run_command(
        degu.DeguFactory, ["--script", "main.py", "--config", "CONFIG"], workspace, capsys
    )

    assert code == 0, err
    merged = IntelHex(str(workspace / "build/factory.hex"))
    raw = (workspace / "build/factory.bin").read_bytes()
    image = signed_image.read_bytes()
    slot0, st = layout.DEFAULT.slot0.offset, layout.DEFAULT.storage.offset
    assert merged.tobinstr(0, size=boot.bin.stat().st_size) == boot.bin.read_bytes()
    assert raw[slot0 : slot0 + len(image)] == image
    volume = workspace / "volume.img"
    volume.write_bytes(raw[st : st + layout.DEFAULT.storage.size])
    assert mcopy_out(volume, "main.py") == (workspace / "main.py").read_bytes()
    assert mcopy_out(volume, "CONFIG") == (workspace / "CONFIG").read_bytes()
    assert out.splitlines()[-1] == f"build/factory.bin: {layout.FLASH_SIZE} bytes"


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            [],
            "FATAL ERROR: MCUboot not found at build/mcuboot/zephyr/zephyr.hex or "
            "build-mcuboot/zephyr/zephyr.hex: build MCUboot (`west build -b degu -d "
            "build/mcuboot bootloader/mcuboot/boot/zephyr`) or give --mcuboot\n",
        ),
        (
            ["--storage", "s.img", "--script", "main.py"],
            "FATAL ERROR: give either --storage or --script/--config, not both\n",
        ),
    ],
)
def test_factory_refusals(
    workspace: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (workspace / "build/zephyr/zephyr.dts").write_text(dts_text(layout.DEFAULT))
    code, out, err = run_command(degu.DeguFactory, argv, workspace, capsys)
    assert code == 1
    assert err == message
    assert not (workspace / "build/factory.hex").exists()


def test_real_west_finds_and_runs_the_commands(tmp_path: Path) -> None:
    """`west init -l` on a manifest repo holding scripts/ and python/, then `west degu-...`."""
    repo = tmp_path / "ws" / "degu"
    repo.mkdir(parents=True)
    shutil.copytree(REPO / "scripts", repo / "scripts")
    shutil.copytree(REPO / "python" / "degutool", repo / "python" / "degutool")
    (repo / "west.yml").write_text(
        "manifest:\n  projects: []\n  self:\n    path: degu\n"
        "    west-commands: scripts/west-commands.yml\n"
    )
    west = [sys.executable, "-m", "west"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEPHYR")}
    subprocess.run([*west, "init", "-l", "degu"], cwd=repo.parent, check=True, env=env)
    (repo / "build" / "zephyr").mkdir(parents=True)
    (repo / "build/zephyr/zephyr.dts").write_text(dts_text(_big_storage()))
    shutil.copy(REPO / "examples" / "main.py", repo / "main.py")

    help_out = subprocess.run(
        [*west, "help"], cwd=repo, capture_output=True, text=True, env=env
    ).stdout
    run = subprocess.run(
        [*west, "degu-storage", "--script", "main.py"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
    )

    for name in ("degu-release", "degu-factory", "degu-storage"):
        assert name in help_out
    assert run.returncode == 0, run.stderr
    assert run.stdout == "build/storage.img: FAT12 volume, 65536 bytes\n"
    assert mcopy_out(repo / "build/storage.img", "main.py") == (repo / "main.py").read_bytes()
