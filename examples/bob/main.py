# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
# The walkthrough's update: the same loop as examples/main.py, greeting as Bob.
import time

import degu
import machine

while True:
    print("Hello! I'm Bob.")
    if degu.check_update() == 1:
        machine.reset()
    time.sleep(1)
