# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
# Blinks LED2 until SW2 is held for two seconds, then reports and powers the unit down.
import time

import degu
import machine
import ujson

button = machine.Pin(("GPIO_1", 0), machine.Pin.IN, machine.Pin.PULL_UP)
led = machine.Pin(("GPIO_1", 5), machine.Pin.OUT, value=1)
held_since = None

while True:
    led.value(not led.value())
    if button.value() == 0:
        if held_since is None:
            held_since = time.ticks_ms()
        elif time.ticks_diff(time.ticks_ms(), held_since) > 2000:
            degu.update_shadow(ujson.dumps({"state": {"reported": {"power": "down"}}}))
            led.on()
            degu.powerdown()
    else:
        held_since = None
    time.sleep_ms(250)
