# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`degutool publish`: put a `degutool release` folder where devices fetch it, then set
``desired`` from its ``desired.json`` (URLs rewritten to where the files went)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

from ..errors import DeguError, InputError
from .state import LabState

log = logging.getLogger(__name__)

ITEMS = ("firmware_system", "script_user", "config_user")


@dataclass(frozen=True)
class Release:
    """A release folder: its desired keys and, per item, the file that holds it."""

    folder: Path
    desired: dict[str, str]
    files: dict[str, Path]


def read_release(folder: Path) -> Release:
    """Read and check ``desired.json`` (and ``manifest.json`` for file names) of a release.

    :raises InputError: missing or malformed files, an item's file missing, or its MD5 not the
        one ``desired.json`` names.
    """
    path = folder / "desired.json"
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(
            f"{path} missing: DIST must be a folder written by `degutool release`"
        ) from None
    except ValueError as e:
        raise InputError(
            f"{path} is not JSON ({e}): write it again with `degutool release`"
        ) from None
    desired = doc.get("state", {}).get("desired") if isinstance(doc, dict) else None
    if not isinstance(desired, dict) or not any(k in desired for k in ITEMS):
        raise InputError(f"{path} has no state.desired with any of {', '.join(ITEMS)}")
    names: dict[str, str] = {}
    manifest = folder / "manifest.json"
    if manifest.is_file():
        try:
            items = json.loads(manifest.read_text()).get("items", {})
            names = {k: v["file"] for k, v in items.items() if isinstance(v, dict) and "file" in v}
        except (ValueError, AttributeError) as e:
            raise InputError(f"{manifest} is malformed ({e})") from None
    files: dict[str, Path] = {}
    for item in ITEMS:
        if item not in desired:
            continue
        url, ver = desired.get(item), desired.get(f"{item}_ver")
        if not isinstance(url, str) or not isinstance(ver, str):
            raise InputError(f"{path}: {item} needs both a URL and {item}_ver")
        name = names.get(item) or PurePosixPath(urlsplit(url).path).name
        file = folder / name
        if not file.is_file():
            raise InputError(f"{path} names {item} file {name!r}, which is not in {folder}")
        got = hashlib.md5(file.read_bytes(), usedforsecurity=False).hexdigest()
        if got != ver.lower():
            raise InputError(
                f"{file} has MD5 {got} but desired.json says {ver}: the folder was changed "
                "after `degutool release`; release it again"
            )
        files[item] = file
    return Release(folder, desired, files)


def copy_to_root(release: Release, root: Path, files_url: str) -> dict[str, str]:
    """Copy the release's files under the file server's ``root``; their new URLs by item.

    A URL that already points into this file server keeps its path (as `make demo`'s base URL
    does); any other goes to ``releases/<folder name>/<file>``.
    """
    served = urlsplit(files_url)
    urls: dict[str, str] = {}
    for item, file in release.files.items():
        url = urlsplit(release.desired[item])
        if (url.scheme, url.netloc) == (served.scheme, served.netloc) and url.path.startswith(
            served.path
        ):
            rel = url.path[len(served.path) :]
        else:
            rel = f"releases/{release.folder.resolve().name}/{file.name}"
        dest = root / rel
        if dest.resolve().parent != root.resolve() and root.resolve() not in dest.resolve().parents:
            raise InputError(f"{item} URL path {url.path!r} leaves the file server root {root}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        shutil.copyfile(file, tmp)
        tmp.replace(dest)
        urls[item] = files_url + quote(rel)
        log.info("published %s to %s", file, urls[item])
    return urls


def upload_to_s3(release: Release, target: str, url_base: str | None) -> dict[str, str]:
    """Upload the release's files to ``s3://bucket/prefix``; their URLs by item.

    The URL is ``url_base`` + key when given (a CDN, a website endpoint), else the bucket's
    virtual-hosted URL.  The objects must be readable by the gateway: the bucket's policy
    decides that, not this tool.
    """
    import boto3
    import botocore.exceptions

    parts = urlsplit(target)
    bucket, prefix = parts.netloc, parts.path.strip("/")
    if not bucket:
        raise InputError(f"S3 target {target!r} has no bucket: write s3://BUCKET/PREFIX")
    s3 = boto3.client("s3")
    urls: dict[str, str] = {}
    try:
        for item, file in release.files.items():
            key = f"{prefix}/{file.name}" if prefix else file.name
            s3.upload_file(str(file), bucket, key)
            base = url_base.rstrip("/") + "/" if url_base else f"https://{bucket}.s3.amazonaws.com/"
            urls[item] = base + quote(key)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        raise DeguError(f"upload to {target} failed: {e}") from None
    return urls


def desired_update(release: Release, urls: dict[str, str]) -> dict[str, Any]:
    """The shadow update that sets ``desired`` to the release at ``urls``."""
    desired = dict(release.desired)
    desired.update(urls)
    return {"state": {"desired": desired}}


def publish_to_lab(folder: Path, thing: str, state: LabState) -> tuple[dict[str, str], int]:
    """`degutool publish` against a running lab in one call: copy the release in ``folder``
    to the lab's file server and set the thing's desired.  Returns (URL by item, shadow
    version).

    :raises InputError: the release folder is not usable.
    :raises ShadowError: the lab's shadow service refused or is not reachable.
    """
    from .shadowclient import ShadowClient

    release = read_release(folder)
    urls = copy_to_root(release, Path(state.files_root), state.files_url)
    client = ShadowClient(state.shadow_url, lab=True)
    try:
        reply = client.update(thing, desired_update(release, urls))
    finally:
        client.close()
    return urls, int(reply["version"])
