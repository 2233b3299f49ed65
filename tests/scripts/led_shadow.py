# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
# Mirrors desired.led ("ON"/"OFF") of the shadow on LED1, which is wired active low.
import time

import degu
import ujson
from machine import Pin, Signal

led = Signal(Pin(("GPIO_1", 7), Pin.OUT), invert=True)
state = "OFF"
led.off()

while True:
    degu.update_shadow(ujson.dumps({"state": {"reported": {"led": state}}}))
    try:
        desired = ujson.loads(degu.get_shadow())["state"]["desired"]
        state = desired.get("led", state)
    except (KeyError, ValueError, OSError) as exc:
        print("shadow not usable:", exc)
    if state == "ON":
        led.on()
    else:
        led.off()
    time.sleep(1)
