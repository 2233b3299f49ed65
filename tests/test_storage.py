# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The FAT12 volume, read back with mtools and with ChaN's FatFs (fatfs-ng)."""

from __future__ import annotations

import hashlib
import logging
import subprocess
from pathlib import Path

import fatfs
import pytest
from click.testing import CliRunner
from degutool import layout, storage
from degutool.cli import cli
from degutool.errors import InputError
from fatfs.wrapper import Partition

from .helpers import MTOOLS_ENV, mcopy_out

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _with_storage(size: int) -> layout.Layout:
    parts = dict(layout.DEFAULT.partitions)
    parts["storage"] = layout.Partition("storage", 0x0F8000, size)
    return layout.Layout(parts)


def _mdir_names(image: Path) -> list[str]:
    out = subprocess.run(
        ["mdir", "-b", "-i", str(image), "::"],
        check=True,
        capture_output=True,
        text=True,
        env=MTOOLS_ENV,
    ).stdout
    return sorted(line.removeprefix("::/") for line in out.split())


def _bpb(image: bytes) -> dict[str, int]:
    def u16(off: int) -> int:
        return int.from_bytes(image[off : off + 2], "little")

    return {
        "bytes_per_sector": u16(11),
        "sectors_per_cluster": image[13],
        "reserved": u16(14),
        "fats": image[16],
        "root_entries": u16(17),
        "sectors": u16(19),
        "fat_sectors": u16(22),
        "signature": u16(510),
    }


SCRIPT = (EXAMPLES / "main.py").read_bytes()
CONFIG = (EXAMPLES / "CONFIG").read_bytes()
# One cluster short of the default volume's 7680 bytes, in two odd sizes.
BIG_SCRIPT = bytes(range(256)) * 20 + b"# tail\n"
BIG_CONFIG = b"k=" + b"v" * 1500 + b"\n"


@pytest.mark.parametrize(
    "files",
    [
        {"main.py": SCRIPT, "CONFIG": CONFIG},
        {"main.py": SCRIPT},
        {"CONFIG": CONFIG},
        {"main.py": BIG_SCRIPT, "CONFIG": BIG_CONFIG},
        {"main.py": b"\x00\xff" * 3584, "CONFIG": b"z" * 512},
        {"main.py": b"", "CONFIG": b"x"},
    ],
    ids=["both", "script-only", "config-only", "near-full", "exactly-full", "empty-script"],
)
def test_volume_reads_back_with_mtools(tmp_path: Path, files: dict[str, bytes]) -> None:
    image = tmp_path / "storage.img"
    image.write_bytes(storage.build_volume(files))

    assert image.stat().st_size == 16384
    assert _mdir_names(image) == sorted(files)
    for name, data in files.items():
        back = mcopy_out(image, name)
        assert back == data
        assert hashlib.md5(back).hexdigest() == hashlib.md5(data).hexdigest()


def test_geometry_and_both_fats_identical() -> None:
    image = storage.build_volume({"main.py": BIG_SCRIPT, "CONFIG": CONFIG})
    bpb = _bpb(image)

    assert bpb == {
        "bytes_per_sector": 512,
        "sectors_per_cluster": 1,
        "reserved": 1,
        "fats": 2,
        "root_entries": 224,
        "sectors": 32,
        "fat_sectors": 1,
        "signature": 0xAA55,
    }
    assert image[54:62] == b"FAT12   "
    fat_len = bpb["fat_sectors"] * 512
    fat1 = image[512 : 512 + fat_len]
    fat2 = image[512 + fat_len : 512 + 2 * fat_len]
    assert fat1 == fat2
    # Media byte, then the chain of the first file: clusters 2.. linked, not all free.
    assert fat1[0] == 0xF8
    assert fat1[3:6] != b"\0\0\0"


def test_free_capacity_matches_mtools(tmp_path: Path) -> None:
    image = tmp_path / "empty.img"
    image.write_bytes(storage.build_volume({}))
    out = subprocess.run(
        ["mdir", "-i", str(image), "::"], capture_output=True, text=True, env=MTOOLS_ENV
    ).stdout
    free = int(out.strip().splitlines()[-1].split("bytes free")[0].replace(" ", ""))

    assert storage.free_capacity() == free == 7680
    assert storage.geometry().allocated(1) == 512
    assert storage.geometry().allocated(513) == 1024


@pytest.mark.parametrize("sectors", [128, 256])
def test_fatfs_mounts_and_reads(sectors: int) -> None:
    files = {"main.py": SCRIPT, "CONFIG": CONFIG}
    data = bytearray(storage.build_volume(files, _with_storage(sectors * 512)))

    part = Partition(fatfs.RamDisk(data))
    part.mount()
    volume = fatfs.PartitionExtended(part)
    assert sorted(volume.listdir("/")) == sorted(files)
    for name, content in files.items():
        assert volume.read_file(f"/{name}") == content
    part.unmount()


