/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The core's state record as one settings entry.  The settings backend is NVS on the "thread"
 * partition (the board's zephyr,settings-partition), shared with OpenThread's dataset.  NVS
 * writes an entry's data before its allocation entry, so a power cut during a save leaves
 * the previous value as the one found: the atomic save the port interface asks for.
 */

#include <errno.h>
#include <string.h>

#include <zephyr/logging/log.h>
#include <zephyr/settings/settings.h>
#include <zephyr/sys/util.h>

#include "port_priv.h"

LOG_MODULE_DECLARE(ota_zephyr, CONFIG_DEGU_OTA_LOG_LEVEL);

#define STATE_KEY "degu/ota"

struct state_read {
	void *buf;
	size_t len;
	/* Length of the value found, or a negative errno. */
	int found;
};

static int state_read_cb(const char *key, size_t len, settings_read_cb read_cb, void *cb_arg,
			 void *param)
{
	struct state_read *rd = param;
	ssize_t n;

	/* Only the entry itself, not something stored under it ("degu/ota/..."). */
	if (key != NULL && key[0] != '\0') {
		return 0;
	}

	n = read_cb(cb_arg, rd->buf, MIN(len, rd->len));
	if (n < 0) {
		rd->found = (int)n;
		return 0;
	}

	/*
	 * A record longer than the buffer is reported with its real length: the core then
	 * sees a size that is not its own and starts afresh.
	 */
	rd->found = (int)len;

	return 0;
}

int ota_zephyr_state_init(void)
{
	return settings_subsys_init();
}

int ota_zephyr_state_load(void *ctx, void *buf, size_t len)
{
	struct state_read rd = {
		.buf = buf,
		.len = len,
		.found = -ENOENT,
	};
	int ret;

	ARG_UNUSED(ctx);

	ret = settings_load_subtree_direct(STATE_KEY, state_read_cb, &rd);
	if (ret < 0) {
		return ret;
	}

	/* A deleted entry reads back as zero bytes. */
	if (rd.found == 0) {
		return -ENOENT;
	}

	return rd.found;
}

int ota_zephyr_state_save(void *ctx, const void *buf, size_t len)
{
	ARG_UNUSED(ctx);

	return settings_save_one(STATE_KEY, buf, len);
}
