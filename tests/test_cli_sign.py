# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool sign` in-process: every refusal (before imgtool runs), and a signed output."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from degutool import keys, mcuboot, sign
from degutool.errors import ImageError, InputError, LayoutError
from intelhex import IntelHex

from .helpers import read_only_folder, run, tree


def _hex_with_extra(src: Path, dst: Path, address: int) -> Path:
    ih = IntelHex(str(src))
    ih[address] = 0x55
    ih.write_hex_file(str(dst))
    return dst


def _p384_key(path: Path) -> Path:
    pem = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    return path


#: (case, how to build the input from (fixtures, tmp), extra CLI args, error, exit, message)
REFUSALS = [
    ("header-under-32", "firmware_bin", ["--header-size", "16"], 2,
     "header size 0x10 is under the 32 bytes of an MCUboot header; use 0x200"),
    ("header-negative", "firmware_bin", ["--header-size", "-1"], 2,
     "header size -0x1 is under the 32 bytes of an MCUboot header; use 0x200"),
    ("header-not-vtor-aligned", "zephyr_bin", ["--header-size", "0x280"], 2,
     "header size 0x280 is not a multiple of 0x100: the vector table follows the header, and "
     "the nRF52840's VTOR needs it on a 256-byte boundary (64 vectors of 4 bytes); use 0x200"),
    ("header-0x180", "firmware_bin", ["--header-size", "0x180"], 2,
     "header size 0x180 is not a multiple of 0x100"),
    ("gap-not-zero", "gap_dirty_bin", [], 2,
     "gap_dirty_bin.bin: the 0x200-byte header gap before the vector table at offset 0x200 "
     "holds non-zero data at offset 0x10; MCUboot writes its header there, so the gap must be "
     "zero: build with CONFIG_ROM_START_OFFSET=0x200 and nothing placed in the gap, or link "
     "the firmware at 0x14200 without a gap"),
    ("gap-not-zero-late", "gap_dirty_late_bin", [], 2,
     "header gap before the vector table at offset 0x200 holds non-zero data at offset 0x1f0"),
    ("gap-not-zero-hex", "gap_dirty_hex", [], 2,
     "gap.hex: the 0x200-byte header gap before the vector table at offset 0x200 holds "
     "non-zero data at offset 0x10"),
    ("header-not-vector-offset", "zephyr_bin", ["--header-size", "0x100"], 2,
     "header size 0x100 differs from the image's vector table offset 0x200"),
    ("hex-wrong-start", "hex_at_14400", [], 2,
     "data starts at 0x14400, neither at slot 0's base 0x14000"),
    ("hex-no-gap-at-base", "hex_at_base", [], 2,
     "code starts at the slot base 0x14000 with no zeroed header gap"),
    ("bin-linked-at-base", "bin_at_base", [], 2,
     "does not point into the code at 0x14200-"),
    ("hex-outside-slot", "hex_outside", [], 1,
     "data at 0x82000 is outside slot 0 (0x14000-0x82000)"),
    ("too-big-with-trailer", "oversize_firmware_bin", [], 1,
     "slot 0 holds 450560 of which MCUboot's trailer takes 1584, leaving 448976"),
    ("version-width", "firmware_bin", ["--version", "1.256.0"], 2,
     "minor 256 does not fit the image header's 8-bit field"),
    ("already-signed", "signed_image", [], 1,
     "is already an MCUboot image; it is never signed twice"),
    ("already-signed-hex", "signed_hex", [], 1,
     "is already an MCUboot image; it is never signed twice"),
    ("not-firmware", "text_file", [], 2, "initial stack pointer 0x"),
    ("missing", "missing_file", [], 2, "cannot read firmware (No such file or directory)"),
    ("unknown-key-type", "firmware_bin", ["KEY:p384"], 2,
     "unsupported key type ECDSA P-384"),
]  # fmt: skip


