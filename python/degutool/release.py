# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Build an over-the-air release: degu.bin, main.py, CONFIG, manifest.json, desired.json.

The release is written into a temporary folder next to the output folder and renamed into
place only when every file is complete, so a refusal or a failure leaves nothing at the
output path.  Every input is checked before anything is written.  docs/manifest.md gives
the schema of the two JSON files.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

from imgtool import imgtool_version

from . import __version__, digest, mcuboot, storage
from . import keys as keys_mod
from . import layout as layout_mod
from . import sign as sign_mod
from .errors import InputError
from .fileio import check_output, folder_mode, missing_parents
from .verify import check_image

log = logging.getLogger(__name__)

FIRMWARE_FILE = "degu.bin"
SCRIPT_FILE = "main.py"
CONFIG_FILE = "CONFIG"
MANIFEST_SCHEMA = 1


@dataclass(frozen=True)
class Item:
    """One released file, as the manifest lists it."""

    key: str
    file: str
    size: int
    md5: str
    sha256: str
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "size": self.size,
            "md5": self.md5,
            "sha256": self.sha256,
            "url": self.url,
        }


#: A ``%`` not followed by two hex digits.
_BAD_ESCAPE_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
#: Characters a host never holds (RFC 3986 reg-name), beside controls.
_BAD_HOST_CHARS = set(' \t\n\r<>"{}|\\^`%')


def _redacted(parts: SplitResult) -> str:
    """The URL with any user:password replaced, so a message never repeats a secret."""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def _ascii_host(parts: SplitResult, base_url: str) -> str:
    """The host as a URL carries it: IDNA-encoded when it is not ASCII."""
    host = parts.netloc.rpartition("@")[2]
    if host.startswith("["):  # an IPv6 literal, port after the bracket
        return host
    name, colon, port = host.rpartition(":") if ":" in host else (host, "", "")
    bad = sorted({c for c in name if c in _BAD_HOST_CHARS or ord(c) < 0x20 or c == "\x7f"})
    if bad:
        raise InputError(
            f"base URL {base_url!r}: host {name!r} holds {', '.join(map(repr, bad))}, which no "
            "host name contains: fix the host (percent-escape such characters in the path only)"
        )
    try:
        ascii_name = name.encode("idna").decode("ascii") if not name.isascii() else name
    except UnicodeError as e:
        raise InputError(
            f"base URL {base_url!r}: host {name!r} is not a valid internationalised domain "
            f"name ({e}): give its xn-- form"
        ) from None
    return f"{ascii_name}{colon}{port}"