def test_fatfs_refuses_volumes_under_its_minimum(caplog: pytest.LogCaptureFixture) -> None:
    """Why storage.py warns: FatFs does not recognise a 32-sector FAT12 volume."""
    with caplog.at_level(logging.WARNING, logger="degutool.storage"):
        data = bytearray(storage.build_volume({"main.py": SCRIPT}, _with_storage(32 * 512)))

    assert "storage partition is 32 sectors" in caplog.text
    with pytest.raises(Exception, match="error code 13"):  # FR_NO_FILESYSTEM
        Partition(fatfs.RamDisk(data)).mount()


def test_no_warning_at_fatfs_minimum(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="degutool.storage"):
        storage.build_volume({}, _with_storage(storage.FATFS_MIN_SECTORS * 512))
    assert caplog.text == ""


def test_cli_writes_volume(tmp_path: Path) -> None:
    out = tmp_path / "storage.img"
    result = CliRunner().invoke(
        cli,
        [
            "storage",
            "--script",
            str(EXAMPLES / "main.py"),
            "--config",
            str(EXAMPLES / "CONFIG"),
            "-o",
            str(out),
        ],
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{out}: FAT12 volume, 16384 bytes\n"
    assert mcopy_out(out, "main.py") == SCRIPT
    assert mcopy_out(out, "CONFIG") == CONFIG
    assert sorted(p.name for p in tmp_path.iterdir()) == ["storage.img"]


@pytest.mark.parametrize(
    "script_size, config_size, exit_code, message",
    [
        (
            7681,
            None,
            1,
            "{src}/main.py 7681 bytes: they take 8192 bytes in 512-byte clusters; the 16384-byte "
            "FAT volume holds 7680: shorten the files",
        ),
        (
            7000,
            800,
            1,
            "{src}/main.py 7000 bytes, {src}/CONFIG 800 bytes: they take 8192 bytes in 512-byte "
            "clusters; the 16384-byte FAT volume holds 7680: shorten the files",
        ),
        (None, "missing", 2, "CONFIG.missing: cannot read CONFIG (No such file or directory)"),
    ],
    ids=["script-too-big", "both-over", "missing-config"],
)
def test_cli_refusals_leave_nothing(
    tmp_path: Path,
    script_size: int | None,
    config_size: int | str | None,
    exit_code: int,
    message: str,
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    args = ["storage", "-o", str(out_dir / "storage.img")]
    if script_size is not None:
        (src / "main.py").write_bytes(b"#" * script_size)
        args += ["--script", str(src / "main.py")]
    if config_size == "missing":
        args += ["--config", str(src / "CONFIG.missing")]
    elif config_size is not None:
        (src / "CONFIG").write_bytes(b"c" * config_size)
        args += ["--config", str(src / "CONFIG")]

    result = CliRunner().invoke(cli, args)

    assert result.exit_code == exit_code
    expected = message.replace("CONFIG.missing", str(src / "CONFIG.missing"))
    expected = expected.replace("{src}", str(src))
    assert f"degutool: error: {expected}" in result.stderr
    assert list(out_dir.iterdir()) == []


def test_cli_output_folder_missing(tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "storage.img"
    result = CliRunner().invoke(
        cli, ["storage", "--config", str(EXAMPLES / "CONFIG"), "-o", str(out)]
    )
    assert result.exit_code == 2
    assert f"degutool: error: {out}: cannot write (No such file or directory)" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_is_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "img"
    out.mkdir()
    result = CliRunner().invoke(
        cli, ["storage", "--config", str(EXAMPLES / "CONFIG"), "-o", str(out)]
    )
    assert result.exit_code == 2
    assert f"File '{out}' is a directory." in result.stderr
    # The library says the same in its own words, and leaves no temporary file.
    with pytest.raises(InputError, match=f"^{out}: is a folder; give -o/--out the path of "):
        storage.write_volume(out, None, EXAMPLES / "CONFIG")
    assert [p.name for p in tmp_path.iterdir()] == ["img"]
    assert list(out.iterdir()) == []


def test_cli_output_below_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x\n")
    out = tmp_path / "f" / "v.img"
    result = CliRunner().invoke(
        cli, ["storage", "--config", str(EXAMPLES / "CONFIG"), "-o", str(out)]
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"degutool: error: {out}: {tmp_path / 'f'} is a file, not a folder; choose another -o/--out"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["f"]
