# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
# Reports the battery voltage to the shadow, then sleeps; AIN1 sits behind a 68k/100k divider.
import degu
import ujson
from machine import ADC

FULL_SCALE = 4096  # 12-bit samples
REFERENCE = 0.6  # volts, the SAADC's internal reference
DIVIDER = (68 + 100) / 100


def battery_volts():
    ain = ADC(1)
    ain.gain(ain.GAIN_1_6)
    return ain.read() / FULL_SCALE * REFERENCE * 6 * DIVIDER


while True:
    doc = {"state": {"reported": {"battery": round(battery_volts(), 3)}}}
    text = ujson.dumps(doc)
    print(text)
    degu.update_shadow(text)
    degu.suspend(30)