@pytest.fixture
def inputs(request, build_firmware, firmware_hex: Path, tmp_path: Path):
    def get(name: str) -> Path:
        if name == "hex_at_14400":
            return build_firmware("at14400", origin=0x14400).hex
        if name == "hex_at_base":
            return build_firmware("atbase", origin=0x14000).hex
        if name == "bin_at_base":
            return build_firmware("atbase", origin=0x14000).bin
        if name == "hex_outside":
            return _hex_with_extra(firmware_hex, tmp_path / "outside.hex", 0x82000)
        if name == "signed_hex":
            ih = IntelHex()
            ih.frombytes(request.getfixturevalue("signed_image").read_bytes(), offset=0x14000)
            ih.write_hex_file(str(tmp_path / "signed.hex"))
            return tmp_path / "signed.hex"
        if name == "text_file":
            p = tmp_path / "notes.bin"
            p.write_text("these are not the instructions you are looking for\n" * 4)
            return p
        if name == "missing_file":
            return tmp_path / "nothing.bin"
        if name in ("gap_dirty_bin", "gap_dirty_late_bin"):
            at = 0x10 if name == "gap_dirty_bin" else 0x1F0
            data = bytearray(request.getfixturevalue("zephyr_bin").read_bytes())
            data[at] = 0x42
            (tmp_path / f"{name}.bin").write_bytes(bytes(data))
            return tmp_path / f"{name}.bin"
        if name == "gap_dirty_hex":
            return _hex_with_extra(request.getfixturevalue("zephyr_hex"), tmp_path / "gap.hex",
                                   0x14010)  # fmt: skip
        return request.getfixturevalue(name)

    return get


@pytest.mark.parametrize(
    ("source", "args", "code", "message"),
    [pytest.param(*r[1:], id=r[0]) for r in REFUSALS],
)
def test_cli_sign_refuses(
    source: str, args: list[str], code: int, message: str, inputs, ecdsa_key: Path,
    tmp_path: Path,
) -> None:  # fmt: skip
    fw = inputs(source)
    key = ecdsa_key
    if args == ["KEY:p384"]:
        key, args = _p384_key(tmp_path / "p384.pem"), []
    outdir = tmp_path / "out"
    outdir.mkdir()
    result = run("sign", fw, "-k", key, "-o", outdir / "degu.bin", *args)

    assert result.exit_code == code, result.output
    assert result.stderr.startswith("degutool: error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert tree(outdir) == []


@pytest.mark.parametrize(
    ("exc", "source"),
    [(InputError, "hex_at_14400"), (LayoutError, "hex_outside"), (ImageError, "signed_image")],
)
def test_library_raises_typed_errors(exc, source: str, inputs, ecdsa_key, tmp_path) -> None:
    with pytest.raises(exc):
        sign.sign(inputs(source), keys.load(ecdsa_key), tmp_path / "x.bin")
    assert not (tmp_path / "x.bin").exists()


def test_cli_sign_ok(zephyr_hex: Path, rsa_key: Path, tmp_path: Path) -> None:
    out = tmp_path / "degu.bin"
    result = run("sign", zephyr_hex, "-k", rsa_key, "-o", out, "--version", "0.9.0+1",
                 "--security-counter", "3")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    info = mcuboot.parse(out.read_bytes())
    assert result.stdout == f"{out}: 0.9.0+1, {info.length} bytes\n"
    assert info.find("SEC_CNT")[0].value == (3).to_bytes(4, "little")


#: (case, how the output is set up under tmp/work, -o relative to it, message with {out}/{w})
BAD_OUTPUTS = [
    ("existing-folder", "dir:o.bin", "o.bin",
     "{out}: is a folder; give -o/--out the path of the file to write, e.g. {out}/out.bin"),
    ("read-only-folder", "ro:ro", "ro/o.bin", "{out}: cannot write (Operation not permitted)"),
    ("below-a-file", "file:f", "f/x.bin",
     "{out}: {w}/f is a file, not a folder; choose another -o/--out"),
    ("below-a-file-deeper", "file:f", "f/a/x.bin",
     "{out}: {w}/f is a file, not a folder; choose another -o/--out"),
    ("new-folder-in-read-only", "ro:ro", "ro/new/o.bin",
     "{out}: cannot create folder {w}/ro/new (Operation not permitted)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("setup", "out", "message"), [pytest.param(*r[1:], id=r[0]) for r in BAD_OUTPUTS]
)
def test_cli_sign_bad_output_is_one_line(
    setup: str, out: str, message: str, firmware_bin: Path, ecdsa_key: Path, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    kind, name = setup.split(":")
    if kind == "dir":
        (work / name).mkdir()
    elif kind == "file":
        (work / name).write_text("a file\n")
    with contextlib.ExitStack() as stack:
        if kind == "ro":
            stack.enter_context(read_only_folder(work / name))
        before = tree(work)
        result = run("sign", firmware_bin, "-k", ecdsa_key, "-o", work / out)
        after = tree(work)
    expected = message.format(out=work / out, w=work)
    # chmod 0555 (not root) gives EACCES where chattr +i gives EPERM
    got = result.stderr.replace("(Permission denied)", "(Operation not permitted)")
    assert (result.exit_code, got) == (2, f"degutool: error: {expected}\n")
    assert result.stdout == ""
    assert after == before
