# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The walkthrough for CONFIG: the script greets with the name its configuration holds."""

from __future__ import annotations

import hashlib
import json

from .e2e_lab import Lab
from .helpers import run

SCRIPT = b"""\
import time
import degu
import machine

name = "nobody"
for line in open("CONFIG"):
    key, _, value = line.strip().partition("=")
    if key == "name":
        name = value
while True:
    print("Hello! I'm %s." % name)
    if degu.check_update() == 1:
        machine.reset()
    time.sleep(1)
"""
EUI = "00124b0000000c0f"


def test_config_update_changes_the_greeting(tmp_path) -> None:
    new_config = b"name=Bob\ninterval=1\n"
    (tmp_path / "CONFIG").write_bytes(new_config)
    with Lab(tmp_path) as lab:
        dev = lab.device(tmp_path, EUI, SCRIPT, config=b"name=Alice\ninterval=1\n")
        dev.wait_line("Hello! I'm Alice.")
        dist = tmp_path / "dist"
        result = run(
            "release", "--config", tmp_path / "CONFIG",
            "--base-url", lab.url("releases/cfg/"), "--out", dist,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        manifest = json.loads((dist / "manifest.json").read_text())
        lab.set_desired(EUI, lab.publish(dist, "cfg")["state"]["desired"])

        dev.wait_line("Hello! I'm Bob.")
        dev.stop()
        rep = lab.reported(EUI)

    md5 = hashlib.md5(new_config).hexdigest()
    assert manifest["items"]["config_user"]["md5"] == md5
    assert (tmp_path / EUI / "fat" / "CONFIG").read_bytes() == new_config
    assert (tmp_path / EUI / "fat" / "main.py").read_bytes() == SCRIPT
    assert rep["config_user_ver"] == md5
    assert rep["config_user"] == lab.url("releases/cfg/CONFIG")
    assert rep["script_user_ver"] == hashlib.md5(SCRIPT).hexdigest()
    assert lab.requests["/releases/cfg/CONFIG"] == 1
