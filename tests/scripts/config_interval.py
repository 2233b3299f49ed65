# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
# Reads name and interval from CONFIG (key=value lines) and greets at that pace.
import time

import degu
import machine


def read_config(path="CONFIG"):
    settings = {"name": "Degu", "interval": "10"}
    try:
        with open(path) as f:
            for line in f:
                key, sep, value = line.strip().partition("=")
                if sep:
                    settings[key] = value
    except OSError as exc:
        print("no CONFIG, defaults:", exc)
    return settings


config = read_config()
interval = int(config["interval"])
while True:
    print("Hello from", config["name"])
    if degu.check_update() == 1:
        machine.reset()
    time.sleep(interval)
