# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
# Counts up on the console and restarts as soon as the gateway holds a newer item.
import time

import degu
import machine

count = 0
while True:
    count += 1
    print("tick", count)
    if degu.check_update():
        print("An update is waiting: restarting to install it")
        machine.reset()
    time.sleep(5)
