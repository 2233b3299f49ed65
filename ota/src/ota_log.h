/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * Logging of the core without an OS header.  Each .c file names its module once with
 * OTA_LOG_MODULE_REGISTER(name).  A port selects the backend: the Zephyr build defines
 * OTA_LOG_BACKEND_HEADER to a header mapping these macros onto LOG_MODULE_REGISTER/LOG_*;
 * without it they call ota_log_write(), which a host backend (log_stderr.c) provides.
 */

#ifndef DEGU_OTA_LOG_H_
#define DEGU_OTA_LOG_H_

#ifdef OTA_LOG_BACKEND_HEADER
#include OTA_LOG_BACKEND_HEADER
#else

#define OTA_LOG_LEVEL_NONE 0
#define OTA_LOG_LEVEL_ERR  1
#define OTA_LOG_LEVEL_WRN  2
#define OTA_LOG_LEVEL_INF  3
#define OTA_LOG_LEVEL_DBG  4

/* Levels above this one are not compiled in at all. */
#ifndef CONFIG_DEGU_OTA_LOG_LEVEL
#define CONFIG_DEGU_OTA_LOG_LEVEL OTA_LOG_LEVEL_DBG
#endif

#if defined(__GNUC__)
#define OTA_LOG_FORMAT __attribute__((format(printf, 3, 4)))
#define OTA_LOG_UNUSED __attribute__((unused))
#else
#define OTA_LOG_FORMAT
#define OTA_LOG_UNUSED
#endif

/* The backend: writes one line for module at level (gated by the backend too). */
void ota_log_write(int level, const char *module, const char *fmt, ...) OTA_LOG_FORMAT;

#define OTA_LOG_MODULE_REGISTER(name) static const char ota_log_module[] OTA_LOG_UNUSED = #name

#define OTA_LOG_AT(level, ...)                                                                   \
	do {                                                                                     \
		if ((level) <= CONFIG_DEGU_OTA_LOG_LEVEL) {                                      \
			ota_log_write((level), ota_log_module, __VA_ARGS__);                     \
		}                                                                                \
	} while (0)

#define OTA_LOG_ERR(...) OTA_LOG_AT(OTA_LOG_LEVEL_ERR, __VA_ARGS__)
#define OTA_LOG_WRN(...) OTA_LOG_AT(OTA_LOG_LEVEL_WRN, __VA_ARGS__)
#define OTA_LOG_INF(...) OTA_LOG_AT(OTA_LOG_LEVEL_INF, __VA_ARGS__)
#define OTA_LOG_DBG(...) OTA_LOG_AT(OTA_LOG_LEVEL_DBG, __VA_ARGS__)

#endif /* OTA_LOG_BACKEND_HEADER */

#endif /* DEGU_OTA_LOG_H_ */
