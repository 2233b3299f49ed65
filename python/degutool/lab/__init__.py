# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The local OTA lab: broker, file server, lab state, and `lab up`."""
