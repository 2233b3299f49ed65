/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * Host backend of ota_log.h: one line per message on stderr.  Not part of the portable core
 * (it is its own library, degu_ota_log_stderr).  The level comes from DEGU_OTA_LOG_LEVEL
 * (0 none .. 4 debug, default 2: errors and warnings) or ota_log_stderr_set_level().
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ota_log.h"
#include "ota_log_stderr.h"

static int log_level = -1;

static const char *const level_names[] = {"", "err", "wrn", "inf", "dbg"};

void ota_log_stderr_set_level(int level)
{
	log_level = level;
}

static int current_level(void)
{
	const char *env;

	if (log_level >= 0) {
		return log_level;
	}

	env = getenv("DEGU_OTA_LOG_LEVEL");
	log_level = (env != NULL && env[0] >= '0' && env[0] <= '4') ? env[0] - '0'
								   : OTA_LOG_LEVEL_WRN;
	return log_level;
}

void ota_log_write(int level, const char *module, const char *fmt, ...)
{
	va_list ap;

	if (level < OTA_LOG_LEVEL_ERR || level > OTA_LOG_LEVEL_DBG || level > current_level()) {
		return;
	}

	fprintf(stderr, "<%s> %s: ", level_names[level], module);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
