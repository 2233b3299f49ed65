# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""Typed exceptions of the library; the CLI turns each into one stderr line and an exit code."""


class DeguError(Exception):
    """Base of every error the library raises on bad input or a failed step."""

    exit_code = 1


class InputError(DeguError):
    """An input file, value or option is missing, malformed or out of range."""

    exit_code = 2


class ImageError(DeguError):
    """An MCUboot image is malformed, does not verify, or does not fit."""


class LayoutError(DeguError):
    """Something does not fit the flash layout (slot, volume, part size, overlap)."""


class ProbeError(DeguError):
    """A debug probe is missing, ambiguous, or a flashing step failed."""


class ShadowError(DeguError):
    """The shadow service refused or failed a request."""


class SimError(DeguError):
    """The simulated device cannot run: library missing, folder not provisioned, no image."""
