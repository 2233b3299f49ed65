# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
#
# The nRF52840 has peripherals that share an address (power, clock and bprot at 0x40000000;
# acl and the flash controller at 0x4001e000); dtc would warn about each of them.
list(APPEND EXTRA_DTC_FLAGS "-Wno-unique_unit_address_if_enabled")
