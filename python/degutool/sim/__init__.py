# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The simulated Degu: the C OTA core on this host, MCUboot over slot files, main.py under
Python (docs/sim.md)."""
