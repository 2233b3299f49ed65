# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The ctypes binding of libdegu_sim.so: finding it, and its calls against a real gateway."""

from __future__ import annotations

import errno
import hashlib
import json
import socket

import pytest
from degutool.errors import SimError
from degutool.sim import binding

from .e2e_lab import Lab

EUI = "00124b00000b1d01"


def test_named_library_must_exist(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(binding.ENV_LIB, str(tmp_path / "nope.so"))
    with pytest.raises(SimError, match=r"DEGU_SIM_LIB=.*nope.so: no such file"):
        binding.library_path()


def test_missing_build_says_how_to_make_it(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(binding.ENV_LIB, raising=False)
    monkeypatch.setattr(binding, "_REPO", tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SimError, match="run the host build first") as info:
        binding.library_path()
    assert "cmake --build build" in str(info.value)


def test_core_calls_reach_the_shadow(tmp_path) -> None:
    with Lab(tmp_path) as lab:
        with binding.Device(tmp_path / "dev", EUI, "127.0.0.1", lab.server.port, 200) as dev:
            dev.update_shadow(json.dumps({"state": {"reported": {"temp": 21.5}}}))
            assert lab.reported(EUI) == {"temp": 21.5}
            assert dev.check_update() == 0
            lab.set_desired(
                EUI,
                {"script_user": lab.url("m.py"), "script_user_ver": hashlib.md5(b"x").hexdigest()},
            )
            assert dev.check_update() == 1
            doc = json.loads(dev.get_shadow())
    assert doc["state"]["reported"] == {"temp": 21.5}
    assert doc["state"]["desired"]["script_user"] == lab.url("m.py")
    # check_update wrote nothing to the volume.
    assert sorted(p.name for p in (tmp_path / "dev" / "fat").iterdir()) == []


def test_unreachable_gateway_raises_oserror(tmp_path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with binding.Device(tmp_path / "dev", EUI, "127.0.0.1", port, 50) as dev:
        with pytest.raises(OSError) as info:
            dev.check_update()
    assert info.value.errno in (errno.ECONNREFUSED, errno.ETIMEDOUT)
    assert "check_update failed" in str(info.value)


def test_library_refuses_a_bad_eui(tmp_path) -> None:
    with pytest.raises(SimError, match="the library refused to create it"):
        binding.Device(tmp_path / "dev", "xyz", "127.0.0.1", 5683)
