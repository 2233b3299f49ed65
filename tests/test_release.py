# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`release`: the folder it writes, URL joining, and the FAT volume's room."""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path

import pytest
from degutool import __version__, keys, mcuboot, release, storage, verify
from degutool.errors import LayoutError
from pyfatfs.PyFat import PyFat
from pyfatfs.PyFatFS import PyFatFS

from .helpers import tree

EXAMPLES = Path(__file__).parent.parent / "examples"
NOW = datetime.datetime(2026, 12, 3, 22, 30, 5, tzinfo=datetime.UTC)


def test_release_all_items(firmware_bin: Path, ecdsa_key: Path, tmp_path: Path) -> None:
    out = tmp_path / "rel"
    manifest = release.release(
        out,
        "https://updates.example.com/degu/r1",
        firmware=firmware_bin,
        script=EXAMPLES / "main.py",
        config=EXAMPLES / "CONFIG",
        key=ecdsa_key,
        version="1.4.0+2",
        now=NOW,
    )

    assert tree(tmp_path) == [
        "rel", "rel/CONFIG", "rel/degu.bin", "rel/desired.json", "rel/main.py",
        "rel/manifest.json",
    ]  # fmt: skip
    image = (out / "degu.bin").read_bytes()
    key = keys.load(ecdsa_key)
    assert verify.verify(image, key).ok
    assert image[0x200 : 0x200 + firmware_bin.stat().st_size] == firmware_bin.read_bytes()
    assert (out / "main.py").read_bytes() == (EXAMPLES / "main.py").read_bytes()
    assert (out / "CONFIG").read_bytes() == (EXAMPLES / "CONFIG").read_bytes()

    md5 = {n: hashlib.md5((out / n).read_bytes()).hexdigest() for n in ("degu.bin", "main.py",
                                                                          "CONFIG")}  # fmt: skip
    base = "https://updates.example.com/degu/r1/"
    assert json.loads((out / "desired.json").read_text()) == {
        "state": {
            "desired": {
                "firmware_system": base + "degu.bin",
                "firmware_system_ver": md5["degu.bin"],
                "script_user": base + "main.py",
                "script_user_ver": md5["main.py"],
                "config_user": base + "CONFIG",
                "config_user_ver": md5["CONFIG"],
            }
        }
    }
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk == manifest
    assert on_disk["schema"] == 1
    assert on_disk["created"] == "2026-12-03T22:30:05Z"
    assert on_disk["tool"] == {"name": "degutool", "version": __version__, "imgtool": "2.5.0"}
    assert on_disk["image"] == {
        "version": "1.4.0+2",
        "signed_here": True,
        "key_type": "ecdsa-p256",
        "key_fingerprint": key.fingerprint,
        "header_size": 0x200,
        "length": len(image),
    }
    assert on_disk["items"]["firmware_system"] == {
        "file": "degu.bin",
        "size": len(image),
        "md5": md5["degu.bin"],
        "sha256": hashlib.sha256(image).hexdigest(),
        "url": base + "degu.bin",
    }
    assert on_disk["items"]["config_user"]["size"] == (EXAMPLES / "CONFIG").stat().st_size


