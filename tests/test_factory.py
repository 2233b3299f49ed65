# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The factory image: read back, byte ranges checked, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from degutool import storage
from degutool.cli import cli
from degutool.layout import DEFAULT, FLASH_SIZE, IMAGE_HEADER_SIZE
from intelhex import IntelHex

from .firmware.build import sign_with_imgtool
from .helpers import flipped, imgtool_signed

SLOT0 = DEFAULT.slot0.offset
STORAGE = DEFAULT.storage.offset


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, build_firmware) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("factory-inputs")
    boot = build_firmware("boot", origin=0, chain_to=SLOT0 + IMAGE_HEADER_SIZE)
    app = build_firmware("firmware")
    big_boot = build_firmware("bigboot", origin=0, chain_to=SLOT0, filler=DEFAULT.boot.size)
    big_app = build_firmware("bigapp", filler=DEFAULT.slot0.size)
    vol = out / "storage.img"
    vol.write_bytes(storage.build_volume({"main.py": b"print('factory')\n", "CONFIG": b"a=1\n"}))
    uicr = IntelHex(str(boot.hex))
    uicr.puts(0x10001208, b"\x5a\x00\x00\x00")  # UICR.APPROTECT, as some Zephyr hex files carry
    uicr.write_hex_file(str(out / "boot-uicr.hex"))
    signed = sign_with_imgtool(out, app)
    # The signed image as a HEX carrying the application's entry as its start address, as a
    # hex tool that keeps the ELF entry writes it.
    signed_hex = IntelHex()
    signed_hex.frombytes(signed.read_bytes(), offset=SLOT0)
    signed_hex.start_addr = IntelHex(str(app.hex)).start_addr
    signed_hex.write_hex_file(str(out / "degu.hex"))
    good = signed.read_bytes()
    (out / "tampered.bin").write_bytes(flipped(good, IMAGE_HEADER_SIZE + 40))
    imgtool_signed(app.bin, out / "ramload.bin", load_addr=0x20000000)
    spill = IntelHex()
    spill.frombytes(good, offset=SLOT0)
    spill.puts(DEFAULT.slot1.offset, b"\x01\x02\x03\x04")
    spill.write_hex_file(str(out / "spill.hex"))
    (out / "notfat.img").write_bytes(b"\x00" * DEFAULT.storage.size)
    (out / "small.img").write_bytes(vol.read_bytes()[:8192])
    return {
        "tampered.bin": out / "tampered.bin",
        "ramload.bin": out / "ramload.bin",
        "spill.hex": out / "spill.hex",
        "notfat.img": out / "notfat.img",
        "small.img": out / "small.img",
        "boot.hex": boot.hex,
        "boot.bin": boot.bin,
        "app.hex": app.hex,
        "degu.bin": signed,
        "degu.hex": out / "degu.hex",
        "storage.img": vol,
        "bigboot.hex": big_boot.hex,
        "bigboot.bin": big_boot.bin,
        "bigapp.bin": big_app.bin,
        "boot-uicr.hex": out / "boot-uicr.hex",
    }


def _invoke(args: list[str]):
    return CliRunner().invoke(cli, ["factory", *args])


