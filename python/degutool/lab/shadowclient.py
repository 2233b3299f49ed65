# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""One way to reach a shadow from the operator's side: boto3's ``iot-data`` client, pointed at
AWS IoT Core's data endpoint or at the lab's shadow service (which speaks the same API)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from ..errors import ShadowError


class ShadowClient:
    """``get``/``update`` of a thing's classic shadow through boto3.

    :param endpoint_url: the data endpoint (``https://xxx-ats.iot.<region>.amazonaws.com``) or
        the lab's shadow service URL.
    :param lab: the endpoint is the lab's: use dummy credentials (it checks none).
    """

    def __init__(self, endpoint_url: str, lab: bool, region: str = "us-east-1") -> None:
        self.endpoint_url = endpoint_url
        creds: dict[str, str] = (
            {"aws_access_key_id": "lab", "aws_secret_access_key": "lab"} if lab else {}
        )
        self._client = boto3.client(
            "iot-data",
            endpoint_url=endpoint_url,
            region_name=region,
            config=botocore.config.Config(retries={"max_attempts": 2}, connect_timeout=5),
            **creds,
        )

    def _call(self, what: str, thing: str, **args: Any) -> dict[str, Any]:
        try:
            reply = getattr(self._client, what)(thingName=thing, **args)
        except botocore.exceptions.ClientError as e:
            err = e.response.get("Error", {})
            raise ShadowError(
                f"shadow of {thing!r} at {self.endpoint_url}: {err.get('Message') or err}"
            ) from None
        except botocore.exceptions.BotoCoreError as e:
            raise ShadowError(f"shadow service {self.endpoint_url} unreachable: {e}") from None
        return json.loads(reply["payload"].read())

    def get(self, thing: str) -> dict[str, Any] | None:
        """The shadow document, or None when the thing has none."""
        try:
            return self._call("get_thing_shadow", thing)
        except ShadowError as e:
            if "No shadow exists" in str(e):
                return None
            raise

    def update(self, thing: str, document: dict[str, Any]) -> dict[str, Any]:
        """Apply an update document; returns the accepted reply."""
        return self._call("update_thing_shadow", thing, payload=json.dumps(document).encode())

    def close(self) -> None:
        self._client.close()
