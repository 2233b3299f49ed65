# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
# Reads temperature and humidity from an SHT31 on the Grove I2C bus and reports them.
import time

import degu
import machine
import ujson
import ustruct

SHT31 = 0x44
bus = machine.I2C(1)
print("devices on I2C(1):", [hex(a) for a in bus.scan()])


def measure():
    bus.writeto(SHT31, b"\x24\x00")  # single shot, high repeatability
    time.sleep_ms(20)
    raw = bus.readfrom(SHT31, 6)
    t_raw, _, h_raw, _ = ustruct.unpack(">HBHB", raw)
    return -45 + 175 * t_raw / 65535, 100 * h_raw / 65535


def status():
    bus.writeto(SHT31, 0xF3)  # the original firmware also accepts a single byte as an int
    return bus.readfrom(SHT31, 2)


reg = bus.readfrom_mem(SHT31, 0xF3, 2)
bus.writeto_mem(SHT31, 0x30, b"\xa2")
start = time.ticks_ms()
while True:
    temp, hum = measure()
    doc = {"state": {"reported": {"temp": round(temp, 2), "hum": round(hum, 1)}}}
    degu.update_shadow(ujson.dumps(doc))
    print(status(), time.ticks_diff(time.ticks_ms(), start))
    time.sleep(60)