def check_base_url(base_url: str) -> None:
    """Refuse a base URL the gateway cannot fetch from or that must not be published; warn on
    plain http.  Every item's URL is published in the shadow document."""
    parts = urlsplit(base_url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"base URL {base_url!r} is not an http(s) URL with a host; the gateway fetches "
            "releases over https (or http), e.g. https://example.com/releases/"
        )
    if parts.username is not None or parts.password is not None:
        raise InputError(
            f"base URL {_redacted(parts)!r} holds credentials (user:password@), which would be "
            "published to every device in the shadow document: remove them and serve the "
            "release without a login, or with a presigned URL whose signature is in the query"
        )
    if parts.fragment or "#" in base_url:
        raise InputError(
            f"base URL {base_url!r} has a #fragment, which a fetch never sends: remove the "
            "fragment (the # and what follows it)"
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise InputError(
            f"base URL {base_url!r}: port {parts.netloc.rpartition(':')[2]!r} is not a TCP "
            "port (1-65535): fix or remove it"
        )
    _ascii_host(parts, base_url)
    for what, text in (("path", parts.path), ("query", parts.query)):
        bad = _BAD_ESCAPE_RE.search(text)
        if bad:
            raise InputError(
                f"base URL {base_url!r}: bad percent escape {text[bad.start() : bad.start() + 3]!r}"
                f" in the {what}: a % starts two hex digits (%20); write a literal % as %25"
            )
    if parts.scheme.lower() == "http":
        log.warning(
            "base URL %s is plain http: the files travel unencrypted (a firmware image "
            "is still checked by its signature, main.py and CONFIG are not); use https where "
            "the server allows",
            base_url,
        )


def join_url(base_url: str, name: str) -> str:
    """The URL of ``name`` under ``base_url``, with or without its trailing slash.

    The file name is percent-encoded; characters in the base's path or query that need
    escaping are escaped and existing escapes are kept; a non-ASCII host is IDNA-encoded.
    A query string stays at the end.
    """
    parts = urlsplit(base_url)
    path = quote(parts.path, safe="/%:@!$&'()*+,;=~")
    if not path.endswith("/"):
        path += "/"
    query = quote(parts.query, safe="=&%:@!$'()*+,;/?~")
    netloc = _ascii_host(parts, base_url)
    return urlunsplit((parts.scheme, netloc, path + quote(name, safe=""), query, ""))


def _item(key: str, file: str, data: bytes, base_url: str, md5: str) -> Item:
    return Item(
        key=key,
        file=file,
        size=len(data),
        md5=md5,
        sha256=hashlib.sha256(data).hexdigest(),
        url=join_url(base_url, file),
    )


def _read_firmware(path: Path) -> bytes:
    """A firmware file's bytes; for a signed .hex, the image it holds (released as it is)."""
    data = _read(path, "firmware")
    if path.suffix.lower() == ".hex":
        image = mcuboot.read_bytes(path)
        if mcuboot.is_image(image):
            return image
    return data


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} {path}: no such file") from None
    except OSError as e:
        raise InputError(f"{what} {path}: cannot read ({e.strerror})") from e


def _check_volume(files: list[tuple[Path, bytes]], lay: layout_mod.Layout) -> None:
    """Refuse files the device could not install over the air (the old and the new file side
    by side on the FAT volume); named by their input paths."""
    if files:
        storage.check_update_fits({str(path): len(data) for path, data in files}, lay)


def _check_out(out: Path) -> None:
    check_output(out, "--out", folder=True)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(
            f"output {out} exists and is not an empty folder; remove it or choose another --out"
        )


@dataclass
class _Firmware:
    """The firmware item once checked: its bytes (the image proper when already signed)."""

    path: Path
    data: bytes
    presigned: bool


def _check_firmware(
    path: Path,
    data: bytes,
    key: keys_mod.Key | None,
    version: str,
    security_counter: int | None,
    lay: layout_mod.Layout,
) -> _Firmware:
    if not mcuboot.is_image(data):
        if key is None:
            raise InputError(
                f"firmware {path} is not signed: give --key to sign it (make one with "
                "`degutool keygen`)"
            )
        prepared = sign_mod.prepare(path, lay=lay)
        needed = prepared.size + sign_mod.tlv_size(key.key_type, security_counter)
        sign_mod.check_fits(needed, lay, str(path))
        return _Firmware(path, data, presigned=False)

    info = check_image(
        data,
        str(path),
        key,
        lay,
        key_hint="release takes a signed image only with its own key",
    )
    image = data[: info.length]
    if version != "0.0.0" and mcuboot.Version.parse(version) != info.version:
        log.warning(
            "%s is already signed as version %s; --version %s does not apply to it",
            path,
            info.version,
            version,
        )
    if security_counter is not None:
        counters = info.find("SEC_CNT")
        has = int.from_bytes(counters[0].value, "little") if counters else None
        log.warning(
            "%s is already signed (security counter %s); --security-counter %d does not apply "
            "to it",
            path,
            "none" if has is None else has,
            security_counter,
        )
    log.info("%s is already signed (%s); releasing it as it is", path, info.version)
    return _Firmware(path, image, presigned=True)


