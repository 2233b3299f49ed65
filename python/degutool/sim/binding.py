# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""ctypes binding of ``libdegu_sim.so``: the OTA/shadow C core with its POSIX port.

The library is built by the host CMake build (``make setup``, or ``cmake -S . -B build &&
cmake --build build``) into ``build/ota/sim/``.  ``DEGU_SIM_LIB`` names another file.

One :class:`Device` is one library handle, that is one simulated Degu between two resets:
the boot loop makes a new one after every reset, as RAM does not survive one on the chip.
A handle is used by one thread at a time.
"""

from __future__ import annotations

import ctypes
import enum
import errno
import os
import threading
from pathlib import Path

from ..errors import SimError

ENV_LIB = "DEGU_SIM_LIB"
LIB_NAME = "libdegu_sim.so"
_REPO = Path(__file__).resolve().parents[3]
#: DEGU_SIM_API_VERSION of ota/sim/degu_sim.h this binding is written for.
API_VERSION = 1
#: Largest shadow document get_shadow() returns (the gateway's Block2 limit is larger).
SHADOW_BUF = 16384


class BootAction(enum.IntEnum):
    """``enum ota_boot_action``."""

    RUN = 0
    REBOOT = 1


def library_path() -> Path:
    """Where the library is: ``$DEGU_SIM_LIB``, else the repository's ``build/ota/sim/``."""
    env = os.environ.get(ENV_LIB)
    if env:
        path = Path(env)
        if not path.is_file():
            raise SimError(f"{ENV_LIB}={env}: no such file; unset it or point it at {LIB_NAME}")
        return path
    for base in (_REPO, Path.cwd()):
        path = base / "build" / "ota" / "sim" / LIB_NAME
        if path.is_file():
            return path
    raise SimError(
        f"{LIB_NAME} not found in {_REPO / 'build/ota/sim'}: run the host build first "
        f"(`make setup`, or `cmake -S . -B build -G Ninja && cmake --build build`), "
        f"or set {ENV_LIB}"
    )


_lib: ctypes.CDLL | None = None
_lib_lock = threading.Lock()


def load() -> ctypes.CDLL:
    """Load the library once per process and declare its functions."""
    global _lib
    with _lib_lock:
        if _lib is not None:
            return _lib
        path = library_path()
        try:
            lib = ctypes.CDLL(str(path))
        except OSError as e:
            raise SimError(f"{path}: cannot load ({e}); rebuild it with `make setup`") from e
        vp = ctypes.c_void_p
        lib.degu_sim_api_version.argtypes = []
        lib.degu_sim_api_version.restype = ctypes.c_int
        version = lib.degu_sim_api_version()
        if version != API_VERSION:
            raise SimError(
                f"{path} speaks API version {version}, this degutool version {API_VERSION}: "
                "rebuild the library (`make setup`)"
            )
        lib.degu_sim_create.argtypes = [
            ctypes.c_char_p,  # folder
            ctypes.c_char_p,  # EUI-64, 16 hex digits
            ctypes.c_char_p,  # gateway host
            ctypes.c_uint,  # gateway port
            ctypes.c_uint,  # ACK timeout, ms
            ctypes.c_uint,  # max download attempts per desired digest
            ctypes.POINTER(vp),
        ]
        lib.degu_sim_create.restype = ctypes.c_int
        lib.degu_sim_boot.argtypes = [vp]
        lib.degu_sim_boot.restype = ctypes.c_int
        lib.degu_sim_check_update.argtypes = [vp]
        lib.degu_sim_check_update.restype = ctypes.c_int
        lib.degu_sim_update_shadow.argtypes = [vp, ctypes.c_char_p, ctypes.c_size_t]
        lib.degu_sim_update_shadow.restype = ctypes.c_int
        lib.degu_sim_get_shadow.argtypes = [vp, ctypes.c_char_p, ctypes.c_size_t]
        lib.degu_sim_get_shadow.restype = ctypes.c_int
        lib.degu_sim_destroy.argtypes = [vp]
        lib.degu_sim_destroy.restype = None
        lib.degu_sim_set_log_level.argtypes = [ctypes.c_int]
        lib.degu_sim_set_log_level.restype = None
        _lib = lib
        return lib


def set_log_level(level: int) -> None:
    """The library's stderr log level for all handles: 0 none .. 4 debug (Zephyr's numbers)."""
    load().degu_sim_set_log_level(level)


def _oserror(rc: int, what: str) -> OSError:
    code = -rc
    name = errno.errorcode.get(code, str(code))
    return OSError(code, f"{what} failed: {name} ({os.strerror(code)})")


class Device:
    """One library handle: the C core of one simulated Degu for one boot."""

    def __init__(
        self,
        folder: Path,
        eui64: str,
        gateway_host: str,
        gateway_port: int,
        ack_timeout_ms: int = 0,
        max_attempts: int = 0,
    ) -> None:
        self._lib = load()
        handle = ctypes.c_void_p()
        rc = self._lib.degu_sim_create(
            str(folder).encode(),
            eui64.encode(),
            gateway_host.encode(),
            gateway_port,
            ack_timeout_ms,
            max_attempts,
            ctypes.byref(handle),
        )
        if rc < 0:
            raise SimError(
                f"device {eui64} in {folder}: the library refused to create it "
                f"({errno.errorcode.get(-rc, rc)}); check the folder, EUI-64 and gateway"
            )
        self._handle: ctypes.c_void_p | None = handle

    def _h(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise SimError("device handle used after close()")
        return self._handle

    def boot(self) -> tuple[int, BootAction]:
        """``ota_boot()``: its return code and the action (RUN when it failed)."""
        rc = self._lib.degu_sim_boot(self._h())
        if rc < 0:
            return rc, BootAction.RUN
        return 0, BootAction(rc)

    def check_update(self) -> int:
        """``ota_check_update()``; raises OSError when the gateway cannot be asked."""
        rc = self._lib.degu_sim_check_update(self._h())
        if rc < 0:
            raise _oserror(rc, "check_update")
        return rc

    def update_shadow(self, document: str) -> None:
        """``ota_update_shadow()``; raises OSError on failure."""
        data = document.encode()
        rc = self._lib.degu_sim_update_shadow(self._h(), data, len(data))
        if rc < 0:
            raise _oserror(rc, "update_shadow")

    def get_shadow(self) -> str:
        """``ota_get_shadow()``; raises OSError on failure."""
        buf = ctypes.create_string_buffer(SHADOW_BUF)
        rc = self._lib.degu_sim_get_shadow(self._h(), buf, SHADOW_BUF)
        if rc < 0:
            raise _oserror(rc, "get_shadow")
        return buf.raw[:rc].decode()

    def close(self) -> None:
        """Release the handle (the files stay)."""
        if self._handle is not None:
            self._lib.degu_sim_destroy(self._handle)
            self._handle = None

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
