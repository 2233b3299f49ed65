/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The firmware image into slot 1: pages are erased just before the bytes reach them, writes
 * are padded to the flash write-block size (0xff, as erased flash reads) while the count of
 * received bytes stays exact, and the MD5 runs over the received bytes as they are written.
 * Only a matching digest, an MCUboot header whose image length is the received length, and a
 * length that leaves the trailer's page free lead to boot_request_test().
 */

#include <errno.h>
#include <string.h>

#include "digest.h"
#include "ota_log.h"
#include "ota_priv.h"

OTA_LOG_MODULE_REGISTER(ota_fw);

struct fw_sink {
	struct ota *ota;
	size_t write_block;
	size_t erase_size;
	/* Flash below this offset is erased. */
	size_t erased_end;
	/* Bytes written to flash so far, a multiple of write_block. */
	size_t flash_off;
	uint8_t carry[CONFIG_DEGU_OTA_WRITE_BLOCK_MAX];
	size_t carry_len;
	struct ota_md5 md5;
};

size_t ota_fw_trailer_reserve(const struct ota_port *port)
{
	/* MCUboot's trailer (swap status, magic, flags) fits in the last page for a write block
	 * of up to 8 bytes and up to 128 sectors; keeping the page whole also keeps a stale
	 * trailer from being mistaken for a fresh one.
	 */
	return port->slot_erase_size(port->ctx);
}

static int flash_write(struct fw_sink *sink, const uint8_t *data, size_t len)
{
	const struct ota_port *port = sink->ota->port;
	int ret;

	while (sink->erased_end < sink->flash_off + len) {
		ret = port->slot_erase(port->ctx, OTA_SLOT_DOWNLOAD, sink->erased_end,
				       sink->erase_size);
		if (ret < 0) {
			OTA_LOG_DBG("Could not erase slot 1 at 0x%x (%d)",
				    (unsigned int)sink->erased_end, ret);
			return ret;
		}
		sink->erased_end += sink->erase_size;
	}

	ret = port->slot_write(port->ctx, OTA_SLOT_DOWNLOAD, sink->flash_off, data, len);
	if (ret < 0) {
		OTA_LOG_DBG("Could not write slot 1 at 0x%x (%d)", (unsigned int)sink->flash_off,
			    ret);
		return ret;
	}
	sink->flash_off += len;
	return 0;
}

static int fw_sink(void *ctx, uint32_t offset, const uint8_t *data, size_t len, uint32_t total)
{
	struct fw_sink *sink = ctx;
	int ret;

	(void)offset;
	(void)total;

	ret = ota_md5_update(&sink->md5, data, len);
	if (ret < 0) {
		return ret;
	}

	while (len > 0) {
		size_t n;

		if (sink->carry_len > 0 || len < sink->write_block) {
			n = sink->write_block - sink->carry_len;
			if (n > len) {
				n = len;
			}
			memcpy(sink->carry + sink->carry_len, data, n);
			sink->carry_len += n;
			if (sink->carry_len == sink->write_block) {
				ret = flash_write(sink, sink->carry, sink->write_block);
				sink->carry_len = 0;
			}
		} else {
			n = len - len % sink->write_block;
			ret = flash_write(sink, data, n);
		}
		if (ret < 0) {
			ota_text_set(sink->ota->reason, sizeof(sink->ota->reason),
				     "flash write failed");
			return ret;
		}
		data += n;
		len -= n;
	}
	return 0;
}

static int flush_carry(struct fw_sink *sink)
{
	int ret;

	if (sink->carry_len == 0) {
		return 0;
	}
	memset(sink->carry + sink->carry_len, 0xff, sink->write_block - sink->carry_len);
	ret = flash_write(sink, sink->carry, sink->write_block);
	if (ret < 0) {
		ota_text_set(sink->ota->reason, sizeof(sink->ota->reason), "flash write failed");
		return ret;
	}
	sink->carry_len = 0;
	return 0;
}

static int fail(struct ota *ota, const char *reason, int err)
{
	ota_text_set(ota->reason, sizeof(ota->reason), reason);
	OTA_LOG_WRN("Image in slot 1 refused: %s", reason);
	return err;
}