def _write_firmware(
    fw: _Firmware,
    target: Path,
    key: keys_mod.Key | None,
    version: str,
    security_counter: int | None,
    lay: layout_mod.Layout,
) -> tuple[bytes, dict[str, Any]]:
    if fw.presigned:
        target.write_bytes(fw.data)
    else:
        assert key is not None
        sign_mod.sign(fw.path, key, target, version, security_counter=security_counter, lay=lay)
    data = target.read_bytes()
    info = mcuboot.parse(data, str(target))
    key_hashes = info.find("KEYHASH")
    image = {
        "version": str(info.version),
        "signed_here": not fw.presigned,
        "key_type": key.key_type if key else keys_mod.signature_key_type(info),
        "key_fingerprint": keys_mod.fingerprint(key_hashes[0].value) if key_hashes else None,
        "header_size": info.header_size,
        "length": info.length,
    }
    return data, image


def _documents(
    items: list[Item], image: dict[str, Any] | None, base_url: str, now: datetime.datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "tool": {"name": "degutool", "version": __version__, "imgtool": imgtool_version},
        "created": now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "base_url": base_url,
        "image": image,
        "items": {i.key: i.to_dict() for i in items},
    }
    desired: dict[str, str] = {}
    for i in items:
        desired[i.key] = i.url
        desired[f"{i.key}_ver"] = i.md5
    return manifest, {"state": {"desired": desired}}


def release(
    out: Path,
    base_url: str,
    firmware: Path | None = None,
    script: Path | None = None,
    config: Path | None = None,
    key: Path | None = None,
    version: str = "0.0.0",
    security_counter: int | None = None,
    lay: layout_mod.Layout = layout_mod.DEFAULT,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Check every input, then write the release to ``out``; returns the manifest."""
    if firmware is None and script is None and config is None:
        raise InputError("nothing to release: give --firmware, --script or --config")
    check_base_url(base_url)
    _check_out(out)
    mcuboot.Version.parse(version)

    files = {
        name: (path, _read(path, what))
        for name, path, what in (
            (SCRIPT_FILE, script, "script"),
            (CONFIG_FILE, config, "config"),
        )
        if path is not None
    }
    fw_data = _read_firmware(firmware) if firmware else None
    loaded_key = keys_mod.load(key) if key else None
    _check_volume(list(files.values()), lay)
    fw = None
    if firmware is not None and fw_data is not None:
        fw = _check_firmware(firmware, fw_data, loaded_key, version, security_counter, lay)

    with missing_parents(out):
        try:
            manifest = _write_release(
                out, base_url, fw, files, loaded_key, version, security_counter, lay, now
            )
        except OSError as e:
            raise InputError(f"{out}: cannot write the release ({e.strerror})") from e
    log.info("release of %s written to %s", ", ".join(manifest["items"]), out)
    return manifest


def _write_release(
    out: Path,
    base_url: str,
    fw: _Firmware | None,
    files: dict[str, tuple[Path, bytes]],
    loaded_key: keys_mod.Key | None,
    version: str,
    security_counter: int | None,
    lay: layout_mod.Layout,
    now: datetime.datetime | None,
) -> dict[str, Any]:
    """Write every file into a temporary folder beside ``out``, then rename it to ``out``;
    returns the manifest."""
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        # mkdtemp makes it 0700; a release is served by a web server, so give it the mode
        # mkdir would (its files get open's mode under the umask too).
        os.chmod(tmp, folder_mode())
        items: list[Item] = []
        image = None
        if fw is not None:
            data, image = _write_firmware(
                fw, tmp / FIRMWARE_FILE, loaded_key, version, security_counter, lay
            )
            items.append(
                _item("firmware_system", FIRMWARE_FILE, data, base_url, digest.md5_bytes(data))
            )
        for shadow_key, name in (("script_user", SCRIPT_FILE), ("config_user", CONFIG_FILE)):
            if name in files:
                data = files[name][1]
                (tmp / name).write_bytes(data)
                items.append(_item(shadow_key, name, data, base_url, digest.md5_bytes(data)))

        manifest, desired = _documents(
            items, image, base_url, now or datetime.datetime.now(datetime.UTC)
        )
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        (tmp / "desired.json").write_text(json.dumps(desired, indent=2) + "\n")
        if out.exists():
            out.rmdir()  # empty, checked above
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest
