/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* MCUboot's slots through flash_area, swap and confirm through dfu/mcuboot. */

#include <errno.h>

#include <zephyr/devicetree.h>
#include <zephyr/dfu/mcuboot.h>
#include <zephyr/logging/log.h>
#include <zephyr/storage/flash_map.h>

#include "port_priv.h"

LOG_MODULE_DECLARE(ota_zephyr, CONFIG_DEGU_OTA_LOG_LEVEL);

/*
 * The slots by their devicetree node labels: the partition "label" property that
 * FLASH_AREA_ID() reads is gone from current Zephyr, DT_FIXED_PARTITION_ID() is not.
 */
#define SLOT0_ID DT_FIXED_PARTITION_ID(DT_NODELABEL(slot0_partition))
#define SLOT1_ID DT_FIXED_PARTITION_ID(DT_NODELABEL(slot1_partition))

static int slot_area_id(enum ota_slot slot)
{
	switch (slot) {
	case OTA_SLOT_RUNNING:
		return SLOT0_ID;
	case OTA_SLOT_DOWNLOAD:
		return SLOT1_ID;
	default:
		return -EINVAL;
	}
}

static int slot_open(enum ota_slot slot, const struct flash_area **fa)
{
	int id = slot_area_id(slot);

	if (id < 0) {
		return id;
	}

	return flash_area_open((uint8_t)id, fa);
}

int ota_zephyr_slot_size(void *ctx, enum ota_slot slot, size_t *size)
{
	const struct flash_area *fa;
	int ret;

	ARG_UNUSED(ctx);

	ret = slot_open(slot, &fa);
	if (ret < 0) {
		return ret;
	}

	*size = fa->fa_size;
	flash_area_close(fa);

	return 0;
}

size_t ota_zephyr_slot_erase_size(void *ctx)
{
	struct flash_sector sector;
	uint32_t count = 1;
	int ret;

	ARG_UNUSED(ctx);

	/* -ENOMEM only says that the slot has more sectors than the one asked for. */
	ret = flash_area_get_sectors(SLOT1_ID, &count, &sector);
	if (ret < 0 && ret != -ENOMEM) {
		LOG_ERR("Could not read the sector size of slot 1 (%d)", ret);
		return 0;
	}

	return sector.fs_size;
}

size_t ota_zephyr_slot_write_block(void *ctx)
{
	const struct flash_area *fa;
	size_t align;

	ARG_UNUSED(ctx);

	if (slot_open(OTA_SLOT_DOWNLOAD, &fa) < 0) {
		return 0;
	}

	align = flash_area_align(fa);
	flash_area_close(fa);

	return align;
}

int ota_zephyr_slot_erase(void *ctx, enum ota_slot slot, size_t off, size_t len)
{
	const struct flash_area *fa;
	int ret;

	ARG_UNUSED(ctx);

	ret = slot_open(slot, &fa);
	if (ret < 0) {
		return ret;
	}

	ret = flash_area_erase(fa, (off_t)off, len);
	flash_area_close(fa);

	return ret;
}

int ota_zephyr_slot_write(void *ctx, enum ota_slot slot, size_t off, const void *buf,
			  size_t len)
{
	const struct flash_area *fa;
	int ret;

	ARG_UNUSED(ctx);

	ret = slot_open(slot, &fa);
	if (ret < 0) {
		return ret;
	}

	ret = flash_area_write(fa, (off_t)off, buf, len);
	flash_area_close(fa);

	return ret;
}

int ota_zephyr_slot_read(void *ctx, enum ota_slot slot, size_t off, void *buf, size_t len)
{
	const struct flash_area *fa;
	int ret;

	ARG_UNUSED(ctx);

	ret = slot_open(slot, &fa);
	if (ret < 0) {
		return ret;
	}

	ret = flash_area_read(fa, (off_t)off, buf, len);
	flash_area_close(fa);

	return ret;
}

int ota_zephyr_boot_request_test(void *ctx)
{
	ARG_UNUSED(ctx);

	return boot_request_upgrade(BOOT_UPGRADE_TEST);
}

int ota_zephyr_boot_confirm(void *ctx)
{
	ARG_UNUSED(ctx);

	return boot_write_img_confirmed();
}

int ota_zephyr_boot_is_on_trial(void *ctx, bool *trial)
{
	int swap;

	ARG_UNUSED(ctx);

	/*
	 * After a test swap the primary trailer has its magic and copy-done set but not
	 * image-ok, which MCUboot reads as "revert on the next reset".  An image flashed in the
	 * factory has an erased trailer (swap type none) and is not on trial.
	 */
	swap = mcuboot_swap_type();
	if (swap < 0) {
		return swap;
	}

	*trial = swap == BOOT_SWAP_TYPE_REVERT;

	return 0;
}
