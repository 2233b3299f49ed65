# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Toolchain and local OTA lab for the Degu sensor unit."""

__version__ = "0.1.0"
