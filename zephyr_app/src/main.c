/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The boot flow of DESIGN.md: mount the FAT volume, bring the OTA core up, wait for the
 * Thread network, run the update check once, then reboot into what it installed, or enable
 * USB and run main.py (the REPL when there is none).
 */

#include <errno.h>

#include <ff.h>
#include <zephyr/fs/fs.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/logging/log_ctrl.h>
#include <zephyr/sys/reboot.h>
#include <zephyr/usb/usb_device.h>

#include <degu_ota/ota.h>
#include <ota_zephyr.h>

#ifdef CONFIG_DEGU_MICROPYTHON
#include <mp_port.h>
#endif

#include "degu_app.h"

LOG_MODULE_REGISTER(degu_app, CONFIG_DEGU_APP_LOG_LEVEL);

#define SCRIPT_PATH CONFIG_DEGU_APP_FS_MOUNT "/main.py"

static FATFS fat;
static struct fs_mount_t fat_mount = {
	.type = FS_FATFS,
	.mnt_point = CONFIG_DEGU_APP_FS_MOUNT,
	.fs_data = &fat,
};

static struct ota_port ota_port;
static struct ota ota;
static bool ota_ready;
static char eui64[17];

struct ota *degu_app_ota(void)
{
	return ota_ready ? &ota : NULL;
}

static int ota_start(void)
{
	struct ota_config cfg = {
		.port = &ota_port,
		.eui64 = eui64,
		.max_attempts = CONFIG_DEGU_OTA_MAX_ATTEMPTS,
	};
	int ret;

	ret = ota_zephyr_eui64(eui64);
	if (ret < 0) {
		return ret;
	}

	ret = ota_zephyr_port_init(&ota_port, CONFIG_DEGU_APP_FS_MOUNT);
	if (ret < 0) {
		return ret;
	}

	ret = ota_init(&ota, &cfg);
	if (ret < 0) {
		return ret;
	}

	ota_ready = true;
	LOG_INF("Device %s", eui64);

	return 0;
}

/* @return true when the device is to reset into what the check installed. */
static bool update_check(void)
{
	enum ota_boot_action action = OTA_BOOT_RUN;
	int ret;

	ret = ota_zephyr_thread_start();
	if (ret == -ENOENT) {
		/* TODO: no provisioning path yet; the dataset must be written to "thread". */
		LOG_WRN("No Thread credentials stored; no update check this boot");
		return false;
	}
	if (ret < 0) {
		LOG_ERR("Could not start Thread, no update check (%d)", ret);
		return false;
	}

	ret = ota_zephyr_wait_attached(K_SECONDS(CONFIG_DEGU_OTA_ATTACH_TIMEOUT_S));
	if (ret < 0) {
		LOG_WRN("Not attached to a Thread network (%d); no update check this boot", ret);
		return false;
	}

	ret = ota_boot(&ota, &action);
	if (ret < 0) {
		LOG_WRN("Update check could not reach the gateway (%d)", ret);
		return false;
	}

	return action == OTA_BOOT_REBOOT;
}

static void app_run(void)
{
#ifdef CONFIG_DEGU_MICROPYTHON
	int ret = mp_port_run(SCRIPT_PATH);

	LOG_INF("MicroPython ended (%d)", ret);
#else
	LOG_WRN("Built without CONFIG_DEGU_MICROPYTHON: %s is not run", SCRIPT_PATH);
#endif
}

void main(void)
{
	int ret;

	ret = degu_app_power_init();
	if (ret < 0) {
		LOG_ERR("Could not take the sensor power switches (%d)", ret);
	}

	/*
	 * The volume comes with the factory image; a device never formats it.  Without it the
	 * update check still runs: the files then read as missing and fail to install (and are
	 * reported so), while a firmware update can still come in.
	 */
	ret = fs_mount(&fat_mount);
	if (ret < 0) {
		LOG_ERR("Could not mount the FAT volume at %s (%d)", fat_mount.mnt_point, ret);
	}

	ret = ota_start();
	if (ret < 0) {
		LOG_ERR("Could not start the OTA core, no update check (%d)", ret);
	} else if (update_check()) {
		LOG_INF("Rebooting into the update");
		LOG_PANIC();
		sys_reboot(SYS_REBOOT_COLD);
	}

	/*
	 * USB (CDC ACM console and the FAT volume as mass storage) only now: a host PC must not
	 * write FAT sectors behind the file system while the update check replaces main.py or
	 * CONFIG.  TODO: log lines before this point are lost, not deferred: the log thread
	 * drains the deferred buffer into CDC ACM, which drops bytes until the host configures
	 * it; keeping them needs the log thread held until here (prj.conf and a log thread of
	 * the app), which is not this change's.
	 */
	ret = usb_enable(NULL);
	if (ret < 0) {
		LOG_ERR("Could not enable USB, no console (%d)", ret);
	}

	app_run();
}