@pytest.mark.parametrize("boot", ["boot.hex", "boot.bin"])
def test_factory_hex_and_bin_hold_each_input_at_its_address(
    tmp_path: Path, inputs: dict[str, Path], boot: str
) -> None:
    out = tmp_path / "factory.hex"
    result = _invoke(
        [
            "--mcuboot",
            str(inputs[boot]),
            "--image",
            str(inputs["degu.bin"]),
            "--storage",
            str(inputs["storage.img"]),
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output

    boot_bytes = inputs["boot.bin"].read_bytes()
    image = inputs["degu.bin"].read_bytes()
    volume = inputs["storage.img"].read_bytes()
    merged = IntelHex(str(out))
    assert merged.segments() == [
        (0, len(boot_bytes)),
        (SLOT0, SLOT0 + len(image)),
        (STORAGE, STORAGE + len(volume)),
    ]
    assert merged.tobinstr(0, size=len(boot_bytes)) == boot_bytes
    assert merged.tobinstr(SLOT0, size=len(image)) == image
    assert merged.tobinstr(STORAGE, size=len(volume)) == volume

    raw = out.with_suffix(".bin").read_bytes()
    assert len(raw) == FLASH_SIZE
    assert raw[: len(boot_bytes)] == boot_bytes
    assert raw[len(boot_bytes) : SLOT0] == b"\xff" * (SLOT0 - len(boot_bytes))
    assert raw[SLOT0 : SLOT0 + len(image)] == image
    assert set(raw[SLOT0 + len(image) : STORAGE]) == {0xFF}
    assert raw[STORAGE : STORAGE + len(volume)] == volume
    assert set(raw[STORAGE + len(volume) :]) == {0xFF}
    assert result.stdout.splitlines() == [
        f"{out}: {len(boot_bytes) + len(image) + len(volume)} bytes in 3 segments",
        f"{out.with_suffix('.bin')}: {FLASH_SIZE} bytes",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["factory.bin", "factory.hex"]


def test_differing_start_addresses_keep_mcuboots(tmp_path: Path, inputs: dict[str, Path]) -> None:
    boot, app = IntelHex(str(inputs["boot.hex"])), IntelHex(str(inputs["degu.hex"]))
    assert boot.start_addr and app.start_addr and boot.start_addr != app.start_addr
    out = tmp_path / "f.hex"
    bin_out = tmp_path / "whole.bin"

    result = _invoke(
        ["--mcuboot", str(inputs["boot.hex"]), "--image", str(inputs["degu.hex"])]
        + ["-o", str(out), "--bin", str(bin_out)]
    )

    assert result.exit_code == 0, result.output
    merged = IntelHex(str(out))
    assert merged.start_addr == boot.start_addr
    app_bytes = app.tobinstr()
    assert merged.tobinstr(app.minaddr(), size=len(app_bytes)) == app_bytes
    assert bin_out.stat().st_size == FLASH_SIZE


@pytest.mark.parametrize(
    "args, exit_code, message",
    [
        (
            ["--mcuboot", "bigboot.hex", "--image", "degu.bin"],
            1,
            "MCUboot {bigboot.hex} and image {degu.bin} both hold data at 0x014000 "
            "(0x014000-{last:bigboot.bin}): each must stay in its own partition",
        ),
        (
            ["--mcuboot", "bigboot.bin", "--image", "degu.bin"],
            1,
            "MCUboot {bigboot.bin} is {size:bigboot.bin} bytes; the mcuboot partition at "
            "0x000000 holds 81920: give a smaller file",
        ),
        (
            ["--mcuboot", "boot.hex", "--image", "bigapp.bin"],
            1,
            "image {bigapp.bin} is {size:bigapp.bin} bytes; the image-0 partition at 0x014000 "
            "holds 450560: give a smaller file",
        ),
        (
            ["--mcuboot", "boot-uicr.hex", "--image", "degu.bin"],
            1,
            "MCUboot {boot-uicr.hex} has data at 0x10001208-0x1000120b, outside the part's "
            "1024 KB of flash (0x000000-0x0fffff): remove it from the input",
        ),
        (
            ["--mcuboot", "boot.hex", "--image", "degu.bin", "--storage", "missing.img"],
            2,
            "storage {missing.img}: cannot read (No such file or directory)",
        ),
        (
            ["--mcuboot", "notahex.hex", "--image", "degu.bin"],
            2,
            "MCUboot {notahex.hex}: not a valid Intel HEX file",
        ),
        (
            ["--mcuboot", "boot.hex", "--image", "app.hex"],
            1,
            "image {app.hex} at 0x014000: not an MCUboot image (magic 0xffffffff, expected "
            "0x96f3b83d); sign it first with `degutool sign`",
        ),
        (
            ["--mcuboot", "boot.hex", "--image", "tampered.bin"],
            1,
            "image {tampered.bin} at 0x014000: SHA256 TLV ",
        ),
        (
            ["--mcuboot", "boot.hex", "--image", "ramload.bin"],
            1,
            "image {ramload.bin} at 0x014000: header flags 0x20 (RAM_LOAD)",
        ),
        (
            ["--mcuboot", "boot.hex", "--image", "spill.hex"],
            1,
            "image {spill.hex} has data at 0x082000-0x082003, outside slot 0 "
            "(0x014000-0x081fff): give the signed image for slot 0 alone",
        ),
        (
            ["--mcuboot", "boot.hex", "--image", "degu.bin", "--storage", "notfat.img"],
            2,
            "storage {notfat.img}: not a FAT volume (no boot sector signature 0x55aa at 0x1fe): "
            "make it with `degutool storage`",
        ),
        (
            ["--mcuboot", "boot.hex", "--image", "degu.bin", "--storage", "small.img"],
            2,
            "storage {small.img}: 8192 bytes; the FAT volume of the storage partition is 16384: "
            "make it with `degutool storage`",
        ),
    ],
    ids=[
        "overlap",
        "boot-bin-too-big",
        "image-too-big",
        "outside-flash",
        "missing",
        "bad-hex",
        "unsigned-image",
        "tampered-image",
        "ram-load-image",
        "image-outside-slot0",
        "storage-not-fat",
        "storage-wrong-size",
    ],
)
def test_refusals_leave_nothing(
    tmp_path: Path, inputs: dict[str, Path], args: list[str], exit_code: int, message: str
) -> None:
    files = dict(inputs)
    files["missing.img"] = tmp_path / "missing.img"
    files["notahex.hex"] = tmp_path / "notahex.hex"
    files["notahex.hex"].write_text(":10000000not hex at all\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    result = _invoke(
        [str(files[a]) if a in files else a for a in args] + ["-o", str(out_dir / "f.hex")]
    )

    expected = message
    for name, path in files.items():
        expected = expected.replace(f"{{{name}}}", str(path))
        if path.exists():
            size = path.stat().st_size
            expected = expected.replace(f"{{size:{name}}}", str(size))
            expected = expected.replace(f"{{last:{name}}}", f"0x{size - 1:06x}")
    assert result.exit_code == exit_code, result.output
    assert f"degutool: error: {expected}" in result.stderr
    assert list(out_dir.iterdir()) == []


def test_same_output_for_hex_and_bin_is_refused(tmp_path: Path, inputs: dict[str, Path]) -> None:
    out = tmp_path / "f.bin"
    result = _invoke(
        ["--mcuboot", str(inputs["boot.hex"]), "--image", str(inputs["degu.bin"])]
        + ["-o", str(out), "--bin", str(out)]
    )
    assert result.exit_code == 2
    assert f"degutool: error: {out}: the .hex and .bin outputs must be different files" in (
        result.stderr
    )
    assert list(tmp_path.iterdir()) == []


def test_stub_is_a_cortex_m_image(inputs: dict[str, Path]) -> None:
    """The inputs are real programs: the boot stand-in's reset vector is Thumb code in it."""
    boot = inputs["boot.bin"].read_bytes()
    sp, reset = int.from_bytes(boot[0:4], "little"), int.from_bytes(boot[4:8], "little")
    assert sp == 0x20040000
    assert reset & 1 == 1 and 0x40 <= reset - 1 < len(boot)


@pytest.mark.parametrize("which, exit_code", [("own", 0), ("other", 1)])
def test_key_verifies_the_image_signature(
    tmp_path: Path, inputs: dict[str, Path], ecdsa_key: Path, which: str, exit_code: int
) -> None:
    key = inputs["degu.bin"].parent / "test-key.pem" if which == "own" else ecdsa_key
    out = tmp_path / "f.hex"
    result = _invoke(
        ["--mcuboot", str(inputs["boot.hex"]), "--image", str(inputs["degu.bin"])]
        + ["--key", str(key), "--out", str(out)]
    )
    assert result.exit_code == exit_code, result.output
    if exit_code:
        assert result.stderr.startswith(
            f"degutool: error: image {inputs['degu.bin']} at 0x014000: signed for key "
        )
        assert result.stderr.count("\n") == 1
        assert list(tmp_path.iterdir()) == []
    else:
        assert sorted(p.name for p in tmp_path.iterdir()) == ["f.bin", "f.hex"]
