# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
# The example user script: greets once a second and resets when an update is waiting.
import time

import degu
import machine

while True:
    print("Hello! I'm Alice.")
    if degu.check_update() == 1:
        machine.reset()
    time.sleep(1)
