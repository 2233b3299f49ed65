# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The MD5 contract of DESIGN.md ("Shadow keys") held across the two sides.

`degutool release` (in-process, the real CLI) releases the test firmware; its degu.bin is
written into a simulated slot (the POSIX port's slot file: the image, erased flash up to the
slot size, the MCUboot trailer imgtool writes with ``--pad --confirm``), and the OTA core's
firmware-digest routine, run over that slot by ``slot_md5`` (ota/tests/tools/slot_md5.c, built
by the host CMake build), must give manifest.json's MD5 and `degutool md5 --image`'s.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from degutool.layout import DEFAULT, IMAGE_HEADER_SIZE, WRITE_ALIGN

from .helpers import run

REPO = Path(__file__).parent.parent
SLOT_MD5 = REPO / "build" / "ota" / "tests" / "slot_md5"
SLOT_SIZE = 0x6E000
PAGE = 4096
#: imgtool's boot_magic for a max_align of 8 (the last 16 bytes of a confirmed slot).
BOOT_MAGIC = bytes.fromhex("77c295f360d2ef7f3552500f2cb67980")
VERSION = "1.2.3+4"


@pytest.fixture(scope="session")
def slot_md5() -> Path:
    if not SLOT_MD5.is_file():
        pytest.fail(
            f"{SLOT_MD5} not found: build the host C parts first (`make setup`, or "
            "`cmake -S . -B build -G Ninja && cmake --build build`)"
        )
    return SLOT_MD5


