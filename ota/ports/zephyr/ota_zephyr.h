/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief The OTA core's Zephyr port: FAT files through fs_*, slots through flash_area, swap and
 * confirm through dfu/mcuboot, the state record in settings, the gateway over CoAP/UDP
 * sockets at the Thread mesh-local prefix's ::1.
 */

#ifndef DEGU_OTA_ZEPHYR_H_
#define DEGU_OTA_ZEPHYR_H_

#include <zephyr/kernel.h>

#include <degu_ota/port.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Fill @p port with the Zephyr operations.
 *
 * @param port filled in; must outlive every use of the core.
 * @param mount mount point of the mounted FAT volume ("/NAND:"), kept by reference.
 *
 * @retval 0 the port is ready (the settings subsystem is initialised).
 * @retval -ENAMETOOLONG @p mount leaves no room for a file name.
 * @retval -EXXX settings_subsys_init() failed.
 */
int ota_zephyr_port_init(struct ota_port *port, const char *mount);

/**
 * The factory-assigned IEEE EUI-64 of the radio as 16 lowercase hex digits and a NUL.
 *
 * @retval 0 @p out holds the EUI-64.
 * @retval -ENODEV OpenThread has no instance.
 */
int ota_zephyr_eui64(char out[17]);

/**
 * Start Thread with the operational dataset stored in settings (the "thread" partition).
 *
 * @retval 0 Thread is enabled and attaching.
 * @retval -ENOENT no dataset was ever stored: the device has no network credentials.
 * @retval -ENODEV OpenThread has no instance.
 * @retval -EIO OpenThread refused to start.
 */
int ota_zephyr_thread_start(void);

/**
 * Wait until the device is attached to its Thread network (child, router or leader).
 *
 * @retval 0 attached.
 * @retval -ENODEV OpenThread has no instance.
 * @retval -ETIMEDOUT not attached within @p timeout.
 */
int ota_zephyr_wait_attached(k_timeout_t timeout);

#ifdef __cplusplus
}
#endif

#endif /* DEGU_OTA_ZEPHYR_H_ */
