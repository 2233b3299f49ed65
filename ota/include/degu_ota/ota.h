/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief The device half of a Degu update (DESIGN.md, "Device behaviour").
 *
 * One struct ota per device, owned by the caller (static on the target).  Nothing in the
 * core allocates memory in proportion to a file's size.
 */

#ifndef DEGU_OTA_OTA_H_
#define DEGU_OTA_OTA_H_

#include <stddef.h>

#include "port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The three updatable items, in the order the shadow keys list them. */
enum ota_item {
	OTA_ITEM_SCRIPT = 0, /**< script_user, file main.py */
	OTA_ITEM_CONFIG,     /**< config_user, file CONFIG */
	OTA_ITEM_FIRMWARE,   /**< firmware_system, slot 1 */
	OTA_ITEM_COUNT,
};

/** What the caller does after ota_boot(). */
enum ota_boot_action {
	/** Nothing was installed: run main.py (or the REPL when there is none). */
	OTA_BOOT_RUN,
	/** Something was installed or a swap was requested: reset now. */
	OTA_BOOT_REBOOT,
};

struct ota_config {
	const struct ota_port *port;
	/** The device's EUI-64 as 16 lowercase hex digits; ends every gateway path. */
	const char *eui64;
	/** Download attempts per desired digest before an item is held back (0: default 3). */
	unsigned int max_attempts;
};

/* struct ota is defined in ota_types.h so that callers can allocate it. */
#include "ota_types.h"

/**
 * Prepare the context and finish or roll back a file replacement that a power cut
 * interrupted.
 */
int ota_init(struct ota *ota, const struct ota_config *cfg);

/**
 * The boot-time update check: confirm a trial image, report, read desired, fetch and install
 * what differs.  Failures of single items are reported in the shadow and are not an error.
 *
 * @retval 0 @p action says what to do next.
 * @retval -EXXX the gateway could not be reached at all; run main.py.
 */
int ota_boot(struct ota *ota, enum ota_boot_action *action);

/**
 * Ask the gateway for desired again.  Writes nothing.
 *
 * @retval 1 an item differs from what is installed and is not held back.
 * @retval 0 nothing to do (also when the gateway knows no desired state: 4.04).
 * @retval -EXXX the gateway could not be asked.
 */
int ota_check_update(struct ota *ota);

/** POST a shadow update document (`{"state":{"reported":{...}}}`) for this device. */
int ota_update_shadow(struct ota *ota, const char *json, size_t len);

/**
 * GET this device's shadow document into @p buf (NUL-terminated).
 * @return its length, or -EXXX.
 */
int ota_get_shadow(struct ota *ota, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DEGU_OTA_OTA_H_ */
