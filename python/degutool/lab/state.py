# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The lab state file: where a running lab's servers listen, for `publish` and `status`.

``<lab folder>/lab.json``, written atomically by `degutool lab up` and removed when it stops.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import InputError

DEFAULT_FOLDER = Path("out/lab")
STATE_FILE = "lab.json"


@dataclass(frozen=True)
class LabState:
    """Addresses and folders of a running lab."""

    #: The shadow service's HTTP API (AWS IoT data plane shape).
    shadow_url: str
    #: The file server's root URL (ends in ``/``) and the folder it serves.
    files_url: str
    files_root: str
    #: The gateway's CoAP address.
    coap_host: str
    coap_port: int
    #: The MQTT broker answering the shadow topics ("" and 0 when the lab runs without one).
    mqtt_host: str
    mqtt_port: int
    pid: int

    def write(self, folder: Path) -> Path:
        """Write ``folder/lab.json`` (temporary name, then rename)."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / STATE_FILE
        tmp = path.with_name(f".{STATE_FILE}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        tmp.replace(path)
        return path

    @classmethod
    def read(cls, folder: Path) -> LabState:
        """The state of the lab in ``folder``.

        :raises InputError: no lab there (not started, or stopped) or a damaged file.
        """
        path = folder / STATE_FILE
        try:
            doc = json.loads(path.read_text())
            return cls(**doc)
        except FileNotFoundError:
            raise InputError(
                f"no lab running in {folder} ({path} missing): start one with "
                f"`degutool lab up --lab {folder}` or give --lab"
            ) from None
        except (ValueError, TypeError) as e:
            raise InputError(f"{path} is damaged ({e}): restart the lab") from None