/* The checks of the written image before a swap is requested. */
static int verify(struct ota *ota, uint32_t received, const uint8_t digest[OTA_MD5_SIZE],
		  size_t limit)
{
	const struct ota_desired_item *want = &ota->desired.item[OTA_ITEM_FIRMWARE];
	struct ota_image_info info;
	int ret;

	if (memcmp(digest, want->digest, OTA_MD5_SIZE) != 0) {
		return fail(ota, "digest mismatch", -EBADMSG);
	}

	/* Only the image's own format errors are image reasons; the flash's errors pass up. */
	ret = ota_image_parse(ota->port, OTA_SLOT_DOWNLOAD, &info);
	if (ret == -ENOENT) {
		return fail(ota, "no MCUboot header", -ENOEXEC);
	}
	if (ret == -EBADMSG || ret == -EFBIG) {
		return fail(ota, "bad MCUboot image", ret == -EFBIG ? -EFBIG : -ENOEXEC);
	}
	if (ret < 0) {
		return fail(ota, "flash read failed", ret);
	}
	if (info.length != received) {
		return fail(ota, "image length differs from download", -ENOEXEC);
	}
	if (info.length > limit) {
		return fail(ota, "image too large", -EFBIG);
	}
	return 0;
}

int ota_install_fw(struct ota *ota)
{
	const struct ota_port *port = ota->port;
	struct fw_sink sink = {.ota = ota};
	uint8_t digest[OTA_MD5_SIZE];
	size_t slot_size;
	size_t limit;
	uint32_t received;
	int ret;

	sink.write_block = port->slot_write_block(port->ctx);
	sink.erase_size = port->slot_erase_size(port->ctx);
	ret = port->slot_size(port->ctx, OTA_SLOT_DOWNLOAD, &slot_size);
	if (ret < 0) {
		return fail(ota, "no slot 1", ret);
	}
	if (sink.write_block == 0 || sink.write_block > sizeof(sink.carry) ||
	    sink.erase_size == 0 || sink.erase_size % sink.write_block != 0 ||
	    slot_size < 2 * sink.erase_size) {
		return fail(ota, "unsupported flash geometry", -ENOTSUP);
	}
	limit = slot_size - ota_fw_trailer_reserve(port);

	/* A stale trailer from an earlier request must not survive under a new image. */
	ret = port->slot_erase(port->ctx, OTA_SLOT_DOWNLOAD, slot_size - sink.erase_size,
			       sink.erase_size);
	if (ret < 0) {
		return fail(ota, "flash erase failed", ret);
	}

	ret = ota_md5_start(&sink.md5);
	if (ret < 0) {
		return ret;
	}

	ota_gw_path(ota, "update/", ota_item_key(OTA_ITEM_FIRMWARE));
	ret = ota_fetch(ota, (uint32_t)limit, "image too large", fw_sink, &sink, &received);
	if (ret == 0) {
		ret = flush_carry(&sink);
	}
	if (ret < 0) {
		ota_md5_abort(&sink.md5);
		return ret;
	}
	ret = ota_md5_finish(&sink.md5, digest);
	if (ret < 0) {
		return ret;
	}

	ret = verify(ota, received, digest, limit);
	if (ret < 0) {
		return ret;
	}
	OTA_LOG_INF("Verified firmware in slot 1 (%u bytes)", (unsigned int)received);

	/* Saved before the request, marked requesting: whatever a power cut interrupts, a later
	 * boot finds the record and tells a confirmed image from a revert (ota.c).
	 */
	ota->state.fw.active = 1;
	ota->state.fw.requesting = 1;
	memcpy(ota->state.fw.digest, digest, OTA_MD5_SIZE);
	ota->state.item[OTA_ITEM_FIRMWARE].error[0] = '\0';
	ota_text_set(ota->state.fw.url, sizeof(ota->state.fw.url),
		     ota->desired.item[OTA_ITEM_FIRMWARE].url);
	ret = ota_state_save(ota);
	if (ret < 0) {
		ota->state.fw.active = 0;
		return fail(ota, "state save failed", ret);
	}

	ret = port->boot_request_test(port->ctx);
	if (ret < 0) {
		ota->state.fw.active = 0;
		(void)ota_state_save(ota);
		return fail(ota, "swap request failed", ret);
	}
	return 0;
}
