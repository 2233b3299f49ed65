/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

#ifndef DEGU_OTA_LOG_STDERR_H_
#define DEGU_OTA_LOG_STDERR_H_

/* Host log level: 0 none, 1 errors, 2 + warnings, 3 + milestones, 4 + traffic. */
void ota_log_stderr_set_level(int level);

#endif /* DEGU_OTA_LOG_STDERR_H_ */
