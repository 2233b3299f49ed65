# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""`python -m degutool`: the same as the `degutool` command."""

from .cli import main

main()