def test_presigned_image_is_not_signed_again(
    signed_image: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    padded = tmp_path / "slot-dump.bin"
    padded.write_bytes(signed_image.read_bytes() + b"\xff" * 512)
    out = tmp_path / "rel"
    with caplog.at_level("WARNING"):
        manifest = release.release(out, "https://h/r/", firmware=padded, version="9.9.9")
    assert caplog.messages == [
        f"{padded} is already signed as version 1.2.3+4; --version 9.9.9 does not apply to it"
    ]

    assert (out / "degu.bin").read_bytes() == signed_image.read_bytes()
    assert manifest["image"]["version"] == "1.2.3+4"
    assert manifest["image"]["signed_here"] is False
    info = mcuboot.parse(signed_image.read_bytes())
    assert manifest["image"]["key_fingerprint"] == keys.fingerprint(info.find("KEYHASH")[0].value)
    assert sorted(manifest["items"]) == ["firmware_system"]
    assert tree(out) == ["degu.bin", "desired.json", "manifest.json"]


def test_presigned_hex_is_released_as_its_image(signed_image: Path, tmp_path: Path) -> None:
    from intelhex import IntelHex

    hexfile = tmp_path / "degu.hex"
    ih = IntelHex()
    ih.frombytes(signed_image.read_bytes(), offset=0x14000)
    ih.write_hex_file(str(hexfile))
    manifest = release.release(tmp_path / "rel", "https://h/", firmware=hexfile)
    assert (tmp_path / "rel" / "degu.bin").read_bytes() == signed_image.read_bytes()
    assert manifest["image"]["signed_here"] is False


def test_script_only_into_existing_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "rel"
    out.mkdir()
    release.release(out, "https://h/", script=EXAMPLES / "main.py")
    desired = json.loads((out / "desired.json").read_text())["state"]["desired"]
    assert desired == {
        "script_user": "https://h/main.py",
        "script_user_ver": hashlib.md5((EXAMPLES / "main.py").read_bytes()).hexdigest(),
    }


@pytest.mark.parametrize(
    ("base", "name", "url"),
    [
        ("https://h.example/rel", "degu.bin", "https://h.example/rel/degu.bin"),
        ("https://h.example/rel/", "degu.bin", "https://h.example/rel/degu.bin"),
        ("https://h.example", "main.py", "https://h.example/main.py"),
        ("http://127.0.0.1:8080/a/b/", "CONFIG", "http://127.0.0.1:8080/a/b/CONFIG"),
        ("https://h/rel?sig=abc&exp=1", "degu.bin", "https://h/rel/degu.bin?sig=abc&exp=1"),
        ("https://h/rel/?X-Amz=a%2Fb", "degu.bin", "https://h/rel/degu.bin?X-Amz=a%2Fb"),
        ("https://h/my releases/v 1", "main.py", "https://h/my%20releases/v%201/main.py"),
        ("https://h/r%20x/", "main.py", "https://h/r%20x/main.py"),
        ("https://h/r/", "a b#?.py", "https://h/r/a%20b%23%3F.py"),
        ("https://h/caf\u00e9/", "CONFIG", "https://h/caf%C3%A9/CONFIG"),
        ("https://h/r?q=a b", "CONFIG", "https://h/r/CONFIG?q=a%20b"),
        ("https://b\u00fccher.example/r", "main.py", "https://xn--bcher-kva.example/r/main.py"),
        (
            "https://b\u00fccher.example:8443/a b/",
            "CONFIG",
            "https://xn--bcher-kva.example:8443/a%20b/CONFIG",
        ),
        ("https://[::1]:8443/r", "CONFIG", "https://[::1]:8443/r/CONFIG"),
    ],
)
def test_join_url(base: str, name: str, url: str) -> None:
    assert release.join_url(base, name) == url


def test_volume_room_matches_pyfatfs(tmp_path: Path) -> None:
    """The room release checks against (degutool.storage) is what a pyfatfs volume holds."""
    geometry = storage.geometry()
    vol = tmp_path / "storage.img"
    vol.write_bytes(b"")
    fat = PyFat()
    fat.mkfs(str(vol), PyFat.FAT_TYPE_FAT12, size=0x4000)
    bpb = fat.bpb_header
    fat.close()
    assert (
        bpb["BPB_BytsPerSec"], bpb["BPB_SecPerClus"], bpb["BPB_RsvdSecCnt"], bpb["BPB_NumFATs"],
        bpb["BPB_RootEntCnt"], bpb["BPB_FATSz16"], bpb["BPB_TotSec16"],
    ) == (512, 1, 1, 2, 224, 1, 32)  # fmt: skip
    assert (geometry.cluster_size, geometry.data_clusters) == (512, 15)
    assert geometry.capacity == 7680

    # Files that fill exactly the computed clusters (2..16) fit in the 16 KB; one byte more
    # does not: pyfatfs 1.1.0 then allocates cluster 17, past the end of the volume, and
    # grows the file instead of refusing (the storage command must check sizes itself).
    fs = PyFatFS(str(vol))
    fs.writebytes("/main.py", b"x" * (geometry.capacity - 512))
    fs.writebytes("/CONFIG", b"y" * 512)
    assert all(fs.fs.fat[c] for c in range(2, 2 + geometry.data_clusters))
    fs.close()
    assert vol.stat().st_size == 0x4000
    fs = PyFatFS(str(vol))
    assert fs.readbytes("/CONFIG") == b"y" * 512
    fs.writebytes("/extra", b"z")
    fs.close()
    assert vol.stat().st_size > 0x4000


#: (script bytes, config bytes, refused): the volume has 15 clusters of 512 bytes; an update
#: needs clusters(script) + clusters(config) + the larger of the two.
VOLUME_LIMITS = [
    (3584, 0, False),  # 7 + 0 + 7 = 14
    (3584, 512, False),  # 7 + 1 + 7 = 15: exactly full
    (3072, 1536, False),  # 6 + 3 + 6 = 15
    (3072, 3072, True),  # 6 + 6 + 6 = 18
    (3585, 0, True),  # 8 + 0 + 8 = 16
    (3584, 513, True),  # 7 + 2 + 7 = 16
    (7000, 1, True),  # 14 + 1 + 14: one cluster of config
    (7168, 512, True),  # fits a factory volume (15 clusters), not an update
]


@pytest.mark.parametrize(("script_size", "config_size", "refused"), VOLUME_LIMITS)
def test_release_volume_limit(
    script_size: int, config_size: int, refused: bool, tmp_path: Path
) -> None:
    script, config = tmp_path / "big.py", tmp_path / "big.cfg"
    script.write_bytes(b"#" * script_size)
    config.write_bytes(b"k" * config_size)
    out = tmp_path / "rel"
    if not refused:
        manifest = release.release(out, "https://h/r/", script=script, config=config, now=NOW)
        assert manifest["items"]["script_user"]["size"] == script_size
        assert (out / "CONFIG").read_bytes() == b"k" * config_size
        return
    with pytest.raises(LayoutError) as e:
        release.release(out, "https://h/r/", script=script, config=config, now=NOW)
    c1, c2 = -(-script_size // 512), -(-config_size // 512)
    n1, n2 = (f"{c} cluster{'' if c == 1 else 's'}" for c in (c1, c2))
    assert str(e.value) == (
        f"{script} {script_size} bytes ({n1}), {config} {config_size} bytes ({n2}"
        "): an update over the air needs room for the old and the new file side by "
        "side (the device writes main.new or config.new before it removes the old one), "
        f"{c1 + c2 + max(c1, c2)} clusters of 512 bytes with the larger file counted twice; "
        "the 16384-byte FAT volume holds 15: shorten the files"
    )
    assert tree(tmp_path) == ["big.cfg", "big.py"]


def test_storage_command_keeps_the_plain_fit(tmp_path: Path) -> None:
    """A volume written at the factory holds no temporary file: 15 clusters of files fit."""
    from degutool.storage import build_volume, check_fits

    check_fits({"main.py": 7168, "CONFIG": 512})
    assert len(build_volume({"main.py": b"#" * 7168, "CONFIG": b"k" * 512})) == 0x4000
