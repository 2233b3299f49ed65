/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * Logging of the POSIX port, shaped like Zephyr's LOG_ERR/LOG_WRN/LOG_INF/LOG_DBG: one line
 * on stderr per message, prefixed with the level and the module.  The level is process-wide
 * (ota_posix_set_log_level()) and read atomically, so threads may log while it changes.
 */

#ifndef DEGU_OTA_POSIX_LOG_H_
#define DEGU_OTA_POSIX_LOG_H_

#include <degu_ota/posix.h>

#if defined(__GNUC__)
#define POSIX_LOG_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#define POSIX_LOG_PRINTF(fmt_idx, arg_idx)
#endif

void posix_log(int level, const char *fmt, ...) POSIX_LOG_PRINTF(2, 3);

#define LOG_ERR(...) posix_log(OTA_POSIX_LOG_ERR, __VA_ARGS__)
#define LOG_WRN(...) posix_log(OTA_POSIX_LOG_WRN, __VA_ARGS__)
#define LOG_INF(...) posix_log(OTA_POSIX_LOG_INF, __VA_ARGS__)
#define LOG_DBG(...) posix_log(OTA_POSIX_LOG_DBG, __VA_ARGS__)

#endif /* DEGU_OTA_POSIX_LOG_H_ */
