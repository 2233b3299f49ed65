# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool release` in-process: output, and every refusal leaving nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from degutool import digest, mcuboot
from degutool.errors import InputError
from imgtool import keys as imgtool_keys
from imgtool.image import Image

from .helpers import flipped, imgtool_signed, run, tree

EXAMPLES = Path(__file__).parent.parent / "examples"
SCRIPT, CONFIG = EXAMPLES / "main.py", EXAMPLES / "CONFIG"


def test_release_prints_items_and_writes_folder(
    zephyr_bin: Path, ed25519_key: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rel"
    result = run("release", "--firmware", zephyr_bin, "--script", SCRIPT, "--config", CONFIG,
                 "--key", ed25519_key, "--version", "2.0.0", "--security-counter", "2",
                 "--base-url", "https://u.example/d/?t=1", "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    md5 = digest.md5_file(out / "degu.bin")
    assert result.stdout.splitlines() == [
        f"firmware_system  {md5}  https://u.example/d/degu.bin?t=1",
        f"script_user      {digest.md5_file(SCRIPT)}  https://u.example/d/main.py?t=1",
        f"config_user      {digest.md5_file(CONFIG)}  https://u.example/d/CONFIG?t=1",
        f"{out}: 3 items, desired.json ready",
    ]
    assert digest.md5_image(out / "degu.bin") == md5
    assert run("verify", out / "degu.bin", "-k", ed25519_key).exit_code == 0


def test_plain_http_warns(tmp_path: Path) -> None:
    out = tmp_path / "rel"
    result = run("release", "--config", CONFIG, "--base-url", "http://10.0.0.1/r", "--out", out)
    assert result.exit_code == 0
    assert result.stderr == (
        "degutool: WARNING: base URL http://10.0.0.1/r is plain http: the files travel "
        "unencrypted (a firmware image is still checked by its signature, main.py and CONFIG "
        "are not); use https where the server allows\n"
    )
    desired = json.loads((out / "desired.json").read_text())["state"]["desired"]
    assert desired["config_user"] == "http://10.0.0.1/r/CONFIG"


@pytest.fixture
def refusal_inputs(tmp_path_factory, signed_image, oversize_firmware_bin, firmware_bin):
    d = tmp_path_factory.mktemp("refusal-inputs")
    big = d / "big.py"
    big.write_bytes(b"# " + b"x" * 7197 + b"\n")
    p384 = d / "rsa3072.pem"
    p384.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=3072).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    # A signed image too big for the slot, made with imgtool without a slot size.
    signer = imgtool_keys.ECDSA256P1.generate()
    img = Image(header_size=0x200, pad_header=True, align=4)
    img.load(str(oversize_firmware_bin))
    img.create(signer, "hash", None)
    huge = d / "huge-signed.bin"
    img.save(str(huge))
    other = d / "other.pem"
    signer.export_private(str(other))
    good = signed_image.read_bytes()
    tampered = {}
    tlv_info = mcuboot.parse(good).hashed_size  # the TLV area's info magic
    for name, offset in (("payload", 0x200 + 40), ("version", 20), ("tlv-info", tlv_info)):
        tampered[name] = d / f"tampered-{name}.bin"
        tampered[name].write_bytes(flipped(good, offset))
    tampered["truncated"] = d / "truncated.bin"
    tampered["truncated"].write_bytes(good[:-10])
    unbootable = {
        name: imgtool_signed(firmware_bin, d / f"{name}.bin", **kwargs)
        for name, kwargs in (
            ("ramload", {"load_addr": 0x20000000}),
            ("romfixed", {"rom_fixed": 0x14000}),
            ("nonbootable", {"non_bootable": True}),
            ("hdr400", {"header_size": 0x400}),
        )
    }
    return {"big": big, "rsa3072": p384, "huge": huge, "other_key": other,
            "signed": signed_image, "oversize": oversize_firmware_bin, "fw": firmware_bin,
            "missing": d / "missing.py",
            **{f"tampered_{k.replace('-', '_')}": v for k, v in tampered.items()},
            **unbootable,
            # header + code + the TLVs of an ECDSA signature (36 + 36 + 76 + info 4)
            "need": 0x200 + oversize_firmware_bin.stat().st_size + 152,
            "excess": 0x200 + oversize_firmware_bin.stat().st_size + 152 - 448976}  # fmt: skip


#: (case, arguments with {names} of refusal_inputs, exit code, message in the stderr line)
REFUSALS = [
    ("firmware-over-slot", ["--firmware", "{oversize}", "--key", "{ecdsa}"], 1,
     "oversize.bin: the signed image needs {need} bytes; slot 0 holds 450560 of which "
     "MCUboot's trailer takes 1584, leaving 448976: shrink the firmware by {excess} bytes"),
    ("signed-image-over-slot", ["--firmware", "{huge}"], 1,
     "huge-signed.bin: the image needs "),
    ("script-config-over-volume", ["--script", "{big}", "--config", str(CONFIG)], 1,
     "{big} 7200 bytes (15 clusters), " + str(CONFIG) + " 22 bytes (1 cluster): an update "
     "over the air needs room for the old and the new file side by side (the device writes "
     "main.new or config.new before it removes the old one), 31 clusters of 512 bytes with "
     "the larger file counted twice; the 16384-byte FAT volume holds 15: shorten the files"),
    ("unknown-key-type", ["--firmware", "{fw}", "--key", "{rsa3072}"], 2,
     "rsa3072.pem: unsupported key type RSA-3072; Degu's MCUboot takes ecdsa-p256, rsa-2048, "
     "ed25519"),
    ("missing-script", ["--script", "{missing}", "--config", str(CONFIG)], 2,
     "script {missing}: no such file"),
    ("missing-firmware", ["--firmware", "{missing}", "--key", "{ecdsa}"], 2,
     "firmware {missing}: no such file"),
    ("missing-key", ["--firmware", "{fw}", "--key", "{missing}"], 2,
     "{missing}: cannot read key (No such file or directory)"),
    ("unsigned-without-key", ["--firmware", "{fw}"], 2,
     "is not signed: give --key to sign it"),
    ("signed-with-other-key", ["--firmware", "{signed}", "--key", "{other_key}"], 1,
     "release takes a signed image only with its own key"),
    ("tampered-payload", ["--firmware", "{tampered_payload}"], 1,
     "{tampered_payload}: SHA256 TLV "),
    ("tampered-payload-msg", ["--firmware", "{tampered_payload}"], 1,
     "the image was changed after signing"),
    ("tampered-version", ["--firmware", "{tampered_version}"], 1,
     "{tampered_version}: SHA256 TLV "),
    ("tampered-payload-with-key", ["--firmware", "{tampered_payload}", "--key", "{ecdsa}"], 1,
     "the image was changed after signing; {tampered_payload}: the ECDSASIG signature does not "
     "verify with "),
    ("tampered-tlv-info", ["--firmware", "{tampered_tlv_info}"], 1,
     "{tampered_tlv_info}: no TLV area at 0x"),
    ("truncated", ["--firmware", "{tampered_truncated}"], 1,
     "{tampered_truncated}: truncated: the TLV area at 0x"),
    ("ram-load", ["--firmware", "{ramload}"], 1,
     "{ramload}: header flags 0x20 (RAM_LOAD): Degu's MCUboot (swap with scratch, run in "
     "place, no encryption or compression) boots only images without flags; sign it again "
     "without those options"),
    ("rom-fixed", ["--firmware", "{romfixed}"], 1, "{romfixed}: header flags 0x100 (ROM_FIXED)"),
    ("non-bootable", ["--firmware", "{nonbootable}"], 1,
     "{nonbootable}: header flags 0x10 (NON_BOOTABLE)"),
    ("header-0x400", ["--firmware", "{hdr400}"], 1,
     "{hdr400}: header size 0x400; Degu's firmware is linked after a 0x200-byte header "
     "(CONFIG_ROM_START_OFFSET): sign it with --header-size 0x200"),
    ("nothing-to-release", [], 2, "nothing to release: give --firmware, --script or --config"),
    ("bad-version", ["--firmware", "{fw}", "--key", "{ecdsa}", "--version", "1.2.3+x"], 2,
     "version '1.2.3+x' is not major.minor.revision+build"),
]  # fmt: skip
BAD_URLS = [
    ("ftp://h.example/r/", "base URL 'ftp://h.example/r/' is not an http(s) URL with a host"),
    ("file:///srv/rel", "base URL 'file:///srv/rel' is not an http(s) URL with a host"),
    ("h.example/rel", "base URL 'h.example/rel' is not an http(s) URL with a host"),
    ("https:///rel", "base URL 'https:///rel' is not an http(s) URL with a host"),
    ("https://h/r#x", "base URL 'https://h/r#x' has a #fragment, which a fetch never sends: "
     "remove the fragment (the # and what follows it)"),
    ("https://h/r#", "has a #fragment, which a fetch never sends: remove the fragment"),
    ("https://e .com/r", "base URL 'https://e .com/r': host 'e .com' holds ' ', which no host "
     "name contains: fix the host"),
    ("https://h:99999/r", "base URL 'https://h:99999/r': port '99999' is not a TCP port "
     "(1-65535): fix or remove it"),
    ("https://h:0/r", "port '0' is not a TCP port (1-65535)"),
    ("https://h:8o/r", "port '8o' is not a TCP port (1-65535)"),
    ("https://h/r%zz/", "base URL 'https://h/r%zz/': bad percent escape '%zz' in the path: a % "
     "starts two hex digits (%20); write a literal % as %25"),
    ("https://h/r?t=5%", "bad percent escape '%' in the query"),
    ("https://bob:s3cret@h/r", "base URL 'https://***@h/r' holds credentials (user:password@), "
     "which would be published to every device in the shadow document: remove them and serve "
     "the release without a login, or with a presigned URL whose signature is in the query"),
    ("https://bob@h/r", "base URL 'https://***@h/r' holds credentials"),
]  # fmt: skip


def _expand(arg: str, names: dict[str, object]) -> str:
    return arg.format(**{k: str(v) for k, v in names.items()})


def _assert_refused(args: list[str], code: int, message: str, tmp_path: Path) -> None:
    parent = tmp_path / "releases"
    parent.mkdir()
    out = parent / "r1"
    result = run("release", *args, "--base-url", "https://h.example/r/", "--out", out)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("degutool: error: ")
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1
    assert message in result.stderr, result.stderr
    assert tree(parent) == []  # no output folder, no temporary folder


@pytest.mark.parametrize(
    ("args", "code", "message"), [pytest.param(*r[1:], id=r[0]) for r in REFUSALS]
)
def test_release_refuses(
    args: list[str], code: int, message: str, refusal_inputs, ecdsa_key: Path, tmp_path: Path
) -> None:
    names = {**refusal_inputs, "ecdsa": ecdsa_key}
    _assert_refused([_expand(a, names) for a in args], code, _expand(message, names), tmp_path)


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_release_refuses_base_url(url: str, message: str, tmp_path: Path) -> None:
    parent = tmp_path / "releases"
    parent.mkdir()
    result = run("release", "--script", SCRIPT, "--base-url", url, "--out", parent / "r1")
    assert result.exit_code == 2
    assert result.stderr.startswith("degutool: error: ")
    assert result.stderr.count("\n") == 1
    assert message in result.stderr
    assert "s3cret" not in result.stderr
    assert tree(parent) == []


def test_release_unicode_host_is_idna_encoded(tmp_path: Path) -> None:
    out = tmp_path / "rel"
    result = run("release", "--script", SCRIPT, "--base-url", "https://b\u00fccher.example/my r/",
                 "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    desired = json.loads((out / "desired.json").read_text())["state"]["desired"]
    assert desired["script_user"] == "https://xn--bcher-kva.example/my%20r/main.py"


def test_release_refuses_non_empty_out(tmp_path: Path) -> None:
    out = tmp_path / "r1"
    out.mkdir()
    (out / "old.txt").write_text("keep\n")
    result = run("release", "--script", SCRIPT, "--base-url", "https://h/", "--out", out)
    assert result.exit_code == 2
    assert result.stderr == (
        f"degutool: error: output {out} exists and is not an empty folder; remove it or "
        "choose another --out\n"
    )
    assert tree(tmp_path) == ["r1", "r1/old.txt"]


def test_release_failure_while_writing_leaves_nothing(
    firmware_bin: Path, ecdsa_key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the temporary folder exists (here: imgtool) removes it again."""
    from degutool import sign

    def broken_sign(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sign, "sign", broken_sign)
    parent = tmp_path / "releases"
    parent.mkdir()
    with pytest.raises(InputError, match=r"r1: cannot write the release \(No space left on"):
        from degutool import release

        release.release(parent / "r1", "https://h/", firmware=firmware_bin, script=SCRIPT,
                        key=ecdsa_key)  # fmt: skip
    assert tree(parent) == []


def test_release_failure_removes_parents_it_made(
    firmware_bin: Path, ecdsa_key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from degutool import release, sign

    def broken_sign(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(sign, "sign", broken_sign)
    with pytest.raises(InputError, match=r"r1: cannot write the release \(Input/output error"):
        release.release(tmp_path / "a" / "b" / "r1", "https://h/", firmware=firmware_bin,
                        key=ecdsa_key)  # fmt: skip
    assert tree(tmp_path) == []


@pytest.mark.parametrize("counter", ["0x10", "16", "0o20"])
def test_release_security_counter_takes_any_base(
    counter: str, firmware_bin: Path, ecdsa_key: Path, tmp_path: Path
) -> None:
    from degutool import mcuboot

    out = tmp_path / "rel"
    result = run("release", "--firmware", firmware_bin, "--key", ecdsa_key,
                 "--security-counter", counter, "--base-url", "https://h/",
                 "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (sec_cnt,) = mcuboot.parse((out / "degu.bin").read_bytes()).find("SEC_CNT")
    assert int.from_bytes(sec_cnt.value, "little") == 16


def test_release_bad_security_counter_is_a_usage_error(tmp_path: Path) -> None:
    result = run("release", "--script", SCRIPT, "--security-counter", "x10",
                 "--base-url", "https://h/", "--out", tmp_path / "rel")  # fmt: skip
    assert result.exit_code == 2
    assert "Invalid value for '--security-counter': 'x10' is not a number (e.g. 0x200 or 512)" in (
        result.stderr
    )
    assert tree(tmp_path) == []


def test_presigned_image_ignores_security_counter_with_a_warning(
    signed_image: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rel"
    result = run("release", "--firmware", signed_image, "--security-counter", "0x10",
                 "--base-url", "https://h/", "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        f"degutool: WARNING: {signed_image} is already signed (security counter none); "
        "--security-counter 16 does not apply to it\n"
    )
    assert (out / "degu.bin").read_bytes() == signed_image.read_bytes()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["image"]["key_type"] == "ecdsa-p256"  # from its ECDSASIG TLV


@pytest.mark.parametrize("key_name", ["ecdsa_key", "rsa_key", "ed25519_key"])
def test_presigned_image_key_type_comes_from_its_signature(
    key_name: str, firmware_bin: Path, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from degutool import keys, release, sign

    key = keys.load(request.getfixturevalue(key_name))
    signed = tmp_path / "degu.bin"
    sign.sign(firmware_bin, key, signed)
    manifest = release.release(tmp_path / "rel", "https://h/", firmware=signed)
    assert manifest["image"]["key_type"] == key.key_type


#: (case, setup under tmp/work, --out relative to it, message with {out}/{w})
BAD_OUTS = [
    ("read-only-folder", "ro:ro", "ro/rel",
     "{out}: cannot write the release (Operation not permitted)"),
    ("new-folder-in-read-only", "ro:ro", "ro/new/rel",
     "{out}: cannot create folder {w}/ro/new (Operation not permitted)"),
    ("below-a-file", "file:f", "f/rel",
     "{out}: {w}/f is a file, not a folder; choose another --out"),
    ("is-a-file", "file:rel", "rel",
     "output {out} exists and is not an empty folder; remove it or choose another --out"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("setup", "out", "message"), [pytest.param(*r[1:], id=r[0]) for r in BAD_OUTS]
)
def test_release_bad_out_is_one_line(setup: str, out: str, message: str, tmp_path: Path) -> None:
    import contextlib

    from .helpers import read_only_folder

    work = tmp_path / "work"
    work.mkdir()
    kind, name = setup.split(":")
    if kind == "file":
        (work / name).write_text("a file\n")
    with contextlib.ExitStack() as stack:
        if kind == "ro":
            stack.enter_context(read_only_folder(work / name))
        before = tree(work)
        result = run("release", "--script", SCRIPT, "--base-url", "https://h/", "--out", work / out)
        after = tree(work)
    expected = message.format(out=work / out, w=work)
    got = result.stderr.replace("(Permission denied)", "(Operation not permitted)")
    assert (result.exit_code, got) == (2, f"degutool: error: {expected}\n")
    assert after == before


@pytest.mark.parametrize(
    ("interrupt", "code", "line"),
    [("ctrl-c", 130, "degutool: interrupted\n"), ("sigterm", 143, "degutool: terminated\n")],
)
def test_release_interrupted_leaves_nothing(
    interrupt: str,
    code: int,
    line: str,
    firmware_bin: Path,
    ecdsa_key: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Interrupted while the hidden temporary folder exists (after degu.bin is signed)."""
    import os
    import signal

    from degutool import release

    def stop(*args, **kwargs):
        if interrupt == "ctrl-c":
            raise KeyboardInterrupt
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM was not turned into an interrupt")

    def canary(signum, frame):
        raise RuntimeError("SIGTERM reached the test's own handler, not the CLI's")

    monkeypatch.setattr(release, "_documents", stop)
    parent = tmp_path / "releases"
    parent.mkdir()
    previous = signal.signal(signal.SIGTERM, canary)  # so a regression cannot kill pytest
    try:
        result = run("release", "--firmware", firmware_bin, "--key", ecdsa_key,
                     "--script", SCRIPT, "--base-url", "https://h/",
                     "--out", parent / "a" / "rel")  # fmt: skip
        assert signal.getsignal(signal.SIGTERM) is canary  # the CLI put it back
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert (result.exit_code, result.stderr, result.stdout) == (code, line, "")
    assert tree(parent) == []


@pytest.mark.parametrize(
    ("umask", "folder", "file"), [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)]
)
def test_release_folder_has_mkdir_mode(
    umask: int, folder: int, file: int, firmware_bin: Path, ecdsa_key: Path, tmp_path: Path
) -> None:
    import os

    out = tmp_path / "rel"
    old = os.umask(umask)
    try:
        result = run("release", "--firmware", firmware_bin, "--key", ecdsa_key,
                     "--script", SCRIPT, "--config", CONFIG, "--base-url", "https://h/",
                     "--out", out)  # fmt: skip
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_mode & 0o777 == folder
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()}
    assert modes == dict.fromkeys(
        ["CONFIG", "degu.bin", "desired.json", "main.py", "manifest.json"], file
    )


def test_one_item_is_singular(tmp_path: Path) -> None:
    out = tmp_path / "rel"
    result = run("release", "--config", CONFIG, "--base-url", "https://h/", "--output", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"{out}: 1 item, desired.json ready"


#: Every command that writes takes -o, --out and --output alike.
OUT_SPELLINGS = ["-o", "--out", "--output"]


@pytest.mark.parametrize("spelling", OUT_SPELLINGS)
@pytest.mark.parametrize("command", ["sign", "release", "storage", "factory"])
def test_every_writing_command_takes_every_out_spelling(
    command: str, spelling: str, firmware_bin: Path, signed_image: Path, ecdsa_key: Path,
    tmp_path: Path, build_firmware,
) -> None:  # fmt: skip
    out = tmp_path / "made"
    argv = {
        "sign": ["sign", firmware_bin, "-k", ecdsa_key],
        "release": ["release", "--script", SCRIPT, "--base-url", "https://h/"],
        "storage": ["storage", "--config", CONFIG],
        "factory": ["factory", "--mcuboot", build_firmware("boot", origin=0,
                    chain_to=0x14200).hex, "--image", signed_image],
    }[command]  # fmt: skip
    result = run(*argv, spelling, out)
    assert result.exit_code == 0, result.stderr
    assert out.exists()