@pytest.fixture(scope="session")
def trailer(firmware_bin: Path, ecdsa_key: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The last page of the slot as imgtool writes it for a confirmed image."""
    padded = tmp_path_factory.mktemp("trailer") / "padded.bin"
    subprocess.run(
        [sys.executable, "-m", "imgtool.main", "sign", "-k", str(ecdsa_key),
         "--header-size", hex(IMAGE_HEADER_SIZE), "--pad-header", "--align", str(WRITE_ALIGN),
         "--version", VERSION, "--slot-size", hex(DEFAULT.slot0.size), "--pad", "--confirm",
         str(firmware_bin), str(padded)],
        check=True, capture_output=True,
    )  # fmt: skip
    data = padded.read_bytes()
    assert len(data) == SLOT_SIZE
    page = data[-PAGE:]
    assert page[-16:] == BOOT_MAGIC
    assert page[-24] == 0x01  # image_ok: --confirm
    return page


def _sign_first(fw: Path, key: Path, tmp: Path, counter: str | None) -> Path:
    signed = tmp / "signed.bin"
    extra = ["--security-counter", counter] if counter else []
    result = run("sign", fw, "-k", key, "-o", signed, "--version", VERSION, *extra)
    assert result.exit_code == 0, result.stderr
    return signed


#: (id, key fixture, firmware fixture, security counter, signed first with `degutool sign`)
CASES = [
    ("release-signs", "ecdsa_key", "firmware_bin", None, False),
    ("release-signs-sec-counter", "ecdsa_key", "zephyr_bin", "5", False),
    ("presigned-rsa", "rsa_key", "firmware_bin", None, True),
    ("presigned-ed25519-sec-counter", "ed25519_key", "zephyr_hex", "7", True),
]


@pytest.mark.parametrize(
    ("key_name", "fw_name", "counter", "presign"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_core_digest_of_released_slot_is_manifest_md5(
    request: pytest.FixtureRequest,
    slot_md5: Path,
    trailer: bytes,
    tmp_path: Path,
    key_name: str,
    fw_name: str,
    counter: str | None,
    presign: bool,
) -> None:
    key: Path = request.getfixturevalue(key_name)
    fw: Path = request.getfixturevalue(fw_name)
    if presign:
        fw = _sign_first(fw, key, tmp_path, counter)
        args = ["--firmware", fw]
    else:
        args = ["--firmware", fw, "--version", VERSION]
        args += ["--security-counter", counter] if counter else []
    out = tmp_path / "rel"
    result = run("release", *args, "--key", key, "--base-url", "https://u.example/r/",
                 "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    desired = json.loads((out / "desired.json").read_text())["state"]["desired"]
    want = manifest["items"]["firmware_system"]["md5"]
    image = (out / "degu.bin").read_bytes()
    assert manifest["image"]["signed_here"] is not presign
    assert want == hashlib.md5(image).hexdigest() == desired["firmware_system_ver"]

    device = tmp_path / "device"
    device.mkdir()
    slot = image + b"\xff" * (SLOT_SIZE - PAGE - len(image)) + trailer
    assert len(slot) == SLOT_SIZE
    for n in (0, 1):
        (device / f"slot{n}.bin").write_bytes(slot)

    md5_image = run("md5", "--image", device / "slot0.bin")
    assert md5_image.exit_code == 0, md5_image.stderr
    assert md5_image.stdout == f"{want}  {device / 'slot0.bin'}\n"

    info = json.loads(run("info", "--json", out / "degu.bin").stdout)
    assert (info["protect_tlv_size"] > 0) is (counter is not None)
    expected = f"{want} {len(image)} {VERSION} {info['protect_tlv_size']}\n"
    for n in ("0", "1"):
        proc = subprocess.run([slot_md5, device, n], capture_output=True, text=True)
        assert (proc.returncode, proc.stderr) == (0, "")
        assert proc.stdout == expected
    assert manifest["image"]["length"] == len(image)
    print(  # shown with -s
        f"{fw.name} {key_name} protected={info['protect_tlv_size']}: C digest {want} = manifest"
        f" md5, {len(image)} bytes"
    )


def _tamper_tlv_info(image: bytes) -> bytes:
    """Spoil the unprotected TLV info's magic (the image has no protected area)."""
    hdr_size = int.from_bytes(image[8:10], "little")
    img_size = int.from_bytes(image[12:16], "little")
    out = bytearray(image)
    out[hdr_size + img_size] ^= 0xFF
    return bytes(out)


def _flip_payload(image: bytes) -> bytes:
    out = bytearray(image)
    out[IMAGE_HEADER_SIZE + 16] ^= 0x01
    return bytes(out)


@pytest.mark.parametrize(
    ("tamper", "code", "message"),
    [
        (_tamper_tlv_info, 1, "(-74: Bad message)"),
        (lambda image: b"\xff" * len(image), 1, "(-2: No such file or directory)"),
    ],
    ids=["tlv-info-magic", "erased-slot"],
)
def test_slot_md5_refuses_what_is_no_image(
    slot_md5: Path,
    signed_image: Path,
    trailer: bytes,
    tmp_path: Path,
    tamper: Callable[[bytes], bytes],
    code: int,
    message: str,
) -> None:
    image = tamper(signed_image.read_bytes())
    (tmp_path / "slot0.bin").write_bytes(
        image + b"\xff" * (SLOT_SIZE - PAGE - len(image)) + trailer
    )
    proc = subprocess.run([slot_md5, tmp_path, "0"], capture_output=True, text=True)
    assert proc.returncode == code
    assert proc.stdout == ""
    assert proc.stderr == f"slot_md5: no image digest for slot 0 of {tmp_path} {message}\n"


def test_slot_md5_digest_follows_the_bytes(
    slot_md5: Path, signed_image: Path, trailer: bytes, tmp_path: Path
) -> None:
    """A flipped payload bit gives another digest: the routine hashes the slot's bytes."""
    image = _flip_payload(signed_image.read_bytes())
    (tmp_path / "slot0.bin").write_bytes(
        image + b"\xff" * (SLOT_SIZE - PAGE - len(image)) + trailer
    )
    proc = subprocess.run([slot_md5, tmp_path, "0"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[:2] == [hashlib.md5(image).hexdigest(), str(len(image))]
    assert proc.stdout.split()[0] != hashlib.md5(signed_image.read_bytes()).hexdigest()
