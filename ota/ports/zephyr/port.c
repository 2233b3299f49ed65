/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* struct ota_port on Zephyr: the parts of port_*.c, time and reset. */

#include <errno.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/logging/log_ctrl.h>
#include <zephyr/sys/reboot.h>

#include "ota_zephyr.h"
#include "port_priv.h"

LOG_MODULE_REGISTER(ota_zephyr, CONFIG_DEGU_OTA_LOG_LEVEL);

/* Room the mount point must leave for "/" and an 8.3 name in port_files.c. */
#define MOUNT_MAX 18

static struct ota_zephyr zephyr_ctx;

static uint32_t uptime_ms(void *ctx)
{
	ARG_UNUSED(ctx);

	return k_uptime_get_32();
}

static void sleep_ms(void *ctx, uint32_t ms)
{
	ARG_UNUSED(ctx);

	k_msleep((int32_t)ms);
}

static int reboot(void *ctx)
{
	ARG_UNUSED(ctx);

	/* Let the log drain its last lines before the reset. */
	LOG_PANIC();
	sys_reboot(SYS_REBOOT_COLD);

	return -ENOTSUP;
}

int ota_zephyr_port_init(struct ota_port *port, const char *mount)
{
	int ret;

	if (strlen(mount) > MOUNT_MAX) {
		return -ENAMETOOLONG;
	}

	ret = ota_zephyr_state_init();
	if (ret < 0) {
		return ret;
	}

	zephyr_ctx.mount = mount;

	*port = (struct ota_port){
		.ctx = &zephyr_ctx,
		.file_open = ota_zephyr_file_open,
		.file_read = ota_zephyr_file_read,
		.file_write = ota_zephyr_file_write,
		.file_close = ota_zephyr_file_close,
		.file_rename = ota_zephyr_file_rename,
		.file_remove = ota_zephyr_file_remove,
		.file_stat = ota_zephyr_file_stat,
		.slot_size = ota_zephyr_slot_size,
		.slot_erase_size = ota_zephyr_slot_erase_size,
		.slot_write_block = ota_zephyr_slot_write_block,
		.slot_erase = ota_zephyr_slot_erase,
		.slot_write = ota_zephyr_slot_write,
		.slot_read = ota_zephyr_slot_read,
		.gateway_request = ota_zephyr_gateway_request,
		.boot_request_test = ota_zephyr_boot_request_test,
		.boot_confirm = ota_zephyr_boot_confirm,
		.boot_is_on_trial = ota_zephyr_boot_is_on_trial,
		.state_load = ota_zephyr_state_load,
		.state_save = ota_zephyr_state_save,
		.uptime_ms = uptime_ms,
		.sleep_ms = sleep_ms,
		.reboot = reboot,
	};

	return 0;
}
