# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
#
# pyOCD is the default runner (`west flash`): any CMSIS-DAP probe works with it and the
# toolchain's own flashing (degutool flash) uses it too.  `west flash -r nrfjprog` and
# `west flash -r jlink` are the alternatives for Nordic and SEGGER probes.

board_runner_args(pyocd "--target=nrf52840" "--frequency=4000000")
board_runner_args(jlink "--device=nRF52840_xxAA" "--speed=4000")

include(${ZEPHYR_BASE}/boards/common/pyocd.board.cmake)
include(${ZEPHYR_BASE}/boards/common/nrfjprog.board.cmake)
include(${ZEPHYR_BASE}/boards/common/jlink.board.cmake)
