# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
